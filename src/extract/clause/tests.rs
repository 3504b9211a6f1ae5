//! Made-up sentences, one per general form the clause reader covers
//! (the form's number in `../shared/spec/WORDING.md` where it has one).

use crate::report::Fact;

fn facts(text: &str) -> Vec<Fact> {
    crate::pipeline::process(text.as_bytes(), "clauses.txt").facts
}

/// (key, value, unit) of the facts of `key`s starting with `prefix`.
fn keyed(facts: &[Fact], prefix: &str) -> Vec<(String, String, String)> {
    facts
        .iter()
        .filter(|f| f.key.starts_with(prefix))
        .map(|f| (f.key.clone(), f.value.clone(), f.unit.clone().unwrap_or_default()))
        .collect()
}

fn has(facts: &[Fact], key: &str, value: &str) -> bool {
    facts.iter().any(|f| f.key == key && f.value == value)
}

const BUDGET: &str = "某某县农业农村局2023年度部门预算\n\n一、收支预算总体情况说明\n";
const FINAL: &str = "某某市档案馆2022年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";

/// §6.3 A comparison after `。` belongs to the subject of the sentence before.
#[test]
fn a_comparison_sentence_continues_the_subject_before() {
    let f = facts(&format!(
        "{BUDGET}基本支出预算数为2000万元，主要用于人员工资。与上年相比增加300万元，增长17.65%。\n"
    ));
    assert!(has(&f, "expenditure.basic", "2000"), "{f:#?}");
    assert!(has(&f, "expenditure.basic.yoy_change", "300"), "{f:#?}");
    assert!(has(&f, "expenditure.basic.yoy_pct", "17.65"), "{f:#?}");
}

/// §6.8 Amounts in the reasons: each part's change goes to the part named before it.
#[test]
fn changes_named_in_a_reason_go_to_their_parts() {
    let f = facts(&format!(
        "{BUDGET}收支预算总计3000万元，与上年相比增加200万元。主要原因是基本支出增加人员工资、公积金等300万元、项目经费支出安排减少100万元。\n"
    ));
    assert!(has(&f, "expenditure.basic.yoy_change", "300"), "{f:#?}");
    assert!(has(&f, "expenditure.project.yoy_change", "-100"), "{f:#?}");
}

/// §9.1 A count beside an amount term is a count, never an amount.
#[test]
fn counts_never_fill_amount_keys() {
    let f = facts(&format!(
        "{FINAL}公务用车购置费2万元，购置公务用车1辆；公务用车购置6辆。\n"
    ));
    for fact in &f {
        if fact.key.starts_with("three_public.") && !fact.key.ends_with(".count") {
            assert_ne!(fact.unit.as_deref(), Some("辆"), "{fact:?}");
        }
    }
    assert!(has(&f, "three_public.vehicle_purchase", "2"), "{f:#?}");
    assert!(!has(&f, "three_public.vehicle_purchase", "6"), "{f:#?}");
}

/// §1.1 Counts after the overseas term: 团组 N 个, N 人次.
#[test]
fn overseas_groups_and_persons() {
    let f = facts(&format!(
        "{FINAL}因公出国（境）费支出5.2万元，团组2个，累计5人次。\n"
    ));
    assert!(has(&f, "three_public.overseas", "5.2"), "{f:#?}");
    assert!(has(&f, "three_public.overseas.groups", "2"), "{f:#?}");
    assert!(has(&f, "three_public.overseas.persons", "5"), "{f:#?}");
}

/// §2.3 The budget inside the completion rate, after the yoy change.
#[test]
fn budget_and_completion_after_a_change() {
    let f = facts(&format!(
        "{FINAL}公务接待费支出38万元，比上年减支4万元，为年初预算数45万元的84.44%。\n"
    ));
    assert!(has(&f, "three_public.reception", "38"), "{f:#?}");
    assert!(has(&f, "three_public.reception.yoy_change", "-4"), "{f:#?}");
    assert!(has(&f, "three_public.reception.budget", "45"), "{f:#?}");
    assert!(has(&f, "three_public.reception.completion_pct", "84.44"), "{f:#?}");
}

/// §2.5 In a final account, a change against the own year's budget is no yoy change.
#[test]
fn a_change_against_the_budget_is_not_year_on_year() {
    let f = facts(&format!(
        "{FINAL}因公出国（境）费支出决算3万元，比年初预算减少1万元，下降25%。\n"
    ));
    assert!(has(&f, "three_public.overseas", "3"), "{f:#?}");
    assert!(
        keyed(&f, "three_public.overseas.yoy").is_empty(),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.three_public.overseas.vs_budget_change", "-1"),
        "{f:#?}"
    );
    assert!(has(&f, "x.three_public.overseas.vs_budget_pct", "-25"), "{f:#?}");
}

/// §5.1 元 amounts keep their printed value and unit; value_wan is computed.
#[test]
fn yuan_amounts_keep_value_and_unit() {
    let f = facts(&format!(
        "{FINAL}公务接待费支出决算为12480.50元，因公出国（境）费支出0万元。\n"
    ));
    let reception = f
        .iter()
        .find(|f| f.key == "three_public.reception")
        .expect("reception");
    assert_eq!(reception.value, "12480.50");
    assert_eq!(reception.unit.as_deref(), Some("元"));
    assert_eq!(reception.value_wan.map(|d| d.to_string()).as_deref(), Some("1.24805000"));
}

/// A policy percentage in a reason has no subject: no fact (§9.13).
#[test]
fn policy_percentages_in_reasons_are_no_facts() {
    let f = facts(&format!(
        "{BUDGET}项目支出预算数为1000万元。主要原因是根据通知要求运转类项目预算较上年压减10%。\n"
    ));
    assert!(has(&f, "expenditure.project", "1000"), "{f:#?}");
    assert!(!f.iter().any(|f| f.value == "-10"), "{f:#?}");
}
