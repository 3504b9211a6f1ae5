//! RTF: the body text of a Rich Text Format file.
//!
//! Government sites often publish RTF under a `.doc` name. Text arrives as
//! literal characters, `\'hh` bytes in the code page of the current font
//! (GBK for `\fcharset134`) or the document (`\ansicpg936`), and `\uN`
//! Unicode escapes followed by `\ucN` fallback characters to skip.

use super::super::{RawDocument, ReadError};
use encoding_rs::Encoding;
use std::collections::HashMap;

/// Deeper group nesting than this is hostile; real files nest a dozen levels.
const MAX_GROUP_DEPTH: usize = 512;

/// Destinations whose text is not body text.
const SKIPPED_DESTINATIONS: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "object",
    "objdata",
    "fldinst",
    "footnote",
    "annotation",
    "nonshppict",
    "revtbl",
    "pgdsctbl",
    "filetbl",
    "template",
    "userprops",
    "bkmkstart",
    "bkmkend",
];

/// Read an RTF file into text: paragraphs and table rows on their own line,
/// cells separated by a tab.
pub fn read(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    if !bytes.starts_with(b"{\\rtf") {
        return Err(ReadError::UnknownFormat("not an RTF file".into()));
    }
    let fonts = font_code_pages(bytes);
    let mut parser = Parser::new(bytes, fonts);
    parser.run()?;
    Ok(RawDocument {
        pages: vec![parser.finish()],
        paged: false,
        damage: None,
    })
}

#[derive(Clone)]
struct GroupState {
    skip: bool,
    unicode_skip: usize,
    encoding: &'static Encoding,
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    fonts: HashMap<i32, &'static Encoding>,
    document_encoding: &'static Encoding,
    stack: Vec<GroupState>,
    state: GroupState,
    out: String,
    /// Undecoded `\'hh` bytes: a GBK character spans two escapes.
    pending: Vec<u8>,
    /// Fallback characters still to skip after a `\uN`.
    to_skip: usize,
    in_table: bool,
}

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8], fonts: HashMap<i32, &'static Encoding>) -> Self {
        let encoding = encoding_rs::WINDOWS_1252;
        Parser {
            bytes,
            at: 0,
            fonts,
            document_encoding: encoding,
            stack: Vec::new(),
            state: GroupState {
                skip: false,
                unicode_skip: 1,
                encoding,
            },
            out: String::new(),
            pending: Vec::new(),
            to_skip: 0,
            in_table: false,
        }
    }

    fn run(&mut self) -> Result<(), ReadError> {
        while self.at < self.bytes.len() {
            let b = self.bytes[self.at];
            self.at += 1;
            match b {
                b'{' => {
                    if self.stack.len() >= MAX_GROUP_DEPTH {
                        return Err(ReadError::Corrupt(format!(
                            "RTF groups nest deeper than {MAX_GROUP_DEPTH} levels"
                        )));
                    }
                    self.flush();
                    self.stack.push(self.state.clone());
                    // `{\*\dest ...}`: a destination a reader may ignore.
                    if self.bytes[self.at..].starts_with(b"\\*") {
                        self.state.skip = true;
                    }
                }
                b'}' => {
                    self.flush();
                    match self.stack.pop() {
                        Some(state) => self.state = state,
                        None => break,
                    }
                }
                b'\\' => self.control()?,
                b'\r' | b'\n' => {}
                _ => {
                    if self.to_skip > 0 {
                        self.to_skip -= 1;
                    } else if !self.state.skip {
                        self.pending.push(b);
                    }
                }
            }
        }
        self.flush();
        Ok(())
    }

    fn control(&mut self) -> Result<(), ReadError> {
        let Some(&first) = self.bytes.get(self.at) else {
            return Ok(());
        };
        if !first.is_ascii_alphabetic() {
            self.at += 1;
            return self.symbol(first);
        }
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_alphabetic) {
            self.at += 1;
        }
        let word = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("");
        let number_start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) && self.at - number_start < 11
        {
            self.at += 1;
        }
        let param = std::str::from_utf8(&self.bytes[number_start..self.at])
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        if self.bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        self.word(word, param);
        Ok(())
    }

    fn symbol(&mut self, symbol: u8) -> Result<(), ReadError> {
        match symbol {
            b'\'' => {
                let hex = self.bytes.get(self.at..self.at + 2).unwrap_or(b"");
                self.at += hex.len();
                let byte = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if self.to_skip > 0 {
                    self.to_skip -= 1;
                } else if let (Some(byte), false) = (byte, self.state.skip) {
                    self.pending.push(byte);
                }
            }
            b'\\' | b'{' | b'}' => self.literal(char::from(symbol)),
            b'~' => self.literal('\u{a0}'),
            b'_' => self.literal('-'),
            b'\r' | b'\n' => self.word("par", None),
            b'*' => {}
            _ => {}
        }
        Ok(())
    }

    fn literal(&mut self, c: char) {
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return;
        }
        self.push(c);
    }

    fn push(&mut self, c: char) {
        self.flush();
        if !self.state.skip {
            self.out.push(c);
        }
    }

    fn push_str(&mut self, s: &str) {
        self.flush();
        if !self.state.skip {
            self.out.push_str(s);
        }
    }

    fn word(&mut self, word: &str, param: Option<i64>) {
        if SKIPPED_DESTINATIONS.contains(&word) {
            self.flush();
            self.state.skip = true;
            return;
        }
        match word {
            // Raw binary data (a picture) follows: its bytes are not RTF.
            "bin" => {
                let len = param.unwrap_or(0).max(0) as usize;
                self.at = self.at.saturating_add(len).min(self.bytes.len());
            }
            "ansicpg" => {
                if let Some(encoding) = param.and_then(code_page_encoding) {
                    self.document_encoding = encoding;
                    self.state.encoding = encoding;
                }
            }
            "f" => {
                self.flush();
                let font = param.and_then(|p| i32::try_from(p).ok());
                self.state.encoding = font
                    .and_then(|f| self.fonts.get(&f).copied())
                    .unwrap_or(self.document_encoding);
            }
            "uc" => self.state.unicode_skip = param.unwrap_or(1).clamp(0, 8) as usize,
            "u" => {
                if let Some(code) = param {
                    let code = if code < 0 { code + 65536 } else { code };
                    let c = u32::try_from(code)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}');
                    self.push(c);
                    self.to_skip = self.state.unicode_skip;
                }
            }
            "par" | "sect" | "page" | "line" => {
                if self.in_table {
                    self.push_str(" ");
                } else {
                    self.push('\n');
                }
            }
            "pard" => self.in_table = false,
            "intbl" => self.in_table = true,
            "tab" => self.push('\t'),
            "cell" => {
                self.trim_trailing_spaces();
                self.push('\t');
            }
            "nestcell" | "nestrow" => self.push(' '),
            "row" => {
                self.flush();
                if !self.state.skip {
                    while self.out.ends_with(['\t', ' ']) {
                        self.out.pop();
                    }
                    self.out.push('\n');
                }
                self.in_table = false;
            }
            "emdash" => self.push('—'),
            "endash" => self.push('–'),
            "bullet" => self.push('•'),
            "lquote" => self.push('‘'),
            "rquote" => self.push('’'),
            "ldblquote" => self.push('“'),
            "rdblquote" => self.push('”'),
            _ => {}
        }
    }

    fn trim_trailing_spaces(&mut self) {
        self.flush();
        if !self.state.skip {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
        }
    }

    /// Decode pending bytes in the code page they were written in.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let (text, _, _) = self.state.encoding.decode(&self.pending);
        self.out.push_str(&text);
        self.pending.clear();
    }

    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        for line in self.out.lines() {
            text.push_str(line.trim_matches(' '));
            text.push('\n');
        }
        text
    }
}

/// `\fN ... \fcharsetM` pairs of the font table, as encodings.
fn font_code_pages(bytes: &[u8]) -> HashMap<i32, &'static Encoding> {
    let mut fonts = HashMap::new();
    let head = &bytes[..bytes.len().min(256 * 1024)];
    let Some(start) = super::super::find(head, b"{\\fonttbl") else {
        return fonts;
    };
    let mut depth = 0usize;
    let mut current: Option<i32> = None;
    let mut i = start;
    while i < head.len() {
        match head[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b'\\' => {
                let rest = &head[i + 1..];
                let number = |prefix: &[u8]| -> Option<i32> {
                    let digits = rest.strip_prefix(prefix)?;
                    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
                    std::str::from_utf8(&digits[..len]).ok()?.parse().ok()
                };
                if let Some(charset) = number(b"fcharset") {
                    if let (Some(font), Some(encoding)) = (current, charset_encoding(charset)) {
                        fonts.insert(font, encoding);
                    }
                } else if let Some(font) = number(b"f") {
                    current = Some(font);
                }
            }
            _ => {}
        }
        i += 1;
    }
    fonts
}

fn charset_encoding(charset: i32) -> Option<&'static Encoding> {
    match charset {
        0 => Some(encoding_rs::WINDOWS_1252),
        128 => Some(encoding_rs::SHIFT_JIS),
        129 => Some(encoding_rs::EUC_KR),
        134 => Some(encoding_rs::GB18030),
        136 => Some(encoding_rs::BIG5),
        _ => None,
    }
}

fn code_page_encoding(code_page: i64) -> Option<&'static Encoding> {
    match code_page {
        936 | 54936 => Some(encoding_rs::GB18030),
        950 => Some(encoding_rs::BIG5),
        932 => Some(encoding_rs::SHIFT_JIS),
        949 => Some(encoding_rs::EUC_KR),
        65001 => Some(encoding_rs::UTF_8),
        1250..=1258 | 874 => Encoding::for_label(format!("windows-{code_page}").as_bytes()),
        _ => None,
    }
}
