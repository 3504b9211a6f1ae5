//! What a value column means from the other columns of its table, once
//! each column's own header has been read ([`super::map::columns`]): the
//! year a header names, and a table that prints budgets only.

use super::map::{Column, RawRow, Role, QUALIFYING};
use super::spec::TableSet;
use crate::keys;
use std::collections::HashMap;

/// The 4-digit year a header names (`2019年预算数`), if any.
fn header_year(header: &str) -> Option<u32> {
    let b = header.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let y = header.get(i..i + 4)?;
        let year: u32 = y.parse().ok()?;
        let before_digit = i > 0 && b[i - 1].is_ascii_digit();
        (!before_digit && (1990..2100).contains(&year) && header[i + 4..].starts_with('年'))
            .then_some(year)
    })
}

/// Value columns alike but for the year they name (`2019年预算数 | 2020年预算数`,
/// WORDING 7.5): the earlier year's is the previous year's figure.
pub(super) fn earlier_years_are_prior(cols: &mut [Column]) {
    let years: Vec<Option<u32>> = cols
        .iter()
        .map(|c| {
            (c.role == Role::Value)
                .then(|| header_year(&c.header))
                .flatten()
        })
        .collect();
    for i in 0..cols.len() {
        let Some(year) = years[i] else { continue };
        let later = (0..cols.len())
            .any(|j| years[j].is_some_and(|y| y > year) && cols[j].meanings == cols[i].meanings);
        let prior = keys::column_meaning(keys::PRIOR_YEAR);
        if later && !cols[i].meanings.iter().any(|m| m == prior) {
            cols[i].meanings.push(prior.to_string());
        }
    }
}

/// A table whose figures are all budgets (`上年预算数 | 本年预算数 | 增减`: a
/// budget's own table) prints this year's budget as its amount; a table that
/// also has a column of another figure (决算数, 本年支出) keeps `.budget`.
pub(super) fn budget_only_is_the_amount(cols: &mut [Column]) {
    let values = || cols.iter().filter(|c| c.role == Role::Value);
    let qualifier = |m: &String| {
        QUALIFYING
            .iter()
            .any(|q| keys::column_meaning(q) == m.as_str())
    };
    // A change column (`增减 / 金额`) qualifies the others whatever else its
    // header says.
    let all_budget = values().all(|c| {
        c.meanings.iter().any(qualifier)
            || (c.meanings.iter().any(|m| m == "budget")
                && !c.meanings.iter().any(|m| m == "amount"))
    });
    let some_plain = values()
        .any(|c| c.meanings.iter().any(|m| m == "budget") && !c.meanings.iter().any(qualifier));
    if !(all_budget && some_plain) {
        return;
    }
    for c in cols.iter_mut().filter(|c| c.role == Role::Value) {
        for m in c.meanings.iter_mut().filter(|m| m.as_str() == "budget") {
            *m = "amount".to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_named_in_headers() {
        assert_eq!(header_year("2019年预算数"), Some(2019));
        assert_eq!(header_year("上年（2022年）决算数"), Some(2022));
        assert_eq!(header_year("12019年"), None);
        assert_eq!(header_year("预算数"), None);
    }
}

/// A table with a column of the carry-over from last year (`收入合计 | 上年结转
/// | 财政拨款收入 …`, a university's 收入预算表) totals it in: its total column
/// is income and carry-over together, not this year's income. (A carry-over
/// column left blank adds nothing.)
///
/// A total printed after the carry-over column (`总计 | 上年结转结余 | 合计 |
/// 一般公共预算拨款收入 …`) totals the income columns that follow it: this
/// year's income.
pub(super) fn totals_with_carryover_are_no_income(cols: &mut [Column], body: &[RawRow]) {
    let carried = cols.iter().enumerate().position(|(i, c)| {
        c.role == Role::Value
            && c.meanings.iter().any(|m| m == "carryover_begin")
            && body
                .iter()
                .any(|r| r.cells.get(i).is_some_and(|v| !v.trim().is_empty()))
    });
    let Some(carried) = carried else {
        return;
    };
    for c in cols[..carried].iter_mut().filter(|c| c.role == Role::Value) {
        if c.meanings == ["total"] {
            c.meanings = vec!["total_with_carryover".to_string()];
        }
    }
}

/// Lines named by a kind of figure and maybe a year (`2023年预算数` /
/// `2024年预算数` over columns of parts: a 三公 table set out the other way
/// round, WORDING 7.5 for lines): what each such line adds to the meanings of
/// its columns, as a column header would. An earlier year's line is the
/// previous year's; when every such line is a budget, the budget is the
/// table's amount (as [`budget_only_is_the_amount`] for columns).
pub(super) fn line_qualifiers<'a>(
    set: &TableSet,
    labels: impl Iterator<Item = &'a str>,
) -> HashMap<String, Vec<String>> {
    // Lines of this year, of an earlier year, and of the change between
    // them (`增减额`, `增减率`).
    let kinds = [
        keys::column_meaning(keys::PRIOR_YEAR),
        "budget",
        "amount",
        keys::column_meaning(keys::YOY_CHANGE),
        keys::column_meaning(keys::YOY_PCT),
    ];
    let mut lines: Vec<(String, Option<u32>, Vec<String>)> = Vec::new();
    for label in labels {
        let year = header_year(label);
        let rest = match year {
            Some(y) => {
                label
                    .replacen(&format!("{y}年度"), "", 1)
                    .replacen(&format!("{y}年"), "", 1)
            }
            None => label.to_string(),
        };
        let meanings = set.meanings(&rest);
        if !meanings.is_empty() && meanings.iter().all(|m| kinds.contains(&m.as_str())) {
            lines.push((label.to_string(), year, meanings));
        }
    }
    let latest = lines.iter().filter_map(|l| l.1).max();
    let budgets_only = lines.iter().all(|l| l.2.iter().all(|m| m != "amount"));
    lines
        .into_iter()
        .map(|(label, year, mut meanings)| {
            if budgets_only {
                meanings.retain(|m| m != "budget");
            }
            if year.is_some() && year < latest {
                meanings.push(kinds[0].to_string());
            }
            (label, meanings)
        })
        .collect()
}

#[cfg(test)]
mod line_tests {
    use super::super::map::{read_table, RawRow, RawTable};
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    /// A made-up budget's 三公 table with a line per year and a column per
    /// part: this year's budget is the amount, last year's the prior year.
    #[test]
    fn lines_named_by_year_and_figure_qualify_their_columns() {
        let set = TableSet::builtin();
        let spec = set.table_titled("一般公共预算“三公”经费支出表").unwrap();
        let t = RawTable {
            spec,
            title: "一般公共预算“三公”经费支出表".into(),
            unit: Some("元".into()),
            page: Some(1),
            header: vec![row(&[
                "项目",
                "合计",
                "因公出国（境）费",
                "公务用车购置及运行费",
                "公务接待费",
            ])],
            body: [
                ["2025年预算数", "30000.00", "0.00", "20000.00", "10000.00"],
                ["2026年预算数", "28000.00", "0.00", "19000.00", "9000.00"],
            ]
            .iter()
            .map(|r| RawRow {
                cells: row(r),
                page: Some(1),
            })
            .collect(),
        };
        let (figures, _) = read_table(&set, &t);
        let got: Vec<(String, String)> = figures.into_iter().map(|f| (f.key, f.value)).collect();
        for expected in [
            ("three_public.total.prior_year", "30000.00"),
            ("three_public.vehicle.prior_year", "20000.00"),
            ("three_public.total", "28000.00"),
            ("three_public.overseas", "0.00"),
            ("three_public.reception", "9000.00"),
        ] {
            assert!(
                got.iter().any(|(k, v)| k == expected.0 && v == expected.1),
                "{expected:?} in {got:?}"
            );
        }
        assert!(!got.iter().any(|(k, _)| k.ends_with(".budget")), "{got:?}");
    }

    /// A made-up university 收入预算表: its 收入合计 takes in last year's
    /// carry-over, so it is no income.total; with the carry-over column
    /// blank it is.
    #[test]
    fn a_total_beside_a_carryover_column_is_no_income_total() {
        let set = TableSet::builtin();
        let spec = set.table_titled("收入预算表").unwrap();
        let table = |carried: &str| RawTable {
            spec,
            title: "收入预算表".into(),
            unit: Some("万元".into()),
            page: Some(1),
            header: vec![row(&[
                "科目编码",
                "科目名称",
                "收入合计",
                "上年结转",
                "财政拨款收入",
                "事业收入",
            ])],
            body: vec![RawRow {
                cells: row(&["", "合计", "1,500.00", carried, "1,000.00", "500.00"]),
                page: Some(1),
            }],
        };
        let keys = |t: &RawTable| -> Vec<(String, String)> {
            read_table(&set, t)
                .0
                .into_iter()
                .map(|f| (f.key, f.value))
                .collect()
        };
        let with = keys(&table("300.00"));
        assert!(!with.iter().any(|(k, _)| k == "income.total"), "{with:?}");
        assert!(
            with.contains(&("income.carryover_begin".into(), "300.00".into())),
            "{with:?}"
        );
        assert!(
            with.contains(&("income.fiscal_appropriation".into(), "1000.00".into())),
            "{with:?}"
        );
        let without = keys(&table(""));
        assert!(
            without.contains(&("income.total".into(), "1500.00".into())),
            "{without:?}"
        );
    }
}
