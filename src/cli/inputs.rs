//! The files `extract` and `check` read: files as given, folders (and crawl
//! stores) expanded as `run` expands them.

use std::path::PathBuf;

/// One document to read: where it is and what to call it.
pub struct Named {
    pub path: PathBuf,
    pub source: String,
}

/// The documents named by `paths`, and whether any path exists at all. A
/// folder gives its documents (by extension, sorted); a path that does not
/// exist is kept, so that its report says why it could not be read.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<(Vec<Named>, bool)> {
    let mut files = Vec::new();
    let mut any_exists = false;
    for path in paths {
        if path.is_dir() {
            any_exists = true;
            for input in caizheng::batch::discover(std::slice::from_ref(path))? {
                if let caizheng::batch::InputData::File(file) = input.data {
                    files.push(Named {
                        path: file,
                        source: input.source,
                    });
                }
            }
        } else {
            any_exists |= path.exists();
            files.push(Named {
                source: path.display().to_string(),
                path: path.clone(),
            });
        }
    }
    Ok((files, any_exists))
}

/// The report of one file, or of the reason it could not be opened (logged
/// at `-v`).
pub fn report_of(file: &Named, config: &caizheng::pipeline::Config) -> caizheng::report::Report {
    let report = match caizheng::read::read_file(&file.path) {
        Ok(bytes) => caizheng::pipeline::process_with(&bytes, &file.source, config),
        Err(e) => caizheng::pipeline::refused(&file.source, &e),
    };
    logged(file, report)
}

/// One file read, which needs no configuration (`extract` reads its first
/// file while the configuration is built), or the report of the reason it
/// could not be opened.
pub type EarlyRead = Result<caizheng::pipeline::Read, Box<caizheng::report::Report>>;

pub fn read_early(file: &Named) -> EarlyRead {
    match caizheng::read::read_file(&file.path) {
        Ok(bytes) => Ok(caizheng::pipeline::read_and_hash(&bytes, &file.source)),
        Err(e) => Err(Box::new(caizheng::pipeline::refused(&file.source, &e))),
    }
}

/// The report of a file read with [`read_early`].
pub fn report_of_early(
    file: &Named,
    early: EarlyRead,
    config: &caizheng::pipeline::Config,
) -> caizheng::report::Report {
    let report = match early {
        Ok(read) => caizheng::pipeline::report(read, config),
        Err(refused) => *refused,
    };
    logged(file, report)
}

fn logged(file: &Named, report: caizheng::report::Report) -> caizheng::report::Report {
    tracing::info!(
        source = %file.source,
        facts = report.facts.len(),
        findings = report.findings.len(),
        errors = report.errors.len(),
        "read"
    );
    report
}

pub fn load_config(patterns: Option<&PathBuf>) -> anyhow::Result<caizheng::pipeline::Config> {
    Ok(caizheng::pipeline::Config::load(
        patterns.map(PathBuf::as_path),
    )?)
}
