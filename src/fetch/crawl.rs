//! The crawl itself: a frontier per site worked by a few polite threads.
//!
//! Resuming needs no saved frontier: a new crawl walks the same list pages,
//! and every page or document already stored costs one conditional request
//! (or none, inside the freshness window) instead of a download.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::AtomicUsize;
use std::sync::{Condvar, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use url::Url;

use super::document::StoredCopy;
use super::http::{Attempt, FetchError, Http, Outcome, Request};
use super::links::{page_links, Link};
use super::listing::structured_links;
use super::names::decode_html;
use super::site::{ListFormat, SiteDef};
use super::store::{BodyRecord, Change, Store};

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
    /// Pages read from the store instead of requested: article pages checked
    /// recently, and pages left alone after a timeout.
    pub pages_from_store: usize,
    /// No request to the site got any answer (connection refused, DNS, …).
    pub unreachable: bool,
    /// Requests that got an HTTP answer, whatever its status.
    #[serde(skip)]
    pub(super) answered: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    List,
    Article,
    Document,
}

#[derive(Debug, Clone)]
pub(super) struct Task {
    pub(super) url: Url,
    pub(super) kind: Kind,
    depth: u32,
    pub(super) text: Option<String>,
    pub(super) date: Option<String>,
    /// For template pagination: the `{n}` of the page after this one.
    next_template: Option<u32>,
    /// The start URL a `page_url_template` is relative to.
    template_base: Option<Url>,
    /// Form body of a POST list page.
    form: Option<String>,
}

impl Task {
    /// The identity of the request: its URL, and its form body for a POST.
    pub(super) fn key(&self) -> String {
        match &self.form {
            Some(form) => format!("{} [POST {form}]", self.url),
            None => self.url.to_string(),
        }
    }
}

pub(super) struct Frontier {
    queue: VecDeque<Task>,
    pub(super) seen: HashSet<String>,
    /// Redirect targets → the document URL that stores them.
    pub(super) claims: HashMap<String, String>,
    in_flight: usize,
    pages: usize,
    docs: usize,
}

pub(super) struct SiteRun<'a> {
    pub(super) site: &'a SiteDef,
    pub(super) store: &'a Store,
    http: &'a Http,
    pub(super) options: &'a CrawlOptions,
    pub(super) docs_budget: &'a AtomicUsize,
    /// Start of the interrupted crawl being resumed.
    pub(super) resume_since: Option<i64>,
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
                claims: HashMap::new(),
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
        .map(|r| {
            let mut s = r.summary.into_inner().unwrap_or_else(|p| p.into_inner());
            s.unreachable = s.answered == 0 && s.failed > 0;
            s
        })
        .collect()
}

impl SiteRun<'_> {
    fn seed(&self) {
        let pagination = &self.site.pagination;
        let first = pagination.template_first;
        let form_pages = self.form_pages();
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
                // A POST form with `{n}` asks for the first page by number too.
                next_template: if form_pages {
                    Some(first + 1)
                } else {
                    pagination.url_template.as_ref().map(|_| first)
                },
                template_base: Some(url.clone()),
                form: self.form_for(first),
            })
            .collect();
        self.enqueue(tasks);
    }

    /// List pages are numbered in the POST form rather than in the URL.
    fn form_pages(&self) -> bool {
        self.site
            .listing
            .form
            .as_deref()
            .is_some_and(|f| f.contains("{n}"))
    }

    fn form_for(&self, n: u32) -> Option<String> {
        let form = self.site.listing.form.as_ref()?;
        Some(form.replace("{n}", &n.to_string()))
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Frontier> {
        self.frontier.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enqueue(&self, tasks: Vec<Task>) {
        // A document an earlier crawl stored under a link that redirected to it is that link's.
        let aliases: Vec<Option<String>> = tasks
            .iter()
            .map(|t| match t.kind {
                Kind::Document => self
                    .store
                    .stored_under(t.url.as_str())
                    .ok()
                    .flatten()
                    .filter(|owner| owner != t.url.as_str()),
                _ => None,
            })
            .collect();
        let mut f = self.lock();
        for (task, alias) in tasks.into_iter().zip(aliases) {
            let key = task.key();
            if let Some(owner) = alias {
                f.claims.entry(key.clone()).or_insert(owner);
            }
            let claimed_by_other = f.claims.get(&key).is_some_and(|owner| *owner != key);
            if f.seen.contains(&key) || claimed_by_other {
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

    pub(super) fn tally(&self, f: impl FnOnce(&mut SiteSummary)) {
        f(&mut self.summary.lock().unwrap_or_else(|p| p.into_inner()));
    }

    pub(super) fn fail(&self, url: &str, reason: String) {
        if let Err(e) = self.store.record_failure(url, &reason) {
            tracing::warn!("cannot record a failure of {url}: {e}");
        }
        self.count_failure(url, reason);
    }

    /// Count a failure in the summary under its reason.
    pub(super) fn count_failure(&self, url: &str, reason: String) {
        self.tally(|s| {
            s.failed += 1;
            s.failures.entry(reason).or_default().push(url.to_string());
        });
    }

    /// Request `task`; `check_hop` may refuse a redirect target besides the site's own rules.
    pub(super) fn fetch(
        &self,
        task: &Task,
        stored: &StoredCopy,
        check_hop: &dyn Fn(&Url, u32) -> Result<(), FetchError>,
    ) -> Result<Outcome, FetchError> {
        let mut attempts: Vec<Attempt> = Vec::new();
        let request = Request {
            url: &task.url,
            validators: &stored.validators,
            form: task.form.as_deref(),
            headers: &self.site.headers,
            timeout_retries: if stored.timed_out_before { 0 } else { 1 },
        };
        let result = self.http.get(
            &request,
            &self.site.politeness,
            &|u, hop| {
                if !self.site.allows(u) {
                    return Err(FetchError::Offsite(u.to_string()));
                }
                check_hop(u, hop)
            },
            &mut attempts,
        );
        let answered = attempts.iter().filter(|a| a.status.is_some()).count();
        self.tally(|s| {
            s.requests += attempts.len();
            s.answered += answered;
        });
        if let Err(e) = self.store.log_attempts(&attempts) {
            tracing::warn!("cannot write the fetch log: {e}");
        }
        result
    }

    pub(super) fn listed_before_since(&self, task: &Task) -> bool {
        matches!((&self.options.since, &task.date), (Some(since), Some(date)) if date < since)
    }

    fn page(&self, task: &Task) -> Vec<Task> {
        let key = task.key();
        let url = key.as_str();
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
        // A page whose stored copy will do: its links come from the store, no request.
        let from_store = if stored.copy.is_none() {
            false
        } else if stored.done_in_resumed_crawl {
            // Handled before the crash.
            self.tally(|s| s.resumed += 1);
            true
        } else if stored.backing_off
            || (task.kind == Kind::Article
                && ((is_document && stored.fresh) || (!is_document && stored.fresh_page)))
        {
            // List pages are always asked (they reveal new articles) unless they hang;
            // article pages rarely change.
            self.tally(|s| {
                s.pages_from_store += 1;
                if is_document {
                    s.skipped += 1;
                }
            });
            true
        } else {
            false
        };
        if !from_store && stored.backing_off {
            self.count_failure(url, "timeout_backoff".into());
            return Vec::new();
        }
        let fetched = if from_store {
            count(None);
            Err(())
        } else {
            Ok(self.fetch(task, &stored, &|_, _| Ok(())))
        };
        let (bytes, content_type, final_url) = match fetched {
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
                match self.store.read_blob(sha) {
                    Ok(bytes) => (bytes, content_type.clone(), final_url),
                    Err(e) => {
                        self.fail(url, format!("store: {e}"));
                        return Vec::new();
                    }
                }
            }
            Ok(Ok(Outcome::Fetched(fetched))) => {
                let format = match (&self.site.listing.format, task.kind) {
                    (ListFormat::Json { .. }, Kind::List) => "json",
                    (ListFormat::Xml { .. }, Kind::List) => "xml",
                    _ => "html",
                };
                let stored = self.store.put_blob(&fetched.body).and_then(|sha| {
                    self.store.record_body(
                        url,
                        &BodyRecord {
                            sha256: &sha,
                            size: fetched.body.len() as u64,
                            format: Some(format),
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
                (fetched.body, fetched.content_type, fetched.final_url)
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
        let follow = task.depth < self.site.max_depth;
        let links = if is_list && self.site.listing.format != ListFormat::Html {
            match structured_links(
                &bytes,
                content_type.as_deref(),
                &final_url,
                self.site,
                follow,
            ) {
                Ok(links) => links,
                Err(e) => {
                    tracing::warn!("{url}: {e}");
                    self.fail(url, "unreadable_list".into());
                    return Vec::new();
                }
            }
        } else {
            let (html, encoding) = match self.site.encoding {
                Some(encoding) => (encoding.decode(&bytes).0.into_owned(), encoding),
                None => decode_html(&bytes, content_type.as_deref()),
            };
            page_links(encoding, &html, &final_url, self.site, is_list, follow)
        };
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
                template_base: None,
                form: None,
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
                    template_base: None,
                    form: task.form.clone(),
                });
            }
            if let (Some(n), true) = (task.next_template, yielded) {
                out.extend(self.numbered_page(task, n));
            }
        }
        out
    }

    /// List page `n` after `task`, by `page_url_template` or by the POST form.
    fn numbered_page(&self, task: &Task, n: u32) -> Option<Task> {
        let pagination = &self.site.pagination;
        if n > pagination.template_last {
            return None;
        }
        let (url, form) = if self.form_pages() {
            (task.url.clone(), self.form_for(n))
        } else {
            let template = pagination.url_template.as_ref()?;
            // Relative to the start URL this chain of pages began at, not to the first one.
            let base = task
                .template_base
                .as_ref()
                .unwrap_or(&self.site.start_urls[0]);
            let url = base.join(&template.replace("{n}", &n.to_string())).ok()?;
            (url, task.form.clone())
        };
        Some(Task {
            url,
            kind: Kind::List,
            depth: task.depth,
            text: None,
            date: None,
            next_template: Some(n + 1),
            template_base: task.template_base.clone(),
            form,
        })
    }
}
