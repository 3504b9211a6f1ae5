//! Section tree: headings (第X部分 / 一、/（一）/ 1. / （1）/ ①) with levels,
//! canonical kinds and the text each governs, plus the table of contents.
//!
//! Real reports misnumber (`1、` where `一、` belongs, `9、` after `八、`,
//! `第3部分`), break headings over two lines and open with a table of contents
//! that repeats every heading; the builder is tolerant of all of these.

use std::ops::Range;

/// One heading and the text it governs.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub parent: Option<usize>,
    /// 1 = 第X部分, 2 = 一、, 3 = （一）, 4 = 1. / 1、, 5 = （1）, 6 = ①.
    pub level: u8,
    /// The ordinal as printed, converted to a number, where there is one.
    pub number: Option<u32>,
    /// Heading text without its ordinal, normalized spacing.
    pub title: String,
    /// Canonical kind from the title (`income`, `three_public` …), `other` when unknown;
    /// the kinds are listed in `patterns/sections.toml`.
    pub kind: String,
    /// Byte range of the heading line in the document text.
    pub heading: Range<usize>,
    /// Byte range from the heading to the next heading of the same or a higher level.
    pub body: Range<usize>,
}

/// One line of the table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub title: String,
    pub kind: String,
    pub page: Option<u32>,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionTree {
    /// Sections in document order; a parent always comes before its children.
    pub sections: Vec<Section>,
    pub toc: Vec<TocEntry>,
}

impl SectionTree {
    /// Index of the innermost section whose body holds byte offset `at`.
    pub fn innermost_at(&self, at: usize) -> Option<usize> {
        // Sections are in document order: the last one starting at or before
        // `at` that still holds it (a later sibling has ended before `at`).
        let started = self.sections.partition_point(|s| s.body.start <= at);
        (0..started)
            .rev()
            .find(|&i| self.sections[i].body.contains(&at))
    }

    /// Sections from innermost to outermost holding `at`.
    pub fn chain_at(&self, at: usize) -> Vec<&Section> {
        let mut out = Vec::new();
        let mut cur = self.innermost_at(at);
        while let Some(i) = cur {
            out.push(&self.sections[i]);
            cur = self.sections[i].parent;
        }
        out
    }
}

/// Section kinds recognised from titles, loaded from `patterns/sections.toml`.
#[derive(Debug, Clone)]
pub struct KindTable {
    kinds: Vec<KindRule>,
    /// Every kind's words, and where each kind's `any` and `not` words sit
    /// in that set: a title is asked about all of them at once.
    words: crate::phrase_set::PhraseSet,
    slots: Vec<(Vec<usize>, Vec<usize>)>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct KindRule {
    name: String,
    any: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
}

#[derive(serde::Deserialize)]
struct KindFile {
    kind: Vec<KindRule>,
}

pub const BUILTIN_KINDS: &str = crate::config::SECTIONS_TOML;

impl KindTable {
    pub fn builtin() -> KindTable {
        KindTable::from_toml(BUILTIN_KINDS).expect("built-in sections.toml parses")
    }

    pub fn from_toml(text: &str) -> Result<KindTable, toml::de::Error> {
        let file: KindFile = toml::from_str(text)?;
        let all = file
            .kind
            .iter()
            .flat_map(|k| k.any.iter().chain(&k.not).map(String::as_str));
        let (words, flat) = crate::phrase_set::PhraseSet::new(all);
        let mut rest = flat.into_iter();
        let mut next = |n: usize| rest.by_ref().take(n).collect::<Vec<usize>>();
        let slots = file
            .kind
            .iter()
            .map(|k| (next(k.any.len()), next(k.not.len())))
            .collect();
        Ok(KindTable {
            kinds: file.kind,
            words,
            slots,
        })
    }

    /// The canonical kind of a heading title; `other` when none matches.
    pub fn kind_of(&self, title: &str) -> &str {
        let compact: String = title.chars().filter(|c| !c.is_whitespace()).collect();
        let held = self.words.held(&compact);
        for (k, (any, not)) in self.kinds.iter().zip(&self.slots) {
            if any.iter().any(|&w| held[w]) && !not.iter().any(|&w| held[w]) {
                return &k.name;
            }
        }
        "other"
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(|k| k.name.as_str())
    }
}

/// A heading candidate found on one line.
struct Heading {
    level: u8,
    number: Option<u32>,
    /// The marker style: a promoted `1、` keeps its style for sibling checks.
    digit_marker: bool,
    title: String,
    line: Range<usize>,
}

/// Build the section tree of a normalized text.
pub fn build(text: &str, kinds: &KindTable) -> SectionTree {
    let lines = line_ranges(text);
    let mut tree = SectionTree::default();
    let toc_lines = find_toc(text, &lines, kinds, &mut tree);

    let toc_titles: Vec<(String, u8)> = tree
        .toc
        .iter()
        .map(|t| {
            (
                t.title
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>(),
                if t.level == 0 { 2 } else { t.level },
            )
        })
        .filter(|(t, _)| t.chars().count() >= 4)
        .collect();
    let mut headings: Vec<Heading> = Vec::new();
    let mut skip_next = false;
    for (idx, r) in lines.iter().enumerate() {
        if toc_lines.contains(&idx) || std::mem::take(&mut skip_next) {
            continue;
        }
        let line = &text[r.clone()];
        let next = &text[lines.get(idx + 1).cloned().unwrap_or(0..0)];
        if let Some(h) = parse_heading(line, r.clone(), next) {
            skip_next = h.level == 1
                && crate::normalize::heading_marker_len(line.trim())
                    .is_some_and(|m| line.trim()[m..].trim().is_empty());
            headings.push(h);
        } else if let Some(level) = toc_title_heading(line, &toc_titles) {
            headings.push(Heading {
                level,
                number: None,
                digit_marker: false,
                title: line.trim().to_string(),
                line: r.clone(),
            });
        }
    }
    repair_numbering(&mut headings, kinds);
    drop_table_row_labels(&mut headings, kinds);

    // Parent links by a stack of open sections; bodies end at the next
    // heading of the same or a higher level.
    let mut stack: Vec<usize> = Vec::new();
    for h in headings {
        while let Some(&top) = stack.last() {
            if tree.sections[top].level >= h.level {
                let s = &mut tree.sections[top];
                s.body.end = h.line.start;
                stack.pop();
            } else {
                break;
            }
        }
        let kind = kinds.kind_of(&h.title).to_string();
        tree.sections.push(Section {
            parent: stack.last().copied(),
            level: h.level,
            number: h.number,
            title: h.title,
            kind,
            heading: h.line.clone(),
            body: h.line.start..text.len(),
        });
        stack.push(tree.sections.len() - 1);
    }
    tree
}

/// An unnumbered line that repeats a table-of-contents title is that heading
/// (`2026年部门预算编制说明` for `四、部门预算编制说明`).
fn toc_title_heading(line: &str, toc_titles: &[(String, u8)]) -> Option<u8> {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() || compact.chars().count() > 40 || compact.contains(['。', '；', '，'])
    {
        return None;
    }
    toc_titles
        .iter()
        .find(|(t, _)| compact.ends_with(t.as_str()))
        .map(|(_, l)| *l)
}

fn line_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' || b == b'\x0c' {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..text.len());
    out
}

/// A bare amount (no unit after it) or a second ordinal on the line: a row
/// of a 附表 read as text (`一、一般公共预算财政拨款收入2940.05一、一般公共服务支出…`).
fn looks_like_table_row(rest: &str) -> bool {
    BARE_AMOUNT.is_match(rest)
}

/// A number followed by an amount, share or count unit.
fn states_a_figure(title: &str) -> bool {
    FIGURE.is_match(title)
}

static BARE_AMOUNT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"[0-9]\.[0-9]+(?:[^0-9.万元亿%]|$)|[\t ][0-9]+(?:\.[0-9]+)?(?:[\t ]|$)|[一二三四五六七八九十]+、")
        .expect("table row regex")
});
static FIGURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::ascii_regex::ascii_regex(r"[0-9](?:[0-9,.]*[0-9])?\s?(?:万元|亿元|元|%|％|辆|人次|批次)")
        .expect("figure regex")
});

/// Build this stage's regexes now: while a document is read, so that its
/// sections need not wait for them.
pub fn warm_up() {
    std::sync::LazyLock::force(&BARE_AMOUNT);
    std::sync::LazyLock::force(&FIGURE);
}

fn has_long_digit_run(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 5 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

fn cn_number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .find(c)
            .map(|i| (i / 3) as u32)
            .or(if c == '〇' {
                Some(0)
            } else if c == '两' {
                Some(2)
            } else {
                None
            })
    };
    let mut total = 0;
    let mut cur = 0;
    for c in s.chars() {
        match c {
            '十' => {
                total += if cur == 0 { 10 } else { cur * 10 };
                cur = 0;
            }
            '百' => {
                total += cur * 100;
                cur = 0;
            }
            _ => cur = digit(c)?,
        }
    }
    Some(total + cur)
}

/// Parse a heading marker and title from one line; the next line completes a
/// marker that stands alone (`第一部分` / `部门概况`).
fn parse_heading(line: &str, range: Range<usize>, next_line: &str) -> Option<Heading> {
    let trimmed = line.trim_start();
    let offset = line.len() - trimmed.len();
    let marker_len = crate::normalize::heading_marker_len(trimmed)?;
    let marker = &trimmed[..marker_len];
    let rest = trimmed[marker_len..].trim();
    let inner: String = marker
        .chars()
        .filter(|c| c.is_ascii_digit() || "零一二三四五六七八九十百〇两".contains(*c))
        .collect();
    let number = cn_number(&inner);
    let digits = inner.chars().all(|c| c.is_ascii_digit());
    let level = if marker.starts_with('第') {
        1
    } else if marker.starts_with('（') || marker.starts_with('(') {
        if digits {
            5
        } else {
            3
        }
    } else if ('①'..='⑳').contains(&marker.chars().next()?) {
        6
    } else if digits {
        4
    } else {
        2
    };
    let mut title = rest.to_string();
    if title.is_empty() && level == 1 {
        title = next_line.trim().to_string();
    }
    // A heading that runs into its text ends at the first sentence mark.
    if let Some(cut) = title.find(['。', '：', ':', '；']) {
        title.truncate(cut);
    }
    let title = title.trim_end_matches(['，', ',']).to_string();
    if title.is_empty() && level != 1 {
        return None;
    }
    // A body line that merely starts with a number ("2020年度…") is not a
    // heading, nor is a table row with its amounts ("一、财政拨款收入 47483458").
    // A numbered line that states a figure (`1.市公安局“三公”经费年初预算680.00万元，…`)
    // is an item of a list in the text, not a heading over it.
    if level == 4 && title.chars().count() > 60
        || level >= 4 && states_a_figure(&title)
        || has_long_digit_run(rest)
        || looks_like_table_row(rest)
    {
        return None;
    }
    Some(Heading {
        level,
        number,
        digit_marker: digits,
        title,
        line: range.start + offset..range.end,
    })
}

/// Inside a part that holds the 附表 (`第二部分 …部门决算表`), an ordinal line
/// is a table row label (`十一、节能环保支出`) unless it names a table.
fn drop_table_row_labels(headings: &mut Vec<Heading>, kinds: &KindTable) {
    let mut in_tables = false;
    headings.retain(|h| {
        if h.level == 1 {
            in_tables = kinds.kind_of(&h.title) == "tables";
            return true;
        }
        !in_tables || h.title.ends_with('表') || h.title.contains("表（") || h.title.contains("表(")
    });
}

/// Promote a `1、`/`9、` heading to level 2 where it stands in the `一、 二、`
/// sequence and its title names a known section (the Panzhihua misnumbering).
fn repair_numbering(headings: &mut [Heading], kinds: &KindTable) {
    for i in 0..headings.len() {
        if headings[i].level != 4 || !headings[i].digit_marker {
            continue;
        }
        let Some(n) = headings[i].number else {
            continue;
        };
        if kinds.kind_of(&headings[i].title) == "other"
            || !headings[i].title.ends_with("说明") && !headings[i].title.ends_with("情况")
        {
            continue;
        }
        let prev = headings[..i]
            .iter()
            .rev()
            .take_while(|h| h.level > 1)
            .find(|h| h.level == 2)
            .and_then(|h| h.number);
        let next = headings[i + 1..]
            .iter()
            .take_while(|h| h.level > 1)
            .find(|h| h.level == 2)
            .and_then(|h| h.number);
        let fits = match (prev, next) {
            (Some(p), _) if p + 1 == n => true,
            (_, Some(q)) if n + 1 == q => true,
            _ => false,
        };
        if fits {
            headings[i].level = 2;
        }
    }
}

/// Find the table of contents: the lines after a 目录 heading that list
/// headings (with or without page numbers, dot leaders or PAGEREF codes), up
/// to where the body repeats the first entry; elsewhere, lines with dot
/// leaders and a page number. Returns the line indices that belong to it.
fn find_toc(
    text: &str,
    lines: &[Range<usize>],
    kinds: &KindTable,
    tree: &mut SectionTree,
) -> std::collections::HashSet<usize> {
    let mut toc = std::collections::HashSet::new();
    let is_leader_line = |l: &str| {
        l.contains("……") || l.contains("....") || l.contains("PAGEREF") || l.contains("·····")
    };
    let page_only = |l: &str| {
        let t = l.trim();
        !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit())
    };
    let mut i = 0;
    while i < lines.len() {
        let line = text[lines[i].clone()].trim();
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let split_opener = compact == "目"
            && lines[i + 1..]
                .iter()
                .map(|r| text[r.clone()].trim())
                .find(|l| !l.is_empty())
                == Some("录");
        let opens = compact.ends_with("目录") || split_opener;
        if !opens {
            if is_leader_line(line) && crate::normalize::heading_marker_len(line).is_some() {
                let (entry, page) = split_toc_entry(line);
                let marker = crate::normalize::heading_marker_len(&entry).unwrap_or(0);
                let title = entry[marker..].trim().to_string();
                tree.toc.push(TocEntry {
                    level: toc_level(&entry[..marker]),
                    kind: kinds.kind_of(&title).to_string(),
                    title,
                    page,
                    span: lines[i].clone(),
                });
                toc.insert(i);
            }
            i += 1;
            continue;
        }
        toc.insert(i);
        let mut first_entry: Option<String> = None;
        let mut j = i + 1;
        while j < lines.len() {
            let raw = text[lines[j].clone()].trim();
            if raw.is_empty() || page_only(raw) || raw.starts_with("公开时间") || raw == "录" {
                toc.insert(j);
                j += 1;
                continue;
            }
            let (entry, page) = split_toc_entry(raw);
            let is_heading = crate::normalize::heading_marker_len(&entry).is_some()
                || entry.starts_with("附件")
                || entry.starts_with("附表");
            let is_entry = is_leader_line(raw)
                || (is_heading && !entry.contains('。') && entry.chars().count() <= 50);
            if !is_entry {
                break;
            }
            let key: String = entry.chars().filter(|c| !c.is_whitespace()).collect();
            match &first_entry {
                None => first_entry = Some(key.clone()),
                Some(f)
                    if !is_leader_line(raw)
                        && page.is_none()
                        && (f == &key || f.starts_with(&key) && key.starts_with('第'))
                        && next_is_not_page(text, lines, j) =>
                {
                    break
                }
                _ => {}
            }
            let page = page.or_else(|| {
                lines
                    .get(j + 1)
                    .and_then(|r| text[r.clone()].trim().parse::<u32>().ok())
            });
            let marker = crate::normalize::heading_marker_len(&entry).unwrap_or(0);
            let title = entry[marker..].trim().to_string();
            let level = toc_level(&entry[..marker]);
            tree.toc.push(TocEntry {
                level,
                kind: kinds.kind_of(&title).to_string(),
                title,
                page,
                span: lines[j].clone(),
            });
            toc.insert(j);
            j += 1;
        }
        i = j;
    }
    toc
}

fn next_is_not_page(text: &str, lines: &[Range<usize>], j: usize) -> bool {
    lines
        .get(j + 1)
        .map(|r| text[r.clone()].trim().parse::<u32>().is_err())
        .unwrap_or(true)
}

fn toc_level(marker: &str) -> u8 {
    if marker.starts_with('第') {
        1
    } else if marker.starts_with('（') || marker.starts_with('(') {
        3
    } else if marker.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        4
    } else if marker.is_empty() {
        0
    } else {
        2
    }
}

/// Split `一、收入 ……… 12` into the entry text and its page number.
fn split_toc_entry(line: &str) -> (String, Option<u32>) {
    let cut = line
        .find("……")
        .or_else(|| line.find("...."))
        .or_else(|| line.find("·····"))
        .or_else(|| line.find("PAGEREF"));
    let (entry, tail) = match cut {
        Some(c) => (&line[..c], &line[c..]),
        None => (line, ""),
    };
    let mut entry = entry.trim().to_string();
    let mut page = None;
    let digits: String = tail
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if !digits.is_empty() && digits.len() <= 4 {
        page = digits.parse().ok();
    }
    if cut.is_none() {
        // "一、收入支出决算总表 6": a trailing page number after a space.
        if let Some((head, last)) = entry.rsplit_once(' ') {
            if last.len() <= 4 && last.chars().all(|c| c.is_ascii_digit()) {
                page = last.parse().ok();
                entry = head.trim().to_string();
            }
        }
    }
    (entry, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> SectionTree {
        build(text, &KindTable::builtin())
    }

    #[test]
    fn levels_and_kinds() {
        let t = tree("第二部分 2020年度部门决算情况说明\n一、收入支出决算总体情况说明\n2020年度收、支总计283.06万元。\n二、收入决算情况说明\n本年收入合计283.06万元。\n（一）机关运行经费支出情况\n1.因公出国（境）经费支出0万元。");
        let titles: Vec<(u8, &str, &str)> = t
            .sections
            .iter()
            .map(|s| (s.level, s.title.as_str(), s.kind.as_str()))
            .collect();
        assert_eq!(titles[0], (1, "2020年度部门决算情况说明", "other"));
        assert_eq!(titles[1], (2, "收入支出决算总体情况说明", "overview"));
        assert_eq!(titles[2], (2, "收入决算情况说明", "income"));
        assert_eq!(
            titles[3],
            (3, "机关运行经费支出情况", "admin_operating_cost")
        );
        // `1.因公出国（境）经费支出0万元。` states a figure: a list item, not a heading.
        assert_eq!(titles.len(), 4);
        assert_eq!(t.sections[2].parent, Some(0));
    }

    #[test]
    fn misnumbered_headings_are_promoted() {
        let t = tree("第二部分 情况说明\n1、 收入支出决算总体情况说明\n正文。\n二、收入决算情况说明\n正文。\n八、政府性基金预算支出决算情况说明\n正文。\n9、 国有资本经营预算支出决算情况说明\n正文。\n十、其他重要事项的情况说明");
        let levels: Vec<u8> = t.sections.iter().map(|s| s.level).collect();
        assert_eq!(levels, vec![1, 2, 2, 2, 2, 2]);
        assert_eq!(t.sections[4].kind, "state_capital");
    }

    #[test]
    fn table_of_contents_is_not_content() {
        let text = "目录\n第一部分 部门概况\n4\n一、基本职能\n4\n第二部分 情况说明\n11\n第一部分 部门概况\n一、基本职能\n正文。";
        let t = tree(text);
        assert_eq!(t.toc.len(), 3);
        assert_eq!(t.toc[0].page, Some(4));
        assert_eq!(t.sections.len(), 2);
        assert_eq!(t.sections[0].title, "部门概况");
        assert!(t.sections[0].heading.start > text.find("第二部分").unwrap());
    }

    #[test]
    fn dot_leader_toc() {
        let t = tree("目 录\n一、部门主要职能 ……………… 3\n二、部门机构设置 ………………\n部门主要职能\n正文。\n一、收入预算\n正文");
        assert_eq!(t.toc.len(), 2);
        assert_eq!(t.toc[0].page, Some(3));
        // The unnumbered line repeating a TOC title is that heading.
        let titles: Vec<&str> = t.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, vec!["部门主要职能", "收入预算"]);
    }

    #[test]
    fn chinese_numbers() {
        assert_eq!(cn_number("十一"), Some(11));
        assert_eq!(cn_number("二十"), Some(20));
        assert_eq!(cn_number("九"), Some(9));
        assert_eq!(cn_number("12"), Some(12));
    }
}
