//! A figure's role (amount, change, share, budget …) from the words between
//! its subject and it, and from its unit.

use super::figures::{Figure, Measure};
use super::{ClauseInput, Reading, Subject};
use crate::keys;
use rust_decimal::Decimal;
use std::ops::Range;

/// A figure's key from its subject, the words before it and its unit; None when unsure.
pub(super) fn read_figure(
    input: &ClauseInput,
    sentence: &Range<usize>,
    subject: &Subject,
    f: &Figure,
) -> Option<Reading> {
    let text = input.text;
    let cues = input.cues;
    // Cue words are matched without the line breaks and spaces a layout left
    // inside them (`减\n少`).
    let gap = compact(&text[subject.end.min(f.number.start)..f.number.start]);
    let gap = gap.as_str();
    if gap.chars().count() > cues.max_gap * if subject.named { 1 } else { 2 } {
        return None;
    }
    if cues.breaks.is_match(gap) {
        return None;
    }
    // The comma-clause of the figure: what its cue words are looked for in.
    let clause_start = text[sentence.start..f.number.start]
        .rfind(['，', ',', '；', ';', '：', ':'])
        .map(|i| {
            let at = sentence.start + i;
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        })
        .unwrap_or(sentence.start)
        .max(sentence.start);
    let clause = compact(&text[clause_start..f.number.start]);
    let clause = clause.as_str();
    let is_final = input.doc_kind == Some("final");
    let matches = |r: &super::lexicon::Cue, s: &str| r.is_match(s);
    let direction = input.cues.last_direction(gap);
    // Asked only of a change (most figures are none).
    let versus_budget = || {
        is_final
            && matches(
                &cues.versus_budget,
                &text[subject.start.min(f.number.start)..f.number.start],
            )
    };
    let (suffix, sign, role): (&str, Option<i8>, &str) = match f.measure {
        Measure::Percent => {
            if matches(&cues.share, clause) {
                (keys::SHARE_PCT, None, "share")
            } else if matches(&cues.completion, clause) {
                (keys::COMPLETION_PCT, None, "completion")
            } else if let Some(d) = input.cues.last_direction(clause) {
                if d == 0 {
                    return None;
                }
                if versus_budget() {
                    (keys::VS_BUDGET_PCT, Some(d), "versus_budget")
                } else {
                    (keys::YOY_PCT, Some(d), "yoy_pct")
                }
            } else if gap.trim().ends_with(['（', '(']) && gap.trim().chars().count() <= 2 {
                (keys::YOY_PCT, Some(subject.last_change?), "bracket_pct")
            } else {
                return None;
            }
        }
        Measure::Amount => {
            if let Some(d) = direction {
                if d == 0 {
                    return None;
                }
                if versus_budget() {
                    (keys::VS_BUDGET_CHANGE, Some(d), "versus_budget")
                } else {
                    (keys::YOY_CHANGE, Some(d), "change")
                }
            } else if matches(&cues.prior, gap) {
                (keys::PRIOR_YEAR, None, "prior")
            } else if is_final && matches(&cues.budget, gap) && !matches(&cues.final_figure, gap) {
                (keys::BUDGET, None, "budget")
            } else if !is_final && matches(&cues.final_figure, gap) {
                return None;
            } else if subject.named && matches(&cues.value, gap) {
                // `上年度列入此项的预留机动经费128.43万元`: last year's, by the words before the name.
                let before = &text[clause_start.min(subject.start)..subject.start];
                if matches(&cues.prior_before, before) {
                    (keys::PRIOR_YEAR, None, "prior")
                } else if let Some(d) = cues.direction_before(before) {
                    // `…增加基本支出844.15万元`: the name's change, its word before it.
                    if d == 0 {
                        return None;
                    }
                    (keys::YOY_CHANGE, Some(d), "change")
                } else {
                    ("", None, "value")
                }
            } else if !subject.named && is_final && matches(&cues.final_figure, gap) {
                ("", None, "final")
            } else {
                return None;
            }
        }
        Measure::Count => {
            if cues.is_count_key(&subject.base) && subject.named && matches(&cues.value, gap) {
                ("", None, "count")
            } else {
                // `团组2个，累计5人次`: a count after a count reads from the amount term's family.
                let family = keys::COUNTS
                    .iter()
                    .find_map(|s| subject.base.strip_suffix(s))
                    .unwrap_or(&subject.base);
                let def = cues.counts.iter().find(|c| {
                    c.subject == family
                        && c.units.contains(&f.unit)
                        && (c.words.is_empty() || c.words.iter().any(|w| gap.contains(w.as_str())))
                })?;
                return Some(reading(
                    subject,
                    f,
                    def.key.clone(),
                    None,
                    "count",
                    clause_start,
                ));
            }
        }
    };
    // A count key never takes an amount, an amount key never a count.
    if cues.is_count_key(&subject.base) != (f.measure == Measure::Count) {
        return None;
    }
    let key = if keys::is_versus_budget(suffix) {
        format!(
            "x.{}{suffix}",
            subject.base.strip_prefix("x.").unwrap_or(&subject.base)
        )
    } else {
        format!("{}{suffix}", subject.base)
    };
    Some(reading(subject, f, key, sign, role, clause_start))
}

fn reading(
    subject: &Subject,
    f: &Figure,
    key: String,
    sign: Option<i8>,
    role: &str,
    clause_start: usize,
) -> Reading {
    let negative = sign == Some(-1) && f.value.parse::<Decimal>().is_ok_and(|d| !d.is_zero());
    let value = if negative {
        format!("-{}", f.value)
    } else {
        f.value.clone()
    };
    let value_wan = f
        .to_wan
        .and_then(|factor| value.parse::<Decimal>().ok().map(|d| d * factor));
    let start = if subject.start < f.whole.start && f.whole.start - subject.start <= 240 {
        subject.start
    } else {
        clause_start
    };
    Reading {
        key,
        value,
        unit: f.unit.clone(),
        value_wan,
        label: subject.label.clone(),
        code: subject.code.clone(),
        figure: f.number.clone(),
        quote: start..f.whole.end,
        rule: format!("clause#{role}"),
    }
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\n' | '\x0c' | ' '))
        .collect()
}
