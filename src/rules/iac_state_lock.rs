//! ## What it detects
//! A Terraform, Terragrunt or OpenTofu run in a pipeline log that failed
//! because the state lock was held: `Error: Error acquiring the state lock`
//! (Terraform ≥0.15, inside the `│` box or without it under `-no-color`),
//! `Error: Error locking state: Error acquiring the state lock: …`
//! (≤0.14), and `Error loading state: …` when `init` finds the lock taken.
//! The finding names what the log printed under `Lock Info:` — who holds the
//! lock, since when, for which operation, its ID and state path — and the
//! backend it recognises from the error text: S3 + DynamoDB
//! (`ConditionalCheckFailedException`), S3 native lockfile (Terraform ≥1.10,
//! `PreconditionFailed` / `StatusCode: 412`), GCS (`googleapi: Error 412`,
//! `conditionNotMet`) and Azure blob (`state blob is already locked`).
//! When the failure time and the lock's `Created` time are both in the log,
//! it says how old the lock was when the pipeline failed.
//!
//! Log prefixes are removed first, whatever stacks them: ANSI colours, CI
//! timestamps (GitHub Actions, GitLab, Jenkins), Terragrunt's log prefixes
//! (`[terragrunt]`, `[/module/path]`, `time=… level=… msg=…`,
//! `12:01:02.345 STDERR [module] terraform: `, JSON), and the box drawing.
//!
//! A run that lost a race for the lock (`Error message: 2 errors occurred:`
//! with a 412 / `ConditionalCheckFailedException` and no `Lock Info:`) is
//! reported too, without a holder. A failure to take the lock for another
//! reason — `Error 403: Access denied., forbidden` on the `.tflock`, a
//! network error — is not a held lock and is not this cause.
//!
//! ## Why it matters
//! Terraform refuses to plan or apply while another run holds the lock, so
//! the deploy stops before touching anything. The lock is often stale: a run
//! that was cancelled, killed or lost its connection never released it
//! (terragrunt#371: "if you lost connectivity during some previous
//! `apply`"), and every later pipeline fails the same way until someone
//! unlocks it. But a lock can also belong to an apply that is still running,
//! and unlocking that one lets two applies write the state at once.
//!
//! ## Evidence
//! - the `Error: … state lock` line and the `Error message:` text (wrapped
//!   lines joined), which identify the backend;
//! - the `Lock Info:` lines `ID:`, `Who:` and `Created:`;
//! - the time of the failure, from the CI timestamp of the error line (or
//!   the Terragrunt line reporting the failed invocation right after it).
//!
//! ## Fix
//! First make sure no run still holds the lock: find the CI job or session
//! named by `Who:` and check that it has ended (for S3 + DynamoDB, the lock
//! is the item whose `LockID` is the state path; for GCS and the S3 lockfile,
//! a `.tflock` object next to the state; for Azure, a lease on the state
//! blob). Then release it from the module's directory with
//! `terraform force-unlock <ID>` (`tofu force-unlock`, `terragrunt
//! force-unlock`). Only after confirming no run holds it: force-unlock of a
//! live lock lets two applies corrupt the state. On GCS, force-unlock takes
//! the lock object's numeric generation: a UUID printed as the ID fails
//! with `strconv.ParseInt`. If force-unlock itself fails with `unexpected end
//! of JSON input`, delete the DynamoDB item by hand; `Local state cannot be
//! unlocked by another process` means it ran in the wrong directory.
//!
//! ## References
//! - https://github.com/Genaker/TerraformMagentoCloud/issues/22 (S3 + DynamoDB, TF 1.0.7, interrupted apply)
//! - https://github.com/gruntwork-io/terragrunt/issues/371 (0.x form through Terragrunt; Terragrunt does not lock)
//! - https://github.com/alphagov/govuk-infrastructure/pull/297 (0.14 form, workspace path `env:/…`)
//! - https://github.com/hashicorp/terraform/issues/32690 (race: `2 errors occurred`, no Lock Info)
//! - https://github.com/hashicorp/terraform/issues/22410 (0.12 race form `2 error(s) occurred`)
//! - https://github.com/hashicorp/terraform/issues/14513 (force-unlock fails: delete the DynamoDB item)
//! - https://github.com/hashicorp/terraform/issues/23846 (`Local state cannot be unlocked by another process`)
//! - https://github.com/gruntwork-io/terragrunt/issues/198 (run-all hides the lock error)
//! - https://github.com/hashicorp/terraform/pull/35661 (S3 native lockfile, `use_lockfile`)
//! - https://github.com/rustfs/rustfs/issues/1610 (S3 lockfile `PreconditionFailed`, StatusCode 412)
//! - https://github.com/hashicorp/terraform/issues/17592 (GCS; force-unlock needs the numeric generation)
//! - https://github.com/hashicorp/terraform/issues/16741 (GCS `Error loading state` during init)
//! - https://github.com/substratusai/runbooks/issues/36 (GCS, newer 412 wording)
//! - https://github.com/hashicorp/terraform/issues/30149 and https://github.com/opentofu/opentofu/issues/1341 (GCS race)
//! - https://github.com/runatlantis/atlantis/issues/4677 (GCS 403 on the lock: permissions, not a held lock)
//! - https://github.com/cal-itp/benefits/issues/960 (Azure `state blob is already locked`)

use super::shell::shell_word;
use crate::model::time::Time;
use crate::rules::Remediation;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// Lines after the error line that can belong to one lock error block.
const MAX_BLOCK_LINES: usize = 80;
/// Lock failures kept from one log, at most (a retry loop can print hundreds).
const MAX_FAILURES: usize = 100;
/// Message lines quoted as evidence, at most.
const MAX_QUOTED_MESSAGE_LINES: usize = 6;

/// Where the lock lives, recognised from the error text (or, for GCS and
/// Azure whose backends have one lock mechanism, from the backend the log
/// says it configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockBackend {
    S3DynamoDb,
    S3Lockfile,
    Gcs,
    AzureBlob,
    Unknown,
}

impl LockBackend {
    pub fn name(&self) -> &'static str {
        match self {
            LockBackend::S3DynamoDb => "s3+dynamodb",
            LockBackend::S3Lockfile => "s3 lockfile",
            LockBackend::Gcs => "gcs",
            LockBackend::AzureBlob => "azurerm",
            LockBackend::Unknown => "unknown",
        }
    }
}

/// The tool that ran: Terragrunt if any Terragrunt marker appears in the log
/// (it wraps Terraform or OpenTofu), else OpenTofu if the log names it
/// (`OpenTofu`, a `tofu` command or `tofu:` prefix), else Terraform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IacTool {
    Terraform,
    Terragrunt,
    OpenTofu,
}

impl IacTool {
    pub fn name(&self) -> &'static str {
        match self {
            IacTool::Terraform => "terraform",
            IacTool::Terragrunt => "terragrunt",
            IacTool::OpenTofu => "opentofu",
        }
    }
}

/// One failure to take the state lock, as the log printed it. Every field
/// is what the log says; nothing is guessed.
#[derive(Debug, Clone, PartialEq)]
pub struct LockFailure {
    /// 1-based line of the `Error: … state lock` (or `Error loading state`) line.
    pub line: u64,
    pub backend: LockBackend,
    /// The `Error message:` / error text, wrapped lines joined with one
    /// space, prefixes stripped.
    pub message: String,
    /// `Lock Info:` fields; None when absent or empty.
    pub id: Option<String>,
    pub path: Option<String>,
    pub operation: Option<String>,
    pub who: Option<String>,
    pub version: Option<String>,
    pub created: Option<String>,
    /// `Created` parsed (Go's `2006-01-02 15:04:05.999999999 -0700 MST`).
    pub created_time: Option<Time>,
    pub info: Option<String>,
    /// When the run failed: the time carried by the error line (CI
    /// timestamp, Terragrunt `time=`), else by the first line of the error
    /// block or of the three lines after it that carries one (Terragrunt
    /// logs the failed invocation right after Terraform's error).
    pub failed_at: Option<Time>,
    /// Lines to quote as evidence: the error line, the `Error message`
    /// line(s), `ID`, `Who`, `Created` (prefix-stripped text, original
    /// 1-based line numbers).
    pub quoted: Vec<(u64, String)>,
    /// The Terragrunt module directory, from the error line's prefix
    /// (`[/live/prod/vpc]`, `prefix=[…]`, `STDERR [vpc] terraform:`), else
    /// from the prefix of the Terragrunt line reporting the failure right
    /// after the error block.
    pub module: Option<String>,
    /// The DynamoDB lock table, when the log names it anywhere
    /// (`dynamodb_table = "…"`); only set for S3 + DynamoDB.
    pub lock_table: Option<String>,
    /// The error was printed by OpenTofu (its advice text or a `tofu:` prefix).
    pub opentofu: bool,
}

impl LockFailure {
    /// Whether the log printed anything about the holder (`Lock Info:`).
    pub fn has_lock_info(&self) -> bool {
        self.id.is_some() || self.who.is_some() || self.created.is_some() || self.operation.is_some()
    }
}

/// Every lock failure in a pipeline log, in log order; a failure printed
/// twice (Terragrunt repeats Terraform's stderr in its own error) is kept
/// once, at its first line.
pub fn find_lock_failures(text: &str) -> (IacTool, Vec<LockFailure>) {
    let tool = detect_tool(text);
    let lines: Vec<&str> = text.lines().collect();
    let configured = configured_backend(text);
    let mut out: Vec<LockFailure> = Vec::new();
    let mut i = 0;
    while i < lines.len() && out.len() < MAX_FAILURES {
        let raw = lines[i];
        if !(raw.contains("state lock") || raw.contains("loading state") || raw.contains("locking state")) {
            i += 1;
            continue;
        }
        let first = normalise(raw);
        let Some(trig) = trigger(&first.content) else {
            i += 1;
            continue;
        };
        let (failure, next) = parse_block(&lines, i, first, trig);
        if let Some(mut f) = failure {
            f.backend = backend_of(&f, configured);
            if f.backend == LockBackend::S3DynamoDb {
                f.lock_table = lock_table(text);
            }
            let duplicate = out.iter().any(|o| {
                o.message == f.message && o.id == f.id && o.who == f.who && o.created == f.created && o.path == f.path
            });
            if !duplicate {
                out.push(f);
            }
        }
        i = next.max(i + 1);
    }
    (tool, out)
}

// ---------------------------------------------------------------------------
// Line normalisation: colours, CI and Terragrunt prefixes, the box.

/// One log line with everything but Terraform's own text removed.
#[derive(Debug, Default)]
struct Norm {
    /// The text, box prefix removed, trailing whitespace trimmed.
    content: String,
    /// The line carried the `│` box prefix.
    boxed: bool,
    /// The line is the `╵` closing the box.
    box_end: bool,
    time: Option<Time>,
    module: Option<String>,
    tofu: bool,
}

fn normalise(raw: &str) -> Norm {
    let (clean, apc_time) = strip_ansi(last_cr_segment(raw));
    let mut norm = Norm { time: apc_time, ..Norm::default() };
    let mut cur = clean;
    for _ in 0..8 {
        let Some(layer) = strip_layer(&cur) else { break };
        norm.time = norm.time.or(layer.time);
        if norm.module.is_none() {
            norm.module = layer.module;
        }
        norm.tofu |= layer.tofu;
        cur = layer.rest;
    }
    let t = cur.trim_start();
    if let Some(r) = t.strip_prefix('│').or_else(|| t.strip_prefix("â”‚")) {
        norm.boxed = true;
        norm.content = r.strip_prefix(' ').unwrap_or(r).trim_end().to_string();
    } else if t.starts_with('╵') || t.starts_with("â•µ") {
        norm.box_end = true;
    } else if t.starts_with('╷') || t.starts_with("â•·") {
        // The box opens: nothing to read on this line.
    } else {
        norm.content = cur.trim_end().to_string();
    }
    norm
}

/// GitLab and progress output rewrite a line with `\r`: keep what a
/// terminal would show last.
fn last_cr_segment(raw: &str) -> &str {
    let raw = raw.trim_end_matches('\r');
    raw.rsplit('\r').find(|s| !s.trim().is_empty()).unwrap_or(raw)
}

/// Removes ANSI escape sequences (CSI colours, `\e[0K`, OSC/APC strings),
/// also when the escape byte was lost or replaced by U+FFFD in a paste
/// (`[31m`). Returns the time of a Buildkite APC timestamp (`\e_bk;t=ms\a`).
fn strip_ansi(s: &str) -> (String, Option<Time>) {
    if !s.contains('\u{1b}') && !s.contains('[') {
        return (s.to_string(), None);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut time = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let escape = c == '\u{1b}' || (c == '\u{fffd}' && chars.get(i + 1) == Some(&'['));
        match (escape, chars.get(i + 1)) {
            (true, Some('[')) => {
                let mut j = i + 2;
                while j < chars.len() && !('\u{40}'..='\u{7e}').contains(&chars[j]) {
                    j += 1;
                }
                i = j + 1;
            }
            (true, Some(']' | '_' | 'P' | '^')) => {
                let mut j = i + 2;
                let mut body = String::new();
                while j < chars.len()
                    && chars[j] != '\u{7}'
                    && !(chars[j] == '\u{1b}' && chars.get(j + 1) == Some(&'\\'))
                {
                    body.push(chars[j]);
                    j += 1;
                }
                if let Some(ms) = body.strip_prefix("bk;t=").and_then(|d| d.parse::<i64>().ok()) {
                    time = time.or_else(|| Utc.timestamp_millis_opt(ms).single().map(Time));
                }
                i = if chars.get(j) == Some(&'\u{1b}') { j + 2 } else { j + 1 };
            }
            (true, Some(_)) if c == '\u{1b}' => i += 2,
            (true, _) => i += 1,
            (false, _) if c == '[' => {
                // An SGR or erase-line sequence whose escape byte was lost.
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ';') {
                    j += 1;
                }
                let digits = j > i + 1;
                if digits && matches!(chars.get(j), Some('m' | 'K')) {
                    i = j + 1;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            (false, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, time)
}

struct Layer {
    rest: String,
    time: Option<Time>,
    module: Option<String>,
    tofu: bool,
}

impl Layer {
    fn rest(rest: &str) -> Layer {
        Layer { rest: rest.to_string(), time: None, module: None, tofu: false }
    }
}

/// Removes one prefix layer a CI runner or Terragrunt put before the text.
fn strip_layer(s: &str) -> Option<Layer> {
    static GITLAB_STREAM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[0-9a-f]{2}[OE]\+?(?: |$)").expect("static regex"));
    static TG_PRETTY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+(?:STDOUT|STDERR|INFO|WARN|ERROR|DEBUG|TRACE)\b\s*(?:\[([^\]]*)\]\s*)?(?:((?:\S*/)?(?:terraform|tofu)):(?: |$))?",
        )
        .expect("static regex")
    });
    static BRACKET: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\[([^\]\s]{1,300})\](?: |$)").expect("static regex"));
    static GO_DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)?(?: |$)").expect("static regex"));
    static LOGFMT_PREFIX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\s+prefix=\[([^\]]*)\]\s*$").expect("static regex"));

    if let Some(r) = s.strip_prefix("##[") {
        let (_, after) = r.split_once(']')?;
        return Some(Layer::rest(after));
    }
    if let (Some(stamp), rest) = crate::logscan::split_timestamp(s) {
        let rest = GITLAB_STREAM.find(rest).map_or(rest, |m| rest.get(m.end()..).unwrap_or(""));
        return Some(Layer { time: crate::logscan::line_time(stamp, None), ..Layer::rest(rest) });
    }
    if let Some(c) = TG_PRETTY.captures(s) {
        let end = c.get(0).map_or(0, |m| m.end());
        if end > 0 {
            let binary = c.get(2).map(|m| m.as_str());
            return Some(Layer {
                rest: s.get(end..).unwrap_or("").to_string(),
                time: None,
                module: c.get(1).map(|m| m.as_str().to_string()).filter(|m| !m.is_empty()),
                tofu: binary.is_some_and(|b| b.ends_with("tofu")),
            });
        }
    }
    if s.starts_with("time=") {
        let (head, msg) = s.split_once(" msg=")?;
        let stamp = head.strip_prefix("time=")?.split_whitespace().next().unwrap_or("").trim_matches('"');
        let module = LOGFMT_PREFIX.captures(msg).and_then(|c| c.get(1)).map(|m| m.as_str().to_string());
        let msg = LOGFMT_PREFIX.find(msg).map_or(msg, |m| msg.get(..m.start()).unwrap_or(msg));
        let msg = match msg.strip_prefix('"') {
            Some(q) => q.strip_suffix('"').unwrap_or(q).replace("\\\"", "\"").replace("\\t", "\t"),
            None => msg.to_string(),
        };
        return Some(Layer { rest: msg, time: crate::logscan::line_time(stamp, None), module, tofu: false });
    }
    if s.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(s.trim_end()).ok()?;
        let msg = value.get("msg").or_else(|| value.get("message"))?.as_str()?;
        let module = value.get("prefix").and_then(|p| p.as_str()).map(str::to_string);
        return Some(Layer { rest: msg.to_string(), time: crate::logscan::line_time(s, None), module, tofu: false });
    }
    if let Some(c) = BRACKET.captures(s) {
        let token = c.get(1).map_or("", |m| m.as_str());
        let end = c.get(0).map_or(0, |m| m.end());
        let rest = s.get(end..).unwrap_or("");
        let module = (token.contains('/') || token.starts_with('.')).then(|| token.to_string());
        return Some(Layer { time: crate::logscan::line_time(token, None), module, ..Layer::rest(rest) });
    }
    if let Some(c) = GO_DATE.captures(s) {
        let end = c.get(0).map_or(0, |m| m.end());
        let time = c
            .get(1)
            .and_then(|m| NaiveDateTime::parse_from_str(m.as_str(), "%Y/%m/%d %H:%M:%S").ok())
            .map(|n| Time(Utc.from_utc_datetime(&n)));
        return Some(Layer { time, ..Layer::rest(s.get(end..).unwrap_or("")) });
    }
    None
}

// ---------------------------------------------------------------------------
// The error block.

enum Trigger {
    /// `Error acquiring the state lock`, with the message when it is on the
    /// same line (≤0.14: `…state lock: ConditionalCheckFailedException: …`).
    Acquire(Option<String>),
    /// `Error loading state: <message>` (init).
    Loading(String),
}

fn trigger(content: &str) -> Option<Trigger> {
    let mut c = content.trim();
    while let Some(r) = c.strip_prefix("Error:") {
        c = r.trim_start();
    }
    if let Some(r) = c.strip_prefix("Error locking state:") {
        c = r.trim_start();
    }
    if let Some(r) = c.strip_prefix("Error acquiring the state lock") {
        if !(r.is_empty() || r.starts_with(':') || r.starts_with(char::is_whitespace)) {
            return None;
        }
        let rest = r.trim_start().strip_prefix(':').unwrap_or(r).trim();
        return Some(Trigger::Acquire((!rest.is_empty()).then(|| rest.to_string())));
    }
    c.strip_prefix("Error loading state:").map(|r| Trigger::Loading(r.trim().to_string()))
}

fn is_advice(c: &str) -> bool {
    c.contains("acquires a state lock to protect the state")
}

/// A `Lock Info:` line: `ID:        f976…`.
fn lock_key(c: &str) -> Option<(&'static str, &str)> {
    let (key, value) = c.split_once(':')?;
    let key = match key.trim() {
        "ID" => "ID",
        "Path" => "Path",
        "Operation" => "Operation",
        "Who" => "Who",
        "Version" => "Version",
        "Created" => "Created",
        "Info" => "Info",
        _ => return None,
    };
    Some((key, value.trim()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Message,
    AfterMessage,
    LockInfo,
    Advice,
}

/// Reads the block that starts at line `i`. Returns the failure (None when
/// it is not a held or contended lock) and the index to resume scanning at.
fn parse_block(lines: &[&str], i: usize, first: Norm, trig: Trigger) -> (Option<LockFailure>, usize) {
    let number = |k: usize| k as u64 + 1;
    let boxed = first.boxed;
    let module = first.module.clone();
    let mut quoted = vec![(number(i), first.content.trim().to_string())];
    let mut parts: Vec<String> = Vec::new();
    let mut state = State::Start;
    match trig {
        Trigger::Acquire(Some(m)) | Trigger::Loading(m) if !m.is_empty() => {
            parts.push(m);
            state = State::Message;
        }
        _ => {}
    }
    let mut f = LockFailure {
        line: number(i),
        backend: LockBackend::Unknown,
        message: String::new(),
        id: None,
        path: None,
        operation: None,
        who: None,
        version: None,
        created: None,
        created_time: None,
        info: None,
        failed_at: first.time,
        quoted: Vec::new(),
        module: module.clone(),
        lock_table: None,
        opentofu: first.tofu,
    };
    let mut block_time = None;
    let mut blanks = 0;
    let mut quoted_message = 0;
    let limit = (i + 1 + MAX_BLOCK_LINES).min(lines.len());
    let mut end = limit;
    let mut j = i + 1;
    while j < limit {
        let l = normalise(lines[j]);
        if module.is_some() && l.module.is_some() && module != l.module {
            // Another Terragrunt module's output interleaved with this one.
            j += 1;
            continue;
        }
        block_time = block_time.or(l.time);
        f.opentofu |= l.tofu;
        if l.box_end {
            end = j + 1;
            break;
        }
        if trigger(&l.content).is_some() {
            end = j;
            break;
        }
        let c = l.content.trim();
        if c.is_empty() {
            blanks += 1;
            match state {
                State::Message if !(parts.last().is_some_and(|p| p.ends_with(':')) && blanks <= 2) => {
                    state = State::AfterMessage;
                }
                State::Advice if !boxed => {
                    end = j + 1;
                    break;
                }
                _ => {}
            }
            if !boxed && blanks > 2 {
                end = j;
                break;
            }
            j += 1;
            continue;
        }
        blanks = 0;
        if let Some(r) = c.strip_prefix("Error message:") {
            state = State::Message;
            let r = r.trim();
            if !r.is_empty() {
                parts.push(r.to_string());
            }
            quoted.push((number(j), c.to_string()));
            quoted_message = 1;
        } else if c.starts_with("Lock Info:") {
            state = State::LockInfo;
        } else if is_advice(c) {
            state = State::Advice;
            f.opentofu |= c.starts_with("OpenTofu");
        } else if let Some((key, value)) = lock_key(c).filter(|(k, _)| state == State::LockInfo || *k == "ID") {
            state = State::LockInfo;
            let value = (!value.is_empty()).then(|| value.to_string());
            match key {
                "ID" => f.id = value,
                "Path" => f.path = value,
                "Operation" => f.operation = value,
                "Who" => f.who = value,
                "Version" => f.version = value,
                "Created" => f.created = value,
                _ => f.info = value,
            }
            if matches!(key, "ID" | "Who" | "Created") {
                quoted.push((number(j), c.to_string()));
            }
        } else {
            match state {
                State::Message => {
                    parts.push(c.to_string());
                    if quoted_message < MAX_QUOTED_MESSAGE_LINES {
                        quoted.push((number(j), c.to_string()));
                        quoted_message += 1;
                    }
                }
                State::Advice => {}
                _ if boxed => {}
                _ => {
                    // Unrelated output after an unboxed error.
                    end = j;
                    break;
                }
            }
        }
        j += 1;
    }

    f.message = if parts.is_empty() {
        first.content.trim().trim_start_matches("Error:").trim().to_string()
    } else {
        parts.join(" ")
    };
    f.created_time = f.created.as_deref().and_then(parse_go_time);
    // Terragrunt reports the failed invocation right after Terraform's
    // error, with its time and module: the error lines may carry neither.
    let after: Vec<Norm> = (end..(end + 3).min(lines.len())).map(|k| normalise(lines[k])).collect();
    f.failed_at = f.failed_at.or(block_time).or_else(|| after.iter().find_map(|l| l.time));
    if f.module.is_none() {
        f.module = after.iter().find_map(|l| l.module.clone());
    }
    f.quoted = quoted;

    let conflict = is_conflict(&f.message);
    (keep_failure(&f, conflict).then_some(f), end)
}

/// A held lock (the log printed `Lock Info:`) or a contended one (the error
/// says another run took it). Anything else — a 403 on the lock object, a
/// network error — failed to take the lock for another reason.
fn keep_failure(f: &LockFailure, conflict: bool) -> bool {
    f.has_lock_info() || conflict
}

/// Error texts that say another run has (or just took) the lock.
fn is_conflict(message: &str) -> bool {
    const MARKERS: [&str; 10] = [
        "ConditionalCheckFailed",
        "PreconditionFailed",
        "Error 412",
        "StatusCode: 412",
        "status code: 412",
        "conditionNotMet",
        "already locked",
        "state blob is already",
        "LeaseAlreadyPresent",
        "resource temporarily unavailable",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

fn backend_of(f: &LockFailure, configured: Option<&str>) -> LockBackend {
    let m = &f.message;
    let lower = m.to_ascii_lowercase();
    let path = f.path.as_deref().unwrap_or("");
    if lower.contains("googleapi") || m.contains("gs://") || m.contains("conditionNotMet") || path.starts_with("gs://")
    {
        LockBackend::Gcs
    } else if m.contains("ConditionalCheckFailed") || lower.contains("dynamodb") {
        LockBackend::S3DynamoDb
    } else if m.contains("operation error S3") || m.contains("PreconditionFailed") || lower.contains("s3 bucket") {
        LockBackend::S3Lockfile
    } else if lower.contains("blob") || m.contains("LeaseAlreadyPresent") {
        LockBackend::AzureBlob
    } else {
        match configured {
            Some("gcs") => LockBackend::Gcs,
            Some("azurerm") => LockBackend::AzureBlob,
            _ => LockBackend::Unknown,
        }
    }
}

/// `Successfully configured the backend "gcs"!`
fn configured_backend(text: &str) -> Option<&str> {
    static CONFIGURED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"configured the backend "([A-Za-z0-9_]+)""#).expect("static regex"));
    CONFIGURED.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str())
}

/// The DynamoDB lock table, if the log names it (backend config echoed by
/// Terragrunt, `-backend-config=dynamodb_table=…`, Terraform's `Unable to
/// retrieve item from DynamoDB table "…"`).
fn lock_table(text: &str) -> Option<String> {
    static TABLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"dynamodb_table\\?"?\s*[=:]\s*\\?"?([A-Za-z0-9_.\-]{3,255})|DynamoDB table \\?"([A-Za-z0-9_.\-]{3,255})"#,
        )
        .expect("static regex")
    });
    TABLE.captures(text).and_then(|c| c.get(1).or_else(|| c.get(2))).map(|m| m.as_str().to_string())
}

fn detect_tool(text: &str) -> IacTool {
    static TERRAGRUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)terragrunt|\d{2}:\d{2}:\d{2}\.\d+ +(?:STDOUT|STDERR) +(?:\[[^\]]*\] +)?(?:terraform|tofu):")
            .expect("static regex")
    });
    static TOFU: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?im)opentofu|(?:^|[\s$>'"/])tofu(?:[ \t:]|$)"#).expect("static regex"));
    if TERRAGRUNT.is_match(text) {
        IacTool::Terragrunt
    } else if TOFU.is_match(text) {
        IacTool::OpenTofu
    } else {
        IacTool::Terraform
    }
}

/// Go's `time.Time.String()`: `2021-09-27 00:10:27.424064363 +0000 UTC`,
/// possibly with a monotonic clock reading (` m=+0.01`) after it.
fn parse_go_time(text: &str) -> Option<Time> {
    let text = text.split(" m=").next().unwrap_or(text);
    let mut fields = text.split_whitespace();
    let (date, clock, offset) = (fields.next()?, fields.next()?, fields.next()?);
    let joined = format!("{date} {clock} {offset}");
    let parsed = DateTime::parse_from_str(&joined, "%Y-%m-%d %H:%M:%S%.f %z").ok()?;
    let utc = parsed.with_timezone(&Utc);
    (utc.timestamp() > 0).then_some(Time(utc))
}

// ---------------------------------------------------------------------------
// Wording.

/// What the report says about one lock failure.
#[derive(Debug, Clone, PartialEq)]
pub struct LockDiagnosis {
    pub title: String,
    pub explanation: String,
    pub remediation: Vec<Remediation>,
}

/// Turns one failure into the finding's title, explanation and remediation.
/// `source_name` names the log in the explanation (`ci/terraform-apply.log`).
pub fn describe(tool: IacTool, f: &LockFailure, source_name: &str) -> LockDiagnosis {
    let engine = if tool == IacTool::OpenTofu || f.opentofu { "OpenTofu" } else { "Terraform" };
    let cli = match tool {
        IacTool::Terragrunt => "terragrunt",
        IacTool::OpenTofu => "tofu",
        IacTool::Terraform if f.opentofu => "tofu",
        IacTool::Terraform => "terraform",
    };
    let created = f.created_time.map(utc_text).or_else(|| f.created.clone());
    let operation = f.operation.as_deref().map(operation_text);
    let held = f.has_lock_info();

    // Title.
    let mut tags: Vec<String> = Vec::new();
    if f.backend != LockBackend::Unknown {
        tags.push(f.backend.name().to_string());
    }
    if let Some(id) = &f.id {
        tags.push(format!("lock {}", short_id(id)));
    }
    let title = if held {
        let holder = f.who.clone().unwrap_or_else(|| "another run".to_string());
        let since = created.as_ref().map(|c| format!(" since {c}")).unwrap_or_default();
        let tags = if tags.is_empty() { String::new() } else { format!(" ({})", tags.join(", ")) };
        format!("{engine} state lock held by {holder}{since} blocks the deploy{tags}")
    } else {
        tags.push("holder not printed".to_string());
        format!("{engine} state lock taken by a concurrent run blocks the deploy ({})", tags.join("; "))
    };

    // Explanation.
    let mut explanation = format!("At line {} of {source_name}, {engine} failed to acquire the state lock", f.line);
    if let Some(path) = &f.path {
        explanation.push_str(&format!(" of `{path}`"));
    }
    if let Some(module) = &f.module {
        explanation.push_str(&format!(" (Terragrunt module `{module}`)"));
    }
    explanation.push_str(&format!(": `{}`.", f.message));
    if held {
        explanation
            .push_str(&format!(" The lock is held by {}", f.who.as_deref().unwrap_or("a run the log does not name")));
        match (&operation, &created) {
            (Some(op), Some(c)) => explanation.push_str(&format!(", who took it for {op} at {c}")),
            (Some(op), None) => explanation.push_str(&format!(", who took it for {op}")),
            (None, Some(c)) => explanation.push_str(&format!(", who took it at {c}")),
            (None, None) => {}
        }
        let mut details = Vec::new();
        if let Some(id) = &f.id {
            details.push(format!("lock ID `{id}`"));
        }
        if let Some(v) = &f.version {
            details.push(format!("{engine} {v}"));
        }
        if !details.is_empty() {
            explanation.push_str(&format!(" ({})", details.join(", ")));
        }
        explanation.push('.');
        explanation.push(' ');
        explanation.push_str(&age_sentence(f));
    } else {
        explanation.push_str(&format!(
            " {engine} printed no Lock Info: another run took the lock at the same moment, or released it \
             while {engine} was reading it, so the holder, the lock ID and the lock's age are unknown."
        ));
    }

    // Remediation.
    let mut remediation = vec![check_step(engine, f, created.as_deref(), operation.as_deref())];
    remediation.push(unlock_step(engine, cli, tool, f));
    LockDiagnosis { title, explanation, remediation }
}

fn age_sentence(f: &LockFailure) -> String {
    match (f.created_time, f.failed_at) {
        (Some(created), Some(failed)) => {
            let age = created.seconds_until(failed);
            if age < 0 {
                format!(
                    "The lock's Created time is later than the failure ({}): the clocks of the two machines \
                     disagree, so the lock's age is unknown.",
                    utc_text(failed)
                )
            } else if age >= 3600 {
                format!(
                    "The lock was {} old when the pipeline failed at {}. A lock this old usually belongs to a \
                     run that was interrupted (a cancelled job, a killed runner, a lost connection) and never \
                     released it.",
                    human_age(age),
                    utc_text(failed)
                )
            } else {
                format!(
                    "The lock was {} old when the pipeline failed at {}: the run holding it may still be going.",
                    human_age(age),
                    utc_text(failed)
                )
            }
        }
        (Some(_), None) => "How old the lock was when the pipeline failed is unknown: the log carries no time for \
                            the failure."
            .to_string(),
        (None, _) => "How old the lock was is unknown: the log printed no Created time for it.".to_string(),
    }
}

fn check_step(engine: &str, f: &LockFailure, created: Option<&str>, operation: Option<&str>) -> Remediation {
    if !f.has_lock_info() {
        return Remediation {
            description: format!(
                "Look for another run on the same state that ran at the same time (a parallel job, a re-run, \
                 overlapping `run-all` modules) and let it finish: the lock is then free again, and re-running \
                 this job is enough. {}",
                where_lock_lives(f)
            )
            .trim_end()
            .to_string(),
            command: lock_read_command(f),
            mutates: false,
        };
    }
    let mut description = String::from("Before unlocking, confirm that no run still holds the lock");
    if let Some(who) = &f.who {
        description.push_str(&format!(": {who} took it"));
        if let Some(c) = created {
            description.push_str(&format!(" at {c}"));
        }
        if let Some(op) = operation {
            description.push_str(&format!(" for {op}"));
        }
        let whom = match who.split_once('@') {
            Some((user, host)) => format!("user `{user}` on host `{host}`"),
            None => format!("`{who}`"),
        };
        description.push_str(&format!(
            ". Find that run ({whom}: a CI job or a terminal session) and check that it has ended; a run \
             still applying must be left to finish."
        ));
    } else {
        description.push_str(&format!(
            ". {engine} did not print who holds it; find the run that started at the lock's Created time."
        ));
    }
    let place = where_lock_lives(f);
    if !place.is_empty() {
        description.push(' ');
        description.push_str(&place);
    }
    Remediation { description, command: lock_read_command(f), mutates: false }
}

/// Where the lock is kept, in words, from what the log printed.
fn where_lock_lives(f: &LockFailure) -> String {
    match f.backend {
        LockBackend::S3DynamoDb => match (&f.path, &f.lock_table) {
            (Some(p), Some(t)) => format!("The lock is the item whose `LockID` is `{p}` in the DynamoDB table `{t}`."),
            (Some(p), None) => format!(
                "The lock is the item whose `LockID` is `{p}` in the backend's DynamoDB table (`dynamodb_table` \
                 in the backend configuration)."
            ),
            _ => "The lock is an item of the backend's DynamoDB table (`dynamodb_table` in the backend \
                  configuration)."
                .to_string(),
        },
        LockBackend::S3Lockfile => match s3_lockfile(f) {
            Some(url) => format!("The lock is the object `{url}`."),
            None => "The lock is the `.tflock` object next to the state in the S3 bucket.".to_string(),
        },
        LockBackend::Gcs => match gcs_lockfile(f) {
            Some(url) => format!("The lock is the object `{url}`; its generation is the numeric lock ID."),
            None => "The lock is the `.tflock` object next to the state in the GCS bucket; its generation is the \
                     numeric lock ID."
                .to_string(),
        },
        LockBackend::AzureBlob => match &f.path {
            Some(p) => format!(
                "The lock is a lease on the state blob `{p}` (container/blob) of the backend's storage account: \
                 `az storage blob show` shows its lease state."
            ),
            None => "The lock is a lease on the state blob of the backend's storage account.".to_string(),
        },
        LockBackend::Unknown => String::new(),
    }
}

/// A read-only command that shows the lock, when the log gives all its parts.
fn lock_read_command(f: &LockFailure) -> Option<String> {
    // Parts a log could not have printed for a real lock are not offered;
    // the rest is quoted, as a log line can hold anything.
    let safe = |s: &str| !s.is_empty() && !s.contains(['\'', '"', '`', '$', '\\']) && !s.contains(char::is_whitespace);
    match f.backend {
        LockBackend::S3DynamoDb => {
            let (table, path) = (f.lock_table.as_deref()?, f.path.as_deref()?);
            (safe(table) && safe(path)).then(|| {
                let key = format!("{{\"LockID\":{{\"S\":\"{path}\"}}}}");
                format!("aws dynamodb get-item --table-name {} --key {}", shell_word(table), shell_word(&key))
            })
        }
        LockBackend::S3Lockfile => {
            s3_lockfile(f).filter(|u| safe(u)).map(|u| format!("aws s3 cp {} -", shell_word(&u)))
        }
        LockBackend::Gcs => {
            gcs_lockfile(f).filter(|u| safe(u)).map(|u| format!("gcloud storage objects describe {}", shell_word(&u)))
        }
        _ => None,
    }
}

/// `s3://bucket/key.tflock`, from `bucket 'b' with key 'k'` in the message
/// or the `bucket/key` Path of the lock info.
fn s3_lockfile(f: &LockFailure) -> Option<String> {
    static BUCKET_KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"bucket '([^']+)' with key '([^']+\.tflock)'").expect("static regex"));
    if let Some(c) = BUCKET_KEY.captures(&f.message) {
        return Some(format!("s3://{}/{}", c.get(1)?.as_str(), c.get(2)?.as_str()));
    }
    let path = f.path.as_deref()?;
    path.contains('/').then(|| format!("s3://{path}.tflock"))
}

/// `gs://bucket/prefix/default.tflock`, from the Path or the message.
fn gcs_lockfile(f: &LockFailure) -> Option<String> {
    static GS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"gs://[^\s"']+\.tflock"#).expect("static regex"));
    let path = f.path.as_deref().unwrap_or("");
    GS.find(path).or_else(|| GS.find(&f.message)).map(|m| m.as_str().to_string())
}

fn unlock_step(engine: &str, cli: &str, tool: IacTool, f: &LockFailure) -> Remediation {
    const WARNING: &str = "Only after confirming no run holds it: force-unlock of a live lock lets two applies \
                           corrupt the state.";
    let place = match (&f.module, tool) {
        (Some(m), IacTool::Terragrunt) => format!(" in the Terragrunt module directory (`{m}` on the runner)"),
        (_, IacTool::Terragrunt) => " in the Terragrunt module directory".to_string(),
        _ => " in the directory of the configuration (with the same backend and workspace)".to_string(),
    };
    let valid_id =
        f.id.as_deref().filter(|id| !id.contains(char::is_whitespace) && !id.contains(['\'', '"', '`', '$']));
    match valid_id {
        Some(id) if f.backend == LockBackend::Gcs && !id.chars().all(|c| c.is_ascii_digit()) => Remediation {
            description: format!(
                "Release the lock{place}. The GCS backend's force-unlock takes the lock object's numeric \
                 generation, and the ID printed here (`{id}`) is not numeric (force-unlock would fail with \
                 `strconv.ParseInt`): read the generation from the lock object and pass it instead. {WARNING}"
            ),
            command: Some(format!("{cli} force-unlock <generation>")),
            mutates: true,
        },
        Some(id) => Remediation {
            description: format!("Release the lock{place}. {WARNING}"),
            command: Some(format!("{cli} force-unlock {}", shell_word(id))),
            mutates: true,
        },
        None => Remediation {
            description: format!(
                "{engine} printed no lock ID. If the lock is still held once the run above has ended, get its \
                 ID (a new plan prints it under `Lock Info:` while the lock is held, or read it from the lock \
                 itself) and run `{cli} force-unlock <ID>`{place}. {WARNING}"
            ),
            command: None,
            mutates: true,
        },
    }
}

/// `OperationTypeApply` → `an apply`; other values (`init`) quoted as printed.
fn operation_text(op: &str) -> String {
    match op.strip_prefix("OperationType") {
        Some(kind) if !kind.is_empty() => {
            let kind = kind.to_ascii_lowercase();
            let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {kind}")
        }
        _ => format!("`{op}`"),
    }
}

fn utc_text(t: Time) -> String {
    t.0.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn short_id(id: &str) -> String {
    let head: String = id.chars().take(8).collect();
    if id.chars().count() > 8 { format!("{head}…") } else { head }
}

/// `2h 13m`, `3d 4h`, `5m 2s`, `42s`.
fn human_age(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {sec}s")
    } else {
        format!("{sec}s")
    }
}

// The rule.

/// Pipeline logs larger than this are read up to it: a Terraform run's
/// output is kilobytes; a multi-gigabyte "pipeline log" is something else.
const MAX_PIPELINE_LOG_BYTES: u64 = 256 << 20;

pub struct IacStateLock {
    info: crate::rules::RuleInfo,
}

impl IacStateLock {
    pub fn new() -> Self {
        IacStateLock {
            info: crate::rules::RuleInfo::builtin(
                "iac-state-lock",
                "A Terraform/Terragrunt/OpenTofu pipeline failed on a held state lock: the fix cannot be deployed",
                include_str!("iac_state_lock.rs"),
            ),
        }
    }
}

impl Default for IacStateLock {
    fn default() -> Self {
        Self::new()
    }
}

/// The text of a pipeline log, wherever ingest left it.
pub(crate) fn pipeline_text(location: &crate::model::LogLocation) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    location.open()?.ok()?.take(MAX_PIPELINE_LOG_BYTES).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

impl crate::rules::Rule for IacStateLock {
    fn info(&self) -> &crate::rules::RuleInfo {
        &self.info
    }

    fn diagnose(&self, _subject: usize, _ctx: &crate::rules::Ctx) -> Vec<crate::rules::Diagnosis> {
        Vec::new()
    }

    fn diagnose_other(&self, ctx: &crate::rules::Ctx) -> Vec<crate::rules::Diagnosis> {
        use crate::rules::{Diagnosis, Evidence, EvidenceKind, SubjectRef};
        let mut out = Vec::new();
        for (index, log) in ctx.model.pipeline_logs.iter().enumerate() {
            let Some(text) = pipeline_text(&log.location) else { continue };
            let (tool, failures) = find_lock_failures(&text);
            let source = ctx.model.sources.get(log.source);
            for f in failures {
                let said = describe(tool, &f, &source.path);
                let evidence = f
                    .quoted
                    .iter()
                    .map(|(line, quoted)| Evidence {
                        kind: EvidenceKind::Pipeline,
                        input: source.input.clone(),
                        source: source.path.clone(),
                        line: Some(*line),
                        path: None,
                        text: quoted.clone(),
                        time: if *line == f.line {
                            f.failed_at
                        } else if quoted.trim_start().starts_with("Created") {
                            f.created_time
                        } else {
                            None
                        },
                        highlight: None,
                    })
                    .collect();
                out.push(Diagnosis {
                    title: said.title,
                    explanation: said.explanation,
                    evidence,
                    remediation: said.remediation,
                    ..Diagnosis::of(&self.info, SubjectRef::Pipeline(index))
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (IacTool, LockFailure) {
        let (tool, mut found) = find_lock_failures(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        (tool, found.remove(0))
    }

    fn t(s: &str) -> Time {
        Time::parse(s).expect("test time")
    }

    const ADVICE: &str = "Terraform acquires a state lock to protect the state from being written\n\
                          by multiple users at the same time. Please resolve the issue above and try\n\
                          again. For most commands, you can disable locking with the \"-lock=false\"\n\
                          flag, but this is not recommended.\n";

    #[test]
    fn tf014_no_box_s3_dynamodb() {
        let text = format!(
            "Acquiring state lock. This may take a few moments...\n\
             \n\
             Error: Error locking state: Error acquiring the state lock: ConditionalCheckFailedException: The conditional request failed\n\
             \tstatus code: 400, request id: 61TQCU8QIELPMR32HASGNS1M0NVV4KQNSO5AEMVJF66Q9ASUAAJG\n\
             Lock Info:\n\
             \x20 ID:        0f001320-6483-073c-e490-715a2a048ab9\n\
             \x20 Path:      govuk-terraform-test/env:/bill/projects/govuk.tfstate\n\
             \x20 Operation: OperationTypeApply\n\
             \x20 Who:       bill@laptop\n\
             \x20 Version:   0.14.6\n\
             \x20 Created:   2021-02-11 09:30:01.146334765 +0000 UTC\n\
             \x20 Info:      \n\
             \n\
             \n\
             {ADVICE}\n\nsomething else\n"
        );
        let (tool, f) = one(&text);
        assert_eq!(tool, IacTool::Terraform);
        assert_eq!(f.line, 3);
        assert_eq!(f.backend, LockBackend::S3DynamoDb);
        assert_eq!(
            f.message,
            "ConditionalCheckFailedException: The conditional request failed status code: 400, request id: \
             61TQCU8QIELPMR32HASGNS1M0NVV4KQNSO5AEMVJF66Q9ASUAAJG"
        );
        assert_eq!(f.id.as_deref(), Some("0f001320-6483-073c-e490-715a2a048ab9"));
        assert_eq!(f.path.as_deref(), Some("govuk-terraform-test/env:/bill/projects/govuk.tfstate"));
        assert_eq!(f.operation.as_deref(), Some("OperationTypeApply"));
        assert_eq!(f.who.as_deref(), Some("bill@laptop"));
        assert_eq!(f.version.as_deref(), Some("0.14.6"));
        assert_eq!(f.info, None);
        assert_eq!(f.created_time, Some(t("2021-02-11T09:30:01.146334765Z")));
        assert_eq!(f.failed_at, None);
        let lines: Vec<u64> = f.quoted.iter().map(|q| q.0).collect();
        assert_eq!(lines, vec![3, 4, 6, 9, 11]);
        let d = describe(tool, &f, "ci/terraform-apply.log");
        assert!(d.title.starts_with("Terraform state lock held by bill@laptop since 2021-02-11 09:30:01 UTC"));
        assert!(d.title.contains("(s3+dynamodb, lock 0f001320…)"), "{}", d.title);
        assert!(d.explanation.contains("age is unknown") || d.explanation.contains("is unknown"));
        assert!(!d.remediation[0].mutates);
        assert_eq!(d.remediation[0].command, None, "no table name in the log");
        assert!(d.remediation[1].mutates);
        assert_eq!(
            d.remediation[1].command.as_deref(),
            Some("terraform force-unlock 0f001320-6483-073c-e490-715a2a048ab9")
        );
        assert!(
            d.remediation[1].description.contains("force-unlock of a live lock lets two applies corrupt the state")
        );
    }

    #[test]
    fn tf015_box_with_wrapped_message() {
        let text = "╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: ConditionalCheckFailedException: The conditional request\n\
                    │ failed\n\
                    │ Lock Info:\n\
                    │   ID:        f9763602-b03f-e35c-da30-4083cdbb99ae\n\
                    │   Path:      terraform-statess-387688863714/aws-data/terraform.tfstate\n\
                    │   Operation: OperationTypeApply\n\
                    │   Who:       genaker@genaker\n\
                    │   Version:   1.0.7\n\
                    │   Created:   2021-09-27 00:10:27.424064363 +0000 UTC\n\
                    │   Info:      \n\
                    │ \n\
                    │ \n\
                    │ Terraform acquires a state lock to protect the state from being written\n\
                    │ by multiple users at the same time. Please resolve the issue above and try\n\
                    │ again. For most commands, you can disable locking with the \"-lock=false\"\n\
                    │ flag, but this is not recommended.\n\
                    ╵\n";
        let (_, f) = one(text);
        assert_eq!(f.line, 2);
        assert_eq!(f.message, "ConditionalCheckFailedException: The conditional request failed");
        assert_eq!(f.backend, LockBackend::S3DynamoDb);
        assert_eq!(f.who.as_deref(), Some("genaker@genaker"));
        assert_eq!(f.created.as_deref(), Some("2021-09-27 00:10:27.424064363 +0000 UTC"));
        assert_eq!(
            f.quoted,
            vec![
                (2, "Error: Error acquiring the state lock".to_string()),
                (4, "Error message: ConditionalCheckFailedException: The conditional request".to_string()),
                (5, "failed".to_string()),
                (7, "ID:        f9763602-b03f-e35c-da30-4083cdbb99ae".to_string()),
                (10, "Who:       genaker@genaker".to_string()),
                (12, "Created:   2021-09-27 00:10:27.424064363 +0000 UTC".to_string()),
            ]
        );
        // The same text without the box (`-no-color`).
        let plain: String = text
            .lines()
            .filter(|l| !l.starts_with('╷') && !l.starts_with('╵'))
            .map(|l| format!("{}\n", l.strip_prefix("│ ").or_else(|| l.strip_prefix('│')).unwrap_or(l)))
            .collect();
        let (_, g) = one(&plain);
        assert_eq!(g.message, f.message);
        assert_eq!(g.id, f.id);
        assert_eq!(g.created_time, f.created_time);
    }

    #[test]
    fn gcs_011_form() {
        let text = "Acquiring state lock. This may take a few moments...\n\
                    Error: Error locking state: Error acquiring the state lock: writing \"gs://mybucket/terraform/infra-state/default.tflock\" failed: googleapi: Error 412: Precondition Failed, conditionNotMet\n\
                    Lock Info:\n\
                    \x20 ID:        6256aabb-1b46-2a04-a027-ae934d3bb2bd\n\
                    \x20 Path:      \n\
                    \x20 Operation: OperationTypeApply\n\
                    \x20 Who:       synhershko\n\
                    \x20 Version:   0.11.3\n\
                    \x20 Created:   2018-03-15 12:32:34.445923 +0000 UTC\n\
                    \x20 Info:      \n";
        let (_, f) = one(text);
        assert_eq!(f.backend, LockBackend::Gcs);
        assert_eq!(f.path, None);
        assert_eq!(f.who.as_deref(), Some("synhershko"));
        assert_eq!(f.created_time, Some(t("2018-03-15T12:32:34.445923Z")));
        let d = describe(IacTool::Terraform, &f, "plan.log");
        let unlock = &d.remediation[1];
        assert!(unlock.description.contains("not numeric"), "{}", unlock.description);
        assert_eq!(unlock.command.as_deref(), Some("terraform force-unlock <generation>"));
        assert_eq!(
            d.remediation[0].command.as_deref(),
            Some("gcloud storage objects describe gs://mybucket/terraform/infra-state/default.tflock")
        );

        // The init form of the same backend.
        let init = "Error loading state: writing \"gs://secret-meridian-680-tfstate/terraform.tflock\" failed: googleapi: Error 412: Precondition Failed, conditionNotMet\n\
                    Lock Info:\n\
                    \x20 ID:        1521117154445923\n\
                    \x20 Operation: init\n\
                    \x20 Who:       dev@box\n";
        let (_, g) = one(init);
        assert_eq!(g.line, 1);
        assert_eq!(g.operation.as_deref(), Some("init"));
        let d = describe(IacTool::Terraform, &g, "init.log");
        assert_eq!(d.remediation[1].command.as_deref(), Some("terraform force-unlock 1521117154445923"));
    }

    #[test]
    fn gcs_2023_wording() {
        let text = "│ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: writing \"gs://myproject-substratus-terraform/primary/default.tflock\" failed: googleapi: Error 412:\n\
                    │ At least one of the pre-conditions you specified did not hold., conditionNotMet\n\
                    │ Lock Info:\n\
                    │   ID:        1693398263719436\n\
                    │   Path:      gs://myproject-substratus-terraform/primary/default.tflock\n\
                    │   Operation: OperationTypeApply\n\
                    │   Who:       root@be462693c16b\n\
                    │   Version:   1.5.5\n\
                    │   Created:   2023-08-30 12:24:23.616165 +0000 UTC\n\
                    │   Info:      \n\
                    ╵\n";
        let (_, f) = one(text);
        assert_eq!(f.backend, LockBackend::Gcs);
        assert_eq!(
            f.message,
            "writing \"gs://myproject-substratus-terraform/primary/default.tflock\" failed: googleapi: Error 412: \
             At least one of the pre-conditions you specified did not hold., conditionNotMet"
        );
        let d = describe(IacTool::Terraform, &f, "x.log");
        assert_eq!(d.remediation[1].command.as_deref(), Some("terraform force-unlock 1693398263719436"));
        assert!(d.title.contains("(gcs, lock 16933982…)"), "{}", d.title);
    }

    #[test]
    fn azure_blob() {
        let text = "╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: state blob is already locked\n\
                    │ Lock Info:\n\
                    │   ID:        2d0c7b6e-7f8a-4b8e-9e1c-5b1d2f3a4c5d\n\
                    │   Path:      tfstate/terraform.tfstate\n\
                    │   Operation: OperationTypePlan\n\
                    │   Who:       runner@fv-az123-456\n\
                    │   Version:   1.2.4\n\
                    │   Created:   2022-09-01 17:02:03.123 +0000 UTC\n\
                    │   Info:      \n\
                    ╵\n";
        let (_, f) = one(text);
        assert_eq!(f.backend, LockBackend::AzureBlob);
        assert_eq!(f.message, "state blob is already locked");
        let d = describe(IacTool::Terraform, &f, "x.log");
        assert!(d.remediation[0].description.contains("lease on the state blob `tfstate/terraform.tfstate`"));
        assert!(d.explanation.contains("for a plan at"), "{}", d.explanation);
        assert_eq!(operation_text("OperationTypeApply"), "an apply");
        assert_eq!(operation_text("init"), "`init`");
    }

    #[test]
    fn s3_lockfile_412() {
        let text = "╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: operation error S3: PutObject, https response error StatusCode: 412, RequestID: , HostID: , api error PreconditionFailed: At least one\n\
                    │ of the pre-conditions you specified did not hold\n\
                    │ unable to retrieve file from S3 bucket 'terraform' with key 'terraform.tfstate.tflock': operation error S3: GetObject, https response error StatusCode:\n\
                    │ 404, RequestID: , HostID: , NoSuchKey: \n\
                    │ \n\
                    │ Terraform acquires a state lock to protect the state from being written\n\
                    │ by multiple users at the same time.\n\
                    ╵\n";
        let (_, f) = one(text);
        assert_eq!(f.backend, LockBackend::S3Lockfile);
        assert!(!f.has_lock_info());
        assert!(f.message.starts_with("operation error S3: PutObject"));
        assert!(f.message.contains("At least one of the pre-conditions"));
        let d = describe(IacTool::Terraform, &f, "x.log");
        assert!(d.title.contains("holder not printed"), "{}", d.title);
        assert_eq!(d.remediation[0].command.as_deref(), Some("aws s3 cp s3://terraform/terraform.tfstate.tflock -"));
        assert_eq!(d.remediation[1].command, None);
    }

    /// A log can print anything as a table, path or lock ID: the commands
    /// built from them quote what the shell would act on.
    #[test]
    fn lock_names_from_the_log_are_quoted() {
        let text = "╷\n│ Error: Error acquiring the state lock\n│ \n│ Error message: ConditionalCheckFailedException: The conditional request failed\n│ Lock Info:\n│   ID:        1;touch${IFS}pwned\n│   Path:      b/k|x>y&(z)\n│   Operation: OperationTypeApply\n│   Who:       a@b\n│   Version:   1.9.5\n│   Created:   2025-08-10 01:12:40.912553817 +0000 UTC\n│   Info:      \n╵\n";
        let (_, mut f) = one(text);
        assert_eq!(f.id.as_deref(), Some("1;touch${IFS}pwned"));
        // `$` is not a character of any real lock ID: no unlock command then.
        assert_eq!(unlock_step("Terraform", "terraform", IacTool::Terraform, &f).command, None);
        f.id = Some("1;touch>pwned".into());
        f.lock_table = Some("locks;id".into());
        let words = |c: Option<String>| {
            let c = c.expect("a command");
            assert_eq!(crate::rules::shell::live_syntax(&c).as_deref(), Some(""), "shell syntax outside quotes: {c}");
            shlex::split(&c).expect("splits")
        };
        assert_eq!(
            words(unlock_step("Terraform", "terraform", IacTool::Terraform, &f).command),
            ["terraform", "force-unlock", "1;touch>pwned"]
        );
        f.backend = LockBackend::S3DynamoDb;
        assert_eq!(
            words(lock_read_command(&f)),
            ["aws", "dynamodb", "get-item", "--table-name", "locks;id", "--key", r#"{"LockID":{"S":"b/k|x>y&(z)"}}"#]
        );
        f.backend = LockBackend::S3Lockfile;
        assert_eq!(words(lock_read_command(&f)), ["aws", "s3", "cp", "s3://b/k|x>y&(z).tflock", "-"]);
    }

    #[test]
    fn terragrunt_prefixed_lines() {
        // Terragrunt ≥0.67 pretty format, then its ERROR line replaying stderr.
        let text = "16:45:14.648 INFO   [vpc] Downloading Terraform configurations\n\
                    16:45:16.309 STDERR [vpc] terraform: ╷\n\
                    16:45:16.309 STDERR [vpc] terraform: │ Error: Error acquiring the state lock\n\
                    16:45:16.309 STDERR [eks] terraform: │ Error: Unrelated module error\n\
                    16:45:16.309 STDERR [vpc] terraform: │ \n\
                    16:45:16.309 STDERR [vpc] terraform: │ Error message: ConditionalCheckFailedException: The conditional request\n\
                    16:45:16.309 STDERR [vpc] terraform: │ failed\n\
                    16:45:16.309 STDERR [vpc] terraform: │ Lock Info:\n\
                    16:45:16.309 STDERR [vpc] terraform: │   ID:        b1f2c3d4-0000-1111-2222-333344445555\n\
                    16:45:16.309 STDERR [vpc] terraform: │   Who:       runner@ci-7\n\
                    16:45:16.309 STDERR [vpc] terraform: ╵\n\
                    16:45:16.379 ERROR  [vpc] terraform invocation failed in ./vpc stderr=\n\
                    ╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: ConditionalCheckFailedException: The conditional request\n\
                    │ failed\n\
                    │ Lock Info:\n\
                    │   ID:        b1f2c3d4-0000-1111-2222-333344445555\n\
                    │   Who:       runner@ci-7\n\
                    ╵\n";
        let (tool, f) = one(text);
        assert_eq!(tool, IacTool::Terragrunt);
        assert_eq!(f.line, 3);
        assert_eq!(f.module.as_deref(), Some("vpc"));
        assert_eq!(f.message, "ConditionalCheckFailedException: The conditional request failed");
        let d = describe(tool, &f, "x.log");
        assert_eq!(
            d.remediation[1].command.as_deref(),
            Some("terragrunt force-unlock b1f2c3d4-0000-1111-2222-333344445555")
        );
        assert!(d.remediation[1].description.contains("`vpc`"));

        // Older Terragrunt: `[terragrunt] [module] date` prefixes, `time=… msg=…`.
        let old = "[terragrunt] [/work/live/prod/vpc] 2017/04/27 19:26:10 Running command: terraform plan\n\
                   [/work/live/prod/vpc] Error locking state: Error acquiring the state lock: ConditionalCheckFailedException: The conditional request failed\n\
                   [/work/live/prod/vpc] Lock Info:\n\
                   [/work/live/prod/vpc]   ID:        0f001320-6483-073c-e490-715a2a048ab9\n\
                   [/work/live/prod/vpc]   Who:       dev@mbp\n\
                   time=2024-03-02T10:20:00Z level=error msg=Terraform invocation failed prefix=[/work/live/prod/vpc] \n";
        let (tool, f) = one(old);
        assert_eq!(tool, IacTool::Terragrunt);
        assert_eq!(f.line, 2);
        assert_eq!(f.module.as_deref(), Some("/work/live/prod/vpc"));
        assert_eq!(f.who.as_deref(), Some("dev@mbp"));
        assert_eq!(f.failed_at, Some(t("2024-03-02T10:20:00Z")));
    }

    #[test]
    fn github_actions_timestamps_and_ansi() {
        let p = "2024-03-02T12:24:12.3456789Z ";
        let text = format!(
            "{p}##[group]Run terraform apply -auto-approve\n\
             {p}\x1b[0m\x1b[1mAcquiring state lock. This may take a few moments...\x1b[0m\n\
             {p}\x1b[31m╷\x1b[0m\x1b[0m\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mError acquiring the state lock\x1b[0m\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m\x1b[0mError message: ConditionalCheckFailedException: The conditional request\n\
             {p}\x1b[31m│\x1b[0m \x1b[0mfailed\n\
             {p}\x1b[31m│\x1b[0m \x1b[0mLock Info:\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  ID:        b1f2a9c0-5d3e-4f61-9a7b-0c1d2e3f4a5b\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Path:      acme-tfstate/prod/terraform.tfstate\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Operation: OperationTypeApply\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Who:       runner@ci-7\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Version:   1.5.7\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Created:   2024-03-02 10:11:12.123456789 +0000 UTC\n\
             {p}\x1b[31m│\x1b[0m \x1b[0m  Info:      \n\
             {p}\x1b[31m╵\x1b[0m\x1b[0m\n\
             {p}##[error]Process completed with exit code 1.\n"
        );
        let (tool, f) = one(&text);
        assert_eq!(tool, IacTool::Terraform);
        assert_eq!(f.line, 4);
        assert_eq!(f.quoted[0].1, "Error: Error acquiring the state lock");
        assert_eq!(f.message, "ConditionalCheckFailedException: The conditional request failed");
        assert_eq!(f.failed_at, Some(t("2024-03-02T12:24:12.3456789Z")));
        assert_eq!(f.created_time, Some(t("2024-03-02T10:11:12.123456789Z")));
        let d = describe(tool, &f, "ci/terraform-apply.log");
        assert_eq!(
            d.title,
            "Terraform state lock held by runner@ci-7 since 2024-03-02 10:11:12 UTC blocks the deploy \
             (s3+dynamodb, lock b1f2a9c0…)"
        );
        assert!(d.explanation.contains("The lock was 2h 13m old when the pipeline failed"), "{}", d.explanation);
        assert!(d.explanation.contains("acme-tfstate/prod/terraform.tfstate"));
        assert!(d.remediation[0].description.contains("runner@ci-7"));
        assert!(d.remediation[0].description.contains("2024-03-02 10:11:12 UTC"));
    }

    #[test]
    fn race_two_errors_without_lock_info() {
        let text = "╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: 2 errors occurred:\n\
                    │ \t* ConditionalCheckFailedException: The conditional request failed\n\
                    │ \t* unexpected end of JSON input\n\
                    │ \n\
                    │ \n\
                    │ \n\
                    │ Terraform acquires a state lock to protect the state from being written\n\
                    ╵\n";
        let (_, f) = one(text);
        assert_eq!(f.backend, LockBackend::S3DynamoDb);
        assert!(!f.has_lock_info());
        assert_eq!(
            f.message,
            "2 errors occurred: * ConditionalCheckFailedException: The conditional request failed * unexpected end of JSON input"
        );
        let d = describe(IacTool::Terraform, &f, "x.log");
        assert!(d.title.contains("concurrent run"), "{}", d.title);
        assert!(d.explanation.contains("printed no Lock Info"));
        assert_eq!(d.remediation[1].command, None);
        assert!(d.remediation[1].description.contains("printed no lock ID"));

        // 0.12: blank line after the multierror header.
        let old = "Error: Error locking state: Error acquiring the state lock: 2 error(s) occurred:\n\
                   \n\
                   * ConditionalCheckFailedException: The conditional request failed\n\
                   * unexpected end of JSON input\n\
                   \n\
                   \n\
                   Terraform acquires a state lock to protect the state from being written\n";
        let (_, g) = one(old);
        assert_eq!(
            g.message,
            "2 error(s) occurred: * ConditionalCheckFailedException: The conditional request failed * unexpected end of JSON input"
        );

        // GCS race with the object path wrapped.
        let gcs = "│ Error: Error acquiring the state lock\n\
                   │ \n\
                   │ Error message: 2 errors occurred:\n\
                   │ \t* writing\n\
                   │ \"gs://buket_name/bucket_prefix/dir1/terraform1/default.tflock\"\n\
                   │ failed: googleapi: Error 412: At least one of the pre-conditions you specified did not hold., conditionNotMet\n\
                   │ \t* storage: object doesn't exist\n\
                   ╵\n";
        let (_, h) = one(gcs);
        assert_eq!(h.backend, LockBackend::Gcs);
        assert!(!h.has_lock_info());
    }

    #[test]
    fn forbidden_403_is_not_a_held_lock() {
        let text = "╷\n\
                    │ Error: Error acquiring the state lock\n\
                    │ \n\
                    │ Error message: 2 errors occurred:\n\
                    │ \t* writing \"gs://bucket_name/default.tflock\" failed:\n\
                    │ googleapi: Error 403: Access denied., forbidden\n\
                    │ \t* storage: object doesn't exist\n\
                    │ \n\
                    │ \n\
                    │ \n\
                    │ Terraform acquires a state lock to protect the state from being written\n\
                    ╵\n";
        let (_, found) = find_lock_failures(text);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn clean_apply_yields_nothing() {
        let text = "Acquiring state lock. This may take a few moments...\n\
                    aws_s3_bucket.logs: Modifying... [id=acme-logs]\n\
                    Apply complete! Resources: 0 added, 1 changed, 0 destroyed.\n\
                    Releasing state lock. This may take a few moments...\n\
                    ╷\n\
                    │ Error: Inconsistent dependency lock file\n\
                    │ \n\
                    │ The following dependency selections recorded in the lock file are\n\
                    │ inconsistent with the current configuration:\n\
                    │   - provider registry.terraform.io/hashicorp/aws: locked version selection 5.31.0 doesn't match the updated version constraints \"~> 5.40\"\n\
                    ╵\n";
        let (tool, found) = find_lock_failures(text);
        assert_eq!(tool, IacTool::Terraform);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn opentofu_and_tools() {
        let text = "$ tofu apply\n\
                    │ Error: Error acquiring the state lock\n\
                    │ Error message: state blob is already locked\n\
                    │ Lock Info:\n\
                    │   ID:        1d2c\n\
                    │ OpenTofu acquires a state lock to protect the state from being written\n";
        let (tool, f) = one(text);
        assert_eq!(tool, IacTool::OpenTofu);
        assert!(f.opentofu);
        let d = describe(tool, &f, "x.log");
        assert!(d.title.starts_with("OpenTofu state lock held by another run"), "{}", d.title);
        assert_eq!(d.remediation[1].command.as_deref(), Some("tofu force-unlock 1d2c"));
        assert_eq!(detect_tool("terraform apply\nthe tofu-free log"), IacTool::Terraform);
    }

    #[test]
    fn prefixes_and_times() {
        let n = normalise("2024-03-02T10:20:00.1234567Z 00O+ \x1b[31m│\x1b[0m   ID:  x");
        assert!(n.boxed);
        assert_eq!(n.content, "  ID:  x");
        assert_eq!(n.time, Some(t("2024-03-02T10:20:00.1234567Z")));
        let n = normalise("[10:20:00] [31m│[0m Error: Error acquiring the state lock");
        assert_eq!(n.content, "Error: Error acquiring the state lock");
        let n = normalise(r#"{"level":"stderr","time":"2024-03-02T10:20:00Z","prefix":"./vpc","msg":"│ Error: x"}"#);
        assert_eq!((n.content.as_str(), n.module.as_deref()), ("Error: x", Some("./vpc")));
        assert_eq!(n.time, Some(t("2024-03-02T10:20:00Z")));
        let n = normalise("\x1b_bk;t=1709374800000\x07Error: Error acquiring the state lock");
        assert_eq!(n.time, Some(t("2024-03-02T10:20:00Z")));
        assert_eq!(n.content, "Error: Error acquiring the state lock");
        assert_eq!(parse_go_time("2024-03-02 12:11:12 +0200 CEST m=+0.01"), Some(t("2024-03-02T10:11:12Z")));
        assert_eq!(human_age(7_980), "2h 13m");
        assert_eq!(human_age(90_061), "1d 1h");
    }

    #[test]
    fn fixtures() {
        let base = "fixtures/rules/iac-state-lock";
        let (tool, f) = one(include_str!("../../fixtures/rules/iac-state-lock/trigger/terragrunt-apply.log"));
        assert_eq!(tool, IacTool::Terragrunt);
        assert_eq!((f.backend, f.who.as_deref()), (LockBackend::S3DynamoDb, Some("runner@fv-az1187-304")));
        assert_eq!(f.failed_at, Some(t("2024-03-02T12:24:14.2087716Z")));
        assert_eq!(f.module.as_deref(), Some("/home/runner/work/infra-live/infra-live/live/prod/eu-west-1/vpc"));
        let d = describe(tool, &f, &format!("{base}/trigger/terragrunt-apply.log"));
        assert!(d.explanation.contains("2h 13m old"), "{}", d.explanation);
        assert_eq!(
            d.remediation[1].command.as_deref(),
            Some("terragrunt force-unlock b1f2e7c4-93a0-4d5e-8f21-6c0a9d3b7e15")
        );

        let (tool, f) =
            one(include_str!("../../fixtures/rules/iac-state-lock/trigger-legacy-0.14/terraform-apply.log"));
        assert_eq!(tool, IacTool::Terraform);
        assert_eq!((f.backend, f.version.as_deref()), (LockBackend::S3DynamoDb, Some("0.14.6")));
        assert_eq!(f.failed_at, None);

        let (tool, f) = one(include_str!("../../fixtures/rules/iac-state-lock/trigger-gcs/terraform-plan.log"));
        assert_eq!((tool, f.backend), (IacTool::Terraform, LockBackend::Gcs));
        assert_eq!(f.id.as_deref(), Some("1693397811874322"));
        assert!(f.message.ends_with("did not hold., conditionNotMet"), "{}", f.message);

        let (tool, f) = one(include_str!("../../fixtures/rules/iac-state-lock/trigger-azure/terraform-plan.log"));
        assert_eq!((tool, f.backend), (IacTool::Terraform, LockBackend::AzureBlob));
        assert_eq!(f.failed_at, Some(t("2022-09-01T17:40:09.1203365Z")));
        let d = describe(tool, &f, "plan.log");
        assert!(d.explanation.contains("1m 14s old"), "{}", d.explanation);

        let (tool, f) =
            one(include_str!("../../fixtures/rules/iac-state-lock/trigger-s3-lockfile/terraform-apply.log"));
        assert_eq!((tool, f.backend), (IacTool::Terraform, LockBackend::S3Lockfile));
        assert_eq!(f.who.as_deref(), Some("deploy@ip-10-20-3-41"));
        let d = describe(tool, &f, "apply.log");
        assert_eq!(
            d.remediation[0].command.as_deref(),
            Some("aws s3 cp s3://acme-tfstate-prod/network/terraform.tfstate.tflock -")
        );

        let (_, found) =
            find_lock_failures(include_str!("../../fixtures/rules/iac-state-lock/clean/terraform-apply.log"));
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn never_panics() {
        let inputs = [
            "",
            "\x1b",
            "\x1b[",
            "\x1b]",
            "[",
            "[12",
            "##[",
            "time=",
            "time=x msg=",
            "{",
            "{\"msg\":1}",
            "│",
            "╷\n│ Error: Error acquiring the state lock",
            "Error: Error acquiring the state lock:",
            "Error loading state:",
            "Error acquiring the state lock\nLock Info:\n  ID:\n  Created: 9999-99-99 99:99:99 +9999 ZZZ\n  Created: é",
            "12:00:00.1 STDERR [é] terraform:",
            "2024-03-02T10:20:00Z",
            "é│é\r\rError acquiring the state lock: é lease\n  ID: é",
        ];
        for input in inputs {
            let (tool, found) = find_lock_failures(input);
            for f in &found {
                let _ = describe(tool, f, "x");
            }
        }
        // Deterministic mix of the pieces the parser keys on.
        let pieces = [
            "Error: Error acquiring the state lock",
            "Error message: ",
            "Lock Info:",
            "  ID:  ",
            "Created: 2024-03-02 10:11:12 +0000 UTC",
            "│ ",
            "╵",
            "\x1b[31m",
            "\u{fffd}[",
            "é",
            "2024-03-02T10:20:00Z ",
            "12:00:00.1 STDERR [m] tofu: ",
            "time=2024-03-02T10:20:00Z level=error msg=\"",
            "[x] ",
            "\r",
            "\n",
            "\t* ",
            "ConditionalCheckFailedException",
            "gs://b/k.tflock",
            ":",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..40 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let (tool, found) = find_lock_failures(&text);
            for f in &found {
                let _ = describe(tool, f, "x");
            }
        }
    }
}
