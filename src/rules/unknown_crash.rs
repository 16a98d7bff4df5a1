//! ## What it detects
//! Crash-looping containers for which no rule could prove a cause. The
//! finding says what is known (exit code, reason, restarts, the last log
//! lines) and what to collect next.
//!
//! ## Why it matters
//! A report that stays silent about a crash loop it cannot explain is worse
//! than one that says "unknown": the reader would take silence for health.
//! podmortem never guesses a cause silently.
//!
//! ## Evidence
//! - the container's last termination (exit code, reason) and restart count;
//! - the last lines of the crashed instance's log, when there is one; or why
//!   there is no log (not collected, empty, the process died before writing).
//!
//! ## Fix
//! Collect what is missing: the previous log, `kubectl describe pod`, the
//! node's kubelet log; for a container that dies before logging, start a
//! debug copy with a shell (`kubectl debug --copy-to ... -- sh`).
//!
//! ## References
//! - https://github.com/kubernetes/kube-state-metrics/issues/2682 (exit 2, no root cause in thread)
//! - https://github.com/kubernetes/kubernetes/issues/101044 (`lastState: {}` with restarts)

use super::shell;
use super::{Ctx, Diagnosis, EvidenceKind, Remediation, Rule, RuleInfo, RuleOrigin, Strength, SubjectKind};

pub struct UnknownCrash {
    info: RuleInfo,
}

impl UnknownCrash {
    pub fn new() -> Self {
        UnknownCrash {
            info: RuleInfo {
                id: "unknown-crash".into(),
                cause: "unknown-crash".into(),
                summary: "Crash loop with no proven cause: what is known and what to collect next".into(),
                doc: super::doc::module_doc(include_str!("unknown_crash.rs")),
                origin: RuleOrigin::Builtin,
            },
        }
    }
}

impl Default for UnknownCrash {
    fn default() -> Self {
        Self::new()
    }
}

impl Rule for UnknownCrash {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop {
            return Vec::new();
        }
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let mut evidence = Vec::new();
        let termination = s.last_termination();
        if let (Some(t), Some(path)) = (termination, s.termination_path()) {
            let mut text = format!("exitCode: {}, reason: {}", t.exit_code, t.reason);
            if !t.message.is_empty() {
                text.push_str(&format!(", message: {}", t.message));
            }
            evidence.push(ctx.status_evidence(s.pod, EvidenceKind::Status, path, text, t.finished_at));
        } else if let Some(path) = s.container.status_path() {
            evidence.push(ctx.status_evidence(
                s.pod,
                EvidenceKind::Status,
                format!("{path}.restartCount"),
                format!("restartCount: {} (no last termination recorded)", s.status.restart_count),
                None,
            ));
        }
        let log_note = match (ctx.crash_log(index), ctx.log_gaps.get(index).and_then(Option::as_ref)) {
            (Some(log), _) => {
                for line in log.digest.tail.iter().rev().take(3).collect::<Vec<_>>().into_iter().rev() {
                    evidence.push(ctx.log_evidence(log, line));
                }
                if log.digest.tail.is_empty() { " Its log is empty." } else { " Its last log lines show no error." }
                    .to_string()
            }
            (None, Some(gap)) => format!(" There is no log to read: {gap}."),
            (None, None) => String::new(),
        };
        let exit = termination.map(|t| {
            format!(
                "exit code {}{}",
                t.exit_code,
                if t.reason.is_empty() { String::new() } else { format!(" ({})", t.reason) }
            )
        });
        let verb = if s.state == super::FindingState::Active { "crash-loops" } else { "restarted" };
        let title = match &exit {
            Some(e) => format!("{ns}/{}: container {c} {verb} with {e}, cause not proven", s.workload.name),
            None => format!("{ns}/{}: container {c} restarts, cause not proven", s.workload.name),
        };
        let explanation = format!(
            "The container has restarted {} times{}. No rule could prove why.{log_note}",
            s.status.restart_count,
            exit.map(|e| format!(", last with {e}")).unwrap_or_default()
        );
        let q = shell::Words::of(s);
        let remediation = vec![
            Remediation {
                description: "Read the crashed instance's full log".into(),
                command: Some(format!("kubectl -n {} logs {} -c {} --previous", q.namespace, q.pod, q.container)),
                mutates: false,
            },
            Remediation {
                description: "Read the pod's events and state history".into(),
                command: Some(format!("kubectl -n {} describe pod {}", q.namespace, q.pod)),
                mutates: false,
            },
            Remediation {
                description: "Start a copy of the pod with a shell instead of the crashing command, to look inside"
                    .into(),
                command: Some(q.debug_shell()),
                mutates: true,
            },
        ];
        vec![Diagnosis {
            strength: Strength::Fallback,
            title,
            explanation,
            evidence,
            remediation,
            ..Diagnosis::of(&self.info, super::SubjectRef::Container(index))
        }]
    }
}
