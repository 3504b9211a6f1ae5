//! Clause-reader tests of the forms of other provinces' reports: whole-region
//! notices, two budgets in a final account, lists by unit, coded lines
//! without tables, project self-evaluations (made-up examples).

use super::tests::{facts, has, has_labelled, FINAL, WATER};

/// §6.4 A list item opening with the year before the report's states last
/// year's figures, with no block of this year before it.
#[test]
fn an_item_opening_with_last_year_states_prior_year_figures() {
    let f = facts(&format!(
        "{FINAL}“三公”经费支出300.00万元。\n五、其他说明\n1.本年度无政府性基金安排的“三公”经费。\n2.2021年“三公”经费决算合计为320.50万元，其中：公务接待费120.50万元。\n"
    ));
    assert!(has(&f, "three_public.total", "300.00"), "{f:#?}");
    assert!(has(&f, "three_public.total.prior_year", "320.50"), "{f:#?}");
    assert!(
        has(&f, "three_public.reception.prior_year", "120.50"),
        "{f:#?}"
    );
    assert!(!has(&f, "three_public.total", "320.50"), "{f:#?}");
}

/// §9 Next year's budget closing a final account, under its own heading
/// and in a sentence opening with that year: none of it is the report's.
#[test]
fn next_years_budget_in_a_final_account_gives_no_figure() {
    let f = facts(&format!(
        "{FINAL}“三公”经费支出300.00万元。\n八、2023年“三公”经费预算安排\n2023年“三公”经费财政拨款预算安排280.00万元，比上年预算减少20.00万元。其中：公务接待费90.00万元。\n九、其他说明\n公务接待费支出100.00万元。\n"
    ));
    assert!(has(&f, "three_public.total", "300.00"), "{f:#?}");
    assert!(has(&f, "three_public.reception", "100.00"), "{f:#?}");
    for value in ["280.00", "20.00", "90.00"] {
        assert!(!f.iter().any(|x| x.value == value), "{value}: {f:#?}");
    }
}

/// §6 Two names joined by 和 before one figure: the figure is the two
/// together, under neither name's key (here the performance paragraph's
/// own phrase names the two together: the funds under target management).
#[test]
fn a_figure_after_two_joined_names_is_neither_ones() {
    let f = facts(&format!(
        "{FINAL}一般公共预算拨款收入800.00万元。实行绩效目标管理的项目12个，涉及一般公共预算拨款和政府性基金预算拨款650.00万元。\n"
    ));
    assert!(has(&f, "income.general_budget", "800.00"), "{f:#?}");
    assert!(
        !f.iter()
            .any(|x| x.value == "650.00" && x.key != "x.performance.target_managed_funds"),
        "{f:#?}"
    );
}

/// §3 A budget's 一般公共预算当年拨款 (no 支出) is its general-budget
/// spending, compared with last year's budget.
#[test]
fn this_years_general_budget_appropriation_is_its_spending() {
    let f = facts(
        "某某县教育局2023年部门预算\n\n四、一般公共预算当年拨款情况\n2023年一般公共预算当年拨款500.00万元，比2022年预算480.00万元增加20.00万元，增长4.17%。\n",
    );
    assert!(has(&f, "general_budget.expenditure", "500.00"), "{f:#?}");
    assert!(
        has(&f, "general_budget.expenditure.prior_year", "480.00"),
        "{f:#?}"
    );
    assert!(
        has(&f, "general_budget.expenditure.yoy_change", "20.00"),
        "{f:#?}"
    );
    assert!(
        has(&f, "general_budget.expenditure.yoy_pct", "4.17"),
        "{f:#?}"
    );
}

/// §1.4 The foreign part in a bracket after the domestic counts, its
/// parts in any order: counts before it are `.domestic`, in it `.foreign`.
#[test]
fn a_foreign_bracket_splits_the_reception_counts() {
    let f = facts(&format!(
        "{FINAL}公务接待费50.00万元。全年国内公务接待120批次，接待900人次（其中：外事接待3批次，25人次），主要用于上级检查指导。\n"
    ));
    assert!(
        has(&f, "three_public.reception.batches.domestic", "120"),
        "{f:#?}"
    );
    assert!(
        has(&f, "three_public.reception.persons.domestic", "900"),
        "{f:#?}"
    );
    assert!(
        has(&f, "three_public.reception.batches.foreign", "3"),
        "{f:#?}"
    );
    assert!(
        has(&f, "three_public.reception.persons.foreign", "25"),
        "{f:#?}"
    );
    let plain = |k: &str| f.iter().any(|x| x.key == k);
    assert!(!plain("three_public.reception.batches"), "{f:#?}");
    assert!(!plain("three_public.reception.persons"), "{f:#?}");
}

/// §6.3 A sentence opening with a comparison after a sentence that lists
/// parts (`其中：…`) continues the whole, not the last part listed.
#[test]
fn a_comparison_after_a_list_of_parts_continues_the_whole() {
    let f = facts(&format!(
        "{FINAL}“三公”经费支出合计300.00万元，其中：因公出国（境）费10.00万元，公务接待费90.00万元。比上年减少20.00万元，下降6.25%。\n"
    ));
    assert!(has(&f, "three_public.total.yoy_change", "-20.00"), "{f:#?}");
    assert!(has(&f, "three_public.total.yoy_pct", "-6.25"), "{f:#?}");
    assert!(
        !f.iter()
            .any(|x| x.key == "three_public.reception.yoy_change"),
        "{f:#?}"
    );
}

/// §1.6 Purchases per unit in 辆 under a heading naming one of the three
/// parts: each unit's count is labelled with the unit, and `本年购置2辆` with none.
#[test]
fn purchases_per_named_unit_under_a_part_heading() {
    let f = facts(
        "某某市2023年度“三公”经费决算情况说明\n\n（二）公务用车购置及运行维护费\n全年购置公务用车5辆，其中：市公安局购置3辆；市应急管理局购置2辆。\n",
    );
    let counts: Vec<(Option<&str>, &str)> = f
        .iter()
        .filter(|x| x.key == "three_public.vehicle_purchase.count")
        .map(|x| (x.label.as_deref(), x.value.as_str()))
        .collect();
    assert!(counts.contains(&(Some("市公安局"), "3")), "{counts:?}");
    assert!(counts.contains(&(Some("市应急管理局"), "2")), "{counts:?}");
    assert!(counts.iter().any(|&(_, v)| v == "5"), "{counts:?}");
}

/// §2 A final account printing two budgets: `年初预算数A，调整预算数B，决算数C，
/// 完成年初预算的P%，完成调整预算的Q%` — the adjusted budget and its completion
/// are `x.` keys and do not unlink the figures after them; a completion after
/// `；` keeps the subject; `与{Y-1}年度的{A}相比` is last year's figure.
#[test]
fn two_budgets_in_a_final_account() {
    let f = facts(&format!(
        "{WATER}本年支出年初预算数800.00万元，调整预算数950.00万元，决算数930.50万元；完成年初预算的116.31%，完成调整预算的97.95%。\n\
         政府性基金预算财政拨款：年初预算数40.00万元，调整预算数60.00万元，决算数58.00万元，完成年初预算的145.00%。\n\
         2022年度一般公共预算财政拨款支出700.00万元，与2021年度的650.00万元相比，增加50.00万元。\n"
    ));
    for (key, value) in [
        ("expenditure.total.budget", "800.00"),
        ("x.expenditure.total.adjusted_budget", "950.00"),
        ("expenditure.total", "930.50"),
        ("expenditure.total.completion_pct", "116.31"),
        ("x.expenditure.total.completion_adjusted_pct", "97.95"),
        ("gov_fund.expenditure.budget", "40.00"),
        ("x.gov_fund.expenditure.adjusted_budget", "60.00"),
        ("gov_fund.expenditure", "58.00"),
        ("gov_fund.expenditure.completion_pct", "145.00"),
        ("general_budget.expenditure.prior_year", "650.00"),
    ] {
        assert!(has(&f, key, value), "{key} = {value}: {f:#?}");
    }
    assert!(!has(&f, "expenditure.total.budget", "950.00"), "{f:#?}");
}

/// §3.6 Class 229 `其他支出（类）` opens a 项 line like any named class.
#[test]
fn other_expenditure_class_opens_an_item_line() {
    let f = facts("某县民政局2024年度部门决算\n\n七、政府性基金预算财政拨款支出决算情况说明\n政府性基金预算财政拨款支出60.00万元，其中：其他支出（类）彩票公益金安排的支出（款）用于社会福利的彩票公益金支出（项）（2296002）40.00万元，用于残疾人事业的彩票公益金支出（项）（2296006）20.00万元。\n");
    let items: Vec<(Option<&str>, &str)> = f
        .iter()
        .filter(|x| x.key == "gov_fund.item")
        .map(|x| (x.label.as_deref(), x.value.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            (
                Some("其他支出/彩票公益金安排的支出/用于社会福利的彩票公益金支出"),
                "40.00"
            ),
            (
                Some("其他支出/彩票公益金安排的支出/用于残疾人事业的彩票公益金支出"),
                "20.00"
            )
        ]
    );
}

/// A budget covering its own level and units: `分单位看：局本级{A}，{unit}{A}…`
/// adding up to the total before it splits that total by unit; procurement
/// categories named `货物类/工程类/服务类`; a purchase of `执法执勤用车`; a
/// code in `【】` after a 项 line.
#[test]
fn unit_splits_procurement_classes_and_square_bracket_codes() {
    let f = facts(
        "某市交通运输局2025年部门预算\n\n一、收支预算总体情况\n本部门支出预算1000.00万元。分单位看：局本级300.00万元，市公路事业发展中心700.00万元。\n\
         二、一般公共预算支出情况\n交通运输（类）支出900.00万元，其中：\n1.公路水路运输（款）行政运行（项）【2140101】200.00万元，比上年增加10.00万元。\n\
         三、“三公”经费预算情况\n公务用车购置费28.00万元，计划更新购置执法执勤用车2辆。\n\
         四、政府采购情况\n政府采购预算500.00万元，其中：货物类100.00万元，工程类300.00万元，服务类100.00万元。\n",
    );
    assert!(
        has_labelled(&f, "expenditure.total", "局本级", "300.00"),
        "{f:#?}"
    );
    assert!(
        has_labelled(&f, "expenditure.total", "市公路事业发展中心", "700.00"),
        "{f:#?}"
    );
    assert!(
        f.iter().any(|x| x.key == "general_budget.item"
            && x.value == "200.00"
            && x.code.as_deref() == Some("2140101")),
        "{f:#?}"
    );
    assert!(
        has(&f, "three_public.vehicle_purchase.count", "2"),
        "{f:#?}"
    );
    assert!(has(&f, "procurement.goods", "100.00"), "{f:#?}");
    assert!(has(&f, "procurement.works", "300.00"), "{f:#?}");
    assert!(has(&f, "procurement.services", "100.00"), "{f:#?}");
}

/// §3.6 A 项 printed with its code and its own name only, in a report with
/// no tables: its label is the path FIELDS asks for, the parents' names from
/// the national catalogue (`patterns/functional_codes.toml`).
#[test]
fn a_coded_line_without_tables_takes_its_parents_from_the_catalogue() {
    let f = facts(&format!(
        "{WATER}1.高等教育（2050205），2022年度决算数为100.00万元，比2021年度决算数增长3.00%。\n2.事业单位医疗（2101102），2022年度决算数为20.00万元。\n"
    ));
    let items: Vec<(Option<&str>, Option<&str>, &str)> = f
        .iter()
        .filter(|x| x.key == "general_budget.item")
        .map(|x| (x.label.as_deref(), x.code.as_deref(), x.value.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            (
                Some("教育支出/普通教育/高等教育"),
                Some("2050205"),
                "100.00"
            ),
            (
                Some("卫生健康支出/行政事业单位医疗/事业单位医疗"),
                Some("2101102"),
                "20.00"
            )
        ]
    );
}

/// §4 The amount reserved for small firms in a budget, and its share of all
/// procurement (`面向中小企业预留采购份额{A}，占政府采购预算的{P}%`).
#[test]
fn a_reserved_share_for_small_firms_and_its_percentage() {
    let f = facts("某某局2025年部门预算\n\n四、政府采购情况\n2025年政府采购预算800.00万元。面向中小企业预留采购份额600.00万元，占政府采购预算的75.00%。\n");
    assert!(has(&f, "procurement.sme", "600.00"), "{f:#?}");
    assert!(has(&f, "procurement.sme_share_pct", "75.00"), "{f:#?}");
}

/// A final account's project self-evaluation lines (`{name}项目：全年预算数{B}，
/// 执行数{F}，执行率{P}%` / `完成预算的{P}%`) and the count of projects
/// evaluated (`开展绩效自评，共涉及项目{N}个`).
#[test]
fn project_self_evaluation_lines() {
    let f = facts(&format!(
        "{WATER}八、预算绩效情况说明\n本部门对2022年度项目支出全面开展绩效自评，共涉及项目5个，涉及资金300.00万元。\n（一）河道清淤项目：全年预算数100.00万元，执行数98.00万元，执行率98.00%。\n其中，水质监测（二期）项目全年预算数50.00万元，执行数50.00万元，完成预算的100%。\n"
    ));
    assert!(has(&f, "performance.projects_evaluated", "5"), "{f:#?}");
    assert!(
        has_labelled(&f, "project.budget", "河道清淤", "100.00"),
        "{f:#?}"
    );
    assert!(
        has_labelled(&f, "project.final", "河道清淤", "98.00"),
        "{f:#?}"
    );
    assert!(
        has_labelled(&f, "project.completion_pct", "河道清淤", "98.00"),
        "{f:#?}"
    );
    assert!(
        has_labelled(&f, "project.budget", "水质监测（二期）", "50.00"),
        "{f:#?}"
    );
    assert!(
        has_labelled(&f, "project.completion_pct", "水质监测（二期）", "100"),
        "{f:#?}"
    );
}

/// A subtotal of the units listed before it (`上述3个部门“三公”经费决算合计{A}`)
/// is no figure of the report's.
#[test]
fn a_subtotal_of_the_units_above_is_no_total() {
    let f = facts(&format!(
        "{FINAL}“三公”经费决算支出500.00万元。\n1.市公安局“三公”经费决算120.00万元。\n2.市交通运输局“三公”经费决算80.00万元。\n上述2个部门“三公”经费决算合计200.00万元。\n"
    ));
    assert!(has(&f, "three_public.total", "500.00"), "{f:#?}");
    assert!(!f.iter().any(|x| x.value == "200.00"), "{f:#?}");
}

/// `人员经费` / `公用经费` after the basic expenditure in their sentence, in a
/// section that is not about it: the appropriation's personnel and public costs.
#[test]
fn personnel_and_public_costs_after_the_basic_expenditure_in_their_sentence() {
    let f = facts("某某局2025年部门预算\n\n二、一般公共预算拨款支出情况\n按经济分类，一般公共预算基本支出900.00万元，其中：人员经费700.00万元，公用经费200.00万元。\n三、其他说明\n人员经费按标准核定。\n");
    assert!(has(&f, "general_budget.personnel", "700.00"), "{f:#?}");
    assert!(has(&f, "general_budget.public", "200.00"), "{f:#?}");
}
