//! A local fixture: three differently built disclosure sites on 127.0.0.1,
//! each on its own random port, with the faults real county servers show.
//! Plain std `TcpListener` + a thread per connection, so that truncation,
//! slowness and exact headers are under the test's control. Every request is
//! logged with its arrival time, so politeness is measured from the server side.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use encoding_rs::GB18030;

/// Articles on the UTF-8 site (A), each with two attachments.
pub const A_ARTICLES: u32 = 80;
pub const A_LIST_PAGES: u32 = 8;
/// Articles on the GBK site (B), one attachment each.
pub const B_ARTICLES: u32 = 60;
pub const B_LIST_PAGES: u32 = 6;
/// Direct document links on the faulty site (C).
pub const C_DOCS: u32 = 40;
pub const C_LIST_PAGES: u32 = 5;
/// The document whose bytes change when [`Fixture::change_documents`] is called.
pub const CHANGING_PATH: &str = "/xxgk/files/1_1.pdf";
/// How long the slow endpoint sits before answering.
pub const SLOW_MS: u64 = 2500;

#[derive(Debug, Clone)]
pub struct LogEntry {
    pub at: Instant,
    pub port: u16,
    pub host: String,
    pub path: String,
    pub status: u16,
    pub body_bytes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SiteKind {
    /// UTF-8, "下一页" pagination, relative and absolute links, article pages, ETag + Last-Modified.
    Utf8Articles,
    /// GBK pages (charset in header or only in meta), URL-template pagination,
    /// `down.jsp?fileid=` attachments named by Content-Disposition, robots.txt disallowing /private/.
    GbkDownloads,
    /// Documents linked straight from list pages, and every fault.
    Faulty,
}

struct Shared {
    log: Mutex<Vec<LogEntry>>,
    generation: AtomicU32,
    /// Per-path counters for faults that recover.
    hits: Mutex<HashMap<String, u32>>,
    stop: AtomicBool,
    corpus_pdfs: Vec<Vec<u8>>,
}

pub struct Fixture {
    shared: Arc<Shared>,
    pub ports: [u16; 3],
}

enum Delivery {
    Normal,
    /// Announce the full length, send only this many body bytes, close.
    Truncate(usize),
    /// Sleep before the status line.
    Slow(Duration),
}

struct Response {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    delivery: Delivery,
    etag: bool,
    last_modified: bool,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.as_bytes().to_vec())],
            body,
            delivery: Delivery::Normal,
            etag: status == 200,
            last_modified: status == 200,
        }
    }
    fn html(body: String) -> Response {
        Response::new(200, "text/html; charset=utf-8", body.into_bytes())
    }
    fn not_found() -> Response {
        Response::new(
            404,
            "text/html; charset=utf-8",
            b"<html><body>404</body></html>".to_vec(),
        )
    }
    fn header(mut self, name: &str, value: &[u8]) -> Response {
        self.headers.push((name.into(), value.to_vec()));
        self
    }
}

impl Fixture {
    /// Start the three sites. Real PDFs from `../shared/corpus` are served when present.
    pub fn start() -> Fixture {
        let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        let mut corpus_pdfs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(corpus) {
            let mut paths: Vec<_> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect();
            paths.sort();
            corpus_pdfs = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
        } else {
            eprintln!(
                "note: {} absent; the fixture serves generated PDFs only",
                corpus.display()
            );
        }
        let shared = Arc::new(Shared {
            log: Mutex::new(Vec::new()),
            generation: AtomicU32::new(1),
            hits: Mutex::new(HashMap::new()),
            stop: AtomicBool::new(false),
            corpus_pdfs,
        });
        let mut ports = [0u16; 3];
        for (i, kind) in [
            SiteKind::Utf8Articles,
            SiteKind::GbkDownloads,
            SiteKind::Faulty,
        ]
        .into_iter()
        .enumerate()
        {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            ports[i] = listener.local_addr().unwrap().port();
            let shared = shared.clone();
            let port = ports[i];
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = shared.clone();
                    std::thread::spawn(move || serve(stream, kind, port, &shared));
                }
            });
        }
        Fixture { shared, ports }
    }

    pub fn base(&self, kind: SiteKind) -> String {
        format!("http://127.0.0.1:{}", self.port(kind))
    }

    pub fn port(&self, kind: SiteKind) -> u16 {
        match kind {
            SiteKind::Utf8Articles => self.ports[0],
            SiteKind::GbkDownloads => self.ports[1],
            SiteKind::Faulty => self.ports[2],
        }
    }

    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.lock().unwrap().clone()
    }

    pub fn change_documents(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Site definitions for the three sites at `requests_per_second` per host.
    pub fn sites_toml(&self, requests_per_second: f64) -> String {
        let [a, b, c] = self.ports;
        format!(
            r#"# Generated by the fetch tests for the local fixture.
[[site]]
name = "utf8-articles"
start_urls = ["http://127.0.0.1:{a}/xxgk/bmys/index.html"]
article_selector = "ul.list a"
article_title_regex = "部门(预|决)算|单位决算"
next_page_text_regex = "^下一页$"
requests_per_second = {rps}
concurrency = 3
read_timeout_secs = 1.0
retry_base_ms = 50
max_retries = 2

[[site]]
name = "gbk-downloads"
start_urls = ["http://127.0.0.1:{b}/gk/index.htm"]
article_url_regex = "/gk/content/\\d+\\.htm$"
page_url_template = "index_{{n}}.htm"
page_template_first = 1
attachment_selector = "div.attach a"
article_pages_are_documents = true
requests_per_second = {rps}
concurrency = 3
read_timeout_secs = 1.0
retry_base_ms = 50
max_retries = 2

[[site]]
name = "faulty"
start_urls = ["http://127.0.0.1:{c}/list?page=1"]
article_title_regex = "部门(预|决)算"
next_page_selector = "a.next"
requests_per_second = {rps}
concurrency = 3
read_timeout_secs = 0.5
retry_base_ms = 50
max_retries = 2
max_retry_after_secs = 5
max_body_mb = 1
"#,
            rps = requests_per_second
        )
    }

    /// Every document a correct crawl stores, URL → current bytes.
    pub fn expected_documents(&self) -> BTreeMap<String, Vec<u8>> {
        let g = self.shared.generation.load(Ordering::SeqCst);
        let mut out = BTreeMap::new();
        let a = self.base(SiteKind::Utf8Articles);
        for id in 1..=A_ARTICLES {
            for n in 1..=2 {
                let path = a_attachment_path(id, n);
                out.insert(
                    format!("{a}{path}"),
                    a_document(&self.shared, &path, g).unwrap(),
                );
            }
        }
        out.insert(
            format!("{a}/xxgk/files/shared.pdf"),
            a_document(&self.shared, "/xxgk/files/shared.pdf", g).unwrap(),
        );
        let b = self.base(SiteKind::GbkDownloads);
        for id in 1..=B_ARTICLES {
            out.insert(format!("{b}/down.jsp?fileid={id}"), b_document(id).0);
            // Site B keeps its article pages too: the disclosure text is on the page.
            let page = format!("/gk/content/{id}.htm");
            out.insert(
                format!("{b}{page}"),
                route_b(self.port(SiteKind::GbkDownloads), &page).body,
            );
        }
        let c = self.base(SiteKind::Faulty);
        for id in 1..=C_DOCS {
            out.insert(
                format!("{c}/doc/{id}.pdf"),
                generated("pdf", &format!("c{id}"), 1),
            );
        }
        for name in ["flaky", "busy", "truncated-once"] {
            out.insert(
                format!("{c}/doc/{name}.pdf"),
                generated("pdf", &format!("c-{name}"), 1),
            );
        }
        // Stored under the URL that was linked, whatever the redirect chain led to.
        out.insert(
            format!("{c}/doc/redirect.pdf"),
            generated("pdf", "c-moved", 1),
        );
        out
    }

    /// URL → failure reason a correct crawl reports.
    pub fn expected_failures(&self) -> BTreeMap<String, &'static str> {
        let c = self.base(SiteKind::Faulty);
        [
            ("/doc/missing.pdf", "http_404"),
            ("/doc/slow.pdf", "timeout"),
            ("/doc/truncated.pdf", "truncated"),
            ("/doc/soft404.pdf", "html_instead_of_document"),
            ("/doc/huge.pdf", "too_large"),
            ("/doc/offsite.pdf", "redirect_offsite"),
            ("/loop/0?x.pdf", "too_many_redirects"),
        ]
        .into_iter()
        .map(|(p, r)| (format!("{c}{p}"), r))
        .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for port in self.ports {
            let _ = TcpStream::connect(("127.0.0.1", port));
        }
    }
}

fn serve(stream: TcpStream, kind: SiteKind, port: u16, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    // Keep-alive: serve requests on this connection until the client closes it.
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let at = Instant::now();
        let Some(headers) = read_headers(&mut reader) else {
            return;
        };
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_string();
        let mut response = route(kind, port, &path, shared);
        let validator = format!("\"{}\"", &sha_hex(&response.body)[..16]);
        let last_modified = "Tue, 01 Jul 2025 08:00:00 GMT";
        let g = shared.generation.load(Ordering::SeqCst);
        // The changing document gets a later date with each generation.
        let last_modified = if path == CHANGING_PATH && g > 1 {
            "Wed, 01 Oct 2025 08:00:00 GMT"
        } else {
            last_modified
        };
        if response.status == 200 {
            let etag_match = response.etag
                && headers
                    .get("if-none-match")
                    .is_some_and(|v| v == &validator);
            let date_match = !response.etag
                && response.last_modified
                && headers
                    .get("if-modified-since")
                    .is_some_and(|v| v == last_modified);
            if etag_match || date_match {
                response = Response {
                    status: 304,
                    headers: Vec::new(),
                    body: Vec::new(),
                    delivery: Delivery::Normal,
                    etag: response.etag,
                    last_modified: response.last_modified,
                };
            }
        }
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            response.status,
            reason(response.status)
        )
        .into_bytes();
        for (k, v) in &response.headers {
            head.extend_from_slice(k.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(v);
            head.extend_from_slice(b"\r\n");
        }
        if response.etag {
            head.extend_from_slice(format!("ETag: {validator}\r\n").as_bytes());
        }
        if response.last_modified {
            head.extend_from_slice(format!("Last-Modified: {last_modified}\r\n").as_bytes());
        }
        head.extend_from_slice(
            format!("Content-Length: {}\r\n\r\n", response.body.len()).as_bytes(),
        );
        let sent_body = match response.delivery {
            Delivery::Truncate(n) => n.min(response.body.len()),
            _ => response.body.len(),
        };
        shared.log.lock().unwrap().push(LogEntry {
            at,
            port,
            host: headers.get("host").cloned().unwrap_or_default(),
            path: path.clone(),
            status: response.status,
            body_bytes: sent_body,
        });
        if let Delivery::Slow(d) = response.delivery {
            std::thread::sleep(d);
        }
        let mut out = head;
        out.extend_from_slice(&response.body[..sent_body]);
        if stream.write_all(&out).is_err() || stream.flush().is_err() {
            return;
        }
        if matches!(response.delivery, Delivery::Truncate(_)) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Other",
    }
}

fn hit(shared: &Shared, path: &str) -> u32 {
    let mut hits = shared.hits.lock().unwrap();
    let n = hits.entry(path.to_string()).or_insert(0);
    *n += 1;
    *n
}

fn route(kind: SiteKind, port: u16, path: &str, shared: &Shared) -> Response {
    match kind {
        SiteKind::Utf8Articles => route_a(port, path, shared),
        SiteKind::GbkDownloads => route_b(port, path),
        SiteKind::Faulty => route_c(port, path, shared),
    }
}

const FORMATS: [&str; 5] = ["pdf", "doc", "docx", "xls", "xlsx"];
const OFFICES: [&str; 8] = [
    "区财政局",
    "区民政局",
    "区教育局",
    "区卫生健康委",
    "区城管执法局",
    "区文化旅游局",
    "区司法局",
    "区审计局",
];

fn a_attachment_path(id: u32, n: u32) -> String {
    let ext = if n == 1 {
        "pdf"
    } else {
        FORMATS[(id as usize) % FORMATS.len()]
    };
    format!("/xxgk/files/{id}_{n}.{ext}")
}

/// Bytes that sniff as the format of `ext`, unique per key, a few KB long.
pub fn generated(ext: &str, key: &str, generation: u32) -> Vec<u8> {
    let text = format!("{key} 2024年度部门决算 第{generation}版 ");
    let mut body: Vec<u8> = match ext {
        "pdf" => format!("%PDF-1.4\n% {text}\n").into_bytes(),
        "doc" | "xls" => {
            let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
            b.extend_from_slice(text.as_bytes());
            b
        }
        "docx" => [&b"PK\x03\x04word/document.xml "[..], text.as_bytes()].concat(),
        "xlsx" => [&b"PK\x03\x04xl/workbook.xml "[..], text.as_bytes()].concat(),
        _ => text.into_bytes(),
    };
    let size = 2000 + (sha_hex(key.as_bytes()).as_bytes()[0] as usize % 16) * 500;
    while body.len() < size {
        body.extend_from_slice(format!("{key} filler {} ", body.len()).as_bytes());
    }
    if ext == "pdf" {
        body.extend_from_slice(b"\n%%EOF\n");
    }
    body
}

fn a_document(shared: &Shared, path: &str, generation: u32) -> Option<Vec<u8>> {
    let name = path.strip_prefix("/xxgk/files/")?;
    let (stem, ext) = name.rsplit_once('.')?;
    if stem == "shared" {
        return Some(generated("pdf", "a-shared", 1));
    }
    let (id, n) = stem.split_once('_')?;
    let (id, n): (u32, u32) = (id.parse().ok()?, n.parse().ok()?);
    if !(1..=A_ARTICLES).contains(&id) || !(1..=2).contains(&n) || a_attachment_path(id, n) != path
    {
        return None;
    }
    // A few attachments are real disclosures from the shared corpus.
    if n == 1 && (2..2 + shared.corpus_pdfs.len() as u32).contains(&id) {
        return Some(shared.corpus_pdfs[(id - 2) as usize].clone());
    }
    let g = if path == CHANGING_PATH { generation } else { 1 };
    Some(generated(ext, &format!("a{id}_{n}"), g))
}

fn route_a(port: u16, path: &str, shared: &Shared) -> Response {
    let g = shared.generation.load(Ordering::SeqCst);
    if let Some(body) = a_document(shared, path, g) {
        let ct = match path.rsplit('.').next() {
            Some("pdf") => "application/pdf",
            Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/octet-stream",
        };
        return Response::new(200, ct, body);
    }
    let list_page = match path {
        "/xxgk/bmys/index.html" => Some(1),
        p => p
            .strip_prefix("/xxgk/bmys/list_")
            .and_then(|r| r.strip_suffix(".html"))
            .and_then(|n| n.parse::<u32>().ok()),
    };
    if let Some(page) = list_page.filter(|p| (1..=A_LIST_PAGES).contains(p)) {
        let per = A_ARTICLES / A_LIST_PAGES;
        let mut rows = String::new();
        for id in (page - 1) * per + 1..=page * per {
            let office = OFFICES[id as usize % OFFICES.len()];
            let what = if id.is_multiple_of(2) {
                "部门预算"
            } else {
                "部门决算"
            };
            // Alternate relative and absolute links; long titles are cut short with the whole title in `title`.
            let href = if id.is_multiple_of(2) {
                format!("art/{id}.html")
            } else {
                format!("http://127.0.0.1:{port}/xxgk/bmys/art/{id}.html")
            };
            let title = format!("{office}2024年{what}公开（第{id}号）");
            let shown: String = title.chars().take(10).collect();
            rows.push_str(&format!("<li><a href=\"{href}\" title=\"{title}\">{shown}...</a><span>2025-0{}-{:02}</span></li>\n", 1 + page % 9, id % 28 + 1));
        }
        rows.push_str(&format!("<li><a href=\"art/n{page}.html\">关于召开第{page}次工作会议的通知</a><span>2025-03-01</span></li>\n"));
        let next = if page < A_LIST_PAGES {
            format!("<a href=\"list_{}.html\">下一页</a>", page + 1)
        } else {
            String::new()
        };
        return Response::html(format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>部门预决算公开 第{page}页</title></head><body>\
             <div class=\"nav\"><a href=\"/\">首页</a><a href=\"/xxgk/\">信息公开</a></div>\
             <ul class=\"list\">\n{rows}</ul><div class=\"pages\">{next}</div></body></html>"
        ));
    }
    if let Some(id) = path
        .strip_prefix("/xxgk/bmys/art/")
        .and_then(|r| r.strip_suffix(".html"))
        .and_then(|n| n.parse::<u32>().ok())
    {
        if !(1..=A_ARTICLES).contains(&id) {
            return Response::not_found();
        }
        let office = OFFICES[id as usize % OFFICES.len()];
        let mut attachments = format!(
            "<p><a href=\"../../files/{id}_1.pdf\">{office}2024年部门决算.pdf</a></p>\
             <p><a href=\"http://127.0.0.1:{port}{}\">附件2</a></p>",
            a_attachment_path(id, 2)
        );
        if id == 5 || id == 6 {
            attachments.push_str(
                "<p><a href=\"/xxgk/files/shared.pdf\">关于部门预决算公开的统一说明.pdf</a></p>",
            );
        }
        return Response::html(format!(
            "<html><head><meta charset=\"utf-8\"><title>{office}2024年部门决算</title></head><body>\
             <h1>{office}2024年部门决算</h1><div class=\"info\">发布时间：2025-06-{:02}</div>\
             <div class=\"content\">{attachments}</div></body></html>",
            id % 28 + 1
        ));
    }
    if path.starts_with("/xxgk/bmys/art/n") {
        // Not a disclosure: a correct crawl never opens it.
        return Response::html(
            "<html><body><a href=\"/xxgk/files/meeting.pdf\">会议通知.pdf</a></body></html>".into(),
        );
    }
    Response::not_found()
}

/// GBK-encoded bytes of `s`.
fn gbk(s: &str) -> Vec<u8> {
    GB18030.encode(s).0.into_owned()
}

/// Attachment `id` of site B: bytes and the Content-Disposition header value.
fn b_document(id: u32) -> (Vec<u8>, Vec<u8>) {
    let ext = FORMATS[(id as usize + 2) % FORMATS.len()];
    let office = OFFICES[id as usize % OFFICES.len()];
    let name = format!("{office}2024年单位决算{id}.{ext}");
    let disposition = match id % 3 {
        0 => [&b"attachment; filename=\""[..], &gbk(&name), b"\""].concat(),
        1 => format!(
            "attachment; filename=\"file{id}.{ext}\"; filename*=UTF-8''{}",
            pct(name.as_bytes())
        )
        .into_bytes(),
        _ => format!("attachment; filename={}", pct(&gbk(&name))).into_bytes(),
    };
    (generated(ext, &format!("b{id}"), 1), disposition)
}

pub fn b_filename(id: u32) -> String {
    let ext = FORMATS[(id as usize + 2) % FORMATS.len()];
    format!(
        "{}2024年单位决算{id}.{ext}",
        OFFICES[id as usize % OFFICES.len()]
    )
}

fn pct(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fn route_b(port: u16, path: &str) -> Response {
    if path == "/robots.txt" {
        return Response::new(
            200,
            "text/plain",
            b"User-agent: *\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n".to_vec(),
        );
    }
    if let Some(id) = path
        .strip_prefix("/down.jsp?fileid=")
        .and_then(|n| n.parse::<u32>().ok())
    {
        if !(1..=B_ARTICLES).contains(&id) {
            return Response::not_found();
        }
        let (body, disposition) = b_document(id);
        let mut r = Response::new(200, "application/octet-stream", body)
            .header("Content-Disposition", &disposition);
        r.etag = false;
        return r;
    }
    let page = match path {
        "/gk/index.htm" => Some(0),
        p => p
            .strip_prefix("/gk/index_")
            .and_then(|r| r.strip_suffix(".htm"))
            .and_then(|n| n.parse::<u32>().ok()),
    };
    let header_charset = |n: u32| n.is_multiple_of(2);
    if let Some(page) = page.filter(|p| *p < B_LIST_PAGES) {
        let per = B_ARTICLES / B_LIST_PAGES;
        let mut rows = String::new();
        for id in page * per + 1..=(page + 1) * per {
            rows.push_str(&format!(
                "<tr><td><a href=\"http://127.0.0.1:{port}/gk/content/{id}.htm\" target=\"_blank\">{}2024年单位决算</a></td><td>2025-07-{:02}</td></tr>\n",
                OFFICES[id as usize % OFFICES.len()],
                id % 28 + 1
            ));
        }
        rows.push_str(&format!(
            "<tr><td><a href=\"http://127.0.0.1:{port}/gk/about.htm\">网站地图</a></td></tr>"
        ));
        return gbk_page(
            &format!("<table>{rows}</table><div>共{B_LIST_PAGES}页</div>"),
            "政府信息公开目录",
            header_charset(page),
        );
    }
    if let Some(id) = path
        .strip_prefix("/gk/content/")
        .and_then(|r| r.strip_suffix(".htm"))
        .and_then(|n| n.parse::<u32>().ok())
    {
        if !(1..=B_ARTICLES).contains(&id) {
            return Response::not_found();
        }
        let private = if id.is_multiple_of(10) {
            format!("<a href=\"/private/{id}.pdf\">内部材料{id}.pdf</a>")
        } else {
            String::new()
        };
        let body = format!(
            "<h2>{}2024年单位决算</h2><p>发文日期：2025年7月{}日</p><div class=\"attach\"><a href=\"/down.jsp?fileid={id}\">附件：单位决算表</a>{private}</div>",
            OFFICES[id as usize % OFFICES.len()],
            id % 28 + 1
        );
        return gbk_page(&body, "单位决算公开", header_charset(id));
    }
    Response::not_found()
}

/// A GBK page whose charset is declared either in the header only or in a meta tag only.
fn gbk_page(body: &str, title: &str, charset_in_header: bool) -> Response {
    let meta = if charset_in_header {
        ""
    } else {
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
    };
    let html = format!("<html><head>{meta}<title>{title}</title></head><body>{body}</body></html>");
    let ct = if charset_in_header {
        "text/html; charset=GBK"
    } else {
        "text/html"
    };
    let mut r = Response::new(200, ct, gbk(&html));
    r.etag = false;
    r
}

fn route_c(port: u16, path: &str, shared: &Shared) -> Response {
    let pdf = |name: &str| {
        Response::new(
            200,
            "application/pdf",
            generated("pdf", &format!("c-{name}"), 1),
        )
    };
    match path {
        "/robots.txt" => {
            return Response::new(200, "text/plain", b"User-agent: *\nAllow: /\n".to_vec())
        }
        "/doc/missing.pdf" => return Response::not_found(),
        "/doc/flaky.pdf" => {
            return if hit(shared, path) == 1 {
                Response::new(500, "text/html", b"busy".to_vec())
            } else {
                pdf("flaky")
            }
        }
        "/doc/busy.pdf" => {
            return if hit(shared, path) == 1 {
                Response::new(429, "text/html", b"slow down".to_vec()).header("Retry-After", b"1")
            } else {
                pdf("busy")
            }
        }
        "/doc/slow.pdf" => {
            let mut r = pdf("slow");
            r.delivery = Delivery::Slow(Duration::from_millis(SLOW_MS));
            return r;
        }
        "/doc/redirect.pdf" => {
            return Response::new(302, "text/html", Vec::new()).header("Location", b"/r/step2")
        }
        "/r/step2" => {
            return Response::new(301, "text/html", Vec::new()).header(
                "Location",
                format!("http://127.0.0.1:{port}/doc/moved.pdf").as_bytes(),
            )
        }
        "/doc/moved.pdf" => return pdf("moved"),
        "/doc/truncated.pdf" => {
            let mut r = pdf("truncated");
            r.delivery = Delivery::Truncate(1000);
            return r;
        }
        "/doc/truncated-once.pdf" => {
            let mut r = pdf("truncated-once");
            if hit(shared, path) == 1 {
                r.delivery = Delivery::Truncate(1000);
            }
            return r;
        }
        "/doc/soft404.pdf" => return Response::html("<html><body>页面不存在</body></html>".into()),
        "/doc/huge.pdf" => {
            return Response::new(
                200,
                "application/pdf",
                generated("pdf", "c-huge", 1).repeat(1000),
            )
        }
        "/doc/offsite.pdf" => {
            // Another origin, not in this site's allowed hosts: must not be followed.
            return Response::new(302, "text/html", Vec::new()).header(
                "Location",
                format!("http://localhost:{port}/doc/1.pdf").as_bytes(),
            );
        }
        _ if path.starts_with("/loop/") => {
            let n: u32 = path[6..]
                .split('?')
                .next()
                .unwrap_or("0")
                .parse()
                .unwrap_or(0);
            return Response::new(302, "text/html", Vec::new())
                .header("Location", format!("/loop/{}", n + 1).as_bytes());
        }
        _ => {}
    }
    if let Some(id) = path
        .strip_prefix("/doc/")
        .and_then(|r| r.strip_suffix(".pdf"))
        .and_then(|n| n.parse::<u32>().ok())
    {
        if (1..=C_DOCS).contains(&id) {
            let mut r = Response::new(
                200,
                "application/pdf",
                generated("pdf", &format!("c{id}"), 1),
            );
            r.last_modified = false;
            return r;
        }
    }
    if let Some(page) = path
        .strip_prefix("/list?page=")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|p| (1..=C_LIST_PAGES).contains(p))
    {
        let per = C_DOCS / C_LIST_PAGES;
        let mut rows = String::new();
        for id in (page - 1) * per + 1..=page * per {
            rows.push_str(&format!(
                "<li><a href=\"/doc/{id}.pdf\">{}2024年部门预算</a> 2025-02-{:02}</li>\n",
                OFFICES[id as usize % OFFICES.len()],
                id % 28 + 1
            ));
        }
        let faults: &[&str] = match page {
            1 => &["missing", "flaky", "busy", "3"],
            2 => &["slow", "redirect", "soft404"],
            3 => &["truncated", "truncated-once", "huge", "offsite"],
            4 => &["3"],
            _ => &[],
        };
        for f in faults {
            rows.push_str(&format!(
                "<li><a href=\"/doc/{f}.pdf\">区{f}局2024年部门预算</a></li>\n"
            ));
        }
        if page == 5 {
            rows.push_str("<li><a href=\"/loop/0?x.pdf\">循环2024年部门预算.pdf</a></li>\n");
        }
        rows.push_str("<li><a href=\"http://example.invalid/x.pdf\">外站2024年部门预算</a></li>");
        let next = if page < C_LIST_PAGES {
            format!(
                "<a class=\"next\" href=\"http://127.0.0.1:{port}/list?page={}\">下页</a>",
                page + 1
            )
        } else {
            String::new()
        };
        let mut r = Response::html(format!("<html><body><ul>{rows}</ul>{next}</body></html>"));
        r.last_modified = false;
        return r;
    }
    Response::not_found()
}

fn sha_hex(bytes: &[u8]) -> String {
    caizheng::read::sha256_hex(bytes)
}

/// Most requests seen by one port in any window of `window` (half-open).
pub fn max_requests_in_window(log: &[LogEntry], port: u16, window: Duration) -> usize {
    let mut times: Vec<Instant> = log
        .iter()
        .filter(|e| e.port == port)
        .map(|e| e.at)
        .collect();
    times.sort();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// A request as the [`MiniServer`] saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// What a [`MiniServer`] handler answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    /// Sleep this long before answering.
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.as_bytes().to_vec())],
            body: body.into(),
            delay: None,
        }
    }
    pub fn html(body: &str) -> Reply {
        Reply::new(200, "text/html; charset=utf-8", body.as_bytes().to_vec())
    }
    pub fn not_found() -> Reply {
        Reply::new(404, "text/html", b"not found".to_vec())
    }
    pub fn redirect(to: &str) -> Reply {
        Reply::new(302, "text/html", Vec::new()).header("Location", to.as_bytes())
    }
    pub fn header(mut self, name: &str, value: &[u8]) -> Reply {
        self.headers.push((name.into(), value.to_vec()));
        self
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A one-site server on 127.0.0.1 whose answers a test writes as a closure;
/// every request (method, headers, body) is logged.
pub struct MiniServer {
    pub port: u16,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl MiniServer {
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> MiniServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (handler, log) = (handler.clone(), log2.clone());
                std::thread::spawn(move || mini_serve(stream, &*handler, &log));
            }
        });
        MiniServer { port, log, stop }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.log().iter().filter(|s| s.path == path).count()
    }
}

impl Drop for MiniServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn mini_serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>) {
    use std::io::Read;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let at = Instant::now();
        let Some(headers) = read_headers(&mut reader) else {
            return;
        };
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let seen = Seen {
            at,
            method: parts.next().unwrap_or("").to_string(),
            path: parts.next().unwrap_or("/").to_string(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        log.lock().unwrap().push(seen.clone());
        let reply = handler(&seen);
        if let Some(d) = reply.delay {
            std::thread::sleep(d);
        }
        let mut out =
            format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status)).into_bytes();
        for (k, v) in &reply.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", reply.body.len()).as_bytes());
        out.extend_from_slice(&reply.body);
        if stream.write_all(&out).is_err() || stream.flush().is_err() {
            return;
        }
    }
}

/// A PDF-looking body that `caizheng` sniffs as PDF.
pub fn pdf_bytes(key: &str) -> Vec<u8> {
    generated("pdf", key, 1)
}

/// A request's header lines up to the blank line, names lower-cased; None
/// when the client closed the connection first.
fn read_headers(reader: &mut impl BufRead) -> Option<HashMap<String, String>> {
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some(headers);
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
}
