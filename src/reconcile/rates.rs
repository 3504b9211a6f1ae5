//! A printed rate against the rate its figures give: shared by `share`, `yoy` and
//! `completion`.

use rust_decimal::Decimal;

use super::check::{message, name, verdict, Draft, Message};
use super::figures::{compare, show, Figure};
use super::rules::RuleSet;
use crate::report::Finding;

/// Tolerance of `a / b × 100` given the rounding of a and b.
pub(super) fn ratio_tolerance(a: &Figure, b: &Figure) -> Decimal {
    Decimal::ONE_HUNDRED * (a.half / b.num + a.num.abs() * b.half / (b.num * b.num))
}

/// A printed rate and what it should be.
pub(super) struct RateCheck<'f, 'a> {
    pub rule: String,
    pub kind: &'static str,
    pub pct: &'f Figure<'a>,
    pub expected: Decimal,
    pub tolerance: Decimal,
    /// How the expected rate was computed, for the message.
    pub formula: Message,
    pub figures: Vec<&'f Figure<'a>>,
}

impl RateCheck<'_, '_> {
    pub fn finding(self, rules: &RuleSet) -> Option<Finding> {
        super::check::count_checked(self.kind);
        let pct = self.pct;
        let tolerance = self.tolerance + pct.half;
        let verdict = verdict(compare(pct, self.expected, tolerance, rules))?;
        let rounded = pct.round_like(self.expected);
        let truncated =
            pct.truncate_like(self.expected) == pct.printed() && rounded != pct.printed();
        let truncation = if truncated {
            message!(
                "；按四舍五入应为{rounded}%，报告似乎直接截断了小数",
                "; rounded it would be {rounded}%, the report appears to truncate instead of rounding",
            )
        } else {
            Message::default()
        };
        let exp = show(self.expected, pct.scale + 2);
        let diff = show(pct.num - self.expected, pct.scale + 2);
        let message = message!(
            "{who}：报告为{printed}%，但{formula} = {exp}%（相差{diff}个百分点），{verdict}{truncation}",
            "{who}: printed {printed}%, but {formula} = {exp}% (gap {diff} points), {verdict}{truncation}",
            who = name(pct),
            printed = &pct.fact.value, [formula = self.formula,
            verdict = verdict.words,
            truncation]);
        let mut figures = vec![pct];
        figures.extend(self.figures);
        Some(
            Draft {
                rule: self.rule,
                kind: self.kind,
                severity: verdict.severity,
                message,
                figures,
                expected: Some(exp),
                actual: Some(pct.fact.value.clone()),
                difference: Some(diff),
            }
            .build(),
        )
    }
}
