//! Round trip: a 支出决算表 written as XLSX and as DOCX from known rows is
//! read back to exactly the facts those rows state.

use caizheng::report::{FactSource, Report};
use std::io::Write;

const TITLE: &str = "支出决算表";

/// Code columns (类, 款, 项), name, 本年支出合计, 基本支出, 项目支出.
const ROWS: &[[&str; 7]] = &[
    ["", "", "", "合计", "2,940.05", "2336.91", "603.14"],
    [
        "201",
        "",
        "",
        "一般公共服务支出",
        "2106.66",
        "1503.52",
        "603.14",
    ],
    ["201", "06", "", "财政事务", "2106.66", "1503.52", "603.14"],
    ["201", "06", "01", "行政运行", "1511.89", "1503.52", "8.37"],
    ["201", "06", "02", "一般行政管理事务", "10.5", "", "10.5"],
    ["208", "", "", "社会保障和就业支出", "326.72", "326.72", ""],
    [
        "208",
        "05",
        "",
        "行政事业单位养老支出",
        "326.72",
        "326.72",
        "",
    ],
    [
        "208",
        "05",
        "05",
        "机关事业单位基本养老保险缴费支出",
        "160.75",
        "160.75",
        "",
    ],
];

/// What the rows state, as (key, value, label, code).
fn expected() -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut out = vec![
        ("expenditure.total", "2940.05", None, None),
        ("expenditure.basic", "2336.91", None, None),
        ("expenditure.project", "603.14", None, None),
    ]
    .into_iter()
    .map(|(k, v, l, c): (&str, &str, Option<&str>, Option<&str>)| {
        (
            k.to_string(),
            v.to_string(),
            l.map(String::from),
            c.map(String::from),
        )
    })
    .collect::<Vec<_>>();
    let mut names: Vec<(String, String)> = Vec::new();
    for row in &ROWS[1..] {
        let code: String = row[..3].concat();
        names.retain(|(c, _)| c.len() < code.len() && code.starts_with(c.as_str()));
        names.push((code.clone(), row[3].to_string()));
        let level = if code.len() == 3 { "class" } else { "item" };
        let label = names
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("/");
        for (col, suffix) in [(4, ""), (5, ".basic"), (6, ".project")] {
            if !row[col].is_empty() {
                out.push((
                    format!("expenditure.{level}{suffix}"),
                    row[col].replace(',', ""),
                    Some(label.clone()),
                    Some(code.clone()),
                ));
            }
        }
    }
    out.sort();
    out
}

fn table_facts(report: &Report) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut got: Vec<_> = report
        .facts
        .iter()
        .filter(|f| f.source == FactSource::Table)
        .map(|f| {
            (
                f.key.clone(),
                f.value.clone(),
                f.label.clone(),
                f.code.clone(),
            )
        })
        .collect();
    got.sort();
    got
}

fn check_report(report: &Report) {
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(table_facts(report), expected());
    for f in report
        .facts
        .iter()
        .filter(|f| f.source == FactSource::Table)
    {
        assert_eq!(f.unit.as_deref(), Some("万元"), "{f:?}");
        assert_eq!(f.section.as_deref(), Some(TITLE), "{f:?}");
        assert_eq!(f.value_wan.map(|d| d.to_string()), Some(f.value.clone()));
        assert!(f.pattern.starts_with("table:expenditure:"), "{f:?}");
    }
    let grid = report
        .tables
        .iter()
        .find(|t| t.kind == "expenditure")
        .expect("the table is exported as a grid");
    assert_eq!(grid.rows.len() - grid.header_rows, ROWS.len());
    assert_eq!(grid.rows[grid.header_rows][3], "合计");
}

#[test]
fn xlsx_round_trip() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let plain = Format::new();
    sheet.merge_range(0, 0, 0, 6, TITLE, &plain).unwrap();
    sheet.write_string(1, 6, "单位：万元").unwrap();
    sheet.merge_range(2, 0, 2, 2, "科目编码", &plain).unwrap();
    sheet.merge_range(2, 3, 3, 3, "科目名称", &plain).unwrap();
    sheet
        .merge_range(2, 4, 3, 4, "本年支出合计", &plain)
        .unwrap();
    sheet.merge_range(2, 5, 3, 5, "基本支出", &plain).unwrap();
    sheet.merge_range(2, 6, 3, 6, "项目支出", &plain).unwrap();
    for (c, h) in ["类", "款", "项"].iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    for (r, row) in ROWS.iter().enumerate() {
        let r = r as u32 + 4;
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            // Amounts without separators go in as numbers, the others as text.
            match cell.parse::<f64>() {
                Ok(n) if c >= 4 => sheet.write_number(r, c as u16, n).unwrap(),
                _ => sheet.write_string(r, c as u16, *cell).unwrap(),
            };
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let report = caizheng::pipeline::process(&bytes, "roundtrip.xlsx");
    assert_eq!(report.document.format.as_deref(), Some("xlsx"));
    check_report(&report);
}

fn docx_cell(text: &str, props: &str) -> String {
    format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
}

#[test]
fn docx_round_trip() {
    let mut table = String::from("<w:tbl>");
    table.push_str("<w:tr>");
    table.push_str(&docx_cell("科目编码", r#"<w:gridSpan w:val="3"/>"#));
    for h in ["科目名称", "本年支出合计", "基本支出", "项目支出"] {
        table.push_str(&docx_cell(h, r#"<w:vMerge w:val="restart"/>"#));
    }
    table.push_str("</w:tr><w:tr>");
    for h in ["类", "款", "项"] {
        table.push_str(&docx_cell(h, ""));
    }
    for _ in 0..4 {
        table.push_str(&docx_cell("", "<w:vMerge/>"));
    }
    table.push_str("</w:tr>");
    for row in ROWS {
        table.push_str("<w:tr>");
        for cell in row {
            table.push_str(&docx_cell(cell, ""));
        }
        table.push_str("</w:tr>");
    }
    table.push_str("</w:tbl>");
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>{TITLE}</w:t></w:r></w:p><w:p><w:r><w:t>单位：万元</w:t></w:r></w:p>{table}<w:p><w:r><w:t>注：本表反映部门本年度各项支出情况。</w:t></w:r></w:p></w:body></w:document>"#
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_string(),
            ),
            ("word/document.xml", document),
        ];
        for (name, body) in parts {
            zip.start_file(name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    let report = caizheng::pipeline::process(buf.get_ref(), "roundtrip.docx");
    assert_eq!(report.document.format.as_deref(), Some("docx"));
    check_report(&report);
}

/// A number cell is read as its number format shows it: `#,##0.00` shows
/// 2460 as 2,460.00 and 10.5 as 10.50, and printed precision is kept; a
/// cell in the General format keeps its shortest form.
#[test]
fn xlsx_numbers_keep_the_decimals_their_format_shows() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let two = Format::new().set_num_format("#,##0.00");
    sheet.write_string(0, 0, TITLE).unwrap();
    sheet.write_string(1, 3, "单位：万元").unwrap();
    for (c, h) in [
        "科目编码",
        "科目名称",
        "本年支出合计",
        "基本支出",
        "项目支出",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    sheet.write_string(3, 1, "合计").unwrap();
    sheet.write_number_with_format(3, 2, 2460.0, &two).unwrap();
    sheet.write_number_with_format(3, 3, 2449.5, &two).unwrap();
    sheet.write_number(3, 4, 10.5).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let report = caizheng::pipeline::process(&bytes, "formats.xlsx");
    let value = |key: &str| {
        report
            .facts
            .iter()
            .find(|f| f.key == key && f.source == FactSource::Table)
            .map(|f| f.value.clone())
    };
    assert_eq!(
        value("expenditure.total").as_deref(),
        Some("2460.00"),
        "{:#?}",
        report.facts
    );
    assert_eq!(value("expenditure.basic").as_deref(), Some("2449.50"));
    assert_eq!(value("expenditure.project").as_deref(), Some("10.5"));
}
