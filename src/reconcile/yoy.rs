//! `yoy`: a change rate against the change and the amount, and a printed change against this
//! year's and the previous year's amounts.

use rust_decimal::Decimal;

use super::check::{message, same_line_as, Bilingual, Check, Context, Draft, Message};
use super::figures::{show, Figure};
use super::rates::RateCheck;
use super::rules::Relation;
use super::sums::check_identity;
use crate::keys::{PRIOR_YEAR, YOY_CHANGE, YOY_PCT};
use crate::report::{Finding, Severity};

const FAMILY: &str = "yoy";

/// Every `*.yoy_pct` and `*.yoy_change` of the document against its line's amounts.
pub(super) struct Yoy;

impl Check for Yoy {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut keys: Vec<&str> = cx.pool.keys().copied().collect();
        keys.sort();
        rates(cx, &keys, out);
        changes(cx, &keys, out);
    }
}

/// A printed rate against the change and the previous year.
fn rates(cx: &Context, keys: &[&str], out: &mut Vec<Finding>) {
    let (pool, rules) = (cx.pool, cx.rules);
    // rates printed against a previous year of 0 (a new unit): one finding for all of them
    let mut undefined: Vec<(&Figure, Vec<&Figure>)> = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with(YOY_PCT)) {
        let base = key.trim_end_matches(YOY_PCT);
        for pct in pool.of_key(key) {
            let line = same_line_as(pct);
            let Some(amount) = pool.nearest(base, pct, Some(&line)) else {
                continue;
            };
            let change = pool.nearest(&format!("{base}{YOY_CHANGE}"), pct, Some(&line));
            let prior_fig = pool.nearest(&format!("{base}{PRIOR_YEAR}"), pct, Some(&line));
            let (change_num, change_half, prior, prior_half, figs) = match (change, prior_fig) {
                (Some(c), _) => (
                    c.num,
                    c.half,
                    amount.num - c.num,
                    amount.half + c.half,
                    vec![c, amount],
                ),
                (None, Some(p)) => (
                    amount.num - p.num,
                    amount.half + p.half,
                    p.num,
                    p.half,
                    vec![p, amount],
                ),
                (None, None) => continue,
            };
            if prior.abs() <= prior_half {
                if !pct.num.is_zero() {
                    undefined.push((pct, figs));
                }
                continue;
            }
            if prior < Decimal::ZERO {
                continue;
            }
            let expected = change_num / prior * Decimal::ONE_HUNDRED;
            // d(c/p) = dc/p + c·dp/p²
            let tolerance = Decimal::ONE_HUNDRED
                * (change_half / prior + change_num.abs() * prior_half / (prior * prior));
            let check = RateCheck {
                rule: format!("{FAMILY}.{key}"),
                kind: FAMILY,
                pct,
                expected,
                tolerance,
                formula: message!(
                    "变动额 {change} / 上年数 {prior} × 100",
                    "change {change} / previous year {prior} × 100",
                    change = show(change_num / amount.factor, 6),
                    prior = show(prior / amount.factor, 6),
                ),
                figures: figs,
            };
            if let Some(f) = check.finding(rules) {
                out.push(f);
            }
        }
    }
    if undefined.is_empty() {
        return;
    }
    let listed = undefined
        .iter()
        .map(|(pct, figs)| {
            message!(
                "{base}（增加{change}，增长{rate}%）",
                "{base} (up {change}, printed +{rate}%)",
                base = pct.key().trim_end_matches(YOY_PCT),
                change = &figs[0].fact.value,
                rate = &pct.fact.value,
            )
        })
        .collect::<Vec<_>>();
    let mut all: Vec<&Figure> = Vec::new();
    for (pct, figs) in &undefined {
        all.push(pct);
        all.extend(figs.iter().copied());
    }
    out.push(
        Draft {
            rule: format!("{FAMILY}.undefined_rate"),
            kind: FAMILY,
            severity: Severity::Warning,
            message: message!(
                "增加额等于本年数，即上年数为0，增长率无从计算，报告却写出了增长率：{listed}；增长100%意味着上年为本年的一半",
                "the change equals this year's amount, so the previous year was 0 and no growth rate exists, yet rates are printed: {listed}; +100% would mean the previous year was half this year's amount", [listed = Message::join(&listed, Bilingual { zh: "；", en: "; " })]),
            figures: all,
            expected: None,
            actual: None,
            difference: None,
        }
        .build(),
    );
}

/// A printed change against this year's and the previous year's amounts.
fn changes(cx: &Context, keys: &[&str], out: &mut Vec<Finding>) {
    let pool = cx.pool;
    for key in keys.iter().filter(|k| k.ends_with(YOY_CHANGE)) {
        let base = key.trim_end_matches(YOY_CHANGE);
        for change in pool.of_key(key) {
            let line = same_line_as(change);
            let (Some(amount), Some(prior)) = (
                pool.nearest(base, change, Some(&line)),
                pool.nearest(&format!("{base}{PRIOR_YEAR}"), change, Some(&line)),
            ) else {
                continue;
            };
            let identity = "本年数 − 上年数 = 变动额 (this year − previous year = change)";
            // change = amount − prior  ⇔  amount = prior + change
            if let Some(f) = check_identity(
                FAMILY,
                &format!("{FAMILY}.{key}"),
                identity,
                Relation::Equal,
                amount,
                &[prior, change],
                true,
                cx.rules,
            ) {
                out.push(f);
            }
        }
    }
}
