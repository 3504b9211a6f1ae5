//! `datapackage.json`: a Frictionless Tabular Data Package describing the
//! CSV parts, each table a multipart resource (`"path": [...]`, every part
//! with its header line, which Frictionless readers skip after the first).

use serde_json::{json, Value};

use super::columns::{Table, TABLES};
use super::parts::{Format, OUTPUTS};

fn resource(table: &Table, stems: &[&str]) -> Value {
    let csv = OUTPUTS
        .iter()
        .find(|o| o.format == Format::Csv && o.table.name == table.name)
        .expect("every table has CSV parts");
    let paths: Vec<String> = stems.iter().map(|p| csv.relative(p)).collect();
    let fields: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            let mut field = json!({
                "name": c.name,
                "type": c.kind.frictionless(),
                "description": c.description,
            });
            if c.required {
                field["constraints"] = json!({ "required": true });
            }
            field
        })
        .collect();
    let mut schema = json!({
        "fields": fields,
        "primaryKey": table.primary_key,
        "missingValues": [""],
    });
    if table.references_documents {
        schema["foreignKeys"] = json!([{
            "fields": ["document_id"],
            "reference": { "resource": "documents", "fields": ["document_id"] },
        }]);
    }
    json!({
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "path": paths,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": { "delimiter": ",", "quoteChar": "\"", "header": true },
        "schema": schema,
    })
}

/// The package descriptor for the exports holding the parts named by
/// `stems` (see [`super::parts::stem`], any order), identical for
/// identical parts (no dates, no counts).
pub fn descriptor<'a>(stems: impl IntoIterator<Item = &'a String>) -> Value {
    let mut parts: Vec<&str> = stems.into_iter().map(String::as_str).collect();
    parts.sort();
    json!({
        "profile": "tabular-data-package",
        "name": "caizheng-budget-disclosures",
        "title": "Chinese government budget disclosures (部门预算 / 部门决算) as open data",
        "description": "Figures extracted by caizheng from published budget and final-account documents, with provenance (page, quote, pattern), and the internal inconsistencies found in them. Amounts keep their printed precision; value_wan converts every amount to 万元. Field keys follow the caizheng field vocabulary v1 (FIELDS.md).",
        "version": env!("CARGO_PKG_VERSION"),
        "resources": TABLES.iter().map(|t| resource(t, &parts)).collect::<Vec<_>>(),
    })
}
