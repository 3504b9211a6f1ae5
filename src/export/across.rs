//! Findings across documents in the exports: each names its document and
//! the other one (`other_document_id`), and goes in its document's part of
//! the findings, after the rows of the part's documents (see
//! [`super::parts`]); they count in the part's key, so a part is rewritten
//! when its findings across documents change, and only then.

use super::columns::{self, Cell, FINDINGS};
use super::rows::{csv_line, DocumentTotals, Rows};
use super::sqlite::SqliteWriter;
use crate::reconcile::across::CrossFinding;

/// What the findings across documents are listed as in a part's key.
pub const ID: &str = "~across";

/// The rows of the findings across documents, ready for every writer.
#[derive(Debug, Clone, Default)]
pub struct AcrossPiece {
    pub rows: Rows,
    cells: Vec<Vec<Cell>>,
}

impl AcrossPiece {
    pub fn new(findings: &[CrossFinding]) -> AcrossPiece {
        let cells = columns::cross_finding_rows(findings);
        let mut rows = Rows::default();
        for row in &cells {
            rows.findings_csv
                .extend(csv_line(row.iter().map(Cell::as_csv)));
        }
        rows.totals = totals(findings);
        AcrossPiece { rows, cells }
    }

    pub fn insert_into(&self, db: &mut SqliteWriter) -> rusqlite::Result<()> {
        for row in &self.cells {
            db.insert(&FINDINGS, row)?;
        }
        Ok(())
    }
}

/// Findings by severity (no facts, no documents).
pub fn totals(findings: &[CrossFinding]) -> DocumentTotals {
    let mut totals = DocumentTotals::default();
    for f in findings {
        *totals
            .findings_by_severity
            .entry(columns::severity_word(f.finding.severity).to_string())
            .or_default() += 1;
    }
    totals
}
