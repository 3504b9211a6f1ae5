//! Automatic paragraph numbering (`word/numbering.xml`): the `一、`, `（一）`
//! and `1.` that Word draws before numbered headings are not in the text of
//! `document.xml`; without them a heading loses the marker sections rely on.

use quick_xml::events::{BytesStart, Event};
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use std::collections::HashMap;

const LEVELS: usize = 9;

#[derive(Debug, Clone, Default)]
struct Level {
    format: String,
    text: String,
    start: u32,
    /// `w:isLgl`: every number in the label is shown as a decimal.
    legal: bool,
}

#[derive(Debug, Clone, Default)]
struct Num {
    abstract_id: u32,
    start_overrides: HashMap<usize, u32>,
    used: bool,
}

/// List definitions and running counters, in document order.
#[derive(Debug, Default)]
pub struct Numbering {
    abstracts: HashMap<u32, Vec<Level>>,
    nums: HashMap<u32, Num>,
    /// Paragraph style id → (numId, ilvl) set by the style.
    styles: HashMap<String, (u32, usize)>,
    counters: HashMap<u32, [Option<u32>; LEVELS]>,
}

fn val(e: &BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == b"val")
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn attr_u32(e: &BytesStart, local: &[u8]) -> Option<u32> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref().as_bytes() == local)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()?
                .trim()
                .parse()
                .ok()
        })
}

impl Numbering {
    /// Parse `numbering.xml` and `styles.xml`; missing or broken parts give
    /// no numbering rather than an error (the text is still worth reading).
    pub fn parse(numbering_xml: Option<&[u8]>, styles_xml: Option<&[u8]>) -> Numbering {
        let mut numbering = Numbering::default();
        if let Some(xml) = numbering_xml {
            numbering.parse_numbering(xml);
        }
        if let Some(xml) = styles_xml {
            numbering.parse_styles(xml);
        }
        numbering
    }

    fn parse_numbering(&mut self, xml: &[u8]) {
        let mut reader = NsReader::from_reader(xml);
        let mut buf = Vec::new();
        let mut abstract_id: Option<u32> = None;
        let mut level: Option<(usize, Level)> = None;
        let mut num: Option<(u32, Num)> = None;
        let mut override_level: Option<usize> = None;
        loop {
            let event = match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) | Err(_) => break,
                Ok(event) => event,
            };
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref().as_bytes() {
                    b"abstractNum" => abstract_id = attr_u32(&e, b"abstractNumId"),
                    b"lvl" if abstract_id.is_some() => {
                        let ilvl = attr_u32(&e, b"ilvl").unwrap_or(0) as usize;
                        level = Some((
                            ilvl.min(LEVELS - 1),
                            Level {
                                start: 1,
                                ..Level::default()
                            },
                        ));
                    }
                    b"start" => {
                        let start = val(&e).and_then(|v| v.parse().ok());
                        if let (Some((_, lvl)), Some(start)) = (level.as_mut(), start) {
                            lvl.start = start;
                        }
                    }
                    b"numFmt" => {
                        if let (Some((_, lvl)), Some(format)) = (level.as_mut(), val(&e)) {
                            lvl.format = format;
                        }
                    }
                    b"lvlText" => {
                        if let (Some((_, lvl)), Some(text)) = (level.as_mut(), val(&e)) {
                            lvl.text = text;
                        }
                    }
                    b"isLgl" => {
                        if let Some((_, lvl)) = level.as_mut() {
                            lvl.legal = val(&e).is_none_or(|v| v != "0" && v != "false");
                        }
                    }
                    b"num" => {
                        num = attr_u32(&e, b"numId").map(|id| (id, Num::default()));
                    }
                    b"abstractNumId" => {
                        if let (Some((_, n)), Some(id)) =
                            (num.as_mut(), val(&e).and_then(|v| v.parse().ok()))
                        {
                            n.abstract_id = id;
                        }
                    }
                    b"lvlOverride" => {
                        override_level =
                            attr_u32(&e, b"ilvl").map(|l| (l as usize).min(LEVELS - 1));
                    }
                    b"startOverride" => {
                        let start = val(&e).and_then(|v| v.parse().ok());
                        if let (Some((_, n)), Some(l), Some(start)) =
                            (num.as_mut(), override_level, start)
                        {
                            n.start_overrides.insert(l, start);
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref().as_bytes() {
                    b"lvl" => {
                        if let (Some(id), Some((ilvl, lvl))) = (abstract_id, level.take()) {
                            let levels = self.abstracts.entry(id).or_default();
                            if levels.len() <= ilvl {
                                levels.resize(ilvl + 1, Level::default());
                            }
                            levels[ilvl] = lvl;
                        }
                    }
                    b"abstractNum" => abstract_id = None,
                    b"num" => {
                        if let Some((id, n)) = num.take() {
                            self.nums.insert(id, n);
                        }
                    }
                    b"lvlOverride" => override_level = None,
                    _ => {}
                },
                _ => {}
            }
            buf.clear();
        }
    }

    /// Paragraph styles that number their paragraphs (headings in templates).
    fn parse_styles(&mut self, xml: &[u8]) {
        let mut reader = NsReader::from_reader(xml);
        let mut buf = Vec::new();
        let mut style: Option<String> = None;
        let mut num_id: Option<u32> = None;
        let mut ilvl: usize = 0;
        loop {
            let event = match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) | Err(_) => break,
                Ok(event) => event,
            };
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref().as_bytes() {
                    b"style" => {
                        style = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref().as_bytes() == b"styleId")
                            .and_then(|a| {
                                a.normalized_value(XmlVersion::Implicit1_0)
                                    .ok()
                                    .map(|v| v.into_owned())
                            });
                        num_id = None;
                        ilvl = 0;
                    }
                    b"numId" => num_id = val(&e).and_then(|v| v.parse().ok()),
                    b"ilvl" => ilvl = val(&e).and_then(|v| v.parse().ok()).unwrap_or(0),
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref().as_bytes() == b"style" => {
                    if let (Some(s), Some(n)) = (style.take(), num_id.take()) {
                        self.styles.insert(s, (n, ilvl.min(LEVELS - 1)));
                    }
                }
                _ => {}
            }
            buf.clear();
        }
    }

    /// The label Word draws before a paragraph, counting it. A paragraph's
    /// own `numPr` wins over its style's; numId 0 switches numbering off.
    pub fn label(
        &mut self,
        num_id: Option<u32>,
        ilvl: Option<u32>,
        style: Option<&str>,
    ) -> Option<String> {
        let from_style = style.and_then(|s| self.styles.get(s).copied());
        let num_id = num_id.or(from_style.map(|(n, _)| n))?;
        let ilvl = ilvl
            .map(|l| (l as usize).min(LEVELS - 1))
            .or(from_style.map(|(_, l)| l))
            .unwrap_or(0);
        let num = self.nums.get_mut(&num_id)?;
        let levels = self.abstracts.get(&num.abstract_id)?;
        let level = levels.get(ilvl)?.clone();
        let counters = self
            .counters
            .entry(num.abstract_id)
            .or_insert([None; LEVELS]);
        if !num.used {
            num.used = true;
            for (&l, &start) in &num.start_overrides {
                counters[l] = Some(start.saturating_sub(1));
                for deeper in counters.iter_mut().skip(l + 1) {
                    *deeper = None;
                }
            }
        }
        counters[ilvl] = Some(match counters[ilvl] {
            Some(n) => n + 1,
            None => level.start,
        });
        for deeper in counters.iter_mut().skip(ilvl + 1) {
            *deeper = None;
        }
        if level.format == "none" || level.format == "bullet" {
            return None;
        }
        let counters = *counters;
        let mut label = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            let digit = chars.peek().and_then(|d| d.to_digit(10));
            match (c, digit) {
                ('%', Some(d)) if (1..=9).contains(&d) => {
                    chars.next();
                    let l = d as usize - 1;
                    let format = levels.get(l).map_or("decimal", |lv| lv.format.as_str());
                    let format = if level.legal { "decimal" } else { format };
                    let start = levels.get(l).map_or(1, |lv| lv.start);
                    label.push_str(&format_number(counters[l].unwrap_or(start), format));
                }
                _ => label.push(c),
            }
        }
        Some(label)
    }
}

/// A counter in one of Word's number formats.
fn format_number(n: u32, format: &str) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "chineseLegalSimplified"
        | "taiwaneseCounting" => chinese_count(n, &DIGITS),
        "ideographTraditional" => ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"]
            .get((n as usize).wrapping_sub(1) % 10)
            .map_or(n.to_string(), |s| s.to_string()),
        "ideographZodiac" => [
            "子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥",
        ]
        .get((n as usize).wrapping_sub(1) % 12)
        .map_or(n.to_string(), |s| s.to_string()),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or(n.to_string(), String::from)
        }
        "decimalEnclosedParen" if (1..=20).contains(&n) => {
            char::from_u32(0x2474 + n - 1).map_or(n.to_string(), String::from)
        }
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|d| char::from_u32(d as u32 - '0' as u32 + 0xFF10).unwrap_or(d))
            .collect(),
        "lowerLetter" | "upperLetter" => {
            let base = if format == "lowerLetter" { b'a' } else { b'A' };
            let letter = char::from(base + ((n.max(1) - 1) % 26) as u8);
            letter
                .to_string()
                .repeat(((n.max(1) - 1) / 26 + 1) as usize)
        }
        "lowerRoman" => roman(n).to_lowercase(),
        "upperRoman" => roman(n),
        _ => n.to_string(),
    }
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五.
fn chinese_count(n: u32, digits: &[&str; 10]) -> String {
    if n == 0 {
        return digits[0].to_string();
    }
    if n >= 10_000 {
        return n.to_string();
    }
    let units = ["", "十", "百", "千"];
    let decimal: Vec<usize> = n
        .to_string()
        .bytes()
        .map(|b| usize::from(b - b'0'))
        .collect();
    let mut out = String::new();
    let mut pending_zero = false;
    for (i, &d) in decimal.iter().enumerate() {
        let place = decimal.len() - 1 - i;
        if d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        // 10–19 read 十, 十一…, not 一十.
        if !(d == 1 && place == 1 && out.is_empty()) {
            out.push_str(digits[d]);
        }
        out.push_str(units[place]);
    }
    out
}

fn roman(n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n.min(3999);
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counting_reads_like_headings() {
        let digits = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        let got: Vec<String> = [1, 9, 10, 11, 20, 21, 105, 110]
            .iter()
            .map(|&n| chinese_count(n, &digits))
            .collect();
        assert_eq!(
            got,
            [
                "一",
                "九",
                "十",
                "十一",
                "二十",
                "二十一",
                "一百零五",
                "一百一十"
            ]
        );
    }
}
