//! `cargo bench --bench stages`: the CPU time of reading and of analysing
//! (sections, narrative, tables, reconciliation) the shared PDFs, per pass
//! over all of them, in one process. Where a change in per-document time
//! comes from: build this bench at two commits and compare the two lines.
//!
//! `STAGES_RUNS` sets the passes (default 5), after one to warm the caches
//! and build the matchers. Process CPU time (all threads: the narrative and
//! the tables are read side by side).

use std::path::{Path, PathBuf};

use caizheng::pipeline::{analyse, Config};
use caizheng::read::read_document;

fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-pointer for a clock every Linux has.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(corpus)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    if files.is_empty() {
        println!(
            "stages bench: no PDF under {}; nothing to measure",
            corpus.display()
        );
        return;
    }
    let runs: usize = std::env::var("STAGES_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let config = Config::builtin();
    let bytes: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read(f).ok()?)))
        .collect();
    let (mut read, mut analysed) = (0.0, 0.0);
    for pass in 0..=runs {
        for (name, b) in &bytes {
            let t = cpu_seconds();
            let Ok(doc) = read_document(b, name) else {
                continue;
            };
            let t_read = cpu_seconds() - t;
            let t = cpu_seconds();
            let report = analyse(&doc, &config);
            let t_analyse = cpu_seconds() - t;
            drop(report);
            if pass > 0 {
                read += t_read;
                analysed += t_analyse;
            }
        }
    }
    let per_pass = |s: f64| s * 1e3 / runs as f64;
    println!(
        "{} PDFs, {runs} passes: CPU per pass read {:.1} ms, analyse {:.1} ms, together {:.1} ms",
        bytes.len(),
        per_pass(read),
        per_pass(analysed),
        per_pass(read + analysed)
    );
}
