//! The timeline as an inline SVG chart for the HTML report: one swimlane per
//! workload (or node, or pipeline log), container exits as markers, the
//! crash loop as a span, events as ticks or bars, the next restart as a
//! hollow marker, rollouts and the snapshot as vertical lines.
//!
//! Why this is built in Rust and not in the template: the geometry (time
//! scale, tick spacing, lane assignment) is arithmetic the template language
//! is poor at. Safety: every piece of text from the bundle goes through
//! `xml_text` (escapes `& < > " '` and replaces control characters) before
//! it is written, and everything else is numbers formatted here or constant
//! markup, so the string can be passed to the template as a pre-escaped value
//! without data ever being marked safe. Colours are CSS classes styled by the
//! page's variables, so the chart follows light/dark mode and print.

use crate::incidents::timeline::{EntryKind, TimelineEntry};
use crate::model::time::Time;
use crate::report::{Finding, Report, Severity};
use crate::rules::FindingState;
use std::collections::BTreeMap;
use std::fmt::Write;

/// More lanes than this make the chart unreadable; the rest are counted.
pub const MAX_LANES: usize = 30;

const WIDTH: f64 = 1000.0;
const PLOT_X0: f64 = 232.0;
const PLOT_X1: f64 = 984.0;
const TOP: f64 = 52.0;
const LANE_H: f64 = 26.0;
const LABEL_CHARS: usize = 26;

/// What the chart draws in a lane.
#[derive(Debug)]
enum Mark {
    Exit(Time, String),
    Next(Time, String),
    Event { at: Time, until: Option<Time>, warning: bool, count: Option<i64>, tip: String },
    Started(Time, String),
    Created(Time, String),
    Log(Time, String),
    Condition(Time, String),
    Pipeline(Time, String),
}

impl Mark {
    fn times(&self) -> (Time, Option<Time>) {
        match self {
            Mark::Event { at, until, .. } => (*at, *until),
            Mark::Exit(t, _)
            | Mark::Next(t, _)
            | Mark::Started(t, _)
            | Mark::Created(t, _)
            | Mark::Log(t, _)
            | Mark::Condition(t, _)
            | Mark::Pipeline(t, _) => (*t, None),
        }
    }
}

/// The crash loop (or the finding's failing period) in a lane.
#[derive(Debug)]
struct Span {
    start: Time,
    end: Time,
    /// The start is a lower bound: it may have begun earlier.
    at_or_before: bool,
    recovered: bool,
    /// Failing but not in a crash loop (an image pull, a pending pod).
    blocked: bool,
}

#[derive(Debug, Default)]
struct Lane {
    label: String,
    /// Restarts, for a workload lane.
    restarts: Option<i64>,
    severity: Option<Severity>,
    span: Option<Span>,
    marks: Vec<Mark>,
}

/// The chart, or None when nothing in the report can be placed in time.
pub fn timeline_svg(report: &Report) -> Option<String> {
    let (order, mut lanes) = lanes_of_findings(&report.findings, report.snapshot_time);
    let mut extra: BTreeMap<String, Lane> = BTreeMap::new();
    let mut rollouts: Vec<&TimelineEntry> = Vec::new();
    let mut snapshot = report.snapshot_time;
    let finding_lane: BTreeMap<&str, String> = report.findings.iter().map(|f| (f.id.as_str(), lane_key(f))).collect();
    let mut has_entry_kind: BTreeMap<(String, u8), bool> = BTreeMap::new();
    for e in &report.timeline {
        match e.kind {
            EntryKind::Rollout => {
                rollouts.push(e);
                continue;
            }
            EntryKind::Snapshot => {
                snapshot = snapshot.or(Some(e.time));
                continue;
            }
            _ => {}
        }
        let key = entry_lane(e, &report.findings, &finding_lane);
        let tip = tooltip(e);
        let mark = match e.kind {
            EntryKind::ContainerExited => Mark::Exit(e.time, tip),
            EntryKind::NextRestart => Mark::Next(e.time, tip),
            EntryKind::Event => Mark::Event {
                at: e.time,
                until: e.until.filter(|u| *u > e.time),
                warning: e.level.as_deref() == Some("Warning"),
                count: e.count,
                tip,
            },
            EntryKind::ContainerStarted => Mark::Started(e.time, tip),
            EntryKind::PodCreated => Mark::Created(e.time, tip),
            EntryKind::Log => Mark::Log(e.time, tip),
            EntryKind::NodeCondition => Mark::Condition(e.time, tip),
            EntryKind::Pipeline => Mark::Pipeline(e.time, tip),
            // What the bounds left out is said in the table below the chart, not drawn.
            EntryKind::Rollout | EntryKind::Snapshot | EntryKind::Omitted => continue,
        };
        has_entry_kind.insert((key.clone(), kind_code(&mark)), true);
        match lanes.get_mut(&key) {
            Some(lane) => lane.marks.push(mark),
            None => {
                let lane = extra.entry(key.clone()).or_insert_with(|| Lane { label: key.clone(), ..Lane::default() });
                lane.marks.push(mark);
            }
        }
    }
    // Without timeline entries, the crash loop reconstruction still places
    // the last crash and the next restart.
    for f in &report.findings {
        let key = lane_key(f);
        let Some(cl) = &f.crash_loop else { continue };
        let Some(lane) = lanes.get_mut(&key) else { continue };
        if let Some(t) = cl.last_crash {
            if !has_entry_kind.contains_key(&(key.clone(), 0)) {
                lane.marks.push(Mark::Exit(t, format!("{t} · last crash · {}", subject_of(f))));
            }
        }
        if let Some(t) = cl.next_restart {
            if !has_entry_kind.contains_key(&(key.clone(), 1)) {
                lane.marks.push(Mark::Next(t, format!("{t} · next restart expected · {}", subject_of(f))));
            }
        }
    }
    let mut ordered: Vec<Lane> = Vec::new();
    for key in &order {
        if let Some(lane) = lanes.remove(key) {
            ordered.push(lane);
        }
    }
    // Node lanes first among the rest: node conditions explain pods.
    let (nodes, others): (Vec<_>, Vec<_>) = extra.into_iter().partition(|(k, _)| k.starts_with("node/"));
    ordered.extend(nodes.into_iter().chain(others).map(|(_, l)| l));

    let (lo, hi) = domain(&ordered, &rollouts, snapshot)?;
    clip(&mut ordered, lo);
    let hidden = ordered.len().saturating_sub(MAX_LANES);
    ordered.truncate(MAX_LANES);
    Some(draw(&ordered, hidden, &rollouts, snapshot, lo, hi))
}

fn kind_code(mark: &Mark) -> u8 {
    match mark {
        Mark::Exit(..) => 0,
        Mark::Next(..) => 1,
        _ => 2,
    }
}

fn lane_key(f: &Finding) -> String {
    match f.subject.kind.as_str() {
        "Pod" => format!("{}/{}", f.workload.namespace, f.workload.name),
        "Node" => format!("node/{}", f.subject.name),
        _ => f.subject.name.clone(),
    }
}

fn subject_of(f: &Finding) -> String {
    match &f.subject.container {
        Some(c) => format!("{}/{}/{c}", f.subject.namespace, f.subject.name),
        None => f.subject.name.clone(),
    }
}

/// One lane per workload (findings of one workload share it), in report order.
fn lanes_of_findings(findings: &[Finding], snapshot: Option<Time>) -> (Vec<String>, BTreeMap<String, Lane>) {
    let mut order = Vec::new();
    let mut lanes: BTreeMap<String, Lane> = BTreeMap::new();
    for f in findings {
        let key = lane_key(f);
        let lane = lanes.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Lane { label: key.clone(), ..Lane::default() }
        });
        if f.subject.kind == "Pod" {
            lane.restarts = Some(lane.restarts.unwrap_or(0).max(f.restarts));
        }
        lane.severity = Some(lane.severity.map_or(f.severity, |s| s.min(f.severity)));
        if let Some(span) = span_of(f, snapshot) {
            let merged = match lane.span.take() {
                Some(old) => Span {
                    at_or_before: if span.start < old.start { span.at_or_before } else { old.at_or_before },
                    start: old.start.min(span.start),
                    end: old.end.max(span.end),
                    recovered: old.recovered && span.recovered,
                    blocked: old.blocked && span.blocked,
                },
                None => span,
            };
            lane.span = Some(merged);
        }
    }
    (order, lanes)
}

/// From the loop's start (or the finding's first sighting, always a lower
/// bound) to recovery, or to the snapshot while it is active.
fn span_of(f: &Finding, snapshot: Option<Time>) -> Option<Span> {
    let active = f.state == FindingState::Active;
    let (start, at_or_before, recovered_at, last) = match &f.crash_loop {
        // The finding's first sign can be older than this pod's loop (an
        // earlier replica of the same revision crashed first): the lane
        // starts there, as a lower bound.
        Some(cl) => (
            match (cl.started, f.first_seen) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            cl.started.is_none_or(|s| cl.started_at_or_before || f.first_seen.is_some_and(|seen| seen < s)),
            cl.recovered_at,
            cl.last_crash.or(f.last_seen),
        ),
        None => (f.first_seen, true, None, f.last_seen),
    };
    let start = start?;
    let end = match recovered_at {
        Some(r) => r,
        None if active || f.state == FindingState::NotCrashLoop => snapshot.or(last)?,
        None => last?,
    };
    let recovered = recovered_at.is_some() || f.state == FindingState::Recovered;
    let blocked = f.state == FindingState::NotCrashLoop;
    (end >= start).then_some(Span { start, end, at_or_before, recovered, blocked })
}

/// The lane of a timeline entry: node lanes by subject, else the lane of
/// its first finding, else a lane of its own.
fn entry_lane(e: &TimelineEntry, findings: &[Finding], finding_lane: &BTreeMap<&str, String>) -> String {
    if e.kind == EntryKind::NodeCondition || e.subject.starts_with("node/") {
        return e.subject.clone();
    }
    if let Some(key) = e.findings.iter().find_map(|id| finding_lane.get(id.as_str())) {
        return key.clone();
    }
    let mut parts = e.subject.splitn(3, '/');
    if let (Some(ns), Some(pod)) = (parts.next(), parts.next()) {
        if let Some(f) = findings.iter().find(|f| f.subject.namespace == ns && f.pods.iter().any(|p| p == pod)) {
            return lane_key(f);
        }
    }
    e.subject.clone()
}

fn tooltip(e: &TimelineEntry) -> String {
    let mut tip =
        format!("{}{} · {} · {}", if e.at_or_before { "≤ " } else { "" }, e.time, kind_word(e.kind), e.subject);
    if let Some(u) = e.until {
        let _ = write!(tip, " · until {u}");
    }
    if let Some(n) = e.count {
        let _ = write!(tip, " · ×{n}");
    }
    let text: String = e.text.chars().take(240).collect();
    let _ = write!(tip, " · {text}");
    tip
}

pub fn kind_word(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Rollout => "rollout",
        EntryKind::PodCreated => "pod created",
        EntryKind::ContainerStarted => "container started",
        EntryKind::ContainerExited => "container exited",
        EntryKind::Event => "event",
        EntryKind::Log => "log line",
        EntryKind::NodeCondition => "node condition",
        EntryKind::Pipeline => "pipeline",
        EntryKind::NextRestart => "next restart",
        EntryKind::Snapshot => "snapshot",
        EntryKind::Omitted => "left out",
    }
}

/// The time range: every time drawn, padded so markers at the ends show.
fn domain(lanes: &[Lane], rollouts: &[&TimelineEntry], snapshot: Option<Time>) -> Option<(i64, i64)> {
    // The axis covers the failure, not the pods' whole lives: a pod created
    // a week before it broke would squeeze the incident into the last pixels.
    // Creations, earlier runs and node transitions count only when nothing
    // else can be placed.
    let mut focus: Vec<Time> = Vec::new();
    let mut context: Vec<Time> = Vec::new();
    for lane in lanes {
        if let Some(s) = &lane.span {
            focus.push(s.start);
            focus.push(s.end);
        }
        for m in &lane.marks {
            let (a, b) = m.times();
            let into = if matches!(m, Mark::Created(..) | Mark::Started(..) | Mark::Condition(..)) {
                &mut context
            } else {
                &mut focus
            };
            into.push(a);
            into.extend(b);
        }
    }
    focus.extend(rollouts.iter().map(|r| r.time));
    let mut times = if focus.is_empty() { context } else { focus };
    times.extend(snapshot);
    let lo = times.iter().min()?.0.timestamp();
    let hi = times.iter().copied().chain(snapshot).max()?.0.timestamp();
    let span = (hi - lo).max(60);
    let pad = (span / 40).max(5);
    Some((lo - pad, lo + span + pad))
}

/// Drops what ended before the axis starts and starts spans at its edge.
fn clip(lanes: &mut [Lane], lo: i64) {
    for lane in lanes {
        lane.marks.retain(|m| {
            let (a, b) = m.times();
            b.unwrap_or(a).0.timestamp() >= lo
        });
        if let Some(span) = &mut lane.span {
            if span.start.0.timestamp() < lo {
                if let Some(edge) = Time::from_unix(lo) {
                    span.start = edge;
                    span.at_or_before = true;
                }
            }
        }
    }
}

/// Tick spacing for about 6–10 ticks, from seconds to weeks.
fn tick_step(span: i64) -> i64 {
    const STEPS: [i64; 22] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
        345_600, 604_800, 1_209_600,
    ];
    STEPS.iter().copied().find(|s| span / s <= 9).unwrap_or(2_419_200)
}

fn tick_label(t: i64, step: i64, first: bool, day_changed: bool) -> String {
    let Some(time) = Time::from_unix(t) else { return String::new() };
    let d = time.0;
    if step >= 86_400 {
        return d.format("%b %-d").to_string();
    }
    let clock = if step < 60 { d.format("%H:%M:%S").to_string() } else { d.format("%H:%M").to_string() };
    if first || day_changed { format!("{} {clock}", d.format("%b %-d")) } else { clock }
}

struct Scale {
    lo: i64,
    hi: i64,
}

impl Scale {
    fn x(&self, t: Time) -> f64 {
        self.xs(t.0.timestamp() as f64 + f64::from(t.0.timestamp_subsec_millis()) / 1000.0)
    }
    fn xs(&self, seconds: f64) -> f64 {
        let frac = (seconds - self.lo as f64) / ((self.hi - self.lo).max(1) as f64);
        PLOT_X0 + frac.clamp(0.0, 1.0) * (PLOT_X1 - PLOT_X0)
    }
}

fn draw(
    lanes: &[Lane],
    hidden: usize,
    rollouts: &[&TimelineEntry],
    snapshot: Option<Time>,
    lo: i64,
    hi: i64,
) -> String {
    let scale = Scale { lo, hi };
    let plot_h = LANE_H * lanes.len().max(1) as f64;
    let bottom = TOP + plot_h;
    let legend_y = bottom + 30.0;
    let height = legend_y + if hidden > 0 { 34.0 } else { 16.0 };
    let mut s = String::with_capacity(16 * 1024);
    let from = Time::from_unix(lo).map(|t| t.to_string()).unwrap_or_default();
    let to = Time::from_unix(hi).map(|t| t.to_string()).unwrap_or_default();
    let exits: usize = lanes.iter().map(|l| l.marks.iter().filter(|m| matches!(m, Mark::Exit(..))).count()).sum();
    let events: usize = lanes.iter().map(|l| l.marks.iter().filter(|m| matches!(m, Mark::Event { .. })).count()).sum();
    let _ = write!(
        s,
        r#"<svg id="timeline-chart" class="timeline-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="tc-title tc-desc" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" font-size="11">"#,
        w = f(WIDTH),
        h = f(height)
    );
    let _ = write!(
        s,
        r#"<title id="tc-title">Timeline of the findings, {} lane{}</title>"#,
        lanes.len(),
        plural(lanes.len())
    );
    let _ = write!(
        s,
        r#"<desc id="tc-desc">{}</desc>"#,
        xml_text(&format!(
            "From {from} to {to} (UTC). One lane per workload, node or pipeline log: {}. {exits} container exit{} and {events} event{} marked{}{}.{}",
            lanes.iter().map(|l| l.label.as_str()).collect::<Vec<_>>().join("; "),
            plural(exits),
            plural(events),
            match rollouts.len() {
                0 => String::new(),
                n => format!(", {n} rollout{}", plural(n)),
            },
            snapshot.map(|t| format!(", snapshot at {t}")).unwrap_or_default(),
            if hidden > 0 { format!(" {hidden} more lanes are not drawn.") } else { String::new() },
        ))
    );
    s.push_str(
        r#"<defs><pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="tl-hatch-line" stroke="currentColor" stroke-width="2"/></pattern></defs>"#,
    );

    // Lane backgrounds and labels.
    for (i, lane) in lanes.iter().enumerate() {
        let y = TOP + LANE_H * i as f64;
        let sev = lane.severity.map(|s| s.as_str()).unwrap_or("none");
        let _ = write!(
            s,
            r#"<g class="tl-lane tl-sev-{sev}"><rect class="tl-band{}" x="0" y="{}" width="{}" height="{}"/>"#,
            if i % 2 == 1 { " tl-band-alt" } else { "" },
            f(y),
            f(WIDTH),
            f(LANE_H)
        );
        let _ = write!(
            s,
            r#"<rect class="tl-sevbar" x="0" y="{}" width="3" height="{}"/><text class="tl-label" x="10" y="{}"><title>{}</title>{}</text>"#,
            f(y + 4.0),
            f(LANE_H - 8.0),
            f(y + LANE_H / 2.0 + 4.0),
            xml_text(&lane.label),
            xml_text(&truncate(&lane.label, LABEL_CHARS))
        );
        if let Some(n) = lane.restarts {
            let _ = write!(
                s,
                r#"<text class="tl-count" x="{}" y="{}" text-anchor="end">{n}↻</text>"#,
                f(PLOT_X0 - 8.0),
                f(y + LANE_H / 2.0 + 4.0)
            );
        }
        s.push_str("</g>");
    }

    // Axis: grid lines and tick labels.
    let step = tick_step(hi - lo);
    let mut t = lo.div_euclid(step) * step;
    if t < lo {
        t += step;
    }
    let mut prev_day: Option<i64> = None;
    s.push_str(r#"<g class="tl-axis">"#);
    let mut first = true;
    while t <= hi {
        let x = scale.xs(t as f64);
        let day = t.div_euclid(86_400);
        let label = tick_label(t, step, first, prev_day.is_some_and(|p| p != day));
        let _ = write!(
            s,
            r#"<line class="tl-grid" x1="{x}" y1="{}" x2="{x}" y2="{}"/><text class="tl-tick" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            f(TOP - 4.0),
            f(bottom),
            f(TOP - 8.0),
            xml_text(&label),
            x = f(x)
        );
        prev_day = Some(day);
        first = false;
        t += step;
    }
    s.push_str("</g>");

    // Lane content.
    for (i, lane) in lanes.iter().enumerate() {
        let mid = TOP + LANE_H * i as f64 + LANE_H / 2.0;
        s.push_str("<g>");
        if let Some(span) = &lane.span {
            let (x0, x1) = (scale.x(span.start), scale.x(span.end));
            let cls = if span.recovered {
                "tl-span tl-span-recovered"
            } else if span.blocked {
                "tl-span tl-span-blocked"
            } else {
                "tl-span"
            };
            if span.at_or_before {
                let lead = (x0 - 18.0).max(PLOT_X0);
                if x0 - lead > 0.5 {
                    let _ = write!(
                        s,
                        r#"<rect class="tl-lead" x="{}" y="{}" width="{}" height="8" fill="url(#tl-hatch)"><title>It may have started earlier: the start is a lower bound (events expire after about an hour)</title></rect>"#,
                        f(lead),
                        f(mid - 4.0),
                        f(x0 - lead)
                    );
                }
            }
            let _ = write!(
                s,
                r#"<rect class="{cls}" x="{}" y="{}" width="{}" height="8" rx="2"><title>{}</title></rect>"#,
                f(x0),
                f(mid - 4.0),
                f((x1 - x0).max(1.5)),
                xml_text(&format!(
                    "{}{} → {}{}",
                    if span.at_or_before { "at or before " } else { "" },
                    span.start,
                    span.end,
                    if span.recovered {
                        " (recovered)"
                    } else if span.blocked {
                        " (blocked, not a crash loop)"
                    } else {
                        ""
                    }
                ))
            );
        }
        // One count label per lane, the biggest series: several labels
        // ending at the snapshot would print over each other.
        let labelled = lane
            .marks
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match m {
                Mark::Event { until: Some(_), count: Some(n), .. } if *n > 1 => Some((*n, std::cmp::Reverse(i))),
                _ => None,
            })
            .max()
            .map(|(_, std::cmp::Reverse(i))| i);
        for (i, m) in lane.marks.iter().enumerate() {
            mark_svg(&mut s, &scale, mid, m, labelled == Some(i));
        }
        s.push_str("</g>");
    }

    // Rollouts and the snapshot: vertical lines over every lane.
    let mut last_label_x = f64::NEG_INFINITY;
    for r in rollouts {
        let x = scale.x(r.time);
        let _ = write!(
            s,
            r#"<g class="tl-rollout"><title>{}</title><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke-dasharray="5 3"/>"#,
            xml_text(&tooltip(r)),
            f(TOP - 36.0),
            f(bottom),
            x = f(x)
        );
        if x - last_label_x > 90.0 {
            let _ = write!(
                s,
                r#"<text class="tl-rollout-label" x="{}" y="{}">rollout {}</text>"#,
                f(x + 3.0),
                f(TOP - 26.0),
                xml_text(&truncate(r.subject.rsplit('/').next().unwrap_or(&r.subject), 18))
            );
            last_label_x = x;
        }
        s.push_str("</g>");
    }
    if let Some(now) = snapshot {
        let x = scale.x(now);
        let _ = write!(
            s,
            r#"<g class="tl-snapshot"><title>snapshot {}</title><line x1="{x}" y1="{}" x2="{x}" y2="{}"/><text x="{}" y="{}" text-anchor="end">snapshot {}</text></g>"#,
            now,
            f(TOP - 50.0),
            f(bottom),
            f(x - 3.0),
            f(TOP - 41.0),
            now.0.format("%H:%M:%S"),
            x = f(x)
        );
    }
    let _ = write!(
        s,
        r#"<line class="tl-base" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
        f(PLOT_X0),
        f(bottom),
        f(PLOT_X1),
        f(bottom)
    );

    legend(&mut s, legend_y);
    if hidden > 0 {
        let _ = write!(
            s,
            r#"<text class="tl-more" x="10" y="{}">{hidden} more lane{} not drawn (the chart shows the first {MAX_LANES}); the table below lists every entry.</text>"#,
            f(legend_y + 20.0),
            plural(hidden)
        );
    }
    s.push_str("</svg>");
    s
}

fn mark_svg(s: &mut String, scale: &Scale, mid: f64, m: &Mark, label_count: bool) {
    match m {
        Mark::Exit(t, tip) => {
            let _ = write!(
                s,
                r#"<circle class="tl-exit" cx="{}" cy="{}" r="4"><title>{}</title></circle>"#,
                f(scale.x(*t)),
                f(mid),
                xml_text(tip)
            );
        }
        Mark::Next(t, tip) => {
            let _ = write!(
                s,
                r#"<circle class="tl-next" cx="{}" cy="{}" r="4.5" stroke-dasharray="2 1.5"><title>{}</title></circle>"#,
                f(scale.x(*t)),
                f(mid),
                xml_text(tip)
            );
        }
        Mark::Event { at, until, warning, count, tip } => {
            let x = scale.x(*at);
            let y = mid + 7.0;
            if let Some(u) = until {
                let x1 = scale.x(*u);
                let _ = write!(
                    s,
                    r#"<rect class="tl-series{}" x="{}" y="{}" width="{}" height="3"><title>{}</title></rect>"#,
                    if *warning { " tl-warn" } else { "" },
                    f(x),
                    f(y - 1.0),
                    f((x1 - x).max(1.0)),
                    xml_text(tip)
                );
                if let Some(n) = count.filter(|n| *n > 1 && label_count) {
                    // After the bar when there is room, else before it.
                    let (at, anchor) = if x1 + 34.0 < PLOT_X1 { (x1 + 3.0, "start") } else { (x - 9.0, "end") };
                    let _ = write!(
                        s,
                        r#"<text class="tl-series-count" x="{}" y="{}" text-anchor="{anchor}">×{n}</text>"#,
                        f(at.max(PLOT_X0)),
                        f(y + 3.0)
                    );
                }
            }
            if *warning {
                let _ = write!(
                    s,
                    r#"<path class="tl-ev-warn" d="M{} {}l3.5 6h-7z"><title>{}</title></path>"#,
                    f(x),
                    f(y - 4.0),
                    xml_text(tip)
                );
            } else {
                let _ = write!(
                    s,
                    r#"<line class="tl-ev-normal" x1="{x}" y1="{}" x2="{x}" y2="{}"><title>{}</title></line>"#,
                    f(y - 4.0),
                    f(y + 3.0),
                    xml_text(tip),
                    x = f(x)
                );
            }
        }
        Mark::Started(t, tip) => {
            let x = scale.x(*t);
            let _ = write!(
                s,
                r#"<path class="tl-started" d="M{} {}l5 4l-5 4z"><title>{}</title></path>"#,
                f(x),
                f(mid - 4.0),
                xml_text(tip)
            );
        }
        Mark::Created(t, tip) => {
            let x = scale.x(*t);
            let _ = write!(
                s,
                r#"<rect class="tl-created" x="{}" y="{}" width="7" height="7"><title>{}</title></rect>"#,
                f(x - 3.5),
                f(mid - 3.5),
                xml_text(tip)
            );
        }
        Mark::Log(t, tip) => {
            let x = scale.x(*t);
            let _ = write!(
                s,
                r#"<path class="tl-log" d="M{} {}h6"><title>{}</title></path>"#,
                f(x - 3.0),
                f(mid - 8.0),
                xml_text(tip)
            );
        }
        Mark::Condition(t, tip) | Mark::Pipeline(t, tip) => {
            let x = scale.x(*t);
            let cls = if matches!(m, Mark::Condition(..)) { "tl-cond" } else { "tl-pipe" };
            let _ = write!(
                s,
                r#"<path class="{cls}" d="M{} {}l4.5 4.5l-4.5 4.5l-4.5-4.5z"><title>{}</title></path>"#,
                f(x),
                f(mid - 4.5),
                xml_text(tip)
            );
        }
    }
}

/// A row of glyphs with words: colour is never the only difference.
fn legend(s: &mut String, y: f64) {
    let items: [(&str, &str, f64); 9] = [
        (r#"<circle class="tl-exit" cx="4" cy="0" r="4"/>"#, "container exit (restart)", 150.0),
        (r#"<circle class="tl-next" cx="4" cy="0" r="4.5" stroke-dasharray="2 1.5"/>"#, "next restart", 90.0),
        (r#"<rect class="tl-span" x="0" y="-4" width="16" height="8" rx="2"/>"#, "failing", 64.0),
        (
            r#"<rect class="tl-lead" x="0" y="-4" width="16" height="8" fill="url(#tl-hatch)"/>"#,
            "may be earlier",
            104.0,
        ),
        (r#"<path class="tl-ev-warn" d="M4 -4l3.5 6h-7z"/>"#, "warning event", 98.0),
        (r#"<line class="tl-ev-normal" x1="4" y1="-4" x2="4" y2="3"/>"#, "normal event", 90.0),
        (r#"<rect class="tl-series tl-warn" x="0" y="-2" width="16" height="3"/>"#, "repeated event", 106.0),
        (r#"<line class="tl-rollout" x1="4" y1="-6" x2="4" y2="6" stroke-dasharray="5 3"/>"#, "rollout", 62.0),
        (r#"<path class="tl-cond" d="M4 -4.5l4.5 4.5l-4.5 4.5l-4.5-4.5z"/>"#, "node condition", 100.0),
    ];
    let drawn: Vec<_> = items
        .into_iter()
        .filter(|(glyph, _, _)| {
            // Only what the chart shows: the class of the glyph appears above.
            let class = glyph.split("class=\"").nth(1).and_then(|c| c.split(['"', ' ']).next()).unwrap_or("");
            s.contains(&format!("class=\"{class}")) || s.contains(&format!("class=\"{class} "))
        })
        .collect();
    let _ = write!(s, r#"<g class="tl-legend" transform="translate(10 {})">"#, f(y));
    let mut x = 0.0;
    for (glyph, word, w) in drawn {
        let _ = write!(
            s,
            r#"<g transform="translate({} 0)">{glyph}<text class="tl-legend-text" x="{}" y="4">{word}</text></g>"#,
            f(x),
            if glyph.contains("width=\"16\"") { "20" } else { "12" }
        );
        x += w;
    }
    s.push_str("</g>");
}

/// Fixed precision: the same report gives the same bytes.
fn f(v: f64) -> String {
    let r = format!("{v:.1}");
    r.strip_suffix(".0").map(str::to_string).unwrap_or(r)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Text for XML content or a quoted attribute: markup characters escaped,
/// bidi and control characters shown as markers (`inert.rs`), characters
/// XML 1.0 cannot carry replaced.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if super::inert::is_hidden_control(c) => out.push_str(&super::inert::visible(c.encode_utf8(&mut [0; 4]))),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(xml_text(r#"<script>"&'"#), "&lt;script&gt;&quot;&amp;&#39;");
        assert_eq!(xml_text("a\u{0}b\nc\u{202e}"), "a⟨U+0000⟩b c⟨U+202E⟩");
    }

    #[test]
    fn ticks_fit_spans_from_seconds_to_weeks() {
        assert_eq!(tick_step(40), 5);
        assert_eq!(tick_step(3600), 600);
        assert_eq!(tick_step(2 * 3600), 900);
        assert_eq!(tick_step(3 * 86_400), 43_200);
        assert_eq!(tick_step(30 * 86_400), 345_600);
        assert!(tick_step(400 * 86_400) > 1_209_600);
    }

    #[test]
    fn tick_labels_name_the_day_when_it_changes() {
        let midnight = 1_754_784_000; // 2025-08-10T00:00:00Z
        assert_eq!(tick_label(midnight, 900, true, false), "Aug 10 00:00");
        assert_eq!(tick_label(midnight + 900, 900, false, false), "00:15");
        assert_eq!(tick_label(midnight + 5, 5, false, false), "00:00:05");
        assert_eq!(tick_label(midnight, 86_400, false, false), "Aug 10");
    }

    #[test]
    fn floats_have_fixed_precision() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(1.26), "1.3");
        assert_eq!(f(2.0 / 3.0), "0.7");
    }
}
