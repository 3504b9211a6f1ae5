//! The content-stream interpreter: text and graphics state in, positioned
//! glyphs out. Only what moves or shows text is interpreted; painting is not.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cmap::Mapped;
use super::content::{Lexer, Operand, Token};
use super::font::Font;
use super::objects::{decode_stream, deref, dict_of, name_of, number_of, DecodeError};
use super::PdfGlyph;

/// Form XObjects nest at most this deep (guards self-referencing forms).
const MAX_FORM_DEPTH: usize = 12;
/// Decoded content per page (page streams plus forms), at most.
pub(crate) const MAX_PAGE_CONTENT: usize = 64 << 20;
/// Glyphs kept per page, at most.
const MAX_GLYPHS: usize = 2_000_000;
/// q nesting kept, at most (unbalanced q floods are ignored beyond it).
const MAX_STATE_DEPTH: usize = 256;

/// Row-vector affine matrix [a b c d e f]: (x, y) → (a·x + c·y + e, b·x + d·y + f).
pub(crate) type Matrix = [f32; 6];

pub(crate) const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m × n`: first apply m, then n.
#[inline]
pub(crate) fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

#[derive(Clone, Copy)]
struct GraphicsState {
    /// User space → page space (top-left origin, y down), i.e. CTM × page matrix.
    ctm: Matrix,
    font: Option<usize>,
    font_size: f32,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
    leading: f32,
    rise: f32,
}

/// What one page yielded.
#[derive(Default)]
pub(crate) struct PageOutput {
    pub(crate) glyphs: Vec<PdfGlyph>,
    pub(crate) images: usize,
    /// Content was cut at a size limit.
    pub(crate) truncated: bool,
}

/// Interprets pages of one document; decoded fonts are kept across pages.
pub(crate) struct Interpreter<'d> {
    doc: &'d Document,
    fonts: Vec<Font>,
    /// Font dictionary address → index in `fonts`.
    font_index: HashMap<usize, usize>,
    out: PageOutput,
    content_budget: usize,
}

impl<'d> Interpreter<'d> {
    pub(crate) fn new(doc: &'d Document) -> Self {
        Interpreter {
            doc,
            fonts: Vec::new(),
            font_index: HashMap::new(),
            out: PageOutput::default(),
            content_budget: 0,
        }
    }

    /// Run one page's content streams under `page_matrix`.
    pub(crate) fn run_page(
        &mut self,
        contents: &[&'d Object],
        resources: Option<&'d Dictionary>,
        page_matrix: Matrix,
    ) -> PageOutput {
        self.out = PageOutput::default();
        self.content_budget = MAX_PAGE_CONTENT;
        let mut content = Vec::new();
        for obj in contents {
            if let Object::Stream(stream) = deref(self.doc, obj) {
                match decode_stream(stream, self.content_budget) {
                    Ok(bytes) => {
                        self.content_budget -= bytes.len();
                        content.extend_from_slice(&bytes);
                    }
                    Err(DecodeError::TooLarge(bytes)) => {
                        self.content_budget = 0;
                        self.out.truncated = true;
                        content.extend_from_slice(&bytes);
                    }
                    Err(DecodeError::Unsupported) => {}
                }
                // Streams of one page may split a token; a separator keeps them apart.
                content.push(b'\n');
            }
        }
        let state = GraphicsState {
            ctm: page_matrix,
            font: None,
            font_size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        self.run(&content, resources, state, 0);
        std::mem::take(&mut self.out)
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&'d Dictionary>,
        initial: GraphicsState,
        depth: usize,
    ) {
        let mut lexer = Lexer::new(content);
        let mut operands: Vec<Operand> = Vec::with_capacity(16);
        let mut state = initial;
        let mut saved: Vec<GraphicsState> = Vec::new();
        let mut text_matrix = IDENTITY;
        let mut line_matrix = IDENTITY;
        let font_resources = resources
            .and_then(|r| r.get(b"Font").ok())
            .and_then(|o| dict_of(self.doc, o));

        while let Some(token) = lexer.next_token() {
            let op = match token {
                Token::Operand(o) => {
                    if operands.len() < 4096 {
                        operands.push(o);
                    }
                    continue;
                }
                Token::Operator(op) => op,
            };
            let num = |i: usize| match operands.get(i) {
                Some(Operand::Number(n)) => *n,
                _ => 0.0,
            };
            // Operands of fixed-arity operators are taken from the end of the stack.
            let tail = |n: usize| operands.len().saturating_sub(n);
            match op {
                b"q" if saved.len() < MAX_STATE_DEPTH => saved.push(state),
                b"Q" => {
                    if let Some(s) = saved.pop() {
                        state = s;
                    }
                }
                b"cm" if operands.len() >= 6 => {
                    let t = tail(6);
                    let m = [
                        num(t),
                        num(t + 1),
                        num(t + 2),
                        num(t + 3),
                        num(t + 4),
                        num(t + 5),
                    ];
                    state.ctm = multiply(&m, &state.ctm);
                }
                b"BT" => {
                    text_matrix = IDENTITY;
                    line_matrix = IDENTITY;
                }
                b"Tf" if operands.len() >= 2 => {
                    let t = tail(2);
                    state.font_size = num(t + 1);
                    if let Some(Operand::Name(name)) = operands.get(t) {
                        state.font = font_resources
                            .and_then(|fr| fr.get(name).ok())
                            .and_then(|o| dict_of(self.doc, o))
                            .map(|d| self.font_for(d));
                    }
                }
                b"Tc" if !operands.is_empty() => state.char_spacing = num(tail(1)),
                b"Tw" if !operands.is_empty() => state.word_spacing = num(tail(1)),
                b"Tz" if !operands.is_empty() => state.horizontal_scale = num(tail(1)) / 100.0,
                b"TL" if !operands.is_empty() => state.leading = num(tail(1)),
                b"Ts" if !operands.is_empty() => state.rise = num(tail(1)),
                b"Td" | b"TD" if operands.len() >= 2 => {
                    let t = tail(2);
                    let (tx, ty) = (num(t), num(t + 1));
                    if op == b"TD" {
                        state.leading = -ty;
                    }
                    line_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, tx, ty], &line_matrix);
                    text_matrix = line_matrix;
                }
                b"Tm" if operands.len() >= 6 => {
                    let t = tail(6);
                    line_matrix = [
                        num(t),
                        num(t + 1),
                        num(t + 2),
                        num(t + 3),
                        num(t + 4),
                        num(t + 5),
                    ];
                    text_matrix = line_matrix;
                }
                b"T*" => {
                    line_matrix =
                        multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -state.leading], &line_matrix);
                    text_matrix = line_matrix;
                }
                b"Tj" | b"'" | b"\"" => {
                    if op == b"\"" && operands.len() >= 3 {
                        let t = tail(3);
                        state.word_spacing = num(t);
                        state.char_spacing = num(t + 1);
                    }
                    if op != b"Tj" {
                        line_matrix =
                            multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -state.leading], &line_matrix);
                        text_matrix = line_matrix;
                    }
                    if let Some(&Operand::Str(a, b)) = operands.last() {
                        self.show(lexer.string(a, b), &state, &mut text_matrix);
                    }
                }
                b"TJ" => {
                    let start = operands
                        .iter()
                        .rposition(|o| *o == Operand::ArrayOpen)
                        .map_or(0, |p| p + 1);
                    for item in &operands[start..] {
                        match *item {
                            Operand::Str(a, b) => {
                                self.show(lexer.string(a, b), &state, &mut text_matrix)
                            }
                            Operand::Number(n) => {
                                let tx = -n / 1000.0 * state.font_size * state.horizontal_scale;
                                text_matrix[4] += tx * text_matrix[0];
                                text_matrix[5] += tx * text_matrix[1];
                            }
                            _ => {}
                        }
                    }
                }
                b"Do" => {
                    if let Some(Operand::Name(name)) = operands.last() {
                        self.do_xobject(name, resources, &state, depth);
                    }
                }
                b"ID" => {
                    lexer.skip_inline_image();
                    self.out.images += 1;
                }
                _ => {}
            }
            operands.clear();
            lexer.clear_strings();
        }
    }

    fn font_for(&mut self, dict: &'d Dictionary) -> usize {
        let key = dict as *const Dictionary as usize;
        if let Some(&i) = self.font_index.get(&key) {
            return i;
        }
        let font = Font::load(self.doc, dict);
        self.fonts.push(font);
        let i = self.fonts.len() - 1;
        self.font_index.insert(key, i);
        i
    }

    /// Show a string: one glyph per code, advancing the text matrix.
    fn show(&mut self, bytes: &[u8], state: &GraphicsState, text_matrix: &mut Matrix) {
        let Some(font) = state.font.map(|i| &self.fonts[i]) else {
            return;
        };
        let size = state.font_size;
        let scale = state.horizontal_scale;
        let m = multiply(text_matrix, &state.ctm);
        let device_size = size.abs() * m[2].hypot(m[3]);
        let rise = state.rise;
        let mut advance = 0.0f32;
        let mut rest = bytes;
        let glyphs = &mut self.out.glyphs;
        while !rest.is_empty() {
            let (code, len) = font.next_code(rest);
            rest = &rest[len..];
            let w = font.width(code, len);
            let glyph_advance = w * size * scale;
            let mut step = w * size + state.char_spacing;
            if font.is_word_space(code, len) {
                step += state.word_spacing;
            }
            let step = step * scale;
            if glyphs.len() < MAX_GLYPHS {
                let x0 = advance * m[0] + rise * m[2] + m[4];
                let y0 = advance * m[1] + rise * m[3] + m[5];
                let x1 = (advance + glyph_advance) * m[0] + rise * m[2] + m[4];
                let (x, width) = if x1 >= x0 {
                    (x0, x1 - x0)
                } else {
                    (x1, x0 - x1)
                };
                let mut push = |c: char, x: f32, width: f32| {
                    if !c.is_control() {
                        glyphs.push(PdfGlyph {
                            text: c,
                            x,
                            y: y0,
                            width,
                            size: device_size,
                        });
                    }
                };
                match font.unicode(code, len) {
                    Mapped::None => {}
                    Mapped::One(c) => push(c, x, width),
                    Mapped::Many(text) => {
                        let n = text.chars().count() as f32;
                        for (k, c) in text.chars().enumerate() {
                            push(c, x + width * k as f32 / n, width / n);
                        }
                    }
                }
            }
            advance += step;
        }
        text_matrix[4] += advance * text_matrix[0];
        text_matrix[5] += advance * text_matrix[1];
    }

    fn do_xobject(
        &mut self,
        name: &[u8],
        resources: Option<&'d Dictionary>,
        state: &GraphicsState,
        depth: usize,
    ) {
        let doc = self.doc;
        let Some(Object::Stream(stream)) = resources
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|o| dict_of(doc, o))
            .and_then(|x| x.get(name).ok())
            .map(|o| deref(doc, o))
        else {
            return;
        };
        match stream.dict.get(b"Subtype").ok().and_then(name_of) {
            Some(b"Image") => self.out.images += 1,
            Some(b"Form") if depth < MAX_FORM_DEPTH && self.content_budget > 0 => {
                let content = match decode_stream(stream, self.content_budget) {
                    Ok(bytes) => bytes,
                    Err(DecodeError::TooLarge(bytes)) => {
                        self.out.truncated = true;
                        bytes
                    }
                    Err(DecodeError::Unsupported) => return,
                };
                self.content_budget = self.content_budget.saturating_sub(content.len());
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .map(|o| deref(doc, o))
                    .and_then(|o| o.as_array().ok())
                    .filter(|a| a.len() == 6)
                    .map(|a| {
                        let mut m = IDENTITY;
                        for (slot, o) in m.iter_mut().zip(a) {
                            *slot = number_of(doc, o).unwrap_or(0.0);
                        }
                        m
                    })
                    .unwrap_or(IDENTITY);
                let form_resources = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| dict_of(doc, o))
                    .or(resources);
                let mut inner = *state;
                inner.ctm = multiply(&matrix, &state.ctm);
                self.run(&content, form_resources, inner, depth + 1);
            }
            _ => {}
        }
    }
}
