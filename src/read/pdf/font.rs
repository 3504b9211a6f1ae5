//! Fonts as the text extractor needs them: how to split a string into codes,
//! what Unicode each code stands for, and how far each code advances.
//!
//! Decoded once per font dictionary and shared by every page that uses it.

use lopdf::{Dictionary, Document, Object};

use super::cmap::{parse_cmap, CodeTable, Mapped, ParsedCMap, UnicodeMap, DENSE_LIMIT};
use super::objects::{deref, dict_of, name_of, number_of, stream_bytes};

/// How the bytes of a shown string split into codes.
enum CodeSplit {
    OneByte,
    TwoBytes,
    /// From a CMap's codespace ranges: (byte count, low, high).
    Ranges(Vec<(u8, u32, u32)>),
    /// EUC-style Chinese encodings: a lead byte ≥ 0x81 starts a 2-byte code.
    Euc,
}

/// Where Unicode comes from when the ToUnicode CMap is absent or silent.
enum Fallback {
    None,
    /// Simple fonts: the base encoding with /Differences applied.
    Simple(Box<[char; 256]>),
    /// The code is a UCS-2 / UTF-16 code unit (UniGB-UCS2-H and friends).
    Ucs2,
    /// The code is a GBK byte sequence (GBK-EUC-H and friends).
    Gbk,
    /// The code is a Big5 byte sequence (B5pc-H, ETen-B5-H).
    Big5,
    /// CID → char from the embedded TrueType program's cmap.
    Glyphs(Vec<char>),
}

pub(crate) struct Font {
    split: CodeSplit,
    to_unicode: Option<UnicodeMap>,
    fallback: Fallback,
    /// Code → CID for embedded encoding CMaps; identity when absent.
    cids: Option<CodeTable>,
    /// Advance per CID (Type0) or per code (simple fonts), in glyph units.
    widths: Vec<f32>,
    default_width: f32,
    /// Glyph units → text space (1/1000, or the Type3 FontMatrix).
    width_scale: f32,
}

impl Font {
    /// Split the next code off `bytes`: (code, bytes consumed ≥ 1).
    #[inline]
    pub(crate) fn next_code(&self, bytes: &[u8]) -> (u32, usize) {
        let two = |b: &[u8]| {
            if b.len() >= 2 {
                ((b[0] as u32) << 8 | b[1] as u32, 2)
            } else {
                (b[0] as u32, 1)
            }
        };
        match &self.split {
            CodeSplit::OneByte => (bytes[0] as u32, 1),
            CodeSplit::TwoBytes => two(bytes),
            CodeSplit::Euc => {
                if bytes[0] >= 0x81 {
                    two(bytes)
                } else {
                    (bytes[0] as u32, 1)
                }
            }
            CodeSplit::Ranges(ranges) => {
                for n in 1..=4usize.min(bytes.len()) {
                    let code = bytes[..n].iter().fold(0u32, |acc, &b| acc << 8 | b as u32);
                    if ranges
                        .iter()
                        .any(|&(len, lo, hi)| len as usize == n && lo <= code && code <= hi)
                    {
                        return (code, n);
                    }
                }
                // No range matches: take the shortest declared length.
                let n = ranges
                    .iter()
                    .map(|r| r.0 as usize)
                    .min()
                    .unwrap_or(1)
                    .clamp(1, bytes.len());
                (
                    bytes[..n].iter().fold(0u32, |acc, &b| acc << 8 | b as u32),
                    n,
                )
            }
        }
    }

    /// Unicode for a code; `len` is the code's byte count.
    #[inline]
    pub(crate) fn unicode(&self, code: u32, len: usize) -> Mapped<'_> {
        if let Some(map) = &self.to_unicode {
            let m = map.lookup(code);
            if m != Mapped::None {
                return m;
            }
        }
        match &self.fallback {
            Fallback::None => Mapped::None,
            Fallback::Simple(table) => match table[(code & 0xFF) as usize] {
                '\0' => Mapped::None,
                c => Mapped::One(c),
            },
            Fallback::Ucs2 => char::from_u32(code).map_or(Mapped::None, Mapped::One),
            Fallback::Glyphs(by_cid) => match by_cid.get(code as usize) {
                Some(&c) if c != '\0' => Mapped::One(c),
                _ => Mapped::None,
            },
            Fallback::Gbk | Fallback::Big5 => {
                if len == 1 {
                    return if code < 0x80 {
                        Mapped::One(code as u8 as char)
                    } else {
                        Mapped::None
                    };
                }
                let bytes = [(code >> 8) as u8, code as u8];
                let encoding = if matches!(self.fallback, Fallback::Gbk) {
                    encoding_rs::GBK
                } else {
                    encoding_rs::BIG5
                };
                let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
                match (had_errors, text.chars().next()) {
                    (false, Some(c)) => Mapped::One(c),
                    _ => Mapped::None,
                }
            }
        }
    }

    /// Horizontal advance of a code in text space per unit of font size.
    #[inline]
    pub(crate) fn width(&self, code: u32, len: usize) -> f32 {
        let index = match &self.cids {
            Some(cids) => cids.get(code),
            None => Some(code),
        };
        let raw = match index {
            Some(i) => self
                .widths
                .get(i as usize)
                .copied()
                .unwrap_or(self.default_width),
            None if matches!(self.fallback, Fallback::Gbk | Fallback::Big5) && len == 1 => 500.0,
            None => self.default_width,
        };
        raw * self.width_scale
    }

    /// Word spacing applies to the single-byte code 32 only.
    #[inline]
    pub(crate) fn is_word_space(&self, code: u32, len: usize) -> bool {
        code == 32 && len == 1
    }

    /// Decode a font dictionary. Never fails: what cannot be read falls back.
    pub(crate) fn load(doc: &Document, font: &Dictionary) -> Font {
        let subtype = font.get(b"Subtype").ok().and_then(name_of).unwrap_or(b"");
        let to_unicode = font
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| stream_bytes(doc, o))
            .map(|bytes| parse_cmap(&bytes))
            .filter(|c| !c.unicode.table.is_empty());
        if subtype == b"Type0" {
            Self::load_type0(doc, font, to_unicode)
        } else {
            Self::load_simple(doc, font, subtype, to_unicode)
        }
    }

    fn load_type0(doc: &Document, font: &Dictionary, to_unicode: Option<ParsedCMap>) -> Font {
        let descendant = font
            .get(b"DescendantFonts")
            .ok()
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| dict_of(doc, o));
        let encoding = font.get(b"Encoding").ok().map(|o| deref(doc, o));
        let mut split = CodeSplit::TwoBytes;
        let mut fallback = Fallback::None;
        let mut cids = None;
        match encoding {
            Some(Object::Name(name)) => {
                let name = name.as_slice();
                if name.starts_with(b"Identity") {
                } else if contains(name, b"UCS2") || contains(name, b"UTF16") {
                    fallback = Fallback::Ucs2;
                } else if name.starts_with(b"GB") {
                    split = CodeSplit::Euc;
                    fallback = Fallback::Gbk;
                } else if name.starts_with(b"B5")
                    || name.starts_with(b"ETen")
                    || name.starts_with(b"HKscs")
                {
                    split = CodeSplit::Euc;
                    fallback = Fallback::Big5;
                }
            }
            Some(obj @ Object::Stream(_)) => {
                if let Some(bytes) = stream_bytes(doc, obj) {
                    let cmap = parse_cmap(&bytes);
                    if !cmap.codespace.is_empty() {
                        split = CodeSplit::Ranges(cmap.codespace);
                    }
                    if !cmap.cids.is_empty() {
                        cids = Some(cmap.cids);
                    }
                }
            }
            _ => {}
        }
        let mut widths = Vec::new();
        let mut default_width = 1000.0;
        if let Some(desc) = descendant {
            if let Some(dw) = desc.get(b"DW").ok().and_then(|o| number_of(doc, o)) {
                default_width = dw;
            }
            if let Some(w) = desc
                .get(b"W")
                .ok()
                .map(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
            {
                widths = parse_cid_widths(doc, w, default_width);
            }
        }
        let identity = matches!(split, CodeSplit::TwoBytes)
            && matches!(fallback, Fallback::None)
            && cids.is_none();
        if identity && to_unicode.is_none() {
            if let Some(by_cid) = descendant.and_then(|d| glyph_chars(doc, d)) {
                fallback = Fallback::Glyphs(by_cid);
            }
        }
        Font {
            split,
            to_unicode: to_unicode.map(|c| c.unicode),
            fallback,
            cids,
            widths,
            default_width,
            width_scale: 0.001,
        }
    }

    fn load_simple(
        doc: &Document,
        font: &Dictionary,
        subtype: &[u8],
        to_unicode: Option<ParsedCMap>,
    ) -> Font {
        let first_char = font
            .get(b"FirstChar")
            .ok()
            .and_then(|o| number_of(doc, o))
            .unwrap_or(0.0) as usize;
        let mut widths = vec![0.0f32; 256];
        let mut has_widths = false;
        if let Some(w) = font
            .get(b"Widths")
            .ok()
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
        {
            for (i, o) in w.iter().enumerate() {
                if let (Some(slot), Some(v)) = (widths.get_mut(first_char + i), number_of(doc, o)) {
                    *slot = v;
                    has_widths = true;
                }
            }
        }
        let width_scale = if subtype == b"Type3" {
            font.get(b"FontMatrix")
                .ok()
                .map(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|o| number_of(doc, o))
                .map(|a| a.abs())
                .filter(|a| *a > 0.0)
                .unwrap_or(0.001)
        } else {
            0.001
        };
        if !has_widths {
            // The standard 14 fonts carry no widths; half an em is a fair average.
            widths.iter_mut().for_each(|w| *w = 500.0);
            widths[32] = 250.0;
        }
        let table = simple_encoding(doc, font);
        Font {
            split: CodeSplit::OneByte,
            to_unicode: to_unicode.map(|c| c.unicode),
            fallback: Fallback::Simple(table),
            cids: None,
            widths,
            default_width: if has_widths { 0.0 } else { 500.0 },
            width_scale,
        }
    }
}

/// CID → char for a TrueType-based CID font, from its embedded program's
/// cmap and its /CIDToGIDMap.
fn glyph_chars(doc: &Document, descendant: &Dictionary) -> Option<Vec<char>> {
    let descriptor = dict_of(doc, descendant.get(b"FontDescriptor").ok()?)?;
    let program = stream_bytes(doc, descriptor.get(b"FontFile2").ok()?)?;
    let by_glyph = super::truetype::chars_by_glyph(&program);
    if by_glyph.is_empty() {
        return None;
    }
    match descendant.get(b"CIDToGIDMap").ok().map(|o| deref(doc, o)) {
        Some(map @ Object::Stream(_)) => {
            let map = stream_bytes(doc, map)?;
            let by_cid = map
                .chunks_exact(2)
                .map(|g| {
                    by_glyph
                        .get(u16::from_be_bytes([g[0], g[1]]) as usize)
                        .copied()
                        .unwrap_or('\0')
                })
                .collect();
            Some(by_cid)
        }
        _ => Some(by_glyph),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn parse_cid_widths(doc: &Document, w: &[Object], default_width: f32) -> Vec<f32> {
    let mut widths: Vec<f32> = Vec::new();
    let set = |cid: usize, width: f32, widths: &mut Vec<f32>| {
        if cid >= DENSE_LIMIT as usize {
            return;
        }
        if cid >= widths.len() {
            widths.resize(cid + 1, default_width);
        }
        widths[cid] = width;
    };
    let mut i = 0;
    while i < w.len() {
        let Some(first) = number_of(doc, &w[i]) else {
            break;
        };
        let first = first.max(0.0) as usize;
        match w.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(list)) => {
                for (k, o) in list.iter().enumerate() {
                    if let Some(v) = number_of(doc, o) {
                        set(first + k, v, &mut widths);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(v)) = (
                    number_of(doc, o),
                    w.get(i + 2).and_then(|o| number_of(doc, o)),
                ) else {
                    break;
                };
                let last = (last.max(0.0) as usize).min(DENSE_LIMIT as usize - 1);
                for cid in first..=last {
                    set(cid, v, &mut widths);
                }
                i += 3;
            }
            None => break,
        }
    }
    widths
}

/// The 256-entry code → char table of a simple font.
fn simple_encoding(doc: &Document, font: &Dictionary) -> Box<[char; 256]> {
    let base_font = font.get(b"BaseFont").ok().and_then(name_of).unwrap_or(b"");
    let symbolic_name = contains(base_font, b"Symbol") || contains(base_font, b"Dingbats");
    let encoding = font.get(b"Encoding").ok().map(|o| deref(doc, o));
    let (base_name, differences) = match encoding {
        Some(Object::Name(n)) => (Some(n.as_slice()), None),
        Some(Object::Dictionary(d)) => (
            d.get(b"BaseEncoding").ok().and_then(name_of),
            d.get(b"Differences")
                .ok()
                .map(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok()),
        ),
        _ => (None, None),
    };
    let mut table = Box::new(['\0'; 256]);
    match base_name {
        Some(b"MacRomanEncoding") => fill_from(&mut table, encoding_rs::MACINTOSH),
        Some(b"StandardEncoding") => fill_standard(&mut table),
        _ if symbolic_name && differences.is_none() => {}
        _ => fill_from(&mut table, encoding_rs::WINDOWS_1252),
    }
    if let Some(diffs) = differences {
        let mut code = 0usize;
        for item in diffs {
            match deref(doc, item) {
                Object::Integer(n) => code = (*n).clamp(0, 255) as usize,
                Object::Real(n) => code = (*n as i64).clamp(0, 255) as usize,
                Object::Name(name) => {
                    if code < 256 {
                        table[code] = glyph_name_to_char(name).unwrap_or('\0');
                    }
                    code += 1;
                }
                _ => {}
            }
        }
    }
    table
}

fn fill_from(table: &mut [char; 256], encoding: &'static encoding_rs::Encoding) {
    for (code, slot) in table.iter_mut().enumerate().skip(32) {
        let byte = [code as u8];
        let (text, had_errors) = encoding.decode_without_bom_handling(&byte);
        if !had_errors {
            *slot = text.chars().next().unwrap_or('\0');
        }
    }
    table[127] = '\0';
}

fn fill_standard(table: &mut [char; 256]) {
    for (code, slot) in table.iter_mut().enumerate().take(127).skip(32) {
        *slot = code as u8 as char;
    }
    table[0x27] = '\u{2019}';
    table[0x60] = '\u{2018}';
    for (code, c) in [
        (0xA1, '¡'),
        (0xA2, '¢'),
        (0xA3, '£'),
        (0xA5, '¥'),
        (0xA7, '§'),
        (0xAA, '“'),
        (0xAE, 'ﬁ'),
        (0xAF, 'ﬂ'),
        (0xB1, '–'),
        (0xB7, '•'),
        (0xBA, '”'),
        (0xBC, '…'),
        (0xD0, '—'),
    ] {
        table[code] = c;
    }
}

/// Adobe glyph names → char, for the names that occur in practice.
pub(crate) fn glyph_name_to_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().unwrap_or(name);
    if name.len() == 1 {
        return name.chars().next().filter(|c| c.is_ascii_alphabetic());
    }
    if let Some(hex) = name.strip_prefix("uni") {
        if hex.len() >= 4 {
            return u32::from_str_radix(&hex[..4], 16)
                .ok()
                .and_then(char::from_u32);
        }
    }
    if let Some(hex) = name.strip_prefix('u') {
        if (4..=6).contains(&hex.len()) {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                return char::from_u32(v);
            }
        }
    }
    let c = match name {
        "space" | "nbspace" => ' ',
        "exclam" => '!',
        "quotedbl" => '"',
        "numbersign" => '#',
        "dollar" => '$',
        "percent" => '%',
        "ampersand" => '&',
        "quotesingle" => '\'',
        "parenleft" => '(',
        "parenright" => ')',
        "asterisk" => '*',
        "plus" => '+',
        "comma" => ',',
        "hyphen" | "minus" => '-',
        "period" => '.',
        "slash" => '/',
        "zero" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        "colon" => ':',
        "semicolon" => ';',
        "less" => '<',
        "equal" => '=',
        "greater" => '>',
        "question" => '?',
        "at" => '@',
        "bracketleft" => '[',
        "backslash" => '\\',
        "bracketright" => ']',
        "asciicircum" => '^',
        "underscore" => '_',
        "grave" => '`',
        "braceleft" => '{',
        "bar" => '|',
        "braceright" => '}',
        "asciitilde" => '~',
        "bullet" => '•',
        "endash" => '–',
        "emdash" => '—',
        "quoteleft" => '‘',
        "quoteright" => '’',
        "quotedblleft" => '“',
        "quotedblright" => '”',
        "quotesinglbase" => '‚',
        "quotedblbase" => '„',
        "ellipsis" => '…',
        "fi" => 'ﬁ',
        "fl" => 'ﬂ',
        "degree" => '°',
        "periodcentered" | "middot" => '·',
        "multiply" => '×',
        "divide" => '÷',
        "plusminus" => '±',
        "yen" => '¥',
        "sterling" => '£',
        "cent" => '¢',
        "euro" | "Euro" => '€',
        "section" => '§',
        "paragraph" => '¶',
        "copyright" => '©',
        "registered" => '®',
        "trademark" => '™',
        "percent1000" | "perthousand" => '‰',
        "dagger" => '†',
        "daggerdbl" => '‡',
        "guillemotleft" => '«',
        "guillemotright" => '»',
        _ => return None,
    };
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name_to_char(b"uni4E2D"), Some('中'));
        assert_eq!(glyph_name_to_char(b"comma"), Some(','));
        assert_eq!(glyph_name_to_char(b"A"), Some('A'));
        assert_eq!(glyph_name_to_char(b"g123"), None);
    }
}
