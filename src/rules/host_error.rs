//! ## What it detects
//! Containers whose last run ended with exit 255 or reason `Unknown` because
//! their node or container runtime went away — a reboot, a kubelet or
//! containerd restart, a node that went NotReady — proven by node-level
//! evidence, not by the exit code alone.
//!
//! ## Why it matters
//! After a node restart every container on it shows a termination with exit
//! 255 / `Unknown` at the same moment. Read one at a time they look like
//! forty application crashes; they are one node event. Conversely, exit 255
//! on its own is also what many programs return for "-1" (an ingress
//! controller that cannot write its certificate exits 255 on a healthy
//! node), so this rule needs proof from the node before it blames it.
//!
//! ## Evidence
//! - the container's termination: exit 255 or reason `Unknown`;
//! - and at least one of: the node's `Rebooted`, `NodeNotReady` or
//!   `Starting` (kubelet) events near that time; the node not Ready now;
//!   other containers on the same node whose runs ended the same way within
//!   two minutes of it.
//!
//! ## Fix
//! Look at the node, not the application: why it rebooted or why its runtime
//! restarted (`journalctl -u kubelet -u containerd`, kernel panics, spot
//! interruptions, upgrades). The containers usually come back on their own;
//! if they keep failing after the node is healthy, another cause is at work.
//!
//! ## References
//! - https://github.com/projectcalico/calico/issues/9638 (exit 255 `Unknown` after a node restart)
//! - https://github.com/kubernetes/kube-state-metrics/issues/123 (255 after a runtime restart)

use super::shell::shell_word;
use super::{Ctx, Diagnosis, Evidence, EvidenceKind, Remediation, Rule, RuleInfo, SubjectKind, SubjectRef};

pub struct HostError {
    info: RuleInfo,
}

impl HostError {
    pub fn new() -> Self {
        HostError {
            info: RuleInfo::builtin(
                "host-error",
                "Containers ended by their node or runtime going away (exit 255 / Unknown), proven from the node",
                include_str!("host_error.rs"),
            ),
        }
    }
}

impl Default for HostError {
    fn default() -> Self {
        Self::new()
    }
}

/// Node events that say the node or its kubelet went away and came back.
const NODE_RESTART_REASONS: &[&str] = &["Rebooted", "NodeNotReady", "Starting", "NodeReady", "ContainerGCFailed"];

/// How close in time node evidence must be to the termination to explain it.
const NEAR_SECONDS: i64 = 30 * 60;

/// Runs ended within this many seconds of each other ended "at one moment".
const SAME_MOMENT_SECONDS: i64 = 120;

impl Rule for HostError {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop || s.pod.node.is_empty() {
            return Vec::new();
        }
        let (Some(t), Some(path)) = (s.last_termination(), s.termination_path()) else {
            return Vec::new();
        };
        if t.exit_code != 255 && t.reason != "Unknown" {
            return Vec::new();
        }
        let node_name = &s.pod.node;
        let near = |time: Option<crate::model::time::Time>| match (time, t.finished_at) {
            (Some(a), Some(b)) => a.seconds_until(b).abs() <= NEAR_SECONDS,
            _ => true,
        };
        let mut node_evidence: Vec<Evidence> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut restarts: Vec<_> = ctx
            .node_events(node_name)
            .filter(|e| NODE_RESTART_REASONS.contains(&e.reason.as_str()))
            // `Starting` is also kube-proxy's; only the kubelet's start says the node restarted.
            .filter(|e| e.reason != "Starting" || e.message.contains("kubelet"))
            .filter(|e| near(e.last_seen.or(e.first_seen)))
            .collect();
        // The most telling first: a reboot says more than a NotReady spell.
        restarts.sort_by_key(|e| NODE_RESTART_REASONS.iter().position(|r| *r == e.reason));
        if let Some(e) = restarts.iter().find(|e| e.reason != "NodeReady") {
            reasons.push(format!("the node logged `{}` ({})", e.reason, e.message));
            node_evidence.extend(restarts.iter().take(3).map(|e| ctx.event_evidence(e)));
        }
        if let Some(node) = ctx.node(node_name) {
            if let Some((i, ready)) = node.conditions.iter().enumerate().find(|(_, c)| c.type_ == "Ready") {
                if ready.status != "True" {
                    reasons.push(format!("the node is not Ready now ({}: {})", ready.reason, ready.message));
                    node_evidence.push(ctx.object_evidence(
                        &node.origin,
                        EvidenceKind::Status,
                        format!("status.conditions[{i}]"),
                        format!("Ready: {}, reason: {}, message: {}", ready.status, ready.reason, ready.message),
                        ready.last_transition_time,
                    ));
                }
            }
        }
        let siblings: Vec<_> = ctx
            .lost_runs(node_name)
            .iter()
            .filter(|r| !(r.pod == s.pod.name && r.namespace == s.pod.namespace && r.container == s.container.name))
            .filter(|r| match (r.finished_at, t.finished_at) {
                (Some(a), Some(b)) => a.seconds_until(b).abs() <= SAME_MOMENT_SECONDS,
                _ => false,
            })
            .collect();
        let other_pods: std::collections::BTreeSet<(&str, &str)> = siblings
            .iter()
            .filter(|r| !(r.pod == s.pod.name && r.namespace == s.pod.namespace))
            .map(|r| (r.namespace.as_str(), r.pod.as_str()))
            .collect();
        // "Many containers at one moment": at least two others, in at least
        // one other pod — one pod's own containers dying together is that pod.
        if siblings.len() >= 2 && !other_pods.is_empty() {
            let named: Vec<String> =
                siblings.iter().take(3).map(|r| format!("{}/{}/{}", r.namespace, r.pod, r.container)).collect();
            let more = if siblings.len() > 3 { format!(" and {} more", siblings.len() - 3) } else { String::new() };
            reasons.push(format!(
                "{} other container{} on the same node ended the same way within two minutes ({}{more})",
                siblings.len(),
                if siblings.len() == 1 { "" } else { "s" },
                named.join(", ")
            ));
        }
        if reasons.is_empty() {
            return Vec::new();
        }
        let mut evidence = vec![ctx.status_evidence(
            s.pod,
            EvidenceKind::Status,
            path,
            format!("exitCode: {}, reason: {}", t.exit_code, t.reason),
            t.finished_at,
        )];
        evidence.extend(node_evidence);
        let (ns, c) = (&s.pod.namespace, &s.container.name);
        let when = t.finished_at.map(|f| format!(" around {f}")).unwrap_or_default();
        vec![Diagnosis {
            title: format!("{ns}/{}: container {c} lost when node {node_name} restarted", s.workload.name),
            explanation: format!(
                "The container's run ended with exit {} (reason {}){when}, and the node explains it: {}. The application did not crash; its node or container runtime went away under it.",
                t.exit_code,
                if t.reason.is_empty() { "none" } else { &t.reason },
                reasons.join("; ")
            ),
            evidence,
            remediation: vec![
                Remediation {
                    description: "Look at the node's conditions and events".into(),
                    command: Some(format!("kubectl describe node {}", shell_word(node_name))),
                    mutates: false,
                },
                Remediation {
                    description: format!("On the node, read why it or its runtime restarted{when}"),
                    command: Some(
                        "journalctl -u kubelet -u containerd --since \"-2h\" | tail -200; last -x reboot | head".into(),
                    ),
                    mutates: false,
                },
            ],
            supersedes: vec!["terminated-by-signal".into(), "app-error".into(), "unknown-crash".into()],
            ..Diagnosis::of(&self.info, SubjectRef::Container(index))
        }]
    }
}
