//! The foreign part of the reception figures (WORDING 1.4): `国内公务接待120批次
//! （其中：外事接待3批次）`, the same without brackets, and counts whose own
//! clause names foreign guests.

use super::Candidate;

const COUNTS: [&str; 2] = [
    "three_public.reception.batches",
    "three_public.reception.persons",
];
const AMOUNT: &str = "three_public.reception";
/// Words that make a reception a foreign one.
const FOREIGN_CUES: [&str; 4] = ["外事", "外宾", "外籍", "境外"];

/// WORDING 1.4, in any order of its parts: a bracket `（其中：外事接待2批次，
/// 18人次，0.86万元）` holds the foreign part of the reception counts and
/// amount before it. Its plain reception keys become `.foreign`, and the
/// plain counts between `国内…接待` and the bracket become `.domestic`
/// (a lone `国内…批次` with no foreign part stays plain).
pub(super) fn foreign_reception_in_brackets(text: &str, candidates: &mut [Candidate]) {
    for (open, _) in text.match_indices(['（', '(']) {
        let inside = &text[open..];
        let inner = inside
            .trim_start_matches(['（', '('])
            .trim_start_matches("其中")
            .trim_start_matches(['：', ':']);
        let foreign = FOREIGN_CUES.iter().any(|cue| inner.starts_with(cue));
        if !foreign {
            continue;
        }
        let Some(close) = inside.find(['）', ')']).map(|c| open + c) else {
            continue;
        };
        let sentence = text[..open].rfind('。').map_or(0, |i| i + '。'.len_utf8());
        let domestic = text[sentence..open].rfind("国内").map(|i| sentence + i);
        for c in candidates.iter_mut() {
            let at = c.figure.start;
            let plain_count = COUNTS.contains(&c.key.as_str());
            if (open..close).contains(&at) && (plain_count || c.key == AMOUNT) {
                c.key.push_str(".foreign");
            } else if plain_count && domestic.is_some_and(|d| (d..open).contains(&at)) {
                c.key.push_str(".domestic");
            }
        }
    }
}

/// WORDING 1.4 without brackets: `国内公务接待80批次、600人次，其中外事接待3批次、
/// 25人次`, and a count whose own clause names foreign guests (`计划接待外宾12批次、
/// 90人次`): such plain reception counts become `.foreign`; the plain counts
/// after `国内` before a foreign one in the same sentence become `.domestic`.
/// A clause runs from the last comma, stop or bracket before the count (a
/// `、` joins the counts of one clause).
pub(super) fn foreign_reception_in_clauses(text: &str, candidates: &mut [Candidate]) {
    let clause_start = |at: usize| {
        text[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| "，,。；;（()）：:\n".contains(c))
            .map_or(0, |(i, c)| i + c.len_utf8())
    };
    for c in candidates.iter_mut() {
        let at = c.figure.start;
        if COUNTS.contains(&c.key.as_str())
            && FOREIGN_CUES
                .iter()
                .any(|cue| text[clause_start(at)..at].contains(cue))
        {
            c.key.push_str(".foreign");
        }
    }
    let foreign: Vec<usize> = candidates
        .iter()
        .filter(|c| {
            c.key
                .strip_suffix(".foreign")
                .is_some_and(|k| COUNTS.contains(&k))
        })
        .map(|c| c.figure.start)
        .collect();
    for c in candidates.iter_mut() {
        let at = c.figure.start;
        if !COUNTS.contains(&c.key.as_str()) {
            continue;
        }
        let sentence = super::settle::sentence_start(text, at);
        let end = super::settle::sentence_end(text, at);
        let domestic = text[sentence..at].contains("国内");
        if domestic && foreign.iter().any(|&f| f > at && f < end) {
            c.key.push_str(".domestic");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::clause::tests::{facts, has};

    const FINAL: &str = "某某市档案馆2022年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";

    /// §1.4 The foreign part after `，其中`, without brackets.
    #[test]
    fn a_foreign_part_after_a_comma_splits_the_reception_counts() {
        let f = facts(&format!(
            "{FINAL}公务接待费30.00万元。全年国内公务接待140批次、1,050人次，其中外事接待4批次、36人次。\n"
        ));
        assert!(
            has(&f, "three_public.reception.batches.domestic", "140"),
            "{f:#?}"
        );
        assert!(
            has(&f, "three_public.reception.persons.domestic", "1050"),
            "{f:#?}"
        );
        assert!(
            has(&f, "three_public.reception.batches.foreign", "4"),
            "{f:#?}"
        );
        assert!(
            has(&f, "three_public.reception.persons.foreign", "36"),
            "{f:#?}"
        );
    }

    /// §1.4 Counts of foreign guests alone are the foreign part.
    #[test]
    fn counts_of_foreign_guests_are_foreign_reception() {
        let f = facts(&format!(
            "{FINAL}公务接待费8.40万元，主要用于外宾接待，全年接待外宾9批次、75人次。\n"
        ));
        assert!(
            has(&f, "three_public.reception.batches.foreign", "9"),
            "{f:#?}"
        );
        assert!(
            has(&f, "three_public.reception.persons.foreign", "75"),
            "{f:#?}"
        );
        assert!(!f.iter().any(|x| x.key.ends_with(".domestic")), "{f:#?}");
    }
}
