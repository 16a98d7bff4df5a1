//! The crash loop reconstructed from what the kubelet printed: restarts,
//! back-off, when the loop started, the next restart, the impact window.

use crate::model::time::Time;
use crate::rules::Ctx;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CrashLoop {
    pub restarts: i64,
    /// Restarts per hour over the observed loop, one decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts_per_hour: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    /// When the loop started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Time>,
    /// `true` when `started` is only a lower bound (derived from events, which expire after about an hour).
    pub started_at_or_before: bool,
    /// What `started` comes from: `container-start`, `pod-created`, `log`, `event`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_basis: Option<String>,
    /// The last crash (`lastState.terminated.finishedAt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_crash: Option<Time>,
    /// When the kubelet would restart the container next, seen from the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_restart: Option<Time>,
    /// Since when the container has not served (the loop's start, or when it last was ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_since: Option<Time>,
    /// Seconds from `down_since` to the snapshot, or to `recovered_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_seconds: Option<i64>,
    /// When the container started the run that has lasted ≥ 10 minutes (it recovered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered_at: Option<Time>,
    /// What the reader should know about how this was computed (default schedule assumed, cap configurable...).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backoff {
    pub seconds: i64,
    /// `printed` when the kubelet's own text says it; `model` when computed from the default schedule.
    pub basis: String,
    /// Where it was printed (`status.containerStatuses[0].state.waiting.message`, an event), with the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The crash loop of subject `subject` (index into `ctx.subjects`), for a crash-looping subject.
pub fn crash_loop(ctx: &Ctx, subject: usize) -> Option<CrashLoop> {
    let _ = (ctx, subject);
    None
}
