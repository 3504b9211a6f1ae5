//! `patterns/tables.toml`: table titles, header meanings and keys, as data.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const BUILTIN: &str = crate::config::TABLES_TOML;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    columns: BTreeMap<String, String>,
    table: Vec<TableSpec>,
}

/// One standard table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub kind: String,
    pub titles: Vec<String>,
    /// Column meaning → key template of code lines (`{level}` = class/item).
    #[serde(default)]
    pub lines: BTreeMap<String, String>,
    /// `path` (类/款/项 names joined by `/`) or `own`.
    #[serde(default = "default_label")]
    pub label: String,
    /// Lines without codes whose name ends in 支出 are classes.
    #[serde(default)]
    pub uncoded_lines: bool,
    /// Every line with a name and no code is a line of its own (a project
    /// of a 项目支出表), labelled with its name.
    #[serde(default)]
    pub named_lines: bool,
    #[serde(default)]
    pub rows: Vec<RowSpec>,
    #[serde(default)]
    pub cells: Vec<CellSpec>,
    /// The table's own sums over cell keys, the whole first: they place
    /// the figures of a header flattened onto text lines (WORDING 8.6).
    #[serde(default)]
    pub sums: Vec<Vec<String>>,
    /// A line coded with a unit's 单位编码 (six digits, never a functional or
    /// economic code) instead of a 功能分类 code, in a table listing a
    /// department's units (`112001 | 某局（本级） | …`): read with the keys of
    /// the fixed line of this label (合计), labelled with the unit's name.
    #[serde(default)]
    pub unit_lines: Option<String>,
}

fn default_label() -> String {
    "path".into()
}

/// A fixed line (合计, 本年收入合计 …): its labels and a key per column meaning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    pub labels: Vec<String>,
    pub keys: BTreeMap<String, String>,
    /// The line applies only below a line with one of these labels on the
    /// same side: `收入合计` after `当年收入小计` is the grand total.
    #[serde(default)]
    pub follows: Vec<String>,
    /// The line counts things (`公务用车保有量（辆）` in a 三公 table in
    /// 万元): its figures take this unit, not the table's.
    #[serde(default)]
    pub unit: Option<String>,
}

impl TableSpec {
    /// Whether `name` (ordinal stripped) labels one of the table's fixed lines.
    pub fn has_row_label(&self, name: &str) -> bool {
        self.rows.iter().any(|r| r.labels.iter().any(|l| l == name))
    }
}

/// A cell of a table without line labels: every meaning in `when` → `key`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    pub when: Vec<String>,
    pub key: String,
}

/// The whole table vocabulary, ready for matching.
#[derive(Debug, Clone)]
pub struct TableSet {
    pub tables: Vec<TableSpec>,
    /// Header phrases (compacted), longest first, with their meaning.
    pub phrases: Vec<(String, String)>,
    /// The phrases, to find in one pass which a header holds, and each
    /// phrase's place in that set.
    present: crate::phrase_set::PhraseSet,
    slot: Vec<usize>,
}

impl TableSet {
    pub fn builtin() -> TableSet {
        TableSet::parse(BUILTIN).expect("patterns/tables.toml is valid")
    }

    pub fn parse(text: &str) -> Result<TableSet, toml::de::Error> {
        let file: SpecFile = toml::from_str(text)?;
        let mut phrases: Vec<(String, String)> = file
            .columns
            .into_iter()
            .map(|(p, m)| (compact(&p), m))
            .collect();
        phrases.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(a.0.cmp(&b.0))
        });
        let mut tables = file.table;
        for t in &mut tables {
            for title in &mut t.titles {
                *title = compact(title);
            }
            for row in &mut t.rows {
                for l in &mut row.labels {
                    *l = compact(l);
                }
            }
        }
        let (present, slot) =
            crate::phrase_set::PhraseSet::new(phrases.iter().map(|(p, _)| p.as_str()));
        Ok(TableSet {
            tables,
            phrases,
            present,
            slot,
        })
    }

    /// The table a title line names: its index, when the compacted line is a
    /// title (optionally after a `附表N`/year/entity prefix or before `（续）`).
    pub fn table_titled(&self, line: &str) -> Option<usize> {
        // Titles are short: a long line (running text) is none, whatever it ends with.
        if line
            .chars()
            .filter(|c| !c.is_whitespace())
            .nth(TITLE_MAX_CHARS + 8)
            .is_some()
        {
            return None;
        }
        let text = compact(line);
        let text = without_continuation(without_table_number(&text)).0;
        // `…决算情况表` (a web page's wording) is the `…决算表`.
        let plain = text.strip_suffix("情况表").map(|stem| format!("{stem}表"));
        let exact = self
            .titled_exactly(text)
            .or_else(|| plain.as_deref().and_then(|p| self.titled_exactly(p)));
        exact.or_else(|| {
            // A trailing qualifier: `…预算表（功能科目）`, `…决算表（按经济分类）`.
            let open = text.rfind('（')?;
            let inner = text[open..].trim_start_matches('（').strip_suffix('）')?;
            (inner.chars().count() <= 8 && !inner.contains('表'))
                .then(|| self.titled_exactly(&text[..open]))
                .flatten()
        })
    }

    fn titled_exactly(&self, text: &str) -> Option<usize> {
        if text.chars().count() > TITLE_MAX_CHARS {
            return None;
        }
        let mut best: Option<(usize, usize)> = None;
        for (i, t) in self.tables.iter().enumerate() {
            for title in &t.titles {
                if !text.ends_with(title.as_str()) {
                    continue;
                }
                let prefix = &text[..text.len() - title.len()];
                if !title_prefix_ok(prefix) {
                    continue;
                }
                let len = title.chars().count();
                if best.is_none_or(|(_, l)| len > l) {
                    best = Some((i, len));
                }
            }
        }
        best.map(|(i, _)| i)
    }

    /// Meanings found in a column's header text, in reading order: longest
    /// phrases first, each character used once.
    pub fn meanings(&self, header: &str) -> Vec<String> {
        self.scan(header).0
    }

    /// Meanings of a column's stacked header cells. A cell wrapped over
    /// several lines (`本年支出合` / `计`) is read joined when the joined text
    /// is better explained by the phrases than its parts; cells are not run
    /// together otherwise (`项目` above `支出功能分类` is not `项目支出`).
    pub fn stack_meanings(&self, cells: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < cells.len() {
            let mut best: Option<(usize, (u32, usize), Vec<String>)> = None;
            for take in 1..=3.min(cells.len() - i) {
                // A cell that reads fully on its own is not a wrapped piece.
                if take > 1 && self.explains(cells[i + take - 1]) {
                    break;
                }
                let joined: String = cells[i..i + take].concat();
                let (meanings, matched, longest) = self.scan(&joined);
                let total = compact(&joined).chars().count().max(1);
                let score = ((matched * 1000 / total) as u32, longest);
                if best.as_ref().is_none_or(|b| score > b.1) {
                    best = Some((take, score, meanings));
                }
            }
            let Some((take, _, meanings)) = best else {
                break;
            };
            for m in meanings {
                if out.last() != Some(&m) {
                    out.push(m);
                }
            }
            i += take;
        }
        out
    }

    fn explains(&self, cell: &str) -> bool {
        let (_, matched, _) = self.scan(cell);
        matched > 0 && matched == compact(cell).chars().count()
    }

    /// Meanings, characters matched and the longest phrase matched.
    fn scan(&self, header: &str) -> (Vec<String>, usize, usize) {
        let compacted = compact(header);
        let text: Vec<char> = compacted.chars().collect();
        let mut found: Vec<(usize, String)> = Vec::new();
        let mut used = vec![false; text.len()];
        let mut longest = 0;
        // Most phrases are absent: one pass finds those present, which are
        // then matched character-wise in the phrases' order (longest first).
        let held = self.present.held(&compacted);
        let present = self
            .phrases
            .iter()
            .zip(&self.slot)
            .filter(|(_, &d)| held[d]);
        for ((phrase, meaning), _) in present {
            let p: Vec<char> = phrase.chars().collect();
            if p.is_empty() || p.len() > text.len() {
                continue;
            }
            // A one-character phrase (类, 款, 项) is a header of its own, or
            // one of a run of them (`类款项`): never the end of a word (拨款).
            let alone = |i: usize| {
                p.len() > 1 || {
                    let fits = |c: Option<&char>| c.is_none_or(|c| "类款项/".contains(*c));
                    fits(i.checked_sub(1).and_then(|j| text.get(j))) && fits(text.get(i + 1))
                }
            };
            let mut i = 0;
            while i + p.len() <= text.len() {
                if text[i..i + p.len()] == p[..]
                    && alone(i)
                    && !used[i..i + p.len()].iter().any(|&u| u)
                {
                    for u in &mut used[i..i + p.len()] {
                        *u = true;
                    }
                    longest = longest.max(p.len());
                    found.push((i, meaning.clone()));
                    i += p.len();
                } else {
                    i += 1;
                }
            }
        }
        found.sort_by_key(|(i, _)| *i);
        let mut out: Vec<String> = Vec::new();
        for (_, m) in found {
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
        let matched = used.iter().filter(|&&u| u).count();
        (out, matched, longest)
    }
}

/// A title without its continuation mark (`（续）`, `（续表）`, `续表`), and
/// whether it had one: the table goes on from the page before.
pub fn without_continuation(title: &str) -> (&str, bool) {
    for mark in ["（续表）", "（续）", "（續）", "(续)", "续表"] {
        if let Some(stem) = title.strip_suffix(mark) {
            return (stem, true);
        }
    }
    (title, false)
}

/// A title with its table's number printed after it on the same line
/// (`政府采购预算表    表9`, `收入支出决算表公开01表`): the title alone.
fn without_table_number(title: &str) -> &str {
    let digits = title.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() == title.len() {
        // `…表公开01表`: the number inside `公开…表`.
        return title
            .strip_suffix('表')
            .map(|t| t.trim_end_matches(|c: char| c.is_ascii_digit()))
            .and_then(|t| t.strip_suffix("公开"))
            .filter(|t| t.ends_with('表'))
            .unwrap_or(title);
    }
    digits
        .strip_suffix("附表")
        .or_else(|| digits.strip_suffix('表'))
        .filter(|t| t.ends_with('表'))
        .unwrap_or(title)
}

/// The longest line read as a table title (prefix, title and qualifier).
const TITLE_MAX_CHARS: usize = 60;

/// What may stand before a title on its line: a table number, a year, an
/// entity name with 年度 — but not running text.
fn title_prefix_ok(prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    let unprefixed = prefix.trim_start_matches("公开");
    let numbered = unprefixed.starts_with("附表") || unprefixed.starts_with('表') || {
        // `公开 01 表：…`: a number, then 表 and the colon.
        let digits = unprefixed.trim_start_matches(|c: char| c.is_ascii_digit());
        digits.len() < unprefixed.len() && digits.starts_with('表')
    };
    if prefix.contains(['，', '。', '；', ',', ';', '：', ':']) && !numbered {
        return false;
    }
    let stripped = prefix
        .trim_start_matches("公开")
        .trim_start_matches("附表")
        .trim_start_matches('表')
        .trim_start_matches(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        .trim_start_matches('表')
        .trim_start_matches(['-', '—', '、', '.', '．', '：', ':', ' ']);
    stripped.is_empty()
        || stripped.contains('年')
        || stripped.contains("部门")
        || ["单位", "学校", "学院", "大学", "机关"]
            .iter()
            .any(|kind| stripped.ends_with(kind))
}

/// Whitespace removed, ASCII parentheses and quotes made full-width.
pub fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            '"' => '”',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_meanings() {
        let set = TableSet::builtin();
        let kind = |l: &str| set.table_titled(l).map(|i| set.tables[i].kind.as_str());
        assert_eq!(kind("收入支出决算总表"), Some("summary"));
        assert_eq!(kind("财政拨款收入支出决算总表"), Some("fiscal_summary"));
        assert_eq!(kind("附表3：支出决算表"), Some("expenditure"));
        assert_eq!(kind("详见收入决算表，说明如下"), None);
        assert_eq!(kind("一般公共预算财政拨款基本支出决算表"), Some("economic"));
        // Numbers, years, entity kinds and qualifiers around made-up titles.
        assert_eq!(kind("公开 01 表：收支预算总表"), Some("summary"));
        assert_eq!(
            kind("公开表七 一般公共预算支出预算表（功能科目）"),
            Some("general_budget")
        );
        assert_eq!(kind("表1：高等学校收支决算总表"), Some("summary"));
        assert_eq!(
            kind("九、2017年度某某局部门一般公共预算基本支出预算表"),
            Some("economic")
        );
        assert_eq!(
            kind("2023年部门一般公共预算支出功能分类预算表（续）"),
            Some("general_budget")
        );
        assert_eq!(set.meanings("本年支出合 计"), vec!["total"]);
        assert_eq!(
            set.meanings("财政拨款“三公”经费公务用车购置及运行费公务用车购置费预算数"),
            vec![
                "fiscal_appropriation",
                "vehicle",
                "vehicle_purchase",
                "budget"
            ]
        );
        assert_eq!(set.meanings("项目支出"), vec!["project"]);
        assert_eq!(set.stack_meanings(&["本年支出合", "计"]), vec!["total"]);
        assert_eq!(
            set.stack_meanings(&["项目", "支出功能分类", "类"]),
            vec!["name", "side", "code"]
        );
        assert_eq!(
            set.stack_meanings(&["支出", "一般公共预算", "财", "政拨款"]),
            vec!["side", "general_budget"]
        );
    }
}
