//! The normalised picture of a cluster that rules read.
//!
//! Ingest turns every input format into these types; rules never see JSON,
//! YAML or file layouts. Everything here is plain owned data: once built,
//! the model is shared read-only across rayon threads.

pub mod quantity;
pub mod revision;
pub mod source;
pub mod time;

use crate::ingest::wire;
use rayon::slice::ParallelSliceMut;
use source::{Origin, SourceId, Sources, Warning, WarningCode};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use time::Time;

pub use wire::{IntOrString, Probe};

/// Controllers that own pods and count as the workload in reports.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "DeploymentConfig",
];

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
    /// For a static pod's mirror: the static pod's own uid (the
    /// `kubernetes.io/config.mirror` annotation), under which the kubelet
    /// records the pod's events.
    pub static_uid: Option<String>,
    pub node: String,
    pub phase: String,
    pub reason: String,
    pub message: String,
    pub restart_policy: String,
    pub created: Option<Time>,
    pub deleted: Option<Time>,
    /// Shared: the replicas of one ReplicaSet carry the same labels, and a
    /// file's pods share one copy of each set (`decode::Partial::shrink`).
    pub labels: std::sync::Arc<BTreeMap<String, String>>,
    /// The controller owner as written on the pod (usually a ReplicaSet).
    pub owner: Option<OwnerRef>,
    pub ready: Option<bool>,
    pub conditions: Vec<PodCondition>,
    /// Init containers first, in spec order, then app containers.
    pub containers: Vec<Container>,
    pub origin: Origin,
}

/// One of `status.conditions`. Every pod has about five, with the same few
/// types, statuses and reasons: those are `Text`, shared within a file.
#[derive(Clone, Debug, Default)]
pub struct PodCondition {
    pub type_: Text,
    pub status: Text,
    pub reason: Text,
    pub message: Text,
    pub last_transition_time: Option<Time>,
}

impl From<wire::Condition> for PodCondition {
    fn from(c: wire::Condition) -> PodCondition {
        PodCondition {
            type_: c.type_.into(),
            status: c.status.into(),
            reason: c.reason.into(),
            message: c.message.into(),
            last_transition_time: c.last_transition_time,
        }
    }
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
    /// Commands, ports, resources, env and probes; `None` for the container
    /// of a quiet pod, which no rule reads them for (`Container::quiet`).
    /// Read through `Deref`: `container.env`, `container.liveness`.
    pub details: Option<Box<ContainerSpec>>,
    pub status: Option<ContainerStatus>,
}

/// The parts of a container's spec that only rules about a container in
/// trouble read. Boxed in `Container`: they are most of its size, and most
/// containers of a large bundle are quiet.
#[derive(Debug, Default)]
pub struct ContainerSpec {
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<wire::ContainerPort>,
    pub limits: BTreeMap<String, String>,
    pub requests: BTreeMap<String, String>,
    pub env: Vec<wire::EnvVar>,
    // Boxed: three probes inline are 750 bytes, most of them None.
    pub liveness: Option<Box<Probe>>,
    pub readiness: Option<Box<Probe>>,
    pub startup: Option<Box<Probe>>,
}

/// What a quiet container reads as its spec details: nothing.
static NO_DETAILS: ContainerSpec = ContainerSpec {
    command: Vec::new(),
    args: Vec::new(),
    ports: Vec::new(),
    limits: BTreeMap::new(),
    requests: BTreeMap::new(),
    env: Vec::new(),
    liveness: None,
    readiness: None,
    startup: None,
};

impl std::ops::Deref for Container {
    type Target = ContainerSpec;
    fn deref(&self) -> &ContainerSpec {
        self.details.as_deref().unwrap_or(&NO_DETAILS)
    }
}

#[derive(Debug, Clone, Default)]
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
    /// Boxed: a termination is three times the size of the other states,
    /// and most containers are running.
    Terminated(Box<Termination>),
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

    /// Running, Ready, not being deleted, and every container (no init
    /// containers) running, ready and never restarted. No symptom applies to
    /// such a pod: it becomes a subject only when a rule watches one of its
    /// containers.
    pub fn is_quiet(&self) -> bool {
        self.phase == "Running"
            && self.deleted.is_none()
            && self.ready == Some(true)
            && self.containers.iter().all(|c| {
                !c.init
                    && c.status.as_ref().is_some_and(|s| {
                        s.ready && s.restart_count == 0 && matches!(s.state, State::Running { .. } | State::Unknown)
                    })
            })
    }

    /// How much of the pod a copy carries: statuses count most, then specs.
    fn completeness(&self) -> usize {
        self.containers.iter().map(|c| 1 + 4 * usize::from(c.status.is_some())).sum()
    }

    /// The latest time this copy knows of, to prefer a later snapshot.
    fn latest(&self) -> Option<Time> {
        let states = self.containers.iter().filter_map(|c| c.status.as_ref()).flat_map(|s| [&s.state, &s.last_state]);
        states
            .filter_map(|st| match st {
                State::Running { started_at } => *started_at,
                State::Terminated(t) => t.finished_at.or(t.started_at),
                _ => None,
            })
            .chain(self.conditions.iter().filter_map(|c| c.last_transition_time))
            .max()
    }
}

/// An immutable, shareable string: 16 bytes where a `String` takes 24, no
/// spare capacity, and equal values can share one allocation
/// ([`Text::intern`]). A full-size bundle holds hundreds of thousands of
/// events of ten strings each, six of which (namespace, kind, reason, type,
/// component, host) repeat. Compares with `str` and `String` as a string does.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(std::sync::Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Makes this text share the allocation of an equal one seen before.
    pub fn intern(&mut self, seen: &mut std::collections::HashSet<Text>) {
        match seen.get(self.as_str()) {
            Some(shared) => *self = shared.clone(),
            None => {
                seen.insert(self.clone());
            }
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s.into())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.into())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0.to_string()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

/// The pods whose events no reader asks for: quiet pods (`Pod::is_quiet`)
/// with no watched container. Events are read for a subject's pod, for pods
/// no longer in the bundle, and for nodes — never for a quiet, unwatched pod
/// that is present. On a large bundle these are most events (a healthy
/// pod's Scheduled, Pulling, Pulled, Created, Started), and dropping them as
/// they are parsed keeps them out of memory (ARCHITECTURE.md, "model").
#[derive(Debug, Default)]
pub struct UnreadEvents {
    /// Namespace → pod names.
    pods: std::collections::HashMap<String, std::collections::HashSet<String>>,
}

impl UnreadEvents {
    /// From pods as read, several copies of one pod included: a pod counts
    /// only when every copy is quiet and unwatched, as the copy that wins the
    /// merge (`Model::finish`) is one of them.
    pub fn of_copies<'a>(
        pods: impl Iterator<Item = &'a Pod>,
        watched: &dyn Fn(&Pod, &Container) -> bool,
    ) -> UnreadEvents {
        let mut all_quiet: BTreeMap<(&str, &str), bool> = BTreeMap::new();
        for pod in pods {
            *all_quiet.entry((&pod.namespace, &pod.name)).or_insert(true) &= UnreadEvents::unread(pod, watched);
        }
        let mut unread = UnreadEvents::default();
        for ((namespace, name), quiet) in all_quiet {
            if quiet {
                unread.pods.entry(namespace.to_string()).or_default().insert(name.to_string());
            }
        }
        unread
    }

    /// Whether nothing reads about `pod` beyond what the model keeps anyway:
    /// it is quiet and no rule watches any of its containers.
    pub fn unread(pod: &Pod, watched: &dyn Fn(&Pod, &Container) -> bool) -> bool {
        pod.is_quiet() && !pod.containers.iter().any(|c| watched(pod, c))
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
    }

    /// Whether `event` is about one of these pods.
    pub fn covers(&self, event: &Event) -> bool {
        event.object_kind == "Pod"
            && self.pods.get(event.namespace.as_str()).is_some_and(|names| names.contains(event.object_name.as_str()))
    }

    /// Whether the pod `namespace/name` is one of these.
    pub fn has_pod(&self, namespace: &str, name: &str) -> bool {
        self.pods.get(namespace).is_some_and(|names| names.contains(name))
    }
}

/// One event, whichever API it came from.
#[derive(Debug)]
pub struct Event {
    pub namespace: Text,
    pub object_kind: Text,
    pub object_name: Text,
    pub object_uid: Text,
    /// `spec.containers{name}` when the event is about one container.
    pub field_path: Text,
    pub reason: Text,
    pub message: Text,
    pub type_: Text,
    pub count: i64,
    pub first_seen: Option<Time>,
    pub last_seen: Option<Time>,
    pub component: Text,
    pub host: Text,
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
/// the rules that need a log, so untouched logs cost nothing — except in an
/// archive, which streams once: there each log is scanned as it passes.
#[derive(Debug, Default, Clone)]
pub struct ContainerLogs {
    pub current: Option<LogFile>,
    pub previous: Option<LogFile>,
    /// must-gather's `previous.insecure.log`, used when `previous` is empty.
    pub previous_insecure: Option<LogFile>,
}

impl ContainerLogs {
    /// The previous instance's log: `previous`, else its insecure retry.
    pub fn previous(&self) -> Option<&LogFile> {
        match (&self.previous, &self.previous_insecure) {
            (Some(p), Some(i)) if p.size < 3 && i.size >= 3 => Some(i),
            (Some(p), _) => Some(p),
            (None, i) => i.as_ref(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogFile {
    pub source: SourceId,
    pub location: LogLocation,
    pub size: u64,
    /// Lines before the log's first line in its file (a block of a
    /// `cluster-info dump` logs.txt starts after its marker line).
    pub line_offset: u64,
    /// Why the collector wrote no log (kubectl's fetch error in a dump).
    pub fetch_error: Option<String>,
}

#[derive(Debug, Clone)]
pub enum LogLocation {
    File(std::path::PathBuf),
    /// A byte range of a file: one container's block of a dump's logs.txt.
    FileRange {
        path: std::path::PathBuf,
        start: u64,
        end: u64,
    },
    /// Already scanned while an archive streamed past.
    Scanned(std::sync::Arc<crate::logscan::LogDigest>),
    /// Held in memory (a block of a `cluster-info dump` read from stdin).
    Memory(std::sync::Arc<[u8]>),
}

impl LogLocation {
    /// The log's bytes as a buffered stream; `None` for a log already
    /// scanned (only its digest was kept).
    pub fn open(&self) -> Option<std::io::Result<Box<dyn std::io::BufRead + Send + '_>>> {
        use std::io::{BufReader, Read, Seek, SeekFrom};
        const BUFFER: usize = 256 * 1024;
        Some(match self {
            LogLocation::Scanned(_) => return None,
            LogLocation::Memory(bytes) => Ok(Box::new(&bytes[..])),
            LogLocation::File(path) => {
                std::fs::File::open(path).map(|f| Box::new(BufReader::with_capacity(BUFFER, f)) as Box<_>)
            }
            LogLocation::FileRange { path, start, end } => std::fs::File::open(path).and_then(|mut f| {
                f.seek(SeekFrom::Start(*start))?;
                Ok(Box::new(BufReader::with_capacity(BUFFER, f.take(end.saturating_sub(*start)))) as Box<_>)
            }),
        })
    }
}

/// A CI/IaC job log given as an input, kept for the rules that read them.
#[derive(Debug, Clone)]
pub struct PipelineLog {
    pub source: SourceId,
    pub location: LogLocation,
    pub size: u64,
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
    /// Boxed: the merge and the sort move pointers, not 384-byte pods.
    pub pods: Vec<Box<Pod>>,
    /// Without the events of quiet pods no rule watches ([`UnreadEvents`]):
    /// a new reader of events about other pods than subjects, pods gone from
    /// the bundle and nodes must widen that rule first.
    pub events: Vec<Event>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    /// ReplicaSets and ControllerRevisions with their pod templates.
    pub revisions: Vec<revision::Revision>,
    pub logs: BTreeMap<ContainerKey, ContainerLogs>,
    pub pipeline_logs: Vec<PipelineLog>,
    pub warnings: Vec<Warning>,
    /// Timestamp from bundle metadata, when the layout records one.
    pub metadata_time: Option<Time>,
    /// Latest timestamp seen anywhere in the data.
    pub latest_time: Option<Time>,
}

impl Model {
    /// Makes lookups deterministic whatever order files were parsed in, and
    /// merges what several files or inputs say about the same object.
    pub fn finish(&mut self) {
        // The same pod seen twice (in a list and as a single file, or in two
        // inputs) counts once: the most complete, then the latest copy wins.
        // Copies of one pod are rare, so the costlier keys (a walk over the
        // containers) are compared only between them; rayon's sort is stable.
        self.pods.par_sort_by(|a, b| {
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)).then_with(|| {
                (Reverse(a.completeness()), Reverse(a.latest()), a.origin.source).cmp(&(
                    Reverse(b.completeness()),
                    Reverse(b.latest()),
                    b.origin.source,
                ))
            })
        });
        self.pods.dedup_by(|later, earlier| later.namespace == earlier.namespace && later.name == earlier.name);
        self.events.par_sort_by(|a, b| {
            (
                &a.namespace,
                &a.object_name,
                a.first_seen,
                &a.reason,
                &a.message,
                a.last_seen,
                a.origin.source,
                a.origin.line,
            )
                .cmp(&(
                    &b.namespace,
                    &b.object_name,
                    b.first_seen,
                    &b.reason,
                    &b.message,
                    b.last_seen,
                    b.origin.source,
                    b.origin.line,
                ))
        });
        // An event exported twice keeps the copy with the highest count.
        self.events.dedup_by(|later, earlier| {
            let same = later.namespace == earlier.namespace
                && later.object_name == earlier.object_name
                && later.reason == earlier.reason
                && later.message == earlier.message
                && later.first_seen == earlier.first_seen;
            if same && later.count > earlier.count {
                std::mem::swap(later, earlier);
            }
            same
        });
        self.nodes.sort_by(|a, b| a.name.cmp(&b.name));
        self.nodes.dedup_by(|a, b| a.name == b.name);
        self.workloads.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
        self.workloads.dedup_by(|a, b| a.kind == b.kind && a.namespace == b.namespace && a.name == b.name);
        // A copy that lost its template (a list without `spec`) loses to one that has it.
        let key = |r: &revision::Revision| {
            (r.namespace.clone(), r.name.clone(), r.kind, std::cmp::Reverse(r.template_containers()))
        };
        self.revisions.sort_by_cached_key(key);
        self.revisions.dedup_by(|a, b| a.kind == b.kind && a.namespace == b.namespace && a.name == b.name);
        self.resolve_loose_logs();
        self.warnings.sort();
        self.warnings.dedup();
    }

    /// Loose `kubectl logs` files name a pod and container but no namespace:
    /// they belong to the one pod of that name. An ambiguous or unknown pod
    /// is reported, not guessed.
    fn resolve_loose_logs(&mut self) {
        let loose: Vec<ContainerKey> = self.logs.keys().filter(|k| k.namespace.is_empty()).cloned().collect();
        for key in loose {
            let Some(logs) = self.logs.remove(&key) else { continue };
            let owners: Vec<&Pod> = self.pods.iter().map(|p| &**p).filter(|p| p.name == key.pod).collect();
            let source = logs.current.as_ref().or(logs.previous.as_ref()).map(|f| self.sources.get(f.source).clone());
            match owners.as_slice() {
                [pod] => {
                    let resolved = ContainerKey { namespace: pod.namespace.clone(), ..key };
                    let entry = self.logs.entry(resolved).or_default();
                    entry.current = entry.current.take().or(logs.current);
                    entry.previous = entry.previous.take().or(logs.previous);
                }
                found => {
                    if let Some(source) = source {
                        let why = if found.is_empty() {
                            "no pod of that name was found in the inputs"
                        } else {
                            "pods of that name exist in several namespaces"
                        };
                        self.warnings.push(Warning {
                            code: WarningCode::MissingLog,
                            input: source.input,
                            source: source.path,
                            message: format!(
                                "log of pod {} container {} not attached: {why}; name the file <namespace>_<pod>_<container>.log or use --logs-for",
                                key.pod, key.container
                            ),
                        });
                    }
                }
            }
        }
    }

    /// Drops the events of pods no reader will ask about (see [`UnreadEvents`]),
    /// once the pods are final (`finish`). Ingest already drops most of them
    /// as they are parsed; this makes the result the same whatever the input's
    /// shape or order.
    pub fn drop_unread_events(&mut self, watched: &dyn Fn(&Pod, &Container) -> bool) {
        let unread = UnreadEvents::of_copies(self.pods.iter().map(|p| &**p), watched);
        if !unread.is_empty() {
            self.events.retain(|e| !unread.covers(e));
        }
    }

    pub fn workload(&self, kind: &str, namespace: &str, name: &str) -> Option<&Workload> {
        let key = (kind, namespace, name);
        self.workloads
            .binary_search_by(|w| (w.kind.as_str(), w.namespace.as_str(), w.name.as_str()).cmp(&key))
            .ok()
            .map(|i| &self.workloads[i])
    }

    /// Follows the owner chain to the workload controller: Pod → ReplicaSet
    /// → Deployment, Pod → Job → CronJob. The chain stops at workload kinds:
    /// OpenShift owns operator Deployments by `ClusterVersion/version`, and a
    /// static pod's mirror is owned by its `Node` — neither is the workload.
    /// A ReplicaSet whose object was not exported still maps to its
    /// Deployment through the pod-template-hash naming convention.
    pub fn top_owner(&self, pod: &Pod) -> OwnerRef {
        let itself = || OwnerRef { kind: "Pod".into(), name: pod.name.clone() };
        let Some(mut current) = pod.owner.clone().filter(|o| WORKLOAD_KINDS.contains(&o.kind.as_str())) else {
            return itself();
        };
        while matches!(current.kind.as_str(), "ReplicaSet" | "Job") {
            match self.workload(&current.kind, &pod.namespace, &current.name) {
                Some(w) => match w.owner.as_ref().filter(|o| matches!(o.kind.as_str(), "Deployment" | "CronJob")) {
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

    /// Events about pods named `<prefix>...` in `namespace` that are not in
    /// the bundle any more: earlier replicas of a ReplicaSet (`velero-6996dd565b-`)
    /// that crashed and were replaced. Their events outlive them by an hour.
    pub fn events_of_gone_pods<'a>(
        &'a self,
        namespace: &'a str,
        prefix: String,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        let start = self
            .events
            .partition_point(|e| (e.namespace.as_str(), e.object_name.as_str()) < (namespace, prefix.as_str()));
        self.events[start..]
            .iter()
            .take_while(move |e| e.namespace == namespace && e.object_name.starts_with(prefix.as_str()))
            .filter(move |e| {
                // Pods are sorted by namespace and name (`finish`).
                e.object_kind == "Pod"
                    && self
                        .pods
                        .binary_search_by(|p| {
                            (p.namespace.as_str(), p.name.as_str()).cmp(&(&e.namespace, &e.object_name))
                        })
                        .is_err()
            })
    }

    pub fn events_for_pod<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = &'a Event> + 'a {
        let start = self.events.partition_point(|e| {
            (e.namespace.as_str(), e.object_name.as_str()) < (pod.namespace.as_str(), pod.name.as_str())
        });
        self.events[start..]
            .iter()
            .take_while(move |e| e.namespace == pod.namespace && e.object_name == pod.name)
            .filter(move |e| {
                e.object_kind == "Pod"
                    && (e.object_uid.is_empty()
                        || pod.uid.is_empty()
                        || e.object_uid == pod.uid
                        || pod.static_uid.as_deref() == Some(e.object_uid.as_str()))
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
