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
        if let Some(line) = nested_too_deep(chunk) {
            out.push(Err(format!(
                "not valid YAML at line {}: brackets nested more than {MAX_FLOW_DEPTH} deep (the parser allows 128, and \
                 reaching that depth costs time that grows with its square); this document was skipped",
                start_line + line - 1
            )));
            continue;
        }
        match bounded::parse(chunk) {
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

/// Flow nesting (`[`, `{`) past which a document is refused unparsed.
/// serde_yaml stops at depth 128 anyway, but only after libyaml has scanned
/// the whole document, and libyaml rechecks every open level at each token:
/// 30 000 `[` took 2.4 s, 300 KB of them would take minutes. The bound is
/// far above 128 so that brackets this scan counts where libyaml would not
/// (inside a plain or block scalar) cannot cost a document that parses.
const MAX_FLOW_DEPTH: usize = 1024;

/// The 1-based line (within `doc`) where flow nesting first passes
/// [`MAX_FLOW_DEPTH`], if it does. Quoted scalars are skipped; a quote only
/// opens one where YAML allows a scalar to start (after a space, an
/// indicator or at a line start), as in `don't` it does not. Comments end
/// at the line's end.
fn nested_too_deep(doc: &str) -> Option<u64> {
    let bytes = doc.as_bytes();
    // Fewer openers than the bound in all: nothing to scan (nearly every document).
    let openers = memchr::memchr2_iter(b'[', b'{', bytes).count();
    if openers <= MAX_FLOW_DEPTH {
        return None;
    }
    let mut depth = 0usize;
    let mut line = 1u64;
    let mut i = 0;
    let at_token_start =
        |i: usize| i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':' | b'-');
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' if at_token_start(i) => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                continue;
            }
            quote @ (b'\'' | b'"') if at_token_start(i) => {
                let mut j = i + 1;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' if quote == b'"' => j += 1,
                        b'\n' => line += 1,
                        b if b == quote => {
                            // `''` inside single quotes is an escaped quote.
                            if quote == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                                j += 1;
                            } else {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// One document parsed into a `Value` with alias expansion bounded (see
/// `bounded`), for YAML read outside `documents` (custom rule packs).
pub fn parse_value(text: &str) -> Result<serde_yaml::Value, serde_yaml::Error> {
    bounded::parse(text)
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
    fn documents_nested_too_deep_are_refused_before_parsing() {
        let deep = format!("kind: Pod\nmetadata:\n  name: a\nspec: {}\n---\nkind: Pod\n", "[".repeat(30_000));
        let docs = documents(&deep);
        let err = docs[0].as_ref().err().expect("refused");
        assert!(err.contains("line 4") && err.contains("nested more than 1024"), "{err}");
        assert!(docs[1].is_ok(), "the next document is still read");
        // Brackets inside quoted scalars and comments do not nest...
        let quoted = format!("a: '{0}'\nb: \"{0}\\\" {0}\"\nc: 'it''s {0}'\n# {0}\nd: 1\n", "[".repeat(2000));
        assert_eq!(nested_too_deep(&quoted), None);
        assert!(documents(&quoted)[0].is_ok());
        // ...but an apostrophe inside a plain scalar opens no quote.
        let apostrophe = format!("a: don't {}\n", "[".repeat(2000));
        assert_eq!(nested_too_deep(&apostrophe), Some(1));
        // Many brackets that close again are fine.
        assert_eq!(nested_too_deep(&"x: [[1], {a: 2}]\n".repeat(1000)), None);
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

/// Parsing into `serde_yaml::Value` with the expansion of aliases bounded.
///
/// serde_yaml replays an anchored node at every alias and caps only the
/// number of replays (100 per event of the document): nested "billion
/// laughs" stop there, but one anchored list of 40 000 items aliased 40 000
/// times is 80 000 events, 40 000 replays and 1.6 billion values from
/// 400 KB of text. Without aliases a document cannot hold more values than
/// it has bytes, nor more string bytes than about 1.5 times its bytes
/// (escapes), so each value costs one unit and each string its length, and
/// a document may spend a few times its length in units: legit anchors fit,
/// a bomb stops after a few hundred MB at most.
mod bounded {
    use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
    use serde_yaml::value::{Tag, TaggedValue};
    use serde_yaml::{Mapping, Value};
    use std::cell::Cell;
    use std::fmt;

    /// Units a document of `len` bytes may spend: generous for anchors used
    /// as meant (a few expansions of small nodes), bounded for bombs.
    fn budget(len: usize) -> u64 {
        4 * len as u64 + (1 << 20)
    }

    pub fn parse(text: &str) -> Result<Value, serde_yaml::Error> {
        let left = Cell::new(budget(text.len()));
        Bounded { left: &left }.deserialize(serde_yaml::Deserializer::from_str(text))
    }

    #[derive(Clone, Copy)]
    struct Bounded<'a> {
        left: &'a Cell<u64>,
    }

    impl Bounded<'_> {
        fn spend<E: de::Error>(self, units: u64) -> Result<(), E> {
            match self.left.get().checked_sub(units) {
                Some(left) => {
                    self.left.set(left);
                    Ok(())
                }
                None => Err(E::custom(
                    "its aliases expand to far more values than the text holds (an alias bomb, \"billion laughs\")",
                )),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Bounded<'_> {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Bounded<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any YAML value")
        }

        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Bool(b))
        }

        fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Number(i.into()))
        }

        fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Number(u.into()))
        }

        fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Number(f.into()))
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
            self.spend(1 + s.len() as u64)?;
            Ok(Value::String(s.to_owned()))
        }

        fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
            self.spend(1 + s.len() as u64)?;
            Ok(Value::String(s))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            self.spend(1)?;
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            self.deserialize(deserializer)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            self.spend(1)?;
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(self)? {
                items.push(item);
            }
            Ok(Value::Sequence(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            self.spend(1)?;
            let mut mapping = Mapping::new();
            while let Some(key) = map.next_key_seed(self)? {
                if mapping.contains_key(&key) {
                    // As serde_yaml's own Mapping: a repeated key is an error.
                    let shown = serde_yaml::to_string(&key).unwrap_or_default();
                    return Err(de::Error::custom(format_args!("duplicate entry with key {}", shown.trim_end())));
                }
                let value = map.next_value_seed(self)?;
                mapping.insert(key, value);
            }
            Ok(Value::Mapping(mapping))
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
            self.spend(1)?;
            let (tag, contents) = data.variant::<String>()?;
            if tag.is_empty() {
                return Err(de::Error::custom("empty YAML tag is not allowed"));
            }
            let value = contents.newtype_variant_seed(self)?;
            Ok(Value::Tagged(Box::new(TaggedValue { tag: Tag::new(tag), value })))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_as_serde_yaml_does() {
            let text = "a: 1\nb: [x, 2.5, true, null, ~]\nc: {d: \"e\"}\nf: !Tag {g: 1}\nanchor: &x [1, 2]\nuse: *x\n";
            let expected: Value = serde_yaml::from_str(text).expect("valid");
            assert_eq!(parse(text).expect("valid"), expected);
            assert!(parse("a: 1\na: 2\n").expect_err("duplicate").to_string().contains("duplicate entry"));
        }

        #[test]
        fn an_alias_bomb_stops() {
            let n = 20_000;
            let text = format!("x: &x [{}]\nz: [{}]\n", vec!["y"; n].join(","), vec!["*x"; n].join(","));
            let error = parse(&text).expect_err("a bomb");
            assert!(error.to_string().contains("alias bomb"), "{error}");
            // Anchors used as meant still parse.
            let modest = format!("x: &x [{}]\nz: [{}]\n", vec!["y"; 100].join(","), vec!["*x"; 100].join(","));
            assert!(parse(&modest).is_ok());
        }
    }
}
