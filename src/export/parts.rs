//! The row exports, partitioned: every table is split into parts by the
//! first three hex digits of the document id (at most 4,096 parts), one
//! file a part and a format, named by the part and its key:
//! `csv/<table>/<part>-<key>.csv`, `jsonl/facts/<part>-<key>.jsonl`,
//! `parquet/<table>/<part>-<key>.parquet` (the key's first 16 hex digits).
//! The findings across documents go in the part of their document.
//!
//! A part is rewritten only when its key changes: the sha256 of the
//! (id, source, configuration fingerprint) of its documents in id order,
//! known from the run state without reading a row, and of its findings
//! across documents. The run state forgets a part's key when one of its
//! documents is processed again or leaves, or their findings across
//! documents are made again; a part whose key it keeps is unchanged, its
//! findings not even read. A new key is a new file beside the previous
//! one, which stays until the database, whose `parts` table names the
//! files it holds the rows of, is committed: so the files the database
//! names are always there, and always its rows (see [`published`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::columns::{Cell, Table, DOCUMENTS, FACTS, FINDINGS};
use super::rows::{self, RowsFile, UTF8_BOM};

/// Hex digits of the document id naming its part.
const PART_DIGITS: usize = 3;
/// Hex digits of a part's key in its files' names.
const KEY_DIGITS: usize = 16;
/// Changes whenever the bytes a part is written as change for the same documents.
const KEY_FORMAT: &str = "caizheng.parts/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    #[cfg(feature = "parquet")]
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            #[cfg(feature = "parquet")]
            Format::Parquet => "parquet",
        }
    }
}

/// One table in one format: a folder of parts.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub table: &'static Table,
    /// Index of its bytes in a document's cached rows (see [`rows::Rows::streams`]).
    stream: usize,
}

const fn output(format: Format, table: &'static Table, stream: usize) -> Output {
    Output {
        format,
        table,
        stream,
    }
}

/// Every folder of parts, in the order they are written.
pub const OUTPUTS: &[Output] = &[
    output(Format::Csv, &DOCUMENTS, 0),
    output(Format::Csv, &FACTS, 1),
    output(Format::Csv, &FINDINGS, 2),
    output(Format::Jsonl, &FACTS, 3),
    #[cfg(feature = "parquet")]
    output(Format::Parquet, &DOCUMENTS, 0),
    #[cfg(feature = "parquet")]
    output(Format::Parquet, &FACTS, 1),
    #[cfg(feature = "parquet")]
    output(Format::Parquet, &FINDINGS, 2),
];

/// What the files of `part` with `key` are named, before their extension.
pub fn stem(part: &str, key: &str) -> String {
    format!("{part}-{}", key.get(..KEY_DIGITS).unwrap_or(key))
}

impl Output {
    /// Relative to the out dir, `/`-separated (as the datapackage lists it).
    pub fn relative(&self, stem: &str) -> String {
        let ext = self.format.extension();
        format!("{ext}/{}/{stem}.{ext}", self.table.name)
    }

    pub fn dir(&self, out: &Path) -> PathBuf {
        out.join(self.format.extension()).join(self.table.name)
    }

    pub fn path(&self, out: &Path, stem: &str) -> PathBuf {
        out.join(self.relative(stem))
    }

    /// The files of this table in its folder, in id order (after a run,
    /// those of [`published`]; after a killed run, maybe more).
    pub fn parts_in(&self, out: &Path) -> Result<Vec<PathBuf>> {
        let mut parts: Vec<String> = on_disk_in(&self.dir(out), self.format)?;
        parts.sort();
        Ok(parts.iter().map(|p| self.path(out, p)).collect())
    }
}

/// The part holding document `id`.
pub fn part_of(id: &str) -> Result<&str> {
    match id.get(..PART_DIGITS) {
        Some(part) if part.bytes().all(|b| b.is_ascii_hexdigit()) && id.len() > PART_DIGITS => {
            Ok(part)
        }
        _ => bail!("{id:?} is not a document id"),
    }
}

/// Whether `name` is the stem of a part's files (or of an earlier
/// version's, named by the part alone).
fn is_stem(name: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let (part, key) = name.split_once('-').unwrap_or((name, ""));
    part.len() == PART_DIGITS
        && hex(part)
        && (key.is_empty() || key.len() == KEY_DIGITS && hex(key))
}

/// Stems of the part files in `dir` (files of ours only: other files stay).
fn on_disk_in(dir: &Path, format: Format) -> Result<Vec<String>> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let suffix = format!(".{}", format.extension());
    let mut parts = Vec::new();
    for entry in listing {
        let name = entry?.file_name();
        let Some(part) = name.to_str().and_then(|n| n.strip_suffix(&suffix)) else {
            continue;
        };
        if is_stem(part) {
            parts.push(part.to_string());
        }
    }
    Ok(parts)
}

/// The stem of every part file under `out`, with how many of its files are there.
pub(super) fn on_disk(out: &Path) -> Result<BTreeMap<String, usize>> {
    let mut found = BTreeMap::new();
    for output in OUTPUTS {
        for part in on_disk_in(&output.dir(out), output.format)? {
            *found.entry(part).or_default() += 1;
        }
    }
    Ok(found)
}

/// Delete the scratch files (`*.part`) of a killed run in the part folders.
pub(super) fn remove_scratch(out: &Path) -> Result<()> {
    for output in OUTPUTS {
        let dir = output.dir(out);
        let Ok(listing) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in listing {
            let entry = entry?;
            if entry.file_name().to_string_lossy().ends_with(super::PART) {
                super::remove_if_present(&entry.path())?;
            }
        }
    }
    Ok(())
}

/// A part to write: its name and key, its documents in id order, and
/// the rows of their findings across documents (as cells and as CSV).
#[derive(Debug, Default)]
pub struct PartDocs {
    pub name: String,
    pub key: String,
    pub ids: Vec<String>,
    pub across: Vec<Vec<Cell>>,
    pub across_csv: Vec<u8>,
}

/// Accumulates the key of one part as its documents are listed.
pub(super) struct KeyHasher(Sha256);

impl KeyHasher {
    pub(super) fn new() -> KeyHasher {
        let mut hasher = Sha256::new();
        hasher.update(KEY_FORMAT.as_bytes());
        hasher.update(b"\n");
        KeyHasher(hasher)
    }

    /// One document: its id and what its rows were made from (the fields
    /// are separated by bytes that neither contains).
    pub(super) fn add(&mut self, id: &str, made_from: &str) {
        self.0.update(id.as_bytes());
        self.0.update(b"\0");
        self.0.update(made_from.as_bytes());
        self.0.update(b"\0\n");
    }

    pub(super) fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

pub(crate) fn scratch(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(super::PART);
    PathBuf::from(name)
}

/// The header line of a CSV part, after a UTF-8 byte order mark: Excel
/// reads a CSV without one in the local code page (GBK text becomes
/// garbled), and the Frictionless validator, DuckDB, pandas and the `csv`
/// crate skip it.
pub fn csv_header(table: &Table) -> Vec<u8> {
    let mut line = UTF8_BOM.to_vec();
    line.extend(rows::csv_line(
        table.columns.iter().map(|c| c.name.to_string()),
    ));
    line
}

/// Where one part's files are being written.
enum Sink {
    Text(BufWriter<File>),
    #[cfg(feature = "parquet")]
    Parquet(super::parquet::PartWriter),
}

impl Sink {
    fn create(output: &Output, path: &Path) -> Result<Sink> {
        match output.format {
            #[cfg(feature = "parquet")]
            Format::Parquet => Ok(Sink::Parquet(super::parquet::PartWriter::create(
                path,
                output.table,
            )?)),
            format => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut w = BufWriter::with_capacity(1 << 16, file);
                if format == Format::Csv {
                    w.write_all(&csv_header(output.table))?;
                }
                Ok(Sink::Text(w))
            }
        }
    }

    fn write(&mut self, table: &Table, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::Text(w) => w.write_all(bytes)?,
            #[cfg(feature = "parquet")]
            Sink::Parquet(w) => w.push(rows::parse_csv(table, bytes)?)?,
        }
        #[cfg(not(feature = "parquet"))]
        let _ = table;
        Ok(())
    }

    /// Complete (synced later, with the others: see [`sync_files`]).
    fn finish(self) -> Result<()> {
        match self {
            Sink::Text(w) => {
                w.into_inner().map_err(|e| e.into_error())?;
                Ok(())
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(w) => w.finish(),
        }
    }
}

/// Files synced at once: an fsync mostly waits for the disk's journal
/// commit, and concurrent ones share a commit (measured here: 2.5 ms a
/// file one at a time, 0.3 ms with four at once).
const SYNCS_IN_FLIGHT: usize = 8;

/// Wait until every file of `paths` is on disk, several at a time.
fn sync_files(paths: &[PathBuf]) -> Result<()> {
    let chunk = paths.len().div_ceil(SYNCS_IN_FLIGHT).max(1);
    std::thread::scope(|scope| {
        let syncers: Vec<_> = paths
            .chunks(chunk)
            .map(|some| {
                scope.spawn(move || -> Result<()> {
                    for path in some {
                        File::open(path)
                            .and_then(|f| f.sync_all())
                            .with_context(|| format!("cannot sync {}", path.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        syncers.into_iter().try_for_each(|s| {
            s.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a file sync panicked")))
        })
    })
}

/// Write every file of a part as its scratch file, from its documents'
/// cached rows, then its findings across documents. Returns the bytes
/// written and the files, to sync.
fn write_document_part(out: &Path, part: &PartDocs) -> Result<(u64, Vec<PathBuf>)> {
    let stem = stem(&part.name, &part.key);
    let paths: Vec<PathBuf> = OUTPUTS
        .iter()
        .map(|o| scratch(&o.path(out, &stem)))
        .collect();
    let mut sinks = OUTPUTS
        .iter()
        .zip(&paths)
        .map(|(o, path)| Sink::create(o, path))
        .collect::<Result<Vec<_>>>()?;
    let mut emit = |stream: usize, bytes: &[u8]| -> Result<()> {
        for (output, sink) in OUTPUTS.iter().zip(&mut sinks) {
            if output.stream == stream && !bytes.is_empty() {
                sink.write(output.table, bytes)?;
            }
        }
        Ok(())
    };
    for id in &part.ids {
        let mut rows = RowsFile::open(out, id)?;
        for stream in 0..rows::STREAM_COUNT {
            emit(stream, &rows.stream(stream)?)?;
        }
    }
    emit(2, &part.across_csv)?;
    let mut written = 0;
    for (sink, path) in sinks.into_iter().zip(&paths) {
        sink.finish()
            .with_context(|| format!("cannot write {}", path.display()))?;
        written += fs::metadata(path)?.len();
    }
    Ok((written, paths))
}

/// Write `parts` in parallel, synced; the bytes written.
pub(super) fn write_document_parts(out: &Path, parts: &[Arc<PartDocs>]) -> Result<u64> {
    let written: Vec<(u64, Vec<PathBuf>)> = parts
        .par_iter()
        .with_max_len(1)
        .map(|part| write_document_part(out, part))
        .collect::<Result<_>>()?;
    let paths: Vec<PathBuf> = written.iter().flat_map(|(_, p)| p.clone()).collect();
    sync_files(&paths)?;
    Ok(written.iter().map(|(bytes, _)| bytes).sum())
}

/// Rename the scratch files of the part named `stem` into place.
pub(super) fn publish(out: &Path, stem: &str) -> Result<()> {
    for output in OUTPUTS {
        let path = output.path(out, stem);
        fs::rename(scratch(&path), &path)
            .with_context(|| format!("cannot move {} into place", path.display()))?;
    }
    Ok(())
}

/// Publish files another writer (the site) wrote as their [`scratch`]
/// files, the way the parts are: synced several at once, then renamed into
/// place. The caller syncs their folders (`export::sync_dir`) once done.
pub(crate) fn publish_files(paths: &[PathBuf]) -> Result<()> {
    let scratches: Vec<PathBuf> = paths.iter().map(|p| scratch(p)).collect();
    sync_files(&scratches)?;
    for (from, to) in scratches.iter().zip(paths) {
        fs::rename(from, to).with_context(|| format!("cannot move {} into place", to.display()))?;
    }
    Ok(())
}

/// The files of the stems found (see [`on_disk`]) that are not to `keep`.
pub(super) fn stale<'a>(
    out: &'a Path,
    found: &'a BTreeMap<String, usize>,
    keep: &'a BTreeSet<String>,
) -> impl Iterator<Item = PathBuf> + 'a {
    let gone = found.keys().filter(|stem| !keep.contains(*stem));
    gone.flat_map(move |stem| OUTPUTS.iter().map(move |o| o.path(out, stem)))
}

/// Make the renames in every part folder durable.
pub(super) fn sync_dirs(out: &Path) -> Result<()> {
    for output in OUTPUTS {
        super::sync_dir(&output.dir(out))?;
    }
    Ok(())
}

pub(super) fn create_dirs(out: &Path) -> Result<()> {
    for output in OUTPUTS {
        let dir = output.dir(out);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

/// The stems of the part files the database at `out` holds the rows of,
/// in id order (none without a database): the files that agree with it,
/// whatever moment a run was killed at. `datapackage.json`, renamed right
/// after the database's commit, lists the same ones, or after a kill in
/// between the previous ones (all still there).
pub fn published(out: &Path) -> Result<Vec<String>> {
    let path = out.join(super::SQLITE_FILE);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let parts = super::sqlite::parts(&path)
        .with_context(|| format!("cannot read the parts of {}", path.display()))?;
    Ok(parts.iter().map(|(part, key)| stem(part, key)).collect())
}

/// One table's CSV parts (those of [`published`]) as one CSV: the first
/// part whole, the others without their byte order mark and header line.
/// For small datasets and tests; DuckDB, pandas and Frictionless read the
/// parts as they are.
pub fn table_csv(out: &Path, table: &str) -> Result<Vec<u8>> {
    let Some(output) = OUTPUTS
        .iter()
        .find(|o| o.format == Format::Csv && o.table.name == table)
    else {
        bail!("no table {table:?}");
    };
    let header = csv_header(output.table);
    let mut joined = header.clone();
    for stem in published(out)? {
        let path = output.path(out, &stem);
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        match bytes.strip_prefix(header.as_slice()) {
            Some(rows) => joined.extend_from_slice(rows),
            None => bail!("{} does not start with its header", path.display()),
        }
    }
    Ok(joined)
}
