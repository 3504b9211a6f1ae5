//! Open-data exports of many reports: `documents/<sha256>.json` per document,
//! then `documents.csv`, `facts.csv`, `facts.jsonl`, `findings.csv`,
//! `datapackage.json` and `caizheng.sqlite`.
//!
//! Each report's rows are rendered once, when the report is written, into a
//! cache file ([`rows`]); the dataset is then rebuilt by streaming those in
//! document-id order (one document in memory at a time). The CSV, JSONL and
//! JSON files are a pure function of the reports — rows sorted by document id
//! then report order, no timestamps — so the same inputs give byte-identical
//! files. The SQLite database is byte-identical when built fresh; after an
//! incremental update it holds the same rows, but its page layout differs.

pub mod datapackage;
pub mod rows;
pub mod sqlite;
pub mod tables;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

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

/// Whether the report of `document_id` and its rows are both on disk.
pub fn is_written(out: &Path, document_id: &str) -> bool {
    report_path(out, document_id).is_file() && rows::rows_path(out, document_id).is_file()
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

fn output(path: &Path, header: Option<&Table>) -> Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    if let Some(table) = header {
        w.write_all(&rows::csv_line(
            table.columns.iter().map(|c| c.name.to_string()),
        ))?;
    }
    Ok(w)
}

/// Final names of the files [`write_exports`] writes, relative to the out dir.
pub fn export_files() -> Vec<String> {
    let mut names: Vec<String> = [DOCUMENTS, FACTS, FINDINGS]
        .iter()
        .map(|t| format!("{}.csv", t.name))
        .collect();
    names.extend([FACTS_JSONL, DATAPACKAGE, SQLITE_FILE].map(String::from));
    names
}

/// How to bring `caizheng.sqlite` up to date.
#[derive(Debug, Clone, Copy)]
pub enum SqliteMode<'a> {
    /// Build it anew (deterministic bytes).
    Rebuild,
    /// Update the existing database in place: drop documents no longer
    /// listed, (re)insert the listed ones it lacks and those in `replaced`
    /// (reports rewritten since). Falls back to a rebuild when there is no
    /// usable database.
    Update { replaced: &'a [String] },
}

/// Rebuild every export under `out` from the reports of `document_ids`
/// (written with [`write_report`]). Ids are sorted here.
pub fn write_exports(
    out: &Path,
    document_ids: &[String],
    mode: SqliteMode,
) -> Result<ExportSummary> {
    let mut ids: Vec<&String> = document_ids.iter().collect();
    ids.sort();
    ids.dedup();

    let sqlite_path = out.join(SQLITE_FILE);
    let sqlite_part = part(out, SQLITE_FILE);
    let updating = match mode {
        SqliteMode::Update { replaced } => {
            sqlite::SqliteWriter::open_for_update(&sqlite_path).map(|w| (w, replaced))
        }
        SqliteMode::Rebuild => None,
    };
    // Ids to insert into the database: all of them, or those it lacks or holds stale.
    let (mut db, to_insert): (
        sqlite::SqliteWriter,
        Option<std::collections::HashSet<&str>>,
    ) = match updating {
        Some((mut db, replaced)) => {
            let present = db.document_ids()?;
            let mut stale: Vec<&str> = present
                .iter()
                .filter(|id| ids.binary_search_by(|x| x.as_str().cmp(id)).is_err())
                .map(String::as_str)
                .collect();
            stale.extend(
                replaced
                    .iter()
                    .map(String::as_str)
                    .filter(|id| present.binary_search_by(|p| p.as_str().cmp(id)).is_ok()),
            );
            for id in stale {
                db.delete_document(id)?;
            }
            let mut insert: std::collections::HashSet<&str> =
                replaced.iter().map(String::as_str).collect();
            insert.extend(
                ids.iter()
                    .map(|s| s.as_str())
                    .filter(|id| present.binary_search_by(|p| p.as_str().cmp(id)).is_err()),
            );
            (db, Some(insert))
        }
        None => {
            let _ = fs::remove_file(&sqlite_part);
            let db = sqlite::SqliteWriter::create(&sqlite_part)
                .context("cannot create the SQLite database")?;
            (db, None)
        }
    };

    let mut documents_csv = output(&part(out, "documents.csv"), Some(&DOCUMENTS))?;
    let mut facts_csv = output(&part(out, "facts.csv"), Some(&FACTS))?;
    let mut findings_csv = output(&part(out, "findings.csv"), Some(&FINDINGS))?;
    let mut facts_jsonl = output(&part(out, FACTS_JSONL), None)?;

    let mut summary = ExportSummary::default();
    for id in ids {
        let rows = rows::read_rows(out, id)?;
        summary.add(&rows.totals);
        documents_csv.write_all(&rows.documents_csv)?;
        facts_csv.write_all(&rows.facts_csv)?;
        findings_csv.write_all(&rows.findings_csv)?;
        facts_jsonl.write_all(&rows.facts_jsonl)?;
        if to_insert
            .as_ref()
            .is_none_or(|set| set.contains(id.as_str()))
        {
            for (table, cells) in rows::table_rows(&rows)? {
                for row in cells {
                    db.insert(table, &row)?;
                }
            }
        }
    }
    for mut w in [documents_csv, facts_csv, findings_csv, facts_jsonl] {
        w.flush()?;
    }
    let fresh_db = to_insert.is_none();
    db.finish().context("cannot finish the SQLite database")?;
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor())?;
    package.push(b'\n');
    fs::write(part(out, DATAPACKAGE), package)?;

    for name in export_files() {
        if name == SQLITE_FILE && !fresh_db {
            continue;
        }
        fs::rename(part(out, &name), out.join(&name))
            .with_context(|| format!("cannot move {name} into place"))?;
    }
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
    write_exports(out, &ids, SqliteMode::Rebuild)
}
