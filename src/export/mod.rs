//! Open-data exports of many reports: `documents/<sha256>.json` per
//! document, the three tables in parts (`csv/<table>/<part>-<key>.csv`,
//! `jsonl/facts/<part>-<key>.jsonl`, `parquet/<table>/<part>-<key>.parquet`: see
//! [`parts`]), `datapackage.json` and `caizheng.sqlite`.
//!
//! Each report's rows are rendered once, when the report is written, into a
//! cache file ([`rows`]). An export rewrites only the parts whose documents
//! changed, from those cache files, and brings the database up to date for
//! the same parts, in place (one thread), so a re-run after a crawl costs
//! the changed parts, not the dataset.
//!
//! Nothing published is ever half-written, and the dataset switches from
//! the previous export to the new one at one moment. Each file is written
//! whole as its `.part`, synced and renamed into place; a part's files are
//! named by its key, so a changed part is new files beside the previous
//! ones. The database, last, is either built anew beside and renamed the
//! same way (a first run, `--force`) or updated in one transaction with
//! its rollback journal; either way its `parts` table names, in the same
//! commit as its rows, the part files those rows are in ([`parts::published`]).
//! That commit is the switch: `datapackage.json` is renamed after it, and
//! the files nothing names any more deleted after that. A kill leaves the
//! database and the files it names agreeing, previous or new; a kill
//! during the update leaves a hot journal beside the database, which the
//! next run (or any writer opening it) rolls back to the previous database
//! before anything else. Only the run holding the output folder's lock
//! (see [`crate::batch`]) writes, or deletes scratch files, there.
//!
//! The CSV, JSONL, Parquet and JSON files are a pure function of the
//! reports — rows sorted by document id then report order, no timestamps —
//! so the same inputs give byte-identical files, incremental or not. The
//! SQLite database is byte-identical when built fresh; after an incremental
//! update it holds the same rows, but its page layout differs (`caizheng
//! run --force` rebuilds it).

pub mod columns;
mod database;
pub mod datapackage;
pub mod grids;
#[cfg(feature = "parquet")]
mod parquet;
pub mod parts;
pub mod rows;
pub mod sqlite;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use columns::Cell;

use anyhow::{bail, Context, Result};

use crate::reconcile::across::CrossFinding;
use crate::report::Report;
use parts::PartDocs;
use rows::Rows;

pub const DOCUMENTS_DIR: &str = "documents";
pub const SQLITE_FILE: &str = "caizheng.sqlite";
pub const DATAPACKAGE: &str = "datapackage.json";

/// Where the per-document report of `document_id` lives under `out`.
pub fn report_path(out: &Path, document_id: &str) -> PathBuf {
    out.join(DOCUMENTS_DIR).join(format!("{document_id}.json"))
}

/// Write `bytes` to `path` and wait until they are on disk.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Make the renames inside `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// Write `path` through a scratch file renamed into place, so an interrupted
/// run never leaves a half-written file that a later run would trust.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = parts::scratch(path);
    fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Write one per-document report (schema `caizheng.report/1`, pretty JSON)
/// and its rendered rows; returns the report's totals.
pub fn write_report(out: &Path, report: &Report) -> Result<rows::DocumentTotals> {
    let dir = out.join(DOCUMENTS_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let id = columns::document_id(report);
    let path = report_path(out, id);
    // The tables first: the report is what marks the document as written.
    grids::write_tables(out, id, &report.tables)?;
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    write_atomically(&path, &json)?;
    let rows = Rows::render(report);
    rows::write_rows(out, id, &rows)?;
    Ok(rows.totals)
}

pub fn read_report(out: &Path, document_id: &str) -> Result<Report> {
    let path = report_path(out, document_id);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a caizheng report", path.display()))
}

/// Hand `found` the id of every report (`documents/<id>.json`, `true`)
/// and of every cached rows file (`.rows/<id>.rows`, `false`) under `out`,
/// one directory listing each, without holding the listing in memory; the
/// scratch files of an interrupted run there are deleted, before this run
/// writes one of the same name. Only the holder of the folder's lock may
/// call this.
pub fn list_written(out: &Path, found: &mut dyn FnMut(&str, bool) -> Result<()>) -> Result<()> {
    for (dir, suffix, is_report) in [
        (DOCUMENTS_DIR, ".json", true),
        (rows::ROWS_DIR, ".rows", false),
    ] {
        let dir = out.join(dir);
        if !dir.is_dir() {
            continue;
        }
        let listing =
            fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in listing {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            match name.strip_suffix(suffix) {
                Some(id) => found(id, is_report)?,
                None if name.ends_with(PART) => remove_if_present(&entry.path())?,
                None => {} // the run state lives here too
            }
        }
    }
    Ok(())
}

/// The single row files of earlier versions, replaced by the parts: left
/// in place they would hold a stale copy of the dataset.
const UNPARTITIONED: [&str; 5] = [
    "documents.csv",
    "facts.csv",
    "findings.csv",
    "facts.jsonl",
    ".rows/exports.layout",
];

/// Delete the scratch files a killed or failed run left in `out` itself
/// and in the part folders (the `.part` of each export file, and the
/// `.old.part` earlier versions moved files aside to), and the row files
/// of earlier versions; scratch files under `documents/` and `.rows/` are
/// deleted by [`list_written`]. Other files in `out` are the user's and
/// stay. An update of the database a killed run left unfinished is rolled
/// back. Only the holder of the folder's lock may call this.
pub fn remove_parts(out: &Path) -> Result<()> {
    sqlite::recover(&out.join(SQLITE_FILE))
        .context("cannot roll back the unfinished update of the database")?;
    for name in [DATAPACKAGE, SQLITE_FILE].into_iter().chain(UNPARTITIONED) {
        remove_if_present(&part(out, name))?;
        remove_if_present(&out.join(format!("{name}.old{PART}")))?;
    }
    for name in UNPARTITIONED {
        remove_if_present(&out.join(name))?;
    }
    parts::remove_scratch(out)
}

/// Delete the file or folder at `path`, if there is one.
fn remove_if_present(path: &Path) -> Result<()> {
    let removed = match path.is_dir() {
        true => fs::remove_dir_all(path),
        false => fs::remove_file(path),
    };
    match removed {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Deletes files on threads of its own, so that whoever finds them need not
/// wait: an unlink can wait for the disk (on ext4 mounted with `discard`, a
/// file's blocks are discarded before the call returns: 0.1–0.5 ms a file on
/// the machine measured), and a crawl that replaced many documents has many
/// files to delete. Several at once: like fsyncs, concurrent unlinks share
/// the wait (100 files of 200 KB just synced, with another build on the
/// machine: 2.6–3.3 ms a file one at a time, 0.16–0.19 ms with four
/// threads). One thread deleting the 18 replaced parts (7 files each) and
/// the 10 replaced reports of a 10-changed re-run of the 1,000-document
/// corpus kept the run waiting 0.4 s at its end; eight, under 1 ms.
pub struct Remover {
    paths: std::sync::mpsc::SyncSender<PathBuf>,
    threads: Vec<std::thread::JoinHandle<Result<()>>>,
    pending: Arc<Pending>,
}

/// Paths handed to a [`Remover`] and not deleted yet.
#[derive(Default)]
struct Pending {
    count: std::sync::Mutex<usize>,
    none: std::sync::Condvar,
}

impl Pending {
    fn add(&self, n: isize) {
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *count = count.saturating_add_signed(n);
        if *count == 0 {
            self.none.notify_all();
        }
    }
}

/// One path taken off the queue: done with, deleted or not, when dropped.
struct Taken<'a>(&'a Pending);

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        self.0.add(-1);
    }
}

/// Waits until every path handed to a [`Remover`] so far (and since) is deleted.
pub struct Drained(Arc<Pending>);

impl Drained {
    pub fn wait(self) {
        let mut count = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        while *count > 0 {
            count = self.0.none.wait(count).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Paths waiting for the remover: memory stays bounded however many there are.
const REMOVALS_IN_FLIGHT: usize = 4096;
/// Files deleted at once.
const REMOVERS: usize = 8;

impl Remover {
    pub fn start() -> Result<Remover> {
        let (paths, queued) = std::sync::mpsc::sync_channel::<PathBuf>(REMOVALS_IN_FLIGHT);
        let queued = Arc::new(std::sync::Mutex::new(queued));
        let pending = Arc::new(Pending::default());
        let threads = (0..REMOVERS)
            .map(|_| {
                let queued = Arc::clone(&queued);
                let pending = Arc::clone(&pending);
                std::thread::Builder::new()
                    .name("remove stale".into())
                    .spawn(move || {
                        // Past a failure it goes on deleting: only the first is reported.
                        let mut first = Ok(());
                        // The queue is locked only to take the next path.
                        while let Ok(Ok(path)) = queued.lock().map(|q| q.recv()) {
                            let _taken = Taken(&pending);
                            let removed = remove_if_present(&path);
                            if first.is_ok() {
                                first = removed;
                            }
                        }
                        first
                    })
                    .context("cannot start the file remover")
            })
            .collect::<Result<_>>()?;
        Ok(Remover {
            paths,
            threads,
            pending,
        })
    }

    /// Queue `path` for deletion; a failure is reported by [`Self::finish`].
    pub fn remove(&self, path: PathBuf) {
        self.pending.add(1);
        // The threads only end early by panicking, which `finish` reports.
        if self.paths.send(path).is_err() {
            self.pending.add(-1);
        }
    }

    /// What waits until the paths handed over so far are deleted.
    pub fn drained(&self) -> Drained {
        Drained(Arc::clone(&self.pending))
    }

    /// Wait until every path handed over is deleted; the first failure.
    pub fn finish(self) -> Result<()> {
        let Remover { paths, threads, .. } = self;
        drop(paths);
        let mut first = Ok(());
        for thread in threads {
            let removed = thread
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the file remover panicked")));
            if first.is_ok() {
                first = removed;
            }
        }
        first
    }
}

/// Hand `remover` the report and rows of every stale document id that
/// `stale(after)` pages out (ids after `after`, in order; an empty page
/// ends): once they are deleted, the out dir describes exactly this run.
pub fn prune_written(
    out: &Path,
    stale: &mut dyn FnMut(&str) -> Result<Vec<String>>,
    remover: &Remover,
) -> Result<()> {
    let mut after = String::new();
    loop {
        let page = stale(&after)?;
        for id in &page {
            remover.remove(report_path(out, id));
            remover.remove(rows::rows_path(out, id));
            remover.remove(grids::tables_dir(out, id));
        }
        match page.last() {
            Some(last) => after.clone_from(last),
            None => return Ok(()),
        }
    }
}

/// Totals over the exported documents, for the end-of-run table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub documents: u64,
    pub facts: u64,
    pub findings_by_severity: BTreeMap<String, u64>,
    /// Documents with at least one error, by the first error's reason.
    pub errors_by_reason: BTreeMap<String, u64>,
}

impl ExportSummary {
    pub fn findings(&self) -> u64 {
        self.findings_by_severity.values().sum()
    }

    pub fn documents_with_errors(&self) -> u64 {
        self.errors_by_reason.values().sum()
    }

    pub fn add(&mut self, totals: &rows::DocumentTotals) {
        self.documents += 1;
        self.add_findings(totals);
    }

    /// The facts, findings and errors of `totals`, without counting a document.
    pub fn add_findings(&mut self, totals: &rows::DocumentTotals) {
        self.facts += totals.facts;
        for (severity, n) in &totals.findings_by_severity {
            *self
                .findings_by_severity
                .entry(severity.clone())
                .or_default() += n;
        }
        if let Some(reason) = &totals.error {
            *self.errors_by_reason.entry(reason.clone()).or_default() += 1;
        }
    }
}

const PART: &str = ".part";

fn part(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}{PART}"))
}

/// A document to export, as listed by the caller in increasing id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    /// What its rows were made from (its source and the configuration
    /// fingerprint): with the id, what the key of its part is made of.
    pub made_from: String,
}

/// What an export did.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// The key of every part the exports now hold, by part: for the caller
    /// to record once this returns (the files are then in place), and to
    /// hand the next export.
    pub keys: BTreeMap<String, String>,
    /// Parts written, and the bytes of their files.
    pub parts_written: usize,
    pub bytes_written: u64,
    /// Whether the database was written (built anew or updated).
    pub database_written: bool,
}

/// Changed parts handed to the writers at a time: enough to keep the
/// threads busy, few enough to hold their documents' ids in memory.
const PARTS_PER_BATCH: usize = 64;

/// The findings across documents of the documents of a part, asked for a
/// part at a time, in document and finding order.
pub type AcrossOf<'a> = dyn FnMut(&str) -> Result<Vec<CrossFinding>> + 'a;

/// The parts of the listed documents, each with its key, in order: a
/// part's findings across documents (those of its documents) count in its
/// key as their rows. A part `unchanged` gives a key of is that, its
/// findings not read.
fn each_part(
    documents: impl IntoIterator<Item = Result<Listed>>,
    across_of: &mut AcrossOf,
    unchanged: impl Fn(&str) -> Option<String>,
    mut f: impl FnMut(PartDocs) -> Result<()>,
) -> Result<()> {
    let mut current: Option<(PartDocs, parts::KeyHasher)> = None;
    let mut last_id: Option<String> = None;
    let mut finish = |(mut part, mut key): (PartDocs, parts::KeyHasher)| {
        if let Some(key) = unchanged(&part.name) {
            part.key = key;
            return f(part);
        }
        part.across = columns::cross_finding_rows(&across_of(&part.name)?);
        for row in &part.across {
            part.across_csv
                .extend(rows::csv_line(row.iter().map(Cell::as_csv)));
        }
        if !part.across.is_empty() {
            // After its documents, under a name no document id has.
            key.add("~across", &String::from_utf8_lossy(&part.across_csv));
        }
        part.key = key.finish();
        f(part)
    };
    for listed in documents {
        let Listed { id, made_from } = listed?;
        if last_id.as_ref().is_some_and(|last| *last >= id) {
            bail!("document ids must be exported in increasing order");
        }
        let name = parts::part_of(&id)?;
        if current.as_ref().is_some_and(|(p, _)| p.name != name) {
            finish(current.take().expect("checked"))?;
        }
        let (part, key) = current.get_or_insert_with(|| {
            let part = PartDocs {
                name: name.to_string(),
                ..Default::default()
            };
            (part, parts::KeyHasher::new())
        });
        key.add(&id, &made_from);
        part.ids.push(id.clone());
        last_id = Some(id);
    }
    if let Some(current) = current {
        finish(current)?;
    }
    Ok(())
}

/// Bring the exports under `out` up to date for `documents` (their reports
/// written with [`write_report`]), listed in increasing id order, and the
/// findings across documents: the parts whose key is not in `recorded` (or
/// whose files are missing) are written, the database brought up to date
/// for those parts, and the files of previous keys and of parts no
/// document is in any more deleted once it is committed. `recorded`
/// holds only parts whose documents, and their findings across
/// documents, are those its key was made of (the caller forgets the
/// others' keys): a part recorded, in the database with that key and
/// with all its files is unchanged without reading its findings. Memory
/// holds the ids and findings across documents of a batch of parts,
/// whatever the number of documents.
pub fn write_exports(
    out: &Path,
    documents: impl IntoIterator<Item = Result<Listed>>,
    recorded: &BTreeMap<String, String>,
    across_of: &mut AcrossOf,
    remover: &Remover,
) -> Result<Exported> {
    parts::create_dirs(out)?;
    let on_disk = parts::on_disk(out)?;
    let complete = |stem: &str| on_disk.get(stem) == Some(&parts::OUTPUTS.len());
    // Built anew when no part is known to be in it.
    let fresh = recorded.is_empty() || !sqlite::SqliteWriter::updatable(&out.join(SQLITE_FILE));
    // The key of every part the database holds, as committed: the run
    // state records them later, so after a kill in between it is behind.
    let in_database: BTreeMap<String, String> = match fresh {
        true => BTreeMap::new(),
        false => sqlite::parts(&out.join(SQLITE_FILE))?.into_iter().collect(),
    };
    let mut exported = Exported::default();
    let mut written: Vec<String> = Vec::new();
    let database = std::thread::scope(|scope| {
        let (to_database, work) = std::sync::mpsc::sync_channel::<database::Work>(2);
        let db = std::thread::Builder::new()
            .name("export sqlite".into())
            .spawn_scoped(scope, move || database::write_database(out, work, fresh))
            .context("cannot start the database writer")?;
        let mut to_write: Vec<Arc<PartDocs>> = Vec::new();
        let mut to_insert: Vec<Arc<PartDocs>> = Vec::new();
        let mut flush = |to_write: &mut Vec<_>, to_insert: &mut Vec<_>| -> Result<()> {
            if !to_insert.is_empty() && to_database.send(std::mem::take(to_insert)).is_err() {
                bail!("the database writer stopped");
            }
            exported.bytes_written += parts::write_document_parts(out, to_write)?;
            written.extend(to_write.drain(..).map(|p| parts::stem(&p.name, &p.key)));
            Ok(())
        };
        // Its files and the database's rows are those of `key` already.
        let published = |name: &str, key: &String| {
            recorded.get(name) == Some(key)
                && (fresh || in_database.get(name) == Some(key))
                && complete(&parts::stem(name, key))
        };
        let unchanged = |name: &str| {
            let key = recorded.get(name)?;
            (!fresh && published(name, key)).then(|| key.clone())
        };
        let planned = each_part(documents, across_of, unchanged, |part| {
            let changed = !published(&part.name, &part.key);
            exported.keys.insert(part.name.clone(), part.key.clone());
            let part = Arc::new(part);
            if changed {
                to_write.push(part.clone());
            }
            if changed || fresh {
                to_insert.push(part);
            }
            if to_write.len() >= PARTS_PER_BATCH || to_insert.len() >= PARTS_PER_BATCH {
                flush(&mut to_write, &mut to_insert)?;
            }
            Ok(())
        });
        let mut finished = planned.and_then(|()| flush(&mut to_write, &mut to_insert));
        // Parts left by every document: their rows leave the database too.
        let gone = in_database
            .keys()
            .filter(|p| !exported.keys.contains_key(*p));
        if finished.is_ok() {
            to_insert.extend(gone.map(|name| {
                Arc::new(PartDocs {
                    name: name.clone(),
                    ..Default::default()
                })
            }));
            finished = flush(&mut to_write, &mut to_insert);
        }
        drop(to_database);
        let db = db
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the database writer panicked")));
        // The writer's own error says more than "the database writer stopped".
        let db = db?;
        finished?;
        anyhow::Ok(db)
    })?;
    exported.parts_written = written.len();

    let stems: std::collections::BTreeSet<String> = exported
        .keys
        .iter()
        .map(|(part, key)| parts::stem(part, key))
        .collect();
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor(&stems))?;
    package.push(b'\n');
    // Mostly the same bytes run after run: then it is left as it is.
    let package_changed = fs::read(out.join(DATAPACKAGE)).ok().as_ref() != Some(&package);
    if package_changed {
        write_synced(&part(out, DATAPACKAGE), &package)?;
    }

    // Every new file is complete and on disk. The new part files, named by
    // their new keys, go in beside the previous ones, which nothing stops
    // naming. Then the one switch: the database, renamed or its update
    // committed, names the new files in its `parts` table in the same
    // transaction as their rows. Then the datapackage, which lists them
    // too, and only then are the files no one names deleted. A kill
    // leaves the database naming files that are all there and hold its
    // rows, previous or new; the next run finishes the job.
    for stem in &written {
        parts::publish(out, stem)?;
    }
    parts::sync_dirs(out)?;
    stop_at("before the commit")?;
    exported.database_written = database.publish(out)?;
    stop_at("after the commit")?;
    if package_changed {
        fs::rename(part(out, DATAPACKAGE), out.join(DATAPACKAGE))
            .context("cannot move the datapackage into place")?;
    }
    sync_dir(out)?;
    for path in parts::stale(out, &on_disk, &stems) {
        remover.remove(path);
    }
    Ok(exported)
}

/// Under test, stop at `step` if the test asks to, as a kill there would.
fn stop_at(step: &'static str) -> Result<()> {
    #[cfg(test)]
    if tests::STOP_AT.with(|s| s.get()) == Some(step) {
        bail!("interrupted {step}");
    }
    let _ = step;
    Ok(())
}
