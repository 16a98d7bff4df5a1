//! Render: the report as terminal text, Markdown, HTML or JSON.
//!
//! Markdown and HTML come from the minijinja templates in `templates/`
//! (embedded at build time, so the binary is self-contained); the wording of
//! those reports lives there, not in Rust. JSON is the serde form of
//! `report::Report`, the machine contract.

pub mod text;

use crate::report::Report;
use minijinja::{AutoEscape, Environment};

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
            Ok(out)
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
    // Templates are compile-time constants; a broken one fails every test.
    let _ = env.add_template("report.md", MARKDOWN);
    let _ = env.add_template("report.html", HTML);
    env.add_filter("md_cell", md_cell);
    env.add_filter("md_code", md_code);
    env.add_filter("duration", duration);
    env
}

fn template(report: &Report, name: &str, format: &'static str) -> Result<String, RenderError> {
    let env = environment();
    let template = env.get_template(name).map_err(|e| RenderError::Template { format, message: e.to_string() })?;
    let value = minijinja::Value::from_serialize(report);
    template
        .render(minijinja::context! { report => value, style => HTML_STYLE })
        .map_err(|e| RenderError::Template { format, message: format!("{e:#}") })
}

/// Text safe inside a Markdown table cell: pipes escaped, newlines folded.
fn md_cell(value: String) -> String {
    value.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code that survives backticks in the text (CommonMark: a longer fence).
fn md_code(value: String) -> String {
    let value = value.replace(['\n', '\r'], " ");
    let longest = value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if value.starts_with('`') || value.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{value}{pad}{fence}")
}

/// Seconds → `5m0s` style.
fn duration(seconds: i64) -> String {
    crate::model::time::human_duration(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_helpers_escape() {
        assert_eq!(md_cell("a|b\nc".into()), "a\\|b c");
        assert_eq!(md_code("x".into()), "`x`");
        assert_eq!(md_code("a `b` c".into()), "``a `b` c``");
    }
}
