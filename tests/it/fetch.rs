//! The fetcher against the local fixture sites (127.0.0.1 only), run as the
//! real `caizheng crawl` binary so that a crawl can be killed mid-flight.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::{Fixture, MiniServer, Reply, SiteKind, CHANGING_PATH};
use caizheng::fetch::stored_documents;

const BIN: &str = env!("CARGO_BIN_EXE_caizheng");

fn write_sites(dir: &Path, fixture: &Fixture, rps: f64) -> PathBuf {
    let path = dir.join("sites.toml");
    std::fs::write(&path, fixture.sites_toml(rps)).unwrap();
    path
}

fn run_crawl(sites: &Path, store: &Path, extra: &[&str]) -> (serde_json::Value, Output) {
    let out = Command::new(BIN)
        .args(["crawl", "--json", "--quiet", "--sites"])
        .arg(sites)
        .arg("--store")
        .arg(store)
        .args(extra)
        .output()
        .expect("run caizheng crawl");
    // 1: some URLs failed (the faulty site always has some), the rest was crawled.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "crawl failed: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "summary is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (summary, out)
}

fn site<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["site"] == name)
        .unwrap()
}

fn total(summary: &serde_json::Value, key: &str) -> u64 {
    summary
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[key].as_u64().unwrap())
        .sum()
}

/// Every blob file is complete: its name is the sha256 of its bytes. Returns the names.
fn verified_blobs(store: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in walkdir::WalkDir::new(store.join("sha256"))
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file() {
            let name = entry.file_name().to_string_lossy().to_string();
            let bytes = std::fs::read(entry.path()).unwrap();
            assert_eq!(
                caizheng::read::sha256_hex(&bytes),
                name,
                "partial or corrupt blob {}",
                entry.path().display()
            );
            names.insert(name);
        }
    }
    names
}

/// The logical content of the state database: everything but timestamps and the fetch log.
fn state_dump(store: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let db = rusqlite::Connection::open(store.join("state.sqlite")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let queries = [
        ("urls", "SELECT url, site, kind, title, published, filename, etag, last_modified, final_url, status, failure FROM urls"),
        ("blobs", "SELECT sha256, size, format FROM blobs"),
        ("versions", "SELECT url, sha256, content_type, (SELECT COUNT(*) FROM versions w WHERE w.url = v.url AND w.id <= v.id) FROM versions v"),
        ("links", "SELECT from_url, to_url, text FROM links"),
    ];
    let mut out = BTreeMap::new();
    for (name, sql) in queries {
        let mut stmt = db.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).to_string()
                        }
                        other => format!("{other:?}"),
                    })
                    .collect();
                Ok(cells.join(" | "))
            })
            .unwrap();
        out.insert(name.to_string(), rows.map(|r| r.unwrap()).collect());
    }
    out
}

fn failure_of(store: &Path, url: &str) -> Option<String> {
    let db = rusqlite::Connection::open(store.join("state.sqlite")).unwrap();
    db.query_row("SELECT failure FROM urls WHERE url = ?1", [url], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn first_crawl_stores_every_document_once_politely_and_recrawl_downloads_only_the_change() {
    let fixture = Fixture::start();
    let dir = tempfile::tempdir().unwrap();
    let rps = 50.0;
    let sites = write_sites(dir.path(), &fixture, rps);
    let store = dir.path().join("store");

    let started = std::time::Instant::now();
    let (first, first_out) = run_crawl(&sites, &store, &[]);
    assert_eq!(first_out.status.code(), Some(1), "failed URLs exit 1");
    let first_took = started.elapsed();
    let log1 = fixture.log();
    let expected = fixture.expected_documents();
    assert!(
        expected.len() >= 200,
        "fixture has {} documents",
        expected.len()
    );

    // Every reachable allowed document stored exactly once, byte for byte.
    let docs = stored_documents(&store).unwrap();
    let mut by_url: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for d in &docs {
        by_url.entry(d.url.clone()).or_default().push(d.clone());
    }
    let stored: BTreeSet<&String> = by_url.keys().collect();
    let wanted: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(
        stored, wanted,
        "stored URLs differ from the reachable documents"
    );
    for (url, versions) in &by_url {
        assert_eq!(versions.len(), 1, "{url} stored {} times", versions.len());
        assert_eq!(
            &std::fs::read(&versions[0].path).unwrap(),
            &expected[url],
            "{url}"
        );
    }
    assert_eq!(total(&first, "new"), expected.len() as u64);
    let blobs = verified_blobs(&store);
    println!(
        "first crawl: {} documents stored once each, {} blobs (pages included), {} requests, {first_took:?}",
        docs.len(),
        blobs.len(),
        log1.len()
    );
    assert!(
        std::fs::read_dir(store.join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "temporary files left"
    );
    let doc_shas: BTreeSet<&String> = docs.iter().map(|d| &d.sha256).collect();
    assert!(doc_shas.iter().all(|s| blobs.contains(*s)));

    // Faults end as the right per-URL reasons.
    for (url, reason) in fixture.expected_failures() {
        assert_eq!(failure_of(&store, &url).as_deref(), Some(reason), "{url}");
    }
    let faulty = site(&first, "faulty");
    assert_eq!(
        faulty["failed"].as_u64().unwrap(),
        fixture.expected_failures().len() as u64,
        "{faulty}"
    );

    // Names from Content-Disposition (raw GBK, RFC 8187 UTF-8, percent-encoded GBK); types from bytes.
    let b = fixture.base(SiteKind::GbkDownloads);
    for id in 1..=support::B_ARTICLES {
        let d = &by_url[&format!("{b}/down.jsp?fileid={id}")][0];
        assert_eq!(
            d.filename.as_deref(),
            Some(support::b_filename(id).as_str())
        );
        let ext = d.filename.as_deref().unwrap().rsplit('.').next().unwrap();
        assert_eq!(d.format.as_deref(), Some(ext), "{}", d.url);
        assert!(
            d.title.as_deref().is_some_and(|t| t.contains("单位决算")),
            "GBK page title decoded: {:?}",
            d.title
        );
    }
    for id in 1..=support::B_ARTICLES {
        let page = &by_url[&format!("{b}/gk/content/{id}.htm")][0];
        assert_eq!(page.format.as_deref(), Some("html"));
        let (text, _) =
            caizheng::fetch::names::decode_html(&std::fs::read(&page.path).unwrap(), None);
        assert!(
            text.contains("单位决算"),
            "GBK article page kept as a document"
        );
    }
    let a = fixture.base(SiteKind::Utf8Articles);
    let shared = &by_url[&format!("{a}/xxgk/files/shared.pdf")][0];
    assert_eq!(
        shared.published.as_deref(),
        Some("2025-06-06"),
        "earliest of the two linking pages"
    );

    // Politeness, from the server's own log.
    let private: Vec<_> = log1
        .iter()
        .filter(|e| e.path.starts_with("/private/"))
        .collect();
    assert!(
        private.is_empty(),
        "robots-disallowed paths requested: {private:?}"
    );
    assert!(log1
        .iter()
        .all(|e| !e.path.starts_with("/xxgk/bmys/art/n") && !e.path.contains("meeting")));
    assert!(
        log1.iter().all(|e| e.host.starts_with("127.0.0.1:")),
        "a redirect off the site was followed"
    );
    let loop_hops = log1.iter().filter(|e| e.path.starts_with("/loop/")).count();
    assert_eq!(
        loop_hops, 6,
        "a redirect loop costs max_redirects + 1 requests"
    );
    for kind in [
        SiteKind::Utf8Articles,
        SiteKind::GbkDownloads,
        SiteKind::Faulty,
    ] {
        let port = fixture.port(kind);
        let peak = support::max_requests_in_window(&log1, port, Duration::from_secs(1));
        let count = log1.iter().filter(|e| e.port == port).count();
        println!("{kind:?}: {count} requests, at most {peak} in any 1 s window (limit {rps})");
        assert!(
            peak as f64 <= rps,
            "{kind:?}: {peak} requests in one second, limit {rps}"
        );
    }
    let busy = log1
        .iter()
        .position(|e| e.path == "/doc/busy.pdf" && e.status == 429)
        .expect("429 served");
    let after = log1[busy + 1..]
        .iter()
        .find(|e| e.port == log1[busy].port)
        .expect("crawl went on");
    assert!(
        after.at.duration_since(log1[busy].at) >= Duration::from_millis(950),
        "Retry-After ignored"
    );

    // Second crawl after one document changed: conditional requests only, one download.
    fixture.change_documents();
    let mark = fixture.log().len();
    let (second, _) = run_crawl(&sites, &store, &[]);
    let log2: Vec<_> = fixture.log().split_off(mark);
    let downloads: Vec<&str> = log2
        .iter()
        .filter(|e| {
            e.status == 200
                && expected.contains_key(&format!("http://127.0.0.1:{}{}", e.port, e.path))
        })
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(
        downloads,
        vec![CHANGING_PATH],
        "full downloads on the second crawl"
    );
    for kind in [
        SiteKind::Utf8Articles,
        SiteKind::GbkDownloads,
        SiteKind::Faulty,
    ] {
        let peak =
            support::max_requests_in_window(&log2, fixture.port(kind), Duration::from_secs(1));
        println!("second crawl, {kind:?}: at most {peak} requests in any 1 s window");
        assert!(
            peak as f64 <= rps,
            "{kind:?}: {peak} requests in one second on the second crawl"
        );
    }
    let not_modified = log2.iter().filter(|e| e.status == 304).count();
    println!(
        "second crawl: {} requests, {not_modified} answered 304, downloads {downloads:?}",
        log2.len()
    );
    assert_eq!((total(&second, "new"), total(&second, "changed")), (0, 1));
    assert_eq!(total(&second, "unchanged"), expected.len() as u64 - 1);
    let changed_url = format!("{a}{CHANGING_PATH}");
    let versions: Vec<_> = stored_documents(&store)
        .unwrap()
        .into_iter()
        .filter(|d| d.url == changed_url)
        .collect();
    assert_eq!(
        versions.len(),
        2,
        "the changed document keeps its old version"
    );
    assert_eq!(
        std::fs::read(&versions[0].path).unwrap(),
        expected[&changed_url]
    );
    assert_eq!(
        std::fs::read(&versions[1].path).unwrap(),
        fixture.expected_documents()[&changed_url]
    );
    assert!(versions[1].latest && !versions[0].latest);

    // Third crawl, nothing changed: sites A and B (the faulty site has faults
    // that fail every time) cost at most one request per list page and one
    // conditional request per document; article pages are read from the store.
    let mark = fixture.log().len();
    let (third, _) = run_crawl(&sites, &store, &[]);
    let log3: Vec<_> = fixture.log().split_off(mark);
    let documents = fixture.expected_documents();
    let mut per_path: BTreeMap<(u16, &str), Vec<u16>> = BTreeMap::new();
    for e in &log3 {
        per_path
            .entry((e.port, e.path.as_str()))
            .or_default()
            .push(e.status);
    }
    let is_list_page = |path: &str| {
        path == "/xxgk/bmys/index.html"
            || path.starts_with("/xxgk/bmys/list_")
            || path.starts_with("/gk/index")
    };
    let (mut list_requests, mut list_pages, mut doc_requests, mut docs_asked, mut other) =
        (0, 0, 0, 0, Vec::new());
    let mut doc_statuses = BTreeSet::new();
    for kind in [SiteKind::Utf8Articles, SiteKind::GbkDownloads] {
        let port = fixture.port(kind);
        for ((p, path), statuses) in per_path.range((port, "")..(port + 1, "")) {
            assert_eq!(*p, port);
            let url = format!("http://127.0.0.1:{port}{path}");
            if is_list_page(path) {
                assert_eq!(statuses.len(), 1, "list page {path} asked {statuses:?}");
                list_requests += 1;
                list_pages += 1;
            } else if documents.contains_key(&url) {
                assert_eq!(statuses.len(), 1, "document {path} asked {statuses:?}");
                doc_requests += statuses.len();
                docs_asked += 1;
                doc_statuses.extend(statuses.iter().copied());
            } else if *path != "/robots.txt" {
                other.push(format!("{path} {statuses:?}"));
            }
        }
    }
    let ab_documents = documents
        .keys()
        .filter(|u| {
            [SiteKind::Utf8Articles, SiteKind::GbkDownloads]
                .iter()
                .any(|k| u.starts_with(&format!("{}/", fixture.base(*k))))
        })
        .count();
    println!(
        "re-crawl of the unchanged sites A and B ({ab_documents} documents, {list_pages} list pages): \
         {list_requests} list-page requests, {doc_requests} document requests (statuses {doc_statuses:?}), \
         other requests {other:?}; {} requests in all for the three sites, {} article pages from the store",
        log3.len(),
        total(&third, "pages_from_store")
    );
    assert_eq!(docs_asked, ab_documents, "every document checked once");
    assert_eq!(
        doc_statuses,
        BTreeSet::from([304]),
        "only conditional requests"
    );
    assert!(other.is_empty(), "article pages asked again: {other:?}");
    assert_eq!(
        total(&third, "pages_from_store"),
        support::A_ARTICLES as u64
    );

    // Stored blobs go straight into `caizheng extract`.
    let out = Command::new(BIN)
        .arg("extract")
        .arg(&versions[1].path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["document"]["sha256"], versions[1].sha256.as_str());
}

#[test]
fn crawl_killed_at_random_moments_resumes_to_the_same_store() {
    let fixture = Fixture::start();
    let dir = tempfile::tempdir().unwrap();
    let sites = write_sites(dir.path(), &fixture, 50.0);
    let reference = dir.path().join("reference");
    run_crawl(&sites, &reference, &[]);
    let reference_requests = fixture.log().len();

    let store = dir.path().join("killed");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut finished_early = 0;
    for round in 0..10 {
        let delay = Duration::from_millis(rng.u64(100..1500));
        let mut child = Command::new(BIN)
            .args(["crawl", "--json", "--quiet", "--sites"])
            .arg(&sites)
            .arg("--store")
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();
        // Whatever moment the kill hit, no partial blob is visible and the database is sound.
        verified_blobs(&store);
        state_dump(&store);
        let stored = stored_documents(&store).map(|d| d.len()).unwrap_or(0);
        println!("round {round}: killed after {delay:?}, {stored} documents stored so far");
    }
    println!("seed {seed}; {finished_early} of 10 runs had finished before the kill");
    let (last, _) = run_crawl(&sites, &store, &[]);
    let killed_requests = fixture.log().len() - reference_requests;
    println!(
        "uninterrupted crawl: {reference_requests} requests; 10 killed runs + resume: {killed_requests}; \
         last run resumed {} URLs without a request",
        total(&last, "resumed")
    );

    assert_eq!(
        verified_blobs(&store),
        verified_blobs(&reference),
        "blob sets differ (seed {seed})"
    );
    let (killed, uninterrupted) = (state_dump(&store), state_dump(&reference));
    for table in uninterrupted.keys() {
        let only_killed: Vec<_> = killed[table].difference(&uninterrupted[table]).collect();
        let only_reference: Vec<_> = uninterrupted[table].difference(&killed[table]).collect();
        assert!(
            only_killed.is_empty() && only_reference.is_empty(),
            "table {table} differs (seed {seed}):\n killed only: {only_killed:#?}\n reference only: {only_reference:#?}"
        );
    }
    let docs = stored_documents(&store).unwrap();
    let urls: BTreeSet<_> = docs.iter().map(|d| d.url.clone()).collect();
    assert_eq!(urls.len(), docs.len(), "a document stored twice");
    assert_eq!(urls.len(), fixture.expected_documents().len());
    assert!(std::fs::read_dir(store.join("tmp"))
        .unwrap()
        .next()
        .is_none());
}

#[test]
fn single_page_max_docs_since_and_bad_site_files() {
    let fixture = Fixture::start();
    let dir = tempfile::tempdir().unwrap();

    // --url: one article page, its two attachments.
    let a = fixture.base(SiteKind::Utf8Articles);
    let store = dir.path().join("one");
    let out = Command::new(BIN)
        .args([
            "crawl",
            "--json",
            "--quiet",
            "--url",
            &format!("{a}/xxgk/bmys/art/7.html"),
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = stored_documents(&store).unwrap();
    let urls: BTreeSet<_> = docs.iter().map(|d| d.url.clone()).collect();
    let wanted: BTreeSet<_> = [1, 2]
        .iter()
        .map(|n| format!("{a}{}", attachment_path(7, *n)))
        .collect();
    assert_eq!(urls, wanted);
    // --url given a document stores that document.
    let out = Command::new(BIN)
        .args([
            "crawl",
            "--json",
            "--quiet",
            "--url",
            &format!("{a}{}", attachment_path(9, 2)),
            "--store",
        ])
        .arg(dir.path().join("doc"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs = stored_documents(&dir.path().join("doc")).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].url, format!("{a}{}", attachment_path(9, 2)));

    // `--list` hands the stored blobs to `extract` / `run`.
    let out = Command::new(BIN)
        .args(["crawl", "--list", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let listed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|d| Path::new(d["path"].as_str().unwrap()).is_file()));

    // One writer per store: a second crawl is refused while the first holds it.
    let held = caizheng::fetch::Store::open(&store).unwrap();
    let out = Command::new(BIN)
        .args([
            "crawl",
            "--quiet",
            "--url",
            &format!("{a}/xxgk/bmys/art/8.html"),
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "a store held by another crawl: unable to work"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("another crawl"));
    drop(held);

    // --max-docs caps the documents considered; --since skips older listings.
    let sites = write_sites(dir.path(), &fixture, 200.0);
    let (capped, _) = run_crawl(
        &sites,
        &dir.path().join("capped"),
        &["--site", "faulty", "--max-docs", "5"],
    );
    assert_eq!(total(&capped, "new"), 5);
    let (recent, _) = run_crawl(
        &sites,
        &dir.path().join("recent"),
        &["--site", "gbk-downloads", "--since", "2025-07-20"],
    );
    // Site B lists document `id` as published 2025-07-(id % 28 + 1).
    let recent_ids = (1..=support::B_ARTICLES)
        .filter(|id| id % 28 + 1 >= 20)
        .count() as u64;
    // Both the article pages (kept as documents on this site) and their attachments.
    assert_eq!(total(&recent, "new"), 2 * recent_ids, "{recent}");

    // Inside the freshness window a stored document costs no request at all.
    let fresh_sites = dir.path().join("fresh.toml");
    let text = fixture.sites_toml(200.0).replace(
        "max_body_mb = 1",
        "max_body_mb = 1\nrecheck_after_hours = 1",
    );
    std::fs::write(&fresh_sites, text).unwrap();
    let fresh_store = dir.path().join("fresh");
    let (first, _) = run_crawl(&fresh_sites, &fresh_store, &["--site", "faulty"]);
    let mark = fixture.log().len();
    let (again, _) = run_crawl(&fresh_sites, &fresh_store, &["--site", "faulty"]);
    let stored_paths: BTreeSet<String> = stored_documents(&fresh_store)
        .unwrap()
        .iter()
        .map(|d| url::Url::parse(&d.url).unwrap().path().to_string())
        .collect();
    let rerequested: Vec<_> = fixture.log()[mark..]
        .iter()
        .filter(|e| stored_paths.contains(&e.path))
        .map(|e| e.path.clone())
        .collect();
    assert!(
        rerequested.is_empty(),
        "fresh documents requested again: {rerequested:?}"
    );
    assert_eq!(total(&again, "skipped"), total(&first, "new"));

    // A broken site file is rejected with its line; nothing is crawled.
    let bad = dir.path().join("bad.toml");
    let text = fixture
        .sites_toml(5.0)
        .replacen("concurrency = 3", "concurrency = 0", 1);
    let line = text.lines().position(|l| l == "concurrency = 0").unwrap() + 1;
    std::fs::write(&bad, text).unwrap();
    let out = Command::new(BIN)
        .args(["crawl", "--sites"])
        .arg(&bad)
        .arg("--store")
        .arg(dir.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "a site file that does not load");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("bad.toml:{line}:")) && stderr.contains("concurrency"),
        "{stderr}"
    );
}

fn attachment_path(id: u32, n: u32) -> String {
    let formats = ["pdf", "doc", "docx", "xls", "xlsx"];
    let ext = if n == 1 {
        "pdf"
    } else {
        formats[id as usize % 5]
    };
    format!("/xxgk/files/{id}_{n}.{ext}")
}

#[test]
fn shipped_site_files_parse() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sites"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "toml") {
            let sites =
                caizheng::fetch::load_sites(&entry.path()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!sites.is_empty());
            n += 1;
        }
    }
    assert!(n > 0, "no site files in sites/");
}

/// Crawl with the sites file `toml`; the exit code is the caller's to check.
fn crawl_sites(dir: &Path, toml: &str, store: &Path) -> (serde_json::Value, Output) {
    let sites = dir.join(format!("sites-{}.toml", fastrand::u32(..)));
    std::fs::write(&sites, toml).unwrap();
    let out = Command::new(BIN)
        .args(["crawl", "--json", "--quiet", "--sites"])
        .arg(&sites)
        .arg("--store")
        .arg(store)
        .output()
        .expect("run caizheng crawl");
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "summary is not JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (summary, out)
}

/// A site block for a [`MiniServer`]: fast, few retries.
fn mini_site(name: &str, start_urls: &[String], extra: &str) -> String {
    let urls: Vec<String> = start_urls.iter().map(|u| format!("{u:?}")).collect();
    let defaults: String = [
        "requests_per_second = 200",
        "concurrency = 1",
        "retry_base_ms = 10",
        "max_retries = 1",
        "read_timeout_secs = 2",
    ]
    .iter()
    .filter(|line| !extra.contains(line.split(' ').next().unwrap()))
    .map(|line| format!("{line}\n"))
    .collect();
    format!(
        "[[site]]\nname = \"{name}\"\nstart_urls = [{}]\n{defaults}{extra}\n",
        urls.join(", ")
    )
}

fn stored_urls(store: &Path) -> BTreeSet<String> {
    stored_documents(store)
        .unwrap()
        .into_iter()
        .map(|d| d.url)
        .collect()
}

/// A 200 with an ETag, and a 304 when the client already has it.
fn with_etag(req: &support::Seen, reply: Reply) -> Reply {
    let tag = format!("\"{}\"", &caizheng::read::sha256_hex(&reply.body)[..12]);
    if req.headers.get("if-none-match") == Some(&tag) {
        return Reply::new(304, "text/plain", Vec::new());
    }
    reply.header("ETag", tag.as_bytes())
}

#[test]
fn template_pagination_follows_every_start_url() {
    // Two list sections, each paged as index.htm, index_1.htm, index_2.htm.
    let server = MiniServer::start(|req| {
        let path = req.path.as_str();
        for section in ["a", "b"] {
            let page = match path.strip_prefix(&format!("/{section}/")) {
                Some("index.htm") => 0,
                Some(rest) => match rest
                    .strip_prefix("index_")
                    .and_then(|r| r.strip_suffix(".htm"))
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    Some(n) if n <= 2 => n,
                    _ => return Reply::not_found(),
                },
                None => continue,
            };
            return Reply::html(&format!(
                "<ul><li><a href=\"/files/{section}{page}.pdf\">区财政局2024年部门决算{section}{page}</a></li></ul>"
            ));
        }
        match path.strip_prefix("/files/") {
            Some(name) => Reply::new(200, "application/pdf", support::pdf_bytes(name)),
            None => Reply::not_found(),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let b = server.base();
    let toml = mini_site(
        "sections",
        &[format!("{b}/a/index.htm"), format!("{b}/b/index.htm")],
        "article_url_regex = \"/art/\"\npage_url_template = \"index_{n}.htm\"\npage_template_first = 1",
    );
    let store = dir.path().join("store");
    let (_, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wanted: BTreeSet<String> = ["a", "b"]
        .iter()
        .flat_map(|s| {
            (0..=2)
                .map(|n| format!("{b}/files/{s}{n}.pdf"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        stored_urls(&store),
        wanted,
        "pages of the second start URL missed"
    );
    assert_eq!(server.hits("/b/index_2.htm"), 1);
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_site_is_reported_as_such_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let down = format!("http://127.0.0.1:{}/list.htm", closed_port());
    let toml = mini_site(
        "down",
        std::slice::from_ref(&down),
        "article_title_regex = \"决算\"",
    );
    let (summary, out) = crawl_sites(dir.path(), &toml, &dir.path().join("s1"));
    assert_eq!(
        out.status.code(),
        Some(4),
        "every site unreachable: {summary}"
    );
    let down_site = site(&summary, "down");
    assert_eq!(down_site["unreachable"], true, "{down_site}");
    let reasons: Vec<&String> = down_site["failures"].as_object().unwrap().keys().collect();
    assert_eq!(reasons, ["unreachable"], "{down_site}");
    assert_eq!(
        failure_of(&dir.path().join("s1"), &down).as_deref(),
        Some("unreachable")
    );

    // One site down, one up: partly done.
    let server = MiniServer::start(|req| match req.path.as_str() {
        "/list.htm" => Reply::html("<a href=\"/1.pdf\">2024年部门决算</a>"),
        "/1.pdf" => Reply::new(200, "application/pdf", support::pdf_bytes("up1")),
        _ => Reply::not_found(),
    });
    let up = mini_site(
        "up",
        &[format!("{}/list.htm", server.base())],
        "article_title_regex = \"决算\"",
    );
    let (summary, out) = crawl_sites(dir.path(), &format!("{toml}\n{up}"), &dir.path().join("s2"));
    assert_eq!(out.status.code(), Some(1), "{summary}");
    assert_eq!(site(&summary, "up")["new"], 1);
    let (_, out) = crawl_sites(dir.path(), &up, &dir.path().join("s3"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_document_linked_directly_and_through_a_redirect_is_downloaded_once() {
    // Document 3 is linked directly only from the second crawl on.
    let second_round = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let later = second_round.clone();
    let server = MiniServer::start(move |req| match req.path.as_str() {
        // Document 1: the redirecting link comes first; document 2: the direct one.
        "/list.htm" => Reply::html(&format!(
            "<ul><li><a href=\"/go?id=1\">区财政局2024年部门决算</a></li>\
             <li><a href=\"/files/1.pdf\">区财政局2024年部门决算.pdf</a></li>\
             <li><a href=\"/files/2.pdf\">区民政局2024年部门决算.pdf</a></li>\
             <li><a href=\"/go?id=2\">区民政局2024年部门决算</a></li>\
             <li><a href=\"/go?id=3\">区教育局2024年部门决算</a></li>{}</ul>",
            if later.load(std::sync::atomic::Ordering::SeqCst) {
                "<li><a href=\"/files/3.pdf\">区教育局2024年部门决算.pdf</a></li>"
            } else {
                ""
            }
        )),
        "/go?id=1" => Reply::redirect("/files/1.pdf"),
        "/go?id=2" => Reply::redirect("/files/2.pdf"),
        "/go?id=3" => Reply::redirect("/files/3.pdf"),
        "/files/1.pdf" | "/files/2.pdf" | "/files/3.pdf" => with_etag(
            req,
            Reply::new(200, "application/pdf", support::pdf_bytes(&req.path)),
        ),
        _ => Reply::not_found(),
    });
    let dir = tempfile::tempdir().unwrap();
    let b = server.base();
    let toml = mini_site(
        "redirects",
        &[format!("{b}/list.htm")],
        "article_url_regex = \"/art/\"\nattachment_title_regex = \"决算\"",
    );
    let store = dir.path().join("store");
    for round in 0..2 {
        second_round.store(round == 1, std::sync::atomic::Ordering::SeqCst);
        let (summary, out) = crawl_sites(dir.path(), &toml, &store);
        assert_eq!(out.status.code(), Some(0), "{summary}");
        let full: Vec<_> = server
            .log()
            .iter()
            .filter(|s| s.path.starts_with("/files/") && !s.headers.contains_key("if-none-match"))
            .map(|s| s.path.clone())
            .collect();
        let mut full_sorted = full.clone();
        full_sorted.sort();
        assert_eq!(
            full_sorted,
            ["/files/1.pdf", "/files/2.pdf", "/files/3.pdf"],
            "round {round}: each document downloaded once"
        );
        let docs = stored_documents(&store).unwrap();
        assert_eq!(docs.len(), 3, "round {round}: {docs:#?}");
        let shas: BTreeSet<_> = docs.iter().map(|d| d.sha256.clone()).collect();
        assert_eq!(shas.len(), 3);
    }
    // A direct link queued in the same crawl wins; one found later joins the stored copy.
    assert_eq!(
        stored_urls(&store),
        BTreeSet::from([
            format!("{b}/files/1.pdf"),
            format!("{b}/files/2.pdf"),
            format!("{b}/go?id=3")
        ]),
    );

    // `crawl --list` into a pipe nobody reads: no panic, exit 0.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(BIN)
        .args(["crawl", "--list", "--store"])
        .arg(&store)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_hanging_document_costs_one_retry_then_is_left_alone() {
    let server = MiniServer::start(|req| {
        match req.path.as_str() {
        "/list.htm" => Reply::html(
            "<a href=\"/slow.pdf\">区财政局2024年部门决算</a><a href=\"/ok.pdf\">区民政局2024年部门决算</a>",
        ),
        "/slow.pdf" => {
            let mut r = Reply::new(200, "application/pdf", support::pdf_bytes("slow"));
            r.delay = Some(Duration::from_millis(1500));
            r
        }
        "/ok.pdf" => Reply::new(200, "application/pdf", support::pdf_bytes("ok")),
        _ => Reply::not_found(),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let toml = mini_site(
        "hang",
        &[format!("{}/list.htm", server.base())],
        "article_title_regex = \"决算\"\nread_timeout_secs = 0.3\nmax_retries = 4",
    );
    let store = dir.path().join("store");
    let started = std::time::Instant::now();
    let (first, out) = crawl_sites(dir.path(), &toml, &store);
    let first_took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{first}");
    assert_eq!(
        server.hits("/slow.pdf"),
        2,
        "a timeout is retried once, not max_retries times"
    );
    let started = std::time::Instant::now();
    let (second, out) = crawl_sites(dir.path(), &toml, &store);
    let second_took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "still not done: {second}");
    assert_eq!(
        server.hits("/slow.pdf"),
        2,
        "asked again within its backoff"
    );
    assert!(
        site(&second, "hang")["failures"]["timeout_backoff"].is_array(),
        "{second}"
    );
    assert_eq!(
        failure_of(&store, &format!("{}/slow.pdf", server.base())).as_deref(),
        Some("timeout")
    );
    println!("hanging document: first crawl {first_took:?}, second {second_took:?}");
}

#[test]
fn run_on_a_store_takes_title_and_date_from_the_catalogue() {
    let server = MiniServer::start(|req| {
        match req.path.as_str() {
        "/list.htm" => Reply::html(
            "<ul><li><a href=\"/files/1.txt\">区财政局2024年部门决算</a><span>2025-06-30</span></li></ul>",
        ),
        // The document says neither its year nor when it was published.
        "/files/1.txt" => Reply::new(
            200,
            "text/plain; charset=utf-8",
            "一、收入支出决算总体情况说明\n本年收入合计100万元，本年支出合计90万元。\n",
        ),
        _ => Reply::not_found(),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let toml = mini_site(
        "catalogue",
        &[format!("{}/list.htm", server.base())],
        "article_url_regex = \"/art/\"",
    );
    let store = dir.path().join("store");
    let (summary, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert_eq!(stored_documents(&store).unwrap().len(), 1);
    let out_dir = dir.path().join("out");
    let out = Command::new(BIN)
        .args(["run", "--quiet", "--out"])
        .arg(&out_dir)
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c != 4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let documents = caizheng::export::parts::table_csv(&out_dir, "documents").unwrap();
    let mut rows = csv::Reader::from_reader(&documents[..]);
    let header = rows.headers().unwrap().clone();
    let row = rows.records().next().unwrap().unwrap();
    let cell = |name: &str| {
        row.get(header.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_string()
    };
    assert_eq!(cell("published_on"), "2025-06-30");
    assert_eq!(cell("fiscal_year"), "2024");
    assert_eq!(cell("kind"), "final");
}

#[test]
fn site_user_agent_headers_cookies_and_encoding_are_used() {
    // A firewall like many government portals: a browser-like agent and a
    // session cookie on every request, a Referer on downloads.
    let server = MiniServer::start(|req| {
        let ua_ok = req
            .headers
            .get("user-agent")
            .is_some_and(|u| u == "Mozilla/5.0 (caizheng test)");
        let cookie_ok = req
            .headers
            .get("cookie")
            .is_some_and(|c| c.contains("JSESSIONID=abc"));
        if !ua_ok || !cookie_ok {
            return Reply::new(403, "text/html", "forbidden");
        }
        match req.path.as_str() {
            "/robots.txt" => Reply::not_found(),
            // GBK bytes, but the header says UTF-8.
            "/list.htm" => Reply::new(
                200,
                "text/html; charset=utf-8",
                encoding_rs::GB18030
                    .encode("<a href=\"/download.jsp?id=1\">区财政局2024年部门决算</a>")
                    .0
                    .into_owned(),
            ),
            "/download.jsp?id=1"
                if req
                    .headers
                    .get("referer")
                    .is_some_and(|r| r.ends_with("/list.htm")) =>
            {
                Reply::new(200, "application/pdf", support::pdf_bytes("fw"))
            }
            _ => Reply::new(403, "text/html", "no referer"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let b = server.base();
    let toml = mini_site(
        "firewall",
        &[format!("{b}/list.htm")],
        &format!(
            "article_url_regex = \"/art/\"\nattachment_title_regex = \"决算\"\n\
             user_agent = \"Mozilla/5.0 (caizheng test)\"\nencoding = \"gbk\"\n\
             headers = {{ Referer = \"{b}/list.htm\" }}\ncookies = {{ JSESSIONID = \"abc\" }}"
        ),
    );
    let store = dir.path().join("store");
    let (summary, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let docs = stored_documents(&store).unwrap();
    assert_eq!(docs.len(), 1, "{summary}");
    assert_eq!(
        docs[0].title.as_deref(),
        Some("区财政局2024年部门决算"),
        "decoded as GBK"
    );
    assert!(server
        .log()
        .iter()
        .all(|s| s.headers["user-agent"] == "Mozilla/5.0 (caizheng test)"));
}

#[test]
fn a_json_list_served_to_post_requests_crawls() {
    // A TRS-like search interface: POST pageNo=N, JSON answers; entries are
    // article pages (with attachments) or documents.
    let server = MiniServer::start(|req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/api/search") => {
            let page: u32 = req
                .body
                .split('&')
                .find_map(|kv| kv.strip_prefix("pageNo="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let items: Vec<serde_json::Value> = if (1..=3).contains(&page) {
                (1..=2)
                    .map(|i| {
                        let id = page * 10 + i;
                        let url = if i == 1 { format!("/art/{id}.html") } else { format!("/files/{id}.pdf") };
                        serde_json::json!({"docTitle": format!("区{id}局2024年部门决算"), "docUrl": url, "pubDate": format!("2025-06-{id:02} 09:00")})
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Reply::new(
                200,
                "application/json;charset=UTF-8",
                serde_json::json!({"code": 0, "data": {"total": 6, "list": items}}).to_string(),
            )
        }
        ("GET", p) if p.starts_with("/art/") => {
            let id = p.trim_start_matches("/art/").trim_end_matches(".html");
            Reply::html(&format!(
                "<h1>决算</h1><a href=\"/files/{id}.pdf\">附件</a>"
            ))
        }
        ("GET", p) if p.starts_with("/files/") => {
            Reply::new(200, "application/pdf", support::pdf_bytes(p))
        }
        _ => Reply::not_found(),
    });
    let dir = tempfile::tempdir().unwrap();
    let b = server.base();
    let toml = mini_site(
        "json",
        &[format!("{b}/api/search")],
        "article_url_regex = \"/art/\\\\d+\\\\.html$\"\nlist_format = \"json\"\nlist_items = \"data.list\"\n\
         item_url = \"docUrl\"\nitem_title = \"docTitle\"\nitem_date = \"pubDate\"\n\
         list_method = \"POST\"\nlist_form = \"channelId=42&pageNo={n}&pageSize=2\"",
    );
    let store = dir.path().join("store");
    let (summary, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let wanted: BTreeSet<String> = (1..=3)
        .flat_map(|p| [p * 10 + 1, p * 10 + 2])
        .map(|id| format!("{b}/files/{id}.pdf"))
        .collect();
    assert_eq!(stored_urls(&store), wanted);
    let posts: Vec<String> = server
        .log()
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| s.body.clone())
        .collect();
    assert_eq!(
        posts,
        (1..=4)
            .map(|n| format!("channelId=42&pageNo={n}&pageSize=2"))
            .collect::<Vec<_>>(),
        "pages 1-3, then the empty page 4 ends the list"
    );
    let dated = stored_documents(&store)
        .unwrap()
        .into_iter()
        .find(|d| d.url.ends_with("/files/12.pdf"))
        .unwrap();
    assert_eq!(dated.published.as_deref(), Some("2025-06-12"));
    assert_eq!(dated.title.as_deref(), Some("区12局2024年部门决算"));
}

#[test]
fn a_hanweb_xml_list_crawls() {
    // dataproxy.jsp: POSTed column parameters, GBK XML whose records are HTML fragments.
    let server = MiniServer::start(|req| match (req.method.as_str(), req.path.as_str()) {
        ("POST", p) if p.starts_with("/module/web/jpage/dataproxy.jsp") => {
            if !req.body.contains("columnid=4242") {
                return Reply::new(
                    200,
                    "text/xml",
                    "<datastore><recordset></recordset></datastore>",
                );
            }
            let records: String = (1..=3)
                .map(|id| {
                    format!(
                        "<record><![CDATA[<li><a href=\"/art/2025/6/{id}/art_4242_{id}.html\" title=\"区{id}局2024年部门决算\">区{id}局...</a><span>2025-06-{id:02}</span></li>]]></record>"
                    )
                })
                .collect();
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"gbk\"?><datastore><totalrecord>3</totalrecord><recordset>{records}\
                 <record><![CDATA[<li><a href=\"/art/2025/1/1/art_4242_9.html\">通知</a></li>]]></record></recordset></datastore>"
            );
            Reply::new(
                200,
                "text/xml",
                encoding_rs::GB18030.encode(&xml).0.into_owned(),
            )
        }
        ("GET", p) if p.starts_with("/art/") => {
            let id = p
                .rsplit('_')
                .next()
                .unwrap()
                .trim_end_matches(".html")
                .to_string();
            Reply::html(&format!(
                "<h1>决算</h1><a href=\"/files/{id}.pdf\">附件</a>"
            ))
        }
        ("GET", p) if p.starts_with("/files/") => {
            Reply::new(200, "application/pdf", support::pdf_bytes(p))
        }
        _ => Reply::not_found(),
    });
    let dir = tempfile::tempdir().unwrap();
    let b = server.base();
    let toml = mini_site(
        "hanweb",
        &[format!(
            "{b}/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=300&perpage=100"
        )],
        "article_title_regex = \"(部门|单位)(预算|决算)\"\nlist_format = \"xml\"\nlist_items = \"record\"\n\
         list_method = \"POST\"\nlist_form = \"col=1&webid=1&columnid=4242&unitid=5555\"",
    );
    let store = dir.path().join("store");
    let (summary, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(0), "{summary}");
    let wanted: BTreeSet<String> = (1..=3).map(|id| format!("{b}/files/{id}.pdf")).collect();
    assert_eq!(stored_urls(&store), wanted);
    let doc = stored_documents(&store)
        .unwrap()
        .into_iter()
        .find(|d| d.url.ends_with("/files/2.pdf"))
        .unwrap();
    assert_eq!(doc.published.as_deref(), Some("2025-06-02"));
    assert!(
        server.hits("/art/2025/1/1/art_4242_9.html") == 0,
        "a notice is not an article"
    );
}

#[test]
fn a_list_page_that_starts_hanging_is_read_from_its_stored_copy() {
    let hang = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hanging = hang.clone();
    let server = MiniServer::start(move |req| match req.path.as_str() {
        "/list.htm" => {
            let mut r = Reply::html("<a href=\"/ok.pdf\">区民政局2024年部门决算</a>");
            if hanging.load(std::sync::atomic::Ordering::SeqCst) {
                r.delay = Some(Duration::from_millis(1500));
            }
            r
        }
        "/ok.pdf" => with_etag(
            req,
            Reply::new(200, "application/pdf", support::pdf_bytes("ok")),
        ),
        _ => Reply::not_found(),
    });
    let dir = tempfile::tempdir().unwrap();
    let toml = mini_site(
        "hang-list",
        &[format!("{}/list.htm", server.base())],
        "article_title_regex = \"决算\"\nread_timeout_secs = 0.3",
    );
    let store = dir.path().join("store");
    let (_, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(0));
    hang.store(true, std::sync::atomic::Ordering::SeqCst);
    let (second, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(out.status.code(), Some(1), "{second}");
    assert_eq!(server.hits("/list.htm"), 3, "one request, one retry");
    let checks = server.hits("/ok.pdf");
    let (third, out) = crawl_sites(dir.path(), &toml, &store);
    assert_eq!(server.hits("/list.htm"), 3, "left alone: {third}");
    assert_eq!(
        server.hits("/ok.pdf"),
        checks + 1,
        "its documents still checked"
    );
    assert_eq!(out.status.code(), Some(0), "{third}");
    assert_eq!(site(&third, "hang-list")["pages_from_store"], 1);
}
