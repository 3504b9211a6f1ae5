//! File names and text encodings as Chinese government servers send them:
//! `Content-Disposition` (RFC 6266 / RFC 8187) with UTF-8, GBK or
//! percent-encoded names, and HTML whose charset is in a header, a meta tag,
//! or nowhere.

use encoding_rs::{Encoding, GB18030, UTF_8};

/// The file name from a raw `Content-Disposition` header value.
/// `filename*` wins over `filename`; raw bytes that are not UTF-8 are taken as GB18030.
pub fn disposition_filename(raw: &[u8]) -> Option<String> {
    let mut plain: Option<String> = None;
    let mut extended: Option<String> = None;
    for param in split_params(raw) {
        let Some(eq) = param.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&param[..eq])
            .trim()
            .to_ascii_lowercase();
        let value = trim_bytes(&param[eq + 1..]);
        match key.as_str() {
            "filename*" => extended = decode_ext_value(value),
            "filename" => plain = Some(decode_plain_value(value)),
            _ => {}
        }
    }
    extended
        .or(plain)
        .map(|n| sanitize(&n))
        .filter(|n| !n.is_empty())
}

/// Split on `;` outside double quotes.
fn split_params(raw: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, &b) in raw.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b';' if !quoted => {
                parts.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&raw[start..]);
    parts
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map(|e| e + 1)
        .unwrap_or(start);
    &b[start..end.max(start)]
}

/// RFC 8187 `charset'lang'%XX…`.
fn decode_ext_value(value: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(value);
    let text = text.trim_matches('"');
    let mut parts = text.splitn(3, '\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes = percent_decode(encoded.as_bytes());
    let encoding = Encoding::for_label(charset.trim().as_bytes()).unwrap_or(UTF_8);
    Some(decode_with(encoding, &bytes))
}

/// A quoted or bare `filename=`: raw UTF-8, raw GBK, or percent-encoded either way.
fn decode_plain_value(value: &[u8]) -> String {
    let unquoted: Vec<u8> = if value.first() == Some(&b'"') {
        let inner = &value[1..value.len().saturating_sub(1).max(1)];
        let mut out = Vec::with_capacity(inner.len());
        let mut escaped = false;
        for &b in inner {
            if escaped || b != b'\\' {
                out.push(b);
                escaped = false;
            } else {
                escaped = true;
            }
        }
        out
    } else {
        value.to_vec()
    };
    let bytes = if looks_percent_encoded(&unquoted) {
        percent_decode(&unquoted)
    } else {
        unquoted
    };
    decode_guess(&bytes)
}

fn looks_percent_encoded(b: &[u8]) -> bool {
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

pub fn percent_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// UTF-8 when valid, else GB18030 (a superset of GBK and GB2312).
pub fn decode_guess(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => decode_with(GB18030, bytes),
    }
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Keep only the last path component and drop characters no file system likes.
fn sanitize(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    last.chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The last path segment of a URL, percent-decoded, as a fallback file name.
pub fn url_filename(url: &url::Url) -> Option<String> {
    let segment = url.path_segments()?.next_back()?;
    let name = decode_guess(&percent_decode(segment.as_bytes()));
    let name = sanitize(&name);
    (!name.is_empty()).then_some(name)
}

/// Decode an HTML page: charset from the `Content-Type` header, then a BOM,
/// then `<meta>`, then a statistical guess. GBK and GB2312 labels decode as GB18030.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return (decode_with(encoding, &bytes[bom_len..]), encoding);
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(4096)]))
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    let encoding = match declared {
        Some(e) if e == encoding_rs::GBK || e == encoding_rs::GB18030 => GB18030,
        Some(e) => e,
        None => {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
            detector.feed(bytes, true);
            detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow)
        }
    };
    (decode_with(encoding, bytes), encoding)
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// `<meta charset="gbk">` or `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`.
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let text = String::from_utf8_lossy(&lower);
    let mut rest = &text[..];
    while let Some(at) = rest.find("<meta") {
        let tag_end = rest[at..].find('>').map(|e| at + e).unwrap_or(rest.len());
        let tag = &rest[at..tag_end];
        if let Some(c) = tag.find("charset") {
            let value = tag[c + "charset".len()..]
                .trim_start()
                .strip_prefix('=')
                .unwrap_or("")
                .trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let label: String = value
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .collect();
            if !label.is_empty() {
                return Some(label);
            }
        }
        rest = &rest[tag_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names_in_every_encoding() {
        let (gbk, _, _) = GB18030.encode("2024年部门决算.pdf");
        let mut raw = b"attachment; filename=\"".to_vec();
        raw.extend_from_slice(&gbk);
        raw.push(b'"');
        assert_eq!(
            disposition_filename(&raw).as_deref(),
            Some("2024年部门决算.pdf")
        );
        let pct: String = gbk.iter().map(|b| format!("%{b:02X}")).collect();
        let raw = format!("attachment; filename={pct}");
        assert_eq!(
            disposition_filename(raw.as_bytes()).as_deref(),
            Some("2024年部门决算.pdf")
        );
        let raw = "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E9%83%A8%E9%97%A8%E9%A2%84%E7%AE%97.xlsx";
        assert_eq!(
            disposition_filename(raw.as_bytes()).as_deref(),
            Some("部门预算.xlsx")
        );
        let raw = "attachment; filename*=GBK''".to_string() + &pct;
        assert_eq!(
            disposition_filename(raw.as_bytes()).as_deref(),
            Some("2024年部门决算.pdf")
        );
        assert_eq!(
            disposition_filename(b"inline; filename=\"..\\\\a;b.doc\"").as_deref(),
            Some("a;b.doc")
        );
    }

    #[test]
    fn html_charset_from_meta_and_header() {
        let (gbk, _, _) = GB18030.encode("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>部门预算</body></html>");
        let (text, _) = decode_html(&gbk, None);
        assert!(text.contains("部门预算"));
        let (gbk, _, _) = GB18030.encode("<html><body>单位决算公开</body></html>");
        let (text, _) = decode_html(&gbk, Some("text/html; charset=GBK"));
        assert!(text.contains("单位决算公开"));
    }
}
