//! PDF reader: positioned glyphs from each page's content streams, and page
//! text in reading order derived from them.
//!
//! Parsing is lopdf's; the content-stream interpreter, font decoding
//! (ToUnicode CMaps, CID widths, simple encodings) and layout are ours, for
//! speed and for layout order (rather than content order) of the lines.
//!
//! Work is bounded so that no file can exhaust the process: at most 64 MiB
//! of decoded content per page (a bigger stream is cut and the page keeps
//! what came before the cut), Form XObjects nested at most 12 deep, object
//! syntax nested at most 64 deep (checked before lopdf's recursive parser
//! sees it), and every lopdf call runs under [`catch_panic`].
//!
//! Damaged files: when the cross-reference data is unusable, objects are
//! found by scanning for `N G obj` and the table is rebuilt; the pages that
//! can be read are returned (a truncated file yields its leading pages).
//! Encrypted files are opened with the empty user password (lopdf decrypts
//! RC4, AESV2 and AESV3); otherwise the error is [`ReadError::Encrypted`].

mod cmap;
mod content;
mod font;
mod interp;
mod objects;
mod reading_order;
mod truetype;

use std::sync::LazyLock;

use lopdf::{Dictionary, Document, Object, ObjectId};

use self::interp::{Interpreter, Matrix};
use self::objects::{deref, dict_of, number_of};
use super::{catch_panic, find, RawDocument, ReadError};

/// One shown character with its place on the page.
///
/// Coordinates are in points in page space as displayed (after `/Rotate`),
/// with the origin at the top-left corner and `y` growing downwards; `y` is
/// the baseline. Coordinates are geometry: floats are fine here, never amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdfGlyph {
    pub text: char,
    /// Left edge.
    pub x: f32,
    /// Baseline, measured down from the top edge.
    pub y: f32,
    /// Advance width.
    pub width: f32,
    /// Font size as rendered (text matrix and CTM applied).
    pub size: f32,
}

/// A page as positioned glyphs, in content order.
#[derive(Debug, Clone, Default)]
pub struct PdfPage {
    pub width: f32,
    pub height: f32,
    pub glyphs: Vec<PdfGlyph>,
}

impl PdfPage {
    /// The page's text in reading order: lines top to bottom, glyphs left to
    /// right, a space for each wide gap (table cells stay apart).
    pub fn text(&self) -> String {
        reading_order::page_text(&self.glyphs)
    }

    /// The grouping behind [`PdfPage::text`]: indices into `glyphs`, one
    /// list per line, lines top to bottom and glyphs left to right.
    pub fn lines(&self) -> Vec<Vec<usize>> {
        reading_order::lines(&self.glyphs)
            .into_iter()
            .map(|line| line.glyphs.into_iter().map(|i| i as usize).collect())
            .collect()
    }
}

/// Read a PDF into one text per page, in layout order.
pub fn read(bytes: &[u8]) -> Result<RawDocument, ReadError> {
    read_with_layout(bytes).map(|(raw, _)| raw)
}

/// The page texts and the positioned pages they come from, in one parse
/// (the table stage reads the positions).
pub fn read_with_layout(bytes: &[u8]) -> Result<(RawDocument, Vec<PdfPage>), ReadError> {
    let (pages, recovered) = read_positioned_checked(bytes)?;
    // A repaired file that still ends with %%EOF had bad offsets, not missing bytes.
    let cut_short = recovered && !ends_with_eof_marker(bytes);
    let damage = cut_short.then(|| {
        ReadError::Truncated(format!(
            "the file is damaged or cut short; {} page(s) could be recovered and were read",
            pages.len()
        ))
    });
    let raw = RawDocument {
        pages: {
            use rayon::prelude::*;
            pages.par_iter().map(PdfPage::text).collect()
        },
        paged: true,
        damage,
    };
    Ok((raw, pages))
}

/// Read a PDF into positioned glyphs per page.
pub fn read_positioned(bytes: &[u8]) -> Result<Vec<PdfPage>, ReadError> {
    read_positioned_checked(bytes).map(|(pages, _)| pages)
}

/// Positioned pages, and whether the file had to be repaired to read them.
pub fn read_positioned_checked(bytes: &[u8]) -> Result<(Vec<PdfPage>, bool), ReadError> {
    catch_panic(|| {
        let loaded = load(bytes)?;
        let pages = extract_pages(&loaded.doc);
        if pages.is_empty() {
            return Err(if loaded.recovered {
                ReadError::Truncated("no page could be recovered".into())
            } else {
                ReadError::Corrupt("the document has no pages".into())
            });
        }
        let has_text = pages
            .iter()
            .any(|p| p.glyphs.iter().any(|g| !g.text.is_whitespace()));
        if !has_text {
            return Err(if loaded.recovered {
                ReadError::Truncated("no text in the pages that could be recovered".into())
            } else {
                ReadError::NoTextLayer {
                    pages: pages.len() as u32,
                }
            });
        }
        Ok((pages, loaded.recovered))
    })
}

struct Loaded {
    doc: Document,
    /// Objects were found by scanning because the cross-reference data was unusable.
    recovered: bool,
}

fn load(bytes: &[u8]) -> Result<Loaded, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let Some(header) = find(&bytes[..bytes.len().min(1024)], b"%PDF-") else {
        return Err(ReadError::Corrupt("no %PDF- header".into()));
    };
    let body = &bytes[header..];
    if nesting_too_deep(body) {
        // lopdf's parser recurses per nesting level; a stack overflow would
        // abort the whole process, not just fail this document.
        return Err(ReadError::Corrupt(format!(
            "arrays or dictionaries nested deeper than {MAX_NESTING} levels"
        )));
    }
    let direct =
        catch_panic(|| Document::load_mem(body).map_err(|e| ReadError::Corrupt(e.to_string())));
    let loaded = match direct {
        // A decrypted file lacks its /Encrypt object: lopdf drops it.
        Ok(doc)
            if doc.is_encrypted()
                || doc.was_encrypted()
                || !page_ids(&doc).is_empty() && lost_objects(&doc) == 0 =>
        {
            Loaded {
                doc,
                recovered: false,
            }
        }
        // Some cross-reference offsets are wrong (a file edited in place, or
        // line ends converted in transit): a scan may find what they miss.
        Ok(doc) if !page_ids(&doc).is_empty() => match recover(body) {
            Some(repaired) if repaired.objects.len() > doc.objects.len() => Loaded {
                doc: repaired,
                recovered: true,
            },
            _ => Loaded {
                doc,
                recovered: false,
            },
        },
        first_error => match recover(body) {
            Some(doc) => Loaded {
                doc,
                recovered: true,
            },
            None => {
                return Err(match first_error {
                    _ if object_offsets(body).is_empty() => {
                        ReadError::Corrupt("no PDF objects after the %PDF- header".into())
                    }
                    _ if !ends_with_eof_marker(body) => ReadError::Truncated(
                        "the file ends before its cross-reference table".into(),
                    ),
                    Err(e) => e,
                    Ok(_) => ReadError::Corrupt("the document has no pages".into()),
                })
            }
        },
    };
    // lopdf opens an encrypted file with the empty user password as it
    // loads it (RC4, AESV2 and AESV3); a file that password does not open
    // stays encrypted.
    if loaded.doc.is_encrypted() && !loaded.doc.was_encrypted() {
        return Err(ReadError::Encrypted);
    }
    Ok(loaded)
}

/// Deeper nesting than any real document uses (they stay under ten).
const MAX_NESTING: usize = 64;

/// Whether the object syntax outside streams nests `[`/`<<` too deeply.
/// Objects inside compressed object streams are not seen by this scan.
fn nesting_too_deep(body: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'<' if body.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'>' if body.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'(' => {
                // Brackets inside string literals do not nest.
                let mut parens = 1usize;
                i += 1;
                while i < body.len() && parens > 0 {
                    match body[i] {
                        b'\\' => i += 1,
                        b'(' => parens += 1,
                        b')' => parens -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                continue;
            }
            b's' if body[i..].starts_with(b"stream") => {
                i = memchr::memmem::find(&body[i..], b"endstream")
                    .map_or(body.len(), |at| i + at + 9);
                continue;
            }
            b'e' if body[i..].starts_with(b"endobj") => depth = 0,
            _ => {}
        }
        if depth > MAX_NESTING {
            return true;
        }
        i += 1;
    }
    false
}

/// Objects the cross-reference table lists that could not be loaded.
fn lost_objects(doc: &Document) -> usize {
    doc.reference_table
        .entries
        .iter()
        .filter(|(&n, entry)| {
            matches!(entry, lopdf::xref::XrefEntry::Normal { generation, offset } if *offset > 0
                && !doc.objects.contains_key(&(n, *generation)))
        })
        .count()
}

fn ends_with_eof_marker(body: &[u8]) -> bool {
    find(&body[body.len().saturating_sub(1024)..], b"%%EOF").is_some()
}

static OBJECT_HEADER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(?-u)(?:^|[\r\n\t \x0c\x00])(\d{1,7})[\r\n\t \x0c\x00]+(\d{1,5})[\r\n\t \x0c\x00]+obj\b",
    )
    .expect("valid regex")
});

static ROOT_REFERENCE: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(?-u)/Root[\r\n\t \x0c\x00]*(\d{1,7})[\r\n\t \x0c\x00]+(\d{1,5})[\r\n\t \x0c\x00]+R\b",
    )
    .expect("valid regex")
});

/// `(object number, generation, byte offset)` of every `N G obj` header.
fn object_offsets(body: &[u8]) -> Vec<(u32, u16, usize)> {
    let mut found = Vec::new();
    for caps in OBJECT_HEADER.captures_iter(body) {
        let (Some(num), Some(generation)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let parse = |m: regex::bytes::Match| {
            std::str::from_utf8(m.as_bytes())
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
        };
        if let (Some(n), Some(g)) = (parse(num), parse(generation)) {
            if g <= u16::MAX as u64 {
                found.push((n as u32, g as u16, num.start()));
            }
        }
    }
    found
}

/// Rebuild the cross-reference table by scanning for objects, as a
/// damaged-file repair does, and load the repaired bytes.
fn recover(body: &[u8]) -> Option<Document> {
    let offsets = object_offsets(body);
    if offsets.is_empty() {
        return None;
    }
    // A later definition of an object number (incremental update) wins.
    let mut latest: std::collections::BTreeMap<u32, (u16, usize)> = Default::default();
    for &(n, g, at) in &offsets {
        latest.insert(n, (g, at));
    }
    let catalog = latest
        .iter()
        .find(|(_, &(_, at))| {
            let head = &body[at..body.len().min(at + 512)];
            let end = find(head, b"endobj").unwrap_or(head.len());
            find(&head[..end], b"/Catalog").is_some()
        })
        .map(|(&n, &(g, _))| (n, g));
    let root = ROOT_REFERENCE
        .captures_iter(body)
        .filter_map(|c| {
            let n: u32 = std::str::from_utf8(c.get(1)?.as_bytes())
                .ok()?
                .parse()
                .ok()?;
            let g: u16 = std::str::from_utf8(c.get(2)?.as_bytes())
                .ok()?
                .parse()
                .ok()?;
            latest.contains_key(&n).then_some((n, g))
        })
        .last()
        .or(catalog);

    let mut repaired = Vec::with_capacity(body.len() + latest.len() * 32 + 128);
    repaired.extend_from_slice(body);
    repaired.extend_from_slice(b"\n");
    let xref_at = repaired.len();
    repaired.extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
    for (&n, &(g, at)) in &latest {
        repaired.extend_from_slice(format!("{n} 1\n{at:010} {g:05} n\r\n").as_bytes());
    }
    let size = latest.keys().next_back().map_or(1, |&n| n + 1);
    repaired.extend_from_slice(format!("trailer\n<< /Size {size}").as_bytes());
    if let Some((n, g)) = root {
        repaired.extend_from_slice(format!(" /Root {n} {g} R").as_bytes());
    }
    repaired.extend_from_slice(format!(" >>\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    let doc = catch_panic(|| {
        Document::load_mem(&repaired).map_err(|e| ReadError::Corrupt(e.to_string()))
    })
    .ok()?;
    (!page_ids(&doc).is_empty()).then_some(doc)
}

/// Pages in document order; when the page tree is unreachable, every page
/// object in object-number order.
fn page_ids(doc: &Document) -> Vec<ObjectId> {
    let ids: Vec<ObjectId> =
        catch_panic(|| Ok(doc.get_pages().into_values().collect())).unwrap_or_default();
    if !ids.is_empty() {
        return ids;
    }
    doc.objects
        .iter()
        .filter(|(_, o)| matches!(o, Object::Dictionary(d) if d.has_type(b"Page")))
        .map(|(&id, _)| id)
        .collect()
}

/// A page attribute, inherited through the page tree.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..64 {
        if let Ok(v) = node.get(key) {
            return Some(deref(doc, v));
        }
        node = dict_of(doc, node.get(b"Parent").ok()?)?;
    }
    None
}

fn extract_pages(doc: &Document) -> Vec<PdfPage> {
    use rayon::prelude::*;
    let ids = page_ids(doc);
    // Pages are read in as many runs as there are threads, each with its own
    // interpreter (fonts are decoded once per run, not per page): a page's
    // glyphs depend on nothing of another page's, and a long document is
    // read in a fraction of the time.
    let run = ids
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    ids.par_chunks(run)
        .enumerate()
        .flat_map_iter(|(n, chunk)| {
            let mut interpreter = Interpreter::new(doc);
            chunk
                .iter()
                .enumerate()
                .map(|(i, id)| read_page(doc, &mut interpreter, *id, n * run + i + 1))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One page's glyphs; `number` counts from 1.
fn read_page<'d>(
    doc: &'d Document,
    interpreter: &mut Interpreter<'d>,
    id: ObjectId,
    number: usize,
) -> PdfPage {
    let Some(page) = doc.objects.get(&id).and_then(|o| dict_of(doc, o)) else {
        return PdfPage::default();
    };
    let (matrix, width, height) = page_geometry(doc, page);
    let contents: Vec<&Object> = match page.get(b"Contents").map(|o| deref(doc, o)) {
        Ok(Object::Array(items)) => items.iter().collect(),
        Ok(obj @ Object::Stream(_)) => vec![obj],
        _ => Vec::new(),
    };
    let resources = inherited(doc, page, b"Resources").and_then(|o| dict_of(doc, o));
    let out = interpreter.run_page(&contents, resources, matrix);
    if out.truncated {
        tracing::warn!(page = number, "page content cut at the size limit");
    }
    let mut glyphs = out.glyphs;
    // Text placed off the page is not shown (pdftotext drops it too).
    glyphs.retain(|g| g.x + g.width >= 0.0 && g.x <= width && g.y >= 0.0 && g.y - g.size <= height);
    PdfPage {
        width,
        height,
        glyphs,
    }
}

/// The matrix from user space to displayed page space (top-left origin,
/// y down, `/Rotate` applied), and the displayed width and height.
fn page_geometry(doc: &Document, page: &Dictionary) -> (Matrix, f32, f32) {
    let rect = |key: &[u8]| {
        let items = inherited(doc, page, key)?.as_array().ok()?;
        let v: Vec<f32> = items.iter().filter_map(|o| number_of(doc, o)).collect();
        (v.len() == 4 && v[0] != v[2] && v[1] != v[3]).then(|| {
            [
                v[0].min(v[2]),
                v[1].min(v[3]),
                v[0].max(v[2]),
                v[1].max(v[3]),
            ]
        })
    };
    let [x0, y0, x1, y1] = rect(b"CropBox")
        .or_else(|| rect(b"MediaBox"))
        .unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    let (w, h) = (x1 - x0, y1 - y0);
    match rotate {
        90 => ([0.0, 1.0, 1.0, 0.0, -y0, -x0], h, w),
        180 => ([-1.0, 0.0, 0.0, 1.0, x1, -y0], w, h),
        270 => ([0.0, -1.0, -1.0, 0.0, y1, x1], h, w),
        _ => ([1.0, 0.0, 0.0, -1.0, -x0, y1], w, h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_pdfs_load_without_repair() {
        let Some(dir) = crate::test_corpus::dir() else {
            return;
        };
        for name in [
            "putuo-finance-2024-final.pdf",
            "putuo-social-work-2024-final.pdf",
            "shanghai-template-final.pdf",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let loaded = load(&bytes).unwrap();
            assert!(!loaded.recovered, "{name} needed xref repair");
            // Repair from scratch finds the same pages.
            let repaired = recover(&bytes).expect("repairable");
            assert_eq!(
                page_ids(&repaired).len(),
                page_ids(&loaded.doc).len(),
                "{name}"
            );
        }
    }

    #[test]
    fn cid_font_without_tounicode_uses_the_embedded_cmap() {
        use lopdf::{dictionary, Stream};
        let mut doc = Document::with_version("1.5");
        let program = super::truetype::tests::program_with_cmap(&[(0x4E2D, 7), (0x6587, 9)]);
        let file = doc.add_object(Stream::new(dictionary! {}, program));
        let descriptor =
            doc.add_object(dictionary! { "Type" => "FontDescriptor", "FontFile2" => file });
        let cid_font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "SimSun",
            "FontDescriptor" => descriptor, "CIDToGIDMap" => "Identity",
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "SimSun",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![cid_font.into()],
        });
        let content = doc.add_object(Stream::new(
            dictionary! {},
            b"BT /F1 10 Tf 10 100 Td <00070009> Tj ET".to_vec(),
        ));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content,
            "MediaBox" => vec![0.into(), 0.into(), 200.into(), 200.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        assert_eq!(read(&bytes).unwrap().pages, vec!["中文".to_string()]);
    }
}
