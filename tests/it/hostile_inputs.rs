//! Hostile inputs (issue 21): each gets a clear per-document reason, fast,
//! with bounded memory, and no panic text on stderr.

use std::io::{Cursor, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use caizheng::read::read_document;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

const BIN: &str = env!("CARGO_BIN_EXE_caizheng");

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
/// The package's relationships: where the workbook is (calamine requires them).
const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;

fn sheet(cells: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
    )
}

/// An XLSX with one sheet of `cells` (the `<row>`s) and, if given, these
/// shared strings; `filler_mib` MiB of spaces are inflated inside the
/// shared strings (written in chunks, never held whole).
fn xlsx(cells: &str, shared: Option<&[&str]>, filler_mib: usize) -> Vec<u8> {
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", PACKAGE_RELS.to_string()),
        ("xl/workbook.xml", WORKBOOK.to_string()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.to_string()),
        ("xl/worksheets/sheet1.xml", sheet(cells)),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    if let Some(strings) = shared {
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        write!(
            zip,
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        )
        .unwrap();
        for s in strings {
            write!(zip, "<si><t>{s}</t></si>").unwrap();
        }
        write!(zip, "<si><t>").unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..filler_mib {
            zip.write_all(&chunk).unwrap();
        }
        write!(zip, "</t></si></sst>").unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `caizheng extract` on `path`: (exit code, stdout, stderr), killed after 60 s.
fn extract(path: &std::path::Path) -> (Option<i32>, String, String) {
    let mut child = Command::new(BIN)
        .arg("extract")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A document that failed: a non-zero exit code (the agreed 1, or the
/// older 2 of `extract`), not a signal (an abort has no code).
fn assert_failed_document(code: Option<i32>, stderr: &str) {
    assert!(
        matches!(code, Some(1 | 2)),
        "exit {code:?}, stderr: {stderr}"
    );
}

fn reason_of(stdout: &str) -> String {
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect(stdout);
    report["errors"][0]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn xlsx_spanning_a1_to_xfd1048576_is_too_large_not_an_abort() {
    let bytes = xlsx(
        r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#,
        None,
        0,
    );
    let err = read_document(&bytes, "wide.xlsx").unwrap_err();
    assert_eq!(err.reason(), "too_large", "{err}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let (code, stdout, stderr) = extract(&path);
    assert_failed_document(code, &stderr);
    assert_eq!(reason_of(&stdout), "too_large");
}

#[test]
fn xlsx_shared_string_errors_are_corrupt_without_panic_text() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "out_of_range.xlsx",
            xlsx(
                r#"<row r="1"><c r="A1" t="s"><v>5</v></c></row>"#,
                Some(&["一"]),
                0,
            ),
        ),
        (
            "no_shared_strings.xlsx",
            xlsx(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, None, 0),
        ),
    ];
    for (name, bytes) in cases {
        let err = read_document(&bytes, name).unwrap_err();
        assert_eq!(err.reason(), "corrupt", "{name}: {err}");
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let (code, stdout, stderr) = extract(&path);
        assert_failed_document(code, &stderr);
        assert_eq!(reason_of(&stdout), "corrupt", "{name}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    // In range, the workbook reads.
    let fine = xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>6.84</v></c></row>"#,
        Some(&["项目", "一般公共预算财政拨款收入"]),
        0,
    );
    let doc = read_document(&fine, "fine.xlsx").unwrap();
    assert!(
        doc.text.contains("一般公共预算财政拨款收入"),
        "{}",
        doc.text
    );
}

#[test]
fn xlsx_shared_strings_inflating_past_the_cap_are_too_large_quickly() {
    let bytes = xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Some(&["一"]),
        1024,
    );
    assert!(bytes.len() < 8 << 20, "{} bytes", bytes.len());
    let started = Instant::now();
    let err = read_document(&bytes, "bomb.xlsx").unwrap_err();
    assert_eq!(err.reason(), "too_large", "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // A size header that lies does not help: the inflation itself is capped.
    let mut lying = bytes.clone();
    let central = lying
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("central directory header of the last entry (sharedStrings.xml)");
    lying[central + 24..central + 28].copy_from_slice(&1000u32.to_le_bytes());
    let started = Instant::now();
    let err = read_document(&lying, "lying.xlsx").unwrap_err();
    assert!(matches!(err.reason(), "too_large" | "corrupt"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn html_of_unclosed_divs_is_too_deep_quickly() {
    for n in [40_000, 80_000] {
        let page = format!(
            "<html><head><title>t</title></head><body>{}部门预算</body></html>",
            "<div>".repeat(n)
        );
        let started = Instant::now();
        let err = read_document(page.as_bytes(), "deep.html").unwrap_err();
        assert_eq!(err.reason(), "too_deep", "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{n}: {:?}",
            started.elapsed()
        );
    }
    // Deep but under the limit: read, in linear-ish time.
    let page = format!(
        "<html><body>{}2024年部门预算{}</body></html>",
        "<div>".repeat(1_500),
        "</div>".repeat(1_500)
    );
    let started = Instant::now();
    let doc = read_document(page.as_bytes(), "ok.html").unwrap();
    assert!(doc.text.contains("2024年部门预算"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn fifo_dev_zero_and_sparse_files_get_reasons_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.pdf");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let zero = dir.path().join("zero.pdf");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let sparse = dir.path().join("sparse.txt");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    for (path, reason) in [
        (&fifo, "not_a_file"),
        (&zero, "not_a_file"),
        (&sparse, "too_large"),
    ] {
        let started = Instant::now();
        let (code, stdout, stderr) = extract(path);
        assert_failed_document(code, &stderr);
        assert_eq!(reason_of(&stdout), reason, "{}", path.display());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn run_goes_on_past_a_fifo_and_a_huge_file() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::write(
        inputs.join("a.txt"),
        "某某局2024年部门预算\n收入预算合计6.84万元。\n",
    )
    .unwrap();
    let fifo = inputs.join("pipe.txt");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let sparse = inputs.join("sparse.txt");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    let out = dir.path().join("out");
    let status = Command::new(BIN)
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(inputs.join("a.txt"))
        .arg(&fifo)
        .arg(&sparse)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "some documents failed, the rest was done"
    );
    let documents =
        String::from_utf8(caizheng::export::parts::table_csv(&out, "documents").unwrap()).unwrap();
    assert!(
        documents.contains(",not_a_file") || documents.contains("not_a_file"),
        "{documents}"
    );
    assert!(documents.contains("too_large"), "{documents}");
}
