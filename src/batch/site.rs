//! The site written while the run compares documents and writes its
//! exports (see [`SiteBuild`]).

use std::path::Path;

use anyhow::{Context, Result};

use crate::export::Drained;
use crate::site::SiteTotals;

/// The site (`out/site/`) brought level with the reports on a thread of its
/// own: it reads the reports and its own state only, so it need not wait
/// for the comparison across documents, the database or the parts, and on
/// two cores it takes the one they leave idle (it followed the run, after
/// the folder's lock was taken again: 0.1–0.3 s of a 10-changed re-run of
/// the 1,000-document corpus). It starts once the reports of the documents
/// that left are deleted, and the run waits for it, even when failing,
/// before the folder's lock is let go.
pub(super) struct SiteBuild(Option<std::thread::JoinHandle<Result<SiteTotals>>>);

impl SiteBuild {
    /// Start writing the site of `out` once `pruned` is.
    pub(super) fn start(out: &Path, pruned: Drained) -> Result<SiteBuild> {
        let out = out.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("site".into())
            .spawn(move || {
                pruned.wait();
                crate::site::write_site(&out)
            })
            .context("cannot start the site's writer")?;
        Ok(SiteBuild(Some(thread)))
    }

    /// Wait until the site is written; what came of it.
    pub(super) fn finish(mut self) -> Result<SiteTotals> {
        self.0.take().map_or_else(
            || Err(anyhow::anyhow!("the site was already waited for")),
            |thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the site's writer panicked")))
            },
        )
    }
}

impl Drop for SiteBuild {
    fn drop(&mut self) {
        // Nothing may write the folder once its lock is let go.
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}
