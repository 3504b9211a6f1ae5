//! Unicode from an embedded TrueType program's `cmap`, for CID fonts that
//! come without a ToUnicode CMap: the cmap (read by `ttf-parser`) maps chars
//! to glyphs, inverted here to glyph → char.

use ttf_parser::cmap::{Format, Subtable, Table};
use ttf_parser::{PlatformId, RawFace, Tag};

/// The chars looked up in a subtable that cannot list its own: the Basic
/// Multilingual Plane and the CJK extensions of plane 2 and 3 (B to H).
/// A bound, too: a format-12 group may claim four billion chars.
const LOOKED_UP: [std::ops::Range<u32>; 2] = [0..0x1_0000, 0x2_0000..0x3_2400];

/// Glyph id → char, `'\0'` where no char maps to the glyph. Empty when the
/// program has no usable Unicode cmap subtable.
pub(crate) fn chars_by_glyph(program: &[u8]) -> Vec<char> {
    let mut by_glyph = Vec::new();
    if let Some(subtable) = unicode_subtable(program) {
        let mut map = |c: u32| {
            let (Some(ch), Some(glyph)) = (char::from_u32(c), subtable.glyph_index(c)) else {
                return;
            };
            let g = glyph.0 as usize;
            if g == 0 {
                return;
            }
            if g >= by_glyph.len() {
                by_glyph.resize(g + 1, '\0');
            }
            if by_glyph[g] == '\0' {
                by_glyph[g] = ch;
            }
        };
        match subtable.format {
            // Its segments are u16 ranges: listing them is bounded.
            Format::SegmentMappingToDeltaValues(_) => subtable.codepoints(&mut map),
            _ => LOOKED_UP.into_iter().flatten().for_each(map),
        }
    }
    by_glyph
}

/// The cmap subtable to read: the full-repertoire one (3,10), else a BMP
/// Unicode one (3,1 or 0,x).
fn unicode_subtable(program: &[u8]) -> Option<Subtable<'_>> {
    let face = RawFace::parse(program, 0).ok()?;
    let cmap = Table::parse(face.table(Tag::from_bytes(b"cmap"))?)?;
    let rank = |s: &Subtable| match (s.platform_id, s.encoding_id) {
        (PlatformId::Windows, 10) => 3,
        (PlatformId::Windows, 1) | (PlatformId::Unicode, _) => 2,
        _ => 0,
    };
    // The first of the best rank, as a reader scanning the records would pick.
    let mut best: Option<(u8, Subtable)> = None;
    for subtable in cmap.subtables {
        let r = rank(&subtable);
        if r > 0 && best.as_ref().is_none_or(|(b, _)| r > *b) {
            best = Some((r, subtable));
        }
    }
    best.map(|(_, s)| s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TrueType program holding only a format-4 cmap: each (char, glyph)
    /// pair as its own segment.
    pub(crate) fn program_with_cmap(pairs: &[(u16, u16)]) -> Vec<u8> {
        // Segments are sorted by char, as the format requires.
        let mut pairs = pairs.to_vec();
        pairs.sort_unstable();
        let mut sub = Vec::new();
        let segments = pairs.len() + 1;
        let push = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_be_bytes());
        push(&mut sub, 4);
        push(&mut sub, (16 + 8 * segments) as u16); // length
        push(&mut sub, 0);
        push(&mut sub, (2 * segments) as u16);
        sub.extend_from_slice(&[0; 6]);
        for &(c, _) in &pairs {
            push(&mut sub, c);
        }
        push(&mut sub, 0xFFFF);
        push(&mut sub, 0);
        for &(c, _) in &pairs {
            push(&mut sub, c);
        }
        push(&mut sub, 0xFFFF);
        for &(c, g) in &pairs {
            push(&mut sub, g.wrapping_sub(c));
        }
        push(&mut sub, 1);
        sub.extend(std::iter::repeat_n(0, 2 * segments));
        program_with_subtable(1, sub)
    }

    /// A TrueType program whose only table is a cmap holding one Windows
    /// subtable (3, `encoding`).
    fn program_with_subtable(encoding: u8, sub: Vec<u8>) -> Vec<u8> {
        let mut font = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        font.extend_from_slice(b"cmap");
        font.extend_from_slice(&[0; 4]);
        font.extend_from_slice(&28u32.to_be_bytes());
        font.extend_from_slice(&(12 + sub.len() as u32).to_be_bytes());
        // cmap header: version 0, one subtable (3, encoding) at offset 12.
        font.extend_from_slice(&[0, 0, 0, 1, 0, 3, 0, encoding, 0, 0, 0, 12]);
        font.extend_from_slice(&sub);
        font
    }

    #[test]
    fn inverts_a_format4_cmap() {
        let program = program_with_cmap(&[(0x4E2D, 7), (0x0041, 3)]);
        let by_glyph = chars_by_glyph(&program);
        assert_eq!(by_glyph.get(7), Some(&'中'));
        assert_eq!(by_glyph.get(3), Some(&'A'));
        assert_eq!(by_glyph.get(4), Some(&'\0'));
    }

    #[test]
    fn a_format12_group_of_four_billion_chars_is_bounded() {
        let mut sub = Vec::new();
        for v in [12u16, 0] {
            sub.extend_from_slice(&v.to_be_bytes());
        }
        // length, language, one group: U+4E00.. the last code, from glyph 1.
        for v in [28u32, 0, 1, 0x4E00, u32::MAX, 1] {
            sub.extend_from_slice(&v.to_be_bytes());
        }
        let started = std::time::Instant::now();
        let by_glyph = chars_by_glyph(&program_with_subtable(10, sub));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(by_glyph.get(1), Some(&'一'));
        assert_eq!(by_glyph.get(2), Some(&'丁'));
        // Glyph ids are 16-bit: U+FFFF is the last char that maps.
        assert_eq!(by_glyph.len(), 1 + 0xFFFF - 0x4E00 + 1);
    }
}
