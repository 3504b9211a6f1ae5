//! The index of documents and the page of each entity.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::charts::{bar_chart, Bar};
use super::html::{esc, kind_name, page};
use super::{entity_file, Summary};

/// The documents of each entity, by year then kind.
pub fn entities(summaries: &[Summary]) -> BTreeMap<String, Vec<&Summary>> {
    let mut by_entity: BTreeMap<String, Vec<&Summary>> = BTreeMap::new();
    for s in summaries {
        if let Some(entity) = &s.entity {
            by_entity.entry(entity.clone()).or_default().push(s);
        }
    }
    for docs in by_entity.values_mut() {
        docs.sort_by(|a, b| (a.year, &a.kind, &a.id).cmp(&(b.year, &b.kind, &b.id)));
    }
    by_entity
}

fn documents_table(body: &mut String, docs: &[&Summary], doc_dir: &str) {
    body.push_str(
        "<table class=\"documents\"><tr><th>单位 entity</th><th>年度 year</th><th>类型 kind</th>\
         <th>数字 facts</th><th>错误 errors</th><th>警告 warnings</th><th>提示 info</th>\
         <th>读取错误 read errors</th><th>来源 source</th></tr>\n",
    );
    for s in docs {
        let _ = writeln!(
            body,
            "<tr><td><a href=\"{doc_dir}{id}.html\">{}</a></td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"errors\">{}</td><td class=\"key\">{}</td></tr>",
            esc(s.entity.as_deref().unwrap_or("（单位未识别）")),
            s.year.map(|y| y.to_string()).unwrap_or_default(),
            kind_name(s.kind.as_deref()),
            s.facts,
            s.findings[0],
            s.findings[1],
            s.findings[2],
            esc(&s.errors.join(", ")),
            esc(&s.source),
            id = esc(&s.id),
        );
    }
    body.push_str("</table>\n");
}

pub fn index_page(summaries: &[Summary], entities: &BTreeMap<String, Vec<&Summary>>) -> String {
    let mut docs: Vec<&Summary> = summaries.iter().collect();
    docs.sort_by(|a, b| (&a.entity, a.year, &a.kind).cmp(&(&b.entity, b.year, &b.kind)));
    let findings: [usize; 3] = [0, 1, 2].map(|n| summaries.iter().map(|s| s.findings[n]).sum());
    let unreadable = summaries.iter().filter(|s| !s.errors.is_empty()).count();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>预算决算公开文件 / budget disclosures</h1>\n<p class=\"meta\">{} 份文件 documents · \
         {} 个单位 entities · 问题 findings: {} 错误 errors, {} 警告 warnings, {} 提示 info · \
         {} 份文件读取有误 documents with read errors</p>\n",
        summaries.len(),
        entities.len(),
        findings[0],
        findings[1],
        findings[2],
        unreadable
    );
    body.push_str("<section id=\"documents\"><h2>文件 / documents</h2>\n");
    documents_table(&mut body, &docs, "doc/");
    body.push_str("</section>\n<section id=\"entities\"><h2>单位 / entities</h2><ul>\n");
    for (entity, docs) in entities {
        let _ = writeln!(
            body,
            "<li><a href=\"entity/{}\">{}</a> ({} 份 documents)</li>",
            entity_file(entity),
            esc(entity),
            docs.len()
        );
    }
    body.push_str("</ul></section>\n");
    page("预算决算公开文件 / budget disclosures", 0, &body)
}

pub fn entity_page(entity: &str, docs: &[&Summary]) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", esc(entity));
    let bars: Vec<Bar> = docs
        .iter()
        .filter_map(|s| {
            Some(Bar {
                label: format!(
                    "{} {}",
                    s.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
                    kind_name(s.kind.as_deref()).split(' ').next().unwrap_or("")
                ),
                parts: s.three_public.as_ref()?.parts(),
                href: Some(format!("../doc/{}.html", s.id)),
            })
        })
        .collect();
    let chart = bar_chart(
        "chart-three-public",
        "“三公”经费 / three public expenses, by year（万元）",
        &bars,
        "万元",
    );
    if chart.is_empty() {
        body.push_str("<p class=\"meta\">未读到“三公”经费 / no 三公 figures read</p>\n");
    } else {
        let _ = writeln!(body, "<div class=\"charts\">{chart}</div>");
    }
    body.push_str("<h2>文件 / documents</h2>\n");
    documents_table(&mut body, docs, "../doc/");
    page(entity, 1, &body)
}
