//! Trigger: what changed between the crashing revision and the last one that
//! ran healthy (`findings[].trigger`, `incidents[].trigger`).

mod common;

use common::{analyze_fixture, findings};
use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use serde_json::Value;
use std::path::PathBuf;

fn only_finding(report: &Value) -> &Value {
    let all = findings(report);
    assert_eq!(all.len(), 1, "{:#}", report["findings"]);
    &all[0]
}

fn change<'a>(trigger: &'a Value, field: &str) -> &'a Value {
    trigger["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["field"] == field)
        .unwrap_or_else(|| panic!("no change of {field}: {:#}", trigger["changes"]))
}

fn commands(trigger: &Value) -> Vec<(String, bool)> {
    trigger["remediation"]
        .as_array()
        .expect("remediation")
        .iter()
        .map(|r| (r["command"].as_str().unwrap_or_default().to_string(), r["mutates"].as_bool().unwrap_or(false)))
        .collect()
}

#[test]
fn deployment_rollout_names_image_env_and_config_map_changes() {
    let report = analyze_fixture(&["incidents/rollout"]);
    let f = only_finding(&report);
    assert_eq!(f["cause"], "missing-env-or-config");
    assert_eq!(f["severity"], "warning");
    let t = &f["trigger"];
    assert_eq!(t["status"], "changed", "{t:#}");
    assert_eq!(t["workload"]["kind"], "Deployment");
    assert_eq!(t["workload"]["name"], "ledger");
    assert_eq!(t["revision"], 4);
    assert_eq!(t["revision_name"], "ledger-7d9c8b6f4");
    assert_eq!(t["healthy_revision"], 3);
    assert_eq!(t["healthy_revision_name"], "ledger-5f8d7c6b9");
    assert_eq!(t["healthy_proven"], true);
    assert_eq!(t["rolled_out_at"], "2025-08-10T01:42:10Z");

    let image = change(t, "image");
    assert_eq!(image["container"], "ledger");
    assert_eq!(image["before"], "registry.example.com/payments/ledger:2.3.1");
    assert_eq!(image["after"], "registry.example.com/payments/ledger:2.4.0");
    let config = change(t, "env.LEDGER_CONFIG");
    assert_eq!(config["before"], "/etc/ledger/ledger.yaml");
    assert_eq!(config["after"], "/etc/ledger/ledger.yml");
    // A token's value is never shown, even in the diff.
    let token = change(t, "env.LEDGER_API_TOKEN");
    assert_eq!(token["before"], "(value hidden)");
    assert_eq!(token["after"], "(value hidden)");
    let text = serde_json::to_string(t).expect("json");
    assert!(!text.contains("lt_4f1d9a0c7e") && !text.contains("lt_9b7e2c5d11"), "token value leaked: {text}");
    let volume = change(t, "volumes.config");
    assert!(volume["container"].is_null());
    assert_eq!(volume["before"], "configMap ledger-config-v3");
    assert_eq!(volume["after"], "configMap ledger-config-v4");
    // Unchanged fields (probes, resources, the secret reference, the restartedAt annotation) are not reported.
    assert_eq!(t["changes"].as_array().map(Vec::len), Some(4), "{:#}", t["changes"]);

    let summary = t["summary"].as_str().expect("summary");
    assert!(summary.starts_with("Revision 4 of Deployment payments/ledger (ReplicaSet ledger-7d9c8b6f4, rolled out 2025-08-10T01:42:10Z) changed the image of container ledger"), "{summary}");
    assert!(summary.ends_with("revision 3 (ledger-5f8d7c6b9) ran healthy."), "{summary}");

    let evidence = t["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 2);
    for e in evidence {
        assert_eq!(e["kind"], "spec");
        assert_eq!(e["source"], "cluster-resources/replicasets/payments.json");
        assert_eq!(e["path"], "spec.template.spec.containers[0].image");
    }
    // Each points at the image line of its own ReplicaSet.
    let file =
        std::fs::read_to_string(common::fixture("incidents/rollout/cluster-resources/replicasets/payments.json"))
            .expect("fixture");
    let line = |e: &Value| file.lines().nth(e["line"].as_u64().expect("line") as usize - 1).unwrap_or_default();
    assert!(line(&evidence[0]).contains("ledger:2.4.0"), "{}", line(&evidence[0]));
    assert!(line(&evidence[1]).contains("ledger:2.3.1"), "{}", line(&evidence[1]));

    let cmds = commands(t);
    assert!(
        cmds.contains(&("kubectl -n payments rollout undo deployment/ledger --to-revision=3".into(), true)),
        "{cmds:?}"
    );
    assert!(
        cmds.contains(&("kubectl -n payments rollout history deployment/ledger --revision=4".into(), false)),
        "{cmds:?}"
    );

    // The incident carries its root's trigger.
    assert_eq!(report["incidents"][0]["trigger"]["revision"], 4);
}

#[test]
fn daemonset_rollout_reads_controller_revisions() {
    let report = analyze_fixture(&["incidents/rollout-daemonset"]);
    let f = only_finding(&report);
    let t = &f["trigger"];
    assert_eq!(t["status"], "changed", "{t:#}");
    assert_eq!(t["workload"]["kind"], "DaemonSet");
    assert_eq!(t["revision"], 2);
    assert_eq!(t["revision_name"], "log-agent-7f8b9c6d4");
    assert_eq!(t["healthy_revision"], 1);
    assert_eq!(t["healthy_revision_name"], "log-agent-6c9f7b8d5");
    // A ControllerRevision has no status: the Ready pod of revision 1 on the other node proves it.
    assert_eq!(t["healthy_proven"], true);
    assert_eq!(t["rolled_out_at"], "2025-08-10T01:55:03Z");
    let changes = t["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let args = change(t, "args");
    assert_eq!(args["container"], "agent");
    assert_eq!(args["before"], "--config=/etc/agent/agent.conf");
    assert_eq!(args["after"], "--config=/etc/agent/agent.conf --buffer-limit=64Mi");
    assert!(t["summary"].as_str().unwrap_or_default().contains("ControllerRevision log-agent-7f8b9c6d4"), "{t:#}");
    for e in t["evidence"].as_array().expect("evidence") {
        assert_eq!(e["source"], "cluster-resources/controllerrevisions/logging.yaml");
        assert!(e["line"].as_u64().is_some());
    }
    let cmds = commands(t);
    assert!(
        cmds.contains(&("kubectl -n logging rollout undo daemonset/log-agent --to-revision=1".into(), true)),
        "{cmds:?}"
    );
}

#[test]
fn no_history_when_the_bundle_has_no_replica_sets() {
    let report = analyze_fixture(&["rules/app-error/trigger"]);
    let f = only_finding(&report);
    let t = &f["trigger"];
    assert_eq!(t["status"], "no-history", "{t:#}");
    assert_eq!(t["workload"]["kind"], "Deployment");
    assert!(t["changes"].as_array().is_some_and(Vec::is_empty));
    assert!(t.get("revision").is_none());
    let summary = t["summary"].as_str().unwrap_or_default();
    assert!(summary.starts_with("The bundle holds no ReplicaSets of Deployment pricing/pricing-api"), "{summary}");
    assert!(summary.contains("`kubectl rollout history deployment/pricing-api -n pricing`"), "{summary}");
    assert!(commands(t).iter().all(|(_, mutates)| !mutates));
}

#[test]
fn only_pod_findings_have_a_trigger_and_a_lone_revision_is_said_to_be_one() {
    let report = analyze_fixture(&["demo-bundle"]);
    for f in findings(&report) {
        if f["subject"]["kind"] != "Pod" {
            assert!(f.get("trigger").is_none(), "{f:#}");
        }
    }
    // payments/ledger has one ReplicaSet, and two other pods of it are Ready.
    let ledger = findings(&report).iter().find(|f| f["workload"]["name"] == "ledger").expect("ledger finding");
    let t = &ledger["trigger"];
    assert_eq!(t["status"], "no-healthy-revision", "{t:#}");
    assert_eq!(t["revision"], 9);
    assert!(t.get("healthy_revision").is_none());
    let summary = t["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("is the only revision of Deployment payments/ledger"), "{summary}");
    assert!(summary.contains("2 other pods of it are Ready"), "{summary}");
}

#[test]
fn sbctl_velero_rollout_changed_the_args() {
    let root = std::env::var_os("PODMORTEM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let bundle = root.join("replicatedhq__sbctl/tests/support-bundle");
    if !bundle.exists() {
        eprintln!("skipped: corpus bundle {} is not present", bundle.display());
        return;
    }
    let report = analyze(&[Input::Path(bundle)], &Options::default()).expect("analysis runs");
    let report = serde_json::to_value(&report).expect("serialises");
    let velero: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["workload"]["namespace"] == "velero" && f["workload"]["name"] == "velero")
        .collect();
    assert_eq!(velero.len(), 1, "{velero:#?}");
    let t = &velero[0]["trigger"];
    assert_eq!(t["status"], "changed", "{t:#}");
    assert_eq!(t["revision"], 8);
    assert_eq!(t["revision_name"], "velero-6996dd565b");
    assert_eq!(t["healthy_revision"], 7);
    assert_eq!(t["healthy_revision_name"], "velero-6796549f");
    assert_eq!(t["rolled_out_at"], "2022-04-11T23:10:53Z");
    let args = change(t, "args");
    assert_eq!(args["container"], "velero");
    assert_eq!(args["before"], "server --features=");
    assert_eq!(args["after"], "server-junk --features=");
    assert_eq!(
        t["summary"],
        "Revision 8 of Deployment velero/velero (ReplicaSet velero-6996dd565b, rolled out 2022-04-11T23:10:53Z) \
         changed the args of container velero from `server --features=` to `server-junk --features=`; \
         revision 7 (velero-6796549f) ran healthy."
    );
    let cmds = commands(t);
    assert!(
        cmds.contains(&("kubectl -n velero rollout undo deployment/velero --to-revision=7".into(), true)),
        "{cmds:?}"
    );
}
