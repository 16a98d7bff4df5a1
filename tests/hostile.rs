//! Hostile input (issue 7): truncated, mistyped, malicious and absurd
//! inputs, each generated here beside a known-good bundle and run through
//! the real binary. Every case must end with exit 0 or 2, no panic, a
//! warning naming the hostile file, the good bundle's finding still
//! reported, and the child's peak RSS under [`MAX_RSS`] (ARCHITECTURE.md,
//! "Hostile input"). Two inputs are odd without being wrong, and get no
//! warning: the same pod in several files (counted once, as documented)
//! and a deep JSON object of no kind (not cluster state, skipped as
//! collector metadata is). Each run prints its exit code and peak RSS
//! (`cargo test --test hostile -- --nocapture`).
//!
//! Linux only: the peak memory of one child comes from `wait4`.
#![cfg(target_os = "linux")]

mod common;
#[path = "hostile/make.rs"]
mod make;
#[path = "hostile/measure.rs"]
mod measure;

use make::{Entry, GIB, MIB};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The documented bound (ARCHITECTURE.md, "Hostile input").
const MAX_RSS: u64 = GIB;

/// What one analysis gave.
struct Outcome {
    code: i32,
    report: Value,
}

impl Outcome {
    fn warnings(&self) -> Vec<&Value> {
        self.report["warnings"].as_array().map(|w| w.iter().collect()).unwrap_or_default()
    }

    /// The warnings about `path` (as the report prints it: relative to its
    /// input directory, the entry path inside an archive, or the input as
    /// given).
    fn warnings_on(&self, path: &str) -> Vec<&Value> {
        self.warnings().into_iter().filter(|w| w["source"] == path).collect()
    }

    fn assert_warned(&self, path: &str) {
        assert!(
            !self.warnings_on(path).is_empty(),
            "no warning names `{path}`; warnings:\n{}",
            self.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
        );
    }

    /// A warning about the input `input` itself, or about anything in it.
    fn assert_input_warned(&self, input: &str) {
        assert!(
            self.warnings().iter().any(|w| w["input"] == input),
            "no warning about input `{input}`; warnings:\n{}",
            self.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
        );
    }

    /// The warning about `path` whose message contains `needle`.
    fn assert_warned_with(&self, path: &str, needle: &str) {
        assert!(
            self.warnings_on(path).iter().any(|w| w["message"].as_str().is_some_and(|m| m.contains(needle))),
            "no warning on `{path}` says `{needle}`; warnings:\n{}",
            self.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
        );
    }

    fn findings(&self, cause: &str, pod: &str) -> Vec<&Value> {
        self.report["findings"]
            .as_array()
            .map(|f| f.iter().filter(|f| f["cause"] == cause && f["subject"]["name"] == pod).collect())
            .unwrap_or_default()
    }

    fn assert_good_finding(&self) {
        assert_eq!(
            self.findings(make::GOOD_CAUSE, make::GOOD_POD).len(),
            1,
            "the good pod's {} finding is missing; findings: {}",
            make::GOOD_CAUSE,
            self.report["findings"]
        );
    }

    fn victim(&self) -> Option<&Value> {
        let findings = self.report["findings"].as_array()?;
        findings.iter().find(|f| f["subject"]["name"] == make::VICTIM_POD)
    }
}

/// Runs `podmortem analyze INPUTS --format json -o report.json` in `dir`
/// (inputs relative to it, so the report names them as given) and checks
/// what every case must hold.
fn analyze(case: &str, dir: &Path, inputs: &[&str]) -> Outcome {
    let report_path = dir.join("report.json");
    let _ = std::fs::remove_file(&report_path);
    let mut command = Command::new(env!("CARGO_BIN_EXE_podmortem"));
    command.current_dir(dir).arg("analyze").args(inputs).args(["--format", "json", "-o"]).arg(&report_path);
    let run = measure::run_measured(&mut command);
    let code =
        run.status.code().unwrap_or_else(|| panic!("{case}: podmortem was killed: {:?}\n{}", run.status, run.stderr));
    eprintln!(
        "hostile {case}: exit {code}, peak RSS {} MiB, stderr {} bytes",
        run.max_rss.div_ceil(MIB),
        run.stderr.len()
    );
    // Exit 2 with nothing readable writes no report.
    let text = match std::fs::read_to_string(&report_path) {
        Ok(text) => text,
        Err(_) if code == 2 => "null".to_string(),
        Err(e) => panic!("{case}: no report ({e}); exit {code}\n{}", run.stderr),
    };
    if let Some(keep) = std::env::var_os("HOSTILE_KEEP_REPORTS") {
        // For a look at what a case gave: HOSTILE_KEEP_REPORTS=/tmp/dir.
        let _ = std::fs::write(Path::new(&keep).join(format!("{case}.json")), &text);
    }
    let report: Value = serde_json::from_str(&text).expect("the report is JSON");
    assert!(code == 0 || code == 2, "{case}: exit code {code}\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{case}: panic\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "{case}: the report goes to -o, nothing to standard output");
    assert!(run.max_rss > 0, "{case}: no memory figure from wait4");
    assert!(run.max_rss < MAX_RSS, "{case}: peak RSS {} MiB over the {} MiB bound", run.max_rss / MIB, MAX_RSS / MIB);
    if !report.is_null() {
        common::assert_valid(&report);
    }
    Outcome { code, report }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// The good bundle directory plus hostile files written into it.
fn bundle_with(dir: &Path, hostile: &[(&str, &[u8])]) {
    let bundle = make::bundle_dir(dir);
    for (rel, bytes) in hostile {
        make::write(&bundle, rel, bytes);
    }
}

// ---------------------------------------------------------------------------
// Broken documents
// ---------------------------------------------------------------------------

#[test]
fn truncated_json_and_yaml() {
    let dir = tempdir();
    let pods = make::victim_pods("2025-08-10T02:04:00Z").replace(make::VICTIM_POD, "cut-0");
    let json = &pods.as_bytes()[..pods.len() / 2];
    let yaml = "apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: cut-1\n    namespace: victim\n  status:\n    containerStatuses:\n    - name: app\n      restartCount: 3\n      state: {waiting: {reason: Crash";
    bundle_with(
        dir.path(),
        &[("cluster-resources/pods/cut-json.json", json), ("cluster-resources/pods/cut-yaml.yaml", yaml.as_bytes())],
    );
    let out = analyze("truncated", dir.path(), &["bundle"]);
    out.assert_warned_with("cluster-resources/pods/cut-json.json", "end of file");
    out.assert_warned("cluster-resources/pods/cut-yaml.yaml");
    out.assert_good_finding();
}

#[test]
fn wrong_types() {
    let dir = tempdir();
    let string_count = make::victim_pods("2025-08-10T02:04:00Z")
        .replace(make::VICTIM_POD, "typed-0")
        .replace("\"restartCount\": 7", "\"restartCount\": \"3\"");
    let items_object = r#"{"kind":"PodList","apiVersion":"v1","items":{}}"#;
    let kind_number =
        r#"{"kind":7,"apiVersion":["v1"],"metadata":"x","items":[{"kind":"Pod","metadata":[],"status":"Running"}]}"#;
    let yaml = "kind: Pod\napiVersion: v1\nmetadata: {name: typed-1, namespace: victim}\nstatus:\n  containerStatuses:\n  - {name: app, restartCount: [3]}\n";
    bundle_with(
        dir.path(),
        &[
            ("cluster-resources/pods/string-count.json", string_count.as_bytes()),
            ("cluster-resources/pods/items-object.json", items_object.as_bytes()),
            ("cluster-resources/pods/kind-number.json", kind_number.as_bytes()),
            ("cluster-resources/pods/typed.yaml", yaml.as_bytes()),
        ],
    );
    let out = analyze("wrong-types", dir.path(), &["bundle"]);
    out.assert_warned_with("cluster-resources/pods/string-count.json", "restartCount");
    out.assert_warned("cluster-resources/pods/items-object.json");
    out.assert_warned("cluster-resources/pods/kind-number.json");
    out.assert_warned("cluster-resources/pods/typed.yaml");
    out.assert_good_finding();
}

#[test]
fn json_nested_100_000_deep() {
    let dir = tempdir();
    let depth = 100_000;
    let deep = |open: &str, close: &str| format!("{}{}", open.repeat(depth), close.repeat(depth));
    // A Pod whose spec is the nesting, a bare nested array, a nested object
    // of no kind, and the victim pod with the nesting in a field nobody
    // reads (serde skips it without recursing).
    let in_pod = format!(
        r#"{{"kind":"PodList","apiVersion":"v1","items":[{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"deep","namespace":"victim"}},"spec":{}}}]}}"#,
        deep("[", "]")
    );
    let arrays = deep("[", "]");
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let victim = make::victim_pods("2025-08-10T02:04:00Z").replacen(
        r#""kind": "Pod","#,
        &format!(r#""kind": "Pod", "x": {},"#, deep("[", "]")),
        1,
    );
    bundle_with(
        dir.path(),
        &[
            ("cluster-resources/pods/deep-pod.json", in_pod.as_bytes()),
            ("cluster-resources/pods/deep-arrays.json", arrays.as_bytes()),
            ("cluster-resources/pods/deep-objects.json", objects.as_bytes()),
            (&make::victim_pods_path(), victim.as_bytes()),
        ],
    );
    let out = analyze("deep-json", dir.path(), &["bundle"]);
    out.assert_warned_with("cluster-resources/pods/deep-pod.json", "malformed");
    out.assert_warned("cluster-resources/pods/deep-arrays.json");
    // An object with no kind is not cluster state: skipped quietly, as
    // collector metadata is (decode.rs), however deep.
    assert!(out.warnings_on("cluster-resources/pods/deep-objects.json").is_empty());
    assert!(out.victim().is_some(), "the victim pod, deep junk and all, is read");
    out.assert_good_finding();
}

#[test]
fn yaml_alias_bombs() {
    let dir = tempdir();
    // The classic: nine levels of ten aliases each, 10^9 leaves.
    let mut laughs =
        String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 10].join(",");
        laughs.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
    }
    laughs.push_str("kind: Pod\napiVersion: v1\nmetadata: {name: laughs, namespace: victim}\n");
    // Quadratic: one anchored list of 40 000 scalars, aliased 40 000 times:
    // 1.6 billion nodes from 400 KB, and every alias is one jump, which
    // stays under serde_yaml's own repetition limit (100 jumps per event).
    let n = 40_000;
    let mut quadratic =
        String::from("kind: Pod\napiVersion: v1\nmetadata: {name: quadratic, namespace: victim}\nx: &x [");
    quadratic.push_str(&vec!["y"; n].join(","));
    quadratic.push_str("]\nz: [");
    quadratic.push_str(&vec!["*x"; n].join(","));
    quadratic.push_str("]\n");
    bundle_with(
        dir.path(),
        &[
            ("cluster-resources/pods/laughs.yaml", laughs.as_bytes()),
            ("cluster-resources/pods/quadratic.yaml", quadratic.as_bytes()),
        ],
    );
    let out = analyze("yaml-alias-bombs", dir.path(), &["bundle"]);
    out.assert_warned("cluster-resources/pods/laughs.yaml");
    out.assert_warned("cluster-resources/pods/quadratic.yaml");
    out.assert_good_finding();
}

#[test]
fn binary_file_named_json() {
    let dir = tempdir();
    let mut junk = Vec::with_capacity(4 * MIB as usize);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while junk.len() < 4 * MIB as usize {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        junk.extend_from_slice(&x.to_le_bytes());
    }
    // Starts like JSON, then junk; and junk from the first byte.
    let mut braced = b"{\"kind\":\"PodList\",\"items\":[".to_vec();
    braced.extend_from_slice(&junk[..MIB as usize]);
    bundle_with(
        dir.path(),
        &[("cluster-resources/pods/junk.json", &junk), ("cluster-resources/pods/braced.json", &braced)],
    );
    let out = analyze("binary-json", dir.path(), &["bundle"]);
    out.assert_warned("cluster-resources/pods/junk.json");
    out.assert_warned("cluster-resources/pods/braced.json");
    out.assert_good_finding();
}

#[test]
fn oversized_documents() {
    let dir = tempdir();
    let bundle = make::bundle_dir(dir.path());
    // 300 MB of YAML on disk: refused from its size, not read.
    {
        use std::io::Write;
        let path = bundle.join("cluster-resources/pods/huge.yaml");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let block = b"- a\n".repeat(MIB as usize / 4);
        for _ in 0..300 {
            file.write_all(&block).expect("write");
        }
    }
    // 1 GiB of YAML, and one JSON string of 1 GiB, compressed: read as a
    // stream up to the caps (256 MiB of text; one JSON value of 64 MiB).
    std::fs::write(dir.path().join("huge.yaml.gz"), make::gzip_repeated(b"- a\n", GIB)).expect("write");
    let mut json = make::gzip(br#"{"kind":"PodList","apiVersion":"v1","items":[{"kind":"Pod","x":""#);
    json.extend_from_slice(&make::gzip_repeated(b"x", GIB));
    std::fs::write(dir.path().join("huge.json.gz"), json).expect("write");
    let out = analyze("oversized", dir.path(), &["bundle", "huge.yaml.gz", "huge.json.gz"]);
    out.assert_warned_with("cluster-resources/pods/huge.yaml", "over 256 MiB of text");
    out.assert_warned_with("huge.yaml", "over 256 MiB of text");
    out.assert_warned_with("huge.json", "larger than 64 MiB");
    out.assert_good_finding();
}

#[test]
fn timestamps_out_of_range() {
    let dir = tempdir();
    let pods = make::victim_pods("+275760-09-13T00:00:00Z").replace("2025-08-10T02:05:00Z", "0000-00-00T00:00:00Z");
    let events = r#"{"kind":"EventList","apiVersion":"v1","items":[
      {"kind":"Event","apiVersion":"v1","metadata":{"name":"e1","namespace":"victim"},
       "involvedObject":{"kind":"Pod","name":"victim-7d4b9c6f5-q2x8z","namespace":"victim"},
       "reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","count":3,
       "firstTimestamp":"-000001-01-01T00:00:00Z","lastTimestamp":"99999-12-31T23:59:59Z",
       "eventTime":"1970-01-01T00:00:00.999999999999999Z"}]}"#;
    let log = "9999-99-99T99:99:99Z starting\n-1-01-01T00:00:00Z ERROR what year is it\n1e400 fatal: out of range\n";
    bundle_with(
        dir.path(),
        &[
            (&make::victim_pods_path(), pods.as_bytes()),
            ("cluster-resources/events/victim.json", events.as_bytes()),
            (&make::victim_log_path(), log.as_bytes()),
        ],
    );
    let out = analyze("timestamps", dir.path(), &["bundle"]);
    out.assert_warned(&make::victim_pods_path());
    out.assert_warned("cluster-resources/events/victim.json");
    // A bogus far-future time must not become "now".
    let snapshot = out.report["snapshot_time"].as_str().unwrap_or_default();
    assert!(snapshot.starts_with("2025-08-10"), "snapshot time {snapshot}");
    out.assert_good_finding();
}

#[test]
fn duplicate_objects_across_files_count_once() {
    let dir = tempdir();
    let pods = make::good_files().into_iter().find(|(p, _)| p == "cluster-resources/pods/search.json").expect("pods").1;
    bundle_with(dir.path(), &[("cluster-resources/pods/search-copy.json", &pods)]);
    std::fs::write(dir.path().join("again.json"), &pods).expect("write");
    let out = analyze("duplicates", dir.path(), &["bundle", "again.json", "bundle"]);
    // The same pod from three places is one pod: no second finding, no doubled count.
    out.assert_good_finding();
    let finding = out.findings(make::GOOD_CAUSE, make::GOOD_POD)[0];
    assert_eq!(finding["pods"].as_array().map(Vec::len), Some(1), "{finding}");
}

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

#[test]
fn a_200_mb_single_line_log() {
    let dir = tempdir();
    let bundle = make::bundle_dir(dir.path());
    let path = bundle.join(make::victim_log_path());
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        file.write_all(b"2025-08-10T02:04:59Z ERROR payload=").expect("write");
        let block = vec![b'x'; MIB as usize];
        for _ in 0..200 {
            file.write_all(&block).expect("write");
        }
        file.write_all(b"\n2025-08-10T02:05:00Z fatal error: the last words after the long line\n").expect("write");
    }
    let out = analyze("long-line", dir.path(), &["bundle"]);
    out.assert_warned_with(&make::victim_log_path(), "cut");
    let victim = out.victim().expect("the victim's finding");
    assert!(victim.to_string().contains("the last words after the long line"), "{victim}");
    out.assert_good_finding();
}

#[test]
fn non_utf8_and_nul_filled_logs() {
    let dir = tempdir();
    let mut log = b"2025-08-10T02:04:00Z starting \xff\xfe\xc3\x28 invalid UTF-8\n".to_vec();
    log.extend(std::iter::repeat_n(0u8, 8 * MIB as usize)); // what a crashed writer leaves
    log.extend_from_slice(b"\n\x00\x00ERROR \xe2\x82 cannot start: \x00bind: address already in use\n");
    bundle_with(dir.path(), &[(&make::victim_log_path(), &log)]);
    let out = analyze("binary-log", dir.path(), &["bundle"]);
    out.assert_warned_with(&make::victim_log_path(), "UTF-8");
    let victim = out.victim().expect("the victim's finding");
    assert!(victim.to_string().contains("address already in use"), "{victim}");
    out.assert_good_finding();
}

// ---------------------------------------------------------------------------
// Archives
// ---------------------------------------------------------------------------

#[test]
fn gzip_bomb_of_10_gib_inside_a_tar_gz() {
    let dir = tempdir();
    // The bundle, then the victim's log declaring 10 GiB of zeros, then a
    // file that only inflating the 10 GiB reaches.
    let bomb_entry = format!("bundle/{}", make::victim_log_path());
    let after = vec![("bundle/cluster-resources/pods/after.json".to_string(), b"{".to_vec())];
    let archive = make::gzip_bomb_tar(&make::bundle_entries(), &bomb_entry, 10 * GIB, &after);
    assert!(archive.len() < 16 * MIB as usize, "{} bytes", archive.len());
    std::fs::write(dir.path().join("bomb.tar.gz"), archive).expect("write");
    let out = analyze("gzip-bomb-tar", dir.path(), &["bomb.tar.gz"]);
    // Stopped at the ratio bound, not after 8 GiB: saying so, and what was lost.
    out.assert_warned_with(&bomb_entry, "expands more than 100 times");
    out.assert_warned_with(&bomb_entry, "whatever follows in the stream, was not read");
    assert!(out.warnings_on("bundle/cluster-resources/pods/after.json").is_empty(), "not reached");
    out.assert_good_finding();
}

/// `--max-ratio` moves the bomb bound: the same stream, 1.5 GiB of zeros,
/// is cut at the default ratio and read to its end (and past it) when the
/// user raises the bound above what deflate can reach.
#[test]
fn max_ratio_flag_raises_the_bomb_bound() {
    let dir = tempdir();
    let bomb_entry = format!("bundle/{}", make::victim_log_path());
    let after = vec![("bundle/cluster-resources/pods/after.json".to_string(), b"{".to_vec())];
    let archive = make::gzip_bomb_tar(&make::bundle_entries(), &bomb_entry, 3 * GIB / 2, &after);
    std::fs::write(dir.path().join("bomb.tar.gz"), archive).expect("write");
    let cut = analyze("max-ratio-default", dir.path(), &["bomb.tar.gz"]);
    cut.assert_warned_with(&bomb_entry, "--max-ratio");
    assert!(cut.warnings_on("bundle/cluster-resources/pods/after.json").is_empty(), "not reached");
    let read = analyze("max-ratio-raised", dir.path(), &["bomb.tar.gz", "--max-ratio", "2000"]);
    assert!(
        read.warnings_on(&bomb_entry)
            .iter()
            .all(|w| !w["message"].as_str().unwrap_or("").contains("expands more than")),
        "{:?}",
        read.warnings_on(&bomb_entry)
    );
    read.assert_warned("bundle/cluster-resources/pods/after.json");
    read.assert_good_finding();
}

#[test]
fn truncated_tar_gz() {
    let dir = tempdir();
    // The bundle, then the victim's log, cut in the middle of that log.
    let mut log = String::new();
    for i in 0..40_000 {
        log.push_str(&format!("2025-08-10T02:04:{:02}Z ERROR request {i} failed: upstream reset\n", i % 60));
    }
    let log_entry = format!("bundle/{}", make::victim_log_path());
    let mut entries = make::bundle_entries();
    entries.push((log_entry.clone(), log.into_bytes()));
    let tar = make::tar(&entries.iter().map(|(p, d)| Entry::File(p, d)).collect::<Vec<_>>(), true);
    let whole = make::gzip(&tar);
    // Somewhere in the log's compressed bytes: past the bundle's, before the end.
    let cut = whole.len() - whole.len() / 8;
    std::fs::write(dir.path().join("cut.tar.gz"), &whole[..cut]).expect("write");
    let out = analyze("truncated-tar-gz", dir.path(), &["cut.tar.gz"]);
    out.assert_warned(&log_entry);
    // The log's lines before the cut are still read.
    let victim = out.victim().expect("the victim's finding");
    assert!(victim.to_string().contains("upstream reset"), "{victim}");
    out.assert_good_finding();
}

#[test]
fn gzip_bomb_of_10_gib_as_a_single_file() {
    let dir = tempdir();
    make::bundle_dir(dir.path());
    let bomb = make::gzip_zeros(10 * GIB);
    // A log and a document name: each role reads it its own way.
    std::fs::write(dir.path().join("kubelet.log.gz"), &bomb).expect("write");
    std::fs::write(dir.path().join("pods.json.gz"), &bomb).expect("write");
    let out = analyze("gzip-bomb-single", dir.path(), &["bundle", "kubelet.log.gz", "pods.json.gz"]);
    out.assert_warned("kubelet.log");
    out.assert_warned("pods.json");
    out.assert_good_finding();
}

#[test]
fn zip_bombs() {
    let dir = tempdir();
    let (zeros, crc) = make::deflated_zeros(10 * GIB);
    let good = make::bundle_entries();
    let deflated: Vec<Vec<u8>> = good.iter().map(|(_, data)| make::deflate(data)).collect();
    // The victim's log is 10 GiB of zeros, first in the zip: read (logs are
    // scanned whole), so cut by the ratio bound; the entries after it are
    // independent and still read.
    let bomb = format!("bundle/{}", make::victim_log_path());
    let mut members = vec![make::ZipMember { name: &bomb, deflated: &zeros, crc, size: 10 * GIB }];
    for ((name, data), compressed) in good.iter().zip(&deflated) {
        members.push(make::ZipMember::stored_as_deflate(name, compressed, data));
    }
    let single: Vec<(usize, &str)> = (0..members.len()).map(|i| (i, members[i].name)).collect();
    // The same compressed bytes named by 64 records (overlapping entries:
    // 640 GiB out of 10 MB), as more logs of the victim pod.
    let log_dir = bomb.rsplit_once('/').expect("a folder").0.to_string();
    let names: Vec<String> = (0..63).map(|i| format!("{log_dir}/c{i}.log")).collect();
    let mut overlapping: Vec<(usize, &str)> = vec![(0, bomb.as_str())];
    overlapping.extend(names.iter().map(|n| (0, n.as_str())));
    overlapping.extend(single.iter().skip(1).copied());
    std::fs::write(dir.path().join("bomb.zip"), make::zip(&members, &single)).expect("write");
    std::fs::write(dir.path().join("overlap.zip"), make::zip(&members, &overlapping)).expect("write");
    let out = analyze("zip-bomb", dir.path(), &["bomb.zip"]);
    out.assert_warned_with(&bomb, "zip entry expands more than 100 times");
    out.assert_good_finding();
    let out = analyze("zip-overlap", dir.path(), &["overlap.zip"]);
    out.assert_warned_with(&bomb, "zip entry expands more than 100 times");
    for name in &names {
        out.assert_warned_with(name, &format!("overlaps that of `{bomb}`"));
    }
    out.assert_good_finding();
}

#[test]
fn tar_with_hostile_entries() {
    let dir = tempdir();
    let passwd: &[u8] = b"root:x:0:0:root:/root:/bin/sh\n";
    let hostile = [
        Entry::Raw { name: b"../../etc/passwd", kind: tar::EntryType::Regular, link: None, data: passwd },
        Entry::Raw { name: b"/etc/shadow", kind: tar::EntryType::Regular, link: None, data: passwd },
        Entry::Raw { name: b"dev/sda", kind: tar::EntryType::Block, link: None, data: b"" },
        Entry::Raw { name: b"dev/null", kind: tar::EntryType::Char, link: None, data: b"" },
        Entry::Raw { name: b"run/fifo", kind: tar::EntryType::Fifo, link: None, data: b"" },
        Entry::Raw { name: b"loop/a", kind: tar::EntryType::Symlink, link: Some(b"b"), data: b"" },
        Entry::Raw { name: b"loop/b", kind: tar::EntryType::Symlink, link: Some(b"a"), data: b"" },
        Entry::Raw { name: b"loop/self", kind: tar::EntryType::Symlink, link: Some(b"self/x"), data: b"" },
        Entry::Raw { name: b"links/passwd", kind: tar::EntryType::Symlink, link: Some(b"/etc/passwd"), data: b"" },
        Entry::Raw { name: b"links/hard-up", kind: tar::EntryType::Link, link: Some(b"../../etc/passwd"), data: b"" },
        Entry::Raw { name: b"links/hard-abs", kind: tar::EntryType::Link, link: Some(b"/etc/passwd"), data: b"" },
        Entry::Raw { name: b"links/hard-loop", kind: tar::EntryType::Link, link: Some(b"links/hard-loop"), data: b"" },
    ];
    let good = make::bundle_entries();
    let mut entries: Vec<Entry> = hostile.into_iter().collect();
    entries.extend(good.iter().map(|(p, d)| Entry::File(p, d)));
    let tar = make::tar(&entries, true);
    std::fs::write(dir.path().join("hostile.tar"), &tar).expect("write");
    std::fs::write(dir.path().join("hostile.tar.gz"), make::gzip(&tar)).expect("write");
    for input in ["hostile.tar", "hostile.tar.gz"] {
        let out = analyze(input, dir.path(), &[input]);
        out.assert_warned_with("etc/passwd", "../../etc/passwd");
        out.assert_warned_with("etc/shadow", "/etc/shadow");
        for path in ["dev/sda", "dev/null", "run/fifo", "loop/a", "loop/b", "loop/self", "links/passwd"] {
            out.assert_warned(path);
        }
        for path in ["links/hard-up", "links/hard-abs", "links/hard-loop"] {
            out.assert_warned(path);
        }
        out.assert_good_finding();
    }
    // Nothing was written anywhere but the report.
    let mut written: Vec<String> =
        std::fs::read_dir(dir.path()).expect("ls").flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
    written.sort();
    assert_eq!(written, ["hostile.tar", "hostile.tar.gz", "report.json"]);
}

#[test]
fn empty_archives() {
    let dir = tempdir();
    make::bundle_dir(dir.path());
    let empty_tar = make::tar(&[], true);
    std::fs::write(dir.path().join("empty.tar"), &empty_tar).expect("write");
    std::fs::write(dir.path().join("empty.tar.gz"), make::gzip(&empty_tar)).expect("write");
    std::fs::write(dir.path().join("empty.zip"), make::empty_zip()).expect("write");
    std::fs::write(dir.path().join("empty.gz"), make::gzip(b"")).expect("write");
    let inputs = ["bundle", "empty.tar", "empty.tar.gz", "empty.zip", "empty.gz"];
    let out = analyze("empty-archives", dir.path(), &inputs);
    for input in &inputs[1..4] {
        out.assert_warned_with(input, "holds no files");
    }
    // A gzip of nothing holds one file, empty.
    out.assert_warned_with("empty", "empty");
    out.assert_input_warned("empty.gz");
    out.assert_good_finding();
    // Alone, an empty archive is "no readable input".
    let alone = analyze("empty-archive-alone", dir.path(), &["empty.tar.gz"]);
    assert_eq!(alone.code, 2);
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

#[test]
fn symlink_loops_in_a_directory() {
    let dir = tempdir();
    let bundle = make::bundle_dir(dir.path());
    let pods = bundle.join("cluster-resources/pods");
    std::os::unix::fs::symlink("loop-b.json", pods.join("loop-a.json")).expect("symlink");
    std::os::unix::fs::symlink("loop-a.json", pods.join("loop-b.json")).expect("symlink");
    std::os::unix::fs::symlink(".", pods.join("self")).expect("symlink");
    std::os::unix::fs::symlink("..", bundle.join("cluster-resources/up")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", pods.join("passwd.json")).expect("symlink");
    let out = analyze("dir-symlinks", dir.path(), &["bundle"]);
    out.assert_warned("cluster-resources/pods/loop-a.json");
    out.assert_warned("cluster-resources/pods/loop-b.json");
    // Links that resolve are not followed (collector aliases, or the
    // analyst's own files): read once, never looped through.
    assert!(out.warnings_on("cluster-resources/pods/passwd.json").is_empty());
    out.assert_good_finding();
}

#[test]
fn a_directory_named_like_a_file() {
    let dir = tempdir();
    let bundle = make::bundle_dir(dir.path());
    // Where the victim's log should be, and a pod list, are folders.
    std::fs::create_dir_all(bundle.join(make::victim_log_path())).expect("mkdir");
    std::fs::create_dir_all(bundle.join("cluster-resources/pods/ghost.json")).expect("mkdir");
    make::write(&bundle, "cluster-resources/pods/ghost.json/inner.txt", b"not a pod list");
    let out = analyze("dir-named-like-file", dir.path(), &["bundle"]);
    out.assert_warned(&make::victim_log_path());
    out.assert_warned("cluster-resources/pods/ghost.json");
    out.assert_good_finding();
}

#[test]
fn a_bundle_of_100_000_tiny_files() {
    let dir = tempdir();
    let bundle = make::bundle_dir(dir.path());
    let tiny = bundle.join("cluster-resources/pods/tiny");
    std::fs::create_dir_all(&tiny).expect("mkdir");
    let empty = br#"{"kind":"PodList","apiVersion":"v1","items":[]}"#;
    for i in 0..100_000 {
        std::fs::write(tiny.join(format!("{i:05}.json")), empty).expect("write");
    }
    // One of them is broken: it must not drown among the others.
    std::fs::write(tiny.join("54321.json"), br#"{"kind":"PodList","items":["#).expect("write");
    let out = analyze("tiny-files", dir.path(), &["bundle"]);
    out.assert_warned("cluster-resources/pods/tiny/54321.json");
    assert_eq!(out.warnings().len(), 1, "only the broken file is worth a warning");
    assert!(out.report["inputs"][0]["files_read"].as_u64().is_some_and(|n| n > 100_000), "{}", out.report["inputs"]);
    out.assert_good_finding();
}
