//! ## What it detects
//! Containers with a problem worth a finding: crash-looping containers
//! (`state.waiting.reason: CrashLoopBackOff`, or repeated terminations even
//! when the snapshot caught the container running), and containers blocked
//! before they could run (image pulls, configuration errors).
//!
//! ## Why it matters
//! A crash loop is the symptom every cause rule explains. Deciding whether it
//! is still going on is what separates a page from a footnote: a container
//! that restarted hours ago and has run cleanly since is `recovered`, not a
//! critical crash loop.
//!
//! ## Evidence
//! `status.containerStatuses[]` and `status.initContainerStatuses[]`: the
//! current state, the last termination, `restartCount`, `ready`, and the
//! run's `startedAt` compared with the snapshot time.
//!
//! ## Fix
//! None on its own: the cause rules attach the fix to each crash loop.
//!
//! ## References
//! - kubelet back-off policy: 10 s doubling to a 5 min cap, reset after
//!   10 min of clean running (kubernetes/website#48499).

use super::{RuleInfo, RuleOrigin};
use crate::model::time::Time;
use crate::model::{Container, ContainerStatus, OwnerRef, Pod, State};
use serde::Serialize;

/// The kubelet resets a container's back-off after 10 minutes of running;
/// the report contract uses the same window for `active` vs `recovered`.
pub const BACKOFF_RESET_SECONDS: i64 = 600;

/// Restarts that count as a loop when the snapshot shows the container
/// running and nothing else marks it (one restart can be a node event).
const REPEATED_RESTARTS: i64 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum FindingState {
    Active,
    Recovered,
    NotCrashLoop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    CrashLoop,
    /// Kept from running by something that is not a crash: an image pull,
    /// a config error (the waiting reason), a pod that cannot be scheduled
    /// (`Unschedulable`), stuck creating its sandbox or volumes
    /// (`ContainerCreating`), or evicted (`Evicted`).
    Blocked {
        reason: String,
    },
    /// A container that is not crash-looping, watched because a rule looks
    /// at running components (calico-node not ready, ipamd out of
    /// addresses): its current log is scanned like a crash log.
    Running,
}

/// One container with a problem, as the rules see it.
pub struct Subject<'m> {
    pub pod: &'m Pod,
    pub container: &'m Container,
    /// The container's status; empty for a pod never scheduled.
    pub status: std::borrow::Cow<'m, ContainerStatus>,
    pub kind: SubjectKind,
    pub state: FindingState,
    pub workload: OwnerRef,
}

impl Subject<'_> {
    /// The last termination: `lastState`, or the current state when the
    /// container is terminated now.
    pub fn last_termination(&self) -> Option<&crate::model::Termination> {
        self.status.last_state.terminated().or_else(|| self.status.state.terminated())
    }
    pub fn last_exit_code(&self) -> Option<i64> {
        self.last_termination().map(|t| t.exit_code)
    }
    /// JSON path of the last termination, for evidence.
    pub fn termination_path(&self) -> Option<String> {
        let base = self.container.status_path()?;
        if self.status.last_state.terminated().is_some() {
            Some(format!("{base}.lastState.terminated"))
        } else if self.status.state.terminated().is_some() {
            Some(format!("{base}.state.terminated"))
        } else {
            None
        }
    }
}

pub fn info() -> RuleInfo {
    RuleInfo {
        id: "crash-loop".into(),
        cause: String::new(),
        summary: "Finds crash-looping and blocked containers and decides whether each is still active".into(),
        doc: super::doc::module_doc(include_str!("symptoms.rs")),
        origin: RuleOrigin::Builtin,
    }
}

/// Waiting reasons that block a container before it runs: reported so they
/// are not mistaken for crash loops.
const BLOCKING_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// Waiting reasons of a container whose pod is still being set up: the
/// sandbox (network) or the volumes are not ready yet.
const CREATING_REASONS: &[&str] = &["ContainerCreating", "PodInitializing"];

/// Finds the subjects of one pod. `watched` says which healthy-looking
/// containers some rule wants to look at anyway (platform components).
pub fn detect<'m>(
    pod: &'m Pod,
    workload: &OwnerRef,
    snapshot: Option<Time>,
    watched: &dyn Fn(&Pod, &Container) -> bool,
    out: &mut Vec<Subject<'m>>,
) {
    let subject = |container: &'m Container, status: std::borrow::Cow<'m, ContainerStatus>, kind: SubjectKind| {
        let state = match &kind {
            SubjectKind::Blocked { .. } => FindingState::NotCrashLoop,
            SubjectKind::CrashLoop => crash_state(&status, snapshot),
            SubjectKind::Running => running_state(&status),
        };
        Subject { pod, container, status, kind, state, workload: workload.clone() }
    };
    // Pod-level blockers: one subject per pod, on its first container (the
    // scheduler and the kubelet's sandbox do not fail per container).
    if let Some((reason, container)) = pod_blocker(pod) {
        let status = container.status.as_ref().map_or_else(Default::default, std::borrow::Cow::Borrowed);
        out.push(subject(container, status, SubjectKind::Blocked { reason: reason.to_string() }));
        return;
    }
    let mut creating_reported = false;
    for container in &pod.containers {
        let Some(status) = &container.status else { continue };
        let kind = match classify(pod, status) {
            Some(SubjectKind::Blocked { reason }) if CREATING_REASONS.contains(&reason.as_str()) => {
                if std::mem::replace(&mut creating_reported, true) {
                    continue;
                }
                SubjectKind::Blocked { reason: "ContainerCreating".into() }
            }
            Some(kind) => kind,
            None if watched(pod, container) => SubjectKind::Running,
            None => continue,
        };
        out.push(subject(container, std::borrow::Cow::Borrowed(status), kind));
    }
}

/// A pod that cannot run any container: never scheduled, or evicted.
fn pod_blocker(pod: &Pod) -> Option<(&'static str, &Container)> {
    let first = pod.containers.iter().find(|c| !c.init).or_else(|| pod.containers.first())?;
    if pod.phase == "Failed" && pod.reason == "Evicted" {
        return Some(("Evicted", first));
    }
    let unscheduled = pod.conditions.iter().any(|c| {
        c.type_ == "PodScheduled" && c.status == "False" && (c.reason.is_empty() || c.reason == "Unschedulable")
    });
    if pod.phase == "Pending" && pod.node.is_empty() && unscheduled && pod.deleted.is_none() {
        return Some(("Unschedulable", first));
    }
    None
}

fn classify(pod: &Pod, status: &ContainerStatus) -> Option<SubjectKind> {
    match &status.state {
        State::Waiting { reason, .. } if reason == "CrashLoopBackOff" => return Some(SubjectKind::CrashLoop),
        State::Waiting { reason, .. } if BLOCKING_REASONS.contains(&reason.as_str()) && status.restart_count == 0 => {
            return Some(SubjectKind::Blocked { reason: reason.clone() });
        }
        // A container that restarted and now waits for a new sandbox (after
        // a node restart, a sandbox recreation) is blocked on the sandbox,
        // not crashing.
        State::Waiting { reason, .. } if CREATING_REASONS.contains(&reason.as_str()) => {
            return Some(SubjectKind::Blocked { reason: reason.clone() });
        }
        _ => {}
    }
    if status.restart_count == 0 {
        return None;
    }
    // A finished Job pod retried once is normal operation, not a loop.
    if pod.phase == "Succeeded" {
        return None;
    }
    let last = status.last_state.terminated();
    let clean_exit = last.is_some_and(|t| t.exit_code == 0 && t.reason == "Completed");
    let always = pod.restart_policy.is_empty() || pod.restart_policy == "Always";
    if clean_exit && !always {
        return None;
    }
    // One clean exit followed by a run is a stop and a start (a kubelet or
    // node restart), not a failure.
    if clean_exit && matches!(status.state, State::Running { .. }) && status.restart_count < REPEATED_RESTARTS {
        return None;
    }
    match &status.state {
        // An init container (or a Job's) that finished cleanly has done its
        // work, whatever retries it took to get there.
        State::Terminated(t) if t.exit_code == 0 => None,
        // Waiting to start again after a failure (RunContainerError, StartError...).
        State::Waiting { .. } | State::Terminated(_) => Some(SubjectKind::CrashLoop),
        State::Running { .. } | State::Unknown => {
            if status.restart_count >= REPEATED_RESTARTS || last.is_some() {
                Some(SubjectKind::CrashLoop)
            } else {
                None
            }
        }
    }
}

/// A watched running container's problem is present unless it is ready;
/// a ready one is judged by when its log said so (see `report`).
fn running_state(status: &ContainerStatus) -> FindingState {
    if status.ready { FindingState::Recovered } else { FindingState::Active }
}

/// `active` unless the container is running and ready and has been for the
/// back-off reset window (report contract, "Severity and state").
fn crash_state(status: &ContainerStatus, snapshot: Option<Time>) -> FindingState {
    match &status.state {
        State::Running { started_at } => {
            let settled = match (started_at, snapshot) {
                (Some(start), Some(now)) => start.seconds_until(now) >= BACKOFF_RESET_SECONDS,
                // Without a start time or a snapshot time the run cannot be
                // placed; a ready container is then taken as settled rather
                // than paging someone for an unprovable loop.
                _ => true,
            };
            if settled && status.ready { FindingState::Recovered } else { FindingState::Active }
        }
        _ => FindingState::Active,
    }
}
