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
    }
}
