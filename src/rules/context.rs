//! What rules read: the model, the snapshot time, the subjects, and the
//! crashed instance's log of each crash-looping subject, scanned once.

use super::symptoms::{self, Subject, SubjectKind};
use super::{Evidence, EvidenceKind};
use crate::logscan::{self, LogDigest, LogLine, LogPatterns};
use crate::model::time::Time;
use crate::model::{ContainerKey, Event, LogFile, LogLocation, Model, OwnerRef, Pod};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Which log of a container was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogWhich {
    /// `--previous`: the instance that crashed.
    Previous,
    /// The current instance; for a container waiting in CrashLoopBackOff
    /// this is still the run that crashed.
    Current,
}

pub struct CrashLog {
    pub file: LogFile,
    pub which: LogWhich,
    pub digest: std::sync::Arc<LogDigest>,
}

pub struct Ctx<'m> {
    pub model: &'m Model,
    pub snapshot: Option<Time>,
    pub subjects: Vec<Subject<'m>>,
    /// Parallel to `subjects`: the scanned crash log, when one was found.
    pub crash_logs: Vec<Option<CrashLog>>,
    /// Why a crash-looping subject has no log, parallel to `subjects`.
    pub log_gaps: Vec<Option<String>>,
    pub patterns: LogPatterns,
    /// Problems met while reading logs (not UTF-8, over-long lines).
    pub log_warnings: Vec<crate::model::source::Warning>,
    /// Pods per top-level workload that are Ready, for severity.
    ready: BTreeMap<(String, OwnerRef), usize>,
    /// Indices into `model.events` of the events about each node.
    node_events: BTreeMap<String, Vec<usize>>,
    /// Per node, the containers whose last run ended with exit 255 or reason
    /// `Unknown` (what a node or runtime restart leaves), built on first use.
    lost_runs: std::sync::OnceLock<BTreeMap<String, Vec<LostRun>>>,
}

/// A container run that ended when its node or runtime went away.
#[derive(Debug, Clone)]
pub struct LostRun {
    pub pod: String,
    pub namespace: String,
    pub container: String,
    pub finished_at: Option<Time>,
}

/// Logs smaller than this are collector placeholders (troubleshoot writes
/// 1–2 byte `-previous.log` files for pods that never ran).
const PLACEHOLDER_LOG_BYTES: u64 = 3;

impl<'m> Ctx<'m> {
    /// `watched` picks the healthy-looking containers some rule wants to see
    /// (see [`super::Catalog::watches`]).
    pub fn build(
        model: &'m Model,
        snapshot: Option<Time>,
        patterns: LogPatterns,
        namespaces: &[String],
        watched: &dyn Fn(&Pod, &crate::model::Container) -> bool,
    ) -> Ctx<'m> {
        let mut subjects = Vec::new();
        let mut ready: BTreeMap<(String, OwnerRef), usize> = BTreeMap::new();
        for pod in &model.pods {
            let workload = model.top_owner(pod);
            let entry = ready.entry((pod.namespace.clone(), workload.clone())).or_default();
            if pod.ready == Some(true) && pod.deleted.is_none() {
                *entry += 1;
            }
            if !namespaces.is_empty() && !namespaces.iter().any(|n| n == &pod.namespace) {
                continue;
            }
            symptoms::detect(pod, &workload, snapshot, watched, &mut subjects);
        }
        let scanned: Vec<(Option<CrashLog>, Option<String>)> =
            subjects.par_iter().map(|s| read_crash_log(model, s, &patterns)).collect();
        let (crash_logs, log_gaps): (Vec<Option<CrashLog>>, Vec<Option<String>>) = scanned.into_iter().unzip();
        let log_warnings = crash_logs.iter().flatten().flat_map(|log| log_problems(model, log)).collect();
        let mut node_events: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in model.events.iter().enumerate() {
            if e.object_kind == "Node" {
                node_events.entry(e.object_name.to_string()).or_default().push(i);
            }
        }
        Ctx {
            model,
            snapshot,
            subjects,
            crash_logs,
            log_gaps,
            log_warnings,
            patterns,
            ready,
            node_events,
            lost_runs: std::sync::OnceLock::new(),
        }
    }

    /// The current instance's log of a crash-looping subject whose crash log
    /// is the previous one: the run after the crash, which may show how the
    /// story went on (a start-up that finished this time). Scanned on demand.
    pub fn current_log(&self, index: usize) -> Option<CrashLog> {
        let s = self.subjects.get(index)?;
        if self.crash_log(index).is_some_and(|l| l.which == LogWhich::Current) {
            return None;
        }
        let key = ContainerKey {
            namespace: s.pod.namespace.clone(),
            pod: s.pod.name.clone(),
            container: s.container.name.clone(),
        };
        let file = self.model.logs.get(&key)?.current.clone().filter(|f| f.size >= PLACEHOLDER_LOG_BYTES)?;
        let digest = scan_file(&file, &self.patterns).ok()?;
        Some(CrashLog { file, which: LogWhich::Current, digest })
    }

    /// Events whose involved object is node `name`.
    pub fn node_events<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Event> + 'a {
        self.node_events.get(name).into_iter().flatten().map(|&i| &self.model.events[i])
    }

    pub fn node(&self, name: &str) -> Option<&'m crate::model::Node> {
        self.model.nodes.iter().find(|n| n.name == name)
    }

    /// Runs on node `name` that ended with exit 255 or reason `Unknown`.
    pub fn lost_runs(&self, name: &str) -> &[LostRun] {
        let all = self.lost_runs.get_or_init(|| {
            let mut by_node: BTreeMap<String, Vec<LostRun>> = BTreeMap::new();
            for pod in self.model.pods.iter().filter(|p| !p.node.is_empty()) {
                for c in &pod.containers {
                    let Some(status) = &c.status else { continue };
                    let ended = status.last_state.terminated().or_else(|| status.state.terminated());
                    if let Some(t) = ended.filter(|t| t.exit_code == 255 || t.reason == "Unknown") {
                        by_node.entry(pod.node.clone()).or_default().push(LostRun {
                            pod: pod.name.clone(),
                            namespace: pod.namespace.clone(),
                            container: c.name.clone(),
                            finished_at: t.finished_at,
                        });
                    }
                }
            }
            by_node
        });
        all.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Evidence pointing at a field of any object (a node, a workload).
    pub fn object_evidence(
        &self,
        origin: &crate::model::source::Origin,
        kind: EvidenceKind,
        path: String,
        text: String,
        time: Option<Time>,
    ) -> Evidence {
        let source = self.model.sources.get(origin.source);
        Evidence {
            kind: if origin.describe { EvidenceKind::Describe } else { kind },
            input: source.input.clone(),
            source: source.path.clone(),
            line: origin.line_of(&path),
            path: Some(path),
            text,
            time,
            highlight: None,
        }
    }

    pub fn crash_log(&self, subject: usize) -> Option<&CrashLog> {
        self.crash_logs.get(subject).and_then(Option::as_ref)
    }

    /// Ready pods of the subject's workload (including other replicas).
    pub fn ready_replicas(&self, subject: &Subject) -> usize {
        self.ready.get(&(subject.pod.namespace.clone(), subject.workload.clone())).copied().unwrap_or(0)
    }

    pub fn events_for<'a>(&'a self, subject: &'a Subject) -> impl Iterator<Item = &'a Event> + 'a {
        self.model
            .events_for_pod(subject.pod)
            .filter(move |e| e.container().is_none_or(|c| c == subject.container.name))
    }

    /// Evidence pointing at a field of the subject's pod.
    pub fn status_evidence(
        &self,
        pod: &Pod,
        kind: EvidenceKind,
        path: String,
        text: String,
        time: Option<Time>,
    ) -> Evidence {
        let source = self.model.sources.get(pod.origin.source);
        // The same field read from a `kubectl describe` paste is quoted as such.
        let kind = if pod.origin.describe { EvidenceKind::Describe } else { kind };
        Evidence {
            kind,
            input: source.input.clone(),
            source: source.path.clone(),
            line: pod.origin.line_of(&path),
            path: Some(path),
            text,
            time,
            highlight: None,
        }
    }

    pub fn event_evidence(&self, event: &Event) -> Evidence {
        let source = self.model.sources.get(event.origin.source);
        let count = if event.count > 1 { format!(" (x{})", event.count) } else { String::new() };
        Evidence {
            kind: if event.origin.describe { EvidenceKind::Describe } else { EvidenceKind::Event },
            input: source.input.clone(),
            source: source.path.clone(),
            line: event.origin.line,
            path: None,
            text: format!("{} {}{}: {}", event.type_, event.reason, count, event.message),
            time: event.last_seen,
            highlight: None,
        }
    }

    pub fn log_evidence(&self, log: &CrashLog, line: &LogLine) -> Evidence {
        let source = self.model.sources.get(log.file.source);
        let year = self.snapshot.map(|t| chrono::Datelike::year(&t.0));
        Evidence {
            kind: EvidenceKind::Log,
            input: source.input.clone(),
            source: source.path.clone(),
            line: Some(line.number + log.file.line_offset),
            path: None,
            text: line.text.clone(),
            time: logscan::line_time(&line.text, year),
            highlight: None,
        }
    }
}

fn log_problems(model: &Model, log: &CrashLog) -> Vec<crate::model::source::Warning> {
    use crate::model::source::{Warning, WarningCode};
    let source = model.sources.get(log.file.source);
    let mut out = Vec::new();
    if log.digest.lossy {
        out.push(Warning {
            code: WarningCode::NotUtf8,
            input: source.input.clone(),
            source: source.path.clone(),
            message: "the log holds bytes that are not UTF-8 (or NUL bytes); they are shown as \u{FFFD}".into(),
        });
    }
    if log.digest.truncated_lines > 0 {
        out.push(Warning {
            code: WarningCode::LongLine,
            input: source.input.clone(),
            source: source.path.clone(),
            message: format!("{} over-long line(s) were cut when quoted", log.digest.truncated_lines),
        });
    }
    out
}

/// Picks and scans the log of the instance that crashed. Returns the reason
/// when there is none, because "no log" is itself something to explain.
fn read_crash_log(model: &Model, subject: &Subject, patterns: &LogPatterns) -> (Option<CrashLog>, Option<String>) {
    let watched = match subject.kind {
        SubjectKind::CrashLoop => false,
        SubjectKind::Running => true,
        SubjectKind::Blocked { .. } => return (None, None),
    };
    let key = ContainerKey {
        namespace: subject.pod.namespace.clone(),
        pod: subject.pod.name.clone(),
        container: subject.container.name.clone(),
    };
    let Some(logs) = model.logs.get(&key) else {
        return (None, (!watched).then(|| "no log of this container was collected".into()));
    };
    let usable = |f: Option<&LogFile>| f.filter(|f| f.size >= PLACEHOLDER_LOG_BYTES).cloned();
    // The previous log is the instance that crashed; without it, the current
    // log of a container waiting in CrashLoopBackOff is that same run (and of
    // a running container, the best there is).
    let choice = match (usable(logs.previous()), usable(logs.current.as_ref())) {
        // A watched container is judged by what it says now.
        (_, Some(cur)) if watched => Some((cur, LogWhich::Current)),
        (Some(prev), _) => Some((prev, LogWhich::Previous)),
        (None, Some(cur)) => Some((cur, LogWhich::Current)),
        (None, None) => None,
    };
    let Some((file, which)) = choice else {
        if watched {
            return (None, None);
        }
        let fetch_error = logs.current.as_ref().and_then(|f| f.fetch_error.clone());
        let why = match fetch_error {
            Some(error) => format!("the collector could not fetch the log: {error}"),
            None if logs.previous.is_some() || logs.current.is_some() => {
                "the collected log files are empty: the process may have died before writing anything".into()
            }
            None => "no log of this container was collected".into(),
        };
        return (None, Some(why));
    };
    let digest = scan_file(&file, patterns);
    match digest {
        Ok(digest) => (Some(CrashLog { file, which, digest }), None),
        Err(e) => (None, Some(format!("the log could not be read: {e}"))),
    }
}

/// Scans one log file with the shared patterns (or reuses the digest made
/// while streaming an archive).
fn scan_file(file: &LogFile, patterns: &LogPatterns) -> std::io::Result<std::sync::Arc<LogDigest>> {
    match (&file.location, file.location.open()) {
        (LogLocation::Scanned(digest), _) => Ok(digest.clone()),
        (_, Some(reader)) => logscan::scan(reader?, patterns).map(std::sync::Arc::new),
        (_, None) => Err(std::io::Error::other("log location has no bytes")),
    }
}
