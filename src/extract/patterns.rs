//! Pattern files (`patterns/*.toml`): loading, macro expansion, compilation.
//!
//! A file may hold:
//! - `[defs]`: named regex fragments, used as `{NAME}` in regexes;
//! - `[signs]`: direction words (`positive`, `negative`, `zero`);
//! - `[units]`: printed unit → canonical unit and factor to 万元;
//! - `[[template]]`: a regex shape with `{name}` standing for a term's names;
//!   `{name_any}` and `{name_b}` capture any short run of words, looked up
//!   among the terms' names after the match (`基本支出、项目支出分别为A和B`:
//!   two terms, and a matcher that costs nothing to build);
//!   `{name_list}` captures a run of three or more names (`A、B和C分别为…`),
//!   split into term names after the match;
//! - `[[term]]`: a key, the names it is printed under, and the templates that
//!   read it — each (term, template) pair becomes one pattern `key#template`;
//! - `[[pattern]]`: a full regex for wording no template covers;
//! - `[[tail]]`: qualifier clauses read after a figure (`，占88%`, `，比上年
//!   增加…`, `，完成预算100%`).
//!
//! Named groups a regex may use: `value` (with `value_unit`), `budget`,
//! `prior`, `change` (signed by `dir`), `yoy_pct` (signed by `pct_dir`, else
//! `dir`), `share`, `completion`, `label`, `code`. Macros: `{amount:G}` is an
//! amount with its unit (`G`, `G_unit`), `{pct:G}` a percentage, `{count:G}`
//! a count with its unit, `{dir:G}` a direction word; `{amount_opt:G}` and
//! `{pct_opt:G}` may leave the unit out (`各为4125.49、4143.91万元`);
//! `{amount_list:G}` is three or more amounts joined by `、`/`和`/`及`/`与`,
//! the unit after each or only after the last (`0、10.2和2.3万元`).
//!
//! Two figures in one phrase (`收、支总计各为A、B万元`, `收入、支出分别为A和B`):
//! a pattern with `key_b` or `label_b` reads every group `G_b` (`value_b`,
//! `change_b`, `yoy_pct_b` …, signed by `dir_b`/`pct_dir_b`, else by the
//! first side's word) as the second figure, under `key_b` (default `key`)
//! with `label_b`. A figure printed without its unit takes its partner's.
//!
//! Three or more (`A、B和C分别为x、y、z万元`): a template with `{name_list}`
//! and `{amount_list:value}` gives the n-th figure to the n-th name, in
//! order; unless every name is a term's and the counts agree, it reads nothing.

mod anchors;
mod name_tail;
mod regex_source;
use crate::config::ConfigError;
pub use anchors::AnchorFinder;
pub use name_tail::{NamesThenTail, TemplateFinder, TemplateNames};
use regex_source::Expander;
pub use regex_source::LazyRegex;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    #[serde(default)]
    defs: BTreeMap<String, String>,
    #[serde(default)]
    signs: Option<Signs>,
    #[serde(default)]
    units: BTreeMap<String, UnitDef>,
    #[serde(default)]
    template: Vec<TemplateDef>,
    #[serde(default)]
    term: Vec<TermDef>,
    #[serde(default)]
    pattern: Vec<PatternDef>,
    #[serde(default)]
    tail: Vec<TailDef>,
    /// Cue words of the clause reader (see [`super::clause`]).
    #[serde(default)]
    clause: Option<super::clause::lexicon::CueDefs>,
    /// Scope words of whole-region reports (see [`super::scope_labels`]).
    #[serde(default)]
    scope_blocks: Option<super::scope_labels::ScopeWords>,
    /// Names of the functional classification's 类 and 款 by code.
    #[serde(default)]
    functional_codes: BTreeMap<String, String>,
}

/// Direction words and the sign they give a change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signs {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
    #[serde(default)]
    pub zero: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDef {
    /// The unit written into facts (`万` → `万元`).
    pub canonical: String,
    /// Factor to 万元 for amounts; absent for counts and percentages.
    #[serde(default)]
    pub to_wan: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateDef {
    name: String,
    regex: String,
    /// Literal words one of which every match contains besides the name
    /// (`分别`): a document without any of them never builds the template.
    #[serde(default)]
    anchors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermDef {
    key: String,
    names: Vec<String>,
    /// Templates that read it; none: a subject of the clause reader only.
    #[serde(default)]
    templates: Vec<String>,
    #[serde(default)]
    sections: Vec<String>,
    #[serde(default)]
    not_sections: Vec<String>,
    #[serde(default)]
    doc_kinds: Vec<String>,
    #[serde(default)]
    not_before: Vec<String>,
    /// See `Scope::only_after`.
    #[serde(default)]
    only_after: Vec<String>,
    /// Words one of which a section title around the name must hold
    /// (`财政拨款`: 基本支出 there is the appropriation's).
    #[serde(default)]
    titles: Vec<String>,
    /// Words no section title around the name may hold.
    #[serde(default)]
    not_titles: Vec<String>,
    /// See `Scope::or_in_sentence`.
    #[serde(default)]
    or_in_sentence: Vec<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    unit: Option<String>,
}

impl TermDef {
    fn scope(&self) -> super::scope::Scope {
        super::scope::Scope {
            sections: self.sections.clone(),
            not_sections: self.not_sections.clone(),
            doc_kinds: self.doc_kinds.clone(),
            not_before: self.not_before.clone(),
            only_after: self.only_after.clone(),
            titles: self.titles.clone(),
            not_titles: self.not_titles.clone(),
            or_in_sentence: self.or_in_sentence.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternDef {
    id: String,
    key: String,
    regex: String,
    #[serde(default)]
    sections: Vec<String>,
    #[serde(default)]
    not_sections: Vec<String>,
    #[serde(default)]
    doc_kinds: Vec<String>,
    #[serde(default)]
    not_before: Vec<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    priority: i32,
    /// Read qualifier tails after the match (default true).
    #[serde(default = "yes")]
    tails: bool,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    value_key: Option<String>,
    /// Key and label of the second figure of a pair (groups `G_b`).
    #[serde(default)]
    key_b: Option<String>,
    #[serde(default)]
    label_b: Option<String>,
    #[serde(default)]
    items: Option<String>,
    #[serde(default)]
    items_key: Option<String>,
    /// Literal words one of which every match contains; a document without
    /// any of them skips the pattern (and never compiles it).
    #[serde(default)]
    anchors: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TailDef {
    name: String,
    regex: String,
    #[serde(default)]
    doc_kinds: Vec<String>,
}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub id: String,
    pub key: String,
    pub regex: LazyRegex,
    /// Literal words one of which every match contains (a term's names); empty: always run.
    pub anchors: Vec<String>,
    /// Where it applies.
    pub scope: super::scope::Scope,
    pub label: Option<String>,
    pub priority: i32,
    pub tails: bool,
    /// Unit for a figure printed without one (`决算数为249.3`).
    pub unit: Option<String>,
    /// Key for the `value` group when it is not `key` itself.
    pub value_key: Option<String>,
    /// The second figure of a pair (groups `G_b`): its key and label; None: not a pair.
    pub pair: Option<PairSide>,
    /// A list that follows the match (`其中：轿车2辆、商务车2辆`), read item by item.
    pub items: Option<LazyRegex>,
    pub items_key: Option<String>,
    /// For a term's pattern: the merged pattern of its template that runs it
    /// (see [`MergedTemplate`]); its own regex is then never built.
    pub merged_into: Option<usize>,
}

/// All terms that use one template, as one regex: `{name}` becomes the
/// alternation of every such term's names in a group `name`, and the name
/// matched says which term (which key, sections, label …) the match is.
/// Building one matcher instead of one per term is most of the start-up
/// cost saved for a single document.
#[derive(Debug, Clone)]
pub struct MergedTemplate {
    pub template: String,
    /// The one regex; not built when `names_first` reads the template.
    pub regex: LazyRegex,
    /// A shape that opens with `{name}`: its names found by an automaton.
    pub names_first: Option<NamesThenTail>,
    /// The template's own anchors (see `TemplateDef::anchors`); empty: its names suffice.
    pub anchors: Vec<String>,
    /// Name as printed (spaces removed) → the term patterns it belongs to, in file order.
    pub by_name: std::collections::HashMap<String, Vec<usize>>,
}

/// Key and label of the second figure that a pair pattern reads.
#[derive(Debug, Clone)]
pub struct PairSide {
    pub key: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Tail {
    pub name: String,
    pub regex: LazyRegex,
    pub doc_kinds: Vec<String>,
}

/// Every pattern, tail, sign word and unit, ready to match.
#[derive(Debug, Clone)]
pub struct PatternSet {
    pub patterns: Vec<Pattern>,
    pub merged: Vec<MergedTemplate>,
    /// Finds which patterns' anchors occur in a text, in one pass.
    pub anchor_finder: AnchorFinder,
    /// The names of the templates read names first.
    pub template_names: TemplateNames,
    pub tails: Vec<Tail>,
    pub signs: Signs,
    pub units: BTreeMap<String, (String, Option<Decimal>)>,
    /// Every term's names, for the clause reader.
    pub lexicon: super::clause::lexicon::Lexicon,
    /// The clause reader's cue words.
    pub cues: super::clause::lexicon::Cues,
    /// Scopes of whole-region reports (`全区` / `区本级`).
    pub scope_words: super::scope_labels::ScopeWords,
    /// The national names of the 类 and 款 by code (`functional_codes.toml`).
    pub functional_codes: std::collections::HashMap<String, String>,
}

/// A pattern file that cannot be used: the error of every data file.
pub type PatternError = ConfigError;

impl PatternSet {
    /// The patterns compiled into the binary.
    pub fn builtin() -> PatternSet {
        crate::config::Config::builtin().patterns
    }

    /// The factor from a printed unit to 万元 (`[units]`); None for counts.
    pub fn to_wan(&self, printed_unit: &str) -> Option<Decimal> {
        self.units.get(printed_unit).and_then(|(_, factor)| *factor)
    }

    /// Pattern files as (name, text); every regex's syntax is checked now.
    pub fn from_sources(files: &[(String, String)]) -> Result<PatternSet, PatternError> {
        PatternSet::build(files, true)
    }

    /// Pattern files as (name, text), read by [`crate::config`]; `check`:
    /// every regex's syntax is checked now (the built-in ones are by the tests).
    pub fn from_files(files: &[(String, String)], check: bool) -> Result<PatternSet, PatternError> {
        PatternSet::build(files, check)
    }

    fn build(files: &[(String, String)], check: bool) -> Result<PatternSet, PatternError> {
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file: PatternFile =
                toml::from_str(text).map_err(|e| ConfigError::toml(name, text, &e))?;
            parsed.push((name.clone(), text.clone(), file));
        }
        // Definitions, signs, units and templates are shared by all files.
        let mut defs = BTreeMap::new();
        let mut signs = Signs::default();
        let mut scope_words = super::scope_labels::ScopeWords::default();
        let mut functional_codes = std::collections::HashMap::new();
        let mut units = BTreeMap::new();
        let mut templates = BTreeMap::new();
        let mut template_anchors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, _, f) in &parsed {
            defs.extend(f.defs.clone());
            if let Some(s) = &f.signs {
                signs = s.clone();
            }
            if let Some(w) = &f.scope_blocks {
                scope_words = w.clone();
            }
            functional_codes.extend(f.functional_codes.clone());
            for (u, d) in &f.units {
                let factor = match &d.to_wan {
                    Some(x) => Some(x.parse::<Decimal>().map_err(|e| PatternError {
                        file: "units".into(),
                        line: None,
                        message: format!("unit {u}: {e}"),
                    })?),
                    None => None,
                };
                units.insert(u.clone(), (d.canonical.clone(), factor));
            }
            for t in &f.template {
                templates.insert(t.name.clone(), t.regex.clone());
                template_anchors.insert(t.name.clone(), t.anchors.clone());
            }
        }
        let unit_alt = {
            let mut us: Vec<&String> = units.keys().collect();
            us.sort_by_key(|u| std::cmp::Reverse(u.chars().count()));
            us.iter()
                .map(|u| regex::escape(u))
                .collect::<Vec<_>>()
                .join("|")
        };
        let dir_alt = {
            let mut ws: Vec<&String> = signs
                .positive
                .iter()
                .chain(&signs.negative)
                .chain(&signs.zero)
                .collect();
            ws.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            ws.iter()
                .map(|w| regex::escape(w))
                .collect::<Vec<_>>()
                .join("|")
        };
        let ctx = Expander {
            check,
            definitions: std::sync::Arc::new(regex_source::Definitions {
                defs,
                unit_alt,
                dir_alt,
            }),
        };

        let mut patterns = Vec::new();
        let mut tails = Vec::new();
        let mut lexicon_terms = Vec::new();
        let mut lexicon_names = Vec::new();
        let mut cue_defs = super::clause::lexicon::CueDefs::default();
        // (template, pattern index, names) of every term pattern, for merging.
        let mut term_patterns: Vec<(String, usize, Vec<String>)> = Vec::new();
        for (name, text, f) in &parsed {
            let err = |id: &str, message: String| ConfigError::near(name, text, id, message);
            if let Some(c) = &f.clause {
                cue_defs = c.clone();
            }
            for term in &f.term {
                lexicon_terms.push(super::clause::lexicon::Term {
                    key: term.key.clone(),
                    label: term.label.clone(),
                    scope: term.scope(),
                    priority: term.priority,
                });
                lexicon_names.push(term.names.clone());
                let names = term
                    .names
                    .iter()
                    .map(|n| escape_name(n))
                    .collect::<Vec<_>>()
                    .join("|");
                for tname in &term.templates {
                    let shape = templates.get(tname).ok_or_else(|| {
                        err(
                            &term.key,
                            format!("term {}: unknown template {tname}", term.key),
                        )
                    })?;
                    // Never built (the merged template runs it).
                    let source = shape
                        .replace("{name}", &format!("(?:{names})"))
                        .replace("{name_any}", ANY_NAME)
                        .replace("{name_b}", SECOND_NAME)
                        .replace("{name_list}", NAME_LIST);
                    let mut id = format!("{}#{}", term.key, tname);
                    let mut n = 2;
                    while patterns.iter().any(|p: &Pattern| p.id == id) {
                        id = format!("{}#{}{}", term.key, tname, n);
                        n += 1;
                    }
                    let regex = ctx.lazy(&source).map_err(|m| {
                        err(
                            &term.key,
                            format!("term {} template {tname}: {m}", term.key),
                        )
                    })?;
                    patterns.push(Pattern {
                        id,
                        key: term.key.clone(),
                        regex,
                        anchors: term.names.iter().map(|n| n.replace(' ', "")).collect(),
                        scope: term.scope(),
                        label: term.label.clone(),
                        priority: term.priority,
                        tails: true,
                        unit: term.unit.clone(),
                        value_key: None,
                        pair: None,
                        items: None,
                        items_key: None,
                        merged_into: None,
                    });
                    term_patterns.push((tname.clone(), patterns.len() - 1, term.names.clone()));
                }
            }
            for p in &f.pattern {
                let regex = ctx
                    .lazy(&p.regex)
                    .map_err(|m| err(&p.id, format!("pattern {}: {m}", p.id)))?;
                let items = match &p.items {
                    Some(src) => Some(
                        ctx.lazy(&format!("^{src}"))
                            .map_err(|m| err(&p.id, format!("pattern {} items: {m}", p.id)))?,
                    ),
                    None => None,
                };
                if items.is_some() != p.items_key.is_some() {
                    return Err(err(
                        &p.id,
                        format!("pattern {}: items and items_key go together", p.id),
                    ));
                }
                patterns.push(Pattern {
                    id: p.id.clone(),
                    key: p.key.clone(),
                    regex,
                    anchors: p.anchors.clone(),
                    scope: super::scope::Scope {
                        sections: p.sections.clone(),
                        not_sections: p.not_sections.clone(),
                        doc_kinds: p.doc_kinds.clone(),
                        not_before: p.not_before.clone(),
                        ..Default::default()
                    },
                    label: p.label.clone(),
                    priority: p.priority,
                    tails: p.tails,
                    unit: p.unit.clone(),
                    value_key: p.value_key.clone(),
                    pair: (p.key_b.is_some() || p.label_b.is_some()).then(|| PairSide {
                        key: p.key_b.clone().unwrap_or_else(|| p.key.clone()),
                        label: p.label_b.clone(),
                    }),
                    items,
                    items_key: p.items_key.clone(),
                    merged_into: None,
                });
            }
            for t in &f.tail {
                let regex = ctx
                    .lazy(&t.regex)
                    .map_err(|m| err(&t.name, format!("tail {}: {m}", t.name)))?;
                tails.push(Tail {
                    name: t.name.clone(),
                    regex,
                    doc_kinds: t.doc_kinds.clone(),
                });
            }
        }
        let mut ids = std::collections::HashSet::new();
        for p in &patterns {
            if !ids.insert(p.id.clone()) {
                return Err(PatternError {
                    file: "patterns".into(),
                    line: None,
                    message: format!("duplicate pattern id {}", p.id),
                });
            }
        }
        let mut merged: Vec<MergedTemplate> = Vec::new();
        let mut template_names = name_tail::TemplateNamesBuilder::default();
        for (tname, shape) in &templates {
            let members: Vec<&(String, usize, Vec<String>)> = term_patterns
                .iter()
                .filter(|(t, _, _)| t == tname)
                .collect();
            if members.is_empty() {
                continue;
            }
            let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
            let mut names: Vec<&String> = Vec::new();
            for (_, index, term_names) in &members {
                for n in term_names {
                    let entry = by_name.entry(n.replace(' ', "")).or_default();
                    if entry.is_empty() {
                        names.push(n);
                    }
                    entry.push(*index);
                }
            }
            // Longest first, so that the leftmost match takes the most specific name.
            names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
            let alternation = names
                .iter()
                .map(|n| escape_name(n))
                .collect::<Vec<_>>()
                .join("|");
            let source = shape
                .replace("{name}", &format!("(?P<name>{alternation})"))
                .replace("{name_any}", ANY_NAME)
                .replace("{name_b}", SECOND_NAME)
                .replace("{name_list}", NAME_LIST);
            let regex = ctx.lazy(&source).map_err(|m| PatternError {
                file: "patterns".into(),
                line: None,
                message: format!("template {tname} with all its terms: {m}"),
            })?;
            let names_first = name_tail::for_shape(shape, &names, &ctx, &mut template_names);
            for (_, index, _) in &members {
                patterns[*index].merged_into = Some(merged.len());
            }
            merged.push(MergedTemplate {
                template: tname.clone(),
                regex,
                names_first,
                anchors: template_anchors.get(tname).cloned().unwrap_or_default(),
                by_name,
            });
        }
        let anchor_finder = AnchorFinder::new(&patterns);
        let template_names = template_names.build();
        let cues = super::clause::lexicon::Cues::compile(&cue_defs, &signs, &|s| ctx.lazy(s))
            .map_err(|message| PatternError {
                file: "patterns".into(),
                line: None,
                message,
            })?;
        Ok(PatternSet {
            lexicon: super::clause::lexicon::Lexicon::new(lexicon_terms, &lexicon_names),
            cues,
            patterns,
            merged,
            anchor_finder,
            template_names,
            tails,
            signs,
            units,
            scope_words,
            functional_codes,
        })
    }

    /// Build the matchers nearly every document needs (the merged templates).
    pub fn warm_up(&self) {
        // Templates with anchors of their own are rare: built when a text needs them.
        self.template_names.warm_up();
        for tail in &self.tails {
            tail.regex.get();
        }
        for m in self.merged.iter().filter(|m| m.anchors.is_empty()) {
            match &m.names_first {
                Some(names) => names.warm_up(),
                None => {
                    m.regex.get();
                }
            }
        }
    }

    /// +1, -1 or 0 for a direction word; None when it is not one.
    pub fn sign_of(&self, word: &str) -> Option<i8> {
        if self.signs.negative.iter().any(|w| w == word) {
            Some(-1)
        } else if self.signs.positive.iter().any(|w| w == word) {
            Some(1)
        } else if self.signs.zero.iter().any(|w| w == word) {
            Some(0)
        } else {
            None
        }
    }
}

/// `{name_any}` / `{name_b}` of a template: any short run of words, which must
/// turn out to be one of the template's term names (checked when reading the
/// match; a leftmost match that starts too early is retried one character on).
const ANY_NAME: &str = r"(?P<name>[^\d\s，。；、：:]+?)";
const SECOND_NAME: &str = r"(?P<name_b>[^\d\s，。；、：:]+?)";
/// `{name_list}`: names joined by `、`/`和`/`及`/`与`, split when reading the match.
const NAME_LIST: &str = r"(?P<name_list>[^\d\s，。；：:]+?)";

/// Term names are literal text, except that a space stands for "maybe a space".
fn escape_name(name: &str) -> String {
    regex::escape(name).replace(' ', r"\s?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_patterns_compile() {
        let set = PatternSet::builtin();
        assert!(set.patterns.len() > 50, "{} patterns", set.patterns.len());
        for p in &set.patterns {
            assert!(p.regex.get().is_some(), "{} does not build", p.id);
        }
        for m in &set.merged {
            assert!(
                m.regex.get().is_some(),
                "template {} does not build",
                m.template
            );
        }
        for t in &set.tails {
            assert!(t.regex.get().is_some(), "tail {} does not build", t.name);
        }
        assert_eq!(set.sign_of("减少"), Some(-1));
        assert_eq!(set.sign_of("增长"), Some(1));
    }

    #[test]
    fn broken_file_is_reported_with_line() {
        let files = vec![
            (
                "common.toml".to_string(),
                crate::config::EXTRACTION_TOML[0].1.to_string(),
            ),
            (
                "bad.toml".to_string(),
                "[[pattern]]\nid = \"x#1\"\nkey = \"x\"\nregex = '(unclosed'\n".to_string(),
            ),
        ];
        let err = PatternSet::from_sources(&files).unwrap_err();
        assert_eq!(err.file, "bad.toml");
        assert_eq!(err.line, Some(2));
        let files = vec![(
            "bad.toml".to_string(),
            "[[pattern]]\nid = \"x#1\"\nkey = 3\n".to_string(),
        )];
        let err = PatternSet::from_sources(&files).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }
}
