//! The decimals an XLSX shows for each number cell: its number format
//! (`0.00`, `#,##0.00`) says how the figure was printed, and a sheet stores
//! only the binary double (2460 for a cell showing 2,460.00). The table
//! stage keeps printed precision, so a number cell is written with the
//! decimals its format shows.
//!
//! Read from the parts calamine read too, through the same inflation cap;
//! anything unreadable here only means no decimals (the shortest form).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::workbook_check::{attribute, capped_xml, cell_position, MAX_PART_BYTES};

/// Per sheet name: (row, column), 0-based, → decimals shown.
pub type SheetDecimals = HashMap<String, HashMap<(u32, u32), u8>>;

/// The decimals of every number cell whose format shows a fixed number of them.
pub fn decimals_by_sheet(bytes: &[u8]) -> SheetDecimals {
    let mut out = SheetDecimals::new();
    let Ok(mut archive) = ZipArchive::new(Cursor::new(bytes)) else {
        return out;
    };
    let styles = part(&mut archive, "xl/styles.xml")
        .map(|x| style_decimals(&x))
        .unwrap_or_default();
    if styles.iter().all(Option::is_none) {
        return out;
    }
    let targets = part(&mut archive, "xl/_rels/workbook.xml.rels")
        .map(|x| relationship_targets(&x))
        .unwrap_or_default();
    let sheets = part(&mut archive, "xl/workbook.xml")
        .map(|x| sheet_ids(&x))
        .unwrap_or_default();
    for (name, id) in sheets {
        let Some(target) = targets.get(&id) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("xl/{target}"),
        };
        if let Some(xml) = part(&mut archive, &path) {
            out.insert(name, cell_decimals(&xml, &styles));
        }
    }
    out
}

/// A part's XML, inflated through the cap; None when absent or over it.
fn part(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let entry = archive.by_name(name).ok()?;
    let mut xml = Vec::new();
    entry.take(MAX_PART_BYTES + 1).read_to_end(&mut xml).ok()?;
    (xml.len() as u64 <= MAX_PART_BYTES).then_some(xml)
}

/// Decimals shown by a number format's code: the `0`s after the point of
/// its first section (`#,##0.00;[Red]-#,##0.00` → 2). None: not fixed.
pub(super) fn code_decimals(code: &str) -> Option<u8> {
    let first = code.split(';').next()?;
    let after = first.split_once('.')?.1;
    let zeros = after.chars().take_while(|&c| c == '0').count();
    (zeros > 0).then(|| zeros.min(10) as u8)
}

/// The built-in formats that show decimals (ECMA-376 18.8.30).
pub(super) fn builtin_decimals(id: u32) -> Option<u8> {
    matches!(id, 2 | 4 | 7 | 8 | 10 | 11 | 39 | 40 | 43 | 44).then_some(2)
}

/// An element of a part, as [`each_element`] meets it.
enum Tag<'a, 'e> {
    Open(&'a BytesStart<'e>),
    Close(&'a str),
}

/// Call `visit` for every element opened (`<x>`, `<x/>`) and closed in a
/// part's XML, in order; an XML error ends the walk (no decimals past it).
fn each_element(xml: &[u8], mut visit: impl FnMut(Tag)) {
    let mut reader = capped_xml(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => visit(Tag::Open(&e)),
            Ok(Event::End(e)) => visit(Tag::Close(e.local_name().into_inner())),
            _ => {}
        }
        buf.clear();
    }
}

/// The element's local name when `tag` opens one.
fn opened<'a, 'e>(tag: &Tag<'a, 'e>) -> Option<(&'a BytesStart<'e>, &'a str)> {
    match tag {
        Tag::Open(e) => Some((e, e.local_name().into_inner())),
        Tag::Close(_) => None,
    }
}

/// Per cell style (`<cellXfs>` in order): the decimals its format shows.
fn style_decimals(xml: &[u8]) -> Vec<Option<u8>> {
    let mut custom: HashMap<u32, Option<u8>> = HashMap::new();
    let mut in_cell_xfs = false;
    let mut styles = Vec::new();
    each_element(xml, |tag| match tag {
        Tag::Close("cellXfs") => in_cell_xfs = false,
        Tag::Close(_) => {}
        Tag::Open(e) => match e.local_name().into_inner() {
            "numFmt" => {
                let id = attribute(e, b"numFmtId").and_then(|v| number(&v));
                if let (Some(id), Some(code)) = (id, attribute(e, b"formatCode")) {
                    custom.insert(id, code_decimals(&String::from_utf8_lossy(&code)));
                }
            }
            "cellXfs" => in_cell_xfs = true,
            "xf" if in_cell_xfs => {
                let id = attribute(e, b"numFmtId").and_then(|v| number(&v));
                styles.push(id.and_then(|id| {
                    custom
                        .get(&id)
                        .copied()
                        .unwrap_or_else(|| builtin_decimals(id))
                }));
            }
            _ => {}
        },
    });
    styles
}

fn number(v: &[u8]) -> Option<u32> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// `Id` → `Target` of the workbook's relationships.
fn relationship_targets(xml: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    each_element(xml, |tag| {
        if let Some((e, "Relationship")) = opened(&tag) {
            if let (Some(id), Some(target)) = (attribute(e, b"Id"), attribute(e, b"Target")) {
                out.insert(text(&id), text(&target));
            }
        }
    });
    out
}

/// (sheet name, relationship id) of the workbook's sheets.
fn sheet_ids(xml: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    each_element(xml, |tag| {
        if let Some((e, "sheet")) = opened(&tag) {
            let name = attribute(e, b"name").map(|raw| {
                let raw = text(&raw);
                quick_xml::escape::unescape(&raw)
                    .map(|v| v.into_owned())
                    .unwrap_or(raw)
            });
            if let (Some(name), Some(id)) = (name, attribute(e, b"id")) {
                out.push((name, text(&id)));
            }
        }
    });
    out
}

/// The decimals of a sheet's number cells (`<c r="B3" s="5">`).
fn cell_decimals(xml: &[u8], styles: &[Option<u8>]) -> HashMap<(u32, u32), u8> {
    let mut out = HashMap::new();
    each_element(xml, |tag| {
        if let Some((e, "c")) = opened(&tag) {
            let style = attribute(e, b"s").and_then(|v| number(&v));
            let decimals = style.and_then(|s| styles.get(s as usize).copied().flatten());
            let at = attribute(e, b"r").and_then(|r| cell_position(&r));
            if let (Some(d), Some((row, column))) = (decimals, at) {
                if let (Ok(row), Ok(column)) = (u32::try_from(row), u32::try_from(column)) {
                    out.insert((row, column), d);
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codes_say_their_decimals() {
        assert_eq!(code_decimals("#,##0.00"), Some(2));
        assert_eq!(code_decimals("0.0_ ;[Red]\\-0.0\\ "), Some(1));
        assert_eq!(code_decimals("#,##0"), None);
        assert_eq!(code_decimals("General"), None);
        assert_eq!(builtin_decimals(4), Some(2));
        assert_eq!(builtin_decimals(3), None);
    }
}
