//! Limits checked on an XLSX before the spreadsheet crate reads it.
//!
//! calamine trusts the file: it allocates a sheet's bounding box of cells
//! at once (cells A1 and XFD1048576 ask for 512 GiB, and a failed
//! allocation aborts the process), indexes the shared strings without a
//! bounds check (a panic), and inflates any part whole. So the parts it
//! reads are first streamed here, through an inflation cap, to check the
//! bounding box of every sheet and every shared-string index.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::ReadError;

/// Largest sheet read, in cells of its bounding box.
pub const MAX_CELLS: u64 = 2_000_000;
/// Largest inflated XML part of a workbook (a sheet of [`MAX_CELLS`] cells
/// is well under this).
pub const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;
/// Most entries in the zip archive.
const MAX_ENTRIES: usize = 10_000;

fn corrupt(what: impl std::fmt::Display) -> ReadError {
    ReadError::Corrupt(format!("spreadsheet: {what}"))
}

/// Check an XLSX against the limits above; `Ok` means calamine may read it.
pub fn check_xlsx(bytes: &[u8]) -> Result<(), ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError::TooLarge(format!(
            "zip archive has {} entries (limit {MAX_ENTRIES})",
            archive.len()
        )));
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    for name in names.iter().filter(|n| n.starts_with("xl/")) {
        let entry = archive.by_name(name).map_err(corrupt)?;
        if entry.size() > MAX_PART_BYTES {
            return Err(ReadError::TooLarge(format!(
                "{name} declares {} bytes inflated (limit {MAX_PART_BYTES})",
                entry.size()
            )));
        }
    }
    let shared_strings = match archive.by_name("xl/sharedStrings.xml") {
        Ok(entry) => Some(count_shared_strings(entry)?),
        Err(zip::result::ZipError::FileNotFound) => None,
        Err(e) => return Err(corrupt(e)),
    };
    for name in names.iter().filter(|n| is_sheet_part(n)) {
        let entry = archive.by_name(name).map_err(corrupt)?;
        check_sheet(name, entry, shared_strings)?;
    }
    Ok(())
}

fn is_sheet_part(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && name.ends_with(".xml") && !name.contains("_rels")
}

/// A zip entry's XML, inflated through [`MAX_PART_BYTES`].
pub(super) fn capped_xml<R: Read>(entry: R) -> quick_xml::Reader<BufReader<std::io::Take<R>>> {
    quick_xml::Reader::from_reader(BufReader::new(entry.take(MAX_PART_BYTES + 1)))
}

fn over_cap(name: &str, position: u64) -> Result<(), ReadError> {
    if position > MAX_PART_BYTES {
        return Err(ReadError::TooLarge(format!(
            "{name} inflates past {MAX_PART_BYTES} bytes"
        )));
    }
    Ok(())
}

/// How many strings calamine will hold: the `<si>` items holding text (an
/// item without `<t>` or `<r>` is skipped by it, shifting the ones after).
fn count_shared_strings(entry: impl Read) -> Result<u64, ReadError> {
    const NAME: &str = "xl/sharedStrings.xml";
    let mut xml = capped_xml(entry);
    let mut buf = Vec::new();
    let mut count = 0u64;
    let mut item_has_text = false;
    loop {
        let event = xml.read_event_into(&mut buf);
        over_cap(NAME, xml.buffer_position())?;
        match event.map_err(|e| corrupt(format!("{NAME}: {e}")))? {
            Event::Eof => return Ok(count),
            Event::Start(e) => match e.local_name().as_ref().as_bytes() {
                b"si" => item_has_text = false,
                b"t" | b"r" => item_has_text = true,
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref().as_bytes() == b"si" && item_has_text => {
                count += 1
            }
            _ => {}
        }
        buf.clear();
    }
}

/// A cell reference such as `XFD1048576` as 0-based (row, column).
pub(super) fn cell_position(reference: &[u8]) -> Option<(u64, u64)> {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let column = reference[..letters].iter().fold(0u64, |acc, b| {
        acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row: u64 = std::str::from_utf8(&reference[letters..])
        .ok()?
        .parse()
        .ok()?;
    Some((row.checked_sub(1)?, column - 1))
}

pub(super) fn attribute(element: &BytesStart, name: &[u8]) -> Option<Vec<u8>> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == name)
        .map(|a| a.value.into_owned().into_bytes())
}

/// The bounding box of the sheet's cells, and every shared-string index.
fn check_sheet(name: &str, entry: impl Read, shared_strings: Option<u64>) -> Result<(), ReadError> {
    let mut xml = capped_xml(entry);
    let mut buf = Vec::new();
    let (mut top, mut left, mut bottom, mut right) = (u64::MAX, u64::MAX, 0u64, 0u64);
    let mut shared_cell = false;
    let mut in_value = false;
    loop {
        let event = xml.read_event_into(&mut buf);
        over_cap(name, xml.buffer_position())?;
        match event.map_err(|e| corrupt(format!("{name}: {e}")))? {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref().as_bytes() == b"c" => {
                shared_cell = attribute(&e, b"t").as_deref() == Some(b"s");
                if let Some((row, column)) = attribute(&e, b"r").and_then(|r| cell_position(&r)) {
                    top = top.min(row);
                    left = left.min(column);
                    bottom = bottom.max(row);
                    right = right.max(column);
                    let cells = (bottom.saturating_sub(top) + 1)
                        .saturating_mul(right.saturating_sub(left) + 1);
                    if cells > MAX_CELLS {
                        return Err(ReadError::TooLarge(format!(
                            "{name} spans {} rows × {} columns (limit {MAX_CELLS} cells)",
                            bottom - top + 1,
                            right - left + 1
                        )));
                    }
                }
            }
            Event::Start(e) if e.local_name().as_ref().as_bytes() == b"v" => in_value = shared_cell,
            Event::End(e) if e.local_name().as_ref().as_bytes() == b"v" => in_value = false,
            Event::Text(t) if in_value => {
                // calamine reads an unparsable index as 0.
                let index: u64 = t.xml10_content().trim().parse().ok().unwrap_or(0);
                match shared_strings {
                    None => {
                        return Err(corrupt(format!(
                            "{name} refers to shared string {index}, but the workbook has none"
                        )))
                    }
                    Some(count) if index >= count => {
                        return Err(corrupt(format!(
                            "{name} refers to shared string {index} of {count}"
                        )))
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_are_read() {
        assert_eq!(cell_position(b"A1"), Some((0, 0)));
        assert_eq!(cell_position(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_position(b"A0"), None);
        assert_eq!(cell_position(b"12"), None);
    }
}
