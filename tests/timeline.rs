//! The crash-loop reconstruction and the timeline, on
//! `fixtures/incidents/backoff` (see fixtures/README.md, `### backoff`).

mod common;

use common::{analyze_fixture, findings};
use serde_json::Value;

const FIXTURE: &str = "incidents/backoff";
const SNAPSHOT: &str = "2025-08-10T02:08:25Z";
const WORKER: &str = "invoice-worker-6d9f7c5b84-k2x9p";
const LEDGER: &str = "ledger-sync-7b4c8d6f95-m7q2w";
const CACHE: &str = "rate-cache-5c8f9d7b64-x4v8n";

fn finding<'a>(report: &'a Value, pod: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["subject"]["name"] == pod)
        .unwrap_or_else(|| panic!("no finding for {pod}: {:#}", report["findings"]))
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).with_timezone(&chrono::Utc)
}

fn notes(cl: &Value) -> String {
    cl["notes"]
        .as_array()
        .map(|n| n.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

#[test]
fn printed_backoff_wins_and_sets_the_next_restart() {
    let report = analyze_fixture(&[FIXTURE]);
    assert_eq!(report["snapshot_time"], SNAPSHOT);
    let f = finding(&report, WORKER);
    assert_eq!(f["state"], "active");
    let cl = &f["crash_loop"];
    assert_eq!(cl["restarts"], 5);
    let backoff = &cl["backoff"];
    // `back-off 2m40s` in state.waiting.message; the BackOff events print no duration.
    assert_eq!(backoff["seconds"], 160, "{cl:#}");
    assert_eq!(backoff["basis"], "printed");
    assert_eq!(backoff["source"], "status.containerStatuses[0].state.waiting.message");
    assert!(
        backoff["text"].as_str().is_some_and(|t| t.starts_with("back-off 2m40s restarting failed container=worker"))
    );
    assert_eq!(backoff["file"], "cluster-resources/pods/billing.json");
    assert!(backoff["line"].as_u64().is_some_and(|l| l > 1), "{backoff:#}");
    // The kubelet counts the back-off from the crash's finishedAt.
    assert_eq!(cl["last_crash"], "2025-08-10T02:06:12Z");
    assert_eq!(cl["next_restart"], "2025-08-10T02:08:52Z");
    assert_eq!((time(&cl["next_restart"]) - time(&cl["last_crash"])).num_seconds(), 160);
    assert!(time(&cl["next_restart"]) > time(&report["snapshot_time"]));
    // The printed value matches the default schedule for 5 restarts: no disagreement note.
    assert!(!notes(cl).contains("default schedule gives"), "{cl:#}");
}

#[test]
fn a_pod_that_never_became_ready_failed_from_its_creation() {
    let report = analyze_fixture(&[FIXTURE]);
    let cl = &finding(&report, WORKER)["crash_loop"];
    // Events reach back to 01:06:35 at most (the Unhealthy warning to
    // 01:06:45); the pod was created at 01:06:31 and its Ready condition
    // turned False two seconds later, never True since.
    assert_eq!(cl["started"], "2025-08-10T01:06:31Z", "{cl:#}");
    assert_eq!(cl["started_basis"], "pod-created");
    assert_eq!(cl["started_at_or_before"], false);
    assert_eq!(cl["down_since"], "2025-08-10T01:06:31Z");
    assert_eq!(cl["impact_seconds"], 3714);
    // 5 restarts between 01:06:31 and 02:06:12.
    assert_eq!(cl["restarts_per_hour"], 5.0);
    assert!(cl.get("recovered_at").is_none());
    assert!(notes(cl).contains("never became ready"), "{cl:#}");
}

#[test]
fn a_start_from_events_is_at_or_before_and_the_model_fills_in_when_nothing_was_printed() {
    let report = analyze_fixture(&[FIXTURE]);
    let f = finding(&report, LEDGER);
    assert_eq!(f["state"], "active");
    let cl = &f["crash_loop"];
    // The pod ran cleanly from 21:40 (events of that start expired); the
    // oldest warning is the BackOff at 02:04:37, the earliest proof of the loop.
    assert_eq!(cl["started"], "2025-08-10T02:04:37Z", "{cl:#}");
    assert_eq!(cl["started_basis"], "event");
    assert_eq!(cl["started_at_or_before"], true);
    assert_eq!(cl["not_before"], "2025-08-09T21:40:12Z");
    let text = notes(cl);
    assert!(text.contains("at or before 2025-08-10T02:04:37Z"), "{text}");
    assert!(text.contains("upper bound"), "{text}");
    // The status caught the container terminated (no waiting message) and
    // the BackOff event prints no duration: the default schedule, 40 s for
    // 3 restarts, counted from the crash in `state.terminated`.
    let backoff = &cl["backoff"];
    assert_eq!(backoff["basis"], "model", "{cl:#}");
    assert_eq!(backoff["seconds"], 40);
    assert!(backoff.get("text").is_none());
    assert!(text.contains("KubeletCrashLoopBackOffMax"), "{text}");
    assert_eq!(cl["last_crash"], "2025-08-10T02:08:19Z");
    assert_eq!(cl["next_restart"], "2025-08-10T02:08:59Z");
    assert_eq!(cl["down_since"], "2025-08-10T02:04:37Z");
    assert_eq!(cl["impact_seconds"], 228);
    // Its timeline entry points at the crash the model counts from.
    let next: Vec<&Value> = timeline(&report)
        .iter()
        .filter(|e| e["kind"] == "next-restart" && e["subject"].as_str().is_some_and(|s| s.contains(LEDGER)))
        .collect();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["time"], "2025-08-10T02:08:59Z");
    assert!(next[0]["text"].as_str().is_some_and(|t| t.contains("default schedule")), "{:#}", next[0]);
    let exit = timeline(&report)
        .iter()
        .find(|e| e["kind"] == "container-exited" && e["time"] == "2025-08-10T02:08:19Z")
        .expect("the latest crash");
    assert_eq!(next[0]["line"], exit["line"]);
}

#[test]
fn a_recovered_loop_is_measured_to_the_run_that_lasted() {
    let report = analyze_fixture(&[FIXTURE]);
    let f = finding(&report, CACHE);
    assert_eq!(f["state"], "recovered");
    let cl = &f["crash_loop"];
    assert_eq!(cl["recovered_at"], "2025-08-10T00:52:08Z", "{cl:#}");
    // Its events expired; run 3 started after earlier crashes: at or before.
    assert_eq!(cl["started"], "2025-08-10T00:50:58Z");
    assert_eq!(cl["started_basis"], "container-start");
    assert_eq!(cl["started_at_or_before"], true);
    assert_eq!(cl["impact_seconds"], 70);
    assert!(cl.get("backoff").is_none(), "a running container has no back-off in force: {cl:#}");
    assert!(cl.get("next_restart").is_none());
    // 28 s between the start and the last crash: too short for a rate.
    assert!(cl.get("restarts_per_hour").is_none());
}

fn timeline(report: &Value) -> &Vec<Value> {
    report["timeline"].as_array().expect("timeline array")
}

#[test]
fn the_timeline_is_sorted_and_every_entry_names_its_source() {
    let report = analyze_fixture(&[FIXTURE]);
    let entries = timeline(&report);
    assert!(!entries.is_empty());
    let ids: Vec<&str> = findings(&report).iter().filter_map(|f| f["id"].as_str()).collect();
    let order = [
        "rollout",
        "pod-created",
        "container-started",
        "container-exited",
        "event",
        "log",
        "node-condition",
        "pipeline",
        "next-restart",
        "snapshot",
        "omitted",
    ];
    let rank = |e: &Value| order.iter().position(|k| e["kind"] == *k).unwrap_or_else(|| panic!("unknown kind {e:#}"));
    for pair in entries.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!((time(&a["time"]), rank(a)) <= (time(&b["time"]), rank(b)), "out of order:\n{a:#}\n{b:#}");
    }
    for e in entries {
        assert!(!e["findings"].as_array().expect("findings").is_empty(), "{e:#}");
        for id in e["findings"].as_array().into_iter().flatten() {
            assert!(ids.contains(&id.as_str().unwrap_or("")), "{e:#}");
        }
        if e["kind"] != "snapshot" {
            assert!(e["source"].as_str().is_some_and(|s| !s.is_empty()), "no source: {e:#}");
            assert!(e["line"].as_u64().is_some(), "no line: {e:#}");
        }
    }
    for kind in [
        "pod-created",
        "container-started",
        "container-exited",
        "event",
        "log",
        "node-condition",
        "next-restart",
        "snapshot",
    ] {
        assert!(entries.iter().any(|e| e["kind"] == kind), "no {kind} entry");
    }
    let snapshots: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "snapshot").collect();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["time"], SNAPSHOT);
    assert_eq!(snapshots[0]["findings"].as_array().map(Vec::len), Some(ids.len()));
    // Only what is still to come follows the snapshot: the kubelet's next restarts.
    let after: Vec<&Value> = entries.iter().filter(|e| time(&e["time"]) > time(&snapshots[0]["time"])).collect();
    assert!(!after.is_empty() && after.iter().all(|e| e["kind"] == "next-restart"), "{after:#?}");
    // Deterministic: a second run gives the same timeline.
    assert_eq!(timeline(&analyze_fixture(&[FIXTURE])), entries);
}

#[test]
fn timeline_entries_carry_the_facts_of_the_reconstruction() {
    let report = analyze_fixture(&[FIXTURE]);
    let entries = timeline(&report);
    let worker = |kind: &str| -> Vec<&Value> {
        entries
            .iter()
            .filter(|e| e["kind"] == kind && e["subject"].as_str().is_some_and(|s| s.contains(WORKER)))
            .collect()
    };
    let next = worker("next-restart");
    assert_eq!(next.len(), 1, "{next:#?}");
    assert_eq!(next[0]["time"], "2025-08-10T02:08:52Z");
    assert!(next[0]["text"].as_str().is_some_and(|t| t.contains("2m40s")), "{:#}", next[0]);
    assert_eq!(next[0]["source"], "cluster-resources/pods/billing.json");

    // The BackOff event: first and last timestamps, count, level, file and line.
    let backoff = worker("event").into_iter().find(|e| e["text"].as_str().is_some_and(|t| t.starts_with("BackOff:")));
    let backoff = backoff.expect("BackOff event entry");
    assert_eq!(backoff["time"], "2025-08-10T01:25:39Z");
    assert_eq!(backoff["until"], "2025-08-10T02:08:21Z");
    assert_eq!(backoff["count"], 11);
    assert_eq!(backoff["level"], "Warning");
    assert_eq!(backoff["at_or_before"], true);
    assert_eq!(backoff["source"], "cluster-resources/events/billing.json");

    let exited = worker("container-exited");
    assert_eq!(exited.len(), 1);
    assert_eq!(exited[0]["time"], "2025-08-10T02:06:12Z");
    assert!(exited[0]["text"].as_str().is_some_and(|t| t.contains("code 1") && t.contains("Error")), "{:#}", exited[0]);

    // The crashed run's log, placed by its own timestamps.
    let logs = worker("log");
    assert!(logs.iter().any(|e| e["time"] == "2025-08-10T01:56:45.204Z"), "{logs:#?}");
    assert!(logs.iter().all(|e| e["source"].as_str().is_some_and(|s| s.ends_with("worker-previous.log"))), "{logs:#?}");

    // The node turned Ready at 23:02 yesterday: inside the ledger-sync story
    // (its pod dates from 21:40), not the others.
    let node = entries.iter().filter(|e| e["kind"] == "node-condition").collect::<Vec<_>>();
    assert_eq!(node.len(), 1, "{node:#?}");
    assert_eq!(node[0]["time"], "2025-08-09T23:02:11Z");
    let ledger = finding(&report, LEDGER)["id"].clone();
    assert_eq!(node[0]["findings"], serde_json::json!([ledger]));
    assert_eq!(node[0]["source"], "cluster-resources/nodes.json");
}

#[test]
fn a_back_off_already_over_at_the_snapshot_is_said_not_moved() {
    // Two minutes later than the bundle's own snapshot, the worker's
    // back-off (until 02:08:52) has run out: the next restart stays where
    // the kubelet put it, and a note says the status looks stale.
    let report = common::analyze_fixture_at(FIXTURE, "2025-08-10T02:10:25Z");
    let cl = &finding(&report, WORKER)["crash_loop"];
    assert_eq!(cl["next_restart"], "2025-08-10T02:08:52Z");
    let text = notes(cl);
    assert!(text.contains("already run out 1m33s before the snapshot"), "{text}");
    assert_eq!(cl["impact_seconds"], 3714 + 120);
}
