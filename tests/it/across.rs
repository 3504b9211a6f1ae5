//! Findings across documents in `caizheng run`: two reports of one entity,
//! consecutive years, compared; the finding names both documents in
//! the findings CSV parts and the database, and survives an incremental re-run.

use crate::common;

use std::fs;
use std::path::Path;

use caizheng::batch::{self, Input, InputData};

const EARLIER: &str = "某某市文化旅游局2018年部门预算

一、部门预算情况说明
某某市文化旅游局2018年一般公共预算财政拨款支出预算1000.00万元，与上年相比增加100.00万元，增长11.11%。
“三公”经费预算支出52.64万元。
";

/// The 2019 report of the same entity (its name printed with `（本级）`): its
/// change implies a 2018 budget of 1050.00万元 where the 2018 report printed
/// 1000.00万元, and its printed 2018 三公 budget is 55.64万元, not 52.64万元.
const LATER_CONTRADICTING: &str = "某某市文化旅游局（本级）2019年部门预算

一、部门预算情况说明
某某市文化旅游局2019年一般公共预算财政拨款支出预算1200.00万元，与上年相比增加150.00万元，增长14.29%。
“三公”经费预算支出60.00万元，上年预算为55.64万元。
";

/// The same, with a change that agrees with the 2018 report.
const LATER_AGREEING: &str = "某某市文化旅游局（本级）2019年部门预算

一、部门预算情况说明
某某市文化旅游局2019年一般公共预算财政拨款支出预算1200.00万元，与上年相比增加200.00万元，增长20%。
“三公”经费预算支出60.00万元，上年预算为52.64万元。
";

fn write_inputs(dir: &Path, later: &str) -> Vec<Input> {
    let mut inputs = Vec::new();
    for (name, text) in [("a-2018.txt", EARLIER), ("b-2019.txt", later)] {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        inputs.push(Input {
            source: path.display().to_string(),
            data: InputData::File(path),
        });
    }
    inputs
}

fn csv_rows(out: &Path, table: &str) -> Vec<csv::StringRecord> {
    let bytes = caizheng::export::parts::table_csv(out, table).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let header = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    rows.insert(0, header);
    rows
}

fn col(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The findings across documents in the findings CSV parts.
fn across_rows(out: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut rows = csv_rows(out, "findings");
    let header = rows.remove(0);
    let kind = col(&header, "rule_kind");
    let across = rows.into_iter().filter(|r| &r[kind] == "across").collect();
    (header, across)
}

#[test]
fn a_planted_cross_year_contradiction_is_found_and_names_both_documents() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inputs = write_inputs(dir.path(), LATER_CONTRADICTING);
    batch::run(&inputs, &out, Some(1), false, true).unwrap();

    let (header, across) = across_rows(&out);
    let [prior, change] = &across[..] else {
        panic!("two findings across documents expected: {across:?}")
    };
    for row in [prior, change] {
        assert_eq!(
            &row[col(&header, "document_id")],
            sha256(LATER_CONTRADICTING)
        );
        assert_eq!(
            &row[col(&header, "other_document_id")],
            sha256(EARLIER),
            "the finding names last year's report"
        );
        assert_eq!(&row[col(&header, "fiscal_year")], "2019");
        let message = &row[col(&header, "message")];
        assert!(
            message.contains("容差"),
            "the tolerance is stated: {message}"
        );
    }
    // A printed previous-year figure restates last year's: an error.
    assert_eq!(&prior[col(&header, "rule")], "across.prior_year");
    assert_eq!(&prior[col(&header, "severity")], "error");
    assert_eq!(&prior[col(&header, "values")], "55.64;52.64");
    assert_eq!(&prior[col(&header, "difference")], "3");
    assert_eq!(&prior[col(&header, "finding_no")], "1");
    // The base a change implies may be an adjusted budget: a warning.
    assert_eq!(&change[col(&header, "rule")], "across.yoy_change");
    assert_eq!(&change[col(&header, "severity")], "warning");
    assert_eq!(&change[col(&header, "actual")], "1050");
    assert_eq!(&change[col(&header, "expected")], "1000");
    assert_eq!(&change[col(&header, "difference")], "50");
    assert_eq!(&change[col(&header, "values")], "1200.00;150.00;1000.00");
    let message = &change[col(&header, "message")];
    assert!(
        message.contains("1200.00 − 150.00") && message.contains("1000.00"),
        "the arithmetic is in the message: {message}"
    );

    // the database holds the same findings with both ids
    let conn = rusqlite::Connection::open(out.join("caizheng.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT document_id, other_document_id, rule FROM findings
             WHERE rule_kind = 'across' ORDER BY finding_no",
        )
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let pair = (sha256(LATER_CONTRADICTING), sha256(EARLIER));
    assert_eq!(
        rows,
        vec![
            (pair.0.clone(), pair.1.clone(), "across.prior_year".into()),
            (pair.0, pair.1, "across.yoy_change".into()),
        ]
    );
    drop(stmt);
    drop(conn);

    // A re-run with nothing changed keeps the finding; a re-run where the
    // later report is corrected drops it from every export (the earlier
    // report's stored summary is what it is compared with).
    batch::run(&inputs, &out, Some(1), false, true).unwrap();
    assert_eq!(across_rows(&out).1.len(), 2);
    let corrected = write_inputs(dir.path(), LATER_AGREEING);
    let (_, stats) = batch::run(&corrected, &out, Some(1), false, true).unwrap();
    assert_eq!(
        stats.processed, 1,
        "only the corrected report is read again"
    );
    assert!(across_rows(&out).1.is_empty());
    // (the database may have been built anew and moved into place)
    let left: i64 = rusqlite::Connection::open(out.join("caizheng.sqlite"))
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM findings WHERE other_document_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn agreeing_reports_of_consecutive_years_raise_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inputs = write_inputs(dir.path(), LATER_AGREEING);
    batch::run(&inputs, &out, Some(1), false, true).unwrap();
    let (_, across) = across_rows(&out);
    assert!(across.is_empty(), "{across:?}");
    let documents = csv_rows(&out, "documents");
    assert_eq!(
        documents.len(),
        3,
        "two documents, and no row for the comparison"
    );
}

/// The Jiangsu budgets (three departments, 2017–2019): every comparison
/// made, and the findings, which were read against the PDFs' text.
#[test]
fn jiangsu_budgets_are_compared_year_to_year() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let jiangsu = corpus.join("jiangsu");
    if !jiangsu.is_dir() {
        eprintln!("SKIPPED: {} is absent", jiangsu.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inputs = batch::discover(&[jiangsu]).unwrap();
    batch::run(&inputs, &out, Some(2), false, true).unwrap();
    let (header, across) = across_rows(&out);
    let mut found: Vec<(String, String)> = across
        .iter()
        .map(|r| {
            (
                r[col(&header, "rule")].to_string(),
                r[col(&header, "actual")].to_string(),
            )
        })
        .collect();
    found.sort();
    // jianchayuan 2018 prints a change of 3958.98 (three times) where
    // 21940.96 − 17981.68 (the 2017 budget) is 3959.28; fayuan 2018's change
    // of 一般行政管理事务 (−392.92 from 6049.97) implies 6442.89, the 2017
    // report printed 6432.89. The jianchayuan 2019 change misread from
    // `分流315万元` is set aside: the printed 2228.78 agrees.
    assert_eq!(
        found,
        vec![
            ("across.yoy_change".to_string(), "17981.98".to_string()),
            ("across.yoy_change".to_string(), "17981.98".to_string()),
            ("across.yoy_change".to_string(), "17981.98".to_string()),
            ("across.yoy_change".to_string(), "6442.89".to_string()),
        ]
    );
}

#[test]
fn a_report_that_leaves_the_run_takes_its_findings_across_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let inputs = write_inputs(dir.path(), LATER_CONTRADICTING);
    batch::run(&inputs, &out, Some(1), false, true).unwrap();
    assert_eq!(across_rows(&out).1.len(), 2);
    // the earlier report alone: nothing to compare it with, nothing processed
    let (_, stats) = batch::run(&inputs[..1], &out, Some(1), false, true).unwrap();
    assert_eq!(stats.processed, 0);
    assert!(across_rows(&out).1.is_empty());
    // and back: the later report is read again, the findings are back
    batch::run(&inputs, &out, Some(1), false, true).unwrap();
    assert_eq!(across_rows(&out).1.len(), 2);
}
