//! The container logs of `kubectl cluster-info dump`: splitting a `logs.txt`
//! (or the whole stdout form of the dump) into one block per container.
//!
//! # The format
//! With `--output-directory=DIR`, kubectl writes one `DIR/<ns>/<pod>/logs.txt`
//! per pod. It holds the log of every container of the pod, init containers
//! first, then the regular ones (ephemeral containers are not dumped), each
//! wrapped in two marker lines:
//!
//! ```text
//! ==== START logs for container <c> of pod <ns>/<pod> ====
//! ...the log, byte for byte as the API server returned it...
//! ==== END logs for container <c> of pod <ns>/<pod> ====
//! ```
//!
//! kubectl writes the START line, then the log bytes unchanged, then (from a
//! `defer`) the END line. Three things follow from that:
//! - an empty log gives an empty block (END right after START);
//! - a log whose last line has no newline (a process killed in the middle of
//!   a write) gets the END marker *glued* to that line:
//!   `partial line==== END logs for container ...`. The END is recognised
//!   there too, but only when it is exactly the END of the open block, ends
//!   its line, and is followed by a START marker, a JSON document or the end
//!   of the input, so that marker-like text inside a log line never splits;
//! - when the log could not be fetched, the block holds kubectl's error text
//!   instead, one line: `Request log error: <err>` or
//!   `Create log request error: <err>`, where `<err>` is the API server's
//!   message, e.g. `container "x" in pod "y" is waiting to start:
//!   ContainerCreating` or `the server rejected our request for an unknown
//!   reason (get pods y)`. Such a block gets [`Block::fetch_error`] set to
//!   `<err>` and an empty byte range: there is no log, and the error text is
//!   not one. A bare API-server message of that kind (no kubectl prefix, as
//!   other collectors write it) is recognised as well.
//!
//! Without `--output-directory` everything goes to stdout: the NodeList, then
//! per namespace EventList, ReplicationControllerList, ServiceList,
//! DaemonSetList, DeploymentList, ReplicaSetList and PodList (each a
//! pretty-printed JSON document starting with `{` at column 0), then that
//! namespace's log blocks, then the next namespace. [`split_stream`] returns
//! both the JSON documents and the blocks of such a stream.
//!
//! Verrazzano's `vz bug-report` (`cluster-snapshot/`) writes the same markers
//! from its own code; its repository's fixtures add two `#` license lines at
//! the top of each logs.txt, which [`is_dump_logs`] skips. vz writes no block
//! at all for a container whose log could not be opened.
//!
//! # No previous logs
//! kubectl asks for each container's *current* log only: it never sets
//! `previous` in the log request, so a dump holds no `--previous` logs. That
//! is less of a loss than it sounds: for a container waiting in
//! CrashLoopBackOff, the "current" log is the one of the last terminated run,
//! which usually ends with the fatal line that explains the crash.
//!
//! # How it is scanned
//! One forward pass over bytes, never over `str`: logs may hold any bytes.
//! `memchr::memmem` jumps between occurrences of `logs for container ` (rare
//! in ordinary logs); each hit is checked for a `==== START ` / `==== END `
//! prefix at a line start and parsed as a marker line. Line numbers are
//! counted lazily with `memchr` from the last counted offset, so every byte is
//! counted once, and nothing is allocated per line: only the three names of
//! each block are copied out. [`blocks`] yields the blocks one by one as the
//! scan reaches them; [`split_logs`] collects them. Both `\n` and `\r\n` line
//! ends are accepted.

use memchr::{memchr, memchr2, memchr3, memmem};

/// First bytes of a START marker line.
const START: &[u8] = b"==== START logs for container ";
/// First bytes of an END marker line.
const END: &[u8] = b"==== END logs for container ";
/// What the marker scan looks for: the part both markers share.
const NEEDLE: &[u8] = b"logs for container ";
/// Marker tail and the separators inside a marker line.
const CLOSE: &[u8] = b" ====";
const OF_POD: &[u8] = b" of pod ";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Error prefixes kubectl writes in place of a log it could not fetch.
const KUBECTL_ERRORS: [&[u8]; 2] = [b"Request log error: ", b"Create log request error: "];
/// A block longer than this is a log, whatever it starts with.
const MAX_ERROR_BYTES: usize = 4096;

/// One container's block of a dump's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// Byte range of the log content: from the byte after the START line to
    /// the first byte of the END marker (or of the next START marker, or the
    /// end of the input). `bytes[start..end]` is exactly the log, its final
    /// newline included. Empty when [`Block::fetch_error`] is set.
    pub start: usize,
    pub end: usize,
    /// 1-based line number, in the whole input, of the first content line
    /// (the line after the START marker; for a fetch error, the error line).
    pub first_line: u64,
    /// The END marker was seen. False when the input ends inside the block or
    /// the next START marker comes first (a truncated dump).
    pub complete: bool,
    /// kubectl's error text written instead of a log, without its
    /// `Request log error: ` prefix and trailing newline.
    pub fetch_error: Option<String>,
}

impl Block {
    /// The log bytes of this block in the input it was split from (empty if
    /// `bytes` is not that input and the range does not fit).
    pub fn content<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        bytes.get(self.start..self.end).unwrap_or_default()
    }

    /// `no log: <reason>` when kubectl wrote an error instead of the log.
    pub fn no_log_note(&self) -> Option<String> {
        self.fetch_error.as_ref().map(|reason| format!("no log: {reason}"))
    }
}

/// The stdout form of the dump: JSON documents and log blocks, interleaved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stream {
    /// Each top-level JSON object (`{` at column 0, outside any log block):
    /// byte range `start..end` (the closing `}` included) and the 1-based
    /// line of its `{`.
    pub documents: Vec<(usize, usize, u64)>,
    pub blocks: Vec<Block>,
    /// Objects that start at column 0 but do not close before the next log
    /// block or the end of the input (a truncated dump): from the `{` to
    /// where the text stops, and the line of the `{`.
    pub unterminated: Vec<(usize, usize, u64)>,
}

/// Every block of a logs.txt (or of any buffer holding marker lines), in
/// input order. Text outside blocks (license headers, JSON) is skipped.
pub fn split_logs(bytes: &[u8]) -> Vec<Block> {
    blocks(bytes).collect()
}

/// The blocks of `bytes`, yielded one by one as the scan reaches them.
pub fn blocks(bytes: &[u8]) -> Blocks<'_> {
    Blocks { scanner: Scanner::new(bytes) }
}

/// Iterator returned by [`blocks`].
pub struct Blocks<'a> {
    scanner: Scanner<'a>,
}

impl Iterator for Blocks<'_> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        self.scanner.next_raw().map(|raw| raw.block)
    }
}

/// Splits the stdout form of `kubectl cluster-info dump`: the JSON documents
/// between the log blocks, and the blocks.
pub fn split_stream(bytes: &[u8]) -> Stream {
    let mut stream = Stream::default();
    let mut lines = Lines::default();
    let mut scanner = Scanner::new(bytes);
    let mut gap_start = 0;
    loop {
        let raw = scanner.next_raw();
        let gap_end = raw.as_ref().map_or(bytes.len(), |r| r.marker);
        documents_in(bytes, gap_start, gap_end, &mut lines, &mut stream);
        let Some(raw) = raw else { break };
        gap_start = raw.after;
        stream.blocks.push(raw.block);
    }
    stream
}

/// Cheap sniff: after optional blank lines and `#` comment lines (and a
/// UTF-8 byte order mark), `head` starts with a START marker.
pub fn is_dump_logs(head: &[u8]) -> bool {
    let mut rest = head.strip_prefix(BOM).unwrap_or(head);
    loop {
        let line_end = memchr(b'\n', rest);
        let line = &rest[..line_end.unwrap_or(rest.len())];
        let skip = line.first() == Some(&b'#') || line.iter().all(u8::is_ascii_whitespace);
        match line_end {
            Some(i) if skip => rest = &rest[i + 1..],
            _ => return line.starts_with(START),
        }
    }
}

/// A block plus where its markers are, for [`split_stream`].
struct RawBlock {
    block: Block,
    /// Offset of the START marker line.
    marker: usize,
    /// Offset just after the END marker line (after the block when there is
    /// no END).
    after: usize,
}

/// The names of a parsed marker line, as byte ranges of the input.
#[derive(Clone, Copy)]
struct Marker {
    /// `<c> of pod <ns>/<pod>`: what a START and its END must share.
    ident: (usize, usize),
    container: (usize, usize),
    namespace: (usize, usize),
    pod: (usize, usize),
    /// Offset just after the marker line (after its `\n`, or the input end).
    next_line: usize,
}

/// The START marker of the block being read.
struct Open {
    marker_start: usize,
    marker: Marker,
    first_line: u64,
}

/// The marker scan behind [`blocks`] and [`split_stream`].
struct Scanner<'a> {
    bytes: &'a [u8],
    finder: memmem::Finder<'static>,
    /// Where the needle search goes on.
    pos: usize,
    open: Option<Open>,
    lines: Lines,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Scanner { bytes, finder: memmem::Finder::new(NEEDLE), pos: 0, open: None, lines: Lines::default() }
    }

    fn next_raw(&mut self) -> Option<RawBlock> {
        let bytes = self.bytes;
        while let Some(found) = self.finder.find(bytes.get(self.pos..).unwrap_or_default()) {
            let hit = self.pos + found;
            self.pos = hit + NEEDLE.len();
            if let Some(m) = hit.checked_sub(START.len() - NEEDLE.len()).filter(|&m| bytes[m..].starts_with(START)) {
                if !self.at_line_start(m) {
                    continue;
                }
                let Some(marker) = parse_marker(bytes, m + START.len()) else { continue };
                let first_line = self.lines.line_at(bytes, m) + 1;
                let new = Open { marker_start: m, marker, first_line };
                self.pos = marker.next_line;
                // A START inside an open block closes it: its END is missing.
                if let Some(open) = self.open.replace(new) {
                    return Some(self.close(open, m, m, false));
                }
            } else if let Some(m) = hit.checked_sub(END.len() - NEEDLE.len()).filter(|&m| bytes[m..].starts_with(END)) {
                let Some(open) = &self.open else { continue };
                let Some(marker) = parse_marker(bytes, m + END.len()) else { continue };
                if bytes.get(marker.ident.0..marker.ident.1) != bytes.get(open.marker.ident.0..open.marker.ident.1) {
                    continue;
                }
                if !self.at_line_start(m) && !self.glued_end_fits(marker.next_line) {
                    continue;
                }
                self.pos = marker.next_line;
                if let Some(open) = self.open.take() {
                    return Some(self.close(open, m, marker.next_line, true));
                }
            }
        }
        self.pos = bytes.len();
        let open = self.open.take()?;
        Some(self.close(open, bytes.len(), bytes.len(), false))
    }

    fn at_line_start(&self, at: usize) -> bool {
        at == 0 || self.bytes.get(at - 1) == Some(&b'\n') || (at == BOM.len() && self.bytes.starts_with(BOM))
    }

    /// An END glued to a last log line without newline is taken only when
    /// what follows its line is what follows an END in a real dump.
    fn glued_end_fits(&self, next_line: usize) -> bool {
        match self.bytes.get(next_line..) {
            None | Some([]) => true,
            Some(rest) => rest.starts_with(START) || rest[0] == b'{',
        }
    }

    fn close(&mut self, open: Open, end: usize, after: usize, complete: bool) -> RawBlock {
        let bytes = self.bytes;
        let start = open.marker.next_line.min(end);
        let name = |(a, b): (usize, usize)| String::from_utf8_lossy(bytes.get(a..b).unwrap_or_default()).into_owned();
        let fetch_error = fetch_error(bytes.get(start..end).unwrap_or_default());
        let end = if fetch_error.is_some() { start } else { end };
        let block = Block {
            namespace: name(open.marker.namespace),
            pod: name(open.marker.pod),
            container: name(open.marker.container),
            start,
            end,
            first_line: open.first_line,
            complete,
            fetch_error,
        };
        RawBlock { block, marker: open.marker_start, after }
    }
}

/// Parses the rest of a marker line, from just after `container `:
/// `<c> of pod <ns>/<pod> ====`, `\r\n` or `\n` or the input end after it.
/// Names are split at the first ` of pod ` and the first `/` after it (DNS
/// labels hold neither). `None` when the line does not have that shape.
fn parse_marker(bytes: &[u8], from: usize) -> Option<Marker> {
    let rest = bytes.get(from..)?;
    let (line_len, next_line) = match memchr(b'\n', rest) {
        Some(i) => (i, from + i + 1),
        None => (rest.len(), bytes.len()),
    };
    let mut line = &rest[..line_len];
    if let Some(stripped) = line.strip_suffix(b"\r") {
        line = stripped;
    }
    let ident = line.strip_suffix(CLOSE)?;
    let of_pod = memmem::find(ident, OF_POD)?;
    let slash = of_pod + OF_POD.len() + memchr(b'/', &ident[of_pod + OF_POD.len()..])?;
    Some(Marker {
        ident: (from, from + ident.len()),
        container: (from, from + of_pod),
        namespace: (from + of_pod + OF_POD.len(), from + slash),
        pod: (from + slash + 1, from + ident.len()),
        next_line,
    })
}

/// The reason when a block's content is an error written instead of a log.
fn fetch_error(content: &[u8]) -> Option<String> {
    if content.len() > MAX_ERROR_BYTES {
        return None;
    }
    let text = content.trim_ascii_end();
    let reason = match KUBECTL_ERRORS.iter().find_map(|prefix| text.strip_prefix(*prefix)) {
        Some(reason) => reason.trim_ascii(),
        None if memchr(b'\n', text).is_none() && is_api_log_error(text) => text,
        None => return None,
    };
    if reason.is_empty() {
        return Some("unknown error".to_string());
    }
    Some(String::from_utf8_lossy(reason).into_owned())
}

/// The API server's and kubelet's answers to a log request that has no log
/// to give, as other collectors write them without kubectl's prefix.
fn is_api_log_error(line: &[u8]) -> bool {
    let has = |needle: &[u8]| memmem::find(line, needle).is_some();
    (line.starts_with(b"container \"")
        && has(b"\" in pod \"")
        && (has(b"\" is waiting to start") || has(b"\" is terminated")))
        || (line.starts_with(b"previous terminated container \"") && line.ends_with(b" not found"))
        || line.starts_with(b"unable to retrieve container logs for ")
        || line.starts_with(b"the server rejected our request for an unknown reason")
        || (line.starts_with(b"Get \"") && has(b"/containerLogs/"))
        || (line.starts_with(b"pods \"") && line.ends_with(b"\" not found"))
}

/// Appends the JSON objects that start at column 0 in `bytes[from..to]`.
fn documents_in(bytes: &[u8], from: usize, to: usize, lines: &mut Lines, stream: &mut Stream) {
    let Some(gap) = bytes.get(..to) else { return };
    let mut at = from;
    while at < to {
        if gap[at] == b'{' {
            let line = lines.line_at(bytes, at);
            match object_end(gap, at) {
                Some(end) => {
                    stream.documents.push((at, end, line));
                    at = end;
                    continue;
                }
                None => {
                    stream.unterminated.push((at, to, line));
                    return;
                }
            }
        }
        match memchr(b'\n', &gap[at..]) {
            Some(i) => at += i + 1,
            None => return,
        }
    }
}

/// Offset just after the `}` that closes the object opened at `open`, if it
/// closes within `bytes`. Braces inside strings do not count; a backslash in
/// a string skips the byte after it.
fn object_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = open;
    loop {
        at += memchr3(b'"', b'{', b'}', bytes.get(at..)?)?;
        match bytes[at] {
            b'{' => depth += 1,
            b'}' => match depth.checked_sub(1) {
                Some(0) | None => return Some(at + 1),
                Some(inner) => depth = inner,
            },
            _ => loop {
                at += 1;
                at += memchr2(b'"', b'\\', bytes.get(at..)?)?;
                if bytes[at] == b'"' {
                    break;
                }
                at += 1;
            },
        }
        at += 1;
    }
}

/// Lazy newline counter: counts from the last asked offset on, so a forward
/// scan counts every byte once.
struct Lines {
    pos: usize,
    line: u64,
}

impl Default for Lines {
    fn default() -> Self {
        Lines { pos: 0, line: 1 }
    }
}

impl Lines {
    /// 1-based line of the byte at `at` (`at` never goes backwards).
    fn line_at(&mut self, bytes: &[u8], at: usize) -> u64 {
        if let Some(span) = bytes.get(self.pos..at) {
            self.line += memchr::memchr_iter(b'\n', span).count() as u64;
            self.pos = at;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(c: &str, ns: &str, pod: &str) -> String {
        format!("==== START logs for container {c} of pod {ns}/{pod} ====\n")
    }

    fn end(c: &str, ns: &str, pod: &str) -> String {
        format!("==== END logs for container {c} of pod {ns}/{pod} ====\n")
    }

    /// Asserts a block's names, that its range is exactly `log`, and its line.
    fn check(bytes: &[u8], block: &Block, container: &str, log: &[u8], first_line: u64, complete: bool) {
        assert_eq!(block.container, container);
        assert_eq!(block.content(bytes), log, "content of {container}");
        assert_eq!(&bytes[block.start..block.end], log);
        assert_eq!(block.first_line, first_line, "first line of {container}");
        assert_eq!(block.complete, complete, "complete of {container}");
        assert_eq!(block.fetch_error, None);
    }

    #[test]
    fn init_and_two_containers() {
        let (ns, pod) = ("shop", "web-7d9f8-abcde");
        let init_log = "copying config\ndone\n";
        let app_log = "starting\nlistening on :8080\npanic: nil map\n";
        let side_log = "proxy ready\n";
        let text = [
            start("init-config", ns, pod),
            init_log.to_string(),
            end("init-config", ns, pod),
            start("app", ns, pod),
            app_log.to_string(),
            end("app", ns, pod),
            start("sidecar", ns, pod),
            side_log.to_string(),
            end("sidecar", ns, pod),
        ]
        .concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 3);
        for b in &blocks {
            assert_eq!((b.namespace.as_str(), b.pod.as_str()), (ns, pod));
        }
        check(bytes, &blocks[0], "init-config", init_log.as_bytes(), 2, true);
        check(bytes, &blocks[1], "app", app_log.as_bytes(), 6, true);
        check(bytes, &blocks[2], "sidecar", side_log.as_bytes(), 11, true);
        // Exact offsets: the first content byte follows the START line.
        assert_eq!(blocks[0].start, start("init-config", ns, pod).len());
        assert_eq!(blocks[0].end, blocks[0].start + init_log.len());
        // The 1-based line numbers point at the first log line.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[blocks[1].first_line as usize - 1], "starting");
        assert_eq!(lines[blocks[2].first_line as usize - 1], "proxy ready");
        // The iterator yields the same blocks.
        assert_eq!(super::blocks(bytes).collect::<Vec<_>>(), split_logs(bytes));
        assert!(is_dump_logs(bytes));
    }

    #[test]
    fn vz_license_header() {
        let text = format!(
            "# Copyright (c) 2021, Oracle and/or its affiliates.\n\
             # Licensed under the Universal Permissive License v 1.0 as shown at https://oss.oracle.com/licenses/upl.\n\
             \n{}line one\n{}",
            start("install", "default", "verrazzano-install-my-verrazzano-rslwh"),
            end("install", "default", "verrazzano-install-my-verrazzano-rslwh")
        );
        let bytes = text.as_bytes();
        assert!(is_dump_logs(bytes));
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].namespace, "default");
        assert_eq!(blocks[0].pod, "verrazzano-install-my-verrazzano-rslwh");
        check(bytes, &blocks[0], "install", b"line one\n", 5, true);
    }

    #[test]
    fn truncated_blocks() {
        // `a` never ends before `b` starts; `b` is cut off mid-line at EOF.
        let text = [start("a", "ns", "p"), "a1\na2\n".into(), start("b", "ns", "p"), "b1\nb2 cut".into()].concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 2);
        check(bytes, &blocks[0], "a", b"a1\na2\n", 2, false);
        check(bytes, &blocks[1], "b", b"b1\nb2 cut", 5, false);
        assert_eq!(blocks[1].end, bytes.len());
        // A START marker line that is the last line, without newline.
        let text = format!("{}{}", start("a", "ns", "p"), start("b", "ns", "p").trim_end());
        let blocks = split_logs(text.as_bytes());
        assert_eq!(blocks.len(), 2);
        check(text.as_bytes(), &blocks[1], "b", b"", 3, false);
        assert_eq!(blocks[1].start, text.len());
    }

    #[test]
    fn empty_block() {
        let text =
            [start("default-backend", "ingress-nginx", "be-6f5"), end("default-backend", "ingress-nginx", "be-6f5")]
                .concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 1);
        check(bytes, &blocks[0], "default-backend", b"", 2, true);
        assert_eq!(blocks[0].start, blocks[0].end);
        assert_eq!(blocks[0].no_log_note(), None);
    }

    #[test]
    fn fetch_errors() {
        let waiting = r#"container "app" in pod "web-1" is waiting to start: ContainerCreating"#;
        let text = [
            start("init", "ns", "web-1"),
            "Request log error: the server rejected our request for an unknown reason (get pods web-1)\n".into(),
            end("init", "ns", "web-1"),
            start("app", "ns", "web-1"),
            format!("Request log error: {waiting}\n"),
            end("app", "ns", "web-1"),
            start("side", "ns", "web-1"),
            "Create log request error: pod web-1 does not have a host assigned\n".into(),
            end("side", "ns", "web-1"),
            start("bare", "ns", "web-1"),
            format!("{waiting}\n"),
            end("bare", "ns", "web-1"),
            start("real", "ns", "web-1"),
            format!("{waiting}\nbut this log goes on\n"),
            end("real", "ns", "web-1"),
        ]
        .concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 5);
        let errors: Vec<Option<&str>> = blocks.iter().map(|b| b.fetch_error.as_deref()).collect();
        assert_eq!(
            errors,
            [
                Some("the server rejected our request for an unknown reason (get pods web-1)"),
                Some(waiting),
                Some("pod web-1 does not have a host assigned"),
                Some(waiting),
                None,
            ]
        );
        assert_eq!(blocks[1].no_log_note().as_deref(), Some(format!("no log: {waiting}").as_str()));
        for b in &blocks[..4] {
            // No log: an empty range at the error line, which first_line names.
            assert_eq!(b.start, b.end);
            assert!(b.complete);
            let line = text.lines().nth(b.first_line as usize - 1).unwrap_or_default();
            assert!(line.ends_with(b.fetch_error.as_deref().unwrap_or("?")), "{line}");
        }
        assert_eq!(blocks[4].content(bytes), format!("{waiting}\nbut this log goes on\n").as_bytes());
    }

    #[test]
    fn crlf_lines() {
        let text = "==== START logs for container c1 of pod ns/p ====\r\nline 1\r\nline 2\r\n\
                    ==== END logs for container c1 of pod ns/p ====\r\n\
                    ==== START logs for container c2 of pod ns/p ====\r\n\
                    Request log error: container \"c2\" in pod \"p\" is waiting to start: PodInitializing\r\n\
                    ==== END logs for container c2 of pod ns/p ====\r\n";
        let bytes = text.as_bytes();
        assert!(is_dump_logs(bytes));
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 2);
        check(bytes, &blocks[0], "c1", b"line 1\r\nline 2\r\n", 2, true);
        assert_eq!((blocks[0].namespace.as_str(), blocks[0].pod.as_str()), ("ns", "p"));
        assert_eq!(blocks[1].container, "c2");
        assert_eq!(blocks[1].pod, "p");
        assert_eq!(blocks[1].first_line, 6);
        assert_eq!(
            blocks[1].fetch_error.as_deref(),
            Some("container \"c2\" in pod \"p\" is waiting to start: PodInitializing")
        );
    }

    #[test]
    fn non_utf8_content_and_names() {
        let mut bytes = start("bin", "ns", "p").into_bytes();
        let log: &[u8] = b"\xff\xfe garbage \xc3\x28\n\x00\x01 logs for container \x80\n";
        bytes.extend_from_slice(log);
        bytes.extend_from_slice(end("bin", "ns", "p").as_bytes());
        bytes.extend_from_slice(b"==== START logs for container \xff\xfe of pod n\xc3s/p\x80d ====\nx\n");
        let blocks = split_logs(&bytes);
        assert_eq!(blocks.len(), 2);
        check(&bytes, &blocks[0], "bin", log, 2, true);
        assert_eq!(blocks[1].container, "\u{FFFD}\u{FFFD}");
        assert_eq!(blocks[1].namespace, "n\u{FFFD}s");
        assert_eq!(blocks[1].pod, "p\u{FFFD}d");
        assert_eq!(blocks[1].content(&bytes), b"x\n");
        assert!(!blocks[1].complete);
    }

    #[test]
    fn marker_text_inside_lines_does_not_split() {
        let log = [
            "echo ==== START logs for container evil of pod ns/p ====\n".to_string(),
            format!("  {}", end("c", "ns", "p")),
            "debug: wrote ==== END logs for container c of pod ns/p ==== to file\n".into(),
            // An END of another container at a line start is log text too.
            end("other", "ns", "p"),
            // A START prefix that is not a well-formed marker line.
            "==== START logs for container without pod part\n".into(),
            // This container's exact END, glued to a line, but more log follows.
            format!("tail {}", end("c", "ns", "p")),
            "still the log\n".into(),
        ]
        .concat();
        let text = [start("c", "ns", "p"), log.clone(), end("c", "ns", "p")].concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 1);
        check(bytes, &blocks[0], "c", log.as_bytes(), 2, true);
    }

    #[test]
    fn end_glued_to_a_last_line_without_newline() {
        // kubectl writes the log bytes, then the END line: a log without a
        // final newline gets the END on its last line.
        let text = [
            start("a", "ns", "p"),
            "one\npartial".into(),
            end("a", "ns", "p"),
            start("b", "ns", "p"),
            "b partial".into(),
            end("b", "ns", "p"),
        ]
        .concat();
        let bytes = text.as_bytes();
        let blocks = split_logs(bytes);
        assert_eq!(blocks.len(), 2);
        check(bytes, &blocks[0], "a", b"one\npartial", 2, true);
        check(bytes, &blocks[1], "b", b"b partial", 5, true);
    }

    fn list(kind: &str, items: &str) -> String {
        format!(
            "{{\n    \"kind\": \"{kind}\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {{}},\n    \"items\": [{items}]\n}}\n"
        )
    }

    #[test]
    fn stdout_stream() {
        let tricky = r#"
        {
            "metadata": {"name": "web-1", "namespace": "shop"},
            "message": "brace } and { and \"quoted }\" and backslash \\",
            "status": {"phase": "Running"}
        }
    "#;
        let text = [
            list("NodeList", ""),
            list("PodList", tricky),
            start("app", "shop", "web-1"),
            "{\"level\":\"error\",\"msg\":\"json log line at column 0\"}\n{\n}\n".into(),
            end("app", "shop", "web-1"),
            list("EventList", ""),
            start("app", "kube-system", "dns-1"),
            "ok\n".into(),
            end("app", "kube-system", "dns-1"),
        ]
        .concat();
        let bytes = text.as_bytes();
        let stream = split_stream(bytes);
        assert_eq!(stream.documents.len(), 3, "{:?}", stream.documents);
        assert!(stream.unterminated.is_empty());
        let kinds: Vec<String> = stream
            .documents
            .iter()
            .map(|&(s, e, _)| {
                let value: serde_json::Value = serde_json::from_slice(&bytes[s..e]).expect("document parses");
                value["kind"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        assert_eq!(kinds, ["NodeList", "PodList", "EventList"]);
        let pods: serde_json::Value =
            serde_json::from_slice(&bytes[stream.documents[1].0..stream.documents[1].1]).expect("pod list parses");
        assert_eq!(pods["items"][0]["message"], "brace } and { and \"quoted }\" and backslash \\");
        for &(s, _, line) in &stream.documents {
            let nth = text.lines().nth(line as usize - 1).unwrap_or_default();
            assert_eq!(nth, "{");
            assert!(s == 0 || bytes[s - 1] == b'\n');
        }
        assert_eq!(stream.documents[0].2, 1);
        assert_eq!(stream.documents[1].2, 7);
        assert_eq!(stream.blocks.len(), 2);
        assert_eq!(stream.blocks[0].pod, "web-1");
        assert_eq!(
            stream.blocks[0].content(bytes),
            b"{\"level\":\"error\",\"msg\":\"json log line at column 0\"}\n{\n}\n"
        );
        assert_eq!(stream.blocks[1].namespace, "kube-system");
        assert_eq!(stream.blocks[1].content(bytes), b"ok\n");
        assert_eq!(text.lines().nth(stream.blocks[1].first_line as usize - 1), Some("ok"));
        // The blocks are the ones split_logs finds.
        assert_eq!(stream.blocks, split_logs(bytes));
        assert!(!is_dump_logs(bytes));
    }

    #[test]
    fn stdout_stream_truncated_document() {
        let text = format!("{}{{\n    \"kind\": \"PodList\",\n    \"items\": [\n", list("NodeList", ""));
        let stream = split_stream(text.as_bytes());
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.unterminated, vec![(list("NodeList", "").len(), text.len(), 7)]);
        assert!(stream.blocks.is_empty());
    }

    #[test]
    fn sniff() {
        let marker = start("c", "ns", "p");
        assert!(is_dump_logs(marker.as_bytes()));
        assert!(is_dump_logs(format!("\u{FEFF}\n  \r\n# comment\n#\n{marker}").as_bytes()));
        assert!(is_dump_logs(b"==== START logs for container "));
        assert!(!is_dump_logs(b"==== START logs for contai"));
        assert!(!is_dump_logs(b""));
        assert!(!is_dump_logs(b"# only a comment"));
        assert!(!is_dump_logs(format!("text\n{marker}").as_bytes()));
        assert!(!is_dump_logs(b"{\"kind\": \"PodList\"}"));
        assert!(!is_dump_logs(format!(" {marker}").as_bytes()));
    }

    #[test]
    fn no_blocks() {
        assert!(split_logs(b"").is_empty());
        assert!(split_logs(b"plain log\nlogs for container x\n").is_empty());
        assert!(split_logs(end("c", "ns", "p").as_bytes()).is_empty());
        assert_eq!(split_stream(b""), Stream::default());
    }

    /// Every prefix of a dump, and pseudo-random mixes of marker fragments,
    /// split without panicking into sane, ordered ranges.
    #[test]
    fn odd_input_never_panics() {
        let text = [
            "# header\n".to_string(),
            list("PodList", "{\"a\": \"}\\\"\"}"),
            start("a", "ns", "p"),
            "x\r\n".into(),
            end("a", "ns", "p"),
            start("b", "ns", "p"),
            "Request log error: boom\n".into(),
            end("b", "ns", "p"),
            start("c", "n/s", "p/q"),
            "y".into(),
            end("c", "n/s", "p/q"),
        ]
        .concat();
        let bytes = text.as_bytes();
        let sane = |input: &[u8]| {
            let mut last = 0;
            for b in split_logs(input) {
                assert!(last <= b.start && b.start <= b.end && b.end <= input.len());
                last = b.end;
            }
            let stream = split_stream(input);
            for &(s, e, line) in stream.documents.iter().chain(&stream.unterminated) {
                assert!(s < e && e <= input.len() && line >= 1);
            }
            is_dump_logs(input);
        };
        for cut in 0..=bytes.len() {
            sane(&bytes[..cut]);
            sane(&bytes[cut..]);
        }
        let pieces: [&[u8]; 12] =
            [START, END, NEEDLE, b" of pod ", b"/", b" ====", b"\n", b"\r\n", b"{", b"}", b"\"\\", b"\xff"];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..2000 {
            let mut input = Vec::new();
            for _ in 0..24 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
            }
            sane(&input);
        }
        // A namespace and pod split at the first `/`.
        let blocks = split_logs(bytes);
        let c = blocks.iter().find(|b| b.container == "c").expect("block c");
        assert_eq!((c.namespace.as_str(), c.pod.as_str()), ("n", "s/p/q"));
        assert_eq!(c.content(bytes), b"y");
    }
}
