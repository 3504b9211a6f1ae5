//! Every recognised table of a document as a CSV file of its own, the way
//! tabula and camelot users expect: `tables/<document id>/NN-<kind>-p<page>-<unit>.csv`,
//! the cells as printed (header rows first), and `index.csv` beside them
//! naming each file's title, kind, page, unit and header rows.
//!
//! A document's tables are written to a scratch directory that replaces the
//! old one only when complete, before the report itself is written: a run
//! killed midway leaves either the old tables or the new, never a mix, and
//! the document is read again by the next run.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::report::TableGrid;

pub const TABLES_DIR: &str = "tables";

/// The directory of one document's table files.
pub fn tables_dir(out: &Path, document_id: &str) -> PathBuf {
    out.join(TABLES_DIR).join(document_id)
}

/// The file name of a document's `n`th table (from 1).
pub fn file_name(n: usize, grid: &TableGrid) -> String {
    let mut name = format!("{n:02}-{}", grid.kind);
    if let Some(page) = grid.page {
        name.push_str(&format!("-p{page}"));
    }
    if let Some(unit) = &grid.unit {
        name.push('-');
        name.push_str(unit);
    }
    name.push_str(".csv");
    name
}

/// Write the tables of a document (none: its directory is removed).
pub fn write_tables(out: &Path, document_id: &str, grids: &[TableGrid]) -> Result<()> {
    let dir = tables_dir(out, document_id);
    let scratch = dir.with_extension("part");
    super::remove_if_present(&scratch)?;
    if grids.is_empty() {
        return super::remove_if_present(&dir);
    }
    fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    let mut index = csv::Writer::from_writer(Vec::new());
    index.write_record(["file", "title", "kind", "page", "unit", "header_rows"])?;
    for (i, grid) in grids.iter().enumerate() {
        let name = file_name(i + 1, grid);
        let mut table = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for row in &grid.rows {
            table.write_record(row)?;
        }
        let bytes = table.into_inner().context("cannot render a table as CSV")?;
        fs::write(scratch.join(&name), bytes)
            .with_context(|| format!("cannot write {}", scratch.join(&name).display()))?;
        index.write_record([
            name.as_str(),
            grid.title.as_str(),
            grid.kind.as_str(),
            &grid.page.map(|p| p.to_string()).unwrap_or_default(),
            grid.unit.as_deref().unwrap_or(""),
            &grid.header_rows.to_string(),
        ])?;
    }
    let bytes = index
        .into_inner()
        .context("cannot render the table index")?;
    fs::write(scratch.join("index.csv"), bytes)
        .with_context(|| format!("cannot write {}", scratch.join("index.csv").display()))?;
    super::remove_if_present(&dir)?;
    fs::rename(&scratch, &dir).with_context(|| format!("cannot publish {}", dir.display()))
}
