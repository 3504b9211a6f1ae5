//! The fetcher against the local fixture sites (127.0.0.1 only), run as the
//! real `caizheng crawl` binary so that a crawl can be killed mid-flight.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use caizheng::fetch::stored_documents;
use support::{Fixture, SiteKind, CHANGING_PATH};

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
    assert!(
        out.status.success(),
        "crawl failed: {}",
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
    let (first, _) = run_crawl(&sites, &store, &[]);
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
    assert_eq!(out.status.code(), Some(2));
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
