//! Extraction: section-aware patterns over the normalized text → facts.
//!
//! Every pattern runs over the whole text once; a match counts only where
//! the section chain at the figure allows it. Where two patterns read the
//! same printed figure, the longer (more specific) match wins, so
//! `一般公共预算财政拨款收入249.30万元` is not also `财政拨款收入`.

pub mod clause;
mod groups;
mod lists;
pub mod metadata;
pub mod patterns;
mod reception_parts;
pub mod scope;
pub mod scope_labels;
mod settle;
#[cfg(test)]
mod tests_forms;
mod unit_lists;

use crate::keys;
use crate::normalize::CharIndex;
use crate::read::Document;
use crate::report::{Fact, FactSource};
use crate::sections::SectionTree;
use groups::Groups;
use lists::{split_names, LIST_SEPARATORS};
use patterns::{Pattern, PatternSet};
use rust_decimal::Decimal;
use std::ops::Range;

/// A fact before offsets are turned into characters.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) unit: Option<String>,
    pub(crate) value_wan: Option<Decimal>,
    pub(crate) label: Option<String>,
    pub(crate) code: Option<String>,
    /// Bytes of the printed figure: the identity used to resolve overlaps.
    pub(crate) figure: Range<usize>,
    /// Bytes of the whole statement, the quote.
    pub(crate) quote: Range<usize>,
    pub(crate) pattern: String,
    pub(crate) qualifier: &'static str,
    /// 0, or 1 for the second figure of a pair pattern.
    pub(crate) side: u8,
    pub(crate) strength: (i32, usize),
}

/// The qualifier groups and the key suffix each fills.
const QUALIFIERS: &[(&str, &str)] = &[
    ("value", ""),
    ("budget", keys::BUDGET),
    ("budget2", keys::BUDGET),
    ("prior", keys::PRIOR_YEAR),
    ("change", keys::YOY_CHANGE),
    ("yoy_pct", keys::YOY_PCT),
    ("share", keys::SHARE_PCT),
    ("completion", keys::COMPLETION_PCT),
];

/// Build every matcher the narrative stage needs for nearly any document:
/// the stage's own regexes, the merged templates and the clause reader's
/// cues, in the order a document asks for them. A single-document run calls
/// this (through [`crate::config::Config::warm_up`]) while the document is
/// read; what is not built here is built on first use.
pub fn warm_up(set: &PatternSet) {
    metadata::warm_up();
    set.warm_up();
    set.cues.warm_up();
    set.lexicon.warm_up();
    clause::warm_up();
    settle::warm_up();
    set.scope_words.warm_up();
}

/// Extract the narrative facts of a document of this kind, by this
/// publisher (both from [`metadata::read_metadata`]).
pub fn extract(
    doc: &Document,
    tree: &SectionTree,
    doc_kind: Option<&str>,
    entity: Option<&str>,
    fiscal_year: Option<i32>,
    set: &PatternSet,
) -> Vec<Fact> {
    let text = doc.text.as_str();
    let mut candidates: Vec<Candidate> = Vec::new();
    let kind_ok = |p: &Pattern| p.scope.allows_kind(doc_kind);
    let wanted = set.anchor_finder.candidates(text, set.patterns.len());
    let mut merged_wanted = vec![false; set.merged.len()];
    let mut explicit: Vec<&Pattern> = Vec::new();
    for &i in &wanted {
        let p = &set.patterns[i];
        match p.merged_into {
            Some(m) => merged_wanted[m] |= kind_ok(p),
            None if kind_ok(p) => explicit.push(p),
            None => {}
        }
    }
    let merged: Vec<&patterns::MergedTemplate> = set
        .merged
        .iter()
        .zip(&merged_wanted)
        .filter_map(|(m, &w)| w.then_some(m))
        .filter(|m| m.anchors.is_empty() || m.anchors.iter().any(|a| text.contains(a.as_str())))
        .collect();
    let ctx = MatchContext {
        text,
        doc_kind,
        set,
    };
    // Each pattern and template reads the whole text on its own: side by
    // side (building its matcher first), their candidates kept in order.
    // What the steps after the patterns take from the text alone is read
    // meanwhile.
    let groundwork = {
        use rayon::prelude::*;
        type PerMatcher = Vec<Vec<Candidate>>;
        let ((explicit, merged), groundwork): ((PerMatcher, PerMatcher), _) = rayon::join(
            || {
                rayon::join(
                    || {
                        explicit
                            .par_iter()
                            .map(|p| ctx.read_pattern(p, tree))
                            .collect()
                    },
                    || {
                        merged
                            .par_iter()
                            .map(|m| ctx.read_template(m, tree))
                            .collect()
                    },
                )
            },
            || settle::Groundwork::new(text, set),
        );
        candidates.extend(explicit.into_iter().flatten());
        candidates.extend(merged.into_iter().flatten());
        groundwork
    };
    resolve_overlaps(&mut candidates);
    settle::after_patterns(
        text,
        tree,
        (doc_kind, entity, fiscal_year),
        set,
        &groundwork,
        &mut candidates,
    );
    to_facts(doc, tree, candidates)
}

fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map(|c| at + c.len_utf8())
        .unwrap_or(text.len())
}

impl MatchContext<'_> {
    /// The candidates of one pattern over the whole text, where it applies.
    fn read_pattern(&self, pattern: &Pattern, tree: &SectionTree) -> Vec<Candidate> {
        let text = self.text;
        let mut found = Vec::new();
        if !pattern.regex.may_match(text) {
            return found;
        }
        let Some(regex) = pattern.regex.get() else {
            return found;
        };
        for caps in regex.captures_iter(text) {
            let caps = Groups::from(caps);
            if applies_here(pattern, tree, text, caps.whole().start()) {
                found.extend(self.read_match(&caps, pattern));
            }
        }
        found
    }

    /// The candidates of one merged template over the whole text: each
    /// match is the term whose name it matched (see [`patterns::MergedTemplate`]).
    fn read_template(&self, m: &patterns::MergedTemplate, tree: &SectionTree) -> Vec<Candidate> {
        let (text, set) = (self.text, self.set);
        let kind_ok = |p: &Pattern| p.scope.allows_kind(self.doc_kind);
        let mut found = Vec::new();
        let Some(finder) = m.finder(&set.template_names, text) else {
            return found;
        };
        let mut pos = 0;
        while let Some(caps) = finder.captures_at(pos) {
            let whole = caps.whole();
            // The first term of a name that applies here; none: a shorter
            // name may still match inside, so look again one character on.
            let term_for = |name: &str| {
                m.by_name
                    .get(name)
                    .into_iter()
                    .flatten()
                    .map(|&i| &set.patterns[i])
                    .find(|p| kind_ok(p) && applies_here(p, tree, text, whole.start()))
            };
            let term_named = |group: &str| {
                let name: String = caps
                    .name(group)
                    .map(|n| n.as_str().chars().filter(|c| !c.is_whitespace()).collect())
                    .unwrap_or_default();
                term_for(&name)
            };
            // A name right after a list separator is the tail of a longer list:
            // reading from it would pair the figures with the wrong names.
            let list_tail = if caps.name("name_list").is_some() {
                text[..whole.start()].ends_with(LIST_SEPARATORS)
            } else {
                caps.name("name_b").is_some() && text[..whole.start()].ends_with('、')
            };
            if list_tail {
                pos = whole.end().max(next_char(text, whole.start()));
                if pos >= text.len() {
                    break;
                }
                continue;
            }
            if let Some(names) = caps.name("name_list") {
                let terms: String = names
                    .as_str()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                match split_names(&terms, &term_for) {
                    Some(terms) => {
                        // A count mismatch: the phrase cannot say which figure is whose.
                        found.extend(self.read_list(&caps, &terms));
                        pos = whole.end().max(next_char(text, whole.start()));
                    }
                    None => pos = next_char(text, whole.start()),
                }
                if pos >= text.len() {
                    break;
                }
                continue;
            }
            // `{name_b}` that is no term's name: not this template's phrase.
            let second_unknown = caps.name("name_b").is_some() && term_named("name_b").is_none();
            match term_named("name").filter(|_| !second_unknown) {
                Some(pattern) => {
                    // `基本支出、项目支出分别为A和B`: the second figure is the second term's.
                    let paired = term_named("name_b").map(|b| Pattern {
                        pair: Some(patterns::PairSide {
                            key: b.key.clone(),
                            label: b.label.clone(),
                        }),
                        ..pattern.clone()
                    });
                    found.extend(self.read_match(&caps, paired.as_ref().unwrap_or(pattern)));
                    pos = whole.end().max(next_char(text, whole.start()));
                }
                None => pos = next_char(text, whole.start()),
            }
            if pos >= text.len() {
                break;
            }
        }
        found
    }
}

/// What reading one match needs besides the match.
struct MatchContext<'a> {
    text: &'a str,
    doc_kind: Option<&'a str>,
    set: &'a PatternSet,
}

impl MatchContext<'_> {
    /// The candidates of one match of `pattern`: its groups, the qualifier
    /// tails after it and the list that follows it.
    fn read_match(&self, caps: &Groups, pattern: &Pattern) -> Vec<Candidate> {
        let (text, set, doc_kind) = (self.text, self.set, self.doc_kind);
        let whole = caps.whole();
        let mut quote_end = whole.end();
        let mut produced = read_groups(caps, pattern, set, &mut quote_end, None);
        if doc_kind == Some("final") && caps.name("budget_word").is_some() {
            for c in produced.iter_mut().filter(|c| c.qualifier.is_empty()) {
                c.key.push_str(keys::BUDGET);
                c.qualifier = keys::BUDGET;
            }
        }
        if pattern.tails && !produced.is_empty() {
            read_tails(
                text,
                set,
                pattern,
                doc_kind,
                caps,
                &mut produced,
                &mut quote_end,
            );
        }
        read_items(text, set, pattern, &mut produced, &mut quote_end);
        for c in &mut produced {
            if c.quote.is_empty() {
                c.quote = whole.start()..quote_end;
            }
        }
        produced
    }
}

fn applies_here(pattern: &Pattern, tree: &SectionTree, text: &str, at: usize) -> bool {
    pattern.scope.allows_at(text, at, &tree.chain_at(at))
}

/// Turn the qualifier groups of one match into candidates; a pair pattern's
/// `G_b` groups are the second figure.
fn read_groups(
    caps: &Groups,
    pattern: &Pattern,
    set: &PatternSet,
    quote_end: &mut usize,
    only: Option<&[&str]>,
) -> Vec<Candidate> {
    let label = caps
        .name("label")
        .map(|m| clean_label(m.as_str()))
        .or_else(|| pattern.label.clone());
    let code = caps.name("code").map(|m| m.as_str().to_string());
    let sign_of = |group: &str| caps.name(group).and_then(|m| set.sign_of(m.as_str()));
    let dir = sign_of("dir");
    let pct_dir = sign_of("pct_dir").or(dir);
    let whole_len = caps.whole().len();
    let mut out = Vec::new();
    for side in 0..=u8::from(pattern.pair.is_some()) {
        let (suffix_b, partner_b) = if side == 0 { ("", "_b") } else { ("_b", "") };
        let (key, side_label, dir, pct_dir) = match (&pattern.pair, side) {
            (Some(pair), 1) => (
                &pair.key,
                pair.label.clone(),
                sign_of("dir_b").or(dir),
                sign_of("pct_dir_b").or(sign_of("dir_b")).or(pct_dir),
            ),
            _ => (&pattern.key, label.clone(), dir, pct_dir),
        };
        for (base, suffix) in QUALIFIERS {
            if only.is_some_and(|o| !o.contains(base)) {
                continue;
            }
            let group = format!("{base}{suffix_b}");
            let Some(m) = caps.name(&group) else { continue };
            let printed = m.as_str().to_string();
            // `各为4125.49、4143.91万元`: a figure without its unit takes its partner's.
            let unit_text = caps
                .name(&format!("{group}_unit"))
                .or_else(|| caps.name(&format!("{base}{partner_b}_unit")))
                .map(|u| u.as_str().to_string());
            let unit_text = unit_text.or_else(|| {
                if *base == "value" || *base == "budget" {
                    pattern.unit.clone()
                } else {
                    None
                }
            });
            let (unit, factor) = match (&unit_text, *base) {
                (Some(u), _) => match set.units.get(u) {
                    Some((canonical, factor)) => (Some(canonical.clone()), *factor),
                    None => (Some(u.clone()), None),
                },
                (None, "share" | "completion" | "yoy_pct") => (Some("%".to_string()), None),
                _ => (None, None),
            };
            let sign = match *base {
                "change" => dir,
                "yoy_pct" => pct_dir,
                _ => None,
            };
            if sign == Some(0) && *base == "change" {
                // 持平: no change figure is printed.
                continue;
            }
            let value = match sign {
                Some(-1) if printed.parse::<Decimal>().is_ok_and(|d| !d.is_zero()) => {
                    format!("-{printed}")
                }
                _ => printed,
            };
            let value_wan = factor.and_then(|f| value.parse::<Decimal>().ok().map(|d| d * f));
            *quote_end = (*quote_end).max(m.end());
            let key = match (*base, &pattern.value_key, side) {
                ("value", Some(k), 0) => k.clone(),
                _ => format!("{key}{suffix}"),
            };
            out.push(Candidate {
                key,
                value,
                unit,
                value_wan,
                label: side_label.clone(),
                code: if side == 0 { code.clone() } else { None },
                figure: m.start()..m.end(),
                quote: 0..0,
                pattern: pattern.id.clone(),
                qualifier: suffix,
                side,
                strength: (pattern.priority, whole_len),
            });
        }
    }
    out
}

/// Read qualifier clauses that follow a figure, within its clause.
fn read_tails(
    text: &str,
    set: &PatternSet,
    pattern: &Pattern,
    doc_kind: Option<&str>,
    caps: &Groups,
    produced: &mut Vec<Candidate>,
    quote_end: &mut usize,
) {
    let mut pos = caps.whole().end();
    for _ in 0..4 {
        let window_end = clause_end(text, pos);
        let window = &text[pos..window_end];
        let mut advanced = false;
        for tail in &set.tails {
            if !tail.doc_kinds.is_empty()
                && !doc_kind.is_some_and(|k| tail.doc_kinds.iter().any(|d| d == k))
            {
                continue;
            }
            let Some(tc) = tail
                .regex
                .get()
                .and_then(|r| r.captures(window))
                .map(Groups::from)
            else {
                continue;
            };
            let whole = tc.whole();
            if whole.start() != 0 || whole.is_empty() {
                continue;
            }
            let mut end = 0;
            // A qualifier belongs to the figure of its side: same line (label, code).
            let line_of = |side: u8| {
                produced
                    .iter()
                    .find(|p| p.side == side)
                    .map(|p| (p.label.clone(), p.code.clone()))
            };
            let found: Vec<Candidate> = read_groups(&tc, pattern, set, &mut end, None)
                .into_iter()
                .filter(|c| !produced.iter().any(|p| p.key == c.key && p.side == c.side))
                .map(|mut c| {
                    c.figure = c.figure.start + pos..c.figure.end + pos;
                    if let Some((label, code)) = line_of(c.side) {
                        c.label = label;
                        c.code = code;
                    }
                    c
                })
                .collect();
            // After two figures, a clause for one of them cannot say which.
            if found.is_empty() || pattern.pair.is_some() && !found.iter().any(|c| c.side == 1) {
                continue;
            }
            produced.extend(found);
            pos += whole.end();
            *quote_end = (*quote_end).max(pos);
            advanced = true;
            break;
        }
        if !advanced {
            break;
        }
    }
}

/// Read the list that follows a match: `其中：部级领导干部用车0辆、主要领导干部用车0辆…`.
fn read_items(
    text: &str,
    set: &PatternSet,
    pattern: &Pattern,
    produced: &mut Vec<Candidate>,
    quote_end: &mut usize,
) {
    let (Some(items), Some(items_key)) = (
        pattern.items.as_ref().and_then(|r| r.get()),
        &pattern.items_key,
    ) else {
        return;
    };
    let item_pattern = Pattern {
        key: items_key.clone(),
        value_key: None,
        label: None,
        ..pattern.clone()
    };
    let mut pos = *quote_end;
    let mut first = true;
    loop {
        let rest = &text[pos..];
        let skip = rest.len()
            - rest
                .trim_start_matches(|c: char| {
                    matches!(c, '，' | ',' | '、' | '：' | ':' | ' ' | '和' | '及')
                })
                .len();
        let mut at = pos + skip;
        // `共有车辆55辆。其中，一般公务用车13辆…`: the list may open the next sentence.
        if first && text[at..].starts_with("。其中") {
            at += "。".len();
        }
        first = false;
        if text[at..].starts_with("其中") {
            at += "其中".len();
            let r = &text[at..];
            at += r.len() - r.trim_start_matches(['：', ':', '，', ',', ' ']).len();
        }
        let end = list_end(text, at);
        let Some(caps) = items.captures(&text[at..end]).map(Groups::from) else {
            break;
        };
        let whole = caps.whole();
        let mut item_end = 0;
        let found: Vec<Candidate> =
            read_groups(&caps, &item_pattern, set, &mut item_end, Some(&["value"]))
                .into_iter()
                .map(|mut c| {
                    c.figure = c.figure.start + at..c.figure.end + at;
                    c.quote = at..at + whole.end();
                    c
                })
                .collect();
        if found.is_empty() || whole.is_empty() {
            break;
        }
        produced.extend(found);
        pos = at + whole.end();
        *quote_end = pos;
    }
}

fn list_end(text: &str, pos: usize) -> usize {
    text[pos..]
        .find(['。', '；', ';', '\n', '\x0c'])
        .map(|i| pos + i)
        .unwrap_or(text.len())
}

/// The end of the clause after `pos`: a sentence or list separator, a line
/// break, or 80 characters.
fn clause_end(text: &str, pos: usize) -> usize {
    let mut end = pos;
    for (n, (i, c)) in text[pos..].char_indices().enumerate() {
        if matches!(c, '。' | '；' | ';' | '\n') || n >= 80 {
            return pos + i;
        }
        end = pos + i + c.len_utf8();
    }
    end
}

/// Drop the weaker of two candidates that read the same figure as the same qualifier kind.
fn resolve_overlaps(cands: &mut Vec<Candidate>) {
    cands.sort_by(|a, b| {
        a.figure
            .start
            .cmp(&b.figure.start)
            .then(b.strength.cmp(&a.strength))
            .then(a.pattern.cmp(&b.pattern))
    });
    let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
    for c in cands.drain(..) {
        let clash = kept
            .iter()
            .rev()
            .take_while(|k| k.figure.start == c.figure.start)
            .any(|k| k.figure == c.figure && k.qualifier == c.qualifier);
        if !clash {
            kept.push(c);
        }
    }
    *cands = kept;
}

/// Label as FIELDS.md wants it: class/款/项 names joined by `/`, spacing normalized.
pub fn clean_label(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '“' | '”' | '"'))
        .collect();
    for (m, sep) in [
        ("（类）", "/"),
        ("(类)", "/"),
        ("（款）", "/"),
        ("(款)", "/"),
        ("（项）", ""),
        ("(项)", ""),
    ] {
        s = s.replace(m, sep);
    }
    // "一般公共服务（类）支出" is the class name 一般公共服务支出.
    let s = s.trim_matches('/').replace("/支出", "支出");
    s.trim_end_matches(['：', ':', '，', ',', '、']).to_string()
}

fn to_facts(doc: &Document, tree: &SectionTree, mut cands: Vec<Candidate>) -> Vec<Fact> {
    cands.sort_by(|a, b| {
        a.quote
            .start
            .cmp(&b.quote.start)
            .then(a.figure.start.cmp(&b.figure.start))
    });
    let text = doc.text.as_str();
    let mut chars = CharIndex::new(text);
    cands
        .into_iter()
        .map(|c| {
            let section = tree
                .innermost_at(c.figure.start)
                .map(|i| tree.sections[i].title.clone());
            Fact {
                key: c.key,
                value: c.value,
                unit: c.unit,
                value_wan: c.value_wan,
                label: c.label,
                code: c.code,
                page: doc.page_at(c.figure.start),
                section,
                text: text[c.quote.clone()].to_string(),
                span: [chars.at(c.quote.start), chars.at(c.quote.end)],
                source: FactSource::Narrative,
                pattern: c.pattern,
            }
        })
        .collect()
}

/// A fact for a document-level property (`document.*`), sourced from the cover.
pub fn document_fact(
    doc: &Document,
    key: &str,
    value: String,
    unit: Option<String>,
    at: Range<usize>,
) -> Fact {
    let mut chars = CharIndex::new(&doc.text);
    let start = chars.at(at.start);
    let end = chars.at(at.end);
    Fact {
        key: key.to_string(),
        value,
        unit,
        value_wan: None,
        label: None,
        code: None,
        page: doc.page_at(at.start),
        section: None,
        text: doc.text[at].to_string(),
        span: [start, end],
        source: FactSource::Cover,
        pattern: format!("{key}#metadata"),
    }
}
