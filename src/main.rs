mod cli;

use clap::{ArgAction, CommandFactory, Parser, Subcommand, ValueEnum};

use cli::exit::Exit;

/// caizheng: Chinese government budget disclosures (部门预算 / 部门决算) as open data.
///
/// Exit codes: 0 done; 1 some documents (or sites) failed, the rest done;
/// 2 usage error; 3 findings at or above --fail-on; 4 unable to work at all.
#[derive(Parser)]
#[command(name = "caizheng", version, about)]
struct Cli {
    /// More messages on stderr: -v what each stage did, -vv timings, -vvv
    /// every decision (RUST_LOG overrides).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    /// Errors only on stderr: no progress bar, no summary table.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract facts (and findings) from documents and print them as JSON.
    Extract(cli::extract::ExtractArgs),
    /// Check documents for internal inconsistencies and print the findings.
    Check(cli::check::CheckArgs),
    /// Print the JSON Schema of the per-document report.
    Schema(SchemaArgs),
    /// Process many documents into an open dataset (CSV, JSONL, SQLite, Data Package).
    Run(cli::run::RunCommand),
    /// Write the HTML site of a run's output folder again (`run` writes it too).
    Report(cli::run::ReportArgs),
    /// Measure documents/s and peak memory of `run` beside pdftotext.
    Bench(cli::bench::BenchArgs),
    /// Crawl disclosure sites into a store (blobs + SQLite state).
    Crawl(CrawlCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

#[derive(clap::Args)]
struct SchemaArgs {
    /// The schema is JSON (indented, as committed in schema/).
    #[arg(long, value_enum, default_value = "json")]
    format: SchemaFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaFormat {
    Json,
}

#[derive(clap::Args)]
struct CrawlCommand {
    #[command(flatten)]
    args: cli::crawl::CrawlArgs,
    /// The per-site summary: `table` for a person, `json` for a script.
    #[arg(long, value_enum, default_value = "table")]
    format: CrawlFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CrawlFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell: `caizheng completions bash > /etc/bash_completion.d/caizheng`.
    shell: clap_complete::Shell,
}

/// Log to stderr at the level -v/-q ask for. lopdf logs every repaired
/// object as an ERROR: the document's own error says what matters.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,caizheng=info",
        (false, 2) => "warn,caizheng=debug",
        (false, _) => "info,caizheng=trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(format!("{level},lopdf=off"))
            }),
        )
        .with_writer(std::io::stderr)
        .init();
}

fn dispatch(command: Command, quiet: bool) -> anyhow::Result<i32> {
    let exit = match command {
        Command::Extract(args) => cli::extract::extract(args)?,
        Command::Check(args) => cli::check::check(args)?,
        Command::Run(command) => cli::run::run(command, quiet)?,
        Command::Report(args) => cli::run::report(args, quiet)?,
        Command::Bench(args) => return cli::bench::bench_main(args),
        Command::Schema(SchemaArgs {
            format: SchemaFormat::Json,
        }) => {
            let schema = serde_json::to_string_pretty(&caizheng::report::json_schema())?;
            println!("{schema}");
            Exit::Done
        }
        Command::Crawl(CrawlCommand { mut args, format }) => {
            args.quiet = quiet;
            args.json |= format == CrawlFormat::Json;
            // The crawler returns its own code (0, 1 or 4).
            return cli::crawl::crawl_main(args);
        }
        Command::Completions(CompletionsArgs { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "caizheng",
                &mut std::io::stdout(),
            );
            Exit::Done
        }
    };
    Ok(exit.code())
}

fn main() {
    cli::pipe::quiet_on_broken_pipe();
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match dispatch(cli.command, cli.quiet) {
        Ok(code) => std::process::exit(code),
        Err(e) if cli::pipe::is_broken_pipe(&e) => std::process::exit(0),
        Err(e) => {
            eprintln!("caizheng: {e:#}");
            std::process::exit(Exit::Unable.code());
        }
    }
}
