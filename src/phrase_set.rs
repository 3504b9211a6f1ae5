//! Which of many fixed phrases a text holds, found in one pass.
//!
//! Header and heading vocabularies run to hundreds of phrases, and every
//! table header cell and heading is asked about them: one `contains` per
//! phrase per text was a visible share of a document's time.

use aho_corasick::AhoCorasick;

#[derive(Debug, Clone)]
pub struct PhraseSet {
    matcher: AhoCorasick,
}

impl PhraseSet {
    /// The set of the distinct `phrases`, and each phrase's place in it
    /// (the index to look up in [`PhraseSet::held`]).
    pub fn new<'a>(phrases: impl IntoIterator<Item = &'a str>) -> (PhraseSet, Vec<usize>) {
        PhraseSet::try_new(phrases).expect("plain phrases always build")
    }

    /// [`PhraseSet::new`], or None when the phrases are too many to build
    /// into one automaton (words from a user's data files).
    pub fn try_new<'a>(
        phrases: impl IntoIterator<Item = &'a str>,
    ) -> Option<(PhraseSet, Vec<usize>)> {
        let mut distinct: Vec<&str> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = Default::default();
        let slots = phrases
            .into_iter()
            .map(|p| {
                *index.entry(p).or_insert_with(|| {
                    distinct.push(p);
                    distinct.len() - 1
                })
            })
            .collect();
        let matcher = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(&distinct)
            .ok()?;
        Some((PhraseSet { matcher }, slots))
    }

    /// For each distinct phrase, whether `text` holds it.
    pub fn held(&self, text: &str) -> Vec<bool> {
        let mut held = vec![false; self.matcher.patterns_len()];
        for m in self.matcher.find_overlapping_iter(text) {
            held[m.pattern().as_usize()] = true;
        }
        held
    }
}

/// An automaton of fixed phrases built on first use: a process that reads
/// one document builds it while the document is read (`Config::warm_up`),
/// and the configuration it waits for holds only the phrases.
#[derive(Debug, Clone)]
pub struct LazyAutomaton {
    phrases: std::sync::Arc<[String]>,
    kind: aho_corasick::MatchKind,
    built: std::sync::Arc<std::sync::OnceLock<Option<AhoCorasick>>>,
}

impl LazyAutomaton {
    pub fn new(phrases: Vec<String>, kind: aho_corasick::MatchKind) -> LazyAutomaton {
        LazyAutomaton {
            phrases: phrases.into(),
            kind,
            built: Default::default(),
        }
    }

    /// The automaton; None when the phrases do not build into one.
    pub fn get(&self) -> Option<&AhoCorasick> {
        self.built
            .get_or_init(|| {
                AhoCorasick::builder()
                    .match_kind(self.kind)
                    .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                    .build(self.phrases.iter())
                    .ok()
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::PhraseSet;

    #[test]
    fn every_phrase_a_text_holds_is_found_overlapping_or_repeated() {
        let (set, slots) = PhraseSet::new(["本年支出", "支出", "合计", "支出", "项目"]);
        assert_eq!(slots, vec![0, 1, 2, 1, 3]);
        let held = set.held("本年支出合计");
        let of = |i: usize| held[slots[i]];
        assert!(of(0) && of(1) && of(2) && of(3));
        assert!(!of(4));
        assert!(set.held("").iter().all(|h| !h));
    }
}
