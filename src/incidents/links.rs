//! Links between findings of different workloads: a root and the
//! consequences its evidence explains, each with the sentence that says why.
//!
//! A link needs proof in the consequence itself — its log names the failure
//! the root causes (a name lookup failing while CoreDNS loops), or it shares
//! the root's node and moment (a node restart), or the missing object it
//! names (a Secret). Being broken at the same time is not enough: unrelated
//! crash loops stay separate incidents.
//!
//! Link kinds are tried in a fixed order, most specific first, and a finding
//! joins at most one incident, so the grouping does not depend on the order
//! findings were produced in.

use crate::model::time::Time;
use crate::report::Finding;
use crate::rules::{Ctx, FindingState, SubjectKind};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// One group of findings (indices into the report's findings) under a root.
#[derive(Debug)]
pub struct Group {
    pub link: &'static str,
    pub root: usize,
    pub members: Vec<Member>,
    pub title: String,
    pub reason: String,
}

#[derive(Debug)]
pub struct Member {
    pub finding: usize,
    pub reason: String,
}

/// A crash that ended this long before the root began is not its consequence.
const BEFORE_ROOT_SLACK_SECONDS: i64 = 10 * 60;

/// Runs lost within this many seconds of each other went down with one node event.
const SAME_MOMENT_SECONDS: i64 = 120;

/// Name-resolution failures in the words of the common resolvers and runtimes:
/// Go, glibc/musl, Java, Node, Python, curl, busybox.
static NAME_RESOLUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)no such host|server misbehaving|\blookup \S+ on \S+:53\b|UnknownHostException|\bENOTFOUND\b|\bEAI_AGAIN\b|temporary failure in name resolution|name or service not known|could not resolve host|nodename nor servname|name does not resolve|\bbad address '|getaddrinfo failed|\bNXDOMAIN\b|failed to resolve|unable to resolve",
    )
    .expect("static regex")
});

/// The pod sandbox failing to get its network: what CNI failures do to pods.
static SANDBOX_NETWORK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)FailedCreatePodSandBox|failed to (set ?up|setup) network for sandbox|networkPlugin cni failed|failed to assign an IP address|plugin type=\S+ .*failed \(add\)",
    )
    .expect("static regex")
});

/// The API server's address in a client's connection error.
static API_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:https://)?((?:\d{1,3}\.){3}\d{1,3}:(?:443|6443)|kubernetes\.default(?:\.svc)?(?:\.cluster\.local)?(?::443)?)")
        .expect("static regex")
});

/// The missing object a config error names, in kubelet and runtime wording.
static MISSING_OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(secret|configmap)s? "([a-z0-9][a-z0-9.-]*)" not found|couldn't find key \S+ in (Secret|ConfigMap) ([a-z0-9][a-z0-9.-]*)/([a-z0-9][a-z0-9.-]*)"#,
    )
    .expect("static regex")
});

const DNS_CAUSES: &[&str] = &["dns-loop", "dns-upstream-unreachable"];
const CNI_CAUSES: &[&str] = &["cni-ip-exhaustion", "cni-permissions", "calico-failure"];

pub fn find(ctx: &Ctx, findings: &[Finding]) -> Vec<Group> {
    let facts: Vec<Facts> = findings.iter().map(|f| Facts::of(ctx, f)).collect();
    let mut taken = vec![false; findings.len()];
    let mut groups = Vec::new();
    node_restart(findings, &facts, &mut taken, &mut groups);
    node_pressure(findings, &facts, &mut taken, &mut groups);
    dns(findings, &facts, &mut taken, &mut groups);
    cni(findings, &facts, &mut taken, &mut groups);
    api_server(findings, &facts, &mut taken, &mut groups);
    shared_config(findings, &facts, &mut taken, &mut groups);
    iac_lock(ctx, findings, &mut taken, &mut groups);
    groups
}

/// What linking needs to know of one finding.
struct Facts {
    nodes: BTreeSet<String>,
    /// Every log line and evidence text the analysis kept for it.
    lines: Vec<String>,
    /// Only blocked subjects (never started: stuck creating, config errors).
    blocked: bool,
    /// When the runs it is about ended (for node restarts).
    finished: Vec<Time>,
}

impl Facts {
    fn of(ctx: &Ctx, f: &Finding) -> Facts {
        let mut nodes = BTreeSet::new();
        let mut lines: Vec<String> = f.evidence.iter().map(|e| e.text.clone()).collect();
        let mut finished = Vec::new();
        let mut blocked = !f.subjects.is_empty();
        for &i in &f.subjects {
            let s = &ctx.subjects[i];
            if !s.pod.node.is_empty() {
                nodes.insert(s.pod.node.clone());
            }
            blocked &= matches!(s.kind, SubjectKind::Blocked { .. });
            finished.extend(s.last_termination().and_then(|t| t.finished_at));
            if let Some(log) = ctx.crash_log(i) {
                let d = &log.digest;
                lines.extend(d.first.iter().map(|l| l.text.clone()));
                lines.extend(d.leveled.iter().map(|l| l.line.text.clone()));
                lines.extend(d.crashes.iter().map(|c| c.line.text.clone()));
                lines.extend(d.hits.iter().map(|h| h.line.text.clone()));
                lines.extend(d.tail.iter().map(|l| l.text.clone()));
            }
            for e in ctx.events_for(s) {
                lines.push(format!("{} {}", e.reason, e.message));
            }
        }
        if f.subject.kind == "Node" {
            nodes.insert(f.subject.name.clone());
        }
        finished.sort();
        Facts { nodes, lines, blocked, finished }
    }

    fn first_line(&self, re: &Regex) -> Option<&str> {
        self.lines.iter().find(|l| re.is_match(l)).map(String::as_str)
    }

    /// The first line matching `re`, cut to the match and a little context:
    /// a JSON log line is long, the reason sentence quotes what proves it.
    fn excerpt(&self, re: &Regex) -> Option<String> {
        self.lines.iter().find_map(|l| re.find(l).map(|m| excerpt(l, m.start(), m.end())))
    }
}

fn workload_name(f: &Finding) -> String {
    if f.workload.namespace.is_empty() {
        format!("{} {}", f.workload.kind, f.workload.name)
    } else {
        format!("{}/{}", f.workload.namespace, f.workload.name)
    }
}

/// The consequence ended before the root began: it cannot follow from it.
fn ended_before(consequence: &Finding, root: &Finding) -> bool {
    match (consequence.last_seen, root.first_seen) {
        (Some(end), Some(start)) => end.seconds_until(start) > BEFORE_ROOT_SLACK_SECONDS,
        _ => false,
    }
}

/// `line[start..end]` with up to 60 bytes before and 40 after, on char boundaries.
fn excerpt(line: &str, start: usize, end: usize) -> String {
    let mut from = start.saturating_sub(60);
    while !line.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + 40).min(line.len());
    while !line.is_char_boundary(to) {
        to += 1;
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(line[from..to].trim());
    if to < line.len() {
        out.push('…');
    }
    out
}

fn quote(line: &str) -> String {
    format!("`{}`", line.trim().replace('`', "'"))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn distinct_workloads(findings: &[Finding], members: &[Member]) -> usize {
    members.iter().map(|m| workload_name(&findings[m.finding])).collect::<BTreeSet<_>>().len()
}

/// A node restart takes down every container on the node at one moment:
/// the `host-error` findings of one node whose runs ended within two minutes
/// of each other are one event.
fn node_restart(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    let mut by_node: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.cause == "host-error" && f.subject.kind == "Pod" && !taken[i] {
            if let Some(node) = f.subject.node.as_deref() {
                by_node.entry(node).or_default().push(i);
            }
        }
    }
    for (node, candidates) in by_node {
        // Cluster by moment: members join the earliest run's cluster when they ended within the window of it.
        let mut remaining = candidates;
        remaining.sort_by_key(|&i| (facts[i].finished.first().copied(), i));
        while let Some(&first) = remaining.first() {
            let anchor = facts[first].finished.first().copied();
            let (together, rest): (Vec<usize>, Vec<usize>) =
                remaining.iter().partition(|&&i| match (anchor, facts[i].finished.first().copied()) {
                    (Some(a), Some(b)) => a.seconds_until(b).abs() <= SAME_MOMENT_SECONDS,
                    _ => anchor.is_none() && facts[i].finished.is_empty(),
                });
            remaining = rest;
            if together.len() < 2 {
                continue;
            }
            // The root is the most important one (findings are ordered that way).
            let root = *together.iter().min().unwrap_or(&first);
            let when = anchor.map(|t| format!(" around {t}")).unwrap_or_default();
            let containers: usize = together.iter().map(|&i| findings[i].pods.len().max(1)).sum();
            let reason = format!(
                "Node {node} restarted{when}: every one of these containers ended with exit 255 / Unknown on it within two minutes, which is the node or its runtime going away, not {} crashing.",
                if together.len() == 2 { "both applications" } else { "each application" }
            );
            let members: Vec<Member> = together
                .iter()
                .filter(|&&i| i != root)
                .map(|&i| Member {
                    finding: i,
                    reason: format!(
                        "{} lost its run on {node}{when}, at the same moment as {}.",
                        workload_name(&findings[i]),
                        workload_name(&findings[root])
                    ),
                })
                .collect();
            for &i in &together {
                taken[i] = true;
            }
            let workloads = distinct_workloads(findings, &members) + 1;
            groups.push(Group {
                link: "node-restart",
                root,
                title: format!(
                    "Node {node} restarted{when}: {} of {} lost their runs",
                    plural(containers, "container"),
                    plural(workloads, "workload")
                ),
                reason,
                members,
            });
        }
    }
}

/// A node under memory or disk pressure evicts its pods: the node finding is
/// the root of the same cause's pod findings on that node.
fn node_pressure(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    for (root, f) in findings.iter().enumerate() {
        if taken[root] || f.subject.kind != "Node" || !f.cause.starts_with("node-") {
            continue;
        }
        let node = &f.subject.name;
        let members: Vec<Member> = findings
            .iter()
            .enumerate()
            .filter(|(i, c)| !taken[*i] && *i != root && c.subject.kind == "Pod" && c.cause == f.cause)
            .filter(|(i, _)| facts[*i].nodes.contains(node))
            .map(|(i, c)| Member {
                finding: i,
                reason: format!(
                    "{} ran on {node} and was {} by the node's {} pressure.",
                    workload_name(c),
                    if c.cause == "node-memory-pressure" { "evicted or OOM-killed" } else { "evicted" },
                    if c.cause == "node-memory-pressure" { "memory" } else { "disk" }
                ),
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        taken[root] = true;
        for m in &members {
            taken[m.finding] = true;
        }
        groups.push(Group {
            link: "node-pressure",
            root,
            title: format!("{} — {} on the node hit", f.title, plural(distinct_workloads(findings, &members), "workload")),
            reason: format!(
                "The pods ran on node {node} while it was under {} pressure; the kubelet evicted or killed them to protect the node.",
                if f.cause == "node-memory-pressure" { "memory" } else { "disk" }
            ),
            members,
        });
    }
}

/// Cluster DNS broken → every workload whose log shows a failed name lookup.
fn dns(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    let Some(root) = (0..findings.len()).find(|&i| !taken[i] && DNS_CAUSES.contains(&findings[i].cause.as_str()))
    else {
        return;
    };
    let r = &findings[root];
    let broken = if r.cause == "dns-loop" { "is in a forwarding loop" } else { "cannot reach its upstream resolvers" };
    let mut members = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if i == root || taken[i] || f.subject.kind != "Pod" {
            continue;
        }
        if DNS_CAUSES.contains(&f.cause.as_str()) {
            members.push(Member {
                finding: i,
                reason: format!("{} is part of the same cluster DNS failure.", workload_name(f)),
            });
            continue;
        }
        if f.workload == r.workload || ended_before(f, r) {
            continue;
        }
        if let Some(line) = facts[i].excerpt(&NAME_RESOLUTION) {
            members.push(Member {
                finding: i,
                reason: format!(
                    "{} failed a name lookup ({}) while {} {broken}.",
                    workload_name(f),
                    quote(&line),
                    workload_name(r)
                ),
            });
        }
    }
    if members.is_empty() {
        return;
    }
    let lookups = members.iter().filter(|m| !DNS_CAUSES.contains(&findings[m.finding].cause.as_str())).count();
    mark(taken, root, &members);
    groups.push(Group {
        link: "dns",
        root,
        title: format!("{} — {} failing name lookups", r.title, plural(lookups, "workload")),
        reason: format!(
            "Cluster DNS ({}) {broken}, and each linked workload's log shows a failed name lookup from that time on: they crash because names do not resolve, not because of their own code.",
            workload_name(r)
        ),
        members,
    });
}

/// The CNI out of IPs or broken on a node → pods there stuck creating their sandbox.
fn cni(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    let is_cni = |i: usize| CNI_CAUSES.contains(&findings[i].cause.as_str());
    // The root is the CNI's own finding (ipamd, calico-node), not one of its victims;
    // without one, the first victim stands for the shared cause.
    let roots: Vec<usize> = (0..findings.len()).filter(|&i| !taken[i] && is_cni(i) && !facts[i].blocked).collect();
    let roots = if roots.is_empty() {
        (0..findings.len()).filter(|&i| !taken[i] && is_cni(i)).take(1).collect()
    } else {
        roots
    };
    for root in roots {
        if taken[root] {
            continue;
        }
        let r = &findings[root];
        let nodes = &facts[root].nodes;
        let members: Vec<Member> = (0..findings.len())
            .filter(|&i| i != root && !taken[i] && findings[i].subject.kind == "Pod" && facts[i].blocked)
            .filter(|&i| !facts[i].nodes.is_disjoint(nodes) || (nodes.is_empty() && is_cni(i)))
            .filter_map(|i| {
                let line = facts[i].excerpt(&SANDBOX_NETWORK)?;
                let on: Vec<&String> = facts[i].nodes.intersection(nodes).collect();
                let on = on.first().map(|n| format!(" on node {n}")).unwrap_or_default();
                Some(Member {
                    finding: i,
                    reason: format!(
                        "{} cannot get its pod network{on} ({}).",
                        workload_name(&findings[i]),
                        quote(&line)
                    ),
                })
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        mark(taken, root, &members);
        let node_list = nodes.iter().cloned().collect::<Vec<_>>().join(", ");
        groups.push(Group {
            link: "cni",
            root,
            title: format!("{} — {} stuck creating their sandbox", r.title, plural(members.len(), "workload")),
            reason: format!(
                "The CNI ({}) fails on {}, and the linked pods on the same node(s) are stuck in ContainerCreating because their sandbox cannot get a network.",
                workload_name(r),
                if node_list.is_empty() { "the cluster's nodes".to_string() } else { format!("node(s) {node_list}") }
            ),
            members,
        });
    }
}

/// The API server down → controllers that log connection failures to its address.
fn api_server(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    let victims: Vec<usize> =
        (0..findings.len()).filter(|&i| !taken[i] && findings[i].cause == "api-server-unreachable").collect();
    if victims.is_empty() {
        return;
    }
    let control_plane = (0..findings.len()).find(|&i| {
        let f = &findings[i];
        !taken[i]
            && f.cause != "api-server-unreachable"
            && f.workload.namespace == "kube-system"
            && (f.workload.name.starts_with("kube-apiserver") || f.workload.name.starts_with("etcd"))
    });
    let (root, root_is_server) = match control_plane {
        Some(i) => (i, true),
        None if victims.len() >= 2 => (victims[0], false),
        None => return,
    };
    let r = &findings[root];
    let members: Vec<Member> = victims
        .iter()
        .filter(|&&i| i != root)
        .map(|&i| {
            let address =
                facts[i].first_line(&API_ADDRESS).and_then(|l| API_ADDRESS.captures(l)).map(|c| c[1].to_string());
            let to = address.map(|a| format!(" at {a}")).unwrap_or_default();
            Member {
                finding: i,
                reason: format!("{} lost its connection to the API server{to}.", workload_name(&findings[i])),
            }
        })
        .collect();
    if members.is_empty() {
        return;
    }
    mark(taken, root, &members);
    let reason = if root_is_server {
        format!(
            "The API server itself was failing ({}), and every linked controller crashed because it could not reach it.",
            workload_name(r)
        )
    } else {
        "Several components could not reach the API server at the same time: the API server (or the network path to it) is the common cause, not the components; the bundle has no finding about the API server itself.".to_string()
    };
    groups.push(Group {
        link: "api-server",
        root,
        title: format!(
            "API server unreachable — {} could not reach it",
            plural(distinct_workloads(findings, &members) + usize::from(!root_is_server), "component")
        ),
        reason,
        members,
    });
}

/// One missing Secret or ConfigMap referenced by several workloads.
fn shared_config(findings: &[Finding], facts: &[Facts], taken: &mut [bool], groups: &mut Vec<Group>) {
    let mut by_object: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if taken[i] || f.cause != "missing-env-or-config" {
            continue;
        }
        let Some(caps) = facts[i].lines.iter().find_map(|l| MISSING_OBJECT.captures(l)) else { continue };
        let key = match (caps.get(1), caps.get(2)) {
            (Some(kind), Some(name)) => {
                (kind_name(kind.as_str()), f.workload.namespace.clone(), name.as_str().to_string())
            }
            _ => match (caps.get(3), caps.get(4), caps.get(5)) {
                (Some(kind), Some(ns), Some(name)) => {
                    (kind_name(kind.as_str()), ns.as_str().to_string(), name.as_str().to_string())
                }
                _ => continue,
            },
        };
        by_object.entry(key).or_default().push(i);
    }
    for ((kind, namespace, name), members) in by_object {
        let workloads: BTreeSet<String> = members.iter().map(|&i| workload_name(&findings[i])).collect();
        if workloads.len() < 2 {
            continue;
        }
        let root = members[0];
        let object = format!("{kind} {namespace}/{name}");
        let members: Vec<Member> = members[1..]
            .iter()
            .map(|&i| Member {
                finding: i,
                reason: format!("{} references the same missing {object}.", workload_name(&findings[i])),
            })
            .collect();
        mark(taken, root, &members);
        groups.push(Group {
            link: "shared-config",
            root,
            title: format!("Missing {object} blocks {}", plural(workloads.len(), "workload")),
            reason: format!(
                "Every linked workload references {object}, which does not exist (or lacks the key): creating it fixes all of them at once."
            ),
            members,
        });
    }
}

fn kind_name(text: &str) -> String {
    if text.eq_ignore_ascii_case("secret") { "Secret".into() } else { "ConfigMap".into() }
}

/// A state lock that failed the pipeline run deploying a broken workload's
/// fix: it joins that workload's incident, since it kept the fix from rolling out.
fn iac_lock(ctx: &Ctx, findings: &[Finding], taken: &mut [bool], groups: &mut Vec<Group>) {
    for (lock, f) in findings.iter().enumerate() {
        if taken[lock] || f.cause != "iac-state-lock" || f.subject.kind != "PipelineLog" {
            continue;
        }
        let Some(text) = pipeline_text(ctx, &f.subject.name) else { continue };
        let failed_at = f.evidence.iter().filter_map(|e| e.time).max();
        // The workload whose name the pipeline deploys, most important first.
        let target = (0..findings.len()).find(|&i| {
            let c = &findings[i];
            i != lock
                && c.subject.kind == "Pod"
                && c.state != FindingState::NotCrashLoop
                && mentions(&text, &c.workload.name)
                && match (failed_at, c.first_seen) {
                    (Some(failed), Some(started)) => started <= failed,
                    _ => true,
                }
        });
        let Some(target) = target else { continue };
        let t = &findings[target];
        let when = failed_at.map(|x| format!(" at {x}")).unwrap_or_default();
        let reason = format!(
            "The pipeline run in {} that deploys {} failed on the state lock{when}, after the crash loop began{}: the fix could not roll out.",
            f.subject.name,
            workload_name(t),
            t.first_seen.map(|s| format!(" (at or before {s})")).unwrap_or_default()
        );
        taken[lock] = true;
        if let Some(group) =
            groups.iter_mut().find(|g| g.root == target || g.members.iter().any(|m| m.finding == target))
        {
            group.members.push(Member { finding: lock, reason });
            continue;
        }
        taken[target] = true;
        groups.push(Group {
            link: "iac-lock",
            root: target,
            title: format!("{} — the fix is blocked by a state lock", t.title),
            reason: reason.clone(),
            members: vec![Member { finding: lock, reason }],
        });
    }
}

/// Whether a pipeline log names a workload, as Kubernetes (`checkout-api`)
/// or as a Terraform/Helm identifier (`checkout_api`).
fn mentions(text: &str, name: &str) -> bool {
    if name.len() < 3 {
        return false;
    }
    let underscored = name.replace('-', "_");
    [name, underscored.as_str()].iter().any(|needle| {
        text.match_indices(needle).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + needle.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            !word(before) && !word(after)
        })
    })
}

fn pipeline_text(ctx: &Ctx, path: &str) -> Option<String> {
    let log = ctx.model.pipeline_logs.iter().find(|l| ctx.model.sources.get(l.source).path == path)?;
    crate::rules::iac_state_lock::pipeline_text(&log.location)
}

fn mark(taken: &mut [bool], root: usize, members: &[Member]) {
    taken[root] = true;
    for m in members {
        taken[m.finding] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_resolution_in_every_runtime_wording() {
        for line in [
            "dial tcp: lookup orders-db.shop.svc.cluster.local on 10.96.0.10:53: no such host",
            "dial tcp: lookup redis on 10.96.0.10:53: server misbehaving",
            "java.net.UnknownHostException: payments-api",
            "Error: getaddrinfo ENOTFOUND redis",
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "curl: (6) Could not resolve host: api.example.com",
            "nc: bad address 'postgres-service.database'",
        ] {
            assert!(NAME_RESOLUTION.is_match(line), "{line}");
        }
        assert!(!NAME_RESOLUTION.is_match("dial tcp 10.0.0.5:5432: connect: connection refused"));
    }

    #[test]
    fn excerpts_keep_the_match_and_some_context() {
        let line =
            format!("{}dial tcp: lookup redis on 10.96.0.10:53: no such host{}", "x".repeat(100), "y".repeat(100));
        let m = NAME_RESOLUTION.find(&line).unwrap();
        let cut = excerpt(&line, m.start(), m.end());
        assert!(cut.starts_with('…') && cut.ends_with('…') && cut.contains("no such host"), "{cut}");
        assert!(cut.chars().count() < 150);
        assert_eq!(excerpt("no such host", 0, 12), "no such host");
        assert_eq!(excerpt("é no such host é", 3, 15), "é no such host é");
    }

    #[test]
    fn missing_objects_are_named() {
        let c = MISSING_OBJECT.captures(r#"Error: secret "db-credentials" not found"#).unwrap();
        assert_eq!((&c[1], &c[2]), ("secret", "db-credentials"));
        let c = MISSING_OBJECT.captures("couldn't find key password in Secret shop/db-credentials").unwrap();
        assert_eq!((&c[3], &c[4], &c[5]), ("Secret", "shop", "db-credentials"));
    }

    #[test]
    fn pipeline_mentions_by_word() {
        assert!(mentions("# kubernetes_deployment.checkout_api will be updated", "checkout-api"));
        assert!(mentions("helm upgrade checkout-api ./chart", "checkout-api"));
        assert!(!mentions("helm upgrade checkout-api-v2 ./chart", "checkout-api"));
        assert!(!mentions("anything", "ab"));
    }
}
