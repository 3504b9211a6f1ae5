//! One document through every stage: bytes → [`Report`]. Never panics.

use crate::read::Document;
use crate::report::{DocumentInfo, Report, ReportError};

pub use crate::config::{config_fingerprint, Config};

/// Process one document's bytes; `source` is its path or URL.
/// A read failure becomes an entry in `errors`, never a panic.
pub fn process(bytes: &[u8], source: &str) -> Report {
    process_with(bytes, source, &Config::builtin())
}

pub fn process_with(bytes: &[u8], source: &str, config: &Config) -> Report {
    process_hashed(bytes, source, crate::read::sha256_hex(bytes), config)
}

/// [`process_with`] for bytes whose sha256 the caller already knows.
pub fn process_hashed(bytes: &[u8], source: &str, sha256: String, config: &Config) -> Report {
    // The matchers every document needs are built while the file is read.
    let (read, ()) = rayon::join(|| read(bytes, source, sha256), || config.patterns.warm_up());
    report(read, config)
}

/// A document read, or why it could not be: the half of [`process_hashed`]
/// that needs no configuration, so that a caller may build one meanwhile.
pub struct Read {
    info: DocumentInfo,
    document: Result<Document, crate::read::ReadError>,
}

/// Read a document's bytes (see [`Read`]), hashing them meanwhile.
pub fn read_and_hash(bytes: &[u8], source: &str) -> Read {
    let (sha256, mut read) = rayon::join(
        || crate::read::sha256_hex(bytes),
        || read(bytes, source, String::new()),
    );
    if let Ok(doc) = &mut read.document {
        doc.sha256.clone_from(&sha256);
    }
    read.info.sha256 = sha256;
    read
}

/// Read a document's bytes whose sha256 is known (see [`Read`]).
pub fn read(bytes: &[u8], source: &str, sha256: String) -> Read {
    Read {
        info: DocumentInfo {
            sha256: sha256.clone(),
            source: source.to_string(),
            ..Default::default()
        },
        document: crate::read::read_document_with_id(bytes, source, sha256),
    }
}

/// The report of a document read with [`read`]: every stage after reading.
pub fn report(read: Read, config: &Config) -> Report {
    match read.document {
        Ok(doc) => analyse(&doc, config),
        Err(e) => {
            let mut r = Report::new(read.info);
            r.errors.push(ReportError {
                reason: e.reason().to_string(),
                message: e.to_string(),
            });
            r
        }
    }
}

/// The report of a file refused before it was read (not a regular file,
/// over the size limit) or that could not be read from disk.
pub fn refused(source: &str, error: &crate::read::ReadError) -> Report {
    let mut r = Report::new(DocumentInfo {
        source: source.to_string(),
        ..Default::default()
    });
    r.errors.push(ReportError {
        reason: error.reason().into(),
        message: error.to_string(),
    });
    r
}

/// The report of a file that could not even be opened.
pub fn unreadable(source: &str, error: impl std::fmt::Display) -> Report {
    let mut r = Report::new(DocumentInfo {
        source: source.to_string(),
        ..Default::default()
    });
    r.errors.push(ReportError {
        reason: "io".into(),
        message: format!("cannot read the file: {error}"),
    });
    r
}

/// Every stage after reading. A panic in a stage is this document's error.
/// A document in traditional characters is read in simplified ones, its
/// quotes taken from the original text.
pub fn analyse(doc: &Document, config: &Config) -> Report {
    let simplified = crate::script::simplified(doc);
    let mut report = analyse_text(&simplified, config);
    if let std::borrow::Cow::Owned(_) = simplified {
        crate::script::restore_quotes(&doc.text, &mut report.facts);
    }
    report
}

fn analyse_text(doc: &Document, config: &Config) -> Report {
    let mut info = DocumentInfo {
        sha256: doc.sha256.clone(),
        source: doc.source.clone(),
        format: Some(doc.format.as_str().to_string()),
        pages: doc.page_count(),
        chars: doc.text.chars().count(),
        ..Default::default()
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The narrative and the 附表 are read side by side: they share only the document.
        let ((tree, mut facts), tables) = rayon::join(
            || {
                let (tree, mut facts) = rayon::join(
                    || crate::sections::build(&doc.text, &config.kinds),
                    || crate::extract::metadata::read_metadata(doc, &mut info),
                );
                facts.extend(crate::extract::extract(
                    doc,
                    &tree,
                    info.kind.as_deref(),
                    info.entity.as_deref(),
                    info.fiscal_year,
                    &config.patterns,
                ));
                crate::extract::scope_labels::label_scopes(
                    &mut facts,
                    &doc.text,
                    &tree,
                    &config.patterns.scope_words,
                    info.entity.as_deref(),
                );
                (tree, facts)
            },
            // A table that trips the table stage must not cost the narrative facts.
            || {
                std::panic::catch_unwind(|| crate::tables::read_tables_with(doc, &config.tables))
                    .unwrap_or_default()
            },
        );
        facts.extend(tables.facts);
        let (findings, checked) = crate::reconcile::reconcile_counted(
            &crate::reconcile::ReconcileInput {
                facts: &facts,
                text: &doc.text,
                sections: &tree,
                info: &info,
            },
            &config.rules,
        );
        (facts, findings, checked, tables.grids)
    }));
    match outcome {
        Ok((facts, findings, checked, grids)) => {
            let mut r = Report::new(info);
            r.facts = facts;
            r.findings = findings;
            r.checked = checked;
            r.tables = grids;
            if let Some(damage) = &doc.damage {
                r.errors.push(ReportError {
                    reason: damage.reason().to_string(),
                    message: damage.to_string(),
                });
            }
            r
        }
        Err(_) => {
            let mut r = Report::new(info);
            r.errors.push(ReportError {
                reason: "panic".into(),
                message: "an analysis stage panicked on this document".into(),
            });
            r
        }
    }
}
