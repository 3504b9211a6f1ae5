//! How findings across documents are worded: quotes, pages, names.

use super::{Form, Pair, Pairing};
use crate::report::{Evidence, Fact};

pub(super) fn line_name(f: &Fact) -> Option<String> {
    f.label.clone().or_else(|| f.code.clone())
}

/// `“quote”（第n页）` and `"quote" (p. n)`.
pub(super) fn cite(f: &Fact) -> (String, String) {
    let quote: String = f.text.split_whitespace().collect::<Vec<_>>().join("");
    match f.page {
        Some(p) => (
            format!("“{quote}”（第{p}页）"),
            format!("\"{quote}\" (p. {p})"),
        ),
        None => (format!("“{quote}”"), format!("\"{quote}\"")),
    }
}

/// Both quotes, or one when the two figures share it.
pub(super) fn cite_both(a: &Fact, b: &Fact) -> (String, String) {
    let (a_zh, a_en) = cite(a);
    if a.text == b.text && a.page == b.page {
        return (a_zh, a_en);
    }
    let (b_zh, b_en) = cite(b);
    (format!("{a_zh}、{b_zh}"), format!("{a_en} and {b_en}"))
}

/// `key[line]` for messages.
pub(super) fn name(base: &str, f: &Fact) -> String {
    match line_name(f) {
        Some(line) => format!("{base}[{line}]"),
        None => base.to_string(),
    }
}

pub(super) fn evidence(f: &Fact) -> Evidence {
    Evidence {
        key: f.key.clone(),
        value: f.value.clone(),
        label: f.label.clone(),
        page: f.page,
        section: f.section.clone(),
        text: f.text.clone(),
        span: f.span,
    }
}

pub(super) fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

impl Pair<'_> {
    /// What this document's figure is, in words, with its quotes.
    pub(super) fn this_words(&self, mine: &[&Fact]) -> (String, String) {
        match (self.rule.form, mine) {
            (Form::Change, [b, c]) => {
                let (zh, en) = cite_both(b, c);
                let (bv, cv) = (
                    b.value_wan.unwrap_or_default(),
                    c.value_wan.unwrap_or_default(),
                );
                (
                    format!("本文件{zh}按本年数{bv}万元与增减额{cv}万元推算的上年数（{bv} − {cv}）"),
                    format!("the previous-year figure this document implies from {en}, this year's {bv} and the change {cv} ({bv} − {cv}),"),
                )
            }
            (form, [f, ..]) => {
                let (zh, en) = cite(f);
                let (what_zh, what_en) = match form {
                    Form::Prior => (
                        "本文件所印上年数",
                        "the previous-year figure this document prints",
                    ),
                    Form::Budget => (
                        "本决算所印预算数",
                        "the budget figure this final account prints",
                    ),
                    _ => ("本文件所印数", "the figure this copy prints"),
                };
                (format!("{what_zh}{zh}"), format!("{what_en}, {en},"))
            }
            _ => (String::new(), String::new()),
        }
    }

    /// The other document, in words.
    pub(super) fn other_words(&self) -> (String, String) {
        let year = self.other.fiscal_year.unwrap_or_default();
        let kind_zh = match self.other.kind.as_deref() {
            Some("final") => "决算",
            _ => "预算",
        };
        let kind_en = self.other.kind.as_deref().unwrap_or("report");
        match self.rule.pairing {
            Pairing::PreviousYear => (
                format!("{year}年{kind_zh}所印本数"),
                format!("the {year} {kind_en}"),
            ),
            Pairing::BudgetOfFinal => (format!("{year}年预算所印数"), format!("the {year} budget")),
            Pairing::Republished => (
                "同一文件另一版本所印数".to_string(),
                "the other copy of this document".to_string(),
            ),
        }
    }
}
