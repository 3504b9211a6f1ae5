//! `caizheng run` orchestration: discovery, per-document failures, the
//! incremental cache and reproducible output.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use caizheng::batch::{self, Input};
use caizheng::export;

const PANZHIHUA: &str = include_str!("../../corpus/panzhihua-beijing-office-2020-final.txt");

fn documents_csv_rows(out: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(&caizheng::export::parts::table_csv(out, "documents").unwrap()[..])
        .records()
        .map(Result::unwrap)
        .collect()
}

fn run(inputs: &[Input], out: &Path, jobs: usize) -> batch::RunStats {
    batch::run(inputs, out, Some(jobs), false, true).unwrap().1
}

/// A folder of inputs: two real-text documents, a duplicate, an empty file,
/// an image named .pdf, and files that are not documents.
fn sample_folder(dir: &Path) -> PathBuf {
    let root = dir.join("inputs");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::write(root.join("a.txt"), PANZHIHUA).unwrap();
    fs::write(root.join("sub/a-copy.txt"), PANZHIHUA).unwrap();
    fs::write(root.join("b.txt"), PANZHIHUA.replace("2020", "2021")).unwrap();
    fs::write(root.join("empty.txt"), "").unwrap();
    fs::write(root.join("image.pdf"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    fs::write(root.join("README.md"), "not a document").unwrap();
    fs::write(root.join("truth.json"), "{}").unwrap();
    root
}

#[test]
fn failures_are_recorded_per_document_and_duplicates_count_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = sample_folder(tmp.path());
    let inputs = batch::discover(std::slice::from_ref(&root)).unwrap();
    let names: Vec<String> = inputs
        .iter()
        .map(|i| {
            i.source
                .strip_prefix(&*root.to_string_lossy())
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "/a.txt",
            "/b.txt",
            "/empty.txt",
            "/image.pdf",
            "/sub/a-copy.txt"
        ]
    );

    let out = tmp.path().join("out");
    let stats = run(&inputs, &out, 2);
    assert_eq!(
        (stats.inputs, stats.documents, stats.processed, stats.reused),
        (5, 4, 4, 0)
    );

    let rows = documents_csv_rows(&out);
    assert_eq!(rows.len(), 4);
    let by_source = |suffix: &str| {
        rows.iter()
            .find(|r| r[1].ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} missing"))
    };
    assert_eq!(
        &by_source("/a.txt")[0],
        caizheng::read::sha256_hex(PANZHIHUA.as_bytes())
    );
    assert!(
        !rows.iter().any(|r| r[1].ends_with("a-copy.txt")),
        "the copy is the same document"
    );
    assert_eq!(&by_source("/empty.txt")[16], "empty");
    assert_eq!(&by_source("/image.pdf")[16], "unknown_format");
    for row in &rows {
        assert!(export::report_path(&out, &row[0]).is_file());
    }
}

#[test]
fn reruns_process_only_changed_documents_and_match_a_fresh_run() {
    let tmp = tempfile::tempdir().unwrap();
    let root = sample_folder(tmp.path());
    let out = tmp.path().join("out");
    let inputs = batch::discover(std::slice::from_ref(&root)).unwrap();
    run(&inputs, &out, 2);
    let first = common::export_bytes(&out);

    let first_summary = batch::run(&inputs, &out, Some(2), true, true).unwrap().0;
    let (again_summary, again) = batch::run(&inputs, &out, Some(2), false, true).unwrap();
    assert_eq!((again.processed, again.reused), (0, 4));
    assert_eq!(
        again_summary, first_summary,
        "a run with nothing to do reports the same totals"
    );
    assert!(
        first == common::export_bytes(&out),
        "an unchanged re-run rewrites identical exports"
    );

    let old_b = caizheng::read::sha256_hex(&fs::read(root.join("b.txt")).unwrap());
    fs::write(root.join("b.txt"), PANZHIHUA.replace("2020", "2022")).unwrap();
    let changed = run(&inputs, &out, 2);
    assert_eq!((changed.processed, changed.reused), (1, 3));
    assert!(
        !export::report_path(&out, &old_b).exists(),
        "the old version's report is pruned"
    );
    assert!(
        !export::rows::rows_path(&out, &old_b).exists(),
        "and so are its cached rows"
    );
    // The layout is set aside under `.rows/`, a replaced export file beside it.
    let set_aside: Vec<_> = [out.join(export::rows::ROWS_DIR), out.clone()]
        .iter()
        .flat_map(|dir| fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".old") || name.ends_with(".old.part"))
        .collect();
    assert!(
        set_aside.is_empty(),
        "files set aside are deleted by the end of the run: {set_aside:?}"
    );

    let fresh = tmp.path().join("fresh");
    run(&inputs, &fresh, 1);
    assert!(
        common::export_bytes(&out) == common::export_bytes(&fresh),
        "incremental and fresh runs agree byte for byte"
    );
    for row in documents_csv_rows(&fresh) {
        assert_eq!(
            fs::read(export::report_path(&out, &row[0])).unwrap(),
            fs::read(export::report_path(&fresh, &row[0])).unwrap()
        );
    }
}

fn set_mtime(path: &Path, at: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

/// Run with `b.txt` stamped at `at`, then rewrite it (same length) and put
/// its stamp back: what the next run processes, and the sha256 of b's report.
fn rerun_after_same_stamp_rewrite(at: std::time::SystemTime) -> (usize, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = sample_folder(tmp.path());
    let out = tmp.path().join("out");
    let b = root.join("b.txt");
    set_mtime(&b, at);
    let inputs = batch::discover(std::slice::from_ref(&root)).unwrap();
    run(&inputs, &out, 2);
    fs::write(&b, PANZHIHUA.replace("2020", "2022")).unwrap();
    set_mtime(&b, at);
    let stats = run(&inputs, &out, 2);
    let ids = documents_csv_rows(&out)
        .iter()
        .filter(|row| row.iter().any(|cell| cell.ends_with("b.txt")))
        .map(|row| row[0].to_string())
        .collect();
    (stats.processed, ids)
}

#[test]
fn a_stamp_taken_before_it_settled_does_not_vouch_for_the_file() {
    use std::time::{Duration, SystemTime};
    let new_sha = caizheng::read::sha256_hex(PANZHIHUA.replace("2020", "2022").as_bytes());
    // Modified "during" the first run: its stamp is racy, so b.txt is
    // hashed again, found changed, and read again.
    let (processed, ids) =
        rerun_after_same_stamp_rewrite(SystemTime::now() + Duration::from_secs(5));
    assert_eq!(processed, 1);
    assert_eq!(ids, vec![new_sha.clone()]);
    // Modified long before the first run: the unchanged stamp is trusted
    // and nothing is hashed or read again (which is why a same-length
    // rewrite that restores the old time goes unseen).
    let (processed, ids) =
        rerun_after_same_stamp_rewrite(SystemTime::now() - Duration::from_secs(60));
    assert_eq!(processed, 0);
    assert_ne!(ids, vec![new_sha]);
}

#[test]
fn a_crawl_store_is_read_as_its_blobs() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let sha = caizheng::read::sha256_hex(PANZHIHUA.as_bytes());
    let blob_dir = store.join("sha256").join(&sha[..2]);
    fs::create_dir_all(&blob_dir).unwrap();
    fs::write(blob_dir.join(&sha), PANZHIHUA).unwrap();
    fs::write(blob_dir.join(format!("{sha}.part")), "half a download").unwrap();
    fs::write(store.join("state.sqlite"), "").unwrap();
    let inputs = batch::discover(std::slice::from_ref(&store)).unwrap();
    assert_eq!(inputs.len(), 1);
    assert!(inputs[0].source.ends_with(&sha));
    let out = tmp.path().join("out");
    run(&inputs, &out, 1);
    assert_eq!(&documents_csv_rows(&out)[0][0], sha.as_str());
}

#[test]
fn no_input_means_the_bundled_corpus() {
    let inputs = batch::discover(&[]).unwrap();
    assert!(
        inputs.iter().any(|i| i
            .source
            .ends_with("panzhihua-beijing-office-2020-final.txt")),
        "{:?}",
        inputs.iter().map(|i| &i.source).collect::<Vec<_>>()
    );
}

#[test]
fn shared_corpus_gives_one_row_per_document_on_any_thread_count() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !corpus.is_dir() {
        eprintln!("SKIPPED: {} is absent", corpus.display());
        return;
    }
    let inputs = batch::discover(&[corpus.to_path_buf()]).unwrap();
    // Every document of every subfolder; README.md and truth/*.json are none.
    let expected: Vec<String> = walkdir::WalkDir::new(corpus)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "pdf" || e == "txt" || e == "html")
        })
        .map(|p| caizheng::read::sha256_hex(&fs::read(p).unwrap()))
        .collect();
    assert!(
        expected.len() > 10,
        "the shared corpus has subfolders: {}",
        expected.len()
    );
    assert_eq!(
        inputs.len(),
        expected.len(),
        "README.md and truth/*.json are not documents"
    );

    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    run(&inputs, &one, 1);
    run(&inputs, &two, 2);
    let mut ids: Vec<String> = documents_csv_rows(&one)
        .iter()
        .map(|r| r[0].to_string())
        .collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    ids.dedup();
    assert_eq!(ids.len(), expected.len());
    assert!(
        common::export_bytes(&one) == common::export_bytes(&two),
        "1 and 2 threads give byte-identical exports"
    );
}

#[test]
fn a_crawl_store_gives_the_latest_version_of_each_document_url() {
    use caizheng::fetch::http::Validators;
    use caizheng::fetch::store::BodyRecord;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let store = caizheng::fetch::Store::open(&root).unwrap();
    let url = "https://example.gov.cn/2020/jsbg.txt";
    let no_validators = Validators {
        etag: None,
        last_modified: None,
    };
    let versions = [PANZHIHUA.replace("2020", "2019"), PANZHIHUA.to_string()];
    for text in &versions {
        let sha = store.put_blob(text.as_bytes()).unwrap();
        store
            .note_url(url, "example", "document", Some("2020年部门决算"), None)
            .unwrap();
        let body = BodyRecord {
            sha256: &sha,
            size: text.len() as u64,
            format: Some("text"),
            content_type: Some("text/plain"),
            filename: None,
            final_url: url,
            validators: &no_validators,
        };
        store.record_body(url, &body).unwrap();
    }
    drop(store);
    let inputs = batch::discover(std::slice::from_ref(&root)).unwrap();
    assert_eq!(
        inputs.iter().map(|i| i.source.as_str()).collect::<Vec<_>>(),
        [url]
    );
    let out = tmp.path().join("out");
    run(&inputs, &out, 1);
    let rows = documents_csv_rows(&out);
    assert_eq!(
        &rows[0][0],
        caizheng::read::sha256_hex(PANZHIHUA.as_bytes()).as_str()
    );
    assert_eq!(&rows[0][1], url);
}

/// Kills `caizheng run` at moments spread over a re-run (processing, the
/// export, moving files into place), then lets a run complete: the out dir
/// must come out as a fresh run's, whatever the interrupted run left behind.
#[test]
fn a_run_killed_at_any_moment_is_completed_by_the_next_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = sample_folder(tmp.path());
    for i in 0..24 {
        fs::write(
            root.join(format!("variant-{i:02}.txt")),
            PANZHIHUA.replace("攀枝花", &format!("攀枝花{i}")),
        )
        .unwrap();
    }
    let out = tmp.path().join("out");
    let run_binary = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_caizheng"))
            .arg("run")
            .arg(&root)
            .arg("--out")
            .arg(&out)
            .args(["--jobs", "2", "--quiet"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let started = std::time::Instant::now();
    // The empty file and the image are unreadable: partly done.
    assert_eq!(run_binary().wait().unwrap().code(), Some(1));
    let whole_run = started.elapsed();

    for round in 1..=8u32 {
        for changed in [round, round + 8, round + 15] {
            fs::write(
                root.join(format!("variant-{changed:02}.txt")),
                PANZHIHUA.replace("攀枝花", &format!("攀枝花{changed}-{round}")),
            )
            .unwrap();
        }
        let mut child = run_binary();
        std::thread::sleep(whole_run * round / 8);
        let _ = child.kill();
        let _ = child.wait();

        let inputs = batch::discover(std::slice::from_ref(&root)).unwrap();
        run(&inputs, &out, 2);
        let fresh = tmp.path().join(format!("fresh-{round}"));
        run(&inputs, &fresh, 2);
        assert!(
            common::export_bytes(&out) == common::export_bytes(&fresh),
            "round {round}: the run after a kill differs from a fresh run"
        );
        let conn = rusqlite::Connection::open(out.join(export::SQLITE_FILE)).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
    }
}
