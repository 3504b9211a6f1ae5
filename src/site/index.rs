//! The index of documents and the page of each entity.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::charts::{bar_chart, Bar};
use super::html::{esc, kind_name, page, page_end, page_start};
use super::state::SiteState;
use super::{entity_file, Summary};

const DOCUMENTS_HEAD: &str =
    "<table class=\"documents\"><tr><th>单位 entity</th><th>年度 year</th><th>类型 kind</th>\
     <th>数字 facts</th><th>错误 errors</th><th>警告 warnings</th><th>提示 info</th>\
     <th>读取错误 read errors</th><th>来源 source</th></tr>\n";

fn document_row(body: &mut String, s: &Summary, doc_dir: &str) {
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

fn documents_table(body: &mut String, docs: &[&Summary], doc_dir: &str) {
    body.push_str(DOCUMENTS_HEAD);
    for s in docs {
        document_row(body, s, doc_dir);
    }
    body.push_str("</table>\n");
}

/// Write the index to `path`, a row at a time from the summaries in the
/// site's state: every document, by entity, year and kind, then every
/// entity with its number of documents.
pub fn write_index(state: &SiteState, path: &Path) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let (documents, entities, findings, unreadable) = state.totals()?;
    let mut text = page_start("预算决算公开文件 / budget disclosures", 0);
    let _ = write!(
        text,
        "<h1>预算决算公开文件 / budget disclosures</h1>\n<p class=\"meta\">{} 份文件 documents · \
         {} 个单位 entities · 问题 findings: {} 错误 errors, {} 警告 warnings, {} 提示 info · \
         {} 份文件读取有误 documents with read errors</p>\n",
        documents, entities, findings[0], findings[1], findings[2], unreadable
    );
    text.push_str("<section id=\"documents\"><h2>文件 / documents</h2>\n");
    text.push_str(DOCUMENTS_HEAD);
    w.write_all(text.as_bytes())?;
    state.each_summary(&mut |s| {
        text.clear();
        document_row(&mut text, s, "doc/");
        Ok(w.write_all(text.as_bytes())?)
    })?;
    w.write_all(
        "</table>\n</section>\n<section id=\"entities\"><h2>单位 / entities</h2><ul>\n".as_bytes(),
    )?;
    state.each_entity(&mut |entity, count| {
        text.clear();
        let _ = writeln!(
            text,
            "<li><a href=\"entity/{}\">{}</a> ({} 份 documents)</li>",
            entity_file(entity),
            esc(entity),
            count
        );
        Ok(w.write_all(text.as_bytes())?)
    })?;
    w.write_all("</ul></section>\n".as_bytes())?;
    w.write_all(page_end().as_bytes())?;
    w.into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
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
