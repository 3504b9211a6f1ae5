//! Helpers shared by the integration tests.
#![allow(dead_code)]

use caizheng::report::Report;
use std::path::PathBuf;

/// `../shared/corpus`, or None (with a clear message) when it is absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this test needs the shared corpus",
            dir.display()
        );
        None
    }
}

/// Validate a report against the committed schema; panics with every error.
pub fn assert_valid(report: &Report) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/report.v1.schema.json"))
            .expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let instance = serde_json::to_value(report).expect("report serializes");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{}: report does not validate: {errors:#?}",
        report.document.source
    );
}

/// The document's kind, fiscal year, entity and (where the truth gives one)
/// publication date are the truth file's (`document`), as every narrative
/// truth test checks them.
pub fn assert_metadata(report: &Report, truth: &serde_json::Value, doc: &str) {
    let d = &report.document;
    let t = &truth["document"];
    assert_eq!(d.kind.as_deref(), t["kind"].as_str(), "{doc}: kind");
    assert_eq!(
        d.fiscal_year.map(i64::from),
        t["fiscal_year"].as_i64(),
        "{doc}: fiscal year"
    );
    assert_eq!(d.entity.as_deref(), t["entity"].as_str(), "{doc}: entity");
    if let Some(p) = t["published_on"].as_str() {
        assert_eq!(d.published_on.as_deref(), Some(p), "{doc}: published_on");
    }
}

/// Recall and precision of a report's facts of one source against a truth file.
pub struct Score {
    pub recall: f64,
    pub precision: f64,
    pub matched: usize,
    pub truth: usize,
    pub covered: usize,
    pub wrong: usize,
    pub misses: Vec<String>,
    pub extras: Vec<String>,
}

/// Right key, label/code where the truth gives them, and the printed value.
/// Recall pairs each truth fact with a distinct fact; precision counts, among
/// the facts whose key the truth covers, those with some truth fact alike.
pub fn score(report: &Report, truth: &serde_json::Value, source: &str) -> Score {
    let tf: Vec<&serde_json::Value> = truth["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter(|f| f["source"] == source)
        .collect();
    let facts: Vec<&caizheng::report::Fact> = report
        .facts
        .iter()
        .filter(|f| {
            serde_json::to_value(f.source)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .as_deref()
                == Some(source)
        })
        .collect();
    let same = |f: &caizheng::report::Fact, t: &serde_json::Value| {
        f.key == t["key"].as_str().unwrap_or_default()
            && f.value == t["value"].as_str().unwrap_or_default()
            && (t["label"].is_null()
                || f.label.as_deref().map(compact) == t["label"].as_str().map(compact))
            && (t["code"].is_null() || f.code.as_deref() == t["code"].as_str())
    };
    let mut used = vec![false; facts.len()];
    let mut matched = 0;
    let mut misses = Vec::new();
    for t in &tf {
        match (0..facts.len()).find(|&i| !used[i] && same(facts[i], t)) {
            Some(i) => {
                used[i] = true;
                matched += 1;
            }
            None => misses.push(format!(
                "{} = {} {:?} | {}",
                t["key"],
                t["value"],
                t["label"].as_str(),
                t["quote"]
            )),
        }
    }
    let keys: std::collections::HashSet<&str> =
        tf.iter().filter_map(|t| t["key"].as_str()).collect();
    let mut covered = 0;
    let mut extras = Vec::new();
    for f in &facts {
        if keys.contains(f.key.as_str()) {
            covered += 1;
            if !tf.iter().any(|t| same(f, t)) {
                extras.push(format!(
                    "{} = {} {:?} [{}] | {}",
                    f.key, f.value, f.label, f.pattern, f.text
                ));
            }
        }
    }
    let wrong = extras.len();
    Score {
        recall: if tf.is_empty() {
            1.0
        } else {
            matched as f64 / tf.len() as f64
        },
        precision: if covered == 0 {
            1.0
        } else {
            (covered - wrong) as f64 / covered as f64
        },
        matched,
        truth: tf.len(),
        covered,
        wrong,
        misses,
        extras,
    }
}

impl Score {
    /// Print the score of `what` and every miss and wrong fact (shown by
    /// `cargo test -- --nocapture`, and on failure).
    pub fn print(&self, what: &str) {
        println!(
            "{what}: recall {}/{} = {:.3}, precision {}/{} = {:.3}",
            self.matched,
            self.truth,
            self.recall,
            self.covered - self.wrong,
            self.covered,
            self.precision
        );
        for m in &self.misses {
            println!("  missing: {m}");
        }
        for e in &self.extras {
            println!("  wrong:   {e}");
        }
    }
}

/// Recall and precision summed over several documents.
#[derive(Default)]
pub struct Totals {
    pub matched: usize,
    pub truth: usize,
    pub right: usize,
    pub covered: usize,
}

impl Totals {
    pub fn add(&mut self, s: &Score) {
        self.matched += s.matched;
        self.truth += s.truth;
        self.right += s.covered - s.wrong;
        self.covered += s.covered;
    }

    pub fn print(&self, what: &str) {
        println!(
            "{what}: recall {}/{} = {:.3}, precision {}/{} = {:.3}",
            self.matched,
            self.truth,
            self.matched as f64 / self.truth.max(1) as f64,
            self.right,
            self.covered,
            self.right as f64 / self.covered.max(1) as f64
        );
    }
}

/// Hold a score to the floors its truth file records (`floors: {recall,
/// precision}`, the score measured when it was first scored, less a little;
/// none: 0).
pub fn assert_floors(s: &Score, truth: &serde_json::Value, what: &str) {
    let floor = |k: &str| truth["floors"][k].as_f64().unwrap_or(0.0);
    assert!(
        s.recall >= floor("recall"),
        "{what}: recall {:.3}",
        s.recall
    );
    assert!(
        s.precision >= floor("precision"),
        "{what}: precision {:.3}",
        s.precision
    );
}

/// Every `*.json` under `dir`, in order.
pub fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// A truth file, parsed.
pub fn load_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("truth file")).expect("truth json")
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn truth_of(corpus: &std::path::Path, doc: &str) -> serde_json::Value {
    let stem = doc.rsplit_once('.').map(|(s, _)| s).unwrap_or(doc);
    let text = std::fs::read_to_string(corpus.join("truth").join(format!("{stem}.json")))
        .expect("truth file");
    serde_json::from_str(&text).expect("truth parses")
}

/// Every row of a query, each value as text (NULL as empty).
pub fn query_rows(conn: &rusqlite::Connection, sql: &str) -> Vec<Vec<String>> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |row| {
        (0..n)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => format!("{v}"),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                })
            })
            .collect()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The exports as compared between runs: the bytes of every data file, and
/// the rows of the SQLite database (whose page layout depends on whether it
/// was updated in place or built fresh).
pub fn export_bytes(out: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        caizheng::export::DATAPACKAGE.to_string(),
        std::fs::read(out.join(caizheng::export::DATAPACKAGE)).unwrap(),
    )];
    for output in caizheng::export::parts::OUTPUTS {
        for path in output.parts_in(out).unwrap() {
            let name = path.strip_prefix(out).unwrap().display().to_string();
            files.push((name, std::fs::read(&path).unwrap()));
        }
    }
    let conn = rusqlite::Connection::open(out.join(caizheng::export::SQLITE_FILE)).unwrap();
    for table in caizheng::export::columns::TABLES {
        let sql = format!(
            "SELECT * FROM {} ORDER BY {}",
            table.name,
            table.primary_key.join(", ")
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let n = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |row| {
                Ok((0..n)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        files.push((
            format!("sqlite:{}", table.name),
            rows.join("\n").into_bytes(),
        ));
    }
    files
}

/// Every file of the site (`out/site/`), by path, with its bytes.
pub fn site_bytes(out: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, files: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, files);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    let site = out.join(caizheng::site::SITE_DIR);
    let mut files = Vec::new();
    walk(&site, &site, &mut files);
    files.sort();
    files
}

/// The names of the files where two lists of [`site_bytes`] differ.
pub fn differing(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> Vec<String> {
    let a: std::collections::BTreeMap<&String, &Vec<u8>> = a.iter().map(|(n, b)| (n, b)).collect();
    let b: std::collections::BTreeMap<&String, &Vec<u8>> = b.iter().map(|(n, b)| (n, b)).collect();
    let mut names: Vec<String> = a
        .iter()
        .filter(|(n, bytes)| b.get(*n) != Some(*bytes))
        .map(|(n, _)| n.to_string())
        .collect();
    names.extend(
        b.keys()
            .filter(|n| !a.contains_key(*n))
            .map(|n| n.to_string()),
    );
    names
}
