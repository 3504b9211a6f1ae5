//! Printed shares against part / whole, and the shares of a breakdown against 100.

use super::*;

fn project_share(project: &str, total: &str, pct: &str) -> Doc {
    Doc::new()
        .say(
            &format!("本年支出合计{total}万元"),
            &[("expenditure.total", total, "万元")],
        )
        .say(
            &format!("项目支出{project}万元，占{pct}%"),
            &[
                ("expenditure.project", project, "万元"),
                ("expenditure.project.share_pct", pct, "%"),
            ],
        )
}

#[test]
fn share_consistent_rounded_truncated_and_wrong() {
    assert!(project_share("75.44", "283.06", "27").run().is_empty());
    let rounded = project_share("75.4", "283.06", "26.65").run();
    assert_eq!(rounded.len(), 1, "{rounded:#?}");
    assert_eq!(rounded[0].severity, Severity::Info);
    let truncated = project_share("75.44", "283.06", "26").run();
    assert_eq!(severity_of(&truncated, "share."), Some(Severity::Warning));
    assert!(
        truncated[0].message_en.contains("truncate"),
        "{}",
        truncated[0].message_en
    );
    assert_eq!(truncated[0].values, ["26", "75.44", "283.06"]);
    assert_eq!(truncated[0].expected.as_deref(), Some("26.65"));
    let wrong = project_share("75.44", "283.06", "50").run();
    assert_eq!(severity_of(&wrong, "share."), Some(Severity::Error));
}

#[test]
fn shares_of_a_breakdown_add_up_to_100() {
    let doc = |basic_pct: &str, project_pct: &str| {
        Doc::new()
            .say(
                "本年支出合计283.06万元",
                &[("expenditure.total", "283.06", "万元")],
            )
            .say(
                &format!("基本支出207.62万元，占{basic_pct}%；项目支出75.44万元，占{project_pct}%"),
                &[
                    ("expenditure.basic", "207.62", "万元"),
                    ("expenditure.basic.share_pct", basic_pct, "%"),
                    ("expenditure.project", "75.44", "万元"),
                    ("expenditure.project.share_pct", project_pct, "%"),
                ],
            )
    };
    assert!(only(&doc("73", "27").run(), "share.sum").is_empty());
    // other parts of 本年支出合计 are not stated: below 100 is not checkable, above is wrong
    assert!(only(&doc("73", "26").run(), "share.sum").is_empty());
    assert_eq!(
        severity_of(&doc("73.35", "26.75").run(), "share.sum"),
        Some(Severity::Warning)
    );
    // a complete breakdown: 0 + 50 + 49 is within the rounding of three integer shares
    let three = Doc::new().say(
        "“三公”经费6.84万元，因公出国（境）费0万元，占0%，公务用车3.42万元，占50%，公务接待费3.42万元，占49%",
        &[
            ("three_public.total", "6.84", "万元"),
            ("three_public.overseas", "0", "万元"),
            ("three_public.overseas.share_pct", "0", "%"),
            ("three_public.vehicle", "3.42", "万元"),
            ("three_public.vehicle.share_pct", "50", "%"),
            ("three_public.reception", "3.42", "万元"),
            ("three_public.reception.share_pct", "49", "%"),
        ],
    );
    assert_eq!(severity_of(&three.run(), "share.sum"), Some(Severity::Info));
}

/// The base of a share printed for one named line (a scope) is that line's
/// total or an unnamed one, never another line's (a unit's total).
#[test]
fn a_share_of_a_scope_is_not_taken_of_another_units_total() {
    let mut doc = Doc::new();
    let mut push = |key: &str, value: &str, unit: &str, label: &str| {
        let text = format!("{label}{key}{value}{unit}。");
        let start = doc.text.chars().count();
        doc.text.push_str(&text);
        doc.facts.push(fact(
            key,
            value,
            unit,
            Some(label),
            &text,
            [start, start + text.chars().count()],
            FactSource::Narrative,
            "test",
        ));
    };
    push("three_public.total", "2748.63", "万元", "市本级");
    // The unit's total printed nearer the part than the scope's.
    push("three_public.total", "612.30", "万元", "市公安局");
    push("three_public.reception", "809.88", "万元", "市本级");
    push("three_public.reception.share_pct", "29.46", "%", "市本级");
    assert!(only(&doc.run(), "share.three_public.reception").is_empty());
}
