//! Open-data exports of many reports: `documents/<sha256>.json` per document,
//! then `documents.csv`, `facts.csv`, `facts.jsonl`, `findings.csv`,
//! `datapackage.json` and `caizheng.sqlite`, rebuilt by streaming the
//! per-document JSONs in document-id order (one report in memory at a time).
//!
//! Output is a pure function of the reports: rows sorted by document id then
//! report order, no timestamps, so the same inputs give byte-identical files.

pub mod datapackage;
pub mod sqlite;
pub mod tables;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::report::Report;
use tables::{Cell, Table, DOCUMENTS, FACTS, FINDINGS};

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

/// Write one per-document report (schema `caizheng.report/1`, pretty JSON).
pub fn write_report(out: &Path, report: &Report) -> Result<PathBuf> {
    let dir = out.join(DOCUMENTS_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = report_path(out, tables::document_id(report));
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    write_atomically(&path, &json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

pub fn read_report(out: &Path, document_id: &str) -> Result<Report> {
    let path = report_path(out, document_id);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a caizheng report", path.display()))
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

    fn add(&mut self, report: &Report) {
        self.documents += 1;
        self.facts += report.facts.len() as u64;
        for f in &report.findings {
            *self
                .findings_by_severity
                .entry(tables::severity_word(f.severity).to_string())
                .or_default() += 1;
        }
        if let Some(e) = report.errors.first() {
            *self.errors_by_reason.entry(e.reason.clone()).or_default() += 1;
        }
    }
}

type CsvOut = csv::Writer<BufWriter<File>>;

fn csv_writer(path: &Path, table: &Table) -> Result<CsvOut> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 16, file));
    w.write_record(table.columns.iter().map(|c| c.name))?;
    Ok(w)
}

fn write_csv_row(w: &mut CsvOut, row: &[Cell]) -> Result<()> {
    w.write_record(row.iter().map(Cell::as_csv))?;
    Ok(())
}

fn write_jsonl_row(w: &mut impl Write, table: &Table, row: &[Cell]) -> Result<()> {
    w.write_all(b"{")?;
    for (i, (c, cell)) in table.columns.iter().zip(row).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, c.name)?;
        w.write_all(b":")?;
        match cell {
            Cell::Text(s) => serde_json::to_writer(&mut *w, s)?,
            Cell::Int(n) => write!(w, "{n}")?,
            Cell::Null => w.write_all(b"null")?,
        }
    }
    w.write_all(b"}\n")?;
    Ok(())
}

/// The export files, written under scratch names and renamed into place together.
struct Writers {
    documents: CsvOut,
    facts: CsvOut,
    findings: CsvOut,
    facts_jsonl: BufWriter<File>,
    sqlite: sqlite::SqliteWriter,
}

const PART: &str = ".part";

fn part(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}{PART}"))
}

/// Final names of everything [`write_exports`] produces, relative to the out dir.
pub fn export_files() -> Vec<String> {
    let mut names: Vec<String> = [DOCUMENTS, FACTS, FINDINGS]
        .iter()
        .map(|t| format!("{}.csv", t.name))
        .collect();
    names.extend([FACTS_JSONL, DATAPACKAGE, SQLITE_FILE].map(String::from));
    names
}

/// Rebuild every export under `out` from the per-document reports of
/// `document_ids` (already written with [`write_report`]). Ids are sorted here.
pub fn write_exports(out: &Path, document_ids: &[String]) -> Result<ExportSummary> {
    let mut ids: Vec<&String> = document_ids.iter().collect();
    ids.sort();
    ids.dedup();

    let sqlite_part = part(out, SQLITE_FILE);
    let _ = fs::remove_file(&sqlite_part);
    let mut w = Writers {
        documents: csv_writer(&part(out, "documents.csv"), &DOCUMENTS)?,
        facts: csv_writer(&part(out, "facts.csv"), &FACTS)?,
        findings: csv_writer(&part(out, "findings.csv"), &FINDINGS)?,
        facts_jsonl: BufWriter::with_capacity(1 << 16, File::create(part(out, FACTS_JSONL))?),
        sqlite: sqlite::SqliteWriter::create(&sqlite_part)
            .context("cannot create the SQLite database")?,
    };

    let mut summary = ExportSummary::default();
    for id in ids {
        let report = read_report(out, id)?;
        summary.add(&report);
        let row = tables::document_row(&report);
        write_csv_row(&mut w.documents, &row)?;
        w.sqlite.insert(&DOCUMENTS, &row)?;
        for row in tables::fact_rows(&report) {
            write_csv_row(&mut w.facts, &row)?;
            write_jsonl_row(&mut w.facts_jsonl, &FACTS, &row)?;
            w.sqlite.insert(&FACTS, &row)?;
        }
        for row in tables::finding_rows(&report) {
            write_csv_row(&mut w.findings, &row)?;
            w.sqlite.insert(&FINDINGS, &row)?;
        }
    }

    for csv in [w.documents, w.facts, w.findings] {
        csv.into_inner()
            .map_err(|e| anyhow::anyhow!("cannot flush a CSV file: {e}"))?
            .flush()?;
    }
    w.facts_jsonl.flush()?;
    w.sqlite
        .finish()
        .context("cannot finish the SQLite database")?;
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor())?;
    package.push(b'\n');
    fs::write(part(out, DATAPACKAGE), package)?;

    for name in export_files() {
        fs::rename(part(out, &name), out.join(&name))
            .with_context(|| format!("cannot move {name} into place"))?;
    }
    Ok(summary)
}

/// Write the per-document reports and every export for `reports`: the whole
/// export step for callers that already hold their reports (tests, small runs).
pub fn export_reports<'a>(
    out: &Path,
    reports: impl IntoIterator<Item = &'a Report>,
) -> Result<ExportSummary> {
    let mut ids = Vec::new();
    for report in reports {
        write_report(out, report)?;
        ids.push(tables::document_id(report).to_string());
    }
    write_exports(out, &ids)
}
