//! ## What it detects
//! A container that keeps exiting successfully (exit 0, reason `Completed`)
//! in a pod whose `restartPolicy` is `Always` — a one-shot program run as a
//! Deployment, DaemonSet or StatefulSet, or a server whose entrypoint returns
//! instead of staying in the foreground.
//!
//! ## Why it matters
//! Nothing in the log looks wrong, because nothing is: the program did its
//! work and finished. The kubelet restarts it anyway, backs off, and reports
//! CrashLoopBackOff. Looking for an error wastes the review's time.
//!
//! ## Evidence
//! - the last termination: `exitCode: 0`, `reason: Completed`;
//! - the pod's `spec.restartPolicy: Always` (the default for workloads).
//!
//! ## Fix
//! Run one-shot work as a Job or CronJob. For a server, keep its process in
//! the foreground: a start script that backgrounds the daemon (`&`,
//! `nginx` without `daemon off;`, `service x start`) returns at once.
//!
//! ## References
//! - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy
//! - https://github.com/kubernetes/kubernetes/issues/101044 (Completed containers restarting under restartPolicy Always)

use super::shell::{self, shell_word};
use super::{Ctx, Diagnosis, EvidenceKind, Remediation, Rule, RuleInfo, SubjectKind, SubjectRef};

/// Clean exits that make a loop when the kubelet is not backing off now.
const LOOP_RESTARTS: i64 = 3;

pub struct ExitZeroRestart {
    info: RuleInfo,
}

impl ExitZeroRestart {
    pub fn new() -> Self {
        ExitZeroRestart {
            info: RuleInfo::builtin(
                "exit-zero-restart",
                "The program exits 0 but its pod restarts it forever (restartPolicy Always)",
                include_str!("exit_zero_restart.rs"),
            ),
        }
    }
}

impl Default for ExitZeroRestart {
    fn default() -> Self {
        Self::new()
    }
}

impl Rule for ExitZeroRestart {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        // `restartPolicy` defaults to Always; an init container that exits 0 has done its job.
        let always = s.pod.restart_policy.is_empty() || s.pod.restart_policy == "Always";
        if s.kind != SubjectKind::CrashLoop || !always || s.container.init {
            return Vec::new();
        }
        let (Some(t), Some(path)) = (s.last_termination(), s.termination_path()) else {
            return Vec::new();
        };
        if t.exit_code != 0 {
            return Vec::new();
        }
        // One clean exit is a normal stop (a kubelet restart, a SIGTERM the
        // program handled); a loop is a back-off or a run of them.
        // A program that exits 0 on SIGTERM after a probe kill was stopped,
        // not finished: the probe rules explain that one.
        if ctx.events_for(s).any(|e| e.reason == "Killing" && e.message.contains(" probe")) {
            return Vec::new();
        }
        let backing_off = s.status.state.waiting_reason() == Some("CrashLoopBackOff");
        if !backing_off && s.status.restart_count < LOOP_RESTARTS {
            return Vec::new();
        }
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let mut evidence = vec![ctx.status_evidence(
            s.pod,
            EvidenceKind::Status,
            path,
            format!("exitCode: 0, reason: {}", t.reason),
            t.finished_at,
        )];
        evidence.push(ctx.status_evidence(
            s.pod,
            EvidenceKind::Spec,
            "spec.restartPolicy".into(),
            format!("restartPolicy: {}", if s.pod.restart_policy.is_empty() { "Always (default)" } else { "Always" }),
            None,
        ));
        let ran = match (t.started_at, t.finished_at) {
            (Some(a), Some(b)) => format!(" after running {}s", a.seconds_until(b).max(0)),
            _ => String::new(),
        };
        let command: Vec<&str> =
            s.container.command.iter().chain(s.container.args.iter()).map(String::as_str).collect();
        let shown = if command.is_empty() {
            "its image's default entrypoint".to_string()
        } else {
            format!("`{}`", command.join(" "))
        };
        let kind = s.workload.kind.as_str();
        let q = shell::Words::of(s);
        vec![Diagnosis {
            title: format!("{ns}/{}: container {c} exits 0 and is restarted forever (restartPolicy Always)", s.workload.name),
            explanation: format!(
                "The container finished successfully (exit 0, reason {}){ran}, but its pod's restartPolicy is Always, so the kubelet restarts it and backs off: CrashLoopBackOff without an error. It runs {shown} under a {kind}: either the work is one-shot and belongs in a Job, or the entrypoint returns instead of keeping the server in the foreground. It has restarted {} times.",
                t.reason, s.status.restart_count
            ),
            evidence,
            remediation: vec![
                Remediation {
                    description: "Confirm the program ended normally: the last lines should show it finishing, not failing".into(),
                    command: Some(format!("kubectl -n {} logs {} -c {} --previous --tail=30", q.namespace, q.pod, q.container)),
                    mutates: false,
                },
                Remediation {
                    description: "For one-shot work: run it as a Job (or CronJob) instead of a long-running workload".into(),
                    command: Some(format!(
                        "kubectl -n {} create job {} --image={} -- <command>",
                        q.namespace,
                        shell_word(&format!("{}-once", s.workload.name)),
                        shell_word(&s.container.image)
                    )),
                    mutates: true,
                },
                Remediation {
                    description: "For a server: keep its process in the foreground (no `&`, `daemon off;` for nginx, exec the server as PID 1)".into(),
                    command: None,
                    mutates: false,
                },
            ],
            ..Diagnosis::of(&self.info, SubjectRef::Container(index))
        }]
    }
}
