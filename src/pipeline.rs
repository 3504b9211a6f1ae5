//! One document through every stage: bytes → [`Report`]. Never panics.

use crate::extract::patterns::PatternSet;
use crate::read::Document;
use crate::reconcile::RuleSet;
use crate::report::{DocumentInfo, Report, ReportError};
use crate::sections::KindTable;
use crate::tables::spec::TableSet;

/// Everything the stages need besides the document: patterns, section kinds.
#[derive(Debug, Clone)]
pub struct Config {
    pub patterns: PatternSet,
    pub kinds: KindTable,
    pub rules: RuleSet,
    pub tables: TableSet,
    /// sha256 of the section-kind, reconciliation and table files in use
    /// (the pattern files have their own, in `patterns`).
    pub data_fingerprint: String,
}

/// sha256 of data files' texts, for the re-run fingerprint.
fn data_fingerprint(texts: &[&str]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for t in texts {
        h.update(t.len().to_le_bytes());
        h.update(t.as_bytes());
    }
    hex::encode(h.finalize())
}

static BUILTIN: once_cell::sync::Lazy<Config> = once_cell::sync::Lazy::new(|| {
    // The parts do not depend on each other: side by side, the first
    // document waits for the slowest instead of the sum.
    std::thread::scope(|scope| {
        let patterns = scope.spawn(PatternSet::builtin);
        let kinds = KindTable::builtin();
        let rules = RuleSet::builtin();
        let tables = TableSet::builtin();
        Config {
            patterns: patterns
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            kinds,
            rules,
            tables,
            data_fingerprint: data_fingerprint(&[
                crate::sections::BUILTIN_KINDS,
                crate::reconcile::BUILTIN_RULES,
                crate::tables::spec::BUILTIN,
            ]),
        }
    })
});

impl Config {
    /// The built-in configuration, compiled once per process (the compiled
    /// regexes are shared, so a clone is cheap).
    pub fn builtin() -> Config {
        BUILTIN.clone()
    }

    /// Changes whenever the output for the same input could change.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}+{}+{}",
            env!("CARGO_PKG_VERSION"),
            &self.patterns.fingerprint[..16],
            &self.data_fingerprint[..16]
        )
    }

    /// The built-in configuration with a folder of data files over it
    /// (`--patterns DIR`): its pattern files replace built-ins of the same
    /// name or add to them; its `sections.toml`, `reconcile.toml` and
    /// `tables.toml`, when present, replace the built-in ones.
    pub fn load(dir: Option<&std::path::Path>) -> anyhow::Result<Config> {
        use anyhow::Context;
        let mut config = Config::builtin();
        let Some(dir) = dir else {
            return Ok(config);
        };
        config.patterns =
            PatternSet::with_dir(dir).map_err(|e| anyhow::anyhow!("pattern error: {e}"))?;
        let read = |name: &str| -> anyhow::Result<Option<(std::path::PathBuf, String)>> {
            let path = dir.join(name);
            if !path.exists() {
                return Ok(None);
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Ok(Some((path, text)))
        };
        let sections = read("sections.toml")?;
        if let Some((path, text)) = &sections {
            config.kinds =
                KindTable::from_toml(text).with_context(|| format!("{}", path.display()))?;
        }
        let rules = read("reconcile.toml")?;
        if let Some((path, text)) = &rules {
            config.rules = RuleSet::from_toml(text, &path.display().to_string())
                .map_err(|e| anyhow::anyhow!("rule error: {e}"))?;
        }
        let tables = read("tables.toml")?;
        if let Some((path, text)) = &tables {
            config.tables = TableSet::parse(text)
                .map_err(|e| anyhow::anyhow!("table error: {}: {e}", path.display()))?;
        }
        config.data_fingerprint = data_fingerprint(&[
            sections
                .as_ref()
                .map_or(crate::sections::BUILTIN_KINDS, |(_, t)| t),
            rules
                .as_ref()
                .map_or(crate::reconcile::BUILTIN_RULES, |(_, t)| t),
            tables
                .as_ref()
                .map_or(crate::tables::spec::BUILTIN, |(_, t)| t),
        ]);
        Ok(config)
    }
}

/// The fingerprint of the built-in configuration.
pub fn config_fingerprint() -> String {
    Config::builtin().fingerprint()
}

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
    let info = DocumentInfo {
        sha256: sha256.clone(),
        source: source.to_string(),
        ..Default::default()
    };
    // The matchers every document needs are built while the file is read.
    let (read, ()) = rayon::join(
        || crate::read::read_document_with_id(bytes, source, sha256),
        || config.patterns.warm_up(),
    );
    match read {
        Ok(doc) => analyse(&doc, config),
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
                let tree = crate::sections::build(&doc.text, &config.kinds);
                let mut facts = crate::extract::metadata::read_metadata(doc, &mut info);
                facts.extend(crate::extract::extract(
                    doc,
                    &tree,
                    info.kind.as_deref(),
                    &config.patterns,
                ));
                (tree, facts)
            },
            // A table that trips the table stage must not cost the narrative facts.
            || {
                std::panic::catch_unwind(|| crate::tables::read_tables_with(doc, &config.tables))
                    .unwrap_or_default()
            },
        );
        facts.extend(tables.facts);
        let findings = crate::reconcile::reconcile(
            &crate::reconcile::ReconcileInput {
                facts: &facts,
                text: &doc.text,
                sections: &tree,
                info: &info,
            },
            &config.rules,
        );
        (facts, findings, tables.grids)
    }));
    match outcome {
        Ok((facts, findings, grids)) => {
            let mut r = Report::new(info);
            r.facts = facts;
            r.findings = findings;
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
