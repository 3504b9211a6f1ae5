//! What a re-run rewrites of a large dataset: `COUNT` documents (default
//! 100,000) exported from generated rows, then `CHANGED` of them (default 10)
//! changed and exported again. The rows are copies of the cached rows of a
//! real run (`TEMPLATES`, an out folder of `caizheng run`), each under an id
//! of its own: no extraction runs, only the export.
//!
//!     caizheng run corpus --out /tmp/templates
//!     TEMPLATES=/tmp/templates OUT=/tmp/partitions cargo bench --profile quick --bench partitions
//!
//! Prints the bytes of the exports, the bytes the re-run wrote, and the times.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use caizheng::export::{self, rows};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The cached rows of every document of a run's out folder, with its id.
fn templates(dir: &Path) -> Vec<(String, rows::Rows)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir.join(rows::ROWS_DIR)).expect("a run's out folder") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".rows") else {
            continue;
        };
        let mut file = rows::RowsFile::open(dir, id).unwrap();
        let template = rows::Rows {
            totals: file.totals().unwrap(),
            documents_csv: file.stream(0).unwrap(),
            facts_csv: file.stream(1).unwrap(),
            findings_csv: file.stream(2).unwrap(),
            facts_jsonl: file.stream(3).unwrap(),
        };
        found.push((id.to_string(), template));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .replace(from, to)
        .into_bytes()
}

/// Template `n`'s rows under `id`.
fn rows_as(templates: &[(String, rows::Rows)], n: usize, id: &str) -> rows::Rows {
    let (from, template) = &templates[n % templates.len()];
    rows::Rows {
        totals: template.totals.clone(),
        documents_csv: replace(&template.documents_csv, from, id),
        facts_csv: replace(&template.facts_csv, from, id),
        findings_csv: replace(&template.findings_csv, from, id),
        facts_jsonl: replace(&template.facts_jsonl, from, id),
    }
}

fn bytes_under(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum()
}

/// Bytes this process has had written to storage so far (`write_bytes` of
/// `/proc/self/io`: every file, the database and its journal included).
fn storage_writes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("write_bytes: "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn export(
    out: &Path,
    ids: &[String],
    generation: &BTreeMap<String, u32>,
    recorded: &BTreeMap<String, String>,
) -> export::Exported {
    let listed = ids.iter().map(|id| {
        Ok(export::Listed {
            id: id.clone(),
            made_from: format!("generated, version {}", generation.get(id).unwrap_or(&0)),
        })
    });
    let remover = export::Remover::start().unwrap();
    let exported =
        export::write_exports(out, listed, recorded, &mut |_| Ok(Vec::new()), &remover).unwrap();
    remover.finish().unwrap();
    exported
}

fn main() {
    let count: usize = env_or("COUNT", 100_000);
    let changed: usize = env_or("CHANGED", 10);
    let Some(template_dir) = std::env::var_os("TEMPLATES").map(PathBuf::from) else {
        eprintln!("SKIPPED: set TEMPLATES to the out folder of a `caizheng run`");
        return;
    };
    let out = std::env::var_os("OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("caizheng-partitions"));
    let templates = templates(&template_dir);
    assert!(!templates.is_empty(), "no cached rows in {template_dir:?}");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();

    let started = Instant::now();
    let mut ids: Vec<String> = (0..count)
        .map(|i| caizheng::read::sha256_hex(format!("generated document {i}").as_bytes()))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        rows::write_rows(&out, id, &rows_as(&templates, i, id)).unwrap();
    }
    ids.sort();
    println!(
        "{count} documents' rows generated from {} templates in {:.1}s",
        templates.len(),
        started.elapsed().as_secs_f64()
    );

    let mut generation = BTreeMap::new();
    let started = Instant::now();
    let full = export(&out, &ids, &generation, &BTreeMap::new());
    let full_seconds = started.elapsed().as_secs_f64();
    let parts_bytes: u64 = ["csv", "jsonl", "parquet"]
        .iter()
        .map(|d| bytes_under(&out.join(d)))
        .sum();
    let database_bytes = std::fs::metadata(out.join(export::SQLITE_FILE))
        .unwrap()
        .len();
    println!(
        "full export: {} parts, {:.1} MiB of parts + {:.1} MiB database, {full_seconds:.1}s",
        full.keys.len(),
        parts_bytes as f64 / (1 << 20) as f64,
        database_bytes as f64 / (1 << 20) as f64
    );

    // Other documents, at even steps through the ids; their parts' keys
    // forgotten, as the run state forgets them.
    let mut recorded = full.keys.clone();
    for k in 0..changed {
        let id = &ids[(k * 7919 + 1) % count];
        rows::write_rows(&out, id, &rows_as(&templates, k + 1, id)).unwrap();
        generation.insert(id.clone(), 1);
        recorded.remove(export::parts::part_of(id).unwrap());
    }
    let started = Instant::now();
    let writes_before = storage_writes();
    let again = export(&out, &ids, &generation, &recorded);
    let seconds = started.elapsed().as_secs_f64();
    let written = storage_writes() - writes_before;
    let share = |bytes: u64, of: u64| 100.0 * bytes as f64 / of as f64;
    println!(
        "re-export, {changed} changed: {} parts rewritten, {:.2} MiB of {:.1} MiB of parts ({:.3}%); \
         with the database updated in place: {:.2} MiB written to storage in all, {:.2}% of all export bytes; \
         {seconds:.2}s ({:.1}% of the full export)",
        again.parts_written,
        again.bytes_written as f64 / (1 << 20) as f64,
        parts_bytes as f64 / (1 << 20) as f64,
        share(again.bytes_written, parts_bytes),
        written as f64 / (1 << 20) as f64,
        share(written, parts_bytes + database_bytes),
        100.0 * seconds / full_seconds
    );
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&out);
    }
}
