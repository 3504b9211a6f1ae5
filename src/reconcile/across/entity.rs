//! Entity names made comparable across documents, conservatively: two
//! documents are of the same entity only when their printed names differ in
//! spacing, character width, traditional forms or a trailing `本级`/`机关`.

/// The name `entity` is matched under; empty when nothing is left.
pub fn entity_key(entity: &str, suffixes: &[String]) -> String {
    let simplified = crate::script::convert(entity);
    let mut key: String = simplified
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(half_width)
        .collect();
    // `（本级）` and `(本级)` are the same ending once widths agree.
    loop {
        let before = key.len();
        for suffix in suffixes {
            let suffix: String = suffix.chars().map(half_width).collect();
            if key.len() > suffix.len() {
                if let Some(stripped) = key.strip_suffix(suffix.as_str()) {
                    key = stripped.to_string();
                }
            }
        }
        if key.len() == before {
            return key;
        }
    }
}

/// A full-width ASCII form (`（`, `Ａ`, the ideographic space) as its ASCII twin.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suffixes() -> Vec<String> {
        ["本级", "机关", "（本级）"].map(String::from).to_vec()
    }

    #[test]
    fn names_differing_in_form_only_match() {
        let k = entity_key("江苏省人民检察院", &suffixes());
        assert_eq!(entity_key("江苏省 人民检察院（本级）", &suffixes()), k);
        assert_eq!(entity_key("江苏省人民检察院(本级)", &suffixes()), k);
        assert_eq!(entity_key("江蘇省人民檢察院", &suffixes()), k);
        assert_eq!(entity_key("江苏省人民检察院机关", &suffixes()), k);
        assert_ne!(entity_key("江苏省高级人民法院", &suffixes()), k);
        assert_eq!(
            entity_key("本级", &suffixes()),
            "本级",
            "a name is never emptied"
        );
    }
}
