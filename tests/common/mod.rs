//! Shared test helpers: run an analysis on a fixture, validate the JSON
//! report against the shipped schema, query findings.
#![allow(dead_code)]

use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use podmortem::model::time::Time;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::LazyLock;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/report-v1.schema.json");
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
});

/// Fails the test when `report` does not satisfy schema/report-v1.schema.json.
pub fn assert_valid(report: &Value) {
    let errors: Vec<String> = SCHEMA.iter_errors(report).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "report does not match the schema:\n{}", errors.join("\n"));
}

/// Analyses fixture paths and returns the JSON report, schema-checked.
pub fn analyze_fixture(rels: &[&str]) -> Value {
    let inputs: Vec<Input> = rels.iter().map(|r| Input::Path(fixture(r))).collect();
    let report = analyze(&inputs, &Options::default()).expect("analysis runs");
    let value = serde_json::to_value(&report).expect("report serialises");
    assert_valid(&value);
    value
}

pub fn analyze_fixture_at(rel: &str, now: &str) -> Value {
    let options = Options { now: Time::parse(now), ..Options::default() };
    let report = analyze(&[Input::Path(fixture(rel))], &options).expect("analysis runs");
    let value = serde_json::to_value(&report).expect("report serialises");
    assert_valid(&value);
    value
}

pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

pub fn with_cause<'a>(report: &'a Value, cause: &str) -> Vec<&'a Value> {
    findings(report).iter().filter(|f| f["cause"] == cause).collect()
}

pub fn evidence_text(finding: &Value) -> String {
    finding["evidence"]
        .as_array()
        .map(|e| e.iter().map(|x| x["text"].as_str().unwrap_or("")).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

pub fn warnings(report: &Value) -> &Vec<Value> {
    report["warnings"].as_array().expect("warnings array")
}
