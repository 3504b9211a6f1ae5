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

fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[i as usize]);
            s.swap(i as usize, j as usize);
            b ^ s[s[i as usize].wrapping_add(s[j as usize]) as usize]
        })
        .collect()
}

#[test]
fn encrypted_with_empty_user_password_is_read() {
    use md5::{Digest, Md5};
    const PAD: [u8; 32] = [
        0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01,
        0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53,
        0x69, 0x7A,
    ];
    let bytes = simple_pdf(b"BT /F1 12 Tf 72 700 Td (open secret) Tj ET", |_| {
        lopdf::Dictionary::new()
    });
    let mut doc = Document::load_mem(&bytes).unwrap();
    // Standard security handler, revision 2 (40-bit RC4), empty user password.
    let (owner, permissions, file_id) = (vec![0x5Au8; 32], -4i32, vec![7u8; 16]);
    let mut hash = Md5::new();
    hash.update(PAD);
    hash.update(&owner);
    hash.update((permissions as u32).to_le_bytes());
    hash.update(&file_id);
    let key = hash.finalize()[..5].to_vec();
    let content_id = doc.get_page_contents(doc.get_pages()[&1])[0];
    let stream = doc
        .get_object_mut(content_id)
        .unwrap()
        .as_stream_mut()
        .unwrap();
    let mut object_key = key.clone();
    object_key.extend_from_slice(&content_id.0.to_le_bytes()[..3]);
    object_key.extend_from_slice(&content_id.1.to_le_bytes()[..2]);
    let object_key = Md5::digest(&object_key)[..10].to_vec();
    let encrypted = rc4(&object_key, &stream.content);
    stream.set_content(encrypted);
    let encrypt_id = doc.add_object(dictionary! {
        "Filter" => "Standard", "V" => 1, "R" => 2, "Length" => 40, "P" => permissions as i64,
        "O" => Object::string_literal(owner),
        "U" => Object::string_literal(rc4(&key, &PAD)),
    });
    doc.trailer.set("Encrypt", encrypt_id);
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal(file_id.clone()),
            Object::string_literal(file_id),
        ],
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    assert!(
        !out.windows(11).any(|w| w == b"open secret"),
        "the content is encrypted on disk"
    );
    assert_eq!(
        pdf::read(&out).unwrap().pages,
        vec!["open secret".to_string()]
    );
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

/// A PDF written by hand from object bodies (object 1 is the catalog), for
/// structures lopdf would not write.
fn raw_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for at in offsets {
        out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream_object(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

const FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

#[test]
fn deep_nesting_is_corrupt_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bytes = raw_pdf(&[
        format!("<< /Type /Catalog /Pages 2 0 R /Junk {deep} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>".to_vec(),
    ]);
    assert!(matches!(pdf::read(&bytes), Err(ReadError::Corrupt(_))));
}

#[test]
fn self_drawing_form_and_page_tree_loop_terminate() {
    let bytes = raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> /XObject << /X 5 0 R >> >> >>".to_vec(),
        stream_object("", b"BT /F1 10 Tf 20 150 Td (page) Tj ET /X Do"),
        stream_object(
            "/Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /Font << /F1 6 0 R >> /XObject << /X 5 0 R >> >>",
            b"BT /F1 10 Tf 20 100 Td (form) Tj ET /X Do",
        ),
        FONT.as_bytes().to_vec(),
    ]);
    let pages = pdf::read(&bytes).unwrap().pages;
    assert_eq!(pages.len(), 1);
    // The form draws itself at the same place at each level: one line, overdraws dropped.
    assert_eq!(pages[0], "page\nform");
}

#[test]
fn oversized_content_stream_is_cut_at_the_limit() {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(b"BT /F1 10 Tf 20 150 Td (before) Tj ET\n")
        .unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..80 {
        encoder.write_all(&spaces).unwrap();
    }
    encoder
        .write_all(b"\nBT /F1 10 Tf 20 100 Td (after) Tj ET")
        .unwrap();
    let compressed = encoder.finish().unwrap();
    let bytes = raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream_object("/Filter /FlateDecode", &compressed),
        FONT.as_bytes().to_vec(),
    ]);
    assert_eq!(pdf::read(&bytes).unwrap().pages, vec!["before".to_string()]);
}

/// A page showing `content` with font `F1` given by `font_objects`
/// (object 4 is the font dictionary; more may follow).
fn font_pdf(content: &[u8], font_objects: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 99 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
            .to_vec(),
    ];
    objects.extend(font_objects);
    let content_number = objects.len() + 1;
    objects.push(stream_object("", content));
    let mut bytes = raw_pdf(&objects);
    // Point the page at the content stream's real number.
    let at = bytes.windows(8).position(|w| w == b"99 0 R /").unwrap();
    let number = format!("{content_number:>2}");
    bytes[at..at + 2].copy_from_slice(number.as_bytes());
    bytes
}

#[test]
fn identity_h_font_with_cid_widths_and_tounicode() {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
        1 begincodespacerange <0000> <FFFF> endcodespacerange
        1 beginbfrange <0001> <0002> [<0031> <5E74>] endbfrange
        endcmap CMapName currentdict /CMap defineresource pop end end";
    let bytes = font_pdf(
        b"BT /F1 10 Tf 10 100 Td <000100010002> Tj 30 0 Td <0002> Tj 0 -20 Td 2 Tc <00010001> Tj ET",
        vec![
            b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>"
                .to_vec(),
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 /W [1 [500 1000]] >>".to_vec(),
            stream_object("", cmap),
        ],
    );
    let pages = pdf::read_positioned(&bytes).unwrap();
    // 1 1 年 are adjacent (widths 5, 5, 10 at size 10); the second 年 starts
    // 10pt after the first ends; Tc 2 opens a 2pt (< 0.3 em) gap.
    assert_eq!(pages[0].text(), "11年 年\n11");
    let xs: Vec<f32> = pages[0].glyphs.iter().map(|g| g.x).collect();
    assert_eq!(xs, vec![10.0, 15.0, 20.0, 40.0, 40.0, 47.0]);
}

#[test]
fn gbk_encoded_cid_font_without_tounicode() {
    let bytes = font_pdf(
        b"BT /F1 10 Tf 10 100 Td (AB\xd6\xd0\xce\xc4) Tj ET",
        vec![
            b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /GBK-EUC-H /DescendantFonts [5 0 R] >>".to_vec(),
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /SimSun /DW 1000 >>".to_vec(),
        ],
    );
    assert_eq!(pdf::read(&bytes).unwrap().pages, vec!["AB中文".to_string()]);
}

#[test]
fn rotated_page_reads_upright_and_off_page_text_is_dropped() {
    // A landscape page stored portrait: /Rotate 90, text drawn running up.
    let bytes = raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 200] /Rotate 90 /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream_object("", b"BT /F1 10 Tf 0 1 -1 0 50 20 Tm (up) Tj 0 1 -1 0 500 20 Tm (gone) Tj ET"),
        FONT.as_bytes().to_vec(),
    ]);
    let pages = pdf::read_positioned(&bytes).unwrap();
    assert_eq!((pages[0].width, pages[0].height), (200.0, 100.0));
    assert_eq!(pages[0].text(), "up");
    let u = pages[0].glyphs[0];
    assert_eq!((u.x, u.y), (20.0, 50.0));
}

#[test]
fn lines_index_the_glyphs_of_the_text() {
    let Some(corpus) = corpus() else { return };
    let bytes = std::fs::read(corpus.join("putuo-finance-2024-final.pdf")).unwrap();
    let pages = pdf::read_positioned(&bytes).unwrap();
    let page = &pages[9];
    let from_lines: Vec<String> = page
        .lines()
        .iter()
        .map(|line| {
            line.iter()
                .map(|&i| page.glyphs[i].text)
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .filter(|s: &String| !s.is_empty())
        .collect();
    let from_text: Vec<String> = page.text().lines().map(compact).collect();
    assert_eq!(from_lines, from_text);
    assert!(
        from_text.contains(&"2010601行政运行1,511.891,503.528.37".to_string()),
        "{from_text:?}"
    );
}

#[test]
fn quote_operators_start_new_lines_with_leading() {
    let content =
        b"BT /F1 10 Tf 12 TL 72 700 Td (first) Tj (second) ' 5 1 (third) \" T* (fourth) Tj ET";
    let bytes = simple_pdf(content, |_| lopdf::Dictionary::new());
    let pages = pdf::read_positioned(&bytes).unwrap();
    assert_eq!(pages[0].text(), "first\nsecond\nthird\nfourth");
    let baselines: Vec<f32> = pages[0]
        .lines()
        .iter()
        .map(|l| pages[0].glyphs[l[0]].y)
        .collect();
    assert_eq!(baselines, vec![142.0, 154.0, 166.0, 178.0]);
}

#[test]
fn shifted_offsets_are_repaired() {
    let Some(corpus) = corpus() else { return };
    let bytes = std::fs::read(corpus.join("putuo-social-work-2024-final.pdf")).unwrap();
    let original = pdf::read(&bytes).unwrap().pages;
    let insert = b"\n% inserted by a careless tool\n";
    let at = bytes.len() / 3;
    let mut shifted = bytes[..at].to_vec();
    shifted.extend_from_slice(insert);
    shifted.extend_from_slice(&bytes[at..]);
    // Every offset past the insertion is now wrong, the way line-end
    // conversion or a careless edit leaves a file.
    let same = |pages: Vec<String>| pages.iter().zip(&original).filter(|(a, b)| a == b).count();
    assert_eq!(
        same(pdf::read(&shifted).unwrap().pages),
        original.len(),
        "stale startxref"
    );
    // Same, with startxref updated: the table is found, but the objects it
    // places past the insertion are not where it says.
    let tail = shifted.len() - 40;
    let mark = tail + find(&shifted[tail..], b"startxref").expect("startxref near the end") + 10;
    let digits = shifted[mark..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let old: usize = std::str::from_utf8(&shifted[mark..mark + digits])
        .unwrap()
        .parse()
        .unwrap();
    let fixed = format!("{}", old + insert.len());
    shifted.splice(mark..mark + digits, fixed.bytes());
    assert_eq!(
        same(pdf::read(&shifted).unwrap().pages),
        original.len(),
        "stale object offsets"
    );
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn type3_font_uses_its_font_matrix_and_differences() {
    let bytes = raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream_object("", b"BT /F1 10 Tf 10 100 Td (\x01\x02) Tj ET"),
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 100 100] /FontMatrix [0.01 0 0 0.01 0 0]
            /CharProcs << /a 6 0 R /b 6 0 R >> /Encoding << /Type /Encoding /Differences [1 /Alpha /uni5E74] >>
            /FirstChar 1 /LastChar 2 /Widths [50 100] >>"
            .to_vec(),
        stream_object("", b"50 0 d0"),
    ]);
    let pages = pdf::read_positioned(&bytes).unwrap();
    // /Alpha is not a name we know: the glyph shows nothing but still advances.
    assert_eq!(pages[0].text(), "年");
    let year = pages[0].glyphs[0];
    assert_eq!((year.x, year.width), (15.0, 10.0));
}

/// PDFs encrypted by qpdf with AES and an empty user password (only the
/// owner password set, as for files locked against printing): they open.
/// The same with a user password stays `encrypted`.
#[test]
fn aes_encrypted_pdfs_with_an_empty_user_password_are_read() {
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/encrypted/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    for name in ["aes128.pdf", "aes256.pdf"] {
        let doc = caizheng::read::read_document(&fixture(name), name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            doc.text.contains("Budget 2024: total expenditure"),
            "{name}: {}",
            doc.text
        );
    }
    for name in ["aes128-user-password.pdf", "aes256-user-password.pdf"] {
        let err = caizheng::read::read_document(&fixture(name), name).unwrap_err();
        assert_eq!(err.reason(), "encrypted", "{name}: {err}");
    }
}
