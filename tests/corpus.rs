//! Regression checks on real exports from `../shared/corpus` (public,
//! permissively licensed data nobody on this project wrote).
//!
//! The corpus is not part of the repository, so these tests are `#[ignore]`d
//! and run by `scripts/corpus-check` (and `.ci/run`) when it is present.

mod common;

use common::evidence_text;
use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use serde_json::Value;
use std::path::PathBuf;

fn corpus(rel: &str) -> PathBuf {
    let root = std::env::var_os("PODMORTEM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = root.join(rel);
    assert!(path.exists(), "corpus sample missing: {}", path.display());
    path
}

fn report(rel: &str) -> Value {
    let input = Input::Path(corpus(rel));
    let report = analyze(&[input], &Options::default()).expect("analysis runs");
    serde_json::to_value(&report).expect("serialises")
}

fn findings_for<'a>(report: &'a Value, namespace: &str, workload: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["workload"]["namespace"] == namespace && f["workload"]["name"] == workload)
        .collect()
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn troubleshoot_2025_08_09_crash_and_oom() {
    let r = report("replicatedhq__troubleshoot/support-bundle-2025-08-09T21_08_25");
    let crash = findings_for(&r, "test-crash", "crash-loop-app");
    assert_eq!(crash.len(), 1, "one finding for the two replicas: {crash:#?}");
    assert_eq!(crash[0]["cause"], "dependency-unreachable");
    assert_eq!(crash[0]["state"], "active");
    assert_eq!(crash[0]["pods"].as_array().map(Vec::len), Some(2));
    assert!(evidence_text(crash[0]).contains("ERROR: Database connection failed!"));

    let oom = findings_for(&r, "test-oom", "memory-hog");
    assert_eq!(oom.len(), 1, "{oom:#?}");
    assert_eq!(oom[0]["cause"], "oom-killed");
    assert_eq!(oom[0]["state"], "active");
    assert!(oom[0]["title"].as_str().unwrap_or("").contains("50Mi"), "{}", oom[0]["title"]);

    for f in findings_for(&r, "test-connection", "connection-test-app") {
        assert_eq!(f["severity"], "info", "test-connection never crashes: {f:#}");
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn troubleshoot_fixture_command_not_found() {
    let r = report("replicatedhq__troubleshoot/pkg/analyze/files/pods/message-pod-crashloop-backoff.json");
    let f = &r["findings"][0];
    assert_eq!(f["cause"], "command-not-found", "{f:#}");
    assert!(evidence_text(f).contains(r#"exec: "wge": executable file not found in $PATH"#));
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn troubleshoot_fixture_image_pull_is_not_a_crash_loop() {
    let r = report("replicatedhq__troubleshoot/pkg/analyze/files/pods/message-image-pull-fail.json");
    let findings = r["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["cause"], "image-pull", "{f:#}");
        assert_eq!(f["state"], "not-crash-loop");
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn troubleshoot_2025_09_11_backend_api() {
    let r = report("replicatedhq__troubleshoot/real-support-bundles/support-bundle-2025-09-11T15_54_39");
    let api = findings_for(&r, "default", "backend-api");
    assert_eq!(api.len(), 1, "{api:#?}");
    assert_eq!(api[0]["cause"], "dependency-unreachable");
    assert!(evidence_text(api[0]).contains("bad address 'postgres-service.database'"));
    let oom = r["findings"].as_array().expect("findings").iter().filter(|f| f["cause"] == "oom-killed").count();
    assert_eq!(oom, 0, "memory-hungry pods were never OOM-killed");
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn every_sample_directory_is_analysed_without_error() {
    for rel in [
        "replicatedhq__troubleshoot/testdata/supportbundle/support-bundle.tar.gz.extracted",
        "replicatedhq__troubleshoot/pkg/analyze/files",
        "replicatedhq__sbctl/tests/support-bundle",
        "verrazzano__verrazzano/tools",
        "openshift__must-gather-clean/test/files/must-gather-metal.tar.xz.extracted",
        "verrazzano__verrazzano/tools/vz",
        "openshift__insights-operator/docs/insights-archive-sample",
        "derailed__popeye/internal/lint/testdata/core/pod",
    ] {
        let path = corpus(rel);
        if !path.exists() {
            continue;
        }
        let r = analyze(&[Input::Path(path)], &Options::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let json = serde_json::to_string(&r).expect("serialises");
        assert!(json.contains("podmortem/report/v1"), "{rel}");
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn insights_archive_hana_init_container() {
    let r = report("openshift__insights-operator/docs/insights-archive-sample");
    let hana: Vec<&Value> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["subject"]["container"] == "vsystem-hana-init")
        .collect();
    assert_eq!(hana.len(), 1, "{hana:#?}");
    assert_eq!(hana[0]["cause"], "dependency-unreachable");
    assert_eq!(hana[0]["state"], "active");
    assert_eq!(hana[0]["restarts"], 7527);
    assert!(evidence_text(hana[0]).contains("connect timeout expired"));
}

fn decisive_quote(r: &Value, container: &str, needle: &str) -> Value {
    let found: Vec<&Value> =
        r["findings"].as_array().expect("findings").iter().filter(|f| f["subject"]["container"] == container).collect();
    assert!(!found.is_empty(), "no finding for container {container}: {:#}", r["findings"]);
    assert!(evidence_text(found[0]).contains(needle), "{container}: evidence lacks {needle:?}: {:#}", found[0]);
    found[0].clone()
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn sbctl_velero_bad_argument() {
    let r = report("replicatedhq__sbctl/tests/support-bundle");
    let f = decisive_quote(&r, "velero", r#"unknown command "server-junk" for "velero""#);
    assert_eq!(f["cause"], "app-error", "{f:#}");
    assert_eq!(f["state"], "active");
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn verrazzano_ingress_controller_from_cluster_info_dump() {
    let r = report("verrazzano__verrazzano/tools/analysis/test/cluster/ingress-install-unknown/cluster-dump");
    assert_eq!(r["inputs"][0]["layout"], "cluster-info-dump");
    let f = decisive_quote(&r, "controller", "permission denied");
    // Exit 255 on a healthy node: the controller's own fatal exit, not a host error.
    assert_eq!(f["cause"], "ingress-controller-config", "{f:#}");
    assert_eq!(f["last_exit_code"], 255);
    assert_eq!(f["state"], "active");
    assert!(common::with_cause(&r, "host-error").is_empty(), "{:#}", r["findings"]);
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn k3d_tarball_read_from_the_archive() {
    let r = report("replicatedhq__troubleshoot/testdata/supportbundle/support-bundle.tar.gz");
    assert_eq!(r["inputs"][0]["container"], "archive");
    for container in ["local-path-provisioner", "metrics-server"] {
        let f = decisive_quote(&r, container, "10.43.0.1:443");
        assert_eq!(f["cause"], "api-server-unreachable", "{container}: {f:#}");
        assert_eq!(f["state"], "recovered", "{container}");
        assert!(evidence_text(&f).contains("i/o timeout"), "{container}: {f:#}");
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn k3d_node_restart_is_one_incident() {
    let r = report("replicatedhq__troubleshoot/testdata/supportbundle/support-bundle.tar.gz");
    let lost: Vec<&Value> = common::with_cause(&r, "host-error");
    assert!(lost.len() >= 5, "{:#}", r["findings"]);
    let incidents: Vec<&Value> =
        r["incidents"].as_array().expect("incidents").iter().filter(|i| i["link"] == "node-restart").collect();
    assert_eq!(incidents.len(), 1, "{:#}", r["incidents"]);
    let members = incidents[0]["findings"].as_array().expect("members");
    for f in lost {
        assert!(members.contains(&f["id"]), "{} not in the node-restart incident", f["id"]);
    }
    assert!(incidents[0]["title"].as_str().unwrap_or("").contains("k3d-mycluster-server-0"), "{:#}", incidents[0]);
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn must_gather_archives_have_only_recovered_bootstrap_loops() {
    for rel in [
        "openshift__must-gather-clean/test/files/must-gather-metal.tar.xz",
        "openshift__must-gather-clean/test/files/must-gather-aws.tar.xz",
    ] {
        let r = report(rel);
        assert_eq!(r["inputs"][0]["layout"], "must-gather", "{rel}");
        assert_eq!(r["summary"]["critical"], 0, "{rel}: {:#}", r["findings"]);
        let findings = r["findings"].as_array().expect("findings");
        assert!(!findings.is_empty(), "{rel}: the bootstrap restarts must be reported");
        assert!(findings.iter().all(|f| f["state"] == "recovered"), "{rel}: every bootstrap loop has recovered");
        if rel.contains("metal") {
            // The ingress operator restarted while the Route CRD was missing.
            assert!(findings.iter().any(|f| f["subject"]["container"] == "ingress-operator"), "{rel}");
        }
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn every_archive_in_the_corpus_is_analysed() {
    for rel in [
        "replicatedhq__troubleshoot/testdata/supportbundle/support-bundle.tar.gz",
        "replicatedhq__troubleshoot/test/baselines/supportbundle/baseline.tar.gz",
        "openshift__must-gather-clean/test/files/must-gather-metal.tar.xz",
        "openshift__must-gather-clean/test/files/must-gather-aws.tar.xz",
    ] {
        let r = report(rel);
        assert_eq!(r["inputs"][0]["container"], "archive", "{rel}");
        assert!(r["inputs"][0]["files_read"].as_u64().is_some_and(|n| n > 10), "{rel}: {:#}", r["inputs"]);
    }
}

#[test]
#[ignore = "needs ../shared/corpus; run scripts/corpus-check"]
fn baseline_bundle_is_healthy() {
    let r = report("replicatedhq__troubleshoot/test/baselines/supportbundle/baseline.tar.gz");
    for f in r["findings"].as_array().expect("findings") {
        assert_eq!(f["severity"], "info", "baseline: {f:#}");
    }
}
