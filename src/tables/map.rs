//! A table as rows × cells → facts. The same for every format: PDF tables
//! are first rebuilt as cells from positions (see [`super::pdf`]).

use super::spec::{compact, TableSet, TableSpec};
use crate::keys;
use crate::report::TableGrid;
use rust_decimal::Decimal;
use std::collections::HashSet;

/// A recognised table before its cells are read as facts.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    /// Index of the table's spec in the [`TableSet`].
    pub spec: usize,
    pub title: String,
    /// The unit the table declares (`万元`, `元`, `亿元`).
    pub unit: Option<String>,
    pub page: Option<u32>,
    /// Header rows, cells per column (spanning cells repeated).
    pub header: Vec<Vec<String>>,
    pub body: Vec<RawRow>,
}

#[derive(Debug, Clone, Default)]
pub struct RawRow {
    pub cells: Vec<String>,
    pub page: Option<u32>,
}

/// A figure read from a table cell, before it is placed in the document text.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFigure {
    pub key: String,
    pub value: String,
    pub unit: Option<String>,
    pub value_wan: Option<Decimal>,
    pub label: Option<String>,
    pub code: Option<String>,
    pub page: Option<u32>,
    /// The table title.
    pub section: String,
    /// The cell as printed.
    pub text: String,
    /// `table:<kind>:<column meanings>`.
    pub pattern: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Code,
    Name,
    Value,
    /// A `行次` column: the printed row numbers, never a figure.
    RowNumber,
}

/// What each column is: its role, its header text and meanings.
#[derive(Debug, Clone)]
pub struct Column {
    pub role: Role,
    pub header: String,
    pub meanings: Vec<String>,
}

/// The digits of a unit's 单位编码 (`112001`): a department's code and its
/// unit's number, never a 功能分类 (3/5/7) or 经济分类 (3/5) code.
const UNIT_CODE_DIGITS: usize = 6;

pub(super) const STRUCTURAL: &[&str] = &["code", "name", "side"];

/// The qualifiers whose columns (by meaning, [`keys::column_meaning`]) qualify the others in
/// their header: a column of the previous year or of the change is never this year's figure.
/// The first present wins: `比上年增减` is a change, not the previous year.
pub(super) const QUALIFYING: &[&str] = &[keys::YOY_PCT, keys::YOY_CHANGE, keys::PRIOR_YEAR];

/// Decide each column's role from its header, then from its content.
pub fn columns(set: &TableSet, header: &[Vec<String>], body: &[RawRow]) -> Vec<Column> {
    let mut cols = columns_by_header(set, header, body);
    super::column_context::earlier_years_are_prior(&mut cols);
    super::column_context::budget_only_is_the_amount(&mut cols);
    super::column_context::totals_with_carryover_are_no_income(&mut cols, body);
    cols
}

fn columns_by_header(set: &TableSet, header: &[Vec<String>], body: &[RawRow]) -> Vec<Column> {
    let width = header
        .iter()
        .map(Vec::len)
        .chain(body.iter().map(|r| r.cells.len()))
        .max()
        .unwrap_or(0);
    // Amounts printed with decimals somewhere: a column of 1, 2, 3 … beside
    // them is the row numbers, wherever the layout put them.
    let decimals = body.iter().any(|r| {
        r.cells
            .iter()
            .any(|c| c.contains('.') && parse_amount(c.trim()).is_some())
    });
    (0..width)
        .map(|c| {
            let mut stack: Vec<&str> = Vec::new();
            for row in header {
                let cell = row.get(c).map(|s| s.trim()).unwrap_or("");
                if !cell.is_empty() && stack.last() != Some(&cell) {
                    stack.push(cell);
                }
            }
            let text = stack.join("/");
            let mut meanings = set.stack_meanings(&stack);
            // A `其中：…` column is a part of the column above it: without a
            // meaning of its own it has no key (事业收入 / 其中：教育收费).
            if let Some(i) = stack.iter().position(|s| s.starts_with("其中")) {
                let own = set.meanings(&stack[i..].concat());
                if own.iter().all(|m| STRUCTURAL.contains(&m.as_str())) {
                    meanings.clear();
                }
            }
            let has = |m: &str| meanings.iter().any(|x| x == m);
            let values: Vec<&str> = body
                .iter()
                .filter_map(|r| r.cells.get(c).map(|s| s.trim()))
                .filter(|s| !s.is_empty())
                .collect();
            let codes = values.iter().filter(|v| is_code(v)).count();
            // Rates printed with their sign (`-12.50%`) count as figures too.
            let amounts = values
                .iter()
                .filter(|v| parse_amount(v.trim_end_matches(['%', '％'])).is_some())
                .count();
            let value_meaning = meanings.iter().any(|m| !STRUCTURAL.contains(&m.as_str()));
            let code_like = !values.is_empty() && codes * 5 >= values.len() * 4;
            // A header that mentions a code (`功能分类` holds 类) over names is a name column.
            let names_only = !values.is_empty() && codes == 0 && amounts == 0;
            // The lowest header cell says what the column is; a meaning above
            // it spans a half (`人员经费` over `科目编码 | 科目名称 | 决算数`).
            let lowest = meanings.last().map(String::as_str);
            // Only when it holds row numbers alone: a layout that shifted an
            // amount under the 行次 header keeps the column's figures.
            let row_numbers = (stack.last().is_some_and(|s| compact(s) == "行次")
                && values
                    .iter()
                    .all(|v| v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit())))
                || (decimals && counts_rows(&values));
            let role = if row_numbers {
                Role::RowNumber
            } else if lowest == Some("code") && (code_like || !names_only) {
                Role::Code
            } else if lowest == Some("name") && amounts * 2 < values.len().max(1) {
                Role::Name
            } else if ((has("code") && !names_only) || code_like) && !value_meaning {
                Role::Code
            } else if value_meaning {
                if !values.is_empty() && amounts == 0 && codes == 0 {
                    Role::Name
                } else {
                    Role::Value
                }
            } else if has("name") {
                Role::Name
            } else if values.is_empty() || (amounts > 0 && amounts * 2 >= values.len()) {
                Role::Value
            } else {
                Role::Name
            };
            Column {
                role,
                header: text,
                meanings: meanings
                    .into_iter()
                    .filter(|m| !STRUCTURAL.contains(&m.as_str()))
                    .collect(),
            }
        })
        .collect()
}

/// Whether a column's cells count rows: bare integers of at most three
/// digits, each one more than the one before (`33`, `34` … `60 61`: two
/// rows a layout ran into one line), at least five of them. The 行次 of a
/// summary table printed under its neighbour's header (`行次 | 合计` read
/// one column to the right): no amount column runs so.
fn counts_rows(values: &[&str]) -> bool {
    let mut numbers = Vec::new();
    for v in values {
        for token in v.split_whitespace() {
            if token.len() > 3 || !token.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            numbers.push(token.parse::<u32>().unwrap_or(0));
        }
    }
    numbers.len() >= 5 && numbers.windows(2).all(|w| w[1] == w[0] + 1)
}

/// Side-by-side halves: each starts at a label column that follows a value column.
/// Indices of the columns of one half that play `role`.
pub fn columns_with(cols: &[Column], half: std::ops::Range<usize>, role: Role) -> Vec<usize> {
    half.filter(|&c| cols[c].role == role).collect()
}

pub fn halves(cols: &[Column]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    // A 行次 column sits inside a half, between its names and its figures.
    let label = |r: Role| matches!(r, Role::Code | Role::Name);
    for i in 1..cols.len() {
        if label(cols[i].role) && !label(cols[i - 1].role) {
            out.push(start..i);
            start = i;
        }
    }
    if !cols.is_empty() {
        out.push(start..cols.len());
    }
    out
}

/// A line name without the count unit bracketed after it (`团组数（个）` → `团组数`).
fn count_unit_dropped(name: &str) -> &str {
    [
        "（个）",
        "（人）",
        "（人次）",
        "（辆）",
        "（批次）",
        "（次）",
        "(个)",
        "(人)",
        "(辆)",
    ]
    .iter()
    .find_map(|u| name.strip_suffix(u))
    .unwrap_or(name)
}

/// A functional/economic code: 2 to 7 digits.
pub fn is_code(s: &str) -> bool {
    let s = s.trim();
    (2..=7).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// An amount as printed, separators removed: `2,940.05` → `2940.05`.
pub fn parse_amount(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 24 {
        return None;
    }
    // Most cells asked are names: any character but digits, the point, the
    // sign and separators rules the text out before anything is copied.
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ',' | '，'))
    {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != ',' && c != '，').collect();
    let digits = cleaned.strip_prefix('-').unwrap_or(&cleaned);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    if s.contains(',') && !valid_grouping(int_part_printed(s)) {
        return None;
    }
    Some(cleaned)
}

/// A value cell: an amount, or in a rate column (增减率) a percentage printed
/// with its sign (`-12.50%`).
fn parse_cell(s: &str, col: &Column) -> Option<String> {
    let rate = col
        .meanings
        .iter()
        .any(|m| m == keys::column_meaning(keys::YOY_PCT));
    match s.trim().strip_suffix(['%', '％']) {
        Some(number) if rate => parse_amount(number),
        _ => parse_amount(s),
    }
}

fn int_part_printed(s: &str) -> &str {
    let s = s.trim_start_matches('-');
    s.split('.').next().unwrap_or(s)
}

fn valid_grouping(int: &str) -> bool {
    let groups: Vec<&str> = int.split(',').collect();
    groups[0].len() <= 3 && !groups[0].is_empty() && groups[1..].iter().all(|g| g.len() == 3)
}

/// Strip a Chinese ordinal prefix: `十九、住房保障支出` → `住房保障支出`.
pub fn strip_ordinal(s: &str) -> &str {
    let t = s.trim_start_matches(|c: char| {
        "一二三四五六七八九十百零〇".contains(c) || c.is_ascii_digit()
    });
    if t.len() < s.len() {
        if let Some(rest) = t.strip_prefix(['、', '.', '．']) {
            return rest;
        }
    }
    let t = s.trim_start_matches(['（', '(']);
    if t.len() < s.len() {
        let u = t
            .trim_start_matches(|c: char| "一二三四五六七八九十".contains(c) || c.is_ascii_digit());
        if u.len() < t.len() {
            if let Some(rest) = u.strip_prefix(['）', ')']) {
                return rest;
            }
        }
    }
    s
}

/// Split `310资本性支出` into its code and name.
pub fn split_code_prefix(s: &str) -> (Option<&str>, &str) {
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if (3..=7).contains(&digits) && digits < s.len() {
        let rest = s[digits..].trim_start();
        // `2023年…` is a year, not a code.
        if rest
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii() && c != '年')
        {
            return (Some(&s[..digits]), rest);
        }
    }
    (None, s)
}

fn unit_factor(unit: Option<&str>) -> Option<Decimal> {
    match unit? {
        "万元" => Some(Decimal::ONE),
        "元" => Some(Decimal::new(1, 4)),
        "亿元" => Some(Decimal::from(10_000)),
        _ => None,
    }
}

/// Read every printed number of a table as a figure, and the table as a grid.
pub fn read_table(set: &TableSet, t: &RawTable) -> (Vec<TableFigure>, TableGrid) {
    let spec = &set.tables[t.spec];
    let cols = columns(set, &t.header, &t.body);
    let mut figures = Vec::new();
    let factor = unit_factor(t.unit.as_deref());
    // The unit of the fixed line being read, when it counts things.
    let line_unit: std::cell::Cell<Option<&str>> = std::cell::Cell::new(None);
    let mut emit = |key: &str,
                    raw: &str,
                    value: String,
                    label: Option<String>,
                    code: Option<String>,
                    page,
                    col: &Column| {
        // A rate column (增减率) holds percentages whatever the table's unit.
        let pct = key.ends_with("_pct");
        figures.push(TableFigure {
            key: key.to_string(),
            value_wan: factor
                .filter(|_| !pct && line_unit.get().is_none())
                .and_then(|f| value.parse::<Decimal>().ok().map(|d| d * f)),
            value,
            unit: if pct {
                Some("%".into())
            } else if let Some(u) = line_unit.get() {
                Some(u.to_string())
            } else {
                t.unit.clone()
            },
            label,
            code,
            page,
            section: t.title.clone(),
            text: raw.trim().to_string(),
            pattern: format!(
                "table:{}:{}",
                spec.kind,
                if col.meanings.is_empty() {
                    compact(&col.header)
                } else {
                    col.meanings.join("/")
                }
            ),
        });
    };
    let halves = halves(&cols);
    let mut body = super::merged::merged_labels_resolved(&t.body, &cols, &halves);
    super::merged::wrapped_labels_joined(spec, &mut body, &cols, &halves);
    let qualifiers = if spec.cells.is_empty() {
        Default::default()
    } else {
        let labels: Vec<String> = body
            .iter()
            .filter_map(|r| r.cells.iter().find(|c| !c.trim().is_empty()))
            .map(|c| strip_ordinal(&compact(c)).to_string())
            .collect();
        super::column_context::line_qualifiers(set, labels.iter().map(String::as_str))
    };
    for half in halves {
        let code_cols: Vec<usize> = columns_with(&cols, half.clone(), Role::Code);
        let name_cols: Vec<usize> = columns_with(&cols, half.clone(), Role::Name);
        let value_cols: Vec<usize> = columns_with(&cols, half.clone(), Role::Value);
        let mut path: Vec<(String, String)> = Vec::new();
        let mut used_rows: std::collections::HashMap<usize, Vec<String>> =
            std::collections::HashMap::new();
        let mut seen_labels: HashSet<String> = HashSet::new();
        let mut row_keys: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for row in &body {
            let cell = |c: usize| row.cells.get(c).map(|s| s.trim()).unwrap_or("");
            let mut code = String::new();
            let mut name = String::new();
            let mut seen_cells: Vec<&str> = Vec::new();
            for &c in code_cols.iter().chain(&name_cols) {
                let text = cell(c);
                // Merged cells repeat their text; read it once (codes like
                // 款 05 / 项 05 legitimately repeat).
                let digits = text.bytes().all(|b| b.is_ascii_digit());
                if text.is_empty() || (!digits && seen_cells.contains(&text)) {
                    continue;
                }
                seen_cells.push(text);
                let compacted = compact(text);
                let (prefix, rest) = split_code_prefix(&compacted);
                if let Some(p) = prefix {
                    code.push_str(p);
                    name.push_str(rest);
                } else if compacted.bytes().all(|b| b.is_ascii_digit()) {
                    code.push_str(&compacted);
                } else if !matches!(compacted.as_str(), "类" | "款" | "项") {
                    name.push_str(&compacted);
                }
            }
            if code.len() == 2 || code.len() == 4 {
                if let Some((class, _)) = path.iter().find(|(c, _)| c.len() == 3) {
                    code = format!("{class}{code}");
                }
            }
            let values: Vec<(usize, &str, String)> = value_cols
                .iter()
                .filter_map(|&c| parse_cell(cell(c), &cols[c]).map(|v| (c, cell(c), v)))
                .collect();
            let bare = strip_ordinal(&name);
            let bare = match bare
                .strip_prefix("其中：")
                .or_else(|| bare.strip_prefix("其中:"))
            {
                // `其中：（1）公务用车购置费`: the part's own ordinal follows.
                Some(rest) => strip_ordinal(rest).to_string(),
                None => bare.to_string(),
            };
            let whole = spec.unit_lines.as_deref().and_then(|total| {
                spec.rows
                    .iter()
                    .find(|r| r.labels.iter().any(|l| l == total))
            });
            if let Some(whole) =
                whole.filter(|_| code.len() == UNIT_CODE_DIGITS && !bare.is_empty())
            {
                for (c, raw, v) in &values {
                    if let Some(key) = pick(&whole.keys, &cols[*c]) {
                        let label = Some(bare.clone());
                        emit(key, raw, v.clone(), label, None, row.page, &cols[*c]);
                    }
                }
                continue;
            }
            if !code.is_empty() && matches!(code.len(), 3 | 5 | 7) {
                path.retain(|(c, _)| c.len() < code.len() && code.starts_with(c.as_str()));
                path.push((code.clone(), bare.clone()));
                let (level, label) = if code.len() == 3 {
                    ("class", bare.clone())
                } else if spec.label == "own" {
                    ("item", bare.clone())
                } else {
                    (
                        "item",
                        path.iter()
                            .map(|(_, n)| n.as_str())
                            .collect::<Vec<_>>()
                            .join("/"),
                    )
                };
                for (c, raw, v) in &values {
                    if let Some(template) = line_key(spec, &cols[*c]) {
                        let key = template.replace("{level}", level);
                        emit(
                            &key,
                            raw,
                            v.clone(),
                            Some(label.clone()),
                            Some(code.clone()),
                            row.page,
                            &cols[*c],
                        );
                    }
                }
                continue;
            }
            if !bare.is_empty() {
                // `团组数（个）`: a count's unit in brackets after its name.
                let unitless = count_unit_dropped(&bare);
                let found = spec.rows.iter().position(|r| {
                    (r.labels.contains(&bare) || r.labels.iter().any(|l| l == unitless))
                        && (r.follows.is_empty()
                            || r.follows.iter().any(|f| seen_labels.contains(f)))
                });
                seen_labels.insert(bare.clone());
                if let Some(ri) = found {
                    // The first line with a label wins; the same line printed
                    // again (合计 at the top and the foot) is a fact again.
                    let printed: Vec<&String> = values.iter().map(|v| &v.2).collect();
                    match used_rows.get(&ri) {
                        Some(first) if first.iter().ne(printed.iter().copied()) => continue,
                        Some(_) => {}
                        None => {
                            used_rows.insert(ri, printed.iter().map(|v| v.to_string()).collect());
                        }
                    }
                    line_unit.set(spec.rows[ri].unit.as_deref());
                    for (c, raw, v) in &values {
                        // A column that names its figure itself (the 三公
                        // table's 公务接待费/决算数) is read as the column says.
                        if let Some(claimed) = cell_key(spec, &cols[*c]) {
                            emit(claimed, raw, v.clone(), None, None, row.page, &cols[*c]);
                            continue;
                        }
                        if let Some(key) = pick(&spec.rows[ri].keys, &cols[*c]) {
                            // A key one fixed line gave is not another line's
                            // (本年支出合计 before 总计 in a final account).
                            if *row_keys.entry(key.clone()).or_insert(ri) != ri {
                                continue;
                            }
                            emit(key, raw, v.clone(), None, None, row.page, &cols[*c]);
                        }
                    }
                    line_unit.set(None);
                    continue;
                }
                if let Some(extra) = qualifiers.get(&bare) {
                    for (c, raw, v) in &values {
                        let mut meanings = cols[*c].meanings.clone();
                        meanings.extend(extra.iter().cloned());
                        if let Some(key) = cell_key_of(spec, &meanings) {
                            emit(key, raw, v.clone(), None, None, row.page, &cols[*c]);
                        }
                    }
                    line_unit.set(None);
                    continue;
                }
                if spec.named_lines {
                    for (c, raw, v) in &values {
                        if let Some(template) = line_key(spec, &cols[*c]) {
                            let key = template.replace("{level}", "item");
                            let label = Some(bare.clone());
                            emit(&key, raw, v.clone(), label, None, row.page, &cols[*c]);
                        }
                    }
                    continue;
                }
                if spec.uncoded_lines && bare.ends_with("支出") && bare.chars().count() >= 4 {
                    for (c, raw, v) in &values {
                        if let Some(template) = line_key(spec, &cols[*c]) {
                            let key = template.replace("{level}", "class");
                            emit(
                                &key,
                                raw,
                                v.clone(),
                                Some(bare.clone()),
                                None,
                                row.page,
                                &cols[*c],
                            );
                        }
                    }
                }
                continue;
            }
            if code.is_empty() {
                for (c, raw, v) in &values {
                    if let Some(key) = cell_key(spec, &cols[*c]) {
                        emit(key, raw, v.clone(), None, None, row.page, &cols[*c]);
                    }
                }
            }
        }
    }
    let mut rows: Vec<Vec<String>> = t.header.clone();
    rows.extend(t.body.iter().map(|r| r.cells.clone()));
    let grid = TableGrid {
        kind: spec.kind.clone(),
        title: t.title.clone(),
        page: t.page,
        unit: t.unit.clone(),
        header_rows: t.header.len(),
        columns: cols.iter().map(|c| c.header.clone()).collect(),
        rows,
    };
    (figures, grid)
}

/// The key template of a code line for a column: its most specific meaning.
/// The key a column gives by its meanings alone (`[[table.cell]]`).
fn cell_key<'a>(spec: &'a TableSpec, col: &Column) -> Option<&'a String> {
    cell_key_of(spec, &col.meanings)
}

/// The key a column with these meanings gives by its meanings alone.
pub(super) fn cell_key_of<'a>(spec: &'a TableSpec, meanings: &[String]) -> Option<&'a String> {
    spec.cells
        .iter()
        .find(|s| s.when.iter().all(|w| meanings.contains(w)))
        .map(|s| &s.key)
}

fn line_key<'a>(spec: &'a TableSpec, col: &Column) -> Option<&'a String> {
    pick(&spec.lines, col)
}

fn pick<'a>(
    keys: &'a std::collections::BTreeMap<String, String>,
    col: &Column,
) -> Option<&'a String> {
    // A prior year's or a change column decides whatever else its header
    // says (`上年（2022年）决算数` is no 决算数 of this year): its own key or none.
    if let Some(q) = QUALIFYING
        .iter()
        .map(|q| crate::keys::column_meaning(q))
        .find(|q| col.meanings.iter().any(|m| m == q))
    {
        return keys.get(q);
    }
    // The most specific meaning with a key: `项目支出/小计` is the project column.
    col.meanings.iter().rev().find_map(|m| keys.get(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_codes() {
        assert_eq!(parse_amount("2,940.05").as_deref(), Some("2940.05"));
        assert_eq!(parse_amount("249.3").as_deref(), Some("249.3"));
        assert_eq!(parse_amount("0.00").as_deref(), Some("0.00"));
        assert_eq!(parse_amount("-"), None);
        assert_eq!(parse_amount("12,34.5"), None);
        assert!(is_code("2010601"));
        assert_eq!(strip_ordinal("十九、住房保障支出"), "住房保障支出");
        assert_eq!(strip_ordinal("（一）其他收入"), "其他收入");
        assert_eq!(
            split_code_prefix("310资本性支出"),
            (Some("310"), "资本性支出")
        );
    }
}

#[cfg(test)]
#[path = "map_read_tests.rs"]
mod read_tests;
