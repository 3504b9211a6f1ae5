//! Narrative facts against the hand-checked truth of the shared corpus
//! (issue: recall ≥ 0.97 and precision ≥ 0.99 per document).

use crate::common;

use caizheng::pipeline;

const DOCS: &[&str] = &[
    "panzhihua-beijing-office-2020-final.txt",
    "putuo-finance-2024-final.pdf",
    "putuo-social-work-2024-final.pdf",
    "putuo-city-management-2026-budget.txt",
];

fn check(doc: &str) {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let path = corpus.join(doc);
    let bytes = std::fs::read(&path).expect("read document");
    let report = pipeline::process(&bytes, &path.display().to_string());
    assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
    common::assert_valid(&report);
    let truth = common::truth_of(&corpus, doc);

    // Document metadata.
    common::assert_metadata(&report, &truth, doc);
    let d = &report.document;
    let t = &truth["document"];
    assert_eq!(d.scope.as_deref(), t["scope"].as_str(), "{doc}: scope");
    assert_eq!(
        d.amount_unit.as_deref(),
        t["amount_unit"].as_str(),
        "{doc}: amount unit"
    );

    let s = common::score(&report, &truth, "narrative");
    s.print(&format!("{doc}: narrative"));
    assert!(s.recall >= 0.97, "{doc}: recall {:.3} < 0.97", s.recall);
    assert!(
        s.precision >= 0.99,
        "{doc}: precision {:.3} < 0.99",
        s.precision
    );
    for f in &report.facts {
        assert!(
            f.page.is_some() || d.pages.is_none(),
            "{doc}: fact without page: {f:?}"
        );
        assert!(
            !f.text.is_empty() && !f.pattern.is_empty(),
            "{doc}: fact without provenance: {f:?}"
        );
    }
    // Pages of the truth, where it gives them, are the fact's pages.
    for t in truth["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter(|t| t["source"] == "narrative" && t["page"].is_number())
    {
        let page = t["page"].as_u64().map(|p| p as u32);
        let found = report.facts.iter().any(|f| {
            f.key == t["key"].as_str().unwrap_or_default()
                && f.value == t["value"].as_str().unwrap_or_default()
                && f.page == page
        });
        assert!(
            found,
            "{doc}: no fact {} = {} on page {:?}",
            t["key"], t["value"], page
        );
    }
}

#[test]
fn panzhihua_2020_final() {
    check(DOCS[0]);
}

#[test]
fn putuo_finance_2024_final() {
    check(DOCS[1]);
}

#[test]
fn putuo_social_work_2024_final() {
    check(DOCS[2]);
}

#[test]
fn putuo_city_management_2026_budget() {
    check(DOCS[3]);
}

/// The blank template: nothing but `document.*` may come out of it.
#[test]
fn blank_template_yields_no_figures() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let path = corpus.join("shanghai-template-final.pdf");
    let report = pipeline::process(
        &std::fs::read(&path).expect("read"),
        "shanghai-template-final.pdf",
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    common::assert_valid(&report);
    let numeric: Vec<_> = report
        .facts
        .iter()
        .filter(|f| !f.key.starts_with("document."))
        .collect();
    assert!(numeric.is_empty(), "template produced facts: {numeric:#?}");
    assert_eq!(report.document.kind.as_deref(), Some("final"));
    assert_eq!(report.document.fiscal_year, Some(2024));
}

/// Spans point into the normalized text: the quote is exactly that range.
#[test]
fn spans_and_quotes_agree() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let path = corpus.join(DOCS[0]);
    let bytes = std::fs::read(&path).expect("read");
    let doc = caizheng::read::read_document(&bytes, DOCS[0]).expect("readable");
    let report = pipeline::analyse(&doc, &pipeline::Config::builtin());
    let chars: Vec<char> = doc.text.chars().collect();
    assert!(report.facts.len() > 80);
    for f in &report.facts {
        let slice: String = chars[f.span[0]..f.span[1]].iter().collect();
        assert_eq!(slice, f.text, "{f:?}");
        assert!(
            f.text.contains(f.value.trim_start_matches('-')) || f.key.starts_with("document."),
            "{f:?}"
        );
    }
}

/// Documents the developers wrote in other provinces' wording (corpus/):
/// every expected figure, and nothing else of those keys.
#[test]
fn synthetic_documents_in_other_wordings() {
    let corpus = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"));
    for doc in [
        "synthetic-county-education-2019-final.txt",
        "synthetic-city-health-2023-budget.txt",
        "synthetic-province-transport-2021-final.txt",
    ] {
        let bytes = std::fs::read(corpus.join(doc)).expect("bundled document");
        let report = pipeline::process(&bytes, doc);
        assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
        common::assert_valid(&report);
        let truth = common::truth_of(&corpus, doc);
        assert_eq!(
            report.document.kind.as_deref(),
            truth["document"]["kind"].as_str(),
            "{doc}"
        );
        assert_eq!(
            report.document.entity.as_deref(),
            truth["document"]["entity"].as_str(),
            "{doc}"
        );
        assert_eq!(
            report.document.amount_unit.as_deref(),
            truth["document"]["amount_unit"].as_str(),
            "{doc}"
        );
        let s = common::score(&report, &truth, "narrative");
        assert!(
            s.misses.is_empty() && s.extras.is_empty(),
            "{doc}: missing {:#?}\nwrong {:#?}",
            s.misses,
            s.extras
        );
        assert!(s.truth > 25, "{doc}: {} expected facts", s.truth);
    }
}

/// A download cut short: the pages that could be recovered are read, their
/// figures kept, and the document still reports the damage as its error.
#[test]
fn truncated_pdf_keeps_what_was_read_and_says_so() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let bytes = std::fs::read(corpus.join("putuo-social-work-2024-final.pdf")).expect("read");
    let cut = &bytes[..bytes.len() * 6 / 10];
    let report = pipeline::process(cut, "cut.pdf");
    common::assert_valid(&report);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].reason, "truncated");
    assert!(
        report.errors[0].message.contains("recovered"),
        "{}",
        report.errors[0].message
    );
    let whole = pipeline::process(&bytes, "whole.pdf");
    assert!(whole.errors.is_empty());
    assert!(report.facts.len() <= whole.facts.len());
}
