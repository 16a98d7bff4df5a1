//! The crash loop reconstructed from what the kubelet printed: restarts,
//! back-off, when the loop started, the next restart, the impact window.
//!
//! How the kubelet schedules restarts (kuberuntime `doBackOff` with a
//! `flowcontrol.Backoff` per container): the first crash restarts at once
//! and starts the back-off at 10 s; every later crash waits the current
//! back-off, counted from the crash's `finishedAt`, and the restart doubles
//! it up to the 5 min cap. A run longer than 10 min resets it. So a
//! container waiting with `restartCount` r waits 10 s × 2^(r−1), capped,
//! and that is the duration the kubelet prints in `state.waiting.message`
//! (`back-off 2m40s restarting failed container=…`, restartCount 5).
//!
//! What the kubelet printed always wins over the model: the cap is
//! configurable per node since 1.32 (`KubeletCrashLoopBackOffMax`), and a
//! reset after a long clean run puts the loop on a shorter schedule than
//! `restartCount` suggests.

use crate::model::time::{Time, human_duration};
use crate::model::{Event, State, Termination};
use crate::rules::{Ctx, FindingState, Subject};
use serde::Serialize;

/// The default first back-off of the kubelet.
const INITIAL_BACKOFF_SECONDS: i64 = 10;
/// The default cap (`MaxContainerBackOff`).
const MAX_BACKOFF_SECONDS: i64 = 300;
/// A rate over a shorter span says nothing.
const MIN_RATE_SPAN_SECONDS: i64 = 60;
/// A pod whose `Ready` condition turned False this soon after its creation
/// never became ready: the kubelet writes that transition when it first
/// reports the pod, within seconds.
const NEVER_READY_SLACK_SECONDS: i64 = 60;

#[derive(Debug, Clone, Serialize, Default)]
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
    /// The pod's creation: the loop cannot have started earlier. With an
    /// at-or-before `started`, the true start lies between the two.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Time>,
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

#[derive(Debug, Clone, Serialize, Default)]
pub struct Backoff {
    pub seconds: i64,
    /// `printed` when the kubelet's own text says it; `model` when computed from the default schedule.
    pub basis: String,
    /// Where it was printed (`status.containerStatuses[0].state.waiting.message`, an event), with the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The input (bundle, archive, file) it was printed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The file it was printed in (the pod list, the event list), inside its input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// When an event printed it (its last occurrence); absent for the
    /// status, which is current at the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printed_at: Option<Time>,
}

/// The back-off the default schedule gives a container waiting with
/// `restarts` restarts: 10 s × 2^(r−1), capped at 5 min. None below one
/// restart, because the kubelet restarts a first crash at once.
pub fn model_backoff_seconds(restarts: i64) -> Option<i64> {
    if restarts < 1 {
        return None;
    }
    // 10 s × 2^5 already passes the cap; no shift can overflow.
    let doublings = (restarts - 1).min(6) as u32;
    Some((INITIAL_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS))
}

/// Parses a Go duration as `time.Duration.String()` prints it (`10s`,
/// `1m20s`, `5m0s`, `1.5s`, `300ms`) into seconds.
pub fn parse_go_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if text == "0" {
        return Some(0.0);
    }
    let mut rest = text;
    let mut total = 0.0;
    let mut any = false;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
        any = true;
    }
    any.then_some(total)
}

/// The back-off duration in a kubelet message: `back-off 2m40s restarting
/// failed container=…` (the waiting message), `Back-off 5m0s restarting
/// failed container=…` (old kubelets' FailedSync events). The BackOff
/// event of current kubelets (`Back-off restarting failed container x in
/// pod …`) carries none. Returns the duration token and its seconds.
pub fn printed_backoff(message: &str) -> Option<(&str, f64)> {
    const MARK: &str = "back-off ";
    const AFTER: &str = " restarting failed container";
    // ASCII lowercasing keeps byte offsets, so positions map back to `message`.
    let lower = message.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(MARK) {
        let start = from + pos + MARK.len();
        let end = lower[start..].find(' ').map_or(lower.len(), |e| start + e);
        if lower[end..].starts_with(AFTER) {
            let token = &message[start..end];
            if let Some(seconds) = parse_go_duration(token) {
                return Some((token, seconds));
            }
        }
        from = start;
    }
    None
}

/// The crash loop of subject `subject` (index into `ctx.subjects`), for a crash-looping subject.
pub fn crash_loop(ctx: &Ctx, subject: usize) -> Option<CrashLoop> {
    let s = ctx.subjects.get(subject)?;
    let restarts = s.status.restart_count;
    let runs = Runs::of(s);
    let mut notes = Vec::new();

    let backoff = match &s.status.state {
        State::Waiting { .. } | State::Terminated(_) => current_backoff(ctx, s, restarts, &mut notes),
        _ => None,
    };
    let last_crash = runs.latest_crash.and_then(|t| t.finished_at);
    let next_restart = match (&backoff, last_crash) {
        (Some(b), Some(crash)) => Time::from_unix(crash.0.timestamp() + b.seconds),
        _ => None,
    };
    if let (Some(next), Some(now)) = (next_restart, ctx.snapshot) {
        if next < now {
            notes.push(format!(
                "The back-off had already run out {} before the snapshot (restart due at {next}): the snapshot caught \
                 the kubelet about to restart the container, or the status was stale when it was collected.",
                human_duration(next.seconds_until(now))
            ));
        }
    }

    let start = loop_start(ctx, subject, &runs);
    let not_before = s.pod.created.filter(|c| start.as_ref().is_none_or(|st| *c <= st.time));
    if let Some(st) = &start {
        if st.basis == "pod-created" {
            if let Some(since) = never_ready_since(s) {
                notes.push(format!(
                    "The pod never became ready (Ready has been False since {since}, {} after its creation): the \
                     failure began with the pod, before its first crash.",
                    human_duration(st.time.seconds_until(since))
                ));
            }
        }
        if st.at_or_before {
            let window = match not_before {
                Some(created) if created < st.time => {
                    format!(" The pod was created at {created}: the loop started between then and {}.", st.time)
                }
                _ => String::new(),
            };
            notes.push(format!(
                "The start is at or before {} ({}): older evidence may be gone (events live about an hour).{window}",
                st.time,
                basis_words(st.basis)
            ));
        }
    }

    let restarts_per_hour = match (&start, last_crash.or(ctx.snapshot)) {
        (Some(st), Some(end)) if st.time.seconds_until(end) >= MIN_RATE_SPAN_SECONDS && restarts > 0 => {
            let hours = st.time.seconds_until(end) as f64 / 3600.0;
            let rate = (restarts as f64 / hours * 10.0).round() / 10.0;
            if st.at_or_before {
                notes.push(format!(
                    "{rate} restarts per hour is an upper bound: the loop may have started before {}, and some of the {restarts} restarts may be older.",
                    st.time
                ));
            }
            Some(rate)
        }
        _ => None,
    };

    let (down_since, impact_seconds, recovered_at) = impact(ctx, s, start.as_ref(), last_crash, &mut notes);
    Some(CrashLoop {
        restarts,
        restarts_per_hour,
        backoff,
        started: start.as_ref().map(|st| st.time),
        started_at_or_before: start.as_ref().is_some_and(|st| st.at_or_before),
        started_basis: start.as_ref().map(|st| st.basis.to_string()),
        not_before,
        last_crash,
        next_restart,
        down_since,
        impact_seconds,
        recovered_at,
        notes,
    })
}

/// The container's runs as the status shows them, numbered like the
/// kubelet counts restarts: run 0 is the first, run `restartCount` the latest.
struct Runs<'a> {
    /// The most recent ended run: the current state when it is terminated,
    /// else `lastState` (which `Subject::last_termination` prefers even when
    /// the current state is newer).
    latest_crash: Option<&'a Termination>,
    /// Ended runs with their run number.
    ended: Vec<(i64, &'a Termination)>,
    /// The current run's start, with its run number.
    running: Option<(i64, Option<Time>)>,
}

impl<'a> Runs<'a> {
    fn of(s: &'a Subject) -> Runs<'a> {
        let r = s.status.restart_count;
        let last = s.status.last_state.terminated();
        match &s.status.state {
            State::Terminated(t) => {
                let t: &Termination = t;
                let mut ended = vec![(r, t)];
                ended.extend(last.map(|l| (r - 1, l)));
                Runs { latest_crash: Some(t), ended, running: None }
            }
            State::Running { started_at } => Runs {
                latest_crash: last,
                ended: last.map(|l| (r - 1, l)).into_iter().collect(),
                running: Some((r, *started_at)),
            },
            _ => Runs { latest_crash: last, ended: last.map(|l| (r, l)).into_iter().collect(), running: None },
        }
    }
}

/// The back-off in force for a container waiting to restart: printed in
/// its waiting message (current), else in the latest event that carries a
/// duration, else the default schedule.
fn current_backoff(ctx: &Ctx, s: &Subject, restarts: i64, notes: &mut Vec<String>) -> Option<Backoff> {
    let model = model_backoff_seconds(restarts);
    let printed = waiting_backoff(ctx, s).or_else(|| event_backoff(ctx, s));
    match printed {
        Some(b) => {
            if let Some(m) = model.filter(|m| *m != b.seconds) {
                notes.push(format!(
                    "The kubelet printed a back-off of {}, where the default schedule gives {} for {restarts} restarts: \
                     the node may cap it differently (KubeletCrashLoopBackOffMax, Kubernetes 1.32+), or the back-off \
                     was reset after a run of 10 minutes, so the loop is younger than its restart count.",
                    human_duration(b.seconds),
                    human_duration(m)
                ));
            }
            if let Some(at) = b.printed_at {
                notes.push(format!(
                    "The back-off was printed in an event last seen at {at}; the status printed none, so it may have grown since."
                ));
            }
            Some(b)
        }
        None => {
            let seconds = model?;
            notes.push(format!(
                "The kubelet printed no back-off for this container; {} is the default schedule for {restarts} restarts \
                 (10 s doubling per restart, capped at 5 min, reset after 10 minutes of clean running). Clusters can \
                 change the cap (kubelet feature KubeletCrashLoopBackOffMax, Kubernetes 1.32+), so this is an estimate.",
                human_duration(seconds)
            ));
            Some(Backoff {
                seconds,
                basis: "model".into(),
                source: None,
                text: None,
                input: None,
                file: None,
                line: None,
                printed_at: None,
            })
        }
    }
}

fn waiting_backoff(ctx: &Ctx, s: &Subject) -> Option<Backoff> {
    let State::Waiting { message, .. } = &s.status.state else { return None };
    let (_, seconds) = printed_backoff(message)?;
    let path = s.container.status_path().map(|p| format!("{p}.state.waiting.message"));
    let place = ctx.model.sources.get(s.pod.origin.source);
    Some(Backoff {
        seconds: seconds.round() as i64,
        basis: "printed".into(),
        line: path.as_deref().and_then(|p| s.pod.origin.line_of(p)).or(s.pod.origin.line),
        source: path,
        text: Some(message.clone()),
        input: Some(place.input.clone()),
        file: Some(place.path.clone()),
        printed_at: None,
    })
}

/// The latest event of this container that prints a back-off duration.
/// Old kubelets' FailedSync events name the container only in the message
/// (`container=x`), so that is checked too.
fn event_backoff(ctx: &Ctx, s: &Subject) -> Option<Backoff> {
    let name = s.container.name.as_str();
    let about_container = |e: &Event| {
        let named = e.message.find("container=").map(|i| {
            let rest = &e.message[i + "container=".len()..];
            rest.split([' ', '"', ',']).next().unwrap_or("") == name
        });
        named.unwrap_or(true) && e.container().is_none_or(|c| c == name)
    };
    let (event, seconds) = ctx
        .events_for(s)
        .filter(|e| about_container(e))
        .filter_map(|e| printed_backoff(&e.message).map(|(_, secs)| (e, secs)))
        .max_by(|a, b| (a.0.last_seen, a.0.origin.line).cmp(&(b.0.last_seen, b.0.origin.line)))?;
    Some(Backoff {
        seconds: seconds.round() as i64,
        basis: "printed".into(),
        source: Some(format!("event {}", event.reason)),
        text: Some(event.message.to_string()),
        input: Some(ctx.model.sources.get(event.origin.source).input.clone()),
        file: Some(ctx.model.sources.get(event.origin.source).path.clone()),
        line: event.origin.line,
        printed_at: event.last_seen,
    })
}

/// The loop's start as the data proves it.
struct Start {
    time: Time,
    basis: &'static str,
    at_or_before: bool,
}

fn basis_words(basis: &str) -> &'static str {
    match basis {
        "event" => "the oldest warning event about the container",
        "container-start" => "the start of a run that followed an earlier crash",
        "log" => "the first line of the crashed run's log, which followed an earlier crash",
        "pod-created" => "the pod never became ready",
        _ => "the first crash",
    }
}

/// Every time that proves the failure was under way, earliest first:
/// - the first crash itself when the status still shows run 0 ended
///   (`container-exit`): exact;
/// - the pod's creation when it never became ready (`pod-created`): the
///   failure began with the pod, whenever the first crash came;
/// - the start of any run after the first (`container-start`) and the first
///   line of such a run's log (`log`): a crash came before, so the loop
///   started at or before them;
/// - the oldest warning event of the container (`event`): events are kept
///   about an hour, so older ones may have expired; at or before.
///
/// The pod's creation otherwise only bounds the start from below
/// (`not_before`): a pod can run cleanly for days before its first crash.
fn loop_start(ctx: &Ctx, subject: usize, runs: &Runs) -> Option<Start> {
    let s = ctx.subjects.get(subject)?;
    let mut candidates: Vec<Start> = Vec::new();
    for (run, t) in &runs.ended {
        if *run == 0 {
            candidates.extend(t.finished_at.map(|time| Start { time, basis: "container-exit", at_or_before: false }));
        } else {
            candidates.extend(t.started_at.map(|time| Start { time, basis: "container-start", at_or_before: true }));
        }
    }
    if let Some((run, Some(time))) = runs.running {
        if run >= 1 {
            candidates.push(Start { time, basis: "container-start", at_or_before: true });
        }
    }
    if let (Some(created), Some(since)) = (s.pod.created, never_ready_since(s)) {
        if created.seconds_until(since) <= NEVER_READY_SLACK_SECONDS {
            candidates.push(Start { time: created, basis: "pod-created", at_or_before: false });
        }
    }
    // The crash log is the latest crashed run; it follows an earlier crash
    // unless it is run 0.
    let crashed_run = runs.ended.first().map(|(run, _)| *run);
    if crashed_run.is_some_and(|r| r >= 1) {
        if let Some(log) = ctx.crash_log(subject) {
            let year = ctx.snapshot.map(|t| chrono::Datelike::year(&t.0));
            if let Some(time) = log.digest.first.as_ref().and_then(|l| crate::logscan::line_time(&l.text, year)) {
                candidates.push(Start { time, basis: "log", at_or_before: true });
            }
        }
    }
    candidates.extend(
        ctx.events_for(s).filter(|e| e.type_ == "Warning").filter_map(|e| e.first_seen).min().map(|time| Start {
            time,
            basis: "event",
            at_or_before: true,
        }),
    );
    // Earliest wins; at equal times an exact basis beats a bound.
    candidates.into_iter().min_by(|a, b| (a.time, a.at_or_before).cmp(&(b.time, b.at_or_before)))
}

/// When the pod's `Ready` condition last turned False, if it is False now.
fn never_ready_since(s: &Subject) -> Option<Time> {
    s.pod.conditions.iter().find(|c| c.type_ == "Ready" && c.status == "False").and_then(|c| c.last_transition_time)
}

/// `down_since`, `impact_seconds`, `recovered_at`.
///
/// A loop's runs are shorter than the kubelet's 10-minute reset window
/// (a printed back-off above 10 s proves it), and the report contract only
/// calls a container recovered after 10 minutes of running; so a container
/// that served for a moment between crashes counts as down for the whole
/// loop: `down_since` is the loop's start, or when the pod stopped being
/// ready if that is earlier (it may have failed its readiness probe before
/// the first crash). A recovered loop is measured from its start to the
/// start of the run that lasted.
fn impact(
    ctx: &Ctx,
    s: &Subject,
    start: Option<&Start>,
    last_crash: Option<Time>,
    notes: &mut Vec<String>,
) -> (Option<Time>, Option<i64>, Option<Time>) {
    let started = start.map(|st| st.time);
    if let State::Running { started_at } = &s.status.state {
        if s.state == FindingState::Recovered {
            let recovered_at = *started_at;
            if let (Some(at), Some(now)) = (recovered_at, ctx.snapshot) {
                notes.push(format!(
                    "Running since {at} ({} before the snapshot): past the 10 minutes after which the kubelet resets \
                     the back-off, so the loop has ended.",
                    human_duration(at.seconds_until(now))
                ));
            }
            let down_since = started.or(last_crash);
            let impact = match (down_since, recovered_at) {
                (Some(from), Some(to)) if from <= to => Some(from.seconds_until(to)),
                _ => None,
            };
            if impact.is_some() && start.is_some_and(|st| st.at_or_before) {
                notes.push("The impact is at least this long: the loop may have started earlier.".into());
            }
            return (down_since, impact, recovered_at);
        }
        if s.status.ready {
            if let Some(at) = started_at {
                let next = model_backoff_seconds(s.status.restart_count).map(human_duration).unwrap_or_default();
                notes.push(format!(
                    "Running and ready again since {at}, less than 10 minutes before the snapshot: the kubelet has not \
                     reset the back-off yet{}.",
                    if next.is_empty() { String::new() } else { format!("; another crash would wait about {next}") }
                ));
            }
            return (None, None, None);
        }
    }
    let down_since = match (started, never_ready_since(s)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b).or(last_crash),
    };
    let impact = match (down_since, ctx.snapshot) {
        (Some(from), Some(now)) if from <= now => Some(from.seconds_until(now)),
        _ => None,
    };
    if impact.is_some() && start.is_some_and(|st| st.at_or_before) && down_since == started {
        notes.push("The impact is at least this long: the loop may have started earlier.".into());
    }
    (down_since, impact, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_like_time_duration_string() {
        assert_eq!(parse_go_duration("10s"), Some(10.0));
        assert_eq!(parse_go_duration("1m20s"), Some(80.0));
        assert_eq!(parse_go_duration("2m40s"), Some(160.0));
        assert_eq!(parse_go_duration("5m0s"), Some(300.0));
        assert_eq!(parse_go_duration("1h0m0s"), Some(3600.0));
        assert_eq!(parse_go_duration("1.5s"), Some(1.5));
        assert_eq!(parse_go_duration("300ms"), Some(0.3));
        assert_eq!(parse_go_duration("0"), Some(0.0));
        for bad in ["", "s", "10", "10x", "1m20", "m5s", "1..5s", "-"] {
            assert_eq!(parse_go_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn printed_backoff_is_read_from_both_wordings() {
        let waiting = "back-off 2m40s restarting failed container=worker pod=invoice-worker-1_billing(uid)";
        assert_eq!(printed_backoff(waiting), Some(("2m40s", 160.0)));
        let old = r#"failed to "StartContainer" for "registry" with CrashLoopBackOff: "Back-off 5m0s restarting failed container=registry pod=r_default(x)""#;
        assert_eq!(printed_backoff(old), Some(("5m0s", 300.0)));
        // The BackOff event of current kubelets and the image-pull back-off print no duration.
        assert_eq!(printed_backoff("Back-off restarting failed container worker in pod w_billing(uid)"), None);
        assert_eq!(printed_backoff(r#"Back-off pulling image "registry.example.com/a:1""#), None);
    }

    #[test]
    fn model_schedule_doubles_from_ten_seconds_to_the_cap() {
        let schedule: Vec<Option<i64>> = (0..=8).map(model_backoff_seconds).collect();
        assert_eq!(
            schedule,
            vec![None, Some(10), Some(20), Some(40), Some(80), Some(160), Some(300), Some(300), Some(300)]
        );
        // The velero pod in the sbctl corpus prints `back-off 40s` with restartCount 3.
        assert_eq!(model_backoff_seconds(3), Some(40));
        assert_eq!(model_backoff_seconds(i64::MAX), Some(300));
    }
}
