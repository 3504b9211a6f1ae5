//! Open-data exports of many reports: `documents/<sha256>.json` per document,
//! then `documents.csv`, `facts.csv`, `facts.jsonl`, `findings.csv`,
//! `datapackage.json` and `caizheng.sqlite`.
//!
//! Each report's rows are rendered once, when the report is written, into a
//! cache file ([`rows`]). The four row files (CSV, JSONL) and the database
//! are then written side by side, one thread each, streaming in document-id
//! order (one document's rows in memory at a time). After a crawl only the
//! changed documents' rows are read: the rest is copied from the previous
//! files by the kernel ([`layout`]), and a copy of the database is updated.
//!
//! Nothing published is ever half-written: each row file is written whole
//! as its `.part`, synced, and renamed over the previous one, the database
//! last, so a kill leaves every file either as it was or as the new export
//! has it; no journal is ever left beside the published database. Only the run holding the output folder's lock
//! (see [`crate::batch`]) writes, or deletes scratch files, there.
//!
//! The CSV, JSONL and JSON files are a pure function of the reports — rows
//! sorted by document id then report order, no timestamps — so the same
//! inputs give byte-identical files, incremental or not. The SQLite database
//! is byte-identical when built fresh; after an incremental update it holds
//! the same rows, but its page layout differs (`caizheng run --force`
//! rebuilds it).

pub mod across;
mod database;
pub mod datapackage;
pub mod grids;
pub mod layout;
pub mod rows;
pub mod sqlite;
pub mod tables;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::report::Report;
use database::{write_database, DatabaseUpdate};
use rows::Rows;
use tables::{Table, DOCUMENTS, FACTS, FINDINGS};

pub const DOCUMENTS_DIR: &str = "documents";
pub const SQLITE_FILE: &str = "caizheng.sqlite";
pub const FACTS_JSONL: &str = "facts.jsonl";
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
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// Write `path` through a scratch file renamed into place, so an interrupted
/// run never leaves a half-written file that a later run would trust.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.part");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// Write one per-document report (schema `caizheng.report/1`, pretty JSON)
/// and its rendered rows; returns the report's totals.
pub fn write_report(out: &Path, report: &Report) -> Result<rows::DocumentTotals> {
    let dir = out.join(DOCUMENTS_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let id = tables::document_id(report);
    let path = report_path(out, id);
    // The tables first: the report is what marks the document as written.
    grids::write_tables(out, id, &report.tables)?;
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    write_atomically(&path, &json).with_context(|| format!("cannot write {}", path.display()))?;
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

/// A per-document file found under the out dir by [`list_written`].
#[derive(Debug)]
pub struct WrittenFile {
    /// The document it belongs to; `None` for a scratch file of an
    /// interrupted run.
    pub id: Option<String>,
    /// A report (`documents/<id>.json`), else cached rows (`.rows/<id>.rows`).
    pub is_report: bool,
    pub path: PathBuf,
}

/// Hand every per-document file under `out` to `found`, one directory
/// listing each, without holding the listing in memory.
pub fn list_written(out: &Path, found: &mut dyn FnMut(WrittenFile) -> Result<()>) -> Result<()> {
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
            let id = match name.strip_suffix(suffix) {
                Some(id) => Some(id.to_string()),
                None if name.ends_with(PART) => None,
                None => continue, // the layout, run state and previous row files live here too
            };
            found(WrittenFile {
                id,
                is_report,
                path: entry.path(),
            })?;
        }
    }
    Ok(())
}

/// Delete the scratch files a killed or failed run left in `out` itself
/// (the `.part` of each export file, and the `.old.part` earlier versions
/// moved files aside to); those under `documents/` and `.rows/` are found
/// by [`list_written`]. Other files in `out` are the user's and stay. Only
/// the holder of the folder's lock may call this.
pub fn remove_parts(out: &Path) -> Result<()> {
    for name in export_files() {
        remove_if_present(&part(out, &name))?;
        remove_if_present(&out.join(format!("{name}.old{PART}")))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    if path.is_dir() {
        return grids::remove_dir_if_present(path);
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Deletes files on a thread of its own, so that whoever finds them need not
/// wait: an unlink can wait for the disk (on ext4 mounted with `discard`, a
/// file's blocks are discarded before the call returns: 0.1–0.5 ms a file on
/// the machine measured), and a crawl that replaced many documents has many
/// files to delete.
pub struct Remover {
    paths: std::sync::mpsc::SyncSender<PathBuf>,
    thread: std::thread::JoinHandle<Result<()>>,
}

/// Paths waiting for the remover: memory stays bounded however many there are.
const REMOVALS_IN_FLIGHT: usize = 4096;

impl Remover {
    pub fn start() -> Result<Remover> {
        let (paths, queued) = std::sync::mpsc::sync_channel::<PathBuf>(REMOVALS_IN_FLIGHT);
        let thread = std::thread::Builder::new()
            .name("remove stale".into())
            .spawn(move || {
                // Past a failure it goes on deleting: only the first is reported.
                let mut first = Ok(());
                for path in queued {
                    let removed = remove_if_present(&path);
                    if first.is_ok() {
                        first = removed;
                    }
                }
                first
            })
            .context("cannot start the file remover")?;
        Ok(Remover { paths, thread })
    }

    /// Queue `path` for deletion; a failure is reported by [`Self::finish`].
    pub fn remove(&self, path: PathBuf) {
        // The thread only ends early by panicking, which `finish` reports.
        let _ = self.paths.send(path);
    }

    /// Wait until every path handed over is deleted; the first failure.
    pub fn finish(self) -> Result<()> {
        let Remover { paths, thread } = self;
        drop(paths);
        thread
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the file remover panicked")))
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
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn part(out: &Path, name: &str) -> PathBuf {
    out.join(format!("{name}{PART}"))
}

/// One of the row files: every document contributes a stretch of rows, in
/// document-id order, after the header.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    pub file: &'static str,
    /// The table whose column names head the file (CSV only).
    pub header: Option<&'static Table>,
}

impl Stream {
    /// The header line, after a UTF-8 byte order mark: Excel reads a CSV
    /// without one in the local code page (GBK text becomes garbled), and
    /// the Frictionless validator, pandas and the `csv` crate skip it.
    fn header_bytes(&self) -> Vec<u8> {
        self.header.map_or_else(Vec::new, |table| {
            let mut line = UTF8_BOM.to_vec();
            line.extend(rows::csv_line(
                table.columns.iter().map(|c| c.name.to_string()),
            ));
            line
        })
    }

    pub fn header_len(&self) -> u64 {
        self.header_bytes().len() as u64
    }
}

/// The row files, in the order [`Rows::streams`] gives their bytes.
pub const STREAMS: [Stream; 4] = [
    Stream {
        file: "documents.csv",
        header: Some(&DOCUMENTS),
    },
    Stream {
        file: "facts.csv",
        header: Some(&FACTS),
    },
    Stream {
        file: "findings.csv",
        header: Some(&FINDINGS),
    },
    Stream {
        file: FACTS_JSONL,
        header: None,
    },
];

/// Final names of the files [`write_exports`] writes, relative to the out dir.
pub fn export_files() -> Vec<String> {
    let mut names: Vec<String> = STREAMS.iter().map(|s| s.file.to_string()).collect();
    names.extend([DATAPACKAGE, SQLITE_FILE].map(String::from));
    names
}

/// How to bring the exports up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMode {
    /// Build every file anew from the cached rows.
    Fresh,
    /// Reuse what the previous export holds for documents not marked
    /// replaced: the row files are spliced from their previous versions
    /// (same bytes as a fresh build) and a copy of the database is updated.
    /// Falls back to a fresh build for whatever has no usable previous
    /// version.
    Incremental,
}

/// A document to export, as listed by the caller in increasing id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    /// Its report (and cached rows) were rewritten since the last export,
    /// so nothing the previous export holds for it may be reused.
    pub replaced: bool,
}

/// What every writer gets for one document: a stretch of the previous row
/// files, or the document's cached rows.
#[derive(Debug, Clone)]
struct Piece {
    id: String,
    replaced: bool,
    extents: [u64; STREAMS.len()],
    /// Where the document's rows start in the previous files, if reused.
    reused_at: Option<[u64; STREAMS.len()]>,
}

/// What the planner hands every writer, in id order.
#[derive(Debug)]
enum Planned {
    Document(Piece),
    /// In the previous export, not in this one.
    Gone(String),
    /// The findings across documents, after every document.
    Across(std::sync::Arc<across::AcrossPiece>),
}

/// Pieces travel in batches: one wake-up of a writer per document would
/// cost more than most pieces take to write.
type PieceReceiver = std::sync::mpsc::Receiver<std::sync::Arc<Vec<Planned>>>;
type PieceSender = std::sync::mpsc::SyncSender<std::sync::Arc<Vec<Planned>>>;

/// Every piece received, in order.
fn each_planned(pieces: PieceReceiver, mut f: impl FnMut(&Planned) -> Result<()>) -> Result<()> {
    for batch in pieces {
        for planned in batch.iter() {
            f(planned)?;
        }
    }
    Ok(())
}

/// Write row file `index` of [`STREAMS`] (as its `.part`) from the pieces
/// received, in order.
fn write_stream(out: &Path, index: usize, pieces: PieceReceiver, splice: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let stream = &STREAMS[index];
    let path = part(out, stream.file);
    remove_if_present(&path)?;
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    w.write_all(&stream.header_bytes())?;
    let previous = if splice {
        Some(
            File::open(out.join(stream.file))
                .with_context(|| format!("cannot reopen {}", stream.file))?,
        )
    } else {
        None
    };
    let mut splicer = layout::Splicer::new(w, previous);
    each_planned(pieces, |planned| {
        let piece = match planned {
            Planned::Document(piece) => piece,
            Planned::Gone(_) => return Ok(()),
            Planned::Across(across) => return splicer.write(across.rows.streams()[index]),
        };
        let len = piece.extents[index];
        match piece.reused_at {
            Some(offsets) => splicer.copy(offsets[index], len)?,
            None if len > 0 => {
                let bytes = rows::RowsFile::open(out, &piece.id)?.stream(index)?;
                if bytes.len() as u64 != len {
                    bail!("the cached rows of {} changed during the export", piece.id);
                }
                splicer.write(&bytes)?;
            }
            None => {}
        }
        Ok(())
    })?;
    splicer
        .finish()
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::debug!(file = stream.file, elapsed = ?started.elapsed(), "stream written");
    Ok(())
}

fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("an export writer panicked")))
}

/// Pieces per batch, and batches waiting for a writer: enough to keep the
/// writers busy while the next pieces are planned, few enough to hold in
/// memory whatever the number of documents.
const PIECES_PER_BATCH: usize = 256;
const BATCHES_IN_FLIGHT: usize = 4;

/// Hands the planned pieces to every writer, a batch at a time.
struct Fanout<'a> {
    writers: &'a [PieceSender],
    batch: Vec<Planned>,
}

impl Fanout<'_> {
    fn push(&mut self, planned: Planned) -> Result<()> {
        self.batch.push(planned);
        if self.batch.len() >= PIECES_PER_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::sync::Arc::new(std::mem::take(&mut self.batch));
        for writer in self.writers {
            if writer.send(batch.clone()).is_err() {
                // That writer failed; its error is reported when it is joined.
                bail!("an export writer stopped");
            }
        }
        Ok(())
    }
}

/// Plan every document's piece, in id order, and hand it to every writer.
/// Returns the totals, having written the new layout entries.
fn plan_pieces(
    out: &Path,
    documents: impl IntoIterator<Item = Result<Listed>>,
    mut previous: Option<layout::Previous>,
    layout: &mut layout::LayoutWriter,
    writers: &[PieceSender],
    across: across::AcrossPiece,
) -> Result<ExportSummary> {
    let mut summary = ExportSummary::default();
    let fanout = std::cell::RefCell::new(Fanout {
        writers,
        batch: Vec::with_capacity(PIECES_PER_BATCH),
    });
    let mut gone = |entry: layout::Entry| fanout.borrow_mut().push(Planned::Gone(entry.id));
    for listed in documents {
        let Listed { id, replaced } = listed?;
        let reused = match previous.as_mut() {
            Some(p) => p.find(&id, &mut gone)?.filter(|_| !replaced),
            None => None,
        };
        let (entry, reused_at) = match reused {
            Some((entry, offsets)) => (entry, Some(offsets)),
            None => {
                let mut file = rows::RowsFile::open(out, &id)?;
                let entry = layout::Entry {
                    extents: file.extents(),
                    totals: file.totals()?,
                    id,
                };
                (entry, None)
            }
        };
        summary.add(&entry.totals);
        layout.push(&entry)?;
        fanout.borrow_mut().push(Planned::Document(Piece {
            id: entry.id,
            replaced,
            extents: entry.extents,
            reused_at,
        }))?;
    }
    if let Some(previous) = previous {
        previous.finish(&mut gone)?;
    }
    // After every document: its id sorts last.
    let entry = layout::Entry {
        id: across::ID.to_string(),
        extents: across.rows.streams().map(|s| s.len() as u64),
        totals: across.rows.totals.clone(),
    };
    summary.add_findings(&entry.totals);
    layout.push(&entry)?;
    fanout
        .borrow_mut()
        .push(Planned::Across(std::sync::Arc::new(across)))?;
    fanout.borrow_mut().flush()?;
    Ok(summary)
}

/// Bring every export under `out` up to date for `documents` (their reports
/// written with [`write_report`]), listed in increasing id order. The plan
/// is streamed to the writers — the row files and the database, one thread
/// each — so memory does not grow with the number of documents.
pub fn write_exports(
    out: &Path,
    documents: impl IntoIterator<Item = Result<Listed>>,
    mode: ExportMode,
    remover: &Remover,
) -> Result<ExportSummary> {
    write_exports_with(out, documents, mode, remover, &[])
}

/// [`write_exports`] with the findings across documents (see [`across`]),
/// which follow every document's rows.
pub fn write_exports_with(
    out: &Path,
    documents: impl IntoIterator<Item = Result<Listed>>,
    mode: ExportMode,
    remover: &Remover,
    cross: &[crate::reconcile::across::CrossFinding],
) -> Result<ExportSummary> {
    let across = across::AcrossPiece::new(cross);
    let previous = match mode {
        ExportMode::Incremental => layout::Previous::open(out),
        ExportMode::Fresh => None,
    };
    let splice = previous.is_some();
    let update = match (mode, splice) {
        (ExportMode::Fresh, _) => DatabaseUpdate::Fresh,
        (ExportMode::Incremental, true) => DatabaseUpdate::Changes,
        (ExportMode::Incremental, false) => DatabaseUpdate::Compare,
    };
    // No layout may vouch for files, or the database, while they change.
    let old_layout = layout::set_aside(out)?;
    let mut layout = layout::LayoutWriter::create(out)?;
    let (summary, database, streams) = std::thread::scope(|scope| {
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..=STREAMS.len())
            .map(|_| std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT))
            .unzip();
        let mut receivers = receivers.into_iter();
        let db_pieces = receivers.next().expect("one channel per writer");
        // Named, so that a profile tells the writers apart.
        let db = std::thread::Builder::new()
            .name("export sqlite".into())
            .spawn_scoped(scope, move || write_database(out, db_pieces, update))
            .context("cannot start the database writer")?;
        let streams = receivers
            .enumerate()
            .map(|(index, pieces)| {
                std::thread::Builder::new()
                    .name(format!("export {}", STREAMS[index].file))
                    .spawn_scoped(scope, move || write_stream(out, index, pieces, splice))
                    .context("cannot start a row file writer")
            })
            .collect::<Result<Vec<_>>>()?;
        let summary = plan_pieces(out, documents, previous, &mut layout, &senders, across);
        drop(senders);
        tracing::debug!("export planned");
        let streams: Result<Vec<()>> = streams.into_iter().map(joined).collect();
        Ok::<_, anyhow::Error>((summary, joined(db), streams))
    })?;
    // The planner has closed it.
    if let Some(old_layout) = old_layout {
        remover.remove(old_layout);
    }
    // A writer's own error says more than the planner's "a writer stopped".
    streams?;
    database?;
    let summary = summary?;
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor())?;
    package.push(b'\n');
    // Mostly the same bytes run after run: then it is left as it is.
    let package_changed = fs::read(out.join(DATAPACKAGE)).ok().as_ref() != Some(&package);
    if package_changed {
        write_synced(&part(out, DATAPACKAGE), &package)?;
    }

    // Every new file is complete and on disk: publish them one right after
    // the other, the database last. A kill leaves each file either previous
    // or new, never half-written; the next run finishes the job.
    let mut names: Vec<&str> = STREAMS.iter().map(|s| s.file).collect();
    if package_changed {
        names.push(DATAPACKAGE);
    }
    names.push(SQLITE_FILE);
    for name in names {
        fs::rename(part(out, name), out.join(name))
            .with_context(|| format!("cannot move {name} into place"))?;
    }
    sync_dir(out)?;
    layout.finish(out)?;
    Ok(summary)
}

/// Write the per-document reports and every export (fresh) for `reports`:
/// the whole export step for callers that already hold their reports.
pub fn export_reports<'a>(
    out: &Path,
    reports: impl IntoIterator<Item = &'a Report>,
) -> Result<ExportSummary> {
    let mut ids = Vec::new();
    for report in reports {
        write_report(out, report)?;
        ids.push(tables::document_id(report).to_string());
    }
    ids.sort();
    ids.dedup();
    let listed = ids.into_iter().map(|id| Ok(Listed { id, replaced: true }));
    let remover = Remover::start()?;
    let summary = write_exports(out, listed, ExportMode::Fresh, &remover)?;
    remover.finish()?;
    Ok(summary)
}
