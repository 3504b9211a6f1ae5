//! The command line as a cron job or a shell script uses it: exit codes,
//! quiet broken pipes, runs into a shared out dir, flags every command has.
//!
//! Exit codes: 0 done; 1 partly done; 2 usage; 3 findings at or above
//! `--fail-on`; 4 unable to work at all.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn caizheng() -> Command {
    Command::new(env!("CARGO_BIN_EXE_caizheng"))
}

fn corpus(name: &str) -> String {
    format!("{}/corpus/{name}", env!("CARGO_MANIFEST_DIR"))
}

const HEALTH: &str = "synthetic-city-health-2023-budget.txt";
const EDUCATION: &str = "synthetic-county-education-2019-final.txt";

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(args: &[&str]) -> Output {
    caizheng().args(args).output().expect("run caizheng")
}

#[test]
fn check_exits_3_on_findings_at_or_above_fail_on() {
    // The health budget has one warning and one info finding, no error.
    let health = corpus(HEALTH);
    let default = run(&["check", "--color", "never", &health]);
    assert_eq!(code(&default), Some(0), "{}", text(&default.stdout));
    assert!(text(&default.stdout).contains("warnings"));
    for (fail_on, expected) in [("error", 0), ("warning", 3), ("info", 3)] {
        let out = run(&["check", "--fail-on", fail_on, &health]);
        assert_eq!(code(&out), Some(expected), "--fail-on {fail_on}");
    }
    let bad = run(&["check", "--fail-on", "serious", &health]);
    assert_eq!(code(&bad), Some(2), "an unknown threshold is a usage error");
}

#[test]
fn check_says_when_a_document_was_not_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nonexistent.pdf");
    let out = run(&["check", "--color", "never", &missing.display().to_string()]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), Some(4), "no input found: {stdout}");
    assert!(stdout.contains("not checked"), "{stdout}");
    assert!(!stdout.contains("no inconsistency found"), "{stdout}");

    let letter = dir.path().join("letter.txt");
    std::fs::write(
        &letter,
        "各位同事：周五下午三点在二楼会议室开会，请准时参加。\n",
    )
    .expect("write");
    let out = run(&["check", "--color", "never", &letter.display().to_string()]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), Some(1), "{stdout}");
    assert!(stdout.contains("not checked: no figure"), "{stdout}");
    assert!(!stdout.contains("no inconsistency found"), "{stdout}");

    let out = run(&["check", "--format", "json", &letter.display().to_string()]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["status"], "not_a_disclosure");
}

#[test]
fn check_color_takes_auto_always_or_never_only() {
    let health = corpus(HEALTH);
    assert_eq!(
        code(&run(&["check", "--color", "purple", &health])),
        Some(2)
    );
    let always = run(&["check", "--color", "always", &health]);
    assert!(text(&always.stdout).contains("\x1b["));
    let never = run(&["check", "--color", "never", &health]);
    assert!(!text(&never.stdout).contains("\x1b["));
}

#[test]
fn extract_exit_codes_tell_partial_from_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.pdf").display().to_string();
    assert_eq!(code(&run(&["extract", &missing])), Some(4));
    let garbage = dir.path().join("garbage.pdf");
    std::fs::write(&garbage, b"%PDF-1.4 not really").expect("write");
    let out = run(&["extract", &garbage.display().to_string()]);
    assert_eq!(code(&out), Some(1), "an unreadable document: partly done");
    let empty = tempfile::tempdir().expect("tempdir");
    let out = run(&["extract", &empty.path().display().to_string()]);
    assert_eq!(
        code(&out),
        Some(4),
        "a folder without documents: nothing to do"
    );
}

#[test]
fn extract_reads_a_folder_like_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [HEALTH, EDUCATION] {
        std::fs::copy(corpus(name), dir.path().join(name)).expect("copy");
    }
    std::fs::write(dir.path().join("notes.md"), "not a document").expect("write");
    let out = run(&[
        "extract",
        "--format",
        "jsonl",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out.stderr));
    let sources: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["document"]["source"]
                .as_str()
                .expect("source")
                .to_string()
        })
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources[0].ends_with(HEALTH) && sources[1].ends_with(EDUCATION));
}

#[test]
fn run_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    let out = dir.path().join("out").display().to_string();
    let empty = run(&["run", "-q", "--out", &out, &inputs.display().to_string()]);
    assert_eq!(code(&empty), Some(4), "no input found");

    std::fs::copy(corpus(HEALTH), inputs.join(HEALTH)).expect("copy");
    let ok = run(&["run", "-q", "--out", &out, &inputs.display().to_string()]);
    assert_eq!(code(&ok), Some(0), "{}", text(&ok.stderr));
    let over = run(&[
        "run",
        "-q",
        "--fail-on",
        "warning",
        "--out",
        &out,
        &inputs.display().to_string(),
    ]);
    assert_eq!(code(&over), Some(3));

    std::fs::write(inputs.join("broken.pdf"), b"%PDF-1.7\n").expect("write");
    let partial = run(&["run", "-q", "--out", &out, &inputs.display().to_string()]);
    assert_eq!(code(&partial), Some(1), "one unreadable document of two");

    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, b"").expect("write");
    let unwritable = run(&[
        "run",
        "-q",
        "--out",
        &blocked.join("out").display().to_string(),
        &inputs.display().to_string(),
    ]);
    assert_eq!(code(&unwritable), Some(4), "{}", text(&unwritable.stderr));
}

/// `run a --out o` then `run b --out o` keeps a; `--prune` removes it and
/// says so.
#[test]
fn a_run_keeps_earlier_documents_unless_pruned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out").display().to_string();
    let (health, education) = (corpus(HEALTH), corpus(EDUCATION));
    let ids = |out: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(Path::new(out).join("documents"))
            .expect("documents/")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(code(&run(&["run", "--out", &out, &health])), Some(0));
    let first = ids(&out);
    let second = run(&["run", "--out", &out, &education]);
    let summary = text(&second.stdout);
    assert_eq!(ids(&out).len(), 2, "{summary}");
    assert!(first.iter().all(|id| ids(&out).contains(id)));
    assert!(summary.contains("kept"), "{summary}");
    let csv = String::from_utf8(
        caizheng::export::parts::table_csv(Path::new(&out), "documents").expect("csv"),
    )
    .unwrap();
    assert!(csv.contains(HEALTH) && csv.contains(EDUCATION));

    let pruned = run(&["run", "--prune", "--out", &out, &education]);
    let summary = text(&pruned.stdout);
    assert_eq!(ids(&out).len(), 1);
    assert!(!first.iter().any(|id| ids(&out).contains(id)));
    assert!(
        summary.contains("removed") && summary.contains(HEALTH),
        "the summary names what left: {summary}"
    );
    let csv = String::from_utf8(
        caizheng::export::parts::table_csv(Path::new(&out), "documents").expect("csv"),
    )
    .unwrap();
    assert!(!csv.contains(HEALTH));
}

/// The same file named another way (relative, then absolute) is the same
/// document: nothing is "kept" from the earlier run.
#[test]
fn the_same_document_under_another_name_is_not_kept_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(corpus(HEALTH), dir.path().join(HEALTH)).expect("copy");
    let out = dir.path().join("out").display().to_string();
    let relative = caizheng()
        .args(["run", "--out", &out, HEALTH])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(code(&relative), Some(0), "{}", text(&relative.stderr));
    let absolute = run(&[
        "run",
        "--out",
        &out,
        &dir.path().join(HEALTH).display().to_string(),
    ]);
    let summary = text(&absolute.stdout);
    assert!(!summary.contains("kept"), "{summary}");
    assert!(!summary.contains("removed"), "{summary}");
    assert!(summary.starts_with("documents            1"), "{summary}");
}

/// A file deleted from a folder that is read again leaves the dataset even
/// without `--prune`, and the summary says so.
#[test]
fn a_file_gone_from_a_folder_read_again_leaves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    for name in [HEALTH, EDUCATION] {
        std::fs::copy(corpus(name), inputs.join(name)).expect("copy");
    }
    let out = dir.path().join("out").display().to_string();
    let folder = inputs.display().to_string();
    assert_eq!(code(&run(&["run", "--out", &out, &folder])), Some(0));
    std::fs::remove_file(inputs.join(HEALTH)).expect("rm");
    let again = run(&["run", "--out", &out, &folder]);
    let summary = text(&again.stdout);
    assert!(
        summary.contains("removed") && summary.contains(HEALTH),
        "{summary}"
    );
    let csv = String::from_utf8(
        caizheng::export::parts::table_csv(Path::new(&out), "documents").expect("csv"),
    )
    .unwrap();
    assert!(!csv.contains(HEALTH));
}

/// A reader that stops early (`| head -1`): no panic, no message, exit 0.
#[test]
fn broken_pipes_end_quietly() {
    let bin = env!("CARGO_BIN_EXE_caizheng");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    make_store(&store);
    for command in [
        format!("{bin} schema | head -1"),
        format!(
            "{bin} extract --format pretty {} {} | head -1",
            corpus(HEALTH),
            corpus(EDUCATION)
        ),
        format!("{bin} crawl --list --store {} | head -1", store.display()),
        format!("{bin} completions bash | head -1"),
    ] {
        let out = Command::new("bash")
            .args(["-c", &format!("set -o pipefail; {command}")])
            .stdin(Stdio::null())
            .output()
            .expect("bash");
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), Some(0), "{command}: {stderr}");
        assert!(stderr.is_empty(), "{command}: {stderr}");
        assert_eq!(text(&out.stdout).lines().count(), 1, "{command}");
    }
}

/// A store holding many documents: `crawl --list` writes more than a pipe
/// buffer holds.
fn make_store(root: &Path) {
    use caizheng::fetch::http::Validators;
    use caizheng::fetch::store::BodyRecord;
    let store = caizheng::fetch::Store::open(root).expect("store");
    let no_validators = Validators {
        etag: None,
        last_modified: None,
    };
    for n in 0..2000 {
        let url = format!("https://example.gov.cn/{n}/jsbg.txt");
        let body = format!("document {n}");
        let sha = store.put_blob(body.as_bytes()).expect("blob");
        store
            .note_url(&url, "example", "document", Some("2020年部门决算"), None)
            .expect("note");
        let record = BodyRecord {
            sha256: &sha,
            size: body.len() as u64,
            format: Some("text"),
            content_type: Some("text/plain"),
            filename: None,
            final_url: &url,
            validators: &no_validators,
        };
        store.record_body(&url, &record).expect("record");
    }
}

#[test]
fn every_command_takes_quiet_verbose_and_format() {
    for command in ["extract", "check", "run", "crawl", "schema"] {
        let out = run(&[command, "--help"]);
        let help = text(&out.stdout);
        for flag in ["--quiet", "--verbose", "--format"] {
            assert!(
                help.contains(flag),
                "{command} --help lacks {flag}:\n{help}"
            );
        }
    }
    let crawl = text(&run(&["crawl", "--help"]).stdout);
    assert!(!crawl.contains("--json"), "--json is a hidden alias now");
    let schema = run(&["schema", "--format", "json"]);
    assert_eq!(code(&schema), Some(0));
    serde_json::from_slice::<serde_json::Value>(&schema.stdout).expect("schema JSON");
}

#[test]
fn quiet_and_verbose_change_what_run_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out").display().to_string();
    let health = corpus(HEALTH);
    let quiet = run(&["-q", "run", "--out", &out, &health]);
    assert_eq!(code(&quiet), Some(0));
    assert!(quiet.stdout.is_empty(), "{}", text(&quiet.stdout));
    let verbose = run(&["run", "-v", "--force", "--out", &out, &health]);
    assert!(
        text(&verbose.stderr).contains("INFO"),
        "{}",
        text(&verbose.stderr)
    );
    let json = run(&["run", "--format", "json", "--out", &out, &health]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json summary");
    assert_eq!(value["documents"], 1);
    assert_eq!(value["stats"]["reused"], 1);
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert_eq!(code(&out), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("caizheng"), "{shell}");
        assert!(script.contains("fail-on"), "{shell}: every flag completes");
    }
}

#[test]
fn the_licenses_cargo_toml_declares_are_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).expect("LICENSE-MIT");
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).expect("LICENSE-APACHE");
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0"));
}

/// Excel needs a byte order mark to read UTF-8; the CSV readers scripts use
/// skip it, and `code` stays text in the Data Package (pandas users: read
/// with `dtype={"code": str}`, see the README).
#[test]
fn csvs_start_with_a_byte_order_mark_and_code_is_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let status = run(&[
        "run",
        "-q",
        "--out",
        &out.display().to_string(),
        &corpus(EDUCATION),
    ]);
    assert_eq!(code(&status), Some(0));
    for table in ["documents", "facts", "findings"] {
        let parts: Vec<_> = std::fs::read_dir(out.join("csv").join(table))
            .expect("parts")
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(!parts.is_empty(), "{table}");
        for part in parts {
            let bytes = std::fs::read(&part).expect("csv");
            assert!(
                bytes.starts_with(b"\xEF\xBB\xBFdocument_id,"),
                "{}",
                part.display()
            );
            let mut reader = csv::Reader::from_path(&part).expect("csv");
            assert_eq!(&reader.headers().expect("header")[0], "document_id");
        }
    }
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("datapackage.json")).expect("read"))
            .expect("json");
    let facts = package["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == "facts")
        .expect("facts resource");
    let code_field = facts["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "code")
        .expect("code");
    assert_eq!(code_field["type"], "string");
}
