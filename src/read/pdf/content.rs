//! A content-stream tokenizer: operands and operators, with no allocation
//! per token (string bytes go into one reused buffer).

/// One operand of the operator that follows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Operand<'a> {
    Number(f32),
    Name(&'a [u8]),
    /// Byte range in the lexer's string buffer.
    Str(u32, u32),
    ArrayOpen,
    ArrayClose,
    /// A dictionary or other operand the text extractor does not need.
    Other,
}

pub(crate) enum Token<'a> {
    Operand(Operand<'a>),
    Operator(&'a [u8]),
}

pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// Decoded bytes of the string operands since the last [`Lexer::clear_strings`].
    pub(crate) strings: Vec<u8>,
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

#[inline]
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Nesting limit for dictionaries and literal-string parentheses.
const MAX_NESTING: usize = 64;

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Lexer {
            src,
            pos: 0,
            strings: Vec::new(),
        }
    }

    pub(crate) fn clear_strings(&mut self) {
        self.strings.clear();
    }

    pub(crate) fn string(&self, start: u32, end: u32) -> &[u8] {
        &self.strings[start as usize..end as usize]
    }

    fn skip_space_and_comments(&mut self) {
        let s = self.src;
        while self.pos < s.len() {
            let b = s[self.pos];
            if is_space(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self.pos < s.len() && s[self.pos] != b'\n' && s[self.pos] != b'\r' {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    pub(crate) fn next_token(&mut self) -> Option<Token<'a>> {
        self.skip_space_and_comments();
        let s = self.src;
        let start = self.pos;
        let &b = s.get(start)?;
        let tok = match b {
            b'/' => {
                self.pos += 1;
                while self.pos < s.len() && !is_space(s[self.pos]) && !is_delimiter(s[self.pos]) {
                    self.pos += 1;
                }
                Token::Operand(Operand::Name(&s[start + 1..self.pos]))
            }
            b'(' => {
                self.pos += 1;
                Token::Operand(self.literal_string())
            }
            b'<' if s.get(start + 1) == Some(&b'<') => {
                self.pos += 2;
                self.skip_dictionary();
                Token::Operand(Operand::Other)
            }
            b'<' => {
                self.pos += 1;
                Token::Operand(self.hex_string())
            }
            b'[' => {
                self.pos += 1;
                Token::Operand(Operand::ArrayOpen)
            }
            b']' => {
                self.pos += 1;
                Token::Operand(Operand::ArrayClose)
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => Token::Operand(self.number()),
            b')' | b'>' | b'{' | b'}' => {
                self.pos += 1;
                Token::Operand(Operand::Other)
            }
            _ => {
                while self.pos < s.len() && !is_space(s[self.pos]) && !is_delimiter(s[self.pos]) {
                    self.pos += 1;
                }
                Token::Operator(&s[start..self.pos])
            }
        };
        Some(tok)
    }

    fn number(&mut self) -> Operand<'a> {
        let s = self.src;
        let mut negative = false;
        let mut value = 0f64;
        let mut scale = 0f64;
        let mut digits = 0;
        while self.pos < s.len() {
            match s[self.pos] {
                b'-' if digits == 0 && scale == 0.0 => negative = !negative,
                b'+' if digits == 0 => {}
                b'.' if scale == 0.0 => scale = 1.0,
                d @ b'0'..=b'9' => {
                    digits += 1;
                    if scale == 0.0 {
                        value = value * 10.0 + (d - b'0') as f64;
                    } else {
                        scale *= 0.1;
                        value += (d - b'0') as f64 * scale;
                    }
                }
                // Writers sometimes glue a second minus or a dot into a number.
                b'-' | b'.' => {}
                _ => break,
            }
            self.pos += 1;
        }
        Operand::Number(if negative { -value } else { value } as f32)
    }

    fn literal_string(&mut self) -> Operand<'a> {
        let s = self.src;
        let begin = self.strings.len() as u32;
        let mut depth = 1usize;
        while self.pos < s.len() {
            let b = s[self.pos];
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    self.strings.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    self.strings.push(b);
                }
                b'\\' => {
                    let Some(&e) = s.get(self.pos) else { break };
                    self.pos += 1;
                    match e {
                        b'n' => self.strings.push(b'\n'),
                        b'r' => self.strings.push(b'\r'),
                        b't' => self.strings.push(b'\t'),
                        b'b' => self.strings.push(8),
                        b'f' => self.strings.push(12),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match s.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            self.strings.push(v as u8);
                        }
                        b'\r' => {
                            if s.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => self.strings.push(other),
                    }
                }
                _ => self.strings.push(b),
            }
        }
        Operand::Str(begin, self.strings.len() as u32)
    }

    fn hex_string(&mut self) -> Operand<'a> {
        let s = self.src;
        let begin = self.strings.len() as u32;
        let mut high: Option<u8> = None;
        while self.pos < s.len() {
            let b = s[self.pos];
            self.pos += 1;
            let v = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b'>' => break,
                _ => continue,
            };
            match high.take() {
                Some(h) => self.strings.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            self.strings.push(h << 4);
        }
        Operand::Str(begin, self.strings.len() as u32)
    }

    /// Skip to the `>>` matching an already consumed `<<`.
    fn skip_dictionary(&mut self) {
        let mut depth = 1usize;
        let mark = self.strings.len();
        while depth > 0 && depth < MAX_NESTING {
            self.skip_space_and_comments();
            let s = self.src;
            if self.pos >= s.len() {
                break;
            }
            if s[self.pos..].starts_with(b">>") {
                self.pos += 2;
                depth -= 1;
            } else if s[self.pos..].starts_with(b"<<") {
                self.pos += 2;
                depth += 1;
            } else if self.next_token().is_none() {
                break;
            }
        }
        self.strings.truncate(mark);
    }

    /// After an `ID` operator: skip the inline image's binary data up to `EI`.
    pub(crate) fn skip_inline_image(&mut self) {
        let s = self.src;
        let mut i = self.pos + 1;
        while i + 1 < s.len() {
            if s[i] == b'E'
                && s[i + 1] == b'I'
                && is_space(s[i - 1])
                && (i + 2 == s.len() || is_space(s[i + 2]) || is_delimiter(s[i + 2]))
            {
                self.pos = i + 2;
                return;
            }
            i += 1;
        }
        self.pos = s.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &[u8]) -> Vec<String> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        while let Some(t) = lx.next_token() {
            out.push(match t {
                Token::Operator(op) => String::from_utf8_lossy(op).into_owned(),
                Token::Operand(Operand::Number(n)) => format!("{n}"),
                Token::Operand(Operand::Name(n)) => format!("/{}", String::from_utf8_lossy(n)),
                Token::Operand(Operand::Str(a, b)) => format!("{:?}", lx.string(a, b)),
                Token::Operand(o) => format!("{o:?}"),
            });
        }
        out
    }

    #[test]
    fn tokenizes_text_operators() {
        let t = tokens(b"BT/F1 12 Tf 1 0 0 -1 .5 -3.25 Tm[(a\\(b\\)\\101)-250<00 4E2D>]TJ ET");
        assert_eq!(
            t,
            vec![
                "BT",
                "/F1",
                "12",
                "Tf",
                "1",
                "0",
                "0",
                "-1",
                "0.5",
                "-3.25",
                "Tm",
                "ArrayOpen",
                "[97, 40, 98, 41, 65]",
                "-250",
                "[0, 78, 45]",
                "ArrayClose",
                "TJ",
                "ET"
            ]
        );
    }

    #[test]
    fn skips_dictionaries_and_inline_images() {
        let mut lx = Lexer::new(b"/Span<</ActualText(x)/N<<>>>>BDC BI /W 1 ID \x01EI\xff EI Q");
        let mut ops = Vec::new();
        while let Some(t) = lx.next_token() {
            if let Token::Operator(op) = t {
                ops.push(String::from_utf8_lossy(op).into_owned());
                if op == b"ID" {
                    lx.skip_inline_image();
                }
            }
        }
        assert_eq!(ops, vec!["BDC", "BI", "ID", "Q"]);
    }
}
