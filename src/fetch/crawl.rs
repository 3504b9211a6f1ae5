//! The crawl itself: a frontier per site worked by a few polite threads.
//!
//! Resuming needs no saved frontier: a new crawl walks the same list pages,
//! and every page or document already stored costs one conditional request
//! (or none, inside the freshness window) instead of a download.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use url::Url;

use super::http::{Attempt, FetchError, Http, Outcome, Validators};
use super::links::{page_links, Link};
use super::names::{decode_html, disposition_filename, url_filename};
use super::site::SiteDef;
use super::store::{now_millis, BodyRecord, Change, Store};

#[derive(Debug, Clone, Default)]
pub struct CrawlOptions {
    /// Stop considering documents after this many (over all sites).
    pub max_docs: Option<usize>,
    /// Skip documents whose listed publish date is before this `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What one site's crawl found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SiteSummary {
    pub site: String,
    pub pages: usize,
    /// Distinct document URLs found on the site.
    pub found: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Not requested: before `--since`, over `--max-docs`, or checked recently.
    pub skipped: usize,
    pub failed: usize,
    /// Already handled by the interrupted crawl this one resumes; not requested again.
    pub resumed: usize,
    /// Failure reason → URLs.
    pub failures: BTreeMap<String, Vec<String>>,
    /// HTTP requests sent, robots.txt and retries included.
    pub requests: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Article,
    Document,
}

#[derive(Debug, Clone)]
struct Task {
    url: Url,
    kind: Kind,
    depth: u32,
    text: Option<String>,
    date: Option<String>,
    /// For template pagination: the `{n}` of the page after this one.
    next_template: Option<u32>,
}

#[derive(Default)]
struct StoredCopy {
    validators: Validators,
    /// Latest blob sha256, its content type and the URL it was finally served from.
    copy: Option<(String, Option<String>, Option<String>)>,
    done_in_resumed_crawl: bool,
    fresh: bool,
}

struct Frontier {
    queue: VecDeque<Task>,
    seen: HashSet<String>,
    in_flight: usize,
    pages: usize,
    docs: usize,
}

struct SiteRun<'a> {
    site: &'a SiteDef,
    store: &'a Store,
    http: &'a Http,
    options: &'a CrawlOptions,
    docs_budget: &'a AtomicUsize,
    /// Start of the interrupted crawl being resumed.
    resume_since: Option<i64>,
    frontier: Mutex<Frontier>,
    wake: Condvar,
    summary: Mutex<SiteSummary>,
    bar: &'a ProgressBar,
}

/// Crawl every site (sites in parallel, each with its own worker pool).
pub fn crawl(sites: &[SiteDef], store: &Store, options: &CrawlOptions) -> Vec<SiteSummary> {
    let mut names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let (crawl_id, resume_since) = match store.begin_crawl(&names.join(",")) {
        Ok(c) => (Some(c.0), c.1),
        Err(e) => {
            tracing::warn!("cannot record the crawl, resuming is off: {e}");
            (None, None)
        }
    };
    let http = Http::new();
    let docs_budget = AtomicUsize::new(options.max_docs.unwrap_or(usize::MAX));
    let bars = MultiProgress::with_draw_target(if options.progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let site_bars: Vec<ProgressBar> = sites
        .iter()
        .map(|site| {
            let bar = bars.add(ProgressBar::new_spinner().with_style(style.clone()));
            bar.set_message(format!("{}: starting", site.name));
            bar.enable_steady_tick(std::time::Duration::from_millis(250));
            bar
        })
        .collect();
    let runs: Vec<SiteRun> = sites
        .iter()
        .zip(&site_bars)
        .map(|(site, bar)| SiteRun {
            site,
            store,
            http: &http,
            options,
            docs_budget: &docs_budget,
            resume_since,
            frontier: Mutex::new(Frontier {
                queue: VecDeque::new(),
                seen: HashSet::new(),
                in_flight: 0,
                pages: 0,
                docs: 0,
            }),
            wake: Condvar::new(),
            summary: Mutex::new(SiteSummary {
                site: site.name.clone(),
                ..Default::default()
            }),
            bar,
        })
        .collect();
    std::thread::scope(|scope| {
        for run in &runs {
            run.seed();
            for _ in 0..run.site.politeness.concurrency {
                scope.spawn(|| run.work());
            }
        }
    });
    for bar in &site_bars {
        bar.finish_and_clear();
    }
    if let Some(id) = crawl_id {
        if let Err(e) = store.finish_crawl(id) {
            tracing::warn!("cannot mark the crawl finished: {e}");
        }
    }
    runs.into_iter()
        .map(|r| r.summary.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

impl SiteRun<'_> {
    fn seed(&self) {
        let tasks = self
            .site
            .start_urls
            .iter()
            .map(|url| Task {
                url: url.clone(),
                // `crawl --url` may be given a document itself.
                kind: if super::site::DOCUMENT_EXTENSION.is_match(url.path()) {
                    Kind::Document
                } else {
                    Kind::List
                },
                depth: 0,
                text: None,
                date: None,
                next_template: self
                    .site
                    .pagination
                    .url_template
                    .as_ref()
                    .map(|_| self.site.pagination.template_first),
            })
            .collect();
        self.enqueue(tasks);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Frontier> {
        self.frontier.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enqueue(&self, tasks: Vec<Task>) {
        let mut f = self.lock();
        for task in tasks {
            let key = task.url.as_str().to_string();
            if f.seen.contains(&key) {
                if task.kind == Kind::Document {
                    // A second link to a known document may carry an earlier date or better title.
                    let _ = self.store.note_url(
                        &key,
                        &self.site.name,
                        "document",
                        task.text.as_deref(),
                        task.date.as_deref(),
                    );
                }
                continue;
            }
            match task.kind {
                Kind::Document => {
                    if f.docs >= self.site.max_docs {
                        continue;
                    }
                    f.docs += 1;
                }
                Kind::List | Kind::Article => {
                    if f.pages >= self.site.max_pages {
                        continue;
                    }
                    f.pages += 1;
                }
            }
            f.seen.insert(key);
            // Pages first: they reveal the documents, and the queue stays short.
            match task.kind {
                Kind::Document => f.queue.push_back(task),
                _ => f.queue.push_front(task),
            }
        }
        drop(f);
        self.wake.notify_all();
    }

    fn work(&self) {
        loop {
            let task = {
                let mut f = self.lock();
                loop {
                    if let Some(task) = f.queue.pop_front() {
                        f.in_flight += 1;
                        break Some(task);
                    }
                    if f.in_flight == 0 {
                        break None;
                    }
                    f = self.wake.wait(f).unwrap_or_else(|p| p.into_inner());
                }
            };
            let Some(task) = task else {
                self.wake.notify_all();
                return;
            };
            // A panic in a parser or library fails this URL, not the crawl.
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match task.kind {
                    Kind::Document => {
                        self.document(&task);
                        Vec::new()
                    }
                    _ => self.page(&task),
                }));
            let found = outcome.unwrap_or_else(|payload| {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::warn!("panic while handling {}: {message}", task.url);
                self.fail(task.url.as_str(), "panic".into());
                Vec::new()
            });
            self.enqueue(found);
            self.lock().in_flight -= 1;
            self.wake.notify_all();
            self.show_progress();
        }
    }

    fn show_progress(&self) {
        let s = self.summary.lock().unwrap_or_else(|p| p.into_inner());
        self.bar.set_message(format!(
            "{}: {} pages, {} documents ({} new, {} changed, {} unchanged, {} failed)",
            s.site, s.pages, s.found, s.new, s.changed, s.unchanged, s.failed
        ));
    }

    fn tally(&self, f: impl FnOnce(&mut SiteSummary)) {
        f(&mut self.summary.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn fail(&self, url: &str, reason: String) {
        if let Err(e) = self.store.record_failure(url, &reason) {
            tracing::warn!("cannot record a failure of {url}: {e}");
        }
        self.tally(|s| {
            s.failed += 1;
            s.failures.entry(reason).or_default().push(url.to_string());
        });
    }

    fn fetch(&self, url: &Url, validators: &Validators) -> Result<Outcome, FetchError> {
        let mut attempts: Vec<Attempt> = Vec::new();
        let result = self.http.get(
            url,
            validators,
            &self.site.politeness,
            &|u| self.site.allows(u),
            &mut attempts,
        );
        self.tally(|s| s.requests += attempts.len());
        if let Err(e) = self.store.log_attempts(&attempts) {
            tracing::warn!("cannot write the fetch log: {e}");
        }
        result
    }

    /// What the store holds for `url`: validators worth sending (only when the
    /// stored copy can stand in for a 304), that copy, and whether an
    /// interrupted crawl being resumed already handled the URL.
    fn stored(&self, url: &str) -> StoredCopy {
        let Ok(Some(state)) = self.store.url_state(url) else {
            return StoredCopy::default();
        };
        let copy = state
            .latest_sha256
            .clone()
            .filter(|sha| self.store.blob_path(sha).exists())
            .map(|sha| {
                (
                    sha,
                    state.latest_content_type.clone(),
                    state.final_url.clone(),
                )
            });
        let done_in_resumed_crawl = copy.is_some()
            && state.status == "ok"
            && matches!((self.resume_since, state.last_checked), (Some(since), Some(t)) if t >= since);
        let fresh = copy.is_some()
            && state.status == "ok"
            && matches!((self.site.recheck_after, state.last_checked),
                (Some(window), Some(t)) if now_millis() - t < window.as_millis() as i64);
        StoredCopy {
            validators: if copy.is_some() {
                state.validators
            } else {
                Validators::default()
            },
            copy,
            done_in_resumed_crawl,
            fresh,
        }
    }

    fn listed_before_since(&self, task: &Task) -> bool {
        matches!((&self.options.since, &task.date), (Some(since), Some(date)) if date < since)
    }

    fn page(&self, task: &Task) -> Vec<Task> {
        let url = task.url.as_str();
        if task.kind == Kind::Article && self.listed_before_since(task) {
            // Old articles are not opened at all; their attachments are as old.
            self.tally(|s| s.skipped += 1);
            return Vec::new();
        }
        // Some publishers put the disclosure in the article page itself, not an attachment.
        let is_document = task.kind == Kind::Article && self.site.article_pages_are_documents;
        let count = |change: Option<Change>| {
            self.tally(|s| {
                s.pages += 1;
                if is_document {
                    s.found += 1;
                    match change {
                        Some(Change::New) => s.new += 1,
                        Some(Change::Changed) => s.changed += 1,
                        Some(Change::Unchanged) => s.unchanged += 1,
                        None => {}
                    }
                }
            })
        };
        if let Err(e) = self.store.note_url(
            url,
            &self.site.name,
            if is_document { "document" } else { "page" },
            task.text.as_deref(),
            task.date.as_deref(),
        ) {
            self.fail(url, format!("store: {e}"));
            return Vec::new();
        }
        let stored = self.stored(url);
        let from_store = |sha: &str, content_type: Option<&str>| {
            self.store
                .read_blob(sha)
                .map(|bytes| decode_html(&bytes, content_type))
        };
        let fetched = if stored.done_in_resumed_crawl {
            // Handled before the crash: its links come from the stored copy, no request.
            self.tally(|s| s.resumed += 1);
            count(None);
            Err(())
        } else {
            Ok(self.fetch(&task.url, &stored.validators))
        };
        let (html, final_url) = match fetched {
            Err(()) | Ok(Ok(Outcome::NotModified { .. })) => {
                let Some((sha, content_type, final_url)) = &stored.copy else {
                    self.fail(url, "not_modified_without_copy".into());
                    return Vec::new();
                };
                if fetched.is_ok() {
                    let _ = self.store.record_not_modified(url);
                    count(Some(Change::Unchanged));
                }
                let final_url = match &fetched {
                    Ok(Ok(Outcome::NotModified { final_url })) => final_url.clone(),
                    _ => final_url
                        .as_deref()
                        .and_then(|u| Url::parse(u).ok())
                        .unwrap_or_else(|| task.url.clone()),
                };
                match from_store(sha, content_type.as_deref()) {
                    Ok(html) => (html, final_url),
                    Err(e) => {
                        self.fail(url, format!("store: {e}"));
                        return Vec::new();
                    }
                }
            }
            Ok(Ok(Outcome::Fetched(fetched))) => {
                let stored = self.store.put_blob(&fetched.body).and_then(|sha| {
                    self.store.record_body(
                        url,
                        &BodyRecord {
                            sha256: &sha,
                            size: fetched.body.len() as u64,
                            format: Some("html"),
                            content_type: fetched.content_type.as_deref(),
                            filename: None,
                            final_url: fetched.final_url.as_str(),
                            validators: &fetched.validators,
                        },
                    )
                });
                match stored {
                    Ok(change) => count(Some(change)),
                    Err(e) => {
                        self.fail(url, format!("store: {e}"));
                        return Vec::new();
                    }
                }
                (
                    decode_html(&fetched.body, fetched.content_type.as_deref()),
                    fetched.final_url,
                )
            }
            // Template pagination runs until a page is missing: that is the end, not a failure.
            Ok(Err(FetchError::Status(404)))
                if task.kind == Kind::List
                    && task.depth == 0
                    && task
                        .next_template
                        .is_some_and(|n| n > self.site.pagination.template_first) =>
            {
                let _ = self.store.record_failure(url, "http_404");
                return Vec::new();
            }
            Ok(Err(e)) => {
                self.fail(url, e.reason());
                return Vec::new();
            }
        };
        let is_list = task.kind == Kind::List;
        let (html, encoding) = html;
        let links = page_links(
            encoding,
            &html,
            &final_url,
            self.site,
            is_list,
            task.depth < self.site.max_depth,
        );
        let page_date = links.published.clone().or_else(|| task.date.clone());
        let mut out = Vec::new();
        let mut child = |link: &Link, kind: Kind, fallback_title: Option<&String>| {
            let _ = self.store.note_link(url, link.url.as_str(), &link.text);
            let text = if link.text.chars().count() >= 4 {
                Some(link.text.clone())
            } else {
                fallback_title.cloned()
            };
            out.push(Task {
                url: link.url.clone(),
                kind,
                depth: task.depth + 1,
                text,
                date: link.date.clone().or_else(|| page_date.clone()),
                next_template: None,
            });
        };
        let page_title = task.text.clone().or_else(|| links.title.clone());
        for link in &links.attachments {
            child(link, Kind::Document, page_title.as_ref());
        }
        for link in &links.articles {
            child(link, Kind::Article, None);
        }
        if is_list {
            let yielded = !links.articles.is_empty() || !links.attachments.is_empty();
            for next in &links.next_pages {
                out.push(Task {
                    url: next.clone(),
                    kind: Kind::List,
                    depth: task.depth,
                    text: None,
                    date: None,
                    next_template: None,
                });
            }
            if let (Some(n), Some(template), true) = (
                task.next_template,
                &self.site.pagination.url_template,
                yielded,
            ) {
                if n <= self.site.pagination.template_last {
                    let joined =
                        self.site.start_urls[0].join(&template.replace("{n}", &n.to_string()));
                    if let Ok(next) = joined {
                        out.push(Task {
                            url: next,
                            kind: Kind::List,
                            depth: task.depth,
                            text: None,
                            date: None,
                            next_template: Some(n + 1),
                        });
                    }
                }
            }
        }
        out
    }

    fn document(&self, task: &Task) {
        let url = task.url.as_str();
        self.tally(|s| s.found += 1);
        if self.listed_before_since(task) {
            self.tally(|s| s.skipped += 1);
            return;
        }
        let budget_left = self
            .docs_budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if !budget_left {
            self.tally(|s| s.skipped += 1);
            return;
        }
        if let Err(e) = self.store.note_url(
            url,
            &self.site.name,
            "document",
            task.text.as_deref(),
            task.date.as_deref(),
        ) {
            self.fail(url, format!("store: {e}"));
            return;
        }
        let stored = self.stored(url);
        if stored.done_in_resumed_crawl {
            self.tally(|s| s.resumed += 1);
            return;
        }
        if stored.fresh {
            self.tally(|s| s.skipped += 1);
            return;
        }
        let validators = stored.validators;
        let fetched = match self.fetch(&task.url, &validators) {
            Ok(Outcome::NotModified { .. }) => {
                if validators.etag.is_none() && validators.last_modified.is_none() {
                    self.fail(url, "not_modified_without_copy".into());
                    return;
                }
                let _ = self.store.record_not_modified(url);
                self.tally(|s| s.unchanged += 1);
                return;
            }
            Ok(Outcome::Fetched(f)) => f,
            Err(e) => {
                self.fail(url, e.reason());
                return;
            }
        };
        let filename = fetched
            .disposition
            .as_deref()
            .and_then(disposition_filename)
            .or_else(|| url_filename(&fetched.final_url));
        let name = filename.clone().unwrap_or_default();
        let format = crate::read::sniff(&fetched.body, &name).ok();
        // Servers answer a missing file with a 200 "not found" page; that is not the document.
        let promised_binary = super::site::DOCUMENT_EXTENSION.is_match(&name)
            && !name.to_ascii_lowercase().ends_with(".txt");
        if fetched.body.is_empty() {
            self.fail(url, "empty".into());
            return;
        }
        if promised_binary && format == Some(crate::read::SourceFormat::Html) {
            self.fail(url, "html_instead_of_document".into());
            return;
        }
        let result = self.store.put_blob(&fetched.body).and_then(|sha| {
            self.store.record_body(
                url,
                &BodyRecord {
                    sha256: &sha,
                    size: fetched.body.len() as u64,
                    format: format.map(|f| f.as_str()),
                    content_type: fetched.content_type.as_deref(),
                    filename: filename.as_deref(),
                    final_url: fetched.final_url.as_str(),
                    validators: &fetched.validators,
                },
            )
        });
        match result {
            Ok(Change::New) => self.tally(|s| s.new += 1),
            Ok(Change::Changed) => self.tally(|s| s.changed += 1),
            Ok(Change::Unchanged) => self.tally(|s| s.unchanged += 1),
            Err(e) => self.fail(url, format!("store: {e}")),
        }
    }
}
