//! Explicit tables of a source, as [`Grid`]s: DOCX `w:tbl` and spreadsheet sheets.
//!
//! Merged cells are expanded (the text repeated in every covered cell) so a
//! grid is a plain rectangle that the table stage reads by position.

use super::{Grid, RawDocument, ReadError, SourceFormat};
use calamine::{Data, Reader};
use quick_xml::events::{BytesStart, Event};
use std::io::{Cursor, Read};

/// Largest uncompressed XML part read from a DOCX.
const MAX_PART: u64 = 64 * 1024 * 1024;
/// Largest sheet read from a spreadsheet, in cells.
const MAX_CELLS: usize = super::workbook_check::MAX_CELLS as usize;

/// Read a spreadsheet: every non-empty sheet as a grid, and its cells joined
/// (tab between cells, newline between rows, a page per sheet) as text.
pub fn read_spreadsheet(bytes: &[u8]) -> Result<(RawDocument, Vec<Grid>), ReadError> {
    let decimals = if bytes.starts_with(b"PK\x03\x04") {
        super::workbook_check::check_xlsx(bytes)?;
        super::number_formats::decimals_by_sheet(bytes)
    } else {
        super::xls_formats::decimals_by_sheet(bytes)
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ReadError::Corrupt(format!("spreadsheet: {e}")))?;
    let merged = merged_regions(&mut book);
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| ReadError::Corrupt(format!("sheet {name}: {e}")))?;
        let (height, width) = range.get_size();
        if height.saturating_mul(width) > MAX_CELLS {
            return Err(ReadError::TooLarge(format!(
                "sheet {name} has {height}×{width} cells"
            )));
        }
        let Some((top, left)) = range.start() else {
            continue;
        };
        let shown = decimals.get(&name);
        let mut rows: Vec<Vec<String>> = range
            .rows()
            .enumerate()
            .map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, cell)| {
                        let at = (top + r as u32, left + c as u32);
                        match (cell, shown.and_then(|s| s.get(&at))) {
                            // Printed as its number format shows it (`2,460.00`).
                            (Data::Float(f), Some(&d)) => format!("{f:.0$}", usize::from(d)),
                            (Data::Int(i), Some(&d)) => {
                                format!("{:.1$}", *i as f64, usize::from(d))
                            }
                            _ => cell_text(cell),
                        }
                    })
                    .collect()
            })
            .collect();
        for region in merged.iter().filter(|(sheet, _)| *sheet == name) {
            expand_merge(&mut rows, region.1, (top, left));
        }
        if rows.iter().any(|r| r.iter().any(|c| !c.trim().is_empty())) {
            grids.push(Grid {
                page: None,
                name: Some(name.clone()),
                rows,
            });
        }
    }
    let pages = grids.iter().map(grid_text).collect();
    Ok((
        RawDocument {
            pages,
            paged: false,
            ..Default::default()
        },
        grids,
    ))
}

type Region = ((u32, u32), (u32, u32));

fn merged_regions<RS: Read + std::io::Seek>(
    book: &mut calamine::Sheets<RS>,
) -> Vec<(String, Region)> {
    let names = book.sheet_names();
    let mut found = Vec::new();
    for name in names {
        let regions = match book {
            calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        found.extend(
            regions
                .into_iter()
                .map(|d| (name.clone(), (d.start, d.end))),
        );
    }
    found
}

/// Copy a merged region's first cell into every cell it covers.
fn expand_merge(rows: &mut [Vec<String>], (start, end): Region, (top, left): (u32, u32)) {
    let (Some(r0), Some(c0)) = (start.0.checked_sub(top), start.1.checked_sub(left)) else {
        return;
    };
    let (r0, c0) = (r0 as usize, c0 as usize);
    let Some(text) = rows.get(r0).and_then(|r| r.get(c0)).cloned() else {
        return;
    };
    let r1 = (end.0.saturating_sub(top) as usize).min(rows.len().saturating_sub(1));
    for row in rows.iter_mut().take(r1 + 1).skip(r0) {
        let c1 = (end.1.saturating_sub(left) as usize).min(row.len().saturating_sub(1));
        for cell in row.iter_mut().take(c1 + 1).skip(c0) {
            if cell.is_empty() {
                cell.clone_from(&text);
            }
        }
    }
}

/// A cell as text. A spreadsheet stores numbers as binary doubles; the
/// shortest decimal that reads back to the same double is what was typed,
/// so that string (never the float) is what the table stage parses.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("{e:?}"),
    }
}

/// The text of a grid: cells joined by tabs, rows by newlines.
pub fn grid_text(grid: &Grid) -> String {
    let mut out = String::new();
    for row in &grid.rows {
        let cells: Vec<&str> = row
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

/// The top-level tables of a DOCX body (`w:tbl`), merged cells expanded.
pub fn docx_grids(bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::Corrupt(format!("docx zip: {e}")))?;
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|_| ReadError::Corrupt("docx without word/document.xml".into()))?;
    if entry.size() > MAX_PART {
        return Err(ReadError::TooLarge(format!(
            "word/document.xml is {} bytes",
            entry.size()
        )));
    }
    let mut xml = Vec::with_capacity(entry.size() as usize);
    (&mut entry)
        .take(MAX_PART + 1)
        .read_to_end(&mut xml)
        .map_err(|e| ReadError::Corrupt(format!("docx: {e}")))?;
    if xml.len() as u64 > MAX_PART {
        return Err(ReadError::TooLarge("word/document.xml".into()));
    }
    parse_tables(&xml)
}

/// One cell while its table is read.
#[derive(Default)]
struct CellState {
    text: String,
    span: usize,
    /// `Some(true)` starts a vertical merge, `Some(false)` continues one.
    vmerge: Option<bool>,
}

fn parse_tables(xml: &[u8]) -> Result<Vec<Grid>, ReadError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut grids = Vec::new();
    let mut depth = 0usize;
    let mut rows: Vec<Vec<(String, bool)>> = Vec::new();
    let mut row: Vec<(String, bool)> = Vec::new();
    let mut cell: Option<CellState> = None;
    let mut in_text = false;
    let mut paragraphs_in_cell = 0usize;
    // The paragraphs just before a table hold its title and unit.
    let mut recent: Vec<String> = Vec::new();
    let mut paragraph = String::new();
    let mut caption = String::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ReadError::Corrupt(format!("docx xml: {e}")))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                match name.as_ref().as_bytes() {
                    b"tbl" => {
                        depth += 1;
                        if depth == 1 {
                            rows.clear();
                            caption = recent.join("\n");
                            recent.clear();
                        }
                    }
                    b"tr" if depth == 1 => row.clear(),
                    b"tc" if depth == 1 => {
                        cell = Some(CellState {
                            span: 1,
                            ..Default::default()
                        });
                        paragraphs_in_cell = 0;
                    }
                    b"p" if depth >= 1 => {
                        if let Some(c) = cell.as_mut() {
                            if paragraphs_in_cell > 0 && !c.text.is_empty() {
                                c.text.push('\n');
                            }
                            paragraphs_in_cell += 1;
                        }
                    }
                    b"t" => in_text = true,
                    b"gridSpan" | b"vMerge" => cell_property(&e, cell.as_mut()),
                    _ => {}
                }
            }
            Event::Empty(e) => match e.local_name().as_ref().as_bytes() {
                b"gridSpan" | b"vMerge" => cell_property(&e, cell.as_mut()),
                b"tab" if depth >= 1 => {
                    if let Some(c) = cell.as_mut() {
                        c.text.push(' ');
                    }
                }
                _ => {}
            },
            Event::Text(_) | Event::GeneralRef(_) if in_text => {
                let s = match &event {
                    Event::Text(t) => t.xml10_content().into_owned(),
                    Event::GeneralRef(r) => super::xml_reference(r),
                    _ => String::new(),
                };
                if let Some(c) = cell.as_mut() {
                    c.text.push_str(&s);
                } else if depth == 0 {
                    paragraph.push_str(&s);
                }
            }
            Event::End(e) => match e.local_name().as_ref().as_bytes() {
                b"t" => in_text = false,
                b"p" if depth == 0 => {
                    let text = std::mem::take(&mut paragraph);
                    if !text.trim().is_empty() {
                        recent.push(text.trim().to_string());
                        if recent.len() > 3 {
                            recent.remove(0);
                        }
                    }
                }
                b"tc" if depth == 1 => {
                    if let Some(c) = cell.take() {
                        let continued = c.vmerge == Some(false);
                        for _ in 0..c.span.clamp(1, 64) {
                            row.push((c.text.clone(), continued));
                        }
                    }
                }
                b"tr" if depth == 1 => rows.push(std::mem::take(&mut row)),
                b"tbl" => {
                    if depth == 1 {
                        grids.push(Grid {
                            page: None,
                            name: (!caption.is_empty()).then(|| std::mem::take(&mut caption)),
                            rows: resolve_vertical_merges(std::mem::take(&mut rows)),
                        });
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Ok(grids)
}

fn cell_property(e: &BytesStart, cell: Option<&mut CellState>) {
    let Some(c) = cell else { return };
    let val = e
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == b"val")
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        });
    match e.local_name().as_ref().as_bytes() {
        b"gridSpan" => {
            c.span = val.and_then(|v| v.parse().ok()).unwrap_or(1);
        }
        _ => c.vmerge = Some(val.as_deref() == Some("restart")),
    }
}

/// A cell that continues a vertical merge takes the text of the cell above.
fn resolve_vertical_merges(rows: Vec<Vec<(String, bool)>>) -> Vec<Vec<String>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut out: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells: Vec<String> = Vec::with_capacity(width);
        for (i, (text, continued)) in row.into_iter().enumerate() {
            if continued && text.trim().is_empty() {
                let above = out
                    .last()
                    .and_then(|r| r.get(i))
                    .cloned()
                    .unwrap_or_default();
                cells.push(above);
            } else {
                cells.push(text);
            }
        }
        cells.resize(width, String::new());
        out.push(cells);
    }
    out
}

/// Read with what the table stage needs besides the text: positioned lines
/// (PDF) or explicit grids (DOCX, spreadsheets).
pub(crate) fn read_with_tables(
    bytes: &[u8],
    format: SourceFormat,
) -> Result<(RawDocument, Vec<super::LayoutLine>, Vec<Grid>), ReadError> {
    match format {
        SourceFormat::Xlsx | SourceFormat::Xls => {
            let (raw, grids) = read_spreadsheet(bytes)?;
            Ok((raw, Vec::new(), grids))
        }
        SourceFormat::Docx => {
            let grids = docx_grids(bytes).unwrap_or_default();
            let raw = match super::docx::read(bytes) {
                Ok(raw) => raw,
                // The body text could not be read but the tables could: keep them.
                Err(_) if !grids.is_empty() => RawDocument {
                    pages: vec![grids.iter().map(grid_text).collect::<Vec<_>>().join("\n")],
                    paged: false,
                    ..Default::default()
                },
                Err(e) => return Err(e),
            };
            Ok((raw, Vec::new(), grids))
        }
        SourceFormat::Pdf => {
            let (raw, pages) = super::pdf::read_with_layout(bytes)?;
            let mut layout = Vec::new();
            for (i, page) in pages.iter().enumerate() {
                let glyphs: Vec<super::positioned::Glyph> = page
                    .glyphs
                    .iter()
                    .map(|g| super::positioned::Glyph {
                        text: g.text,
                        x: g.x,
                        y: g.y,
                        width: g.width,
                        size: g.size,
                    })
                    .collect();
                layout.extend(super::positioned::page_lines(i as u32 + 1, &glyphs));
            }
            Ok((raw, layout, Vec::new()))
        }
        SourceFormat::Text => {
            let raw = super::read_bytes(bytes, format)?;
            let layout = super::positioned::text_lines(&raw.pages);
            Ok((raw, layout, Vec::new()))
        }
        SourceFormat::Html => {
            let (raw, grids) = super::html::read_with_grids(bytes, None)?;
            Ok((raw, Vec::new(), grids))
        }
        _ => Ok((super::read_bytes(bytes, format)?, Vec::new(), Vec::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docx_merged_cells_are_expanded() {
        let xml = br#"<w:document xmlns:w="w"><w:body><w:tbl>
<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>AB</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>C</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>
</w:tbl></w:body></w:document>"#;
        let grids = parse_tables(xml).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(
            grids[0].rows,
            vec![vec!["AB", "AB", "C"], vec!["1", "2\nx", "C"]]
        );
    }
}
