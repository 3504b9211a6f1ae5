//! The qualifiers a fact key ends with (`three_public.total.budget`): what the
//! figure is of its base key. Defined once for every stage that writes or
//! reads them; the export's column notes and the site's names say them in
//! words.

/// The budget (年初预算) of a final figure.
pub const BUDGET: &str = ".budget";
/// The previous year's figure (上年).
pub const PRIOR_YEAR: &str = ".prior_year";
/// The signed change on the previous year (比上年增加/减少).
pub const YOY_CHANGE: &str = ".yoy_change";
/// The signed change on the previous year in % (增长/下降 x%).
pub const YOY_PCT: &str = ".yoy_pct";
/// The share of a whole in % (占 x%).
pub const SHARE_PCT: &str = ".share_pct";
/// The share of the budget spent in % (完成预算 x%).
pub const COMPLETION_PCT: &str = ".completion_pct";
/// The signed change against the budget (比预算增加/减少); `x.`-keyed, outside the vocabulary.
pub const VS_BUDGET_CHANGE: &str = ".vs_budget_change";
/// The signed change against the budget in %.
pub const VS_BUDGET_PCT: &str = ".vs_budget_pct";

/// Every qualifier that compares a figure with another (all of the above).
pub const COMPARISONS: &[&str] = &[
    BUDGET,
    PRIOR_YEAR,
    YOY_CHANGE,
    YOY_PCT,
    SHARE_PCT,
    COMPLETION_PCT,
    VS_BUDGET_CHANGE,
    VS_BUDGET_PCT,
];

/// What a count of a line is of (`three_public.reception.batches`).
pub const COUNTS: &[&str] = &[".groups", ".persons", ".batches", ".count"];

/// Whether a qualifier is one against the budget, whose keys stand outside the vocabulary.
pub fn is_versus_budget(qualifier: &str) -> bool {
    qualifier == VS_BUDGET_CHANGE || qualifier == VS_BUDGET_PCT
}

/// A qualifier without its dot: how `patterns/tables.toml` names a column of such figures
/// (`yoy_pct`).
pub fn column_meaning(qualifier: &str) -> &str {
    qualifier.trim_start_matches('.')
}
