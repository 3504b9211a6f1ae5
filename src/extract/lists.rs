//! Lists in the narrative: a run of names (`A、B和C`) and the run of figures that goes with
//! it (`分别为0、10.2和2.3万元`), read name by name.

use super::groups::Groups;
use super::patterns::Pattern;
use super::{Candidate, MatchContext};
use rust_decimal::Decimal;
use std::ops::Range;

/// What joins the names or figures of a list (`A、B和C`, `公务用车购置及运行维护费` aside).
pub(super) const LIST_SEPARATORS: [char; 4] = ['、', '和', '及', '与'];

/// Words a listed name may carry before the next separator (`公务接待费支出`).
const LIST_NAME_SUFFIXES: [&str; 5] = ["支出决算数", "支出决算", "决算数", "支出", "决算"];

/// Split a run of names (`因公出国（境）费、公务用车购置及运行维护费和公务接待费支出`)
/// into the terms `lookup` knows, in order; None unless all of it is names.
/// Longer names are tried first, so a separator inside a name (`购置及运行`)
/// stays inside it unless only splitting there works.
pub(super) fn split_names<T: Copy>(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<T>,
) -> Option<Vec<T>> {
    fn from<T: Copy>(rest: &str, lookup: &dyn Fn(&str) -> Option<T>, found: &mut Vec<T>) -> bool {
        let ends: Vec<usize> = rest.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        for &end in ends.iter().rev() {
            let Some(term) = lookup(&rest[..end]) else {
                continue;
            };
            let after = &rest[end..];
            let mut tails = vec![after];
            tails.extend(
                LIST_NAME_SUFFIXES
                    .iter()
                    .filter_map(|s| after.strip_prefix(s)),
            );
            for tail in tails {
                found.push(term);
                if tail.is_empty() {
                    return true;
                }
                if let Some(next) = tail.strip_prefix(LIST_SEPARATORS) {
                    if from(next, lookup, found) {
                        return true;
                    }
                }
                found.pop();
            }
        }
        false
    }
    let mut found = Vec::new();
    from(text, lookup, &mut found).then_some(found)
}

/// The printed figures of a `{amount_list}` group: byte range (in the text) and
/// unit, a figure without its own taking the next one's (`0、10.2和2.3万元`).
/// None when the last figure has no unit.
fn list_figures(group: super::groups::Group) -> Option<Vec<(Range<usize>, String)>> {
    let text = group.as_str();
    let mut figures: Vec<(Range<usize>, Option<&str>)> = Vec::new();
    for piece in text.split(LIST_SEPARATORS) {
        let at = group.start() + (piece.as_ptr() as usize - text.as_ptr() as usize);
        let lead = piece.len() - piece.trim_start().len();
        let piece = piece.trim();
        let digits = piece
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(piece.len());
        if digits == 0 {
            return None;
        }
        let unit = piece[digits..].trim();
        let start = at + lead;
        figures.push((start..start + digits, (!unit.is_empty()).then_some(unit)));
    }
    let mut next_unit: Option<&str> = None;
    let mut out = Vec::with_capacity(figures.len());
    for (range, unit) in figures.into_iter().rev() {
        next_unit = unit.or(next_unit);
        out.push((range, next_unit?.to_string()));
    }
    out.reverse();
    Some(out)
}

impl MatchContext<'_> {
    /// The figures of a `{name_list}` match, the n-th to the n-th term;
    /// nothing unless there are as many figures as terms.
    pub(super) fn read_list(&self, caps: &Groups, terms: &[&Pattern]) -> Vec<Candidate> {
        let whole = caps.whole();
        let Some(figures) = caps.name("value").and_then(list_figures) else {
            return Vec::new();
        };
        if figures.len() != terms.len() {
            return Vec::new();
        }
        terms
            .iter()
            .zip(figures)
            .map(|(term, (figure, printed_unit))| {
                let value = self.text[figure.clone()].to_string();
                let (unit, factor) = match self.set.units.get(&printed_unit) {
                    Some((canonical, factor)) => (canonical.clone(), *factor),
                    None => (printed_unit, None),
                };
                Candidate {
                    key: term.key.clone(),
                    value_wan: factor.and_then(|f| value.parse::<Decimal>().ok().map(|d| d * f)),
                    value,
                    unit: Some(unit),
                    label: term.label.clone(),
                    code: None,
                    figure,
                    quote: whole.range(),
                    pattern: term.id.clone(),
                    qualifier: "",
                    side: 0,
                    strength: (term.priority, whole.len()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_separators_outside_names() {
        let known = [
            "公务用车购置",
            "公务用车购置及运行维护费",
            "公务接待费",
            "因公出国（境）费",
        ];
        let lookup = |name: &str| known.iter().position(|k| *k == name);
        assert_eq!(
            split_names(
                "因公出国（境）费、公务用车购置及运行维护费和公务接待费支出",
                &lookup
            ),
            Some(vec![3, 1, 2])
        );
        assert_eq!(
            split_names("公务用车购置、公务接待费", &lookup),
            Some(vec![0, 2])
        );
        // An unknown name anywhere: no split at all.
        assert_eq!(
            split_names("某某费、公务用车购置及运行维护费和公务接待费", &lookup),
            None
        );
        assert_eq!(split_names("公务接待费、", &lookup), None);
    }

    fn list_facts(text: &str) -> Vec<(String, String, Option<String>)> {
        let report = crate::pipeline::process(text.as_bytes(), "lists.txt");
        report
            .facts
            .iter()
            .filter(|f| f.pattern.ends_with("#list") && f.key.starts_with("three_public"))
            .map(|f| (f.key.clone(), f.value.clone(), f.unit.clone()))
            .collect()
    }

    #[test]
    fn three_figures_go_to_three_names_in_order() {
        let head = "某某局2021年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";
        let wan = Some("万元".to_string());
        let fact = |k: &str, v: &str| (format!("three_public.{k}"), v.to_string(), wan.clone());
        assert_eq!(
            list_facts(&format!(
                "{head}因公出国（境）费、公务用车购置及运行维护费、公务接待费分别为0.50万元、10.20万元、2.30万元。\n"
            )),
            vec![fact("overseas", "0.50"), fact("vehicle", "10.20"), fact("reception", "2.30")]
        );
        assert_eq!(
            list_facts(&format!(
                "{head}其中因公出国（境）费、公务用车购置及运行维护费和公务接待费支出分别为0、10.2和2.3万元。\n"
            )),
            vec![fact("overseas", "0"), fact("vehicle", "10.2"), fact("reception", "2.3")]
        );
    }

    #[test]
    fn lists_that_do_not_add_up_read_nothing() {
        let head = "某某局2021年度部门决算\n\n七、“三公”经费财政拨款支出决算情况说明\n";
        for body in [
            // Three names, four figures.
            "因公出国（境）费、公务用车购置及运行维护费和公务接待费分别为0、10.2、1和2.3万元。",
            // An unknown first name: four names, three figures.
            "会议费、因公出国（境）费、公务用车购置及运行维护费、公务接待费分别为1万元、10.2万元、2.3万元。",
            // No unit at all.
            "因公出国（境）费、公务用车购置及运行维护费和公务接待费分别为0、10.2和2.3。",
        ] {
            let report = crate::pipeline::process(format!("{head}{body}\n").as_bytes(), "l.txt");
            let three_public: Vec<_> = report
                .facts
                .iter()
                .filter(|f| f.key.starts_with("three_public"))
                .collect();
            assert!(three_public.is_empty(), "{body}: {three_public:?}");
        }
    }
}
