//! The crawl store: content-addressed blobs under `sha256/ab/<hex>` plus a
//! SQLite (WAL) state database of URLs, versions, links and the fetch log.
//!
//! Crash safety rests on two orders: a blob is written to `tmp/`, synced and
//! renamed into place before any row names it; every row change for one URL
//! is a single transaction. A crawl killed at any moment leaves at worst an
//! unreferenced blob, which the next crawl of the same bytes adopts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

use super::http::{Attempt, Validators};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('page', 'document')),
    title TEXT,
    published TEXT,
    filename TEXT,
    etag TEXT,
    last_modified TEXT,
    final_url TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    failure TEXT,
    first_seen INTEGER NOT NULL,
    last_checked INTEGER
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    format TEXT,
    first_stored INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL REFERENCES urls(url),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    content_type TEXT,
    fetched_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_by_url ON versions(url, id);
CREATE INDEX IF NOT EXISTS urls_by_final_url ON urls(final_url);
CREATE TABLE IF NOT EXISTS links (
    from_url TEXT NOT NULL,
    to_url TEXT NOT NULL,
    text TEXT,
    PRIMARY KEY (from_url, to_url)
);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY,
    sites TEXT NOT NULL,
    started INTEGER NOT NULL,
    finished INTEGER
);
CREATE TABLE IF NOT EXISTS fetch_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    bytes INTEGER NOT NULL,
    elapsed_ms INTEGER NOT NULL,
    error TEXT
);
";

/// What storing a fetched body meant for its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    New,
    Changed,
    Unchanged,
}

/// What the store remembers of a URL.
#[derive(Debug, Clone, Default)]
pub struct UrlState {
    pub validators: Validators,
    pub latest_sha256: Option<String>,
    pub latest_content_type: Option<String>,
    pub final_url: Option<String>,
    pub last_checked: Option<i64>,
    pub status: String,
    pub failure: Option<String>,
    /// Consecutive crawls in which the URL timed out.
    pub timeouts: i64,
}

/// A stored document version, ready for `extract` / `run`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDocument {
    pub url: String,
    pub site: String,
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub format: Option<String>,
    pub filename: Option<String>,
    pub title: Option<String>,
    pub published: Option<String>,
    /// 1 for the first version seen, counting up as the document changes.
    pub version: u32,
    pub latest: bool,
}

pub struct Store {
    root: PathBuf,
    db: Mutex<Connection>,
    /// Held for the life of a writing store; the OS drops it when the process dies.
    _lock: Option<fs::File>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("store files: {0}")]
    Io(#[from] std::io::Error),
}

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How long a URL that timed out is left alone: doubled for every further
/// consecutive timeout, so that a page that hangs costs one slow request now
/// and then instead of (retries + 1) × timeout on every crawl.
pub fn timeout_backoff(consecutive_timeouts: i64) -> std::time::Duration {
    const BASE_HOURS: u64 = 6;
    const MAX_HOURS: u64 = 7 * 24;
    let doublings = consecutive_timeouts.clamp(1, 8) as u32 - 1;
    std::time::Duration::from_secs((BASE_HOURS << doublings).min(MAX_HOURS) * 3600)
}

impl Store {
    /// Open or create a store; leftovers of a killed crawl in `tmp/` are removed.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        fs::create_dir_all(root.join("sha256"))?;
        let lock = fs::File::create(root.join("lock"))?;
        if lock.try_lock().is_err() {
            return Err(StoreError::Io(std::io::Error::other(format!(
                "another crawl is writing to {}",
                root.display()
            ))));
        }
        let tmp = root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        let db = Connection::open(root.join("state.sqlite"))?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.pragma_update(None, "foreign_keys", "ON")?;
        db.execute_batch(SCHEMA)?;
        migrate(&db)?;
        Ok(Store {
            root: root.to_path_buf(),
            db: Mutex::new(db),
            _lock: Some(lock),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(&sha256[..2]).join(sha256)
    }

    /// Write bytes as a blob: temporary file, fsync, verify, rename. Returns the sha256.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha = crate::read::sha256_hex(bytes);
        let path = self.blob_path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let tmp = self.root.join("tmp").join(format!(
            "{sha}.{}.{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
        }
        // Read back before publishing: a short write or a bad disk must not become a blob.
        let written = fs::read(&tmp)?;
        if crate::read::sha256_hex(&written) != sha {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::Io(std::io::Error::other(
                "blob verification failed",
            )));
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::rename(&tmp, &path)?;
        if let Some(dir) = path.parent() {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(sha)
    }

    pub fn read_blob(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        Ok(fs::read(self.blob_path(sha256))?)
    }

    pub fn url_state(&self, url: &str) -> Result<Option<UrlState>, StoreError> {
        let db = self.db();
        let state = db
            .query_row(
                "SELECT u.etag, u.last_modified, u.last_checked, u.status, v.sha256, v.content_type, u.final_url,
                        u.failure, u.timeouts
                 FROM urls u LEFT JOIN versions v
                   ON v.id = (SELECT MAX(id) FROM versions w WHERE w.url = u.url)
                 WHERE u.url = ?1",
                [url],
                |r| {
                    Ok(UrlState {
                        validators: Validators {
                            etag: r.get(0)?,
                            last_modified: r.get(1)?,
                        },
                        last_checked: r.get(2)?,
                        status: r.get(3)?,
                        latest_sha256: r.get(4)?,
                        latest_content_type: r.get(5)?,
                        final_url: r.get(6)?,
                        failure: r.get(7)?,
                        timeouts: r.get(8)?,
                    })
                },
            )
            .optional()?;
        Ok(state)
    }

    /// Make sure a URL row exists. A URL linked from several places keeps the
    /// earliest date and that link's title, whatever order the links were seen in,
    /// so that interrupted and uninterrupted crawls agree.
    pub fn note_url(
        &self,
        url: &str,
        site: &str,
        kind: &str,
        title: Option<&str>,
        published: Option<&str>,
    ) -> Result<(), StoreError> {
        self.db().execute(
            "INSERT INTO urls (url, site, kind, title, published, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(url) DO UPDATE SET
                title = CASE
                    WHEN urls.title IS NULL THEN excluded.title
                    WHEN excluded.title IS NOT NULL
                         AND (excluded.published < urls.published
                              OR (excluded.published IS urls.published AND excluded.title < urls.title))
                    THEN excluded.title
                    ELSE urls.title END,
                published = MIN(COALESCE(urls.published, excluded.published),
                                COALESCE(excluded.published, urls.published))",
            params![url, site, kind, title, published, now_millis()],
        )?;
        Ok(())
    }

    pub fn note_link(&self, from: &str, to: &str, text: &str) -> Result<(), StoreError> {
        self.db().execute(
            "INSERT OR IGNORE INTO links (from_url, to_url, text) VALUES (?1, ?2, ?3)",
            params![from, to, text],
        )?;
        Ok(())
    }

    /// Record a complete body for `url` (already stored as blob `sha256`).
    pub fn record_body(&self, url: &str, body: &BodyRecord<'_>) -> Result<Change, StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let now = now_millis();
        tx.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, format, first_stored) VALUES (?1, ?2, ?3, ?4)",
            params![body.sha256, body.size as i64, body.format, now],
        )?;
        let latest: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM versions WHERE url = ?1 ORDER BY id DESC LIMIT 1",
                [url],
                |r| r.get(0),
            )
            .optional()?;
        let change = match latest.as_deref() {
            None => Change::New,
            Some(s) if s == body.sha256 => Change::Unchanged,
            Some(_) => Change::Changed,
        };
        if change != Change::Unchanged {
            tx.execute(
                "INSERT INTO versions (url, sha256, content_type, fetched_at) VALUES (?1, ?2, ?3, ?4)",
                params![url, body.sha256, body.content_type, now],
            )?;
        }
        tx.execute(
            "UPDATE urls SET etag = ?2, last_modified = ?3, final_url = ?4, status = 'ok', failure = NULL,
                 last_checked = ?5, filename = COALESCE(?6, filename), timeouts = 0
             WHERE url = ?1",
            params![url, body.validators.etag, body.validators.last_modified, body.final_url, now, body.filename],
        )?;
        tx.commit()?;
        Ok(change)
    }

    pub fn record_not_modified(&self, url: &str) -> Result<(), StoreError> {
        self.db().execute(
            "UPDATE urls SET status = 'ok', failure = NULL, last_checked = ?2, timeouts = 0 WHERE url = ?1",
            params![url, now_millis()],
        )?;
        Ok(())
    }

    /// A failure; a timeout also counts towards the URL's timeout backoff.
    pub fn record_failure(&self, url: &str, reason: &str) -> Result<(), StoreError> {
        self.db().execute(
            "UPDATE urls SET status = 'failed', failure = ?2, last_checked = ?3,
                 timeouts = CASE WHEN ?2 = 'timeout' THEN timeouts + 1 ELSE 0 END
             WHERE url = ?1",
            params![url, reason, now_millis()],
        )?;
        Ok(())
    }

    /// `url` redirects to `target`, which another link already stores: no copy of its own.
    pub fn record_alias(&self, url: &str, target: &str) -> Result<(), StoreError> {
        self.db().execute(
            "UPDATE urls SET status = 'ok', failure = NULL, final_url = ?2, last_checked = ?3, timeouts = 0
             WHERE url = ?1",
            params![url, target, now_millis()],
        )?;
        Ok(())
    }

    /// The document URL under which the document at `url` is stored, when
    /// that is another URL: a link that redirected to `url`, or `url`
    /// itself stored directly (then `url` is returned).
    pub fn stored_under(&self, url: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db()
            .query_row(
                "SELECT u.url FROM urls u
                 WHERE (u.url = ?1 OR u.final_url = ?1) AND u.kind = 'document'
                   AND EXISTS (SELECT 1 FROM versions v WHERE v.url = u.url)
                 ORDER BY u.url = ?1 DESC, u.url LIMIT 1",
                [url],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Start a crawl of `sites`, or continue the last one of the same sites
    /// if it never finished (it was killed) and began less than a day ago. Returns the crawl id and, when
    /// continuing, the time it started: work checked since then is not redone.
    pub fn begin_crawl(&self, sites: &str) -> Result<(i64, Option<i64>), StoreError> {
        let db = self.db();
        let unfinished: Option<(i64, i64)> = db
            .query_row(
                "SELECT id, started FROM crawls WHERE sites = ?1 ORDER BY id DESC LIMIT 1",
                [sites],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .filter(|_| {
                db.query_row(
                    "SELECT finished IS NULL FROM crawls WHERE sites = ?1 ORDER BY id DESC LIMIT 1",
                    [sites],
                    |r| r.get::<_, bool>(0),
                )
                .unwrap_or(false)
            });
        // A crawl killed long ago is not resumed: what it checked is stale by now.
        const RESUME_WITHIN_MS: i64 = 24 * 3600 * 1000;
        if let Some((id, started)) =
            unfinished.filter(|(_, started)| now_millis() - started < RESUME_WITHIN_MS)
        {
            return Ok((id, Some(started)));
        }
        db.execute(
            "INSERT INTO crawls (sites, started) VALUES (?1, ?2)",
            params![sites, now_millis()],
        )?;
        Ok((db.last_insert_rowid(), None))
    }

    pub fn finish_crawl(&self, id: i64) -> Result<(), StoreError> {
        self.db().execute(
            "UPDATE crawls SET finished = ?2 WHERE id = ?1",
            params![id, now_millis()],
        )?;
        Ok(())
    }

    pub fn log_attempts(&self, attempts: &[Attempt]) -> Result<(), StoreError> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut db = self.db();
        let tx = db.transaction()?;
        let now = now_millis();
        for a in attempts {
            tx.execute(
                "INSERT INTO fetch_log (at, url, status, bytes, elapsed_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![now, a.url, a.status, a.bytes as i64, a.elapsed.as_millis() as i64, a.error],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every stored document version, oldest first per URL.
    pub fn documents(&self) -> Result<Vec<StoredDocument>, StoreError> {
        let mut all = Vec::new();
        let done: Result<(), std::convert::Infallible> = self.each_document(|d| {
            all.push(d);
            Ok(())
        })?;
        let Ok(()) = done;
        Ok(all)
    }

    /// Every stored document version, oldest first per URL, handed to `f`
    /// one at a time; stops at the first error `f` returns, and returns it.
    pub fn each_document<E>(
        &self,
        mut f: impl FnMut(StoredDocument) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT u.url, u.site, v.sha256, b.size, b.format, u.filename, u.title, u.published,
                    (SELECT COUNT(*) FROM versions w WHERE w.url = v.url AND w.id <= v.id),
                    v.id = (SELECT MAX(id) FROM versions w WHERE w.url = v.url)
             FROM versions v JOIN urls u ON u.url = v.url JOIN blobs b ON b.sha256 = v.sha256
             WHERE u.kind = 'document' ORDER BY u.url, v.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let sha: String = r.get(2)?;
            let document = StoredDocument {
                url: r.get(0)?,
                site: r.get(1)?,
                path: self.blob_path(&sha),
                sha256: sha,
                size: r.get::<_, i64>(3)? as u64,
                format: r.get(4)?,
                filename: r.get(5)?,
                title: r.get(6)?,
                published: r.get(7)?,
                version: r.get::<_, i64>(8)? as u32,
                latest: r.get(9)?,
            };
            if let Err(e) = f(document) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }
}

/// Columns added after the first release, added to older stores in place.
fn migrate(db: &Connection) -> Result<(), StoreError> {
    let has_timeouts = db
        .prepare("SELECT 1 FROM pragma_table_info('urls') WHERE name = 'timeouts'")?
        .exists([])?;
    if !has_timeouts {
        db.execute_batch("ALTER TABLE urls ADD COLUMN timeouts INTEGER NOT NULL DEFAULT 0")?;
    }
    Ok(())
}

/// The title and publication date the catalogue (the list or article page
/// that linked it) gave the document at `url` in the store at `root`.
pub fn catalogue_entry(
    root: &Path,
    url: &str,
) -> Result<(Option<String>, Option<String>), StoreError> {
    let db = Connection::open_with_flags(
        root.join("state.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    db.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(db
        .query_row(
            "SELECT title, published FROM urls WHERE url = ?1",
            [url],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None)))
}

/// A complete, verified body and what the response said about it.
pub struct BodyRecord<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub format: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub filename: Option<&'a str>,
    pub final_url: &'a str,
    pub validators: &'a Validators,
}

/// Stored documents of the store at `root`, for feeding `extract` / `run`.
pub fn stored_documents(root: &Path) -> Result<Vec<StoredDocument>, StoreError> {
    Store::open_read_only(root)?.documents()
}

/// [`Store::each_document`] of the store at `root`.
pub fn each_stored_document<E>(
    root: &Path,
    f: impl FnMut(StoredDocument) -> Result<(), E>,
) -> Result<Result<(), E>, StoreError> {
    Store::open_read_only(root)?.each_document(f)
}

impl Store {
    /// Open without touching `tmp/` (a crawl may be running).
    pub fn open_read_only(root: &Path) -> Result<Store, StoreError> {
        let db = Connection::open(root.join("state.sqlite"))?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        db.execute_batch(SCHEMA)?;
        migrate(&db)?;
        Ok(Store {
            root: root.to_path_buf(),
            db: Mutex::new(db),
            _lock: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_in_milliseconds() {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!(
            (now_millis() - real).abs() < 5_000,
            "{} vs {real}",
            now_millis()
        );
    }

    #[test]
    fn a_crawl_killed_two_days_ago_is_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let two_days_ago = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            - 48 * 3600 * 1000;
        store
            .db()
            .execute(
                "INSERT INTO crawls (sites, started) VALUES ('s', ?1)",
                [two_days_ago],
            )
            .unwrap();
        let (_, resumed) = store.begin_crawl("s").unwrap();
        assert_eq!(resumed, None, "a stale crawl was resumed");
        // One killed an hour ago is.
        let (id, _) = store.begin_crawl("t").unwrap();
        let (again, resumed) = store.begin_crawl("t").unwrap();
        assert_eq!(again, id);
        assert!(resumed.is_some());
    }

    #[test]
    fn a_changed_body_keeps_the_old_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let v = Validators::default();
        store
            .note_url("http://h/a.pdf", "s", "document", Some("t"), None)
            .unwrap();
        for (body, expected) in [
            (&b"one"[..], Change::New),
            (b"one", Change::Unchanged),
            (b"two", Change::Changed),
        ] {
            let sha = store.put_blob(body).unwrap();
            let rec = BodyRecord {
                sha256: &sha,
                size: body.len() as u64,
                format: None,
                content_type: None,
                filename: Some("a.pdf"),
                final_url: "http://h/a.pdf",
                validators: &v,
            };
            assert_eq!(store.record_body("http://h/a.pdf", &rec).unwrap(), expected);
        }
        let docs = store.documents().unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(fs::read(&docs[0].path).unwrap(), b"one");
        assert_eq!((docs[1].version, docs[1].latest), (2, true));
        assert!(fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .next()
            .is_none());
    }
}
