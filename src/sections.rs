//! Section tree (stub types; the builder comes next).

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
        let mut best = None;
        for (i, s) in self.sections.iter().enumerate() {
            if s.body.start > at {
                break;
            }
            if s.body.contains(&at) {
                best = Some(i);
            }
        }
        best
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
