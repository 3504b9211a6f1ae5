//! Legacy Word 97–2003 `.doc`: the main text from the piece table.
//!
//! A `.doc` is an OLE compound file (a FAT file system inside a file, read
//! with the `cfb` crate). The `WordDocument` stream starts with the FIB,
//! which points into the table stream (`0Table`/`1Table`) at the piece table
//! (CLX): the document text is a list of pieces, each either UTF-16LE or one
//! byte per character (cp1252). Table rows are told apart from empty cells by the row-end
//! property (`sprmPFTtp`) of the paragraph that ends them.

use super::super::ole::{open, stream, u16_at, u32_at};
use super::super::{RawDocument, ReadError};

/// Read the main document text of a Word 97–2003 file.
pub fn read(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    let mut ole = open(bytes)?;
    let word = stream(&mut ole, "WordDocument").ok_or_else(|| {
        ReadError::UnknownFormat("OLE compound file without a WordDocument stream".into())
    })??;
    let fib = Fib::parse(&word)?;
    let table_name = if fib.table_one { "1Table" } else { "0Table" };
    let table = stream(&mut ole, table_name)
        .ok_or_else(|| ReadError::Corrupt(format!(".doc without its {table_name} stream")))??;
    let pieces = pieces(&table, &fib)?;
    let paragraphs = paragraph_runs(&word, &table, &fib);
    let text = main_text(&word, &pieces, fib.text_chars, &paragraphs)?;
    Ok(RawDocument {
        pages: vec![text],
        paged: false,
        damage: None,
    })
}

fn corrupt(what: &str) -> ReadError {
    ReadError::Corrupt(format!(".doc: {what}"))
}

/// The parts of the File Information Block this reader needs.
struct Fib {
    table_one: bool,
    /// Characters of the main document (footnotes, headers etc. follow it).
    text_chars: u32,
    clx: (u32, u32),
    paragraph_bins: (u32, u32),
}

impl Fib {
    fn parse(word: &[u8]) -> Result<Fib, ReadError> {
        let short = || corrupt("WordDocument stream too short for its FIB");
        if u16_at(word, 0).ok_or_else(short)? != 0xA5EC {
            return Err(corrupt(
                "WordDocument stream does not start with a Word FIB",
            ));
        }
        let n_fib = u16_at(word, 2).ok_or_else(short)?;
        if n_fib < 0x00C0 {
            return Err(ReadError::UnknownFormat(format!(
                "Word 6/95 .doc (nFib {n_fib}), only Word 97 and later are read"
            )));
        }
        let flags = u16_at(word, 0x0A).ok_or_else(short)?;
        if flags & 0x0100 != 0 {
            return Err(ReadError::Encrypted);
        }
        let words = usize::from(u16_at(word, 32).ok_or_else(short)?);
        let longs_at = 34 + 2 * words + 2;
        let longs = usize::from(u16_at(word, 34 + 2 * words).ok_or_else(short)?);
        let text_chars = u32_at(word, longs_at + 12).ok_or_else(short)?;
        let pairs_at = longs_at + 4 * longs + 2;
        let pair = |index: usize| -> Result<(u32, u32), ReadError> {
            let at = pairs_at + 8 * index;
            Ok((
                u32_at(word, at).ok_or_else(short)?,
                u32_at(word, at + 4).ok_or_else(short)?,
            ))
        };
        Ok(Fib {
            table_one: flags & 0x0200 != 0,
            text_chars,
            paragraph_bins: pair(13)?,
            clx: pair(33)?,
        })
    }
}

/// A run of characters stored contiguously in the WordDocument stream.
struct Piece {
    cp_start: u32,
    cp_end: u32,
    fc: u32,
    compressed: bool,
}

fn slice(bytes: &[u8], (at, len): (u32, u32)) -> Option<&[u8]> {
    bytes.get(at as usize..(at as usize).checked_add(len as usize)?)
}

fn pieces(table: &[u8], fib: &Fib) -> Result<Vec<Piece>, ReadError> {
    let clx = slice(table, fib.clx)
        .ok_or_else(|| corrupt("piece table lies outside the table stream"))?;
    let mut at = 0usize;
    // Formatting runs (Prc) come before the piece table (Pcdt); skip them.
    while clx.get(at) == Some(&1) {
        let len = u16_at(clx, at + 1).ok_or_else(|| corrupt("truncated CLX"))? as i16;
        at += 3 + usize::try_from(len).map_err(|_| corrupt("negative CLX length"))?;
    }
    if clx.get(at) != Some(&2) {
        return Err(corrupt("no piece table in CLX"));
    }
    let len = u32_at(clx, at + 1).ok_or_else(|| corrupt("truncated CLX"))? as usize;
    let plc = clx
        .get(at + 5..at + 5 + len)
        .ok_or_else(|| corrupt("truncated piece table"))?;
    if plc.len() < 4 {
        return Err(corrupt("empty piece table"));
    }
    let count = (plc.len() - 4) / 12;
    let descriptors = 4 * (count + 1);
    (0..count)
        .map(|i| {
            let cp_start = u32_at(plc, 4 * i).unwrap_or(0);
            let cp_end = u32_at(plc, 4 * (i + 1)).unwrap_or(0);
            let fc_raw = u32_at(plc, descriptors + 8 * i + 2).unwrap_or(0);
            let compressed = fc_raw & 0x4000_0000 != 0;
            let fc = fc_raw & 0x3FFF_FFFF;
            Ok(Piece {
                cp_start,
                cp_end: cp_end.max(cp_start),
                fc: if compressed { fc / 2 } else { fc },
                compressed,
            })
        })
        .collect()
}

/// A paragraph's stream range and its table properties.
#[derive(Debug, Clone, Copy)]
struct ParagraphRun {
    fc_start: u32,
    fc_end: u32,
    in_table: bool,
    row_end: bool,
}

/// The table properties of paragraphs, from the paragraph FKPs, sorted by
/// stream offset. A table row is cells each ending in 0x07 plus a row-end
/// 0x07; an empty cell also gives two 0x07 in a row, so only the paragraph
/// property tells. Unreadable formatting yields no runs: rows then run into
/// one line and cell paragraphs into separate lines.
fn paragraph_runs(word: &[u8], table: &[u8], fib: &Fib) -> Vec<ParagraphRun> {
    let mut runs = Vec::new();
    let Some(plc) = slice(table, fib.paragraph_bins) else {
        return runs;
    };
    if plc.len() < 4 {
        return runs;
    }
    let count = (plc.len() - 4) / 8;
    for i in 0..count {
        let Some(page) = u32_at(plc, 4 * (count + 1) + 4 * i) else {
            continue;
        };
        let page = page as usize * 512;
        let Some(fkp) = word.get(page..page + 512) else {
            continue;
        };
        let crun = usize::from(fkp[511]);
        if 4 * (crun + 1) + 13 * crun > 511 {
            continue;
        }
        for run in 0..crun {
            let (Some(fc_start), Some(fc_end)) = (u32_at(fkp, 4 * run), u32_at(fkp, 4 * (run + 1)))
            else {
                continue;
            };
            let offset = usize::from(fkp[4 * (crun + 1) + 13 * run]) * 2;
            let (in_table, row_end) = if offset == 0 || offset >= 511 {
                (false, false)
            } else {
                let cb = usize::from(fkp[offset]);
                let (at, len) = if cb == 0 {
                    (offset + 2, 2 * usize::from(fkp[offset + 1]))
                } else {
                    (offset + 1, 2 * cb - 1)
                };
                // The first two bytes are the style index.
                let papx = fkp.get(at + 2..(at + len).min(511)).unwrap_or(&[]);
                table_properties(papx)
            };
            runs.push(ParagraphRun {
                fc_start,
                fc_end,
                in_table,
                row_end,
            });
        }
    }
    runs.sort_by_key(|r| r.fc_start);
    runs
}

fn run_at(runs: &[ParagraphRun], fc: u32) -> Option<&ParagraphRun> {
    let i = runs.partition_point(|r| r.fc_start <= fc);
    runs[..i].last().filter(|r| fc < r.fc_end)
}

/// (in a table, ends a row): `sprmPFInTable`, and `sprmPFTtp` or the
/// nested-table `sprmPFInnerTtp`, set to true in a paragraph property list.
fn table_properties(mut grpprl: &[u8]) -> (bool, bool) {
    let (mut in_table, mut row_end) = (false, false);
    while grpprl.len() >= 2 {
        let sprm = u16::from_le_bytes([grpprl[0], grpprl[1]]);
        let operand = &grpprl[2..];
        let size = match sprm >> 13 {
            0 | 1 => 1,
            2 | 4 | 5 => 2,
            3 => 4,
            7 => 3,
            _ => {
                if sprm == 0xD608 || sprm == 0xC615 {
                    usize::from(u16_at(operand, 0).unwrap_or(0)) + 1
                } else {
                    usize::from(*operand.first().unwrap_or(&0)) + 1
                }
            }
        };
        let set = operand.first() == Some(&1);
        match sprm {
            0x2416 => in_table |= set,
            0x2417 | 0x244C => row_end |= set,
            _ => {}
        }
        if operand.len() < size {
            break;
        }
        grpprl = &operand[size..];
    }
    (in_table || row_end, row_end)
}

/// The main document's characters, special characters laid out as text:
/// paragraphs and row ends become newlines, cell ends tabs, field codes drop.
fn main_text(
    word: &[u8],
    pieces: &[Piece],
    text_chars: u32,
    paragraphs: &[ParagraphRun],
) -> Result<String, ReadError> {
    let mut out = String::new();
    // Per open field: whether its result (after 0x14) has started.
    let mut fields: Vec<bool> = Vec::new();
    for piece in pieces {
        if piece.cp_start >= text_chars {
            break;
        }
        let chars = (piece.cp_end.min(text_chars) - piece.cp_start) as usize;
        let width = if piece.compressed { 1 } else { 2 };
        let start = piece.fc as usize;
        let raw = word.get(start..start + chars * width).ok_or_else(|| {
            ReadError::Truncated(".doc text lies past the end of the WordDocument stream".into())
        })?;
        let units: Vec<u16> = if piece.compressed {
            raw.iter().map(|&b| cp1252(b)).collect()
        } else {
            raw.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        let decoded: Vec<char> = char::decode_utf16(units.iter().copied())
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect();
        for (i, c) in decoded.into_iter().enumerate() {
            let fc = (start + i * width) as u32;
            let paragraph = run_at(paragraphs, fc);
            match c {
                '\u{13}' => fields.push(false),
                '\u{14}' => {
                    if let Some(result) = fields.last_mut() {
                        *result = true;
                    }
                }
                '\u{15}' => {
                    fields.pop();
                }
                _ if fields.last() == Some(&false) => {}
                '\u{07}' if paragraph.is_some_and(|p| p.row_end) => {
                    while out.ends_with(['\t', ' ']) {
                        out.pop();
                    }
                    out.push('\n');
                }
                '\u{07}' => {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\t');
                }
                // Inside a cell a paragraph end only separates words.
                '\r' | '\u{0B}' if paragraph.is_some_and(|p| p.in_table) => {
                    if !out.ends_with(['\t', '\n', ' ']) && !out.is_empty() {
                        out.push(' ');
                    }
                }
                '\r' | '\u{0B}' | '\u{0C}' | '\u{0E}' => out.push('\n'),
                '\u{1E}' => out.push('-'),
                '\t' => out.push('\t'),
                c if (c as u32) < 0x20 || c == '\u{1F}' => {}
                c => out.push(c),
            }
        }
    }
    Ok(out)
}

/// cp1252 byte to UTF-16 (Word's "compressed" pieces).
fn cp1252(b: u8) -> u16 {
    let byte = [b];
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
    text.chars().next().map_or(0xFFFD, |c| c as u16)
}
