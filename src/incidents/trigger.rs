//! Trigger: what changed. Compares the crashing revision's pod template
//! with the last revision that ran healthy (ReplicaSets of a Deployment,
//! ControllerRevisions of a DaemonSet or StatefulSet).

use crate::model::revision::{
    EnvValue, LoadedTemplate, PodTemplate, RESTARTED_AT, Revision, RevisionKind, TemplateContainer,
};
use crate::model::time::Time;
use crate::model::{Model, OwnerRef, Pod, Probe};
use crate::report::WorkloadRef;
use crate::rules::shell::shell_word;
use crate::rules::{Evidence, EvidenceKind, Remediation};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;

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
    /// Whether `healthy_revision` is proven to have run healthy (ready
    /// replicas, or Ready pods of it in the bundle); when not, it is only
    /// the revision before the crashing one.
    pub healthy_proven: bool,
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
/// For many pods, build an [`Index`] once and ask it.
pub fn trigger_for(model: &Model, pod: &Pod, container: &str) -> Option<Trigger> {
    Index::new(model).trigger_for(pod, container)
}

/// Revisions and pods looked up by the names that can tie them together,
/// so that asking for the trigger of every finding costs a few lookups each
/// instead of a scan of every revision and every pod. The candidates a
/// lookup returns are then tested with the same predicates as a scan
/// (`belongs`, `runs`), in model order, so the answer is the scan's.
pub struct Index<'m> {
    model: &'m Model,
    /// (is a ReplicaSet, namespace, workload name) → revisions that may belong to it.
    revisions: HashMap<(bool, &'m str, &'m str), Vec<usize>>,
    /// Per namespace, built when first asked: (key kind, value) → pods
    /// that may run a revision named by it.
    pods: RefCell<HashMap<&'m str, PodsOf<'m>>>,
    pods_sorted: bool,
}

type PodsOf<'m> = HashMap<(PodKey, &'m str), Vec<usize>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PodKey {
    /// The pod's owner ReplicaSet.
    OwnerReplicaSet,
    /// `pod-template-hash` of a pod without owner.
    TemplateHash,
    /// `controller-revision-hash`.
    ControllerRevisionHash,
}

impl<'m> Index<'m> {
    pub fn new(model: &'m Model) -> Index<'m> {
        let mut revisions: HashMap<(bool, &str, &str), Vec<usize>> = HashMap::new();
        for (i, r) in model.revisions.iter().enumerate() {
            let replica_set = r.kind == RevisionKind::ReplicaSet;
            let mut add = |top: &'m str| revisions.entry((replica_set, r.namespace.as_str(), top)).or_default().push(i);
            // Every workload name `belongs` can accept for this revision.
            match (&r.owner, &r.hash) {
                (Some(owner), _) => add(&owner.name),
                (None, Some(hash)) if r.kind == RevisionKind::ReplicaSet => {
                    if let Some(top) = r.name.strip_suffix(hash.as_str()).and_then(|b| b.strip_suffix('-')) {
                        add(top);
                    }
                }
                (None, _) => r.name.match_indices('-').for_each(|(at, _)| add(&r.name[..at])),
            }
        }
        let pods_sorted = model.pods.is_sorted_by(|a, b| a.namespace <= b.namespace);
        Index { model, revisions, pods_sorted, pods: RefCell::new(HashMap::new()) }
    }

    /// The trigger of a crash in `container` of `pod`, as [`trigger_for`].
    pub fn trigger_for(&self, pod: &Pod, container: &str) -> Option<Trigger> {
        let model = self.model;
        let top = model.top_owner(pod);
        let revision_kind = match top.kind.as_str() {
            "Deployment" => RevisionKind::ReplicaSet,
            "DaemonSet" | "StatefulSet" => RevisionKind::ControllerRevision,
            _ => return None,
        };
        let workload = WorkloadRef { kind: top.kind.clone(), namespace: pod.namespace.clone(), name: top.name.clone() };
        let mut history: Vec<&Revision> = self
            .revisions
            .get(&(revision_kind == RevisionKind::ReplicaSet, pod.namespace.as_str(), top.name.as_str()))
            .into_iter()
            .flatten()
            .map(|&i| &model.revisions[i])
            // A revision read without its template (a list that dropped `spec`) cannot be compared.
            .filter(|r| r.kind == revision_kind && r.namespace == pod.namespace && r.template_containers() > 0)
            .filter(|r| belongs(r, &top))
            .collect();
        // Templates are read (from their files, `Revision::template`) only
        // for the two revisions chosen; one that cannot be read is left out
        // of the history, as one without a template is, and the choice made
        // again. The chosen pair is the one a history of only readable
        // revisions gives.
        loop {
            let Some(current) = history.iter().copied().find(|r| runs(r, pod)) else {
                return Some(no_history(&workload, revision_kind, pod, history.len()));
            };
            let Some(current_template) = current.template() else {
                history.retain(|r| !std::ptr::eq(*r, current));
                continue;
            };
            let mut older: Vec<&Revision> = history.iter().copied().filter(|r| is_older(r, current)).collect();
            older.sort_by(|a, b| (b.number, b.created, &b.name).cmp(&(a.number, a.created, &a.name)));
            let proven = older.iter().copied().find(|r| self.ran_healthy(r));
            let Some(baseline) = proven.or_else(|| older.first().copied()) else {
                let current = (current, current_template);
                return Some(self.only_revision(&workload, current, pod, history.len()));
            };
            let Some(baseline_template) = baseline.template() else {
                history.retain(|r| !std::ptr::eq(*r, baseline));
                continue;
            };
            let (current, baseline) = ((current, current_template), (baseline, baseline_template));
            return Some(compare(model, &workload, current, baseline, proven.is_some(), container));
        }
    }

    /// The pods of the model that run revision `r`, in model order.
    fn pods_running(&self, r: &'m Revision) -> impl Iterator<Item = &'m Pod> + '_ {
        let ns = r.namespace.as_str();
        let mut keys: Vec<(PodKey, &str)> = Vec::new();
        match r.kind {
            RevisionKind::ReplicaSet => {
                keys.push((PodKey::OwnerReplicaSet, &r.name));
                if let Some(h) = &r.hash {
                    keys.push((PodKey::TemplateHash, h));
                }
            }
            RevisionKind::ControllerRevision => {
                keys.push((PodKey::ControllerRevisionHash, &r.name));
                if let Some(h) = &r.hash {
                    keys.push((PodKey::ControllerRevisionHash, h));
                }
                // `<name>-<hash>`: every suffix after a dash.
                for (at, _) in r.name.match_indices('-') {
                    keys.push((PodKey::ControllerRevisionHash, &r.name[at + 1..]));
                }
            }
        }
        let mut pods = self.pods.borrow_mut();
        let of_ns = pods.entry(ns).or_insert_with(|| self.pods_of(ns));
        let mut found: Vec<usize> =
            keys.into_iter().filter_map(|(k, v)| of_ns.get(&(k, v))).flatten().copied().collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| &*self.model.pods[i]).filter(move |p| p.namespace == r.namespace && runs(r, p))
    }

    /// The pods of namespace `ns` by the keys `runs` compares, found by a
    /// binary search when the pods are sorted (`Model::finish` sorts them).
    fn pods_of(&self, ns: &str) -> PodsOf<'m> {
        let all = &self.model.pods;
        let (start, end) = if self.pods_sorted {
            let start = all.partition_point(|p| p.namespace.as_str() < ns);
            (start, start + all[start..].partition_point(|p| p.namespace == ns))
        } else {
            (0, all.len())
        };
        let mut pods: PodsOf<'m> = HashMap::new();
        for (i, p) in all.iter().enumerate().take(end).skip(start).filter(|(_, p)| p.namespace == ns) {
            match &p.owner {
                Some(o) if o.kind == "ReplicaSet" => {
                    pods.entry((PodKey::OwnerReplicaSet, &o.name)).or_default().push(i)
                }
                Some(_) => {}
                None => {
                    if let Some(h) = p.labels.get("pod-template-hash") {
                        pods.entry((PodKey::TemplateHash, h)).or_default().push(i);
                    }
                }
            }
            if let Some(h) = p.labels.get("controller-revision-hash") {
                pods.entry((PodKey::ControllerRevisionHash, h)).or_default().push(i);
            }
        }
        pods
    }

    /// Proven healthy: the ReplicaSet counts ready replicas, or a pod of the
    /// revision in the bundle is Ready.
    fn ran_healthy(&self, r: &'m Revision) -> bool {
        r.ready.is_some_and(|n| n > 0) || self.pods_running(r).any(|p| p.ready == Some(true))
    }

    fn only_revision(
        &self,
        workload: &WorkloadRef,
        (current, current_template): WithTemplate<'m>,
        pod: &Pod,
        held: usize,
    ) -> Trigger {
        let model = self.model;
        let which = if held == 1 { "only" } else { "oldest" };
        let mut summary = format!(
            "{} is the {which} revision of {} {}/{} in the bundle, so there is no earlier pod template to compare with.",
            capitalise(&label(current)),
            workload.kind,
            workload.namespace,
            workload.name
        );
        // Other pods of the same revision running Ready: the template itself works.
        let ready = self.pods_running(current).filter(|p| p.name != pod.name && p.ready == Some(true)).count();
        match ready {
            0 => {}
            1 => summary.push_str(" Another pod of it is Ready, so the same template runs without crashing there."),
            n => summary.push_str(&format!(
                " {n} other pods of it are Ready, so the same template runs without crashing there."
            )),
        }
        Trigger {
            status: TriggerStatus::NoHealthyRevision,
            workload: workload.clone(),
            revision: current.number,
            revision_name: Some(current.name.clone()),
            healthy_revision: None,
            healthy_revision_name: None,
            healthy_proven: false,
            rolled_out_at: current.created,
            changes: Vec::new(),
            summary,
            evidence: vec![revision_evidence(model, current, current_template, None)],
            remediation: vec![history_command(workload, None)],
        }
    }
}

/// Whether a revision belongs to the workload: by its owner reference, or,
/// when the export dropped owner references, by the naming convention.
fn belongs(r: &Revision, top: &OwnerRef) -> bool {
    match &r.owner {
        Some(owner) => owner == top,
        None => match &r.hash {
            Some(hash) if r.kind == RevisionKind::ReplicaSet => r.name == format!("{}-{hash}", top.name),
            _ => r.name.strip_prefix(&top.name).is_some_and(|rest| rest.starts_with('-')),
        },
    }
}

/// Whether the pod runs this revision: its owner ReplicaSet, or its hash label.
fn runs(r: &Revision, pod: &Pod) -> bool {
    match r.kind {
        RevisionKind::ReplicaSet => {
            pod.owner.as_ref().is_some_and(|o| o.kind == "ReplicaSet" && o.name == r.name)
                || (pod.owner.is_none() && r.hash.is_some() && pod.labels.get("pod-template-hash") == r.hash.as_ref())
        }
        RevisionKind::ControllerRevision => pod.labels.get("controller-revision-hash").is_some_and(|h| {
            *h == r.name
                || r.hash.as_ref() == Some(h)
                || r.name.strip_suffix(h.as_str()).is_some_and(|b| b.ends_with('-'))
        }),
    }
}

fn is_older(r: &Revision, current: &Revision) -> bool {
    match (r.number, current.number) {
        (Some(a), Some(b)) => a < b,
        _ => matches!((r.created, current.created), (Some(a), Some(b)) if a < b),
    }
}

fn kind_word(kind: RevisionKind) -> &'static str {
    match kind {
        RevisionKind::ReplicaSet => "ReplicaSets",
        RevisionKind::ControllerRevision => "ControllerRevisions",
    }
}

/// `deployment/ledger`, as kubectl names it, as a shell word.
fn resource(workload: &WorkloadRef) -> String {
    shell_word(&format!("{}/{}", workload.kind.to_ascii_lowercase(), workload.name)).into_owned()
}

fn history_command(workload: &WorkloadRef, revision: Option<i64>) -> Remediation {
    let (command, description) = match revision {
        Some(n) => (
            format!(
                "kubectl -n {} rollout history {} --revision={n}",
                shell_word(&workload.namespace),
                resource(workload)
            ),
            format!("Show the pod template of revision {n} on the cluster to confirm the change."),
        ),
        None => (
            format!("kubectl -n {} rollout history {}", shell_word(&workload.namespace), resource(workload)),
            "List the rollouts of the workload on the cluster.".to_string(),
        ),
    };
    Remediation { description, command: Some(command), mutates: false }
}

fn no_history(workload: &WorkloadRef, kind: RevisionKind, pod: &Pod, held: usize) -> Trigger {
    let history = format!("kubectl rollout history {} -n {}", resource(workload), shell_word(&workload.namespace));
    let summary = if held == 0 {
        format!(
            "The bundle holds no {} of {} {}/{}, so what changed cannot be shown; `{history}` shows it on the cluster.",
            kind_word(kind),
            workload.kind,
            workload.namespace,
            workload.name
        )
    } else {
        let runs = match (&pod.owner, pod.labels.get("controller-revision-hash")) {
            (Some(o), _) if o.kind == "ReplicaSet" => format!("ReplicaSet {}", o.name),
            (_, Some(hash)) => format!("revision {hash}"),
            _ => "revision".to_string(),
        };
        format!(
            "The bundle holds {held} {} of {} {}/{} but not the {runs} that pod {} runs, so what changed cannot be shown; `{history}` shows it on the cluster.",
            kind_word(kind),
            workload.kind,
            workload.namespace,
            workload.name,
            pod.name
        )
    };
    Trigger {
        status: TriggerStatus::NoHistory,
        workload: workload.clone(),
        revision: None,
        revision_name: None,
        healthy_revision: None,
        healthy_revision_name: None,
        healthy_proven: false,
        rolled_out_at: None,
        changes: Vec::new(),
        summary,
        evidence: Vec::new(),
        remediation: vec![history_command(workload, None)],
    }
}

/// `revision 8 (velero-6996dd565b)`, or the object's name when it has no number.
fn label(r: &Revision) -> String {
    match r.number {
        Some(n) => format!("revision {n} ({})", r.name),
        None => format!("{} {}", r.kind.as_str(), r.name),
    }
}

/// `Revision 8 of Deployment velero/velero (ReplicaSet velero-6996dd565b, rolled out T)`.
fn headline(workload: &WorkloadRef, r: &Revision) -> String {
    let when = r.created.map(|t| format!(", rolled out {t}")).unwrap_or_default();
    let of = format!("{} {}/{}", workload.kind, workload.namespace, workload.name);
    match r.number {
        Some(n) => format!("Revision {n} of {of} ({} {}{when})", r.kind.as_str(), r.name),
        None => format!(
            "{} {} of {of}{}",
            r.kind.as_str(),
            r.name,
            r.created.map(|t| format!(" (rolled out {t})")).unwrap_or_default()
        ),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A revision with its template.
type WithTemplate<'a> = (&'a Revision, &'a LoadedTemplate);

fn compare(
    model: &Model,
    workload: &WorkloadRef,
    (current, current_template): WithTemplate,
    (baseline, baseline_template): WithTemplate,
    proven: bool,
    container: &str,
) -> Trigger {
    let found = diff(&baseline_template.template, &current_template.template, container);
    let base = if proven {
        format!("{} ran healthy", label(baseline))
    } else {
        format!("compared with {}, not proven healthy", label(baseline))
    };
    let (status, summary) = if let Some(first) = found.first() {
        let mut text = format!("{} {}", headline(workload, current), change_phrase(&first.change));
        let lead = first.change.container.as_deref();
        let rest: Vec<String> = found[1..].iter().map(|c| short_name(&c.change, lead)).collect();
        match rest.len() {
            0 => {}
            n if n <= 4 => text.push_str(&format!(", and {n} more ({})", rest.join(", "))),
            n => text.push_str(&format!(", and {n} more ({}, ...)", rest[..4].join(", "))),
        }
        (TriggerStatus::Changed, format!("{text}; {base}."))
    } else {
        let restarted = current_template.template.annotations.get(RESTARTED_AT);
        if restarted.is_some() && restarted != baseline_template.template.annotations.get(RESTARTED_AT) {
            (
                TriggerStatus::NoChange,
                format!(
                    "{} is a `kubectl rollout restart` with no template change from {}: the crash did not come from a change of the pod template.",
                    headline(workload, current),
                    label(baseline)
                ),
            )
        } else {
            (
                TriggerStatus::NoChange,
                format!(
                    "{} has the same images, commands, args, env, resources, probes and mounts as {}: what differs is outside the fields compared.",
                    headline(workload, current),
                    label(baseline)
                ),
            )
        }
    };
    let first = found.first();
    let evidence = vec![
        revision_evidence(model, current, current_template, first.and_then(|c| c.after_path.as_deref())),
        revision_evidence(model, baseline, baseline_template, first.and_then(|c| c.before_path.as_deref())),
    ];
    let mut remediation = Vec::new();
    if status == TriggerStatus::Changed {
        if let Some(n) = baseline.number {
            let why = if proven { "the last that ran healthy" } else { "the one before (not proven healthy)" };
            remediation.push(Remediation {
                description: format!("Roll back to revision {n}, {why}."),
                command: Some(format!(
                    "kubectl -n {} rollout undo {} --to-revision={n}",
                    shell_word(&workload.namespace),
                    resource(workload)
                )),
                mutates: true,
            });
        }
    }
    remediation.push(history_command(workload, current.number));
    Trigger {
        status,
        workload: workload.clone(),
        revision: current.number,
        revision_name: Some(current.name.clone()),
        healthy_revision: baseline.number,
        healthy_revision_name: Some(baseline.name.clone()),
        healthy_proven: proven,
        rolled_out_at: current.created,
        changes: found.into_iter().map(|c| c.change).collect(),
        summary,
        evidence,
        remediation,
    }
}

/// One Evidence for a revision object, at the changed field when there is one.
fn revision_evidence(model: &Model, r: &Revision, template: &LoadedTemplate, rel: Option<&str>) -> Evidence {
    let source = model.sources.get(r.origin.source);
    let path = match rel {
        Some(rel) => format!("{}.{rel}", r.kind.template_path()),
        None => r.kind.template_path().to_string(),
    };
    let ready = match (r.ready, r.replicas) {
        (Some(ready), Some(all)) => format!(", {ready} of {all} ready"),
        (None, Some(all)) if r.kind == RevisionKind::ReplicaSet => format!(", 0 of {all} ready"),
        _ => String::new(),
    };
    let number = r.number.map(|n| format!(", revision {n}")).unwrap_or_default();
    let created = r.created.map(|t| format!(", created {t}")).unwrap_or_default();
    Evidence {
        kind: if r.origin.describe { EvidenceKind::Describe } else { EvidenceKind::Spec },
        input: source.input.clone(),
        source: source.path.clone(),
        line: template.field_lines.line_of(&path).or(r.origin.line),
        path: Some(path),
        text: format!("{} {}{number}{created}{ready}", r.kind.as_str(), r.name),
        time: r.created,
        highlight: None,
    }
}

/// One change, with the JSON path of the field in each template (relative
/// to the template) for evidence.
#[derive(Debug)]
struct Found {
    change: TemplateChange,
    before_path: Option<String>,
    after_path: Option<String>,
}

/// What a change is about, in words: `args`, `env LOG_LEVEL`, `memory limit`.
fn field_words(field: &str) -> String {
    if let Some(name) = field.strip_prefix("env.") {
        return format!("env {name}");
    }
    if let Some(r) = field.strip_prefix("resources.limits.") {
        return format!("{r} limit");
    }
    if let Some(r) = field.strip_prefix("resources.requests.") {
        return format!("{r} request");
    }
    if let Some(path) = field.strip_prefix("volumeMounts.") {
        return format!("mount {path}");
    }
    if let Some(name) = field.strip_prefix("volumes.") {
        return format!("volume {name}");
    }
    if let Some(key) = field.strip_prefix("labels.") {
        return format!("label {key}");
    }
    if let Some(key) = field.strip_prefix("annotations.") {
        return format!("annotation {key}");
    }
    if let Some(key) = field.strip_prefix("nodeSelector.") {
        return format!("node selector {key}");
    }
    match field {
        "livenessProbe" => "liveness probe".into(),
        "readinessProbe" => "readiness probe".into(),
        "startupProbe" => "startup probe".into(),
        "securityContext" => "security context".into(),
        "serviceAccountName" => "service account".into(),
        "workingDir" => "working directory".into(),
        other => other.to_string(),
    }
}

/// A change named briefly; the container is left out when it is the lead change's.
fn short_name(c: &TemplateChange, lead: Option<&str>) -> String {
    let words = field_words(&c.field);
    match (&c.container, c.field.as_str()) {
        (Some(name), f) if f != "container" && f != "initContainer" && Some(name.as_str()) == lead => words,
        (Some(name), "container" | "initContainer") => {
            let verb = if c.before.is_none() { "added" } else { "removed" };
            format!("{verb} {} {name}", if c.field == "container" { "container" } else { "init container" })
        }
        (Some(name), _) => format!("{words} of {name}"),
        (None, _) => words,
    }
}

/// `changed the args of container velero from `a` to `b``.
fn change_phrase(c: &TemplateChange) -> String {
    let words = field_words(&c.field);
    let quote = |v: &str| format!("`{v}`");
    let whose = c.container.as_ref().map(|n| format!(" of container {n}")).unwrap_or_default();
    match (c.field.as_str(), &c.container, &c.before, &c.after) {
        ("container" | "initContainer", Some(name), None, Some(image)) => {
            format!("added container {name} ({})", quote(image))
        }
        ("container" | "initContainer", Some(name), Some(image), None) => {
            format!("removed container {name} ({})", quote(image))
        }
        (_, _, Some(before), Some(after)) => {
            format!("changed the {words}{whose} from {} to {}", quote(before), quote(after))
        }
        (_, Some(name), None, Some(after)) => format!("added {words} {} to container {name}", quote(after)),
        (_, Some(name), Some(before), None) => format!("removed {words} {} from container {name}", quote(before)),
        (_, None, None, Some(after)) => format!("added {words} {}", quote(after)),
        (_, None, Some(before), None) => format!("removed {words} {}", quote(before)),
        (_, _, None, None) => format!("changed the {words}{whose}"),
    }
}

/// Every difference between two templates, in a fixed order: the crashing
/// container first, then the other containers, then pod-level fields.
fn diff(before: &PodTemplate, after: &PodTemplate, crashing: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut names: Vec<&TemplateContainer> = after.containers.iter().collect();
    names.sort_by_key(|c| c.name != crashing);
    for c in names {
        let path = format!("spec.{}", c.spec_path());
        match before.container(&c.name) {
            Some(b) => container_diff(b, c, &format!("spec.{}", b.spec_path()), &path, &mut out),
            None => out.push(Found {
                change: TemplateChange {
                    container: Some(c.name.clone()),
                    field: if c.init { "initContainer" } else { "container" }.into(),
                    before: None,
                    after: Some(c.image.clone()),
                },
                before_path: None,
                after_path: Some(path),
            }),
        }
    }
    for b in before.containers.iter().filter(|b| after.container(&b.name).is_none()) {
        out.push(Found {
            change: TemplateChange {
                container: Some(b.name.clone()),
                field: if b.init { "initContainer" } else { "container" }.into(),
                before: Some(b.image.clone()),
                after: None,
            },
            before_path: Some(format!("spec.{}", b.spec_path())),
            after_path: None,
        });
    }
    let pod = |field: String, b: Option<String>, a: Option<String>, bp: Option<String>, ap: Option<String>| Found {
        change: TemplateChange { container: None, field, before: b, after: a },
        before_path: bp,
        after_path: ap,
    };
    if before.service_account != after.service_account {
        let p = Some("spec.serviceAccountName".to_string());
        out.push(pod(
            "serviceAccountName".into(),
            before.service_account.clone(),
            after.service_account.clone(),
            p.clone(),
            p,
        ));
    }
    for (key, b, a) in map_diff(&before.node_selector, &after.node_selector) {
        let p = Some("spec.nodeSelector".to_string());
        out.push(pod(format!("nodeSelector.{key}"), b, a, p.clone(), p));
    }
    let volume = |t: &PodTemplate, name: &str| t.volumes.iter().position(|v| v.name == name);
    let mut volume_names: Vec<&str> = before.volumes.iter().chain(&after.volumes).map(|v| v.name.as_str()).collect();
    volume_names.sort_unstable();
    volume_names.dedup();
    for name in volume_names {
        let b = volume(before, name);
        let a = volume(after, name);
        let bs = b.map(|i| before.volumes[i].source.clone());
        let as_ = a.map(|i| after.volumes[i].source.clone());
        if bs != as_ {
            out.push(pod(
                format!("volumes.{name}"),
                bs,
                as_,
                b.map(|i| format!("spec.volumes[{i}]")),
                a.map(|i| format!("spec.volumes[{i}]")),
            ));
        }
    }
    let ignored_labels = ["pod-template-hash", "controller-revision-hash", "pod-template-generation"];
    let labels = |m: &std::collections::BTreeMap<String, String>| {
        m.iter().filter(|(k, _)| !ignored_labels.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    for (key, b, a) in map_diff(&labels(&before.labels), &labels(&after.labels)) {
        let p = Some("metadata.labels".to_string());
        out.push(pod(format!("labels.{key}"), b, a, p.clone(), p));
    }
    let annotations = |m: &std::collections::BTreeMap<String, String>| {
        m.iter().filter(|(k, _)| k.as_str() != RESTARTED_AT).map(|(k, v)| (k.clone(), shorten(v))).collect()
    };
    for (key, b, a) in map_diff(&annotations(&before.annotations), &annotations(&after.annotations)) {
        let p = Some("metadata.annotations".to_string());
        out.push(pod(format!("annotations.{key}"), b, a, p.clone(), p));
    }
    out
}

fn shorten(v: &str) -> String {
    const MAX: usize = 200;
    if v.len() <= MAX {
        return v.to_string();
    }
    let mut cut = MAX;
    while !v.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &v[..cut])
}

type MapChange = (String, Option<String>, Option<String>);

fn map_diff(
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
) -> Vec<MapChange> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (b, a) = (before.get(k), after.get(k));
            (b != a).then(|| (k.clone(), b.cloned(), a.cloned()))
        })
        .collect()
}

fn container_diff(b: &TemplateContainer, a: &TemplateContainer, bp: &str, ap: &str, out: &mut Vec<Found>) {
    let mut push = |field: String, before: Option<String>, after: Option<String>, sub: Option<(String, String)>| {
        let (bsub, asub) = sub.unwrap_or_else(|| (field.clone(), field.clone()));
        out.push(Found {
            change: TemplateChange {
                container: Some(a.name.clone()),
                field,
                before: before.clone(),
                after: after.clone(),
            },
            before_path: before.as_ref().map(|_| format!("{bp}.{bsub}")).or_else(|| Some(bp.to_string())),
            after_path: after.as_ref().map(|_| format!("{ap}.{asub}")).or_else(|| Some(ap.to_string())),
        });
    };
    let nonempty = |v: &[String]| (!v.is_empty()).then(|| v.join(" "));
    if b.image != a.image {
        push("image".into(), Some(b.image.clone()).filter(|s| !s.is_empty()), Some(a.image.clone()), None);
    }
    if b.command != a.command {
        push("command".into(), nonempty(&b.command), nonempty(&a.command), None);
    }
    if b.args != a.args {
        push("args".into(), nonempty(&b.args), nonempty(&a.args), None);
    }
    if b.working_dir != a.working_dir {
        push("workingDir".into(), b.working_dir.clone(), a.working_dir.clone(), None);
    }
    let mut env_names: Vec<&str> = b.env.iter().chain(&a.env).map(|e| e.name.as_str()).collect();
    env_names.sort_unstable();
    env_names.dedup();
    for name in env_names {
        let bi = b.env.iter().position(|e| e.name == name);
        let ai = a.env.iter().position(|e| e.name == name);
        let bv = bi.map(|i| &b.env[i].value);
        let av = ai.map(|i| &a.env[i].value);
        if bv != av {
            let sub = (
                bi.map(|i| format!("env[{i}]")).unwrap_or_else(|| "env".into()),
                ai.map(|i| format!("env[{i}]")).unwrap_or_else(|| "env".into()),
            );
            push(format!("env.{name}"), bv.map(|v| env_text(name, v)), av.map(|v| env_text(name, v)), Some(sub));
        }
    }
    if b.env_from != a.env_from {
        push("envFrom".into(), nonempty(&b.env_from), nonempty(&a.env_from), None);
    }
    for (kind, bm, am) in [("limits", &b.limits, &a.limits), ("requests", &b.requests, &a.requests)] {
        for (key, before, after) in map_diff(bm, am) {
            let field = format!("resources.{kind}.{key}");
            let sub = (format!("resources.{kind}"), format!("resources.{kind}"));
            push(field, before, after, Some(sub));
        }
    }
    let probes = [
        ("livenessProbe", &b.liveness, &a.liveness),
        ("readinessProbe", &b.readiness, &a.readiness),
        ("startupProbe", &b.startup, &a.startup),
    ];
    for (field, bp, ap) in probes {
        let (before, after) = (bp.as_ref().map(probe_text), ap.as_ref().map(probe_text));
        if before != after {
            push(field.into(), before, after, None);
        }
    }
    let mut paths: Vec<&str> = b.mounts.iter().chain(&a.mounts).map(|m| m.mount_path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let bi = b.mounts.iter().position(|m| m.mount_path == path);
        let ai = a.mounts.iter().position(|m| m.mount_path == path);
        let bm = bi.map(|i| &b.mounts[i]);
        let am = ai.map(|i| &a.mounts[i]);
        if bm != am {
            let sub = (
                bi.map(|i| format!("volumeMounts[{i}]")).unwrap_or_else(|| "volumeMounts".into()),
                ai.map(|i| format!("volumeMounts[{i}]")).unwrap_or_else(|| "volumeMounts".into()),
            );
            push(format!("volumeMounts.{path}"), bm.map(mount_text), am.map(mount_text), Some(sub));
        }
    }
    if b.ports != a.ports {
        push("ports".into(), nonempty(&b.ports), nonempty(&a.ports), None);
    }
    if b.security_context != a.security_context {
        push("securityContext".into(), b.security_context.clone(), a.security_context.clone(), None);
    }
}

fn mount_text(m: &crate::ingest::wire::VolumeMount) -> String {
    let mut text = m.name.clone();
    if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
        text.push_str(&format!(" subPath={sub}"));
    }
    if m.read_only == Some(true) {
        text.push_str(" (read-only)");
    }
    text
}

/// An env value as shown: the reference for `valueFrom`, the literal unless
/// the name looks like it holds a secret, and never a URL's password.
fn env_text(name: &str, value: &EnvValue) -> String {
    match value {
        EnvValue::Reference(r) => r.clone(),
        EnvValue::Literal(_) if looks_secret(name) => "(value hidden)".to_string(),
        EnvValue::Literal(v) => hide_url_password(v),
    }
}

/// Names of variables that usually carry credentials.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    const PARTS: &[&str] =
        &["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "AUTH", "PRIVATE", "APIKEY", "CERT"];
    PARTS.iter().any(|p| upper.contains(p))
        || upper.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| matches!(w, "KEY" | "PWD" | "PASS" | "DSN"))
}

/// `postgres://app:s3cret@db:5432/x` → `postgres://app:***@db:5432/x`.
fn hide_url_password(v: &str) -> String {
    let Some(scheme_end) = v.find("://") else { return v.to_string() };
    let rest = &v[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return v.to_string() };
    let Some(colon) = rest[..at].find(':') else { return v.to_string() };
    format!("{}{}:***{}", &v[..scheme_end + 3], &rest[..colon], &rest[at..])
}

/// A probe in one line: `httpGet :8080/healthz delay=5s period=10s failure=3`.
/// Unset fields take the API defaults, so a default written out and one
/// left out read the same.
pub fn probe_text(p: &Probe) -> String {
    let action = if let Some(h) = &p.http_get {
        let scheme = match h.scheme.as_deref() {
            Some(s) if !s.eq_ignore_ascii_case("HTTP") => format!("{} ", s.to_ascii_lowercase()),
            _ => String::new(),
        };
        let port = h.port.as_ref().map(|p| p.to_string()).unwrap_or_default();
        format!("httpGet {scheme}:{port}{}", h.path.as_deref().unwrap_or("/"))
    } else if let Some(t) = &p.tcp_socket {
        format!("tcpSocket :{}", t.port.as_ref().map(|p| p.to_string()).unwrap_or_default())
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port.as_ref().map(|p| p.to_string()).unwrap_or_default())
    } else if let Some(e) = &p.exec {
        format!("exec {}", e.command.join(" "))
    } else {
        "no action".to_string()
    };
    let mut text = action;
    let delay = p.initial_delay_seconds.unwrap_or(0);
    if delay != 0 {
        text.push_str(&format!(" delay={delay}s"));
    }
    let timeout = p.timeout_seconds.unwrap_or(1);
    if timeout != 1 {
        text.push_str(&format!(" timeout={timeout}s"));
    }
    text.push_str(&format!(" period={}s", p.period_seconds.unwrap_or(10)));
    let success = p.success_threshold.unwrap_or(1);
    if success != 1 {
        text.push_str(&format!(" success={success}"));
    }
    text.push_str(&format!(" failure={}", p.failure_threshold.unwrap_or(3)));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::wire;
    use crate::model::revision::{ItemInFile, LazyTemplate};
    use crate::model::source::Origin;
    use std::collections::BTreeMap;

    fn template(json: &str) -> PodTemplate {
        let spec: wire::PodTemplateSpec = serde_json::from_str(json).expect("template json");
        PodTemplate::from_wire(spec)
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).expect("probe json")
    }

    #[test]
    fn probes_read_as_one_canonical_line() {
        let http = probe(
            r#"{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":5,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}"#,
        );
        assert_eq!(probe_text(&http), "httpGet :8080/healthz delay=5s period=10s failure=3");
        // Defaults left out read the same as defaults written out.
        let sparse = probe(r#"{"httpGet":{"path":"/healthz","port":8080},"initialDelaySeconds":5}"#);
        assert_eq!(probe_text(&sparse), probe_text(&http));
        let tcp = probe(r#"{"tcpSocket":{"port":"grpc"},"timeoutSeconds":3,"periodSeconds":20,"failureThreshold":6}"#);
        assert_eq!(probe_text(&tcp), "tcpSocket :grpc timeout=3s period=20s failure=6");
        let exec = probe(r#"{"exec":{"command":["pg_isready","-U","app"]},"successThreshold":2}"#);
        assert_eq!(probe_text(&exec), "exec pg_isready -U app period=10s success=2 failure=3");
        let https = probe(r#"{"httpGet":{"path":"/ready","port":8443,"scheme":"HTTPS"}}"#);
        assert_eq!(probe_text(&https), "httpGet https :8443/ready period=10s failure=3");
    }

    #[test]
    fn secret_looking_env_values_are_hidden() {
        for name in ["DB_PASSWORD", "API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "basic_auth", "TLS_CERT", "KEY"]
        {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["LOG_LEVEL", "MONKEY_MODE", "LEDGER_CONFIG", "KEYCLOAK_URL"] {
            assert!(!looks_secret(name), "{name}");
        }
        assert_eq!(env_text("DB_PASSWORD", &EnvValue::Literal("hunter2".into())), "(value hidden)");
        assert_eq!(
            env_text("DB_PASSWORD", &EnvValue::Reference("secretKeyRef db/password".into())),
            "secretKeyRef db/password"
        );
        assert_eq!(
            env_text("DATABASE_URL", &EnvValue::Literal("postgres://app:s3cret@db:5432/ledger".into())),
            "postgres://app:***@db:5432/ledger"
        );
        assert_eq!(env_text("UPSTREAM", &EnvValue::Literal("http://user@host/x".into())), "http://user@host/x");
    }

    #[test]
    fn env_changes_show_values_but_not_secrets() {
        let before = template(
            r#"{"spec":{"containers":[{"name":"app","image":"a:1","env":[
                {"name":"LOG_LEVEL","value":"info"},{"name":"API_TOKEN","value":"t-1"},
                {"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}]}]}}"#,
        );
        let after = template(
            r#"{"spec":{"containers":[{"name":"app","image":"a:1","env":[
                {"name":"LOG_LEVEL","value":"debug"},{"name":"API_TOKEN","value":"t-2"},
                {"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db-v2","key":"password"}}},
                {"name":"NEW_FLAG","value":"on"}]}]}}"#,
        );
        let changes: Vec<TemplateChange> = diff(&before, &after, "app").into_iter().map(|f| f.change).collect();
        let by_field: BTreeMap<&str, (Option<&str>, Option<&str>)> =
            changes.iter().map(|c| (c.field.as_str(), (c.before.as_deref(), c.after.as_deref()))).collect();
        assert_eq!(by_field["env.LOG_LEVEL"], (Some("info"), Some("debug")));
        assert_eq!(by_field["env.API_TOKEN"], (Some("(value hidden)"), Some("(value hidden)")));
        assert_eq!(
            by_field["env.DB_PASSWORD"],
            (Some("secretKeyRef db/password"), Some("secretKeyRef db-v2/password"))
        );
        assert_eq!(by_field["env.NEW_FLAG"], (None, Some("on")));
        assert_eq!(changes.len(), 4, "{changes:?}");
        assert!(changes.iter().all(|c| c.container.as_deref() == Some("app")));
    }

    #[test]
    fn the_crashing_container_comes_first_and_pod_fields_last() {
        let before = template(
            r#"{"spec":{"volumes":[{"name":"cfg","configMap":{"name":"c1"}}],
                "containers":[{"name":"sidecar","image":"s:1"},{"name":"app","image":"a:1",
                  "resources":{"limits":{"memory":"256Mi"}},
                  "livenessProbe":{"httpGet":{"path":"/healthz","port":8080}},
                  "volumeMounts":[{"name":"cfg","mountPath":"/etc/app"}]}]}}"#,
        );
        let after = template(
            r#"{"spec":{"volumes":[{"name":"cfg","configMap":{"name":"c2"}}],
                "containers":[{"name":"sidecar","image":"s:2"},{"name":"app","image":"a:1",
                  "resources":{"limits":{"memory":"128Mi"}},
                  "livenessProbe":{"httpGet":{"path":"/healthz","port":8080},"failureThreshold":1},
                  "volumeMounts":[{"name":"cfg","mountPath":"/etc/app","readOnly":true}]}],
                "initContainers":[{"name":"migrate","image":"m:1"}]}}"#,
        );
        let fields: Vec<(Option<String>, String)> =
            diff(&before, &after, "app").into_iter().map(|f| (f.change.container, f.change.field)).collect();
        let app = || Some("app".to_string());
        assert_eq!(
            fields,
            vec![
                (app(), "resources.limits.memory".into()),
                (app(), "livenessProbe".into()),
                (app(), "volumeMounts./etc/app".into()),
                (Some("migrate".into()), "initContainer".into()),
                (Some("sidecar".into()), "image".into()),
                (None, "volumes.cfg".into()),
            ]
        );
    }

    fn model_with(revisions: Vec<(&str, i64, Option<i64>, PodTemplate)>) -> Model {
        let parsed = |(name, number, ready, t)| (name, number, ready, LazyTemplate::parsed(t, Default::default()));
        model_with_lazy(revisions.into_iter().map(parsed).collect())
    }

    fn model_with_lazy(revisions: Vec<(&str, i64, Option<i64>, LazyTemplate)>) -> Model {
        let mut model = Model::default();
        let source = model.sources.add("bundle", "cluster-resources/replicasets/shop.json");
        for (i, (name, number, ready, template)) in revisions.into_iter().enumerate() {
            model.revisions.push(Revision {
                kind: RevisionKind::ReplicaSet,
                namespace: "shop".into(),
                name: name.into(),
                owner: Some(OwnerRef { kind: "Deployment".into(), name: "web".into() }),
                number: Some(number),
                created: Time::parse(&format!("2025-08-0{}T10:00:00Z", i + 1)),
                hash: name.strip_prefix("web-").map(str::to_string),
                replicas: Some(1),
                ready,
                pod_template: template,
                origin: Origin { source, line: Some(10 + i as u64 * 100), ..Origin::default() },
            });
        }
        model.finish();
        model
    }

    fn pod_of(rs: &str) -> Pod {
        Pod {
            namespace: "shop".into(),
            name: format!("{rs}-abcde"),
            uid: String::new(),
            static_uid: None,
            node: String::new(),
            phase: "Running".into(),
            reason: String::new(),
            message: String::new(),
            restart_policy: "Always".into(),
            created: None,
            deleted: None,
            labels: Default::default(),
            owner: Some(OwnerRef { kind: "ReplicaSet".into(), name: rs.into() }),
            ready: Some(false),
            conditions: Vec::new(),
            containers: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn a_restart_with_no_template_change_says_so_and_offers_no_rollback() {
        let with_restart = |at: &str| {
            template(&format!(
                r#"{{"metadata":{{"annotations":{{"kubectl.kubernetes.io/restartedAt":"{at}"}},"labels":{{"app":"web"}}}},
                    "spec":{{"containers":[{{"name":"web","image":"w:1"}}]}}}}"#
            ))
        };
        let model = model_with(vec![
            ("web-aaa", 1, Some(1), with_restart("2025-08-01T09:00:00Z")),
            ("web-bbb", 2, None, with_restart("2025-08-02T09:00:00Z")),
        ]);
        // The model's owner chain needs the ReplicaSet workloads; the hash label suffices.
        let mut pod = pod_of("web-bbb");
        std::sync::Arc::make_mut(&mut pod.labels).insert("pod-template-hash".into(), "bbb".into());
        let t = trigger_for(&model, &pod, "web").expect("a Deployment pod has a trigger");
        assert_eq!(t.status, TriggerStatus::NoChange);
        assert!(t.changes.is_empty(), "{:?}", t.changes);
        assert!(t.summary.contains("`kubectl rollout restart` with no template change"), "{}", t.summary);
        assert!(t.remediation.iter().all(|r| !r.mutates), "{:?}", t.remediation);
        assert_eq!(t.healthy_revision, Some(1));
        assert_eq!(t.evidence.len(), 2);
        assert_eq!(t.evidence[0].line, Some(110));
    }

    #[test]
    fn an_unproven_previous_revision_is_compared_and_named_as_such() {
        let image = |i: &str| template(&format!(r#"{{"spec":{{"containers":[{{"name":"web","image":"{i}"}}]}}}}"#));
        let model = model_with(vec![
            ("web-aaa", 5, Some(0), image("w:1")),
            ("web-bbb", 6, None, image("w:2")),
            ("web-ccc", 7, None, image("w:3")),
        ]);
        let mut pod = pod_of("web-ccc");
        std::sync::Arc::make_mut(&mut pod.labels).insert("pod-template-hash".into(), "ccc".into());
        let t = trigger_for(&model, &pod, "web").expect("trigger");
        assert_eq!(t.status, TriggerStatus::Changed);
        assert!(!t.healthy_proven);
        assert_eq!(t.healthy_revision, Some(6));
        assert!(t.summary.contains("revision 6 (web-bbb), not proven healthy"), "{}", t.summary);
        let undo = t.remediation.iter().find(|r| r.mutates).expect("rollback");
        assert_eq!(undo.command.as_deref(), Some("kubectl -n shop rollout undo deployment/web --to-revision=6"));
    }

    #[test]
    fn the_only_revision_has_nothing_to_compare_with() {
        let t1 = template(r#"{"spec":{"containers":[{"name":"web","image":"w:1"}]}}"#);
        let model = model_with(vec![("web-aaa", 1, Some(2), t1)]);
        let mut pod = pod_of("web-aaa");
        std::sync::Arc::make_mut(&mut pod.labels).insert("pod-template-hash".into(), "aaa".into());
        let t = trigger_for(&model, &pod, "web").expect("trigger");
        assert_eq!(t.status, TriggerStatus::NoHealthyRevision);
        assert!(t.summary.contains("is the only revision"), "{}", t.summary);
    }

    #[test]
    fn a_revision_whose_template_cannot_be_read_again_is_left_out() {
        let image = |i: &str| {
            let t = template(&format!(r#"{{"spec":{{"containers":[{{"name":"web","image":"{i}"}}]}}}}"#));
            LazyTemplate::parsed(t, Default::default())
        };
        let vanished = || {
            let path = std::sync::Arc::from(std::path::Path::new("/nonexistent/podmortem/replicasets.json"));
            LazyTemplate::in_file(1, ItemInFile { path, range: 0..100, line: 1 })
        };
        let model = model_with_lazy(vec![
            ("web-aaa", 1, Some(1), image("w:1")),
            ("web-bbb", 2, Some(1), vanished()),
            ("web-ccc", 3, None, image("w:3")),
            ("web-ddd", 4, None, vanished()),
        ]);
        let mut pod = pod_of("web-ccc");
        std::sync::Arc::make_mut(&mut pod.labels).insert("pod-template-hash".into(), "ccc".into());
        let t = trigger_for(&model, &pod, "web").expect("trigger");
        assert_eq!((t.status, t.healthy_revision, t.healthy_proven), (TriggerStatus::Changed, Some(1), true));
        assert_eq!(t.changes[0].before.as_deref(), Some("w:1"));
        // The crashing revision itself unreadable: the bundle cannot show it.
        let mut pod = pod_of("web-ddd");
        std::sync::Arc::make_mut(&mut pod.labels).insert("pod-template-hash".into(), "ddd".into());
        let t = trigger_for(&model, &pod, "web").expect("trigger");
        assert_eq!(t.status, TriggerStatus::NoHistory);
    }

    #[test]
    fn bare_pods_have_no_trigger() {
        let model = model_with(Vec::new());
        let mut pod = pod_of("x");
        pod.owner = None;
        assert!(trigger_for(&model, &pod, "web").is_none());
        pod.owner = Some(OwnerRef { kind: "Job".into(), name: "nightly".into() });
        assert!(trigger_for(&model, &pod, "web").is_none());
    }
}
