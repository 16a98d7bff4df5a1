//! User rule packs: signature rules read from YAML files at run time
//! (`podmortem analyze --rules FILE|DIR`, `podmortem rules --check FILE`).
//!
//! A pack is one YAML file holding one rule or several separated by `---`,
//! or a directory of such files (`*.yaml`, `*.yml`, read in name order).
//! Rules use the format of the built-in signature rules
//! (`src/rules/signatures/*.yaml`, shown by `podmortem rules --show ID`).
//! Every problem is reported with the file, the line and column where the
//! YAML parser or a search of the text can place it, and what to change.

use super::signature::{SignatureRule, SignatureSpec};
use super::{Rule, RuleOrigin};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Cause ids of the public taxonomy (docs/causes.md). A user rule emits one
/// of these or its own id under `custom/`.
pub const CAUSE_IDS: &[&str] = &[
    "oom-killed",
    "node-memory-pressure",
    "node-disk-pressure",
    "app-error",
    "dependency-unreachable",
    "exit-zero-restart",
    "missing-env-or-config",
    "liveness-probe-failure",
    "startup-probe-failure",
    "probe-misconfigured",
    "exec-format-error",
    "command-not-found",
    "segfault",
    "image-pull",
    "unschedulable",
    "volume-mount-failure",
    "dns-loop",
    "dns-upstream-unreachable",
    "cni-ip-exhaustion",
    "cni-permissions",
    "calico-failure",
    "ingress-controller-config",
    "cloud-permissions",
    "rbac-forbidden",
    "api-server-unreachable",
    "host-error",
    "terminated-by-signal",
    "iac-state-lock",
    "no-logs",
    "unknown-crash",
];

/// One problem in a rule pack, placed as precisely as the text allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The rules of one or more packs, or every problem found in them.
pub struct Pack {
    pub rules: Vec<SignatureRule>,
}

/// Reads the packs at `paths` (files or directories). `log_offset` is where
/// their log patterns start in the shared pattern list; `taken` are the rule
/// ids already in use (the built-in ones). All errors are returned, not
/// just the first, so one `rules --check` run shows everything to fix.
pub fn load(paths: &[PathBuf], log_offset: usize, taken: &[String]) -> Result<Pack, Vec<PackError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match pack_files(path) {
            Ok(found) => files.extend(found),
            Err(e) => errors.push(e),
        }
    }
    let mut rules: Vec<SignatureRule> = Vec::new();
    let mut offset = log_offset;
    let mut ids: Vec<String> = taken.to_vec();
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                errors.push(PackError { file: name, line: None, column: None, message: format!("cannot read: {e}") });
                continue;
            }
        };
        for parsed in parse_text(&name, &text, offset) {
            match parsed {
                Ok(rule) => {
                    let id = rule.info().id.clone();
                    if ids.contains(&id) {
                        let (line, column) = locate_key(&text, "id", Some(&id));
                        errors.push(PackError {
                            file: name.clone(),
                            line,
                            column,
                            message: format!(
                                "rule id `{id}` is already taken (by a built-in rule or an earlier rule); give this rule its own id"
                            ),
                        });
                        continue;
                    }
                    ids.push(id);
                    offset += rule.log_patterns().len();
                    rules.push(rule);
                }
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() { Ok(Pack { rules }) } else { Err(errors) }
}

/// The YAML files of a pack path: the file itself, or a directory's
/// `*.yaml` / `*.yml` files (recursively), in name order.
fn pack_files(path: &Path) -> Result<Vec<PathBuf>, PackError> {
    let error = |message: String| PackError { file: path.display().to_string(), line: None, column: None, message };
    let meta = std::fs::metadata(path).map_err(|e| error(format!("cannot read the rule pack: {e}")))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| error(format!("cannot list {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(p);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(error("the directory holds no .yaml or .yml rule file".into()));
    }
    Ok(found)
}

/// Parses every rule (YAML document) of one file.
pub fn parse_text(file: &str, text: &str, log_offset: usize) -> Vec<Result<SignatureRule, PackError>> {
    let mut out = Vec::new();
    let mut offset = log_offset;
    let starts = document_starts(text);
    let mut last_error: Option<(Option<usize>, String)> = None;
    for (n, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let doc_start = starts.get(n).copied().unwrap_or(0);
        let doc_text = &text[doc_start..starts.get(n + 1).copied().unwrap_or(text.len())];
        // serde_yaml panics deserializing a struct from some malformed
        // aliases (`panic: *x`, an alias to no anchor: found by fuzzing)
        // but not when it builds a `Value`, and the bounded `Value` parse
        // also stops alias bombs. A document it rejects ends the file: after
        // such an error serde_yaml cannot find the next document anyway.
        if let Err(e) = crate::ingest::yaml::parse_value(doc_text) {
            let first_line = line_of_offset(text, doc_start);
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(cut) if e.location().is_some() => message[..cut].to_string(),
                _ => message,
            };
            out.push(Err(PackError {
                file: file.to_string(),
                line: e.location().map(|l| l.line() + first_line - 1),
                column: e.location().map(|l| l.column()),
                message: hint_for(&message),
            }));
            break;
        }
        let spec = match SignatureSpec::deserialize(document) {
            Ok(spec) => spec,
            Err(e) => {
                // After a syntax error serde_yaml's document iterator never
                // ends: it yields the same error again and again.
                let error = (e.location().map(|l| l.index()), e.to_string());
                if last_error.as_ref() == Some(&error) {
                    break;
                }
                last_error = Some(error);
                // A document with nothing in it (a trailing `---`) is not a rule.
                if doc_text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
                {
                    continue;
                }
                let location = e.location();
                let message = e.to_string();
                // serde_yaml appends " at line L column C"; the prefix says it already.
                let message = match message.rfind(" at line ") {
                    Some(cut) if location.is_some() => message[..cut].to_string(),
                    _ => message,
                };
                out.push(Err(PackError {
                    file: file.to_string(),
                    line: location.as_ref().map(|l| l.line()),
                    column: location.as_ref().map(|l| l.column()),
                    message: hint_for(&message),
                }));
                continue;
            }
        };
        if let Err(e) = check_cause(&spec) {
            let (line, column) = locate_key(doc_text, "cause", None);
            out.push(Err(PackError {
                file: file.to_string(),
                line: line.map(|l| l + line_of_offset(text, doc_start) - 1),
                column,
                message: e,
            }));
            continue;
        }
        match SignatureRule::from_spec(file, spec, doc_text.to_string(), offset, RuleOrigin::Custom) {
            Ok(rule) => {
                offset += rule.log_patterns().len();
                out.push(Ok(rule));
            }
            Err(super::signature::SignatureError::Invalid { message, .. }) => {
                let (line, column) = locate_problem(doc_text, &message);
                out.push(Err(PackError {
                    file: file.to_string(),
                    line: line.map(|l| l + line_of_offset(text, doc_start) - 1),
                    column,
                    message,
                }));
            }
        }
    }
    out
}

/// A user rule's cause must be a public id or under `custom/`.
fn check_cause(spec: &SignatureSpec) -> Result<(), String> {
    let cause = spec.cause.as_str();
    if CAUSE_IDS.contains(&cause) {
        return Ok(());
    }
    match cause.strip_prefix("custom/") {
        // The report schema's pattern: `^custom/[a-z0-9][a-z0-9-/]*$`.
        Some(rest)
            if rest.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '/') =>
        {
            Ok(())
        }
        Some(_) => Err(format!(
            "cause `{cause}`: a custom cause is `custom/` followed by lowercase letters, digits and - (e.g. custom/payment-gateway-down)"
        )),
        None => Err(format!(
            "cause `{cause}` is not a podmortem cause id; use one of the ids `podmortem rules` lists, or your own under `custom/` (custom/{cause})"
        )),
    }
}

/// Adds what to do to serde's message where it is not obvious.
fn hint_for(message: &str) -> String {
    if message.starts_with("unknown field") {
        format!("{message} (see `podmortem rules --show dns-loop` for a complete rule)")
    } else if message.starts_with("missing field") {
        format!("{message}: every rule needs `id`, `cause`, `match` and `title`")
    } else {
        message.to_string()
    }
}

/// Byte offsets where each YAML document of `text` starts.
fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    let mut first_content = true;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            // A leading `---` opens the first document rather than a second one.
            if !first_content {
                starts.push(at);
            }
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            first_content = false;
        }
        at += line.len();
    }
    starts
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Line and column (1-based) of `key:` in `text`, preferring the line whose
/// value is `value` when given.
fn locate_key(text: &str, key: &str, value: Option<&str>) -> (Option<usize>, Option<usize>) {
    let mut first = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if let Some(rest) = body.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let column = line.len() - body.len() + 1;
            if value.is_none_or(|v| rest.trim().trim_matches(['"', '\'']) == v) {
                return (Some(n + 1), Some(column));
            }
            first.get_or_insert((Some(n + 1), Some(column)));
        }
    }
    first.unwrap_or((None, None))
}

/// Places a compile error (`match.logs: regex parse error ... <pattern>`,
/// `title: syntax error ...`) on the line of the offending text.
fn locate_problem(text: &str, message: &str) -> (Option<usize>, Option<usize>) {
    let section = message.split(':').next().unwrap_or("").trim();
    // Regex errors quote the pattern on the line after "regex parse error:".
    let pattern = message
        .lines()
        .skip_while(|l| !l.contains("regex parse error"))
        .nth(1)
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(pattern) = pattern {
        let escaped = pattern.replace('\\', "\\\\");
        for candidate in [pattern.to_string(), escaped, pattern.replace('\'', "''")] {
            if let Some(at) = text.find(&candidate) {
                let line = line_of_offset(text, at);
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                return (Some(line), Some(text[line_start..at].chars().count() + 1));
            }
        }
    }
    let key = section.rsplit('.').next().unwrap_or(section);
    let key = key.split('[').next().unwrap_or(key);
    locate_key(text, key, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id: payments-gateway\ncause: custom/payment-gateway-down\nsummary: s\nmatch:\n  logs: ['gateway (?P<gw>\\S+) unreachable']\ntitle: '{{ namespace }}/{{ workload }}: gateway {{ gw }} down'\n";

    fn errors(text: &str) -> Vec<PackError> {
        parse_text("pack.yaml", text, 0).into_iter().filter_map(Result::err).collect()
    }

    #[test]
    fn a_valid_rule_parses_with_optional_doc_and_explanation() {
        let parsed = parse_text("pack.yaml", GOOD, 7);
        assert_eq!(parsed.len(), 1);
        let rule = parsed.into_iter().next().expect("one").expect("valid");
        assert_eq!(rule.info().origin, RuleOrigin::Custom);
        assert_eq!(rule.log_patterns().len(), 1);
    }

    #[test]
    fn several_documents_in_one_file_and_errors_carry_their_own_line() {
        let text = format!(
            "{GOOD}---\n{}---\nid: third\ncause: custom/x\nmatch: {{}}\ntitle: t\nseverity: loud\n",
            GOOD.replace("payments-gateway", "second")
        );
        let parsed = parse_text("pack.yaml", &text, 0);
        assert_eq!(parsed.len(), 3);
        let err = parsed[2].as_ref().err().expect("bad severity");
        assert_eq!(err.line, Some(19), "{err}");
        assert!(err.message.contains("unknown variant `loud`"), "{err}");
    }

    #[test]
    fn a_bad_regex_is_placed_on_its_line_and_column() {
        let text = "id: x\ncause: custom/x\nmatch:\n  logs:\n    - 'ok'\n    - 'broken (group'\ntitle: t\n";
        let err = &errors(text)[0];
        assert_eq!((err.line, err.column), (Some(6), Some(8)), "{err}");
        assert!(err.message.starts_with("match.logs"), "{err}");
        assert!(err.to_string().starts_with("pack.yaml:6:8: match.logs"), "{err}");
    }

    #[test]
    fn an_unknown_cause_and_a_bad_template_are_explained() {
        let err = &errors("id: x\ncause: payment-down\nmatch: {exit_codes: [3]}\ntitle: t\n")[0];
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("custom/payment-down"), "{err}");
        let err = &errors("id: x\ncause: custom/x\nmatch: {exit_codes: [3]}\ntitle: '{{ pod '\n")[0];
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.starts_with("title"), "{err}");
    }

    #[test]
    fn unknown_and_missing_fields_say_what_to_do() {
        let err = &errors("id: x\ncause: custom/x\nmatch: {exit_codes: [3]}\ntitle: t\nlogs: [a]\n")[0];
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("unknown field `logs`"), "{err}");
        let err = &errors("id: x\ncause: custom/x\nmatch: {}\n")[0];
        assert!(err.message.contains("missing field `title`"), "{err}");
    }

    #[test]
    fn cause_ids_match_the_documented_table() {
        let table = include_str!("../../docs/causes.md");
        for id in CAUSE_IDS {
            assert!(table.contains(&format!("| `{id}` |")), "docs/causes.md lacks {id}");
        }
        let rows = table.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(rows, CAUSE_IDS.len(), "docs/causes.md and CAUSE_IDS differ");
    }
}
