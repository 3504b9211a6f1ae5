//! ToUnicode and CID CMaps: the PDF CMap syntax (codespace ranges,
//! bfchar/bfrange, cidchar/cidrange) parsed into code → Unicode and
//! code → CID tables.

use std::collections::HashMap;

use super::font::glyph_name_to_char;

const UNMAPPED: u32 = u32::MAX;
const MULTI_FLAG: u32 = 0x8000_0000;
/// Codes below this are held in a dense table; larger ones in a map.
pub(super) const DENSE_LIMIT: u32 = 0x1_0000;

/// A code → value table that is dense for the usual 1- and 2-byte codes.
#[derive(Default)]
pub(super) struct CodeTable {
    dense: Vec<u32>,
    sparse: HashMap<u32, u32>,
}

impl CodeTable {
    fn insert(&mut self, code: u32, value: u32) {
        if code < DENSE_LIMIT {
            let idx = code as usize;
            if idx >= self.dense.len() {
                self.dense.resize(idx + 1, UNMAPPED);
            }
            self.dense[idx] = value;
        } else {
            self.sparse.insert(code, value);
        }
    }

    pub(super) fn get(&self, code: u32) -> Option<u32> {
        let value = if code < DENSE_LIMIT {
            *self.dense.get(code as usize)?
        } else {
            *self.sparse.get(&code)?
        };
        (value != UNMAPPED).then_some(value)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.sparse.is_empty() && self.dense.iter().all(|&v| v == UNMAPPED)
    }
}

/// Code → Unicode text, the content of a ToUnicode CMap.
#[derive(Default)]
pub(crate) struct UnicodeMap {
    pub(super) table: CodeTable,
    /// Targets of more than one char (ligatures, decomposed forms).
    multi: Vec<Box<str>>,
}

impl UnicodeMap {
    fn insert_utf16(&mut self, code: u32, utf16_be: &[u8]) {
        let units = utf16_be.chunks(2).map(|c| {
            if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                c[0] as u16
            }
        });
        let text: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        self.insert_str(code, &text);
    }

    fn insert_str(&mut self, code: u32, text: &str) {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (None, _) => {}
            (Some(c), None) => self.table.insert(code, c as u32),
            _ => {
                self.table
                    .insert(code, MULTI_FLAG | self.multi.len() as u32);
                self.multi.push(text.into());
            }
        }
    }

    pub(crate) fn lookup(&self, code: u32) -> Mapped<'_> {
        match self.table.get(code) {
            None => Mapped::None,
            Some(v) if v & MULTI_FLAG != 0 => Mapped::Many(&self.multi[(v & !MULTI_FLAG) as usize]),
            Some(v) => char::from_u32(v).map_or(Mapped::None, Mapped::One),
        }
    }
}

/// What one character code shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mapped<'a> {
    None,
    One(char),
    Many(&'a str),
}

/// What a CMap stream declares.
#[derive(Default)]
pub(crate) struct ParsedCMap {
    pub(crate) codespace: Vec<(u8, u32, u32)>,
    pub(crate) unicode: UnicodeMap,
    pub(super) cids: CodeTable,
}

/// Largest range a single bfrange/cidrange line may expand to.
const MAX_RANGE: u32 = 0x1_0000;

enum CToken<'a> {
    Hex(Vec<u8>),
    Num(u32),
    Name(&'a [u8]),
    Keyword(&'a [u8]),
    ArrOpen,
    ArrClose,
    Other,
}

struct CMapLexer<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> CMapLexer<'a> {
    fn next(&mut self) -> Option<CToken<'a>> {
        let s = self.src;
        loop {
            while self.pos < s.len() && s[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.pos < s.len() && s[self.pos] == b'%' {
                while self.pos < s.len() && s[self.pos] != b'\n' && s[self.pos] != b'\r' {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        let start = self.pos;
        let &c = s.get(start)?;
        self.pos += 1;
        Some(match c {
            b'<' if s.get(self.pos) == Some(&b'<') => {
                self.pos += 1;
                CToken::Other
            }
            b'>' if s.get(self.pos) == Some(&b'>') => {
                self.pos += 1;
                CToken::Other
            }
            b'<' => {
                let mut out = Vec::with_capacity(4);
                let mut high: Option<u8> = None;
                while self.pos < s.len() && s[self.pos] != b'>' {
                    if let Some(v) = (s[self.pos] as char).to_digit(16) {
                        match high.take() {
                            Some(h) => out.push(h << 4 | v as u8),
                            None => high = Some(v as u8),
                        }
                    }
                    self.pos += 1;
                }
                if let Some(h) = high {
                    out.push(h << 4);
                }
                self.pos += 1;
                CToken::Hex(out)
            }
            b'[' => CToken::ArrOpen,
            b']' => CToken::ArrClose,
            b'(' => {
                let mut depth = 1;
                while self.pos < s.len() && depth > 0 {
                    match s[self.pos] {
                        b'\\' => self.pos += 1,
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        _ => {}
                    }
                    self.pos += 1;
                }
                CToken::Other
            }
            b'/' => {
                while self.pos < s.len() && !is_delimiter_or_space(s[self.pos]) {
                    self.pos += 1;
                }
                CToken::Name(&s[start + 1..self.pos])
            }
            _ => {
                while self.pos < s.len() && !is_delimiter_or_space(s[self.pos]) {
                    self.pos += 1;
                }
                let word = &s[start..self.pos];
                if word.iter().all(u8::is_ascii_digit) {
                    CToken::Num(
                        std::str::from_utf8(word)
                            .ok()
                            .and_then(|w| w.parse().ok())
                            .unwrap_or(0),
                    )
                } else {
                    CToken::Keyword(word)
                }
            }
        })
    }
}

fn is_delimiter_or_space(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
        )
}

fn be_code(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| acc << 8 | b as u32)
}

/// Parse a CMap (ToUnicode or encoding): codespace, bf* and cid* entries.
pub(crate) fn parse_cmap(src: &[u8]) -> ParsedCMap {
    let mut cmap = ParsedCMap::default();
    let mut lx = CMapLexer { src, pos: 0 };
    let mut section: &[u8] = b"";
    let mut args: Vec<CToken> = Vec::new();
    while let Some(tok) = lx.next() {
        match tok {
            CToken::Keyword(k) if k.starts_with(b"begin") => {
                section = k;
                args.clear();
            }
            CToken::Keyword(k) if k.starts_with(b"end") => {
                section = b"";
                args.clear();
            }
            CToken::ArrOpen if section == b"beginbfrange" && args.len() == 2 => {
                let (lo, hi) = match (&args[0], &args[1]) {
                    (CToken::Hex(a), CToken::Hex(b)) => (be_code(a), be_code(b)),
                    _ => (1, 0),
                };
                let mut code = lo;
                while let Some(t) = lx.next() {
                    match t {
                        CToken::ArrClose => break,
                        CToken::Hex(dst) => {
                            if code <= hi {
                                cmap.unicode.insert_utf16(code, &dst);
                            }
                            code = code.saturating_add(1);
                        }
                        CToken::Name(n) => {
                            if let Some(c) = glyph_name_to_char(n) {
                                cmap.unicode.insert_str(code, c.encode_utf8(&mut [0; 4]));
                            }
                            code = code.saturating_add(1);
                        }
                        _ => {}
                    }
                }
                args.clear();
            }
            CToken::Keyword(_) | CToken::ArrOpen | CToken::ArrClose | CToken::Other => args.clear(),
            tok => {
                args.push(tok);
                apply_entry(&mut cmap, section, &mut args);
            }
        }
    }
    cmap
}

fn apply_entry(cmap: &mut ParsedCMap, section: &[u8], args: &mut Vec<CToken>) {
    match section {
        b"begincodespacerange" if args.len() == 2 => {
            if let (CToken::Hex(lo), CToken::Hex(hi)) = (&args[0], &args[1]) {
                if !lo.is_empty() && lo.len() <= 4 {
                    cmap.codespace
                        .push((lo.len() as u8, be_code(lo), be_code(hi)));
                }
            }
            args.clear();
        }
        b"beginbfchar" if args.len() == 2 => {
            match (&args[0], &args[1]) {
                (CToken::Hex(src), CToken::Hex(dst)) => {
                    cmap.unicode.insert_utf16(be_code(src), dst)
                }
                (CToken::Hex(src), CToken::Name(n)) => {
                    if let Some(c) = glyph_name_to_char(n) {
                        cmap.unicode
                            .insert_str(be_code(src), c.encode_utf8(&mut [0; 4]));
                    }
                }
                _ => {}
            }
            args.clear();
        }
        b"beginbfrange" if args.len() == 3 => {
            if let (CToken::Hex(lo), CToken::Hex(hi), CToken::Hex(dst)) =
                (&args[0], &args[1], &args[2])
            {
                let (lo, hi) = (be_code(lo), be_code(hi));
                if lo <= hi && hi - lo < MAX_RANGE && !dst.is_empty() {
                    let mut target = dst.clone();
                    for code in lo..=hi {
                        cmap.unicode.insert_utf16(code, &target);
                        increment_last_unit(&mut target);
                    }
                }
            }
            args.clear();
        }
        b"begincidchar" if args.len() == 2 => {
            if let (CToken::Hex(src), CToken::Num(cid)) = (&args[0], &args[1]) {
                cmap.cids.insert(be_code(src), *cid);
            }
            args.clear();
        }
        b"begincidrange" if args.len() == 3 => {
            if let (CToken::Hex(lo), CToken::Hex(hi), CToken::Num(cid)) =
                (&args[0], &args[1], &args[2])
            {
                let (lo, hi) = (be_code(lo), be_code(hi));
                if lo <= hi && hi - lo < MAX_RANGE {
                    for (k, code) in (lo..=hi).enumerate() {
                        cmap.cids.insert(code, cid + k as u32);
                    }
                }
            }
            args.clear();
        }
        _ if args.len() > 3 => args.clear(),
        _ => {}
    }
}

/// bfrange destinations count up in their last UTF-16 code unit.
fn increment_last_unit(target: &mut [u8]) {
    let n = target.len();
    if n >= 2 {
        let v = u16::from_be_bytes([target[n - 2], target[n - 1]]).wrapping_add(1);
        target[n - 2..].copy_from_slice(&v.to_be_bytes());
    } else if n == 1 {
        target[0] = target[0].wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_bfrange_array_and_surrogates() {
        let src = b"1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0001> <4E2D> <0002> <D835DC00> endbfchar
            2 beginbfrange <0010> <0012> <0041> <0020> <0021> [<0066006C> <5E74>] endbfrange";
        let c = parse_cmap(src);
        assert_eq!(c.codespace, vec![(2, 0, 0xFFFF)]);
        assert_eq!(c.unicode.lookup(1), Mapped::One('中'));
        assert_eq!(c.unicode.lookup(2), Mapped::One('\u{1D400}'));
        assert_eq!(c.unicode.lookup(0x11), Mapped::One('B'));
        assert_eq!(c.unicode.lookup(0x12), Mapped::One('C'));
        assert_eq!(c.unicode.lookup(0x20), Mapped::Many("fl"));
        assert_eq!(c.unicode.lookup(0x21), Mapped::One('年'));
        assert_eq!(c.unicode.lookup(0x13), Mapped::None);
    }
}
