//! Every rule has a fixture that triggers it and a similar-looking one that
//! must not (`fixtures/rules/<rule>/trigger*` and `clean`).

mod common;

use common::{analyze_fixture, evidence_text, findings, with_cause};
use podmortem::rules::Catalog;

fn trigger_dirs(rule: &str) -> Vec<String> {
    let base = common::fixture(&format!("rules/{rule}"));
    let mut dirs: Vec<String> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("trigger"))
        .map(|n| format!("rules/{rule}/{n}"))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "rule {rule} has no trigger fixture");
    dirs
}

#[test]
fn every_cause_rule_has_fixtures_that_trigger_it_and_one_that_does_not() {
    let catalog = Catalog::builtin();
    for rule in &catalog.rules {
        let info = rule.info();
        for dir in trigger_dirs(&info.id) {
            let report = analyze_fixture(&[&dir]);
            assert!(
                !with_cause(&report, &info.cause).is_empty(),
                "{dir}: expected a {} finding, got {:#}",
                info.cause,
                report["findings"]
            );
        }
        let clean = format!("rules/{}/clean", info.id);
        let report = analyze_fixture(&[&clean]);
        assert!(
            with_cause(&report, &info.cause).is_empty(),
            "{clean}: must not yield {}: {:#}",
            info.cause,
            report["findings"]
        );
    }
}

#[test]
fn crash_loop_detector_fixtures() {
    let report = analyze_fixture(&["rules/crash-loop/trigger"]);
    assert!(findings(&report).iter().any(|f| f["state"] == "active"), "{:#}", report["findings"]);
    let report = analyze_fixture(&["rules/crash-loop/recovered"]);
    let all = findings(&report);
    assert!(!all.is_empty());
    for f in all {
        assert_eq!(f["state"], "recovered", "{f:#}");
        assert_eq!(f["severity"], "info", "{f:#}");
    }
    // A Job retried once and finished is not a crash loop.
    let report = analyze_fixture(&["rules/crash-loop/clean"]);
    assert!(findings(&report).is_empty(), "{:#}", report["findings"]);
}

#[test]
fn oom_killed_names_the_limit_and_quotes_the_status_line() {
    let report = analyze_fixture(&["rules/oom-killed/trigger"]);
    let f = with_cause(&report, "oom-killed")[0];
    let limit =
        f["evidence"].as_array().expect("evidence").iter().find(|e| e["kind"] == "spec").expect("limit evidence");
    assert!(limit["text"].as_str().unwrap_or("").starts_with("limits.memory: "));
    let status = &f["evidence"][0];
    assert_eq!(status["kind"], "status");
    assert!(status["line"].as_u64().is_some_and(|l| l > 1), "status evidence needs the line of the field: {status:#}");
    assert!(status["path"].as_str().unwrap_or("").ends_with("lastState.terminated"));
    let commands: Vec<&str> =
        f["remediation"].as_array().expect("remediation").iter().filter_map(|r| r["command"].as_str()).collect();
    assert!(commands.iter().any(|c| c.contains("--previous")), "{commands:?}");
    assert!(commands.iter().any(|c| c.contains("set resources") && c.contains("--limits=memory=")), "{commands:?}");
}

#[test]
fn oom_is_not_claimed_from_exit_137_alone() {
    let report = analyze_fixture(&["rules/oom-killed/clean"]);
    assert!(with_cause(&report, "oom-killed").is_empty());
    // It is still a crash loop, reported with what is known.
    assert!(!findings(&report).is_empty(), "the liveness-killed container still crash-loops");
}

#[test]
fn app_error_quotes_decisive_lines_with_line_numbers() {
    let report = analyze_fixture(&["rules/app-error/trigger"]);
    let f = with_cause(&report, "app-error")[0];
    let logs: Vec<_> = f["evidence"].as_array().expect("evidence").iter().filter(|e| e["kind"] == "log").collect();
    assert!(!logs.is_empty());
    for e in logs {
        assert!(e["line"].as_u64().is_some_and(|l| l >= 1));
        assert!(e["source"].as_str().unwrap_or("").ends_with(".log"));
    }
}

#[test]
fn dependency_unreachable_quotes_the_failing_connection() {
    let report = analyze_fixture(&["rules/dependency-unreachable/trigger-busybox"]);
    let f = with_cause(&report, "dependency-unreachable")[0];
    assert!(evidence_text(f).contains("bad address 'postgres-service.database'"), "{f:#}");
    // The specific cause is not repeated as a generic application error.
    assert!(with_cause(&report, "app-error").is_empty());
}

#[test]
fn image_pull_is_never_a_crash_loop() {
    let report = analyze_fixture(&["rules/image-pull/trigger"]);
    for f in with_cause(&report, "image-pull") {
        assert_eq!(f["state"], "not-crash-loop");
        assert_eq!(f["severity"], "warning");
    }
    assert!(findings(&report).iter().all(|f| f["cause"] == "image-pull"));
}

#[test]
fn unknown_crash_says_what_to_collect() {
    let report = analyze_fixture(&["rules/unknown-crash/trigger"]);
    let f = with_cause(&report, "unknown-crash")[0];
    let commands: Vec<&str> =
        f["remediation"].as_array().expect("remediation").iter().filter_map(|r| r["command"].as_str()).collect();
    assert!(commands.iter().any(|c| c.contains("debug")), "{commands:?}");
}

#[test]
fn every_emitted_cause_is_in_the_cause_table() {
    let table = std::fs::read_to_string(common::fixture("../docs/causes.md")).expect("docs/causes.md");
    for rule in Catalog::builtin().rules {
        let cause = &rule.info().cause;
        assert!(table.contains(&format!("| `{cause}` |")), "docs/causes.md lacks {cause}");
    }
}

#[test]
fn every_rule_doc_has_the_five_sections() {
    let mut infos: Vec<_> = Catalog::builtin().rules.iter().map(|r| r.info().clone()).collect();
    infos.push(podmortem::rules::detector_info());
    for info in infos {
        for section in ["## What it detects", "## Why it matters", "## Evidence", "## Fix", "## References"] {
            assert!(info.doc.contains(section), "{}: doc lacks {section}", info.id);
        }
    }
}

#[test]
fn every_cause_of_the_taxonomy_has_a_rule_that_explain_documents() {
    let catalog = Catalog::builtin();
    for cause in podmortem::rules::custom::CAUSE_IDS {
        let rule = catalog.find(cause).unwrap_or_else(|| panic!("no rule emits {cause}"));
        assert_eq!(&rule.info().cause, cause);
        let out = assert_cmd::Command::cargo_bin("podmortem")
            .expect("binary")
            .args(["explain", cause])
            .output()
            .expect("runs");
        assert!(out.status.success(), "explain {cause}");
        let text = String::from_utf8_lossy(&out.stdout);
        for section in ["## What it detects", "## Evidence", "## Fix"] {
            assert!(text.contains(section), "explain {cause} lacks {section}");
        }
    }
}

#[test]
fn rules_lists_every_cause() {
    let out = assert_cmd::Command::cargo_bin("podmortem").expect("binary").arg("rules").output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for cause in podmortem::rules::custom::CAUSE_IDS {
        assert!(text.lines().any(|l| l.split_whitespace().nth(1) == Some(*cause)), "`podmortem rules` lacks {cause}");
    }
}
