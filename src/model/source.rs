//! Where every piece of the model came from, so each finding can point at a
//! file and line the reader can open, and every input problem is reported.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceId(pub u32);

/// One file: `input` is the path the user gave, `path` the file inside it
/// (relative to a bundle directory, or the file itself for a loose file).
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub input: String,
    pub path: String,
}

#[derive(Debug, Default)]
pub struct Sources {
    list: Vec<Source>,
}

impl Sources {
    pub fn add(&mut self, input: &str, path: &str) -> SourceId {
        self.list.push(Source { input: input.to_string(), path: path.to_string() });
        SourceId((self.list.len() - 1) as u32)
    }
    pub fn get(&self, id: SourceId) -> &Source {
        &self.list[id.0 as usize]
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A place in an input: a file, and the 1-based line where an object starts.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub source: SourceId,
    /// The object came from `kubectl describe` text, not a serialised object.
    pub describe: bool,
    pub line: Option<u64>,
    /// Lines of fields inside the object (`status.containerStatuses[0].lastState`),
    /// recorded only for objects rules are likely to quote.
    pub field_lines: Vec<(String, u64)>,
}

impl Origin {
    /// The line of `path`, or of its nearest recorded ancestor, or of the object.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        let mut probe = path;
        loop {
            if let Some((_, line)) = self.field_lines.iter().find(|(p, _)| p == probe) {
                return Some(*line);
            }
            match probe.rfind(['.', '[']) {
                Some(cut) => probe = &probe[..cut],
                None => return self.line,
            }
        }
    }
}

/// Stable codes for input problems (report contract: `warnings[].code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    InvalidJson,
    InvalidYaml,
    InvalidItem,
    UnreadableFile,
    EmptyFile,
    NotUtf8,
    UnknownFormat,
    CollectorError,
    MissingLog,
    LongLine,
    /// An archive could not be fully read (corrupt, truncated, a bound reached).
    Archive,
    /// `kubectl describe` text with parts that could not be read.
    InvalidDescribe,
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string));
        f.write_str(text.as_deref().unwrap_or("warning"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    pub code: WarningCode,
    /// The input (bundle directory, archive or file) the problem is in.
    pub input: String,
    /// The file inside the input (the file itself for a loose file).
    pub source: String,
    pub message: String,
}
