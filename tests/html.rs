//! The HTML report is one self-contained, inert file: no external request,
//! no script, and data from the bundle always rendered as text.

mod common;

use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use podmortem::render::{Format, render};
use std::fs;

/// A support bundle whose log and status messages carry markup.
fn hostile_bundle(dir: &std::path::Path) {
    let pods = r#"{
  "kind": "PodList",
  "apiVersion": "v1",
  "metadata": {},
  "items": [
    {
      "kind": "Pod",
      "apiVersion": "v1",
      "metadata": { "name": "evil-0", "namespace": "web", "uid": "1b2f0a4c-0d7e-4c5b-9f65-0c9a1d2e3f40" },
      "spec": { "restartPolicy": "Always", "containers": [ { "name": "app", "image": "busybox" } ] },
      "status": {
        "phase": "Running",
        "conditions": [ { "type": "Ready", "status": "False" } ],
        "containerStatuses": [
          {
            "name": "app",
            "state": { "waiting": { "reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=app pod=evil-0_web(1b2f0a4c-0d7e-4c5b-9f65-0c9a1d2e3f40)" } },
            "lastState": { "terminated": { "exitCode": 3, "reason": "Error", "message": "\"><img src=x onerror=alert(1)>", "startedAt": "2025-08-10T02:00:00Z", "finishedAt": "2025-08-10T02:00:05Z" } },
            "ready": false,
            "restartCount": 4,
            "image": "busybox"
          }
        ]
      }
    }
  ]
}"#;
    fs::create_dir_all(dir.join("cluster-resources/pods/logs/web/evil-0")).expect("mkdir");
    fs::write(dir.join("cluster-resources/pods/web.json"), pods).expect("pods");
    fs::write(
        dir.join("cluster-resources/pods/logs/web/evil-0/app-previous.log"),
        "starting\nERROR: <script>alert('x')</script> </style> javascript:alert(1) \u{202e}txt.exe\n",
    )
    .expect("log");
}

#[test]
fn bundle_data_is_escaped_and_nothing_is_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_bundle(dir.path());
    let report = analyze(&[Input::Path(dir.path().to_path_buf())], &Options::default()).expect("analysis");
    assert!(!report.findings.is_empty(), "the hostile pod must still be analysed");
    let html = render(&report, Format::Html, false).expect("renders");
    assert!(html.contains("&lt;script&gt;alert("), "log text must be escaped");
    assert!(!html.contains("<script"), "no script element may appear");
    assert!(!html.contains("<img"), "no markup from the data may survive");
    assert!(!html.contains("</style> javascript"), "a closing style tag from the data must be escaped");
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn html_is_self_contained() {
    let report = analyze(&[Input::Path(common::fixture("demo-bundle"))], &Options::default()).expect("analysis");
    let html = render(&report, Format::Html, false).expect("renders");
    assert!(html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["<link", "<script", "src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(forbidden), "HTML report must not reference external resources: found {forbidden}");
    }
    assert!(html.contains("<style"), "CSS is inline");
    for f in &report.findings {
        assert!(html.contains(&format!("id=\"{}\"", f.id)), "finding {} has an anchor", f.id);
    }
}
