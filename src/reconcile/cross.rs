//! `cross`: two keys the template makes equal (`[[equal]]`), unless the report says they are
//! counted differently.

use super::check::{message, name, verdict, Check, Context, Draft};
use super::figures::{compare_two, show, Figure};
use super::rules::EqualRule;
use crate::report::Finding;

const FAMILY: &str = "cross";

/// Each `[[equal]]`: its left key against the nearest right key.
pub(super) struct Equals;

impl Check for Equals {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        for rule in &cx.rules.equals {
            for left in cx.pool.of_key(&rule.left) {
                let Some(right) = cx.pool.nearest(&rule.right, left, None) else {
                    continue;
                };
                if let Some(f) = equality(cx, rule, left, right) {
                    out.push(f);
                }
            }
        }
    }
}

fn equality(cx: &Context, rule: &EqualRule, a: &Figure, b: &Figure) -> Option<Finding> {
    // The report says the two are counted differently this time, in
    // the figure's paragraph or the one explaining it just after.
    let stated = |f: &Figure| {
        let around = paragraph_and_next(cx.input.text, f.fact.span[0]);
        rule.unless_stated
            .iter()
            .any(|w| around.contains(w.as_str()))
    };
    if !rule.unless_stated.is_empty() && (stated(a) || stated(b)) {
        return None;
    }
    let verdict = verdict(compare_two(a, b, cx.rules))?;
    let diff = show((a.num - b.num) / a.factor, a.scale.max(b.scale) + 4);
    Some(
        Draft {
            rule: format!("{FAMILY}.{}", rule.id),
            kind: FAMILY,
            severity: verdict.severity.min(rule.max_severity),
            message: message!(
                "{a_name} 为 {a_value}{a_unit}，{b_name} 为 {b_value}{b_unit}，应相等（相差{diff}），{verdict}。{why}",
                "{a_name} is {a_value}{a_unit} but {b_name} is {b_value}{b_unit}; they should be equal (gap {diff}), {verdict}. {why}",
                a_name = name(a),
                a_value = &a.fact.value,
                a_unit = a.fact.unit.as_deref().unwrap_or_default(),
                b_name = name(b),
                b_value = &b.fact.value,
                b_unit = b.fact.unit.as_deref().unwrap_or_default(),
                why = &rule.why, [verdict = verdict.words]),
            figures: vec![a, b],
            expected: Some(b.fact.value.clone()),
            actual: Some(a.fact.value.clone()),
            difference: Some(diff),
        }
        .build(),
    )
}

/// The line of `text` around a character offset (a paragraph, in the
/// normalized text), for the words a report states beside a figure.
fn paragraph_of(text: &str, char_at: usize) -> &str {
    let at = text
        .char_indices()
        .nth(char_at)
        .map_or(text.len(), |(i, _)| i);
    let start = text[..at].rfind(['\n', '\x0c']).map_or(0, |i| i + 1);
    let end = text[at..]
        .find(['\n', '\x0c'])
        .map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The paragraph holding `char_at` and the one after it.
fn paragraph_and_next(text: &str, char_at: usize) -> &str {
    let here = paragraph_of(text, char_at);
    let start = here.as_ptr() as usize - text.as_ptr() as usize;
    let after = start + here.len();
    let next_end = text
        .get(after + 1..)
        .and_then(|rest| rest.find(['\n', '\x0c']).map(|i| after + 1 + i))
        .unwrap_or(text.len());
    &text[start..next_end.max(after)]
}
