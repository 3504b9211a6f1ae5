//! Positioned glyphs → text lines in reading order.

use super::PdfGlyph;

/// A gap wider than this many font sizes between glyphs becomes a space.
const SPACE_GAP: f32 = 0.3;
/// Baselines closer than this many font sizes share a line. Generous enough
/// for superscripts and for table cells aligned to the top of their row
/// while the row's label sits lower (0.58 em in the Putuo finance 附表).
const SAME_LINE: f32 = 0.65;
/// A line whose baselines spread over more than this many font sizes has
/// swallowed stacked text (a cell wrapped over two lines, centred on its
/// row): it is split again with [`SAME_LINE_STRICT`].
const STACKED: f32 = 0.9;
const SAME_LINE_STRICT: f32 = 0.5;
/// The same char drawn again within this many font sizes is a fake-bold overdraw.
const OVERDRAW: f32 = 0.15;

/// One text line: indices into the page's glyphs, left to right.
pub(crate) struct Line {
    pub(crate) glyphs: Vec<u32>,
}

/// Group glyphs into lines by baseline, top to bottom, each left to right.
pub(crate) fn lines(glyphs: &[PdfGlyph]) -> Vec<Line> {
    let mut order: Vec<u32> = (0..glyphs.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| glyphs[a as usize].y.total_cmp(&glyphs[b as usize].y));
    let mut lines = Vec::new();
    for line in cluster(glyphs, &order, SAME_LINE) {
        if spread(glyphs, &line.glyphs) > STACKED {
            lines.extend(cluster(glyphs, &line.glyphs, SAME_LINE_STRICT));
        } else {
            lines.push(line);
        }
    }
    for line in &mut lines {
        line.glyphs
            .sort_by(|&a, &b| glyphs[a as usize].x.total_cmp(&glyphs[b as usize].x));
    }
    lines
}

/// Greedy grouping of glyphs sorted by baseline: a glyph joins the current
/// line while its baseline is within `tolerance` font sizes of the line's
/// reference baseline (that of its largest glyph).
fn cluster(glyphs: &[PdfGlyph], by_baseline: &[u32], tolerance: f32) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut reference: Option<(f32, f32)> = None; // baseline, size
    for &i in by_baseline {
        let g = &glyphs[i as usize];
        let size = g.size.max(1.0);
        let blank = g.text.is_whitespace();
        match reference {
            Some((y, ref_size)) if g.y - y <= tolerance * size.max(ref_size) => {
                if let Some(line) = lines.last_mut() {
                    line.glyphs.push(i);
                }
                if !blank && size > ref_size {
                    reference = Some((g.y, size));
                }
            }
            _ => {
                lines.push(Line { glyphs: vec![i] });
                reference = Some((g.y, if blank { 1.0 } else { size }));
            }
        }
    }
    lines
}

/// Vertical spread of a line's baselines, in font sizes.
fn spread(glyphs: &[PdfGlyph], line: &[u32]) -> f32 {
    let (mut top, mut bottom, mut size) = (f32::MAX, f32::MIN, 1.0f32);
    for g in line
        .iter()
        .map(|&i| &glyphs[i as usize])
        .filter(|g| !g.text.is_whitespace())
    {
        top = top.min(g.y);
        bottom = bottom.max(g.y);
        size = size.max(g.size);
    }
    if top > bottom {
        0.0
    } else {
        (bottom - top) / size
    }
}

/// Append a line's text: glyphs left to right, one space for each wide gap.
pub(crate) fn line_text(glyphs: &[PdfGlyph], line: &Line, out: &mut String) {
    let mut previous: Option<&PdfGlyph> = None;
    let mut right_edge = f32::MIN;
    let mut pending_space = false;
    for &i in &line.glyphs {
        let g = &glyphs[i as usize];
        if g.text.is_whitespace() {
            pending_space = previous.is_some();
            continue;
        }
        if let Some(p) = previous {
            if p.text == g.text && (g.x - p.x).abs() < OVERDRAW * g.size.max(p.size) {
                continue;
            }
            let gap = g.x - right_edge;
            if pending_space || gap > SPACE_GAP * g.size.max(p.size) {
                out.push(' ');
            }
        }
        out.push(g.text);
        right_edge = if previous.is_some() {
            right_edge.max(g.x + g.width)
        } else {
            g.x + g.width
        };
        previous = Some(g);
        pending_space = false;
    }
}

/// The page's text: lines top to bottom joined by `\n`.
pub(crate) fn page_text(glyphs: &[PdfGlyph]) -> String {
    let mut out = String::with_capacity(glyphs.len() * 3 + 64);
    for line in lines(glyphs) {
        let start = out.len();
        line_text(glyphs, &line, &mut out);
        if out.len() > start {
            out.push('\n');
        }
    }
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(text: char, x: f32, y: f32, size: f32) -> PdfGlyph {
        PdfGlyph {
            text,
            x,
            y,
            width: size * 0.5,
            size,
        }
    }

    #[test]
    fn orders_lines_and_cells() {
        let glyphs = vec![
            glyph('2', 110.0, 100.0, 10.0),
            glyph('b', 10.0, 120.0, 10.0),
            glyph('a', 10.0, 100.5, 10.0),
            glyph('1', 105.0, 100.2, 10.0),
            glyph('x', 15.0, 97.0, 6.0), // superscript
            glyph('c', 15.0, 120.0, 10.0),
        ];
        assert_eq!(page_text(&glyphs), "ax 12\nbc");
    }

    #[test]
    fn keeps_a_wrapped_cell_off_its_row() {
        // "一般公共服务 / 支出" wrapped in its cell, centred on the row "201 … 264.87".
        let glyphs = vec![
            glyph('一', 30.0, 186.8, 10.45),
            glyph('般', 35.2, 186.8, 10.45),
            glyph('2', 5.0, 193.5, 10.45),
            glyph('9', 100.0, 193.7, 11.05),
            glyph('支', 20.0, 200.3, 10.45),
            glyph('出', 25.2, 200.3, 10.45),
        ];
        assert_eq!(page_text(&glyphs), "一般\n2 9\n支出");
    }

    #[test]
    fn joins_top_aligned_cells_to_their_row() {
        let glyphs = vec![
            glyph('a', 10.0, 229.5, 12.0),
            glyph('7', 100.0, 222.6, 12.0),
            glyph('8', 50.0, 229.5, 12.0),
        ];
        assert_eq!(page_text(&glyphs), "a 8 7");
    }

    #[test]
    fn drops_fake_bold_overdraw() {
        let glyphs = vec![
            glyph('A', 10.0, 10.0, 10.0),
            glyph('A', 10.5, 10.0, 10.0),
            glyph('B', 15.0, 10.0, 10.0),
        ];
        assert_eq!(page_text(&glyphs), "AB");
    }
}
