//! The command line as downstream tools use it: output contract, exit codes,
//! pattern folders.

use std::process::Command;

fn caizheng() -> Command {
    Command::new(env!("CARGO_BIN_EXE_caizheng"))
}

fn corpus(name: &str) -> String {
    format!("{}/corpus/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn extract_prints_one_report_per_file_and_exits_1_when_one_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.pdf");
    std::fs::write(&empty, b"").expect("write");
    let out = caizheng()
        .args(["extract", "--format", "jsonl"])
        .arg(corpus("synthetic-county-education-2019-final.txt"))
        .arg(&empty)
        .arg(dir.path().join("does-not-exist.pdf"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["schema"], "caizheng.report/1");
    assert!(lines[0]["facts"].as_array().expect("facts").len() > 50);
    assert!(lines[0]["errors"].as_array().expect("errors").is_empty());
    assert!(lines[0]["findings"].is_array());
    assert_eq!(lines[1]["errors"][0]["reason"], "empty");
    assert_eq!(lines[2]["errors"][0]["reason"], "io");
}

#[test]
fn extract_exits_0_when_every_file_is_read() {
    let out = caizheng()
        .args(["extract", "--format", "json"])
        .arg(corpus("synthetic-city-health-2023-budget.txt"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["document"]["kind"], "budget");
    assert_eq!(report["document"]["amount_unit"], "元");
}

#[test]
fn a_pattern_folder_extends_and_a_broken_file_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A publisher's own figure: the authorized headcount (编制人数) as an x. key.
    std::fs::write(
        dir.path().join("local.toml"),
        "[[pattern]]\nid = \"x.staff.authorized#1\"\nkey = \"x.staff.authorized\"\nregex = '编制人数(?P<value>\\d+)(?P<value_unit>人)'\n",
    )
    .expect("write");
    let out = caizheng()
        .args(["extract", "--patterns"])
        .arg(dir.path())
        .arg(corpus("synthetic-county-education-2019-final.txt"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let authorized: Vec<&serde_json::Value> = report["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter(|f| f["key"] == "x.staff.authorized")
        .collect();
    assert_eq!(authorized.len(), 1);
    assert_eq!(authorized[0]["value"], "45");
    assert_eq!(authorized[0]["unit"], "人");

    std::fs::write(
        dir.path().join("broken.toml"),
        "[[pattern]]\nid = \"x.b#1\"\nkey = \"x.b\"\nregex = '(unclosed'\n",
    )
    .expect("write");
    let out = caizheng()
        .args(["extract", "--patterns"])
        .arg(dir.path())
        .arg(corpus("synthetic-county-education-2019-final.txt"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(4),
        "patterns that fail to load: unable to work"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml:2:"), "{err}");
}

#[test]
fn check_prints_findings_for_a_person() {
    let out = caizheng()
        .args(["check", "--color", "never"])
        .arg(corpus("synthetic-county-education-2019-final.txt"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("湖南省某某县教育局"), "{text}");
}

/// `cp -r patterns my && caizheng run --patterns my` gives the dataset the
/// built-in files give (facts and findings), and has their fingerprint: run
/// into the built-in run's folder, it reuses every document. A term added to
/// the folder is read on the next run, which processes the document again.
#[test]
fn run_takes_a_copy_of_the_pattern_folder_and_its_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let my = copy_of_patterns(dir.path());
    let education = corpus("synthetic-county-education-2019-final.txt");
    let plain_out = dir.path().join("plain");
    let status = caizheng()
        .args(["run", "--quiet", "--no-site", "--out"])
        .arg(&plain_out)
        .arg(&education)
        .status()
        .expect("run");
    assert!(status.success());
    let read = |out: &std::path::Path| {
        let read = |table: &str| {
            String::from_utf8(caizheng::export::parts::table_csv(out, table).expect(table)).unwrap()
        };
        format!("{}\n{}", read("facts"), read("findings"))
    };
    let plain = read(&plain_out);
    assert!(
        plain.contains("sum.totals.income_expenditure.sides"),
        "{plain}"
    );

    let (copied, processed) = run_with_patterns(&dir.path().join("copied"), &my, &education);
    assert_eq!(processed, 1);
    assert_eq!(plain, copied);
    let (again, processed) = run_with_patterns(&plain_out, &my, &education);
    assert_eq!(processed, 0, "the copy has the built-in fingerprint");
    assert_eq!(plain, again);
    assert!(!copied.contains("x.staff.authorized"));

    std::fs::write(
        my.join("local.toml"),
        "[[term]]\nkey = \"x.staff.authorized\"\nnames = [\"编制人数\"]\n",
    )
    .expect("write");
    let (edited, processed) = run_with_patterns(&dir.path().join("copied"), &my, &education);
    assert_eq!(processed, 1);
    assert!(edited.contains(",x.staff.authorized,"), "{edited}");
    assert!(edited.contains(",45,人,"), "{edited}");
}

/// A reader that stops early (`caizheng schema | head -1`): no panic, exit 0.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    for args in [
        vec!["schema".to_string()],
        vec![
            "extract".to_string(),
            corpus("synthetic-county-education-2019-final.txt"),
            corpus("synthetic-city-health-2023-budget.txt"),
            corpus("synthetic-province-transport-2021-final.txt"),
        ],
    ] {
        let mut child = caizheng()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader goes away before the command writes.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// The dataset's facts and findings after `caizheng run --patterns my`, and
/// how many documents the run processed (not reused from the run before).
fn run_with_patterns(out: &std::path::Path, my: &std::path::Path, document: &str) -> (String, u64) {
    let run = caizheng()
        .args(["run", "--format", "json", "--no-site", "--out"])
        .arg(out)
        .arg("--patterns")
        .arg(my)
        .arg(document)
        .output()
        .expect("run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json summary");
    let processed = summary["stats"]["processed"].as_u64().expect("processed");
    let read = |table: &str| {
        String::from_utf8(caizheng::export::parts::table_csv(out, table).expect(table)).unwrap()
    };
    (
        format!("{}\n{}", read("facts"), read("findings")),
        processed,
    )
}

/// A copy of `patterns/` in a new folder `my`.
fn copy_of_patterns(dir: &std::path::Path) -> std::path::PathBuf {
    let my = dir.join("my");
    std::fs::create_dir(&my).expect("mkdir");
    let builtin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    for entry in std::fs::read_dir(&builtin).expect("patterns/") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, my.join(path.file_name().expect("name"))).expect("copy");
    }
    my
}

/// Every data file takes part in what a re-run compares: after an edit to
/// any one of them, the next run into the same folder processes the
/// document again, and its facts or findings are the edited file's.
#[test]
fn an_edit_to_any_data_file_is_read_by_the_next_run() {
    let education = corpus("synthetic-county-education-2019-final.txt");
    let three_public_table = corpus("tables/county-transport-2021-final-three-public.txt");
    let staff_term = "\n[[term]]\nkey = \"x.staff.authorized\"\nnames = [\"编制人数\"]\n";
    // (file, document, the text replaced, its replacement; empty: appended)
    let edits: [(&str, &str, &str, &str); 5] = [
        ("clauses.toml", &education, "", staff_term),
        ("other.toml", &education, "", staff_term),
        // 三公 headings become a kind no pattern is scoped to.
        (
            "sections.toml",
            &education,
            "name = \"three_public\"",
            "name = \"renamed\"",
        ),
        // The gap between 收入总计 and 支出总计 (0.4%) becomes an error.
        (
            "reconcile.toml",
            &education,
            "warning_relative = \"0.01\"",
            "warning_relative = \"0.001\"",
        ),
        // The 三公 table is no longer recognised by its title.
        (
            "tables.toml",
            &three_public_table,
            "\"财政拨款“三公”经费支出决算表\"",
            "\"不存在的表\"",
        ),
    ];
    for (file, document, from, to) in edits {
        let dir = tempfile::tempdir().expect("tempdir");
        let my = copy_of_patterns(dir.path());
        let out = dir.path().join("out");
        let (before, processed) = run_with_patterns(&out, &my, document);
        assert_eq!(processed, 1, "{file}");
        let (again, processed) = run_with_patterns(&out, &my, document);
        assert_eq!(processed, 0, "{file}: nothing changed, nothing redone");
        assert_eq!(before, again);

        let path = my.join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        let edited = if from.is_empty() {
            format!("{text}{to}")
        } else {
            assert!(text.contains(from), "{file} holds {from}");
            text.replace(from, to)
        };
        std::fs::write(&path, edited).expect("write");
        let (after, processed) = run_with_patterns(&out, &my, document);
        assert_eq!(
            processed, 1,
            "{file}: edited, the document is processed again"
        );
        assert_ne!(before, after, "{file}: the edit changes the results");
    }
}
