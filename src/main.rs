use clap::{Parser, Subcommand};

/// caizheng: Chinese budget disclosures as open data.
#[derive(Parser)]
#[command(name = "caizheng", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract facts from documents and print JSON.
    Extract { files: Vec<std::path::PathBuf> },
    /// Crawl disclosure sites into a store (blobs + SQLite state).
    Crawl(caizheng::fetch::cli::CrawlArgs),
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract { files } => {
            for f in files {
                let bytes = std::fs::read(&f).unwrap_or_default();
                let report = caizheng::pipeline::process(&bytes, &f.display().to_string());
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            }
        }
        Command::Crawl(args) => match caizheng::fetch::cli::crawl_main(args) {
            Ok(code) => std::process::exit(code),
            Err(e) => {
                eprintln!("error: {e:#}");
                std::process::exit(2);
            }
        },
    }
}
