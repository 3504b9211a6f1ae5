//! The section tree on real documents: table of contents, misnumbering, kinds.

use crate::common;

use caizheng::sections::{build, KindTable};

fn tree_of(doc: &str) -> Option<(String, caizheng::sections::SectionTree)> {
    let corpus = common::corpus_dir()?;
    let bytes = std::fs::read(corpus.join(doc)).expect("read");
    let document = caizheng::read::read_document(&bytes, doc).expect("readable");
    let tree = build(&document.text, &KindTable::builtin());
    Some((document.text, tree))
}

#[test]
fn panzhihua_toc_and_misnumbered_headings() {
    let Some((text, tree)) = tree_of("panzhihua-beijing-office-2020-final.txt") else {
        return;
    };
    // The table of contents: headings with page numbers on the next line.
    assert!(tree.toc.len() >= 25, "{} toc entries", tree.toc.len());
    let first = &tree.toc[0];
    assert_eq!((first.title.as_str(), first.page), ("部门概况", Some(4)));
    assert!(tree
        .toc
        .iter()
        .any(|t| t.title == "一般公共预算财政拨款“三公”经费支出决算表" && t.page == Some(34)));
    // No content section starts inside the table of contents.
    let toc_end = tree.toc.last().expect("toc").span.end;
    assert!(tree.sections.iter().all(|s| s.heading.start > toc_end));

    let level2: Vec<(&str, &str)> = tree
        .sections
        .iter()
        .filter(|s| s.level == 2)
        .map(|s| (s.title.as_str(), s.kind.as_str()))
        .collect();
    // `1、 收入支出决算总体情况说明` and `9、 国有资本经营…` stand where 一、 and 九、 belong.
    assert!(
        level2.contains(&("收入支出决算总体情况说明", "overview")),
        "{level2:?}"
    );
    assert!(
        level2.contains(&("国有资本经营预算支出决算情况说明", "state_capital")),
        "{level2:?}"
    );
    let overview = tree
        .sections
        .iter()
        .find(|s| s.title == "收入支出决算总体情况说明")
        .expect("overview");
    let parent = &tree.sections[overview.parent.expect("parent")];
    assert_eq!(
        (parent.level, parent.title.as_str()),
        (1, "2020年度部门决算情况说明")
    );
    // The figure of 三公 sits in the 三公 section chain.
    let at = text
        .find("“三公”经费财政拨款支出决算为6.84万元")
        .expect("sentence");
    let kinds: Vec<&str> = tree.chain_at(at).iter().map(|s| s.kind.as_str()).collect();
    assert!(kinds.contains(&"three_public"), "{kinds:?}");
}

#[test]
fn budget_toc_with_dot_leaders_and_unnumbered_headings() {
    let Some((text, tree)) = tree_of("putuo-city-management-2026-budget.txt") else {
        return;
    };
    assert!(tree.toc.len() >= 16, "{} toc entries", tree.toc.len());
    assert!(tree
        .toc
        .iter()
        .any(|t| t.title.contains("部门预算编制说明")));
    // `2026年部门预算编制说明` has no ordinal; the TOC says it is a heading.
    let at = text.find("收入预算4748.35万元").expect("sentence");
    let chain = tree.chain_at(at);
    assert_eq!(
        chain.first().map(|s| s.kind.as_str()),
        Some("overview"),
        "{chain:?}"
    );
    let at = text.find("机关运行经费预算为507.25万元").expect("sentence");
    assert!(tree
        .chain_at(at)
        .iter()
        .any(|s| s.kind == "admin_operating_cost"));
}

#[test]
fn pdf_toc_without_page_numbers() {
    let Some((text, tree)) = tree_of("putuo-finance-2024-final.pdf") else {
        return;
    };
    assert!(tree.toc.len() >= 20, "{} toc entries", tree.toc.len());
    let parts: Vec<&str> = tree
        .sections
        .iter()
        .filter(|s| s.level == 1)
        .map(|s| s.kind.as_str())
        .collect();
    assert!(parts.len() >= 3, "{parts:?}");
    let at = text.find("机关运行经费支出184.65万元").expect("sentence");
    assert!(tree
        .chain_at(at)
        .iter()
        .any(|s| s.kind == "admin_operating_cost"));
}
