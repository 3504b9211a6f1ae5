//! Structure rules: unfilled templates and leftover placeholders, table of contents against
//! the body, years that disagree with the fiscal year, and sentences about the budget
//! direction (`决算数小于预算数`) that the amounts contradict.

use crate::ascii_regex::ascii_regex;
use regex::Regex;
use std::sync::LazyLock as Lazy;

use super::check::{evidence, message, Bilingual, Check, Context, Message};
use super::figures::{show, Figure, Pool};
use super::{ReconcileInput, RuleSet};
use crate::report::{Evidence, Finding, Severity};

static AMOUNT: Lazy<Regex> =
    Lazy::new(|| ascii_regex(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|元|%|辆|个)").unwrap());
static YEAR: Lazy<Regex> = Lazy::new(|| ascii_regex(r"((?:19|20)\d{2})\s*年").unwrap());

/// `byte` moved back to a char boundary inside `text` (section ranges come from elsewhere).
fn boundary(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

fn char_offset(text: &str, byte: usize) -> usize {
    text[..boundary(text, byte)].chars().count()
}

/// The line of `text` around byte range `at`, trimmed.
fn line_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let start = boundary(text, start);
    let end = boundary(text, end).max(start);
    let s = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let e = text[end..]
        .find('\n')
        .map(|i| end + i)
        .unwrap_or(text.len());
    (s, e)
}

fn page_at(text: &str, byte: usize) -> Option<u32> {
    if text.contains('\u{c}') {
        Some(text[..boundary(text, byte)].matches('\u{c}').count() as u32 + 1)
    } else {
        None
    }
}

fn text_evidence(
    input: &ReconcileInput,
    key: &str,
    value: &str,
    start: usize,
    end: usize,
) -> Evidence {
    let (ls, le) = line_around(input.text, start, end);
    let section = input
        .sections
        .innermost_at(start)
        .map(|i| input.sections.sections[i].title.clone());
    Evidence {
        key: key.to_string(),
        value: value.to_string(),
        label: None,
        page: page_at(input.text, start),
        section,
        text: input.text[ls..le].trim().to_string(),
        span: [char_offset(input.text, start), char_offset(input.text, end)],
    }
}

/// Placeholder matches as byte ranges, trimmed of the context characters the regexes need.
fn placeholders(text: &str, rules: &RuleSet) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for re in &rules.structure.placeholders {
        for caps in re.captures_iter(text) {
            // `p` is the placeholder itself when the regex also needs the characters around it
            let m = caps
                .name("p")
                .or_else(|| caps.get(0))
                .expect("group 0 always matches");
            // `增加（减少）0万元`, `增长（下降）0%`: the template's own wording
            // for a line that did not change, not a blank left unfilled.
            if zero_follows(&text[m.end()..]) {
                continue;
            }
            if !found.iter().any(|&(a, b)| m.start() < b && a < m.end()) {
                found.push((m.start(), m.end()));
            }
        }
    }
    found.sort();
    found
}

/// Whether the text starts with a zero amount or rate (`0`, `0.00万元`, `0%`).
fn zero_follows(rest: &str) -> bool {
    // A page's footer (`─ 7 ─`) may stand between the wording and its amount.
    let mut rest = rest.trim_start();
    for _ in 0..2 {
        let Some(end) = rest.find(['\n', '\x0c']) else {
            break;
        };
        let line = &rest[..end];
        let footer = line.chars().count() <= 12
            && line.chars().any(|c| c.is_ascii_digit())
            && !line.chars().any(crate::normalize::is_han);
        if !footer {
            break;
        }
        rest = rest[end..].trim_start();
    }
    let number: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    !number.is_empty() && number.chars().all(|c| c == '0' || c == '.')
}

/// One finding when placeholders dominate the text: the document is a blank
/// template. It is `info`: a fact about the publication, not a contradiction.
pub fn unfilled_template(input: &ReconcileInput, rules: &RuleSet) -> Option<Finding> {
    let marks = placeholders(input.text, rules);
    let amounts = AMOUNT.find_iter(input.text).count();
    if marks.len() < rules.structure.unfilled_min_placeholders || marks.len() < amounts {
        return None;
    }
    let facts = marks
        .iter()
        .take(5)
        .map(|&(s, e)| text_evidence(input, "document.placeholder", input.text[s..e].trim(), s, e))
        .collect();
    let message = message!(
        "这是未填写的模板：{marks}处占位符（如XX局、XXX万元、XX%），而实际数字只有{amounts}处；不对其中数字作核对",
        "this is an unfilled template: {marks} placeholders (XX局, XXX万元, XX%) against {amounts} printed figures; no figure is checked",
        marks = marks.len(),
    );
    Some(Finding {
        facts,
        ..finding(
            format!("{FAMILY}.unfilled_template"),
            Severity::Info,
            message,
            vec![marks.len().to_string()],
        )
    })
}

const FAMILY: &str = "structure";

/// Placeholders, the table of contents, years and budget-direction sentences.
pub(super) struct Structure;

impl Check for Structure {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn run(&self, cx: &Context, out: &mut Vec<Finding>) {
        leftover_placeholders(cx.input, cx.rules, out);
        toc_against_body(cx.input, out);
        years(cx.input, cx.rules, out);
        budget_direction(cx.input, cx.pool, cx.rules, out);
    }
}

/// A finding of the family about text rather than figures.
fn finding(rule: String, severity: Severity, message: Message, values: Vec<String>) -> Finding {
    Finding {
        rule,
        kind: FAMILY.into(),
        severity,
        message: message.zh,
        message_en: message.en,
        values,
        expected: None,
        actual: None,
        difference: None,
        facts: Vec::new(),
    }
}

fn leftover_placeholders(input: &ReconcileInput, rules: &RuleSet, out: &mut Vec<Finding>) {
    for (s, e) in placeholders(input.text, rules) {
        let mark = input.text[s..e].trim();
        let message = message!(
            "模板占位符“{mark}”未替换为实际内容",
            "template placeholder “{mark}” left in the text",
        );
        out.push(Finding {
            actual: Some(mark.to_string()),
            facts: vec![text_evidence(input, "document.placeholder", mark, s, e)],
            ..finding(
                format!("{FAMILY}.placeholder"),
                Severity::Warning,
                message,
                vec![],
            )
        });
    }
}

static ORDINAL: Lazy<Regex> = Lazy::new(|| {
    ascii_regex(r"^(?:第[一二三四五六七八九十\d]+部分|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+[、.．])").unwrap()
});
static REMARK: Lazy<Regex> = Lazy::new(|| Regex::new(r"[（(][^）)]*[）)]$").unwrap());
static TITLE_YEAR: Lazy<Regex> = Lazy::new(|| ascii_regex(r"(?:19|20)\d\d年度?").unwrap());

/// Build this check's regexes now (see [`crate::reconcile::warm_up`]).
pub(super) fn warm_up() {
    for re in [&AMOUNT, &YEAR, &ORDINAL, &REMARK, &TITLE_YEAR] {
        Lazy::force(re);
    }
}

/// A title without ordinal, spacing, quotes, trailing page number or `（此表无数据）`-style
/// remark, so that a TOC line and its heading meet.
fn title_key(title: &str) -> String {
    let t: String = title
        .chars()
        .filter(|c| !c.is_whitespace() && !"“”\"'‘’".contains(*c))
        .collect();
    let t = ORDINAL.replace(&t, "").to_string();
    let t = t
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '…' || c == '·')
        .to_string();
    REMARK.replace(&t, "").to_string()
}

/// A title's forms the comparison of TOC lines and headings uses, computed
/// once per title (a TOC meets every heading).
struct Title {
    /// [`title_key`].
    key: String,
    /// Without `的` and a generic ending (`情况说明`, `说明`, `情况`).
    core: String,
    /// `core` without years, `部门`, and with `及` as `和`.
    plain: String,
    plain_chars: usize,
}

impl Title {
    fn new(title: &str) -> Title {
        let key = title_key(title);
        // 其他重要事项说明 and 其他重要事项的情况说明 name the same part.
        let mut core = key.replace('的', "");
        for generic in ["情况说明", "说明", "情况"] {
            if let Some(stripped) = core.strip_suffix(generic) {
                core = stripped.to_string();
                break;
            }
        }
        let plain = TITLE_YEAR
            .replace_all(&core, "")
            .replace("部门", "")
            .replace('及', "和");
        Title {
            plain_chars: plain.chars().count(),
            key,
            core,
            plain,
        }
    }
}

/// Whether a TOC line and a heading name the same part; `near` also lets
/// them differ by a character or two (see below).
fn titles_meet_as(a: &Title, b: &Title, near: bool) -> bool {
    let (ka, kb) = (&a.key, &b.key);
    if ka.is_empty() || kb.is_empty() {
        return false;
    }
    // So do 2019年度部门主要工作任务及目标, 2019年主要工作任务和目标 and
    // 2019年主要工作任务, and 主要职能 and 主要职责: without years, 部门 and
    // 及/和, one holding the other or one character apart in a title of four
    // or more, two apart in one of eight or more.
    ka == kb
        || ka.contains(kb.as_str())
        || kb.contains(ka.as_str())
        || (a.core == b.core && !a.core.is_empty())
        || near && {
            let (pa, pb) = (&a.plain, &b.plain);
            let n = a.plain_chars.min(b.plain_chars);
            // Names whose lengths differ by more than two are more than two edits apart.
            let distance = || {
                if a.plain_chars.abs_diff(b.plain_chars) > 2 {
                    usize::MAX
                } else {
                    crate::normalize::edit_distance(pa, pb)
                }
            };
            n >= 4
                && (pa.contains(pb.as_str()) || pb.contains(pa.as_str()) || {
                    let d = distance();
                    d <= 1 || n >= 8 && d <= 2
                })
        }
}

fn titles_meet(a: &Title, b: &Title) -> bool {
    titles_meet_as(a, b, true)
}

/// TOC lines against headings, by title. A TOC line with no heading is missing from the body;
/// a heading is missing from the TOC only where the TOC lists its siblings (the lines under
/// its parent at its level), since TOCs commonly stop at some depth.
fn toc_against_body(input: &ReconcileInput, out: &mut Vec<Finding>) {
    let tree = input.sections;
    if tree.toc.is_empty() {
        return;
    }
    let section_keys: Vec<Title> = tree.sections.iter().map(|s| Title::new(&s.title)).collect();
    let toc_keys: Vec<Title> = tree.toc.iter().map(|e| Title::new(&e.title)).collect();
    let char_span = |r: &std::ops::Range<usize>| {
        [
            char_offset(input.text, r.start),
            char_offset(input.text, r.end),
        ]
    };
    // the body: after the last TOC line, without spacing (made when a TOC line is missing)
    let toc_end = tree.toc.iter().map(|e| e.span.end).max().unwrap_or(0);
    let body_cell = std::cell::OnceCell::<String>::new();
    let body = || {
        body_cell.get_or_init(|| {
            input.text[boundary(input.text, toc_end)..]
                .chars()
                .filter(|c| !c.is_whitespace() && !"“”\"'‘’".contains(*c))
                .collect()
        })
    };
    for (entry, key) in tree.toc.iter().zip(&toc_keys) {
        // level 0: the TOC line's level was not recognised, nor is its heading likely to be
        if entry.level == 0 || section_keys.iter().any(|s| titles_meet(s, key)) {
            continue;
        }
        // The title's last words in the body text suggest a heading the section tree did not
        // recognise (layout ran it into another line) rather than a missing part.
        let mut distinctive = key.key.as_str();
        for generic in ["情况说明", "说明", "情况"] {
            distinctive = distinctive.strip_suffix(generic).unwrap_or(distinctive);
        }
        let chars: Vec<char> = distinctive.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4.max(chars.len() / 2))..]
            .iter()
            .collect();
        let (severity, similar) = if chars.len() >= 4 && body().contains(&tail) {
            (
                Severity::Info,
                Bilingual {
                    zh: "（正文中有相近文字，可能是未识别的标题）",
                    en: " (similar words occur in the body: perhaps a heading not recognised)",
                },
            )
        } else {
            (Severity::Warning, Bilingual { zh: "", en: "" })
        };
        let message = message!(
            "目录列有“{title}”，正文中却没有这一部分{similar}",
            "the table of contents lists “{title}” but the body has no such part{similar}",
            title = &entry.title,
            [similar]
        );
        out.push(Finding {
            expected: Some(entry.title.clone()),
            facts: vec![Evidence {
                key: "document.toc".into(),
                value: entry.title.clone(),
                label: None,
                page: entry.page,
                section: None,
                text: entry.title.clone(),
                span: char_span(&entry.span),
            }],
            ..finding(
                format!("{FAMILY}.toc_missing_in_body"),
                severity,
                message,
                vec![],
            )
        });
    }
    // A numbering that starts again under one parent (`三、…任务` then
    // `一、坚决捍卫…`) is a list inside the section before it, not a part
    // the contents would list.
    let mut last_number: std::collections::HashMap<(Option<usize>, u8), (u32, bool)> =
        std::collections::HashMap::new();
    let restarted: Vec<bool> = tree
        .sections
        .iter()
        .map(|s| {
            let Some(n) = s.number else { return false };
            let entry = last_number.entry((s.parent, s.level)).or_insert((0, false));
            if n <= entry.0 {
                entry.1 = true;
            }
            entry.0 = n;
            entry.1
        })
        .collect();
    for ((s, key), restarted) in tree.sections.iter().zip(&section_keys).zip(restarted) {
        if restarted {
            continue;
        }
        let Some(parent_key) = s.parent.and_then(|p| section_keys.get(p)) else {
            continue;
        };
        // The parent's own TOC line, before one worded almost like it.
        let Some(at) = toc_keys
            .iter()
            .position(|k| titles_meet_as(k, parent_key, false))
            .or_else(|| toc_keys.iter().position(|k| titles_meet(k, parent_key)))
        else {
            continue;
        };
        let parent_level = tree.toc[at].level;
        let siblings: Vec<&Title> = tree.toc[at + 1..]
            .iter()
            .zip(&toc_keys[at + 1..])
            .take_while(|(e, _)| e.level > parent_level)
            .filter(|(e, _)| e.level == s.level)
            .map(|(_, k)| k)
            .collect();
        if siblings.is_empty() || siblings.iter().any(|k| titles_meet(k, key)) {
            continue;
        }
        let message = message!(
            "正文有“{title}”，目录中却未列出",
            "the body has “{title}” but the table of contents does not list it",
            title = &s.title,
        );
        out.push(Finding {
            actual: Some(s.title.clone()),
            facts: vec![text_evidence(
                input,
                "document.section",
                &s.title,
                s.heading.start,
                s.heading.end,
            )],
            ..finding(
                format!("{FAMILY}.body_missing_in_toc"),
                Severity::Warning,
                message,
                vec![],
            )
        });
    }
}

/// A heading, TOC line or cover line naming another year than the fiscal year, unless it
/// compares (`比2019年`) or dates (`截至2025年8月`) something.
fn years(input: &ReconcileInput, rules: &RuleSet, out: &mut Vec<Finding>) {
    let Some(fiscal_year) = input.info.fiscal_year else {
        return;
    };
    let text = input.text;
    let mut lines: Vec<(usize, usize, &str)> = Vec::new();
    for s in &input.sections.sections {
        let r = s.heading.clone();
        if r.start <= r.end
            && r.end <= text.len()
            && text.is_char_boundary(r.start)
            && text.is_char_boundary(r.end)
        {
            lines.push((r.start, r.end, "heading"));
        }
    }
    for e in &input.sections.toc {
        let r = e.span.clone();
        if r.start <= r.end
            && r.end <= text.len()
            && text.is_char_boundary(r.start)
            && text.is_char_boundary(r.end)
        {
            lines.push((r.start, r.end, "toc"));
        }
    }
    // The cover: the first lines before any section, naming the budget or final account.
    let cover_end = input
        .sections
        .sections
        .first()
        .map(|s| s.heading.start)
        .unwrap_or(text.len());
    let cover_end = boundary(text, cover_end);
    let mut at = 0;
    for line in text[..cover_end].split_inclusive('\n').take(12) {
        let t = line.trim();
        if t.contains("预算") || t.contains("决算") {
            lines.push((at, at + line.trim_end().len(), "cover"));
        }
        at += line.len();
    }
    lines.sort();
    lines.dedup_by_key(|l| (l.0, l.1));
    for (s, e, place) in lines {
        let line = &text[s..e];
        if rules
            .structure
            .comparison_words
            .iter()
            .any(|w| line.contains(w.as_str()))
            || line.contains("截至")
            || line.contains("截止")
            || line.contains("公开时间")
        {
            continue;
        }
        // A final account closing on next year's budget (`七、2025年“三公”经费预算安排`).
        let next_budget = input.info.kind.as_deref() == Some("final") && line.contains("预算");
        for cap in YEAR.captures_iter(line) {
            let year: i32 = cap[1].parse().unwrap_or(fiscal_year);
            if year == fiscal_year || (next_budget && year == fiscal_year + 1) {
                continue;
            }
            let m = cap.get(1).unwrap();
            // A date (`发布日期：2025年9月22日`), not the year a report is for.
            let after = line[cap.get(0).unwrap().end()..].trim_start();
            if after.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let message = message!(
                "{place_zh}写的是{year}年，而本报告为{fiscal_year}年度",
                "the {place} names {year}, but the report is for fiscal year {fiscal_year}",
                place_zh = place_zh(place),
            );
            out.push(Finding {
                expected: Some(fiscal_year.to_string()),
                actual: Some(year.to_string()),
                facts: vec![text_evidence(
                    input,
                    "document.fiscal_year",
                    &year.to_string(),
                    s + m.start(),
                    s + m.end(),
                )],
                ..finding(
                    format!("{FAMILY}.year_mismatch.{place}"),
                    Severity::Warning,
                    message,
                    vec![year.to_string(), fiscal_year.to_string()],
                )
            });
        }
    }
}

fn place_zh(place: &str) -> &'static str {
    match place {
        "heading" => "标题",
        "toc" => "目录",
        _ => "封面",
    }
}

/// `决算数小于预算数` and its kin against the budget and amount printed just before.
fn budget_direction(input: &ReconcileInput, pool: &Pool, rules: &RuleSet, out: &mut Vec<Finding>) {
    const LOOK_BACK: usize = 200;
    let text = input.text;
    let st = &rules.structure;
    let phrases = st
        .above_budget
        .iter()
        .map(|p| (p, 1))
        .chain(st.below_budget.iter().map(|p| (p, -1)))
        .chain(st.equal_budget.iter().map(|p| (p, 0)));
    for (phrase, direction) in phrases {
        for (byte, _) in text.match_indices(phrase.as_str()) {
            let at = char_offset(text, byte);
            // the nearest budget figure before the statement, then its amount
            let Some(budget) = pool
                .figures
                .iter()
                .filter(|f| {
                    f.key().ends_with(crate::keys::BUDGET)
                        && f.fact.span[1] <= at
                        && at - f.fact.span[1] <= LOOK_BACK
                })
                .max_by_key(|f| f.fact.span[1])
            else {
                continue;
            };
            let base = budget.key().trim_end_matches(crate::keys::BUDGET);
            let amount_key = if base == "project" {
                "project.final"
            } else {
                base
            };
            let Some(amount) = pool
                .of_key(amount_key)
                .filter(|f| f.line.same_line(&budget.line) || budget.line.is_none())
                .filter(|f| f.fact.span[0] <= at && at - f.fact.span[0] <= LOOK_BACK + 100)
                .max_by_key(|f| f.fact.span[0])
            else {
                continue;
            };
            if let Some(f) =
                direction_finding(input, phrase, direction, budget, amount, rules, byte)
            {
                out.push(f);
            }
        }
    }
}

fn direction_finding(
    input: &ReconcileInput,
    phrase: &str,
    direction: i32,
    budget: &Figure,
    amount: &Figure,
    rules: &RuleSet,
    byte: usize,
) -> Option<Finding> {
    let gap = amount.num - budget.num;
    let rounding = amount.half + budget.half;
    let roughly = phrase.contains("基本");
    let holds = match direction {
        1 => gap > -rounding,
        -1 => gap < rounding,
        _ if roughly => {
            gap.abs() <= rules.structure.roughly_equal_ratio * budget.num.abs() + rounding
        }
        _ => gap.abs() <= rounding,
    };
    if holds {
        return None;
    }
    let magnitude = budget.num.abs().max(amount.num.abs());
    let severity =
        super::figures::size_severity(false, gap.abs(), magnitude, rules).max(Severity::Warning);
    let mut stmt = text_evidence(
        input,
        "document.statement",
        phrase,
        byte,
        byte + phrase.len(),
    );
    stmt.text = phrase.to_string();
    let diff = show(gap / amount.factor, amount.scale + 2);
    let message = message!(
        "报告称“{phrase}”，但预算数为{budget_value}、决算数为{amount_value}（相差{diff}）",
        "the report says “{phrase}” (final vs budget), but the budget is {budget_value} and the final amount {amount_value} (gap {diff})",
        budget_value = &budget.fact.value,
        amount_value = &amount.fact.value,
    );
    Some(Finding {
        actual: Some(amount.fact.value.clone()),
        difference: Some(diff),
        facts: vec![evidence(budget), evidence(amount), stmt],
        ..finding(
            format!("{FAMILY}.budget_direction"),
            severity,
            message,
            vec![budget.fact.value.clone(), amount.fact.value.clone()],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{titles_meet, Title};

    #[test]
    fn a_toc_line_meets_its_heading_worded_a_little_differently() {
        let meet = |a: &str, b: &str| titles_meet(&Title::new(a), &Title::new(b));
        assert!(meet("一、主要职能", "一、主要职责"));
        assert!(meet(
            "三、2019年度部门主要工作任务及目标",
            "三、2019年主要工作任务和目标"
        ));
        assert!(meet("五、其他重要事项说明", "五、其他重要事项的情况说明"));
        assert!(meet(
            "三、2018年度部门主要工作任务及目标",
            "三、2018年主要工作任务"
        ));
        // Other parts, however alike their words.
        assert!(!meet("二、收入预算情况说明", "三、支出预算情况说明"));
        assert!(!meet("一、收入决算表", "二、支出决算表"));
    }
}
