//! Text, HTML and DOCX readers on generated documents (including hostile
//! ones) and on the real text documents of the shared corpus.

use caizheng::normalize::normalize_str;
use caizheng::read::{docx, html, read_document, text, ReadError};
use encoding_rs::GBK;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

fn corpus_file(name: &str) -> Option<Vec<u8>> {
    let path = format!("{CORPUS}/{name}");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("SKIPPED: {path} is absent (shared corpus not available)");
            None
        }
    }
}

/// Non-empty lines of a text.
fn text_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// What normalization makes of lines that a structured reader (Word, RTF,
/// HTML) gives: each stays a line of its own.
fn normalized_lines(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| normalize_str(l)).collect()
}

fn reason<T>(result: Result<T, ReadError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.reason().into(),
    }
}

const WORD_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A minimal but complete DOCX package around `body` (the content of `w:body`).
fn docx_with_body(body: &str) -> Vec<u8> {
    docx_with_parts(body, &[])
}

/// A DOCX package with more parts (numbering, styles) beside the body.
fn docx_with_parts(body: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, xml) in parts {
        zip.start_file(*name, deflated()).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.start_file("[Content_Types].xml", deflated()).unwrap();
    zip.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    zip.start_file("_rels/.rels", deflated()).unwrap();
    zip.write_all(PACKAGE_RELS.as_bytes()).unwrap();
    zip.start_file("word/document.xml", deflated()).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{WORD_NS}"><w:body>{body}</w:body></w:document>"#
    )
    .unwrap();
    zip.finish().unwrap().into_inner()
}

fn paragraph(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

fn cell(text: &str) -> String {
    format!("<w:tc><w:tcPr/>{}</w:tc>", paragraph(text))
}

const BUDGET_TABLE: &str = "<w:tbl><w:tblPr/>\
<w:tr><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>预算数</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>决算数</w:t></w:r></w:p></w:tc></w:tr>\
<w:tr><w:tc><w:p><w:r><w:t>一般公共预算</w:t></w:r></w:p><w:p><w:r><w:t>财政拨款支出</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>5.00</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>6.84</w:t></w:r></w:p></w:tc></w:tr>\
</w:tbl>";

#[test]
fn empty_file_is_reported_as_empty() {
    assert_eq!(reason(read_document(b"", "report.pdf")), "empty");
    assert_eq!(reason(text::read(b"")), "empty");
    assert_eq!(reason(html::read(b"", None)), "empty");
    assert_eq!(reason(docx::read(b"")), "empty");
    // Only whitespace and a form feed: nothing to read either.
    assert_eq!(reason(read_document(b"  \n\x0c \n", "blank.txt")), "empty");
}

#[test]
fn png_named_pdf_is_unknown_format_naming_png() {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    let err = read_document(&png, "2024年部门决算.pdf").unwrap_err();
    assert_eq!(err.reason(), "unknown_format");
    assert!(err.to_string().contains("PNG"), "{err}");
}

#[test]
fn docx_paragraphs_and_table_cells_come_out_in_order() {
    let body = format!(
        "{}{}{BUDGET_TABLE}{}",
        paragraph("一、收入支出决算总体情况"),
        r#"<w:p><w:r><w:t>支出</w:t></w:r><w:r><w:tab/><w:t>6.84万元</w:t><w:br/><w:t>下一行</w:t></w:r></w:p>"#,
        paragraph("二、其他说明"),
    );
    let bytes = docx_with_body(&body);
    let raw = docx::read(&bytes).unwrap();
    assert!(!raw.paged);
    let text = raw.pages.join("\x0c");
    let lines: Vec<&str> = text.lines().collect();
    let expected = [
        "一、收入支出决算总体情况",
        "支出\t6.84万元",
        "下一行",
        "项目\t预算数\t决算数",
        "一般公共预算 财政拨款支出\t5.00\t6.84",
        "二、其他说明",
    ];
    assert_eq!(lines, expected);

    let doc = read_document(&bytes, "https://example.gov.cn/2024决算.docx").unwrap();
    assert_eq!(doc.format.as_str(), "docx");
    assert_eq!(doc.page_count(), None, "Word pages are not reliable");
    assert_eq!(text_lines(&doc.text), normalized_lines(&expected));
}

#[test]
fn docx_entity_and_character_references_are_text() {
    let body = format!(
        "{}<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
        paragraph("R&amp;D &lt;专项&gt; &#x4E2D;&#25991; &quot;A&apos;s&quot;"),
        cell("收入&amp;支出"),
        cell("5.00"),
    );
    let raw = docx::read(&docx_with_body(&body)).unwrap();
    let text = raw.pages.join("\x0c");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, ["R&D <专项> 中文 \"A's\"", "收入&支出\t5.00"]);
}

#[test]
fn docx_automatic_numbering_is_drawn_before_headings() {
    let numbering = format!(
        r#"<w:numbering xmlns:w="{WORD_NS}">
<w:abstractNum w:abstractNumId="3">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
 <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="4">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl>
</w:abstractNum>
<w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="8"><w:abstractNumId w:val="4"/></w:num>
</w:numbering>"#
    );
    let styles = format!(
        r#"<w:styles xmlns:w="{WORD_NS}"><w:style w:type="paragraph" w:styleId="Heading1"><w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style></w:styles>"#
    );
    let numbered = |level: u32, text: &str| {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="7"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    let body = [
        numbered(0, "部门主要职能"),
        numbered(1, "职能一"),
        numbered(2, "细项"),
        numbered(2, "细项"),
        numbered(1, "职能二"),
        paragraph("正文不编号。"),
        numbered(0, "部门机构设置"),
        numbered(1, "机构"),
        r#"<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>名词解释</w:t></w:r></w:p>"#.into(),
        r#"<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>不编号的标题</w:t></w:r></w:p>"#.into(),
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="8"/></w:numPr></w:pPr><w:r><w:t>项目符号</w:t></w:r></w:p>"#.into(),
    ]
    .concat();
    let bytes = docx_with_parts(
        &body,
        &[
            ("word/numbering.xml", numbering.as_str()),
            ("word/styles.xml", styles.as_str()),
        ],
    );
    let raw = docx::read(&bytes).unwrap();
    assert_eq!(
        text_lines(&raw.pages[0]),
        [
            "一、部门主要职能",
            "（一）职能一",
            "1.细项",
            "2.细项",
            "（二）职能二",
            "正文不编号。",
            "二、部门机构设置",
            "（一）机构",
            "三、名词解释",
            "不编号的标题",
            "项目符号",
        ]
    );
}

#[test]
fn docx_merged_and_nested_cells_keep_row_layout() {
    let nested = format!(
        "<w:tc><w:tcPr/>{}<w:tbl><w:tr>{}{}</w:tr></w:tbl></w:tc>",
        paragraph("外层"),
        cell("内一"),
        cell("内二")
    );
    let merged = format!(
        r#"<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>{}</w:tc>"#,
        paragraph("合计")
    );
    let body = format!(
        "<w:tbl><w:tr>{merged}{}</w:tr><w:tr>{}{nested}{}</w:tr></w:tbl>",
        cell("6.84"),
        cell("甲"),
        cell("乙")
    );
    let raw = docx::read(&docx_with_body(&body)).unwrap();
    let lines: Vec<&str> = raw.pages[0].lines().collect();
    assert_eq!(lines, vec!["合计\t\t6.84", "甲\t外层 内一 内二\t乙"]);
}

#[test]
fn docx_page_breaks_split_pages_once_and_fallback_copies_are_skipped() {
    let body = format!(
        r#"{}<w:p><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:r><w:lastRenderedPageBreak/><w:t>第二页</w:t></w:r></w:p><w:p xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent>{}</w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent>{}</w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
        paragraph("第一页"),
        paragraph("文本框"),
        paragraph("文本框"),
    );
    let raw = docx::read(&docx_with_body(&body)).unwrap();
    assert!(!raw.paged);
    assert_eq!(raw.pages.len(), 2, "{:?}", raw.pages);
    assert_eq!(raw.pages[0].trim(), "第一页");
    assert_eq!(raw.pages[1].matches("文本框").count(), 1, "{:?}", raw.pages);
}

#[test]
fn truncated_docx_download_is_a_clear_error() {
    let filler: String = (0..200)
        .map(|i| paragraph(&format!("第{i}行：一般公共预算财政拨款支出{i}.84万元")))
        .collect();
    let bytes = docx_with_body(&filler);
    assert!(docx::read(&bytes).is_ok());
    let half = &bytes[..bytes.len() / 2];
    let err = docx::read(half).unwrap_err();
    assert_eq!(err.reason(), "truncated", "{err}");
    assert!(err.to_string().contains("cut off"), "{err}");
    let err = read_document(half, "决算.docx").unwrap_err();
    assert_eq!(err.reason(), "truncated", "{err}");
}

/// A DOCX whose `document.xml` inflates to `inflated_mib` MiB of spaces,
/// written in chunks so that the test never holds it in memory.
fn docx_bomb(inflated_mib: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", deflated()).unwrap();
    write!(
        zip,
        r#"<w:document xmlns:w="{WORD_NS}"><w:body><w:p><w:r><w:t>"#
    )
    .unwrap();
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..inflated_mib {
        zip.write_all(&chunk).unwrap();
    }
    write!(zip, "</w:t></w:r></w:p></w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn docx_zip_bomb_is_too_large() {
    let bomb = docx_bomb(100);
    assert!(bomb.len() < 2 * 1024 * 1024, "bomb is {} bytes", bomb.len());
    let err = docx::read(&bomb).unwrap_err();
    assert_eq!(err.reason(), "too_large", "{err}");
    let err = read_document(&bomb, "bomb.docx").unwrap_err();
    assert_eq!(err.reason(), "too_large", "{err}");
}

#[test]
fn docx_zip_bomb_with_a_lying_size_header_is_too_large() {
    let mut bomb = docx_bomb(80);
    const CLAIMED: [u8; 4] = 1000u32.to_le_bytes();
    // The only entry: its local header is at 0, its central header is the last one.
    assert_eq!(&bomb[..4], b"PK\x03\x04");
    bomb[22..26].copy_from_slice(&CLAIMED);
    let central = bomb
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("central directory header");
    bomb[central + 24..central + 28].copy_from_slice(&CLAIMED);
    let err = docx::read(&bomb).unwrap_err();
    assert_eq!(err.reason(), "too_large", "{err}");
    assert!(err.to_string().contains("inflates past"), "{err}");
}

#[test]
fn docx_with_too_many_entries_is_too_large() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..10_001 {
        zip.start_file(format!("word/media/{i}.bin"), stored)
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(reason(docx::read(&bytes)), "too_large");
}

#[test]
fn docx_nested_deeper_than_the_limit_is_corrupt() {
    let depth = 600;
    let body = format!(
        "{}{}{}",
        "<w:sdt>".repeat(depth),
        paragraph("深"),
        "</w:sdt>".repeat(depth)
    );
    let err = docx::read(&docx_with_body(&body)).unwrap_err();
    assert_eq!(err.reason(), "corrupt", "{err}");
    assert!(err.to_string().contains("deeper than 512"), "{err}");
    // A normal depth is fine.
    let body = format!(
        "{}{}{}",
        "<w:sdt>".repeat(50),
        paragraph("浅"),
        "</w:sdt>".repeat(50)
    );
    assert_eq!(
        docx::read(&docx_with_body(&body)).unwrap().pages[0].trim(),
        "浅"
    );
}

#[test]
fn zip_without_word_document_is_named_as_such() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("readme.txt", deflated()).unwrap();
    zip.write_all("附件".as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let err = read_document(&bytes, "附件.zip").unwrap_err();
    assert_eq!(err.reason(), "unknown_format");
    assert!(
        err.to_string()
            .contains("zip archive without word/document.xml"),
        "{err}"
    );
}

#[test]
fn html_is_recognised_by_markup_or_by_url_extension() {
    let mut late_markup = "<!-- 站点统计代码 -->\n".repeat(200);
    late_markup.push_str("<html><body><p>部门预算公开</p></body></html>");
    assert!(late_markup.len() > 1024);
    let doc = read_document(late_markup.as_bytes(), "https://example.gov.cn/view?id=9").unwrap();
    assert_eq!(doc.format.as_str(), "html");
    assert_eq!(doc.text.trim(), "部门预算公开");

    let fragment = "<p>部门预算公开</p><p>第二段</p>";
    let doc = read_document(
        fragment.as_bytes(),
        "https://example.gov.cn/a/t1.shtml?from=list",
    )
    .unwrap();
    assert_eq!(doc.format.as_str(), "html");
    assert_eq!(
        doc.text.lines().collect::<Vec<_>>(),
        vec!["部门预算公开", "第二段"]
    );

    let doc = read_document(fragment.as_bytes(), "notes.txt").unwrap();
    assert_eq!(doc.format.as_str(), "text");
}

/// `tests/fixtures/budget-table.doc`: a Word 97 file saved by LibreOffice
/// from a DOCX with two paragraphs, a 3×3 table with empty cells and a
/// two-paragraph cell, and a closing paragraph.
fn legacy_doc_fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/budget-table.doc"
    ))
    .expect("committed fixture")
}

#[test]
fn legacy_word_doc_text_and_table_rows_are_read() {
    let bytes = legacy_doc_fixture();
    let expected = [
        "攀枝花市人民政府驻北京联络处2020年部门决算",
        "2020年度一般公共预算财政拨款支出6.84万元，比上年减少1.20万元。",
        "项目\t预算数\t决算数",
        "一般公共预算 财政拨款支出\t\t6.84",
        "基本支出\t5.00",
        "二、“三公”经费 Budget 2020",
    ];
    let raw = docx::read_doc(&bytes).unwrap();
    assert!(!raw.paged);
    assert_eq!(text_lines(&raw.pages.join("\n")), expected);
    let doc = read_document(&bytes, "https://example.gov.cn/download?id=42").unwrap();
    assert_eq!(doc.format.as_str(), "doc");
    assert_eq!(doc.page_count(), None);
    assert_eq!(text_lines(&doc.text), normalized_lines(&expected));
}

#[test]
fn password_protected_office_file_is_encrypted() {
    // Word and WPS wrap a password-protected DOCX in an OLE file whose
    // directory holds an EncryptedPackage stream.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(1024, 0);
    ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    ole.resize(2048, 0);
    let err = read_document(&ole, "2024年部门预算.docx").unwrap_err();
    assert_eq!(err.reason(), "encrypted", "{err}");
    assert!(!err.to_string().contains("PDF"), "{err}");
}

#[test]
fn damaged_legacy_word_doc_gives_errors_not_panics() {
    let bytes = legacy_doc_fixture();
    let err = read_document(&bytes[..bytes.len() / 2], "a.doc").unwrap_err();
    assert_eq!(err.reason(), "truncated", "{err}");
    let reasons = [
        "empty",
        "truncated",
        "corrupt",
        "unknown_format",
        "too_large",
        "encrypted",
    ];
    for cut in (0..bytes.len()).step_by(97) {
        if let Err(e) = read_document(&bytes[..cut], "a.doc") {
            assert!(reasons.contains(&e.reason()), "cut at {cut}: {e}");
        }
    }
    let mut state = 0x9E37_79B9_u32;
    for _ in 0..500 {
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let at = state as usize % damaged.len();
            damaged[at] ^= (state >> 24) as u8 | 1;
        }
        if let Err(e) = read_document(&damaged, "a.doc") {
            assert_ne!(e.reason(), "panic", "{e}");
        }
    }
    // An OLE header naming a WordDocument stream but holding no file system.
    let mut fake = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    fake.resize(512, 0);
    fake.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
    fake.resize(1536, 0);
    let err = read_document(&fake, "download?id=42").unwrap_err();
    assert_eq!(err.reason(), "corrupt", "{err}");
    assert!(err.to_string().contains(".doc"), "{err}");
}

/// RTF as Word writes it for a Chinese document: GBK bytes as `\'hh`
/// escapes, Unicode escapes with a fallback character, a table with an
/// empty cell and a two-paragraph cell, a field, a binary picture and
/// ignorable destinations.
fn rtf_sample() -> Vec<u8> {
    let gbk = |text: &str| -> String {
        GBK.encode(text)
            .0
            .iter()
            .map(|b| format!("\\'{b:02x}"))
            .collect()
    };
    let rtf = format!(
        r"{{\rtf1\ansi\ansicpg936\deff0{{\fonttbl{{\f0\fnil\fcharset134 SimSun;}}{{\f1\fswiss\fcharset0 Arial;}}}}
{{\*\generator Microsoft Word 11.0;}}{{\info{{\title 标题不是正文}}}}
\pard\plain\f0 {title}\par
\pard {para}{{\f1 6.84}}{wan}\uc1\u20803\'3f\u12290?\par
\trowd\cellx2000\cellx4000\cellx6000
\pard\intbl {item}\cell {budget}\cell {actual}\cell\row
\trowd\cellx2000\cellx4000\cellx6000
\pard\intbl {first}\par {second}\cell \cell 6.84\cell\row
{{\pict\pngblip\bin4 }}{{}}}}}}{{\*\shppict 89504e47}}
\pard {{\field{{\*\fldinst PAGE }}{{\fldrslt 1}}}} {end}\par
}}",
        title = gbk("攀枝花市人民政府驻北京联络处2020年部门决算"),
        para = gbk("一般公共预算财政拨款支出"),
        wan = gbk("万"),
        item = gbk("项目"),
        budget = gbk("预算数"),
        actual = gbk("决算数"),
        first = gbk("一般公共预算"),
        second = gbk("财政拨款支出"),
        end = gbk("第1页"),
    );
    rtf.into_bytes()
}

#[test]
fn rtf_named_doc_reads_gbk_text_and_table_rows() {
    let bytes = rtf_sample();
    let expected = [
        "攀枝花市人民政府驻北京联络处2020年部门决算",
        "一般公共预算财政拨款支出6.84万元。",
        "项目\t预算数\t决算数",
        "一般公共预算 财政拨款支出\t\t6.84",
        "1 第1页",
    ];
    assert_eq!(
        text_lines(&docx::read_rtf(&bytes).unwrap().pages[0]),
        expected
    );
    let doc = read_document(&bytes, "2020年部门决算.doc").unwrap();
    assert_eq!(doc.format.as_str(), "rtf");
    assert_eq!(text_lines(&doc.text), normalized_lines(&expected));
}

#[test]
fn damaged_rtf_gives_errors_not_panics() {
    let bomb = format!("{{\\rtf1 {}x{}", "{".repeat(5000), "}".repeat(5000));
    let err = read_document(bomb.as_bytes(), "a.rtf").unwrap_err();
    assert_eq!(err.reason(), "corrupt", "{err}");
    let bytes = rtf_sample();
    for cut in 6..bytes.len() {
        if let Err(e) = read_document(&bytes[..cut], "a.rtf") {
            assert_eq!(e.reason(), "empty", "cut at {cut}: {e}");
        }
    }
}

const ARTICLE: &str = r#"<!DOCTYPE html>
<html><head>{META}<title>普陀区财政局2024年部门决算_上海市普陀区人民政府</title>
<script>var banner = "脚本里的字";</script><style>.nav { color: red }</style></head>
<body>
<div class="header"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/hdjl">互动交流</a></div>
<nav><a href="/a">导航链接文字</a></nav>
<div class="main">
 <div class="left"><ul><li><a href="/1">相关文章一：区民政局部门决算</a></li><li><a href="/2">相关文章二：区教育局部门决算</a></li></ul></div>
 <div class="article">
  <h1>普陀区财政局2024年部门决算</h1>
  <div class="info">发布时间：2025-06-30 来源：区财政局</div>
  <div id="zoom">
   <p>一、收入支出决算总体情况</p>
   <p>2024年度一般公共预算财政拨款支出<span>6.84万元</span>，比上年减少1.20万元，主要原因是会议费减少。</p>
   <p>二、“三公”经费<br>公务接待费0.50万元。</p>
   <table><tr><td>项目</td><td>预算数</td><td>决算数</td></tr>
   <tr><td>基本支出</td><td><p>5.00</p></td><td>6.84</td></tr></table>
   <form><input type="text" name="q"><button>搜索框文字</button></form>
  </div>
 </div>
</div>
<div class="footer">版权所有：上海市普陀区人民政府 页脚文字</div>
<footer>主办单位页脚</footer>
<script>document.write("第二段脚本");</script>
</body></html>"#;

/// The article page with `meta` in its head, encoded as GBK.
fn gbk_article(meta: &str) -> Vec<u8> {
    GBK.encode(&ARTICLE.replace("{META}", meta)).0.into_owned()
}

fn assert_article_body(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "普陀区财政局2024年部门决算", "{text}");
    assert!(
        text.contains("2024年度一般公共预算财政拨款支出6.84万元，比上年减少1.20万元"),
        "{text}"
    );
    assert!(lines.contains(&"二、“三公”经费"), "{text}");
    assert!(lines.contains(&"公务接待费0.50万元。"), "{text}");
    assert!(lines.contains(&"项目\t预算数\t决算数"), "{text}");
    assert!(lines.contains(&"基本支出\t5.00\t6.84"), "{text}");
    for chrome in [
        "脚本里的字",
        "第二段脚本",
        "导航链接文字",
        "相关文章一",
        "页脚文字",
        "主办单位页脚",
        "搜索框文字",
        "政务公开",
    ] {
        assert!(!text.contains(chrome), "{chrome:?} leaked into:\n{text}");
    }
}

#[test]
fn gbk_html_with_meta_charset_reads_chinese() {
    let bytes = gbk_article(r#"<meta charset="gbk">"#);
    let raw = html::read(&bytes, None).unwrap();
    assert!(!raw.paged);
    assert_article_body(&raw.pages[0]);
    let doc = read_document(&bytes, "https://www.shpt.gov.cn/caizheng/2025/0630/1.html").unwrap();
    assert_eq!(doc.format.as_str(), "html");
    assert!(doc.text.contains("一般公共预算财政拨款支出6.84万元"));
}

#[test]
fn gb2312_http_equiv_and_http_header_charsets_are_honoured() {
    let meta = r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#;
    let bytes = gbk_article(meta);
    assert_article_body(&html::read(&bytes, None).unwrap().pages[0]);
    let bytes = gbk_article("");
    assert_article_body(&html::read(&bytes, Some("GBK")).unwrap().pages[0]);
}

#[test]
fn wrong_http_header_charsets_do_not_garble_gbk_pages() {
    let bytes = gbk_article(r#"<meta charset="gbk">"#);
    // A default server setting: GBK bytes served as UTF-8.
    assert_article_body(&html::read(&bytes, Some("utf-8")).unwrap().pages[0]);
    // The other default: ISO-8859-1, while the page declares GBK.
    assert_article_body(&html::read(&bytes, Some("ISO-8859-1")).unwrap().pages[0]);
    // A page that really is UTF-8 keeps the header's charset.
    let utf8 = ARTICLE.replace("{META}", "");
    assert_article_body(&html::read(utf8.as_bytes(), Some("utf-8")).unwrap().pages[0]);
}

fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut line = 0;
    for &b in bytes {
        let piece = if b == b'\n' {
            line = 0;
            out.push_str("\r\n");
            continue;
        } else if b >= 0x80 || b == b'=' {
            format!("={b:02X}")
        } else {
            char::from(b).to_string()
        };
        if line + piece.len() > 75 {
            out.push_str("=\r\n");
            line = 0;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for k in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * k) & 63) as usize]));
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
        if i % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

#[test]
fn mhtml_saved_as_doc_reads_its_html_part() {
    let html = gbk_article("");
    for (encoding, body) in [
        ("quoted-printable", quoted_printable(&html)),
        ("base64", base64(&html)),
    ] {
        let message = format!(
            "MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\tboundary=\"----=_NextPart_01D0\"\r\n\r\n\
             This document is a Single File Web Page.\r\n\r\n------=_NextPart_01D0\r\n\
             Content-Location: file:///C:/x.htm\r\nContent-Transfer-Encoding: {encoding}\r\n\
             Content-Type: text/html; charset=\"gb2312\"\r\n\r\n{body}\r\n\r\n------=_NextPart_01D0\r\n\
             Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
             ------=_NextPart_01D0--\r\n"
        );
        assert_article_body(&html::read(message.as_bytes(), None).unwrap().pages[0]);
        let doc = read_document(message.as_bytes(), "2024年部门决算.doc").unwrap();
        assert_eq!(doc.format.as_str(), "html", "{encoding}");
        assert!(
            text_lines(&doc.text).contains(&"公务接待费0.50万元。".to_string()),
            "{}",
            doc.text
        );
    }
}

#[test]
fn gbk_html_without_any_charset_is_detected() {
    let bytes = gbk_article("");
    assert!(std::str::from_utf8(&bytes).is_err());
    let raw = html::read(&bytes, None).unwrap();
    assert_article_body(&raw.pages[0]);
    let doc = read_document(&bytes, "page").unwrap();
    assert!(doc.text.contains("一般公共预算财政拨款支出6.84万元"));
}

#[test]
fn html_without_named_container_falls_back_to_text_density() {
    let page = r#"<html><head><title>部门决算</title></head><body>
<div id="top"><a href="/1">首页</a> <a href="/2">机构概况</a> <a href="/3">政务公开</a> <a href="/4">政策文件</a></div>
<div id="x1"><div id="x2">
<p>本部门2020年度收入合计71.29万元，其中一般公共预算财政拨款收入71.29万元。</p>
<p>本部门2020年度支出合计71.30万元，主要用于机关运行经费。</p>
</div><ul><li><a href="/r">友情链接：四川省人民政府网站</a></li></ul></div>
</body></html>"#;
    let raw = html::read(page.as_bytes(), None).unwrap();
    let text = &raw.pages[0];
    assert!(text.starts_with("部门决算\n"), "{text}");
    assert!(text.contains("一般公共预算财政拨款收入71.29万元"), "{text}");
    assert!(!text.contains("机构概况"), "{text}");
    assert!(!text.contains("友情链接"), "{text}");
}

#[test]
fn gbk_text_file_reads_chinese() {
    let source = "一、部门决算说明\n2020年一般公共预算财政拨款支出6.84万元，比上年增加0.12万元。\n";
    let (bytes, _, _) = GBK.encode(source);
    let raw = text::read(&bytes).unwrap();
    assert_eq!(raw.pages, vec![source.to_string()]);
    assert!(!raw.paged);
    let doc = read_document(&bytes, "决算.txt").unwrap();
    assert_eq!(doc.format.as_str(), "text");
    assert!(doc.text.contains("一般公共预算财政拨款支出6.84万元"));
}

#[test]
fn utf16_text_files_read_with_and_without_bom() {
    let source = "一般公共预算财政拨款支出6.84万元\r\n第二行\r\n";
    let expected = "一般公共预算财政拨款支出6.84万元\n第二行\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(source.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(source.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [&le, &be] {
        assert_eq!(text::read(bytes).unwrap().pages, vec![expected.to_string()]);
        let doc = read_document(bytes, "a.txt").unwrap();
        assert!(doc.text.contains("一般公共预算财政拨款支出6.84万元"));
    }
    // Mostly-ASCII UTF-16LE without a BOM, as some Windows exports write it.
    let ascii = "Budget 2024: total 6.84\nline two\n";
    let bare: Vec<u8> = ascii.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(text::read(&bare).unwrap().pages, vec![ascii.to_string()]);
    let doc = read_document(&bare, "a.txt").unwrap();
    assert_eq!(doc.format.as_str(), "text");
    assert!(doc.text.contains("Budget 2024: total 6.84"), "{}", doc.text);
}

#[test]
fn form_feeds_make_pages() {
    let bytes = "第一页\n目录\x0c第二页\r\n正文\x0c第三页\n\x0c".as_bytes();
    let raw = text::read(bytes).unwrap();
    assert!(raw.paged);
    assert_eq!(raw.pages, vec!["第一页\n目录", "第二页\n正文", "第三页\n"]);
    let doc = read_document(bytes, "a.txt").unwrap();
    assert_eq!(doc.page_count(), Some(3));
    let at = doc.text.find("正文").unwrap();
    assert_eq!(doc.page_at(at), Some(2));
}

#[test]
fn corpus_budget_text_has_one_page_per_form_feed_section() {
    let Some(bytes) = corpus_file("putuo-city-management-2026-budget.txt") else {
        return;
    };
    let form_feeds = bytes.iter().filter(|&&b| b == 0x0c).count();
    let ends_with_form_feed = bytes.trim_ascii_end().ends_with(b"\x0c");
    let expected = form_feeds + usize::from(!ends_with_form_feed);
    assert!(
        expected > 20,
        "expected a 2x-page document, counted {expected}"
    );
    let raw = text::read(&bytes).unwrap();
    assert!(raw.paged);
    assert_eq!(raw.pages.len(), expected);
    assert!(raw.pages[0].contains("上海市普陀区2026年区级部门预算"));
    let doc = read_document(&bytes, "putuo-city-management-2026-budget.txt").unwrap();
    assert_eq!(doc.page_count(), Some(expected as u32));
}

#[test]
fn corpus_final_account_text_is_one_page() {
    let Some(bytes) = corpus_file("panzhihua-beijing-office-2020-final.txt") else {
        return;
    };
    let raw = text::read(&bytes).unwrap();
    assert!(!raw.paged);
    assert_eq!(raw.pages.len(), 1);
    assert_eq!(
        raw.pages[0].as_bytes(),
        &bytes[..],
        "UTF-8 without \\r is kept as is"
    );
    let doc = read_document(&bytes, "panzhihua-beijing-office-2020-final.txt").unwrap();
    assert_eq!(doc.page_count(), None);
    assert!(doc.text.contains("71.29"));
}
#[test]
fn html_layout_tables_keep_lines_and_data_tables_keep_cells() {
    let page = r#"<html><head><meta charset="utf-8"><title>关于2020年部门决算的公开说明</title>
<meta name="ArticleTitle" content="攀枝花市人民政府驻北京联络处关于2020年部门决算的公开说明"></head><body>
<table width="1000" align="center"><tr><td><a href="/">网站首页</a> | <a href="/x">信息公开</a></td></tr>
<tr><td><table width="100%"><tr>
 <td width="200" valign="top"><a href="/l1">通知公告</a><br><a href="/l2">工作动态</a><br><a href="/l3">财政预决算</a></td>
 <td valign="top" class="bt_content"><div class="TRS_Editor"><div class="Custom_UnionStyle">
  <p>攀枝花市人民政府驻北京联络处2020年部门决算</p>
  <p>　　2020年度收入总计71.30万元，支出总计71.30万元。</p>
  <table border="1"><tbody>
   <tr><th>科目编码</th><th>科目名称</th><th>决算数</th></tr>
   <tr><td>2010301</td><td>行政运行</td><td>71.30</td></tr>
   <tr><td colspan="2">合计</td><td>71.30</td></tr>
   <tr><td rowspan="2">其中</td><td>基本支出</td><td>60.00</td></tr>
   <tr><td>项目支出</td><td>11.30</td></tr>
  </tbody></table>
  <p>注：本表金额单位为万元。</p>
 </div></div></td></tr></table></td></tr>
<tr><td>主办：攀枝花市人民政府 技术支持：某公司</td></tr></table>
</body></html>"#;
    let raw = html::read(page.as_bytes(), None).unwrap();
    let lines: Vec<&str> = raw.pages[0].lines().collect();
    assert_eq!(
        lines,
        vec![
            "攀枝花市人民政府驻北京联络处关于2020年部门决算的公开说明",
            "攀枝花市人民政府驻北京联络处2020年部门决算",
            "2020年度收入总计71.30万元，支出总计71.30万元。",
            "科目编码\t科目名称\t决算数",
            "2010301\t行政运行\t71.30",
            "合计\t\t71.30",
            "其中\t基本支出\t60.00",
            "\t项目支出\t11.30",
            "注：本表金额单位为万元。",
        ]
    );
}

/// Every prefix of a valid file, and the file with bytes flipped, must give
/// a per-document error or a text, never a panic.
#[test]
fn damaged_inputs_give_errors_not_panics() {
    let body: String = (0..40)
        .map(|i| paragraph(&format!("第{i}行 支出{i}.84万元")))
        .chain(std::iter::once(BUDGET_TABLE.to_string()))
        .collect();
    let docx_bytes = docx_with_body(&body);
    let html_bytes = gbk_article(r#"<meta charset="gbk">"#);
    let reasons = [
        "empty",
        "truncated",
        "corrupt",
        "unknown_format",
        "too_large",
    ];
    for (name, bytes) in [("a.docx", &docx_bytes), ("a.html", &html_bytes)] {
        let step = (bytes.len() / 300).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let result = read_document(&bytes[..cut], name);
            if let Err(e) = &result {
                assert!(reasons.contains(&e.reason()), "{name} cut at {cut}: {e}");
            }
        }
        let mut state = 0x2545_f491_u32;
        for _ in 0..300 {
            let mut damaged = bytes.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let at = state as usize % damaged.len();
                damaged[at] ^= (state >> 24) as u8 | 1;
            }
            if let Err(e) = read_document(&damaged, name) {
                assert_ne!(e.reason(), "panic", "{name}: {e}");
            }
        }
    }
}
