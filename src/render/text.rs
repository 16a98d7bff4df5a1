//! The default terminal summary: what is broken, why, and the next command,
//! in one screen. Colour only when asked (TTY and no NO_COLOR, decided by
//! the caller: a TTY and no NO_COLOR).

use super::inert::visible;
use crate::report::{Report, Severity};
use crate::rules::FindingState;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

pub fn render(report: &Report, color: bool) -> String {
    let paint = |style: Style, text: &str| -> String {
        if color { format!("{style}{text}{style:#}") } else { text.to_string() }
    };
    let bold = Style::new().bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
    let dim = Style::new().dimmed();
    let mut out = String::new();
    let s = &report.summary;
    let snapshot = report
        .snapshot_time
        .map(|t| format!("snapshot {t}"))
        .unwrap_or_else(|| "snapshot time unknown (pass --now)".into());
    let _ = writeln!(
        out,
        "{} {} finding(s): {} critical, {} warning, {} info — {snapshot}",
        paint(bold, "podmortem"),
        s.findings,
        s.critical,
        s.warning,
        s.info
    );
    if let Some(since) = s.active_since {
        let _ = writeln!(out, "{} workload(s) affected now; failing since at or before {since}", s.workloads_affected);
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "\nNo crash-looping or blocked containers found.");
    }
    for f in &report.findings {
        let tag = match f.severity {
            Severity::Critical => paint(red, "CRITICAL"),
            Severity::Warning => paint(yellow, "WARNING "),
            Severity::Info => paint(dim, "INFO    "),
        };
        let state = match f.state {
            FindingState::Active => "active",
            FindingState::Recovered => "recovered",
            FindingState::NotCrashLoop => "not a crash loop",
        };
        let _ = writeln!(out, "\n{tag} {} [{}, {state}]", paint(bold, &visible(&f.title)), visible(&f.cause));
        let pods = if f.pods.len() > 1 { format!(" (+{} more pods)", f.pods.len() - 1) } else { String::new() };
        let exit = f.last_exit_code.map(|c| format!(", last exit {c}")).unwrap_or_default();
        match f.subject.kind.as_str() {
            "PipelineLog" => {
                let _ = writeln!(out, "  pipeline log {}", visible(&f.subject.name));
            }
            "Node" => {
                let _ = writeln!(out, "  node {}", visible(&f.subject.name));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "  pod {}/{}{pods}, {} restarts{exit}",
                    visible(&f.subject.namespace),
                    visible(&f.subject.name),
                    f.restarts
                );
            }
        }
        for e in f.evidence.iter().take(3) {
            let at = match e.line {
                Some(line) => format!("{}:{line}", e.source),
                None => e.source.clone(),
            };
            let _ = writeln!(out, "  {} {}", paint(dim, &visible(&format!("{at}:"))), visible(&shorten(&e.text, 180)));
        }
        for i in report.incidents.iter().filter(|i| i.root == f.id && !i.consequences.is_empty()) {
            let ids: Vec<&str> = i.consequences.iter().map(|c| c.finding.as_str()).collect();
            let _ = writeln!(
                out,
                "  incident {}: root of {} consequence(s): {}",
                i.id,
                i.consequences.len(),
                ids.join(", ")
            );
        }
        for i in &report.incidents {
            if let Some(c) = i.consequences.iter().find(|c| c.finding == f.id) {
                let reason = shorten(&c.reason, 160);
                let _ = writeln!(out, "  incident {}: consequence of {} — {}", i.id, i.root, visible(&reason));
            }
        }
        // Only a change found earns a line on the first screen; "no
        // history" is in the full reports.
        if let Some(t) = f.trigger.as_ref().filter(|t| t.status == crate::incidents::trigger::TriggerStatus::Changed) {
            let _ = writeln!(out, "  changed: {}", visible(&trigger_line(t)));
        }
        if let Some(next) = f.crash_loop.as_ref().and_then(|c| c.next_restart) {
            let _ = writeln!(out, "  next restart: {next} (expected)");
        }
        if let Some(next) = f.remediation.iter().find(|r| r.command.is_some() && !r.mutates) {
            if let Some(cmd) = &next.command {
                let _ = writeln!(out, "  next: {}", visible(cmd));
            }
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\n{} input warning(s):", report.warnings.len());
        for w in report.warnings.iter().take(10) {
            let (source, message) = (visible(&w.source), visible(&w.message));
            let _ = writeln!(out, "  {} {source}: {message}", paint(yellow, &w.code.to_string()));
        }
        if report.warnings.len() > 10 {
            let _ = writeln!(out, "  ... and {} more (see --format markdown or json)", report.warnings.len() - 10);
        }
    }
    if s.redactions > 0 {
        let _ = writeln!(out, "\n{} value(s) redacted (--no-redact to show)", s.redactions);
    }
    out
}

/// The trigger in one line: the revision, when, and the first changes.
fn trigger_line(t: &crate::incidents::trigger::Trigger) -> String {
    let mut line = match (t.revision, t.rolled_out_at) {
        (Some(r), Some(at)) => format!("revision {r} (rolled out {at}): "),
        (Some(r), None) => format!("revision {r}: "),
        _ => String::new(),
    };
    let shown: Vec<String> = t
        .changes
        .iter()
        .take(2)
        .map(|c| {
            let field = match &c.container {
                Some(container) => format!("{container} {}", c.field),
                None => c.field.clone(),
            };
            match (&c.before, &c.after) {
                (Some(b), Some(a)) => format!("{field} `{}` → `{}`", shorten(b, 60), shorten(a, 60)),
                (None, Some(a)) => format!("{field} added `{}`", shorten(a, 60)),
                (Some(b), None) => format!("{field} removed (was `{}`)", shorten(b, 60)),
                (None, None) => field,
            }
        })
        .collect();
    line.push_str(&shown.join("; "));
    if t.changes.len() > 2 {
        line.push_str(&format!("; and {} more", t.changes.len() - 2));
    }
    if let Some(undo) = t.remediation.iter().find(|r| r.mutates).and_then(|r| r.command.as_deref()) {
        line.push_str(&format!("\n  undo: {undo}"));
    }
    line
}

/// Fits a line on one screen row or two. Runtime messages put the decisive
/// part last (`...: exec: "migrate": executable file not found in $PATH`), so
/// the middle goes, not the end.
fn shorten(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    let head = max / 3;
    let tail = max - head - 3;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(" … ");
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_keeps_both_ends() {
        let long = format!("start {} the end", "x".repeat(300));
        let short = super::shorten(&long, 60);
        assert!(short.starts_with("start ") && short.ends_with(" the end") && short.contains(" … "));
        assert_eq!(short.chars().count(), 60);
        assert_eq!(super::shorten("short", 60), "short");
    }
}
