//! Positioned text for table reading: glyphs → words → lines, per page.
//!
//! A word is a run of glyphs on one baseline with gaps under a quarter em,
//! so table cells (far apart) stay separate words while the characters of
//! a name stay together. Geometry is `f32`: it never carries amounts.

use std::collections::HashSet;

/// One shown character with its place: left edge, baseline (down from the
/// top of the page), advance width and rendered font size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub text: char,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub size: f32,
}

/// A run of glyphs without a wide gap.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutWord {
    pub text: String,
    /// Left and right edges.
    pub x0: f32,
    pub x1: f32,
    /// Baseline, measured down from the top of the page.
    pub y: f32,
    /// Largest font size in the word.
    pub size: f32,
}

/// Words sharing a baseline, left to right, on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutLine {
    /// 1-based page.
    pub page: u32,
    pub y: f32,
    pub words: Vec<LayoutWord>,
}

impl LayoutLine {
    /// The line's words joined by single spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&w.text);
        }
        out
    }
}

/// A gap wider than this many font sizes ends a word.
const WORD_GAP: f32 = 0.25;
/// Baselines closer than this many font sizes share a line.
const SAME_LINE: f32 = 0.3;
/// The same char drawn again within this many font sizes is a fake-bold overdraw.
const OVERDRAW: f32 = 0.15;

/// Lines of one page, top to bottom. Linear after one sort by baseline.
pub fn page_lines(page: u32, glyphs: &[Glyph]) -> Vec<LayoutLine> {
    let mut order: Vec<usize> = (0..glyphs.len())
        .filter(|&i| glyphs[i].x.is_finite() && glyphs[i].y.is_finite())
        .collect();
    order.sort_unstable_by(|&a, &b| glyphs[a].y.total_cmp(&glyphs[b].y));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut reference: Option<(f32, f32)> = None;
    for &i in &order {
        let g = &glyphs[i];
        let size = g.size.max(1.0);
        match reference {
            Some((y, ref_size)) if g.y - y <= SAME_LINE * size.max(ref_size) => {
                if let Some(group) = groups.last_mut() {
                    group.push(i);
                }
            }
            _ => {
                groups.push(vec![i]);
                reference = Some((g.y, size));
            }
        }
    }
    let mut lines = Vec::with_capacity(groups.len());
    for mut group in groups {
        group.sort_by(|&a, &b| glyphs[a].x.total_cmp(&glyphs[b].x));
        let words = words_of(glyphs, &group);
        if words.is_empty() {
            continue;
        }
        let y = words.iter().map(|w| w.y).fold(f32::MAX, f32::min);
        lines.push(LayoutLine { page, y, words });
    }
    lines
}

fn words_of(glyphs: &[Glyph], group: &[usize]) -> Vec<LayoutWord> {
    let mut words: Vec<LayoutWord> = Vec::new();
    let mut previous: Option<&Glyph> = None;
    let mut split = true;
    for &i in group {
        let g = &glyphs[i];
        if g.text.is_whitespace() || g.text.is_control() {
            split = true;
            continue;
        }
        if let Some(p) = previous {
            if p.text == g.text && (g.x - p.x).abs() < OVERDRAW * g.size.max(p.size) {
                continue;
            }
        }
        let size = g.size.max(1.0);
        match words.last_mut() {
            Some(w) if !split && g.x - w.x1 <= WORD_GAP * size.max(w.size) => {
                w.text.push(g.text);
                w.x1 = w.x1.max(g.x + g.width);
                w.y = w.y.max(g.y);
                w.size = w.size.max(size);
            }
            _ => words.push(LayoutWord {
                text: g.text.to_string(),
                x0: g.x,
                x1: g.x + g.width,
                y: g.y,
                size,
            }),
        }
        previous = Some(g);
        split = false;
    }
    words
}

/// Units of [`text_lines`]: a display column, and a `|` cell.
const COLUMN: f32 = 5.0;
const CELL: f32 = 200.0;

/// Whether a line of [`text_lines`] is a `| a | b |` row: each of its
/// words a cell placed at whole cells. Such a line is one table line; a
/// line of text set out with spaces may be a piece of a wrapped one.
pub fn is_cell_row(line: &LayoutLine) -> bool {
    !line.words.is_empty()
        && line
            .words
            .iter()
            .all(|w| w.x0 % CELL == 0.0 && (w.x1 + 0.25 * CELL) % CELL == 0.0)
}

/// Lines of plain text as positioned words, so that text tables go through
/// the same table stage as PDF ones: a word is a run without whitespace, its
/// x the display column (a CJK character is two columns wide, five units a
/// column), its y the line's number on the page.
pub fn text_lines(pages: &[String]) -> Vec<LayoutLine> {
    let mut out = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let cjk_width = cjk_width_of(page);
        let page_lines: Vec<&str> = page.lines().collect();
        let wide_headers = if cjk_width == 1 {
            display_width_headers(&page_lines)
        } else {
            HashSet::new()
        };
        for (n, line) in page_lines.iter().enumerate() {
            let y = n as f32 * 12.0;
            let word = |text: String, x0: f32, x1: f32| LayoutWord {
                text,
                x0,
                x1,
                y,
                size: 10.0,
            };
            // `| a | b |` rows: each cell a word at its own column.
            let words: Vec<LayoutWord> =
                if line.trim_start().starts_with('|') && line.matches('|').count() >= 3 {
                    pipe_cells(line)
                        .into_iter()
                        .map(|(text, first, last)| {
                            word(text, first as f32 * CELL, (last as f32 + 0.75) * CELL)
                        })
                        .collect()
                } else {
                    let width = if wide_headers.contains(&n) {
                        2
                    } else {
                        cjk_width
                    };
                    column_runs(line, width)
                        .into_iter()
                        .map(|(text, a, b)| word(text, a as f32 * COLUMN, b as f32 * COLUMN))
                        .collect()
                };
            if !words.is_empty() {
                out.push(LayoutLine {
                    page: p as u32 + 1,
                    y,
                    words,
                });
            }
        }
    }
    out
}

/// The filled cells of a `| a | b |` row with the first and last column
/// each covers. A row of text that fills fewer than half its cells is a
/// header of spanning cells (`| 预算数 | | | 决算数 | | |`): each cell covers
/// the empty ones after it, as a merged cell would.
fn pipe_cells(line: &str) -> Vec<(String, usize, usize)> {
    let cells: Vec<String> = line
        .trim()
        .trim_matches('|')
        .split('|')
        .map(|cell| cell.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let filled: Vec<usize> = (0..cells.len()).filter(|&i| !cells[i].is_empty()).collect();
    let spanning = filled.len() * 2 < cells.len()
        && !cells
            .iter()
            .any(|c| c.chars().next().is_some_and(|ch| ch.is_ascii_digit()));
    filled
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let last = match filled.get(n + 1) {
                Some(&next) if spanning => next - 1,
                None if spanning => cells.len() - 1,
                _ => i,
            };
            (cells[i].clone(), i, last)
        })
        .collect()
}

/// How many columns a CJK character takes in a page's layout: 2 where the
/// text was set out by display width (a terminal, most editors), 1 where it
/// was set out a character a column (pdftotext -layout counts characters).
/// The edges of the page's figures tell: amount columns line up (on their
/// right edges, or on their left where the text was placed word by word)
/// under the right count and scatter under the wrong one.
fn cjk_width_of(page: &str) -> usize {
    let spread = |width: usize| {
        let mut starts = HashSet::new();
        let mut ends = HashSet::new();
        let mut figures = 0usize;
        for line in page.lines() {
            for (text, start, end) in column_runs(line, width) {
                if is_figure(&text) {
                    figures += 1;
                    starts.insert(start);
                    ends.insert(end);
                }
            }
        }
        (starts.len().min(ends.len()), figures)
    };
    let (by_display, figures) = spread(2);
    if figures < 4 {
        return 2;
    }
    let (by_chars, _) = spread(1);
    if by_chars < by_display {
        1
    } else {
        2
    }
}

/// An amount as the page prints it (`1,200.00`, `-3.5`).
fn is_figure(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text.contains(['.', ','])
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ",.-".contains(c))
}

/// On a page set out a character a column, the header lines that were set
/// out by display width (a CJK character two columns) all the same: the
/// block of lines without figures above a line of column numbers (`栏次  1
/// 2  3 …`, or `栏次 1 栏次 2 3` under the halves of a 收支 table). The header words centre over the column numbers under the
/// width the header was set out by; the block takes the width under which
/// more of its CJK words do.
fn display_width_headers(lines: &[&str]) -> HashSet<usize> {
    let centre = |a: usize, b: usize| (a + b) as f32 / 2.0;
    let mut wide = HashSet::new();
    for (n, line) in lines.iter().enumerate() {
        let runs = column_runs(line, 1);
        let numbers: Vec<f32> = runs
            .iter()
            .filter(|(t, _, _)| t.chars().all(|c| c.is_ascii_digit()))
            .map(|&(_, a, b)| centre(a, b))
            .collect();
        if numbers.len() < 3 || 2 * (runs.len() - numbers.len()) > numbers.len() {
            continue;
        }
        let block: Vec<usize> = (n.saturating_sub(8)..n)
            .rev()
            .take_while(|&k| {
                !lines[k].trim().is_empty()
                    && !column_runs(lines[k], 1)
                        .iter()
                        .any(|(t, _, _)| is_figure(t))
            })
            .collect();
        let over_numbers = |width: usize| -> usize {
            block
                .iter()
                .flat_map(|&k| column_runs(lines[k], width))
                .filter(|(t, a, b)| {
                    !t.is_ascii()
                        && numbers
                            .iter()
                            .any(|&c| (centre(*a, *b) - c).abs() <= (b - a) as f32 / 2.0 + 1.0)
                })
                .count()
        };
        if over_numbers(2) > over_numbers(1) {
            wide.extend(block);
        }
    }
    wide
}

/// The runs of non-space characters of a line, with the display columns
/// where each starts and ends (a CJK character is two columns wide, a tab
/// reaches the next multiple of eight), or one column wide where the page
/// was set out a character a column (`cjk_width` 1).
fn column_runs(line: &str, cjk_width: usize) -> Vec<(String, usize, usize)> {
    let mut runs = Vec::new();
    let mut col = 0usize;
    let mut current: Option<(String, usize)> = None;
    for c in line.chars() {
        if c.is_whitespace() {
            if let Some((text, start)) = current.take() {
                runs.push((text, start, col));
            }
        } else {
            current
                .get_or_insert_with(|| (String::new(), col))
                .0
                .push(c);
        }
        col += match c {
            '\t' => 8 - col % 8,
            c if c.is_ascii() => 1,
            _ => cjk_width,
        };
    }
    if let Some((text, start)) = current {
        runs.push((text, start, col));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sparse header row of `|` cells spans the empty cells after each;
    /// a row of figures and a full header row do not.
    #[test]
    fn sparse_pipe_header_cells_span_the_empty_ones() {
        assert_eq!(
            pipe_cells("| 预算数 |  |  | 决算数 |  |  |"),
            vec![("预算数".to_string(), 0, 2), ("决算数".to_string(), 3, 5)]
        );
        assert_eq!(
            pipe_cells("| 合计 |  |  | 1.00 |  |  |"),
            vec![("合计".to_string(), 0, 0), ("1.00".to_string(), 3, 3)]
        );
        assert_eq!(
            pipe_cells("| 合计 | 出国 | 车辆 |  | 接待 |"),
            vec![
                ("合计".to_string(), 0, 0),
                ("出国".to_string(), 1, 1),
                ("车辆".to_string(), 2, 2),
                ("接待".to_string(), 4, 4)
            ]
        );
    }

    fn glyphs(text: &str, x: f32, y: f32, size: f32) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, c)| Glyph {
                text: c,
                x: x + i as f32 * size,
                y,
                width: size,
                size,
            })
            .collect()
    }

    #[test]
    fn words_split_at_wide_gaps_and_lines_by_baseline() {
        let mut all = glyphs("合计", 100.0, 50.0, 10.0);
        all.extend(glyphs("2,940.05", 200.0, 51.0, 10.0));
        all.extend(glyphs("单位", 10.0, 20.0, 10.0));
        let lines = page_lines(3, &all);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text(), "单位");
        assert_eq!(lines[1].text(), "合计 2,940.05");
        assert_eq!(lines[1].page, 3);
        assert_eq!(lines[1].words[1].x0, 200.0);
    }

    #[test]
    fn spaced_glyphs_stay_apart_and_overdraw_is_dropped() {
        let mut all = glyphs("因", 0.0, 10.0, 10.0);
        all.extend(glyphs("公", 15.0, 10.0, 10.0));
        all.extend(glyphs("公", 15.5, 10.0, 10.0));
        let lines = page_lines(1, &all);
        assert_eq!(lines[0].text(), "因 公");
    }

    /// Made-up page-text lines: words at their display columns (CJK two
    /// wide), and `|` rows as one word per cell at the cell's own column.
    #[test]
    fn pages_set_out_a_character_a_column_are_read_so() {
        // Lines of code, name and figure, the figure set at column 40 by a
        // count of characters (pdftotext -layout places each word by its
        // position and counts a CJK character one column) or of display
        // columns (an editor counts a CJK character two).
        let rows = [
            ("201", "一般公共服务支出", "2,112.86"),
            ("20106", "财政事务", "2,112.86"),
            ("2010601", "行政运行", "1,511.90"),
            ("2010650", "事业运行", "16.19"),
        ];
        let page = |wide: usize| -> String {
            rows.iter()
                .map(|(code, name, figure)| {
                    let used = 10 + name.chars().count() * wide;
                    format!("{code:<10}{name}{}{figure:>10}\n", " ".repeat(40 - used))
                })
                .collect()
        };
        assert_eq!(cjk_width_of(&page(1)), 1);
        assert_eq!(cjk_width_of(&page(2)), 2);
        // Too few figures to tell: display width, as before.
        assert_eq!(cjk_width_of("合计  1,200.00\n"), 2);
        for wide in [1, 2] {
            let lines = text_lines(&[page(wide)]);
            let ends: Vec<f32> = lines.iter().map(|l| l.words.last().unwrap().x1).collect();
            assert!(ends.iter().all(|&e| e == ends[0]), "{wide}: {ends:?}");
        }
    }

    /// Made-up page: the header block (title, two header lines) set out by
    /// display width, the column numbers and the body a character a column.
    /// The header words land over their column numbers, the body's figures
    /// keep one right edge.
    #[test]
    fn header_lines_set_out_by_display_width_over_a_body_a_character_a_column() {
        let page = [
            "                 收支样表",
            "                本期金额    上期金额    其他金额",
            "  编码  名称      合计        小计        小计",
            "  栏次                1           2           3",
            "301     工资福利支出  8,901.23    4,567.80       12.30",
            "30101   基本工资    3,210.00    1,200.00",
            "399     其他      5,691.23    3,367.80       12.30",
        ]
        .join("\n");
        let lines: Vec<&str> = page.lines().collect();
        let wide = display_width_headers(&lines);
        assert_eq!(wide, HashSet::from([0, 1, 2]));
        let laid = text_lines(&[page]);
        let at = |line: usize, word: &str| -> f32 {
            let w = laid[line].words.iter().find(|w| w.text == word).unwrap();
            (w.x0 + w.x1) / 2.0
        };
        for (header, number) in [("本期金额", "1"), ("上期金额", "2"), ("其他金额", "3")]
        {
            assert!(
                (at(1, header) - at(3, number)).abs() <= 2.0 * COLUMN,
                "{header}"
            );
        }
        let ends: Vec<f32> = (4..7).map(|l| laid[l].words[2].x1).collect();
        assert!(ends.iter().all(|&e| e == ends[0]), "{ends:?}");
        // A page set out by one width throughout keeps it.
        let even = [
            "                  本期金额        上期金额        其他金额",
            "  编码    名称         合计          小计          小计",
            "  栏次                1           2           3",
        ];
        assert!(display_width_headers(&even).is_empty());
    }

    #[test]
    fn text_lines_place_words_and_cells() {
        let pages = vec!["合计  1,200.00\n| 201 |  | 一般公共服务支出 | 300 |".to_string()];
        let lines = text_lines(&pages);
        assert_eq!(lines.len(), 2);
        let first: Vec<(&str, f32)> = lines[0]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.x0))
            .collect();
        assert_eq!(first, vec![("合计", 0.0), ("1,200.00", 30.0)]);
        let cells: Vec<(&str, f32)> = lines[1]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.x0))
            .collect();
        assert_eq!(
            cells,
            vec![("201", 0.0), ("一般公共服务支出", 400.0), ("300", 600.0)]
        );
    }
}
