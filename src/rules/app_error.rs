//! ## What it detects
//! Containers that exit with a non-zero code after logging why: a language
//! crash signature (Go `panic:`, Python traceback, Java exception, Node.js
//! error stack, Rust `panicked at`) or error/fatal-level lines (klog `E`/`F`,
//! JSON `level`, logfmt `level=fatal`, `ERROR`/`FATAL` tokens) in the log of
//! the instance that crashed. The decisive lines are quoted with their line
//! numbers.
//!
//! ## Why it matters
//! The answer is in the application's own words, but it is buried in the
//! `--previous` log of one of many replicas; people read the current log of
//! a restarted pod and find nothing. Quoting the decisive line saves that
//! search.
//!
//! ## Evidence
//! - a non-zero exit code on the last termination;
//! - the crashed instance's log (`--previous`, or the current log of a
//!   container waiting in CrashLoopBackOff, which is the run that crashed):
//!   the crash signature, else the last fatal line, else the error lines
//!   nearest the end. A crash signature proves the cause; error lines alone
//!   are reported as the likely cause.
//!
//! ## Fix
//! Read the quoted lines and fix what they name (configuration, input data,
//! code). If the failure started with a rollout, roll back first:
//! `kubectl rollout undo`.
//!
//! ## References
//! - troubleshoot.sh bundle 2022-12 (k3d): metrics-server `panic: unable to load configmap based request-header-client-ca-file`
//! - https://github.com/kubernetes/kube-state-metrics/issues/2948 (Go panic, exit 2)
//! - sbctl bundle: velero `unknown command "server-junk" for "velero"` (exit 1)

use super::shell;
use super::{Ctx, Diagnosis, Remediation, Rule, RuleInfo, RuleOrigin, Strength, SubjectKind};

/// Quoted lines per finding: enough to show a crash and its context.
const QUOTED_LINES: usize = 3;

pub struct AppError {
    info: RuleInfo,
}

impl AppError {
    pub fn new() -> Self {
        AppError {
            info: RuleInfo {
                id: "app-error".into(),
                cause: "app-error".into(),
                summary: "Application exits non-zero after logging a crash or error line".into(),
                doc: super::doc::module_doc(include_str!("app_error.rs")),
                origin: RuleOrigin::Builtin,
            },
        }
    }
}

impl Default for AppError {
    fn default() -> Self {
        Self::new()
    }
}

impl Rule for AppError {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop {
            return Vec::new();
        }
        let Some(exit) = s.last_exit_code() else { return Vec::new() };
        // 0 is a clean exit; 127/126 and 137+ have their own rules and
        // their logs rarely explain them.
        if exit == 0 {
            return Vec::new();
        }
        let Some(log) = ctx.crash_log(index) else { return Vec::new() };
        let crashed = log.digest.crashes.last();
        let has_levels = log.digest.error_lines + log.digest.fatal_lines > 0;
        if crashed.is_none() && !has_levels {
            return Vec::new();
        }
        let decisive = log.digest.decisive(QUOTED_LINES);
        if decisive.is_empty() {
            return Vec::new();
        }
        let evidence: Vec<_> = decisive.iter().map(|line| ctx.log_evidence(log, line)).collect();
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let first = decisive[0].text.chars().take(160).collect::<String>();
        let (strength, how) = match crashed {
            Some(crash) => (Strength::Proven, format!("failed with a {}", crash_name(crash.kind))),
            None => (Strength::Generic, "logged an error".to_string()),
        };
        let which = match log.which {
            super::LogWhich::Previous => "previous",
            super::LogWhich::Current => "current",
        };
        let explanation = format!(
            "The crashed instance {how} and exited with code {exit}; its {which} log says: \"{first}\". It has restarted {} times.",
            s.status.restart_count
        );
        let q = shell::Words::of(s);
        let mut remediation = vec![Remediation {
            description: "Read the crashed instance's log around the quoted lines".into(),
            command: Some(format!(
                "kubectl -n {} logs {} -c {} --previous --tail=100",
                q.namespace, q.pod, q.container
            )),
            mutates: false,
        }];
        if s.workload.kind == "Deployment" || s.workload.kind == "StatefulSet" || s.workload.kind == "DaemonSet" {
            remediation.push(Remediation {
                description: "If a rollout started the crashes, compare revisions and roll back".into(),
                command: Some(format!("kubectl -n {} rollout history {}", q.namespace, q.workload)),
                mutates: false,
            });
            remediation.push(Remediation {
                description: "Roll back to the previous revision".into(),
                command: Some(format!("kubectl -n {} rollout undo {}", q.namespace, q.workload)),
                mutates: true,
            });
        }
        vec![Diagnosis {
            strength,
            title: format!(
                "{ns}/{}: container {c} {} with code {exit}: {first}",
                s.workload.name,
                if s.state == super::FindingState::Active { "exits" } else { "exited" }
            ),
            explanation,
            evidence,
            remediation,
            ..Diagnosis::of(&self.info, super::SubjectRef::Container(index))
        }]
    }
}

fn crash_name(kind: crate::logscan::CrashKind) -> &'static str {
    use crate::logscan::CrashKind::*;
    match kind {
        GoPanic => "Go panic",
        GoFatal => "Go fatal error",
        PythonTraceback => "Python traceback",
        JavaException => "Java exception",
        NodeError => "Node.js error",
        RustPanic => "Rust panic",
        Signal => "fatal signal",
    }
}
