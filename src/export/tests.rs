//! A publication interrupted between its steps (as a kill would) leaves the
//! parts and the database agreeing, and the next export completes it.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;

thread_local! {
    /// The step of [`write_exports`] a test stops it at (see [`stop_at`]).
    pub(super) static STOP_AT: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}
const STOPS: [&str; 2] = ["before the commit", "after the commit"];

const PANZHIHUA: &str = include_str!("../../corpus/panzhihua-beijing-office-2020-final.txt");

/// Write the reports of `variants` and export them incrementally over
/// `recorded`, interrupted at `stop` (a step of [`write_exports`]).
fn export(
    out: &Path,
    variants: &[usize],
    recorded: &Exported,
    stop: Option<&'static str>,
) -> Result<Exported> {
    let mut listed = BTreeMap::new();
    for v in variants {
        let text = PANZHIHUA.replace("攀枝花", &format!("攀枝花{v}"));
        let report = crate::pipeline::process(text.as_bytes(), &format!("v{v}.txt"));
        write_report(out, &report)?;
        let id = columns::document_id(&report).to_string();
        listed.insert(
            id.clone(),
            Listed {
                id,
                made_from: format!("v{v}.txt"),
            },
        );
    }
    STOP_AT.with(|s| s.set(stop));
    remove_parts(out)?;
    let remover = Remover::start()?;
    let exported = write_exports(
        out,
        listed.into_values().map(Ok),
        &recorded.keys,
        &mut |_| Ok(Vec::new()),
        &remover,
    );
    STOP_AT.with(|s| s.set(None));
    remover.finish()?;
    exported
}

/// Every table has as many rows in the database as in its CSV parts.
fn assert_agree(out: &Path, when: &str) {
    sqlite::recover(&out.join(SQLITE_FILE)).unwrap();
    let conn = rusqlite::Connection::open_with_flags(
        out.join(SQLITE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for table in columns::TABLES {
        let in_db: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })
            .unwrap();
        let csv = parts::table_csv(out, table.name).unwrap();
        let in_csv = csv::Reader::from_reader(&csv[..]).records().count();
        assert_eq!(in_db as usize, in_csv, "{when}: table {}", table.name);
    }
    let ids = document_ids(&conn);
    let csv = parts::table_csv(out, "documents").unwrap();
    let in_csv: Vec<String> = csv::Reader::from_reader(&csv[..])
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(ids, in_csv, "{when}: documents");
    // The datapackage, previous or new, lists files that are all there.
    let package: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join(DATAPACKAGE)).unwrap()).unwrap();
    for resource in package["resources"].as_array().unwrap() {
        for path in resource["path"].as_array().unwrap() {
            assert!(out.join(path.as_str().unwrap()).is_file(), "{when}: {path}");
        }
    }
}

fn document_ids(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT document_id FROM documents ORDER BY document_id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn an_export_interrupted_at_any_step_leaves_parts_and_database_agreeing() {
    // Then completed as it was, or back to the first documents (after a
    // kill past the commit, the run state is behind the database).
    for (stop, then) in STOPS
        .iter()
        .flat_map(|s| [(*s, &[0, 4, 5][..]), (*s, &[0, 1, 2, 3][..])])
    {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let first = export(out, &[0, 1, 2, 3], &Exported::default(), None).unwrap();
        // Documents replaced by others, in parts of their own.
        assert!(export(out, &[0, 4, 5], &first, Some(stop)).is_err());
        assert_agree(out, stop);
        let completed = export(out, then, &first, None).unwrap();
        assert_agree(out, "completed");
        let fresh = tempfile::tempdir().unwrap();
        let made = export(fresh.path(), then, &Exported::default(), None).unwrap();
        assert_eq!(completed.keys, made.keys);
        for name in [DATAPACKAGE.to_string()].into_iter().chain(
            parts::OUTPUTS
                .iter()
                .flat_map(|o| o.parts_in(fresh.path()).unwrap())
                .map(|p| p.strip_prefix(fresh.path()).unwrap().display().to_string()),
        ) {
            assert_eq!(
                fs::read(out.join(&name)).ok(),
                fs::read(fresh.path().join(&name)).ok(),
                "{stop}: {name}"
            );
        }
        let listed = |o: &Path| {
            parts::OUTPUTS
                .iter()
                .map(|x| x.parts_in(o).unwrap().len())
                .sum::<usize>()
        };
        assert_eq!(
            listed(out),
            listed(fresh.path()),
            "{stop}: stale parts left"
        );
    }
}
