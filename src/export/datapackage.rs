//! `datapackage.json`: a Frictionless Tabular Data Package describing the CSVs.

use serde_json::{json, Value};

use super::tables::{Table, TABLES};

fn resource(table: &Table) -> Value {
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
        "path": format!("{}.csv", table.name),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": { "delimiter": ",", "quoteChar": "\"", "header": true },
        "schema": schema,
    })
}

/// The package descriptor, identical for identical code (no dates, no counts).
pub fn descriptor() -> Value {
    json!({
        "profile": "tabular-data-package",
        "name": "caizheng-budget-disclosures",
        "title": "Chinese government budget disclosures (部门预算 / 部门决算) as open data",
        "description": "Figures extracted by caizheng from published budget and final-account documents, with provenance (page, quote, pattern), and the internal inconsistencies found in them. Amounts keep their printed precision; value_wan converts every amount to 万元. Field keys follow the caizheng field vocabulary v1 (FIELDS.md).",
        "version": env!("CARGO_PKG_VERSION"),
        "resources": TABLES.iter().map(resource).collect::<Vec<_>>(),
    })
}
