//! Issue 21: the site is updated page by page. A re-run after documents
//! are changed, added and removed ends with the site a fresh run of the new
//! folder writes, byte for byte, having rewritten only the pages whose
//! content changed; a page deleted by hand is written again; a run killed
//! while it writes the site leaves every page whole.

use crate::common;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

const PANZHIHUA: &str = include_str!("../../corpus/panzhihua-beijing-office-2020-final.txt");
const HEALTH: &str = include_str!("../../corpus/synthetic-city-health-2023-budget.txt");

/// A document of entity group `group` for `year`.
fn variant(group: usize, year: usize) -> String {
    PANZHIHUA
        .replace("攀枝花", &format!("攀枝花{group}"))
        .replace("2020", &year.to_string())
}

fn run(root: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_caizheng"))
        .arg("run")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--jobs", "2", "--quiet"])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Each file of the site with its inode: a page written again (renamed
/// into place) has a new one.
fn inodes(out: &Path) -> Vec<(String, u64)> {
    let site = out.join(caizheng::site::SITE_DIR);
    common::site_bytes(out)
        .into_iter()
        .map(|(name, _)| {
            let ino = fs::metadata(site.join(&name)).unwrap().ino();
            (name, ino)
        })
        .collect()
}

fn rewritten(before: &[(String, u64)], after: &[(String, u64)]) -> Vec<String> {
    let before: std::collections::BTreeMap<&String, &u64> =
        before.iter().map(|(n, i)| (n, i)).collect();
    after
        .iter()
        .filter(|(n, i)| before.get(n) != Some(&i))
        .map(|(n, _)| n.clone())
        .collect()
}

fn assert_same_site(out: &Path, fresh: &Path, when: &str) {
    let differing = common::differing(&common::site_bytes(out), &common::site_bytes(fresh));
    assert!(
        differing.is_empty(),
        "{when}: the site differs from a fresh run's: {differing:?}"
    );
}

#[test]
fn a_rerun_ends_with_a_fresh_runs_site_having_rewritten_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("inputs");
    fs::create_dir_all(&root).unwrap();
    // Four entities of three years each, and one more document.
    for group in 0..4 {
        for year in 2019..2022 {
            fs::write(
                root.join(format!("g{group}-{year}.txt")),
                variant(group, year),
            )
            .unwrap();
        }
    }
    fs::write(root.join("health.txt"), HEALTH).unwrap();
    let out = tmp.path().join("out");
    run(&root, &out);
    let first = inodes(&out);
    let pages = first.len();

    // Nothing changed: nothing written.
    run(&root, &out);
    assert_eq!(rewritten(&first, &inodes(&out)), Vec::<String>::new());

    // One document of group 0 changed, one of group 1 removed, a new entity
    // added; group 2, group 3 and the health document are untouched.
    fs::write(root.join("g0-2019.txt"), format!("{}\n", variant(0, 2019))).unwrap();
    fs::remove_file(root.join("g1-2020.txt")).unwrap();
    fs::write(root.join("g9-2021.txt"), variant(9, 2021)).unwrap();
    run(&root, &out);
    let fresh = tmp.path().join("fresh");
    run(&root, &fresh);
    assert_same_site(&out, &fresh, "after the re-run");

    let after = inodes(&out);
    let changed = rewritten(&first, &after);
    eprintln!("{} of {pages} files rewritten: {changed:?}", changed.len());
    assert!(changed.contains(&"index.html".to_string()));
    let untouched: Vec<String> = ["g2-2019.txt", "g3-2021.txt", "health.txt"]
        .iter()
        .map(|name| {
            let id = caizheng::read::sha256_hex(&fs::read(root.join(name)).unwrap());
            format!("doc/{id}.html")
        })
        .collect();
    for page in &untouched {
        assert!(after.iter().any(|(n, _)| n == page), "{page} is published");
        assert!(!changed.contains(page), "{page} was rewritten");
    }
    // The pages of the 3 documents of group 0, the 2 left of group 1, the
    // new one, the entity pages of groups 0, 1 and 9 and the index.
    assert!(
        changed.len() <= 10,
        "{} pages rewritten: {changed:?}",
        changed.len()
    );

    // Pages deleted by hand, and a scratch file a killed build left, are
    // put right by the next run.
    let site = out.join(caizheng::site::SITE_DIR);
    fs::remove_file(site.join(&untouched[0])).unwrap();
    fs::remove_file(site.join("index.html")).unwrap();
    fs::write(site.join("doc").join("x.html.part"), "half").unwrap();
    run(&root, &out);
    assert_same_site(&out, &fresh, "after pages were deleted");

    // `caizheng report` writes nothing new either.
    let before = inodes(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_caizheng"))
        .args(["report", "--format", "json"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(rewritten(&before, &inodes(&out)), Vec::<String>::new());
}

/// Kills re-runs while they write the site (just after the log says its
/// summaries are updated, and a little later): every page left is whole,
/// and the next run ends with a fresh run's site.
#[test]
fn a_run_killed_while_it_writes_the_site_leaves_whole_pages_and_is_completed() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("inputs");
    fs::create_dir_all(&root).unwrap();
    for group in 0..3 {
        for year in 2010..2020 {
            fs::write(
                root.join(format!("g{group}-{year}.txt")),
                variant(group, year),
            )
            .unwrap();
        }
    }
    let out = tmp.path().join("out");
    run(&root, &out);
    let mut rng = fastrand::Rng::with_seed(31);
    for round in 1..=8usize {
        for n in 0..3 {
            let (group, year) = ((round + n) % 3, 2010 + (round * 3 + n) % 10);
            fs::write(
                root.join(format!("g{group}-{year}.txt")),
                format!("{}\n附注 {round}\n", variant(group, year)),
            )
            .unwrap();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_caizheng"))
            .arg("run")
            .arg(&root)
            .arg("--out")
            .arg(&out)
            .args(["--jobs", "2", "--quiet"])
            .env("RUST_LOG", "caizheng::site=debug")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
        let building = lines.any(|l| l.is_ok_and(|l| l.contains("site summaries updated")));
        assert!(building, "round {round}: the site was never started");
        std::thread::sleep(std::time::Duration::from_micros(rng.u64(0..30_000)));
        let _ = child.kill();
        let _ = child.wait();
        let left = common::site_bytes(&out);
        for (name, bytes) in &left {
            if name.ends_with(".html") {
                assert!(
                    bytes.ends_with(b"</html>\n"),
                    "round {round}: {name} is not whole"
                );
            }
        }
        run(&root, &out);
        let unfinished = common::differing(&left, &common::site_bytes(&out)).len();
        eprintln!("round {round}: the killed run left {unfinished} files unfinished");
        let fresh = tmp.path().join(format!("fresh-{round}"));
        run(&root, &fresh);
        assert_same_site(&out, &fresh, &format!("round {round}, after a kill"));
        fs::remove_dir_all(&fresh).unwrap();
    }
}
