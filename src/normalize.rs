//! Normalization of raw page texts into the one text every later stage indexes.
//!
//! What changes, and why:
//! - full-width digits, Latin letters, `．` and `％` become ASCII, so one regex
//!   reads `２，９４０．０５` and `2,940.05`; Chinese punctuation (`，（：`) stays,
//!   because quotes are shown to people and patterns accept both forms;
//! - ideographic, non-breaking and other exotic spaces become a plain space,
//!   and spaces next to a Chinese character are dropped (`307.82 万元`,
//!   `支出决算 为`), because PDF and Word layouts scatter them;
//! - thousands separators between digit groups are removed (`2,940.05`,
//!   `1, 537.4`), only where exactly three digits follow;
//! - in wrapped layouts (PDF, converted text) a hard line break inside a
//!   sentence is removed (`支出决\n算为6.84万元`); breaks after sentence-final
//!   punctuation, before headings and around table-like lines are kept, since
//!   the section tree reads lines; paragraph formats (DOCX, HTML) keep theirs;
//! - a tab separates table cells and is kept (one per gap);
//! - page-number-only lines at the top or bottom of a page are dropped, so a
//!   sentence running over a page break reads on;
//! - pages are joined by `\f`.

/// The normalized text and where each page starts in it (byte offsets).
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    pub text: String,
    pub page_starts: Vec<usize>,
}

/// Normalize the pages of a wrapped layout (PDF, converted text).
pub fn normalize_pages(pages: &[String]) -> Normalized {
    normalize_layout(pages, Layout::Wrapped)
}

/// How lines were broken in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Lines broken by the page width: a break inside a sentence is not meaningful.
    Wrapped,
    /// One paragraph (or table row) per line: every break is meaningful.
    Paragraphs,
}

pub fn normalize_layout(pages: &[String], layout: Layout) -> Normalized {
    let mut text =
        String::with_capacity(pages.iter().map(|p| p.len()).sum::<usize>() + pages.len());
    let mut page_starts = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            // A sentence may run on over the page break: no newline before it.
            while text.ends_with('\n') {
                text.pop();
            }
            text.push('\x0c');
        }
        page_starts.push(text.len());
        normalize_page(page, layout, &mut text);
    }
    Normalized { text, page_starts }
}

/// Normalize a single piece of text (no page structure).
pub fn normalize_str(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    normalize_page(raw, Layout::Wrapped, &mut out);
    out
}

fn normalize_page(raw: &str, layout: Layout, out: &mut String) {
    let mapped = map_chars(raw);
    let lines: Vec<String> = mapped.lines().map(clean_line).collect();
    let lines = drop_page_numbers(lines);
    let mut first = true;
    let mut prev: Option<&str> = None;
    for line in lines.iter() {
        let line = line.as_str();
        if line.is_empty() {
            // A blank line ends a paragraph; keep one.
            if !first && !out.ends_with('\n') {
                out.push('\n');
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            if layout == Layout::Wrapped && joins(p, line) {
                let (a, b) = (p.chars().last(), line.chars().next());
                if let (Some(a), Some(b)) = (a, b) {
                    if !is_cjk_or_punct(a) && !is_cjk_or_punct(b) {
                        out.push(' ');
                    }
                }
            } else {
                out.push('\n');
            }
        } else if !first && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(line);
        prev = Some(line);
        first = false;
    }
}

fn map_chars(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    for c in raw.chars() {
        let m = match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '．' => '.',
            '％' => '%',
            '＋' => '+',
            '－' | '−' => '-',
            '萬' => '万',
            '輛' => '辆',
            '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
            '\u{200B}' | '\u{FEFF}' | '\r' | '\u{00AD}' => continue,
            '\u{0B}' => '\n',
            _ => c,
        };
        s.push(m);
    }
    s
}

/// A Han character of the basic block (汉字), the letters of Chinese words.
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// True for characters around which spaces carry no meaning in Chinese text.
pub fn is_cjk_or_punct(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—' | '·' | '、')
}

/// Trim, drop spaces next to CJK characters, collapse other runs of spaces,
/// and remove thousands separators.
fn clean_line(line: &str) -> String {
    let chars: Vec<char> = line
        .trim_matches(|c: char| c == ' ' || c == '\t')
        .chars()
        .collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\t'
            || (c == ' '
                && chars[i..]
                    .iter()
                    .take_while(|&&x| x == ' ' || x == '\t')
                    .any(|&x| x == '\t'))
        {
            // Cell boundaries: one tab per tab (an empty cell keeps its column),
            // whatever spaces surround them.
            let mut tabs = 0;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                tabs += usize::from(chars[i] == '\t');
                i += 1;
            }
            while out.ends_with(' ') {
                out.pop();
            }
            if !out.is_empty() && i < chars.len() {
                out.extend(std::iter::repeat_n('\t', tabs.max(1)));
            }
            continue;
        }
        if c == ' ' {
            let start = i;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            let before = out.chars().last();
            let after = chars.get(i).copied();
            let drop = match (before, after) {
                (Some(b), Some(a)) => is_cjk_or_punct(b) || is_cjk_or_punct(a),
                _ => true,
            };
            // A wide gap between two numbers separates table cells: keep one space.
            if !drop
                || (i - start > 1
                    && before.is_some_and(|b| b.is_ascii_digit())
                    && after.is_some_and(|a| a.is_ascii_digit()))
            {
                out.push(' ');
            }
            continue;
        }
        if (c == ',' || c == '，') && is_thousands_separator(&chars, i) {
            i += 1;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A comma between digit groups: one to three digits before (not after a
/// decimal point), exactly three after, optionally after one space.
fn is_thousands_separator(chars: &[char], i: usize) -> bool {
    let mut j = i;
    let mut before = 0;
    while j > 0 && chars[j - 1].is_ascii_digit() {
        j -= 1;
        before += 1;
    }
    if before == 0 || (j > 0 && chars[j - 1] == '.') {
        return false;
    }
    let mut k = i + 1;
    if k < chars.len() && chars[k] == ' ' {
        k += 1;
    }
    let mut after = 0;
    while k < chars.len() && chars[k].is_ascii_digit() {
        k += 1;
        after += 1;
    }
    after == 3
}

fn drop_page_numbers(mut lines: Vec<String>) -> Vec<String> {
    let is_page_no = |l: &str| {
        let t =
            l.trim_matches(|c: char| c == '-' || c == '—' || c == ' ' || c == '第' || c == '页');
        !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()) && l.len() <= 12
    };
    // Only the last and first non-blank lines of a page can be page numbers.
    if let Some(idx) = lines.iter().rposition(|l| !l.is_empty()) {
        if is_page_no(&lines[idx]) && lines.iter().filter(|l| !l.is_empty()).count() > 3 {
            lines.remove(idx);
        }
    }
    if let Some(idx) = lines.iter().position(|l| !l.is_empty()) {
        if is_page_no(&lines[idx]) && lines.iter().filter(|l| !l.is_empty()).count() > 3 {
            lines.remove(idx);
        }
    }
    lines
}

/// Heading markers that start a new line of structure.
pub fn starts_with_heading_marker(line: &str) -> bool {
    heading_marker_len(line).is_some()
}

/// Length in bytes of a leading ordinal marker (`第一部分`, `一、`, `（一）`,
/// `1.`, `1、`, `（1）`, `①`), if any.
pub fn heading_marker_len(line: &str) -> Option<usize> {
    let mut it = line.char_indices().peekable();
    let (_, first) = *it.peek()?;
    let is_cn_num = |c: char| "一二三四五六七八九十百零〇两".contains(c);
    if first == '第' {
        let rest = &line['第'.len_utf8()..];
        let n: usize = rest
            .chars()
            .take_while(|&c| is_cn_num(c) || c.is_ascii_digit())
            .map(|c| c.len_utf8())
            .sum();
        if n > 0 {
            let after = &rest[n..];
            for w in ["部分", "章", "节"] {
                if after.starts_with(w) {
                    return Some('第'.len_utf8() + n + w.len());
                }
            }
        }
        return None;
    }
    if first == '（' || first == '(' {
        let rest = &line[first.len_utf8()..];
        let n: usize = rest
            .chars()
            .take_while(|&c| is_cn_num(c) || c.is_ascii_digit())
            .map(|c| c.len_utf8())
            .sum();
        if n > 0 && n <= 9 {
            let after = &rest[n..];
            if let Some(c) = after.chars().next() {
                if c == '）' || c == ')' {
                    return Some(first.len_utf8() + n + c.len_utf8());
                }
            }
        }
        return None;
    }
    if ('①'..='⑳').contains(&first) {
        return Some(first.len_utf8());
    }
    let n: usize = line
        .chars()
        .take_while(|&c| is_cn_num(c) || c.is_ascii_digit())
        .map(|c| c.len_utf8())
        .sum();
    if n == 0 || n > 9 {
        return None;
    }
    let digits = line[..n].chars().all(|c| c.is_ascii_digit());
    let cn = line[..n].chars().all(is_cn_num);
    if !(digits || cn) {
        return None;
    }
    let after = &line[n..];
    let c = after.chars().next()?;
    match c {
        '、' | '，' => Some(n + c.len_utf8()),
        '.' | '．' if digits => {
            // "1.5万元" is a number, not a heading.
            let next = after[c.len_utf8()..].chars().next();
            if next.is_some_and(|d| d.is_ascii_digit()) {
                None
            } else {
                Some(n + c.len_utf8())
            }
        }
        ' ' if digits && n <= 2 => {
            let next = after[1..].chars().next();
            if next.is_some_and(|d| d.is_ascii_digit() || d == '.') {
                None
            } else {
                Some(n + 1)
            }
        }
        _ => None,
    }
}

/// Whether the break between two lines is inside a sentence.
fn joins(prev: &str, next: &str) -> bool {
    let last = match prev.chars().last() {
        Some(c) => c,
        None => return false,
    };
    let first = next.chars().next().unwrap_or(' ');
    if !is_cjk_or_punct(last) && !is_cjk_or_punct(first) {
        // Latin or digits on both sides: not the wrapped Chinese prose this is for.
        return false;
    }
    if prev.contains('\t') || next.contains('\t') {
        return false;
    }
    if matches!(
        last,
        '。' | '；' | ';' | '！' | '？' | '：' | ':' | '）' | ')'
    ) && !prev.ends_with("（类）")
        && !prev.ends_with("（款）")
    {
        // "（项）" ends an item heading; what follows is its text on a new line.
        return false;
    }
    if starts_with_heading_marker(next)
        || next.starts_with("表")
        || next.starts_with("附表")
        || next.starts_with("附件")
    {
        return false;
    }
    if looks_like_table_row(prev) || looks_like_table_row(next) {
        return false;
    }
    // An item path 类/款/项 broken before its （项）.
    let open_item_path =
        (prev.contains("（类）") || prev.contains("（款）")) && !prev.contains("（项）");
    if open_item_path
        || ["（项）", "（款）", "（类）", "(项)", "(款)"]
            .iter()
            .any(|m| next.starts_with(m))
    {
        return true;
    }
    if starts_with_heading_marker(prev) && is_heading_like(prev) && !prev.ends_with('表') {
        // A heading broken over two lines continues with a short tail.
        return next.chars().count() <= 12
            && !next.contains(|c: char| c.is_ascii_digit())
            && !next.contains('。');
    }
    if is_title_like(prev) {
        return false;
    }
    // Dot leaders and TOC lines ending in a page number stand alone.
    if prev.contains("……") || prev.contains("...") || next.contains("……") {
        return false;
    }
    true
}

/// A short line with an ordinal and no sentence punctuation.
fn is_heading_like(line: &str) -> bool {
    line.chars().count() <= 40 && !line.contains('。') && !line.contains('；')
}

/// A short standalone line such as a document title or a table title.
fn is_title_like(line: &str) -> bool {
    let n = line.chars().count();
    let ends_like_heading = ["说明", "情况", "概况"].iter().any(|w| line.ends_with(w))
        && !line.contains(['，', '。', '；', ',']);
    n <= 30
        && (ends_like_heading
            || line.ends_with("决算表")
            || line.ends_with("预算表")
            || line.ends_with("总表")
            || line.ends_with("部门决算")
            || line.ends_with("部门预算")
            || line.ends_with("目录")
            || line.ends_with("目 录")
            || line.ends_with("名词解释"))
}

/// Several numbers separated by spaces, or a line that is only a number.
fn looks_like_table_row(line: &str) -> bool {
    let mut numbers = 0;
    let mut in_number = false;
    for c in line.chars() {
        if c.is_ascii_digit() || c == '.' {
            if !in_number {
                numbers += 1;
                in_number = true;
            }
        } else {
            in_number = false;
        }
    }
    let spaced = line.split(' ').filter(|t| !t.is_empty()).count();
    (numbers >= 3 && spaced >= 3)
        || line
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ' ' || c == '-')
}

/// Levenshtein distance in characters (for short names and titles).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Byte → char offsets into a text, for increasing byte positions, in one pass overall: the
/// spans of facts and findings count characters of the normalized text, while the stages
/// that find them work in bytes.
pub struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        CharIndex {
            text,
            byte: 0,
            chars: 0,
        }
    }

    pub fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_separators() {
        assert_eq!(normalize_str("收入２，９４０．０５万元"), "收入2940.05万元");
        assert_eq!(normalize_str("合计1, 537.4万元"), "合计1537.4万元");
        assert_eq!(
            normalize_str("各为4125.49、4143.91万元"),
            "各为4125.49、4143.91万元"
        );
        assert_eq!(normalize_str("比例为0.5,下降"), "比例为0.5,下降");
        assert_eq!(normalize_str("13,100批次"), "13100批次");
    }

    #[test]
    fn spaces_around_chinese_are_dropped() {
        assert_eq!(
            normalize_str("支出决算 为 11.31 万 元"),
            "支出决算为11.31万元"
        );
        assert_eq!(normalize_str("2024\u{3000}年度"), "2024年度");
    }

    #[test]
    fn line_breaks_inside_sentences_are_joined() {
        assert_eq!(
            normalize_str("公务用车购置及运行维护费支出决\n算为6.84万元。\n二、收入"),
            "公务用车购置及运行维护费支出决算为6.84万元。\n二、收入"
        );
        assert_eq!(normalize_str("下降\n29.2%"), "下降29.2%");
    }

    #[test]
    fn tabs_separate_cells_and_paragraph_layouts_keep_breaks() {
        assert_eq!(
            normalize_str("项目\t预算数 \t 决算数"),
            "项目\t预算数\t决算数"
        );
        let pages = vec!["部门预算公开\n第二段".to_string()];
        assert_eq!(
            normalize_layout(&pages, Layout::Paragraphs).text,
            "部门预算公开\n第二段"
        );
        assert_eq!(
            normalize_layout(&pages, Layout::Wrapped).text,
            "部门预算公开第二段"
        );
        assert_eq!(
            normalize_str("total 6.84\nline two"),
            "total 6.84\nline two"
        );
    }

    #[test]
    fn heading_markers() {
        assert!(starts_with_heading_marker("一、收入"));
        assert!(starts_with_heading_marker("（一）收入"));
        assert!(starts_with_heading_marker("1.因公出国"));
        assert!(starts_with_heading_marker("第3部分"));
        assert!(!starts_with_heading_marker("1.5万元"));
        assert!(!starts_with_heading_marker("2020年"));
    }

    #[test]
    fn char_index_counts_characters_before_a_byte() {
        let text = "预算a2.5万元";
        let mut chars = CharIndex::new(text);
        assert_eq!(chars.at(0), 0);
        assert_eq!(chars.at("预算".len()), 2);
        assert_eq!(chars.at("预算a2.5".len()), 6);
        // a position before the last one is counted from the start again
        assert_eq!(chars.at("预".len()), 1);
        assert_eq!(chars.at(text.len()), 8);
    }
}
