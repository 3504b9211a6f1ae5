//! The README as a new user reads it: its queries are the tested ones and
//! return rows on the shared corpus, its field vocabulary is the shared one,
//! and the commands it shows for the site and Datasette work.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shared() -> PathBuf {
    repo().join("..").join("shared")
}

/// The ```sql blocks of a Markdown text, in order.
fn sql_blocks(text: &str) -> Vec<String> {
    text.split("```sql")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or_default().to_string())
        .collect()
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

#[test]
fn the_readme_shows_the_tested_queries() {
    let tested = sql_blocks(include_str!("../../src/export/queries.md"));
    assert_eq!(tested.len(), 3);
    assert_eq!(sql_blocks(&readme()), tested);
}

#[test]
fn the_field_vocabulary_in_the_repository_is_the_shared_one() {
    let ours = std::fs::read_to_string(repo().join("docs/FIELDS.md")).expect("docs/FIELDS.md");
    assert!(ours.starts_with("# Field vocabulary"));
    assert!(readme().contains("(docs/FIELDS.md)"));
    let shared = shared().join("spec/FIELDS.md");
    match std::fs::read_to_string(&shared) {
        Ok(theirs) => assert!(
            ours == theirs,
            "docs/FIELDS.md differs from {}: copy it again",
            shared.display()
        ),
        Err(_) => eprintln!("SKIPPED: {} is absent", shared.display()),
    }
}

/// `caizheng run ../shared/corpus`, then the README's queries: the 三公 one
/// lists entities that print no 三公 spending too, the year-on-year one
/// finds rises, the errors one finds documents. Then `caizheng report`
/// writes the site and the Datasette metadata again.
#[test]
fn the_readme_queries_return_rows_on_the_shared_corpus() {
    let corpus = shared().join("corpus");
    if !corpus.is_dir() {
        eprintln!("SKIPPED: {} is absent", corpus.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_caizheng"))
        .args(["-q", "run", "--no-site", "--out"])
        .arg(&out)
        .arg(&corpus)
        .output()
        .expect("run");
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let conn = rusqlite::Connection::open(out.join("caizheng.sqlite")).expect("sqlite");
    let queries = sql_blocks(&readme());

    let three_public = common::query_rows(&conn, &queries[0]);
    let row = |entity: &str, year: &str| {
        three_public
            .iter()
            .find(|r| r[0] == entity && r[1] == year)
            .unwrap_or_else(|| panic!("{entity} {year} missing: {three_public:#?}"))
            .clone()
    };
    // Prints 没有财政拨款“三公”经费支出 and an empty table.
    let none = row("中共上海市普陀区委社会工作部", "2024");
    assert_eq!(none[3..], ["", "", "", "", "0"]);
    let jiangsu = row("江苏省人民检察院", "2019");
    assert_eq!(jiangsu[3..], ["418.26", "80", "237", "101.26", "4"]);

    let rises = common::query_rows(&conn, &queries[1]);
    assert!(!rises.is_empty(), "the year-on-year query returns rows");
    assert!(
        rises.iter().any(|r| r[0] == "江苏省高级人民法院"
            && r[1] == "2019"
            && r[3] == "general_budget.expenditure"
            && r[5] == "33172.15"
            && r[6] == "37188.34"),
        "{rises:#?}"
    );
    let errors = common::query_rows(&conn, &queries[2]);
    assert!(!errors.is_empty());

    let report = Command::new(env!("CARGO_BIN_EXE_caizheng"))
        .args(["report", "--format", "json"])
        .arg(&out)
        .output()
        .expect("report");
    assert_eq!(report.status.code(), Some(0));
    let said: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    assert_eq!(said["documents"].as_u64(), Some(documents(&conn)));
    assert!(out.join("site/index.html").is_file());
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metadata.json")).expect("metadata.json"))
            .expect("json");
    let canned = &metadata["databases"]["caizheng"]["queries"];
    assert_eq!(
        canned["largest_rises"]["sql"].as_str().map(str::trim),
        Some(queries[1].trim())
    );
    for table in ["documents", "facts", "findings"] {
        let count = common::query_rows(&conn, &format!("SELECT COUNT(*) FROM {table}"));
        assert!(count[0][0] != "0", "{table}");
        assert!(metadata["databases"]["caizheng"]["tables"][table]["columns"].is_object());
    }
}

fn documents(conn: &rusqlite::Connection) -> u64 {
    common::query_rows(conn, "SELECT COUNT(*) FROM documents")[0][0]
        .parse()
        .expect("count")
}
