//! Where the blank cells of a text table line are. A page text prints
//! `208 05 01 行政单位离退休 2,614,680 2,614,680` under `合计 基本支出 项目支出`:
//! the second amount is 基本支出 or 项目支出, and only the table knows. Its
//! lines must add up, each column on its own: the 款 lines of a 类 to the 类,
//! the 类 lines to 合计. Among the ways to place a family's amounts, the one
//! way under which every column adds up is the answer; a line that no sum
//! settles keeps only its first amount (the line's total), never a guess.

use super::Line;
use crate::tables::map::parse_amount;
use crate::tables::spec::compact;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Most placements tried for one family of lines.
const MAX_TRIES: usize = 4096;

/// Per line, per half: the value cells in column order (blank = "").
pub(super) fn place(lines: &[Line], width: &[usize]) -> Vec<Vec<Vec<String>>> {
    // Candidate placements of each line's first-half amounts.
    let n = width.first().copied().unwrap_or(0);
    let candidates: Vec<Vec<Vec<usize>>> = lines
        .iter()
        .map(|l| {
            let k = l.parts.first().map(|p| p.1.len()).unwrap_or(0);
            placements(k, n)
        })
        .collect();
    let mut chosen: Vec<Option<Vec<usize>>> = candidates
        .iter()
        .map(|c| (c.len() == 1).then(|| c[0].clone()))
        .collect();
    settle_by_sums(lines, &candidates, &mut chosen, n);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line.parts
                .iter()
                .enumerate()
                .map(|(h, (_, amounts))| {
                    let w = width.get(h).copied().unwrap_or(0);
                    let mut cells = vec![String::new(); w];
                    if h == 0 {
                        match &chosen[i] {
                            Some(cols) => {
                                for (a, &c) in amounts.iter().zip(cols) {
                                    cells[c] = a.clone();
                                }
                            }
                            None => {
                                if let (Some(a), Some(cell)) = (amounts.first(), cells.first_mut())
                                {
                                    *cell = a.clone();
                                }
                            }
                        }
                    } else {
                        // Other halves are left-filled: their lines carry no codes.
                        for (cell, a) in cells.iter_mut().zip(amounts) {
                            *cell = a.clone();
                        }
                    }
                    cells
                })
                .collect()
        })
        .collect()
}

/// The column sets `k` amounts can fill among `n` columns, in order: the
/// first amount is the line's total (column 0), the rest keep their order.
fn placements(k: usize, n: usize) -> Vec<Vec<usize>> {
    if k == 0 || n == 0 {
        return vec![Vec::new()];
    }
    if k >= n {
        return vec![(0..n).collect()];
    }
    let mut out = Vec::new();
    let mut pick = Vec::new();
    fn rec(start: usize, left: usize, n: usize, pick: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if left == 0 {
            let mut cols = vec![0];
            cols.extend(pick.iter().copied());
            out.push(cols);
            return;
        }
        for c in start..n {
            pick.push(c);
            rec(c + 1, left - 1, n, pick, out);
            pick.pop();
        }
    }
    rec(1, k - 1, n, &mut pick, &mut out);
    out
}

/// Families: a 合计 line and the 类 lines, each 类 and its 款, each 款 and
/// its 项. Parents first, so that a settled parent settles its children.
fn settle_by_sums(
    lines: &[Line],
    candidates: &[Vec<Vec<usize>>],
    chosen: &mut [Option<Vec<usize>>],
    n: usize,
) {
    let root = lines.iter().position(|l| {
        l.code.is_empty()
            && l.parts
                .first()
                .is_some_and(|(label, _)| matches!(compact(label).as_str(), "合计" | "总计"))
    });
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        if !l.code.is_empty() {
            by_code.entry(l.code.as_str()).or_insert(i);
        }
    }
    let parent_of = |code: &str| -> Option<usize> {
        match code.len() {
            3 => root,
            5 | 7 => by_code.get(&code[..code.len() - 2]).copied(),
            _ => None,
        }
    };
    let mut families: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(p) = parent_of(&l.code).filter(|_| !l.code.is_empty()) {
            match families.iter_mut().find(|f| f.0 == p) {
                Some(f) => f.1.push(i),
                None => families.push((p, vec![i])),
            }
        }
    }
    let depth = |i: usize| {
        if Some(i) == root {
            0
        } else {
            lines[i].code.len()
        }
    };
    families.sort_by_key(|f| depth(f.0));
    let amounts: Vec<Vec<Decimal>> = lines
        .iter()
        .map(|l| {
            l.parts
                .first()
                .map(|p| {
                    p.1.iter()
                        .filter_map(|a| parse_amount(a).and_then(|s| s.parse().ok()))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    for (parent, children) in families {
        let members: Vec<usize> = std::iter::once(parent).chain(children).collect();
        let mut options: Vec<Vec<Vec<usize>>> = members
            .iter()
            .map(|&m| match &chosen[m] {
                Some(c) => vec![c.clone()],
                None => candidates[m].clone(),
            })
            .collect();
        // A column the settled parent leaves empty holds no amount of its
        // children (amounts being positive): fifteen 公用经费 items under a
        // 302 line with no 人员经费 have one placement each, not 2^15.
        if let Some(parent_cols) = &chosen[parent] {
            let filled: Vec<usize> = parent_cols
                .iter()
                .zip(&amounts[parent])
                .filter(|(_, a)| !a.is_zero())
                .map(|(&c, _)| c)
                .collect();
            for (j, &m) in members.iter().enumerate().skip(1) {
                if amounts[m].iter().all(|a| a.is_sign_positive()) {
                    let fits = |cols: &Vec<usize>| {
                        cols.iter()
                            .zip(&amounts[m])
                            .all(|(c, a)| a.is_zero() || filled.contains(c))
                    };
                    options[j].retain(|cols| fits(cols));
                }
            }
        }
        let tries: usize = options
            .iter()
            .map(Vec::len)
            .try_fold(1usize, |acc, l| acc.checked_mul(l))
            .unwrap_or(usize::MAX);
        let open = members.iter().any(|&m| chosen[m].is_none());
        if tries == 0 || tries > MAX_TRIES || !open {
            continue;
        }
        let mut solutions: Vec<Vec<usize>> = Vec::new();
        let mut index = vec![0usize; members.len()];
        loop {
            let columns = |j: usize| -> Vec<Decimal> {
                let mut row = vec![Decimal::ZERO; n];
                for (a, &c) in amounts[members[j]].iter().zip(&options[j][index[j]]) {
                    row[c] = *a;
                }
                row
            };
            let parent_row = columns(0);
            let mut sums = vec![Decimal::ZERO; n];
            for j in 1..members.len() {
                for (s, v) in sums.iter_mut().zip(columns(j)) {
                    *s += v;
                }
            }
            if sums == parent_row {
                solutions.push(index.clone());
                if solutions.len() > 1 {
                    break;
                }
            }
            // Next combination.
            let mut j = 0;
            while j < index.len() {
                index[j] += 1;
                if index[j] < options[j].len() {
                    break;
                }
                index[j] = 0;
                j += 1;
            }
            if j == index.len() {
                break;
            }
        }
        if let [only] = solutions.as_slice() {
            for (j, &m) in members.iter().enumerate() {
                chosen[m] = Some(options[j][only[j]].clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: &str, label: &str, amounts: &[&str]) -> Line {
        Line {
            code: code.into(),
            parts: vec![(
                label.into(),
                amounts.iter().map(|a| a.to_string()).collect(),
            )],
            page: 1,
        }
    }

    /// Made-up 类/款 lines whose blank 基本/项目 cells only the sums place.
    #[test]
    fn sums_place_the_blank_cells() {
        let lines = vec![
            line("201", "一般公共服务支出", &["150", "100", "50"]),
            line("20101", "人大事务", &["100", "100"]),
            line("20102", "政协事务", &["50", "50"]),
            line("205", "教育支出", &["30", "30"]),
            line("", "合计", &["180", "130", "50"]),
        ];
        let cells = place(&lines, &[3]);
        assert_eq!(cells[1][0], vec!["100", "100", ""]);
        assert_eq!(cells[2][0], vec!["50", "", "50"]);
        assert_eq!(cells[3][0], vec!["30", "30", ""]);
    }

    /// A settled parent with an empty column: its children's amounts go to
    /// the other columns, however many children there are.
    #[test]
    fn an_empty_parent_column_places_many_children() {
        let mut lines = vec![
            line("", "合计", &["300", "100", "200"]),
            line("301", "工资福利支出", &["100", "100"]),
            line("302", "商品和服务支出", &["200", "200"]),
        ];
        for i in 1..=20 {
            lines.push(line(&format!("302{i:02}"), "某项费用", &["10", "10"]));
        }
        let cells = place(&lines, &[3]);
        assert_eq!(cells[2][0], vec!["200", "", "200"]);
        assert_eq!(cells[3][0], vec!["10", "", "10"]);
        assert_eq!(cells[22][0], vec!["10", "", "10"]);
    }

    /// Two placements add up equally well: the line keeps its total only.
    #[test]
    fn an_unsettled_line_keeps_its_total_only() {
        let lines = vec![
            line("201", "一般公共服务支出", &["100", "50", "50"]),
            line("20101", "人大事务", &["50", "50"]),
            line("20102", "政协事务", &["50", "50"]),
        ];
        let cells = place(&lines, &[3]);
        assert_eq!(cells[1][0], vec!["50", "", ""]);
    }
}
