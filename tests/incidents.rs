//! Incident grouping on `fixtures/incidents/*` (see fixtures/README.md,
//! `## incidents/`): one incident per root with its consequences, each with
//! the sentence that says why, and unrelated findings left alone.

mod common;

use common::{analyze_fixture, findings};
use serde_json::Value;

/// The incident that holds the finding about `workload` (namespace/name).
fn incident_of<'a>(report: &'a Value, workload: &str) -> &'a Value {
    let id = finding_of(report, workload)["id"].clone();
    report["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["findings"].as_array().is_some_and(|m| m.contains(&id)))
        .unwrap_or_else(|| panic!("{workload} is in no incident: {:#}", report["incidents"]))
}

fn finding_of<'a>(report: &'a Value, workload: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| {
            format!(
                "{}/{}",
                f["workload"]["namespace"].as_str().unwrap_or(""),
                f["workload"]["name"].as_str().unwrap_or("")
            ) == workload
        })
        .unwrap_or_else(|| panic!("no finding for {workload}: {:#}", report["findings"]))
}

fn root_of<'a>(report: &'a Value, incident: &Value) -> &'a Value {
    findings(report).iter().find(|f| f["id"] == incident["root"]).expect("root finding")
}

/// Every member of the incident (root first) by namespace/workload.
fn members(report: &Value, incident: &Value) -> Vec<String> {
    incident["findings"]
        .as_array()
        .expect("members")
        .iter()
        .map(|id| {
            let f = findings(report).iter().find(|f| &f["id"] == id).expect("member finding");
            format!(
                "{}/{}",
                f["workload"]["namespace"].as_str().unwrap_or(""),
                f["workload"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn reason_for(incident: &Value, finding: &Value) -> String {
    incident["consequences"]
        .as_array()
        .expect("consequences")
        .iter()
        .find(|c| c["finding"] == finding["id"])
        .and_then(|c| c["reason"].as_str())
        .unwrap_or_else(|| panic!("{} is not a consequence of {}", finding["id"], incident["id"]))
        .to_string()
}

#[test]
fn dns_loop_is_the_root_of_the_name_lookup_failures() {
    let report = analyze_fixture(&["incidents/dns-loop"]);
    let incident = incident_of(&report, "kube-system/coredns");
    assert_eq!(incident["link"], "dns");
    let root = root_of(&report, incident);
    assert_eq!(root["cause"], "dns-loop");
    assert_eq!(root["workload"]["name"], "coredns");
    let mut got = members(&report, incident);
    got.sort();
    assert_eq!(
        got,
        ["cart/cart-api", "kube-system/coredns", "payments/payment-router", "reports/report-api", "shop/orders"]
    );
    // Each consequence says why, quoting its own name-lookup failure.
    let java = reason_for(incident, finding_of(&report, "payments/payment-router"));
    assert!(java.contains("UnknownHostException") && java.contains("forwarding loop"), "{java}");
    let node = reason_for(incident, finding_of(&report, "cart/cart-api"));
    assert!(node.contains("ENOTFOUND"), "{node}");
    // The OOM loop that began before CoreDNS broke is its own incident.
    let oom = incident_of(&report, "search/indexer");
    assert_eq!(oom["link"], "single");
    assert_eq!(oom["findings"].as_array().map(Vec::len), Some(1));
    // Replicas are one finding: shop/orders' three pods are one member.
    assert_eq!(finding_of(&report, "shop/orders")["pods"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["summary"]["incidents"], 2);
}

#[test]
fn unreachable_upstream_dns_links_lookups_but_not_a_refused_database() {
    let report = analyze_fixture(&["incidents/dns-unreachable"]);
    let incident = incident_of(&report, "kube-system/coredns");
    assert_eq!(root_of(&report, incident)["cause"], "dns-upstream-unreachable");
    let got = members(&report, incident);
    for w in ["checkout/payment-client", "notifications/mailer", "partners/webhook-relay"] {
        assert!(got.contains(&w.to_string()), "{w} not linked: {got:?}");
    }
    // Go's SERVFAIL wording and the i/o timeout on :53 are one finding for the workload.
    assert_eq!(finding_of(&report, "checkout/payment-client")["pods"].as_array().map(Vec::len), Some(2));
    let db = incident_of(&report, "inventory/stock-sync");
    assert_eq!(db["link"], "single", "a refused database connection is not a DNS failure");
}

#[test]
fn a_node_restart_is_one_incident() {
    let report = analyze_fixture(&["incidents/node-restart"]);
    let incident = incident_of(&report, "search/indexer");
    assert_eq!(incident["link"], "node-restart");
    let mut got = members(&report, incident);
    got.sort();
    assert_eq!(
        got,
        ["kube-system/kube-proxy", "monitoring/node-exporter", "payments/ledger", "search/indexer", "shop/catalog"]
    );
    let title = incident["title"].as_str().unwrap_or("");
    assert!(title.contains("shop-prod-worker-2") && title.contains("6 containers of 5 workloads"), "{title}");
    // Severity and state are the worst member's: indexer is still not ready.
    assert_eq!(incident["severity"], "critical");
    assert_eq!(incident["state"], "active");
    // The panic on the other node, and the lone exit 255 there, stay separate.
    assert_eq!(incident_of(&report, "orders/order-worker")["link"], "single");
    assert_eq!(incident_of(&report, "platform/metrics-relay")["link"], "single");
}

#[test]
fn cni_exhaustion_is_the_root_of_sandbox_failures_on_its_node() {
    let report = analyze_fixture(&["incidents/cni-exhaustion"]);
    let incident = incident_of(&report, "kube-system/aws-node");
    assert_eq!(incident["link"], "cni");
    let mut got = members(&report, incident);
    got.sort();
    assert_eq!(got, ["checkout/checkout-api", "kube-system/aws-node", "recommendations/recommender"]);
    let reason = reason_for(incident, finding_of(&report, "checkout/checkout-api"));
    assert!(reason.contains("ip-10-0-2-141") && reason.contains("FailedCreatePodSandBox"), "{reason}");
    // Stuck creating on another node for a volume: not the CNI's doing.
    assert_eq!(incident_of(&report, "reports/report-gen")["link"], "single");
}

#[test]
fn the_api_server_is_the_root_of_controllers_that_lost_it() {
    let report = analyze_fixture(&["incidents/api-server-unreachable"]);
    let incident = incident_of(&report, "cert-manager/cert-manager");
    assert_eq!(incident["link"], "api-server");
    assert_eq!(root_of(&report, incident)["workload"]["name"], "kube-apiserver-shop-prod-cp-1");
    let got = members(&report, incident);
    assert_eq!(got.len(), 4, "{got:?}");
    let reason = reason_for(incident, finding_of(&report, "platform/backup-operator"));
    assert!(reason.contains("10.96.0.1:443"), "{reason}");
    assert_eq!(incident_of(&report, "shop/web")["link"], "single");
}

#[test]
fn one_missing_secret_shared_by_workloads_is_one_incident() {
    let report = analyze_fixture(&["incidents/shared-secret"]);
    let incident = incident_of(&report, "shop/orders-api");
    assert_eq!(incident["link"], "shared-config");
    assert!(incident["title"].as_str().unwrap_or("").contains("Secret shop/db-credentials"), "{}", incident["title"]);
    let mut got = members(&report, incident);
    got.sort();
    assert_eq!(got, ["shop/invoice-api", "shop/orders-api", "shop/orders-worker"]);
    assert_eq!(incident_of(&report, "shop/catalog-api")["link"], "single", "a different missing ConfigMap");
}

#[test]
fn a_state_lock_that_blocked_the_fix_joins_the_crash_loop() {
    let report = analyze_fixture(&["incidents/iac-lock"]);
    let incident = incident_of(&report, "checkout/checkout-api");
    assert_eq!(incident["link"], "iac-lock");
    assert_eq!(root_of(&report, incident)["cause"], "oom-killed");
    let lock = findings(&report).iter().find(|f| f["cause"] == "iac-state-lock").expect("lock finding");
    let reason = reason_for(incident, lock);
    assert!(reason.contains("state lock") && reason.contains("checkout/checkout-api"), "{reason}");
    assert_eq!(report["summary"]["incidents"], 1);
}

#[test]
fn impact_runs_from_the_start_to_the_snapshot_while_active() {
    let report = analyze_fixture(&["incidents/dns-loop"]);
    let incident = incident_of(&report, "kube-system/coredns");
    let impact = &incident["impact"];
    assert_eq!(impact["active"], true);
    assert_eq!(impact["since"], incident["start"]);
    let since = chrono::DateTime::parse_from_rfc3339(impact["since"].as_str().expect("since")).expect("time");
    let snapshot =
        chrono::DateTime::parse_from_rfc3339(report["snapshot_time"].as_str().expect("snapshot")).expect("time");
    assert_eq!(impact["seconds"].as_i64(), Some((snapshot - since).num_seconds()));
}

#[test]
fn the_postmortem_skeleton_is_drafted_from_the_incidents() {
    let report = analyze_fixture(&["incidents/dns-loop"]);
    let pm = &report["postmortem"];
    for section in ["impact", "detection", "root_cause", "trigger", "resolution", "action_items"] {
        assert!(pm[section].as_array().is_some_and(|a| !a.is_empty()), "{section} empty: {pm:#}");
    }
    let root_cause = pm["root_cause"][0].as_str().unwrap_or("");
    assert!(root_cause.contains("dns-loop") && root_cause.contains("Proof:"), "{root_cause}");
}

#[test]
fn an_earlier_replica_of_the_same_replicaset_dates_the_loop() {
    let report = analyze_fixture(&["incidents/replaced-replica"]);
    let f = finding_of(&report, "pricing/pricing-api");
    // The replaced pod's back-off began 25 minutes before this pod existed.
    assert_eq!(f["first_seen"], "2025-08-10T01:31:07Z");
    let quoted = f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["text"].as_str().is_some_and(|t| t.contains("an earlier replica of the same ReplicaSet")))
        .unwrap_or_else(|| panic!("no earlier-replica evidence: {:#}", f["evidence"]));
    assert!(quoted["text"].as_str().unwrap_or("").contains("pricing-api-7d9c6b8f5-w2jrp"), "{quoted:#}");
    assert_eq!(quoted["time"], "2025-08-10T01:31:07Z");
    assert_eq!(report["summary"]["active_since"], "2025-08-10T01:31:07Z");
    // Without it (the rule fixture this one extends), the pod's own events start the loop.
    let alone = analyze_fixture(&["rules/app-error/trigger"]);
    assert_ne!(finding_of(&alone, "pricing/pricing-api")["first_seen"], "2025-08-10T01:31:07Z");
}
