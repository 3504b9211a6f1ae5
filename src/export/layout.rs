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
const FORMAT: &str = "caizheng.export-layout/1";

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub extents: [u64; STREAMS.len()],
    pub totals: DocumentTotals,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    /// Stamps of the stream files, in [`STREAMS`] order.
    files: Vec<FileStamp>,
}

/// The documents of the export files in file order (sorted by id).
#[derive(Debug, Default)]
pub struct Layout {
    pub entries: Vec<Entry>,
    stamps: Vec<FileStamp>,
}

fn layout_path(out: &Path) -> PathBuf {
    out.join(ROWS_DIR).join(LAYOUT_FILE)
}

impl Layout {
    /// The layout of the exports under `out`, if it still describes the
    /// files there exactly.
    pub fn load_current(out: &Path) -> Option<Layout> {
        let file = File::open(layout_path(out)).ok()?;
        let mut lines = BufReader::new(file).lines();
        let header: Header = serde_json::from_str(&lines.next()?.ok()?).ok()?;
        if header.format != FORMAT || header.files.len() != STREAMS.len() {
            return None;
        }
        let mut entries = Vec::new();
        for line in lines {
            entries.push(serde_json::from_str::<Entry>(&line.ok()?).ok()?);
        }
        let layout = Layout {
            entries,
            stamps: header.files,
        };
        layout.matches_files(out).then_some(layout)
    }

    fn matches_files(&self, out: &Path) -> bool {
        let sorted = self.entries.windows(2).all(|w| w[0].id < w[1].id);
        sorted
            && STREAMS.iter().enumerate().all(|(i, stream)| {
                let expected =
                    stream.header_len() + self.entries.iter().map(|e| e.extents[i]).sum::<u64>();
                FileStamp::of(&out.join(stream.file)) == Some(self.stamps[i])
                    && self.stamps[i].len == expected
            })
    }

    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Record the stream files as they are now and save the layout.
    pub fn save(mut self, out: &Path) -> Result<()> {
        self.stamps = STREAMS
            .iter()
            .map(|s| {
                FileStamp::of(&out.join(s.file)).with_context(|| format!("cannot stat {}", s.file))
            })
            .collect::<Result<_>>()?;
        let path = layout_path(out);
        let tmp = path.with_extension("layout.part");
        let mut w = BufWriter::new(File::create(&tmp)?);
        serde_json::to_writer(
            &mut w,
            &Header {
                format: FORMAT.into(),
                files: self.stamps,
            },
        )?;
        w.write_all(b"\n")?;
        for entry in &self.entries {
            serde_json::to_writer(&mut w, entry)?;
            w.write_all(b"\n")?;
        }
        w.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// Forget the layout: the files are about to change without one.
    pub fn remove(out: &Path) {
        let _ = fs::remove_file(layout_path(out));
    }

    /// Walks the entries in id order, tracking where each one starts.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            entries: &self.entries,
            next: 0,
            offsets: STREAMS.map(|s| s.header_len()),
        }
    }
}

pub struct Cursor<'a> {
    entries: &'a [Entry],
    next: usize,
    offsets: [u64; STREAMS.len()],
}

impl<'a> Cursor<'a> {
    /// The entry of `id` and its offsets in each stream; ids must be asked
    /// in increasing order.
    pub fn find(&mut self, id: &str) -> Option<(&'a Entry, [u64; STREAMS.len()])> {
        while let Some(entry) = self.entries.get(self.next) {
            if entry.id.as_str() > id {
                return None;
            }
            let at = self.offsets;
            for (offset, len) in self.offsets.iter_mut().zip(entry.extents) {
                *offset += len;
            }
            self.next += 1;
            if entry.id == id {
                return Some((entry, at));
            }
        }
        None
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

    /// Flush and cut the file at what was written (it may be an older,
    /// longer file overwritten in place).
    pub fn finish(mut self) -> Result<()> {
        self.flush_pending()?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        let end = file.stream_position()?;
        file.set_len(end)?;
        Ok(())
    }
}
