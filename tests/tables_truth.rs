//! Table facts of the two Putuo 2024 final accounts against their truth files.

mod common;

use caizheng::report::FactSource;

fn check(doc: &str) {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let bytes = std::fs::read(corpus.join(doc)).expect("corpus document");
    let report = caizheng::pipeline::process(&bytes, doc);
    assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
    let truth = common::truth_of(&corpus, doc);
    let s = common::score(&report, &truth, "table");
    eprintln!(
        "{doc}: table recall {:.3} ({}/{}), precision {:.3} ({} wrong of {})",
        s.recall, s.matched, s.truth, s.precision, s.wrong, s.covered
    );
    for m in &s.misses {
        eprintln!("  MISS {m}");
    }
    for e in &s.extras {
        eprintln!("  EXTRA {e}");
    }
    common::assert_valid(&report);
    assert!(s.recall >= 0.97, "{doc}: recall {:.3}", s.recall);
    assert!(s.precision >= 0.99, "{doc}: precision {:.3}", s.precision);
    // Every table fact points at its table and quotes its cell.
    for f in report
        .facts
        .iter()
        .filter(|f| f.source == FactSource::Table)
    {
        assert!(f.page.is_some() && f.section.is_some(), "{f:?}");
        assert!(f.pattern.starts_with("table:"), "{f:?}");
        assert_eq!(
            f.text.replace(',', ""),
            f.value,
            "the quote is the printed cell: {f:?}"
        );
    }
    assert!(
        report
            .tables
            .iter()
            .any(|t| t.kind == "economic" && t.rows.len() > 20),
        "{doc}: the economic table is exported as a grid"
    );
}

#[test]
fn putuo_finance_table_facts() {
    check("putuo-finance-2024-final.pdf");
}

#[test]
fn putuo_social_work_table_facts() {
    check("putuo-social-work-2024-final.pdf");
}

#[test]
fn blank_template_yields_no_table_figures() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let doc = "shanghai-template-final.pdf";
    let bytes = std::fs::read(corpus.join(doc)).expect("corpus document");
    let report = caizheng::pipeline::process(&bytes, doc);
    let table_facts: Vec<_> = report
        .facts
        .iter()
        .filter(|f| f.source == FactSource::Table)
        .collect();
    assert!(table_facts.is_empty(), "{table_facts:#?}");
}
