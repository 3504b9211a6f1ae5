//! Made-up sentences of the narrative forms the fifth blind set's
//! development half showed (the form's number in WORDING.md where it has one).

use super::clause::tests::{facts, has};

const FINAL: &str = "某县林业局2023年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";
const BUDGET: &str = "某县林业局2024年部门预算\n\n六、“三公”经费预算情况说明\n";

/// §6.1 The vehicle parts printed short in brackets after their whole, a
/// purchase count between them.
#[test]
fn vehicle_parts_printed_short_after_their_whole() {
    let f = facts(&format!(
        "{BUDGET}公务用车购置及运行维护费48.00万元（其中：购置费30.00万元，计划购置1辆；运行维护费18.00万元），公务接待费5.00万元。\n"
    ));
    assert!(has(&f, "three_public.vehicle", "48.00"), "{f:#?}");
    assert!(has(&f, "three_public.vehicle_purchase", "30.00"), "{f:#?}");
    assert!(has(&f, "three_public.vehicle_operation", "18.00"), "{f:#?}");
    assert!(
        has(&f, "three_public.vehicle_purchase.count", "1"),
        "{f:#?}"
    );
}

/// §1.6 A purchase count with the vehicles' use before it.
#[test]
fn a_purchase_count_with_the_vehicles_use() {
    let f = facts(&format!(
        "{BUDGET}公务用车购置费60.00万元，计划更新购置新能源执法执勤车辆4辆。\n"
    ));
    assert!(
        has(&f, "three_public.vehicle_purchase.count", "4"),
        "{f:#?}"
    );
}

/// §1.4 The foreign part's amount after its counts, and named alone.
#[test]
fn the_foreign_receptions_amount_after_its_counts() {
    let f = facts(&format!(
        "{FINAL}公务接待费支出决算为7.00万元。全年国内公务接待40批次，320人次（其中：外事接待1批次，6人次，支出0.35万元）。\n"
    ));
    assert!(has(&f, "three_public.reception.foreign", "0.35"), "{f:#?}");
    assert!(
        has(&f, "three_public.reception.persons.foreign", "6"),
        "{f:#?}"
    );
    assert!(!has(&f, "three_public.reception.foreign", "6"), "{f:#?}");
    let f = facts(&format!(
        "{FINAL}公务接待费9.00万元，其中外宾接待费1.20万元。\n"
    ));
    assert!(has(&f, "three_public.reception.foreign", "1.20"), "{f:#?}");
}

/// The counts beside 会议费 / 培训费.
#[test]
fn meeting_and_training_counts() {
    let f = facts(&format!(
        "{FINAL}会议费支出20.00万元，培训费支出35.00万元。全年召开会议18个、参会760人次，举办培训9期、培训540人次。\n"
    ));
    assert!(has(&f, "x.meeting.count", "18"), "{f:#?}");
    assert!(has(&f, "x.meeting.persons", "760"), "{f:#?}");
    assert!(has(&f, "x.training.sessions", "9"), "{f:#?}");
    assert!(has(&f, "x.training.persons", "540"), "{f:#?}");
}

/// The staff in service, however the count is named.
#[test]
fn staff_in_service() {
    for (sentence, value) in [
        ("本部门在职实有人数57人，其中：行政人员20人。", "57"),
        ("本单位实有在职人员63人。", "63"),
        ("截至2023年底，现有在职人员1,025人。", "1025"),
    ] {
        let f = facts(&format!("{FINAL}{sentence}\n"));
        assert!(has(&f, "x.staff.in_service", value), "{sentence}: {f:#?}");
    }
}

/// WORDING 10.7: the funds after the projects' count, the key projects'
/// funds apart, and the projects the department evaluated itself.
#[test]
fn performance_funds_and_evaluated_projects() {
    let f = facts(&format!(
        "{FINAL}本部门对全部项目开展绩效自评，共涉及项目12个，资金860.40万元，其中重点项目3个，涉及资金410.00万元。组织对“林区道路养护项目”等2个项目开展了部门评价。\n"
    ));
    assert!(
        has(&f, "x.performance.target_managed_funds", "860.40"),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.performance.key_projects_funds", "410.00"),
        "{f:#?}"
    );
    assert!(
        !has(&f, "x.performance.target_managed_funds", "410.00"),
        "{f:#?}"
    );
    assert!(
        has(&f, "x.performance.projects_dept_evaluated", "2"),
        "{f:#?}"
    );
}

/// The fund's expenditure after its income named by 支出 alone, and its
/// one item line after `全部为`.
#[test]
fn a_funds_expenditure_after_its_income_and_its_only_line() {
    let f = facts(
        "某县林业局2023年度部门决算\n八、政府性基金预算财政拨款收入支出决算情况说明\n2023年度政府性基金预算财政拨款收入75.00万元，支出72.40万元，全部为农林水支出（类）大中型水库移民后期扶持基金支出（款）移民补助（项）支出72.40万元。\n",
    );
    assert!(has(&f, "gov_fund.expenditure", "72.40"), "{f:#?}");
    assert!(
        f.iter().any(|x| x.key == "gov_fund.item"
            && x.value == "72.40"
            && x.label.as_deref() == Some("农林水支出/大中型水库移民后期扶持基金支出/移民补助")),
        "{f:#?}"
    );
}
