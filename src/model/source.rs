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
    pub field_lines: FieldLines,
}

impl Origin {
    /// The line of `path`, or of its nearest recorded ancestor, or of the object.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        self.field_lines.line_of(path).or(self.line)
    }
}

/// Lines of fields inside one object, keyed by JSON-style paths
/// (`spec.template.spec.containers[0].env[3]`).
///
/// Stored as a tree of path segments: each field keeps only what its path
/// adds to its nearest recorded ancestor (`.env`, `[3]`) and the index of
/// that ancestor. Full paths repeat long prefixes; a ReplicaSet's template
/// records a few hundred of them, and a full-size bundle has tens of
/// thousands of ReplicaSets, so the strings cost five times the tree
/// (hundreds of MiB). Lookups are rare (evidence only) and allocate nothing.
#[derive(Debug, Clone, Default)]
pub struct FieldLines {
    /// Boxed, so the many objects with none (events, quiet pods) pay one
    /// pointer, not two empty lists.
    tree: Option<Box<Tree>>,
}

#[derive(Debug, Clone, Default)]
struct Tree {
    segments: String,
    fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy)]
struct Field {
    /// End of this field's segment in `segments`; it starts where the
    /// previous field's ends.
    end: u32,
    /// Index + 1 of the nearest recorded ancestor; 0 for none.
    parent: u32,
    line: u64,
}

impl FieldLines {
    pub fn is_empty(&self) -> bool {
        self.tree.is_none()
    }

    pub fn len(&self) -> usize {
        self.tree.as_ref().map_or(0, |t| t.fields.len())
    }

    /// The line of `path`, or of its nearest recorded ancestor.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        let tree = self.tree.as_ref()?;
        let mut probe = path;
        loop {
            if let Some(i) = (0..tree.fields.len()).find(|&i| tree.is_path(i, probe)) {
                return Some(tree.fields[i].line);
            }
            let cut = probe.rfind(['.', '['])?;
            probe = &probe[..cut];
        }
    }

    /// Every recorded path and its line, in the order recorded.
    pub fn iter(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        self.tree.iter().flat_map(|t| (0..t.fields.len()).map(move |i| (t.path(i), t.fields[i].line)))
    }

    pub fn shift(&mut self, by: u64) {
        for f in self.tree.iter_mut().flat_map(|t| t.fields.iter_mut()) {
            f.line += by;
        }
    }
}

impl Tree {
    fn segment(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.fields[i - 1].end as usize };
        &self.segments[start..self.fields[i].end as usize]
    }

    fn is_path(&self, i: usize, path: &str) -> bool {
        let Some(rest) = path.strip_suffix(self.segment(i)) else {
            return false;
        };
        match self.fields[i].parent {
            0 => rest.is_empty(),
            parent => self.is_path(parent as usize - 1, rest),
        }
    }

    fn path(&self, i: usize) -> String {
        match self.fields[i].parent {
            0 => self.segment(i).to_string(),
            parent => self.path(parent as usize - 1) + self.segment(i),
        }
    }
}

/// Builds [`FieldLines`] from full paths. Paths come parent first (the
/// order of a walk over the object), which makes the tree shallow; any
/// order gives correct lookups.
#[derive(Default)]
pub struct FieldLinesBuilder {
    lines: Tree,
    /// The last path pushed.
    last: String,
    /// Its recorded ancestors, outermost first: (length of the ancestor's
    /// path, a prefix of `last`; its index + 1).
    open: Vec<(usize, u32)>,
}

impl FieldLinesBuilder {
    pub fn push(&mut self, path: &str, line: u64) {
        let last = &self.last;
        let under = |len: usize| {
            path.len() > len
                && path.as_bytes().starts_with(&last.as_bytes()[..len])
                && matches!(path.as_bytes()[len], b'.' | b'[')
        };
        while self.open.last().is_some_and(|&(len, _)| !under(len)) {
            self.open.pop();
        }
        let (parent, segment) = match self.open.last() {
            Some(&(len, index)) => (index, &path[len..]),
            None => (0, path),
        };
        let lines = &mut self.lines;
        // Objects beyond 4 GiB of paths are not a thing kubectl prints; stop
        // recording rather than wrap.
        let Ok(end) = u32::try_from(lines.segments.len() + segment.len()) else {
            return;
        };
        lines.segments.push_str(segment);
        lines.fields.push(Field { end, parent, line });
        self.open.push((path.len(), lines.fields.len() as u32));
        self.last.clear();
        self.last.push_str(path);
    }

    pub fn finish(self) -> FieldLines {
        let mut tree = self.lines;
        if tree.fields.is_empty() {
            return FieldLines::default();
        }
        tree.segments.shrink_to_fit();
        tree.fields.shrink_to_fit();
        FieldLines { tree: Some(Box::new(tree)) }
    }
}

impl FromIterator<(String, u64)> for FieldLines {
    fn from_iter<I: IntoIterator<Item = (String, u64)>>(iter: I) -> Self {
        let mut builder = FieldLinesBuilder::default();
        for (path, line) in iter {
            builder.push(&path, line);
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lines_find_paths_and_their_nearest_ancestor() {
        let lines: FieldLines = [
            ("spec", 2),
            ("spec.containers", 3),
            ("spec.containers[0]", 4),
            ("spec.containers[0].env", 9),
            ("spec.containers[0].env[1]", 11),
            ("spec.containers[1]", 20),
            ("status.containerStatuses[0].lastState.terminated", 40),
            ("metadata.annotations.a.b/c", 50),
        ]
        .into_iter()
        .map(|(p, l)| (p.to_string(), l))
        .collect();
        assert_eq!(lines.line_of("spec.containers[0].env[1]"), Some(11));
        assert_eq!(lines.line_of("spec.containers[0].env[1].valueFrom"), Some(11));
        assert_eq!(lines.line_of("spec.containers[0].env[2]"), Some(9));
        assert_eq!(lines.line_of("spec.containers[1].image"), Some(20));
        assert_eq!(lines.line_of("spec.containers[10]"), Some(3));
        assert_eq!(lines.line_of("status.containerStatuses[0].lastState.terminated.reason"), Some(40));
        assert_eq!(lines.line_of("status.containerStatuses[0].state"), None);
        assert_eq!(lines.line_of("metadata.annotations.a.b/c"), Some(50));
        assert_eq!(lines.line_of("pec.containers[0]"), None);
        // A prefix that is not at a segment boundary is not an ancestor.
        let odd: FieldLines = [("spec.c", 1), ("spec.containers", 2)].into_iter().map(|(p, l)| (p.into(), l)).collect();
        assert_eq!(odd.line_of("spec.containers"), Some(2));
        assert_eq!(odd.line_of("spec.c"), Some(1));
        let all: Vec<(String, u64)> = lines.iter().collect();
        assert_eq!(all[4], ("spec.containers[0].env[1]".to_string(), 11));
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn field_lines_shift_with_their_object() {
        let mut lines: FieldLines = [("a", 1), ("a.b", 2)].into_iter().map(|(p, l)| (p.to_string(), l)).collect();
        lines.shift(10);
        assert_eq!(lines.line_of("a.b"), Some(12));
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
