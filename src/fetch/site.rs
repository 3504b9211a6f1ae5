//! Site definitions as data: which pages list disclosures, which links are
//! documents, how to page through a list, and how gently to ask.
//!
//! A definition with an error is rejected with the line of the offending key,
//! so that whoever maintains hundreds of site files can fix them quickly.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use encoding_rs::Encoding;
use regex::Regex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use scraper::Selector;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// Links whose path ends in a document extension are attachments unless a site says otherwise.
pub const DEFAULT_ATTACHMENT_URL_REGEX: &str =
    r"(?i)\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar|txt)([?#].*)?$";

/// [`DEFAULT_ATTACHMENT_URL_REGEX`] compiled.
pub static DOCUMENT_EXTENSION: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(DEFAULT_ATTACHMENT_URL_REGEX).expect("valid"));

/// One site, validated and compiled.
#[derive(Debug, Clone)]
pub struct SiteDef {
    pub name: String,
    /// List pages where crawling starts.
    pub start_urls: Vec<Url>,
    /// Hosts (`host` or `host:port`) whose links may be followed.
    pub allowed_hosts: Vec<String>,
    pub link_rules: LinkRules,
    pub pagination: Pagination,
    pub politeness: Politeness,
    /// How many article links deep to follow from a list page.
    pub max_depth: u32,
    /// Cap on HTML pages (list and article) fetched per crawl.
    pub max_pages: usize,
    /// Cap on documents considered per crawl.
    pub max_docs: usize,
    /// Documents checked more recently than this are skipped without any request.
    pub recheck_after: Option<Duration>,
    /// Keep article pages as documents (the disclosure is the HTML page itself).
    pub article_pages_are_documents: bool,
    /// Article pages checked more recently than this are read from the store
    /// without any request (list pages are always asked, documents follow
    /// `recheck_after`): a re-crawl costs one request per list page and one
    /// conditional request per document.
    pub page_recheck_after: Option<Duration>,
    /// Sent with every request: User-Agent, Referer, Cookie and any other header the site wants.
    pub headers: HeaderMap,
    /// Decode HTML in this encoding whatever the page declares.
    pub encoding: Option<&'static Encoding>,
    /// How list pages are served and asked for.
    pub listing: Listing,
}

/// What list pages are made of and how they are requested.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub format: ListFormat,
    /// Request list pages with POST and this form body (`{n}` is the page number).
    pub form: Option<String>,
}

/// The body of a list page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ListFormat {
    #[default]
    Html,
    /// JSON: `items` is a dotted path to the array of entries (empty: the
    /// body is the array); `url`, `title`, `date` name fields of an entry.
    Json { items: String, fields: ItemFields },
    /// XML: every element named `items` is an entry. Without `url` field
    /// names its text is an HTML fragment (Hanweb `dataproxy.jsp` records);
    /// with them, `url` / `title` / `date` name child elements.
    Xml {
        items: String,
        fields: Option<ItemFields>,
    },
}

/// Where an entry of a JSON or XML list keeps its link, title and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub url: String,
    pub title: String,
    pub date: String,
}

/// How links on a page are classified.
#[derive(Debug, Clone)]
pub struct LinkRules {
    /// Anchors on list pages that may lead to articles.
    pub article_selector: Selector,
    /// An article link must match at least one of these (title or URL) when any is set.
    pub article_title_regex: Option<Regex>,
    pub article_url_regex: Option<Regex>,
    /// Anchors that may be attachments.
    pub attachment_selector: Selector,
    pub attachment_url_regex: Option<Regex>,
    pub attachment_title_regex: Option<Regex>,
    /// Links whose URL matches this are never followed.
    pub exclude_url_regex: Option<Regex>,
}

#[derive(Debug, Clone, Default)]
pub struct Pagination {
    /// Anchor leading to the next list page.
    pub next_selector: Option<Selector>,
    /// Anchor text meaning "next page", e.g. `下一页`.
    pub next_text_regex: Option<Regex>,
    /// URL template with `{n}`, relative to the first start URL, e.g. `index_{n}.htm`.
    pub url_template: Option<String>,
    /// First `{n}` of the template (the start URL itself is page 0 or 1 on most sites).
    pub template_first: u32,
    /// Last `{n}` to try; pages are also stopped by a page that yields no link.
    pub template_last: u32,
}

#[derive(Debug, Clone)]
pub struct Politeness {
    pub requests_per_second: f64,
    pub concurrency: usize,
    pub connect_timeout: Duration,
    /// Longest wait for any single read.
    pub read_timeout: Duration,
    /// Longest time for a whole response, body included.
    pub total_timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
    /// A `Retry-After` longer than this makes the URL fail instead of stalling the crawl.
    pub max_retry_after: Duration,
    pub max_redirects: u32,
    pub max_body_bytes: u64,
}

impl Default for Politeness {
    fn default() -> Self {
        Politeness {
            requests_per_second: 1.0,
            concurrency: 2,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            max_retries: 3,
            retry_base: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(120),
            max_redirects: 5,
            max_body_bytes: 200 * 1024 * 1024,
        }
    }
}

/// A site file that could not be used; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for SiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for SiteError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    site: Vec<Spanned<RawSite>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Spanned<String>,
    start_urls: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    allowed_hosts: Vec<Spanned<String>>,
    article_selector: Option<Spanned<String>>,
    article_title_regex: Option<Spanned<String>>,
    article_url_regex: Option<Spanned<String>>,
    attachment_selector: Option<Spanned<String>>,
    attachment_url_regex: Option<Spanned<String>>,
    attachment_title_regex: Option<Spanned<String>>,
    exclude_url_regex: Option<Spanned<String>>,
    next_page_selector: Option<Spanned<String>>,
    next_page_text_regex: Option<Spanned<String>>,
    page_url_template: Option<Spanned<String>>,
    page_template_first: Option<u32>,
    page_template_last: Option<u32>,
    requests_per_second: Option<Spanned<f64>>,
    concurrency: Option<Spanned<usize>>,
    connect_timeout_secs: Option<f64>,
    read_timeout_secs: Option<f64>,
    total_timeout_secs: Option<f64>,
    max_retries: Option<u32>,
    retry_base_ms: Option<u64>,
    max_retry_after_secs: Option<f64>,
    max_redirects: Option<u32>,
    max_body_mb: Option<f64>,
    max_depth: Option<u32>,
    max_pages: Option<usize>,
    max_docs: Option<usize>,
    recheck_after_hours: Option<f64>,
    page_recheck_after_hours: Option<f64>,
    article_pages_are_documents: Option<bool>,
    user_agent: Option<Spanned<String>>,
    headers: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    cookies: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    encoding: Option<Spanned<String>>,
    list_format: Option<Spanned<String>>,
    list_items: Option<Spanned<String>>,
    item_url: Option<String>,
    item_title: Option<String>,
    item_date: Option<String>,
    list_method: Option<Spanned<String>>,
    list_form: Option<Spanned<String>>,
}

/// Load and validate every site in a TOML file (`[[site]]` tables).
pub fn load_sites(path: &Path) -> Result<Vec<SiteDef>, SiteError> {
    let text = std::fs::read_to_string(path).map_err(|e| SiteError {
        file: path.display().to_string(),
        line: 0,
        message: format!("cannot read the site file: {e}"),
    })?;
    parse_sites(&text, &path.display().to_string())
}

/// Parse site definitions from TOML text; `file` names it in errors.
pub fn parse_sites(text: &str, file: &str) -> Result<Vec<SiteDef>, SiteError> {
    let line_of = |span: Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
    let err = |span: Range<usize>, message: String| SiteError {
        file: file.to_string(),
        line: line_of(span),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| SiteError {
        file: file.to_string(),
        line: e.span().map(line_of).unwrap_or(0),
        message: e.message().to_string(),
    })?;
    if raw.site.is_empty() {
        return Err(SiteError {
            file: file.to_string(),
            line: 1,
            message: "no [[site]] table".into(),
        });
    }
    let mut sites = Vec::new();
    let mut names = std::collections::HashSet::new();
    for spanned in raw.site {
        let site_span = spanned.span();
        let raw = spanned.into_inner();
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(err(raw.name.span(), "site name is empty".into()));
        }
        if !names.insert(name.clone()) {
            return Err(err(
                raw.name.span(),
                format!("site name {name:?} is used twice"),
            ));
        }
        let mut start_urls = Vec::new();
        for u in raw.start_urls.get_ref() {
            let url = Url::parse(u.get_ref())
                .map_err(|e| err(u.span(), format!("start URL {:?}: {e}", u.get_ref())))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(err(
                    u.span(),
                    format!("start URL {:?} is not http(s)", u.get_ref()),
                ));
            }
            start_urls.push(url);
        }
        if start_urls.is_empty() {
            return Err(err(raw.start_urls.span(), "start_urls is empty".into()));
        }
        let mut allowed_hosts: Vec<String> = raw
            .allowed_hosts
            .iter()
            .map(|h| h.get_ref().trim().to_ascii_lowercase())
            .collect();
        if let Some(bad) = raw.allowed_hosts.iter().find(|h| h.get_ref().contains('/')) {
            return Err(err(
                bad.span(),
                "allowed_hosts holds host names, not URLs".into(),
            ));
        }
        for url in &start_urls {
            let authority = authority(url);
            if !allowed_hosts.iter().any(|h| host_allowed(h, url)) {
                allowed_hosts.push(authority);
            }
        }
        let regex = |field: &Option<Spanned<String>>| -> Result<Option<Regex>, SiteError> {
            field
                .as_ref()
                .map(|s| {
                    Regex::new(s.get_ref()).map_err(|e| err(s.span(), format!("bad regex: {e}")))
                })
                .transpose()
        };
        let selector = |field: &Option<Spanned<String>>,
                        default: &str|
         -> Result<Selector, SiteError> {
            match field {
                Some(s) => Selector::parse(s.get_ref())
                    .map_err(|e| err(s.span(), format!("bad CSS selector {:?}: {e}", s.get_ref()))),
                None => Ok(Selector::parse(default).expect("default selector is valid")),
            }
        };
        let link_rules = LinkRules {
            article_selector: selector(&raw.article_selector, "a[href]")?,
            article_title_regex: regex(&raw.article_title_regex)?,
            article_url_regex: regex(&raw.article_url_regex)?,
            attachment_selector: selector(&raw.attachment_selector, "a[href]")?,
            attachment_url_regex: match &raw.attachment_url_regex {
                Some(_) => regex(&raw.attachment_url_regex)?,
                None if raw.attachment_selector.is_some()
                    || raw.attachment_title_regex.is_some() =>
                {
                    None
                }
                None => Some(DOCUMENT_EXTENSION.clone()),
            },
            attachment_title_regex: regex(&raw.attachment_title_regex)?,
            exclude_url_regex: regex(&raw.exclude_url_regex)?,
        };
        if link_rules.article_title_regex.is_none()
            && link_rules.article_url_regex.is_none()
            && raw.article_selector.is_none()
        {
            // Without any article rule every link on a list page would be crawled.
            return Err(err(
                site_span,
                format!(
                    "site {name:?}: set article_selector, article_title_regex or article_url_regex"
                ),
            ));
        }
        let next_selector = raw
            .next_page_selector
            .as_ref()
            .map(|s| selector(&Some(s.clone()), ""))
            .transpose()?;
        if let Some(t) = &raw.page_url_template {
            if !t.get_ref().contains("{n}") {
                return Err(err(t.span(), "page_url_template must contain {n}".into()));
            }
        }
        let headers = request_headers(&raw).map_err(|(span, m)| err(span, m))?;
        let encoding = match &raw.encoding {
            None => None,
            Some(label) => match Encoding::for_label(label.get_ref().trim().as_bytes()) {
                // GBK pages use GB18030 characters often enough; it is a superset.
                Some(e) if e == encoding_rs::GBK => Some(encoding_rs::GB18030),
                Some(e) => Some(e),
                None => {
                    return Err(err(
                        label.span(),
                        format!("unknown encoding {:?}", label.get_ref()),
                    ))
                }
            },
        };
        let listing = listing(&raw).map_err(|(span, m)| err(span, m))?;
        if listing.form.as_deref().is_some_and(|f| f.contains("{n}"))
            && raw.page_url_template.is_some()
        {
            return Err(err(
                site_span.clone(),
                "page through list pages with page_url_template or with {n} in list_form, not both"
                    .into(),
            ));
        }
        let pagination = Pagination {
            next_selector,
            next_text_regex: regex(&raw.next_page_text_regex)?,
            url_template: raw.page_url_template.as_ref().map(|t| t.get_ref().clone()),
            template_first: raw.page_template_first.unwrap_or(1),
            template_last: raw.page_template_last.unwrap_or(500),
        };
        let mut politeness = Politeness::default();
        if let Some(rps) = &raw.requests_per_second {
            let value = *rps.get_ref();
            if !(value > 0.0 && value <= 1000.0) {
                return Err(err(
                    rps.span(),
                    "requests_per_second must be in (0, 1000]".into(),
                ));
            }
            politeness.requests_per_second = value;
        }
        if let Some(c) = &raw.concurrency {
            if *c.get_ref() == 0 || *c.get_ref() > 64 {
                return Err(err(c.span(), "concurrency must be 1..=64".into()));
            }
            politeness.concurrency = *c.get_ref();
        }
        let secs = |v: Option<f64>, default: Duration| {
            v.filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64)
                .unwrap_or(default)
        };
        politeness.connect_timeout = secs(raw.connect_timeout_secs, politeness.connect_timeout);
        politeness.read_timeout = secs(raw.read_timeout_secs, politeness.read_timeout);
        politeness.total_timeout = secs(raw.total_timeout_secs, politeness.total_timeout);
        politeness.max_retry_after = secs(raw.max_retry_after_secs, politeness.max_retry_after);
        politeness.max_retries = raw.max_retries.unwrap_or(politeness.max_retries);
        politeness.retry_base = raw
            .retry_base_ms
            .map(Duration::from_millis)
            .unwrap_or(politeness.retry_base);
        politeness.max_redirects = raw.max_redirects.unwrap_or(politeness.max_redirects);
        if let Some(mb) = raw.max_body_mb.filter(|m| *m > 0.0) {
            politeness.max_body_bytes = (mb * 1024.0 * 1024.0) as u64;
        }
        sites.push(SiteDef {
            name,
            start_urls,
            allowed_hosts,
            link_rules,
            pagination,
            politeness,
            max_depth: raw.max_depth.unwrap_or(2),
            max_pages: raw.max_pages.unwrap_or(2000),
            max_docs: raw.max_docs.unwrap_or(20_000),
            recheck_after: raw
                .recheck_after_hours
                .filter(|h| *h > 0.0)
                .map(|h| Duration::from_secs_f64(h * 3600.0)),
            article_pages_are_documents: raw.article_pages_are_documents.unwrap_or(false),
            page_recheck_after: match raw.page_recheck_after_hours {
                Some(h) if h <= 0.0 => None,
                Some(h) => Some(Duration::from_secs_f64(h * 3600.0)),
                None => Some(DEFAULT_PAGE_RECHECK),
            },
            headers,
            encoding,
            listing,
        });
    }
    Ok(sites)
}

/// Article pages rarely change once published; a week between checks.
pub const DEFAULT_PAGE_RECHECK: Duration = Duration::from_secs(7 * 24 * 3600);

type KeyError = (Range<usize>, String);

/// `user_agent`, `headers` and `cookies` as the headers sent with every request.
fn request_headers(raw: &RawSite) -> Result<HeaderMap, KeyError> {
    let mut map = HeaderMap::new();
    for (headers, (name, value)) in raw
        .headers
        .iter()
        .flat_map(|h| h.get_ref().iter().map(move |pair| (h, pair)))
    {
        let bad = |what: &str| (headers.span(), format!("header {name:?}: {what}"));
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad("bad name"))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| bad("bad value"))?;
        map.insert(name, value);
    }
    if let Some(agent) = &raw.user_agent {
        let value = HeaderValue::from_str(agent.get_ref().trim()).map_err(|_| {
            (
                agent.span(),
                "user_agent: not a valid header value".to_string(),
            )
        })?;
        map.insert(reqwest::header::USER_AGENT, value);
    }
    if let Some(cookies) = raw.cookies.as_ref().filter(|c| !c.get_ref().is_empty()) {
        let pairs: Vec<String> = cookies
            .get_ref()
            .iter()
            .map(|(k, v)| format!("{}={}", k.trim(), v.trim()))
            .collect();
        let value = HeaderValue::from_str(&pairs.join("; ")).map_err(|_| {
            (
                cookies.span(),
                "cookies: not a valid header value".to_string(),
            )
        })?;
        map.insert(reqwest::header::COOKIE, value);
    }
    Ok(map)
}

fn listing(raw: &RawSite) -> Result<Listing, KeyError> {
    let fields = |default_date: &str| {
        raw.item_url.as_ref().map(|url| ItemFields {
            url: url.clone(),
            title: raw.item_title.clone().unwrap_or_else(|| "title".into()),
            date: raw.item_date.clone().unwrap_or_else(|| default_date.into()),
        })
    };
    let items = raw
        .list_items
        .as_ref()
        .map(|i| i.get_ref().trim().to_string());
    let format = match raw.list_format.as_ref().map(|f| (f.get_ref().as_str(), f.span())) {
        None | Some(("html", _)) => ListFormat::Html,
        Some(("json", _)) => ListFormat::Json {
            items: items.unwrap_or_default(),
            fields: fields("date").unwrap_or(ItemFields {
                url: "url".into(),
                title: "title".into(),
                date: "date".into(),
            }),
        },
        Some(("xml", span)) => ListFormat::Xml {
            items: items.filter(|i| !i.is_empty()).ok_or((
                span,
                "list_format = \"xml\" needs list_items (the element of one entry, e.g. \"record\")"
                    .to_string(),
            ))?,
            fields: fields("date"),
        },
        Some((other, span)) => {
            return Err((
                span,
                format!("list_format {other:?}: use \"html\", \"json\" or \"xml\""),
            ))
        }
    };
    let post = match raw.list_method.as_ref() {
        None => false,
        Some(m) if m.get_ref().eq_ignore_ascii_case("get") => false,
        Some(m) if m.get_ref().eq_ignore_ascii_case("post") => true,
        Some(m) => {
            return Err((
                m.span(),
                format!("list_method {:?}: use \"GET\" or \"POST\"", m.get_ref()),
            ))
        }
    };
    let form = match (&raw.list_form, post) {
        (Some(form), true) => Some(form.get_ref().clone()),
        (None, true) => Some(String::new()),
        (Some(form), false) => {
            return Err((form.span(), "list_form needs list_method = \"POST\"".into()))
        }
        (None, false) => None,
    };
    Ok(Listing { format, form })
}

impl SiteDef {
    /// A one-page site for `crawl --url`: the page's attachments, nothing else.
    pub fn single_page(url: Url) -> SiteDef {
        let host = authority(&url);
        SiteDef {
            name: host.clone(),
            start_urls: vec![url],
            allowed_hosts: vec![host],
            link_rules: LinkRules {
                article_selector: Selector::parse("a[href]").expect("valid"),
                article_title_regex: None,
                article_url_regex: None,
                attachment_selector: Selector::parse("a[href]").expect("valid"),
                attachment_url_regex: Some(
                    Regex::new(DEFAULT_ATTACHMENT_URL_REGEX).expect("valid"),
                ),
                attachment_title_regex: None,
                exclude_url_regex: None,
            },
            pagination: Pagination::default(),
            politeness: Politeness::default(),
            max_depth: 0,
            max_pages: 1,
            max_docs: 10_000,
            recheck_after: None,
            article_pages_are_documents: false,
            page_recheck_after: None,
            headers: HeaderMap::new(),
            encoding: None,
            listing: Listing::default(),
        }
    }

    pub fn allows(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && self.allowed_hosts.iter().any(|h| host_allowed(h, url))
    }
}

/// `host` or `host:port` as used for per-host politeness and robots.txt.
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// An allowed-host entry without a port allows every port; `*.example.gov.cn` allows subdomains.
fn host_allowed(entry: &str, url: &Url) -> bool {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    if entry.contains(':') {
        return entry == authority(url);
    }
    match entry.strip_prefix("*.") {
        Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
        None => host == entry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_regex_is_rejected_with_its_line() {
        let text = "[[site]]\nname = \"a\"\nstart_urls = [\"http://x.gov.cn/list.html\"]\narticle_title_regex = \"部门(决算\"\n";
        let e = parse_sites(text, "s.toml").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("regex"), "{e}");
    }

    #[test]
    fn unknown_key_and_bad_url_are_rejected_with_their_lines() {
        let text = "[[site]]\nname = \"a\"\nstart_urls = [\"http://x.gov.cn/\"]\narticle_selector = \"a\"\nrequests_per_sec = 2\n";
        assert_eq!(parse_sites(text, "s.toml").unwrap_err().line, 5);
        let text = "[[site]]\nname = \"a\"\n\nstart_urls = [\n  \"ftp://x.gov.cn/\"]\narticle_selector = \"a\"\n";
        assert_eq!(parse_sites(text, "s.toml").unwrap_err().line, 5);
    }

    #[test]
    fn request_and_listing_keys_are_checked_with_their_lines() {
        let base = "[[site]]\nname = \"a\"\nstart_urls = [\"http://x.gov.cn/\"]\narticle_selector = \"a\"\n";
        for (extra, wanted) in [
            ("encoding = \"klingon\"\n", "unknown encoding"),
            ("list_format = \"yaml\"\n", "list_format"),
            ("list_format = \"xml\"\n", "list_items"),
            ("list_form = \"a=1\"\n", "list_method"),
            ("list_method = \"PUT\"\n", "list_method"),
            ("headers = { \"Bad Name\" = \"x\" }\n", "header"),
            ("user_agent = \"a\\nb\"\n", "user_agent"),
        ] {
            let e = parse_sites(&format!("{base}{extra}"), "s.toml").unwrap_err();
            assert_eq!(e.line, 5, "{extra}: {e}");
            assert!(e.message.contains(wanted), "{extra}: {e}");
        }
        let text = format!(
            "{base}user_agent = \"Mozilla/5.0\"\ncookies = {{ sid = \"1\", lang = \"zh\" }}\nencoding = \"GBK\"\n"
        );
        let site = &parse_sites(&text, "s.toml").unwrap()[0];
        assert_eq!(site.headers["cookie"], "lang=zh; sid=1");
        assert_eq!(site.headers["user-agent"], "Mozilla/5.0");
        assert_eq!(site.encoding, Some(encoding_rs::GB18030));
    }

    #[test]
    fn start_hosts_are_allowed_by_default() {
        let text = "[[site]]\nname = \"a\"\nstart_urls = [\"http://127.0.0.1:8080/l.html\"]\narticle_title_regex = \"决算\"\n";
        let site = &parse_sites(text, "s.toml").unwrap()[0];
        assert!(site.allows(&Url::parse("http://127.0.0.1:8080/x.pdf").unwrap()));
        assert!(!site.allows(&Url::parse("http://127.0.0.1:8081/x.pdf").unwrap()));
    }
}
