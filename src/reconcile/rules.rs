//! The rule set: identities and rule parameters as data (`patterns/reconcile.toml`).
//!
//! Identities use a small expression form over FIELDS.md keys:
//!
//! ```text
//! identity := term ('=' | '>=') term ('+' term)*
//! term     := KEY | KEY '[' selector ']' | 'sum(' KEY (',' KEY)* ')'
//! selector := '*' | code | label
//! ```
//!
//! * `KEY` is one figure, paired with the total by context (same table, same
//!   section, nearest in the text).
//! * `sum(KEY)` with one labelled key means every line of that key in the
//!   total's table (or in the narrative), deepest-first lines dropped when
//!   their parent line is present; `sum(a, b)` is `a + b`.
//! * `KEY[*]` on both sides makes a per-line identity: each line of the left
//!   key against the lines with the same code/label on the right.
//! * `KEY[301]` selects the line with that code (or label).
//! * `>=` says the parts may not exceed the total (used where the parts are not
//!   known to be complete).

use crate::config::ConfigError;
use serde::Deserialize;

/// One term of an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// One figure of `key`, optionally restricted to a line.
    Key { key: String, line: LineSelector },
    /// Every line of a labelled key (leaves of its code/label tree).
    Lines { key: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSelector {
    /// Whatever line (scalar keys).
    Any,
    /// The same line as the total (`[*]`).
    Same,
    /// A fixed code or label.
    Fixed(String),
}

impl Term {
    pub fn key(&self) -> &str {
        match self {
            Term::Key { key, .. } | Term::Lines { key } => key,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// total = parts (two-sided).
    Equal,
    /// total >= parts (parts may be incomplete).
    AtLeast,
}

/// A parsed identity `total (=|>=) part + part …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub total: Term,
    pub relation: Relation,
    pub parts: Vec<Term>,
}

/// `sum.<id>`: a total against its parts.
#[derive(Debug, Clone)]
pub struct SumRule {
    pub id: String,
    pub identity: Identity,
    pub why: String,
}

/// `share.<pct key>`: a printed share against part / whole.
#[derive(Debug, Clone)]
pub struct ShareRule {
    pub pct: String,
    pub part: String,
    pub whole: String,
    /// Other totals a share may be printed of (`收入预算557259.13万元，其中：
    /// 财政拨款收入…，占41.43%` is a share of 收支总计): the nearest wins.
    pub or_whole: Vec<String>,
}

/// `completion.<pct key>`: a completion rate against amount / budget.
#[derive(Debug, Clone)]
pub struct CompletionRule {
    pub pct: String,
    pub amount: String,
    pub budget: String,
}

/// `cross.<id>`: two keys the template implies are equal.
#[derive(Debug, Clone)]
pub struct EqualRule {
    pub id: String,
    pub left: String,
    pub right: String,
    pub why: String,
    /// Cap on the severity (the equality may not hold for every kind of unit).
    pub max_severity: crate::report::Severity,
    /// Words that, in the paragraph of either figure, say the report counts
    /// the two differently (`口径`): then the rule says nothing.
    pub unless_stated: Vec<String>,
}

/// `sum.tree.<key>`: a parent line against its child lines (by code or label path).
#[derive(Debug, Clone)]
pub struct TreeRule {
    pub keys: Vec<String>,
}

/// Structure rule parameters.
#[derive(Debug, Clone)]
pub struct StructureRules {
    /// Regexes of template placeholders (`XX局`, `X万元`, `增加（减少）`).
    pub placeholders: Vec<regex::Regex>,
    /// This many placeholders, outnumbering printed amounts, make an unfilled template.
    pub unfilled_min_placeholders: usize,
    /// Phrases saying the final amount is above / below / equal to the budget.
    pub above_budget: Vec<String>,
    pub below_budget: Vec<String>,
    pub equal_budget: Vec<String>,
    /// Relative gap that still counts as "基本持平" (roughly equal).
    pub roughly_equal_ratio: rust_decimal::Decimal,
    /// Words marking a year mention as a comparison (not the document's year).
    pub comparison_words: Vec<String>,
}

/// Everything the reconciler checks, parsed from TOML.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub sums: Vec<SumRule>,
    pub trees: Vec<TreeRule>,
    pub shares: Vec<ShareRule>,
    pub completions: Vec<CompletionRule>,
    /// Totals whose completion rate is checked against their parts' rates.
    pub completion_parts: Vec<SumRule>,
    pub equals: Vec<EqualRule>,
    /// Keys (or `prefix.*`) that may legitimately occur with different values
    /// unless they carry a label; restatement only compares labelled lines of them.
    pub restatement_label_only: Vec<String>,
    /// Keys (or `prefix.*` / `*.suffix`) never compared for restatement.
    pub restatement_skip: Vec<String>,
    /// Beyond tolerance, a gap up to this fraction of the larger figure is a warning; more is an error.
    pub warning_relative: rust_decimal::Decimal,
    /// Beyond tolerance, a percentage gap up to this many points is a warning; more is an error.
    pub warning_points: rust_decimal::Decimal,
    pub structure: StructureRules,
    /// Comparisons between documents (`[across]`).
    pub across: super::across::AcrossRules,
}

pub const BUILTIN_TOML: &str = crate::config::RECONCILE_TOML;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    tolerance: RawTolerance,
    #[serde(default)]
    sum: Vec<RawSum>,
    #[serde(default)]
    tree: Vec<RawTree>,
    #[serde(default)]
    share: Vec<RawShare>,
    #[serde(default)]
    completion: Vec<RawCompletion>,
    #[serde(default)]
    completion_parts: Vec<RawSum>,
    #[serde(default)]
    equal: Vec<RawEqual>,
    restatement: RawRestatement,
    structure: RawStructure,
    #[serde(default)]
    across: Option<super::across::RawAcross>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTolerance {
    warning_relative: String,
    warning_points: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSum {
    id: String,
    expr: String,
    #[serde(default)]
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTree {
    keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShare {
    whole: String,
    #[serde(default)]
    or_whole: Vec<String>,
    /// Parts whose share key is `<part>.share_pct`.
    #[serde(default)]
    parts: Vec<String>,
    /// A share key not of the `<part>.share_pct` form, with its part.
    #[serde(default)]
    pct: Option<String>,
    #[serde(default)]
    part: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompletion {
    pct: String,
    amount: String,
    budget: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEqual {
    id: String,
    left: String,
    right: String,
    why: String,
    #[serde(default)]
    max_severity: Option<String>,
    #[serde(default)]
    unless_stated: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRestatement {
    label_only: Vec<String>,
    skip: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStructure {
    placeholders: Vec<String>,
    unfilled_min_placeholders: usize,
    above_budget: Vec<String>,
    below_budget: Vec<String>,
    equal_budget: Vec<String>,
    roughly_equal_ratio: String,
    comparison_words: Vec<String>,
}

impl RuleSet {
    /// The rules shipped with caizheng (`patterns/reconcile.toml`).
    pub fn builtin() -> RuleSet {
        RuleSet::from_toml(BUILTIN_TOML, "patterns/reconcile.toml")
            .expect("the built-in patterns/reconcile.toml is valid (checked by tests)")
    }

    /// Parse a rule file; errors name `file` and the line.
    pub fn from_toml(text: &str, file: &str) -> Result<RuleSet, ConfigError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| ConfigError::toml(file, text, &e))?;
        let at = |needle: &str, msg: String| ConfigError::near(file, text, needle, msg);
        let dec = |s: &str| -> Result<rust_decimal::Decimal, ConfigError> {
            s.parse()
                .map_err(|_| at(s, format!("not a decimal: {s:?}")))
        };

        let parse_sums = |raws: &[RawSum]| -> Result<Vec<SumRule>, ConfigError> {
            raws.iter()
                .map(|r| {
                    let identity = parse_identity(&r.expr).map_err(|e| at(&r.expr, e))?;
                    Ok(SumRule {
                        id: r.id.clone(),
                        identity,
                        why: r.why.clone(),
                    })
                })
                .collect()
        };
        let sums = parse_sums(&raw.sum)?;
        let completion_parts = parse_sums(&raw.completion_parts)?;

        let mut shares = Vec::new();
        for s in &raw.share {
            for part in &s.parts {
                check_key(part).map_err(|e| at(part, e))?;
                shares.push(ShareRule {
                    pct: format!("{part}{}", crate::keys::SHARE_PCT),
                    part: part.clone(),
                    whole: s.whole.clone(),
                    or_whole: s.or_whole.clone(),
                });
            }
            match (&s.pct, &s.part) {
                (Some(pct), Some(part)) => shares.push(ShareRule {
                    pct: pct.clone(),
                    part: part.clone(),
                    whole: s.whole.clone(),
                    or_whole: s.or_whole.clone(),
                }),
                (None, None) => {}
                _ => return Err(at(&s.whole, "a share with `pct` needs `part` too".into())),
            }
            check_key(&s.whole).map_err(|e| at(&s.whole, e))?;
            for w in &s.or_whole {
                check_key(w).map_err(|e| at(w, e))?;
            }
        }
        let completions = raw
            .completion
            .iter()
            .map(|c| CompletionRule {
                pct: c.pct.clone(),
                amount: c.amount.clone(),
                budget: c.budget.clone(),
            })
            .collect();
        let mut equals = Vec::new();
        for e in &raw.equal {
            let max_severity = match e.max_severity.as_deref() {
                None | Some("error") => crate::report::Severity::Error,
                Some("warning") => crate::report::Severity::Warning,
                Some("info") => crate::report::Severity::Info,
                Some(other) => return Err(at(&e.id, format!("unknown severity {other:?}"))),
            };
            check_key(&e.left).map_err(|m| at(&e.left, m))?;
            check_key(&e.right).map_err(|m| at(&e.right, m))?;
            equals.push(EqualRule {
                id: e.id.clone(),
                left: e.left.clone(),
                right: e.right.clone(),
                why: e.why.clone(),
                max_severity,
                unless_stated: e.unless_stated.clone(),
            });
        }
        let mut placeholders = Vec::new();
        for p in &raw.structure.placeholders {
            placeholders.push(
                regex::Regex::new(p).map_err(|e| at(p, format!("bad placeholder regex: {e}")))?,
            );
        }
        let across = super::across::AcrossRules::from_raw(raw.across, &at)?;
        Ok(RuleSet {
            across,
            sums,
            trees: raw
                .tree
                .into_iter()
                .map(|t| TreeRule { keys: t.keys })
                .collect(),
            shares,
            completions,
            completion_parts,
            equals,
            restatement_label_only: raw.restatement.label_only,
            restatement_skip: raw.restatement.skip,
            warning_relative: dec(&raw.tolerance.warning_relative)?,
            warning_points: dec(&raw.tolerance.warning_points)?,
            structure: StructureRules {
                placeholders,
                unfilled_min_placeholders: raw.structure.unfilled_min_placeholders,
                above_budget: raw.structure.above_budget,
                below_budget: raw.structure.below_budget,
                equal_budget: raw.structure.equal_budget,
                roughly_equal_ratio: dec(&raw.structure.roughly_equal_ratio)?,
                comparison_words: raw.structure.comparison_words,
            },
        })
    }
}

fn check_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("not a field key: {key:?}"))
    }
}

fn parse_term(text: &str) -> Result<Vec<Term>, String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("sum(").and_then(|r| r.strip_suffix(')')) {
        let keys: Vec<&str> = inner.split(',').map(str::trim).collect();
        for k in &keys {
            check_key(k)?;
        }
        if keys.len() == 1 {
            return Ok(vec![Term::Lines {
                key: keys[0].to_string(),
            }]);
        }
        return Ok(keys
            .into_iter()
            .map(|k| Term::Key {
                key: k.to_string(),
                line: LineSelector::Any,
            })
            .collect());
    }
    if let Some(open) = t.find('[') {
        let key = &t[..open];
        let sel = t[open + 1..]
            .strip_suffix(']')
            .ok_or_else(|| format!("unclosed '[' in {t:?}"))?
            .trim();
        check_key(key)?;
        let line = if sel == "*" {
            LineSelector::Same
        } else {
            LineSelector::Fixed(sel.to_string())
        };
        return Ok(vec![Term::Key {
            key: key.to_string(),
            line,
        }]);
    }
    check_key(t)?;
    Ok(vec![Term::Key {
        key: t.to_string(),
        line: LineSelector::Any,
    }])
}

/// Parse `total = a + b`, `total >= sum(k)`, `line[*] = a[*] + b[*]`.
pub fn parse_identity(expr: &str) -> Result<Identity, String> {
    let (lhs, rhs, relation) = if let Some((l, r)) = expr.split_once(">=") {
        (l, r, Relation::AtLeast)
    } else if let Some((l, r)) = expr.split_once('=') {
        (l, r, Relation::Equal)
    } else {
        return Err(format!("identity without '=' or '>=': {expr:?}"));
    };
    let mut total = parse_term(lhs)?;
    if total.len() != 1 {
        return Err(format!("the left side must be one figure: {expr:?}"));
    }
    let total = total.remove(0);
    if matches!(total, Term::Lines { .. }) {
        return Err(format!("the left side cannot be sum(…): {expr:?}"));
    }
    let mut parts = Vec::new();
    // `+` never occurs inside a term, so splitting on it is safe; commas inside sum() stay put.
    for piece in rhs.split('+') {
        if piece.trim().is_empty() {
            return Err(format!("empty term in {expr:?}"));
        }
        parts.extend(parse_term(piece)?);
    }
    Ok(Identity {
        total,
        relation,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let r = RuleSet::builtin();
        assert!(r.sums.iter().any(|s| s.id == "three_public.total"));
        assert!(!r.shares.is_empty());
    }

    #[test]
    fn identity_forms_parse() {
        let i = parse_identity("income.total = sum(income.general_budget, income.other)").unwrap();
        assert_eq!(i.parts.len(), 2);
        assert_eq!(i.relation, Relation::Equal);
        let i = parse_identity("procurement.total >= sum(procurement.sme)").unwrap();
        assert_eq!(i.relation, Relation::AtLeast);
        assert_eq!(
            i.parts,
            vec![Term::Lines {
                key: "procurement.sme".into()
            }]
        );
        let i = parse_identity("general_budget.class[*] = general_budget.class.basic[*] + general_budget.class.project[*]")
            .unwrap();
        assert_eq!(
            i.total,
            Term::Key {
                key: "general_budget.class".into(),
                line: LineSelector::Same
            }
        );
        let i = parse_identity("general_budget.personnel = general_budget.economic[301] + general_budget.economic[303]")
            .unwrap();
        assert_eq!(
            i.parts[1],
            Term::Key {
                key: "general_budget.economic".into(),
                line: LineSelector::Fixed("303".into())
            }
        );
        assert!(parse_identity("a.b + c").is_err());
        assert!(parse_identity("Income = x").is_err());
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad = BUILTIN_TOML.replacen(
            "expr = \"three_public.total =",
            "expr = \"three_public.total ==",
            1,
        );
        let err = RuleSet::from_toml(&bad, "my.toml").unwrap_err().to_string();
        assert!(err.starts_with("my.toml:"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        let expected = BUILTIN_TOML
            .lines()
            .position(|l| l.contains("expr = \"three_public.total ="))
            .unwrap()
            + 1;
        assert_eq!(line, expected, "{err}");

        let err = RuleSet::from_toml("[tolerance]\nwarning_relative = 3\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml:2:"), "{err}");
    }
}
