//! `sum`: a total against its parts, by the identities of `patterns/reconcile.toml`, and a
//! parent line against its child lines.

use rust_decimal::Decimal;

use super::check::{message, name, verdict, Check, Context, Draft};
use super::figures::{self, compare, show, Figure, LineId, Outcome, Pool};
use super::rules::{Identity, LineSelector, Relation, RuleSet, Term};
use crate::report::{Finding, Severity};

const FAMILY: &str = "sum";

/// Each identity of `[[sum]]`, for every statement of its total.
pub(super) struct Sums;

/// Each `[[tree]]`: parent lines against their children (code prefix or label path), per
/// table; the narrative may list only some children, so there the children may not exceed
/// the parent.
pub(super) struct Trees;

/// Pick the parts of `identity` for one total figure. `None` when nothing is checkable.
pub(super) fn gather_parts<'p, 'a>(
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
                    // A total printed for one named line (a unit, a scope)
                    // adds up that line's parts only.
                    LineSelector::Any if !anchor.line.path.is_empty() => {
                        pool.nearest(key, anchor, Some(&|l: &LineId| l.path == anchor.line.path))
                    }
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

pub(super) fn total_figures<'p, 'a>(pool: &'p Pool<'a>, total: &Term) -> Vec<&'p Figure<'a>> {
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

/// Check `total (=|>=) parts`; returns the finding, if any, as one of `kind`.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_identity(
    kind: &'static str,
    rule_id: &str,
    why: &str,
    relation: Relation,
    total: &Figure,
    parts: &[&Figure],
    complete: bool,
    rules: &RuleSet,
) -> Option<Finding> {
    super::check::count_checked(kind);
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
    let verdict = verdict(outcome)?;
    let words = verdict.words;
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
    let total_name = name(total);
    let message = match (two_sided, parts) {
        // `A = B` between two lines: a comparison, not a sum.
        (true, [part]) => message!(
            "{part_name} {part_value} 与 {total_name} {stated_total} 不一致（相差 {gap}），{verdict}。依据：{why}",
            "{part_name} {part_value} differs from {total_name} {stated_total} (gap {gap}), {verdict}. Identity: {why}",
            part_name = name(part),
            part_value = with_unit(part),
            gap = shown(diff.abs()), [verdict = words]),
        (true, _) => message!(
            "{total_name}：分项 {terms} = {sum}，与所列合计 {stated_total} 不符（相差 {gap}），{verdict}。依据：{why}",
            "{total_name}: the parts {terms} add up to {sum}, but the stated total is {stated_total} (gap {gap}), {verdict}. Identity: {why}",
            sum = shown(sum),
            gap = shown(diff), [verdict = words]),
        (false, _) => message!(
            "{total_name}：已列分项 {terms} = {sum}，超过合计 {stated_total}（超出 {excess}），{verdict}。依据：{why}",
            "{total_name}: the stated parts {terms} add up to {sum}, more than the total {stated_total} (excess {excess}), {verdict}. Identity: {why}",
            sum = shown(sum),
            excess = shown(-diff), [verdict = words]),
    };
    let mut figs: Vec<&Figure> = parts.to_vec();
    figs.push(total);
    Some(
        Draft {
            rule: rule_id.to_string(),
            kind,
            severity: verdict.severity,
            message,
            figures: figs,
            expected: Some(show(sum / total.factor, scale)),
            actual: Some(total.fact.value.clone()),
            difference: Some(show(diff / total.factor, scale)),
        }
        .build(),
    )
}

impl Check for Sums {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        sums(cx.pool, cx.rules, out);
    }
}

fn sums(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
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
                FAMILY,
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

impl Check for Trees {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        trees(cx.pool, cx.rules, out);
    }
}

fn trees(pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
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
                if let Some(f) = check_identity(
                    FAMILY, &rule_id, why, relation, parent, &children, true, rules,
                ) {
                    out.push(f);
                }
            }
        }
    }
}
