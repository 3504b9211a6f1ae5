//! One consistent case, one exactly-rounded case (info only), a truncation case and a real
//! error per rule family, on small hand-built documents.

use super::*;
use crate::report::{Fact, FactSource};
use crate::sections::{Section, TocEntry};

struct Doc {
    text: String,
    facts: Vec<Fact>,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            text: String::new(),
            facts: Vec::new(),
        }
    }

    /// Appends `sentence` to the text; each `(key, value, unit)` becomes a fact quoting it.
    fn say(mut self, sentence: &str, figures: &[(&str, &str, &str)]) -> Doc {
        let start = self.text.chars().count();
        self.text.push_str(sentence);
        self.text.push('\n');
        // spans cover the printed number, as the extractor's do
        let mut from = 0;
        for (key, value, unit) in figures {
            let at = sentence[from..].find(value).map(|i| from + i).unwrap_or(0);
            from = at;
            let s = start + sentence[..at].chars().count();
            let span = [s, s + value.chars().count()];
            self.facts.push(fact(
                key,
                value,
                unit,
                None,
                sentence,
                span,
                FactSource::Narrative,
                key,
            ));
        }
        self
    }

    fn labelled(
        mut self,
        key: &str,
        value: &str,
        label: &str,
        code: Option<&str>,
        table: &str,
    ) -> Doc {
        let start = self.text.chars().count();
        let line = format!("{} {label} {value}", code.unwrap_or(""));
        self.text.push_str(&line);
        self.text.push('\n');
        let mut f = fact(
            key,
            value,
            "万元",
            Some(label),
            &line,
            [start, start + line.chars().count()],
            FactSource::Table,
            &format!("table:{table}:{key}"),
        );
        f.code = code.map(str::to_string);
        self.facts.push(f);
        self
    }

    fn run(&self) -> Vec<Finding> {
        self.run_with(&SectionTree::default(), Some(2020))
    }

    fn run_with(&self, tree: &SectionTree, year: Option<i32>) -> Vec<Finding> {
        let info = DocumentInfo {
            fiscal_year: year,
            kind: Some("final".into()),
            ..Default::default()
        };
        reconcile(
            &ReconcileInput {
                facts: &self.facts,
                text: &self.text,
                sections: tree,
                info: &info,
            },
            &RuleSet::builtin(),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn fact(
    key: &str,
    value: &str,
    unit: &str,
    label: Option<&str>,
    text: &str,
    span: [usize; 2],
    source: FactSource,
    pattern: &str,
) -> Fact {
    let v: Decimal = value.parse().unwrap();
    let value_wan = match unit {
        "万元" => Some(v),
        "元" => Some(v / Decimal::from(10_000)),
        _ => None,
    };
    Fact {
        key: key.into(),
        value: value.into(),
        unit: Some(unit.into()),
        value_wan,
        label: label.map(str::to_string),
        code: None,
        page: None,
        section: Some("s".into()),
        text: text.into(),
        span,
        source,
        pattern: pattern.into(),
    }
}

fn only<'f>(findings: &'f [Finding], rule_prefix: &str) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.rule.starts_with(rule_prefix))
        .collect()
}

fn severity_of(findings: &[Finding], rule_prefix: &str) -> Option<Severity> {
    let hits = only(findings, rule_prefix);
    assert!(hits.len() <= 1, "{hits:#?}");
    hits.first().map(|f| f.severity)
}

// ------------------------------------------------------------------------------ sum

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

// ---------------------------------------------------------------------------- share

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

// ------------------------------------------------------------------------------ yoy

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

// ----------------------------------------------------------------------- completion

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

// ---------------------------------------------------------------------- restatement

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

// ---------------------------------------------------------------------------- cross

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

// ------------------------------------------------------------------------ structure

fn section(tree: &mut SectionTree, text: &str, title: &str, kind: &str, level: u8) {
    let start = text.find(title).unwrap();
    tree.sections.push(Section {
        parent: None,
        level,
        number: None,
        title: title.into(),
        kind: kind.into(),
        heading: start..start + title.len(),
        body: start..text.len(),
    });
}

#[test]
fn structure_placeholders_and_unfilled_template() {
    let few = Doc::new().say(
        "本年收入合计100.00万元，比上年增加（减少）5.00万元。",
        &[("income.total", "100.00", "万元")],
    );
    let findings = few.run();
    assert_eq!(
        only(&findings, "structure.placeholder").len(),
        1,
        "{findings:#?}"
    );
    assert!(only(&findings, "structure.unfilled_template").is_empty());

    let blank = "上海市XX局2024年度部门决算\n".to_string()
        + &"XX局本年收入XXX万元，比上年增加（减少）XX万元，增长（下降）XX%。\n".repeat(5);
    let doc = Doc {
        text: blank,
        facts: vec![],
    };
    let findings = doc.run_with(&SectionTree::default(), Some(2024));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, "structure.unfilled_template");
    assert_eq!(findings[0].severity, Severity::Info);
    // Latin words holding an X (OCR debris) are not placeholders
    let debris = Doc::new().say("[image: image2.png]BE3: XHRELHE", &[]);
    assert!(debris.run().is_empty());
}

#[test]
fn structure_year_in_headings_and_cover() {
    let text = "2020年度某单位部门决算\n一、2019年度收入支出决算总体情况说明\n与2019年相比，收支总计减少。\n";
    let mut tree = SectionTree::default();
    section(
        &mut tree,
        text,
        "一、2019年度收入支出决算总体情况说明",
        "income_expenditure",
        2,
    );
    let doc = Doc {
        text: text.into(),
        facts: vec![],
    };
    let findings = doc.run_with(&tree, Some(2020));
    let years = only(&findings, "structure.year_mismatch");
    assert_eq!(years.len(), 1, "{findings:#?}");
    assert_eq!(years[0].values, ["2019", "2020"]);
    assert!(doc
        .run_with(&tree, Some(2019))
        .iter()
        .all(|f| f.rule != "structure.year_mismatch.heading"));
    let cover = Doc {
        text: "2019年度某单位部门决算\n公开时间：2021年9月15日\n".into(),
        facts: vec![],
    };
    assert_eq!(
        only(
            &cover.run_with(&SectionTree::default(), Some(2020)),
            "structure.year_mismatch.cover"
        )
        .len(),
        1
    );
}

#[test]
fn structure_toc_against_body() {
    let text = "目录\n第二部分 决算情况说明\n一、收入决算情况说明 3\n二、“三公”经费情况说明 5\n附件 9\n\
                第二部分 决算情况说明\n一、收入决算情况说明\n本年收入。\n二、支出决算情况说明\n本年支出。\n\
                附件\n一、部门整体绩效\n";
    let toc_entry = |title: &str, level: u8| {
        let at = text.find(title).unwrap();
        TocEntry {
            level,
            title: title.into(),
            kind: "other".into(),
            page: None,
            span: at..at + title.len(),
        }
    };
    let toc = vec![
        toc_entry("第二部分 决算情况说明", 1),
        toc_entry("一、收入决算情况说明 3", 2),
        toc_entry("二、“三公”经费情况说明 5", 2),
        toc_entry("附件 9", 1),
    ];
    let mut tree = SectionTree {
        sections: vec![],
        toc,
    };
    let body = |tree: &mut SectionTree, title: &str, level: u8, parent: Option<usize>| {
        let at = text.rfind(title).unwrap();
        tree.sections.push(Section {
            parent,
            level,
            number: None,
            title: title.into(),
            kind: "other".into(),
            heading: at..at + title.len(),
            body: at..text.len(),
        });
    };
    body(&mut tree, "决算情况说明", 1, None);
    body(&mut tree, "收入决算情况说明", 2, Some(0));
    body(&mut tree, "支出决算情况说明", 2, Some(0));
    body(&mut tree, "附件", 1, None);
    body(&mut tree, "部门整体绩效", 2, Some(3));
    let doc = Doc {
        text: text.into(),
        facts: vec![],
    };
    let findings = doc.run_with(&tree, None);
    let missing = only(&findings, "structure.toc_missing_in_body");
    assert_eq!(missing.len(), 1, "{findings:#?}");
    assert!(missing[0].message.contains("三公"));
    assert_eq!(missing[0].severity, Severity::Warning);
    // 支出 is missing from a TOC that lists its siblings; 部门整体绩效 sits under a TOC line
    // that lists no children, which is no inconsistency
    let unlisted = only(&findings, "structure.body_missing_in_toc");
    assert_eq!(unlisted.len(), 1, "{findings:#?}");
    assert_eq!(unlisted[0].actual.as_deref(), Some("支出决算情况说明"));
}

#[test]
fn structure_budget_direction_sentence() {
    let doc = |budget: &str, amount: &str, phrase: &str| {
        Doc::new().say(
            &format!("行政运行（项）年初预算为{budget}万元，支出决算为{amount}万元。{phrase}的主要原因：人员变化。"),
            &[("general_budget.item.budget", budget, "万元"), ("general_budget.item", amount, "万元")],
        )
    };
    assert!(doc("1560.05", "1511.89", "决算数小于预算数")
        .run()
        .is_empty());
    assert!(doc("10.00", "10.00", "决算数与预算数基本持平")
        .run()
        .is_empty());
    let wrong = doc("1500.00", "1511.89", "决算数小于预算数").run();
    assert_eq!(
        severity_of(&wrong, "structure.budget_direction"),
        Some(Severity::Warning)
    );
    let very_wrong = doc("100.00", "1511.89", "决算数小于预算数").run();
    assert_eq!(
        severity_of(&very_wrong, "structure.budget_direction"),
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
