//! `caizheng crawl`: the command-line face of the fetcher.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use caizheng::fetch::{crawl, load_sites, CrawlOptions, SiteDef, SiteSummary, Store};

/// Exit codes of `crawl` (the same for every command).
pub const EXIT_DONE: i32 = 0;
/// Some sites or URLs failed; the rest was crawled.
pub const EXIT_PARTLY: i32 = 1;
/// A bad flag or argument.
pub const EXIT_USAGE: i32 = 2;
/// Nothing could be done: store locked or not writable, site file unusable, every site unreachable.
pub const EXIT_UNABLE: i32 = 4;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Site files: see sites/example.toml and the README's Crawling section. Besides list
pages and attachments, a site may say `article_pages_are_documents = true`: many
disclosures are the article page itself (the text of the budget on the page, no
attachment); the crawler then keeps every article page as a document, which
`caizheng run STORE` reads like any other.

Exit codes: 0 everything crawled; 1 some sites or URLs failed (see the summary),
the rest was crawled; 2 bad flag or argument; 4 nothing could be done (store
locked by another crawl or not writable, site file that does not load, every
site unreachable).")]
pub struct CrawlArgs {
    /// Site definitions (TOML with `[[site]]` tables).
    #[arg(long, conflicts_with = "url")]
    pub sites: Option<PathBuf>,
    /// Crawl one page: download the documents it links to.
    #[arg(long)]
    pub url: Option<String>,
    /// Store directory (blobs + state.sqlite); created when missing.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Only crawl the named site(s) of the sites file.
    #[arg(long = "site")]
    pub only: Vec<String>,
    /// Consider at most this many documents in this crawl.
    #[arg(long)]
    pub max_docs: Option<usize>,
    /// Skip documents listed as published before this date (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Print the per-site summary as JSON instead of a table (`--format json`).
    #[arg(long, hide = true)]
    pub json: bool,
    /// List the stored documents (JSON lines) and exit without crawling.
    #[arg(long)]
    pub list: bool,
    /// No progress bar (set by the global `-q`).
    #[arg(skip)]
    pub quiet: bool,
}

/// Run `crawl` and return its exit code (see [`EXIT_PARTLY`] and the others).
pub fn crawl_main(args: CrawlArgs) -> anyhow::Result<i32> {
    if args.list {
        return list(&args);
    }
    let mut sites: Vec<SiteDef> = match (&args.sites, &args.url) {
        (Some(path), None) => match load_sites(path) {
            Ok(sites) => sites,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_UNABLE);
            }
        },
        (None, Some(url)) => match url::Url::parse(url) {
            Ok(url) => vec![SiteDef::single_page(url)],
            Err(e) => {
                eprintln!("error: bad URL {url:?}: {e}");
                return Ok(EXIT_USAGE);
            }
        },
        _ => {
            eprintln!("error: give --sites FILE or --url URL");
            return Ok(EXIT_USAGE);
        }
    };
    if !args.only.is_empty() {
        sites.retain(|s| args.only.contains(&s.name));
        if sites.is_empty() {
            eprintln!("error: no site named {:?} in the sites file", args.only);
            return Ok(EXIT_USAGE);
        }
    }
    if let Some(since) = &args.since {
        let valid = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$")
            .expect("valid")
            .is_match(since);
        if !valid {
            eprintln!("error: --since wants YYYY-MM-DD, got {since:?}");
            return Ok(EXIT_USAGE);
        }
    }
    let store = match Store::open(&args.store) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: opening store {}: {e}", args.store.display());
            return Ok(EXIT_UNABLE);
        }
    };
    let options = CrawlOptions {
        max_docs: args.max_docs,
        since: args.since.clone(),
        progress: !args.quiet && !args.json,
    };
    let summaries = crawl(&sites, &store, &options);
    let printed = if args.json {
        serde_json::to_string_pretty(&summaries)
            .map_err(std::io::Error::other)
            .and_then(|json| writeln!(std::io::stdout(), "{json}"))
    } else {
        print_table(&summaries)
    };
    quiet_on_broken_pipe(printed)?;
    Ok(exit_code(&summaries))
}

/// 4 when no site answered at all, 1 when some site or URL failed, else 0.
pub fn exit_code(summaries: &[SiteSummary]) -> i32 {
    if !summaries.is_empty() && summaries.iter().all(|s| s.unreachable) {
        EXIT_UNABLE
    } else if summaries.iter().any(|s| s.failed > 0) {
        EXIT_PARTLY
    } else {
        EXIT_DONE
    }
}

/// `crawl --list`: the stored documents as JSON lines.
fn list(args: &CrawlArgs) -> anyhow::Result<i32> {
    let store = match Store::open_read_only(&args.store) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: opening {}: {e}", args.store.display());
            return Ok(EXIT_UNABLE);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = store
        .each_document(|doc| {
            let line = serde_json::to_string(&doc).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        })
        .with_context(|| format!("reading {}", args.store.display()))?
        .and_then(|()| out.flush());
    quiet_on_broken_pipe(written)?;
    Ok(EXIT_DONE)
}

/// A reader that stopped reading (`| head`) is not an error.
fn quiet_on_broken_pipe(result: std::io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn print_table(summaries: &[SiteSummary]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<24} {:>6} {:>6} {:>6} {:>8} {:>10} {:>8} {:>8} {:>7} {:>9}",
        "site",
        "pages",
        "found",
        "new",
        "changed",
        "unchanged",
        "skipped",
        "resumed",
        "failed",
        "requests"
    )?;
    for s in summaries {
        writeln!(
            out,
            "{:<24} {:>6} {:>6} {:>6} {:>8} {:>10} {:>8} {:>8} {:>7} {:>9}",
            s.site,
            s.pages,
            s.found,
            s.new,
            s.changed,
            s.unchanged,
            s.skipped,
            s.resumed,
            s.failed,
            s.requests
        )?;
        for (reason, urls) in &s.failures {
            let example = urls.first().map(String::as_str).unwrap_or("");
            writeln!(out, "    failed {reason}: {} (e.g. {example})", urls.len())?;
        }
    }
    Ok(())
}
