//! A build of the site: the summaries brought level with the reports, then
//! only the pages whose inputs changed written, a batch at a time, and the
//! pages of documents and entities that are gone deleted.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::state::{report_stamp, SiteState};
use super::{document, entity_file, index, SiteTotals, Summary, SITE_DIR, STYLE};
use crate::export::{self, parts};

/// Pages synced and renamed together: concurrent syncs share the disk's
/// journal commits.
const PAGES_PER_BATCH: usize = 64;

/// What the pages are made by: the version and the sources of the site.
/// A build from other sources writes every page again.
fn format() -> String {
    let sources = [
        include_str!("mod.rs"),
        include_str!("build.rs"),
        include_str!("state.rs"),
        include_str!("document.rs"),
        include_str!("index.rs"),
        include_str!("html.rs"),
        include_str!("charts.rs"),
        include_str!("names.rs"),
        include_str!("../../docs/FIELDS.md"),
        STYLE,
    ];
    let mut h = crate::read::sha256_hex(env!("CARGO_PKG_VERSION").as_bytes());
    for s in sources {
        h = crate::read::sha256_hex(format!("{h}{s}").as_bytes());
    }
    format!("caizheng {} site {}", env!("CARGO_PKG_VERSION"), &h[..16])
}

/// Pages written beside their published files, waiting to be renamed.
#[derive(Default)]
struct Pages {
    pending: Vec<PathBuf>,
}

impl Pages {
    fn write(&mut self, path: PathBuf, bytes: &[u8]) -> Result<()> {
        let scratch = parts::scratch(&path);
        fs::write(&scratch, bytes)
            .with_context(|| format!("cannot write {}", scratch.display()))?;
        self.written(path)
    }

    /// `path`'s scratch file is written.
    fn written(&mut self, path: PathBuf) -> Result<()> {
        self.pending.push(path);
        if self.pending.len() >= PAGES_PER_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        parts::publish_files(&self.pending)?;
        self.pending.clear();
        Ok(())
    }
}

/// The reports under `out/documents/`, by id, with their [`report_stamp`].
fn report_files(out: &Path) -> Result<Vec<(String, String)>> {
    let dir = out.join(export::DOCUMENTS_DIR);
    let mut reports = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(id) = name.to_string_lossy().strip_suffix(".json") {
            let meta = entry
                .metadata()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            reports.push((id.to_string(), report_stamp(&meta)));
        }
    }
    reports.sort();
    Ok(reports)
}

/// The names of the files in `dir`, after deleting the scratch files a
/// killed build left there.
fn pages_in(dir: &Path) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") {
            fs::remove_file(entry.path())
                .with_context(|| format!("cannot delete {}", entry.path().display()))?;
        } else if entry.file_type()?.is_file() {
            names.insert(name);
        }
    }
    Ok(names)
}

/// Bring `out/site/` level with the reports under `out/documents/`. Only
/// the holder of the folder's lock may call this.
pub fn write_site(out: &Path) -> Result<SiteTotals> {
    let site = out.join(SITE_DIR);
    // Earlier versions built the whole site in `.site.part` and moved the
    // old one aside to `.site.old`.
    for name in [".site.part", ".site.old"] {
        let dir = out.join(name);
        if dir.is_dir() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
    }
    let (doc_dir, entity_dir) = (site.join("doc"), site.join("entity"));
    for dir in [&doc_dir, &entity_dir] {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut state = SiteState::open(out, &format())?;
    let reports = report_files(out)?;
    let changes = state.update(&reports, &mut |id| {
        Ok(Summary::of(id, &export::read_report(out, id)?))
    })?;
    tracing::debug!(
        documents = changes.documents,
        entities = changes.entities,
        "site summaries updated"
    );

    // Pages deleted by hand, or never published, are written again; pages
    // no document or entity has any more are deleted once the index no
    // longer links to them.
    let on_disk = pages_in(&doc_dir)?;
    let ids: HashSet<String> = reports.iter().map(|(id, _)| format!("{id}.html")).collect();
    let missing: Vec<String> = reports
        .iter()
        .filter(|(id, _)| !on_disk.contains(&format!("{id}.html")))
        .map(|(id, _)| id.clone())
        .collect();
    let gone_docs: Vec<PathBuf> = on_disk
        .iter()
        .filter(|name| !ids.contains(*name))
        .map(|name| doc_dir.join(name))
        .collect();
    let entities_on_disk = pages_in(&entity_dir)?;
    let entities = state.entities()?;
    let entity_files: HashSet<String> = entities.iter().map(|e| entity_file(e)).collect();
    let missing_entities: Vec<String> = entities
        .iter()
        .filter(|e| !entities_on_disk.contains(&entity_file(e)))
        .cloned()
        .collect();
    let gone_entities: Vec<PathBuf> = entities_on_disk
        .iter()
        .filter(|name| !entity_files.contains(*name))
        .map(|name| entity_dir.join(name))
        .collect();
    state.unmark(&missing, &missing_entities)?;
    pages_in(&site)?;

    let mut pages = Pages::default();
    let documents = state.unpublished_documents()?;
    let mut series: (Option<String>, Vec<Summary>) = (None, Vec::new());
    let mut spliced = 0;
    for doc in &documents {
        let (id, entity) = (&doc.id, &doc.entity);
        if series.0 != *entity || series.1.is_empty() {
            let docs = match entity {
                Some(e) => state.series(e)?,
                None => Vec::new(),
            };
            series = (entity.clone(), docs);
        }
        let refs: Vec<&Summary> = series.1.iter().collect();
        let path = doc_dir.join(format!("{id}.html"));
        if doc.series_only {
            let published = fs::read_to_string(&path).ok();
            if let Some(p) = &published {
                if let Some(page) = document::with_series(p, &refs) {
                    // A chart that looks the same (or none) leaves the page as it is.
                    if page != *p {
                        pages.write(path, page.as_bytes())?;
                        spliced += 1;
                    }
                    continue;
                }
            }
        }
        let summary = match series.1.iter().find(|s| s.id == *id) {
            Some(s) => s.clone(),
            None => state.summary(id)?,
        };
        let report = export::read_report(out, id)?;
        let page = document::render(&report, &summary, &refs);
        drop(report);
        pages.write(path, page.as_bytes())?;
    }
    let entities = state.unpublished_entities()?;
    for entity in &entities {
        let docs = state.series(entity)?;
        let refs: Vec<&Summary> = docs.iter().collect();
        let page = index::entity_page(entity, &refs);
        pages.write(entity_dir.join(entity_file(entity)), page.as_bytes())?;
    }
    let style = site.join("style.css");
    if fs::read(&style).ok().as_deref() != Some(STYLE.as_bytes()) {
        pages.write(style, STYLE.as_bytes())?;
    }
    let index_path = site.join("index.html");
    let index = !state.index_published()? || !index_path.is_file();
    if index {
        index::write_index(&state, &parts::scratch(&index_path))?;
        pages.written(index_path)?;
    }
    pages.flush()?;
    for path in gone_docs.iter().chain(&gone_entities) {
        fs::remove_file(path).with_context(|| format!("cannot delete {}", path.display()))?;
    }
    for dir in [&doc_dir, &entity_dir, &site] {
        export::sync_dir(dir)?;
    }
    let ids: Vec<String> = documents.into_iter().map(|d| d.id).collect();
    state.mark(&ids, &entities, index)?;
    tracing::debug!(
        documents = ids.len(),
        spliced,
        entities = entities.len(),
        index,
        deleted = gone_docs.len() + gone_entities.len(),
        "site pages written"
    );
    let (documents, entities, _, _) = state.totals()?;
    Ok(SiteTotals {
        documents,
        entities,
    })
}
