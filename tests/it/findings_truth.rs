//! The reconciler on real documents, end to end (read → extract → reconcile):
//! every inconsistency found by hand (truth files) is found, and every
//! warning or error is either one of them or listed here as genuine.

use crate::common;

use caizheng::pipeline;
use caizheng::report::{Report, Severity};

fn run(doc: &str) -> Option<(Report, serde_json::Value)> {
    let corpus = common::corpus_dir()?;
    let path = corpus.join(doc);
    let report = pipeline::process(&std::fs::read(&path).expect("read"), doc);
    assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
    common::assert_valid(&report);
    Some((report, common::truth_of(&corpus, doc)))
}

/// A finding whose values hold every value of the truth entry (as decimals).
pub(crate) fn found(report: &Report, values: &[String]) -> bool {
    let same = |a: &str, b: &str| match (
        a.parse::<rust_decimal::Decimal>(),
        b.parse::<rust_decimal::Decimal>(),
    ) {
        (Ok(x), Ok(y)) => x.abs() == y.abs(),
        _ => a == b,
    };
    report.findings.iter().any(|f| {
        let mut pool: Vec<&str> = f.values.iter().map(String::as_str).collect();
        values
            .iter()
            .all(|v| match pool.iter().position(|p| same(p, v)) {
                Some(i) => {
                    pool.remove(i);
                    true
                }
                None => false,
            })
    })
}

/// The printed values of one truth inconsistency.
pub(crate) fn values_of(inc: &serde_json::Value) -> Vec<String> {
    inc["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Checks the truth's inconsistencies; returns the ids not found.
fn missing(report: &Report, truth: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for inc in truth["inconsistencies"]
        .as_array()
        .expect("inconsistencies")
    {
        let optional = inc["optional"].as_bool().unwrap_or(false) || inc["kind"] == "text";
        let ok = found(report, &values_of(inc));
        println!(
            "  {} {} ({})",
            if ok { "found  " } else { "MISSING" },
            inc["id"],
            if optional { "optional" } else { "required" }
        );
        if !ok && !optional {
            out.push(inc["id"].as_str().unwrap_or_default().to_string());
        }
    }
    out
}

fn loud(report: &Report) -> Vec<&caizheng::report::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect()
}

/// Every required inconsistency is found, and every warning or error is one
/// of the hand-found inconsistencies (no false alarm).
fn check_against_truth(doc: &str) {
    let Some((report, truth)) = run(doc) else {
        return;
    };
    let missing = missing(&report, &truth);
    assert!(missing.is_empty(), "{doc}: not found: {missing:?}");
    let entries = truth["inconsistencies"].as_array().expect("list");
    for f in loud(&report) {
        let known = entries.iter().any(|inc| {
            let values = values_of(inc);
            found(
                &Report {
                    findings: vec![f.clone()],
                    ..report.clone()
                },
                &values,
            )
        });
        assert!(known, "{doc}: unexpected {}: {}", f.rule, f.message);
    }
}

#[test]
fn panzhihua_every_inconsistency_and_no_false_alarm() {
    check_against_truth("panzhihua-beijing-office-2020-final.txt");
}

#[test]
fn putuo_finance_every_inconsistency_and_no_false_alarm() {
    check_against_truth("putuo-finance-2024-final.pdf");
}

#[test]
fn putuo_social_work_every_inconsistency_and_no_false_alarm() {
    check_against_truth("putuo-social-work-2024-final.pdf");
}

#[test]
fn budget_without_inconsistencies_stays_quiet() {
    let Some((report, _)) = run("putuo-city-management-2026-budget.txt") else {
        return;
    };
    let loud = loud(&report);
    assert!(
        loud.is_empty(),
        "{:#?}",
        loud.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

#[test]
fn blank_template_is_one_finding() {
    let Some((report, _)) = run("shanghai-template-final.pdf") else {
        return;
    };
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].rule, "structure.unfilled_template");
    assert_eq!(report.findings[0].severity, Severity::Info);
}

/// The documents we wrote in other wordings (corpus/): the totals stated one
/// per side (`收、支总计各为A、B万元`) are compared, and a consistent
/// document with the same forms raises nothing.
#[test]
fn synthetic_documents_totals_per_side() {
    let corpus = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"));
    for doc in [
        "synthetic-county-education-2019-final.txt",
        "synthetic-province-transport-2021-final.txt",
    ] {
        let bytes = std::fs::read(corpus.join(doc)).expect("bundled document");
        let report = pipeline::process(&bytes, doc);
        assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
        let truth = common::truth_of(&corpus, doc);
        let missing = missing(&report, &truth);
        assert!(missing.is_empty(), "{doc}: not found: {missing:?}");
        let entries = truth["inconsistencies"].as_array().expect("list");
        for f in loud(&report) {
            let known = entries.iter().any(|inc| {
                let one = Report {
                    findings: vec![f.clone()],
                    ..report.clone()
                };
                found(&one, &values_of(inc))
            });
            assert!(known, "{doc}: unexpected {}: {}", f.rule, f.message);
        }
    }
    let education = pipeline::process(
        &std::fs::read(corpus.join("synthetic-county-education-2019-final.txt")).expect("read"),
        "synthetic-county-education-2019-final.txt",
    );
    assert!(
        education
            .findings
            .iter()
            .any(|f| f.rule == "sum.totals.income_expenditure.sides"
                && f.severity == Severity::Warning),
        "{:#?}",
        education.findings
    );
}
