//! Recognising what a directory is and what each of its files is for.
//!
//! A support bundle is recognised by its structure (`cluster-resources/`),
//! not its name. Inside it, a file's path says whether it is a container log
//! (and of which container), a collector error list, or a Kubernetes
//! document; documents are then recognised by content.

use crate::model::ContainerKey;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// troubleshoot.sh support bundle directory.
    SupportBundle,
    /// A directory of loose `kubectl get -o json|yaml` files.
    Directory,
    /// One loose file.
    Files,
    /// Standard input.
    Stream,
}

#[derive(Debug, Clone)]
pub enum FileRole {
    Document,
    Log {
        key: ContainerKey,
        previous: bool,
    },
    CollectorErrors,
    /// Known not to hold cluster state (analyzer output, collector timings, ...).
    Ignored,
    /// A directory that could not be listed; the message is the OS error.
    Unreadable(String),
}

/// Finds the bundle root: the input itself, or its single top-level folder
/// when the bundle was extracted into a parent directory.
/// Returns (root prefix relative to the input, files relative to the root).
pub fn bundle_root(_input: &Path, files: &[PathBuf]) -> (PathBuf, Vec<String>) {
    let as_text = |p: &Path| p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    let all: Vec<String> = files.iter().map(|p| as_text(p)).collect();
    if all.iter().any(|f| f.starts_with("cluster-resources/")) {
        return (PathBuf::new(), all);
    }
    // `support-bundle-<time>/cluster-resources/...` one level down.
    let mut tops: Vec<&str> = all
        .iter()
        .filter_map(|f| {
            f.split_once('/').filter(|(_, rest)| rest.starts_with("cluster-resources/")).map(|(top, _)| top)
        })
        .collect();
    tops.sort();
    tops.dedup();
    if let [top] = tops.as_slice() {
        let prefix = format!("{top}/");
        let inner = all.iter().filter_map(|f| f.strip_prefix(&prefix).map(str::to_string)).collect();
        return (PathBuf::from(top), inner);
    }
    (PathBuf::new(), all)
}

pub fn detect(files: &[String]) -> Layout {
    if files.iter().any(|f| f.starts_with("cluster-resources/")) { Layout::SupportBundle } else { Layout::Directory }
}

/// The role of a file at `inside` (a `/`-separated path relative to the bundle root).
pub fn role(layout: Layout, inside: &str, full: &Path) -> FileRole {
    match layout {
        Layout::SupportBundle => support_bundle_role(inside),
        _ => loose_file_role(full),
    }
}

fn support_bundle_role(inside: &str) -> FileRole {
    if let Some(rest) = inside.strip_prefix("cluster-resources/pods/logs/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [namespace, pod, file] = parts.as_slice() {
            if let Some(stem) = file.strip_suffix(".log") {
                let (container, previous) = match stem.strip_suffix("-previous") {
                    Some(c) => (c, true),
                    None => (stem, false),
                };
                let key = ContainerKey {
                    namespace: namespace.to_string(),
                    pod: pod.to_string(),
                    container: container.to_string(),
                };
                return FileRole::Log { key, previous };
            }
        }
        return FileRole::Ignored;
    }
    if inside.starts_with("cluster-resources/custom-resources/") {
        // No rule reads custom resources yet; parsing them would only cost
        // time and report problems in files nobody needs.
        return FileRole::Ignored;
    }
    if let Some(rest) = inside.strip_prefix("cluster-resources/") {
        let name = rest.rsplit('/').next().unwrap_or(rest);
        if name.ends_with("-errors.json") && !rest.contains('/') {
            return FileRole::CollectorErrors;
        }
        if name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml") {
            return FileRole::Document;
        }
        return FileRole::Ignored;
    }
    // Outside cluster-resources: collector output (host info, analyzer
    // results, copied logs reached through symlinks into cluster-resources).
    FileRole::Ignored
}

/// A file given on its own, or found in a plain directory: recognised by content.
pub fn loose_file_role(path: &Path) -> FileRole {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.starts_with('.') {
        return FileRole::Ignored;
    }
    FileRole::Document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_bundle_log_paths_to_containers() {
        match support_bundle_role("cluster-resources/pods/logs/test-crash/app-1/failing-app-previous.log") {
            FileRole::Log { key, previous } => {
                assert_eq!(key.namespace, "test-crash");
                assert_eq!(key.pod, "app-1");
                assert_eq!(key.container, "failing-app");
                assert!(previous);
            }
            other => panic!("expected a log, got {other:?}"),
        }
        match support_bundle_role("cluster-resources/pods/logs/ns/p/c.log") {
            FileRole::Log { key, previous } => assert!(!previous && key.container == "c"),
            other => panic!("expected a log, got {other:?}"),
        }
    }

    #[test]
    fn classifies_other_bundle_files() {
        assert!(matches!(support_bundle_role("cluster-resources/pods/default.json"), FileRole::Document));
        assert!(matches!(
            support_bundle_role("cluster-resources/pod-disruption-budgets-errors.json"),
            FileRole::CollectorErrors
        ));
        // troubleshoot quirk: a directory named like an errors file, holding lists.
        assert!(matches!(
            support_bundle_role("cluster-resources/statefulsets-errors.json/default.json"),
            FileRole::Document
        ));
        assert!(matches!(support_bundle_role("analysis.json"), FileRole::Ignored));
    }

    #[test]
    fn finds_bundle_one_level_down() {
        let files = vec![
            PathBuf::from("support-bundle-x/cluster-resources/nodes.json"),
            PathBuf::from("support-bundle-x/version.yaml"),
        ];
        let (root, inner) = bundle_root(Path::new("."), &files);
        assert_eq!(root, PathBuf::from("support-bundle-x"));
        assert_eq!(inner, vec!["cluster-resources/nodes.json".to_string(), "version.yaml".to_string()]);
        assert_eq!(detect(&inner), Layout::SupportBundle);
    }
}
