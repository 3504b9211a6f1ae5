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

/// `PRAGMA user_version` an earlier version left on a database while it
/// updated it without a journal; such a database is built anew.
const UPDATE_UNFINISHED: i64 = 1;

/// How long the schema check waits for a writer of the database (only
/// another program would write it).
const READER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
        for table in &TABLES {
            conn.execute_batch(&create_table_sql(table))?;
        }
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
            for table in &TABLES {
                let sql: String = conn
                    .query_row(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [table.name],
                        |r| r.get(0),
                    )
                    .ok()?;
                if sql != create_table_sql(table) {
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

    /// Copy an existing database to `part` and open the copy for an
    /// update, if the database has exactly the tables this version writes
    /// and no update of it was left unfinished; `None` means: build a fresh
    /// one. The published database is only read (and copied, which the
    /// kernel does without reading it into the process): the copy, complete,
    /// is renamed over it, so readers never meet a half-applied update or a
    /// journal to roll back (which a read-only reader, such as Datasette,
    /// cannot do).
    pub fn open_for_update(path: &Path, part: &Path) -> Option<Self> {
        if !Self::updatable(path) {
            return None;
        }
        let _ = std::fs::remove_file(part);
        std::fs::copy(path, part).ok()?;
        Self::open_copy(part).ok()
    }

    /// Open a copy of the published database, made beside it, for an update.
    pub fn open_copy(part: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(part)?;
        // A scratch copy, renamed into place when complete and synced: no
        // journal needed.
        // No memory map: the pages it touched would count in the run's
        // memory, which grows with the database (87 MB at 20,000 documents,
        // against 35 MB read through the page cache).
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN")?;
        Ok(SqliteWriter::with(conn, false))
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

    #[test]
    fn an_update_changes_a_copy_and_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caizheng.sqlite");
        let part = dir.path().join("caizheng.sqlite.part");
        SqliteWriter::create(&path).unwrap().finish().unwrap();
        let before = std::fs::read(&path).unwrap();
        let mut update = SqliteWriter::open_for_update(&path, &part).expect("a valid database");
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
        row[0] = Cell::Text("a".repeat(64));
        update.insert(&DOCUMENTS, &row).unwrap();
        update.finish().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the database was written"
        );
        let copy = Connection::open(&part).unwrap();
        let count: i64 = copy
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1);
        assert!(!dir.path().join("caizheng.sqlite-journal").exists());
    }
}
