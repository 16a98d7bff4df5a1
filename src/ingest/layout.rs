//! Recognising what each file of an input is for, from its path alone.
//!
//! Every layout is recognised by path patterns anchored on its own folder
//! names (`cluster-resources/`, `namespaces/<ns>/pods/`, `config/pod/`,
//! `yamls/namespaced/`...), wherever they sit under the input: a bundle
//! extracted into a parent folder, or stored in a tarball under a top-level
//! directory, reads the same. Because a role never depends on other files,
//! an archive can be processed entry by entry as it streams.
//! Documents are then recognised by content, not by extension.

use crate::model::ContainerKey;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// troubleshoot.sh support bundle.
    SupportBundle,
    /// `kubectl cluster-info dump --output-directory`.
    ClusterInfoDump,
    /// OpenShift must-gather.
    MustGather,
    /// OpenShift Insights Operator archive.
    InsightsArchive,
    /// Rancher / Harvester support-bundle-kit.
    RancherBundle,
    /// A directory of loose `kubectl` outputs.
    Directory,
    /// One loose file.
    Files,
    /// Standard input.
    Stream,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSlot {
    Current,
    Previous,
    /// must-gather's retry of the previous log with --insecure-skip-tls-verify-backend:
    /// used only when `previous.log` is empty or missing.
    PreviousInsecure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRole {
    /// Kubernetes objects (JSON or YAML), or a `kubectl describe` paste; by content.
    Document,
    /// One container's log. An empty namespace means "whichever namespace
    /// holds a pod of that name" (loose `kubectl logs` files carry no namespace).
    Log { key: ContainerKey, slot: LogSlot },
    /// A `cluster-info dump` logs.txt: every container of one pod, in blocks.
    DumpLogs { namespace: String, pod: String },
    /// troubleshoot.sh `*-errors.json`.
    CollectorErrors,
    /// A CI/IaC pipeline log or any text podmortem keeps as its own source.
    PipelineLog,
    /// Known not to hold cluster state (collector metadata, analyzer output,
    /// custom resources no rule reads...).
    Ignored,
    /// Something in a directory that cannot be read as a file (a folder
    /// that cannot be listed, a broken link); the message is the warning.
    Unreadable(String),
}

/// The role of one file and the layout its path belongs to (None: no
/// layout-specific pattern matched).
pub fn role_of(path: &str) -> (Option<Layout>, FileRole) {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let name = parts.last().copied().unwrap_or("");
    if name.starts_with('.') {
        return (None, FileRole::Ignored);
    }
    if let Some(at) = parts.iter().position(|p| *p == "cluster-resources") {
        return (Some(Layout::SupportBundle), support_bundle(&parts[at + 1..]));
    }
    // Before must-gather: the Insights archive's `conditional/namespaces/`
    // would otherwise read as a must-gather's `namespaces/`.
    if let Some(found) = insights(&parts) {
        return (Some(Layout::InsightsArchive), found);
    }
    if let Some(found) = must_gather(&parts) {
        return (Some(Layout::MustGather), found);
    }
    if let Some(found) = rancher(&parts) {
        return (Some(Layout::RancherBundle), found);
    }
    if name == "logs.txt" && parts.len() >= 3 {
        let (namespace, pod) = (parts[parts.len() - 3], parts[parts.len() - 2]);
        return (Some(Layout::ClusterInfoDump), FileRole::DumpLogs { namespace: namespace.into(), pod: pod.into() });
    }
    (None, loose(name))
}

fn support_bundle(rest: &[&str]) -> FileRole {
    match rest {
        ["pods", "logs", namespace, pod, file] => match file.strip_suffix(".log") {
            Some(stem) => {
                let (container, slot) = match stem.strip_suffix("-previous") {
                    Some(c) => (c, LogSlot::Previous),
                    None => (stem, LogSlot::Current),
                };
                FileRole::Log { key: key(namespace, pod, container), slot }
            }
            None => FileRole::Ignored,
        },
        ["pods", "logs", ..] => FileRole::Ignored,
        // No rule reads custom resources yet; parsing them would only cost
        // time and report problems in files nobody needs.
        ["custom-resources", ..] => FileRole::Ignored,
        [name] if name.ends_with("-errors.json") => FileRole::CollectorErrors,
        [.., name] if is_document_name(name) => FileRole::Document,
        _ => FileRole::Ignored,
    }
}

/// `namespaces/<ns>/pods/<pod>/<c>/<c>/logs/current.log`, the YAML lists of
/// `namespaces/<ns>/{core,apps,batch}/`, single pods, and nodes.
fn must_gather(parts: &[&str]) -> Option<FileRole> {
    if let Some(at) = parts.iter().position(|p| *p == "cluster-scoped-resources") {
        return Some(match &parts[at + 1..] {
            ["core", "nodes", name] if is_document_name(name) => FileRole::Document,
            _ => FileRole::Ignored,
        });
    }
    let at = parts.iter().position(|p| *p == "namespaces")?;
    let rest = &parts[at + 1..];
    Some(match rest {
        [namespace, "pods", pod, container, _again, "logs", file] => {
            let slot = match *file {
                "current.log" => LogSlot::Current,
                "previous.log" => LogSlot::Previous,
                "previous.insecure.log" => LogSlot::PreviousInsecure,
                _ => return Some(FileRole::Ignored),
            };
            FileRole::Log { key: key(namespace, pod, container), slot }
        }
        [_, "pods", pod, file] if file.strip_suffix(".yaml").is_some_and(|f| f == *pod) => FileRole::Document,
        [_, "core" | "apps" | "batch", file] if is_document_name(file) => FileRole::Document,
        // The namespace object itself, and the many API groups no rule reads.
        [_, ..] => FileRole::Ignored,
        [] => return None,
    })
}

/// Insights Operator archive: `config/pod/<ns>/<pod>.json`,
/// `config/pod/<ns>/logs/<pod>/<c>_{current,previous}.log`, and the
/// conditional gatherer's `conditional/namespaces/<ns>/pods/<pod>/...`.
fn insights(parts: &[&str]) -> Option<FileRole> {
    if let Some(at) = parts.windows(2).position(|w| w == ["config", "pod"]) {
        return Some(match &parts[at + 2..] {
            [_, file] if file.ends_with(".json") => FileRole::Document,
            [namespace, "logs", pod, file] => match file.strip_suffix(".log").and_then(|s| s.rsplit_once('_')) {
                Some((container, "current")) => {
                    FileRole::Log { key: key(namespace, pod, container), slot: LogSlot::Current }
                }
                Some((container, "previous")) => {
                    FileRole::Log { key: key(namespace, pod, container), slot: LogSlot::Previous }
                }
                // errors.log / messages.log: lines pre-filtered by regex from
                // unnamed containers; not a container's log.
                _ => FileRole::Ignored,
            },
            _ => FileRole::Ignored,
        });
    }
    let at = parts.windows(2).position(|w| w == ["conditional", "namespaces"])?;
    Some(match &parts[at + 2..] {
        [_, "pods", pod, file] if file.strip_suffix(".json").is_some_and(|f| f == *pod) => FileRole::Document,
        [namespace, "pods", pod, "containers", container, "logs", file]
            if file.starts_with("last-") && file.ends_with("-lines.log") =>
        {
            FileRole::Log { key: key(namespace, pod, container), slot: LogSlot::Current }
        }
        _ => FileRole::Ignored,
    })
}

/// Rancher support-bundle-kit: `yamls/{namespaced,cluster}/...yaml`,
/// `logs/<ns>/<pod>/<c>.log` and the previous run in `<c>.log.1`.
fn rancher(parts: &[&str]) -> Option<FileRole> {
    if let Some(at) = parts.iter().position(|p| *p == "yamls") {
        if matches!(parts.get(at + 1), Some(&"namespaced") | Some(&"cluster")) {
            let name = parts.last().copied().unwrap_or("");
            return Some(if is_document_name(name) { FileRole::Document } else { FileRole::Ignored });
        }
    }
    let at = parts.iter().rposition(|p| *p == "logs")?;
    match &parts[at + 1..] {
        [namespace, pod, file] => {
            let (container, slot) = if let Some(c) = file.strip_suffix(".log.1") {
                (c, LogSlot::Previous)
            } else {
                (file.strip_suffix(".log")?, LogSlot::Current)
            };
            // Only inside a Rancher bundle (a `yamls/` sibling is not visible
            // per path, so require the bundle's own top-level `logs/`).
            if at == 0 || parts.get(at.wrapping_sub(1)).is_some_and(|p| p.starts_with("supportbundle")) {
                Some(FileRole::Log { key: key(namespace, pod, container), slot })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A file outside any known layout: a document by content, or a loose
/// `kubectl logs` output named `<pod>_<container>[_previous].log`, or a
/// pipeline log.
fn loose(name: &str) -> FileRole {
    if let Some((key, slot)) = loose_log_name(name) {
        return FileRole::Log { key, slot };
    }
    if name.ends_with(".log") {
        return FileRole::PipelineLog;
    }
    FileRole::Document
}

/// `<pod>_<container>.log`, `<pod>_<container>_previous.log`, and the
/// namespaced `<ns>_<pod>_<container>[_previous].log`. Pod and container
/// names are DNS labels (no `_`), so `_` separates them unambiguously.
pub fn loose_log_name(name: &str) -> Option<(ContainerKey, LogSlot)> {
    let stem = name.strip_suffix(".log").or_else(|| name.strip_suffix(".txt"))?;
    let (stem, slot) = match stem.strip_suffix("_previous") {
        Some(s) => (s, LogSlot::Previous),
        None => (stem, LogSlot::Current),
    };
    let parts: Vec<&str> = stem.split('_').collect();
    let valid = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    match parts.as_slice() {
        [pod, container] if valid(pod) && valid(container) => Some((key("", pod, container), slot)),
        [namespace, pod, container] if valid(namespace) && valid(pod) && valid(container) => {
            Some((key(namespace, pod, container), slot))
        }
        _ => None,
    }
}

fn is_document_name(name: &str) -> bool {
    name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml")
}

fn key(namespace: &str, pod: &str, container: &str) -> ContainerKey {
    ContainerKey { namespace: namespace.to_string(), pod: pod.to_string(), container: container.to_string() }
}

/// The layout of an input from the layouts its files matched: the most
/// frequent specific one, else a plain directory.
pub fn vote(counts: &std::collections::BTreeMap<Layout, usize>) -> Layout {
    counts
        .iter()
        .max_by_key(|(layout, n)| (**n, std::cmp::Reverse(**layout)))
        .map(|(l, _)| *l)
        .unwrap_or(Layout::Directory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(path: &str) -> (ContainerKey, LogSlot) {
        match role_of(path).1 {
            FileRole::Log { key, slot } => (key, slot),
            other => panic!("{path}: expected a log, got {other:?}"),
        }
    }

    #[test]
    fn support_bundle_paths_anywhere_under_the_input() {
        let (key, slot) = log("support-bundle-x/cluster-resources/pods/logs/test-crash/app-1/failing-app-previous.log");
        assert_eq!(
            (key.namespace.as_str(), key.pod.as_str(), key.container.as_str()),
            ("test-crash", "app-1", "failing-app")
        );
        assert_eq!(slot, LogSlot::Previous);
        assert_eq!(log("cluster-resources/pods/logs/ns/p/c.log").1, LogSlot::Current);
        assert_eq!(role_of("cluster-resources/pods/default.json"), (Some(Layout::SupportBundle), FileRole::Document));
        assert_eq!(role_of("cluster-resources/pod-disruption-budgets-errors.json").1, FileRole::CollectorErrors);
        // troubleshoot quirk: a directory named like an errors file, holding lists.
        assert_eq!(role_of("cluster-resources/statefulsets-errors.json/default.json").1, FileRole::Document);
        assert_eq!(role_of("cluster-resources/custom-resources/x.io/ns.yaml").1, FileRole::Ignored);
    }

    #[test]
    fn must_gather_paths() {
        let base = "must-gather.local.1/quay-io-x/namespaces/openshift-ingress-operator";
        let (key, slot) =
            log(&format!("{base}/pods/ingress-operator-7d5/ingress-operator/ingress-operator/logs/previous.log"));
        assert_eq!(
            (key.pod.as_str(), key.container.as_str(), slot),
            ("ingress-operator-7d5", "ingress-operator", LogSlot::Previous)
        );
        assert_eq!(log(&format!("{base}/pods/p/c/c/logs/previous.insecure.log")).1, LogSlot::PreviousInsecure);
        assert_eq!(role_of(&format!("{base}/core/pods.yaml")), (Some(Layout::MustGather), FileRole::Document));
        assert_eq!(role_of(&format!("{base}/pods/p/p.yaml")).1, FileRole::Document);
        assert_eq!(role_of(&format!("{base}/route.openshift.io/routes.yaml")).1, FileRole::Ignored);
        assert_eq!(role_of("mg/cluster-scoped-resources/core/nodes/master-0.yaml").1, FileRole::Document);
    }

    #[test]
    fn insights_archive_paths() {
        assert_eq!(
            role_of("config/pod/di-288312/vsystem-867f.json"),
            (Some(Layout::InsightsArchive), FileRole::Document)
        );
        assert_eq!(log("config/pod/ns/logs/pod-1/app_previous.log").1, LogSlot::Previous);
        assert_eq!(role_of("config/pod/ns/logs/pod-1/errors.log").1, FileRole::Ignored);
        let (key, _) =
            log("conditional/namespaces/openshift-monitoring/pods/am-0/containers/alertmanager/logs/last-50-lines.log");
        assert_eq!(key.container, "alertmanager");
    }

    #[test]
    fn cluster_info_dump_and_rancher_paths() {
        assert_eq!(
            role_of("cluster-dump/ingress-nginx/ingress-controller-abc/logs.txt"),
            (
                Some(Layout::ClusterInfoDump),
                FileRole::DumpLogs { namespace: "ingress-nginx".into(), pod: "ingress-controller-abc".into() }
            )
        );
        assert_eq!(role_of("yamls/namespaced/default/v1/pods.yaml"), (Some(Layout::RancherBundle), FileRole::Document));
        assert_eq!(log("logs/default/web-1/nginx.log.1").1, LogSlot::Previous);
    }

    #[test]
    fn loose_log_names() {
        let (key, slot) = loose_log_name("api-7c9d-xk2lp_api_previous.log").expect("named");
        assert_eq!(
            (key.namespace.as_str(), key.pod.as_str(), key.container.as_str(), slot),
            ("", "api-7c9d-xk2lp", "api", LogSlot::Previous)
        );
        let (key, _) = loose_log_name("checkout_api-7c9d-xk2lp_api.log").expect("namespaced");
        assert_eq!(key.namespace, "checkout");
        assert!(loose_log_name("terraform-apply.log").is_none());
        assert_eq!(role_of("ci/terraform-apply.log").1, FileRole::PipelineLog);
        assert_eq!(role_of("pods.json").1, FileRole::Document);
    }
}
