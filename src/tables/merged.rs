//! Tables as printed, made plain before they are read: labels of merged
//! cells moved to the column group they name, and header cells set beside
//! their column folded onto it. The same for every source.

use super::map::{
    columns_with, is_code, parse_amount, strip_ordinal, Column, RawRow, RawTable, Role,
};
use super::spec::compact;
use super::spec::TableSet;
use std::collections::HashSet;

/// Lines as printed under merged cells, made plain: a label printed in an
/// amount column (it spans into it) moves to its half's name column, and a
/// half with a label but no amount takes the amounts of the next half when
/// that half has no label on the line (one label over both column groups).
pub(super) fn merged_labels_resolved(
    body: &[RawRow],
    cols: &[Column],
    halves: &[std::ops::Range<usize>],
) -> Vec<RawRow> {
    let mut out = body.to_vec();
    for row in &mut out {
        for half in halves {
            let name_cols = columns_with(cols, half.clone(), Role::Name);
            let Some(&first_name) = name_cols.first() else {
                continue;
            };
            let unnamed = name_cols.iter().all(|&c| row.cells[c].trim().is_empty())
                && columns_with(cols, half.clone(), Role::Code)
                    .iter()
                    .all(|&c| row.cells[c].trim().is_empty());
            if !unnamed {
                continue;
            }
            for c in columns_with(cols, half.clone(), Role::Value) {
                let text = row.cells[c].trim();
                if !text.is_empty() && parse_amount(text).is_none() && !is_code(text) {
                    row.cells[first_name] = std::mem::take(&mut row.cells[c]);
                    break;
                }
            }
        }
        let has_label = |row: &RawRow, h: &std::ops::Range<usize>| {
            h.clone()
                .any(|c| cols[c].role != Role::Value && !row.cells[c].trim().is_empty())
        };
        let amounts = |row: &RawRow, h: &std::ops::Range<usize>| -> Vec<usize> {
            columns_with(cols, h.clone(), Role::Value)
                .into_iter()
                .filter(|&c| parse_amount(&row.cells[c]).is_some())
                .collect()
        };
        for pair in halves.windows(2) {
            let (here, next) = (&pair[0], &pair[1]);
            if has_label(row, here) && amounts(row, here).is_empty() && !has_label(row, next) {
                let targets = columns_with(cols, here.clone(), Role::Value);
                let sources = columns_with(cols, next.clone(), Role::Value);
                for (i, &src) in sources.iter().enumerate() {
                    if let Some(&dst) = targets.get(i) {
                        if parse_amount(&row.cells[src]).is_some() {
                            row.cells[dst] = std::mem::take(&mut row.cells[src]);
                        }
                    }
                }
            }
        }
    }
    out
}

/// A header cell set beside its column instead of over it (`金额` centred
/// over a wide column, amounts right-aligned): a column with a header but
/// no body, next to one with a body but no meaningful header, is one column.
pub fn orphan_headers_folded(set: &TableSet, t: &RawTable) -> RawTable {
    let width = t
        .header
        .iter()
        .chain(t.body.iter().map(|r| &r.cells))
        .map(Vec::len)
        .max();
    let width = width.unwrap_or(0);
    let stack = |c: usize| -> Vec<&str> {
        t.header
            .iter()
            .filter_map(|r| r.get(c).map(|s| s.trim()))
            .filter(|s| !s.is_empty())
            .collect()
    };
    let has_body = |c: usize| {
        t.body
            .iter()
            .any(|r| r.cells.get(c).is_some_and(|s| !s.trim().is_empty()))
    };
    let meaningful = |c: usize| !set.stack_meanings(&stack(c)).is_empty();
    let mut fold: Vec<(usize, usize)> = Vec::new();
    let mut c = 0;
    while c < width {
        if !has_body(c) && meaningful(c) {
            let into = [c + 1, c.wrapping_sub(1)]
                .into_iter()
                .filter(|&d| d < width && !fold.iter().any(|f| f.1 == d || f.0 == d))
                .find(|&d| has_body(d) && !meaningful(d));
            if let Some(d) = into {
                fold.push((c, d));
            }
        }
        c += 1;
    }
    if fold.is_empty() {
        return t.clone();
    }
    let mut out = t.clone();
    for row in &mut out.header {
        for &(from, to) in &fold {
            if from < row.len() && to < row.len() {
                let moved = std::mem::take(&mut row[from]);
                if !moved.is_empty() {
                    row[to] = moved;
                }
            }
        }
    }
    let dropped: HashSet<usize> = fold.iter().map(|f| f.0).collect();
    let keep = |cells: &mut Vec<String>| {
        let mut i = 0;
        cells.retain(|_| {
            let k = !dropped.contains(&i);
            i += 1;
            k
        });
    };
    out.header.iter_mut().for_each(keep);
    for r in &mut out.body {
        keep(&mut r.cells);
    }
    out
}

/// A label wrapped onto the next line of its cell (`年初财政拨款结转和结` /
/// `余`, the figures on the first line): the fragment, a line with a name and
/// nothing else in its half, joins the name above when together they are a
/// line label the table knows and the name above alone is not.
pub(super) fn wrapped_labels_joined(
    spec: &super::spec::TableSpec,
    body: &mut [RawRow],
    cols: &[Column],
    halves: &[std::ops::Range<usize>],
) {
    let known = |name: &str| spec.has_row_label(strip_ordinal(&compact(name)));
    for half in halves {
        let Some(&name_col) = columns_with(cols, half.clone(), Role::Name).first() else {
            continue;
        };
        let others: Vec<usize> = half.clone().filter(|&c| c != name_col).collect();
        for r in 1..body.len() {
            let fragment = body[r].cells[name_col].trim().to_string();
            let alone =
                !fragment.is_empty() && others.iter().all(|&c| body[r].cells[c].trim().is_empty());
            let above = body[r - 1].cells[name_col].trim().to_string();
            if alone && !above.is_empty() && !known(&above) && known(&format!("{above}{fragment}"))
            {
                body[r - 1].cells[name_col] = format!("{above}{fragment}");
                body[r].cells[name_col].clear();
            }
        }
    }
}
