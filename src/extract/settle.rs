//! After the patterns: what the whole document's candidates settle. A
//! pattern inside a longer known name or after a direction word gives way;
//! the clause reader adds the figures no pattern read; totals listing the
//! carry-over become 收支总计; a list by unit that adds up to a total is
//! split by unit; a unit that does not suit its key is dropped.

use super::patterns::PatternSet;
use super::{clause, Candidate};
use crate::sections::SectionTree;

use std::sync::LazyLock;

static YEAR_BLOCK: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(r"(?m)(?:^|[。；;])\s*((?:19|20)\d{2})\s?年度?的")
        .expect("year block regex")
});
static UNITS_ABOVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(r"^\s*(?:[0-9]{1,2}[.、．]\s*)?(?:以上|上述|上列)[0-9一二三四五六七八九十]*(?:个|家|所)?(?:部门|单位|预算单位)")
        .expect("units-above regex")
});
/// A sentence or list item opening with a year (`2.2022年…`, `。2025年度…`).
static YEAR_OPENING: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(
        r"(?m)(?:^|[。；;])\s*(?:[（(]?[0-9]{1,2}[)）.、．]\s*)?(?:[一二三四五六七八九十]{1,3}、\s*)?((?:19|20)\d{2})\s?年(?:度)?[^0-9月]",
    )
    .expect("year opening regex")
});
static CATEGORY_LIST: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(
        r"(?P<labels>(?:货物|服务|工程)(?:[、和及与](?:货物|服务|工程)){1,2})类?(?:采购)?(?:预算|支出|金额)?(?:分别为|分别是|各为)\s?(?P<values>[0-9][0-9.]*\s?(?:万元|元|亿元)?(?:\s?[、和及与,，]\s?[0-9][0-9.]*\s?(?:万元|元|亿元)?){1,2})(?:[，,]\s?占[^，。；\d]{0,24}?(?:比重|比例)?(?:分别为|分别是|各为)\s?(?P<pcts>[0-9][0-9.]*\s?%(?:\s?[、和及与,，]\s?[0-9][0-9.]*\s?%){1,2}))?",
    )
    .expect("category list regex")
});
static CATEGORY_NUMBER: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(r"[0-9]+(?:\.[0-9]+)?\s?(?P<unit>万元|元|亿元|%)?")
        .expect("number regex")
});

/// Build this module's regexes now (see [`super::warm_up`]).
pub(super) fn warm_up() {
    for re in [
        &YEAR_BLOCK,
        &UNITS_ABOVE,
        &YEAR_OPENING,
        &CATEGORY_LIST,
        &CATEGORY_NUMBER,
    ] {
        LazyLock::force(re);
    }
}

/// What the steps take from the text alone, built while the patterns read it.
pub(super) struct Groundwork {
    names: Vec<clause::lexicon::NameHit>,
    clause: clause::Groundwork,
}

impl Groundwork {
    pub(super) fn new(text: &str, set: &PatternSet) -> Groundwork {
        let names = set.lexicon.find_all(text);
        let clause = clause::Groundwork::new(text, &set.cues, &names);
        Groundwork { names, clause }
    }
}

/// The steps, in order.
pub(super) fn after_patterns(
    text: &str,
    tree: &SectionTree,
    (doc_kind, entity, fiscal_year): (Option<&str>, Option<&str>, Option<i32>),
    set: &PatternSet,
    groundwork: &Groundwork,
    candidates: &mut Vec<Candidate>,
) {
    let names = &groundwork.names;
    drop_inside_longer_names(set, names, candidates);
    // `增加基本支出844.15万元`: not the amount, the change; the clause reader reads it.
    candidates.retain(|c| {
        !(c.qualifier.is_empty()
            && c.unit.as_deref() != Some("%")
            && set.cues.direction_before(&text[..c.quote.start]).is_some())
    });
    read_clauses(text, tree, (doc_kind, entity), set, groundwork, candidates);
    drop_joint_subjects(text, names, candidates);
    totals_with_carryover(text, set, candidates);
    shares_of_other_bases(text, set, candidates);
    year_blocks(text, candidates);
    candidates.retain(|c| !of_the_units_above(text, c.quote.start));
    if let Some(year) = fiscal_year {
        last_year_sentences(text, year, candidates);
        next_year_budget_sentences(text, tree, year, candidates);
    }
    super::reception_parts::foreign_reception_in_brackets(text, candidates);
    super::reception_parts::foreign_reception_in_clauses(text, candidates);
    category_lists(text, set, candidates);
    super::unit_lists::unit_lists(text, set, candidates);
    // A count never fills an amount key, an amount never a count key.
    candidates.retain(|c| unit_fits_key(set, c));
}

/// A pattern that matched the tail of a longer name the lexicon knows
/// (`收入预算总计` in `财政专户管理资金收入预算总计`) read another term's figure.
fn drop_inside_longer_names(
    set: &PatternSet,
    names: &[clause::lexicon::NameHit],
    candidates: &mut Vec<Candidate>,
) {
    candidates.retain(|c| {
        let at = c.quote.start;
        let i = names.partition_point(|h| h.start < at);
        // The name that starts before the quote and runs into it.
        !i.checked_sub(1).is_some_and(|j| {
            let h = &names[j];
            h.end > at && !h.terms.iter().any(|&t| set.lexicon.terms[t].key == c.key)
        })
    });
}

/// A figure after two names joined by 和/及/与 (`涉及一般公共预算拨款和政府性
/// 基金预算拨款9,559.74万元`) is the two together, not the second's own.
fn drop_joint_subjects(
    text: &str,
    names: &[clause::lexicon::NameHit],
    candidates: &mut Vec<Candidate>,
) {
    let joint = |at: usize| {
        let Some(before) = ["和", "及", "与"]
            .iter()
            .find_map(|c| text[..at].strip_suffix(c))
        else {
            return false;
        };
        let i = names.partition_point(|h| h.start < at);
        names.get(i).is_some_and(|h| h.start == at)
            && names[..i]
                .iter()
                .rev()
                .take(8)
                .any(|h| h.end == before.len())
    };
    candidates.retain(|c| !joint(c.quote.start));
}

/// Add the figures no pattern read that the clause reader can place.
fn read_clauses(
    text: &str,
    tree: &SectionTree,
    (doc_kind, entity): (Option<&str>, Option<&str>),
    set: &PatternSet,
    groundwork: &Groundwork,
    candidates: &mut Vec<Candidate>,
) {
    let anchors: Vec<clause::Anchor> = candidates
        .iter()
        .map(|c| clause::Anchor {
            figure: c.figure.clone(),
            key: c.key.clone(),
            label: c.label.clone(),
            code: c.code.clone(),
            change_sign: c.key.ends_with(crate::keys::YOY_CHANGE).then(|| {
                if c.value.starts_with('-') {
                    -1
                } else {
                    1
                }
            }),
        })
        .collect();
    let output = clause::read(
        &clause::ClauseInput {
            text,
            tree,
            doc_kind,
            entity,
            lexicon: &set.lexicon,
            cues: &set.cues,
            names: &groundwork.names,
            anchors: &anchors,
            functional_codes: &set.functional_codes,
        },
        &groundwork.clause,
    );
    for (figure, key) in output.rekeyed {
        if let Some(c) = candidates.iter_mut().find(|c| c.figure.start == figure) {
            c.key = key;
        }
    }
    candidates.extend(output.readings.into_iter().map(|r| Candidate {
        key: r.key,
        value: r.value,
        unit: Some(r.unit),
        value_wan: r.value_wan,
        label: r.label,
        code: r.code,
        strength: (-100, r.figure.len()),
        figure: r.figure,
        quote: r.quote,
        pattern: r.rule,
        qualifier: "",
        side: 0,
    }));
}

/// A this-year total whose `其中` list names the carry-over is the total
/// with the carry-over (`[[clause.with_carryover]]`).
fn totals_with_carryover(text: &str, set: &PatternSet, candidates: &mut [Candidate]) {
    for def in &set.cues.with_carryover {
        for c in candidates
            .iter_mut()
            .filter(|c| c.qualifier.is_empty() && def.keys.contains(&c.key))
        {
            // `支出预算X（本年支出预算Y），其中…结转下年Z`: the list belongs to X;
            // the bracketed Y says which part of it is this year's.
            if inside_brackets(&text[..c.figure.start]) {
                continue;
            }
            let rest = &text[c.figure.end..];
            let sentence = &rest[..list_end(rest)];
            let list = sentence
                .find("其中")
                .map(|i| &sentence[i..])
                .or_else(|| restated_list(text, c));
            let Some(list) = list else {
                continue;
            };
            if def.parts.iter().any(|p| list.contains(p.as_str())) {
                c.key = def.key.clone();
            }
        }
    }
}

/// `收入总计A万元，支出总计B万元。收入总计包括本年收入合计C万元和年初结转和
/// 结余D万元；支出总计包括…`: a total's list in a later sentence of its
/// paragraph that names it again and says what it holds (`{name}包括…`),
/// up to that clause's end.
fn restated_list<'t>(text: &'t str, c: &Candidate) -> Option<&'t str> {
    let printed = text.get(c.quote.start..c.figure.start)?;
    let name = printed
        .trim_start_matches(|ch: char| ch.is_ascii_digit())
        .trim_start_matches("年度")
        .trim_start_matches('年')
        .trim_end_matches(|ch: char| ch.is_whitespace() || "为是:：".contains(ch));
    if name.chars().count() < 2 || !name.chars().all(crate::normalize::is_han) {
        return None;
    }
    let rest = &text[c.figure.end..];
    let paragraph = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let at = paragraph.find(&format!("{name}包括"))?;
    let clause = &paragraph[at..];
    Some(&clause[..clause.find(['。', '；', ';']).unwrap_or(clause.len())])
}

/// Whether a bracket opened in the sentence before a figure is still open.
fn inside_brackets(before: &str) -> bool {
    let sentence = before.rsplit(['。', '\n']).next().unwrap_or(before);
    let open = sentence.rfind(['（', '(']);
    let close = sentence.rfind(['）', ')']);
    open.is_some() && open > close
}

/// Where the list after a figure ends: at `。`, or at a line break that does
/// not wrap a list line after its `；`/`，`/`、` (`…占2.62%；\n住房保障支出…`).
fn list_end(rest: &str) -> usize {
    let mut prev = None;
    for (i, c) in rest.char_indices() {
        if c == '。' || c == '\n' && !matches!(prev, Some('；' | ';' | '，' | ',' | '、')) {
            return i;
        }
        prev = Some(c);
    }
    rest.len()
}

/// Whether a candidate's unit suits its key: a count only on a count key,
/// an amount only on an amount key, a percentage only on a `_pct` key. Keys
/// the built-in vocabulary does not know (a publisher's own `x.` keys) keep
/// the unit their pattern gave them.
fn unit_fits_key(set: &PatternSet, c: &Candidate) -> bool {
    let Some(unit) = c.unit.as_deref() else {
        return true;
    };
    let base = clause::base_key(&c.key);
    let count_key = set.cues.is_count_key(&base);
    if !count_key && !set.lexicon.knows(&base) {
        return true;
    }
    if unit == "%" || c.key.ends_with("_pct") {
        return unit == "%" && c.key.ends_with("_pct");
    }
    let amount = set.units.get(unit).is_some_and(|(_, f)| f.is_some());
    count_key != amount
}

/// A share a pattern read whose clause names another base than the
/// subject's parent (`人员经费612.40万元，占基本支出的89.21%`, WORDING 4.4):
/// the `[[clause.share_of]]` key.
fn shares_of_other_bases(text: &str, set: &PatternSet, candidates: &mut [Candidate]) {
    for c in candidates
        .iter_mut()
        .filter(|c| c.key.ends_with(crate::keys::SHARE_PCT))
    {
        let before = &text[..c.figure.start];
        let clause = before
            .rfind(['，', ',', '；', ';', '：', ':', '。'])
            .map_or(before, |i| &before[i..]);
        if let Some((_, suffix)) = set
            .cues
            .share_of
            .iter()
            .find(|(cue, _)| cue.is_match(clause))
        {
            let base = c.key.trim_end_matches(crate::keys::SHARE_PCT);
            c.key = format!("x.{}{suffix}", base.strip_prefix("x.").unwrap_or(base));
        }
    }
}

/// Year blocks (WORDING 6.4): `2021年的…合计为{A}，其中：…。2020年的…合计为{A}，其中：…`
/// — a sentence opening with the year before the previous block's year
/// states last year's figures: its amounts are `.prior_year`.
fn year_blocks(text: &str, candidates: &mut [Candidate]) {
    let blocks: Vec<(usize, u32)> = YEAR_BLOCK
        .captures_iter(text)
        .filter_map(|c| {
            let y = c.get(1)?;
            Some((y.start(), y.as_str().parse().ok()?))
        })
        .collect();
    for pair in blocks.windows(2) {
        let ((first, year), (second, prior)) = (pair[0], pair[1]);
        // Adjacent blocks of one paragraph, the second a year earlier.
        if prior + 1 != year || text[first..second].contains('\n') {
            continue;
        }
        let end = second
            + text[second..]
                .find(['。', '\n'])
                .unwrap_or(text.len() - second);
        for c in candidates.iter_mut().filter(|c| {
            (second..end).contains(&c.figure.start)
                && clause::base_key(&c.key) == c.key
                && c.unit.as_deref() != Some("%")
        }) {
            c.key.push_str(crate::keys::PRIOR_YEAR);
        }
    }
}

/// A sentence about the units listed before it (`上述7个部门“三公”经费决算合计
/// 1,292.09万元`): a subtotal of a list of units, not the report's figure.
fn of_the_units_above(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let start = before.rfind(['。', '；', ';', '\n']).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    UNITS_ABOVE.is_match(&text[start..at])
}

/// A sentence or list item opening with the year before the report's
/// (`2.2022年市本级“三公”经费决算合计为2,935.05万元，其中：…` in a 2023 final
/// account, WORDING 6.4 without a block before it) states last year's
/// figures: its plain amounts are `.prior_year`.
fn last_year_sentences(text: &str, fiscal_year: i32, candidates: &mut [Candidate]) {
    for caps in YEAR_OPENING.captures_iter(text) {
        let Some(year) = caps.get(1) else { continue };
        if year.as_str().parse::<i32>().ok() != Some(fiscal_year - 1) {
            continue;
        }
        let (start, end) = (year.start(), sentence_end(text, year.start()));
        for c in candidates.iter_mut().filter(|c| {
            (start..end).contains(&c.figure.start)
                && c.qualifier.is_empty()
                && clause::base_key(&c.key) == c.key
                && matches!(c.unit.as_deref(), Some("万元" | "元" | "亿元"))
        }) {
            c.key.push_str(crate::keys::PRIOR_YEAR);
            c.qualifier = crate::keys::PRIOR_YEAR;
        }
    }
}

/// A sentence, list item or heading opening with the year after the
/// report's that speaks of a budget (`2025年县本级“三公”经费财政拨款预算安排
/// 520.00万元…` closing a 2024 final account, WORDING 9: next year's
/// figures): none of its figures is the report's, under any key. A
/// section headed so (`七、2025年“三公”经费预算安排`) is such a part whole.
fn next_year_budget_sentences(
    text: &str,
    tree: &SectionTree,
    fiscal_year: i32,
    candidates: &mut Vec<Candidate>,
) {
    let next = (fiscal_year + 1).to_string();
    let mut spans: Vec<std::ops::Range<usize>> = tree
        .sections
        .iter()
        .filter(|s| {
            let title = s.title.trim_start_matches(|c: char| !c.is_ascii_digit());
            title.starts_with(&next) && s.title.contains("预算")
        })
        .map(|s| s.heading.start..s.body.end)
        .collect();
    for caps in YEAR_OPENING.captures_iter(text) {
        let Some(year) = caps.get(1) else { continue };
        if year.as_str().parse::<i32>().ok() != Some(fiscal_year + 1) {
            continue;
        }
        let (start, end) = (year.start(), sentence_end(text, year.start()));
        if text[start..end].contains("预算") {
            spans.push(start..end);
        }
    }
    if !spans.is_empty() {
        candidates.retain(|c| !spans.iter().any(|s| s.contains(&c.figure.start)));
    }
}

/// Where the sentence holding `at` starts: after the `。` or line end before it.
pub(super) fn sentence_start(text: &str, at: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| c == '。' || c == '\n')
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Where the sentence holding `at` ends: its `。` or the end of its line.
pub(super) fn sentence_end(text: &str, at: usize) -> usize {
    at + text[at..].find(['。', '\n']).unwrap_or(text.len() - at)
}

/// Labels then values (WORDING 6.5): `货物、服务、工程类采购预算分别为30万元、45万元、
/// 0万元，占政府采购预算总额的比重分别为40%、60%、0%` — the procurement
/// categories in printed order, each label its value and share; the lists
/// must have as many values as labels (a list cut short gives nothing).
fn category_lists(text: &str, set: &PatternSet, candidates: &mut Vec<Candidate>) {
    let key_of = |label: &str| match label {
        "货物" => "procurement.goods",
        "服务" => "procurement.services",
        _ => "procurement.works",
    };
    let mut found = Vec::new();
    for caps in CATEGORY_LIST.captures_iter(text) {
        let (Some(labels), Some(values)) = (caps.name("labels"), caps.name("values")) else {
            continue;
        };
        let labels: Vec<&str> = labels.as_str().split(['、', '和', '及', '与']).collect();
        let numbers = |m: regex::Match| -> Vec<(std::ops::Range<usize>, Option<String>)> {
            CATEGORY_NUMBER
                .captures_iter(m.as_str())
                .map(|c| {
                    let n = c.get(0).expect("group 0");
                    let digits = n
                        .as_str()
                        .trim_end_matches(|ch: char| !ch.is_ascii_digit())
                        .len();
                    let start = m.start() + n.start();
                    (
                        start..start + digits,
                        c.name("unit").map(|u| u.as_str().to_string()),
                    )
                })
                .collect()
        };
        let values = numbers(values);
        if values.len() != labels.len() {
            continue;
        }
        // The amounts' unit: printed after the last value when not after each.
        let Some(unit) = values.iter().rev().find_map(|(_, u)| u.clone()) else {
            continue;
        };
        let whole = caps.get(0).expect("group 0").range();
        let mut push = |key: String, figure: std::ops::Range<usize>, unit: &str| {
            found.push(Candidate {
                key,
                value: text[figure.clone()].to_string(),
                unit: Some(unit.to_string()),
                value_wan: set.to_wan(unit).and_then(|factor| {
                    text[figure.clone()]
                        .parse::<rust_decimal::Decimal>()
                        .ok()
                        .map(|d| d * factor)
                }),
                label: None,
                code: None,
                strength: (-50, figure.len()),
                figure: figure.clone(),
                quote: whole.start..figure.end,
                pattern: "procurement#labels_then_values".into(),
                qualifier: "",
                side: 0,
            });
        };
        for (label, (figure, printed)) in labels.iter().zip(&values) {
            push(
                key_of(label).to_string(),
                figure.clone(),
                printed.as_deref().unwrap_or(&unit),
            );
        }
        if let Some(pcts) = caps.name("pcts") {
            let pcts = numbers(pcts);
            if pcts.len() == labels.len() {
                for (label, (figure, _)) in labels.iter().zip(pcts) {
                    push(
                        format!("{}{}", key_of(label), crate::keys::SHARE_PCT),
                        figure,
                        "%",
                    );
                }
            }
        }
    }
    // A figure another reader placed keeps its reading.
    found.retain(|f| !candidates.iter().any(|c| c.figure == f.figure));
    candidates.extend(found);
}
