//! Lean serde mirrors of the Kubernetes objects podmortem reads.
//!
//! Only the fields rules need are declared; serde skips everything else
//! (managedFields, volumes, tolerations...) without building a tree, which is
//! what keeps a 1 GB PodList cheap to parse. Every field has a default so an
//! export that omits one (kubectl drops empty fields, some dumps drop `kind`)
//! still deserializes. The same structs read JSON and YAML.

use crate::model::time::Time;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;

thread_local! {
    /// Timestamps of the object being parsed on this thread that are not
    /// RFC 3339 at all, for [`take_bad_times`].
    static BAD_TIMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A timestamp read leniently, as [`crate::model::time::lenient`]: one odd
/// field must not cost the object. But a value that is not a timestamp at
/// all is damage worth a warning, so it is noted for the caller, which
/// parses one object per call on one thread ([`take_bad_times`]). Empty
/// strings and valid times Kubernetes uses for "none" (Go's zero time,
/// 0001-01-01) are not noted.
fn lenient<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Time>, D::Error> {
    struct Noted;
    impl<'de> serde::de::Visitor<'de> for Noted {
        type Value = Option<Time>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a timestamp")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let time = Time::parse(text);
            let trimmed = text.trim();
            if time.is_none() && !trimmed.is_empty() && chrono::DateTime::parse_from_rfc3339(trimmed).is_err() {
                BAD_TIMES.with(|bad| bad.borrow_mut().push(text.chars().take(64).collect()));
            }
            Ok(time)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(Noted)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
            BAD_TIMES.with(|bad| bad.borrow_mut().push(n.to_string()));
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
            BAD_TIMES.with(|bad| bad.borrow_mut().push(n.to_string()));
            Ok(None)
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
            BAD_TIMES.with(|bad| bad.borrow_mut().push(n.to_string()));
            Ok(None)
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
            BAD_TIMES.with(|bad| bad.borrow_mut().push(b.to_string()));
            Ok(None)
        }
    }
    deserializer.deserialize_any(Noted)
}

/// The timestamps noted as unreadable on this thread since the last call.
pub fn take_bad_times() -> Vec<String> {
    BAD_TIMES.with(|bad| std::mem::take(&mut *bad.borrow_mut()))
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    #[serde(deserialize_with = "lenient")]
    pub creation_timestamp: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub deletion_timestamp: Option<Time>,
    #[serde(deserialize_with = "null_as_default")]
    pub labels: BTreeMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    pub annotations: BTreeMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    pub owner_references: Vec<OwnerReference>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

/// Kind and apiVersion alone: read first to route a document or list item.
#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct TypeMeta {
    pub kind: Option<String>,
    pub api_version: Option<String>,
}

// ---------------------------------------------------------------- Pod

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

/// A pod without its containers' specs beyond name and image: what a quiet
/// pod keeps (`decode::pod_is_quiet`). Most pods of a large bundle are
/// quiet, and skipping env, probes, ports and resources unallocated is a
/// third of the cost of parsing them.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct LeanPod {
    pub metadata: ObjectMeta,
    pub spec: LeanPodSpec,
    pub status: PodStatus,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct LeanPodSpec {
    pub node_name: String,
    pub restart_policy: String,
    #[serde(deserialize_with = "null_as_default")]
    pub containers: Vec<LeanContainer>,
    #[serde(deserialize_with = "null_as_default")]
    pub init_containers: Vec<LeanContainer>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct LeanContainer {
    pub name: String,
    pub image: String,
}

impl LeanPod {
    pub fn into_pod(self) -> Pod {
        let container = |c: LeanContainer| Container { name: c.name, image: c.image, ..Container::default() };
        Pod {
            metadata: self.metadata,
            spec: PodSpec {
                node_name: self.spec.node_name,
                restart_policy: self.spec.restart_policy,
                containers: self.spec.containers.into_iter().map(container).collect(),
                init_containers: self.spec.init_containers.into_iter().map(container).collect(),
            },
            status: self.status,
        }
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    pub node_name: String,
    pub restart_policy: String,
    #[serde(deserialize_with = "null_as_default")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "null_as_default")]
    pub init_containers: Vec<Container>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(deserialize_with = "null_as_default")]
    pub command: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub ports: Vec<ContainerPort>,
    pub resources: Resources,
    #[serde(deserialize_with = "null_as_default")]
    pub env: Vec<EnvVar>,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    /// `Always` on an init container marks a native sidecar (1.28+).
    pub restart_policy: Option<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i64,
    pub protocol: Option<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Resources {
    #[serde(deserialize_with = "quantity_map")]
    pub limits: BTreeMap<String, String>,
    #[serde(deserialize_with = "quantity_map")]
    pub requests: BTreeMap<String, String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub value_from: Option<EnvVarSource>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvVarSource {
    pub secret_key_ref: Option<KeyRef>,
    pub config_map_key_ref: Option<KeyRef>,
    pub field_ref: Option<FieldRef>,
    pub resource_field_ref: Option<ResourceFieldRef>,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct FieldRef {
    pub field_path: String,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceFieldRef {
    pub container_name: String,
    pub resource: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct KeyRef {
    pub name: String,
    pub key: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Probe {
    pub http_get: Option<HttpGetAction>,
    pub tcp_socket: Option<PortAction>,
    pub grpc: Option<PortAction>,
    pub exec: Option<ExecAction>,
    pub initial_delay_seconds: Option<i64>,
    pub period_seconds: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub failure_threshold: Option<i64>,
    pub success_threshold: Option<i64>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct HttpGetAction {
    pub path: Option<String>,
    pub port: Option<IntOrString>,
    pub scheme: Option<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct PortAction {
    pub port: Option<IntOrString>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ExecAction {
    #[serde(deserialize_with = "null_as_default")]
    pub command: Vec<String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(n) => write!(f, "{n}"),
            IntOrString::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: String,
    pub reason: String,
    pub message: String,
    #[serde(deserialize_with = "lenient")]
    pub start_time: Option<Time>,
    #[serde(deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "null_as_default")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "null_as_default")]
    pub init_container_statuses: Vec<ContainerStatus>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    #[serde(deserialize_with = "lenient")]
    pub last_transition_time: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub last_heartbeat_time: Option<Time>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    pub state: ContainerState,
    pub last_state: ContainerState,
    pub ready: bool,
    pub restart_count: i64,
    pub image: String,
    pub started: Option<bool>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ContainerState {
    pub waiting: Option<StateWaiting>,
    pub running: Option<StateRunning>,
    pub terminated: Option<StateTerminated>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct StateWaiting {
    pub reason: String,
    pub message: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct StateRunning {
    #[serde(deserialize_with = "lenient")]
    pub started_at: Option<Time>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct StateTerminated {
    pub exit_code: i64,
    pub signal: Option<i64>,
    pub reason: String,
    pub message: String,
    #[serde(deserialize_with = "lenient")]
    pub started_at: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub finished_at: Option<Time>,
}

// ---------------------------------------------------------------- Event

/// Both event APIs in one struct: core/v1 (`involvedObject`, `count`,
/// `firstTimestamp`...) and events.k8s.io/v1 (`regarding`, `note`, `series`,
/// `deprecated*`). Normalised into `model::Event`.
#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct Event {
    pub metadata: ObjectMeta,
    pub involved_object: Option<ObjectReference>,
    pub regarding: Option<ObjectReference>,
    pub reason: String,
    pub message: Option<String>,
    pub note: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
    pub count: Option<i64>,
    pub deprecated_count: Option<i64>,
    pub series: Option<EventSeries>,
    #[serde(deserialize_with = "lenient")]
    pub first_timestamp: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub last_timestamp: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub deprecated_first_timestamp: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub deprecated_last_timestamp: Option<Time>,
    #[serde(deserialize_with = "lenient")]
    pub event_time: Option<Time>,
    pub source: Option<EventSource>,
    pub deprecated_source: Option<EventSource>,
    pub reporting_component: Option<String>,
    pub reporting_controller: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectReference {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub field_path: String,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct EventSeries {
    pub count: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub last_observed_time: Option<Time>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct EventSource {
    pub component: String,
    pub host: String,
}

// ---------------------------------------------------------------- Node

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct Node {
    pub metadata: ObjectMeta,
    pub status: NodeStatus,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
    pub node_info: NodeInfo,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct NodeInfo {
    pub kubelet_version: String,
    pub architecture: String,
    pub container_runtime_version: String,
}

// ---------------------------------------------------------------- Workloads

/// Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob: the owner
/// chain and readiness counters are all the spine needs of them.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct Workload {
    pub metadata: ObjectMeta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct WorkloadSpec {
    pub replicas: Option<i64>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadStatus {
    pub replicas: Option<i64>,
    pub ready_replicas: Option<i64>,
    pub available_replicas: Option<i64>,
    pub number_ready: Option<i64>,
    pub desired_number_scheduled: Option<i64>,
}

// ---------------------------------------------------------------- Revisions

/// A ReplicaSet: a Deployment's revision. Read as a workload too; the
/// template is what `trigger` compares between revisions. `T` is how the
/// template is read: in full, or as a [`TemplateOutline`] when it can be
/// read again from its file later (`model::revision::LazyTemplate`).
#[derive(Deserialize, Default, Debug)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct ReplicaSet<T = PodTemplateSpec> {
    pub metadata: ObjectMeta,
    pub spec: ReplicaSetSpec<T>,
    pub status: WorkloadStatus,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct ReplicaSetSpec<T = PodTemplateSpec> {
    pub replicas: Option<i64>,
    pub template: Option<T>,
}

/// `apps/v1 ControllerRevision`: a DaemonSet's or StatefulSet's revision.
/// `data` is a strategic-merge patch `{"spec":{"template":{..., "$patch":"replace"}}}`;
/// other owners (KubeVirt...) store other shapes, which leave `template` empty.
/// `T` as for [`ReplicaSet`].
#[derive(Deserialize, Default, Debug)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct ControllerRevision<T = PodTemplateSpec> {
    pub metadata: ObjectMeta,
    pub data: Option<RevisionData<T>>,
    pub revision: Option<i64>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct RevisionData<T = PodTemplateSpec> {
    pub spec: Option<RevisionDataSpec<T>>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct RevisionDataSpec<T = PodTemplateSpec> {
    pub template: Option<T>,
}

/// A pod template skipped unread but for how many containers it has: all a
/// revision needs of its template until `trigger` compares it. `IgnoredAny`
/// is zero-sized, so the lists count without allocating.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct TemplateOutline {
    spec: TemplateOutlineSpec,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
struct TemplateOutlineSpec {
    #[serde(deserialize_with = "null_as_default")]
    containers: Vec<serde::de::IgnoredAny>,
    #[serde(deserialize_with = "null_as_default")]
    init_containers: Vec<serde::de::IgnoredAny>,
}

impl TemplateOutline {
    /// Containers and init containers, as `PodTemplate::containers` counts them.
    pub fn containers(&self) -> usize {
        self.spec.containers.len() + self.spec.init_containers.len()
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct PodTemplateSpec {
    pub metadata: ObjectMeta,
    pub spec: TemplatePodSpec,
}

/// The pod spec fields a rollout typically changes; separate from `PodSpec`
/// so that pod lists, by far the biggest files, do not pay for mounts.
#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct TemplatePodSpec {
    #[serde(deserialize_with = "null_as_default")]
    pub containers: Vec<TemplateContainer>,
    #[serde(deserialize_with = "null_as_default")]
    pub init_containers: Vec<TemplateContainer>,
    #[serde(deserialize_with = "null_as_default")]
    pub volumes: Vec<Volume>,
    pub service_account_name: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub node_selector: BTreeMap<String, String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default, rename_all = "camelCase")]
pub struct TemplateContainer {
    pub name: String,
    pub image: String,
    #[serde(deserialize_with = "null_as_default")]
    pub command: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    pub working_dir: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub ports: Vec<ContainerPort>,
    pub resources: Resources,
    #[serde(deserialize_with = "null_as_default")]
    pub env: Vec<EnvVar>,
    #[serde(deserialize_with = "null_as_default")]
    pub env_from: Vec<EnvFromSource>,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    #[serde(deserialize_with = "null_as_default")]
    pub volume_mounts: Vec<VolumeMount>,
    /// Kept as written: any field of it (runAsUser, readOnlyRootFilesystem...) can break a start.
    pub security_context: Option<serde_json::Value>,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvFromSource {
    pub prefix: Option<String>,
    pub config_map_ref: Option<NameRef>,
    pub secret_ref: Option<NameRef>,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default)]
pub struct NameRef {
    pub name: String,
    pub optional: Option<bool>,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub read_only: Option<bool>,
}

/// A pod volume; only the sources that name another object are read.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    pub config_map: Option<ObjectVolume>,
    pub secret: Option<SecretVolume>,
    pub persistent_volume_claim: Option<ClaimVolume>,
    pub projected: Option<ProjectedVolume>,
    pub host_path: Option<HostPathVolume>,
    pub empty_dir: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ObjectVolume {
    pub name: String,
    pub optional: Option<bool>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct SecretVolume {
    pub secret_name: String,
    pub optional: Option<bool>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimVolume {
    pub claim_name: String,
    pub read_only: Option<bool>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct HostPathVolume {
    pub path: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ProjectedVolume {
    #[serde(deserialize_with = "null_as_default")]
    pub sources: Vec<ProjectedSource>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct ProjectedSource {
    pub config_map: Option<ObjectVolume>,
    pub secret: Option<ObjectVolume>,
    pub service_account_token: Option<serde::de::IgnoredAny>,
    pub downward_api: Option<serde::de::IgnoredAny>,
}

// ---------------------------------------------------------------- helpers

/// `labels: null` and `containers: null` occur in real dumps; treat as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Resource quantities are strings in JSON but YAML writes `cpu: 1` as a
/// number; both mean the same quantity.
fn quantity_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Quantity {
        Text(String),
        Int(i64),
        Float(f64),
    }
    let raw: Option<BTreeMap<String, Quantity>> = Option::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(name, q)| {
            let text = match q {
                Quantity::Text(t) => t,
                Quantity::Int(n) => n.to_string(),
                Quantity::Float(f) => f.to_string(),
            };
            (name, text)
        })
        .collect())
}
