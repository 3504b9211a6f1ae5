//! Normalization of raw page texts (stub).
pub struct Normalized {
    pub text: String,
    pub page_starts: Vec<usize>,
}
pub fn normalize_pages(pages: &[String]) -> Normalized {
    let mut text = String::new();
    let mut page_starts = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        if i > 0 {
            text.push('\x0c');
        }
        page_starts.push(text.len());
        text.push_str(p);
    }
    Normalized { text, page_starts }
}
