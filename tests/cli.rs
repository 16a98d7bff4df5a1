//! The command line as a user meets it: exit codes, formats, stdin, errors.

mod common;

use assert_cmd::Command;
use common::{assert_valid, fixture};
use predicates::prelude::*;
use serde_json::Value;

fn podmortem() -> Command {
    let mut cmd = Command::cargo_bin("podmortem").expect("binary builds");
    cmd.env_remove("NO_COLOR");
    cmd
}

#[test]
fn analyze_demo_prints_a_terminal_summary() {
    podmortem()
        .args(["analyze", fixture("demo-bundle").to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("CRITICAL"))
        .stdout(predicate::str::contains("oom-killed"))
        .stdout(predicate::str::contains("next: kubectl -n checkout logs"))
        // Not a terminal: no colour codes.
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn json_output_validates_against_the_schema() {
    let out = podmortem()
        .args(["analyze", fixture("demo-bundle").to_str().expect("path"), "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_valid(&report);
    assert_eq!(report["schema"], "podmortem/report/v1");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let demo = fixture("demo-bundle");
    let demo = demo.to_str().expect("path");
    podmortem().args(["analyze", demo, "--fail-on", "critical"]).assert().code(1);
    podmortem().args(["analyze", demo, "--fail-on", "never"]).assert().code(0);
    // The clean crash-loop fixture has no finding at all.
    let clean = fixture("rules/crash-loop/clean");
    podmortem().args(["analyze", clean.to_str().expect("path"), "--fail-on", "warning"]).assert().code(0);
}

#[test]
fn reads_standard_input() {
    let pods = std::fs::read(fixture("inputs/pods-list.json")).expect("fixture");
    let out = podmortem().args(["analyze", "-", "--format", "json"]).write_stdin(pods).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["inputs"][0]["path"], "<stdin>");
    assert!(report["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["cause"] == "oom-killed")));
}

#[test]
fn missing_input_is_a_usage_error_naming_the_path() {
    podmortem()
        .args(["analyze", "/no/such/bundle"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/bundle"))
        .stderr(predicate::str::contains("no such file or directory"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    podmortem().args(["analyze", "--frobnicate", "x"]).assert().code(2);
}

#[test]
fn writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.md");
    podmortem()
        .args(["analyze", fixture("demo-bundle").to_str().expect("path"), "--format", "markdown", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let text = std::fs::read_to_string(&out).expect("report written");
    assert!(text.contains("|---") || text.contains("| ---"), "Markdown tables need a separator row");
}

#[test]
fn namespace_filter_limits_findings() {
    let out = podmortem()
        .args(["analyze", fixture("demo-bundle").to_str().expect("path"), "--format", "json", "-n", "checkout"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["subject"]["namespace"] == "checkout"));
}

#[test]
fn rules_lists_every_implemented_cause() {
    let assert = podmortem().arg("rules").assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for cause in [
        "oom-killed",
        "app-error",
        "dependency-unreachable",
        "command-not-found",
        "image-pull",
        "unknown-crash",
        "crash-loop",
    ] {
        assert!(out.contains(cause), "`podmortem rules` lacks {cause}:\n{out}");
    }
}

#[test]
fn explain_prints_the_rule_doc() {
    podmortem()
        .args(["explain", "oom-killed"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## What it detects"))
        .stdout(predicate::str::contains("## Fix"));
    podmortem().args(["explain", "no-such-cause"]).assert().code(2).stderr(predicate::str::contains("known causes"));
}

#[test]
fn the_snapshot_time_can_be_given() {
    let out = podmortem()
        .args([
            "analyze",
            fixture("demo-bundle").to_str().expect("path"),
            "--format",
            "json",
            "--now",
            "2025-08-10T03:00:00Z",
        ])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["snapshot_time"], "2025-08-10T03:00:00Z");
    assert_eq!(report["snapshot_time_basis"], "flag");
    podmortem()
        .args(["analyze", fixture("demo-bundle").to_str().expect("path"), "--now", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
}

#[test]
fn timings_go_to_stderr_and_leave_the_report_alone() {
    let plain = podmortem().args(["analyze", "--format", "json"]).arg(fixture("demo-bundle")).output().expect("runs");
    let timed = podmortem()
        .args(["analyze", "--format", "json", "--timings"])
        .arg(fixture("demo-bundle"))
        .output()
        .expect("runs");
    assert_eq!(plain.stdout, timed.stdout, "--timings must not change the report");
    let stderr = String::from_utf8_lossy(&timed.stderr);
    for phase in ["ingest", "logs", "rules", "report", "redact", "render", "write", "total"] {
        assert!(stderr.contains(phase), "no {phase} in {stderr}");
    }
    assert!(plain.stderr.is_empty(), "{}", String::from_utf8_lossy(&plain.stderr));
}
