//! How findings across documents are worded: quotes, pages, names.

use super::{Form, Pair, Pairing};
use crate::reconcile::check::{message, Bilingual, Message};
use crate::report::{Evidence, Fact};

pub(super) fn line_name(f: &Fact) -> Option<String> {
    f.label.clone().or_else(|| f.code.clone())
}

/// `“quote”（第n页）` and `"quote" (p. n)`.
pub(super) fn cite(f: &Fact) -> Message {
    let quote: String = f.text.split_whitespace().collect::<Vec<_>>().join("");
    match f.page {
        Some(p) => message!("“{quote}”（第{p}页）", "\"{quote}\" (p. {p})"),
        None => message!("“{quote}”", "\"{quote}\""),
    }
}

/// Both quotes, or one when the two figures share it.
pub(super) fn cite_both(a: &Fact, b: &Fact) -> Message {
    if a.text == b.text && a.page == b.page {
        return cite(a);
    }
    message!(
        "{first}、{second}",
        "{first} and {second}",
        [first = cite(a), second = cite(b)]
    )
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
    pub(super) fn this_words(&self, mine: &[&Fact]) -> Message {
        match (self.rule.form, mine) {
            (Form::Change, [b, c]) => message!(
                "本文件{quotes}按本年数{bv}万元与增减额{cv}万元推算的上年数（{bv} − {cv}）",
                "the previous-year figure this document implies from {quotes}, this year's {bv} and the change {cv} ({bv} − {cv}),",
                bv = b.value_wan.unwrap_or_default(),
                cv = c.value_wan.unwrap_or_default(),
                [quotes = cite_both(b, c)],
            ),
            (form, [f, ..]) => {
                let what = match form {
                    Form::Prior => Bilingual {
                        zh: "本文件所印上年数",
                        en: "the previous-year figure this document prints",
                    },
                    Form::Budget => Bilingual {
                        zh: "本决算所印预算数",
                        en: "the budget figure this final account prints",
                    },
                    _ => Bilingual {
                        zh: "本文件所印数",
                        en: "the figure this copy prints",
                    },
                };
                message!("{what}{quote}", "{what}, {quote},", [what, quote = cite(f)])
            }
            _ => Message::default(),
        }
    }

    /// The other document, in words.
    pub(super) fn other_words(&self) -> Message {
        let year = self.other.fiscal_year.unwrap_or_default();
        let kind = Bilingual {
            zh: match self.other.kind.as_deref() {
                Some("final") => "决算",
                _ => "预算",
            },
            en: self.other.kind.as_deref().unwrap_or("report"),
        };
        match self.rule.pairing {
            Pairing::PreviousYear => {
                message!("{year}年{kind}所印本数", "the {year} {kind}", [kind])
            }
            Pairing::BudgetOfFinal => message!("{year}年预算所印数", "the {year} budget"),
            Pairing::Republished => {
                message!("同一文件另一版本所印数", "the other copy of this document")
            }
        }
    }
}
