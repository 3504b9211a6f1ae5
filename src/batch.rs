//! `caizheng run`: many documents in, one dataset out.
//!
//! Inputs are discovered (files, folders, crawl stores or the bundled corpus),
//! hashed, and only documents whose sha256 or configuration fingerprint changed
//! since the last run into the same out dir are processed (in parallel); the
//! exports are then brought up to date from the cached rows of every report
//! (see [`crate::export`]: unchanged documents cost a kernel copy).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use include_dir::{include_dir, Dir};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::export::{self, rows::DocumentTotals, ExportSummary};
use crate::pipeline::Config;
use crate::report::{DocumentInfo, Report, ReportError};

/// The repository's `corpus/`, compiled in so that `caizheng run` works
/// anywhere, even without a checkout beside the binary.
static BUNDLED_CORPUS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpus");

/// Extensions taken from plain folders; anything else there (READMEs, truth
/// JSONs, our own outputs) is not a document. Crawl-store blobs have no
/// extension and are always taken.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "docx", "doc", "html", "htm", "shtml", "txt", "text", "xls", "xlsx",
];

const MANIFEST_FILE: &str = "caizheng-manifest.json";
const MANIFEST_FORMAT: &str = "caizheng.manifest/1";

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Files, folders or crawl stores (folders holding `sha256/`). Default:
    /// `./corpus` if present, else the corpus bundled in the binary.
    pub inputs: Vec<PathBuf>,
    /// Output folder for the dataset.
    #[arg(long, short, default_value = "out")]
    pub out: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Reprocess every document even if its report is up to date.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write run statistics (timings, peak memory) as JSON to this file.
    #[arg(long, hide = true)]
    pub stats_json: Option<PathBuf>,
}

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

fn walk_files(root: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<Input>> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| !is_hidden(e))
    {
        let entry = entry.with_context(|| format!("cannot list {}", root.display()))?;
        if entry.file_type().is_file() && keep(entry.path()) {
            found.push(Input {
                source: entry.path().display().to_string(),
                data: InputData::File(entry.path().to_path_buf()),
            });
        }
    }
    Ok(found)
}

fn bundled_inputs() -> Vec<Input> {
    fn collect(dir: &'static Dir<'static>, found: &mut Vec<Input>) {
        for file in dir.files() {
            if has_document_extension(file.path()) {
                found.push(Input {
                    source: format!("corpus/{}", file.path().display()),
                    data: InputData::Bundled(file.contents()),
                });
            }
        }
        for sub in dir.dirs() {
            collect(sub, found);
        }
    }
    let mut found = Vec::new();
    collect(&BUNDLED_CORPUS, &mut found);
    found
}

/// The documents of a crawl store: the latest version of every document URL
/// listed in its `state.sqlite` (source = the URL), or, when the store has no
/// readable state listing documents, every blob under `sha256/` (source = the
/// blob path).
fn store_inputs(root: &Path) -> Result<Vec<Input>> {
    if root.join("state.sqlite").is_file() {
        match crate::fetch::stored_documents(root) {
            Ok(docs) if !docs.is_empty() => {
                return Ok(docs
                    .into_iter()
                    .filter(|d| d.latest)
                    .map(|d| Input {
                        source: d.url,
                        data: InputData::File(d.path),
                    })
                    .collect());
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(
                "{}: state not readable ({e}); taking every blob",
                root.display()
            ),
        }
    }
    walk_files(&root.join("sha256"), |p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_sha256_name)
    })
}

/// Every document named by `paths`, sorted by source, without duplicates.
/// A folder holding `sha256/` is a crawl store (see [`store_inputs`]).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut found = Vec::new();
    if paths.is_empty() {
        let local = Path::new("corpus");
        if local.is_dir() {
            found = walk_files(local, has_document_extension)?;
        } else {
            found = bundled_inputs();
        }
    }
    for path in paths {
        let meta = fs::metadata(path)
            .with_context(|| format!("input {} cannot be read", path.display()))?;
        if meta.is_file() {
            found.push(Input {
                source: path.display().to_string(),
                data: InputData::File(path.clone()),
            });
        } else if path.join("sha256").is_dir() {
            found.extend(store_inputs(path)?);
        } else {
            found.extend(walk_files(path, has_document_extension)?);
        }
    }
    found.sort_by(|a, b| a.source.cmp(&b.source));
    found.dedup_by(|a, b| a.source == b.source);
    Ok(found)
}

/// Size and modification time of a file when its sha256 was taken: an
/// unchanged stamp means an unchanged file, so re-runs need not re-read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileStamp {
    len: u64,
    mtime_ns: u64,
    sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CachedReport {
    source: String,
    fingerprint: String,
    /// For the summary of a run that changes nothing and so skips the export.
    #[serde(default)]
    totals: DocumentTotals,
}

/// The incremental cache: which report under `documents/` was made from what.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    format: String,
    /// When the stamps were taken. A file modified within [`RACY_WINDOW_NS`]
    /// before that may have changed again in the same clock tick, so its
    /// stamp is not trusted (git's "racily clean" rule).
    #[serde(default)]
    stamped_at_ns: u64,
    files: BTreeMap<String, FileStamp>,
    documents: BTreeMap<String, CachedReport>,
}

impl Manifest {
    fn load(out: &Path) -> Manifest {
        // Streamed: the file is about as large as what it parses into.
        fs::File::open(out.join(MANIFEST_FILE))
            .ok()
            .and_then(|f| serde_json::from_reader::<_, Manifest>(std::io::BufReader::new(f)).ok())
            .filter(|m| m.format == MANIFEST_FORMAT)
            .unwrap_or_default()
    }

    fn save(&mut self, out: &Path) -> Result<()> {
        self.format = MANIFEST_FORMAT.to_string();
        let tmp = out.join(format!("{MANIFEST_FILE}.part"));
        let mut w = std::io::BufWriter::new(fs::File::create(&tmp)?);
        serde_json::to_writer(&mut w, self)?;
        w.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&tmp, out.join(MANIFEST_FILE))?;
        Ok(())
    }
}

/// What must match for a stored report to be reused besides the bytes.
pub fn fingerprint(config: &Config) -> String {
    format!(
        "caizheng {} / {}",
        env!("CARGO_PKG_VERSION"),
        config.fingerprint()
    )
}

fn stamp_of(meta: &fs::Metadata) -> (u64, u64) {
    (meta.len(), export::layout::mtime_ns(meta).unwrap_or(0))
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut file = fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// An input once hashed (or found unreadable).
enum Hashed {
    Ok {
        sha256: String,
        stamp: Option<FileStamp>,
    },
    Unreadable(std::io::Error),
}

const RACY_WINDOW_NS: u64 = 2_000_000_000;

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn hash_input(input: &Input, known: Option<&FileStamp>, stamped_at_ns: u64) -> Hashed {
    match &input.data {
        InputData::Bundled(bytes) => Hashed::Ok {
            sha256: crate::read::sha256_hex(bytes),
            stamp: None,
        },
        InputData::File(path) => {
            let meta = match fs::metadata(path) {
                Ok(m) => m,
                Err(e) => return Hashed::Unreadable(e),
            };
            let (len, mtime_ns) = stamp_of(&meta);
            let settled = mtime_ns.saturating_add(RACY_WINDOW_NS) < stamped_at_ns;
            if let Some(k) = known.filter(|k| settled && k.len == len && k.mtime_ns == mtime_ns) {
                return Hashed::Ok {
                    sha256: k.sha256.clone(),
                    stamp: Some(k.clone()),
                };
            }
            match hash_file(path) {
                Ok(sha256) => Hashed::Ok {
                    stamp: Some(FileStamp {
                        len,
                        mtime_ns,
                        sha256: sha256.clone(),
                    }),
                    sha256,
                },
                Err(e) => Hashed::Unreadable(e),
            }
        }
    }
}

/// A report for an input that could not even be read from disk. Its id is
/// derived from the source path, since there are no bytes to hash.
fn unreadable_report(source: &str, error: &std::io::Error) -> Report {
    let mut report = crate::pipeline::unreadable(source, error);
    report.document.sha256 = crate::read::sha256_hex(format!("unreadable:{source}").as_bytes());
    report
}

fn process_input(input: &Input, config: &Config) -> Report {
    let owned;
    let bytes: &[u8] = match &input.data {
        InputData::Bundled(b) => b,
        InputData::File(path) => match fs::read(path) {
            Ok(b) => {
                owned = b;
                &owned
            }
            Err(e) => return unreadable_report(&input.source, &e),
        },
    };
    // The pipeline promises not to panic; a bug there must still cost one document, not the run.
    std::panic::catch_unwind(|| crate::pipeline::process_with(bytes, &input.source, config))
        .unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let mut report = Report::new(DocumentInfo {
                sha256: crate::read::sha256_hex(bytes),
                source: input.source.clone(),
                ..Default::default()
            });
            report.errors.push(ReportError {
                reason: "panic".into(),
                message: format!("the pipeline panicked: {message}"),
            });
            report
        })
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A document id with the input it will be (or was) read from.
type IdInput<'a> = (&'a String, &'a Input);

/// What one run did, beside the export totals.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunStats {
    pub inputs: usize,
    pub documents: u64,
    pub processed: usize,
    pub reused: usize,
    pub threads: usize,
    pub seconds_discover: f64,
    pub seconds_process: f64,
    pub seconds_export: f64,
    pub seconds_total: f64,
    pub peak_rss_kib: Option<u64>,
    pub facts: u64,
    pub findings: u64,
    pub documents_with_errors: u64,
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} documents  {rate}  {msg}",
    ) {
        let style = style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1} documents/s", state.per_sec());
            },
        );
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Process `inputs` into `out` (see the module docs). Returns the export
/// totals and the run statistics.
pub fn run(
    inputs: &[Input],
    out: &Path,
    jobs: Option<usize>,
    force: bool,
    quiet: bool,
) -> Result<(ExportSummary, RunStats)> {
    let started = Instant::now();
    fs::create_dir_all(out.join(export::DOCUMENTS_DIR))
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()?;
    let mut manifest = Manifest::load(out);
    let config = Config::builtin();
    let fingerprint = fingerprint(&config);
    // The shared matchers get built while inputs are hashed, not on the first document.
    let patterns = config.patterns.clone();
    std::thread::spawn(move || patterns.warm_up());

    let stamped_at_ns = now_ns();
    let hashed: Vec<Hashed> = pool.install(|| {
        inputs
            .par_iter()
            .map(|i| hash_input(i, manifest.files.get(&i.source), manifest.stamped_at_ns))
            .collect()
    });

    // One document per distinct sha256; its source is the first input (in sort order) holding it.
    let mut documents: BTreeMap<String, &Input> = BTreeMap::new();
    let mut unreadable: Vec<Report> = Vec::new();
    let mut stamps: BTreeMap<String, FileStamp> = BTreeMap::new();
    for (input, hashed) in inputs.iter().zip(hashed) {
        match hashed {
            Hashed::Ok { sha256, stamp } => {
                if let Some(stamp) = stamp {
                    stamps.insert(input.source.clone(), stamp);
                }
                documents.entry(sha256).or_insert(input);
            }
            Hashed::Unreadable(error) => unreadable.push(unreadable_report(&input.source, &error)),
        }
    }
    let written = export::Written::list(out)?;
    let (mut todo, unchanged): (Vec<IdInput>, Vec<IdInput>) = documents
        .iter()
        .map(|(id, input)| (id, *input))
        .partition(|(id, input)| {
            force
                || manifest
                    .documents
                    .get(*id)
                    .is_none_or(|c| c.source != input.source || c.fingerprint != fingerprint)
                || !written.contains(id)
        });
    // Largest files first, one at a time: the threads then finish together.
    todo.sort_by_key(|(_, input)| {
        std::cmp::Reverse(stamps.get(&input.source).map_or(0, |s| s.len))
    });
    let discovered = started.elapsed();

    let bar = progress_bar(todo.len() as u64, quiet);
    let errors = AtomicU64::new(0);
    let processed: Vec<Result<(String, String, DocumentTotals)>> = pool.install(|| {
        todo.par_iter()
            .with_max_len(1)
            .map(|(_, input)| {
                let report = process_input(input, &config);
                if !report.errors.is_empty() {
                    let n = errors.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("errors: {n}"));
                }
                let totals = export::write_report(out, &report)?;
                bar.inc(1);
                Ok((report.document.sha256, input.source.clone(), totals))
            })
            .collect()
    });
    bar.finish_and_clear();
    let process_time = started.elapsed() - discovered;

    // A file edited between hashing and reading is recorded under the sha256 of what was read.
    let mut ids: Vec<String> = unchanged.iter().map(|(id, _)| (*id).clone()).collect();
    let mut replaced: Vec<String> = Vec::new();
    let exports_current = replaced_nothing_since_last_export(&manifest, &unchanged, out)
        && processed.is_empty()
        && unreadable.is_empty();
    for result in processed {
        let (id, source, totals) = result?;
        manifest.documents.insert(
            id.clone(),
            CachedReport {
                source,
                fingerprint: fingerprint.clone(),
                totals,
            },
        );
        ids.push(id.clone());
        replaced.push(id);
    }
    for report in &unreadable {
        export::write_report(out, report)?;
        ids.push(report.document.sha256.clone());
        replaced.push(report.document.sha256.clone());
    }
    ids.sort();
    ids.dedup();
    manifest
        .documents
        .retain(|id, _| ids.binary_search(id).is_ok());
    manifest.files = stamps;
    manifest.stamped_at_ns = stamped_at_ns;
    written.prune(&ids)?;

    let export_started = Instant::now();
    let mode = if force || unchanged.is_empty() {
        export::ExportMode::Fresh
    } else {
        export::ExportMode::Incremental {
            replaced: &replaced,
        }
    };
    let summary = if exports_current {
        let mut summary = ExportSummary::default();
        for cached in manifest.documents.values() {
            summary.add(&cached.totals);
        }
        summary
    } else {
        export::write_exports(out, &ids, mode)?
    };
    // Saved last: after a crash, reports not yet in the exports are redone.
    manifest.save(out)?;
    let stats = RunStats {
        inputs: inputs.len(),
        documents: summary.documents,
        processed: todo.len(),
        reused: unchanged.len(),
        threads: pool.current_num_threads(),
        seconds_discover: discovered.as_secs_f64(),
        seconds_process: process_time.as_secs_f64(),
        seconds_export: export_started.elapsed().as_secs_f64(),
        seconds_total: started.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
        facts: summary.facts,
        findings: summary.findings(),
        documents_with_errors: summary.documents_with_errors(),
    };
    Ok((summary, stats))
}

/// Whether the exports on disk were written, by the run that saved
/// `manifest`, from exactly the `unchanged` documents (so nothing needs doing).
fn replaced_nothing_since_last_export(
    manifest: &Manifest,
    unchanged: &[IdInput],
    out: &Path,
) -> bool {
    manifest.documents.len() == unchanged.len()
        && unchanged
            .iter()
            .all(|(id, _)| manifest.documents.contains_key(*id))
        && export::export_files()
            .iter()
            .all(|name| out.join(name).is_file())
}

/// The end-of-run table.
pub fn summary_table(summary: &ExportSummary, stats: &RunStats, out: &Path) -> String {
    let detail = |map: &BTreeMap<String, u64>| -> String {
        if map.is_empty() {
            return String::new();
        }
        // Most frequent first; severities and reasons tie-break by name.
        let mut entries: Vec<(&String, &u64)> = map.iter().collect();
        entries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = entries.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!("  ({})", parts.join(", "))
    };
    let rate = if stats.seconds_process > 0.0 {
        stats.processed as f64 / stats.seconds_process
    } else {
        0.0
    };
    let mut t = String::new();
    t.push_str(&format!(
        "{:<12}{:>10}  ({} processed, {} unchanged)\n",
        "documents", summary.documents, stats.processed, stats.reused
    ));
    t.push_str(&format!("{:<12}{:>10}\n", "facts", summary.facts));
    t.push_str(&format!(
        "{:<12}{:>10}{}\n",
        "findings",
        summary.findings(),
        detail(&summary.findings_by_severity)
    ));
    t.push_str(&format!(
        "{:<12}{:>10}{}\n",
        "errors",
        summary.documents_with_errors(),
        detail(&summary.errors_by_reason)
    ));
    t.push_str(&format!(
        "{:<12}{:>10.1}s  ({:.1} documents/s on {} threads; export {:.1}s)\n",
        "time", stats.seconds_total, rate, stats.threads, stats.seconds_export
    ));
    t.push_str(&format!("{:<12}{:>10}\n", "written to", out.display()));
    t
}

/// `caizheng run`.
pub fn run_main(args: RunArgs) -> Result<i32> {
    let inputs = discover(&args.inputs)?;
    if inputs.is_empty() {
        bail!("no documents found in the given inputs");
    }
    let (summary, stats) = run(&inputs, &args.out, args.jobs, args.force, args.quiet)?;
    if !args.quiet {
        print!("{}", summary_table(&summary, &stats, &args.out));
    }
    if let Some(path) = &args.stats_json {
        fs::write(path, serde_json::to_vec_pretty(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(0)
}
