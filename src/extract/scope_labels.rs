//! Scope blocks (WORDING 6.9): a report for a whole region prints the same
//! figures twice, for the region (`全区`, `全州`, `全市` …) and for its own
//! level (`区本级`, `州本级`, `区直` …), in blocks under headings or in
//! sentences that name the scope. The keys are the same; the label says
//! which scope a figure is printed for, so that the two never read as one
//! figure stated twice.
//!
//! Only a document that names both kinds of scope is read this way: a
//! department's report that mentions `全区` in passing keeps its labels.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use crate::report::{Fact, FactSource};
use crate::sections::SectionTree;

/// The scope words, from `[scope_blocks]` in `patterns/common.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeWords {
    /// The whole region (`全区`).
    pub region: Vec<String>,
    /// The government's own level (`区本级`, `区直`).
    pub own_level: Vec<String>,
}

/// Label each unlabelled narrative fact of a scope-block document with the
/// scope it is printed under: the last scope named in its sentence before
/// it, else the nearest section title naming one.
pub fn label_scopes(facts: &mut [Fact], text: &str, tree: &SectionTree, words: &ScopeWords) {
    let names = |list: &[String]| list.iter().any(|w| text.contains(w.as_str()));
    if !names(&words.region) || !names(&words.own_level) {
        return;
    }
    let all: Vec<&String> = words.region.iter().chain(&words.own_level).collect();
    let Ok(finder) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&all)
    else {
        return;
    };
    let last_scope = |s: &str| finder.find_iter(s).last().map(|m| all[m.pattern()].clone());
    let mut order: Vec<usize> = (0..facts.len())
        .filter(|&i| facts[i].source == FactSource::Narrative && facts[i].label.is_none())
        .collect();
    order.sort_by_key(|&i| facts[i].span[0]);
    // Char offsets (the facts' spans, in increasing order) to byte offsets, in one pass.
    let mut chars = text.char_indices().map(|(b, _)| b).enumerate().peekable();
    let mut byte_at = |char_at: usize| {
        while chars.next_if(|&(c, _)| c < char_at).is_some() {}
        chars.peek().map_or(text.len(), |&(_, b)| b)
    };
    for i in order {
        let at = byte_at(facts[i].span[0]);
        let before = &text[..at];
        let sentence = before
            .rfind(['。', '；', ';', '\n'])
            .map_or(before, |cut| &before[cut..]);
        let scope = last_scope(sentence).or_else(|| {
            tree.chain_at(at)
                .iter()
                .find_map(|section| last_scope(&section.title))
        });
        facts[i].label = scope;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(text: &str, value: &str) -> Fact {
        let start = text.find(value).unwrap();
        let s = text[..start].chars().count();
        Fact {
            key: "three_public.total".into(),
            value: value.into(),
            unit: Some("万元".into()),
            value_wan: None,
            label: None,
            code: None,
            page: None,
            section: None,
            text: value.into(),
            span: [s, s + value.chars().count()],
            source: FactSource::Narrative,
            pattern: "test".into(),
        }
    }

    fn words() -> ScopeWords {
        ScopeWords {
            region: vec!["全州".into()],
            own_level: vec!["州本级".into(), "州直".into()],
        }
    }

    #[test]
    fn each_figure_takes_the_scope_it_is_printed_under() {
        let text = "一、全州“三公”经费情况\n全州“三公”经费支出500万元；与上年相比减少20万元。\n二、州本级“三公”经费情况\n“三公”经费支出120万元。全州公务用车保有量300辆。\n";
        let tree = crate::sections::build(text, &crate::sections::KindTable::builtin());
        // Facts of one pattern match share where they start.
        let mut facts = vec![
            fact(text, "500"),
            fact(text, "500"),
            fact(text, "20"),
            fact(text, "120"),
            fact(text, "300"),
        ];
        label_scopes(&mut facts, text, &tree, &words());
        let labels: Vec<_> = facts.iter().map(|f| f.label.as_deref()).collect();
        assert_eq!(
            labels,
            [
                Some("全州"),
                Some("全州"),
                Some("全州"),
                Some("州本级"),
                Some("全州")
            ]
        );
    }

    #[test]
    fn a_department_naming_one_scope_keeps_its_labels() {
        let text = "全州教育系统共有学校30所。本部门“三公”经费支出12万元。\n";
        let tree = crate::sections::build(text, &crate::sections::KindTable::builtin());
        let mut facts = vec![fact(text, "12")];
        label_scopes(&mut facts, text, &tree, &words());
        assert_eq!(facts[0].label, None);
    }
}
