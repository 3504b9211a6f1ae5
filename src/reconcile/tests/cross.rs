//! Two keys the template makes equal.

use super::*;

#[test]
fn cross_public_vs_admin_cost() {
    let doc = |admin: &str| {
        Doc::new()
            .say(
                "日常公用经费71.29万元",
                &[("general_budget.public", "71.29", "万元")],
            )
            .say(
                &format!("机关运行经费支出{admin}万元"),
                &[("admin_operating_cost", admin, "万元")],
            )
    };
    assert!(doc("71.29").run().is_empty());
    assert_eq!(
        severity_of(&doc("71.30").run(), "cross."),
        Some(Severity::Info)
    );
    // capped: public institutions may legitimately differ
    assert_eq!(
        severity_of(&doc("90.00").run(), "cross."),
        Some(Severity::Warning)
    );
}
