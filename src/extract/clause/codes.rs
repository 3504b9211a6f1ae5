//! Functional-classification codes the document prints itself.
//!
//! The narrative names its lines (`法院（款）行政运行（项）`) without codes;
//! the document's own tables print them (`2040501 行政运行 17279.29`). A line
//! named in the narrative takes the code its table gives the same names: a
//! 类 the 3-digit code of its name, a 项 the 7-digit code whose name is the
//! 项's, under the 5-digit code of the 款, under the 类's code.

use std::collections::HashMap;

/// Name → codes printed before it, in the order found; and code → its first name.
#[derive(Debug, Default)]
pub struct CodeBook {
    by_name: HashMap<String, Vec<String>>,
    by_code: HashMap<String, String>,
}

impl CodeBook {
    pub fn new(text: &str) -> CodeBook {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        let mut by_code: HashMap<String, String> = HashMap::new();
        // A code printed before a name at the start of a line or cell:
        // `2040501行政运行`, `204 公共安全支出`, `\t20405\t法院`.
        for cell in text.split(['\n', '\t', '\x0c']) {
            let Some((code, name)) = coded_name(cell.trim_start_matches(' ')) else {
                continue;
            };
            by_code
                .entry(code.to_string())
                .or_insert_with(|| name.to_string());
            let codes = by_name.entry(name.to_string()).or_default();
            if !codes.iter().any(|c| c == code) {
                codes.push(code.to_string());
            }
        }
        CodeBook { by_name, by_code }
    }

    /// The name the document's table prints for `code`.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.by_code.get(code).map(String::as_str)
    }

    /// The 3-digit code of a class name (`公共安全支出`; also printed without 支出).
    pub fn class(&self, name: &str) -> Option<String> {
        let base = name.trim_end_matches("支出");
        [name.to_string(), base.to_string(), format!("{base}支出")]
            .iter()
            .filter_map(|n| self.by_name.get(n))
            .flatten()
            .find(|c| c.len() == 3)
            .cloned()
    }

    /// The code of a 款 (5 digits) under `class`, or of a 项 (7 digits) under that 款.
    pub fn item(&self, class: &str, kuan: &str, xiang: Option<&str>) -> Option<String> {
        let class_code = self.class(class)?;
        let kuan_code = self
            .by_name
            .get(kuan)?
            .iter()
            .find(|c| c.len() == 5 && c.starts_with(&class_code))?
            .clone();
        match xiang {
            None => Some(kuan_code),
            Some(x) => self
                .by_name
                .get(x)
                .into_iter()
                .flatten()
                .find(|c| c.len() == 7 && c.starts_with(&kuan_code))
                .cloned()
                .or_else(|| self.alike_under(&kuan_code, x)),
        }
    }

    /// The one 7-digit code under `kuan_code` whose table name is `name`
    /// written another way: its words swapped (`一般行政事务管理` for
    /// `一般行政管理事务`), `支出` added or left out, or up to two characters
    /// changed in a name of six or more (`未归口管理行政单位离退休费` for
    /// `未归口管理的行政单位离退休`).
    fn alike_under(&self, kuan_code: &str, name: &str) -> Option<String> {
        let mut found = self
            .by_code
            .iter()
            .filter(|(code, n)| code.len() == 7 && code.starts_with(kuan_code) && alike(name, n));
        let first = found.next()?;
        found.next().is_none().then(|| first.0.clone())
    }
}

/// `2040501行政运行17279.29` → (`2040501`, `行政运行`): a functional code
/// (3, 5 or 7 digits, starting with 2) and the Chinese name after it.
fn coded_name(cell: &str) -> Option<(&str, &str)> {
    let digits = cell.bytes().take_while(u8::is_ascii_digit).count();
    if !matches!(digits, 3 | 5 | 7) || !cell.starts_with('2') {
        return None;
    }
    let (code, rest) = cell.split_at(digits);
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let name_end = rest
        .char_indices()
        .find(|&(_, c)| !(is_han(c) || matches!(c, '（' | '）' | '(' | ')' | '、')))
        .map_or(rest.len(), |(i, _)| i);
    let name = &rest[..name_end];
    (name.chars().count() >= 2).then_some((code, name))
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Whether two names of a line are one name written two ways: the same
/// characters in another order, `支出` added or left out, or (six characters
/// or more) up to two characters changed.
pub fn alike(a: &str, b: &str) -> bool {
    let sorted = |s: &str| {
        let mut c: Vec<char> = s.trim_end_matches("支出").chars().collect();
        c.sort_unstable();
        c
    };
    a == b
        || sorted(a) == sorted(b)
        || a.chars().count() >= 6 && crate::normalize::edit_distance(a, b) <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_documents_own_table() {
        let book = CodeBook::new(
            "204公共安全支出27488.23\n20405法院27488.23\n2040501行政运行17279.29\n\
             2040502一般行政管理事务5804.83\n208 社会保障和就业支出 2355.65\n",
        );
        assert_eq!(book.class("公共安全支出").as_deref(), Some("204"));
        assert_eq!(book.class("社会保障和就业支出").as_deref(), Some("208"));
        assert_eq!(
            book.item("公共安全支出", "法院", Some("行政运行"))
                .as_deref(),
            Some("2040501")
        );
        assert_eq!(
            book.item("公共安全支出", "法院", None).as_deref(),
            Some("20405")
        );
        // A name the table does not print under that 款: no code.
        assert_eq!(book.item("公共安全支出", "法院", Some("机关服务")), None);
        // The narrative swaps the words of the table's name.
        assert_eq!(
            book.item("公共安全支出", "法院", Some("一般行政事务管理"))
                .as_deref(),
            Some("2040502")
        );
        assert_eq!(book.name("2040502"), Some("一般行政管理事务"));
        // Two characters changed: still the table's line when it is the only one so close.
        let book = CodeBook::new(
            "208社会保障和就业支出\n20805行政事业单位离退休\n2080504未归口管理的行政单位离退休\n",
        );
        assert_eq!(
            book.item(
                "社会保障和就业支出",
                "行政事业单位离退休",
                Some("未归口管理行政单位离退休费")
            )
            .as_deref(),
            Some("2080504")
        );
    }
}
