//! Functional-classification codes the document prints itself.
//!
//! The narrative names its lines (`法院（款）行政运行（项）`) without codes;
//! the document's own tables print them (`2040501 行政运行 17279.29`). A line
//! named in the narrative takes the code its table gives the same names: a
//! 类 the 3-digit code of its name, a 项 the 7-digit code whose name is the
//! 项's, under the 5-digit code of the 款, under the 类's code.

use crate::normalize::is_han;
use std::collections::HashMap;

/// Name → codes printed before it, in the order found; and code → its names
/// (the first is the one its row prints after it).
#[derive(Debug, Default)]
pub struct CodeBook {
    by_name: HashMap<String, Vec<String>>,
    by_code: HashMap<String, Vec<String>>,
}

impl CodeBook {
    pub fn new(text: &str) -> CodeBook {
        let mut book = CodeBook::default();
        let lines: Vec<&str> = text.split(['\n', '\x0c']).collect();
        // A code printed before a name at the start of a line or cell:
        // `2040501行政运行`, `204 公共安全支出`, `\t20405\t法院`.
        for line in &lines {
            for cell in line.split('\t') {
                if let Some((code, name)) = coded_name(cell.trim_start_matches(' ')) {
                    book.add(code, name);
                }
            }
        }
        // Then the names a PDF's table layout broke up (WORDING 8.5).
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start_matches(' ').starts_with('2') && i > 0 {
                let next = lines.get(i + 1).map_or("", |l| leading_han(l));
                if let Some((code, name)) = wrapped_name(line, trailing_han(lines[i - 1]), next) {
                    book.add(code, &name);
                }
            }
            for (code, name) in codes_inside(line) {
                book.add(code, name);
            }
        }
        book
    }

    fn add(&mut self, code: &str, name: &str) {
        let names = self.by_code.entry(code.to_string()).or_default();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        let codes = self.by_name.entry(name.to_string()).or_default();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    }

    /// The name the document's table prints for `code`.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.by_code
            .get(code)
            .and_then(|n| n.first())
            .map(String::as_str)
    }

    /// The table's name for `code` that is `own` written another way ([`alike`]).
    pub fn name_alike(&self, code: &str, own: &str) -> Option<&str> {
        self.by_code
            .get(code)?
            .iter()
            .find(|n| alike(own, n))
            .map(String::as_str)
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

    /// The one 项 code whose 款 and 项 names, run together, are `name`
    /// (`人大事务行政运行` for 20101 人大事务 and 2010101 行政运行): a narrative
    /// that names a 项 with its 款 and no `（款）` between them.
    pub fn joined_item(&self, name: &str) -> Option<&str> {
        let kuan_is = |code: &str, kuan: &str| {
            !kuan.is_empty()
                && self
                    .by_code
                    .get(&code[..5])
                    .is_some_and(|names| names.iter().any(|n| n == kuan))
        };
        let mut found = self.by_code.iter().filter(|(code, names)| {
            code.len() == 7
                && names.iter().any(|x| {
                    name.strip_suffix(x.as_str())
                        .is_some_and(|k| kuan_is(code, k))
                })
        });
        let first = found.next()?;
        found.next().is_none().then_some(first.0.as_str())
    }

    /// The one 7-digit code under `kuan_code` whose table name is `name`
    /// written another way: its words swapped (`一般行政事务管理` for
    /// `一般行政管理事务`), `支出` added or left out, or up to two characters
    /// changed in a name of six or more (`未归口管理行政单位离退休费` for
    /// `未归口管理的行政单位离退休`).
    fn alike_under(&self, kuan_code: &str, name: &str) -> Option<String> {
        let mut found = self.by_code.iter().filter(|(code, names)| {
            code.len() == 7 && code.starts_with(kuan_code) && names.iter().any(|n| alike(name, n))
        });
        let first = found.next()?;
        found.next().is_none().then(|| first.0.clone())
    }
}

/// `2040501行政运行17279.29` → (`2040501`, `行政运行`): a functional code
/// (3, 5 or 7 digits, starting with 2) and the Chinese name after it.
fn coded_name(cell: &str) -> Option<(&str, &str)> {
    let (code, name) = code_and_name(cell)?;
    (name.chars().count() >= 2).then_some((code, name))
}

/// A functional code at the start of `cell` and the name after it (maybe empty).
fn code_and_name(cell: &str) -> Option<(&str, &str)> {
    let digits = cell.bytes().take_while(u8::is_ascii_digit).count();
    if !matches!(digits, 3 | 5 | 7) || !cell.starts_with('2') {
        return None;
    }
    let (code, rest) = cell.split_at(digits);
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    Some((code, leading_han(rest)))
}

/// The name characters `s` starts with.
fn leading_han(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// The name characters `s` ends with.
fn trailing_han(s: &str) -> &str {
    let start = s
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_name_char(c))
        .last()
        .map_or(s.len(), |(i, _)| i);
    &s[start..]
}

fn is_name_char(c: char) -> bool {
    is_han(c) || matches!(c, '（' | '）' | '(' | ')' | '、')
}

/// A row whose name cell wrapped around its code (WORDING 8.5): the name's
/// first part ends the line before, the rest follows the code, or, when
/// nothing does, starts the line after —
/// `行政事业单位养老支\n20805出13465.06`, `…256.76机关事业单位基本养老保险缴费支\n2080505 580.01\n出2080506…`.
fn wrapped_name<'l>(line: &'l str, before: &str, next: &str) -> Option<(&'l str, String)> {
    let (code, after) = code_and_name(line.trim_start_matches(' '))?;
    if before.is_empty() {
        return None;
    }
    let name = if after.is_empty() {
        format!("{before}{next}")
    } else {
        format!("{before}{after}")
    };
    (name.chars().count() >= 4).then_some((code, name))
}

/// Codes a layout ran into the line after the previous cell's name (`出2080506机关事业单位职业年金缴费支出232.01`):
/// a 5- or 7-digit code right after a Chinese character, with a name of
/// four characters or more that a figure or the line's end follows.
fn codes_inside(line: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices('2') {
        if !line[..i].chars().next_back().is_some_and(is_han) {
            continue;
        }
        let Some((code, name)) = code_and_name(&line[i..]) else {
            continue;
        };
        let rest = &line[i + code.len()..];
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let tail = rest[name.len()..].trim_start_matches(' ');
        if code.len() >= 5
            && name.chars().count() >= 4
            && tail.chars().next().is_none_or(|c| c.is_ascii_digit())
        {
            out.push((code, name));
        }
    }
    out
}

/// Whether two names of a line are one name written two ways: the same
/// characters in another order, `支出` added or left out, or (six characters
/// or more) up to two characters changed besides (`机关事业单位职业年金` for
/// `机关事业单位职业年金缴费支出`, `…基本养老保险费` for `…基本养老保险缴费支出`).
pub fn alike(a: &str, b: &str) -> bool {
    let bare = |s: &str| s.trim_end_matches("支出").to_string();
    let sorted = |s: &str| {
        let mut c: Vec<char> = bare(s).chars().collect();
        c.sort_unstable();
        c
    };
    a == b
        || sorted(a) == sorted(b)
        || a.chars().count() >= 6 && crate::normalize::edit_distance(&bare(a), &bare(b)) <= 2
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
        // The narrative's short name: the table's `缴费支出` left out.
        let book = CodeBook::new(
            "208社会保障和就业支出\n20805行政事业单位养老支出\n2080505机关事业单位基本养老保险缴费支出\n\
             2080506机关事业单位职业年金缴费支出\n",
        );
        for (short, code) in [
            ("机关事业单位职业年金", "2080506"),
            ("机关事业单位基本养老保险费", "2080505"),
        ] {
            assert_eq!(
                book.item("社会保障和就业支出", "行政事业单位养老支出", Some(short))
                    .as_deref(),
                Some(code),
                "{short}"
            );
        }
    }

    #[test]
    fn names_a_table_layout_wrapped_around_their_code() {
        // The name's first part on the line before, the rest after the code.
        let book = CodeBook::new(
            "210卫生健康支出120.50 118.00\n卫生健康管理事\n21001务120.50 118.00\n\
             机关单位基本医疗\n2100101保险缴费支出80.25 79.00\n",
        );
        assert_eq!(book.name("21001"), Some("卫生健康管理事务"));
        assert_eq!(
            book.item(
                "卫生健康支出",
                "卫生健康管理事务",
                Some("机关单位基本医疗保险缴费支出")
            )
            .as_deref(),
            Some("2100101")
        );
        // The first part ends the line before, after another row's figure;
        // the code's line holds only figures, the rest starts the next line,
        // where the next row's code follows it.
        let book = CodeBook::new(
            "213农林水支出300.00\n21301农业农村300.00\n\
             2130101行政运行120.00农村道路建设补\n2130102 100.00\n助2130103病虫害防治经费80.00\n",
        );
        assert_eq!(book.name("2130102"), Some("农村道路建设补助"));
        assert_eq!(book.name("2130103"), Some("病虫害防治经费"));
        assert_eq!(
            book.item("农林水支出", "农业农村", Some("病虫害防治经费"))
                .as_deref(),
            Some("2130103")
        );
        // A 项 named with its 款 run into it, no 款 marker between.
        let book = CodeBook::new(
            "201一般公共服务支出\n20101人大事务\n2010101行政运行\n2010102一般行政管理事务\n",
        );
        assert_eq!(book.joined_item("人大事务行政运行"), Some("2010101"));
        assert_eq!(book.joined_item("行政运行"), None);
        assert_eq!(book.joined_item("政协事务行政运行"), None);
        // An amount in prose after a word is no code.
        let book = CodeBook::new("本年收入2345678元以上\n");
        assert_eq!(book.name("2345678"), None);
    }
}
