//! ## What it detects
//! Crash-looping containers whose crashed instance left no log in the
//! export, and why: the process died before writing anything; only the
//! current instance's log was collected (a `kubectl cluster-info dump` never
//! collects previous logs) and it is empty; the collector gathered no logs
//! from the namespace, or skipped this pod (support-bundle collectors are
//! scoped by namespace and selector, and some skip pods that looked healthy
//! at capture); or fetching the log failed.
//!
//! ## Why it matters
//! Most causes are proven from the last lines the process wrote. Without
//! them the report cannot name a cause, and the reader needs to know whether
//! that is because the process never wrote anything (itself a clue: it
//! died at start, before its logger) or because nobody collected it.
//! It leads only when nothing else is known; beside a cause proven from the
//! status or events it is a note on that finding instead.
//!
//! ## Evidence
//! The container's status (restarts, last termination) and what the export
//! holds for it: no log file, an empty one, or a collector error.
//!
//! ## Fix
//! Collect the crashed instance's log (`kubectl logs --previous`) while the
//! pod still exists; for a process that dies before logging, get a shell in
//! the same image with its command replaced (`kubectl debug --copy-to ...
//! -- sh`) and start it by hand, or attach an ephemeral debug container.
//!
//! ## References
//! - https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container
//! - https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#copying-a-pod-while-changing-its-command
//! - https://github.com/kubernetes/kubernetes/issues/101044 (`lastState: {}` with restarts: nothing recorded of the crash)

use super::shell;
use super::{Ctx, Diagnosis, EvidenceKind, Remediation, Rule, RuleInfo, Strength, SubjectKind, SubjectRef};

pub struct NoLogs {
    info: RuleInfo,
}

impl NoLogs {
    pub fn new() -> Self {
        NoLogs {
            info: RuleInfo::builtin(
                "no-logs",
                "A crash loop whose crashed instance left no log in the export: why, and how to get one",
                include_str!("no_logs.rs"),
            ),
        }
    }
}

impl Default for NoLogs {
    fn default() -> Self {
        Self::new()
    }
}

impl Rule for NoLogs {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop || ctx.crash_log(index).is_some() {
            return Vec::new();
        }
        let Some(gap) = ctx.log_gaps.get(index).cloned().flatten() else { return Vec::new() };
        let (ns, pod, c) = (&s.pod.namespace, &s.pod.name, &s.container.name);
        let key = crate::model::ContainerKey { namespace: ns.clone(), pod: pod.clone(), container: c.clone() };
        let why = match ctx.model.logs.get(&key) {
            Some(logs) if logs.previous.is_none() && logs.current.is_some() && logs.current.as_ref().is_some_and(|f| f.fetch_error.is_none()) => {
                "only the current instance's log was collected (a `kubectl cluster-info dump` never collects previous logs), and it is empty: the instance that crashed is not in the export".to_string()
            }
            Some(_) => gap,
            None if ctx.model.logs.is_empty() => {
                "the export holds no container logs at all (an object export or `kubectl describe` carries state, not logs)".to_string()
            }
            None if !ctx.model.logs.keys().any(|k| &k.namespace == ns) => format!(
                "the collector gathered no logs from namespace {ns} (support-bundle log collectors are scoped by namespace and selector)"
            ),
            None => format!(
                "logs of other pods in {ns} were collected but not this one's: the collector's selector skipped it, or it looked healthy or did not exist yet at capture"
            ),
        };
        let mut evidence = Vec::new();
        match (s.last_termination(), s.termination_path()) {
            (Some(t), Some(path)) => evidence.push(ctx.status_evidence(
                s.pod,
                EvidenceKind::Status,
                path,
                format!("exitCode: {}, reason: {}, restartCount: {}", t.exit_code, t.reason, s.status.restart_count),
                t.finished_at,
            )),
            _ => {
                if let Some(path) = s.container.status_path() {
                    evidence.push(ctx.status_evidence(
                        s.pod,
                        EvidenceKind::Status,
                        path,
                        format!("restartCount: {} (no last termination recorded)", s.status.restart_count),
                        None,
                    ));
                }
            }
        }
        let image = &s.container.image;
        let q = shell::Words::of(s);
        vec![Diagnosis {
            strength: Strength::Fallback,
            title: format!(
                "{ns}/{}: container {c} {} and left no log to read",
                s.workload.name,
                if s.state == super::FindingState::Recovered { "restarted" } else { "crash-loops" }
            ),
            explanation: format!(
                "No log of the crashed instance is in the export: {why}. Without its last lines no cause can be proven from the application's side; the status shows restarts {} and {}.",
                s.status.restart_count,
                s.last_termination()
                    .map(|t| format!("a last exit code {} ({})", t.exit_code, if t.reason.is_empty() { "no reason" } else { &t.reason }))
                    .unwrap_or_else(|| "no recorded termination".into())
            ),
            evidence,
            remediation: vec![
                Remediation {
                    description: "Collect the crashed instance's log while the pod exists".into(),
                    command: Some(format!("kubectl -n {} logs {} -c {} --previous", q.namespace, q.pod, q.container)),
                    mutates: false,
                },
                Remediation {
                    description: "If it dies before logging: start a copy with a shell instead of its command, then run the entrypoint by hand".into(),
                    command: Some(q.debug_shell()),
                    mutates: true,
                },
                Remediation {
                    description: format!("Or attach an ephemeral debug container to the running pod (image {image} may lack a shell)"),
                    command: Some(format!(
                        "kubectl -n {} debug {} -it --image=busybox:1.36 --target={}",
                        q.namespace, q.pod, q.container
                    )),
                    mutates: true,
                },
            ],
            supersedes: vec!["unknown-crash".into()],
            ..Diagnosis::of(&self.info, SubjectRef::Container(index))
        }]
    }
}
