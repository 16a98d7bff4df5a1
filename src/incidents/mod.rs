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
use crate::report::{Finding, Severity, WorkloadRef};
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
/// other finding its own incident. Ordered most important first: by
/// severity, then state, then the root's place in the findings.
pub fn group(ctx: &crate::rules::Ctx, findings: &[Finding]) -> Vec<Incident> {
    let mut groups = links::find(ctx, findings);
    let mut grouped = vec![false; findings.len()];
    for g in &groups {
        grouped[g.root] = true;
        for m in &g.members {
            grouped[m.finding] = true;
        }
    }
    for (i, f) in findings.iter().enumerate() {
        if !grouped[i] {
            let reason = if f.pods.len() > 1 {
                format!("One cause in {} pods of one workload; no other finding was linked to it.", f.pods.len())
            } else {
                "A single finding; no other finding was linked to it.".to_string()
            };
            groups.push(links::Group { link: "single", root: i, members: Vec::new(), title: f.title.clone(), reason });
        }
    }
    let mut incidents: Vec<(usize, Incident)> = groups
        .into_iter()
        .map(|g| {
            let root = g.root;
            let mut members = g.members;
            // Root first, then consequences in report order.
            members.sort_by_key(|m| m.finding);
            let all: Vec<&Finding> =
                std::iter::once(&findings[root]).chain(members.iter().map(|m| &findings[m.finding])).collect();
            let severity = all.iter().map(|f| f.severity).min().unwrap_or(Severity::Info);
            let state = all.iter().map(|f| f.state).min().unwrap_or(FindingState::NotCrashLoop);
            let start = all.iter().filter_map(|f| f.first_seen).min();
            let mut workloads: Vec<WorkloadRef> = Vec::new();
            for f in &all {
                if !workloads.iter().any(|w| w == &f.workload) {
                    workloads.push(f.workload.clone());
                }
            }
            let pods = all.iter().map(|f| f.pods.len()).sum();
            let incident = Incident {
                id: String::new(),
                root: findings[root].id.clone(),
                findings: all.iter().map(|f| f.id.clone()).collect(),
                title: g.title,
                reason: g.reason,
                state,
                severity,
                start,
                link: g.link.to_string(),
                consequences: members
                    .into_iter()
                    .map(|m| Consequence { finding: findings[m.finding].id.clone(), reason: m.reason })
                    .collect(),
                workloads,
                pods,
                impact: impact(&all, state, start, ctx.snapshot),
                trigger: findings[root].trigger.clone(),
            };
            (root, incident)
        })
        .collect();
    incidents.sort_by(|(ra, a), (rb, b)| (a.severity, a.state, ra).cmp(&(b.severity, b.state, rb)));
    incidents
        .into_iter()
        .enumerate()
        .map(|(n, (_, mut incident))| {
            incident.id = format!("i-{:02}", n + 1);
            incident
        })
        .collect()
}

/// How long the incident hurt: from its start to the snapshot while any
/// member is active, else to the latest recovery the crash loops show.
fn impact(members: &[&Finding], state: FindingState, start: Option<Time>, snapshot: Option<Time>) -> Impact {
    let active = state == FindingState::Active;
    let until = if active {
        None
    } else {
        members.iter().filter_map(|f| f.crash_loop.as_ref().and_then(|c| c.recovered_at)).max()
    };
    let end = if active { snapshot } else { until };
    Impact {
        since: start,
        until,
        seconds: match (start, end) {
            (Some(a), Some(b)) if a <= b => Some(a.seconds_until(b)),
            _ => None,
        },
        active,
    }
}

/// Among findings of equal severity and state, a root comes before the
/// consequences it explains (CoreDNS before the forty pods that cannot
/// resolve names), so the first finding is where to start. Findings and
/// incidents are renumbered in that order; the severity-first order of the
/// report contract is kept.
pub fn roots_first(findings: &mut Vec<Finding>, incidents: &mut [Incident]) {
    let consequences: std::collections::BTreeSet<&str> =
        incidents.iter().flat_map(|i| i.consequences.iter().map(|c| c.finding.as_str())).collect();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        let f = &findings[i];
        (f.severity, f.state, consequences.contains(f.id.as_str()), i)
    });
    let renamed: std::collections::BTreeMap<String, String> =
        order.iter().enumerate().map(|(new, &old)| (findings[old].id.clone(), format!("f-{:04}", new + 1))).collect();
    let mut slots: Vec<Option<Finding>> = std::mem::take(findings).into_iter().map(Some).collect();
    *findings = order.iter().filter_map(|&i| slots[i].take()).collect();
    let rename = |id: &mut String| {
        if let Some(new) = renamed.get(id.as_str()) {
            *id = new.clone();
        }
    };
    findings.iter_mut().for_each(|f| rename(&mut f.id));
    for incident in incidents.iter_mut() {
        rename(&mut incident.root);
        incident.findings.iter_mut().for_each(rename);
        if let Some(members) = incident.findings.get_mut(1..) {
            members.sort();
        }
        incident.consequences.iter_mut().for_each(|c| rename(&mut c.finding));
        incident.consequences.sort_by(|a, b| a.finding.cmp(&b.finding));
    }
    incidents.sort_by(|a, b| (a.severity, a.state, &a.root).cmp(&(b.severity, b.state, &b.root)));
    for (n, incident) in incidents.iter_mut().enumerate() {
        incident.id = format!("i-{:02}", n + 1);
    }
}

/// Marks each timeline entry with the incident its findings belong to.
pub fn assign_timeline(incidents: &[Incident], timeline: &mut [timeline::TimelineEntry]) {
    let incident_of: std::collections::BTreeMap<&str, &str> =
        incidents.iter().flat_map(|i| i.findings.iter().map(|f| (f.as_str(), i.id.as_str()))).collect();
    for entry in timeline {
        entry.incident = entry.findings.iter().find_map(|f| incident_of.get(f.as_str()).map(|i| i.to_string()));
    }
}
