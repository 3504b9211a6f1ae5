//! Sentences of the normalized text, for the clause reader.

use crate::normalize::is_han;
use std::ops::Range;

/// Sentences: up to `。；;！？`, or a line end or page break, unless the line
/// breaks off inside a sentence (a Chinese character, a bracket or a comma
/// before the break, a Chinese character after it that starts no list item).
/// `heading_ends`: where the section tree's heading lines end (sorted); a
/// heading is a sentence of its own.
pub(super) fn sentences(text: &str, heading_ends: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let ends = match c {
            '。' | '；' | ';' | '！' | '？' => true,
            '\n' | '\x0c' => {
                heading_ends.binary_search(&i).is_ok()
                    || heading_ends.binary_search(&(i + 1)).is_ok()
                    || !line_runs_on(text, i)
            }
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            if end > start {
                out.push(start..end);
            }
            start = end;
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Whether the line (or page) break at `at` falls inside a sentence.
fn line_runs_on(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let next = &text[at + 1..];
    // `7970.38\n万元`: a figure's unit on the next line.
    if before.is_some_and(|c| c.is_ascii_digit()) && next.starts_with(['万', '元', '亿', '%']) {
        return true;
    }
    // `决算数为\n1707.93万元`, `2023\n年度`: a figure or its year broken off.
    if before.is_some_and(|c| c.is_ascii_digit()) && next.starts_with(['年', '月', '日']) {
        return true;
    }
    before.is_some_and(|c| is_han(c) || matches!(c, '）' | ')' | '、' | '，' | ','))
        && next
            .chars()
            .next()
            .is_some_and(|c| is_han(c) || c.is_ascii_digit())
        && regex_lite_ordinal(next) == 0
}

/// A sentence without its leading ordinal (`（一）`, `1．`, `二、`) and spaces.
pub(super) fn strip_ordinal(s: &str) -> &str {
    let s = s.trim_start();
    let ordinal = regex_lite_ordinal(s);
    s[ordinal..].trim_start()
}

static ORDINAL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(
        r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十\d]{1,3}[、．.]|[①-⑳])",
    )
    .expect("ordinal regex")
});

pub(super) fn warm_up() {
    std::sync::LazyLock::force(&ORDINAL);
}

fn regex_lite_ordinal(s: &str) -> usize {
    // `738.86万元` is a figure, not the ordinal `738.`.
    ORDINAL
        .find(s)
        .filter(|m| !s[m.end()..].starts_with(|c: char| c.is_ascii_digit()))
        .map_or(0, |m| m.end())
}
