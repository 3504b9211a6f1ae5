//! Where each document's rows sit in the export files written last.
//!
//! An incremental run rebuilds `facts.csv` & co. by copying the unchanged
//! stretches of the previous files (in the kernel: `std::io::copy` between
//! files uses `copy_file_range` on Linux) and writing only the rows of the
//! documents that changed. The result is byte for byte what a fresh build
//! writes, since rows are sorted by document id and each document's rows are
//! a pure function of its report. The layout is trusted only while every
//! file still has the length and modification time recorded when it was
//! written; otherwise the exports are rebuilt from the cached rows.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::rows::{DocumentTotals, ROWS_DIR};
use super::STREAMS;

const LAYOUT_FILE: &str = "exports.layout";
const FORMAT: &str = "caizheng.export-layout/3";

/// Length and modification time of a file as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub len: u64,
    pub mtime_ns: u64,
}

/// A file's modification time in nanoseconds since the epoch.
pub fn mtime_ns(meta: &fs::Metadata) -> Option<u64> {
    let since_epoch = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(since_epoch.as_nanos() as u64)
}

impl FileStamp {
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = fs::metadata(path).ok()?;
        Some(FileStamp {
            len: meta.len(),
            mtime_ns: mtime_ns(&meta)?,
        })
    }
}

/// One document: the byte length of its rows in each stream, and its totals
/// (so that an unchanged document costs nothing to summarise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub extents: [u64; STREAMS.len()],
    pub totals: DocumentTotals,
}

impl Entry {
    /// One line, tab-separated: id, the extents, facts, findings by
    /// severity (`name=n,…`), and the error reason (empty for none). Not
    /// JSON: a re-run reads one line per document of the whole dataset.
    fn encode(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(self.id.as_bytes())?;
        for len in self.extents {
            write!(w, "\t{len}")?;
        }
        write!(w, "\t{}\t", self.totals.facts)?;
        for (i, (severity, n)) in self.totals.findings_by_severity.iter().enumerate() {
            let sep = if i > 0 { "," } else { "" };
            write!(w, "{sep}{severity}={n}")?;
        }
        w.write_all(b"\t")?;
        if let Some(reason) = &self.totals.error {
            let reason: String = reason
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            w.write_all(reason.as_bytes())?;
        }
        w.write_all(b"\n")
    }

    /// The id and extents at the head of an encoded line's fields.
    fn decode_head<'a>(
        fields: &mut impl Iterator<Item = &'a str>,
    ) -> Option<(&'a str, [u64; STREAMS.len()])> {
        let id = fields.next()?;
        let mut extents = [0u64; STREAMS.len()];
        for extent in &mut extents {
            *extent = fields.next()?.parse().ok()?;
        }
        Some((id, extents))
    }

    fn decode(line: &str) -> Option<Entry> {
        let mut fields = line.split('\t');
        let (id, extents) = Self::decode_head(&mut fields)?;
        let facts = fields.next()?.parse().ok()?;
        let mut findings_by_severity = std::collections::BTreeMap::new();
        for pair in fields.next()?.split(',').filter(|p| !p.is_empty()) {
            let (severity, n) = pair.split_once('=')?;
            findings_by_severity.insert(severity.to_string(), n.parse().ok()?);
        }
        let reason = fields.next()?;
        if fields.next().is_some() {
            return None;
        }
        Some(Entry {
            id: id.to_string(),
            extents,
            totals: DocumentTotals {
                facts,
                findings_by_severity,
                error: (!reason.is_empty()).then(|| reason.to_string()),
            },
        })
    }
}

/// The last line of the layout file, written once the files are in place.
#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    format: String,
    /// Stamps of the stream files, in [`STREAMS`] order.
    files: Vec<FileStamp>,
}

fn layout_path(out: &Path) -> PathBuf {
    out.join(ROWS_DIR).join(LAYOUT_FILE)
}

/// Reads the trailer: the last line of the file, found from its end so that
/// the entries need not be read.
fn read_trailer(file: &mut File) -> Option<Trailer> {
    let len = file.metadata().ok()?.len();
    let tail_len = len.min(64 * 1024);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.take(tail_len).read_to_end(&mut tail).ok()?;
    let body = tail.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    serde_json::from_slice(&body[start..]).ok()
}

/// The layout of the previous export, read as a stream: the files it
/// describes may hold any number of documents, and only one entry is in
/// memory at a time.
pub struct Previous {
    lines: io::Lines<BufReader<File>>,
    /// Entries left before the trailer.
    remaining: u64,
    next: Option<Entry>,
    offsets: [u64; STREAMS.len()],
    last_id: Option<String>,
    broken: bool,
}

impl Previous {
    /// The layout of the exports under `out`, if it still describes the
    /// files there: same stamps, and extents adding up to their lengths
    /// (checked in a first streaming pass).
    pub fn open(out: &Path) -> Option<Previous> {
        let path = layout_path(out);
        let mut file = File::open(&path).ok()?;
        let trailer = read_trailer(&mut file)?;
        if trailer.format != FORMAT || trailer.files.len() != STREAMS.len() {
            return None;
        }
        let current = STREAMS
            .iter()
            .zip(&trailer.files)
            .all(|(s, stamp)| FileStamp::of(&out.join(s.file)) == Some(*stamp));
        if !current {
            return None;
        }
        file.seek(SeekFrom::Start(0)).ok()?;
        let mut sums = STREAMS.map(|s| s.header_len());
        let mut entries = 0u64;
        let mut last: Option<String> = None;
        let mut lines = BufReader::new(file).lines();
        for line in lines.by_ref() {
            let line = line.ok()?;
            if line.starts_with('{') {
                break; // the trailer
            }
            let (id, extents) = Entry::decode_head(&mut line.split('\t'))?;
            if last.as_deref().is_some_and(|l| l >= id) {
                return None;
            }
            for (sum, len) in sums.iter_mut().zip(extents) {
                *sum += len;
            }
            entries += 1;
            last = Some(id.to_string());
        }
        let sums_match = sums
            .iter()
            .zip(&trailer.files)
            .all(|(sum, stamp)| *sum == stamp.len);
        if !sums_match {
            return None;
        }
        let file = File::open(&path).ok()?;
        Some(Previous {
            lines: BufReader::new(file).lines(),
            remaining: entries,
            next: None,
            offsets: STREAMS.map(|s| s.header_len()),
            last_id: None,
            broken: false,
        })
    }

    fn peek(&mut self) -> Result<Option<&Entry>> {
        if self.next.is_none() && self.remaining > 0 {
            let line = self
                .lines
                .next()
                .context("the export layout ended early")??;
            let entry = Entry::decode(&line).context("the export layout changed during the run")?;
            self.remaining -= 1;
            self.next = Some(entry);
        }
        Ok(self.next.as_ref())
    }

    /// The entry of `id` and its offsets in each stream, if the previous
    /// export holds it; ids must be asked in increasing order. Entries
    /// passed over on the way (documents no longer exported) go to `passed`.
    pub fn find(
        &mut self,
        id: &str,
        passed: &mut dyn FnMut(Entry) -> Result<()>,
    ) -> Result<Option<(Entry, [u64; STREAMS.len()])>> {
        if self.broken || self.last_id.as_deref().is_some_and(|l| l >= id) {
            self.broken = true;
            bail!("document ids must be exported in increasing order");
        }
        self.last_id = Some(id.to_string());
        while let Some(entry) = self.peek()? {
            if entry.id.as_str() > id {
                return Ok(None);
            }
            let extents = entry.extents;
            let at = self.offsets;
            for (offset, len) in self.offsets.iter_mut().zip(extents) {
                *offset += len;
            }
            let entry = self.next.take().expect("peeked");
            if entry.id == id {
                return Ok(Some((entry, at)));
            }
            passed(entry)?;
        }
        Ok(None)
    }

    /// Hand the entries after the last one asked for to `passed`.
    pub fn finish(mut self, passed: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()> {
        while self.peek()?.is_some() {
            passed(self.next.take().expect("peeked"))?;
        }
        Ok(())
    }
}

/// The layout of the export being written, streamed to a scratch file and
/// put in place by [`LayoutWriter::finish`] once the files are.
pub struct LayoutWriter {
    path: PathBuf,
    w: BufWriter<File>,
    last_id: Option<String>,
}

impl LayoutWriter {
    pub fn create(out: &Path) -> Result<LayoutWriter> {
        let path = layout_path(out).with_extension("layout.part");
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(LayoutWriter {
            path,
            w: BufWriter::new(file),
            last_id: None,
        })
    }

    pub fn push(&mut self, entry: &Entry) -> Result<()> {
        if self.last_id.as_ref().is_some_and(|l| *l >= entry.id) {
            bail!("document ids must be exported in increasing order");
        }
        entry.encode(&mut self.w)?;
        self.last_id = Some(entry.id.clone());
        Ok(())
    }

    /// Record the stream files as they are now and put the layout in place.
    pub fn finish(mut self, out: &Path) -> Result<()> {
        let files = STREAMS
            .iter()
            .map(|s| {
                FileStamp::of(&out.join(s.file)).with_context(|| format!("cannot stat {}", s.file))
            })
            .collect::<Result<_>>()?;
        serde_json::to_writer(
            &mut self.w,
            &Trailer {
                format: FORMAT.into(),
                files,
            },
        )?;
        self.w.write_all(b"\n")?;
        self.w.into_inner().map_err(|e| e.into_error())?;
        let path = layout_path(out);
        fs::rename(&self.path, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Forget the layout: the files are about to change without one. It is
/// only moved aside, to the path returned, for the caller to delete once
/// no [`Previous`] reads it: the last close of a deleted file frees its
/// blocks, which can wait for the disk (see [`super::Remover`]).
pub fn set_aside(out: &Path) -> Result<Option<PathBuf>> {
    let aside = layout_path(out).with_extension("layout.old");
    match fs::rename(layout_path(out), &aside) {
        Ok(()) => Ok(Some(aside)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("cannot move the export layout aside"),
    }
}

/// A new export file assembled from new bytes and ranges of its previous
/// version; adjacent ranges are copied in one call.
pub struct Splicer {
    out: BufWriter<File>,
    previous: Option<File>,
    pending: Option<(u64, u64)>,
}

impl Splicer {
    pub fn new(out: BufWriter<File>, previous: Option<File>) -> Splicer {
        Splicer {
            out,
            previous,
            pending: None,
        }
    }

    pub fn copy(&mut self, start: u64, len: u64) -> Result<()> {
        match &mut self.pending {
            Some((s, l)) if *s + *l == start => *l += len,
            _ => {
                self.flush_pending()?;
                self.pending = Some((start, len));
            }
        }
        Ok(())
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.flush_pending()?;
        self.out.write_all(bytes)?;
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<()> {
        let Some((start, len)) = self.pending.take() else {
            return Ok(());
        };
        let Some(mut previous) = self.previous.as_ref() else {
            bail!("no previous export to copy from");
        };
        previous.seek(SeekFrom::Start(start))?;
        let copied = io::copy(&mut previous.take(len), &mut self.out)?;
        if copied != len {
            bail!("the previous export changed while it was copied");
        }
        Ok(())
    }

    /// Flush, and wait until the file is on disk: it is about to be
    /// published in place of the previous one.
    pub fn finish(mut self) -> Result<()> {
        self.flush_pending()?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    }
}
