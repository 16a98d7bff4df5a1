//! Snapshot tests of whole reports: a change in wording, order or fields
//! shows up as a reviewable diff (`cargo insta review`).

mod common;

use assert_cmd::Command;
use serde_json::Value;

/// Runs the CLI from the project root with a relative path, as a user
/// would, so the paths inside the report are the same on every machine.
fn report(args: &[&str]) -> String {
    let out = Command::cargo_bin("podmortem")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

#[test]
fn demo_bundle_markdown() {
    insta::assert_snapshot!(report(&["fixtures/demo-bundle", "--format", "markdown"]));
}

#[test]
fn demo_bundle_json() {
    let text = report(&["fixtures/demo-bundle", "--format", "json"]);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    common::assert_valid(&value);
    insta::assert_snapshot!(text);
}

#[test]
fn demo_bundle_text() {
    insta::assert_snapshot!(report(&["fixtures/demo-bundle"]));
}

#[test]
fn rule_fixtures_json() {
    for rule in
        ["oom-killed", "app-error", "dependency-unreachable", "command-not-found", "image-pull", "unknown-crash"]
    {
        let text = report(&[&format!("fixtures/rules/{rule}/trigger"), "--format", "json"]);
        let value: Value = serde_json::from_str(&text).expect("JSON");
        common::assert_valid(&value);
        insta::assert_snapshot!(format!("rule-{rule}"), text);
    }
}

/// The incident fixtures as the review meeting reads them (Markdown) and as
/// tools read them (JSON): roots, consequences, triggers, timelines.
#[test]
fn incident_fixtures() {
    for name in [
        "dns-loop",
        "node-restart",
        "cni-exhaustion",
        "api-server-unreachable",
        "shared-secret",
        "iac-lock",
        "backoff",
        "rollout",
    ] {
        let dir = format!("fixtures/incidents/{name}");
        insta::assert_snapshot!(format!("incident-{name}-markdown"), report(&[&dir, "--format", "markdown"]));
        let text = report(&[&dir, "--format", "json"]);
        let value: Value = serde_json::from_str(&text).expect("JSON");
        common::assert_valid(&value);
        insta::assert_snapshot!(format!("incident-{name}-json"), text);
    }
}
