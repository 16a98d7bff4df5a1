//! The next-step commands of a report are safe to paste into a shell,
//! whatever names the bundle holds.
//!
//! Every bundle fixture (`fixtures/rules/*/trigger*`, `fixtures/incidents/*`,
//! `fixtures/demo-bundle`) is analysed twice: as it is, and rewritten so that
//! every namespace, workload, pod, container and node name ends in
//! [`PAYLOAD`] (quotes, `;`, `$(…)`, backticks, pipes, redirections, globs,
//! a space, a newline). The names are changed where objects name each
//! other (metadata, owner references, `nodeName`, container names and
//! statuses, the objects events are about) and in the paths of the logs, so
//! the rewritten bundle fails the same way (the few names the analysis
//! recognises, [`KEPT`], stay; a fixture whose findings or incidents change
//! fails the test). Then every `command` of the
//! report (a finding's remediation, a trigger's, a postmortem action item)
//! must be, read by a POSIX shell, the command of the plain bundle with
//! each name replaced by its hostile twin inside the same word:
//! - the words (split by `shlex`, an implementation independent of ours)
//!   are the plain command's words once the payload is taken out, so each
//!   hostile name sits whole inside one word, as the plain name did;
//! - the shell syntax outside quotes (separators, pipes, redirections,
//!   substitutions, globs, comments) is the plain command's, so no
//!   character of a name acts on the shell.
//!
//! A new rule gets a trigger fixture (tests/rules.rs demands one), so a
//! rule that puts a name into a command unquoted fails here.
//!
//! The plain commands of every fixture are also a snapshot
//! (`shell_commands__plain_commands`), taken on the code before quoting was
//! added: quoting must leave ordinary names byte-identical.

mod common;

use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// What each hostile name ends with. No `/` (names are path components of
/// the logs); every character a shell treats specially outside quotes, and
/// both quotes, so no single quoting style could carry it unescaped.
const PAYLOAD: &str = "';\"$(touch pwned)`id`|&<x>*?[~!{a,b} #\\\nz";

/// The bundle fixtures, relative to `fixtures/`.
fn bundle_fixtures() -> Vec<String> {
    let root = common::fixture("");
    let mut dirs = Vec::new();
    let sorted = |dir: &Path| {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    for rule in sorted(&root.join("rules")) {
        for case in sorted(&root.join("rules").join(&rule)) {
            if case.starts_with("trigger") {
                dirs.push(format!("rules/{rule}/{case}"));
            }
        }
    }
    for incident in sorted(&root.join("incidents")) {
        dirs.push(format!("incidents/{incident}"));
    }
    dirs.push("demo-bundle".into());
    dirs
}

fn report_of(path: &Path) -> Value {
    let report = analyze(&[Input::Path(path.to_path_buf())], &Options::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::to_value(&report).expect("report serialises");
    common::assert_valid(&value);
    value
}

/// Every string under a `command` key, wherever the report holds one.
fn commands(report: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("command", Value::String(c)) => out.push(c.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(report, &mut out);
    out
}

/// What was found: each finding's cause and state, and each incident's
/// causes, root first. Hostile names must not change it, or the commands
/// compared would not be about the same things.
fn shape(report: &Value) -> Vec<String> {
    let findings = common::findings(report);
    let cause_of = |id: &Value| {
        findings.iter().find(|f| f["id"] == *id).map_or("?", |f| f["cause"].as_str().unwrap_or("?")).to_string()
    };
    let mut shape: Vec<String> = findings
        .iter()
        .map(|f| format!("finding {} {}", f["cause"].as_str().unwrap_or(""), f["state"].as_str().unwrap_or("")))
        .collect();
    for incident in report["incidents"].as_array().into_iter().flatten() {
        let mut members: Vec<String> = incident["findings"].as_array().into_iter().flatten().map(cause_of).collect();
        members.sort();
        shape.push(format!("incident {} <- {}", cause_of(&incident["root"]), members.join(" ")));
    }
    shape.sort();
    shape
}

// ------------------------------------------------------------ shell reading

/// The shell syntax of a command outside quotes: each character that
/// separates, pipes, redirects, substitutes, globs or expands, in order,
/// and `$` or a backtick inside double quotes (still live there), written
/// `"$`. A comment's text is left out; its end (the newline) is kept.
/// `None` when a quote is left open.
fn syntax(command: &str) -> Option<String> {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut quote = Quote::None;
    let mut out = String::new();
    let mut word_start = true;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        let mut starts_word = false;
        match quote {
            Quote::Single => {
                if c == '\'' {
                    quote = Quote::None;
                }
            }
            Quote::Double => match c {
                '"' => quote = Quote::None,
                '\\' => {
                    chars.next();
                }
                '$' | '`' => {
                    out.push('"');
                    out.push(c);
                }
                _ => {}
            },
            Quote::None => match c {
                '\'' => quote = Quote::Single,
                '"' => quote = Quote::Double,
                '\\' => {
                    chars.next();
                }
                '#' if word_start => {
                    for rest in chars.by_ref() {
                        if rest == '\n' {
                            out.push('\n');
                            break;
                        }
                    }
                    starts_word = true;
                }
                ' ' | '\t' => starts_word = true,
                ';' | '|' | '&' | '<' | '>' | '(' | ')' | '\n' => {
                    out.push(c);
                    starts_word = true;
                }
                '$' | '`' | '*' | '?' | '[' | ']' | '{' | '}' | '!' => out.push(c),
                '~' if word_start => out.push(c),
                _ => {}
            },
        }
        word_start = starts_word;
    }
    (quote == Quote::None).then_some(out)
}

/// A command as a shell reads it: its words and its syntax outside quotes.
fn read(command: &str) -> Result<(Vec<String>, String), String> {
    let words = shlex::split(command).ok_or_else(|| format!("the shell cannot split it: {command:?}"))?;
    let syntax = syntax(command).ok_or_else(|| format!("a quote is left open: {command:?}"))?;
    Ok((words, syntax))
}

// ------------------------------------------------------------ the rewrite

/// The names a bundle's objects are known by, to be made hostile.
#[derive(Default)]
struct Names(BTreeSet<String>);

/// Names the analysis recognises, kept so that the hostile bundle fails
/// the same way: the API server's namespace (`incidents/links.rs`), the
/// DNS and CNI agents that rules watch or templates name (`containers:
/// ['^(coredns|node-cache)$']`, `workload == "aws-node"`), and the
/// workload and namespace the `incidents/iac-lock` CI log deploys
/// (`kubernetes_deployment.checkout_api`, `live/prod/checkout`).
const KEPT: &[&str] =
    &["kube-system", "coredns", "node-cache", "node-local-dns", "aws-node", "checkout-api", "checkout"];

impl Names {
    fn collect(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                if let Some(meta) = map.get("metadata") {
                    let ns = meta.get("namespace").and_then(Value::as_str);
                    self.add(ns);
                    let owners = meta.get("ownerReferences").and_then(Value::as_array);
                    let is_pod = map.get("spec").is_some_and(|s| s.get("containers").is_some())
                        && map
                            .get("status")
                            .is_some_and(|s| s.get("phase").is_some() || s.get("containerStatuses").is_some());
                    let hash = meta.pointer("/labels/pod-template-hash").and_then(Value::as_str);
                    for owner in owners.into_iter().flatten() {
                        let name = owner.get("name").and_then(Value::as_str).unwrap_or("");
                        match owner.get("kind").and_then(Value::as_str) {
                            // A ReplicaSet is named after its Deployment.
                            Some("ReplicaSet") => match hash.and_then(|h| name.strip_suffix(&format!("-{h}"))) {
                                Some(deployment) => self.add(Some(deployment)),
                                None => self.add(Some(name)),
                            },
                            _ => self.add(Some(name)),
                        }
                    }
                    if is_pod && owners.is_none_or(|o| o.is_empty()) {
                        self.add(meta.get("name").and_then(Value::as_str));
                    }
                    if map.get("status").is_some_and(|s| s.get("nodeInfo").is_some()) {
                        self.add(meta.get("name").and_then(Value::as_str));
                    }
                }
                for key in ["nodeName", "namespace"] {
                    if let Some(Value::String(s)) = map.get(key) {
                        self.add(Some(s));
                    }
                }
                for key in CONTAINER_LISTS {
                    for c in map.get(key).and_then(Value::as_array).into_iter().flatten() {
                        self.add(c.get("name").and_then(Value::as_str));
                    }
                }
                map.values().for_each(|v| self.collect(v));
            }
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            _ => {}
        }
    }

    fn add(&mut self, name: Option<&str>) {
        if let Some(name) = name.filter(|n| !n.is_empty() && !KEPT.contains(n)) {
            self.0.insert(name.to_string());
        }
    }

    /// `text` with each name that stands alone (between characters that are
    /// not letters or digits) followed by the payload; the longest name
    /// wins where several start at one place (`shop-web` before `shop`).
    fn hostile(&self, text: &str) -> String {
        // Kept names are matched too, so that no name inside them (`api`
        // in `checkout-api`) is made hostile.
        let mut longest_first: Vec<&str> = self.0.iter().map(String::as_str).chain(KEPT.iter().copied()).collect();
        longest_first.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut out = String::new();
        let mut rest = text;
        let mut at_boundary = true;
        while let Some(c) = rest.chars().next() {
            let found = at_boundary
                .then(|| {
                    longest_first.iter().find(|n| {
                        rest.starts_with(**n)
                            && rest[n.len()..].chars().next().is_none_or(|next| !next.is_alphanumeric())
                    })
                })
                .flatten();
            if let Some(name) = found {
                out.push_str(name);
                if !KEPT.contains(name) {
                    out.push_str(PAYLOAD);
                }
                rest = &rest[name.len()..];
                at_boundary = false;
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
                at_boundary = !c.is_alphanumeric();
            }
        }
        out
    }

    /// The value with its object names made hostile.
    fn rewrite(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match (key.as_str(), &mut *v) {
                        (k, Value::String(s)) if NAME_FIELDS.contains(&k) => *s = self.hostile(s),
                        (
                            "containers" | "initContainers" | "containerStatuses" | "initContainerStatuses",
                            Value::Array(list),
                        ) => {
                            for c in list.iter_mut() {
                                if let Some(Value::String(name)) = c.get_mut("name") {
                                    *name = self.hostile(name);
                                }
                                self.rewrite(c);
                            }
                        }
                        (
                            "metadata" | "involvedObject" | "regarding" | "related" | "source" | "deprecatedSource",
                            Value::Object(m),
                        ) => {
                            for field in ["name", "namespace", "generateName", "fieldPath", "host"] {
                                if let Some(Value::String(s)) = m.get_mut(field) {
                                    *s = self.hostile(s);
                                }
                            }
                            if let Some(Value::Array(owners)) = m.get_mut("ownerReferences") {
                                for o in owners.iter_mut() {
                                    if let Some(Value::String(s)) = o.get_mut("name") {
                                        *s = self.hostile(s);
                                    }
                                }
                            }
                        }
                        _ => self.rewrite(v),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.rewrite(v)),
            _ => {}
        }
    }
}

const CONTAINER_LISTS: [&str; 4] = ["containers", "initContainers", "containerStatuses", "initContainerStatuses"];

/// String fields that hold an object's name wherever they appear.
const NAME_FIELDS: &[&str] = &["nodeName", "reportingInstance"];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

enum Doc {
    Json(Value),
    Yaml(Vec<serde_yaml::Value>),
    Other,
}

fn parse(path: &Path, text: &str) -> Doc {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(text).map(Doc::Json).unwrap_or(Doc::Other),
        Some("yaml" | "yml") => {
            use serde::Deserialize;
            let docs: Result<Vec<serde_yaml::Value>, _> =
                serde_yaml::Deserializer::from_str(text).map(serde_yaml::Value::deserialize).collect();
            docs.map(Doc::Yaml).unwrap_or(Doc::Other)
        }
        _ => Doc::Other,
    }
}

/// Copies the fixture `src` to `dst` with hostile names. Returns how many
/// names were made hostile.
fn hostile_copy(src: &Path, dst: &Path) -> usize {
    let all = files(src);
    let mut names = Names::default();
    let docs: Vec<(PathBuf, Vec<u8>, Doc)> = all
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let doc = std::str::from_utf8(&bytes).map(|text| parse(&path, text)).unwrap_or(Doc::Other);
            match &doc {
                Doc::Json(v) => names.collect(v),
                Doc::Yaml(docs) => {
                    docs.iter().for_each(|d| names.collect(&serde_json::to_value(d).expect("YAML as JSON")))
                }
                Doc::Other => {}
            }
            (path, bytes, doc)
        })
        .collect();
    for (path, bytes, doc) in docs {
        let rel = path.strip_prefix(src).expect("under the fixture");
        // Logs are found by their path: pods/logs/<namespace>/<pod>/<container>.log.
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let logs_at = parts.windows(2).position(|w| w[0] == "pods" && w[1] == "logs");
        let rel: PathBuf = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if logs_at.is_some_and(|at| i > at + 1) { names.hostile(p) } else { p.clone() })
            .collect();
        let out = dst.join(rel);
        fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
        let bytes = match doc {
            Doc::Json(mut v) => {
                names.rewrite(&mut v);
                serde_json::to_vec_pretty(&v).expect("JSON")
            }
            Doc::Yaml(docs) => docs
                .into_iter()
                .map(|d| {
                    let mut v = serde_json::to_value(&d).expect("YAML as JSON");
                    names.rewrite(&mut v);
                    serde_yaml::to_string(&v).expect("YAML")
                })
                .collect::<Vec<_>>()
                .join("---\n")
                .into_bytes(),
            Doc::Other => bytes,
        };
        fs::write(&out, bytes).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
    names.0.len()
}

// ------------------------------------------------------------ the tests

/// A command's words and syntax outside quotes.
type Reading = (Vec<String>, String);

/// How a shell reads each command, in order; with `strip`, the payload is
/// taken out of the words.
fn read_all(commands: &[String], strip: bool) -> Result<Vec<Reading>, String> {
    commands
        .iter()
        .map(|c| {
            let (words, syntax) = read(c)?;
            let words = if strip { words.iter().map(|w| w.replace(PAYLOAD, "")).collect() } else { words };
            Ok((words, syntax))
        })
        .collect()
}

/// Equal as multisets: the order of findings may follow their names.
fn same_readings(a: &[Reading], b: &[Reading]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

#[test]
fn hostile_names_stay_inside_their_words() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let (mut commands_read, mut with_hostile_name) = (0, 0);
    for fixture in bundle_fixtures() {
        let src = common::fixture(&fixture);
        let dst = tmp.path().join(fixture.replace('/', "_"));
        if hostile_copy(&src, &dst) == 0 {
            // A lone CI log (rules/iac-state-lock) names no Kubernetes object;
            // src/rules/iac_state_lock.rs tests a hostile lock.
            continue;
        }
        let (plain, hostile) = (report_of(&src), report_of(&dst));
        if shape(&plain) != shape(&hostile) {
            failures.push(format!(
                "{fixture}: hostile names changed what was found, so its commands cannot be compared:\n  plain:   {:?}\n  hostile: {:?}",
                shape(&plain),
                shape(&hostile)
            ));
            continue;
        }
        let (plain_commands, hostile_commands) = (commands(&plain), commands(&hostile));
        commands_read += hostile_commands.len();
        with_hostile_name += hostile_commands.iter().filter(|c| c.contains("touch pwned")).count();
        match (read_all(&plain_commands, false), read_all(&hostile_commands, true)) {
            (Ok(p), Ok(h)) if same_readings(&p, &h) => {}
            (Ok(p), Ok(h)) => {
                let only_plain: Vec<&str> =
                    p.iter().zip(&plain_commands).filter(|(r, _)| !h.contains(r)).map(|(_, c)| c.as_str()).collect();
                let only_hostile: Vec<&str> =
                    h.iter().zip(&hostile_commands).filter(|(r, _)| !p.contains(r)).map(|(_, c)| c.as_str()).collect();
                failures.push(format!(
                    "{fixture}: commands that differ from the plain bundle's once the payload is taken out:\n  plain:   {only_plain:#?}\n  hostile: {only_hostile:#?}"
                ));
            }
            (Err(e), _) | (_, Err(e)) => failures.push(format!("{fixture}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
    // The comparison is only worth something if names reached the commands.
    assert!(with_hostile_name >= 600, "only {with_hostile_name} of {commands_read} commands carry a hostile name");
}

#[test]
fn plain_commands_are_unchanged() {
    let mut text = String::new();
    for fixture in bundle_fixtures() {
        let report = report_of(&common::fixture(&fixture));
        text.push_str(&format!("## {fixture}\n"));
        for c in commands(&report) {
            text.push_str(&c);
            text.push('\n');
        }
    }
    insta::assert_snapshot!("plain_commands", text);
}

#[test]
fn syntax_reader_sees_what_a_shell_sees() {
    assert_eq!(syntax("kubectl -n a;b logs x").as_deref(), Some(";"));
    assert_eq!(syntax("kubectl -n 'a;b' logs x").as_deref(), Some(""));
    assert_eq!(syntax("echo \"$(id)\" '$(id)'").as_deref(), Some("\"$"));
    assert_eq!(syntax("a | b > c  # d; e\nf &").as_deref(), Some("|>\n&"));
    assert_eq!(syntax("x=~ ~/a 'b"), None);
    assert_eq!(syntax("a#b ~c").as_deref(), Some("~"));
}
