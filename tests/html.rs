//! The HTML report is one self-contained file: no external request, one
//! optional inline script of our own, and data from the bundle always
//! rendered as text (the timeline SVG included).

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
    assert_eq!(html.matches("<script").count(), 1, "the only script element is the report's own");
    assert!(!html.contains("<img"), "no markup from the data may survive");
    assert!(!html.contains("</style> javascript"), "a closing style tag from the data must be escaped");
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn hostile_names_in_the_timeline_chart_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_bundle(dir.path());
    let mut report = analyze(&[Input::Path(dir.path().to_path_buf())], &Options::default()).expect("analysis");
    let f = report.findings.first_mut().expect("a finding");
    f.workload.name = "<script>\"&'".into();
    f.evidence[0].highlight = Some("<".into());
    let html = render(&report, Format::Html, false).expect("renders");
    let start = html.find("<svg id=\"timeline-chart\"").expect("the chart is drawn");
    let svg = &html[start..start + html[start..].find("</svg>").expect("svg ends") + 6];
    assert!(svg.contains("&lt;script&gt;&quot;&amp;&#39;"), "the name is XML-escaped in the chart");
    assert!(!svg.contains("<script"));
    // Tags balance: every opened element is closed.
    let opened = svg.matches('<').count() - svg.matches("</").count() * 2 - svg.matches("/>").count();
    assert_eq!(opened, 0, "the SVG's tags balance");
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<mark>&lt;</mark>"), "a highlight of markup is marked as text");
}

#[test]
fn html_is_self_contained() {
    let report = analyze(&[Input::Path(common::fixture("demo-bundle"))], &Options::default()).expect("analysis");
    let html = render(&report, Format::Html, false).expect("renders");
    assert!(html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["<script src", "src=\"http", "href=\"http", "url(http", "@import", "<iframe", "<object"] {
        assert!(!html.contains(forbidden), "HTML report must not reference external resources: found {forbidden}");
    }
    // The one link is the empty icon that stops the browser asking for /favicon.ico.
    assert_eq!(html.matches("<link").count(), 1);
    assert!(html.contains(r#"<link rel="icon" href="data:,">"#));
    assert!(html.contains("<style"), "CSS is inline");
    assert!(html.contains("@media (prefers-color-scheme: dark)") && html.contains("@media print"));
    assert!(html.contains(r#"id="summary""#) && html.contains(r#"<svg id="timeline-chart""#));
    assert!(html.contains(r#"<details class="evidence""#), "evidence is collapsible");
    assert!(html.contains(r#"<nav id="controls" class="controls" hidden"#), "controls stay hidden without script");
    for f in &report.findings {
        assert!(html.contains(&format!("id=\"{}\"", f.id)), "finding {} has an anchor", f.id);
    }
}
