//! `completion`: a completion rate against amount / budget, and a total's rate against its
//! parts'.

use rust_decimal::Decimal;

use super::check::{message, name, same_line_as, Check, Context, Draft, SAME_PASSAGE_CHARS};
use super::figures::{self, compare_two, show, Figure, Outcome, Pool};
use super::rates::{ratio_tolerance, RateCheck};
use super::rules::{CompletionRule, RuleSet};
use super::sums::gather_parts;
use crate::keys::{BUDGET, COMPLETION_PCT};
use crate::report::{Finding, Severity};

const FAMILY: &str = "completion";

/// Each `[[completion]]`, and every `*.completion_pct` the rules do not name, against its
/// amount and budget.
pub(super) struct Completion;

/// Each `[[completion_parts]]`: a total's completion rate is its parts' rates weighted by their
/// budgets. Parts that spent nothing and state no rate may hide any budget; the total's rate
/// can then only be lower.
pub(super) struct CompletionParts;

fn completion_rules(pool: &Pool, rules: &RuleSet) -> Vec<CompletionRule> {
    let mut list = rules.completions.clone();
    for key in pool.keys() {
        if let Some(base) = key.strip_suffix(COMPLETION_PCT) {
            if !list.iter().any(|c| c.pct == *key) {
                list.push(CompletionRule {
                    pct: key.to_string(),
                    amount: base.to_string(),
                    budget: format!("{base}{BUDGET}"),
                });
            }
        }
    }
    list
}

impl Check for Completion {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        completions(cx.pool, cx.rules, out);
    }
}

fn completions(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    for rule in completion_rules(pool, rules) {
        for pct in pool.of_key(&rule.pct) {
            let line = same_line_as(pct);
            let amount = pool.nearest(&rule.amount, pct, Some(&line));
            let budget = pool.nearest(&rule.budget, pct, Some(&line));
            // 年初预算为0万元，全年预算为321.02万元…完成年初预算的95.89%: a zero budget
            // beside a non-zero one for the same line; check the rate against the
            // non-zero one, so that the zero one is reported as the conflicting figure.
            let budget = match budget {
                Some(b) if b.num.is_zero() => pool
                    .of_key(&rule.budget)
                    .filter(|o| {
                        !o.num.is_zero()
                            && line(&o.line)
                            && o.context == pct.context
                            && o.fact.span[0].abs_diff(pct.fact.span[0]) <= SAME_PASSAGE_CHARS
                    })
                    .min_by_key(|o| o.fact.span[0].abs_diff(pct.fact.span[0]))
                    .or(Some(b)),
                other => other,
            };
            let rule_id = format!("{FAMILY}.{}", rule.pct);
            match (amount, budget) {
                (Some(a), Some(b)) if b.num.is_zero() => {
                    if a.num.is_zero() {
                        continue;
                    }
                    out.push(
                        Draft {
                            rule: rule_id.clone(),
                            kind: FAMILY,
                            severity: Severity::Error,
                            message: message!(
                                "{who}：预算数为0，决算数{amount}，完成率无从计算，但报告写为{rate}%",
                                "{who}: the budget is 0 and the amount {amount}, so no completion rate exists, yet {rate}% is printed",
                                who = name(pct),
                                amount = &a.fact.value,
                                rate = &pct.fact.value,
                            ),
                            figures: vec![pct, b, a],
                            expected: None,
                            actual: Some(pct.fact.value.clone()),
                            difference: None,
                        }
                        .build(),
                    );
                }
                (Some(a), Some(b)) => {
                    let expected = a.num / b.num * Decimal::ONE_HUNDRED;
                    let check = RateCheck {
                        rule: rule_id.clone(),
                        kind: FAMILY,
                        pct,
                        expected,
                        tolerance: ratio_tolerance(a, b),
                        formula: message!(
                            "决算数 {amount} / 预算数 {budget} × 100",
                            "amount {amount} / budget {budget} × 100",
                            amount = &a.fact.value,
                            budget = &b.fact.value,
                        ),
                        figures: vec![a, b],
                    };
                    if let Some(f) = check.finding(rules) {
                        out.push(f);
                    }
                    // Another budget figure for the same line in the same passage that the
                    // rate does not fit (年初预算 vs 全年预算).
                    let others: Vec<&Figure> = pool
                        .of_key(&rule.budget)
                        .filter(|o| {
                            !std::ptr::eq(o.fact, b.fact)
                                && line(&o.line)
                                && o.context == pct.context
                        })
                        .filter(|o| o.fact.span[0].abs_diff(pct.fact.span[0]) <= SAME_PASSAGE_CHARS)
                        .filter(|o| compare_two(o, b, rules) != Outcome::Consistent)
                        .collect();
                    if !others.is_empty() {
                        let mut figs = vec![pct];
                        figs.extend(others.iter().copied());
                        figs.push(b);
                        figs.push(a);
                        let listed = others
                            .iter()
                            .map(|o| o.fact.value.as_str())
                            .collect::<Vec<_>>()
                            .join("、");
                        out.push(
                            Draft {
                                rule: format!("{rule_id}.budget_conflict"),
                                kind: FAMILY,
                                severity: Severity::Warning,
                                message: message!(
                                    "{who}：完成率{rate}%只与预算数{budget}相符，但同一段落还写了预算数{listed}（例如年初预算与全年预算），按后者完成率不成立",
                                    "{who}: the rate {rate}% fits only the budget {budget}, but the same passage also states a budget of {listed} (e.g. initial vs full-year budget), against which the rate does not hold",
                                    who = name(pct),
                                    rate = &pct.fact.value,
                                    budget = &b.fact.value,
                                ),
                                figures: figs,
                                expected: None,
                                actual: Some(pct.fact.value.clone()),
                                difference: None,
                            }
                            .build(),
                        );
                    }
                }
                (Some(a), None) if a.num.is_zero() && !pct.num.is_zero() => {
                    out.push(
                        Draft {
                            rule: rule_id.clone(),
                            kind: FAMILY,
                            severity: Severity::Error,
                            message: message!(
                                "{who}：决算数为0，完成率却为{rate}%",
                                "{who}: nothing was spent, yet the completion rate is {rate}%",
                                who = name(pct),
                                rate = &pct.fact.value,
                            ),
                            figures: vec![pct, a],
                            expected: Some("0".into()),
                            actual: Some(pct.fact.value.clone()),
                            difference: Some(pct.fact.value.clone()),
                        }
                        .build(),
                    );
                }
                _ => {}
            }
        }
    }
}

impl Check for CompletionParts {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        completion_parts(cx.pool, cx.rules, out);
    }
}

fn completion_parts(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    for rule in &rules.completion_parts {
        let total_key = rule.identity.total.key();
        let pct_key = format!("{total_key}{COMPLETION_PCT}");
        for rate in pool.of_key(&pct_key) {
            let Some(total) = pool.nearest(total_key, rate, Some(&same_line_as(rate))) else {
                continue;
            };
            if rate.num.is_zero() || total.num.is_zero() {
                continue;
            }
            let implied_total_budget =
                match pool.nearest(&format!("{total_key}{BUDGET}"), rate, None) {
                    Some(b) => b.num,
                    None => total.num / rate.num * Decimal::ONE_HUNDRED,
                };
            let Some((parts, complete)) = gather_parts(pool, &rule.identity, total) else {
                continue;
            };
            let mut known_budget = Decimal::ZERO;
            let mut known_half = Decimal::ZERO;
            let mut free: Vec<&Figure> = Vec::new();
            let mut figs: Vec<&Figure> = vec![rate, total];
            let mut checkable = complete;
            for part in &parts {
                let line = same_line_as(part);
                let budget = pool.nearest(&format!("{}{BUDGET}", part.key()), part, Some(&line));
                let part_rate = pool.nearest(
                    &format!("{}{COMPLETION_PCT}", part.key()),
                    part,
                    Some(&line),
                );
                match (budget, part_rate) {
                    (Some(b), _) => {
                        known_budget += b.num;
                        known_half += b.half;
                        figs.push(b);
                    }
                    (None, Some(r)) if !r.num.is_zero() => {
                        known_budget += part.num / r.num * Decimal::ONE_HUNDRED;
                        known_half += part.num * r.half / (r.num * r.num) * Decimal::ONE_HUNDRED
                            + part.half / r.num * Decimal::ONE_HUNDRED;
                        figs.push(r);
                    }
                    _ if part.num.is_zero() => free.push(part),
                    _ => checkable = false,
                }
                figs.push(part);
            }
            if !checkable || known_budget.is_zero() {
                continue;
            }
            let total_half = total.half / rate.num * Decimal::ONE_HUNDRED
                + total.num * rate.half / (rate.num * rate.num) * Decimal::ONE_HUNDRED;
            let tolerance = known_half + total_half;
            let gap = implied_total_budget - known_budget;
            let rule_id = format!("{FAMILY}.parts.{}", rule.id);
            if gap.abs() <= tolerance {
                continue;
            }
            let printed = &rate.fact.value;
            let implied = show(implied_total_budget, 2);
            let known = show(known_budget, 2);
            let (severity, what) = if gap < Decimal::ZERO {
                (
                        Severity::Error,
                        message!(
                            "总额完成率{printed}%对应预算约{implied}，小于各分项已隐含的预算{known}，不可能成立",
                            "the total's rate {printed}% implies a budget of about {implied}, less than the {known} its parts already imply; impossible",
                        ),
                    )
            } else if free.is_empty() {
                (
                        figures::size_severity(false, gap, implied_total_budget, rules),
                        message!(
                            "总额完成率{printed}%对应预算约{implied}，而各分项的预算合计为{known}，两者不符",
                            "the total's rate {printed}% implies a budget of about {implied}, but its parts' budgets add up to {known}",
                        ),
                    )
            } else {
                (
                        Severity::Warning,
                        message!(
                            "总额完成率{printed}%对应预算约{implied}，但有支出的分项按其完成率只对应预算{known}；其余约{rest}只能是零支出分项（{free_names}）的预算，报告对此未作说明",
                            "the total's rate {printed}% implies a budget of about {implied}, but the parts with spending imply only {known} at their rates; the other {rest} could only be budgets of the parts that spent nothing ({free_names}), which the report does not say",
                            rest = show(gap, 2),
                            free_names = free
                                .iter()
                                .map(|f| f.fact.key.as_str())
                                .collect::<Vec<_>>()
                                .join("、"),
                        ),
                    )
            };
            out.push(
                Draft {
                    rule: rule_id,
                    kind: FAMILY,
                    severity,
                    message: message!(
                        "{who}：{what}。依据：{why}",
                        "{who}: {what}. Identity: {why}",
                        who = name(rate),
                        why = &rule.why,
                        [what]
                    ),
                    figures: figs,
                    expected: Some(show(known_budget, 4)),
                    actual: Some(show(implied_total_budget, 4)),
                    difference: Some(show(gap, 4)),
                }
                .build(),
            );
        }
    }
}
