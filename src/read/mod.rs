//! Readers: bytes of any supported format into one [`Document`].
//!
//! A reader knows nothing of patterns: it yields page texts (and, where the
//! format has them, positioned table cells); [`crate::normalize`] turns the
//! page texts into the normalized text that every later stage indexes.

pub mod docx;
pub mod grids;
pub mod html;
pub mod input;
mod number_formats;
mod ole;
pub mod pdf;
pub mod positioned;
pub mod text;
mod workbook_check;
mod xls_formats;

pub use input::{open_regular, read_file, read_opened, MAX_INPUT_BYTES};
pub use positioned::{LayoutLine, LayoutWord};

use std::fmt;

/// The format a reader recognised from the bytes (not from the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    Pdf,
    Docx,
    /// Legacy Word 97–2003 (an OLE compound file).
    Doc,
    /// Rich Text Format, often published under a `.doc` name.
    Rtf,
    Html,
    Text,
    Xlsx,
    Xls,
}

impl SourceFormat {
    /// Whether the reader's lines are the document's own paragraphs and
    /// rows (Word, RTF, HTML), not lines wrapped by a page layout.
    pub fn lines_are_paragraphs(self) -> bool {
        matches!(
            self,
            SourceFormat::Docx | SourceFormat::Doc | SourceFormat::Rtf | SourceFormat::Html
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Pdf => "pdf",
            SourceFormat::Docx => "docx",
            SourceFormat::Doc => "doc",
            SourceFormat::Rtf => "rtf",
            SourceFormat::Html => "html",
            SourceFormat::Text => "text",
            SourceFormat::Xlsx => "xlsx",
            SourceFormat::Xls => "xls",
        }
    }
}

/// Why a document could not be read. `reason()` is a stable code for datasets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    Truncated(String),
    Encrypted,
    NoTextLayer {
        pages: u32,
    },
    UnknownFormat(String),
    TooLarge(String),
    /// Nesting deeper than a reader follows (HTML elements left open).
    TooDeep(String),
    /// The path is a FIFO, a device or a folder, not a regular file.
    NotAFile(String),
    Corrupt(String),
    Panic(String),
    Io(String),
}

impl ReadError {
    pub fn reason(&self) -> &'static str {
        match self {
            ReadError::Empty => "empty",
            ReadError::Truncated(_) => "truncated",
            ReadError::Encrypted => "encrypted",
            ReadError::NoTextLayer { .. } => "no_text_layer",
            ReadError::UnknownFormat(_) => "unknown_format",
            ReadError::TooLarge(_) => "too_large",
            ReadError::TooDeep(_) => "too_deep",
            ReadError::NotAFile(_) => "not_a_file",
            ReadError::Corrupt(_) => "corrupt",
            ReadError::Panic(_) => "panic",
            ReadError::Io(_) => "io",
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(f, "the file is empty"),
            ReadError::Truncated(m) => write!(f, "the file is truncated: {m}"),
            ReadError::Encrypted => write!(f, "the document is encrypted and cannot be read"),
            ReadError::NoTextLayer { pages } => write!(
                f,
                "no text layer: {pages} page(s) hold only images (a scan); OCR is needed"
            ),
            ReadError::UnknownFormat(m) => write!(f, "unknown format: {m}"),
            ReadError::TooLarge(m) => write!(f, "over the size limit: {m}"),
            ReadError::TooDeep(m) => write!(f, "nested too deeply: {m}"),
            ReadError::NotAFile(m) => write!(f, "not a regular file: {m}"),
            ReadError::Corrupt(m) => write!(f, "corrupt file: {m}"),
            ReadError::Panic(m) => write!(f, "the reader panicked: {m}"),
            ReadError::Io(m) => write!(f, "cannot read the file: {m}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// What a reader yields: raw text per page, before normalization.
#[derive(Debug, Clone, Default)]
pub struct RawDocument {
    /// One string per page; formats without pages give one element.
    pub pages: Vec<String>,
    /// Whether the format has real pages (PDF, text with form feeds).
    pub paged: bool,
    /// The file was damaged and only partly read (a truncated download whose
    /// readable pages were recovered): what was read is kept, and this is
    /// reported as the document's error.
    pub damage: Option<ReadError>,
}

/// Guess the format from magic bytes; the file name only breaks ties (text vs HTML).
pub fn sniff(bytes: &[u8], name: &str) -> Result<SourceFormat, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Ok(SourceFormat::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(sniff_zip(bytes, name));
    }
    if bytes.starts_with(&OLE_MAGIC) {
        return sniff_ole(bytes, name);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Ok(SourceFormat::Rtf);
    }
    const BINARY: [(&[u8], &str); 5] = [
        (b"\x89PNG", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
    ];
    for (magic, what) in BINARY {
        if bytes.starts_with(magic) {
            return Err(ReadError::UnknownFormat(format!("{what}, not a document")));
        }
    }
    // Pages often open with kilobytes of comments or scripts before `<html>`.
    let markup_head: Vec<u8> = bytes[..bytes.len().min(8 * 1024)]
        .iter()
        .map(|b| b.to_ascii_lowercase())
        .collect();
    const HTML_MARKERS: [&[u8]; 6] = [
        b"<html",
        b"<!doctype html",
        b"<body",
        b"<head>",
        b"<meta ",
        b"<title>",
    ];
    if html::is_mhtml(bytes)
        || HTML_MARKERS
            .iter()
            .any(|marker| find(&markup_head, marker).is_some())
    {
        return Ok(SourceFormat::Html);
    }
    if matches!(extension(name).as_str(), "html" | "htm" | "shtml" | "xhtml") {
        return Ok(SourceFormat::Html);
    }
    let nul = head.iter().filter(|&&b| b == 0).count();
    let utf16 = head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || text::utf16_without_bom(bytes).is_some();
    if nul > 0 && !utf16 {
        return Err(ReadError::UnknownFormat("binary data".into()));
    }
    Ok(SourceFormat::Text)
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// DOCX or XLSX by the part names in the zip directory; a zip whose directory
/// cannot be read (a cut-off download) falls back to the name and the first
/// local headers, and the reader then reports why it cannot be opened.
fn sniff_zip(bytes: &[u8], name: &str) -> SourceFormat {
    let extension = extension(name);
    if let Ok(archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        let names: Vec<String> = archive
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect();
        if names.iter().any(|n| n.starts_with("word/")) {
            return SourceFormat::Docx;
        }
        if names.iter().any(|n| n.starts_with("xl/")) {
            return SourceFormat::Xlsx;
        }
    }
    if extension == "docx" {
        return SourceFormat::Docx;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if extension == "xlsx" || find(head, b"xl/workbook").is_some() {
        return SourceFormat::Xlsx;
    }
    SourceFormat::Docx
}

/// OLE compound files: legacy Word `.doc`, legacy Excel `.xls`, and
/// password-protected OOXML (an `EncryptedPackage` stream). Directory entry
/// names are UTF-16LE; a Word file may embed a workbook, so Word wins unless
/// the name says spreadsheet.
fn sniff_ole(bytes: &[u8], name: &str) -> Result<SourceFormat, ReadError> {
    let has_stream = |stream: &str| {
        let utf16: Vec<u8> = stream.encode_utf16().flat_map(u16::to_le_bytes).collect();
        find(bytes, &utf16).is_some()
    };
    let extension = extension(name);
    if has_stream("EncryptedPackage") {
        return Err(ReadError::Encrypted);
    }
    let spreadsheet_name = matches!(extension.as_str(), "xls" | "xlsx" | "et");
    let word = has_stream("WordDocument") || matches!(extension.as_str(), "doc" | "wps");
    if word && !spreadsheet_name {
        return Ok(SourceFormat::Doc);
    }
    Ok(SourceFormat::Xls)
}

/// Lower-case extension of a path or URL (query and fragment ignored).
fn extension(name: &str) -> String {
    let path = name.split(['?', '#']).next().unwrap_or("");
    let file = path.rsplit(['/', '\\']).next().unwrap_or("");
    match file.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => String::new(),
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read bytes of a known format into raw page texts.
pub fn read_bytes(bytes: &[u8], format: SourceFormat) -> Result<RawDocument, ReadError> {
    match format {
        SourceFormat::Pdf => pdf::read(bytes),
        SourceFormat::Docx => docx::read(bytes),
        SourceFormat::Doc => docx::read_doc(bytes),
        SourceFormat::Rtf => docx::read_rtf(bytes),
        SourceFormat::Html => html::read(bytes, None),
        SourceFormat::Text => text::read(bytes),
        SourceFormat::Xlsx | SourceFormat::Xls => {
            grids::read_spreadsheet(bytes).map(|(raw, _)| raw)
        }
    }
}

/// A document read and normalized: the input of every later stage.
#[derive(Debug, Clone)]
pub struct Document {
    /// sha256 of the input bytes, lower-case hex.
    pub sha256: String,
    /// Where it came from (path or URL), for messages.
    pub source: String,
    pub format: SourceFormat,
    /// Normalized text (see [`crate::normalize`]); pages joined by `\f`.
    pub text: String,
    /// Byte offset in `text` where each page starts; empty for unpaged formats.
    pub page_starts: Vec<usize>,
    /// PDF: positioned words in lines, every page in order (for the tables).
    pub layout: Vec<LayoutLine>,
    /// DOCX/XLSX/XLS: the explicit tables, rows × cells, merged cells expanded.
    pub grids: Vec<Grid>,
    /// Set when the file was only partly readable (see [`RawDocument::damage`]).
    pub damage: Option<ReadError>,
}

/// An explicit table of the source: a DOCX `w:tbl` or a spreadsheet sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// 1-based page where the format has pages.
    pub page: Option<u32>,
    /// The sheet name of a spreadsheet; for a DOCX table, the paragraphs
    /// just before it (title, unit), one per line.
    pub name: Option<String>,
    /// Rows of cell texts; a merged cell's text is repeated in every cell it covers.
    pub rows: Vec<Vec<String>>,
}

impl Document {
    /// 1-based page holding byte offset `at`, where the format has pages.
    pub fn page_at(&self, at: usize) -> Option<u32> {
        if self.page_starts.is_empty() {
            return None;
        }
        let idx = self.page_starts.partition_point(|&s| s <= at);
        Some(idx.max(1) as u32)
    }

    pub fn page_count(&self) -> Option<u32> {
        (!self.page_starts.is_empty()).then_some(self.page_starts.len() as u32)
    }
}

/// sha256 of bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Sniff, read and normalize. Panics inside a reader library become [`ReadError::Panic`].
pub fn read_document(bytes: &[u8], source: &str) -> Result<Document, ReadError> {
    read_document_with_id(bytes, source, sha256_hex(bytes))
}

/// [`read_document`] for a caller that has already hashed the bytes.
pub fn read_document_with_id(
    bytes: &[u8],
    source: &str,
    sha256: String,
) -> Result<Document, ReadError> {
    let format = sniff(bytes, source)?;
    let (raw, layout, grids) = catch_panic(|| grids::read_with_tables(bytes, format))?;
    let text_layout = if format.lines_are_paragraphs() {
        crate::normalize::Layout::Paragraphs
    } else {
        crate::normalize::Layout::Wrapped
    };
    let normalized = crate::normalize::normalize_layout(&raw.pages, text_layout);
    if normalized.text.trim().is_empty() {
        return Err(match format {
            SourceFormat::Pdf => ReadError::NoTextLayer {
                pages: raw.pages.len() as u32,
            },
            _ => ReadError::Empty,
        });
    }
    Ok(Document {
        sha256,
        source: source.to_string(),
        format,
        text: normalized.text,
        page_starts: if raw.paged {
            normalized.page_starts
        } else {
            Vec::new()
        },
        layout,
        grids,
        damage: raw.damage,
    })
}

/// The text an XML entity or character reference (`&amp;`, `&#x4E2D;`)
/// stands for: quick-xml reports them apart from the text around them. An
/// unknown entity is kept as written.
pub(crate) fn xml_reference(r: &quick_xml::events::BytesRef) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_predefined_entity(&name)
        .map_or_else(|| format!("&{name};"), str::to_string)
}

/// Run `f`, turning a panic into a per-document error instead of a crash.
pub fn catch_panic<T>(f: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(ReadError::Panic(msg))
        }
    }
}
