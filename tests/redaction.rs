//! Redaction by default: the secrets planted in `fixtures/incidents/secrets`
//! (env values, log lines, an event, a termination message) reach no report
//! format, the report counts what it hid, and `--no-redact` shows them, which
//! proves the fixture really puts them in front of the renderers.

mod common;

use assert_cmd::Command;
use serde_json::Value;

const FIXTURE: &str = "fixtures/incidents/secrets";
const FORMATS: [&str; 4] = ["text", "markdown", "html", "json"];

/// Every planted value contains "planted" (any case) except the JWT, whose
/// payload and signature are base64: these fragments stand for it.
const JWT_PARTS: [&str; 2] = ["eyJzdWIiOiJwbGFudGVk", "cGxhbnRlZC1qd3Qtc2ln"];

/// The planted values that the analysis quotes (title, explanation, evidence):
/// without redaction, each must be in the JSON report.
const QUOTED: [&str; 9] = [
    "planted-password-ZQ81",
    "planted-api-token-7Hq2",
    "planted-pg-Pw9",
    "planted-query-pw-3Xk",
    "AKIAPLANTED7Q2W4E6R",
    "plantedAwsSecretKey0wJalrXUtnFEMI",
    "AIzaSyPlanted-gcp-key-0123456789abcdefgh",
    "MIIEowIBAAKCAQEAplantedPemBody",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVk",
];

fn run(format: &str, extra: &[&str]) -> String {
    let out = Command::cargo_bin("podmortem")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["analyze", FIXTURE, "--format", format])
        .args(extra)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

fn leaks(report: &str) -> Vec<String> {
    let lower = report.to_lowercase();
    let mut found: Vec<String> =
        lower.match_indices("planted").map(|(i, _)| lower[i..].chars().take(40).collect()).collect();
    found.extend(JWT_PARTS.iter().filter(|p| report.contains(*p)).map(|p| p.to_string()));
    found
}

#[test]
fn no_planted_secret_in_any_format() {
    for format in FORMATS {
        let report = run(format, &[]);
        let found = leaks(&report);
        assert!(found.is_empty(), "{format} report leaks {found:?}");
        assert!(report.contains("[REDACTED]"), "{format} report shows no redaction");
    }
}

#[test]
fn the_count_is_in_the_json_and_the_text() {
    let json: Value = serde_json::from_str(&run("json", &[])).expect("JSON");
    common::assert_valid(&json);
    let count = json["summary"]["redactions"].as_u64().expect("summary.redactions");
    // 3 log lines quoted as evidence, 2 of them again in the title, the explanation and the incident title.
    assert!(count >= 9, "only {count} redactions");
    let text = run("text", &[]);
    assert!(text.contains(&format!("\n{count} value(s) redacted (--no-redact to show)\n")), "{text}");
}

#[test]
fn names_of_secrets_and_the_evidence_around_them_survive() {
    let json: Value = serde_json::from_str(&run("json", &[])).expect("JSON");
    let finding = &common::findings(&json)[0];
    assert_eq!(finding["cause"], "app-error");
    let evidence = common::evidence_text(finding);
    for kept in [
        "DB_PASSWORD=[REDACTED]",
        "postgres://app:[REDACTED]@db:5432/app",
        "password=[REDACTED]",
        "Authorization: Bearer [REDACTED]",
        "aws_secret_access_key=[REDACTED]",
        "FATAL: password authentication failed for user",
        "DB_USER=app",
    ] {
        assert!(evidence.contains(kept), "{kept} missing from {evidence}");
    }
    assert_eq!(finding["image"], "registry.example.com/billing/invoicer:3.2.0");
}

#[test]
fn no_redact_shows_the_secrets() {
    let json = run("json", &["--no-redact"]);
    for secret in QUOTED {
        assert!(json.contains(secret), "{secret} not in the unredacted report: the fixture no longer tests it");
    }
    let value: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["summary"]["redactions"], 0);
    for format in FORMATS {
        let report = run(format, &["--no-redact"]);
        assert!(!leaks(&report).is_empty(), "{format}: nothing planted shown, so the redacted run proves nothing");
        assert!(!report.contains("value(s) redacted"), "{format}");
    }
}

#[test]
fn the_library_redacts_by_default() {
    let report = common::analyze_fixture(&["incidents/secrets"]);
    assert!(report["summary"]["redactions"].as_u64().unwrap_or(0) > 0);
    let text = serde_json::to_string(&report).expect("serialises");
    assert!(leaks(&text).is_empty(), "{:?}", leaks(&text));
}

/// Whatever part of the fixture a future report field quotes (an event, a
/// pod template's env, a ReplicaSet diff, a termination message), the
/// detectors hide its planted values: every file, redacted whole.
#[test]
fn every_fixture_file_redacted_whole_holds_no_secret() {
    let root = common::fixture("incidents/secrets");
    let mut files = vec![root];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).expect("readable").map(|e| e.expect("entry").path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("UTF-8 fixture");
        let mut redactor = podmortem::report::redact::Redactor::default();
        let clean = redactor.redact(&text).unwrap_or(text);
        assert!(leaks(&clean).is_empty(), "{}: {:?}", path.display(), leaks(&clean));
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} files");
}
