//! Completion rates against amount / budget, and a total's rate against its parts'.

use super::*;

fn completion(amount: &str, budget: &str, pct: &str) -> Doc {
    Doc::new().say(
        &format!("一般公共预算财政拨款支出年初预算为{budget}万元，支出决算为{amount}万元，完成年初预算的{pct}%"),
        &[
            ("general_budget.expenditure.budget", budget, "万元"),
            ("general_budget.expenditure", amount, "万元"),
            ("general_budget.expenditure.completion_pct", pct, "%"),
        ],
    )
}

#[test]
fn completion_consistent_rounded_truncated_and_wrong() {
    assert!(completion("2940.05", "2993.92", "98.20").run().is_empty());
    let rounded = completion("2940.1", "2993.9", "98.21").run();
    assert_eq!(rounded.len(), 1, "{rounded:#?}");
    assert_eq!(rounded[0].severity, Severity::Info);
    let truncated = completion("6.84", "7.00", "97").run();
    assert_eq!(
        severity_of(&truncated, "completion."),
        Some(Severity::Warning)
    );
    assert!(truncated[0].message_en.contains("truncate"));
    let wrong = completion("6.84", "6.84", "13").run();
    assert_eq!(severity_of(&wrong, "completion."), Some(Severity::Error));
}

#[test]
fn completion_of_total_against_parts() {
    let doc = Doc::new()
        .say(
            "“三公”经费支出决算为6.84万元，完成预算13%",
            &[
                ("three_public.total", "6.84", "万元"),
                ("three_public.total.completion_pct", "13", "%"),
            ],
        )
        .say(
            "因公出国（境）费支出决算0万元",
            &[("three_public.overseas", "0", "万元")],
        )
        .say(
            "公务用车购置及运行维护费支出6.84万元,完成预算100%",
            &[
                ("three_public.vehicle", "6.84", "万元"),
                ("three_public.vehicle.completion_pct", "100", "%"),
            ],
        )
        .say(
            "公务接待费支出决算0万元",
            &[("three_public.reception", "0", "万元")],
        );
    let findings = doc.run();
    let parts = only(&findings, "completion.parts.three_public.total");
    assert_eq!(parts.len(), 1, "{findings:#?}");
    assert_eq!(parts[0].severity, Severity::Warning);
    for v in ["13", "100", "6.84"] {
        assert!(
            parts[0].values.contains(&v.to_string()),
            "{:?}",
            parts[0].values
        );
    }
    // a total above every part's rate is impossible
    let impossible = Doc::new()
        .say(
            "“三公”经费支出决算为6.84万元，完成预算100%",
            &[
                ("three_public.total", "6.84", "万元"),
                ("three_public.total.completion_pct", "100", "%"),
            ],
        )
        .say(
            "公务用车购置及运行维护费支出6.84万元,完成预算50%",
            &[
                ("three_public.vehicle", "6.84", "万元"),
                ("three_public.vehicle.completion_pct", "50", "%"),
            ],
        )
        .say(
            "因公出国（境）费支出决算0万元",
            &[("three_public.overseas", "0", "万元")],
        )
        .say(
            "公务接待费支出决算0万元",
            &[("three_public.reception", "0", "万元")],
        );
    assert_eq!(
        severity_of(&impossible.run(), "completion.parts"),
        Some(Severity::Error)
    );
}
