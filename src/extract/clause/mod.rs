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

use crate::extract::patterns::Signs;
use crate::sections::SectionTree;
use figures::{Figure, Measure};
use lexicon::{Cues, Lexicon};
use rust_decimal::Decimal;
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
    pub lexicon: &'a Lexicon,
    pub cues: &'a Cues,
    pub signs: &'a Signs,
    /// Figures already keyed, in any order.
    pub anchors: &'a [Anchor],
}

/// The subject a figure is read against.
#[derive(Debug, Clone)]
struct Subject {
    /// The key without comparison qualifiers (`three_public.reception`).
    base: String,
    label: Option<String>,
    code: Option<String>,
    /// Where the subject's name (or figure) ends: the gap starts here.
    end: usize,
    /// Where the quote starts.
    start: usize,
    /// Named in the text (a term), or taken from a figure read before.
    named: bool,
    /// The sign of the last change read for it (a bracketed % takes it).
    last_change: Option<i8>,
}

/// The comparison qualifiers a key may carry after its base.
pub const COMPARISON_SUFFIXES: &[&str] = &[
    ".budget",
    ".prior_year",
    ".yoy_change",
    ".yoy_pct",
    ".share_pct",
    ".completion_pct",
    ".vs_budget_change",
    ".vs_budget_pct",
];

/// `x.three_public.total.vs_budget_change` → `three_public.total`.
pub fn base_key(key: &str) -> String {
    let mut k = key;
    for s in COMPARISON_SUFFIXES {
        if let Some(b) = k.strip_suffix(s) {
            k = b;
            if s.starts_with(".vs_budget") {
                k = k.strip_prefix("x.").unwrap_or(k);
            }
            break;
        }
    }
    k.to_string()
}

/// Read the figures no anchor holds.
pub fn read(input: &ClauseInput) -> Vec<Reading> {
    let text = input.text;
    let figures = figures::figures(text);
    let hits = mentions(input);
    let codes = codes::CodeBook::new(text);
    let anchors: HashMap<usize, &Anchor> =
        input.anchors.iter().map(|a| (a.figure.start, a)).collect();
    let mut out = Vec::new();
    let (mut fi, mut hi) = (0, 0);
    let mut carry: Option<Subject> = None;
    // The class of the last class line: the class of the item lines after it.
    let mut last_class: Option<String> = None;
    for sentence in sentences(text) {
        let opening = strip_ordinal(&text[sentence.clone()]);
        let continues = input
            .cues
            .continuation
            .as_ref()
            .is_some_and(|r| r.is_match(opening));
        let mut subject: Option<Subject> = None;
        let mut last_read: Option<Subject> = None;
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
                    subject = match &h.line {
                        Some(line) => resolve_line(input, h, line, &codes, &mut last_class),
                        None => resolve(input, h),
                    };
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
                    if let Some(a) = anchors.get(&f.number.start) {
                        let s = Subject {
                            base: base_key(&a.key),
                            label: a.label.clone(),
                            code: a.code.clone(),
                            end: f.whole.end,
                            start: f.whole.start,
                            named: false,
                            last_change: a.change_sign,
                        };
                        last_read = Some(s.clone());
                        subject = Some(s);
                        continue;
                    }
                    let current = match (&subject, &carry) {
                        (Some(s), _) => Some(s.clone()),
                        (None, Some(c)) if continues => Some(Subject {
                            end: sentence.start,
                            start: sentence.start,
                            ..c.clone()
                        }),
                        _ => None,
                    };
                    let Some(current) = current else {
                        tracing::trace!(figure = &text[f.whole.clone()], "clause: no subject");
                        continue;
                    };
                    let read = read_figure(input, &sentence, &current, f);
                    tracing::trace!(
                        figure = &text[f.whole.clone()],
                        subject = %current.base,
                        gap = &text[current.end.min(f.number.start)..f.number.start],
                        key = read.as_ref().map(|r| r.key.as_str()),
                        "clause"
                    );
                    let Some(r) = read else {
                        // A figure that cannot be placed ends the subject: what
                        // follows it may be about that figure, not the subject.
                        subject = None;
                        continue;
                    };
                    {
                        let sign = r.value.starts_with('-');
                        let s = Subject {
                            end: f.whole.end,
                            start: current.start,
                            named: false,
                            last_change: if r.key.ends_with(".yoy_change") {
                                Some(if sign { -1 } else { 1 })
                            } else {
                                current.last_change
                            },
                            ..current
                        };
                        out.push(r);
                        last_read = Some(s.clone());
                        subject = Some(s);
                    }
                }
                _ => break,
            }
        }
        carry = last_read;
    }
    out
}

/// A subject named in the text: a term's name, or a class or item line.
struct Mention {
    start: usize,
    end: usize,
    /// The terms of a name (empty for a line).
    terms: Vec<usize>,
    line: Option<Line>,
}

/// A functional-classification line named in the text.
struct Line {
    item: bool,
    class: Option<String>,
    kuan: Option<String>,
    xiang: Option<String>,
    /// The code printed with the line's name (`小学教育（2050202）`).
    code: Option<String>,
}

/// Every subject named in the text, in order; a name inside a line is the line's.
fn mentions(input: &ClauseInput) -> Vec<Mention> {
    let text = input.text;
    let cues = input.cues;
    let mut lines: Vec<Mention> = Vec::new();
    let group = |c: &regex::Captures, g: &str| {
        c.name(g)
            .map(|m| m.as_str().chars().filter(|c| !c.is_whitespace()).collect::<String>())
    };
    for regex in [&cues.coded_line, &cues.item_line, &cues.class_line] {
        let Some(regex) = regex else { continue };
        for c in regex.captures_iter(text) {
            let whole = c.get(0).expect("group 0");
            if lines.iter().any(|l| l.start < whole.end() && whole.start() < l.end) {
                continue;
            }
            let code = group(&c, "code");
            let line = match &code {
                Some(code) => Line {
                    item: code.len() > 3,
                    class: (code.len() == 3).then(|| group(&c, "name")).flatten(),
                    kuan: None,
                    xiang: (code.len() > 3).then(|| group(&c, "name")).flatten(),
                    code: Some(code.clone()),
                },
                None => Line {
                    item: c.name("kuan").is_some(),
                    class: group(&c, "class"),
                    kuan: group(&c, "kuan"),
                    xiang: group(&c, "xiang"),
                    code: None,
                },
            };
            lines.push(Mention {
                start: whole.start(),
                end: whole.end(),
                terms: Vec::new(),
                line: Some(line),
            });
        }
    }
    let mut out: Vec<Mention> = input
        .lexicon
        .find_all(text)
        .into_iter()
        .filter(|h| !lines.iter().any(|l| l.start < h.end && h.start < l.end))
        .map(|h| Mention {
            start: h.start,
            end: h.end,
            terms: h.terms,
            line: None,
        })
        .collect();
    out.extend(lines);
    out.sort_by_key(|m| m.start);
    out
}

/// A class or item line's key (by the section titles around it) and label.
fn resolve_line(
    input: &ClauseInput,
    hit: &Mention,
    line: &Line,
    codes: &codes::CodeBook,
    last_class: &mut Option<String>,
) -> Option<Subject> {
    let chain = input.tree.chain_at(hit.start);
    let class_of = |name: &str| format!("{}支出", name.trim_end_matches("支出"));
    let label = if let Some(code) = &line.code {
        // The path of names the document's table prints for the code's parents.
        let mut parts: Vec<String> = Vec::new();
        for len in [3, 5, 7].into_iter().filter(|&l| l < code.len()) {
            let name = codes.name(&code[..len]).map(|n| {
                if len == 3 {
                    class_of(n)
                } else {
                    n.to_string()
                }
            });
            parts.extend(name);
        }
        let own = line.xiang.as_deref().or(line.class.as_deref()).unwrap_or_default();
        parts.push(if line.item {
            codes.name(code).unwrap_or(own).to_string()
        } else {
            class_of(own)
        });
        (parts.join("/"), Some(code.clone()))
    } else if line.item {
        // The class: printed in the line, in a heading around it, or the last class line.
        let class = line.class.clone().or_else(|| {
            let regex = input.cues.class_line.as_ref()?;
            chain
                .iter()
                .find_map(|s| regex.captures(&s.title).and_then(|c| c.name("class")))
                .map(|m| m.as_str().to_string())
                .or_else(|| last_class.clone())
        })?;
        let class = class_of(&class);
        let code = line
            .kuan
            .as_deref()
            .and_then(|k| codes.item(&class, k, line.xiang.as_deref()));
        // The table's names where it has the line (the narrative may swap words).
        let table_name = |c: &Option<String>| c.as_deref().and_then(|c| codes.name(c));
        let mut parts = vec![class];
        parts.extend(line.kuan.clone());
        match (table_name(&code), &line.xiang) {
            (Some(name), Some(_)) => parts.push(name.to_string()),
            (_, xiang) => parts.extend(xiang.clone()),
        }
        (parts.join("/"), code)
    } else {
        let class = line.class.clone()?;
        *last_class = Some(class.clone());
        let class = class_of(&class);
        let code = codes.class(&class);
        (class, code)
    };
    let (label, code) = label;
    let level = if line.item { "item" } else { "class" };
    let def = input.cues.lines.iter().find(|d| {
        d.level == level && super::titles_allow(&chain, &d.titles, &[])
    })?;
    Some(Subject {
        base: def.key.clone(),
        label: Some(label),
        code,
        end: hit.end,
        start: hit.start,
        named: true,
        last_change: None,
    })
}

/// The first term of a name that applies at the name's place.
fn resolve(input: &ClauseInput, hit: &Mention) -> Option<Subject> {
    let chain = input.tree.chain_at(hit.start);
    let kinds: Vec<&str> = chain.iter().map(|s| s.kind.as_str()).collect();
    if kinds.iter().any(|k| *k == "toc" || *k == "glossary") {
        return None;
    }
    let term = hit.terms.iter().map(|&i| &input.lexicon.terms[i]).find(|t| {
        (t.doc_kinds.is_empty() || input.doc_kind.is_some_and(|k| t.doc_kinds.iter().any(|d| d == k)))
            && !t.not_before.iter().any(|w| input.text[..hit.start].ends_with(w.as_str()))
            && !t.not_sections.iter().any(|n| kinds.contains(&n.as_str()))
            && (t.sections.is_empty() || t.sections.iter().any(|s| kinds.contains(&s.as_str())))
            && super::titles_allow(&chain, &t.titles, &t.not_titles)
    })?;
    Some(Subject {
        base: term.key.clone(),
        label: term.label.clone(),
        code: None,
        end: hit.end,
        start: hit.start,
        named: true,
        last_change: None,
    })
}

/// A figure's key from its subject, the words before it and its unit; None when unsure.
fn read_figure(
    input: &ClauseInput,
    sentence: &Range<usize>,
    subject: &Subject,
    f: &Figure,
) -> Option<Reading> {
    let text = input.text;
    let cues = input.cues;
    let gap = &text[subject.end.min(f.number.start)..f.number.start];
    if gap.chars().count() > cues.max_gap * if subject.named { 1 } else { 2 } {
        return None;
    }
    if cues.breaks.as_ref().is_some_and(|r| r.is_match(gap)) {
        return None;
    }
    // The comma-clause of the figure: what its cue words are looked for in.
    let clause_start = text[sentence.start..f.number.start]
        .rfind(['，', ',', '；', ';', '：', ':'])
        .map(|i| {
            let at = sentence.start + i;
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        })
        .unwrap_or(sentence.start)
        .max(sentence.start);
    let clause = &text[clause_start..f.number.start];
    let is_final = input.doc_kind == Some("final");
    let matches = |r: &Option<regex::Regex>, s: &str| r.as_ref().is_some_and(|r| r.is_match(s));
    let direction = last_direction(input.signs, gap);
    let versus_budget = matches(&cues.versus_budget, &text[subject.start.min(f.number.start)..f.number.start])
        && is_final;
    let (suffix, sign, role): (&str, Option<i8>, &str) = match f.measure {
        Measure::Percent => {
            if matches(&cues.share, clause) {
                (".share_pct", None, "share")
            } else if matches(&cues.completion, clause) {
                (".completion_pct", None, "completion")
            } else if let Some(d) = last_direction(input.signs, clause) {
                if d == 0 {
                    return None;
                }
                if versus_budget {
                    (".vs_budget_pct", Some(d), "versus_budget")
                } else {
                    (".yoy_pct", Some(d), "yoy_pct")
                }
            } else if gap.trim().ends_with(['（', '(']) && gap.trim().chars().count() <= 2 {
                (".yoy_pct", Some(subject.last_change?), "bracket_pct")
            } else {
                return None;
            }
        }
        Measure::Amount => {
            if let Some(d) = direction {
                if d == 0 {
                    return None;
                }
                if versus_budget {
                    (".vs_budget_change", Some(d), "versus_budget")
                } else {
                    (".yoy_change", Some(d), "change")
                }
            } else if matches(&cues.prior, gap) {
                (".prior_year", None, "prior")
            } else if is_final && matches(&cues.budget, gap) && !matches(&cues.final_figure, gap) {
                (".budget", None, "budget")
            } else if !is_final && matches(&cues.final_figure, gap) {
                return None;
            } else if subject.named && matches(&cues.value, gap) {
                ("", None, "value")
            } else if !subject.named && is_final && matches(&cues.final_figure, gap) {
                ("", None, "final")
            } else {
                return None;
            }
        }
        Measure::Count => {
            if cues.is_count_key(&subject.base) && subject.named && matches(&cues.value, gap) {
                ("", None, "count")
            } else {
                let def = cues.counts.iter().find(|c| {
                    c.subject == subject.base
                        && c.units.iter().any(|u| *u == f.unit)
                        && (c.words.is_empty() || c.words.iter().any(|w| gap.contains(w.as_str())))
                })?;
                return Some(reading(
                    input, subject, f, def.key.clone(), None, "count", clause_start,
                ));
            }
        }
    };
    // A count key never takes an amount, an amount key never a count.
    if cues.is_count_key(&subject.base) != (f.measure == Measure::Count) {
        return None;
    }
    let key = if suffix.starts_with(".vs_budget") {
        format!("x.{}{suffix}", subject.base.strip_prefix("x.").unwrap_or(&subject.base))
    } else {
        format!("{}{suffix}", subject.base)
    };
    Some(reading(input, subject, f, key, sign, role, clause_start))
}

fn reading(
    input: &ClauseInput,
    subject: &Subject,
    f: &Figure,
    key: String,
    sign: Option<i8>,
    role: &str,
    clause_start: usize,
) -> Reading {
    let negative = sign == Some(-1) && f.value.parse::<Decimal>().is_ok_and(|d| !d.is_zero());
    let value = if negative {
        format!("-{}", f.value)
    } else {
        f.value.clone()
    };
    let value_wan = f
        .to_wan
        .and_then(|factor| value.parse::<Decimal>().ok().map(|d| d * factor));
    let start = if subject.start < f.whole.start && f.whole.start - subject.start <= 240 {
        subject.start
    } else {
        clause_start
    };
    let _ = input;
    Reading {
        key,
        value,
        unit: f.unit.clone(),
        value_wan,
        label: subject.label.clone(),
        code: subject.code.clone(),
        figure: f.number.clone(),
        quote: start..f.whole.end,
        rule: format!("clause#{role}"),
    }
}

/// The sign of the last direction word in `s`; 0 for a no-change word.
fn last_direction(signs: &Signs, s: &str) -> Option<i8> {
    let mut best: Option<(usize, i8)> = None;
    for (words, sign) in [(&signs.positive, 1), (&signs.negative, -1), (&signs.zero, 0)] {
        for w in words {
            if let Some(at) = s.rfind(w.as_str()) {
                if best.is_none_or(|(b, _)| at > b) {
                    best = Some((at, sign));
                }
            }
        }
    }
    best.map(|(_, s)| s)
}

/// Sentences: up to `。；;！？`, or a line end or page break, unless the line
/// breaks off inside a sentence (a Chinese character, a bracket or a comma
/// before the break, a Chinese character after it that starts no list item).
fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let ends = match c {
            '。' | '；' | ';' | '！' | '？' => true,
            '\n' | '\x0c' => !line_runs_on(text, i),
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            if end > start {
                out.push(start..end);
            }
            start = end;
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Whether the line (or page) break at `at` falls inside a sentence.
fn line_runs_on(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let next = &text[at + 1..];
    before.is_some_and(|c| is_han(c) || matches!(c, '）' | ')' | '、' | '，' | ','))
        && next.chars().next().is_some_and(is_han)
        && regex_lite_ordinal(next) == 0
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// A sentence without its leading ordinal (`（一）`, `1．`, `二、`) and spaces.
fn strip_ordinal(s: &str) -> &str {
    let s = s.trim_start();
    let ordinal = regex_lite_ordinal(s);
    s[ordinal..].trim_start()
}

fn regex_lite_ordinal(s: &str) -> usize {
    use std::sync::LazyLock;
    static ORDINAL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十\d]{1,3}[、．.]|[①-⑳])")
            .expect("ordinal regex")
    });
    ORDINAL.find(s).map_or(0, |m| m.end())
}

#[cfg(test)]
mod tests;
