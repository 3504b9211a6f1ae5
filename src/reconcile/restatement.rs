//! `restatement`: one key (and line) printed with different values anywhere in the document.

use super::check::{message, name, verdict, Check, Context, Draft};
use super::figures::{compare_two, show, Figure, Outcome, Pool};
use super::rules::RuleSet;
use crate::report::{Finding, Severity};

const FAMILY: &str = "restatement";

/// Every key of the document but those `restatement_skip` names, line by line.
pub(super) struct Restatements;

fn key_matches(key: &str, pattern: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix(".*") {
        key == prefix || key.starts_with(&format!("{prefix}."))
    } else if let Some(suffix) = pattern.strip_prefix("*.") {
        key.ends_with(&format!(".{suffix}"))
    } else {
        key == pattern
    }
}

impl Check for Restatements {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        restatements(cx.pool, cx.rules, out);
    }
}

fn restatements(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    let mut keys: Vec<&str> = pool.keys().copied().collect();
    keys.sort();
    for key in keys {
        if rules.restatement_skip.iter().any(|p| key_matches(key, p)) {
            continue;
        }
        let label_only = rules
            .restatement_label_only
            .iter()
            .any(|p| key_matches(key, p));
        let mut groups: Vec<(String, Vec<&Figure>)> = Vec::new();
        for f in pool.of_key(key) {
            if label_only && f.line.is_none() {
                continue;
            }
            let g = f.line.group_key();
            match groups
                .iter_mut()
                .find(|(k, v)| *k == g || v.iter().any(|h| h.line.same_line(&f.line)))
            {
                Some((_, v)) => v.push(f),
                None => groups.push((g, vec![f])),
            }
        }
        for (_, figs) in groups {
            // one figure per distinct value, first statement first
            let mut distinct: Vec<&Figure> = Vec::new();
            for f in &figs {
                if !distinct.iter().any(|d| d.num == f.num) {
                    distinct.push(f);
                }
            }
            if distinct.len() < 2 {
                continue;
            }
            let mut worst = Outcome::Consistent;
            let mut pair = None;
            for (i, a) in distinct.iter().enumerate() {
                for b in &distinct[i + 1..] {
                    let o = compare_two(a, b, rules);
                    if outcome_rank(o) > outcome_rank(worst) {
                        worst = o;
                        pair = Some((*a, *b));
                    }
                }
            }
            let Some((a, b)) = pair else { continue };
            let Some(verdict) = verdict(worst) else {
                continue;
            };
            let listed = distinct
                .iter()
                .map(|d| {
                    format!(
                        "{}{}{}",
                        d.fact.value,
                        d.fact.unit.clone().unwrap_or_default(),
                        where_(d)
                    )
                })
                .collect::<Vec<_>>()
                .join("；");
            let diff = show((a.num - b.num) / a.factor, a.scale.max(b.scale) + 4);
            out.push(
                Draft {
                    rule: format!("{FAMILY}.{key}"),
                    kind: FAMILY,
                    severity: verdict.severity,
                    message: message!(
                        "{who} 在报告中多处出现，数值不一致：{listed}（{verdict}）",
                        "{who} is stated more than once with different values: {listed} ({verdict})",
                        who = name(a), [verdict = verdict.words]),
                    figures: distinct.clone(),
                    expected: Some(b.fact.value.clone()),
                    actual: Some(a.fact.value.clone()),
                    difference: Some(diff),
                }
                .build(),
            );
        }
    }
}

fn where_(f: &Figure) -> String {
    let mut parts = Vec::new();
    if let Some(p) = f.fact.page {
        parts.push(format!("p{p}"));
    }
    if f.context.starts_with("table") {
        parts.push(f.context.clone());
    } else if let Some(s) = &f.fact.section {
        parts.push(s.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("（{}）", parts.join(" "))
    }
}

fn outcome_rank(o: Outcome) -> u8 {
    match o {
        Outcome::Consistent => 0,
        Outcome::Rounding => 1,
        Outcome::Beyond(Severity::Info) => 1,
        Outcome::Beyond(Severity::Warning) => 2,
        Outcome::Beyond(Severity::Error) => 3,
    }
}
