//! Unicode from an embedded TrueType program's `cmap`, for CID fonts that
//! come without a ToUnicode CMap: the cmap maps chars to glyphs, inverted
//! here to glyph → char.

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Glyph id → char, `'\0'` where no char maps to the glyph. Empty when the
/// program has no usable Unicode cmap subtable.
pub(crate) fn chars_by_glyph(program: &[u8]) -> Vec<char> {
    let mut by_glyph = Vec::new();
    let _ = fill(program, &mut by_glyph);
    by_glyph
}

fn fill(program: &[u8], by_glyph: &mut Vec<char>) -> Option<()> {
    let tables = u16_at(program, 4)? as usize;
    let cmap = (0..tables).find_map(|i| {
        let record = 12 + 16 * i;
        (program.get(record..record + 4)? == b"cmap").then(|| u32_at(program, record + 8))?
    })? as usize;
    let subtables = u16_at(program, cmap + 2)? as usize;
    // Prefer the full-repertoire subtable (3,10), then BMP Unicode (3,1 / 0,x).
    let mut best: Option<(u8, usize)> = None;
    for i in 0..subtables {
        let record = cmap + 4 + 8 * i;
        let (platform, encoding) = (u16_at(program, record)?, u16_at(program, record + 2)?);
        let rank = match (platform, encoding) {
            (3, 10) => 3,
            (3, 1) | (0, _) => 2,
            _ => continue,
        };
        let offset = cmap + u32_at(program, record + 4)? as usize;
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, offset));
        }
    }
    let (_, table) = best?;
    let mut map = |c: u32, glyph: u32| {
        let (Some(ch), true) = (char::from_u32(c), glyph > 0 && glyph < 0x1_0000) else {
            return;
        };
        let g = glyph as usize;
        if g >= by_glyph.len() {
            by_glyph.resize(g + 1, '\0');
        }
        if by_glyph[g] == '\0' {
            by_glyph[g] = ch;
        }
    };
    match u16_at(program, table)? {
        4 => {
            let segments = u16_at(program, table + 6)? as usize / 2;
            let ends = table + 14;
            let starts = ends + 2 * segments + 2;
            let deltas = starts + 2 * segments;
            let range_offsets = deltas + 2 * segments;
            for s in 0..segments {
                let (end, start) = (
                    u16_at(program, ends + 2 * s)?,
                    u16_at(program, starts + 2 * s)?,
                );
                let delta = u16_at(program, deltas + 2 * s)?;
                let range_offset = u16_at(program, range_offsets + 2 * s)? as usize;
                for c in start..=end.min(0xFFFE) {
                    let glyph = if range_offset == 0 {
                        c.wrapping_add(delta)
                    } else {
                        let at = range_offsets + 2 * s + range_offset + 2 * (c - start) as usize;
                        match u16_at(program, at) {
                            Some(0) | None => continue,
                            Some(g) => g.wrapping_add(delta),
                        }
                    };
                    map(c as u32, glyph as u32);
                }
            }
        }
        12 => {
            let groups = u32_at(program, table + 12)? as usize;
            for k in 0..groups.min(1 << 16) {
                let group = table + 16 + 12 * k;
                let (first, last, glyph) = (
                    u32_at(program, group)?,
                    u32_at(program, group + 4)?,
                    u32_at(program, group + 8)?,
                );
                for (n, c) in (first..=last.min(first.saturating_add(0xFFFF))).enumerate() {
                    map(c, glyph + n as u32);
                }
            }
        }
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TrueType program holding only a format-4 cmap: each (char, glyph)
    /// pair as its own segment.
    pub(crate) fn program_with_cmap(pairs: &[(u16, u16)]) -> Vec<u8> {
        let mut sub = Vec::new();
        let segments = pairs.len() + 1;
        let push = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_be_bytes());
        push(&mut sub, 4);
        push(&mut sub, 0); // length, unchecked
        push(&mut sub, 0);
        push(&mut sub, (2 * segments) as u16);
        sub.extend_from_slice(&[0; 6]);
        for &(c, _) in pairs {
            push(&mut sub, c);
        }
        push(&mut sub, 0xFFFF);
        push(&mut sub, 0);
        for &(c, _) in pairs {
            push(&mut sub, c);
        }
        push(&mut sub, 0xFFFF);
        for &(c, g) in pairs {
            push(&mut sub, g.wrapping_sub(c));
        }
        push(&mut sub, 1);
        sub.extend(std::iter::repeat_n(0, 2 * segments));
        let mut font = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        font.extend_from_slice(b"cmap");
        font.extend_from_slice(&[0; 4]);
        font.extend_from_slice(&28u32.to_be_bytes());
        font.extend_from_slice(&0u32.to_be_bytes());
        // cmap header: version 0, one subtable (3,1) at offset 12.
        font.extend_from_slice(&[0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12]);
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
}
