//! `caizheng bench`: throughput and peak memory of `caizheng run` on a corpus
//! at several thread counts, beside poppler's `pdftotext` on the same PDFs.
//!
//! Every measurement is a separate child process (wall time, and peak RSS from
//! `wait4`), so runs do not share caches in memory or inflate each other's peak.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use caizheng::batch::{self, InputData, RunStats};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Files or folders to benchmark on. Default: ../shared/corpus.
    pub inputs: Vec<PathBuf>,
    /// Thread counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Skip the pdftotext comparison.
    #[arg(long)]
    pub no_pdftotext: bool,
    /// Folder for the runs' outputs (default: a fresh folder under the system temp dir, removed afterwards).
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    /// After the full runs, change this many documents and time the re-run
    /// (0: skip). The corpus itself is never touched: the runs read a folder
    /// of links to it, and a changed document replaces its link.
    #[arg(long, default_value_t = 10)]
    pub change: usize,
    /// How many times to change documents and time the re-run; each round
    /// changes other documents, drawn at random with a fixed seed.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
}

/// Wall time and peak RSS (KiB) of one child process run to completion.
struct Measured {
    elapsed: Duration,
    /// User and system time of the child: on a shared machine, steadier
    /// than the elapsed time.
    cpu: Duration,
    peak_kib: u64,
    success: bool,
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

fn measure(cmd: &mut Command) -> Result<Measured> {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null()) // reader warnings on broken documents are not results
        .spawn()
        .context("cannot start the command")?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting on our own child with valid out-pointers; the Child is
    // then forgotten so that std does not wait on the reaped pid again.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    std::mem::forget(child);
    if reaped != pid {
        bail!("wait4 failed for pid {pid}");
    }
    Ok(Measured {
        elapsed,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        peak_kib: usage.ru_maxrss.max(0) as u64,
        // Exit 1 is a complete run in which some documents could not be
        // read: a benchmark corpus (scripts/make_corpus.py) has such on purpose.
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
    })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

struct Row {
    what: String,
    threads: usize,
    documents: usize,
    seconds: f64,
    peak_kib: u64,
}

impl Row {
    fn print(&self) {
        let rate = if self.seconds > 0.0 {
            self.documents as f64 / self.seconds
        } else {
            0.0
        };
        println!(
            "{:<34}{:>8}{:>11}{:>13.1}{:>10.2}{:>10.1}{:>14.1}",
            self.what,
            self.threads,
            self.documents,
            rate,
            self.seconds,
            mib(self.peak_kib),
            mib(self.peak_kib) / self.threads.max(1) as f64
        );
    }
}

fn print_header() {
    println!(
        "{:<34}{:>8}{:>11}{:>13}{:>10}{:>10}{:>14}",
        "", "threads", "documents", "documents/s", "seconds", "peak MiB", "MiB/thread"
    );
}

/// `caizheng run` in a child process; its own statistics give the processing
/// time (without discovery and export) and the document counts.
fn caizheng_run(
    args: &[String],
    out: &Path,
    threads: usize,
    force: bool,
) -> Result<(Measured, RunStats)> {
    let stats_path = out.with_extension("stats.json");
    let exe = std::env::current_exe().context("cannot find the caizheng binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--jobs")
        .arg(threads.to_string())
        .arg("--quiet");
    cmd.arg("--stats-json").arg(&stats_path);
    if force {
        cmd.arg("--force");
    }
    // The previous run's writes are flushed first, so that its write-back does not slow this one.
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let measured = measure(&mut cmd)?;
    if !measured.success {
        bail!("caizheng run failed on {threads} thread(s)");
    }
    let stats: RunStats = serde_json::from_slice(&std::fs::read(&stats_path)?)?;
    Ok((measured, stats))
}

/// Re-runs into the out dir of a full run measured as `full`: with nothing
/// changed, then (given a link view) `rounds` times with `change` documents
/// changed, and the median of those (elapsed time, and CPU time beside it).
fn rerun(
    input_args: &[String],
    out: &Path,
    threads: usize,
    full: &Measured,
    links: Option<&[PathBuf]>,
    change: usize,
    rounds: usize,
) -> Result<()> {
    let (m, stats) = caizheng_run(input_args, out, threads, false)?;
    println!(
        "{:<34}{:>8}{:>11}{:>13}{:>10.3}   ({} reprocessed)",
        "  re-run, nothing changed",
        threads,
        stats.documents,
        "",
        m.elapsed.as_secs_f64(),
        stats.processed
    );
    let Some(links) = links else {
        if change > 0 {
            println!(
                "  re-run with changed documents skipped: some inputs have no document extension"
            );
        }
        return Ok(());
    };
    let share = |seconds: f64| 100.0 * seconds / full.elapsed.as_secs_f64();
    let cpu_share = |seconds: f64| 100.0 * seconds / full.cpu.as_secs_f64().max(1e-9);
    let mut times = Vec::with_capacity(rounds);
    let mut cpu_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let changed = change_documents(links, change, round)?;
        let (m, stats) = caizheng_run(input_args, out, threads, false)?;
        let seconds = m.elapsed.as_secs_f64();
        times.push(seconds);
        cpu_times.push(m.cpu.as_secs_f64());
        println!(
            "{:<34}{:>8}{:>11}{:>13}{:>10.3}   ({} reprocessed, {} PDF, {:.1} MiB; {:.2}% of the full run's {:.2}s; CPU {:.3}s, {:.2}% of its {:.2}s)",
            format!("  re-run, {} changed", changed.documents),
            threads,
            stats.documents,
            "",
            seconds,
            stats.processed,
            changed.pdfs,
            changed.bytes as f64 / (1024.0 * 1024.0),
            share(seconds),
            full.elapsed.as_secs_f64(),
            m.cpu.as_secs_f64(),
            cpu_share(m.cpu.as_secs_f64()),
            full.cpu.as_secs_f64()
        );
    }
    if !times.is_empty() {
        times.sort_by(f64::total_cmp);
        cpu_times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let cpu_median = cpu_times[cpu_times.len() / 2];
        println!(
            "{:<34}{:>8}{:>11}{:>13}{:>10.3}   ({:.2}% of the full run; {} rounds, {:.2}–{:.2}%; CPU median {:.3}s, {:.2}% of the full run's)",
            format!("  re-run, {change} changed: median"),
            threads,
            "",
            "",
            median,
            share(median),
            times.len(),
            share(times[0]),
            share(times[times.len() - 1]),
            cpu_median,
            cpu_share(cpu_median)
        );
    }
    Ok(())
}

/// pdftotext over `pdfs` with `threads` workers, each taking every n-th file.
fn pdftotext(pdfs: &[PathBuf], threads: usize) -> Result<Row> {
    let start = Instant::now();
    let results: Vec<Result<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                scope.spawn(move || -> Result<u64> {
                    let mut peak = 0;
                    for pdf in pdfs.iter().skip(w).step_by(threads) {
                        let m = measure(Command::new("pdftotext").arg("-q").arg(pdf).arg("-"))?;
                        peak = peak.max(m.peak_kib);
                    }
                    Ok(peak)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("worker panicked")))
            })
            .collect()
    });
    let mut peak = 0;
    for r in results {
        peak = peak.max(r?);
    }
    Ok(Row {
        what: "pdftotext (PDFs; peak per process)".into(),
        threads,
        documents: pdfs.len(),
        seconds: start.elapsed().as_secs_f64(),
        peak_kib: peak,
    })
}

/// A folder of symbolic links to `documents` (bundled ones written out), so
/// that documents can be changed for a re-run without touching the corpus.
/// `None` when some document cannot be placed there under a name that
/// discovery takes (a crawl-store blob has no extension).
fn link_view(documents: &[batch::Input], view: &Path) -> Result<Option<Vec<PathBuf>>> {
    let _ = std::fs::remove_dir_all(view);
    std::fs::create_dir_all(view)?;
    let mut links = Vec::with_capacity(documents.len());
    for (index, document) in documents.iter().enumerate() {
        let name = Path::new(&document.source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let link = view.join(format!("{index:06}-{name}"));
        if !batch::has_document_extension(&link) {
            return Ok(None);
        }
        match &document.data {
            InputData::File(path) => {
                std::os::unix::fs::symlink(std::fs::canonicalize(path)?, &link)?
            }
            InputData::Bundled(bytes) => std::fs::write(&link, bytes)?,
        }
        links.push(link);
    }
    Ok(Some(links))
}

/// What one round changed.
struct Changed {
    documents: usize,
    pdfs: usize,
    bytes: u64,
}

/// Replace `count` of the links by changed copies: PDFs get a comment after
/// `%%EOF`, other text formats a trailing newline (documents in zip
/// containers are not changed: trailing bytes would break them).
///
/// The documents are drawn at random, with a fixed seed so that every bench
/// changes the same ones, and each round takes the next `count` of the same
/// draw, so rounds change different documents. A random draw, not every n-th
/// document: a generated corpus repeats its originals in a cycle, and a
/// stride that is a multiple of the cycle changes ten copies of one
/// original — always the largest PDF in one round, never it in another.
fn change_documents(links: &[PathBuf], count: usize, round: usize) -> Result<Changed> {
    let mut changeable: Vec<&PathBuf> = links
        .iter()
        .filter(|l| {
            let name = l.to_string_lossy().to_ascii_lowercase();
            [".pdf", ".txt", ".html", ".htm"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .collect();
    fastrand::Rng::with_seed(0x6361_697a_6865_6e67).shuffle(&mut changeable);
    let mut changed = Changed {
        documents: 0,
        pdfs: 0,
        bytes: 0,
    };
    for link in changeable
        .iter()
        .cycle()
        .skip(round * count)
        .take(count.min(changeable.len()))
    {
        let mut bytes = std::fs::read(link)?;
        let pdf = link
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".pdf");
        if pdf {
            bytes.extend_from_slice(b"\n%caizheng-bench-change\n");
        } else {
            bytes.push(b'\n');
        }
        std::fs::remove_file(link)?;
        std::fs::write(link, &bytes)?;
        changed.documents += 1;
        changed.pdfs += usize::from(pdf);
        changed.bytes += bytes.len() as u64;
    }
    Ok(changed)
}

fn default_corpus() -> PathBuf {
    let local = PathBuf::from("../shared/corpus");
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
    }
}

/// `caizheng bench`.
pub fn bench_main(args: BenchArgs) -> Result<i32> {
    let inputs = if args.inputs.is_empty() {
        vec![default_corpus()]
    } else {
        args.inputs.clone()
    };
    let documents = batch::discover(&inputs)?;
    if documents.is_empty() {
        bail!("no documents to benchmark in {inputs:?}");
    }
    let pdfs: Vec<PathBuf> = documents
        .iter()
        .filter_map(|d| match &d.data {
            InputData::File(p) if d.source.to_ascii_lowercase().ends_with(".pdf") => {
                Some(p.clone())
            }
            _ => None,
        })
        .collect();
    let bytes: u64 = documents
        .iter()
        .map(|d| match &d.data {
            InputData::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            InputData::Bundled(b) => b.len() as u64,
        })
        .sum();
    let scratch = args.scratch.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("caizheng-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&scratch)?;
    let view = scratch.join("corpus");
    let links = if args.change > 0 {
        link_view(&documents, &view)?
    } else {
        None
    };
    let input_args: Vec<String> = match &links {
        Some(_) => vec![view.display().to_string()],
        None => inputs.iter().map(|p| p.display().to_string()).collect(),
    };
    let pdf_args: Vec<String> = pdfs.iter().map(|p| p.display().to_string()).collect();

    println!(
        "corpus: {} — {} documents ({} PDF), {:.0} MiB",
        inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        documents.len(),
        pdfs.len(),
        bytes as f64 / (1 << 20) as f64
    );
    print_header();
    let mut single_rate = None;
    for &threads in &args.threads {
        let out = scratch.join(format!("all-{threads}"));
        let (m, stats) = caizheng_run(&input_args, &out, threads, true)?;
        let row = Row {
            what: "caizheng run (processing)".into(),
            threads,
            documents: stats.processed,
            seconds: stats.seconds_process,
            peak_kib: m.peak_kib,
        };
        row.print();
        println!(
            "{:<34}{:>8}{:>11}{:>13}{:>10.2}   (discover {:.2}s, export {:.2}s; CPU {:.2}s)",
            "  whole run",
            threads,
            stats.documents,
            "",
            m.elapsed.as_secs_f64(),
            stats.seconds_discover,
            stats.seconds_export,
            m.cpu.as_secs_f64()
        );
        let rate = stats.processed as f64 / stats.seconds_process.max(1e-9);
        if threads == 1 {
            single_rate = Some(rate);
        } else if let Some(one) = single_rate {
            println!(
                "{:<34}{:>8}{:>24.2}x",
                "  speed-up over 1 thread",
                threads,
                rate / one
            );
        }
        rerun(
            &input_args,
            &out,
            threads,
            &m,
            links.as_deref(),
            args.change,
            args.rounds,
        )?;
    }

    if !args.no_pdftotext && !pdfs.is_empty() {
        if Command::new("pdftotext")
            .arg("-v")
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            println!("pdftotext not installed: comparison skipped (apt-get install poppler-utils)");
        } else {
            for &threads in &args.threads {
                let out = scratch.join(format!("pdf-{threads}"));
                let (m, stats) = caizheng_run(&pdf_args, &out, threads, true)?;
                Row {
                    what: "caizheng run (PDFs, processing)".into(),
                    threads,
                    documents: stats.processed,
                    seconds: stats.seconds_process,
                    peak_kib: m.peak_kib,
                }
                .print();
                pdftotext(&pdfs, threads)?.print();
            }
        }
    }
    if args.scratch.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    Ok(0)
}
