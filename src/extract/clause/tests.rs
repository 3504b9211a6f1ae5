//! Made-up sentences, one per general form the clause reader covers
//! (the form's number in `../shared/spec/WORDING.md` where it has one).

use crate::report::Fact;

/// The facts caizheng reads in a made-up text (the clause reader's tests
/// and the other narrative form tests of `extract`).
pub(in crate::extract) fn facts(text: &str) -> Vec<Fact> {
    crate::pipeline::process(text.as_bytes(), "clauses.txt").facts
}

/// (key, value, unit) of the facts of `key`s starting with `prefix`.
fn keyed(facts: &[Fact], prefix: &str) -> Vec<(String, String, String)> {
    facts
        .iter()
        .filter(|f| f.key.starts_with(prefix))
        .map(|f| {
            (
                f.key.clone(),
                f.value.clone(),
                f.unit.clone().unwrap_or_default(),
            )
        })
        .collect()
}

pub(in crate::extract) fn has(facts: &[Fact], key: &str, value: &str) -> bool {
    facts.iter().any(|f| f.key == key && f.value == value)
}

/// Whether a fact of `key` is labelled `label` with `value`.
pub(super) fn has_labelled(facts: &[Fact], key: &str, label: &str, value: &str) -> bool {
    facts
        .iter()
        .any(|f| f.key == key && f.label.as_deref() == Some(label) && f.value == value)
}

const BUDGET: &str = "某某县农业农村局2023年度部门预算\n\n一、收支预算总体情况说明\n";
pub(super) const FINAL: &str =
    "某某市档案馆2022年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";

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

/// §6.3 An aside about what the money is for that ends naming a term
/// (`主要用于…等项目支出。`) does not take the subject from the line before.
#[test]
fn an_aside_ending_on_a_term_leaves_the_subject() {
    let f = facts(&format!(
        "{BUDGET}1.农林水（类）支出820.5万元。主要用于农田水利、病虫害防治等项目支出。与上年相比增加40.2万元，增长5.15%。\n"
    ));
    assert!(has(&f, "expenditure.class.yoy_change", "40.2"), "{f:#?}");
    assert!(!has(&f, "expenditure.project.yoy_change", "40.2"), "{f:#?}");
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

/// §1.1 A `其中` part of a count already read in the sentence (`团组N个，
/// 其中赴{place}团组M个`) is part of it, not the count itself.
#[test]
fn a_qizhong_part_of_a_count_is_not_the_count() {
    let f = facts(&format!(
        "{FINAL}全年共派出因公出国（境）团组6个、20人次，其中赴台湾地区团组1个、4人次。\n"
    ));
    assert!(has(&f, "three_public.overseas.groups", "6"), "{f:#?}");
    assert!(has(&f, "three_public.overseas.persons", "20"), "{f:#?}");
    assert!(!has(&f, "three_public.overseas.groups", "1"), "{f:#?}");
    assert!(!has(&f, "three_public.overseas.persons", "4"), "{f:#?}");
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
    assert!(
        has(&f, "three_public.reception.completion_pct", "84.44"),
        "{f:#?}"
    );
}

/// §2.5 In a final account, a change against the own year's budget is no yoy change.
#[test]
fn a_change_against_the_budget_is_not_year_on_year() {
    let f = facts(&format!(
        "{FINAL}因公出国（境）费支出决算3万元，比年初预算减少1万元，下降25%。\n"
    ));
    assert!(has(&f, "three_public.overseas", "3"), "{f:#?}");
    assert!(keyed(&f, "three_public.overseas.yoy").is_empty(), "{f:#?}");
    assert!(
        has(&f, "x.three_public.overseas.vs_budget_change", "-1"),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.three_public.overseas.vs_budget_pct", "-25"),
        "{f:#?}"
    );
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
    assert_eq!(reception.value_wan, "1.24805".parse().ok());
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

fn labelled<'a>(facts: &'a [Fact], key: &str, value: &str) -> Option<&'a Fact> {
    facts.iter().find(|f| f.key == key && f.value == value)
}

/// §3.6 A 项 named with its code: the class and 款 names from the document's
/// own table, the code as printed.
#[test]
fn a_coded_line_takes_its_names_from_the_table() {
    let f = facts(
        "某某大学2023年度部门决算\n\n第二部分 部门决算表\n205教育支出9447.71\n20502普通教育9447.71\n\
         2050202小学教育9447.71\n\n第三部分 情况说明\n六、一般公共预算财政拨款支出决算情况说明\n\
         1.小学教育（2050202），2023年度决算数为7970.38万元，比2022年度决算数增长0.39%。\n",
    );
    let item = labelled(&f, "general_budget.item", "7970.38").expect("item");
    assert_eq!(item.label.as_deref(), Some("教育支出/普通教育/小学教育"));
    assert_eq!(item.code.as_deref(), Some("2050202"));
    let pct = labelled(&f, "general_budget.item.yoy_pct", "0.39").expect("yoy");
    assert_eq!(pct.code.as_deref(), Some("2050202"));
}

/// §3.6 款/项 lines under a class heading; a 项 alone belongs to the 款 before it.
#[test]
fn item_lines_under_their_class_heading() {
    let f = facts(&format!(
        "{BUDGET}五、财政拨款支出预算情况说明\n（一）公共安全（类）\n\
         1.法院（款）行政运行（项）支出100万元，与上年相比增加10万元，增长11.11%。\n\
         检察（款）：2019年预算支出合计60万元。\n1.案件执行（项）支出20万元。\n"
    ));
    let item = labelled(&f, "general_budget.item", "100").expect("item");
    assert_eq!(item.label.as_deref(), Some("公共安全支出/法院/行政运行"));
    assert!(has(&f, "general_budget.item.yoy_change", "10"), "{f:#?}");
    assert!(has(&f, "general_budget.item.yoy_pct", "11.11"), "{f:#?}");
    let kuan = labelled(&f, "general_budget.item", "60").expect("款");
    assert_eq!(kuan.label.as_deref(), Some("公共安全支出/检察"));
    let xiang = labelled(&f, "general_budget.item", "20").expect("项");
    assert_eq!(xiang.label.as_deref(), Some("公共安全支出/检察/案件执行"));
}

/// §3.6 A 项 named with its 款 run into it (`人大事务行政运行（项）`): the
/// document's table tells the 款 from the 项 and gives the class; a class
/// named in another part of the document is not the 项's.
#[test]
fn an_item_with_its_kuan_run_in_takes_its_class_from_the_table() {
    let f = facts(&format!(
        "{BUDGET}201一般公共服务支出500.00\n20101人大事务500.00\n2010101行政运行400.00\n\
         2010102一般行政管理事务100.00\n221住房保障支出50.00\n\
         二、支出预算情况说明\n1.住房保障支出50万元，主要用于住房公积金。\n\
         三、财政拨款支出预算情况说明\n1.人大事务行政运行（项）支出400万元，与上年相比减少10万元。\n\
         2.政协事务会议（项）支出30万元。\n"
    ));
    let item = labelled(&f, "general_budget.item", "400").expect("item");
    assert_eq!(
        item.label.as_deref(),
        Some("一般公共服务支出/人大事务/行政运行")
    );
    assert_eq!(item.code.as_deref(), Some("2010101"));
    assert!(has(&f, "general_budget.item.yoy_change", "-10"), "{f:#?}");
    // Neither the table nor its section names this 项's class: no fact is
    // better than one under the class of section 二.
    assert!(
        f.iter().all(|x| !x
            .label
            .as_deref()
            .unwrap_or("")
            .starts_with("住房保障支出/")),
        "{f:#?}"
    );
}

/// §1.7 Equipment over a unit-price threshold is a count; the threshold is no figure.
#[test]
fn equipment_over_a_price_threshold_is_a_count() {
    let f = facts(&format!(
        "{BUDGET}十三、国有资产占用情况\n本部门共有车辆12辆。单价20万元（含）以上的设备7台（套）。\n"
    ));
    assert!(has(&f, "x.assets.equipment_200k", "7"), "{f:#?}");
    assert!(f.iter().all(|x| x.value != "20"), "{f:#?}");
}

/// §6.1 The parts listed after `其中` are the parent's: an appropriation's
/// 基本支出 is the appropriation's, even after the parent's sentence ended.
#[test]
fn parts_after_qizhong_belong_to_the_parent() {
    let f = facts(&format!(
        "{BUDGET}2023年一般公共预算财政拨款支出1000万元，比2022年减少100万元。\
         其中：基本支出600万元，比2022年增加50万元；项目支出400万元。\n"
    ));
    assert!(has(&f, "general_budget.basic", "600"), "{f:#?}");
    assert!(has(&f, "general_budget.basic.yoy_change", "50"), "{f:#?}");
    assert!(has(&f, "general_budget.project", "400"), "{f:#?}");
    assert!(!has(&f, "expenditure.basic", "600"), "{f:#?}");
}

/// Words before the name that make its amount last year's.
#[test]
fn last_years_amount_named_before_the_term() {
    let f = facts(&format!(
        "{BUDGET}单位预留机动经费预算数为500万元，上年度列入此项的预留机动经费128万元本年度调入行政运行项。\n"
    ));
    assert!(has(&f, "x.expenditure.reserve", "500"), "{f:#?}");
    assert!(has(&f, "x.expenditure.reserve.prior_year", "128"), "{f:#?}");
    assert!(!has(&f, "x.expenditure.reserve", "128"), "{f:#?}");
}

/// Template placeholders (`增加（减少）0万元`) are no figures (WORDING: placeholders).
#[test]
fn placeholders_are_no_figures() {
    let f = facts(&format!(
        "{BUDGET}政府性基金预算收入0万元，与上年相比增加（减少）0万元，增长（减少）0%。\n"
    ));
    assert!(has(&f, "income.gov_fund", "0"), "{f:#?}");
    assert!(keyed(&f, "income.gov_fund.yoy").is_empty(), "{f:#?}");
}

/// 繁體: a page in traditional characters reads as its simplified twin; the
/// quotes keep the printed characters.
#[test]
fn traditional_characters_read_as_simplified() {
    let f = facts(
        "某某市檔案館2022年度部門決算\n\n七、“三公”經費財政撥款支出決算情況說明\n\
         公務接待費支出決算為5.93萬元，比上年減少1.2萬元。\n",
    );
    let reception = labelled(&f, "three_public.reception", "5.93").expect("reception");
    assert!(reception.text.contains("公務接待費"), "{reception:?}");
    assert!(
        has(&f, "three_public.reception.yoy_change", "-1.2"),
        "{f:#?}"
    );
}

/// A direction word before the name (`…原因，增加基本支出844.15万元`): the
/// name's change, not its amount.
#[test]
fn a_direction_before_the_name_makes_a_change() {
    let f = facts(&format!(
        "{BUDGET}收、支预算总计各增加844.15万元，增长6.59%。主要原因是政策性增资，增加基本支出844.15万元。\n"
    ));
    assert!(!has(&f, "expenditure.basic", "844.15"), "{f:#?}");
    assert!(has(&f, "expenditure.basic.yoy_change", "844.15"), "{f:#?}");
}

/// A figure in the reason given for a change (`主要原因是…压减10%`) is no
/// figure of the subject whose change it explains.
#[test]
fn figures_in_a_reason_are_not_the_subjects() {
    let f = facts(&format!(
        "{BUDGET}会议费预算支出271.02万元，比上年预算减少0.24万元，主要原因是按照要求统一压减10%。\n"
    ));
    assert!(has(&f, "x.meeting_fee.yoy_change", "-0.24"), "{f:#?}");
    assert!(keyed(&f, "x.meeting_fee.yoy_pct").is_empty(), "{f:#?}");
}

/// WORDING 3.1: a school's 收入总计 / 支出总计 that a later sentence says
/// hold the carry-over (`收入总计包括本年收入合计…和年初结转和结余…`) are the
/// grand total, not this year's income and spending.
#[test]
fn totals_a_later_sentence_says_hold_the_carry_over_are_the_grand_total() {
    let school = "某某职业技术学院2022年度部门决算\n\n一、收入支出决算总体情况说明\n";
    let f = facts(&format!(
        "{school}2022年度收入总计8120.50万元，支出总计8120.50万元。收入总计包括本年收入合计7600.10万元和年初结转和结余520.40万元；支出总计包括本年支出合计7710.00万元和年末结转和结余410.50万元。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "8120.50"), "{f:#?}");
    assert!(!has(&f, "income.total", "8120.50"), "{f:#?}");
    assert!(!has(&f, "expenditure.total", "8120.50"), "{f:#?}");
    // A list of this year's sources only keeps the total this year's.
    let f = facts(&format!(
        "{school}2022年度收入总计7600.10万元。收入总计包括财政拨款收入7000.00万元和事业收入600.10万元。\n"
    ));
    assert!(!has(&f, "totals.income_expenditure", "7600.10"), "{f:#?}");
}

/// WORDING 3.3: a budget total whose own list names the carry-over is the
/// total with it (收支总计), not this year's income.
#[test]
fn a_total_listing_the_carry_over_is_the_grand_total() {
    let f = facts(&format!(
        "{BUDGET}二、收入预算情况说明\n我校2023年收入预算557259.13万元，其中：财政拨款收入230876.38万元，占41.43%；上年结转93801.70万元，占16.83%。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "557259.13"), "{f:#?}");
    assert!(!has(&f, "income.total", "557259.13"), "{f:#?}");
    let f = facts(&format!(
        "{BUDGET}二、收入预算情况说明\n某局2023年收入预算4748.35万元，其中：财政拨款收入4748.35万元。\n"
    ));
    assert!(has(&f, "income.total", "4748.35"), "{f:#?}");
    // The list wrapped over lines after a `；`: the carry-over is still in it.
    let f = facts(&format!(
        "{BUDGET}三、支出预算情况说明\n我院2023年支出预算5000万元，其中：教育支出3000万元，占60%；\n\
         科学技术支出1500万元，占30%；结转下年500万元，占10%。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "5000"), "{f:#?}");
    assert!(!has(&f, "expenditure.total", "5000"), "{f:#?}");
}

/// §6.1 The parts of an appropriation total listed in its own sentence
/// (`…支出总计为X万元，其中基本支出Y万元，占…`) are the appropriation's; FIELDS
/// has no key for them, so they are `x.fiscal.*`.
#[test]
fn parts_in_the_totals_own_sentence_belong_to_it() {
    let f = facts(
        "某某职业学院2022年度部门决算\n\n（四）财政拨款支出决算情况说明\n\
         学院2022年度财政拨款支出总计为500.00万元，其中基本支出400.00万元，占总支出的80.00%；\
         项目支出100.00万元，占总支出的20.00%。\n",
    );
    assert!(has(&f, "fiscal.expenditure", "500.00"), "{f:#?}");
    assert!(has(&f, "x.fiscal.basic", "400.00"), "{f:#?}");
    assert!(has(&f, "x.fiscal.basic.share_pct", "80.00"), "{f:#?}");
    assert!(has(&f, "x.fiscal.project", "100.00"), "{f:#?}");
    assert!(has(&f, "x.fiscal.project.share_pct", "20.00"), "{f:#?}");
    assert!(!has(&f, "general_budget.basic", "400.00"), "{f:#?}");
}

/// WORDING 10.7: the budget template's 绩效目标 paragraph — a count of
/// projects (a count key) and the funds they hold.
#[test]
fn projects_under_performance_targets_are_a_count() {
    let f = facts(&format!(
        "{BUDGET}十、绩效目标设置情况说明\n2023年本部门共3个项目实行绩效目标管理，涉及财政性资金合计120.5万元。\n"
    ));
    let count = labelled(&f, "x.performance.target_managed_projects", "3").expect("count");
    assert_eq!(count.unit.as_deref(), Some("个"));
    assert!(
        has(&f, "x.performance.target_managed_funds", "120.5"),
        "{f:#?}"
    );
}

/// Funds new this year named in a budget's reasons (`新增{name}专项经费{A}，{name}专项经费{A}`):
/// each amount is its project's budget; a rise of an existing fund is not.
#[test]
fn new_special_funds_are_project_budgets() {
    let f = facts(&format!(
        "{BUDGET}项目支出预算数为900万元。与上年相比增加80万元。主要原因是新增档案数字化专项经费50万元，机房改造专项经费30万元。\n"
    ));
    let a = labelled(&f, "project.budget", "50").expect("first fund");
    assert_eq!(a.label.as_deref(), Some("档案数字化专项经费"));
    let b = labelled(&f, "project.budget", "30").expect("second fund");
    assert_eq!(b.label.as_deref(), Some("机房改造专项经费"));
    let f = facts(&format!(
        "{BUDGET}项目支出预算数为900万元。与上年相比增加20万元。主要原因是增加了会议专项经费20万元。\n"
    ));
    assert!(keyed(&f, "project.budget").is_empty(), "{f:#?}");
}

/// A name inside 《…》 titles a cited table: its figure has no subject there.
#[test]
fn a_cited_table_title_is_no_subject() {
    let f = facts(&format!(
        "{BUDGET}财政拨款支出预算1000万元，与上年相比增加100万元。主要原因是《财政拨款支出预算表》增加了某某科目分流20万元。\n"
    ));
    assert!(has(&f, "fiscal.expenditure.yoy_change", "100"), "{f:#?}");
    assert!(!has(&f, "fiscal.expenditure.yoy_change", "20"), "{f:#?}");
}

/// A bare head noun (`支出预算`) names the total only after a year, an entity
/// or punctuation; after an item's name it is that item's budget, also when
/// a page breaks inside the name.
#[test]
fn a_head_noun_ending_an_item_name_is_not_the_total() {
    let f = facts(&format!(
        "{BUDGET}某某中心2023年支出预算900万元。\n住房改革支出预算数为70万元，占比7.78%。\n"
    ));
    assert!(has(&f, "expenditure.total", "900"), "{f:#?}");
    assert!(!has(&f, "expenditure.total", "70"), "{f:#?}");
    let f = facts(&format!(
        "{BUDGET}某某中心2023年度一般公共预算财政拨款基本\n\u{c}支出预算400万元，其中：人员经费300万元。\n"
    ));
    assert!(!has(&f, "expenditure.total", "400"), "{f:#?}");
}

/// A sentence saying what the money is for (`主要用于…`) between a figure
/// and its comparison leaves the comparison to the figure's subject.
#[test]
fn a_purpose_aside_keeps_the_subject_for_the_comparison() {
    let f = facts(&format!(
        "{BUDGET}五、一般公共预算支出情况说明\n1.农林水（类）支出500万元。主要用于农业项目支出和人员支出。与上年相比增加20万元，增长4.17%。\n"
    ));
    assert!(has(&f, "general_budget.class.yoy_change", "20"), "{f:#?}");
    assert!(has(&f, "general_budget.class.yoy_pct", "4.17"), "{f:#?}");
    assert!(!has(&f, "expenditure.project.yoy_change", "20"), "{f:#?}");
    // Where the money comes from is an aside too.
    let f = facts(&format!(
        "{BUDGET}某某局2023年度收入预算900万元。全部由市财政拨款。与上年相比增加30万元，增长3.45%。\n"
    ));
    assert!(has(&f, "income.total.yoy_change", "30"), "{f:#?}");
}

/// 购买货物 / 购买工程 beside 购买服务: the parts of a procurement budget.
#[test]
fn procurement_parts_bought_are_its_parts() {
    let f = facts(&format!(
        "{BUDGET}十二、政府采购预算情况说明\n2023年度本部门政府采购预算总金额为300万元。\n其中拟购买货物50万元，拟购买工程0万元，拟购买服务250万元。\n"
    ));
    assert!(has(&f, "procurement.goods", "50"), "{f:#?}");
    assert!(has(&f, "procurement.works", "0"), "{f:#?}");
    assert!(has(&f, "procurement.services", "250"), "{f:#?}");
}

/// A fleet's parts listed in the sentence after it (`…共有车辆N辆。其中，A n辆、B m辆`).
#[test]
fn the_parts_of_a_fleet_may_open_the_next_sentence() {
    let f = facts(&format!(
        "{BUDGET}十三、国有资产占用情况\n截至2022年底，本部门共有车辆10辆。其中，一般公务用车3辆、执法执勤用车7辆。\n"
    ));
    assert!(has(&f, "assets.vehicles", "10"), "{f:#?}");
    assert!(has(&f, "assets.vehicles.type", "3"), "{f:#?}");
    assert!(has(&f, "assets.vehicles.type", "7"), "{f:#?}");
}

pub(super) const WATER: &str = "某某县水务局2022年度部门决算\n\n三、支出决算情况说明\n";

/// §6.8 A reason's part that names no term: `x.{subject}.yoy_change_part`,
/// labelled with the part; the net change after the reasons is the subject's.
#[test]
fn reason_parts_and_the_net_change_after_them() {
    let f = facts(&format!(
        "{WATER}财政拨款收入支出总计900.00万元，与上年相比有所增加，主要原因是：防汛物资储备增加30.00万元，河道清淤减少10.00万元，增减相抵后净增加20.00万元。\n本年收入合计800.00万元，比上年增加60.00万元。主要原因是水利工程建设项目增加等50.00万元、工资调标增加10.00万元。\n"
    ));
    let part = |label: &str, value: &str| {
        f.iter().any(|x| {
            x.key.ends_with(".yoy_change_part")
                && x.label.as_deref() == Some(label)
                && x.value == value
        })
    };
    assert!(part("防汛物资储备", "30.00"), "{f:#?}");
    assert!(part("河道清淤", "-10.00"), "{f:#?}");
    assert!(has(&f, "fiscal.total.yoy_change", "20.00"), "{f:#?}");
    assert!(part("水利工程建设项目", "50.00"), "{f:#?}");
    assert!(has(&f, "x.income.total.yoy_change_part", "10.00"), "{f:#?}");
    // The parts are never the subject's own change.
    assert!(!has(&f, "income.total.yoy_change", "50.00"), "{f:#?}");
    assert!(!has(&f, "fiscal.total.yoy_change", "30.00"), "{f:#?}");
}

/// §6.1 After `（其中：…）` the comparison is the parent's again.
#[test]
fn a_comparison_after_bracketed_children_is_the_parents() {
    let f = facts(&format!(
        "{FINAL}公务用车购置及运行维护费支出决算13.80万元（其中：公务用车购置费0万元，公务用车运行维护费13.80万元），比年初预算减少2.20万元。\n"
    ));
    assert!(
        has(&f, "x.three_public.vehicle.vs_budget_change", "-2.20"),
        "{f:#?}"
    );
    assert!(
        keyed(&f, "x.three_public.vehicle_operation").is_empty(),
        "{f:#?}"
    );
}

/// §2.4 预决算差异率, §4.3 `下降-{P}%`, §4.8 同口径, §4.4 `占基本支出的`.
#[test]
fn signed_rates_comparable_changes_and_shares_of_another_base() {
    let f = facts(&format!(
        "{WATER}1.农林水（类）水利（款）防汛（项）：预算数300.00万元，决算数270.00万元，预决算差异率-10%。\n\
         五、一般公共预算财政拨款基本支出决算情况说明\n\
         一般公共预算财政拨款基本支出686.40万元，其中：人员经费612.40万元，占基本支出的89.21%。\n\
         “三公”经费支出21.30万元，比上年下降-6.58%，主要是厉行节约。剔除上年一次性购车因素，同口径下降3.2%。\n"
    ));
    assert!(
        has(&f, "x.general_budget.item.budget_variance_pct", "-10"),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.general_budget.personnel.share_of_basic_pct", "89.21"),
        "{f:#?}"
    );
    assert!(has(&f, "three_public.total.yoy_pct", "-6.58"), "{f:#?}");
    assert!(
        has(&f, "x.three_public.total.yoy_pct_comparable", "-3.2"),
        "{f:#?}"
    );
    assert!(!has(&f, "three_public.total.yoy_pct", "-3.2"), "{f:#?}");
}

/// A change in % printed without `%` right after the amount change.
#[test]
fn a_percent_without_its_sign_after_an_amount_change() {
    let f = facts(&format!(
        "{WATER}一般公共预算财政拨款支出1120.30万元。与2021年相比，一般公共预算财政拨款支出减少117.80万元，减少 9.51，主要原因是项目减少。\n"
    ));
    assert!(
        has(&f, "general_budget.expenditure.yoy_pct", "-9.51"),
        "{f:#?}"
    );
}

/// §9.7 A list's sum (`“三公”经费及会议费、培训费合计为`) is no name's amount;
/// §6.4 the second of two year blocks is last year's.
#[test]
fn list_sums_and_year_blocks() {
    let f = facts(&format!(
        "{}2021年的“三公”经费合计为512.40万元，其中：公务接待费192.30万元。2020年的“三公”经费合计为552.50万元，其中：公务接待费210.50万元。\n\
         2021年度“三公”经费及会议费、培训费合计为580.40万元，其中：会议费40.00万元、培训费28.00万元。\n",
        FINAL.replace("2022年度", "2021年度")
    ));
    assert!(has(&f, "three_public.total", "512.40"), "{f:#?}");
    assert!(has(&f, "three_public.total.prior_year", "552.50"), "{f:#?}");
    assert!(
        has(&f, "three_public.reception.prior_year", "210.50"),
        "{f:#?}"
    );
    assert!(!has(&f, "three_public.total", "552.50"), "{f:#?}");
    assert!(has(&f, "x.training_fee", "28.00"), "{f:#?}");
    assert!(!f.iter().any(|x| x.value == "580.40"), "{f:#?}");
}

/// §6.8 Reason items over `；` stay the reasons of the subject; a term named
/// in an item is that term's change (§6.10). §10.3 `较{Y}年{prior}` is the prior.
#[test]
fn reason_items_over_semicolons_and_a_prior_with_its_year() {
    let f = facts(&format!(
        "{WATER}本年支出合计2410.00万元，同比增加110.00万元，主要原因是：（一）基础设施维护支出增加70.00万元；（二）疫情防控经费减少20.00万元；（三）项目支出增加60.00万元。\n\
         2023年度机关运行经费支出74.00万元，较2022年80.00万元略有下降。\n"
    ));
    let part = |label: &str, value: &str| {
        has_labelled(&f, "x.expenditure.total.yoy_change_part", label, value)
    };
    assert!(part("基础设施维护支出", "70.00"), "{f:#?}");
    assert!(part("疫情防控经费", "-20.00"), "{f:#?}");
    assert!(has(&f, "expenditure.project.yoy_change", "60.00"), "{f:#?}");
    assert!(
        has(&f, "admin_operating_cost.prior_year", "80.00"),
        "{f:#?}"
    );
}

/// §9.13 A policy rate in a reason is no change of the term named in it.
#[test]
fn a_policy_rate_in_a_reason_is_no_change() {
    let f = facts(&format!(
        "{FINAL}“三公”经费预算总计18.50万元，较上年减少1.50万元，下降7.5%，主要是落实过紧日子要求，公务接待费压减10%。\n"
    ));
    assert!(has(&f, "three_public.total.yoy_pct", "-7.5"), "{f:#?}");
    assert!(!f.iter().any(|x| x.value == "-10"), "{f:#?}");
}

/// §6.5 Labels then values: the procurement categories in printed order,
/// and their shares; a list with fewer values than labels gives nothing.
#[test]
fn procurement_labels_then_values() {
    let f = facts(&format!(
        "{BUDGET}九、政府采购预算情况\n2023年政府采购预算总额75.00万元，其中货物、服务、工程类采购预算分别为30.00万元、45.00万元、0万元，占政府采购预算总额的比重分别为40%、60%、0%。\n\
         货物、服务类采购支出分别为12.00万元。\n"
    ));
    assert!(has(&f, "procurement.goods", "30.00"), "{f:#?}");
    assert!(has(&f, "procurement.services", "45.00"), "{f:#?}");
    assert!(has(&f, "procurement.works", "0"), "{f:#?}");
    assert!(has(&f, "procurement.services.share_pct", "60"), "{f:#?}");
    assert!(!has(&f, "procurement.goods", "12.00"), "{f:#?}");
    assert!(
        keyed(&f, "procurement.total.share_pct").is_empty(),
        "{f:#?}"
    );
}

/// §6.3 A sentence that only names its subject (a numbered term or 项 line,
/// maybe with its code) hands it to the next sentence's figures.
#[test]
fn a_sentence_naming_only_its_subject_hands_it_on() {
    let f = facts(&format!(
        "{FINAL}2.公务接待费。年初预算为6.00万元，支出决算为4.20万元，完成年初预算的70.00%。\n\
         八、一般公共预算财政拨款支出决算具体情况\n\
         1.交通运输支出（类）公路水路运输（款）公路养护（项）（2140106）。年初预算为300.00万元，支出决算为288.50万元。\n\
         2.公路水路运输（款）港口设施（项）（2140111）。年初预算为50.00万元，支出决算为48.00万元。\n"
    ));
    // The 项 line printing only its 款 shares the class of the full line before.
    let port = f
        .iter()
        .find(|x| x.key == "general_budget.item" && x.value == "48.00")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(
        port.label.as_deref(),
        Some("交通运输支出/公路水路运输/港口设施")
    );
    assert_eq!(port.code.as_deref(), Some("2140111"));
    assert!(has(&f, "three_public.reception.budget", "6.00"), "{f:#?}");
    assert!(has(&f, "three_public.reception", "4.20"), "{f:#?}");
    assert!(
        has(&f, "three_public.reception.completion_pct", "70.00"),
        "{f:#?}"
    );
    let item = f
        .iter()
        .find(|x| x.key == "general_budget.item" && x.value == "288.50")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(item.code.as_deref(), Some("2140106"));
    assert!(has(&f, "general_budget.item.budget", "300.00"), "{f:#?}");
    // A sentence that says more than its subject hands nothing on.
    let g = facts(&format!(
        "{FINAL}公务接待费主要用于接待上级检查。年初预算为6.00万元。\n"
    ));
    assert!(!has(&g, "three_public.reception.budget", "6.00"), "{g:#?}");
}

/// §3.3 Totals named with 决算 inside (`收入、支出决算总计均为`,
/// `财政拨款收入支出决算总计`): the two-sided total and the appropriation's.
#[test]
fn totals_named_with_their_basis() {
    let f = facts(&format!(
        "{FINAL}2022年度收入、支出决算总计均为4,872.36万元。2022年度财政拨款收入支出决算总计4,687.95万元。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "4872.36"), "{f:#?}");
    assert!(has(&f, "fiscal.total", "4687.95"), "{f:#?}");
    assert!(!has(&f, "income.fiscal_appropriation", "4687.95"), "{f:#?}");
}

/// §3.6 A 项 line's code printed in brackets between its name and its amount.
#[test]
fn a_line_code_between_name_and_amount() {
    let f = facts(&format!(
        "{BUDGET}住房保障支出（类）住房改革支出（款）住房公积金（项）（2210201）173.36万元，比上年增加5.20万元。\n"
    ));
    let item = f
        .iter()
        .find(|x| x.key == "general_budget.item" && x.value == "173.36")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(item.code.as_deref(), Some("2210201"));
}

/// §2.1 A final account's 财政拨款支出 compared with its budget: the budget,
/// the final and the completion each under their own key; a figure per
/// student (生均) is no total.
#[test]
fn a_final_accounts_appropriation_against_its_budget() {
    let f = facts(&format!(
        "{FINAL}财政拨款支出年初预算为800.00万元，决算为850.50万元，完成年初预算的106.31%。生均财政拨款支出3,200.00元。\n"
    ));
    assert!(has(&f, "fiscal.expenditure.budget", "800.00"), "{f:#?}");
    assert!(has(&f, "fiscal.expenditure", "850.50"), "{f:#?}");
    assert!(
        has(&f, "fiscal.expenditure.completion_pct", "106.31"),
        "{f:#?}"
    );
    assert!(!has(&f, "fiscal.expenditure", "3200.00"), "{f:#?}");
}

/// §3.1 A university's 收入总计 / 支出总计 are this year's income and
/// expenditure; a department's are the two sides of its 收支总计.
#[test]
fn a_universitys_totals_are_its_income_and_expenditure() {
    let f = facts(
        "某某师范大学\n2023年度部门决算\n\n一、收入支出决算总体情况说明\n学校2023年度收入总计1,200.00万元，支出总计1,150.00万元。\n",
    );
    assert!(has(&f, "income.total", "1200.00"), "{f:#?}");
    assert!(has(&f, "expenditure.total", "1150.00"), "{f:#?}");
    let f = facts(&format!(
        "{FINAL}2022年度收入总计1,200.00万元，支出总计1,200.00万元。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "1200.00"), "{f:#?}");
    assert!(!has(&f, "income.total", "1200.00"), "{f:#?}");
}

/// §5.5 A school's figure per student (生均) is its own, never the class or
/// total whose name it holds.
#[test]
fn figures_per_student_are_not_the_totals() {
    let f = facts(&format!(
        "{FINAL}按在校生1,000人计算，生均教育支出52,000.00元，生均财政拨款支出30,000.00元。\n"
    ));
    assert!(
        has(&f, "x.edu.per_student_education_expenditure", "52000.00"),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.edu.per_student_fiscal_expenditure", "30000.00"),
        "{f:#?}"
    );
    assert!(
        !f.iter()
            .any(|x| x.key.starts_with("expenditure.") || x.key.starts_with("fiscal.")),
        "{f:#?}"
    );
}

/// §6.5 `分别`: the figures after it go to the sentence's subjects in order.
#[test]
fn respectively_gives_each_subject_its_figure() {
    let f = facts(&format!(
        "{FINAL}2022年度，收入总计500.00万元，支出总计480.00万元，分别比上年增长4.20%和3.10%。\n"
    ));
    assert!(has(&f, "totals.income_expenditure", "500.00"), "{f:#?}");
    let pcts: Vec<_> = keyed(&f, "totals.income_expenditure.yoy_pct");
    assert_eq!(pcts.len(), 2, "{f:#?}");
    let f = facts(
        "某某大学\n2023年度部门决算\n\n一、总体情况\n学校收入总计5.00亿元，支出总计4.80亿元，分别比上年增长4.20%和3.10%。\n",
    );
    assert!(has(&f, "income.total.yoy_pct", "4.20"), "{f:#?}");
    assert!(has(&f, "expenditure.total.yoy_pct", "3.10"), "{f:#?}");
}

/// §4.4 The name after 占 is the share's base: the share is the subject's.
#[test]
fn the_name_after_zhan_is_the_base_of_the_share() {
    let f = facts(&format!(
        "{FINAL}（一）因公出国（境）费。年初预算为5.00万元，支出决算为4.00万元，完成年初预算的80.00%，占“三公”经费的20.00%。\n"
    ));
    assert!(
        has(&f, "three_public.overseas.share_pct", "20.00"),
        "{f:#?}"
    );
    assert!(
        !f.iter().any(|x| x.key.starts_with("three_public.total")),
        "{f:#?}"
    );
}

/// §6.x A section about the government funds holds their lines; a fund's
/// carry-over from last year is no income of this year.
#[test]
fn a_government_fund_sections_lines_are_the_funds() {
    let f = facts(&format!(
        "{BUDGET}七、政府性基金预算支出情况\n2023年政府性基金预算拨款支出300.00万元，其中：城乡社区支出（类）国有土地使用权出让收入安排的支出（款）城市建设支出（项）300.00万元。上年结转的政府性基金预算拨款50.00万元。\n"
    ));
    assert!(has(&f, "gov_fund.item", "300.00"), "{f:#?}");
    assert!(!has(&f, "general_budget.item", "300.00"), "{f:#?}");
    assert!(!has(&f, "income.gov_fund", "50.00"), "{f:#?}");
}

/// A 项's name may hold a short bracket of its own (`（室）`).
#[test]
fn an_item_name_may_hold_a_short_bracket() {
    let f = facts(&format!(
        "{BUDGET}四、一般公共预算支出情况\n一般公共服务支出（类）政府办公厅（室）及相关机构事务（款）其他政府办公厅（室）及相关机构事务支出（项）（2010399）120.00万元。\n"
    ));
    let item = f
        .iter()
        .find(|x| x.key == "general_budget.item" && x.value == "120.00")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(
        item.label.as_deref(),
        Some("一般公共服务支出/政府办公厅（室）及相关机构事务/其他政府办公厅（室）及相关机构事务支出")
    );
}
