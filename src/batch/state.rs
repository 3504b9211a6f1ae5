//! What `caizheng run` remembers between runs, and what it learns during
//! one, kept in SQLite (`.rows/run-state.sqlite` under the out dir) rather
//! than in memory: a run then needs the same memory for ten documents or a
//! million. Persistent tables: the stamp and sha256 of every input file
//! (`files`), which report was made from what (`documents`), what the
//! comparison across documents needs of each report (`across_doc`), its
//! findings, by document (`across_finding`: the export reads them a part
//! at a time, never all at once) and the documents that came, went or
//! were read again since their entity was compared (`across_changed`,
//! written in the same transaction as the change, so a killed run leaves
//! them there). Temporary
//! tables hold this run's inputs, the reports found on disk, the documents
//! of this run and what is left to process.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

use super::stamp::Stamp;
use crate::export::rows::{DocumentTotals, ROWS_DIR};
use crate::reconcile::across::{AcrossDoc, AcrossHead, CrossFinding};

const STATE_FILE: &str = "run-state.sqlite";
/// `across_doc` and `across_finding` are rowid tables: their rows (40 KB
/// and 1.3 KB of JSON) overflow a page, and a seek in a table WITHOUT
/// ROWID reads a whole overflowing row for every key it compares (format
/// 3: most of a re-run's planning and settling).
const FORMAT: &str = "caizheng.run-state/4";

/// A document's row of `across_changed`, from its row of `across_doc`.
const CHANGED: &str = "(entity_key, id, scope, kind, year, digest)
  SELECT entity_key, id, scope, kind, year, digest FROM across_doc WHERE entity_key IS NOT NULL AND";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
  source TEXT PRIMARY KEY, len INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, fingerprint TEXT NOT NULL, totals TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS across_doc (
  id TEXT PRIMARY KEY, entity_key TEXT, scope TEXT, kind TEXT, year INTEGER, digest TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS across_doc_entity ON across_doc (entity_key);
CREATE TABLE IF NOT EXISTS across_finding (
  document_id TEXT NOT NULL, finding_no INTEGER NOT NULL, entity_key TEXT NOT NULL,
  severity TEXT NOT NULL, finding TEXT NOT NULL, PRIMARY KEY (document_id, finding_no)
);
CREATE TABLE IF NOT EXISTS across_changed (
  entity_key TEXT NOT NULL, id TEXT NOT NULL, scope TEXT, kind TEXT, year INTEGER, digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS across_changed_entity ON across_changed (entity_key);
CREATE TABLE IF NOT EXISTS part_key (part TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE input (
  source TEXT PRIMARY KEY, path BLOB, len INTEGER, mtime_ns INTEGER, racy_ns INTEGER,
  sha256 TEXT, error TEXT
) WITHOUT ROWID;
CREATE TEMP TABLE present_report (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE present_rows (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE run_doc (id TEXT PRIMARY KEY, replaced INTEGER NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE todo (source TEXT NOT NULL, path BLOB, error TEXT);
";

/// An input of this run as recorded.
pub struct InputRow<'a> {
    pub source: &'a str,
    /// `None` for a bundled input.
    pub path: Option<&'a Path>,
    /// If the file could be stat'ed.
    pub stamp: Option<Stamp>,
    /// Known up front for bundled inputs; else found by [`RunState::reuse_hashes`]
    /// or hashing.
    pub sha256: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// An input left to process.
pub struct Todo {
    pub source: String,
    pub path: Option<PathBuf>,
    pub error: Option<String>,
    /// The sha256 found for the file in this run, and the stamp it had then.
    pub hashed: Option<(String, Stamp)>,
}

pub struct RunState {
    conn: Connection,
}

fn path_bytes(path: &Path) -> &[u8] {
    std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str())
}

fn path_from(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(bytes))
}

impl RunState {
    /// Open (or start) the state under `out`. A state file of another
    /// format, or one that cannot be read, is started afresh: every
    /// document is then processed again.
    pub fn open(out: &Path) -> Result<RunState> {
        let dir = out.join(ROWS_DIR);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        crate::export::sqlite::open_or_start(&dir.join(STATE_FILE), Self::open_file)
    }

    fn open_file(path: &Path) -> Result<Option<RunState>> {
        let conn = Connection::open(path)?;
        // The rollback journal keeps a killed run recoverable, and syncing it
        // (a few commits a run) keeps a power cut from corrupting the state.
        // It is kept between commits (a zeroed header marks it spent) rather
        // than deleted at each: an unlink can wait for the disk (see
        // [`crate::export::Remover`]).
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA temp_store = FILE; PRAGMA journal_mode = PERSIST;",
        )?;
        conn.execute_batch(SCHEMA)?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match format.as_deref() {
            Some(FORMAT) => {}
            Some(_) => return Ok(None),
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('format', ?1)",
                    [FORMAT],
                )?;
            }
        }
        conn.execute_batch("BEGIN")?;
        Ok(Some(RunState { conn }))
    }

    /// Make what was recorded so far durable (a killed run keeps it).
    pub fn commit(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT; BEGIN")?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self
                .conn
                .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, v])?,
            None => self
                .conn
                .prepare_cached("DELETE FROM meta WHERE key = ?1")?
                .execute([key])?,
        };
        Ok(())
    }

    /// Record an input of this run; the first one recorded for a source wins.
    pub fn add_input(&self, input: &InputRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO temp.input
                   (source, path, len, mtime_ns, racy_ns, sha256, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                input.source,
                input.path.map(path_bytes),
                input.stamp.map(|s| s.len as i64),
                input.stamp.map(|s| s.mtime_ns as i64),
                input.stamp.map(|s| s.racy_window_ns as i64),
                input.sha256,
                input.error,
            ])?;
        Ok(())
    }

    /// Take the last run's sha256 for every input file whose size and mtime
    /// are unchanged, if its stamp had settled when the last run took it at
    /// `stamped_at_ns` (see [`Stamp::settled_before`]).
    pub fn reuse_hashes(&self, stamped_at_ns: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE temp.input SET sha256 = f.sha256 FROM files f
             WHERE f.source = input.source AND f.len = input.len
               AND f.mtime_ns = input.mtime_ns AND input.mtime_ns + input.racy_ns < ?1
               AND input.path IS NOT NULL AND input.error IS NULL",
            [stamped_at_ns as i64],
        )?;
        Ok(())
    }

    /// Up to `limit` input files still to hash, with sources after `after`.
    pub fn unhashed(&self, after: &str, limit: usize) -> Result<Vec<(String, PathBuf)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, path FROM temp.input
             WHERE source > ?1 AND sha256 IS NULL AND error IS NULL AND path IS NOT NULL
             ORDER BY source LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit as i64], |r| {
            Ok((r.get(0)?, path_from(r.get(1)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The sha256 of an input file, or why it could not be read.
    pub fn set_hash(&self, source: &str, sha256: std::result::Result<&str, &str>) -> Result<()> {
        let (sha256, error) = match sha256 {
            Ok(sha) => (Some(sha), None),
            Err(e) => (None, Some(e)),
        };
        self.conn
            .prepare_cached("UPDATE temp.input SET sha256 = ?2, error = ?3 WHERE source = ?1")?
            .execute(params![source, sha256, error])?;
        Ok(())
    }

    pub fn inputs(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM temp.input", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// A per-document file found under the out dir.
    pub fn add_present(&self, id: &str, is_report: bool) -> Result<()> {
        let sql = if is_report {
            "INSERT OR IGNORE INTO temp.present_report (id) VALUES (?1)"
        } else {
            "INSERT OR IGNORE INTO temp.present_rows (id) VALUES (?1)"
        };
        self.conn.prepare_cached(sql)?.execute([id])?;
        Ok(())
    }

    /// Decide what to process: one document per distinct sha256 (its source
    /// is the first input, in source order, holding it); it is processed
    /// again unless its report and rows are on disk and were made from that
    /// source with `fingerprint`. Unreadable inputs are always redone.
    /// Unchanged documents join this run's documents; the rest are queued
    /// largest first. Returns (to process, unchanged).
    pub fn plan(&self, fingerprint: &str, force: bool) -> Result<(u64, u64)> {
        self.conn.execute_batch(
            "CREATE TEMP TABLE candidate AS
               SELECT sha256 AS id, MIN(source) AS source FROM temp.input
               WHERE sha256 IS NOT NULL GROUP BY sha256;",
        )?;
        let unchanged = self.conn.execute(
            "INSERT INTO temp.run_doc (id, replaced)
             SELECT c.id, 0 FROM temp.candidate c
               JOIN documents d ON d.id = c.id
               JOIN temp.present_report r ON r.id = c.id
               JOIN temp.present_rows w ON w.id = c.id
               JOIN across_doc a ON a.id = c.id
             WHERE NOT ?2 AND d.source = c.source AND d.fingerprint = ?1",
            params![fingerprint, force],
        )? as u64;
        let todo = self.conn.execute(
            "INSERT INTO temp.todo (source, path, error)
             SELECT i.source, i.path, i.error FROM temp.input i
             WHERE i.error IS NOT NULL
                OR i.source IN (SELECT c.source FROM temp.candidate c
                                WHERE c.id NOT IN (SELECT id FROM temp.run_doc))
             ORDER BY COALESCE(i.len, 0) DESC, i.source",
            [],
        )? as u64;
        self.conn.execute_batch("DROP TABLE temp.candidate")?;
        Ok((todo, unchanged))
    }

    /// Up to `limit` inputs to process, after the `after`-th.
    pub fn todo(&self, after: u64, limit: usize) -> Result<Vec<Todo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.source, t.path, t.error, i.sha256, i.len, i.mtime_ns, i.racy_ns
             FROM temp.todo t JOIN temp.input i ON i.source = t.source
             WHERE t.rowid > ?1 ORDER BY t.rowid LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after as i64, limit as i64], |r| {
            let sha256: Option<String> = r.get(3)?;
            let stamp = match (
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ) {
                (Some(len), Some(mtime_ns), Some(racy_ns)) => Some(Stamp {
                    len: len as u64,
                    mtime_ns: mtime_ns as u64,
                    racy_window_ns: u64::try_from(racy_ns).unwrap_or(u64::MAX),
                }),
                _ => None,
            };
            Ok(Todo {
                source: r.get(0)?,
                path: r.get::<_, Option<Vec<u8>>>(1)?.map(path_from),
                error: r.get(2)?,
                hashed: sha256.zip(stamp),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A document processed in this run, from `source`, with what the
    /// comparison across documents needs of it.
    pub fn add_processed(
        &self,
        id: &str,
        source: &str,
        fingerprint: &str,
        totals: &DocumentTotals,
        across: &AcrossDoc,
    ) -> Result<()> {
        // What it was, if it was (another version may have read it
        // otherwise); its findings across documents are made again, or,
        // with no entity now, are none.
        self.conn
            .prepare_cached(&format!("INSERT INTO across_changed {CHANGED} id = ?1"))?
            .execute([id])?;
        self.conn
            .prepare_cached("DELETE FROM across_finding WHERE document_id = ?1")?
            .execute([id])?;
        let head = across.head();
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO across_doc (id, entity_key, scope, kind, year, digest, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                head.entity_key,
                head.scope,
                head.kind,
                head.fiscal_year,
                head.digest,
                serde_json::to_string(across)?
            ])?;
        self.conn
            .prepare_cached(&format!("INSERT INTO across_changed {CHANGED} id = ?1"))?
            .execute([id])?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO documents (id, source, fingerprint, totals)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                id,
                source,
                fingerprint,
                serde_json::to_string(totals)?
            ])?;
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO temp.run_doc (id, replaced) VALUES (?1, 1)")?
            .execute([id])?;
        self.forget_part_of(id)
    }

    /// Keep in this run the documents of earlier runs whose source is not an
    /// input now and that `keeps` (their report, rows and comparison
    /// summary still on disk), `limit` at a time. A document whose bytes are
    /// an input now (under another name) is this run's, not kept. Returns
    /// how many.
    pub fn keep_earlier(&self, keeps: &dyn Fn(&str) -> bool, limit: usize) -> Result<u64> {
        let mut kept = 0u64;
        let mut after = String::new();
        loop {
            let page: Vec<(String, String)> = self
                .conn
                .prepare_cached(
                    "SELECT d.id, d.source FROM documents d
                     WHERE d.id > ?1
                       AND d.id NOT IN (SELECT id FROM temp.run_doc)
                       AND d.source NOT IN (SELECT source FROM temp.input)
                       AND d.id NOT IN (SELECT sha256 FROM temp.input WHERE sha256 IS NOT NULL)
                       AND d.id IN (SELECT id FROM temp.present_report)
                       AND d.id IN (SELECT id FROM temp.present_rows)
                       AND d.id IN (SELECT id FROM across_doc)
                     ORDER BY d.id LIMIT ?2",
                )?
                .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let Some((last, _)) = page.last() else {
                return Ok(kept);
            };
            after.clone_from(last);
            for (id, source) in &page {
                if keeps(source) {
                    self.conn
                        .prepare_cached(
                            "INSERT OR IGNORE INTO temp.run_doc (id, replaced) VALUES (?1, 0)",
                        )?
                        .execute([id])?;
                    kept += 1;
                }
            }
        }
    }

    /// The documents of earlier runs that leave the dataset now (their
    /// source is no input of this run, and they were not kept): how many,
    /// and the sources of the first `limit`, in source order.
    pub fn leaving(&self, limit: usize) -> Result<(u64, Vec<String>)> {
        const LEAVING: &str = "FROM documents WHERE id NOT IN (SELECT id FROM temp.run_doc)
             AND source NOT IN (SELECT source FROM temp.input)";
        let count: i64 = self
            .conn
            .query_row(&format!("SELECT COUNT(*) {LEAVING}"), [], |r| r.get(0))?;
        let sources = self
            .conn
            .prepare(&format!("SELECT source {LEAVING} ORDER BY source LIMIT ?1"))?
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((count as u64, sources))
    }

    /// Forget what was recorded of document `id`: its report is about to
    /// be rewritten, and until that is recorded it vouches for nothing.
    pub fn forget(&self, id: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM documents WHERE id = ?1")?
            .execute([id])?;
        self.forget_part_of(id)
    }

    /// The exported part holding `id` no longer holds what its key says:
    /// the document's rows are being made again.
    fn forget_part_of(&self, id: &str) -> Result<()> {
        if let Ok(part) = crate::export::parts::part_of(id) {
            self.conn
                .prepare_cached("DELETE FROM part_key WHERE part = ?1")?
                .execute([part])?;
        }
        Ok(())
    }

    /// The key of every part of the published exports (see
    /// [`crate::export::parts`]); at most 4,097 of them.
    pub fn part_keys(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut stmt = self.conn.prepare("SELECT part, key FROM part_key")?;
        let keys = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    /// Record the keys of the parts now published, in place of the others.
    pub fn set_part_keys(&self, keys: &std::collections::BTreeMap<String, String>) -> Result<()> {
        self.conn.execute("DELETE FROM part_key", [])?;
        let mut stmt = self
            .conn
            .prepare("INSERT INTO part_key (part, key) VALUES (?1, ?2)")?;
        for (part, key) in keys {
            stmt.execute([part, key])?;
        }
        Ok(())
    }

    /// Forget documents that are not part of this run (and the keys of
    /// their parts), and record this run's file stamps (taken at
    /// `stamped_at_ns`).
    pub fn settle(&self, stamped_at_ns: u64) -> Result<()> {
        self.conn.execute_batch(&format!(
            "DELETE FROM part_key WHERE part IN (SELECT substr(id, 1, 3) FROM documents
               WHERE id NOT IN (SELECT id FROM temp.run_doc));
             DELETE FROM documents WHERE id NOT IN (SELECT id FROM temp.run_doc);
             INSERT INTO across_changed {CHANGED} id NOT IN (SELECT id FROM temp.run_doc);
             DELETE FROM across_finding WHERE document_id IN
               (SELECT id FROM across_doc WHERE id NOT IN (SELECT id FROM temp.run_doc));
             DELETE FROM across_doc WHERE id NOT IN (SELECT id FROM temp.run_doc);
             DELETE FROM files WHERE source NOT IN (SELECT source FROM temp.input);
             INSERT OR REPLACE INTO files (source, len, mtime_ns, sha256)
               SELECT source, len, mtime_ns, sha256 FROM temp.input i
               WHERE sha256 IS NOT NULL AND len IS NOT NULL AND mtime_ns IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM files f WHERE f.source = i.source
                   AND f.len = i.len AND f.mtime_ns = i.mtime_ns AND f.sha256 = i.sha256);
             DELETE FROM files WHERE source IN (SELECT source FROM temp.input
               WHERE sha256 IS NULL OR len IS NULL OR mtime_ns IS NULL);",
        ))?;
        self.set_meta("stamped_at_ns", Some(&stamped_at_ns.to_string()))
    }

    /// Ids found on disk that are not documents of this run, in pages.
    pub fn stale(&self, after: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM (SELECT id FROM temp.present_report
                             UNION SELECT id FROM temp.present_rows)
             WHERE id > ?1 AND id NOT IN (SELECT id FROM temp.run_doc) ORDER BY id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// This run's documents in id order, each with what its rows were
    /// made from (source and fingerprint): `limit` at a time, after `after`.
    pub fn run_documents(&self, after: &str, limit: usize) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, d.source || char(10) || d.fingerprint
             FROM temp.run_doc r JOIN documents d ON d.id = r.id
             WHERE r.id > ?1 ORDER BY r.id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The totals of this run's documents, one at a time.
    pub fn each_totals(&self, mut f: impl FnMut(DocumentTotals)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT d.totals FROM documents d JOIN temp.run_doc r ON r.id = d.id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let json: String = row.get(0)?;
            f(serde_json::from_str(&json).context("a run-state total is not readable")?);
        }
        Ok(())
    }

    /// Up to `limit` entities whose documents changed (came, went or were
    /// read again) since they were last compared, after `after`.
    pub fn dirty_entities(&self, after: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT entity_key FROM across_changed WHERE entity_key > ?1
             ORDER BY entity_key LIMIT ?2",
        )?;
        let keys = stmt
            .query_map(params![after, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    /// This run's documents of entity `key` by id, and those that came,
    /// went or were read again since it was compared (as they were then
    /// and as they are now): what pairing them needs.
    pub fn entity_heads(&self, key: &str) -> Result<(Vec<AcrossHead>, Vec<AcrossHead>)> {
        let head = |r: &rusqlite::Row| {
            Ok(AcrossHead {
                id: r.get(0)?,
                entity_key: Some(key.to_string()),
                scope: r.get(1)?,
                kind: r.get(2)?,
                fiscal_year: r.get(3)?,
                digest: r.get(4)?,
            })
        };
        let docs = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.scope, a.kind, a.year, a.digest FROM across_doc a
                 JOIN temp.run_doc r ON r.id = a.id WHERE a.entity_key = ?1 ORDER BY a.id",
            )?
            .query_map([key], head)?
            .collect::<rusqlite::Result<_>>()?;
        let changed = self
            .conn
            .prepare_cached(
                "SELECT id, scope, kind, year, digest FROM across_changed WHERE entity_key = ?1",
            )?
            .query_map([key], head)?
            .collect::<rusqlite::Result<_>>()?;
        Ok((docs, changed))
    }

    /// What the comparison needs of the documents `ids`.
    pub fn across_docs(&self, ids: &[&str]) -> Result<Vec<AcrossDoc>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT summary FROM across_doc WHERE id = ?1")?;
        ids.iter()
            .map(|id| {
                let json: String = stmt.query_row([id], |r| r.get(0))?;
                serde_json::from_str(&json).context("a run-state summary is not readable")
            })
            .collect()
    }

    /// Record the findings across documents of the documents `ids` of
    /// entity `key`, compared again: the entity is compared.
    pub fn set_findings(&self, key: &str, ids: &[&str], findings: &[CrossFinding]) -> Result<()> {
        let mut delete = self
            .conn
            .prepare_cached("DELETE FROM across_finding WHERE document_id = ?1")?;
        for id in ids {
            delete.execute([id])?;
            self.forget_part_of(id)?;
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO across_finding
               (document_id, finding_no, entity_key, severity, finding)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for found in findings {
            insert.execute(params![
                found.document_id,
                found.finding_no as i64,
                key,
                crate::export::columns::severity_word(found.finding.severity),
                serde_json::to_string(found)?
            ])?;
        }
        self.conn
            .prepare_cached("DELETE FROM across_changed WHERE entity_key = ?1")?
            .execute([key])?;
        Ok(())
    }

    /// The findings across documents of the documents of export part
    /// `part` (ids starting with it), in document and finding order.
    pub fn part_findings(&self, part: &str) -> Result<Vec<CrossFinding>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT finding FROM across_finding WHERE document_id >= ?1 AND document_id < ?2
             ORDER BY document_id, finding_no",
        )?;
        let mut rows = stmt.query(params![part, format!("{part}~")])?;
        let mut findings = Vec::new();
        while let Some(row) = rows.next()? {
            let json: String = row.get(0)?;
            findings
                .push(serde_json::from_str(&json).context("a run-state finding is not readable")?);
        }
        Ok(findings)
    }

    /// How many findings across documents there are, by severity.
    pub fn across_totals(&self) -> Result<DocumentTotals> {
        let mut stmt = self
            .conn
            .prepare("SELECT severity, COUNT(*) FROM across_finding GROUP BY severity")?;
        let counts = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(DocumentTotals {
            findings_by_severity: counts,
            ..Default::default()
        })
    }

    /// Commit everything and close.
    pub fn finish(self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.conn.close().map_err(|(_, e)| e)?;
        Ok(())
    }
}
