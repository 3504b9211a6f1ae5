//! Finding the inputs of a run: files, folders, crawl stores or the corpus
//! bundled in the binary.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use include_dir::{include_dir, Dir};

/// The repository's `corpus/`, compiled in so that `caizheng run` works
/// anywhere, even without a checkout beside the binary.
static BUNDLED_CORPUS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpus");

/// Extensions taken from plain folders; anything else there (READMEs, truth
/// JSONs, our own outputs) is not a document. Crawl-store blobs have no
/// extension and are always taken.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "docx", "doc", "html", "htm", "shtml", "txt", "text", "xls", "xlsx",
];

/// Where an input's bytes come from.
#[derive(Debug, Clone)]
pub enum InputData {
    File(PathBuf),
    Bundled(&'static [u8]),
}

#[derive(Debug, Clone)]
pub struct Input {
    /// Path (or `corpus/<name>` for bundled files): recorded as the document's source.
    pub source: String,
    pub data: InputData,
}

pub fn has_document_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DOCUMENT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0
        && entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with('.'))
}

fn is_sha256_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Called with every input found, as it is found.
pub type InputSink<'a> = dyn FnMut(Input) -> Result<()> + 'a;

fn walk_files(root: &Path, keep: impl Fn(&Path) -> bool, sink: &mut InputSink) -> Result<()> {
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| !is_hidden(e))
    {
        let entry = entry.with_context(|| format!("cannot list {}", root.display()))?;
        if entry.file_type().is_file() && keep(entry.path()) {
            let path = entry.into_path();
            sink(Input {
                source: path.display().to_string(),
                data: InputData::File(path),
            })?;
        }
    }
    Ok(())
}

fn bundled_inputs(sink: &mut InputSink) -> Result<()> {
    fn collect(dir: &'static Dir<'static>, sink: &mut InputSink) -> Result<()> {
        for file in dir.files() {
            if has_document_extension(file.path()) {
                sink(Input {
                    source: bundled_source(file.path()),
                    data: InputData::Bundled(file.contents()),
                })?;
            }
        }
        for sub in dir.dirs() {
            collect(sub, sink)?;
        }
        Ok(())
    }
    collect(&BUNDLED_CORPUS, sink)
}

fn bundled_source(path: &Path) -> String {
    format!("corpus/{}", path.display())
}

/// The bytes of a bundled input, by its source.
pub(super) fn bundled_bytes(source: &str) -> Option<&'static [u8]> {
    let path = source.strip_prefix("corpus/")?;
    BUNDLED_CORPUS.get_file(path).map(|f| f.contents())
}

/// The documents of a crawl store: the latest version of every document URL
/// listed in its `state.sqlite` (source = the URL), or, when the store has no
/// readable state listing documents, every blob under `sha256/` (source = the
/// blob path).
fn store_inputs(root: &Path, sink: &mut InputSink) -> Result<()> {
    if root.join("state.sqlite").is_file() {
        let mut listed = 0usize;
        let each = crate::fetch::each_stored_document(root, |d| {
            listed += 1;
            if !d.latest {
                return Ok(());
            }
            sink(Input {
                source: d.url,
                data: InputData::File(d.path),
            })
        });
        match each {
            Ok(sunk) if listed > 0 => return sunk,
            Ok(sunk) => sunk?,
            Err(e) => tracing::warn!(
                "{}: state not readable ({e}); taking every blob",
                root.display()
            ),
        }
    }
    walk_files(
        &root.join("sha256"),
        |p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_sha256_name)
        },
        sink,
    )
}

/// Every document named by `paths`, handed to `sink` as found (in no
/// particular order, possibly twice). A folder holding `sha256/` is a crawl
/// store (see [`store_inputs`]); no paths means `./corpus` if present, else
/// the corpus bundled in the binary.
pub fn discover_each(paths: &[PathBuf], sink: &mut InputSink) -> Result<()> {
    if paths.is_empty() {
        let local = Path::new("corpus");
        if local.is_dir() {
            walk_files(local, has_document_extension, sink)?;
        } else {
            bundled_inputs(sink)?;
        }
    }
    for path in paths {
        let meta = fs::metadata(path)
            .with_context(|| format!("input {} cannot be read", path.display()))?;
        // Anything but a folder is a document: a FIFO or a device named on
        // the command line gets its own error (`not_a_file`), not silence.
        if !meta.is_dir() {
            sink(Input {
                source: path.display().to_string(),
                data: InputData::File(path.clone()),
            })?;
        } else if path.join("sha256").is_dir() {
            store_inputs(path, sink)?;
        } else {
            walk_files(path, has_document_extension, sink)?;
        }
    }
    Ok(())
}

/// Every document named by `paths`, sorted by source, without duplicates
/// (see [`discover_each`]).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut found = Vec::new();
    discover_each(paths, &mut |input| {
        found.push(input);
        Ok(())
    })?;
    found.sort_by(|a, b| a.source.cmp(&b.source));
    found.dedup_by(|a, b| a.source == b.source);
    Ok(found)
}
