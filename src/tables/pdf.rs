//! PDF tables rebuilt from positioned words: regions by title, columns by
//! the horizontal extent of the body's words, rows by anchors (codes, line
//! labels, or number lines) to which wrapped names and vertically offset
//! amounts attach by nearness. One pass over the lines, then work linear in
//! the words of each table (plus sorting).

use super::geometry::{
    append, column_of, column_spans, header_grid, median, numeric_columns, Word,
};
use super::map::{self, is_code, parse_amount, RawRow, RawTable, Role};
use super::regions::{is_amount_word, is_page_number};
use super::spec::{compact, TableSet};
use crate::read::LayoutLine;
use std::collections::{HashMap, HashSet};

/// Header words that name the label columns; never a line's content.
const LABEL_HEADERS: &[&str] = &[
    "类",
    "款",
    "项",
    "科目编码",
    "科目名称",
    "项目",
    "功能分类",
    "经济分类",
    "支出功能分类",
    "收入",
    "支出",
];

/// Find the standard tables in a document's positioned lines.
pub fn find_tables(set: &TableSet, lines: &[LayoutLine]) -> Vec<RawTable> {
    super::regions::regions(set, lines)
        .into_iter()
        .filter_map(|(spec, start, end)| {
            read_region(set, spec, &lines[start], &lines[start + 1..end], false)
        })
        .collect()
}

/// Words spelled out with wide letter spacing (`合  计`, `金  额`) joined
/// back: single CJK characters less than two and a half sizes apart. The
/// 类 / 款 / 项 headers stay apart: they head three columns.
fn spaced_out_joined(words: &[crate::read::LayoutWord]) -> Vec<crate::read::LayoutWord> {
    let spelled = |c: char| !c.is_ascii() && !"类款项".contains(c);
    let single = |t: &str| {
        let mut cs = t.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if spelled(c))
    };
    let mut out: Vec<crate::read::LayoutWord> = Vec::with_capacity(words.len());
    for w in words.iter().flat_map(split_at_spaces) {
        let w = &w;
        if let Some(last) = out.last_mut() {
            let gap = w.x0 - last.x1;
            let last_spelled = last.text.chars().all(spelled) && last.text.chars().count() <= 3;
            if single(&w.text) && last_spelled && gap >= 0.0 && gap <= 2.5 * w.size.max(1.0) {
                last.text.push_str(&w.text);
                last.x1 = w.x1;
                continue;
            }
        }
        out.push(w.clone());
    }
    out
}

/// A word holding drawn spaces (`204 公共安全支出 23,513.11`, cells set
/// with space characters rather than gaps) split into its runs, each placed
/// by its share of the characters.
fn split_at_spaces(w: &crate::read::LayoutWord) -> Vec<crate::read::LayoutWord> {
    let text = w.text.trim();
    if !text.contains(char::is_whitespace) {
        return vec![w.clone()];
    }
    let total = w.text.chars().count().max(1) as f32;
    let width = w.x1 - w.x0;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<char> = w.text.chars().collect();
    for i in 0..=chars.len() {
        let space = chars.get(i).is_none_or(|c| c.is_whitespace());
        match (start, space) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push(crate::read::LayoutWord {
                    text: chars[s..i].iter().collect(),
                    x0: w.x0 + width * s as f32 / total,
                    x1: w.x0 + width * i as f32 / total,
                    ..w.clone()
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// `lines_are_rows`: each line is one table line (text sources); a PDF's
/// lines are rebuilt into rows around anchors.
pub(super) fn read_region(
    set: &TableSet,
    spec: usize,
    title_line: &LayoutLine,
    region: &[LayoutLine],
    lines_are_rows: bool,
) -> Option<RawTable> {
    let mut unit = super::unit_in(&title_line.text()).map(String::from);
    let mut words: Vec<Word> = Vec::new();
    for (i, line) in region.iter().enumerate() {
        let last_on_page = region.get(i + 1).is_none_or(|next| next.page != line.page);
        if last_on_page && is_page_number(line) {
            continue;
        }
        for w in &spaced_out_joined(&line.words) {
            let text = compact(&w.text);
            if text.is_empty() {
                continue;
            }
            if let Some(u) = super::unit_in(&text) {
                if unit.is_none() {
                    unit = Some(u.to_string());
                }
                continue;
            }
            // The tail of a unit cut over two lines (`单位：万` / `元`, WORDING
            // 5.3): a unit alone names no column.
            if matches!(text.as_str(), "元" | "万元" | "亿元") {
                continue;
            }
            // `部门名称：…`, `编制单位：…`: the publisher, not a header cell.
            if text.contains(['：', ':']) && !text.starts_with("其中") {
                continue;
            }
            let size = w.size.max(1.0);
            let (code, rest) = map::split_code_prefix(&text);
            if let Some(code) = code {
                let chars = text.chars().count() as f32;
                let cut = w.x0 + (w.x1 - w.x0) * code.len() as f32 / chars;
                words.push(Word {
                    text: code.to_string(),
                    x0: w.x0,
                    x1: cut,
                    page: line.page,
                    y: w.y,
                    size,
                    line: i,
                });
                words.push(Word {
                    text: rest.to_string(),
                    x0: cut,
                    x1: w.x1,
                    page: line.page,
                    y: w.y,
                    size,
                    line: i,
                });
                continue;
            }
            words.push(Word {
                text,
                x0: w.x0,
                x1: w.x1,
                page: line.page,
                y: w.y,
                size,
                line: i,
            });
        }
    }
    let table = RawTable {
        spec,
        title: compact(&title_line.text()),
        unit,
        page: Some(title_line.page),
        ..Default::default()
    };
    // The body starts a little above the first line with an amount or a code.
    let numbering = column_number_lines(&words);
    let first_body = words
        .iter()
        .filter(|w| !numbering.contains(&w.line))
        .find(|w| is_amount_word(&w.text) || (is_code(&w.text) && w.text.len() >= 3))
        .map(|w| (w.page, w.y, w.size));
    let Some((body_page, body_y, body_size)) = first_body else {
        return (!words.is_empty()).then(|| with_header_only(table, &words));
    };
    let in_body = |w: &Word| {
        !numbering.contains(&w.line)
            && (w.page, w.y) > (body_page, body_y - 1.2 * body_size)
            && !(LABEL_HEADERS.contains(&w.text.as_str())
                && w.page == body_page
                && w.y <= body_y + 0.3 * body_size)
    };
    let (body, header): (Vec<Word>, Vec<Word>) = words.into_iter().partition(in_body);
    let body = without_repeated_headers(body, &header, body_page);
    let table = RawTable {
        unit: table.unit.or_else(|| {
            super::unit_in_headers(header.iter().map(|w| w.text.as_str())).map(String::from)
        }),
        ..table
    };
    let em = median(body.iter().map(|w| w.size)).unwrap_or(10.0);
    let columns = column_spans(&body, &header);
    if columns.is_empty() {
        return Some(table);
    }
    let numeric = numeric_columns(&columns, &body);
    let col_of = |w: &Word| column_of(&columns, &numeric, w);
    let header_rows = header_grid(&header, &columns);
    // Provisional rows, one per line, only to decide the column roles.
    let mut provisional: Vec<RawRow> = Vec::new();
    let mut last_line = usize::MAX;
    for w in &body {
        if w.line != last_line {
            provisional.push(RawRow {
                cells: vec![String::new(); columns.len()],
                page: Some(w.page),
            });
            last_line = w.line;
        }
        if let Some(row) = provisional.last_mut() {
            let c = col_of(w);
            append(&mut row.cells[c], &w.text);
        }
    }
    if lines_are_rows {
        return Some(RawTable {
            header: header_rows,
            body: provisional,
            ..table
        });
    }
    let cols = map::columns(set, &header_rows, &provisional);
    let halves = map::halves(&cols);
    let is_label = |text: &str| set.tables[spec].has_row_label(map::strip_ordinal(text));

    // Anchors: (page, y, half); the words they own.
    let mut anchors: Vec<(u32, f32, usize)> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut stray: Vec<&Word> = Vec::new();
    for (h, half) in halves.iter().enumerate() {
        let code_cols: Vec<usize> = super::map::columns_with(&cols, half.clone(), Role::Code);
        let name_cols: Vec<usize> = super::map::columns_with(&cols, half.clone(), Role::Name);
        let in_half: Vec<&Word> = body.iter().filter(|w| half.contains(&col_of(w))).collect();
        let codes: Vec<&Word> = in_half
            .iter()
            .copied()
            .filter(|w| code_cols.contains(&col_of(w)) && is_code(&w.text))
            .collect();
        let code_anchors = cluster(codes.iter().map(|w| (w.page, w.y)), 0.9 * em);
        let code_lines: HashSet<usize> = codes.iter().map(|w| w.line).collect();
        let mut code_ys: Vec<(u32, f32)> = codes.iter().map(|w| (w.page, w.y)).collect();
        code_ys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let column_right = |w: &Word| columns[col_of(w)].1;
        // A line label printed under the code (`合计`, `本年支出合计` set at
        // the left of a text layout) names its line as a name would.
        let is_name_word = |w: &Word| {
            let c = col_of(w);
            name_cols.contains(&c)
                || (code_cols.contains(&c) && !is_code(&w.text) && parse_amount(&w.text).is_none())
        };
        let value_lines: HashSet<usize> = in_half
            .iter()
            .filter(|w| !is_name_word(w) && parse_amount(&w.text).is_some())
            .map(|w| w.line)
            .collect();
        let blocks = name_blocks(
            &in_half,
            &is_name_word,
            &code_lines,
            &value_lines,
            &code_ys,
            &is_label,
            &column_right,
            em,
        );
        let mut half_anchors: Vec<(u32, f32)> = code_anchors.clone();
        if !code_cols.is_empty() || !name_cols.is_empty() {
            for b in &blocks {
                let near_code = code_anchors
                    .iter()
                    .any(|&(p, y)| p == b.page && (y - b.y).abs() <= 0.9 * em);
                if !near_code {
                    half_anchors.push((b.page, b.y));
                }
            }
        } else {
            let values = in_half
                .iter()
                .filter(|w| parse_amount(&w.text).is_some())
                .map(|w| (w.page, w.y));
            half_anchors = cluster(values, 0.5 * em);
        }
        half_anchors.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let base = anchors.len();
        anchors.extend(half_anchors.iter().map(|&(p, y)| (p, y, h)));
        let nearest = |page: u32, y: f32| -> Option<usize> {
            half_anchors
                .iter()
                .enumerate()
                .filter(|(_, a)| a.0 == page)
                .map(|(i, a)| (i, (a.1 - y).abs()))
                .filter(|(_, d)| *d <= 1.8 * em)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| base + i)
        };
        for b in blocks {
            if let Some(a) = nearest(b.page, b.y) {
                for w in b.words {
                    pieces.push(Piece {
                        anchor: a,
                        column: col_of(w),
                        word: w.clone(),
                    });
                }
            }
        }
        for w in in_half {
            if is_name_word(w) {
                continue;
            }
            match nearest(w.page, w.y) {
                Some(a) => pieces.push(Piece {
                    anchor: a,
                    column: col_of(w),
                    word: w.clone(),
                }),
                None => stray.push(w),
            }
        }
    }
    // A figure whose half has no line at its height sits under a label
    // merged across halves (`当年支出小计` over two column groups): it joins
    // the line of another half at the same height.
    for w in stray {
        let near = anchors
            .iter()
            .enumerate()
            .filter(|(_, a)| a.0 == w.page && (a.1 - w.y).abs() <= 0.9 * em)
            .min_by(|a, b| (a.1 .1 - w.y).abs().total_cmp(&(b.1 .1 - w.y).abs()));
        if let Some((a, _)) = near {
            pieces.push(Piece {
                anchor: a,
                column: col_of(w),
                word: w.clone(),
            });
        }
    }
    // One grid row per group of anchors (at most one per half) at one height.
    let mut order: Vec<usize> = (0..anchors.len()).collect();
    order.sort_by(|&a, &b| {
        anchors[a]
            .0
            .cmp(&anchors[b].0)
            .then(anchors[a].1.total_cmp(&anchors[b].1))
    });
    let mut row_of = vec![0usize; anchors.len()];
    let mut rows: Vec<(u32, f32, Vec<usize>)> = Vec::new();
    for &a in &order {
        let (page, y, half) = anchors[a];
        let joins = rows.last().is_some_and(|(p, ry, members)| {
            *p == page
                && (y - ry).abs() <= 0.9 * em
                && !members.iter().any(|&m| anchors[m].2 == half)
        });
        if !joins {
            rows.push((page, y, Vec::new()));
        }
        let last = rows.len() - 1;
        rows[last].2.push(a);
        row_of[a] = last;
    }
    pieces.sort_by(|a, b| {
        (a.word.page, a.word.y, a.word.x0)
            .partial_cmp(&(b.word.page, b.word.y, b.word.x0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut body_rows: Vec<RawRow> = rows
        .iter()
        .map(|(page, _, _)| RawRow {
            cells: vec![String::new(); columns.len()],
            page: Some(*page),
        })
        .collect();
    for p in &pieces {
        let r = row_of[p.anchor];
        append(&mut body_rows[r].cells[p.column], &p.word.text);
    }
    Some(RawTable {
        header: header_rows,
        body: body_rows,
        ..table
    })
}

/// Lines that number the columns (`栏次  1  2  3`, or `1 2 3 4` alone):
/// header, not the first line of figures.
fn column_number_lines(words: &[Word]) -> HashSet<usize> {
    let mut by_line: Vec<(usize, Vec<&str>)> = Vec::new();
    for w in words {
        match by_line.last_mut() {
            Some((line, texts)) if *line == w.line => texts.push(&w.text),
            _ => by_line.push((w.line, vec![&w.text])),
        }
    }
    by_line
        .into_iter()
        .filter(|(_, texts)| {
            let labelled = matches!(texts.first(), Some(&"栏次" | &"行次"));
            let numbers = &texts[usize::from(labelled)..];
            numbers.len() >= if labelled { 2 } else { 3 }
                && numbers
                    .iter()
                    .enumerate()
                    .all(|(i, t)| t.parse::<usize>().ok() == Some(i + 1))
        })
        .map(|(line, _)| line)
        .collect()
}

struct Piece {
    anchor: usize,
    column: usize,
    word: Word,
}

struct Block<'a> {
    page: u32,
    y: f32,
    words: Vec<&'a Word>,
}

/// Name cells: the name-column words of each line, stacked while a line is
/// full (its text reaches the column's right edge) and the next follows
/// closely. A line with an ordinal (`八、`) or a fixed label starts a cell,
/// and so does a line with a code when the line above had one too, or a
/// line with figures when the line above had figures too (two lines of
/// values are two rows, however wide their names).
#[allow(clippy::too_many_arguments)]
fn name_blocks<'a>(
    words: &[&'a Word],
    is_name_word: &dyn Fn(&Word) -> bool,
    code_lines: &HashSet<usize>,
    value_lines: &HashSet<usize>,
    code_ys: &[(u32, f32)],
    is_label: &dyn Fn(&str) -> bool,
    column_right: &dyn Fn(&Word) -> f32,
    em: f32,
) -> Vec<Block<'a>> {
    let mut fragments: Vec<(u32, f32, f32, usize, Vec<&'a Word>)> = Vec::new();
    for &w in words {
        if !is_name_word(w) {
            continue;
        }
        match fragments.last_mut() {
            Some(f) if f.0 == w.page && w.line == f.3 => {
                f.2 = f.2.max(w.x1);
                f.4.push(w);
            }
            _ => fragments.push((w.page, w.y, w.x1, w.line, vec![w])),
        }
    }
    // A line is full when it reaches the right edge of the names on its
    // page, but no further than its column's: a label over a merged cell
    // (`当年支出小计` across a name and an amount column) sets no edge.
    let mut right: HashMap<u32, f32> = HashMap::new();
    for f in &fragments {
        let edge = f.2.min(column_right(f.4[0]));
        let r = right.entry(f.0).or_insert(f32::MIN);
        *r = r.max(edge);
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut previous: Option<(u32, f32, f32, usize)> = None;
    let mut count_in_block = 0usize;
    let mut block_text = String::new();
    for (page, y, x1, line, ws) in fragments {
        let text: String = ws.iter().map(|w| w.text.as_str()).collect();
        let starts_cell = map::strip_ordinal(&text).len() < text.len() || is_label(&text);
        let page_right = right.get(&page).copied().unwrap_or(x1);
        let continues = !starts_cell
            && !is_label(&block_text)
            && previous.is_some_and(|(p, py, px1, pline)| {
                p == page
                    && y - py <= 1.6 * em
                    && px1 >= page_right - 0.6 * em
                    && !(code_lines.contains(&pline) && code_lines.contains(&line))
                    && !(value_lines.contains(&pline) && value_lines.contains(&line))
                    && !nearer_next_code(code_ys, page, py, y)
            });
        if continues {
            if let Some(b) = blocks.last_mut() {
                count_in_block += 1;
                b.y += (y - b.y) / count_in_block as f32;
                b.words.extend(ws);
                block_text.push_str(&text);
            }
        } else {
            count_in_block = 1;
            block_text = text;
            blocks.push(Block { page, y, words: ws });
        }
        previous = Some((page, y, x1, line));
    }
    blocks
}

/// A table continued on the next page repeats its header there (issue 19):
/// on every page after the body's first, the lines above the page's first
/// figure or code that hold a header's words, a 栏次 row, a `（续）` title
/// or a `公开0N表` mark are that header again, not lines of the table.
fn without_repeated_headers(body: Vec<Word>, header: &[Word], first_page: u32) -> Vec<Word> {
    let header_words: HashSet<&str> = header
        .iter()
        .map(|w| w.text.as_str())
        .chain(LABEL_HEADERS.iter().copied())
        .collect();
    let mut first_data: HashMap<u32, usize> = HashMap::new();
    for w in body.iter().filter(|w| w.page > first_page) {
        if is_amount_word(&w.text) || (is_code(&w.text) && w.text.len() >= 3) {
            let line = first_data.entry(w.page).or_insert(w.line);
            *line = (*line).min(w.line);
        }
    }
    let repeated: HashSet<usize> = body
        .iter()
        .filter(|w| first_data.get(&w.page).is_some_and(|&first| w.line < first))
        .filter(|w| {
            header_words.contains(w.text.as_str())
                || w.text.contains("栏次")
                || w.text.ends_with("（续）")
                || (w.text.starts_with("公开") && w.text.ends_with('表'))
        })
        .map(|w| w.line)
        .collect();
    if repeated.is_empty() {
        return body;
    }
    body.into_iter()
        .filter(|w| !repeated.contains(&w.line))
        .collect()
}

/// Whether a line at `y` is nearer the next code line below it than the
/// line above it at `above`: then it starts that code line's wrapped name.
fn nearer_next_code(code_ys: &[(u32, f32)], page: u32, above: f32, y: f32) -> bool {
    code_ys
        .iter()
        .find(|&&(p, cy)| p == page && cy > y + 0.5)
        .is_some_and(|&(_, cy)| cy - y < y - above)
}

/// Group positions closer than `gap` (same page) and return each group's mean.
fn cluster(points: impl Iterator<Item = (u32, f32)>, gap: f32) -> Vec<(u32, f32)> {
    let mut pts: Vec<(u32, f32)> = points.collect();
    pts.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<(u32, f32, f32, usize)> = Vec::new();
    for (p, y) in pts {
        match out.last_mut() {
            Some(c) if c.0 == p && y - c.2 <= gap => {
                c.1 += y;
                c.2 = y;
                c.3 += 1;
            }
            _ => out.push((p, y, y, 1)),
        }
    }
    out.into_iter()
        .map(|(p, sum, _, n)| (p, sum / n as f32))
        .collect()
}

fn with_header_only(table: RawTable, words: &[Word]) -> RawTable {
    let columns = column_spans(&[], words);
    RawTable {
        header: header_grid(words, &columns),
        ..table
    }
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
