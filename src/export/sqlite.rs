//! `caizheng.sqlite`: the same three tables, with indexes, for `sqlite3` and Datasette.

use std::path::Path;

use rusqlite::{params_from_iter, Connection};

use super::columns::{Cell, ColumnType, Table, TABLES};

/// Suffix of the REAL twin of every decimal column: the text column keeps the
/// printed precision, the twin sorts and sums.
pub const NUMERIC_SUFFIX: &str = "_num";

const INDEXES: &[&str] = &[
    "CREATE INDEX documents_entity_year ON documents(entity, fiscal_year)",
    "CREATE INDEX facts_key ON facts(key, entity, fiscal_year)",
    "CREATE INDEX findings_severity ON findings(severity, document_id)",
    "CREATE INDEX findings_rule ON findings(rule)",
];

/// The files of every part the rows are those of (see
/// [`super::parts::published`]): updated in the same transaction as the rows.
const PARTS: &str = "CREATE TABLE parts (part TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID";

/// `PRAGMA user_version` an earlier version left on a database while it
/// updated it without a journal; such a database is built anew.
const UPDATE_UNFINISHED: i64 = 1;

/// How long the schema check waits for a writer of the database (only
/// another program would write it).
const READER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long an update waits for readers of the database to finish a query
/// before it commits.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The page cache of an update: the pages it changes stay in memory until
/// the commit writes each once. With SQLite's default 2 MiB, 10 changed
/// documents of 100,000 (8,000 pages of indexes and tables) spilled to the
/// database again and again before the commit, each spill locking readers
/// out until then.
const UPDATE_CACHE_KIB: u32 = 64 * 1024;

/// Roll back the update a killed run left unfinished in the database at
/// `path` (its hot journal), as any writer opening it would: a reader
/// opening it read-only, as Datasette does, cannot. Only the holder of the
/// output folder's lock may call this.
pub fn recover(path: &Path) -> rusqlite::Result<()> {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    if !path.is_file() || !Path::new(&journal).exists() {
        return Ok(());
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(WRITER_WAIT)?;
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    conn.close().map_err(|(_, e)| e)
}

/// Open a state database of the program's own (the run state, the site's)
/// with `open`; one that cannot be opened, or that `open` finds of another
/// format (`None`), is deleted with its journal and started afresh.
pub fn open_or_start<T>(
    path: &Path,
    open: impl Fn(&Path) -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    use anyhow::Context;
    if let Ok(Some(state)) = open(path) {
        return Ok(state);
    }
    for suffix in ["", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    open(path)?.with_context(|| format!("cannot start {}", path.display()))
}

/// Every part the database at `path` holds the rows of, with its key, in
/// order. Read-only: a database a killed run left mid-update must first be
/// rolled back ([`recover`]).
pub fn parts(path: &Path) -> rusqlite::Result<Vec<(String, String)>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(READER_WAIT)?;
    let mut stmt = conn.prepare("SELECT part, key FROM parts ORDER BY part")?;
    let parts = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    parts.collect()
}

pub struct SqliteWriter {
    conn: Connection,
    fresh: bool,
    /// Per table of [`TABLES`], in order: its INSERT and its DELETE of one document.
    inserts: Vec<String>,
    deletes: Vec<String>,
}

fn create_table_sql(table: &Table) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in table.columns {
        let not_null = if c.required { " NOT NULL" } else { "" };
        parts.push(format!("\"{}\" {}{}", c.name, c.kind.sqlite(), not_null));
        if c.kind == ColumnType::Number {
            parts.push(format!(
                "\"{0}{1}\" REAL GENERATED ALWAYS AS (CAST(\"{0}\" AS REAL)) VIRTUAL",
                c.name, NUMERIC_SUFFIX
            ));
        }
    }
    parts.push(format!("PRIMARY KEY ({})", table.primary_key.join(", ")));
    if table.references_documents {
        parts.push("FOREIGN KEY (document_id) REFERENCES documents(document_id)".to_string());
    }
    format!(
        "CREATE TABLE \"{}\" (\n  {}\n)",
        table.name,
        parts.join(",\n  ")
    )
}

fn insert_sql(table: &Table) -> String {
    let names: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let marks = vec!["?"; names.len()].join(", ");
    format!(
        "INSERT INTO \"{}\" ({}) VALUES ({})",
        table.name,
        names.join(", "),
        marks
    )
}

impl SqliteWriter {
    fn with(conn: Connection, fresh: bool) -> SqliteWriter {
        SqliteWriter {
            conn,
            fresh,
            inserts: TABLES.iter().map(insert_sql).collect(),
            deletes: TABLES
                .iter()
                .map(|t| {
                    format!(
                        "DELETE FROM \"{}\" WHERE document_id >= ?1 AND document_id < ?2",
                        t.name
                    )
                })
                .collect(),
        }
    }

    /// Create a fresh database at `path` (which must not exist yet).
    pub fn create(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        // A scratch file renamed into place when complete: no journal needed.
        // Small pages: an update in place writes every page it changes
        // twice (journal and database), and the rows of a document are
        // spread over many pages of the indexes.
        conn.execute_batch(
            "PRAGMA page_size = 1024; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             PRAGMA temp_store = FILE;",
        )?;
        for table in &TABLES {
            conn.execute_batch(&create_table_sql(table))?;
        }
        conn.execute_batch(PARTS)?;
        conn.execute_batch("BEGIN")?;
        Ok(SqliteWriter::with(conn, true))
    }

    /// Whether the database at `path` has exactly the tables this version
    /// writes and no update of it was left unfinished (else it is built anew).
    pub fn updatable(path: &Path) -> bool {
        let check = || -> Option<()> {
            let conn =
                Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .ok()?;
            conn.busy_timeout(READER_WAIT).ok()?;
            let tables = TABLES.iter().map(|t| (t.name, create_table_sql(t)));
            for (name, create) in tables.chain([("parts", PARTS.to_string())]) {
                let sql: String = conn
                    .query_row(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [name],
                        |r| r.get(0),
                    )
                    .ok()?;
                if sql != create {
                    return None;
                }
            }
            let mark: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .ok()?;
            (mark != UPDATE_UNFINISHED).then_some(())
        };
        path.is_file() && check().is_some()
    }

    /// Open the published database at `path` for an update in place, if
    /// it has exactly the tables this version writes and no update of it
    /// was left unfinished; `None` means: build a fresh one. The update is
    /// one transaction with a rollback journal, synced, committed by
    /// [`Self::finish`]: until then readers see the previous rows, and a
    /// kill leaves a hot journal that the next writer (the next run, see
    /// [`recover`]) rolls back. Not WAL: Datasette opens the file read-only.
    pub fn open_for_update(path: &Path) -> Option<Self> {
        if !Self::updatable(path) {
            return None;
        }
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(WRITER_WAIT).ok()?;
        // EXTRA: the journal's deletion, which is the commit, is synced too
        // (its directory), so a power cut cannot bring it back after the
        // run recorded the parts as published. The statement journal of
        // each part's DELETE in memory (a part's pages): on disk it was
        // one more copy of every page changed. No memory map: the pages it
        // touched would count in the run's memory.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = EXTRA;
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{UPDATE_CACHE_KIB}; BEGIN IMMEDIATE"
        ))
        .ok()?;
        Some(SqliteWriter::with(conn, false))
    }

    /// Remove every row of the documents of `part` (see [`super::parts`]):
    /// a range of the primary keys, since ids are lower-case hex.
    pub fn delete_part(&mut self, part: &str) -> rusqlite::Result<()> {
        let end = format!("{part}~");
        for sql in self.deletes.iter().rev() {
            self.conn
                .prepare_cached(sql)?
                .execute([part, end.as_str()])?;
        }
        self.conn
            .prepare_cached("DELETE FROM parts WHERE part = ?1")?
            .execute([part])?;
        Ok(())
    }

    /// Record that the rows of `part` are those of its files with `key`.
    pub fn set_part(&mut self, part: &str, key: &str) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("INSERT INTO parts (part, key) VALUES (?1, ?2)")?
            .execute([part, key])?;
        Ok(())
    }

    pub fn insert(&mut self, table: &Table, row: &[Cell]) -> rusqlite::Result<()> {
        let index = TABLES
            .iter()
            .position(|t| t.name == table.name)
            .expect("one of TABLES");
        let mut stmt = self.conn.prepare_cached(&self.inserts[index])?;
        stmt.execute(params_from_iter(row.iter()))?;
        Ok(())
    }

    /// Commit; a fresh database then gets its indexes (after the bulk insert:
    /// faster, same result).
    pub fn finish(self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")?;
        if self.fresh {
            for sql in INDEXES {
                self.conn.execute_batch(sql)?;
            }
        }
        self.conn.close().map_err(|(_, e)| e)
    }
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Text(s) => ValueRef::Text(s.as_bytes()),
            Cell::Int(i) => ValueRef::Integer(*i),
            Cell::Null => ValueRef::Null,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::columns::DOCUMENTS;

    fn document_row(id: &str) -> Vec<Cell> {
        let mut row: Vec<Cell> = DOCUMENTS
            .columns
            .iter()
            .map(|c| {
                if c.required {
                    Cell::Text("x".into())
                } else {
                    Cell::Null
                }
            })
            .collect();
        row[0] = Cell::Text(id.to_string());
        row
    }

    fn documents_in(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_update_is_seen_only_once_committed_and_leaves_no_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caizheng.sqlite");
        SqliteWriter::create(&path).unwrap().finish().unwrap();
        let mut update = SqliteWriter::open_for_update(&path).expect("a valid database");
        update
            .insert(&DOCUMENTS, &document_row(&"a".repeat(64)))
            .unwrap();
        assert_eq!(documents_in(&path), 0, "a reader saw an uncommitted row");
        drop(update);
        assert_eq!(documents_in(&path), 0, "dropped, the update was not undone");

        let mut update = SqliteWriter::open_for_update(&path).expect("a valid database");
        update
            .insert(&DOCUMENTS, &document_row(&"a".repeat(64)))
            .unwrap();
        update.finish().unwrap();
        assert_eq!(documents_in(&path), 1);
        assert!(!dir.path().join("caizheng.sqlite-journal").exists());
    }

    /// What a kill leaves is the files as they are at that moment: copied
    /// mid-update, after the update has written into the database itself
    /// (its cache spilled), they must open as the previous database.
    #[test]
    fn a_database_killed_mid_update_opens_as_it_was_after_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caizheng.sqlite");
        let mut db = SqliteWriter::create(&path).unwrap();
        for i in 0..2000 {
            db.insert(&DOCUMENTS, &document_row(&format!("{i:064x}")))
                .unwrap();
        }
        db.finish().unwrap();

        let mut update = SqliteWriter::open_for_update(&path).expect("a valid database");
        update.conn.execute_batch("PRAGMA cache_size = 2").unwrap();
        let before = std::fs::read(&path).unwrap();
        update.delete_part("00").unwrap();
        for i in 0..2000 {
            update
                .insert(&DOCUMENTS, &document_row(&format!("f{i:063x}")))
                .unwrap();
        }
        assert_ne!(std::fs::read(&path).unwrap(), before, "nothing spilled");
        let killed = dir.path().join("killed");
        std::fs::create_dir(&killed).unwrap();
        let copy = killed.join("caizheng.sqlite");
        std::fs::copy(&path, &copy).unwrap();
        std::fs::copy(
            dir.path().join("caizheng.sqlite-journal"),
            killed.join("caizheng.sqlite-journal"),
        )
        .unwrap();
        drop(update);

        recover(&copy).unwrap();
        assert!(!killed.join("caizheng.sqlite-journal").exists());
        let conn =
            Connection::open_with_flags(&copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        assert_eq!(documents_in(&copy), 2000);
        assert!(SqliteWriter::updatable(&copy));
    }
}
