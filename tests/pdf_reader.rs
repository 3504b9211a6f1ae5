//! The PDF reader on real documents (reading order, table rows) and on
//! broken ones (each failure a clear error, never a panic).

use std::path::{Path, PathBuf};

use caizheng::read::pdf::{self, PdfPage};
use caizheng::read::ReadError;
use lopdf::{dictionary, Document, Object, Stream};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

struct TruthQuote {
    page: usize,
    quote: String,
    value: String,
    table: bool,
}

fn truth_quotes(corpus: &Path, doc: &str) -> Vec<TruthQuote> {
    let path = corpus.join("truth").join(format!("{doc}.json"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("truth file")).expect("truth JSON");
    json["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter_map(|f| {
            Some(TruthQuote {
                page: f["page"].as_u64()? as usize,
                quote: f["quote"].as_str()?.to_string(),
                value: f["value"].as_str().unwrap_or_default().to_string(),
                table: f["source"].as_str() == Some("table"),
            })
        })
        .collect()
}

fn read_corpus_pdf(corpus: &Path, doc: &str) -> Vec<String> {
    let bytes = std::fs::read(corpus.join(format!("{doc}.pdf"))).expect("corpus PDF");
    pdf::read(&bytes).expect("readable PDF").pages
}

/// Every narrative quote of the truth file is on its page once whitespace is
/// removed: the lines came out in reading order.
fn narrative_quotes_on_their_pages(doc: &str) {
    let Some(corpus) = corpus() else { return };
    let pages = read_corpus_pdf(&corpus, doc);
    let quotes: Vec<TruthQuote> = truth_quotes(&corpus, doc)
        .into_iter()
        .filter(|q| !q.table)
        .collect();
    assert!(quotes.len() > 50, "{doc}: expected many narrative quotes");
    let missing: Vec<String> = quotes
        .iter()
        .filter(|q| !compact(&pages[q.page - 1]).contains(&compact(&q.quote)))
        .map(|q| format!("p{}: {}", q.page, q.quote))
        .collect();
    assert!(
        missing.is_empty(),
        "{doc}: {} of {} quotes not on their page:\n{}",
        missing.len(),
        quotes.len(),
        missing.join("\n")
    );
}

#[test]
fn finance_narrative_in_reading_order() {
    narrative_quotes_on_their_pages("putuo-finance-2024-final");
}

#[test]
fn social_work_narrative_in_reading_order() {
    narrative_quotes_on_their_pages("putuo-social-work-2024-final");
}

/// Each table fact's value sits on the same line as its row's code or
/// label, to the right of it: cells of a row stay on one line, in order.
///
/// Truth quotes join what a table shows in several places (labels wrapped
/// inside their cell, header cells above the figures), so the check anchors
/// on any one non-amount cell of the quote rather than on the whole quote.
fn table_rows_on_one_line(doc: &str) {
    let Some(corpus) = corpus() else { return };
    let pages = read_corpus_pdf(&corpus, doc);
    let quotes: Vec<TruthQuote> = truth_quotes(&corpus, doc)
        .into_iter()
        .filter(|q| q.table)
        .collect();
    assert!(quotes.len() > 100, "{doc}: expected many table quotes");
    let missing: Vec<String> = quotes
        .iter()
        .filter(|q| {
            let lines: Vec<&str> = pages[q.page - 1].lines().collect();
            !(0..lines.len()).any(|i| {
                row_on_line(lines[i], q) || i > 0 && figure_under_header(lines[i - 1], lines[i], q)
            })
        })
        .map(|q| format!("p{}: {} (value {})", q.page, q.quote, q.value))
        .collect();
    assert!(
        missing.is_empty(),
        "{doc}: {} of {} rows not found on one line:\n{}",
        missing.len(),
        quotes.len(),
        missing.join("\n")
    );
}

fn is_amount(word: &str) -> bool {
    word.chars().any(|c| c == '.')
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
}

/// A figure row under a header row (the "三公" table): the quote's words
/// are the header line, its value is on the next line.
fn figure_under_header(header: &str, line: &str, q: &TruthQuote) -> bool {
    let header: Vec<&str> = header.split_whitespace().collect();
    line.split_whitespace()
        .any(|w| w.replace(',', "") == q.value)
        && q.quote
            .split_whitespace()
            .filter(|w| !is_amount(w))
            .all(|a| header.contains(&a))
}

/// The value (as printed in the quote) is a word of the line, and some
/// other cell of the quote (code or label) is on the line left of it.
fn row_on_line(line: &str, q: &TruthQuote) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let printed: Vec<&str> = q
        .quote
        .split_whitespace()
        .filter(|w| is_amount(w) && w.replace(',', "") == q.value)
        .collect();
    let anchors: Vec<&str> = q
        .quote
        .split_whitespace()
        .filter(|w| !is_amount(w))
        .collect();
    words.iter().enumerate().any(|(at, w)| {
        printed.contains(w)
            && words[..at].iter().any(|left| {
                anchors
                    .iter()
                    .any(|a| left.contains(a) || a.contains(left) && left.chars().count() >= 2)
            })
    })
}

#[test]
fn finance_table_rows_on_one_line() {
    table_rows_on_one_line("putuo-finance-2024-final");
}

#[test]
fn social_work_table_rows_on_one_line() {
    table_rows_on_one_line("putuo-social-work-2024-final");
}

#[test]
fn corpus_page_counts_and_geometry() {
    let Some(corpus) = corpus() else { return };
    for (doc, pages) in [
        ("putuo-finance-2024-final", 25),
        ("putuo-social-work-2024-final", 24),
        ("shanghai-template-final", 23),
    ] {
        let bytes = std::fs::read(corpus.join(format!("{doc}.pdf"))).unwrap();
        let positioned = pdf::read_positioned(&bytes).expect("readable PDF");
        assert_eq!(positioned.len(), pages, "{doc}");
        for (i, page) in positioned.iter().enumerate() {
            let (short, long) = (page.width.min(page.height), page.width.max(page.height));
            assert!(
                (short - 595.0).abs() < 1.0 && (long - 842.0).abs() < 1.0,
                "{doc} p{} is A4 (portrait or landscape)",
                i + 1
            );
            for g in &page.glyphs {
                assert!(
                    g.x >= -1.0
                        && g.x <= page.width + 1.0
                        && g.y >= -1.0
                        && g.y <= page.height + 1.0,
                    "{doc} p{}: glyph {g:?} off the page",
                    i + 1
                );
            }
        }
        // `read` is the text of the same glyphs.
        let texts = pdf::read(&bytes).unwrap().pages;
        assert_eq!(
            texts,
            positioned.iter().map(PdfPage::text).collect::<Vec<_>>()
        );
    }
}

#[test]
fn template_reads_its_placeholders() {
    let Some(corpus) = corpus() else { return };
    let pages = read_corpus_pdf(&corpus, "shanghai-template-final");
    assert!(
        compact(&pages[0]).contains("上海市XX局"),
        "cover: {}",
        pages[0]
    );
}

// ---- errors ------------------------------------------------------------

#[test]
fn empty_file_is_empty() {
    assert_eq!(pdf::read(b"").unwrap_err(), ReadError::Empty);
}

#[test]
fn garbage_after_header_is_corrupt() {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..20_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        bytes.push((x >> 16) as u8);
    }
    let err = pdf::read(&bytes).unwrap_err();
    assert!(matches!(err, ReadError::Corrupt(_)), "{err:?}");
}

#[test]
fn truncated_file_is_recovered_or_truncated() {
    let Some(corpus) = corpus() else { return };
    for doc in [
        "putuo-finance-2024-final",
        "putuo-social-work-2024-final",
        "shanghai-template-final",
    ] {
        let bytes = std::fs::read(corpus.join(format!("{doc}.pdf"))).unwrap();
        let full = pdf::read(&bytes).unwrap().pages;
        let cut = &bytes[..bytes.len() * 6 / 10];
        match pdf::read(cut) {
            // What is recovered must be real text of the document, page for page.
            Ok(doc_pages) => {
                let recovered: Vec<&String> = doc_pages
                    .pages
                    .iter()
                    .filter(|p| !p.trim().is_empty())
                    .collect();
                assert!(!recovered.is_empty());
                // Fonts past the cut are lost, so a recovered page may miss
                // characters, but what it shows is its page's text in order.
                for page in &recovered {
                    let page = compact(page);
                    assert!(
                        full.iter().any(|f| is_subsequence(&page, &compact(f))),
                        "{doc}: recovered text is not from the document: {page}"
                    );
                }
                println!(
                    "{doc}: 60% prefix → {} of {} pages recovered",
                    recovered.len(),
                    full.len()
                );
            }
            Err(e) => {
                assert!(matches!(e, ReadError::Truncated(_)), "{doc}: {e:?}");
                println!("{doc}: 60% prefix → {e}");
            }
        }
    }
}

fn is_subsequence(needle: &str, hay: &str) -> bool {
    let mut hay = hay.chars();
    needle.chars().all(|c| hay.any(|h| h == c))
}

/// A one-page PDF showing `content` with a simple (WinAnsi) font `F1` whose
/// code 65 (`A`) is remapped to 中 by /Differences; `extra` may add objects
/// and returns further page resources.
fn simple_pdf(content: &[u8], extra: impl FnOnce(&mut Document) -> lopdf::Dictionary) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => dictionary! {
            "Type" => "Encoding",
            "BaseEncoding" => "WinAnsiEncoding",
            "Differences" => vec![65.into(), Object::Name(b"uni4E2D".to_vec())],
        },
    });
    let mut resources = dictionary! { "Font" => dictionary! { "F1" => font_id } };
    for (k, v) in extra(&mut doc).iter() {
        resources.set(k.clone(), v.clone());
    }
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("serialisable PDF");
    out
}

#[test]
fn image_only_pages_have_no_text_layer() {
    let bytes = simple_pdf(b"q 100 0 0 100 50 600 cm /Im1 Do Q", |doc| {
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0x80],
        ));
        dictionary! { "XObject" => dictionary! { "Im1" => image } }
    });
    assert_eq!(
        pdf::read(&bytes).unwrap_err(),
        ReadError::NoTextLayer { pages: 1 }
    );
}

#[test]
fn encrypted_with_unknown_password_is_encrypted() {
    let bytes = simple_pdf(b"BT /F1 12 Tf 72 700 Td (secret) Tj ET", |_| {
        lopdf::Dictionary::new()
    });
    let mut doc = Document::load_mem(&bytes).unwrap();
    let encrypt_id = doc.add_object(dictionary! {
        "Filter" => "Standard", "V" => 1, "R" => 2, "Length" => 40, "P" => -4,
        "O" => Object::string_literal(vec![0x11u8; 32]),
        "U" => Object::string_literal(vec![0x22u8; 32]),
    });
    doc.trailer.set("Encrypt", encrypt_id);
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal(vec![1u8; 16]),
            Object::string_literal(vec![1u8; 16]),
        ],
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    assert_eq!(pdf::read(&out).unwrap_err(), ReadError::Encrypted);
}

// ---- the interpreter on hand-made content ------------------------------------

#[test]
fn layout_order_beats_content_order() {
    // The second line is drawn first; a TJ kerning gap separates two cells.
    let content = b"BT /F1 10 Tf 1 0 0 1 72 680 Tm (second line) Tj ET
        BT /F1 10 Tf 72 700 Td [(Total)-3000(1,234.50)] TJ 0 -40 Td (AB) Tj ET";
    let bytes = simple_pdf(content, |_| lopdf::Dictionary::new());
    let doc = pdf::read(&bytes).unwrap();
    assert_eq!(
        doc.pages,
        vec!["Total 1,234.50\nsecond line\n中B".to_string()]
    );
}

#[test]
fn form_xobjects_are_drawn_with_their_matrix() {
    let content = b"q 1 0 0 1 0 -100 cm /Fm1 Do Q BT /F1 10 Tf 72 700 Td (top) Tj ET";
    let bytes = simple_pdf(content, |doc| {
        let form = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 0.into(), 50.into()],
            },
            b"BT /F1 10 Tf 72 700 Td (inside) Tj ET".to_vec(),
        ));
        dictionary! { "XObject" => dictionary! { "Fm1" => form } }
    });
    let pages = pdf::read_positioned(&bytes).unwrap();
    assert_eq!(pages[0].text(), "top\ninside");
    let inside = pages[0].glyphs.iter().find(|g| g.text == 'i').unwrap();
    // Baseline at 700 - 100 + 50 = 650 up from the bottom of an 842pt page.
    assert!((inside.y - (842.0 - 650.0)).abs() < 0.01, "{inside:?}");
    assert!((inside.size - 10.0).abs() < 0.01, "{inside:?}");
}
