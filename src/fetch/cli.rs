//! `caizheng crawl`: the command-line face of the fetcher.

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::crawl::{crawl, CrawlOptions, SiteSummary};
use super::site::{load_sites, SiteDef};
use super::store::Store;

#[derive(clap::Args, Debug)]
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

/// Run `crawl`; the exit code is 2 for unusable input, 0 otherwise.
pub fn crawl_main(args: CrawlArgs) -> anyhow::Result<i32> {
    if args.list {
        let store = Store::open_read_only(&args.store)
            .with_context(|| format!("opening {}", args.store.display()))?;
        for doc in store.documents()? {
            println!("{}", serde_json::to_string(&doc)?);
        }
        return Ok(0);
    }
    let mut sites: Vec<SiteDef> = match (&args.sites, &args.url) {
        (Some(path), None) => match load_sites(path) {
            Ok(sites) => sites,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        },
        (None, Some(url)) => {
            let url = url::Url::parse(url).with_context(|| format!("bad URL {url:?}"))?;
            vec![SiteDef::single_page(url)]
        }
        _ => bail!("give --sites FILE or --url URL"),
    };
    if !args.only.is_empty() {
        sites.retain(|s| args.only.contains(&s.name));
        if sites.is_empty() {
            bail!("no site named {:?} in the sites file", args.only);
        }
    }
    if let Some(since) = &args.since {
        let valid = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$")
            .expect("valid")
            .is_match(since);
        if !valid {
            eprintln!("error: --since wants YYYY-MM-DD, got {since:?}");
            return Ok(2);
        }
    }
    let store = Store::open(&args.store)
        .with_context(|| format!("opening store {}", args.store.display()))?;
    let options = CrawlOptions {
        max_docs: args.max_docs,
        since: args.since.clone(),
        progress: !args.quiet && !args.json,
    };
    let summaries = crawl(&sites, &store, &options);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    } else {
        print_table(&summaries);
    }
    Ok(0)
}

fn print_table(summaries: &[SiteSummary]) {
    println!(
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
    );
    for s in summaries {
        println!(
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
        );
        for (reason, urls) in &s.failures {
            let example = urls.first().map(String::as_str).unwrap_or("");
            println!("    failed {reason}: {} (e.g. {example})", urls.len());
        }
    }
}
