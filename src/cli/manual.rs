//! `podmortem completions SHELL` and `podmortem man`: generated from the
//! clap definition at run time, so they always describe the binary that
//! prints them.

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// The completion script for `shell`.
pub fn completions(mut command: clap::Command, shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    // Into memory, then written by the caller: clap_complete panics when its
    // writer fails (`podmortem completions bash | head`).
    clap_complete::generate(shell, &mut command, "podmortem", &mut out);
    out
}

/// One manual page for podmortem and every command.
///
/// One page rather than git's page per command: podmortem has a handful of
/// commands, one file is all an air-gapped host needs to install
/// (`podmortem man > .../man1/podmortem.1`), and `/--batch` finds a flag
/// whatever command it belongs to. clap_mangen renders the parts (synopsis,
/// options with values, defaults and choices); each command's parts are
/// demoted to subsections of a section named after it.
pub fn man_page(mut command: clap::Command) -> Vec<u8> {
    command = command.disable_help_subcommand(true);
    // Sets each command's bin name (`podmortem analyze`) for its synopsis.
    command.build();
    let top = Man::new(command.clone());
    let mut page = String::new();
    page.push_str(&part(|w| top.render_title(w), false));
    page.push_str(&part(|w| top.render_name_section(w), false));
    page.push_str(&part(|w| top.render_synopsis_section(w), false));
    page.push_str(&part(|w| top.render_description_section(w), false));
    page.push_str(&part(|w| top.render_options_section(w), false));

    let commands: Vec<&clap::Command> = command.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    let mut list = Roff::new();
    list.control("SH", ["COMMANDS"]);
    list.text([roman("Each command is described in its own section below.")]);
    for sub in &commands {
        list.control("TP", []);
        list.text([bold(format!("podmortem {}", sub.get_name()))]);
        list.text([roman(about(sub))]);
    }
    page.push_str(&render(&list));

    let top_after = command.get_after_help().map(|h| h.to_string());
    for sub in &commands {
        let man = Man::new((*sub).clone());
        let mut head = Roff::new();
        head.control("SH", [format!("PODMORTEM {}", sub.get_name().to_uppercase()).as_str()]);
        paragraphs(&mut head, &sub.get_long_about().or_else(|| sub.get_about()).map(|a| a.to_string()));
        page.push_str(&render(&head));
        page.push_str(&part(|w| man.render_synopsis_section(w), true));
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            page.push_str(&part(|w| man.render_options_section(w), true));
        }
        let after = sub.get_after_help().map(|h| h.to_string());
        if after.is_some() && after != top_after {
            page.push_str(&render(&preformatted("NOTES", after.as_deref().unwrap_or_default(), true)));
        }
    }

    if let Some(after) = &top_after {
        page.push_str(&render(&preformatted("EXIT STATUS AND EXAMPLES", after, false)));
    }
    page.push_str(&part(|w| top.render_version_section(w), false));
    format!("{PREAMBLE}{page}").into_bytes()
}

/// Defines the apostrophe string that roff text uses; every Roff render
/// starts with it, and the page needs it once.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// A part rendered by clap_mangen, without its preamble; with `demote`, its
/// sections become subsections of the current command's section.
fn part(render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>, demote: bool) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = render(&mut out);
    let text = String::from_utf8_lossy(&out);
    let text = text.strip_prefix(PREAMBLE).unwrap_or(&text);
    if !demote {
        return text.to_string();
    }
    // roff escapes a text line that starts with a dot, so a line starting
    // with `.SH ` is always the macro.
    text.lines()
        .map(|line| match line.strip_prefix(".SH ") {
            Some(rest) => format!(".SS {rest}\n"),
            None => format!("{line}\n"),
        })
        .collect()
}

fn render(roff: &Roff) -> String {
    let text = roff.render();
    text.strip_prefix(PREAMBLE).unwrap_or(&text).to_string()
}

fn about(command: &clap::Command) -> String {
    command.get_about().or_else(|| command.get_long_about()).map(|a| a.to_string()).unwrap_or_default()
}

fn paragraphs(roff: &mut Roff, text: &Option<String>) {
    for line in text.iter().flat_map(|t| t.lines()) {
        if line.trim().is_empty() {
            roff.control("PP", []);
        } else {
            roff.text([roman(line)]);
        }
    }
}

/// Help text laid out in columns (exit codes, examples), kept as written.
fn preformatted(heading: &str, text: &str, subsection: bool) -> Roff {
    let mut roff = Roff::new();
    roff.control(if subsection { "SS" } else { "SH" }, [heading]);
    roff.control("nf", []);
    for line in text.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff
}
