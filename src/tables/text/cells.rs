//! Page texts that print every cell on its own line (a table flattened by a
//! web page or a PDF-to-text tool): the rows come back from the cells'
//! kinds. The header is every cell before the first code or amount; a body
//! row is its code pieces and label, then its amounts, and the next cell
//! that is no amount starts the next row (or the next half's label, when
//! the header names side-by-side halves).

use super::{is_amount, is_class_code};
use crate::read::{LayoutLine, LayoutWord};

/// Whether the amounts of a region stand each on a line of its own (a
/// header set out one cell per line above rows printed whole is not this).
pub(super) fn one_cell_per_line(region: &[LayoutLine]) -> bool {
    let with_amounts: Vec<&LayoutLine> = region
        .iter()
        .filter(|l| l.words.iter().any(|w| is_amount(&w.text)))
        .collect();
    let single = with_amounts.iter().filter(|l| l.words.len() == 1).count();
    with_amounts.len() >= 4 && single * 10 >= with_amounts.len() * 9
}

/// The header cells as one line, each line with a colon (`单位：元`,
/// `编制部门：…`) kept as it is, and the body cells grouped into rows of
/// at most `labels_per_row` labels each with its amounts.
pub(super) fn header_of(region: &[LayoutLine]) -> (Vec<LayoutLine>, usize) {
    let mut lines = Vec::new();
    let mut joined: Option<LayoutLine> = None;
    for (i, line) in region.iter().enumerate() {
        if line
            .words
            .iter()
            .any(|w| is_amount(&w.text) || is_class_code(&w.text))
        {
            lines.extend(joined);
            return (lines, i);
        }
        if line.text().contains(['：', ':']) {
            lines.push(line.clone());
            continue;
        }
        let target = joined.get_or_insert_with(|| LayoutLine {
            page: line.page,
            y: line.y,
            words: Vec::new(),
        });
        target.words.extend(line.words.iter().cloned());
    }
    lines.extend(joined);
    (lines, region.len())
}

/// Body cells regrouped into rows (see the module comment).
pub(super) fn body_rows(body: &[LayoutLine], labels_per_row: usize) -> Vec<LayoutLine> {
    let mut rows: Vec<LayoutLine> = Vec::new();
    let mut row: Option<(LayoutLine, usize, bool)> = None;
    // A line with a colon (`单位：元`) is kept whole; the others' cells run on.
    let labelled: Vec<bool> = body
        .iter()
        .map(|l| l.text().contains(['：', ':']))
        .collect();
    let cells: Vec<(usize, &LayoutWord)> = body
        .iter()
        .enumerate()
        .flat_map(|(n, l)| l.words.iter().map(move |w| (n, w)))
        .collect();
    for (i, &(n, word)) in cells.iter().enumerate() {
        let line = &body[n];
        if labelled[n] {
            rows.extend(row.take().map(|(r, _, _)| r));
            if line.words.first().is_some_and(|w| std::ptr::eq(w, word)) {
                rows.push(line.clone());
            }
            continue;
        }
        // `301` before `01` or before a label is a class code, not an amount.
        let code = is_class_code(&word.text)
            && cells
                .get(i + 1)
                .is_some_and(|(_, next)| !is_amount(&next.text) || is_code_piece(&next.text));
        let amount = !code && is_amount(&word.text);
        let next = match &row {
            None => true,
            // A code after a label or amounts starts the next row; so does a
            // label after amounts once the row has as many labels as the
            // header has halves. (A row of labels only, such as a header
            // repeated on the next page, carries no figure.)
            Some((_, labels, with_amounts)) => {
                if code {
                    *labels > 0 || *with_amounts
                } else {
                    !amount && *with_amounts && *labels >= labels_per_row.max(1)
                }
            }
        };
        if next {
            rows.extend(row.take().map(|(r, _, _)| r));
        }
        let (r, labels, with_amounts) = row.get_or_insert_with(|| {
            (
                LayoutLine {
                    page: line.page,
                    y: line.y,
                    words: Vec::new(),
                },
                0,
                false,
            )
        });
        if !amount && !code && !is_code_piece(&word.text) && (*with_amounts || *labels == 0) {
            *labels += 1;
        }
        *with_amounts |= amount;
        r.words.push(spaced(word, r.words.len()));
    }
    rows.extend(row.map(|(r, _, _)| r));
    rows
}

/// A 款 or 项 piece of a code (`01`).
fn is_code_piece(w: &str) -> bool {
    w.len() == 2 && w.bytes().all(|b| b.is_ascii_digit())
}

/// A cell placed after the ones before it on its row, a space apart.
fn spaced(word: &LayoutWord, index: usize) -> LayoutWord {
    LayoutWord {
        x0: index as f32 * 10.0,
        x1: index as f32 * 10.0 + 5.0,
        ..word.clone()
    }
}

#[cfg(test)]
mod tests {
    /// A made-up economic table flattened to one cell per line, its header
    /// repeated after a page break: every line's amounts in their columns.
    #[test]
    fn a_table_of_one_cell_per_line_reads_by_rows() {
        let cells = [
            "某某县某某局2024年部门预算",
            "一般公共预算基本支出经济分类预算表",
            "单位：元",
            "项目",
            "一般公共预算基本支出",
            "经济分类科目名称",
            "合计",
            "人员经费",
            "公用经费",
            "301",
            "工资福利支出",
            "300.00",
            "300.00",
            "301",
            "01",
            "基本工资",
            "300.00",
            "300.00",
            "第 1 页",
            "一般公共预算基本支出经济分类预算表（续）",
            "项目",
            "合计",
            "人员经费",
            "公用经费",
            "302",
            "商品和服务支出",
            "50.00",
            "50.00",
            "302",
            "01",
            "办公费",
            "50.00",
            "50.00",
            "合计",
            "350.00",
            "300.00",
            "50.00",
        ];
        let text = cells.join("\n");
        let report = crate::pipeline::process(text.as_bytes(), "cells.txt");
        let has = |key: &str, code: Option<&str>, value: &str| {
            report
                .facts
                .iter()
                .any(|f| f.key == key && f.code.as_deref() == code && f.value == value)
        };
        assert!(
            has("general_budget.economic", Some("30101"), "300.00"),
            "{:#?}",
            report.facts
        );
        assert!(
            has("general_budget.economic", Some("30201"), "50.00"),
            "{:#?}",
            report.facts
        );
        assert!(
            has("x.general_budget.economic.public", Some("30201"), "50.00"),
            "{:#?}",
            report.facts
        );
        assert!(
            has("x.general_budget.economic.personnel", Some("301"), "300.00"),
            "{:#?}",
            report.facts
        );
        assert!(
            has("general_budget.basic", None, "350.00"),
            "{:#?}",
            report.facts
        );
        assert!(
            !has(
                "x.general_budget.economic.personnel",
                Some("30201"),
                "50.00"
            ),
            "{:#?}",
            report.facts
        );
    }
}
