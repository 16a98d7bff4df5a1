//! ## What it detects
//! Containers and pods hurt by their node running out of memory, rather
//! than by their own limit:
//! - pods evicted with `The node was low on resource: memory` (and the 1.6
//!   forms `[MemoryPressure]`);
//! - crash-looping containers killed with exit 137 and reason `Error` (not
//!   `OOMKilled`) on a node that logged `SystemOOM` ("System OOM
//!   encountered, victim process: ...") or a node-problem-detector
//!   `OOMKilling` event near that time;
//! - nodes whose `MemoryPressure` condition is True at snapshot time.
//!
//! ## Why it matters
//! A system OOM kill looks like a plain SIGKILL on the pod (exit 137,
//! reason `Error`), so it is mistaken for a liveness kill or an application
//! bug; raising the victim's own limit does nothing. The fix is on the node:
//! what overcommitted it.
//!
//! ## Evidence
//! The eviction message or `Evicted` event; the node's `SystemOOM` /
//! `OOMKilling` / `EvictionThresholdMet` / `NodeHasInsufficientMemory`
//! events; the node's `MemoryPressure` condition.
//!
//! ## Fix
//! Find what uses the node's memory (`kubectl top pods -A --sort-by=memory`
//! on that node, pods without limits, limits far above requests), set
//! requests close to real usage so the scheduler does not overcommit, and
//! give the node room (kubelet `--system-reserved`, `--eviction-hard`), or
//! add nodes.
//!
//! ## References
//! - https://github.com/Dynatrace/k8s-problem-patterns/blob/main/node-pressure/README.md (SystemOOM and OOMKilling events, EKS eviction threshold)
//! - https://github.com/kubernetes/kubernetes/issues/53669 (system OOM: pod side is exit 137 with reason `Error`)
//! - https://github.com/kubernetes/kubernetes/issues/112927 (`The node was low on resource: memory.`)
//! - https://github.com/kubernetes/kubernetes/issues/48632 (1.6 `[MemoryPressure]` wording)

use super::shell::shell_word;
use super::{Ctx, Diagnosis, Evidence, EvidenceKind, Remediation, Rule, RuleInfo, SubjectKind, SubjectRef};
use regex::Regex;
use std::sync::LazyLock;

/// Which node resource ran out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Resource {
    Memory,
    Disk,
}

impl Resource {
    fn condition(self) -> &'static str {
        match self {
            Resource::Memory => "MemoryPressure",
            Resource::Disk => "DiskPressure",
        }
    }

    /// Eviction messages naming this resource, every wording seen.
    fn eviction(self) -> &'static Regex {
        static MEMORY: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)low on resource: \[?(memory|MemoryPressure)\]?|had condition: \[MemoryPressure\]")
                .expect("valid regex")
        });
        static DISK: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?i)low on resource: \[?(ephemeral-storage|imagefs|nodefs|DiskPressure)\]?|had condition: \[DiskPressure\]|ephemeral local storage usage exceeds",
            )
            .expect("valid regex")
        });
        match self {
            Resource::Memory => &MEMORY,
            Resource::Disk => &DISK,
        }
    }

    /// Node event reasons that show the pressure.
    fn node_reasons(self) -> &'static [&'static str] {
        match self {
            Resource::Memory => {
                &["SystemOOM", "OOMKilling", "PodOOMKilling", "EvictionThresholdMet", "NodeHasInsufficientMemory"]
            }
            Resource::Disk => &[
                "NodeHasDiskPressure",
                "EvictionThresholdMet",
                "FreeDiskSpaceFailed",
                "ImageGCFailed",
                "NodeHasInsufficientDisk",
            ],
        }
    }
}

pub struct NodePressure {
    info: RuleInfo,
    resource: Resource,
}

impl NodePressure {
    pub fn memory() -> Self {
        NodePressure {
            info: RuleInfo::builtin(
                "node-memory-pressure",
                "The node ran out of memory: evictions, system OOM kills, MemoryPressure",
                include_str!("node_memory_pressure.rs"),
            ),
            resource: Resource::Memory,
        }
    }

    pub fn disk() -> Self {
        NodePressure {
            info: RuleInfo::builtin(
                "node-disk-pressure",
                "The node ran out of disk: ephemeral-storage / imagefs / nodefs evictions, DiskPressure",
                include_str!("node_disk_pressure.rs"),
            ),
            resource: Resource::Disk,
        }
    }

    fn diagnosis(
        &self,
        subject: SubjectRef,
        title: String,
        explanation: String,
        evidence: Vec<Evidence>,
        remediation: Vec<Remediation>,
    ) -> Diagnosis {
        Diagnosis {
            title,
            explanation,
            evidence,
            remediation,
            supersedes: vec!["terminated-by-signal".into(), "unknown-crash".into(), "app-error".into()],
            ..Diagnosis::of(&self.info, subject)
        }
    }

    /// Steps on the node; without its name, `<node>` is left for the reader to fill in.
    fn node_remediation(&self, node: Option<&str>) -> Vec<Remediation> {
        let node = node.map_or("<node>".into(), shell_word);
        let mut out = vec![Remediation {
            description: format!(
                "Read the node's conditions, allocated resources and events ({})",
                self.resource.condition()
            ),
            command: Some(format!("kubectl describe node {node}")),
            mutates: false,
        }];
        out.push(match self.resource {
            Resource::Memory => Remediation {
                description: "Find the pods using the node's memory (pods without limits, limits far above requests)".into(),
                command: Some(format!(
                    "kubectl get pods -A --field-selector spec.nodeName={node} -o wide; kubectl top pods -A --sort-by=memory | head -20"
                )),
                mutates: false,
            },
            Resource::Disk => Remediation {
                description: "On the node, see what fills the disk: container logs, images, emptyDir volumes".into(),
                command: Some("df -h /var/lib/kubelet /var/lib/containerd /var/log; crictl images | sort -k4 -h | tail; crictl rmi --prune".into()),
                mutates: false,
            },
        });
        out
    }
}

/// How close a node event must be to a kill to explain it.
const NEAR_SECONDS: i64 = 10 * 60;

impl Rule for NodePressure {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        let (ns, node) = (&s.pod.namespace, &s.pod.node);
        let what = match self.resource {
            Resource::Memory => "memory",
            Resource::Disk => "disk",
        };
        match &s.kind {
            SubjectKind::Blocked { reason } if reason == "Evicted" => {
                let re = self.resource.eviction();
                let mut evidence = Vec::new();
                if re.is_match(&s.pod.message) {
                    evidence.push(ctx.status_evidence(
                        s.pod,
                        EvidenceKind::Status,
                        "status.message".into(),
                        format!("reason: Evicted, message: {}", s.pod.message),
                        None,
                    ));
                }
                let events: Vec<_> =
                    ctx.events_for(s).filter(|e| e.reason == "Evicted" && re.is_match(&e.message)).collect();
                evidence.extend(events.iter().take(2).map(|e| ctx.event_evidence(e)));
                if evidence.is_empty() {
                    return Vec::new();
                }
                let on = if node.is_empty() { String::new() } else { format!(" {node}") };
                let mut remediation = self.node_remediation(Some(node.as_str()).filter(|n| !n.is_empty()));
                remediation.push(Remediation {
                    description: "Set requests close to real usage so the scheduler stops overcommitting the node"
                        .into(),
                    command: Some(format!(
                        "kubectl -n {} set resources {} --requests={}",
                        shell_word(ns),
                        shell_word(&format!("{}/{}", s.workload.kind.to_lowercase(), s.workload.name)),
                        match self.resource {
                            Resource::Memory => "memory=<observed usage>",
                            Resource::Disk => "ephemeral-storage=<observed usage>",
                        }
                    )),
                    mutates: true,
                });
                vec![self.diagnosis(
                    SubjectRef::Container(index),
                    format!("{ns}/{}: pod {} evicted, node{on} low on {what}", s.workload.name, s.pod.name),
                    format!(
                        "The kubelet evicted (or refused to admit) the pod because its node{on} was low on {what}: {}. This is not a crash loop: a controller replaces the pod elsewhere, but the node will evict again until what fills it is found.",
                        if s.pod.message.is_empty() {
                            "see the Evicted event"
                        } else {
                            s.pod.message.trim().trim_end_matches('.')
                        }
                    ),
                    evidence,
                    remediation,
                )]
            }
            SubjectKind::CrashLoop if self.resource == Resource::Memory && !node.is_empty() => {
                let (Some(t), Some(path)) = (s.last_termination(), s.termination_path()) else {
                    return Vec::new();
                };
                if t.exit_code != 137 || t.reason == "OOMKilled" {
                    return Vec::new();
                }
                let mut ooms: Vec<_> = ctx
                    .node_events(node)
                    .filter(|e| matches!(e.reason.as_str(), "SystemOOM" | "OOMKilling" | "PodOOMKilling"))
                    .filter(|e| match (e.last_seen.or(e.first_seen), t.finished_at) {
                        (Some(a), Some(b)) => {
                            a.seconds_until(b).abs() <= NEAR_SECONDS
                                || e.first_seen
                                    .zip(e.last_seen)
                                    .is_some_and(|(f, l)| f.seconds_until(b) >= 0 && b.seconds_until(l) >= 0)
                        }
                        _ => true,
                    })
                    .collect();
                // The kill nearest the container's termination explains it.
                ooms.sort_by_key(|e| match (e.last_seen.or(e.first_seen), t.finished_at) {
                    (Some(a), Some(b)) => a.seconds_until(b).abs(),
                    _ => i64::MAX,
                });
                let Some(first) = ooms.first() else { return Vec::new() };
                let mut evidence = vec![ctx.status_evidence(
                    s.pod,
                    EvidenceKind::Status,
                    path,
                    format!("exitCode: {}, reason: {}", t.exit_code, t.reason),
                    t.finished_at,
                )];
                evidence.extend(ooms.iter().take(3).map(|e| ctx.event_evidence(e)));
                let c = &s.container.name;
                vec![self.diagnosis(
                    SubjectRef::Container(index),
                    format!("{ns}/{}: container {c} killed by a system OOM on node {node}", s.workload.name),
                    format!(
                        "The container was SIGKILLed (exit 137, reason {}, not OOMKilled: it did not hit its own limit) while node {node} was out of memory: `{} {}`. The kernel picked a victim on a full node; raising this container's limit will not help.",
                        if t.reason.is_empty() { "none" } else { &t.reason },
                        first.reason,
                        first.message
                    ),
                    evidence,
                    self.node_remediation(Some(node)),
                )]
            }
            _ => Vec::new(),
        }
    }

    fn diagnose_other(&self, ctx: &Ctx) -> Vec<Diagnosis> {
        let condition = self.resource.condition();
        let mut out = Vec::new();
        for (index, node) in ctx.model.nodes.iter().enumerate() {
            let Some((i, c)) = node.conditions.iter().enumerate().find(|(_, c)| c.type_ == condition) else {
                continue;
            };
            if c.status != "True" {
                continue;
            }
            let mut evidence = vec![ctx.object_evidence(
                &node.origin,
                EvidenceKind::Status,
                format!("status.conditions[{i}]"),
                format!("{condition}: True, reason: {}, message: {}", c.reason, c.message),
                c.last_transition_time,
            )];
            let mut events: Vec<_> = ctx
                .node_events(&node.name)
                .filter(|e| self.resource.node_reasons().contains(&e.reason.as_str()))
                .collect();
            events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
            evidence.extend(events.iter().take(3).map(|e| ctx.event_evidence(e)));
            let since = c.last_transition_time.map(|t| format!(" since {t}")).unwrap_or_default();
            out.push(self.diagnosis(
                SubjectRef::Node(index),
                format!("node {}: {condition}{since}", node.name),
                format!(
                    "Node {} reports {condition}{since} ({}). The kubelet evicts pods and the scheduler keeps new ones away (taint node.kubernetes.io/{}-pressure) until it clears.",
                    node.name,
                    if c.message.is_empty() { &c.reason } else { &c.message },
                    match self.resource {
                        Resource::Memory => "memory",
                        Resource::Disk => "disk",
                    }
                ),
                evidence,
                self.node_remediation(Some(&node.name)),
            ));
        }
        out
    }
}
