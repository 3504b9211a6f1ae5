//! One figure printed twice with different values.

use super::*;

fn twice(key: &str, a: (&str, &str), b: (&str, &str)) -> Vec<Finding> {
    Doc::new()
        .say(&format!("{}{}", a.0, a.1), &[(key, a.0, a.1)])
        .say(&format!("{}{}", b.0, b.1), &[(key, b.0, b.1)])
        .run()
}

#[test]
fn restatement_same_rounded_unit_scaled_and_wrong() {
    assert!(twice("fiscal.total", ("249.3", "万元"), ("249.30", "万元")).is_empty());
    assert!(twice("fiscal.total", ("4748.35", "万元"), ("47483458", "元")).is_empty());
    let rounded = twice("fiscal.total", ("326.71", "万元"), ("326.72", "万元"));
    assert_eq!(
        severity_of(&rounded, "restatement.fiscal.total"),
        Some(Severity::Info)
    );
    let wrong = twice("fiscal.total", ("0.3", "万元"), ("2961.68", "万元"));
    assert_eq!(
        severity_of(&wrong, "restatement.fiscal.total"),
        Some(Severity::Error)
    );
    assert_eq!(only(&wrong, "restatement")[0].values, ["0.3", "2961.68"]);
}

#[test]
fn restatement_compares_lines_not_different_labels() {
    let doc = Doc::new()
        .labelled(
            "general_budget.class",
            "226.26",
            "一般公共服务支出",
            Some("201"),
            "general_budget",
        )
        .labelled(
            "general_budget.class",
            "12.27",
            "社会保障和就业支出",
            Some("208"),
            "general_budget",
        )
        .say("社会保障和就业（类）支出12.28万元", &[])
        .labelled("procurement.sme", "246.47", "预留项目", None, "x")
        .labelled("procurement.sme", "4.79", "其他项目", None, "x");
    let mut doc = doc;
    let mut narrative = fact(
        "general_budget.class",
        "12.28",
        "万元",
        Some("社会保障和就业（类）"),
        "社会保障和就业（类）支出12.28万元",
        [0, 5],
        FactSource::Narrative,
        "x#1",
    );
    narrative.span = [200, 210];
    doc.facts.push(narrative);
    let findings = doc.run();
    let r = only(&findings, "restatement");
    assert_eq!(r.len(), 1, "{findings:#?}");
    assert_eq!(r[0].values, ["12.27", "12.28"]);
}
