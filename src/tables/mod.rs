//! The 附表 as facts: find each standard table (by its title, see
//! `patterns/tables.toml`), read its header into column meanings and its
//! lines into FIELDS.md facts with `source: "table"`, and export every table
//! as a grid.
//!
//! PDF tables are rebuilt from positioned words ([`pdf`]); DOCX and
//! spreadsheet tables come as explicit grids ([`crate::read::Grid`]). Both
//! become the same [`map::RawTable`], read by [`map::read_table`].

mod column_context;
mod geometry;
pub mod map;
mod merged;
pub mod pdf;
mod regions;
pub mod spec;
pub mod text;

use crate::read::{Document, Grid};
use crate::report::{Fact, FactSource, TableGrid};
use map::{parse_amount, RawRow, RawTable};
use spec::{compact, TableSet};

/// What the table stage adds to a report.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub facts: Vec<Fact>,
    pub grids: Vec<TableGrid>,
}

/// Read the tables of a document with the built-in table vocabulary.
pub fn read_tables(doc: &Document) -> Tables {
    static SET: std::sync::OnceLock<TableSet> = std::sync::OnceLock::new();
    read_tables_with(doc, SET.get_or_init(TableSet::builtin))
}

pub fn read_tables_with(doc: &Document, set: &TableSet) -> Tables {
    let mut raw = if doc.format == crate::read::SourceFormat::Pdf {
        pdf::find_tables(set, &doc.layout)
    } else {
        text::find_tables(set, &doc.layout)
    };
    raw.extend(doc.grids.iter().filter_map(|g| grid_table(set, g)));
    let mut out = Tables::default();
    let mut locator = Locator::new(doc);
    // A title with nothing under it is a line of the contents, not a table.
    raw.retain(|t| !(t.header.is_empty() && t.body.is_empty()));
    for t in &raw {
        let t = &merged::orphan_headers_folded(set, t);
        let (figures, grid) = map::read_table(set, t);
        for f in figures {
            // Normalized text drops thousands separators: look for the value too.
            let span = match locator.find(f.page, &f.text) {
                [a, b] if a == b && f.text != f.value => locator.find(f.page, &f.value),
                found => found,
            };
            out.facts.push(Fact {
                key: f.key,
                value: f.value,
                unit: f.unit,
                value_wan: f.value_wan,
                label: f.label,
                code: f.code,
                page: f.page,
                section: Some(f.section),
                text: f.text,
                span,
                source: FactSource::Table,
                pattern: f.pattern,
            });
        }
        out.grids.push(grid);
    }
    out
}

/// A DOCX table or a sheet as a standard table: the title from its first
/// rows or its caption, the header down to the first row with a number.
pub fn grid_table(set: &TableSet, grid: &Grid) -> Option<RawTable> {
    let mut spec = None;
    let mut title = String::new();
    let mut unit = None;
    let mut skip = 0;
    for (i, row) in grid.rows.iter().enumerate().take(6) {
        let texts: Vec<&str> = row
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        let mut consumed = false;
        for t in &texts {
            if spec.is_none() {
                if let Some(s) = set.table_titled(t) {
                    spec = Some(s);
                    title = compact(t);
                    consumed = true;
                }
            }
            if let Some(u) = unit_in(t) {
                unit.get_or_insert(u);
                consumed = true;
            }
        }
        // Lines about the table (title, unit, `部门：…`, `公开07表`) above its header.
        let about_the_table = |t: &&str| {
            set.table_titled(t).is_some()
                || unit_in(t).is_some()
                || t.contains(['：', ':'])
                || regions::is_table_number(&compact(t))
        };
        if (consumed || skip == i) && !texts.is_empty() && texts.iter().all(about_the_table)
            || consumed && texts.len() == 1
        {
            skip = i + 1;
        }
    }
    for line in grid.name.iter().flat_map(|n| n.lines()) {
        if spec.is_none() {
            if let Some(s) = set.table_titled(line) {
                spec = Some(s);
                title = compact(line);
            }
        }
        if let Some(u) = unit_in(line) {
            unit.get_or_insert(u);
        }
    }
    let spec = spec?;
    let rows = &grid.rows[skip.min(grid.rows.len())..];
    let first_body = rows.iter().position(|r| {
        !r.iter().any(|c| c.contains("栏次"))
            && !numbers_the_columns(r)
            && r.iter().any(|c| parse_amount(c).is_some())
    });
    let (header, body) = match first_body {
        Some(b) => rows.split_at(b),
        None => (rows, &rows[rows.len()..]),
    };
    let unit = unit.or_else(|| unit_in_headers(header.iter().flatten().map(String::as_str)));
    Some(RawTable {
        spec,
        title,
        unit: unit.map(String::from),
        page: grid.page,
        header: header.to_vec(),
        body: body
            .iter()
            .map(|r| RawRow {
                cells: r.clone(),
                page: grid.page,
            })
            .collect(),
    })
}

/// The unit a `单位：万元` line declares, spaces ignored (WORDING 5.3):
/// also glued after the publisher (`单位名称：某某局单位：万元`, the first
/// 单位 names the unit of the organisation) and cut before its last
/// character (`单位：万` with `元` on the next line).
fn unit_in(text: &str) -> Option<&'static str> {
    let t = compact(text);
    t.match_indices("单位").find_map(|(at, _)| {
        let rest = t[at + "单位".len()..].trim_start_matches(['：', ':']);
        if rest.starts_with("万元") || rest == "万" {
            Some("万元")
        } else if rest.starts_with("亿元") {
            Some("亿元")
        } else if rest.starts_with('元') {
            Some("元")
        } else {
            None
        }
    })
}

/// The unit printed only in column headers (WORDING 5.3: `决算数（万元）`,
/// `2024年预算(元)`): the first header cell that ends with a bracketed unit.
fn unit_in_headers<'a>(cells: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    cells.map(compact).find_map(|c| {
        if c.ends_with("（万元）") {
            Some("万元")
        } else if c.ends_with("（亿元）") {
            Some("亿元")
        } else if c.ends_with("（元）") {
            Some("元")
        } else {
            None
        }
    })
}

/// Places cell texts in the normalized text, page by page, moving forward.
struct Locator<'a> {
    doc: &'a Document,
    cursor: usize,
    chars: crate::normalize::CharIndex<'a>,
}

impl<'a> Locator<'a> {
    fn new(doc: &'a Document) -> Self {
        Locator {
            doc,
            cursor: 0,
            chars: crate::normalize::CharIndex::new(&doc.text),
        }
    }

    /// Character span of `needle` at or after the cursor within its page.
    fn find(&mut self, page: Option<u32>, needle: &str) -> [usize; 2] {
        let text = self.doc.text.as_str();
        let (start, end) = match page {
            Some(p) if !self.doc.page_starts.is_empty() => {
                let i = (p as usize).saturating_sub(1);
                let s = self.doc.page_starts.get(i).copied().unwrap_or(0);
                let e = self
                    .doc
                    .page_starts
                    .get(i + 1)
                    .copied()
                    .unwrap_or(text.len());
                (s, e)
            }
            _ => (0, text.len()),
        };
        let from = if (start..end).contains(&self.cursor) {
            self.cursor
        } else {
            start
        };
        let found = text
            .get(from..end)
            .and_then(|t| t.find(needle).map(|i| from + i))
            .or_else(|| {
                text.get(start..end)
                    .and_then(|t| t.find(needle).map(|i| start + i))
            });
        match found {
            Some(at) if !needle.is_empty() => {
                self.cursor = at + needle.len();
                let s = self.chars.at(at);
                [s, s + needle.chars().count()]
            }
            _ => {
                let s = self.chars.at(start.min(text.len()));
                [s, s]
            }
        }
    }
}

/// A row of column numbers with no 栏次 label (`1 | 2 | 3 | … | 12` under a
/// 三公 table's header): the numbers 1, 2, 3 … in order, three or more,
/// and nothing else.
fn numbers_the_columns(row: &[String]) -> bool {
    let cells: Vec<&str> = row
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    cells.len() >= 3
        && cells
            .iter()
            .enumerate()
            .all(|(i, c)| c.parse::<usize>().ok() == Some(i + 1))
}

#[cfg(test)]
mod unit_tests {
    use super::unit_in;

    #[test]
    fn a_row_of_column_numbers_is_no_body_row() {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(super::numbers_the_columns(&row(&["1", "2", "3", "", "4"])));
        assert!(!super::numbers_the_columns(&row(&["合计", "1", "2", "3"])));
        assert!(!super::numbers_the_columns(&row(&["1", "2", "4"])));
        assert!(!super::numbers_the_columns(&row(&["1", "2"])));
    }

    /// A page text's 三公 table set out by year (`2024年预算数` / `2025年预算数` /
    /// `增减额` lines over columns of parts), its names all alike in width:
    /// each line of figures is a row of its own, the change line the change.
    #[test]
    fn a_layout_three_public_table_by_year_lines() {
        let text = "某县市场监督管理局2025年部门预算\n\x0c                              一般公共预算“三公”经费支出表\n                                                                    单位：万元\n年  度         合 计    因公出国      公务用车购置及运行费      公务接待费\n                        （境）费\n2024年预算数   38.30       0.00          30.50                7.80\n2025年预算数   31.30       0.00          24.50                6.80\n增减额         -7.00       0.00          -6.00               -1.00\n";
        let report = crate::pipeline::process(text.as_bytes(), "layout.txt");
        let table: Vec<(&str, &str)> = report
            .facts
            .iter()
            .filter(|f| f.source == crate::report::FactSource::Table)
            .map(|f| (f.key.as_str(), f.value.as_str()))
            .collect();
        for fact in [
            ("three_public.total.prior_year", "38.30"),
            ("three_public.total", "31.30"),
            ("three_public.total.yoy_change", "-7.00"),
            ("three_public.vehicle", "24.50"),
            ("three_public.reception.yoy_change", "-1.00"),
        ] {
            assert!(table.contains(&fact), "{fact:?}: {table:?}");
        }
        assert_eq!(table.len(), 12, "{table:?}");
    }

    /// `款` names a code column only as a header of its own (or in `类款项`),
    /// never at the end of a word (`一般公共预算拨款`); `幅度` under `增减` is
    /// the change in %.
    #[test]
    fn header_words_inside_longer_words() {
        let set = crate::tables::spec::TableSet::builtin();
        assert_eq!(set.meanings("一般公共预算拨款"), ["general_budget"]);
        assert_eq!(set.meanings("政府性基金预算拨款"), ["gov_fund"]);
        assert_eq!(set.meanings("款"), ["code"]);
        assert_eq!(set.meanings("类款项"), ["code"]);
        assert_eq!(set.meanings("增减/幅度"), ["yoy_change", "yoy_pct"]);
    }

    /// The 2023 national final-account template names its first and fourth
    /// tables without 总 (`收入支出决算表`, `财政拨款收入支出决算表`); the
    /// longest title still decides between them and the funds' tables.
    #[test]
    fn final_account_titles_of_the_2023_template() {
        let set = crate::tables::spec::TableSet::builtin();
        let kind = |t: &str| set.table_titled(t).map(|i| set.tables[i].kind.clone());
        assert_eq!(kind("收入支出决算表").as_deref(), Some("summary"));
        assert_eq!(
            kind("财政拨款收入支出决算表"),
            kind("财政拨款收入支出决算总表")
        );
        assert_ne!(kind("财政拨款收入支出决算表"), kind("收入支出决算表"));
        // The table's number printed after its title.
        assert_eq!(kind("政府采购预算表表9"), kind("政府采购预算表"));
        assert!(kind("政府采购预算表").is_some());
        assert_eq!(kind("收入支出决算表公开01表").as_deref(), Some("summary"));
        assert_eq!(
            kind("政府性基金预算财政拨款收入支出决算表"),
            kind("政府性基金预算支出表")
        );
    }

    #[test]
    fn units_declared_in_the_forms_of_wording_5_3() {
        assert_eq!(unit_in("单位：元"), Some("元"));
        assert_eq!(
            unit_in("单位名称：某某区绿化和市容管理局单位：万元"),
            Some("万元")
        );
        assert_eq!(
            unit_in("部门名称：某某局                单位：万"),
            Some("万元")
        );
        assert_eq!(unit_in("单位名称：某某局"), None);
        assert_eq!(unit_in("单位：万人"), None);
        let headers = ["项目", "预算数（万元）", "决算数(万元)"];
        assert_eq!(super::unit_in_headers(headers.into_iter()), Some("万元"));
        assert_eq!(
            super::unit_in_headers(["2024年预算(元)"].into_iter()),
            Some("元")
        );
        assert_eq!(super::unit_in_headers(["项目", "金额"].into_iter()), None);
    }
}
