//! The timeline table's rows, written in Rust: a full-size bundle has tens
//! of thousands of entries, and one row through the template engine costs
//! about ten microseconds, more than everything else in the report. The
//! markup and wording are the templates' (`timeline_table` in
//! `report.html.j2`, the timeline in `report.md.j2`), byte for byte; every
//! bundle text is escaped here as the HTML template's autoescape would.

use crate::incidents::timeline::TimelineEntry;
use crate::model::time::Time;
use std::fmt::Write;

/// Appends `text` as the HTML template prints a value: hidden controls
/// made visible (`inert.rs`), then escaped as minijinja's autoescape does.
pub(crate) fn push_html(out: &mut String, text: &str) {
    super::push_escaped(out, &super::inert::visible(text), |b| match b {
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'&' => Some("&amp;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#x27;"),
        b'/' => Some("&#x2f;"),
        _ => None,
    });
}

fn kind_str(e: &TimelineEntry) -> String {
    // The serde name (kebab-case), as the template received it.
    match serde_json::to_value(e.kind) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `{% if e.level %}`: present and not empty.
fn level(e: &TimelineEntry) -> Option<&str> {
    e.level.as_deref().filter(|l| !l.is_empty())
}

/// `{% if e.line %}`: present and not zero.
fn line(e: &TimelineEntry) -> Option<u64> {
    e.line.filter(|&l| l != 0)
}

fn count(e: &TimelineEntry) -> Option<i64> {
    e.count.filter(|&c| c > 1)
}

/// The `<tr>` rows of the HTML timeline table, one per entry.
pub fn html(entries: &[TimelineEntry]) -> String {
    let mut out = String::with_capacity(entries.len() * 700);
    let mut kinds: Vec<(crate::incidents::timeline::EntryKind, String)> = Vec::new();
    for e in entries {
        let kind = match kinds.iter().find(|(k, _)| *k == e.kind) {
            Some((_, s)) => s.clone(),
            None => {
                let s = kind_str(e);
                kinds.push((e.kind, s.clone()));
                s
            }
        };
        out.push_str("<tr class=\"tl-row tl-row-");
        push_html(&mut out, &kind);
        if level(e) == Some("Warning") {
            out.push_str(" tl-row-warning");
        }
        out.push_str("\">\n<td class=\"nowrap\">");
        if e.at_or_before {
            out.push_str("<span title=\"at or before: older occurrences may have expired\">≤</span> ");
        }
        push_time(&mut out, e.time, super::short_time);
        if let Some(until) = e.until {
            out.push_str("<br><span class=\"muted\">until ");
            push_time(&mut out, until, super::clock);
            out.push_str("</span>");
        }
        out.push_str("</td>\n<td class=\"nowrap\"><span class=\"kind\">");
        push_html(&mut out, &super::kind_word(kind));
        out.push_str("</span>");
        if let Some(level) = level(e) {
            out.push_str(" <span class=\"lvl lvl-");
            push_html(&mut out, level);
            out.push_str("\">");
            push_html(&mut out, level);
            out.push_str("</span>");
        }
        out.push_str("</td>\n<td class=\"subj\"><code>");
        push_html(&mut out, &e.subject);
        out.push_str("</code></td>\n<td>");
        push_html(&mut out, &e.text);
        if let Some(n) = count(e) {
            let _ = write!(out, " <span class=\"muted\">×{n}</span>");
        }
        out.push_str("</td>\n<td class=\"src\"><code class=\"loc\">");
        push_html(&mut out, &e.source);
        if let Some(l) = line(e) {
            let _ = write!(out, ":{l}");
        }
        out.push_str("</code></td>\n<td class=\"ids\">");
        for (i, id) in e.findings.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str("<a href=\"#");
            push_html(&mut out, id);
            out.push_str("\">");
            push_html(&mut out, id);
            out.push_str("</a>");
        }
        out.push_str("</td>\n</tr>\n");
    }
    // The template puts the rows on a line of their own.
    out.pop();
    out
}

/// `<time datetime="T">shown</time>`.
fn push_time(out: &mut String, t: Time, shown: fn(String) -> String) {
    let text = t.to_string();
    out.push_str("<time datetime=\"");
    push_html(out, &text);
    out.push_str("\">");
    push_html(out, &shown(text));
    out.push_str("</time>");
}

/// The rows of the Markdown timeline table, one per entry.
pub fn markdown(entries: &[TimelineEntry]) -> String {
    let mut out = String::with_capacity(entries.len() * 400);
    for e in entries {
        out.push_str("| ");
        if e.at_or_before {
            out.push_str("≤ ");
        }
        let _ = write!(out, "{}", e.time);
        if let Some(until) = e.until {
            let _ = write!(out, " → {until}");
        }
        out.push_str(" | ");
        out.push_str(&super::kind_word(kind_str(e)));
        if let Some(level) = level(e) {
            let _ = write!(out, " ({level})");
        }
        out.push_str(" | ");
        out.push_str(&super::md_cell(super::md_code(super::inert::visible(&e.subject).into_owned())));
        out.push_str(" | ");
        super::push_md_cell_text(&mut out, &super::inert::visible(&e.text));
        if let Some(n) = count(e) {
            let _ = write!(out, " ×{n}");
        }
        out.push_str(" | ");
        let loc = match line(e) {
            Some(l) => format!("{}:{l}", e.source),
            None => e.source.clone(),
        };
        out.push_str(&super::md_cell(super::md_code(super::inert::visible(&loc).into_owned())));
        out.push_str(" | ");
        for (i, id) in e.findings.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "[{id}](#{id})");
        }
        out.push_str(" |\n");
    }
    // The template puts the rows on a line of their own.
    out.pop();
    out
}
