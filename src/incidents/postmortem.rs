//! The postmortem skeleton: impact, detection, root cause, trigger,
//! resolution and action items, drafted from the incidents, for teams to
//! paste into their own template and finish. Every sentence states what the
//! bundle shows; what it cannot show (how the team found out, what they
//! did) is left as a prompt to fill in.

use super::Incident;
use super::timeline::{EntryKind, TimelineEntry};
use super::trigger::TriggerStatus;
use crate::model::time::{Time, human_duration};
use crate::report::Finding;
use crate::rules::FindingState;
use crate::rules::shell::shell_word;
use serde::Serialize;

#[derive(Debug, Serialize, Clone, Default)]
pub struct Postmortem {
    /// What broke, for whom, for how long.
    pub impact: Vec<String>,
    /// What the bundle shows about when it could have been noticed (the first warning, the first crash).
    pub detection: Vec<String>,
    /// The root cause of each incident, with the proof.
    pub root_cause: Vec<String>,
    /// What changed before it broke.
    pub trigger: Vec<String>,
    /// What state it was in at the snapshot and what would end it.
    pub resolution: Vec<String>,
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ActionItem {
    pub text: String,
    /// The incident it comes from.
    pub incident: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// At most this many incidents are drafted; the rest are listed by id.
const MAX_INCIDENTS: usize = 10;

/// Drafts the skeleton from the report's incidents, findings and timeline.
pub fn draft(
    findings: &[Finding],
    incidents: &[Incident],
    timeline: &[TimelineEntry],
    snapshot: Option<Time>,
) -> Postmortem {
    let mut pm = Postmortem::default();
    let by_id = |id: &str| findings.iter().find(|f| f.id == id);
    for incident in incidents.iter().take(MAX_INCIDENTS) {
        let Some(root) = by_id(&incident.root) else { continue };
        let id = &incident.id;
        pm.impact.push(impact_sentence(incident, snapshot));
        pm.detection.push(detection_sentence(incident, timeline));
        let proof = root
            .evidence
            .first()
            .map(|e| {
                let at = e.line.map(|l| format!("{}:{l}", e.source)).unwrap_or_else(|| e.source.clone());
                format!(" Proof: {at}: {}", one_line(&e.text, 200))
            })
            .unwrap_or_default();
        let mut cause = format!("{id}: {} (cause {}).{proof}", root.title, root.cause);
        if !incident.consequences.is_empty() {
            cause.push_str(&format!(" {}", incident.reason));
        }
        pm.root_cause.push(cause);
        pm.trigger.push(match &incident.trigger {
            Some(t) if t.status == TriggerStatus::Changed => format!("{id}: {}", t.summary),
            Some(t) if t.status == TriggerStatus::NoHistory => format!(
                "{id}: {} Fill in what changed before it started (deploys, config, infrastructure).",
                t.summary
            ),
            Some(t) => format!("{id}: {} Fill in what else changed before it started.", t.summary),
            None => format!(
                "{id}: the bundle holds no revision history for {}; fill in what changed before {} (deploys, config, infrastructure).",
                workload(root),
                incident.start.map(|s| format!("at or before {s}")).unwrap_or_else(|| "it started".into())
            ),
        });
        pm.resolution.push(match incident.state {
            FindingState::Active => format!(
                "{id}: still failing at the snapshot{}. Fill in how it was resolved.",
                snapshot.map(|s| format!(" ({s})")).unwrap_or_default()
            ),
            FindingState::Recovered => format!(
                "{id}: recovered{}. Fill in what resolved it.",
                incident.impact.until.map(|u| format!(" at {u}")).unwrap_or_default()
            ),
            FindingState::NotCrashLoop => {
                format!(
                    "{id}: a blocker, not a crash loop; still present at the snapshot. Fill in how it was resolved."
                )
            }
        });
        if let Some(t) = &incident.trigger {
            if let Some(undo) = t.remediation.iter().find(|r| r.mutates) {
                pm.action_items.push(ActionItem {
                    text: format!("Decide whether to roll back: {}", undo.description),
                    incident: id.clone(),
                    command: undo.command.clone(),
                });
            }
        }
        // The root's fix: its first step that changes the cluster, else its first step.
        let fix = root.remediation.iter().find(|r| r.mutates).or_else(|| root.remediation.first());
        if let Some(fix) = fix {
            pm.action_items.push(ActionItem {
                text: fix.description.clone(),
                incident: id.clone(),
                command: fix.command.clone(),
            });
        }
        if incident.state != FindingState::NotCrashLoop {
            pm.action_items.push(ActionItem {
                text: format!(
                    "Alert on this before users notice: a crash loop of {} ({}) should page within minutes.",
                    workload(root),
                    root.cause
                ),
                incident: id.clone(),
                command: Some(format!("podmortem explain {}", shell_word(&root.cause))),
            });
        }
    }
    if incidents.len() > MAX_INCIDENTS {
        let rest: Vec<&str> = incidents[MAX_INCIDENTS..].iter().map(|i| i.id.as_str()).collect();
        pm.impact.push(format!("Also: {} (see the incidents section).", rest.join(", ")));
    }
    pm
}

fn impact_sentence(incident: &Incident, snapshot: Option<Time>) -> String {
    let workloads = incident.workloads.len();
    let mut s = format!(
        "{}: {} — {} workload{}, {} pod{} ({})",
        incident.id,
        incident.title,
        workloads,
        if workloads == 1 { "" } else { "s" },
        incident.pods,
        if incident.pods == 1 { "" } else { "s" },
        incident.severity.as_str()
    );
    match (incident.impact.since, incident.impact.seconds) {
        (Some(since), Some(seconds)) if incident.impact.active => s.push_str(&format!(
            "; failing since at or before {since}, at least {} by the snapshot{}.",
            human_duration(seconds),
            snapshot.map(|t| format!(" ({t})")).unwrap_or_default()
        )),
        (Some(since), Some(seconds)) => s.push_str(&format!(
            "; from at or before {since} until {}, at least {}.",
            incident.impact.until.map(|u| u.to_string()).unwrap_or_else(|| "its recovery".into()),
            human_duration(seconds)
        )),
        (Some(since), None) => s.push_str(&format!("; since at or before {since}.")),
        _ => s.push('.'),
    }
    s
}

fn detection_sentence(incident: &Incident, timeline: &[TimelineEntry]) -> String {
    let first = timeline.iter().find(|e| {
        e.incident.as_deref() == Some(incident.id.as_str())
            && matches!(e.kind, EntryKind::Event | EntryKind::ContainerExited | EntryKind::Log | EntryKind::Pipeline)
            && e.level.as_deref() != Some("Normal")
    });
    match first {
        Some(e) => format!(
            "{}: the first sign in the bundle is {} {} ({}{}): {}. Fill in when and how the team found out (alert, user report).",
            incident.id,
            if e.at_or_before { "at or before" } else { "at" },
            e.time,
            e.source,
            e.line.map(|l| format!(":{l}")).unwrap_or_default(),
            one_line(&e.text, 160)
        ),
        None => format!(
            "{}: the bundle does not date the first sign. Fill in when and how the team found out (alert, user report).",
            incident.id
        ),
    }
}

fn workload(f: &Finding) -> String {
    if f.workload.namespace.is_empty() {
        format!("{} {}", f.workload.kind, f.workload.name)
    } else {
        format!("{} {}/{}", f.workload.kind, f.workload.namespace, f.workload.name)
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut out: String = flat.chars().take(max).collect();
    out.push('…');
    out
}
