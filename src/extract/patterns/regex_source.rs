//! Regexes of the pattern files: `{NAME}` definitions and `{macro:group}`
//! expanded, `\d`/`\s` made ASCII, and the matcher built on first use.

use crate::ascii_regex::ascii_classes;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Expands the pattern files' regex sources with their definitions, units
/// and direction words.
pub(super) struct Expander {
    /// Expand and check each regex's syntax when the files load (user
    /// files); else (the built-in files, checked by the tests) expand it
    /// on first use, as most are never used by a document.
    pub check: bool,
    pub definitions: Arc<Definitions>,
}

/// What `{NAME}` and `{macro:group}` in a regex source stand for.
#[derive(Debug)]
pub(super) struct Definitions {
    pub defs: BTreeMap<String, String>,
    pub unit_alt: String,
    pub dir_alt: String,
}

impl Expander {
    /// The regex of `source`, its matcher built on first use.
    pub fn lazy(&self, source: &str) -> Result<LazyRegex, String> {
        if self.check {
            LazyRegex::new(ascii_classes(&self.definitions.expand(source, 0)?))
        } else {
            Ok(LazyRegex::deferred(source, &self.definitions))
        }
    }

    /// The rest of a template's shape after `{name}` (see [`super::name_tail`]).
    pub fn tail(&self, source: &str) -> Result<super::name_tail::LazyTail, String> {
        let source = ascii_classes(&self.definitions.expand(source, 0)?);
        let source = if self.check { checked(source)? } else { source };
        Ok(super::name_tail::LazyTail::new(source))
    }
}

impl Definitions {
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

/// `source`, once its syntax is checked (a user's file: its error is
/// reported when it loads, not when a document first needs the regex).
fn checked(source: String) -> Result<String, String> {
    regex_syntax::Parser::new()
        .parse(&source)
        .map_err(|e| e.to_string())?;
    Ok(source)
}

/// A regex whose matcher is built the first time a document needs it: most
/// documents use a fraction of the patterns, and building all of them costs
/// more than reading a PDF. Clones share the built matcher.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: Arc<Source>,
    built: Arc<OnceLock<Option<Regex>>>,
    probe: Arc<OnceLock<Option<Probe>>>,
}

/// A regex's source, expanded now or on first use.
#[derive(Debug)]
struct Source {
    /// Set when the source is expanded: None when it cannot be.
    expanded: OnceLock<Option<String>>,
    /// The source as written and what it is expanded with, when not yet.
    written: Option<(Box<str>, Arc<Definitions>)>,
}

impl LazyRegex {
    /// An expanded source, its syntax checked now.
    pub fn new(source: String) -> Result<LazyRegex, String> {
        Ok(LazyRegex::unchecked(checked(source)?))
    }

    /// An expanded source, its syntax not checked.
    pub(super) fn unchecked(source: String) -> LazyRegex {
        LazyRegex::of(Source {
            expanded: OnceLock::from(Some(source)),
            written: None,
        })
    }

    /// A source as written, expanded with `definitions` on first use.
    fn deferred(written: &str, definitions: &Arc<Definitions>) -> LazyRegex {
        LazyRegex::of(Source {
            expanded: OnceLock::new(),
            written: Some((written.into(), Arc::clone(definitions))),
        })
    }

    fn of(source: Source) -> LazyRegex {
        LazyRegex {
            source: Arc::new(source),
            built: Default::default(),
            probe: Default::default(),
        }
    }

    /// The expanded source; None when a definition it names is missing.
    fn source(&self) -> Option<&str> {
        self.source
            .expanded
            .get_or_init(|| {
                let (written, definitions) = self.source.written.as_ref()?;
                match definitions.expand(written, 0) {
                    Ok(expanded) => Some(ascii_classes(&expanded)),
                    Err(e) => {
                        tracing::warn!("pattern regex cannot be expanded: {e}");
                        None
                    }
                }
            })
            .as_deref()
    }

    /// False when the regex cannot match in `text` (see [`Probe`]): then
    /// its matcher need not be built, nor run. A pattern's anchors say only
    /// that it may apply; most patterns built for a document used to match
    /// nothing in it.
    pub fn may_match(&self, text: &str) -> bool {
        // Once built (a batch run), the regex's own search is the cheaper test.
        if self.built.get().is_some() {
            return true;
        }
        self.probe
            .get_or_init(|| self.source().and_then(Probe::new))
            .as_ref()
            .is_none_or(|probe| probe.may_match(text))
    }

    /// The matcher; None only if it exceeds the regex size limits (or a
    /// built-in source names a definition that is missing).
    pub fn get(&self) -> Option<&Regex> {
        self.built
            .get_or_init(|| match Regex::new(self.source()?) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!("pattern regex cannot be built: {e}");
                    None
                }
            })
            .as_ref()
    }
}

/// A regex's language, widened (every bounded repetition unbounded, no
/// groups), as a forward lazy DFA: it says "no match" only where the regex
/// has none, and costs a fraction of the regex to build, since bounded
/// repetitions of wide classes (`[^。；]{0,40}`) make most of a regex's
/// automaton and captures ask for a second one.
#[derive(Debug)]
struct Probe {
    dfa: regex_automata::hybrid::dfa::DFA,
    /// Search caches kept between documents: a fresh one learns its states anew.
    caches: std::sync::Mutex<Vec<regex_automata::hybrid::dfa::Cache>>,
}

impl Probe {
    /// None when the source does not parse or the DFA cannot be built.
    fn new(source: &str) -> Option<Probe> {
        use regex_automata::nfa::thompson;
        let hir = regex_syntax::Parser::new().parse(source).ok()?;
        let widened = widened(&hir);
        let nfa = thompson::Compiler::new()
            .configure(thompson::Config::new().which_captures(thompson::WhichCaptures::None))
            .build_from_hir(&widened)
            .ok()?;
        // The widened regex's leading words, when it has some, let the
        // search skip to where they are, as the regex's own prefilter does.
        let prefilter = regex_automata::util::prefilter::Prefilter::from_hir_prefix(
            regex_automata::MatchKind::LeftmostFirst,
            &widened,
        );
        let dfa = regex_automata::hybrid::dfa::DFA::builder()
            .configure(
                regex_automata::hybrid::dfa::Config::new()
                    .unicode_word_boundary(true)
                    .prefilter(prefilter),
            )
            .build_from_nfa(nfa)
            .ok()?;
        Some(Probe {
            dfa,
            caches: Default::default(),
        })
    }

    /// False only when the widened regex, hence the regex, has no match.
    fn may_match(&self, text: &str) -> bool {
        let taken = self.caches.lock().ok().and_then(|mut c| c.pop());
        let mut cache = taken.unwrap_or_else(|| self.dfa.create_cache());
        let input = regex_automata::Input::new(text).earliest(true);
        let found = self.dfa.try_search_fwd(&mut cache, &input);
        if let Ok(mut caches) = self.caches.lock() {
            caches.push(cache);
        }
        !matches!(found, Ok(None))
    }
}

/// `hir` with its bounded repetitions unbounded and its groups dropped: a
/// language that holds the original one.
fn widened(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Hir, HirKind, Repetition};
    match hir.kind() {
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: None,
            greedy: true,
            sub: Box::new(widened(&r.sub)),
        }),
        HirKind::Capture(c) => widened(&c.sub),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(widened).collect()),
        HirKind::Alternation(branches) => Hir::alternation(branches.iter().map(widened).collect()),
        _ => hir.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_turns_away_only_texts_without_a_match() {
        // Made up: a count after a word within a clause.
        let lazy = LazyRegex::unchecked(r"接待[^。；]{0,9}?(?:批次|次)(?P<n>[0-9]+)".to_string());
        assert!(!lazy.may_match("公务接待费3万元。共计12次"));
        assert!(lazy.may_match("公务接待共计批次12"));
        // Widened, not exact: a clause longer than the bound still passes.
        assert!(lazy.may_match("接待外宾代表团一行来访共计参观次12"));
        assert!(lazy.get().unwrap().is_match("公务接待共计批次12"));
    }

    /// No pattern the check turns away matches: every built-in pattern
    /// over the text of every document of the shared corpus.
    #[test]
    fn patterns_turned_away_match_nothing_in_the_shared_corpus() {
        let Some(texts) = crate::test_corpus::texts() else {
            return;
        };
        let set = super::super::PatternSet::builtin();
        // Probes of their own: `may_match` stands aside once a regex is built.
        let probes: Vec<Option<Probe>> = set
            .patterns
            .iter()
            .map(|p| p.regex.source().and_then(Probe::new))
            .collect();
        let mut turned_away = 0;
        for (source, text) in &texts {
            for (p, probe) in set.patterns.iter().zip(&probes) {
                if probe.as_ref().is_some_and(|probe| !probe.may_match(text)) {
                    turned_away += 1;
                    let regex = p.regex.get().expect("builds");
                    assert!(!regex.is_match(text), "{} matches in {source}", p.id);
                }
            }
        }
        let documents = texts.len();
        println!("{documents} documents, {turned_away} pattern runs turned away");
        assert!(documents >= 20 && turned_away > documents * 20);
    }
}
