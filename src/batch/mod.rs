//! `caizheng run`: many documents in, one dataset out.
//!
//! Inputs are discovered (files, folders, crawl stores or the bundled corpus),
//! hashed, and only documents whose sha256 or configuration fingerprint changed
//! since the last run into the same out dir are processed (in parallel); the
//! exports are then brought up to date from the cached rows of every report
//! (see [`crate::export`]: only the parts holding changed documents are
//! rewritten).
//!
//! Nothing here holds a list of all inputs or documents: inputs are recorded
//! in the run state as they are found, and documents are processed, pruned
//! and exported a page at a time from it ([`state`]), so memory stays the
//! same whatever the corpus size.

mod across;
mod discover;
mod earlier;
mod lock;
mod site;
mod stamp;
mod state;

use discover::bundled_bytes;
pub use discover::{discover, discover_each, has_document_extension, Input, InputData, InputSink};
pub use earlier::Earlier;
pub use lock::{lock_folder, CannotStart, FolderLock, LOCK_FILE};

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::export::{self, rows::DocumentTotals, ExportSummary};
use crate::pipeline::Config;
use crate::reconcile::across::AcrossDoc;
use crate::report::{DocumentInfo, Report, ReportError};

/// What must match for a stored report to be reused besides the bytes.
pub fn fingerprint(config: &Config) -> String {
    format!(
        "caizheng {} / {}",
        env!("CARGO_PKG_VERSION"),
        config.fingerprint()
    )
}

fn hash_file(path: &Path) -> Result<String, crate::read::ReadError> {
    use sha2::Digest;
    let io = |e: std::io::Error| crate::read::ReadError::Io(e.to_string());
    let (mut file, _) = crate::read::open_regular(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// A report for an input that could not even be read from disk. Its id is
/// derived from the source path, since there are no bytes to hash.
fn unreadable_report(source: &str, error: &str) -> Report {
    let mut report = crate::pipeline::unreadable(source, error);
    report.document.sha256 = crate::read::sha256_hex(format!("unreadable:{source}").as_bytes());
    report
}

/// The bytes of an input file and their sha256, if the one found in this
/// run (which began at `stamped_at_ns`) still holds: the file's stamp is the
/// same after reading it, and had settled when the run began.
fn read_input(
    path: &Path,
    hashed: Option<&(String, stamp::Stamp)>,
    stamped_at_ns: u64,
) -> Result<(Vec<u8>, Option<String>), crate::read::ReadError> {
    let (file, meta) = crate::read::open_regular(path)?;
    let bytes = crate::read::read_opened(file, &meta)?;
    let sha256 = hashed.and_then(|(sha256, stamp)| {
        let unchanged = stamp.len == meta.len()
            && Some(stamp.mtime_ns) == stamp::mtime_ns(&meta)
            && stamp.len == bytes.len() as u64;
        (unchanged && stamp.settled_before(stamped_at_ns)).then(|| sha256.clone())
    });
    Ok((bytes, sha256))
}

fn process_input(todo: &state::Todo, config: &Config, stamped_at_ns: u64) -> Report {
    // An input that could not be stat'ed or hashed is opened again: it
    // then gets the reason it is refused for (`not_a_file`, `too_large`…).
    if let (Some(error), None) = (&todo.error, &todo.path) {
        return unreadable_report(&todo.source, error);
    }
    let owned;
    let (bytes, sha256): (&[u8], Option<String>) = match &todo.path {
        None => match bundled_bytes(&todo.source) {
            Some(b) => (b, todo.hashed.as_ref().map(|(sha256, _)| sha256.clone())),
            None => return unreadable_report(&todo.source, "not in the bundled corpus"),
        },
        Some(path) => match read_input(path, todo.hashed.as_ref(), stamped_at_ns) {
            Ok((b, sha256)) => {
                owned = b;
                (&owned, sha256)
            }
            Err(e) => {
                let mut report = crate::pipeline::refused(&todo.source, &e);
                report.document.sha256 =
                    crate::read::sha256_hex(format!("unreadable:{}", todo.source).as_bytes());
                return report;
            }
        },
    };
    let sha256 = sha256.unwrap_or_else(|| crate::read::sha256_hex(bytes));
    // The pipeline promises not to panic; a bug there must still cost one document, not the run.
    std::panic::catch_unwind(|| {
        let mut report =
            crate::pipeline::process_hashed(bytes, &todo.source, sha256.clone(), config);
        if let Some(path) = &todo.path {
            apply_catalogue(&mut report.document, path, &todo.source);
        }
        report
    })
    .unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let mut report = Report::new(DocumentInfo {
            sha256: sha256.clone(),
            source: todo.source.clone(),
            ..Default::default()
        });
        report.errors.push(ReportError {
            reason: "panic".into(),
            message: format!("the pipeline panicked: {message}"),
        });
        report
    })
}

/// A crawl-store blob (`STORE/sha256/ab/HEX`) read under its URL: what the
/// catalogue listed for it (the link's title and date) fills in what the
/// document itself does not say.
fn apply_catalogue(info: &mut DocumentInfo, path: &Path, source: &str) {
    let Some(root) = path
        .parent()
        .and_then(Path::parent)
        .filter(|d| d.file_name().is_some_and(|n| n == "sha256"))
        .and_then(Path::parent)
    else {
        return;
    };
    if !source.contains("://") || !root.join("state.sqlite").is_file() {
        return;
    }
    let (title, published) = match crate::fetch::store::catalogue_entry(root, source) {
        Ok(entry) => entry,
        Err(e) => {
            tracing::warn!("{source}: catalogue not readable: {e}");
            return;
        }
    };
    if info.published_on.is_none() {
        info.published_on = published;
    }
    let Some(title) = title.filter(|t| !t.trim().is_empty()) else {
        return;
    };
    let Ok(title_doc) = crate::read::read_document(title.as_bytes(), "catalogue-title.txt") else {
        return;
    };
    let mut from_title = DocumentInfo::default();
    crate::extract::metadata::read_metadata(&title_doc, &mut from_title);
    info.kind = info.kind.take().or(from_title.kind);
    info.scope = info.scope.take().or(from_title.scope);
    info.fiscal_year = info.fiscal_year.or(from_title.fiscal_year);
    info.entity = info.entity.take().or(from_title.entity);
}

/// Give the memory freed by the documents just processed back to the
/// system. glibc keeps what a thread frees in that thread's arena, where
/// the export's threads cannot reuse it: a 1,000-document run at one thread
/// peaked at 121 MB of resident memory in its export with under 40 MB in
/// use at any time (heaptrack).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it only walks glibc's free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// At most one malloc arena per worker thread. glibc gives each thread
/// that meets contention an arena of its own (up to 8 per core), and keeps
/// what a thread frees in its arena: with one worker, the memory the
/// documents freed on the worker's arena was out of reach of the comparison
/// across documents, the export and the site on the main thread, and a
/// 1,000-document run peaked at 101 MB (83 MB with one arena).
fn limit_arenas(threads: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes no pointer; M_ARENA_MAX only bounds the arenas
    // glibc creates from now on.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, threads.clamp(1, 64) as libc::c_int);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = threads;
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

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
    /// Documents of earlier runs kept although not among this run's inputs.
    #[serde(default)]
    pub kept: u64,
    /// Documents of earlier runs removed from the dataset by this run.
    #[serde(default)]
    pub removed: u64,
    /// The sources of the first removed documents (at most [`REMOVED_LISTED`]).
    #[serde(default)]
    pub removed_sources: Vec<String>,
}

/// How many removed documents the summary names.
pub const REMOVED_LISTED: usize = 10;

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

/// Inputs hashed on the pool at a time: enough to keep the threads busy,
/// few enough that memory does not grow with the corpus.
const HASH_BATCH: usize = 256;
/// Documents processed per batch, largest first within the whole run. A
/// batch's results (each document's facts for the comparison across
/// documents) are held until it is recorded: at 1,024 documents that was
/// 170 MB of a 1,000-document run's 212 MB peak; at 128 a batch holds about
/// 20 MB, for two more commits of the run state per 128 documents.
const PROCESS_BATCH: usize = 128;
/// Ids read from the run state at a time.
const ID_PAGE: usize = 4096;

/// Inputs stat'ed on the pool at a time.
const STAT_BATCH: usize = 256;

/// Record a batch of inputs in the run state with their size and mtime
/// (stat'ed on the pool); bundled inputs are hashed right away, they are few
/// and in memory.
fn record_batch(
    state: &state::RunState,
    pool: &rayon::ThreadPool,
    stamper: &mut stamp::Stamper,
    batch: &mut Vec<Input>,
) -> Result<()> {
    let stats: Vec<Option<std::io::Result<fs::Metadata>>> = pool.install(|| {
        batch
            .par_iter()
            .map(|input| match &input.data {
                InputData::File(path) => Some(fs::metadata(path)),
                InputData::Bundled(_) => None,
            })
            .collect()
    });
    for (input, stat) in batch.drain(..).zip(stats) {
        let path = match &input.data {
            InputData::File(path) => path,
            InputData::Bundled(bytes) => {
                state.add_input(&state::InputRow {
                    source: &input.source,
                    path: None,
                    stamp: Some(stamp::Stamp {
                        len: bytes.len() as u64,
                        mtime_ns: 0,
                        racy_window_ns: 0,
                    }),
                    sha256: Some(&crate::read::sha256_hex(bytes)),
                    error: None,
                })?;
                continue;
            }
        };
        let (stamp, error) = match stat {
            Some(Ok(meta)) => (Some(stamper.stamp(path, &meta)), None),
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, Some("not stat'ed".to_string())),
        };
        state.add_input(&state::InputRow {
            source: &input.source,
            path: Some(path),
            stamp,
            sha256: None,
            error: error.as_deref(),
        })?;
    }
    Ok(())
}

/// Record the inputs found by `discover` in the run state, then take each
/// sha256 from the last run where the file's stamp is unchanged and hash the
/// rest (in batches, on the pool).
fn record_inputs(
    state: &state::RunState,
    pool: &rayon::ThreadPool,
    discover: &mut dyn FnMut(&mut InputSink) -> Result<()>,
) -> Result<()> {
    let mut batch = Vec::with_capacity(STAT_BATCH);
    let mut stamper = stamp::Stamper::new();
    discover(&mut |input: Input| {
        batch.push(input);
        if batch.len() >= STAT_BATCH {
            record_batch(state, pool, &mut stamper, &mut batch)?;
        }
        Ok(())
    })?;
    record_batch(state, pool, &mut stamper, &mut batch)?;

    let last_stamped_at_ns: u64 = state
        .meta("stamped_at_ns")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    state.reuse_hashes(last_stamped_at_ns)?;
    let mut after = String::new();
    loop {
        let page = state.unhashed(&after, HASH_BATCH)?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after.clone_from(last);
        let hashed: Vec<Result<String, crate::read::ReadError>> =
            pool.install(|| page.par_iter().map(|(_, path)| hash_file(path)).collect());
        for ((source, _), sha) in page.iter().zip(hashed) {
            match sha {
                Ok(sha256) => state.set_hash(source, Ok(&sha256))?,
                Err(e) => state.set_hash(source, Err(&e.to_string()))?,
            }
        }
    }
}

/// Process the inputs `discover` finds into `out` (see the module docs).
/// Returns the export totals and the run statistics.
pub fn run_with(
    discover: &mut dyn FnMut(&mut InputSink) -> Result<()>,
    out: &Path,
    jobs: Option<usize>,
    force: bool,
    quiet: bool,
) -> Result<(ExportSummary, RunStats)> {
    let ran = run_and_site(
        discover,
        RunOptions {
            out,
            jobs,
            force,
            quiet,
            patterns: None,
            earlier: &Earlier::Prune,
            site: false,
        },
    )?;
    Ok((ran.0, ran.1))
}

/// What [`run_and_site`] is asked to do besides reading its inputs.
pub struct RunOptions<'a> {
    /// The output folder.
    pub out: &'a Path,
    /// Worker threads; None or 0: one per core.
    pub jobs: Option<usize>,
    /// Process every document again, as if none had been read before.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// A folder of data files over the built-in ones (`--patterns`).
    pub patterns: Option<PathBuf>,
    /// What to do with outputs of inputs no longer given.
    pub earlier: &'a Earlier,
    /// Write the site too.
    pub site: bool,
}

/// [`run_with`] with a folder of data files over the built-in ones
/// (`--patterns`), what to do with earlier outputs, and with `site` the site
/// written too (while the exports are: see [`site::SiteBuild`]), and what
/// came of that.
pub fn run_and_site(
    discover: &mut dyn FnMut(&mut InputSink) -> Result<()>,
    options: RunOptions<'_>,
) -> Result<(
    ExportSummary,
    RunStats,
    Option<Result<crate::site::SiteTotals>>,
)> {
    let RunOptions {
        out,
        jobs,
        force,
        quiet,
        patterns,
        earlier,
        site,
    } = options;
    let started = Instant::now();
    fs::create_dir_all(out).map_err(|e| {
        CannotStart(format!(
            "cannot create the output folder {}: {e}",
            out.display()
        ))
    })?;
    // Held until the run returns: nothing below may share the folder.
    let _lock = lock::lock_folder(out)?;
    // What a killed or failed run left half-written goes now, by the lock
    // holder, before anything of this run is written.
    export::remove_parts(out)?;
    fs::create_dir_all(out.join(export::DOCUMENTS_DIR))
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    // The state of runs before this one was a JSON file beside the exports.
    let _ = fs::remove_file(out.join("caizheng-manifest.json"));
    // Before the pool's threads first allocate.
    limit_arenas(
        jobs.filter(|&j| j > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()?;
    let state = state::RunState::open(out)?;
    tracing::debug!(elapsed = ?started.elapsed(), "run state open");
    // The patterns are compiled, and the matchers nearly every document
    // needs are built, while the inputs are found and hashed. The others are
    // built when a document first needs them: building all of them here, on
    // every thread of the pool, cost a re-run with 10 changed documents 15 ms
    // of CPU time more (some are never needed) and 10 ms more in all.
    let configuring = std::thread::spawn(move || {
        let config = Config::load(patterns.as_deref())?;
        let patterns = config.patterns.clone();
        std::thread::spawn(move || {
            patterns.warm_up();
            tracing::debug!(elapsed = ?started.elapsed(), "patterns warmed up");
        });
        tracing::debug!(elapsed = ?started.elapsed(), "configured");
        anyhow::Ok(config)
    });

    let stamped_at_ns = now_ns();
    record_inputs(&state, &pool, discover)?;
    tracing::debug!(elapsed = ?started.elapsed(), "inputs recorded");
    let config = configuring
        .join()
        .map_err(|_| anyhow::anyhow!("the built-in patterns could not be compiled"))?
        .map_err(|e| CannotStart(format!("the patterns do not load: {e:#}")))?;
    let fingerprint = fingerprint(&config);
    let inputs = state.inputs()?;
    if inputs == 0 {
        return Err(CannotStart("no documents found in the given inputs".into()).into());
    }
    export::list_written(out, &mut |id, is_report| state.add_present(id, is_report))?;
    let (todo_count, unchanged) = state.plan(&fingerprint, force)?;
    let kept = state.keep_earlier(&|source| earlier.keeps(source), ID_PAGE)?;
    let discovered = started.elapsed();
    tracing::debug!(elapsed = ?started.elapsed(), todo = todo_count, "planned");
    let bar = progress_bar(todo_count, quiet);
    let errors = AtomicU64::new(0);
    let mut done = 0u64;
    loop {
        let batch = state.todo(done, PROCESS_BATCH)?;
        if batch.is_empty() {
            break;
        }
        done += batch.len() as u64;
        // Forgotten before their reports are rewritten: a run that fails
        // (a full disk) after writing some of them must not leave the state
        // vouching for reports that no longer say what it records.
        for todo in &batch {
            if let Some((id, _)) = &todo.hashed {
                state.forget(id)?;
            }
        }
        state.commit()?;
        // Largest first, one at a time: the threads then finish together.
        let processed: Vec<Result<(String, DocumentTotals, AcrossDoc)>> = pool.install(|| {
            batch
                .par_iter()
                .with_max_len(1)
                .map(|todo| {
                    let doc_started = Instant::now();
                    let report = process_input(todo, &config, stamped_at_ns);
                    tracing::debug!(source = %todo.source, at = ?started.elapsed(), took = ?doc_started.elapsed(), "document processed");
                    if !report.errors.is_empty() {
                        let n = errors.fetch_add(1, Ordering::Relaxed) + 1;
                        bar.set_message(format!("errors: {n}"));
                    }
                    let totals = export::write_report(out, &report)?;
                    let across = AcrossDoc::of(&report, &config.rules.across);
                    bar.inc(1);
                    // A file edited between hashing and reading is recorded
                    // under the sha256 of what was read.
                    Ok((report.document.sha256, totals, across))
                })
                .collect()
        });
        for (todo, result) in batch.iter().zip(processed) {
            let (id, totals, across) = result?;
            state.add_processed(&id, &todo.source, &fingerprint, &totals, &across)?;
        }
        state.commit()?;
        release_free_memory();
    }
    bar.finish_and_clear();
    let process_time = started.elapsed() - discovered;
    tracing::debug!(elapsed = ?started.elapsed(), "processed");

    let (removed, removed_sources) = state.leaving(REMOVED_LISTED)?;
    state.settle(stamped_at_ns)?;
    tracing::debug!(elapsed = ?started.elapsed(), "settled");
    // Stale files are deleted while the exports are written: nothing in them
    // is read again.
    let remover = export::Remover::start()?;
    export::prune_written(out, &mut |after| state.stale(after, ID_PAGE), &remover)?;
    let site = match site {
        true => Some(site::SiteBuild::start(out, remover.drained())?),
        false => None,
    };

    let export_started = Instant::now();
    tracing::debug!(elapsed = ?started.elapsed(), "pruned");
    across::compare_across(&state, &config)?;
    let recorded = state.part_keys()?;
    let exported = export::write_exports(
        out,
        paged_documents(&state),
        &recorded,
        &mut |part| state.part_findings(part),
        &remover,
    )?;
    // The files are in place: their keys vouch for them from now on.
    state.set_part_keys(&exported.keys)?;
    tracing::debug!(
        parts = exported.parts_written,
        bytes = exported.bytes_written,
        database = exported.database_written,
        "parts written"
    );
    let mut summary = ExportSummary::default();
    state.each_totals(|totals| summary.add(&totals))?;
    summary.add_findings(&state.across_totals()?);
    tracing::debug!(elapsed = ?started.elapsed(), "exported");
    remover.finish()?;
    state.finish()?;
    tracing::debug!(elapsed = ?started.elapsed(), "finished");
    let site = site.map(site::SiteBuild::finish);
    tracing::debug!(elapsed = ?started.elapsed(), "site written");
    let stats = RunStats {
        inputs: inputs as usize,
        documents: summary.documents,
        processed: todo_count as usize,
        reused: unchanged as usize,
        threads: pool.current_num_threads(),
        seconds_discover: discovered.as_secs_f64(),
        seconds_process: process_time.as_secs_f64(),
        seconds_export: export_started.elapsed().as_secs_f64(),
        seconds_total: started.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
        facts: summary.facts,
        findings: summary.findings(),
        documents_with_errors: summary.documents_with_errors(),
        kept,
        removed,
        removed_sources,
    };
    Ok((summary, stats, site))
}

/// This run's documents in id order, read from the state a page at a time.
fn paged_documents(state: &state::RunState) -> impl Iterator<Item = Result<export::Listed>> + '_ {
    let mut page: std::vec::IntoIter<(String, String)> = Vec::new().into_iter();
    let mut after = String::new();
    let mut finished = false;
    std::iter::from_fn(move || loop {
        if let Some((id, made_from)) = page.next() {
            after.clone_from(&id);
            return Some(Ok(export::Listed { id, made_from }));
        }
        if finished {
            return None;
        }
        match state.run_documents(&after, ID_PAGE) {
            Ok(next) => {
                finished = next.is_empty();
                page = next.into_iter();
            }
            Err(e) => {
                finished = true;
                return Some(Err(e));
            }
        }
    })
}

/// [`run_with`] on inputs already listed.
pub fn run(
    inputs: &[Input],
    out: &Path,
    jobs: Option<usize>,
    force: bool,
    quiet: bool,
) -> Result<(ExportSummary, RunStats)> {
    run_with(
        &mut |sink| {
            for input in inputs {
                sink(input.clone())?;
            }
            Ok(())
        },
        out,
        jobs,
        force,
        quiet,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_sha256_found_at_discovery_is_kept_only_while_the_stamp_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"first").unwrap();
        stamp::set_mtime(&path, SystemTime::now() - Duration::from_secs(60));
        let stamp = stamp::Stamper::new().stamp(&path, &fs::metadata(&path).unwrap());
        let hashed = ("sha of first".to_string(), stamp);
        let run_began = now_ns();

        let (bytes, sha256) = read_input(&path, Some(&hashed), run_began).unwrap();
        assert_eq!(bytes, b"first");
        assert_eq!(sha256.as_deref(), Some("sha of first"));
        assert_eq!(read_input(&path, None, run_began).unwrap().1, None);
        assert_eq!(
            read_input(&path, Some(&hashed), stamp.mtime_ns).unwrap().1,
            None,
            "a stamp not settled when the run began vouches for nothing"
        );

        fs::write(&path, b"fifth").unwrap();
        let (bytes, sha256) = read_input(&path, Some(&hashed), run_began).unwrap();
        assert_eq!(bytes, b"fifth");
        assert_eq!(
            sha256, None,
            "rewritten (same length, new mtime) since it was hashed: hash again"
        );
    }
}
