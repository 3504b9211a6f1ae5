//! Made-up documents that exercise the narrative forms of
//! `../shared/spec/WORDING.md` (corpus/wording/, truth written by hand in
//! corpus/truth/wording-*.json before caizheng was run on them). Each file's
//! score has a floor at the score measured when the forms were covered: a
//! regression fails; the forms still missed are listed in the report.

use crate::common;

use caizheng::pipeline;
use std::path::Path;

/// (truth file, recall floor, precision floor).
const FLOORS: &[(&str, f64, f64)] = &[
    ("wording-county-water-2022-final.json", 1.0, 1.0),
    ("wording-city-archives-2024-budget.json", 0.98, 1.0),
    (
        "wording-city-civil-affairs-2021-three-public.json",
        1.0,
        1.0,
    ),
    ("wording-town-hospital-2020-final.json", 1.0, 1.0),
    // Written after the rules above, as a check of their generality.
    ("wording-township-government-2023-final.json", 1.0, 1.0),
];

#[test]
fn wording_forms_score_at_their_floors() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"));
    // Every wording truth file has a floor.
    let files: Vec<String> = std::fs::read_dir(corpus.join("truth"))
        .expect("truth dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("wording-") && n.ends_with(".json"))
        .collect();
    assert_eq!(files.len(), FLOORS.len(), "{files:?}");
    for &(file, recall, precision) in FLOORS {
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(corpus.join("truth").join(file)).expect("truth file"),
        )
        .expect("truth json");
        let doc = truth["doc"].as_str().expect("doc");
        let bytes = std::fs::read(corpus.join(doc)).expect("bundled document");
        let report = pipeline::process(&bytes, doc);
        assert!(report.errors.is_empty(), "{doc}: {:?}", report.errors);
        common::assert_valid(&report);
        common::assert_metadata(&report, &truth, doc);
        let s = common::score(&report, &truth, "narrative");
        s.print(&format!("{doc}: narrative"));
        assert!(
            s.recall >= recall,
            "{doc}: recall {:.3} < {recall}; missing {:#?}",
            s.recall,
            s.misses
        );
        assert!(
            s.precision >= precision,
            "{doc}: precision {:.3} < {precision}; wrong {:#?}",
            s.precision,
            s.extras
        );
    }
}

/// The traps of WORDING 9 in these documents give no fact at all: a policy
/// percentage in a reason, a list's sum, a wordless zero.
#[test]
fn wording_traps_give_no_fact() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/wording"));
    for (doc, value) in [
        ("wording-city-archives-2024-budget.txt", "10"),
        ("wording-city-civil-affairs-2021-three-public.txt", "580.40"),
    ] {
        let bytes = std::fs::read(corpus.join(doc)).expect("bundled document");
        let report = pipeline::process(&bytes, doc);
        let wrong: Vec<_> = report
            .facts
            .iter()
            .filter(|f| f.value.trim_start_matches('-') == value)
            .collect();
        assert!(wrong.is_empty(), "{doc}: {wrong:#?}");
    }
}
