//! Trigger: what changed. Compares the crashing revision's pod template
//! with the last revision that ran healthy (ReplicaSets of a Deployment,
//! ControllerRevisions of a DaemonSet or StatefulSet).

use crate::model::time::Time;
use crate::model::{Model, Pod};
use crate::report::WorkloadRef;
use crate::rules::{Evidence, Remediation};
use serde::Serialize;

/// Whether the bundle could show what changed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerStatus {
    /// The crashing revision differs from the last healthy one: `changes`.
    Changed,
    /// Revisions exist but the pod templates are the same in every field compared.
    NoChange,
    /// The crashing revision is the only one, or none ran healthy.
    NoHealthyRevision,
    /// The bundle holds no revision objects of the workload.
    NoHistory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub status: TriggerStatus,
    pub workload: WorkloadRef,
    /// The revision the crashing pods run (`deployment.kubernetes.io/revision`, `ControllerRevision.revision`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// The ReplicaSet or ControllerRevision name of that revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_revision: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_revision_name: Option<String>,
    /// When the crashing revision was created: the rollout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_out_at: Option<Time>,
    pub changes: Vec<TemplateChange>,
    /// One sentence for the reader.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<Remediation>,
}

/// One difference between two pod templates.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TemplateChange {
    /// The container, for a container field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `image`, `args`, `command`, `env.NAME`, `resources.limits.memory`, `livenessProbe`, `volumes.NAME`...
    pub field: String,
    /// None when the field was added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// None when the field was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// The trigger of a crash in `container` of `pod`,
/// or None when the pod has no controller with revisions (a bare or static pod, a Job).
pub fn trigger_for(model: &Model, pod: &Pod, container: &str) -> Option<Trigger> {
    let _ = (model, pod, container);
    None
}
