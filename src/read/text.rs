//! Plain text reader: decoding and form-feed paging.
//!
//! Government text files come as UTF-8, UTF-16 (from Windows tools) or the
//! legacy Chinese code pages; pdftotext output separates pages with `\f`.

use super::{RawDocument, ReadError};
use encoding_rs::{Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

/// Read a text file: decode it and split pages on form feeds.
pub fn read(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let text = decode(bytes, None);
    Ok(split_pages(&text))
}

/// Decode bytes to a string. A BOM wins, then a `declared` label, then UTF-8
/// when the bytes are valid UTF-8, then a guess (GBK is decoded as GB18030,
/// its superset).
pub(crate) fn decode(bytes: &[u8], declared: Option<&'static Encoding>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = declared {
        return decode_with(encoding, bytes);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return decode_with(encoding, bytes);
    }
    if looks_like_utf8(bytes) {
        return decode_with(UTF_8, bytes);
    }
    decode_with(guess_legacy(bytes), bytes)
}

/// Decode with a charset a server or a page declared, unless it is plainly
/// wrong: bytes that do not decode with it (a GBK page served as UTF-8 by a
/// default server setting) fall back to detection.
pub(crate) fn decode_declared(bytes: &[u8], declared: &'static Encoding) -> String {
    if Encoding::for_bom(bytes).is_some() {
        return decode(bytes, None);
    }
    let (text, had_errors) = superset(declared).decode_without_bom_handling(bytes);
    if had_errors {
        return decode(bytes, None);
    }
    text.into_owned()
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let encoding = superset(encoding);
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.into_owned()
}

/// GBK and GB2312 labels are decoded with GB18030: same bytes for their
/// characters, and pages labelled GB2312 often use GBK-only characters.
pub(crate) fn superset(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == GBK {
        GB18030
    } else {
        encoding
    }
}

/// Valid UTF-8, allowing a cut-off multi-byte character at the very end
/// (a truncated download should not flip the whole file to a legacy guess).
fn looks_like_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > bytes.len(),
    }
}

/// Chinese legacy encodings: chardetng decides between GBK and Big5 on its
/// own (a `.cn` hint would pull Big5 text to GBK); when it guesses neither,
/// the snippet is too short to tell and the `.cn` hint (GBK) decides.
pub(crate) fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    // A prefix tells GBK from Big5 as well as the whole file, and detection
    // runs at tens of MB/s: a few hundred KB keep it out of the profile.
    const SAMPLE: usize = 256 * 1024;
    let sample = &bytes[..bytes.len().min(SAMPLE)];
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(sample, sample.len() == bytes.len());
    let unhinted = detector.guess(None, chardetng::Utf8Detection::Deny);
    if unhinted == BIG5 || unhinted == GBK {
        return superset(unhinted);
    }
    superset(detector.guess(Some(b"cn"), chardetng::Utf8Detection::Deny))
}

/// UTF-16 without a BOM: mostly-ASCII text shows a NUL in every other
/// byte. Chinese text has NULs only here and there (ASCII digits and line
/// ends, characters such as 一 U+4E00), so a sample with any NUL is also
/// taken as UTF-16 when it decodes, in one byte order, to nearly nothing
/// but text: CJK characters and punctuation, ASCII, whitespace.
pub(crate) fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nuls = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    if odd_nuls * 10 >= pairs * 4 && even_nuls * 20 < pairs {
        return Some(UTF_16LE);
    }
    if even_nuls * 10 >= pairs * 4 && odd_nuls * 20 < pairs {
        return Some(UTF_16BE);
    }
    if even_nuls + odd_nuls == 0 {
        return None;
    }
    [UTF_16LE, UTF_16BE]
        .into_iter()
        .find(|&encoding| mostly_text(sample, encoding == UTF_16LE))
}

/// Whether 98 % of the UTF-16 code units of `sample` are text characters
/// (see [`utf16_without_bom`]); a cut surrogate pair at the end is ignored.
fn mostly_text(sample: &[u8], little_endian: bool) -> bool {
    let units = sample.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut total = 0usize;
    let mut texty = 0usize;
    for c in char::decode_utf16(units) {
        total += 1;
        let Ok(c) = c else { continue };
        let text = c.is_ascii_graphic()
            || c.is_whitespace()
            || matches!(c as u32,
                0x3000..=0x303F   // CJK punctuation
                | 0x3400..=0x4DBF // CJK extension A
                | 0x4E00..=0x9FFF // CJK unified ideographs
                | 0x2000..=0x206F // general punctuation
                | 0xFF00..=0xFFEF // full-width forms
                | 0x00B7 | 0x00D7 | 0x2160..=0x217F | 0x2460..=0x24FF | 0x25A0..=0x25FF);
        if text {
            texty += 1;
        }
    }
    total > 0 && texty * 100 >= total * 98
}

/// Split decoded text on form feeds. The trailing `\f` pdftotext writes after
/// the last page does not start another page.
pub(crate) fn split_pages(text: &str) -> RawDocument {
    let text = strip_carriage_returns(text);
    let paged = text.contains('\x0c');
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if paged && pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    RawDocument {
        pages,
        paged,
        damage: None,
    }
}

/// `\r\n` and lone `\r` (old Mac files) both end a line.
fn strip_carriage_returns(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_form_feed_does_not_add_a_page() {
        let doc = split_pages("一\x0c二\x0c");
        assert_eq!(doc.pages, vec!["一", "二"]);
        assert!(doc.paged);
    }

    #[test]
    fn crlf_and_lone_cr_become_newlines() {
        let doc = split_pages("a\r\nb\rc");
        assert_eq!(doc.pages, vec!["a\nb\nc"]);
        assert!(!doc.paged);
    }

    #[test]
    fn utf8_cut_mid_character_stays_utf8() {
        let mut bytes = "预算支出6.84万元".as_bytes().to_vec();
        bytes.extend_from_slice(&"元".as_bytes()[..2]);
        assert!(decode(&bytes, None).starts_with("预算支出6.84万元"));
    }

    #[test]
    fn chinese_utf16_without_bom_is_text() {
        let text = "一、部门预算收支总体情况\n2024年收入预算合计6,844.12万元，比上年增加12.5%。\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            assert_eq!(
                crate::read::sniff(&bytes, "a.txt"),
                Ok(crate::read::SourceFormat::Text)
            );
            assert_eq!(decode(&bytes, None), text);
        }
        // GBK holds no NULs; binary data with NULs does not decode to text.
        let (gbk, _, _) = GBK.encode(text);
        assert_eq!(decode(&gbk, None), text);
        let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(crate::read::sniff(&binary, "a.bin").is_err());
    }

    #[test]
    fn big5_is_told_from_gbk() {
        let text = "一般公共預算財政撥款支出合計為六點八四萬元，比上年增加。本部門預算支出全部為基本支出。";
        let (bytes, _, _) = BIG5.encode(text);
        assert_eq!(decode(&bytes, None), text);
    }
}
