//! The `[across]` part of `patterns/reconcile.toml`: which documents are
//! paired, and which of their figures are compared.

use serde::Deserialize;

use crate::keys;
use crate::report::Severity;

/// How the documents of one entity are paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// A report against the same entity's report of the year before, same kind.
    PreviousYear,
    /// A final account against the same entity's budget of the same year.
    BudgetOfFinal,
    /// The same entity, year and kind, published twice (different bytes).
    Republished,
}

/// What is compared, for one base key `K` (and one line of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `this.K.prior_year = other.K`: a printed previous-year figure.
    Prior,
    /// `this.K − this.K.yoy_change = other.K`: the base the printed change implies.
    Change,
    /// `this.K.yoy_pct = (this.K − other.K) / other.K × 100`, where the line prints no change amount.
    Rate,
    /// `this.K.budget = other.K`: a final account's budget figure against the budget.
    Budget,
    /// `this.K = other.K`: the same line printed in both documents.
    Same,
}

impl Form {
    /// The qualifier of the figure read in this document (`None`: the base key itself).
    pub fn qualifier(self) -> Option<&'static str> {
        match self {
            Form::Prior => Some(keys::PRIOR_YEAR),
            Form::Change => Some(keys::YOY_CHANGE),
            Form::Rate => Some(keys::YOY_PCT),
            Form::Budget => Some(keys::BUDGET),
            Form::Same => None,
        }
    }
}

/// `across.<id>`: one comparison between paired documents.
#[derive(Debug, Clone)]
pub struct AcrossRule {
    pub id: String,
    pub pairing: Pairing,
    pub form: Form,
    /// Base keys compared (`*`, `prefix.*`, or a key).
    pub keys: Vec<String>,
    /// Base keys never compared (same forms, also `*.suffix`).
    pub skip: Vec<String>,
    /// Cap on the severity of a gap beyond rounding.
    pub max_severity: Severity,
    pub why: String,
}

/// Everything about comparing documents with each other.
#[derive(Debug, Clone, Default)]
pub struct AcrossRules {
    /// Endings dropped from an entity name before matching (`本级`, `机关`).
    pub entity_suffixes: Vec<String>,
    pub rules: Vec<AcrossRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAcross {
    #[serde(default)]
    entity_suffixes: Vec<String>,
    #[serde(default)]
    rule: Vec<RawAcrossRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcrossRule {
    id: String,
    pair: String,
    form: String,
    keys: Vec<String>,
    #[serde(default)]
    skip: Vec<String>,
    #[serde(default)]
    max_severity: Option<String>,
    why: String,
}

impl AcrossRules {
    /// From the raw table; `at(needle, message)` names the file and line.
    pub(crate) fn from_raw(
        raw: Option<RawAcross>,
        at: &dyn Fn(&str, String) -> crate::config::ConfigError,
    ) -> Result<AcrossRules, crate::config::ConfigError> {
        let Some(raw) = raw else {
            return Ok(AcrossRules::default());
        };
        let mut rules = Vec::new();
        for r in raw.rule {
            let pairing = match r.pair.as_str() {
                "previous_year" => Pairing::PreviousYear,
                "budget_of_final" => Pairing::BudgetOfFinal,
                "republished" => Pairing::Republished,
                other => return Err(at(&r.id, format!("unknown pairing {other:?}"))),
            };
            let form = match r.form.as_str() {
                "prior" => Form::Prior,
                "change" => Form::Change,
                "rate" => Form::Rate,
                "budget" => Form::Budget,
                "same" => Form::Same,
                other => return Err(at(&r.id, format!("unknown form {other:?}"))),
            };
            let max_severity = match r.max_severity.as_deref() {
                None | Some("error") => Severity::Error,
                Some("warning") => Severity::Warning,
                Some("info") => Severity::Info,
                Some(other) => return Err(at(&r.id, format!("unknown severity {other:?}"))),
            };
            if r.keys.is_empty() {
                return Err(at(&r.id, "an across rule needs `keys`".into()));
            }
            rules.push(AcrossRule {
                id: r.id,
                pairing,
                form,
                keys: r.keys,
                skip: r.skip,
                max_severity,
                why: r.why,
            });
        }
        Ok(AcrossRules {
            entity_suffixes: raw.entity_suffixes,
            rules,
        })
    }

    /// Whether any rule reads `key` (a base key or a qualified one) in either document.
    pub fn reads(&self, key: &str) -> bool {
        self.rules.iter().any(|r| {
            let base = r
                .form
                .qualifier()
                .and_then(|q| key.strip_suffix(q))
                .unwrap_or(key);
            r.applies_to(base)
        })
    }
}

/// `*`, `prefix.*`, `*.suffix` or an exact key.
pub(crate) fn key_matches(pattern: &str, key: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return key.starts_with(prefix) && key[prefix.len()..].starts_with('.');
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return key.ends_with(suffix) && key[..key.len() - suffix.len()].ends_with('.');
    }
    pattern == key
}

impl AcrossRule {
    /// Whether base key `key` is compared by this rule.
    pub fn applies_to(&self, key: &str) -> bool {
        self.keys.iter().any(|p| key_matches(p, key))
            && !self.skip.iter().any(|p| key_matches(p, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_patterns() {
        assert!(key_matches("*", "income.total"));
        assert!(key_matches("income.*", "income.total"));
        assert!(!key_matches("income.*", "incomes.total"));
        assert!(key_matches("*.budget", "three_public.total.budget"));
        assert!(!key_matches("*.budget", "x.nobudget"));
        assert!(key_matches("income.total", "income.total"));
    }

    #[test]
    fn builtin_across_rules_parse() {
        let rules = crate::reconcile::RuleSet::builtin().across;
        assert!(rules.rules.iter().any(|r| r.form == Form::Change));
        assert!(rules.reads("general_budget.expenditure.yoy_change"));
        assert!(!rules.reads("document.entity"));
    }
}
