//! Deterministic generator of realistic large bundles (issue 6, "Fast on a 3 GB bundle").
//!
//! ```sh
//! cargo run --release --example gen_bundle -- --out DIR --pods N --events N --log-mb N \
//!     [--namespaces N] [--seed S] [--formats dir,tgz,must-gather,pods-json]
//! # CI smoke:  --pods 300 --events 2000 --log-mb 5          (a few MB, well under 2 s)
//! # full:      --pods 65000 --events 390000 --log-mb 1024   (≈1 GB pods, 0.5 GB events, 1 GB logs)
//! ```
//!
//! It writes, under `--out DIR`:
//! - `bundle/`: a troubleshoot.sh support bundle (`version.yaml`, `cluster-resources/pods/<ns>.json`,
//!   `events/<ns>.json`, `nodes.json`, `deployments/<ns>.json`, `replicasets/<ns>.json`, logs at
//!   `cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log`), JSON as `kubectl -o json`
//!   prints it (4-space indent, `kind`/`apiVersion` first, Go's `\u003c` HTML escapes);
//! - `bundle.tar.gz`: the same tree under one top directory (tar + gzip level 6, streamed);
//! - `must-gather/`: the same content as an OpenShift must-gather YAML tree (Go-style block YAML
//!   with sorted keys; log files are hard links to the bundle's when both are written);
//! - `pods.json`: every pod as one `kubectl get pods -A -o json` PodList (jq baseline, pods-only run);
//! - `expected.json`: the sorted fingerprints (`cause/namespace/workload-kind/workload/container`)
//!   `podmortem analyze` must report for `bundle/`, `bundle.tar.gz` and `must-gather/`;
//!   `expected-pods-only.json`: the same for `pods.json` alone (no logs, no events).
//!
//! What is in it: `--namespaces` application namespaces (default pods/100) plus `kube-system`;
//! max(3, pods/30) nodes; Deployments of 1–6 replicas whose pods have 1–3 containers
//! (75/20/5 %), labels, annotations, ownerReferences (ReplicaSet `<deploy>-<hash>`,
//! `pod-template-hash`), two managedFields entries, env with fieldRef/secretKeyRef, probes,
//! resources, a projected service-account volume, tolerations, 5 conditions and full
//! containerStatuses (about 20 KB per pod on disk, 7 KB compact: 65,000 pods make 1.27 GB). About 3 % of the pods crash-loop with
//! varied causes — OOM kills, Go panics, Python tracebacks, unreachable dependencies (their
//! previous logs end with the signature), commands not found — 0.5 % cannot start for a
//! missing Secret, 1 % cannot pull their image, 1 % are completed Job pods. Every replica of
//! a failing Deployment fails the same way, so findings are one per workload+container+cause.
//! Platform pods in `kube-system` that do NOT crash carry signature lines in the middle of big
//! logs the rules must read: aws-node (ipamd `InsufficientFreeAddressesInSubnet`), calico-node
//! (an RBAC denial), CoreDNS (an unreachable upstream); node-local-dns loops on a few nodes.
//! Events (≈ `--events`, kubelet 1.33 wording, with counts and first/last timestamps) and logs
//! (≈ `--log-mb` over ≈ pods/3 files, at most 20,000: klog, zap JSON, logfmt, nginx access,
//! Java, CoreDNS, ipamd and Felix lines, half of the files with `kubectl logs --timestamps`
//! prefixes) complete it. The snapshot time is 2025-08-10T02:08:25Z, the nodes'
//! `lastHeartbeatTime`; nothing is later.
//!
//! Deterministic: the same arguments give byte-identical files (a splitmix64 PRNG seeded per
//! namespace, no hash-map iteration order, no clock). Namespaces are generated in parallel and
//! written in a fixed order; the tarball is compressed on its own thread.
//!
//! `tests/generator.rs` includes this file as a module and checks, at a tiny size, that the
//! analysis reports exactly the expected fingerprints.

#![allow(dead_code)]

use rayon::prelude::*;
use std::borrow::Cow;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Configuration and entry points
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Formats {
    pub dir: bool,
    pub tgz: bool,
    pub must_gather: bool,
    pub pods_json: bool,
}

impl Formats {
    pub fn all() -> Formats {
        Formats { dir: true, tgz: true, must_gather: true, pods_json: true }
    }
    pub fn parse(s: &str) -> Result<Formats, String> {
        let mut f = Formats { dir: false, tgz: false, must_gather: false, pods_json: false };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "dir" => f.dir = true,
                "tgz" => f.tgz = true,
                "must-gather" => f.must_gather = true,
                "pods-json" => f.pods_json = true,
                other => return Err(format!("unknown format `{other}` (dir, tgz, must-gather, pods-json)")),
            }
        }
        Ok(f)
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub out: PathBuf,
    pub pods: usize,
    pub events: usize,
    pub log_mb: f64,
    /// Application namespaces (kube-system comes on top); 0 = pods/100.
    pub namespaces: usize,
    pub seed: u64,
    pub formats: Formats,
}

impl Config {
    pub fn new(out: impl Into<PathBuf>, pods: usize, events: usize, log_mb: f64) -> Config {
        Config { out: out.into(), pods, events, log_mb, namespaces: 0, seed: 42, formats: Formats::all() }
    }
}

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub pods: usize,
    pub events: usize,
    pub log_files: usize,
    pub log_bytes: u64,
    pub pod_bytes: u64,
    pub event_bytes: u64,
    pub nodes: usize,
    pub namespaces: usize,
    /// Fingerprints for `bundle/`, `bundle.tar.gz` and `must-gather/`.
    pub expected: Vec<String>,
    /// Fingerprints for `pods.json` alone.
    pub expected_pods_only: Vec<String>,
}

/// The top directory inside `bundle.tar.gz`.
pub const TGZ_TOP: &str = "support-bundle-2025-08-10T02_08_25";
/// Where the must-gather tree starts under `must-gather/`.
pub const MG_TOP: &str =
    "must-gather.local.5123477020117146301/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-6a1d8e0c5b7f";

#[allow(dead_code)]
fn main() {
    let cfg = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "gen_bundle: {e}\nusage: gen_bundle --out DIR --pods N --events N --log-mb N [--namespaces N] [--seed S] [--formats dir,tgz,must-gather,pods-json]"
            );
            std::process::exit(2);
        }
    };
    match generate(&cfg) {
        Ok(s) => {
            eprintln!(
                "gen_bundle: {} pods ({:.1} MB), {} events ({:.1} MB), {} log files ({:.1} MB), {} nodes, {} namespaces; {} expected findings ({} pods-only) in {}",
                s.pods,
                s.pod_bytes as f64 / 1e6,
                s.events,
                s.event_bytes as f64 / 1e6,
                s.log_files,
                s.log_bytes as f64 / 1e6,
                s.nodes,
                s.namespaces,
                s.expected.len(),
                s.expected_pods_only.len(),
                cfg.out.display()
            );
        }
        Err(e) => {
            eprintln!("gen_bundle: {e}");
            std::process::exit(1);
        }
    }
}

fn parse_args(args: Vec<String>) -> Result<Config, String> {
    let mut cfg = Config::new("", 300, 2000, 5.0);
    let mut out = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).ok_or(format!("{flag} needs a value"));
        let num = |v: String| v.replace('_', "").parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--pods" => cfg.pods = num(value()?)?,
            "--events" => cfg.events = num(value()?)?,
            "--log-mb" => cfg.log_mb = value()?.parse::<f64>().map_err(|e| format!("--log-mb: {e}"))?,
            "--namespaces" => cfg.namespaces = num(value()?)?,
            "--seed" => cfg.seed = value()?.parse::<u64>().map_err(|e| format!("--seed: {e}"))?,
            "--formats" => cfg.formats = Formats::parse(&value()?)?,
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    cfg.out = out.ok_or("--out DIR is required")?;
    if cfg.pods < 30 {
        return Err("--pods must be at least 30".into());
    }
    Ok(cfg)
}

// ---------------------------------------------------------------------------
// PRNG, hashing, time
// ---------------------------------------------------------------------------

/// splitmix64: small, fast, and good enough for test data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        r.next_u64();
        r
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn hex(&mut self, n: usize) -> String {
        const H: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(n);
        let mut bits = 0u64;
        for i in 0..n {
            if i % 16 == 0 {
                bits = self.next_u64();
            }
            s.push(H[(bits & 15) as usize] as char);
            bits >>= 4;
        }
        s
    }
    /// Kubernetes' name-suffix alphabet (no vowels, no confusable digits).
    pub fn k8s_suffix(&mut self, n: usize) -> String {
        const A: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n).map(|_| A[self.below(A.len() as u64) as usize] as char).collect()
    }
    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][self.below(4) as usize],
            &h[17..20],
            &h[20..32]
        )
    }
    pub fn ip(&mut self, a: u8, b: u8) -> String {
        format!("{a}.{b}.{}.{}", self.below(254) + 1, self.below(254) + 1)
    }
}

pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// 2025-08-10T02:08:25Z: the snapshot, the nodes' lastHeartbeatTime, the latest time anywhere.
pub const SNAPSHOT: i64 = 1_754_791_705;

fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32)
}

/// `2025-08-10T02:08:25Z`
pub fn ts(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A log line's time: seconds and nanoseconds.
#[derive(Clone, Copy)]
struct LineTime {
    secs: i64,
    nanos: u32,
}

impl LineTime {
    fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        civil(self.secs)
    }
    /// `2025-08-10T02:08:25.123456789Z ` (kubectl logs --timestamps)
    fn prefix(self, out: &mut Vec<u8>) {
        let (y, mo, d, h, mi, s) = self.civil();
        let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:09}Z ", self.nanos);
    }
    /// `2025-08-10T02:08:25.123Z`
    fn iso_millis(self, out: &mut Vec<u8>) {
        let (y, mo, d, h, mi, s) = self.civil();
        let _ = write!(out, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", self.nanos / 1_000_000);
    }
    /// `0810 02:08:25.123456` (klog, after the level letter)
    fn klog(self, out: &mut Vec<u8>) {
        let (_, mo, d, h, mi, s) = self.civil();
        let _ = write!(out, "{mo:02}{d:02} {h:02}:{mi:02}:{s:02}.{:06}", self.nanos / 1000);
    }
    /// `10/Aug/2025:02:08:25 +0000`
    fn nginx(self, out: &mut Vec<u8>) {
        let (y, mo, d, h, mi, s) = self.civil();
        let _ = write!(out, "{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[mo as usize - 1]);
    }
    /// `2025-08-10 02:08:25.123` (Java, Felix)
    fn spaced(self, out: &mut Vec<u8>) {
        let (y, mo, d, h, mi, s) = self.civil();
        let _ = write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{:03}", self.nanos / 1_000_000);
    }
}

// ---------------------------------------------------------------------------
// An ordered JSON value, written as kubectl prints JSON and as Go's YAML
// ---------------------------------------------------------------------------

type K = Cow<'static, str>;

#[derive(Clone, Debug)]
pub enum V {
    Null,
    B(bool),
    I(i64),
    S(String),
    A(Vec<V>),
    O(Vec<(K, V)>),
}

fn s(x: impl Into<String>) -> V {
    V::S(x.into())
}
fn o<const N: usize>(pairs: [(&'static str, V); N]) -> V {
    V::O(pairs.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect())
}
fn od(pairs: Vec<(String, V)>) -> V {
    V::O(pairs.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
}
fn ov(pairs: Vec<(&'static str, V)>) -> V {
    V::O(pairs.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect())
}
fn empty() -> V {
    V::O(Vec::new())
}
fn strs(items: &[&str]) -> V {
    V::A(items.iter().map(|x| s(*x)).collect())
}

fn indent(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat_n(b' ', n));
}

/// JSON string as Go's encoding/json writes it (HTML characters escaped).
fn json_str(out: &mut Vec<u8>, x: &str) {
    out.push(b'"');
    let bytes = x.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            b'&' => b"\\u0026",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                let _ = write!(out, "\\u{:04x}", b);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Pretty JSON with 4-space indentation (serde_json's PrettyFormatter layout), `depth` levels in.
fn json(out: &mut Vec<u8>, v: &V, depth: usize) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::B(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::I(i) => {
            let _ = write!(out, "{i}");
        }
        V::S(x) => json_str(out, x),
        V::A(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        V::O(pairs) if pairs.is_empty() => out.extend_from_slice(b"{}"),
        V::A(items) => {
            out.extend_from_slice(b"[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                indent(out, (depth + 1) * 4);
                json(out, item, depth + 1);
            }
            out.push(b'\n');
            indent(out, depth * 4);
            out.push(b']');
        }
        V::O(pairs) => {
            out.extend_from_slice(b"{\n");
            for (i, (k, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                indent(out, (depth + 1) * 4);
                json_str(out, k);
                out.extend_from_slice(b": ");
                json(out, item, depth + 1);
            }
            out.push(b'\n');
            indent(out, depth * 4);
            out.push(b'}');
        }
    }
}

/// A list document (`PodList`, `EventList`...) from items already written at depth 2.
fn json_list(kind: &str, api_version: &str, resource_version: u64, items: &[Vec<u8>]) -> Vec<u8> {
    let total: usize = items.iter().map(|i| i.len() + 2).sum();
    let mut out = Vec::with_capacity(total + 200);
    list_head(&mut out, kind, api_version, resource_version);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(item);
    }
    list_tail(&mut out, items.is_empty());
    out
}

fn list_head(out: &mut Vec<u8>, kind: &str, api_version: &str, resource_version: u64) {
    let _ = write!(
        out,
        "{{\n    \"kind\": \"{kind}\",\n    \"apiVersion\": \"{api_version}\",\n    \"metadata\": {{\n        \"resourceVersion\": \"{resource_version}\"\n    }},\n    \"items\": ["
    );
}

fn list_tail(out: &mut Vec<u8>, empty: bool) {
    if empty {
        out.extend_from_slice(b"]\n}\n");
    } else {
        out.extend_from_slice(b"\n    ]\n}\n");
    }
}

/// One list item at depth 2 (with its leading indentation).
fn json_item(v: &V) -> Vec<u8> {
    let mut out = Vec::with_capacity(8192);
    out.push(b'\n');
    indent(&mut out, 8);
    json(&mut out, v, 2);
    out
}

fn yaml_plain_ok(x: &str) -> bool {
    let Some(first) = x.chars().next() else { return false };
    if !(first.is_ascii_alphabetic() || first == '/' || first == '_') {
        return false;
    }
    if x.ends_with(' ') || x.ends_with(':') || x.contains(": ") || x.contains(" #") {
        return false;
    }
    if x.bytes().any(|b| b"{}[],&*#?|<>=!%@`\"'\\\n\t".contains(&b) || !(0x20..0x80).contains(&b)) {
        return false;
    }
    !matches!(
        x.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
    )
}

fn yaml_scalar(out: &mut Vec<u8>, v: &V) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::B(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::I(i) => {
            let _ = write!(out, "{i}");
        }
        V::S(x) if yaml_plain_ok(x) => out.extend_from_slice(x.as_bytes()),
        V::S(x) => json_str(out, x),
        V::A(_) => out.extend_from_slice(b"[]"),
        V::O(_) => out.extend_from_slice(b"{}"),
    }
}

fn is_block(v: &V) -> bool {
    matches!(v, V::A(a) if !a.is_empty()) || matches!(v, V::O(o) if !o.is_empty())
}

/// Go-style block YAML (sorted keys, sequences not indented under their key).
fn yaml_map(out: &mut Vec<u8>, pairs: &[(K, V)], ind: usize, mut inline_first: bool) {
    let mut sorted: Vec<&(K, V)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in sorted {
        if !std::mem::replace(&mut inline_first, false) {
            indent(out, ind);
        }
        if yaml_plain_ok(k) {
            out.extend_from_slice(k.as_bytes())
        } else {
            json_str(out, k)
        }
        out.push(b':');
        match v {
            V::O(p) if !p.is_empty() => {
                out.push(b'\n');
                yaml_map(out, p, ind + 2, false);
            }
            V::A(a) if !a.is_empty() => {
                out.push(b'\n');
                yaml_seq(out, a, ind);
            }
            _ => {
                out.push(b' ');
                yaml_scalar(out, v);
                out.push(b'\n');
            }
        }
    }
}

fn yaml_seq(out: &mut Vec<u8>, items: &[V], ind: usize) {
    for item in items {
        indent(out, ind);
        out.extend_from_slice(b"- ");
        match item {
            V::O(p) if !p.is_empty() => yaml_map(out, p, ind + 2, true),
            V::A(a) if !a.is_empty() => {
                out.push(b'\n');
                yaml_seq(out, a, ind + 2);
            }
            _ => {
                yaml_scalar(out, item);
                out.push(b'\n');
            }
        }
    }
}

fn yaml_doc(v: &V) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    match v {
        V::O(p) => yaml_map(&mut out, p, 0, false),
        other if is_block(other) => unreachable!(),
        other => yaml_scalar(&mut out, other),
    }
    out
}

/// A `List` as `oc adm inspect` writes it: `apiVersion`, `items`, `kind`, `metadata`.
fn yaml_list(kind: &str, items: Vec<V>) -> Vec<u8> {
    let doc = ov(vec![
        (
            "apiVersion",
            s(if kind.starts_with("Deployment") || kind.starts_with("ReplicaSet") { "apps/v1" } else { "v1" }),
        ),
        ("items", V::A(items)),
        ("kind", s(kind)),
        ("metadata", o([("resourceVersion", s("918273645"))])),
    ]);
    let mut out = b"---\n".to_vec();
    out.extend(yaml_doc(&doc));
    out
}

// ---------------------------------------------------------------------------
// The plan: nodes, namespaces, workloads, pods, faults, log sizes
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Fault {
    None,
    Oom,
    GoPanic,
    PyTrace,
    DepUnreach,
    CmdNotFound,
    MissingSecret,
    ImagePull,
    Completed,
    DnsLoop,
}

impl Fault {
    fn crash_loops(self) -> bool {
        matches!(
            self,
            Fault::Oom | Fault::GoPanic | Fault::PyTrace | Fault::DepUnreach | Fault::CmdNotFound | Fault::DnsLoop
        )
    }
    /// The cause the analysis proves with logs and events.
    fn cause(self) -> Option<&'static str> {
        Some(match self {
            Fault::Oom => "oom-killed",
            Fault::GoPanic | Fault::PyTrace => "app-error",
            Fault::DepUnreach => "dependency-unreachable",
            Fault::CmdNotFound => "command-not-found",
            Fault::MissingSecret => "missing-env-or-config",
            Fault::ImagePull => "image-pull",
            Fault::DnsLoop => "dns-loop",
            Fault::None | Fault::Completed => return None,
        })
    }
    /// The cause from pod status alone (`pods.json`: no logs, no events).
    fn cause_pods_only(self) -> Option<&'static str> {
        Some(match self {
            Fault::Oom => "oom-killed",
            Fault::CmdNotFound => "command-not-found",
            Fault::MissingSecret => "missing-env-or-config",
            Fault::ImagePull => "image-pull",
            Fault::GoPanic | Fault::PyTrace | Fault::DepUnreach | Fault::DnsLoop => "no-logs",
            Fault::None | Fault::Completed => return None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    Go,
    Python,
    Java,
    Node,
    Nginx,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Platform {
    App,
    AwsNode,
    CalicoNode,
    KubeProxy,
    NodeLocalDns,
    CoreDns,
}

/// A signature line planted in the middle of a running platform pod's log.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sig {
    None,
    Ipamd,
    CalicoRbac,
    CorednsUpstream,
}

#[derive(Clone, Debug)]
struct CSpec {
    name: String,
    image: String,
    image_digest: String,
    lang: Lang,
    port: i64,
    mem_limit_mi: i64,
    cpu_m: i64,
    command: Vec<String>,
    args: Vec<String>,
}

#[derive(Clone, Debug)]
struct PodPlan {
    name: String,
    uid: String,
    node: usize,
    created: i64,
    ip: String,
    /// Bytes of each container's current log (0: no log file).
    logs: Vec<u64>,
    /// The crashed instance's log (the faulty container's `-previous.log`, same text as current).
    prev_log: u64,
    sig: Sig,
    fault: Fault,
    restarts: i64,
    last_started: i64,
    last_finished: i64,
    loop_started: i64,
    prefix_logs: bool,
}

#[derive(Clone, Debug)]
struct Workload {
    kind: &'static str,
    name: String,
    uid: String,
    hash: String,
    rs_uid: String,
    old_hash: Option<(String, String)>,
    revision: i64,
    containers: Vec<CSpec>,
    fault: Fault,
    platform: Platform,
    created: i64,
    rolled: i64,
    secret: String,
    pods: Vec<PodPlan>,
}

#[derive(Clone, Debug)]
struct NodePlan {
    name: String,
    ip: String,
    zone: String,
    itype: &'static str,
    created: i64,
    uid: String,
    pod_cidr: String,
}

struct Plan {
    nodes: Vec<NodePlan>,
    namespaces: Vec<(String, Vec<Workload>)>,
    expected: Vec<String>,
    expected_pods_only: Vec<String>,
    seed: u64,
    events: usize,
    pods: usize,
}

const NS_A: &[&str] = &[
    "shop",
    "payments",
    "orders",
    "search",
    "catalog",
    "billing",
    "identity",
    "media",
    "ledger",
    "analytics",
    "notify",
    "inventory",
    "pricing",
    "reco",
    "fraud",
    "shipping",
    "loyalty",
    "reviews",
    "cart",
    "gateway",
];
const NS_B: &[&str] = &["prod", "api", "batch", "stream", "ops", "edge", "data", "jobs", "core", "web"];
const APPS: &[&str] = &[
    "api",
    "web",
    "worker",
    "gateway",
    "indexer",
    "scheduler",
    "consumer",
    "producer",
    "ledger",
    "notifier",
    "renderer",
    "cache-warmer",
    "auth",
    "session",
    "pricing",
    "inventory",
    "recommender",
    "search",
    "thumbnailer",
    "exporter",
    "sync",
    "webhook",
    "mailer",
    "billing",
    "reporter",
    "importer",
    "router",
    "checkout",
    "cart",
    "profile",
];

fn ns_name(i: usize) -> String {
    let base = format!("{}-{}", NS_A[i % NS_A.len()], NS_B[(i / NS_A.len()) % NS_B.len()]);
    let round = i / (NS_A.len() * NS_B.len());
    if round == 0 { base } else { format!("{base}-{round}") }
}

fn version(r: &mut Rng) -> (i64, i64, i64) {
    (r.range(1, 7), r.range(0, 40), r.range(0, 12))
}

fn app_container(r: &mut Rng, ns: &str, app: &str, lang: Lang) -> CSpec {
    let (ma, mi, pa) = version(r);
    let image = format!("registry.example.com/{ns}/{app}:{ma}.{mi}.{pa}");
    let (command, args): (Vec<String>, Vec<String>) = match lang {
        Lang::Go => (
            vec![format!("/usr/local/bin/{app}")],
            vec!["--config=/etc/app/config.yaml".into(), "--log-format=json".into()],
        ),
        Lang::Python => (
            vec!["gunicorn".into()],
            vec!["--bind=0.0.0.0:8080".into(), "--workers=4".into(), format!("{}.wsgi:app", app.replace('-', "_"))],
        ),
        Lang::Java => (vec![], vec!["-XX:MaxRAMPercentage=75.0".into(), "-jar".into(), format!("/app/{app}.jar")]),
        Lang::Node => (vec!["node".into()], vec!["dist/server.js".into()]),
        Lang::Nginx => (vec![], vec![]),
    };
    CSpec {
        name: app.to_string(),
        image_digest: r.hex(64),
        image,
        lang,
        port: if lang == Lang::Nginx { 80 } else { 8080 },
        mem_limit_mi: *r.pick(&[128, 256, 256, 512, 512, 1024, 2048]),
        cpu_m: *r.pick(&[100, 200, 250, 500, 1000]),
        command,
        args,
    }
}

fn sidecar(r: &mut Rng, which: usize) -> CSpec {
    let (name, image, lang) = match which % 3 {
        0 => ("envoy", "docker.io/envoyproxy/envoy:v1.31.2", Lang::Nginx),
        1 => ("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", Lang::Go),
        _ => ("otel-agent", "docker.io/otel/opentelemetry-collector-contrib:0.111.0", Lang::Go),
    };
    CSpec {
        name: name.into(),
        image: image.into(),
        image_digest: r.hex(64),
        lang,
        port: [9901, 2020, 4317][which % 3],
        mem_limit_mi: 128,
        cpu_m: 100,
        command: vec![],
        args: vec![],
    }
}

fn platform_container(r: &mut Rng, name: &str, image: &str, lang: Lang, port: i64, mem: i64) -> CSpec {
    CSpec {
        name: name.into(),
        image: image.into(),
        image_digest: r.hex(64),
        lang,
        port,
        mem_limit_mi: mem,
        cpu_m: 100,
        command: vec![],
        args: vec![],
    }
}

fn plan(cfg: &Config) -> Plan {
    let mut r = Rng::new(cfg.seed);
    let n_nodes = (cfg.pods / 30).max(3);
    let nodes: Vec<NodePlan> = (0..n_nodes)
        .map(|i| {
            let (a, b) = (16 + i / 250, 10 + i % 250);
            let zone = ["eu-west-1a", "eu-west-1b", "eu-west-1c"][i % 3];
            NodePlan {
                name: format!("ip-10-0-{a}-{b}.eu-west-1.compute.internal"),
                ip: format!("10.0.{a}.{b}"),
                zone: zone.into(),
                itype: ["m6i.2xlarge", "m6i.4xlarge", "c6i.4xlarge", "r6i.2xlarge"][r.below(4) as usize],
                created: SNAPSHOT - r.range(3 * 86_400, 30 * 86_400),
                uid: r.uuid(),
                pod_cidr: format!("10.{}.{}.0/24", 100 + i / 256, i % 256),
            }
        })
        .collect();
    let mut namespaces: Vec<(String, Vec<Workload>)> = Vec::new();

    // kube-system: the platform.
    let mut ks = Vec::new();
    let ds = |r: &mut Rng, name: &str, containers: Vec<CSpec>, platform: Platform| Workload {
        kind: "DaemonSet",
        name: name.into(),
        uid: r.uuid(),
        hash: r.k8s_suffix(10),
        rs_uid: String::new(),
        old_hash: None,
        revision: r.range(1, 6),
        containers,
        fault: Fault::None,
        platform,
        created: SNAPSHOT - 40 * 86_400,
        rolled: SNAPSHOT - r.range(4 * 86_400, 20 * 86_400),
        secret: String::new(),
        pods: Vec::new(),
    };
    let aws = vec![
        platform_container(
            &mut r,
            "aws-node",
            "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.18.6-eksbuild.1",
            Lang::Go,
            61678,
            0,
        ),
        platform_container(
            &mut r,
            "aws-eks-nodeagent",
            "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon/aws-network-policy-agent:v1.1.5-eksbuild.1",
            Lang::Go,
            8162,
            0,
        ),
    ];
    ks.push(ds(&mut r, "aws-node", aws, Platform::AwsNode));
    let calico = vec![platform_container(&mut r, "calico-node", "docker.io/calico/node:v3.28.2", Lang::Go, 9099, 0)];
    ks.push(ds(&mut r, "calico-node", calico, Platform::CalicoNode));
    let kp = vec![platform_container(
        &mut r,
        "kube-proxy",
        "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1.33.0-minimal-eksbuild.2",
        Lang::Go,
        10249,
        0,
    )];
    ks.push(ds(&mut r, "kube-proxy", kp, Platform::KubeProxy));
    let nld = vec![platform_container(
        &mut r,
        "node-cache",
        "registry.k8s.io/dns/k8s-dns-node-cache:1.23.1",
        Lang::Go,
        9253,
        128,
    )];
    ks.push(ds(&mut r, "node-local-dns", nld, Platform::NodeLocalDns));
    let mut coredns = {
        let c = platform_container(
            &mut r,
            "coredns",
            "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.11.3-eksbuild.1",
            Lang::Go,
            53,
            170,
        );
        ds(&mut r, "coredns", vec![c], Platform::CoreDns)
    };
    coredns.kind = "Deployment";
    coredns.hash = r.k8s_suffix(10);
    coredns.rs_uid = r.uuid();
    ks.push(coredns);
    // node-local-dns loops on a few nodes (a node group with a bad resolv.conf).
    let looping: Vec<usize> = {
        let step = (n_nodes / 3).max(1);
        (0..n_nodes.min(3)).map(|k| (k * step + 1) % n_nodes).collect()
    };
    for w in ks.iter_mut() {
        let replicas: Vec<usize> = if w.platform == Platform::CoreDns {
            vec![r.below(n_nodes as u64) as usize, r.below(n_nodes as u64) as usize]
        } else {
            (0..n_nodes).collect()
        };
        for (k, node) in replicas.into_iter().enumerate() {
            let name = if w.kind == "Deployment" {
                format!("{}-{}-{}", w.name, w.hash, r.k8s_suffix(5))
            } else {
                format!("{}-{}", w.name, r.k8s_suffix(5))
            };
            let fault = if w.platform == Platform::NodeLocalDns && looping.contains(&node) {
                Fault::DnsLoop
            } else {
                Fault::None
            };
            let sig = match w.platform {
                Platform::AwsNode if node % 10 == 3 || n_nodes < 4 && node == 0 => Sig::Ipamd,
                Platform::CalicoNode if node % 20 == 7 || n_nodes < 8 && node == 1 => Sig::CalicoRbac,
                Platform::CoreDns if k == 0 => Sig::CorednsUpstream,
                _ => Sig::None,
            };
            let created = nodes[node].created + r.range(20, 90);
            w.pods.push(new_pod(
                &mut r,
                name,
                node,
                created.max(w.rolled.min(created)),
                w.containers.len(),
                fault,
                sig,
                &nodes[node].ip,
            ));
        }
    }
    namespaces.push(("kube-system".into(), ks));

    // Applications.
    let platform_pods: usize = namespaces[0].1.iter().map(|w| w.pods.len()).sum();
    let app_pods = cfg.pods.saturating_sub(platform_pods).max(10);
    let n_ns = if cfg.namespaces > 0 { cfg.namespaces } else { (cfg.pods / 100).max(2) };
    let completed_total = (app_pods / 100).max(1);
    for i in 0..n_ns {
        let ns = ns_name(i);
        let mut budget = app_pods / n_ns + usize::from(i < app_pods % n_ns);
        let mut wls = Vec::new();
        let jobs = completed_total / n_ns + usize::from(i < completed_total % n_ns);
        for _ in 0..jobs.min(budget) {
            let app = format!("{}-report", r.pick(APPS));
            let run = 29_245_000 + r.below(900) as i64;
            let mut c = app_container(&mut r, &ns, &app, Lang::Python);
            c.name = "report".into();
            wls.push(Workload {
                kind: "Job",
                name: format!("{app}-{run}"),
                uid: r.uuid(),
                hash: String::new(),
                rs_uid: String::new(),
                old_hash: None,
                revision: 1,
                containers: vec![c],
                fault: Fault::Completed,
                platform: Platform::App,
                created: SNAPSHOT - r.range(600, 6 * 3600),
                rolled: 0,
                secret: String::new(),
                pods: Vec::new(),
            });
            budget -= 1;
        }
        let mut used: Vec<String> = Vec::new();
        while budget > 0 {
            let replicas = (*r.pick(&[1usize, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6])).min(budget);
            budget -= replicas;
            let mut app = r.pick(APPS).to_string();
            let mut n = 2;
            while used.contains(&app) {
                app = format!("{}-{n}", r.pick(APPS));
                n += 1;
            }
            used.push(app.clone());
            let n_containers = match r.below(100) {
                0..75 => 1,
                75..95 => 2,
                _ => 3,
            };
            let lang = *r.pick(&[
                Lang::Go,
                Lang::Go,
                Lang::Go,
                Lang::Java,
                Lang::Java,
                Lang::Python,
                Lang::Python,
                Lang::Node,
                Lang::Node,
                Lang::Nginx,
            ]);
            let mut containers = vec![app_container(&mut r, &ns, &app, lang)];
            let first = r.below(3) as usize;
            for k in 1..n_containers {
                containers.push(sidecar(&mut r, first + k));
            }
            let recent = r.chance(0.55);
            let rolled = if recent { SNAPSHOT - r.range(300, 3500) } else { SNAPSHOT - r.range(2 * 3600, 20 * 86_400) };
            let mut w = Workload {
                kind: "Deployment",
                name: app.clone(),
                uid: r.uuid(),
                hash: {
                    let n = r.range(9, 10) as usize;
                    r.k8s_suffix(n)
                },
                rs_uid: r.uuid(),
                old_hash: None,
                revision: r.range(1, 30),
                containers,
                fault: Fault::None,
                platform: Platform::App,
                created: rolled - r.range(86_400, 90 * 86_400),
                rolled,
                secret: format!("{app}-credentials"),
                pods: Vec::new(),
            };
            w.pods = (0..replicas).map(|_| PodPlan { name: String::new(), ..blank_pod() }).collect();
            wls.push(w);
        }
        namespaces.push((ns, wls));
    }

    // Faults: walk the Deployments in a shuffled order.
    let mut order: Vec<(usize, usize)> = Vec::new();
    for (ni, (_, wls)) in namespaces.iter().enumerate().skip(1) {
        for (wi, w) in wls.iter().enumerate() {
            if w.kind == "Deployment" && w.pods.len() <= 4 {
                order.push((ni, wi));
            }
        }
    }
    for i in (1..order.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let cycle = [
        Fault::Oom,
        Fault::DepUnreach,
        Fault::GoPanic,
        Fault::PyTrace,
        Fault::CmdNotFound,
        Fault::Oom,
        Fault::DepUnreach,
        Fault::GoPanic,
        Fault::Oom,
        Fault::DepUnreach,
        Fault::PyTrace,
        Fault::CmdNotFound,
    ];
    let crash_target = (app_pods * 3).div_ceil(100).max(5);
    let pull_target = app_pods.div_ceil(100).max(1);
    let secret_target = app_pods.div_ceil(200).max(1);
    let (mut crashed, mut pulled, mut secrets, mut k) = (0usize, 0usize, 0usize, 0usize);
    for &(ni, wi) in &order {
        let w = &mut namespaces[ni].1[wi];
        let fault = if crashed < crash_target || k < 5 {
            let f = cycle[k % cycle.len()];
            k += 1;
            crashed += w.pods.len();
            f
        } else if pulled < pull_target {
            pulled += w.pods.len();
            Fault::ImagePull
        } else if secrets < secret_target {
            secrets += w.pods.len();
            Fault::MissingSecret
        } else {
            break;
        };
        w.fault = fault;
        let lang = match fault {
            Fault::GoPanic => Lang::Go,
            Fault::PyTrace => Lang::Python,
            _ if w.containers[0].lang == Lang::Nginx => Lang::Go,
            _ => w.containers[0].lang,
        };
        let ns = namespaces[ni].0.clone();
        let w = &mut namespaces[ni].1[wi];
        let old_image = w.containers[0].image.clone();
        w.containers[0] = app_container(&mut r, &ns, &w.name, lang);
        if fault.crash_loops() || fault == Fault::ImagePull {
            w.rolled = SNAPSHOT - r.range(25 * 60, 3 * 3600);
            if fault == Fault::ImagePull {
                w.rolled = SNAPSHOT - r.range(8 * 60, 50 * 60);
            }
            // Most failing rollouts have the healthy revision before them.
            if r.chance(0.7) {
                w.old_hash = Some((r.k8s_suffix(10), r.uuid()));
                if old_image == w.containers[0].image {
                    w.containers[0].image.push_str("-1");
                }
            }
        } else {
            w.rolled = SNAPSHOT - r.range(10 * 60, 50 * 60);
        }
        if fault == Fault::ImagePull {
            let (ma, mi, _) = version(&mut r);
            w.containers[0].image = format!("registry.example.com/{ns}/{}:{ma}.{mi}.0-rc{}", w.name, r.range(1, 9));
        }
        if fault == Fault::CmdNotFound {
            w.containers[0].command = vec![format!("/usr/local/bin/{}-server", w.name)];
        }
    }

    // Pods of the applications.
    for (ni, (ns, wls)) in namespaces.iter_mut().enumerate().skip(1) {
        let _ = ni;
        for w in wls.iter_mut() {
            let n = if w.kind == "Job" { 1 } else { w.pods.len() };
            let mut pods = Vec::with_capacity(n);
            for _ in 0..n {
                let node = r.below(nodes.len() as u64) as usize;
                let name = if w.kind == "Job" {
                    format!("{}-{}", w.name, r.k8s_suffix(5))
                } else {
                    format!("{}-{}-{}", w.name, w.hash, r.k8s_suffix(5))
                };
                let created = if w.kind == "Job" { w.created + r.range(0, 2) } else { w.rolled + r.range(0, 40) };
                pods.push(new_pod(
                    &mut r,
                    name,
                    node,
                    created,
                    w.containers.len(),
                    w.fault,
                    Sig::None,
                    &nodes[node].ip,
                ));
            }
            w.pods = pods;
            let _ = ns;
        }
    }

    plan_logs(&mut r, cfg, &mut namespaces);

    let mut expected = Vec::new();
    let mut expected_pods_only = Vec::new();
    for (ns, wls) in &namespaces {
        for w in wls {
            let faults: std::collections::BTreeSet<_> = w.pods.iter().map(|p| p.fault).collect();
            for f in faults {
                let c = &w.containers[0].name;
                if let Some(cause) = f.cause() {
                    expected.push(format!("{cause}/{ns}/{}/{}/{c}", w.kind, w.name));
                }
                if let Some(cause) = f.cause_pods_only() {
                    expected_pods_only.push(format!("{cause}/{ns}/{}/{}/{c}", w.kind, w.name));
                }
            }
            let sigs: std::collections::BTreeSet<_> = w.pods.iter().map(|p| p.sig as u8).collect();
            for sig in sigs {
                let cause = match sig {
                    x if x == Sig::Ipamd as u8 => "cni-ip-exhaustion",
                    x if x == Sig::CalicoRbac as u8 => "calico-failure",
                    x if x == Sig::CorednsUpstream as u8 => "dns-upstream-unreachable",
                    _ => continue,
                };
                expected.push(format!("{cause}/{ns}/{}/{}/{}", w.kind, w.name, w.containers[0].name));
            }
        }
    }
    expected.sort();
    expected.dedup();
    expected_pods_only.sort();
    expected_pods_only.dedup();
    Plan { nodes, namespaces, expected, expected_pods_only, seed: cfg.seed, events: cfg.events, pods: cfg.pods }
}

fn blank_pod() -> PodPlan {
    PodPlan {
        name: String::new(),
        uid: String::new(),
        node: 0,
        created: 0,
        ip: String::new(),
        logs: Vec::new(),
        prev_log: 0,
        sig: Sig::None,
        fault: Fault::None,
        restarts: 0,
        last_started: 0,
        last_finished: 0,
        loop_started: 0,
        prefix_logs: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn new_pod(
    r: &mut Rng,
    name: String,
    node: usize,
    created: i64,
    containers: usize,
    fault: Fault,
    sig: Sig,
    node_ip: &str,
) -> PodPlan {
    let mut p = blank_pod();
    p.uid = r.uuid();
    p.name = name;
    p.node = node;
    p.created = created;
    p.ip = r.ip(10, 100 + (node % 100) as u8);
    let _ = node_ip;
    p.logs = vec![0; containers];
    p.fault = fault;
    p.sig = sig;
    p.prefix_logs = r.chance(0.5);
    if fault.crash_loops() {
        let since = (SNAPSHOT - created).max(120);
        p.loop_started = created + r.range(5, 40).min(since / 2);
        let elapsed = SNAPSHOT - p.loop_started;
        let run = match fault {
            Fault::Oom => r.range(20, 140),
            Fault::CmdNotFound => 0,
            _ => r.range(1, 8),
        };
        // 10 s doubling to 5 min, then every 5 min plus the run.
        let mut t = 0;
        let mut backoff = 10;
        let mut n = 0;
        while t + backoff + run < elapsed {
            t += backoff + run;
            backoff = (backoff * 2).min(300);
            n += 1;
        }
        p.restarts = n.max(1);
        p.last_finished = (p.loop_started + t).min(SNAPSHOT - 5).max(p.loop_started + run);
        p.last_started = p.last_finished - run;
    }
    p
}

/// Spreads `--log-mb` over the crash logs, the platform logs and ≈ pods/3 application logs.
fn plan_logs(r: &mut Rng, cfg: &Config, namespaces: &mut [(String, Vec<Workload>)]) {
    let total = (cfg.log_mb * 1_048_576.0) as u64;
    let cap = (cfg.pods / 3).clamp(1, 20_000);
    let mut files = 0usize;
    let mut crash_bytes = 0u64;
    for (_, wls) in namespaces.iter_mut() {
        for w in wls.iter_mut() {
            for p in w.pods.iter_mut().filter(|p| p.fault.crash_loops()) {
                p.prev_log = match p.fault {
                    Fault::CmdNotFound => 0,
                    Fault::DnsLoop => 600,
                    Fault::Oom => r.range(8_000, 160_000) as u64,
                    _ => r.range(3_000, 48_000) as u64,
                };
                crash_bytes += 2 * p.prev_log;
                files += 2;
            }
        }
    }
    let rest = total.saturating_sub(crash_bytes).max(64 * 1024);
    // (namespace, workload, pod, container, weight)
    let mut platform: Vec<(usize, usize, usize, usize, f64)> = Vec::new();
    let mut apps: Vec<(usize, usize, usize, usize, f64)> = Vec::new();
    for (ni, (_, wls)) in namespaces.iter().enumerate() {
        for (wi, w) in wls.iter().enumerate() {
            for (pi, p) in w.pods.iter().enumerate() {
                if p.fault.crash_loops() || matches!(p.fault, Fault::ImagePull | Fault::MissingSecret) {
                    continue;
                }
                let weight = match w.platform {
                    Platform::AwsNode | Platform::CalicoNode => 3.0,
                    Platform::CoreDns => 40.0,
                    Platform::KubeProxy => 1.0,
                    Platform::NodeLocalDns => 0.5,
                    Platform::App => 0.3 + (-(r.unit().max(1e-9)).ln()).powf(1.6),
                } * if p.sig != Sig::None { 2.0 } else { 1.0 };
                if w.platform == Platform::App {
                    let c = if w.containers.len() > 1 && r.chance(0.2) {
                        1 + r.below(w.containers.len() as u64 - 1) as usize
                    } else {
                        0
                    };
                    apps.push((ni, wi, pi, c, weight));
                } else {
                    platform.push((ni, wi, pi, 0, weight));
                }
            }
        }
    }
    files += platform.len();
    let n_apps = cap.saturating_sub(files).min(apps.len());
    for i in (1..apps.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        apps.swap(i, j);
    }
    apps.truncate(n_apps);
    apps.sort_by_key(|a| (a.0, a.1, a.2));
    let platform_share = if apps.is_empty() { 1.0 } else { 0.25 };
    for (list, share) in [(&platform, platform_share), (&apps, 1.0 - platform_share)] {
        let sum: f64 = list.iter().map(|x| x.4).sum();
        for &(ni, wi, pi, c, weight) in list.iter() {
            let bytes = ((rest as f64) * share * weight / sum) as u64;
            let p = &mut namespaces[ni].1[wi].pods[pi];
            p.logs[c] = bytes.max(if p.sig != Sig::None { 8_192 } else { 1_024 });
        }
    }
}

// ---------------------------------------------------------------------------
// Kubernetes objects
// ---------------------------------------------------------------------------

/// managedFields' `fieldsV1` for an object: every key as `f:key`, list items
/// keyed by their name / type / ip / containerPort.
fn fields_v1(v: &V, depth: usize) -> V {
    match v {
        V::O(pairs) => {
            let mut out: Vec<(K, V)> = Vec::with_capacity(pairs.len() + 1);
            out.push((Cow::Borrowed("."), empty()));
            for (k, item) in pairs {
                out.push((Cow::Owned(format!("f:{k}")), fields_v1_leaf(item, depth)));
            }
            V::O(out)
        }
        _ => empty(),
    }
}

/// `depth` levels below are spelled out; deeper, a field is `{}`.
fn fields_v1_leaf(v: &V, depth: usize) -> V {
    if depth == 0 {
        return empty();
    }
    match v {
        V::O(p) if !p.is_empty() => fields_v1(v, depth - 1),
        V::A(items) if items.iter().all(|i| matches!(i, V::O(_))) && !items.is_empty() => {
            let mut out: Vec<(K, V)> = vec![(Cow::Borrowed("."), empty())];
            for item in items {
                let V::O(p) = item else { continue };
                let key = ["name", "type", "ip", "containerPort", "key", "mountPath"].iter().find_map(|k| {
                    p.iter().find(|(pk, _)| pk == k).map(|(pk, pv)| match pv {
                        V::S(x) => format!("k:{{\"{pk}\":\"{x}\"}}"),
                        V::I(i) => format!("k:{{\"{pk}\":{i}}}"),
                        _ => format!("k:{{\"{pk}\":null}}"),
                    })
                });
                let Some(key) = key else { continue };
                if out.iter().any(|(k, _)| k == &key) {
                    continue;
                }
                out.push((Cow::Owned(key), fields_v1(item, depth - 1)));
            }
            V::O(out)
        }
        _ => empty(),
    }
}

fn quantity_mi(mi: i64) -> String {
    if mi >= 1024 && mi % 1024 == 0 { format!("{}Gi", mi / 1024) } else { format!("{mi}Mi") }
}

fn container_spec(r: &mut Rng, ns: &str, w: &Workload, c: &CSpec, main: bool, sa_volume: &str) -> V {
    let mut f: Vec<(&'static str, V)> = vec![("name", s(&c.name)), ("image", s(&c.image))];
    if !c.command.is_empty() {
        f.push(("command", V::A(c.command.iter().map(s).collect())));
    }
    if !c.args.is_empty() {
        f.push(("args", V::A(c.args.iter().map(s).collect())));
    }
    let mut ports = vec![o([
        ("name", s(if c.port == 53 { "dns" } else { "http" })),
        ("containerPort", V::I(c.port)),
        ("protocol", s(if c.port == 53 { "UDP" } else { "TCP" })),
    ])];
    if main && w.platform == Platform::App {
        ports.push(o([("name", s("metrics")), ("containerPort", V::I(9090)), ("protocol", s("TCP"))]));
    }
    f.push(("ports", V::A(ports)));
    let field = |name: &str, path: &str| {
        o([("name", s(name)), ("valueFrom", o([("fieldRef", o([("apiVersion", s("v1")), ("fieldPath", s(path))]))]))])
    };
    let mut env = Vec::new();
    if w.platform == Platform::App && main {
        env.push(o([("name", s("APP_ENV")), ("value", s("production"))]));
        env.push(o([("name", s("HTTP_ADDR")), ("value", s(format!(":{}", c.port)))]));
        env.push(o([("name", s("OTEL_SERVICE_NAME")), ("value", s(format!("{}.{ns}", w.name)))]));
        env.push(field("POD_NAME", "metadata.name"));
        env.push(field("POD_NAMESPACE", "metadata.namespace"));
        env.push(field("NODE_NAME", "spec.nodeName"));
        env.push(o([
            ("name", s("DATABASE_URL")),
            ("valueFrom", o([("secretKeyRef", o([("name", s(&w.secret)), ("key", s("database-url"))]))])),
        ]));
        env.push(o([
            ("name", s("FEATURE_FLAGS")),
            (
                "valueFrom",
                o([("configMapKeyRef", o([("name", s(format!("{}-config", w.name))), ("key", s("feature-flags"))]))]),
            ),
        ]));
    } else {
        env.push(field("MY_NODE_NAME", "spec.nodeName"));
        env.push(field("MY_POD_NAME", "metadata.name"));
        if w.platform == Platform::AwsNode && main {
            for (k, v) in [
                ("AWS_VPC_K8S_CNI_LOGLEVEL", "DEBUG"),
                ("AWS_VPC_K8S_CNI_LOG_FILE", "stdout"),
                ("ENABLE_PREFIX_DELEGATION", "false"),
                ("WARM_ENI_TARGET", "1"),
                ("AWS_VPC_ENI_MTU", "9001"),
            ] {
                env.push(o([("name", s(k)), ("value", s(v))]));
            }
        }
        if w.platform == Platform::CalicoNode {
            for (k, v) in [
                ("DATASTORE_TYPE", "kubernetes"),
                ("CALICO_NETWORKING_BACKEND", "none"),
                ("FELIX_LOGSEVERITYSCREEN", "info"),
                ("IP", "autodetect"),
            ] {
                env.push(o([("name", s(k)), ("value", s(v))]));
            }
        }
    }
    f.push(("env", V::A(env)));
    let cpu = format!("{}m", c.cpu_m);
    let mut res: Vec<(&'static str, V)> = Vec::new();
    if c.mem_limit_mi > 0 {
        res.push((
            "limits",
            o([
                ("cpu", s(if c.cpu_m >= 1000 { format!("{}", c.cpu_m / 1000) } else { cpu.clone() })),
                ("memory", s(quantity_mi(c.mem_limit_mi))),
            ]),
        ));
        res.push((
            "requests",
            o([("cpu", s(format!("{}m", c.cpu_m / 2))), ("memory", s(quantity_mi(c.mem_limit_mi / 2)))]),
        ));
    } else {
        res.push(("requests", o([("cpu", s("25m"))])));
    }
    f.push(("resources", ov(res)));
    let mut mounts = Vec::new();
    if w.platform == Platform::App && main {
        mounts.push(o([("name", s("config")), ("readOnly", V::B(true)), ("mountPath", s("/etc/app"))]));
    }
    mounts.push(o([
        ("name", s(sa_volume)),
        ("readOnly", V::B(true)),
        ("mountPath", s("/var/run/secrets/kubernetes.io/serviceaccount")),
    ]));
    f.push(("volumeMounts", V::A(mounts)));
    if c.port != 53 && w.kind != "Job" {
        let port = if c.port == 53 { V::I(8080) } else { s("http") };
        let probe = |path: &str, delay: i64, r: &mut Rng| {
            o([
                ("httpGet", o([("path", s(path)), ("port", port.clone()), ("scheme", s("HTTP"))])),
                ("initialDelaySeconds", V::I(delay)),
                ("timeoutSeconds", V::I(*r.pick(&[1, 1, 2, 5]))),
                ("periodSeconds", V::I(10)),
                ("successThreshold", V::I(1)),
                ("failureThreshold", V::I(3)),
            ])
        };
        f.push(("livenessProbe", probe("/healthz", 15, r)));
        f.push(("readinessProbe", probe("/ready", 5, r)));
    } else if c.port == 53 {
        f.push((
            "livenessProbe",
            o([
                ("httpGet", o([("path", s("/health")), ("port", V::I(8080)), ("scheme", s("HTTP"))])),
                ("initialDelaySeconds", V::I(60)),
                ("timeoutSeconds", V::I(5)),
                ("periodSeconds", V::I(10)),
                ("successThreshold", V::I(1)),
                ("failureThreshold", V::I(5)),
            ]),
        ));
        f.push((
            "readinessProbe",
            o([
                ("httpGet", o([("path", s("/ready")), ("port", V::I(8181)), ("scheme", s("HTTP"))])),
                ("timeoutSeconds", V::I(1)),
                ("periodSeconds", V::I(10)),
                ("successThreshold", V::I(1)),
                ("failureThreshold", V::I(3)),
            ]),
        ));
    }
    f.push(("terminationMessagePath", s("/dev/termination-log")));
    f.push(("terminationMessagePolicy", s("File")));
    f.push(("imagePullPolicy", s("IfNotPresent")));
    f.push((
        "securityContext",
        if w.platform == Platform::App {
            o([
                ("capabilities", o([("drop", strs(&["ALL"]))])),
                ("runAsNonRoot", V::B(true)),
                ("readOnlyRootFilesystem", V::B(true)),
                ("allowPrivilegeEscalation", V::B(false)),
            ])
        } else {
            o([
                ("capabilities", o([("add", strs(&["NET_ADMIN", "NET_RAW"]))])),
                ("privileged", V::B(w.platform == Platform::CalicoNode)),
            ])
        },
    ));
    ov(f)
}

fn host_network(w: &Workload) -> bool {
    matches!(w.platform, Platform::AwsNode | Platform::CalicoNode | Platform::KubeProxy | Platform::NodeLocalDns)
}

fn pod_spec(r: &mut Rng, ns: &str, w: &Workload, node: Option<&str>, sa_volume: &str) -> V {
    let mut volumes = Vec::new();
    if w.platform == Platform::App {
        volumes.push(o([
            ("name", s("config")),
            ("configMap", o([("name", s(format!("{}-config", w.name))), ("defaultMode", V::I(420))])),
        ]));
    }
    volumes.push(o([
        ("name", s(sa_volume)),
        (
            "projected",
            o([
                (
                    "sources",
                    V::A(vec![
                        o([("serviceAccountToken", o([("expirationSeconds", V::I(3607)), ("path", s("token"))]))]),
                        o([(
                            "configMap",
                            o([
                                ("name", s("kube-root-ca.crt")),
                                ("items", V::A(vec![o([("key", s("ca.crt")), ("path", s("ca.crt"))])])),
                            ]),
                        )]),
                        o([(
                            "downwardAPI",
                            o([(
                                "items",
                                V::A(vec![o([
                                    ("path", s("namespace")),
                                    ("fieldRef", o([("apiVersion", s("v1")), ("fieldPath", s("metadata.namespace"))])),
                                ])]),
                            )]),
                        )]),
                    ]),
                ),
                ("defaultMode", V::I(420)),
            ]),
        ),
    ]));
    let containers: Vec<V> =
        w.containers.iter().enumerate().map(|(i, c)| container_spec(r, ns, w, c, i == 0, sa_volume)).collect();
    let sa = w.name.clone();
    let mut f: Vec<(&'static str, V)> = vec![
        ("volumes", V::A(volumes)),
        ("containers", V::A(containers)),
        ("restartPolicy", s(if w.kind == "Job" { "Never" } else { "Always" })),
        ("terminationGracePeriodSeconds", V::I(30)),
        (
            "dnsPolicy",
            s(if host_network(w) {
                "ClusterFirstWithHostNet"
            } else if w.platform == Platform::CoreDns {
                "Default"
            } else {
                "ClusterFirst"
            }),
        ),
        ("serviceAccountName", s(&sa)),
        ("serviceAccount", s(&sa)),
    ];
    if let Some(node) = node {
        f.push(("nodeName", s(node)));
    }
    if host_network(w) {
        f.push(("hostNetwork", V::B(true)));
    }
    f.push((
        "securityContext",
        if w.platform == Platform::App {
            o([("runAsUser", V::I(10001)), ("runAsGroup", V::I(10001)), ("fsGroup", V::I(10001))])
        } else {
            empty()
        },
    ));
    f.push(("schedulerName", s("default-scheduler")));
    let tol = |key: &str, effect: &str, secs: Option<i64>| {
        let mut t = vec![("key", s(key)), ("operator", s("Exists")), ("effect", s(effect))];
        if let Some(x) = secs {
            t.push(("tolerationSeconds", V::I(x)));
        }
        ov(t)
    };
    let tolerations = if w.platform == Platform::App {
        vec![
            tol("node.kubernetes.io/not-ready", "NoExecute", Some(300)),
            tol("node.kubernetes.io/unreachable", "NoExecute", Some(300)),
        ]
    } else {
        vec![
            o([("operator", s("Exists"))]),
            tol("node.kubernetes.io/not-ready", "NoExecute", None),
            tol("node.kubernetes.io/unreachable", "NoExecute", None),
            tol("node.kubernetes.io/disk-pressure", "NoSchedule", None),
            tol("node.kubernetes.io/memory-pressure", "NoSchedule", None),
            tol("node.kubernetes.io/pid-pressure", "NoSchedule", None),
            tol("node.kubernetes.io/unschedulable", "NoSchedule", None),
        ]
    };
    f.push(("tolerations", V::A(tolerations)));
    if w.platform != Platform::App {
        f.push(("priorityClassName", s("system-node-critical")));
        f.push(("priority", V::I(2_000_001_000)));
    } else {
        f.push(("priority", V::I(0)));
    }
    f.push(("enableServiceLinks", V::B(true)));
    f.push(("preemptionPolicy", s("PreemptLowerPriority")));
    ov(f)
}

fn labels(w: &Workload, ns: &str, hash: &str) -> V {
    match w.kind {
        "DaemonSet" => od(vec![
            ("app.kubernetes.io/name".into(), s(&w.name)),
            ("controller-revision-hash".into(), s(hash)),
            ("k8s-app".into(), s(&w.name)),
            ("pod-template-generation".into(), s(format!("{}", w.revision))),
        ]),
        "Job" => od(vec![
            ("batch.kubernetes.io/controller-uid".into(), s(&w.uid)),
            ("batch.kubernetes.io/job-name".into(), s(&w.name)),
            ("controller-uid".into(), s(&w.uid)),
            ("job-name".into(), s(&w.name)),
        ]),
        _ if w.platform == Platform::CoreDns => od(vec![
            ("eks.amazonaws.com/component".into(), s("coredns")),
            ("k8s-app".into(), s("kube-dns")),
            ("pod-template-hash".into(), s(hash)),
        ]),
        _ => od(vec![
            ("app".into(), s(&w.name)),
            ("app.kubernetes.io/instance".into(), s(format!("{}-{ns}", w.name))),
            ("app.kubernetes.io/managed-by".into(), s("Helm")),
            ("app.kubernetes.io/name".into(), s(&w.name)),
            ("app.kubernetes.io/part-of".into(), s(ns)),
            ("app.kubernetes.io/version".into(), s(w.containers[0].image.rsplit(':').next().unwrap_or("1.0.0"))),
            ("pod-template-hash".into(), s(hash)),
            ("team".into(), s(NS_A[(fnv(ns) % NS_A.len() as u64) as usize])),
        ]),
    }
}

fn annotations(r: &mut Rng, w: &Workload) -> V {
    if w.platform != Platform::App {
        return od(vec![("kubectl.kubernetes.io/restartedAt".into(), s(ts(w.rolled)))]);
    }
    od(vec![
        ("checksum/config".into(), s(format!("{:016x}{}", fnv(&w.name), r.hex(48)))),
        ("kubectl.kubernetes.io/restartedAt".into(), s(ts(w.rolled - 3600))),
        ("prometheus.io/path".into(), s("/metrics")),
        ("prometheus.io/port".into(), s("9090")),
        ("prometheus.io/scrape".into(), s("true")),
    ])
}

fn terminated(exit: i64, reason: &str, message: Option<String>, started: &str, finished: i64, id: &str) -> V {
    let mut t = vec![("exitCode", V::I(exit)), ("reason", s(reason))];
    if let Some(m) = message {
        t.push(("message", s(m)));
    }
    t.push(("startedAt", s(started)));
    t.push(("finishedAt", s(ts(finished))));
    t.push(("containerID", s(format!("containerd://{id}"))));
    o([("terminated", ov(t))])
}

fn exit_of(f: Fault) -> (i64, &'static str) {
    match f {
        Fault::Oom => (137, "OOMKilled"),
        Fault::GoPanic => (2, "Error"),
        Fault::CmdNotFound => (128, "StartError"),
        _ => (1, "Error"),
    }
}

fn start_error(c: &CSpec, variant: bool) -> String {
    let bin = c.command.first().cloned().unwrap_or_else(|| "/app/start".into());
    if variant {
        let short = bin.rsplit('/').next().unwrap_or(&bin).to_string();
        format!(
            "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"{short}\": executable file not found in $PATH: unknown"
        )
    } else {
        format!(
            "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"{bin}\": stat {bin}: no such file or directory: unknown"
        )
    }
}

fn pull_error(image: &str) -> String {
    let repo = image.split(':').next().unwrap_or(image);
    format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found (repository {repo})"
    )
}

fn pod_object(r: &mut Rng, ns: &str, w: &Workload, p: &PodPlan, nodes: &[NodePlan]) -> V {
    let node = &nodes[p.node];
    let sa_volume = format!("kube-api-access-{}", r.k8s_suffix(5));
    let hash = &w.hash;
    let mut meta: Vec<(&'static str, V)> = vec![("name", s(&p.name))];
    let generate = match w.kind {
        "DaemonSet" => format!("{}-", w.name),
        "Job" => format!("{}-", w.name),
        _ => format!("{}-{hash}-", w.name),
    };
    meta.push(("generateName", s(generate)));
    meta.push(("namespace", s(ns)));
    meta.push(("uid", s(&p.uid)));
    meta.push(("resourceVersion", s(format!("{}", 80_000_000 + r.below(9_000_000)))));
    meta.push(("creationTimestamp", s(ts(p.created))));
    meta.push(("labels", labels(w, ns, hash)));
    meta.push(("annotations", annotations(r, w)));
    let (owner_kind, owner_name, owner_uid, api) = match w.kind {
        "DaemonSet" => ("DaemonSet", w.name.clone(), w.uid.clone(), "apps/v1"),
        "Job" => ("Job", w.name.clone(), w.uid.clone(), "batch/v1"),
        _ => ("ReplicaSet", format!("{}-{hash}", w.name), w.rs_uid.clone(), "apps/v1"),
    };
    meta.push((
        "ownerReferences",
        V::A(vec![o([
            ("apiVersion", s(api)),
            ("kind", s(owner_kind)),
            ("name", s(owner_name)),
            ("uid", s(owner_uid)),
            ("controller", V::B(true)),
            ("blockOwnerDeletion", V::B(true)),
        ])]),
    ));
    let spec = pod_spec(r, ns, w, Some(&node.name), &sa_volume);
    let status = pod_status(r, ns, w, p, node);
    // managedFields: the controller that created the pod, and the kubelet's status.
    let creator = match w.kind {
        "Job" => "job-controller",
        "DaemonSet" => "kube-controller-manager",
        _ => "kube-controller-manager",
    };
    let meta_fields = {
        let V::O(m) = fields_v1(
            &ov(meta
                .iter()
                .filter(|(k, _)| matches!(*k, "generateName" | "labels" | "annotations" | "ownerReferences"))
                .cloned()
                .collect()),
            0,
        ) else {
            unreachable!()
        };
        V::O(m.into_iter().skip(1).collect())
    };
    let spec_fields = {
        let V::O(m) = fields_v1(&spec, 1) else { unreachable!() };
        V::O(
            m.into_iter()
                .skip(1)
                .filter(|(k, _)| k != "f:nodeName")
                .map(|(k, v)| if k == "f:containers" { (k, v) } else { (k, empty()) })
                .collect(),
        )
    };
    let status_fields = {
        let V::O(m) = fields_v1(&status, 0) else { unreachable!() };
        V::O(m.into_iter().skip(1).collect())
    };
    let status_time = (p.last_finished.max(p.created + 30)).min(SNAPSHOT);
    meta.push((
        "managedFields",
        V::A(vec![
            o([
                ("manager", s(creator)),
                ("operation", s("Update")),
                ("apiVersion", s("v1")),
                ("time", s(ts(p.created))),
                ("fieldsType", s("FieldsV1")),
                ("fieldsV1", o([("f:metadata", meta_fields), ("f:spec", spec_fields)])),
            ]),
            o([
                ("manager", s("kubelet")),
                ("operation", s("Update")),
                ("apiVersion", s("v1")),
                ("time", s(ts(status_time))),
                ("fieldsType", s("FieldsV1")),
                ("fieldsV1", o([("f:status", status_fields)])),
                ("subresource", s("status")),
            ]),
        ]),
    ));
    o([("kind", s("Pod")), ("apiVersion", s("v1")), ("metadata", ov(meta)), ("spec", spec), ("status", status)])
}

fn pod_status(r: &mut Rng, ns: &str, w: &Workload, p: &PodPlan, node: &NodePlan) -> V {
    let scheduled = p.created + 1;
    let sandbox = p.created + r.range(2, 4);
    let ip = if host_network(w) { node.ip.clone() } else { p.ip.clone() };
    let faulty = p.fault != Fault::None;
    let mut statuses = Vec::new();
    let mut unready: Vec<String> = Vec::new();
    let mut last_ready = sandbox;
    for (i, c) in w.containers.iter().enumerate() {
        let id = r.hex(64);
        let image_id = format!("{}@sha256:{}", c.image.split(':').next().unwrap_or(&c.image), c.image_digest);
        let started_at = sandbox + r.range(1, 12) + i as i64;
        let fault = if i == 0 { p.fault } else { Fault::None };
        let (state, last, ready, restarts, started, image_id, cid) = match fault {
            Fault::None => {
                last_ready = last_ready.max(started_at + r.range(3, 20));
                (o([("running", o([("startedAt", s(ts(started_at)))]))]), empty(), true, 0, true, image_id, Some(id))
            }
            Fault::Completed => (
                terminated(0, "Completed", None, &ts(started_at), (started_at + r.range(20, 400)).min(SNAPSHOT), &id),
                empty(),
                false,
                0,
                false,
                image_id,
                Some(id),
            ),
            Fault::ImagePull => {
                let (reason, message) = if r.chance(0.5) {
                    (
                        "ImagePullBackOff",
                        format!("Back-off pulling image \"{}\": ErrImagePull: {}", c.image, pull_error(&c.image)),
                    )
                } else {
                    ("ErrImagePull", pull_error(&c.image))
                };
                (
                    o([("waiting", o([("reason", s(reason)), ("message", s(message))]))]),
                    empty(),
                    false,
                    0,
                    false,
                    String::new(),
                    None,
                )
            }
            Fault::MissingSecret => (
                o([(
                    "waiting",
                    o([
                        ("reason", s("CreateContainerConfigError")),
                        ("message", s(format!("secret \"{}\" not found", w.secret))),
                    ]),
                )]),
                empty(),
                false,
                0,
                false,
                String::new(),
                None,
            ),
            f => {
                let (exit, reason) = exit_of(f);
                let message = (f == Fault::CmdNotFound).then(|| start_error(c, fnv(&w.name) % 2 == 0));
                let started =
                    if f == Fault::CmdNotFound { "1970-01-01T00:00:00Z".to_string() } else { ts(p.last_started) };
                let backoff = match p.restarts {
                    0..=1 => "10s",
                    2 => "20s",
                    3 => "40s",
                    4 => "1m20s",
                    5 => "2m40s",
                    _ => "5m0s",
                };
                let waiting = o([(
                    "waiting",
                    o([
                        ("reason", s("CrashLoopBackOff")),
                        (
                            "message",
                            s(format!(
                                "back-off {backoff} restarting failed container={} pod={}_{}({})",
                                c.name, p.name, ns, p.uid
                            )),
                        ),
                    ]),
                )]);
                (
                    waiting,
                    terminated(exit, reason, message, &started, p.last_finished, &id),
                    false,
                    p.restarts,
                    false,
                    image_id,
                    Some(id),
                )
            }
        };
        if !ready {
            unready.push(c.name.clone());
        }
        let mut f: Vec<(&'static str, V)> = vec![
            ("name", s(&c.name)),
            ("state", state),
            ("lastState", last),
            ("ready", V::B(ready)),
            ("restartCount", V::I(restarts)),
            ("image", s(&c.image)),
            ("imageID", s(image_id)),
        ];
        if let Some(cid) = cid {
            f.push(("containerID", s(format!("containerd://{cid}"))));
        }
        f.push(("started", V::B(started)));
        if c.mem_limit_mi > 0 {
            let cpu = format!("{}m", c.cpu_m / 2);
            let mem = quantity_mi(c.mem_limit_mi / 2);
            f.push(("allocatedResources", o([("cpu", s(&cpu)), ("memory", s(&mem))])));
            f.push((
                "resources",
                o([
                    (
                        "limits",
                        o([
                            (
                                "cpu",
                                s(if c.cpu_m >= 1000 {
                                    format!("{}", c.cpu_m / 1000)
                                } else {
                                    format!("{}m", c.cpu_m)
                                }),
                            ),
                            ("memory", s(quantity_mi(c.mem_limit_mi))),
                        ]),
                    ),
                    ("requests", o([("cpu", s(cpu)), ("memory", s(mem))])),
                ]),
            ));
        }
        statuses.push(ov(f));
    }
    let completed = p.fault == Fault::Completed;
    let phase = if completed {
        "Succeeded"
    } else if matches!(p.fault, Fault::ImagePull | Fault::MissingSecret) && w.containers.len() == 1 {
        "Pending"
    } else {
        "Running"
    };
    let cond = |t: &str, status: bool, at: i64, reason: Option<&str>, message: Option<String>| {
        let mut c = vec![
            ("type", s(t)),
            ("status", s(if status { "True" } else { "False" })),
            ("lastProbeTime", V::Null),
            ("lastTransitionTime", s(ts(at.min(SNAPSHOT)))),
        ];
        if let Some(x) = reason {
            c.push(("reason", s(x)));
        }
        if let Some(m) = message {
            c.push(("message", s(m)));
        }
        ov(c)
    };
    let not_ready = format!("containers with unready status: [{}]", unready.join(" "));
    let changed = if faulty && !completed { p.last_finished.max(sandbox + 5) } else { last_ready };
    let (ready_reason, ready_msg) = if completed {
        (Some("PodCompleted"), None)
    } else if unready.is_empty() {
        (None, None)
    } else {
        (Some("ContainersNotReady"), Some(not_ready))
    };
    let conditions = vec![
        cond("PodReadyToStartContainers", !completed, sandbox, None, None),
        cond("Initialized", true, p.created + 1, if completed { Some("PodCompleted") } else { None }, None),
        cond("Ready", unready.is_empty(), changed, ready_reason, ready_msg.clone()),
        cond("ContainersReady", unready.is_empty(), changed, ready_reason, ready_msg),
        cond("PodScheduled", true, scheduled, None, None),
    ];
    let _ = faulty;
    ov(vec![
        ("phase", s(phase)),
        ("conditions", V::A(conditions)),
        ("hostIP", s(&node.ip)),
        ("hostIPs", V::A(vec![o([("ip", s(&node.ip))])])),
        ("podIP", s(&ip)),
        ("podIPs", V::A(vec![o([("ip", s(&ip))])])),
        ("startTime", s(ts(p.created + 1))),
        ("containerStatuses", V::A(statuses)),
        ("qosClass", s(if w.containers[0].mem_limit_mi > 0 { "Burstable" } else { "BestEffort" })),
    ])
}

fn older_image(image: &str) -> String {
    let (repo, tag) = image.rsplit_once(':').unwrap_or((image, "1.0.0"));
    let parts: Vec<i64> = tag.split(['.', '-']).filter_map(|x| x.parse().ok()).collect();
    match parts.as_slice() {
        [a, b, c, ..] if *b > 0 => format!("{repo}:{a}.{}.{c}", b - 1),
        [a, b, c, ..] => format!("{repo}:{a}.{b}.{}", c + 1),
        _ => format!("{repo}:previous"),
    }
}

fn template(r: &mut Rng, ns: &str, w: &Workload, hash: &str) -> V {
    let sa_volume = format!("kube-api-access-{}", r.k8s_suffix(5));
    let V::O(mut spec) = pod_spec(r, ns, w, None, &sa_volume) else { unreachable!() };
    // A template has no service-account volume: the admission plugin adds it to each pod.
    if let Some((_, V::A(vols))) = spec.iter_mut().find(|(k, _)| k == "volumes") {
        vols.retain(|v| !matches!(v, V::O(p) if p.iter().any(|(k, x)| k == "name" && matches!(x, V::S(n) if n.starts_with("kube-api-access")))));
    }
    if let Some((_, V::A(cs))) = spec.iter_mut().find(|(k, _)| k == "containers") {
        for c in cs.iter_mut() {
            if let V::O(p) = c {
                if let Some((_, V::A(m))) = p.iter_mut().find(|(k, _)| k == "volumeMounts") {
                    m.retain(|v| !matches!(v, V::O(p) if p.iter().any(|(k, x)| k == "name" && matches!(x, V::S(n) if n.starts_with("kube-api-access")))));
                }
            }
        }
    }
    let V::O(mut lbl) = labels(w, ns, hash) else { unreachable!() };
    if w.kind != "Deployment" {
        lbl.retain(|(k, _)| k != "pod-template-hash");
    }
    o([
        ("metadata", o([("creationTimestamp", V::Null), ("labels", V::O(lbl)), ("annotations", annotations(r, w))])),
        ("spec", V::O(spec)),
    ])
}

fn selector(w: &Workload) -> V {
    if w.platform == Platform::CoreDns {
        o([(
            "matchLabels",
            od(vec![("eks.amazonaws.com/component".into(), s("coredns")), ("k8s-app".into(), s("kube-dns"))]),
        )])
    } else {
        o([("matchLabels", od(vec![("app".into(), s(&w.name))]))])
    }
}

fn deployment_object(r: &mut Rng, ns: &str, w: &Workload) -> V {
    let replicas = w.pods.len() as i64;
    let ready = w.pods.iter().filter(|p| p.fault == Fault::None).count() as i64;
    let mut conditions = vec![o([
        ("type", s("Available")),
        ("status", s(if ready > 0 { "True" } else { "False" })),
        ("lastUpdateTime", s(ts(w.rolled + 60))),
        ("lastTransitionTime", s(ts(w.rolled + 60))),
        ("reason", s(if ready > 0 { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" })),
        (
            "message",
            s(if ready > 0 {
                "Deployment has minimum availability."
            } else {
                "Deployment does not have minimum availability."
            }),
        ),
    ])];
    let failing = ready < replicas;
    conditions.push(o([
        ("type", s("Progressing")),
        ("status", s(if failing && SNAPSHOT - w.rolled > 600 { "False" } else { "True" })),
        ("lastUpdateTime", s(ts(if failing { (w.rolled + 600).min(SNAPSHOT) } else { w.rolled + 60 }))),
        ("lastTransitionTime", s(ts(if failing { (w.rolled + 600).min(SNAPSHOT) } else { w.rolled }))),
        (
            "reason",
            s(if failing && SNAPSHOT - w.rolled > 600 { "ProgressDeadlineExceeded" } else { "NewReplicaSetAvailable" }),
        ),
        (
            "message",
            s(if failing && SNAPSHOT - w.rolled > 600 {
                format!("ReplicaSet \"{}-{}\" has timed out progressing.", w.name, w.hash)
            } else {
                format!("ReplicaSet \"{}-{}\" has successfully progressed.", w.name, w.hash)
            }),
        ),
    ]));
    let revision = if w.old_hash.is_some() { w.revision + 1 } else { w.revision };
    o([
        ("kind", s("Deployment")),
        ("apiVersion", s("apps/v1")),
        (
            "metadata",
            o([
                ("name", s(&w.name)),
                ("namespace", s(ns)),
                ("uid", s(&w.uid)),
                ("resourceVersion", s(format!("{}", 80_000_000 + r.below(9_000_000)))),
                ("generation", V::I(revision)),
                ("creationTimestamp", s(ts(w.created))),
                ("labels", od(vec![("app".into(), s(&w.name)), ("app.kubernetes.io/managed-by".into(), s("Helm"))])),
                (
                    "annotations",
                    od(vec![
                        ("deployment.kubernetes.io/revision".into(), s(format!("{revision}"))),
                        ("meta.helm.sh/release-name".into(), s(&w.name)),
                        ("meta.helm.sh/release-namespace".into(), s(ns)),
                    ]),
                ),
            ]),
        ),
        (
            "spec",
            o([
                ("replicas", V::I(replicas)),
                ("selector", selector(w)),
                ("template", template(r, ns, w, &w.hash)),
                (
                    "strategy",
                    o([
                        ("type", s("RollingUpdate")),
                        ("rollingUpdate", o([("maxUnavailable", s("25%")), ("maxSurge", s("25%"))])),
                    ]),
                ),
                ("revisionHistoryLimit", V::I(10)),
                ("progressDeadlineSeconds", V::I(600)),
            ]),
        ),
        (
            "status",
            o([
                ("observedGeneration", V::I(revision)),
                ("replicas", V::I(replicas)),
                ("updatedReplicas", V::I(replicas)),
                ("readyReplicas", V::I(ready)),
                ("availableReplicas", V::I(ready)),
                ("unavailableReplicas", V::I(replicas - ready)),
                ("conditions", V::A(conditions)),
            ]),
        ),
    ])
}

fn replicaset_object(r: &mut Rng, ns: &str, w: &Workload, old: bool) -> V {
    let (hash, uid, revision, created, replicas) = match (&w.old_hash, old) {
        (Some((h, u)), true) => (h.clone(), u.clone(), w.revision, w.created.max(w.rolled - 14 * 86_400), 0),
        _ => (
            w.hash.clone(),
            w.rs_uid.clone(),
            if w.old_hash.is_some() { w.revision + 1 } else { w.revision },
            w.rolled,
            w.pods.len() as i64,
        ),
    };
    let mut wt = w.clone();
    if old {
        wt.containers[0].image = older_image(&w.containers[0].image);
        if w.fault == Fault::CmdNotFound {
            wt.containers[0].command = vec![format!("/usr/local/bin/{}", w.name)];
        }
    }
    let ready = if old { 0 } else { w.pods.iter().filter(|p| p.fault == Fault::None).count() as i64 };
    let V::O(mut lbl) = labels(w, ns, &hash) else { unreachable!() };
    lbl.retain(|(k, _)| k == "app" || k == "pod-template-hash" || k == "k8s-app" || k == "eks.amazonaws.com/component");
    let V::O(mut sel) = selector(w) else { unreachable!() };
    if let Some((_, V::O(m))) = sel.iter_mut().find(|(k, _)| k == "matchLabels") {
        m.push((Cow::Borrowed("pod-template-hash"), s(&hash)));
    }
    o([
        ("kind", s("ReplicaSet")),
        ("apiVersion", s("apps/v1")),
        (
            "metadata",
            o([
                ("name", s(format!("{}-{hash}", w.name))),
                ("namespace", s(ns)),
                ("uid", s(uid)),
                ("resourceVersion", s(format!("{}", 80_000_000 + r.below(9_000_000)))),
                ("generation", V::I(if old { 3 } else { 1 })),
                ("creationTimestamp", s(ts(created))),
                ("labels", V::O(lbl)),
                (
                    "annotations",
                    od(vec![
                        ("deployment.kubernetes.io/desired-replicas".into(), s(format!("{}", w.pods.len()))),
                        ("deployment.kubernetes.io/max-replicas".into(), s(format!("{}", w.pods.len() + 1))),
                        ("deployment.kubernetes.io/revision".into(), s(format!("{revision}"))),
                    ]),
                ),
                (
                    "ownerReferences",
                    V::A(vec![o([
                        ("apiVersion", s("apps/v1")),
                        ("kind", s("Deployment")),
                        ("name", s(&w.name)),
                        ("uid", s(&w.uid)),
                        ("controller", V::B(true)),
                        ("blockOwnerDeletion", V::B(true)),
                    ])]),
                ),
            ]),
        ),
        ("spec", o([("replicas", V::I(replicas)), ("selector", V::O(sel)), ("template", template(r, ns, &wt, &hash))])),
        (
            "status",
            o([
                ("replicas", V::I(replicas)),
                ("fullyLabeledReplicas", V::I(replicas)),
                ("readyReplicas", V::I(ready)),
                ("availableReplicas", V::I(ready)),
                ("observedGeneration", V::I(if old { 3 } else { 1 })),
            ]),
        ),
    ])
}

fn node_object(r: &mut Rng, n: &NodePlan) -> V {
    let cond = |t: &str, status: &str, reason: &str, message: &str, since: i64| {
        o([
            ("type", s(t)),
            ("status", s(status)),
            ("lastHeartbeatTime", s(ts(SNAPSHOT))),
            ("lastTransitionTime", s(ts(since))),
            ("reason", s(reason)),
            ("message", s(message)),
        ])
    };
    let (cpu, mem) = match n.itype {
        "m6i.4xlarge" | "c6i.4xlarge" => ("16", "64948972Ki"),
        "r6i.2xlarge" => ("8", "65022700Ki"),
        _ => ("8", "32408172Ki"),
    };
    let id = format!("i-0{}", r.hex(16));
    o([
        ("kind", s("Node")),
        ("apiVersion", s("v1")),
        (
            "metadata",
            o([
                ("name", s(&n.name)),
                ("uid", s(&n.uid)),
                ("resourceVersion", s(format!("{}", 89_000_000 + r.below(900_000)))),
                ("creationTimestamp", s(ts(n.created))),
                (
                    "labels",
                    od(vec![
                        ("beta.kubernetes.io/arch".into(), s("amd64")),
                        ("beta.kubernetes.io/instance-type".into(), s(n.itype)),
                        ("beta.kubernetes.io/os".into(), s("linux")),
                        ("eks.amazonaws.com/capacityType".into(), s("ON_DEMAND")),
                        ("eks.amazonaws.com/nodegroup".into(), s("workers-general")),
                        ("failure-domain.beta.kubernetes.io/region".into(), s("eu-west-1")),
                        ("failure-domain.beta.kubernetes.io/zone".into(), s(&n.zone)),
                        ("kubernetes.io/arch".into(), s("amd64")),
                        ("kubernetes.io/hostname".into(), s(&n.name)),
                        ("kubernetes.io/os".into(), s("linux")),
                        ("node.kubernetes.io/instance-type".into(), s(n.itype)),
                        ("topology.kubernetes.io/region".into(), s("eu-west-1")),
                        ("topology.kubernetes.io/zone".into(), s(&n.zone)),
                    ]),
                ),
                (
                    "annotations",
                    od(vec![
                        ("alpha.kubernetes.io/provided-node-ip".into(), s(&n.ip)),
                        ("node.alpha.kubernetes.io/ttl".into(), s("0")),
                        ("volumes.kubernetes.io/controller-managed-attach-detach".into(), s("true")),
                    ]),
                ),
            ]),
        ),
        (
            "spec",
            o([
                ("podCIDR", s(&n.pod_cidr)),
                ("podCIDRs", strs(&[&n.pod_cidr])),
                ("providerID", s(format!("aws:///{}/{id}", n.zone))),
            ]),
        ),
        (
            "status",
            o([
                (
                    "capacity",
                    o([
                        ("cpu", s(cpu)),
                        ("ephemeral-storage", s("104845292Ki")),
                        ("hugepages-1Gi", s("0")),
                        ("hugepages-2Mi", s("0")),
                        ("memory", s(mem)),
                        ("pods", s("110")),
                    ]),
                ),
                (
                    "allocatable",
                    o([
                        ("cpu", s(format!("{}m", cpu.parse::<i64>().unwrap_or(8) * 1000 - 90))),
                        ("ephemeral-storage", s("95551679124")),
                        ("hugepages-1Gi", s("0")),
                        ("hugepages-2Mi", s("0")),
                        ("memory", s(mem)),
                        ("pods", s("110")),
                    ]),
                ),
                (
                    "conditions",
                    V::A(vec![
                        cond(
                            "MemoryPressure",
                            "False",
                            "KubeletHasSufficientMemory",
                            "kubelet has sufficient memory available",
                            n.created + 10,
                        ),
                        cond(
                            "DiskPressure",
                            "False",
                            "KubeletHasNoDiskPressure",
                            "kubelet has no disk pressure",
                            n.created + 10,
                        ),
                        cond(
                            "PIDPressure",
                            "False",
                            "KubeletHasSufficientPID",
                            "kubelet has sufficient PID available",
                            n.created + 10,
                        ),
                        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", n.created + 25),
                    ]),
                ),
                (
                    "addresses",
                    V::A(vec![
                        o([("type", s("InternalIP")), ("address", s(&n.ip))]),
                        o([("type", s("InternalDNS")), ("address", s(&n.name))]),
                        o([("type", s("Hostname")), ("address", s(&n.name))]),
                    ]),
                ),
                ("daemonEndpoints", o([("kubeletEndpoint", o([("Port", V::I(10250))]))])),
                (
                    "nodeInfo",
                    o([
                        ("machineID", s(r.hex(32))),
                        ("systemUUID", s(format!("ec2{}", r.hex(29)))),
                        ("bootID", s(r.uuid())),
                        ("kernelVersion", s("6.1.141-155.222.amzn2023.x86_64")),
                        ("osImage", s("Amazon Linux 2023.7.20250623")),
                        ("containerRuntimeVersion", s("containerd://1.7.27")),
                        ("kubeletVersion", s("v1.33.0-eks-802817d")),
                        ("kubeProxyVersion", s("")),
                        ("operatingSystem", s("linux")),
                        ("architecture", s("amd64")),
                    ]),
                ),
            ]),
        ),
    ])
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

struct Ev {
    object_kind: &'static str,
    object_name: String,
    object_uid: String,
    field_path: Option<String>,
    reason: &'static str,
    message: String,
    component: &'static str,
    host: String,
    first: i64,
    last: i64,
    count: i64,
    warning: bool,
}

fn event_object(r: &mut Rng, ns: &str, e: &Ev) -> V {
    let name = format!("{}.{:x}", e.object_name, (e.first as u64) * 1_000_000_000 + r.below(1_000_000_000));
    let api = match e.object_kind {
        "ReplicaSet" | "Deployment" | "DaemonSet" => "apps/v1",
        "Job" => "batch/v1",
        _ => "v1",
    };
    let mut inv: Vec<(&'static str, V)> = vec![("kind", s(e.object_kind))];
    if e.object_kind != "Node" {
        inv.push(("namespace", s(ns)));
    }
    inv.push(("name", s(&e.object_name)));
    inv.push(("uid", s(&e.object_uid)));
    inv.push(("apiVersion", s(api)));
    inv.push(("resourceVersion", s(format!("{}", 80_000_000 + r.below(9_000_000)))));
    if let Some(fp) = &e.field_path {
        inv.push(("fieldPath", s(fp)));
    }
    let meta = o([
        ("name", s(name)),
        ("namespace", s(ns)),
        ("uid", s(r.uuid())),
        ("resourceVersion", s(format!("{}", 89_000_000 + r.below(900_000)))),
        ("creationTimestamp", s(ts(e.first))),
    ]);
    if e.reason == "Scheduled" {
        return o([
            ("kind", s("Event")),
            ("apiVersion", s("v1")),
            ("metadata", meta),
            ("involvedObject", ov(inv)),
            ("reason", s(e.reason)),
            ("message", s(&e.message)),
            ("source", empty()),
            ("firstTimestamp", V::Null),
            ("lastTimestamp", V::Null),
            ("type", s("Normal")),
            ("eventTime", s(format!("{}.{:06}Z", &ts(e.first)[..19], r.below(1_000_000)))),
            ("action", s("Binding")),
            ("reportingComponent", s("default-scheduler")),
            ("reportingInstance", s(format!("default-scheduler-{}", e.host))),
        ]);
    }
    let mut source = vec![("component", s(e.component))];
    if !e.host.is_empty() {
        source.push(("host", s(&e.host)));
    }
    o([
        ("kind", s("Event")),
        ("apiVersion", s("v1")),
        ("metadata", meta),
        ("involvedObject", ov(inv)),
        ("reason", s(e.reason)),
        ("message", s(&e.message)),
        ("source", ov(source)),
        ("firstTimestamp", s(ts(e.first))),
        ("lastTimestamp", s(ts(e.last))),
        ("count", V::I(e.count)),
        ("type", s(if e.warning { "Warning" } else { "Normal" })),
        ("eventTime", V::Null),
        ("reportingComponent", s(e.component)),
        ("reportingInstance", s(&e.host)),
    ])
}

/// A pod's own events: what the kubelet and the scheduler said about it.
fn pod_events(r: &mut Rng, ns: &str, w: &Workload, p: &PodPlan, node: &NodePlan, out: &mut Vec<Ev>) {
    let pe =
        |reason: &'static str, c: Option<&str>, message: String, first: i64, last: i64, count: i64, warning: bool| Ev {
            object_kind: "Pod",
            object_name: p.name.clone(),
            object_uid: p.uid.clone(),
            field_path: c.map(|c| format!("spec.containers{{{c}}}")),
            reason,
            message,
            component: "kubelet",
            host: node.name.clone(),
            first: first.min(SNAPSHOT),
            last: last.min(SNAPSHOT),
            count,
            warning,
        };
    let recent = SNAPSHOT - p.created < 3600;
    if recent {
        out.push(Ev {
            component: "default-scheduler",
            field_path: None,
            ..pe(
                "Scheduled",
                None,
                format!("Successfully assigned {ns}/{} to {}", p.name, node.name),
                p.created,
                p.created,
                1,
                false,
            )
        });
    }
    let t0 = p.created + 2;
    for (i, c) in w.containers.iter().enumerate() {
        let fault = if i == 0 { p.fault } else { Fault::None };
        let cn = c.name.as_str();
        match fault {
            Fault::ImagePull => {
                let n = ((SNAPSHOT - t0) / 300).clamp(1, 12) + 1;
                let m = ((SNAPSHOT - t0) / 15).clamp(2, 250);
                out.push(pe(
                    "Pulling",
                    Some(cn),
                    format!("Pulling image \"{}\"", c.image),
                    t0,
                    SNAPSHOT - r.range(20, 280),
                    n,
                    false,
                ));
                out.push(pe(
                    "Failed",
                    Some(cn),
                    format!("Failed to pull image \"{}\": {}", c.image, pull_error(&c.image)),
                    t0 + 1,
                    SNAPSHOT - r.range(20, 280),
                    n,
                    true,
                ));
                out.push(pe(
                    "Failed",
                    Some(cn),
                    "Error: ErrImagePull".into(),
                    t0 + 1,
                    SNAPSHOT - r.range(20, 280),
                    n,
                    true,
                ));
                out.push(pe(
                    "BackOff",
                    Some(cn),
                    format!("Back-off pulling image \"{}\"", c.image),
                    t0 + 2,
                    SNAPSHOT - r.range(1, 20),
                    m,
                    false,
                ));
                out.push(pe(
                    "Failed",
                    Some(cn),
                    "Error: ImagePullBackOff".into(),
                    t0 + 2,
                    SNAPSHOT - r.range(1, 20),
                    m,
                    true,
                ));
            }
            Fault::MissingSecret => {
                let n = ((SNAPSHOT - t0) / 60).clamp(2, 60);
                out.push(pe(
                    "Pulled",
                    Some(cn),
                    format!("Container image \"{}\" already present on machine", c.image),
                    t0,
                    SNAPSHOT - r.range(1, 30),
                    n,
                    false,
                ));
                out.push(pe(
                    "Failed",
                    Some(cn),
                    format!("Error: secret \"{}\" not found", w.secret),
                    t0,
                    SNAPSHOT - r.range(1, 30),
                    n,
                    true,
                ));
            }
            f if f.crash_loops() => {
                let n = p.restarts + 1;
                let backoffs = (SNAPSHOT - p.loop_started) / 10;
                out.push(pe(
                    "Pulled",
                    Some(cn),
                    format!("Container image \"{}\" already present on machine", c.image),
                    t0,
                    p.last_started,
                    n,
                    false,
                ));
                out.push(pe("Created", Some(cn), format!("Created container: {cn}"), t0, p.last_started, n, false));
                if f == Fault::CmdNotFound {
                    let msg = match &status_message(w, c) {
                        Some(m) => format!("Error: {m}"),
                        None => "Error: failed to start container".into(),
                    };
                    out.push(pe("Failed", Some(cn), msg, t0, p.last_finished, n, true));
                } else {
                    out.push(pe("Started", Some(cn), format!("Started container {cn}"), t0, p.last_started, n, false));
                }
                out.push(pe(
                    "BackOff",
                    Some(cn),
                    format!("Back-off restarting failed container {cn} in pod {}_{ns}({})", p.name, p.uid),
                    p.loop_started + 12,
                    SNAPSHOT - r.range(0, 9),
                    backoffs.max(n),
                    true,
                ));
            }
            _ => {
                if recent {
                    let pull = r.range(1, 9);
                    out.push(pe("Pulling", Some(cn), format!("Pulling image \"{}\"", c.image), t0, t0, 1, false));
                    out.push(pe(
                        "Pulled",
                        Some(cn),
                        format!("Successfully pulled image \"{}\" in {pull}.{:03}s ({pull}.{:03}s including waiting). Image size: {} bytes.", c.image, r.below(1000), r.below(1000), 20_000_000 + r.below(400_000_000)),
                        t0 + pull,
                        t0 + pull,
                        1,
                        false,
                    ));
                    out.push(pe(
                        "Created",
                        Some(cn),
                        format!("Created container: {cn}"),
                        t0 + pull,
                        t0 + pull,
                        1,
                        false,
                    ));
                    out.push(pe(
                        "Started",
                        Some(cn),
                        format!("Started container {cn}"),
                        t0 + pull + 1,
                        t0 + pull + 1,
                        1,
                        false,
                    ));
                } else if i == 0 && r.chance(0.08) {
                    let first = SNAPSHOT - r.range(600, 3500);
                    out.push(pe("Unhealthy", Some(cn), format!("Readiness probe failed: Get \"http://{}:{}/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", p.ip, c.port), first, SNAPSHOT - r.range(5, 500), r.range(1, 40), true));
                }
            }
        }
    }
}

fn status_message(w: &Workload, c: &CSpec) -> Option<String> {
    Some(start_error(c, fnv(&w.name) % 2 == 0))
}

/// Filler events that do not concern a current pod's health: the controllers' own
/// (ScalingReplicaSet, SuccessfulCreate), replaced pods' Killing, readiness blips.
fn filler_event(r: &mut Rng, _ns: &str, w: &Workload, k: usize, nodes: &[NodePlan]) -> Ev {
    let p = &w.pods[k % w.pods.len().max(1)];
    let node = &nodes[p.node];
    let t = SNAPSHOT - r.range(60, 3500);
    match (k / w.pods.len().max(1) + fnv(&p.name) as usize) % 4 {
        0 if w.kind == "Deployment" => Ev {
            object_kind: "Deployment",
            object_name: w.name.clone(),
            object_uid: w.uid.clone(),
            field_path: None,
            reason: "ScalingReplicaSet",
            message: format!("Scaled up replica set {}-{} from {} to {}", w.name, w.hash, k % 5, k % 5 + 1),
            component: "deployment-controller",
            host: String::new(),
            first: t,
            last: t,
            count: 1,
            warning: false,
        },
        1 if w.kind == "Deployment" => Ev {
            object_kind: "ReplicaSet",
            object_name: format!("{}-{}", w.name, w.hash),
            object_uid: w.rs_uid.clone(),
            field_path: None,
            reason: "SuccessfulCreate",
            message: format!("Created pod: {}", p.name),
            component: "replicaset-controller",
            host: String::new(),
            first: t,
            last: t,
            count: 1,
            warning: false,
        },
        2 if p.fault == Fault::None && w.platform == Platform::App => Ev {
            object_kind: "Pod",
            object_name: p.name.clone(),
            object_uid: p.uid.clone(),
            field_path: Some(format!("spec.containers{{{}}}", w.containers[0].name)),
            reason: "Unhealthy",
            message: format!(
                "Readiness probe failed: HTTP probe failed with statuscode: 503 (pod {} warming up)",
                p.name
            ),
            component: "kubelet",
            host: node.name.clone(),
            first: t,
            last: (t + r.range(0, 300)).min(SNAPSHOT),
            count: r.range(1, 12),
            warning: true,
        },
        _ => {
            // A replica replaced by the last rollout.
            let gone = format!("{}-{}", w.name, r.k8s_suffix(5));
            Ev {
                object_kind: "Pod",
                object_name: if w.kind == "Deployment" {
                    format!(
                        "{}-{}-{}",
                        w.name,
                        w.old_hash.as_ref().map_or("5f8d7c6b9", |h| h.0.as_str()),
                        r.k8s_suffix(5)
                    )
                } else {
                    gone
                },
                object_uid: r.uuid(),
                field_path: Some(format!("spec.containers{{{}}}", w.containers[0].name)),
                reason: "Killing",
                message: format!("Stopping container {}", w.containers[0].name),
                component: "kubelet",
                host: node.name.clone(),
                first: t,
                last: t,
                count: 1,
                warning: false,
            }
        }
    }
}

/// The namespace's events: every fault's own first, then the pods' life-cycle events
/// and filler up to `budget`.
fn ns_events(r: &mut Rng, ns: &str, wls: &[Workload], nodes: &[NodePlan], budget: usize) -> Vec<Ev> {
    let mut must = Vec::new();
    let mut normal = Vec::new();
    for w in wls {
        for p in &w.pods {
            let node = &nodes[p.node];
            if p.fault != Fault::None && p.fault != Fault::Completed {
                pod_events(r, ns, w, p, node, &mut must);
            } else {
                pod_events(r, ns, w, p, node, &mut normal);
            }
        }
    }
    let room = budget.saturating_sub(must.len());
    normal.truncate(room);
    let mut k = 0;
    let fill: Vec<&Workload> = wls.iter().filter(|w| !w.pods.is_empty()).collect();
    while normal.len() < room && !fill.is_empty() {
        let w = fill[k % fill.len()];
        normal.push(filler_event(r, ns, w, k / fill.len(), nodes));
        k += 1;
    }
    must.extend(normal);
    must
}

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Zap,
    Klog,
    Logfmt,
    Java,
    Pino,
    Nginx,
    PyJson,
    Ipamd,
    Felix,
    CoreDns,
}

fn style_of(w: &Workload, c: usize, r: &mut Rng) -> Style {
    match w.platform {
        Platform::AwsNode => return Style::Ipamd,
        Platform::CalicoNode => return Style::Felix,
        Platform::KubeProxy => return Style::Klog,
        Platform::CoreDns | Platform::NodeLocalDns => return Style::CoreDns,
        Platform::App => {}
    }
    match w.containers[c].lang {
        Lang::Go => *r.pick(&[Style::Zap, Style::Zap, Style::Klog, Style::Logfmt]),
        Lang::Python => *r.pick(&[Style::PyJson, Style::Logfmt]),
        Lang::Java => Style::Java,
        Lang::Node => Style::Pino,
        Lang::Nginx => Style::Nginx,
    }
}

struct LogCtx<'a> {
    ns: &'a str,
    app: &'a str,
    pod: &'a str,
    ip: &'a str,
}

const PATHS: &[&str] = &[
    "/api/v1/orders",
    "/api/v1/items",
    "/api/v2/cart",
    "/v1/payments",
    "/api/v1/users",
    "/graphql",
    "/api/v1/search",
    "/v1/inventory/reserve",
    "/healthz",
    "/metrics",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT", "GET", "DELETE"];
const MSGS: &[&str] = &[
    "request completed",
    "cache hit",
    "cache miss, loading from store",
    "published event",
    "batch flushed",
    "token refreshed",
    "job processed",
    "reconciled object",
];

fn ip_str(r: &mut Rng) -> String {
    format!("10.{}.{}.{}", 100 + r.below(40), r.below(256), 1 + r.below(254))
}

/// One ordinary line (with its newline). `noise` adds the rare warnings and
/// errors healthy services print; never in a log a rule reads.
fn bg_line(out: &mut Vec<u8>, r: &mut Rng, style: Style, t: LineTime, cx: &LogCtx, noise: bool) {
    let n = r.below(1000);
    if noise && n == 7 && r.chance(0.3) {
        return noise_line(out, r, style, t, cx);
    }
    let status = *r.pick(&[200, 200, 200, 200, 201, 204, 304, 404, 200, 500]);
    let path = r.pick(PATHS);
    let method = r.pick(METHODS);
    match style {
        Style::Zap => {
            out.extend_from_slice(b"{\"level\":\"");
            out.extend_from_slice(if n < 50 {
                b"debug"
            } else if n < 980 {
                b"info"
            } else {
                b"warn"
            });
            out.extend_from_slice(b"\",\"ts\":\"");
            t.iso_millis(out);
            let _ = writeln!(
                out,
                "\",\"caller\":\"server/handler.go:{}\",\"msg\":\"{}\",\"method\":\"{method}\",\"path\":\"{path}/{}\",\"status\":{status},\"duration_ms\":{}.{},\"request_id\":\"{}\",\"trace_id\":\"{}\"}}",
                100 + n % 200,
                r.pick(MSGS),
                r.hex(8),
                r.below(300),
                r.below(10),
                r.hex(16),
                r.hex(32)
            );
        }
        Style::Klog => {
            out.push(if n < 960 { b'I' } else { b'W' });
            t.klog(out);
            let _ = writeln!(
                out,
                "       1 {}] \"{}\" controller=\"{}\" object=\"{}/{}-{}\" duration=\"{}.{}ms\" generation={} resourceVersion=\"{}\"",
                r.pick(&[
                    "proxier.go:828",
                    "reconciler.go:214",
                    "controller.go:341",
                    "shared_informer.go:320",
                    "endpointslicecache.go:312"
                ]),
                r.pick(&[
                    "SyncProxyRules complete",
                    "Reconciled object",
                    "Caches are synced",
                    "Updated endpoints",
                    "Sync completed"
                ]),
                cx.app,
                cx.ns,
                cx.app,
                r.k8s_suffix(5),
                r.below(400),
                r.below(1000),
                1 + r.below(40),
                80_000_000 + r.below(9_000_000)
            );
        }
        Style::Logfmt => {
            out.extend_from_slice(b"time=");
            t.iso_millis(out);
            let _ = writeln!(
                out,
                " level={} msg=\"{}\" queue={}-jobs job_id={} attempts=1 elapsed={}.{}ms worker={} remote_ip={} bytes={}",
                if n < 970 { "info" } else { "warn" },
                r.pick(MSGS),
                cx.app,
                r.hex(12),
                r.below(900),
                r.below(100),
                r.below(16),
                ip_str(r),
                r.below(90_000)
            );
        }
        Style::Java => {
            t.spaced(out);
            let _ = writeln!(
                out,
                "  {} 1 --- [nio-8080-exec-{}] c.e.{}.web.RequestLoggingFilter      : {method} {path}/{} -> {status} in {}ms traceId={} spanId={}",
                if n < 975 { "INFO" } else { "WARN" },
                1 + r.below(200),
                cx.app.replace('-', ""),
                r.below(1_000_000),
                r.below(900),
                r.hex(16),
                r.hex(16)
            );
        }
        Style::Pino => {
            let ms = t.secs * 1000 + (t.nanos / 1_000_000) as i64;
            let _ = writeln!(
                out,
                "{{\"level\":{},\"time\":{ms},\"pid\":1,\"hostname\":\"{}\",\"reqId\":\"req-{}\",\"req\":{{\"method\":\"{method}\",\"url\":\"{path}/{}\",\"remoteAddress\":\"{}\"}},\"res\":{{\"statusCode\":{status}}},\"responseTime\":{}.{},\"msg\":\"request completed\"}}",
                if n < 980 { 30 } else { 40 },
                cx.pod,
                r.hex(6),
                r.hex(8),
                ip_str(r),
                r.below(400),
                r.below(1000)
            );
        }
        Style::Nginx => {
            let ip = ip_str(r);
            let _ = write!(out, "{ip} - - [");
            t.nginx(out);
            let _ = writeln!(
                out,
                "] \"{method} {path}/{} HTTP/1.1\" {status} {} \"https://shop.example.com/\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0 Safari/537.36\" 0.{:03} 0.{:03} {}",
                r.hex(8),
                r.below(90_000),
                r.below(400),
                r.below(400),
                r.hex(16)
            );
        }
        Style::PyJson => {
            out.extend_from_slice(b"{\"timestamp\": \"");
            t.iso_millis(out);
            let _ = writeln!(
                out,
                "\", \"level\": \"{}\", \"logger\": \"{}.tasks\", \"event\": \"{}\", \"task_id\": \"{}\", \"duration_ms\": {}, \"queue\": \"default\", \"worker\": \"celery@{}\"}}",
                if n < 975 { "info" } else { "warning" },
                cx.app.replace('-', "_"),
                r.pick(MSGS),
                r.uuid(),
                r.below(5000),
                cx.pod
            );
        }
        Style::Ipamd => {
            out.extend_from_slice(b"{\"level\":\"");
            out.extend_from_slice(if n < 600 { b"debug" } else { b"info" });
            out.extend_from_slice(b"\",\"ts\":\"");
            t.iso_millis(out);
            match n % 4 {
                0 => {
                    let _ = writeln!(
                        out,
                        "\",\"caller\":\"ipamd/ipamd.go:1437\",\"msg\":\"IP pool stats: Total IPs/Prefixes = 29/0, AssignedIPs/CooldownIPs: {}/0, c.maxIPsPerENI = 10\"}}",
                        5 + r.below(20)
                    );
                }
                1 => {
                    let _ = writeln!(
                        out,
                        "\",\"caller\":\"rpc/rpc.pb.go:881\",\"msg\":\"AddNetworkRequest: K8S_POD_NAME:\\\"{}-{}\\\" K8S_POD_NAMESPACE:\\\"{}\\\" ContainerID:\\\"{}\\\" IfName:\\\"eth0\\\" NetworkName:\\\"aws-cni\\\"\"}}",
                        r.pick(APPS),
                        r.k8s_suffix(5),
                        ns_name(r.below(40) as usize),
                        r.hex(64)
                    );
                }
                2 => {
                    let _ = writeln!(
                        out,
                        "\",\"caller\":\"rpc/rpc.pb.go:881\",\"msg\":\"Send AddNetworkReply: IPv4Addr: {}, IPv6Addr: , DeviceNumber: {}, err: <nil>\"}}",
                        ip_str(r),
                        r.below(3)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "\",\"caller\":\"ipamd/ipamd.go:{}\",\"msg\":\"Reconcile existing ENI eni-{} IP pool\"}}",
                        1200 + r.below(300),
                        r.hex(17)
                    );
                }
            }
        }
        Style::Felix => {
            t.spaced(out);
            match n % 3 {
                0 => {
                    let _ = writeln!(
                        out,
                        " [INFO][{}] felix/summary.go 100: Summarising {} dataplane reconciliation loops over 1m{}.{}s: avg={}ms longest={}ms (resync-filter-v4,resync-nat-v4)",
                        60 + r.below(20),
                        5 + r.below(20),
                        r.below(10),
                        r.below(10),
                        1 + r.below(30),
                        20 + r.below(200)
                    );
                }
                1 => {
                    let _ = writeln!(
                        out,
                        " [INFO][{}] felix/int_dataplane.go {}: Received *proto.WorkloadEndpointUpdate update from calculation graph msg=id:<orchestrator_id:\"k8s\" workload_id:\"{}/{}-{}\" endpoint_id:\"eth0\" >",
                        60 + r.below(20),
                        1900 + r.below(200),
                        ns_name(r.below(40) as usize),
                        r.pick(APPS),
                        r.k8s_suffix(5)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        " [INFO][{}] felix/ipsets.go 304: Finished IPSets resync family=\"inet\" numInconsistenciesFound=0 resyncDuration={}.{}ms",
                        60 + r.below(20),
                        r.below(9),
                        r.below(1000)
                    );
                }
            }
        }
        Style::CoreDns => {
            let _ = writeln!(
                out,
                "[INFO] {}:{} - {} \"{} IN {}.{}.svc.cluster.local. udp {} false 1232\" NOERROR qr,aa,rd {} 0.000{}s",
                ip_str(r),
                30_000 + r.below(30_000),
                r.below(65_536),
                r.pick(&["A", "A", "AAAA", "SRV"]),
                r.pick(APPS),
                ns_name(r.below(40) as usize),
                50 + r.below(30),
                100 + r.below(100),
                100 + r.below(900)
            );
        }
    }
}

fn noise_line(out: &mut Vec<u8>, r: &mut Rng, style: Style, t: LineTime, cx: &LogCtx) {
    let _ = cx;
    match r.below(4) {
        0 => {
            t.iso_millis(out);
            let _ = writeln!(out, " ERROR upstream call failed: dial tcp {}:8080: i/o timeout (retrying)", ip_str(r));
        }
        1 => {
            t.iso_millis(out);
            let _ = writeln!(
                out,
                " WARN tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time {} is after 2025-08-01T00:00:00Z",
                ts(t.secs)
            );
        }
        2 => {
            let _ = writeln!(
                out,
                "http: panic serving {}:{}: runtime error: index out of range [3] with length 3",
                ip_str(r),
                30_000 + r.below(30_000)
            );
        }
        _ => {
            let _ = style;
            t.spaced(out);
            let _ = writeln!(
                out,
                " ERROR 1 --- [pool-2-thread-{}] c.e.app.Worker : java.lang.OutOfMemoryError: Java heap space (request dropped, worker restarted)",
                r.below(9)
            );
        }
    }
}

fn planted(out: &mut Vec<u8>, r: &mut Rng, sig: Sig, t: LineTime) {
    match sig {
        Sig::Ipamd => {
            out.extend_from_slice(b"{\"level\":\"error\",\"ts\":\"");
            t.iso_millis(out);
            let _ = writeln!(
                out,
                "\",\"caller\":\"ipamd/ipamd.go:934\",\"msg\":\"Failed to allocate a private IP/Prefix addresses on ENI eni-{}: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request.\\n\\tstatus code: 400, request id: {}\"}}",
                r.hex(17),
                r.uuid()
            );
            out.extend_from_slice(b"{\"level\":\"error\",\"ts\":\"");
            t.iso_millis(out);
            let _ = writeln!(
                out,
                "\",\"caller\":\"rpc/rpc.pb.go:881\",\"msg\":\"AssignPodIPv4Address: assignPodIPv4AddressUnsafe: no available IP/Prefix addresses\"}}"
            );
        }
        Sig::CalicoRbac => {
            t.spaced(out);
            let _ = writeln!(
                out,
                " [WARNING][{}] cni-config-monitor/token_watch.go 225: Unable to create token for CNI kubeconfig error=serviceaccounts \"calico-cni-plugin\" is forbidden: User \"system:serviceaccount:kube-system:calico-node\" cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace \"kube-system\"",
                50 + r.below(20)
            );
        }
        Sig::CorednsUpstream => {
            let _ = writeln!(
                out,
                "[ERROR] plugin/errors: 2 sqs.eu-west-1.amazonaws.com. A: dial udp 10.0.0.2:53: connect: connection refused"
            );
        }
        Sig::None => {}
    }
}

/// The lines a crashed instance ends with.
fn crash_tail(out: &mut Vec<u8>, r: &mut Rng, fault: Fault, style: Style, t: LineTime, cx: &LogCtx, prefix: bool) {
    let mut lines: Vec<String> = Vec::new();
    match fault {
        Fault::GoPanic => {
            let pkg = cx.app.replace('-', "");
            lines.push("panic: runtime error: invalid memory address or nil pointer dereference".into());
            lines.push(format!(
                "[signal SIGSEGV: segmentation violation code=0x1 addr=0x{:x} pc=0x{}]",
                8 * (1 + r.below(12)),
                r.hex(7)
            ));
            lines.push(String::new());
            lines.push(format!("goroutine {} [running]:", 1 + r.below(300)));
            lines.push(format!(
                "registry.example.com/{}/{pkg}/internal/service.(*Service).Apply(0xc000{}, {{0x1f3e2a0, 0xc000{}}})",
                cx.ns,
                r.hex(6),
                r.hex(6)
            ));
            lines.push(format!("\t/src/internal/service/apply.go:{} +0x{}", 100 + r.below(300), r.hex(2)));
            lines.push(format!(
                "registry.example.com/{}/{pkg}/internal/server.(*Server).handle(0xc000{}, {{0x1f41b60, 0xc000{}}})",
                cx.ns,
                r.hex(6),
                r.hex(6)
            ));
            lines.push(format!("\t/src/internal/server/server.go:{} +0x{}", 50 + r.below(200), r.hex(3)));
            lines.push("created by registry.example.com/internal/server.(*Server).Start in goroutine 1".into());
            lines.push(format!("\t/src/internal/server/server.go:{} +0x{}", 40 + r.below(20), r.hex(3)));
        }
        Fault::PyTrace => {
            let m = cx.app.replace('-', "_");
            lines.push("Traceback (most recent call last):".into());
            lines.push(format!("  File \"/app/{m}/main.py\", line {}, in <module>", 80 + r.below(40)));
            lines.push("    main()".into());
            lines.push(format!("  File \"/app/{m}/main.py\", line {}, in main", 50 + r.below(30)));
            lines.push("    summary = summarize(load_batch(settings.batch_size))".into());
            lines.push(format!("  File \"/app/{m}/batch.py\", line {}, in summarize", 20 + r.below(30)));
            lines.push("    return {k: v[\"amount\"] / v[\"count\"] for k, v in rows.items()}".into());
            lines.push("ZeroDivisionError: division by zero".into());
        }
        Fault::DepUnreach => {
            let ip = format!("10.96.{}.{}", 1 + r.below(250), 2 + r.below(250));
            let (what, port) = *r.pick(&[("postgres", 5432), ("redis", 6379), ("kafka", 9092)]);
            match style {
                Style::Java => {
                    let mut a = Vec::new();
                    t.spaced(&mut a);
                    lines.push(format!("{}  WARN 1 --- [           main] com.zaxxer.hikari.pool.HikariPool       : HikariPool-1 - Exception during pool initialization.", String::from_utf8_lossy(&a)));
                    lines.push(format!("{}  ERROR 1 --- [           main] o.s.boot.SpringApplication               : Application run failed", String::from_utf8_lossy(&a)));
                    lines.push(format!("org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource': Failed to obtain JDBC Connection to {what} at {ip}:{port}"));
                    lines.push("\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1806)".into());
                    lines
                        .push("\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:335)".into());
                    lines.push("Caused by: java.net.ConnectException: Connection refused".into());
                    lines.push("\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)".into());
                    lines.push(
                        "\tat java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:554)".into(),
                    );
                }
                Style::Pino => {
                    lines.push(format!("Error: connect ECONNREFUSED {ip}:{port}"));
                    lines.push("    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {".into());
                    lines.push("  errno: -111,".into());
                    lines.push("  code: 'ECONNREFUSED',".into());
                    lines.push("  syscall: 'connect',".into());
                    lines.push(format!("  address: '{ip}',"));
                    lines.push(format!("  port: {port}"));
                    lines.push("}".into());
                    lines.push(String::new());
                    lines.push("Node.js v20.17.0".into());
                }
                _ => {
                    let mut a = Vec::new();
                    t.iso_millis(&mut a);
                    let when = String::from_utf8_lossy(&a).to_string();
                    for attempt in 1..=3 {
                        lines.push(format!("time={when} level=warn msg=\"{what} not ready, retrying in 1s\" attempt={attempt} err=\"dial tcp {ip}:{port}: connect: connection refused\""));
                    }
                    lines.push(format!("time={when} level=error msg=\"cannot connect to {what}\" err=\"dial tcp {ip}:{port}: connect: connection refused\" attempts=3"));
                    lines.push(format!("time={when} level=fatal msg=\"startup failed\" component={what}"));
                }
            }
        }
        _ => {}
    }
    for l in lines {
        if prefix {
            t.prefix(out);
        }
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
}

fn dns_loop_log(out: &mut Vec<u8>, r: &mut Rng, t: LineTime, prefix: bool) {
    let lines = [
        "2025/08/10 02:00:00 [INFO] Starting node-cache image: 1.23.1".to_string(),
        "2025/08/10 02:00:00 [INFO] Using Corefile /etc/Corefile".to_string(),
        "2025/08/10 02:00:00 [INFO] Updated Corefile with 0 custom stubdomains and upstream servers /etc/resolv.conf"
            .to_string(),
        "cluster.local.:53 on 169.254.20.10".to_string(),
        ".:53 on 169.254.20.10".to_string(),
        "[INFO] plugin/reload: Running configuration SHA512 = 4e5e5b3a0c6fa2a51d2d5f0f2a7c2f7f".to_string(),
        "CoreDNS-1.11.3".to_string(),
        "linux/amd64, go1.22.7, ".to_string(),
        format!(
            "[FATAL] plugin/loop: Loop (169.254.20.10:{} -> 169.254.20.10:53) detected for zone \".\", see https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO {}.{}.\"",
            30_000 + r.below(30_000),
            1_000_000_000_000_000_000u64 + r.below(8_000_000_000_000_000_000),
            1_000_000_000_000_000_000u64 + r.below(8_000_000_000_000_000_000)
        ),
    ];
    let (y, mo, d, h, mi, s2) = t.civil();
    for l in lines {
        if prefix {
            t.prefix(out);
        }
        let l = l.replace("2025/08/10 02:00:00", &format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s2:02}"));
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
}

/// A log of about `bytes` bytes from `start` to `end`, with `sig` planted in the
/// middle and `fault`'s crash lines at the end.
#[allow(clippy::too_many_arguments)]
fn log_text(
    r: &mut Rng,
    style: Style,
    cx: &LogCtx,
    bytes: u64,
    start: i64,
    end: i64,
    prefix: bool,
    noise: bool,
    sig: Sig,
    fault: Fault,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes as usize + 4096);
    if fault == Fault::DnsLoop {
        dns_loop_log(&mut out, r, LineTime { secs: end, nanos: 0 }, prefix);
        return out;
    }
    if fault == Fault::CmdNotFound {
        return out;
    }
    let span = (end - start).max(1) as f64;
    let target = bytes as f64;
    let mut planted_at = [0.45, 0.5, 0.55].map(|f| (target * f) as usize);
    let mut next_plant = 0;
    if sig == Sig::None {
        planted_at = [usize::MAX; 3];
    }
    while (out.len() as u64) < bytes {
        let frac = out.len() as f64 / target;
        let t = LineTime { secs: start + (span * frac) as i64, nanos: r.below(1_000_000_000) as u32 };
        if next_plant < 3 && out.len() >= planted_at[next_plant] {
            if prefix {
                t.prefix(&mut out);
            }
            planted(&mut out, r, sig, t);
            next_plant += 1;
            continue;
        }
        if prefix {
            t.prefix(&mut out);
        }
        bg_line(&mut out, r, style, t, cx, noise);
    }
    if fault.crash_loops() {
        let nanos = r.below(1_000_000_000) as u32;
        crash_tail(&mut out, r, fault, style, LineTime { secs: end, nanos }, cx, prefix);
    }
    out
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

type Entry = (String, Arc<Vec<u8>>);

/// What one namespace produced: files relative to the bundle root (for the
/// tarball), list items for `pods.json`, and counts.
#[derive(Default)]
struct NsOut {
    entries: Vec<Entry>,
    pod_items: Vec<Vec<u8>>,
    pods: usize,
    events: usize,
    pod_bytes: u64,
    event_bytes: u64,
    log_files: usize,
    log_bytes: u64,
}

struct Writer<'a> {
    cfg: &'a Config,
    bundle: PathBuf,
    mg: PathBuf,
}

impl Writer<'_> {
    fn put(&self, out: &mut NsOut, rel: &str, data: Vec<u8>) -> io::Result<()> {
        if self.cfg.formats.dir {
            write_file(&self.bundle.join(rel), &data)?;
        }
        if self.cfg.formats.tgz {
            out.entries.push((rel.to_string(), Arc::new(data)));
        }
        Ok(())
    }
    fn put_mg(&self, rel: &str, data: &[u8]) -> io::Result<()> {
        if self.cfg.formats.must_gather {
            write_file(&self.mg.join(rel), data)?;
        }
        Ok(())
    }
    /// A log in the bundle and in the must-gather (a hard link when both are on disk).
    fn put_log(&self, out: &mut NsOut, rel: &str, mg_rel: &str, data: Vec<u8>) -> io::Result<()> {
        out.log_files += 1;
        out.log_bytes += data.len() as u64;
        if self.cfg.formats.must_gather {
            let target = self.mg.join(mg_rel);
            if self.cfg.formats.dir {
                write_file(&self.bundle.join(rel), &data)?;
                fs::create_dir_all(target.parent().expect("parent"))?;
                if fs::hard_link(self.bundle.join(rel), &target).is_err() {
                    write_file(&target, &data)?;
                }
                if self.cfg.formats.tgz {
                    out.entries.push((rel.to_string(), Arc::new(data)));
                }
                return Ok(());
            }
            write_file(&target, &data)?;
        }
        self.put(out, rel, data)
    }
}

fn write_file(path: &Path, data: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut f = BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
    f.write_all(data)?;
    f.flush()
}

fn ns_output(plan: &Plan, wr: &Writer, ni: usize, budget: usize) -> io::Result<NsOut> {
    let (ns, wls) = &plan.namespaces[ni];
    let mut r = Rng::new(plan.seed ^ fnv(ns).rotate_left(17));
    let mut out = NsOut::default();
    let nodes = &plan.nodes;
    // Pods.
    let mut pod_values = Vec::new();
    for w in wls {
        for p in &w.pods {
            pod_values.push(pod_object(&mut r, ns, w, p, nodes));
        }
    }
    let items: Vec<Vec<u8>> = pod_values.iter().map(json_item).collect();
    let doc = json_list("PodList", "v1", 89_113_245, &items);
    out.pods = items.len();
    out.pod_bytes = doc.len() as u64;
    wr.put(&mut out, &format!("cluster-resources/pods/{ns}.json"), doc)?;
    if wr.cfg.formats.must_gather {
        wr.put_mg(&format!("namespaces/{ns}/core/pods.yaml"), &yaml_list("PodList", pod_values))?;
    }
    if wr.cfg.formats.pods_json {
        out.pod_items = items;
    }
    // Events.
    let evs = ns_events(&mut r, ns, wls, nodes, budget);
    let mut ev_values: Vec<V> = evs.iter().map(|e| event_object(&mut r, ns, e)).collect();
    ev_values.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    let items: Vec<Vec<u8>> = ev_values.iter().map(json_item).collect();
    let doc = json_list("EventList", "v1", 89_113_245, &items);
    out.events = items.len();
    out.event_bytes = doc.len() as u64;
    wr.put(&mut out, &format!("cluster-resources/events/{ns}.json"), doc)?;
    if wr.cfg.formats.must_gather {
        wr.put_mg(&format!("namespaces/{ns}/core/events.yaml"), &yaml_list("EventList", ev_values))?;
    }
    // Deployments and ReplicaSets.
    let mut deps = Vec::new();
    let mut rss = Vec::new();
    for w in wls.iter().filter(|w| w.kind == "Deployment") {
        deps.push(deployment_object(&mut r, ns, w));
        if w.old_hash.is_some() {
            rss.push(replicaset_object(&mut r, ns, w, true));
        }
        rss.push(replicaset_object(&mut r, ns, w, false));
    }
    rss.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    let items: Vec<Vec<u8>> = deps.iter().map(json_item).collect();
    wr.put(
        &mut out,
        &format!("cluster-resources/deployments/{ns}.json"),
        json_list("DeploymentList", "apps/v1", 89_113_245, &items),
    )?;
    let items: Vec<Vec<u8>> = rss.iter().map(json_item).collect();
    wr.put(
        &mut out,
        &format!("cluster-resources/replicasets/{ns}.json"),
        json_list("ReplicaSetList", "apps/v1", 89_113_245, &items),
    )?;
    if wr.cfg.formats.must_gather {
        wr.put_mg(&format!("namespaces/{ns}/apps/deployments.yaml"), &yaml_list("DeploymentList", deps))?;
        wr.put_mg(&format!("namespaces/{ns}/apps/replicasets.yaml"), &yaml_list("ReplicaSetList", rss))?;
    }
    // Logs.
    for w in wls {
        for p in &w.pods {
            for (ci, c) in w.containers.iter().enumerate() {
                let crashed = ci == 0 && p.fault.crash_loops();
                let bytes = if crashed { p.prev_log } else { p.logs[ci] };
                if bytes == 0 && !crashed {
                    continue;
                }
                let style = style_of(w, ci, &mut r);
                let cx = LogCtx { ns, app: &w.name, pod: &p.name, ip: &p.ip };
                let rel = format!("cluster-resources/pods/logs/{ns}/{}/{}", p.name, c.name);
                let mg = format!("namespaces/{ns}/pods/{}/{}/{}/logs", p.name, c.name, c.name);
                if crashed {
                    let text = log_text(
                        &mut r,
                        style,
                        &cx,
                        bytes,
                        p.last_started,
                        p.last_finished,
                        p.prefix_logs,
                        false,
                        Sig::None,
                        p.fault,
                    );
                    wr.put_log(&mut out, &format!("{rel}-previous.log"), &format!("{mg}/previous.log"), text.clone())?;
                    wr.put_log(&mut out, &format!("{rel}.log"), &format!("{mg}/current.log"), text)?;
                } else {
                    let start = p.created + 5;
                    let end = SNAPSHOT - 1 - r.range(0, 20);
                    let noise = w.platform == Platform::App;
                    let text = log_text(
                        &mut r,
                        style,
                        &cx,
                        bytes,
                        start,
                        end,
                        p.prefix_logs,
                        noise,
                        if ci == 0 { p.sig } else { Sig::None },
                        Fault::None,
                    );
                    wr.put_log(&mut out, &format!("{rel}.log"), &format!("{mg}/current.log"), text)?;
                }
            }
        }
    }
    Ok(out)
}

fn name_of(v: &V) -> &str {
    if let V::O(p) = v {
        if let Some((_, V::O(m))) = p.iter().find(|(k, _)| k == "metadata") {
            if let Some((_, V::S(n))) = m.iter().find(|(k, _)| k == "name") {
                return n;
            }
        }
    }
    ""
}

/// Node-level events (the kernel's OOM kills), in `default` like a real cluster's.
fn default_events(plan: &Plan, r: &mut Rng) -> Vec<V> {
    let mut out = Vec::new();
    for (_, wls) in &plan.namespaces {
        for w in wls {
            for p in w.pods.iter().filter(|p| p.fault == Fault::Oom) {
                let node = &plan.nodes[p.node];
                let e = Ev {
                    object_kind: "Node",
                    object_name: node.name.clone(),
                    object_uid: node.name.clone(),
                    field_path: None,
                    reason: "OOMKilling",
                    message: format!(
                        "Memory cgroup out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:0kB, UID:10001 pgtables:{}kB oom_score_adj:{}",
                        1000 + r.below(30_000),
                        w.containers[0].name.chars().take(15).collect::<String>(),
                        w.containers[0].mem_limit_mi * 1024 * 3,
                        w.containers[0].mem_limit_mi * 1024 - r.below(2000) as i64,
                        r.below(30_000),
                        r.below(4000),
                        900 + r.below(99)
                    ),
                    component: "kernel-monitor",
                    host: node.name.clone(),
                    first: p.loop_started + 30,
                    last: p.last_finished,
                    count: p.restarts,
                    warning: true,
                };
                out.push(event_object(r, "default", &e));
            }
        }
    }
    out.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    out
}

pub fn generate(cfg: &Config) -> io::Result<Summary> {
    let plan = plan(cfg);
    fs::create_dir_all(&cfg.out)?;
    let bundle = cfg.out.join("bundle");
    let mg = cfg.out.join("must-gather").join(MG_TOP);
    for old in [cfg.out.join("bundle"), cfg.out.join("must-gather")] {
        if old.exists() {
            fs::remove_dir_all(&old)?;
        }
    }
    let wr = Writer { cfg, bundle, mg };

    // The tarball is compressed on its own thread, fed in a fixed order.
    let (tx, tar_thread) = if cfg.formats.tgz {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Entry>(256);
        let path = cfg.out.join("bundle.tar.gz");
        let handle = std::thread::spawn(move || -> io::Result<()> {
            let file = BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
            let gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
            let mut tar = tar::Builder::new(gz);
            for (rel, data) in rx {
                let mut h = tar::Header::new_gnu();
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_mtime(SNAPSHOT as u64);
                h.set_uid(0);
                h.set_gid(0);
                h.set_entry_type(tar::EntryType::Regular);
                tar.append_data(&mut h, format!("{TGZ_TOP}/{rel}"), data.as_slice())?;
            }
            let gz = tar.into_inner()?;
            let mut file = gz.finish()?;
            file.flush()
        });
        (Some(tx), Some(handle))
    } else {
        (None, None)
    };
    let send = |entries: Vec<Entry>| -> io::Result<()> {
        if let Some(tx) = &tx {
            for e in entries {
                tx.send(e).map_err(|_| io::Error::other("the tarball writer stopped"))?;
            }
        }
        Ok(())
    };

    let mut summary = Summary { nodes: plan.nodes.len(), namespaces: plan.namespaces.len(), ..Summary::default() };
    let mut r = Rng::new(cfg.seed ^ 0x5eed);
    // Cluster-wide files.
    let mut head = NsOut::default();
    wr.put(
        &mut head,
        "version.yaml",
        b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: v0.121.3\n".to_vec(),
    )?;
    let node_values: Vec<V> = plan.nodes.iter().map(|n| node_object(&mut r, n)).collect();
    let items: Vec<Vec<u8>> = node_values.iter().map(json_item).collect();
    wr.put(&mut head, "cluster-resources/nodes.json", json_list("NodeList", "v1", 89_113_245, &items))?;
    for (n, v) in plan.nodes.iter().zip(&node_values) {
        if cfg.formats.must_gather {
            let mut doc = b"---\n".to_vec();
            doc.extend(yaml_doc(v));
            write_file(&wr.mg.join(format!("cluster-scoped-resources/core/nodes/{}.yaml", n.name)), &doc)?;
        }
    }
    let defaults = default_events(&plan, &mut r);
    let items: Vec<Vec<u8>> = defaults.iter().map(json_item).collect();
    summary.events += items.len();
    wr.put(&mut head, "cluster-resources/events/default.json", json_list("EventList", "v1", 89_113_245, &items))?;
    wr.put(&mut head, "cluster-resources/pods/default.json", json_list("PodList", "v1", 89_113_245, &[]))?;
    wr.put_mg("namespaces/default/core/events.yaml", &yaml_list("EventList", defaults))?;
    wr.put_mg("namespaces/default/core/pods.yaml", &yaml_list("PodList", Vec::new()))?;
    send(std::mem::take(&mut head.entries))?;

    let mut pods_json = if cfg.formats.pods_json {
        let mut f = BufWriter::with_capacity(1 << 22, fs::File::create(cfg.out.join("pods.json"))?);
        let mut h = Vec::new();
        list_head(&mut h, "List", "v1", 89_113_245);
        f.write_all(&h)?;
        Some(f)
    } else {
        None
    };
    let mut first_item = true;
    // Event budgets in proportion to the pods.
    let total_pods: usize = plan.namespaces.iter().map(|(_, w)| w.iter().map(|w| w.pods.len()).sum::<usize>()).sum();
    let budgets: Vec<usize> = plan
        .namespaces
        .iter()
        .map(|(_, w)| {
            let n: usize = w.iter().map(|w| w.pods.len()).sum();
            (plan.events as f64 * n as f64 / total_pods.max(1) as f64).round() as usize
        })
        .collect();
    let order: Vec<usize> = (0..plan.namespaces.len()).collect();
    let chunk = rayon::current_num_threads().max(1) * 2;
    for group in order.chunks(chunk) {
        let outs: Vec<io::Result<NsOut>> = group.par_iter().map(|&ni| ns_output(&plan, &wr, ni, budgets[ni])).collect();
        for out in outs {
            let out = out?;
            summary.pods += out.pods;
            summary.events += out.events;
            summary.pod_bytes += out.pod_bytes;
            summary.event_bytes += out.event_bytes;
            summary.log_files += out.log_files;
            summary.log_bytes += out.log_bytes;
            if let Some(f) = pods_json.as_mut() {
                for item in &out.pod_items {
                    if !std::mem::replace(&mut first_item, false) {
                        f.write_all(b",")?;
                    }
                    f.write_all(item)?;
                }
            }
            send(out.entries)?;
        }
    }
    if let Some(mut f) = pods_json {
        let mut t = Vec::new();
        list_tail(&mut t, first_item);
        f.write_all(&t)?;
        f.flush()?;
    }
    drop(tx);
    if let Some(h) = tar_thread {
        h.join().map_err(|_| io::Error::other("the tarball writer panicked"))??;
    }
    let fingerprints = |list: &[String]| {
        let mut out = b"[\n".to_vec();
        for (i, f) in list.iter().enumerate() {
            out.extend_from_slice(b"    ");
            json_str(&mut out, f);
            out.extend_from_slice(if i + 1 < list.len() { b",\n" } else { b"\n" });
        }
        out.extend_from_slice(b"]\n");
        out
    };
    write_file(&cfg.out.join("expected.json"), &fingerprints(&plan.expected))?;
    write_file(&cfg.out.join("expected-pods-only.json"), &fingerprints(&plan.expected_pods_only))?;
    summary.expected = plan.expected.clone();
    summary.expected_pods_only = plan.expected_pods_only.clone();
    Ok(summary)
}
