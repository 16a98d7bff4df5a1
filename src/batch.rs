//! `analyze --batch DIR`: every bundle of a directory analysed in one
//! process, bundles in parallel, one JSON line per bundle (JSON Lines) in
//! sorted path order, so support teams can sweep thousands of bundles and
//! feed the lines to a job runner or a warehouse.
//!
//! A line is `{"bundle": PATH, "report": REPORT}`, where REPORT is exactly
//! what `analyze PATH --format json` prints (compact), or
//! `{"bundle": PATH, "error": {"code": ..., "message": ...}}`. A bundle that
//! cannot be read, holds nothing podmortem reads, or makes podmortem panic
//! is one error line; the run goes on.

use crate::analyze::{self, Options};
use crate::ingest::Input;
use crate::report::{Report, Severity};
use crate::rules::Catalog;
use serde::Serialize;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

/// Why a bundle has no report: a stable `code` for scripts, a `message` for people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BundleError {
    /// `not-found`, `unreadable`, `not-a-bundle`, `no-readable-input` or `internal-error`.
    pub code: &'static str,
    pub message: String,
    /// What went wrong inside the bundle, where the analysis got that far
    /// (a truncated archive says where it ends), as in a report's `warnings`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::model::source::Warning>,
}

impl BundleError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        BundleError { code, message: message.into(), warnings: Vec::new() }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    bundle: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a BundleError>,
}

/// The bundles of DIR: its entries one level deep, sorted by name, hidden
/// ones (`.DS_Store`, a download in progress) left out. Every other entry is
/// a bundle whatever its name, because formats are recognised by content
/// (an uploaded `case-4711` may be a tarball); one that holds nothing
/// podmortem reads becomes an error line, never a silent gap.
pub fn bundles(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        if !name.as_encoded_bytes().starts_with(b".") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names.into_iter().map(|name| dir.join(name)).collect())
}

/// One bundle, analysed as `podmortem analyze PATH` would analyse it.
pub fn analyse_bundle(path: &Path, options: &Options, catalog: &Catalog) -> Result<Report, BundleError> {
    let display = path.display().to_string();
    // Follows a symlink: a directory of links to bundles is a fair batch.
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BundleError::new("not-found", format!("{display}: no such file or directory")),
        _ => BundleError::new("unreadable", format!("{display}: cannot read: {e}")),
    })?;
    // A FIFO or a device would block the reader or never end.
    if !meta.is_dir() && !meta.is_file() {
        return Err(BundleError::new(
            "not-a-bundle",
            format!("{display}: not a regular file or directory (a FIFO, socket or device)"),
        ));
    }
    let report = analyze::analyze_with(&[Input::Path(path.to_path_buf())], options, catalog).map_err(|e| {
        let code = match e {
            crate::ingest::IngestError::NotFound { .. } => "not-found",
            crate::ingest::IngestError::Io { .. } => "unreadable",
        };
        BundleError::new(code, e.to_string())
    })?;
    if report.inputs.iter().all(|i| i.files_read == 0) {
        return Err(BundleError {
            warnings: report.warnings,
            ..BundleError::new(
                "no-readable-input",
                format!("no readable input: no Kubernetes export or log was found in {display}"),
            )
        });
    }
    Ok(report)
}

/// What the run did, for the exit code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub bundles: usize,
    pub failed: usize,
    /// The most severe finding of any report.
    pub worst: Option<Severity>,
}

/// A finished bundle: its line, ready to write, and what the summary needs.
struct Done {
    line: String,
    failed: bool,
    worst: Option<Severity>,
}

/// Analyses `bundles` with `analyse`, in parallel on a pool of `threads`
/// (0: `RAYON_NUM_THREADS` or one per core), and hands each line (without
/// its newline) to `emit` in the order of `bundles`, each as soon as the
/// ones before it are written. An error from `emit` (a closed pipe, a full
/// disk) ends the run and is returned.
pub fn run<F>(
    bundles: &[PathBuf],
    threads: usize,
    analyse: F,
    mut emit: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<Summary>
where
    F: Fn(&Path) -> Result<Report, BundleError> + Send + Sync + 'static,
{
    // Each bundle runs whole on a worker, not on the main thread's 8 MiB
    // stack, so the workers get as much: a stack overflow aborts the
    // process, and no catch_unwind can turn it into an error line.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("batch-{i}"))
        .stack_size(8 << 20)
        .build()
        .map_err(|e| std::io::Error::other(format!("cannot start the worker threads: {e}")))?;
    let workers = pool.current_num_threads().max(1);
    // At most one bundle per worker at a time: a worker waiting inside one
    // analysis steals queued jobs, and a queued bundle would then start on
    // top of it, holding two models at once. And at most `ahead` bundles
    // past the last line written, so a slow bundle holds back a bounded
    // number of finished lines, not the whole run's.
    let ahead = (workers * 8).max(32);
    let analyse = Arc::new(analyse);
    let (sender, receiver) = mpsc::channel::<(usize, Done)>();
    let mut summary = Summary { bundles: bundles.len(), ..Summary::default() };
    let mut finished: BTreeMap<usize, Done> = BTreeMap::new();
    let (mut next_start, mut next_write, mut in_flight) = (0, 0, 0);
    while next_write < bundles.len() {
        while next_start < bundles.len() && in_flight < workers && next_start < next_write + ahead {
            let (index, path) = (next_start, bundles[next_start].clone());
            let (analyse, sender) = (analyse.clone(), sender.clone());
            pool.spawn(move || {
                // Rayon aborts the process on a panic in a spawned job: it
                // must not leave this closure.
                let done = std::panic::catch_unwind(AssertUnwindSafe(|| finish(&path, analyse(&path))))
                    .unwrap_or_else(|payload| finish(&path, Err(panicked(&*payload))));
                // The receiver is gone only when the run already stopped.
                let _ = sender.send((index, done));
            });
            next_start += 1;
            in_flight += 1;
        }
        // Every job sends once and the run holds a sender, so this waits
        // for the next bundle to finish.
        let Ok((index, done)) = receiver.recv() else { break };
        in_flight -= 1;
        crate::progress::bundle_done();
        finished.insert(index, done);
        while let Some(done) = finished.remove(&next_write) {
            summary.failed += usize::from(done.failed);
            summary.worst = match (summary.worst, done.worst) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            emit(&done.line)?;
            next_write += 1;
        }
    }
    Ok(summary)
}

/// The line of one bundle; serialising happens on the worker, so only the
/// line waits for its turn, not the report.
fn finish(path: &Path, outcome: Result<Report, BundleError>) -> Done {
    let bundle = path.display().to_string();
    let line = |report, error| serde_json::to_string(&Line { bundle: &bundle, report, error });
    let (line, failed, worst) = match &outcome {
        Ok(report) => match line(Some(report), None) {
            Ok(text) => (Ok(text), false, report.findings.iter().map(|f| f.severity).min()),
            Err(e) => {
                let error = BundleError::new("internal-error", format!("serialising the JSON report failed: {e}"));
                (line(None, Some(&error)), true, None)
            }
        },
        Err(error) => (line(None, Some(error)), true, None),
    };
    // A Line of plain strings always serialises; the fallback keeps the
    // promise of one line per bundle even so.
    let line = line.unwrap_or_else(|_| {
        format!(r#"{{"bundle":{:?},"error":{{"code":"internal-error","message":"unserialisable"}}}}"#, bundle)
    });
    Done { line, failed, worst }
}

fn panicked(payload: &(dyn std::any::Any + Send)) -> BundleError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    BundleError::new(
        "internal-error",
        format!("podmortem failed on this bundle (a bug in podmortem; please report it): {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest real report: an analysis of one empty JSON list.
    fn empty_list_report(dir: &Path) -> impl Fn(&Path) -> Result<Report, BundleError> + Send + Sync + 'static {
        let file = dir.join("pods.json");
        std::fs::write(&file, r#"{"kind":"List","items":[]}"#).expect("write");
        move |_| Ok(analyze::analyze(&[Input::Path(file.clone())], &Options::default()).expect("analyses"))
    }

    fn run_collect(
        paths: &[PathBuf],
        threads: usize,
        analyse: impl Fn(&Path) -> Result<Report, BundleError> + Send + Sync + 'static,
    ) -> (Vec<serde_json::Value>, Summary) {
        let mut lines = Vec::new();
        let summary = run(paths, threads, analyse, |line| {
            lines.push(serde_json::from_str(line).expect("each line is JSON"));
            Ok(())
        })
        .expect("runs");
        (lines, summary)
    }

    #[test]
    fn a_panicking_bundle_is_one_error_line_and_the_run_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths: Vec<PathBuf> = ["a", "b", "c"].iter().map(PathBuf::from).collect();
        for threads in [1, 2] {
            let report = empty_list_report(dir.path());
            let (lines, summary) = run_collect(&paths, threads, move |path| {
                if path == Path::new("b") {
                    panic!("boom in b");
                }
                report(path)
            });
            let bundles: Vec<_> = lines.iter().map(|l| l["bundle"].as_str().expect("bundle").to_string()).collect();
            assert_eq!(bundles, ["a", "b", "c"], "one line per bundle, in order");
            assert_eq!(lines[1]["error"]["code"], "internal-error");
            assert!(lines[1]["error"]["message"].as_str().expect("message").contains("boom in b"));
            assert!(lines[1].get("report").is_none());
            for ok in [&lines[0], &lines[2]] {
                assert_eq!(ok["report"]["schema"], "podmortem/report/v1");
                assert!(ok.get("error").is_none());
            }
            assert_eq!(summary, Summary { bundles: 3, failed: 1, worst: None });
        }
    }

    #[test]
    fn lines_come_in_input_order_whatever_finishes_first() {
        let paths: Vec<PathBuf> = (0..40).map(|i| PathBuf::from(format!("b{i:02}"))).collect();
        let (lines, summary) = run_collect(&paths, 4, |path| {
            let n: u64 = path.to_string_lossy()[1..].parse().expect("number");
            // Early bundles finish last.
            std::thread::sleep(std::time::Duration::from_millis((40 - n) % 7));
            Err(BundleError::new("not-found", format!("{} missing", path.display())))
        });
        let bundles: Vec<_> = lines.iter().map(|l| l["bundle"].as_str().expect("bundle").to_string()).collect();
        let expected: Vec<_> = paths.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(bundles, expected);
        assert_eq!(summary.failed, 40);
        assert_eq!(summary.worst, None);
    }

    #[test]
    fn a_failing_writer_stops_the_run_with_its_error() {
        let paths: Vec<PathBuf> = (0..10).map(|i| PathBuf::from(format!("b{i}"))).collect();
        let mut written = 0;
        let result = run(
            &paths,
            2,
            |_| Err(BundleError::new("not-found", "x")),
            |_| {
                written += 1;
                if written == 3 { Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)) } else { Ok(()) }
            },
        );
        assert_eq!(result.expect_err("stops").kind(), std::io::ErrorKind::BrokenPipe);
        assert_eq!(written, 3);
    }

    #[test]
    fn hidden_entries_are_skipped_and_the_rest_sorted() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.json", ".hidden", "a", "C.tar.gz"] {
            std::fs::write(dir.path().join(name), "{}").expect("write");
        }
        let names: Vec<_> = bundles(dir.path())
            .expect("lists")
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["C.tar.gz", "a", "b.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
        assert!(made.success());
        let error = analyse_bundle(&fifo, &Options::default(), &Catalog::builtin()).expect_err("not a bundle");
        assert_eq!(error.code, "not-a-bundle");
        assert!(error.message.contains("pipe"));
    }
}
