//! ## What it detects
//! Crash-looping containers whose process was ended by a signal (exit code
//! 128 + n) when no rule proves who sent it: SIGKILL (137) without
//! `OOMKilled`, SIGTERM (143), SIGABRT (134), SIGILL (132) and the rest.
//! The finding names the signal and the usual senders.
//!
//! ## Why it matters
//! An exit code above 128 is not the program failing on its own: something
//! stopped it. Exit 137 with reason `Error` is the classic trap — it looks
//! like an OOM kill but is usually the kubelet killing a container whose
//! liveness probe failed, a node-level OOM, or a stop that outlived the
//! grace period. Treating it as an application bug sends the reader to the
//! wrong log.
//!
//! ## Evidence
//! - the last termination's exit code (and `signal` where the runtime
//!   recorded it) and reason;
//! - no `OOMKilled` reason, no probe `Killing` event and no node OOM event:
//!   those rules prove a more specific cause and this generic one steps aside.
//!
//! ## Fix
//! Find the sender: the pod's events (`Killing`, `Unhealthy`, `Evicted`),
//! the node's events (`SystemOOM`, `OOMKilling`), the kubelet log around the
//! termination time. For SIGTERM, check that the program finishes its
//! shutdown within `terminationGracePeriodSeconds`; for SIGABRT, read the
//! last log lines for the assertion or runtime error.
//!
//! ## References
//! - https://github.com/kubernetes/kubernetes/issues/19825 (137 with `OOMKilled: false`: a liveness kill)
//! - https://github.com/kubernetes/kubernetes/issues/80089 (a Java app handling SIGTERM exits 143, reason `Error`)
//! - https://github.com/kubernetes/kubernetes/issues/53669 (system OOM: 137 with reason `Error`)

use super::shell;
use super::{Ctx, Diagnosis, EvidenceKind, Remediation, Rule, RuleInfo, Strength, SubjectKind, SubjectRef};

pub struct TerminatedBySignal {
    info: RuleInfo,
}

impl TerminatedBySignal {
    pub fn new() -> Self {
        TerminatedBySignal {
            info: RuleInfo::builtin(
                "terminated-by-signal",
                "The process was ended by a signal (exit 128+n) and nothing proves who sent it",
                include_str!("terminated_by_signal.rs"),
            ),
        }
    }
}

impl Default for TerminatedBySignal {
    fn default() -> Self {
        Self::new()
    }
}

/// Name and usual senders of signal `n`.
fn signal(n: i64) -> (&'static str, &'static str) {
    match n {
        9 => (
            "SIGKILL",
            "the kubelet after a failed liveness or startup probe once the grace period ran out, a node-level OOM kill, an eviction, or a stop that outlived terminationGracePeriodSeconds",
        ),
        15 => (
            "SIGTERM",
            "the kubelet stopping the container (probe failure, rollout, eviction, node drain) — the program shut down cleanly on the signal",
        ),
        6 => (
            "SIGABRT",
            "the program itself calling abort(): a failed assertion, a C library memory error (double free), or a runtime's fatal error",
        ),
        4 => ("SIGILL", "an instruction the CPU does not support: an image built for newer CPU features"),
        2 => ("SIGINT", "an interrupt sent to the process, usually by a script or another process in the container"),
        1 => ("SIGHUP", "a hang-up sent to the process, usually by a supervisor or a reload script"),
        7 => ("SIGBUS", "a bad memory access: often a memory-mapped file on a full or vanished volume"),
        _ => ("a signal", "another process or the runtime"),
    }
}

impl Rule for TerminatedBySignal {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop {
            return Vec::new();
        }
        let (Some(t), Some(path)) = (s.last_termination(), s.termination_path()) else {
            return Vec::new();
        };
        // 139 is `segfault`'s, 255 is not a signal (it is -1), and an
        // OOMKilled reason is `oom-killed`'s proof.
        let number = t.signal.filter(|n| *n > 0).unwrap_or(t.exit_code - 128);
        if !(1..=64).contains(&number) || number == 11 || t.exit_code == 255 || t.reason == "OOMKilled" {
            return Vec::new();
        }
        let (name, senders) = signal(number);
        let has_probe = s.container.liveness.is_some() || s.container.startup.is_some();
        let senders = if (number == 9 || number == 15) && !has_probe {
            // Without a liveness or startup probe the kubelet kills for other reasons only.
            match number {
                9 => {
                    "a node-level OOM kill, an eviction, or a stop that outlived terminationGracePeriodSeconds (the container has no liveness or startup probe)"
                }
                _ => {
                    "the kubelet stopping the container (rollout, eviction, node drain) or a process inside it — the program shut down cleanly on the signal (it has no liveness or startup probe)"
                }
            }
        } else {
            senders
        };
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let mut evidence = vec![ctx.status_evidence(
            s.pod,
            EvidenceKind::Status,
            path,
            format!("exitCode: {}, reason: {}", t.exit_code, t.reason),
            t.finished_at,
        )];
        // The last words of the stopped run: what it was doing when the signal came.
        if let Some(log) = ctx.crash_log(index) {
            if let Some(line) = log.digest.decisive(1).first() {
                evidence.push(ctx.log_evidence(log, line));
            }
        }
        let q = shell::Words::of(s);
        let mut remediation = vec![
            Remediation {
                description: "See who stopped it: the pod's Killing, Unhealthy and Evicted events".into(),
                command: Some(format!(
                    "kubectl -n {} get events --field-selector involvedObject.name={} --sort-by=.lastTimestamp",
                    q.namespace, q.pod
                )),
                mutates: false,
            },
            Remediation {
                description: "Read the last lines the stopped instance wrote".into(),
                command: Some(format!(
                    "kubectl -n {} logs {} -c {} --previous --tail=50",
                    q.namespace, q.pod, q.container
                )),
                mutates: false,
            },
        ];
        if !s.pod.node.is_empty() && number == 9 {
            remediation.push(Remediation {
                description: "Look for a node-level OOM kill (SystemOOM / OOMKilling) on its node".into(),
                command: Some(format!(
                    "kubectl get events -A --field-selector involvedObject.kind=Node,involvedObject.name={} | grep -i oom",
                    q.node
                )),
                mutates: false,
            });
        }
        vec![Diagnosis {
            strength: Strength::Generic,
            title: format!("{ns}/{}: container {c} ended by {name} (exit {})", s.workload.name, t.exit_code),
            explanation: format!(
                "The container's process was ended by {name} (exit {} = 128 + {number}, reason {}), not by an error of its own. The usual senders: {senders}. No OOM kill, probe kill or node OOM was found in the bundle to say which; it has restarted {} times.",
                t.exit_code,
                if t.reason.is_empty() { "none" } else { &t.reason },
                s.status.restart_count
            ),
            evidence,
            remediation,
            ..Diagnosis::of(&self.info, SubjectRef::Container(index))
        }]
    }
}
