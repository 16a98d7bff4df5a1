//! YAML exports: `kubectl get -o yaml`, multi-document streams, must-gather lists.
//!
//! serde_yaml reports no positions for values, so documents are split on
//! their `---` markers here (to know each one's first line) and list items
//! are located by their `- ` at the list's indentation. Positions of parse
//! errors come from serde_yaml and are made absolute.

pub struct Doc<'a> {
    pub value: serde_yaml::Value,
    /// 1-based line where the document's content starts.
    pub line: u64,
    pub text: &'a str,
}

/// Splits a stream into documents and parses each. An error names the
/// line and column in the whole file; the other documents are still read.
pub fn documents(text: &str) -> Vec<Result<Doc<'_>, String>> {
    let mut out = Vec::new();
    for (start_line, chunk) in split_documents(text) {
        if chunk.lines().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        }) {
            continue;
        }
        match serde_yaml::from_str::<serde_yaml::Value>(chunk) {
            Ok(value) => {
                if value.is_null() {
                    continue;
                }
                out.push(Ok(Doc { value, line: start_line, text: chunk }))
            }
            Err(e) => {
                let message = match e.location() {
                    Some(loc) => format!(
                        "not valid YAML at line {}, column {}: {}; this document was skipped",
                        start_line + loc.line() as u64 - 1,
                        loc.column(),
                        e.to_string().split(" at line ").next().unwrap_or_default()
                    ),
                    None => format!(
                        "not valid YAML in the document starting at line {start_line}: {e}; this document was skipped"
                    ),
                };
                out.push(Err(message));
            }
        }
    }
    out
}

/// (first line number, text) of each document between `---` / `...` markers.
fn split_documents(text: &str) -> Vec<(u64, &str)> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u64;
    let mut offset = 0usize;
    for (line_no, line) in (1u64..).zip(text.split_inclusive('\n')) {
        let bare = line.trim_end();
        let is_marker = bare == "---" || bare.starts_with("--- ") || bare == "...";
        if is_marker {
            docs.push((start_line, &text[start..offset]));
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start..]));
    docs
}

/// Lines where the items of a top-level `items:` sequence start.
pub fn item_lines(doc: &str, first_line: u64) -> Vec<u64> {
    let mut lines = Vec::new();
    let mut in_items = false;
    let mut dash_indent: Option<usize> = None;
    for (i, line) in doc.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if !in_items {
            if indent == 0 && (trimmed == "items:" || trimmed.starts_with("items: ")) {
                in_items = true;
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if indent == 0 && !trimmed.starts_with("- ") && trimmed != "-" {
            break; // the next top-level key
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match dash_indent {
                None => {
                    dash_indent = Some(indent);
                    lines.push(first_line + i as u64);
                }
                Some(d) if d == indent => lines.push(first_line + i as u64),
                _ => {}
            }
        }
    }
    lines
}

/// Lines where the items of a top-level sequence (a document that is a
/// bare `- ...` list) start.
pub fn sequence_lines(doc: &str, first_line: u64) -> Vec<u64> {
    doc.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("- ") || *l == "-")
        .map(|(i, _)| first_line + i as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multi_document_streams_with_lines() {
        let text = "---\nkind: Pod\nmetadata:\n  name: a\n---\nkind: Pod\nmetadata:\n  name: b\n";
        let docs = documents(text);
        assert_eq!(docs.len(), 2);
        let lines: Vec<u64> = docs.iter().map(|d| d.as_ref().map(|d| d.line).unwrap_or(0)).collect();
        assert_eq!(lines, vec![2, 6]);
    }

    #[test]
    fn reports_errors_with_absolute_lines() {
        let text = "kind: Pod\n---\nkind: Pod\nmetadata: [unclosed\n";
        let docs = documents(text);
        assert!(docs[0].is_ok());
        let err = docs[1].as_ref().err().expect("second document is broken");
        assert!(err.contains("line 4") || err.contains("line 5"), "{err}");
    }

    #[test]
    fn finds_bare_sequence_items() {
        assert_eq!(sequence_lines("- kind: A\n  x: 1\n- kind: B\n", 5), vec![5, 7]);
    }

    #[test]
    fn finds_list_item_lines_at_both_indentations() {
        let doc = "apiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    name: a\n  spec:\n    containers:\n    - name: c\n- kind: Pod\nkind: List\n";
        assert_eq!(item_lines(doc, 1), vec![3, 9]);
        let indented = "items:\n  - kind: Pod\n    x: 1\n  - kind: Pod\n";
        assert_eq!(item_lines(indented, 10), vec![11, 13]);
    }
}
