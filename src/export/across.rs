//! Findings across documents in the exports: after every document's rows,
//! one more stretch of `findings.csv` rows (and of the database's findings
//! table), each naming its document and the other one
//! (`other_document_id`). They are rebuilt by every export that rewrites the
//! files, through the same scratch files and renames as the rest, so a
//! published file never holds half of them; in the layout they are one
//! entry, [`ID`], sorting after every document id.

use super::rows::{csv_line, DocumentTotals, Rows};
use super::sqlite::SqliteWriter;
use super::tables::{self, Cell, FINDINGS};
use crate::reconcile::across::CrossFinding;

/// The layout entry of the findings across documents: `~` sorts after the hex document ids.
pub const ID: &str = "~across";

/// The rows of the findings across documents, ready for every writer.
#[derive(Debug, Clone, Default)]
pub struct AcrossPiece {
    pub rows: Rows,
    cells: Vec<Vec<Cell>>,
}

impl AcrossPiece {
    pub fn new(findings: &[CrossFinding]) -> AcrossPiece {
        let cells = tables::cross_finding_rows(findings);
        let mut rows = Rows::default();
        for row in &cells {
            rows.findings_csv
                .extend(csv_line(row.iter().map(Cell::as_csv)));
        }
        rows.totals = totals(findings);
        AcrossPiece { rows, cells }
    }

    /// Replace whatever findings across documents the database holds with these.
    pub fn replace_in(&self, db: &mut SqliteWriter) -> rusqlite::Result<()> {
        db.delete_across()?;
        self.insert_into(db)
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
            .entry(tables::severity_word(f.finding.severity).to_string())
            .or_default() += 1;
    }
    totals
}
