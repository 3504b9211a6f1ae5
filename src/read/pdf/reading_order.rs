//! Positioned glyphs → text lines in reading order.

use super::PdfGlyph;

/// A gap wider than this many font sizes between glyphs becomes a space.
const SPACE_GAP: f32 = 0.3;
/// Glyphs whose baselines step by less than this many font sizes are on
/// one physical line (rounding jitter, cells a fraction of a point apart).
const TIGHT: f32 = 0.25;
/// Physical lines whose baselines are closer than this many font sizes
/// share a text line. Generous enough for superscripts and for table cells
/// aligned to the top of their row while the row's label sits lower
/// (0.58 em in the Putuo finance 附表).
const SAME_LINE: f32 = 0.65;
/// A text line may not spread over more than this many font sizes: more
/// means it swallowed stacked text (a cell wrapped over two lines next to
/// a row's figures), and the line is cut before the physical line that
/// would overreach, so the wrapped tail gets its own line.
const STACKED: f32 = 0.9;
/// The same char drawn again within this many font sizes is a fake-bold overdraw.
const OVERDRAW: f32 = 0.15;

/// One text line: indices into the page's glyphs, left to right.
pub(crate) struct Line {
    pub(crate) glyphs: Vec<u32>,
}

/// Glyphs on one baseline (within [`TIGHT`]); `baseline` and `size` are
/// those of its largest glyph.
struct Physical {
    glyphs: Vec<u32>,
    baseline: f32,
    size: f32,
}

/// Group glyphs into lines by baseline, top to bottom, each left to right.
pub(crate) fn lines(glyphs: &[PdfGlyph]) -> Vec<Line> {
    let physical = physical_lines(glyphs);
    let mut lines = Vec::new();
    for group in merge(&physical, SAME_LINE) {
        let members = &physical[group];
        let mut start = 0;
        for k in 1..=members.len() {
            if k == members.len() || spread(&members[start..=k]) > STACKED {
                lines.push(join(&members[start..k]));
                start = k;
            }
        }
    }
    for line in &mut lines {
        line.glyphs
            .sort_by(|&a, &b| glyphs[a as usize].x.total_cmp(&glyphs[b as usize].x));
    }
    lines
}

fn physical_lines(glyphs: &[PdfGlyph]) -> Vec<Physical> {
    let mut order: Vec<u32> = (0..glyphs.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| glyphs[a as usize].y.total_cmp(&glyphs[b as usize].y));
    let mut lines: Vec<Physical> = Vec::new();
    let mut previous_y: Option<f32> = None;
    for i in order {
        let g = &glyphs[i as usize];
        let size = g.size.max(1.0);
        let blank = g.text.is_whitespace();
        let line = match (previous_y, lines.last_mut()) {
            (Some(y), Some(line)) if g.y - y <= TIGHT * size.max(line.size) => line,
            _ => {
                lines.push(Physical {
                    glyphs: Vec::new(),
                    baseline: g.y,
                    size: 0.0,
                });
                lines.last_mut().expect("just pushed")
            }
        };
        line.glyphs.push(i);
        if !blank {
            previous_y = Some(g.y);
            if size > line.size {
                line.size = size;
                line.baseline = g.y;
            }
        } else if previous_y.is_none() {
            previous_y = Some(g.y);
        }
    }
    lines
}

/// Consecutive runs of physical lines whose baselines step by at most
/// `tolerance` font sizes.
fn merge(lines: &[Physical], tolerance: f32) -> Vec<std::ops::Range<usize>> {
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        match groups.last_mut() {
            Some(group)
                if {
                    let previous = &lines[group.end - 1];
                    line.baseline - previous.baseline
                        <= tolerance * line.size.max(previous.size).max(1.0)
                } =>
            {
                group.end = k + 1
            }
            _ => groups.push(k..k + 1),
        }
    }
    groups
}

fn join(lines: &[Physical]) -> Line {
    Line {
        glyphs: lines
            .iter()
            .flat_map(|l| l.glyphs.iter().copied())
            .collect(),
    }
}

/// Vertical spread of physical lines' baselines, in font sizes.
fn spread(lines: &[Physical]) -> f32 {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return 0.0;
    };
    let size = lines.iter().map(|l| l.size).fold(1.0f32, f32::max);
    (last.baseline - first.baseline) / size
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
    fn wrapped_cell_tail_gets_its_own_line() {
        // "一般公共服务 / 支出" wrapped in its cell, centred on the row "201 … 264.87".
        let glyphs = vec![
            glyph('一', 30.0, 186.8, 10.45),
            glyph('般', 35.2, 186.8, 10.45),
            glyph('2', 5.0, 193.5, 10.45),
            glyph('9', 100.0, 193.7, 11.05),
            glyph('支', 20.0, 200.3, 10.45),
            glyph('出', 25.2, 200.3, 10.45),
        ];
        assert_eq!(page_text(&glyphs), "2 一般 9\n支出");
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
