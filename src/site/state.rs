//! What the last build of the site published (`out/.site.sqlite`): each
//! document's summary, read from its report once and kept while the report
//! file stays the same, and which pages are published from the summaries
//! they show. A re-run reads only the reports that changed and writes only
//! the pages whose inputs did.
//!
//! A page's mark is cleared (`published`: 0 to write, 2 to write with only
//! its entity's 三公 series changed, 1 published), in a committed transaction, before it is
//! written again, and set once it is renamed into place and its folder
//! synced: a build killed in between leaves it unmarked, to be written by
//! the next one.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::Summary;

pub const STATE_FILE: &str = ".site.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc (
    id TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    entity TEXT,
    year INTEGER,
    kind TEXT,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    info INTEGER NOT NULL,
    unreadable INTEGER NOT NULL,
    summary TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_order ON doc (entity, year, kind, id);
CREATE TABLE IF NOT EXISTS entity (
    entity TEXT PRIMARY KEY,
    series TEXT NOT NULL,
    documents TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
";

/// The site's state, open.
pub struct SiteState {
    conn: Connection,
}

/// What changed since the last build.
#[derive(Debug, Default)]
pub struct Changes {
    /// Documents whose summary was read again or that are gone.
    pub documents: usize,
    /// Entities whose page or whose documents' pages must be written again.
    pub entities: usize,
}

/// A document whose page is to be written.
#[derive(Debug)]
pub struct Unpublished {
    pub id: String,
    pub entity: Option<String>,
    /// Only its entity's 三公 series changed since the page was published:
    /// the published page with the new chart is the page.
    pub series_only: bool,
}

/// The report file of a document as it stands: size, modification time and
/// inode. A report is replaced by a rename, so a rewritten one has another
/// inode; the site reads it again.
pub fn report_stamp(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}:{}.{:09}:{}",
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ino()
    )
}

fn digest(parts: impl IntoIterator<Item = String>) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

impl SiteState {
    /// Open the state of `out`'s site; a state written by another build of
    /// the site (`format`: the version and the sources of its pages), or
    /// one that does not open, is started again.
    pub fn open(out: &Path, format: &str) -> Result<SiteState> {
        crate::export::sqlite::open_or_start(&out.join(STATE_FILE), |path| {
            Self::open_file(path, format)
        })
    }

    fn open_file(path: &Path, format: &str) -> Result<Option<SiteState>> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA journal_mode = PERSIST;")?;
        conn.execute_batch(SCHEMA)?;
        let stored: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match stored {
            Some(f) if f == format => Ok(Some(SiteState { conn })),
            Some(_) => Ok(None),
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('format', ?1), ('index', '0')",
                    [format],
                )?;
                Ok(Some(SiteState { conn }))
            }
        }
    }

    /// Bring the summaries level with `reports` (id and [`report_stamp`],
    /// in id order), reading with `summary_of` only those new or changed,
    /// and clear the marks of every page whose inputs changed. Committed
    /// before any page is written.
    pub fn update(
        &mut self,
        reports: &[(String, String)],
        summary_of: &mut dyn FnMut(&str) -> Result<Summary>,
    ) -> Result<Changes> {
        let tx = self.conn.transaction()?;
        let stored: Vec<(String, String, Option<String>)> = {
            let mut stmt = tx.prepare("SELECT id, report, entity FROM doc ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut entities: BTreeSet<String> = BTreeSet::new();
        let mut changes = Changes::default();
        let (mut old, mut new) = (stored.iter().peekable(), reports.iter().peekable());
        loop {
            match (old.peek(), new.peek()) {
                (Some(o), Some(n)) if o.0 == n.0 => {
                    if o.1 != n.1 {
                        entities.extend(o.2.clone());
                        let s = summary_of(&n.0)?;
                        entities.extend(s.entity.clone());
                        put(&tx, &s, &n.1)?;
                        changes.documents += 1;
                    }
                    old.next();
                    new.next();
                }
                (Some(o), n) if n.is_none_or(|n| o.0 < n.0) => {
                    entities.extend(o.2.clone());
                    tx.execute("DELETE FROM doc WHERE id = ?1", [&o.0])?;
                    changes.documents += 1;
                    old.next();
                }
                (_, Some(n)) => {
                    let s = summary_of(&n.0)?;
                    entities.extend(s.entity.clone());
                    put(&tx, &s, &n.1)?;
                    changes.documents += 1;
                    new.next();
                }
                _ => break,
            }
        }
        for entity in &entities {
            let docs = series_in(&tx, entity)?;
            let stored: Option<(String, String)> = tx
                .query_row(
                    "SELECT series, documents FROM entity WHERE entity = ?1",
                    [entity],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if docs.is_empty() {
                tx.execute("DELETE FROM entity WHERE entity = ?1", [entity])?;
                continue;
            }
            let series = digest(docs.iter().filter_map(|s| {
                let tp = s.three_public.as_ref()?;
                Some(format!(
                    "{}|{:?}|{:?}|{:?}",
                    s.id,
                    s.year,
                    s.kind,
                    tp.parts()
                ))
            }));
            let documents = digest(docs.iter().map(|s| serde_json::to_string(s).unwrap()));
            if stored.as_ref().map(|s| &s.0) != Some(&series) {
                // Their pages need only the new series: see [`Unpublished::series_only`].
                tx.execute(
                    "UPDATE doc SET published = 2 WHERE entity = ?1 AND published = 1",
                    [entity],
                )?;
            }
            if stored != Some((series.clone(), documents.clone())) {
                tx.execute(
                    "INSERT OR REPLACE INTO entity (entity, series, documents, published)
                     VALUES (?1, ?2, ?3, 0)",
                    params![entity, series, documents],
                )?;
                changes.entities += 1;
            }
        }
        if changes.documents > 0 {
            tx.execute("UPDATE meta SET value = '0' WHERE key = 'index'", [])?;
        }
        tx.commit()?;
        Ok(changes)
    }

    /// Documents whose page is not marked published, by entity.
    pub fn unpublished_documents(&self) -> Result<Vec<Unpublished>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, entity, published FROM doc WHERE published != 1
             ORDER BY entity, year, kind, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Unpublished {
                id: r.get(0)?,
                entity: r.get(1)?,
                series_only: r.get::<_, i64>(2)? == 2,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Entities whose page is not marked published.
    pub fn unpublished_entities(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT entity FROM entity WHERE published = 0 ORDER BY entity")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every entity, in order.
    pub fn entities(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT entity FROM entity ORDER BY entity")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mark pages to write again (their files were missing).
    pub fn unmark(&self, documents: &[String], entities: &[String]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for id in documents {
            tx.execute("UPDATE doc SET published = 0 WHERE id = ?1", [id])?;
        }
        for entity in entities {
            tx.execute(
                "UPDATE entity SET published = 0 WHERE entity = ?1",
                [entity],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The documents of `entity`, by year, kind and id.
    pub fn series(&self, entity: &str) -> Result<Vec<Summary>> {
        series_in(&self.conn, entity)
    }

    /// The summary of one document.
    pub fn summary(&self, id: &str) -> Result<Summary> {
        let json: String =
            self.conn
                .query_row("SELECT summary FROM doc WHERE id = ?1", [id], |r| r.get(0))?;
        Ok(serde_json::from_str(&json)?)
    }

    /// Whether the index is published from the current summaries.
    pub fn index_published(&self) -> Result<bool> {
        let v: String =
            self.conn
                .query_row("SELECT value FROM meta WHERE key = 'index'", [], |r| {
                    r.get(0)
                })?;
        Ok(v == "1")
    }

    /// Mark pages published: after they are renamed into place and their
    /// folders synced.
    pub fn mark(&self, documents: &[String], entities: &[String], index: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for id in documents {
            tx.execute("UPDATE doc SET published = 1 WHERE id = ?1", [id])?;
        }
        for entity in entities {
            tx.execute(
                "UPDATE entity SET published = 1 WHERE entity = ?1",
                [entity],
            )?;
        }
        if index {
            tx.execute("UPDATE meta SET value = '1' WHERE key = 'index'", [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The index's figures: documents, entities, findings by severity,
    /// documents with read errors.
    pub fn totals(&self) -> Result<(usize, usize, [usize; 3], usize)> {
        Ok(self.conn.query_row(
            "SELECT count(*), count(DISTINCT entity), coalesce(sum(errors), 0),
                    coalesce(sum(warnings), 0), coalesce(sum(info), 0),
                    coalesce(sum(unreadable), 0) FROM doc",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as usize,
                    r.get::<_, i64>(1)? as usize,
                    [
                        r.get::<_, i64>(2)? as usize,
                        r.get::<_, i64>(3)? as usize,
                        r.get::<_, i64>(4)? as usize,
                    ],
                    r.get::<_, i64>(5)? as usize,
                ))
            },
        )?)
    }

    /// Every summary, by entity, year, kind and id (the index's order),
    /// one at a time.
    pub fn each_summary(&self, each: &mut dyn FnMut(&Summary) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT summary FROM doc ORDER BY entity, year, kind, id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let json: String = row.get(0)?;
            each(&serde_json::from_str(&json)?)?;
        }
        Ok(())
    }

    /// Every entity with its number of documents, in order.
    pub fn each_entity(&self, each: &mut dyn FnMut(&str, usize) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT entity, count(*) FROM doc WHERE entity IS NOT NULL
             GROUP BY entity ORDER BY entity",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let entity: String = row.get(0)?;
            each(&entity, row.get::<_, i64>(1)? as usize)?;
        }
        Ok(())
    }
}

fn put(tx: &Transaction, s: &Summary, report: &str) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO doc
         (id, report, entity, year, kind, errors, warnings, info, unreadable, summary, published)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
        params![
            s.id,
            report,
            s.entity,
            s.year,
            s.kind,
            s.findings[0] as i64,
            s.findings[1] as i64,
            s.findings[2] as i64,
            !s.errors.is_empty(),
            serde_json::to_string(s)?,
        ],
    )?;
    Ok(())
}

fn series_in(conn: &Connection, entity: &str) -> Result<Vec<Summary>> {
    let mut stmt =
        conn.prepare_cached("SELECT summary FROM doc WHERE entity = ?1 ORDER BY year, kind, id")?;
    let rows = stmt.query_map([entity], |r| r.get::<_, String>(0))?;
    rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
}
