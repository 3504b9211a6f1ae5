//! caizheng: Chinese government budget disclosures (部门预算 / 部门决算) as open data.
//!
//! Data flows one way through the stages, each owning one type:
//! `fetch → read (Document) → sections (SectionTree) → extract (Fact) →
//! reconcile (Finding) → export`. [`pipeline`] wires them for one document.

pub mod ascii_regex;
pub mod batch;
pub mod config;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod keys;
pub mod normalize;
pub mod phrase_set;
pub mod pipeline;
pub mod read;
pub mod reconcile;
pub mod report;
pub mod script;
pub mod sections;
pub mod site;
pub mod tables;
#[cfg(test)]
mod test_corpus;
