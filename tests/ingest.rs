//! Ingest of loose `kubectl get` outputs, both event APIs, and bad input:
//! every problem is a warning naming the file, and the rest is still read.

mod common;

use common::{analyze_fixture, findings, warnings, with_cause};
use serde_json::Value;

fn pod_names(report: &Value) -> Vec<String> {
    let mut names: Vec<String> =
        findings(report).iter().filter_map(|f| f["subject"]["name"].as_str().map(str::to_string)).collect();
    names.sort();
    names
}

#[test]
fn json_list_and_yaml_list_give_the_same_findings() {
    let json = analyze_fixture(&["inputs/pods-list.json"]);
    let yaml = analyze_fixture(&["inputs/pods.yaml"]);
    assert!(!with_cause(&json, "oom-killed").is_empty(), "{:#}", json["findings"]);
    assert_eq!(pod_names(&json), pod_names(&yaml));
    let causes = |r: &Value| findings(r).iter().map(|f| f["cause"].clone()).collect::<Vec<_>>();
    assert_eq!(causes(&json), causes(&yaml));
    assert!(warnings(&json).is_empty(), "{:#}", json["warnings"]);
    assert!(warnings(&yaml).is_empty(), "{:#}", yaml["warnings"]);
}

#[test]
fn json_evidence_points_at_the_line_of_the_field() {
    let report = analyze_fixture(&["inputs/pods-list.json"]);
    let f = with_cause(&report, "oom-killed")[0];
    let e = &f["evidence"][0];
    let line = e["line"].as_u64().expect("line") as usize;
    let text = std::fs::read_to_string(common::fixture("inputs/pods-list.json")).expect("fixture");
    let at = text.lines().nth(line - 1).expect("line exists");
    assert!(at.contains("\"lastState\"") || at.contains("\"terminated\""), "line {line} is `{at}`");
}

#[test]
fn yaml_list_items_keep_their_lines() {
    let report = analyze_fixture(&["inputs/pods.yaml"]);
    let f = findings(&report).first().expect("a finding");
    let line = f["evidence"][0]["line"].as_u64().expect("line") as usize;
    let text = std::fs::read_to_string(common::fixture("inputs/pods.yaml")).expect("fixture");
    let at = text.lines().nth(line - 1).expect("line exists");
    assert!(at.trim_start().starts_with("- "), "line {line} should start a list item: `{at}`");
}

#[test]
fn multi_document_yaml_is_read_whole() {
    let report = analyze_fixture(&["inputs/multi-doc.yaml"]);
    assert!(warnings(&report).is_empty(), "{:#}", report["warnings"]);
    assert_eq!(report["inputs"][0]["files_read"], 1);
}

#[test]
fn lists_without_kind_are_recognised_by_shape() {
    let report = analyze_fixture(&["inputs/list-without-kind.json"]);
    assert!(!findings(&report).is_empty(), "pods without `kind` must still be read");
}

#[test]
fn events_v1_are_normalised_and_attached() {
    let report = analyze_fixture(&["inputs/pods-list.json", "inputs/events-v1.json"]);
    assert!(warnings(&report).is_empty(), "{:#}", report["warnings"]);
    let alone = analyze_fixture(&["inputs/pods-list.json"]);
    // The events.k8s.io/v1 BackOff series extends what is known of the loop.
    let seen =
        |r: &Value| findings(r).iter().map(|f| (f["first_seen"].clone(), f["last_seen"].clone())).collect::<Vec<_>>();
    assert_ne!(seen(&report), seen(&alone), "events.k8s.io/v1 events must be attached to their pod");
}

#[test]
fn a_malformed_item_is_a_warning_and_the_rest_is_read() {
    let report = analyze_fixture(&["inputs/malformed-item.json"]);
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0]["code"], "invalid-item");
    let message = w[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("items[1]") && message.contains("line"), "{message}");
    assert!(w[0]["source"].as_str().unwrap_or("").ends_with("malformed-item.json"));
}

#[test]
fn truncated_json_names_line_and_column() {
    let report = analyze_fixture(&["inputs/truncated.json"]);
    let w = warnings(&report);
    assert!(
        w.iter().any(|w| w["code"] == "invalid-json" && w["message"].as_str().unwrap_or("").contains("line")),
        "{w:#?}"
    );
}

#[test]
fn empty_and_binary_files_are_warnings() {
    let report = analyze_fixture(&["inputs/empty.json", "inputs/binary.json"]);
    let w = warnings(&report);
    assert!(
        w.iter().any(|w| w["code"] == "empty-file" && w["source"].as_str().unwrap_or("").ends_with("empty.json")),
        "{w:#?}"
    );
    assert!(w.iter().any(|w| w["source"].as_str().unwrap_or("").ends_with("binary.json")), "{w:#?}");
}

#[test]
fn a_non_utf8_log_is_read_lossily_and_reported() {
    let report = analyze_fixture(&["inputs/bundle-bad-log"]);
    assert!(warnings(&report).iter().any(|w| w["code"] == "not-utf8"), "{:#}", report["warnings"]);
    let all = findings(&report);
    assert!(!all.is_empty());
    assert!(common::evidence_text(&all[0]).contains("FATAL: config file /etc/app/app.yaml missing"), "{:#}", all[0]);
}

#[test]
fn the_whole_inputs_folder_is_analysed_with_warnings_not_failures() {
    let report = analyze_fixture(&["inputs"]);
    assert!(!findings(&report).is_empty());
    assert!(!warnings(&report).is_empty());
}

#[test]
fn collector_errors_and_broken_files_in_the_demo_bundle_are_warnings() {
    let report = analyze_fixture(&["demo-bundle"]);
    let w = warnings(&report);
    assert!(w.iter().any(|w| w["code"] == "collector-error"), "{w:#?}");
    assert!(
        w.iter()
            .any(|w| w["code"] == "invalid-json"
                && w["source"].as_str().unwrap_or("").contains("events/monitoring.json")),
        "{w:#?}"
    );
    assert_eq!(report["inputs"][0]["layout"], "support-bundle");
}
