//! Tables of plain text (page texts, `.txt` exports): one table line per
//! text line, cells separated by spaces, blank cells not printed at all.
//!
//! Columns come from the header line that names the most value columns
//! (`功能分类科目名称 合计 基本支出 项目支出`); each body line is split into
//! its code, its label(s) and its amounts, and side-by-side halves
//! (`项目 预算数 项目 预算数`) are told apart by their labels. A line with
//! fewer amounts than value columns has blanks whose place the text does not
//! show: the table's own sums decide it (see [`blanks`]), and a line they
//! cannot place keeps only its first amount, the line's total.

mod blanks;
mod cells;
mod flattened;

use super::map::{self, parse_amount, RawRow, RawTable};
use super::spec::{compact, TableSet};
use crate::read::LayoutLine;

/// Find the standard tables in text lines (words = whitespace-separated runs).
pub fn find_tables(set: &TableSet, lines: &[LayoutLine]) -> Vec<RawTable> {
    super::regions::regions(set, lines)
        .into_iter()
        .filter_map(|(spec, start, end)| {
            let region = &lines[start + 1..end];
            if is_aligned(region) {
                // Columns set out with spaces (pdftotext -layout): positions
                // hold, and blank cells are where nothing is printed.
                // `|` rows are a line each; lines set out with spaces are
                // rebuilt around their codes and labels like a PDF's, so
                // that a name wrapped over two or three lines is one name.
                let cell_rows = region.iter().any(crate::read::positioned::is_cell_row);
                super::pdf::read_region(set, spec, &lines[start], region, cell_rows)
            } else if let Some(t) = flattened_cells(set, spec, &lines[start], region) {
                Some(t)
            } else if cells::one_cell_per_line(region) {
                let (mut rows, body) = cells::header_of(region);
                let header: Vec<Vec<String>> = rows
                    .iter()
                    .filter(|l| !l.text().contains(['：', ':']))
                    .map(|l| l.words.iter().map(|w| w.text.clone()).collect())
                    .collect();
                let halves = halves_of(set, &header, true).len();
                rows.extend(cells::body_rows(&region[body..], halves));
                read_region(set, spec, &lines[start], &rows, true)
            } else {
                read_region(set, spec, &lines[start], region, false)
            }
        })
        .collect()
}

/// A header of several lines over figures printed one per line (WORDING
/// 8.6 with 8.2: the 三公 table's header rows, then its one values row a
/// cell per line), read when the table's sums place the figures.
fn flattened_cells(
    set: &TableSet,
    spec: usize,
    title: &LayoutLine,
    region: &[LayoutLine],
) -> Option<RawTable> {
    let table = &set.tables[spec];
    if table.cells.is_empty() || table.sums.is_empty() {
        return None;
    }
    let mut unit = super::unit_in(&title.text()).map(String::from);
    let mut header: Vec<Vec<String>> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut page = title.page;
    for line in region {
        let text = line.text();
        if let Some(u) = super::unit_in(&text) {
            unit.get_or_insert_with(|| u.to_string());
        }
        if text.contains(['：', ':']) {
            continue;
        }
        let words: Vec<String> = line.words.iter().map(|w| w.text.clone()).collect();
        if !words.is_empty() && words.iter().all(|w| is_amount(w)) {
            if values.is_empty() {
                page = line.page;
            }
            values.extend(words);
        } else if !values.is_empty() {
            break;
        } else {
            header.push(words);
        }
    }
    values_under_header(set, spec, title, unit, &header, values, page)
}

/// The table of one line of figures (`values`, on `page`) under a header of
/// several lines, when the table's sums place the figures under the header's
/// leaf cells ([`flattened::leaf_header`]).
fn values_under_header(
    set: &TableSet,
    spec: usize,
    title: &LayoutLine,
    unit: Option<String>,
    header: &[Vec<String>],
    values: Vec<String>,
    page: u32,
) -> Option<RawTable> {
    let head = flattened::leaf_header(set, spec, header, &values)?;
    Some(RawTable {
        spec,
        title: compact(&title.text()),
        unit,
        page: Some(title.page),
        header: head,
        body: vec![RawRow {
            cells: values,
            page: Some(page),
        }],
    })
}

/// Whether most lines of several words set their words apart by three or
/// more spaces: a layout, not running cells.
fn is_aligned(region: &[LayoutLine]) -> bool {
    let mut multi = 0;
    let mut wide = 0;
    for line in region.iter().filter(|l| l.words.len() >= 2) {
        multi += 1;
        if line.words.windows(2).any(|w| w[1].x0 - w[0].x1 >= 15.0) {
            wide += 1;
        }
    }
    multi > 0 && wide * 2 >= multi
}

/// One side of a table: its label column and its value columns' headers.
#[derive(Debug, Clone)]
struct Half {
    name: String,
    values: Vec<String>,
}

/// A body line in pieces, before its amounts have columns.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub code: String,
    /// Per half: the label and the amounts as printed.
    pub parts: Vec<(String, Vec<String>)>,
    pub page: u32,
}

fn read_region(
    set: &TableSet,
    spec: usize,
    title: &LayoutLine,
    region: &[LayoutLine],
    flattened: bool,
) -> Option<RawTable> {
    let mut unit = super::unit_in(&title.text()).map(String::from);
    let mut header: Vec<Vec<String>> = Vec::new();
    let mut body: Vec<(u32, Vec<String>)> = Vec::new();
    for line in region {
        let text = line.text();
        if let Some(u) = super::unit_in(&text) {
            unit.get_or_insert_with(|| u.to_string());
        }
        if text.contains(['：', ':']) && !text.contains("其中") {
            continue;
        }
        let words: Vec<String> = line
            .words
            .iter()
            .flat_map(|w| split_glued(&w.text))
            .collect();
        let is_body =
            words.iter().any(|w| is_amount(w)) || words.first().is_some_and(|w| is_class_code(w));
        if is_body {
            body.push((line.page, words));
        } else if body.is_empty() {
            if unit.is_none() {
                unit = super::unit_in_headers(words.iter().map(String::as_str)).map(String::from);
            }
            header.push(words);
        }
        // A label line without amounts inside the body (`二、事业收入`, a
        // repeated header on a continued page) carries no figure.
    }
    // One line of bare figures under a header of several lines (WORDING 8.6).
    if let [(page, words)] = body.as_slice() {
        let values: Vec<String> = words.iter().take_while(|w| is_amount(w)).cloned().collect();
        let table = values_under_header(set, spec, title, unit.clone(), &header, values, *page);
        if table.is_some() {
            return table;
        }
    }
    let halves = halves_of(set, &header, flattened);
    let lines: Vec<Line> = body
        .iter()
        .map(|(page, words)| split_line(words, halves.len(), *page))
        .collect();
    let width: Vec<usize> = halves.iter().map(|h| h.values.len()).collect();
    let placed = blanks::place(&lines, &width);
    // The grid: a code column, then per half its label and value columns.
    let mut head = vec!["科目编码".to_string()];
    for h in &halves {
        head.push(h.name.clone());
        head.extend(h.values.iter().cloned());
    }
    let rows = lines
        .iter()
        .zip(placed)
        .map(|(line, cells)| {
            let mut row = vec![line.code.clone()];
            for (i, h) in halves.iter().enumerate() {
                let (label, _) = line.parts.get(i).cloned().unwrap_or_default();
                row.push(label);
                let mut values = cells.get(i).cloned().unwrap_or_default();
                values.resize(h.values.len(), String::new());
                row.extend(values);
            }
            RawRow {
                cells: row,
                page: Some(line.page),
            }
        })
        .collect();
    Some(RawTable {
        spec,
        title: compact(&title.text()),
        unit,
        page: Some(title.page),
        header: vec![head],
        body: rows,
    })
}

/// The halves a header names: the line with the most value columns, cut
/// before each label column that follows a value column.
/// `flattened`: the header's lines were joined from one cell per line, so
/// cells that spanned the columns below them stand in the line too.
fn halves_of(set: &TableSet, header: &[Vec<String>], flattened: bool) -> Vec<Half> {
    let is_value = |w: &str| {
        set.meanings(w)
            .iter()
            .any(|m| !map::STRUCTURAL.contains(&m.as_str()))
    };
    let best = header
        .iter()
        .max_by_key(|line| line.iter().filter(|w| is_value(w)).count());
    let mut halves: Vec<Half> = Vec::new();
    if let Some(line) = best {
        let spanning = if flattened {
            spanning_headers(line, &is_value)
        } else {
            Vec::new()
        };
        for (i, w) in line.iter().enumerate() {
            if spanning.contains(&i) {
                continue;
            }
            if is_value(w) {
                match halves.last_mut() {
                    Some(h) => h.values.push(w.clone()),
                    None => halves.push(Half {
                        name: "项目".into(),
                        values: vec![w.clone()],
                    }),
                }
            } else if halves.last().is_none_or(|h| !h.values.is_empty()) {
                halves.push(Half {
                    name: w.clone(),
                    values: Vec::new(),
                });
            }
        }
    }
    halves.retain(|h| !h.values.is_empty());
    if halves.is_empty() {
        halves.push(Half {
            name: "项目".into(),
            values: vec!["金额".into()],
        });
    }
    halves
}

/// Header cells that span the value columns after them: a value cell
/// standing alone before a run of several (`一般公共预算基本支出` above
/// `合计 人员经费 公用经费`, flattened onto one line). Side-by-side halves
/// (`项目 预算数 项目 预算数`) have no run of several and keep every cell.
fn spanning_headers(line: &[String], is_value: &dyn Fn(&str) -> bool) -> Vec<usize> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, w) in line.iter().enumerate() {
        if !is_value(w) {
            continue;
        }
        match runs.last_mut() {
            Some((start, len)) if *start + *len == i => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    let Some(last_wide) = runs.iter().rposition(|&(_, len)| len >= 2) else {
        return Vec::new();
    };
    runs[..last_wide]
        .iter()
        .filter(|&&(_, len)| len == 1)
        .map(|&(start, _)| start)
        .collect()
}

/// A body line's code, then its labels each with the amounts after it.
fn split_line(words: &[String], halves: usize, page: u32) -> Line {
    let mut code = String::new();
    let mut i = 0;
    // `208 05 01` or `2080501`: a class code, then 款/项 pieces of two digits.
    while i < words.len() {
        let w = &words[i];
        let piece = if code.is_empty() {
            is_class_code(w) && matches!(w.len(), 3 | 5 | 7)
        } else {
            map::is_code(w) && w.len() == 2 && code.len() < 7
        };
        if !piece
            || (i + 1 < words.len()
                && is_amount(&words[i + 1])
                && code.is_empty()
                && words.len() == 2)
        {
            break;
        }
        code.push_str(w);
        i += 1;
    }
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for w in &words[i..] {
        if is_amount(w) {
            match parts.last_mut() {
                Some(p) => p.1.push(w.clone()),
                None => parts.push((String::new(), vec![w.clone()])),
            }
            continue;
        }
        // A bare ordinal (`1.`) and the label after it are one label; a new
        // label starts after amounts or at an ordinal.
        let starts_new = match parts.last() {
            None => true,
            Some((label, amounts)) => {
                !amounts.is_empty() || (starts_with_ordinal(w) && !is_bare_ordinal(label))
            }
        };
        if starts_new {
            parts.push((w.clone(), Vec::new()));
        } else if let Some(p) = parts.last_mut() {
            p.0.push_str(w);
        }
    }
    // Fewer labels than halves: an expenditure label sits on the right side.
    if halves > 1 && parts.len() < halves {
        let right = parts
            .first()
            .is_some_and(|(label, _)| label.contains("支出") && !label.contains("收入"));
        if right {
            let pad = halves - parts.len();
            let mut padded = vec![(String::new(), Vec::new()); pad];
            padded.extend(parts);
            parts = padded;
        }
    }
    Line { code, parts, page }
}

fn starts_with_ordinal(w: &str) -> bool {
    map::strip_ordinal(w).len() < w.len()
}

fn is_bare_ordinal(w: &str) -> bool {
    !w.is_empty() && map::strip_ordinal(w).is_empty()
        || w.trim_end_matches(['.', '．', '、'])
            .chars()
            .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
            && !w.is_empty()
}

/// An amount, not a 1–2 digit number (a 栏次, a 款/项 code piece).
fn is_amount(w: &str) -> bool {
    parse_amount(w).is_some() && !(w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()))
}

/// A code of three digits or more: the start of a code line.
fn is_class_code(w: &str) -> bool {
    map::is_code(w) && w.len() >= 3
}

/// `47,483,458一、社会保障和就业支出` or `507.25其他相关情况说明` → the
/// amount and the text printed against it (page texts lose the gap between
/// cells).
fn split_glued(word: &str) -> Vec<String> {
    let digits = word
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == ',' || *c == '.')
        .last()
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    if digits > 0 && digits < word.len() && parse_amount(&word[..digits]).is_some() {
        let rest = &word[digits..];
        // A separator or a decimal point: an amount, not a code (`2080505行政运行`).
        if rest.chars().next().is_some_and(|c| !c.is_ascii()) && word[..digits].contains([',', '.'])
        {
            return vec![word[..digits].to_string(), rest.to_string()];
        }
    }
    vec![word.to_string()]
}
