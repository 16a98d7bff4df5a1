//! Externally supplied line patterns (signature rules written as data).

use regex::{Regex, RegexSet, SetMatches};

/// A list of regexes compiled once for the whole scan.
///
/// Almost no line matches any pattern, so every line first meets one
/// combined alternation (`(?:p0)|(?:p1)|...`), a single automaton with a
/// literal prefilter; only lines it matches pay for the `RegexSet` pass that
/// says which patterns matched. Patterns see the line without its leading
/// timestamp (see [`super::split_timestamp`]), so `^` anchors at the
/// program's own text, and without ANSI escapes.
#[derive(Clone, Debug)]
pub struct LogPatterns {
    set: RegexSet,
    /// `None` when there are no patterns, or when the alternation could not
    /// be built although each pattern compiles (an `(?x)` comment without a
    /// trailing newline swallows the closing group): the set then serves as
    /// its own prefilter.
    combined: Option<Regex>,
}

impl LogPatterns {
    /// Compiles `patterns`; pattern `i` is reported as hit index `i`.
    pub fn new(patterns: &[&str]) -> Result<Self, regex::Error> {
        let set = RegexSet::new(patterns)?;
        let combined = if patterns.is_empty() {
            None
        } else {
            let alternation: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
            Regex::new(&alternation.join("|")).ok()
        };
        Ok(LogPatterns { set, combined })
    }

    /// No patterns: scanning skips pattern matching entirely.
    pub fn empty() -> Self {
        LogPatterns { set: RegexSet::empty(), combined: None }
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The patterns matching `text`, or `None` when none does.
    pub(super) fn matches(&self, text: &str) -> Option<SetMatches> {
        if self.set.is_empty() {
            return None;
        }
        if let Some(combined) = &self.combined {
            if !combined.is_match(text) {
                return None;
            }
        }
        let matched = self.set.matches(text);
        matched.matched_any().then_some(matched)
    }
}

impl Default for LogPatterns {
    fn default() -> Self {
        LogPatterns::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::LogPatterns;

    #[test]
    fn compiles_and_attributes() {
        let p = LogPatterns::new(&["(?i)oomkilled", r"^dial tcp \S+: i/o timeout", "x"]).expect("valid");
        assert_eq!(p.len(), 3);
        assert!(p.combined.is_some());
        let got: Vec<usize> = p.matches("OOMKilled x").map(|m| m.iter().collect()).unwrap_or_default();
        assert_eq!(got, vec![0, 2]);
        // The inline flag of pattern 0 must not leak into pattern 1 through the alternation.
        assert!(p.matches("DIAL TCP 1.2.3.4:443: I/O TIMEOUT").is_none());
        assert!(p.matches("nothing here").is_none());
    }

    #[test]
    fn rejects_bad_patterns_and_survives_odd_ones() {
        assert!(LogPatterns::new(&["ok", "(unclosed"]).is_err());
        let p = LogPatterns::new(&["(?x) oom  # comment", "b"]).expect("each pattern is valid alone");
        assert!(p.combined.is_none());
        let got: Vec<usize> = p.matches("oom b").map(|m| m.iter().collect()).unwrap_or_default();
        assert_eq!(got, vec![0, 1]);
        assert!(LogPatterns::empty().is_empty());
        assert!(LogPatterns::new(&[]).expect("empty list").matches("x").is_none());
    }
}
