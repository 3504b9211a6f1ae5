//! MHTML ("single file web page", `.mht`, and Word documents saved as web
//! pages under a `.doc` name): the HTML part of a MIME message.

/// Whether the bytes are a MIME message rather than markup.
pub fn is_mime(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(2048)];
    let Some(end) = header_end(head) else {
        return false;
    };
    let headers = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    headers.lines().any(|l| l.starts_with("mime-version:"))
        && headers.lines().any(|l| l.starts_with("content-type:"))
}

/// The first `text/html` part, decoded from its transfer encoding, with its
/// declared charset; `None` when the message has no HTML part.
pub fn html_part(bytes: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let end = header_end(bytes)?;
    let headers = parse_headers(&bytes[..end]);
    let body = &bytes[end..];
    let content_type = header(&headers, "content-type").unwrap_or_default();
    if content_type.to_ascii_lowercase().starts_with("text/html") {
        let decoded = decode_transfer(body, header(&headers, "content-transfer-encoding"));
        return Some((decoded, parameter(&content_type, "charset")));
    }
    let boundary = parameter(&content_type, "boundary")?;
    let delimiter = format!("--{boundary}");
    let mut rest = body;
    while let Some(at) = super::super::find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let part_end = super::super::find(rest, delimiter.as_bytes()).unwrap_or(rest.len());
        let part = &rest[..part_end];
        let Some(header_len) = header_end(part) else {
            continue;
        };
        let part_headers = parse_headers(&part[..header_len]);
        let part_type = header(&part_headers, "content-type").unwrap_or_default();
        if part_type.to_ascii_lowercase().starts_with("text/html") {
            let decoded = decode_transfer(
                &part[header_len..],
                header(&part_headers, "content-transfer-encoding"),
            );
            return Some((decoded, parameter(&part_type, "charset")));
        }
    }
    None
}

/// Offset just past the blank line that ends a header block.
fn header_end(bytes: &[u8]) -> Option<usize> {
    let crlf = super::super::find(bytes, b"\r\n\r\n").map(|i| i + 4);
    let lf = super::super::find(bytes, b"\n\n").map(|i| i + 2);
    // A part may start with its own line break before the headers.
    let start = bytes
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let found = match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }?;
    (found > start).then_some(found)
}

/// Header lines, unfolded, as (lower-case name, value).
fn parse_headers(block: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(block);
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    headers
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// A `name=value` parameter of a header value, quotes removed.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (key, val) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| val.trim().trim_matches('"').to_string())
    })
}

fn decode_transfer(body: &[u8], encoding: Option<String>) -> Vec<u8> {
    match encoding.map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("quoted-printable") => quoted_printable(body),
        Some("base64") => base64(body),
        _ => body.to_vec(),
    }
}

fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            match body.get(i + 1..i + 3) {
                Some(b"\r\n") => i += 3,
                Some([b'\n', _]) => i += 2,
                Some(hex) => match std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                },
                None => i += 1,
            }
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

fn base64(body: &[u8]) -> Vec<u8> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut bits = 0u32;
    let mut count = 0u32;
    for &b in body {
        if b == b'=' {
            break;
        }
        let Some(v) = value(b) else {
            continue;
        };
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
