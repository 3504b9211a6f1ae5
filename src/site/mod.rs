//! A static HTML site over a run's reports (`out/site/`): an index of the
//! documents, a page per document (findings with their quotes side by side,
//! key figures, every fact with its quote and page, SVG charts) and a page
//! per entity (三公 by year). No script, no server: the files open from disk.
//!
//! The site is updated page by page: a build writes only the pages whose
//! inputs changed since the last one ([`state`]) and deletes those of
//! documents and entities that are gone. Each page is written beside its
//! published file and renamed into place, as the exports are
//! ([`crate::export::parts::publish_files`]), so a killed build never leaves
//! a half-written page, and the next build writes what it left undone.

mod build;
mod charts;
mod datasette;
mod document;
mod html;
mod index;
mod names;
mod state;

use crate::report::{Report, Severity};

pub use build::write_site;
pub use datasette::{metadata, write_metadata, METADATA_FILE};
pub use state::STATE_FILE;

pub const SITE_DIR: &str = "site";
const STYLE: &str = include_str!("style.css");

/// What the index needs of a document: read once, kept small.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub id: String,
    pub source: String,
    pub entity: Option<String>,
    pub year: Option<i32>,
    pub kind: Option<String>,
    pub facts: usize,
    /// Findings by severity: error, warning, info.
    pub findings: [usize; 3],
    /// The reasons of the document's read errors.
    pub errors: Vec<String>,
    pub three_public: Option<ThreePublic>,
}

/// The first 三公 amounts a document prints (万元).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ThreePublic {
    pub total: Option<f64>,
    pub overseas: Option<f64>,
    pub vehicle: Option<f64>,
    pub reception: Option<f64>,
}

impl ThreePublic {
    /// The parts to stack in a bar: the three parts when printed, else the total.
    fn parts(&self) -> Vec<(String, f64)> {
        let parts: Vec<(String, f64)> = [
            ("因公出国（境）费", self.overseas),
            ("公务用车购置及运行维护费", self.vehicle),
            ("公务接待费", self.reception),
        ]
        .into_iter()
        .filter_map(|(name, v)| Some((name.to_string(), v?)))
        .collect();
        if parts.is_empty() {
            self.total
                .map(|t| vec![("合计".to_string(), t)])
                .unwrap_or_default()
        } else {
            parts
        }
    }
}

impl Summary {
    fn of(id: &str, report: &Report) -> Summary {
        let mut findings = [0usize; 3];
        for f in &report.findings {
            findings[match f.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
        let amount = |key: &str| -> Option<f64> {
            report
                .facts
                .iter()
                .find(|f| f.key == key && f.label.is_none() && f.value_wan.is_some())
                .and_then(|f| f.value_wan?.to_string().parse().ok())
        };
        let three_public = ThreePublic {
            total: amount("three_public.total"),
            overseas: amount("three_public.overseas"),
            vehicle: amount("three_public.vehicle"),
            reception: amount("three_public.reception"),
        };
        let printed = three_public.total.is_some() || !three_public.parts().is_empty();
        Summary {
            id: id.to_string(),
            source: report.document.source.clone(),
            entity: report.document.entity.clone(),
            year: report.document.fiscal_year,
            kind: report.document.kind.clone(),
            facts: report.facts.len(),
            findings,
            errors: report.errors.iter().map(|e| e.reason.clone()).collect(),
            three_public: printed.then_some(three_public),
        }
    }
}

/// The file name of an entity's page: names are long and any character.
pub fn entity_file(entity: &str) -> String {
    format!("{}.html", &crate::read::sha256_hex(entity.as_bytes())[..16])
}

/// How many pages a site build wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteTotals {
    pub documents: usize,
    pub entities: usize,
}
