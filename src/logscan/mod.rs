//! `logscan`: read one container log as a stream and keep the few lines that
//! explain why the process exited.
//!
//! # Method
//!
//! Logs of a crash-looping container are usually small, but a chatty one can
//! be gigabytes and a broken one can be a single 200 MB line, so the scan is
//! one pass with bounded memory. Every line is cleaned first (lossy UTF-8
//! decoding, NUL replacement, ANSI colour removal) and its leading timestamp
//! (`kubectl logs --timestamps`, CRI `stdout F` files from must-gather, or both
//! nested) is set aside, so the classifiers see what the program wrote. Then
//! three independent lenses look at the line:
//!
//! 1. **Levels** (`classify.rs`): the line's own severity, read from the log
//!    format it is written in: klog headers (`E0312 ...`, `F0312 ...`), JSON
//!    objects (zap, logrus, slog, bunyan/pino numeric levels), logfmt
//!    (`level=fatal`), and, for unstructured text, severity tokens as whole
//!    words (`ERROR`, `[emerg]`, `E!`, `Error:` ...). A structured line's
//!    declared level is authoritative, so `level=info msg="no error"` is not
//!    an error.
//! 2. **Crash signatures** (`crash.rs`): what runtimes print when they die:
//!    Go `panic:` / `fatal error:`, Python tracebacks (the final exception of
//!    a chain is decisive), JVM exceptions (top exception plus the last
//!    `Caused by:`), Node.js uncaught errors, Rust panics (both message
//!    formats), and fatal signals (`Segmentation fault`, `Killed`, ...).
//! 3. **Tail**: the last non-empty lines, because the last words before exit
//!    are the fallback explanation when nothing above fires.
//!
//! Externally supplied patterns ([`LogPatterns`]) are matched on the same
//! cleaned text so data-defined rules can quote the lines they matched.
//!
//! [`LogDigest::decisive`] ranks the kept lines: crash first, then fatal,
//! then error lines nearest the end, then the tail.
//!
//! # Caps
//!
//! Memory must not grow with log size, so every collection is bounded:
//!
//! | what | cap |
//! | --- | --- |
//! | bytes of one line examined by classifiers and patterns | [`MAX_SCAN_BYTES`] (rest read and discarded) |
//! | bytes of stored line text | [`MAX_LINE_TEXT_BYTES`] (cut on a char boundary, `…` appended, within the cap) |
//! | tail | last [`TAIL_LINES`] non-empty lines |
//! | error/fatal lines | first [`LEVELED_HEAD`] plus last [`LEVELED_TAIL`] |
//! | crashes | last [`MAX_CRASHES`] |
//! | supporting lines per crash | [`MAX_CRASH_CONTEXT`] |
//! | hits per pattern | first [`MAX_HITS_PER_PATTERN`] (all counted) |

mod classify;
mod crash;
mod linetime;
mod patterns;
mod reader;
mod timestamp;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::io::{self, BufRead};

pub use linetime::line_time;
pub use patterns::LogPatterns;
pub use timestamp::split_timestamp;

/// Bytes of one line that are looked at. Everything a classifier needs sits
/// at the start of a line; beyond this a line is payload (a dumped JSON
/// document, a minified bundle) and only costs time.
pub const MAX_SCAN_BYTES: usize = 64 * 1024;
/// Bytes of line text kept for quoting, including the `…` marker of a cut.
pub const MAX_LINE_TEXT_BYTES: usize = 4096;
/// Non-empty lines kept from the end of the log.
pub const TAIL_LINES: usize = 10;
/// Error/fatal lines kept from the start: the first failure often causes
/// the rest.
pub const LEVELED_HEAD: usize = 20;
/// Error/fatal lines kept from the end: the ones closest to the exit.
pub const LEVELED_TAIL: usize = 20;
/// Crashes kept; the last ones win because the final crash killed the process.
pub const MAX_CRASHES: usize = 5;
/// Supporting lines kept per crash.
pub const MAX_CRASH_CONTEXT: usize = 5;
/// Hits kept per external pattern; the first ones are kept, all are counted.
pub const MAX_HITS_PER_PATTERN: usize = 5;

const ELLIPSIS: &str = "…";

/// One line of the log as it can be quoted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// 1-based line number in the log.
    pub number: u64,
    /// The cleaned line (lossy UTF-8, no ANSI escapes), timestamp included,
    /// at most [`MAX_LINE_TEXT_BYTES`] bytes.
    pub text: String,
}

impl LogLine {
    fn capture(number: u64, text: &str) -> Self {
        let mut line = LogLine { number, text: String::new() };
        line.overwrite(number, text);
        line
    }

    /// Reuses the allocation of a line evicted from a ring, so steady-state
    /// scanning of a long log allocates nothing per line.
    fn overwrite(&mut self, number: u64, text: &str) {
        self.number = number;
        self.text.clear();
        push_capped(&mut self.text, text);
    }
}

/// Appends `text`, cut to [`MAX_LINE_TEXT_BYTES`] including the ellipsis.
fn push_capped(out: &mut String, text: &str) {
    if text.len() <= MAX_LINE_TEXT_BYTES {
        out.push_str(text);
        return;
    }
    let mut cut = MAX_LINE_TEXT_BYTES - ELLIPSIS.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    out.push_str(&text[..cut]);
    out.push_str(ELLIPSIS);
}

/// A line's severity as declared by the line itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    Warning,
    Error,
    Fatal,
}

/// Which runtime's death pattern was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrashKind {
    GoPanic,
    GoFatal,
    PythonTraceback,
    JavaException,
    NodeError,
    RustPanic,
    Signal,
}

/// One recognised crash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Crash {
    pub kind: CrashKind,
    /// The line that states the failure: Go's `panic:` line, Python's final
    /// exception line, the JVM's top exception, Node's `XxxError:` line, the
    /// Rust `panicked at` line, the signal line.
    pub line: LogLine,
    /// Up to [`MAX_CRASH_CONTEXT`] supporting lines, most useful first:
    /// Go: signal line, goroutine header, first frame; Python: innermost
    /// `File` frame, then earlier exceptions of a chain; JVM: last
    /// `Caused by:` (the root cause), then the first `at` frame; Node: first
    /// `at` frame; Rust (new format): the panic message line.
    pub context: Vec<LogLine>,
}

impl Crash {
    fn new(kind: CrashKind, number: u64, text: &str) -> Self {
        Crash { kind, line: LogLine::capture(number, text), context: Vec::new() }
    }

    fn add_context(&mut self, line: LogLine) {
        if self.context.len() < MAX_CRASH_CONTEXT {
            self.context.push(line);
        }
    }
}

/// A line at error or fatal level.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LeveledLine {
    pub level: Level,
    pub line: LogLine,
    /// The message field when the format has one (JSON `msg`/`message`/
    /// `error`/`err`, logfmt `msg`, klog text after the header), capped like
    /// line text.
    pub message: Option<String>,
}

/// A line matched by an external pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PatternHit {
    /// Index of the pattern in the list given to [`LogPatterns::new`].
    pub pattern: usize,
    pub line: LogLine,
}

/// What a scan kept of one log.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogDigest {
    /// Lines read (a final line without a newline counts).
    pub lines: u64,
    /// Bytes read, newlines included.
    pub bytes: u64,
    /// Non-UTF-8 bytes or NULs were replaced by U+FFFD somewhere.
    pub lossy: bool,
    /// Lines whose stored text had to be cut (longer than
    /// [`MAX_LINE_TEXT_BYTES`] after cleaning, or than [`MAX_SCAN_BYTES`] raw).
    pub truncated_lines: u64,
    /// The first non-empty line.
    pub first: Option<LogLine>,
    /// The last [`TAIL_LINES`] non-empty lines, in log order.
    pub tail: Vec<LogLine>,
    /// Error and fatal lines, in log order: the first [`LEVELED_HEAD`] and the
    /// last [`LEVELED_TAIL`] (never overlapping; the middle of a long run is
    /// dropped).
    pub leveled: Vec<LeveledLine>,
    pub error_lines: u64,
    pub fatal_lines: u64,
    /// Warning lines (counted only, not kept).
    pub warning_lines: u64,
    /// The last [`MAX_CRASHES`] crashes, in log order.
    pub crashes: Vec<Crash>,
    /// Pattern hits in log order, the first [`MAX_HITS_PER_PATTERN`] of each pattern.
    pub hits: Vec<PatternHit>,
    /// Per pattern, every matching line counted.
    pub hit_counts: Vec<u64>,
}

impl LogDigest {
    /// The lines that best explain why the process exited, most decisive
    /// first, de-duplicated by line number, at most `max`.
    ///
    /// Order:
    /// 1. the last crash's decisive line, then its context lines;
    /// 2. the last fatal-level line;
    /// 3. the remaining kept error/fatal lines, nearest the end of the log
    ///    first (the line closest to the exit is the likeliest cause; earlier
    ///    ones are often retries of the same failure);
    /// 4. the decisive lines of earlier crashes, latest first;
    /// 5. only when nothing above exists: the last tail line.
    pub fn decisive(&self, max: usize) -> Vec<&LogLine> {
        let mut picked: Vec<&LogLine> = Vec::new();
        if let Some(last) = self.crashes.last() {
            push_unique(&mut picked, &last.line, max);
            for line in &last.context {
                push_unique(&mut picked, line, max);
            }
        }
        if let Some(fatal) = self.leveled.iter().rev().find(|l| l.level == Level::Fatal) {
            push_unique(&mut picked, &fatal.line, max);
        }
        for leveled in self.leveled.iter().rev() {
            push_unique(&mut picked, &leveled.line, max);
        }
        for crash in self.crashes.iter().rev().skip(1) {
            push_unique(&mut picked, &crash.line, max);
        }
        if picked.is_empty() {
            if let Some(last) = self.tail.last() {
                push_unique(&mut picked, last, max);
            }
        }
        picked
    }
}

fn push_unique<'a>(picked: &mut Vec<&'a LogLine>, line: &'a LogLine, max: usize) {
    if picked.len() < max && !picked.iter().any(|p| p.number == line.number) {
        picked.push(line);
    }
}

/// Reads a log to its end and keeps what explains the exit. Fails only when
/// the reader fails; any byte content is accepted.
pub fn scan<R: BufRead>(mut reader: R, patterns: &LogPatterns) -> io::Result<LogDigest> {
    let mut scanner = Scanner::new(patterns);
    let mut raw = Vec::with_capacity(8 * 1024);
    let mut decoded = String::new();
    let mut cleaned = String::new();
    while let Some(read) = reader::read_line_bounded(&mut reader, &mut raw, MAX_SCAN_BYTES)? {
        scanner.digest.bytes += read.consumed;
        let (text, lossy) = reader::decode(&raw, read.cut, &mut decoded);
        scanner.digest.lossy |= lossy;
        let text = reader::strip_ansi(text, &mut cleaned);
        scanner.line(text, read.cut);
    }
    Ok(scanner.finish())
}

/// Scan state beyond the digest itself: the rings that become the digest's
/// vectors at the end.
struct Scanner<'p> {
    patterns: &'p LogPatterns,
    digest: LogDigest,
    tail: VecDeque<LogLine>,
    leveled_tail: VecDeque<LeveledLine>,
    crashes: VecDeque<Crash>,
    detector: crash::CrashDetector,
    hits_kept: Vec<usize>,
}

impl<'p> Scanner<'p> {
    fn new(patterns: &'p LogPatterns) -> Self {
        Scanner {
            patterns,
            digest: LogDigest { hit_counts: vec![0; patterns.len()], ..LogDigest::default() },
            tail: VecDeque::with_capacity(TAIL_LINES),
            leveled_tail: VecDeque::with_capacity(LEVELED_TAIL),
            crashes: VecDeque::with_capacity(MAX_CRASHES),
            detector: crash::CrashDetector::default(),
            hits_kept: vec![0; patterns.len()],
        }
    }

    fn line(&mut self, text: &str, cut: bool) {
        self.digest.lines += 1;
        let number = self.digest.lines;
        if cut || text.len() > MAX_LINE_TEXT_BYTES {
            self.digest.truncated_lines += 1;
        }
        let (_, body) = split_timestamp(text);
        let blank = body.trim().is_empty();
        if !blank {
            if self.digest.first.is_none() {
                self.digest.first = Some(LogLine::capture(number, text));
            }
            push_ring(&mut self.tail, TAIL_LINES, number, text);
            if let Some(found) = classify::classify(body) {
                self.leveled(found, number, text);
            }
        }
        // Blank lines still reach the detector: they separate the parts of a
        // chained Python traceback and end a JVM stack trace.
        self.detector.feed(number, text, body, &mut self.crashes);
        self.match_patterns(number, text, body);
    }

    fn leveled(&mut self, found: classify::Classified<'_>, number: u64, text: &str) {
        match found.level {
            Level::Warning => {
                self.digest.warning_lines += 1;
                return;
            }
            Level::Error => self.digest.error_lines += 1,
            Level::Fatal => self.digest.fatal_lines += 1,
        }
        let message = found.message.as_deref();
        if self.digest.leveled.len() < LEVELED_HEAD {
            self.digest.leveled.push(LeveledLine {
                level: found.level,
                line: LogLine::capture(number, text),
                message: message.map(capped),
            });
            return;
        }
        let mut entry =
            if self.leveled_tail.len() == LEVELED_TAIL { self.leveled_tail.pop_front() } else { None }.unwrap_or_else(
                || LeveledLine { level: found.level, line: LogLine { number, text: String::new() }, message: None },
            );
        entry.level = found.level;
        entry.line.overwrite(number, text);
        match (message, &mut entry.message) {
            (Some(m), Some(old)) => {
                old.clear();
                push_capped(old, m);
            }
            (Some(m), slot) => *slot = Some(capped(m)),
            (None, slot) => *slot = None,
        }
        self.leveled_tail.push_back(entry);
    }

    fn match_patterns(&mut self, number: u64, text: &str, body: &str) {
        for pattern in self.patterns.matches(body) {
            // Both vectors are sized from this very pattern set.
            if let Some(count) = self.digest.hit_counts.get_mut(pattern) {
                *count += 1;
            }
            if let Some(kept) = self.hits_kept.get_mut(pattern) {
                if *kept < MAX_HITS_PER_PATTERN {
                    *kept += 1;
                    self.digest.hits.push(PatternHit { pattern, line: LogLine::capture(number, text) });
                }
            }
        }
    }

    fn finish(mut self) -> LogDigest {
        self.detector.finish(&mut self.crashes);
        self.digest.tail = self.tail.into();
        self.digest.leveled.extend(self.leveled_tail);
        self.digest.crashes = self.crashes.into();
        self.digest
    }
}

fn capped(text: &str) -> String {
    let mut out = String::new();
    push_capped(&mut out, text);
    out
}

fn push_ring(ring: &mut VecDeque<LogLine>, cap: usize, number: u64, text: &str) {
    if ring.len() >= cap {
        if let Some(mut old) = ring.pop_front() {
            old.overwrite(number, text);
            ring.push_back(old);
            return;
        }
    }
    ring.push_back(LogLine::capture(number, text));
}

/// Keeps the last `MAX_CRASHES` crashes.
fn push_crash(crashes: &mut VecDeque<Crash>, crash: Crash) {
    if crashes.len() >= MAX_CRASHES {
        crashes.pop_front();
    }
    crashes.push_back(crash);
}
