//! Render: the report as terminal text, Markdown, HTML or JSON.
//!
//! Markdown and HTML come from the minijinja templates in `templates/`
//! (embedded at build time, so the binary is self-contained); the wording of
//! those reports lives there, not in Rust. JSON is the serde form of
//! `report::Report`, the machine contract.

pub mod chart;
pub mod inert;
mod rows;
pub mod text;

use crate::model::time::Time;
use crate::report::{Finding, Report};
use crate::rules::{EvidenceKind, FindingState};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Concise terminal summary (colour on a TTY unless NO_COLOR is set).
    Text,
    /// Markdown for GitHub/GitLab issues and postmortem documents.
    Markdown,
    /// One self-contained HTML file: inline CSS, no external requests.
    Html,
    /// The machine-readable report (schema podmortem/report/v1).
    Json,
}

const MARKDOWN: &str = include_str!("../../templates/report.md.j2");
const HTML: &str = include_str!("../../templates/report.html.j2");
const HTML_STYLE: &str = include_str!("../../templates/style.css");
const HTML_SCRIPT: &str = include_str!("../../templates/report.js");

/// The Content-Security-Policy sources of the HTML report's own style sheet
/// and script (`'sha256-…'`): they and nothing else may run or apply, so
/// markup that escaped escaping still could not. Hashes, not nonces, keep
/// the report byte-identical from run to run.
struct Csp {
    style: String,
    script: String,
}

static CSP: std::sync::LazyLock<Csp> =
    std::sync::LazyLock::new(|| Csp { style: csp_hash(HTML_STYLE), script: csp_hash(HTML_SCRIPT) });

/// A CSP hash source for the text of an inline element.
pub fn csp_hash(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes())))
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering the {format} report failed: {message}")]
    Template { format: &'static str, message: String },
    #[error("serialising the JSON report failed: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn render(report: &Report, format: Format, color: bool) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut out = serde_json::to_string_pretty(report)?;
            out.push('\n');
            Ok(inert::json_escaped(out))
        }
        Format::Text => Ok(text::render(report, color)),
        Format::Markdown => template(report, "report.md", "markdown"),
        Format::Html => template(report, "report.html", "HTML"),
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // Every value a template prints goes through here: bidi and control
    // characters from the bundle become visible markers (`inert.rs`)
    // before the usual escaping. Values marked safe are our own markup.
    env.set_formatter(|out, state, value| {
        if !value.is_safe() {
            if let Some(std::borrow::Cow::Owned(shown)) = value.as_str().map(inert::visible) {
                return minijinja::escape_formatter(out, state, &minijinja::Value::from(shown));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    // Templates are compile-time constants; a broken one fails every test.
    let _ = env.add_template("report.md", MARKDOWN);
    let _ = env.add_template("report.html", HTML);
    env.add_filter("md_cell", md_cell);
    env.add_filter("md_code", md_code);
    env.add_filter("md_fence", md_fence);
    env.add_filter("md_text", |value: String| {
        let mut out = String::with_capacity(value.len() + 8);
        push_md_text(&mut out, &value);
        out
    });
    env.add_filter("md_cell_text", |value: String| {
        let mut out = String::with_capacity(value.len() + 8);
        push_md_cell_text(&mut out, &value);
        out
    });
    env.add_filter("duration", duration);
    env.add_filter("marks", |text: String, highlight: Option<String>| {
        minijinja::Value::from_serialize(marks(text, highlight))
    });
    env.add_filter("clock", clock);
    env.add_filter("short_time", short_time);
    env.add_filter("kind_word", kind_word);
    env
}

fn template(report: &Report, name: &str, format: &'static str) -> Result<String, RenderError> {
    let env = environment();
    let template = env.get_template(name).map_err(|e| RenderError::Template { format, message: e.to_string() })?;
    let html = format == "HTML";
    let value = minijinja::Value::from_serialize(TemplateReport::of(report));
    let view = minijinja::Value::from_serialize(view(report));
    // The chart is markup built in Rust with every bundle text XML-escaped
    // (`chart::xml_text`); it is the only value besides the constant style
    // sheet and the timeline rows that the template does not escape. Only
    // the HTML report uses it.
    let chart = if html { chart::timeline_svg(report).map(minijinja::Value::from_safe_string) } else { None };
    // The timeline table's rows, escaped in Rust (`rows.rs`).
    let timeline_rows = if html {
        minijinja::Value::from_safe_string(rows::html(&report.timeline))
    } else {
        minijinja::Value::from(rows::markdown(&report.timeline))
    };
    // One buffer sized up front: growing a 20 MB string by doubling copies
    // it and faults fresh pages in several times over.
    let mut out: Vec<u8> = Vec::with_capacity(4096 + report.timeline.len() * if html { 1300 } else { 600 });
    let context = minijinja::context! {
        report => value, view => view, chart => chart, timeline_rows => timeline_rows,
        style => minijinja::Value::from_safe_string(HTML_STYLE.to_string()),
        script => minijinja::Value::from_safe_string(HTML_SCRIPT.to_string()),
        // Base64 holds `/`, which autoescape would write as an entity.
        csp => minijinja::context! {
            style => minijinja::Value::from_safe_string(CSP.style.clone()),
            script => minijinja::Value::from_safe_string(CSP.script.clone()),
        },
    };
    template
        .render_captured_to(context, &mut out)
        .map_err(|e| RenderError::Template { format, message: format!("{e:#}") })?;
    // Templates write strings only: the bytes are UTF-8.
    String::from_utf8(out).map_err(|e| RenderError::Template { format, message: e.to_string() })
}

/// The report as the templates see it: everything but the timeline's
/// entries, which only the rows (`rows.rs`) read; converting tens of
/// thousands of entries into template values would cost more than the rest.
#[derive(Serialize)]
struct TemplateReport<'a> {
    schema: &'a str,
    generator: &'a crate::report::Generator,
    snapshot_time: Option<Time>,
    snapshot_time_basis: Option<crate::model::TimeBasis>,
    inputs: &'a [crate::ingest::InputSummary],
    summary: &'a crate::report::Summary,
    findings: &'a [Finding],
    incidents: &'a [crate::incidents::Incident],
    postmortem: &'a crate::incidents::postmortem::Postmortem,
    warnings: &'a [crate::model::source::Warning],
}

impl<'a> TemplateReport<'a> {
    fn of(r: &'a Report) -> Self {
        TemplateReport {
            schema: r.schema,
            generator: &r.generator,
            snapshot_time: r.snapshot_time,
            snapshot_time_basis: r.snapshot_time_basis,
            inputs: &r.inputs,
            summary: &r.summary,
            findings: &r.findings,
            incidents: &r.incidents,
            postmortem: &r.postmortem,
            warnings: &r.warnings,
        }
    }
}

/// What the templates need beyond the report itself: the summary header's
/// facts, lookups by id, and each finding's evidence split into decisive
/// fields and log excerpts. Derived here so the wording stays in templates
/// and the arithmetic in Rust.
#[derive(Debug, Serialize)]
struct View {
    /// The incidents to name in the header, most important first.
    what_broke: Vec<Broke>,
    /// Incidents not named in the header.
    more_incidents: usize,
    blast: Blast,
    /// Since when it has hurt, at or before.
    since: Option<Time>,
    /// From `since` to the snapshot.
    since_seconds: Option<i64>,
    /// Anything still failing at the snapshot.
    active: bool,
    /// The first thing to run: the top incident's first read-only command.
    first: Option<First>,
    /// Finding id → index into `report.findings`.
    index: BTreeMap<String, usize>,
    /// Finding id → incident id.
    incident_of: BTreeMap<String, String>,
    /// Findings no incident holds (indices), so that none goes unshown.
    orphans: Vec<usize>,
    /// Finding id → its evidence, split.
    evidence: BTreeMap<String, EvidenceView>,
    /// Namespaces of the findings, for the optional filter.
    namespaces: Vec<String>,
    /// How many timeline entries there are (the rows come as `timeline_rows`).
    timeline_entries: usize,
}

#[derive(Debug, Serialize)]
struct Broke {
    incident: String,
    root: String,
    title: String,
    severity: &'static str,
    active: bool,
    consequences: usize,
}

#[derive(Debug, Serialize, Default)]
struct Blast {
    /// `active` when counted over active findings, `all` when nothing is active.
    scope: &'static str,
    workloads: Vec<String>,
    pods: usize,
    namespaces: Vec<String>,
    nodes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct First {
    finding: String,
    description: String,
    command: String,
    /// The decisive evidence item (index into the finding's evidence).
    evidence: Option<usize>,
}

#[derive(Debug, Serialize, Default)]
struct EvidenceView {
    /// Status, event, spec... items (indices), in the rule's order.
    fields: Vec<usize>,
    /// Log items grouped by file, each sorted by line.
    logs: Vec<LogGroup>,
    /// The item to name first (the matched one, else the first).
    decisive: Option<usize>,
}

#[derive(Debug, Serialize)]
struct LogGroup {
    input: String,
    source: String,
    items: Vec<usize>,
    first_line: Option<u64>,
    last_line: Option<u64>,
    /// A Markdown code fence no line of the excerpt can close.
    fence: String,
}

fn view(report: &Report) -> View {
    let index: BTreeMap<String, usize> = report.findings.iter().enumerate().map(|(i, f)| (f.id.clone(), i)).collect();
    let mut incident_of = BTreeMap::new();
    for inc in &report.incidents {
        for id in &inc.findings {
            incident_of.entry(id.clone()).or_insert_with(|| inc.id.clone());
        }
    }
    let orphans =
        report.findings.iter().enumerate().filter(|(_, f)| !incident_of.contains_key(&f.id)).map(|(i, _)| i).collect();
    let is_active = |state: FindingState| state == FindingState::Active;
    let mut ranked: Vec<&crate::incidents::Incident> = report.incidents.iter().collect();
    // Active first, then the report's order (most important first).
    ranked.sort_by_key(|i| !is_active(i.state));
    let what_broke: Vec<Broke> = ranked
        .iter()
        .take(3)
        .map(|i| Broke {
            incident: i.id.clone(),
            root: i.root.clone(),
            title: i.title.clone(),
            severity: i.severity.as_str(),
            active: is_active(i.state) || i.impact.active,
            consequences: i.consequences.len(),
        })
        .collect();
    let active_findings: Vec<&Finding> = report.findings.iter().filter(|f| is_active(f.state)).collect();
    let (scope, counted): (&'static str, Vec<&Finding>) = if active_findings.is_empty() {
        ("all", report.findings.iter().collect())
    } else {
        ("active", active_findings)
    };
    let blast = blast(scope, &counted);
    let since = report
        .summary
        .active_since
        .or_else(|| report.incidents.iter().filter(|i| is_active(i.state)).filter_map(|i| i.start).min());
    let active = report.findings.iter().any(|f| is_active(f.state)) || report.incidents.iter().any(|i| i.impact.active);
    let evidence: BTreeMap<String, EvidenceView> =
        report.findings.iter().map(|f| (f.id.clone(), evidence_view(f))).collect();
    let first = first_command(report, &ranked, &index, &evidence);
    let namespaces: BTreeSet<String> = report.findings.iter().map(|f| namespace_of(f).to_string()).collect();
    View {
        more_incidents: report.incidents.len().saturating_sub(what_broke.len()),
        what_broke,
        blast,
        since,
        since_seconds: since.zip(report.snapshot_time).map(|(a, b)| a.seconds_until(b)),
        active,
        first,
        index,
        incident_of,
        orphans,
        evidence,
        namespaces: namespaces.into_iter().collect(),
        timeline_entries: report.timeline.len(),
    }
}

/// The namespace a finding is filed under; cluster-scoped ones have none.
fn namespace_of(f: &Finding) -> &str {
    if f.workload.namespace.is_empty() { "(cluster)" } else { &f.workload.namespace }
}

fn blast(scope: &'static str, findings: &[&Finding]) -> Blast {
    let mut workloads = BTreeSet::new();
    let mut pods = BTreeSet::new();
    let mut namespaces = BTreeSet::new();
    let mut nodes = BTreeSet::new();
    for f in findings {
        match f.subject.kind.as_str() {
            "Pod" => {
                workloads.insert(format!("{} {}/{}", f.workload.kind, f.workload.namespace, f.workload.name));
                namespaces.insert(f.workload.namespace.clone());
                for p in &f.pods {
                    pods.insert((f.subject.namespace.clone(), p.clone()));
                }
                if let Some(n) = &f.subject.node {
                    nodes.insert(n.clone());
                }
            }
            "Node" => {
                nodes.insert(f.subject.name.clone());
            }
            _ => {}
        }
    }
    Blast {
        scope,
        workloads: workloads.into_iter().collect(),
        pods: pods.len(),
        namespaces: namespaces.into_iter().collect(),
        nodes: nodes.into_iter().collect(),
    }
}

fn evidence_view(f: &Finding) -> EvidenceView {
    let mut fields = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for (i, e) in f.evidence.iter().enumerate() {
        if e.kind == EvidenceKind::Log {
            let key = (e.input.clone(), e.source.clone());
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(i);
        } else {
            fields.push(i);
        }
    }
    let logs = order
        .into_iter()
        .filter_map(|key| {
            let mut items = groups.remove(&key)?;
            items.sort_by_key(|&i| (f.evidence[i].line.unwrap_or(u64::MAX), i));
            let lines = items.iter().filter_map(|&i| f.evidence[i].line);
            let (first_line, last_line) = (lines.clone().min(), lines.max());
            let all: String = items.iter().map(|&i| f.evidence[i].text.as_str()).collect::<Vec<_>>().join("\n");
            Some(LogGroup { input: key.0, source: key.1, items, first_line, last_line, fence: md_fence(all) })
        })
        .collect();
    let decisive = f.evidence.iter().position(|e| e.highlight.is_some()).or((!f.evidence.is_empty()).then_some(0));
    EvidenceView { fields, logs, decisive }
}

fn first_command(
    report: &Report,
    ranked: &[&crate::incidents::Incident],
    index: &BTreeMap<String, usize>,
    evidence: &BTreeMap<String, EvidenceView>,
) -> Option<First> {
    let roots = ranked.iter().filter_map(|i| index.get(&i.root)).map(|&i| &report.findings[i]);
    // A finding in no incident still counts, after the incidents' roots.
    roots.chain(report.findings.iter()).find_map(|f| {
        let r = f.remediation.iter().find(|r| r.command.is_some() && !r.mutates)?;
        Some(First {
            finding: f.id.clone(),
            description: r.description.clone(),
            command: r.command.clone()?,
            evidence: evidence.get(&f.id).and_then(|v| v.decisive),
        })
    })
}

/// Text safe inside a Markdown table cell: pipes escaped, newlines folded.
fn md_cell(value: String) -> String {
    value.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Prose safe in Markdown: `\`, `` ` ``, `*`, `_`, `<` and `[` escaped with
/// a backslash, newlines folded into spaces (the `t` macro of `report.md.j2`).
fn push_md_text(out: &mut String, value: &str) {
    push_md_escaped(out, value, false);
}

/// A table cell's prose: as [`push_md_text`], with `|` escaped too
/// (`md_cell` then the prose escapes: the `c` macro of `report.md.j2`).
pub(crate) fn push_md_cell_text(out: &mut String, value: &str) {
    push_md_escaped(out, value, true);
}

fn push_md_escaped(out: &mut String, value: &str, cell: bool) {
    push_escaped(out, value, |b| match b {
        b'\\' => Some("\\\\"),
        b'`' => Some("\\`"),
        b'*' => Some("\\*"),
        b'_' => Some("\\_"),
        b'<' => Some("\\<"),
        b'[' => Some("\\["),
        b'|' if cell => Some("\\|"),
        b'\n' | b'\r' => Some(" "),
        _ => None,
    });
}

/// Appends `value` with each ASCII byte that `escape` maps replaced by its
/// escape (all escaped bytes are ASCII, so slicing stays on char boundaries).
pub(crate) fn push_escaped(out: &mut String, value: &str, escape: impl Fn(u8) -> Option<&'static str>) {
    let mut last = 0;
    for (i, b) in value.bytes().enumerate() {
        let Some(escaped) = escape(b) else { continue };
        out.push_str(&value[last..i]);
        out.push_str(escaped);
        last = i + 1;
    }
    out.push_str(&value[last..]);
}

/// Inline code that survives backticks in the text (CommonMark: a longer fence).
fn md_code(value: String) -> String {
    let value = value.replace(['\n', '\r'], " ");
    let longest = value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if value.starts_with('`') || value.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{value}{pad}{fence}")
}

/// A code fence longer than any backtick run in the text (CommonMark).
fn md_fence(value: String) -> String {
    let longest = value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// The text cut around the first occurrence of `highlight`: a list of
/// `[part, matched]` pairs, so the template wraps the match in `<mark>`
/// while autoescape still escapes every part (nothing is marked safe).
fn marks(text: String, highlight: Option<String>) -> Vec<(String, bool)> {
    let found = highlight.filter(|h| !h.is_empty()).and_then(|h| text.find(&h).map(|at| (at, at + h.len())));
    match found {
        Some((start, end)) => [(&text[..start], false), (&text[start..end], true), (&text[end..], false)]
            .into_iter()
            .filter(|(part, _)| !part.is_empty())
            .map(|(part, matched)| (part.to_string(), matched))
            .collect(),
        None => vec![(text, false)],
    }
}

/// `HH:MM:SS` of an RFC 3339 time (UTC), or the text as it is.
fn clock(value: String) -> String {
    Time::parse(&value).map(|t| t.0.format("%H:%M:%S").to_string()).unwrap_or(value)
}

/// `YYYY-MM-DD HH:MM:SS` of an RFC 3339 time (UTC), or the text as it is.
fn short_time(value: String) -> String {
    Time::parse(&value).map(|t| t.0.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or(value)
}

/// A timeline entry kind in words (`container-exited` → `container exited`).
fn kind_word(value: String) -> String {
    value.replace('-', " ")
}

/// Seconds → `5m0s` style.
fn duration(seconds: i64) -> String {
    crate::model::time::human_duration(seconds)
}

#[cfg(test)]
mod sample;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_helpers_escape() {
        assert_eq!(md_cell("a|b\nc".into()), "a\\|b c");
        assert_eq!(md_code("x".into()), "`x`");
        assert_eq!(md_code("a `b` c".into()), "``a `b` c``");
        assert_eq!(md_fence("plain".into()), "```");
        assert_eq!(md_fence("a ```` b".into()), "`````");
    }

    #[test]
    fn marks_cut_around_the_first_match_only() {
        assert_eq!(
            marks("x <b> y <b>".into(), Some("<b>".into())),
            vec![("x ".to_string(), false), ("<b>".to_string(), true), (" y <b>".to_string(), false)]
        );
        assert_eq!(marks("abc".into(), Some("zz".into())), vec![("abc".to_string(), false)]);
        assert_eq!(marks("abc".into(), None), vec![("abc".to_string(), false)]);
        assert_eq!(marks("abc".into(), Some("abc".into())), vec![("abc".to_string(), true)]);
    }
}
