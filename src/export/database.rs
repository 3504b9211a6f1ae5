//! The database side of an export: `caizheng.sqlite` built anew, or a copy
//! of it brought up to date part by part (see [`super::write_exports`]).

use std::fs;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::parts::PartDocs;
use super::{part, rows, sqlite, SQLITE_FILE};

/// What the database writer is handed, in document-id order: parts whose
/// rows are to be (re)inserted; a part without documents is one that left
/// the dataset.
pub(super) type Work = Arc<Vec<Arc<PartDocs>>>;

fn insert_cached_rows(db: &mut sqlite::SqliteWriter, out: &Path, id: &str) -> Result<()> {
    for (table, cells) in rows::RowsFile::open(out, id)?.table_rows()? {
        for row in cells {
            db.insert(table, &row)?;
        }
    }
    Ok(())
}

/// Bring the database up to date from the work received, as its `.part`,
/// complete and synced, for the caller to rename into place: built anew
/// (`fresh`) or a copy of the published one, in which each part received
/// replaces what the copy held of it. Nothing received, nothing written:
/// returns whether the `.part` was.
pub(super) fn write_database(out: &Path, work: Receiver<Work>, fresh: bool) -> Result<bool> {
    let started = std::time::Instant::now();
    let path = part(out, SQLITE_FILE);
    let mut db: Option<sqlite::SqliteWriter> = None;
    for item in work {
        let db = match &mut db {
            Some(db) => db,
            None => db.insert(open(out, &path, fresh)?),
        };
        for part in item.iter() {
            if !fresh {
                db.delete_part(&part.name)?;
            }
            for id in &part.ids {
                insert_cached_rows(db, out, id)?;
            }
            if let Some(across) = &part.across {
                across.insert_into(db)?;
            }
        }
    }
    let Some(db) = db else {
        return Ok(false);
    };
    db.finish().context("cannot finish the SQLite database")?;
    fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .context("cannot sync the SQLite database")?;
    tracing::debug!(elapsed = ?started.elapsed(), fresh, "database written");
    Ok(true)
}

fn open(out: &Path, path: &Path, fresh: bool) -> Result<sqlite::SqliteWriter> {
    if fresh {
        super::remove_if_present(path)?;
        return sqlite::SqliteWriter::create(path).context("cannot create the SQLite database");
    }
    sqlite::SqliteWriter::open_for_update(&out.join(SQLITE_FILE), path)
        .context("the SQLite database changed during the run")
}
