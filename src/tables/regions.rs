//! Where each table is: from its title line to the next title, a table
//! number (`公开 02表`), a title-like line, a note or running text; the same
//! for PDF and text lines. A （续） title, or the same title on the next
//! page, continues the table before it.

use super::map::{self, parse_amount};
use super::spec::{compact, without_continuation, TableSet};
use crate::read::LayoutLine;

/// Most lines a table runs over (a table ends within four pages anyway).
const MAX_TABLE_LINES: usize = 2_000;

/// Each table's title line and the lines after it that are the table:
/// `(spec, title line, end)`. The same for PDF and text lines.
pub fn regions(set: &TableSet, lines: &[LayoutLine]) -> Vec<(usize, usize, usize)> {
    // Each line's text, compacted once, for the lines a test below reads:
    // title candidates and the lines of a table. Every title ends with 表,
    // a continuation mark or a bracketed qualifier, so most lines are none.
    let mut texts: Vec<String> = vec![String::new(); lines.len()];
    let mut titles: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let last = line
            .words
            .last()
            .and_then(|w| w.text.trim_end().chars().next_back());
        // A title may carry its table's number after it (`政府采购预算表    表9`).
        let numbered = last.is_some_and(|c| c.is_ascii_digit())
            && line.words.iter().any(|w| w.text.contains('表'));
        if matches!(last, Some('表' | '）' | ')')) || numbered {
            texts[i] = compact(&line.text());
            if let Some(spec) = set.table_titled(&texts[i]) {
                titles.push((i, spec));
            }
        }
    }
    for (n, &(start, _)) in titles.iter().enumerate() {
        let limit = titles.get(n + 1).map(|t| t.0).unwrap_or(lines.len());
        for i in start + 1..limit.min(start + 1 + MAX_TABLE_LINES) {
            if texts[i].is_empty() {
                texts[i] = compact(&lines[i].text());
            }
        }
    }
    let mut tables = Vec::new();
    for (n, &(start, spec)) in titles.iter().enumerate() {
        let limit = titles.get(n + 1).map(|t| t.0).unwrap_or(lines.len());
        let title_page = lines[start].page;
        let mut end = start + 1;
        let mut has_body = false;
        while end < limit.min(start + 1 + MAX_TABLE_LINES)
            && !ends_table(&texts[end])
            && !(has_body
                && (is_table_number(&texts[end]) || looks_like_title(&texts[end], &lines[end])))
            && lines[end].page <= title_page + 4
        {
            has_body |= lines[end].words.iter().any(|w| is_amount_word(&w.text));
            end += 1;
        }
        // Lines after the last figure are what follows the table (a heading,
        // the next section's title), not its rows.
        let is_row = |l: &LayoutLine| {
            l.words
                .iter()
                .any(|w| set.tables[spec].has_row_label(map::strip_ordinal(&compact(&w.text))))
        };
        while has_body
            && end > start + 1
            && !has_figure(&lines[end - 1])
            && !is_row(&lines[end - 1])
        {
            end -= 1;
        }
        // A `（续）` title of the table just read continues it: one table.
        // So does the same title again on the next page.
        let title = &texts[start];
        let marked = without_continuation(title).1;
        let continued = |last_start: usize| {
            marked
                || (texts[last_start] == *title && lines[last_start].page + 1 >= lines[start].page)
        };
        match tables.last_mut() {
            Some((last_spec, last_start, last_end))
                if *last_spec == spec && continued(*last_start) =>
            {
                *last_end = end
            }
            _ => tables.push((spec, start, end)),
        }
    }
    tables
}

fn ends_table(text: &str) -> bool {
    text.starts_with("注：")
        || text.starts_with("注:")
        || text.starts_with("说明：")
        || text.starts_with("说明:")
        || (text.starts_with('第') && text.contains("部分") && text.chars().count() < 40)
        || (text.chars().count() > 20 && text.contains(['，', '。', '；']))
        || (text.ends_with("说明") && text.chars().count() < 40)
}

/// A line that is only a table's number (`公开 02表`, `公开表二`, `附表3`,
/// `表4`): it heads the next table, so it ends a table whose body began.
pub(super) fn is_table_number(text: &str) -> bool {
    let rest = text.trim_start_matches("公开").trim_start_matches("附");
    let Some(rest) = rest
        .strip_prefix('表')
        .or_else(|| rest.strip_suffix('表'))
        .or_else(|| rest.strip_suffix("表）"))
    else {
        return false;
    };
    let rest = rest
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')']);
    !rest.is_empty()
        && rest.chars().count() <= 5
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || "一二三四五六七八九十-—".contains(c))
}

/// A page's number line (`8`, `- 8 -`, `第 8 页`, `8/26`): never table content.
pub(super) fn is_page_number(line: &LayoutLine) -> bool {
    let text = compact(&line.text());
    let core = text
        .trim_start_matches(['-', '—', '第'])
        .trim_end_matches(['-', '—', '页']);
    let core = core.split('/').next().unwrap_or(core);
    !core.is_empty() && core.len() <= 4 && core.bytes().all(|b| b.is_ascii_digit())
}

fn has_figure(line: &LayoutLine) -> bool {
    line.words.iter().any(|w| {
        let t = compact(&w.text);
        parse_amount(&t).is_some() || map::split_code_prefix(&t).0.is_some()
    })
}

/// A line that reads like a table title of a kind not in the vocabulary
/// (`九、2017年度…部门…预算表`): it ends the table above it.
fn looks_like_title(text: &str, line: &LayoutLine) -> bool {
    let text = without_continuation(text).0;
    let n = text.chars().count();
    (6..=60).contains(&n)
        && (text.ends_with("预算表") || text.ends_with("决算表") || text.ends_with("总表"))
        && !line.words.iter().any(|w| is_amount_word(&w.text))
}

pub(super) fn is_amount_word(s: &str) -> bool {
    (s.contains('.') || s.contains(',')) && parse_amount(s).is_some()
}
