//! The findings across documents of a run (see [`compare_across`]).

use std::collections::HashSet;

use anyhow::Result;

use super::{state, ID_PAGE};
use crate::pipeline::Config;
use crate::reconcile::across::{self, AcrossHead};

/// Bring the findings across this run's documents up to date in the run
/// state: in each entity with documents that changed since it was last
/// compared, the documents a rule pairs with a changed one are compared
/// again, the others' findings are those recorded then. Only the documents
/// compared again, and those they are compared with (of copies printing the
/// same figures, the first), are read from the run state, an entity at a
/// time. Reading and comparing every document paired with one of them (149
/// of an entity's 187 documents, for 7 compared again) took 0.21 s of a
/// 1.4 s 10-changed re-run of the 1,000-document corpus (machine shared);
/// a round whose changed copies make most of an entity compare again still
/// reads most of it. The export reads the findings a part at a time
/// ([`state::RunState::part_findings`]).
pub(super) fn compare_across(state: &state::RunState, config: &Config) -> Result<()> {
    let rules = &config.rules;
    let mut comparisons = 0usize;
    let mut entities = 0usize;
    let mut read = 0usize;
    let mut after = String::new();
    loop {
        let page = state.dirty_entities(&after, ID_PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        after.clone_from(last);
        for key in &page {
            let (heads, changed) = state.entity_heads(key)?;
            // The documents whose findings may change: the changed ones
            // and those some rule compares with one of them (as it was or
            // is); compared with every document a rule pairs them with.
            let again: Vec<&AcrossHead> = heads
                .iter()
                .filter(|h| {
                    changed
                        .iter()
                        .any(|c| c.id == h.id || across::compares(rules, h, c))
                })
                .collect();
            let ids: HashSet<&str> = again.iter().map(|h| h.id.as_str()).collect();
            let mut needed = ids.clone();
            for this in &again {
                needed.extend(
                    across::compared_with(rules, this, &heads)
                        .into_iter()
                        .map(|h| h.id.as_str()),
                );
            }
            let needed: Vec<&str> = heads
                .iter()
                .map(|h| h.id.as_str())
                .filter(|id| needed.contains(id))
                .collect();
            read += needed.len();
            let docs = state.across_docs(&needed)?;
            let compared = across::compare_some(&docs, rules, &|id| ids.contains(id));
            comparisons += compared.comparisons.len();
            entities += 1;
            let again: Vec<&str> = again.iter().map(|h| h.id.as_str()).collect();
            state.set_findings(key, &again, &compared.findings)?;
        }
    }
    tracing::debug!(entities, read, comparisons, "compared across documents");
    Ok(())
}
