//! The HTML site `caizheng run` writes, opened in a real browser (headless
//! Chromium): no console message on any page, every stylesheet loaded,
//! every in-page link leads somewhere, and a document page has its
//! findings, key-figure tables and charts drawn with a size.
//!
//! Without Chromium the test says SKIPPED, unless `CAIZHENG_REQUIRE_BROWSER`
//! is set (`.ci/run` installs Chromium and sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn browser() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(found.stdout).ok()?;
            let path = path.trim();
            (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// The page's DOM after load, and what the browser logged.
fn load(browser: &Path, url: &str, extra: &[&str]) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
        ])
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// A page that loads each of `pages` in a frame and, once all are loaded,
/// writes what it measured in them as JSON into `<pre id="result">`.
const HARNESS: &str = r##"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="result">pending</pre>
<div id="frames"></div>
<script>
var pages = PAGES;
var box = document.getElementById('frames');
pages.forEach(function (p) {
  var f = document.createElement('iframe');
  f.src = p; f.style.width = '1280px'; f.style.height = '900px';
  box.appendChild(f);
});
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('iframe').forEach(function (f, n) {
    var d = f.contentDocument, r = {page: n};
    if (!d) { r.access = false; out.push(r); return; }
    r.title = d.title.length;
    var links = d.querySelectorAll('link[rel=stylesheet]');
    r.stylesheets = links.length;
    r.stylesheets_loaded = 0;
    links.forEach(function (l) { try { if (l.sheet && l.sheet.cssRules.length > 0) r.stylesheets_loaded++; } catch (e) {} });
    r.charts = [];
    d.querySelectorAll('svg.chart').forEach(function (s) {
      var b = s.getBoundingClientRect();
      r.charts.push([Math.round(b.width), Math.round(b.height), s.querySelectorAll('rect').length]);
    });
    r.findings = d.querySelectorAll('#findings .finding').length;
    r.quotes = d.querySelectorAll('#findings .quotes blockquote').length;
    r.figure_tables = d.querySelectorAll('#figures table.figures').length;
    r.facts = d.querySelectorAll('#facts tr[id^="fact-"]').length;
    r.document_rows = d.querySelectorAll('table.documents tr').length - 1;
    r.broken_anchors = 0;
    d.querySelectorAll('a[href^="#"]').forEach(function (a) {
      if (!d.getElementById(a.getAttribute('href').slice(1))) r.broken_anchors++;
    });
    r.width = d.documentElement.scrollWidth;
    r.height = d.documentElement.scrollHeight;
    out.push(r);
  });
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>
"##;

fn measure(browser: &Path, dir: &Path, pages: &[String]) -> (Vec<serde_json::Value>, String) {
    let harness = dir.join("harness.html");
    let list = serde_json::to_string(pages).expect("json");
    std::fs::write(&harness, HARNESS.replace("PAGES", &list)).expect("write harness");
    let url = url::Url::from_file_path(&harness).expect("url");
    let (dom, stderr) = load(browser, url.as_str(), &["--dump-dom"]);
    let start = dom.find("<pre id=\"result\">").expect("result element") + 17;
    let end = start + dom[start..].find("</pre>").expect("end of result");
    let json = dom[start..end].replace("&amp;", "&");
    let results: Vec<serde_json::Value> =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    (results, stderr)
}

#[test]
fn the_site_opens_in_a_browser_without_errors() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var_os("CAIZHENG_REQUIRE_BROWSER").is_none(),
            "CAIZHENG_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); the site was not opened in a browser");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    // The README's first command: `caizheng run` on the bundled corpus.
    let run = Command::new(env!("CARGO_BIN_EXE_caizheng"))
        .args(["run", "--out"])
        .arg(&out)
        .current_dir(tmp.path())
        .output()
        .expect("run");
    assert!(
        run.status.code() == Some(0) || run.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let site = out.join("site");
    let mut pages: Vec<String> = vec!["index.html".into()];
    for dir in ["doc", "entity"] {
        let mut names: Vec<String> = std::fs::read_dir(site.join(dir))
            .expect("site folder")
            .map(|e| format!("{dir}/{}", e.expect("entry").file_name().to_string_lossy()))
            .collect();
        names.sort();
        pages.extend(names);
    }
    let documents = std::fs::read_dir(out.join("documents"))
        .expect("documents")
        .count();
    assert_eq!(
        pages.iter().filter(|p| p.starts_with("doc/")).count(),
        documents,
        "one page per document"
    );

    // Controls: the checks below must be able to fail.
    std::fs::write(
        site.join("control-missing-css.html"),
        "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"missing.css\"></head><body></body></html>",
    )
    .expect("write");
    std::fs::write(
        site.join("control-script-error.html"),
        "<!DOCTYPE html><html><body><script>undefinedFunction()</script></body></html>",
    )
    .expect("write");
    let mut urls: Vec<String> = pages.clone();
    urls.push("control-missing-css.html".into());
    urls.push("control-script-error.html".into());
    let (results, stderr) = measure(&browser, &site, &urls);
    assert_eq!(results.len(), urls.len());
    let console = console_lines(&stderr);
    assert!(
        console.iter().any(|l| l.contains("undefinedFunction")),
        "the control page's script error is seen: {stderr}"
    );
    let control_css = &results[urls.len() - 2];
    assert_eq!(control_css["stylesheets_loaded"], 0, "{control_css}");
    let real_console: Vec<&&str> = console
        .iter()
        .filter(|l| !l.contains("control-script-error.html"))
        .collect();
    assert!(
        real_console.is_empty(),
        "console messages: {real_console:#?}"
    );

    for (page, r) in pages.iter().zip(&results) {
        assert_ne!(r["access"], false, "{page}");
        assert_eq!(r["stylesheets"], 1, "{page}: {r}");
        assert_eq!(r["stylesheets_loaded"], 1, "{page}: {r}");
        assert_eq!(r["broken_anchors"], 0, "{page}: {r}");
        for chart in r["charts"].as_array().expect("charts") {
            assert!(
                chart[0].as_f64() > Some(100.0) && chart[1].as_f64() > Some(20.0),
                "{page}: a chart drawn with no size: {r}"
            );
            assert!(
                chart[2].as_u64() > Some(0),
                "{page}: a chart without bars: {r}"
            );
        }
    }
    assert_eq!(results[0]["document_rows"].as_u64(), Some(documents as u64));

    // The county education final account: a warning, 三公 with its parts,
    // income and expenditure tables.
    let report: serde_json::Value = {
        let json = Command::new(env!("CARGO_BIN_EXE_caizheng"))
            .args(["extract"])
            .arg(format!(
                "{}/corpus/synthetic-county-education-2019-final.txt",
                env!("CARGO_MANIFEST_DIR")
            ))
            .output()
            .expect("extract");
        serde_json::from_slice(&json.stdout).expect("report")
    };
    let id = report["document"]["sha256"].as_str().expect("id");
    let page = format!("doc/{id}.html");
    let n = pages.iter().position(|p| *p == page).expect("its page");
    let r = &results[n];
    eprintln!("{page} as measured in the browser: {r}");
    let findings = report["findings"].as_array().expect("findings").len();
    assert_eq!(r["findings"].as_u64(), Some(findings as u64), "{r}");
    assert!(r["quotes"].as_u64() >= Some(findings as u64), "{r}");
    assert_eq!(
        r["figure_tables"], 4,
        "totals, 三公, vehicles, projects: {r}"
    );
    assert_eq!(
        r["facts"].as_u64(),
        Some(report["facts"].as_array().expect("facts").len() as u64)
    );
    assert!(r["charts"].as_array().expect("charts").len() >= 3, "{r}");

    // A screenshot of that page, kept for a person to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-document.png");
    let _ = std::fs::remove_file(&shot);
    let url = url::Url::from_file_path(site.join(&page)).expect("url");
    load(
        &browser,
        url.as_str(),
        &[
            "--hide-scrollbars",
            "--window-size=1280,2000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("width"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("height"));
    assert_eq!((width, height), (1280, 2000));
    assert!(png.len() > 50_000, "a page with content, not a blank one");
    eprintln!("screenshot of {page}: {}", shot.display());
}
