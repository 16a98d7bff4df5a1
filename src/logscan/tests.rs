//! End-to-end tests through `scan`, on logs as runtimes really print them.

use super::*;

fn digest(log: &str) -> LogDigest {
    scan(log.as_bytes(), &LogPatterns::empty()).expect("in-memory scan")
}

/// Joins lines literally, so indentation survives (a `\` line continuation
/// in a string literal would eat it).
fn lines(lines: &[&str]) -> String {
    let mut log = lines.join("\n");
    log.push('\n');
    log
}

fn digest_bytes(log: &[u8]) -> LogDigest {
    scan(log, &LogPatterns::empty()).expect("in-memory scan")
}

/// (kind, decisive line number, context line numbers) of every crash.
fn crashes(d: &LogDigest) -> Vec<(CrashKind, u64, Vec<u64>)> {
    d.crashes.iter().map(|c| (c.kind, c.line.number, c.context.iter().map(|l| l.number).collect())).collect()
}

fn numbers(lines: &[&LogLine]) -> Vec<u64> {
    lines.iter().map(|l| l.number).collect()
}

// ---- crash signatures ------------------------------------------------------

#[test]
fn go_panic_with_signal_and_goroutine() {
    let log = "starting\n\
panic: runtime error: invalid memory address or nil pointer dereference\n\
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47f6a4]\n\
\n\
goroutine 1 [running]:\n\
main.(*Server).Run(0x0)\n\
\t/app/server.go:42 +0x24\n\
main.main()\n\
\t/app/main.go:10 +0x1d\n\
exit status 2\n";
    let d = digest(log);
    assert_eq!(crashes(&d), vec![(CrashKind::GoPanic, 2, vec![3, 5, 6, 7])]);
    assert!(d.crashes[0].line.text.starts_with("panic: runtime error"));
    // The signal line inside a Go panic is context, not a second crash.
    assert_eq!(d.crashes.len(), 1);
}

#[test]
fn go_fatal_error() {
    let log = "fatal error: runtime: out of memory\n\
\n\
runtime stack:\n\
runtime.throw({0x9d8f6b?, 0x0?})\n\
\t/usr/local/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffc\n";
    let d = digest(log);
    assert_eq!(crashes(&d), vec![(CrashKind::GoFatal, 1, vec![3, 4, 5])]);
}

#[test]
fn go_panic_without_stack_and_recovered() {
    let d = digest("panic: boom\nnext log line\n");
    assert_eq!(crashes(&d), vec![(CrashKind::GoPanic, 1, vec![])]);
    let d = digest("panic: first [recovered]\n\tpanic: second\n\ngoroutine 7 [running]:\nmain.f()\n\t/a.go:1\n");
    assert_eq!(crashes(&d), vec![(CrashKind::GoPanic, 1, vec![2, 4, 5, 6])]);
}

#[test]
fn python_traceback_takes_exception_line() {
    let log = lines(&[
        "INFO starting",
        "Traceback (most recent call last):",
        "  File \"/app/main.py\", line 10, in <module>",
        "    main()",
        "  File \"/app/main.py\", line 6, in main",
        "    raise ValueError(\"bad\")",
        "ValueError: bad",
        "INFO after",
    ]);
    let d = digest(&log);
    assert_eq!(crashes(&d), vec![(CrashKind::PythonTraceback, 7, vec![5])]);
    assert_eq!(d.crashes[0].line.text, "ValueError: bad");
}

#[test]
fn python_chained_traceback_takes_final_exception() {
    let log = lines(&[
        "Traceback (most recent call last):",
        "  File \"/app/db.py\", line 3, in connect",
        "    sock.connect(addr)",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"/app/main.py\", line 9, in <module>",
        "    db.connect()",
        "  File \"/app/db.py\", line 5, in connect",
        "    raise DatabaseError(\"cannot reach db\") from None",
        "db.DatabaseError: cannot reach db",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        "  File \"/app/run.py\", line 2, in <module>",
        "    start()",
        "RuntimeError: startup failed",
    ]);
    let d = digest(&log);
    // One crash: the final exception, its frame, then the chain in order.
    assert_eq!(crashes(&d), vec![(CrashKind::PythonTraceback, 20, vec![18, 4, 13])]);
    assert_eq!(d.crashes[0].line.text, "RuntimeError: startup failed");
    // `db.DatabaseError: x` inside a traceback must not become a JVM crash.
    assert!(d.crashes.iter().all(|c| c.kind == CrashKind::PythonTraceback));
}

#[test]
fn python_traceback_with_kubectl_timestamps() {
    let log = "2023-06-13T14:35:38.000000001Z Traceback (most recent call last):\n\
2023-06-13T14:35:38.000000002Z   File \"/app/x.py\", line 1, in <module>\n\
2023-06-13T14:35:38.000000003Z     import nope\n\
2023-06-13T14:35:38.000000004Z ModuleNotFoundError: No module named 'nope'\n";
    let d = digest(log);
    assert_eq!(crashes(&d), vec![(CrashKind::PythonTraceback, 4, vec![2])]);
    // The stored text keeps the timestamp: it is what the log says.
    assert!(d.crashes[0].line.text.starts_with("2023-06-13T14:35:38.000000004Z ModuleNotFoundError"));
}

#[test]
fn java_exception_with_caused_by() {
    let log = "2023-06-13 14:35:38.123 ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed\n\
Exception in thread \"main\" java.lang.IllegalStateException: Failed to execute CommandLineRunner\n\
\tat org.springframework.boot.SpringApplication.callRunner(SpringApplication.java:798)\n\
\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:315)\n\
Caused by: org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection\n\
\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)\n\
\t... 5 common frames omitted\n\
Caused by: java.net.ConnectException: Connection refused\n\
\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n\
\t... 12 more\n\
shutting down\n";
    let d = digest(log);
    // Top exception decisive, the last Caused by (root) first in context.
    assert_eq!(crashes(&d), vec![(CrashKind::JavaException, 2, vec![8, 3])]);
    assert_eq!(d.crashes[0].context[0].text, "Caused by: java.net.ConnectException: Connection refused");
}

#[test]
fn java_oom_and_bare_exception_lines() {
    let d = digest("java.lang.OutOfMemoryError: Java heap space\nDumping heap\n");
    assert_eq!(crashes(&d), vec![(CrashKind::JavaException, 1, vec![])]);
    let d = digest("com.example.ConfigException: missing key\n\tat com.example.App.main(App.java:3)\n");
    assert_eq!(crashes(&d), vec![(CrashKind::JavaException, 1, vec![2])]);
    // A dotted FooError line without a stack is not taken for a JVM crash.
    let d = digest("requests.exceptions.ConnectionError: HTTPSConnectionPool\nretrying\n");
    assert!(d.crashes.is_empty(), "{:?}", crashes(&d));
}

#[test]
fn node_errors() {
    let log = lines(&[
        "node:internal/modules/cjs/loader:1080",
        "  throw err;",
        "  ^",
        "",
        "Error: Cannot find module 'express'",
        "Require stack:",
        "- /app/index.js",
        "    at Module._resolveFilename (node:internal/modules/cjs/loader:1077:15)",
        "    at Module._load (node:internal/modules/cjs/loader:922:27) {",
        "  code: 'MODULE_NOT_FOUND',",
        "  requireStack: [ '/app/index.js' ]",
        "}",
        "",
        "Node.js v18.17.0",
    ]);
    let d = digest(&log);
    assert_eq!(crashes(&d), vec![(CrashKind::NodeError, 5, vec![8])]);

    let log = "/app/index.js:3\n    foo.bar();\n        ^\n\nTypeError: Cannot read properties of undefined (reading 'bar')\n    at Object.<anonymous> (/app/index.js:3:9)\n";
    let d = digest(log);
    assert_eq!(crashes(&d), vec![(CrashKind::NodeError, 5, vec![6])]);

    // Confirmed by the caret preamble alone, at the end of the log.
    let d = digest("/app/a.js:1\nx(\n ^\n\nSyntaxError: Unexpected end of input\n");
    assert_eq!(crashes(&d), vec![(CrashKind::NodeError, 5, vec![])]);

    let d = digest(
        "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason \"boom\".] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}\n",
    );
    assert_eq!(crashes(&d), vec![(CrashKind::NodeError, 1, vec![])]);

    // A CLI's `Error:` message without a stack is an error line, not a crash.
    let d = digest("Error: unknown flag: --foo\nUsage: app [flags]\n");
    assert!(d.crashes.is_empty());
    assert_eq!(d.error_lines, 1);
}

#[test]
fn rust_panics_both_formats() {
    let new = "thread 'main' panicked at src/main.rs:3:5:\n\
called `Result::unwrap()` on an `Err` value: Os { code: 2, kind: NotFound }\n\
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    let d = digest(new);
    assert_eq!(crashes(&d), vec![(CrashKind::RustPanic, 1, vec![2])]);
    assert!(d.crashes[0].context[0].text.starts_with("called `Result::unwrap()`"));

    let old = "thread 'tokio-runtime-worker' panicked at 'attempt to divide by zero', src/lib.rs:10:9\nnote: run with `RUST_BACKTRACE=1`\n";
    let d = digest(old);
    assert_eq!(crashes(&d), vec![(CrashKind::RustPanic, 1, vec![])]);

    // New format as the very last line: still recorded.
    let d = digest("thread 'main' panicked at src/main.rs:3:5:");
    assert_eq!(crashes(&d), vec![(CrashKind::RustPanic, 1, vec![])]);
}

#[test]
fn signals() {
    for (log, line) in [
        ("start\nSegmentation fault (core dumped)\n", 2),
        ("start\nAborted (core dumped)\n", 2),
        ("start\nKilled\n", 2),
        ("/entrypoint.sh: line 3:    42 Killed                  java -jar app.jar\n", 1),
        ("#  SIGSEGV (0xb) at pc=0x00007f3a, pid=1, tid=7\n", 1),
    ] {
        let d = digest(log);
        assert_eq!(crashes(&d), vec![(CrashKind::Signal, line, vec![])], "{log:?}");
    }
    for log in ["Killed 3 idle connections\n", "reaper: Killed stale workers\n", "installing handler\n"] {
        assert!(digest(log).crashes.is_empty(), "{log:?}");
    }
}

#[test]
fn crashes_keep_the_last_ones() {
    let mut log = String::new();
    for i in 0..8 {
        log.push_str(&format!("panic: crash {i}\n"));
    }
    let d = digest(&log);
    assert_eq!(d.crashes.len(), MAX_CRASHES);
    assert_eq!(d.crashes.last().map(|c| c.line.text.as_str()), Some("panic: crash 7"));
    assert_eq!(d.crashes[0].line.text, "panic: crash 3");
}

// ---- levels ----------------------------------------------------------------

#[test]
fn leveled_lines_from_all_formats() {
    let log = r#"I0312 10:04:05.123456    1 main.go:12] starting
E0312 10:04:05.123456    1 main.go:20] failed to list pods
F0312 10:04:06.000000    1 main.go:30] cannot continue
{"level":"info","msg":"fine"}
{"level":"error","ts":1.5,"msg":"zap error","error":"x"}
{"level":"fatal","msg":"logrus fatal","time":"2023-06-13T14:35:38Z"}
{"name":"svc","level":60,"msg":"bunyan fatal"}
time="2022-12-21T09:42:35Z" level=fatal msg="Error starting daemon: Cannot start Provisioner: failed to get Kubernetes server version: Get \"https://10.43.0.1:443/version?timeout=32s\": dial tcp 10.43.0.1:443: i/o timeout"
ERROR: Database connection failed!
W0312 10:04:05.123456    1 main.go:12] slow
"#;
    let d = digest(log);
    let got: Vec<(Level, u64)> = d.leveled.iter().map(|l| (l.level, l.line.number)).collect();
    assert_eq!(
        got,
        vec![
            (Level::Error, 2),
            (Level::Fatal, 3),
            (Level::Error, 5),
            (Level::Fatal, 6),
            (Level::Fatal, 7),
            (Level::Fatal, 8),
            (Level::Error, 9)
        ]
    );
    assert_eq!((d.error_lines, d.fatal_lines, d.warning_lines), (3, 4, 1));
    assert_eq!(d.leveled[2].message.as_deref(), Some("zap error"));
    assert_eq!(
        d.leveled[5].message.as_deref(),
        Some(
            "Error starting daemon: Cannot start Provisioner: failed to get Kubernetes server version: Get \"https://10.43.0.1:443/version?timeout=32s\": dial tcp 10.43.0.1:443: i/o timeout"
        )
    );
    assert_eq!(d.leveled[0].message.as_deref(), Some("failed to list pods"));
}

#[test]
fn negatives_stay_quiet() {
    let log = "build finished with 0 errors\nerror_count=0\nlevel=info msg=\"no error\"\n{\"level\":\"info\",\"msg\":\"ERROR budget ok\"}\n";
    let d = digest(log);
    assert!(d.leveled.is_empty(), "{:?}", d.leveled);
    assert_eq!((d.error_lines, d.fatal_lines), (0, 0));
    assert!(d.crashes.is_empty());
}

#[test]
fn timestamps_and_ansi_are_tolerated() {
    let log = "2023-06-13T14:35:38.123456789Z error: config file missing\n\
2023-06-13T14:35:38.223456789Z stderr F \x1b[31mFATAL\x1b[0m: giving up\n\
2023-06-13T14:35:38.323456789+02:00 {\"level\":\"error\",\"msg\":\"json after stamp\"}\n\
2023-06-13T14:35:38.423456789Z panic: late\n";
    let d = digest(log);
    let got: Vec<(Level, u64)> = d.leveled.iter().map(|l| (l.level, l.line.number)).collect();
    assert_eq!(got, vec![(Level::Error, 1), (Level::Fatal, 2), (Level::Error, 3)]);
    // ANSI removed from stored text, CRI tag and timestamp kept.
    assert_eq!(d.leveled[1].line.text, "2023-06-13T14:35:38.223456789Z stderr F FATAL: giving up");
    assert_eq!(crashes(&d), vec![(CrashKind::GoPanic, 4, vec![])]);
    let first = d.first.as_ref().map(|l| l.text.as_str());
    assert_eq!(first, Some("2023-06-13T14:35:38.123456789Z error: config file missing"));
}

#[test]
fn leveled_keeps_first_and_last() {
    let mut log = String::new();
    for i in 1..=100 {
        log.push_str(&format!("ERROR failure {i}\ninfo {i}\n"));
    }
    let d = digest(&log);
    assert_eq!(d.error_lines, 100);
    assert_eq!(d.leveled.len(), LEVELED_HEAD + LEVELED_TAIL);
    let texts: Vec<&str> = d.leveled.iter().map(|l| l.line.text.as_str()).collect();
    assert_eq!(texts[0], "ERROR failure 1");
    assert_eq!(texts[LEVELED_HEAD - 1], "ERROR failure 20");
    assert_eq!(texts[LEVELED_HEAD], "ERROR failure 81");
    assert_eq!(texts[LEVELED_HEAD + LEVELED_TAIL - 1], "ERROR failure 100");
    assert!(d.leveled.windows(2).all(|w| w[0].line.number < w[1].line.number));
    // Line numbers count every line.
    assert_eq!(d.leveled.last().map(|l| l.line.number), Some(199));
}

// ---- stream handling -------------------------------------------------------

#[test]
fn tail_and_counts() {
    let mut log = String::new();
    for i in 1..=15 {
        log.push_str(&format!("line {i}\n\n"));
    }
    let d = digest(&log);
    assert_eq!(d.lines, 30);
    assert_eq!(d.bytes, log.len() as u64);
    let tail: Vec<&str> = d.tail.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(tail.len(), TAIL_LINES);
    assert_eq!(tail[0], "line 6");
    assert_eq!(tail[9], "line 15");
    assert_eq!(d.tail[9].number, 29);
    assert_eq!(d.first.as_ref().map(|l| l.number), Some(1));

    let d = digest("\n\nonly\r\nno newline at end");
    assert_eq!(d.lines, 4);
    assert_eq!(d.tail.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), vec!["only", "no newline at end"]);
    assert_eq!(d.first.as_ref().map(|l| l.number), Some(3));

    let d = digest("");
    assert_eq!((d.lines, d.bytes), (0, 0));
    assert!(d.first.is_none() && d.tail.is_empty());
    assert!(d.decisive(3).is_empty());
}

#[test]
fn non_utf8_and_nul_bytes() {
    let d = digest_bytes(b"ok line\n\xff\xfe ERROR bad \xc3\x28 bytes\nzero\0byte\n");
    assert!(d.lossy);
    assert_eq!(d.lines, 3);
    assert_eq!(d.leveled.len(), 1);
    assert_eq!(d.leveled[0].line.text, "\u{fffd}\u{fffd} ERROR bad \u{fffd}( bytes");
    assert_eq!(d.tail[2].text, "zero\u{fffd}byte");

    assert!(!digest("plain ascii and ünïcode\n").lossy);
}

#[test]
fn over_long_line_is_capped_not_kept() {
    // 10 MB of 'é' (2 bytes each) so the cut must land on a char boundary,
    // with the ERROR token at the start where the classifier looks.
    let mut log = String::from("ERROR ");
    log.push_str(&"é".repeat(5 * 1024 * 1024));
    log.push_str("\nafter\n");
    let d = digest(&log);
    assert_eq!(d.lines, 2);
    assert_eq!(d.bytes, log.len() as u64);
    assert_eq!(d.truncated_lines, 1);
    assert!(!d.lossy, "a cut inside a char is not corruption");
    let kept = &d.leveled[0].line.text;
    assert!(kept.len() <= MAX_LINE_TEXT_BYTES, "{}", kept.len());
    assert!(kept.len() > MAX_LINE_TEXT_BYTES - 8);
    assert!(kept.starts_with("ERROR éé") && kept.ends_with('…'));
    assert_eq!(d.tail.last().map(|l| (l.number, l.text.as_str())), Some((2, "after")));

    // Between the text cap and the scan cap: cut for storage, fully examined.
    let mut log = "x".repeat(MAX_LINE_TEXT_BYTES + 10);
    log.push_str(" FATAL");
    let d = digest(&log);
    assert_eq!(d.truncated_lines, 1);
    assert_eq!(d.fatal_lines, 1);
}

#[test]
fn reader_errors_propagate() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk gone"))
        }
    }
    let err = scan(std::io::BufReader::new(Failing), &LogPatterns::empty()).expect_err("must fail");
    assert_eq!(err.to_string(), "disk gone");
}

// ---- patterns --------------------------------------------------------------

#[test]
fn pattern_hits_are_capped_and_counted() {
    let patterns = LogPatterns::new(&["i/o timeout", "^OOM", "never"]).expect("valid patterns");
    let mut log = String::new();
    for i in 1..=8 {
        log.push_str(&format!("2023-06-13T14:35:38Z dial tcp 10.0.0.{i}:443: i/o timeout\n"));
    }
    log.push_str("2023-06-13T14:35:39Z OOM in worker\nnot OOM at start\n");
    let d = scan(log.as_bytes(), &patterns).expect("scan");
    assert_eq!(d.hit_counts, vec![8, 1, 0]);
    let first: Vec<(usize, u64)> = d.hits.iter().map(|h| (h.pattern, h.line.number)).collect();
    assert_eq!(first, vec![(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 9)]);
    // `^` anchors after the timestamp; stored text keeps it.
    assert!(d.hits[5].line.text.starts_with("2023-06-13T14:35:39Z OOM"));

    let d = digest("i/o timeout\n");
    assert!(d.hits.is_empty() && d.hit_counts.is_empty());
}

// ---- decisive ----------------------------------------------------------------

#[test]
fn decisive_prefers_crash_then_fatal_then_latest_errors() {
    let log = "ERROR early failure\n\
FATAL first fatal\n\
FATAL last fatal\n\
ERROR retry failed\n\
java.lang.IllegalStateException: old handled\n\
\tat a.B.c(B.java:1)\n\
panic: boom\n\
\n\
goroutine 1 [running]:\n\
main.main()\n\
\t/app/main.go:3 +0x1\n\
ERROR after panic\n\
exit\n";
    let d = digest(log);
    assert_eq!(
        crashes(&d).iter().map(|c| (c.0, c.1)).collect::<Vec<_>>(),
        vec![(CrashKind::JavaException, 5), (CrashKind::GoPanic, 7)]
    );
    // panic + context, last fatal, errors from the end, earlier crash.
    assert_eq!(numbers(&d.decisive(20)), vec![7, 9, 10, 11, 3, 12, 4, 2, 1, 5]);
    assert_eq!(numbers(&d.decisive(5)), vec![7, 9, 10, 11, 3]);
    assert!(d.decisive(0).is_empty());
}

#[test]
fn decisive_falls_back_to_errors_then_tail() {
    let d = digest("ERROR: Database connection failed!\ninfo: retrying\nERROR: still failing\nbye\n");
    assert_eq!(numbers(&d.decisive(5)), vec![3, 1]);
    let d = digest("starting\nlistening on :8080\nshutting down\n\n");
    assert_eq!(numbers(&d.decisive(5)), vec![3]);
}

#[test]
fn decisive_deduplicates_by_line_number() {
    // The fatal line is also the only leveled line: it must appear once.
    let d = digest("x\nFATAL: out of disk\n");
    assert_eq!(numbers(&d.decisive(5)), vec![2]);
    // A crash line that is also leveled (`Error:` is both) appears once.
    let d = digest("/a.js:1\n^\n\nError: boom\n    at main (/a.js:1:1)\n");
    assert_eq!(numbers(&d.decisive(5)), vec![4, 5]);
}

#[test]
fn serializes() {
    let d = digest("panic: x\n");
    let json = serde_json::to_value(&d).expect("serializable");
    assert_eq!(json["crashes"][0]["kind"], "go-panic");
    assert_eq!(json["crashes"][0]["line"]["number"], 1);
}

// ---- robustness --------------------------------------------------------------

/// Deterministic xorshift so the test is reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Glues fragments that drive every format and state machine into odd
/// combinations: cut escapes, stray quotes, half JSON, invalid UTF-8.
fn random_log(rng: &mut Rng, lines: usize) -> Vec<u8> {
    const FRAGMENTS: &[&[u8]] = &[
        b"2023-06-13T14:35:38.123456789Z ",
        b"2023-06-13T14:35:38+02:00 stderr F ",
        b"stdout P ",
        b"panic: ",
        b"fatal error: ",
        b"goroutine 1 [running]:",
        b"[signal SIGSEGV",
        b"Traceback (most recent call last):",
        b"During handling of the above exception, another exception occurred:",
        b"  File \"x.py\", line 1",
        b"ValueError: v",
        b"Exception in thread \"main\" ",
        b"java.lang.IllegalStateException: ",
        b"Caused by: ",
        b"\tat a.B(B.java:1)",
        b"    at f (/a.js:1:1)",
        b"Error [ERR_X]: ",
        b"TypeError: ",
        b"^^^",
        b"node:internal/x",
        b"[UnhandledPromiseRejection",
        b"thread 'main' panicked at ",
        b"src/main.rs:1:1:",
        b"'",
        b"Killed",
        b"(core dumped)",
        b"E0312 10:04:05.123456    1 f.go:1] ",
        b"F0312 ",
        b"{\"level\":",
        b"\"error\"",
        b"60",
        b",\"msg\":\"",
        b"\\\"",
        b"}",
        b"{",
        b"level=",
        b"lvl=eror ",
        b"msg=\"",
        b"ERROR",
        b"Error:",
        b"[emerg]",
        b"[",
        b"]",
        b"E! ",
        b"\x1b[31m",
        b"\x1b]8;;",
        b"\x1b",
        b"\0",
        b"\xff",
        b"\xc3",
        b"\xe2\x80",
        b"\xf0\x9f\x92\xa5",
        b"\xc3\xa9",
        b" ",
        b"\t",
        b"\r",
        b"\n",
    ];
    let mut out = Vec::new();
    for _ in 0..lines {
        for _ in 0..rng.below(6) {
            out.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
        out.push(b'\n');
    }
    out
}

#[test]
fn never_panics_and_respects_caps() {
    let patterns = LogPatterns::new(&["(?i)error", "^panic", r"\d+"]).expect("valid");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        let log = random_log(&mut rng, 200);
        let d = scan(log.as_slice(), &patterns).expect("in-memory scan");
        assert_eq!(d.bytes, log.len() as u64, "round {round}");
        assert!(d.tail.len() <= TAIL_LINES);
        assert!(d.leveled.len() <= LEVELED_HEAD + LEVELED_TAIL);
        assert!(d.crashes.len() <= MAX_CRASHES);
        assert!(d.crashes.iter().all(|c| c.context.len() <= MAX_CRASH_CONTEXT));
        for p in 0..patterns.len() {
            assert!(d.hits.iter().filter(|h| h.pattern == p).count() <= MAX_HITS_PER_PATTERN);
        }
        let all_lines = d
            .tail
            .iter()
            .chain(d.leveled.iter().map(|l| &l.line))
            .chain(d.crashes.iter().flat_map(|c| std::iter::once(&c.line).chain(&c.context)))
            .chain(d.hits.iter().map(|h| &h.line));
        for line in all_lines {
            assert!(line.number >= 1 && line.number <= d.lines);
            assert!(line.text.len() <= MAX_LINE_TEXT_BYTES);
            assert!(!line.text.contains('\0') && !line.text.contains('\x1b'));
        }
        let picked = d.decisive(7);
        assert!(picked.len() <= 7);
        let mut seen: Vec<u64> = picked.iter().map(|l| l.number).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), picked.len(), "decisive lines are unique");
    }
}

#[test]
fn result_does_not_depend_on_read_chunking() {
    let mut rng = Rng(42);
    let log = random_log(&mut rng, 2000);
    let patterns = LogPatterns::new(&["ERROR", "Killed"]).expect("valid");
    let whole = scan(log.as_slice(), &patterns).expect("scan");
    let tiny = scan(std::io::BufReader::with_capacity(1, log.as_slice()), &patterns).expect("scan");
    assert_eq!(whole, tiny);
    assert!(whole.error_lines > 0 && !whole.crashes.is_empty());
}
