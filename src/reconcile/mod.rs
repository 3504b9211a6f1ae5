//! The reconciler: finds where a report contradicts itself, says why, and stays quiet where it
//! is consistent.
//!
//! Rule families (the `kind` of a [`Finding`]): `sum` (a total against its parts, identities in
//! `patterns/reconcile.toml`), `share` (a printed share against part / whole), `yoy` (a change
//! rate against the change and the amount), `completion` (a completion rate against amount /
//! budget, and a total's rate against its parts'), `restatement` (one figure printed twice
//! differently), `cross` (two keys the template makes equal) and `structure` (table of
//! contents, years, placeholders, budget-direction sentences).
//!
//! Every comparison allows for the rounding of the printed figures: a figure printed to 0.01
//! may be off by 0.005, so a gap within the sum of the half-units involved is `info`
//! ("rounding"). Beyond that the gap's size decides between `warning` and `error`.
//!
//! Each family is a file implementing the small trait `check::Check` (`sums.rs`, `shares.rs`,
//! `yoy.rs`, `completion.rs`, `cross.rs`, `restatement.rs`, `structure.rs`); `CHECKS` runs
//! them in order. `across/` compares documents with each other.

pub mod across;
mod check;
mod completion;
mod cross;
mod figures;
mod rates;
mod render;
mod restatement;
mod rules;
mod shares;
mod structure;
mod sums;
mod yoy;

use std::collections::{BTreeMap, HashSet};

use crate::report::{DocumentInfo, Finding};
use crate::sections::SectionTree;

pub use figures::{normalize_segment, LineId};
pub use render::render_human;
pub use rules::{
    parse_identity, Identity, LineSelector, Relation, RuleSet, Term, BUILTIN_TOML as BUILTIN_RULES,
};

use check::{Check, Context};
use figures::Pool;

/// What the reconciler looks at: the extracted facts and the document they came from.
pub struct ReconcileInput<'a> {
    pub facts: &'a [crate::report::Fact],
    /// Normalized document text (facts' `span` are char offsets into it).
    pub text: &'a str,
    pub sections: &'a SectionTree,
    pub info: &'a DocumentInfo,
}

/// The rule families in the order they run: where two say the same about the same printed
/// figures, the earlier one's finding stands.
const CHECKS: &[&dyn Check] = &[
    &sums::Sums,
    &sums::Trees,
    &shares::Shares,
    &shares::ShareSums,
    &yoy::Yoy,
    &completion::Completion,
    &completion::CompletionParts,
    &cross::Equals,
    &restatement::Restatements,
    &structure::Structure,
];

/// Build the checks' regexes now: while a document is read, so that its
/// reconciliation need not wait for them.
pub fn warm_up() {
    structure::warm_up();
}

/// All findings about one document, errors first. An unfilled template yields exactly one.
pub fn reconcile(input: &ReconcileInput, rules: &RuleSet) -> Vec<Finding> {
    reconcile_counted(input, rules).0
}

/// The findings, and how many identities each rule family checked (`sum`: 12 …): a
/// document without findings whose figures could not be checked is not one that holds.
pub fn reconcile_counted(
    input: &ReconcileInput,
    rules: &RuleSet,
) -> (Vec<Finding>, BTreeMap<String, u32>) {
    check::take_checked();
    if let Some(template) = structure::unfilled_template(input, rules) {
        return (vec![template], BTreeMap::new());
    }
    let pool = Pool::new(input.facts);
    let cx = Context {
        input,
        pool: &pool,
        rules,
    };
    let mut out = Findings::default();
    let mut found = Vec::new();
    for check in CHECKS {
        check.run(&cx, &mut found);
        tracing::trace!(
            family = check.family(),
            found = found.len(),
            "reconcile: check"
        );
        for f in found.drain(..) {
            out.push(f);
        }
    }
    let mut findings = out.list;
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let checked = check::take_checked();
    tracing::debug!(?checked, findings = findings.len(), "reconciled");
    (findings, checked)
}

/// Findings without repeats: one per rule and set of printed figures.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    seen: HashSet<(String, Vec<String>)>,
}

impl Findings {
    fn push(&mut self, f: Finding) {
        let mut values = f.values.clone();
        values.sort();
        if self.seen.insert((f.rule.clone(), values)) {
            self.list.push(f);
        }
    }
}

#[cfg(test)]
mod tests;
