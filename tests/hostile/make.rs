//! Builders of hostile inputs. Everything is generated here, in the test's
//! temporary directory: big inputs are made cheap (a 10 GiB gzip bomb is a
//! few MB of repeated gzip members), none is checked in.

use std::io::Write;
use std::path::{Path, PathBuf};

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

/// The known-good part of every case: a support bundle whose one pod is
/// OOM-killed (fixtures/rules/oom-killed/trigger). Its finding must survive
/// whatever the hostile part does.
pub const GOOD_FIXTURE: &str = "rules/oom-killed/trigger";
pub const GOOD_POD: &str = "indexer-66b8f9c7d4-2hxqw";
pub const GOOD_CAUSE: &str = "oom-killed";

/// A second crash-looping pod whose log is the hostile part: logs are read
/// only for containers in trouble, so a hostile log must belong to one.
pub const VICTIM_NS: &str = "victim";
pub const VICTIM_POD: &str = "victim-7d4b9c6f5-q2x8z";
pub const VICTIM_CONTAINER: &str = "app";

/// (path relative to the bundle root, bytes) of the good bundle.
pub fn good_files() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(GOOD_FIXTURE);
    let mut out = Vec::new();
    collect(&root, &root, &mut out);
    out.sort();
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("fixture dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read(&path).expect("fixture file")));
        }
    }
}

/// Writes `files` under `root`, creating folders.
pub fn write_files(root: &Path, files: &[(String, Vec<u8>)]) {
    for (rel, bytes) in files {
        write(root, rel, bytes);
    }
}

pub fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    path
}

/// The victim pod as a one-item PodList: crash-looping, last exit 1.
/// `started` is the last run's start (hostile timestamps go there).
pub fn victim_pods(started: &str) -> String {
    format!(
        r#"{{
  "kind": "PodList",
  "apiVersion": "v1",
  "items": [
    {{
      "kind": "Pod",
      "apiVersion": "v1",
      "metadata": {{
        "name": "{VICTIM_POD}",
        "namespace": "{VICTIM_NS}",
        "uid": "0b7c2a51-4f1e-4d36-9a53-5d1b8e2f7c10",
        "creationTimestamp": "2025-08-10T01:00:00Z",
        "labels": {{ "app": "victim" }}
      }},
      "spec": {{
        "nodeName": "shop-prod-worker-1",
        "containers": [ {{ "name": "{VICTIM_CONTAINER}", "image": "registry.example.com/victim/app:1.0.0" }} ]
      }},
      "status": {{
        "phase": "Running",
        "startTime": "2025-08-10T01:00:00Z",
        "conditions": [ {{ "type": "Ready", "status": "False" }} ],
        "containerStatuses": [
          {{
            "name": "{VICTIM_CONTAINER}",
            "ready": false,
            "restartCount": 7,
            "image": "registry.example.com/victim/app:1.0.0",
            "state": {{ "waiting": {{ "reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container" }} }},
            "lastState": {{
              "terminated": {{
                "exitCode": 1,
                "reason": "Error",
                "startedAt": "{started}",
                "finishedAt": "2025-08-10T02:05:00Z"
              }}
            }}
          }}
        ]
      }}
    }}
  ]
}}
"#
    )
}

/// Where the bundle keeps the victim's crashed-run log.
pub fn victim_log_path() -> String {
    format!("cluster-resources/pods/logs/{VICTIM_NS}/{VICTIM_POD}/{VICTIM_CONTAINER}-previous.log")
}

pub fn victim_pods_path() -> String {
    format!("cluster-resources/pods/{VICTIM_NS}.json")
}

/// A support bundle directory `root/bundle` with the good part and the
/// victim pod; returns the bundle root.
pub fn bundle_dir(root: &Path) -> PathBuf {
    let bundle = root.join("bundle");
    write_files(&bundle, &good_files());
    write(&bundle, &victim_pods_path(), victim_pods("2025-08-10T02:04:00Z").as_bytes());
    bundle
}

/// A tar member.
pub enum Entry<'a> {
    File(&'a str, &'a [u8]),
    /// A regular file whose header declares `size` bytes; its data comes
    /// from elsewhere (see [`gzip_bomb_tar`]).
    Declared(&'a str, u64),
    /// Header fields written raw, so names the tar crate refuses (`..`,
    /// absolute) can be stored.
    Raw {
        name: &'a [u8],
        kind: tar::EntryType,
        link: Option<&'a [u8]>,
        data: &'a [u8],
    },
}

fn raw_header(name: &[u8], kind: tar::EntryType, link: Option<&[u8]>, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().expect("gnu header");
        gnu.name[..name.len()].copy_from_slice(name);
        if let Some(link) = link {
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
    }
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(size);
    header.set_cksum();
    header
}

/// A tar of `entries`; `end`: append the end-of-archive blocks.
pub fn tar(entries: &[Entry], end: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Entry::File(path, data) => {
                let mut header = tar::Header::new_gnu();
                header.set_path(path).expect("tar path");
                header.set_mode(0o644);
                header.set_size(data.len() as u64);
                header.set_cksum();
                out.extend_from_slice(header.as_bytes());
                out.extend_from_slice(data);
                out.resize(out.len().div_ceil(512) * 512, 0);
            }
            Entry::Declared(path, size) => {
                let mut header = tar::Header::new_gnu();
                header.set_path(path).expect("tar path");
                header.set_mode(0o644);
                header.set_size(*size);
                header.set_cksum();
                out.extend_from_slice(header.as_bytes());
            }
            Entry::Raw { name, kind, link, data } => {
                out.extend_from_slice(raw_header(name, *kind, *link, data.len() as u64).as_bytes());
                out.extend_from_slice(data);
                out.resize(out.len().div_ceil(512) * 512, 0);
            }
        }
    }
    if end {
        out.extend_from_slice(&[0u8; 1024]);
    }
    out
}

/// The good bundle plus the victim pod as tar entries under `bundle/`.
pub fn bundle_entries() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> =
        good_files().into_iter().map(|(rel, bytes)| (format!("bundle/{rel}"), bytes)).collect();
    files.push((format!("bundle/{}", victim_pods_path()), victim_pods("2025-08-10T02:04:00Z").into_bytes()));
    files
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// One gzip member of `len` bytes of `pattern` repeated, compressed once.
/// Concatenated members are one valid gzip stream (RFC 1952, as `pigz` and
/// `cat a.gz b.gz` make), so a bomb of any size costs one member's
/// compression and a copy loop.
fn repeated_member(pattern: &[u8], len: u64) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block: Vec<u8> = pattern.iter().copied().cycle().take(MIB as usize).collect();
    for _ in 0..len / MIB {
        encoder.write_all(&block).expect("gzip");
    }
    encoder.finish().expect("gzip")
}

/// Size of each repeated member of a bomb.
const MEMBER: u64 = 64 * MIB;

/// A gzip stream of `len` zeros (a multiple of 64 MiB): ~1 KB per MiB.
pub fn gzip_zeros(len: u64) -> Vec<u8> {
    gzip_repeated(b"\0", len)
}

/// A gzip stream of `len` bytes (a multiple of 64 MiB) of `pattern` repeated
/// (its length a power of two, so that every MiB starts with it).
pub fn gzip_repeated(pattern: &[u8], len: u64) -> Vec<u8> {
    let member = repeated_member(pattern, MEMBER);
    let mut out = Vec::with_capacity(member.len() * (len / MEMBER) as usize);
    for _ in 0..len / MEMBER {
        out.extend_from_slice(&member);
    }
    out
}

/// A `.tar.gz` of `before` (whole files), then `bomb_path` declaring `len`
/// bytes of zeros (a multiple of 64 MiB), then `after`. Each part is a gzip
/// member of its own, the zeros repeated members; together one
/// multi-member gzip stream.
pub fn gzip_bomb_tar(before: &[(String, Vec<u8>)], bomb_path: &str, len: u64, after: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut entries: Vec<Entry> = before.iter().map(|(p, d)| Entry::File(p, d)).collect();
    entries.push(Entry::Declared(bomb_path, len));
    let mut out = gzip(&tar(&entries, false));
    out.extend_from_slice(&gzip_zeros(len));
    let entries: Vec<Entry> = after.iter().map(|(p, d)| Entry::File(p, d)).collect();
    out.extend_from_slice(&gzip(&tar(&entries, true)));
    out
}

/// A raw deflate stream of `len` zeros (a multiple of 64 MiB), built from
/// one compressed 64 MiB block ended by a full flush (byte-aligned, no
/// reference across it), repeated, and a final empty block.
fn deflate_zeros(len: u64) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let input = vec![0u8; MEMBER as usize];
    let mut block = Vec::with_capacity(256 * KIB as usize);
    let mut fed = 0;
    loop {
        let before = compress.total_in() as usize;
        block.reserve(64 * KIB as usize);
        compress.compress_vec(&input[fed..], &mut block, flate2::FlushCompress::Full).expect("deflate");
        fed += compress.total_in() as usize - before;
        // Done once all is in and the flush left room to spare.
        if fed == input.len() && block.len() < block.capacity() {
            break;
        }
    }
    let mut out = Vec::with_capacity(block.len() * (len / MEMBER) as usize + 16);
    for _ in 0..len / MEMBER {
        out.extend_from_slice(&block);
    }
    // A final empty fixed-Huffman block: BFINAL=1, BTYPE=01, end-of-block code.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// CRC-32 of `len` zeros, by the zero-extension of a CRC (GF(2) matrix
/// squaring, as zlib's crc32_combine) — no need to hash gigabytes.
fn crc32_of_zeros(len: u64) -> u32 {
    fn times(mat: &[u32; 32], vec: u32) -> u32 {
        let (mut sum, mut v, mut i) = (0u32, vec, 0);
        while v != 0 {
            if v & 1 != 0 {
                sum ^= mat[i];
            }
            v >>= 1;
            i += 1;
        }
        sum
    }
    fn square(mat: &[u32; 32]) -> [u32; 32] {
        let mut out = [0u32; 32];
        for (n, slot) in out.iter_mut().enumerate() {
            *slot = times(mat, mat[n]);
        }
        out
    }
    // Operator for one zero bit, then squared up to one zero byte.
    let mut odd = [0u32; 32];
    odd[0] = 0xedb8_8320;
    for (n, slot) in odd.iter_mut().enumerate().skip(1) {
        *slot = 1 << (n - 1);
    }
    let mut even = square(&odd); // 2 bits
    odd = square(&even); // 4 bits
    // The CRC register of zero bytes starts at !0 and is inverted at the end.
    let mut crc = 0xffff_ffffu32;
    let mut remaining = len;
    loop {
        even = square(&odd);
        if remaining & 1 != 0 {
            crc = times(&even, crc);
        }
        remaining >>= 1;
        if remaining == 0 {
            break;
        }
        odd = square(&even);
        if remaining & 1 != 0 {
            crc = times(&odd, crc);
        }
        remaining >>= 1;
        if remaining == 0 {
            break;
        }
    }
    !crc
}

fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// One zip member as written by [`zip`].
pub struct ZipMember<'a> {
    pub name: &'a str,
    /// Deflated data and (crc, uncompressed size) it declares.
    pub deflated: &'a [u8],
    pub crc: u32,
    pub size: u64,
}

impl<'a> ZipMember<'a> {
    pub fn stored_as_deflate(name: &'a str, deflated: &'a [u8], original: &[u8]) -> Self {
        let mut crc = flate2::Crc::new();
        crc.update(original);
        ZipMember { name, deflated, crc: crc.sum(), size: original.len() as u64 }
    }
}

/// A zip written by hand (Zip64 sizes for every member, so entries past
/// 4 GiB are declared truthfully). `central_refs`: for each central
/// directory record, the index of the member whose local header it points
/// at — naming several records after one member gives the "overlapping
/// entries" bomb, where every record inflates the same compressed bytes.
pub fn zip(members: &[ZipMember], central_refs: &[(usize, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for m in members {
        offsets.push(out.len() as u64);
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 45); // version needed: zip64
        le16(&mut out, 0); // flags
        le16(&mut out, 8); // deflate
        le16(&mut out, 0);
        le16(&mut out, 0x21); // time/date: any valid
        le32(&mut out, m.crc);
        le32(&mut out, 0xffff_ffff);
        le32(&mut out, 0xffff_ffff);
        le16(&mut out, m.name.len() as u16);
        le16(&mut out, 20); // extra: zip64 header + 2 sizes
        out.extend_from_slice(m.name.as_bytes());
        le16(&mut out, 0x0001);
        le16(&mut out, 16);
        le64(&mut out, m.size);
        le64(&mut out, m.deflated.len() as u64);
        out.extend_from_slice(m.deflated);
    }
    let central_start = out.len() as u64;
    for (index, name) in central_refs {
        let m = &members[*index];
        le32(&mut out, 0x0201_4b50);
        le16(&mut out, (3 << 8) | 45); // made by unix, zip64
        le16(&mut out, 45);
        le16(&mut out, 0);
        le16(&mut out, 8);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, m.crc);
        le32(&mut out, 0xffff_ffff);
        le32(&mut out, 0xffff_ffff);
        le16(&mut out, name.len() as u16);
        le16(&mut out, 28); // zip64: 2 sizes + offset
        le16(&mut out, 0); // comment
        le16(&mut out, 0); // disk
        le16(&mut out, 0); // internal attributes
        le32(&mut out, 0o100_644 << 16); // regular file
        le32(&mut out, 0xffff_ffff);
        out.extend_from_slice(name.as_bytes());
        le16(&mut out, 0x0001);
        le16(&mut out, 24);
        le64(&mut out, m.size);
        le64(&mut out, m.deflated.len() as u64);
        le64(&mut out, offsets[*index]);
    }
    let central_len = out.len() as u64 - central_start;
    let zip64_end = out.len() as u64;
    let records = central_refs.len() as u64;
    le32(&mut out, 0x0606_4b50);
    le64(&mut out, 44);
    le16(&mut out, 45);
    le16(&mut out, 45);
    le32(&mut out, 0);
    le32(&mut out, 0);
    le64(&mut out, records);
    le64(&mut out, records);
    le64(&mut out, central_len);
    le64(&mut out, central_start);
    le32(&mut out, 0x0706_4b50); // zip64 end locator
    le32(&mut out, 0);
    le64(&mut out, zip64_end);
    le32(&mut out, 1);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, 0xffff);
    le16(&mut out, 0xffff);
    le32(&mut out, 0xffff_ffff);
    le32(&mut out, 0xffff_ffff);
    le16(&mut out, 0);
    out
}

/// An empty zip as zip tools write it: only the end-of-central-directory record.
pub fn empty_zip() -> Vec<u8> {
    zip::ZipWriter::new(std::io::Cursor::new(Vec::new())).finish().expect("empty zip").into_inner()
}

/// Deflated bytes of `data` (raw deflate, as zip stores them).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("deflate");
    encoder.finish().expect("deflate")
}

/// Deflated zeros with their CRC, for a zip member of `len` zeros.
pub fn deflated_zeros(len: u64) -> (Vec<u8>, u32) {
    (deflate_zeros(len), crc32_of_zeros(len))
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_of_zeros_matches_hashing_them() {
        for len in [0u64, 1, 2, 3, 7, 1000, 65_536, 1 << 20] {
            let mut crc = flate2::Crc::new();
            crc.update(&vec![0u8; len as usize]);
            assert_eq!(super::crc32_of_zeros(len), crc.sum(), "{len} zeros");
        }
    }
}
