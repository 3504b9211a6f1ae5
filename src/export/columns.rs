//! The three long-format tables (documents, facts, findings): their columns,
//! described once, and how a [`Report`] becomes rows. CSV, JSONL, SQLite and
//! the datapackage all read these definitions, so they cannot drift apart.

use crate::report::{FactSource, Report, Severity};

/// Frictionless field type of a column; SQLite affinity follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Integer,
    /// An exact decimal written as text (never a float in the CSV).
    Number,
}

impl ColumnType {
    pub fn frictionless(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Integer => "integer",
            ColumnType::Number => "number",
        }
    }

    pub fn sqlite(self) -> &'static str {
        match self {
            ColumnType::Integer => "INTEGER",
            // Decimals stay text so that printed precision ("249.30") survives;
            // the SQLite writer adds a REAL twin column for sorting and sums.
            ColumnType::String | ColumnType::Number => "TEXT",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnType,
    pub required: bool,
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    kind: ColumnType,
    required: bool,
    description: &'static str,
) -> Column {
    Column {
        name,
        kind,
        required,
        description,
    }
}

/// One table: its file stem (`facts` → `facts.csv`, SQLite table `facts`) and columns.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub columns: &'static [Column],
    pub primary_key: &'static [&'static str],
    /// Columns referencing `documents.document_id`.
    pub references_documents: bool,
}

use ColumnType::{Integer as I, Number as N, String as S};

const DOCUMENT_ID: &str = "Document id: the sha256 of the document's bytes, lower-case hex.";

pub const DOCUMENTS: Table = Table {
    name: "documents",
    title: "Documents",
    description: "One row per input document: what was recognised about it and, when it could not be read, why.",
    columns: &[
        col("document_id", S, true, DOCUMENT_ID),
        col("source", S, true, "Path or URL the document was read from (the first one, in sort order, when several inputs hold the same bytes)."),
        col("format", S, false, "Format recognised from the bytes: pdf, docx, html, text, xlsx, xls."),
        col("pages", I, false, "Number of pages, where the format has pages."),
        col("chars", I, true, "Length of the normalized text in characters."),
        col("kind", S, false, "document.kind: `final` (决算) or `budget` (预算)."),
        col("scope", S, false, "document.scope: `department` (部门) or `unit` (单位)."),
        col("fiscal_year", I, false, "document.fiscal_year: the fiscal year (年度) the document reports on."),
        col("entity", S, false, "document.entity: 部门（单位）名称 as printed on the cover or title."),
        col("amount_unit", S, false, "document.amount_unit: the unit the tables declare (单位：万元)."),
        col("published_on", S, false, "document.published_on: 公开时间, ISO date where stated."),
        col("generator", S, true, "caizheng version that wrote the per-document report."),
        col("facts", I, true, "Number of facts extracted."),
        col("findings", I, true, "Number of findings (all severities)."),
        col("findings_error", I, true, "Number of findings of severity `error`."),
        col("findings_warning", I, true, "Number of findings of severity `warning`."),
        col("error_reason", S, false, "Stable reason code when the document (or part of it) could not be read: empty, truncated, encrypted, no_text_layer, unknown_format, too_large, too_deep, not_a_file, corrupt, panic, io. Several are joined with `;`."),
        col("error_message", S, false, "Human-readable explanation of the errors, joined with `; `."),
    ],
    primary_key: &["document_id"],
    references_documents: false,
};

pub const FACTS: Table = Table {
    name: "facts",
    title: "Facts",
    description: "Long format, one row per figure found in a document, with its provenance (page, quote, pattern). Keys follow the caizheng field vocabulary v1 (FIELDS.md).",
    columns: &[
        col("document_id", S, true, DOCUMENT_ID),
        col("fact_no", I, true, "1-based position of the fact in the document's report."),
        col("entity", S, false, "document.entity of the document (部门（单位）名称)."),
        col("fiscal_year", I, false, "document.fiscal_year of the document."),
        col("kind", S, false, "document.kind: `final` (决算) or `budget` (预算)."),
        col("scope", S, false, "document.scope: `department` (部门) or `unit` (单位)."),
        col("key", S, true, "Field key from the vocabulary (e.g. three_public.vehicle, general_budget.item); a suffix qualifies the figure: .budget (年初预算), .completion_pct (完成预算 %), .share_pct (占比), .yoy_change (signed change on the previous year), .yoy_pct (signed change in %), .prior_year, .basic / .project. Keys outside the vocabulary start with `x.`."),
        col("label", S, false, "Name of the line the fact belongs to (functional class, item, project, vehicle type), normalized spacing; a .item label joins 类/款/项 names with `/`."),
        col("code", S, false, "功能分类 / 经济分类 code where printed (3, 5 or 7 digits)."),
        col("value", S, true, "The value exactly as printed, thousands separators removed (precision is information); a word for document.kind / document.scope."),
        col("unit", S, false, "Unit as printed: 万元, 元, 亿元, %, 辆, 个, 台（套）, 人, 批次, 人次; empty for words."),
        col("value_wan", N, false, "For amounts in 元 / 万元 / 亿元: the same amount in 万元, exact, so that documents in 元 and in 万元 compare."),
        col("source", S, true, "Where the figure was read: narrative (情况说明 text), table (附表), cover or toc."),
        col("page", I, false, "1-based page, where the format has pages."),
        col("section", S, false, "Title of the innermost section holding the figure."),
        col("quote", S, true, "The exact quote from the normalized text."),
        col("span_start", I, true, "Start of the quote in the document's normalized text (character range [start, end))."),
        col("span_end", I, true, "End (exclusive) of the quote in the normalized text."),
        col("pattern", S, true, "Pattern id (key#n) or table reader id that produced the fact."),
    ],
    primary_key: &["document_id", "fact_no"],
    references_documents: true,
};

pub const FINDINGS: Table = Table {
    name: "findings",
    title: "Findings",
    description: "One row per inconsistency (or note) the reconciler found in a document, with the figures involved and the pages to look at; a finding across documents (rule family `across`) also names the other document, and follows every document's own findings.",
    columns: &[
        col("document_id", S, true, DOCUMENT_ID),
        col("finding_no", I, true, "1-based position of the finding in the document's report."),
        col("entity", S, false, "document.entity of the document."),
        col("fiscal_year", I, false, "document.fiscal_year of the document."),
        col("rule", S, true, "Stable rule id, e.g. sum.three_public.total."),
        col("rule_kind", S, true, "Rule family: sum, share, yoy, completion, restatement, structure, cross; across for findings about two documents."),
        col("severity", S, true, "info, warning or error."),
        col("message", S, true, "Explanation in Chinese."),
        col("message_en", S, true, "Explanation in English."),
        col("values", S, false, "Every figure involved, as printed decimals joined with `;`."),
        col("expected", S, false, "What the rule expected, where it states it: usually a decimal (a computed sum), for structure rules a word or section title."),
        col("actual", S, false, "What the document prints, where the rule compares it: usually a decimal, for structure rules a word or section title."),
        col("difference", S, false, "actual − expected as a decimal, where both are numbers."),
        col("keys", S, false, "Field keys of the facts involved, joined with `;`."),
        col("pages", S, false, "Pages of the facts involved, ascending and distinct, joined with `;` (for a finding across documents: the pages in this document)."),
        col("other_document_id", S, false, "For a finding across documents: the id of the other document (last year's report, that year's budget, the other copy); empty for a finding within one document."),
        col("other_pages", S, false, "For a finding across documents: the pages of the other document's facts, joined with `;`."),
    ],
    primary_key: &["document_id", "finding_no"],
    references_documents: true,
};

pub const TABLES: [Table; 3] = [DOCUMENTS, FACTS, FINDINGS];

/// One cell; `Null` is an empty CSV field and SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Null,
}

impl Cell {
    fn opt(value: Option<&str>) -> Cell {
        match value {
            Some(s) if !s.is_empty() => Cell::Text(s.to_string()),
            _ => Cell::Null,
        }
    }

    fn text(value: &str) -> Cell {
        Cell::Text(value.to_string())
    }

    fn int(value: Option<i64>) -> Cell {
        value.map_or(Cell::Null, Cell::Int)
    }

    /// The CSV spelling of the cell.
    /// The cell's bytes in a CSV field (borrowed: rows are written by the
    /// hundred thousand).
    pub fn as_csv(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            Cell::Int(i) => std::borrow::Cow::Owned(i.to_string().into_bytes()),
            Cell::Null => std::borrow::Cow::Borrowed(b""),
        }
    }
}

fn source_word(source: FactSource) -> &'static str {
    match source {
        FactSource::Narrative => "narrative",
        FactSource::Table => "table",
        FactSource::Cover => "cover",
        FactSource::Toc => "toc",
    }
}

pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn joined_or_null(parts: &[String], sep: &str) -> Cell {
    if parts.is_empty() {
        Cell::Null
    } else {
        Cell::Text(parts.join(sep))
    }
}

/// The id of a report's document: its sha256.
pub fn document_id(report: &Report) -> &str {
    &report.document.sha256
}

pub fn document_row(report: &Report) -> Vec<Cell> {
    let d = &report.document;
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count() as i64;
    let reasons: Vec<String> = report.errors.iter().map(|e| e.reason.clone()).collect();
    let messages: Vec<String> = report.errors.iter().map(|e| e.message.clone()).collect();
    vec![
        Cell::text(document_id(report)),
        Cell::text(&d.source),
        Cell::opt(d.format.as_deref()),
        Cell::int(d.pages.map(i64::from)),
        Cell::Int(d.chars as i64),
        Cell::opt(d.kind.as_deref()),
        Cell::opt(d.scope.as_deref()),
        Cell::int(d.fiscal_year.map(i64::from)),
        Cell::opt(d.entity.as_deref()),
        Cell::opt(d.amount_unit.as_deref()),
        Cell::opt(d.published_on.as_deref()),
        Cell::text(&report.generator),
        Cell::Int(report.facts.len() as i64),
        Cell::Int(report.findings.len() as i64),
        Cell::Int(count(Severity::Error)),
        Cell::Int(count(Severity::Warning)),
        joined_or_null(&reasons, ";"),
        joined_or_null(&messages, "; "),
    ]
}

/// Rows of the facts table, in report order.
pub fn fact_rows(report: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    let d = &report.document;
    report.facts.iter().enumerate().map(move |(i, f)| {
        vec![
            Cell::text(document_id(report)),
            Cell::Int(i as i64 + 1),
            Cell::opt(d.entity.as_deref()),
            Cell::int(d.fiscal_year.map(i64::from)),
            Cell::opt(d.kind.as_deref()),
            Cell::opt(d.scope.as_deref()),
            Cell::text(&f.key),
            Cell::opt(f.label.as_deref()),
            Cell::opt(f.code.as_deref()),
            Cell::text(&f.value),
            Cell::opt(f.unit.as_deref()),
            f.value_wan
                .map_or(Cell::Null, |v| Cell::Text(v.to_string())),
            Cell::text(source_word(f.source)),
            Cell::int(f.page.map(i64::from)),
            Cell::opt(f.section.as_deref()),
            Cell::text(&f.text),
            Cell::Int(f.span[0] as i64),
            Cell::Int(f.span[1] as i64),
            Cell::text(&f.pattern),
        ]
    })
}

/// Rows of the findings table, in report order.
pub fn finding_rows(report: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    let d = &report.document;
    report.findings.iter().enumerate().map(move |(i, f)| {
        finding_row(
            document_id(report),
            i as i64 + 1,
            d.entity.as_deref(),
            d.fiscal_year,
            f,
            f.facts.len(),
            None,
        )
    })
}

/// Rows of the findings table for findings across documents, in the order given.
pub fn cross_finding_rows(findings: &[crate::reconcile::across::CrossFinding]) -> Vec<Vec<Cell>> {
    findings
        .iter()
        .map(|c| {
            finding_row(
                &c.document_id,
                c.finding_no as i64,
                c.entity.as_deref(),
                c.fiscal_year,
                &c.finding,
                c.own_facts,
                Some(&c.other_document_id),
            )
        })
        .collect()
}

/// One findings row: the first `own` pieces of evidence are the document's,
/// the rest the other document's (`other`, for findings across documents).
fn finding_row(
    document_id: &str,
    finding_no: i64,
    entity: Option<&str>,
    fiscal_year: Option<i32>,
    f: &crate::report::Finding,
    own: usize,
    other: Option<&str>,
) -> Vec<Cell> {
    let keys: Vec<String> = f.facts.iter().map(|e| e.key.clone()).collect();
    let own = own.min(f.facts.len());
    vec![
        Cell::text(document_id),
        Cell::Int(finding_no),
        Cell::opt(entity),
        Cell::int(fiscal_year.map(i64::from)),
        Cell::text(&f.rule),
        Cell::text(&f.kind),
        Cell::text(severity_word(f.severity)),
        Cell::text(&f.message),
        Cell::text(&f.message_en),
        joined_or_null(&f.values, ";"),
        Cell::opt(f.expected.as_deref()),
        Cell::opt(f.actual.as_deref()),
        Cell::opt(f.difference.as_deref()),
        joined_or_null(&keys, ";"),
        pages_of(&f.facts[..own]),
        Cell::opt(other),
        match other {
            Some(_) => pages_of(&f.facts[own..]),
            None => Cell::Null,
        },
    ]
}

fn pages_of(facts: &[crate::report::Evidence]) -> Cell {
    let mut pages: Vec<u32> = facts.iter().filter_map(|e| e.page).collect();
    pages.sort_unstable();
    pages.dedup();
    let pages: Vec<String> = pages.iter().map(u32::to_string).collect();
    joined_or_null(&pages, ";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DocumentInfo;

    #[test]
    fn rows_have_one_cell_per_column() {
        let mut report = Report::new(DocumentInfo {
            sha256: "ab".into(),
            source: "x.txt".into(),
            ..Default::default()
        });
        report.errors.push(crate::report::ReportError {
            reason: "empty".into(),
            message: "the file is empty".into(),
        });
        assert_eq!(document_row(&report).len(), DOCUMENTS.columns.len());
        assert_eq!(document_row(&report)[16], Cell::Text("empty".into()));
    }
}
