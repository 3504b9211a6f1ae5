//! How deeply a page's elements nest, measured before it is parsed.
//!
//! The HTML parser, and the body search after it, take time in proportion
//! to the depth of the open elements for each new one: 40,000 unclosed
//! `<div>` took 9.6 s, 80,000 took 43 s. Real pages nest a few dozen deep,
//! so a page nested past [`MAX_DEPTH`] is refused before it is parsed.
//!
//! The count follows what a browser does closely enough to never count
//! more than it would: an end tag closes every element opened after its
//! own start tag, and elements whose end tag is optional (`p`, `li`, `td`…)
//! or that have none (`br`, `img`…) are not counted.

use super::super::ReadError;

/// Deepest nesting read. A page at this depth parses in well under a
/// second; real pages stay under a hundred.
pub const MAX_DEPTH: usize = 2_000;

/// Elements never counted: void elements, and those a later sibling
/// closes implicitly.
const UNCOUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body", "basefont",
    "bgsound", "frame", "keygen",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noembed"];

/// `Err(TooDeep)` if the elements of `html` nest past [`MAX_DEPTH`].
pub fn check(html: &str) -> Result<(), ReadError> {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        at += offset + 1;
        let rest = &bytes[at..];
        if rest.starts_with(b"!--") {
            at += find(rest, b"-->").map_or(rest.len(), |i| i + 3);
            continue;
        }
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            at += memchr::memchr(b'>', rest).map_or(rest.len(), |i| i + 1);
            continue;
        }
        let closing = rest.starts_with(b"/");
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
            .count();
        if name_len == 0 || !rest[name_start].is_ascii_alphabetic() {
            continue; // a `<` in text
        }
        let name =
            String::from_utf8_lossy(&rest[name_start..name_start + name_len]).to_ascii_lowercase();
        let tag_end = memchr::memchr(b'>', rest).map_or(rest.len(), |i| i + 1);
        let self_closed = rest[..tag_end].ends_with(b"/>");
        at += tag_end;
        if closing {
            if counts.get(&name).is_some_and(|&n| n > 0) {
                while let Some(top) = open.pop() {
                    let n = counts.get_mut(&top).expect("counted when pushed");
                    *n -= 1;
                    if top == name {
                        break;
                    }
                }
            }
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            at = end_tag(bytes, at, name.as_bytes());
            continue;
        }
        if self_closed || UNCOUNTED.contains(&name.as_str()) {
            continue;
        }
        *counts.entry(name.clone()).or_default() += 1;
        open.push(name);
        if open.len() > MAX_DEPTH {
            return Err(ReadError::TooDeep(format!(
                "over {MAX_DEPTH} elements open at once (left unclosed)"
            )));
        }
    }
    Ok(())
}

/// Where the end tag `</name` (any case) starts at or after `at`; the end
/// of `bytes` if there is none.
fn end_tag(bytes: &[u8], mut at: usize, name: &[u8]) -> usize {
    while let Some(offset) = find(&bytes[at..], b"</") {
        at += offset;
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return at;
        }
        at += 2;
    }
    bytes.len()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_and_implicitly_closed_elements_do_not_count() {
        let page = "<html><body><table><tr><td><p>一<p>二<br><font>三</td></tr></table>"
            .repeat(MAX_DEPTH * 2);
        assert!(check(&page).is_ok());
        let scripts = format!(
            "<script>{}</script><div>x</div>",
            "<div>".repeat(MAX_DEPTH * 2)
        );
        assert!(check(&scripts).is_ok());
    }

    #[test]
    fn unclosed_divs_are_too_deep() {
        let page = format!(
            "<html><body>{}</body></html>",
            "<div>".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(check(&page).unwrap_err().reason(), "too_deep");
        let nested = "<div>".repeat(MAX_DEPTH) + &"</div>".repeat(MAX_DEPTH);
        assert!(check(&nested).is_ok());
        assert!(check(&"<div><span>x</span></div>".repeat(MAX_DEPTH * 2)).is_ok());
    }
}
