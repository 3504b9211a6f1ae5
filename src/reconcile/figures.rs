//! Facts as comparable figures: exact value, printed precision, context and line identity,
//! and how to pair a total with its parts.

use std::collections::HashMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::report::{Fact, FactSource};

/// Which line of a labelled key a fact belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineId {
    /// 功能分类 / 经济分类 code, digits only.
    pub code: Option<String>,
    /// Label split on `/`, each segment normalized.
    pub path: Vec<String>,
}

impl LineId {
    pub(crate) fn of(fact: &Fact) -> LineId {
        let code = fact
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()));
        let path = fact
            .label
            .as_deref()
            .map(|l| {
                l.split('/')
                    .map(normalize_segment)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        LineId {
            code: code.map(str::to_string),
            path,
        }
    }

    pub fn is_none(&self) -> bool {
        self.code.is_none() && self.path.is_empty()
    }

    /// A stable text for grouping: the code when there is one, else the label path.
    pub fn group_key(&self) -> String {
        match &self.code {
            Some(c) => format!("#{c}"),
            None => self.path.join("/"),
        }
    }

    pub fn same_line(&self, other: &LineId) -> bool {
        match (&self.code, &other.code) {
            (Some(a), Some(b)) => a == b,
            _ => {
                !self.path.is_empty() && self.path == other.path
                    || self.is_none() && other.is_none()
            }
        }
    }

    /// The same line in two documents: the code alone is not enough, since
    /// the 功能分类 is revised between years (2040405 was 公诉和审判监督 and
    /// became 公诉、审判、侦查、执行等检察监督支出): the line's own names agree too.
    pub fn same_line_across(&self, other: &LineId) -> bool {
        self.same_line(other)
            && match (self.path.last(), other.path.last()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// `self` is a parent (any depth) of `other`: by code prefix, else by label path prefix.
    pub fn is_ancestor_of(&self, other: &LineId) -> bool {
        match (&self.code, &other.code) {
            (Some(a), Some(b)) => b.len() > a.len() && b.starts_with(a.as_str()),
            _ => {
                !self.path.is_empty()
                    && other.path.len() > self.path.len()
                    && other.path[..self.path.len()] == self.path[..]
            }
        }
    }

    pub fn matches_selector(&self, sel: &str) -> bool {
        if self.code.as_deref() == Some(sel) {
            return true;
        }
        let norm: Vec<String> = sel.split('/').map(normalize_segment).collect();
        self.path == norm || self.path.last() == norm.last() && norm.len() == 1
    }
}

/// Label segment without spacing, ordinals, `（类）` marks and a trailing `支出`, so that
/// `社会保障和就业（类）`, `八、社会保障和就业支出` and `社会保障和就业` meet.
pub fn normalize_segment(s: &str) -> String {
    let mut t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.contains(['类', '款', '项']) {
        for mark in ["（类）", "（款）", "（项）", "(类)", "(款)", "(项)"] {
            t = t.replace(mark, "");
        }
    }
    if let Some(pos) = t.find('、') {
        let head = &t[..pos];
        if !head.is_empty()
            && head
                .chars()
                .all(|c| "一二三四五六七八九十百0123456789".contains(c))
        {
            t = t[pos + '、'.len_utf8()..].to_string();
        }
    }
    if t.chars().count() > 3 {
        if let Some(stripped) = t.strip_suffix("支出") {
            t = stripped.to_string();
        }
    }
    t
}

/// A fact with what the rules need to compare it.
#[derive(Debug, Clone)]
pub struct Figure<'a> {
    pub fact: &'a Fact,
    /// The value in 万元 for amounts, as printed otherwise.
    pub num: Decimal,
    /// Printed value → `num` scale (1, or 0.0001 for 元).
    pub factor: Decimal,
    /// Decimals printed.
    pub scale: u32,
    /// Half a unit of the last printed digit, in the unit of `num`; printed zeros are exact.
    pub half: Decimal,
    /// `table:<kind>`, `table`, `narrative`, `cover`, `toc`.
    pub context: String,
    pub line: LineId,
}

impl<'a> Figure<'a> {
    pub fn of(fact: &'a Fact) -> Option<Figure<'a>> {
        let printed: Decimal = fact.value.trim().parse().ok()?;
        // Figures beyond any budget (a code or a date read as an amount) are left out, which
        // also keeps every product below within Decimal's range.
        if printed.abs() > Decimal::from(1_000_000_000_000_i64) || printed.scale() > 10 {
            return None;
        }
        let (num, factor) = match fact.value_wan {
            Some(w) if !printed.is_zero() && !w.is_zero() => (w, w / printed),
            _ => {
                let factor = amount_factor(fact.unit.as_deref());
                (printed * factor, factor)
            }
        };
        let scale = printed.scale();
        let half = if printed.is_zero() {
            Decimal::ZERO
        } else {
            Decimal::new(5, scale + 1) * factor
        };
        let context = match fact.source {
            FactSource::Table => match fact.pattern.strip_prefix("table:") {
                Some(rest) => format!("table:{}", rest.split(':').next().unwrap_or("")),
                None => "table".to_string(),
            },
            FactSource::Narrative => "narrative".to_string(),
            FactSource::Cover => "cover".to_string(),
            FactSource::Toc => "toc".to_string(),
        };
        Some(Figure {
            fact,
            num,
            factor,
            scale,
            half,
            context,
            line: LineId::of(fact),
        })
    }

    pub fn key(&self) -> &str {
        &self.fact.key
    }

    pub fn is_pct(&self) -> bool {
        self.fact.unit.as_deref() == Some("%") || self.fact.key.ends_with("_pct")
    }

    /// `value` rounded to this figure's printed precision, in its printed unit.
    pub fn round_like(&self, value: Decimal) -> Decimal {
        (value / self.factor)
            .round_dp_with_strategy(self.scale, RoundingStrategy::MidpointAwayFromZero)
    }

    pub fn truncate_like(&self, value: Decimal) -> Decimal {
        (value / self.factor).trunc_with_scale(self.scale)
    }

    pub fn printed(&self) -> Decimal {
        self.fact.value.trim().parse().unwrap_or_default()
    }

    fn distance(&self, other: &Figure) -> usize {
        self.fact.span[0].abs_diff(other.fact.span[0])
    }
}

/// Without `value_wan`, amounts in 元/亿元 are still scaled to 万元 so that tables in 元 meet
/// a narrative in 万元.
fn amount_factor(unit: Option<&str>) -> Decimal {
    match unit {
        Some("元") => Decimal::new(1, 4),
        Some("亿元") => Decimal::from(10_000),
        _ => Decimal::ONE,
    }
}

/// All numeric facts of a document, indexed by key.
pub struct Pool<'a> {
    pub figures: Vec<Figure<'a>>,
    by_key: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Pool<'a> {
    pub fn new(facts: &'a [Fact]) -> Pool<'a> {
        let figures: Vec<Figure> = facts.iter().filter_map(Figure::of).collect();
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in figures.iter().enumerate() {
            by_key.entry(f.fact.key.as_str()).or_default().push(i);
        }
        Pool { figures, by_key }
    }

    pub fn of_key(&self, key: &str) -> impl Iterator<Item = &Figure<'a>> + '_ {
        self.by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(move |&i| &self.figures[i])
    }

    pub fn keys(&self) -> impl Iterator<Item = &&'a str> {
        self.by_key.keys()
    }

    /// The figure of `key` that belongs with `anchor`: same table or narrative, same section,
    /// then nearest in the text. `line` restricts to one line.
    pub fn nearest(
        &self,
        key: &str,
        anchor: &Figure,
        line: Option<&dyn Fn(&LineId) -> bool>,
    ) -> Option<&Figure<'a>> {
        self.nearest_of(&[key], anchor, line)
    }

    /// The figure of any of `keys` nearest `anchor` (same context, section,
    /// page, then distance).
    pub fn nearest_of(
        &self,
        keys: &[&str],
        anchor: &Figure,
        line: Option<&dyn Fn(&LineId) -> bool>,
    ) -> Option<&Figure<'a>> {
        keys.iter()
            .flat_map(|k| self.of_key(k))
            .filter(|f| !std::ptr::eq(f.fact, anchor.fact))
            .filter(|f| line.is_none_or(|pred| pred(&f.line)))
            .min_by_key(|f| {
                (
                    f.context != anchor.context,
                    f.fact.section != anchor.fact.section,
                    f.fact
                        .page
                        .zip(anchor.fact.page)
                        .map(|(a, b)| a.abs_diff(b))
                        .unwrap_or(0),
                    f.distance(anchor),
                )
            })
    }

    /// Every line of a labelled key that belongs with `anchor`: the lines in the anchor's own
    /// table (or the narrative), else in the nearest group holding that key; one figure per
    /// line, and only the deepest-listed level (a 款 whose 项 are listed is not counted).
    pub fn lines(&self, key: &str, anchor: &Figure) -> Vec<&Figure<'a>> {
        let all: Vec<&Figure> = self.of_key(key).collect();
        if all.is_empty() {
            return all;
        }
        let context = if all.iter().any(|f| f.context == anchor.context) {
            anchor.context.clone()
        } else {
            all.iter()
                .min_by_key(|f| f.distance(anchor))
                .map(|f| f.context.clone())
                .unwrap_or_default()
        };
        let mut chosen: Vec<&Figure> = Vec::new();
        let mut in_group: Vec<&Figure> = all.into_iter().filter(|f| f.context == context).collect();
        in_group.sort_by_key(|f| f.distance(anchor));
        for f in in_group {
            if !chosen.iter().any(|c| c.line.same_line(&f.line)) {
                chosen.push(f);
            }
        }
        let leaves: Vec<&Figure> = chosen
            .iter()
            .filter(|f| !chosen.iter().any(|g| f.line.is_ancestor_of(&g.line)))
            .copied()
            .collect();
        let mut leaves = leaves;
        leaves.sort_by_key(|f| f.fact.span[0]);
        leaves
    }
}

/// How a stated figure compares with what the others imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Equal at the printed precision.
    Consistent,
    /// Off, but within what rounding of the printed figures explains.
    Rounding,
    /// Beyond rounding: warning (small) or error.
    Beyond(crate::report::Severity),
}

/// Compare `stated` with `expected` (both in `stated.num` units) given the rounding `tolerance`.
pub fn compare(
    stated: &Figure,
    expected: Decimal,
    tolerance: Decimal,
    rules: &super::RuleSet,
) -> Outcome {
    if stated.round_like(expected) == stated.printed() {
        return Outcome::Consistent;
    }
    let gap = (stated.num - expected).abs();
    if gap <= tolerance {
        return Outcome::Rounding;
    }
    Outcome::Beyond(size_severity(
        stated.is_pct(),
        gap,
        stated.num.abs().max(expected.abs()),
        rules,
    ))
}

/// Warning for a small gap, error for a large one.
pub fn size_severity(
    pct: bool,
    gap: Decimal,
    magnitude: Decimal,
    rules: &super::RuleSet,
) -> crate::report::Severity {
    use crate::report::Severity;
    let small = if pct {
        gap <= rules.warning_points
    } else {
        gap <= rules.warning_relative * magnitude
    };
    if small {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// Two statements of one figure: equal when the finer one rounds to the coarser one.
pub fn compare_two(a: &Figure, b: &Figure, rules: &super::RuleSet) -> Outcome {
    let (coarse, fine) = if a.half >= b.half { (a, b) } else { (b, a) };
    compare(coarse, fine.num, a.half + b.half, rules)
}

/// A decimal for display: trailing zeros dropped, at most `dp` decimals.
pub fn show(d: Decimal, dp: u32) -> String {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_meet_across_tables_and_narrative() {
        assert_eq!(
            normalize_segment("八、社会保障和就业支出"),
            "社会保障和就业"
        );
        assert_eq!(normalize_segment("社会保障和就业（类）"), "社会保障和就业");
        assert_eq!(normalize_segment("住房保障支出"), "住房保障");
        assert_eq!(normalize_segment("行政运行"), "行政运行");
    }

    #[test]
    fn code_and_label_trees() {
        let class = LineId {
            code: Some("201".into()),
            path: vec![],
        };
        let item = LineId {
            code: Some("2010601".into()),
            path: vec![],
        };
        assert!(class.is_ancestor_of(&item));
        assert!(!item.is_ancestor_of(&class));
        let c = LineId {
            code: None,
            path: vec!["一般公共服务".into()],
        };
        let i = LineId {
            code: None,
            path: vec!["一般公共服务".into(), "财政事务".into(), "行政运行".into()],
        };
        assert!(c.is_ancestor_of(&i));
        assert!(!c.same_line(&i));
    }
}
