//! DOCX reader: paragraphs and table rows of the main document part, in order.
//!
//! Word pages are not stored in the file (they depend on the renderer), so the
//! page breaks Word recorded only split the text; the result is never `paged`.

mod legacy;
mod numbering;
mod rtf;

use super::{RawDocument, ReadError};
use numbering::Numbering;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use std::io::{Cursor, Read};
use zip::result::ZipError;
use zip::ZipArchive;

/// Inflated size limit of the main document part: real budget reports stay
/// far below it, a zip bomb does not.
pub const MAX_DOCUMENT_XML_BYTES: u64 = 64 * 1024 * 1024;
/// More entries than this is not a Word document but an attack or an archive.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Deeper XML than this is hostile; Word itself nests a few dozen levels.
pub const MAX_XML_DEPTH: usize = 512;

const WORD_NS: &[&[u8]] = &[
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MARKUP_COMPATIBILITY_NS: &[u8] =
    b"http://schemas.openxmlformats.org/markup-compatibility/2006";
const MAIN_PART: &str = "word/document.xml";

/// Read a DOCX file: one line per paragraph and per table row.
pub fn read(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let (xml, numbering) = main_part_xml(bytes)?;
    let pages = body_text(&xml, numbering)?;
    Ok(RawDocument {
        pages,
        paged: false,
        damage: None,
    })
}

/// Read a legacy Word 97–2003 `.doc` (an OLE compound file): the main text,
/// one line per paragraph and per table row.
pub fn read_doc(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    legacy::read(bytes)
}

/// Read an RTF file (often published under a `.doc` name).
pub fn read_rtf(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    rtf::read(bytes)
}

/// The inflated main document part, read through a limit so that a lying
/// size in the zip header cannot exhaust memory, and the list definitions
/// that number its paragraphs.
fn main_part_xml(bytes: &[u8]) -> Result<(Vec<u8>, Numbering), ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(open_error)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ReadError::TooLarge(format!(
            "zip archive has {} entries (limit {MAX_ZIP_ENTRIES})",
            archive.len()
        )));
    }
    let part = main_part_name(&mut archive);
    let mut file = match archive.by_name(&part) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => {
            return Err(ReadError::UnknownFormat(
                "zip archive without word/document.xml (not a Word document)".into(),
            ))
        }
        Err(e) => return Err(entry_error(e, &part)),
    };
    if file.size() > MAX_DOCUMENT_XML_BYTES {
        return Err(ReadError::TooLarge(format!(
            "{part} declares {} bytes inflated (limit {MAX_DOCUMENT_XML_BYTES})",
            file.size()
        )));
    }
    let mut xml = Vec::with_capacity(file.size() as usize);
    let read = (&mut file)
        .take(MAX_DOCUMENT_XML_BYTES + 1)
        .read_to_end(&mut xml);
    if xml.len() as u64 > MAX_DOCUMENT_XML_BYTES {
        return Err(ReadError::TooLarge(format!(
            "{part} inflates past {MAX_DOCUMENT_XML_BYTES} bytes"
        )));
    }
    read.map_err(|e| inflate_error(e, &part))?;
    drop(file);
    let numbering = Numbering::parse(
        optional_part(&mut archive, "word/numbering.xml").as_deref(),
        optional_part(&mut archive, "word/styles.xml").as_deref(),
    );
    Ok((xml, numbering))
}

/// A secondary part, when present, readable and of a sane size.
fn optional_part(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    const LIMIT: u64 = 16 * 1024 * 1024;
    let file = archive.by_name(name).ok()?;
    if file.size() > LIMIT {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(LIMIT + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= LIMIT).then_some(bytes)
}

/// The main part is `word/document.xml` in every generator we have seen, but
/// the package relationships are what name it.
fn main_part_name(archive: &mut ZipArchive<Cursor<&[u8]>>) -> String {
    if archive.index_for_name(MAIN_PART).is_some() {
        return MAIN_PART.to_string();
    }
    let mut rels = String::new();
    let found = archive
        .by_name("_rels/.rels")
        .ok()
        .and_then(|f| f.take(1024 * 1024).read_to_string(&mut rels).ok());
    if found.is_none() {
        return MAIN_PART.to_string();
    }
    let mut reader = NsReader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().as_ref().as_bytes() == b"Relationship" =>
            {
                let ty = attribute(&e, b"Type").unwrap_or_default();
                if ty.ends_with("/officeDocument") {
                    if let Some(target) = attribute(&e, b"Target") {
                        return target.trim_start_matches('/').to_string();
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return MAIN_PART.to_string(),
            _ => {}
        }
    }
}

fn open_error(e: ZipError) -> ReadError {
    match e {
        // The directory sits at the end of a zip: a file that starts like a
        // zip but has no end record was cut off.
        ZipError::InvalidArchive(msg)
            if msg.contains("EOCD") || msg.to_ascii_lowercase().contains("central directory") =>
        {
            ReadError::Truncated(format!(
                "zip archive has no end of central directory ({msg}); the download was probably cut off"
            ))
        }
        ZipError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ReadError::Truncated(format!("zip archive ends early: {io}"))
        }
        other => ReadError::Corrupt(format!("not a readable zip archive: {other}")),
    }
}

fn entry_error(e: ZipError, part: &str) -> ReadError {
    match e {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            ReadError::Encrypted
        }
        ZipError::Io(io) => inflate_error(io, part),
        other => ReadError::Corrupt(format!("cannot open {part}: {other}")),
    }
}

fn inflate_error(e: std::io::Error, part: &str) -> ReadError {
    // zip stops an entry that inflates past the size its headers declare.
    if e.to_string().contains("larger than its declared") {
        ReadError::TooLarge(format!("{part} inflates past its declared size: {e}"))
    } else if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ReadError::Truncated(format!("{part} ends early: {e}"))
    } else {
        ReadError::Corrupt(format!("cannot inflate {part}: {e}"))
    }
}

fn attribute(e: &BytesStart, local: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == local)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Walk `document.xml` and lay its text out as lines, split at Word's page breaks.
fn body_text(xml: &[u8], numbering: Numbering) -> Result<Vec<String>, ReadError> {
    let mut reader = NsReader::from_reader(xml);
    let mut layout = Layout {
        numbering,
        ..Layout::default()
    };
    let mut buf = Vec::new();
    let mut depth = 0usize;
    // Depth at which a skipped subtree (an `mc:Fallback` copy) started.
    let mut skip_from: Option<usize> = None;
    loop {
        let (ns, event) = reader
            .read_resolved_event_into(&mut buf)
            .map_err(|e| ReadError::Corrupt(format!("{MAIN_PART} is not well-formed XML: {e}")))?;
        let in_word =
            matches!(ns, ResolveResult::Bound(n) if WORD_NS.contains(&n.as_ref().as_bytes()));
        let in_mc = matches!(ns, ResolveResult::Bound(n) if n.as_ref().as_bytes() == MARKUP_COMPATIBILITY_NS);
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(ReadError::Corrupt(format!(
                        "{MAIN_PART} nests XML deeper than {MAX_XML_DEPTH} levels"
                    )));
                }
                if skip_from.is_none() && in_mc && e.local_name().as_ref().as_bytes() == b"Fallback"
                {
                    skip_from = Some(depth);
                }
                if skip_from.is_none() && in_word {
                    layout.open(e.local_name().as_ref().as_bytes(), &e);
                }
            }
            Event::Empty(e) if skip_from.is_none() && in_word => {
                layout.open(e.local_name().as_ref().as_bytes(), &e);
                layout.close(e.local_name().as_ref().as_bytes());
            }
            Event::End(e) => {
                if skip_from.is_none() && in_word {
                    layout.close(e.local_name().as_ref().as_bytes());
                }
                if skip_from == Some(depth) {
                    skip_from = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if skip_from.is_none() && layout.in_text => {
                layout.push_text(&t.xml10_content());
            }
            // `&amp;` and `&#x4E2D;` come as events of their own.
            Event::GeneralRef(r) if skip_from.is_none() && layout.in_text => {
                layout.push_text(&super::xml_reference(&r));
            }
            Event::CData(t) if skip_from.is_none() && layout.in_text => {
                layout.push_text(&t.xml10_content());
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(layout.finish())
}

/// An open `w:p`: its text so far and what numbers it.
#[derive(Default)]
struct Paragraph {
    text: String,
    style: Option<String>,
    num_id: Option<u32>,
    level: Option<u32>,
}

/// Text laid out as it is read: paragraphs become lines, outermost table rows
/// become tab-separated lines, nested tables flatten into their cell.
#[derive(Default)]
struct Layout {
    pages: Vec<String>,
    page: String,
    /// Open paragraphs; text boxes put paragraphs inside paragraphs.
    paragraphs: Vec<Paragraph>,
    numbering: Numbering,
    run_depth: usize,
    in_text: bool,
    table_depth: usize,
    row: Vec<String>,
    cell: String,
    /// Columns the current outermost cell spans (`w:gridSpan`).
    cell_span: usize,
}

impl Layout {
    fn open(&mut self, name: &[u8], e: &BytesStart) {
        match name {
            b"p" => self.paragraphs.push(Paragraph::default()),
            b"pStyle" | b"numId" | b"ilvl" => {
                if let (Some(paragraph), Some(value)) =
                    (self.paragraphs.last_mut(), attribute(e, b"val"))
                {
                    match name {
                        b"pStyle" => paragraph.style = Some(value),
                        b"numId" => paragraph.num_id = value.trim().parse().ok(),
                        _ => paragraph.level = value.trim().parse().ok(),
                    }
                }
            }
            b"r" => self.run_depth += 1,
            b"t" if self.run_depth > 0 => self.in_text = true,
            b"tab" | b"ptab" if self.run_depth > 0 => self.push_text("\t"),
            b"br" | b"cr" if self.run_depth > 0 => {
                if attribute(e, b"type").as_deref() == Some("page") {
                    self.page_break();
                } else {
                    self.push_text("\n");
                }
            }
            b"lastRenderedPageBreak" => self.page_break(),
            b"noBreakHyphen" | b"softHyphen" if self.run_depth > 0 => self.push_text("-"),
            b"tbl" => {
                self.table_depth += 1;
                if self.table_depth == 1 {
                    self.row.clear();
                }
            }
            b"tr" if self.table_depth == 1 => self.row.clear(),
            b"tc" if self.table_depth == 1 => {
                self.cell.clear();
                self.cell_span = 1;
            }
            b"gridSpan" if self.table_depth == 1 => {
                if let Some(span) = attribute(e, b"val").and_then(|v| v.parse::<usize>().ok()) {
                    self.cell_span = span.clamp(1, 64);
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &[u8]) {
        match name {
            b"p" => {
                if let Some(paragraph) = self.paragraphs.pop() {
                    let text = self.numbered(paragraph);
                    self.emit_paragraph(text);
                }
            }
            b"r" => self.run_depth = self.run_depth.saturating_sub(1),
            b"t" => self.in_text = false,
            b"tbl" => self.table_depth = self.table_depth.saturating_sub(1),
            b"tr" if self.table_depth == 1 => self.emit_row(),
            b"tc" if self.table_depth == 1 => {
                let cell = std::mem::take(&mut self.cell);
                self.row.push(cell);
                for _ in 1..self.cell_span {
                    self.row.push(String::new());
                }
            }
            _ => {}
        }
    }

    /// The paragraph's text behind the label Word numbers it with.
    fn numbered(&mut self, paragraph: Paragraph) -> String {
        match self.numbering.label(
            paragraph.num_id,
            paragraph.level,
            paragraph.style.as_deref(),
        ) {
            Some(label) => label + &paragraph.text,
            None => paragraph.text,
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(paragraph) = self.paragraphs.last_mut() {
            paragraph.text.push_str(text);
        }
    }

    fn emit_paragraph(&mut self, text: String) {
        if self.table_depth > 0 {
            // Tabs and breaks inside a cell would break the row's cell layout.
            let flat = text.replace(['\t', '\n'], " ");
            let flat = flat.trim();
            if !flat.is_empty() {
                if !self.cell.is_empty() {
                    self.cell.push(' ');
                }
                self.cell.push_str(flat);
            }
        } else {
            self.page.push_str(&text);
            self.page.push('\n');
        }
    }

    fn emit_row(&mut self) {
        let mut cells = std::mem::take(&mut self.row);
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        if !cells.is_empty() {
            self.page.push_str(&cells.join("\t"));
            self.page.push('\n');
        }
    }

    /// Word writes an explicit break and then a rendered break at the same
    /// spot; a break on an empty page is therefore dropped. Breaks inside
    /// tables would cut a row in two, so they are ignored.
    fn page_break(&mut self) {
        if self.table_depth > 0 {
            return;
        }
        let has_text = self
            .paragraphs
            .last()
            .is_some_and(|p| !p.text.trim().is_empty());
        if has_text {
            // The text so far ends this page, numbered; the rest of the
            // paragraph continues unnumbered on the next.
            if let Some(paragraph) = self.paragraphs.pop() {
                let before = self.numbered(paragraph);
                self.page.push_str(&before);
                self.page.push('\n');
                self.paragraphs.push(Paragraph {
                    num_id: Some(0),
                    ..Paragraph::default()
                });
            }
        }
        if !self.page.trim().is_empty() {
            self.pages.push(std::mem::take(&mut self.page));
        }
    }

    fn finish(mut self) -> Vec<String> {
        while let Some(paragraph) = self.paragraphs.pop() {
            let text = self.numbered(paragraph);
            self.emit_paragraph(text);
        }
        if self.table_depth > 0 {
            self.table_depth = 1;
            if !self.cell.is_empty() {
                let cell = std::mem::take(&mut self.cell);
                self.row.push(cell);
            }
            self.emit_row();
        }
        if !self.page.trim().is_empty() || self.pages.is_empty() {
            self.pages.push(self.page);
        }
        self.pages
    }
}
