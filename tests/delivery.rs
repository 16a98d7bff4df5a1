//! Shell completions and the manual page, generated from the clap
//! definition (`podmortem::cli::command()`): every command and every option
//! of `analyze` is in each, and each is valid for the program that reads it.

use assert_cmd::Command;
use predicates::prelude::*;

fn podmortem() -> Command {
    Command::cargo_bin("podmortem").expect("binary builds")
}

fn stdout_of(args: &[&str]) -> String {
    let out = podmortem().args(args).output().expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The visible commands, from the definition itself.
fn commands() -> Vec<String> {
    let command = podmortem::cli::command();
    let names: Vec<String> =
        command.get_subcommands().filter(|c| !c.is_hide_set()).map(|c| c.get_name().to_string()).collect();
    assert!(names.len() >= 5, "{names:?}");
    names
}

/// Every long flag of `analyze`, from the definition itself.
fn analyze_flags() -> Vec<String> {
    let command = podmortem::cli::command();
    let analyze = command.find_subcommand("analyze").expect("an analyze command");
    let flags: Vec<String> =
        analyze.get_arguments().filter(|a| !a.is_hide_set()).filter_map(|a| a.get_long()).map(String::from).collect();
    assert!(flags.iter().any(|f| f == "batch") && flags.len() >= 10, "{flags:?}");
    flags
}

#[test]
fn every_command_and_analyze_flag_is_in_each_completion_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for command in commands() {
            assert!(script.contains(&command), "{shell}: no command {command}");
        }
        for flag in analyze_flags() {
            // fish spells a long option `-l NAME`.
            let spelled = if shell == "fish" { format!("-l {flag}") } else { format!("--{flag}") };
            assert!(script.contains(&spelled), "{shell}: no {spelled}");
        }
    }
}

#[test]
fn bash_accepts_the_bash_script_and_completes_with_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("podmortem.bash");
    std::fs::write(&path, stdout_of(&["completions", "bash"])).expect("write");
    let checked = std::process::Command::new("bash").arg("-n").arg(&path).output().expect("bash runs");
    assert!(checked.status.success(), "bash -n: {}", String::from_utf8_lossy(&checked.stderr));
    // What bash does on `podmortem analyze --ba<TAB>` and `podmortem <TAB>`.
    let complete = |words: &str, current: &str, previous: &str| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _podmortem podmortem '{current}' '{previous}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = std::process::Command::new("bash").arg("-c").arg(program).output().expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(complete("podmortem analyze --ba", "--ba", "analyze"), ["--batch"]);
    let top = complete("podmortem ''", "", "podmortem");
    for command in commands() {
        assert!(top.contains(&command), "`podmortem <TAB>` does not offer {command}: {top:?}");
    }
}

#[test]
fn zsh_and_fish_accept_their_scripts_where_installed() {
    for (shell, check) in [("zsh", ["-n"].as_slice()), ("fish", ["--no-execute"].as_slice())] {
        let Ok(version) = std::process::Command::new(shell).arg("--version").output() else {
            eprintln!("{shell} is not installed: its script is only checked for content");
            continue;
        };
        assert!(version.status.success());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("podmortem.{shell}"));
        std::fs::write(&path, stdout_of(&["completions", shell])).expect("write");
        let out = std::process::Command::new(shell).args(check).arg(&path).output().expect("runs");
        assert!(out.status.success(), "{shell} {check:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_listing_the_shells() {
    podmortem()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("invalid value 'tcsh'"))
        .stderr(predicate::str::contains("bash").and(predicate::str::contains("fish")));
    podmortem().arg("completions").assert().code(2).stderr(predicate::str::contains("<SHELL>"));
}

/// How roff writes `--max-entries`: dashes escaped.
fn roff(flag: &str) -> String {
    format!("\\-\\-{}", flag.replace('-', "\\-"))
}

#[test]
fn the_manual_page_has_the_sections_every_command_and_every_analyze_option() {
    let page = stdout_of(&["man"]);
    assert!(page.lines().any(|l| l.starts_with(".TH podmortem 1 ")), "no title line");
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "\"EXIT STATUS AND EXAMPLES\""] {
        assert!(page.lines().any(|l| l == format!(".SH {section}")), "no {section} section");
    }
    for command in commands() {
        let heading = format!(".SH \"PODMORTEM {}\"", command.to_uppercase());
        assert!(page.lines().any(|l| l == heading), "no section for {command}");
    }
    let analyze = &page[page.find(".SH \"PODMORTEM ANALYZE\"").expect("analyze section")..];
    let analyze = &analyze[..analyze.find(".SH \"PODMORTEM RULES\"").expect("the next section")];
    assert!(analyze.contains(".SS SYNOPSIS") && analyze.contains(".SS OPTIONS"));
    for flag in analyze_flags() {
        assert!(analyze.contains(&format!("\\fB{}\\fR", roff(&flag))), "analyze's section lacks --{flag}");
    }
    assert!(page.contains("podmortem analyze \\-\\-batch bundles/"), "the examples are in the page");
}

#[test]
fn man_renders_the_page_without_a_warning_where_installed() {
    if std::process::Command::new("man").arg("--version").output().is_err() {
        eprintln!("man is not installed: the page is only checked for its roff");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("podmortem.1");
    std::fs::write(&path, stdout_of(&["man"])).expect("write");
    let out = std::process::Command::new("man")
        .env("MANWIDTH", "200")
        .args(["--warnings", "-P", "cat", "-l"])
        .arg(&path)
        .output()
        .expect("man runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l: {stderr}");
    assert!(!stderr.contains("warning"), "groff warns about the page: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in analyze_flags() {
        assert!(text.contains(&format!("--{flag}")), "the rendered page lacks --{flag}");
    }
    assert!(text.contains("PODMORTEM ANALYZE") && text.contains("EXIT STATUS AND EXAMPLES"));
}
