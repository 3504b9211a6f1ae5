//! Tests of reading whole tables: keys, labels and codes by column and row.

use super::*;

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// A table of the kind `kind` titled `title`, in 万元 on page 1.
fn table<const N: usize>(
    set: &TableSet,
    kind: &str,
    title: &str,
    header: Vec<Vec<String>>,
    body: &[[&str; N]],
) -> RawTable {
    RawTable {
        spec: set.tables.iter().position(|t| t.kind == kind).unwrap(),
        title: title.into(),
        unit: Some("万元".into()),
        page: Some(1),
        header,
        body: body
            .iter()
            .map(|r| RawRow {
                cells: row(r),
                page: Some(1),
            })
            .collect(),
    }
}

/// The (key, value) of every figure read from `t`, in order.
fn keys_and_values(set: &TableSet, t: &RawTable) -> Vec<(String, String)> {
    read_table(set, t)
        .0
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect()
}

/// Pairs as `&str`, to compare with literals.
fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// A budget's 三公 table of 上年预算数 | 本年预算数 | 增减 (金额 | 幅度): this
/// year's budget is the amount, the others its prior year and change.
#[test]
fn a_budget_table_with_change_columns_keys_this_years_budget_plainly() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "three_public",
        "一般公共预算“三公”经费支出预算表",
        vec![
            row(&["项目", "上年预算数", "本年预算数", "增减", "增减"]),
            row(&["项目", "上年预算数", "本年预算数", "金额", "幅度"]),
        ],
        &[["合计", "66.60", "44.30", "-22.30", "-33.48%"]],
    );
    let keyed = keys_and_values(&set, &t);
    let got = borrowed(&keyed);
    assert_eq!(
        got,
        [
            ("three_public.total.prior_year", "66.60"),
            ("three_public.total", "44.30"),
            ("three_public.total.yoy_change", "-22.30"),
            ("three_public.total.yoy_pct", "-33.48")
        ]
    );
}

/// A summary table's `行次` columns hold row numbers, not figures, and
/// sit inside each half; printed zeros stay figures.
#[test]
fn row_number_columns_give_no_figures() {
    let set = TableSet::builtin();
    let body = [
        [
            "一、一般公共预算财政拨款收入",
            "1",
            "1,605.32",
            "一、一般公共服务支出",
            "32",
            "",
        ],
        [
            "四、事业收入",
            "4",
            "0.00",
            "八、社会保障和就业支出",
            "39",
            "138.86",
        ],
        [
            "本年收入合计",
            "27",
            "1,617.62",
            "本年支出合计",
            "58",
            "1,639.65",
        ],
    ];
    let t = table(
        &set,
        "summary",
        "收入支出决算表",
        vec![row(&["项目", "行次", "金额", "项目", "行次", "金额"])],
        &body,
    );
    let cols = columns(&set, &t.header, &t.body);
    assert_eq!(cols[1].role, Role::RowNumber);
    assert_eq!(halves(&cols), vec![0..3, 3..6]);
    let (figures, _) = read_table(&set, &t);
    let values: Vec<&str> = figures.iter().map(|f| f.value.as_str()).collect();
    for n in ["1", "4", "27", "32", "39", "58"] {
        assert!(!values.contains(&n), "{n} is a row number: {values:?}");
    }
    for v in ["1605.32", "0.00", "138.86", "1617.62", "1639.65"] {
        assert!(values.contains(&v), "{v}: {values:?}");
    }
}

/// Row numbers a layout printed one column off, under the 合计 header
/// (`行次 | 合计` over `12 | | 96.40`): a column counting 1, 2, 3 … beside
/// amounts with decimals holds row numbers, whatever its header says.
#[test]
fn a_column_counting_rows_under_another_header_gives_no_figures() {
    let set = TableSet::builtin();
    let body = [
        [
            "一、财政拨款收入",
            "1",
            "520.10",
            "一、一般公共服务支出",
            "",
            "20",
            "300.00",
        ],
        ["", "2", "", "二、教育支出", "", "21", ""],
        ["", "3", "", "三、科学技术支出", "", "22", "120.10"],
        ["", "4", "", "四、卫生健康支出", "", "23 24", "60.00"],
        [
            "本年收入合计",
            "5",
            "520.10",
            "本年支出合计",
            "",
            "25",
            "480.10",
        ],
    ];
    let t = table(
        &set,
        "fiscal_summary",
        "财政拨款收入支出决算总表",
        vec![row(&["项目", "行次", "金额", "项目", "行次", "合计", ""])],
        &body,
    );
    let cols = columns(&set, &t.header, &t.body);
    assert_eq!(cols[5].role, Role::RowNumber);
    let values: Vec<String> = read_table(&set, &t)
        .0
        .into_iter()
        .map(|f| f.value)
        .collect();
    for n in ["20", "21", "22", "25"] {
        assert!(
            !values.iter().any(|v| v == n),
            "{n} is a row number: {values:?}"
        );
    }
    assert!(values.iter().any(|v| v == "520.10"), "{values:?}");
}

#[test]
fn coded_lines_get_keys_labels_and_codes() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "general_budget",
        "一般公共预算财政拨款支出决算表",
        vec![
            row(&["项目", "项目", "项目", "项目", "", "", ""]),
            row(&["", "", "", "", "合计", "基本支出", "项目支出"]),
            row(&["", "科目编码", "", "科目名称", "", "", ""]),
            row(&["类", "款", "项", "", "", "", ""]),
        ],
        &[
            [
                "201",
                "",
                "",
                "一般公共服务支出",
                "2,106.66",
                "1,503.52",
                "603.14",
            ],
            [
                "201",
                "06",
                "01",
                "行政运行",
                "1,511.89",
                "1,503.52",
                "8.37",
            ],
            ["", "", "", "合计", "2,940.05", "2,336.91", "603.14"],
        ],
    );
    let (figures, _) = read_table(&set, &t);
    let got: Vec<(String, String, Option<String>, Option<String>)> = figures
        .into_iter()
        .map(|f| (f.key, f.value, f.label, f.code))
        .collect();
    let class = Some("一般公共服务支出".to_string());
    let item = Some("一般公共服务支出/行政运行".to_string());
    let c201 = Some("201".to_string());
    let c2010601 = Some("2010601".to_string());
    assert_eq!(
        got,
        vec![
            (
                "general_budget.class".into(),
                "2106.66".into(),
                class.clone(),
                c201.clone()
            ),
            (
                "general_budget.class.basic".into(),
                "1503.52".into(),
                class.clone(),
                c201.clone()
            ),
            (
                "general_budget.class.project".into(),
                "603.14".into(),
                class,
                c201
            ),
            (
                "general_budget.item".into(),
                "1511.89".into(),
                item.clone(),
                c2010601.clone()
            ),
            (
                "general_budget.item.basic".into(),
                "1503.52".into(),
                item.clone(),
                c2010601.clone()
            ),
            (
                "general_budget.item.project".into(),
                "8.37".into(),
                item,
                c2010601
            ),
            (
                "general_budget.expenditure".into(),
                "2940.05".into(),
                None,
                None
            ),
            ("general_budget.basic".into(), "2336.91".into(), None, None),
            ("general_budget.project".into(), "603.14".into(), None, None),
        ]
    );
}

/// The small tables closing a budget's 公开表: 机关运行经费预算表 by year
/// (上年 | 本年 | 增减额), 政府采购预算表 by category (序号 | 采购类别 |
/// 金额), and a 政府性基金 line split into 基本支出 | 项目支出.
#[test]
fn running_costs_procurement_and_fund_lines_of_a_budget() {
    let set = TableSet::builtin();
    let kind_of = |title: &str| set.table_titled(title).map(|i| set.tables[i].kind.as_str());
    assert_eq!(kind_of("九、机关运行经费预算表"), Some("admin_operating"));
    assert_eq!(kind_of("十、政府采购预算表"), Some("procurement"));
    let read = |kind: &str, title: &str, header: Vec<Vec<String>>, body: &[[&str; 4]]| {
        keys_and_values(&set, &table(&set, kind, title, header, body))
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let running = read(
        "admin_operating",
        "机关运行经费预算表",
        vec![row(&["项目", "2024年预算数", "2025年预算数", "增减额"])],
        &[["合计", "90.10", "84.40", "-5.70"]],
    );
    assert_eq!(
        running,
        [
            pair("admin_operating_cost.prior_year", "90.10"),
            pair("admin_operating_cost", "84.40"),
            pair("admin_operating_cost.yoy_change", "-5.70"),
        ]
    );
    let purchases = read(
        "procurement",
        "政府采购预算表",
        vec![row(&["序号", "采购类别", "采购预算金额", ""])],
        &[
            ["", "合计", "120.00", ""],
            ["1", "货物类", "30.00", ""],
            ["2", "工程类", "80.00", ""],
            ["3", "服务类", "10.00", ""],
        ],
    );
    for (k, v) in [
        ("procurement.total", "120.00"),
        ("procurement.goods", "30.00"),
        ("procurement.works", "80.00"),
        ("procurement.services", "10.00"),
    ] {
        assert!(purchases.contains(&pair(k, v)), "{k}: {purchases:?}");
    }
    let fund = read(
        "gov_fund",
        "政府性基金预算支出表",
        vec![row(&["科目编码", "科目名称", "基本支出", "项目支出"])],
        &[["212", "城乡社区支出", "0.00", "70.00"]],
    );
    assert!(
        fund.contains(&pair("gov_fund.class.project", "70.00")),
        "{fund:?}"
    );
    assert!(
        fund.contains(&pair("gov_fund.class.basic", "0.00")),
        "{fund:?}"
    );
}

/// A budget's 财政拨款收支总表 names its income lines `（一）一般公共预算拨款`
/// (no 财政), and its 支出总计 line splits the total by fund.
#[test]
fn a_budgets_fiscal_summary_names_its_income_without_caizheng() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "fiscal_summary",
        "财政拨款收支总表",
        vec![
            row(&["收入", "收入", "支出", "支出", "支出", "支出"]),
            row(&[
                "项目",
                "预算数",
                "项目",
                "合计",
                "一般公共预算",
                "政府性基金预算",
            ]),
        ],
        &[
            ["（一）一般公共预算拨款", "300.00", "", "", "", ""],
            ["（二）政府性基金预算拨款", "50.00", "", "", "", ""],
            [
                "收入总计",
                "350.00",
                "支出总计",
                "350.00",
                "300.00",
                "50.00",
            ],
        ],
    );
    let keyed = keys_and_values(&set, &t);
    let got = borrowed(&keyed);
    for want in [
        ("income.general_budget", "300.00"),
        ("income.gov_fund", "50.00"),
        ("fiscal.total", "350.00"),
        ("general_budget.expenditure", "300.00"),
        ("gov_fund.expenditure", "50.00"),
    ] {
        assert!(got.contains(&want), "{want:?}: {got:?}");
    }
    assert!(!got.contains(&("fiscal.total", "50.00")), "{got:?}");
}

/// The 2023+ 财政拨款收入支出决算表: a label wrapped onto a line of its own
/// (`年初财政拨款结转和结` / `余`) and the fund lines under each carry-over,
/// which are its parts, not income.
#[test]
fn carry_over_parts_and_wrapped_labels_of_the_fiscal_summary() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "fiscal_summary",
        "财政拨款收入支出决算表",
        vec![row(&["项目", "决算数", "项目", "合计"])],
        &[
            [
                "一般公共预算财政拨款",
                "500.00",
                "一般公共服务支出",
                "520.00",
            ],
            ["本年收入合计", "500.00", "本年支出合计", "520.00"],
            [
                "年初财政拨款结转和结",
                "40.00",
                "年末财政拨款结转和结",
                "20.00",
            ],
            ["余", "", "余", ""],
            [
                "一般公共预算财政拨款",
                "40.00",
                "一般公共预算财政拨款",
                "20.00",
            ],
            ["总计", "540.00", "总计", "540.00"],
        ],
    );
    let keyed = keys_and_values(&set, &t);
    let got = borrowed(&keyed);
    for want in [
        ("income.general_budget", "500.00"),
        ("fiscal.carryover_begin", "40.00"),
        ("fiscal.carryover_end", "20.00"),
        ("x.fiscal.carryover_begin.general_budget", "40.00"),
        ("x.fiscal.carryover_end.general_budget", "20.00"),
    ] {
        assert!(got.contains(&want), "{want:?}: {got:?}");
    }
    assert!(
        !got.contains(&("income.general_budget", "40.00")),
        "{got:?}"
    );
}

/// Counts printed under a 三公 table's amounts (`统计数` lines, the unit in
/// brackets after the name) are counts, in their own unit, not 万元.
#[test]
fn count_lines_of_a_three_public_table_keep_their_unit() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "three_public",
        "财政拨款“三公”经费支出决算表",
        vec![row(&["项目", "预算数", "决算数"])],
        &[
            ["3.公务接待费", "12.00", "8.78"],
            ["统计数", "", "决算数"],
            ["1.因公出国（境）团组数（个）", "", "0"],
            ["4.公务用车保有量（辆）", "", "9"],
            ["6.国内公务接待人次（人）", "", "312"],
        ],
    );
    let (figures, _) = read_table(&set, &t);
    let got: Vec<(&str, &str, Option<&str>)> = figures
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str(), f.unit.as_deref()))
        .collect();
    for want in [
        ("three_public.reception", "8.78", Some("万元")),
        ("three_public.overseas.groups", "0", Some("个")),
        ("vehicles.total", "9", Some("辆")),
        ("three_public.reception.persons", "312", Some("人次")),
    ] {
        assert!(got.contains(&want), "{want:?}: {got:?}");
    }
    let count = figures.iter().find(|f| f.key == "vehicles.total").unwrap();
    assert_eq!(count.value_wan, None);
}

/// (key, value, label) of every figure read from `t`, in order, to compare
/// with literals.
fn assert_keyed_with_labels(set: &TableSet, t: &RawTable, want: &[(&str, &str, Option<&str>)]) {
    let figures = read_table(set, t).0;
    let got: Vec<(&str, &str, Option<&str>)> = figures
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str(), f.label.as_deref()))
        .collect();
    assert_eq!(got, want);
}

/// A budget's 收入总表 by unit: `总计` before the carry-over column is
/// 收入总计, `合计` after it this year's income; each unit's line (a
/// six-digit 单位编码) has the 合计 line's keys, labelled with the unit.
#[test]
fn an_income_table_by_unit_labels_each_units_line() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "income",
        "部门收入总表",
        vec![
            row(&[
                "单位编码",
                "单位名称",
                "总计",
                "上年结转结余",
                "本年收入",
                "本年收入",
                "本年收入",
            ]),
            row(&[
                "单位编码",
                "单位名称",
                "总计",
                "上年结转结余",
                "合计",
                "一般公共预算拨款收入",
                "政府性基金预算拨款收入",
            ]),
        ],
        &[
            ["", "合计", "530.40", "20.00", "510.40", "480.40", "30.00"],
            [
                "205001",
                "某县文化馆（本级）",
                "400.00",
                "20.00",
                "380.00",
                "350.00",
                "30.00",
            ],
            ["205002", "某县图书馆", "130.40", "", "130.40", "130.40", ""],
        ],
    );
    let expected = [
        ("totals.income_expenditure", "530.40", None),
        ("income.carryover_begin", "20.00", None),
        ("income.total", "510.40", None),
        ("income.general_budget", "480.40", None),
        ("income.gov_fund", "30.00", None),
        (
            "totals.income_expenditure",
            "400.00",
            Some("某县文化馆（本级）"),
        ),
        (
            "income.carryover_begin",
            "20.00",
            Some("某县文化馆（本级）"),
        ),
        ("income.total", "380.00", Some("某县文化馆（本级）")),
        (
            "income.general_budget",
            "350.00",
            Some("某县文化馆（本级）"),
        ),
        ("income.gov_fund", "30.00", Some("某县文化馆（本级）")),
        ("totals.income_expenditure", "130.40", Some("某县图书馆")),
        ("income.total", "130.40", Some("某县图书馆")),
        ("income.general_budget", "130.40", Some("某县图书馆")),
    ];
    assert_keyed_with_labels(&set, &t, &expected);
}

/// A budget's 一般公共预算支出表 of `2023年预算数 | 2024年预算数 | 增减额`:
/// the earlier year is each line's previous year, the last its change.
#[test]
fn a_general_budget_table_with_last_years_budget_and_the_change() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "general_budget",
        "一般公共预算支出表",
        vec![row(&[
            "科目编码",
            "科目名称",
            "2023年预算数",
            "2024年预算数",
            "增减额",
        ])],
        &[
            ["", "合计", "300.00", "320.50", "20.50"],
            ["201", "一般公共服务支出", "300.00", "320.50", "20.50"],
            ["2010301", "行政运行", "", "12.00", "12.00"],
        ],
    );
    let keyed = keys_and_values(&set, &t);
    let got = borrowed(&keyed);
    assert_eq!(
        got,
        [
            ("general_budget.expenditure.prior_year", "300.00"),
            ("general_budget.expenditure", "320.50"),
            ("general_budget.expenditure.yoy_change", "20.50"),
            ("general_budget.class.prior_year", "300.00"),
            ("general_budget.class", "320.50"),
            ("general_budget.class.yoy_change", "20.50"),
            ("general_budget.item", "12.00"),
            ("general_budget.item.yoy_change", "12.00"),
        ]
    );
}

/// A 项目支出表: each project's 合计 (carry-over included) is its budget,
/// with or without a functional code beside it; the fund columns have no key.
#[test]
fn a_project_table_keys_each_projects_budget() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "project",
        "项目支出表",
        vec![row(&[
            "项目名称",
            "功能科目编码",
            "合计",
            "一般公共预算拨款",
            "上年结转",
        ])],
        &[
            ["合计", "", "96.00", "86.00", "10.00"],
            ["乡村道路巡查经费", "2140106", "60.00", "50.00", "10.00"],
            ["渡口安全设施维修", "", "36.00", "36.00", ""],
        ],
    );
    let expected = [
        ("expenditure.project", "96.00", None),
        ("project.budget", "60.00", Some("乡村道路巡查经费")),
        ("project.budget", "36.00", Some("渡口安全设施维修")),
    ];
    assert_keyed_with_labels(&set, &t, &expected);
}

/// A running-costs table of one line named by its subject, not 合计.
#[test]
fn a_running_costs_table_of_one_named_line() {
    let set = TableSet::builtin();
    let t = table(
        &set,
        "admin_operating",
        "机关运行经费预算表",
        vec![row(&["项目", "2023年预算数", "2024年预算数", "增减"])],
        &[["机关运行经费", "45.10", "41.00", "-4.10"]],
    );
    let keyed = keys_and_values(&set, &t);
    let got = borrowed(&keyed);
    assert_eq!(
        got,
        [
            ("admin_operating_cost.prior_year", "45.10"),
            ("admin_operating_cost", "41.00"),
            ("admin_operating_cost.yoy_change", "-4.10"),
        ]
    );
}
