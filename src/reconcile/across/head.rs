//! What pairing documents needs of each: who, which year, which kind, and
//! a digest of the figures as printed (copies print the same).

use super::{AcrossDoc, Pairing, RuleSet};

impl AcrossDoc {
    /// What pairing it with others needs: no figure, but their digest.
    pub fn head(&self) -> AcrossHead {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for f in &self.facts {
            let (key, value) = (Some(&f.key), Some(&f.value));
            for field in [
                key,
                f.label.as_ref(),
                f.code.as_ref(),
                value,
                f.unit.as_ref(),
            ] {
                match field {
                    Some(text) => hasher.update([&[1u8][..], text.as_bytes(), b"\0"].concat()),
                    None => hasher.update([0u8]),
                }
            }
        }
        AcrossHead {
            id: self.id.clone(),
            entity_key: self.entity_key.clone(),
            scope: self.scope.clone(),
            kind: self.kind.clone(),
            fiscal_year: self.fiscal_year,
            digest: hex::encode(&hasher.finalize()[..8]),
        }
    }
}

/// What pairing a document with others needs of it ([`AcrossDoc::head`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AcrossHead {
    pub id: String,
    pub entity_key: Option<String>,
    pub scope: Option<String>,
    pub kind: Option<String>,
    pub fiscal_year: Option<i32>,
    /// Of the figures as printed: copies with equal digests print the same.
    pub digest: String,
}

impl AcrossHead {
    pub(super) fn comparable(&self) -> bool {
        self.entity_key.is_some() && self.fiscal_year.is_some() && self.kind.is_some()
    }

    fn same_entity(&self, other: &AcrossHead) -> bool {
        self.entity_key == other.entity_key && self.scope == other.scope
    }
}

/// Whether some rule compares `this` with `other`: whether the findings
/// of `this` may change when `other` comes or goes.
pub fn compares(rules: &RuleSet, this: &AcrossHead, other: &AcrossHead) -> bool {
    this.comparable()
        && other.comparable()
        && rules.across.rules.iter().any(|rule| {
            paired(rule.pairing, this, other)
                && (rule.pairing != Pairing::Republished || this.digest != other.digest)
        })
}

/// The documents of `heads` (in id order) that [`super::compare`] compares
/// `this` with: by each rule, those it pairs `this` with, of copies that
/// print the same figures the first (see there). What comparing `this`
/// needs of the others, however many copies they are.
pub fn compared_with<'h>(
    rules: &RuleSet,
    this: &AcrossHead,
    heads: &'h [AcrossHead],
) -> Vec<&'h AcrossHead> {
    let mut with: Vec<&AcrossHead> = Vec::new();
    if !this.comparable() {
        return with;
    }
    let mut ids = std::collections::HashSet::new();
    for rule in &rules.across.rules {
        let mut digests = std::collections::HashSet::new();
        for other in heads.iter().filter(|h| h.comparable()) {
            let compared = paired(rule.pairing, this, other)
                && match rule.pairing {
                    Pairing::Republished => other.digest != this.digest,
                    _ => digests.insert(&other.digest),
                };
            if compared && ids.insert(&other.id) {
                with.push(other);
            }
        }
    }
    with
}

pub(super) fn paired(pairing: Pairing, this: &AcrossHead, other: &AcrossHead) -> bool {
    if this.id == other.id || !this.same_entity(other) {
        return false;
    }
    let (Some(y), Some(oy)) = (this.fiscal_year, other.fiscal_year) else {
        return false;
    };
    match pairing {
        Pairing::PreviousYear => this.kind == other.kind && oy == y - 1,
        Pairing::BudgetOfFinal => {
            this.kind.as_deref() == Some("final")
                && other.kind.as_deref() == Some("budget")
                && oy == y
        }
        Pairing::Republished => this.kind == other.kind && oy == y && this.id < other.id,
    }
}
