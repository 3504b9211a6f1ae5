//! One document through every stage: bytes → Report. Never panics.

use crate::report::{DocumentInfo, Report, ReportError};

/// Process one document's bytes; `source` is its path or URL.
/// A read failure becomes an entry in `errors`, never a panic.
pub fn process(bytes: &[u8], source: &str) -> Report {
    let mut info = DocumentInfo {
        sha256: crate::read::sha256_hex(bytes),
        source: source.to_string(),
        ..Default::default()
    };
    match crate::read::read_document(bytes, source) {
        Ok(doc) => {
            info.format = Some(doc.format.as_str().to_string());
            info.pages = doc.page_count();
            info.chars = doc.text.chars().count();
            Report::new(info)
        }
        Err(e) => {
            let mut r = Report::new(info);
            r.errors.push(ReportError {
                reason: e.reason().to_string(),
                message: e.to_string(),
            });
            r
        }
    }
}
