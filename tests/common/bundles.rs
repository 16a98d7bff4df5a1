//! Bundles written by the trust tests (tests/trust.rs, tests/browser.rs)
//! into a temporary directory: a crash-looping Deployment whose every
//! quotable text carries hostile markup, or secrets. They follow the
//! troubleshoot.sh layout of `fixtures/incidents/secrets` (the same node
//! list is read from there); names that a real cluster would refuse (a pod
//! named `"><img …>`) are the point, so they are built here rather than
//! committed as files with such names.
//!
//! Included with `#[path = "common/bundles.rs"] mod bundles;`.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::fs;
use std::path::{Path, PathBuf};

pub const SNAPSHOT: &str = "2025-08-10T02:08:25Z";

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn write_json(path: &Path, value: &Value) {
    write(path, &serde_json::to_string_pretty(value).expect("serialises"));
}

fn list(kind: &str, api: &str, items: Vec<Value>) -> Value {
    json!({ "kind": kind, "apiVersion": api, "metadata": { "resourceVersion": "7261990" }, "items": items })
}

/// What varies between the bundles: names and the texts that carry the payload.
pub struct Workload<'a> {
    pub namespace: &'a str,
    pub deployment: &'a str,
    pub hash: &'a str,
    pub old_hash: &'a str,
    /// The pod's name suffix after `<deployment>-<hash>-`.
    pub pod_suffix: &'a str,
    pub container: &'a str,
    pub labels: Vec<(&'a str, &'a str)>,
    pub annotations: Vec<(&'a str, &'a str)>,
    /// Env of the failing revision; the healthy one had `old_env`.
    pub env: Vec<(&'a str, &'a str)>,
    pub old_env: Vec<(&'a str, &'a str)>,
    /// Args of the failing revision; the healthy one had none.
    pub args: Vec<&'a str>,
    pub termination_message: &'a str,
    /// (reason, type, message) of events about the container.
    pub events: Vec<(&'a str, &'a str, String)>,
    /// The crashed instance's log.
    pub log: Vec<String>,
}

impl Workload<'_> {
    pub fn pod_name(&self) -> String {
        format!("{}-{}-{}", self.deployment, self.hash, self.pod_suffix)
    }
}

/// A UID of its own for each object (`what`) of each namespace: objects of
/// two workloads must not be taken for one.
fn uid(namespace: &str, what: &str) -> String {
    let hash = format!("{namespace}/{what}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let hex = format!("{hash:016x}{:016x}", hash.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15);
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

fn pairs(list: &[(&str, &str)]) -> Value {
    Value::Object(list.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
}

fn env(list: &[(&str, &str)]) -> Value {
    Value::Array(list.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect())
}

fn container_spec(w: &Workload, env_list: &[(&str, &str)], args: &[&str]) -> Value {
    json!({
        "name": w.container,
        "image": format!("registry.example.com/{}/{}:3.2.0", w.namespace, w.deployment),
        "args": args,
        "env": env(env_list),
        "resources": { "limits": { "memory": "256Mi" }, "requests": { "cpu": "100m", "memory": "128Mi" } },
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "imagePullPolicy": "IfNotPresent"
    })
}

fn replica_set(w: &Workload, hash: &str, revision: u32, created: &str, replicas: u32, current: bool) -> Value {
    let mut labels = vec![("app", w.deployment), ("pod-template-hash", hash)];
    let mut annotations = Vec::new();
    let (env_list, args): (&[(&str, &str)], &[&str]) = if current {
        labels.extend(w.labels.iter().copied());
        annotations.extend(w.annotations.iter().copied());
        (&w.env, &w.args)
    } else {
        (&w.old_env, &[])
    };
    json!({
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": format!("{}-{hash}", w.deployment),
            "namespace": w.namespace,
            "uid": uid(w.namespace, hash),
            "creationTimestamp": created,
            "labels": { "app": w.deployment, "pod-template-hash": hash },
            "annotations": { "deployment.kubernetes.io/revision": revision.to_string() },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": w.deployment,
                "uid": uid(w.namespace, w.deployment), "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": w.deployment, "pod-template-hash": hash } },
            "template": {
                "metadata": { "creationTimestamp": null, "labels": pairs(&labels), "annotations": pairs(&annotations) },
                "spec": { "containers": [container_spec(w, env_list, args)], "restartPolicy": "Always" }
            }
        },
        "status": { "replicas": replicas, "fullyLabeledReplicas": replicas, "observedGeneration": 2 }
    })
}

fn pod(w: &Workload) -> Value {
    let name = w.pod_name();
    let pod_uid = uid(w.namespace, &name);
    let mut labels = vec![("app", w.deployment), ("pod-template-hash", w.hash)];
    labels.extend(w.labels.iter().copied());
    json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": format!("{}-{}-", w.deployment, w.hash),
            "namespace": w.namespace,
            "uid": pod_uid,
            "creationTimestamp": "2025-08-10T01:54:12Z",
            "labels": pairs(&labels),
            "annotations": pairs(&w.annotations),
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{}-{}", w.deployment, w.hash),
                "uid": uid(w.namespace, w.hash), "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": {
            "containers": [container_spec(w, &w.env, &w.args)],
            "restartPolicy": "Always",
            "nodeName": "shop-prod-worker-1"
        },
        "status": {
            "phase": "Running",
            "conditions": [
                { "type": "Initialized", "status": "True", "lastTransitionTime": "2025-08-10T01:54:14Z" },
                { "type": "Ready", "status": "False", "lastTransitionTime": "2025-08-10T01:54:14Z",
                  "reason": "ContainersNotReady", "message": format!("containers with unready status: [{}]", w.container) },
                { "type": "PodScheduled", "status": "True", "lastTransitionTime": "2025-08-10T01:54:12Z" }
            ],
            "hostIP": "10.0.3.7",
            "podIP": "10.244.1.88",
            "startTime": "2025-08-10T01:54:12Z",
            "containerStatuses": [{
                "name": w.container,
                "state": { "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off 5m0s restarting failed container={} pod={name}_{}({pod_uid})", w.container, w.namespace)
                } },
                "lastState": { "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": "2025-08-10T02:06:01Z",
                    "finishedAt": "2025-08-10T02:06:02Z",
                    "containerID": "containerd://7be0c1d95a4f3e28b6d7a9c0e1f2d3b4a5968778695a4b3c2d1e0f9a8b7c6d5e",
                    "message": w.termination_message
                } },
                "ready": false,
                "restartCount": 7,
                "image": format!("registry.example.com/{}/{}:3.2.0", w.namespace, w.deployment),
                "containerID": "containerd://7be0c1d95a4f3e28b6d7a9c0e1f2d3b4a5968778695a4b3c2d1e0f9a8b7c6d5e",
                "started": false
            }],
            "qosClass": "Burstable"
        }
    })
}

fn events(w: &Workload) -> Value {
    let name = w.pod_name();
    let items = w
        .events
        .iter()
        .enumerate()
        .map(|(i, (reason, kind, message))| {
            json!({
                "kind": "Event",
                "apiVersion": "v1",
                "metadata": {
                    "name": format!("{name}.185a44f1c2d3e4{i:02}"),
                    "namespace": w.namespace,
                    "uid": uid(w.namespace, &format!("event-{i}")),
                    "creationTimestamp": "2025-08-10T01:54:13Z"
                },
                "involvedObject": {
                    "kind": "Pod", "namespace": w.namespace, "name": name,
                    "uid": uid(w.namespace, &name), "apiVersion": "v1",
                    "fieldPath": format!("spec.containers{{{}}}", w.container)
                },
                "reason": reason,
                "message": message,
                "source": { "component": "kubelet", "host": "shop-prod-worker-1" },
                "firstTimestamp": "2025-08-10T01:54:16Z",
                "lastTimestamp": "2025-08-10T02:06:01Z",
                "count": 8,
                "type": kind,
                "reportingComponent": "kubelet",
                "reportingInstance": "shop-prod-worker-1"
            })
        })
        .collect();
    list("EventList", "v1", items)
}

/// Writes a support bundle of `workloads` (each in a namespace of its own)
/// under `root`: its `cluster-resources/` and `version.yaml`.
pub fn support_bundle(root: &Path, workloads: &[Workload]) {
    let resources = root.join("cluster-resources");
    let nodes = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/incidents/secrets/cluster-resources/nodes.json");
    fs::create_dir_all(&resources).expect("mkdir");
    fs::copy(&nodes, resources.join("nodes.json")).unwrap_or_else(|e| panic!("{}: {e}", nodes.display()));
    write(
        &root.join("version.yaml"),
        "apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: v0.121.3\n",
    );
    for w in workloads {
        workload(&resources, w);
    }
}

fn workload(resources: &Path, w: &Workload) {
    let ns = w.namespace;
    write_json(&resources.join(format!("pods/{ns}.json")), &list("PodList", "v1", vec![pod(w)]));
    write_json(&resources.join(format!("events/{ns}.json")), &events(w));
    let sets = vec![
        replica_set(w, w.old_hash, 4, "2025-07-28T09:12:40Z", 0, false),
        replica_set(w, w.hash, 5, "2025-08-10T01:54:12Z", 1, true),
    ];
    write_json(&resources.join(format!("replicasets/{ns}.json")), &list("ReplicaSetList", "apps/v1", sets));
    let log = w.log.join("\n") + "\n";
    let logs = resources.join("pods/logs").join(ns).join(w.pod_name());
    write(&logs.join(format!("{}-previous.log", w.container)), &log);
    write(&logs.join(format!("{}.log", w.container)), &log);
}

/// A log line of the crashed instance, at a time before the snapshot.
pub fn log_line(n: usize, level: &str, rest: &str) -> String {
    format!("2025-08-10T02:06:01.{:03}Z level={level} {rest}", 100 + n)
}

// ---------------------------------------------------------------- hostile

/// Markup and display tricks that must stay text. Each is quoted by the
/// report somewhere (see `hostile_bundle`); the browser test looks for them
/// in the page's text.
pub const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "</style><script>alert(2)</script>",
    "\"><img src=x onerror=alert(3)>",
    "javascript:alert(4)",
    "<svg onload=alert(5)>",
    "{{ 7*7 }}{% raw %}",
    "<script>console.log('ran')</script>",
    "</textarea></title></noscript><iframe srcdoc=\"<script>alert(6)</script>\">",
];

/// Bidi controls: right-to-left override, the isolates and their pops.
pub const BIDI: &str = "\u{202e}gpj.exe\u{202c} \u{2066}L\u{2069} \u{2067}R\u{2069} \u{2068}F\u{2069}";

/// A crash-looping Deployment whose pod name, labels, annotations, env,
/// event messages, termination message and log lines carry [`HOSTILE`]
/// and [`BIDI`]. Returns the bundle's root.
pub fn hostile_bundle(dir: &Path) -> PathBuf {
    let all = format!("{} {BIDI}", HOSTILE.join(" "));
    let mut log = vec![log_line(0, "info", "msg=\"starting\" version=3.2.0")];
    for (i, h) in HOSTILE.iter().enumerate() {
        log.push(log_line(i + 1, "error", &format!("msg=\"request failed: {h}\" redirect=\"javascript:alert(7)\"")));
    }
    log.push(log_line(20, "error", &format!("msg=\"bidi {BIDI}\"")));
    log.push(log_line(30, "fatal", &format!("msg=\"giving up: {all}\"")));
    let pod_suffix = "\"><img src=x onerror=alert(8)>";
    let events = vec![
        ("Unhealthy", "Warning", format!("Readiness probe failed: {all}")),
        (
            "BackOff",
            "Warning",
            format!(
                "Back-off restarting failed container app in pod evil-6c8f9d7b5-{pod_suffix}_web(8e1f4c2a-6b3d-4f7e-9a05-2c7d1b9e4f63)"
            ),
        ),
    ];
    let w = Workload {
        namespace: "web",
        deployment: "evil",
        hash: "6c8f9d7b5",
        old_hash: "58b7c9d4f6",
        pod_suffix,
        container: "app",
        labels: vec![("team", "<svg onload=alert(9)>"), ("owner", BIDI)],
        annotations: vec![
            ("example.com/runbook", "javascript:alert(10)"),
            ("example.com/note", "</style><script>alert(11)</script>"),
            ("example.com/bidi", BIDI),
        ],
        env: vec![("APP_ENV", "production"), ("BANNER", "<script>alert(12)</script>")],
        old_env: vec![("APP_ENV", "production"), ("BANNER", "welcome")],
        args: vec!["--greeting=<img src=x onerror=alert(13)>"],
        termination_message: "fatal: \"><img src=x onerror=alert(14)> <script>alert(15)</script>",
        events,
        log,
    };
    let root = dir.join("hostile-bundle");
    support_bundle(&root, &[w]);
    root
}

// ---------------------------------------------------------------- secrets

/// A planted secret: what kind it is and the value that must never reach
/// a report. Every value is distinctive, so any 12 of its characters in a
/// row found in a report are a leak.
pub struct Secret {
    pub kind: &'static str,
    pub value: &'static str,
}

const fn s(kind: &'static str, value: &'static str) -> Secret {
    Secret { kind, value }
}

pub const BEARER: Secret = s("bearer token", "pLnTbEaReR0q9w8e7r6t5y4u3i2o");
pub const BASIC: Secret = s("basic credentials", "cGxudC1iYXNpYzpQbE50QmFTaUMtcFc5");
pub const JWT: Secret = s(
    "JWT",
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsbnQifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cGxudCJ9.UExOVHNpZ25hdHVyZTBxOXc4ZTdyNnQ1",
);
pub const AWS_KEY_ID: Secret = s("AWS access key id", "AKIAPLNT4Q7W2E9R6T1Y");
pub const AWS_SECRET: Secret = s("AWS secret access key", "pLnT/wJalrXUtnFEMI+K7MDENGbPxRfiCY0q9w8e7");
pub const GCP_API_KEY: Secret = s("GCP API key", "AIzaSyPLNT-gcpKey0q9w8e7r6t5y4u3i2o1p0a");
pub const GCP_SA_KEY: Secret =
    s("GCP service-account private key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDPLNTsa0q9w8e7r6t5y4u3i2");
pub const RSA_KEY_1: Secret =
    s("RSA private key (line 1)", "MIIEowIBAAKCAQEAPLNTrsaLine1q9w8e7r6t5y4u3i2o1p0aZsXdCfVgBhNjMkL0987");
pub const RSA_KEY_2: Secret =
    s("RSA private key (line 2)", "PLNTrsaLine2Q1w2E3r4T5y6U7i8O9p0AaSsDdFfGgHhJjKkLlZzXxCcVvBbNnMm1234");
pub const EC_KEY: Secret = s("EC private key", "MHcCAQEEIPLNTecKey0q9w8e7r6t5y4u3i2o1p0aZsXdCfVgBhNjMkLoAoGCCqGSM49");
pub const OPENSSH_KEY: Secret =
    s("OpenSSH private key", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQPLNTssh0q9w8e7r6t5y4u3i2o1p0a");
pub const PG_PASSWORD: Secret = s("password in a URL (user:pass@)", "PlNt-pgPass-9x8c7v");
pub const MYSQL_PASSWORD: Secret = s("password in a URL (user:pass@)", "PlNt-mysqlPass-4r5t6y");
pub const QUERY_PASSWORD: Secret = s("password= in a URL", "PlNt-queryPw-3Xk7q");
pub const PROBE_TOKEN: Secret = s("token= in a probe URL", "PlNt-probeToken-5Rt1w");
pub const GIT_PASSWORD: Secret = s("password in a URL (user:pass@)", "PlNt-gitPass-8u7i6o");
pub const DB_PASSWORD: Secret = s("env DB_PASSWORD", "PlNt-dbPassword-ZQ81x");
pub const OLD_DB_PASSWORD: Secret = s("env DB_PASSWORD (healthy revision)", "PlNt-oldDbPassword-K7m3");
pub const API_TOKEN: Secret = s("env API_TOKEN", "PlNt-apiToken-7Hq2e");
pub const ENV_AWS_SECRET: Secret = s("env AWS_SECRET_ACCESS_KEY", "pLnTeNvAwSsEcReT0q9w8e7r6t5y4u3i2o1p0aZx");
pub const ARGS_PASSWORD: Secret = s("--db-password argument", "PlNt-argsPassword-2w3e");
pub const ANNOTATION_TOKEN: Secret = s("annotation with a secret-looking key", "PlNt-annotationToken-Q1a");
pub const LAST_APPLIED_KEY: Secret = s("env in last-applied-configuration", "PlNt-lastAppliedKey-9o8i");
pub const DESCRIBE_PASSWORD: Secret = s("describe: message password=", "PlNt-describeMsgPw-1q2w");
pub const DESCRIBE_TOKEN: Secret = s("describe: event access_token=", "PlNt-describeToken-3e4r");
pub const TF_ACCESS_KEY: Secret = s("Terraform log: AWS access key id", "AKIAPLNTTF7Q2W4E6R8T");
pub const TF_SECRET: Secret = s("Terraform log: secret_key=", "pLnTtFsEcReT0q9w8e7r6t5y4u3i2o1p0aZxCvBn");
pub const TF_GIT_PASSWORD: Secret = s("Terraform log: password in a URL", "PlNt-tfGitPass-6y7u");

/// Every planted secret.
pub const SECRETS: &[Secret] = &[
    BEARER,
    BASIC,
    JWT,
    AWS_KEY_ID,
    AWS_SECRET,
    GCP_API_KEY,
    GCP_SA_KEY,
    RSA_KEY_1,
    RSA_KEY_2,
    EC_KEY,
    OPENSSH_KEY,
    PG_PASSWORD,
    MYSQL_PASSWORD,
    QUERY_PASSWORD,
    PROBE_TOKEN,
    GIT_PASSWORD,
    DB_PASSWORD,
    OLD_DB_PASSWORD,
    API_TOKEN,
    ENV_AWS_SECRET,
    ARGS_PASSWORD,
    ANNOTATION_TOKEN,
    LAST_APPLIED_KEY,
    DESCRIBE_PASSWORD,
    DESCRIBE_TOKEN,
    TF_ACCESS_KEY,
    TF_SECRET,
    TF_GIT_PASSWORD,
];

/// The inputs of the secrets test, each quoting secrets where a report
/// can quote them: a support bundle with a Terraform CI log beside it (log
/// lines, event messages, a termination message, env values, args and
/// annotations of the revisions, a multi-line private key, the state-lock
/// error), and two `kubectl describe pod` pastes (a termination message,
/// an event), and a second support bundle whose log ends in a private key
/// printed line by line (the only input where one hidden value spans
/// several quoted lines). Returns the inputs to analyse together.
pub fn secrets_bundle(dir: &Path) -> Vec<PathBuf> {
    let root = dir.join("secrets");
    let pem = |kind: &str, body: &str| format!("-----BEGIN {kind}-----\\n{body}\\n-----END {kind}-----");
    let sa_json = format!(
        r#"{{"type": "service_account", "project_id": "shop-prod", "private_key_id": "4f1d0c", "private_key": "{}\n", "client_email": "ledger@shop-prod.iam.gserviceaccount.com"}}"#,
        pem("PRIVATE KEY", GCP_SA_KEY.value)
    );
    // The title and the explanation quote the first 160 characters of the
    // decisive line: the bare key id straddles that cut.
    let head = log_line(3, "fatal", "msg=\"");
    let filler = "x".repeat(146 - head.len() - "giving up: uploads by  ".len());
    let log = vec![
        log_line(0, "info", "msg=\"starting ledger\" version=3.2.0"),
        log_line(
            1,
            "error",
            &format!(
                "msg=\"upstream refused\" req_header=\"Authorization: Bearer {}\" err=\"{} expired\" geocoder=\"https://maps.googleapis.com/maps/api/geocode/json?address=Bern&key={}\" aws_secret_access_key={}",
                BEARER.value, JWT.value, GCP_API_KEY.value, AWS_SECRET.value
            ),
        ),
        log_line(
            2,
            "error",
            &format!(
                "msg=\"bad configuration\" credentials={} deploy_key=\"{}\" dsn=\"postgres://ledger:{}@db:5432/ledger?sslmode=require\" login=\"https://api.example.com/login?user=ledger&password={}\" repo=https://deploy:{}@git.example.com/shop/ledger.git",
                serde_json::to_string(&sa_json).expect("JSON"),
                pem("OPENSSH PRIVATE KEY", OPENSSH_KEY.value),
                PG_PASSWORD.value,
                QUERY_PASSWORD.value,
                GIT_PASSWORD.value
            ),
        ),
        format!(
            "{head}giving up: uploads by {filler} {} failed\" DB_USER=ledger DB_PASSWORD={} API_TOKEN={}",
            AWS_KEY_ID.value, DB_PASSWORD.value, API_TOKEN.value
        ),
    ];
    let last_applied = format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","spec":{{"template":{{"spec":{{"containers":[{{"env":[{{"name":"STRIPE_API_KEY","value":"{}"}}],"name":"ledger"}}]}}}}}}}}"#,
        LAST_APPLIED_KEY.value
    );
    let args_password = format!("--db-password={}", ARGS_PASSWORD.value);
    let ledger = Workload {
        namespace: "payments",
        deployment: "ledger",
        hash: "6c8f9d7b5",
        old_hash: "58b7c9d4f6",
        pod_suffix: "q4zkp",
        container: "ledger",
        labels: vec![],
        annotations: vec![
            ("vault.example.com/agent-token", ANNOTATION_TOKEN.value),
            ("kubectl.kubernetes.io/last-applied-configuration", &last_applied),
        ],
        env: vec![
            ("APP_ENV", "production"),
            ("DB_PASSWORD", DB_PASSWORD.value),
            ("API_TOKEN", API_TOKEN.value),
            ("AWS_SECRET_ACCESS_KEY", ENV_AWS_SECRET.value),
        ],
        old_env: vec![("APP_ENV", "production"), ("DB_PASSWORD", OLD_DB_PASSWORD.value)],
        args: vec!["--listen=:8080", &args_password],
        termination_message: "",
        events: vec![
            (
                "Unhealthy",
                "Warning",
                format!(
                    "Readiness probe failed: Get \"http://10.244.1.88:8080/readyz?token={}\": dial tcp 10.244.1.88:8080: connect: connection refused",
                    PROBE_TOKEN.value
                ),
            ),
            (
                "Failed",
                "Warning",
                format!("Error: failed to reach the license server: 401 for Authorization: Basic {}", BASIC.value),
            ),
            (
                "BackOff",
                "Warning",
                "Back-off restarting failed container ledger in pod ledger-6c8f9d7b5-q4zkp_payments".to_string(),
            ),
        ],
        log,
    };
    // A crash with no error line: the report quotes the log's tail, here a
    // private key printed line by line, and the termination message.
    let termination = format!(
        "level=fatal msg=\"database login rejected\" dsn=\"mysql://signer:{}@tcp(db:3306)/signer\"\n-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
        MYSQL_PASSWORD.value, EC_KEY.value
    );
    let signer = Workload {
        namespace: "signing",
        deployment: "signer",
        hash: "7d9c8b6f4",
        old_hash: "5f7b6c9d8",
        pod_suffix: "m2x8w",
        container: "signer",
        labels: vec![],
        annotations: vec![],
        env: vec![],
        old_env: vec![],
        args: vec![],
        termination_message: &termination,
        events: vec![],
        log: vec![
            "starting signer".to_string(),
            "loading the signing key from SIGNING_KEY:".to_string(),
            "-----BEGIN RSA PRIVATE KEY-----".to_string(),
            RSA_KEY_1.value.to_string(),
            RSA_KEY_2.value.to_string(),
            "-----END RSA PRIVATE KEY-----".to_string(),
        ],
    };
    let bundle = root.join("incident");
    support_bundle(&bundle.join("support-bundle-2025-08-10T02_08_25"), &[ledger]);
    write(&bundle.join("terraform-apply.log"), &terraform_log());
    let migrate = root.join("describe-migrate.txt");
    write(&migrate, &describe_migrate());
    let web = root.join("describe-web.txt");
    write(&web, &describe_web());
    let keys = root.join("signer-bundle");
    support_bundle(&keys, &[signer]);
    vec![bundle, migrate, web, keys]
}

/// A container that cannot start: the runtime's message quotes its command.
fn describe_migrate() -> String {
    format!(
        "Name:         billing-migrate-6c9f7d8b5-t4xzq
Namespace:    billing
Priority:     0
Node:         shop-prod-worker-1/10.0.3.7
Start Time:   Sun, 10 Aug 2025 01:10:33 +0000
Labels:       app=billing-migrate
              pod-template-hash=6c9f7d8b5
Annotations:  <none>
Status:       Running
IP:           10.244.2.31
Controlled By:  ReplicaSet/billing-migrate-6c9f7d8b5
Containers:
  migrate:
    Container ID:   containerd://6b13adf41343fb990898e2a0cf94a54ff7fc65c3aa269535a7c4c166bce424b9
    Image:          registry.example.com/billing/migrate:3.8.1
    Port:           <none>
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       StartError
      Message:      failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app/migrate --db-url=postgres://app:{}@db/app\": stat /app/migrate: no such file or directory: unknown
      Exit Code:    128
      Started:      Thu, 01 Jan 1970 00:00:00 +0000
      Finished:     Sun, 10 Aug 2025 02:03:49 +0000
    Ready:          False
    Restart Count:  14
    Environment:
      DB_PASSWORD:  <set to the key 'password' in secret 'billing-db'>  Optional: false
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x7k2p (ro)
Conditions:
  Type              Status
  Ready             False
  ContainersReady   False
QoS Class:                   BestEffort
Events:
  Type     Reason     Age                 From     Message
  ----     ------     ----                ----     -------
  Warning  BackOff    15s (x60 over 56m)  kubelet  Back-off restarting failed container migrate in pod billing-migrate-6c9f7d8b5-t4xzq_billing(2368a498-5a25-4924-8770-f5904a6c0f3b)
",
        DESCRIBE_PASSWORD.value
    )
}

/// A liveness probe that fails: the report quotes its events.
fn describe_web() -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inputs/loose/describe-liveness.txt");
    let text = fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    let probe = "Liveness probe failed: Get \"http://10.244.1.7:8080/healthz\"";
    assert!(text.contains(probe), "{} changed: no liveness event to plant a token in", fixture.display());
    text.replace(
        probe,
        &format!("Liveness probe failed: Get \"http://10.244.1.7:8080/healthz?access_token={}\"", DESCRIBE_TOKEN.value),
    )
}

fn terraform_log() -> String {
    let prefix = "2025-08-10T01:58:19.2087710Z \u{1b}[31m│\u{1b}[0m \u{1b}[0m\u{1b}[0m";
    let lines = [
        "2025-08-10T01:57:57.0020110Z ##[group]Run terraform apply -input=false -auto-approve".to_string(),
        "2025-08-10T01:57:57.0020870Z terraform apply -input=false -auto-approve".to_string(),
        "2025-08-10T01:57:58.0121140Z \u{1b}[0m\u{1b}[1mAcquiring state lock. This may take a few moments...\u{1b}[0m"
            .to_string(),
        "2025-08-10T01:58:19.2087710Z \u{1b}[31m╷\u{1b}[0m\u{1b}[0m".to_string(),
        format!("{prefix}\u{1b}[1m\u{1b}[31mError: \u{1b}[0m\u{1b}[0m\u{1b}[1mError acquiring the state lock\u{1b}[0m"),
        format!(
            "{prefix}Error message: ConditionalCheckFailedException: The conditional request failed (credentials {} secret_key={} from https://ci:{}@git.example.com/shop/infra.git)",
            TF_ACCESS_KEY.value, TF_SECRET.value, TF_GIT_PASSWORD.value
        ),
        format!("{prefix}Lock Info:"),
        format!("{prefix}  ID:        4f6a2c1e-8b3d-4e7f-9a05-c2d1e8b7f3a6"),
        format!("{prefix}  Path:      acme-shop-tfstate/live/prod/payments/terraform.tfstate"),
        format!("{prefix}  Operation: OperationTypeApply"),
        format!("{prefix}  Who:       runner@fv-az1187-304"),
        format!("{prefix}  Version:   1.9.5"),
        format!("{prefix}  Created:   2025-08-10 01:12:40.912553817 +0000 UTC"),
        format!("{prefix}  Info:      "),
        "2025-08-10T01:58:19.2087710Z \u{1b}[31m╵\u{1b}[0m\u{1b}[0m".to_string(),
        "2025-08-10T01:58:19.2345870Z ##[error]Process completed with exit code 1.".to_string(),
    ];
    lines.join("\n") + "\n"
}
