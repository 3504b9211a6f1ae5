//! The decimals a legacy `.xls` (BIFF8) shows for each number cell, as
//! [`super::number_formats`] does for XLSX: a cell stores a double and the
//! index of its cell format (XF), the XF names a number format, and the
//! format's code (`#,##0.00`) says how many decimals were printed. calamine
//! reads the cells but keeps only "date or not" of their formats.
//!
//! The records read (MS-XLS 2.4): FORMAT, XF and BOUNDSHEET8 in the
//! workbook globals, then NUMBER, RK, MULRK and FORMULA in each sheet's
//! substream. The `Workbook` stream is read through [`super::ole`] with its size cap;
//! anything unreadable only means no decimals (the shortest form).

use std::collections::HashMap;

use super::number_formats::{builtin_decimals, code_decimals, SheetDecimals};
use super::ole::{open, stream, u16_at, u32_at};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const BOUNDSHEET: u16 = 0x0085;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;

/// The decimals of every number cell whose format shows a fixed number of them.
pub fn decimals_by_sheet(bytes: &[u8]) -> SheetDecimals {
    let mut out = SheetDecimals::new();
    let Some(stream) = workbook_stream(bytes) else {
        return out;
    };
    let mut codes: HashMap<u16, Option<u8>> = HashMap::new();
    let mut styles: Vec<Option<u8>> = Vec::new();
    let mut sheets: Vec<(String, usize)> = Vec::new();
    for (kind, data) in records(&stream, 0) {
        match kind {
            FORMAT => {
                if let (Some(id), Some(code)) = (u16_at(data, 0), unicode_string(data, 2)) {
                    codes.insert(id, code_decimals(&code));
                }
            }
            XF => {
                let format = u16_at(data, 2).unwrap_or(0);
                let shown = match codes.get(&format) {
                    Some(d) => *d,
                    None => builtin_decimals(u32::from(format)),
                };
                styles.push(shown);
            }
            BOUNDSHEET => {
                let worksheet = data.get(5) == Some(&0);
                if let (true, Some(at), Some(name)) =
                    (worksheet, u32_at(data, 0), short_string(data, 6))
                {
                    sheets.push((name, at as usize));
                }
            }
            EOF => break,
            _ => {}
        }
    }
    if styles.iter().all(Option::is_none) {
        return out;
    }
    for (name, at) in sheets {
        out.insert(name, cell_decimals(&stream, at, &styles));
    }
    out
}

/// The `Workbook` stream of an OLE compound file, None when absent, over
/// the cap or unreadable.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut ole = open(bytes).ok()?;
    stream(&mut ole, "Workbook")?.ok()
}

/// The records of a substream starting at `at`: (type, data), ending at
/// the stream's end or at a record cut short.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = at;
    std::iter::from_fn(move || {
        let kind = u16_at(stream, at)?;
        let len = usize::from(u16_at(stream, at + 2)?);
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((kind, data))
    })
}

/// (row, column) → decimals of a sheet's number cells.
fn cell_decimals(stream: &[u8], at: usize, styles: &[Option<u8>]) -> HashMap<(u32, u32), u8> {
    let mut out = HashMap::new();
    let mut shown = |row: u16, column: u16, style: Option<u16>| {
        let decimals = style.and_then(|s| styles.get(usize::from(s)).copied().flatten());
        if let Some(d) = decimals {
            out.insert((u32::from(row), u32::from(column)), d);
        }
    };
    let mut inside = records(stream, at);
    if inside.next().map(|(kind, _)| kind) != Some(BOF) {
        return HashMap::new();
    }
    for (kind, data) in inside {
        match kind {
            NUMBER | RK | FORMULA => {
                if let (Some(row), Some(column)) = (u16_at(data, 0), u16_at(data, 2)) {
                    shown(row, column, u16_at(data, 4));
                }
            }
            MULRK => {
                // rw, colFirst, (ixfe, rk) × n, colLast.
                let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) else {
                    continue;
                };
                let n = data.len().saturating_sub(6) / 6;
                for i in 0..n {
                    shown(row, first.saturating_add(i as u16), u16_at(data, 4 + 6 * i));
                }
            }
            EOF => break,
            _ => {}
        }
    }
    out
}

/// An XLUnicodeString at `at`: cch (u16), flags, optional rich/ext sizes, characters.
fn unicode_string(data: &[u8], at: usize) -> Option<String> {
    let count = usize::from(u16_at(data, at)?);
    let flags = *data.get(at + 2)?;
    let mut start = at + 3;
    if flags & 0x08 != 0 {
        start += 2; // cRun
    }
    if flags & 0x04 != 0 {
        start += 4; // cbExtRst
    }
    characters(data, start, count, flags & 0x01 != 0)
}

/// A ShortXLUnicodeString at `at`: cch (u8), fHighByte, characters.
fn short_string(data: &[u8], at: usize) -> Option<String> {
    let count = usize::from(*data.get(at)?);
    let wide = *data.get(at + 1)? & 0x01 != 0;
    characters(data, at + 2, count, wide)
}

/// `count` characters at `start`: UTF-16LE when `wide`, else one byte each (Latin-1).
fn characters(data: &[u8], start: usize, count: usize, wide: bool) -> Option<String> {
    if wide {
        let bytes = data.get(start..start + 2 * count)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        let bytes = data.get(start..start + count)?;
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn xf(format: u16) -> Vec<u8> {
        let mut data = vec![0, 0];
        data.extend(format.to_le_bytes());
        data.extend([0; 16]);
        record(XF, &data)
    }

    /// A made-up workbook: custom format 164 `#,##0.00`, XF 0 general, XF 1
    /// custom, XF 2 built-in 4; one sheet 表一 with a NUMBER, an RK and a
    /// MULRK of two cells.
    fn workbook() -> Vec<u8> {
        let mut globals = record(BOF, &[0; 16]);
        let mut format = 164u16.to_le_bytes().to_vec();
        format.extend(8u16.to_le_bytes());
        format.push(0);
        format.extend(b"#,##0.00");
        globals.extend(record(FORMAT, &format));
        globals.extend(xf(0));
        globals.extend(xf(164));
        globals.extend(xf(4));
        let name: Vec<u8> = "表一".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let sheet_record_len = 4 + 6 + 2 + name.len();
        let sheet_at = (globals.len() + sheet_record_len + 4) as u32;
        let mut sheet = sheet_at.to_le_bytes().to_vec();
        sheet.extend([0, 0, 2, 1]);
        sheet.extend(name);
        globals.extend(record(BOUNDSHEET, &sheet));
        globals.extend(record(EOF, &[]));
        let mut stream = globals;
        stream.extend(record(BOF, &[0; 16]));
        let mut number = vec![2, 0, 1, 0, 1, 0];
        number.extend(2460.0f64.to_le_bytes());
        stream.extend(record(NUMBER, &number));
        stream.extend(record(RK, &[3, 0, 1, 0, 1, 0, 0, 0, 0, 0]));
        let mut mulrk = vec![4, 0, 1, 0];
        mulrk.extend([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
        stream.extend(record(MULRK, &mulrk));
        stream.extend(record(EOF, &[]));
        let mut ole = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        ole.create_stream("/Workbook")
            .unwrap()
            .write_all(&stream)
            .unwrap();
        ole.into_inner().into_inner()
    }

    #[test]
    fn number_cells_get_the_decimals_of_their_format() {
        let decimals = decimals_by_sheet(&workbook());
        let sheet = &decimals["表一"];
        assert_eq!(sheet.get(&(2, 1)), Some(&2), "NUMBER with #,##0.00");
        assert_eq!(sheet.get(&(3, 1)), Some(&2), "RK with #,##0.00");
        assert_eq!(sheet.get(&(4, 1)), Some(&2), "MULRK first cell, built-in 4");
        assert_eq!(sheet.get(&(4, 2)), None, "MULRK second cell, General");
    }

    #[test]
    fn anything_unreadable_means_no_decimals() {
        assert!(decimals_by_sheet(b"not an OLE file").is_empty());
        let mut cut = workbook();
        cut.truncate(cut.len() / 2);
        let _ = decimals_by_sheet(&cut);
    }
}
