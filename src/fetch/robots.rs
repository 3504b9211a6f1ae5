//! robots.txt as RFC 9309 defines it: groups per user agent, the longest
//! matching rule wins, `allow` wins a tie, `*` and `$` in patterns.

/// Rules that apply to our user agent on one origin.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    rules: Vec<Rule>,
    /// Non-standard but common; honoured as a floor on request spacing.
    pub crawl_delay: Option<f64>,
}

#[derive(Debug, Clone)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// No restrictions (robots.txt missing: any 4xx).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Everything forbidden (robots.txt unreachable: 5xx or network failure).
    pub fn disallow_all() -> Robots {
        Robots {
            rules: vec![Rule {
                allow: false,
                pattern: "/".into(),
            }],
            crawl_delay: None,
        }
    }

    /// Parse robots.txt for the product token `agent` (e.g. `caizheng`).
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        // Each group: the agents it names and its rules.
        let mut groups: Vec<(Vec<String>, Vec<Rule>, Option<f64>)> = Vec::new();
        let mut in_agent_lines = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !in_agent_lines {
                        groups.push((Vec::new(), Vec::new(), None));
                    }
                    in_agent_lines = true;
                    if let Some(g) = groups.last_mut() {
                        g.0.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agent_lines = false;
                    if let Some(g) = groups.last_mut() {
                        // An empty disallow means "nothing disallowed": no rule.
                        if !value.is_empty() {
                            g.1.push(Rule {
                                allow: key == "allow",
                                pattern: value.to_string(),
                            });
                        }
                    }
                }
                "crawl-delay" => {
                    in_agent_lines = false;
                    if let Some(g) = groups.last_mut() {
                        g.2 = value
                            .parse()
                            .ok()
                            .filter(|d: &f64| d.is_finite() && *d >= 0.0);
                    }
                }
                _ => {}
            }
        }
        let matches_us = |names: &Vec<String>| {
            names.iter().any(|n| {
                let token: String = n
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic() || *c == '-' || *c == '_')
                    .collect();
                !token.is_empty() && agent == token
            })
        };
        let mut chosen: Vec<&(Vec<String>, Vec<Rule>, Option<f64>)> =
            groups.iter().filter(|g| matches_us(&g.0)).collect();
        if chosen.is_empty() {
            chosen = groups
                .iter()
                .filter(|g| g.0.iter().any(|n| n == "*"))
                .collect();
        }
        Robots {
            rules: chosen.iter().flat_map(|g| g.1.iter().cloned()).collect(),
            crawl_delay: chosen.iter().filter_map(|g| g.2).reduce(f64::max),
        }
    }

    /// Whether `path_and_query` (as sent on the wire, percent-encoded) may be fetched.
    pub fn allowed(&self, path_and_query: &str) -> bool {
        if path_and_query == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if pattern_matches(&rule.pattern, path_and_query) {
                let len = rule.pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, rule.allow)),
                };
            }
        }
        best.map(|(_, allow)| allow).unwrap_or(true)
    }
}

/// Match a robots pattern (prefix match, `*` any run, trailing `$` end) against a path.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pattern = normalize_percent(pattern);
    let path = normalize_percent(path);
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0usize;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
            continue;
        }
        let last = i == parts.len() - 1;
        if last && anchored {
            return path.len() >= pos + part.len() && path[pos..].ends_with(part);
        }
        match path[pos..].find(part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    !anchored || pos == path.len()
}

/// Upper-case percent escapes and encode non-ASCII so that `/%e9` and `/é` compare equal.
fn normalize_percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(bytes[i + 1].to_ascii_uppercase() as char);
            out.push(bytes[i + 2].to_ascii_uppercase() as char);
            i += 3;
        } else if b >= 0x80 {
            out.push_str(&format!("%{b:02X}"));
            i += 1;
        } else {
            out.push(b as char);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /private/\nAllow: /private/open/\nDisallow: /*.php$\n",
            "caizheng",
        );
        assert!(!r.allowed("/private/a.pdf"));
        assert!(r.allowed("/private/open/a.pdf"));
        assert!(!r.allowed("/x/list.php"));
        assert!(r.allowed("/x/list.php?page=2"));
        assert!(r.allowed("/public/a.pdf"));
    }

    #[test]
    fn our_group_replaces_the_star_group() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: other\nUser-agent: caizheng\nDisallow: /tmp\nCrawl-delay: 2\n",
            "caizheng",
        );
        assert!(r.allowed("/xxgk/a.pdf"));
        assert!(!r.allowed("/tmp/a"));
        assert_eq!(r.crawl_delay, Some(2.0));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "caizheng").allowed("/a"));
    }

    #[test]
    fn percent_escapes_compare_case_insensitively() {
        let r = Robots::parse("User-agent: *\nDisallow: /%e9%83%a8\n", "caizheng");
        assert!(!r.allowed("/%E9%83%A8%E9%97%A8.pdf"));
    }
}
