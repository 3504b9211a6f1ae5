use caizheng::pipeline::{self, Config};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// caizheng: Chinese government budget disclosures (部门预算 / 部门决算) as open data.
#[derive(Parser)]
#[command(name = "caizheng", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract facts (and findings) from documents and print them as JSON.
    Extract(ExtractArgs),
    /// Check documents for internal inconsistencies and print the findings.
    Check(CheckArgs),
    /// Print the JSON Schema of the per-document report.
    Schema,
    /// Process many documents into an open dataset (CSV, JSONL, SQLite, Data Package).
    Run(caizheng::batch::RunArgs),
    /// Measure documents/s and peak memory of `run` beside pdftotext.
    Bench(caizheng::bench::BenchArgs),
    /// Crawl disclosure sites into a store (blobs + SQLite state).
    Crawl(caizheng::fetch::cli::CrawlArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object (one file) or one per line (several files).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Indented JSON, one object per file.
    Pretty,
    /// The normalized text every pattern reads (pages separated by form
    /// feeds): for writing patterns for a new wording.
    Text,
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// Documents to read: PDF, DOCX, HTML or text (GBK/GB18030 detected).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// A folder of pattern files (*.toml) that replace or extend the built-in ones.
    #[arg(long)]
    patterns: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Documents to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// `text` for a person (grouped by severity, quotes side by side), `json` for machines.
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// Pattern files replacing or extending the built-in ones (also `reconcile.toml`).
    #[arg(long)]
    patterns: Option<PathBuf>,
    /// Colour: auto (when stdout is a terminal), always, never.
    #[arg(long, default_value = "auto")]
    color: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    use std::io::IsTerminal;
    let config = load_config(args.patterns.as_ref())?;
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    each_report(&args.files, &config, |out, source, report| {
        match args.format {
            CheckFormat::Json => {
                let value = serde_json::json!({
                    "document": report.document,
                    "findings": report.findings,
                    "errors": report.errors,
                });
                serde_json::to_writer(&mut *out, &value)?;
                writeln!(out)?;
            }
            CheckFormat::Text => {
                let d = &report.document;
                writeln!(
                    out,
                    "== {source}: {} {} {}",
                    d.entity.as_deref().unwrap_or("?"),
                    d.fiscal_year.map(|y| y.to_string()).unwrap_or_default(),
                    d.kind.as_deref().unwrap_or("")
                )?;
                for e in &report.errors {
                    writeln!(out, "error [{}]: {}", e.reason, e.message)?;
                }
                write!(
                    out,
                    "{}",
                    caizheng::reconcile::render_human(&report.findings, color)
                )?;
            }
        }
        Ok(())
    })
}

/// Process each file and hand its report to `print`; the exit code is 2
/// when any document (or part of one) could not be read.
fn each_report(
    files: &[PathBuf],
    config: &Config,
    mut print: impl FnMut(
        &mut std::io::StdoutLock,
        &str,
        &caizheng::report::Report,
    ) -> anyhow::Result<()>,
) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for path in files {
        let source = path.display().to_string();
        let report = report_of(path, &source, config);
        failed |= !report.errors.is_empty();
        print(&mut out, &source, &report)?;
    }
    Ok(if failed { 2 } else { 0 })
}

/// The report of one file, or of the reason it could not be opened.
fn report_of(path: &std::path::Path, source: &str, config: &Config) -> caizheng::report::Report {
    match caizheng::read::read_file(path) {
        Ok(bytes) => pipeline::process_with(&bytes, source, config),
        Err(e) => pipeline::refused(source, &e),
    }
}

fn load_config(patterns: Option<&PathBuf>) -> anyhow::Result<Config> {
    Config::load(patterns.map(PathBuf::as_path))
}

fn extract(args: ExtractArgs) -> anyhow::Result<i32> {
    if let Format::Text = args.format {
        return print_texts(&args.files);
    }
    let config = load_config(args.patterns.as_ref())?;
    each_report(&args.files, &config, |out, _, report| {
        match args.format {
            Format::Pretty => serde_json::to_writer_pretty(&mut *out, report)?,
            Format::Json | Format::Jsonl | Format::Text => {
                serde_json::to_writer(&mut *out, report)?
            }
        }
        writeln!(out)?;
        Ok(())
    })
}

/// `extract --format text`: each file's normalized text, or why it has none.
fn print_texts(files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in files {
        let read = caizheng::read::read_file(path)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| {
                caizheng::read::read_document(&bytes, &path.display().to_string())
                    .map_err(anyhow::Error::from)
            });
        match read {
            Ok(doc) => writeln!(out, "{}", doc.text)?,
            Err(e) => {
                eprintln!("caizheng: {}: {e}", path.display());
                failed = true;
            }
        }
    }
    Ok(if failed { 2 } else { 0 })
}

/// A reader that stops early (`caizheng schema | head -1`) closes the pipe:
/// the command ends quietly with 0, as `cat` and `grep` do, not with a panic.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info)
    }));
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn main() {
    quiet_on_broken_pipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            // lopdf logs every repaired object as an ERROR; the document's own
            // error says what matters. RUST_LOG overrides.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lopdf=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => extract(args),
        Command::Run(args) => caizheng::batch::run_main(args),
        Command::Bench(args) => caizheng::bench::bench_main(args),
        Command::Check(args) => check(args),
        Command::Schema => serde_json::to_string_pretty(&caizheng::report::json_schema())
            .map(|s| {
                println!("{s}");
                0
            })
            .map_err(Into::into),
        // A crawl that cannot start (bad site file, store locked) exits 2, like a failed document.
        Command::Crawl(args) => caizheng::fetch::cli::crawl_main(args).or_else(|e| {
            eprintln!("caizheng: {e:#}");
            Ok(2)
        }),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) if is_broken_pipe(&e) => std::process::exit(0),
        Err(e) => {
            eprintln!("caizheng: {e:#}");
            std::process::exit(1);
        }
    }
}
