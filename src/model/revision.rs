//! Revisions of a workload's pod template: the ReplicaSets of a Deployment
//! and the ControllerRevisions of a DaemonSet or StatefulSet. `trigger`
//! compares two of them to say what a rollout changed.
//!
//! Only the fields a rollout typically changes are kept, already in a
//! comparable form (references named, volumes described by what they mount).
//!
//! Templates are most of a revision's memory (a third of peak memory on a
//! full-size bundle), yet `trigger` reads only the two it compares per
//! crash-looping workload. So a revision read from a JSON file on disk keeps
//! only where its object is ([`ItemInFile`]) and reads its template back the
//! first time it is asked for ([`Revision::template`]); one that cannot be
//! read again (an archive entry, stdin, YAML) keeps it parsed.

use super::source::{FieldLines, Origin};
use super::time::Time;
use super::{OwnerRef, Probe};
use crate::ingest::wire;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Template annotation `kubectl rollout restart` sets: a new revision with
/// nothing else changed.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RevisionKind {
    ReplicaSet,
    ControllerRevision,
}

impl RevisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionKind::ReplicaSet => "ReplicaSet",
            RevisionKind::ControllerRevision => "ControllerRevision",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub kind: RevisionKind,
    pub namespace: String,
    pub name: String,
    /// The Deployment, DaemonSet or StatefulSet.
    pub owner: Option<OwnerRef>,
    /// `deployment.kubernetes.io/revision`, or `ControllerRevision.revision`.
    pub number: Option<i64>,
    pub created: Option<Time>,
    /// `pod-template-hash` of a ReplicaSet; `controller-revision-hash` of a ControllerRevision.
    pub hash: Option<String>,
    /// Status counters; a ControllerRevision has none.
    pub replicas: Option<i64>,
    pub ready: Option<i64>,
    /// Read through [`Revision::template`].
    pub pod_template: LazyTemplate,
    /// The object's line; the template's field lines are in [`LoadedTemplate`].
    pub origin: Origin,
}

/// A revision's pod template, with the lines of its fields for evidence.
#[derive(Debug, Clone, Default)]
pub struct LoadedTemplate {
    pub template: PodTemplate,
    /// Fields under `RevisionKind::template_path`, as `jsonstream::locate_fields_under`
    /// finds them; empty for YAML.
    pub field_lines: FieldLines,
}

/// A pod template parsed at ingest, or left in its file until first asked for.
#[derive(Debug, Clone)]
pub struct LazyTemplate {
    /// Containers and init containers, known at ingest either way:
    /// `Model::finish` and `trigger` choose revisions by it without loading.
    containers: usize,
    /// Where to read the template from; None when it was parsed at ingest.
    in_file: Option<ItemInFile>,
    /// Boxed: until loaded, a pointer's worth. None inside when reading it
    /// back failed.
    loaded: OnceLock<Option<Box<LoadedTemplate>>>,
}

/// Where a revision object sits in a JSON file on disk.
#[derive(Debug, Clone)]
pub struct ItemInFile {
    /// Shared by every item of the file.
    pub path: Arc<Path>,
    /// Absolute byte range of the object in the file.
    pub range: std::ops::Range<u64>,
    /// 1-based line of its first byte.
    pub line: u64,
}

impl LazyTemplate {
    /// A template parsed at ingest.
    pub fn parsed(template: PodTemplate, field_lines: FieldLines) -> LazyTemplate {
        LazyTemplate {
            containers: template.containers.len(),
            in_file: None,
            loaded: OnceLock::from(Some(Box::new(LoadedTemplate { template, field_lines }))),
        }
    }

    /// A template to read from `item` when first asked for.
    pub fn in_file(containers: usize, item: ItemInFile) -> LazyTemplate {
        LazyTemplate { containers, in_file: Some(item), loaded: OnceLock::new() }
    }

    /// Moves the field lines with an object parsed from the middle of a text.
    pub fn shift_lines(&mut self, by: u64) {
        if let Some(Some(loaded)) = self.loaded.get_mut() {
            loaded.field_lines.shift(by);
        }
        if let Some(item) = &mut self.in_file {
            item.line += by;
        }
    }
}

impl ItemInFile {
    fn read(&self) -> std::io::Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let too_big = || std::io::Error::other("item larger than memory");
        let len = usize::try_from(self.range.end.saturating_sub(self.range.start)).map_err(|_| too_big())?;
        let mut file = std::fs::File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.range.start))?;
        let mut bytes = vec![0; len];
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

/// A pod template, lean.
#[derive(Debug, Clone, Default)]
pub struct PodTemplate {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub service_account: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    /// Init containers first, in spec order, then app containers.
    pub containers: Vec<TemplateContainer>,
    pub volumes: Vec<TemplateVolume>,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateContainer {
    pub name: String,
    pub init: bool,
    pub spec_index: usize,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub working_dir: Option<String>,
    /// `8080/TCP (http)`.
    pub ports: Vec<String>,
    pub env: Vec<TemplateEnv>,
    /// `configMap NAME`, `secret NAME`, with ` prefix P` when one is set.
    pub env_from: Vec<String>,
    pub limits: BTreeMap<String, String>,
    pub requests: BTreeMap<String, String>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub mounts: Vec<wire::VolumeMount>,
    /// Compact JSON with sorted keys.
    pub security_context: Option<String>,
}

/// One environment variable: a literal value, or where the value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateEnv {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    /// `secretKeyRef db/password`, `configMapKeyRef app/LOG_LEVEL`, `fieldRef status.podIP`.
    Reference(String),
}

/// A pod volume and what it mounts: `configMap ledger-config`, `secret tls`,
/// `persistentVolumeClaim data`, `projected configMap a, secret b`, `emptyDir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVolume {
    pub name: String,
    pub source: String,
}

impl PodTemplate {
    pub fn from_wire(t: wire::PodTemplateSpec) -> PodTemplate {
        let wire::PodTemplateSpec { metadata, spec } = t;
        let mut containers = Vec::new();
        for (init, list) in [(true, spec.init_containers), (false, spec.containers)] {
            for (spec_index, c) in list.into_iter().enumerate() {
                containers.push(TemplateContainer::from_wire(c, init, spec_index));
            }
        }
        PodTemplate {
            labels: metadata.labels,
            annotations: metadata.annotations,
            service_account: spec.service_account_name.filter(|s| !s.is_empty()),
            node_selector: spec.node_selector,
            containers,
            volumes: shrunk(spec.volumes.into_iter().map(TemplateVolume::from_wire).collect()),
        }
    }

    pub fn container(&self, name: &str) -> Option<&TemplateContainer> {
        self.containers.iter().find(|c| c.name == name)
    }
}

impl TemplateContainer {
    fn from_wire(c: wire::TemplateContainer, init: bool, spec_index: usize) -> TemplateContainer {
        let ports = c
            .ports
            .iter()
            .map(|p| {
                let protocol = p.protocol.as_deref().unwrap_or("TCP");
                match p.name.as_deref().filter(|n| !n.is_empty()) {
                    Some(name) => format!("{}/{protocol} ({name})", p.container_port),
                    None => format!("{}/{protocol}", p.container_port),
                }
            })
            .collect();
        let env_from = c
            .env_from
            .iter()
            .map(|e| {
                let what = match (&e.config_map_ref, &e.secret_ref) {
                    (Some(cm), _) => format!("configMap {}", cm.name),
                    (None, Some(s)) => format!("secret {}", s.name),
                    (None, None) => "unknown source".to_string(),
                };
                match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                    Some(prefix) => format!("{what} prefix {prefix}"),
                    None => what,
                }
            })
            .collect();
        TemplateContainer {
            name: c.name,
            init,
            spec_index,
            image: c.image,
            command: c.command,
            args: c.args,
            working_dir: c.working_dir.filter(|w| !w.is_empty()),
            ports,
            // An in-place collect keeps the wire list's larger allocation.
            env: shrunk(c.env.into_iter().map(TemplateEnv::from_wire).collect()),
            env_from,
            limits: c.resources.limits,
            requests: c.resources.requests,
            liveness: c.liveness_probe,
            readiness: c.readiness_probe,
            startup: c.startup_probe,
            mounts: c.volume_mounts,
            security_context: c
                .security_context
                .filter(|v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()))
                .map(|v| v.to_string()),
        }
    }

    /// JSON path of this container inside the pod spec.
    pub fn spec_path(&self) -> String {
        let list = if self.init { "initContainers" } else { "containers" };
        format!("{list}[{}]", self.spec_index)
    }
}

/// Every ReplicaSet of a full-size bundle is kept: slack in their lists is
/// tens of MiB.
fn shrunk<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

impl TemplateEnv {
    fn from_wire(e: wire::EnvVar) -> TemplateEnv {
        let value = match (e.value, e.value_from) {
            (_, Some(from)) => EnvValue::Reference(describe_source(&from)),
            (Some(v), None) => EnvValue::Literal(v),
            (None, None) => EnvValue::Literal(String::new()),
        };
        TemplateEnv { name: e.name, value }
    }
}

fn describe_source(from: &wire::EnvVarSource) -> String {
    if let Some(r) = &from.secret_key_ref {
        format!("secretKeyRef {}/{}", r.name, r.key)
    } else if let Some(r) = &from.config_map_key_ref {
        format!("configMapKeyRef {}/{}", r.name, r.key)
    } else if let Some(r) = &from.field_ref {
        format!("fieldRef {}", r.field_path)
    } else if let Some(r) = &from.resource_field_ref {
        match r.container_name.as_str() {
            "" => format!("resourceFieldRef {}", r.resource),
            c => format!("resourceFieldRef {c}/{}", r.resource),
        }
    } else {
        "valueFrom".to_string()
    }
}

impl TemplateVolume {
    fn from_wire(v: wire::Volume) -> TemplateVolume {
        let optional = |o: Option<bool>| if o == Some(true) { " (optional)" } else { "" };
        let source = if let Some(cm) = &v.config_map {
            format!("configMap {}{}", cm.name, optional(cm.optional))
        } else if let Some(s) = &v.secret {
            format!("secret {}{}", s.secret_name, optional(s.optional))
        } else if let Some(c) = &v.persistent_volume_claim {
            format!("persistentVolumeClaim {}", c.claim_name)
        } else if let Some(h) = &v.host_path {
            format!("hostPath {}", h.path)
        } else if let Some(p) = &v.projected {
            let parts: Vec<String> = p
                .sources
                .iter()
                .filter_map(|s| match (&s.config_map, &s.secret, &s.service_account_token, &s.downward_api) {
                    (Some(cm), ..) => Some(format!("configMap {}", cm.name)),
                    (_, Some(sec), ..) => Some(format!("secret {}", sec.name)),
                    (_, _, Some(_), _) => Some("serviceAccountToken".to_string()),
                    (_, _, _, Some(_)) => Some("downwardAPI".to_string()),
                    _ => None,
                })
                .collect();
            format!("projected {}", parts.join(", "))
        } else if v.empty_dir.is_some() {
            "emptyDir".to_string()
        } else {
            "other".to_string()
        };
        TemplateVolume { name: v.name, source }
    }
}

impl RevisionKind {
    /// JSON path of the pod template inside the object, for evidence paths.
    pub fn template_path(self) -> &'static str {
        match self {
            RevisionKind::ReplicaSet => "spec.template",
            RevisionKind::ControllerRevision => "data.spec.template",
        }
    }

    /// Lines of the template's fields in the object's JSON `bytes` (whose
    /// first byte is on `line`), down to `containers[i].env[j]`.
    pub fn template_field_lines(self, bytes: &[u8], line: u64) -> FieldLines {
        let depth = match self {
            RevisionKind::ReplicaSet => 7,
            RevisionKind::ControllerRevision => 8,
        };
        crate::ingest::jsonstream::locate_fields_under(bytes, line, depth, &[self.template_path()])
    }

    /// The template of the object in `item`, read back from its file. None
    /// when the read fails or the bytes there are no longer the object
    /// named `name` with `containers` containers (the file changed since).
    fn read_template(self, item: &ItemInFile, name: &str, containers: usize) -> Option<LoadedTemplate> {
        let bytes = item.read().ok()?;
        let (object, template) = match self {
            RevisionKind::ReplicaSet => {
                let rs = serde_json::from_slice::<wire::ReplicaSet>(&bytes).ok()?;
                (rs.metadata, rs.spec.template)
            }
            RevisionKind::ControllerRevision => {
                let cr = serde_json::from_slice::<wire::ControllerRevision>(&bytes).ok()?;
                (cr.metadata, cr.data.and_then(|d| d.spec?.template))
            }
        };
        let template = template.map(PodTemplate::from_wire).unwrap_or_default();
        if object.name != name || template.containers.len() != containers {
            return None;
        }
        Some(LoadedTemplate { template, field_lines: self.template_field_lines(&bytes, item.line) })
    }
}

impl Revision {
    /// The pod template and its field lines, read back from the file the
    /// first time when ingest left it there. None when it could not be read
    /// again: such a revision has no template to compare.
    pub fn template(&self) -> Option<&LoadedTemplate> {
        let t = &self.pod_template;
        let loaded = t.loaded.get_or_init(|| {
            let item = t.in_file.as_ref()?;
            self.kind.read_template(item, &self.name, t.containers).map(Box::new)
        });
        loaded.as_deref()
    }

    /// Containers and init containers of the template, known without loading it.
    pub fn template_containers(&self) -> usize {
        self.pod_template.containers
    }

    /// The ReplicaSet's revision, from its `deployment.kubernetes.io/revision`
    /// annotation; the template was taken from `rs` into `pod_template`.
    pub fn from_replica_set<T>(rs: &wire::ReplicaSet<T>, pod_template: LazyTemplate, origin: Origin) -> Revision {
        let meta = &rs.metadata;
        let number = meta.annotations.get("deployment.kubernetes.io/revision").and_then(|n| n.trim().parse().ok());
        let owner = controller_owner(&meta.owner_references);
        Revision {
            kind: RevisionKind::ReplicaSet,
            namespace: meta.namespace.clone(),
            name: meta.name.clone(),
            owner,
            number,
            created: meta.creation_timestamp,
            hash: meta.labels.get("pod-template-hash").cloned(),
            replicas: rs.status.replicas.or(rs.spec.replicas),
            ready: rs.status.ready_replicas,
            pod_template,
            origin,
        }
    }

    /// A ControllerRevision holding a pod template, kept as `pod_template`
    /// makes it; None for other data (ControllerRevisions of custom controllers).
    pub fn from_controller_revision<T>(
        cr: wire::ControllerRevision<T>,
        origin: Origin,
        pod_template: impl FnOnce(T) -> LazyTemplate,
    ) -> Option<Revision> {
        let template = cr.data?.spec?.template?;
        let meta = cr.metadata;
        let owner = controller_owner(&meta.owner_references);
        let hash = meta
            .labels
            .get("controller-revision-hash")
            .or_else(|| meta.labels.get("controller.kubernetes.io/hash"))
            .cloned()
            .or_else(|| {
                let base = owner.as_ref()?;
                meta.name.strip_prefix(&format!("{}-", base.name)).map(str::to_string)
            });
        Some(Revision {
            kind: RevisionKind::ControllerRevision,
            namespace: meta.namespace,
            name: meta.name,
            owner,
            number: cr.revision,
            created: meta.creation_timestamp,
            hash,
            replicas: None,
            ready: None,
            pod_template: pod_template(template),
            origin,
        })
    }
}

fn controller_owner(refs: &[wire::OwnerReference]) -> Option<OwnerRef> {
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())
        .map(|r| OwnerRef { kind: r.kind.clone(), name: r.name.clone() })
}
