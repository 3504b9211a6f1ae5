//! `cargo bench --bench pdf_read`: the PDF reader against poppler's
//! `pdftotext` on the shared corpus PDFs, medians of N runs each.
//!
//! `PDF_BENCH_RUNS` sets N (default 15). `PDF_BENCH_DUMP=1` prints each
//! document's page texts instead (for comparing with `pdftotext -layout`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use caizheng::read::pdf;

const FILES: [&str; 3] = [
    "putuo-finance-2024-final.pdf",
    "putuo-social-work-2024-final.pdf",
    "shanghai-template-final.pdf",
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        println!(
            "pdf_read bench: {} is absent; nothing to measure",
            corpus.display()
        );
        return;
    }
    let runs: usize = std::env::var("PDF_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
        .max(1);
    let dump = std::env::var_os("PDF_BENCH_DUMP").is_some();
    let extra: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let files: Vec<std::path::PathBuf> = if extra.is_empty() {
        FILES.iter().map(|f| corpus.join(f)).collect()
    } else {
        extra.iter().map(Into::into).collect()
    };
    if let Ok(page) = std::env::var("PDF_BENCH_GLYPHS") {
        // Glyph runs of one page with their baselines, for layout debugging.
        let page: usize = page.parse().expect("a page number");
        for path in &files {
            let bytes = std::fs::read(path).expect("readable file");
            let pages = pdf::read_positioned(&bytes).expect("readable PDF");
            let mut run = String::new();
            let mut last: Option<pdf::PdfGlyph> = None;
            for g in &pages[page - 1].glyphs {
                if let Some(p) = last {
                    if (g.y - p.y).abs() > 0.01 || g.x < p.x || g.x - (p.x + p.width) > 0.3 * g.size
                    {
                        println!("y={:8.2} x={:8.2} size={:5.2} {run}", p.y, p.x, p.size);
                        run.clear();
                    }
                }
                run.push(g.text);
                last = Some(*g);
            }
            if let Some(p) = last {
                println!("y={:8.2} x={:8.2} size={:5.2} {run}", p.y, p.x, p.size);
            }
        }
        return;
    }
    if dump {
        for path in &files {
            let bytes = std::fs::read(path).expect("readable file");
            match pdf::read(&bytes) {
                Ok(doc) => {
                    for (i, page) in doc.pages.iter().enumerate() {
                        println!("===== {} page {}\n{page}", path.display(), i + 1);
                    }
                }
                Err(e) => println!("===== {}: {e}", path.display()),
            }
        }
        return;
    }
    println!(
        "{:<36} {:>5} {:>10} {:>13} {:>7} {:>14}",
        "file", "pages", "reader ms", "pdftotext ms", "ratio", "(lopdf load ms)"
    );
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut pages = 0;
        let reader = median(
            (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    let doc = pdf::read(&bytes).expect("readable PDF");
                    let took = start.elapsed();
                    pages = doc.pages.len();
                    std::hint::black_box(doc);
                    took
                })
                .collect(),
        );
        // The share of the reader's time spent in lopdf's parse.
        let load = median(
            (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(lopdf::Document::load_mem(&bytes).ok());
                    start.elapsed()
                })
                .collect(),
        );
        let poppler: Vec<Duration> = (0..runs)
            .filter_map(|_| {
                let start = Instant::now();
                let status = Command::new("pdftotext")
                    .arg(path)
                    .arg("-")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .ok()?;
                status.success().then(|| start.elapsed())
            })
            .collect();
        if poppler.is_empty() {
            println!(
                "{name:<36} {pages:>5} {:>10.1} {:>13} {:>7}",
                ms(reader),
                "n/a",
                "n/a"
            );
        } else {
            let poppler = median(poppler);
            println!(
                "{name:<36} {pages:>5} {:>10.1} {:>13.1} {:>6.0}% {:>14.1}",
                ms(reader),
                ms(poppler),
                100.0 * reader.as_secs_f64() / poppler.as_secs_f64(),
                ms(load)
            );
        }
    }
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0);
    }
}
