//! The database side of an export: `caizheng.sqlite` built anew, or a copy
//! of it brought up to date, from the planned pieces (see [`super::write_exports`]).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::{each_planned, part, rows, sqlite, PieceReceiver, Planned, SQLITE_FILE};

fn insert_cached_rows(db: &mut sqlite::SqliteWriter, out: &Path, id: &str) -> Result<()> {
    for (table, cells) in rows::RowsFile::open(out, id)?.table_rows()? {
        for row in cells {
            db.insert(table, &row)?;
        }
    }
    Ok(())
}

/// How the database is to be brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DatabaseUpdate {
    /// Build it anew.
    Fresh,
    /// In place, from exactly what the planner says changed: the database
    /// holds what the previous layout lists (no layout exists while it is
    /// being changed).
    Changes,
    /// In place, comparing every listed document with what it holds.
    Compare,
}

/// Bring the database up to date from the pieces received (see
/// [`DatabaseUpdate`]) as its `.part`, complete and synced, for the caller
/// to rename into place with the row files: a copy of the database updated,
/// or, when it cannot be updated, a new one built streaming.
pub(super) fn write_database(
    out: &Path,
    pieces: PieceReceiver,
    update: DatabaseUpdate,
) -> Result<()> {
    let started = std::time::Instant::now();
    let path = part(out, SQLITE_FILE);
    let updating = match update {
        DatabaseUpdate::Fresh => None,
        _ => sqlite::SqliteWriter::open_for_update(&out.join(SQLITE_FILE), &path),
    };
    let Some(mut db) = updating else {
        let _ = fs::remove_file(&path);
        let mut db =
            sqlite::SqliteWriter::create(&path).context("cannot create the SQLite database")?;
        each_planned(pieces, |planned| match planned {
            Planned::Document(piece) => insert_cached_rows(&mut db, out, &piece.id),
            Planned::Gone(_) => Ok(()),
            Planned::Across(across) => Ok(across.insert_into(&mut db)?),
        })?;
        db.finish().context("cannot finish the SQLite database")?;
        return sync(&path);
    };
    if update == DatabaseUpdate::Changes {
        each_planned(pieces, |planned| {
            match planned {
                Planned::Gone(id) => db.delete_document(id)?,
                Planned::Document(piece) if piece.replaced => {
                    db.delete_document(&piece.id)?;
                    insert_cached_rows(&mut db, out, &piece.id)?;
                }
                Planned::Document(piece) if piece.reused_at.is_none() => {
                    insert_cached_rows(&mut db, out, &piece.id)?;
                }
                Planned::Document(_) => {}
                Planned::Across(across) => across.replace_in(&mut db)?,
            }
            Ok(())
        })?;
    } else {
        db.begin_listing()?;
        let mut across = None;
        each_planned(pieces, |planned| match planned {
            Planned::Document(piece) => Ok(db.list(&piece.id, piece.replaced)?),
            Planned::Gone(_) => Ok(()),
            Planned::Across(piece) => {
                across = Some(piece.clone());
                Ok(())
            }
        })?;
        db.delete_unlisted_and_replaced()?;
        let mut after = String::new();
        loop {
            let batch = db.listed_to_insert(&after, 1024)?;
            for id in &batch {
                insert_cached_rows(&mut db, out, id)?;
            }
            match batch.last() {
                Some(last) => after = last.clone(),
                None => break,
            }
        }
        if let Some(across) = across {
            across.replace_in(&mut db)?;
        }
    }
    db.finish().context("cannot finish the SQLite database")?;
    tracing::debug!(elapsed = ?started.elapsed(), "database updated");
    sync(&path)
}

fn sync(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .context("cannot sync the SQLite database")
}
