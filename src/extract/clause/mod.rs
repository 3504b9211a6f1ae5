//! Clause-level reading: figures no pattern read, given a subject and a role
//! from the words around them.
//!
//! The narrative is split into sentences (`。；` and line ends). Inside one,
//! each printed figure ([`figures`]) takes as its subject the nearest term
//! named before it ([`lexicon`]) or the nearest figure already read (by a
//! pattern or by this reader); a sentence that opens with a comparison
//! (`与上年相比…`) continues the subject of the sentence before. The figure's
//! role comes from cue words between subject and figure and from its unit:
//! a direction word makes a change (`.yoy_change`, `.yoy_pct`), `占` a share,
//! `完成` a completion rate, `上年…为` the prior year, a budget word in a final
//! account `.budget`, a comparison with the budget `x.….vs_budget_*`; a count
//! unit fills only a count key. A figure whose subject or role is uncertain
//! is left unread: a missing fact is better than a wrong one.

pub mod codes;
pub mod figures;
pub mod lexicon;
mod mentions;
mod role;
mod sentences;

use crate::keys;
use crate::sections::SectionTree;
use lexicon::{Cues, Lexicon};
use mentions::{mentions, Mention};
use rust_decimal::Decimal;
use sentences::{sentences, strip_ordinal};
use std::collections::HashMap;
use std::ops::Range;

/// A figure some other reader already keyed: the subject it gives what follows.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// Bytes of the printed number.
    pub figure: Range<usize>,
    pub key: String,
    pub label: Option<String>,
    pub code: Option<String>,
    /// The sign of a year-on-year change (a bracketed % after it takes it).
    pub change_sign: Option<i8>,
}

/// A figure read by the clause reader.
#[derive(Debug, Clone)]
pub struct Reading {
    pub key: String,
    pub value: String,
    pub unit: String,
    pub value_wan: Option<Decimal>,
    pub label: Option<String>,
    pub code: Option<String>,
    /// Bytes of the printed number.
    pub figure: Range<usize>,
    /// Bytes of the quote: from the subject (or the clause) to the figure's unit.
    pub quote: Range<usize>,
    /// `clause#role`, the provenance's pattern id.
    pub rule: String,
}

/// What the reader needs besides the text.
pub struct ClauseInput<'a> {
    pub text: &'a str,
    pub tree: &'a SectionTree,
    pub doc_kind: Option<&'a str>,
    /// The publisher: a term limited to section titles with some words
    /// (`titles`) applies too where the publisher's name holds one
    /// (`某某大学`: a university's 收入总计).
    pub entity: Option<&'a str>,
    pub lexicon: &'a Lexicon,
    pub cues: &'a Cues,
    /// Every lexicon name in the text ([`Lexicon::find_all`]).
    pub names: &'a [lexicon::NameHit],
    /// Figures already keyed, in any order.
    pub anchors: &'a [Anchor],
    /// The national names of the 类 and 款 by code, for the parents of a
    /// coded line the document's tables do not name.
    pub functional_codes: &'a HashMap<String, String>,
}

/// The subject a figure is read against.
#[derive(Debug, Clone)]
pub(super) struct Subject {
    /// The key without comparison qualifiers (`three_public.reception`).
    pub base: String,
    pub label: Option<String>,
    pub code: Option<String>,
    /// Where the subject's name (or figure) ends: the gap starts here.
    pub end: usize,
    /// Where the quote starts.
    pub start: usize,
    /// Named in the text (a term), or taken from a figure read before.
    pub named: bool,
    /// The sign of the last change read for it (a bracketed % takes it).
    pub last_change: Option<i8>,
}

/// `x.three_public.total.vs_budget_change` → `three_public.total`.
pub fn base_key(key: &str) -> String {
    let mut k = key;
    for s in keys::COMPARISONS {
        if let Some(b) = k.strip_suffix(s) {
            k = b;
            if keys::is_versus_budget(s) {
                k = k.strip_prefix("x.").unwrap_or(k);
            }
            break;
        }
    }
    k.to_string()
}

/// What the clause reader found: new figures, and figures another reader
/// keyed that a `其中` list puts under its parent's family.
#[derive(Debug, Default)]
pub struct ClauseOutput {
    pub readings: Vec<Reading>,
    /// (start of the printed number, its key under the parent).
    pub rekeyed: Vec<(usize, String)>,
}

/// What the clause reader takes from the text alone: its figures, the
/// names and functional lines it mentions, its codes. Built while the
/// patterns read the text, since it needs nothing they find.
pub struct Groundwork {
    figures: Vec<figures::Figure>,
    hits: Vec<Mention>,
    codes: codes::CodeBook,
}

impl Groundwork {
    /// `names`: every lexicon name in `text` ([`Lexicon::find_all`]).
    pub fn new(text: &str, cues: &Cues, names: &[lexicon::NameHit]) -> Groundwork {
        Groundwork {
            figures: figures::figures(text),
            hits: mentions(text, cues, names),
            codes: codes::CodeBook::new(text),
        }
    }
}

/// Read the figures no anchor holds; `groundwork` is of the same text.
pub fn read(input: &ClauseInput, groundwork: &Groundwork) -> ClauseOutput {
    let text = input.text;
    let Groundwork {
        figures,
        hits,
        codes,
    } = groundwork;
    let anchors: HashMap<usize, &Anchor> =
        input.anchors.iter().map(|a| (a.figure.start, a)).collect();
    let mut out = Vec::new();
    let mut rekeyed = Vec::new();
    let (mut fi, mut hi) = (0, 0);
    let mut carry: Option<Subject> = None;
    // The subject of a sentence that only names it, for the next sentence.
    let mut titled: Option<Subject> = None;
    let mut line_context = mentions::LineContext::default();
    let mut chains = mentions::Chains::default();
    // Within a paragraph-sentence (to `。` or a line end, over `；`): the last
    // figure read, and the parent a `其中` list stands under.
    let mut paragraph_last: Option<Subject> = None;
    let mut under: Option<String> = None;
    // The figure a bracketed `（其中：…）` list stands under: after the closing
    // bracket the comparison is the parent's again (WORDING 6.1).
    let mut bracket_parent: Option<Subject> = None;
    // The subject whose reasons are being listed: over `；` to the paragraph's end
    // (`主要原因是：（一）…增加70万元；（二）…减少20万元。`).
    let mut reason_parent: Option<Subject> = None;
    let mut prev_end = 0;
    // Titles only: a numbered line that holds a figure or a comma is a
    // sentence the tree took for a heading (`1.法院（款）…支出17279.29万元，…`).
    let mut heading_ends: Vec<usize> = input
        .tree
        .sections
        .iter()
        .filter(|s| {
            let line = &text[s.heading.clone()];
            // …and an item line broken before its amount (`…（款）…（项）\n支出417.06万元`).
            let item_line = ["（项）", "(项)", "（款）", "(款)"]
                .iter()
                .any(|m| line.trim_end().ends_with(m));
            !line.contains(['，', ',', '。'])
                && !line.chars().skip(4).any(|c| c.is_ascii_digit())
                && !item_line
        })
        .map(|s| s.heading.end)
        .collect();
    heading_ends.sort_unstable();
    for sentence in sentences(text, &heading_ends) {
        // Most sentences of a document hold no figure with a unit (table rows,
        // prose): only their class and 款 lines matter, for the lines after.
        while figures
            .get(fi)
            .is_some_and(|f| f.whole.start < sentence.start)
        {
            fi += 1;
        }
        if figures
            .get(fi)
            .is_none_or(|f| f.whole.start >= sentence.end)
        {
            // The last name of the sentence; a line's subject is resolved
            // for every line (the lines after it take their class from it),
            // any other name's only where it may hand the subject on.
            let mut last: Option<(&Mention, Option<Subject>)> = None;
            while let Some(h) = hits.get(hi).filter(|h| h.start < sentence.end) {
                hi += 1;
                if h.start < sentence.start {
                    continue;
                }
                let line_subject = h.line.as_ref().map(|line| {
                    let chain = chains.at(input.tree, h.start);
                    mentions::resolve_line(input, h, line, codes, &mut line_context, chain)
                });
                last = Some((h, line_subject.flatten()));
            }
            // `1.因公出国（境）费。年初预算为3.00万元，支出决算为2.85万元`,
            // `3.水利（款）水土保持（项）（2130310）。年初预算为…`: a sentence that
            // only names its subject hands it to the next one (WORDING 6.3).
            // `X支出N万元。主要用于A、B项目支出。与上年相比增加M万元`: the aside
            // about what the money is for leaves the subject to the next
            // sentence, even when it ends naming a term.
            let aside = input
                .cues
                .aside
                .is_match(strip_ordinal(&text[sentence.clone()]));
            titled = last
                .filter(|_| !aside)
                .filter(|(h, _)| names_only(&text[sentence.clone()], h.end - sentence.start))
                .and_then(|(h, subject)| {
                    let subject = match &h.line {
                        Some(_) => subject,
                        None => mentions::resolve(input, h, chains.at(input.tree, h.start)),
                    };
                    subject.map(|s| (s, h.end))
                })
                .map(|(mut s, end)| {
                    // Its code in brackets after the name (`行政运行（项）（2130301）。`).
                    if s.code.is_none() {
                        s.code = bracketed_code(&text[end..sentence.end]);
                    }
                    s
                });
            if titled.is_some() {
                carry = None;
                continue;
            }
            if text[..sentence.end].ends_with(['。', '\n']) {
                paragraph_last = None;
                under = None;
                bracket_parent = None;
                reason_parent = None;
            }
            if !aside {
                carry = None;
            }
            continue;
        }
        let continues = || {
            let opening = strip_ordinal(&text[sentence.clone()]);
            input.cues.continuation.is_match(opening)
        };
        let mut subject: Option<Subject> = None;
        let mut last_read: Option<Subject> = None;
        // The last subject read before the sentence's `其中` list: a next
        // sentence opening with a comparison continues the whole, not its
        // last part (`合计612.38万元，其中：…公务接待费134.86万元。比上年减少…`).
        let mut before_parts: Option<Subject> = None;
        let parts_at = text[sentence.clone()]
            .find("其中")
            .map(|i| sentence.start + i);
        // The keys (and labels) read before that `其中`: a part after it
        // read as the same key is a part of that figure, not the figure
        // (`团组12个、58人次，其中赴港澳团组3个、11人次`).
        let mut wholes: Vec<(String, Option<String>)> = Vec::new();
        let title = titled.take();
        // `收入总计A，支出总计B，分别比上年增长C和D`: the subjects of the
        // sentence's amounts so far, and which of them the next figure after
        // `分别` is (WORDING 6.5).
        let mut amounts_of: Vec<Subject> = Vec::new();
        let mut respective: Option<(Vec<Subject>, usize, usize)> = None;
        tracing::trace!(sentence = &text[sentence.clone()], "clause: sentence");
        loop {
            let next_hit = hits.get(hi).filter(|h| h.start < sentence.end);
            let next_fig = figures.get(fi).filter(|f| f.whole.start < sentence.end);
            match (next_hit, next_fig) {
                (Some(h), f) if f.is_none_or(|f| h.start < f.whole.start) => {
                    hi += 1;
                    if h.start < sentence.start {
                        continue;
                    }
                    let between = &text[prev_end.min(h.start)..h.start];
                    if between.contains("（其中") || between.contains("(其中") {
                        bracket_parent = last_read.clone();
                    }
                    if between.contains("其中") {
                        // `…支出X万元，其中基本支出…`, `…支出X万元。其中：基本支出…`:
                        // the parent is the last figure read.
                        under = last_read
                            .as_ref()
                            .or(paragraph_last.as_ref())
                            .or(carry.as_ref())
                            .map(|p| p.base.clone());
                    }
                    prev_end = h.end;
                    // `…，占“三公”经费的13.56%`: the name after 占 is the
                    // share's base; the subject stays (WORDING 4.4).
                    let base_of_share = text[sentence.start..h.start]
                        .trim_end_matches(['“', '"', '‘'])
                        .ends_with('占');
                    if base_of_share && (subject.is_some() || title.is_some()) {
                        continue;
                    }
                    let chain = chains.at(input.tree, h.start);
                    subject = match &h.line {
                        Some(line) => {
                            mentions::resolve_line(input, h, line, codes, &mut line_context, chain)
                                .map(|mut s| {
                                    // `住房公积金（项）（2210201）173.36万元`: the line's
                                    // code printed in brackets after its name.
                                    if s.code.is_none() {
                                        s.code = bracketed_code(&text[h.end..sentence.end]);
                                    }
                                    s
                                })
                        }
                        None => mentions::resolve(input, h, chain),
                    };
                    if let Some(parent) = &under {
                        if let Some(s) = mentions::under_parent(input, h, parent) {
                            subject = Some(s);
                        }
                    }
                    tracing::trace!(
                        name = &text[h.start..h.end],
                        subject = subject.as_ref().map(|s| s.base.as_str()),
                        "clause: named"
                    );
                }
                (_, Some(f)) => {
                    fi += 1;
                    if f.whole.start < sentence.start {
                        continue;
                    }
                    let gap_start = prev_end.min(f.whole.start);
                    prev_end = f.whole.end;
                    // `{parent}{A}（其中：{c1}{A}，{c2}{A}），比{base}{D}{C}`: the parent's.
                    if let Some(close) = bracket_parent
                        .as_ref()
                        .and(text[gap_start..f.whole.start].find(['）', ')']))
                    {
                        let at = gap_start + close;
                        let end = at + text[at..].chars().next().map_or(1, char::len_utf8);
                        subject = bracket_parent.take().map(|p| Subject {
                            end,
                            named: false,
                            ..p
                        });
                    }
                    if let Some(a) = anchors.get(&f.number.start) {
                        let mut base = base_key(&a.key);
                        // A figure a pattern read inside a `其中` list: the parent's family.
                        if let Some(key) =
                            under.as_ref().and_then(|p| input.cues.under_key(p, &base))
                        {
                            if let Some(suffix) = a.key.strip_prefix(base.as_str()) {
                                rekeyed.push((f.number.start, format!("{key}{suffix}")));
                                base = key.to_string();
                            }
                        }
                        let s = Subject {
                            base,
                            label: a.label.clone(),
                            code: a.code.clone(),
                            end: f.whole.end,
                            start: f.whole.start,
                            named: false,
                            last_change: a.change_sign,
                        };
                        if parts_at.is_none_or(|p| s.end <= p) {
                            before_parts = Some(s.clone());
                            wholes.push((a.key.clone(), a.label.clone()));
                        }
                        last_read = Some(s.clone());
                        subject = Some(s);
                        continue;
                    }
                    // A figure in a reason for the change before it (WORDING 6.8):
                    // not read as the subject's own figure, unless a term is
                    // named after the reason word (`原因是基本支出增加…`, 6.10).
                    let before = &text[sentence.start..f.number.start];
                    let reason_at = input
                        .cues
                        .reason
                        .get()
                        .and_then(|r| r.find_iter(before).last())
                        .map(|m| sentence.start + m.start());
                    let parent = match reason_at {
                        Some(at) if !subject.as_ref().is_some_and(|s| s.named && s.start > at) => {
                            // `。主要原因是…`: the reason of the sentence before.
                            let opens = text[sentence.start..at].chars().count() <= 3;
                            subject
                                .clone()
                                .filter(|s| s.end <= at)
                                .or_else(|| carry.clone().filter(|_| opens))
                        }
                        // A later item of the same reasons, no term named in it.
                        None if !subject.as_ref().is_some_and(|s| s.named) => reason_parent.clone(),
                        _ => None,
                    };
                    if let Some(parent) = parent {
                        if let Some(r) = role::read_reason(input, &sentence, &parent, f) {
                            out.push(r);
                            reason_parent = Some(parent);
                            continue;
                        }
                    }
                    let current = match (&subject, &carry, &title) {
                        (Some(s), _, _) => Some(s.clone()),
                        (None, _, Some(t)) => Some(Subject {
                            end: sentence.start,
                            start: sentence.start,
                            ..t.clone()
                        }),
                        (None, Some(c), None) if continues() => Some(Subject {
                            end: sentence.start,
                            start: sentence.start,
                            ..c.clone()
                        }),
                        _ => None,
                    };
                    if let Some(at) = text[gap_start..f.whole.start].find("分别") {
                        if amounts_of.len() >= 2 {
                            respective = Some((std::mem::take(&mut amounts_of), 0, gap_start + at));
                        }
                    }
                    let current = match respective.as_mut() {
                        Some((subjects, next, at)) if *next < subjects.len() => {
                            *next += 1;
                            Some(Subject {
                                end: *at,
                                ..subjects[*next - 1].clone()
                            })
                        }
                        _ => current,
                    };
                    let Some(current) = current else {
                        tracing::trace!(figure = &text[f.whole.clone()], "clause: no subject");
                        continue;
                    };
                    let read = role::read_figure(input, &sentence, &current, f);
                    tracing::trace!(
                        figure = &text[f.whole.clone()],
                        subject = %current.base,
                        gap = &text[current.end.min(f.number.start)..f.number.start],
                        key = read.as_ref().map(|r| r.key.as_str()),
                        "clause"
                    );
                    let part_of_whole = |r: &Reading| {
                        parts_at.is_some_and(|p| p < f.whole.start)
                            && wholes.iter().any(|(k, l)| *k == r.key && *l == r.label)
                    };
                    let Some(r) = read.filter(|r| !part_of_whole(r)) else {
                        // A figure that cannot be placed ends the subject: what
                        // follows it may be about that figure, not the subject.
                        subject = None;
                        continue;
                    };
                    let s = Subject {
                        end: f.whole.end,
                        start: current.start,
                        named: false,
                        last_change: if r.key.ends_with(keys::YOY_CHANGE) {
                            Some(if r.value.starts_with('-') { -1 } else { 1 })
                        } else {
                            current.last_change
                        },
                        ..current
                    };
                    if r.key == s.base && amounts_of.last().is_none_or(|a| a.base != s.base) {
                        amounts_of.push(s.clone());
                    }
                    if parts_at.is_none_or(|p| s.end <= p) {
                        before_parts = Some(s.clone());
                        wholes.push((r.key.clone(), r.label.clone()));
                    }
                    out.push(r);
                    last_read = Some(s.clone());
                    subject = Some(s);
                }
                _ => break,
            }
        }
        if last_read.is_some() {
            paragraph_last = last_read.clone();
        }
        if text[..sentence.end].ends_with(['。', '\n']) {
            paragraph_last = None;
            under = None;
            bracket_parent = None;
            reason_parent = None;
        }
        carry = match parts_at {
            Some(_) if before_parts.is_some() => before_parts,
            _ => last_read,
        };
    }
    ClauseOutput {
        readings: out,
        rekeyed,
    }
}

static TRAILER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(
        r"^\s*(?:[（(]\d{3,7}[）)])?\s*(?:支出|情况|经费)?\s*[。：:]?\s*$",
    )
    .expect("trailer regex")
});

/// Build the clause reader's regexes now (see [`super::warm_up`]).
pub(super) fn warm_up() {
    std::sync::LazyLock::force(&TRAILER);
    sentences::warm_up();
    figures::warm_up();
}

/// Whether a sentence says nothing but its subject, named up to `named_end`
/// (bytes from the sentence's start): an ordinal before, and after it at most
/// a bracketed code, `支出` / `情况` / `经费`, and the closing `。` or `：`.
fn names_only(sentence: &str, named_end: usize) -> bool {
    let Some(tail) = sentence.get(named_end..) else {
        return false;
    };
    // Nothing but an ordinal before the first name: the sentence opens with it.
    let body = sentences::strip_ordinal(sentence);
    let opening = sentence.len() - body.len();
    TRAILER.is_match(tail) && named_end > opening && !body.contains(['，', ','])
}

/// A functional code in brackets at the start of `s` (`（2130301）。`, `【2140101】`).
fn bracketed_code(s: &str) -> Option<String> {
    let inner = s.trim_start().strip_prefix(['（', '(', '【', '['])?;
    let digits: String = inner.chars().take_while(char::is_ascii_digit).collect();
    let closed = inner[digits.len()..].starts_with(['）', ')', '】', ']']);
    (closed && matches!(digits.len(), 3 | 5 | 7) && digits.starts_with('2')).then_some(digits)
}

#[cfg(test)]
pub(super) mod tests;
#[cfg(test)]
mod tests_regions;
