//! One document's page: findings with their quotes side by side, charts,
//! key figures as tables, and every fact with its quote and page.

use std::fmt::Write;

use super::charts::{bar_chart, Bar};
use super::html::{esc, kind_name, page, severity_name};
use super::names::name;
use super::{entity_file, Summary};
use crate::report::{Evidence, Fact, Finding, Report};

/// Key figures of the 收支 tables and the narrative, in the order a reader
/// of a disclosure looks for them.
const TOTALS: &[&str] = &[
    "totals.income_expenditure",
    "income.total",
    "income.fiscal_appropriation",
    "expenditure.total",
    "expenditure.basic",
    "expenditure.project",
    "fiscal.total",
    "fiscal.expenditure",
    "general_budget.expenditure",
    "general_budget.basic",
    "general_budget.project",
    "general_budget.personnel",
    "general_budget.public",
    "gov_fund.expenditure",
    "state_capital.expenditure",
    "admin_operating_cost",
    "procurement.total",
];

const THREE_PUBLIC: &[&str] = &[
    "three_public.total",
    "three_public.overseas",
    "three_public.vehicle",
    "three_public.vehicle_purchase",
    "three_public.vehicle_operation",
    "three_public.reception",
];

const INCOME_PARTS: &[&str] = &[
    "income.general_budget",
    "income.gov_fund",
    "income.state_capital",
    "income.superior_subsidy",
    "income.business",
    "income.operating",
    "income.affiliated_remittance",
    "income.other",
    "income.non_fiscal_balance_used",
];

/// The page of `report`; `series` are the summaries of every document of
/// the same entity (for the 三公 by year chart).
pub fn render(report: &Report, summary: &Summary, series: &[&Summary]) -> String {
    let d = &report.document;
    let title = format!(
        "{} {} {}",
        d.entity.as_deref().unwrap_or("（单位未识别）"),
        d.fiscal_year.map(|y| format!("{y}年")).unwrap_or_default(),
        kind_name(d.kind.as_deref())
    );
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>\n<p class=\"meta\">", esc(&title));
    if let Some(entity) = &d.entity {
        let _ = write!(
            body,
            "<a href=\"../entity/{}\">{} 的全部文件 / all documents</a> · ",
            entity_file(entity),
            esc(entity)
        );
    }
    let _ = writeln!(
        body,
        "来源 source: {} · 格式 {} · {} 页 pages · {} 个数字 facts · \
         <a href=\"../../documents/{id}.json\">JSON</a> · <span class=\"key\">{id}</span></p>",
        source_link(&d.source, None, &d.source),
        esc(d.format.as_deref().unwrap_or("?")),
        d.pages.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
        report.facts.len(),
        id = esc(&summary.id),
    );
    if !report.errors.is_empty() {
        body.push_str(
            "<section id=\"errors\" class=\"errors\"><h2>读取错误 / read errors</h2><ul>",
        );
        for e in &report.errors {
            let _ = write!(
                body,
                "<li><b>{}</b>: {}</li>",
                esc(&e.reason),
                esc(&e.message)
            );
        }
        body.push_str("</ul></section>\n");
    }
    findings_section(&mut body, report);
    charts_section(&mut body, report, series);
    figures_section(&mut body, report);
    facts_section(&mut body, report);
    page(&title, 1, &body)
}

/// A link to the document itself (at `page` for a PDF), when it has a URL
/// or an absolute path; else the text.
fn source_link(source: &str, page: Option<u32>, text: &str) -> String {
    let url = if source.starts_with("http://") || source.starts_with("https://") {
        url::Url::parse(source).ok()
    } else if source.starts_with('/') {
        url::Url::from_file_path(source).ok()
    } else {
        None
    };
    match url {
        Some(mut url) => {
            if let Some(p) = page {
                url.set_fragment(Some(&format!("page={p}")));
            }
            format!("<a href=\"{}\">{}</a>", esc(url.as_str()), esc(text))
        }
        None => esc(text),
    }
}

/// The fact an evidence quotes (same key and span), by index.
fn fact_of(report: &Report, e: &Evidence) -> Option<usize> {
    report
        .facts
        .iter()
        .position(|f| f.key == e.key && f.span == e.span)
}

fn findings_section(body: &mut String, report: &Report) {
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let _ = writeln!(
        body,
        "<section id=\"findings\"><h2>发现的问题 / findings ({})</h2>",
        findings.len()
    );
    if findings.is_empty() {
        body.push_str("<p>未发现不一致之处 / no inconsistency found</p>\n");
    }
    for (n, f) in findings.iter().enumerate() {
        let (severity, class) = severity_name(f.severity);
        let _ = write!(
            body,
            "<div class=\"finding {class}\" id=\"finding-{n}\">\
             <p><span class=\"badge {class}\">{severity}</span> <span class=\"key\">{}</span></p>\
             <p>{}</p><p class=\"en\">{}</p>",
            esc(&f.rule),
            esc(&f.message),
            esc(&f.message_en)
        );
        let arithmetic: Vec<String> = [
            ("应为 expected", &f.expected),
            ("实为 actual", &f.actual),
            ("相差 difference", &f.difference),
        ]
        .iter()
        .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {}", esc(v))))
        .collect();
        if !arithmetic.is_empty() {
            let _ = write!(body, "<p class=\"arith\">{}</p>", arithmetic.join(" · "));
        }
        body.push_str("<div class=\"quotes\">");
        for e in &f.facts {
            let place = match fact_of(report, e) {
                Some(i) => format!("<a href=\"#fact-{i}\">{}</a>", page_label(e.page)),
                None => page_label(e.page),
            };
            let _ = write!(
                body,
                "<blockquote><div class=\"where\">{}{} · <b>{}</b> · {place} · {}</div>«{}»</blockquote>",
                esc(&name(&e.key)),
                label_tag(e.label.as_deref()),
                esc(&e.value),
                esc(e.section.as_deref().unwrap_or("")),
                esc(&e.text)
            );
        }
        body.push_str("</div></div>\n");
    }
    body.push_str("</section>\n");
}

/// The first amount (in 万元) printed for `key` without a label.
fn first_amount(report: &Report, key: &str) -> Option<f64> {
    report
        .facts
        .iter()
        .find(|f| f.key == key && f.label.is_none() && f.value_wan.is_some())
        .and_then(|f| f.value_wan?.to_string().parse().ok())
}

/// The 三公 by year of the document's entity: the one part of a document's
/// page that its report does not decide.
const YEARS_CHART: &str = "<figure class=\"chart\" id=\"chart-three-public\">";

fn years_chart(series: &[&Summary]) -> String {
    let years: Vec<Bar> = series
        .iter()
        .filter_map(|s| {
            let tp = s.three_public.as_ref()?;
            Some(Bar {
                label: format!(
                    "{} {}",
                    s.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
                    kind_name(s.kind.as_deref()).split(' ').next().unwrap_or("")
                ),
                parts: tp.parts(),
                href: Some(format!("{}.html", s.id)),
            })
        })
        .collect();
    bar_chart(
        "chart-three-public",
        "“三公”经费 / three public expenses, by year（万元）",
        &years,
        "万元",
    )
}

/// `page`, rendered with another series of its entity, with the 三公 by
/// year of `series` instead: what [`render`] gives with `series`, without
/// reading the report (a page without the chart stays as it is when the new
/// one is empty too). `None` when only one of them holds a chart (the
/// charts section may then come or go): render it.
pub fn with_series(page: &str, series: &[&Summary]) -> Option<String> {
    let chart = years_chart(series);
    let Some(start) = page.find(YEARS_CHART) else {
        return chart.is_empty().then(|| page.to_string());
    };
    let end = start + page[start..].find("</svg></figure>\n")? + "</svg></figure>\n".len();
    if chart.is_empty() {
        return None;
    }
    Some([&page[..start], &chart, &page[end..]].concat())
}

fn charts_section(body: &mut String, report: &Report, series: &[&Summary]) {
    let mut charts = String::new();
    let income: Vec<Bar> = INCOME_PARTS
        .iter()
        .filter_map(|key| {
            let v = first_amount(report, key)?;
            Some(Bar {
                label: name(key),
                parts: vec![("收入 income".into(), v)],
                href: None,
            })
        })
        .collect();
    charts.push_str(&bar_chart(
        "chart-income",
        "收入结构 / income structure（万元）",
        &income,
        "万元",
    ));
    let split: Vec<Bar> = ["expenditure.basic", "expenditure.project"]
        .iter()
        .filter_map(|key| {
            Some(Bar {
                label: name(key),
                parts: vec![("支出 expenditure".into(), first_amount(report, key)?)],
                href: None,
            })
        })
        .collect();
    charts.push_str(&bar_chart(
        "chart-expenditure",
        "支出结构 / basic and project expenditure（万元）",
        &split,
        "万元",
    ));
    charts.push_str(&bar_chart(
        "chart-functions",
        "支出功能分类 / expenditure by function（万元）",
        &class_bars(report),
        "万元",
    ));
    charts.push_str(&years_chart(series));
    if !charts.is_empty() {
        let _ = writeln!(
            body,
            "<section id=\"charts\"><h2>图表 / charts</h2><div class=\"charts\">{charts}</div></section>"
        );
    }
}

/// The functional classes (类) of the first table that lists them.
fn class_bars(report: &Report) -> Vec<Bar> {
    for key in ["expenditure.class", "general_budget.class", "fiscal.class"] {
        let mut bars: Vec<Bar> = Vec::new();
        for f in report.facts.iter().filter(|f| f.key == key) {
            let (Some(label), Some(v)) = (&f.label, f.value_wan) else {
                continue;
            };
            if bars.iter().any(|b| &b.label == label) {
                continue;
            }
            if let Ok(v) = v.to_string().parse::<f64>() {
                bars.push(Bar {
                    label: label.clone(),
                    parts: vec![(name(key), v)],
                    href: None,
                });
            }
        }
        if !bars.is_empty() {
            bars.truncate(15);
            return bars;
        }
    }
    Vec::new()
}

fn figure_row(body: &mut String, i: usize, f: &Fact, indent: bool) {
    let _ = writeln!(
        body,
        "<tr><td>{}{}{}</td><td class=\"key\">{}</td><td class=\"num\">{}</td><td>{}</td>\
         <td class=\"num\">{}</td><td><a href=\"#fact-{i}\">{}</a></td><td class=\"quote\">{}</td></tr>",
        if indent { "其中：" } else { "" },
        esc(&name(&f.key)),
        label_tag(f.label.as_deref()),
        esc(&f.key),
        esc(&f.value),
        esc(f.unit.as_deref().unwrap_or("")),
        // The decimal as computed, never through a float: printed precision kept.
        f.value_wan.map(|v| v.to_string()).unwrap_or_default(),
        page_label(f.page),
        esc(&f.text),
    );
}

/// A key figure: the fact's index, the fact, and whether it is a part of
/// the row above (其中).
type FigureRow<'a> = (usize, &'a Fact, bool);

const FIGURE_HEAD: &str =
    "<table class=\"figures\"><tr><th>项目 item</th><th>key</th><th>数值 value</th>\
    <th>单位 unit</th><th>万元</th><th>页 page</th><th>原文 quote</th></tr>\n";

fn figures_section(body: &mut String, report: &Report) {
    body.push_str("<section id=\"figures\"><h2>主要数字 / key figures</h2>\n");
    let first = |key: &str| {
        report
            .facts
            .iter()
            .enumerate()
            .find(|(_, f)| f.key == key && f.label.is_none())
    };
    let groups: [(&str, Vec<FigureRow>); 4] = [
        (
            "收支总体 / totals",
            TOTALS
                .iter()
                .filter_map(|k| first(k).map(|(i, f)| (i, f, false)))
                .collect(),
        ),
        (
            "“三公”经费 / three public expenses",
            three_public_rows(report),
        ),
        (
            "公务用车 / vehicles",
            report
                .facts
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.key.starts_with("vehicles.")
                        || f.key.starts_with("assets.vehicles")
                        || f.key == "three_public.vehicle_purchase.count"
                })
                .map(|(i, f)| (i, f, false))
                .collect(),
        ),
        (
            "项目 / projects",
            report
                .facts
                .iter()
                .enumerate()
                .filter(|(_, f)| f.key.starts_with("project.") || f.key.starts_with("performance."))
                .map(|(i, f)| (i, f, false))
                .collect(),
        ),
    ];
    for (title, rows) in groups {
        let _ = writeln!(body, "<h3>{title}</h3>");
        if rows.is_empty() {
            body.push_str("<p class=\"meta\">文件中未读到 / none read in this document</p>\n");
            continue;
        }
        body.push_str(FIGURE_HEAD);
        for (i, f, indent) in rows {
            figure_row(body, i, f, indent);
        }
        body.push_str("</table>\n");
    }
    body.push_str("</section>\n");
}

/// 三公: the total, then its parts, then every other 三公 figure (counts,
/// budgets, changes), each key's first printing.
fn three_public_rows(report: &Report) -> Vec<FigureRow<'_>> {
    let mut rows: Vec<FigureRow> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let ordered = THREE_PUBLIC.iter().copied().chain(
        report
            .facts
            .iter()
            .map(|f| f.key.as_str())
            .filter(|k| k.starts_with("three_public.")),
    );
    for key in ordered {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if let Some((i, f)) = report
            .facts
            .iter()
            .enumerate()
            .find(|(_, f)| f.key == key && f.label.is_none())
        {
            rows.push((
                i,
                f,
                key != "three_public.total" && THREE_PUBLIC.contains(&key),
            ));
        }
    }
    rows
}

fn facts_section(body: &mut String, report: &Report) {
    let _ = write!(
        body,
        "<section id=\"facts\"><h2>全部数字 / every fact ({})</h2>\n<table class=\"facts\">\
         <tr><th>#</th><th>项目 item</th><th>数值 value</th><th>单位</th><th>页 page</th>\
         <th>章节 section</th><th>原文 quote</th><th>来源 read from</th></tr>\n",
        report.facts.len()
    );
    for (i, f) in report.facts.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr id=\"fact-{i}\"><td>{i}</td><td>{}{}<br><span class=\"key\">{}</span></td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"quote\">{}</td>\
             <td class=\"key\">{} {}</td></tr>",
            esc(&name(&f.key)),
            label_tag(f.label.as_deref()),
            esc(&f.key),
            esc(&f.value),
            esc(f.unit.as_deref().unwrap_or("")),
            source_link(
                &report.document.source,
                f.page,
                &f.page.map(|p| p.to_string()).unwrap_or_else(|| "—".into())
            ),
            esc(f.section.as_deref().unwrap_or("")),
            esc(&f.text),
            serde_json::to_value(f.source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            esc(&f.pattern),
        );
    }
    body.push_str("</table></section>\n");
}

/// A fact's label, bracketed after its name (`［教育支出］`), or nothing.
fn label_tag(label: Option<&str>) -> String {
    label.map(|l| format!("［{}］", esc(l))).unwrap_or_default()
}

/// Where a figure stands: its page, or the text as a whole for a document
/// without pages (a web page, a text file).
fn page_label(page: Option<u32>) -> String {
    match page {
        Some(p) => format!("第{p}页 p.{p}"),
        None => "原文 text".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DocumentInfo, FactSource, Severity};

    /// Text from a document never becomes markup: a published page could
    /// hold anything.
    #[test]
    fn document_text_is_escaped() {
        let mut report = Report::new(DocumentInfo {
            sha256: "ab".repeat(32),
            source: "https://example.gov.cn/a.pdf?x=1&y=<2>".into(),
            entity: Some("<script>alert(1)</script>局".into()),
            fiscal_year: Some(2020),
            kind: Some("final".into()),
            ..Default::default()
        });
        let fact = Fact {
            key: "three_public.total".into(),
            value: "6.84".into(),
            unit: Some("万元".into()),
            value_wan: Some("6.84".parse().unwrap()),
            label: None,
            code: None,
            page: Some(4),
            section: Some("\"三公\"<b>".into()),
            text: "<img src=x onerror=alert(2)>6.84万元".into(),
            span: [10, 20],
            source: FactSource::Narrative,
            pattern: "p#1".into(),
        };
        report.facts.push(fact.clone());
        report.findings.push(Finding {
            rule: "sum.x".into(),
            kind: "sum".into(),
            severity: Severity::Error,
            message: "</div><script>".into(),
            message_en: "a & b".into(),
            values: vec![],
            expected: Some("<1>".into()),
            actual: None,
            difference: None,
            facts: vec![Evidence {
                key: fact.key.clone(),
                value: fact.value.clone(),
                label: None,
                page: fact.page,
                section: fact.section.clone(),
                text: fact.text.clone(),
                span: fact.span,
            }],
        });
        let summary = Summary::of(&report.document.sha256, &report);
        let html = render(&report, &summary, &[&summary]);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&quot;三公&quot;&lt;b&gt;"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;局"));
        assert!(html.contains("a &amp; b"));
        assert!(
            html.contains("<a href=\"#fact-0\">"),
            "the finding's quote links to the fact"
        );
        assert!(
            html.contains("page=4"),
            "the fact links to its page in the source"
        );
    }
}
