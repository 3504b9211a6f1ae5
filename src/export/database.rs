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
pub(super) fn write_database(
    out: &Path,
    work: Receiver<Work>,
    fresh: bool,
    copy: Option<DatabaseCopy>,
) -> Result<bool> {
    let started = std::time::Instant::now();
    let path = part(out, SQLITE_FILE);
    let mut copy = copy;
    let mut db: Option<sqlite::SqliteWriter> = None;
    for item in work {
        let db = match &mut db {
            Some(db) => db,
            None => db.insert(open(out, &path, fresh, copy.take())?),
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
        // A copy made for nothing: no part changed.
        if let Some(copy) = copy {
            copy.wait()?;
            super::remove_if_present(&path)?;
        }
        return Ok(false);
    };
    db.finish().context("cannot finish the SQLite database")?;
    fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .context("cannot sync the SQLite database")?;
    tracing::debug!(elapsed = ?started.elapsed(), fresh, "database written");
    Ok(true)
}

fn open(
    out: &Path,
    path: &Path,
    fresh: bool,
    copy: Option<DatabaseCopy>,
) -> Result<sqlite::SqliteWriter> {
    // Whatever the copy, it must be done before its file is used or deleted.
    let copied = match copy {
        Some(copy) => copy.wait()?,
        None => false,
    };
    if fresh {
        super::remove_if_present(path)?;
        return sqlite::SqliteWriter::create(path).context("cannot create the SQLite database");
    }
    let opened = if copied {
        sqlite::SqliteWriter::open_copy(path).ok()
    } else {
        sqlite::SqliteWriter::open_for_update(&out.join(SQLITE_FILE), path)
    };
    opened.context("the SQLite database changed during the run")
}

/// The published database being copied beside it (its `.part`) and synced,
/// on a thread of its own, while a run processes its documents: the copy
/// that an export then updates (0.3–0.6 s for the 123 MB of the
/// 1,000-document corpus) is then out of a re-run's way. Only the holder of
/// the folder's lock may start one.
pub struct DatabaseCopy(std::thread::JoinHandle<Result<bool>>);

impl DatabaseCopy {
    pub fn start(out: &Path) -> Result<DatabaseCopy> {
        let published = out.join(SQLITE_FILE);
        let path = part(out, SQLITE_FILE);
        let thread = std::thread::Builder::new()
            .name("copy sqlite".into())
            .spawn(move || {
                if !sqlite::SqliteWriter::updatable(&published) {
                    return Ok(false);
                }
                super::remove_if_present(&path)?;
                fs::copy(&published, &path).context("cannot copy the SQLite database")?;
                fs::File::open(&path)
                    .and_then(|f| f.sync_all())
                    .context("cannot sync the copy of the SQLite database")?;
                Ok(true)
            })
            .context("cannot start copying the database")?;
        Ok(DatabaseCopy(thread))
    }

    /// Whether the copy was made.
    fn wait(self) -> Result<bool> {
        self.0
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the database copy panicked")))
    }
}
