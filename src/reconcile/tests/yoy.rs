//! Change rates and changes against this and the previous year.

use super::*;

fn yoy(amount: &str, change: &str, pct: &str) -> Doc {
    Doc::new().say(
        &format!("收支总计{amount}万元，与上年相比，变动{change}万元，变动{pct}%"),
        &[
            ("totals.income_expenditure", amount, "万元"),
            ("totals.income_expenditure.yoy_change", change, "万元"),
            ("totals.income_expenditure.yoy_pct", pct, "%"),
        ],
    )
}

#[test]
fn yoy_consistent_rounded_truncated_and_wrong() {
    assert!(yoy("249.30", "-98", "-28").run().is_empty());
    let rounded = yoy("283.1", "-64.5", "-18.5").run();
    assert_eq!(rounded.len(), 1, "{rounded:#?}");
    assert_eq!(rounded[0].severity, Severity::Info);
    let truncated = yoy("283.06", "-64.50", "-18").run();
    assert_eq!(severity_of(&truncated, "yoy."), Some(Severity::Warning));
    assert!(truncated[0].message_en.contains("truncate"));
    let wrong_sign = yoy("283.06", "-64.50", "18").run();
    assert_eq!(severity_of(&wrong_sign, "yoy."), Some(Severity::Error));
}

#[test]
fn yoy_rate_of_a_new_unit_is_undefined() {
    let findings = yoy("307.82", "307.82", "100.00").run();
    assert_eq!(
        severity_of(&findings, "yoy.undefined_rate"),
        Some(Severity::Warning)
    );
}

#[test]
fn yoy_change_against_prior_year() {
    let doc = |prior: &str| {
        Doc::new().say(
            &format!("机关运行经费71.30万元，上年为{prior}万元，增加21.4万元"),
            &[
                ("admin_operating_cost", "71.30", "万元"),
                ("admin_operating_cost.prior_year", prior, "万元"),
                ("admin_operating_cost.yoy_change", "21.4", "万元"),
            ],
        )
    };
    assert!(doc("49.90").run().is_empty());
    assert_eq!(
        severity_of(&doc("40.00").run(), "yoy."),
        Some(Severity::Error)
    );
}
