//! The exit codes every command uses (documented in the README, "Exit codes").

/// How a command ended. The order is the order of precedence: a command that
/// both met findings over its threshold and failed on some documents exits
/// with the greater code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything done.
    Done = 0,
    /// Partly done: some documents (for `crawl`, some sites or URLs) failed;
    /// the rest was done.
    Partial = 1,
    /// A bad flag or argument (clap's own code; listed for completeness).
    #[allow(dead_code)]
    Usage = 2,
    /// Findings at or above the `--fail-on` threshold (`check`, `run`).
    Findings = 3,
    /// Unable to work at all: output locked or not writable, patterns or
    /// configuration that fail to load, no input found.
    Unable = 4,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// `--fail-on`: the least severe finding that makes the command exit 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn threshold(self) -> caizheng::report::Severity {
        use caizheng::report::Severity;
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }

    /// Whether any of these severity counts (by name, as the exports count
    /// them) reaches the threshold.
    pub fn reached_by_counts<'a>(
        self,
        counts: impl IntoIterator<Item = (&'a String, &'a u64)>,
    ) -> bool {
        counts.into_iter().any(|(name, n)| {
            *n > 0 && severity_named(name).is_some_and(|severity| severity >= self.threshold())
        })
    }
}

fn severity_named(name: &str) -> Option<caizheng::report::Severity> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}
