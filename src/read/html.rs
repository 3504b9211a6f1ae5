//! HTML reader: the article body of a government web page as block-structured text.
//!
//! Government article pages wrap a short body in navigation, link lists and
//! footers. The body is found by well-known container names first, then by
//! text density (Chinese text outside links versus text inside links).

mod cells;
mod depth;
mod mhtml;

use super::text::{decode, decode_declared};
use super::{RawDocument, ReadError};
use ego_tree::{iter::Edge, NodeId, NodeRef};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use std::sync::LazyLock as Lazy;

/// Container ids/classes that hold the article body on Chinese government
/// sites (TRS, Hanweb and similar CMSs).
const CONTENT_NAMES: &[&str] = &[
    "zoom",
    "trs_editor",
    "custom_unionstyle",
    "xxgk_content",
    "content",
    "article",
    "con",
    "main",
    "detail",
    "article_content",
    "article-content",
    "news_content",
    "pages_content",
    "wzcon",
];
/// Substrings of ids/classes that also mark a body container.
const CONTENT_NAME_PARTS: &[&str] = &["content", "article", "zoom", "detail"];

/// Elements that never hold the article body.
const DROPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "noscript", "template", "iframe",
    "object", "embed", "svg", "canvas", "button", "select", "textarea", "input", "head", "map",
];
/// Elements that may hold the body when no named container does.
const CONTAINERS: &[&str] = &[
    "body", "div", "article", "section", "main", "td", "table", "tbody", "center", "font",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "blockquote",
    "pre",
    "section",
    "article",
    "main",
    "center",
    "address",
    "figure",
    "figcaption",
    "caption",
    "hr",
    "form",
    "fieldset",
    "body",
    "tbody",
    "thead",
    "tfoot",
];

/// Read an HTML page; `charset` is the HTTP header's, when the fetcher had one.
pub fn read(bytes: &[u8], charset: Option<&str>) -> Result<RawDocument, ReadError> {
    read_with_grids(bytes, charset).map(|(raw, _)| raw)
}

/// [`read`], with the page's data tables as grids (for the table stage).
pub fn read_with_grids(
    bytes: &[u8],
    charset: Option<&str>,
) -> Result<(RawDocument, Vec<crate::read::Grid>), ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if mhtml::is_mime(bytes) {
        let (part, part_charset) = mhtml::html_part(bytes).ok_or_else(|| {
            ReadError::UnknownFormat("MIME message (.mht) without an HTML part".into())
        })?;
        return read_markup(&part, part_charset.as_deref().or(charset));
    }
    read_markup(bytes, charset)
}

/// Whether the bytes are an MHTML message (a web page saved as one file).
pub fn is_mhtml(bytes: &[u8]) -> bool {
    mhtml::is_mime(bytes)
}

fn read_markup(
    bytes: &[u8],
    charset: Option<&str>,
) -> Result<(RawDocument, Vec<crate::read::Grid>), ReadError> {
    let header = charset.and_then(|label| Encoding::for_label(label.trim().as_bytes()));
    let meta = meta_charset(bytes);
    let declared = match (header, meta) {
        // Servers send ISO-8859-1 (windows-1252 on the web) by default; the
        // page's own declaration knows better.
        (Some(h), Some(m)) if h == WINDOWS_1252 => Some(m),
        (Some(h), _) => Some(h),
        (None, m) => m,
    };
    let source = match declared {
        Some(encoding) => decode_declared(bytes, encoding),
        None => decode(bytes, None),
    };
    depth::check(&source)?;
    let html = Html::parse_document(&source);
    let body = main_content(&html);
    let (mut text, grids) = body.map(render).unwrap_or_default();
    if let Some(title) = page_title(&html) {
        let first_line = text.lines().next().unwrap_or("");
        if !first_line.contains(&title) {
            text = format!("{title}\n{text}");
        }
    }
    Ok((
        RawDocument {
            pages: vec![text],
            paged: false,
            damage: None,
        },
        grids,
    ))
}

/// The charset a `<meta charset>` or `<meta http-equiv content>` names.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    static META: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r#"(?i-u)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).expect("valid")
    });
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let label = META.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    // A page that got this far is ASCII-compatible; a UTF-16 label in it is a lie.
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return Some(UTF_8);
    }
    Some(encoding)
}

/// The CMS's `<meta name="ArticleTitle">` (TRS, Hanweb), else `<h1>` outside
/// page chrome, else `<title>` (which usually carries the site name too).
fn page_title(html: &Html) -> Option<String> {
    static META: Lazy<Selector> = Lazy::new(|| Selector::parse("meta[name]").expect("valid"));
    static H1: Lazy<Selector> = Lazy::new(|| Selector::parse("h1").expect("valid"));
    static TITLE: Lazy<Selector> = Lazy::new(|| Selector::parse("title").expect("valid"));
    let article_title = html
        .select(&META)
        .filter(|m| {
            m.value()
                .attr("name")
                .is_some_and(|n| n.eq_ignore_ascii_case("ArticleTitle"))
        })
        .filter_map(|m| m.value().attr("content"))
        .map(collapse_whitespace)
        .find(|t| !t.is_empty());
    if article_title.is_some() {
        return article_title;
    }
    let h1 = html
        .select(&H1)
        .filter(|h| !inside_dropped(h))
        .map(|h| collapse_whitespace(&h.text().collect::<String>()))
        .find(|t| t.chars().count() >= 4);
    h1.or_else(|| {
        html.select(&TITLE)
            .map(|t| collapse_whitespace(&t.text().collect::<String>()))
            .find(|t| !t.is_empty())
    })
}

fn inside_dropped(element: &ElementRef) -> bool {
    element
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| DROPPED.contains(&a.value().name()))
}

fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How much body-like text an element holds.
#[derive(Debug, Clone, Copy, Default)]
struct TextStats {
    /// CJK characters and digits outside links.
    text: usize,
    /// The same inside links.
    link: usize,
}

impl TextStats {
    /// Body text counts, link text (menus, related-article lists) counts against.
    fn score(self) -> isize {
        self.text as isize - 2 * self.link as isize
    }
}

fn is_hidden(element: &scraper::node::Element) -> bool {
    if element.attr("hidden").is_some() {
        return true;
    }
    element.attr("style").is_some_and(|style| {
        let compact: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        compact.contains("display:none") || compact.contains("visibility:hidden")
    })
}

fn is_dropped(element: &scraper::node::Element) -> bool {
    DROPPED.contains(&element.name()) || is_hidden(element)
}

fn body_char(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// An element that may hold the body, with the text it holds.
struct Candidate<'a> {
    node: NodeRef<'a, Node>,
    stats: TextStats,
    named: bool,
}

/// Text statistics of the candidate elements, in one pass over the tree.
fn candidates(html: &Html) -> Vec<Candidate<'_>> {
    let mut found = Vec::new();
    let mut open: Vec<(TextStats, bool)> = Vec::new();
    let mut skip: Option<NodeId> = None;
    let mut link_depth = 0usize;
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(e) if is_dropped(e) => skip = Some(node.id()),
                    Node::Element(e) => {
                        let is_link = e.name() == "a";
                        link_depth += usize::from(is_link);
                        open.push((TextStats::default(), is_link));
                    }
                    Node::Text(t) => {
                        let n = t.chars().filter(|&c| body_char(c)).count();
                        if let Some((s, _)) = open.last_mut() {
                            if link_depth > 0 {
                                s.link += n;
                            } else {
                                s.text += n;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skip == Some(node.id()) {
                    skip = None;
                    continue;
                }
                let Node::Element(e) = node.value() else {
                    continue;
                };
                if skip.is_some() {
                    continue;
                }
                if let Some((stats, is_link)) = open.pop() {
                    link_depth -= usize::from(is_link);
                    if let Some((parent, _)) = open.last_mut() {
                        parent.text += stats.text;
                        parent.link += stats.link;
                    }
                    let named = has_content_name(e);
                    if named || CONTAINERS.contains(&e.name()) {
                        found.push(Candidate { node, stats, named });
                    }
                }
            }
        }
    }
    found
}

fn has_content_name(element: &scraper::node::Element) -> bool {
    let names = element.id().into_iter().chain(element.classes());
    names.map(str::to_ascii_lowercase).any(|name| {
        CONTENT_NAMES.contains(&name.as_str())
            || CONTENT_NAME_PARTS.iter().any(|part| name.contains(part))
    })
}

/// The element holding the article body: among named containers if one of
/// them holds most of the page's text, else among all containers; within the
/// pool, the smallest element that still holds 90% of the best score (this
/// drops the title/date/share bars that wrap the body).
fn main_content(html: &Html) -> Option<NodeRef<'_, Node>> {
    let candidates = candidates(html);
    let best_of = |named_only: bool| {
        candidates
            .iter()
            .filter(|c| c.named || !named_only)
            .map(|c| c.stats.score())
            .max()
            .unwrap_or(0)
    };
    let (best_named, best_all) = (best_of(true), best_of(false));
    let named_only = best_named > 0 && best_named * 2 >= best_all;
    let best = if named_only { best_named } else { best_all };
    let chosen = candidates
        .iter()
        .filter(|c| c.named || !named_only)
        .filter(|c| c.stats.score() * 10 >= best * 9)
        .min_by_key(|c| c.stats.text + c.stats.link)
        .map(|c| c.node);
    chosen.or_else(|| {
        html.tree
            .nodes()
            .find(|n| matches!(n.value(), Node::Element(e) if e.name() == "body"))
    })
}

/// A table holding page layout (the whole page in cells) rather than data.
fn is_layout_table(table: NodeRef<'_, Node>) -> bool {
    let mut cells_in_row = 0usize;
    let mut widest_row = 0usize;
    for node in table.descendants().skip(1) {
        if let Node::Element(e) = node.value() {
            match e.name() {
                "table" => return true,
                "tr" => cells_in_row = 0,
                "td" | "th" => {
                    cells_in_row += 1;
                    widest_row = widest_row.max(cells_in_row);
                    let long = node
                        .descendants()
                        .filter_map(|d| d.value().as_text())
                        .map(|t| t.chars().count())
                        .sum::<usize>()
                        > 400;
                    if long {
                        return true;
                    }
                }
                _ => {}
            }
        }
    }
    widest_row <= 1
}

/// Lay out the subtree as lines: blocks and rows on their own line, data
/// table cells separated by a tab.
fn render(root: NodeRef<'_, Node>) -> (String, Vec<crate::read::Grid>) {
    let mut out = Writer::default();
    let mut grids = Vec::new();
    // The open data cell: its table's place for it and where its text starts.
    let mut open_cell: Option<(usize, usize, usize, usize)> = None;
    let mut skip: Option<NodeId> = None;
    let mut tables: Vec<OpenTable> = Vec::new();
    let mut pre_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(e)
                        if is_dropped(e) || e.name() == "form" && is_small_form(node) =>
                    {
                        skip = Some(node.id())
                    }
                    Node::Element(e) => {
                        let name = e.name();
                        let in_data_cell = out.cell_depth > 0;
                        match name {
                            "table" => {
                                let data = !in_data_cell && !is_layout_table(node);
                                tables.push(OpenTable::new(node.id(), data, out.out.len()));
                            }
                            "tr" => {
                                if let Some(t) = tables.last_mut() {
                                    t.start_row();
                                }
                            }
                            "td" | "th" => {
                                if let Some(table) = tables.last_mut() {
                                    if table.data && out.cell_depth == 0 {
                                        let span = |name| {
                                            e.attr(name)
                                                .and_then(|v| v.trim().parse::<usize>().ok())
                                                .map_or(1, |n| n.clamp(1, 64))
                                        };
                                        let (colspan, rowspan) = (span("colspan"), span("rowspan"));
                                        let tabs = table.place_cell(colspan, rowspan);
                                        for _ in 0..tabs {
                                            out.tab();
                                        }
                                        open_cell = Some((
                                            table.column - colspan,
                                            colspan,
                                            rowspan,
                                            out.out.len(),
                                        ));
                                        out.cell_depth += 1;
                                        continue;
                                    }
                                }
                                if out.cell_depth > 0 {
                                    out.cell_depth += 1;
                                } else {
                                    out.newline();
                                }
                                continue;
                            }
                            "br" => out.newline(),
                            "pre" => pre_depth += 1,
                            _ => {}
                        }
                        if BLOCKS.contains(&name) {
                            out.newline();
                        }
                    }
                    Node::Text(t) => out.text(t, pre_depth > 0),
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skip == Some(node.id()) {
                    skip = None;
                    continue;
                }
                if skip.is_some() {
                    continue;
                }
                if let Node::Element(e) = node.value() {
                    match e.name() {
                        "table" if tables.last().is_some_and(|t| t.id == node.id()) => {
                            if let Some(t) = tables.pop() {
                                if t.data {
                                    let before = out.out.get(..t.cells.start).unwrap_or("");
                                    let mut from = before.len().saturating_sub(300);
                                    while !before.is_char_boundary(from) {
                                        from += 1;
                                    }
                                    grids.extend(t.cells.into_grid(&before[from..]));
                                }
                            }
                        }
                        "tr" => {
                            if let Some(t) = tables.last_mut() {
                                t.end_row();
                                t.cells.end_row();
                            }
                        }
                        "td" | "th" => {
                            if out.cell_depth == 1 {
                                if let (Some((column, colspan, rowspan, from)), Some(t)) =
                                    (open_cell.take(), tables.last_mut())
                                {
                                    let text = out.out.get(from..).unwrap_or("");
                                    t.cells.push(column, colspan, rowspan, text);
                                }
                            }
                            out.cell_depth = out.cell_depth.saturating_sub(1);
                            if out.cell_depth == 0 {
                                let in_data = tables.last().is_some_and(|t| t.data);
                                if !in_data {
                                    out.newline();
                                }
                            }
                            continue;
                        }
                        "pre" => pre_depth = pre_depth.saturating_sub(1),
                        _ => {}
                    }
                    if BLOCKS.contains(&e.name()) {
                        out.newline();
                    }
                }
            }
        }
    }
    (out.finish(), grids)
}

/// An open `<table>` while rendering. Data tables lay cells out on a column
/// grid, so that a cell spanning columns or rows leaves empty cells (tabs)
/// where it covers, as Word tables do.
struct OpenTable {
    id: NodeId,
    data: bool,
    cells: cells::TableCells,
    /// Column the next cell of this row goes to.
    column: usize,
    /// Tabs written in this row: a cell at column `c` follows `c` tabs.
    tabs_written: usize,
    /// Rows still covered by a `rowspan` from above, per column.
    covered: Vec<usize>,
}

impl OpenTable {
    fn new(id: NodeId, data: bool, start: usize) -> Self {
        OpenTable {
            id,
            data,
            cells: cells::TableCells::new(start),
            column: 0,
            tabs_written: 0,
            covered: Vec::new(),
        }
    }

    fn start_row(&mut self) {
        self.column = 0;
        self.tabs_written = 0;
    }

    fn end_row(&mut self) {
        for rows in &mut self.covered {
            *rows = rows.saturating_sub(1);
        }
    }

    /// Place a cell; returns the tabs to write before its text.
    fn place_cell(&mut self, colspan: usize, rowspan: usize) -> usize {
        while self.covered.get(self.column).is_some_and(|&rows| rows > 0) {
            self.column += 1;
        }
        let start = self.column;
        if self.covered.len() < start + colspan {
            self.covered.resize(start + colspan, 0);
        }
        // Counts this row too: `end_row` runs before the next row starts.
        for rows in &mut self.covered[start..start + colspan] {
            *rows = (*rows).max(rowspan);
        }
        self.column += colspan;
        let tabs = start - self.tabs_written;
        self.tabs_written = start;
        tabs
    }
}

/// A search box or a login form inside the body; an ASP.NET page wraps the
/// whole body in one big form, which is kept.
fn is_small_form(form: NodeRef<'_, Node>) -> bool {
    let chars: usize = form
        .descendants()
        .filter_map(|d| d.value().as_text())
        .map(|t| t.chars().filter(|&c| body_char(c)).count())
        .sum();
    chars < 200
}

/// Accumulates text; inside a data cell, line breaks become spaces so that
/// one table row stays one line.
#[derive(Default)]
struct Writer {
    out: String,
    cell_depth: usize,
}

impl Writer {
    fn newline(&mut self) {
        if self.cell_depth > 0 {
            self.space();
        } else if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with([' ', '\n', '\t']) {
            self.out.push(' ');
        }
    }

    fn tab(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\t');
    }

    fn text(&mut self, text: &str, preformatted: bool) {
        if preformatted && self.cell_depth == 0 {
            self.out.push_str(&text.replace('\u{a0}', " "));
            return;
        }
        for (i, word) in text
            .split(|c: char| c.is_whitespace() || c == '\u{a0}')
            .enumerate()
        {
            if i > 0 {
                self.space();
            }
            self.out.push_str(word);
        }
    }

    /// Trim each line, drop blank lines.
    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        for line in self.out.lines() {
            let line = line.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
            let line = line.trim_end_matches(['\t', ' ']);
            if line.trim().is_empty() {
                continue;
            }
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}
