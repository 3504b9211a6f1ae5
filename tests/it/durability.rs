//! Issue 21: no kill, no second run and no failed run can leave the
//! published dataset broken.
//!
//! - A re-run killed at 30 random moments: after each kill the database
//!   passes `PRAGMA quick_check` and holds as many rows as the CSV and
//!   Parquet parts it names, `datapackage.json` lists only files that are
//!   there, and the next run ends identical to a fresh run, its site too
//!   (every page whole after the kill). (Kills between
//!   the steps of the publication: `export::tests`.)
//! - Two runs on one folder, 20 trials: the second refuses (exit 4, naming
//!   the first) and the first's dataset is intact.
//! - A run that fails after writing some reports: the next run corrects them.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use caizheng::batch;
use caizheng::export;

const PANZHIHUA: &str = include_str!("../../corpus/panzhihua-beijing-office-2020-final.txt");
/// The binary under test; `CAIZHENG_BIN` points these tests at another
/// build (an older one, to see them fail).
fn bin() -> String {
    std::env::var("CAIZHENG_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_caizheng").into())
}

fn variant(i: usize, round: usize) -> String {
    PANZHIHUA.replace("攀枝花", &format!("攀枝花{i}-{round}"))
}

fn inputs_folder(dir: &Path, documents: usize) -> PathBuf {
    let root = dir.join("inputs");
    fs::create_dir_all(&root).unwrap();
    for i in 0..documents {
        fs::write(root.join(format!("v{i:03}.txt")), variant(i, 0)).unwrap();
    }
    root
}

fn spawn_run(root: &Path, out: &Path, extra: &[&str]) -> Child {
    Command::new(bin())
        .arg("run")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--jobs", "2", "--quiet"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A run whose debug log is watched: `exporting` receives once the run
/// starts its export phase (it logs "pruned" just before).
fn spawn_watched_run(root: &Path, out: &Path) -> (Child, std::sync::mpsc::Receiver<Instant>) {
    use std::io::BufRead;
    let mut child = Command::new(bin())
        .arg("run")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--jobs", "2", "--quiet"])
        .env("RUST_LOG", "caizheng=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (exporting, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end, so that the run never blocks on a full pipe.
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("pruned") {
                let _ = exporting.send(Instant::now());
            }
        }
    });
    (child, receiver)
}

/// Rows of a table in its CSV parts.
fn csv_rows(out: &Path, table: &str) -> usize {
    csv::Reader::from_reader(&export::parts::table_csv(out, table).unwrap()[..])
        .records()
        .map(Result::unwrap)
        .count()
}

/// Rows of a table in its Parquet parts (those the database names), as
/// their footers count them.
#[cfg(feature = "parquet")]
fn parquet_rows(out: &Path, table: &str) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = out.join("parquet").join(table);
    export::parts::published(out)
        .unwrap()
        .into_iter()
        .map(|stem| dir.join(format!("{stem}.parquet")))
        .map(|p| {
            let reader = SerializedFileReader::new(fs::File::open(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            reader.metadata().file_metadata().num_rows()
        })
        .sum()
}

/// The published dataset is valid: the database passes `quick_check`, each
/// of its tables has as many rows as the CSV and Parquet parts it names,
/// and the datapackage lists only files that are there.
fn assert_valid(out: &Path, when: &str) {
    // A run killed during its update of the database leaves a hot journal:
    // the next run rolls it back before anything else, as any writer would.
    // Then read-only, as Datasette opens it.
    export::sqlite::recover(&out.join(export::SQLITE_FILE)).unwrap();
    let conn = rusqlite::Connection::open_with_flags(
        out.join(export::SQLITE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{when}: {e}"));
    assert_eq!(check, "ok", "{when}");
    for table in export::columns::TABLES {
        let in_db: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })
            .unwrap();
        let in_csv = csv_rows(out, table.name);
        assert_eq!(in_db as usize, in_csv, "{when}: table {}", table.name);
        #[cfg(feature = "parquet")]
        assert_eq!(
            in_db,
            parquet_rows(out, table.name),
            "{when}: table {} in Parquet",
            table.name
        );
    }
    let package: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join(export::DATAPACKAGE)).unwrap()).unwrap();
    for resource in package["resources"].as_array().unwrap() {
        for path in resource["path"].as_array().unwrap() {
            let path = out.join(path.as_str().unwrap());
            assert!(
                path.is_file(),
                "{when}: {} is listed but missing",
                path.display()
            );
        }
    }
}

/// Every page of the site is whole: written beside and renamed, a page is
/// never seen half-written.
fn assert_site_whole(out: &Path, when: &str) {
    for (name, bytes) in common::site_bytes(out) {
        if name.ends_with(".html") {
            assert!(bytes.ends_with(b"</html>\n"), "{when}: {name} is not whole");
        }
    }
}

#[test]
fn a_rerun_killed_at_30_random_moments_leaves_a_valid_dataset_and_is_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let documents = 40;
    let root = inputs_folder(tmp.path(), documents);
    let out = tmp.path().join("out");
    assert!(spawn_run(&root, &out, &[]).wait().unwrap().success());
    // How long a re-run with a few changed documents takes, and its export.
    let (mut rerun, mut export) = (Duration::ZERO, Duration::ZERO);
    for round in 1..=3 {
        fs::write(root.join(format!("v{round:03}.txt")), variant(round, round)).unwrap();
        let started = Instant::now();
        let (mut child, exporting) = spawn_watched_run(&root, &out);
        assert!(child.wait().unwrap().success());
        rerun = rerun.max(started.elapsed());
        export = export.max(exporting.recv().unwrap().elapsed());
    }
    let mut rng = fastrand::Rng::with_seed(21);
    let (mut before_publishing, mut after_publishing, mut mid_update) = (0, 0, 0);
    for round in 1..=30 {
        for changed in [
            round % documents,
            (round * 7) % documents,
            (round * 13) % documents,
        ] {
            fs::write(
                root.join(format!("v{changed:03}.txt")),
                variant(changed, 100 + round),
            )
            .unwrap();
        }
        let previous = export::parts::table_csv(&out, "documents").unwrap();
        // Odd rounds: any moment of the re-run; even rounds: a moment of its
        // export phase, which is short beside the processing.
        let (mut child, exporting) = spawn_watched_run(&root, &out);
        let at = if round % 2 == 1 {
            let at = rerun.mul_f64(rng.f64() * 1.2);
            std::thread::sleep(at);
            format!("{at:?} after the start")
        } else {
            exporting.recv_timeout(Duration::from_secs(60)).unwrap();
            let at = export.mul_f64(rng.f64() * 1.2);
            std::thread::sleep(at);
            format!("{at:?} into the export")
        };
        let _ = child.kill();
        let _ = child.wait();
        if out.join("caizheng.sqlite-journal").exists() {
            mid_update += 1;
        }
        assert_valid(&out, &format!("round {round}, killed {at}"));
        assert_site_whole(&out, &format!("round {round}, killed {at}"));
        if export::parts::table_csv(&out, "documents").unwrap() == previous {
            before_publishing += 1;
        } else {
            after_publishing += 1;
        }

        let completed = spawn_run(&root, &out, &[]).wait().unwrap();
        assert_eq!(completed.code(), Some(0), "round {round}");
        let fresh = tmp.path().join(format!("fresh-{round}"));
        assert!(spawn_run(&root, &fresh, &[]).wait().unwrap().success());
        assert!(
            common::export_bytes(&out) == common::export_bytes(&fresh),
            "round {round}: the run after a kill differs from a fresh run"
        );
        let differing = common::differing(&common::site_bytes(&out), &common::site_bytes(&fresh));
        assert!(
            differing.is_empty(),
            "round {round}: the site after a kill differs from a fresh run's: {differing:?}"
        );
        assert_valid(&out, &format!("round {round}, completed"));
        fs::remove_dir_all(&fresh).unwrap();
    }
    eprintln!(
        "re-run {rerun:?} (export {export:?}); 30 kills: {before_publishing} left the previous dataset, \
         {after_publishing} the new one; \
         {mid_update} left the database mid-update (a journal to roll back)"
    );
}

#[test]
fn a_second_run_on_the_same_folder_is_refused_and_the_first_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = inputs_folder(tmp.path(), 30);
    let out = tmp.path().join("out");
    assert!(spawn_run(&root, &out, &[]).wait().unwrap().success());
    let lock = out.join(batch::LOCK_FILE);
    for trial in 0..20 {
        let first = spawn_run(&root, &out, &["--force"]);
        let holder = format!("pid {}", first.id());
        let started = Instant::now();
        while !fs::read_to_string(&lock)
            .unwrap_or_default()
            .contains(&holder)
        {
            assert!(started.elapsed() < Duration::from_secs(20), "trial {trial}");
            std::thread::sleep(Duration::from_millis(2));
        }
        let second = spawn_run(&root, &out, &[]).wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&second.stderr);
        assert_eq!(second.status.code(), Some(4), "trial {trial}: {said}");
        assert!(
            said.contains("in use by another run"),
            "trial {trial}: {said}"
        );
        assert!(said.contains(&holder), "trial {trial}: {said}");
        let first = first.wait_with_output().unwrap();
        assert_eq!(
            first.status.code(),
            Some(0),
            "trial {trial}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        assert_valid(&out, &format!("trial {trial}"));
        assert_eq!(csv_rows(&out, "documents"), 30, "trial {trial}");
    }
}

#[test]
fn reports_of_a_failed_run_are_corrected_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let second = tmp.path().join("second");
    fs::create_dir_all(&first).unwrap();
    fs::create_dir_all(&second).unwrap();
    for i in 0..6 {
        fs::write(first.join(format!("a{i}.txt")), variant(i, 0)).unwrap();
        fs::write(second.join(format!("b{i}.txt")), variant(i, 0)).unwrap();
    }
    let out = tmp.path().join("out");
    assert!(spawn_run(&first, &out, &[]).wait().unwrap().success());
    // The same documents under other names, in a run that cannot write
    // one of the reports (as on a full disk): it fails after writing others.
    let ids: Vec<String> = fs::read_dir(out.join(export::DOCUMENTS_DIR))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .replace(".json", "")
        })
        .collect();
    // A folder where one report goes: writing it fails.
    let blocked = export::report_path(&out, &ids[0]);
    fs::remove_file(&blocked).unwrap();
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("x"), "").unwrap();
    let failing = spawn_run(&second, &out, &[]).wait_with_output().unwrap();
    assert!(!failing.status.success(), "the run did not fail");
    let rewritten = ids[1..].iter().any(|id| {
        fs::read_to_string(export::report_path(&out, id))
            .unwrap()
            .contains(&second.display().to_string())
    });
    fs::remove_dir_all(&blocked).unwrap();
    assert!(rewritten, "the failed run wrote no report");

    // Scratch files of the failed run go; a file of the user's stays.
    let scratch = out.join("csv").join("facts").join("abc.csv.part");
    fs::write(&scratch, "half").unwrap();
    fs::write(out.join("notes.txt.part"), "mine").unwrap();
    assert!(spawn_run(&first, &out, &[]).wait().unwrap().success());
    assert!(!scratch.exists(), "a scratch part was left");
    assert_eq!(
        fs::read_to_string(out.join("notes.txt.part")).unwrap(),
        "mine"
    );
    fs::remove_file(out.join("notes.txt.part")).unwrap();
    for id in &ids {
        let report: serde_json::Value =
            serde_json::from_slice(&fs::read(export::report_path(&out, id)).unwrap()).unwrap();
        let source = report["document"]["source"].as_str().unwrap();
        assert!(
            source.starts_with(&first.display().to_string()),
            "{id}: {source}"
        );
    }
    assert_valid(&out, "after the failed run");
    assert!(fs::read_dir(&out).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".part")));
}
