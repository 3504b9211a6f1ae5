//! The database side of an export (see [`super::write_exports`]):
//! `caizheng.sqlite` built anew beside the published one (its `.part`,
//! renamed over it), or the published one updated in place, part by part,
//! in one transaction with its rollback journal, committed as the export's
//! last publication step.

use std::fs;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::columns::FINDINGS;
use super::parts::PartDocs;
use super::{part, rows, sqlite, SQLITE_FILE};

/// What the database writer is handed, in document-id order: parts whose
/// rows are to be (re)inserted; a part without documents is one that left
/// the dataset.
pub(super) type Work = Vec<Arc<PartDocs>>;

/// The database written, waiting to be published.
pub(super) enum Written {
    /// No part changed: nothing to publish.
    Nothing,
    /// Built anew as the `.part`, complete and synced: renamed into place.
    Fresh,
    /// The published database with its update not yet committed: readers
    /// see the previous rows until [`Written::publish`] commits.
    Updated(sqlite::SqliteWriter),
}

impl Written {
    /// Put the new database in place; whether there was one.
    pub(super) fn publish(self, out: &Path) -> Result<bool> {
        match self {
            Written::Nothing => Ok(false),
            Written::Fresh => {
                fs::rename(part(out, SQLITE_FILE), out.join(SQLITE_FILE))
                    .context("cannot move the database into place")?;
                Ok(true)
            }
            Written::Updated(db) => {
                db.finish().context("cannot commit the database update")?;
                Ok(true)
            }
        }
    }
}

fn insert_cached_rows(db: &mut sqlite::SqliteWriter, out: &Path, id: &str) -> Result<()> {
    for (table, cells) in rows::RowsFile::open(out, id)?.table_rows()? {
        for row in cells {
            db.insert(table, &row)?;
        }
    }
    Ok(())
}

/// Bring the database up to date from the work received: built anew
/// (`fresh`), or the published one, in which each part received replaces
/// what it held of that part. Nothing received, nothing written.
pub(super) fn write_database(out: &Path, work: Receiver<Work>, fresh: bool) -> Result<Written> {
    let started = std::time::Instant::now();
    // A fresh database is written even without rows: it replaces the previous one.
    let mut db = if fresh { Some(open(out, true)?) } else { None };
    for item in work {
        let db = match &mut db {
            Some(db) => db,
            None => db.insert(open(out, fresh)?),
        };
        for part in item.iter() {
            if !fresh {
                db.delete_part(&part.name)?;
            }
            for id in &part.ids {
                insert_cached_rows(db, out, id)?;
            }
            for row in &part.across {
                db.insert(&FINDINGS, row)?;
            }
            // A part without documents left the dataset.
            if !part.ids.is_empty() {
                db.set_part(&part.name, &part.key)?;
            }
        }
    }
    let Some(db) = db else {
        return Ok(Written::Nothing);
    };
    tracing::debug!(elapsed = ?started.elapsed(), fresh, "database written");
    if !fresh {
        return Ok(Written::Updated(db));
    }
    let path = part(out, SQLITE_FILE);
    db.finish().context("cannot finish the SQLite database")?;
    fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .context("cannot sync the SQLite database")?;
    Ok(Written::Fresh)
}

fn open(out: &Path, fresh: bool) -> Result<sqlite::SqliteWriter> {
    if fresh {
        let path = part(out, SQLITE_FILE);
        super::remove_if_present(&path)?;
        return sqlite::SqliteWriter::create(&path).context("cannot create the SQLite database");
    }
    sqlite::SqliteWriter::open_for_update(&out.join(SQLITE_FILE))
        .context("the SQLite database changed during the run")
}
