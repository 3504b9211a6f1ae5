//! `caizheng check`: the findings of each document, for a person or a script.

use std::io::Write;
use std::path::PathBuf;

use caizheng::report::Report;

use super::exit::{Exit, FailOn};
use super::inputs::{expand, load_config, report_of};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Documents to check, or folders of them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// `text` for a person (grouped by severity, quotes side by side), `json` for machines.
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// A folder of data files over the built-in `patterns/`: a file named as
    /// a built-in one replaces it (`tables.toml`, `reconcile.toml`,
    /// `sections.toml`, `common.toml` …), any other `*.toml` adds extraction
    /// patterns.
    #[arg(long)]
    patterns: Option<PathBuf>,
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// Exit 3 when a finding of this severity or a worse one is found.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Whether a document could be checked, and if not why.
#[derive(Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Checked,
    /// The file could not be read at all.
    Unreadable,
    /// Read, but holding no figure of the vocabulary: not a disclosure, or
    /// one worded as no pattern knows.
    NotADisclosure,
}

impl Status {
    fn of(report: &Report) -> Status {
        let has_figures = report.facts.iter().any(|f| !f.key.starts_with("document."));
        if has_figures {
            Status::Checked
        } else if !report.errors.is_empty() {
            Status::Unreadable
        } else {
            Status::NotADisclosure
        }
    }

    /// What to print instead of the findings of a document not checked.
    fn explanation(self) -> Option<&'static str> {
        match self {
            Status::Checked => None,
            Status::Unreadable => {
                Some("未检查：文件无法读取 / not checked: the document could not be read")
            }
            Status::NotADisclosure => Some(
                "未检查：未找到预算或决算公开的数字，这不像部门预算/决算公开文本 / \
                 not checked: no figure of a budget or final-account disclosure was found",
            ),
        }
    }
}

/// Exit 3 when a finding reaches `--fail-on`, else 1 when some document
/// could not be checked (unreadable, or no disclosure), 4 when none of the
/// paths exists.
pub fn check(args: CheckArgs) -> anyhow::Result<Exit> {
    use std::io::IsTerminal;
    let (files, any_exists) = expand(&args.files)?;
    if files.is_empty() {
        anyhow::bail!("no documents found in {:?}", args.files);
    }
    let config = load_config(args.patterns.as_ref())?;
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut exit = Exit::Done;
    for file in &files {
        let report = report_of(file, &config);
        let status = Status::of(&report);
        if status != Status::Checked || !report.errors.is_empty() {
            exit = exit.max(Exit::Partial);
        }
        let threshold = args.fail_on.threshold();
        if report.findings.iter().any(|f| f.severity >= threshold) {
            exit = exit.max(Exit::Findings);
        }
        match args.format {
            CheckFormat::Json => {
                let value = serde_json::json!({
                    "document": report.document,
                    "status": status,
                    "findings": report.findings,
                    "errors": report.errors,
                });
                serde_json::to_writer(&mut out, &value)?;
                writeln!(out)?;
            }
            CheckFormat::Text => print_text(&mut out, &file.source, &report, status, color)?,
        }
    }
    Ok(if any_exists { exit } else { Exit::Unable })
}

fn print_text(
    out: &mut impl Write,
    source: &str,
    report: &Report,
    status: Status,
    color: bool,
) -> anyhow::Result<()> {
    let d = &report.document;
    writeln!(
        out,
        "== {source}: {} {} {}",
        d.entity.as_deref().unwrap_or("?"),
        d.fiscal_year.map(|y| y.to_string()).unwrap_or_default(),
        d.kind.as_deref().unwrap_or("")
    )?;
    // What was checked, so that "no inconsistency" is read against it.
    if !report.checked.is_empty() {
        let checked: Vec<String> = report
            .checked
            .iter()
            .map(|(family, n)| format!("{family} {n}"))
            .collect();
        writeln!(out, "已核对 / identities checked: {}", checked.join(", "))?;
    }
    for e in &report.errors {
        writeln!(out, "error [{}]: {}", e.reason, e.message)?;
    }
    match status.explanation() {
        Some(why) => writeln!(out, "{why}")?,
        None => write!(
            out,
            "{}",
            caizheng::reconcile::render_human(&report.findings, color)
        )?,
    }
    Ok(())
}
