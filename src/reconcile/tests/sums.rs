//! Sums of parts and trees of lines against their totals; rules from the caller.

use super::*;

fn three_public(total: &str, overseas: &str, vehicle: &str, reception: &str) -> Doc {
    Doc::new().say(
        &format!("“三公”经费支出{total}万元，其中因公出国（境）费{overseas}万元，公务用车购置及运行维护费{vehicle}万元，公务接待费{reception}万元。"),
        &[
            ("three_public.total", total, "万元"),
            ("three_public.overseas", overseas, "万元"),
            ("three_public.vehicle", vehicle, "万元"),
            ("three_public.reception", reception, "万元"),
        ],
    )
}

#[test]
fn sum_consistent_is_silent() {
    assert!(three_public("6.84", "0", "6.84", "0").run().is_empty());
}

#[test]
fn sum_exactly_rounded_is_info_only() {
    let findings = three_public("10.00", "3.33", "3.33", "3.33").run();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Info);
    assert_eq!(findings[0].values, ["3.33", "3.33", "3.33", "10.00"]);
    assert_eq!(findings[0].expected.as_deref(), Some("9.99"));
    assert_eq!(findings[0].difference.as_deref(), Some("0.01"));
}

#[test]
fn sum_real_error() {
    let findings = three_public("10.00", "1.00", "2.00", "3.00").run();
    assert_eq!(
        severity_of(&findings, "sum.three_public.total"),
        Some(Severity::Error)
    );
    let small = three_public("100.00", "1.00", "98.50", "0").run();
    assert_eq!(
        severity_of(&small, "sum.three_public.total"),
        Some(Severity::Warning)
    );
}

#[test]
fn sum_missing_term_is_not_zero() {
    let partial = Doc::new().say(
        "“三公”经费支出6.84万元，公务用车购置及运行维护费5.00万元。",
        &[
            ("three_public.total", "6.84", "万元"),
            ("three_public.vehicle", "5.00", "万元"),
        ],
    );
    assert!(
        partial.run().is_empty(),
        "parts below the total with a term missing are not checkable"
    );
    let excess = Doc::new().say(
        "“三公”经费支出6.84万元，公务用车购置及运行维护费7.00万元。",
        &[
            ("three_public.total", "6.84", "万元"),
            ("three_public.vehicle", "7.00", "万元"),
        ],
    );
    assert_eq!(
        severity_of(&excess.run(), "sum.three_public.total"),
        Some(Severity::Error)
    );
}

#[test]
fn sum_over_labelled_lines_and_code_tree() {
    let doc = Doc::new()
        .labelled(
            "general_budget.economic",
            "171.07",
            "商品和服务支出",
            Some("302"),
            "basic_economic",
        )
        .labelled(
            "general_budget.economic",
            "100.00",
            "办公费",
            Some("30201"),
            "basic_economic",
        )
        .labelled(
            "general_budget.economic",
            "71.08",
            "印刷费",
            Some("30202"),
            "basic_economic",
        )
        .labelled(
            "general_budget.economic",
            "50.00",
            "工资福利支出",
            Some("301"),
            "basic_economic",
        )
        .labelled(
            "general_budget.economic",
            "40.00",
            "基本工资",
            Some("30101"),
            "basic_economic",
        );
    let findings = doc.run();
    let tree = only(&findings, "sum.tree.general_budget.economic");
    assert_eq!(tree.len(), 2, "{findings:#?}");
    let info = tree
        .iter()
        .find(|f| f.values.contains(&"171.07".to_string()))
        .unwrap();
    assert_eq!(
        info.severity,
        Severity::Info,
        "171.08 vs 171.07 over three figures is rounding"
    );
    let error = tree
        .iter()
        .find(|f| f.values.contains(&"50.00".to_string()))
        .unwrap();
    assert_eq!(error.severity, Severity::Error);
}

#[test]
fn sum_mixed_units_fit_at_the_coarser_precision() {
    let doc = Doc::new()
        .say(
            "支出总计47483458元",
            &[("totals.income_expenditure", "47483458", "元")],
        )
        .say(
            "本年支出合计4748.35万元",
            &[("expenditure.total", "4748.35", "万元")],
        );
    assert!(doc.run().is_empty(), "{:#?}", doc.run());
}

#[test]
fn sum_messages_show_units_when_parts_and_total_differ() {
    let doc = Doc::new()
        .say(
            "“三公”经费支出100000元",
            &[("three_public.total", "100000", "元")],
        )
        .say(
            "因公出国（境）费1.00万元，公务用车购置及运行维护费2.00万元，公务接待费3.00万元。",
            &[
                ("three_public.overseas", "1.00", "万元"),
                ("three_public.vehicle", "2.00", "万元"),
                ("three_public.reception", "3.00", "万元"),
            ],
        );
    let findings = doc.run();
    let hits = only(&findings, "sum.three_public.total");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    let message = &hits[0].message;
    assert!(
        message.contains("1.00万元 + 2.00万元 + 3.00万元 = 6万元")
            && message.contains("100000元（10万元）")
            && message.contains("相差 4万元"),
        "{message}"
    );
}

#[test]
fn two_sides_that_must_balance_read_as_a_comparison() {
    let mut doc = Doc::new().say(
        "收、支总计各为4125.49、4143.91万元",
        &[
            ("totals.income_expenditure", "4125.49", "万元"),
            ("totals.income_expenditure", "4143.91", "万元"),
        ],
    );
    doc.facts[0].label = Some("收入总计".into());
    doc.facts[1].label = Some("支出总计".into());
    let findings = doc.run();
    let hits = only(&findings, "sum.totals.income_expenditure.sides");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    let message = &hits[0].message;
    assert!(
        message.contains(
            "4143.91 与 totals.income_expenditure[收入总计] 4125.49万元 不一致（相差 18.42）"
        ),
        "{message}"
    );
    assert!(!message.contains("分项"), "{message}");
}

#[test]
fn narrative_lines_may_be_incomplete() {
    let doc = Doc::new()
        .say(
            "一般公共预算财政拨款支出249.30万元，主要用于以下方面",
            &[("general_budget.expenditure", "249.30", "万元")],
        )
        .say(
            "一般公共服务（类）支出226.26万元",
            &[("general_budget.class", "226.26", "万元")],
        );
    let mut doc = doc;
    doc.facts[1].label = Some("一般公共服务".into());
    assert!(doc.run().is_empty(), "{:#?}", doc.run());
    doc.facts[1].value = "260.00".into();
    doc.facts[1].value_wan = Some("260.00".parse().unwrap());
    assert_eq!(
        severity_of(&doc.run(), "sum.general_budget.expenditure.classes"),
        Some(Severity::Error)
    );
}

#[test]
fn caller_rules_replace_the_builtin_ones() {
    let custom = r#"
[tolerance]
warning_relative = "0.01"
warning_points = "1"

[[sum]]
id = "vehicle_only"
expr = "three_public.total = three_public.vehicle"
why = "this publisher's 三公 is vehicles only"

[restatement]
label_only = []
skip = []

[structure]
placeholders = []
unfilled_min_placeholders = 10
above_budget = []
below_budget = []
equal_budget = []
roughly_equal_ratio = "0.05"
comparison_words = []
"#;
    let rules = RuleSet::from_toml(custom, "custom.toml").unwrap();
    let doc = three_public("6.84", "1.00", "5.84", "0");
    let info = DocumentInfo::default();
    let tree = SectionTree::default();
    let input = ReconcileInput {
        facts: &doc.facts,
        text: &doc.text,
        sections: &tree,
        info: &info,
    };
    let findings = reconcile(&input, &rules);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, "sum.vehicle_only");
    assert!(doc.run().is_empty(), "the built-in identity holds");
    let err = RuleSet::from_toml(
        &custom.replace("three_public.vehicle\"", "Three\""),
        "custom.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("custom.toml:8:"), "{err}");
}

/// A sum that holds is silent but counted as checked; one whose parts are
/// not printed is not counted.
#[test]
fn checked_sums_are_counted() {
    let doc = three_public("6.84", "0", "6.84", "0");
    let input = ReconcileInput {
        facts: &doc.facts,
        text: &doc.text,
        sections: &crate::sections::SectionTree::default(),
        info: &crate::report::DocumentInfo::default(),
    };
    let (findings, checked) = reconcile_counted(&input, &RuleSet::builtin());
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(checked.get("sum").is_some_and(|&n| n >= 1), "{checked:?}");
    let lone = Doc::new().say(
        "“三公”经费支出6.84万元。",
        &[("three_public.total", "6.84", "万元")],
    );
    let input = ReconcileInput {
        facts: &lone.facts,
        text: &lone.text,
        sections: &crate::sections::SectionTree::default(),
        info: &crate::report::DocumentInfo::default(),
    };
    let (_, checked) = reconcile_counted(&input, &RuleSet::builtin());
    assert_eq!(checked.get("sum"), None, "{checked:?}");
}

/// A total printed for one unit (`分单位看：局本级20.40万元…`) adds up that
/// unit's parts only: the department's unlabelled parts are not its parts.
#[test]
fn a_units_total_is_not_summed_from_the_departments_parts() {
    let mut doc = three_public("96.80", "0", "78.60", "18.20");
    let text = "分单位看：局本级20.40万元。";
    let start = doc.text.chars().count();
    doc.text.push_str(text);
    doc.facts.push(fact(
        "three_public.total",
        "20.40",
        "万元",
        Some("局本级"),
        text,
        [start, start + text.chars().count()],
        FactSource::Narrative,
        "unit_list",
    ));
    assert!(only(&doc.run(), "sum.three_public.total").is_empty());
}
