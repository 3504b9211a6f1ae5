//! What every rule family has in common: the [`Check`] trait each family implements, what a
//! check sees ([`Context`]), and how it words a finding ([`Draft`], [`message!`]).

use super::figures::{Figure, LineId, Outcome, Pool};
use super::{ReconcileInput, RuleSet};
use crate::report::{Evidence, Finding, Severity};

/// One rule family over one document. [`super::reconcile`] runs them in a fixed order; the
/// first finding about a set of figures wins over a later repeat.
pub(super) trait Check {
    /// The family: the `kind` of every finding the check makes and the first word of its
    /// rule ids (`completion` → `completion.parts.…`).
    fn family(&self) -> &'static str;
    /// Add the check's findings about the document to `out`.
    fn run(&self, cx: &Context, out: &mut Vec<Finding>);
}

/// How many identities each rule family checked in the document being
/// reconciled (every one whose figures were all printed, whether it held or
/// not). Kept per thread because a document is reconciled on one thread from
/// start to end, and counted where every family's comparisons meet
/// ([`super::sums::check_identity`], [`super::rates::RateCheck::finding`]) rather
/// than in each rule.
mod tally {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    thread_local! {
        static CHECKED: RefCell<BTreeMap<&'static str, u32>> = const { RefCell::new(BTreeMap::new()) };
    }

    /// One identity of `family` checked.
    pub fn count(family: &'static str) {
        CHECKED.with(|c| *c.borrow_mut().entry(family).or_default() += 1);
    }

    /// The counts since the last call (the start of a document), reset.
    pub fn take() -> BTreeMap<String, u32> {
        CHECKED.with(|c| {
            std::mem::take(&mut *c.borrow_mut())
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        })
    }
}
pub(super) use tally::{count as count_checked, take as take_checked};

/// What a check looks at: the document, its figures, and the rules in effect.
pub(super) struct Context<'c, 'a> {
    pub input: &'c ReconcileInput<'a>,
    pub pool: &'c Pool<'a>,
    pub rules: &'c RuleSet,
}

/// One thing said in both languages of a finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Bilingual<T> {
    pub zh: T,
    pub en: T,
}

/// A finding's message: `message` and `message_en`.
pub(super) type Message = Bilingual<String>;

impl Message {
    /// Messages joined, each language with its own separator.
    pub fn join(parts: &[Message], separator: Bilingual<&str>) -> Message {
        let each = |of: fn(&Message) -> &str, separator: &str| {
            parts.iter().map(of).collect::<Vec<_>>().join(separator)
        };
        Bilingual {
            zh: each(|m| &m.zh, separator.zh),
            en: each(|m| &m.en, separator.en),
        }
    }
}

/// Builds a [`Message`] from a Chinese and an English template (in that order) over one set of
/// arguments: each `name = value` is computed once and both templates name it. A [`Bilingual`] in the
/// closing brackets (`name = value`, or a variable by its name) stands in each template in
/// that template's language. (The arguments are written as expressions, so that rustfmt
/// formats the call like any other.)
///
/// ```text
/// message!(
///     "{who}：报告为{value}%，{verdict}",
///     "{who}: printed {value}%, {verdict}",
///     who = name(pct),
///     value = &pct.fact.value,
///     [verdict = verdict.words],
/// )
/// ```
macro_rules! message {
    (
        $zh:literal,
        $en:literal
        $(, $arg:ident = $val:expr)*
        $(, [$($pair:ident $(= $words:expr)?),+ $(,)?])?
        $(,)?
    ) => {{
        $(let $arg = $val;)*
        $($($(let $pair = $words;)?)+)?
        $crate::reconcile::check::Bilingual {
            zh: {
                $($(let $pair = &$pair.zh;)+)?
                format!($zh)
            },
            en: {
                $($(let $pair = &$pair.en;)+)?
                format!($en)
            },
        }
    }};
}
pub(super) use message;

/// How a comparison came out, in words: `None` where it is consistent.
pub(super) struct Verdict {
    pub severity: Severity,
    pub words: Bilingual<&'static str>,
}

pub(super) const ROUNDING: Bilingual<&str> = Bilingual {
    zh: "差异在四舍五入范围内",
    en: "within rounding of the printed figures",
};
pub(super) const BEYOND_ROUNDING: Bilingual<&str> = Bilingual {
    zh: "差异超出四舍五入范围",
    en: "beyond rounding",
};
pub(super) const CLEARLY_INCONSISTENT: Bilingual<&str> = Bilingual {
    zh: "明显不一致",
    en: "clearly inconsistent",
};

pub(super) fn verdict(outcome: Outcome) -> Option<Verdict> {
    let (severity, words) = match outcome {
        Outcome::Consistent => return None,
        Outcome::Rounding => (Severity::Info, ROUNDING),
        Outcome::Beyond(Severity::Warning) => (Severity::Warning, BEYOND_ROUNDING),
        Outcome::Beyond(s) => (s, CLEARLY_INCONSISTENT),
    };
    Some(Verdict { severity, words })
}

/// A finding about printed figures, before it is a [`Finding`].
pub(super) struct Draft<'f, 'a> {
    pub rule: String,
    pub kind: &'static str,
    pub severity: Severity,
    pub message: Message,
    pub figures: Vec<&'f Figure<'a>>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub difference: Option<String>,
}

impl Draft<'_, '_> {
    pub fn build(self) -> Finding {
        Finding {
            rule: self.rule,
            kind: self.kind.to_string(),
            severity: self.severity,
            message: self.message.zh,
            message_en: self.message.en,
            values: self.figures.iter().map(|f| f.fact.value.clone()).collect(),
            expected: self.expected,
            actual: self.actual,
            difference: self.difference,
            facts: self.figures.iter().map(|f| evidence(f)).collect(),
        }
    }
}

pub(super) fn evidence(f: &Figure) -> Evidence {
    Evidence {
        key: f.fact.key.clone(),
        value: f.fact.value.clone(),
        label: f.fact.label.clone(),
        page: f.fact.page,
        section: f.fact.section.clone(),
        text: f.fact.text.clone(),
        span: f.fact.span,
    }
}

/// `key[label]` for messages.
pub(super) fn name(f: &Figure) -> String {
    match (&f.fact.label, &f.fact.code) {
        (Some(l), _) => format!("{}[{}]", f.fact.key, l),
        (None, Some(c)) => format!("{}[{}]", f.fact.key, c),
        _ => f.fact.key.clone(),
    }
}

/// Whether a figure is on the line of `anchor` (any line, where the anchor has none).
pub(super) fn same_line_as<'x>(anchor: &'x Figure) -> impl Fn(&LineId) -> bool + 'x {
    move |l: &LineId| anchor.line.is_none() || l.same_line(&anchor.line)
}

/// Figures this close (in characters) to a rate are read as stated with it.
pub(super) const SAME_PASSAGE_CHARS: usize = 300;
