//! The output contract: one [`Report`] per document, schema `caizheng.report/1`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const SCHEMA_ID: &str = "caizheng.report/1";

/// Where a figure was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FactSource {
    Narrative,
    Table,
    Cover,
    Toc,
}

/// One figure found in a document (see FIELDS.md, "How a fact is written").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Field key from the vocabulary (FIELDS.md), or `x.`-prefixed.
    pub key: String,
    /// Decimal string as printed, thousands separators removed; a word for `document.kind`/`scope`.
    pub value: String,
    /// Unit as printed (万元, 元, %, 辆 …); null for words.
    pub unit: Option<String>,
    /// The amount in 万元, exact, for amounts in 元/万元/亿元.
    #[schemars(with = "Option<String>")]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub value_wan: Option<Decimal>,
    /// Name of the line the fact belongs to (class, item, project, vehicle type).
    pub label: Option<String>,
    /// 功能分类 / 经济分类 code where printed.
    pub code: Option<String>,
    /// 1-based page, where the format has pages.
    pub page: Option<u32>,
    /// Title of the innermost section holding the figure.
    pub section: Option<String>,
    /// The exact quote from the normalized text.
    pub text: String,
    /// Character range `[start, end)` in the normalized text.
    pub span: [usize; 2],
    pub source: FactSource,
    /// Pattern id (`key#n`) or table reader id that produced the fact.
    pub pattern: String,
}

impl Fact {
    /// The printed value as a decimal, when it is a number.
    pub fn decimal(&self) -> Option<Decimal> {
        self.value.parse().ok()
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A fact a finding is about, with enough provenance to show it to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub key: String,
    pub value: String,
    pub label: Option<String>,
    pub page: Option<u32>,
    pub section: Option<String>,
    pub text: String,
    pub span: [usize; 2],
}

/// One internal inconsistency (or note) about a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable rule id, e.g. `sum.three_public.total`.
    pub rule: String,
    /// Rule family: sum, share, yoy, completion, restatement, structure, cross.
    pub kind: String,
    pub severity: Severity,
    /// Explanation in Chinese and English.
    pub message: String,
    pub message_en: String,
    /// Decimal strings of every figure involved.
    pub values: Vec<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub difference: Option<String>,
    pub facts: Vec<Evidence>,
}

/// Metadata of the document as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInfo {
    /// sha256 of the input bytes, lower-case hex; also the document id.
    pub sha256: String,
    /// Path or URL the document was read from.
    pub source: String,
    /// Format the reader recognised: pdf, docx, html, text, xlsx, xls.
    pub format: Option<String>,
    pub pages: Option<u32>,
    /// Length of the normalized text in characters.
    pub chars: usize,
    /// `final` (决算) or `budget` (预算).
    pub kind: Option<String>,
    /// `department` (部门) or `unit` (单位).
    pub scope: Option<String>,
    pub fiscal_year: Option<i32>,
    pub entity: Option<String>,
    pub amount_unit: Option<String>,
    pub published_on: Option<String>,
}

/// Why a document (or a part of it) could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportError {
    /// Stable reason code: empty, truncated, encrypted, no_text_layer, unknown_format, too_large, too_deep, not_a_file, corrupt, panic, io.
    pub reason: String,
    pub message: String,
}

/// The per-document output object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always `caizheng.report/1`.
    pub schema: String,
    /// caizheng version that wrote the report.
    pub generator: String,
    pub document: DocumentInfo,
    pub facts: Vec<Fact>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ReportError>,
    /// The 附表 as read, one grid per table, so users can rebuild them.
    #[serde(default)]
    pub tables: Vec<TableGrid>,
    /// How many identities each rule family of the reconciler checked
    /// (`{"sum": 57, "share": 9, "yoy": 14}`): every one whose figures were
    /// all printed, whether it held or not. A report without findings and
    /// with nothing checked says nothing of the document's consistency.
    #[serde(default)]
    pub checked: BTreeMap<String, u32>,
}

/// One 附表 as rows × cells (header rows first), merged cells repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableGrid {
    /// Table kind: summary, income, expenditure, fiscal_summary, general_budget, economic, three_public, gov_fund, state_capital.
    pub kind: String,
    /// The title as printed.
    pub title: String,
    /// 1-based page where the table starts, where the format has pages.
    pub page: Option<u32>,
    /// The unit the table declares (万元, 元).
    pub unit: Option<String>,
    /// How many of `rows` are header rows.
    pub header_rows: usize,
    /// Each column's header, its stacked header cells joined by `/`.
    pub columns: Vec<String>,
    /// Cell texts as printed, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Report {
    pub fn new(document: DocumentInfo) -> Self {
        Report {
            schema: SCHEMA_ID.to_string(),
            generator: concat!("caizheng ", env!("CARGO_PKG_VERSION")).to_string(),
            document,
            facts: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            tables: Vec::new(),
            checked: BTreeMap::new(),
        }
    }
}

/// The JSON Schema (2020-12) of [`Report`], as committed in `schema/report.v1.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Report>();
    let mut value = schema.to_value();
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "$id".into(),
            "https://caizheng.example/schema/report.v1.schema.json".into(),
        );
    }
    value
}
