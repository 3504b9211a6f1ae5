//! Table geometry from positioned words: column extents, which column a
//! word belongs to, and the header lines as rows of cells.

#[derive(Debug, Clone)]
pub(super) struct Word {
    pub(super) text: String,
    pub(super) x0: f32,
    pub(super) x1: f32,
    pub(super) page: u32,
    pub(super) y: f32,
    pub(super) size: f32,
    pub(super) line: usize,
}

impl Word {
    fn center(&self) -> f32 {
        (self.x0 + self.x1) / 2.0
    }
}

/// Column extents: the body words' extents merged where they overlap, then
/// a column for each header word over no body column (empty columns).
pub(super) fn column_spans(body: &[Word], header: &[Word]) -> Vec<(f32, f32)> {
    let mut spans: Vec<(f32, f32)> = body.iter().map(|w| (w.x0, w.x1)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f32, f32)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(m) if a < m.1 => m.1 = m.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut merged: Vec<(f32, f32)> = merged
        .into_iter()
        .flat_map(|span| {
            let inside: Vec<&Word> = body
                .iter()
                .filter(|w| w.x0 >= span.0 && w.x1 <= span.1)
                .collect();
            split_at_valleys(span, &inside)
        })
        .collect();
    let mut lower_first: Vec<&Word> = header.iter().collect();
    lower_first.sort_by(|a, b| {
        (b.page, b.y)
            .partial_cmp(&(a.page, a.y))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for w in lower_first {
        let overlapping: Vec<usize> = (0..merged.len())
            .filter(|&i| w.x0 < merged[i].1 && w.x1 > merged[i].0)
            .collect();
        match overlapping.as_slice() {
            [] => {
                merged.push((w.x0, w.x1));
                merged.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            [only] => {
                let m = &mut merged[*only];
                let grown = (m.0.min(w.x0), m.1.max(w.x1));
                let clash = (0..merged.len())
                    .any(|j| j != *only && grown.0 < merged[j].1 && grown.1 > merged[j].0);
                if !clash {
                    merged[*only] = grown;
                }
            }
            _ => {}
        }
    }
    headers_join_their_figures(merged, body, header)
}

/// A header centred over its cell may stop short of the figures set flush
/// right under it (`决算数` at 300–322, `35.62` at 340–360): it then made a
/// column of its own, with no figure, beside a column of figures with no
/// header. Such a pair is one column. A header-only column followed by a
/// column that has a header, or by one of text, stays (an empty column).
fn headers_join_their_figures(
    spans: Vec<(f32, f32)>,
    body: &[Word],
    header: &[Word],
) -> Vec<(f32, f32)> {
    let inside = |s: (f32, f32), w: &Word| w.x0 < s.1 && w.x1 > s.0;
    let em = median(header.iter().map(|w| w.size)).unwrap_or(10.0);
    let mut out: Vec<(f32, f32)> = Vec::with_capacity(spans.len());
    for span in spans {
        let figures_only = {
            let mut words = body.iter().filter(|w| inside(span, w)).peekable();
            words.peek().is_some() && words.all(|w| super::map::parse_amount(&w.text).is_some())
        };
        let headless = !header.iter().any(|w| inside(span, w));
        let joins = out.last().is_some_and(|&last| {
            figures_only
                && headless
                && span.0 - last.1 < 2.0 * em
                && header.iter().any(|w| inside(last, w))
                // No figure, and at most a sub-header repeated in the body.
                && body.iter().filter(|w| inside(last, w)).count() <= 2
                && !body
                    .iter()
                    .any(|w| inside(last, w) && super::map::parse_amount(&w.text).is_some())
        });
        match out.last_mut() {
            Some(last) if joins => last.1 = span.1,
            _ => out.push(span),
        }
    }
    out
}

/// A label over a merged cell reaching from a text column into the amount
/// column beside it (`当年支出小计` / `支出合计` of a 收支总表 across a
/// group's 科目名称 and 金额, WORDING 8.5): it overlaps an amount and a
/// text word that starts further left and ends before the amount. It does not hold the two columns together (see
/// [`split_at_valleys`]); it is placed, by [`column_of`], in the text column.
fn bridges_text_and_amount(i: usize, body: &[&Word], kinds: &[WordKind]) -> bool {
    let w = body[i];
    if kinds[i] != WordKind::Text {
        return false;
    }
    let overlapping =
        || (0..body.len()).filter(move |&j| j != i && body[j].x0 < w.x1 && body[j].x1 > w.x0);
    let Some(leftmost_amount) = overlapping()
        .filter(|&j| kinds[j] == WordKind::Amount)
        .map(|j| body[j].x0)
        .reduce(f32::min)
    else {
        return false;
    };
    // The text word starts further left: a column of its own, not another
    // label of the same merged cells.
    overlapping()
        .any(|j| kinds[j] == WordKind::Text && body[j].x0 < w.x0 && body[j].x1 <= leftmost_amount)
}

/// What a word is, decided once per word (the checks above compare every
/// word with every other one of its extent).
#[derive(Clone, Copy, PartialEq, Eq)]
enum WordKind {
    Amount,
    Code,
    Text,
}

fn word_kind(w: &Word) -> WordKind {
    if super::map::parse_amount(&w.text).is_some() {
        WordKind::Amount
    } else if super::map::is_code(&w.text) {
        WordKind::Code
    } else {
        WordKind::Text
    }
}

/// Split a merged extent where few words bridge two well-filled columns:
/// a label spanning merged cells (`当年支出小计` over a name and an amount
/// column) must not fuse them. Only a text column beside a number column,
/// or two number columns, are split; names indented under names are not.
fn split_at_valleys(span: (f32, f32), words: &[&Word]) -> Vec<(f32, f32)> {
    let mut edges: Vec<f32> = words.iter().flat_map(|w| [w.x0, w.x1]).collect();
    edges.sort_by(|a, b| a.total_cmp(b));
    edges.dedup();
    if edges.len() < 4 || words.len() > 4000 {
        return vec![span];
    }
    // Labels over merged cells (WORDING 8.5) do not count as filling a valley.
    let kinds: Vec<WordKind> = words.iter().map(|w| word_kind(w)).collect();
    let holding: Vec<&Word> = (0..words.len())
        .filter(|&i| !bridges_text_and_amount(i, words, &kinds))
        .map(|i| words[i])
        .collect();
    let counts: Vec<usize> = edges
        .windows(2)
        .map(|e| {
            holding
                .iter()
                .filter(|w| w.x0 < e[1] && w.x1 > e[0])
                .count()
        })
        .collect();
    let mut best: Option<(usize, usize)> = None;
    for k in 1..counts.len().saturating_sub(1) {
        let left = counts[..k].iter().copied().max().unwrap_or(0);
        let right = counts[k + 1..].iter().copied().max().unwrap_or(0);
        let floor = left.min(right);
        let c = counts[k];
        if c < floor && c <= (floor / 3).max(1) && best.is_none_or(|(_, bc)| c < bc) {
            best = Some((k, c));
        }
    }
    let Some((k, _)) = best else {
        return vec![span];
    };
    let (a, b) = (edges[k], edges[k + 1]);
    let left: Vec<&Word> = words.iter().copied().filter(|w| w.x1 <= b).collect();
    let right: Vec<&Word> = words.iter().copied().filter(|w| w.x0 >= a).collect();
    let numeric = |ws: &[&Word]| {
        let n = ws
            .iter()
            .filter(|w| super::map::parse_amount(&w.text).is_some())
            .count();
        (n * 5 >= ws.len() * 3, n * 5 <= ws.len())
    };
    let (l_num, l_text) = numeric(&left);
    let (r_num, r_text) = numeric(&right);
    if left.is_empty() || right.is_empty() || !(r_num && (l_num || l_text) || l_num && r_text) {
        return vec![span];
    }
    let extent = |ws: &[&Word]| {
        ws.iter().fold((f32::MAX, f32::MIN), |(x0, x1), w| {
            (x0.min(w.x0), x1.max(w.x1))
        })
    };
    let mut out = split_at_valleys(extent(&left), &left);
    out.extend(split_at_valleys(extent(&right), &right));
    out
}

/// The column of a word: the best overlap, but a text word that overlaps a
/// text column belongs there even when it reaches into a number column.
pub(super) fn column_of(columns: &[(f32, f32)], numeric: &[bool], w: &Word) -> usize {
    let best = best_column(columns, w.x0, w.x1);
    if !numeric.get(best).copied().unwrap_or(false) || super::map::parse_amount(&w.text).is_some() {
        return best;
    }
    (0..columns.len())
        .filter(|&c| !numeric[c] && w.x0 < columns[c].1 && w.x1 > columns[c].0)
        .max_by(|&a, &b| {
            let o = |c: usize| w.x1.min(columns[c].1) - w.x0.max(columns[c].0);
            o(a).total_cmp(&o(b))
        })
        .unwrap_or(best)
}

/// Whether each column is an amount column: two in five of its words are
/// amounts (labels of merged cells reach into amount columns).
pub(super) fn numeric_columns(columns: &[(f32, f32)], body: &[Word]) -> Vec<bool> {
    let mut counts = vec![(0usize, 0usize); columns.len()];
    for w in body {
        let c = best_column(columns, w.x0, w.x1);
        counts[c].1 += 1;
        if super::map::parse_amount(&w.text).is_some() {
            counts[c].0 += 1;
        }
    }
    counts
        .iter()
        .map(|&(n, all)| all > 0 && n * 5 >= all * 2)
        .collect()
}

pub(super) fn best_column(columns: &[(f32, f32)], x0: f32, x1: f32) -> usize {
    let mut best = (0usize, f32::MIN);
    for (i, &(a, b)) in columns.iter().enumerate() {
        let overlap = x1.min(b) - x0.max(a);
        let score = if overlap > 0.0 {
            overlap
        } else {
            -((x0 + x1) / 2.0 - (a + b) / 2.0).abs()
        };
        if score > best.1 {
            best = (i, score);
        }
    }
    best.0
}

/// Header lines as rows. A header word covers the columns it overlaps,
/// widened to neighbours when that centres it better over them (spanning
/// cells are centred over their columns and often much narrower than them),
/// but never over a column that a word on its level or above already heads.
pub(super) fn header_grid(header: &[Word], columns: &[(f32, f32)]) -> Vec<Vec<String>> {
    if columns.is_empty() {
        return Vec::new();
    }
    let overlaps = |w: &Word, c: usize| w.x0 < columns[c].1 && w.x1 > columns[c].0;
    let blocked = |w: &Word, c: usize| {
        header.iter().any(|v| {
            !std::ptr::eq(v, w)
                && (v.page, v.y) <= (w.page, w.y + 0.5 * w.size)
                && v.x0 < columns[c].1
                && v.x1 > columns[c].0
        })
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut last_line = usize::MAX;
    for w in header {
        if w.line != last_line {
            rows.push(vec![String::new(); columns.len()]);
            last_line = w.line;
        }
        let over: Vec<usize> = (0..columns.len()).filter(|&c| overlaps(w, c)).collect();
        let (lo, hi) = match (over.first(), over.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => {
                let c = best_column(columns, w.x0, w.x1);
                (c, c)
            }
        };
        let mut best = (lo, hi, f32::MAX);
        let mut left = lo;
        loop {
            let mut right = hi;
            loop {
                let center = (columns[left].0 + columns[right].1) / 2.0;
                let d = (center - w.center()).abs();
                if d + 0.5 < best.2 {
                    best = (left, right, d);
                }
                if right + 1 >= columns.len() || right >= hi + 3 || blocked(w, right + 1) {
                    break;
                }
                right += 1;
            }
            if left == 0 || left + 3 <= lo || blocked(w, left - 1) {
                break;
            }
            left -= 1;
        }
        let Some(row) = rows.last_mut() else { continue };
        for cell in row.iter_mut().take(best.1 + 1).skip(best.0) {
            append(cell, &w.text);
        }
    }
    rows
}

/// Join cell text: no space between CJK characters, a space otherwise.
pub(super) fn append(cell: &mut String, text: &str) {
    let needs_space = match (cell.chars().last(), text.chars().next()) {
        (Some(a), Some(b)) => a.is_ascii_alphanumeric() || b.is_ascii_alphanumeric(),
        _ => false,
    };
    if needs_space {
        cell.push(' ');
    }
    cell.push_str(text);
}

pub(super) fn median(values: impl Iterator<Item = f32>) -> Option<f32> {
    let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}
