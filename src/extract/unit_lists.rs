//! Lists by unit: a department's budget or final account that covers its own
//! level and its subordinate units splits a total over them
//! (`分单位看：局本级204000.00元，市公路事业发展中心186000.00元，…`). Each
//! figure is that total for one unit: the total's key, labelled with the
//! unit's name.
//!
//! A list of names and amounts could be anything, so it is read only when
//! its amounts add up exactly to an amount read just before it; the total's
//! key is then the list's key.

use rust_decimal::Decimal;
use std::ops::Range;

use super::patterns::PatternSet;
use super::Candidate;

/// How far before a list its total may stand (bytes).
const TOTAL_REACH: usize = 1500;

/// One `{unit name}{amount}` of a list.
struct Entry {
    name: String,
    figure: Range<usize>,
    whole: Range<usize>,
    unit: String,
    value_wan: Decimal,
}

/// Add the figures of every list by unit whose sum closes on a total before
/// it, in place of whatever was read from them.
pub(super) fn unit_lists(text: &str, set: &PatternSet, candidates: &mut Vec<Candidate>) {
    let Some(entry) = set.scope_words.unit_entry() else {
        return;
    };
    let entries: Vec<Entry> = entry
        .captures_iter(text)
        .filter_map(|c| {
            let figure = c.name("value")?.range();
            let unit = c.name("unit")?.as_str().to_string();
            let value: Decimal = text[figure.clone()].parse().ok()?;
            Some(Entry {
                name: c.name("name")?.as_str().to_string(),
                whole: c.name("name")?.start()..c.get(0)?.end(),
                value_wan: value * set.to_wan(&unit)?,
                figure,
                unit,
            })
        })
        .collect();
    let mut found = Vec::new();
    let mut replaced: Vec<Range<usize>> = Vec::new();
    for list in runs(text, &entries) {
        let sum: Decimal = list.iter().map(|e| e.value_wan).sum();
        let start = list[0].whole.start;
        let Some(total) = candidates
            .iter()
            .filter(|c| {
                c.figure.end <= start
                    && c.figure.end + TOTAL_REACH >= start
                    && c.qualifier.is_empty()
                    && c.label.is_none()
                    && c.value_wan == Some(sum)
            })
            .max_by_key(|c| c.figure.end)
        else {
            continue;
        };
        let key = total.key.clone();
        for e in &list {
            found.push(Candidate {
                key: key.clone(),
                value: text[e.figure.clone()].to_string(),
                unit: Some(e.unit.clone()),
                value_wan: Some(e.value_wan),
                label: Some(e.name.clone()),
                code: None,
                figure: e.figure.clone(),
                quote: e.whole.clone(),
                pattern: "unit_list".into(),
                qualifier: "",
                side: 0,
                strength: (0, 0),
            });
        }
        replaced.push(start..list[list.len() - 1].whole.end);
    }
    candidates.retain(|c| !replaced.iter().any(|r| r.contains(&c.figure.start)));
    candidates.extend(found);
}

/// Entries that follow one another with only a separator between them, two
/// or more.
fn runs<'a>(text: &str, entries: &'a [Entry]) -> Vec<Vec<&'a Entry>> {
    let mut runs: Vec<Vec<&Entry>> = Vec::new();
    let mut current: Vec<&Entry> = Vec::new();
    for e in entries {
        let joined = current.last().is_some_and(|last| {
            text.get(last.whole.end..e.whole.start)
                .is_some_and(|gap| gap.trim().chars().count() <= 1)
        });
        if !joined && current.len() >= 2 {
            runs.push(std::mem::take(&mut current));
        }
        if !joined {
            current.clear();
        }
        current.push(e);
    }
    if current.len() >= 2 {
        runs.push(current);
    }
    runs
}

/// `{unit name}{amount}{万元|元|亿元}` right after a separator: the name ends
/// as a unit's does (`中心`, `支队`, `局`) or is the own level (`局本级`).
pub(super) fn entry_regex(endings: &[String]) -> Option<regex::Regex> {
    crate::ascii_regex::ascii_regex(&format!(
        r"(?:^|[：:，,；;、])\s*(?P<name>\p{{Han}}{{0,20}}(?:本级|{}))\s?(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>万元|亿元|元)",
        super::scope_labels::ending_alternatives(endings)?
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(set: &PatternSet, text: &str, key: &str, value: &str, unit: &str) -> Candidate {
        let at = text.find(value).unwrap();
        Candidate {
            key: key.into(),
            value: value.into(),
            unit: Some(unit.into()),
            value_wan: Some(value.parse::<Decimal>().unwrap() * set.to_wan(unit).unwrap()),
            label: None,
            code: None,
            figure: at..at + value.len(),
            quote: at..at + value.len(),
            pattern: "test".into(),
            qualifier: "",
            side: 0,
            strength: (0, 0),
        }
    }

    #[test]
    fn a_list_that_adds_up_to_the_total_before_it_splits_it_by_unit() {
        let text = "“三公”经费预算968000.00元。分单位看：局本级204000.00元，市公路事业发展中心186000.00元，市交通运输综合执法支队512000.00元，市港航事业发展中心66000.00元，市质量安全服务中心0元。";
        let set = PatternSet::builtin();
        let mut candidates = vec![total(&set, text, "three_public.total", "968000.00", "元")];
        unit_lists(text, &set, &mut candidates);
        let split: Vec<(&str, &str, Option<&str>)> = candidates[1..]
            .iter()
            .map(|c| (c.key.as_str(), c.value.as_str(), c.label.as_deref()))
            .collect();
        assert_eq!(split.len(), 5, "{split:?}");
        assert_eq!(
            split[0],
            ("three_public.total", "204000.00", Some("局本级"))
        );
        assert_eq!(
            split[2],
            (
                "three_public.total",
                "512000.00",
                Some("市交通运输综合执法支队")
            )
        );
        assert_eq!(
            split[4],
            ("three_public.total", "0", Some("市质量安全服务中心"))
        );
    }

    #[test]
    fn a_list_that_does_not_add_up_gives_nothing() {
        let text = "支出预算900.00万元。分单位看：局本级300.00万元，市公路事业发展中心500.00万元。";
        let set = PatternSet::builtin();
        let mut candidates = vec![total(&set, text, "expenditure.total", "900.00", "万元")];
        unit_lists(text, &set, &mut candidates);
        assert_eq!(candidates.len(), 1);
    }
}
