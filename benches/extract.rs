//! `cargo bench --bench extract`: the whole `caizheng extract` process on each
//! shared PDF beside poppler's `pdftotext` on the same file, in the same run.
//! Median wall time of several runs and the peak RSS of each child process.

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
    let have_pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    pdfs.sort();
    println!(
        "{:<36} {:>10} {:>10} {:>7} {:>12} {:>12}",
        "file", "extract ms", "pdftotext", "ratio", "extract RSS", "pdftotext RSS"
    );
    for pdf in pdfs {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let (mut our_rss, mut their_rss) = (0, 0);
        for _ in 0..RUNS {
            // Interleave so that both see the same machine load.
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
        }
        let name = pdf
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let ours_ms = median(ours).as_secs_f64() * 1000.0;
        if theirs.is_empty() {
            println!(
                "{name:<36} {ours_ms:>10.1} {:>10} {:>7} {:>9} KiB {:>12}",
                "n/a", "n/a", our_rss, "n/a"
            );
        } else {
            let theirs_ms = median(theirs).as_secs_f64() * 1000.0;
            println!(
                "{name:<36} {ours_ms:>10.1} {theirs_ms:>10.1} {:>7.2} {:>8} KiB {:>8} KiB",
                ours_ms / theirs_ms,
                our_rss,
                their_rss
            );
        }
    }
}
