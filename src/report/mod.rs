//! Incidents and the report: diagnoses grouped into findings, ranked, with
//! `state` and `severity` as the report contract defines them.
//!
//! This is the JSON contract (`schema/report-v1.schema.json`): every struct
//! here serialises to the documented fields, and renderers read the same
//! struct, so the Markdown, HTML and JSON reports never disagree.

use crate::ingest::InputSummary;
use crate::model::TimeBasis;
use crate::model::source::Warning;
use crate::model::time::Time;
use crate::rules::{Ctx, Diagnosis, Evidence, FindingState, Remediation, Strength, SubjectKind, SubjectRef};
use serde::Serialize;
use std::collections::BTreeMap;

pub mod redact;

pub use crate::incidents::Incident;

pub const SCHEMA: &str = "podmortem/report/v1";

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub generator: Generator,
    pub snapshot_time: Option<Time>,
    pub snapshot_time_basis: Option<TimeBasis>,
    pub inputs: Vec<InputSummary>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub incidents: Vec<Incident>,
    /// Everything the findings are about, oldest first.
    pub timeline: Vec<crate::incidents::timeline::TimelineEntry>,
    /// A draft for the team's postmortem document.
    pub postmortem: crate::incidents::postmortem::Postmortem,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Serialize)]
pub struct Generator {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize, Default)]
pub struct Summary {
    pub findings: usize,
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub incidents: usize,
    pub redactions: usize,
    /// Workloads with at least one active finding.
    pub workloads_affected: usize,
    /// Earliest `first_seen` of an active finding: the outage started at or before this.
    pub active_since: Option<Time>,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Serialize, Clone)]
pub struct Subject {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkloadRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct Finding {
    pub id: String,
    pub fingerprint: String,
    pub cause: String,
    pub rule: String,
    pub severity: Severity,
    pub state: FindingState,
    pub title: String,
    /// What the evidence shows, in one paragraph.
    pub explanation: String,
    /// `proven`, `generic` (inferred from generic evidence) or `fallback`.
    pub strength: Strength,
    pub subject: Subject,
    pub workload: WorkloadRef,
    pub image: String,
    pub restarts: i64,
    pub last_exit_code: Option<i64>,
    /// At or before: events are kept about an hour, so the true start may be earlier.
    pub first_seen: Option<Time>,
    pub last_seen: Option<Time>,
    /// Every pod of the workload with this finding (the subject is one of them).
    pub pods: Vec<String>,
    /// Ready pods of the workload at snapshot time.
    pub ready_replicas: usize,
    /// Which log the log evidence came from: `previous` or `current`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<crate::rules::LogWhich>,
    /// When the quoted log's first and last lines were written, where their
    /// format says: places the crashed run in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_span: Option<LogSpan>,
    /// What the reader should know about that log (no previous log collected...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_note: Option<String>,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<Remediation>,
    /// The crash loop reconstructed (restarts, back-off, next restart, impact window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_loop: Option<crate::incidents::backoff::CrashLoop>,
    /// What changed in the workload before it broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<crate::incidents::trigger::Trigger>,
    /// Indices into `Ctx::subjects` of every replica in this finding (not serialised).
    #[serde(skip)]
    pub subjects: Vec<usize>,
}

#[derive(Debug, Serialize, Clone)]
pub struct LogSpan {
    pub first: Option<Time>,
    pub last: Option<Time>,
}

pub fn build(
    ctx: &Ctx,
    diagnoses: Vec<Diagnosis>,
    inputs: Vec<InputSummary>,
    basis: Option<TimeBasis>,
    warnings: Vec<Warning>,
) -> Report {
    let mut grouped: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for d in diagnoses {
        let finding = match d.subject {
            SubjectRef::Container(i) => finding(ctx, d, i),
            SubjectRef::Pipeline(i) => pipeline_finding(ctx, d, i),
            SubjectRef::Node(i) => node_finding(ctx, d, i),
        };
        grouped.entry(finding.fingerprint.clone()).or_default().push(finding);
    }
    let mut findings: Vec<Finding> = grouped.into_values().filter_map(merge_replicas).collect();
    findings.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = format!("f-{:04}", i + 1);
    }
    let revisions = crate::incidents::trigger::Index::new(ctx.model);
    for f in findings.iter_mut() {
        if let Some(&lead) = f.subjects.first() {
            let s = &ctx.subjects[lead];
            if s.kind == SubjectKind::CrashLoop {
                f.crash_loop = crate::incidents::backoff::crash_loop(ctx, lead);
                // The reconstruction can date the loop earlier than any
                // event (the pod's creation, a first run's start).
                if let Some(started) = f.crash_loop.as_ref().and_then(|c| c.started) {
                    f.first_seen = Some(f.first_seen.map_or(started, |seen| seen.min(started)));
                }
            }
            f.trigger = revisions.trigger_for(s.pod, &s.container.name);
        }
    }
    let mut incidents = crate::incidents::group(ctx, &findings);
    crate::incidents::roots_first(&mut findings, &mut incidents);
    let mut timeline = crate::incidents::timeline::build(ctx, &findings);
    crate::incidents::assign_timeline(&incidents, &mut timeline);
    let postmortem = crate::incidents::postmortem::draft(&findings, &incidents, &timeline, ctx.snapshot);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let active: Vec<&Finding> = findings.iter().filter(|f| f.state == FindingState::Active).collect();
    let mut workloads: Vec<(&str, &str, &str)> = active
        .iter()
        .filter(|f| f.subject.kind == "Pod")
        .map(|f| (f.workload.kind.as_str(), f.workload.namespace.as_str(), f.workload.name.as_str()))
        .collect();
    workloads.sort();
    workloads.dedup();
    let summary = Summary {
        findings: findings.len(),
        critical: count(Severity::Critical),
        warning: count(Severity::Warning),
        info: count(Severity::Info),
        incidents: incidents.len(),
        redactions: 0,
        workloads_affected: workloads.len(),
        active_since: active.iter().filter_map(|f| f.first_seen).min(),
    };
    Report {
        schema: SCHEMA,
        generator: Generator { name: "podmortem", version: env!("CARGO_PKG_VERSION") },
        snapshot_time: ctx.snapshot,
        snapshot_time_basis: basis,
        inputs,
        summary,
        findings,
        incidents,
        timeline,
        postmortem,
        warnings,
    }
}

fn order_key(f: &Finding) -> impl Ord + '_ {
    (
        f.severity,
        f.state,
        std::cmp::Reverse(f.strength),
        f.workload.namespace.as_str(),
        f.workload.name.as_str(),
        f.subject.container.as_deref().unwrap_or(""),
        f.cause.as_str(),
    )
}

fn finding(ctx: &Ctx, mut d: Diagnosis, index: usize) -> Finding {
    let s = &ctx.subjects[index];
    let ready = ctx.ready_replicas(s);
    let state = match s.kind {
        SubjectKind::Running => watched_state(s.status.ready, &d.evidence, ctx.snapshot),
        _ => s.state,
    };
    let severity = d.severity.unwrap_or(match state {
        FindingState::NotCrashLoop => Severity::Warning,
        FindingState::Recovered => Severity::Info,
        FindingState::Active if ready == 0 => Severity::Critical,
        FindingState::Active => Severity::Warning,
    });
    let termination = s.last_termination();
    let events: Vec<_> = ctx
        .events_for(s)
        .filter(|e| matches!(e.reason.as_str(), "BackOff" | "Failed" | "Unhealthy" | "Killing" | "OOMKilling"))
        .collect();
    if let Some(earlier) = earlier_replica_backoff(ctx, s, &events) {
        d.evidence.push(earlier);
    }
    let evidence_times = d.evidence.iter().filter_map(|e| e.time);
    let first_seen = events
        .iter()
        .filter_map(|e| e.first_seen)
        .chain(termination.and_then(|t| t.finished_at.or(t.started_at)))
        .chain(evidence_times.clone())
        .min();
    let last_seen = events
        .iter()
        .filter_map(|e| e.last_seen)
        .chain(termination.and_then(|t| t.finished_at))
        .chain(evidence_times)
        .max();
    let fingerprint =
        format!("{}/{}/{}/{}/{}", d.cause, s.pod.namespace, s.workload.kind, s.workload.name, s.container.name);
    Finding {
        id: String::new(),
        fingerprint,
        cause: d.cause,
        rule: d.rule,
        severity,
        state,
        title: d.title,
        explanation: d.explanation,
        strength: d.strength,
        subject: Subject {
            kind: "Pod".into(),
            namespace: s.pod.namespace.clone(),
            name: s.pod.name.clone(),
            container: Some(s.container.name.clone()),
            node: (!s.pod.node.is_empty()).then(|| s.pod.node.clone()),
        },
        workload: WorkloadRef {
            kind: s.workload.kind.clone(),
            namespace: s.pod.namespace.clone(),
            name: s.workload.name.clone(),
        },
        image: s.container.image.clone(),
        restarts: s.status.restart_count,
        last_exit_code: termination.map(|t| t.exit_code),
        first_seen,
        last_seen,
        pods: vec![s.pod.name.clone()],
        ready_replicas: ready,
        log: ctx
            .crash_log(index)
            .filter(|_| d.evidence.iter().any(|e| e.kind == crate::rules::EvidenceKind::Log))
            .map(|l| l.which),
        log_note: log_note(ctx, index),
        log_span: ctx.crash_log(index).and_then(|log| {
            let year = ctx.snapshot.map(|t| chrono::Datelike::year(&t.0));
            let first = log.digest.first.as_ref().and_then(|l| crate::logscan::line_time(&l.text, year));
            let last = log.digest.tail.last().and_then(|l| crate::logscan::line_time(&l.text, year));
            (first.is_some() || last.is_some()).then_some(LogSpan { first, last })
        }),
        evidence: d.evidence,
        remediation: d.remediation,
        crash_loop: None,
        trigger: None,
        subjects: vec![index],
    }
}

/// Replicas of the same ReplicaSet that crashed before this one and were
/// replaced leave back-off events behind: the earliest dates the loop
/// earlier than this pod's own events, and is quoted as evidence.
fn earlier_replica_backoff(
    ctx: &Ctx,
    s: &crate::rules::Subject,
    own_events: &[&crate::model::Event],
) -> Option<Evidence> {
    let owner = s.pod.owner.as_ref().filter(|o| o.kind == "ReplicaSet")?;
    let prefix = format!("{}-", owner.name);
    let earliest = ctx
        .model
        .events_of_gone_pods(&s.pod.namespace, prefix.clone())
        .filter(|e| e.reason == "BackOff" && e.first_seen.is_some())
        .filter(|e| e.container().is_none_or(|c| c == s.container.name))
        // `<replicaset>-<suffix>`: a pod of this ReplicaSet, not of one whose name extends it.
        .filter(|e| e.object_name.len() > prefix.len() && !e.object_name[prefix.len()..].contains('-'))
        .min_by_key(|e| (e.first_seen, e.object_name.clone()))?;
    let own = own_events.iter().filter_map(|e| e.first_seen).min()?;
    if earliest.first_seen? >= own {
        return None;
    }
    let mut quoted = ctx.event_evidence(earliest);
    quoted.text = format!("{} (pod {}, an earlier replica of the same ReplicaSet)", quoted.text, earliest.object_name);
    quoted.time = earliest.first_seen;
    Some(quoted)
}

/// A watched (running) container's problem: present when it is not ready,
/// or when the evidence is recent (within the back-off reset window of the
/// snapshot) or cannot be placed in time; otherwise it has passed.
fn watched_state(ready: bool, evidence: &[Evidence], snapshot: Option<Time>) -> FindingState {
    if !ready {
        return FindingState::Active;
    }
    let latest = evidence.iter().filter_map(|e| e.time).max();
    match (latest, snapshot) {
        (Some(seen), Some(now)) if seen.seconds_until(now) >= crate::rules::symptoms::BACKOFF_RESET_SECONDS => {
            FindingState::Recovered
        }
        _ => FindingState::Active,
    }
}

/// A finding about a CI/IaC pipeline log: it blocks a deploy, it is not a
/// crash loop.
fn pipeline_finding(ctx: &Ctx, d: Diagnosis, index: usize) -> Finding {
    let source = ctx.model.sources.get(ctx.model.pipeline_logs[index].source);
    whole_object_finding(d, "PipelineLog", &source.path, None, FindingState::NotCrashLoop)
}

/// A finding about a node as a whole (memory or disk pressure).
fn node_finding(ctx: &Ctx, d: Diagnosis, index: usize) -> Finding {
    let name = &ctx.model.nodes[index].name;
    whole_object_finding(d, "Node", name, Some(name.clone()), FindingState::Active)
}

/// A finding about an object that is not a container: no pods, restarts or
/// image; its times are its evidence's.
fn whole_object_finding(d: Diagnosis, kind: &str, name: &str, node: Option<String>, state: FindingState) -> Finding {
    let times = d.evidence.iter().filter_map(|e| e.time);
    let (first_seen, last_seen) = (times.clone().min(), times.max());
    Finding {
        id: String::new(),
        fingerprint: format!("{}/{}/{name}", d.cause, kind.to_lowercase()),
        cause: d.cause,
        rule: d.rule,
        severity: d.severity.unwrap_or(Severity::Warning),
        state,
        title: d.title,
        explanation: d.explanation,
        strength: d.strength,
        subject: Subject { kind: kind.into(), namespace: String::new(), name: name.into(), container: None, node },
        workload: WorkloadRef { kind: kind.into(), namespace: String::new(), name: name.into() },
        image: String::new(),
        restarts: 0,
        last_exit_code: None,
        first_seen,
        last_seen,
        pods: Vec::new(),
        ready_replicas: 0,
        log: None,
        log_span: None,
        log_note: None,
        evidence: d.evidence,
        remediation: d.remediation,
        crash_loop: None,
        trigger: None,
        subjects: Vec::new(),
    }
}

/// A sentence for the reader when the log quoted is not the crashed
/// instance's `--previous` log, or when there is no log at all.
fn log_note(ctx: &Ctx, subject: usize) -> Option<String> {
    let s = &ctx.subjects[subject];
    if s.kind != SubjectKind::CrashLoop {
        return None;
    }
    match ctx.crash_log(subject) {
        Some(log) if log.which == crate::rules::LogWhich::Current => Some(match s.status.state {
            crate::model::State::Running { .. } => {
                "Only the current log was collected, and the container is running again: it is the new instance's log, not the crashed one's. Collect `kubectl logs --previous` next time."
                    .to_string()
            }
            _ => "Only the current log was collected (a `kubectl cluster-info dump` never collects previous logs); for a container waiting to restart, the current log is the run that crashed."
                .to_string(),
        }),
        Some(_) => None,
        None => ctx.log_gaps.get(subject).cloned().flatten().map(|gap| format!("No log: {gap}.")),
    }
}

/// Replicas of one workload failing the same way are one finding: the
/// worst replica represents them and the others are listed in `pods`.
fn merge_replicas(mut group: Vec<Finding>) -> Option<Finding> {
    group.sort_by(|a, b| {
        (a.severity, a.state, std::cmp::Reverse(a.restarts), &a.subject.name).cmp(&(
            b.severity,
            b.state,
            std::cmp::Reverse(b.restarts),
            &b.subject.name,
        ))
    });
    let mut pods: Vec<String> =
        group.iter().filter(|f| f.subject.kind == "Pod").map(|f| f.subject.name.clone()).collect();
    pods.sort();
    pods.dedup();
    let first_seen = group.iter().filter_map(|f| f.first_seen).min();
    let last_seen = group.iter().filter_map(|f| f.last_seen).max();
    let mut subjects: Vec<usize> = group.iter().flat_map(|f| f.subjects.iter().copied()).collect();
    subjects.dedup();
    let mut lead = group.into_iter().next()?;
    lead.subjects = subjects;
    lead.pods = pods;
    lead.first_seen = first_seen;
    lead.last_seen = last_seen;
    Some(lead)
}
