//! One consistent case, one exactly-rounded case (info only), a truncation case and a real
//! error per rule family, on small hand-built documents.

mod completion;
mod cross;
mod restatement;
mod shares;
mod structure;
mod sums;
mod yoy;

use super::*;
use crate::report::{Fact, FactSource, Severity};
use rust_decimal::Decimal;

struct Doc {
    text: String,
    facts: Vec<Fact>,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            text: String::new(),
            facts: Vec::new(),
        }
    }

    /// Appends `sentence` to the text; each `(key, value, unit)` becomes a fact quoting it.
    fn say(mut self, sentence: &str, figures: &[(&str, &str, &str)]) -> Doc {
        let start = self.text.chars().count();
        self.text.push_str(sentence);
        self.text.push('\n');
        // spans cover the printed number, as the extractor's do
        let mut from = 0;
        for (key, value, unit) in figures {
            let at = sentence[from..].find(value).map(|i| from + i).unwrap_or(0);
            from = at;
            let s = start + sentence[..at].chars().count();
            let span = [s, s + value.chars().count()];
            self.facts.push(fact(
                key,
                value,
                unit,
                None,
                sentence,
                span,
                FactSource::Narrative,
                key,
            ));
        }
        self
    }

    fn labelled(
        mut self,
        key: &str,
        value: &str,
        label: &str,
        code: Option<&str>,
        table: &str,
    ) -> Doc {
        let start = self.text.chars().count();
        let line = format!("{} {label} {value}", code.unwrap_or(""));
        self.text.push_str(&line);
        self.text.push('\n');
        let mut f = fact(
            key,
            value,
            "万元",
            Some(label),
            &line,
            [start, start + line.chars().count()],
            FactSource::Table,
            &format!("table:{table}:{key}"),
        );
        f.code = code.map(str::to_string);
        self.facts.push(f);
        self
    }

    fn run(&self) -> Vec<Finding> {
        self.run_with(&SectionTree::default(), Some(2020))
    }

    fn run_with(&self, tree: &SectionTree, year: Option<i32>) -> Vec<Finding> {
        let info = DocumentInfo {
            fiscal_year: year,
            kind: Some("final".into()),
            ..Default::default()
        };
        reconcile(
            &ReconcileInput {
                facts: &self.facts,
                text: &self.text,
                sections: tree,
                info: &info,
            },
            &RuleSet::builtin(),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn fact(
    key: &str,
    value: &str,
    unit: &str,
    label: Option<&str>,
    text: &str,
    span: [usize; 2],
    source: FactSource,
    pattern: &str,
) -> Fact {
    let v: Decimal = value.parse().unwrap();
    let value_wan = match unit {
        "万元" => Some(v),
        "元" => Some(v / Decimal::from(10_000)),
        _ => None,
    };
    Fact {
        key: key.into(),
        value: value.into(),
        unit: Some(unit.into()),
        value_wan,
        label: label.map(str::to_string),
        code: None,
        page: None,
        section: Some("s".into()),
        text: text.into(),
        span,
        source,
        pattern: pattern.into(),
    }
}

fn only<'f>(findings: &'f [Finding], rule_prefix: &str) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.rule.starts_with(rule_prefix))
        .collect()
}

fn severity_of(findings: &[Finding], rule_prefix: &str) -> Option<Severity> {
    let hits = only(findings, rule_prefix);
    assert!(hits.len() <= 1, "{hits:#?}");
    hits.first().map(|f| f.severity)
}

/// Every finding a check makes says the check's family, as its `kind` and as the first word
/// of its rule id; a document with a wrong figure for each family makes every family speak.
#[test]
fn every_finding_names_the_family_of_its_check() {
    let doc = Doc::new()
        .say(
            "“三公”经费支出6.84万元，其中因公出国（境）费1.00万元，公务用车购置及运行维护费5.00万元，公务接待费0万元。",
            &[
                ("three_public.total", "6.84", "万元"),
                ("three_public.overseas", "1.00", "万元"),
                ("three_public.vehicle", "5.00", "万元"),
                ("three_public.reception", "0", "万元"),
            ],
        )
        .say("本年支出合计283.06万元", &[("expenditure.total", "283.06", "万元")])
        .say(
            "项目支出75.44万元，占20%",
            &[
                ("expenditure.project", "75.44", "万元"),
                ("expenditure.project.share_pct", "20", "%"),
            ],
        )
        .say(
            "收支总计283.06万元，与上年相比，变动-64.50万元，变动18%",
            &[
                ("totals.income_expenditure", "283.06", "万元"),
                ("totals.income_expenditure.yoy_change", "-64.50", "万元"),
                ("totals.income_expenditure.yoy_pct", "18", "%"),
            ],
        )
        .say(
            "一般公共预算财政拨款支出年初预算为6.84万元，支出决算为6.84万元，完成年初预算的13%",
            &[
                ("general_budget.expenditure.budget", "6.84", "万元"),
                ("general_budget.expenditure", "6.84", "万元"),
                ("general_budget.expenditure.completion_pct", "13", "%"),
            ],
        )
        .say("财政拨款0.3万元", &[("fiscal.total", "0.3", "万元")])
        .say("财政拨款2961.68万元", &[("fiscal.total", "2961.68", "万元")])
        .say("日常公用经费71.29万元", &[("general_budget.public", "71.29", "万元")])
        .say("机关运行经费支出90.00万元", &[("admin_operating_cost", "90.00", "万元")])
        .say("本年收入比上年增加（减少）5.00万元。", &[]);
    let tree = SectionTree::default();
    let info = DocumentInfo {
        fiscal_year: Some(2020),
        ..Default::default()
    };
    let input = ReconcileInput {
        facts: &doc.facts,
        text: &doc.text,
        sections: &tree,
        info: &info,
    };
    let pool = Pool::new(&doc.facts);
    let rules = RuleSet::builtin();
    let cx = Context {
        input: &input,
        pool: &pool,
        rules: &rules,
    };
    let mut spoke = std::collections::BTreeSet::new();
    for check in CHECKS {
        let mut found = Vec::new();
        check.run(&cx, &mut found);
        for f in &found {
            assert_eq!(f.kind, check.family(), "{f:#?}");
            assert!(
                f.rule.starts_with(&format!("{}.", check.family())),
                "{f:#?}"
            );
            spoke.insert(check.family());
        }
    }
    let families: std::collections::BTreeSet<_> = CHECKS.iter().map(|c| c.family()).collect();
    assert_eq!(spoke, families);
}
