//! Decoding one file's bytes into model objects.
//!
//! JSON lists are split into items by `jsonstream` and each item is parsed on
//! its own into the lean `wire` structs, in parallel batches: one malformed
//! item costs a warning, not the file, and no whole-document tree is built.
//! YAML (single or multi-document) goes through `yaml`.

use super::jsonstream::{ItemSplitter, Piece, RawItem, SplitError};
use super::wire;
use super::yaml;
use super::{describe, dump};
use crate::model::revision::{ItemInFile, LazyTemplate, PodTemplate, Revision, RevisionKind};
use crate::model::source::{Origin, SourceId, Warning, WarningCode};
use crate::model::time::Time;
use crate::model::{
    Container, ContainerKey, ContainerSpec, ContainerStatus, Event, LogFile, Model, Node, OwnerRef, Pod, PodCondition,
    State, Termination, UnreadEvents, Workload,
};
use rayon::prelude::*;
use serde::Deserialize;
use std::io::Read;
use std::sync::Arc;

/// Items parsed per parallel batch: big enough to amortise rayon's
/// dispatch, small enough to keep memory flat on a 1 GB list.
const BATCH: usize = 512;

/// Text that is not JSON (YAML, `kubectl describe`, a dump's log blocks)
/// is parsed from memory whole: serde_yaml has no streaming parser, and a
/// YAML export this big already takes gigabytes as values, when the
/// largest real ones (a must-gather namespace's pods.yaml) are tens of MB.
/// Bigger text is skipped with a warning instead of read.
pub const MAX_TEXT_DOCUMENT_BYTES: u64 = 256 << 20;

/// Bytes looked at to tell text from binary data.
const SNIFF_BYTES: usize = 4096;

/// What one file contributed. Merged into the model in file order.
#[derive(Default)]
pub struct Partial {
    pub pods: Vec<Box<Pod>>,
    pub events: Vec<Event>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    pub revisions: Vec<Revision>,
    pub logs: Vec<(ContainerKey, super::layout::LogSlot, LogFile)>,
    pub pipeline_logs: Vec<crate::model::PipelineLog>,
    pub warnings: Vec<Warning>,
    pub latest: Option<Time>,
    /// Events about these pods are dropped as they are parsed: nothing will
    /// read them (`UnreadEvents`). Their times still count for the snapshot.
    pub unread_events: Option<Arc<UnreadEvents>>,
}

impl Partial {
    pub fn warn(&mut self, code: WarningCode, input: &str, file: &str, message: String) {
        self.warnings.push(super::warning(code, input, file, message));
    }

    fn note_time(&mut self, t: Option<Time>) {
        if let Some(t) = t {
            if self.latest.is_none_or(|l| t > l) {
                self.latest = Some(t);
            }
        }
    }

    /// Moves line numbers of objects parsed from the middle of a file.
    fn shift_lines(&mut self, by: u64) {
        let origins = self
            .pods
            .iter_mut()
            .map(|p| &mut p.origin)
            .chain(self.events.iter_mut().map(|e| &mut e.origin))
            .chain(self.nodes.iter_mut().map(|n| &mut n.origin))
            .chain(self.workloads.iter_mut().map(|w| &mut w.origin))
            .chain(self.revisions.iter_mut().map(|r| &mut r.origin));
        for origin in origins {
            origin.line = origin.line.map(|l| l + by);
            origin.field_lines.shift(by);
        }
        for revision in &mut self.revisions {
            revision.pod_template.shift_lines(by);
        }
    }

    /// Drops the slack of lists grown item by item: every partial is alive
    /// until the merge, and slack there was a quarter of peak memory on a
    /// full-size bundle. Every partial goes through this before the merge.
    pub fn shrink(mut self) -> Partial {
        // One file's events share a namespace and a handful of kinds,
        // reasons, types, components and hosts: one allocation each.
        let mut seen = std::collections::HashSet::new();
        for e in &mut self.events {
            for text in
                [&mut e.namespace, &mut e.object_kind, &mut e.reason, &mut e.type_, &mut e.component, &mut e.host]
            {
                text.intern(&mut seen);
            }
        }
        // Pods: the label sets of one ReplicaSet's replicas, and conditions.
        let mut label_sets: std::collections::HashSet<Arc<std::collections::BTreeMap<String, String>>> =
            Default::default();
        for pod in &mut self.pods {
            match label_sets.get(&*pod.labels) {
                Some(shared) => pod.labels = shared.clone(),
                None => {
                    label_sets.insert(pod.labels.clone());
                }
            }
            for c in &mut pod.conditions {
                for text in [&mut c.type_, &mut c.status, &mut c.reason, &mut c.message] {
                    text.intern(&mut seen);
                }
            }
        }
        self.pods.shrink_to_fit();
        self.events.shrink_to_fit();
        self.nodes.shrink_to_fit();
        self.workloads.shrink_to_fit();
        self.revisions.shrink_to_fit();
        self
    }

    fn absorb(&mut self, other: Partial) {
        self.pods.extend(other.pods);
        match &self.unread_events {
            Some(unread) => self.events.extend(other.events.into_iter().filter(|e| !unread.covers(e))),
            None => self.events.extend(other.events),
        }
        self.nodes.extend(other.nodes);
        self.workloads.extend(other.workloads);
        self.revisions.extend(other.revisions);
        self.warnings.extend(other.warnings);
        self.logs.extend(other.logs);
        self.pipeline_logs.extend(other.pipeline_logs);
        self.note_time(other.latest);
    }

    /// Merges every partial in order. The model's lists are sized once:
    /// growing them by doubling would hold up to twice the model (hundreds of
    /// MiB on a full-size bundle) at the moment memory peaks. A list that
    /// only one partial holds (a single `pods.json`) is moved, not copied.
    pub fn merge_all(partials: Vec<Partial>, model: &mut Model) {
        fn size<T>(list: &mut Vec<T>, partials: &[Partial], of: fn(&Partial) -> &Vec<T>) {
            let holders = partials.iter().filter(|p| !of(p).is_empty()).count();
            if holders > 1 {
                list.reserve_exact(partials.iter().map(|p| of(p).len()).sum());
            }
        }
        size(&mut model.pods, &partials, |p| &p.pods);
        size(&mut model.events, &partials, |p| &p.events);
        size(&mut model.nodes, &partials, |p| &p.nodes);
        size(&mut model.revisions, &partials, |p| &p.revisions);
        size(&mut model.workloads, &partials, |p| &p.workloads);
        for partial in partials {
            partial.merge_into(model);
        }
    }

    fn merge_into(self, model: &mut Model) {
        fn append<T>(list: &mut Vec<T>, more: Vec<T>) {
            if list.is_empty() && list.capacity() < more.len() {
                *list = more;
            } else {
                list.extend(more);
            }
        }
        append(&mut model.pods, self.pods);
        append(&mut model.events, self.events);
        append(&mut model.nodes, self.nodes);
        append(&mut model.revisions, self.revisions);
        append(&mut model.workloads, self.workloads);
        model.warnings.extend(self.warnings);
        model.note_time(self.latest);
        model.pipeline_logs.extend(self.pipeline_logs);
        for (key, slot, file) in self.logs {
            let entry = model.logs.entry(key).or_default();
            let target = match slot {
                super::layout::LogSlot::Current => &mut entry.current,
                super::layout::LogSlot::Previous => &mut entry.previous,
                super::layout::LogSlot::PreviousInsecure => &mut entry.previous_insecure,
            };
            // Two inputs with the same log: the longer copy says more.
            if target.as_ref().is_none_or(|t| t.size < file.size) {
                *target = Some(file);
            }
        }
    }
}

/// Where an item sits, for messages and evidence.
struct Place<'a> {
    source: SourceId,
    input: &'a str,
    file: &'a str,
    /// The file on disk the items' offsets are in, when it can be read
    /// again: revisions then leave their templates there. None for bytes
    /// held in memory (an archive entry, stdin, text after a JSON document).
    on_disk: Option<std::sync::Arc<std::path::Path>>,
    /// Read no more than [`MAX_TEXT_DOCUMENT_BYTES`] of text after the JSON
    /// documents: set for a stream (an archive entry), whose length is not
    /// the size of a file the user has but whatever it inflates to.
    cap_tail: bool,
}

impl<'a> Place<'a> {
    /// The same place, for bytes held in memory.
    fn in_memory(&self) -> Place<'a> {
        Place { source: self.source, input: self.input, file: self.file, on_disk: None, cap_tail: self.cap_tail }
    }

    /// Where `item` is in the file on disk, if it can be read from there again.
    fn item_in_file(&self, item: &RawItem) -> Option<ItemInFile> {
        let path = self.on_disk.clone()?;
        Some(ItemInFile { path, range: item.offset..item.offset + item.bytes.len() as u64, line: item.line })
    }
}

/// Reads a document file. JSON streams from the file through the item
/// splitter, so memory stays bounded by the chunk size and the largest item
/// however big the list; YAML has no streaming parser and is read whole.
pub fn document_file(
    path: &std::path::Path,
    source: SourceId,
    input: &str,
    file: &str,
    out: &mut Partial,
) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    let mut handle = std::fs::File::open(path)?;
    let mut head = [0u8; 4096];
    let mut filled = 0;
    while filled < head.len() {
        match handle.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    let first = head[..filled].iter().copied().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    match first {
        Some(b'{' | b'[') => {
            handle.rewind()?;
            // The splitter reads the file from its first byte: item offsets are offsets in the file.
            let place = Place { source, input, file, on_disk: Some(path.into()), cap_tail: false };
            let size = handle.metadata().map(|m| m.len()).ok();
            let parsed = if size.is_some_and(|s| s >= PIPELINE_BYTES) {
                json_document_pipelined(handle, size, &place, out)
            } else {
                json_document(handle, size, &place, out)
            };
            if let Some((line, tail)) = parsed {
                // `kubectl cluster-info dump` to stdout: JSON lists, then log blocks.
                trailing_text(&tail, line, &place, out);
            }
        }
        _ => {
            let size = handle.metadata().map(|m| m.len()).ok();
            let place = Place { source, input, file, on_disk: None, cap_tail: false };
            text_document(head[..filled].to_vec(), &mut handle, size, &place, out)?;
        }
    }
    Ok(())
}

/// Reads a document from a stream (an archive entry): JSON streams through
/// the item splitter as a file on disk does, so memory is bounded by the
/// largest item whatever the entry inflates to; other text is read whole,
/// up to [`MAX_TEXT_DOCUMENT_BYTES`].
pub fn document_reader(
    reader: &mut dyn Read,
    source: SourceId,
    input: &str,
    file: &str,
    out: &mut Partial,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    reader.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let place = Place { source, input, file, on_disk: None, cap_tail: true };
    match first_byte(&head) {
        Some(b'{' | b'[') => {
            let stream = std::io::Cursor::new(head).chain(reader);
            if let Some((line, tail)) = json_document(stream, None, &place, out) {
                trailing_text(&tail, line, &place, out);
            }
            Ok(())
        }
        _ => text_document(head, reader, None, &place, out),
    }
}

/// The first byte that is not whitespace or a BOM.
fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
}

/// A document that does not start like JSON, read whole from `head` and
/// `rest` unless it is binary data or too big (a warning each). `size`: the
/// file's length, when known, to refuse a big file without reading it.
fn text_document(
    mut bytes: Vec<u8>,
    rest: &mut dyn Read,
    size: Option<u64>,
    place: &Place,
    out: &mut Partial,
) -> std::io::Result<()> {
    let (input, file) = (place.input, place.file);
    // Text has no NUL bytes; random bytes, a sparse file and a core dump do.
    if memchr::memchr(0, &bytes[..bytes.len().min(SNIFF_BYTES)]).is_some() {
        let message = format!(
            "binary data, not a Kubernetes export or text (NUL bytes in its first {} KiB; a UTF-16 file must be \
             converted to UTF-8 first); file skipped",
            SNIFF_BYTES / 1024
        );
        out.warn(WarningCode::UnknownFormat, input, file, message);
        return Ok(());
    }
    let too_big = |out: &mut Partial| {
        let message = format!(
            "over {} MiB of text that is not JSON: YAML and `kubectl describe` text are parsed whole, so a file this \
             big is skipped; export it as JSON (`kubectl get -o json`), which is read as a stream",
            MAX_TEXT_DOCUMENT_BYTES >> 20
        );
        out.warn(WarningCode::UnknownFormat, input, file, message);
    };
    if size.is_some_and(|s| s > MAX_TEXT_DOCUMENT_BYTES) {
        too_big(out);
        return Ok(());
    }
    if read_capped_into(rest, &mut bytes, MAX_TEXT_DOCUMENT_BYTES as usize)? {
        too_big(out);
        return Ok(());
    }
    document(&bytes, place.source, input, file, out);
    Ok(())
}

/// Appends at most `cap` bytes in all to `bytes`; true when more followed
/// (left unread). Unlike `read_to_end`, which doubles its buffer, the
/// buffer never grows past `cap`: 256 MiB and one byte would take 512.
pub(crate) fn read_capped_into(reader: &mut dyn Read, bytes: &mut Vec<u8>, cap: usize) -> std::io::Result<bool> {
    let mut chunk = vec![0u8; 64 * 1024];
    while bytes.len() < cap {
        let want = chunk.len().min(cap - bytes.len());
        let n = match reader.read(&mut chunk[..want]) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + n > bytes.capacity() {
            let grown = (bytes.capacity() * 2).max(bytes.len() + n).min(cap);
            bytes.reserve_exact(grown - bytes.len());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    // One byte more tells a cut from a file of exactly `cap` bytes.
    let mut probe = [0u8; 1];
    loop {
        match reader.read(&mut probe) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

pub fn document(bytes: &[u8], source: SourceId, input: &str, file: &str, out: &mut Partial) {
    let place = Place { source, input, file, on_disk: None, cap_tail: false };
    let text_start = bytes.iter().position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let Some(start) = text_start else {
        out.warn(WarningCode::EmptyFile, input, file, "file is empty; nothing to read".into());
        return;
    };
    match bytes[start] {
        b'{' | b'[' => {
            if let Some((line, tail)) = json_document(bytes, Some(bytes.len() as u64), &place, out) {
                trailing_text(&tail, line, &place, out);
            }
        }
        _ if dump::is_dump_logs(&bytes[..bytes.len().min(4096)]) => dump_blocks(bytes, 0, &place, out),
        _ => match std::str::from_utf8(bytes) {
            Ok(text) if describe::looks_like_describe(text) => describe_text(text, &place, out),
            Ok(text) => yaml_document(text, &place, out),
            Err(e) => out.warn(
                WarningCode::UnknownFormat,
                input,
                file,
                format!("not JSON, and not YAML either (invalid UTF-8 at byte {}); file skipped", e.valid_up_to()),
            ),
        },
    }
}

/// Text after the first JSON documents: a `cluster-info dump` written to
/// stdout interleaves log blocks and more JSON lists (one group per
/// namespace); anything else unreadable is worth a warning.
fn trailing_text(tail: &[u8], line: u64, place: &Place, out: &mut Partial) {
    // Offsets in `tail` are not offsets in the file.
    let place = &place.in_memory();
    let offset = line.saturating_sub(1);
    if dump::is_dump_logs(&tail[..tail.len().min(4096)]) {
        let stream = dump::split_stream(tail);
        for (start, end, first_line) in stream.documents {
            let mut part = Partial::default();
            let json = tail.get(start..end).unwrap_or_default();
            if let Some((l, _)) = json_document(json, Some(json.len() as u64), place, &mut part) {
                part.warn(
                    WarningCode::InvalidJson,
                    place.input,
                    place.file,
                    format!("unreadable text at line {}", l + offset + first_line - 1),
                );
            }
            part.shift_lines(offset + first_line.saturating_sub(1));
            out.absorb(part);
        }
        for (start, _, first_line) in stream.unterminated {
            out.warn(
                WarningCode::InvalidJson,
                place.input,
                place.file,
                format!("the JSON document at line {} is cut off (byte {start}); it was not read", offset + first_line),
            );
        }
        dump_blocks_of(tail, stream.blocks, offset, place, out);
    } else if tail.iter().any(|b| !b.is_ascii_whitespace()) {
        out.warn(
            WarningCode::InvalidJson,
            place.input,
            place.file,
            format!("text after the JSON document at line {line} was not read"),
        );
    }
}

fn dump_blocks(bytes: &[u8], line_offset: u64, place: &Place, out: &mut Partial) {
    dump_blocks_of(bytes, dump::split_logs(bytes), line_offset, place, out);
}

fn dump_blocks_of(bytes: &[u8], blocks: Vec<dump::Block>, line_offset: u64, place: &Place, out: &mut Partial) {
    for block in blocks {
        let content: std::sync::Arc<[u8]> = block.content(bytes).into();
        let key = ContainerKey { namespace: block.namespace, pod: block.pod, container: block.container };
        let file = LogFile {
            source: place.source,
            size: content.len() as u64,
            location: crate::model::LogLocation::Memory(content),
            line_offset: line_offset + block.first_line.saturating_sub(1),
            fetch_error: block.fetch_error,
        };
        out.logs.push((key, super::layout::LogSlot::Current, file));
    }
}

/// `kubectl describe pod` text: the same pods and events as JSON would give.
fn describe_text(text: &str, place: &Place, out: &mut Partial) {
    let (pods, problems) = describe::parse(text);
    for problem in problems {
        out.warn(WarningCode::InvalidDescribe, place.input, place.file, problem);
    }
    for described in pods {
        let origin = Origin {
            source: place.source,
            line: Some(described.line),
            describe: true,
            field_lines: described.field_lines.into_iter().collect(),
        };
        let pod_uid = described.pod.metadata.uid.clone();
        add_pod(described.pod, origin, out);
        for ev in described.events {
            let mut event = ev.event;
            if event.involved_object.as_ref().is_some_and(|o| o.uid.is_empty()) {
                if let Some(o) = event.involved_object.as_mut() {
                    o.uid = pod_uid.clone();
                }
            }
            let origin = Origin { source: place.source, line: Some(ev.line), describe: true, ..Origin::default() };
            add_event(event, origin, out);
        }
    }
}

/// Parses a JSON stream. Returns the trailing non-JSON text (its first
/// line and its bytes) when there is some.
fn json_document<R: std::io::Read>(
    reader: R,
    size: Option<u64>,
    place: &Place,
    out: &mut Partial,
) -> Option<(u64, Vec<u8>)> {
    let mut splitter = ItemSplitter::new(reader).size_hint(size);
    loop {
        let batch = splitter.next_batch(BATCH);
        if matches!(&batch, Ok(pieces) if pieces.is_empty()) {
            break;
        }
        if !parse_batch(batch, place, out) {
            return None;
        }
    }
    json_tail(splitter, place, out)
}

/// Files at least this big are split on a thread of their own while the
/// batches already split are parsed: reading and splitting cost about a
/// third of a big List's time, and a small file is one chunk anyway.
const PIPELINE_BYTES: u64 = 2 * crate::ingest::jsonstream::CHUNK as u64;

/// The same as [`json_document`], with the splitting on a scoped thread
/// that keeps two batches ahead of the parse. Batches are parsed and absorbed
/// in input order, so the result is the same as the sequential one.
fn json_document_pipelined<R: std::io::Read + Send>(
    reader: R,
    size: Option<u64>,
    place: &Place,
    out: &mut Partial,
) -> Option<(u64, Vec<u8>)> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Result<Vec<Piece>, SplitError>>(2);
    std::thread::scope(|scope| {
        let splitting = scope.spawn(move || {
            let mut splitter = ItemSplitter::new(reader).size_hint(size);
            loop {
                let batch = splitter.next_batch(BATCH);
                let last = !matches!(&batch, Ok(pieces) if !pieces.is_empty());
                // A closed channel means the parse stopped at an error.
                if send.send(batch).is_err() || last {
                    return splitter;
                }
            }
        });
        let mut complete = true;
        for batch in receive.iter() {
            if matches!(&batch, Ok(pieces) if pieces.is_empty()) {
                break;
            }
            if !parse_batch(batch, place, out) {
                complete = false;
                break;
            }
        }
        drop(receive);
        let splitter = splitting.join().ok()?;
        if complete { json_tail(splitter, place, out) } else { None }
    })
}

/// Parses one batch in parallel into `out`, in order; false after a split
/// error (reported as a warning: the objects before it were read).
fn parse_batch(batch: Result<Vec<Piece>, SplitError>, place: &Place, out: &mut Partial) -> bool {
    match batch {
        Ok(pieces) => {
            let parsed: Vec<Partial> = pieces.into_par_iter().map(|piece| json_piece(piece, place)).collect();
            for p in parsed {
                out.absorb(p);
            }
            true
        }
        Err(e) => {
            out.warn(
                WarningCode::InvalidJson,
                place.input,
                place.file,
                format!(
                    "not valid JSON at line {}, column {}: {}; objects before that point were read",
                    e.line, e.column, e.message
                ),
            );
            false
        }
    }
}

/// What follows the JSON documents (a `cluster-info dump` to stdout puts log
/// blocks there), with the line it starts on.
fn json_tail<R: std::io::Read>(splitter: ItemSplitter<R>, place: &Place, out: &mut Partial) -> Option<(u64, Vec<u8>)> {
    let line = splitter.trailing_line()?;
    let mut tail = Vec::new();
    if let Some(rest) = splitter.into_trailing() {
        let limit = if place.cap_tail { MAX_TEXT_DOCUMENT_BYTES + 1 } else { u64::MAX };
        if let Err(e) = rest.take(limit).read_to_end(&mut tail) {
            out.warn(
                WarningCode::UnreadableFile,
                place.input,
                place.file,
                format!("cannot read past line {line}: {e}"),
            );
        }
        if tail.len() as u64 > MAX_TEXT_DOCUMENT_BYTES {
            let message = format!(
                "over {} MiB of text after the JSON document at line {line}: not read (text is parsed whole)",
                MAX_TEXT_DOCUMENT_BYTES >> 20
            );
            out.warn(WarningCode::InvalidJson, place.input, place.file, message);
            return None;
        }
    }
    Some((line, tail))
}

fn json_piece(piece: Piece, place: &Place) -> Partial {
    let (whole, index, line) = (piece.is_whole(), piece.raw().index, piece.raw().line);
    wire::take_bad_times();
    let mut out = json_object(piece, place);
    warn_bad_times(
        || if whole { format!("the document at line {line}") } else { format!("items[{index}] at line {line}") },
        place,
        &mut out,
    );
    out
}

/// One warning per object for the timestamps in it that were not
/// timestamps at all (`wire::take_bad_times`): each was read as absent.
/// `at` names the object (made only when needed: this runs per item).
fn warn_bad_times(at: impl FnOnce() -> String, place: &Place, out: &mut Partial) {
    let bad = wire::take_bad_times();
    if bad.is_empty() {
        return;
    }
    let at = at();
    let mut distinct: Vec<&String> = Vec::new();
    for time in &bad {
        if !distinct.contains(&time) {
            distinct.push(time);
        }
    }
    let shown: Vec<String> = distinct.iter().take(3).map(|t| format!("`{t}`")).collect();
    let more = if distinct.len() > 3 { format!(", and {} more", distinct.len() - 3) } else { String::new() };
    let message = match bad.len() {
        1 => format!("{at}: the time {} is not an RFC 3339 timestamp; read as absent", shown.join(", ")),
        n => format!("{at}: {n} times are not RFC 3339 timestamps ({}{more}); read as absent", shown.join(", ")),
    };
    out.warn(WarningCode::InvalidItem, place.input, place.file, message);
}

fn json_object(piece: Piece, place: &Place) -> Partial {
    let mut out = Partial::default();
    let (item, whole) = match piece {
        Piece::Item(item) => (item, false),
        Piece::Whole(item) => (item, true),
    };
    let sniffed = match (sniff_field(&item.bytes, b"kind"), sniff_field(&item.bytes, b"apiVersion")) {
        (Some(kind), Some(api)) => Some((kind, Some(api))),
        _ => None,
    };
    let mut unreadable = None;
    let typed = match sniffed {
        Some(typed) => Some(typed),
        None => match serde_json::from_slice::<Shape>(&item.bytes) {
            Ok(shape) => shape.kind().map(|kind| (kind, shape.api_version)),
            // An object that says what it is goes on to be parsed as that,
            // so that what is wrong with it is reported, not skipped.
            Err(e) => match sniff_field(&item.bytes, b"kind") {
                Some(kind) => Some((kind, None)),
                None => {
                    unreadable = Some(e);
                    None
                }
            },
        },
    };
    let listed = typed.as_ref().filter(|(kind, _)| kind.ends_with("List")).map(|(kind, _)| kind.clone());
    let kind = typed.filter(|(kind, api)| is_read_kind(kind, api.as_deref())).map(|(kind, _)| kind);
    let Some(kind) = kind else {
        // Objects of kinds podmortem does not read (CRDs, analyzer results,
        // collector metadata) are skipped quietly; a list item that is not
        // an object at all, JSON that cannot be read (nested past serde's
        // 128 levels), or a list whose items are not a list are input
        // problems worth a warning.
        let at = if whole {
            format!("the document at line {}", item.line)
        } else {
            format!("items[{}] at line {}", item.index, item.line)
        };
        let syntax = unreadable.filter(|e| e.classify() != serde_json::error::Category::Data);
        let problem = if let Some(e) = syntax {
            Some(format!("{at} cannot be read: {}; skipped", strip_position(&e.to_string())))
        } else if let (true, Some(list)) = (whole, listed) {
            Some(format!("{at} is a {list} whose `items` is not a list; nothing in it was read"))
        } else if !whole && item.bytes.first().is_none_or(|b| *b != b'{') {
            Some(format!("{at} is not a Kubernetes object (no kind, metadata or status); skipped"))
        } else {
            None
        };
        if let Some(message) = problem {
            out.warn(WarningCode::InvalidItem, place.input, place.file, message);
        }
        return out;
    };
    let decode = |what: &str, e: serde_json::Error, item: &RawItem| -> String {
        let line = item.line + e.line().saturating_sub(1) as u64;
        let at = if whole { String::from("the document") } else { format!("items[{}]", item.index) };
        // The field on that line, when it is the only one (pretty-printed
        // JSON, as kubectl writes it): `restartCount` says more than a column.
        let on_line: Vec<String> = super::jsonstream::locate_fields(&item.bytes, item.line, 64)
            .into_iter()
            .filter(|(_, l)| *l == line)
            .map(|(path, _)| path)
            .collect();
        let field = match on_line.as_slice() {
            [path] => format!(" (`{path}`)"),
            _ => String::new(),
        };
        format!(
            "{at} ({what}) is malformed at line {line}, column {}{field}: {}; skipped",
            e.column(),
            strip_position(&e.to_string())
        )
    };
    let origin = |item: &RawItem| Origin { source: place.source, line: Some(item.line), ..Origin::default() };
    match kind.as_str() {
        "Pod" => match parse_pod(&item.bytes) {
            Ok(pod) => {
                let mut origin = origin(&item);
                if pod_is_interesting(&pod) {
                    origin.field_lines =
                        super::jsonstream::locate_fields_under(&item.bytes, item.line, 6, &["status", "spec"]);
                }
                add_pod(pod, origin, &mut out)
            }
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, decode("Pod", e, &item)),
        },
        "Event" => match serde_json::from_slice::<wire::Event>(&item.bytes) {
            Ok(ev) => add_event(ev, origin(&item), &mut out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, decode("Event", e, &item)),
        },
        "Node" => match serde_json::from_slice::<wire::Node>(&item.bytes) {
            Ok(node) => {
                let mut origin = origin(&item);
                // Only a node in trouble is quoted field by field.
                if node.status.conditions.iter().any(|c| match c.type_.as_str() {
                    "Ready" => c.status != "True",
                    _ => c.status == "True",
                }) {
                    origin.field_lines =
                        super::jsonstream::locate_fields_under(&item.bytes, item.line, 3, &["status.conditions"]);
                }
                add_node(node, origin, &mut out)
            }
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, decode("Node", e, &item)),
        },
        "ReplicaSet" | "ControllerRevision" => {
            let revision_kind = match kind.as_str() {
                "ReplicaSet" => RevisionKind::ReplicaSet,
                _ => RevisionKind::ControllerRevision,
            };
            if let Err(e) = revision_item(revision_kind, &item, origin(&item), place, &mut out) {
                out.warn(WarningCode::InvalidItem, place.input, place.file, decode(&kind, e, &item));
            }
        }
        k if WORKLOAD_KINDS.contains(&k) => match serde_json::from_slice::<wire::Workload>(&item.bytes) {
            Ok(w) => add_workload(k, w, origin(&item), &mut out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, decode(k, e, &item)),
        },
        _ => {}
    }
    out
}

/// A ReplicaSet or ControllerRevision item. From a file on disk, its
/// template is only outlined (counted) now and read back from the file if
/// `trigger` asks for it (`Revision::template`); from memory it is parsed
/// in full, with its field lines.
fn revision_item(
    kind: RevisionKind,
    item: &RawItem,
    origin: Origin,
    place: &Place,
    out: &mut Partial,
) -> serde_json::Result<()> {
    let parsed = |template: Option<wire::PodTemplateSpec>| {
        let template = template.map(PodTemplate::from_wire).unwrap_or_default();
        LazyTemplate::parsed(template, kind.template_field_lines(&item.bytes, item.line))
    };
    match (kind, place.item_in_file(item)) {
        (RevisionKind::ReplicaSet, Some(at)) => {
            let mut rs = serde_json::from_slice::<wire::ReplicaSet<wire::TemplateOutline>>(&item.bytes)?;
            let containers = rs.spec.template.take().map_or(0, |t| t.containers());
            add_replica_set(rs, LazyTemplate::in_file(containers, at), origin, out);
        }
        (RevisionKind::ReplicaSet, None) => {
            let mut rs = serde_json::from_slice::<wire::ReplicaSet>(&item.bytes)?;
            let template = parsed(rs.spec.template.take());
            add_replica_set(rs, template, origin, out);
        }
        (RevisionKind::ControllerRevision, Some(at)) => {
            let cr = serde_json::from_slice::<wire::ControllerRevision<wire::TemplateOutline>>(&item.bytes)?;
            add_controller_revision(cr, origin, |t| LazyTemplate::in_file(t.containers(), at), out);
        }
        (RevisionKind::ControllerRevision, None) => {
            let cr = serde_json::from_slice::<wire::ControllerRevision>(&item.bytes)?;
            add_controller_revision(cr, origin, |t| parsed(Some(t)), out);
        }
    }
    Ok(())
}

/// A pod, read in full only when it is not quiet: a quiet pod's container
/// specs are dropped anyway (`add_pod`), so the lean parse skips them. A
/// pod the lean parse rejects is parsed in full, for the full error.
fn parse_pod(bytes: &[u8]) -> serde_json::Result<wire::Pod> {
    if let Ok(lean) = serde_json::from_slice::<wire::LeanPod>(bytes) {
        let pod = lean.into_pod();
        if pod_is_quiet(&pod) {
            return Ok(pod);
        }
    }
    serde_json::from_slice::<wire::Pod>(bytes)
}

fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

const WORKLOAD_KINDS: &[&str] =
    &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"];

/// Kinds podmortem reads, by API group: a custom resource may reuse a core
/// name (longhorn.io `Node`), and must not be parsed as the core kind.
fn is_read_kind(kind: &str, api_version: Option<&str>) -> bool {
    let group = api_version.and_then(|v| v.rsplit_once('/').map(|(g, _)| g)).unwrap_or("");
    match kind {
        "Pod" | "Node" => group.is_empty(),
        "Event" => group.is_empty() || group == "events.k8s.io",
        "ReplicationController" => group.is_empty(),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            matches!(group, "" | "apps" | "extensions") && api_version.is_none_or(|v| v != "v1")
        }
        "Job" | "CronJob" => matches!(group, "" | "batch") && api_version.is_none_or(|v| v != "v1"),
        "ControllerRevision" => group == "apps",
        _ => false,
    }
}

/// kubectl writes `kind` and `apiVersion` near the top of every object;
/// reading them from the first bytes avoids a second full parse of each
/// item just to route it. None whenever the first bytes are not conclusive.
fn sniff_field(bytes: &[u8], field: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let (mut depth, mut in_string, mut escaped, mut key_start) = (0i32, false, false, None);
    for (i, &b) in head.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    if depth == 1 && key_start.is_some_and(|k: usize| &head[k..i] == field) {
                        return string_after_colon(&head[i + 1..]);
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                key_start = Some(i + 1);
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn string_after_colon(rest: &[u8]) -> Option<String> {
    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let rest = &rest[colon + 1..];
    let open = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[open] != b'"' {
        return None;
    }
    let rest = &rest[open + 1..];
    let close = rest.iter().position(|b| *b == b'"' || *b == b'\\')?;
    if rest[close] != b'"' {
        return None;
    }
    std::str::from_utf8(&rest[..close]).ok().map(str::to_string)
}

/// Enough of an object to tell what it is when `kind` is missing (some
/// dumps and the Insights archive drop it).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Shape {
    kind: Option<String>,
    api_version: Option<String>,
    involved_object: Option<serde::de::IgnoredAny>,
    regarding: Option<serde::de::IgnoredAny>,
    spec: Option<ShapeSpec>,
    status: Option<ShapeStatus>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ShapeSpec {
    containers: Option<serde::de::IgnoredAny>,
    template: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ShapeStatus {
    container_statuses: Option<serde::de::IgnoredAny>,
    node_info: Option<serde::de::IgnoredAny>,
}

impl Shape {
    pub(crate) fn kind(&self) -> Option<String> {
        if let Some(kind) = &self.kind {
            return Some(kind.clone());
        }
        if self.involved_object.is_some() || self.regarding.is_some() {
            return Some("Event".into());
        }
        let spec_containers = self.spec.as_ref().is_some_and(|s| s.containers.is_some());
        let spec_template = self.spec.as_ref().is_some_and(|s| s.template.is_some());
        let statuses = self.status.as_ref().is_some_and(|s| s.container_statuses.is_some());
        if spec_containers || statuses {
            return Some("Pod".into());
        }
        if self.status.as_ref().is_some_and(|s| s.node_info.is_some()) {
            return Some("Node".into());
        }
        let _ = spec_template;
        None
    }
}

fn yaml_document(text: &str, place: &Place, out: &mut Partial) {
    for doc in yaml::documents(text) {
        match doc {
            Err(e) => out.warn(WarningCode::InvalidYaml, place.input, place.file, e),
            Ok(doc) => yaml_object(doc, place, out),
        }
    }
}

fn yaml_object(doc: yaml::Doc, place: &Place, out: &mut Partial) {
    if let serde_yaml::Value::Sequence(items) = &doc.value {
        // troubleshoot.sh writes custom resources as a bare YAML sequence.
        let lines = yaml::sequence_lines(doc.text, doc.line);
        yaml_items(items, &lines, doc.line, place, out);
        return;
    }
    let serde_yaml::Value::Mapping(map) = &doc.value else {
        // A YAML scalar at top level is not cluster state (plain text
        // parses as a YAML string).
        out.warn(
            WarningCode::UnknownFormat,
            place.input,
            place.file,
            format!("the document at line {} is not a Kubernetes object or list; skipped", doc.line),
        );
        return;
    };
    let kind = map.get("kind").and_then(|k| k.as_str());
    if let Some(serde_yaml::Value::Sequence(items)) = map.get("items") {
        if kind.is_none_or(|k| k.ends_with("List")) {
            let lines = yaml::item_lines(doc.text, doc.line);
            yaml_items(items, &lines, doc.line, place, out);
            return;
        }
    }
    if map.get("items").is_some_and(|i| i.is_null()) && kind.is_some_and(|k| k.ends_with("List")) {
        return;
    }
    yaml_item(&doc.value, doc.line, None, place, out);
}

/// The items of a YAML list, converted in parallel (a must-gather's
/// kube-system pods.yaml holds thousands) and absorbed in order.
fn yaml_items(items: &[serde_yaml::Value], lines: &[u64], doc_line: u64, place: &Place, out: &mut Partial) {
    let parsed: Vec<Partial> = items
        .par_iter()
        .enumerate()
        .map(|(index, item)| {
            let mut partial = Partial::default();
            let line = lines.get(index).copied().unwrap_or(doc_line);
            yaml_item(item, line, Some(index), place, &mut partial);
            partial
        })
        .collect();
    for partial in parsed {
        out.absorb(partial);
    }
}

fn yaml_item(value: &serde_yaml::Value, line: u64, index: Option<usize>, place: &Place, out: &mut Partial) {
    let at = match index {
        Some(i) => format!("items[{i}] at line {line}"),
        None => format!("the document at line {line}"),
    };
    wire::take_bad_times();
    yaml_object_item(value, line, index.is_some(), &at, place, out);
    warn_bad_times(|| at, place, out);
}

fn yaml_object_item(value: &serde_yaml::Value, line: u64, is_item: bool, at: &str, place: &Place, out: &mut Partial) {
    // Deserialized from the borrowed value: cloning each item's tree twice
    // was most of a must-gather's conversion time.
    let shape = Shape::deserialize(value).unwrap_or_default();
    let Some(kind) = shape.kind().filter(|k| is_read_kind(k, shape.api_version.as_deref())) else {
        if is_item && !value.is_mapping() {
            out.warn(
                WarningCode::InvalidItem,
                place.input,
                place.file,
                format!("{at} is not a Kubernetes object (no kind, metadata or status); skipped"),
            );
        }
        return;
    };
    let origin = Origin { source: place.source, line: Some(line), ..Origin::default() };
    let fail = |what: &str, e: serde_yaml::Error| format!("{at} ({what}) is malformed: {e}; skipped");
    match kind.as_str() {
        "Pod" => match wire::Pod::deserialize(value) {
            Ok(p) => add_pod(p, origin, out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail("Pod", e)),
        },
        "Event" => match wire::Event::deserialize(value) {
            Ok(ev) => add_event(ev, origin, out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail("Event", e)),
        },
        "Node" => match wire::Node::deserialize(value) {
            Ok(n) => add_node(n, origin, out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail("Node", e)),
        },
        "ReplicaSet" => match wire::ReplicaSet::deserialize(value) {
            Ok(mut rs) => {
                let template = rs.spec.template.take().map(PodTemplate::from_wire).unwrap_or_default();
                add_replica_set(rs, LazyTemplate::parsed(template, Default::default()), origin, out)
            }
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail("ReplicaSet", e)),
        },
        "ControllerRevision" => match wire::ControllerRevision::deserialize(value) {
            Ok(cr) => add_controller_revision(
                cr,
                origin,
                |t| LazyTemplate::parsed(PodTemplate::from_wire(t), Default::default()),
                out,
            ),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail("ControllerRevision", e)),
        },
        k if WORKLOAD_KINDS.contains(&k) => match wire::Workload::deserialize(value) {
            Ok(w) => add_workload(k, w, origin, out),
            Err(e) => out.warn(WarningCode::InvalidItem, place.input, place.file, fail(k, e)),
        },
        _ => {}
    }
}

/// Worth recording field lines for: anything that restarted or is not
/// running, and pods that failed or wait as a whole (evicted, unscheduled).
fn pod_is_interesting(pod: &wire::Pod) -> bool {
    matches!(pod.status.phase.as_str(), "Failed" | "Pending")
        || pod
            .status
            .container_statuses
            .iter()
            .chain(&pod.status.init_container_statuses)
            .any(|s| s.restart_count > 0 || s.state.waiting.is_some() || s.state.terminated.is_some())
}

fn state(s: wire::ContainerState) -> State {
    if let Some(w) = s.waiting {
        State::Waiting { reason: w.reason, message: w.message }
    } else if let Some(t) = s.terminated {
        State::Terminated(Box::new(Termination {
            exit_code: t.exit_code,
            signal: t.signal,
            reason: t.reason,
            message: t.message,
            started_at: t.started_at,
            finished_at: t.finished_at,
        }))
    } else if let Some(r) = s.running {
        State::Running { started_at: r.started_at }
    } else {
        State::Unknown
    }
}

/// Running, Ready, and every container ready and never restarted: a pod no
/// rule diagnoses from its spec. Most pods of a large bundle are quiet.
fn pod_is_quiet(pod: &wire::Pod) -> bool {
    let ready = |c: &wire::Condition| c.type_ == "Ready" && c.status == "True";
    pod.status.phase == "Running"
        && pod.metadata.deletion_timestamp.is_none()
        && pod.status.conditions.iter().any(ready)
        && pod.status.init_container_statuses.is_empty()
        && pod.spec.init_containers.is_empty()
        && pod.spec.containers.len() == pod.status.container_statuses.len()
        && pod
            .status
            .container_statuses
            .iter()
            .all(|s| s.ready && s.restart_count == 0 && s.state.waiting.is_none() && s.state.terminated.is_none())
}

fn add_pod(pod: wire::Pod, origin: Origin, out: &mut Partial) {
    // A quiet pod keeps what the subjects, owners, watches and timelines
    // read (names, images, labels, states) but not its containers' env,
    // commands, ports, resources and probes: only rules about a container in
    // trouble read those, and they are most of a pod's memory (ARCHITECTURE.md,
    // "model").
    let quiet = pod_is_quiet(&pod);
    let wire::Pod { metadata, spec, status } = pod;
    out.note_time(metadata.creation_timestamp);
    out.note_time(status.start_time);
    for c in &status.conditions {
        out.note_time(c.last_transition_time);
    }
    let owner = controller_owner(&metadata.owner_references);
    let ready = status.conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status == "True");
    let mut containers = Vec::with_capacity(spec.init_containers.len() + spec.containers.len());
    let groups = [
        (true, spec.init_containers, status.init_container_statuses),
        (false, spec.containers, status.container_statuses),
    ];
    for (init, specs, mut statuses) in groups {
        let mut indexed: Vec<(usize, wire::ContainerStatus)> = statuses.drain(..).enumerate().collect();
        for (spec_index, c) in specs.into_iter().enumerate() {
            let status =
                indexed.iter().position(|(_, s)| s.name == c.name).map(|at| indexed.remove(at)).map(|(index, s)| {
                    let state_now = state(s.state);
                    let last = state(s.last_state);
                    for st in [&state_now, &last] {
                        match st {
                            State::Running { started_at } => out.latest = max_time(out.latest, *started_at),
                            State::Terminated(t) => {
                                out.latest = max_time(out.latest, t.finished_at);
                                out.latest = max_time(out.latest, t.started_at);
                            }
                            _ => {}
                        }
                    }
                    ContainerStatus {
                        index,
                        ready: s.ready,
                        restart_count: s.restart_count,
                        image: s.image,
                        state: state_now,
                        last_state: last,
                    }
                });
            let container = Container {
                name: c.name,
                init,
                spec_index,
                image: c.image,
                details: (!quiet).then(|| {
                    Box::new(ContainerSpec {
                        command: c.command,
                        args: c.args,
                        ports: c.ports,
                        limits: c.resources.limits,
                        requests: c.resources.requests,
                        env: c.env,
                        liveness: c.liveness_probe.map(Box::new),
                        readiness: c.readiness_probe.map(Box::new),
                        startup: c.startup_probe.map(Box::new),
                    })
                }),
                status,
            };
            containers.push(container);
        }
    }
    // Not collected in place: that would keep the wire list's larger,
    // doubled allocation for every pod.
    let mut conditions = Vec::with_capacity(status.conditions.len());
    conditions.extend(status.conditions.into_iter().map(PodCondition::from));
    out.pods.push(Box::new(Pod {
        namespace: metadata.namespace,
        name: metadata.name,
        static_uid: metadata.annotations.get("kubernetes.io/config.mirror").cloned(),
        uid: metadata.uid,
        node: spec.node_name,
        phase: status.phase,
        reason: status.reason,
        message: status.message,
        restart_policy: spec.restart_policy,
        created: metadata.creation_timestamp,
        deleted: metadata.deletion_timestamp,
        labels: Arc::new(metadata.labels),
        owner,
        ready,
        conditions,
        containers,
        origin,
    }));
}

fn max_time(a: Option<Time>, b: Option<Time>) -> Option<Time> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn controller_owner(refs: &[wire::OwnerReference]) -> Option<OwnerRef> {
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())
        .map(|r| OwnerRef { kind: r.kind.clone(), name: r.name.clone() })
}

fn add_event(ev: wire::Event, origin: Origin, out: &mut Partial) {
    let object = ev.involved_object.or(ev.regarding).unwrap_or_default();
    let series_count = ev.series.as_ref().and_then(|s| s.count);
    let series_last = ev.series.as_ref().and_then(|s| s.last_observed_time);
    let count = series_count.or(ev.count).or(ev.deprecated_count).unwrap_or(1).max(1);
    let first_seen =
        ev.first_timestamp.or(ev.deprecated_first_timestamp).or(ev.event_time).or(ev.metadata.creation_timestamp);
    let last_seen = series_last.or(ev.last_timestamp).or(ev.deprecated_last_timestamp).or(ev.event_time).or(first_seen);
    out.note_time(last_seen);
    let source = ev.source.or(ev.deprecated_source).unwrap_or_default();
    let component = if source.component.is_empty() {
        ev.reporting_controller.or(ev.reporting_component).unwrap_or_default()
    } else {
        source.component
    };
    let namespace = if object.namespace.is_empty() { ev.metadata.namespace } else { object.namespace };
    if object.kind == "Pod" && out.unread_events.as_ref().is_some_and(|u| u.has_pod(&namespace, &object.name)) {
        return;
    }
    out.events.push(Event {
        namespace: namespace.into(),
        object_kind: object.kind.into(),
        object_name: object.name.into(),
        object_uid: object.uid.into(),
        field_path: object.field_path.into(),
        reason: ev.reason.into(),
        message: ev.message.or(ev.note).unwrap_or_default().into(),
        type_: ev.type_.into(),
        count,
        first_seen,
        last_seen,
        component: component.into(),
        host: source.host.into(),
        origin,
    });
}

fn add_node(node: wire::Node, origin: Origin, out: &mut Partial) {
    for c in &node.status.conditions {
        out.note_time(c.last_heartbeat_time);
    }
    out.nodes.push(Node {
        name: node.metadata.name,
        conditions: node.status.conditions,
        kubelet_version: node.status.node_info.kubelet_version,
        architecture: node.status.node_info.architecture,
        origin,
    });
}

fn add_workload(kind: &str, w: wire::Workload, origin: Origin, out: &mut Partial) {
    let ready = w.status.ready_replicas.or(w.status.number_ready);
    let replicas = w.spec.replicas.or(w.status.desired_number_scheduled).or(w.status.replicas);
    out.workloads.push(Workload {
        kind: kind.to_string(),
        namespace: w.metadata.namespace,
        name: w.metadata.name,
        owner: controller_owner(&w.metadata.owner_references),
        replicas,
        ready_replicas: ready,
        origin,
    });
}

/// A ReplicaSet is a workload (the owner chain) and a revision of its
/// Deployment, whose template was taken from `rs` into `template`.
fn add_replica_set<T>(rs: wire::ReplicaSet<T>, template: LazyTemplate, origin: Origin, out: &mut Partial) {
    out.note_time(rs.metadata.creation_timestamp);
    let workload_origin = origin.clone();
    out.revisions.push(Revision::from_replica_set(&rs, template, origin));
    let workload = wire::Workload {
        metadata: rs.metadata,
        spec: wire::WorkloadSpec { replicas: rs.spec.replicas },
        status: rs.status,
    };
    add_workload("ReplicaSet", workload, workload_origin, out);
}

fn add_controller_revision<T>(
    cr: wire::ControllerRevision<T>,
    origin: Origin,
    template: impl FnOnce(T) -> LazyTemplate,
    out: &mut Partial,
) {
    out.note_time(cr.metadata.creation_timestamp);
    if let Some(revision) = Revision::from_controller_revision(cr, origin, template) {
        out.revisions.push(revision);
    }
}

/// troubleshoot.sh writes `<resource>-errors.json` when a collector failed:
/// a JSON array of messages, or an object of namespace → message. Each
/// distinct message becomes one warning (naming the namespaces it hit),
/// because a resource type that was not collected changes what the
/// analysis can prove.
pub fn collector_errors(bytes: &[u8], input: &str, file: &str, out: &mut Partial) {
    let resource = file.rsplit('/').next().unwrap_or(file).trim_end_matches("-errors.json").replace('-', " ");
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Errors {
        List(Vec<String>),
        PerNamespace(std::collections::BTreeMap<String, String>),
    }
    match serde_json::from_slice::<Errors>(bytes) {
        Ok(Errors::List(messages)) => {
            for m in messages {
                out.warn(WarningCode::CollectorError, input, file, format!("{resource} were not fully collected: {m}"));
            }
        }
        Ok(Errors::PerNamespace(by_namespace)) => {
            let mut by_message: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
            for (namespace, message) in by_namespace {
                by_message.entry(message).or_default().push(namespace);
            }
            for (message, namespaces) in by_message {
                out.warn(
                    WarningCode::CollectorError,
                    input,
                    file,
                    format!("{resource} were not collected in namespace(s) {}: {message}", namespaces.join(", ")),
                );
            }
        }
        Err(e) => out.warn(
            WarningCode::InvalidJson,
            input,
            file,
            format!(
                "collector error list is not valid JSON at line {}, column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A List of `n` pods: several batches.
    fn pod_list(n: usize) -> Vec<u8> {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p-{i}","namespace":"ns-{}","uid":"u-{i}"}},"spec":{{"nodeName":"n1","containers":[{{"name":"c","image":"registry.example.com/app:1"}}]}},"status":{{"phase":"Running","containerStatuses":[{{"name":"c","restartCount":{},"ready":true,"state":{{"running":{{"startedAt":"2025-08-10T01:00:00Z"}}}}}}]}}}}"#,
                    i % 7,
                    i % 5
                )
            })
            .collect();
        format!("{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n{}\n]}}\n", items.join(",\n")).into_bytes()
    }

    fn summary(p: &Partial) -> (Vec<(String, String, i64)>, Vec<Warning>) {
        let pods = p
            .pods
            .iter()
            .map(|pod| {
                (
                    pod.namespace.clone(),
                    pod.name.clone(),
                    pod.containers[0].status.as_ref().map_or(-1, |s| s.restart_count),
                )
            })
            .collect();
        (pods, p.warnings.clone())
    }

    #[test]
    fn the_pipelined_parse_reads_what_the_sequential_one_reads() {
        let place =
            Place { source: SourceId::default(), input: "in", file: "pods.json", on_disk: None, cap_tail: false };
        let whole = pod_list(3 * BATCH + 17);
        // Whole, and cut in the middle of an item: the same pods and the same warning, in the same order.
        for bytes in [&whole[..], &whole[..whole.len() * 2 / 3]] {
            let (mut sequential, mut pipelined) = (Partial::default(), Partial::default());
            let a = json_document(bytes, None, &place, &mut sequential);
            let b = json_document_pipelined(bytes, None, &place, &mut pipelined);
            assert_eq!(a, b);
            assert_eq!(summary(&sequential), summary(&pipelined));
            assert!(!sequential.pods.is_empty());
        }
        let mut cut = Partial::default();
        json_document_pipelined(&whole[..whole.len() / 2], None, &place, &mut cut);
        assert_eq!(cut.warnings.len(), 1, "{:?}", cut.warnings);
        assert!(cut.pods.len() > BATCH, "the batches before the cut are kept: {}", cut.pods.len());
    }

    #[test]
    fn sniffs_kind_from_the_first_bytes() {
        assert_eq!(sniff_field(br#"{ "kind": "Pod", "apiVersion": "v1" }"#, b"kind").as_deref(), Some("Pod"));
        assert_eq!(sniff_field(br#"{"apiVersion":"v1","kind":"Event"}"#, b"kind").as_deref(), Some("Event"));
        assert_eq!(sniff_field(br#"{"apiVersion":"v1","kind":"Event"}"#, b"apiVersion").as_deref(), Some("v1"));
        // A nested kind (ownerReferences) must not be mistaken for the item's.
        assert_eq!(sniff_field(br#"{"metadata":{"ownerReferences":[{"kind":"ReplicaSet"}]}}"#, b"kind"), None);
    }

    #[test]
    fn routes_by_api_group() {
        assert!(is_read_kind("Node", Some("v1")));
        assert!(!is_read_kind("Node", Some("longhorn.io/v1beta1")));
        assert!(is_read_kind("Deployment", Some("apps/v1")));
        assert!(is_read_kind("Event", Some("events.k8s.io/v1")));
        assert!(is_read_kind("Pod", None));
        assert!(is_read_kind("ControllerRevision", Some("apps/v1")));
        assert!(!is_read_kind("ControllerRevision", Some("v1")));
    }

    #[test]
    fn replica_sets_and_controller_revisions_become_revisions() {
        let json = br#"{"kind":"List","apiVersion":"v1","items":[
{"kind":"ControllerRevision","apiVersion":"apps/v1","metadata":{"name":"agent-5d8f","namespace":"ops",
 "labels":{"controller-revision-hash":"5d8f"},"ownerReferences":[{"kind":"DaemonSet","name":"agent","controller":true}]},
 "data":{"spec":{"template":{"$patch":"replace","spec":{"containers":[{"name":"a","image":"i:1",
   "args":["--x"]}]}}}},"revision":3},
{"kind":"ControllerRevision","apiVersion":"apps/v1","metadata":{"name":"vm-1","namespace":"ops"},
 "data":{"spec":{"running":true}},"revision":1},
{"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":"web-7c9d","namespace":"ops",
 "annotations":{"deployment.kubernetes.io/revision":"12"},"labels":{"pod-template-hash":"7c9d"},
 "ownerReferences":[{"kind":"Deployment","name":"web","controller":true}]},
 "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"w:2"}]}}},
 "status":{"replicas":2,"readyReplicas":1}}]}"#;
        let mut out = Partial::default();
        document(json, SourceId(0), "in", "list.json", &mut out);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.revisions.len(), 2, "the KubeVirt-like revision holds no pod template");
        let cr = &out.revisions[0];
        assert_eq!((cr.name.as_str(), cr.number, cr.hash.as_deref()), ("agent-5d8f", Some(3), Some("5d8f")));
        assert_eq!(cr.owner.as_ref().map(|o| o.kind.as_str()), Some("DaemonSet"));
        let template = |r: &Revision| r.template().expect("parsed at ingest").template.clone();
        assert_eq!(template(cr).containers[0].args, vec!["--x".to_string()]);
        let rs = &out.revisions[1];
        assert_eq!((rs.number, rs.ready, rs.replicas), (Some(12), Some(1), Some(2)));
        assert_eq!(template(rs).containers[0].image, "w:2");
        // The ReplicaSet is still a workload of the owner chain.
        assert_eq!(out.workloads.len(), 1);
        assert_eq!(out.workloads[0].owner.as_ref().map(|o| o.name.as_str()), Some("web"));
    }

    /// A ReplicaSet and a ControllerRevision, pretty-printed so their fields
    /// are on lines of their own.
    fn revision_list() -> String {
        let rs = serde_json::json!({"kind":"ReplicaSet","apiVersion":"apps/v1",
            "metadata":{"name":"web-7c9d","namespace":"ops","labels":{"pod-template-hash":"7c9d"},
                "ownerReferences":[{"kind":"Deployment","name":"web","controller":true}]},
            "spec":{"replicas":2,"template":{"metadata":{"annotations":{"a":"b"}},"spec":{
                "initContainers":[{"name":"init","image":"i:1"}],
                "containers":[{"name":"web","image":"w:2","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}],
                "volumes":[{"name":"cfg","configMap":{"name":"c"}}]}}},
            "status":{"replicas":2,"readyReplicas":1}});
        let cr = serde_json::json!({"kind":"ControllerRevision","apiVersion":"apps/v1",
            "metadata":{"name":"agent-5d8f","namespace":"ops","labels":{"controller-revision-hash":"5d8f"}},
            "data":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1","args":["--x"]}]}}}},
            "revision":3});
        let list = serde_json::json!({"kind":"List","apiVersion":"v1","items":[rs, cr]});
        format!("\u{feff}\n{}\n", serde_json::to_string_pretty(&list).expect("json"))
    }

    fn read_file(path: &std::path::Path) -> Partial {
        let mut out = Partial::default();
        document_file(path, SourceId(0), "in", "list.json", &mut out).expect("readable");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        out
    }

    #[test]
    fn revisions_from_a_file_read_their_templates_back_as_ingest_would_have() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("list.json");
        let json = revision_list();
        // As one List, and the ReplicaSet alone as a single-object file.
        let single = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&json[3..]).expect("json")["items"][0],
        )
        .expect("json");
        for text in [json, format!("\n\n{single}")] {
            std::fs::write(&path, &text).expect("write");
            let mut eager = Partial::default();
            document(text.as_bytes(), SourceId(0), "in", "list.json", &mut eager);
            let lazy = read_file(&path);
            assert_eq!(lazy.revisions.len(), eager.revisions.len());
            assert_eq!(lazy.workloads.len(), eager.workloads.len());
            for (l, e) in lazy.revisions.iter().zip(&eager.revisions) {
                assert_eq!(l.template_containers(), e.template_containers());
                let (l, e) = (l.template().expect("read back"), e.template().expect("parsed"));
                assert_eq!(format!("{:?}", l.template), format!("{:?}", e.template));
                let lines: Vec<(String, u64)> = l.field_lines.iter().collect();
                assert_eq!(lines, e.field_lines.iter().collect::<Vec<_>>());
                assert!(lines.iter().any(|(p, _)| p.ends_with("containers[0].image")), "{lines:?}");
            }
        }
    }

    #[test]
    fn a_template_whose_file_changed_or_vanished_is_no_template() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("list.json");
        let json = revision_list();
        std::fs::write(&path, &json).expect("write");
        let changed = read_file(&path);
        let vanished = read_file(&path);
        assert_eq!(changed.revisions[0].template_containers(), 2);
        // The same length, other bytes: one container fewer.
        std::fs::write(&path, json.replace("\"initContainers\"", "\"initCOntainers\"")).expect("write");
        assert!(changed.revisions[0].template().is_none());
        std::fs::write(&path, "{}").expect("write");
        assert!(changed.revisions[1].template().is_none());
        std::fs::remove_file(&path).expect("remove");
        assert!(vanished.revisions.iter().all(|r| r.template().is_none()));
        assert_eq!(vanished.revisions[1].template_containers(), 1, "still counted as ingested");
    }

    #[test]
    fn shape_recognises_objects_without_kind() {
        let pod: Shape = serde_json::from_str(r#"{"metadata":{},"spec":{"containers":[]}}"#).expect("json");
        assert_eq!(pod.kind().as_deref(), Some("Pod"));
        let ev: Shape = serde_json::from_str(r#"{"involvedObject":{},"reason":"BackOff"}"#).expect("json");
        assert_eq!(ev.kind().as_deref(), Some("Event"));
        let other: Shape = serde_json::from_str(r#"{"name":"x","insight":{}}"#).expect("json");
        assert_eq!(other.kind(), None);
    }
}
