//! Fuzz harnesses: one function per `cargo fuzz` target (`fuzz/`).
//!
//! They live in the library, not in the fuzz crate, so that the inputs the
//! fuzzer once crashed on (`fuzz/regressions/<target>/`) are replayed by the
//! ordinary test suite (`tests/fuzz_regressions.rs`) through the very same
//! code, on the stable toolchain, without libFuzzer. Each harness feeds
//! arbitrary bytes to a real entry point of the parsers and must never
//! panic, hang or blow up memory, whatever the bytes: podmortem reads
//! exports that nobody vouches for.

use crate::ingest::archive::{self, EntryInfo, Kind, Limits, Visit, Visitor};
use crate::ingest::decode::{self, Partial};
use crate::ingest::jsonstream::{self, ItemSplitter};
use crate::ingest::{describe, dump, yaml};
use crate::logscan::{self, LogPatterns};
use crate::model::Model;
use crate::model::source::SourceId;
use crate::model::time::Time;
use crate::rules::{Catalog, custom, iac_state_lock};
use std::io::{Cursor, Read};
use std::sync::OnceLock;

/// A harness: arbitrary bytes in, nothing out, never a panic.
pub type Harness = fn(&[u8]);

/// Every target, by the name of its `fuzz/fuzz_targets/<name>.rs` and its
/// `fuzz/regressions/<name>/` folder.
pub const TARGETS: &[(&str, Harness)] = &[
    ("kube_objects", kube_objects),
    ("events", events),
    ("describe", describe),
    ("log_lines", log_lines),
    ("dump_logs", dump_logs),
    ("archive", archive),
    ("iac_lock", iac_lock),
    ("custom_rules", custom_rules),
];

const FILE: &str = "fuzz/input";

/// A fixed snapshot time for what resolves relative ages.
fn snapshot() -> Time {
    Time::from_unix(1_700_000_000).unwrap_or_else(|| unreachable!("a valid Unix time"))
}

/// Decodes one document the way a file or stdin is decoded, then merges and
/// finishes the model as a whole run would.
fn decode_document(data: &[u8]) {
    let mut partial = Partial::default();
    decode::document(data, SourceId(0), FILE, FILE, &mut partial);
    let mut model = Model::default();
    model.sources.add(FILE, FILE);
    Partial::merge_all(vec![partial.shrink()], &mut model);
    model.finish();
    model.drop_unread_events(&|_, _| false);
}

/// The kube-object decoder: JSON (single objects, lists, concatenated
/// documents) and YAML streams into the model, plus the JSON item splitter
/// at a small chunk size (boundaries everywhere) and the field locator.
pub fn kube_objects(data: &[u8]) {
    decode_document(data);
    json_split(data);
    if let Ok(text) = std::str::from_utf8(data) {
        for doc in yaml::documents(text).into_iter().flatten() {
            let _ = yaml::item_lines(doc.text, doc.line);
            let _ = yaml::sequence_lines(doc.text, doc.line);
        }
    }
}

fn json_split(data: &[u8]) {
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 61);
    let mut splitter = ItemSplitter::with_chunk_size(Cursor::new(data), chunk);
    while let Ok(batch) = splitter.next_batch(16) {
        if batch.is_empty() {
            break;
        }
        for piece in &batch {
            let raw = piece.raw();
            let _ = jsonstream::locate_fields(&raw.bytes, raw.line, 6);
            let _ = jsonstream::locate(&raw.bytes, raw.line, "status.containerStatuses");
        }
    }
    let _ = (splitter.envelopes().len(), splitter.trailing_line(), splitter.is_finished());
}

/// The events normaliser: core/v1 and events.k8s.io/v1 Events and
/// EventLists (as JSON or YAML) into model events. Same entry point as
/// `kube_objects`; the corpus is seeded with event files only.
pub fn events(data: &[u8]) {
    decode_document(data);
}

/// The `kubectl describe` text parser, then the decoder's path through it.
pub fn describe(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pods, _problems) = describe::parse(&text);
    for mut pod in pods {
        pod.resolve_times(snapshot());
        let _ = pod.latest_time();
        let _ = pod.line_of("spec.containers");
        for event in &mut pod.events {
            event.resolve_times(snapshot());
        }
    }
    for line in text.lines().take(64) {
        let _ = describe::parse_age(line);
    }
    decode_document(data);
}

/// The log-line timestamp and format parsers: every line's leading
/// timestamp and date, then the whole log scanned with the built-in
/// patterns (levels, crash signatures, JSON/logfmt/klog formats).
pub fn log_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let _ = logscan::split_timestamp(line);
        let _ = logscan::line_time(line, None);
        let _ = logscan::line_time(line, Some(2024));
    }
    if let Ok(digest) = logscan::scan(Cursor::new(data), builtin_patterns()) {
        let _ = digest.decisive(20);
    }
}

fn builtin_patterns() -> &'static LogPatterns {
    static PATTERNS: OnceLock<LogPatterns> = OnceLock::new();
    PATTERNS.get_or_init(|| Catalog::builtin().compiled_patterns())
}

/// The `cluster-info dump` log splitter (logs.txt files and the stdout
/// form interleaving JSON and log blocks), then the decoder's path.
pub fn dump_logs(data: &[u8]) {
    let _ = dump::is_dump_logs(&data[..data.len().min(4096)]);
    for block in dump::split_logs(data) {
        let _ = (block.content(data).len(), block.no_log_note());
    }
    let stream = dump::split_stream(data);
    for (start, end, _) in stream.documents.iter().chain(&stream.unterminated) {
        let _ = data.get(*start..*end);
    }
    let _ = dump::blocks(data).count();
    decode_document(data);
}

/// Reads every entry to its end, as ingest does for the files it wants.
struct ReadAll;

impl Visitor for ReadAll {
    fn choose(&mut self, _: &EntryInfo) -> Visit {
        Visit::Read
    }
    fn read(&mut self, _: &EntryInfo, reader: &mut dyn Read) -> std::io::Result<()> {
        std::io::copy(reader, &mut std::io::sink()).map(|_| ())
    }
}

/// The archive walker (tar, gzip, xz, zip, nested), seekable and streamed.
/// The limits are the defence against bombs; they are set low here so a
/// small input that expands hugely stops at them instead of timing out.
pub fn archive(data: &[u8]) {
    let limits = Limits {
        max_total_bytes: 64 << 20,
        max_entry_bytes: 16 << 20,
        max_entries: 10_000,
        max_nesting: 3,
        max_buffered_nested_zip: 16 << 20,
        // Reached only past this: a bomb then stops at the byte limits above.
        ratio_after: 32 << 20,
        ..Limits::default()
    };
    let Some(kind) = archive::sniff(data) else {
        let _ = archive::walk_stream(Cursor::new(data), Kind::Tar, "fuzz.tar", &limits, &mut ReadAll);
        return;
    };
    let _ = archive::walk(Cursor::new(data), kind, &limits, &mut ReadAll);
    let _ = archive::walk_stream(Cursor::new(data), kind, "fuzz.archive", &limits, &mut ReadAll);
}

/// The Terraform/OpenTofu/Terragrunt state-lock block parser, and the
/// finding text built from each failure.
pub fn iac_lock(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (tool, failures) = iac_state_lock::find_lock_failures(&text);
    for failure in &failures {
        let _ = iac_state_lock::describe(tool, failure, "ci/fuzz.log");
    }
}

/// The custom-rule (`--rules`) loader: YAML rule packs with their checks,
/// then the pack's log patterns prepared as a run prepares them (literal
/// prefilter, gates) and matched against the pack's own text as a log.
pub fn custom_rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules: Vec<_> = custom::parse_text("fuzz.yaml", text, 0).into_iter().flatten().collect();
    let patterns: Vec<&str> = rules.iter().flat_map(|r| r.log_patterns()).map(String::as_str).collect();
    let _ = rules.iter().map(|r| r.source_yaml().len()).sum::<usize>();
    if let Ok(compiled) = LogPatterns::new(&patterns) {
        let _ = logscan::scan(Cursor::new(data), &compiled);
    }
}
