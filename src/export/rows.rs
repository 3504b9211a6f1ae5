//! A report's rows, rendered once when the report is written and cached under
//! `.rows/<id>.rows`, so that rebuilding the dataset after a crawl only
//! concatenates bytes instead of re-reading and re-rendering every report.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::columns::{self, Cell, ColumnType, Table, DOCUMENTS, FACTS, FINDINGS};
use crate::report::Report;

pub const ROWS_DIR: &str = ".rows";
const MAGIC: &[u8] = b"caizheng.rows/1\n";
/// The byte streams of a document's rows: its documents, facts and
/// findings CSV lines and its facts JSONL lines (see [`Rows::streams`]).
pub const STREAM_COUNT: usize = 4;
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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

pub fn csv_line<C: AsRef<[u8]>>(cells: impl IntoIterator<Item = C>) -> Vec<u8> {
    let mut w = csv_writer();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(cells);
    w.into_inner().unwrap_or_default()
}

/// A CSV writer into memory, lines ended by `\n`: one per stream of a
/// document, not one per line (building them was most of the time rows took).
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn jsonl_line(table: &Table, row: &[Cell], buf: &mut Vec<u8>) {
    buf.push(b'{');
    for (i, (c, cell)) in table.columns.iter().zip(row).enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        // Strings are escaped straight into the buffer: serializing a &str
        // to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, c.name);
        buf.push(b':');
        match cell {
            Cell::Text(s) => {
                let _ = serde_json::to_writer(&mut *buf, s.as_str());
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
            documents_csv: csv_line(columns::document_row(report).iter().map(Cell::as_csv)),
            ..Default::default()
        };
        let (mut facts, mut findings) = (csv_writer(), csv_writer());
        for row in columns::fact_rows(report) {
            // Writing to a Vec cannot fail.
            let _ = facts.write_record(row.iter().map(Cell::as_csv));
            jsonl_line(&FACTS, &row, &mut rows.facts_jsonl);
        }
        for row in columns::finding_rows(report) {
            let _ = findings.write_record(row.iter().map(Cell::as_csv));
        }
        rows.facts_csv = facts.into_inner().unwrap_or_default();
        rows.findings_csv = findings.into_inner().unwrap_or_default();
        rows.totals.facts = report.facts.len() as u64;
        for f in &report.findings {
            *rows
                .totals
                .findings_by_severity
                .entry(columns::severity_word(f.severity).to_string())
                .or_default() += 1;
        }
        rows.totals.error = report.errors.first().map(|e| e.reason.clone());
        rows
    }

    /// The bytes for each of [`Rows::streams`], in that order.
    pub fn streams(&self) -> [&[u8]; STREAM_COUNT] {
        [
            &self.documents_csv,
            &self.facts_csv,
            &self.findings_csv,
            &self.facts_jsonl,
        ]
    }

    fn encode(&self) -> Vec<u8> {
        let totals = serde_json::to_vec(&self.totals).unwrap_or_default();
        let mut parts = vec![totals.as_slice()];
        parts.extend(self.streams());
        let mut bytes = MAGIC.to_vec();
        for part in &parts {
            bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        }
        for part in &parts {
            bytes.extend_from_slice(part);
        }
        bytes
    }
}

pub fn rows_path(out: &Path, document_id: &str) -> PathBuf {
    out.join(ROWS_DIR).join(format!("{document_id}.rows"))
}

pub fn write_rows(out: &Path, document_id: &str, rows: &Rows) -> Result<()> {
    fs::create_dir_all(out.join(ROWS_DIR))?;
    super::write_atomically(&rows_path(out, document_id), &rows.encode())
}

/// A cached rows file opened for reading single streams: the whole file is
/// never needed at once, and each export file wants only its own part.
pub struct RowsFile {
    path: PathBuf,
    file: fs::File,
    /// Lengths of the totals and of each stream, as in the file's header.
    lens: [u64; 5],
}

const HEADER_LEN: u64 = MAGIC.len() as u64 + 40;

impl RowsFile {
    pub fn open(out: &Path, document_id: &str) -> Result<RowsFile> {
        use std::io::Read;
        let path = rows_path(out, document_id);
        let mut file =
            fs::File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut header = [0u8; HEADER_LEN as usize];
        let damaged = || format!("{} is damaged", path.display());
        file.read_exact(&mut header).with_context(damaged)?;
        let Some(lens_bytes) = header.strip_prefix(MAGIC) else {
            bail!("{} is not a rows file", path.display())
        };
        let mut lens = [0u64; 5];
        for (len, le) in lens.iter_mut().zip(lens_bytes.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(le);
            *len = u64::from_le_bytes(bytes);
        }
        let size = file.metadata()?.len();
        if size != HEADER_LEN + lens.iter().sum::<u64>() {
            bail!("{}: truncated rows file", path.display());
        }
        Ok(RowsFile { path, file, lens })
    }

    fn part(&mut self, index: usize) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let start = HEADER_LEN + self.lens[..index].iter().sum::<u64>();
        self.file.seek(SeekFrom::Start(start))?;
        let mut bytes = vec![0u8; self.lens[index] as usize];
        self.file
            .read_exact(&mut bytes)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        Ok(bytes)
    }

    pub fn totals(&mut self) -> Result<DocumentTotals> {
        let bytes = self.part(0)?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is damaged", self.path.display()))
    }

    /// The rows of stream `stream` (an index into [`Rows::streams`]).
    pub fn stream(&mut self, stream: usize) -> Result<Vec<u8>> {
        self.part(stream + 1)
    }

    /// The rows of the three tables as cells, for the database.
    pub fn table_rows(&mut self) -> Result<[TableRows; 3]> {
        Ok([
            (&DOCUMENTS, parse_csv(&DOCUMENTS, &self.stream(0)?)?),
            (&FACTS, parse_csv(&FACTS, &self.stream(1)?)?),
            (&FINDINGS, parse_csv(&FINDINGS, &self.stream(2)?)?),
        ])
    }
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
        let out = tempfile::tempdir().unwrap();
        write_rows(out.path(), "ab", &rows).unwrap();
        let mut file = RowsFile::open(out.path(), "ab").unwrap();
        assert_eq!(file.totals().unwrap(), rows.totals);
        for (i, bytes) in rows.streams().iter().enumerate().rev() {
            assert_eq!(&file.stream(i).unwrap(), bytes);
        }
        let path = rows_path(out.path(), "ab");
        let whole = fs::read(&path).unwrap();
        fs::write(&path, &whole[..whole.len() - 1]).unwrap();
        assert!(RowsFile::open(out.path(), "ab").is_err());
        let parsed = parse_csv(&DOCUMENTS, &rows.documents_csv).unwrap();
        let direct = columns::document_row(&report);
        assert_eq!(parsed, vec![direct]);
    }
}
