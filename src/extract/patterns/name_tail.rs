//! A merged template whose shape opens with `{name}` (`{name}{VERB}{amount:value}`):
//! its names are found by an automaton, and only the rest of the shape is a
//! regex, tried anchored right after each name.
//!
//! This gives the matches of the one regex `(?P<name>A|B|…)rest`: the
//! leftmost start where some name is followed by the rest, and at that start
//! the first name in the alternation's order (longest first) whose rest
//! matches. Building that regex with its ~250 names cost more than anything
//! else a one-document process builds; the automaton costs a fraction, and
//! the rest's regex needs no literal prefilter, since it never searches.

use super::super::groups::Groups;
use super::LazyRegex;
use crate::phrase_set::LazyAutomaton;
use aho_corasick::MatchKind;
use regex::Regex;
use regex_automata::{meta, Anchored, Input};
use std::sync::{Arc, OnceLock};

/// What a space in a name stands for: `\s?`, and `\s` is the ASCII set
/// in every pattern regex.
const SPACE_SPELLINGS: [&str; 6] = ["", " ", "\t", "\n", "\x0C", "\r"];
/// A name with more spaces than this keeps the one regex: each space
/// multiplies its spellings by six.
const MAX_SPACES: usize = 2;

/// Every name of the names-first templates, spelled out, in one automaton
/// built on first use (most of a template's names are another's too).
#[derive(Debug, Clone)]
pub struct TemplateNames {
    /// Every spelling, all matches reported (overlapping).
    automaton: LazyAutomaton,
    /// For each spelling, the name it spells.
    name_of: Arc<[usize]>,
}

impl TemplateNames {
    /// Build the automaton now.
    pub fn warm_up(&self) {
        self.automaton.get();
    }
}

/// The names-then-rest reading of a template whose shape opens with
/// `{name}`; None for any other shape, or a rest that is no regex alone
/// (a quantifier on the name).
pub(super) fn for_shape(
    shape: &str,
    names: &[&String],
    ctx: &super::regex_source::Expander,
    all_names: &mut TemplateNamesBuilder,
) -> Option<NamesThenTail> {
    let rest = shape.strip_prefix("{name}")?;
    let quantified = rest.starts_with(['?', '*', '+'])
        || rest
            .strip_prefix('{')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    if quantified || rest.contains("{name}") {
        return None;
    }
    let rest = rest
        .replace("{name_any}", super::ANY_NAME)
        .replace("{name_b}", super::SECOND_NAME)
        .replace("{name_list}", super::NAME_LIST);
    all_names.template(names, ctx.tail(&rest).ok()?)
}

impl super::MergedTemplate {
    /// Its matches in `text`; None when its matcher cannot be built.
    pub fn finder<'h>(
        &'h self,
        names: &'h TemplateNames,
        text: &'h str,
    ) -> Option<TemplateFinder<'h>> {
        TemplateFinder::new(
            &self.regex,
            self.names_first.as_ref().map(|t| (t, names)),
            text,
        )
    }
}

/// Collects [`TemplateNames`] template by template.
#[derive(Default)]
pub(super) struct TemplateNamesBuilder {
    spellings: Vec<String>,
    name_of: Vec<usize>,
    ids: std::collections::HashMap<String, usize>,
}

impl TemplateNamesBuilder {
    /// The reading of a template whose names are `names`, in the
    /// alternation's order, and whose rest is `tail`; None when the one
    /// regex must stay: a name with too many spaces, or one that can be empty.
    pub(super) fn template(&mut self, names: &[&String], tail: LazyTail) -> Option<NamesThenTail> {
        let spelled: Vec<Vec<String>> =
            names.iter().map(|n| spellings(n)).collect::<Option<_>>()?;
        let mut place = std::collections::HashMap::new();
        for (at, (name, forms)) in names.iter().zip(spelled).enumerate() {
            let next = self.ids.len();
            let id = *self.ids.entry(name.to_string()).or_insert(next);
            if id == next {
                for form in forms {
                    self.spellings.push(form);
                    self.name_of.push(id);
                }
            }
            place.entry(id).or_insert(at);
        }
        Some(NamesThenTail { place, tail })
    }

    pub(super) fn build(self) -> TemplateNames {
        TemplateNames {
            automaton: LazyAutomaton::new(self.spellings, MatchKind::Standard),
            name_of: self.name_of.into(),
        }
    }
}

/// Each way `name` can be printed where its regex is `\s?` for a space;
/// None when there are too many or one is empty.
fn spellings(name: &str) -> Option<Vec<String>> {
    let mut parts = name.split(' ');
    let mut forms = vec![parts.next().unwrap_or_default().to_string()];
    for (count, part) in parts.enumerate() {
        if count >= MAX_SPACES {
            return None;
        }
        forms = forms
            .iter()
            .flat_map(|f| SPACE_SPELLINGS.iter().map(move |s| format!("{f}{s}{part}")))
            .collect();
    }
    forms.iter().all(|f| !f.is_empty()).then_some(forms)
}

/// A names-first template: where each of its names stands in its
/// alternation, and the rest of its shape.
#[derive(Debug, Clone)]
pub struct NamesThenTail {
    /// Name (in [`TemplateNames`]) → place in the alternation.
    place: std::collections::HashMap<usize, usize>,
    tail: LazyTail,
}

impl NamesThenTail {
    /// Build the rest's matcher now.
    pub fn warm_up(&self) {
        self.tail.get();
    }

    /// Every name of this template in `text`, in the order the regex tries
    /// them: by start, then by place in the alternation.
    fn hits(&self, names: &TemplateNames, text: &str) -> Option<Vec<NameHit>> {
        let mut hits: Vec<NameHit> = names
            .automaton
            .get()?
            .find_overlapping_iter(text)
            .filter_map(|m| {
                let name = names.name_of[m.pattern().as_usize()];
                self.place.get(&name).map(|&place| NameHit {
                    start: m.start(),
                    place,
                    end: m.end(),
                })
            })
            .collect();
        hits.sort_unstable();
        Some(hits)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameHit {
    start: usize,
    place: usize,
    end: usize,
}

/// The matches of one merged template in one text.
pub enum TemplateFinder<'h> {
    Regex {
        regex: &'h Regex,
        text: &'h str,
    },
    Names {
        tail: &'h meta::Regex,
        hits: Vec<NameHit>,
        text: &'h str,
    },
}

impl<'h> TemplateFinder<'h> {
    /// None when the template's matcher cannot be built, or cannot match.
    pub(super) fn new(
        regex: &'h LazyRegex,
        names_first: Option<(&'h NamesThenTail, &'h TemplateNames)>,
        text: &'h str,
    ) -> Option<TemplateFinder<'h>> {
        Some(match names_first {
            Some((template, names)) => TemplateFinder::Names {
                tail: template.tail.get()?,
                hits: template.hits(names, text)?,
                text,
            },
            // No match possible: nothing to build.
            None if !regex.may_match(text) => return None,
            None => TemplateFinder::Regex {
                regex: regex.get()?,
                text,
            },
        })
    }

    /// The leftmost match that starts at `pos` or after.
    pub(crate) fn captures_at(&self, pos: usize) -> Option<Groups<'h>> {
        match self {
            TemplateFinder::Regex { regex, text } => regex.captures_at(text, pos).map(Groups::from),
            TemplateFinder::Names { tail, hits, text } => {
                let first = hits.partition_point(|h| h.start < pos);
                let mut caps = tail.create_captures();
                hits[first..].iter().find_map(|h| {
                    let input = Input::new(*text).range(h.end..).anchored(Anchored::Yes);
                    tail.search_captures(&input, &mut caps);
                    caps.is_match().then(|| Groups::NameThenTail {
                        haystack: text,
                        name: h.start..h.end,
                        tail: caps.clone(),
                    })
                })
            }
        }
    }
}

/// The rest of a shape after `{name}`: a regex built on first use, without
/// literal prefilters (it is only run anchored).
#[derive(Debug, Clone)]
pub struct LazyTail {
    source: Arc<str>,
    built: Arc<OnceLock<Option<meta::Regex>>>,
}

impl LazyTail {
    pub(super) fn new(source: String) -> LazyTail {
        LazyTail {
            source: source.into(),
            built: Default::default(),
        }
    }

    fn get(&self) -> Option<&meta::Regex> {
        self.built
            .get_or_init(|| {
                match meta::Builder::new()
                    .configure(meta::Config::new().auto_prefilter(false))
                    .build(&self.source)
                {
                    Ok(r) => Some(r),
                    Err(e) => {
                        tracing::warn!("template regex cannot be built: {e}");
                        None
                    }
                }
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::super::PatternSet;
    use super::*;

    /// Every match and every group of each names-first template, read both
    /// ways: the automaton and the rest's regex against the one regex.
    fn both_ways(set: &PatternSet, text: &str) -> usize {
        let mut compared = 0;
        for m in set.merged.iter().filter(|m| m.names_first.is_some()) {
            let regex = m.regex.get().expect("the one regex builds");
            let group_names: Vec<&str> = regex.capture_names().flatten().collect();
            let by_names = m
                .finder(&set.template_names, text)
                .expect("the rest builds");
            let by_regex = TemplateFinder::Regex { regex, text };
            let mut pos = 0;
            loop {
                let (a, b) = (by_names.captures_at(pos), by_regex.captures_at(pos));
                let (Some(a), Some(b)) = (&a, &b) else {
                    assert!(
                        a.is_none() && b.is_none(),
                        "{}: one way found more",
                        m.template
                    );
                    break;
                };
                assert_eq!(a.whole().range(), b.whole().range(), "{}", m.template);
                for g in &group_names {
                    assert_eq!(
                        a.name(g).map(|g| g.range()),
                        b.name(g).map(|g| g.range()),
                        "{} group {g} at {pos}",
                        m.template
                    );
                }
                compared += 1;
                pos =
                    a.whole().start() + a.whole().as_str().chars().next().map_or(1, char::len_utf8);
            }
        }
        compared
    }

    #[test]
    fn names_then_tail_finds_what_the_one_regex_finds() {
        let set = PatternSet::builtin();
        let names_first: Vec<&str> = set
            .merged
            .iter()
            .filter(|m| m.names_first.is_some())
            .map(|m| m.template.as_str())
            .collect();
        for t in ["amount", "change", "budget_final"] {
            assert!(names_first.contains(&t), "{t} is read names first");
        }
        // Made up: nested names (a longer name whose rest fails, a shorter
        // one inside it that reads), a name split by a line break, changes
        // with and without a base, a budget/final pair.
        let text = "2025年收入预算总计1,234.56万元，其中：一般公共预算财政拨款收入1000.5万元，\
                    比上年增加20.1万元，增长2.05%。一般公共预算财政拨款支出预算为300万元，支出决算为290.5万元。\
                    财政拨款收入支出总\n计500万元。基本支出与上年持平。项目支出减少3万元，下降1%。\
                    因公出国（境）费0万元，公务接待费较2024年减少0.8万元。";
        assert!(both_ways(&set, text) >= 5, "too few matches compared");
    }

    /// The same over the text of every document of the shared corpus.
    #[test]
    fn names_then_tail_agrees_on_the_shared_corpus() {
        let Some(texts) = crate::test_corpus::texts() else {
            return;
        };
        let set = PatternSet::builtin();
        let compared: usize = texts.iter().map(|(_, text)| both_ways(&set, text)).sum();
        let documents = texts.len();
        println!("{documents} documents, {compared} matches compared");
        assert!(
            documents >= 20 && compared >= 500,
            "{documents} documents, {compared} matches"
        );
    }
}
