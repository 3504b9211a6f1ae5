//! A report's rows, rendered once when the report is written and cached under
//! `.rows/<id>.rows`, so that rebuilding the dataset after a crawl only
//! concatenates bytes instead of re-reading and re-rendering every report.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::tables::{self, Cell, ColumnType, Table, DOCUMENTS, FACTS, FINDINGS};
use crate::report::Report;

pub const ROWS_DIR: &str = ".rows";
const MAGIC: &[u8] = b"caizheng.rows/1\n";

/// What the end-of-run summary needs to know about one document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentTotals {
    pub facts: u64,
    pub findings_by_severity: BTreeMap<String, u64>,
    /// Reason of the first error, if the document (or part of it) could not be read.
    pub error: Option<String>,
}

/// One document's rows in the exact bytes they take in each export file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    pub totals: DocumentTotals,
    pub documents_csv: Vec<u8>,
    pub facts_csv: Vec<u8>,
    pub findings_csv: Vec<u8>,
    pub facts_jsonl: Vec<u8>,
}

pub fn csv_line(cells: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(cells);
    w.into_inner().unwrap_or_default()
}

fn jsonl_line(table: &Table, row: &[Cell], buf: &mut Vec<u8>) {
    buf.push(b'{');
    for (i, (c, cell)) in table.columns.iter().zip(row).enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(serde_json::Value::from(c.name).to_string().as_bytes());
        buf.push(b':');
        match cell {
            Cell::Text(s) => {
                buf.extend_from_slice(serde_json::Value::from(s.as_str()).to_string().as_bytes())
            }
            Cell::Int(n) => buf.extend_from_slice(n.to_string().as_bytes()),
            Cell::Null => buf.extend_from_slice(b"null"),
        }
    }
    buf.extend_from_slice(b"}\n");
}

impl Rows {
    pub fn render(report: &Report) -> Rows {
        let mut rows = Rows {
            documents_csv: csv_line(tables::document_row(report).iter().map(Cell::as_csv)),
            ..Default::default()
        };
        for row in tables::fact_rows(report) {
            rows.facts_csv
                .extend(csv_line(row.iter().map(Cell::as_csv)));
            jsonl_line(&FACTS, &row, &mut rows.facts_jsonl);
        }
        for row in tables::finding_rows(report) {
            rows.findings_csv
                .extend(csv_line(row.iter().map(Cell::as_csv)));
        }
        rows.totals.facts = report.facts.len() as u64;
        for f in &report.findings {
            *rows
                .totals
                .findings_by_severity
                .entry(tables::severity_word(f.severity).to_string())
                .or_default() += 1;
        }
        rows.totals.error = report.errors.first().map(|e| e.reason.clone());
        rows
    }

    fn encode(&self) -> Vec<u8> {
        let totals = serde_json::to_vec(&self.totals).unwrap_or_default();
        let parts = [
            &totals,
            &self.documents_csv,
            &self.facts_csv,
            &self.findings_csv,
            &self.facts_jsonl,
        ];
        let mut bytes = MAGIC.to_vec();
        for part in parts {
            bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        }
        for part in parts {
            bytes.extend_from_slice(part);
        }
        bytes
    }

    fn decode(bytes: &[u8]) -> Result<Rows> {
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            bail!("not a rows file")
        };
        if rest.len() < 40 {
            bail!("truncated rows file");
        }
        let mut lens = [0usize; 5];
        for (i, len) in lens.iter_mut().enumerate() {
            let mut le = [0u8; 8];
            le.copy_from_slice(&rest[i * 8..i * 8 + 8]);
            *len = u64::from_le_bytes(le) as usize;
        }
        let mut body = &rest[40..];
        if body.len() != lens.iter().sum::<usize>() {
            bail!("truncated rows file");
        }
        let mut take = |n: usize| {
            let (head, tail) = body.split_at(n);
            body = tail;
            head.to_vec()
        };
        let totals = serde_json::from_slice(&take(lens[0]))?;
        Ok(Rows {
            totals,
            documents_csv: take(lens[1]),
            facts_csv: take(lens[2]),
            findings_csv: take(lens[3]),
            facts_jsonl: take(lens[4]),
        })
    }
}

pub fn rows_path(out: &Path, document_id: &str) -> PathBuf {
    out.join(ROWS_DIR).join(format!("{document_id}.rows"))
}

pub fn write_rows(out: &Path, document_id: &str, rows: &Rows) -> Result<()> {
    let path = rows_path(out, document_id);
    fs::create_dir_all(out.join(ROWS_DIR))?;
    let tmp = path.with_extension("rows.part");
    fs::write(&tmp, rows.encode()).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn read_rows(out: &Path, document_id: &str) -> Result<Rows> {
    let path = rows_path(out, document_id);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Rows::decode(&bytes).with_context(|| format!("{} is damaged", path.display()))
}

/// Cells of `table` back from its CSV lines (the inverse of [`Cell::as_csv`]).
pub fn parse_csv(table: &Table, csv_bytes: &[u8]) -> Result<Vec<Vec<Cell>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_bytes);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let cells = table
            .columns
            .iter()
            .zip(record.iter())
            .map(|(c, field)| match (field.is_empty(), c.kind) {
                (true, _) => Cell::Null,
                (false, ColumnType::Integer) => field
                    .parse()
                    .map_or_else(|_| Cell::Text(field.to_string()), Cell::Int),
                (false, _) => Cell::Text(field.to_string()),
            })
            .collect();
        rows.push(cells);
    }
    Ok(rows)
}

/// A table and some of its rows.
pub type TableRows = (&'static Table, Vec<Vec<Cell>>);

/// Every table with the rows of `rows` that belong to it.
pub fn table_rows(rows: &Rows) -> Result<[TableRows; 3]> {
    Ok([
        (&DOCUMENTS, parse_csv(&DOCUMENTS, &rows.documents_csv)?),
        (&FACTS, parse_csv(&FACTS, &rows.facts_csv)?),
        (&FINDINGS, parse_csv(&FINDINGS, &rows.findings_csv)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DocumentInfo;

    #[test]
    fn rows_survive_the_cache_file_and_parse_back_to_cells() {
        let mut report = Report::new(DocumentInfo {
            sha256: "ab".into(),
            source: "a,\"b\"\nc.txt".into(),
            ..Default::default()
        });
        report.errors.push(crate::report::ReportError {
            reason: "empty".into(),
            message: "the file is empty".into(),
        });
        let rows = Rows::render(&report);
        assert_eq!(Rows::decode(&rows.encode()).unwrap(), rows);
        assert!(Rows::decode(&rows.encode()[..50]).is_err());
        let parsed = parse_csv(&DOCUMENTS, &rows.documents_csv).unwrap();
        let direct = tables::document_row(&report);
        assert_eq!(parsed, vec![direct]);
    }
}
