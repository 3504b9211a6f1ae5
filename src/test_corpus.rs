//! The shared corpus (`../shared/corpus`) for unit tests. CI has it; a test
//! run without it says so and the test passes.

use std::path::PathBuf;

/// The folder, or None (saying so) when it is absent.
pub(crate) fn dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: {} is absent", dir.display());
        None
    }
}

/// Every document of the folder and its subfolders, by path, with the text
/// the stages read (in simplified characters); files that are no document
/// (the README, truth files) are left out.
pub(crate) fn texts() -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir()?).sort_by_file_name() {
        let entry = entry.expect("corpus folder readable");
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("corpus file readable");
        let source = entry.path().display().to_string();
        if let Ok(doc) = crate::read::read_document(&bytes, &source) {
            let text = crate::script::simplified(&doc).text.clone();
            out.push((source, text));
        }
    }
    Some(out)
}
