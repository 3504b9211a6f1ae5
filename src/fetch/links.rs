//! Which links on a fetched HTML page are articles, attachments or the next
//! list page, following a [`SiteDef`]'s rules.

use std::borrow::Cow;
use std::collections::HashSet;

use encoding_rs::{Encoding, UTF_8};

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use std::sync::LazyLock as Lazy;
use url::Url;

use super::site::SiteDef;

/// A link worth following, with what the page said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: Url,
    /// Anchor title or text, whitespace collapsed.
    pub text: String,
    /// A date printed next to the link (list rows usually carry one), `YYYY-MM-DD`.
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PageLinks {
    pub title: Option<String>,
    pub published: Option<String>,
    pub articles: Vec<Link>,
    pub attachments: Vec<Link>,
    pub next_pages: Vec<Url>,
}

static DATE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").expect("valid")
});
static PUBLISHED: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(发布|日期|时间|发文)[^0-9]{0,12}((?:20|19)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})").expect("valid")
});
static ANCHORS: Lazy<Selector> = Lazy::new(|| Selector::parse("a[href]").expect("valid"));
static TITLE: Lazy<Selector> = Lazy::new(|| Selector::parse("title, h1").expect("valid"));
static BASE: Lazy<Selector> = Lazy::new(|| Selector::parse("base[href]").expect("valid"));

/// A date in `text` as `YYYY-MM-DD`.
pub fn find_date(text: &str) -> Option<String> {
    let c = DATE.captures(text)?;
    let (y, m, d): (u32, u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pins a closure to the signature `url` wants for query encoders.
fn higher_ranked<F: for<'a> Fn(&'a str) -> Cow<'a, [u8]>>(f: F) -> F {
    f
}

/// The date printed in the list row of anchor `a`: the nearest enclosing
/// element (`<li>`, `<tr>`, …) that holds no other link.
fn row_date(a: &ElementRef) -> Option<String> {
    for node in a.ancestors().take(4) {
        let Some(element) = ElementRef::wrap(node) else {
            break;
        };
        if element.select(&ANCHORS).nth(1).is_some() {
            break;
        }
        if let Some(date) = find_date(&element.text().collect::<String>()) {
            return Some(date);
        }
    }
    None
}

/// Classify the links of one page. `is_list` enables pagination and article links.
///
/// `encoding` is the page's own: as browsers do, non-ASCII query strings in
/// its links are percent-encoded in it (GBK sites expect GBK there).
pub fn page_links(
    encoding: &'static Encoding,
    html: &str,
    page_url: &Url,
    site: &SiteDef,
    is_list: bool,
    follow_articles: bool,
) -> PageLinks {
    let doc = Html::parse_document(html);
    let base = doc
        .select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h).ok())
        .unwrap_or_else(|| page_url.clone());
    let encode = higher_ranked(move |s| encoding.encode(s).0);
    let query_encoding: url::EncodingOverride<'_> = if encoding == UTF_8 {
        None
    } else {
        Some(&encode)
    };
    let rules = &site.link_rules;
    let mut out = PageLinks {
        title: doc
            .select(&TITLE)
            .map(|t| collapse(&t.text().collect::<String>()))
            .find(|t| !t.is_empty()),
        ..Default::default()
    };
    let body_text = collapse(&doc.root_element().text().collect::<String>());
    out.published = PUBLISHED
        .captures(&body_text)
        .and_then(|c| find_date(&c[2]));

    let article_anchors: HashSet<_> = doc
        .select(&rules.article_selector)
        .map(|e| e.id())
        .collect();
    let attachment_anchors: HashSet<_> = doc
        .select(&rules.attachment_selector)
        .map(|e| e.id())
        .collect();
    let next_anchors: HashSet<_> = site
        .pagination
        .next_selector
        .as_ref()
        .map(|s| doc.select(s).map(|e| e.id()).collect())
        .unwrap_or_default();

    for a in doc.select(&ANCHORS) {
        let href = a.value().attr("href").unwrap_or("").trim();
        if href.is_empty()
            || href.starts_with('#')
            || href.to_ascii_lowercase().starts_with("javascript:")
            || href.starts_with("mailto:")
        {
            continue;
        }
        let Ok(mut url) = Url::options()
            .base_url(Some(&base))
            .encoding_override(query_encoding)
            .parse(href)
        else {
            continue;
        };
        url.set_fragment(None);
        if !site.allows(&url)
            || rules
                .exclude_url_regex
                .as_ref()
                .is_some_and(|r| r.is_match(url.as_str()))
        {
            continue;
        }
        let text = collapse(&a.text().collect::<String>());
        let title_attr = a.value().attr("title").map(collapse).unwrap_or_default();
        // Lists cut long titles short ("…部门..."); the title attribute keeps them whole.
        let truncated = text.ends_with("...") || text.ends_with('…');
        let label = if !title_attr.is_empty()
            && (truncated || title_attr.chars().count() > text.chars().count())
        {
            title_attr.clone()
        } else {
            text.clone()
        };
        let title_matches =
            |r: &Regex| r.is_match(&label) || r.is_match(&title_attr) || r.is_match(&text);
        let row_date = row_date(&a);

        if is_list
            && (next_anchors.contains(&a.id())
                || site
                    .pagination
                    .next_text_regex
                    .as_ref()
                    .is_some_and(|r| r.is_match(&text)))
        {
            out.next_pages.push(url);
            continue;
        }
        let either = |by_url: Option<bool>, by_title: Option<bool>| match (by_url, by_title) {
            (None, None) => true,
            (u, t) => u == Some(true) || t == Some(true),
        };
        let is_attachment = attachment_anchors.contains(&a.id())
            && either(
                rules
                    .attachment_url_regex
                    .as_ref()
                    .map(|r| r.is_match(url.as_str())),
                rules.attachment_title_regex.as_ref().map(title_matches),
            );
        if is_attachment {
            out.attachments.push(Link {
                url,
                text: label,
                date: row_date,
            });
            continue;
        }
        let is_article = follow_articles
            && article_anchors.contains(&a.id())
            && either(
                rules
                    .article_url_regex
                    .as_ref()
                    .map(|r| r.is_match(url.as_str())),
                rules.article_title_regex.as_ref().map(title_matches),
            );
        if is_article {
            out.articles.push(Link {
                url,
                text: label,
                date: row_date,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::site::parse_sites;

    #[test]
    fn articles_attachments_and_next_page_are_told_apart() {
        let sites = parse_sites(
            "[[site]]\nname=\"t\"\nstart_urls=[\"http://h.gov.cn/xxgk/list.html\"]\narticle_title_regex=\"部门(预|决)算|单位决算\"\nnext_page_text_regex=\"^下一页$\"\n",
            "t.toml",
        )
        .unwrap();
        let html = r#"<html><head><title>信息公开</title></head><body><ul>
            <li><a href="./a/1.html" title="区财政局2024年部门决算">区财政局2024年部门...</a><span>2025-06-30</span></li>
            <li><a href="/a/2.html">关于召开会议的通知</a></li>

            <li><a href="http://other.gov.cn/a/3.html">区民政局2024年部门决算</a></li>
            <li><a href="../files/x.PDF#page=2">附件</a></li>
            </ul><table><tr><td><a href="./a/4.html">区教育局2024年单位决算</a></td><td>2025-07-09</td></tr></table>
            <a href="list_2.html">下一页</a></body></html>"#;
        let base = Url::parse("http://h.gov.cn/xxgk/list.html").unwrap();
        let links = page_links(UTF_8, html, &base, &sites[0], true, true);
        assert_eq!(links.articles.len(), 2);
        assert_eq!(links.articles[1].date.as_deref(), Some("2025-07-09"));
        assert_eq!(
            links.articles[0].url.as_str(),
            "http://h.gov.cn/xxgk/a/1.html"
        );
        assert_eq!(links.articles[0].text, "区财政局2024年部门决算");
        assert_eq!(links.articles[0].date.as_deref(), Some("2025-06-30"));
        assert_eq!(
            links.attachments[0].url.as_str(),
            "http://h.gov.cn/files/x.PDF"
        );
        assert_eq!(
            links.next_pages[0].as_str(),
            "http://h.gov.cn/xxgk/list_2.html"
        );
        assert_eq!(links.title.as_deref(), Some("信息公开"));

        let html = r#"<a href="/down.jsp?name=决算.pdf">部门决算</a>"#;
        let links = page_links(encoding_rs::GB18030, html, &base, &sites[0], false, false);
        let gbk: String = encoding_rs::GB18030
            .encode("决算")
            .0
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect();
        assert_eq!(
            links.attachments[0].url.query(),
            Some(format!("name={gbk}.pdf").as_str())
        );
    }
}
