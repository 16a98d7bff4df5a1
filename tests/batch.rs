//! `podmortem analyze --batch DIR`: one JSON line per bundle, in name order,
//! each report exactly what `--format json` gives for that bundle alone; a
//! broken bundle is one error line and the run goes on.

mod bundles;
mod common;

use assert_cmd::Command;
use common::{assert_valid, fixture};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn podmortem() -> Command {
    let mut cmd = Command::cargo_bin("podmortem").expect("binary builds");
    cmd.env_remove("NO_COLOR").env_remove("RAYON_NUM_THREADS");
    cmd
}

/// A batch directory: a bundle directory, a .tar.gz, a single JSON file, a
/// truncated .tar.gz and a hidden file, named so their order is known.
fn batch_dir(root: &Path) -> PathBuf {
    let dir = root.join("bundles");
    bundles::copy_dir(&fixture("demo-bundle"), &dir.join("a-demo"));
    let tar = bundles::tar_of(&fixture("layouts/must-gather"), "must-gather");
    let archive = bundles::gzip(&tar);
    std::fs::write(dir.join("b-must-gather.tar.gz"), &archive).expect("write");
    std::fs::copy(fixture("inputs/pods-list.json"), dir.join("c-pods.json")).expect("copy");
    // Cut inside the first entry: nothing in it can be read.
    std::fs::write(dir.join("d-broken.tar.gz"), &archive[..200]).expect("write");
    std::fs::write(dir.join(".DS_Store"), b"\0\0\0\x01Bud1").expect("write");
    dir
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("utf-8");
    assert!(text.ends_with('\n'), "every line ends with a newline");
    text.lines()
        .map(|line| {
            assert!(line.starts_with(r#"{"bundle":"#), "a line starts with its bundle: {line:.80}");
            serde_json::from_str(line).expect("each line is one JSON object")
        })
        .collect()
}

fn single_report(bundle: &str) -> Value {
    let out = podmortem().args(["analyze", bundle, "--format", "json"]).output().expect("runs");
    assert!(out.status.success(), "{bundle}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn one_line_per_bundle_in_name_order_each_report_the_single_bundle_report() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = batch_dir(temp.path());
    let out = podmortem().args(["analyze", "--batch"]).arg(&dir).output().expect("runs");
    // A bundle failed: every line is written, and the exit code says so.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 of 4 bundle(s) failed"), "{stderr}");

    let lines = lines(&out.stdout);
    let names: Vec<String> = lines.iter().map(|l| l["bundle"].as_str().expect("bundle").to_string()).collect();
    let expected: Vec<String> = ["a-demo", "b-must-gather.tar.gz", "c-pods.json", "d-broken.tar.gz"]
        .iter()
        .map(|name| dir.join(name).display().to_string())
        .collect();
    assert_eq!(names, expected, "one line per bundle, sorted, the hidden file left out");

    for line in &lines[..3] {
        let bundle = line["bundle"].as_str().expect("bundle");
        assert!(line.get("error").is_none(), "{bundle}: {}", line["error"]);
        assert_valid(&line["report"]);
        assert_eq!(line["report"], single_report(bundle), "{bundle}: the batch report differs from --format json");
        assert!(!line["report"]["findings"].as_array().expect("findings").is_empty(), "{bundle} has findings");
    }

    let broken = &lines[3];
    assert!(broken.get("report").is_none());
    assert_eq!(broken["error"]["code"], "no-readable-input");
    let message = broken["error"]["message"].as_str().expect("message");
    assert!(message.contains("d-broken.tar.gz"), "the error names the bundle: {message}");
    let warnings = broken["error"]["warnings"].as_array().expect("the error says what was wrong inside");
    assert!(warnings.iter().any(|w| w["code"] == "archive"), "{warnings:?}");
}

#[test]
fn the_lines_do_not_depend_on_the_thread_count() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = batch_dir(temp.path());
    let run = |threads: &str| {
        podmortem().env("RAYON_NUM_THREADS", threads).args(["analyze", "--batch"]).arg(&dir).output().expect("runs")
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(3));
    assert_eq!(lines(&one.stdout).len(), 4);
    assert!(one.stdout == two.stdout, "RAYON_NUM_THREADS=1 and 2 give different lines");
}

#[test]
fn exit_codes_all_well_findings_at_fail_on_and_failed_bundles() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = batch_dir(temp.path());
    // --fail-on wins over a failed bundle: the gate asked about findings.
    podmortem().args(["analyze", "--fail-on", "critical", "--batch"]).arg(&dir).assert().code(1);
    std::fs::remove_file(dir.join("d-broken.tar.gz")).expect("rm");
    podmortem().args(["analyze", "--batch"]).arg(&dir).assert().code(0).stderr(predicate::str::is_empty());
    podmortem().args(["analyze", "--fail-on", "critical", "--batch"]).arg(&dir).assert().code(1);
    // --format json is what --batch writes anyway.
    podmortem().args(["analyze", "--format", "json", "--batch"]).arg(&dir).assert().code(0);
}

#[test]
fn an_empty_directory_is_a_usage_error_and_writes_nothing() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("empty");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join(".partial-download"), b"x").expect("write");
    let output = temp.path().join("lines.jsonl");
    podmortem()
        .args(["analyze", "--batch"])
        .arg(&dir)
        .arg("-o")
        .arg(&output)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("no bundle in the directory"));
    assert!(!output.exists(), "no output file for a run with no bundle");
}

#[test]
fn lines_go_to_the_output_file_and_a_previous_output_in_dir_is_not_a_bundle() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("bundles");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::copy(fixture("inputs/pods-list.json"), dir.join("pods.json")).expect("copy");
    let output = dir.join("reports.jsonl");
    std::fs::write(&output, b"{\"left\": \"by a previous run\"}\n").expect("write");
    podmortem()
        .args(["analyze", "--batch"])
        .arg(&dir)
        .arg("-o")
        .arg(&output)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("skipping").and(predicate::str::contains("it is the output file")));
    let lines = lines(&std::fs::read(&output).expect("written"));
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["bundle"].as_str().expect("bundle").ends_with("pods.json"));
}

#[test]
fn batch_conflicts_are_usage_errors_that_say_why() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = batch_dir(temp.path());
    podmortem()
        .args(["analyze", "--format", "markdown", "--batch"])
        .arg(&dir)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--format markdown cannot be used with it"));
    podmortem()
        .args(["analyze", "--batch"])
        .arg(&dir)
        .arg(fixture("demo-bundle"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'--batch <DIR>' cannot be used with"));
    podmortem()
        .args(["analyze", "--batch"])
        .arg(dir.join("c-pods.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a directory").and(predicate::str::contains("podmortem analyze")));
    podmortem()
        .args(["analyze", "--batch", "/no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/dir: no such directory"));
}
