//! What a run does with the documents earlier runs put in the same out dir.

use std::path::PathBuf;

/// What becomes of the documents of earlier runs into the same out dir
/// that this run's inputs do not hold.
#[derive(Debug, Clone, Default)]
pub enum Earlier {
    /// They leave the dataset: it holds this run's inputs only.
    #[default]
    Prune,
    /// They stay, except those whose source lies under one of these input
    /// paths (the file was in a folder read now, and is gone from it).
    KeepOutside(Vec<String>),
}

impl Earlier {
    /// The paths given to a run, as the sources found under them begin.
    pub fn keep_outside(inputs: &[PathBuf]) -> Earlier {
        let roots = if inputs.is_empty() {
            vec!["corpus".to_string()]
        } else {
            inputs
                .iter()
                .map(|p| p.display().to_string().trim_end_matches('/').to_string())
                .collect()
        };
        Earlier::KeepOutside(roots)
    }

    pub(super) fn keeps(&self, source: &str) -> bool {
        match self {
            Earlier::Prune => false,
            Earlier::KeepOutside(roots) => !roots.iter().any(|root| {
                source == root
                    || source
                        .strip_prefix(root.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }),
        }
    }
}
