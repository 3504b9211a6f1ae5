//! Fetch: find disclosure documents on government sites and keep them.
//!
//! Polite (per-host pacing, robots.txt, backoff), incremental (conditional
//! requests, content-addressed versions) and crash-safe (blobs renamed into
//! place only when complete; one transaction per URL). Site definitions are
//! data, see [`site`]. The store is read back with [`stored_documents`],
//! whose paths feed straight into `extract` / `run`.

pub mod crawl;
mod document;
pub mod http;
pub mod links;
pub mod listing;
pub mod names;
pub mod robots;
pub mod site;
pub mod store;

pub use crawl::{crawl, CrawlOptions, SiteSummary};
pub use site::{load_sites, parse_sites, SiteDef, SiteError};
pub use store::{each_stored_document, stored_documents, Store, StoredDocument};
