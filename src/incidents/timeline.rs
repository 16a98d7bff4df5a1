//! One chronology for the report: events, container runs, log lines, node
//! condition transitions, rollouts and pipeline-log times, each entry with
//! its source.
//!
//! Every entry points at the file and line it was read from, so a reader
//! can check each step of the story. Entries about the same thing seen by
//! two findings (a pod event when two containers of a pod fail) are one
//! entry listing both findings. The list is bounded: per finding, at most
//! [`MAX_EVENTS_PER_FINDING`] events and [`MAX_PODS_PER_FINDING`] pods'
//! runs, with an `omitted` entry saying what was left out.

use crate::model::source::Origin;
use crate::model::time::{Time, human_duration};
use crate::model::{Event, Pod, State};
use crate::report::Finding;
use crate::rules::{Ctx, EvidenceKind};
use serde::Serialize;

/// Events kept per finding: a crash loop repeats a handful of events; a
/// noisy namespace can hold thousands that add nothing to the story.
pub const MAX_EVENTS_PER_FINDING: usize = 50;
/// Replicas whose creation and runs are shown per finding; the rest fail the
/// same way (that is why they are one finding).
pub const MAX_PODS_PER_FINDING: usize = 10;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Rollout,
    PodCreated,
    ContainerStarted,
    ContainerExited,
    Event,
    Log,
    NodeCondition,
    Pipeline,
    NextRestart,
    Snapshot,
    /// What the bounds left out (events, replicas), with counts.
    Omitted,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub time: Time,
    /// For an event seen several times: its last occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Time>,
    /// The time is a lower bound (an event's first timestamp: older occurrences may have expired).
    pub at_or_before: bool,
    pub kind: EntryKind,
    /// `Warning` / `Normal` for events; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// What it is about: `ns/pod/container`, `ns/pod`, `node/NAME`, a pipeline log path.
    pub subject: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    pub input: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The findings it belongs to (ids), filled in order.
    pub findings: Vec<String>,
    /// The incident it belongs to, once incidents are formed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// The chronology of everything the findings are about, oldest first, deterministic.
pub fn build(ctx: &Ctx, findings: &[Finding]) -> Vec<TimelineEntry> {
    let mut all: Vec<TimelineEntry> = Vec::new();
    for f in findings {
        let mut entries = match f.subject.kind.as_str() {
            "Node" => node_finding(ctx, f),
            "PipelineLog" => pipeline_finding(f),
            _ => pod_finding(ctx, f),
        };
        entries.extend(rollout(f));
        for e in &mut entries {
            e.findings = vec![f.id.clone()];
        }
        all.extend(entries);
    }
    if let (Some(now), false) = (ctx.snapshot, findings.is_empty()) {
        let mut ids: Vec<String> = findings.iter().map(|f| f.id.clone()).collect();
        ids.sort();
        all.push(TimelineEntry {
            findings: ids,
            ..entry(
                now,
                EntryKind::Snapshot,
                "snapshot",
                "Snapshot: the inputs show the cluster as of this time",
                Place::none(),
            )
        });
    }
    merge(all)
}

/// Where an entry was read.
struct Place {
    input: String,
    source: String,
    line: Option<u64>,
}

impl Place {
    fn none() -> Place {
        Place { input: String::new(), source: String::new(), line: None }
    }
    fn of(ctx: &Ctx, origin: &Origin, path: Option<&str>) -> Place {
        let source = ctx.model.sources.get(origin.source);
        Place {
            input: source.input.clone(),
            source: source.path.clone(),
            line: path.and_then(|p| origin.line_of(p)).or(origin.line),
        }
    }
}

fn entry(time: Time, kind: EntryKind, subject: &str, text: &str, place: Place) -> TimelineEntry {
    TimelineEntry {
        time,
        until: None,
        at_or_before: false,
        kind,
        level: None,
        subject: subject.to_string(),
        text: text.to_string(),
        count: None,
        input: place.input,
        source: place.source,
        line: place.line,
        findings: Vec::new(),
        incident: None,
    }
}

/// Sorted by (time, kind, subject, text); the same entry reached from two
/// findings, or the same event read from two files, is kept once with the
/// findings of both.
fn merge(mut all: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    all.sort_by(|a, b| {
        (a.time, a.kind, &a.subject, &a.text, &a.input, &a.source, a.line)
            .cmp(&(b.time, b.kind, &b.subject, &b.text, &b.input, &b.source, b.line))
    });
    let mut out: Vec<TimelineEntry> = Vec::with_capacity(all.len());
    for e in all {
        match out.last_mut() {
            Some(last)
                if last.time == e.time && last.kind == e.kind && last.subject == e.subject && last.text == e.text =>
            {
                last.findings.extend(e.findings);
                last.findings.sort();
                last.findings.dedup();
                last.at_or_before |= e.at_or_before;
            }
            _ => out.push(e),
        }
    }
    out
}

fn pod_finding(ctx: &Ctx, f: &Finding) -> Vec<TimelineEntry> {
    let mut subjects: Vec<usize> = Vec::new();
    for &i in &f.subjects {
        if i < ctx.subjects.len() && !subjects.contains(&i) {
            subjects.push(i);
        }
    }
    let mut out = Vec::new();
    let (shown, hidden) = subjects.split_at(subjects.len().min(MAX_PODS_PER_FINDING));
    for &i in shown {
        out.extend(runs(ctx, i));
    }
    if !hidden.is_empty() {
        let pods: Vec<&str> = hidden.iter().map(|&i| ctx.subjects[i].pod.name.as_str()).collect();
        let time = hidden.iter().filter_map(|&i| ctx.subjects[i].pod.created).min().or(ctx.snapshot);
        if let Some(time) = time {
            let lead = &ctx.subjects[shown[0]];
            out.push(entry(
                time,
                EntryKind::Omitted,
                &format!("{}/{}", lead.pod.namespace, lead.workload.name),
                &format!(
                    "{} more pods of this finding fail the same way; their runs and events are left out: {}",
                    hidden.len(),
                    pods.join(", ")
                ),
                Place::none(),
            ));
        }
    }

    // Events of every shown pod (its own and its failing container's).
    let mut events: Vec<(&Event, String)> = Vec::new();
    // Two replicas never share an event, but two subjects of one pod share its pod-level events.
    let mut seen: std::collections::HashSet<*const Event> = std::collections::HashSet::new();
    for &i in shown {
        let s = &ctx.subjects[i];
        for e in ctx.events_for(s) {
            if seen.insert(std::ptr::from_ref(e)) {
                events.push((e, event_subject(s.pod, e)));
            }
        }
    }
    let lead_log = shown.first().map(|&i| (i, &ctx.subjects[i]));
    if let Some((i, s)) = lead_log {
        out.extend(log_entries(ctx, f, i, &container_subject(s.pod, &s.container.name)));
    }
    out.extend(next_restart(ctx, f));

    // Node context: the nodes the pods run on, within the story's window.
    let window = out.iter().map(|e| e.time).chain(events.iter().filter_map(|(e, _)| e.first_seen)).min();
    let mut nodes: Vec<&str> =
        shown.iter().map(|&i| ctx.subjects[i].pod.node.as_str()).filter(|n| !n.is_empty()).collect();
    nodes.sort();
    nodes.dedup();
    for name in nodes {
        out.extend(node_conditions(ctx, name, window));
        for e in ctx.node_events(name) {
            let in_window = window.is_some_and(|w| e.last_seen.is_some_and(|l| l >= w));
            if in_window && (e.type_ == "Warning" || NODE_LIFECYCLE.contains(&e.reason.as_str())) {
                events.push((e, format!("node/{name}")));
            }
        }
    }
    out.extend(event_entries(ctx, events, shown.first().map(|&i| ctx.subjects[i].pod)));
    out
}

/// Node events that explain container restarts on the node even when Normal.
const NODE_LIFECYCLE: &[&str] = &["NodeNotReady", "NodeReady", "Rebooted", "Starting", "NodeHasDiskPressure"];

fn container_subject(pod: &Pod, container: &str) -> String {
    format!("{}/{}/{container}", pod.namespace, pod.name)
}

fn event_subject(pod: &Pod, e: &Event) -> String {
    match e.container() {
        Some(c) => container_subject(pod, c),
        None => format!("{}/{}", pod.namespace, pod.name),
    }
}

/// The pod's creation and the runs its status shows for the subject's container.
fn runs(ctx: &Ctx, index: usize) -> Vec<TimelineEntry> {
    let s = &ctx.subjects[index];
    let pod = s.pod;
    let name = &s.container.name;
    let subject = container_subject(pod, name);
    let mut out = Vec::new();
    if let Some(created) = pod.created {
        out.push(entry(
            created,
            EntryKind::PodCreated,
            &format!("{}/{}", pod.namespace, pod.name),
            "Pod created",
            Place::of(ctx, &pod.origin, Some("metadata.creationTimestamp")),
        ));
    }
    let base = s.container.status_path().unwrap_or_default();
    let mut run = |state: &State, key: &str, current: bool| match state {
        State::Running { started_at: Some(at) } => out.push(entry(
            *at,
            EntryKind::ContainerStarted,
            &subject,
            &format!("Container {name} started its current run (running at the snapshot)"),
            Place::of(ctx, &pod.origin, Some(&format!("{base}.{key}.running.startedAt"))),
        )),
        State::Terminated(t) => {
            let which = if current { "its latest run" } else { "the run that ended last" };
            if let Some(at) = t.started_at {
                out.push(entry(
                    at,
                    EntryKind::ContainerStarted,
                    &subject,
                    &format!("Container {name} started {which}"),
                    Place::of(ctx, &pod.origin, Some(&format!("{base}.{key}.terminated.startedAt"))),
                ));
            }
            if let Some(at) = t.finished_at {
                let reason = if t.reason.is_empty() { String::new() } else { format!(" ({})", t.reason) };
                let signal = t.signal.map(|sig| format!(", signal {sig}")).unwrap_or_default();
                let ran = t
                    .started_at
                    .map(|st| format!(" after {}", human_duration(st.seconds_until(at))))
                    .unwrap_or_default();
                out.push(entry(
                    at,
                    EntryKind::ContainerExited,
                    &subject,
                    &format!("Container {name} exited with code {}{signal}{reason}{ran}", t.exit_code),
                    Place::of(ctx, &pod.origin, Some(&format!("{base}.{key}.terminated.finishedAt"))),
                ));
            }
        }
        _ => {}
    };
    run(&s.status.last_state, "lastState", false);
    run(&s.status.state, "state", true);
    out
}

/// One entry per event. The first timestamp is at-or-before when the event
/// repeated or is a warning: the API server keeps an event about an hour
/// after its last update, so the oldest occurrences of a recurring problem
/// may have expired; a one-off Normal event (Scheduled, Pulled) is exact.
/// Above the bound, warnings and the lead pod's events are kept first, then
/// the most recent.
fn event_entries(ctx: &Ctx, mut events: Vec<(&Event, String)>, lead: Option<&Pod>) -> Vec<TimelineEntry> {
    let about_lead = |e: &Event| lead.is_some_and(|p| e.object_kind == "Pod" && e.object_name == p.name);
    events.sort_by(|(a, sa), (b, sb)| {
        (a.type_ != "Warning", !about_lead(a), std::cmp::Reverse(a.last_seen), sa, a.origin.source, a.origin.line).cmp(
            &(b.type_ != "Warning", !about_lead(b), std::cmp::Reverse(b.last_seen), sb, b.origin.source, b.origin.line),
        )
    });
    let dropped: Vec<(&Event, String)> = events.split_off(events.len().min(MAX_EVENTS_PER_FINDING));
    let mut out: Vec<TimelineEntry> = events
        .iter()
        .filter_map(|(e, subject)| {
            let time = e.first_seen.or(e.last_seen)?;
            let place = Place::of(ctx, &e.origin, None);
            Some(TimelineEntry {
                until: e.last_seen.filter(|l| *l != time),
                at_or_before: e.count > 1 || e.type_ == "Warning",
                level: (!e.type_.is_empty()).then(|| e.type_.to_string()),
                count: Some(e.count),
                ..entry(time, EntryKind::Event, subject, &format!("{}: {}", e.reason, e.message), place)
            })
        })
        .collect();
    if let Some(time) = dropped.iter().filter_map(|(e, _)| e.first_seen.or(e.last_seen)).min() {
        let mut files: Vec<&str> =
            dropped.iter().map(|(e, _)| ctx.model.sources.get(e.origin.source).path.as_str()).collect();
        files.sort();
        files.dedup();
        let subject = dropped.first().map(|(_, s)| s.as_str()).unwrap_or_default();
        out.push(entry(
            time,
            EntryKind::Omitted,
            subject,
            &format!(
                "{} more events of this finding are left out (Normal ones and the oldest first); they are in {}",
                dropped.len(),
                files.join(", ")
            ),
            Place::none(),
        ));
    }
    out
}

/// Log lines the finding quotes that carry a time, and the first and last
/// timed lines of the crashed run's log, which place that run in time.
fn log_entries(ctx: &Ctx, f: &Finding, lead: usize, subject: &str) -> Vec<TimelineEntry> {
    let mut out: Vec<TimelineEntry> = f
        .evidence
        .iter()
        .filter(|e| e.kind == EvidenceKind::Log)
        .filter_map(|e| {
            let place = Place { input: e.input.clone(), source: e.source.clone(), line: e.line };
            Some(entry(e.time?, EntryKind::Log, subject, &e.text, place))
        })
        .collect();
    if let Some(log) = ctx.crash_log(lead) {
        let year = ctx.snapshot.map(|t| chrono::Datelike::year(&t.0));
        let source = ctx.model.sources.get(log.file.source);
        for line in log.digest.first.iter().chain(log.digest.tail.last()) {
            if let Some(time) = crate::logscan::line_time(&line.text, year) {
                let place = Place {
                    input: source.input.clone(),
                    source: source.path.clone(),
                    line: Some(line.number + log.file.line_offset),
                };
                out.push(entry(time, EntryKind::Log, subject, &line.text, place));
            }
        }
    }
    out
}

/// The kubelet's next restart of the finding's lead container.
fn next_restart(ctx: &Ctx, f: &Finding) -> Option<TimelineEntry> {
    let cl = f.crash_loop.as_ref()?;
    let at = cl.next_restart?;
    let backoff = cl.backoff.as_ref()?;
    let &lead = f.subjects.first()?;
    let s = ctx.subjects.get(lead)?;
    let how = if backoff.basis == "printed" { "as the kubelet printed it" } else { "from the default schedule" };
    let after = cl.last_crash.map(|c| format!(" after the crash at {c}")).unwrap_or_default();
    // Where the back-off was printed; for the model, the crash it counts from.
    let place = match (&backoff.input, &backoff.file) {
        (Some(input), Some(file)) => Place { input: input.clone(), source: file.clone(), line: backoff.line },
        _ => {
            let key = if s.status.state.terminated().is_some() { "state" } else { "lastState" };
            let path = s.container.status_path().map(|b| format!("{b}.{key}.terminated.finishedAt"));
            Place::of(ctx, &s.pod.origin, path.as_deref())
        }
    };
    Some(entry(
        at,
        EntryKind::NextRestart,
        &container_subject(s.pod, &s.container.name),
        &format!("Next restart due: back-off {} ({how}){after}", human_duration(backoff.seconds)),
        place,
    ))
}

/// Conditions of node `name` worth a line: every abnormal one (Ready not
/// True, a pressure True), and a Ready transition inside the story's
/// window (a node that went or came back Ready while the pods failed). A
/// healthy node's weeks-old transitions would only stretch the timeline.
fn node_conditions(ctx: &Ctx, name: &str, window: Option<Time>) -> Vec<TimelineEntry> {
    let Some(node) = ctx.node(name) else { return Vec::new() };
    node.conditions
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let at = c.last_transition_time?;
            let abnormal = if c.type_ == "Ready" { c.status != "True" } else { c.status == "True" };
            let recent_ready = c.type_ == "Ready" && window.is_some_and(|w| at >= w);
            if !(abnormal || recent_ready) {
                return None;
            }
            let reason = if c.reason.is_empty() { String::new() } else { format!(" ({})", c.reason) };
            let message = if c.message.is_empty() { String::new() } else { format!(": {}", c.message) };
            Some(entry(
                at,
                EntryKind::NodeCondition,
                &format!("node/{name}"),
                &format!("{}={}{reason}{message}", c.type_, c.status),
                Place::of(ctx, &node.origin, Some(&format!("status.conditions[{i}]"))),
            ))
        })
        .collect()
}

/// A node finding: its conditions, its events, and timed evidence.
fn node_finding(ctx: &Ctx, f: &Finding) -> Vec<TimelineEntry> {
    let name = f.subject.name.as_str();
    let subject = format!("node/{name}");
    let mut out: Vec<TimelineEntry> = f
        .evidence
        .iter()
        .filter(|e| matches!(e.kind, EvidenceKind::Log | EvidenceKind::Metric | EvidenceKind::Alert))
        .filter_map(|e| {
            let place = Place { input: e.input.clone(), source: e.source.clone(), line: e.line };
            Some(entry(e.time?, EntryKind::Log, &subject, &e.text, place))
        })
        .collect();
    let events: Vec<(&Event, String)> = ctx.node_events(name).map(|e| (e, subject.clone())).collect();
    let window = events.iter().filter_map(|(e, _)| e.first_seen).chain(out.iter().map(|e| e.time)).min();
    out.extend(node_conditions(ctx, name, window));
    out.extend(event_entries(ctx, events, None));
    out
}

/// A pipeline log finding: the times its evidence carries.
fn pipeline_finding(f: &Finding) -> Vec<TimelineEntry> {
    f.evidence
        .iter()
        .filter_map(|e| {
            let place = Place { input: e.input.clone(), source: e.source.clone(), line: e.line };
            Some(entry(e.time?, EntryKind::Pipeline, &f.subject.name, &e.text, place))
        })
        .collect()
}

/// The rollout of the crashing revision, when the trigger found it.
fn rollout(f: &Finding) -> Option<TimelineEntry> {
    let t = f.trigger.as_ref()?;
    let at = t.rolled_out_at?;
    let revision = match (t.revision, &t.revision_name) {
        (Some(r), Some(n)) => format!("revision {r} ({n})"),
        (Some(r), None) => format!("revision {r}"),
        (None, Some(n)) => n.clone(),
        (None, None) => "a new revision".into(),
    };
    let place = t.evidence.first().map_or_else(Place::none, |e| Place {
        input: e.input.clone(),
        source: e.source.clone(),
        line: e.line,
    });
    Some(entry(
        at,
        EntryKind::Rollout,
        &format!("{}/{}/{}", t.workload.kind, t.workload.namespace, t.workload.name),
        &format!("Rolled out {revision}"),
        place,
    ))
}
