//! Every export layout, from our own fixtures: cluster-info dump (directory
//! and stdout form), must-gather (directory and .tar.xz built here), the
//! Insights archive, Rancher's support-bundle-kit (zip built here),
//! `kubectl describe` pastes, loose `kubectl logs` files, pipeline logs, and
//! several inputs merged into one analysis.

mod common;

use common::{analyze_fixture, evidence_text, findings, fixture, warnings};
use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use podmortem::model::ContainerKey;
use serde_json::Value;
use std::io::Write;

fn finding_for<'a>(report: &'a Value, container: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["subject"]["container"] == container)
        .unwrap_or_else(|| panic!("no finding for container {container}: {:#}", report["findings"]))
}

#[test]
fn describe_paste_of_an_oom_killed_pod() {
    let r = analyze_fixture(&["inputs/loose/describe-oom.txt"]);
    let f = &findings(&r)[0];
    assert_eq!(f["cause"], "oom-killed", "{f:#}");
    assert!(f["title"].as_str().unwrap_or("").contains("256Mi"));
    // Evidence points at the line of the paste, as `describe` evidence.
    let e = &f["evidence"][0];
    assert_eq!(e["kind"], "describe");
    let line = e["line"].as_u64().expect("line") as usize;
    let text = std::fs::read_to_string(fixture("inputs/loose/describe-oom.txt")).expect("fixture");
    assert!(
        text.lines().nth(line - 1).is_some_and(|l| l.contains("Terminated") || l.contains("OOMKilled")),
        "line {line}"
    );
}

#[test]
fn describe_paste_of_a_liveness_killed_pod() {
    let r = analyze_fixture(&["inputs/loose/describe-liveness.txt"]);
    let f = &findings(&r)[0];
    assert_eq!(f["cause"], "liveness-probe-failure", "{f:#}");
    assert!(evidence_text(f).contains("failed liveness probe, will be restarted"));
    assert!(with_no(&r, "oom-killed"));
}

fn with_no(r: &Value, cause: &str) -> bool {
    findings(r).iter().all(|f| f["cause"] != cause)
}

#[test]
fn loose_logs_attach_by_their_name() {
    let r = analyze_fixture(&[
        "inputs/loose/pods.json",
        "inputs/loose/cart-7b6d5c9f84-h2k9m_cart_previous.log",
        "inputs/loose/cart-7b6d5c9f84-h2k9m_cart.log",
    ]);
    let f = finding_for(&r, "cart");
    assert_eq!(f["cause"], "dependency-unreachable");
    assert_eq!(f["log"], "previous");
    assert!(f["evidence"][0]["source"].as_str().unwrap_or("").ends_with("cart-7b6d5c9f84-h2k9m_cart_previous.log"));
}

#[test]
fn logs_for_attributes_an_arbitrary_file() {
    let pods = fixture("inputs/loose/pods.json");
    let log = fixture("inputs/loose/plain-name.log");
    let key = ContainerKey { namespace: "shop".into(), pod: "cart-7b6d5c9f84-h2k9m".into(), container: "cart".into() };
    let options = Options { logs_for: vec![(log.clone(), key, true)], ..Options::default() };
    let r = analyze(&[Input::Path(pods.clone()), Input::Path(log)], &options).expect("analysis");
    let r = serde_json::to_value(&r).expect("json");
    assert_eq!(finding_for(&r, "cart")["cause"], "dependency-unreachable");
    // Without the flag the file is not a container's log.
    let alone = analyze_fixture(&["inputs/loose/pods.json", "inputs/loose/plain-name.log"]);
    assert_ne!(finding_for(&alone, "cart")["cause"], "dependency-unreachable");
}

#[test]
fn a_pipeline_log_is_read_as_its_own_source() {
    let r = analyze_fixture(&["inputs/loose/terraform-apply.log"]);
    assert_eq!(r["inputs"][0]["files_read"], 1);
    assert!(warnings(&r).is_empty(), "{:#}", r["warnings"]);
}

#[test]
fn cluster_info_dump_directory() {
    let r = analyze_fixture(&["layouts/cluster-info-dump"]);
    assert_eq!(r["inputs"][0]["layout"], "cluster-info-dump");
    let f = finding_for(&r, "controller");
    assert_eq!(f["state"], "active");
    assert!(evidence_text(f).contains("permission denied"), "{f:#}");
    // Lines point into logs.txt, past the block's START marker.
    let e = f["evidence"].as_array().expect("evidence").iter().find(|e| e["kind"] == "log").expect("log evidence");
    let source = e["source"].as_str().expect("source");
    assert!(source.ends_with("logs.txt"));
    let text = std::fs::read_to_string(fixture("layouts/cluster-info-dump").join(source)).expect("logs.txt");
    let line = text.lines().nth(e["line"].as_u64().expect("line") as usize - 1).expect("line exists");
    assert!(line.contains("permission denied"), "line {}: {line}", e["line"]);
}

#[test]
fn cluster_info_dump_to_stdout() {
    let dir = analyze_fixture(&["layouts/cluster-info-dump"]);
    let stream = analyze_fixture(&["layouts/cluster-info-dump-stdout.txt"]);
    let causes =
        |r: &Value| findings(r).iter().map(|f| (f["cause"].clone(), f["subject"]["name"].clone())).collect::<Vec<_>>();
    assert_eq!(causes(&stream), causes(&dir));
    assert!(warnings(&stream).is_empty(), "{:#}", stream["warnings"]);
}

#[test]
fn must_gather_directory_and_tar_xz() {
    let r = analyze_fixture(&["layouts/must-gather"]);
    assert_eq!(r["inputs"][0]["layout"], "must-gather");
    assert_eq!(r["summary"]["critical"], 0, "{:#}", r["findings"]);
    let f = finding_for(&r, "ingress-operator");
    assert_eq!(f["state"], "recovered");
    assert_eq!(f["log"], "previous");

    // The same tree as a .tar.xz, read without extracting it.
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_dir_all("must-gather.local.5512364781", fixture("layouts/must-gather/must-gather.local.5512364781"))
        .expect("tar");
    let tar = builder.into_inner().expect("tar");
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&tar).expect("xz");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("must-gather.tar.xz");
    std::fs::write(&path, xz.finish().expect("xz")).expect("write");
    let archived = analyze(&[Input::Path(path)], &Options::default()).expect("analysis");
    let archived = serde_json::to_value(&archived).expect("json");
    let key = |r: &Value| {
        findings(r)
            .iter()
            .map(|f| (f["cause"].clone(), f["state"].clone(), f["subject"]["name"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&archived), key(&r));
}

#[test]
fn insights_archive() {
    let r = analyze_fixture(&["layouts/insights-archive"]);
    assert_eq!(r["inputs"][0]["layout"], "insights-archive");
    let f = finding_for(&r, "vsystem-hana-init");
    assert_eq!(f["cause"], "dependency-unreachable");
    assert_eq!(f["state"], "active");
    assert_eq!(f["restarts"], 7527);
}

#[test]
fn rancher_support_bundle_kit_zip() {
    let base = fixture("layouts/rancher-bundle");
    let direct = analyze_fixture(&["layouts/rancher-bundle"]);
    assert_eq!(direct["inputs"][0]["layout"], "rancher-bundle");
    let f = findings(&direct).first().expect("a finding").clone();
    assert_eq!(f["log"], "previous", "the previous run is <c>.log.1: {f:#}");
    assert!(evidence_text(&f).contains("panic: runtime error: index out of range"), "{f:#}");

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut stack = vec![base.clone()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            if e.path().is_dir() { stack.push(e.path()) } else { files.push(e.path()) }
        }
    }
    files.sort();
    for path in files {
        let name = path.strip_prefix(&base).expect("inside").to_string_lossy().to_string();
        zip.start_file(name, opts).expect("entry");
        zip.write_all(&std::fs::read(&path).expect("read")).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("supportbundle.zip");
    std::fs::write(&path, bytes).expect("write");
    let zipped =
        serde_json::to_value(analyze(&[Input::Path(path)], &Options::default()).expect("analysis")).expect("json");
    assert_eq!(findings(&zipped).len(), findings(&direct).len());
    assert_eq!(findings(&zipped)[0]["cause"], f["cause"]);
}

#[test]
fn several_inputs_merge_and_the_same_pod_counts_once() {
    // The pod list appears in two inputs; the describe paste adds another pod.
    let r = analyze_fixture(&["inputs/loose/pods.json", "inputs/loose/pods.json", "inputs/loose/describe-oom.txt"]);
    let carts = findings(&r).iter().filter(|f| f["subject"]["container"] == "cart").count();
    assert_eq!(carts, 1, "{:#}", r["findings"]);
    assert!(findings(&r).iter().any(|f| f["cause"] == "oom-killed"));
    assert_eq!(r["inputs"].as_array().map(Vec::len), Some(3));
}

#[test]
fn dump_findings_say_only_the_current_log_exists_and_evidence_has_times() {
    let r = analyze_fixture(&["layouts/cluster-info-dump"]);
    let f = finding_for(&r, "controller");
    assert_eq!(f["log"], "current");
    assert!(f["log_note"].as_str().unwrap_or("").contains("never collects previous logs"), "{f:#}");
    // klog lines carry no year: the snapshot's year places them.
    let e = f["evidence"].as_array().expect("evidence").iter().find(|e| e["kind"] == "log").expect("log evidence");
    assert!(e["time"].as_str().is_some_and(|t| t.starts_with("2025-08-10T")), "{e:#}");
}

#[test]
fn a_crashed_run_is_placed_in_time_by_its_first_and_last_log_lines() {
    let r = analyze_fixture(&["demo-bundle"]);
    let web = finding_for(&r, "web");
    assert_eq!(web["log_span"]["first"], "2025-08-10T02:05:39.021Z", "{web:#}");
    assert_eq!(web["log_span"]["last"], "2025-08-10T02:05:41.113Z");
}
