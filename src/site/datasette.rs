//! `metadata.json` for Datasette: `datasette out/caizheng.sqlite -m
//! out/metadata.json` then shows titles, the description of every column,
//! the field vocabulary beside the facts, facets on key, entity and year,
//! and the watchdog queries of the README as canned queries.

use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use super::html::esc;
use crate::export::columns::TABLES;

pub const METADATA_FILE: &str = "metadata.json";

/// The queries of the README, with the sentence before each as its title.
const QUERIES: &str = include_str!("../export/queries.md");

fn facets(table: &str) -> Value {
    match table {
        "facts" => json!(["key", "entity", "fiscal_year", "kind", "source"]),
        "documents" => json!(["entity", "fiscal_year", "kind", "format", "error_reason"]),
        "findings" => json!(["severity", "rule_kind", "entity", "fiscal_year"]),
        _ => json!([]),
    }
}

/// Every key of the vocabulary with its Chinese name, as an HTML list.
fn vocabulary_html() -> String {
    let mut html = String::from(
        "<p>Field keys (docs/FIELDS.md); a suffix qualifies a figure: .budget 年初预算, \
         .completion_pct 完成预算%, .share_pct 占比, .yoy_change / .yoy_pct 比上年增减, \
         .prior_year 上年数, .basic / .project 基本/项目支出. Keys outside the vocabulary start with x.</p><ul>",
    );
    for (key, name) in super::names::vocabulary() {
        let _ = write!(html, "<li><code>{}</code> {}</li>", esc(&key), esc(&name));
    }
    html.push_str("</ul>");
    html
}

/// The ```sql blocks of `queries.md`, each titled by the paragraph before it.
fn canned_queries() -> Map<String, Value> {
    let mut queries = Map::new();
    let mut pieces = QUERIES.split("```sql");
    let mut before = pieces.next().unwrap_or_default().to_string();
    for (n, piece) in pieces.enumerate() {
        let (sql, after) = piece.split_once("```").unwrap_or((piece, ""));
        let title = before
            .trim()
            .rsplit("\n\n")
            .next()
            .unwrap_or_default()
            .replace('\n', " ");
        let name = [
            "three_public_by_entity_and_year",
            "largest_rises",
            "documents_with_errors",
        ]
        .get(n)
        .map_or_else(|| format!("query_{n}"), |s| s.to_string());
        queries.insert(
            name,
            json!({ "title": title.trim_end_matches(':'), "sql": sql.trim() }),
        );
        before = after.to_string();
    }
    queries
}

/// The metadata as Datasette reads it.
pub fn metadata() -> Value {
    let mut tables = Map::new();
    for table in TABLES {
        let columns: Map<String, Value> = table
            .columns
            .iter()
            .map(|c| (c.name.to_string(), Value::String(c.description.to_string())))
            .collect();
        let mut entry = json!({
            "title": table.title,
            "description": table.description,
            "columns": columns,
            "facets": facets(table.name),
        });
        if table.name == "facts" {
            entry["description_html"] = Value::String(format!(
                "<p>{}</p>{}",
                esc(table.description),
                vocabulary_html()
            ));
        }
        tables.insert(table.name.to_string(), entry);
    }
    // The files each part's rows came from: the publication's bookkeeping.
    tables.insert("parts".to_string(), json!({ "hidden": true }));
    json!({
        "title": "caizheng: Chinese government budget disclosures (部门预算 / 部门决算)",
        "description": "Figures extracted from published budgets and final accounts, each with its page and quote, and the inconsistencies found in them.",
        "license": "Data: as published by each government body; caizheng: MIT OR Apache-2.0",
        "databases": {
            "caizheng": {
                "tables": tables,
                "queries": canned_queries(),
            }
        }
    })
}

/// Write `out/metadata.json` (through a scratch file renamed into place).
pub fn write_metadata(out: &Path) -> Result<()> {
    let path = out.join(METADATA_FILE);
    let part = out.join(format!("{METADATA_FILE}.part"));
    let mut text = serde_json::to_string_pretty(&metadata())?;
    text.push('\n');
    std::fs::write(&part, text).with_context(|| format!("cannot write {}", part.display()))?;
    std::fs::rename(&part, &path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_and_column_is_described_and_the_queries_are_canned() {
        let m = metadata();
        let tables = &m["databases"]["caizheng"]["tables"];
        for table in TABLES {
            for column in table.columns {
                let said = tables[table.name]["columns"][column.name].as_str();
                assert!(
                    said.is_some_and(|s| !s.is_empty()),
                    "{}.{}",
                    table.name,
                    column.name
                );
            }
        }
        assert_eq!(tables["facts"]["facets"][0], "key");
        let html = tables["facts"]["description_html"].as_str().unwrap();
        assert!(html.contains("<code>three_public.vehicle</code> 公务用车购置及运行维护费"));
        let queries = m["databases"]["caizheng"]["queries"].as_object().unwrap();
        assert_eq!(queries.len(), 3);
        assert!(queries["largest_rises"]["sql"]
            .as_str()
            .unwrap()
            .contains("JOIN amounts AS prev"));
        assert!(queries["largest_rises"]["title"]
            .as_str()
            .unwrap()
            .contains("year-on-year"));
    }
}
