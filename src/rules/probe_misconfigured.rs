//! ## What it detects
//! A liveness or startup probe that cannot succeed by construction, proven
//! from both sides — the kubelet's failing probe and the application's own
//! log:
//! - **wrong port**: the probe fails with `connection refused` on port P
//!   while the log says the application listens on port Q;
//! - **wrong path**: the probe gets `statuscode: 404` while the log shows
//!   the application up and answering (its access log shows `kube-probe`
//!   getting 404 on the probe's path);
//! - **start-up budget too short**: the probe kills the container, and the
//!   log shows start-up taking longer than `initialDelaySeconds +
//!   failureThreshold × periodSeconds` (Spring Boot's `Started X in 95.3
//!   seconds`, Tomcat's `Server startup in N ms`, Quarkus/Keycloak
//!   `started in Ns`).
//!
//! A port merely absent from `ports[]` proves nothing (that list is
//! optional), so it is never used as evidence on its own.
//!
//! ## Why it matters
//! A misconfigured probe kills a healthy application forever; every restart
//! looks like the application's fault, and raising resources or reading
//! stack traces leads nowhere. The fix is one field.
//!
//! ## Evidence
//! The `Unhealthy` / `Killing` events of the probe, the probe as written in
//! the pod spec, and the log line that contradicts it (the port the
//! application listens on, its start-up time).
//!
//! ## Fix
//! Change the one field the finding names to the value it gives: the
//! probe's `port`, its `path`, or a start-up budget (`startupProbe`
//! `failureThreshold`) that covers the start-up time with a margin.
//!
//! ## References
//! - https://github.com/ibtisam-iq/nectar (kube-apiserver probes on 6433 while it serves 6443: `Startup probe failed: ... dial tcp 172.30.1.2:6433: connect: connection refused`)
//! - https://github.com/kubernetes/kubernetes/issues/62594 (slow Spring Boot start with low CPU killed by probes)
//! - https://github.com/Azure/draft/issues/485 (start-up budget too short; raising startupProbe values fixed it)
//! - https://github.com/apache/camel-k/issues/2173 (`initialDelaySeconds` 5s too short)

use super::shell::{shell_comment_word, shell_word};
use super::{
    CrashLog, Ctx, Diagnosis, Evidence, EvidenceKind, Remediation, Rule, RuleInfo, Subject, SubjectKind, SubjectRef,
};
use crate::model::{Container, IntOrString, Probe};
use regex::Regex;
use std::sync::LazyLock;

/// Log lines naming the port a server listens on. Group `port`.
const LISTEN_PATTERNS: &[&str] = &[
    r"(?i)\blisten(?:ing|s)?\b(?: on| at)?(?: port)?:? ?(?:https?://)?(?:[\w.-]+|\[[0-9a-f:]*\])?:(?P<port>\d{2,5})\b",
    r"(?i)\blistening on port (?P<port>\d{2,5})\b",
    r"(?i)\bTomcat (?:started|initialized) (?:on|with) port(?:\(s\))?:? (?P<port>\d{2,5})\b",
    r"(?i)\bNetty started on port:? (?P<port>\d{2,5})\b",
    r"(?i)\bServing (?:securely |insecurely )?on (?:[\w.-]+|\[[0-9a-f:]*\])?:(?P<port>\d{2,5})\b",
    r"(?i)\bNow listening on: https?://[^\s:/]+:(?P<port>\d{2,5})\b",
    r"(?i)\b(?:Uvicorn|Running|Server) (?:running|started)? ?on https?://[^\s:/]+:(?P<port>\d{2,5})\b",
    r"(?i)\b(?:server|http server|api) (?:started|starting|running) on (?:port )?:?(?:[\w.-]+|\[[0-9a-f:]*\])?:?(?P<port>\d{2,5})\b",
];

/// Log lines that give a start-up duration. Groups `secs` or `ms`.
const STARTED_PATTERNS: &[&str] = &[
    r"\bStarted \S+ in (?P<secs>\d+(?:\.\d+)?) seconds",
    r"(?i)\bstarted in (?P<secs>\d+(?:\.\d+)?) ?s\b",
    r"\bServer startup in \[?(?P<ms>\d+)\]? ?(?:ms|milliseconds)",
];

/// Access-log lines of the kubelet's probe getting a 404.
const PROBE_404: &str = r#""GET (?P<path>/\S*) HTTP/[\d.]+" 404 .*kube-probe"#;

pub struct ProbeMisconfigured {
    info: RuleInfo,
    /// Index of the first of this rule's patterns in the shared `LogPatterns`.
    log_offset: usize,
    listen: Vec<Regex>,
    started: Vec<Regex>,
    probe_404: Regex,
}

impl ProbeMisconfigured {
    /// `log_offset` is where `log_patterns()` start in the shared list.
    pub fn new(log_offset: usize) -> Self {
        let compile = |p: &&str| Regex::new(p).expect("built-in pattern is valid");
        ProbeMisconfigured {
            info: RuleInfo::builtin(
                "probe-misconfigured",
                "A liveness or startup probe that cannot succeed: wrong port or path, or a start-up budget shorter than start-up",
                include_str!("probe_misconfigured.rs"),
            ),
            log_offset,
            listen: LISTEN_PATTERNS.iter().map(compile).collect(),
            started: STARTED_PATTERNS.iter().map(compile).collect(),
            probe_404: Regex::new(PROBE_404).expect("built-in pattern is valid"),
        }
    }

    /// The patterns the shared log scan must look for on this rule's behalf.
    pub fn log_patterns() -> Vec<String> {
        LISTEN_PATTERNS.iter().chain(STARTED_PATTERNS).chain([&PROBE_404]).map(|p| p.to_string()).collect()
    }

    /// Log hits of pattern group `range` (indices into `log_patterns()`).
    fn hits<'l>(
        &self,
        log: &'l CrashLog,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (usize, &'l crate::logscan::LogLine)> + 'l {
        let (start, end) = (self.log_offset + range.start, self.log_offset + range.end);
        log.digest
            .hits
            .iter()
            .filter(move |h| (start..end).contains(&h.pattern))
            .map(move |h| (h.pattern - start, &h.line))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Liveness,
    Startup,
}

impl Which {
    fn field(self) -> &'static str {
        match self {
            Which::Liveness => "livenessProbe",
            Which::Startup => "startupProbe",
        }
    }
    fn word(self) -> &'static str {
        match self {
            Which::Liveness => "liveness",
            Which::Startup => "startup",
        }
    }
}

static REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Liveness|Startup) probe failed: .*dial tcp \[?[0-9a-fA-F.:]*?\]?:(?P<port>\d+): (?:connect|getsockopt): connection refused")
        .expect("valid regex")
});
static SIDE_LISTENER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)metrics|prometheus|pprof|debug|profil").expect("valid regex"));
static NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Liveness|Startup) probe failed: HTTP probe failed with statuscode: 404").expect("valid regex")
});
static KILLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"failed (?P<which>liveness|startup) probe|Container failed (?P<old>liveness) probe")
        .expect("valid regex")
});

impl Rule for ProbeMisconfigured {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let s = &ctx.subjects[index];
        if s.kind != SubjectKind::CrashLoop {
            return Vec::new();
        }
        let Some(log) = ctx.crash_log(index) else { return Vec::new() };
        let events: Vec<&crate::model::Event> = ctx.events_for(s).collect();
        let killed_by = events.iter().find_map(|e| {
            KILLED.captures(&e.message).map(|c| {
                if c.name("which").is_some_and(|w| w.as_str() == "startup") { Which::Startup } else { Which::Liveness }
            })
        });
        let unhealthy = |re: &Regex, which: Which| {
            events.iter().copied().find(|e| {
                e.reason == "Unhealthy"
                    && e.message.starts_with(if which == Which::Startup { "Startup" } else { "Liveness" })
                    && re.is_match(&e.message)
            })
        };
        for which in [Which::Startup, Which::Liveness] {
            let Some(probe) = probe_of(s.container, which) else { continue };
            let case = ProbeCase { index, ctx, s, log, which, probe };
            let kill = killed_by == Some(which);
            if let Some(refused) = unhealthy(&REFUSED, which) {
                if let Some(d) = self.wrong_port(&case, refused) {
                    return vec![d];
                }
            }
            if let Some(not_found) = unhealthy(&NOT_FOUND, which) {
                if let Some(d) = self.wrong_path(&case, not_found) {
                    return vec![d];
                }
            }
            if kill {
                if let Some(d) = self.short_budget(&case, &events) {
                    return vec![d];
                }
            }
        }
        Vec::new()
    }
}

/// The probe's check (httpGet, tcpSocket, grpc or exec) as pod-spec JSON.
fn handler_json(probe: &Probe) -> serde_json::Value {
    let port = |p: &Option<IntOrString>| match p {
        Some(IntOrString::Int(n)) => serde_json::Value::from(*n),
        Some(IntOrString::Str(s)) => serde_json::Value::from(s.as_str()),
        None => serde_json::Value::Null,
    };
    if let Some(h) = &probe.http_get {
        let mut get =
            serde_json::json!({ "path": h.path.clone().unwrap_or_else(|| "/".into()), "port": port(&h.port) });
        if let (Some(scheme), Some(map)) = (&h.scheme, get.as_object_mut()) {
            map.insert("scheme".into(), scheme.as_str().into());
        }
        serde_json::json!({ "httpGet": get })
    } else if let Some(t) = &probe.tcp_socket {
        serde_json::json!({ "tcpSocket": { "port": port(&t.port) } })
    } else if let Some(g) = &probe.grpc {
        serde_json::json!({ "grpc": { "port": port(&g.port) } })
    } else if let Some(e) = &probe.exec {
        serde_json::json!({ "exec": { "command": e.command } })
    } else {
        serde_json::json!({})
    }
}

/// One probe of one crash-looping container, and what the checks read.
#[derive(Clone, Copy)]
struct ProbeCase<'c, 'm> {
    index: usize,
    ctx: &'c Ctx<'m>,
    s: &'c Subject<'m>,
    log: &'c CrashLog,
    which: Which,
    probe: &'c Probe,
}

fn probe_of(c: &Container, which: Which) -> Option<&Probe> {
    match which {
        Which::Liveness => c.liveness.as_deref(),
        Which::Startup => c.startup.as_deref(),
    }
}

/// The port a probe aims at, with named ports resolved through `ports[]`.
fn probe_port(c: &Container, probe: &Probe) -> Option<(i64, Option<String>, &'static str)> {
    let (port, action) = if let Some(h) = &probe.http_get {
        (h.port.as_ref()?, "httpGet")
    } else if let Some(t) = &probe.tcp_socket {
        (t.port.as_ref()?, "tcpSocket")
    } else if let Some(g) = &probe.grpc {
        (g.port.as_ref()?, "grpc")
    } else {
        return None;
    };
    match port {
        IntOrString::Int(n) => Some((*n, None, action)),
        IntOrString::Str(name) => match name.parse::<i64>() {
            Ok(n) => Some((n, None, action)),
            Err(_) => {
                let n = c.ports.iter().find(|p| p.name.as_deref() == Some(name.as_str()))?.container_port;
                Some((n, Some(name.clone()), action))
            }
        },
    }
}

impl ProbeMisconfigured {
    fn base_evidence(
        &self,
        ctx: &Ctx,
        s: &Subject,
        which: Which,
        probe_text: String,
        event: &crate::model::Event,
    ) -> Vec<Evidence> {
        vec![
            ctx.event_evidence(event),
            ctx.status_evidence(
                s.pod,
                EvidenceKind::Spec,
                format!("{}.{}", s.container.spec_path(), which.field()),
                probe_text,
                None,
            ),
        ]
    }

    fn diagnosis(
        &self,
        index: usize,
        title: String,
        explanation: String,
        evidence: Vec<Evidence>,
        remediation: Vec<Remediation>,
    ) -> Diagnosis {
        Diagnosis {
            title,
            explanation,
            evidence,
            remediation,
            supersedes: vec![
                "liveness-probe-failure".into(),
                "startup-probe-failure".into(),
                "terminated-by-signal".into(),
                "exit-zero-restart".into(),
                "unknown-crash".into(),
            ],
            ..Diagnosis::of(&self.info, SubjectRef::Container(index))
        }
    }

    /// The step that sets `field` (a JSON-pointer tail under the container,
    /// `livenessProbe/httpGet/port`) to `value` (JSON), where it can be set:
    /// the workload's template; a static pod's manifest on its node; a bare
    /// pod only by recreating it (probe fields of a pod are immutable).
    fn change(&self, s: &Subject, op: &str, field: &str, value: &str, what: &str) -> Remediation {
        let list = if s.container.init { "initContainers" } else { "containers" };
        let (ns, pod, workload) = (&s.pod.namespace, &s.pod.name, &s.workload);
        let dotted = field.replace('/', ".");
        if s.pod.static_uid.is_some() || workload.kind == "Node" {
            let manifest = pod.strip_suffix(&format!("-{}", s.pod.node)).unwrap_or(pod);
            return Remediation {
                description: format!(
                    "{what}: it is a static pod, so edit its manifest on node {}: /etc/kubernetes/manifests/{manifest}.yaml, container {}, {dotted} = {value} (the kubelet restarts it on save)",
                    s.pod.node, s.container.name
                ),
                command: None,
                mutates: true,
            };
        }
        if workload.kind == "Pod" {
            // The file is named after the pod, but never outside the current directory.
            let file = format!("{}.yaml", pod.replace('/', "_"));
            return Remediation {
                description: format!(
                    "{what}: a pod's probes cannot be changed in place, so recreate it with {dotted} = {value}"
                ),
                command: Some(format!(
                    "kubectl -n {} get pod {} -o yaml > {}  # edit {dotted}, then: kubectl replace --force -f {}",
                    shell_word(ns),
                    shell_word(pod),
                    shell_word(&file),
                    shell_comment_word(&file)
                )),
                mutates: true,
            };
        }
        Remediation {
            description: what.to_string(),
            command: Some(format!(
                "kubectl -n {} patch {} --type=json -p {}",
                shell_word(ns),
                shell_word(&format!("{}/{}", workload.kind.to_lowercase(), workload.name)),
                // The value can quote the bundle (a probe's path or command).
                shell_word(&format!(
                    "[{{\"op\":\"{op}\",\"path\":\"/spec/template/spec/{list}/{}/{field}\",\"value\":{value}}}]",
                    s.container.spec_index
                ))
            )),
            mutates: true,
        }
    }

    fn wrong_port(&self, case: &ProbeCase, refused: &crate::model::Event) -> Option<Diagnosis> {
        let ProbeCase { index, ctx, s, log, which, probe } = *case;
        let refused_port: i64 = REFUSED.captures(&refused.message)?.name("port")?.as_str().parse().ok()?;
        let (spec_port, named, action) = probe_port(s.container, probe).unwrap_or((refused_port, None, "httpGet"));
        let (line, listens) = self.hits(log, 0..LISTEN_PATTERNS.len()).find_map(|(i, line)| {
            let body = crate::logscan::split_timestamp(&line.text).1;
            // A metrics or debug listener is not where the probe should go.
            if SIDE_LISTENER.is_match(body) {
                return None;
            }
            let port: i64 = self.listen.get(i)?.captures(body)?.name("port")?.as_str().parse().ok()?;
            (port != refused_port && port != spec_port).then_some((line, port))
        })?;
        // The app may listen on several ports (metrics, admin); a line for the
        // probe's own port means it is served after all.
        let serves_probe_port = self.hits(log, 0..LISTEN_PATTERNS.len()).any(|(i, l)| {
            let body = crate::logscan::split_timestamp(&l.text).1;
            self.listen.get(i).and_then(|r| r.captures(body)).and_then(|c| c.name("port")?.as_str().parse::<i64>().ok())
                == Some(refused_port)
        });
        if serves_probe_port {
            return None;
        }
        let (ns, w, c) = (&s.pod.namespace, &s.workload.name, &s.container.name);
        let field = format!("{}.{action}.port", which.field());
        let mut evidence = self.base_evidence(
            ctx,
            s,
            which,
            format!("{field}: {}", named.clone().unwrap_or_else(|| spec_port.to_string())),
            refused,
        );
        evidence.push(ctx.log_evidence(log, line));
        let named_note = named
            .as_ref()
            .map(|n| format!(" (the named port `{n}`, which `ports[]` maps to {spec_port})"))
            .unwrap_or_default();
        let mut fixes = Vec::new();
        match &named {
            // A named port is changed where it is defined.
            Some(n) => fixes.push(Remediation {
                description: format!(
                    "Point the port named `{n}` (ports[].containerPort) at {listens}, where the application listens; every probe using the name follows"
                ),
                command: None,
                mutates: true,
            }),
            None => {
                // Every probe aimed at the refused port fails the same way.
                let probes = [
                    ("livenessProbe", s.container.liveness.as_deref()),
                    ("readinessProbe", s.container.readiness.as_deref()),
                    ("startupProbe", s.container.startup.as_deref()),
                ];
                for (name, probe) in probes {
                    let Some((port, None, action)) = probe.and_then(|p| probe_port(s.container, p)) else { continue };
                    if port != refused_port {
                        continue;
                    }
                    fixes.push(self.change(
                        s,
                        "replace",
                        &format!("{name}/{action}/port"),
                        &listens.to_string(),
                        &format!("Set {name}.{action}.port to {listens}, the port the application listens on"),
                    ));
                }
            }
        }
        fixes.push(Remediation {
            description: format!(
                "Or, if {refused_port} is the intended port, make the application listen there (its port setting, often a PORT or SERVER_PORT variable)"
            ),
            command: None,
            mutates: true,
        });
        Some(self.diagnosis(
            index,
            format!("{ns}/{w}: {} probe of {c} checks port {refused_port}, but the app listens on {listens}", which.word()),
            format!(
                "The {} probe connects to port {refused_port}{named_note} and is refused, while the application's log says it listens on port {listens}. The probe can never pass, so the kubelet kills a healthy container again and again. Change {field} to {listens}.",
                which.word()
            ),
            evidence,
            fixes,
        ))
    }

    fn wrong_path(&self, case: &ProbeCase, not_found: &crate::model::Event) -> Option<Diagnosis> {
        let ProbeCase { index, ctx, s, log, which, probe } = *case;
        let path = probe.http_get.as_ref()?.path.clone().unwrap_or_else(|| "/".into());
        let port = probe_port(s.container, probe).map(|(p, _, _)| p.to_string()).unwrap_or_else(|| "<port>".into());
        let probe_404 = LISTEN_PATTERNS.len() + STARTED_PATTERNS.len();
        let (_, line) = self.hits(log, probe_404..probe_404 + 1).find(|(_, line)| {
            self.probe_404.captures(&line.text).and_then(|c| c.name("path")).is_some_and(|p| p.as_str() == path)
        })?;
        let (ns, w, c) = (&s.pod.namespace, &s.workload.name, &s.container.name);
        let field = format!("{}.httpGet.path", which.field());
        let mut evidence = self.base_evidence(ctx, s, which, format!("{field}: {path}"), not_found);
        evidence.push(ctx.log_evidence(log, line));
        Some(self.diagnosis(
            index,
            format!("{ns}/{w}: {} probe of {c} asks for {path}, which the app answers with 404", which.word()),
            format!(
                "The application is up and answering — its access log shows the kubelet's probe (`kube-probe`) getting 404 Not Found on {path} — so the {} probe fails by construction and the container is killed while healthy. Change {field} to the application's health endpoint (for Spring Boot /actuator/health, for many Go services /healthz).",
                which.word()
            ),
            evidence,
            vec![
                Remediation {
                    description: "Find the health endpoint the application serves (its routes or documentation; try /healthz, /health, /actuator/health) while the container is up".into(),
                    command: Some(format!(
                        "kubectl -n {} port-forward {} {port}:{port} & sleep 1; for p in /healthz /health /livez /actuator/health; do curl -s -o /dev/null -w \"$p %{{http_code}}\\n\" localhost:{port}$p; done",
                        shell_word(ns),
                        shell_word(&format!("pod/{}", s.pod.name))
                    )),
                    mutates: false,
                },
                self.change(
                    s,
                    "replace",
                    &format!("{}/httpGet/path", which.field()),
                    "\"<the path that answered 200>\"",
                    &format!("Set {field} to the path that answered 200"),
                ),
            ],
        ))
    }

    fn short_budget(&self, case: &ProbeCase, events: &[&crate::model::Event]) -> Option<Diagnosis> {
        let ProbeCase { index, ctx, s, log, which, probe } = *case;
        let offset = LISTEN_PATTERNS.len();
        // The crashed run rarely lives to log its start-up time; the run
        // after it, when it was luckier, does.
        let current = ctx.current_log(index);
        let logs: Vec<&CrashLog> = std::iter::once(log).chain(current.as_ref()).collect();
        let (log, line, startup) = logs.iter().find_map(|log| {
            self.hits(log, offset..offset + STARTED_PATTERNS.len()).find_map(|(i, line)| {
                let found = self.started.get(i)?.captures(crate::logscan::split_timestamp(&line.text).1)?;
                let secs = match (found.name("secs"), found.name("ms")) {
                    (Some(s), _) => s.as_str().parse::<f64>().ok()?,
                    (None, Some(ms)) => ms.as_str().parse::<f64>().ok()? / 1000.0,
                    _ => return None,
                };
                Some((*log, line, secs))
            })
        })?;
        let delay = probe.initial_delay_seconds.unwrap_or(0).max(0);
        let period = probe.period_seconds.unwrap_or(10).max(1);
        let threshold = probe.failure_threshold.unwrap_or(3).max(1);
        // The startup probe guards start-up on its own; a liveness probe
        // without one is the budget only when there is no startup probe.
        let budget = delay + threshold * period;
        if which == Which::Liveness && s.container.startup.is_some() {
            return None;
        }
        if startup <= budget as f64 {
            return None;
        }
        let kill = events.iter().find(|e| KILLED.is_match(&e.message))?;
        let (ns, w, c) = (&s.pod.namespace, &s.workload.name, &s.container.name);
        // 1.5× the observed start-up, in whole periods, as the margin.
        let needed = ((startup * 1.5 - delay as f64) / period as f64).ceil().max(1.0) as i64;
        let mut evidence = self.base_evidence(
            ctx,
            s,
            which,
            format!("initialDelaySeconds: {delay}, periodSeconds: {period}, failureThreshold: {threshold} (budget {budget}s)"),
            kill,
        );
        evidence.push(ctx.log_evidence(log, line));
        let (field, value, fix) = match which {
            Which::Startup => {
                let value = format!("{needed} (= {}s with periodSeconds {period})", delay + needed * period);
                let fix = self.change(
                    s,
                    "replace",
                    "startupProbe/failureThreshold",
                    &needed.to_string(),
                    &format!(
                        "Give start-up {:.0}s or more: set startupProbe.failureThreshold to {value}",
                        startup * 1.5
                    ),
                );
                ("startupProbe.failureThreshold".to_string(), value, fix)
            }
            Which::Liveness => {
                // A startup probe on the liveness probe's own check holds the
                // liveness probe back until the application is up.
                let threshold = ((startup * 1.5) / 10.0).ceil().max(1.0) as i64;
                let value = format!("periodSeconds 10, failureThreshold {threshold} ({}s)", threshold * 10);
                let mut startup_probe = handler_json(probe);
                if let Some(map) = startup_probe.as_object_mut() {
                    map.insert("periodSeconds".into(), 10.into());
                    map.insert("failureThreshold".into(), threshold.into());
                }
                let fix = self.change(
                    s,
                    "add",
                    "startupProbe",
                    &startup_probe.to_string(),
                    &format!(
                        "Give start-up {:.0}s or more: add a startupProbe with the liveness probe's check and {value}",
                        startup * 1.5
                    ),
                );
                ("a startupProbe".to_string(), format!("the liveness probe's check with {value}"), fix)
            }
        };
        Some(self.diagnosis(
            index,
            format!("{ns}/{w}: {c} needs {startup:.0}s to start but its {} probe allows {budget}s", which.word()),
            format!(
                "The application logs a start-up of {startup:.1}s, but the {} probe gives it initialDelaySeconds {delay} + failureThreshold {threshold} × periodSeconds {period} = {budget}s before the kubelet kills it. Slow starts (cold caches, low CPU limits) end in a kill and a restart that starts over. Set {field} to {value}.",
                which.word()
            ),
            evidence,
            vec![fix],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(i: usize, text: &str) -> Option<String> {
        Regex::new(LISTEN_PATTERNS[i]).ok()?.captures(text)?.name("port").map(|m| m.as_str().to_string())
    }

    #[test]
    fn listen_lines_of_common_servers_give_their_port() {
        let lines = [
            "Listening on :3000",
            "listening on 0.0.0.0:8081",
            "Server listening at http://[::]:9000",
            "Listening on port 3000",
            "Tomcat started on port(s): 8081 (http) with context path ''",
            "Tomcat initialized with port 8081 (http)",
            "Netty started on port 8082",
            "Serving securely on [::]:6443",
            "Now listening on: http://[::]:5000",
            "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
            "http server started on [::]:8080",
        ];
        let expected = ["3000", "8081", "9000", "3000", "8081", "8081", "8082", "6443", "5000", "8000", "8080"];
        for (line, want) in lines.iter().zip(expected) {
            let got = (0..LISTEN_PATTERNS.len()).find_map(|i| port(i, line));
            assert_eq!(got.as_deref(), Some(want), "{line}");
        }
        for line in ["connecting to db at postgres:5432", "retrying in 5s", "GET /listen 200"] {
            assert_eq!((0..LISTEN_PATTERNS.len()).find_map(|i| port(i, line)), None, "{line}");
        }
    }

    #[test]
    fn startup_lines_give_seconds() {
        let started: Vec<Regex> = STARTED_PATTERNS.iter().map(|p| Regex::new(p).expect("valid")).collect();
        let secs = |text: &str| {
            started.iter().find_map(|r| {
                let c = r.captures(text)?;
                c.name("secs")
                    .map(|s| s.as_str().parse::<f64>().unwrap_or(0.0))
                    .or_else(|| c.name("ms").map(|m| m.as_str().parse::<f64>().unwrap_or(0.0) / 1000.0))
            })
        };
        assert_eq!(secs("Started OrderServiceApplication in 95.312 seconds (process running for 97.1)"), Some(95.312));
        assert_eq!(secs("Server startup in [48211] milliseconds"), Some(48.211));
        assert_eq!(secs("Keycloak 24.0.1 on JVM (powered by Quarkus 3.8.1) started in 61.532s."), Some(61.532));
        assert_eq!(secs("Started container api"), None);
    }

    #[test]
    fn patterns_compile_and_the_refused_port_is_read() {
        assert_eq!(ProbeMisconfigured::log_patterns().len(), LISTEN_PATTERNS.len() + STARTED_PATTERNS.len() + 1);
        let _ = ProbeMisconfigured::new(0);
        for m in [
            r#"Liveness probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused"#,
            "Liveness probe failed: Get http://10.244.1.7:8080/healthz: dial tcp 10.244.1.7:8080: getsockopt: connection refused",
            r#"Startup probe failed: Get "https://172.30.1.2:6433/livez": dial tcp 172.30.1.2:6433: connect: connection refused"#,
        ] {
            let port = REFUSED.captures(m).and_then(|c| c.name("port")).map(|p| p.as_str().to_string());
            assert_eq!(port.as_deref(), Some(if m.contains("6433") { "6433" } else { "8080" }), "{m}");
        }
    }
}
