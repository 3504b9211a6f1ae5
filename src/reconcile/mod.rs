//! The reconciler: finds where a report contradicts itself, says why, and stays quiet where it
//! is consistent.
//!
//! Rule families (the `kind` of a [`Finding`]): `sum` (a total against its parts, identities in
//! `patterns/reconcile.toml`), `share` (a printed share against part / whole), `yoy` (a change
//! rate against the change and the amount), `completion` (a completion rate against amount /
//! budget, and a total's rate against its parts'), `restatement` (one figure printed twice
//! differently), `cross` (two keys the template makes equal) and `structure` (table of
//! contents, years, placeholders, budget-direction sentences).
//!
//! Every comparison allows for the rounding of the printed figures: a figure printed to 0.01
//! may be off by 0.005, so a gap within the sum of the half-units involved is `info`
//! ("rounding"). Beyond that the gap's size decides between `warning` and `error`.

pub mod across;
mod figures;
mod render;
mod rules;
mod structure;

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::report::{DocumentInfo, Evidence, Finding, Severity};
use crate::sections::SectionTree;

pub use figures::{normalize_segment, LineId};
pub use render::render_human;
pub use rules::{
    parse_identity, Identity, LineSelector, Relation, RuleSet, Term, BUILTIN_TOML as BUILTIN_RULES,
};

use figures::{compare, compare_two, show, Figure, Outcome, Pool};

/// What the reconciler looks at: the extracted facts and the document they came from.
pub struct ReconcileInput<'a> {
    pub facts: &'a [crate::report::Fact],
    /// Normalized document text (facts' `span` are char offsets into it).
    pub text: &'a str,
    pub sections: &'a SectionTree,
    pub info: &'a DocumentInfo,
}

/// All findings about one document, errors first. An unfilled template yields exactly one.
pub fn reconcile(input: &ReconcileInput, rules: &RuleSet) -> Vec<Finding> {
    if let Some(template) = structure::unfilled_template(input, rules) {
        return vec![template];
    }
    let pool = Pool::new(input.facts);
    let mut out = Findings::default();
    check_sums(&pool, rules, &mut out);
    check_trees(&pool, rules, &mut out);
    check_shares(&pool, rules, &mut out);
    check_share_sums(&pool, rules, &mut out);
    check_yoy(&pool, rules, &mut out);
    check_completion(&pool, rules, &mut out);
    check_completion_parts(&pool, rules, &mut out);
    check_equals(&pool, input.text, rules, &mut out);
    check_restatements(&pool, rules, &mut out);
    for f in structure::check(input, &pool, rules) {
        out.push(f);
    }
    let mut findings = out.list;
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// Findings without repeats: one per rule and set of printed figures.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    seen: HashSet<(String, Vec<String>)>,
}

impl Findings {
    fn push(&mut self, f: Finding) {
        let mut values = f.values.clone();
        values.sort();
        if self.seen.insert((f.rule.clone(), values)) {
            self.list.push(f);
        }
    }
}

fn evidence(f: &Figure) -> Evidence {
    Evidence {
        key: f.fact.key.clone(),
        value: f.fact.value.clone(),
        label: f.fact.label.clone(),
        page: f.fact.page,
        section: f.fact.section.clone(),
        text: f.fact.text.clone(),
        span: f.fact.span,
    }
}

struct Draft<'f, 'a> {
    rule: String,
    kind: &'static str,
    severity: Severity,
    message: String,
    message_en: String,
    figures: Vec<&'f Figure<'a>>,
    expected: Option<String>,
    actual: Option<String>,
    difference: Option<String>,
}

impl Draft<'_, '_> {
    fn build(self) -> Finding {
        Finding {
            rule: self.rule,
            kind: self.kind.to_string(),
            severity: self.severity,
            message: self.message,
            message_en: self.message_en,
            values: self.figures.iter().map(|f| f.fact.value.clone()).collect(),
            expected: self.expected,
            actual: self.actual,
            difference: self.difference,
            facts: self.figures.iter().map(|f| evidence(f)).collect(),
        }
    }
}

/// `key[label]` for messages.
fn name(f: &Figure) -> String {
    match (&f.fact.label, &f.fact.code) {
        (Some(l), _) => format!("{}[{}]", f.fact.key, l),
        (None, Some(c)) => format!("{}[{}]", f.fact.key, c),
        _ => f.fact.key.clone(),
    }
}

fn severity_words(outcome: Outcome) -> Option<(Severity, &'static str, &'static str)> {
    match outcome {
        Outcome::Consistent => None,
        Outcome::Rounding => Some((
            Severity::Info,
            "差异在四舍五入范围内",
            "within rounding of the printed figures",
        )),
        Outcome::Beyond(Severity::Warning) => {
            Some((Severity::Warning, "差异超出四舍五入范围", "beyond rounding"))
        }
        Outcome::Beyond(s) => Some((s, "明显不一致", "clearly inconsistent")),
    }
}

// ------------------------------------------------------------------------------------ sums

/// Pick the parts of `identity` for one total figure. `None` when nothing is checkable.
fn gather_parts<'p, 'a>(
    pool: &'p Pool<'a>,
    identity: &Identity,
    anchor: &Figure<'a>,
) -> Option<(Vec<&'p Figure<'a>>, bool)> {
    let mut parts = Vec::new();
    let mut complete = true;
    for term in &identity.parts {
        match term {
            Term::Key { key, line } => {
                let found = match line {
                    LineSelector::Any => pool.nearest(key, anchor, None),
                    // a per-line identity holds within one table row, never across tables
                    LineSelector::Same => pool
                        .nearest(key, anchor, Some(&|l: &LineId| l.same_line(&anchor.line)))
                        .filter(|f| f.context == anchor.context),
                    LineSelector::Fixed(sel) => {
                        pool.nearest(key, anchor, Some(&|l: &LineId| l.matches_selector(sel)))
                    }
                };
                match found {
                    Some(f) => parts.push(f),
                    None => complete = false,
                }
            }
            Term::Lines { key } => {
                let lines = pool.lines(key, anchor);
                // A table lists every line; a narrative may name only the main ones, so
                // there the lines may only not exceed the total.
                if lines.is_empty() || lines.iter().any(|l| !l.context.starts_with("table")) {
                    complete = false;
                }
                parts.extend(lines);
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some((parts, complete))
}

fn total_figures<'p, 'a>(pool: &'p Pool<'a>, total: &Term) -> Vec<&'p Figure<'a>> {
    match total {
        Term::Key {
            key,
            line: LineSelector::Fixed(sel),
        } => pool
            .of_key(key)
            .filter(|f| f.line.matches_selector(sel))
            .collect(),
        other => pool.of_key(other.key()).collect(),
    }
}

/// Check `total (=|>=) parts`; returns the finding, if any.
fn check_identity(
    rule_id: &str,
    why: &str,
    relation: Relation,
    total: &Figure,
    parts: &[&Figure],
    complete: bool,
    rules: &RuleSet,
) -> Option<Finding> {
    let sum: Decimal = parts.iter().map(|p| p.num).sum();
    let tolerance: Decimal = parts.iter().map(|p| p.half).sum::<Decimal>() + total.half;
    let two_sided = relation == Relation::Equal && complete;
    // Parts printed more coarsely than the total (万元 against 元) fit when the total, rounded
    // to their precision, equals their sum.
    let coarsest = parts.iter().max_by_key(|p| p.half).copied();
    let fits_coarse = coarsest
        .is_some_and(|c| c.half > total.half && c.round_like(total.num) == c.round_like(sum));
    let outcome = if fits_coarse {
        Outcome::Consistent
    } else if two_sided {
        compare(total, sum, tolerance, rules)
    } else if sum <= total.num || total.round_like(sum) == total.printed() {
        Outcome::Consistent
    } else if sum - total.num <= tolerance {
        Outcome::Rounding
    } else {
        Outcome::Beyond(figures::size_severity(false, sum - total.num, sum, rules))
    };
    let (severity, zh, en) = severity_words(outcome)?;
    let zeros = parts.iter().filter(|p| p.num.is_zero()).count();
    // Parts printed in another unit than the total (万元 against 亿元) are shown with
    // their units, and the sums in 万元, where the numbers stay readable.
    let mixed_units = parts.iter().any(|p| p.factor != total.factor);
    let with_unit = |f: &Figure| {
        let unit = if mixed_units {
            f.fact.unit.as_deref().unwrap_or_default()
        } else {
            ""
        };
        format!("{}{unit}", f.fact.value)
    };
    let mut terms = parts
        .iter()
        .filter(|p| !p.num.is_zero())
        .map(|p| with_unit(p))
        .collect::<Vec<_>>()
        .join(" + ");
    if zeros > 0 {
        terms.push_str(&format!(" (+{zeros}×0)"));
    }
    let unit = total.fact.unit.clone().unwrap_or_default();
    let diff = total.num - sum;
    let scale = parts
        .iter()
        .map(|p| p.scale)
        .chain([total.scale])
        .max()
        .unwrap_or(2)
        + 4;
    let stated_total = if mixed_units {
        format!(
            "{}{unit}（{}万元）",
            total.fact.value,
            show(total.num, scale)
        )
    } else {
        format!("{}{unit}", total.fact.value)
    };
    let shown = |d: Decimal| {
        if mixed_units {
            format!("{}万元", show(d, scale))
        } else {
            show(d / total.factor, scale)
        }
    };
    let (message, message_en) = match (two_sided, parts) {
        // `A = B` between two lines: a comparison, not a sum.
        (true, [part]) => (
            format!(
                "{} {} 与 {} {} 不一致（相差 {}），{zh}。依据：{why}",
                name(part),
                with_unit(part),
                name(total),
                stated_total,
                shown(diff.abs())
            ),
            format!(
                "{} {} differs from {} {} (gap {}), {en}. Identity: {why}",
                name(part),
                with_unit(part),
                name(total),
                stated_total,
                shown(diff.abs())
            ),
        ),
        (true, _) => (
            format!(
                "{}：分项 {terms} = {}，与所列合计 {stated_total} 不符（相差 {}），{zh}。依据：{why}",
                name(total),
                shown(sum),
                shown(diff)
            ),
            format!(
                "{}: the parts {terms} add up to {}, but the stated total is {stated_total} (gap {}), {en}. Identity: {why}",
                name(total),
                shown(sum),
                shown(diff)
            ),
        ),
        (false, _) => (
            format!(
                "{}：已列分项 {terms} = {}，超过合计 {stated_total}（超出 {}），{zh}。依据：{why}",
                name(total),
                shown(sum),
                shown(-diff)
            ),
            format!(
                "{}: the stated parts {terms} add up to {}, more than the total {stated_total} (excess {}), {en}. Identity: {why}",
                name(total),
                shown(sum),
                shown(-diff)
            ),
        ),
    };
    let mut figs: Vec<&Figure> = parts.to_vec();
    figs.push(total);
    Some(
        Draft {
            rule: rule_id.to_string(),
            kind: "sum",
            severity,
            message,
            message_en,
            figures: figs,
            expected: Some(show(sum / total.factor, scale)),
            actual: Some(total.fact.value.clone()),
            difference: Some(show(diff / total.factor, scale)),
        }
        .build(),
    )
}

fn check_sums(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for rule in &rules.sums {
        let rule_id = format!("sum.{}", rule.id);
        // (total, part values, finding) per statement of the total
        let mut results: Vec<(&Figure, Vec<Decimal>, Option<Finding>)> = Vec::new();
        for total in total_figures(pool, &rule.identity.total) {
            let Some((parts, complete)) = gather_parts(pool, &rule.identity, total) else {
                continue;
            };
            let mut values: Vec<Decimal> = parts.iter().map(|p| p.num).collect();
            values.sort();
            let finding = check_identity(
                &rule_id,
                &rule.why,
                rule.identity.relation,
                total,
                &parts,
                complete,
                rules,
            );
            results.push((total, values, finding));
        }
        // When one statement of the total fits these parts, another statement that does not is
        // a restatement of the total (reported as such), not a failure of the identity.
        for (i, (total, values, finding)) in results.iter().enumerate() {
            let Some(f) = finding else { continue };
            let fitted_elsewhere = f.severity > Severity::Info
                && results
                    .iter()
                    .enumerate()
                    .any(|(j, (other, other_values, other_finding))| {
                        j != i
                            && other_values == values
                            && other.line.same_line(&total.line)
                            && other_finding
                                .as_ref()
                                .is_none_or(|g| g.severity == Severity::Info)
                    });
            if !fitted_elsewhere {
                out.push(f.clone());
            }
        }
    }
}

/// Parent lines against their children (code prefix or label path), per table; the narrative
/// may list only some children, so there the children may not exceed the parent.
fn check_trees(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for tree in &rules.trees {
        let mut groups: Vec<(String, Vec<&Figure>)> = Vec::new();
        for key in &tree.keys {
            for f in pool.of_key(key) {
                if f.line.is_none() {
                    continue;
                }
                match groups.iter_mut().find(|(c, _)| *c == f.context) {
                    Some((_, v)) => {
                        if !v.iter().any(|g| g.line.same_line(&f.line)) {
                            v.push(f)
                        }
                    }
                    None => groups.push((f.context.clone(), vec![f])),
                }
            }
        }
        let rule_id = format!("sum.tree.{}", tree.keys[0]);
        for (context, figs) in &groups {
            let relation = if context.starts_with("table") {
                Relation::Equal
            } else {
                Relation::AtLeast
            };
            for parent in figs {
                let below: Vec<&Figure> = figs
                    .iter()
                    .filter(|g| parent.line.is_ancestor_of(&g.line))
                    .copied()
                    .collect();
                let children: Vec<&Figure> = below
                    .iter()
                    .filter(|g| !below.iter().any(|h| h.line.is_ancestor_of(&g.line)))
                    .copied()
                    .collect();
                if children.is_empty() {
                    continue;
                }
                let why =
                    "上级科目等于其下级科目之和 (a parent line is the sum of its child lines)";
                if let Some(f) =
                    check_identity(&rule_id, why, relation, parent, &children, true, rules)
                {
                    out.push(f);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------ percentages

/// Tolerance of `a / b × 100` given the rounding of a and b.
fn ratio_tolerance(
    a: &Figure,
    a_num: Decimal,
    a_half: Decimal,
    b: Decimal,
    b_half: Decimal,
) -> Decimal {
    let _ = a;
    Decimal::ONE_HUNDRED * (a_half / b + a_num.abs() * b_half / (b * b))
}

struct PctCheck<'f, 'a> {
    rule: String,
    kind: &'static str,
    pct: &'f Figure<'a>,
    expected: Decimal,
    tolerance: Decimal,
    /// How the expected rate was computed, for the message.
    formula_zh: String,
    formula_en: String,
    figures: Vec<&'f Figure<'a>>,
}

fn check_pct(c: PctCheck, rules: &RuleSet) -> Option<Finding> {
    let pct = c.pct;
    let tolerance = c.tolerance + pct.half;
    let outcome = compare(pct, c.expected, tolerance, rules);
    let (severity, zh, en) = severity_words(outcome)?;
    let rounded = pct.round_like(c.expected);
    let truncated = pct.truncate_like(c.expected) == pct.printed() && rounded != pct.printed();
    let (trunc_zh, trunc_en) = if truncated {
        (format!("；按四舍五入应为{rounded}%，报告似乎直接截断了小数"), format!("; rounded it would be {rounded}%, the report appears to truncate instead of rounding"))
    } else {
        (String::new(), String::new())
    };
    let exp = show(c.expected, pct.scale + 2);
    let diff = show(pct.num - c.expected, pct.scale + 2);
    let mut figs = vec![pct];
    figs.extend(c.figures);
    Some(
        Draft {
            rule: c.rule,
            kind: c.kind,
            severity,
            message: format!(
                "{}：报告为{}%，但{} = {exp}%（相差{diff}个百分点），{zh}{trunc_zh}",
                name(pct),
                pct.fact.value,
                c.formula_zh
            ),
            message_en: format!(
                "{}: printed {}%, but {} = {exp}% (gap {diff} points), {en}{trunc_en}",
                name(pct),
                pct.fact.value,
                c.formula_en
            ),
            figures: figs,
            expected: Some(exp),
            actual: Some(pct.fact.value.clone()),
            difference: Some(diff),
        }
        .build(),
    )
}

fn same_line_as<'x>(anchor: &'x Figure) -> impl Fn(&LineId) -> bool + 'x {
    move |l: &LineId| anchor.line.is_none() || l.same_line(&anchor.line)
}

/// The printed shares of a complete breakdown (a two-sided sum identity whose parts all have
/// a share of its total) must add up to 100, within their rounding.
fn check_share_sums(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for rule in rules
        .sums
        .iter()
        .filter(|r| r.identity.relation == Relation::Equal)
    {
        let total_key = rule.identity.total.key();
        let share_of = |part: &str| {
            rules
                .shares
                .iter()
                .find(|s| s.part == part && s.whole == total_key)
        };
        if rule.identity.parts.iter().any(|t| {
            share_of(t.key()).is_none()
                || matches!(
                    t,
                    Term::Key {
                        line: LineSelector::Same | LineSelector::Fixed(_),
                        ..
                    }
                )
        }) {
            continue;
        }
        for total in total_figures(pool, &rule.identity.total) {
            let Some((parts, complete)) = gather_parts(pool, &rule.identity, total) else {
                continue;
            };
            if parts.len() < 2 {
                continue;
            }
            let mut pcts = Vec::new();
            for part in &parts {
                let Some(share) = share_of(part.key()) else {
                    break;
                };
                let line = same_line_as(part);
                match pool.nearest(&share.pct, part, Some(&line)) {
                    Some(p) if p.fact.span[0].abs_diff(part.fact.span[0]) <= SAME_PASSAGE_CHARS => {
                        pcts.push(p)
                    }
                    _ => break,
                }
            }
            if pcts.len() != parts.len() {
                continue;
            }
            let sum: Decimal = pcts.iter().map(|p| p.num).sum();
            let tolerance: Decimal = pcts.iter().map(|p| p.half).sum();
            let gap = sum - Decimal::ONE_HUNDRED;
            // with a part not stated, the shares may only not exceed 100
            let (severity, zh, en) = if gap.is_zero() || !complete && gap < Decimal::ZERO {
                continue;
            } else if gap.abs() <= tolerance {
                (
                    Severity::Info,
                    "差异在四舍五入范围内",
                    "within rounding of the printed shares",
                )
            } else if gap.abs() <= rules.warning_points {
                (Severity::Warning, "差异超出四舍五入范围", "beyond rounding")
            } else {
                (Severity::Error, "明显不一致", "clearly inconsistent")
            };
            let listed = pcts
                .iter()
                .map(|p| format!("{}%", p.fact.value))
                .collect::<Vec<_>>()
                .join(" + ");
            let mut figs: Vec<&Figure> = pcts.clone();
            figs.extend(parts.iter().copied());
            figs.push(total);
            let scale = pcts.iter().map(|p| p.scale).max().unwrap_or(0) + 2;
            out.push(
                Draft {
                    rule: format!("share.sum.{}", rule.id),
                    kind: "share",
                    severity,
                    message: format!(
                        "{}的各分项占比 {listed} = {}%，不等于100%，{zh}",
                        name(total),
                        show(sum, scale)
                    ),
                    message_en: format!(
                        "the shares of {}'s parts, {listed}, add up to {}% instead of 100%, {en}",
                        name(total),
                        show(sum, scale)
                    ),
                    figures: figs,
                    expected: Some("100".into()),
                    actual: Some(show(sum, scale)),
                    difference: Some(show(gap, scale)),
                }
                .build(),
            );
        }
    }
}

fn check_shares(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for rule in &rules.shares {
        for pct in pool.of_key(&rule.pct) {
            let Some(part) = pool.nearest(&rule.part, pct, Some(&same_line_as(pct))) else {
                continue;
            };
            let wholes: Vec<&str> = std::iter::once(rule.whole.as_str())
                .chain(rule.or_whole.iter().map(String::as_str))
                .collect();
            let Some(whole) = pool.nearest_of(&wholes, part, None) else {
                continue;
            };
            if whole.num.is_zero() || another_base_fits(pool, &wholes, whole, part, pct, rules) {
                continue;
            }
            let expected = part.num / whole.num * Decimal::ONE_HUNDRED;
            let tolerance = ratio_tolerance(part, part.num, part.half, whole.num, whole.half);
            let check = PctCheck {
                rule: format!("share.{}", rule.pct),
                kind: "share",
                pct,
                expected,
                tolerance,
                formula_zh: format!("{} / {} × 100", part.fact.value, whole.fact.value),
                formula_en: format!(
                    "{} / {} ({}) × 100",
                    part.fact.value, whole.fact.value, whole.fact.key
                ),
                figures: vec![part, whole],
            };
            if let Some(f) = check_pct(check, rules) {
                out.push(f);
            }
        }
    }
}

/// Whether another total of the same passage reproduces a printed share
/// that the nearest total does not. The base of `占总支出的Z%` is not always the
/// nearest total (`支出预算X（本年支出预算Y），其中：A…，占总支出的Z%` is of X):
/// when the base is uncertain the rule says nothing.
fn another_base_fits(
    pool: &Pool,
    wholes: &[&str],
    nearest: &Figure,
    part: &Figure,
    pct: &Figure,
    rules: &RuleSet,
) -> bool {
    wholes
        .iter()
        .filter_map(|k| pool.nearest(k, part, None))
        .filter(|w| {
            !std::ptr::eq(w.fact, nearest.fact)
                && w.context == nearest.context
                && w.fact.section == nearest.fact.section
                && !w.num.is_zero()
        })
        .any(|w| {
            let expected = part.num / w.num * Decimal::ONE_HUNDRED;
            let tolerance = ratio_tolerance(part, part.num, part.half, w.num, w.half) + pct.half;
            matches!(
                compare(pct, expected, tolerance, rules),
                Outcome::Consistent | Outcome::Rounding
            )
        })
}

fn check_yoy(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    let mut keys: Vec<&str> = pool.keys().copied().collect();
    keys.sort();
    // rates printed against a previous year of 0 (a new unit): one finding for all of them
    let mut undefined: Vec<(&Figure, Vec<&Figure>)> = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with(".yoy_pct")) {
        let base = key.trim_end_matches(".yoy_pct");
        for pct in pool.of_key(key) {
            let line = same_line_as(pct);
            let Some(amount) = pool.nearest(base, pct, Some(&line)) else {
                continue;
            };
            let change = pool.nearest(&format!("{base}.yoy_change"), pct, Some(&line));
            let prior_fig = pool.nearest(&format!("{base}.prior_year"), pct, Some(&line));
            let (change_num, change_half, prior, prior_half, figs) = match (change, prior_fig) {
                (Some(c), _) => (
                    c.num,
                    c.half,
                    amount.num - c.num,
                    amount.half + c.half,
                    vec![c, amount],
                ),
                (None, Some(p)) => (
                    amount.num - p.num,
                    amount.half + p.half,
                    p.num,
                    p.half,
                    vec![p, amount],
                ),
                (None, None) => continue,
            };
            if prior.abs() <= prior_half {
                if !pct.num.is_zero() {
                    undefined.push((pct, figs));
                }
                continue;
            }
            if prior < Decimal::ZERO {
                continue;
            }
            let expected = change_num / prior * Decimal::ONE_HUNDRED;
            // d(c/p) = dc/p + c·dp/p²
            let tolerance = Decimal::ONE_HUNDRED
                * (change_half / prior + change_num.abs() * prior_half / (prior * prior));
            let check = PctCheck {
                rule: format!("yoy.{key}"),
                kind: "yoy",
                pct,
                expected,
                tolerance,
                formula_zh: format!(
                    "变动额 {} / 上年数 {} × 100",
                    show(change_num / amount.factor, 6),
                    show(prior / amount.factor, 6)
                ),
                formula_en: format!(
                    "change {} / previous year {} × 100",
                    show(change_num / amount.factor, 6),
                    show(prior / amount.factor, 6)
                ),
                figures: figs,
            };
            if let Some(f) = check_pct(check, rules) {
                out.push(f);
            }
        }
    }
    if !undefined.is_empty() {
        let listed_zh = undefined
            .iter()
            .map(|(pct, figs)| {
                format!(
                    "{}（增加{}，增长{}%）",
                    pct.key().trim_end_matches(".yoy_pct"),
                    figs[0].fact.value,
                    pct.fact.value
                )
            })
            .collect::<Vec<_>>()
            .join("；");
        let listed_en = undefined
            .iter()
            .map(|(pct, figs)| {
                format!(
                    "{} (up {}, printed +{}%)",
                    pct.key().trim_end_matches(".yoy_pct"),
                    figs[0].fact.value,
                    pct.fact.value
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut all: Vec<&Figure> = Vec::new();
        for (pct, figs) in &undefined {
            all.push(pct);
            all.extend(figs.iter().copied());
        }
        out.push(
            Draft {
                rule: "yoy.undefined_rate".into(),
                kind: "yoy",
                severity: Severity::Warning,
                message: format!(
                    "增加额等于本年数，即上年数为0，增长率无从计算，报告却写出了增长率：{listed_zh}；增长100%意味着上年为本年的一半"
                ),
                message_en: format!(
                    "the change equals this year's amount, so the previous year was 0 and no growth rate exists, yet rates are printed: {listed_en}; +100% would mean the previous year was half this year's amount"
                ),
                figures: all,
                expected: None,
                actual: None,
                difference: None,
            }
            .build(),
        );
    }
    // A printed change against this year's and the previous year's amounts.
    for key in keys.iter().filter(|k| k.ends_with(".yoy_change")) {
        let base = key.trim_end_matches(".yoy_change");
        for change in pool.of_key(key) {
            let line = same_line_as(change);
            let (Some(amount), Some(prior)) = (
                pool.nearest(base, change, Some(&line)),
                pool.nearest(&format!("{base}.prior_year"), change, Some(&line)),
            ) else {
                continue;
            };
            let identity = "本年数 − 上年数 = 变动额 (this year − previous year = change)";
            // change = amount − prior  ⇔  amount = prior + change
            if let Some(f) = check_identity(
                &format!("yoy.{key}"),
                identity,
                Relation::Equal,
                amount,
                &[prior, change],
                true,
                rules,
            ) {
                let mut f = f;
                f.kind = "yoy".into();
                out.push(f);
            }
        }
    }
}

// ------------------------------------------------------------------------ completion

fn completion_rules(pool: &Pool, rules: &RuleSet) -> Vec<rules::CompletionRule> {
    let mut list = rules.completions.clone();
    for key in pool.keys() {
        if let Some(base) = key.strip_suffix(".completion_pct") {
            if !list.iter().any(|c| c.pct == *key) {
                list.push(rules::CompletionRule {
                    pct: key.to_string(),
                    amount: base.to_string(),
                    budget: format!("{base}.budget"),
                });
            }
        }
    }
    list
}

/// Budget figures this close (in characters) to a rate are read as stated for it.
const SAME_PASSAGE_CHARS: usize = 300;

fn check_completion(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for rule in completion_rules(pool, rules) {
        for pct in pool.of_key(&rule.pct) {
            let line = same_line_as(pct);
            let amount = pool.nearest(&rule.amount, pct, Some(&line));
            let budget = pool.nearest(&rule.budget, pct, Some(&line));
            // 年初预算为0万元，全年预算为321.02万元…完成年初预算的95.89%: a zero budget
            // beside a non-zero one for the same line; check the rate against the
            // non-zero one, so that the zero one is reported as the conflicting figure.
            let budget = match budget {
                Some(b) if b.num.is_zero() => pool
                    .of_key(&rule.budget)
                    .filter(|o| {
                        !o.num.is_zero()
                            && line(&o.line)
                            && o.context == pct.context
                            && o.fact.span[0].abs_diff(pct.fact.span[0]) <= SAME_PASSAGE_CHARS
                    })
                    .min_by_key(|o| o.fact.span[0].abs_diff(pct.fact.span[0]))
                    .or(Some(b)),
                other => other,
            };
            let rule_id = format!("completion.{}", rule.pct);
            match (amount, budget) {
                (Some(a), Some(b)) if b.num.is_zero() => {
                    if a.num.is_zero() {
                        continue;
                    }
                    out.push(
                        Draft {
                            rule: rule_id.clone(),
                            kind: "completion",
                            severity: Severity::Error,
                            message: format!(
                                "{}：预算数为0，决算数{}，完成率无从计算，但报告写为{}%",
                                name(pct),
                                a.fact.value,
                                pct.fact.value
                            ),
                            message_en: format!(
                                "{}: the budget is 0 and the amount {}, so no completion rate exists, yet {}% is printed",
                                name(pct),
                                a.fact.value,
                                pct.fact.value
                            ),
                            figures: vec![pct, b, a],
                            expected: None,
                            actual: Some(pct.fact.value.clone()),
                            difference: None,
                        }
                        .build(),
                    );
                }
                (Some(a), Some(b)) => {
                    let expected = a.num / b.num * Decimal::ONE_HUNDRED;
                    let check = PctCheck {
                        rule: rule_id.clone(),
                        kind: "completion",
                        pct,
                        expected,
                        tolerance: ratio_tolerance(a, a.num, a.half, b.num, b.half),
                        formula_zh: format!(
                            "决算数 {} / 预算数 {} × 100",
                            a.fact.value, b.fact.value
                        ),
                        formula_en: format!(
                            "amount {} / budget {} × 100",
                            a.fact.value, b.fact.value
                        ),
                        figures: vec![a, b],
                    };
                    if let Some(f) = check_pct(check, rules) {
                        out.push(f);
                    }
                    // Another budget figure for the same line in the same passage that the
                    // rate does not fit (年初预算 vs 全年预算).
                    let others: Vec<&Figure> = pool
                        .of_key(&rule.budget)
                        .filter(|o| {
                            !std::ptr::eq(o.fact, b.fact)
                                && line(&o.line)
                                && o.context == pct.context
                        })
                        .filter(|o| o.fact.span[0].abs_diff(pct.fact.span[0]) <= SAME_PASSAGE_CHARS)
                        .filter(|o| compare_two(o, b, rules) != Outcome::Consistent)
                        .collect();
                    if !others.is_empty() {
                        let mut figs = vec![pct];
                        figs.extend(others.iter().copied());
                        figs.push(b);
                        figs.push(a);
                        let listed = others
                            .iter()
                            .map(|o| o.fact.value.as_str())
                            .collect::<Vec<_>>()
                            .join("、");
                        out.push(
                            Draft {
                                rule: format!("{rule_id}.budget_conflict"),
                                kind: "completion",
                                severity: Severity::Warning,
                                message: format!(
                                    "{}：完成率{}%只与预算数{}相符，但同一段落还写了预算数{listed}（例如年初预算与全年预算），按后者完成率不成立",
                                    name(pct),
                                    pct.fact.value,
                                    b.fact.value
                                ),
                                message_en: format!(
                                    "{}: the rate {}% fits only the budget {}, but the same passage also states a budget of {listed} (e.g. initial vs full-year budget), against which the rate does not hold",
                                    name(pct),
                                    pct.fact.value,
                                    b.fact.value
                                ),
                                figures: figs,
                                expected: None,
                                actual: Some(pct.fact.value.clone()),
                                difference: None,
                            }
                            .build(),
                        );
                    }
                }
                (Some(a), None) if a.num.is_zero() && !pct.num.is_zero() => {
                    out.push(
                        Draft {
                            rule: rule_id.clone(),
                            kind: "completion",
                            severity: Severity::Error,
                            message: format!(
                                "{}：决算数为0，完成率却为{}%",
                                name(pct),
                                pct.fact.value
                            ),
                            message_en: format!(
                                "{}: nothing was spent, yet the completion rate is {}%",
                                name(pct),
                                pct.fact.value
                            ),
                            figures: vec![pct, a],
                            expected: Some("0".into()),
                            actual: Some(pct.fact.value.clone()),
                            difference: Some(pct.fact.value.clone()),
                        }
                        .build(),
                    );
                }
                _ => {}
            }
        }
    }
}

/// A total's completion rate is its parts' rates weighted by their budgets. Parts that spent
/// nothing and state no rate may hide any budget; the total's rate can then only be lower.
fn check_completion_parts(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    for rule in &rules.completion_parts {
        let total_key = rule.identity.total.key();
        let pct_key = format!("{total_key}.completion_pct");
        for rate in pool.of_key(&pct_key) {
            let Some(total) = pool.nearest(total_key, rate, Some(&same_line_as(rate))) else {
                continue;
            };
            if rate.num.is_zero() || total.num.is_zero() {
                continue;
            }
            let implied_total_budget =
                match pool.nearest(&format!("{total_key}.budget"), rate, None) {
                    Some(b) => b.num,
                    None => total.num / rate.num * Decimal::ONE_HUNDRED,
                };
            let Some((parts, complete)) = gather_parts(pool, &rule.identity, total) else {
                continue;
            };
            let mut known_budget = Decimal::ZERO;
            let mut known_half = Decimal::ZERO;
            let mut free: Vec<&Figure> = Vec::new();
            let mut figs: Vec<&Figure> = vec![rate, total];
            let mut checkable = complete;
            for part in &parts {
                let line = same_line_as(part);
                let budget = pool.nearest(&format!("{}.budget", part.key()), part, Some(&line));
                let part_rate =
                    pool.nearest(&format!("{}.completion_pct", part.key()), part, Some(&line));
                match (budget, part_rate) {
                    (Some(b), _) => {
                        known_budget += b.num;
                        known_half += b.half;
                        figs.push(b);
                    }
                    (None, Some(r)) if !r.num.is_zero() => {
                        known_budget += part.num / r.num * Decimal::ONE_HUNDRED;
                        known_half += part.num * r.half / (r.num * r.num) * Decimal::ONE_HUNDRED
                            + part.half / r.num * Decimal::ONE_HUNDRED;
                        figs.push(r);
                    }
                    _ if part.num.is_zero() => free.push(part),
                    _ => checkable = false,
                }
                figs.push(part);
            }
            if !checkable || known_budget.is_zero() {
                continue;
            }
            let total_half = total.half / rate.num * Decimal::ONE_HUNDRED
                + total.num * rate.half / (rate.num * rate.num) * Decimal::ONE_HUNDRED;
            let tolerance = known_half + total_half;
            let gap = implied_total_budget - known_budget;
            let rule_id = format!("completion.parts.{}", rule.id);
            let (severity, zh, en) = if gap.abs() <= tolerance {
                continue;
            } else if gap < Decimal::ZERO {
                (
                    Severity::Error,
                    format!(
                        "总额完成率{}%对应预算约{}，小于各分项已隐含的预算{}，不可能成立",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2)
                    ),
                    format!(
                        "the total's rate {}% implies a budget of about {}, less than the {} its parts already imply; impossible",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2)
                    ),
                )
            } else if free.is_empty() {
                (
                    figures::size_severity(false, gap, implied_total_budget, rules),
                    format!(
                        "总额完成率{}%对应预算约{}，而各分项的预算合计为{}，两者不符",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2)
                    ),
                    format!(
                        "the total's rate {}% implies a budget of about {}, but its parts' budgets add up to {}",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2)
                    ),
                )
            } else {
                let free_names = free
                    .iter()
                    .map(|f| f.fact.key.as_str())
                    .collect::<Vec<_>>()
                    .join("、");
                (
                    Severity::Warning,
                    format!(
                        "总额完成率{}%对应预算约{}，但有支出的分项按其完成率只对应预算{}；其余约{}只能是零支出分项（{free_names}）的预算，报告对此未作说明",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2),
                        show(gap, 2)
                    ),
                    format!(
                        "the total's rate {}% implies a budget of about {}, but the parts with spending imply only {} at their rates; the other {} could only be budgets of the parts that spent nothing ({free_names}), which the report does not say",
                        rate.fact.value,
                        show(implied_total_budget, 2),
                        show(known_budget, 2),
                        show(gap, 2)
                    ),
                )
            };
            out.push(
                Draft {
                    rule: rule_id,
                    kind: "completion",
                    severity,
                    message: format!("{}：{zh}。依据：{}", name(rate), rule.why),
                    message_en: format!("{}: {en}. Identity: {}", name(rate), rule.why),
                    figures: figs,
                    expected: Some(show(known_budget, 4)),
                    actual: Some(show(implied_total_budget, 4)),
                    difference: Some(show(gap, 4)),
                }
                .build(),
            );
        }
    }
}

// ------------------------------------------------------------------------ equalities

fn two_figure_finding(
    rule: String,
    kind: &'static str,
    a: &Figure,
    b: &Figure,
    outcome: Outcome,
    max: Severity,
    why: &str,
) -> Option<Finding> {
    let (severity, zh, en) = severity_words(outcome)?;
    let severity = severity.min(max);
    let diff = show((a.num - b.num) / a.factor, a.scale.max(b.scale) + 4);
    let unit = a.fact.unit.clone().unwrap_or_default();
    Some(
        Draft {
            rule,
            kind,
            severity,
            message: format!(
                "{} 为 {}{unit}，{} 为 {}{}，应相等（相差{diff}），{zh}。{why}",
                name(a),
                a.fact.value,
                name(b),
                b.fact.value,
                b.fact.unit.clone().unwrap_or_default()
            ),
            message_en: format!(
                "{} is {}{unit} but {} is {}{}; they should be equal (gap {diff}), {en}. {why}",
                name(a),
                a.fact.value,
                name(b),
                b.fact.value,
                b.fact.unit.clone().unwrap_or_default()
            ),
            figures: vec![a, b],
            expected: Some(b.fact.value.clone()),
            actual: Some(a.fact.value.clone()),
            difference: Some(diff),
        }
        .build(),
    )
}

fn check_equals(pool: &Pool, text: &str, rules: &RuleSet, out: &mut Findings) {
    for rule in &rules.equals {
        for left in pool.of_key(&rule.left) {
            let Some(right) = pool.nearest(&rule.right, left, None) else {
                continue;
            };
            // The report says the two are counted differently this time, in
            // the figure's paragraph or the one explaining it just after.
            let stated = |f: &Figure| {
                let around = paragraph_and_next(text, f.fact.span[0]);
                rule.unless_stated
                    .iter()
                    .any(|w| around.contains(w.as_str()))
            };
            if !rule.unless_stated.is_empty() && (stated(left) || stated(right)) {
                continue;
            }
            let outcome = compare_two(left, right, rules);
            let id = format!("cross.{}", rule.id);
            if let Some(f) = two_figure_finding(
                id,
                "cross",
                left,
                right,
                outcome,
                rule.max_severity,
                &rule.why,
            ) {
                out.push(f);
            }
        }
    }
}

/// The line of `text` around a character offset (a paragraph, in the
/// normalized text), for the words a report states beside a figure.
fn paragraph_of(text: &str, char_at: usize) -> &str {
    let at = text
        .char_indices()
        .nth(char_at)
        .map_or(text.len(), |(i, _)| i);
    let start = text[..at].rfind(['\n', '\x0c']).map_or(0, |i| i + 1);
    let end = text[at..]
        .find(['\n', '\x0c'])
        .map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The paragraph holding `char_at` and the one after it.
fn paragraph_and_next(text: &str, char_at: usize) -> &str {
    let here = paragraph_of(text, char_at);
    let start = here.as_ptr() as usize - text.as_ptr() as usize;
    let after = start + here.len();
    let next_end = text
        .get(after + 1..)
        .and_then(|rest| rest.find(['\n', '\x0c']).map(|i| after + 1 + i))
        .unwrap_or(text.len());
    &text[start..next_end.max(after)]
}

fn key_matches(key: &str, pattern: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix(".*") {
        key == prefix || key.starts_with(&format!("{prefix}."))
    } else if let Some(suffix) = pattern.strip_prefix("*.") {
        key.ends_with(&format!(".{suffix}"))
    } else {
        key == pattern
    }
}

/// One key (and line) printed with different values anywhere in the document.
fn check_restatements(pool: &Pool, rules: &RuleSet, out: &mut Findings) {
    let mut keys: Vec<&str> = pool.keys().copied().collect();
    keys.sort();
    for key in keys {
        if rules.restatement_skip.iter().any(|p| key_matches(key, p)) {
            continue;
        }
        let label_only = rules
            .restatement_label_only
            .iter()
            .any(|p| key_matches(key, p));
        let mut groups: Vec<(String, Vec<&Figure>)> = Vec::new();
        for f in pool.of_key(key) {
            if label_only && f.line.is_none() {
                continue;
            }
            let g = f.line.group_key();
            match groups
                .iter_mut()
                .find(|(k, v)| *k == g || v.iter().any(|h| h.line.same_line(&f.line)))
            {
                Some((_, v)) => v.push(f),
                None => groups.push((g, vec![f])),
            }
        }
        for (_, figs) in groups {
            // one figure per distinct value, first statement first
            let mut distinct: Vec<&Figure> = Vec::new();
            for f in &figs {
                if !distinct.iter().any(|d| d.num == f.num) {
                    distinct.push(f);
                }
            }
            if distinct.len() < 2 {
                continue;
            }
            let mut worst = Outcome::Consistent;
            let mut pair = None;
            for (i, a) in distinct.iter().enumerate() {
                for b in &distinct[i + 1..] {
                    let o = compare_two(a, b, rules);
                    if outcome_rank(o) > outcome_rank(worst) {
                        worst = o;
                        pair = Some((*a, *b));
                    }
                }
            }
            let Some((a, b)) = pair else { continue };
            let Some((severity, zh, en)) = severity_words(worst) else {
                continue;
            };
            let listed = distinct
                .iter()
                .map(|d| {
                    format!(
                        "{}{}{}",
                        d.fact.value,
                        d.fact.unit.clone().unwrap_or_default(),
                        where_(d)
                    )
                })
                .collect::<Vec<_>>()
                .join("；");
            let diff = show((a.num - b.num) / a.factor, a.scale.max(b.scale) + 4);
            out.push(
                Draft {
                    rule: format!("restatement.{key}"),
                    kind: "restatement",
                    severity,
                    message: format!("{} 在报告中多处出现，数值不一致：{listed}（{zh}）", name(a)),
                    message_en: format!(
                        "{} is stated more than once with different values: {listed} ({en})",
                        name(a)
                    ),
                    figures: distinct.clone(),
                    expected: Some(b.fact.value.clone()),
                    actual: Some(a.fact.value.clone()),
                    difference: Some(diff),
                }
                .build(),
            );
        }
    }
}

fn where_(f: &Figure) -> String {
    let mut parts = Vec::new();
    if let Some(p) = f.fact.page {
        parts.push(format!("p{p}"));
    }
    if f.context.starts_with("table") {
        parts.push(f.context.clone());
    } else if let Some(s) = &f.fact.section {
        parts.push(s.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("（{}）", parts.join(" "))
    }
}

fn outcome_rank(o: Outcome) -> u8 {
    match o {
        Outcome::Consistent => 0,
        Outcome::Rounding => 1,
        Outcome::Beyond(Severity::Info) => 1,
        Outcome::Beyond(Severity::Warning) => 2,
        Outcome::Beyond(Severity::Error) => 3,
    }
}

#[cfg(test)]
mod tests;
