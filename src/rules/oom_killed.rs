//! ## What it detects
//! Containers killed by the kernel's OOM killer for exceeding their cgroup
//! memory limit: `lastState.terminated.reason: OOMKilled` (or the current
//! state, for a container that is terminated now). The finding names the
//! memory limit the container hit.
//!
//! ## Why it matters
//! An OOM kill looks like any other crash in `kubectl get pods` (exit 137,
//! CrashLoopBackOff), and the application's log usually just stops — there is
//! no error line to find. Restarts will repeat the kill until the limit or the
//! memory use changes.
//!
//! ## Evidence
//! - `reason: OOMKilled` on the container's termination (exit code 137 alone
//!   is not proof: it is any SIGKILL — a liveness kill, an eviction, a node
//!   OOM — so this rule does not fire on the exit code alone);
//! - the container's `resources.limits.memory`, quoted from the spec.
//!
//! ## Fix
//! Raise the memory limit above the working set the application needs, or
//! reduce what it uses (heap flags such as `-Xmx` below the limit, cache
//! sizes, worker counts). Check the usage trend before settling on a value:
//! a leak will hit any limit eventually.
//!
//! ## References
//! - https://github.com/crossplane/oam-kubernetes-runtime/issues/100 (30Mi default limit, OOMKilled)
//! - troubleshoot.sh bundle 2025-08-09, `test-oom/memory-hog` (50Mi limit, 100M stress)
//! - https://github.com/kubernetes/kubernetes/issues/53669 (system OOM shows reason `Error`, not `OOMKilled`)

use super::shell;
use super::{Ctx, Diagnosis, EvidenceKind, Remediation, Rule, RuleInfo, RuleOrigin, SubjectKind};
use crate::model::quantity;

pub struct OomKilled {
    info: RuleInfo,
}

impl OomKilled {
    pub fn new() -> Self {
        OomKilled {
            info: RuleInfo {
                id: "oom-killed".into(),
                cause: "oom-killed".into(),
                summary: "Container killed by the OOM killer for exceeding its memory limit".into(),
                doc: super::doc::module_doc(include_str!("oom_killed.rs")),
                origin: RuleOrigin::Builtin,
            },
        }
    }
}

impl Default for OomKilled {
    fn default() -> Self {
        Self::new()
    }
}

impl Rule for OomKilled {
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
        if t.reason != "OOMKilled" {
            return Vec::new();
        }
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let mut evidence = vec![ctx.status_evidence(
            s.pod,
            EvidenceKind::Status,
            path,
            format!("reason: OOMKilled, exitCode: {}", t.exit_code),
            t.finished_at,
        )];
        let limit = s.container.memory_limit();
        let q = shell::Words::of(s);
        let mut remediation = vec![Remediation {
            description: "Read the end of the killed instance's log (it usually just stops)".into(),
            command: Some(format!("kubectl -n {} logs {} -c {} --previous --tail=50", q.namespace, q.pod, q.container)),
            mutates: false,
        }];
        let (title, explanation) = match limit {
            Some(limit) => {
                evidence.push(ctx.status_evidence(
                    s.pod,
                    EvidenceKind::Spec,
                    format!("{}.resources.limits.memory", s.container.spec_path()),
                    format!("limits.memory: {limit}"),
                    None,
                ));
                if let Some(bigger) = quantity::doubled_memory(limit) {
                    remediation.push(Remediation {
                        description: format!(
                            "Raise the memory limit (here doubled from {limit} as a starting point; size it from the usage trend)"
                        ),
                        command: Some(if s.workload.kind == "Pod" {
                            format!("kubectl -n {} edit pod {}  # pods cannot be resized in place before 1.33: recreate it with limits.memory={bigger}", q.namespace, q.pod)
                        } else {
                            format!("kubectl -n {} set resources {} -c {} --limits=memory={bigger}", q.namespace, q.workload, q.container)
                        }),
                        mutates: true,
                    });
                }
                (
                    format!("{ns}/{}: container {c} killed for exceeding its {limit} memory limit", s.workload.name),
                    format!(
                        "The kernel OOM killer ended the container (reason OOMKilled, exit {}) because it used more than its {limit} memory limit; it has restarted {} times.",
                        t.exit_code, s.status.restart_count
                    ),
                )
            }
            None => (
                format!("{ns}/{}: container {c} OOM-killed (no memory limit set)", s.workload.name),
                format!(
                    "The kernel OOM killer ended the container (reason OOMKilled, exit {}). It has no memory limit, so the kill came from its pod's or the node's memory running out.",
                    t.exit_code
                ),
            ),
        };
        remediation.push(Remediation {
            description: "Compare current usage with the limit (needs metrics-server)".into(),
            command: Some(format!("kubectl -n {} top pod {} --containers", q.namespace, q.pod)),
            mutates: false,
        });
        vec![Diagnosis {
            title,
            explanation,
            evidence,
            remediation,
            ..Diagnosis::of(&self.info, super::SubjectRef::Container(index))
        }]
    }
}
