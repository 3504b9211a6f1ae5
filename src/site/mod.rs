//! A static HTML site over a run's reports (`out/site/`): an index of the
//! documents, a page per document (findings with their quotes side by side,
//! key figures, every fact with its quote and page, SVG charts) and a page
//! per entity (三公 by year). No script, no server: the files open from disk.
//!
//! The site is built whole in a scratch folder beside the old one and
//! renamed into place, so a killed build never leaves a half-written site.

mod charts;
mod datasette;
mod document;
mod html;
mod index;
mod names;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::report::{Report, Severity};

pub use datasette::{metadata, write_metadata, METADATA_FILE};

pub const SITE_DIR: &str = "site";
const STYLE: &str = include_str!("style.css");

/// What the index needs of a document: read once, kept small.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone, Default)]
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

/// The ids of the reports under `out/documents/`, sorted.
fn report_ids(out: &Path) -> Result<Vec<String>> {
    let dir = out.join(crate::export::DOCUMENTS_DIR);
    let mut ids = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name();
        if let Some(id) = name.to_string_lossy().strip_suffix(".json") {
            ids.push(id.to_string());
        }
    }
    ids.sort();
    Ok(ids)
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Build `out/site/` from the reports under `out/documents/`: in
/// `out/.site.part/`, renamed into place when complete.
pub fn write_site(out: &Path) -> Result<SiteTotals> {
    let ids = report_ids(out)?;
    let mut summaries = Vec::with_capacity(ids.len());
    for id in &ids {
        let report = crate::export::read_report(out, id)?;
        summaries.push(Summary::of(id, &report));
    }
    let scratch = out.join(".site.part");
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot clear {}", scratch.display()))?;
    }
    for dir in ["doc", "entity"] {
        fs::create_dir_all(scratch.join(dir))
            .with_context(|| format!("cannot create {}", scratch.join(dir).display()))?;
    }
    write(&scratch.join("style.css"), STYLE)?;
    let entities = index::entities(&summaries);
    for summary in &summaries {
        let report = crate::export::read_report(out, &summary.id)?;
        let series: &[&Summary] = summary
            .entity
            .as_ref()
            .and_then(|e| entities.get(e))
            .map_or(&[], Vec::as_slice);
        let page = document::render(&report, summary, series);
        write(
            &scratch.join("doc").join(format!("{}.html", summary.id)),
            &page,
        )?;
    }
    for (entity, docs) in &entities {
        write(
            &scratch.join("entity").join(entity_file(entity)),
            &index::entity_page(entity, docs),
        )?;
    }
    write(
        &scratch.join("index.html"),
        &index::index_page(&summaries, &entities),
    )?;
    publish(&scratch, &out.join(SITE_DIR))?;
    Ok(SiteTotals {
        documents: summaries.len(),
        entities: entities.len(),
    })
}

/// Put the finished `scratch` folder at `site`: the old site is moved aside
/// first and deleted after, so either the old or the new site is whole.
fn publish(scratch: &Path, site: &Path) -> Result<()> {
    let old: PathBuf = site.with_file_name(".site.old");
    if old.exists() {
        fs::remove_dir_all(&old).with_context(|| format!("cannot clear {}", old.display()))?;
    }
    if site.exists() {
        fs::rename(site, &old).with_context(|| format!("cannot move {} aside", site.display()))?;
    }
    fs::rename(scratch, site).with_context(|| format!("cannot publish {}", site.display()))?;
    if old.exists() {
        fs::remove_dir_all(&old).with_context(|| format!("cannot delete {}", old.display()))?;
    }
    Ok(())
}
