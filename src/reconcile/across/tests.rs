use super::*;
use crate::report::{DocumentInfo, FactSource};

fn fact(key: &str, value: &str, label: Option<&str>, page: u32, at: usize) -> Fact {
    let unit = if key.ends_with("_pct") { "%" } else { "万元" };
    Fact {
        key: key.into(),
        value: value.into(),
        unit: Some(unit.into()),
        value_wan: (unit == "万元").then(|| value.parse().unwrap()),
        label: label.map(String::from),
        code: None,
        page: Some(page),
        section: None,
        text: format!("{key} {value}"),
        span: [at, at + 10],
        source: FactSource::Narrative,
        pattern: "test".into(),
    }
}

fn doc(sha: &str, entity: &str, year: i32, kind: &str, facts: Vec<Fact>) -> AcrossDoc {
    let mut report = Report::new(DocumentInfo {
        sha256: sha.into(),
        entity: Some(entity.into()),
        fiscal_year: Some(year),
        kind: Some(kind.into()),
        scope: Some("department".into()),
        ..Default::default()
    });
    report.facts = facts;
    AcrossDoc::of(&report, &RuleSet::builtin().across)
}

#[test]
fn a_change_whose_base_is_not_last_years_figure_is_found_and_names_both_documents() {
    let rules = RuleSet::builtin();
    let earlier = doc(
        "aa",
        "某某局",
        2018,
        "budget",
        vec![fact("general_budget.expenditure", "1000.00", None, 3, 100)],
    );
    let later = doc(
        "bb",
        "某某局（本级）",
        2019,
        "budget",
        vec![
            fact("general_budget.expenditure", "1200.00", None, 4, 100),
            fact(
                "general_budget.expenditure.yoy_change",
                "150.00",
                None,
                4,
                130,
            ),
        ],
    );
    let out = compare(&[later.clone(), earlier.clone()], &rules);
    assert_eq!(out.comparisons.len(), 1);
    let [f] = &out.findings[..] else {
        panic!("{:?}", out.findings)
    };
    assert_eq!(f.document_id, "bb");
    assert_eq!(f.other_document_id, "aa");
    assert_eq!(f.finding.rule, "across.yoy_change");
    assert_eq!(f.finding.severity, Severity::Warning, "capped by the rule");
    assert_eq!(f.finding.actual.as_deref(), Some("1050"));
    assert_eq!(f.finding.expected.as_deref(), Some("1000"));
    assert_eq!(f.own_facts, 2);
    assert_eq!(f.finding.facts.len(), 3);
    assert_eq!(f.finding_no, 1);

    // the change agreeing with last year's figure: compared, nothing raised
    let mut agreeing = later;
    agreeing.facts[1].value = "200.00".into();
    agreeing.facts[1].value_wan = Some("200.00".parse().unwrap());
    let out = compare(&[agreeing, earlier], &rules);
    assert_eq!(out.comparisons.len(), 1);
    assert!(out.findings.is_empty(), "{:?}", out.findings);
}

#[test]
fn a_printed_prior_year_figure_off_by_rounding_is_info_and_beyond_is_an_error() {
    let rules = RuleSet::builtin();
    let earlier = doc(
        "aa",
        "某某局",
        2018,
        "final",
        vec![fact("three_public.total", "52.64", None, 3, 10)],
    );
    let rounded = doc(
        "bb",
        "某某局",
        2019,
        "final",
        vec![fact("three_public.total.prior_year", "52.6", None, 5, 10)],
    );
    let out = compare(&[earlier.clone(), rounded], &rules);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].finding.severity, Severity::Info);
    let wrong = doc(
        "cc",
        "某某局",
        2019,
        "final",
        vec![fact("three_public.total.prior_year", "62.64", None, 5, 10)],
    );
    let out = compare(&[earlier.clone(), wrong], &rules);
    assert_eq!(out.findings[0].finding.severity, Severity::Error);
    // a budget is never last year's final account
    let budget = doc(
        "dd",
        "某某局",
        2019,
        "budget",
        vec![fact("three_public.total.prior_year", "62.64", None, 5, 10)],
    );
    assert!(compare(&[earlier, budget], &rules).comparisons.is_empty());
}

#[test]
fn a_rate_is_checked_only_where_no_change_amount_is_printed() {
    let rules = RuleSet::builtin();
    let earlier = doc(
        "aa",
        "某某局",
        2018,
        "budget",
        vec![fact("expenditure.total", "1000", None, 3, 10)],
    );
    let later = doc(
        "bb",
        "某某局",
        2019,
        "budget",
        vec![
            fact("expenditure.total", "1200", None, 3, 10),
            fact("expenditure.total.yoy_pct", "20", None, 3, 30),
        ],
    );
    let out = compare(&[earlier.clone(), later.clone()], &rules);
    assert_eq!(out.comparisons.len(), 1);
    assert!(out.findings.is_empty());
    let mut off = later;
    off.facts[1].value = "25".into();
    let out = compare(&[earlier, off], &rules);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].finding.rule, "across.yoy_pct");
}

#[test]
fn two_copies_of_one_document_with_a_different_figure_are_found() {
    let rules = RuleSet::builtin();
    let a = doc(
        "aa",
        "某某局",
        2019,
        "final",
        vec![fact(
            "general_budget.class",
            "30.00",
            Some("教育支出"),
            3,
            10,
        )],
    );
    let b = doc(
        "bb",
        "某某局",
        2019,
        "final",
        vec![fact(
            "general_budget.class",
            "31.00",
            Some("教育支出"),
            3,
            10,
        )],
    );
    let out = compare(&[b, a], &rules);
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].document_id, "aa");
    assert_eq!(out.findings[0].finding.severity, Severity::Error);
}

#[test]
fn a_final_accounts_budget_figure_is_compared_with_that_years_budget() {
    let rules = RuleSet::builtin();
    let budget = doc(
        "aa",
        "某某局",
        2019,
        "budget",
        vec![fact("three_public.total", "40.00", None, 2, 10)],
    );
    let final_account = doc(
        "bb",
        "某某局",
        2019,
        "final",
        vec![
            fact("three_public.total", "35.00", None, 6, 10),
            fact("three_public.total.budget", "45.00", None, 6, 30),
        ],
    );
    let out = compare(&[budget.clone(), final_account.clone()], &rules);
    let [f] = &out.findings[..] else {
        panic!("{:?}", out.findings)
    };
    assert_eq!(f.finding.rule, "across.final_budget");
    assert_eq!(
        (f.document_id.as_str(), f.other_document_id.as_str()),
        ("bb", "aa")
    );
    assert_eq!(
        f.finding.severity,
        Severity::Warning,
        "全年预算 is `.budget` too"
    );
    // another entity's budget is never compared
    let mut other_entity = budget;
    other_entity.entity_key = Some("别的局".into());
    assert!(compare(&[other_entity, final_account], &rules)
        .comparisons
        .is_empty());
}

/// What the run compares again: one document with only those
/// `compared_with` names, read beside it, gives the findings and
/// comparisons `compare` gives it among all (copies with the same figures,
/// copies with others, earlier years, a year's budget and final).
#[test]
fn a_document_compared_with_only_those_it_needs_gets_what_all_of_them_give_it() {
    let rules = RuleSet::builtin();
    let spent = |v: &str| fact("general_budget.expenditure", v, None, 3, 100);
    let change = |v: &str| fact("general_budget.expenditure.yoy_change", v, None, 4, 130);
    let docs = vec![
        doc("a2", "某某局", 2018, "budget", vec![spent("1000.00")]),
        doc("a1", "某某局", 2018, "budget", vec![spent("1000.00")]),
        doc("a3", "某某局", 2018, "budget", vec![spent("1010.00")]),
        doc(
            "c2",
            "某某局",
            2019,
            "budget",
            vec![spent("1250.00"), change("150.00")],
        ),
        doc(
            "c1",
            "某某局",
            2019,
            "budget",
            vec![spent("1200.00"), change("150.00")],
        ),
        doc("d1", "某某局", 2019, "final", vec![spent("1190.00")]),
        doc(
            "d0",
            "某某局",
            2020,
            "final",
            vec![spent("1300.00"), change("100.00")],
        ),
    ];
    let all = compare(&docs, &rules);
    assert!(!all.findings.is_empty());
    let mut heads: Vec<AcrossHead> = docs.iter().map(AcrossDoc::head).collect();
    heads.sort_by(|a, b| a.id.cmp(&b.id));
    for this in &heads {
        let with: Vec<&str> = compared_with(&rules, this, &heads)
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        if this.id == "c1" {
            // Of the two 2018 budgets printing the same figures, the first.
            assert_eq!(with, ["a1", "a3", "c2"]);
        }
        let read: Vec<AcrossDoc> = docs
            .iter()
            .filter(|d| d.id == this.id || with.contains(&d.id.as_str()))
            .cloned()
            .collect();
        let some = compare_some(&read, &rules, &|id| id == this.id);
        let mine = |f: &&CrossFinding| f.document_id == this.id;
        let expected: Vec<&CrossFinding> = all.findings.iter().filter(mine).collect();
        assert_eq!(
            some.findings.iter().collect::<Vec<_>>(),
            expected,
            "{}",
            this.id
        );
        let expected: Vec<&Comparison> = all
            .comparisons
            .iter()
            .filter(|c| c.document_id == this.id)
            .collect();
        assert_eq!(
            some.comparisons.iter().collect::<Vec<_>>(),
            expected,
            "{}",
            this.id
        );
    }
}
