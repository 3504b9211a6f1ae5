//! `cargo bench --bench extract`: the whole `caizheng extract` process on each
//! shared PDF beside poppler's `pdftotext` on the same file, in the same run.
//! Median wall time of several runs and the peak RSS of each child process.
//!
//! `BENCH_BASE=path/to/older/caizheng` times that build too, interleaved with
//! this one, and prints the ratio per file and over all files: the "per-document
//! time within 1.1× of the base" targets are read from that last line.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 9;

/// Run a command to completion; wall time and peak RSS (KiB) from wait4.
fn measure(cmd: &mut Command) -> Option<(Duration, i64)> {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    std::mem::forget(child);
    (r == pid && libc::WIFEXITED(status)).then_some((elapsed, usage.ru_maxrss))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!("SKIPPED: {} is absent", corpus.display());
        return;
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_caizheng"));
    let base = std::env::var_os("BENCH_BASE").map(PathBuf::from);
    let have_pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    // Every PDF of the corpus, in its folders too (jiangsu/, swu/ …).
    let mut pdfs: Vec<PathBuf> = walkdir::WalkDir::new(&corpus)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    pdfs.sort();
    println!(
        "{:<40} {:>10} {:>10} {:>7} {:>12} {:>12} {:>8} {:>6}",
        "file",
        "extract ms",
        "pdftotext",
        "ratio",
        "extract RSS",
        "pdftotext RSS",
        "base ms",
        "/base"
    );
    let (mut sum_ours, mut sum_base) = (0.0, 0.0);
    for pdf in pdfs {
        let (mut ours, mut theirs, mut based) = (Vec::new(), Vec::new(), Vec::new());
        let (mut our_rss, mut their_rss) = (0, 0);
        for _ in 0..RUNS {
            // Interleave so that all see the same machine load.
            if let Some((t, rss)) = measure(Command::new(exe).arg("extract").arg(&pdf)) {
                ours.push(t);
                our_rss = our_rss.max(rss);
            }
            if have_pdftotext {
                if let Some((t, rss)) = measure(Command::new("pdftotext").arg(&pdf).arg("-")) {
                    theirs.push(t);
                    their_rss = their_rss.max(rss);
                }
            }
            if let Some(base) = &base {
                if let Some((t, _)) = measure(Command::new(base).arg("extract").arg(&pdf)) {
                    based.push(t);
                }
            }
        }
        let name = pdf
            .strip_prefix(&corpus)
            .unwrap_or(&pdf)
            .to_string_lossy()
            .to_string();
        let ms = |v: Vec<Duration>| (!v.is_empty()).then(|| median(v).as_secs_f64() * 1000.0);
        let Some(ours_ms) = ms(ours) else {
            println!("{name:<40} failed");
            continue;
        };
        let (theirs_ms, base_ms) = (ms(theirs), ms(based));
        let show = |v: Option<f64>, digits: usize| {
            v.map_or("n/a".to_string(), |v| format!("{v:.digits$}"))
        };
        println!(
            "{name:<40} {ours_ms:>10.1} {:>10} {:>7} {:>8} KiB {:>8} KiB {:>8} {:>6}",
            show(theirs_ms, 1),
            show(theirs_ms.map(|t| ours_ms / t), 2),
            our_rss,
            their_rss,
            show(base_ms, 1),
            show(base_ms.map(|b| ours_ms / b), 2),
        );
        if let Some(b) = base_ms {
            sum_ours += ours_ms;
            sum_base += b;
        }
    }
    if sum_base > 0.0 {
        println!(
            "all files: {sum_ours:.1} ms, base {sum_base:.1} ms, ratio {:.3}",
            sum_ours / sum_base
        );
    }
}
