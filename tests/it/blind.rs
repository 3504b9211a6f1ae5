//! The blind set (`corpus/blind/`): made-up reports written, with their
//! truth, by helper sessions that never ran caizheng nor read its code. The
//! developers scored them once, at the end of the work they were kept aside
//! from; the floors in each truth file (`floors: {recall, precision}`) are
//! that score less a little, so that later work cannot lose it. Also counted:
//! the inconsistencies planted in them that the reconciler finds, and the
//! warnings that are none of them (false alarms).

use crate::common;
use crate::findings_truth::{found, values_of};

use caizheng::report::{Report, Severity};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The planted inconsistencies found, and the loud findings that match none.
fn findings_of(report: &Report, truth: &serde_json::Value) -> (usize, usize, usize) {
    let planted = truth["inconsistencies"]
        .as_array()
        .expect("inconsistencies");
    let hit = planted
        .iter()
        .filter(|inc| found(report, &values_of(inc)))
        .count();
    let false_alarms = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .filter(|f| {
            let one = Report {
                findings: vec![(*f).clone()],
                ..report.clone()
            };
            !planted.iter().any(|inc| found(&one, &values_of(inc)))
        })
        .inspect(|f| println!("  false alarm? {}: {}", f.rule, f.message))
        .count();
    (hit, planted.len(), false_alarms)
}

#[test]
fn blind_made_up_reports() {
    blind_set("blind");
}

/// The second blind set (`corpus/blind2/`): other provinces, XLSX and DOCX
/// tables, a page in traditional characters.
#[test]
fn blind_made_up_reports_second_set() {
    blind_set("blind2");
}

fn blind_set(name: &str) {
    let files = common::json_files(&repo().join("corpus/truth").join(name));
    assert!(files.len() >= 8, "the blind set {name}: {files:?}");
    // [narrative, table]
    let mut totals = [common::Totals::default(), common::Totals::default()];
    let mut planted = [0usize; 3];
    for path in &files {
        let truth = common::load_json(path);
        let doc = truth["doc"].as_str().expect("doc");
        let bytes = std::fs::read(repo().join("corpus").join(doc)).expect("document");
        let report = caizheng::pipeline::process(&bytes, doc);
        assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
        common::assert_valid(&report);
        let tables = truth["scope"].as_str() == Some("tables only");
        let source = if tables { "table" } else { "narrative" };
        let s = common::score(&report, &truth, source);
        s.print(&format!("{doc} (blind): {source}"));
        totals[usize::from(tables)].add(&s);
        let (hit, of, false_alarms) = findings_of(&report, &truth);
        println!("  planted inconsistencies found {hit}/{of}, other warnings {false_alarms}");
        planted[0] += hit;
        planted[1] += of;
        planted[2] += false_alarms;
        common::assert_floors(&s, &truth, doc);
    }
    for (source, t) in ["narrative", "table"].iter().zip(totals) {
        t.print(&format!("blind set {name}, {source} facts"));
    }
    println!(
        "blind set {name}: planted inconsistencies found {}/{}, other warnings {}",
        planted[0], planted[1], planted[2]
    );
}

/// The third blind set (`corpus/blind3/`): eight more provinces, the 2023
/// final-account table template in XLSX, adjusted budgets, lists by unit.
#[test]
fn blind_made_up_reports_third_set() {
    blind_set("blind3");
}

/// The fourth blind set (`corpus/blind4/`): four more provinces, a narrative
/// PDF and web page, tables in a ruled PDF, a PDF without rules, a legacy
/// `.xls` and an HTML page.
#[test]
fn blind_made_up_reports_fourth_set() {
    blind_set("blind4");
}

/// The fifth blind set (`corpus/blind5/`): 宁夏, 新疆, 海南, 西藏; a Word
/// narrative, a ruled budget PDF, an XLSX final account, pdftotext layout.
#[test]
fn blind_made_up_reports_fifth_set() {
    blind_set("blind5");
}
