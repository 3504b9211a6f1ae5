//! The clause reader's data: the lexicon of subject terms (every `[[term]]`
//! of the pattern files: a key and the names it is printed under) and the
//! cue words that give a figure its role (`[clause]`, `[[clause.count]]`).

use crate::extract::patterns::LazyRegex;
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

/// A subject term: what a name in the text stands for, and where.
#[derive(Debug, Clone)]
pub struct Term {
    pub key: String,
    pub label: Option<String>,
    /// Where the name stands for this term.
    pub scope: crate::extract::scope::Scope,
    /// Among terms of one name, the higher priority is tried first.
    pub priority: i32,
}

/// `[clause]` of a pattern file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueDefs {
    /// A sentence that opens like this continues the subject of the one before.
    #[serde(default)]
    pub continuation: Option<String>,
    /// A sentence that opens like this says what the subject's money is for
    /// (`主要用于…`): the names in it are not subjects, and the sentence after
    /// it may still continue the subject before it.
    #[serde(default)]
    pub aside: Option<String>,
    /// In the clause before a percentage: a share of the subject's total.
    #[serde(default)]
    pub share: Option<String>,
    /// … a completion rate (决算 / 预算).
    #[serde(default)]
    pub completion: Option<String>,
    /// A comparison with the subject's own budget, not with the year before.
    #[serde(default)]
    pub versus_budget: Option<String>,
    /// Right before an amount: the previous year's figure.
    #[serde(default)]
    pub prior: Option<String>,
    /// In the clause before a named subject: its amount is last year's.
    #[serde(default)]
    pub prior_before: Option<String>,
    /// In a final account, between subject and amount: a budget figure.
    #[serde(default)]
    pub budget: Option<String>,
    /// In a budget, between subject and amount: a final (executed) figure.
    #[serde(default)]
    pub final_figure: Option<String>,
    /// Between subject and amount: words after which the amount is the subject's own.
    #[serde(default)]
    pub value: Option<String>,
    /// Between a subject and its figure: text that breaks the link.
    #[serde(default)]
    pub breaks: Option<String>,
    /// Keys that hold counts (辆, 个, 人次 …); every other key holds amounts or percentages.
    #[serde(default)]
    pub count_keys: Option<String>,
    /// The longest gap (characters) between a subject named in the text and its figure.
    #[serde(default)]
    pub max_gap: Option<usize>,
    #[serde(default)]
    pub count: Vec<CountDef>,
    /// A functional class named as a line (`公共安全（类）支出`); group `class`
    /// holds its base name. Pattern-file definitions (`{CLASS}`) may be used.
    #[serde(default)]
    pub class_line: Option<String>,
    /// A 款/项 line (`法院（款）行政运行（项）支出`): groups `kuan`, `xiang`, and
    /// `class` where the line names its class.
    #[serde(default)]
    pub item_line: Option<String>,
    /// A line named with its code in brackets (`小学教育（2050202）`): groups
    /// `name` and `code`; the class and 款 names come from the document's table.
    #[serde(default)]
    pub coded_line: Option<String>,
    /// A 款 line with no 项 after it (`检察（款）：…合计16444.36万元`): group `kuan`.
    #[serde(default)]
    pub kuan_line: Option<String>,
    /// Direction words besides the pattern files' `[signs]`, for comparisons
    /// the clause reader reads (`小于上年预算数`, `降幅`).
    #[serde(default)]
    pub positive: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
    /// `其中` lists: a child term under a parent figure takes the parent's family
    /// (`一般公共预算拨款支出X，其中：基本支出Y` → general_budget.basic).
    #[serde(default)]
    pub under: Vec<UnderDef>,
    /// Which key a class or item line is, by the section titles around it.
    #[serde(default)]
    pub line: Vec<LineDef>,
    /// Totals whose own `其中` list holds the carry-over: the total with it.
    #[serde(default)]
    pub with_carryover: Vec<CarryoverDef>,
    /// Clause before a percentage: the gap between budget and final (`预决算差异率`).
    #[serde(default)]
    pub variance: Option<String>,
    /// Sentence up to a percentage: a change on a comparable basis (`剔除…同口径`).
    #[serde(default)]
    pub comparable: Option<String>,
    /// Comma-clause before an amount, in a final account: the adjusted budget
    /// (`调整预算数为`); before a percentage, its completion (`完成调整预算的`).
    #[serde(default)]
    pub adjusted_budget: Option<String>,
    #[serde(default)]
    pub adjusted_completion: Option<String>,
    /// Gap after the last name of a list: the figure is the list's sum (`A及B、C合计为`).
    #[serde(default)]
    pub list_total: Option<String>,
    /// Sentence up to a figure: a reason for the change before (`主要原因是`).
    #[serde(default)]
    pub reason: Option<String>,
    /// A reason's clause before its amount: group `part` names what changed.
    #[serde(default)]
    pub reason_part: Option<String>,
    /// A reason's clause before its amount: the net change of the subject.
    #[serde(default)]
    pub net_change: Option<String>,
    /// Shares over another base than the subject's parent.
    #[serde(default)]
    pub share_of: Vec<ShareOfDef>,
    /// Sentence up to a percentage: a policy rate inside a reason, no change.
    #[serde(default)]
    pub policy_pct: Option<String>,
}

/// `占基本支出的89.21%`: a share whose clause matches `cue` is `x.{subject}{suffix}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareOfDef {
    pub cue: String,
    pub suffix: String,
}

/// `收入预算557259.13万元，其中：…上年结转93801.70万元`: an amount of one of
/// `keys` whose list (to the end of its sentence) names one of `parts` is
/// `key` instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarryoverDef {
    pub keys: Vec<String>,
    pub parts: Vec<String>,
    pub key: String,
}

/// Under a parent key, a child term's key becomes another.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnderDef {
    pub parent: String,
    pub child: String,
    pub key: String,
}

/// The key of a class (`level = "class"`) or item line in sections whose
/// titles hold one of `titles` (empty: anywhere); the first that applies wins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDef {
    pub level: String,
    pub key: String,
    #[serde(default)]
    pub titles: Vec<String>,
}

/// A count printed after an amount subject: which count key it fills.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountDef {
    /// The subject's key (`three_public.overseas`).
    pub subject: String,
    /// Printed units that make this count (`个`, `次`).
    pub units: Vec<String>,
    /// Words one of which must stand between subject and count (`团组`); empty: none needed.
    #[serde(default)]
    pub words: Vec<String>,
    pub key: String,
}

/// A cue regex, checked when the pattern files load and built the first
/// time a document needs it (clones share the built matcher); a missing cue
/// never matches.
#[derive(Debug, Clone, Default)]
pub struct Cue(Option<LazyRegex>);

impl Cue {
    /// The matcher; None for a cue the files leave out.
    pub fn get(&self) -> Option<&Regex> {
        self.0.as_ref()?.get()
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(s))
    }
}

/// The cues, ready to match.
#[derive(Debug, Clone)]
pub struct Cues {
    pub continuation: Cue,
    pub aside: Cue,
    pub share: Cue,
    pub completion: Cue,
    pub versus_budget: Cue,
    pub prior: Cue,
    pub prior_before: Cue,
    pub budget: Cue,
    pub final_figure: Cue,
    pub value: Cue,
    pub breaks: Cue,
    pub count_keys: Cue,
    pub max_gap: usize,
    pub counts: Vec<CountDef>,
    pub class_line: Cue,
    pub item_line: Cue,
    pub coded_line: Cue,
    pub kuan_line: Cue,
    pub lines: Vec<LineDef>,
    pub under: Vec<UnderDef>,
    pub with_carryover: Vec<CarryoverDef>,
    pub variance: Cue,
    pub comparable: Cue,
    pub adjusted_budget: Cue,
    pub adjusted_completion: Cue,
    pub list_total: Cue,
    pub reason: Cue,
    pub reason_part: Cue,
    pub net_change: Cue,
    pub policy_pct: Cue,
    /// (cue, suffix) of `[[clause.share_of]]`.
    pub share_of: Vec<(Cue, String)>,
    /// The pattern files' direction words and the clause reader's own.
    pub signs: crate::extract::patterns::Signs,
    /// All of `signs` in one automaton (longest first), and each word's sign.
    directions: Option<AhoCorasick>,
    direction_signs: Vec<i8>,
}

impl Cues {
    /// Build the cues the clause reader asks of nearly every sentence (the
    /// per-key cues of `counts`, `lines` … are built on first use).
    pub fn warm_up(&self) {
        for cue in self.every() {
            cue.get();
        }
    }

    /// Every cue regex.
    fn every(&self) -> [&Cue; 25] {
        [
            &self.continuation,
            &self.aside,
            &self.share,
            &self.completion,
            &self.versus_budget,
            &self.prior,
            &self.prior_before,
            &self.budget,
            &self.final_figure,
            &self.value,
            &self.breaks,
            &self.count_keys,
            &self.class_line,
            &self.item_line,
            &self.coded_line,
            &self.kuan_line,
            &self.variance,
            &self.comparable,
            &self.adjusted_budget,
            &self.adjusted_completion,
            &self.list_total,
            &self.reason,
            &self.reason_part,
            &self.net_change,
            &self.policy_pct,
        ]
    }

    /// `compile` expands the pattern files' definitions and builds a regex.
    pub fn compile(
        defs: &CueDefs,
        signs: &crate::extract::patterns::Signs,
        compile: &dyn Fn(&str) -> Result<LazyRegex, String>,
    ) -> Result<Cues, String> {
        let mut signs = signs.clone();
        signs.positive.extend(defs.positive.iter().cloned());
        signs.negative.extend(defs.negative.iter().cloned());
        let re = |name: &str, s: &Option<String>| -> Result<Cue, String> {
            s.as_deref()
                .map(|s| compile(s).map_err(|e| format!("[clause] {name}: {e}")))
                .transpose()
                .map(Cue)
        };
        Ok(Cues {
            continuation: re("continuation", &defs.continuation)?,
            aside: re("aside", &defs.aside)?,
            share: re("share", &defs.share)?,
            completion: re("completion", &defs.completion)?,
            versus_budget: re("versus_budget", &defs.versus_budget)?,
            prior: re("prior", &defs.prior)?,
            prior_before: re("prior_before", &defs.prior_before)?,
            budget: re("budget", &defs.budget)?,
            final_figure: re("final_figure", &defs.final_figure)?,
            value: re("value", &defs.value)?,
            breaks: re("breaks", &defs.breaks)?,
            count_keys: re("count_keys", &defs.count_keys)?,
            max_gap: defs.max_gap.unwrap_or(24),
            counts: defs.count.clone(),
            class_line: re("class_line", &defs.class_line)?,
            item_line: re("item_line", &defs.item_line)?,
            directions: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(
                    signs
                        .positive
                        .iter()
                        .chain(&signs.negative)
                        .chain(&signs.zero),
                )
                .ok(),
            direction_signs: signs
                .positive
                .iter()
                .map(|_| 1)
                .chain(signs.negative.iter().map(|_| -1))
                .chain(signs.zero.iter().map(|_| 0))
                .collect(),
            coded_line: re("coded_line", &defs.coded_line)?,
            kuan_line: re("kuan_line", &defs.kuan_line)?,
            under: defs.under.clone(),
            with_carryover: defs.with_carryover.clone(),
            variance: re("variance", &defs.variance)?,
            comparable: re("comparable", &defs.comparable)?,
            adjusted_budget: re("adjusted_budget", &defs.adjusted_budget)?,
            adjusted_completion: re("adjusted_completion", &defs.adjusted_completion)?,
            list_total: re("list_total", &defs.list_total)?,
            reason: re("reason", &defs.reason)?,
            reason_part: re("reason_part", &defs.reason_part)?,
            net_change: re("net_change", &defs.net_change)?,
            policy_pct: re("policy_pct", &defs.policy_pct)?,
            share_of: defs
                .share_of
                .iter()
                .map(|d| Ok((re("share_of", &Some(d.cue.clone()))?, d.suffix.clone())))
                .collect::<Result<_, String>>()?,
            signs,
            lines: defs.line.clone(),
        })
    }

    /// The sign of the last direction word in `s` (0 for a no-change word).
    pub fn last_direction(&self, s: &str) -> Option<i8> {
        let m = self.directions.as_ref()?.find_iter(s).last()?;
        Some(self.direction_signs[m.pattern().as_usize()])
    }

    /// The sign of a direction word that ends `s` (`增加`, `减少了`).
    pub fn direction_before(&self, s: &str) -> Option<i8> {
        let s = s.trim_end().trim_end_matches('了');
        let signs = &self.signs;
        [
            (&signs.positive, 1),
            (&signs.negative, -1),
            (&signs.zero, 0),
        ]
        .into_iter()
        .find_map(|(words, sign)| {
            words
                .iter()
                .any(|w| s.ends_with(w.as_str()))
                .then_some(sign)
        })
    }

    /// The key `child` takes in a `其中` list under `parent` (`[[clause.under]]`).
    pub fn under_key(&self, parent: &str, child: &str) -> Option<&str> {
        self.under
            .iter()
            .find(|u| u.parent == parent && u.child == child)
            .map(|u| u.key.as_str())
    }

    /// Whether `key` holds counts rather than amounts.
    pub fn is_count_key(&self, key: &str) -> bool {
        self.count_keys.is_match(key)
    }
}

/// Finds every term name in a text in one pass, longest name first.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub terms: Vec<Term>,
    /// The distinct names, without spaces, leftmost-longest.
    automaton: crate::phrase_set::LazyAutomaton,
    /// For each name of the automaton, the terms printed under it, in file
    /// order (shared with every hit of the name).
    owners: Vec<std::sync::Arc<[usize]>>,
}

/// A name found in the text.
#[derive(Debug, Clone)]
pub struct NameHit {
    pub start: usize,
    pub end: usize,
    /// The terms printed under this name, in file order.
    pub terms: std::sync::Arc<[usize]>,
}

impl Lexicon {
    /// `names[i]` are the names of `terms[i]`; a space in a name is dropped
    /// (normalized text has none next to Chinese characters).
    pub fn new(terms: Vec<Term>, names: &[Vec<String>]) -> Lexicon {
        // Terms are tried in priority order, then in file order.
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(terms[i].priority));
        let mut words: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for &i in &order {
            for n in &names[i] {
                let n: String = n.chars().filter(|c| *c != ' ').collect();
                let at = *index.entry(n).or_insert_with_key(|n| {
                    words.push(n.clone());
                    owners.push(Vec::new());
                    words.len() - 1
                });
                owners[at].push(i);
            }
        }
        Lexicon {
            terms,
            automaton: crate::phrase_set::LazyAutomaton::new(words, MatchKind::LeftmostLongest),
            owners: owners.into_iter().map(Into::into).collect(),
        }
    }

    /// Build the automaton now.
    pub fn warm_up(&self) {
        self.automaton.get();
    }

    /// Whether `key` is a term's key, or a functional line's (`.class`, `.item`).
    pub fn knows(&self, key: &str) -> bool {
        key.ends_with(".class") || key.ends_with(".item") || self.terms.iter().any(|t| t.key == key)
    }

    /// Every name in `text`, leftmost-longest, in order.
    pub fn find_all(&self, text: &str) -> Vec<NameHit> {
        let Some(ac) = self.automaton.get() else {
            return Vec::new();
        };
        ac.find_iter(text)
            .map(|m| NameHit {
                start: m.start(),
                end: m.end(),
                terms: self.owners[m.pattern().as_usize()].clone(),
            })
            .collect()
    }
}
