//! Traditional characters (繁體), as many portals offer their pages, read as
//! simplified: the patterns, lexicons and table specs are written once, in
//! simplified characters.
//!
//! `fast2s` converts character by character (with a look at the neighbours
//! for the few characters whose simplified form depends on them) and only
//! between 3-byte characters, so every byte and character offset of the
//! converted text is the offset of the same character in the original: facts
//! are read from the converted text, and their quotes taken back from the
//! original at the same places.

use crate::read::Document;
use std::borrow::Cow;

/// Traditional forms of characters every budget disclosure prints (预 决 经
/// 费 万 为 与 说 况 资 产 车 辆 务 关 会 议 单 开 区 县 计 额 较 减 长 项 类 门
/// 财 政 …), sorted: a text without three of them is not converted, which
/// costs a scan instead of a conversion for the simplified majority.
const MARKERS: &[char] = &{
    let mut m = [
        '預', '決', '經', '費', '萬', '為', '與', '說', '況', '資', '產', '車', '輛', '務', '關',
        '會', '議', '單', '開', '區', '縣', '計', '額', '較', '減', '長', '項', '類', '門', '財',
        '撥', '購', '運', '維', '護', '總', '結', '餘', '職', '機', '構', '實', '據', '對', '數',
    ];
    // Sorted at compile time for the binary search.
    let mut i = 1;
    while i < m.len() {
        let mut j = i;
        while j > 0 && (m[j - 1] as u32) > (m[j] as u32) {
            let t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    m
};

/// Whether `text` is written in traditional characters.
pub fn is_traditional(text: &str) -> bool {
    text.chars()
        .filter(|c| MARKERS.binary_search(c).is_ok())
        .nth(2)
        .is_some()
}

/// The document with its texts in simplified characters, or itself when it
/// is not written in traditional characters.
pub fn simplified(doc: &Document) -> Cow<'_, Document> {
    if !is_traditional(&doc.text) {
        return Cow::Borrowed(doc);
    }
    let text = convert(&doc.text);
    if text == doc.text {
        return Cow::Borrowed(doc);
    }
    let mut converted = doc.clone();
    converted.text = text;
    for line in &mut converted.layout {
        for word in &mut line.words {
            word.text = convert(&word.text);
        }
    }
    for grid in &mut converted.grids {
        for cell in grid.rows.iter_mut().flatten() {
            *cell = convert(cell);
        }
        if let Some(name) = &mut grid.name {
            *name = convert(name);
        }
    }
    Cow::Owned(converted)
}

/// `text` in simplified characters, every character at the same byte offset.
pub fn convert(text: &str) -> String {
    let converted = fast2s::convert(text);
    // The offsets are what the quotes rely on: keep the original otherwise.
    if converted.len() == text.len() {
        converted
    } else {
        text.to_string()
    }
}

/// Give facts read from the converted text their quotes in the original
/// (the character spans are the same in both).
pub fn restore_quotes(original: &str, facts: &mut [crate::report::Fact]) {
    let mut starts: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
    starts.push(original.len());
    for fact in facts {
        let [a, b] = fact.span;
        if let (Some(&start), Some(&end)) = (starts.get(a), starts.get(b)) {
            fact.text = original[start..end].to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_becomes_simplified_at_the_same_offsets() {
        let text = "公務用車購置及運行維護費支出決算6.84萬元，購置1輛";
        let converted = convert(text);
        assert_eq!(
            converted,
            "公务用车购置及运行维护费支出决算6.84万元，购置1辆"
        );
        assert_eq!(converted.len(), text.len());
        assert_eq!(converted.chars().count(), text.chars().count());
    }
}
