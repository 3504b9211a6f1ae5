//! List pages that are not HTML: JSON (TRS search interfaces and the like)
//! and XML (Hanweb `dataproxy.jsp`), read as the site definition says.

use quick_xml::events::Event;
use regex::Regex;
use std::sync::LazyLock as Lazy;
use url::Url;

use super::links::{find_date, page_links, Link, PageLinks};
use super::site::{ItemFields, ListFormat, SiteDef, DOCUMENT_EXTENSION};

/// One entry of a structured list.
#[derive(Debug, Default)]
struct Entry {
    url: String,
    title: String,
    date: String,
}

/// The links of a JSON or XML list page; an error says why the body could not be read.
pub fn structured_links(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    site: &SiteDef,
    follow_articles: bool,
) -> Result<PageLinks, String> {
    let text = decode(body, content_type, site);
    match &site.listing.format {
        ListFormat::Html => {
            let links = page_links(
                encoding_rs::UTF_8,
                &text,
                page_url,
                site,
                true,
                follow_articles,
            );
            Ok(links)
        }
        ListFormat::Json { items, fields } => {
            let value: serde_json::Value =
                serde_json::from_str(text.trim_start_matches('\u{feff}'))
                    .map_err(|e| format!("list page is not JSON: {e}"))?;
            let array = at_path(&value, items)
                .and_then(|v| v.as_array())
                .ok_or_else(|| format!("no JSON array at {items:?}"))?;
            let entries = array
                .iter()
                .map(|item| Entry {
                    url: json_text(item, &fields.url),
                    title: json_text(item, &fields.title),
                    date: json_text(item, &fields.date),
                })
                .collect();
            Ok(classify(entries, page_url, site, follow_articles))
        }
        ListFormat::Xml { items, fields } => {
            let records = xml_records(&text, items, fields.as_ref())?;
            match fields {
                Some(_) => Ok(classify(records, page_url, site, follow_articles)),
                None => {
                    // Each record is an HTML fragment: read them together as one page.
                    let html: String = records.iter().map(|r| r.title.as_str()).collect();
                    Ok(page_links(
                        encoding_rs::UTF_8,
                        &format!("<html><body>{html}</body></html>"),
                        page_url,
                        site,
                        true,
                        follow_articles,
                    ))
                }
            }
        }
    }
}

static XML_ENCODING: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r#"^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.-]+)"#).expect("valid")
});

/// The site's encoding if it sets one, else the XML declaration's or the
/// Content-Type's, else UTF-8 (JSON is UTF-8 by definition, GBK by practice).
fn decode(body: &[u8], content_type: Option<&str>, site: &SiteDef) -> String {
    if let Some(encoding) = site.encoding {
        return encoding.decode(body).0.into_owned();
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let declared = XML_ENCODING
        .captures(&head)
        .map(|c| c[1].to_string())
        .or_else(|| {
            content_type.and_then(|ct| {
                ct.split(';')
                    .filter_map(|p| p.trim().strip_prefix("charset="))
                    .map(|c| c.trim_matches('"').to_string())
                    .next()
            })
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    let encoding = match declared {
        Some(e) if e == encoding_rs::GBK => encoding_rs::GB18030,
        Some(e) => e,
        None => encoding_rs::UTF_8,
    };
    encoding.decode(body).0.into_owned()
}

/// `a.b.0.c`: object keys and array indexes; the empty path is the value itself.
fn at_path<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, key| match v {
            serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => v.get(key),
        })
}

fn json_text(item: &serde_json::Value, path: &str) -> String {
    match at_path(item, path) {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Every element named `element`: its child fields, or (no fields) its whole text in `title`.
fn xml_records(
    text: &str,
    element: &str,
    fields: Option<&ItemFields>,
) -> Result<Vec<Entry>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut current: Option<Entry> = None;
    // Local name of the innermost open element inside a record.
    let mut open: Vec<String> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("list page is not XML: {e}"))?;
        let piece = match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if current.is_none() && name == element {
                    current = Some(Entry::default());
                    open.clear();
                } else if current.is_some() {
                    open.push(name);
                }
                continue;
            }
            Event::End(e) => {
                let name = e.local_name().as_ref().to_string();
                if current.is_some() && open.is_empty() && name == element {
                    out.extend(current.take());
                } else {
                    open.pop();
                }
                continue;
            }
            Event::Text(t) => t.xml10_content().into_owned(),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => c.to_string(),
                _ => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                    .map_or_else(|| format!("&{};", r.xml10_content()), str::to_string),
            },
            Event::CData(c) => c.xml10_content().into_owned(),
            Event::Eof => break,
            _ => continue,
        };
        let Some(entry) = current.as_mut() else {
            continue;
        };
        match fields {
            None => entry.title.push_str(&piece),
            Some(f) => {
                let field = match open.last() {
                    Some(n) if *n == f.url => &mut entry.url,
                    Some(n) if *n == f.title => &mut entry.title,
                    Some(n) if *n == f.date => &mut entry.date,
                    _ => continue,
                };
                field.push_str(piece.trim());
            }
        }
    }
    Ok(out)
}

/// Entries become attachments (document links) or articles by the site's rules.
fn classify(
    entries: Vec<Entry>,
    page_url: &Url,
    site: &SiteDef,
    follow_articles: bool,
) -> PageLinks {
    let rules = &site.link_rules;
    let mut out = PageLinks::default();
    for entry in entries {
        let Ok(mut url) = page_url.join(entry.url.trim()) else {
            continue;
        };
        url.set_fragment(None);
        if entry.url.trim().is_empty()
            || !site.allows(&url)
            || rules
                .exclude_url_regex
                .as_ref()
                .is_some_and(|r| r.is_match(url.as_str()))
        {
            continue;
        }
        let title = entry.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let by = |url_regex: &Option<Regex>, title_regex: &Option<Regex>| {
            let by_url = url_regex.as_ref().map(|r| r.is_match(url.as_str()));
            let by_title = title_regex.as_ref().map(|r| r.is_match(&title));
            match (by_url, by_title) {
                (None, None) => None,
                (u, t) => Some(u == Some(true) || t == Some(true)),
            }
        };
        let link = Link {
            text: title.clone(),
            date: find_date(&entry.date),
            url: url.clone(),
        };
        let attachment = by(&rules.attachment_url_regex, &rules.attachment_title_regex)
            .unwrap_or_else(|| DOCUMENT_EXTENSION.is_match(url.path()));
        if attachment {
            out.attachments.push(link);
        } else if follow_articles
            && by(&rules.article_url_regex, &rules.article_title_regex).unwrap_or(true)
        {
            out.articles.push(link);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::site::parse_sites;

    fn site(extra: &str) -> SiteDef {
        let text = format!(
            "[[site]]\nname=\"t\"\nstart_urls=[\"http://h.gov.cn/list\"]\narticle_title_regex=\"决算\"\n{extra}"
        );
        parse_sites(&text, "t.toml").unwrap().remove(0)
    }

    #[test]
    fn json_entries_become_articles_and_attachments() {
        let site = site("list_format=\"json\"\nlist_items=\"data.list\"\nitem_url=\"link\"\nitem_title=\"doc.title\"\nitem_date=\"pubDate\"\n");
        let body = r#"{"data":{"list":[
            {"link":"/art/1.html","doc":{"title":"区财政局2024年部门决算"},"pubDate":"2025-06-30 10:00:00"},
            {"link":"/files/2.pdf","doc":{"title":"附件"},"pubDate":"2025-07-01"},
            {"link":"/art/3.html","doc":{"title":"会议通知"}}]}}"#;
        let base = Url::parse("http://h.gov.cn/api/search").unwrap();
        let links = structured_links(body.as_bytes(), None, &base, &site, true).unwrap();
        assert_eq!(links.articles.len(), 1);
        assert_eq!(links.articles[0].url.as_str(), "http://h.gov.cn/art/1.html");
        assert_eq!(links.articles[0].date.as_deref(), Some("2025-06-30"));
        assert_eq!(
            links.attachments[0].url.as_str(),
            "http://h.gov.cn/files/2.pdf"
        );
        let bad = structured_links(b"<html>", None, &base, &site, true).unwrap_err();
        assert!(bad.contains("not JSON"), "{bad}");
    }

    #[test]
    fn hanweb_xml_records_are_html_fragments() {
        let site = site("list_format=\"xml\"\nlist_items=\"record\"\n");
        let body = "<?xml version=\"1.0\" encoding=\"gbk\"?><datastore><nextgroup><![CDATA[<a href=\"x\">下一组</a>]]></nextgroup><recordset>\
            <record><![CDATA[<li><a href=\"/art/2025/6/30/art_1_2.html\" title=\"区财政局2024年部门决算\">区财政局...</a><span>2025-06-30</span></li>]]></record>\
            <record><![CDATA[<li><a href=\"/art/2025/7/1/art_1_3.html\">通知</a></li>]]></record></recordset></datastore>";
        let bytes = encoding_rs::GB18030.encode(body).0;
        let base = Url::parse("http://h.gov.cn/module/web/jpage/dataproxy.jsp").unwrap();
        let links = structured_links(&bytes, None, &base, &site, true).unwrap();
        assert_eq!(links.articles.len(), 1, "{links:?}");
        assert_eq!(links.articles[0].text, "区财政局2024年部门决算");
        assert_eq!(links.articles[0].date.as_deref(), Some("2025-06-30"));
    }

    #[test]
    fn xml_fields_name_child_elements() {
        let site = site(
            "list_format=\"xml\"\nlist_items=\"item\"\nitem_url=\"url\"\nitem_date=\"time\"\n",
        );
        let body = "<r><item><title>2024年部门决算</title><url>/a/1.pdf</url><time>2025-01-02</time></item></r>";
        let base = Url::parse("http://h.gov.cn/x.xml").unwrap();
        let links = structured_links(body.as_bytes(), None, &base, &site, true).unwrap();
        assert_eq!(links.attachments.len(), 1);
        assert_eq!(links.attachments[0].text, "2024年部门决算");
        assert_eq!(links.attachments[0].date.as_deref(), Some("2025-01-02"));
    }
}
