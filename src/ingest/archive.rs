//! Archive reader: support bundles and must-gathers read straight from their
//! archive, as one stream, never extracted to disk.
//!
//! # What is read
//!
//! `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`, `.zip`, a single compressed file
//! (`.gz`, `.xz`), and archives nested inside those (per-node zips inside a
//! Rancher zip, a `.tar.gz` inside a bundle, a `kubelet.log.gz` inside a
//! tarball). Formats are recognised by their first bytes ([`sniff`]), never
//! by their names. Gzip uses [`flate2::read::MultiGzDecoder`], so
//! concatenated members (pigz, `cat a.gz b.gz`) are read whole; xz streams
//! may be concatenated too. Whether a gzip/xz stream holds a tar or a single
//! file is decided from its first 512 decompressed bytes. Not read: bzip2,
//! zstd, 7z, rar ([`sniff`] says `None`), and zip entries that are
//! encrypted or use a method other than stored, deflate or deflate64
//! (warning per entry).
//!
//! # Why streaming
//!
//! Bundles reach many GB. [`walk`] hands every regular file, in archive
//! order, to a [`Visitor`] that decides per entry ([`Visitor::choose`])
//! whether it wants the bytes; if so it gets a reader over the decompressed
//! bytes ([`Visitor::read`]) and parses or scans them on the spot. Nothing is
//! kept but what the visitor keeps, so memory stays bounded. A compressed
//! tar can only be read forwards: an entry the visitor skips is still
//! decompressed to get past it (a plain `.tar` or a `.zip` given with
//! `Seek` skips it for free).
//!
//! # Bounds ([`Limits`])
//!
//! | limit | default | when reached | CLI flag |
//! |---|---|---|---|
//! | `max_total_bytes` | 64 GiB | the walk stops, [`WarningKind::LimitReached`] | `--max-archive-bytes` |
//! | `max_entry_bytes` | 8 GiB | that entry is cut (its reader returns EOF), warning, the walk goes on | `--max-entry-bytes` |
//! | `max_entries` | 1,000,000 | the walk stops, warning | `--max-entries` |
//! | `max_nesting` | 3 | the nested archive is not opened, [`WarningKind::NestedTooDeep`] | |
//! | `max_buffered_nested_zip` | 1 GiB | see "Nested archives" | |
//! | `max_ratio` past `ratio_after` | 100× past 1 GiB | that stream or zip entry is cut, [`WarningKind::LimitReached`] | `--max-ratio` |
//!
//! `max_total_bytes` counts the bytes read out of entries at every level:
//! what the visitor reads, what is decompressed only to be passed over, the
//! first 512 bytes of every file (sniffed for nested archives), and a nested
//! archive's bytes once as the outer entry and again as what they unpack to. It is the guard against decompression bombs; the CPU time of a
//! walk is proportional to it. Tar header records (long names, pax headers)
//! are capped at 4 MiB per entry, and an xz stream may not ask for more than
//! 256 MiB of decoder memory, so hostile headers cannot allocate without
//! bound. Nothing is ever written to disk and nothing touches the network.
//!
//! The byte limits bound memory and work but not how fast a bomb gets
//! there: 10 GiB of zeros are 10 MB of gzip, and inflating 64 GiB takes
//! half a minute. So every gzip or xz stream, and every zip entry, is also
//! held to a compression ratio: once it has produced `ratio_after` bytes
//! (1 GiB), it may not have produced more than `max_ratio` (100) times the
//! compressed bytes it consumed. Real bundles compress 10× to 20× (a
//! generated 160 MB bundle: 11.5× with gzip -6, 16.6× with xz -6); deflate
//! cannot exceed 1032:1, which only runs of one byte reach, so bombs sit
//! near 1000× while a log made of one line repeated stays under 300×. A
//! cut stream ends with an error naming the entry ([`WarningKind::LimitReached`]):
//! in a `.tar.gz` nothing after it can be reached without inflating it, so
//! the walk ends there; a zip entry is independent, so only it is cut.
//! Zip entries whose compressed data overlaps another entry's (the
//! "overlapping files" bomb, where many records inflate the same bytes)
//! are skipped unread. `--max-ratio` sets the ratio (0 turns it off) for an
//! input that trips it without being a bomb.
//!
//! # Errors
//!
//! [`walk`] returns `Err` only when the input is not the archive kind it was
//! given (or cannot be read at all). Damage inside the archive — a truncated
//! gzip, a corrupt tar header, a bad zip CRC — becomes a [`Warning`] naming
//! the entry; whatever was handed to the visitor before stays valid, and the
//! visitor's reader returns an error at the damage. A zip whose central
//! directory is unreadable (a truncated download) is read again from its
//! local headers, which recovers the entries before the cut.
//!
//! # Paths
//!
//! Entry names are just names: they are normalised to a relative,
//! `/`-separated path — a leading `/` is dropped, `.` and empty components
//! are dropped, and `..` removes the component before it, never climbing
//! above the archive root (`../../etc/passwd` becomes `etc/passwd`, with an
//! [`WarningKind::UnsafePath`] warning). The result never contains `..`.
//! Backslashes in zip names (Windows tools) count as separators; in tar they
//! are ordinary characters. Entries inside a nested archive are prefixed by
//! the outer entry's path and `/`: `nodes/node1.zip/logs/kubelet.log`.
//!
//! # Nested archives
//!
//! Every regular entry's first 512 bytes are sniffed before the visitor is
//! asked about it. An entry that is itself an archive is opened in place
//! (its own entries go through `choose` one by one) unless
//! [`Visitor::descend`] says no — then it is offered as a plain file — or
//! it would be deeper than `max_nesting` (warning; skipped). A single
//! compressed file inside an archive becomes one entry named after the outer
//! entry without its `.gz`/`.xz` suffix (`logs/a.log.gz` → `logs/a.log`).
//! A nested zip needs random access, so it is buffered in memory when it is
//! at most `max_buffered_nested_zip`; a bigger one is read from its local
//! headers instead (warning): that fails for zips written with data
//! descriptors and cannot see symlinks.
//!
//! # Links
//!
//! Symlinks and tar hard links are not offered to the visitor: they are
//! collected and, after the walk, resolved fully (links to links, links
//! through linked directories) into [`Walk::symlinks`] as (link path, target
//! path inside the archive), so a caller can map troubleshoot's
//! `all-logs/<pod>/<c>.log -> ../../cluster-resources/pods/logs/...` to the
//! entry it read. A relative target is resolved from the link's directory
//! within the link's own (possibly nested) archive; a target that leaves it,
//! or an absolute one (the collecting host's file system), gives
//! [`WarningKind::SymlinkOutside`]; a chain of more than 40 links
//! (`a -> b -> a`) gives [`WarningKind::SymlinkLoop`]. The target may be a
//! directory, or missing from the archive. Symlinks in a zip are known from
//! the central directory's unix mode only.
//!
//! Directories are skipped silently; devices, fifos and unknown entry types
//! with an [`WarningKind::UnsupportedEntry`] warning.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// How many bytes of an entry are sniffed: one tar block, enough for every
/// magic number and for a gzip/xz stream to show a tar header.
const HEAD: usize = 512;
/// Longest run of zeros taken for an empty tar inside a gzip/xz stream.
const EMPTY_TAR_MAX: usize = 64 * 1024;
/// Bytes the tar reader may read between two entries: headers plus GNU long
/// names and pax records. The tar crate reads those records into memory, so
/// an uncapped one (a "long name" of 10 GB of zeros) would be a memory bomb.
const TAR_HEADER_CAP: u64 = 4 * MIB;
/// Decoder memory an xz stream may ask for: `xz -9` needs 65 MiB; a hostile
/// header could ask for 4 GiB.
const XZ_MEMLIMIT: u64 = 256 * MIB;
/// Longest zip symlink target read (PATH_MAX).
const MAX_LINK_TARGET: u64 = 4096;
/// Links followed while resolving one path before calling it a loop (as
/// Linux's ELOOP).
const MAX_LINK_HOPS: usize = 40;

/// CLI flag that raises [`Limits::max_total_bytes`]; named in the warning.
pub const FLAG_MAX_TOTAL_BYTES: &str = "--max-archive-bytes";
/// CLI flag that raises [`Limits::max_entry_bytes`]; named in the warning.
pub const FLAG_MAX_ENTRY_BYTES: &str = "--max-entry-bytes";
/// CLI flag that raises [`Limits::max_entries`]; named in the warning.
pub const FLAG_MAX_ENTRIES: &str = "--max-entries";

/// Bounds of one walk; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read out of entries over the whole input, all levels (default 64 GiB).
    pub max_total_bytes: u64,
    /// Bytes of one entry handed to the visitor (default 8 GiB: a multi-GB log must pass).
    pub max_entry_bytes: u64,
    /// Archive members of any type, all levels (default 1,000,000).
    pub max_entries: u64,
    /// Archive-in-archive depth (default 3).
    pub max_nesting: u32,
    /// A nested zip (or a zip read by [`walk_stream`]) is buffered in memory up to this (default 1 GiB).
    pub max_buffered_nested_zip: u64,
    /// Decompressed bytes per compressed byte a gzip/xz stream or a zip entry may reach once past
    /// [`ratio_after`](Self::ratio_after) (default 100; 0: no bound). See "Bounds" above.
    pub max_ratio: u64,
    /// Decompressed bytes of a stream or zip entry before `max_ratio` applies (default 1 GiB).
    pub ratio_after: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 64 * GIB,
            max_entry_bytes: 8 * GIB,
            max_entries: 1_000_000,
            max_nesting: 3,
            max_buffered_nested_zip: GIB,
            max_ratio: 100,
            ratio_after: GIB,
        }
    }
}

/// What an input or an entry is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Tar,
    TarGz,
    TarXz,
    Zip,
    /// A single gzip-compressed file (not a tar).
    Gzip,
    /// A single xz-compressed file (not a tar).
    Xz,
}

/// The outer layer of a [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    /// A zip container (each entry compressed on its own).
    Zip,
}

impl Kind {
    pub fn compression(self) -> Compression {
        match self {
            Kind::Tar => Compression::None,
            Kind::TarGz | Kind::Gzip => Compression::Gzip,
            Kind::TarXz | Kind::Xz => Compression::Xz,
            Kind::Zip => Compression::Zip,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Tar => "tar",
            Kind::TarGz => "tar.gz",
            Kind::TarXz => "tar.xz",
            Kind::Zip => "zip",
            Kind::Gzip => "gzip",
            Kind::Xz => "xz",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";

/// Recognises an archive by its first bytes (pass at least 512 when there
/// are that many): gzip `1f 8b 08`, xz `fd 37 7a 58 5a 00`, zip `PK\3\4`
/// (or `PK\5\6`, an empty zip), tar by `ustar` at offset 257, a valid v7
/// header checksum, or a first block of zeros (an empty tar).
///
/// For gzip and xz the given bytes are decompressed to tell a tar
/// ([`Kind::TarGz`], [`Kind::TarXz`]) from a single file ([`Kind::Gzip`],
/// [`Kind::Xz`]); when too few bytes are given to decide, the answer is the
/// single-file kind. [`walk`] decides again from the content, so either
/// answer walks the same.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    sniff_kind(head, true)
}

/// `empty_tar`: whether a block of zeros counts as an (empty) tar. Not for
/// entries: a file that merely starts with zeros must not vanish as an
/// empty archive.
fn sniff_kind(head: &[u8], empty_tar: bool) -> Option<Kind> {
    if head.starts_with(GZIP_MAGIC) {
        let decoded =
            read_up_to(&mut flate2::read::MultiGzDecoder::new(head), HEAD).unwrap_or_else(|(partial, _)| partial);
        return Some(if is_tar(&decoded) { Kind::TarGz } else { Kind::Gzip });
    }
    if head.starts_with(XZ_MAGIC) {
        let decoded = match xz_decoder(head) {
            Ok(mut decoder) => read_up_to(&mut decoder, HEAD).unwrap_or_else(|(partial, _)| partial),
            Err(_) => Vec::new(),
        };
        return Some(if is_tar(&decoded) { Kind::TarXz } else { Kind::Xz });
    }
    if head.starts_with(ZIP_MAGIC) || head.starts_with(ZIP_EMPTY_MAGIC) {
        return Some(Kind::Zip);
    }
    if is_tar(head) && (empty_tar || !is_zeros(head)) {
        return Some(Kind::Tar);
    }
    None
}

fn is_zeros(block: &[u8]) -> bool {
    block.iter().all(|&b| b == 0)
}

/// Whether `block` starts like a tar archive.
fn is_tar(block: &[u8]) -> bool {
    if block.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    let Some(block) = block.get(..HEAD) else { return false };
    // An empty tar is only its end-of-archive blocks of zeros.
    if is_zeros(block) {
        return true;
    }
    // A pre-POSIX (v7) header has no magic: its checksum is the only mark.
    // The sum counts the checksum field itself as eight spaces.
    let field = &block[148..156];
    let digits: Vec<u8> =
        field.iter().copied().skip_while(|&b| b == b' ' || b == 0).take_while(|b| (b'0'..=b'7').contains(b)).collect();
    if digits.is_empty() {
        return false;
    }
    let Some(stored) = std::str::from_utf8(&digits).ok().and_then(|s| u32::from_str_radix(s, 8).ok()) else {
        return false;
    };
    let unsigned: u32 =
        block.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u32::from(b) }).sum();
    let signed: i64 =
        block.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { i64::from(b as i8) }).sum();
    stored == unsigned || i64::from(stored) == signed
}

/// One archive member as the visitor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryInfo<'a> {
    /// Normalised relative `/`-path; nested entries are prefixed by the outer entry's path and `/`.
    pub path: &'a str,
    /// Size declared by the archive, if it declares one. Untrusted: do not
    /// preallocate from it.
    pub size: Option<u64>,
}

/// What the visitor wants done with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Call [`Visitor::read`] with the entry's bytes.
    Read,
    /// Pass over it.
    Skip,
}

/// Receives the regular files of an archive, in archive order.
pub trait Visitor {
    /// Whether the bytes of this entry are wanted.
    fn choose(&mut self, entry: &EntryInfo) -> Visit;

    /// Reads the entry. The reader returns EOF at the end of the entry or at
    /// `max_entry_bytes`, and an error where the archive is damaged. What
    /// the visitor does not read is passed over. An error returned here is
    /// recorded as a warning on the entry; the walk goes on.
    fn read(&mut self, entry: &EntryInfo, reader: &mut dyn Read) -> io::Result<()>;

    /// Whether to open an entry whose content is itself an archive of
    /// `kind` (its entries are then offered one by one). The default, yes,
    /// is what podmortem wants; answer no to be offered the raw file instead.
    fn descend(&mut self, entry: &EntryInfo, kind: Kind) -> bool {
        let _ = (entry, kind);
        true
    }
}

/// What kind of problem a [`Warning`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A limit cut the walk or an entry; the message names the flag that raises it.
    LimitReached,
    /// Damaged or truncated data.
    Corrupt,
    /// A device, fifo, encrypted or unknown entry, or an unsupported compression method.
    UnsupportedEntry,
    /// An archive nested deeper than `max_nesting`, not opened.
    NestedTooDeep,
    /// A symlink pointing outside its archive (or to an absolute path).
    SymlinkOutside,
    /// A symlink chain that does not end.
    SymlinkLoop,
    /// A name that climbed above the archive root with `..`.
    UnsafePath,
    /// The visitor returned an error for this entry.
    ReadFailed,
}

/// A problem found while walking; the walk went on unless it says it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The entry concerned; for a problem of a whole archive, that archive's
    /// path (empty for the input itself).
    pub path: String,
    pub message: String,
    pub code: WarningKind,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// What a walk saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// Archive members of any type, all levels (what `max_entries` counts).
    pub entries: u64,
    /// Regular files offered to [`Visitor::choose`].
    pub files: u64,
    /// Bytes read out of entries, all levels (what `max_total_bytes` counts).
    pub bytes: u64,
    pub warnings: Vec<Warning>,
    /// (link path, resolved target path inside the archive), in archive order.
    pub symlinks: Vec<(String, String)>,
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a {expected} archive: its first bytes do not match")]
    NotAnArchive { expected: Kind },
    #[error("cannot read the archive: {0}")]
    Io(#[from] io::Error),
}

/// Walks an archive file (or any `Read + Seek`, e.g. a `Cursor` over stdin
/// bytes) of the given kind, usually what [`sniff`] said. Reading starts at
/// the reader's current position.
pub fn walk<R: Read + Seek + Send>(
    reader: R,
    kind: Kind,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Walk, ArchiveError> {
    walk_named(reader, kind, "", limits, visitor)
}

/// As [`walk`]; `name` is the input's file name, used only to name the
/// single file inside a `.gz`/`.xz` (`kubelet.log.gz` → `kubelet.log`).
/// Without it that file takes the name stored in the gzip header, else `data`.
pub fn walk_named<R: Read + Seek + Send>(
    mut reader: R,
    kind: Kind,
    name: &str,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Walk, ArchiveError> {
    let start = reader.stream_position()?;
    let head = read_up_to(&mut reader, HEAD).map_err(|(_, e)| e)?;
    check_magic(kind, &head)?;
    reader.seek(SeekFrom::Start(start))?;
    let budget = Budget::new(limits.max_total_bytes);
    let mut walker = Walker::new(limits, visitor, &budget);
    let hint = base_name(name);
    match kind {
        Kind::Tar => walker.tar_seekable(reader, "", 0),
        Kind::Zip => walker.zip_seekable(BufReader::new(reader), "", 0),
        // Inflating is a third of the work on a .tar.gz and cannot be split
        // (one deflate stream): it runs on a thread of its own, ahead of the
        // parse (BENCHMARKS.md, "Change log"). The decoders buffer their
        // input themselves.
        Kind::TarGz | Kind::Gzip => {
            let input = Tally::new(reader);
            let tally = input.count.clone();
            let mut decoder = flate2::read::MultiGzDecoder::new(input);
            let head = read_up_to(&mut decoder, HEAD);
            let stored = decoder.header().and_then(|h| h.filename()).map(<[u8]>::to_vec);
            let single = single_name(hint, stored.as_deref());
            let guarded = Ratio::new(decoder, &tally, limits, RatioOf::Stream("gzip")).produced(head_len(&head));
            read_ahead(guarded, |inflated| walker.compressed(head, inflated, "gzip", "", &single, 0));
        }
        Kind::TarXz | Kind::Xz => {
            let input = Tally::new(reader);
            let tally = input.count.clone();
            match xz_decoder(input) {
                Ok(mut decoder) => {
                    let head = read_up_to(&mut decoder, HEAD);
                    let single = single_name(hint, None);
                    let guarded = Ratio::new(decoder, &tally, limits, RatioOf::Stream("xz")).produced(head_len(&head));
                    read_ahead(guarded, |inflated| walker.compressed(head, inflated, "xz", "", &single, 0));
                }
                Err(e) => walker.warn(WarningKind::Corrupt, "", format!("xz stream cannot be opened: {e}")),
            }
        }
    }
    Ok(walker.finish())
}

/// Decompressed bytes handed from the decoding thread per message.
const AHEAD_CHUNK: usize = 1 << 20;
/// Chunks decoded ahead of the reader: bounds the memory a bomb can take
/// while the reader stops at its budget (128 MiB). The entries a bundle is
/// made of are parsed on the reader's side between reads; with only 4 MiB
/// ahead, the decoder stood idle during each namespace's pod list. Full
/// `.tar.gz` bundle: 4 MiB ahead 12.4 s, 32 MiB 11.1 s, 64 MiB 11.0 s,
/// 128 MiB 9.8 s, 256 MiB 10.2 s (BENCHMARKS.md).
const AHEAD_CHUNKS: usize = 128;

/// Runs `consume` over what `decoder` yields, with `decoder` read on a
/// scoped thread up to [`AHEAD_CHUNKS`] chunks ahead. The reader sees the
/// same bytes and, at the same place, the same error as reading `decoder`
/// directly. When `consume` returns early, the decoder stops at its next
/// chunk.
fn read_ahead<D: Read + Send, T>(mut decoder: D, consume: impl FnOnce(&mut dyn Read) -> T) -> T {
    use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
    let (full, from_decoder) = sync_channel::<io::Result<Vec<u8>>>(AHEAD_CHUNKS);
    let (to_decoder, empty) = sync_channel::<Vec<u8>>(AHEAD_CHUNKS + 2);
    struct Ahead {
        chunks: Receiver<io::Result<Vec<u8>>>,
        spent: SyncSender<Vec<u8>>,
        current: Vec<u8>,
        at: usize,
        done: bool,
    }
    impl Read for Ahead {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            while self.at == self.current.len() {
                if self.done {
                    return Ok(0);
                }
                match self.chunks.recv() {
                    Ok(Ok(chunk)) if chunk.is_empty() => self.done = true,
                    Ok(Ok(chunk)) => {
                        let spent = std::mem::replace(&mut self.current, chunk);
                        let _ = self.spent.try_send(spent);
                        self.at = 0;
                    }
                    Ok(Err(e)) => {
                        self.done = true;
                        return Err(e);
                    }
                    // The decoder thread ended without a last message: it panicked.
                    Err(_) => {
                        self.done = true;
                        return Err(io::Error::other("the decompressing thread stopped"));
                    }
                }
            }
            let n = out.len().min(self.current.len() - self.at);
            out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }
    std::thread::scope(|scope| {
        scope.spawn(move || {
            loop {
                let mut chunk = empty.try_recv().unwrap_or_default();
                chunk.resize(AHEAD_CHUNK, 0);
                let mut filled = 0;
                let failed = loop {
                    match decoder.read(&mut chunk[filled..]) {
                        Ok(0) => break None,
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break None;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Some(e),
                    }
                };
                chunk.truncate(filled);
                let last = filled < AHEAD_CHUNK || failed.is_some();
                // A send fails when the reader is done: stop decoding.
                if filled > 0 && full.send(Ok(chunk)).is_err() {
                    return;
                }
                if let Some(e) = failed {
                    let _ = full.send(Err(e));
                    return;
                }
                if last {
                    let _ = full.send(Ok(Vec::new()));
                    return;
                }
            }
        });
        let mut reader = Ahead { chunks: from_decoder, spent: to_decoder, current: Vec::new(), at: 0, done: false };
        consume(&mut reader)
    })
}

/// As [`walk_named`] for a reader without `Seek` (a pipe). Tar, gzip and xz
/// stream as usual; a zip is buffered in memory up to
/// `max_buffered_nested_zip`, and read from its local headers beyond that.
pub fn walk_stream<R: Read>(
    mut reader: R,
    kind: Kind,
    name: &str,
    limits: &Limits,
    visitor: &mut dyn Visitor,
) -> Result<Walk, ArchiveError> {
    let head = read_up_to(&mut reader, HEAD).map_err(|(_, e)| e)?;
    check_magic(kind, &head)?;
    let mut input = Cursor::new(head).chain(reader);
    let budget = Budget::new(limits.max_total_bytes);
    let mut walker = Walker::new(limits, visitor, &budget);
    let hint = base_name(name);
    match kind {
        Kind::Tar => walker.tar_stream(&mut input, "", 0),
        Kind::Zip => walker.zip_buffered(&mut input, "", None, 0),
        Kind::TarGz | Kind::Gzip => walker.gzip(&mut input, "", hint, 0),
        Kind::TarXz | Kind::Xz => walker.xz(&mut input, "", hint, 0),
    }
    Ok(walker.finish())
}

/// The outer layer must match `kind`; what is inside is decided from content.
fn check_magic(kind: Kind, head: &[u8]) -> Result<(), ArchiveError> {
    let ok = match kind.compression() {
        Compression::None => is_tar(head),
        Compression::Gzip => head.starts_with(GZIP_MAGIC),
        Compression::Xz => head.starts_with(XZ_MAGIC),
        Compression::Zip => head.starts_with(ZIP_MAGIC) || head.starts_with(ZIP_EMPTY_MAGIC),
    };
    if ok { Ok(()) } else { Err(ArchiveError::NotAnArchive { expected: kind }) }
}

/// Reads until `limit` bytes or EOF. On error, returns what was read with it.
fn read_up_to(reader: &mut dyn Read, limit: usize) -> Result<Vec<u8>, (Vec<u8>, io::Error)> {
    let mut buf = vec![0u8; limit];
    let mut filled = 0;
    while filled < limit {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(filled);
                return Err((buf, e));
            }
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

fn head_len(head: &Result<Vec<u8>, (Vec<u8>, io::Error)>) -> usize {
    match head {
        Ok(head) | Err((head, _)) => head.len(),
    }
}

fn xz_decoder<R: Read>(reader: R) -> io::Result<liblzma::read::XzDecoder<R>> {
    let stream = liblzma::stream::Stream::new_stream_decoder(XZ_MEMLIMIT, liblzma::stream::CONCATENATED)
        .map_err(io::Error::other)?;
    Ok(liblzma::read::XzDecoder::new_stream(reader, stream))
}

/// Counts the bytes pulled through it: the compressed side of a decoder.
/// Atomic because a decoder may run on the read-ahead thread.
struct Tally<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R> Tally<R> {
    fn new(inner: R) -> Self {
        Tally { inner, count: Default::default() }
    }
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Tally<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The error a [`Ratio`] guard ends its stream with; its text is the
/// warning. Recognised through any wrapping by [`ratio_exceeded`].
#[derive(Debug)]
struct RatioExceeded(String);

impl fmt::Display for RatioExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RatioExceeded {}

/// The [`RatioExceeded`] message in `error` or any error it wraps.
fn ratio_exceeded(error: &io::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<RatioExceeded>() {
            return Some(found.0.clone());
        }
        cause = e.source();
    }
    None
}

/// The decompressed side of a decoder (or a zip entry), held to
/// [`Limits::max_ratio`] against the compressed bytes its [`Tally`] counted
/// since `base`: the guard against decompression bombs (module
/// documentation, "Bounds").
struct Ratio<D> {
    decoder: D,
    compressed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    base: u64,
    produced: u64,
    max_ratio: u64,
    after: u64,
    /// What is guarded: a gzip or xz stream, or a zip entry.
    what: RatioOf,
    /// Set when the bound was crossed: the message of the error every
    /// read returns from then on.
    tripped: Option<String>,
}

#[derive(Clone, Copy)]
enum RatioOf {
    Stream(&'static str),
    ZipEntry,
}

impl<D> Ratio<D> {
    fn new(decoder: D, tally: &std::sync::Arc<std::sync::atomic::AtomicU64>, limits: &Limits, what: RatioOf) -> Self {
        Ratio {
            decoder,
            compressed: tally.clone(),
            base: tally.load(std::sync::atomic::Ordering::Relaxed),
            produced: 0,
            max_ratio: limits.max_ratio,
            after: limits.ratio_after,
            what,
            tripped: None,
        }
    }

    /// Bytes already produced before the guard was put on (a sniffed head).
    fn produced(mut self, bytes: usize) -> Self {
        self.produced = bytes as u64;
        self
    }
}

impl<D: Read> Read for Ratio<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(message) = &self.tripped {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RatioExceeded(message.clone())));
        }
        let n = self.decoder.read(buf)?;
        self.produced += n as u64;
        if self.max_ratio > 0 && self.produced > self.after {
            let compressed = self.compressed.load(std::sync::atomic::Ordering::Relaxed).saturating_sub(self.base);
            if self.produced > compressed.saturating_mul(self.max_ratio) {
                let (what, rest) = match self.what {
                    RatioOf::Stream(format) => (
                        format!("the {format} stream"),
                        "the rest of it, and whatever follows in the stream, was not read",
                    ),
                    RatioOf::ZipEntry => ("this zip entry".to_string(), "the rest of the entry was not read"),
                };
                // The bytes of this read are delivered; the next read fails.
                self.tripped = Some(format!(
                    "{what} expands more than {} times its compressed size past its first {} (limit max_ratio): a \
                     decompression bomb, or data made of one repeated byte; {rest}. To read it anyway, raise the \
                     bound with --max-ratio (0 turns it off)",
                    self.max_ratio,
                    human(self.after),
                ));
            }
        }
        Ok(n)
    }
}

/// The shared count of bytes read out of entries.
struct Budget {
    used: Cell<u64>,
    max: u64,
    /// Set when more bytes were there past `max`.
    exhausted: Cell<bool>,
}

impl Budget {
    fn new(max: u64) -> Self {
        Budget { used: Cell::new(0), max, exhausted: Cell::new(false) }
    }
}

/// The innermost wrapper of every entry's data: counts it against the
/// budget (EOF once it is spent, so what was read stays usable), and
/// remembers whether the data itself failed, to tell damage in the archive
/// from an error of the visitor whatever the visitor does with the error.
struct Counted<'a> {
    inner: &'a mut dyn Read,
    budget: &'a Budget,
    read: u64,
    eof: bool,
    failure: Option<String>,
    /// The failure was a [`Ratio`] cut (its message), not damage.
    bomb: Option<String>,
}

impl<'a> Counted<'a> {
    fn new(inner: &'a mut dyn Read, budget: &'a Budget) -> Self {
        Counted { inner, budget, read: 0, eof: false, failure: None, bomb: None }
    }
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.budget.exhausted.get() {
            return Ok(0);
        }
        let left = self.budget.max.saturating_sub(self.budget.used.get());
        // With the budget spent, one byte tells a cut from a natural end.
        let want = if left == 0 { 1 } else { usize::try_from(left).unwrap_or(usize::MAX).min(buf.len()) };
        match self.inner.read(&mut buf[..want]) {
            Ok(0) => {
                self.eof = true;
                Ok(0)
            }
            Ok(_) if left == 0 => {
                self.budget.exhausted.set(true);
                Ok(0)
            }
            Ok(n) => {
                self.read += n as u64;
                self.budget.used.set(self.budget.used.get() + n as u64);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.failure = Some(e.to_string());
                self.bomb = ratio_exceeded(&e);
                Err(e)
            }
        }
    }
}

/// What the visitor reads through: EOF at `max_entry_bytes`.
struct EntryLimit<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    truncated: bool,
}

impl Read for EntryLimit<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.truncated {
            return Ok(0);
        }
        if self.left == 0 {
            // One byte more tells a cut entry from one of exactly the limit.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                self.truncated = true;
            }
            return Ok(0);
        }
        let want = usize::try_from(self.left).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Bytes the tar reader reads between entries, capped ([`TAR_HEADER_CAP`]).
#[derive(Default)]
struct HeaderGuard {
    active: Cell<bool>,
    bytes: Cell<u64>,
}

/// The tar reader's input, counting header bytes while the guard is active.
struct Guarded<'g, R> {
    inner: R,
    guard: &'g HeaderGuard,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.guard.active.get() {
            let total = self.guard.bytes.get() + n as u64;
            self.guard.bytes.set(total);
            if total > TAR_HEADER_CAP {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("tar header records (long names, pax headers) larger than {}", human(TAR_HEADER_CAP)),
                ));
            }
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Guarded<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// A buffered seekable input for the tar reader, which asks for
/// `Current(0)` before every header: answered from a position kept here and
/// moved with `seek_relative`, so the buffer survives and no system call is
/// made. Positions are relative to where reading started, which is what the
/// tar reader expects.
struct Positioned<R> {
    inner: BufReader<R>,
    pos: u64,
}

impl<R: Read> Read for Positioned<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Positioned<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::Start(to) => Some(to),
            SeekFrom::End(_) => None,
        };
        let Some(target) = target else {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "seek outside the archive"));
        };
        let delta = i64::try_from(i128::from(target) - i128::from(self.pos))
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "seek too far"))?;
        self.inner.seek_relative(delta)?;
        self.pos = target;
        Ok(target)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    /// The entry's data failed: a tar stream cannot go on past it (a zip can).
    Broken,
}

/// A symlink or hard link seen during the walk, resolved after it.
struct Link {
    path: String,
    /// As stored (symlink), or the normalised full path (hard link).
    target: String,
    /// Components of the path of the archive the link lives in (its root).
    root_len: usize,
    hard: bool,
}

struct Walker<'a> {
    limits: &'a Limits,
    visitor: &'a mut dyn Visitor,
    budget: &'a Budget,
    entries: u64,
    files: u64,
    warnings: Vec<Warning>,
    links: Vec<Link>,
    /// A limit stopped the walk; every level unwinds.
    stopped: bool,
    /// Reused to pass over data: large reads keep the decoders fast.
    drain_buf: Vec<u8>,
}

impl<'a> Walker<'a> {
    fn new(limits: &'a Limits, visitor: &'a mut dyn Visitor, budget: &'a Budget) -> Self {
        Walker {
            limits,
            visitor,
            budget,
            entries: 0,
            files: 0,
            warnings: Vec::new(),
            links: Vec::new(),
            stopped: false,
            drain_buf: Vec::new(),
        }
    }

    fn finish(mut self) -> Walk {
        // The budget may have run out in the very last pass over data.
        self.check_stop("");
        let mut warnings = self.warnings;
        let symlinks = resolve_links(&self.links, &mut warnings);
        Walk { entries: self.entries, files: self.files, bytes: self.budget.used.get(), warnings, symlinks }
    }

    fn warn(&mut self, code: WarningKind, path: &str, message: String) {
        self.warnings.push(Warning { path: path.to_string(), message, code });
    }

    /// Whether the walk is stopped; reports the byte budget running out, once,
    /// on the entry where it did.
    fn check_stop(&mut self, path: &str) -> bool {
        if !self.stopped && self.budget.exhausted.get() {
            self.stopped = true;
            let message = format!(
                "stopped: the archive holds more than {} of data (limit max_total_bytes; raise it with {FLAG_MAX_TOTAL_BYTES}); \
                 this entry was cut there and the entries after it were not read",
                human(self.budget.max)
            );
            self.warn(WarningKind::LimitReached, path, message);
        }
        self.stopped
    }

    /// Counts a member; false (and the walk stops) past `max_entries`.
    fn count_entry(&mut self, path: &str) -> bool {
        if self.check_stop(path) {
            return false;
        }
        if self.entries >= self.limits.max_entries {
            self.stopped = true;
            let message = format!(
                "stopped: the archive has more than {} entries (limit max_entries; raise it with {FLAG_MAX_ENTRIES}); \
                 this entry and the ones after it were not read",
                self.limits.max_entries
            );
            self.warn(WarningKind::LimitReached, path, message);
            return false;
        }
        self.entries += 1;
        true
    }

    /// Opens a nested archive (or the input given without `Seek`).
    fn archive(&mut self, reader: &mut dyn Read, kind: Kind, path: &str, size: Option<u64>, depth: u32) {
        match kind {
            Kind::Tar => self.tar_stream(reader, path, depth),
            Kind::TarGz | Kind::Gzip => self.gzip(reader, path, path, depth),
            Kind::TarXz | Kind::Xz => self.xz(reader, path, path, depth),
            Kind::Zip => self.zip_buffered(reader, path, size, depth),
        }
    }

    /// A gzip stream: a tar whose entries go under `prefix`, or one file
    /// named after `hint` (see [`single_name`]).
    fn gzip(&mut self, reader: &mut dyn Read, prefix: &str, hint: &str, depth: u32) {
        let input = Tally::new(reader);
        let tally = input.count.clone();
        let mut decoder = flate2::read::MultiGzDecoder::new(input);
        let head = read_up_to(&mut decoder, HEAD);
        let stored = decoder.header().and_then(|h| h.filename()).map(<[u8]>::to_vec);
        let single = single_name(hint, stored.as_deref());
        let mut guarded = Ratio::new(decoder, &tally, self.limits, RatioOf::Stream("gzip")).produced(head_len(&head));
        self.compressed(head, &mut guarded, "gzip", prefix, &single, depth);
    }

    fn xz(&mut self, reader: &mut dyn Read, prefix: &str, hint: &str, depth: u32) {
        let input = Tally::new(reader);
        let tally = input.count.clone();
        match xz_decoder(input) {
            Ok(mut decoder) => {
                let head = read_up_to(&mut decoder, HEAD);
                let mut guarded =
                    Ratio::new(decoder, &tally, self.limits, RatioOf::Stream("xz")).produced(head_len(&head));
                self.compressed(head, &mut guarded, "xz", prefix, &single_name(hint, None), depth);
            }
            Err(e) => self.warn(WarningKind::Corrupt, prefix, format!("xz stream cannot be opened: {e}")),
        }
    }

    fn compressed(
        &mut self,
        head: Result<Vec<u8>, (Vec<u8>, io::Error)>,
        decoder: &mut dyn Read,
        format: &str,
        prefix: &str,
        single: &str,
        depth: u32,
    ) {
        let head = match head {
            Ok(head) => head,
            Err((_, e)) => {
                self.warn(WarningKind::Corrupt, prefix, format!("{format} stream unreadable at its start: {e}"));
                return;
            }
        };
        let mut head = head;
        if head.len() == HEAD && is_zeros(&head) {
            // An empty tar, or a file that starts with zeros: an empty tar is
            // zeros to its end (10 KiB with GNU tar's default blocking).
            match read_up_to(decoder, EMPTY_TAR_MAX) {
                Ok(more) if is_zeros(&more) && more.len() < EMPTY_TAR_MAX => return,
                Ok(more) => head.extend(more),
                Err((more, _)) => head.extend(more),
            }
        }
        let tar = !is_zeros(&head[..head.len().min(HEAD)]) && is_tar(&head);
        let mut rest = Cursor::new(head).chain(decoder);
        if tar {
            self.tar_stream(&mut rest, prefix, depth);
        } else {
            // The decompressed file is the only member.
            if self.count_entry(single) {
                self.file_entry(single, None, &mut rest, depth, false);
            }
        }
    }

    fn tar_stream(&mut self, reader: &mut dyn Read, prefix: &str, depth: u32) {
        let guard = HeaderGuard::default();
        let mut archive = tar::Archive::new(Guarded { inner: reader, guard: &guard });
        match archive.entries() {
            Ok(entries) => self.tar_entries(entries, &guard, true, prefix, depth),
            Err(e) => self.warn(WarningKind::Corrupt, prefix, format!("tar archive unreadable: {e}")),
        }
    }

    /// A plain tar with `Seek`: skipped entries are seeked over, not read.
    fn tar_seekable<R: Read + Seek>(&mut self, reader: R, prefix: &str, depth: u32) {
        let guard = HeaderGuard::default();
        let inner = Positioned { inner: BufReader::with_capacity(64 * 1024, reader), pos: 0 };
        let mut archive = tar::Archive::new(Guarded { inner, guard: &guard });
        match archive.entries_with_seek() {
            Ok(entries) => self.tar_entries(entries, &guard, false, prefix, depth),
            Err(e) => self.warn(WarningKind::Corrupt, prefix, format!("tar archive unreadable: {e}")),
        }
    }

    /// `drain`: the input is a stream, so every entry is read to its end
    /// here — then the tar reader only reads headers between entries, which
    /// is what the header guard caps.
    fn tar_entries<R: Read>(
        &mut self,
        mut entries: tar::Entries<'_, R>,
        guard: &HeaderGuard,
        drain: bool,
        prefix: &str,
        depth: u32,
    ) {
        let mut last: Option<String> = None;
        loop {
            if self.stopped {
                break;
            }
            guard.bytes.set(0);
            guard.active.set(true);
            let next = entries.next();
            guard.active.set(false);
            let mut entry = match next {
                None => break,
                Some(Ok(entry)) => entry,
                Some(Err(e)) => {
                    if !self.check_stop(prefix) {
                        let at = last.map_or("at its first entry".to_string(), |p| format!("after `{p}`"));
                        let message = format!("tar archive unreadable {at}: {e}; the entries before were read");
                        self.unreadable(prefix, ratio_exceeded(&e), message);
                    }
                    break;
                }
            };
            let raw = entry.path_bytes().into_owned();
            let (rel, unsafe_name) = normalize(&raw, false);
            let full = join(prefix, &rel);
            if !self.count_entry(&full) {
                break;
            }
            if let Some(how) = unsafe_name {
                self.unsafe_path(&full, &raw, how);
            }
            let header_type = entry.header().entry_type();
            let mut flow = Flow::Next;
            if header_type.is_dir() || (header_type.is_file() && raw.ends_with(b"/")) {
                // Directories carry nothing (a v7 tar marks them by a trailing '/').
            } else if header_type.is_file() || header_type.is_contiguous() || header_type.is_gnu_sparse() {
                if rel.is_empty() {
                    self.warn(WarningKind::UnsupportedEntry, prefix, "a file entry without a name was skipped".into());
                } else {
                    let size = entry.size();
                    flow = self.file_entry(&full, Some(size), &mut entry, depth, drain);
                }
            } else if header_type.is_symlink() || header_type.is_hard_link() {
                let hard = header_type.is_hard_link();
                match entry.link_name_bytes() {
                    Some(target) if !rel.is_empty() && !target.is_empty() => {
                        // A hard link names an earlier member from the archive
                        // root, by its stored name: normalised as names are.
                        let target = if hard {
                            let (normal, unsafe_target) = normalize(&target, false);
                            let normal = join(prefix, &normal);
                            if let Some(how) = unsafe_target {
                                let message = format!(
                                    "hard link target `{}` {how}; read as `{normal}`",
                                    String::from_utf8_lossy(&target)
                                );
                                self.warn(WarningKind::UnsafePath, &full, message);
                            }
                            normal
                        } else {
                            String::from_utf8_lossy(&target).into_owned()
                        };
                        self.links.push(Link { path: full.clone(), target, root_len: components(prefix), hard });
                    }
                    _ => self.warn(WarningKind::Corrupt, &full, "link without a name or a target was skipped".into()),
                }
            } else if header_type.is_character_special() || header_type.is_block_special() || header_type.is_fifo() {
                let what = if header_type.is_fifo() { "fifo" } else { "device" };
                self.warn(WarningKind::UnsupportedEntry, &full, format!("{what} entry skipped"));
            } else if header_type.is_pax_global_extensions()
                || header_type.is_pax_local_extensions()
                || header_type.is_gnu_longname()
                || header_type.is_gnu_longlink()
            {
                // Metadata records; the tar reader applies the ones it understands.
            } else {
                let byte = header_type.as_byte();
                let message = format!("tar entry of type {:?} skipped", char::from(byte));
                self.warn(WarningKind::UnsupportedEntry, &full, message);
            }
            if flow == Flow::Broken || self.stopped {
                break;
            }
            // Non-file members normally hold no data; a hostile one may.
            if drain {
                let mut counted = Counted::new(&mut entry, self.budget);
                let drained = read_to_nothing(&mut counted, &mut self.drain_buf);
                if self.check_stop(&full) {
                    break;
                }
                if let Err(e) = drained {
                    let message = format!("archive unreadable inside this entry: {e}");
                    self.unreadable(&full, ratio_exceeded(&e), message);
                    break;
                }
            }
            last = Some(full);
        }
    }

    /// A zip met inside another archive (or on a pipe): buffered to get
    /// `Seek`, or read from its local headers when too big.
    fn zip_buffered(&mut self, reader: &mut dyn Read, path: &str, size: Option<u64>, depth: u32) {
        let cap = self.limits.max_buffered_nested_zip;
        if size.is_some_and(|s| s > cap) {
            self.zip_too_big(path, cap);
            self.zip_stream(reader, path, depth, false);
            return;
        }
        // The declared size is bounded by the cap, so reserving it is safe.
        let reserve = size.map_or(0, |s| usize::try_from(s).unwrap_or(0));
        let mut buf = Vec::with_capacity(reserve);
        if let Err(e) = Read::take(&mut *reader, cap.saturating_add(1)).read_to_end(&mut buf) {
            if !self.check_stop(path) {
                self.warn(WarningKind::Corrupt, path, format!("zip unreadable: {e}"));
            }
            return;
        }
        if self.check_stop(path) {
            return;
        }
        if buf.len() as u64 > cap {
            self.zip_too_big(path, cap);
            let mut rest = Cursor::new(buf).chain(reader);
            self.zip_stream(&mut rest, path, depth, false);
            return;
        }
        self.zip_seekable(Cursor::new(buf), path, depth);
    }

    fn zip_too_big(&mut self, path: &str, cap: u64) {
        let message = format!(
            "zip larger than the {} it may take in memory (max_buffered_nested_zip): read from its local headers \
             instead, which fails for zips written with data descriptors and misses symlinks; extract it and pass it \
             directly to read it whole",
            human(cap)
        );
        self.warn(WarningKind::LimitReached, path, message);
    }

    fn zip_seekable<R: Read + Seek>(&mut self, reader: R, prefix: &str, depth: u32) {
        let mut reader = Tally::new(reader);
        let tally = reader.count.clone();
        // Where each entry's compressed data lies, to refuse overlaps.
        let mut spans = Spans::default();
        let start = match reader.stream_position() {
            Ok(start) => start,
            Err(e) => {
                self.warn(WarningKind::Corrupt, prefix, format!("zip unreadable: {e}"));
                return;
            }
        };
        let opened = zip::ZipArchive::new(&mut reader);
        match opened {
            Ok(mut archive) => {
                for index in 0..archive.len() {
                    if self.stopped {
                        break;
                    }
                    let name = archive.name_for_index(index).unwrap_or_default().to_string();
                    match archive.by_index(index) {
                        Ok(mut file) => {
                            self.zip_file(&mut file, prefix, depth, &tally, Some(&mut spans));
                        }
                        Err(e) => {
                            let full = join(prefix, &normalize(name.as_bytes(), true).0);
                            if !self.count_entry(&full) {
                                break;
                            }
                            let code = match e {
                                zip::result::ZipError::UnsupportedArchive(_) => WarningKind::UnsupportedEntry,
                                _ => WarningKind::Corrupt,
                            };
                            self.warn(code, &full, format!("zip entry skipped: {e}"));
                        }
                    }
                }
            }
            Err(e) => {
                let message = format!(
                    "zip central directory unreadable ({e}); entries are read from their local headers instead \
                     (a truncated zip keeps the entries before the cut)"
                );
                self.warn(WarningKind::Corrupt, prefix, message);
                if reader.seek(SeekFrom::Start(start)).is_ok() {
                    self.zip_stream(&mut reader, prefix, depth, true);
                }
            }
        }
    }

    /// Zip entries from their local headers, without the central directory.
    /// `quiet_end`: an archive that just ends was already reported.
    fn zip_stream(&mut self, reader: &mut dyn Read, prefix: &str, depth: u32, quiet_end: bool) {
        let mut reader = Tally::new(reader);
        let tally = reader.count.clone();
        loop {
            if self.stopped {
                break;
            }
            match zip::read::read_zipfile_from_stream(&mut reader) {
                Ok(None) => break,
                Ok(Some(mut file)) => {
                    self.zip_file(&mut file, prefix, depth, &tally, None);
                }
                Err(zip::result::ZipError::Io(e)) if quiet_end && e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => {
                    if !self.check_stop(prefix) {
                        let message = format!("zip entry unreadable from its local header: {e}; reading stopped there");
                        self.warn(WarningKind::Corrupt, prefix, message);
                    }
                    break;
                }
            }
        }
    }

    /// `tally`: compressed bytes read from the zip, for the ratio guard;
    /// `spans`: the data ranges of the entries before (central directory only).
    fn zip_file<R: Read + ?Sized>(
        &mut self,
        file: &mut zip::read::ZipFile<'_, R>,
        prefix: &str,
        depth: u32,
        tally: &std::sync::Arc<std::sync::atomic::AtomicU64>,
        spans: Option<&mut Spans>,
    ) -> Flow {
        let name = file.name().to_string();
        let (rel, unsafe_name) = normalize(name.as_bytes(), true);
        let full = join(prefix, &rel);
        if !self.count_entry(&full) {
            return Flow::Next;
        }
        if let Some(how) = unsafe_name {
            self.unsafe_path(&full, name.as_bytes(), how);
        }
        if let (Some(spans), Some(start)) = (spans, file.data_start()) {
            let end = start.saturating_add(file.compressed_size());
            if let Some(other) = spans.overlapping(start, end, &full) {
                let message = format!(
                    "its compressed data overlaps that of `{other}`: a zip bomb made of overlapping entries \
                     (each would inflate the same bytes again); skipped"
                );
                self.warn(WarningKind::LimitReached, &full, message);
                return Flow::Next;
            }
        }
        if file.is_dir() {
            return Flow::Next;
        }
        match file.unix_mode().map(|mode| mode & 0o170_000) {
            None | Some(0) | Some(0o100_000) => {}
            Some(0o040_000) => return Flow::Next,
            Some(0o120_000) => {
                // A zip symlink stores its target as the entry's data.
                let mut target = Vec::new();
                let mut counted = Counted::new(file, self.budget);
                let read = Read::take(&mut counted, MAX_LINK_TARGET + 1).read_to_end(&mut target);
                match read {
                    Ok(_) if !target.is_empty() && target.len() as u64 <= MAX_LINK_TARGET && !rel.is_empty() => {
                        let target = String::from_utf8_lossy(&target).into_owned();
                        self.links.push(Link { path: full, target, root_len: components(prefix), hard: false });
                    }
                    _ => self.warn(WarningKind::Corrupt, &full, "symlink with an unreadable target was skipped".into()),
                }
                return Flow::Next;
            }
            Some(other) => {
                let message = format!("special file (mode {other:o}) skipped");
                self.warn(WarningKind::UnsupportedEntry, &full, message);
                return Flow::Next;
            }
        }
        if rel.is_empty() {
            self.warn(WarningKind::UnsupportedEntry, prefix, "a file entry without a name was skipped".into());
            return Flow::Next;
        }
        let size = file.size();
        let mut guarded = Ratio::new(file, tally, self.limits, RatioOf::ZipEntry);
        self.file_entry(&full, Some(size), &mut guarded, depth, false)
    }

    /// A regular file: opened if it is an archive, else offered to the
    /// visitor. `drain`: read what the visitor left, so that a stream is
    /// positioned at the next entry (and a short entry is noticed).
    fn file_entry(&mut self, path: &str, size: Option<u64>, data: &mut dyn Read, depth: u32, drain: bool) -> Flow {
        let mut counted = Counted::new(data, self.budget);
        let head = match read_up_to(&mut counted, HEAD) {
            Ok(head) => head,
            Err((_, e)) => {
                if !self.check_stop(path) {
                    self.warn(WarningKind::Corrupt, path, format!("data unreadable: {e}"));
                }
                return Flow::Broken;
            }
        };
        let info = EntryInfo { path, size };
        // With the budget spent inside the head, the head is all there is:
        // still offered (cut) to the visitor, but too short to open.
        let nested = match sniff_kind(&head, false) {
            Some(kind) if !self.budget.exhausted.get() && self.visitor.descend(&info, kind) => Some(kind),
            _ => None,
        };
        if let Some(kind) = nested {
            if depth >= self.limits.max_nesting {
                let message = format!(
                    "{kind} archive nested more than {} levels deep (max_nesting): not opened",
                    self.limits.max_nesting
                );
                self.warn(WarningKind::NestedTooDeep, path, message);
            } else {
                let before = self.warnings.len();
                let mut rest = Cursor::new(head).chain(&mut counted);
                self.archive(&mut rest, kind, path, size, depth + 1);
                if self.check_stop(path) {
                    return Flow::Next;
                }
                if let Some(failure) = counted.failure.take() {
                    // The inner walk usually reported it already.
                    if self.warnings.len() == before {
                        self.unreadable(path, counted.bomb.take(), format!("data unreadable: {failure}"));
                    }
                    return Flow::Broken;
                }
            }
            return self.finish_entry(path, size, &mut counted, drain);
        }

        self.files += 1;
        if self.visitor.choose(&info) == Visit::Read {
            let mut rest = Cursor::new(head).chain(&mut counted);
            let mut limited = EntryLimit { inner: &mut rest, left: self.limits.max_entry_bytes, truncated: false };
            let result = self.visitor.read(&info, &mut limited);
            let truncated = limited.truncated;
            if self.check_stop(path) {
                return Flow::Next;
            }
            if let Some(failure) = counted.failure.take() {
                let message =
                    format!("data unreadable after {} bytes: {failure}; the bytes before were read", counted.read);
                self.unreadable(path, counted.bomb.take(), message);
                return Flow::Broken;
            }
            if let Err(e) = result {
                self.warn(WarningKind::ReadFailed, path, format!("could not be read: {e}"));
            }
            if truncated {
                let message = format!(
                    "cut after its first {} (limit max_entry_bytes; raise it with {FLAG_MAX_ENTRY_BYTES}); the rest of \
                     this entry was not read",
                    human(self.limits.max_entry_bytes)
                );
                self.warn(WarningKind::LimitReached, path, message);
            }
        }
        self.finish_entry(path, size, &mut counted, drain)
    }

    fn finish_entry(&mut self, path: &str, size: Option<u64>, counted: &mut Counted, drain: bool) -> Flow {
        if drain && !counted.eof {
            let drained = read_to_nothing(counted, &mut self.drain_buf);
            if self.check_stop(path) {
                return Flow::Next;
            }
            if let Err(e) = drained {
                let message = format!("archive unreadable inside this entry: {e}");
                self.unreadable(path, ratio_exceeded(&e), message);
                return Flow::Broken;
            }
        }
        // A plain tar cut short just ends: only the count shows it.
        if let Some(declared) = size {
            if counted.eof && counted.read < declared {
                let message =
                    format!("ends after {} of its {declared} declared bytes: the archive is truncated", counted.read);
                self.warn(WarningKind::Corrupt, path, message);
                return Flow::Broken;
            }
        }
        Flow::Next
    }

    /// Data that could not be read: a [`Ratio`] cut is a limit reached
    /// (`bomb`, its message), anything else damage (`damage`).
    fn unreadable(&mut self, path: &str, bomb: Option<String>, damage: String) {
        match bomb {
            Some(message) => self.warn(WarningKind::LimitReached, path, message),
            None => self.warn(WarningKind::Corrupt, path, damage),
        }
    }

    fn unsafe_path(&mut self, full: &str, raw: &[u8], how: Unsafe) {
        let message = format!("stored name `{}` {how}; read as `{full}`", String::from_utf8_lossy(raw));
        self.warn(WarningKind::UnsafePath, full, message);
    }
}

/// Byte ranges of the compressed data of a zip's entries, with their names.
#[derive(Default)]
struct Spans(std::collections::BTreeMap<u64, (u64, String)>);

impl Spans {
    /// Records `start..end` for `name`, or names the entry it overlaps. An
    /// empty range overlaps nothing: empty entries may share an offset.
    fn overlapping(&mut self, start: u64, end: u64, name: &str) -> Option<String> {
        if start == end {
            return None;
        }
        let before = self.0.range(..=start).next_back().filter(|(_, (e, _))| *e > start);
        let after = self.0.range(start..).next().filter(|(s, _)| **s < end);
        if let Some((_, (_, other))) = before.or(after) {
            return Some(other.clone());
        }
        self.0.insert(start, (end, name.to_string()));
        None
    }
}

/// Reads `reader` to its end, discarding.
fn read_to_nothing(reader: &mut dyn Read, buf: &mut Vec<u8>) -> io::Result<()> {
    if buf.is_empty() {
        buf.resize(256 * 1024, 0);
    }
    loop {
        match reader.read(buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Normalises an entry name (see the module documentation). The flag tells
/// whether a `..` tried to climb above the root.
fn normalize(raw: &[u8], backslash_separates: bool) -> (String, Option<Unsafe>) {
    let text = String::from_utf8_lossy(raw);
    let separator = |c: char| c == '/' || (backslash_separates && c == '\\');
    // GNU tar strips a leading `/` too, and says so: the name was made to
    // be extracted somewhere other than where the archive is unpacked.
    let absolute = text.starts_with(separator)
        || (backslash_separates && text.as_bytes().get(1) == Some(&b':') && text.as_bytes()[0].is_ascii_alphabetic());
    let mut parts: Vec<&str> = Vec::new();
    let mut escaped = false;
    for part in text.split(separator) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            part => parts.push(part),
        }
    }
    if absolute && parts.first().is_some_and(|p| p.len() == 2 && p.ends_with(':')) {
        parts.remove(0);
    }
    let how = if escaped {
        Some(Unsafe::Climbs)
    } else if absolute {
        Some(Unsafe::Absolute)
    } else {
        None
    };
    (parts.join("/"), how)
}

/// How an entry name tried to leave the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unsafe {
    /// `..` above the root.
    Climbs,
    /// `/...`, or `C:\...` in a zip.
    Absolute,
}

impl fmt::Display for Unsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unsafe::Climbs => "climbs above the archive root",
            Unsafe::Absolute => "is an absolute path",
        })
    }
}

fn join(prefix: &str, rel: &str) -> String {
    match (prefix.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}/{rel}"),
    }
}

fn components(path: &str) -> usize {
    path.split('/').filter(|p| !p.is_empty()).count()
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Name of the one file in a compressed stream: `hint` without its
/// `.gz`/`.xz` suffix, else the name in the gzip header, else `data`.
fn single_name(hint: &str, stored: Option<&[u8]>) -> String {
    let lower = hint.to_ascii_lowercase();
    let stripped = if lower.ends_with(".gz") || lower.ends_with(".xz") { &hint[..hint.len() - 3] } else { hint };
    if !stripped.is_empty() {
        return stripped.to_string();
    }
    let stored = stored.map(|s| normalize(s, true).0).unwrap_or_default();
    match stored.rsplit('/').next() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => "data".to_string(),
    }
}

/// `1 GiB`, `512 MiB`, or an exact byte count.
fn human(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit && bytes % unit == 0 {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

enum Resolved {
    Inside(String),
    Outside,
    Loop,
}

/// Resolves every link through chains and linked directories.
fn resolve_links(links: &[Link], warnings: &mut Vec<Warning>) -> Vec<(String, String)> {
    let by_path: HashMap<&str, &Link> = links.iter().map(|l| (l.path.as_str(), l)).collect();
    let mut out = Vec::new();
    for link in links {
        match resolve(link, &by_path) {
            Resolved::Inside(target) => out.push((link.path.clone(), target)),
            Resolved::Outside => warnings.push(Warning {
                path: link.path.clone(),
                message: format!("link to `{}` points outside the archive; ignored", link.target),
                code: WarningKind::SymlinkOutside,
            }),
            Resolved::Loop => warnings.push(Warning {
                path: link.path.clone(),
                message: format!(
                    "link to `{}` never ends (a loop, or over {MAX_LINK_HOPS} links); ignored",
                    link.target
                ),
                code: WarningKind::SymlinkLoop,
            }),
        }
    }
    out
}

fn resolve(start: &Link, by_path: &HashMap<&str, &Link>) -> Resolved {
    // Components still to walk, front first (kept reversed so that pushing a
    // link's target in front is a cheap extend).
    let mut pending: Vec<String> = start.path.split('/').rev().map(str::to_string).collect();
    let mut done: Vec<String> = Vec::new();
    let mut root_len = start.root_len;
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                if done.len() <= root_len {
                    return Resolved::Outside;
                }
                done.pop();
                continue;
            }
            _ => done.push(part),
        }
        let current = done.join("/");
        let Some(link) = by_path.get(current.as_str()) else { continue };
        hops += 1;
        if hops > MAX_LINK_HOPS {
            return Resolved::Loop;
        }
        root_len = link.root_len;
        if link.hard {
            done.clear();
        } else if link.target.starts_with('/') {
            // The collecting host's file system, not the archive.
            return Resolved::Outside;
        } else {
            done.pop();
        }
        pending.extend(link.target.split('/').rev().map(str::to_string));
    }
    Resolved::Inside(done.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Records what it reads; skips the paths in `skip`.
    #[derive(Default)]
    struct Collect {
        files: Vec<(String, Vec<u8>)>,
        offered: Vec<(String, Option<u64>)>,
        skip: Vec<String>,
        no_descend: bool,
    }

    impl Collect {
        fn get(&self, path: &str) -> Option<&[u8]> {
            self.files.iter().find(|(p, _)| p == path).map(|(_, d)| d.as_slice())
        }
        fn paths(&self) -> Vec<&str> {
            self.files.iter().map(|(p, _)| p.as_str()).collect()
        }
    }

    impl Visitor for Collect {
        fn choose(&mut self, entry: &EntryInfo) -> Visit {
            self.offered.push((entry.path.to_string(), entry.size));
            if self.skip.iter().any(|s| s == entry.path) { Visit::Skip } else { Visit::Read }
        }
        fn read(&mut self, entry: &EntryInfo, reader: &mut dyn Read) -> io::Result<()> {
            let mut data = Vec::new();
            let result = reader.read_to_end(&mut data);
            self.files.push((entry.path.to_string(), data));
            result.map(|_| ())
        }
        fn descend(&mut self, _: &EntryInfo, _: Kind) -> bool {
            !self.no_descend
        }
    }

    fn header(path: &[u8], kind: tar::EntryType, size: u64, link: Option<&[u8]>) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        // Raw bytes: the tar crate's setters refuse `..` and absolute names.
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path);
        if let Some(link) = link {
            h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        }
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        h
    }

    enum E<'a> {
        File(&'a str, &'a [u8]),
        Dir(&'a str),
        Symlink(&'a str, &'a str),
        Hard(&'a str, &'a str),
        Raw(Box<tar::Header>, &'a [u8]),
    }

    fn tar_of(entries: &[E]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for e in entries {
            match e {
                E::File(p, d) => b.append(&header(p.as_bytes(), tar::EntryType::Regular, d.len() as u64, None), *d),
                E::Dir(p) => b.append(&header(p.as_bytes(), tar::EntryType::Directory, 0, None), io::empty()),
                E::Symlink(p, t) => {
                    b.append(&header(p.as_bytes(), tar::EntryType::Symlink, 0, Some(t.as_bytes())), io::empty())
                }
                E::Hard(p, t) => {
                    b.append(&header(p.as_bytes(), tar::EntryType::Link, 0, Some(t.as_bytes())), io::empty())
                }
                E::Raw(h, d) => b.append(h, *d),
            }
            .unwrap();
        }
        b.into_inner().unwrap()
    }

    fn files_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        tar_of(&files.iter().map(|(p, d)| E::File(p, d)).collect::<Vec<_>>())
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn gz_best(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zip_of(files: &[(&str, &[u8])], symlinks: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in files {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        for (name, target) in symlinks {
            w.add_symlink(*name, *target, opts).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn run(bytes: &[u8], limits: &Limits) -> (Walk, Collect) {
        run_with(bytes, limits, Collect::default())
    }

    fn run_with(bytes: &[u8], limits: &Limits, mut visitor: Collect) -> (Walk, Collect) {
        let kind = sniff(bytes).expect("test input is an archive");
        let walk = walk(Cursor::new(bytes), kind, limits, &mut visitor).expect("walk");
        (walk, visitor)
    }

    fn codes(walk: &Walk) -> Vec<WarningKind> {
        walk.warnings.iter().map(|w| w.code).collect()
    }

    const SAMPLE: &[(&str, &[u8])] = &[
        ("bundle/version.yaml", b"apiVersion: v1\n"),
        ("bundle/cluster-resources/pods/default.json", b"{\"items\":[]}"),
        ("bundle/logs/app.log", b"line 1\nline 2\n"),
    ];

    fn assert_sample(walk: &Walk, seen: &Collect, prefix: &str) {
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        for (path, data) in SAMPLE {
            let path = join(prefix, path);
            assert_eq!(seen.get(&path), Some(*data), "{path} in {:?}", seen.paths());
        }
    }

    #[test]
    fn plain_tar() {
        let tar = tar_of(&[
            E::Dir("bundle/"),
            E::File(SAMPLE[0].0, SAMPLE[0].1),
            E::File(SAMPLE[1].0, SAMPLE[1].1),
            E::File(SAMPLE[2].0, SAMPLE[2].1),
        ]);
        assert_eq!(sniff(&tar), Some(Kind::Tar));
        let (walk, seen) = run(&tar, &Limits::default());
        assert_sample(&walk, &seen, "");
        assert_eq!(seen.paths(), SAMPLE.iter().map(|(p, _)| *p).collect::<Vec<_>>(), "archive order, no directory");
        assert_eq!((walk.entries, walk.files), (4, 3));
        assert_eq!(seen.offered[2], ("bundle/logs/app.log".to_string(), Some(14)));
        // Stdin-like input without Seek gives the same.
        let mut seen2 = Collect::default();
        let walk2 = walk_stream(tar.as_slice(), Kind::Tar, "", &Limits::default(), &mut seen2).unwrap();
        assert_eq!(walk2.files, 3);
        assert_eq!(seen2.files, seen.files);
    }

    #[test]
    fn tar_gz_and_skip() {
        let tgz = gz(&files_tar(SAMPLE));
        assert_eq!(sniff(&tgz), Some(Kind::TarGz));
        let (walk, seen) = run(&tgz, &Limits::default());
        assert_sample(&walk, &seen, "");
        assert_eq!(walk.bytes, SAMPLE.iter().map(|(_, d)| d.len() as u64).sum::<u64>());
        // A skipped entry in the middle of a stream does not disturb the next.
        let visitor = Collect { skip: vec![SAMPLE[1].0.to_string()], ..Collect::default() };
        let (walk, seen) = run_with(&tgz, &Limits::default(), visitor);
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.paths(), vec![SAMPLE[0].0, SAMPLE[2].0]);
        assert_eq!(seen.get(SAMPLE[2].0), Some(SAMPLE[2].1));
        assert_eq!(walk.files, 3);
    }

    #[test]
    fn concatenated_gzip_members() {
        // pigz and `cat a.gz b.gz` write several members; all are one stream.
        let tar = files_tar(SAMPLE);
        let (a, b) = tar.split_at(700);
        let mut two = gz(a);
        two.extend(gz(b));
        let (walk, seen) = run(&two, &Limits::default());
        assert_sample(&walk, &seen, "");
    }

    #[test]
    fn tar_xz() {
        let txz = xz(&files_tar(SAMPLE));
        assert_eq!(sniff(&txz), Some(Kind::TarXz));
        let (walk, seen) = run(&txz, &Limits::default());
        assert_sample(&walk, &seen, "");
    }

    #[test]
    fn zip_archive() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_directory("bundle/", zip::write::SimpleFileOptions::default()).unwrap();
        for (i, (name, data)) in SAMPLE.iter().enumerate() {
            let method = if i == 0 { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
            w.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
            w.write_all(data).unwrap();
        }
        let zip = w.finish().unwrap().into_inner();
        assert_eq!(sniff(&zip), Some(Kind::Zip));
        let (walk, seen) = run(&zip, &Limits::default());
        assert_sample(&walk, &seen, "");
        assert_eq!((walk.entries, walk.files), (4, 3));
        // From a pipe the zip is buffered and reads the same.
        let mut piped = Collect::default();
        let walk = walk_stream(zip.as_slice(), Kind::Zip, "", &Limits::default(), &mut piped).unwrap();
        assert!(walk.warnings.is_empty());
        assert_eq!(piped.files, seen.files);
    }

    #[test]
    fn empty_zip() {
        let zip = zip_of(&[], &[]);
        assert_eq!(sniff(&zip), Some(Kind::Zip));
        let (walk, seen) = run(&zip, &Limits::default());
        assert!(walk.warnings.is_empty() && seen.files.is_empty() && walk.entries == 0);
    }

    #[test]
    fn single_file_gzip() {
        let log = b"E0101 kubelet failed\n".repeat(40);
        let mut e = flate2::GzBuilder::new().filename("kubelet.log").write(Vec::new(), flate2::Compression::fast());
        e.write_all(&log).unwrap();
        let named = e.finish().unwrap();
        assert_eq!(sniff(&named), Some(Kind::Gzip));
        // The name stored in the gzip header...
        let (walk, seen) = run(&named, &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.paths(), vec!["kubelet.log"]);
        assert_eq!(seen.get("kubelet.log"), Some(log.as_slice()));
        assert_eq!(seen.offered[0].1, None, "a gzip does not declare its size");
        // ...unless the caller names the input...
        let mut v = Collect::default();
        walk_named(Cursor::new(&named), Kind::Gzip, "/tmp/node1-kubelet.log.gz", &Limits::default(), &mut v).unwrap();
        assert_eq!(v.paths(), vec!["node1-kubelet.log"]);
        // ...and `data` with neither.
        let (_, seen) = run(&gz(&log), &Limits::default());
        assert_eq!(seen.paths(), vec!["data"]);
        // An xz single file too; TarGz given for a plain gzip walks the same.
        let (_, seen) = run(&xz(&log), &Limits::default());
        assert_eq!(seen.get("data"), Some(log.as_slice()));
        let mut v = Collect::default();
        super::walk(Cursor::new(&named), Kind::TarGz, &Limits::default(), &mut v).unwrap();
        assert_eq!(v.paths(), vec!["kubelet.log"]);
    }

    #[test]
    fn files_starting_with_zeros_are_files() {
        let mut data = vec![0u8; 2048];
        data.extend_from_slice(b"then text");
        // Compressed on its own: not an empty tar.gz.
        let (walk, seen) = run(&gz(&data), &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.get("data"), Some(data.as_slice()));
        // Inside a tar: offered as a file, not opened as an empty tar.
        let (walk, seen) = run(&files_tar(&[("core.bin", &data), ("next", b"n")]), &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.get("core.bin"), Some(data.as_slice()));
        assert_eq!(seen.get("next"), Some(b"n".as_slice()));
    }

    #[test]
    fn zip_nested_in_tar_gz() {
        let node = zip_of(&[("logs/kubelet.log", b"kubelet says hi"), ("logs/containerd.log", b"ctr")], &[]);
        let tgz = gz(&files_tar(&[("rancher/nodes/node1.zip", &node), ("rancher/cluster.json", b"{}")]));
        let (walk, seen) = run(&tgz, &Limits::default());
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        assert_eq!(
            seen.paths(),
            vec![
                "rancher/nodes/node1.zip/logs/kubelet.log",
                "rancher/nodes/node1.zip/logs/containerd.log",
                "rancher/cluster.json"
            ]
        );
        assert_eq!(seen.get("rancher/nodes/node1.zip/logs/kubelet.log"), Some(b"kubelet says hi".as_slice()));
        assert_eq!(walk.entries, 4, "the zip itself, its two files, and the json");
        // A visitor that declines gets the zip as a plain file.
        let (_, seen) = run_with(&tgz, &Limits::default(), Collect { no_descend: true, ..Collect::default() });
        assert_eq!(seen.get("rancher/nodes/node1.zip"), Some(node.as_slice()));
    }

    #[test]
    fn tar_gz_nested_in_zip() {
        let inner = gz(&files_tar(&[("x/y.json", b"{\"a\":1}")]));
        let log_gz = gz(b"compressed log line\n");
        let zip = zip_of(
            &[("bundle/inner.tar.gz", &inner), ("bundle/logs/a.log.gz", &log_gz), ("bundle/top.txt", b"top")],
            &[],
        );
        let (walk, seen) = run(&zip, &Limits::default());
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        assert_eq!(seen.get("bundle/inner.tar.gz/x/y.json"), Some(b"{\"a\":1}".as_slice()));
        // A single compressed file takes the outer name without `.gz`.
        assert_eq!(seen.get("bundle/logs/a.log"), Some(b"compressed log line\n".as_slice()));
        assert_eq!(seen.get("bundle/top.txt"), Some(b"top".as_slice()));
        assert_eq!(seen.files.len(), 3);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_not_opened() {
        let level3 = zip_of(&[("deep.txt", b"deep")], &[]);
        let level2 = zip_of(&[("l3.zip", &level3), ("mid.txt", b"mid")], &[]);
        let level1 = zip_of(&[("l2.zip", &level2)], &[]);
        let limits = Limits { max_nesting: 1, ..Limits::default() };
        let (walk, seen) = run(&level1, &limits);
        assert_eq!(seen.paths(), vec!["l2.zip/mid.txt"]);
        assert_eq!(codes(&walk), vec![WarningKind::NestedTooDeep]);
        assert_eq!(walk.warnings[0].path, "l2.zip/l3.zip");
        let (walk, seen) = run(&level1, &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.get("l2.zip/l3.zip/deep.txt"), Some(b"deep".as_slice()));
    }

    #[test]
    fn symlinks_resolve_inside_the_archive() {
        let real = "bundle/cluster-resources/pods/logs/ns/pod/c.log";
        let tar = tar_of(&[
            E::File(real, b"log"),
            E::Symlink("bundle/all-logs/pod/c.log", "../../cluster-resources/pods/logs/ns/pod/c.log"),
            // A link to a link, and a link through a linked directory.
            E::Symlink("bundle/latest.log", "all-logs/pod/c.log"),
            E::Symlink("bundle/podlogs", "./cluster-resources/pods/logs/ns/pod"),
            E::Symlink("bundle/via-dir.log", "podlogs/c.log"),
        ]);
        let (walk, seen) = run(&tar, &Limits::default());
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        assert_eq!(seen.paths(), vec![real], "links are not offered as files");
        let links: HashMap<_, _> = walk.symlinks.iter().map(|(l, t)| (l.as_str(), t.as_str())).collect();
        assert_eq!(links.get("bundle/all-logs/pod/c.log"), Some(&real));
        assert_eq!(links.get("bundle/latest.log"), Some(&real));
        assert_eq!(links.get("bundle/podlogs"), Some(&"bundle/cluster-resources/pods/logs/ns/pod"));
        assert_eq!(links.get("bundle/via-dir.log"), Some(&real));
        assert_eq!(walk.symlinks[0].0, "bundle/all-logs/pod/c.log", "archive order");
    }

    #[test]
    fn symlinks_outside_and_loops_warn() {
        let tar = tar_of(&[
            E::File("b/file", b"x"),
            E::Symlink("b/up", "../../etc/passwd"),
            E::Symlink("b/abs", "/etc/shadow"),
            E::Symlink("b/loop1", "loop2"),
            E::Symlink("b/loop2", "./loop1"),
            E::Symlink("b/self", "self"),
            E::Symlink("b/ok", "file"),
        ]);
        let (walk, _) = run(&tar, &Limits::default());
        let by_path: HashMap<_, _> = walk.warnings.iter().map(|w| (w.path.as_str(), w.code)).collect();
        assert_eq!(by_path.get("b/up"), Some(&WarningKind::SymlinkOutside));
        assert_eq!(by_path.get("b/abs"), Some(&WarningKind::SymlinkOutside));
        assert_eq!(by_path.get("b/loop1"), Some(&WarningKind::SymlinkLoop));
        assert_eq!(by_path.get("b/loop2"), Some(&WarningKind::SymlinkLoop));
        assert_eq!(by_path.get("b/self"), Some(&WarningKind::SymlinkLoop));
        assert_eq!(walk.warnings.len(), 5);
        assert_eq!(walk.symlinks, vec![("b/ok".to_string(), "b/file".to_string())]);
    }

    #[test]
    fn symlink_in_nested_zip_stays_in_its_archive() {
        let node = zip_of(&[("logs/k.log", b"k")], &[("current.log", "logs/k.log"), ("escape", "../../outer.txt")]);
        let tar = files_tar(&[("nodes/n1.zip", &node), ("outer.txt", b"o")]);
        let (walk, seen) = run(&tar, &Limits::default());
        assert_eq!(seen.paths(), vec!["nodes/n1.zip/logs/k.log", "outer.txt"]);
        assert_eq!(walk.symlinks, vec![("nodes/n1.zip/current.log".into(), "nodes/n1.zip/logs/k.log".into())]);
        assert_eq!(codes(&walk), vec![WarningKind::SymlinkOutside]);
        assert_eq!(walk.warnings[0].path, "nodes/n1.zip/escape");
    }

    #[test]
    fn hard_link_is_an_alias() {
        let tar = tar_of(&[E::File("a/orig.log", b"data"), E::Hard("b/alias.log", "a/orig.log")]);
        let (walk, seen) = run(&tar, &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.paths(), vec!["a/orig.log"]);
        assert_eq!(walk.symlinks, vec![("b/alias.log".into(), "a/orig.log".into())]);
    }

    #[test]
    fn hostile_names_are_only_names() {
        let tar = tar_of(&[
            E::File("../../etc/passwd", b"root:x:0:0"),
            E::File("/abs/path", b"abs"),
            E::File("./a/./b/../c", b"c"),
            E::File("x/../../../y", b"y"),
        ]);
        let (walk, seen) = run(&tar, &Limits::default());
        assert_eq!(seen.paths(), vec!["etc/passwd", "abs/path", "a/c", "y"]);
        assert_eq!(seen.get("etc/passwd"), Some(b"root:x:0:0".as_slice()));
        assert_eq!(codes(&walk), vec![WarningKind::UnsafePath; 3]);
        assert!(walk.warnings[0].message.contains("`../../etc/passwd` climbs above"), "{}", walk.warnings[0]);
        assert!(walk.warnings[1].message.contains("`/abs/path` is an absolute path"), "{}", walk.warnings[1]);
        assert_eq!(walk.warnings[2].path, "y");
        // Nothing was written: the names did not become files anywhere.
        assert!(!Path::new("etc/passwd").exists() && !Path::new("abs/path").exists() && !Path::new("y").exists());
        // Zip names from Windows tools use backslashes.
        let zip = zip_of(&[("..\\..\\win\\evil.txt", b"w"), ("C:\\Windows\\x.txt", b"x")], &[]);
        let (walk, seen) = run(&zip, &Limits::default());
        assert_eq!(seen.paths(), vec!["win/evil.txt", "Windows/x.txt"]);
        assert_eq!(codes(&walk), vec![WarningKind::UnsafePath; 2]);
    }

    #[test]
    fn hard_links_out_of_the_root_are_named() {
        let tar = tar_of(&[
            E::File("../../etc/passwd", b"root"),
            E::Hard("a/up", "../../etc/passwd"),
            E::Hard("a/abs", "/etc/passwd"),
        ]);
        let (walk, _) = run(&tar, &Limits::default());
        let on =
            |path: &str| walk.warnings.iter().filter(|w| w.path == path).map(|w| w.message.clone()).collect::<Vec<_>>();
        assert!(on("a/up").iter().any(|m| m.contains("`../../etc/passwd` climbs above")), "{:?}", walk.warnings);
        assert!(on("a/abs").iter().any(|m| m.contains("`/etc/passwd` is an absolute path")), "{:?}", walk.warnings);
        // Both name the member stored as `../../etc/passwd`, read as `etc/passwd`.
        assert_eq!(walk.symlinks, vec![("a/up".into(), "etc/passwd".into()), ("a/abs".into(), "etc/passwd".into())]);
    }

    /// Limits that trip the ratio guard after 1 MiB (instead of 1 GiB).
    fn ratio_limits() -> Limits {
        Limits { ratio_after: MIB, ..Limits::default() }
    }

    #[test]
    fn a_gzip_bomb_is_cut_by_its_ratio() {
        let bomb = zero_bomb(20);
        let (walk, seen) = run(&bomb, &ratio_limits());
        let read = seen.get("bomb.log").map_or(0, <[u8]>::len) as u64;
        assert!((MIB / 2..4 * MIB).contains(&read), "{read} bytes read: {:?}", walk.warnings);
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached], "{:?}", walk.warnings);
        assert_eq!(walk.warnings[0].path, "bomb.log");
        assert!(walk.warnings[0].message.contains("gzip stream expands more than 100 times"), "{}", walk.warnings[0]);
        // Passed over, it is cut the same way.
        let visitor = Collect { skip: vec!["bomb.log".into()], ..Collect::default() };
        let (walk, _) = run_with(&bomb, &ratio_limits(), visitor);
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
        assert!(walk.bytes < 4 * MIB, "{}", walk.bytes);
        // Data that compresses like data passes: 4 MiB of noise is not cut.
        let noisy = gz(&files_tar(&[("noise.bin", &noise(5, 4 * MIB as usize))]));
        let (walk, seen) = run(&noisy, &ratio_limits());
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        assert_eq!(seen.get("noise.bin").map(<[u8]>::len), Some(4 * MIB as usize));
        // 0 turns the guard off.
        let (walk, _) = run(&bomb, &Limits { max_ratio: 0, ..ratio_limits() });
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
    }

    #[test]
    fn a_zip_bomb_entry_is_cut_and_the_next_entries_read() {
        let zeros = vec![0u8; 8 * MIB as usize];
        let zip = zip_of(&[("bomb.log", &zeros), ("after.txt", b"after")], &[]);
        let (walk, seen) = run(&zip, &ratio_limits());
        assert_eq!(seen.get("after.txt"), Some(b"after".as_slice()));
        assert!(seen.get("bomb.log").is_some_and(|d| d.len() < 4 * MIB as usize));
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached], "{:?}", walk.warnings);
        assert!(walk.warnings[0].message.contains("zip entry expands"), "{}", walk.warnings[0]);
    }

    #[test]
    fn overlapping_zip_entries_are_skipped() {
        let zip = zip_of(&[("a.log", b"aaaa"), ("b.log", b"bbbb")], &[]);
        // Point b.log's central record at a.log's local header.
        let central = zip.windows(4).position(|w| w == b"PK\x01\x02").expect("central directory");
        let second = central + 4 + zip[central + 4..].windows(4).position(|w| w == b"PK\x01\x02").expect("second");
        let mut bad = zip.clone();
        bad[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
        let (walk, seen) = run(&bad, &Limits::default());
        assert_eq!(seen.paths(), vec!["a.log"]);
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached], "{:?}", walk.warnings);
        assert_eq!(walk.warnings[0].path, "b.log");
        assert!(walk.warnings[0].message.contains("overlaps that of `a.log`"), "{}", walk.warnings[0]);
    }

    use std::path::Path;

    #[test]
    fn entry_over_max_entry_bytes_is_cut() {
        let big = vec![b'x'; 10_000];
        let exact = vec![b'e'; 1000];
        let tgz = gz(&files_tar(&[("big.log", &big), ("exact.log", &exact), ("after.log", b"after")]));
        let limits = Limits { max_entry_bytes: 1000, ..Limits::default() };
        let (walk, seen) = run(&tgz, &limits);
        assert_eq!(seen.get("big.log").map(<[u8]>::len), Some(1000));
        assert_eq!(seen.get("exact.log"), Some(exact.as_slice()), "exactly the limit is not a cut");
        assert_eq!(seen.get("after.log"), Some(b"after".as_slice()), "the walk goes on");
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
        assert_eq!(walk.warnings[0].path, "big.log");
        assert!(walk.warnings[0].message.contains("--max-entry-bytes"), "{}", walk.warnings[0].message);
        // The same through a zip, which needs no draining.
        let zip = zip_of(&[("big.log", &big), ("after.log", b"after")], &[]);
        let (walk, seen) = run(&zip, &limits);
        assert_eq!(seen.get("big.log").map(<[u8]>::len), Some(1000));
        assert_eq!(seen.get("after.log"), Some(b"after".as_slice()));
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
    }

    #[test]
    fn total_bytes_limit_stops_the_walk() {
        let chunk = vec![b'z'; 1000];
        let tgz = gz(&files_tar(&[("1.log", &chunk), ("2.log", &chunk), ("3.log", &chunk)]));
        let limits = Limits { max_total_bytes: 1500, ..Limits::default() };
        let (walk, seen) = run(&tgz, &limits);
        assert_eq!(seen.get("1.log").map(<[u8]>::len), Some(1000));
        assert_eq!(seen.get("2.log").map(<[u8]>::len), Some(500), "cut where the budget ran out");
        assert_eq!(seen.get("3.log"), None);
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
        assert_eq!(walk.warnings[0].path, "2.log");
        assert!(walk.warnings[0].message.contains("--max-archive-bytes"), "{}", walk.warnings[0].message);
        assert_eq!(walk.bytes, 1500);
        // Exactly the budget is not a cut.
        let (walk, seen) = run(&tgz, &Limits { max_total_bytes: 3000, ..Limits::default() });
        assert!(walk.warnings.is_empty() && seen.files.len() == 3);
    }

    #[test]
    fn entry_count_limit_stops_the_walk() {
        let files: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("f{i}"), vec![b'a'; 3])).collect();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
        let limits = Limits { max_entries: 2, ..Limits::default() };
        for archive in [files_tar(&refs), zip_of(&refs, &[])] {
            let (walk, seen) = run(&archive, &limits);
            assert_eq!(seen.paths(), vec!["f0", "f1"]);
            assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
            assert_eq!(walk.warnings[0].path, "f2");
            assert!(walk.warnings[0].message.contains("--max-entries"), "{}", walk.warnings[0].message);
            assert_eq!(walk.entries, 2);
        }
    }

    /// Content that does not compress away, so that cutting the compressed
    /// bytes in half cuts the tar in half too.
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn truncated_tar_gz_keeps_earlier_entries() {
        let data: Vec<(String, Vec<u8>)> = (0..8).map(|i| (format!("logs/{i}.log"), noise(i + 1, 20_000))).collect();
        let refs: Vec<(&str, &[u8])> = data.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
        let tgz = gz(&files_tar(&refs));
        let half = &tgz[..tgz.len() / 2];
        let (walk, seen) = run(half, &Limits::default());
        // The entries before the cut are whole and right; the one at the cut is cut.
        let whole: Vec<_> = seen.files.iter().filter(|(p, d)| refs.iter().any(|(rp, rd)| rp == p && rd == d)).collect();
        assert!(whole.len() >= 2, "{} whole entries", whole.len());
        for (i, (path, _)) in whole.iter().enumerate() {
            assert_eq!(path, &format!("logs/{i}.log"));
        }
        assert!(seen.files.len() <= whole.len() + 1);
        assert_eq!(codes(&walk), vec![WarningKind::Corrupt], "{:?}", walk.warnings);
        assert!(walk.warnings[0].path.starts_with("logs/"));
        // A plain tar cut mid-entry just ends: the short entry is caught by its count.
        let tar = files_tar(&refs);
        let (walk, seen) = run(&tar[..tar.len() / 2], &Limits::default());
        assert!(seen.files.len() >= 3);
        assert_eq!(codes(&walk), vec![WarningKind::Corrupt]);
        assert!(walk.warnings[0].message.contains("truncated"), "{}", walk.warnings[0].message);
    }

    #[test]
    fn corrupt_tar_header_keeps_earlier_entries() {
        let mut tar = files_tar(&[("a.log", b"aaa"), ("b.log", b"bbb")]);
        tar[1024 + 10] ^= 0x55; // inside the second header's name: checksum mismatch
        let (walk, seen) = run(&tar, &Limits::default());
        assert_eq!(seen.paths(), vec!["a.log"]);
        assert_eq!(codes(&walk), vec![WarningKind::Corrupt]);
        assert!(walk.warnings[0].message.contains("after `a.log`"), "{}", walk.warnings[0].message);
    }

    #[test]
    fn corrupt_zip() {
        let a = noise(7, 5000);
        let zip = zip_of(&[("a.bin", &a), ("b.txt", b"bbbb")], &[]);
        // A flipped byte in a.bin's compressed data: CRC or inflate error on that entry only.
        let mut bad = zip.clone();
        bad[30 + "a.bin".len() + 200] ^= 0xff;
        let (walk, seen) = run(&bad, &Limits::default());
        assert_eq!(seen.get("b.txt"), Some(b"bbbb".as_slice()), "the other entries still read");
        assert_ne!(seen.get("a.bin"), Some(a.as_slice()));
        assert_eq!(codes(&walk), vec![WarningKind::Corrupt]);
        assert_eq!(walk.warnings[0].path, "a.bin");
        // The central directory cut off (truncated download): read from local headers.
        let cut = &zip[..zip.len() - 40];
        let (walk, seen) = run(cut, &Limits::default());
        assert_eq!(seen.get("a.bin"), Some(a.as_slice()));
        assert_eq!(seen.get("b.txt"), Some(b"bbbb".as_slice()));
        assert_eq!(codes(&walk), vec![WarningKind::Corrupt]);
        // Garbage after the magic: a warning, no panic, no entries.
        let mut garbage = b"PK\x03\x04".to_vec();
        garbage.extend(noise(3, 3000));
        let (walk, seen) = run(&garbage, &Limits::default());
        assert!(seen.files.is_empty());
        assert!(!walk.warnings.is_empty() && walk.warnings.iter().all(|w| w.code == WarningKind::Corrupt));
    }

    #[test]
    fn tar_read_from_the_middle_of_a_reader() {
        // `walk` starts at the reader's position; skipped entries are seeked over.
        let tar = files_tar(&[("a", &noise(1, 5000)), ("b", b"bee"), ("c", &noise(2, 3000)), ("d", b"dee")]);
        let mut input = b"junk before".to_vec();
        input.extend_from_slice(&tar);
        let mut reader = Cursor::new(input);
        reader.set_position(11);
        let mut v = Collect { skip: vec!["a".into(), "c".into()], ..Collect::default() };
        let walk = walk(reader, Kind::Tar, &Limits::default(), &mut v).unwrap();
        assert!(walk.warnings.is_empty(), "{:?}", walk.warnings);
        assert_eq!(v.files, vec![("b".to_string(), b"bee".to_vec()), ("d".to_string(), b"dee".to_vec())]);
        assert_eq!(walk.bytes, 2 * 512 + 6, "of skipped entries only the sniffed heads were read");
    }

    #[test]
    fn unsupported_zip_method_is_skipped_with_a_warning() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        w.start_file("odd.bin", stored).unwrap();
        w.write_all(b"pretend bzip2").unwrap();
        w.start_file("fine.txt", stored).unwrap();
        w.write_all(b"fine").unwrap();
        let mut zip = w.finish().unwrap().into_inner();
        // Method 12 (bzip2) in odd.bin's local and central headers.
        zip[8] = 12;
        let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        zip[central + 10] = 12;
        let (walk, seen) = run(&zip, &Limits::default());
        assert_eq!(seen.paths(), vec!["fine.txt"]);
        assert_eq!(codes(&walk), vec![WarningKind::UnsupportedEntry]);
        assert_eq!(walk.warnings[0].path, "odd.bin");
    }

    #[test]
    fn empty_tar() {
        let tar = tar_of(&[]);
        assert_eq!(sniff(&tar), Some(Kind::Tar));
        let (walk, seen) = run(&tar, &Limits::default());
        assert_eq!(walk, Walk::default());
        assert!(seen.offered.is_empty());
        let (walk, _) = run(&gz(&tar), &Limits::default());
        assert_eq!(walk, Walk::default());
    }

    /// A tar.gz whose one entry declares `mib` MiB of zeros, built from
    /// gzip members of 1 MiB each so the test stays fast.
    fn zero_bomb(mib: u64) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_path("bomb.log").unwrap();
        h.set_size(mib * MIB);
        h.set_cksum();
        let mut bomb = gz(h.as_bytes());
        let member = gz_best(&vec![0u8; MIB as usize]);
        for _ in 0..mib {
            bomb.extend_from_slice(&member);
        }
        bomb
    }

    #[test]
    fn gzip_bomb_stops_at_the_limits() {
        let bomb = zero_bomb(200);
        assert!(bomb.len() < 300_000, "{} compressed bytes for 200 MiB", bomb.len());
        // Read: the entry is cut at max_entry_bytes, then the rest is passed
        // over until the total budget runs out.
        let limits = Limits { max_entry_bytes: 2 * MIB, max_total_bytes: 8 * MIB, ..Limits::default() };
        let (walk, seen) = run(&bomb, &limits);
        assert_eq!(seen.get("bomb.log").map(<[u8]>::len), Some(2 * MIB as usize), "memory stays bounded");
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached, WarningKind::LimitReached]);
        assert!(walk.warnings[0].message.contains("--max-entry-bytes"));
        assert!(walk.warnings[1].message.contains("--max-archive-bytes"));
        assert_eq!(walk.bytes, 8 * MIB);
        // Skipped: passing over it is bounded by the same budget.
        let visitor = Collect { skip: vec!["bomb.log".into()], ..Collect::default() };
        let (walk, seen) = run_with(&bomb, &limits, visitor);
        assert!(seen.files.is_empty());
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
        assert_eq!(walk.bytes, 8 * MIB);
    }

    #[test]
    fn single_gzip_bomb_is_bounded() {
        // Not zeros: a gzip that starts with a zero block reads as an empty tar.
        let member = gz_best(&vec![b'a'; MIB as usize]);
        let bomb: Vec<u8> = (0..100).flat_map(|_| member.iter().copied()).collect();
        let limits = Limits { max_entry_bytes: 3 * MIB, max_total_bytes: 5 * MIB, ..Limits::default() };
        let (walk, seen) = run(&bomb, &limits);
        assert_eq!(seen.get("data").map(<[u8]>::len), Some(3 * MIB as usize));
        assert_eq!(codes(&walk), vec![WarningKind::LimitReached]);
    }

    #[test]
    fn huge_pax_header_is_refused() {
        // A pax header record of 8 MiB: the tar crate would read it into memory whole.
        let mut pax = tar::Header::new_ustar();
        pax.set_path("PaxHeaders/x").unwrap();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_size(8 * MIB);
        pax.set_cksum();
        let mut tar = files_tar(&[("first.log", b"first")]);
        tar.truncate(tar.len() - 1024); // drop the end-of-archive blocks
        tar.extend_from_slice(pax.as_bytes());
        tar.extend(std::iter::repeat_n(b'a', 8 * MIB as usize));
        tar.extend_from_slice(header(b"after.log", tar::EntryType::Regular, 0, None).as_bytes());
        tar.extend(vec![0u8; 1024]);
        for input in [tar.clone(), gz(&tar)] {
            let (walk, seen) = run(&input, &Limits::default());
            assert_eq!(seen.paths(), vec!["first.log"]);
            assert_eq!(codes(&walk), vec![WarningKind::Corrupt]);
            assert!(walk.warnings[0].message.contains("header records"), "{}", walk.warnings[0].message);
        }
    }

    #[test]
    fn devices_and_fifos_are_skipped_with_a_warning() {
        let tar = tar_of(&[
            E::Raw(Box::new(header(b"dev/null", tar::EntryType::Char, 0, None)), b""),
            E::Raw(Box::new(header(b"dev/sda", tar::EntryType::Block, 0, None)), b""),
            E::Raw(Box::new(header(b"run/pipe", tar::EntryType::Fifo, 0, None)), b""),
            E::File("real.txt", b"real"),
        ]);
        let (walk, seen) = run(&tar, &Limits::default());
        assert_eq!(seen.paths(), vec!["real.txt"]);
        assert_eq!(codes(&walk), vec![WarningKind::UnsupportedEntry; 3]);
        assert_eq!(walk.warnings[0].path, "dev/null");
        assert_eq!(walk.entries, 4);
    }

    #[test]
    fn not_an_archive_is_an_error() {
        assert_eq!(sniff(b"{\"kind\":\"PodList\"}"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0x1f]), None);
        let text = b"plain text, not a tar at all".repeat(30);
        assert_eq!(sniff(&text), None);
        let mut v = Collect::default();
        assert!(matches!(
            walk(Cursor::new(&text), Kind::Zip, &Limits::default(), &mut v),
            Err(ArchiveError::NotAnArchive { expected: Kind::Zip })
        ));
        assert!(walk(Cursor::new(&text), Kind::Tar, &Limits::default(), &mut v).is_err());
        assert!(walk_stream(&b""[..], Kind::TarGz, "", &Limits::default(), &mut v).is_err());
        assert!(v.offered.is_empty());
    }

    #[test]
    fn v7_tar_without_magic_is_sniffed() {
        let mut h = tar::Header::new_old();
        h.set_path("old.txt").unwrap();
        h.set_size(3);
        h.set_cksum();
        let mut tar = h.as_bytes().to_vec();
        tar.extend_from_slice(b"old");
        tar.resize(2048, 0);
        assert_eq!(sniff(&tar), Some(Kind::Tar));
        let (walk, seen) = run(&tar, &Limits::default());
        assert!(walk.warnings.is_empty());
        assert_eq!(seen.get("old.txt"), Some(b"old".as_slice()));
    }

    #[test]
    fn visitor_errors_are_warnings() {
        struct Failing;
        impl Visitor for Failing {
            fn choose(&mut self, _: &EntryInfo) -> Visit {
                Visit::Read
            }
            fn read(&mut self, _: &EntryInfo, _: &mut dyn Read) -> io::Result<()> {
                Err(io::Error::other("bad yaml"))
            }
        }
        let tgz = gz(&files_tar(SAMPLE));
        let walk = walk(Cursor::new(&tgz), Kind::TarGz, &Limits::default(), &mut Failing).unwrap();
        assert_eq!(codes(&walk), vec![WarningKind::ReadFailed; 3], "the walk goes on after each");
        assert!(walk.warnings[0].message.contains("bad yaml"));
    }

    /// Mutated and cut archives of every kind: never a panic, never unbounded.
    #[test]
    fn hostile_bytes_never_panic() {
        let inner = zip_of(&[("n/k.log", &noise(9, 3000))], &[("n/l", "k.log")]);
        let tar = tar_of(&[
            E::File("a/1.log", &noise(1, 3000)),
            E::Symlink("a/s", "1.log"),
            E::File("a/n.zip", &inner),
            E::File("a/2.log", b"two"),
        ]);
        let seeds = [tar.clone(), gz(&tar), xz(&tar), zip_of(&[("x.tar", &tar), ("y", b"y")], &[]), inner.clone()];
        let limits = Limits { max_total_bytes: 4 * MIB, max_entry_bytes: MIB, ..Limits::default() };
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for seed in &seeds {
            for round in 0..120 {
                let mut bytes = seed.clone();
                let flips = 1 + next() % 8;
                for _ in 0..flips {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
                if round % 3 == 0 {
                    let keep = (next() % bytes.len() as u64) as usize;
                    bytes.truncate(keep.max(1));
                }
                let Some(kind) = sniff(&bytes) else { continue };
                let mut v = Collect::default();
                if let Ok(walk) = super::walk(Cursor::new(&bytes), kind, &limits, &mut v) {
                    assert!(walk.bytes <= limits.max_total_bytes);
                    assert!(v.files.iter().all(|(_, d)| d.len() as u64 <= limits.max_entry_bytes));
                }
                let mut v = Collect::default();
                let _ = walk_stream(bytes.as_slice(), kind, "x.gz", &limits, &mut v);
            }
        }
    }
}
