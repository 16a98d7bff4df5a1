//! Crash signatures: what language runtimes print when a process dies.
//!
//! A small state machine fed one line at a time. Most signatures span
//! several lines and the decisive one is not always the first (Python puts
//! the exception last, the JVM's root cause is the last `Caused by:`), so a
//! crash under construction is held in the state until a line that does not
//! belong to it arrives, or the log ends. The held state is bounded: one
//! crash with at most [`MAX_CRASH_CONTEXT`] lines.
//!
//! Multi-line signatures whose first line alone is ambiguous need
//! confirmation before they count: a dotted `pkg.FooException: x` line only
//! with a following `at` frame (a Python `requests.exceptions.X: y` logged as
//! text looks the same), and a `TypeError: x` line only with an `at` frame
//! or Node's source-caret preamble.

use std::collections::VecDeque;
use std::sync::LazyLock;

use memchr::memmem;
use regex::Regex;

use super::{Crash, CrashKind, LogLine, MAX_CRASH_CONTEXT, push_crash};

/// Lines a Go trace may take from `panic:` to its goroutine header; beyond
/// it the panic line stands alone (stack traces were disabled or cut).
const GO_HEADER_WINDOW: u8 = 8;
/// How far before an `XxxError:` line Node's `throw err;` / `^` preamble may be.
const NODE_MARKER_WINDOW: u64 = 6;

const TRACEBACK: &str = "Traceback (most recent call last):";
const DURING_HANDLING: &str = "During handling of the above exception, another exception occurred:";
const DIRECT_CAUSE: &str = "The above exception was the direct cause of the following exception:";

#[derive(Default)]
pub(super) struct CrashDetector {
    state: State,
    /// Line number of the last Node uncaught-exception preamble line.
    node_marker: Option<u64>,
}

#[derive(Default)]
enum State {
    #[default]
    Idle,
    Go(GoTrace),
    /// Inside a Python traceback's frames, waiting for the exception line.
    PyFrames(PyFrames),
    /// Saw the exception line; a chain marker would mean another follows.
    PyRaised {
        crash: Crash,
        chain: Vec<LogLine>,
    },
    /// Saw a chain marker, waiting for the next `Traceback`.
    PyChained {
        chain: Vec<LogLine>,
    },
    Java(JavaTrace),
    Node {
        crash: Crash,
        confirmed: bool,
    },
    /// New-format Rust panic: the message is on the next line.
    RustMessage(Crash),
}

struct GoTrace {
    crash: Crash,
    seen: u8,
    header: bool,
    after_header: u8,
}

#[derive(Default)]
struct PyFrames {
    /// Exception lines of earlier tracebacks in a chain, first ones kept.
    chain: Vec<LogLine>,
    /// The innermost `File "..."` frame so far: where the exception came from.
    last_frame: Option<LogLine>,
}

struct JavaTrace {
    crash: Crash,
    confirmed: bool,
    /// The last top-level `Caused by:`: the root cause.
    caused: Option<LogLine>,
    /// The first `at` frame of the top exception: where it was thrown.
    frame: Option<LogLine>,
}

impl CrashDetector {
    /// Feeds one line: `text` is the cleaned line as it will be quoted,
    /// `body` the same without its timestamp prefix.
    pub(super) fn feed(&mut self, number: u64, text: &str, body: &str, out: &mut VecDeque<Crash>) {
        let consumed = match std::mem::take(&mut self.state) {
            State::Idle => false,
            State::Go(trace) => self.go(trace, number, text, body, out),
            State::PyFrames(frames) => self.py_frames(frames, number, text, body),
            State::PyRaised { crash, chain } => self.py_raised(crash, chain, body, out),
            State::PyChained { chain } => self.py_chained(chain, body, out),
            State::Java(trace) => self.java(trace, number, text, body, out),
            State::Node { crash, confirmed } => self.node(crash, confirmed, number, text, body, out),
            State::RustMessage(mut crash) => {
                if !body.trim().is_empty() {
                    crash.add_context(LogLine::capture(number, text));
                }
                push_crash(out, crash);
                true
            }
        };
        if !consumed {
            self.idle(number, text, body, out);
        }
    }

    /// The log ended: whatever crash is under construction is complete.
    pub(super) fn finish(&mut self, out: &mut VecDeque<Crash>) {
        match std::mem::take(&mut self.state) {
            State::Idle => {}
            State::Go(trace) => push_crash(out, trace.crash),
            // Cut mid-traceback (the process was killed while printing):
            // the best evidence is an earlier exception, else the last frame.
            State::PyFrames(frames) => {
                let crash = chain_crash(frames.chain).or_else(|| {
                    frames.last_frame.map(|line| Crash { kind: CrashKind::PythonTraceback, line, context: Vec::new() })
                });
                if let Some(crash) = crash {
                    push_crash(out, crash);
                }
            }
            State::PyRaised { crash, .. } => push_crash(out, crash),
            State::PyChained { chain } => {
                if let Some(crash) = chain_crash(chain) {
                    push_crash(out, crash);
                }
            }
            State::Java(trace) => finish_java(trace, out),
            State::Node { crash, confirmed } => {
                if confirmed {
                    push_crash(out, crash);
                }
            }
            State::RustMessage(crash) => push_crash(out, crash),
        }
    }

    fn idle(&mut self, number: u64, text: &str, body: &str, out: &mut VecDeque<Crash>) {
        let line = body.trim_end();
        if line.is_empty() {
            return;
        }
        if line == TRACEBACK {
            self.state = State::PyFrames(PyFrames::default());
        } else if body.starts_with("panic: ") {
            self.state = State::Go(GoTrace::new(Crash::new(CrashKind::GoPanic, number, text)));
        } else if body.starts_with("fatal error: ") {
            self.state = State::Go(GoTrace::new(Crash::new(CrashKind::GoFatal, number, text)));
        } else if let Some(rest) = rust_panic(body) {
            let crash = Crash::new(CrashKind::RustPanic, number, text);
            // Rust >= 1.73: `panicked at src/main.rs:3:5:` + message line;
            // before: `panicked at 'msg', src/main.rs:3:5` on one line.
            if !rest.starts_with('\'') && line.ends_with(':') {
                self.state = State::RustMessage(crash);
            } else {
                push_crash(out, crash);
            }
        } else if body.starts_with("Exception in thread \"")
            || body.starts_with("Caused by: ")
            || JVM_OOM.find(body.as_bytes()).is_some()
        {
            self.state = State::Java(JavaTrace::new(Crash::new(CrashKind::JavaException, number, text), true));
        } else if is_java_exception(body) {
            self.state = State::Java(JavaTrace::new(Crash::new(CrashKind::JavaException, number, text), false));
        } else if body.starts_with("[UnhandledPromiseRejection") {
            // Node >= 15 exits on an unhandled rejection and prints this
            // instead of a stack. (The older `UnhandledPromiseRejectionWarning`
            // did not exit, so it is no crash.)
            push_crash(out, Crash::new(CrashKind::NodeError, number, text));
        } else if is_node_error(body) {
            let confirmed = self.node_marker.is_some_and(|at| number.saturating_sub(at) <= NODE_MARKER_WINDOW);
            self.state = State::Node { crash: Crash::new(CrashKind::NodeError, number, text), confirmed };
        } else if is_node_marker(body) {
            self.node_marker = Some(number);
        } else if is_signal(body) {
            push_crash(out, Crash::new(CrashKind::Signal, number, text));
        }
    }

    /// Go: after `panic:` come the `[signal ...]` line, a blank, the
    /// `goroutine N [running]:` header and the panicking function with its
    /// file line; those are the context.
    fn go(&mut self, mut trace: GoTrace, number: u64, text: &str, body: &str, out: &mut VecDeque<Crash>) -> bool {
        let line = body.trim();
        trace.seen = trace.seen.saturating_add(1);
        if trace.header {
            let fits = !line.is_empty()
                && if trace.after_header == 0 { !is_indented(body) && line.contains('(') } else { is_indented(body) };
            if !fits {
                push_crash(out, trace.crash);
                return false;
            }
            trace.crash.add_context(LogLine::capture(number, text));
            trace.after_header += 1;
            if trace.after_header >= 2 {
                push_crash(out, trace.crash);
            } else {
                self.state = State::Go(trace);
            }
            return true;
        }
        if trace.seen > GO_HEADER_WINDOW {
            push_crash(out, trace.crash);
            return false;
        }
        if line.is_empty() {
            self.state = State::Go(trace);
            return true;
        }
        let header = (line.starts_with("goroutine ") && line.ends_with("]:")) || line == "runtime stack:";
        // `panic: a [recovered]` is followed by an indented `panic: b`.
        let supporting = header || line.starts_with("[signal ") || (is_indented(body) && line.starts_with("panic: "));
        if !supporting {
            push_crash(out, trace.crash);
            return false;
        }
        trace.crash.add_context(LogLine::capture(number, text));
        trace.header = header;
        self.state = State::Go(trace);
        true
    }

    fn py_frames(&mut self, mut frames: PyFrames, number: u64, text: &str, body: &str) -> bool {
        let line = body.trim_end();
        if line.is_empty() || is_indented(body) {
            if line.trim_start().starts_with("File \"") {
                match &mut frames.last_frame {
                    Some(frame) => frame.overwrite(number, text),
                    None => frames.last_frame = Some(LogLine::capture(number, text)),
                }
            }
        } else if line == TRACEBACK {
            // A new traceback before any exception line: the previous one
            // was cut; its frames no longer apply.
            frames.last_frame = None;
        } else {
            // The first unindented line after the frames is the exception.
            let mut crash = Crash::new(CrashKind::PythonTraceback, number, text);
            if let Some(frame) = frames.last_frame {
                crash.add_context(frame);
            }
            for earlier in &frames.chain {
                crash.add_context(earlier.clone());
            }
            self.state = State::PyRaised { crash, chain: frames.chain };
            return true;
        }
        self.state = State::PyFrames(frames);
        true
    }

    fn py_raised(&mut self, crash: Crash, mut chain: Vec<LogLine>, body: &str, out: &mut VecDeque<Crash>) -> bool {
        let line = body.trim();
        if line.is_empty() {
            self.state = State::PyRaised { crash, chain };
            return true;
        }
        if line == DURING_HANDLING || line == DIRECT_CAUSE {
            if chain.len() < MAX_CRASH_CONTEXT {
                chain.push(crash.line);
            }
            self.state = State::PyChained { chain };
            return true;
        }
        push_crash(out, crash);
        false
    }

    fn py_chained(&mut self, chain: Vec<LogLine>, body: &str, out: &mut VecDeque<Crash>) -> bool {
        let line = body.trim();
        if line.is_empty() {
            self.state = State::PyChained { chain };
            return true;
        }
        if line == TRACEBACK {
            self.state = State::PyFrames(PyFrames { chain, last_frame: None });
            return true;
        }
        if let Some(crash) = chain_crash(chain) {
            push_crash(out, crash);
        }
        false
    }

    fn java(&mut self, mut trace: JavaTrace, number: u64, text: &str, body: &str, out: &mut VecDeque<Crash>) -> bool {
        if body.starts_with("Caused by: ") {
            match &mut trace.caused {
                Some(caused) => caused.overwrite(number, text),
                None => trace.caused = Some(LogLine::capture(number, text)),
            }
            trace.confirmed = true;
        } else if is_indented(body) && !body.trim().is_empty() {
            // Frames, `... 12 more`, indented `Suppressed:`/`Caused by:` of
            // suppressed exceptions: all part of the trace.
            if body.trim_start().starts_with("at ") {
                trace.confirmed = true;
                if trace.frame.is_none() && trace.caused.is_none() {
                    trace.frame = Some(LogLine::capture(number, text));
                }
            }
        } else {
            finish_java(trace, out);
            return false;
        }
        self.state = State::Java(trace);
        true
    }

    fn node(
        &mut self,
        mut crash: Crash,
        mut confirmed: bool,
        number: u64,
        text: &str,
        body: &str,
        out: &mut VecDeque<Crash>,
    ) -> bool {
        let line = body.trim();
        if is_indented(body) && line.starts_with("at ") {
            confirmed = true;
            if crash.context.is_empty() {
                crash.add_context(LogLine::capture(number, text));
            }
        } else if !(line == "Require stack:" || body.starts_with("- ")) {
            if confirmed {
                push_crash(out, crash);
            }
            return false;
        }
        self.state = State::Node { crash, confirmed };
        true
    }
}

impl GoTrace {
    fn new(crash: Crash) -> Self {
        GoTrace { crash, seen: 0, header: false, after_header: 0 }
    }
}

impl JavaTrace {
    fn new(crash: Crash, confirmed: bool) -> Self {
        JavaTrace { crash, confirmed, caused: None, frame: None }
    }
}

fn finish_java(trace: JavaTrace, out: &mut VecDeque<Crash>) {
    if !trace.confirmed {
        return;
    }
    let mut crash = trace.crash;
    if let Some(caused) = trace.caused {
        crash.add_context(caused);
    }
    if let Some(frame) = trace.frame {
        crash.add_context(frame);
    }
    push_crash(out, crash);
}

/// A crash from the exceptions of a chain whose end never came: the latest
/// one is decisive, the earlier ones are context.
fn chain_crash(mut chain: Vec<LogLine>) -> Option<Crash> {
    let line = chain.pop()?;
    Some(Crash { kind: CrashKind::PythonTraceback, line, context: chain })
}

// Searchers are built once: building one costs more than a search of a line.
static JVM_OOM: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("java.lang.OutOfMemoryError"));
static RUST_PANICKED: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("' panicked at "));
static ERROR_WORD: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("Error"));

fn is_indented(body: &str) -> bool {
    matches!(body.as_bytes().first(), Some(b' ' | b'\t'))
}

/// The text after `panicked at ` of a Rust panic line.
fn rust_panic(body: &str) -> Option<&str> {
    let rest = body.strip_prefix("thread '")?;
    let at = RUST_PANICKED.find(rest.as_bytes())?;
    // The needle is ASCII, so both ends are char boundaries.
    rest.get(at + "' panicked at ".len()..)
}

/// `com.example.FooException: msg` / `java.lang.OutOfMemoryError` at line start.
static JAVA_EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)(?::\s|:?$)")
        .expect("static java regex is valid")
});

fn is_java_exception(body: &str) -> bool {
    // The regex is anchored, so on ordinary lines it fails within a word.
    body.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && JAVA_EXCEPTION.is_match(body)
}

/// `Error: x`, `TypeError: x`, `Error [ERR_MODULE_NOT_FOUND]: x`.
static NODE_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z][A-Za-z0-9]*)?Error(?: \[[A-Z0-9_]+\])?: ").expect("static node regex is valid")
});

fn is_node_error(body: &str) -> bool {
    let b = body.as_bytes();
    let head = &b[..b.len().min(80)];
    b.first().is_some_and(u8::is_ascii_uppercase) && ERROR_WORD.find(head).is_some() && NODE_ERROR.is_match(body)
}

/// Node prints the throwing source line and a caret under it before an
/// uncaught error: `node:internal/...:1080`, `  throw err;`, `  ^`.
fn is_node_marker(body: &str) -> bool {
    let line = body.trim();
    body.starts_with("node:internal/")
        || line.starts_with("throw ")
        || (!line.is_empty() && line.bytes().all(|c| c == b'^'))
}

static SIGNAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Segmentation fault|SIGSEGV|\(core dumped\)|Killed").expect("static signal regex is valid")
});
/// `Killed` alone, or as a shell reports a killed job: `line 1:  42 Killed  java ...`.
static KILLED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Killed\s*$|(?:^|\s)\d+\s+Killed(?:\s|$)").expect("static killed regex is valid"));

fn is_signal(body: &str) -> bool {
    SIGNAL.find_iter(body).any(|m| m.as_str() != "Killed" || KILLED.is_match(body))
}
