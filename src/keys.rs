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
