//! The reconciler over real figures: the hand-checked facts of `../shared/corpus/truth/*.json`
//! become `Fact`s (as the extractor would write them) and every inconsistency found by hand
//! must be found, with no warning or error that is not a genuine inconsistency.

use std::path::{Path, PathBuf};
use std::process::Command;

use caizheng::reconcile::{reconcile, render_human, ReconcileInput, RuleSet};
use caizheng::report::{DocumentInfo, Fact, FactSource, Finding, Severity};
use caizheng::sections::SectionTree;
use rust_decimal::Decimal;
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("SKIPPED: {} is absent; corpus tests not run", dir.display());
        None
    }
}

/// The document text: the converted text for `.txt`, `pdftotext -raw` for PDFs.
fn document_text(path: &Path) -> Option<String> {
    if path.extension().is_some_and(|e| e == "txt") {
        return std::fs::read_to_string(path).ok();
    }
    match Command::new("pdftotext")
        .arg("-raw")
        .arg(path)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            eprintln!("SKIPPED: pdftotext unavailable for {}", path.display());
            None
        }
    }
}

/// Table kind by page, as the table reader names tables (`table:<kind>:<column>`).
fn table_kind(doc: &str, page: Option<u32>) -> &'static str {
    let p = page.unwrap_or(0);
    match doc {
        "putuo-finance-2024-final" => match p {
            6 | 7 => "summary",
            8 | 9 => "income",
            10 | 11 => "expenditure",
            12 | 13 => "fiscal_summary",
            15 => "general_budget",
            16 | 17 => "economic",
            18 => "three_public",
            _ => "other",
        },
        "putuo-social-work-2024-final" => match p {
            5 => "summary",
            6 | 7 => "income",
            8 | 9 => "expenditure",
            10 | 11 => "fiscal_summary",
            12 => "general_budget",
            13 => "economic",
            _ => "other",
        },
        "putuo-city-management-2026-budget" => match p {
            8 => "summary",
            10 => "income",
            12 => "expenditure",
            13 => "fiscal_summary",
            14 | 15 => "general_budget",
            19 => "economic",
            20 => "three_public",
            24 => "project",
            _ => "other",
        },
        _ => "project_performance",
    }
}

fn wan(value: &str, unit: Option<&str>) -> Option<Decimal> {
    let v: Decimal = value.parse().ok()?;
    match unit? {
        "万元" => Some(v),
        "元" => Some(v / Decimal::from(10_000)),
        "亿元" => Some(v * Decimal::from(10_000)),
        _ => None,
    }
}

/// Finds quotes in the text ignoring whitespace, in document order.
struct Locator {
    stripped: Vec<char>,
    /// char index in the original text of each stripped char
    origin: Vec<usize>,
    cursor: usize,
}

impl Locator {
    fn new(text: &str) -> Locator {
        let mut stripped = Vec::new();
        let mut origin = Vec::new();
        for (i, c) in text.chars().enumerate() {
            if !c.is_whitespace() {
                stripped.push(c);
                origin.push(i);
            }
        }
        Locator {
            stripped,
            origin,
            cursor: 0,
        }
    }

    fn find_from(&self, needle: &[char], from: usize) -> Option<usize> {
        if needle.is_empty() || needle.len() > self.stripped.len() {
            return None;
        }
        (from..=self.stripped.len() - needle.len())
            .find(|&i| self.stripped[i..i + needle.len()] == *needle)
    }

    /// Char span of the quote; unlocated quotes sit at the last located position.
    fn locate(&mut self, quote: &str) -> [usize; 2] {
        let needle: Vec<char> = quote.chars().filter(|c| !c.is_whitespace()).collect();
        let found = self
            .find_from(&needle, self.cursor)
            .or_else(|| self.find_from(&needle, 0));
        match found {
            Some(i) => {
                self.cursor = i;
                [self.origin[i], self.origin[i + needle.len() - 1] + 1]
            }
            None => {
                let at = self.origin.get(self.cursor).copied().unwrap_or(0);
                [at, at]
            }
        }
    }
}

struct Case {
    facts: Vec<Fact>,
    text: String,
    info: DocumentInfo,
    truth: Value,
}

fn load(doc_file: &str) -> Option<Case> {
    let dir = corpus()?;
    let stem = doc_file
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(doc_file);
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("truth").join(format!("{stem}.json"))).ok()?,
    )
    .ok()?;
    let text = document_text(&dir.join(doc_file))?;
    let mut locator = Locator::new(&text);
    let mut facts = Vec::new();
    for (i, t) in truth["facts"].as_array()?.iter().enumerate() {
        let s = |k: &str| t[k].as_str().map(str::to_string);
        let unit = s("unit");
        let value = s("value")?;
        let page = t["page"].as_u64().map(|p| p as u32);
        let source = match t["source"].as_str()? {
            "table" => FactSource::Table,
            "cover" => FactSource::Cover,
            "toc" => FactSource::Toc,
            _ => FactSource::Narrative,
        };
        let key = s("key")?;
        let quote = s("quote").unwrap_or_default();
        let pattern = if source == FactSource::Table {
            format!("table:{}:{}", table_kind(stem, page), key)
        } else {
            format!("{key}#truth{i}")
        };
        facts.push(Fact {
            value_wan: wan(&value, unit.as_deref()),
            key,
            value,
            unit,
            label: s("label"),
            code: s("code"),
            page,
            section: None,
            span: locator.locate(&quote),
            text: quote,
            source,
            pattern,
        });
    }
    let d = &truth["document"];
    let info = DocumentInfo {
        kind: d["kind"].as_str().map(str::to_string),
        scope: d["scope"].as_str().map(str::to_string),
        fiscal_year: d["fiscal_year"].as_i64().map(|y| y as i32),
        entity: d["entity"].as_str().map(str::to_string),
        amount_unit: d["amount_unit"].as_str().map(str::to_string),
        ..Default::default()
    };
    Some(Case {
        facts,
        text,
        info,
        truth,
    })
}

fn run(case: &Case) -> Vec<Finding> {
    let tree = SectionTree::default();
    let input = ReconcileInput {
        facts: &case.facts,
        text: &case.text,
        sections: &tree,
        info: &case.info,
    };
    reconcile(&input, &RuleSet::builtin())
}

fn dec(s: &str) -> Option<Decimal> {
    s.parse().ok()
}

/// The finding's values hold every expected value (as a multiset, compared as decimals).
fn covers(f: &Finding, expected: &[String]) -> bool {
    let mut pool: Vec<Option<Decimal>> = f.values.iter().map(|v| dec(v)).collect();
    expected.iter().all(|e| {
        let want = dec(e);
        match pool.iter().position(|v| *v == want && want.is_some()) {
            Some(i) => {
                pool.remove(i);
                true
            }
            None => false,
        }
    })
}

/// Checks the truth file's inconsistencies against the findings; returns the ids missed.
fn missed(case: &Case, findings: &[Finding], include_optional: bool) -> Vec<String> {
    let mut out = Vec::new();
    for inc in case.truth["inconsistencies"].as_array().unwrap() {
        let optional = inc["optional"].as_bool().unwrap_or(false);
        let kind = inc["kind"].as_str().unwrap_or("");
        if !include_optional && (optional || kind == "text") {
            continue;
        }
        let values: Vec<String> = inc["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        if !findings.iter().any(|f| covers(f, &values)) {
            out.push(format!("{} {:?}", inc["id"].as_str().unwrap(), values));
        }
    }
    out
}

/// Warnings and errors that match no hand-found inconsistency.
fn unexplained<'f>(case: &Case, findings: &'f [Finding]) -> Vec<&'f Finding> {
    let incs = case.truth["inconsistencies"].as_array().unwrap();
    findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .filter(|f| {
            !incs.iter().any(|inc| {
                let values: Vec<String> = inc["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                covers(f, &values)
            })
        })
        .collect()
}

fn report(name: &str, findings: &[Finding]) {
    println!(
        "---- {name}: {} findings\n{}",
        findings.len(),
        render_human(findings, false)
    );
}

#[test]
fn panzhihua_2020_every_inconsistency_found_and_no_false_alarm() {
    let Some(case) = load("panzhihua-beijing-office-2020-final.txt") else {
        return;
    };
    let findings = run(&case);
    report("panzhihua", &findings);
    let missed = missed(&case, &findings, true);
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let extra: Vec<String> = unexplained(&case, &findings)
        .iter()
        .map(|f| format!("{} {:?}", f.rule, f.values))
        .collect();
    assert!(
        extra.is_empty(),
        "warnings/errors not in the truth file: {extra:#?}"
    );
}

#[test]
fn putuo_finance_2024_inconsistencies_found() {
    let Some(case) = load("putuo-finance-2024-final.pdf") else {
        return;
    };
    let findings = run(&case);
    report("putuo finance", &findings);
    let missed = missed(&case, &findings, false);
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let extra: Vec<String> = unexplained(&case, &findings)
        .iter()
        .map(|f| format!("{} {:?}", f.rule, f.values))
        .collect();
    assert!(
        extra.is_empty(),
        "warnings/errors not in the truth file: {extra:#?}"
    );
}

#[test]
fn putuo_social_work_2024_inconsistencies_found() {
    let Some(case) = load("putuo-social-work-2024-final.pdf") else {
        return;
    };
    let findings = run(&case);
    report("putuo social work", &findings);
    let missed = missed(&case, &findings, false);
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let extra: Vec<String> = unexplained(&case, &findings)
        .iter()
        .map(|f| format!("{} {:?}", f.rule, f.values))
        .collect();
    assert!(
        extra.is_empty(),
        "warnings/errors not in the truth file: {extra:#?}"
    );
}

#[test]
fn putuo_city_management_2026_budget_is_consistent() {
    let Some(case) = load("putuo-city-management-2026-budget.txt") else {
        return;
    };
    let findings = run(&case);
    report("putuo city management", &findings);
    let loud: Vec<String> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| format!("{} {:?} {}", f.rule, f.values, f.message_en))
        .collect();
    assert!(
        loud.is_empty(),
        "a consistent report drew warnings: {loud:#?}"
    );
}

#[test]
fn shanghai_template_is_one_unfilled_template_finding() {
    let Some(dir) = corpus() else { return };
    let Some(text) = document_text(&dir.join("shanghai-template-final.pdf")) else {
        return;
    };
    let info = DocumentInfo {
        kind: Some("final".into()),
        fiscal_year: Some(2024),
        ..Default::default()
    };
    let tree = SectionTree::default();
    let findings = reconcile(
        &ReconcileInput {
            facts: &[],
            text: &text,
            sections: &tree,
            info: &info,
        },
        &RuleSet::builtin(),
    );
    report("template", &findings);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, "structure.unfilled_template");
    assert_eq!(findings[0].severity, Severity::Info);
}

#[test]
fn filled_reports_are_not_templates() {
    for doc in [
        "panzhihua-beijing-office-2020-final.txt",
        "putuo-finance-2024-final.pdf",
        "putuo-city-management-2026-budget.txt",
    ] {
        let Some(case) = load(doc) else { return };
        let findings = run(&case);
        assert!(
            findings
                .iter()
                .all(|f| !f.rule.starts_with("structure.unfilled_template")
                    && f.rule != "structure.placeholder"),
            "{doc}: {:#?}",
            findings
                .iter()
                .filter(|f| f.kind == "structure")
                .collect::<Vec<_>>()
        );
    }
}

/// 机关运行经费 and 公用经费 print the same figure, unless the report says it
/// counts 机关运行经费 otherwise this year (`统计口径`).
#[test]
fn a_stated_change_of_scope_silences_the_equality() {
    let head = "某某局2017年度部门预算\n\n八、一般公共预算基本支出预算情况说明\n\
                2017年度一般公共预算财政拨款基本支出预算1000万元，其中：人员经费700万元；公用经费300万元。\n\
                十、一般公共预算机关运行经费支出预算情况说明\n";
    let cross = |body: &str| {
        caizheng::pipeline::process(format!("{head}{body}\n").as_bytes(), "scope.txt")
            .findings
            .into_iter()
            .filter(|f| f.rule == "cross.public_vs_admin_operating_cost")
            .count()
    };
    assert_eq!(
        cross("2017年本部门一般公共预算机关运行经费预算支出500万元。"),
        1
    );
    assert_eq!(
        cross("2017年本部门一般公共预算机关运行经费预算支出500万元。主要原因是本年机关运行经费统计口径含项目经费中商品服务支出。"),
        0
    );
}

/// Shares printed in the list under the total with the carry-over are shares
/// of that total, not of this year's income printed elsewhere.
#[test]
fn shares_of_the_grand_total_are_checked_against_it() {
    let text = "某某大学2023年度部门预算\n\n一、收支预算总体情况说明\n\
                我校2023年收支总预算1000万元，其中本年收入预算800万元，上年结转200万元。\n\
                二、收入预算情况说明\n\
                我校2023年收入预算1000万元，其中：事业收入600万元，占60.00%；上年结转200万元，占20.00%。\n";
    let report = caizheng::pipeline::process(text.as_bytes(), "grand.txt");
    let shares: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("share.") || f.rule.starts_with("restatement."))
        .collect();
    assert!(shares.is_empty(), "{shares:#?}");
    // A share that is wrong against that total is still found.
    let wrong = text.replace("占60.00%", "占75.00%");
    let report = caizheng::pipeline::process(wrong.as_bytes(), "grand.txt");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "share.income.business.share_pct"),
        "{:#?}",
        report.findings
    );
}

/// A figure counted another way, explained in the paragraph after it
/// (`…口径调整…`), is not compared with the figure it usually equals.
#[test]
fn a_scope_change_explained_after_the_figure_silences_the_equality() {
    let text = "某某局2017年度部门预算\n\n一、一般公共预算基本支出预算情况说明\n\
                一般公共预算基本支出预算800万元，其中：人员经费600万元，公用经费200万元。\n\
                二、机关运行经费预算情况说明\n\
                2017年本部门一般公共预算机关运行经费预算支出500万元，比2016年增加300万元。\n\
                此项数据变动较大的原因是机关运行经费统计口径调整，将项目中的运行经费统计在内。\n";
    let report = caizheng::pipeline::process(text.as_bytes(), "scope.txt");
    let cross: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "cross.public_vs_admin_operating_cost")
        .collect();
    assert!(cross.is_empty(), "{cross:#?}");
    // Without the explanation the two figures are compared.
    let plain = text.replace(
        "此项数据变动较大的原因是机关运行经费统计口径调整，将项目中的运行经费统计在内。\n",
        "",
    );
    let report = caizheng::pipeline::process(plain.as_bytes(), "scope.txt");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "cross.public_vs_admin_operating_cost"),
        "{:#?}",
        report.findings
    );
}

/// `增加（减少）0万元` is how the template prints a line that did not change;
/// with another amount the unresolved wording is still a placeholder.
#[test]
fn an_unchanged_line_in_template_wording_is_no_placeholder() {
    let text = "某某局2019年度部门预算\n\n一、机关运行经费预算情况说明\n\
                2019年本部门机关运行经费预算100万元，比上年增加（减少）0万元，增长（减少）0%。\n";
    let report = caizheng::pipeline::process(text.as_bytes(), "zero.txt");
    let placeholders: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule.contains("placeholder"))
        .collect();
    assert!(placeholders.is_empty(), "{placeholders:#?}");
    let unresolved = text.replace("增加（减少）0万元", "增加（减少）5万元");
    let report = caizheng::pipeline::process(unresolved.as_bytes(), "zero.txt");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule.contains("placeholder")),
        "{:#?}",
        report.findings
    );
}

/// A numbered list that starts again inside a part (`一、…` after `三、…`) is
/// no heading the contents should list; a part left out of them still is.
#[test]
fn a_restarted_list_is_not_a_part_missing_from_the_contents() {
    let text = "某某局2019年度部门预算公开\n目录\n第一部分部门概况\n一、主要职能\n二、部门机构设置\n三、主要工作任务\n第二部分部门预算情况说明\n\
                第一部分部门概况\n一、主要职能\n某某局负责全市某某工作，依法履行管理职责。\n\
                二、部门机构设置\n某某局内设机构五个，下属单位两个。\n\
                三、主要工作任务\n本年度主要任务如下。\n\
                一、坚决推进重点改革\n全面推进改革工作，落实各项任务。\n\
                二、切实提升服务水平\n提升服务质量，改进工作作风。\n\
                第二部分部门预算情况说明\n收支预算总计100万元。\n";
    let unlisted = |t: &str| -> Vec<String> {
        caizheng::pipeline::process(t.as_bytes(), "toc.txt")
            .findings
            .into_iter()
            .filter(|f| f.rule == "structure.body_missing_in_toc")
            .map(|f| f.message)
            .collect()
    };
    assert!(unlisted(text).is_empty(), "{:#?}", unlisted(text));
    let extra = text.replace(
        "三、主要工作任务\n本年度",
        "三、主要工作任务\n本年度主要任务如下。\n四、其他情况\n本年度",
    );
    assert_eq!(unlisted(&extra).len(), 1, "{:#?}", unlisted(&extra));
}

/// `支出预算X（本年支出预算Y），其中：A…，占总支出的Z%`: the bracketed figure
/// is this year's expenditure, not a second grand total, and the shares are
/// of X. Neither a restatement nor a share finding; a share wrong against
/// every total of the passage is still found.
#[test]
fn a_bracketed_part_of_the_total_is_not_the_base_of_the_shares() {
    let text = "某某学院2022年度部门预算\n\n一、收支预算总体情况说明\n\
                我院2022年收支总预算1000万元，其中本年收入预算900万元，上年结转100万元；本年支出预算800万元，结转下年200万元。\n\
                二、支出预算情况说明\n\
                我院2022年支出预算1000万元（本年支出预算800万元），其中：教育支出700万元，占总支出的70.00%；科学技术支出100万元，占10.00%；结转下年200万元，占20.00%。\n";
    let report = caizheng::pipeline::process(text.as_bytes(), "bracket.txt");
    let bad: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let has = |key: &str, value: &str| {
        report
            .facts
            .iter()
            .any(|f| f.key == key && f.value == value)
    };
    assert!(
        has("totals.income_expenditure", "1000"),
        "{:#?}",
        report.facts
    );
    assert!(
        !has("totals.income_expenditure", "800"),
        "{:#?}",
        report.facts
    );
    let wrong = text.replace("占总支出的70.00%", "占总支出的80.00%");
    let report = caizheng::pipeline::process(wrong.as_bytes(), "bracket.txt");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "share.expenditure.class.share_pct"
                && f.severity >= Severity::Warning),
        "{:#?}",
        report.findings
    );
}
