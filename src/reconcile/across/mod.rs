//! Findings across documents: the reports of one entity compared with each
//! other (rules `[[across.rule]]` of `patterns/reconcile.toml`).
//!
//! Documents are paired by entity ([`entity_key`]), scope and kind:
//! a report with the same entity's report of the year before (its printed
//! previous-year figures and year-on-year changes against what that report
//! printed), a final account with that year's budget (its 年初预算 figures),
//! and two publications of the same document. Each finding names both
//! documents; as within one report, a gap within the rounding of the printed
//! figures is `info`, one beyond it a `warning` or an `error` (capped by the
//! rule: the base of a year-on-year change may be an adjusted budget).
//!
//! Library code: [`AcrossDoc::of`] keeps what the comparison needs of a
//! report, [`compare`] compares any set of them.

mod entity;
mod head;
mod rules;
mod words;

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::check::{message, Bilingual, Message};
use super::figures::LineId;
use super::RuleSet;
use crate::report::{Evidence, Fact, Finding, Report, Severity};
use words::{cite, cite_both, evidence, line_name, name, short};

/// A gap between two documents' figures wider than their rounding.
const BEYOND: Bilingual<&str> = Bilingual {
    zh: "超出四舍五入范围",
    en: "beyond rounding",
};

pub use entity::entity_key;
use head::paired;
pub use head::{compared_with, compares, AcrossHead};
pub(crate) use rules::RawAcross;
pub use rules::{AcrossRule, AcrossRules, Form, Pairing};

/// What the comparison keeps of one report: who, which year, which kind, and
/// the figures the rules read (amounts and percentages only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcrossDoc {
    pub id: String,
    pub entity: Option<String>,
    /// The entity name as matched ([`entity_key`]); `None` when unknown.
    pub entity_key: Option<String>,
    pub fiscal_year: Option<i32>,
    pub kind: Option<String>,
    pub scope: Option<String>,
    /// Number of the report's own findings: findings across documents are numbered after them.
    pub findings: usize,
    pub facts: Vec<Fact>,
}

impl AcrossDoc {
    pub fn of(report: &Report, rules: &AcrossRules) -> AcrossDoc {
        let d = &report.document;
        let facts = report
            .facts
            .iter()
            .filter(|f| f.value_wan.is_some() || f.unit.as_deref() == Some("%"))
            .filter(|f| rules.reads(&f.key))
            .map(|f| Fact {
                section: None,
                ..f.clone()
            })
            .collect();
        AcrossDoc {
            id: d.sha256.clone(),
            entity: d.entity.clone(),
            entity_key: d
                .entity
                .as_deref()
                .map(|e| entity_key(e, &rules.entity_suffixes))
                .filter(|k| !k.is_empty()),
            fiscal_year: d.fiscal_year,
            kind: d.kind.clone(),
            scope: d.scope.clone(),
            findings: report.findings.len(),
            facts,
        }
    }
}

/// One finding about two documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossFinding {
    /// The document whose figure is checked: the later year, the final account, the first copy.
    pub document_id: String,
    /// The document it is checked against.
    pub other_document_id: String,
    pub entity: Option<String>,
    pub fiscal_year: Option<i32>,
    /// 1-based, after the document's own findings.
    pub finding_no: usize,
    pub finding: Finding,
    /// The first `own_facts` of `finding.facts` are this document's, the rest the other's.
    pub own_facts: usize,
}

/// One comparison made, whatever came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub rule: String,
    pub document_id: String,
    pub other_document_id: String,
    pub key: String,
    pub line: Option<String>,
    pub actual: Decimal,
    pub expected: Decimal,
    /// `None` when the figures agree.
    pub severity: Option<Severity>,
}

/// Findings and every comparison made.
#[derive(Debug, Default)]
pub struct Compared {
    pub findings: Vec<CrossFinding>,
    pub comparisons: Vec<Comparison>,
}

/// Compare every pair of `docs` the rules pair (documents of any entities,
/// in any order; documents without entity, year or kind are left out).
pub fn compare(docs: &[AcrossDoc], rules: &RuleSet) -> Compared {
    compare_some(docs, rules, &|_| true)
}

/// [`compare`], for the documents whose id `these` takes only: their
/// findings and comparisons are those [`compare`] makes of them, given
/// `docs` holds the documents they are compared with ([`compared_with`]).
pub fn compare_some(docs: &[AcrossDoc], rules: &RuleSet, these: &dyn Fn(&str) -> bool) -> Compared {
    let mut docs: Vec<(&AcrossDoc, AcrossHead)> = docs
        .iter()
        .map(|d| (d, d.head()))
        .filter(|(_, head)| head.comparable())
        .collect();
    docs.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let (docs, heads): (Vec<&AcrossDoc>, Vec<AcrossHead>) = docs.into_iter().unzip();
    let indexes: Vec<Index> = docs
        .iter()
        .zip(&heads)
        .map(|(d, h)| Index::new(d, h))
        .collect();
    let mut out = Compared::default();
    let mut seen = HashSet::new();
    for (this, this_index) in docs.iter().zip(&indexes) {
        if !these(&this.id) {
            continue;
        }
        let mut found = Vec::new();
        for rule in &rules.across.rules {
            // Copies of a report that print the same figures (the same PDF
            // published twice) are one report to compare with: the first.
            let mut digests = HashSet::new();
            let others = docs.iter().zip(&indexes).filter(|(_, index)| {
                paired(rule.pairing, this_index.head, index.head)
                    && match rule.pairing {
                        Pairing::Republished => index.head.digest != this_index.head.digest,
                        _ => digests.insert(&index.head.digest),
                    }
            });
            for (other, other_index) in others {
                let pair = Pair {
                    this,
                    other,
                    this_index,
                    other_index,
                    rule,
                    rules,
                };
                for made in set_aside_misreads(pair.compare()) {
                    let c = &made.comparison;
                    // the same figure printed twice is compared once
                    let once = (
                        this.id.clone(),
                        rule.id.clone(),
                        other.id.clone(),
                        c.key.clone(),
                        c.line.clone(),
                        c.actual,
                        c.expected,
                    );
                    if !seen.insert(once) {
                        continue;
                    }
                    tracing::debug!(
                        rule = %c.rule, this = %c.document_id, other = %c.other_document_id,
                        key = %c.key, line = ?c.line, actual = %c.actual, expected = %c.expected,
                        outcome = ?c.severity, "compared across documents"
                    );
                    if let Some(f) = made.finding {
                        found.push(f);
                    }
                    out.comparisons.push(made.comparison);
                }
            }
        }
        for (i, mut f) in found.into_iter().enumerate() {
            f.finding_no = this.findings + i + 1;
            out.findings.push(f);
        }
    }
    out
}

/// Where this document prints a line's figure (a change, a prior-year
/// figure) with several values and one of them agrees with the other
/// report, the others are misreads or other figures, not contradictions:
/// their findings are dropped (the comparisons stay listed).
fn set_aside_misreads(made: Vec<Made>) -> Vec<Made> {
    let agrees = |m: &Made| m.comparison.severity.is_none_or(|s| s == Severity::Info);
    let agreeing: HashSet<(String, Option<String>)> = made
        .iter()
        .filter(|m| agrees(m))
        .map(|m| (m.comparison.key.clone(), m.comparison.line.clone()))
        .collect();
    made.into_iter()
        .map(|mut m| {
            let line = (m.comparison.key.clone(), m.comparison.line.clone());
            if !agrees(&m) && agreeing.contains(&line) {
                tracing::debug!(key = %line.0, line = ?line.1, actual = %m.comparison.actual, "set aside: another printed figure of the line agrees");
                m.finding = None;
            }
            m
        })
        .collect()
}

/// One comparison with what it found.
struct Made {
    finding: Option<CrossFinding>,
    comparison: Comparison,
}

/// A document's facts by key, their lines worked out once, when first
/// needed: most documents of a large entity pair with none.
struct Index<'h> {
    head: &'h AcrossHead,
    lines: std::cell::OnceCell<Vec<LineId>>,
    by_key: HashMap<String, Vec<usize>>,
}

impl<'h> Index<'h> {
    fn new(doc: &AcrossDoc, head: &'h AcrossHead) -> Index<'h> {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in doc.facts.iter().enumerate() {
            by_key.entry(f.key.clone()).or_default().push(i);
        }
        Index {
            head,
            lines: std::cell::OnceCell::new(),
            by_key,
        }
    }

    /// The facts of `doc` (this index's) of `key` on the line of `like`.
    fn on_line<'d>(&self, doc: &'d AcrossDoc, key: &str, like: &LineId) -> Vec<&'d Fact> {
        self.by_key.get(key).map_or_else(Vec::new, |at| {
            let lines = self
                .lines
                .get_or_init(|| doc.facts.iter().map(LineId::of).collect());
            at.iter()
                .filter(|&&i| lines[i].same_line_across(like))
                .map(|&i| &doc.facts[i])
                .collect()
        })
    }
}

struct Pair<'a> {
    this: &'a AcrossDoc,
    other: &'a AcrossDoc,
    this_index: &'a Index<'a>,
    other_index: &'a Index<'a>,
    rule: &'a AcrossRule,
    rules: &'a RuleSet,
}

/// Half a unit of the last printed digit of `f`, in 万元 for amounts (in points for percentages).
fn half_unit(f: &Fact) -> Decimal {
    let decimals = f.value.split_once('.').map_or(0, |(_, d)| d.len()) as u32;
    let half = Decimal::new(5, decimals + 1);
    let factor = match (f.value_wan, f.decimal()) {
        (Some(wan), Some(v)) if !v.is_zero() => (wan / v).abs(),
        (Some(_), _) => match f.unit.as_deref() {
            Some("元") => Decimal::new(1, 4),
            Some("亿元") => Decimal::from(10_000),
            _ => Decimal::ONE,
        },
        (None, _) => Decimal::ONE,
    };
    half * factor
}

/// The amount of a fact in 万元, or a percentage's value.
fn amount(f: &Fact) -> Option<Decimal> {
    f.value_wan.or_else(|| {
        (f.unit.as_deref() == Some("%"))
            .then(|| f.decimal())
            .flatten()
    })
}

impl<'a> Pair<'a> {
    fn compare(&self) -> Vec<Made> {
        match self.rule.form.qualifier() {
            Some(q) => self
                .this
                .facts
                .iter()
                .filter_map(|f| Some((f, f.key.strip_suffix(q)?)))
                .filter(|(_, base)| self.rule.applies_to(base))
                .filter_map(|(f, base)| self.qualified(f, base))
                .collect(),
            None => self.same(),
        }
    }

    /// The figure of `key` on `f`'s line nearest before `f` (else after it) in this document.
    fn base_of(&self, key: &'a str, f: &Fact) -> Option<&'a Fact> {
        self.this_index
            .on_line(self.this, key, &LineId::of(f))
            .into_iter()
            .filter(|b| b.value_wan.is_some())
            .min_by_key(|b| {
                let after = b.span[0] > f.span[0];
                let gap = b.span[0].abs_diff(f.span[0]);
                (after, gap)
            })
    }

    /// A qualified figure of this document (`K.prior_year`, `K.yoy_change` …) against `K` of the other.
    fn qualified(&self, f: &'a Fact, base: &'a str) -> Option<Made> {
        let line = LineId::of(f);
        let others: Vec<&Fact> = self
            .other_index
            .on_line(self.other, base, &line)
            .into_iter()
            .filter(|o| o.value_wan.is_some())
            .collect();
        if others.is_empty() {
            return None;
        }
        let mut distinct: Vec<Decimal> = others.iter().filter_map(|o| o.value_wan).collect();
        distinct.sort();
        distinct.dedup();
        let ambiguous = distinct.len() > 1;
        match self.rule.form {
            Form::Prior | Form::Budget => {
                let actual = f.value_wan?;
                let other = closest(&others, actual);
                let expected = other.value_wan?;
                let tol = half_unit(f) + half_unit(other);
                self.amount_outcome(base, f, vec![f], other, actual, expected, tol, ambiguous)
            }
            Form::Change => {
                let b = self.base_of(base, f)?;
                let actual = b.value_wan? - f.value_wan?;
                let other = closest(&others, actual);
                let expected = other.value_wan?;
                let tol = half_unit(b) + half_unit(f) + half_unit(other);
                self.amount_outcome(base, f, vec![b, f], other, actual, expected, tol, ambiguous)
            }
            Form::Rate => {
                let change = format!("{base}{}", crate::keys::YOY_CHANGE);
                if !self
                    .this_index
                    .on_line(self.this, &change, &line)
                    .is_empty()
                {
                    return None; // the change amount is compared instead: one finding per gap
                }
                let b = self.base_of(base, f)?;
                self.rate_outcome(base, f, b, &others, ambiguous)
            }
            Form::Same => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn amount_outcome(
        &self,
        base: &str,
        anchor: &Fact,
        mine: Vec<&Fact>,
        other: &Fact,
        actual: Decimal,
        expected: Decimal,
        tol: Decimal,
        ambiguous: bool,
    ) -> Option<Made> {
        let diff = actual - expected;
        let severity = if diff.is_zero() {
            None
        } else if diff.abs() <= tol {
            Some(Severity::Info)
        } else {
            let larger = actual.abs().max(expected.abs());
            let relative = if larger.is_zero() {
                Decimal::ONE
            } else {
                diff.abs() / larger
            };
            let s = if relative <= self.rules.warning_relative {
                Severity::Warning
            } else {
                Severity::Error
            };
            Some(self.cap(s, ambiguous))
        };
        let words = match severity {
            None => None,
            Some(Severity::Info) => Some(Bilingual {
                zh: "差异在四舍五入范围内",
                en: "within rounding of the printed figures",
            }),
            Some(_) => Some(BEYOND),
        };
        let unit = if anchor.value_wan.is_some() {
            "万元"
        } else {
            ""
        };
        let text = words.map(|words| {
            message!(
                "{who}：{what}为{actual}{unit}，{other_document}（文件{id}）{quote}为{expected}{unit}：相差{diff}{unit}，容差{tol}{unit}，{words}。{why}",
                "{who}: {what} is {actual}; {other_document} (document {id}) prints {quote} {expected}: a gap of {diff}{unit} against a rounding tolerance of {tol}, {words}.",
                who = name(base, anchor),
                id = short(&self.other.id),
                why = &self.rule.why,
                [
                    words,
                    what = self.this_words(&mine),
                    quote = cite(other),
                    other_document = self.other_words(),
                ],
            )
        });
        Some(self.made(
            base, anchor, mine, other, actual, expected, diff, severity, text,
        ))
    }

    fn rate_outcome(
        &self,
        base: &str,
        pct: &'a Fact,
        b: &'a Fact,
        others: &[&'a Fact],
        ambiguous: bool,
    ) -> Option<Made> {
        let printed = pct.decimal()?;
        let cur = b.value_wan?;
        // the other figure whose rate is nearest the printed one
        let rate_of = |o: &Fact| -> Option<Decimal> {
            let prev = o.value_wan?;
            (!prev.is_zero()).then(|| (cur - prev) / prev * Decimal::from(100))
        };
        let other = others
            .iter()
            .filter_map(|o| Some((*o, rate_of(o)?)))
            .min_by_key(|(_, r)| (printed - *r).abs())?;
        let (other, expected) = other;
        let prev = other.value_wan?;
        let hundred = Decimal::from(100);
        let spread =
            hundred * (half_unit(b) / prev.abs() + cur.abs() * half_unit(other) / (prev * prev));
        let tol = half_unit(pct) + spread;
        let diff = printed - expected;
        let decimals = pct.value.split_once('.').map_or(0, |(_, d)| d.len()) as u32;
        let truncated = expected.trunc_with_scale(decimals) == printed;
        let severity = if diff.abs() <= tol {
            None
        } else if truncated {
            Some(Severity::Info)
        } else if diff.abs() <= self.rules.warning_points {
            Some(self.cap(Severity::Warning, ambiguous))
        } else {
            Some(self.cap(Severity::Error, ambiguous))
        };
        let expected = expected.round_dp(decimals + 2);
        let tol = tol.round_dp(decimals + 2);
        let diff = diff.round_dp(decimals + 2);
        let text = severity.map(|s| {
            let words = if s == Severity::Info {
                Bilingual {
                    zh: "按截尾而非四舍五入",
                    en: "truncated rather than rounded",
                }
            } else {
                BEYOND
            };
            message!(
                "{who}：本文件{quotes}所印增减率为{printed}%，按本年数{cur}万元与{other_document}（文件{id}）{quote}{prev}万元计算应为{expected}%（({cur} − {prev}) ÷ {prev} × 100）：相差{diff}个百分点，容差{tol}，{words}。{why}",
                "{who}: the change rate printed in {quotes} is {printed}%; from this year's {cur} and {other_document} (document {id}) {quote} {prev} it is {expected}% (({cur} − {prev}) / {prev} × 100): {diff} points apart against a tolerance of {tol}, {words}.",
                who = name(base, pct),
                id = short(&self.other.id),
                why = &self.rule.why,
                [
                    words,
                    quotes = cite_both(pct, b),
                    quote = cite(other),
                    other_document = self.other_words(),
                ],
            )
        });
        Some(self.made(
            base,
            pct,
            vec![b, pct],
            other,
            printed,
            expected,
            diff,
            severity,
            text,
        ))
    }

    /// The same lines printed in two copies of one document.
    fn same(&self) -> Vec<Made> {
        let mut made = Vec::new();
        let mut done: HashSet<(String, String)> = HashSet::new();
        for f in &self.this.facts {
            if !self.rule.applies_to(&f.key) {
                continue;
            }
            let line = LineId::of(f);
            if !done.insert((f.key.clone(), line.group_key())) {
                continue;
            }
            let single = |doc: &'a AcrossDoc, index: &Index| -> Option<&'a Fact> {
                let all: Vec<&Fact> = index.on_line(doc, &f.key, &line);
                let first = *all.first()?;
                let value = amount(first)?;
                all.iter()
                    .all(|g| {
                        amount(g) == Some(value)
                            && g.value_wan.is_some() == first.value_wan.is_some()
                    })
                    .then_some(first)
            };
            // a line printed with several values in either copy is not a restatement
            let (Some(mine), Some(other)) = (
                single(self.this, self.this_index),
                single(self.other, self.other_index),
            ) else {
                continue;
            };
            // like with like: a table line against a table line, a sentence against a sentence
            // (copies in two formats may not be read alike)
            if mine.value_wan.is_some() != other.value_wan.is_some() || mine.source != other.source
            {
                continue;
            }
            let (Some(actual), Some(expected)) = (amount(mine), amount(other)) else {
                continue;
            };
            let tol = half_unit(mine) + half_unit(other);
            if let Some(m) = self.amount_outcome(
                &f.key,
                mine,
                vec![mine],
                other,
                actual,
                expected,
                tol,
                false,
            ) {
                made.push(m);
            }
        }
        made
    }

    fn cap(&self, s: Severity, ambiguous: bool) -> Severity {
        let s = s.min(self.rule.max_severity);
        if ambiguous {
            // the other report prints the line with several values: which one is meant is unsure
            s.min(Severity::Warning)
        } else {
            s
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn made(
        &self,
        base: &str,
        anchor: &Fact,
        mine: Vec<&Fact>,
        other: &Fact,
        actual: Decimal,
        expected: Decimal,
        diff: Decimal,
        severity: Option<Severity>,
        text: Option<Message>,
    ) -> Made {
        let line = line_name(anchor);
        let rule = format!("across.{}", self.rule.id);
        let comparison = Comparison {
            rule: rule.clone(),
            document_id: self.this.id.clone(),
            other_document_id: self.other.id.clone(),
            key: base.to_string(),
            line: line.clone(),
            actual,
            expected,
            severity,
        };
        let finding = severity.zip(text).map(|(severity, message)| {
            let mut facts: Vec<Evidence> = mine.iter().map(|f| evidence(f)).collect();
            let own_facts = facts.len();
            facts.push(evidence(other));
            let mut values: Vec<String> = mine.iter().map(|f| f.value.clone()).collect();
            values.push(other.value.clone());
            CrossFinding {
                document_id: self.this.id.clone(),
                other_document_id: self.other.id.clone(),
                entity: self.this.entity.clone(),
                fiscal_year: self.this.fiscal_year,
                finding_no: 0,
                finding: Finding {
                    rule: rule.clone(),
                    kind: "across".into(),
                    severity,
                    message: message.zh,
                    message_en: message.en,
                    values,
                    expected: Some(expected.normalize().to_string()),
                    actual: Some(actual.normalize().to_string()),
                    difference: Some(diff.normalize().to_string()),
                    facts,
                },
                own_facts,
            }
        });
        Made {
            finding,
            comparison,
        }
    }
}

/// The figure of `others` nearest `value`.
fn closest<'f>(others: &[&'f Fact], value: Decimal) -> &'f Fact {
    others
        .iter()
        .min_by_key(|o| (o.value_wan.unwrap_or_default() - value).abs())
        .copied()
        .expect("callers pass at least one")
}

#[cfg(test)]
mod tests;
