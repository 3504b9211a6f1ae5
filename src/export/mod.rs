//! Open-data exports of many reports: `documents/<sha256>.json` per document,
//! then `documents.csv`, `facts.csv`, `facts.jsonl`, `findings.csv`,
//! `datapackage.json` and `caizheng.sqlite`.
//!
//! Each report's rows are rendered once, when the report is written, into a
//! cache file ([`rows`]). The four row files (CSV, JSONL) and the database
//! are then written side by side, one thread each, streaming in document-id
//! order (one document's rows in memory at a time). After a crawl only the
//! changed documents' rows are read: the rest is copied from the previous
//! files by the kernel ([`layout`]), and the database is updated in place.
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

/// Ask the kernel to start reading the previous exports an incremental
/// export reads from (the row files it splices, the database it updates), so
/// that they are in memory by the time the documents are processed: without
/// this, a re-run a day after the last one reads them page by page, on
/// demand. Skipped when they would not fit in a quarter of the memory.
pub fn prefetch_previous(out: &Path) {
    let files: Vec<File> = export_files()
        .iter()
        .filter(|name| name.as_str() != DATAPACKAGE)
        .filter_map(|name| File::open(out.join(name)).ok())
        .collect();
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    if total == 0 || total > physical_memory() / 4 {
        return;
    }
    files.iter().for_each(read_ahead);
}

fn physical_memory() -> u64 {
    // SAFETY: sysconf only reads system constants.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    (pages.max(0) as u64).saturating_mul(page_size.max(0) as u64)
}

/// How to bring the exports up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMode {
    /// Build every file anew from the cached rows.
    Fresh,
    /// Reuse what the previous export holds for documents not marked
    /// replaced: the row files are spliced from their previous versions
    /// (same bytes as a fresh build) and the database is updated in place.
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
    let _ = fs::remove_file(&path);
    let file = match reuse_previous(out, stream.file, &path) {
        Some(file) => file,
        // A new file, never an emptied one: ext4 flushes a file truncated to
        // nothing when it is closed (`auto_da_alloc`), which made this thread
        // submit the whole file for writing.
        None => fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?,
    };
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

/// Where a row file's previous generation is kept, to be written over by
/// the next export of that file (see [`reuse_previous`]).
fn previous_path(out: &Path, file: &str) -> PathBuf {
    out.join(rows::ROWS_DIR).join(format!("{file}.previous"))
}

/// A previous generation found fit to be written over by [`vet_previous`].
fn spare_path(out: &Path, file: &str) -> PathBuf {
    out.join(rows::ROWS_DIR).join(format!("{file}.spare"))
}

/// An older generation of row file `file`, moved to `part` and opened for
/// writing over: the spare [`vet_previous`] left, else the previous
/// generation if it is [`reusable`].
///
/// Writing over cached pages costs less than half of what a new file does:
/// a new file's pages must be allocated and reserved on disk, and the
/// previous generation's freed, and for the large row files that is most of
/// a re-run's kernel time.
fn reuse_previous(out: &Path, file: &str, part: &Path) -> Option<File> {
    let open = |path: &Path| {
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .ok()
    };
    let spare = spare_path(out, file);
    let (path, opened) = match open(&spare) {
        // Vetted when the run started: only a new name since would matter.
        Some(opened) if only_name(&opened) => (spare, opened),
        Some(_) => return None,
        None => {
            let previous = previous_path(out, file);
            let opened = open(&previous).filter(reusable)?;
            read_ahead(&opened);
            (previous, opened)
        }
    };
    fs::rename(&path, part).ok()?;
    Some(opened)
}

/// Whether a file may be written over: it has no other name (a published
/// copy made by a hard link must keep what it holds), and it is (nearly all)
/// in the page cache, since pages that left it are read back wherever a
/// write ends inside one.
fn reusable(file: &File) -> bool {
    only_name(file) && mostly_cached(file)
}

fn only_name(file: &File) -> bool {
    file.metadata()
        .is_ok_and(|m| std::os::unix::fs::MetadataExt::nlink(&m) == 1)
}

/// Whether at least nine tenths of `file` is in the page cache. Memory
/// reclaim takes pages here and there even from files in use (on the
/// machine measured, 1–3 % of a row file written seconds before); the few
/// missing are read back ahead of the export (see [`vet_previous`]).
fn mostly_cached(file: &File) -> bool {
    page_residency(file).is_some_and(|(cached, pages)| cached * 10 >= pages * 9)
}

/// How many of the pages of `file` are in the page cache, of how many
/// (`mincore` over a mapping that is never touched, a window at a time).
fn page_residency(file: &File) -> Option<(usize, usize)> {
    use std::os::fd::AsRawFd;
    const WINDOW_PAGES: usize = 1 << 14;
    let len = file.metadata().ok()?.len() as usize;
    if len == 0 {
        return Some((0, 0));
    }
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as usize;
    // SAFETY: a read-only shared mapping of a valid descriptor, never read
    // through; mincore only inspects it, and it is unmapped below.
    let mapped = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if mapped == libc::MAP_FAILED {
        return None;
    }
    let mut residency = vec![0u8; WINDOW_PAGES];
    let mut cached = 0;
    let mut offset = 0;
    let mut failed = false;
    while offset < len {
        let window = (len - offset).min(WINDOW_PAGES * page);
        // SAFETY: `offset` is page-aligned and inside the mapping, and
        // `residency` has a byte for each of the window's pages.
        let rc = unsafe {
            libc::mincore(
                mapped.cast::<u8>().add(offset).cast(),
                window,
                residency.as_mut_ptr(),
            )
        };
        if rc != 0 {
            failed = true;
            break;
        }
        let pages = window.div_ceil(page);
        cached += residency[..pages].iter().filter(|b| *b & 1 == 1).count();
        offset += window;
    }
    // SAFETY: the mapping made above, with its length.
    unsafe { libc::munmap(mapped, len) };
    (!failed).then_some((cached, len.div_ceil(page)))
}

/// Ask the kernel to read whatever of `file` is not in the page cache.
fn read_ahead(file: &File) {
    // SAFETY: a valid descriptor; the advice only schedules reads.
    unsafe {
        libc::posix_fadvise(
            std::os::fd::AsRawFd::as_raw_fd(file),
            0,
            0,
            libc::POSIX_FADV_WILLNEED,
        )
    };
}

/// Make each row file's previous generation the spare the export writes
/// over if it is [`reusable`], and delete it otherwise: checking the page
/// cache, and freeing a file's pages, are work for while the documents are
/// processed, not for the export to wait for. An export that starts before
/// this ends deletes what is left itself.
pub fn vet_previous(out: &Path) {
    for stream in &STREAMS {
        let spare = spare_path(out, stream.file);
        let previous = previous_path(out, stream.file);
        // A spare can be left by a run that stopped before its export.
        let kept = File::open(&spare).ok().filter(reusable);
        if kept.is_none() {
            let _ = fs::remove_file(&spare);
        }
        let fit = kept.or_else(|| {
            let fit = File::open(&previous).ok().filter(reusable)?;
            fs::rename(&previous, &spare).ok()?;
            Some(fit)
        });
        let _ = fs::remove_file(&previous);
        if let Some(spare) = fit {
            read_ahead(&spare);
        }
    }
}

/// Move `from` to `to`, replacing it. The old file is moved aside first, and
/// deleted by `remover`: ext4 flushes a file renamed over another one
/// (`auto_da_alloc`), which would make the run wait for the disk.
fn replace_file(from: &Path, to: &Path, remover: &Remover) -> std::io::Result<()> {
    let mut aside = to.as_os_str().to_owned();
    aside.push(".old.part");
    let aside = PathBuf::from(aside);
    let moved_aside = fs::rename(to, &aside).is_ok();
    fs::rename(from, to)?;
    if moved_aside {
        remover.remove(aside);
    }
    Ok(())
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
    let (summary, fresh_db, streams) = std::thread::scope(|scope| {
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
    let fresh_db = fresh_db?;
    let summary = summary?;
    let mut package = serde_json::to_vec_pretty(&datapackage::descriptor())?;
    package.push(b'\n');
    // Mostly the same bytes run after run: then it is left as it is.
    let package_changed = fs::read(out.join(DATAPACKAGE)).ok().as_ref() != Some(&package);
    if package_changed {
        fs::write(part(out, DATAPACKAGE), package)?;
    } else {
        remove_if_present(&part(out, DATAPACKAGE))?;
    }

    for stream in &STREAMS {
        let current = out.join(stream.file);
        if current.is_file() {
            // Renaming over a file would make ext4 flush this one (see
            // [`replace_file`]); a previous generation still there was not
            // written over.
            let previous = previous_path(out, stream.file);
            remove_if_present(&previous)?;
            fs::rename(&current, &previous)
                .with_context(|| format!("cannot move {} aside", stream.file))?;
        }
        fs::rename(part(out, stream.file), &current)
            .with_context(|| format!("cannot move {} into place", stream.file))?;
    }
    let mut others = Vec::new();
    if package_changed {
        others.push(DATAPACKAGE);
    }
    if fresh_db {
        others.push(SQLITE_FILE);
    }
    for name in others {
        replace_file(&part(out, name), &out.join(name), remover)
            .with_context(|| format!("cannot move {name} into place"))?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_residency_counts_the_pages_dropped_from_the_cache() {
        // Beside the build, not in a tmpfs /tmp whose pages cannot be dropped.
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
        let path = dir.path().join("rows");
        // Over two mincore windows, and not a whole number of pages.
        let len: usize = (1 << 26) + (1 << 23) + 100;
        fs::write(&path, vec![b'x'; len]).unwrap();
        let file = File::open(&path).unwrap();
        // SAFETY: sysconf only reads a system constant.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let pages = len.div_ceil(page);
        assert_eq!(page_residency(&file), Some((pages, pages)), "just written");
        file.sync_all().unwrap();
        let drop_pages = |from: i64, len: i64| {
            // SAFETY: a valid descriptor; the advice drops clean cached pages.
            let rc = unsafe {
                libc::posix_fadvise(
                    std::os::fd::AsRawFd::as_raw_fd(&file),
                    from,
                    len,
                    libc::POSIX_FADV_DONTNEED,
                )
            };
            assert_eq!(rc, 0);
        };
        // Whole large folios, which are dropped or kept as one.
        drop_pages(1 << 26, 1 << 22);
        assert_eq!(
            page_residency(&file),
            Some((pages - (1 << 22) / page, pages))
        );
        assert!(mostly_cached(&file), "a few pages missing");
        drop_pages(0, 1 << 23);
        assert!(!mostly_cached(&file), "a sixth missing");
        let empty = dir.path().join("empty");
        fs::write(&empty, b"").unwrap();
        assert!(mostly_cached(&File::open(&empty).unwrap()));
    }
}
