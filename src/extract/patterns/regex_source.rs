//! Regexes of the pattern files: `{NAME}` definitions and `{macro:group}`
//! expanded, `\d`/`\s` made ASCII, and the matcher built on first use.

use crate::ascii_regex::ascii_classes;
use regex::Regex;
use std::collections::BTreeMap;

/// Expands a pattern file's regex sources with its definitions, units and
/// direction words.
pub(super) struct Expander<'a> {
    /// Check each regex's syntax when it is expanded (user files), not only on first use.
    pub check: bool,
    pub defs: &'a BTreeMap<String, String>,
    pub unit_alt: &'a str,
    pub dir_alt: &'a str,
}

impl Expander<'_> {
    /// Expand and check the syntax now; build the matcher on first use.
    pub fn lazy(&self, source: &str) -> Result<LazyRegex, String> {
        let source = ascii_classes(&self.expand(source, 0)?);
        if self.check {
            LazyRegex::new(source)
        } else {
            Ok(LazyRegex::unchecked(source))
        }
    }

    /// The rest of a template's shape after `{name}` (see [`super::name_tail`]).
    pub fn tail(&self, source: &str) -> Result<super::name_tail::LazyTail, String> {
        let source = ascii_classes(&self.expand(source, 0)?);
        if self.check {
            regex_syntax::Parser::new()
                .parse(&source)
                .map_err(|e| e.to_string())?;
        }
        Ok(super::name_tail::LazyTail::new(source))
    }

    /// Replace `{NAME}` and `{macro:group}`; regex repetitions like `{0,3}` pass through.
    fn expand(&self, source: &str, depth: usize) -> Result<String, String> {
        if depth > 8 {
            return Err("definitions nest too deep".into());
        }
        let mut out = String::with_capacity(source.len() * 2);
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or("unclosed {")?;
            let inner = &after[..close];
            let replaced = if inner.chars().all(|c| c.is_ascii_digit() || c == ',') {
                format!("{{{inner}}}")
            } else if let Some((mac, group)) = inner.split_once(':') {
                match mac {
                    "amount" => format!(
                        r"(?P<{group}>\d+(?:\.\d+)?)\s?(?P<{group}_unit>{})",
                        self.unit_alt
                    ),
                    "amount_opt" => format!(
                        r"(?P<{group}>\d+(?:\.\d+)?)\s?(?P<{group}_unit>{})?",
                        self.unit_alt
                    ),
                    "amount_list" => format!(
                        r"(?P<{group}>\d+(?:\.\d+)?\s?(?:{units})?(?:\s?(?:、|和|及|与)\s?\d+(?:\.\d+)?\s?(?:{units})?){{2,}})",
                        units = self.unit_alt
                    ),
                    "pct" => format!(r"(?P<{group}>\d+(?:\.\d+)?)\s?%"),
                    "pct_opt" => format!(r"(?P<{group}>\d+(?:\.\d+)?)\s?%?"),
                    "count" => format!(r"(?P<{group}>\d+)\s?(?P<{group}_unit>{})", self.unit_alt),
                    "dir" => format!("(?P<{group}>{})", self.dir_alt),
                    other => return Err(format!("unknown macro {other}")),
                }
            } else if let Some(def) = self.defs.get(inner) {
                format!("(?:{})", self.expand(def, depth + 1)?)
            } else {
                return Err(format!("unknown definition {{{inner}}}"));
            };
            out.push_str(&replaced);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A regex whose syntax is checked when the pattern file loads and whose
/// matcher is built the first time a document needs it: most documents use a
/// fraction of the patterns, and building all of them costs more than
/// reading a PDF. Clones share the built matcher.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: std::sync::Arc<str>,
    built: std::sync::Arc<std::sync::OnceLock<Option<Regex>>>,
}

impl LazyRegex {
    pub fn new(source: String) -> Result<LazyRegex, String> {
        regex_syntax::Parser::new()
            .parse(&source)
            .map_err(|e| e.to_string())?;
        Ok(LazyRegex {
            source: source.into(),
            built: Default::default(),
        })
    }

    pub(super) fn unchecked(source: String) -> LazyRegex {
        LazyRegex {
            source: source.into(),
            built: Default::default(),
        }
    }

    /// The matcher; None only if it exceeds the regex size limits.
    pub fn get(&self) -> Option<&Regex> {
        self.built
            .get_or_init(|| match Regex::new(&self.source) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!("pattern regex cannot be built: {e}");
                    None
                }
            })
            .as_ref()
    }
}
