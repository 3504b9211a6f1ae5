//! What a value column means from the other columns of its table, once
//! each column's own header has been read ([`super::map::columns`]): the
//! year a header names, and a table that prints budgets only.

use super::map::{Column, Role, QUALIFYING};
use crate::keys;

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
    let all_budget = values().all(|c| {
        c.meanings.iter().any(|m| m == "budget" || qualifier(m))
            && !c.meanings.iter().any(|m| m == "amount")
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
