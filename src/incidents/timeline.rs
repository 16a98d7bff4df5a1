//! One chronology for the report: events, container runs, log lines, node
//! condition transitions, rollouts and pipeline-log times, each entry with
//! its source.

use crate::model::time::Time;
use crate::report::Finding;
use crate::rules::Ctx;
use serde::Serialize;

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
    let _ = (ctx, findings);
    Vec::new()
}
