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

fn truth_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("corpus/truth/blind"))
        .expect("corpus/truth/blind")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
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
    let files = truth_files();
    assert!(files.len() >= 8, "the blind set: {files:?}");
    // [narrative, table] × [matched, truth, right, covered]
    let mut totals = [[0usize; 4]; 2];
    let mut planted = [0usize; 3];
    for path in &files {
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("truth file"))
                .expect("truth parses");
        let doc = truth["doc"].as_str().expect("doc");
        let bytes = std::fs::read(repo().join("corpus").join(doc)).expect("document");
        let report = caizheng::pipeline::process(&bytes, doc);
        assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
        common::assert_valid(&report);
        let tables = truth["scope"].as_str() == Some("tables only");
        let source = if tables { "table" } else { "narrative" };
        let s = common::score(&report, &truth, source);
        s.print(&format!("{doc} (blind): {source}"));
        let t = &mut totals[usize::from(tables)];
        t[0] += s.matched;
        t[1] += s.truth;
        t[2] += s.covered - s.wrong;
        t[3] += s.covered;
        let (hit, of, false_alarms) = findings_of(&report, &truth);
        println!("  planted inconsistencies found {hit}/{of}, other warnings {false_alarms}");
        planted[0] += hit;
        planted[1] += of;
        planted[2] += false_alarms;
        let floor = |k: &str| truth["floors"][k].as_f64().unwrap_or(0.0);
        assert!(s.recall >= floor("recall"), "{doc}: recall {:.3}", s.recall);
        assert!(
            s.precision >= floor("precision"),
            "{doc}: precision {:.3}",
            s.precision
        );
    }
    for (name, t) in ["narrative", "table"].iter().zip(totals) {
        println!(
            "blind set, {name} facts: recall {}/{} = {:.3}, precision {}/{} = {:.3}",
            t[0],
            t[1],
            t[0] as f64 / t[1].max(1) as f64,
            t[2],
            t[3],
            t[2] as f64 / t[3].max(1) as f64
        );
    }
    println!(
        "blind set: planted inconsistencies found {}/{}, other warnings {}",
        planted[0], planted[1], planted[2]
    );
}
