//! `caizheng extract`: one JSON report per document on stdout.

use std::io::Write;
use std::path::PathBuf;

use super::exit::Exit;
use super::inputs::{expand, load_config, read_early, report_of_early, Named};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
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
pub struct ExtractArgs {
    /// Documents to read: PDF, DOCX, XLS(X), HTML or text (GBK/GB18030
    /// detected), or folders of them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// A folder of data files over the built-in `patterns/`: a file named as
    /// a built-in one replaces it (`tables.toml`, `reconcile.toml`,
    /// `sections.toml`, `common.toml` …), any other `*.toml` adds extraction
    /// patterns.
    #[arg(long)]
    patterns: Option<PathBuf>,
}

/// Exit 1 when some document could not be read (or only in part), 4 when
/// none of the paths exists.
pub fn extract(args: ExtractArgs) -> anyhow::Result<Exit> {
    let (files, any_exists) = expand(&args.files)?;
    if files.is_empty() {
        anyhow::bail!("no documents found in {:?}", args.files);
    }
    if let Format::Text = args.format {
        return print_texts(&files, any_exists);
    }
    // Building the configuration costs about what reading a PDF does, and
    // neither needs the other: the first file is read meanwhile. The thread
    // that built it then builds the matchers nearly every document needs,
    // while the first file is still read and then analysed (a one-file run
    // waits for neither sum).
    let (sender, receiver) = std::sync::mpsc::channel();
    let patterns = args.patterns.clone();
    std::thread::spawn(move || match load_config(patterns.as_ref()) {
        Ok(config) => {
            let config = std::sync::Arc::new(config);
            let _ = sender.send(Ok(std::sync::Arc::clone(&config)));
            config.warm_up();
        }
        Err(e) => {
            let _ = sender.send(Err(e));
        }
    });
    let mut first = Some(read_early(&files[0]));
    let config = receiver
        .recv()
        .map_err(|_| anyhow::anyhow!("the configuration could not be built"))??;
    // Stdout writes each kilobyte of a line on its own; a report runs to
    // a hundred kilobytes. Each report is flushed whole.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut failed = false;
    for file in &files {
        let early = first.take().unwrap_or_else(|| read_early(file));
        let report = report_of_early(file, early, &config);
        failed |= !report.errors.is_empty();
        match args.format {
            Format::Pretty => serde_json::to_writer_pretty(&mut out, &report)?,
            Format::Json | Format::Jsonl | Format::Text => {
                serde_json::to_writer(&mut out, &report)?
            }
        }
        writeln!(out)?;
        out.flush()?;
    }
    Ok(outcome(failed, any_exists))
}

fn outcome(failed: bool, any_exists: bool) -> Exit {
    match (failed, any_exists) {
        (_, false) => Exit::Unable,
        (true, true) => Exit::Partial,
        (false, true) => Exit::Done,
    }
}

/// `extract --format text`: each file's normalized text, or why it has none.
fn print_texts(files: &[Named], any_exists: bool) -> anyhow::Result<Exit> {
    let mut failed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for file in files {
        let read = caizheng::read::read_file(&file.path)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| {
                caizheng::read::read_document(&bytes, &file.source).map_err(anyhow::Error::from)
            });
        match read {
            Ok(doc) => writeln!(out, "{}", doc.text)?,
            Err(e) => {
                eprintln!("caizheng: {}: {e}", file.source);
                failed = true;
            }
        }
    }
    Ok(outcome(failed, any_exists))
}
