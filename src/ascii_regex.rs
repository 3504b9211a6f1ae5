//! Regexes whose `\d` and `\s` are the ASCII sets: every regex that reads
//! the normalized text (the patterns' and the stages' own). In that text
//! full-width digits and exotic spaces are gone, and the Unicode classes
//! make a regex several times slower to build, which every process pays
//! for each regex before it reads anything.

use regex::Regex;

/// Build `source` with [`ascii_classes`]. Not for verbose (`(?x)`) sources:
/// there the space of `\s` would be ignored.
pub fn ascii_regex(source: &str) -> Result<Regex, regex::Error> {
    Regex::new(&ascii_classes(source))
}

/// `\d` and `\s` as their ASCII sets, inside brackets too.
pub fn ascii_classes(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 16);
    let mut depth = 0usize;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if depth > 0 { "0-9" } else { "[0-9]" }),
                Some('s') => out.push_str(if depth > 0 {
                    " \\t\\n\\x0C\\r"
                } else {
                    "[ \\t\\n\\x0C\\r]"
                }),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' => {
                depth += 1;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal, not the end.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().expect("peeked"));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().expect("peeked"));
                }
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ascii_regex_matches_as_the_unicode_one_on_normalized_text() {
        let re = ascii_regex(r"(\d+)\s?万元").unwrap();
        assert_eq!(&re.captures("支出 12 万元").unwrap()[1], "12");
        assert!(
            !re.is_match("１２万元"),
            "full-width digits are normalized away before"
        );
    }

    #[test]
    fn ascii_classes_inside_and_outside_brackets() {
        assert_eq!(
            ascii_classes(r"\d+[^\d，]\s?"),
            r"[0-9]+[^0-9，][ \t\n\x0C\r]?"
        );
        assert_eq!(ascii_classes(r"[\]\d]\."), r"[\]0-9]\.");
        assert_eq!(ascii_classes(r"[]a]\d"), r"[]a][0-9]");
    }
}
