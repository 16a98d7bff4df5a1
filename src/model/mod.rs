//! The normalised picture of a cluster that rules read.
//!
//! Ingest turns every input format into these types; rules never see JSON,
//! YAML or file layouts. Everything here is plain owned data: once built,
//! the model is shared read-only across rayon threads.

pub mod quantity;
pub mod source;
pub mod time;

use crate::ingest::wire;
use source::{Origin, SourceId, Sources, Warning};
use std::collections::BTreeMap;
use time::Time;

pub use wire::{IntOrString, Probe};

/// Identifies one container across the model: namespace, pod, container.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerKey {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

#[derive(Debug)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub node: String,
    pub phase: String,
    pub reason: String,
    pub message: String,
    pub restart_policy: String,
    pub created: Option<Time>,
    pub deleted: Option<Time>,
    pub labels: BTreeMap<String, String>,
    /// The controller owner as written on the pod (usually a ReplicaSet).
    pub owner: Option<OwnerRef>,
    pub ready: Option<bool>,
    pub conditions: Vec<wire::Condition>,
    /// Init containers first, in spec order, then app containers.
    pub containers: Vec<Container>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
}

#[derive(Debug)]
pub struct Container {
    pub name: String,
    pub init: bool,
    /// Index in `spec.containers` / `spec.initContainers`: the JSON path of evidence.
    pub spec_index: usize,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<wire::ContainerPort>,
    pub limits: BTreeMap<String, String>,
    pub requests: BTreeMap<String, String>,
    pub env: Vec<wire::EnvVar>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub status: Option<ContainerStatus>,
}

#[derive(Debug)]
pub struct ContainerStatus {
    /// Index in `status.containerStatuses` / `status.initContainerStatuses`.
    pub index: usize,
    pub ready: bool,
    pub restart_count: i64,
    pub image: String,
    pub state: State,
    pub last_state: State,
}

#[derive(Debug, Clone, Default)]
pub enum State {
    #[default]
    Unknown,
    Waiting {
        reason: String,
        message: String,
    },
    Running {
        started_at: Option<Time>,
    },
    Terminated(Termination),
}

#[derive(Debug, Clone, Default)]
pub struct Termination {
    pub exit_code: i64,
    pub signal: Option<i64>,
    pub reason: String,
    pub message: String,
    pub started_at: Option<Time>,
    pub finished_at: Option<Time>,
}

impl State {
    pub fn terminated(&self) -> Option<&Termination> {
        match self {
            State::Terminated(t) => Some(t),
            _ => None,
        }
    }
    pub fn waiting_reason(&self) -> Option<&str> {
        match self {
            State::Waiting { reason, .. } => Some(reason),
            _ => None,
        }
    }
    /// The JSON key of this state, for evidence paths.
    pub fn key(&self) -> &'static str {
        match self {
            State::Unknown => "",
            State::Waiting { .. } => "waiting",
            State::Running { .. } => "running",
            State::Terminated(_) => "terminated",
        }
    }
}

impl Container {
    pub fn memory_limit(&self) -> Option<&str> {
        self.limits.get("memory").map(String::as_str)
    }
    pub fn restarts(&self) -> i64 {
        self.status.as_ref().map_or(0, |s| s.restart_count)
    }
    /// JSON path of this container's status entry.
    pub fn status_path(&self) -> Option<String> {
        let status = self.status.as_ref()?;
        let list = if self.init { "initContainerStatuses" } else { "containerStatuses" };
        Some(format!("status.{list}[{}]", status.index))
    }
    pub fn spec_path(&self) -> String {
        let list = if self.init { "initContainers" } else { "containers" };
        format!("spec.{list}[{}]", self.spec_index)
    }
}

impl Pod {
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
}

/// One event, whichever API it came from.
#[derive(Debug)]
pub struct Event {
    pub namespace: String,
    pub object_kind: String,
    pub object_name: String,
    pub object_uid: String,
    /// `spec.containers{name}` when the event is about one container.
    pub field_path: String,
    pub reason: String,
    pub message: String,
    pub type_: String,
    pub count: i64,
    pub first_seen: Option<Time>,
    pub last_seen: Option<Time>,
    pub component: String,
    pub host: String,
    pub origin: Origin,
}

impl Event {
    /// The container this event names through its fieldPath, if any.
    pub fn container(&self) -> Option<&str> {
        let start = self.field_path.find('{')?;
        let end = self.field_path.rfind('}')?;
        (end > start).then(|| &self.field_path[start + 1..end])
    }
}

#[derive(Debug)]
pub struct Node {
    pub name: String,
    pub conditions: Vec<wire::Condition>,
    pub kubelet_version: String,
    pub architecture: String,
    pub origin: Origin,
}

impl Node {
    pub fn is_ready(&self) -> Option<bool> {
        self.conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status == "True")
    }
}

/// A controller object: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob.
#[derive(Debug)]
pub struct Workload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub owner: Option<OwnerRef>,
    pub replicas: Option<i64>,
    pub ready_replicas: Option<i64>,
    pub origin: Origin,
}

/// Where a container's logs are, as found by ingest. Reading is deferred to
/// the rules that need a log, so untouched logs cost nothing.
#[derive(Debug, Default, Clone)]
pub struct ContainerLogs {
    pub current: Option<LogFile>,
    pub previous: Option<LogFile>,
}

#[derive(Debug, Clone)]
pub struct LogFile {
    pub source: SourceId,
    pub location: LogLocation,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub enum LogLocation {
    File(std::path::PathBuf),
}

/// How the snapshot time was established (report contract: `snapshot_time_basis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasis {
    BundleMetadata,
    LatestTimestamp,
    Flag,
}

#[derive(Debug, Default)]
pub struct Model {
    pub sources: Sources,
    pub pods: Vec<Pod>,
    pub events: Vec<Event>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    pub logs: BTreeMap<ContainerKey, ContainerLogs>,
    pub warnings: Vec<Warning>,
    /// Timestamp from bundle metadata, when the layout records one.
    pub metadata_time: Option<Time>,
    /// Latest timestamp seen anywhere in the data.
    pub latest_time: Option<Time>,
}

impl Model {
    /// Makes lookups deterministic whatever order files were parsed in.
    pub fn finish(&mut self) {
        self.pods
            .sort_by(|a, b| (&a.namespace, &a.name, a.origin.source).cmp(&(&b.namespace, &b.name, b.origin.source)));
        // The same pod seen twice (in a list and as a single file) counts once.
        self.pods.dedup_by(|later, earlier| later.namespace == earlier.namespace && later.name == earlier.name);
        self.events.sort_by(|a, b| {
            (&a.namespace, &a.object_name, a.first_seen, &a.reason, &a.message, a.origin.source, a.origin.line).cmp(&(
                &b.namespace,
                &b.object_name,
                b.first_seen,
                &b.reason,
                &b.message,
                b.origin.source,
                b.origin.line,
            ))
        });
        self.nodes.sort_by(|a, b| a.name.cmp(&b.name));
        self.nodes.dedup_by(|a, b| a.name == b.name);
        self.workloads.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
        self.workloads.dedup_by(|a, b| a.kind == b.kind && a.namespace == b.namespace && a.name == b.name);
        self.warnings.sort();
        self.warnings.dedup();
    }

    pub fn workload(&self, kind: &str, namespace: &str, name: &str) -> Option<&Workload> {
        let key = (kind, namespace, name);
        self.workloads
            .binary_search_by(|w| (w.kind.as_str(), w.namespace.as_str(), w.name.as_str()).cmp(&key))
            .ok()
            .map(|i| &self.workloads[i])
    }

    /// Follows the owner chain to the top-level controller: Pod → ReplicaSet →
    /// Deployment, Pod → Job → CronJob. A ReplicaSet whose object was not
    /// exported still maps to its Deployment through the pod-template-hash
    /// naming convention, because bundles often omit ReplicaSets.
    pub fn top_owner(&self, pod: &Pod) -> OwnerRef {
        let Some(mut current) = pod.owner.clone() else {
            return OwnerRef { kind: "Pod".into(), name: pod.name.clone() };
        };
        for _ in 0..8 {
            match self.workload(&current.kind, &pod.namespace, &current.name) {
                Some(w) => match &w.owner {
                    Some(next) => current = next.clone(),
                    None => break,
                },
                None => {
                    if current.kind == "ReplicaSet" {
                        if let Some(hash) = pod.labels.get("pod-template-hash") {
                            if let Some(base) = current.name.strip_suffix(&format!("-{hash}")) {
                                current = OwnerRef { kind: "Deployment".into(), name: base.to_string() };
                            }
                        }
                    }
                    break;
                }
            }
        }
        current
    }

    pub fn events_for_pod<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = &'a Event> + 'a {
        let start = self.events.partition_point(|e| {
            (e.namespace.as_str(), e.object_name.as_str()) < (pod.namespace.as_str(), pod.name.as_str())
        });
        self.events[start..]
            .iter()
            .take_while(move |e| e.namespace == pod.namespace && e.object_name == pod.name)
            .filter(move |e| {
                e.object_kind == "Pod" && (e.object_uid.is_empty() || pod.uid.is_empty() || e.object_uid == pod.uid)
            })
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.binary_search_by(|n| n.name.as_str().cmp(name)).ok().map(|i| &self.nodes[i])
    }

    pub fn note_time(&mut self, t: Option<Time>) {
        if let Some(t) = t {
            if self.latest_time.is_none_or(|l| t > l) {
                self.latest_time = Some(t);
            }
        }
    }
}

pub use source::WarningCode;
