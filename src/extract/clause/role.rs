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
    let is_final = input.doc_kind == Some("final");
    // Gap words that unlink the figure; in a final account the figure's own
    // clause may still name an adjusted budget (below).
    let breaks = cues.breaks.is_match(gap);
    if breaks && !is_final {
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
    let x_key = |suffix: &str| {
        format!(
            "x.{}{suffix}",
            subject.base.strip_prefix("x.").unwrap_or(&subject.base)
        )
    };
    // `调整预算数B`, `完成调整预算的Q%` (a final account printing two budgets):
    // only the words before the figure's own clause may unlink it.
    let adjusted = match f.measure {
        _ if !is_final || cues.is_count_key(&subject.base) => None,
        Measure::Amount => cues
            .adjusted_budget
            .is_match(clause)
            .then_some(".adjusted_budget"),
        Measure::Percent => cues
            .adjusted_completion
            .is_match(clause)
            .then_some(".completion_adjusted_pct"),
        Measure::Count => None,
    };
    if breaks
        && adjusted.is_none_or(|_| {
            cues.breaks
                .is_match(&compact(&text[subject.end.min(clause_start)..clause_start]))
        })
    {
        return None;
    }
    if let Some(suffix) = adjusted {
        return Some(reading(
            subject,
            f,
            x_key(suffix),
            None,
            "adjusted",
            clause_start,
        ));
    }
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
            if cues.is_count_key(&subject.base) {
                return None;
            }
            // `预算数{B}，决算数{F}，预决算差异率-10%` (WORDING 2.4): signed as printed.
            if matches(&cues.variance, clause) {
                let key = x_key(".budget_variance_pct");
                return Some(reading(subject, f, key, None, "variance", clause_start));
            }
            // `占基本支出的89.21%` (WORDING 4.4): a share over another base.
            if let Some((_, suffix)) = cues.share_of.iter().find(|(c, _)| c.is_match(clause)) {
                let key = x_key(suffix);
                return Some(reading(subject, f, key, None, "share_of", clause_start));
            }
            if matches(&cues.share, clause) {
                // `占政府采购预算总额的比重分别为40%`: the name after 占 is the
                // base of the share, never the share's subject.
                if subject.named
                    && subject.start >= clause_start
                    && text[clause_start..subject.start].contains('占')
                {
                    return None;
                }
                (keys::SHARE_PCT, None, "share")
            } else if matches(&cues.completion, clause) {
                (keys::COMPLETION_PCT, None, "completion")
            } else if let Some(d) = input.cues.last_direction(clause) {
                if d == 0
                    || matches(
                        &cues.policy_pct,
                        &compact(&text[sentence.start..f.number.start]),
                    )
                {
                    return None;
                }
                // `剔除…因素，同口径下降3.2%` (WORDING 4.8): the change on a comparable basis.
                if matches(&cues.comparable, &text[sentence.start..f.number.start]) {
                    let key = x_key(".yoy_pct_comparable");
                    return Some(reading(
                        subject,
                        f,
                        key,
                        Some(d),
                        "comparable",
                        clause_start,
                    ));
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
            } else if subject.named
                && matches(&cues.value, gap)
                && matches(&cues.list_total, gap)
                && text[..subject.start].ends_with(['、', '及', '和', '与'])
            {
                // `“三公”经费及会议费、培训费合计为580.40万元` (WORDING 9.7): the
                // list's sum, not its last name's amount.
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
        x_key(suffix)
    } else {
        format!("{}{suffix}", subject.base)
    };
    Some(reading(subject, f, key, sign, role, clause_start))
}

pub(super) fn reading(
    subject: &Subject,
    f: &Figure,
    key: String,
    sign: Option<i8>,
    role: &str,
    clause_start: usize,
) -> Reading {
    // A printed minus is the sign whatever the word before it (`下降-6.58%`, `增长-5%`).
    let negative =
        (sign == Some(-1) || f.minus) && f.value.parse::<Decimal>().is_ok_and(|d| !d.is_zero());
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

/// A figure inside a reason given for `parent`'s change (WORDING 6.8):
/// `主要原因是{part}增加…等{C}万元、{part}减少{C}万元` → `x.{parent}.yoy_change_part`
/// (label: the parent's line, else the part as printed); `增减相抵后净增加{C}`
/// → the parent's own `.yoy_change`. None unless the clause has that form.
pub(super) fn read_reason(
    input: &ClauseInput,
    sentence: &Range<usize>,
    parent: &Subject,
    f: &Figure,
) -> Option<Reading> {
    let cues = input.cues;
    if f.measure != Measure::Amount || cues.is_count_key(&parent.base) {
        return None;
    }
    let text = input.text;
    let clause_start = text[sentence.start..f.number.start]
        .rfind(['，', ',', '；', ';', '：', ':', '、'])
        .map(|i| {
            let at = sentence.start + i;
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        })
        .unwrap_or(sentence.start);
    let clause = compact(&text[clause_start..f.number.start]);
    let d = cues.last_direction(&clause).filter(|&d| d != 0)?;
    if cues.net_change.is_match(&clause) {
        let key = format!("{}{}", parent.base, keys::YOY_CHANGE);
        return Some(reading(parent, f, key, Some(d), "net_change", clause_start));
    }
    let caps = cues.reason_part.get()?.captures(&clause)?;
    let part = caps.name("part")?.as_str();
    let key = format!(
        "x.{}.yoy_change_part",
        parent.base.strip_prefix("x.").unwrap_or(&parent.base)
    );
    // `{part}增加了40万元的{what}预算`: what changed is the part's {what}.
    let after = &text[f.whole.end..];
    let what = after
        .strip_prefix('的')
        .map(|a| {
            &a[..a
                .find(['，', ',', '。', '；', ';', '\n'])
                .unwrap_or(a.len())]
        })
        .filter(|w| {
            (1..=16).contains(&w.chars().count()) && !w.contains(|c: char| c.is_ascii_digit())
        })
        .map(|w| w.trim_end_matches("预算").trim_end_matches("支出"))
        .unwrap_or("");
    let labelled = Subject {
        label: parent
            .label
            .clone()
            .or_else(|| Some(format!("{part}{what}"))),
        start: clause_start,
        ..parent.clone()
    };
    Some(reading(
        &labelled,
        f,
        key,
        Some(d),
        "reason_part",
        clause_start,
    ))
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\n' | '\x0c' | ' '))
        .collect()
}
