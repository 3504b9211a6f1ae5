//! The integration tests, as one test binary: each module was a file of
//! `tests/` of its own, and each such file linked the whole crate again.
//! Run one module with `cargo test --test it MODULE::` (e.g. `it::fetch::`).

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/mod.rs"]
mod support;

mod across;
mod batch_run;
mod blind;
mod cli;
mod cli_script;
mod durability;
mod export_tables;
mod fetch;
mod findings_truth;
mod hostile_inputs;
mod narrative_truth;
mod other_provinces;
mod pdf_reader;
mod readers;
mod readme_queries;
mod reconcile;
mod schema;
mod sections;
mod site_browser;
mod site_incremental;
mod tables_roundtrip;
mod tables_truth;
mod wording_forms;
