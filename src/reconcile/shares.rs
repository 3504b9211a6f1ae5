//! `share`: a printed share against part / whole, and the shares of a breakdown against 100.

use rust_decimal::Decimal;

use super::check::{
    message, name, same_line_as, Bilingual, Check, Context, Draft, BEYOND_ROUNDING,
    CLEARLY_INCONSISTENT, SAME_PASSAGE_CHARS,
};
use super::figures::{compare, show, Figure, LineId, Outcome, Pool};
use super::rates::{ratio_tolerance, RateCheck};
use super::rules::{LineSelector, Relation, RuleSet, Term};
use super::sums::{gather_parts, total_figures};
use crate::report::{Finding, Severity};

const FAMILY: &str = "share";

/// Each `[[share]]`: the printed share against part / whole.
pub(super) struct Shares;

/// The printed shares of a complete breakdown (a two-sided sum identity whose parts all have
/// a share of its total) must add up to 100, within their rounding.
pub(super) struct ShareSums;

const ROUNDING_OF_SHARES: Bilingual<&str> = Bilingual {
    zh: "差异在四舍五入范围内",
    en: "within rounding of the printed shares",
};

impl Check for Shares {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        shares(cx.pool, cx.rules, out);
    }
}

fn shares(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    for rule in &rules.shares {
        for pct in pool.of_key(&rule.pct) {
            let Some(part) = pool.nearest(&rule.part, pct, Some(&same_line_as(pct))) else {
                continue;
            };
            let wholes: Vec<&str> = std::iter::once(rule.whole.as_str())
                .chain(rule.or_whole.iter().map(String::as_str))
                .collect();
            // The base is the part's own line's total or an unnamed one, never
            // another line's (a unit's total is no base for the region's part).
            let base_of_part = |l: &LineId| l.path.is_empty() || l.path == part.line.path;
            let Some(whole) = pool.nearest_of(&wholes, part, Some(&base_of_part)) else {
                continue;
            };
            if whole.num.is_zero() || another_base_fits(pool, &wholes, whole, part, pct, rules) {
                continue;
            }
            let expected = part.num / whole.num * Decimal::ONE_HUNDRED;
            let check = RateCheck {
                rule: format!("{FAMILY}.{}", rule.pct),
                kind: FAMILY,
                pct,
                expected,
                tolerance: ratio_tolerance(part, whole),
                formula: message!(
                    "{part_value} / {whole_value} × 100",
                    "{part_value} / {whole_value} ({whole_key}) × 100",
                    part_value = &part.fact.value,
                    whole_value = &whole.fact.value,
                    whole_key = &whole.fact.key,
                ),
                figures: vec![part, whole],
            };
            if let Some(f) = check.finding(rules) {
                out.push(f);
            }
        }
    }
}

impl Check for ShareSums {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        share_sums(cx.pool, cx.rules, out);
    }
}

fn share_sums(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    for rule in rules
        .sums
        .iter()
        .filter(|r| r.identity.relation == Relation::Equal)
    {
        let total_key = rule.identity.total.key();
        let share_of = |part: &str| {
            rules
                .shares
                .iter()
                .find(|s| s.part == part && s.whole == total_key)
        };
        if rule.identity.parts.iter().any(|t| {
            share_of(t.key()).is_none()
                || matches!(
                    t,
                    Term::Key {
                        line: LineSelector::Same | LineSelector::Fixed(_),
                        ..
                    }
                )
        }) {
            continue;
        }
        for total in total_figures(pool, &rule.identity.total) {
            let Some((parts, complete)) = gather_parts(pool, &rule.identity, total) else {
                continue;
            };
            if parts.len() < 2 {
                continue;
            }
            let mut pcts = Vec::new();
            for part in &parts {
                let Some(share) = share_of(part.key()) else {
                    break;
                };
                let line = same_line_as(part);
                match pool.nearest(&share.pct, part, Some(&line)) {
                    Some(p) if p.fact.span[0].abs_diff(part.fact.span[0]) <= SAME_PASSAGE_CHARS => {
                        pcts.push(p)
                    }
                    _ => break,
                }
            }
            if pcts.len() != parts.len() {
                continue;
            }
            let sum: Decimal = pcts.iter().map(|p| p.num).sum();
            let tolerance: Decimal = pcts.iter().map(|p| p.half).sum();
            let gap = sum - Decimal::ONE_HUNDRED;
            // with a part not stated, the shares may only not exceed 100
            let (severity, words) = if gap.is_zero() || !complete && gap < Decimal::ZERO {
                continue;
            } else if gap.abs() <= tolerance {
                (Severity::Info, ROUNDING_OF_SHARES)
            } else if gap.abs() <= rules.warning_points {
                (Severity::Warning, BEYOND_ROUNDING)
            } else {
                (Severity::Error, CLEARLY_INCONSISTENT)
            };
            let listed = pcts
                .iter()
                .map(|p| format!("{}%", p.fact.value))
                .collect::<Vec<_>>()
                .join(" + ");
            let mut figs: Vec<&Figure> = pcts.clone();
            figs.extend(parts.iter().copied());
            figs.push(total);
            let scale = pcts.iter().map(|p| p.scale).max().unwrap_or(0) + 2;
            out.push(
                Draft {
                    rule: format!("{FAMILY}.sum.{}", rule.id),
                    kind: FAMILY,
                    severity,
                    message: message!(
                        "{total_name}的各分项占比 {listed} = {sum}%，不等于100%，{verdict}",
                        "the shares of {total_name}'s parts, {listed}, add up to {sum}% instead of 100%, {verdict}",
                        total_name = name(total),
                        sum = show(sum, scale), [verdict = words]),
                    figures: figs,
                    expected: Some("100".into()),
                    actual: Some(show(sum, scale)),
                    difference: Some(show(gap, scale)),
                }
                .build(),
            );
        }
    }
}

/// Whether another total of the same passage reproduces a printed share
/// that the nearest total does not. The base of `占总支出的Z%` is not always the
/// nearest total (`支出预算X（本年支出预算Y），其中：A…，占总支出的Z%` is of X):
/// when the base is uncertain the rule says nothing.
fn another_base_fits(
    pool: &Pool,
    wholes: &[&str],
    nearest: &Figure,
    part: &Figure,
    pct: &Figure,
    rules: &RuleSet,
) -> bool {
    wholes
        .iter()
        .filter_map(|k| pool.nearest(k, part, None))
        .filter(|w| {
            !std::ptr::eq(w.fact, nearest.fact)
                && w.context == nearest.context
                && w.fact.section == nearest.fact.section
                && !w.num.is_zero()
        })
        .any(|w| {
            let expected = part.num / w.num * Decimal::ONE_HUNDRED;
            let tolerance = ratio_tolerance(part, w) + pct.half;
            matches!(
                compare(pct, expected, tolerance, rules),
                Outcome::Consistent | Outcome::Rounding
            )
        })
}
