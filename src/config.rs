//! The data files of `patterns/` in one place: their built-in copies, the
//! overlay of a `--patterns DIR` folder, the one fingerprint a re-run
//! compares, and the one error (file and line) any of them gives.
//!
//! The overlay rule, the same for every command: a file of DIR with the name
//! of a built-in file replaces it; any other `*.toml` of DIR is an extraction
//! pattern file added to the built-in ones.

use std::path::Path;

use crate::extract::patterns::PatternSet;
use crate::reconcile::RuleSet;
use crate::sections::KindTable;
use crate::tables::spec::TableSet;

/// Section kinds (`crate::sections`).
pub const SECTIONS_TOML: &str = include_str!("../patterns/sections.toml");
/// Reconciliation rules (`crate::reconcile`).
pub const RECONCILE_TOML: &str = include_str!("../patterns/reconcile.toml");
/// Table titles, header meanings and keys (`crate::tables`).
pub const TABLES_TOML: &str = include_str!("../patterns/tables.toml");

/// The built-in extraction pattern files (`crate::extract::patterns`), in
/// the order they are read.
pub const EXTRACTION_TOML: &[(&str, &str)] = &[
    ("common.toml", include_str!("../patterns/common.toml")),
    ("totals.toml", include_str!("../patterns/totals.toml")),
    (
        "general_budget.toml",
        include_str!("../patterns/general_budget.toml"),
    ),
    (
        "three_public.toml",
        include_str!("../patterns/three_public.toml"),
    ),
    ("other.toml", include_str!("../patterns/other.toml")),
    ("clauses.toml", include_str!("../patterns/clauses.toml")),
    (
        "functional_codes.toml",
        include_str!("../patterns/functional_codes.toml"),
    ),
];

/// The data files read by a stage of their own rather than as extraction
/// patterns, with their built-in copies.
const STAGE_FILES: [(&str, &str); 3] = [
    ("sections.toml", SECTIONS_TOML),
    ("reconcile.toml", RECONCILE_TOML),
    ("tables.toml", TABLES_TOML),
];

/// One data file in effect: its name in `patterns/`, where it was read
/// from (for messages), and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub name: String,
    pub path: String,
    pub text: String,
}

/// Every data file in effect: the built-in copies with a folder's files
/// over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFiles {
    /// The three stage files, then the extraction pattern files in order.
    files: Vec<DataFile>,
}

impl DataFiles {
    pub fn builtin() -> DataFiles {
        let files = STAGE_FILES
            .iter()
            .chain(EXTRACTION_TOML)
            .map(|(name, text)| DataFile {
                name: name.to_string(),
                path: format!("patterns/{name}"),
                text: text.to_string(),
            })
            .collect();
        DataFiles { files }
    }

    /// The built-in files with every `*.toml` of `dir` over them (the
    /// overlay rule above); new files are added in name order.
    pub fn with_overlay(dir: &Path) -> Result<DataFiles, ConfigError> {
        let mut data = DataFiles::builtin();
        let unreadable = |path: &Path, e: std::io::Error| ConfigError {
            file: path.display().to_string(),
            line: None,
            message: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| unreadable(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file = DataFile {
                name,
                path: path.display().to_string(),
                text,
            };
            match data.files.iter_mut().find(|f| f.name == file.name) {
                Some(slot) => *slot = file,
                None => data.files.push(file),
            }
        }
        Ok(data)
    }

    /// The file of this name in effect (one of the stage files).
    fn stage_file(&self, name: &str) -> &DataFile {
        // The stage files are the first three, always present.
        &self.files[STAGE_FILES
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or(0)]
    }

    /// The extraction pattern files in effect, as (path, text).
    pub fn extraction(&self) -> Vec<(String, String)> {
        self.files[STAGE_FILES.len()..]
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect()
    }

    /// sha256 over every file in effect, by name and text: a copy of
    /// `patterns/` has the built-in fingerprint, an edit to any file
    /// changes it.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for f in &self.files {
            for part in [&f.name, &f.text] {
                h.update(part.len().to_le_bytes());
                h.update(part.as_bytes());
            }
        }
        hex::encode(h.finalize())
    }
}

/// A data file that cannot be used, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// A file that is not valid TOML or not of the expected shape: the
    /// line is the one of the span the TOML crate points at.
    pub fn toml(file: &str, text: &str, error: &toml::de::Error) -> ConfigError {
        ConfigError {
            file: file.to_string(),
            line: error.span().map(|s| line_of(text, s.start)),
            message: error.message().trim_end().to_string(),
        }
    }

    /// An error about a value of the file: the line is the first one
    /// holding it (quoted, if it is anywhere quoted).
    pub fn near(file: &str, text: &str, value: &str, message: String) -> ConfigError {
        let at = text
            .find(&format!("\"{value}\""))
            .or_else(|| text.find(value));
        ConfigError {
            file: file.to_string(),
            line: at.map(|byte| line_of(text, byte)),
            message,
        }
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Everything the stages need besides the document, read from the data
/// files in effect.
#[derive(Debug, Clone)]
pub struct Config {
    pub patterns: PatternSet,
    pub kinds: KindTable,
    pub rules: RuleSet,
    pub tables: TableSet,
    /// [`DataFiles::fingerprint`] of the files all this was read from.
    pub data_fingerprint: String,
}

static BUILTIN: std::sync::LazyLock<Config> = std::sync::LazyLock::new(|| {
    Config::from_files(&DataFiles::builtin(), false)
        .unwrap_or_else(|e| panic!("the built-in data files load (checked by tests): {e}"))
});

impl Config {
    /// The built-in configuration, compiled once per process (the compiled
    /// regexes are shared, so a clone is cheap).
    pub fn builtin() -> Config {
        BUILTIN.clone()
    }

    /// The built-in configuration with a folder of data files over it
    /// (`--patterns DIR`, see the module's overlay rule).
    pub fn load(dir: Option<&Path>) -> Result<Config, ConfigError> {
        match dir {
            None => Ok(Config::builtin()),
            Some(dir) => Config::from_files(&DataFiles::with_overlay(dir)?, true),
        }
    }

    /// Read every stage's data from `files`; `check`: every regex's syntax
    /// is checked now (the built-in ones are by the tests).
    pub fn from_files(files: &DataFiles, check: bool) -> Result<Config, ConfigError> {
        // The parts do not depend on each other: side by side, the first
        // document waits for the slowest instead of the sum.
        std::thread::scope(|scope| {
            let patterns = scope.spawn(|| PatternSet::from_files(&files.extraction(), check));
            let sections = files.stage_file("sections.toml");
            let kinds = KindTable::from_toml(&sections.text)
                .map_err(|e| ConfigError::toml(&sections.path, &sections.text, &e))?;
            let reconcile = files.stage_file("reconcile.toml");
            let rules = RuleSet::from_toml(&reconcile.text, &reconcile.path)?;
            let tables = files.stage_file("tables.toml");
            let table_set = TableSet::parse(&tables.text)
                .map_err(|e| ConfigError::toml(&tables.path, &tables.text, &e))?;
            let patterns = patterns
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            Ok(Config {
                patterns,
                kinds,
                rules,
                tables: table_set,
                data_fingerprint: files.fingerprint(),
            })
        })
    }

    /// Build the matchers nearly every document needs, in the order the
    /// stages ask for them (see [`crate::extract::warm_up`]). A single-document
    /// run calls this on a thread of its own while the document is read.
    pub fn warm_up(&self) {
        crate::sections::warm_up();
        crate::extract::warm_up(&self.patterns);
        crate::reconcile::warm_up();
    }

    /// Changes whenever the output for the same input could change: the
    /// version, and every data file in effect.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}+{}",
            env!("CARGO_PKG_VERSION"),
            &self.data_fingerprint[..16]
        )
    }
}

/// The fingerprint of the built-in configuration.
pub fn config_fingerprint() -> String {
    Config::builtin().fingerprint()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_of_patterns(dir: &Path) {
        for file in DataFiles::builtin().files {
            std::fs::write(dir.join(&file.name), &file.text).unwrap();
        }
    }

    #[test]
    fn a_copy_of_patterns_is_the_builtin_configuration() {
        let dir = tempfile::tempdir().unwrap();
        copy_of_patterns(dir.path());
        let copy = Config::load(Some(dir.path())).unwrap();
        assert_eq!(copy.fingerprint(), Config::builtin().fingerprint());
        assert_eq!(
            copy.patterns.patterns.len(),
            Config::builtin().patterns.patterns.len()
        );
    }

    #[test]
    fn a_folder_file_replaces_the_builtin_of_its_name_and_a_new_one_extends() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tables.toml"),
            "columns = {}\n[[table]]\nkind = \"only\"\ntitles = [\"唯一的表\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("local.toml"),
            "[[pattern]]\nid = \"x.staff#1\"\nkey = \"x.staff\"\nregex = '编制人数(?P<value>\\d+)人'\n",
        )
        .unwrap();
        let config = Config::load(Some(dir.path())).unwrap();
        assert_eq!(config.tables.tables.len(), 1);
        assert_eq!(config.tables.tables[0].kind, "only");
        let builtin = Config::builtin();
        assert_eq!(
            config.patterns.patterns.len(),
            builtin.patterns.patterns.len() + 1
        );
        assert_eq!(
            config.kinds.names().count(),
            builtin.kinds.names().count(),
            "sections.toml is the built-in one"
        );
        assert_ne!(config.fingerprint(), builtin.fingerprint());
    }

    #[test]
    fn every_data_file_names_file_and_line_when_broken() {
        for (name, broken, line) in [
            ("sections.toml", "[[kind]]\nname = \"x\"\nany = 3\n", 3),
            ("tables.toml", "columns = {}\n\n[[table]]\nkind = 1\n", 4),
            ("reconcile.toml", "[tolerance]\nwarning_relative = 3\n", 2),
            ("local.toml", "[[pattern]]\nid = \"x#1\"\nkey = 3\n", 3),
            (
                "bad.toml",
                "[[pattern]]\nid = \"x#1\"\nkey = \"x\"\nregex = '(unclosed'\n",
                2,
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, broken).unwrap();
            let err = Config::load(Some(dir.path())).unwrap_err();
            assert_eq!(err.file, path.display().to_string(), "{err}");
            assert_eq!(err.line, Some(line), "{err}");
        }
    }
}
