//! A multi-row header over one values row, flattened onto text lines
//! (WORDING 8.6): a page text without layout prints each header row of the
//! 三公 table on its own line, row-spanning cells wherever their text fell
//! (`“三公”经费预算数` / `机关运行经费预算` / `公务用车购置及运行费` / `数` /
//! `合计 因公出国(境)费 公务接待费` / `小计 购置费 运行费`), and the figures
//! on one line below. The order of the columns is lost between the lines;
//! within a line it holds. The table's own sums (`[[table]] sums`) decide
//! how the lines interleave: the figures are read only when the count of
//! figures is the count of leaf columns and exactly one reading of them
//! satisfies the sums.

use super::super::map::{self, cell_key_of};
use super::super::spec::TableSet;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Most interleavings of the header lines tried before giving up.
const MAX_ORDERS: usize = 200_000;

/// A leaf column: its stacked header (group, then its own cell) and key.
#[derive(Debug, Clone)]
struct Leaf {
    stack: Vec<String>,
    key: String,
}

/// The header rows (a group row, then a leaf row; one column per value)
/// under which `values` read as the table's sums say, or `None` when the
/// count differs, the sums cannot place the figures, or they allow two
/// readings.
pub(super) fn leaf_header(
    set: &TableSet,
    spec: usize,
    header: &[Vec<String>],
    values: &[String],
) -> Option<Vec<Vec<String>>> {
    let table = &set.tables[spec];
    if table.cells.is_empty() || table.sums.is_empty() || values.len() < 2 {
        return None;
    }
    // Column groups side by side (`预算数 决算数` over the same parts twice):
    // a header line of qualifiers only; every other line repeats its cells
    // once per group. The groups share one order of their columns.
    let is_group = |w: &str| {
        let m = set.meanings(w);
        !m.is_empty() && m.iter().all(|m| m == "budget" || m == "amount")
    };
    let group_line = header
        .iter()
        .position(|line| line.len() >= 2 && line.iter().all(|w| is_group(w)));
    let Some(g) = group_line else {
        let order = solve(set, spec, header, values)?;
        return Some(vec![
            order.iter().map(|l| l.stack[0].clone()).collect(),
            order
                .iter()
                .map(|l| l.stack[l.stack.len() - 1].clone())
                .collect(),
        ]);
    };
    let groups = &header[g];
    let k = groups.len();
    if !values.len().is_multiple_of(k) {
        return None;
    }
    let mut first: Vec<Vec<String>> = Vec::new();
    for (i, line) in header.iter().enumerate() {
        if i == g {
            continue;
        }
        let cells: Vec<&String> = line
            .iter()
            .filter(|w| {
                let m = set.meanings(w);
                m.iter().any(|m| !map::STRUCTURAL.contains(&m.as_str()))
            })
            .collect();
        if !cells.len().is_multiple_of(k) {
            return None;
        }
        let run = cells.len() / k;
        if (1..k).any(|r| cells[r * run..(r + 1) * run] != cells[..run]) {
            return None;
        }
        first.push(cells[..run].iter().map(|w| w.to_string()).collect());
    }
    let width = values.len() / k;
    let order = solve(set, spec, &first, &values[..width])?;
    // The order found for the first group must hold for every other.
    let amounts = amounts_of(values)?;
    for r in 1..k {
        let reading: BTreeMap<&str, Decimal> = order
            .iter()
            .zip(&amounts[r * width..(r + 1) * width])
            .map(|(l, a)| (l.key.as_str(), *a))
            .collect();
        if !sums_hold(&table.sums, &reading) {
            return None;
        }
    }
    let mut rows = vec![Vec::new(), Vec::new(), Vec::new()];
    for group in groups {
        for l in &order {
            rows[0].push(group.clone());
            rows[1].push(l.stack[0].clone());
            rows[2].push(l.stack[l.stack.len() - 1].clone());
        }
    }
    Some(rows)
}

fn amounts_of(values: &[String]) -> Option<Vec<Decimal>> {
    values
        .iter()
        .map(|v| map::parse_amount(v).and_then(|a| a.parse().ok()))
        .collect()
}

/// The one order of the leaf columns under which the figures satisfy the
/// table's sums (see the module comment).
fn solve(
    set: &TableSet,
    spec: usize,
    header: &[Vec<String>],
    values: &[String],
) -> Option<Vec<Leaf>> {
    let table = &set.tables[spec];
    let key_of = |stack: &[&str]| -> Option<String> {
        let meanings: Vec<String> = set
            .stack_meanings(stack)
            .into_iter()
            .filter(|m| !map::STRUCTURAL.contains(&m.as_str()))
            .collect();
        cell_key_of(table, &meanings).cloned()
    };
    let is_subtotal = |w: &str| set.meanings(w).iter().any(|m| m == "subtotal");
    // Every header word with a key of its own, and every 小计, line by line.
    let keyed: Vec<Vec<(String, Option<String>)>> = header
        .iter()
        .map(|line| {
            line.iter()
                .map(|w| (w.clone(), key_of(&[w.as_str()])))
                .filter(|(w, k)| k.is_some() || is_subtotal(w))
                .collect()
        })
        .collect();
    // A 小计 is the whole of the sum whose parts stand beside it on its line
    // (`小计 购置费 运行费` under 公务用车购置及运行费); the group cell
    // naming that whole is then a heading, not a column.
    let mut lines: Vec<Vec<Leaf>> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for line in &keyed {
        let mut leaves = Vec::new();
        for (w, own_key) in line {
            let beside: Vec<&String> = line
                .iter()
                .filter(|(o, _)| o != w)
                .filter_map(|p| p.1.as_ref())
                .collect();
            let whole = table.sums.iter().find(|sum| {
                sum.len() > 2 && beside.iter().filter(|k| sum[1..].contains(k)).count() >= 2
            });
            let whole = match (is_subtotal(w), whole) {
                (true, Some(sum)) => &sum[0],
                _ => match own_key {
                    Some(k) => {
                        leaves.push(Leaf {
                            stack: vec![w.clone()],
                            key: k.clone(),
                        });
                        continue;
                    }
                    None => return None,
                },
            };
            let group = keyed
                .iter()
                .flatten()
                .find(|(g, k)| k.as_ref() == Some(whole) && !is_subtotal(g))
                .map(|(g, _)| g.clone());
            let stack = match group {
                Some(g) => {
                    groups.push(g.clone());
                    vec![g, w.clone()]
                }
                None => vec![w.clone()],
            };
            let refs: Vec<&str> = stack.iter().map(String::as_str).collect();
            if key_of(&refs).as_ref() != Some(whole) {
                return None;
            }
            leaves.push(Leaf {
                stack,
                key: whole.clone(),
            });
        }
        leaves.retain(|l| !(l.stack.len() == 1 && groups.contains(&l.stack[0])));
        if !leaves.is_empty() {
            lines.push(leaves);
        }
    }
    // A group cell read before its 小计's line was met is a heading too.
    for line in &mut lines {
        line.retain(|l| !(l.stack.len() == 1 && groups.contains(&l.stack[0])));
    }
    lines.retain(|l| !l.is_empty());
    let leaves: Vec<&Leaf> = lines.iter().flatten().collect();
    if leaves.len() != values.len() {
        return None;
    }
    // Two leaves with one key: two column groups (预算数 | 决算数) the
    // flattened lines cannot tell apart.
    let mut keys: Vec<&str> = leaves.iter().map(|l| l.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let amounts = amounts_of(values)?;
    let checkable = table
        .sums
        .iter()
        .filter(|s| s.iter().all(|k| keys.contains(&k.as_str())))
        .count();
    if lines.len() > 1 && checkable == 0 {
        return None;
    }
    let mut found: Option<(Vec<&Leaf>, BTreeMap<&str, Decimal>)> = None;
    let mut tried = 0usize;
    let mut ambiguous = false;
    let mut order: Vec<&Leaf> = Vec::with_capacity(leaves.len());
    let mut next = vec![0usize; lines.len()];
    interleave(&lines, &mut next, &mut order, &mut |order| {
        tried += 1;
        if tried > MAX_ORDERS || ambiguous {
            ambiguous = true;
            return false;
        }
        let reading: BTreeMap<&str, Decimal> = order
            .iter()
            .zip(&amounts)
            .map(|(l, a)| (l.key.as_str(), *a))
            .collect();
        if !sums_hold(&table.sums, &reading) {
            return true;
        }
        match &found {
            Some((_, first)) if *first != reading => {
                ambiguous = true;
                false
            }
            Some(_) => true,
            None => {
                found = Some((order.to_vec(), reading));
                true
            }
        }
    });
    if ambiguous {
        return None;
    }
    let (order, _) = found?;
    Some(order.into_iter().cloned().collect())
}

/// Every sum whose whole and parts are all read holds exactly.
fn sums_hold(sums: &[Vec<String>], reading: &BTreeMap<&str, Decimal>) -> bool {
    sums.iter().all(|sum| {
        let got: Option<Vec<Decimal>> = sum
            .iter()
            .map(|k| reading.get(k.as_str()).copied())
            .collect();
        match got {
            Some(v) => v[0] == v[1..].iter().copied().sum::<Decimal>(),
            None => true,
        }
    })
}

/// Calls `visit` with every merge of the lines that keeps each line's
/// order; `visit` returns false to stop.
fn interleave<'a>(
    lines: &'a [Vec<Leaf>],
    next: &mut Vec<usize>,
    order: &mut Vec<&'a Leaf>,
    visit: &mut dyn FnMut(&[&'a Leaf]) -> bool,
) -> bool {
    let mut any = false;
    for i in 0..lines.len() {
        if next[i] < lines[i].len() {
            any = true;
            order.push(&lines[i][next[i]]);
            next[i] += 1;
            let go_on = interleave(lines, next, order, visit);
            next[i] -= 1;
            order.pop();
            if !go_on {
                return false;
            }
        }
    }
    if !any {
        return visit(order);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    fn spec_of(set: &TableSet, kind: &str) -> usize {
        set.tables.iter().position(|t| t.kind == kind).unwrap()
    }

    /// The Shanghai budget 三公 table: the vehicle group's 小计 | 购置费 |
    /// 运行费 on their own line, 机关运行经费预算数 wrapped above them.
    #[test]
    fn three_level_header_placed_by_the_sums() {
        let set = TableSet::builtin();
        let header: Vec<Vec<String>> = [
            "“三公”经费预算数",
            "机关运行经费预算",
            "公务用车购置及运行费",
            "数",
            "合计 因公出国(境)费 公务接待费",
            "小计 购置费 运行费",
        ]
        .iter()
        .map(|l| words(l))
        .collect();
        let values = words("86.40 5.00 3.20 78.20 40.00 38.20 412.60");
        let rows = leaf_header(&set, spec_of(&set, "three_public"), &header, &values)
            .expect("one reading");
        assert_eq!(
            rows[1],
            words("合计 因公出国(境)费 公务接待费 小计 购置费 运行费 机关运行经费预算")
        );
        assert_eq!(rows[0][3], "公务用车购置及运行费");
    }

    /// 合计 | “三公”经费 {小计 | 因公出国（境）费 | 公务用车 {小计 | 购置费 |
    /// 运行维护费} | 公务接待费} | 会议费 | 培训费: two 小计, told apart by
    /// the cells beside them.
    #[test]
    fn meetings_and_training_table_with_two_subtotals() {
        let set = TableSet::builtin();
        let header: Vec<Vec<String>> = [
            "合计",
            "“三公”经费",
            "会议费 培训费",
            "小计 因公出国（境）费 公务用车购置及运行维护费 公务接待费",
            "小计 公务用车购置费 公务用车运行维护费",
        ]
        .iter()
        .map(|l| words(l))
        .collect();
        let values = words("162.30 96.50 12.00 70.30 45.00 25.30 14.20 38.60 27.20");
        let spec = spec_of(&set, "three_public_meetings");
        let rows = leaf_header(&set, spec, &header, &values).expect("one reading");
        assert_eq!(
            rows[1],
            words("合计 小计 因公出国（境）费 小计 公务用车购置费 公务用车运行维护费 公务接待费 会议费 培训费")
        );
        // One figure fewer than the leaf columns: not read.
        assert!(leaf_header(&set, spec, &header, &values[1..]).is_none());
    }

    /// 预算数 | 决算数 groups, each 合计 | 因公出国（境）费 | 公务用车购置及运行费
    /// {小计 | 购置费 | 运行费} | 公务接待费, the header rows flattened.
    #[test]
    fn two_column_groups_share_one_order() {
        let set = TableSet::builtin();
        let header: Vec<Vec<String>> = [
            "预算数 决算数",
            "合计 因公出国（境）费 公务用车购置及运行费 公务接待费 合计 因公出国（境）费 公务用车购置及运行费 公务接待费",
            "小计 公务用车购置费 公务用车运行费 小计 公务用车购置费 公务用车运行费",
            "1 2 3 4 5 6 7 8 9 10 11 12",
        ]
        .iter()
        .map(|l| words(l))
        .collect();
        let values = words("30.00 2.00 22.00 0.00 22.00 6.00 25.48 1.60 19.30 0.00 19.30 4.58");
        let spec = spec_of(&set, "three_public");
        let rows = leaf_header(&set, spec, &header, &values).expect("one reading");
        assert_eq!(rows[0][0], "预算数");
        assert_eq!(rows[0][6], "决算数");
        assert_eq!(
            rows[2][..6],
            words("合计 因公出国（境）费 小计 公务用车购置费 公务用车运行费 公务接待费")[..]
        );
        // The 决算数 figures out of their sums: no reading.
        let mut wrong = values.clone();
        wrong.swap(7, 8);
        assert!(leaf_header(&set, spec, &header, &wrong).is_none());
    }

    /// All zeros but the total: every reading holds, so none is taken.
    #[test]
    fn sums_that_allow_two_readings_read_nothing() {
        let set = TableSet::builtin();
        let header: Vec<Vec<String>> = [
            "公务用车购置及运行费",
            "合计 因公出国(境)费 公务接待费",
            "小计 购置费 运行费",
        ]
        .iter()
        .map(|l| words(l))
        .collect();
        let values = words("10.00 0.00 10.00 0.00 0.00 0.00");
        assert!(leaf_header(&set, spec_of(&set, "three_public"), &header, &values).is_none());
    }
}
