//! What the store holds for a URL, and one document: a conditional request,
//! then a new version when the bytes changed.

use std::sync::atomic::Ordering;

use url::Url;

use super::crawl::{SiteRun, Task};
use super::http::Validators;
use super::http::{FetchError, Outcome};
use super::names::{disposition_filename, url_filename};
use super::store::{now_millis, timeout_backoff, BodyRecord, Change};

#[derive(Default)]
pub(super) struct StoredCopy {
    pub(super) validators: Validators,
    /// Latest blob sha256, its content type and the URL it was finally served from.
    pub(super) copy: Option<(String, Option<String>, Option<String>)>,
    pub(super) done_in_resumed_crawl: bool,
    /// Checked within the site's `recheck_after` (documents).
    pub(super) fresh: bool,
    /// Checked within the site's `page_recheck_after` (article pages).
    pub(super) fresh_page: bool,
    /// Timed out lately: left alone until its backoff has passed.
    pub(super) backing_off: bool,
    /// Timed out the last time it was asked: no retry after another timeout.
    pub(super) timed_out_before: bool,
}

impl SiteRun<'_> {
    /// What the store holds for `url`: validators worth sending (only when the
    /// stored copy can stand in for a 304), that copy, and whether an
    /// interrupted crawl being resumed already handled the URL.
    pub(super) fn stored(&self, url: &str) -> StoredCopy {
        let Ok(Some(state)) = self.store.url_state(url) else {
            return StoredCopy::default();
        };
        let now = now_millis();
        let within = |window: Option<std::time::Duration>| {
            matches!((window, state.last_checked),
                (Some(window), Some(t)) if now - t < window.as_millis() as i64)
        };
        let timed_out = state.status == "failed" && state.failure.as_deref() == Some("timeout");
        let backing_off = timed_out && within(Some(timeout_backoff(state.timeouts)));
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
        let fresh = copy.is_some() && state.status == "ok" && within(self.site.recheck_after);
        let fresh_page =
            copy.is_some() && state.status == "ok" && within(self.site.page_recheck_after);
        StoredCopy {
            fresh_page,
            backing_off,
            timed_out_before: timed_out,
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

    pub(super) fn document(&self, task: &Task) {
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
        if stored.backing_off {
            // It hung lately: left alone for a while (see `timeout_backoff`), reported, not asked.
            self.count_failure(url, "timeout_backoff".into());
            return;
        }
        let validators = &stored.validators;
        let fetched = match self.fetch(task, &stored, &|target, hop| self.claim(url, target, hop)) {
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
            Err(FetchError::SameAs(target)) => {
                // One download per document, however many links lead to it.
                if let Err(e) = self.store.record_alias(url, &target) {
                    self.fail(url, format!("store: {e}"));
                } else {
                    self.tally(|s| s.skipped += 1);
                }
                return;
            }
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

    /// A redirect of document `url` reaches `target`: claim it, or say whose it is
    /// when another link of this crawl, or a stored document, has it already.
    fn claim(&self, url: &str, target: &Url, hop: u32) -> Result<(), FetchError> {
        if hop == 0 {
            return Ok(());
        }
        let target = target.as_str();
        {
            let mut f = self.lock();
            match f.claims.get(target) {
                Some(owner) if owner != url => return Err(FetchError::SameAs(owner.clone())),
                Some(_) => {}
                None if f.seen.contains(target) => {
                    return Err(FetchError::SameAs(target.to_string()))
                }
                None => {
                    f.claims.insert(target.to_string(), url.to_string());
                }
            }
        }
        match self.store.stored_under(target) {
            Ok(Some(owner)) if owner != url => Err(FetchError::SameAs(owner)),
            _ => Ok(()),
        }
    }
}
