//! Subjects named in the text: terms of the lexicon (`公务接待费`), and
//! functional-classification lines (`公共安全（类）支出`, `法院（款）行政运行（项）`,
//! `小学教育（2050202）`), each resolved to a key where it stands.

use super::codes::CodeBook;
use super::lexicon::{Cue, Cues, NameHit};
use super::{ClauseInput, Subject};
use crate::sections::Section;
use std::collections::BTreeMap;

/// A subject named in the text: a term's name, or a class or item line.
pub(super) struct Mention {
    pub start: usize,
    pub end: usize,
    /// The name's index in [`ClauseInput::names`] (None for a line).
    pub name: Option<usize>,
    pub line: Option<Line>,
}

impl Mention {
    /// The terms of a name (none for a line).
    pub fn terms_of<'i>(&self, input: &ClauseInput<'i>) -> &'i [usize] {
        self.name.map_or(&[], |i| &input.names[i].terms[..])
    }
}

/// A functional-classification line named in the text.
pub(super) struct Line {
    item: bool,
    class: Option<String>,
    kuan: Option<String>,
    xiang: Option<String>,
    /// The code printed with the line's name (`小学教育（2050202）`).
    code: Option<String>,
}

/// Every subject named in the text, in order; a name inside a line is the line's.
pub(super) fn mentions(text: &str, cues: &Cues, names: &[NameHit]) -> Vec<Mention> {
    let mut lines: Vec<Mention> = Vec::new();
    // start → end of the lines found so far (they never overlap).
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let overlaps = |taken: &BTreeMap<usize, usize>, start: usize, end: usize| {
        taken
            .range(..end)
            .next_back()
            .is_some_and(|(_, &e)| e > start)
    };
    let group = |c: &regex::Captures, g: &str| {
        c.name(g).map(|m| {
            m.as_str()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        })
    };
    // Where each kind's marker words stand, in one pass.
    let mut marked: [Vec<(usize, usize)>; 3] = Default::default();
    for m in MARKERS.find_iter(text) {
        marked[MARKER_KINDS[m.pattern().as_usize()]].push((m.start(), m.end()));
    }
    for (cue, marks) in [
        (&cues.coded_line, Some(&marked[0])),
        (&cues.item_line, Some(&marked[1])),
        (&cues.kuan_line, Some(&marked[2])),
        // A class line starts with a class name, a literal: the whole text is
        // searched faster than the many pieces that hold `支出`.
        (&cues.class_line, None),
    ] {
        let found: Vec<(usize, regex::Captures)> = match (marks, cue.get()) {
            (Some(marks), _) => line_matches(text, cue, marks),
            (None, Some(regex)) => regex.captures_iter(text).map(|c| (0, c)).collect(),
            (None, None) => continue,
        };
        for (offset, c) in found {
            let whole = c.get(0).expect("group 0");
            let whole = offset + whole.start()..offset + whole.end();
            let whole_text = &text[whole.clone()];
            // `生均教育支出`: a figure per student, not the class's (WORDING 5.5).
            let before = text[..whole.start].trim_end();
            if overlaps(&taken, whole.start, whole.end)
                || before.ends_with("生均")
                || before.ends_with("人均")
            {
                continue;
            }
            taken.insert(whole.start, whole.end);
            let code = group(&c, "code");
            let line = match &code {
                Some(code) => Line {
                    item: code.len() > 3,
                    class: (code.len() == 3).then(|| group(&c, "name")).flatten(),
                    kuan: None,
                    xiang: (code.len() > 3).then(|| group(&c, "name")).flatten(),
                    code: Some(code.clone()),
                },
                None => Line {
                    item: c.name("kuan").is_some() || c.name("xiang").is_some(),
                    class: group(&c, "class"),
                    kuan: group(&c, "kuan"),
                    xiang: group(&c, "xiang"),
                    code: None,
                },
            };
            // `\s?` before a line's first part may take the line break before it.
            let lead = whole_text.len() - whole_text.trim_start().len();
            lines.push(Mention {
                start: whole.start + lead,
                end: whole.end,
                name: None,
                line: Some(line),
            });
        }
    }
    // A name inside 《…》 is the title of a cited table or document
    // (《财政拨款支出预算表》), not the subject of a figure.
    let cited = cited_titles(text);
    let in_cited = |at: usize| {
        let i = cited.partition_point(|&(s, _)| s <= at);
        i > 0 && at < cited[i - 1].1
    };
    let mut out: Vec<Mention> = names
        .iter()
        .enumerate()
        .filter(|(_, h)| !overlaps(&taken, h.start, h.end) && !in_cited(h.start))
        .map(|(i, h)| Mention {
            start: h.start,
            end: h.end,
            name: Some(i),
            line: None,
        })
        .collect();
    out.extend(lines);
    out.sort_by_key(|m| m.start);
    out
}

/// Byte ranges inside `《` … `》` (at most 80 bytes apart: a title, not a
/// stray bracket), in order.
fn cited_titles(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('《').map(|i| from + i) {
        let body = open + '《'.len_utf8();
        match text[body..].find('》') {
            Some(len) if len <= 80 && !text[body..body + len].contains('\n') => {
                out.push((body, body + len));
                from = body + len;
            }
            _ => from = body,
        }
    }
    out
}

/// Literal words every match of a line regex holds (see [`line_matches`]),
/// and whose they are: coded, item and 款 lines, in that order.
static MARKERS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(MARKER_WORDS).expect("marker words")
});
const MARKER_WORDS: [&str; 6] = ["（2", "(2", "（项）", "(项)", "（款）", "(款)"];
const MARKER_KINDS: [usize; 6] = [0, 0, 1, 1, 2, 2];

/// The matches of a line regex, as (offset in `text`, captures). A line's
/// parts hold no `，。；：` nor line break, so the regex runs only on the
/// pieces between those that hold one of its markers: a few short strings
/// instead of the whole text, where its optional parts made the search slow.
/// A text without a marker never builds the regex.
fn line_matches<'t>(
    text: &'t str,
    cue: &'t Cue,
    marks: &[(usize, usize)],
) -> Vec<(usize, regex::Captures<'t>)> {
    let is_break = |c: char| {
        matches!(
            c,
            '\n' | '\x0c' | '。' | '；' | ';' | '，' | ',' | '：' | ':'
        )
    };
    let mut out = Vec::new();
    let mut done = 0;
    for &(m_start, m_end) in marks {
        if m_start < done {
            continue;
        }
        let start = text[..m_start].rfind(is_break).map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
        let end = text[m_end..]
            .find(is_break)
            .map_or(text.len(), |i| m_end + i);
        let Some(regex) = cue.get() else {
            return out;
        };
        out.extend(regex.captures_iter(&text[start..end]).map(|c| (start, c)));
        done = end;
    }
    out
}

/// The sections around a place, innermost first; kept while the places
/// asked for stay in one section (a list, not one per name).
#[derive(Default)]
pub(super) struct Chains<'t> {
    innermost: Option<Option<usize>>,
    chain: Vec<&'t Section>,
}

impl<'t> Chains<'t> {
    pub fn at(&mut self, tree: &'t crate::sections::SectionTree, at: usize) -> &[&'t Section] {
        let innermost = tree.innermost_at(at);
        if self.innermost != Some(innermost) {
            self.innermost = Some(innermost);
            self.chain.clear();
            let mut cur = innermost;
            while let Some(i) = cur {
                self.chain.push(&tree.sections[i]);
                cur = tree.sections[i].parent;
            }
        }
        &self.chain
    }
}

/// The class and 款 of the last lines named: those of the 项 lines after them.
#[derive(Debug, Default)]
pub(super) struct LineContext {
    pub class: Option<String>,
    pub kuan: Option<String>,
    /// The titled section the class was named in (its heading's start): a
    /// 项 line in another part of the document is not under that class.
    class_scope: Option<usize>,
}

impl LineContext {
    fn set_class(&mut self, class: String, chain: &[&Section]) {
        self.class = Some(class);
        self.class_scope = titled_scope(chain);
    }

    /// The last class named, where it still applies at a place with `chain`.
    fn class_at(&self, chain: &[&Section]) -> Option<String> {
        let applies = match self.class_scope {
            None => true,
            Some(at) => chain.iter().any(|s| s.heading.start == at),
        };
        self.class.clone().filter(|_| applies)
    }
}

/// The innermost section around a place that is titled, not a numbered
/// sentence holding a figure (`3.住房保障支出1512.23万元，…`) nor a numbered
/// 项 line (`1.农林水支出（类）水利（款）行政运行（项）（2130301）。`), whose class
/// the 项 lines numbered after it share.
fn titled_scope(chain: &[&Section]) -> Option<usize> {
    chain
        .iter()
        .find(|s| {
            !s.title.contains(['，', '。', ','])
                && !s.title.contains("元")
                && !s.title.contains("（项）")
                && !s.title.contains("(项)")
        })
        .map(|s| s.heading.start)
}

/// A class or item line's key (by the section titles around it) and label.
pub(super) fn resolve_line(
    input: &ClauseInput,
    hit: &Mention,
    line: &Line,
    codes: &CodeBook,
    context: &mut LineContext,
    chain: &[&Section],
) -> Option<Subject> {
    let class_of = |name: &str| format!("{}支出", name.trim_end_matches("支出"));
    // `人大事务行政运行（项）`: a 项 with its 款 run in, which the table's codes tell apart.
    let joined = match (&line.xiang, &line.class, &line.kuan, &line.code) {
        (Some(name), None, None, None) if line.item => codes.joined_item(name),
        _ => None,
    };
    // The path of names the document's table prints for a code's parents,
    // else the national catalogue's.
    let parents = |code: &str| -> Vec<String> {
        [3, 5, 7]
            .into_iter()
            .filter(|&len| len < code.len())
            .filter_map(|len| {
                let name = codes
                    .name(&code[..len])
                    .or_else(|| input.functional_codes.get(&code[..len]).map(String::as_str))?;
                Some(if len == 3 {
                    class_of(name)
                } else {
                    name.to_string()
                })
            })
            .collect()
    };
    let label = if let Some(code) = joined {
        let mut parts = parents(code);
        parts.extend(codes.name(code).map(str::to_string));
        (parts.join("/"), Some(code.to_string()))
    } else if let Some(code) = &line.code {
        let mut parts = parents(code);
        let own = line
            .xiang
            .as_deref()
            .or(line.class.as_deref())
            .unwrap_or_default();
        parts.push(if line.item {
            // The table's name where it is the printed one written another
            // way; a table whose names wrap over lines may hold only a part.
            codes.name_alike(code, own).unwrap_or(own).to_string()
        } else {
            class_of(own)
        });
        (parts.join("/"), Some(code.clone()))
    } else if line.item {
        // The class: printed in the line, in a heading around it, or the last class line.
        let class = line.class.clone().or_else(|| {
            let regex = input.cues.class_line.get()?;
            chain
                .iter()
                .find_map(|s| regex.captures(&s.title).and_then(|c| c.name("class")))
                .map(|m| m.as_str().to_string())
                .or_else(|| context.class_at(chain))
        })?;
        let class = class_of(&class);
        // A 项 alone belongs to the last 款 line; a 款 line is the 款 of the 项 after it.
        let kuan = match (&line.kuan, &line.xiang) {
            (Some(k), None) => {
                context.kuan = Some(k.clone());
                if let Some(class) = &line.class {
                    context.set_class(class.clone(), chain);
                }
                Some(k.clone())
            }
            // A full line (`农林水支出（类）水利（款）行政运行（项）`) is the
            // class and 款 of the 项 lines after it that print only their 款.
            (Some(k), Some(_)) => {
                if let Some(class) = &line.class {
                    context.kuan = Some(k.clone());
                    context.set_class(class.clone(), chain);
                }
                Some(k.clone())
            }
            (None, _) => context.kuan.clone(),
        };
        let code = kuan
            .as_deref()
            .and_then(|k| codes.item(&class, k, line.xiang.as_deref()));
        // The table's names where it has the line (the narrative may swap words).
        let table_name = |c: &Option<String>| c.as_deref().and_then(|c| codes.name(c));
        let mut parts = vec![class];
        parts.extend(kuan);
        match (table_name(&code), &line.xiang) {
            (Some(name), Some(_)) => parts.push(name.to_string()),
            (_, xiang) => parts.extend(xiang.clone()),
        }
        (parts.join("/"), code)
    } else {
        let class = line.class.clone()?;
        context.set_class(class.clone(), chain);
        context.kuan = None;
        let class = class_of(&class);
        let code = codes.class(&class);
        (class, code)
    };
    let (label, code) = label;
    let level = if line.item { "item" } else { "class" };
    let def =
        input.cues.lines.iter().find(|d| {
            d.level == level && crate::extract::scope::titles_allow(chain, &d.titles, &[])
        })?;
    Some(Subject {
        base: def.key.clone(),
        label: Some(label),
        code,
        end: hit.end,
        start: hit.start,
        named: true,
        last_change: None,
    })
}

/// The first term of a name that applies at the name's place.
pub(super) fn resolve(input: &ClauseInput, hit: &Mention, chain: &[&Section]) -> Option<Subject> {
    let term = hit
        .terms_of(input)
        .iter()
        .map(|&i| &input.lexicon.terms[i])
        .find(|t| {
            t.scope.allows_kind(input.doc_kind)
                && t.scope
                    .allows_at_for(input.text, hit.start, chain, input.entity)
        })?;
    Some(Subject {
        base: term.key.clone(),
        label: term.label.clone(),
        code: None,
        end: hit.end,
        start: hit.start,
        named: true,
        last_change: None,
    })
}

/// A name in a `其中` list under `parent`: the child key the parent's family
/// gives any of the name's terms (`基本支出` under `general_budget.expenditure`
/// is `general_budget.basic`), wherever it stands.
pub(super) fn under_parent(input: &ClauseInput, hit: &Mention, parent: &str) -> Option<Subject> {
    let key = hit
        .terms_of(input)
        .iter()
        .find_map(|&t| input.cues.under_key(parent, &input.lexicon.terms[t].key))?;
    Some(Subject {
        base: key.to_string(),
        label: None,
        code: None,
        end: hit.end,
        start: hit.start,
        named: true,
        last_change: None,
    })
}
