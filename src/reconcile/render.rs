//! Findings for a person: grouped by severity, each with its quoted sentences side by side.

use crate::report::{Finding, Severity};

const RESET: &str = "\x1b[0m";

fn heading(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("错误 / errors", "\x1b[1;31m"),
        Severity::Warning => ("警告 / warnings", "\x1b[1;33m"),
        Severity::Info => ("提示（四舍五入等） / notes (rounding etc.)", "\x1b[1;36m"),
    }
}

/// Text for `caizheng check`: errors, then warnings, then notes; every finding with its
/// message in Chinese and English and the quoted facts it rests on.
pub fn render_human(findings: &[Finding], color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("未发现不一致之处 / no inconsistency found\n");
        return out;
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let (title, code) = heading(severity);
        out.push_str(&paint(code, &format!("== {title} ({}) ==", group.len())));
        out.push('\n');
        for f in group {
            out.push_str(&format!("[{}] {}\n", paint("\x1b[1m", &f.rule), f.message));
            out.push_str(&format!("    {}\n", f.message_en));
            let width = f
                .facts
                .iter()
                .map(|e| place(e).chars().count())
                .max()
                .unwrap_or(0);
            for e in &f.facts {
                let p = place(e);
                let pad = " ".repeat(width.saturating_sub(p.chars().count()));
                out.push_str(&format!(
                    "    {p}{pad} │ {} = {} │ «{}»\n",
                    e.key,
                    paint("\x1b[1m", &e.value),
                    e.text.replace('\n', " ")
                ));
            }
        }
        out.push('\n');
    }
    out
}

fn place(e: &crate::report::Evidence) -> String {
    let mut s = String::new();
    if let Some(p) = e.page {
        s.push_str(&format!("p{p}"));
    }
    if let Some(sec) = &e.section {
        if !s.is_empty() {
            s.push(' ');
        }
        let short: String = sec.chars().take(16).collect();
        s.push_str(&short);
    }
    if s.is_empty() {
        s.push_str(&format!("@{}", e.span[0]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Evidence;

    fn finding(severity: Severity, rule: &str) -> Finding {
        Finding {
            rule: rule.into(),
            kind: "sum".into(),
            severity,
            message: "消息".into(),
            message_en: "message".into(),
            values: vec!["1.00".into()],
            expected: None,
            actual: None,
            difference: None,
            facts: vec![Evidence {
                key: "income.total".into(),
                value: "1.00".into(),
                label: None,
                page: Some(3),
                section: Some("一、收入".into()),
                text: "本年收入合计1.00万元".into(),
                span: [0, 10],
            }],
        }
    }

    #[test]
    fn groups_by_severity_errors_first() {
        let text = render_human(
            &[
                finding(Severity::Info, "b.rule"),
                finding(Severity::Error, "a.rule"),
            ],
            false,
        );
        let err = text.find("errors").unwrap();
        let note = text.find("notes").unwrap();
        assert!(err < note);
        assert!(text.contains("«本年收入合计1.00万元»"));
        assert!(text.contains("p3 一、收入"));
        assert!(!text.contains('\x1b'));
        assert!(render_human(&[finding(Severity::Warning, "c")], true).contains('\x1b'));
    }
}
