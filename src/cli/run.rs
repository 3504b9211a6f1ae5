//! `caizheng run` and `caizheng report`: the dataset, its site, its summary
//! and its exit code.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use caizheng::batch::{self, Earlier, RunStats};
use caizheng::export::ExportSummary;

use super::exit::{Exit, FailOn};

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
    /// A folder of data files over the built-in `patterns/`: a file named as
    /// a built-in one replaces it (`tables.toml`, `reconcile.toml`,
    /// `sections.toml`, `common.toml` …), any other `*.toml` adds extraction
    /// patterns.
    /// A change to any file in effect makes the next run reprocess every
    /// document.
    #[arg(long)]
    pub patterns: Option<PathBuf>,
    /// No progress bar (set by the global `-q`).
    #[arg(skip)]
    pub quiet: bool,
    /// Remove from the dataset the documents of earlier runs that this run's
    /// inputs do not hold. Without it they are kept, unless their file was
    /// in a folder given now and is gone from it (a deleted file leaves).
    #[arg(long)]
    pub prune: bool,
    /// Write run statistics (timings, peak memory) as JSON to this file.
    #[arg(long, hide = true)]
    pub stats_json: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct RunCommand {
    #[command(flatten)]
    pub args: RunArgs,
    /// Exit 3 when a finding of this severity or a worse one is in the dataset.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// The end-of-run summary: `table` for a person, `json` for a script.
    #[arg(long, value_enum, default_value = "table")]
    format: SummaryFormat,
    /// Do not write the HTML site (`OUT/site/`); `caizheng report OUT` writes it later.
    #[arg(long)]
    no_site: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output folder of a run (holding `documents/`).
    #[arg(default_value = "out")]
    out: PathBuf,
    /// `table`: where the site is; `json`: the same as an object.
    #[arg(long, value_enum, default_value = "table")]
    format: SummaryFormat,
}

/// Where the site the run wrote is, or why it is not.
fn site(
    out: &Path,
    written: anyhow::Result<caizheng::site::SiteTotals>,
) -> Option<(PathBuf, caizheng::site::SiteTotals)> {
    match written {
        Ok(totals) => Some((
            out.join(caizheng::site::SITE_DIR).join("index.html"),
            totals,
        )),
        Err(e) => {
            eprintln!("caizheng: the site was not written: {e:#}");
            None
        }
    }
}

/// Exit 3 when a finding reaches `--fail-on`, else 1 when some document
/// could not be read (or the site not written); an error (no input, output
/// not writable, patterns that do not load) is the caller's 4.
pub fn run(command: RunCommand, quiet: bool) -> anyhow::Result<Exit> {
    let RunCommand {
        mut args,
        fail_on,
        format,
        no_site,
    } = command;
    args.quiet = quiet;
    let (summary, stats, written) = run_main(&args, !no_site)?;
    tracing::info!(
        documents = summary.documents,
        processed = stats.processed,
        unchanged = stats.reused,
        kept = stats.kept,
        removed = stats.removed,
        "run done"
    );
    let mut exit = Exit::Done;
    if let Err(e) = caizheng::site::write_metadata(&args.out) {
        eprintln!("caizheng: {e:#}");
        exit = Exit::Partial;
    }
    // The dataset is written: a site that cannot be is a part not done.
    let site = written.and_then(|written| site(&args.out, written));
    if !no_site && site.is_none() {
        exit = Exit::Partial;
    }
    match format {
        SummaryFormat::Json => {
            let value = serde_json::json!({
                "documents": summary.documents,
                "facts": summary.facts,
                "findings_by_severity": summary.findings_by_severity,
                "documents_with_errors_by_reason": summary.errors_by_reason,
                "out": args.out,
                "site": site.as_ref().map(|(index, _)| index),
                "stats": stats,
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        SummaryFormat::Table if !quiet => {
            print!("{}", summary_table(&summary, &stats, &args.out));
            if let Some((index, _)) = &site {
                println!("{:<12}{:>10}", "site", index.display());
            }
        }
        SummaryFormat::Table => {}
    }
    if summary.documents_with_errors() > 0 {
        exit = exit.max(Exit::Partial);
    }
    if fail_on.is_some_and(|f| f.reached_by_counts(&summary.findings_by_severity)) {
        exit = Exit::Findings;
    }
    Ok(exit)
}

/// `caizheng report OUT`: the site of a run's output, written again.
pub fn report(args: ReportArgs, quiet: bool) -> anyhow::Result<Exit> {
    let _lock = batch::lock_folder(&args.out)?;
    caizheng::site::write_metadata(&args.out)?;
    let totals = caizheng::site::write_site(&args.out)?;
    let index = args.out.join(caizheng::site::SITE_DIR).join("index.html");
    match args.format {
        SummaryFormat::Json => println!(
            "{}",
            serde_json::json!({
                "site": index,
                "documents": totals.documents,
                "entities": totals.entities,
            })
        ),
        SummaryFormat::Table if !quiet => println!(
            "{} documents, {} entities: {}",
            totals.documents,
            totals.entities,
            index.display()
        ),
        SummaryFormat::Table => {}
    }
    Ok(Exit::Done)
}

/// The end-of-run table.
fn summary_table(summary: &ExportSummary, stats: &RunStats, out: &Path) -> String {
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
    if stats.kept > 0 {
        t.push_str(&format!(
            "{:<12}{:>10}  (of earlier runs, not among these inputs; --prune removes them)\n",
            "kept", stats.kept
        ));
    }
    if stats.removed > 0 {
        let more = stats.removed as usize - stats.removed_sources.len().min(stats.removed as usize);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        t.push_str(&format!(
            "{:<12}{:>10}  ({}{more})\n",
            "removed",
            stats.removed,
            stats.removed_sources.join(", ")
        ));
    }
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

/// `caizheng run`: the run `args` ask for, documents of earlier runs kept
/// unless `--prune`, and with `site` the site written (while the exports
/// are). Printing the summary is the caller's.
fn run_main(
    args: &RunArgs,
    site: bool,
) -> Result<(
    ExportSummary,
    RunStats,
    Option<anyhow::Result<caizheng::site::SiteTotals>>,
)> {
    let earlier = if args.prune {
        Earlier::Prune
    } else {
        Earlier::keep_outside(&args.inputs)
    };
    let (summary, stats, written) = batch::run_and_site(
        &mut |sink| batch::discover_each(&args.inputs, sink),
        batch::RunOptions {
            out: &args.out,
            jobs: args.jobs,
            force: args.force,
            quiet: args.quiet,
            patterns: args.patterns.clone(),
            earlier: &earlier,
            site,
        },
    )?;
    if let Some(path) = &args.stats_json {
        fs::write(path, serde_json::to_vec_pretty(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok((summary, stats, written))
}
