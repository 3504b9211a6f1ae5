//! Where a term or a pattern applies: section kinds, section titles, the
//! document's kind, the text right before it. One definition for the
//! pattern reader and the clause reader.

use crate::sections::Section;

#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Section kinds it applies in; empty means any (but `not_sections`).
    pub sections: Vec<String>,
    pub not_sections: Vec<String>,
    /// `final` / `budget`; empty means both.
    pub doc_kinds: Vec<String>,
    /// Literal text that must not stand right before it (a poor man's look-behind).
    pub not_before: Vec<String>,
    /// For a bare head noun (`支出预算`, `收入预算`): the words one of which
    /// must end the text before it when a Chinese character stands there
    /// (a year's `年`, an entity's `院`/`校`…). Any other character makes the
    /// name the tail of a longer one (`住房改革支出预算数` is an item's
    /// budget). Empty: no such condition. Whitespace and page breaks are
    /// skipped, since a page may break inside the longer name.
    pub only_after: Vec<String>,
    /// Words one of which a section title around it must hold; empty: any.
    pub titles: Vec<String>,
    /// Words one of which, earlier in its sentence, places it as its
    /// `sections` would (`基本支出中，人员经费…` outside a section on the
    /// basic expenditure).
    pub or_in_sentence: Vec<String>,
    /// Words no section title around it may hold.
    pub not_titles: Vec<String>,
}

impl Scope {
    /// Whether it applies in a document of this kind.
    pub fn allows_kind(&self, doc_kind: Option<&str>) -> bool {
        self.doc_kinds.is_empty() || doc_kind.is_some_and(|k| self.doc_kinds.iter().any(|d| d == k))
    }

    /// Whether it applies at byte `at` of `text`, inside the sections
    /// `chain` (innermost first). Never in a table of contents or a
    /// glossary, unless its sections name the glossary.
    pub fn allows_at(&self, text: &str, at: usize, chain: &[&Section]) -> bool {
        self.allows_at_for(text, at, chain, None)
    }

    /// [`Scope::allows_at`] in a document by `entity`: words asked of the
    /// section titles may stand in the publisher's name instead.
    pub fn allows_at_for(
        &self,
        text: &str,
        at: usize,
        chain: &[&Section],
        entity: Option<&str>,
    ) -> bool {
        if self
            .not_before
            .iter()
            .any(|w| text[..at].ends_with(w.as_str()))
        {
            return false;
        }
        if !self.only_after.is_empty() && !follows_boundary(&text[..at], &self.only_after) {
            return false;
        }
        let named = entity.is_some_and(|e| self.titles.iter().any(|w| e.contains(w.as_str())));
        let titles: &[String] = if named { &[] } else { &self.titles };
        if !titles_allow(chain, titles, &self.not_titles) {
            return false;
        }
        let in_kind = |k: &str| chain.iter().any(|s| s.kind == k);
        if (in_kind("toc") || in_kind("glossary")) && !self.sections.iter().any(|s| s == "glossary")
        {
            return false;
        }
        let in_sentence = || {
            let before = &text[..at];
            let start = before.rfind(['。', '\n']).unwrap_or(0);
            self.or_in_sentence
                .iter()
                .any(|w| before[start..].contains(w.as_str()))
        };
        !self.not_sections.iter().any(|n| in_kind(n))
            && (self.sections.is_empty()
                || self.sections.iter().any(|s| in_kind(s))
                || in_sentence())
    }
}

/// Whether `before` ends (past whitespace and page breaks) with something
/// other than a Chinese character, or with one of `words`.
fn follows_boundary(before: &str, words: &[String]) -> bool {
    let before = before.trim_end();
    match before.chars().next_back() {
        Some(c) if crate::normalize::is_han(c) => {
            words.iter().any(|w| before.ends_with(w.as_str()))
        }
        _ => true,
    }
}

/// Whether the section titles around a place hold one of `titles` (when
/// given) and none of `not_titles`.
pub fn titles_allow(chain: &[&Section], titles: &[String], not_titles: &[String]) -> bool {
    let holds = |words: &[String]| {
        chain
            .iter()
            .any(|s| words.iter().any(|w| s.title.contains(w.as_str())))
    };
    (titles.is_empty() || holds(titles)) && (not_titles.is_empty() || !holds(not_titles))
}
