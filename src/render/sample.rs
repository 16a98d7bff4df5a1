//! A report with every field the renderers know filled in: the demo bundle
//! analysed, then given what the incident, trigger, crash-loop, timeline and
//! postmortem stages add. It lets the templates be developed and tested
//! against the whole contract before every stage fills it.
//!
//! `PODMORTEM_SAMPLE_OUT=DIR cargo test --lib render::sample` also writes
//! `sample.html` and `sample.md` there, to look at.

use crate::analyze::{Options, analyze};
use crate::incidents::backoff::{Backoff, CrashLoop};
use crate::incidents::postmortem::ActionItem;
use crate::incidents::timeline::{EntryKind, TimelineEntry};
use crate::incidents::trigger::{TemplateChange, Trigger, TriggerStatus};
use crate::incidents::{Consequence, Impact};
use crate::ingest::Input;
use crate::model::time::Time;
use crate::report::Report;
use crate::rules::{Evidence, EvidenceKind, Remediation};

fn t(text: &str) -> Time {
    Time::parse(text).expect("sample time")
}

fn entry(time: &str, kind: EntryKind, subject: &str, text: &str, finding: &str) -> TimelineEntry {
    TimelineEntry {
        time: t(time),
        until: None,
        at_or_before: false,
        kind,
        level: None,
        subject: subject.into(),
        text: text.into(),
        count: None,
        input: "fixtures/demo-bundle".into(),
        source: "cluster-resources/events/checkout.json".into(),
        line: Some(12),
        findings: if finding.is_empty() { Vec::new() } else { vec![finding.into()] },
        incident: None,
    }
}

pub fn report() -> Report {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-bundle");
    let mut r = analyze(&[Input::Path(dir)], &Options::default()).expect("demo bundle analyses");
    for i in &mut r.inputs {
        i.path = "fixtures/demo-bundle".into();
    }
    r.summary.redactions = 3;
    let find = |r: &Report, cause: &str| r.findings.iter().position(|f| f.cause == cause).expect("finding");
    let api = find(&r, "oom-killed");
    let web = find(&r, "dependency-unreachable");
    let ledger = find(&r, "app-error");
    let api_id = r.findings[api].id.clone();
    let web_id = r.findings[web].id.clone();

    for f in &mut r.findings {
        for e in &mut f.evidence {
            e.highlight = ["OOMKilled", "connect: connection refused", "panic: runtime error", "KeyError", "not found"]
                .iter()
                .find(|h| e.text.contains(**h))
                .map(|h| h.to_string());
        }
    }
    r.findings[web].evidence.push(Evidence {
        kind: EvidenceKind::Event,
        input: "fixtures/demo-bundle".into(),
        source: "cluster-resources/events/shop.json".into(),
        line: Some(48),
        path: Some("items[3].message".into()),
        text: "Back-off restarting failed container web in pod web-5d8f7b9c4-8qwzt_shop(…)".into(),
        time: Some(t("2025-08-10T02:08:21Z")),
        highlight: None,
    });

    let trigger = Trigger {
        status: TriggerStatus::Changed,
        workload: r.findings[api].workload.clone(),
        revision: Some(7),
        revision_name: Some("api-7c9d8f6b5".into()),
        healthy_revision: Some(6),
        healthy_proven: true,
        healthy_revision_name: Some("api-5b8c7d9f4".into()),
        rolled_out_at: Some(t("2025-08-10T00:18:02Z")),
        changes: vec![
            TemplateChange {
                container: Some("api".into()),
                field: "image".into(),
                before: Some("registry.example.com/shop/api:1.41.3".into()),
                after: Some("registry.example.com/shop/api:1.42.0".into()),
            },
            TemplateChange {
                container: Some("api".into()),
                field: "resources.limits.memory".into(),
                before: Some("512Mi".into()),
                after: Some("256Mi".into()),
            },
            TemplateChange {
                container: Some("api".into()),
                field: "env.CACHE_WARM_ENTRIES".into(),
                before: None,
                after: Some("1320000".into()),
            },
        ],
        summary: "Revision 7 halved the memory limit (512Mi → 256Mi) and turned on cache warming; the first OOM kill followed 1m43s after the rollout.".into(),
        evidence: vec![Evidence {
            kind: EvidenceKind::Spec,
            input: "fixtures/demo-bundle".into(),
            source: "cluster-resources/replicasets/checkout.json".into(),
            line: Some(41),
            path: Some("items[1].spec.template.spec.containers[0].resources.limits.memory".into()),
            text: "limits.memory: 256Mi (revision 6: 512Mi)".into(),
            time: None,
            highlight: Some("256Mi".into()),
        }],
        remediation: vec![
            Remediation {
                description: "Compare the two revisions".into(),
                command: Some("kubectl -n checkout rollout history deployment/api --revision=7".into()),
                mutates: false,
            },
            Remediation {
                description: "Roll back to the last healthy revision".into(),
                command: Some("kubectl -n checkout rollout undo deployment/api --to-revision=6".into()),
                mutates: true,
            },
        ],
    };
    r.findings[api].trigger = Some(trigger.clone());
    r.findings[api].crash_loop = Some(CrashLoop {
        restarts: 22,
        restarts_per_hour: Some(12.2),
        backoff: Some(Backoff {
            seconds: 300,
            basis: "printed".into(),
            source: Some("status.containerStatuses[0].state.waiting.message".into()),
            text: Some("back-off 5m0s restarting failed container=api pod=api-7c9d8f6b5-xk2lp_checkout(…)".into()),
            ..Backoff::default()
        }),
        started: Some(t("2025-08-10T00:19:45Z")),
        started_at_or_before: true,
        started_basis: Some("event".into()),
        last_crash: Some(t("2025-08-10T02:05:18Z")),
        next_restart: Some(t("2025-08-10T02:10:18Z")),
        down_since: Some(t("2025-08-10T00:19:45Z")),
        impact_seconds: Some(6520),
        recovered_at: None,
        notes: vec!["The back-off is the kubelet's own text; the cap (5m) is the default.".into()],
        ..CrashLoop::default()
    });
    r.findings[ledger].crash_loop = Some(CrashLoop {
        restarts: 7,
        restarts_per_hour: Some(6.1),
        backoff: Some(Backoff { seconds: 160, basis: "model".into(), ..Backoff::default() }),
        started: Some(t("2025-08-10T01:00:40Z")),
        started_at_or_before: false,
        started_basis: Some("container-start".into()),
        last_crash: Some(t("2025-08-10T02:04:02Z")),
        next_restart: Some(t("2025-08-10T02:06:42Z")),
        down_since: None,
        impact_seconds: None,
        recovered_at: None,
        notes: vec!["Back-off computed from the default schedule (10s doubling, 5m cap).".into()],
        ..CrashLoop::default()
    });

    let inc = &mut r.incidents;
    if let Some(root) = inc.iter().position(|i| i.root == api_id) {
        inc[root].consequences.push(Consequence {
            finding: web_id.clone(),
            reason: "shop/web calls checkout/api; its connection failures began 40s after api's first OOM kill.".into(),
        });
        inc[root].findings.push(web_id.clone());
        inc[root].link = "dependency".into();
        inc[root].reason = "shop/web fails because checkout/api, which it calls, is down.".into();
        inc[root].impact =
            Impact { since: Some(t("2025-08-10T00:19:45Z")), until: None, seconds: Some(6520), active: true };
        inc[root].pods = 3;
        inc[root].workloads.push(r.findings[web].workload.clone());
        inc[root].trigger = Some(trigger);
    }
    inc.retain(|i| i.root != web_id);
    for (n, i) in inc.iter_mut().enumerate() {
        i.id = format!("i-{:02}", n + 1);
    }

    let api_subject = "checkout/api-7c9d8f6b5-xk2lp/api";
    let mut tl = vec![
        entry(
            "2025-08-10T00:18:02Z",
            EntryKind::Rollout,
            "checkout/deployment/api",
            "ReplicaSet api-7c9d8f6b5 (revision 7) created",
            &api_id,
        ),
        entry("2025-08-10T00:18:04Z", EntryKind::PodCreated, "checkout/api-7c9d8f6b5-xk2lp", "pod created", &api_id),
        entry("2025-08-10T00:18:09Z", EntryKind::ContainerStarted, api_subject, "container started", &api_id),
        entry(
            "2025-08-10T01:50:00Z",
            EntryKind::NodeCondition,
            "node/shop-prod-worker-1",
            "MemoryPressure False → True",
            "",
        ),
        entry(
            "2025-08-10T02:01:38Z",
            EntryKind::Rollout,
            "frontend/deployment/ui",
            "ReplicaSet ui-6f9b7c8d5 created",
            "",
        ),
        entry(
            "2025-08-10T02:05:41.112Z",
            EntryKind::Log,
            "shop/web-5d8f7b9c4-8qwzt/web",
            "level=error msg=\"cannot connect to postgres\"",
            &web_id,
        ),
        entry(
            "2025-08-10T02:10:18Z",
            EntryKind::NextRestart,
            api_subject,
            "back-off 5m0s after the crash at 02:05:18",
            &api_id,
        ),
    ];
    let mut exit = t("2025-08-10T00:19:45Z").0;
    for n in 0..22 {
        let mut e =
            entry(&Time(exit).to_string(), EntryKind::ContainerExited, api_subject, "OOMKilled, exit 137", &api_id);
        e.at_or_before = n == 0;
        tl.push(e);
        exit += chrono::Duration::seconds(if n < 6 { 60 * (n + 1) } else { 300 - n });
    }
    let mut series = entry(
        "2025-08-10T00:19:45Z",
        EntryKind::Event,
        api_subject,
        "BackOff: Back-off restarting failed container api",
        &api_id,
    );
    series.until = Some(t("2025-08-10T02:08:21Z"));
    series.count = Some(329);
    series.level = Some("Warning".into());
    series.at_or_before = true;
    tl.push(series);
    let mut pulled = entry(
        "2025-08-10T02:05:19Z",
        EntryKind::Event,
        api_subject,
        "Pulled: Container image already present on machine",
        &api_id,
    );
    pulled.level = Some("Normal".into());
    tl.push(pulled);
    let mut web_backoff = entry(
        "2025-08-10T01:35:02Z",
        EntryKind::Event,
        "shop/web-5d8f7b9c4-8qwzt/web",
        "BackOff: Back-off restarting failed container web",
        &web_id,
    );
    web_backoff.until = Some(t("2025-08-10T02:08:21Z"));
    web_backoff.count = Some(141);
    web_backoff.level = Some("Warning".into());
    tl.push(web_backoff);
    tl.push(entry(
        "2025-08-10T02:05:42Z",
        EntryKind::ContainerExited,
        "shop/web-5d8f7b9c4-8qwzt/web",
        "Error, exit 1",
        &web_id,
    ));
    tl.sort_by_key(|e| (e.time, e.kind));
    crate::incidents::assign_timeline(&r.incidents, &mut tl);
    r.timeline = tl;

    let pm = &mut r.postmortem;
    pm.impact = vec![
        "checkout/api served no requests from at or before 00:19:45Z to the snapshot (1h48m): 0 of 1 replicas ready."
            .into(),
        "shop/web (2 pods) failed its dependency calls from 01:35:02Z.".into(),
    ];
    pm.detection = vec!["The first BackOff warning event for checkout/api is at 00:19:45Z (at or before).".into()];
    pm.root_cause = vec![format!(
        "{api_id}: the api container exceeded its 256Mi memory limit while warming its cache (OOMKilled, exit 137)."
    )];
    pm.trigger = vec![
        "Revision 7 of deployment/api, rolled out at 00:18:02Z, halved the memory limit and enabled cache warming."
            .into(),
    ];
    pm.resolution =
        vec!["Still failing at the snapshot; rolling back to revision 6 or raising the limit would end it.".into()];
    pm.action_items = vec![
        ActionItem {
            text: "Roll back checkout/api to revision 6".into(),
            incident: "i-01".into(),
            command: Some("kubectl -n checkout rollout undo deployment/api --to-revision=6".into()),
        },
        ActionItem {
            text: "Size the memory limit from observed usage before re-enabling cache warming".into(),
            incident: "i-01".into(),
            command: None,
        },
    ];
    r
}

#[test]
fn write_sample_when_asked() {
    let Some(dir) = std::env::var_os("PODMORTEM_SAMPLE_OUT") else { return };
    let r = report();
    let dir = std::path::PathBuf::from(dir);
    let html = super::render(&r, super::Format::Html, false).expect("html");
    let md = super::render(&r, super::Format::Markdown, false).expect("markdown");
    std::fs::write(dir.join("sample.html"), html).expect("write html");
    std::fs::write(dir.join("sample.md"), md).expect("write md");
}

/// A small XML well-formedness check: tags balance, attributes are quoted,
/// and no raw `<` or bare `&` appears in text or attribute values.
pub fn well_formed(xml: &str) -> Result<(), String> {
    fn text_ok(text: &str) -> Result<(), String> {
        if text.contains('<') {
            return Err(format!("raw < in {text:?}"));
        }
        for (i, _) in text.match_indices('&') {
            let rest = &text[i + 1..];
            let end = rest.find(';').ok_or_else(|| format!("bare & in {text:?}"))?;
            let name = &rest[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(format!("bad entity &{name}; in {text:?}"));
            }
        }
        Ok(())
    }
    fn attrs_ok(mut rest: &str) -> Result<(), String> {
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                return Ok(());
            }
            let eq = rest.find('=').ok_or_else(|| format!("attribute without value: {rest:?}"))?;
            let name = &rest[..eq];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-:_".contains(c)) {
                return Err(format!("bad attribute name {name:?}"));
            }
            let value = rest[eq + 1..].strip_prefix('"').ok_or_else(|| format!("unquoted attribute {name}"))?;
            let close = value.find('"').ok_or_else(|| format!("unterminated attribute {name}"))?;
            text_ok(&value[..close])?;
            rest = &value[close + 1..];
        }
    }
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        text_ok(&rest[..lt])?;
        let after = &rest[lt + 1..];
        let mut in_quote = false;
        let gt = after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quote = !in_quote;
                }
                c == '>' && !in_quote
            })
            .map(|(i, _)| i)
            .ok_or("unterminated tag")?;
        let tag = &after[..gt];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or_else(|| format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("</{name}> closes <{open}>"));
            }
        } else {
            let (body, selfclosing) = match tag.strip_suffix('/') {
                Some(b) => (b, true),
                None => (tag, false),
            };
            let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
            let name = &body[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("bad tag name {name:?}"));
            }
            attrs_ok(&body[name_end..])?;
            if !selfclosing {
                stack.push(name.to_string());
            }
        }
        rest = &after[gt + 1..];
    }
    text_ok(rest)?;
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    Ok(())
}

/// The HTML report, with minijinja's escaped `/` (`&#x2f;`) read back, so
/// that tests can look for paths and commands as written.
fn html(r: &Report) -> String {
    super::render(r, super::Format::Html, false).expect("html renders").replace("&#x2f;", "/")
}

fn markdown(r: &Report) -> String {
    super::render(r, super::Format::Markdown, false).expect("markdown renders")
}

#[test]
fn checker_rejects_what_it_should() {
    assert!(well_formed(r#"<svg a="1"><g><text>x &amp; y</text></g><rect b="2"/></svg>"#).is_ok());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg>a & b</svg>").is_err());
    assert!(well_formed(r#"<svg a="<"></svg>"#).is_err());
    assert!(well_formed("<svg a=1></svg>").is_err());
}

#[test]
fn chart_is_well_formed_and_draws_every_kind() {
    let r = report();
    let svg = super::chart::timeline_svg(&r).expect("the sample has times");
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.starts_with(r#"<svg id="timeline-chart""#) && svg.contains(r#"role="img""#));
    assert!(svg.contains("<title id=\"tc-title\">") && svg.contains("<desc id=\"tc-desc\">"));
    for class in [
        "tl-exit",
        "tl-next",
        "tl-span",
        "tl-lead",
        "tl-ev-warn",
        "tl-ev-normal",
        "tl-series",
        "tl-rollout",
        "tl-snapshot",
        "tl-cond",
        "tl-started",
        "tl-created",
        "tl-log",
    ] {
        assert!(svg.contains(&format!("class=\"{class}")), "{class} is drawn");
    }
    assert!(svg.contains("×329</text>"), "an event series shows its count");
    assert!(svg.contains("node/shop-prod-worker-1"), "node conditions get a node lane");
    // 22 exits of checkout/api from the timeline, not the crash loop's last crash again.
    assert_eq!(svg.matches("container exited · checkout/api-7c9d8f6b5-xk2lp/api").count(), 22);
}

#[test]
fn chart_escapes_hostile_names_and_caps_lanes() {
    let mut r = report();
    let template = r.findings[0].clone();
    for n in 0..40 {
        let mut f = template.clone();
        f.id = format!("f-x{n:03}");
        f.workload.name = format!("<script>\"&'-{n:02}");
        r.findings.push(f);
    }
    r.timeline[0].text = "</svg><script>alert(1)</script>".into();
    let svg = super::chart::timeline_svg(&r).expect("chart");
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}"));
    assert!(!svg.contains("<script"), "names are escaped");
    assert!(svg.contains("&lt;script&gt;&quot;&amp;&#39;-"));
    assert_eq!(svg.matches("class=\"tl-lane ").count(), super::chart::MAX_LANES);
    // 6 workload lanes + 1 node lane + 40 hostile ones, 30 drawn.
    assert!(svg.contains("17 more lanes not drawn"), "the cut is said");
}

#[test]
fn chart_handles_spans_from_seconds_to_days() {
    let mut r = report();
    r.timeline.clear();
    for f in &mut r.findings {
        f.crash_loop = None;
        f.first_seen = None;
        f.last_seen = None;
    }
    assert!(super::chart::timeline_svg(&r).is_some(), "the snapshot alone still places the chart");
    r.findings[0].first_seen = r.snapshot_time;
    let tiny = super::chart::timeline_svg(&r).expect("chart");
    well_formed(&tiny).expect("well formed");
    assert!(tiny.contains("02:08:"), "a span of seconds is labelled with seconds");
    r.findings[0].first_seen = Some(t("2025-08-01T00:00:00Z"));
    let long = super::chart::timeline_svg(&r).expect("chart");
    assert!(long.contains(">Aug 2<") || long.contains(">Aug 1<"), "a span of days is labelled with dates");
}

#[test]
fn highlight_is_marked_but_never_markup() {
    let mut r = report();
    let e = &mut r.findings[0].evidence[0];
    e.text = "before <b onclick=x>bold</b> & after".into();
    e.highlight = Some("<b onclick=x>bold".into());
    let out = html(&r);
    assert!(out.contains("<mark>&lt;b onclick=x&gt;bold</mark>&lt;/b&gt; &amp; after"));
    assert!(!out.contains("<b onclick"));
    let md = markdown(&r);
    assert!(md.contains("matched: `<b onclick=x>bold`"), "markdown repeats the match in a code span");
    assert!(!md.contains("\n<b onclick"));
}

#[test]
fn html_has_the_hooks_the_browser_test_relies_on() {
    let out = html(&report());
    for hook in [
        r#"id="summary""#,
        r#"<svg id="timeline-chart""#,
        r#"role="img""#,
        r#"<details class="evidence""#,
        r#"<link rel="icon" href="data:,">"#,
        "script-src 'sha256-",
        r#"<nav id="controls" class="controls" hidden"#,
        "3 values redacted",
        "<mark>OOMKilled</mark>",
        "kubectl -n checkout rollout undo deployment/api --to-revision=6",
        "Next restart",
    ] {
        assert!(out.contains(hook), "missing {hook}");
    }
    let summary = &out[out.find(r#"id="summary""#).expect("summary")..out.find("</header>").expect("end of header")];
    assert!(
        summary.contains("kubectl -n checkout logs api-7c9d8f6b5-xk2lp -c api --previous --tail=50"),
        "first command on the first screen"
    );
    assert!(summary.contains("cluster-resources/pods/checkout.json:200"), "the decisive file:line on the first screen");
    assert_eq!(out.matches("<script").count(), 1, "one inline script, ours");
}

#[test]
fn markdown_has_the_postmortem_skeleton() {
    let mut r = report();
    let md = markdown(&r);
    let pm = &md[md.find("## Postmortem draft").expect("section")..];
    for h in ["### Impact", "### Detection", "### Root cause", "### Trigger", "### Resolution", "### Action items"] {
        assert!(pm.contains(h), "{h}");
    }
    assert!(pm.contains("- [ ] Roll back checkout/api to revision 6 (`i-01`): `kubectl -n checkout rollout undo"));
    r.postmortem = Default::default();
    let empty = markdown(&r);
    let pm = &empty[empty.find("## Postmortem draft").expect("section")..];
    assert_eq!(pm.matches("_To fill in:").count(), 6, "each empty part says what to fill in");
    assert!(pm.contains("- [ ] _To fill in"));
}

#[test]
fn rendering_is_deterministic() {
    let r = report();
    assert_eq!(html(&r), html(&r));
    assert_eq!(markdown(&r), markdown(&r));
}
