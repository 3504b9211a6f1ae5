//! Which patterns can match in a text: their anchor words, found in one pass.

use super::Pattern;

/// One Aho-Corasick pass over a text tells which patterns can match in it.
#[derive(Debug, Clone)]
pub struct AnchorFinder {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// For each anchor word, the patterns it belongs to.
    owners: Vec<Vec<usize>>,
    /// Patterns without anchors: always candidates.
    unanchored: Vec<usize>,
}

impl AnchorFinder {
    pub(super) fn new(patterns: &[Pattern]) -> AnchorFinder {
        let mut words: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = Default::default();
        let mut unanchored = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if p.anchors.is_empty() {
                unanchored.push(i);
                continue;
            }
            for a in &p.anchors {
                let at = *index.entry(a.as_str()).or_insert_with(|| {
                    words.push(a.clone());
                    owners.push(Vec::new());
                    words.len() - 1
                });
                owners[at].push(i);
            }
        }
        AnchorFinder {
            automaton: aho_corasick::AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .build(&words)
                .ok(),
            owners,
            unanchored,
        }
    }

    /// Indices of the patterns that can match somewhere in `text`, ascending.
    pub fn candidates(&self, text: &str, pattern_count: usize) -> Vec<usize> {
        let Some(ac) = &self.automaton else {
            return (0..pattern_count).collect();
        };
        let mut wanted = vec![false; pattern_count];
        for &i in &self.unanchored {
            wanted[i] = true;
        }
        let mut seen = vec![false; self.owners.len()];
        for m in ac.find_overlapping_iter(text) {
            let w = m.pattern().as_usize();
            if !std::mem::replace(&mut seen[w], true) {
                for &i in &self.owners[w] {
                    wanted[i] = true;
                }
            }
        }
        (0..pattern_count).filter(|&i| wanted[i]).collect()
    }
}
