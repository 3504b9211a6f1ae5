//! `caizheng run` and `caizheng report`: the dataset, its site, its summary
//! and its exit code.

use std::path::{Path, PathBuf};

use super::exit::{Exit, FailOn};

#[derive(clap::Args)]
pub struct RunCommand {
    #[command(flatten)]
    pub args: caizheng::batch::RunArgs,
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

/// Write the site and say where, or why not.
fn site(out: &Path) -> Option<(PathBuf, caizheng::site::SiteTotals)> {
    match caizheng::site::write_site(out) {
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
    let (summary, stats) = caizheng::batch::run_main(&args)?;
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
    let site = if no_site { None } else { site(&args.out) };
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
            print!(
                "{}",
                caizheng::batch::summary_table(&summary, &stats, &args.out)
            );
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
