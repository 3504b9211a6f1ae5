//! Scope blocks (WORDING 6.9): a report for a whole region prints the same
//! figures twice, for the region (`全区`, `全州`, `全市` …) and for its own
//! level (`区本级`, `州本级`, `区直` …), in blocks under headings or in
//! sentences that name the scope. The keys are the same; the label says
//! which scope a figure is printed for, so that the two never read as one
//! figure stated twice.
//!
//! Only a document that names both kinds of scope, or whose title names its
//! own level (`蜀南市市本级2023年度“三公”经费决算情况说明`), is read this way:
//! a department's report that mentions `全区` in passing keeps its labels.
//! In such a document a sentence or list item that opens with a unit's name
//! (`1.市公安局“三公”经费年初预算680.00万元，…`) is that unit's line: its
//! figures are labelled with the unit, not the scope.

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
    /// The own level as a title names it (`区级`): a scope only in a
    /// document whose title names it, since a department's text uses the
    /// same words in passing (`市级财政拨款`).
    #[serde(default)]
    pub title_levels: Vec<String>,
    /// How a unit's name ends (`局`, `办公室`, `支队` …), for the lines of
    /// one unit in a whole-region report.
    #[serde(default)]
    pub unit_endings: Vec<String>,
    /// The regexes built from `unit_endings`, once per pattern set.
    #[serde(skip)]
    compiled: std::sync::OnceLock<UnitRegexes>,
}

#[derive(Debug, Clone)]
struct UnitRegexes {
    line: Option<regex::Regex>,
    entry: Option<regex::Regex>,
}

impl ScopeWords {
    /// Build the unit-name regexes now (see [`super::warm_up`]).
    pub fn warm_up(&self) {
        self.compiled();
    }

    fn compiled(&self) -> &UnitRegexes {
        self.compiled.get_or_init(|| UnitRegexes {
            line: unit_line_regex(&self.unit_endings),
            entry: super::unit_lists::entry_regex(&self.unit_endings),
        })
    }

    /// A `{unit name}{amount}` of a list by unit (see `unit_lists`).
    pub(super) fn unit_entry(&self) -> Option<&regex::Regex> {
        self.compiled().entry.as_ref()
    }
}

/// How many lines at the top hold the title.
const TITLE_LINES: usize = 6;

/// Label each unlabelled narrative fact of a scope-block document with the
/// scope it is printed under: the last scope named in its sentence before
/// it, else the nearest section title naming one.
pub fn label_scopes(
    facts: &mut [Fact],
    text: &str,
    tree: &SectionTree,
    words: &ScopeWords,
    entity: Option<&str>,
) {
    let names = |list: &[String]| list.iter().any(|w| text.contains(w.as_str()));
    let title_scope = title_scope(text, words);
    if title_scope.is_none() && (!names(&words.region) || !names(&words.own_level)) {
        return;
    }
    let levels: &[String] = if title_scope.is_some() {
        &words.title_levels
    } else {
        &[]
    };
    let all: Vec<&String> = words
        .region
        .iter()
        .chain(&words.own_level)
        .chain(levels)
        .collect();
    let Ok(finder) = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&all)
    else {
        return;
    };
    let last_scope = |s: &str| finder.find_iter(s).last().map(|m| all[m.pattern()].clone());
    let unit_line = words.compiled().line.as_ref();
    let unit_named = |sentence: &str| {
        let name = unit_line?.captures(sentence)?.name("unit")?.as_str();
        // The publisher's own name opens its own sentences: no unit's line.
        let publisher = entity.is_some_and(|e| e.contains(name) || name.contains(e));
        (!publisher
            && !finder.is_match(name)
            && !name.contains(['各', '全'])
            && !name.contains("所属"))
        .then(|| name.to_string())
    };
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
        // A numbered list item opening with a unit's name (`1.市公安局：…。其中：…。`)
        // is that unit's paragraph, every sentence of it.
        let line = before.rfind('\n').map_or(before, |cut| &before[cut..]);
        let item_unit = || {
            let opens = unit_line?.captures(line)?;
            opens.name("number")?;
            unit_named(line)
        };
        let scope = unit_named(sentence)
            .or_else(|| last_scope(sentence))
            .or_else(item_unit)
            .or_else(|| {
                tree.chain_at(at)
                    .iter()
                    .find_map(|section| last_scope(&section.title))
            })
            .or_else(|| title_scope.clone());
        facts[i].label = scope;
    }
}

/// The own level a report's title is printed for (`…市本级2023年度…说明`,
/// `关于某区2024年度区级“三公”经费…的公告`):
/// the scope of every figure that names no other.
fn title_scope(text: &str, words: &ScopeWords) -> Option<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(TITLE_LINES)
        .filter(|l| l.contains('年'))
        .find_map(|l| {
            let own = words
                .own_level
                .iter()
                .chain(&words.title_levels)
                .find(|w| l.contains(w.as_str()))?;
            (!words.region.iter().any(|w| l.contains(w.as_str()))).then(|| own.clone())
        })
}

/// A sentence opening with a unit's name, after a list number (group
/// `number`) or `其中：`;
/// the longest name that ends as a unit's does (`…外事办公室`, not `…外事办`),
/// or the rest of a list of units (`其余76个单位`).
fn unit_line_regex(endings: &[String]) -> Option<regex::Regex> {
    crate::ascii_regex::ascii_regex(&format!(
        r"^[。；;\n\s]*(?P<number>[（(]?[0-9]{{1,2}}[)）.、．]\s*)?(?:其中[：:，,]\s*)?(?P<unit>(?:其余|其他)[0-9]{{1,4}}个(?:单位|部门)(?:[（(](?:单位|部门)[)）])?|\p{{Han}}{{1,20}}(?:{}))",
        ending_alternatives(endings)?
    ))
    .ok()
}

/// The endings of a unit's name as a regex alternation, longest first;
/// None when there are none.
pub(super) fn ending_alternatives(endings: &[String]) -> Option<String> {
    if endings.is_empty() {
        return None;
    }
    let mut endings: Vec<&String> = endings.iter().collect();
    endings.sort_by_key(|e| std::cmp::Reverse(e.chars().count()));
    let alternatives: Vec<String> = endings.iter().map(|e| regex::escape(e)).collect();
    Some(alternatives.join("|"))
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
            title_levels: vec!["州级".into()],
            unit_endings: vec!["局".into(), "办公室".into(), "支队".into()],
            ..Default::default()
        }
    }

    /// The labels `label_scopes` gives the figures printed as `values`.
    fn labels_of(text: &str, values: &[&str], entity: Option<&str>) -> Vec<Option<String>> {
        let tree = crate::sections::build(text, &crate::sections::KindTable::builtin());
        let mut facts: Vec<Fact> = values.iter().map(|v| fact(text, v)).collect();
        label_scopes(&mut facts, text, &tree, &words(), entity);
        facts.into_iter().map(|f| f.label).collect()
    }

    #[test]
    fn a_title_naming_its_own_level_scopes_every_figure_and_units_label_their_lines() {
        let text = "某州州本级2023年度“三公”经费决算情况说明\n一、总体情况\n“三公”经费决算支出800万元。\n二、部分部门情况\n1.州公安局“三公”经费决算120万元，比上年减少5万元。\n2.州人民政府外事办公室“三公”经费决算30万元。\n其中：州交通运输综合行政执法支队购置4辆。\n";
        let labels = labels_of(text, &["800", "120", "5万", "30", "4辆"], None);
        assert_eq!(
            labels.iter().map(Option::as_deref).collect::<Vec<_>>(),
            [
                Some("州本级"),
                Some("州公安局"),
                Some("州公安局"),
                Some("州人民政府外事办公室"),
                Some("州交通运输综合行政执法支队")
            ]
        );
    }

    #[test]
    fn the_rest_of_a_list_of_units_labels_its_own_line() {
        let text = "某州州本级2023年度“三公”经费决算情况说明\n1.州公安局“三公”经费决算120万元。\n其余40个单位“三公”经费决算合计300万元。\n培训费支出80万元。其中，州教育局培训费支出35万元。\n";
        let labels = labels_of(text, &["120", "300", "80", "35"], None);
        assert_eq!(
            labels.iter().map(Option::as_deref).collect::<Vec<_>>(),
            [
                Some("州公安局"),
                Some("其余40个单位"),
                Some("州本级"),
                Some("州教育局")
            ]
        );
    }

    #[test]
    fn a_numbered_unit_item_labels_every_sentence_of_its_paragraph() {
        let text = "某州州本级2024年“三公”经费预算情况说明\n二、部分州直部门情况\n1.州水利局：“三公”经费预算40万元。其中：公务接待费6万元。计划购置2辆。\n其余12个部门（单位）“三公”经费预算合计90万元。\n公务用车保有量70辆。\n";
        let labels = labels_of(text, &["40", "6万", "2辆", "90", "70辆"], None);
        assert_eq!(
            labels.iter().map(Option::as_deref).collect::<Vec<_>>(),
            [
                Some("州水利局"),
                Some("州水利局"),
                Some("州水利局"),
                Some("其余12个部门（单位）"),
                Some("州直")
            ]
        );
    }

    #[test]
    fn the_publisher_opening_its_own_sentence_is_no_unit_line() {
        let text = "全州“三公”经费支出500万元。州本级“三公”经费支出100万元。\n州交通运输局2024年“三公”经费预算30万元。\n";
        assert_eq!(labels_of(text, &["30"], Some("州交通运输局")), [None]);
    }

    #[test]
    fn a_department_whose_text_names_its_own_level_keeps_its_labels() {
        let text =
            "某县水利局2023年部门预算说明\n本局为县本级一级预算单位。\n“三公”经费预算12万元。\n";
        assert_eq!(labels_of(text, &["12"], None), [None]);
    }

    #[test]
    fn each_figure_takes_the_scope_it_is_printed_under() {
        let text = "一、全州“三公”经费情况\n全州“三公”经费支出500万元；与上年相比减少20万元。\n二、州本级“三公”经费情况\n“三公”经费支出120万元。全州公务用车保有量300辆。\n";
        // Facts of one pattern match share where they start.
        let labels = labels_of(text, &["500", "500", "20", "120", "300"], None);
        assert_eq!(
            labels.iter().map(Option::as_deref).collect::<Vec<_>>(),
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
    fn a_title_naming_the_own_level_as_x_ji_scopes_the_notice() {
        let text = "关于某州2023年度州级“三公”经费决算情况的公告\n一、总体情况\n2023年，州级“三公”经费决算支出900万元。\n二、部门情况\n州水利局“三公”经费决算40万元。\n";
        let labels = labels_of(text, &["900", "40"], None);
        assert_eq!(
            labels.iter().map(Option::as_deref).collect::<Vec<_>>(),
            [Some("州级"), Some("州水利局")]
        );
    }

    #[test]
    fn a_department_text_saying_zhou_ji_in_passing_keeps_its_labels() {
        let text = "某州水利局2023年部门决算说明\n全州水利项目20个。州级财政拨款收入300万元。\n";
        assert_eq!(labels_of(text, &["300"], None), [None]);
    }

    #[test]
    fn a_department_naming_one_scope_keeps_its_labels() {
        let text = "全州教育系统共有学校30所。本部门“三公”经费支出12万元。\n";
        assert_eq!(labels_of(text, &["12"], None), [None]);
    }
}
