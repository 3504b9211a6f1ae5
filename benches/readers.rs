//! `cargo bench --bench readers`: throughput of the text, HTML, DOCX and RTF
//! readers on large generated documents (budget-report-like content, several
//! MB each), raw reader alone and through `read_document` (sniff, read,
//! normalize). Median of several runs.

use caizheng::read::{docx, html, read_document, text, RawDocument, ReadError};
use encoding_rs::GBK;
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn paragraph_text(i: usize) -> String {
    format!("（{i}）本部门{i}年度一般公共预算财政拨款支出{i}.84万元，比上年减少1.20万元，主要原因是会议费减少。")
}

fn gbk_text() -> Vec<u8> {
    let mut s = String::new();
    for page in 0..400 {
        for i in 0..40 {
            s.push_str(&paragraph_text(page * 40 + i));
            s.push('\n');
        }
        s.push('\x0c');
    }
    GBK.encode(&s).0.into_owned()
}

fn gbk_html() -> Vec<u8> {
    let mut s = String::from("<html><head><title>部门决算</title></head><body><div class=\"nav\">");
    for i in 0..300 {
        s.push_str(&format!("<a href=\"/{i}\">栏目{i}</a>"));
    }
    s.push_str("</div><div id=\"zoom\">");
    for i in 0..15_000 {
        s.push_str(&format!("<p>{}</p>\n", paragraph_text(i)));
    }
    s.push_str("<table>");
    for i in 0..30_000 {
        s.push_str(&format!(
            "<tr><td>2010{i:04}</td><td>行政运行</td><td>{i}.84</td><td></td></tr>\n"
        ));
    }
    s.push_str("</table></div><div class=\"footer\">版权所有</div></body></html>");
    GBK.encode(&s).0.into_owned()
}

fn docx() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).unwrap();
    write!(
        zip,
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#
    )
    .unwrap();
    for i in 0..15_000 {
        write!(
            zip,
            r#"<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t>{}</w:t></w:r></w:p>"#,
            paragraph_text(i)
        )
        .unwrap();
    }
    write!(zip, "<w:tbl>").unwrap();
    for i in 0..30_000 {
        write!(zip, "<w:tr>").unwrap();
        for cell in [
            format!("2010{i:04}"),
            "行政运行".into(),
            format!("{i}.84"),
            String::new(),
        ] {
            write!(zip, "<w:tc><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc>").unwrap();
        }
        write!(zip, "</w:tr>").unwrap();
    }
    write!(zip, "</w:tbl></w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}

fn rtf() -> Vec<u8> {
    let mut s = String::from(r"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fcharset134 SimSun;}}\f0 ");
    for i in 0..15_000 {
        for b in GBK.encode(&paragraph_text(i)).0.iter() {
            if *b >= 0x80 {
                s.push_str(&format!("\\'{b:02x}"));
            } else {
                s.push(char::from(*b));
            }
        }
        s.push_str("\\par\n");
    }
    s.push('}');
    s.into_bytes()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(f: impl Fn()) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn report(
    name: &str,
    bytes: &[u8],
    source: &str,
    reader: impl Fn(&[u8]) -> Result<RawDocument, ReadError>,
) {
    let raw = reader(bytes).expect("reads");
    let chars: usize = raw.pages.iter().map(|p| p.chars().count()).sum();
    let read = time(|| {
        reader(bytes).unwrap();
    });
    let whole = time(|| {
        read_document(bytes, source).unwrap();
    });
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "{name:<6} {mb:>6.2} MB  {chars:>9} chars  reader {:>8.1} ms ({:>6.1} MB/s)  read_document {:>8.1} ms",
        read.as_secs_f64() * 1e3,
        mb / read.as_secs_f64(),
        whole.as_secs_f64() * 1e3,
    );
}

fn main() {
    report("text", &gbk_text(), "a.txt", text::read);
    report("html", &gbk_html(), "a.html", |b| html::read(b, None));
    report("docx", &docx(), "a.docx", docx::read);
    report("rtf", &rtf(), "a.rtf", docx::read_rtf);
}
