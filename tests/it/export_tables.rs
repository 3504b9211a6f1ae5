//! Exports of hand-built reports: row content and order, byte-identical
//! rebuilds, the datapackage matching the CSVs, and the README queries.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use caizheng::export::{self, columns};
use caizheng::report::{
    DocumentInfo, Evidence, Fact, FactSource, Finding, Report, ReportError, Severity,
};
use rust_decimal::Decimal;

fn info(name: &str, entity: &str, year: i32, kind: &str) -> DocumentInfo {
    DocumentInfo {
        sha256: caizheng::read::sha256_hex(name.as_bytes()),
        source: format!("corpus/{name}.txt"),
        format: Some("text".into()),
        pages: Some(20),
        chars: 1000,
        kind: Some(kind.into()),
        scope: Some("department".into()),
        fiscal_year: Some(year),
        entity: Some(entity.into()),
        amount_unit: Some("万元".into()),
        published_on: None,
    }
}

fn fact(key: &str, value: &str, unit: &str, page: u32) -> Fact {
    let wan: Option<Decimal> = match unit {
        "万元" => value.parse().ok(),
        "元" => value
            .parse::<Decimal>()
            .ok()
            .map(|v| v / Decimal::from(10_000)),
        _ => None,
    };
    Fact {
        key: key.into(),
        value: value.into(),
        unit: Some(unit.into()),
        value_wan: wan,
        label: None,
        code: None,
        page: Some(page),
        section: Some("七、“三公”经费财政拨款支出决算情况说明".into()),
        text: format!("{key}为{value}{unit}，含\"引号\"，逗号"),
        span: [10, 20],
        source: FactSource::Narrative,
        pattern: format!("{key}#1"),
    }
}

fn finding(rule: &str, severity: Severity, pages: &[u32]) -> Finding {
    Finding {
        rule: rule.into(),
        kind: "sum".into(),
        severity,
        message: "“三公”经费各项之和与合计不符".into(),
        message_en: "the parts of 三公 spending do not add up to the total".into(),
        values: vec!["6.84".into(), "3.16".into(), "10.01".into()],
        expected: Some("10.00".into()),
        actual: Some("10.01".into()),
        difference: Some("0.01".into()),
        facts: pages
            .iter()
            .map(|&p| Evidence {
                key: "three_public.total".into(),
                value: "10.01".into(),
                label: None,
                page: Some(p),
                section: None,
                text: "合计10.01万元".into(),
                span: [0, 5],
            })
            .collect(),
    }
}

const ENTITY_A: &str = "攀枝花市人民政府驻北京联络处";
const ENTITY_B: &str = "上海市普陀区城市管理行政执法局";

fn sample_reports() -> Vec<Report> {
    let mut a2019 = Report::new(info("a2019", ENTITY_A, 2019, "final"));
    a2019.facts = vec![
        fact("three_public.total", "10.00", "万元", 4),
        fact("three_public.vehicle", "6.84", "万元", 4),
        fact("three_public.reception", "3.16", "万元", 4),
        fact("three_public.total", "10.0", "万元", 12),
        fact("general_budget.expenditure", "249.30", "万元", 3),
    ];
    a2019.findings = vec![finding(
        "sum.three_public.total",
        Severity::Error,
        &[5, 4, 4],
    )];

    let mut a2020 = Report::new(info("a2020", ENTITY_A, 2020, "final"));
    a2020.facts = vec![
        fact("three_public.total", "12.50", "万元", 4),
        fact("general_budget.expenditure", "300.1", "万元", 3),
        fact("general_budget.expenditure.yoy_pct", "20.4", "%", 3),
    ];
    a2020.findings = vec![finding("share.three_public", Severity::Warning, &[])];

    let mut b = Report::new(info("b2026", ENTITY_B, 2026, "budget"));
    b.facts = vec![fact("three_public.total", "125000", "元", 7)];
    b.findings = vec![finding("sum.three_public.total", Severity::Error, &[7])];

    let mut broken = Report::new(DocumentInfo {
        sha256: caizheng::read::sha256_hex(b"broken"),
        source: "corpus/broken.pdf".into(),
        ..Default::default()
    });
    broken.errors.push(ReportError {
        reason: "truncated".into(),
        message: "the file is truncated: no %%EOF".into(),
    });
    vec![a2019, a2020, b, broken]
}

/// One table's CSV parts as one: header and rows.
fn read_csv(out: &Path, table: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = export::parts::table_csv(out, table).unwrap();
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_rows_are_sorted_and_keep_printed_precision() {
    let dir = tempfile::tempdir().unwrap();
    let reports = sample_reports();
    let summary = export_reports(dir.path(), &reports).unwrap();
    assert_eq!(summary.documents, 4);
    assert_eq!(summary.facts, 9);
    assert_eq!(summary.findings_by_severity.get("error"), Some(&2));
    assert_eq!(summary.errors_by_reason.get("truncated"), Some(&1));

    let (header, facts) = read_csv(dir.path(), "facts");
    assert_eq!(
        header,
        columns::FACTS
            .columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    );
    assert_eq!(facts.len(), 9);
    let ids: Vec<&String> = facts.iter().map(|r| &r[0]).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "facts sorted by document id");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let expenditure = facts
        .iter()
        .find(|r| r[col("value")] == "249.30")
        .expect("249.30 kept as printed");
    assert_eq!(expenditure[col("value_wan")], "249.30");
    assert_eq!(expenditure[col("entity")], ENTITY_A);
    assert_eq!(expenditure[col("fiscal_year")], "2019");
    assert_eq!(expenditure[col("fact_no")], "5");
    let yuan = facts.iter().find(|r| r[col("unit")] == "元").unwrap();
    assert_eq!(yuan[col("value")], "125000");
    assert_eq!(yuan[col("value_wan")], "12.50");
    assert!(yuan[col("quote")].contains("\"引号\"，逗号"));

    let (_, findings) = read_csv(dir.path(), "findings");
    assert_eq!(findings.len(), 3);
    let error_a = findings
        .iter()
        .find(|r| r[0] == reports[0].document.sha256)
        .unwrap();
    assert_eq!(
        error_a[columns::FINDINGS
            .columns
            .iter()
            .position(|c| c.name == "pages")
            .unwrap()],
        "4;5"
    );
    assert_eq!(
        error_a[columns::FINDINGS
            .columns
            .iter()
            .position(|c| c.name == "values")
            .unwrap()],
        "6.84;3.16;10.01"
    );

    let (_, docs) = read_csv(dir.path(), "documents");
    assert_eq!(docs.len(), 4);
    let broken = docs.iter().find(|r| r[1] == "corpus/broken.pdf").unwrap();
    let reason = columns::DOCUMENTS
        .columns
        .iter()
        .position(|c| c.name == "error_reason")
        .unwrap();
    assert_eq!(broken[reason], "truncated");

    let jsonl: String = export::parts::OUTPUTS[3]
        .parts_in(dir.path())
        .unwrap()
        .iter()
        .map(|part| fs::read_to_string(part).unwrap())
        .collect();
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9);
    for (line, row) in lines.iter().zip(&facts) {
        assert_eq!(line["document_id"], row[0].as_str());
        assert_eq!(
            line["value"],
            row[col("value")].as_str(),
            "values stay strings"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l["fact_no"] == 5 && l["label"].is_null()));
}

#[test]
fn same_reports_give_byte_identical_exports_in_any_order() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let mut reports = sample_reports();
    export_reports(first.path(), &reports).unwrap();
    reports.reverse();
    export_reports(second.path(), &reports).unwrap();
    let (a, b) = (exports_of(first.path()), exports_of(second.path()));
    assert!(a.len() > 10, "{} files", a.len());
    for (a, b) in a.iter().zip(&b) {
        assert!(a == b, "{} differs between two exports", a.0);
    }
    assert_eq!(a.len(), b.len());
    for report in &reports {
        let id = &report.document.sha256;
        assert_eq!(
            fs::read(export::report_path(first.path(), id)).unwrap(),
            fs::read(export::report_path(second.path(), id)).unwrap()
        );
    }
}

#[test]
fn datapackage_describes_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    export_reports(dir.path(), &sample_reports()).unwrap();
    let package: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("datapackage.json")).unwrap()).unwrap();
    let resources = package["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 3);
    for resource in resources {
        let fields: Vec<&str> = resource["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        let paths = resource["path"].as_array().unwrap();
        let table = resource["name"].as_str().unwrap();
        let on_disk = export::parts::OUTPUTS
            .iter()
            .find(|o| o.table.name == table)
            .unwrap()
            .parts_in(dir.path())
            .unwrap();
        assert_eq!(paths.len(), on_disk.len(), "{table}: every part, once");
        for (path, part) in paths.iter().zip(&on_disk) {
            let path = dir.path().join(path.as_str().unwrap());
            assert_eq!(&path, part);
            let mut r = csv::Reader::from_path(&path).unwrap();
            let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
            assert_eq!(header, fields, "{}", path.display());
        }
        for f in resource["schema"]["fields"].as_array().unwrap() {
            assert!(!f["description"].as_str().unwrap().is_empty());
        }
        let key: Vec<&str> = resource["schema"]["primaryKey"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert!(key.iter().all(|k| fields.contains(k)));
    }
    let facts = resources.iter().find(|r| r["name"] == "facts").unwrap();
    // Left for tests/validate_datapackage.py, which runs the Frictionless validator on it.
    let sample = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-sample");
    let _ = fs::remove_dir_all(&sample);
    export_reports(&sample, &sample_reports()).unwrap();
    assert_eq!(
        facts["schema"]["foreignKeys"][0]["reference"]["resource"],
        "documents"
    );
}

/// The ```sql blocks of the README snippet, in order.
fn readme_queries() -> Vec<String> {
    let text = include_str!("../../src/export/queries.md");
    text.split("```sql")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn sqlite_answers_the_readme_queries() {
    let dir = tempfile::tempdir().unwrap();
    export_reports(dir.path(), &sample_reports()).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(export::SQLITE_FILE)).unwrap();
    let queries = readme_queries();
    assert_eq!(queries.len(), 3, "the README snippet shows three queries");

    let three_public = common::query_rows(&conn, &queries[0]);
    let expected: Vec<Vec<&str>> = vec![
        vec![ENTITY_B, "2026", "budget", "12.5", "", "", "", "1"],
        vec![ENTITY_A, "2019", "final", "10", "", "6.84", "3.16", "3"],
        vec![ENTITY_A, "2020", "final", "12.5", "", "", "", "1"],
    ];
    assert_eq!(three_public, expected);

    let rises = common::query_rows(&conn, &queries[1]);
    assert_eq!(rises.len(), 2, "{rises:?}");
    assert_eq!(rises[0][3], "general_budget.expenditure");
    assert_eq!(
        rises[0][5..8],
        ["249.3".to_string(), "300.1".into(), "50.8".into()]
    );
    assert_eq!(rises[0][8], "20.4");
    assert_eq!(rises[1][3], "three_public.total");

    let errors = common::query_rows(&conn, &queries[2]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0][3], "corpus/b2026.txt");
    assert_eq!(errors[1][3], "corpus/a2019.txt");
    assert_eq!(errors[1][5], "sum.three_public.total (p. 4;5)");
}

fn sqlite_rows(out: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(out.join(export::SQLITE_FILE)).unwrap();
    let mut all = Vec::new();
    for table in columns::TABLES {
        let sql = format!(
            "SELECT * FROM {} ORDER BY {}",
            table.name,
            table.primary_key.join(", ")
        );
        all.extend(
            common::query_rows(&conn, &sql)
                .into_iter()
                .map(|row| format!("{}: {}", table.name, row.join("|"))),
        );
    }
    all
}

/// The keys of a first export of `reports` into `out`, as a run records them.
fn first_export(out: &Path, reports: &[&Report]) -> BTreeMap<String, String> {
    for report in reports {
        export::write_report(out, report).unwrap();
    }
    let owned: Vec<Report> = reports.iter().map(|r| (*r).clone()).collect();
    export_again(out, &owned, &BTreeMap::new())
}

/// Export `reports` (their reports written) into `out`, where the parts
/// `recorded` lists were written: what a run does after processing. A
/// document is what its report says, so the report stands for the source
/// and fingerprint a run lists. As the run state does, the keys of parts
/// whose documents changed since the last export are forgotten. Returns
/// the keys to record.
fn export_again(
    out: &Path,
    reports: &[Report],
    recorded: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut listed: Vec<export::Listed> = reports
        .iter()
        .map(|r| export::Listed {
            id: r.document.sha256.clone(),
            made_from: serde_json::to_string(r).unwrap(),
        })
        .collect();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    let mut now: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for l in &listed {
        let part = export::parts::part_of(&l.id).unwrap().to_string();
        now.entry(part)
            .or_default()
            .push((l.id.clone(), l.made_from.clone()));
    }
    let listing = out.join(".rows").join("test-listing.json");
    let before: BTreeMap<String, Vec<(String, String)>> = fs::read(&listing)
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or_default();
    let recorded: BTreeMap<String, String> = recorded
        .iter()
        .filter(|(part, _)| before.get(*part) == now.get(*part))
        .map(|(part, key)| (part.clone(), key.clone()))
        .collect();
    let remover = export::Remover::start().unwrap();
    let exported = export::write_exports(
        out,
        listed.into_iter().map(Ok),
        &recorded,
        &mut |_| Ok(Vec::new()),
        &remover,
    )
    .unwrap();
    remover.finish().unwrap();
    fs::write(&listing, serde_json::to_vec(&now).unwrap()).unwrap();
    exported.keys
}

/// The documents' reports exported once, then `reports[1]` changed and
/// `reports[2]` added, exported into the same folder. Returns the reports
/// as they now are and the keys of the first export.
fn export_then_change(out: &Path) -> (Vec<Report>, BTreeMap<String, String>) {
    let mut reports = sample_reports();
    let keys = first_export(out, &[&reports[0], &reports[1], &reports[3]]);
    reports[1]
        .facts
        .push(fact("three_public.reception", "2.20", "万元", 4));
    export::write_report(out, &reports[1]).unwrap();
    export::write_report(out, &reports[2]).unwrap();
    (reports, keys)
}

/// Every exported file (parts and datapackage) and the database's rows.
fn exports_of(out: &Path) -> Vec<(String, Vec<u8>)> {
    common::export_bytes(out)
}

/// `reports` exported into a folder of their own, listed as [`export_again`]
/// lists them (the parts' keys, and so their files' names, the same).
fn fresh_export(reports: &[Report]) -> tempfile::TempDir {
    let fresh = tempfile::tempdir().unwrap();
    first_export(fresh.path(), &reports.iter().collect::<Vec<_>>());
    fresh
}

fn part_of(report: &Report) -> String {
    export::parts::part_of(&report.document.sha256)
        .unwrap()
        .to_string()
}

/// The file of `output` holding the rows of `report`, as published now.
fn published(out: &Path, output: usize, report: &Report) -> std::path::PathBuf {
    let part = part_of(report);
    let stem = export::parts::published(out)
        .unwrap()
        .into_iter()
        .find(|stem| stem.starts_with(&part))
        .unwrap();
    export::parts::OUTPUTS[output].path(out, &stem)
}

#[test]
fn sqlite_updated_in_place_holds_the_same_rows_as_a_fresh_build() {
    let mut reports = sample_reports();
    let gone = Report::new(info("gone", ENTITY_B, 2025, "budget"));
    let updated = tempfile::tempdir().unwrap();
    let keys = first_export(
        updated.path(),
        &[&reports[0], &reports[1], &reports[3], &gone],
    );
    let gone_part = published(updated.path(), 0, &gone);
    assert!(gone_part.exists());

    reports[1]
        .facts
        .push(fact("three_public.reception", "2.20", "万元", 4));
    reports[1].findings.clear();
    export::write_report(updated.path(), &reports[1]).unwrap();
    export::write_report(updated.path(), &reports[2]).unwrap();
    export_again(updated.path(), &reports, &keys);

    let fresh = fresh_export(&reports);
    let rows = sqlite_rows(fresh.path());
    assert_eq!(rows.iter().filter(|r| r.starts_with("facts:")).count(), 10);
    assert_eq!(sqlite_rows(updated.path()), rows);
    assert_eq!(user_version(updated.path()), 0);
    assert_eq!(exports_of(updated.path()), exports_of(fresh.path()));
    assert!(
        !gone_part.exists(),
        "the part of a document gone is deleted"
    );
}

fn user_version(out: &Path) -> i64 {
    rusqlite::Connection::open(out.join(export::SQLITE_FILE))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_database_left_mid_update_is_built_anew() {
    let updated = tempfile::tempdir().unwrap();
    let (reports, keys) = export_then_change(updated.path());
    // As an update of an earlier version that stopped halfway leaves it: it
    // wrote without a rollback journal, after marking user_version 1.
    rusqlite::Connection::open(updated.path().join(export::SQLITE_FILE))
        .unwrap()
        .execute_batch("DELETE FROM facts; PRAGMA user_version = 1;")
        .unwrap();
    export_again(updated.path(), &reports, &keys);
    let fresh = fresh_export(&reports);
    assert_eq!(sqlite_rows(updated.path()), sqlite_rows(fresh.path()));
    assert_eq!(user_version(updated.path()), 0);
}

/// The database is updated in place: a reader in the middle of a read
/// transaction keeps seeing the previous rows, and the update's commit waits
/// for it to finish (up to 30 s) rather than failing.
#[test]
fn a_reader_in_a_transaction_sees_the_previous_rows_and_the_update_waits_for_it() {
    let updated = tempfile::tempdir().unwrap();
    let (reports, keys) = export_then_change(updated.path());
    let path = updated.path().join(export::SQLITE_FILE);
    let facts = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT COUNT(*) FROM facts", [], |r| r.get(0))
            .unwrap()
    };
    let (read, reading) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        conn.execute_batch("BEGIN").unwrap();
        let seen = facts(&conn);
        read.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        let still = facts(&conn);
        conn.execute_batch("COMMIT").unwrap();
        (seen, still)
    });
    reading.recv().unwrap();
    export_again(updated.path(), &reports, &keys);
    let (seen, still) = reader.join().unwrap();
    assert_eq!(still, seen, "the reader saw the update before it ended");
    let fresh = fresh_export(&reports);
    assert_eq!(sqlite_rows(updated.path()), sqlite_rows(fresh.path()));
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
}

#[test]
fn a_re_export_rewrites_only_the_parts_of_changed_documents() {
    let updated = tempfile::tempdir().unwrap();
    let (reports, keys) = export_then_change(updated.path());
    let unchanged = &reports[3];
    assert!([&reports[1], &reports[2]]
        .iter()
        .all(|r| part_of(r) != part_of(unchanged)));
    // Its part is not rewritten, so its cached rows are not needed.
    fs::remove_file(export::rows::rows_path(
        updated.path(),
        &unchanged.document.sha256,
    ))
    .unwrap();
    let files: Vec<_> = (0..export::parts::OUTPUTS.len())
        .map(|o| published(updated.path(), o, unchanged))
        .collect();
    let before: Vec<u64> = files.iter().map(|f| inode(f)).collect();
    let changed = published(updated.path(), 1, &reports[1]);
    let again = export_again(updated.path(), &reports, &keys);
    assert_eq!(files.iter().map(|f| inode(f)).collect::<Vec<_>>(), before);
    assert!(
        !changed.exists(),
        "the changed part's previous file is gone"
    );
    assert_ne!(
        published(updated.path(), 1, &reports[1]),
        changed,
        "the changed part is new"
    );
    let fresh = fresh_export(&reports);
    assert_eq!(exports_of(updated.path()), exports_of(fresh.path()));

    // Nothing changed: nothing is written, not even the database.
    let database = updated.path().join(export::SQLITE_FILE);
    let database_before = inode(&database);
    let remover = export::Remover::start().unwrap();
    let listed = reports.iter().map(|r| export::Listed {
        id: r.document.sha256.clone(),
        made_from: serde_json::to_string(r).unwrap(),
    });
    let mut listed: Vec<_> = listed.collect();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    let exported = export::write_exports(
        updated.path(),
        listed.into_iter().map(Ok),
        &again,
        &mut |_| Ok(Vec::new()),
        &remover,
    )
    .unwrap();
    remover.finish().unwrap();
    assert_eq!((exported.parts_written, exported.bytes_written), (0, 0));
    assert!(!exported.database_written);
    assert_eq!(inode(&database), database_before);
}

#[test]
fn a_part_file_deleted_since_is_written_again() {
    let updated = tempfile::tempdir().unwrap();
    let (reports, keys) = export_then_change(updated.path());
    let missing = published(updated.path(), 3, &reports[3]);
    fs::remove_file(&missing).unwrap();
    export_again(updated.path(), &reports, &keys);
    assert!(missing.exists());
    let fresh = fresh_export(&reports);
    assert_eq!(exports_of(updated.path()), exports_of(fresh.path()));
}

#[test]
fn a_previous_part_linked_elsewhere_is_never_overwritten() {
    let out = tempfile::tempdir().unwrap();
    let linked = tempfile::tempdir().unwrap();
    let (reports, keys) = export_then_change(out.path());
    let part = published(out.path(), 1, &reports[1]);
    let before = fs::read(&part).unwrap();
    fs::hard_link(&part, linked.path().join("facts.csv")).unwrap();
    export_again(out.path(), &reports, &keys);
    let part = published(out.path(), 1, &reports[1]);
    assert_ne!(fs::read(&part).unwrap(), before);
    assert_eq!(fs::read(linked.path().join("facts.csv")).unwrap(), before);
}

/// Write the per-document reports and every export (fresh) for `reports`:
/// the whole export step for callers that already hold their reports.
fn export_reports<'a>(
    out: &Path,
    reports: impl IntoIterator<Item = &'a Report>,
) -> anyhow::Result<export::ExportSummary> {
    let mut documents = BTreeMap::new();
    for report in reports {
        let totals = export::write_report(out, report)?;
        let id = columns::document_id(report).to_string();
        let listed = export::Listed {
            id: id.clone(),
            made_from: report.document.source.clone(),
        };
        documents.insert(id, (listed, totals));
    }
    let mut summary = export::ExportSummary::default();
    for (_, totals) in documents.values() {
        summary.add(totals);
    }
    let listed = documents.into_values().map(|(listed, _)| Ok(listed));
    let remover = export::Remover::start()?;
    export::write_exports(
        out,
        listed,
        &BTreeMap::new(),
        &mut |_| Ok(Vec::new()),
        &remover,
    )?;
    remover.finish()?;
    Ok(summary)
}
