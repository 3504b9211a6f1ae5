//! `caizheng run`: the dataset, its summary and its exit code.

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
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
}

/// Exit 3 when a finding reaches `--fail-on`, else 1 when some document
/// could not be read; an error (no input, output not writable, patterns
/// that do not load) is the caller's 4.
pub fn run(command: RunCommand, quiet: bool) -> anyhow::Result<Exit> {
    let RunCommand {
        mut args,
        fail_on,
        format,
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
    match format {
        SummaryFormat::Json => {
            let value = serde_json::json!({
                "documents": summary.documents,
                "facts": summary.facts,
                "findings_by_severity": summary.findings_by_severity,
                "documents_with_errors_by_reason": summary.errors_by_reason,
                "out": args.out,
                "stats": stats,
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        SummaryFormat::Table if !quiet => {
            print!(
                "{}",
                caizheng::batch::summary_table(&summary, &stats, &args.out)
            );
        }
        SummaryFormat::Table => {}
    }
    let mut exit = Exit::Done;
    if summary.documents_with_errors() > 0 {
        exit = Exit::Partial;
    }
    if fail_on.is_some_and(|f| f.reached_by_counts(&summary.findings_by_severity)) {
        exit = Exit::Findings;
    }
    Ok(exit)
}
