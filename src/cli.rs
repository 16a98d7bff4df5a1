//! Command line: `podmortem analyze | rules | explain | completions | man`.

mod manual;

use crate::analyze::{self, Options};
use crate::ingest::layout::Layout;
use crate::ingest::{Input, archive};
use crate::model::ContainerKey;
use crate::model::time::Time;
use crate::render::{self, Format};
use crate::report::{Report, Severity};
use crate::rules::Catalog;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Analysis done; nothing at or above `--fail-on`.
    pub const OK: i32 = 0;
    /// Findings at or above `--fail-on`.
    pub const FINDINGS: i32 = 1;
    /// Usage error, or no readable input at all (`--batch`: no bundle in DIR).
    pub const USAGE: i32 = 2;
    /// `--batch`: every line was written, and at least one is an error line.
    pub const BUNDLE_FAILED: i32 = 3;
}

const AFTER_HELP: &str = "\
Exit codes:
  0  analysis done, nothing at or above --fail-on (default: never); with --batch, no bundle failed
  1  findings at or above --fail-on (with --batch: in any bundle's report)
  2  usage error, or no readable input at all (with --batch: DIR unreadable or holding no bundle)
  3  with --batch: every line was written, but some bundle failed (its line is an error line);
     1 wins over 3 when both hold

Examples:
  podmortem analyze support-bundle-2025-08-09T21_08_25/
  podmortem analyze support-bundle.tar.gz must-gather.tar.xz ci-logs/
  kubectl get pods,events -A -o json | podmortem analyze -
  kubectl describe pod api-7c9d-xk2lp > describe.txt && podmortem analyze describe.txt
  podmortem analyze pods.json --logs-for checkout/api-7c9d-xk2lp/api:previous=api.log api.log
  podmortem analyze bundle/ --format html -o incident.html
  podmortem analyze bundle/ --format json --fail-on critical
  podmortem analyze --batch bundles/ -o reports.jsonl      one JSON line per bundle in bundles/
  podmortem explain oom-killed";

#[derive(Parser, Debug)]
#[command(
    name = "podmortem",
    version,
    about = "Offline postmortem analyzer for exported Kubernetes cluster state",
    long_about = "podmortem reads what was saved during or after an incident — kubectl get -o json|yaml \
output, event dumps, troubleshoot.sh support bundles — with no cluster and no network, finds \
crash-looping containers and proves why, with the evidence (file and line) and the next command.",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse exported cluster state and report crash loops and their causes.
    #[command(after_help = AFTER_HELP)]
    Analyze(AnalyzeArgs),
    /// List every rule (id, cause, one line); check a rule pack; show a rule's YAML.
    #[command(after_help = RULES_HELP)]
    Rules(RulesArgs),
    /// Print a cause's or rule's documentation: what it detects, why it matters, evidence, fix.
    Explain {
        /// A cause id (`oom-killed`) or rule id.
        cause: String,
        /// Also know the rules of these rule packs.
        #[arg(long = "rules", value_name = "FILE|DIR")]
        packs: Vec<PathBuf>,
    },
    /// Print a shell completion script for podmortem on standard output.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print podmortem's manual page (roff, section 1) on standard output: every command and option.
    #[command(after_help = MAN_HELP)]
    Man,
}

const COMPLETIONS_HELP: &str = "\
Install:
  bash  podmortem completions bash > ~/.local/share/bash-completion/completions/podmortem
  zsh   podmortem completions zsh > ~/.zfunc/_podmortem   (with fpath+=(~/.zfunc) before compinit in ~/.zshrc)
  fish  podmortem completions fish > ~/.config/fish/completions/podmortem.fish";

const MAN_HELP: &str = "\
Install:
  podmortem man > ~/.local/share/man/man1/podmortem.1       (or /usr/local/share/man/man1/)
  podmortem man | man -l -                                  read it without installing";

const RULES_HELP: &str = "\
Examples:
  podmortem rules                              list every built-in rule
  podmortem rules --show dns-loop              print a signature rule's YAML (a model for your own)
  podmortem rules --check my-rules.yaml        validate a rule pack: file:line:column of every problem
  podmortem rules --rules my-rules/            list the built-in rules and the pack's
  podmortem analyze bundle/ --rules my-rules/  analyse with the pack's rules too";

#[derive(clap::Args, Debug)]
struct RulesArgs {
    /// Validate these rule packs (files or directories) and exit: 0 when valid, 2 otherwise.
    #[arg(long, value_name = "FILE|DIR", num_args = 1..)]
    check: Vec<PathBuf>,
    /// Print the YAML of this signature rule (built-in, or from --rules).
    #[arg(long, value_name = "ID", conflicts_with = "check")]
    show: Option<String>,
    /// Include the rules of these rule packs (repeatable).
    #[arg(long = "rules", value_name = "FILE|DIR")]
    packs: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct AnalyzeArgs {
    /// Files, directories or archives to read (support bundles, cluster-info dumps, must-gathers, kubectl
    /// get/describe/logs outputs, CI logs; .tar, .tar.gz, .tar.xz, .zip, .gz), or - for standard input.
    #[arg(required_unless_present = "batch", value_name = "PATH")]
    paths: Vec<String>,
    /// Analyse every bundle in DIR on its own, in parallel, and write one JSON line per bundle.
    ///
    /// Each entry directly in DIR (a directory, an archive, a JSON or YAML file; hidden ones skipped) is one
    /// bundle. The lines (JSON Lines) come in name order: {"bundle": PATH, "report": REPORT}, REPORT being what
    /// --format json prints for that bundle alone, or {"bundle": PATH, "error": {"code": ..., "message": ...}}
    /// for a bundle that failed; the run goes on. Exit code 3 when some bundle failed (see below).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["paths", "logs_for"])]
    batch: Option<PathBuf>,
    /// Output format [default: text; with --batch, json (as JSON Lines) is the only one].
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,
    /// Write the report (with --batch, the lines) to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only report on this namespace (repeatable).
    #[arg(long = "namespace", short = 'n', value_name = "NS")]
    namespaces: Vec<String>,
    /// Exit 1 when a finding has this severity or worse.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    fail_on: FailOn,
    /// Take this as the snapshot time (RFC 3339, e.g. 2025-08-10T02:08:25Z) instead of the time found in the data.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    now: Option<Time>,
    /// Read every input as this layout instead of recognising it.
    #[arg(long, value_enum, value_name = "LAYOUT")]
    layout: Option<Layout>,
    /// Attribute a loose log file to a container: NS/POD/CONTAINER=FILE, or NS/POD/CONTAINER:previous=FILE
    /// for the crashed instance's log (`kubectl logs -p`). Repeatable. Files named
    /// <pod>_<container>[_previous].log or <ns>_<pod>_<container>[_previous].log need no flag.
    #[arg(long = "logs-for", value_name = "NS/POD/CONTAINER=FILE", value_parser = parse_logs_for)]
    logs_for: Vec<(PathBuf, ContainerKey, bool)>,
    /// Stop reading an archive after this many decompressed bytes (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, default_value = "64G")]
    max_archive_bytes: u64,
    /// Cut any single archive entry after this many decompressed bytes (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, default_value = "8G")]
    max_entry_bytes: u64,
    /// Stop reading an archive after this many entries.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_entries: u64,
    /// Cut a gzip/xz stream or zip entry that, past its first GiB, has expanded more than N times its
    /// compressed size (a decompression bomb; real bundles compress 10-20x). 0 turns the bound off.
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_ratio: u64,
    /// No progress bar (it shows on a terminal for runs over a second).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print the time spent in each phase (ingest, logs, rules, report, redact, render, write) and the peak memory so far on standard error.
    #[arg(long)]
    timings: bool,
    /// Load a rule pack: a YAML rule file or a directory of them (repeatable). See `podmortem rules --help`.
    #[arg(long = "rules", value_name = "FILE|DIR")]
    packs: Vec<PathBuf>,
    /// Show secret values in the report. By default every format is redacted: passwords, tokens, keys and
    /// URL credentials found in quoted logs, messages and specs become [REDACTED], because reports are shared.
    #[arg(long)]
    no_redact: bool,
}

fn parse_logs_for(text: &str) -> Result<(PathBuf, ContainerKey, bool), String> {
    let usage = || format!("'{text}' is not NS/POD/CONTAINER=FILE (or NS/POD/CONTAINER:previous=FILE)");
    let (target, file) = text.split_once('=').ok_or_else(usage)?;
    let (target, previous) = match target.strip_suffix(":previous") {
        Some(t) => (t, true),
        None => (target, false),
    };
    let parts: Vec<&str> = target.split('/').collect();
    let [namespace, pod, container] = parts.as_slice() else { return Err(usage()) };
    if [namespace, pod, container].iter().any(|p| p.is_empty()) || file.is_empty() {
        return Err(usage());
    }
    let key = ContainerKey { namespace: namespace.to_string(), pod: pod.to_string(), container: container.to_string() };
    Ok((PathBuf::from(file), key, previous))
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, factor) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => {
            let factor = match t[at..].to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
                "" => 1u64,
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                "T" => 1 << 40,
                _ => return Err(format!("'{text}' is not a size such as 512M or 64G")),
            };
            (&t[..at], factor)
        }
        None => (t, 1),
    };
    let n: u64 = number.trim().parse().map_err(|_| format!("'{text}' is not a size such as 512M or 64G"))?;
    n.checked_mul(factor).ok_or_else(|| format!("'{text}' is too large"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Critical,
    Warning,
    Never,
}

fn parse_time(text: &str) -> Result<Time, String> {
    Time::parse(text).ok_or_else(|| format!("'{text}' is not an RFC 3339 time such as 2025-08-10T02:08:25Z"))
}

/// The command line definition, for completions, the manual page and tests.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Analyze(args) => run_analyze(args),
        Command::Rules(args) => run_rules(args),
        Command::Explain { cause, packs } => run_explain(&cause, &packs),
        Command::Completions { shell } => print_generated(&manual::completions(command(), shell)),
        Command::Man => print_generated(&manual::man_page(command())),
    }
}

fn print_generated(bytes: &[u8]) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("podmortem: error: cannot write to standard output: {e}");
            exit::USAGE
        }
    }
}

fn run_analyze(args: AnalyzeArgs) -> i32 {
    if let Some(dir) = args.batch.clone() {
        return run_batch(&dir, args);
    }
    let format = args.format.unwrap_or(Format::Text);
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    if inputs.iter().filter(|i| matches!(i, Input::Stdin)).count() > 1 {
        eprintln!("podmortem: error: standard input (-) can be given only once");
        return exit::USAGE;
    }
    for (file, _, _) in &args.logs_for {
        if !args.paths.iter().any(|p| std::path::Path::new(p) == file) {
            eprintln!("podmortem: error: --logs-for names {}, which is not one of the inputs", file.display());
            eprintln!("hint: give the log file as an input too: podmortem analyze BUNDLE {}", file.display());
            return exit::USAGE;
        }
    }
    let options = analysis_options(&args);
    let Some(catalog) = load_catalog(&args.packs) else { return exit::USAGE };
    let mut timings = crate::timings::Timings::default();
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(crate::progress::Bar::start);
    let report = match analyze::analyze_timed(&inputs, &options, &catalog, &mut timings) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("podmortem: error: {e}");
            eprintln!(
                "hint: give a support bundle directory, a kubectl -o json|yaml file, or - to read standard input"
            );
            return exit::USAGE;
        }
    };
    if report.inputs.iter().all(|i| i.files_read == 0) {
        eprintln!(
            "podmortem: error: no readable input: no Kubernetes export or log was found in {}",
            args.paths.join(", ")
        );
        // The warnings say why (a corrupt archive, an unreadable directory).
        for w in report.warnings.iter().take(5) {
            eprintln!("  {}: {}", w.source, w.message);
        }
        eprintln!(
            "hint: give a support bundle directory or archive, a kubectl -o json|yaml file, or - to read standard input"
        );
        return exit::USAGE;
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = format == Format::Text && to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    crate::progress::phase(crate::progress::Phase::Rendering);
    let rendered = match render::render(&report, format, color) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("podmortem: error: {e}");
            return exit::USAGE;
        }
    };
    timings.mark("render");
    let written = match &args.output {
        Some(path) => std::fs::write(path, rendered.as_bytes())
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(rendered.as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    timings.mark("write");
    drop(bar);
    if args.timings {
        eprint!("{}", timings.render());
    }
    if let Err(message) = written {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        if !message.contains("Broken pipe") {
            eprintln!("podmortem: error: {message}");
            if let Some(path) = &args.output {
                eprintln!("hint: {}", output_hint(path));
            }
            return exit::USAGE;
        }
    }
    exit_code(&report, args.fail_on)
}

/// What to do when the report cannot be written to `-o path`.
fn output_hint(path: &std::path::Path) -> String {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if path.is_dir() {
        format!("-o takes a file name, such as {}", path.join("report.html").display())
    } else if let Some(dir) = parent.filter(|p| !p.is_dir()) {
        format!("the directory {} does not exist: create it, or give -o a file in an existing directory", dir.display())
    } else {
        "check that the file and its directory are writable, or leave out -o to print the report".to_string()
    }
}

fn exit_code(report: &Report, fail_on: FailOn) -> i32 {
    let worst = report.findings.iter().map(|f| f.severity).min();
    if trips(worst, fail_on) { exit::FINDINGS } else { exit::OK }
}

/// Whether the most severe finding is at or above `--fail-on`.
fn trips(worst: Option<Severity>, fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Never => return false,
        FailOn::Critical => Severity::Critical,
        FailOn::Warning => Severity::Warning,
    };
    worst.is_some_and(|w| w <= threshold)
}

fn analysis_options(args: &AnalyzeArgs) -> Options {
    let limits = archive::Limits {
        max_total_bytes: args.max_archive_bytes,
        max_entry_bytes: args.max_entry_bytes,
        max_entries: args.max_entries,
        max_ratio: args.max_ratio,
        ..archive::Limits::default()
    };
    Options {
        namespaces: args.namespaces.clone(),
        now: args.now,
        layout: args.layout,
        logs_for: args.logs_for.clone(),
        limits,
        no_redact: args.no_redact,
    }
}

/// `analyze --batch DIR`: one JSON line per bundle (src/batch.rs).
fn run_batch(dir: &Path, args: AnalyzeArgs) -> i32 {
    if let Some(format) = args.format.filter(|f| *f != Format::Json) {
        let name = format.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
        eprintln!(
            "podmortem: error: --batch writes JSON Lines (one JSON report per bundle); --format {name} cannot be used with it"
        );
        eprintln!("hint: drop --format, or analyse one bundle at a time: podmortem analyze BUNDLE --format {name}");
        return exit::USAGE;
    }
    let Some(bundles) = batch_bundles(dir, args.output.as_deref()) else { return exit::USAGE };
    let Some(catalog) = load_catalog(&args.packs) else { return exit::USAGE };
    let options = analysis_options(&args);
    let (mut sink, target): (Box<dyn Write>, String) = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => (Box::new(std::io::BufWriter::new(file)), path.display().to_string()),
            Err(e) => {
                eprintln!("podmortem: error: cannot create {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        None => (Box::new(std::io::stdout().lock()), "standard output".to_string()),
    };
    let mut timings = crate::timings::Timings::default();
    let bar = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| crate::progress::Bar::start_batch(bundles.len() as u64));
    let analyse = move |path: &Path| crate::batch::analyse_bundle(path, &options, &catalog);
    // Each line is flushed as it is written: a job runner reading the
    // pipe gets each bundle's line as soon as it is its turn.
    let emit =
        |line: &str| sink.write_all(line.as_bytes()).and_then(|_| sink.write_all(b"\n")).and_then(|_| sink.flush());
    let result = crate::batch::run(&bundles, 0, analyse, emit);
    drop(bar);
    timings.mark("batch");
    if args.timings {
        eprint!("{}", timings.render());
    }
    let summary = match result {
        Ok(summary) => summary,
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return exit::OK,
        Err(e) => {
            eprintln!("podmortem: error: cannot write the lines to {target}: {e}");
            return exit::USAGE;
        }
    };
    if summary.failed > 0 {
        eprintln!(
            "podmortem: {} of {} bundle(s) failed; their lines carry the error (\"error\" instead of \"report\")",
            summary.failed, summary.bundles
        );
    }
    if trips(summary.worst, args.fail_on) {
        exit::FINDINGS
    } else if summary.failed > 0 {
        exit::BUNDLE_FAILED
    } else {
        exit::OK
    }
}

/// The bundles of `--batch DIR`, or None after saying why there are none.
fn batch_bundles(dir: &Path, output: Option<&Path>) -> Option<Vec<PathBuf>> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            eprintln!("podmortem: error: --batch {shown}: not a directory");
            eprintln!("hint: --batch takes a directory of bundles; to analyse one bundle: podmortem analyze {shown}");
            return None;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("podmortem: error: --batch {shown}: no such directory");
            return None;
        }
        Err(e) => {
            eprintln!("podmortem: error: --batch {shown}: cannot read: {e}");
            return None;
        }
    }
    let mut bundles = match crate::batch::bundles(dir) {
        Ok(bundles) => bundles,
        Err(e) => {
            eprintln!("podmortem: error: --batch {shown}: cannot list the directory: {e}");
            return None;
        }
    };
    // A previous run's output left in DIR is not a bundle, and reading it
    // while it is rewritten would make a line out of half a file.
    if let Some(output) = output.and_then(|o| std::fs::canonicalize(o).ok()) {
        bundles.retain(|b| {
            let same = std::fs::canonicalize(b).is_ok_and(|b| b == output);
            if same {
                eprintln!("podmortem: note: skipping {}: it is the output file", b.display());
            }
            !same
        });
    }
    if bundles.is_empty() {
        eprintln!("podmortem: error: --batch {shown}: no bundle in the directory (hidden entries are skipped)");
        eprintln!(
            "hint: put each bundle (a directory, an archive, a JSON or YAML file) directly in {shown}; no line was written"
        );
        return None;
    }
    Some(bundles)
}

/// The built-in rules plus the packs; on errors, prints them all and says how to fix.
fn load_catalog(packs: &[PathBuf]) -> Option<Catalog> {
    match Catalog::with_packs(packs) {
        Ok(catalog) => Some(catalog),
        Err(errors) => {
            for e in &errors {
                eprintln!("podmortem: error: {e}");
            }
            eprintln!(
                "hint: {} problem(s) in the rule pack; `podmortem rules --check FILE` validates it, `podmortem rules --show dns-loop` shows a complete rule",
                errors.len()
            );
            None
        }
    }
}

fn run_rules(args: RulesArgs) -> i32 {
    if !args.check.is_empty() {
        return match Catalog::with_packs(&args.check) {
            Ok(catalog) => {
                let custom: Vec<_> = catalog
                    .rules
                    .iter()
                    .map(|r| r.info())
                    .filter(|i| i.origin == crate::rules::RuleOrigin::Custom)
                    .collect();
                for info in &custom {
                    println!("ok  {:<32} {}", info.id, info.cause);
                }
                println!("{} rule(s) valid", custom.len());
                exit::OK
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                eprintln!("{} problem(s) found", errors.len());
                exit::USAGE
            }
        };
    }
    let Some(catalog) = load_catalog(&args.packs) else { return exit::USAGE };
    if let Some(id) = &args.show {
        return match catalog.source_of(id) {
            Some(text) => {
                print!("{}", if text.ends_with('\n') { text.to_string() } else { format!("{text}\n") });
                exit::OK
            }
            None if catalog.find(id).is_some() => {
                eprintln!("podmortem: error: `{id}` is a rule written in Rust, not a signature rule: it has no YAML");
                eprintln!("hint: `podmortem explain {id}` prints its documentation");
                exit::USAGE
            }
            None => {
                eprintln!("podmortem: error: no rule named '{id}'");
                eprintln!("hint: `podmortem rules` lists every rule");
                exit::USAGE
            }
        };
    }
    let detector = crate::rules::detector_info();
    let mut infos: Vec<_> = catalog.rules.iter().map(|r| r.info()).collect();
    infos.sort_by(|a, b| a.id.cmp(&b.id));
    let id_width = infos.iter().map(|i| i.id.len()).chain([detector.id.len(), 4]).max().unwrap_or(4) + 2;
    let cause_width = infos.iter().map(|i| i.cause.len()).chain([9]).max().unwrap_or(9) + 2;
    let kind = |origin: crate::rules::RuleOrigin| match origin {
        crate::rules::RuleOrigin::Builtin => "rust",
        crate::rules::RuleOrigin::BuiltinSignature => "signature",
        crate::rules::RuleOrigin::Custom => "pack",
    };
    let mut out = String::new();
    out.push_str(&format!("{:<id_width$}{:<cause_width$}{:<11}{}\n", "RULE", "CAUSE", "KIND", "SUMMARY"));
    out.push_str(&format!(
        "{:<id_width$}{:<cause_width$}{:<11}{}\n",
        detector.id, "(symptom)", "rust", detector.summary
    ));
    for info in infos {
        out.push_str(&format!(
            "{:<id_width$}{:<cause_width$}{:<11}{}\n",
            info.id,
            info.cause,
            kind(info.origin),
            info.summary
        ));
    }
    out.push_str(
        "\n`podmortem explain ID` documents a rule; `podmortem rules --show ID` prints a signature rule's YAML.\n",
    );
    print!("{out}");
    exit::OK
}

fn run_explain(name: &str, packs: &[PathBuf]) -> i32 {
    let Some(catalog) = load_catalog(packs) else { return exit::USAGE };
    let detector = crate::rules::detector_info();
    let info = if name == detector.id {
        detector
    } else {
        match catalog.find(name) {
            Some(rule) => rule.info().clone(),
            None => {
                let mut known: Vec<_> = catalog.rules.iter().map(|r| r.info().cause.clone()).collect();
                known.sort();
                known.dedup();
                eprintln!("podmortem: error: no rule or cause named '{name}'");
                eprintln!("known causes: {}", known.join(", "));
                eprintln!("hint: `podmortem rules` lists every rule");
                return exit::USAGE;
            }
        }
    };
    println!(
        "# {} (cause: {})\n\n{}\n\n{}",
        info.id,
        if info.cause.is_empty() { "-" } else { &info.cause },
        info.summary,
        info.doc
    );
    exit::OK
}
