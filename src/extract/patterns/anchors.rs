//! Which patterns can match in a text: their anchor words, found in one pass.

use super::Pattern;
use crate::phrase_set::PhraseSet;

/// One pass over a text tells which patterns can match in it.
#[derive(Debug, Clone)]
pub struct AnchorFinder {
    /// Every pattern's anchor words; None when they do not build into one
    /// automaton (then every pattern is a candidate).
    words: Option<PhraseSet>,
    /// For each distinct anchor word, the patterns it belongs to.
    owners: Vec<Vec<usize>>,
    /// Patterns without anchors: always candidates.
    unanchored: Vec<usize>,
}

impl AnchorFinder {
    pub(super) fn new(patterns: &[Pattern]) -> AnchorFinder {
        let mut anchored: Vec<(usize, &str)> = Vec::new();
        let mut unanchored = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if p.anchors.is_empty() {
                unanchored.push(i);
            }
            anchored.extend(p.anchors.iter().map(|a| (i, a.as_str())));
        }
        let Some((words, slots)) = PhraseSet::try_new(anchored.iter().map(|&(_, a)| a)) else {
            return AnchorFinder {
                words: None,
                owners: Vec::new(),
                unanchored,
            };
        };
        // Slots are given in order, so the largest is the last distinct word.
        let mut owners = vec![Vec::new(); slots.iter().max().map_or(0, |&m| m + 1)];
        for (&(i, _), slot) in anchored.iter().zip(slots) {
            owners[slot].push(i);
        }
        AnchorFinder {
            words: Some(words),
            owners,
            unanchored,
        }
    }

    /// Indices of the patterns that can match somewhere in `text`, ascending.
    pub fn candidates(&self, text: &str, pattern_count: usize) -> Vec<usize> {
        let Some(words) = &self.words else {
            return (0..pattern_count).collect();
        };
        let mut wanted = vec![false; pattern_count];
        for &i in &self.unanchored {
            wanted[i] = true;
        }
        for (owners, held) in self.owners.iter().zip(words.held(text)) {
            if held {
                for &i in owners {
                    wanted[i] = true;
                }
            }
        }
        (0..pattern_count).filter(|&i| wanted[i]).collect()
    }
}
