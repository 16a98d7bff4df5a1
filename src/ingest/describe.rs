//! `kubectl describe pod` text, read into the same wire structs as
//! `kubectl get pod -o json`, so every rule also works on a pasted ticket.
//!
//! # The format
//!
//! kubectl writes describe output through a prefix writer (two spaces per
//! nesting level) into a `tabwriter` (padding 2), so a pod looks like:
//!
//! ```text
//! Name:             api-7c9d8f6b5-xk2lp          <- level 0: pod fields and section titles
//! Containers:
//!   api:                                         <- level 1: a container
//!     Image:          registry.example/api:1.42  <- level 2: container fields
//!     Last State:     Terminated
//!       Reason:       OOMKilled                  <- level 3: state details, list items
//! Events:
//!   Type     Reason   Age                From     Message
//!   ----     ------   ----               ----     -------
//!   Warning  BackOff  2m (x312 over 3h)  kubelet  Back-off restarting failed container api in pod ...
//! ```
//!
//! Text that contains newlines (a termination message holding a log tail, an
//! exec probe's output in an event) is written raw, so its later lines start
//! at column 0 and ignore the layout.
//!
//! # The approach
//!
//! - A paste is cut into pods at each `Name:` line at column 0 (or at any
//!   indent when `Namespace:` follows at the same indent, for a paste that
//!   was indented as a whole). Text before the first pod is ignored, which
//!   drops a leading `$ kubectl describe pod x`.
//! - Inside a pod, sections are found by indentation relative to the pod's
//!   `Name:` line, never by absolute columns: a paste may be re-indented or
//!   use tabs. The known field names (`Reason`, `Exit Code`, `Ready`...)
//!   tell a state detail from a container field, which also reads a paste
//!   copied from a rendered web page, where every line is at column 0.
//! - Multi-line values (a termination message, an event message) run until a
//!   line that is a known field, indented as fields are (a log line reading
//!   `Reason: ...` at column 0 stays in the message); a continuation indented
//!   to the value column is a soft wrap joined with a space, one left of it
//!   is a real newline. The Events table ends at the next pod, at a shell
//!   prompt or code fence, or at a blank line followed by prose.
//! - The Events table is split into cells at runs of two or more spaces or
//!   tabs, which is how tabwriter separates them (old kubectl padded with
//!   tabs). Its columns come from the header line, so the pre-1.9
//!   `FirstSeen LastSeen Count From SubObjectPath ...` table reads too. An
//!   empty cell is placed by the header's column positions; positions are
//!   only a fallback because tabwriter realigns the rows that follow a
//!   multi-line message. A paste whose spacing collapsed is read token by
//!   token (the old `kubelet, node` source holds a space).
//! - Event ages (`2m (x312 over 3h)`) are relative to a moment the paste does
//!   not record: they are kept as seconds, and `resolve_times` turns them into
//!   timestamps once the caller knows the snapshot time.
//!
//! What describe does not print stays empty: `restartPolicy`, the host IP,
//! field references' sources, and the pod UID unless a back-off message
//! names it (`<pod>_<namespace>(<uid>)`). A command argument or exec probe
//! argument holding spaces or newlines cannot be told from several
//! arguments, except the usual `sh -c <script>`.
//!
//! Nothing here panics on any input: every index comes from a search on the
//! same string, and anything unreadable becomes a problem entry
//! (`line 42: ...`) while the rest of the pod is still read.

use super::wire::{
    Condition, Container, ContainerPort, ContainerState, ContainerStatus, EnvVar, EnvVarSource, Event, EventSource,
    ExecAction, HttpGetAction, IntOrString, KeyRef, ObjectMeta, ObjectReference, OwnerReference, Pod, PortAction,
    Probe, StateRunning, StateTerminated, StateWaiting,
};
use crate::model::time::Time;
use chrono::{DateTime, Utc};

/// One pod read from describe text.
#[derive(Debug, Default)]
pub struct Described {
    pub pod: Pod,
    pub events: Vec<DescribedEvent>,
    /// 1-based line of the pod's `Name:` line.
    pub line: u64,
    /// JSON-style paths (`status.containerStatuses[0].lastState.terminated`)
    /// and the line of the paste that shows them, so evidence can quote it.
    pub field_lines: Vec<(String, u64)>,
    /// `Status: Terminating (lasts 5m)`: the pod was deleted this long before
    /// the describe ran. `resolve_times` turns it into `deletionTimestamp`.
    pub terminating_for_seconds: Option<i64>,
}

/// One row of the Events table.
#[derive(Debug, Default)]
pub struct DescribedEvent {
    /// Timestamps are None until `resolve_times`: describe prints ages only.
    pub event: Event,
    /// 1-based line of the row.
    pub line: u64,
    /// The Age column as printed: `2m (x312 over 3h)`, `3h`, `<unknown>`.
    pub age: String,
    /// How long before the describe the event was last seen.
    pub age_seconds: Option<i64>,
    /// How long before the describe the event was first seen (`over 3h`);
    /// the same as `age_seconds` for an event seen once.
    pub first_age_seconds: Option<i64>,
}

impl Described {
    /// The line of `path`, or of its nearest recorded ancestor.
    pub fn line_of(&self, path: &str) -> Option<u64> {
        let mut probe = path;
        loop {
            if let Some((_, line)) = self.field_lines.iter().find(|(p, _)| p == probe) {
                return Some(*line);
            }
            let cut = probe.rfind(['.', '['])?;
            probe = &probe[..cut];
        }
    }

    /// Fills event first/last timestamps (and the deletion timestamp) from
    /// the ages, given the moment the describe ran. Ages are truncated by
    /// kubectl (`3h` is anything from 3h to 3h59m), so the times are
    /// approximate; fields without an age are left as they are.
    pub fn resolve_times(&mut self, snapshot: Time) {
        for event in &mut self.events {
            event.resolve_times(snapshot);
        }
        if let Some(age) = self.terminating_for_seconds {
            self.pod.metadata.deletion_timestamp = seconds_before(snapshot, age);
        }
    }

    /// The latest absolute time the paste shows (start time, container
    /// starts and finishes): the describe ran no earlier than this, so a
    /// caller without a better snapshot time can use it as a lower bound.
    pub fn latest_time(&self) -> Option<Time> {
        let status = &self.pod.status;
        let states = status
            .container_statuses
            .iter()
            .chain(&status.init_container_statuses)
            .flat_map(|s| [&s.state, &s.last_state]);
        states
            .flat_map(|st| {
                let running = st.running.as_ref().and_then(|r| r.started_at);
                let terminated = st.terminated.as_ref().map(|t| [t.started_at, t.finished_at]).unwrap_or_default();
                [running, terminated[0], terminated[1]]
            })
            .chain([status.start_time])
            .flatten()
            .max()
    }
}

impl DescribedEvent {
    /// See `Described::resolve_times`.
    pub fn resolve_times(&mut self, snapshot: Time) {
        if let Some(age) = self.age_seconds {
            self.event.last_timestamp = seconds_before(snapshot, age);
        }
        if let Some(age) = self.first_age_seconds {
            self.event.first_timestamp = seconds_before(snapshot, age);
        }
    }
}

fn seconds_before(snapshot: Time, seconds: i64) -> Option<Time> {
    Time::from_unix(snapshot.0.timestamp().checked_sub(seconds)?)
}

/// Cheap sniff: a `Name:` line and a `Namespace:` or `Containers:` line
/// within the first 40 lines.
pub fn looks_like_describe(text: &str) -> bool {
    let mut name = false;
    let mut other = false;
    for line in text.lines().take(40) {
        let line = line.trim_start_matches('\u{feff}').trim_start();
        name |= line.starts_with("Name:");
        other |= line.starts_with("Namespace:") || line.starts_with("Containers:");
    }
    name && other
}

/// Parses every pod in `text`. Returns the pods and the problems met, each
/// as `line N: what`. Never panics; a truncated paste gives what it holds.
pub fn parse(text: &str) -> (Vec<Described>, Vec<String>) {
    let lines = split_lines(text);
    let mut problems = Vec::new();
    let mut pods = Vec::new();
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for i in 0..lines.len() {
        if let Some(base) = block_start(&lines, i, starts.is_empty()) {
            starts.push((i, base));
        }
    }
    for (k, &(start, base)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lines.len(), |next| next.0);
        let Some(block) = lines.get(start..end) else { continue };
        if let Some(pod) = BlockParser::run(block, base, &mut problems) {
            pods.push(pod);
        }
    }
    (pods, problems)
}

/// Parses a kubectl age (`duration.HumanDuration`): `45s`, `2m40s`, `3h`,
/// `5d`, `2y30d`; a trailing ` ago` is accepted. `<unknown>`, `<invalid>`
/// and anything else give None.
pub fn parse_age(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_suffix(" ago").unwrap_or(text).trim();
    if text.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(i64::from(d))?);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
    }
    // A bare number has no unit: not an age.
    if number.is_some() { None } else { Some(total) }
}

// ------------------------------------------------------------------ lines

struct RawLine<'a> {
    no: u64,
    raw: &'a str,
}

/// A line of a pod block, indentation measured from the block's `Name:`.
#[derive(Clone, Copy)]
struct Ln<'a> {
    no: u64,
    /// Visual column of the first non-blank character (tabs to 8).
    indent: usize,
    /// The line without the block's base indentation.
    raw: &'a str,
    text: &'a str,
}

fn split_lines(text: &str) -> Vec<RawLine<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n').enumerate().map(|(i, l)| RawLine { no: i as u64 + 1, raw: l.trim_end_matches('\r') }).collect()
}

fn make_ln<'a>(line: &RawLine<'a>, base: usize) -> Ln<'a> {
    let raw = strip_cols(line.raw, base);
    let text = raw.trim();
    Ln { no: line.no, indent: if text.is_empty() { 0 } else { leading_cols(raw) }, raw, text }
}

fn advance(col: usize, c: char) -> usize {
    if c == '\t' { (col / 8 + 1) * 8 } else { col + 1 }
}

fn leading_cols(s: &str) -> usize {
    s.chars().take_while(|c| c.is_whitespace()).fold(0, advance)
}

/// Removes up to `cols` columns of leading whitespace.
fn strip_cols(s: &str, cols: usize) -> &str {
    let mut col = 0;
    for (i, c) in s.char_indices() {
        if col >= cols || !c.is_whitespace() {
            return &s[i..];
        }
        col = advance(col, c);
    }
    ""
}

/// Visual column where `value`, the trimmed end of `raw`, starts.
fn value_col(raw: &str, value: &str) -> usize {
    col_at(raw, raw.trim_end().len().saturating_sub(value.len()))
}

/// Visual column of byte offset `at` in `s`.
fn col_at(s: &str, at: usize) -> usize {
    s.char_indices().take_while(|(i, _)| *i < at).fold(0, |col, (_, c)| advance(col, c))
}

/// Where an object starts: a `Name:` line followed by `Namespace:` at the
/// same indent, as kubectl prints every namespaced object. At column 0 a
/// `Name:` also starts one when it is the first, after a blank or prompt
/// line, or before a field of another kind (`Roles:` of a node), so that a
/// truncated pod or a node pasted after a pod is cut off; but not inside a
/// flat paste's volume list, where a ConfigMap volume prints `Name:` too.
/// Returns the base indentation.
fn block_start(lines: &[RawLine], i: usize, first: bool) -> Option<usize> {
    let line = lines.get(i)?;
    let (key, _) = key_value(line.raw.trim())?;
    if key != "Name" {
        return None;
    }
    let indent = leading_cols(line.raw);
    let next = lines.iter().skip(i + 1).take(3).find(|l| !l.raw.trim().is_empty());
    let next_key = next.and_then(|l| key_value(l.raw.trim())).map(|(k, _)| k);
    if next_key == Some("Namespace") && next.is_some_and(|l| leading_cols(l.raw) == indent) {
        return Some(indent);
    }
    let previous = i.checked_sub(1).and_then(|p| lines.get(p)).map_or("", |l| l.raw.trim());
    let separated = previous.is_empty() || is_noise(previous) || previous.chars().all(|c| c == '-');
    let other_kind = next_key.is_some_and(|k| OTHER_KIND_KEYS.contains(&k));
    (indent == 0 && (first || separated || other_kind)).then_some(0)
}

/// `Key:  value` → (`Key`, `value`): the first colon followed by a blank or
/// the end of the line, so `Image: registry:5000/x:1` keeps its colons.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != ':' {
            continue;
        }
        if chars.peek().is_none_or(|(_, next)| next.is_whitespace()) {
            let key = text[..i].trim_end();
            return (!key.is_empty()).then(|| (key, text[i + 1..].trim()));
        }
    }
    None
}

/// Byte spans of whitespace-separated tokens.
fn token_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(st)) => {
                spans.push((st, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        spans.push((st, s.len()));
    }
    spans
}

/// Byte spans of tabwriter cells: separated by a tab or by two or more
/// blanks. Old kubectl padded with tabs, so a run of tabs is one separator;
/// an empty cell shows only in the column positions.
fn split_cells(s: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut cells = Vec::new();
    let mut i = chars.iter().position(|(_, c)| !c.is_whitespace()).unwrap_or(chars.len());
    let Some(&(first, _)) = chars.get(i) else { return cells };
    let (mut start, mut end) = (first, first);
    while let Some(&(at, c)) = chars.get(i) {
        if !c.is_whitespace() {
            end = at + c.len_utf8();
            i += 1;
            continue;
        }
        let run = i;
        let mut tab = false;
        while let Some((_, c)) = chars.get(i).filter(|(_, c)| c.is_whitespace()) {
            tab |= *c == '\t';
            i += 1;
        }
        let Some(&(next, _)) = chars.get(i) else { break };
        if i - run >= 2 || tab {
            cells.push((start, end));
            start = next;
        }
    }
    cells.push((start, end));
    cells
}

// ------------------------------------------------------------------ the pod block

/// Pod fields kubectl prints after a container list.
const AFTER_CONTAINERS: &[&str] =
    &["Containers", "Ephemeral Containers", "Readiness Gates", "Conditions", "Volumes", "QoS Class", "Events"];

/// Top-level fields of other kinds' describe output (node, deployment,
/// service...): a block with one of these and no `Containers:` is not a pod.
const OTHER_KIND_KEYS: &[&str] = &[
    "Roles",
    "Replicas",
    "Pod Template",
    "Selector",
    "Type",
    "Data",
    "Capacity",
    "CreationTimestamp",
    "StrategyType",
    "Schedule",
    "Parallelism",
    "Completions",
    "Taints",
    "Addresses",
    "StorageClass",
    "Access Modes",
    "Provisioner",
];

const CONTAINER_KEYS: &[&str] = &[
    "Container ID",
    "Image",
    "Image ID",
    "Port",
    "Ports",
    "Host Port",
    "Host Ports",
    "SeccompProfile",
    "Command",
    "Args",
    "State",
    "Last State",
    "Ready",
    "Restart Count",
    "Limits",
    "Requests",
    "Liveness",
    "Readiness",
    "Startup",
    "Environment Variables from",
    "Environment Variables",
    "Environment",
    "Mounts",
    "Devices",
];

const STATE_KEYS: &[&str] = &["Reason", "Message", "Exit Code", "Signal", "Started", "Finished"];

/// A pod field that follows the container list, told from a log line
/// in a termination message by its value too (`Events:` is bare).
fn follows_containers(text: &str) -> bool {
    key_value(text).is_some_and(|(key, value)| match key {
        "QoS Class" => matches!(value, "BestEffort" | "Burstable" | "Guaranteed"),
        "Node-Selectors" | "Tolerations" | "Topology Spread Constraints" => true,
        _ => AFTER_CONTAINERS.contains(&key) && (value.is_empty() || value == "<none>"),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Section {
    Top,
    Labels,
    Annotations,
    Containers {
        init: bool,
    },
    Conditions,
    Events,
    /// A section podmortem does not read (Volumes, Tolerations...).
    Skip,
    /// After the Events table: whatever follows is not describe output.
    Ignore,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ListKind {
    Command,
    Args,
    Limits,
    Requests,
    Env,
    Skip,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    fn path(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Readiness => "readinessProbe",
            ProbeKind::Startup => "startupProbe",
        }
    }
}

/// What the lines after a container field belong to.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Mode {
    Fields,
    /// Details of `State:` (`last` = `Last State:`) at `field_indent`.
    State {
        last: bool,
        field_indent: usize,
    },
    /// Continuation lines of a state's `Message:`.
    Message {
        last: bool,
        field_indent: usize,
        value_col: usize,
        blanks: usize,
    },
    /// Items of `Command:`, `Limits:`, `Environment:`...; `flat` when the
    /// items are not indented under their title (a paste that lost indents).
    List {
        kind: ListKind,
        field_indent: usize,
        items: usize,
        item_indent: usize,
        flat: bool,
    },
    /// An exec probe whose command holds newlines: its text runs to `delay=`.
    Probe {
        kind: ProbeKind,
        text: String,
        line: u64,
    },
}

/// The container being read.
struct Current {
    init: bool,
    /// Index in `spec.containers` (or `initContainers`).
    spec: usize,
    /// Index in the status list, once a status line was seen.
    status: Option<usize>,
    /// Indent of the first container name of the list: a later line at or
    /// left of it that looks like `name:` starts the next container.
    name_indent: usize,
    mode: Mode,
    /// Lines of the name and `Image:`, for the status paths made later.
    name_line: u64,
    image_line: Option<u64>,
}

/// The Events table's columns: the standard five until a header says
/// otherwise (kubectl before 1.9 printed FirstSeen/LastSeen/Count/...).
struct Table {
    /// Column names and their visual start columns on the header line.
    columns: Vec<(String, usize)>,
    /// Whether the start columns are known (a header line was seen).
    positioned: bool,
}

impl Default for Table {
    fn default() -> Self {
        let columns = ["Type", "Reason", "Age", "From", "Message"].iter().map(|n| (n.to_string(), 0)).collect();
        Table { columns, positioned: false }
    }
}

struct EventsState {
    table: Table,
    /// A blank line came before this one.
    blank_before: bool,
    /// Visual column where the last row's message starts.
    message_col: usize,
}

struct BlockParser<'p> {
    d: Described,
    problems: &'p mut Vec<String>,
    section: Section,
    cur: Option<Current>,
    events: EventsState,
    /// The annotation whose value lines follow (printed as a bare `key:`),
    /// and the indent of that line: its value lines are deeper.
    annotation: Option<(String, usize)>,
    /// A field only other kinds print (`Roles:` of a node), and its line.
    other_kind: Option<(String, u64)>,
    has_containers: bool,
    /// Every line at column 0: a paste copied from a rendered web page.
    /// Fields are then told apart by their names alone.
    flat: bool,
}

impl<'p> BlockParser<'p> {
    fn run(block: &[RawLine], base: usize, problems: &'p mut Vec<String>) -> Option<Described> {
        let first = block.first()?;
        let mut p = BlockParser {
            d: Described { line: first.no, ..Described::default() },
            problems,
            section: Section::Top,
            cur: None,
            events: EventsState { table: Table::default(), blank_before: false, message_col: 0 },
            annotation: None,
            other_kind: None,
            has_containers: false,
            flat: block.iter().all(|l| l.raw.trim().is_empty() || leading_cols(strip_cols(l.raw, base)) == 0),
        };
        for line in block {
            let ln = make_ln(line, base);
            p.line(ln);
        }
        p.finish()
    }

    fn problem(&mut self, line: u64, what: String) {
        self.problems.push(format!("line {line}: {what}"));
    }

    fn mark(&mut self, path: String, line: u64) {
        self.d.field_lines.push((path, line));
    }

    fn line(&mut self, ln: Ln) {
        match self.section {
            Section::Ignore => return,
            Section::Events => return self.events_line(ln),
            _ => {}
        }
        if ln.text.is_empty() {
            if let Some(Current { mode: Mode::Message { blanks, .. }, .. }) = self.cur.as_mut() {
                *blanks += 1;
            }
            return;
        }
        if ln.indent == 0 {
            // A raw message line can sit at column 0, and in a flat paste
            // every container line does: only a section that can follow the
            // containers ends them.
            let in_message = matches!(self.cur.as_ref().map(|c| &c.mode), Some(Mode::Message { .. }));
            let containers = matches!(self.section, Section::Containers { .. });
            if containers && (in_message || self.flat) && !follows_containers(ln.text) {
                return self.container_line(ln);
            }
            if let Some((key, value)) = key_value(ln.text) {
                return self.top_field(ln, key, value);
            }
        }
        match self.section {
            Section::Labels => self.label(ln.text),
            Section::Annotations => self.annotation_line(ln),
            Section::Containers { .. } => self.container_line(ln),
            Section::Conditions => self.condition(ln),
            _ => {}
        }
    }

    fn enter(&mut self, section: Section) {
        self.end_container_mode();
        if !matches!(section, Section::Containers { .. }) {
            self.cur = None;
        }
        self.section = section;
    }

    fn top_field(&mut self, ln: Ln, key: &str, value: &str) {
        let line = ln.no;
        let none = value.is_empty() || value == "<none>";
        self.enter(Section::Top);
        let meta = &mut self.d.pod.metadata;
        match key {
            "Name" => {
                meta.name = value.to_string();
                self.mark("metadata.name".into(), line);
            }
            "Namespace" => {
                meta.namespace = value.to_string();
                self.mark("metadata.namespace".into(), line);
            }
            "Node" if !none => {
                // `worker-1/10.0.3.7`: the host IP has no field in the wire structs.
                let node = value.split_once('/').map_or(value, |(n, _)| n);
                self.d.pod.spec.node_name = node.to_string();
                self.mark("spec.nodeName".into(), line);
            }
            "Start Time" => {
                self.d.pod.status.start_time = self.time(value, line);
                self.mark("status.startTime".into(), line);
            }
            "Labels" => {
                self.section = Section::Labels;
                self.mark("metadata.labels".into(), line);
                self.label(value);
            }
            "Annotations" => {
                self.section = Section::Annotations;
                self.mark("metadata.annotations".into(), line);
                let col = value_col(ln.raw, value);
                self.annotation = None;
                self.annotation_entry(value, col);
            }
            "Status" => {
                if let Some(rest) = value.strip_prefix("Terminating") {
                    // `Terminating (lasts 5m)`: the phase is not shown, the deletion age is.
                    let lasts = rest.trim().trim_start_matches('(').trim_end_matches(')');
                    self.d.terminating_for_seconds = lasts.strip_prefix("lasts").and_then(parse_age);
                } else {
                    self.d.pod.status.phase = value.to_string();
                }
                self.mark("status.phase".into(), line);
            }
            "Reason" => {
                self.d.pod.status.reason = value.to_string();
                self.mark("status.reason".into(), line);
            }
            "Message" => {
                self.d.pod.status.message = value.to_string();
                self.mark("status.message".into(), line);
            }
            // `Controllers:` is kubectl 1.4's name for it.
            "Controlled By" | "Controllers" if !none => {
                let (kind, name) = value.split_once('/').unwrap_or(("", value));
                let owner = OwnerReference { kind: kind.to_string(), name: name.to_string(), controller: Some(true) };
                let index = meta.owner_references.len();
                meta.owner_references.push(owner);
                self.mark(format!("metadata.ownerReferences[{index}]"), line);
            }
            "Init Containers" | "Containers" => {
                self.has_containers = true;
                self.section = Section::Containers { init: key == "Init Containers" };
            }
            "Conditions" => self.section = Section::Conditions,
            "Events" => {
                self.section = if value == "<none>" { Section::Ignore } else { Section::Events };
                self.events.blank_before = false;
            }
            _ => {
                if OTHER_KIND_KEYS.contains(&key) && self.other_kind.is_none() {
                    self.other_kind = Some((key.to_string(), line));
                }
                self.section = Section::Skip;
            }
        }
    }

    fn time(&mut self, value: &str, line: u64) -> Option<Time> {
        match parse_time(value) {
            Ok(t) => t,
            Err(()) => {
                self.problem(line, format!("unreadable time '{value}'"));
                None
            }
        }
    }

    fn label(&mut self, text: &str) {
        // Old kubectl printed `app=web,tier=frontend` on one line; a label
        // value cannot hold a comma, so splitting on it is safe.
        for pair in text.split(',') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                self.d.pod.metadata.labels.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }

    fn annotation_line(&mut self, ln: Ln) {
        // A long or multi-line annotation prints `key:` and then its value
        // lines indented under it.
        if let Some((key, indent)) = self.annotation.clone() {
            if ln.indent > indent {
                if let Some(v) = self.d.pod.metadata.annotations.get_mut(&key) {
                    if !v.is_empty() {
                        v.push('\n');
                    }
                    v.push_str(ln.text);
                }
                return;
            }
        }
        self.annotation_entry(ln.text, ln.indent);
    }

    fn annotation_entry(&mut self, text: &str, indent: usize) {
        self.annotation = None;
        if text == "<none>" || text.is_empty() {
            return;
        }
        let Some((key, value)) = key_value(text) else { return };
        if value.is_empty() {
            self.annotation = Some((key.to_string(), indent));
        }
        self.d.pod.metadata.annotations.insert(key.to_string(), value.to_string());
    }

    fn condition(&mut self, ln: Ln) {
        let tokens: Vec<&str> = ln.text.split_whitespace().collect();
        let [type_, status, ..] = tokens.as_slice() else { return };
        if *type_ == "Type" || type_.starts_with("--") {
            return;
        }
        let index = self.d.pod.status.conditions.len();
        let condition = Condition { type_: type_.to_string(), status: status.to_string(), ..Condition::default() };
        self.d.pod.status.conditions.push(condition);
        self.mark(format!("status.conditions[{index}]"), ln.no);
    }

    // -------------------------------------------------------------- containers

    fn spec_path(&self) -> Option<String> {
        let cur = self.cur.as_ref()?;
        let list = if cur.init { "initContainers" } else { "containers" };
        Some(format!("spec.{list}[{}]", cur.spec))
    }

    fn status_path(&self) -> Option<String> {
        let cur = self.cur.as_ref()?;
        let list = if cur.init { "initContainerStatuses" } else { "containerStatuses" };
        Some(format!("status.{list}[{}]", cur.status?))
    }

    fn spec_mut(&mut self) -> Option<&mut Container> {
        let cur = self.cur.as_ref()?;
        let list = if cur.init { &mut self.d.pod.spec.init_containers } else { &mut self.d.pod.spec.containers };
        list.get_mut(cur.spec)
    }

    /// The current container's status, created on its first status line
    /// (kubectl prints State/Ready/Restart Count only when there is one).
    fn status_mut(&mut self, line: u64) -> Option<&mut ContainerStatus> {
        let cur = self.cur.as_ref()?;
        let init = cur.init;
        let (name, image) = {
            let spec = if init { &self.d.pod.spec.init_containers } else { &self.d.pod.spec.containers };
            spec.get(cur.spec).map(|c| (c.name.clone(), c.image.clone())).unwrap_or_default()
        };
        if cur.status.is_none() {
            let list = if init {
                &mut self.d.pod.status.init_container_statuses
            } else {
                &mut self.d.pod.status.container_statuses
            };
            list.push(ContainerStatus { name, image, ..ContainerStatus::default() });
            let index = list.len() - 1;
            if let Some(cur) = self.cur.as_mut() {
                cur.status = Some(index);
            }
            let (name_line, image_line) = self.cur.as_ref().map_or((line, None), |c| (c.name_line, c.image_line));
            if let Some(path) = self.status_path() {
                self.mark(path.clone(), name_line);
                self.mark(format!("{path}.name"), name_line);
                if let Some(image_line) = image_line {
                    self.mark(format!("{path}.image"), image_line);
                }
            }
        }
        let index = self.cur.as_ref()?.status?;
        let list = if init {
            &mut self.d.pod.status.init_container_statuses
        } else {
            &mut self.d.pod.status.container_statuses
        };
        list.get_mut(index)
    }

    fn state_mut(&mut self, last: bool, line: u64) -> Option<&mut ContainerState> {
        let status = self.status_mut(line)?;
        Some(if last { &mut status.last_state } else { &mut status.state })
    }

    fn set_mode(&mut self, mode: Mode) {
        if let Some(cur) = self.cur.as_mut() {
            cur.mode = mode;
        }
    }

    /// Ends a pending multi-line probe before the container changes.
    fn end_container_mode(&mut self) {
        let Some(cur) = self.cur.as_mut() else { return };
        if let Mode::Probe { kind, text, line } = std::mem::replace(&mut cur.mode, Mode::Fields) {
            self.probe(kind, &text, line);
        }
    }

    /// `  api:` — a container's name line: a DNS label and a colon, no value.
    fn container_header<'t>(&self, ln: &Ln<'t>) -> Option<&'t str> {
        let name = ln.text.strip_suffix(':')?;
        let label = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        let placed = self.cur.as_ref().is_none_or(|cur| ln.indent <= cur.name_indent);
        (label && placed).then_some(name)
    }

    fn container_line(&mut self, ln: Ln) {
        let Section::Containers { init } = self.section else { return };
        let header = self.container_header(&ln);
        let flat = self.flat;
        let Some(cur) = self.cur.as_mut() else {
            if let Some(name) = header {
                self.new_container(init, name, ln);
            }
            return;
        };
        let key = key_value(ln.text).map(|(k, _)| k);
        let known = key.is_some_and(|k| CONTAINER_KEYS.contains(&k) || STATE_KEYS.contains(&k));
        match &mut cur.mode {
            Mode::Message { last, field_indent, value_col, blanks } => {
                // The raw message lines sit at column 0 and may read like
                // fields (`Reason: ...` in a Spring Boot failure): a real
                // field is indented, and left of a soft-wrapped value.
                let indented = ln.indent > 0 && ln.indent >= *field_indent && ln.indent < *value_col;
                let field = known && (indented || flat);
                let ends = field || header.is_some();
                if !ends {
                    let soft = ln.indent >= *value_col && *blanks == 0;
                    let piece = if soft { ln.text } else { ln.raw.trim_end() };
                    let newlines = "\n".repeat(*blanks + usize::from(!soft));
                    *blanks = 0;
                    let last = *last;
                    self.append_state_message(last, &newlines, piece, soft, ln.no);
                    return;
                }
                cur.mode = Mode::State { last: *last, field_indent: *field_indent };
                self.container_line(ln)
            }
            Mode::Probe { text, .. } => {
                if known || header.is_some() {
                    self.end_container_mode();
                    return self.container_line(ln);
                }
                text.push('\n');
                text.push_str(ln.text);
                if ln.text.contains("delay=") {
                    self.end_container_mode();
                }
            }
            Mode::List { kind, field_indent, items, item_indent, flat } => {
                let is_container_key = key.is_some_and(|k| CONTAINER_KEYS.contains(&k));
                let deeper = ln.indent > *field_indent;
                let level = ln.indent == *field_indent && (*items == 0 || *flat) && !is_container_key;
                if (deeper || level) && header.is_none() {
                    if *items == 0 {
                        *item_indent = ln.indent;
                        *flat = !deeper;
                    }
                    *items += 1;
                    let (kind, item_indent) = (*kind, *item_indent);
                    return self.list_item(kind, item_indent, ln);
                }
                cur.mode = Mode::Fields;
                self.container_line(ln)
            }
            Mode::State { last, field_indent } => {
                if key.is_some_and(|k| STATE_KEYS.contains(&k)) {
                    let (last, field_indent) = (*last, *field_indent);
                    return self.state_detail(last, field_indent, ln);
                }
                cur.mode = Mode::Fields;
                self.container_line(ln)
            }
            Mode::Fields => {
                if let Some(name) = header {
                    return self.new_container(init, name, ln);
                }
                if let Some((key, value)) = key_value(ln.text) {
                    self.container_field(ln, key, value);
                }
            }
        }
    }

    fn new_container(&mut self, init: bool, name: &str, ln: Ln) {
        self.end_container_mode();
        let list = if init { &mut self.d.pod.spec.init_containers } else { &mut self.d.pod.spec.containers };
        list.push(Container { name: name.to_string(), ..Container::default() });
        let spec = list.len() - 1;
        let name_indent = self.cur.as_ref().map_or(ln.indent, |c| c.name_indent);
        let mode = Mode::Fields;
        self.cur = Some(Current { init, spec, status: None, name_indent, mode, name_line: ln.no, image_line: None });
        if let Some(path) = self.spec_path() {
            self.mark(path.clone(), ln.no);
            self.mark(format!("{path}.name"), ln.no);
        }
    }

    fn container_field(&mut self, ln: Ln, key: &str, value: &str) {
        let line = ln.no;
        let Some(spec_path) = self.spec_path() else { return };
        let list = |kind| Mode::List { kind, field_indent: ln.indent, items: 0, item_indent: 0, flat: false };
        match key {
            "Image" => {
                if let Some(c) = self.spec_mut() {
                    c.image = value.to_string();
                }
                self.mark(format!("{spec_path}.image"), line);
                if let Some(cur) = self.cur.as_mut() {
                    cur.image_line = Some(line);
                }
            }
            "Port" | "Ports" => {
                let ports = self.ports(value, line);
                if let Some(c) = self.spec_mut() {
                    c.ports = ports;
                }
                self.mark(format!("{spec_path}.ports"), line);
            }
            "Command" | "Args" => {
                let kind = if key == "Command" { ListKind::Command } else { ListKind::Args };
                self.mark(format!("{spec_path}.{}", key.to_lowercase()), line);
                if !value.is_empty() {
                    self.push_arg(kind, value);
                }
                self.set_mode(list(kind));
            }
            "State" | "Last State" => self.state(key == "Last State", value, ln),
            "Ready" => {
                let ready = match value {
                    "True" | "true" => Some(true),
                    "False" | "false" => Some(false),
                    _ => None,
                };
                if ready.is_none() {
                    self.problem(line, format!("Ready '{value}' is neither True nor False"));
                }
                if let Some(status) = self.status_mut(line) {
                    status.ready = ready.unwrap_or_default();
                }
                if let Some(path) = self.status_path() {
                    self.mark(format!("{path}.ready"), line);
                }
            }
            "Restart Count" => {
                let count = value.parse::<i64>().ok();
                if count.is_none() {
                    self.problem(line, format!("Restart Count '{value}' is not a number"));
                }
                if let Some(status) = self.status_mut(line) {
                    status.restart_count = count.unwrap_or_default();
                }
                if let Some(path) = self.status_path() {
                    self.mark(format!("{path}.restartCount"), line);
                }
            }
            "Limits" | "Requests" => {
                self.mark(format!("{spec_path}.resources.{}", key.to_lowercase()), line);
                self.set_mode(list(if key == "Limits" { ListKind::Limits } else { ListKind::Requests }));
            }
            "Liveness" | "Readiness" | "Startup" => {
                let kind = match key {
                    "Liveness" => ProbeKind::Liveness,
                    "Readiness" => ProbeKind::Readiness,
                    _ => ProbeKind::Startup,
                };
                // An exec command with newlines continues on the next lines.
                if value.starts_with("exec") && !value.contains("delay=") {
                    self.set_mode(Mode::Probe { kind, text: value.to_string(), line });
                } else {
                    self.probe(kind, value, line);
                }
            }
            // `Environment Variables:` is kubectl 1.5's name for it.
            "Environment" | "Environment Variables" => {
                self.mark(format!("{spec_path}.env"), line);
                if value.is_empty() {
                    self.set_mode(list(ListKind::Env));
                }
            }
            _ => {
                // Mounts, Environment Variables from, Devices, and fields
                // newer kubectl may add: skip their items.
                if value.is_empty() {
                    self.set_mode(list(ListKind::Skip));
                }
            }
        }
    }

    fn ports(&mut self, value: &str, line: u64) -> Vec<ContainerPort> {
        let mut ports = Vec::new();
        if value.is_empty() || value == "<none>" {
            return ports;
        }
        for item in value.split(',').map(str::trim) {
            // `8080/TCP` or, in newer kubectl, `8080/TCP (http)`.
            let (spec, name) = match item.split_once(' ') {
                Some((spec, name)) => {
                    (spec, Some(name.trim().trim_start_matches('(').trim_end_matches(')').to_string()))
                }
                None => (item, None),
            };
            let (number, protocol) = spec.split_once('/').unwrap_or((spec, ""));
            match number.parse::<i64>() {
                Ok(container_port) => ports.push(ContainerPort {
                    name,
                    container_port,
                    protocol: (!protocol.is_empty()).then(|| protocol.to_string()),
                }),
                Err(_) => self.problem(line, format!("unreadable port '{item}'")),
            }
        }
        ports
    }

    fn push_arg(&mut self, kind: ListKind, arg: &str) {
        if let Some(c) = self.spec_mut() {
            match kind {
                ListKind::Command => c.command.push(arg.to_string()),
                _ => c.args.push(arg.to_string()),
            }
        }
    }

    fn list_item(&mut self, kind: ListKind, item_indent: usize, ln: Ln) {
        let Some(spec_path) = self.spec_path() else { return };
        match kind {
            // kubectl prints each line of an argument on its own line, so an
            // argument holding newlines becomes several: nothing tells them apart.
            ListKind::Command | ListKind::Args => {
                let arg = strip_cols(ln.raw, item_indent).trim_end();
                self.push_arg(kind, arg);
            }
            ListKind::Limits | ListKind::Requests => {
                let Some((name, quantity)) = key_value(ln.text) else { return };
                let which = if kind == ListKind::Limits { "limits" } else { "requests" };
                if let Some(c) = self.spec_mut() {
                    let map =
                        if kind == ListKind::Limits { &mut c.resources.limits } else { &mut c.resources.requests };
                    map.insert(name.to_string(), quantity.to_string());
                }
                self.mark(format!("{spec_path}.resources.{which}.{name}"), ln.no);
            }
            ListKind::Env => {
                let Some(c) = self.spec_mut() else { return };
                // A multi-line value continues at the value column.
                if ln.indent > item_indent {
                    if let Some(EnvVar { value: Some(v), .. }) = c.env.last_mut() {
                        v.push('\n');
                        v.push_str(ln.text);
                    }
                    return;
                }
                c.env.push(parse_env(ln.text));
                let index = c.env.len() - 1;
                self.mark(format!("{spec_path}.env[{index}]"), ln.no);
            }
            ListKind::Skip => {}
        }
    }

    fn probe(&mut self, kind: ProbeKind, text: &str, line: u64) {
        let (probe, issues) = parse_probe(text);
        for issue in issues {
            self.problem(line, issue);
        }
        let Some(spec_path) = self.spec_path() else { return };
        if let Some(c) = self.spec_mut() {
            let slot = match kind {
                ProbeKind::Liveness => &mut c.liveness_probe,
                ProbeKind::Readiness => &mut c.readiness_probe,
                ProbeKind::Startup => &mut c.startup_probe,
            };
            *slot = Some(probe);
        }
        self.mark(format!("{spec_path}.{}", kind.path()), line);
    }

    fn state(&mut self, last: bool, value: &str, ln: Ln) {
        let line = ln.no;
        let key = if last { "lastState" } else { "state" };
        let variant = match value {
            "Running" => Some("running"),
            "Waiting" => Some("waiting"),
            "Terminated" => Some("terminated"),
            "" | "<none>" => None,
            other => {
                self.problem(line, format!("unrecognised {} '{other}'", if last { "Last State" } else { "State" }));
                None
            }
        };
        self.set_mode(Mode::State { last, field_indent: ln.indent });
        let Some(variant) = variant else { return };
        let Some(state) = self.state_mut(last, line) else { return };
        *state = ContainerState::default();
        match variant {
            "running" => state.running = Some(StateRunning::default()),
            "waiting" => state.waiting = Some(StateWaiting::default()),
            _ => state.terminated = Some(StateTerminated::default()),
        }
        if let Some(path) = self.status_path() {
            self.mark(format!("{path}.{key}"), line);
            self.mark(format!("{path}.{key}.{variant}"), line);
        }
    }

    fn state_detail(&mut self, last: bool, field_indent: usize, ln: Ln) {
        let line = ln.no;
        let Some((key, value)) = key_value(ln.text) else { return };
        let Some(path) = self.status_path() else { return };
        let base = format!("{path}.{}", if last { "lastState" } else { "state" });
        let time = match key {
            "Started" | "Finished" => self.time(value, line),
            _ => None,
        };
        let number = match key {
            "Exit Code" | "Signal" => {
                let n = value.parse::<i64>().ok();
                if n.is_none() {
                    self.problem(line, format!("{key} '{value}' is not a number"));
                }
                n
            }
            _ => None,
        };
        let Some(state) = self.state_mut(last, line) else { return };
        let field = if let Some(w) = state.waiting.as_mut() {
            match key {
                "Reason" => Some(("waiting.reason", &mut w.reason)),
                "Message" => Some(("waiting.message", &mut w.message)),
                _ => None,
            }
            .map(|(p, slot)| {
                *slot = value.to_string();
                p
            })
        } else if let Some(r) = state.running.as_mut() {
            (key == "Started").then(|| {
                r.started_at = time;
                "running.startedAt"
            })
        } else if let Some(t) = state.terminated.as_mut() {
            match key {
                "Reason" => {
                    t.reason = value.to_string();
                    Some("terminated.reason")
                }
                "Message" => {
                    t.message = value.to_string();
                    Some("terminated.message")
                }
                "Exit Code" => {
                    t.exit_code = number.unwrap_or_default();
                    Some("terminated.exitCode")
                }
                "Signal" => {
                    t.signal = number;
                    Some("terminated.signal")
                }
                "Started" => {
                    t.started_at = time;
                    Some("terminated.startedAt")
                }
                "Finished" => {
                    t.finished_at = time;
                    Some("terminated.finishedAt")
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(field) = field {
            self.mark(format!("{base}.{field}"), line);
        }
        if key == "Message" {
            let value_col = if value.is_empty() { usize::MAX } else { value_col(ln.raw, value) };
            self.set_mode(Mode::Message { last, field_indent, value_col, blanks: 0 });
        }
    }

    fn append_state_message(&mut self, last: bool, newlines: &str, piece: &str, soft: bool, line: u64) {
        let Some(state) = self.state_mut(last, line) else { return };
        let slot = match (state.waiting.as_mut(), state.terminated.as_mut()) {
            (Some(w), _) => &mut w.message,
            (None, Some(t)) => &mut t.message,
            _ => return,
        };
        slot.push_str(newlines);
        if soft {
            slot.push(' ');
        }
        slot.push_str(piece);
    }

    // -------------------------------------------------------------- events

    fn events_line(&mut self, ln: Ln) {
        if ln.text.is_empty() {
            self.events.blank_before = true;
            return;
        }
        let cells = split_cells(ln.raw);
        let cell_text = |k: usize| cells.get(k).and_then(|&(s, e)| ln.raw.get(s..e)).unwrap_or("");
        let header = ["Type", "FirstSeen", "LastSeen"].contains(&cell_text(0));
        if header && cells.len() >= 2 && !cell_text(1).is_empty() {
            let columns: Vec<(String, usize)> =
                cells.iter().map(|&(s, e)| (ln.raw.get(s..e).unwrap_or("").to_string(), col_at(ln.raw, s))).collect();
            if columns.last().is_some_and(|(n, _)| n == "Message") {
                self.events.table = Table { columns, positioned: true };
            }
            self.events.blank_before = false;
            return;
        }
        if ln.text.chars().all(|c| c == '-' || c.is_whitespace()) {
            return;
        }
        let row = parse_row(&ln, &cells, &self.events.table);
        let blank_before = std::mem::replace(&mut self.events.blank_before, false);
        match row {
            Some(row) => self.push_event(row, ln),
            // kubectl prints no blank line inside the table, and a message
            // holding one is rare: after a blank, text is the ticket's prose.
            None if blank_before || is_noise(ln.text) => self.section = Section::Ignore,
            None => self.continue_event(ln),
        }
    }

    fn push_event(&mut self, row: Row, ln: Ln) {
        self.events.message_col = row.message_col;
        let (component, host) = match row.from.strip_prefix('{').and_then(|f| f.strip_suffix('}')) {
            Some(old) => old.split_once(' ').unwrap_or((old, "")),
            None => row.from.split_once(',').unwrap_or((&row.from, "")),
        };
        let (message, field_path) = strip_message_prefixes(&row.message);
        let field_path = if field_path.is_empty() { row.field_path } else { field_path.to_string() };
        let source = (!component.is_empty())
            .then(|| EventSource { component: component.trim().to_string(), host: host.trim().to_string() });
        let event = Event {
            involved_object: Some(ObjectReference { kind: "Pod".into(), field_path, ..ObjectReference::default() }),
            reason: row.reason,
            message: Some(message.to_string()),
            type_: row.type_,
            count: Some(row.count),
            source,
            ..Event::default()
        };
        self.d.events.push(DescribedEvent {
            event,
            line: ln.no,
            age: row.age,
            age_seconds: row.last_age,
            first_age_seconds: row.first_age,
        });
    }

    fn continue_event(&mut self, ln: Ln) {
        let soft = ln.indent >= self.events.message_col;
        let Some(last) = self.d.events.last_mut() else { return };
        let message = last.event.message.get_or_insert_with(String::new);
        if soft {
            message.push(' ');
            message.push_str(ln.text);
        } else {
            message.push('\n');
            message.push_str(ln.raw.trim_end());
        }
    }

    // -------------------------------------------------------------- end

    fn finish(mut self) -> Option<Described> {
        self.end_container_mode();
        if let Some((key, line)) = self.other_kind.take() {
            if !self.has_containers {
                let name = &self.d.pod.metadata.name;
                self.problem(line, format!("'{name}' is not a pod (it has '{key}:'); skipped"));
                return None;
            }
        }
        if self.d.pod.metadata.uid.is_empty() {
            let meta = &self.d.pod.metadata;
            let uid = find_pod_uid(&self.d, &meta.name, &meta.namespace).unwrap_or_default();
            self.d.pod.metadata.uid = uid;
        }
        let meta = &self.d.pod.metadata;
        for ev in &mut self.d.events {
            ev.event.metadata = ObjectMeta { namespace: meta.namespace.clone(), ..ObjectMeta::default() };
            if let Some(obj) = ev.event.involved_object.as_mut() {
                obj.namespace = meta.namespace.clone();
                obj.name = meta.name.clone();
                obj.uid = meta.uid.clone();
            }
        }
        Some(self.d)
    }
}

/// Prompts and fences that end a paste's describe output.
fn is_noise(text: &str) -> bool {
    text.starts_with("```")
        || text.starts_with("$ ")
        || text.starts_with("kubectl ")
        || text.contains("$ kubectl")
        || text.contains("# kubectl")
}

/// kubelet names the pod as `<name>_<namespace>(<uid>)` in back-off texts:
/// the only place describe output shows the pod's UID.
fn find_pod_uid(d: &Described, name: &str, namespace: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let needle = format!("{name}_{namespace}(");
    let status = &d.pod.status;
    let waiting = status
        .container_statuses
        .iter()
        .chain(&status.init_container_statuses)
        .filter_map(|s| s.state.waiting.as_ref())
        .map(|w| w.message.as_str());
    let events = d.events.iter().filter_map(|e| e.event.message.as_deref());
    waiting.chain(events).find_map(|text| {
        let start = text.find(&needle)? + needle.len();
        let rest = text.get(start..)?;
        let uid = &rest[..rest.find(')')?];
        let valid = uid.len() >= 8 && uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        valid.then(|| uid.to_string())
    })
}

// ------------------------------------------------------------------ event rows

struct Row {
    type_: String,
    reason: String,
    age: String,
    from: String,
    message: String,
    field_path: String,
    count: i64,
    last_age: Option<i64>,
    first_age: Option<i64>,
    message_col: usize,
}

/// The cells of a row by column name; `message` runs to the end of the line.
#[derive(Default)]
struct Cells<'a> {
    type_: &'a str,
    reason: &'a str,
    age: Option<&'a str>,
    from: &'a str,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    count: Option<&'a str>,
    sub_object: &'a str,
    message: &'a str,
    message_at: usize,
}

impl<'a> Cells<'a> {
    fn set(&mut self, column: &str, text: &'a str) {
        match column {
            "Type" => self.type_ = text,
            "Reason" => self.reason = text,
            "Age" => self.age = Some(text),
            "From" => self.from = text,
            "FirstSeen" => self.first_seen = Some(text),
            "LastSeen" => self.last_seen = Some(text),
            "Count" => self.count = Some(text),
            "SubObjectPath" | "SubobjectPath" => self.sub_object = text,
            _ => {}
        }
    }
}

fn parse_row(ln: &Ln, cells: &[(usize, usize)], table: &Table) -> Option<Row> {
    let raw = ln.raw;
    let text = |&(s, e): &(usize, usize)| raw.get(s..e).unwrap_or("");
    let rest = |s: usize| raw.get(s..).unwrap_or("").trim_end();
    let n = table.columns.len();
    // kubectl <= 1.2 had no Type column.
    let typed = table.columns.iter().any(|(name, _)| name == "Type");
    // 1. Cells in order: right whenever no cell is empty.
    if cells.len() >= n && n >= 2 {
        let mut c = Cells::default();
        for (column, cell) in table.columns.iter().zip(cells).take(n - 1) {
            c.set(&column.0, text(cell));
        }
        let at = cells.get(n - 1).map_or(raw.len(), |cell| cell.0);
        (c.message, c.message_at) = (rest(at), at);
        if let Some(row) = build_row(&c, raw, typed) {
            return Some(row);
        }
    }
    // 2. Cells by the header's column positions: finds empty cells.
    if table.positioned {
        if let Some(c) = cells_by_position(raw, cells, table) {
            if let Some(row) = build_row(&c, raw, typed) {
                return Some(row);
            }
        }
    }
    // 3. Tokens, for a paste whose spacing was collapsed.
    let standard = table.columns.iter().map(|(n, _)| n.as_str()).eq(["Type", "Reason", "Age", "From", "Message"]);
    if standard { cells_by_tokens(raw).and_then(|c| build_row(&c, raw, true)) } else { None }
}

fn cells_by_position<'a>(raw: &'a str, cells: &[(usize, usize)], table: &Table) -> Option<Cells<'a>> {
    let mut c = Cells::default();
    let mut next_column = 0;
    for &(s, e) in cells {
        let col = col_at(raw, s);
        let offset = table.columns.iter().skip(next_column).position(|(_, start)| *start == col)?;
        let index = next_column + offset;
        let (name, _) = table.columns.get(index)?;
        if index + 1 == table.columns.len() {
            (c.message, c.message_at) = (raw.get(s..).unwrap_or("").trim_end(), s);
            return Some(c);
        }
        c.set(name, raw.get(s..e).unwrap_or(""));
        next_column = index + 1;
    }
    c.message_at = raw.len();
    Some(c)
}

fn cells_by_tokens(raw: &str) -> Option<Cells<'_>> {
    let tokens = token_spans(raw);
    let word = |k: usize| tokens.get(k).and_then(|&(s, e)| raw.get(s..e));
    let mut c = Cells { type_: word(0)?, reason: word(1)?, ..Cells::default() };
    let age_start = tokens.get(2)?.0;
    let mut k = 2;
    let mut age_end = tokens.get(k)?.1;
    if word(k + 1) == Some("ago") {
        k += 1;
        age_end = tokens.get(k)?.1;
    }
    if word(k + 1).is_some_and(|w| w.starts_with("(x")) {
        // `(x312 over 3h)` is three tokens.
        let close = (k + 1..tokens.len().min(k + 5)).find(|&j| word(j).is_some_and(|w| w.ends_with(')')))?;
        k = close;
        age_end = tokens.get(k)?.1;
    }
    c.age = raw.get(age_start..age_end);
    k += 1;
    let from_start = tokens.get(k)?.0;
    let mut from_end = tokens.get(k)?.1;
    // The old `kubelet, worker-1` source holds a space after its comma.
    if word(k).is_some_and(|w| w.ends_with(',')) && tokens.get(k + 1).is_some() {
        k += 1;
        from_end = tokens.get(k)?.1;
    }
    c.from = raw.get(from_start..from_end)?;
    let at = tokens.get(k + 1).map_or(raw.len(), |t| t.0);
    (c.message, c.message_at) = (raw.get(at..).unwrap_or("").trim_end(), at);
    Some(c)
}

fn build_row(c: &Cells, raw: &str, typed: bool) -> Option<Row> {
    // The API accepts only these two types, which makes them a row marker.
    let type_ok = if typed { c.type_ == "Normal" || c.type_ == "Warning" } else { c.type_.is_empty() };
    if !type_ok {
        return None;
    }
    if c.reason.is_empty() || c.reason.contains(char::is_whitespace) || !plausible_source(c.from) {
        return None;
    }
    let (age, last_age, count, first_age) = match (c.age, c.first_seen, c.last_seen) {
        (Some(age), _, _) => {
            let interval = parse_interval(age)?;
            (age.to_string(), interval.0, interval.1, interval.2)
        }
        (None, first, Some(last)) => {
            let last_age = age_or_unknown(last)?;
            let first_age = match first {
                Some(f) => age_or_unknown(f)?,
                None => last_age,
            };
            let count = match c.count {
                Some(n) => n.trim().parse::<i64>().ok()?,
                None => 1,
            };
            (last.to_string(), last_age, count, first_age)
        }
        _ => return None,
    };
    Some(Row {
        type_: c.type_.to_string(),
        reason: c.reason.to_string(),
        age,
        from: c.from.to_string(),
        message: c.message.to_string(),
        field_path: c.sub_object.to_string(),
        count,
        last_age,
        first_age,
        message_col: col_at(raw, c.message_at),
    })
}

/// A source column: `kubelet`, `kubelet, worker-1`, old `{kubelet minikube}`,
/// or empty. A message fragment has spaces elsewhere.
fn plausible_source(from: &str) -> bool {
    if from.starts_with('{') && from.ends_with('}') {
        return true;
    }
    let (component, host) = from.split_once(", ").unwrap_or((from, ""));
    !component.contains(char::is_whitespace) && !host.contains(char::is_whitespace)
}

/// `<unknown>`/`<invalid>` → Some(None); an age → Some(Some(s)); else None.
fn age_or_unknown(text: &str) -> Option<Option<i64>> {
    match text.trim() {
        "<unknown>" | "<invalid>" => Some(None),
        t => parse_age(t).map(Some),
    }
}

/// `2m (x312 over 3h)` → (last seen 120 s ago, 312 times, first seen 10800 s ago).
fn parse_interval(text: &str) -> Option<(Option<i64>, i64, Option<i64>)> {
    let text = text.trim();
    match text.find("(x") {
        Some(at) => {
            let last = age_or_unknown(text.get(..at)?)?;
            let inner = text.get(at + 2..)?.trim_end().strip_suffix(')')?;
            let (count, over) = inner.split_once(" over ")?;
            Some((last, count.trim().parse().ok()?, age_or_unknown(over)?))
        }
        None => {
            let age = age_or_unknown(text)?;
            Some((age, 1, age))
        }
    }
}

/// Strips `(combined from similar events): ` and kubectl 1.35's
/// `spec.containers{name}: ` (returned as the field path) from a message.
fn strip_message_prefixes(message: &str) -> (&str, &str) {
    const COMBINED: &str = "(combined from similar events): ";
    let mut message = message;
    let mut field_path = "";
    loop {
        if let Some(rest) = message.strip_prefix(COMBINED) {
            message = rest;
            continue;
        }
        if field_path.is_empty() {
            let list = ["spec.containers{", "spec.initContainers{", "spec.ephemeralContainers{"];
            if list.iter().any(|p| message.starts_with(p)) {
                if let Some(end) = message.find("}: ") {
                    field_path = &message[..=end];
                    message = &message[end + 3..];
                    continue;
                }
            }
        }
        return (message, field_path);
    }
}

// ------------------------------------------------------------------ values

/// Describe prints times as RFC 1123 with a numeric zone
/// (`Sat, 09 Aug 2025 22:57:54 +0000`). The epoch (and Go's zero time) means
/// "never", as in the JSON, so it is None. Unreadable → Err.
fn parse_time(text: &str) -> Result<Option<Time>, ()> {
    let text = text.trim();
    if text.is_empty() || text == "<unknown>" || text == "<none>" {
        return Ok(None);
    }
    let utc_named = text.strip_suffix(" UTC").map(|t| format!("{t} +0000"));
    let candidates = [Some(text.to_string()), utc_named];
    for candidate in candidates.iter().flatten() {
        // A weekday that disagrees with the date fails RFC 2822: try without it.
        let without_weekday = candidate.split_once(", ").map(|(_, rest)| rest);
        for form in [Some(candidate.as_str()), without_weekday].into_iter().flatten() {
            if let Ok(t) = DateTime::parse_from_rfc2822(form) {
                let utc = t.with_timezone(&Utc);
                return Ok((utc.timestamp() > 0).then_some(Time(utc)));
            }
        }
    }
    if DateTime::parse_from_rfc3339(text).is_ok() {
        return Ok(Time::parse(text));
    }
    Err(())
}

fn int_or_string(text: &str) -> Option<IntOrString> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(text.parse::<i64>().map_or_else(|_| IntOrString::Str(text.to_string()), IntOrString::Int))
}

/// `DATABASE_URL:  <set to the key 'url' in secret 'db'>  Optional: false`,
/// `LOG_LEVEL:  info`, `POD_IP:  (v1:status.podIP)`.
fn parse_env(text: &str) -> EnvVar {
    let (name, value) = key_value(text).unwrap_or((text.trim_end_matches(':'), ""));
    let mut env = EnvVar { name: name.to_string(), ..EnvVar::default() };
    if let Some(rest) = value.strip_prefix("<set to the key '") {
        let reference = |sep: &str| {
            let (key, tail) = rest.split_once(sep)?;
            let (name, _) = tail.split_once("'>")?;
            Some(KeyRef { name: name.to_string(), key: key.to_string() })
        };
        let source = EnvVarSource {
            secret_key_ref: reference("' in secret '"),
            config_map_key_ref: reference("' of config map '"),
            ..EnvVarSource::default()
        };
        env.value_from = Some(source);
    } else if is_field_reference(value) {
        // fieldRef/resourceFieldRef: the JSON has a reference and no value.
        env.value_from = Some(EnvVarSource::default());
    } else {
        env.value = Some(value.to_string());
    }
    env
}

/// `10.0.0.7 (v1:status.podIP)` or `256Mi (limits.memory)`.
fn is_field_reference(value: &str) -> bool {
    let Some(open) = value.rfind('(') else { return false };
    let Some(inner) = value.get(open + 1..).and_then(|v| v.strip_suffix(')')) else { return false };
    if inner.starts_with("limits.") || inner.starts_with("requests.") {
        return true;
    }
    inner.split_once(':').is_some_and(|(version, path)| {
        let versioned = version.rsplit('/').next().is_some_and(|v| v.starts_with('v') && v.len() > 1);
        versioned && ["metadata.", "spec.", "status."].iter().any(|p| path.starts_with(p))
    })
}

/// `http-get http://:8080/healthz delay=10s timeout=1s period=10s #success=1 #failure=3`,
/// `tcp-socket :8080 ...`, `exec [cat /tmp/ready] ...`, `grpc <pod>:9090  ...`.
fn parse_probe(text: &str) -> (Probe, Vec<String>) {
    let mut probe = Probe::default();
    let mut issues = Vec::new();
    let text = text.trim();
    let (head, attrs) = match text.rfind("delay=") {
        Some(at) => (text[..at].trim(), &text[at..]),
        None => (text, ""),
    };
    for attr in attrs.split_whitespace() {
        let Some((name, value)) = attr.split_once('=') else { continue };
        let slot = match name {
            "delay" => &mut probe.initial_delay_seconds,
            "timeout" => &mut probe.timeout_seconds,
            "period" => &mut probe.period_seconds,
            "#success" => &mut probe.success_threshold,
            "#failure" => &mut probe.failure_threshold,
            _ => continue,
        };
        match value.trim_end_matches('s').parse::<i64>() {
            Ok(n) => *slot = Some(n),
            Err(_) => issues.push(format!("unreadable probe setting '{attr}'")),
        }
    }
    let (kind, rest) = head.split_once(' ').unwrap_or((head, ""));
    let rest = rest.trim();
    match kind {
        "http-get" => probe.http_get = Some(parse_http_get(rest)),
        "tcp-socket" => {
            let port = rest.rsplit_once(':').map_or(rest, |(_, p)| p);
            probe.tcp_socket = Some(PortAction { port: int_or_string(port) });
        }
        "grpc" => {
            // `grpc <pod>:9090 my.service`: the service has no wire field.
            let target = rest.split_whitespace().next().unwrap_or("");
            let port = target.rsplit_once(':').map_or(target, |(_, p)| p);
            probe.grpc = Some(PortAction { port: int_or_string(port) });
        }
        "exec" => probe.exec = Some(ExecAction { command: parse_exec(rest) }),
        "unknown" => {}
        other => issues.push(format!("unrecognised probe '{other}'")),
    }
    (probe, issues)
}

fn parse_http_get(url: &str) -> HttpGetAction {
    let (scheme, after) = url.split_once("://").unwrap_or(("http", url));
    let (authority, path) = match after.find('/') {
        Some(at) => (&after[..at], &after[at..]),
        None => (after, ""),
    };
    // `[::1]:8080` keeps the colons of an IPv6 host inside brackets.
    let port = match authority.rfind(']') {
        Some(close) => authority.get(close + 1..).and_then(|p| p.strip_prefix(':')),
        None => authority.rsplit_once(':').map(|(_, p)| p),
    };
    HttpGetAction {
        path: (!path.is_empty()).then(|| percent_decode(path)),
        port: port.and_then(int_or_string),
        scheme: Some(scheme.to_uppercase()),
    }
}

/// Go's url.String() escapes a path; `%3F` in a probe path was a `?`.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// `[cat /tmp/ready]`: Go prints the slice space-separated, so arguments
/// holding spaces cannot be told apart — except the usual `sh -c <script>`,
/// where everything after `-c` is the one script.
fn parse_exec(text: &str) -> Vec<String> {
    let inner = text.strip_prefix('[').unwrap_or(text);
    let inner = inner.strip_suffix(']').unwrap_or(inner).trim();
    let tokens = token_spans(inner);
    let word = |k: usize| tokens.get(k).and_then(|&(s, e)| inner.get(s..e)).unwrap_or("");
    let shell = word(0).ends_with("sh") && word(1).starts_with('-') && word(1).ends_with('c') && tokens.len() > 2;
    if shell {
        let script = tokens.get(2).and_then(|&(s, _)| inner.get(s..)).unwrap_or("").trim();
        return vec![word(0).to_string(), word(1).to_string(), script.to_string()];
    }
    tokens.iter().filter_map(|&(s, e)| inner.get(s..e)).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OOM-killed pod (shape and strings of real pastes: signatures.md
    /// §0.2, §1.1, §3.5; probe lines as kubectl prints them).
    const OOM: &str = "\
Name:             api-7c9d8f6b5-xk2lp
Namespace:        checkout
Priority:         0
Service Account:  default
Node:             worker-1/10.0.3.7
Start Time:       Sat, 09 Aug 2025 22:57:54 +0000
Labels:           app=api
                  pod-template-hash=7c9d8f6b5
Annotations:      <none>
Status:           Running
IP:               10.244.1.16
IPs:
  IP:           10.244.1.16
Controlled By:  ReplicaSet/api-7c9d8f6b5
Containers:
  api:
    Container ID:   containerd://4f793ccd1f76e972e
    Image:          registry.example/api:1.42
    Image ID:       registry.example/api@sha256:7ec975f1
    Port:           8080/TCP
    Host Port:      0/TCP
    Command:
      /app/server
    Args:
      --config=/etc/app.yaml
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Sun, 10 Aug 2025 02:03:11 +0000
      Finished:     Sun, 10 Aug 2025 02:03:40 +0000
    Ready:          False
    Restart Count:  22
    Limits:
      cpu:     500m
      memory:  256Mi
    Requests:
      cpu:        250m
      memory:     128Mi
    Liveness:     http-get http://:8080/healthz delay=10s timeout=1s period=10s #success=1 #failure=3
    Readiness:    tcp-socket :8080 delay=0s timeout=1s period=5s #success=1 #failure=3
    Startup:      exec [cat /tmp/ready] delay=0s timeout=1s period=10s #success=1 #failure=30
    Environment:
      DATABASE_URL:  <set to the key 'url' in secret 'db'>  Optional: false
      LOG_LEVEL:     info
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x (ro)
Conditions:
  Type              Status
  Initialized       True 
  Ready             False 
  ContainersReady   False 
  PodScheduled      True 
Volumes:
  kube-api-access-x:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    ConfigMapOptional:       <nil>
    DownwardAPI:             true
QoS Class:                   Burstable
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason     Age                From               Message
  ----     ------     ----               ----               -------
  Normal   Scheduled  3h                 default-scheduler  Successfully assigned checkout/api-7c9d8f6b5-xk2lp to worker-1
  Warning  BackOff    2m (x312 over 3h)  kubelet            Back-off restarting failed container api in pod api-7c9d8f6b5-xk2lp_checkout(8d01e70a-4f0b-4c4e-9a51-2b4f1c3d9e77)
";

    fn one(text: &str) -> Described {
        let (mut pods, problems) = parse(text);
        assert!(problems.is_empty(), "problems: {problems:?}");
        assert_eq!(pods.len(), 1, "pods");
        pods.remove(0)
    }

    fn line_no(text: &str, needle: &str) -> u64 {
        text.lines().position(|l| l.contains(needle)).map(|i| i as u64 + 1).expect(needle)
    }

    fn msg(e: &DescribedEvent) -> &str {
        e.event.message.as_deref().unwrap_or("")
    }

    #[test]
    fn oom_killed_pod() {
        assert!(looks_like_describe(OOM));
        let d = one(OOM);
        let pod = &d.pod;
        assert_eq!(d.line, 1);
        assert_eq!(pod.metadata.name, "api-7c9d8f6b5-xk2lp");
        assert_eq!(pod.metadata.namespace, "checkout");
        assert_eq!(pod.metadata.uid, "8d01e70a-4f0b-4c4e-9a51-2b4f1c3d9e77");
        assert_eq!(pod.metadata.labels.get("pod-template-hash").map(String::as_str), Some("7c9d8f6b5"));
        assert_eq!(pod.metadata.labels.len(), 2);
        let owner = &pod.metadata.owner_references[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("ReplicaSet", "api-7c9d8f6b5", Some(true))
        );
        assert_eq!(pod.spec.node_name, "worker-1");
        assert_eq!(pod.status.phase, "Running");
        assert_eq!(pod.status.start_time.map(|t| t.rfc3339()).as_deref(), Some("2025-08-09T22:57:54Z"));

        let c = &pod.spec.containers[0];
        assert_eq!(c.name, "api");
        assert_eq!(c.image, "registry.example/api:1.42");
        assert_eq!(c.command, ["/app/server"]);
        assert_eq!(c.args, ["--config=/etc/app.yaml"]);
        assert_eq!(c.ports[0].container_port, 8080);
        assert_eq!(c.ports[0].protocol.as_deref(), Some("TCP"));
        assert_eq!(c.resources.limits.get("memory").map(String::as_str), Some("256Mi"));
        assert_eq!(c.resources.limits.get("cpu").map(String::as_str), Some("500m"));
        assert_eq!(c.resources.requests.get("memory").map(String::as_str), Some("128Mi"));
        assert_eq!(c.env.len(), 2);
        let secret = c.env[0].value_from.as_ref().and_then(|v| v.secret_key_ref.as_ref()).expect("secret ref");
        assert_eq!((secret.name.as_str(), secret.key.as_str()), ("db", "url"));
        assert_eq!(c.env[1].value.as_deref(), Some("info"));

        let s = &pod.status.container_statuses[0];
        assert_eq!(s.name, "api");
        assert_eq!(s.image, "registry.example/api:1.42");
        assert_eq!(s.state.waiting.as_ref().map(|w| w.reason.as_str()), Some("CrashLoopBackOff"));
        let t = s.last_state.terminated.as_ref().expect("lastState.terminated");
        assert_eq!(t.reason, "OOMKilled");
        assert_eq!(t.exit_code, 137);
        assert_eq!(t.started_at.map(|t| t.rfc3339()).as_deref(), Some("2025-08-10T02:03:11Z"));
        assert_eq!(t.finished_at.map(|t| t.rfc3339()).as_deref(), Some("2025-08-10T02:03:40Z"));
        assert!(!s.ready);
        assert_eq!(s.restart_count, 22);

        let types: Vec<(&str, &str)> =
            pod.status.conditions.iter().map(|c| (c.type_.as_str(), c.status.as_str())).collect();
        assert_eq!(
            types,
            [("Initialized", "True"), ("Ready", "False"), ("ContainersReady", "False"), ("PodScheduled", "True")]
        );

        let at = |p: &str| d.field_lines.iter().find(|(path, _)| path == p).map(|(_, l)| *l);
        let last_state = line_no(OOM, "Last State:");
        assert_eq!(at("status.containerStatuses[0].lastState.terminated"), Some(last_state));
        assert_eq!(at("status.containerStatuses[0].lastState.terminated.reason"), Some(last_state + 1));
        assert_eq!(at("status.containerStatuses[0].lastState.terminated.exitCode"), Some(last_state + 2));
        assert_eq!(at("status.containerStatuses[0].state.waiting"), Some(line_no(OOM, "State:          Waiting")));
        assert_eq!(at("spec.containers[0].resources.limits.memory"), Some(line_no(OOM, "memory:  256Mi")));
        assert_eq!(at("spec.containers[0].name"), Some(line_no(OOM, "  api:")));
        assert_eq!(at("status.containerStatuses[0].restartCount"), Some(line_no(OOM, "Restart Count:")));
        assert_eq!(d.line_of("status.containerStatuses[0].lastState.terminated.finishedAt"), Some(last_state + 4));
        assert_eq!(d.line_of("metadata.name"), Some(1));

        assert_eq!(d.events.len(), 2);
        let back_off = &d.events[1];
        assert_eq!(back_off.line, line_no(OOM, "Warning  BackOff"));
        assert_eq!(back_off.event.type_, "Warning");
        assert_eq!(back_off.event.reason, "BackOff");
        assert_eq!(back_off.event.count, Some(312));
        assert_eq!(back_off.age, "2m (x312 over 3h)");
        assert_eq!((back_off.age_seconds, back_off.first_age_seconds), (Some(120), Some(10_800)));
        assert!(msg(back_off).starts_with("Back-off restarting failed container api in pod"));
        let obj = back_off.event.involved_object.as_ref().expect("involved object");
        assert_eq!(
            (obj.kind.as_str(), obj.name.as_str(), obj.namespace.as_str()),
            ("Pod", "api-7c9d8f6b5-xk2lp", "checkout")
        );
        assert_eq!(obj.uid, pod.metadata.uid);
        assert_eq!(back_off.event.source.as_ref().map(|s| s.component.as_str()), Some("kubelet"));
        assert_eq!(back_off.event.metadata.namespace, "checkout");
        assert_eq!(d.events[0].event.count, Some(1));
        assert_eq!(d.events[0].event.source.as_ref().map(|s| s.component.as_str()), Some("default-scheduler"));
        assert_eq!(d.events[0].first_age_seconds, Some(10_800));
    }

    #[test]
    fn probes_in_every_form() {
        let d = one(OOM);
        let c = &d.pod.spec.containers[0];
        let live = c.liveness_probe.as_ref().expect("liveness");
        let http = live.http_get.as_ref().expect("http-get");
        assert_eq!(http.path.as_deref(), Some("/healthz"));
        assert_eq!(http.port, Some(IntOrString::Int(8080)));
        assert_eq!(http.scheme.as_deref(), Some("HTTP"));
        assert_eq!(
            (live.initial_delay_seconds, live.timeout_seconds, live.period_seconds),
            (Some(10), Some(1), Some(10))
        );
        assert_eq!((live.success_threshold, live.failure_threshold), (Some(1), Some(3)));
        let ready = c.readiness_probe.as_ref().and_then(|p| p.tcp_socket.as_ref()).expect("tcp");
        assert_eq!(ready.port, Some(IntOrString::Int(8080)));
        let startup = c.startup_probe.as_ref().expect("startup");
        assert_eq!(startup.exec.as_ref().map(|e| e.command.clone()), Some(vec!["cat".into(), "/tmp/ready".into()]));
        assert_eq!(startup.failure_threshold, Some(30));

        let (named, issues) =
            parse_probe("http-get https://:https/ready delay=0s timeout=5s period=10s #success=1 #failure=6");
        assert!(issues.is_empty());
        let http = named.http_get.expect("http");
        assert_eq!((http.port, http.scheme.as_deref()), (Some(IntOrString::Str("https".into())), Some("HTTPS")));
        let (grpc, _) = parse_probe("grpc <pod>:9090  delay=0s timeout=1s period=10s #success=1 #failure=3");
        assert_eq!(grpc.grpc.and_then(|g| g.port), Some(IntOrString::Int(9090)));
        let (shell, _) = parse_probe(
            "exec [sh -c pg_isready -U postgres -h 127.0.0.1] delay=5s timeout=5s period=10s #success=1 #failure=6",
        );
        let command = shell.exec.map(|e| e.command).unwrap_or_default();
        assert_eq!(command, ["sh", "-c", "pg_isready -U postgres -h 127.0.0.1"]);
        let (v6, _) = parse_probe(
            "http-get http://[::1]:9099/liveness%3Fverbose delay=0s timeout=1s period=10s #success=1 #failure=6",
        );
        let http = v6.http_get.expect("http");
        assert_eq!((http.port, http.path.as_deref()), (Some(IntOrString::Int(9099)), Some("/liveness?verbose")));
        let (unknown, issues) = parse_probe("bogus thing delay=1s");
        assert_eq!(unknown.initial_delay_seconds, Some(1));
        assert_eq!(issues, ["unrecognised probe 'bogus'"]);
    }

    /// Liveness kill: 137 with reason Error and the probe events
    /// (signatures.md §3.3-§3.5, coredns/kubeadm#1264 probe line).
    const LIVENESS: &str = "\
Name:         coredns-576cbf47c7-bcv8p
Namespace:    kube-system
Priority:     0
Node:         minikube/192.168.49.2
Start Time:   Fri, 11 Jul 2025 15:40:36 +0800
Labels:       k8s-app=kube-dns
              pod-template-hash=576cbf47c7
Annotations:  <none>
Status:       Running
IP:           10.244.0.15
Controlled By:  ReplicaSet/coredns-576cbf47c7
Containers:
  coredns:
    Container ID:  docker://9e95e3f9569a4dae779b7089f25a79fa3daa41df498105131cb5382846e7b166
    Image:         k8s.gcr.io/coredns:1.2.2
    Image ID:      docker-pullable://k8s.gcr.io/coredns@sha256:3e2be1cec87aca0b74b7668bbe8c02964a95a402e45ceb51b2252629d608d03a
    Ports:         53/UDP, 53/TCP, 9153/TCP
    Host Ports:    0/UDP, 0/TCP, 0/TCP
    Args:
      -conf
      /etc/coredns/Corefile
    State:          Running
      Started:      Fri, 11 Jul 2025 15:50:51 +0800
    Last State:     Terminated
      Reason:       Error
      Exit Code:    137
      Started:      Fri, 11 Jul 2025 15:48:36 +0800
      Finished:     Fri, 11 Jul 2025 15:50:50 +0800
    Ready:          True
    Restart Count:  33
    Limits:
      memory:  170Mi
    Requests:
      cpu:        100m
      memory:     70Mi
    Liveness:     http-get http://:8080/health delay=60s timeout=5s period=10s #success=1 #failure=5
    Environment:  <none>
    Mounts:
      /etc/coredns from config-volume (ro)
Conditions:
  Type              Status
  Initialized       True 
  Ready             True 
  ContainersReady   True 
  PodScheduled      True 
Events:
  Type     Reason     Age                  From               Message
  ----     ------     ----                 ----               -------
  Warning  Unhealthy  22m (x4 over 23m)    kubelet, minikube  Liveness probe failed: Get http://10.244.0.15:8080/health: net/http: request canceled (Client.Timeout exceeded while awaiting headers)
  Normal   Killing    22m                  kubelet, minikube  Container coredns failed liveness probe, will be restarted
  Normal   Pulled     21m (x2 over 3h)     kubelet, minikube  Container image \"k8s.gcr.io/coredns:1.2.2\" already present on machine
";

    #[test]
    fn liveness_killed_pod() {
        let d = one(LIVENESS);
        let s = &d.pod.status.container_statuses[0];
        assert!(s.state.running.as_ref().and_then(|r| r.started_at).is_some());
        let t = s.last_state.terminated.as_ref().expect("terminated");
        assert_eq!((t.reason.as_str(), t.exit_code), ("Error", 137));
        // +0800 read as an offset.
        assert_eq!(t.finished_at.map(|t| t.rfc3339()).as_deref(), Some("2025-07-11T07:50:50Z"));
        assert!(s.ready);
        assert_eq!(s.restart_count, 33);
        let c = &d.pod.spec.containers[0];
        assert_eq!(c.args, ["-conf", "/etc/coredns/Corefile"]);
        assert!(c.command.is_empty());
        let ports: Vec<(i64, &str)> =
            c.ports.iter().map(|p| (p.container_port, p.protocol.as_deref().unwrap_or(""))).collect();
        assert_eq!(ports, [(53, "UDP"), (53, "TCP"), (9153, "TCP")]);
        assert!(c.env.is_empty());
        assert!(!c.resources.limits.contains_key("cpu"));
        let live = c.liveness_probe.as_ref().expect("liveness");
        let http = live.http_get.as_ref().expect("http");
        assert_eq!((http.port.clone(), http.path.as_deref()), (Some(IntOrString::Int(8080)), Some("/health")));
        assert_eq!(
            (live.period_seconds, live.failure_threshold, live.initial_delay_seconds),
            (Some(10), Some(5), Some(60))
        );

        assert_eq!(d.events.len(), 3);
        let unhealthy = &d.events[0];
        assert_eq!(unhealthy.event.reason, "Unhealthy");
        assert!(msg(unhealthy).starts_with("Liveness probe failed: Get http://10.244.0.15:8080/health: net/http"));
        let source = unhealthy.event.source.as_ref().expect("source");
        assert_eq!((source.component.as_str(), source.host.as_str()), ("kubelet", "minikube"));
        assert_eq!(unhealthy.event.count, Some(4));
        let killing = &d.events[1];
        assert_eq!(killing.event.reason, "Killing");
        assert_eq!(msg(killing), "Container coredns failed liveness probe, will be restarted");
        assert_eq!(killing.age_seconds, Some(22 * 60));
        assert_eq!(msg(&d.events[2]), "Container image \"k8s.gcr.io/coredns:1.2.2\" already present on machine");
    }

    /// A command typo: StartError 128 with the epoch start (signatures.md
    /// §7.2, verbatim), then the shell form exiting 127.
    const START_ERROR: &str = "\
Name:         kube-controller-manager-controlplane
Namespace:    kube-system
Containers:
  kube-controller-manager:
    Image:         registry.k8s.io/kube-controller-manager:v1.33.2
    Command:
      kube-controller-manegaar
    State:          Waiting
      Reason:       RunContainerError
    Last State:     Terminated
      Reason:       StartError
      Message:      failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"kube-controller-manegaar\": executable file not found in $PATH: unknown
      Exit Code:    128
      Started:      Thu, 01 Jan 1970 00:00:00 +0000
      Finished:     Sun, 10 Aug 2025 02:03:40 +0000
    Ready:          False
    Restart Count:  1
  wget:
    Image:         busybox:1.36
    Command:
      sh
      -c
      wge -q -O- http://example.com
    State:          Waiting
      Reason:       CrashLoopBackOff
      Message:      back-off 5m0s restarting failed container=wget pod=kube-controller-manager-controlplane_kube-system(c2086dde319f21250262f5d5edcf3af3)
    Last State:     Terminated
      Reason:       Error
      Message:      sh: wge: not found
exec: \"wge\": executable file not found in $PATH
      Exit Code:    127
      Started:      Wed, 31 Dec 1969 16:00:00 -0800
      Finished:     Sun, 10 Aug 2025 02:03:41 +0000
    Ready:          False
    Restart Count:  4
Events:
  Type     Reason   Age                From     Message
  ----     ------   ----               ----     -------
  Warning  Failed   3s (x3 over 27s)   kubelet  Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"kube-controller-manegaar\": executable file not found in $PATH: unknown
  Warning  BackOff  3s (x5 over 25s)   kubelet  Back-off restarting failed container kube-controller-manager in pod kube-controller-manager-controlplane_kube-system(c2086dde319f21250262f5d5edcf3af3)
";

    #[test]
    fn crash_loop_with_bad_command() {
        let d = one(START_ERROR);
        let statuses = &d.pod.status.container_statuses;
        assert_eq!(statuses.len(), 2);
        let t = statuses[0].last_state.terminated.as_ref().expect("terminated");
        assert_eq!((t.reason.as_str(), t.exit_code), ("StartError", 128));
        assert!(t.message.contains("exec: \"kube-controller-manegaar\": executable file not found in $PATH"));
        assert_eq!(t.started_at, None, "the epoch means never started");
        assert!(t.finished_at.is_some());
        assert_eq!(statuses[0].state.waiting.as_ref().map(|w| w.reason.as_str()), Some("RunContainerError"));

        let wget = &statuses[1];
        let w = wget.state.waiting.as_ref().expect("waiting");
        assert_eq!(w.reason, "CrashLoopBackOff");
        assert!(w.message.starts_with("back-off 5m0s restarting failed container=wget"));
        let t = wget.last_state.terminated.as_ref().expect("terminated");
        assert_eq!(t.exit_code, 127);
        assert_eq!(t.message, "sh: wge: not found\nexec: \"wge\": executable file not found in $PATH");
        assert_eq!(t.started_at, None, "-0800 epoch is the epoch too");
        assert_eq!(d.pod.spec.containers[1].command, ["sh", "-c", "wge -q -O- http://example.com"]);
        assert_eq!(d.pod.metadata.uid, "c2086dde319f21250262f5d5edcf3af3");
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[0].event.count, Some(3));
        assert_eq!(d.events[1].first_age_seconds, Some(25));
        let at = |p: &str| d.field_lines.iter().find(|(path, _)| path == p).map(|(_, l)| *l);
        assert_eq!(
            at("status.containerStatuses[1].lastState.terminated.message"),
            Some(line_no(START_ERROR, "sh: wge"))
        );
        assert_eq!(
            at("status.containerStatuses[1].state.waiting.message"),
            Some(line_no(START_ERROR, "back-off 5m0s"))
        );
    }

    const INIT: &str = "\
Name:           stellar-core-postgresql-0
Namespace:      default
Node:           <none>
Status:         Pending
Init Containers:
  init-db:
    Container ID:  containerd://0a1b2c
    Image:         busybox
    Image ID:      docker.io/library/busybox@sha256:0a1b2c
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      until nslookup db; do sleep 2; done
    State:          Terminated
      Reason:       Completed
      Exit Code:    0
      Started:      Sat, 09 Aug 2025 22:57:55 +0000
      Finished:     Sat, 09 Aug 2025 22:57:56 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:         <none>
  migrate:
    Image:          registry.example/migrate:2
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Sat, 09 Aug 2025 23:01:05 +0000
      Finished:     Sat, 09 Aug 2025 23:01:06 +0000
    Ready:          False
    Restart Count:  7
Containers:
  app:
    Image:          registry.example/app:2
    State:          Waiting
      Reason:       PodInitializing
    Ready:          False
    Restart Count:  0
  sidecar:
    Image:          registry.example/sidecar:1
Events:  <none>
";

    #[test]
    fn init_containers_and_events_none() {
        let d = one(INIT);
        assert_eq!(d.pod.spec.node_name, "");
        assert_eq!(d.pod.status.phase, "Pending");
        let init = &d.pod.spec.init_containers;
        assert_eq!(init.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["init-db", "migrate"]);
        assert!(init[0].ports.is_empty());
        assert_eq!(init[0].command[2], "until nslookup db; do sleep 2; done");
        let statuses = &d.pod.status.init_container_statuses;
        assert!(statuses[0].last_state.terminated.is_none());
        assert_eq!(
            statuses[0].state.terminated.as_ref().map(|t| (t.reason.as_str(), t.exit_code)),
            Some(("Completed", 0))
        );
        assert_eq!(statuses[1].last_state.terminated.as_ref().map(|t| t.exit_code), Some(1));
        assert_eq!(statuses[1].restart_count, 7);
        let apps = &d.pod.spec.containers;
        assert_eq!(apps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["app", "sidecar"]);
        // The sidecar has no status lines, so no status entry.
        assert_eq!(d.pod.status.container_statuses.len(), 1);
        let at = |p: &str| d.field_lines.iter().find(|(path, _)| path == p).map(|(_, l)| *l);
        assert_eq!(at("status.initContainerStatuses[1].lastState.terminated"), Some(line_no(INIT, "Last State:")));
        assert_eq!(at("spec.initContainers[1].name"), Some(line_no(INIT, "  migrate:")));
        assert!(d.events.is_empty());
    }

    /// Event table variants: a wrapped message at column 0 (signatures.md
    /// §3.1, verbatim text; tabwriter realigns the rows after it), the old
    /// `kubelet, <node>` source, combined events, kubectl 1.35's fieldPath
    /// prefix, and a soft wrap indented to the message column.
    const EVENTS: &str = "\
Name:         calico-kube-controllers-5cbcccc885-kvbfm
Namespace:    kube-system
Events:
  Type     Reason     Age                 From               Message
  ----     ------     ----                ----               -------
  Normal   Killing    13m (x2 over 14m)   kubelet            Container calico-kube-controllers failed liveness probe, will be restarted
  Warning  Unhealthy  10m (x29 over 15m)  kubelet            Liveness probe failed: unknown shorthand flag: 'l' in -l
Usage of check-status:
  -f, --file string   File to read with status information (default \"/status/status.json\")
  -r, --ready         Check readiness
  Warning  BackOff  38s (x35 over 9m31s)  kubelet  Back-off restarting failed container
  Warning  Failed     34m (x12 over 36m)    kubelet, minikube  Error: configmap \"autotune-config-key\" not found
  Warning  FailedCreatePodSandBox  3m44s (x1105 over 4h6m)  kubelet  (combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"e79ba218\": error getting ClusterInformation: Get \"https://[172.28.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default\": Forbidden
  Warning  Unhealthy  6m8s (x15 over 8m28s)  kubelet  spec.containers{nginx}: Startup probe failed: sh: /inited: Permission denied
  Normal   Killing    6m8s (x5 over 8m8s)    kubelet  spec.initContainers{setup}: (combined from similar events): Container setup failed startup probe, will be restarted
  Warning  Unhealthy  117s (x77 over 17m)    kubelet  Startup probe failed: Get \"https://172.30.1.2:6433/livez\": dial tcp
                                                      172.30.1.2:6433: connect: connection refused
  Warning  Evicted    <unknown>              kubelet  The node was low on resource: memory.

Could someone help? The pod keeps restarting.
";

    #[test]
    fn event_variants() {
        let d = one(EVENTS);
        let ev: Vec<(&str, &str)> = d.events.iter().map(|e| (e.event.reason.as_str(), msg(e))).collect();
        assert_eq!(ev.len(), 9, "{ev:#?}");
        assert_eq!(
            ev[1].1,
            "Liveness probe failed: unknown shorthand flag: 'l' in -l\nUsage of check-status:\n  -f, --file string   File to read with status information (default \"/status/status.json\")\n  -r, --ready         Check readiness"
        );
        assert_eq!(ev[2], ("BackOff", "Back-off restarting failed container"));
        assert_eq!(d.events[2].event.count, Some(35));
        assert_eq!(d.events[2].first_age_seconds, Some(9 * 60 + 31));
        let old = d.events[3].event.source.as_ref().expect("source");
        assert_eq!((old.component.as_str(), old.host.as_str()), ("kubelet", "minikube"));
        assert_eq!(ev[3].1, "Error: configmap \"autotune-config-key\" not found");
        assert!(ev[4].1.starts_with("Failed to create pod sandbox: rpc error"));
        assert_eq!(d.events[4].event.count, Some(1105));
        assert_eq!(d.events[4].first_age_seconds, Some(4 * 3600 + 6 * 60));
        assert_eq!(ev[5].1, "Startup probe failed: sh: /inited: Permission denied");
        let path =
            |i: usize| d.events[i].event.involved_object.as_ref().map(|o| o.field_path.clone()).unwrap_or_default();
        assert_eq!(path(5), "spec.containers{nginx}");
        assert_eq!(ev[6].1, "Container setup failed startup probe, will be restarted");
        assert_eq!(path(6), "spec.initContainers{setup}");
        assert_eq!(path(1), "");
        assert_eq!(
            ev[7].1,
            "Startup probe failed: Get \"https://172.30.1.2:6433/livez\": dial tcp 172.30.1.2:6433: connect: connection refused"
        );
        assert_eq!((d.events[8].age_seconds, d.events[8].first_age_seconds), (None, None));
        assert_eq!(d.events[8].age, "<unknown>");
        assert_eq!(d.events[8].line, line_no(EVENTS, "Evicted"));
    }

    #[test]
    fn two_pods_with_noise_around() {
        let text = format!(
            "$ kubectl describe pod -n checkout api-7c9d8f6b5-xk2lp\n{OOM}\n\n{}\n```\nthanks\n",
            LIVENESS.trim_end()
        );
        let (pods, problems) = parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(pods.len(), 2);
        assert_eq!(pods[0].pod.metadata.name, "api-7c9d8f6b5-xk2lp");
        assert_eq!(pods[0].line, 2);
        assert_eq!(pods[0].events.len(), 2);
        assert_eq!(pods[1].pod.metadata.name, "coredns-576cbf47c7-bcv8p");
        assert_eq!(pods[1].line, line_no(&text, "Name:         coredns"));
        assert_eq!(pods[1].events.len(), 3);
        assert_eq!(msg(&pods[1].events[2]), "Container image \"k8s.gcr.io/coredns:1.2.2\" already present on machine");
        // Lines are counted in the whole paste.
        let back_off = &pods[0].events[1];
        assert_eq!(back_off.line, line_no(&text, "Warning  BackOff"));
    }

    #[test]
    fn crlf_tabs_and_indented_paste() {
        let crlf = OOM.replace('\n', "\r\n");
        let d = one(&crlf);
        assert_eq!(
            d.pod.status.container_statuses[0].last_state.terminated.as_ref().map(|t| t.reason.as_str()),
            Some("OOMKilled")
        );
        assert_eq!(d.pod.spec.containers[0].resources.limits.get("memory").map(String::as_str), Some("256Mi"));
        assert_eq!(msg(&d.events[0]), "Successfully assigned checkout/api-7c9d8f6b5-xk2lp to worker-1");

        // Unaligned output: tabs between cells, as before tabwriter.
        let tabs = "Name:\tweb-0\nNamespace:\tshop\nContainers:\n  web:\n    Image:\tnginx\n    Last State:\tTerminated\n      Reason:\tOOMKilled\n      Exit Code:\t137\n    Limits:\n      memory:\t64Mi\nEvents:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n  Normal\tPulled\t5m\tkubelet\tContainer image \"nginx\" already present on machine\n  Warning\tBackOff\t1m (x4 over 3m)\tkubelet\tBack-off restarting failed container web in pod web-0_shop(abc)\n";
        let d = one(tabs);
        assert_eq!(d.pod.status.container_statuses[0].last_state.terminated.as_ref().map(|t| t.exit_code), Some(137));
        assert_eq!(d.pod.spec.containers[0].resources.limits.get("memory").map(String::as_str), Some("64Mi"));
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[0].event.source.as_ref().map(|s| s.component.as_str()), Some("kubelet"));
        assert_eq!(msg(&d.events[0]), "Container image \"nginx\" already present on machine");
        assert_eq!(d.events[1].event.count, Some(4));

        // A paste indented as a whole (quoted in a ticket).
        let indented: String = OOM.lines().map(|l| format!("    {l}\n")).collect();
        assert!(looks_like_describe(&indented));
        let d = one(&indented);
        assert_eq!(d.pod.spec.containers[0].resources.limits.get("memory").map(String::as_str), Some("256Mi"));
        assert_eq!(d.events.len(), 2);
    }

    #[test]
    fn collapsed_spacing_and_empty_from_column() {
        // Spacing collapsed to single blanks (re-pasted from a web page).
        let text = "Name: web-0\nNamespace: shop\nEvents:\n  Type Reason Age From Message\n  ---- ------ ---- ---- -------\n  Warning BackOff 2m (x312 over 3h) kubelet, node-1 Back-off restarting failed container\n  Normal Killing 5m kubelet Container web failed liveness probe, will be restarted\n";
        let d = one(text);
        assert_eq!(d.events.len(), 2);
        let e = &d.events[0];
        assert_eq!((e.event.count, e.age_seconds, e.first_age_seconds), (Some(312), Some(120), Some(10_800)));
        assert_eq!(e.event.source.as_ref().map(|s| s.host.as_str()), Some("node-1"));
        assert_eq!(msg(e), "Back-off restarting failed container");
        assert_eq!(msg(&d.events[1]), "Container web failed liveness probe, will be restarted");

        // An aligned table whose From cell is empty and whose message holds a double space.
        let text = "Name: web-0\nNamespace: shop\nEvents:\n  Type    Reason  Age   From     Message\n  ----    ------  ----  ----     -------\n  Normal  Synced  5m             dial tcp  10.0.0.1:80 refused\n";
        let d = one(text);
        assert!(d.events[0].event.source.is_none());
        assert_eq!(msg(&d.events[0]), "dial tcp  10.0.0.1:80 refused");

        // The pre-1.9 table.
        let text = "Name: web-0\nNamespace: shop\nEvents:\n  FirstSeen\tLastSeen\tCount\tFrom\t\t\tSubObjectPath\t\tType\t\tReason\t\tMessage\n  ---------\t--------\t-----\t----\t\t\t-------------\t\t--------\t------\t\t-------\n  3m\t\t1m\t\t4\t{kubelet minikube}\tspec.containers{web}\tWarning\t\tBackOff\t\tBack-off restarting failed docker container\n";
        let d = one(text);
        let e = &d.events[0];
        assert_eq!((e.event.count, e.age_seconds, e.first_age_seconds), (Some(4), Some(60), Some(180)));
        assert_eq!(e.event.involved_object.as_ref().map(|o| o.field_path.as_str()), Some("spec.containers{web}"));
        assert_eq!(
            e.event.source.as_ref().map(|s| (s.component.as_str(), s.host.as_str())),
            Some(("kubelet", "minikube"))
        );
        assert_eq!(msg(e), "Back-off restarting failed docker container");
    }

    #[test]
    fn truncated_paste_gives_partial_pod() {
        let cut = line_no(OOM, "Exit Code:") as usize;
        let text: String = OOM.lines().take(cut).map(|l| format!("{l}\n")).collect();
        let d = one(&text);
        let t = d.pod.status.container_statuses[0].last_state.terminated.as_ref().expect("terminated");
        assert_eq!((t.reason.as_str(), t.exit_code), ("OOMKilled", 137));
        assert!(d.pod.spec.containers[0].resources.limits.is_empty());
        assert!(d.events.is_empty());
        // Cut mid-line in an event row.
        let at = OOM.find("Back-off restarting").unwrap_or(0) + 5;
        let d = one(&OOM[..at]);
        assert_eq!(d.events.len(), 2);
        assert_eq!(msg(&d.events[1]), "Back-");
    }

    #[test]
    fn never_panics_on_prefixes_and_shuffles() {
        for paste in [OOM, EVENTS] {
            for (at, _) in paste.char_indices() {
                let _ = parse(&paste[..at]);
                let _ = looks_like_describe(&paste[..at]);
            }
        }
        let all = [OOM, LIVENESS, START_ERROR, INIT, EVENTS].concat();
        for (at, _) in all.match_indices('\n') {
            let _ = parse(&all[..at]);
        }
        // Deterministic line shuffles (xorshift: no rand dependency).
        let lines: Vec<&str> = all.lines().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut shuffled = lines.clone();
            for i in (1..shuffled.len()).rev() {
                let j = (next() % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            let text = shuffled.join("\n");
            let _ = parse(&text);
            // Also with lines cut at random byte offsets and re-indented.
            let mangled: String = shuffled
                .iter()
                .map(|l| {
                    let cut = (next() as usize) % (l.len() + 1);
                    let cut = (0..=cut).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                    format!("{}{}\n", " ".repeat((next() % 9) as usize), &l[..cut])
                })
                .collect();
            let _ = parse(&mangled);
        }
        for weird in [
            "",
            "\n\n",
            "Name:",
            "Name:\n",
            "Name: x\nContainers:\n  :\n",
            "Name: x\nEvents:\n  Warning",
            "\u{feff}Name: é\n  ü:\n\t\t\u{a0}x",
        ] {
            let _ = parse(weird);
        }
    }

    #[test]
    fn garbage_numbers_become_problems() {
        let text = OOM
            .replace("Restart Count:  22", "Restart Count:  many")
            .replace("Exit Code:    137", "Exit Code:    boom")
            .replace("Ready:          False", "Ready:          Maybe")
            .replace("State:          Waiting", "State:          Foo")
            .replace("Finished:     Sun, 10 Aug 2025 02:03:40 +0000", "Finished:     yesterday");
        let (pods, problems) = parse(&text);
        assert_eq!(pods.len(), 1);
        let s = &pods[0].pod.status.container_statuses[0];
        assert_eq!(s.restart_count, 0);
        assert_eq!(s.last_state.terminated.as_ref().map(|t| t.exit_code), Some(0));
        assert!(s.state.waiting.is_none());
        let expected = [
            format!("line {}: unrecognised State 'Foo'", line_no(&text, "State:          Foo")),
            format!("line {}: Exit Code 'boom' is not a number", line_no(&text, "boom")),
            format!("line {}: unreadable time 'yesterday'", line_no(&text, "yesterday")),
            format!("line {}: Ready 'Maybe' is neither True nor False", line_no(&text, "Maybe")),
            format!("line {}: Restart Count 'many' is not a number", line_no(&text, "many")),
        ];
        assert_eq!(problems, expected);
    }

    #[test]
    fn other_kinds_are_skipped() {
        let node = "Name:               worker-1\nRoles:              <none>\nLabels:             kubernetes.io/os=linux\nEvents:\n  Type     Reason     Age   From     Message\n  ----     ------     ----  ----     -------\n  Warning  SystemOOM  3m    kubelet  System OOM encountered, victim process: stress-ng-vm, pid: 3103923\n";
        let (pods, problems) = parse(&format!("{OOM}{node}"));
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].events.len(), 2, "the node's events stay out of the pod");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("'worker-1' is not a pod (it has 'Roles:')"), "{problems:?}");
    }

    #[test]
    fn env_and_annotations() {
        let text = "\
Name:         web-0
Namespace:    shop
Annotations:  kubectl.kubernetes.io/restartedAt: 2025-08-09T22:57:54Z
              config:
                line one
                line two
Status:       Terminating (lasts 5m)
Termination Grace Period:  30s
Containers:
  web:
    Image:  nginx
    Environment Variables from:
      web-config  ConfigMap  Optional: false
    Environment:
      POD_IP:          (v1:status.podIP)
      MEM:             node allocatable (limits.memory)
      FLAG:            <set to the key 'flag' of config map 'web-config'>  Optional: false
      SCRIPT:          echo one
                       echo two
      KAFKA_HEAP_OPTS: -Xmx1024m
";
        let d = one(text);
        let ann = &d.pod.metadata.annotations;
        assert_eq!(ann.get("kubectl.kubernetes.io/restartedAt").map(String::as_str), Some("2025-08-09T22:57:54Z"));
        assert_eq!(ann.get("config").map(String::as_str), Some("line one\nline two"));
        assert_eq!(d.terminating_for_seconds, Some(300));
        assert_eq!(d.pod.status.phase, "");
        let env = &d.pod.spec.containers[0].env;
        let names: Vec<&str> = env.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["POD_IP", "MEM", "FLAG", "SCRIPT", "KAFKA_HEAP_OPTS"]);
        assert!(env[0].value.is_none() && env[0].value_from.is_some());
        assert!(env[1].value.is_none());
        let cm = env[2].value_from.as_ref().and_then(|v| v.config_map_key_ref.as_ref()).expect("configmap ref");
        assert_eq!((cm.name.as_str(), cm.key.as_str()), ("web-config", "flag"));
        assert_eq!(env[3].value.as_deref(), Some("echo one\necho two"));
        assert_eq!(env[4].value.as_deref(), Some("-Xmx1024m"));
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("2m40s"), Some(160));
        assert_eq!(parse_age("3h"), Some(10_800));
        assert_eq!(parse_age("5d"), Some(432_000));
        assert_eq!(parse_age("2y30d"), Some(2 * 365 * 86_400 + 30 * 86_400));
        assert_eq!(parse_age("45s ago"), Some(45));
        assert_eq!(parse_age("<unknown>"), None);
        assert_eq!(parse_age("<invalid>"), None);
        assert_eq!(parse_age("12"), None);
        assert_eq!(parse_age("m"), None);
        assert_eq!(parse_age("99999999999999999999s"), None);
        assert_eq!(parse_interval("2m (x312 over 3h)"), Some((Some(120), 312, Some(10_800))));
        assert_eq!(parse_interval("<unknown>"), Some((None, 1, None)));
        assert_eq!(parse_interval("kubelet"), None);
    }

    #[test]
    fn resolve_times_from_ages() {
        let mut d = one(OOM);
        let snapshot = Time::parse("2025-08-10T02:05:40Z").expect("time");
        assert_eq!(d.latest_time().map(|t| t.rfc3339()).as_deref(), Some("2025-08-10T02:03:40Z"));
        d.resolve_times(snapshot);
        let back_off = &d.events[1].event;
        assert_eq!(back_off.last_timestamp.map(|t| t.rfc3339()).as_deref(), Some("2025-08-10T02:03:40Z"));
        assert_eq!(back_off.first_timestamp.map(|t| t.rfc3339()).as_deref(), Some("2025-08-09T23:05:40Z"));
        let scheduled = &d.events[0].event;
        assert_eq!(scheduled.first_timestamp, scheduled.last_timestamp);

        let mut unknown = one(EVENTS);
        unknown.resolve_times(snapshot);
        assert_eq!(unknown.events[8].event.last_timestamp, None);

        let mut terminating = one("Name: web-0\nNamespace: shop\nStatus: Terminating (lasts 2m)\n");
        terminating.resolve_times(snapshot);
        assert_eq!(
            terminating.pod.metadata.deletion_timestamp.map(|t| t.rfc3339()).as_deref(),
            Some("2025-08-10T02:03:40Z")
        );
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_describe(OOM));
        assert!(looks_like_describe(&format!("$ kubectl describe pod x\n{OOM}")));
        assert!(!looks_like_describe("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"));
        assert!(!looks_like_describe("{\"kind\":\"Pod\"}"));
        assert!(!looks_like_describe("Name: only a name\n"));
    }

    #[test]
    fn times() {
        let t = parse_time("Sat, 09 Aug 2025 22:57:54 +0000").expect("ok").expect("time");
        assert_eq!(t.rfc3339(), "2025-08-09T22:57:54Z");
        assert_eq!(parse_time("Thu, 01 Jan 1970 00:00:00 +0000"), Ok(None));
        assert_eq!(parse_time("Mon, 01 Jan 0001 00:00:00 +0000"), Ok(None));
        // A weekday that does not match the date still gives the date.
        let t = parse_time("Mon, 09 Aug 2025 22:57:54 +0000").expect("ok").expect("time");
        assert_eq!(t.rfc3339(), "2025-08-09T22:57:54Z");
        let t = parse_time("Sat, 09 Aug 2025 22:57:54 UTC").expect("ok").expect("time");
        assert_eq!(t.rfc3339(), "2025-08-09T22:57:54Z");
        assert_eq!(
            parse_time("2025-08-09T22:57:54Z").ok().flatten().map(|t| t.rfc3339()).as_deref(),
            Some("2025-08-09T22:57:54Z")
        );
        assert_eq!(parse_time("soon"), Err(()));
    }

    #[test]
    fn termination_message_holding_a_log_tail() {
        // FallbackToLogsOnError: the message is the log tail, printed raw at
        // column 0; its `Reason:` line is text, not the state's reason.
        let text = "\
Name:         orders-5d9c7b8f9-abcde
Namespace:    shop
Containers:
  orders:
    Image:          registry.example/orders:3.1
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Message:      ***************************
APPLICATION FAILED TO START
***************************

Description:

Failed to configure a DataSource: 'url' attribute is not specified and no embedded datasource could be configured.

Reason: Failed to determine a suitable driver class

Message: see above
Events: not this one

      Exit Code:    1
      Started:      Sun, 10 Aug 2025 02:03:11 +0000
      Finished:     Sun, 10 Aug 2025 02:03:40 +0000
    Last State:     <none>
    Ready:          False
    Restart Count:  5
    Liveness:       exec [sh -c if [ -f /tmp/ok ]; then
  exit 0
fi] delay=5s timeout=1s period=10s #success=1 #failure=3
    Mounts:         <none>
Conditions:
  Type              Status
  Ready             False 
";
        let d = one(text);
        let s = &d.pod.status.container_statuses[0];
        let t = s.last_state.terminated.as_ref().expect("terminated");
        assert_eq!(t.reason, "Error");
        assert_eq!(t.exit_code, 1);
        assert!(t.message.starts_with("***************************\nAPPLICATION FAILED TO START\n"), "{:?}", t.message);
        assert!(t.message.contains(
            "\n\nReason: Failed to determine a suitable driver class\n\nMessage: see above\nEvents: not this one"
        ));
        assert!(t.finished_at.is_some());
        assert_eq!(d.pod.status.reason, "");
        assert_eq!(s.restart_count, 5);
        let live = d.pod.spec.containers[0].liveness_probe.as_ref().expect("liveness");
        let command = live.exec.as_ref().map(|e| e.command.clone()).unwrap_or_default();
        assert_eq!(command, ["sh", "-c", "if [ -f /tmp/ok ]; then\nexit 0\nfi"]);
        assert_eq!(live.initial_delay_seconds, Some(5));
        assert_eq!(d.pod.status.conditions.len(), 1);
        let at = |p: &str| d.field_lines.iter().find(|(path, _)| path == p).map(|(_, l)| *l);
        assert_eq!(at("status.containerStatuses[0].image"), Some(line_no(text, "Image:")));
        assert_eq!(at("status.containerStatuses[0]"), Some(line_no(text, "  orders:")));
    }

    #[test]
    fn oldest_table_without_type_column() {
        let text = "Name: web-0\nNamespace: shop\nEvents:\n  FirstSeen\tLastSeen\tCount\tFrom\t\t\tSubobjectPath\t\tReason\t\tMessage\n  ---------\t--------\t-----\t----\t\t\t-------------\t\t------\t\t-------\n  5m\t\t5m\t\t1\t{scheduler }\t\t\t\t\tScheduled\tSuccessfully assigned web-0 to node-1\n  4m\t\t1m\t\t9\t{kubelet node-1}\tspec.containers{web}\tBackOff\t\tBack-off restarting failed docker container\n";
        let d = one(text);
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[1].event.reason, "BackOff");
        assert_eq!(d.events[1].event.type_, "");
        assert_eq!(d.events[1].event.count, Some(9));
        let scheduler = d.events[0].event.source.as_ref().map(|s| (s.component.as_str(), s.host.as_str()));
        assert_eq!(scheduler, Some(("scheduler", "")));
        assert_eq!(msg(&d.events[0]), "Successfully assigned web-0 to node-1");
    }

    /// Copied from a rendered web page: indentation and alignment gone
    /// (the start is verbatim from kubernetes/kubernetes#93826).
    const FLAT: &str = "\
kubectl describe pods wordpress-5bbd7fd785-p4s9r:

Name: wordpress-5bbd7fd785-p4s9r
Namespace: default
Priority: 0
Node: manjeet-vostro-3558/192.168.43.166
Start Time: Sat, 08 Aug 2020 14:20:27 +0530
Labels: app=wordpress
pod-template-hash=5bbd7fd785
tier=frontend
Annotations: cni.projectcalico.org/podIP: 192.168.62.234/32
Status: Running
IP: 192.168.62.234
IPs:
IP: 192.168.62.234
Controlled By: ReplicaSet/wordpress-5bbd7fd785
Containers:
wordpress:
Container ID: docker://e5554cdd33621c05341ca5b6bd05c526ad9187e3b5afc7253d06d0c305c53aa9
Image: wordpress:4.8-apache
Image ID: docker-pullable://wordpress@sha256:6216f64ab88fc51d311e38c7f69ca3f9aaba621492b4f1fa93ddf63093768845
Port: 80/TCP
Host Port: 0/TCP
State: Running
Started: Sun, 09 Aug 2020 12:17:29 +0530
Last State: Terminated
Reason: Error
Message: mysqli::__construct(): php_network_getaddresses: getaddrinfo failed
MySQL Connection Error: (2002) php_network_getaddresses: getaddrinfo failed
Exit Code: 1
Started: Sun, 09 Aug 2020 12:12:19 +0530
Finished: Sun, 09 Aug 2020 12:16:06 +0530
Ready: True
Restart Count: 19
Environment:
WORDPRESS_DB_HOST: wordpress-mysql
WORDPRESS_DB_PASSWORD: <set to the key 'password' in secret 'mysql-pass-c57bb4t7mf'> Optional: false
Mounts:
/var/www/html from wordpress-persistent-storage (rw)
sidecar:
Image: busybox
Conditions:
Type Status
Initialized True
Ready True
ContainersReady True
PodScheduled True
Volumes:
wordpress-persistent-storage:
Type: PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)
ClaimName: wp-pv-claim
config:
Type: ConfigMap (a volume populated by a ConfigMap)
Name: wordpress-config
Optional: false
QoS Class: BestEffort
Node-Selectors: <none>
Tolerations: node.kubernetes.io/not-ready:NoExecute for 300s
Events:
Type Reason Age From Message
---- ------ ---- ---- -------
Warning BackOff 3m (x85 over 23h) kubelet, manjeet-vostro-3558 Back-off restarting failed container
";

    #[test]
    fn flat_paste_from_a_web_page() {
        let d = one(FLAT);
        assert_eq!(d.line, 3);
        let pod = &d.pod;
        assert_eq!(pod.metadata.labels.len(), 3);
        assert_eq!(pod.metadata.owner_references[0].name, "wordpress-5bbd7fd785");
        let names: Vec<&str> = pod.spec.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["wordpress", "sidecar"]);
        let c = &pod.spec.containers[0];
        assert_eq!(c.image, "wordpress:4.8-apache");
        assert_eq!(c.env.len(), 2);
        let s = &pod.status.container_statuses[0];
        assert!(s.state.running.is_some());
        let t = s.last_state.terminated.as_ref().expect("terminated");
        assert_eq!((t.reason.as_str(), t.exit_code), ("Error", 1));
        assert_eq!(
            t.message,
            "mysqli::__construct(): php_network_getaddresses: getaddrinfo failed\nMySQL Connection Error: (2002) php_network_getaddresses: getaddrinfo failed"
        );
        assert!(t.finished_at.is_some());
        assert_eq!((s.ready, s.restart_count), (true, 19));
        assert_eq!(pod.status.conditions.len(), 4);
        assert_eq!(d.events.len(), 1);
        let e = &d.events[0];
        assert_eq!((e.event.count, e.age_seconds, e.first_age_seconds), (Some(85), Some(180), Some(23 * 3600)));
        assert_eq!(e.event.source.as_ref().map(|s| s.host.as_str()), Some("manjeet-vostro-3558"));
        assert_eq!(msg(e), "Back-off restarting failed container");
    }

    /// kubectl 1.4/1.5 (kubernetes/kubernetes#35870 and #50962, verbatim
    /// where the threads show it): one-line labels, `Controllers:`,
    /// `Environment Variables:`, and the tab-padded FirstSeen table.
    const OLD: &str = "\
$ kubectl describe pod wordpress-2550998388-inssp
Name:       wordpress-2550998388-inssp
Namespace:  default
Node:       kubernetes-node-3/10.245.1.5
Start Time: Sun, 30 Oct 2016 11:56:00 +0100
Labels:     app=wordpress,pod-template-hash=2550998388,tier=frontend
Status:     Running
IP:     10.246.43.2
Controllers:    ReplicaSet/wordpress-2550998388
Containers:
  wordpress:
    Container ID:   docker://78fec720b14d9461c7f307296db8dc19ee3180bbe2b96b2ff29f0835d1679e3b
    Image:      wordpress:4.6-apache
    Image ID:       docker://sha256:368db5c51bcd5821a9503b7d8349af948eaee516602969fe50915fd19f511cc0
    Port:       80/TCP
    QoS Tier:
      memory:   BestEffort
      cpu:  Burstable
    Requests:
      cpu:      100m
    State:      Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Sun, 30 Oct 2016 12:02:01 +0100
      Finished:     Sun, 30 Oct 2016 12:02:01 +0100
    Ready:      False
    Restart Count:  6
    Environment Variables:
      WORDPRESS_DB_HOST:    wordpress-mysql
      WORDPRESS_DB_PASSWORD:
Conditions:
  Type      Status
  Initialized   True
  Ready     False
  PodScheduled  True
Events:
  FirstSeen\tLastSeen\tCount\tFrom\t\t\t\t\t\t\tSubObjectPath\t\tType\t\tReason\t\tMessage
  ---------\t--------\t-----\t----\t\t\t\t\t\t\t-------------\t\t--------\t------\t\t-------
  6h\t\t3m\t\t72\tkubelet, gke-blendle-2-preemptible-762d699b-pfk1\tspec.containers{kubernetes-node-tainter-app}\tNormal\t\tCreated\t\tCreated container
  6h\t\t3m\t\t71\tkubelet, gke-blendle-2-preemptible-762d699b-pfk1\tspec.containers{kubernetes-node-tainter-app}\tNormal\t\tPulled\t\tContainer image \"eu.gcr.io/bnl-blendle/kubernetes-node-tainter:6abaa0a\" already present on machine
  6h\t\t7s\t\t1542\tkubelet, gke-blendle-2-preemptible-762d699b-pfk1\tspec.containers{kubernetes-node-tainter-app}\tWarning\t\tBackOff\t\tBack-off restarting failed docker container
";

    #[test]
    fn old_kubectl_output() {
        let d = one(OLD);
        let pod = &d.pod;
        assert_eq!(pod.metadata.labels.get("tier").map(String::as_str), Some("frontend"));
        assert_eq!(pod.metadata.labels.len(), 3);
        assert_eq!(pod.metadata.owner_references[0].kind, "ReplicaSet");
        let c = &pod.spec.containers[0];
        assert_eq!(c.resources.requests.get("cpu").map(String::as_str), Some("100m"));
        assert!(c.resources.limits.is_empty());
        assert_eq!(c.env.len(), 2);
        assert_eq!(c.env[1].value.as_deref(), Some(""));
        let s = &pod.status.container_statuses[0];
        assert_eq!(s.last_state.terminated.as_ref().map(|t| t.exit_code), Some(1));
        assert_eq!(s.restart_count, 6);
        assert_eq!(d.events.len(), 3);
        let back_off = &d.events[2];
        assert_eq!(
            (back_off.event.count, back_off.age_seconds, back_off.first_age_seconds),
            (Some(1542), Some(7), Some(6 * 3600))
        );
        let obj = back_off.event.involved_object.as_ref().expect("object");
        assert_eq!(obj.field_path, "spec.containers{kubernetes-node-tainter-app}");
        let source = back_off.event.source.as_ref().expect("source");
        assert_eq!(
            (source.component.as_str(), source.host.as_str()),
            ("kubelet", "gke-blendle-2-preemptible-762d699b-pfk1")
        );
        assert_eq!(msg(back_off), "Back-off restarting failed docker container");
        assert_eq!(back_off.age, "7s");
    }
}
