//! Chinese names of the field keys, read from the vocabulary itself
//! (`docs/FIELDS.md`, compiled in): a key added there is named here too.

use std::collections::HashMap;

use std::sync::LazyLock as Lazy;

use crate::keys;

const FIELDS: &str = include_str!("../../docs/FIELDS.md");

/// Qualifier suffixes and how a name says them.
const QUALIFIERS: &[(&str, &str)] = &[
    (keys::BUDGET, "（年初预算）"),
    (keys::COMPLETION_PCT, "（完成预算%）"),
    (keys::SHARE_PCT, "（占比%）"),
    (keys::YOY_CHANGE, "（比上年增减）"),
    (keys::YOY_PCT, "（比上年增减%）"),
    (keys::PRIOR_YEAR, "（上年数）"),
    (".basic", "（基本支出）"),
    (".project", "（项目支出）"),
];

static NAMES: Lazy<HashMap<String, String>> = Lazy::new(|| parse(FIELDS));

/// Every `| \`key\` | 中文 |` row of the vocabulary's tables. A cell naming
/// several keys (`\`a.b.c\` / \`.d\``) names each, a leading dot replacing
/// the last part of the key before it; the Chinese cell is split the same
/// way when it has as many parts.
fn parse(text: &str) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let keys: Vec<&str> = cells[1]
            .split('/')
            .map(|k| k.trim().trim_matches('`'))
            .filter(|k| !k.is_empty())
            .collect();
        // A note in brackets after the name is no part of it.
        let cell = cells[2].split(" (").next().unwrap_or_default();
        let chinese: Vec<&str> = cell.split(" / ").map(str::trim).collect();
        let mut previous = String::new();
        for (n, key) in keys.iter().enumerate() {
            let full = match key.strip_prefix('.') {
                Some(last) => match previous.rsplit_once('.') {
                    Some((head, _)) => format!("{head}.{last}"),
                    None => continue,
                },
                None => key.to_string(),
            };
            let name = if chinese.len() == keys.len() {
                chinese[n]
            } else {
                cell
            };
            if !full.starts_with('.') && !name.is_empty() {
                names
                    .entry(full.clone())
                    .or_insert_with(|| name.to_string());
            }
            previous = full;
        }
    }
    names
}

/// Every key the vocabulary names, sorted, with its Chinese name.
pub fn vocabulary() -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = NAMES
        .iter()
        .filter(|(key, _)| key.contains('.') || !key.contains(' '))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    keys.sort();
    keys
}

/// The Chinese name of `key` (with its qualifier), or the key itself.
pub fn name(key: &str) -> String {
    if let Some(name) = NAMES.get(key) {
        return name.clone();
    }
    for (suffix, said) in QUALIFIERS {
        if let Some(base) = key.strip_suffix(suffix) {
            if let Some(name) = NAMES.get(base) {
                return format!("{name}{said}");
            }
        }
    }
    key.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_from_the_vocabulary() {
        assert_eq!(name("three_public.vehicle"), "公务用车购置及运行维护费");
        assert_eq!(
            name("three_public.total.budget"),
            "“三公”经费合计（年初预算）"
        );
        assert_eq!(name("three_public.reception.persons"), "人次");
        assert_eq!(name("x.unknown"), "x.unknown");
    }
}
