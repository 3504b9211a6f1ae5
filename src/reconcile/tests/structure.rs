//! Placeholders, templates, years, the table of contents and budget-direction sentences.

use super::*;
use crate::sections::{Section, TocEntry};

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

/// A date on the cover (`发布日期：2021年9月15日`) and a final account's closing
/// section on next year's budget name other years, rightly.
#[test]
fn structure_dates_and_next_years_budget_are_no_year_mismatch() {
    let text = "某县2020年度县本级“三公”经费决算情况说明\n发布日期：2021年9月15日 文号：某财预〔2021〕3号\n一、总体情况\n支出100万元。\n二、2021年“三公”经费预算安排\n预算90万元。\n";
    let mut tree = SectionTree::default();
    section(&mut tree, text, "一、总体情况", "other", 2);
    section(&mut tree, text, "二、2021年“三公”经费预算安排", "other", 2);
    let doc = Doc {
        text: text.into(),
        facts: vec![],
    };
    let findings = doc.run_with(&tree, Some(2020));
    assert!(
        only(&findings, "structure.year_mismatch").is_empty(),
        "{findings:#?}"
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
