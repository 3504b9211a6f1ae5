//! The printed figures of a text: a number and the unit bound to it.
//!
//! A number without a unit is no figure for the clause reader (years,
//! ordinals, document numbers, table cells); a unit decides what the figure
//! can be (an amount, a percentage or a count), so that a count never fills
//! an amount key. Rates (`万元/人`) and thresholds (`50万元以上`) are no figures.

use regex::Regex;
use rust_decimal::Decimal;
use std::ops::Range;
use std::sync::LazyLock;

/// What a unit makes of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// 万元, 元, 亿元.
    Amount,
    /// %.
    Percent,
    /// 辆, 个, 人次, 批次, 台（套）…
    Count,
}

/// One printed figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Bytes of the number as printed (thousands separators already removed by normalization).
    pub number: Range<usize>,
    /// Bytes of the number and its unit.
    pub whole: Range<usize>,
    pub value: String,
    /// The canonical unit (`万元`, `%`, `辆` …).
    pub unit: String,
    pub measure: Measure,
    /// Factor to 万元 for amounts.
    pub to_wan: Option<Decimal>,
    /// A minus sign printed before the number (`下降-6.58%`, `差异率-10%`).
    pub minus: bool,
}

/// A number and the unit after it; `万` alone is 万元 (`0万`), and a line
/// break may fall inside the unit (`1.5万\n元`).
static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<number>[0-9]+(?:\.[0-9]+)?)\s?
        (?P<unit>亿元|万\s?元|万|元|%|人次|批次|台[（(]套[）)]|台套|辆|个|人|次|项)",
    )
    .expect("figure regex")
});

/// What may not follow a unit for the figure to be one: a rate (`万元/人`),
/// a threshold (`50万元以上`, `（含）以上`), a range (`1-2人`), a time.
const NOT_AFTER: &[&str] = &[
    "/",
    "／",
    "以上",
    "（含）",
    "(含)",
    "以下",
    "以内",
    "左右",
    "每",
    "/人",
    "一次",
];

/// What may not stand right before the number: part of a code, a range, a
/// date or a name (`第3次`, `附件2`, `202号`).
fn bad_before(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '.'
        || c == '第'
        || c == '-'
        || c == '—'
        || c == '~'
        || c == '〔'
        || c == '['
}

/// Every figure of `text`, in order.
pub fn figures(text: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    // find_iter, not captures_iter: the groups are split by hand, far cheaper
    // than the capture engine on every number of every table.
    for whole in FIGURE.find_iter(text) {
        let digits = whole
            .as_str()
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let number = whole.start()..whole.start() + digits;
        let unit_text = whole.as_str()[digits..].trim_start();
        let number_text = &text[number.clone()];
        let minus = signed_after_word(&text[..number.start]);
        if !minus
            && text[..number.start]
                .chars()
                .next_back()
                .is_some_and(bad_before)
        {
            continue;
        }
        let after = text[whole.end()..].trim_start();
        if NOT_AFTER.iter().any(|w| after.starts_with(w)) {
            continue;
        }
        let printed: String = unit_text.chars().filter(|c| !c.is_whitespace()).collect();
        let (canonical, measure, to_wan) = match printed.as_str() {
            "亿元" => ("亿元", Measure::Amount, Some(Decimal::new(10000, 0))),
            "万元" | "万" => ("万元", Measure::Amount, Some(Decimal::ONE)),
            "元" => ("元", Measure::Amount, Some(Decimal::new(1, 4))),
            "%" => ("%", Measure::Percent, None),
            "台(套)" | "台（套)" | "台(套）" | "台（套）" | "台套" => {
                ("台（套）", Measure::Count, None)
            }
            other => (other, Measure::Count, None),
        };
        // `万` not followed by 元 is 万元 only where no other word follows
        // (`0万，`), not `万人` or `万平方米`.
        if printed == "万" && after.chars().next().is_some_and(crate::normalize::is_han) {
            continue;
        }
        let value = number_text.to_string();
        out.push(Figure {
            number,
            whole: whole.range(),
            value,
            unit: canonical.to_string(),
            measure,
            to_wan,
            minus,
        });
    }
    bare_percents(text, &mut out);
    out
}

/// Words after which a printed minus is the figure's sign, not a range or a
/// code: a direction word (`下降-6.58%`, WORDING 4.3) or a rate's name
/// (`预决算差异率-10%`, WORDING 2.4).
const SIGN_WORDS: &[&str] = &[
    "下降",
    "减少",
    "降低",
    "增长",
    "增加",
    "上升",
    "提高",
    "差异率",
    "偏差率",
    "率为",
    "率",
];

fn signed_after_word(before: &str) -> bool {
    before
        .strip_suffix('-')
        .or_else(|| before.strip_suffix('－'))
        .is_some_and(|b| SIGN_WORDS.iter().any(|w| b.trim_end().ends_with(w)))
}

/// `减少117.80万元，减少 9.51，` — the change in % printed without its sign
/// right after the amount change: a direction word, a number and a comma,
/// following `{D}{C}万元，` (WORDING: the percentage may lose its `%`). Only
/// in that form; a bare number elsewhere is no figure.
static BARE_PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(
        r"(?P<amount>[0-9]+(?:\.[0-9]+)?\s?(?:万元|亿元|元))[，,]\s?(?:同比)?(?:下降|减少|降低|增长|增加|上升)(?:了)?\s?(?P<number>[0-9]+(?:\.[0-9]+)?)\s?[，,。；;]",
    )
    .expect("bare percent regex")
});

fn bare_percents(text: &str, out: &mut Vec<Figure>) {
    let mut found = Vec::new();
    for caps in BARE_PERCENT.captures_iter(text) {
        let (Some(amount), Some(number)) = (caps.name("amount"), caps.name("number")) else {
            continue;
        };
        // The amount must itself be a change: a direction word right before it.
        let before = text[..amount.start()].trim_end();
        let is_change = [
            "下降", "减少", "降低", "增长", "增加", "上升", "减支", "增支",
        ]
        .iter()
        .any(|w| before.ends_with(w));
        if !is_change {
            continue;
        }
        found.push(Figure {
            number: number.range(),
            whole: number.range(),
            value: number.as_str().to_string(),
            unit: "%".into(),
            measure: Measure::Percent,
            to_wan: None,
            minus: false,
        });
    }
    if !found.is_empty() {
        out.extend(found);
        out.sort_by_key(|f| f.number.start);
    }
}

pub(super) fn warm_up() {
    LazyLock::force(&FIGURE);
    LazyLock::force(&BARE_PERCENT);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, String)> {
        figures(text)
            .into_iter()
            .map(|f| (f.value, f.unit))
            .collect()
    }

    #[test]
    fn units_bind_to_their_numbers() {
        assert_eq!(
            read("支出12.5万元，下降3.2%，购置2辆，接待15批次、120人次，0万，合计2476260.58元"),
            vec![
                ("12.5".into(), "万元".into()),
                ("3.2".into(), "%".into()),
                ("2".into(), "辆".into()),
                ("15".into(), "批次".into()),
                ("120".into(), "人次".into()),
                ("0".into(), "万元".into()),
                ("2476260.58".into(), "元".into()),
            ]
        );
        assert_eq!(read("设备3台（套）"), vec![("3".into(), "台（套）".into())]);
        assert_eq!(read("共1.5万\n元"), vec![("1.5".into(), "万元".into())]);
    }

    #[test]
    fn rates_thresholds_and_codes_are_no_figures() {
        assert!(read("单价50万元以上的设备").is_empty());
        assert!(read("费用2.6万元/人").is_empty());
        assert!(read("单价20万元（含）以上").is_empty());
        assert!(read("附件A3个").is_empty());
        assert!(read("服务3万人").is_empty());
        assert!(read("2019年度，第3次").is_empty());
        assert!(read("1-2人").is_empty());
    }

    #[test]
    fn a_printed_minus_after_a_direction_word_or_a_rate_is_a_sign() {
        // WORDING 4.3 `下降-{P}%`, 2.4 `预决算差异率{P}%` signed.
        let f = figures("比上年下降-6.58%，预决算差异率-10%");
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.minus));
        assert_eq!(f[0].value, "6.58");
    }

    #[test]
    fn a_percent_without_its_sign_only_right_after_an_amount_change() {
        // `{D}{C}万元，{D}{P}，`: the second figure is the change in %.
        let f = read("支出减少117.80万元，减少 9.51，主要原因是…");
        assert_eq!(f[1], ("9.51".into(), "%".into()));
        // Not after an amount that is no change, nor without the comma.
        assert_eq!(read("支出117.80万元，减少 9.51，").len(), 1);
        assert_eq!(read("支出减少117.80万元，减少 9.51万").len(), 2);
    }
}
