//! Open-data exports of many reports: `documents/<sha256>.json` per document,
//! then `documents.csv`, `facts.csv`, `facts.jsonl`, `findings.csv`,
//! `datapackage.json` and `caizheng.sqlite`.
//!
//! Each report's rows are rendered once, when the report is written, into a
//! cache file ([`rows`]). The four row files (CSV, JSONL) and the database
//! are then written side by side, one thread each, streaming in document-id
//! order (one document's rows in memory at a time). After a crawl only the
//! changed documents' rows are read: the rest is copied from the previous
//! files by the kernel ([`layout`]), and the database is updated in place.
//!
//! The CSV, JSONL and JSON files are a pure function of the reports — rows
//! sorted by document id then report order, no timestamps — so the same
//! inputs give byte-identical files, incremental or not. The SQLite database
//! is byte-identical when built fresh; after an incremental update it holds
//! the same rows, but its page layout differs (`caizheng run --force`
//! rebuilds it).

pub mod datapackage;
pub mod layout;
pub mod rows;
pub mod sqlite;
pub mod tables;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::report::Report;
use rows::Rows;
use tables::{Table, DOCUMENTS, FACTS, FINDINGS};

pub const DOCUMENTS_DIR: &str = "documents";
pub const SQLITE_FILE: &str = "caizheng.sqlite";
pub const FACTS_JSONL: &str = "facts.jsonl";
pub const DATAPACKAGE: &str = "datapackage.json";

/// Where the per-document report of `document_id` lives under `out`.
pub fn report_path(out: &Path, document_id: &str) -> PathBuf {
    out.join(DOCUMENTS_DIR).join(format!("{document_id}.json"))
}

/// Write `path` through a scratch file renamed into place, so an interrupted
/// run never leaves a half-written file that a later run would trust.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.part");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// Write one per-document report (schema `caizheng.report/1`, pretty JSON)
/// and its rendered rows; returns the report's totals.
pub fn write_report(out: &Path, report: &Report) -> Result<rows::DocumentTotals> {
    let dir = out.join(DOCUMENTS_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let id = tables::document_id(report);
    let path = report_path(out, id);
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    write_atomically(&path, &json).with_context(|| format!("cannot write {}", path.display()))?;
    let rows = Rows::render(report);
    rows::write_rows(out, id, &rows)?;
    Ok(rows.totals)
}

pub fn read_report(out: &Path, document_id: &str) -> Result<Report> {
    let path = report_path(out, document_id);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a caizheng report", path.display()))
}

/// What reports are on disk under `out`, listed once per run: which
/// documents have both their report and its rows, and every file
/// [`Written::prune`] may have to remove.
#[derive(Debug, Default)]
pub struct Written {
    complete: std::collections::HashSet<String>,
    /// Per-document files with the id they belong to; `None` for scratch
    /// files of an interrupted run.
    files: Vec<(Option<String>, PathBuf)>,
}

impl Written {
    pub fn list(out: &Path) -> Result<Written> {
        let mut written = Written::default();
        let mut reports = std::collections::HashSet::new();
        for (dir, suffix) in [(DOCUMENTS_DIR, ".json"), (rows::ROWS_DIR, ".rows")] {
            let dir = out.join(dir);
            if !dir.is_dir() {
                continue;
            }
            let listing =
                fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
            for entry in listing {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let id = match name.strip_suffix(suffix) {
                    Some(id) => Some(id.to_string()),
                    None if name.ends_with(PART) => None,
                    None => continue, // the layout and spare files live here too
                };
                match (&id, suffix) {
                    (Some(id), ".json") => {
                        reports.insert(id.clone());
                    }
                    (Some(id), _) if reports.contains(id) => {
                        written.complete.insert(id.clone());
                    }
                    _ => {}
                }
                written.files.push((id, entry.path()));
            }
        }
        Ok(written)
    }

    /// Whether the report of `document_id` and its rows were both on disk.
    pub fn contains(&self, document_id: &str) -> bool {
        self.complete.contains(document_id)
    }

    /// Remove the listed reports of documents not in `keep` (sorted), and
    /// scratch files: the out dir then describes exactly this run.
    pub fn prune(&self, keep: &[String]) -> Result<()> {
        for (id, path) in &self.files {
            let stale = id.as_ref().is_none_or(|id| keep.binary_search(id).is_err());
            if stale {
                match fs::remove_file(path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(e).with_context(|| format!("cannot remove {}", path.display()))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Totals over the exported documents, for the end-of-run table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub documents: u64,
    pub facts: u64,
    pub findings_by_severity: BTreeMap<String, u64>,
    /// Documents with at least one error, by the first error's reason.
    pub errors_by_reason: BTreeMap<String, u64>,
}

impl ExportSummary {
    pub fn findings(&self) -> u64 {
        self.findings_by_severity.values().sum()
    }

    pub fn documents_with_errors(&self) -> u64 {
        self.errors_by_reason.values().sum()
    }

    pub fn add(&mut self, totals: &rows::DocumentTotals) {
        self.documents += 1;
        self.facts += totals.facts;
        for (severity, n) in &totals.findings_by_severity {
            *self
                .findings_by_severity
                .entry(severity.clone())
                .or_default() += n;
        }
        if let Some(reason) = &totals.error {
            *self.errors_by_reason.entry(reason.clone()).or_default() += 1;
        }
    }
}

const PART: &str = ".part";

fn part(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}{PART}"))
}

/// One of the row files: every document contributes a stretch of rows, in
/// document-id order, after the header.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    pub file: &'static str,
    /// The table whose column names head the file (CSV only).
    pub header: Option<&'static Table>,
}

impl Stream {
    fn header_bytes(&self) -> Vec<u8> {
        self.header.map_or_else(Vec::new, |table| {
            rows::csv_line(table.columns.iter().map(|c| c.name.to_string()))
        })
    }

    pub fn header_len(&self) -> u64 {
        self.header_bytes().len() as u64
    }
}

/// The row files, in the order [`Rows::streams`] gives their bytes.
pub const STREAMS: [Stream; 4] = [
    Stream {
        file: "documents.csv",
        header: Some(&DOCUMENTS),
    },
    Stream {
        file: "facts.csv",
        header: Some(&FACTS),
    },
    Stream {
        file: "findings.csv",
        header: Some(&FINDINGS),
    },
    Stream {
        file: FACTS_JSONL,
        header: None,
    },
];

/// Final names of the files [`write_exports`] writes, relative to the out dir.
pub fn export_files() -> Vec<String> {
    let mut names: Vec<String> = STREAMS.iter().map(|s| s.file.to_string()).collect();
    names.extend([DATAPACKAGE, SQLITE_FILE].map(String::from));
    names
}

/// How to bring the exports up to date.
#[derive(Debug, Clone, Copy)]
pub enum ExportMode<'a> {
    /// Build every file anew from the cached rows.
    Fresh,
    /// Reuse what the previous export holds for documents not in `replaced`
    /// (reports rewritten since): the row files are spliced from their
    /// previous versions (same bytes as a fresh build) and the database is
    /// updated in place. Falls back to a fresh build for whatever has no
    /// usable previous version.
    Incremental { replaced: &'a [String] },
}

/// What one row file gets for one document: a stretch of its previous
/// version, or the document's cached rows.
#[derive(Debug, Clone, Copy)]
enum Piece<'a> {
    Reused {
        offsets: [u64; STREAMS.len()],
        extents: [u64; STREAMS.len()],
    },
    Cached {
        id: &'a str,
        extents: [u64; STREAMS.len()],
    },
}

/// Write row file `index` of [`STREAMS`] (as its `.part`) following `plan`.
fn write_stream(out: &Path, index: usize, plan: &[Piece], splice: bool) -> Result<()> {
    let stream = &STREAMS[index];
    let path = part(out, stream.file);
    // Overwriting the previous generation's file in place is cheaper than
    // allocating a new one and freeing the old; a spare someone else links to
    // is left alone.
    let spare = spare_path(out, stream.file);
    let reuse = fs::symlink_metadata(&spare)
        .is_ok_and(|m| m.is_file() && std::os::unix::fs::MetadataExt::nlink(&m) == 1)
        && fs::rename(&spare, &path).is_ok();
    let file = if reuse {
        fs::OpenOptions::new().write(true).open(&path)
    } else {
        File::create(&path)
    }
    .with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    w.write_all(&stream.header_bytes())?;
    let previous = if splice {
        Some(
            File::open(out.join(stream.file))
                .with_context(|| format!("cannot reopen {}", stream.file))?,
        )
    } else {
        None
    };
    let mut splicer = layout::Splicer::new(w, previous);
    for piece in plan {
        match *piece {
            Piece::Reused { offsets, extents } => splicer.copy(offsets[index], extents[index])?,
            Piece::Cached { id, extents } if extents[index] > 0 => {
                let bytes = rows::RowsFile::open(out, id)?.stream(index)?;
                if bytes.len() as u64 != extents[index] {
                    bail!("the cached rows of {id} changed during the export");
                }
                splicer.write(&bytes)?;
            }
            Piece::Cached { .. } => {}
        }
    }
    splicer
        .finish()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Bring the database up to date: in place when `incremental` and the
/// database is usable (documents no longer listed and `replaced` ones are
/// deleted, missing ones inserted), else built anew as its `.part`.
/// Returns whether it was built anew.
fn write_database(
    out: &Path,
    ids: &[&String],
    replaced: &[&str],
    incremental: bool,
) -> Result<bool> {
    let is_replaced = |id: &str| replaced.binary_search(&id).is_ok();
    let updating = if incremental {
        sqlite::SqliteWriter::open_for_update(&out.join(SQLITE_FILE))
    } else {
        None
    };
    let (mut db, to_insert, fresh) = match updating {
        Some(mut db) => {
            let present = db.document_ids()?;
            let has = |id: &str| present.binary_search_by(|p| p.as_str().cmp(id)).is_ok();
            let listed = |id: &str| ids.binary_search_by(|x| x.as_str().cmp(id)).is_ok();
            for id in present.iter().filter(|id| !listed(id) || is_replaced(id)) {
                db.delete_document(id)?;
            }
            let insert: Vec<&str> = ids
                .iter()
                .map(|s| s.as_str())
                .filter(|id| !has(id) || is_replaced(id))
                .collect();
            (db, insert, false)
        }
        None => {
            let path = part(out, SQLITE_FILE);
            let _ = fs::remove_file(&path);
            let db =
                sqlite::SqliteWriter::create(&path).context("cannot create the SQLite database")?;
            (db, ids.iter().map(|s| s.as_str()).collect(), true)
        }
    };
    for id in to_insert {
        for (table, cells) in rows::RowsFile::open(out, id)?.table_rows()? {
            for row in cells {
                db.insert(table, &row)?;
            }
        }
    }
    db.finish().context("cannot finish the SQLite database")?;
    Ok(fresh)
}

fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("an export writer panicked")))
}

/// Where a row file's previous generation is kept for [`write_stream`] to overwrite.
fn spare_path(out: &Path, file: &str) -> PathBuf {
    out.join(rows::ROWS_DIR).join(format!("{file}.spare"))
}

/// Move `from` to `to`, replacing it. The old file is moved aside first:
/// ext4 flushes a file renamed over another one (`auto_da_alloc`), which
/// would make the run wait for the disk.
fn replace_file(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut aside = to.as_os_str().to_owned();
    aside.push(".old.part");
    let moved_aside = fs::rename(to, &aside).is_ok();
    fs::rename(from, to)?;
    if moved_aside {
        fs::remove_file(&aside)?;
    }
    Ok(())
}

/// Rebuild every export under `out` from the reports of `document_ids`
/// (written with [`write_report`]). Ids are sorted here. The row files and
/// the database are written side by side, one thread each.
pub fn write_exports(
    out: &Path,
    document_ids: &[String],
    mode: ExportMode,
) -> Result<ExportSummary> {
    let mut ids: Vec<&String> = document_ids.iter().collect();
    ids.sort();
    ids.dedup();
    let mut replaced: Vec<&str> = Vec::new();
    let mut previous = None;
    if let ExportMode::Incremental { replaced: r } = mode {
        replaced = r.iter().map(String::as_str).collect();
        replaced.sort_unstable();
        previous = layout::Layout::load_current(out);
    }
    let is_replaced = |id: &str| replaced.binary_search(&id).is_ok();

    let mut cursor = previous.as_ref().map(|p| p.cursor());
    let mut plan = Vec::with_capacity(ids.len());
    let mut layout = layout::Layout::default();
    let mut summary = ExportSummary::default();
    for id in &ids {
        let reused = match cursor.as_mut() {
            Some(c) if !is_replaced(id) => c.find(id),
            _ => None,
        };
        let entry = match reused {
            Some((entry, offsets)) => {
                plan.push(Piece::Reused {
                    offsets,
                    extents: entry.extents,
                });
                entry.clone()
            }
            None => {
                let mut file = rows::RowsFile::open(out, id)?;
                let extents = file.extents();
                plan.push(Piece::Cached { id, extents });
                layout::Entry {
                    id: id.to_string(),
                    extents,
                    totals: file.totals()?,
                }
            }
        };
        summary.add(&entry.totals);
        layout.push(entry);
    }

    let splice = previous.is_some();
    let incremental = matches!(mode, ExportMode::Incremental { .. });
    let (fresh_db, streams) = std::thread::scope(|scope| {
        let db = scope.spawn(|| write_database(out, &ids, &replaced, incremental));
        let streams: Vec<_> = (0..STREAMS.len())
            .map(|index| {
                let plan = &plan;
                scope.spawn(move || write_stream(out, index, plan, splice))
            })
            .collect();
        let streams: Result<Vec<()>> = streams.into_iter().map(joined).collect();
        (joined(db), streams)
    });
    streams?;
    let fresh_db = fresh_db?;
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor())?;
    package.push(b'\n');
    fs::write(part(out, DATAPACKAGE), package)?;

    // No layout may vouch for files while they are being replaced.
    layout::Layout::remove(out);
    for stream in &STREAMS {
        let current = out.join(stream.file);
        if current.is_file() {
            fs::rename(&current, spare_path(out, stream.file))
                .with_context(|| format!("cannot move {} aside", stream.file))?;
        }
        fs::rename(part(out, stream.file), &current)
            .with_context(|| format!("cannot move {} into place", stream.file))?;
    }
    let mut others = vec![DATAPACKAGE];
    if fresh_db {
        others.push(SQLITE_FILE);
    }
    for name in others {
        replace_file(&part(out, name), &out.join(name))
            .with_context(|| format!("cannot move {name} into place"))?;
    }
    layout.save(out)?;
    Ok(summary)
}

/// Write the per-document reports and every export (fresh) for `reports`:
/// the whole export step for callers that already hold their reports.
pub fn export_reports<'a>(
    out: &Path,
    reports: impl IntoIterator<Item = &'a Report>,
) -> Result<ExportSummary> {
    let mut ids = Vec::new();
    for report in reports {
        write_report(out, report)?;
        ids.push(tables::document_id(report).to_string());
    }
    write_exports(out, &ids, ExportMode::Fresh)
}
