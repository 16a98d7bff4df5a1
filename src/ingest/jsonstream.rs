//! Streaming split of big `kubectl get -o json` documents into per-item byte
//! slices, and a locator for the lines of fields inside one item.
//!
//! # Why no DOM
//! A `PodList` exported from a large cluster can be a gigabyte. A
//! `serde_json::Value` tree of it costs several times the file size (every
//! string, map node and number is its own allocation) and must be built by one
//! thread before any analysis can start. [`ItemSplitter`] therefore only finds
//! the *boundaries* of the `items[]` elements and hands each element out as raw
//! bytes; the caller deserializes them into lean typed structs, in parallel,
//! while the splitter reads on.
//!
//! # Why chunked
//! Input is read in fixed chunks ([`CHUNK`]) into one buffer that only keeps
//! what has not been handed out yet: the unfinished element (or key, or a
//! document that may still turn out to be a single object) plus the newest
//! chunk. Memory is bounded by chunk size + largest item, whatever the file
//! size. Every state of the scanner records where it stopped, so a string, an
//! escape or an element straddling a chunk boundary is resumed, not rescanned.
//!
//! # How boundaries are found
//! Inside an element only `"` and the element's own bracket pair matter, so
//! `memchr3` jumps straight between them while a depth counter (never
//! recursion: 100 000 levels cost nothing) follows the nesting. Inside strings
//! `memchr2` looks for the closing quote or a backslash, and a backslash skips
//! the byte after it, which handles `\"` as well as `\\"`. An element that
//! starts with `{` only counts braces, one that starts with `[` only brackets:
//! in well-formed JSON the other kind balances inside anyway, and malformed
//! items are for the per-item parser to report. The splitter validates just
//! enough structure around the items to report truncation and garbage with a
//! position.
//!
//! # How lines are tracked
//! Newlines are counted lazily, with memchr, from the last counted offset up to
//! the offset whose line is wanted (an item start, an error, trailing text) and,
//! at the latest, just before bytes are dropped from the buffer. Every byte is
//! thus counted once. The start offset of the current line is kept too, so
//! errors get a column (1-based, in bytes, as serde_json counts them).
//!
//! # Concatenated documents and trailing text
//! Files may hold several JSON values in a row (`kubectl get -o json` appended
//! twice, or `kubectl cluster-info dump`, which follows its JSON lists with
//! plain-text log blocks). After a value ends, another `{` or `[` starts a new
//! document, anything else is trailing text whose offset is reported through
//! [`ItemSplitter::trailing`] instead of an error. Log lines often start with
//! `[` (`[INFO] ...`), so for documents after the first the token following
//! the opening bracket must look like JSON too; otherwise that bracket is where
//! the trailing text starts.
//!
//! # Field lines
//! [`locate_fields`] / [`locate`] walk one item's bytes iteratively, keep a path
//! stack, and report the line of each key (and of each array element), so that
//! findings can quote `file:line` for a specific field without any DOM either.

use crate::model::source::{FieldLines, FieldLinesBuilder};
use std::fmt::{self, Write as _};
use std::io::{self, Read};

use memchr::{memchr_iter, memchr2, memchr3};

/// Default read size of [`ItemSplitter::new`]: big enough that syscalls and
/// buffer compaction are negligible, small enough to stay a minor part of
/// memory next to the parsed items.
pub const CHUNK: usize = 8 << 20;

/// Largest single item (or whole document) the splitter holds, roughly (it
/// stops before reading a chunk that could take it past). Kubernetes
/// objects are small (etcd refuses requests over 1.5 MiB by default), so a
/// value bigger than this is junk or made to exhaust memory; without a cap
/// the buffer would grow with it, up to all of a decompressed archive
/// entry. Files of a directory are parsed in parallel, so this is also per
/// thread.
pub const MAX_ITEM_BYTES: u64 = 64 << 20;

/// Deepest path [`locate_fields`] / [`locate`] will record. Each recorded path
/// is a fresh string as long as its depth, so an unbounded depth would make a
/// hostile 100 000-deep item cost quadratic memory; no Kubernetes field that a
/// finding quotes is anywhere near this deep.
pub const MAX_LOCATE_DEPTH: usize = 512;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How far past the opening bracket of a later document we look for a JSON
/// token before giving it the benefit of the doubt (a number this long is not
/// a log timestamp).
const PROBE_TOKEN_MAX: usize = 64;

/// One element of `items[]` (or of a top-level array), or a whole document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    /// The element's exact bytes, from its first to its last byte (no
    /// surrounding whitespace or comma).
    pub bytes: Vec<u8>,
    /// 1-based line of the element's first byte (its `{` for objects).
    pub line: u64,
    /// 0-based offset of the element's first byte in the input (a BOM
    /// counts): with `bytes.len()`, where to read the element again from a
    /// file (a revision's template, `model::revision`).
    pub offset: u64,
    /// 0-based position in `items[]` of its document; 0 for [`Piece::Whole`].
    pub index: usize,
    /// 0-based index of the top-level JSON value this came from, for files
    /// holding several concatenated documents; see [`ItemSplitter::envelopes`].
    pub doc: usize,
}

/// `kind` and `apiVersion` string values seen at the top level of a document,
/// outside `items`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub kind: Option<String>,
    pub api_version: Option<String>,
}

/// What [`ItemSplitter::next_batch`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// An element of a list's `items[]`, or of a bare top-level array. Usually
    /// an object, but any JSON value is passed through so the caller can warn.
    Item(RawItem),
    /// The document is not a list (no `items`, or `items` is not an array or
    /// null): all of it, from its `{` to its `}`.
    Whole(RawItem),
}

impl Piece {
    pub fn raw(&self) -> &RawItem {
        match self {
            Piece::Item(raw) | Piece::Whole(raw) => raw,
        }
    }

    pub fn into_raw(self) -> RawItem {
        match self {
            Piece::Item(raw) | Piece::Whole(raw) => raw,
        }
    }

    pub fn is_whole(&self) -> bool {
        matches!(self, Piece::Whole(_))
    }
}

/// Malformed or unreadable input. Position is where the problem was detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
    /// 0-based byte offset in the input (a BOM counts).
    pub offset: u64,
    pub message: String,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for SplitError {}

/// Streaming splitter; see the module documentation.
///
/// Call [`next_batch`](Self::next_batch) until it returns an empty batch. An
/// error is returned once (after the pieces completed before it were
/// returned in an earlier batch); after that the splitter is finished.
pub struct ItemSplitter<R> {
    reader: R,
    chunk_size: usize,
    /// [`MAX_ITEM_BYTES`]; smaller in tests.
    max_item: u64,
    /// Unconsumed input; `buf[0]` is at absolute offset `base`.
    buf: Vec<u8>,
    base: u64,
    /// Absolute offset of the scanner.
    pos: u64,
    eof: bool,
    bom_checked: bool,
    /// Line number at absolute offset `line_pos` (newlines before it counted).
    line: u64,
    line_pos: u64,
    /// Absolute offset where line `line` starts.
    line_start: u64,
    state: State,
    doc: Option<DocInfo>,
    docs_seen: usize,
    envelopes: Vec<Envelope>,
    no_envelope: Envelope,
    /// (offset, line) of non-JSON text after the last document.
    trailing: Option<(u64, u64)>,
    pending_error: Option<SplitError>,
}

/// Progress through one JSON value whose first byte has been consumed. The
/// position itself lives in the caller, so a value cut by a chunk boundary is
/// resumed where it stopped.
#[derive(Debug, Clone, Copy)]
enum Scan {
    Container { open: u8, close: u8, depth: u64, in_string: bool },
    Str,
    Scalar,
}

impl Scan {
    /// The scan for a value starting with `c`, or None when no JSON value
    /// starts that way.
    fn start(c: u8) -> Option<Scan> {
        match c {
            b'{' | b'[' => Some(Scan::Container {
                open: c,
                close: if c == b'{' { b'}' } else { b']' },
                depth: 1,
                in_string: false,
            }),
            b'"' => Some(Scan::Str),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => Some(Scan::Scalar),
            _ => None,
        }
    }

    /// Consumes from `hay`; returns (bytes consumed, value complete). A
    /// complete value ends right after the consumed bytes.
    fn feed(&mut self, hay: &[u8]) -> (usize, bool) {
        match self {
            Scan::Str => match string_body(hay) {
                Ok(n) => (n, true),
                Err(n) => (n, false),
            },
            // The delimiter is not part of the scalar: leave it for the
            // enclosing state, which knows whether it is acceptable.
            Scan::Scalar => match hay.iter().position(|&b| ends_scalar(b)) {
                Some(k) => (k, true),
                None => (hay.len(), false),
            },
            Scan::Container { open, close, depth, in_string } => {
                let mut i = 0;
                loop {
                    let rest = hay.get(i..).unwrap_or_default();
                    if *in_string {
                        match string_body(rest) {
                            Ok(n) => {
                                i += n;
                                *in_string = false;
                            }
                            Err(n) => return (i + n, false),
                        }
                    } else {
                        let Some(k) = memchr3(b'"', *open, *close, rest) else {
                            return (hay.len(), false);
                        };
                        let b = rest.get(k).copied().unwrap_or(b'"');
                        i += k + 1;
                        if b == b'"' {
                            *in_string = true;
                        } else if b == *open {
                            *depth += 1;
                        } else {
                            *depth = depth.saturating_sub(1);
                            if *depth == 0 {
                                return (i, true);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Scans string contents (after the opening quote). `Ok(n)`: the string ends
/// just before `hay[n]` (its closing quote was consumed). `Err(n)`: more input
/// is needed, resume at `n` — which is a backslash when one ends `hay`, so
/// that its escaped byte is not lost across the chunk boundary.
fn string_body(hay: &[u8]) -> Result<usize, usize> {
    let mut i = 0;
    loop {
        let rest = hay.get(i..).unwrap_or_default();
        let Some(k) = memchr2(b'"', b'\\', rest) else {
            return Err(hay.len());
        };
        let at = i + k;
        if hay.get(at) == Some(&b'"') {
            return Ok(at + 1);
        }
        if at + 1 >= hay.len() {
            return Err(at);
        }
        i = at + 2;
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Bytes that cannot continue a number or literal. Quotes and openers are
/// included so that `1"x"` is reported by the enclosing state rather than
/// swallowed into a "scalar".
fn ends_scalar(b: u8) -> bool {
    is_ws(b) || matches!(b, b',' | b']' | b'}' | b':' | b'"' | b'{' | b'[')
}

fn is_json_scalar(tok: &[u8]) -> bool {
    matches!(tok, b"true" | b"false" | b"null") || is_json_number(tok)
}

fn is_json_number(tok: &[u8]) -> bool {
    fn digits(tok: &[u8], i: &mut usize) -> usize {
        let start = *i;
        while tok.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    }
    let mut i = 0;
    if tok.first() == Some(&b'-') {
        i += 1;
    }
    match tok.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(tok, &mut i);
        }
        _ => return false,
    }
    if tok.get(i) == Some(&b'.') {
        i += 1;
        if digits(tok, &mut i) == 0 {
            return false;
        }
    }
    if matches!(tok.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(tok.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(tok, &mut i) == 0 {
            return false;
        }
    }
    i == tok.len()
}

fn describe(c: u8) -> String {
    if c.is_ascii_graphic() { format!("'{}'", c as char) } else { format!("byte 0x{c:02x}") }
}

fn decode_string(raw: &[u8]) -> Option<String> {
    serde_json::from_slice::<String>(raw).ok().or_else(|| {
        // Invalid escapes should not cost us the kind: keep the raw text.
        let inner = raw.get(1..raw.len().saturating_sub(1))?;
        Some(String::from_utf8_lossy(inner).into_owned())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Items,
    Kind,
    ApiVersion,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayRole {
    /// `items[]` inside a top-level object.
    Items,
    /// A bare top-level array.
    TopLevel,
}

fn elem_desc(role: ArrayRole, n: usize) -> String {
    match role {
        ArrayRole::Items => format!("items[] element {n}"),
        ArrayRole::TopLevel => format!("top-level array element {n}"),
    }
}

#[derive(Debug)]
enum State {
    /// Between top-level values (also at the start, before the BOM check).
    BeforeDoc,
    /// At the `{`/`[` of a later document, deciding whether it is JSON.
    Probe,
    ObjKeyOrEnd,
    ObjKey {
        start: u64,
    },
    ObjColon {
        key: Key,
    },
    ObjValue {
        key: Key,
    },
    /// Inside the value of a top-level key; `capture` keeps its bytes around
    /// (kind, apiVersion, a scalar `items`).
    ObjSkip {
        start: u64,
        key: Key,
        scan: Scan,
        capture: bool,
    },
    ObjCommaOrEnd,
    ArrValueOrEnd {
        role: ArrayRole,
    },
    ArrElem {
        start: u64,
        line: u64,
        scan: Scan,
        role: ArrayRole,
    },
    ArrCommaOrEnd {
        role: ArrayRole,
    },
    Done,
}

#[derive(Debug)]
struct DocInfo {
    index: usize,
    start: u64,
    line: u64,
    /// Top-level object not (yet) known to be a list: it may have to be
    /// yielded whole, so its bytes must stay in the buffer.
    keep_whole: bool,
    next_item: usize,
}

enum Step {
    Piece(Piece),
    NeedMore,
    Finished,
}

impl<R: Read> ItemSplitter<R> {
    pub fn new(reader: R) -> Self {
        Self::with_chunk_size(reader, CHUNK)
    }

    /// The input's size, when known: the buffer is then allocated once per
    /// chunk instead of growing by doubling as bytes arrive, which copied
    /// every file of a bundle about once more (3 % of a bundle's
    /// instructions).
    pub fn size_hint(mut self, bytes: Option<u64>) -> Self {
        if let Some(bytes) = bytes {
            self.buf.reserve_exact(bytes.min(self.chunk_size as u64) as usize);
        }
        self
    }

    /// Like [`new`](Self::new) with another read size (tests use tiny ones to
    /// put chunk boundaries everywhere). 0 is taken as 1.
    pub fn with_chunk_size(reader: R, chunk_size: usize) -> Self {
        Self {
            reader,
            chunk_size: chunk_size.max(1),
            max_item: MAX_ITEM_BYTES,
            buf: Vec::new(),
            base: 0,
            pos: 0,
            eof: false,
            bom_checked: false,
            line: 1,
            line_pos: 0,
            line_start: 0,
            state: State::BeforeDoc,
            doc: None,
            docs_seen: 0,
            envelopes: Vec::new(),
            no_envelope: Envelope::default(),
            trailing: None,
            pending_error: None,
        }
    }

    /// Next batch of up to `max` (at least 1) complete pieces; empty once the
    /// input is exhausted. Pieces completed before an error are returned
    /// first, the error on the following call.
    pub fn next_batch(&mut self, max: usize) -> Result<Vec<Piece>, SplitError> {
        if let Some(err) = self.pending_error.take() {
            return Err(err);
        }
        let max = max.max(1);
        let mut out = Vec::new();
        while out.len() < max {
            let result = match self.advance() {
                Ok(Step::Piece(piece)) => {
                    out.push(piece);
                    continue;
                }
                Ok(Step::Finished) => break,
                Ok(Step::NeedMore) if self.eof => match self.eof_error() {
                    None => {
                        self.state = State::Done;
                        break;
                    }
                    Some(err) => Err(err),
                },
                Ok(Step::NeedMore) => self.fill(),
                Err(err) => Err(err),
            };
            if let Err(err) = result {
                self.state = State::Done;
                if out.is_empty() {
                    return Err(err);
                }
                self.pending_error = Some(err);
                break;
            }
        }
        Ok(out)
    }

    /// Envelope of the first document (empty if there was none). Fields that
    /// follow `items` are only known once the splitter has passed them, i.e.
    /// surely once it is finished.
    pub fn envelope(&self) -> &Envelope {
        self.envelopes.first().unwrap_or(&self.no_envelope)
    }

    /// One envelope per top-level document seen, indexed by [`RawItem::doc`].
    pub fn envelopes(&self) -> &[Envelope] {
        &self.envelopes
    }

    /// Byte offset where non-JSON content after the last document begins.
    pub fn trailing(&self) -> Option<u64> {
        self.trailing.map(|(offset, _)| offset)
    }

    /// 1-based line of [`trailing`](Self::trailing).
    pub fn trailing_line(&self) -> Option<u64> {
        self.trailing.map(|(_, line)| line)
    }

    /// True once everything was yielded (or an error was returned).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done) && self.pending_error.is_none()
    }

    /// The trailing text as a reader (the already buffered part, then the
    /// rest of the input), for input that cannot be re-opened and seeked,
    /// like stdin. None if no trailing text was found.
    pub fn into_trailing(self) -> Option<io::Chain<io::Cursor<Vec<u8>>, R>> {
        let (offset, _) = self.trailing?;
        let from = usize::try_from(offset.saturating_sub(self.base)).ok()?;
        let buffered = self.buf.get(from..).unwrap_or_default().to_vec();
        Some(io::Cursor::new(buffered).chain(self.reader))
    }

    fn idx(&self, abs: u64) -> usize {
        // Every offset handed here is inside (or at the end of) the buffer.
        abs.saturating_sub(self.base) as usize
    }

    fn slice_vec(&self, start: u64, end: u64) -> Vec<u8> {
        self.buf.get(self.idx(start)..self.idx(end)).map(<[u8]>::to_vec).unwrap_or_default()
    }

    fn advance_lines(&mut self, abs: u64) {
        if abs <= self.line_pos {
            return;
        }
        let from = self.idx(self.line_pos);
        let to = self.idx(abs).min(self.buf.len());
        if let Some(slice) = self.buf.get(from..to) {
            for nl in memchr_iter(b'\n', slice) {
                self.line += 1;
                self.line_start = self.base + (from + nl + 1) as u64;
            }
        }
        self.line_pos = self.base + to as u64;
    }

    fn line_at(&mut self, abs: u64) -> u64 {
        self.advance_lines(abs);
        self.line
    }

    fn error_at(&mut self, abs: u64, message: String) -> SplitError {
        self.advance_lines(abs);
        SplitError { line: self.line, column: abs.saturating_sub(self.line_start) + 1, offset: abs, message }
    }

    fn error_here(&mut self, message: String) -> SplitError {
        self.error_at(self.pos, message)
    }

    fn next_item(&self) -> usize {
        self.doc.as_ref().map_or(0, |d| d.next_item)
    }

    /// Oldest offset that must survive compaction.
    fn retain_from(&self) -> u64 {
        if !self.bom_checked {
            return 0;
        }
        let mut keep = self.pos;
        match self.state {
            State::ObjKey { start } | State::ArrElem { start, .. } | State::ObjSkip { start, capture: true, .. } => {
                keep = keep.min(start)
            }
            _ => {}
        }
        if let Some(doc) = &self.doc {
            if doc.keep_whole {
                keep = keep.min(doc.start);
            }
        }
        keep
    }

    /// Drops what is no longer needed and appends up to one chunk.
    fn fill(&mut self) -> Result<(), SplitError> {
        let keep = self.retain_from();
        // Lines must be counted before their bytes go away.
        self.advance_lines(keep);
        let drop = self.idx(keep).min(self.buf.len());
        if drop > 0 {
            self.buf.drain(..drop);
            self.base += drop as u64;
        }
        if (self.buf.len() + self.chunk_size) as u64 > self.max_item {
            let message = format!(
                "one JSON value is larger than {} MiB (no Kubernetes object comes near that); reading stopped there",
                self.max_item >> 20
            );
            return Err(self.error_at(keep, message));
        }
        // `take` + `read_to_end` grows the buffer only as data arrives (no
        // zeroing of a whole chunk for a 2 KiB file, of which a support bundle
        // has thousands), retries on Interrupted, and keeps reading through
        // short reads (pipes) so compaction happens once per chunk.
        let limit = self.chunk_size as u64;
        match (&mut self.reader).take(limit).read_to_end(&mut self.buf) {
            Ok(n) => {
                // Take only stops short of its limit at the end of the input.
                self.eof = (n as u64) < limit;
                Ok(())
            }
            Err(e) => {
                let at = self.base + self.buf.len() as u64;
                Err(self.error_at(at, format!("read error: {e}")))
            }
        }
    }

    /// Skips JSON whitespace; the next byte, or None when the buffer ran out.
    fn skip_ws(&mut self) -> Option<u8> {
        let rest = self.buf.get(self.idx(self.pos)..)?;
        match rest.iter().position(|&b| !is_ws(b)) {
            Some(k) => {
                self.pos += k as u64;
                rest.get(k).copied()
            }
            None => {
                self.pos += rest.len() as u64;
                None
            }
        }
    }

    /// Advances through a value; Some(end offset) once it is complete.
    fn scan_value(&mut self, scan: &mut Scan) -> Option<u64> {
        let hay = self.buf.get(self.idx(self.pos)..).unwrap_or_default();
        let (consumed, done) = scan.feed(hay);
        self.pos += consumed as u64;
        done.then_some(self.pos)
    }

    fn wait(&mut self, state: State) -> Step {
        self.state = state;
        Step::NeedMore
    }

    fn mark_trailing(&mut self) {
        let line = self.line_at(self.pos);
        self.trailing = Some((self.pos, line));
        self.state = State::Done;
    }

    fn begin_doc(&mut self, opener: u8) {
        let line = self.line_at(self.pos);
        let is_object = opener == b'{';
        self.doc = Some(DocInfo { index: self.docs_seen, start: self.pos, line, keep_whole: is_object, next_item: 0 });
        self.docs_seen += 1;
        self.envelopes.push(Envelope::default());
        self.pos += 1;
        self.state = if is_object { State::ObjKeyOrEnd } else { State::ArrValueOrEnd { role: ArrayRole::TopLevel } };
    }

    /// Called with `pos` just past the document's last byte.
    fn end_doc(&mut self) -> Option<Piece> {
        self.state = State::BeforeDoc;
        let doc = self.doc.take()?;
        if !doc.keep_whole {
            return None;
        }
        Some(Piece::Whole(RawItem {
            bytes: self.slice_vec(doc.start, self.pos),
            line: doc.line,
            offset: doc.start,
            index: 0,
            doc: doc.index,
        }))
    }

    fn end_array(&mut self, role: ArrayRole) -> Option<Piece> {
        match role {
            ArrayRole::Items => {
                self.state = State::ObjCommaOrEnd;
                None
            }
            ArrayRole::TopLevel => self.end_doc(),
        }
    }

    /// Whether the `{`/`[` at `pos`, after a finished document, starts JSON.
    /// None: not enough input yet.
    fn probe(&self) -> Option<bool> {
        let hay = self.buf.get(self.idx(self.pos)..)?;
        let (&opener, after) = hay.split_first()?;
        let Some(k) = after.iter().position(|&b| !is_ws(b)) else {
            // Only whitespace up to EOF: call it JSON and let the truncation
            // error say what is wrong.
            return if self.eof { Some(true) } else { None };
        };
        let rest = after.get(k..).unwrap_or_default();
        let c = rest.first().copied().unwrap_or(b' ');
        if opener == b'{' {
            return Some(c == b'"' || c == b'}');
        }
        match c {
            b'{' | b'[' | b'"' | b']' => Some(true),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => match rest.iter().position(|&b| ends_scalar(b)) {
                Some(end) => Some(is_json_scalar(rest.get(..end).unwrap_or_default())),
                None if self.eof => Some(is_json_scalar(rest)),
                None if rest.len() >= PROBE_TOKEN_MAX => Some(true),
                None => None,
            },
            _ => Some(false),
        }
    }

    fn capture(&mut self, key: Key, start: u64) {
        let raw = self.buf.get(self.idx(start)..self.idx(self.pos)).unwrap_or_default();
        match key {
            Key::Kind | Key::ApiVersion => {
                let value = decode_string(raw);
                if let Some(env) = self.envelopes.last_mut() {
                    if key == Key::Kind {
                        env.kind = value;
                    } else {
                        env.api_version = value;
                    }
                }
            }
            Key::Items => {
                if raw == b"null" {
                    if let Some(doc) = self.doc.as_mut() {
                        doc.keep_whole = false;
                    }
                }
            }
            Key::Other => {}
        }
    }

    fn classify_key(&self, start: u64) -> Key {
        let from = self.idx(start) + 1;
        let to = self.idx(self.pos).saturating_sub(1);
        match self.buf.get(from..to) {
            Some(b"items") => Key::Items,
            Some(b"kind") => Key::Kind,
            Some(b"apiVersion") => Key::ApiVersion,
            _ => Key::Other,
        }
    }

    fn advance(&mut self) -> Result<Step, SplitError> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(Step::Finished),
                State::BeforeDoc => {
                    if !self.bom_checked {
                        let head = self.buf.get(self.idx(self.pos)..).unwrap_or_default();
                        if head.len() < BOM.len() && !self.eof && BOM.starts_with(head) {
                            return Ok(self.wait(State::BeforeDoc));
                        }
                        if head.starts_with(BOM) {
                            self.pos += BOM.len() as u64;
                        }
                        self.bom_checked = true;
                    }
                    let Some(c) = self.skip_ws() else {
                        return Ok(self.wait(State::BeforeDoc));
                    };
                    match c {
                        b'{' | b'[' if self.docs_seen == 0 => self.begin_doc(c),
                        b'{' | b'[' => self.state = State::Probe,
                        _ if self.docs_seen == 0 => {
                            return Err(self.error_here(format!(
                                "expected a JSON object or array at the top level, found {}",
                                describe(c)
                            )));
                        }
                        _ => {
                            self.mark_trailing();
                            return Ok(Step::Finished);
                        }
                    }
                }
                State::Probe => match self.probe() {
                    None => return Ok(self.wait(State::Probe)),
                    Some(true) => {
                        let c = self.buf.get(self.idx(self.pos)).copied().unwrap_or(b'{');
                        self.begin_doc(c);
                    }
                    Some(false) => {
                        self.mark_trailing();
                        return Ok(Step::Finished);
                    }
                },
                State::ObjKeyOrEnd => match self.skip_ws() {
                    None => return Ok(self.wait(State::ObjKeyOrEnd)),
                    Some(b'"') => {
                        self.state = State::ObjKey { start: self.pos };
                        self.pos += 1;
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        if let Some(piece) = self.end_doc() {
                            return Ok(Step::Piece(piece));
                        }
                    }
                    Some(c) => {
                        return Err(self.error_here(format!(
                            "expected a key or '}}' in the top-level object, found {}",
                            describe(c)
                        )));
                    }
                },
                State::ObjKey { start } => {
                    if self.scan_value(&mut Scan::Str).is_none() {
                        return Ok(self.wait(State::ObjKey { start }));
                    }
                    let key = self.classify_key(start);
                    self.state = State::ObjColon { key };
                }
                State::ObjColon { key } => match self.skip_ws() {
                    None => return Ok(self.wait(State::ObjColon { key })),
                    Some(b':') => {
                        self.pos += 1;
                        self.state = State::ObjValue { key };
                    }
                    Some(c) => {
                        return Err(self.error_here(format!(
                            "expected ':' after a key in the top-level object, found {}",
                            describe(c)
                        )));
                    }
                },
                State::ObjValue { key } => {
                    let Some(c) = self.skip_ws() else {
                        return Ok(self.wait(State::ObjValue { key }));
                    };
                    if key == Key::Items && c == b'[' {
                        // A list after all: from now on only the current
                        // element has to stay in memory.
                        if let Some(doc) = self.doc.as_mut() {
                            doc.keep_whole = false;
                        }
                        self.pos += 1;
                        self.state = State::ArrValueOrEnd { role: ArrayRole::Items };
                        continue;
                    }
                    let Some(scan) = Scan::start(c) else {
                        return Err(self.error_here(format!(
                            "expected a value after a key in the top-level object, found {}",
                            describe(c)
                        )));
                    };
                    let capture = match key {
                        Key::Kind | Key::ApiVersion => c == b'"',
                        // `null` means an empty list; other scalars a Whole.
                        Key::Items => matches!(scan, Scan::Scalar),
                        Key::Other => false,
                    };
                    let start = self.pos;
                    self.pos += 1;
                    self.state = State::ObjSkip { start, key, scan, capture };
                }
                State::ObjSkip { start, key, mut scan, capture } => {
                    if self.scan_value(&mut scan).is_none() {
                        return Ok(self.wait(State::ObjSkip { start, key, scan, capture }));
                    }
                    if capture {
                        self.capture(key, start);
                    }
                    self.state = State::ObjCommaOrEnd;
                }
                State::ObjCommaOrEnd => match self.skip_ws() {
                    None => return Ok(self.wait(State::ObjCommaOrEnd)),
                    Some(b',') => {
                        self.pos += 1;
                        self.state = State::ObjKeyOrEnd;
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        if let Some(piece) = self.end_doc() {
                            return Ok(Step::Piece(piece));
                        }
                    }
                    Some(c) => {
                        return Err(self.error_here(format!(
                            "expected ',' or '}}' in the top-level object, found {}",
                            describe(c)
                        )));
                    }
                },
                State::ArrValueOrEnd { role } => {
                    let Some(c) = self.skip_ws() else {
                        return Ok(self.wait(State::ArrValueOrEnd { role }));
                    };
                    if c == b']' {
                        self.pos += 1;
                        if let Some(piece) = self.end_array(role) {
                            return Ok(Step::Piece(piece));
                        }
                        continue;
                    }
                    let Some(scan) = Scan::start(c) else {
                        let what = elem_desc(role, self.next_item());
                        return Err(self.error_here(format!("expected {what}, found {}", describe(c))));
                    };
                    let start = self.pos;
                    let line = self.line_at(start);
                    self.pos += 1;
                    self.state = State::ArrElem { start, line, scan, role };
                }
                State::ArrElem { start, line, mut scan, role } => {
                    if self.scan_value(&mut scan).is_none() {
                        return Ok(self.wait(State::ArrElem { start, line, scan, role }));
                    }
                    let bytes = self.slice_vec(start, self.pos);
                    let (doc, index) = match self.doc.as_mut() {
                        Some(d) => {
                            d.next_item += 1;
                            (d.index, d.next_item - 1)
                        }
                        None => (0, 0),
                    };
                    self.state = State::ArrCommaOrEnd { role };
                    return Ok(Step::Piece(Piece::Item(RawItem { bytes, line, offset: start, index, doc })));
                }
                State::ArrCommaOrEnd { role } => match self.skip_ws() {
                    None => return Ok(self.wait(State::ArrCommaOrEnd { role })),
                    Some(b',') => {
                        self.pos += 1;
                        self.state = State::ArrValueOrEnd { role };
                    }
                    Some(b']') => {
                        self.pos += 1;
                        if let Some(piece) = self.end_array(role) {
                            return Ok(Step::Piece(piece));
                        }
                    }
                    Some(c) => {
                        let what = elem_desc(role, self.next_item().saturating_sub(1));
                        return Err(self.error_here(format!("expected ',' or ']' after {what}, found {}", describe(c))));
                    }
                },
            }
        }
    }

    /// The error for running out of input in the current state, or None when
    /// EOF is fine there.
    fn eof_error(&mut self) -> Option<SplitError> {
        let at = self.base + self.buf.len() as u64;
        let doc_line = self.doc.as_ref().map_or(0, |d| d.line);
        let done = self.next_item();
        let message = match &self.state {
            State::BeforeDoc | State::Probe | State::Done => return None,
            State::ArrElem { line, role, .. } => {
                format!("unexpected end of file inside {} (started at line {line})", elem_desc(*role, done))
            }
            State::ArrValueOrEnd { role } | State::ArrCommaOrEnd { role } => {
                let array = match role {
                    ArrayRole::Items => "items[]",
                    ArrayRole::TopLevel => "the top-level array",
                };
                format!(
                    "unexpected end of file: {array} is not closed after {done} element(s) \
                     (the document started at line {doc_line})"
                )
            }
            _ => format!("unexpected end of file inside the top-level object (started at line {doc_line})"),
        };
        Some(self.error_at(at, message))
    }
}

/// Lines (1-based, absolute: `base_line` is the line of `bytes[0]`) of the
/// fields inside one JSON item, keyed by dotted path with array indices:
/// `metadata`, `status.containerStatuses[0].lastState.terminated`,
/// `spec.containers[1].resources.limits.memory`.
///
/// Besides object keys (line of the key), array elements are recorded too
/// (`spec.containers[1]`, at the line of the element's first byte). The depth
/// of a path is its number of segments, an index counting as one:
/// `spec.containers[1].name` has depth 4. Only depths <= `max_depth` (capped at
/// [`MAX_LOCATE_DEPTH`]) are recorded; deeper containers are skipped with the
/// fast scanner, so a small `max_depth` also makes this cheap.
///
/// Keys are used as written (escapes not decoded), so a key containing `.` or
/// `[` (annotation keys do) makes its path ambiguous. Malformed input ends the
/// walk: what was found so far is returned. In order of appearance.
pub fn locate_fields(bytes: &[u8], base_line: u64, max_depth: usize) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    walk_fields(bytes, base_line, max_depth, &mut |path, line| {
        out.push((path.to_owned(), line));
        Visit::Descend
    });
    out
}

/// The fields strictly under the `roots` paths (`status`, `spec.template`),
/// as [`locate_fields`] finds them, in their compact form. Subtrees that are
/// neither under a root nor on the way to one are skipped unread.
pub fn locate_fields_under(bytes: &[u8], base_line: u64, max_depth: usize, roots: &[&str]) -> FieldLines {
    let mut lines = FieldLinesBuilder::default();
    let below = |path: &str, root: &str| {
        path.len() > root.len() && path.starts_with(root) && matches!(path.as_bytes()[root.len()], b'.' | b'[')
    };
    walk_fields(bytes, base_line, max_depth, &mut |path, line| {
        if roots.iter().any(|root| below(path, root)) {
            lines.push(path, line);
            Visit::Descend
        } else if roots.iter().any(|root| *root == path || below(root, path)) {
            Visit::Descend
        } else {
            Visit::Skip
        }
    });
    lines.finish()
}

/// The line of one path (as in [`locate_fields`]), or None. Only subtrees on
/// the way to `path` are descended into; the first occurrence wins.
pub fn locate(bytes: &[u8], base_line: u64, path: &str) -> Option<u64> {
    if path.is_empty() {
        return None;
    }
    let mut found = None;
    walk_fields(bytes, base_line, MAX_LOCATE_DEPTH, &mut |p, line| {
        if p == path {
            found = Some(line);
            Visit::Stop
        } else if path.starts_with(p) && matches!(path.as_bytes().get(p.len()), Some(b'.' | b'[')) {
            Visit::Descend
        } else {
            Visit::Skip
        }
    });
    found
}

enum Visit {
    Descend,
    Skip,
    Stop,
}

#[derive(Clone, Copy)]
enum Expect {
    Value,
    KeyOrEnd,
    Colon,
    ElemOrEnd,
    CommaOrEnd,
}

struct Frame {
    array: bool,
    /// Length of `path` for this container itself; children append to it.
    path_len: usize,
    next_index: usize,
}

struct LineCounter<'a> {
    bytes: &'a [u8],
    counted: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn at(&mut self, i: usize) -> u64 {
        if i > self.counted {
            if let Some(s) = self.bytes.get(self.counted..i) {
                self.line += memchr_iter(b'\n', s).count() as u64;
            }
            self.counted = i;
        }
        self.line
    }
}

/// Pops the container closed by `c`; false when the walk must end (mismatch,
/// or the root was closed).
fn close_frame(stack: &mut Vec<Frame>, c: u8) -> bool {
    match stack.pop() {
        Some(frame) if frame.array == (c == b']') => !stack.is_empty(),
        _ => false,
    }
}

fn walk_fields(bytes: &[u8], base_line: u64, max_depth: usize, visit: &mut dyn FnMut(&str, u64) -> Visit) {
    let max_depth = max_depth.min(MAX_LOCATE_DEPTH);
    let mut lines = LineCounter { bytes, counted: 0, line: base_line };
    let mut stack: Vec<Frame> = Vec::new();
    let mut path = String::new();
    let mut expect = Expect::Value;
    // Whether the next value, if a container, is walked into (else skipped).
    let mut descend = max_depth > 0;
    let mut i = 0;
    loop {
        while bytes.get(i).is_some_and(|&b| is_ws(b)) {
            i += 1;
        }
        let Some(&c) = bytes.get(i) else {
            return;
        };
        match expect {
            Expect::Value => {
                if descend && (c == b'{' || c == b'[') {
                    stack.push(Frame { array: c == b'[', path_len: path.len(), next_index: 0 });
                    i += 1;
                    expect = if c == b'[' { Expect::ElemOrEnd } else { Expect::KeyOrEnd };
                    continue;
                }
                let Some(mut scan) = Scan::start(c) else {
                    return;
                };
                let (n, done) = scan.feed(bytes.get(i + 1..).unwrap_or_default());
                if !done {
                    return;
                }
                i += 1 + n;
                if stack.is_empty() {
                    return;
                }
                expect = Expect::CommaOrEnd;
            }
            Expect::KeyOrEnd => match c {
                b'"' => {
                    let rest = bytes.get(i + 1..).unwrap_or_default();
                    let Ok(n) = string_body(rest) else {
                        return;
                    };
                    let Some(top) = stack.last() else {
                        return;
                    };
                    path.truncate(top.path_len);
                    if !path.is_empty() {
                        path.push('.');
                    }
                    let key = rest.get(..n.saturating_sub(1)).unwrap_or_default();
                    path.push_str(&String::from_utf8_lossy(key));
                    let line = lines.at(i);
                    match visit(&path, line) {
                        Visit::Stop => return,
                        Visit::Skip => descend = false,
                        Visit::Descend => descend = stack.len() < max_depth,
                    }
                    i += 1 + n;
                    expect = Expect::Colon;
                }
                b'}' => {
                    if !close_frame(&mut stack, c) {
                        return;
                    }
                    i += 1;
                    expect = Expect::CommaOrEnd;
                }
                _ => return,
            },
            Expect::Colon => {
                if c != b':' {
                    return;
                }
                i += 1;
                expect = Expect::Value;
            }
            Expect::ElemOrEnd => {
                if c == b']' {
                    if !close_frame(&mut stack, c) {
                        return;
                    }
                    i += 1;
                    expect = Expect::CommaOrEnd;
                    continue;
                }
                let Some(top) = stack.last_mut() else {
                    return;
                };
                let n = top.next_index;
                top.next_index += 1;
                path.truncate(top.path_len);
                let _ = write!(path, "[{n}]");
                let line = lines.at(i);
                match visit(&path, line) {
                    Visit::Stop => return,
                    Visit::Skip => descend = false,
                    Visit::Descend => descend = stack.len() < max_depth,
                }
                expect = Expect::Value;
            }
            Expect::CommaOrEnd => match c {
                b',' => {
                    i += 1;
                    expect = if stack.last().is_some_and(|f| f.array) { Expect::ElemOrEnd } else { Expect::KeyOrEnd };
                }
                b'}' | b']' => {
                    if !close_frame(&mut stack, c) {
                        return;
                    }
                    i += 1;
                }
                _ => return,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[derive(Debug, PartialEq)]
    struct Outcome {
        pieces: Vec<Piece>,
        error: Option<SplitError>,
        envelopes: Vec<Envelope>,
        trailing: Option<(u64, u64)>,
    }

    fn run_reader<R: Read>(reader: R, chunk: usize, max: usize) -> Outcome {
        let mut splitter = ItemSplitter::with_chunk_size(reader, chunk);
        let mut pieces = Vec::new();
        let mut error = None;
        // Bounded so a splitter that never finishes fails instead of hanging.
        for _ in 0..1_000_000 {
            match splitter.next_batch(max) {
                Ok(batch) if batch.is_empty() => break,
                Ok(batch) => {
                    assert!(batch.len() <= max.max(1), "batch larger than max");
                    pieces.extend(batch);
                }
                Err(err) => {
                    assert!(error.is_none(), "error returned twice: {err}");
                    error = Some(err);
                }
            }
        }
        assert!(splitter.is_finished());
        let trailing = splitter.trailing().zip(splitter.trailing_line());
        Outcome { pieces, error, envelopes: splitter.envelopes().to_vec(), trailing }
    }

    fn run(doc: &[u8], chunk: usize, max: usize) -> Outcome {
        let out = run_reader(doc, chunk, max);
        for piece in &out.pieces {
            let raw = piece.raw();
            let at = usize::try_from(raw.offset).expect("offset");
            assert_eq!(doc.get(at..at + raw.bytes.len()), Some(&raw.bytes[..]), "offset of {piece:?}");
        }
        out
    }

    fn split_ok(doc: &[u8]) -> Outcome {
        let out = run(doc, CHUNK, 1000);
        assert!(out.error.is_none(), "unexpected error: {:?}", out.error);
        out
    }

    fn items(out: &Outcome) -> Vec<&RawItem> {
        out.pieces
            .iter()
            .map(|p| match p {
                Piece::Item(raw) => raw,
                Piece::Whole(_) => panic!("expected only items, got {p:?}"),
            })
            .collect()
    }

    fn text(raw: &RawItem) -> &str {
        std::str::from_utf8(&raw.bytes).expect("utf-8 item")
    }

    /// 1-based line of the first line containing `needle`.
    fn line_of(doc: &str, needle: &str) -> u64 {
        let k = doc.find(needle).expect("needle present");
        doc[..k].matches('\n').count() as u64 + 1
    }

    fn pod(i: usize) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": format!("web-{i}"),
                "namespace": "default",
                "annotations": {
                    "tricky": "} { ] [ \" \\ \\\" {\"a\":[1}",
                    "multi": "line1\nline2"
                }
            },
            "spec": {"containers": [
                {"name": "app", "image": "nginx", "resources": {"limits": {"memory": "128Mi"}}},
                {"name": "sidecar", "image": "envoy", "args": ["--x", "]", "}"]}
            ]},
            "status": {
                "phase": if i % 2 == 0 { "Running" } else { "CrashLoopBackOff" },
                "containerStatuses": [{
                    "name": "app",
                    "restartCount": i,
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
                }]
            }
        })
    }

    /// Pretty JSON with `indent` spaces per level. serde_json only pretty
    /// prints with 2 spaces without the serde trait in scope, so re-indent its
    /// output (strings never contain raw newlines, so leading spaces are
    /// always indentation).
    fn pretty(v: &Value, indent: usize) -> String {
        let two = serde_json::to_string_pretty(v).expect("serialize");
        let lines: Vec<String> = two
            .lines()
            .map(|l| {
                let body = l.trim_start_matches(' ');
                let level = (l.len() - body.len()) / 2;
                format!("{}{body}", " ".repeat(level * indent))
            })
            .collect();
        lines.join("\n")
    }

    /// A `PodList` laid out like kubectl (keys sorted, so `kind` comes after
    /// `items`) with `indent` spaces, or compact for 0; plus the line where
    /// each item starts, computed while building.
    fn build_list(items: &[Value], indent: usize) -> (String, Vec<u64>) {
        let mut lines = Vec::new();
        if indent == 0 {
            let parts: Vec<String> = items.iter().map(Value::to_string).collect();
            let doc = format!(
                r#"{{"apiVersion":"v1","items":[{}],"kind":"PodList","metadata":{{"resourceVersion":""}}}}"#,
                parts.join(",")
            );
            lines.resize(items.len(), 1);
            return (doc, lines);
        }
        let p1 = " ".repeat(indent);
        let p2 = " ".repeat(indent * 2);
        let mut doc = format!("{{\n{p1}\"apiVersion\": \"v1\",\n{p1}\"items\": [\n");
        let mut line = 4;
        for (k, item) in items.iter().enumerate() {
            lines.push(line);
            let body = pretty(item, indent);
            let indented: Vec<String> = body.lines().map(|l| format!("{p2}{l}")).collect();
            line += indented.len() as u64;
            doc.push_str(&indented.join("\n"));
            doc.push_str(if k + 1 < items.len() { ",\n" } else { "\n" });
        }
        doc.push_str(&format!(
            "{p1}],\n{p1}\"kind\": \"PodList\",\n{p1}\"metadata\": {{\n{p2}\"resourceVersion\": \"\"\n{p1}}}\n}}\n"
        ));
        (doc, lines)
    }

    fn check_pod_list(indent: usize) {
        let pods: Vec<Value> = (0..12).map(pod).collect();
        let (doc, lines) = build_list(&pods, indent);
        let parsed: Value = serde_json::from_str(&doc).expect("builder makes valid JSON");
        assert_eq!(parsed["items"].as_array().map(Vec::len), Some(12));

        let out = split_ok(doc.as_bytes());
        let got = items(&out);
        assert_eq!(got.len(), pods.len());
        for (k, raw) in got.iter().enumerate() {
            assert_eq!(raw.index, k);
            assert_eq!(raw.doc, 0);
            assert_eq!(raw.line, lines[k], "line of item {k}");
            assert_eq!(raw.bytes.first(), Some(&b'{'));
            assert_eq!(raw.bytes.last(), Some(&b'}'));
            let value: Value = serde_json::from_slice(&raw.bytes).expect("item parses");
            assert_eq!(value, pods[k]);
            // The item's line plus its own offset must land on the document line.
            let term = locate(&raw.bytes, raw.line, "status.containerStatuses[0].lastState.terminated");
            let expected = raw.line + line_of(text(raw), "\"terminated\"") - 1;
            assert_eq!(term, Some(expected));
            assert_eq!(line_of(&doc, &format!("\"web-{k}\"")), {
                locate(&raw.bytes, raw.line, "metadata.name").expect("name located")
            });
        }
        assert_eq!(out.envelopes, vec![Envelope { kind: Some("PodList".into()), api_version: Some("v1".into()) }]);
        assert_eq!(out.trailing, None);
    }

    #[test]
    fn a_value_over_the_item_cap_stops_the_split() {
        let big = format!("[{{\"a\":1}},\n{{\"b\":\"{}\"}},{{\"c\":3}}]", "x".repeat(5 << 20));
        let mut splitter = ItemSplitter::with_chunk_size(big.as_bytes(), 64 << 10);
        splitter.max_item = 1 << 20;
        let first = splitter.next_batch(10).expect("the item before");
        assert_eq!(first.len(), 1);
        let error = splitter.next_batch(10).expect_err("the big item");
        assert_eq!((error.line, error.column), (2, 1));
        assert!(error.message.contains("larger than 1 MiB"), "{}", error.message);
    }

    #[test]
    fn pod_list_four_space_indent() {
        check_pod_list(4);
    }

    #[test]
    fn pod_list_two_space_indent() {
        check_pod_list(2);
    }

    #[test]
    fn pod_list_compact() {
        check_pod_list(0);
    }

    /// Documents covering every shape; used by the chunk-boundary property test.
    fn corpus() -> Vec<Vec<u8>> {
        let pods: Vec<Value> = (0..4).map(pod).collect();
        let mut docs: Vec<Vec<u8>> = [0, 2, 4].iter().map(|&ind| build_list(&pods, ind).0.into_bytes()).collect();
        let deep = format!("{{\"items\":[{}{}]}}", "[".repeat(2000), "]".repeat(2000));
        let listed = build_list(&pods[..1], 2).0;
        let small: Vec<&str> = vec![
            r#"{"items":[{"a":"}{][\"","b":"\\","c":"\\\"}","d":"\\\\"},{"e":"x\"y"}]}"#,
            "[{\"a\":1},\n{\"b\":[2,{}]} , {} ]",
            r#"{"kind":"Pod","metadata":{"name":"p","labels":{"items":"x"}},"spec":{}}"#,
            r#"{"kind":"List","items":null,"apiVersion":"v1"}"#,
            r#"{"kind":"List","items":[]}"#,
            r#"{"kind":"List","items":{}}"#,
            r#"{"items":5,"kind":"Weird"}"#,
            r#"{"items":[null, 1 ,"x",[1,[2]],{"a":1},true,-1.5e3,false]}"#,
            "{\"kind\":\"PodList\",\"items\":[{\"a\":1}]}\n{\"kind\":\"EventList\",\"items\":[{\"b\":2},{\"c\":3}]}\n",
            "{\"items\":[{\"a\":1}]}\n==== START logs for container app of pod default/web-0 ====\n{\"not\":\"json list\"}\n",
            "{\"items\":[{\"a\":1}]}\n[INFO] started\n",
            "{\"items\":[]}\n{ level=info msg=started }\n",
            "[{\"a\":1}] [{\"b\":2}]\n[2024-01-01 12:00] log\n",
            "{\"items\":[{\"a\":1},\n  {\"b\":[1,2,\n",
            "{\"items\":[{\"a\":1} x]}",
            "{\"items\":[{\"a\":1}}]}",
            "\u{feff}{\"items\":[{\"a\":1}]}",
            "\u{feff}",
            "",
            "   \n ",
            "hello",
            "{\"kind\":\"A\\u0042\",\"apiVersion\":\"x\\\"y\",\"items\":[]}",
            "{\"kind\":\"Pod\"",
            "{\"a\" 1}",
            "[1,2",
            "{\"items\":[\"str\\\\\",\"q\\\"\"]}",
        ];
        docs.extend(small.into_iter().map(|s| s.as_bytes().to_vec()));
        docs.push(deep.into_bytes());
        docs.push(listed.into_bytes());
        docs
    }

    #[test]
    fn chunk_boundaries_do_not_change_the_result() {
        for doc in corpus() {
            let reference = run(&doc, CHUNK, 1000);
            for chunk in 1..64 {
                for max in [1, 3] {
                    let out = run(&doc, chunk, max);
                    assert_eq!(out, reference, "chunk {chunk}, max {max}, doc {:?}", String::from_utf8_lossy(&doc));
                }
            }
        }
    }

    #[test]
    fn hand_written_lines_and_envelope_after_items() {
        let doc = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\"a\": 1},\n\n    {\n      \"b\": 2\n    }, {\"c\": 3}\n  ],\n  \"kind\": \"PodList\"\n}\n";
        let mut splitter = ItemSplitter::with_chunk_size(doc.as_bytes(), 5);
        let first = splitter.next_batch(1).expect("first batch");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].raw().line, 4);
        // `kind` has not been reached yet.
        assert_eq!(splitter.envelope().kind, None);
        assert_eq!(splitter.envelope().api_version.as_deref(), Some("v1"));
        let rest = splitter.next_batch(10).expect("rest");
        let lines: Vec<u64> = rest.iter().map(|p| p.raw().line).collect();
        assert_eq!(lines, vec![6, 8]);
        assert_eq!(rest[0].raw().bytes, b"{\n      \"b\": 2\n    }");
        assert!(splitter.next_batch(10).expect("end").is_empty());
        assert_eq!(splitter.envelope().kind.as_deref(), Some("PodList"));
    }

    #[test]
    fn strings_with_braces_quotes_and_escapes() {
        let doc = br#"{"items":[{"a":"}{][\"","b":"\\","c":"\\\"}","d":"\\\\"},{"e":"x\"y"}]}"#;
        let out = split_ok(doc);
        let got = items(&out);
        assert_eq!(got.len(), 2);
        assert_eq!(text(got[0]), r#"{"a":"}{][\"","b":"\\","c":"\\\"}","d":"\\\\"}"#);
        let v: Value = serde_json::from_slice(&got[0].bytes).expect("parses");
        assert_eq!(v["c"], "\\\"}");
        assert_eq!(text(got[1]), r#"{"e":"x\"y"}"#);
        // Strings elements themselves, ending in escaped backslash/quote.
        let out = split_ok(br#"{"items":["str\\","q\"",""]}"#);
        let texts: Vec<&str> = items(&out).into_iter().map(text).collect();
        assert_eq!(texts, vec![r#""str\\""#, r#""q\"""#, r#""""#]);
    }

    #[test]
    fn bare_array() {
        let out = split_ok(b"[{\"a\":1},\n{\"b\":[2,{}]} , {} ]");
        let got = items(&out);
        let texts: Vec<&str> = got.iter().map(|r| text(r)).collect();
        assert_eq!(texts, vec!["{\"a\":1}", "{\"b\":[2,{}]}", "{}"]);
        assert_eq!(got[1].line, 2);
        assert_eq!(got[2].index, 2);
        assert_eq!(out.envelopes, vec![Envelope::default()]);
    }

    #[test]
    fn single_object_is_whole() {
        let doc = "\n {\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"items\":\"x\"}},\"spec\":{}}  \n";
        for chunk in [1, 4, CHUNK] {
            let out = run(doc.as_bytes(), chunk, 10);
            assert_eq!(out.error, None);
            assert_eq!(out.pieces.len(), 1);
            assert!(out.pieces[0].is_whole());
            let raw = out.pieces[0].raw();
            assert_eq!(text(raw), doc.trim());
            assert_eq!(raw.line, 2);
            assert_eq!(out.envelopes[0].kind.as_deref(), Some("Pod"));
        }
    }

    #[test]
    fn items_null_empty_and_not_an_array() {
        let out = split_ok(br#"{"kind":"List","items":null,"apiVersion":"v1"}"#);
        assert!(out.pieces.is_empty());
        assert_eq!(out.envelopes[0].api_version.as_deref(), Some("v1"));

        assert!(split_ok(br#"{"kind":"List","items":[]}"#).pieces.is_empty());
        assert!(split_ok(b"{\"items\": [\n  ]\n}").pieces.is_empty());

        for doc in [r#"{"kind":"List","items":{}}"#, r#"{"items":5,"kind":"Weird"}"#] {
            let out = split_ok(doc.as_bytes());
            assert_eq!(out.pieces.len(), 1, "{doc}");
            assert!(out.pieces[0].is_whole());
            assert_eq!(text(out.pieces[0].raw()), doc);
        }
        // `nullx` is not null: not an empty list.
        let out = run(br#"{"items":nullx}"#, CHUNK, 10);
        assert_eq!(out.pieces.len(), 1);
        assert!(out.pieces[0].is_whole());
    }

    #[test]
    fn non_object_items_are_passed_through() {
        let out = split_ok(br#"{"items":[null, 1 ,"x",[1,[2]],{"a":1},true,-1.5e3,false]}"#);
        let texts: Vec<&str> = items(&out).into_iter().map(text).collect();
        assert_eq!(texts, vec!["null", "1", "\"x\"", "[1,[2]]", "{\"a\":1}", "true", "-1.5e3", "false"]);
    }

    #[test]
    fn concatenated_documents() {
        let doc = "{\"kind\":\"PodList\",\"items\":[{\"a\":1}]}\n{\"kind\":\"EventList\",\"items\":[{\"b\":2},{\"c\":3}]}\n{\"kind\":\"Pod\"}\n";
        let out = split_ok(doc.as_bytes());
        let summary: Vec<(bool, usize, usize, u64)> =
            out.pieces.iter().map(|p| (p.is_whole(), p.raw().doc, p.raw().index, p.raw().line)).collect();
        assert_eq!(summary, vec![(false, 0, 0, 1), (false, 1, 0, 2), (false, 1, 1, 2), (true, 2, 0, 3)]);
        let kinds: Vec<Option<&str>> = out.envelopes.iter().map(|e| e.kind.as_deref()).collect();
        assert_eq!(kinds, vec![Some("PodList"), Some("EventList"), Some("Pod")]);
        assert_eq!(out.trailing, None);
    }

    #[test]
    fn trailing_plain_text_is_reported_not_an_error() {
        let json = "{\"items\":[{\"a\":1}]}\n";
        let tail = "==== START logs for container app of pod default/web-0 ====\n{\"level\":\"info\"}\n";
        let doc = format!("{json}{tail}");
        for chunk in [1, 3, CHUNK] {
            let mut splitter = ItemSplitter::with_chunk_size(doc.as_bytes(), chunk);
            let pieces = splitter.next_batch(100).expect("ok");
            assert_eq!(pieces.len(), 1);
            assert!(splitter.next_batch(100).expect("ok").is_empty());
            assert_eq!(splitter.trailing(), Some(json.len() as u64));
            assert_eq!(splitter.trailing_line(), Some(2));
            let mut rest = String::new();
            splitter.into_trailing().expect("trailing reader").read_to_string(&mut rest).expect("read");
            assert_eq!(rest, tail);
        }
        // Log lines starting with a bracket are not mistaken for JSON.
        let out = split_ok(b"{\"items\":[{\"a\":1}]}\n[INFO] started\n");
        assert_eq!(out.trailing, Some((20, 2)));
        let out = split_ok(b"{\"items\":[]}\n{ level=info msg=started }\n");
        assert_eq!(out.trailing, Some((13, 2)));
        assert!(out.pieces.is_empty());
        let out = split_ok(b"[{\"a\":1}] [{\"b\":2}]\n[2024-01-01 12:00] log\n");
        assert_eq!(items(&out).len(), 2);
        assert_eq!(out.trailing, Some((20, 2)));
        // No trailing reader without trailing text.
        let splitter = ItemSplitter::new(&b"[]"[..]);
        assert!(splitter.into_trailing().is_none());
    }

    #[test]
    fn truncated_file_reports_position_after_yielding_items() {
        let doc = "{\"items\":[{\"a\":1},\n  {\"b\":[1,2,\n";
        let mut splitter = ItemSplitter::new(doc.as_bytes());
        let first = splitter.next_batch(10).expect("items before the error");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].raw().bytes, b"{\"a\":1}");
        let err = splitter.next_batch(10).expect_err("truncated");
        assert_eq!(err.message, "unexpected end of file inside items[] element 1 (started at line 2)");
        assert_eq!((err.line, err.column, err.offset), (3, 1, doc.len() as u64));
        assert!(err.to_string().starts_with("line 3, column 1: unexpected end"));
        assert!(splitter.next_batch(10).expect("finished").is_empty());
    }

    #[test]
    fn every_truncation_is_an_error_at_the_end() {
        let (doc, _) = build_list(&[pod(0), pod(1)], 2);
        let full = split_ok(doc.as_bytes());
        let trimmed = doc.trim_end().len();
        for len in 1..trimmed {
            let prefix = &doc.as_bytes()[..len];
            let out = run(prefix, 5, 4);
            let err = out.error.unwrap_or_else(|| panic!("no error at length {len}"));
            let expected_line = prefix.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let last_nl = prefix.iter().rposition(|&b| b == b'\n').map_or(0, |k| k + 1);
            assert_eq!(err.line, expected_line, "len {len}");
            assert_eq!(err.column, (len - last_nl) as u64 + 1, "len {len}");
            assert!(err.message.starts_with("unexpected end of file"), "{}", err.message);
            assert!(full.pieces.starts_with(&out.pieces), "len {len}");
        }
    }

    #[test]
    fn garbage_and_unbalanced_braces() {
        let out = run(b"{\"items\":[{\"a\":1} x]}", CHUNK, 10);
        assert_eq!(out.pieces.len(), 1);
        let err = out.error.expect("error");
        assert_eq!((err.line, err.column), (1, 19));
        assert_eq!(err.message, "expected ',' or ']' after items[] element 0, found 'x'");

        let err = run(b"{\"items\":[{\"a\":1}}]}", CHUNK, 10).error.expect("error");
        assert_eq!(err.column, 18);

        let err = run(b"\n\n  hello", CHUNK, 10).error.expect("error");
        assert_eq!((err.line, err.column), (3, 3));
        assert!(err.message.contains("found 'h'"));

        let err = run(b"{\"a\" 1}", CHUNK, 10).error.expect("error");
        assert!(err.message.starts_with("expected ':'"), "{}", err.message);
        let err = run(b"{\"items\":[{\"a\":1}, ?]}", CHUNK, 10).error.expect("error");
        assert_eq!(err.message, "expected items[] element 1, found '?'");
    }

    #[test]
    fn empty_input_yields_nothing() {
        for doc in ["", "  \n", "\u{feff}"] {
            let out = split_ok(doc.as_bytes());
            assert!(out.pieces.is_empty());
            assert!(out.envelopes.is_empty());
            assert_eq!(out.trailing, None);
        }
    }

    #[test]
    fn bom_is_skipped() {
        let doc = "\u{feff}{\"kind\":\"PodList\",\"items\":[\n{\"a\":1}]}";
        for chunk in [1, 2, 3, 4, CHUNK] {
            let out = run(doc.as_bytes(), chunk, 10);
            assert_eq!(out.error, None);
            let got = items(&out);
            assert_eq!(got.len(), 1);
            assert_eq!(text(got[0]), "{\"a\":1}");
            assert_eq!(got[0].line, 2);
            assert_eq!(out.envelopes[0].kind.as_deref(), Some("PodList"));
        }
        // A lone BOM byte prefix is not a BOM: reported, not skipped.
        let err = run(b"\xEF\xBB{}", 1, 10).error.expect("error");
        assert_eq!(err.column, 1);
    }

    #[test]
    fn envelope_strings_are_unescaped() {
        let out = split_ok(br#"{"kind":"A\u0042","apiVersion":"x\"y","items":[]}"#);
        assert_eq!(out.envelopes[0].kind.as_deref(), Some("AB"));
        assert_eq!(out.envelopes[0].api_version.as_deref(), Some("x\"y"));
        // Non-string kinds are ignored rather than stringified.
        let out = split_ok(br#"{"kind":7,"items":[]}"#);
        assert_eq!(out.envelopes[0].kind, None);
    }

    #[test]
    fn hundred_thousand_deep_nesting() {
        let depth = 100_000;
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let doc = format!("{{\"items\":[{arrays},\n{objects}]}}");
        for chunk in [7, 4096, CHUNK] {
            let out = run(doc.as_bytes(), chunk, 10);
            assert_eq!(out.error, None);
            let got = items(&out);
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].bytes.len(), 2 * depth);
            assert_eq!(text(got[1]), objects);
            assert_eq!(got[1].line, 2);
        }
        let fields = locate_fields(objects.as_bytes(), 10, usize::MAX);
        assert_eq!(fields.len(), MAX_LOCATE_DEPTH);
        assert_eq!(fields[2], ("a.a.a".to_string(), 10));
        assert_eq!(locate(objects.as_bytes(), 10, "a.a.a.a"), Some(10));
        assert_eq!(locate_fields(arrays.as_bytes(), 1, 3).len(), 3);

        // Truncated deep documents error out instead of overflowing.
        let cut = &doc.as_bytes()[..doc.len() / 2];
        assert!(run(cut, CHUNK, 10).error.is_some());
        // A deep single object is yielded whole.
        let out = split_ok(objects.as_bytes());
        assert!(out.pieces[0].is_whole());
    }

    /// A reader that hands out at most `step` bytes per call and interrupts
    /// every other call, like a slow pipe.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        calls: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 0 {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "again"));
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn short_reads_and_interrupts() {
        let (doc, _) = build_list(&[pod(0), pod(1), pod(2)], 4);
        let reference = split_ok(doc.as_bytes());
        for step in [1, 2, 13] {
            let reader = Trickle { data: doc.as_bytes(), step, calls: 0 };
            assert_eq!(run_reader(reader, 64, 2), reference);
        }
    }

    struct Failing<'a> {
        data: &'a [u8],
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_errors_are_reported() {
        let out = run_reader(Failing { data: b"{\"items\":[{\"a\":1},\n{\"b\"" }, 4, 10);
        assert_eq!(out.pieces.len(), 1);
        let err = out.error.expect("error");
        assert!(err.message.contains("read error: disk on fire"), "{}", err.message);
        assert_eq!(err.line, 2);
    }

    const POD: &str = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web-0",
    "annotations": {"a.b/c": "{\"x\": [1]}"}
  },
  "spec": {
    "containers": [
      {"name": "app"},
      {
        "name": "sidecar",
        "resources": {
          "limits": {
            "memory": "64Mi"
          }
        }
      }
    ]
  },
  "status": {
    "containerStatuses": [
      {
        "name": "app",
        "lastState": {
          "terminated": {
            "exitCode": 137,
            "reason": "OOMKilled"
          }
        },
        "restartCount": 5
      }
    ]
  }
}"#;

    #[test]
    fn locate_fields_on_a_pod() {
        let base = 120;
        let at = |needle: &str| base + line_of(POD, needle) - 1;
        let fields = locate_fields(POD.as_bytes(), base, usize::MAX);
        let find = |path: &str| fields.iter().find(|(p, _)| p == path).map(|&(_, l)| l);
        assert_eq!(find("metadata"), Some(at("\"metadata\"")));
        assert_eq!(find("metadata.annotations.a.b/c"), Some(at("\"a.b/c\"")));
        assert_eq!(find("spec.containers[0]"), Some(at("{\"name\": \"app\"}")));
        assert_eq!(find("spec.containers[1]"), Some(at("{\"name\": \"app\"}") + 1));
        assert_eq!(find("spec.containers[1].name"), Some(at("\"sidecar\"")));
        assert_eq!(find("spec.containers[1].resources.limits.memory"), Some(at("\"memory\"")));
        assert_eq!(find("status.containerStatuses[0].lastState.terminated"), Some(at("\"terminated\"")));
        assert_eq!(find("status.containerStatuses[0].restartCount"), Some(at("\"restartCount\"")));
        // Sorted by appearance.
        assert!(fields.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(fields.first().map(|f| f.0.as_str()), Some("apiVersion"));
        // Strings that look like JSON do not create fields.
        assert!(fields.iter().all(|(p, _)| !p.ends_with(".x")));

        // max_depth limits what is recorded.
        let shallow = locate_fields(POD.as_bytes(), base, 2);
        assert!(shallow.iter().any(|(p, _)| p == "spec.containers"));
        assert!(shallow.iter().any(|(p, _)| p == "metadata.name"));
        assert!(shallow.iter().all(|(p, _)| !p.contains('[')));
        assert!(locate_fields(POD.as_bytes(), base, 0).is_empty());

        assert_eq!(
            locate(POD.as_bytes(), base, "status.containerStatuses[0].lastState.terminated.reason"),
            Some(at("\"reason\""))
        );
        assert_eq!(locate(POD.as_bytes(), base, "status.containerStatuses[1]"), None);
        assert_eq!(locate(POD.as_bytes(), base, "spec.container"), None);
        assert_eq!(locate(POD.as_bytes(), base, ""), None);
    }

    #[test]
    fn locate_tolerates_malformed_input() {
        let cut = &POD.as_bytes()[..POD.find("\"lastState\"").expect("present") + 3];
        let fields = locate_fields(cut, 1, 10);
        assert!(fields.iter().any(|(p, _)| p == "status.containerStatuses[0].name"));
        assert!(locate(cut, 1, "status.containerStatuses[0].lastState.terminated").is_none());
        // Mismatched close ends the walk with what was found.
        let fields = locate_fields(br#"{"a":{"b":1],"c":2}"#, 1, 10);
        assert_eq!(fields, vec![("a".to_string(), 1), ("a.b".to_string(), 1)]);
        // A key is reported once it is complete, whatever follows it.
        for (bad, a) in [
            (&b""[..], None),
            (b"}", None),
            (b"[", None),
            (b"\"", None),
            (b"nul", None),
            (b"{\"a", None),
            (b"{\"a\\\"", None),
            (b"{\"a\":", Some(1)),
            (b"{\"a\"::1}", Some(1)),
            (b"{\"b\":1}}{\"a\":1}", None),
        ] {
            let _ = locate_fields(bad, 1, 10);
            assert_eq!(locate(bad, 1, "a"), a, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// Deterministic xorshift, to mutate documents without a dependency.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn random_mutations_never_panic_and_ignore_chunking() {
        let specials = b"{}[]\"\\,: \nx0";
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let docs = corpus();
        for round in 0..300 {
            let mut doc = docs[round % docs.len()].clone();
            if doc.is_empty() {
                continue;
            }
            for _ in 0..1 + xorshift(&mut seed) % 4 {
                let at = (xorshift(&mut seed) % doc.len() as u64) as usize;
                let with = specials[(xorshift(&mut seed) % specials.len() as u64) as usize];
                doc[at] = with;
            }
            let reference = run(&doc, CHUNK, 1000);
            let chunk = 1 + (xorshift(&mut seed) % 17) as usize;
            assert_eq!(run(&doc, chunk, 2), reference, "round {round}");
            for piece in &reference.pieces {
                let raw = piece.raw();
                let _ = locate_fields(&raw.bytes, raw.line, 8);
                let _ = locate(&raw.bytes, raw.line, "a.b[0]");
            }
            let _ = locate_fields(&doc, 1, 64);
        }
    }
}
