//! The groups of one match, whichever matcher found it: a pattern's whole
//! regex, or a merged template's name (found by an automaton) and the
//! regex of the rest of its shape, run anchored right after the name.

use regex_automata::util::captures::Captures as TailCaptures;
use std::ops::Range;

/// One group's text and where it starts in the haystack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group<'h> {
    text: &'h str,
    start: usize,
}

impl<'h> Group<'h> {
    fn of(haystack: &'h str, span: Range<usize>) -> Group<'h> {
        Group {
            text: &haystack[span.clone()],
            start: span.start,
        }
    }
    pub(crate) fn as_str(&self) -> &'h str {
        self.text
    }
    pub(crate) fn start(&self) -> usize {
        self.start
    }
    pub(crate) fn end(&self) -> usize {
        self.start + self.text.len()
    }
    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end()
    }
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

impl<'h> From<regex::Match<'h>> for Group<'h> {
    fn from(m: regex::Match<'h>) -> Group<'h> {
        Group {
            text: m.as_str(),
            start: m.start(),
        }
    }
}

/// The groups of one match.
pub(crate) enum Groups<'h> {
    /// A whole-pattern regex's captures.
    Regex(regex::Captures<'h>),
    /// A template's name and the captures of its tail, which starts where
    /// the name ends.
    NameThenTail {
        haystack: &'h str,
        name: Range<usize>,
        tail: TailCaptures,
    },
}

impl<'h> Groups<'h> {
    /// The whole match.
    pub(crate) fn whole(&self) -> Group<'h> {
        match self {
            Groups::Regex(caps) => caps.get(0).expect("group 0").into(),
            Groups::NameThenTail {
                haystack,
                name,
                tail,
            } => Group::of(
                haystack,
                name.start..tail.get_match().map_or(name.end, |m| m.end()),
            ),
        }
    }

    /// The group of that name, if it took part in the match.
    pub(crate) fn name(&self, group: &str) -> Option<Group<'h>> {
        match self {
            Groups::Regex(caps) => caps.name(group).map(Group::from),
            Groups::NameThenTail {
                haystack,
                name,
                tail,
            } => {
                if group == "name" {
                    return Some(Group::of(haystack, name.clone()));
                }
                tail.get_group_by_name(group)
                    .map(|span| Group::of(haystack, span.range()))
            }
        }
    }
}

impl<'h> From<regex::Captures<'h>> for Groups<'h> {
    fn from(caps: regex::Captures<'h>) -> Groups<'h> {
        Groups::Regex(caps)
    }
}
