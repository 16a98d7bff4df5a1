//! User rule packs: `analyze --rules`, `rules --check`, `rules --show`.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn podmortem() -> Command {
    Command::cargo_bin("podmortem").expect("binary")
}

#[test]
fn a_rule_pack_detects_a_made_up_log_signature() {
    let out = podmortem()
        .args(["analyze", "--format", "json", "--rules"])
        .arg(common::fixture("custom-rules/router.yaml"))
        .arg(common::fixture("custom-rules/bundle"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    common::assert_valid(&report);
    let found = common::with_cause(&report, "custom/stale-partition-map");
    assert_eq!(found.len(), 1, "{:#}", report["findings"]);
    let f = found[0];
    assert_eq!(f["rule"], "router-stale-partition-map");
    assert_eq!(f["severity"], "critical");
    assert_eq!(
        f["title"],
        "analytics/event-router: partition map of topic pod-events is stale (generation 17, needs 19)"
    );
    let log = &f["evidence"][0];
    assert_eq!(log["kind"], "log");
    assert_eq!(log["line"], 4);
    assert!(log["source"].as_str().unwrap_or("").ends_with("router-previous.log"));
    assert!(f["remediation"][0]["command"].as_str().unwrap_or("").starts_with("kubectl -n analytics exec kafka-0"));
    // The generic fallback is not repeated beside the proven custom cause.
    assert!(common::with_cause(&report, "unknown-crash").is_empty(), "{:#}", report["findings"]);
}

#[test]
fn without_the_pack_the_same_bundle_stays_unexplained() {
    let report = common::analyze_fixture(&["custom-rules/bundle"]);
    assert!(common::with_cause(&report, "custom/stale-partition-map").is_empty());
    assert!(!common::with_cause(&report, "unknown-crash").is_empty(), "{:#}", report["findings"]);
}

#[test]
fn check_reports_every_problem_with_file_line_and_column() {
    let broken = common::fixture("custom-rules/broken.yaml");
    let name = broken.display().to_string();
    podmortem()
        .args(["rules", "--check"])
        .arg(&broken)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{name}:6:8: match.logs: regex parse error")))
        .stderr(predicate::str::contains(format!("{name}:10:1: cause `payment-down` is not a podmortem cause id")))
        .stderr(predicate::str::contains(format!("{name}:18:1: unknown field `remedation`")))
        .stderr(predicate::str::contains("3 problem(s) found"));
    podmortem()
        .args(["rules", "--check"])
        .arg(common::fixture("custom-rules/router.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("2 rule(s) valid"));
}

#[test]
fn analyze_refuses_a_broken_pack_and_says_how_to_check_it() {
    podmortem()
        .args(["analyze", "--rules"])
        .arg(common::fixture("custom-rules/broken.yaml"))
        .arg(common::fixture("custom-rules/bundle"))
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("regex parse error"))
        .stderr(predicate::str::contains("podmortem rules --check"));
}

#[test]
fn show_prints_a_builtin_rule_as_written_and_lists_pack_rules() {
    let out = podmortem().args(["rules", "--show", "dns-loop"]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("id: dns-loop") && text.contains("cause: dns-loop"), "{text}");
    // What `--show` prints is itself a valid rule pack (renamed, as ids are unique).
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("copy.yaml");
    std::fs::write(&copy, text.replace("id: dns-loop", "id: my-dns-loop")).expect("write");
    podmortem().args(["rules", "--check"]).arg(&copy).assert().success();
    podmortem()
        .args(["rules", "--show", "oom-killed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("written in Rust"));
    podmortem()
        .args(["rules", "--rules"])
        .arg(common::fixture("custom-rules"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.yaml"));
    podmortem()
        .args(["rules", "--rules"])
        .arg(common::fixture("custom-rules/router.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("router-stale-partition-map"));
}
