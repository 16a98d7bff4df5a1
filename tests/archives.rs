//! Archives are read as streams, never extracted: a bundle gives the same
//! findings from its directory and from every archive form of it. The
//! archives are built here, from the fixtures, with the same crates.

mod common;

use common::fixture;
use podmortem::analyze::{Options, analyze};
use podmortem::ingest::{Input, archive};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read_dir").flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// A tar of `dir` under a top-level folder, as `tar -czf x.tar.gz bundle/` makes it.
fn tar_of(dir: &Path, top: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (rel, bytes) in files_of(dir) {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, format!("{top}/{rel}"), &bytes[..]).expect("append");
    }
    builder.into_inner().expect("tar")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
    enc.write_all(bytes).expect("xz");
    enc.finish().expect("xz")
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write archive");
    path
}

fn report(input: Input) -> Value {
    let r = analyze(&[input], &Options::default()).expect("analysis");
    let value = serde_json::to_value(&r).expect("json");
    common::assert_valid(&value);
    value
}

/// What must not depend on the container format: causes, subjects, states,
/// and the evidence text with its line numbers.
fn essence(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let evidence: Vec<String> = f["evidence"]
                .as_array()
                .expect("evidence")
                .iter()
                .map(|e| format!("{}:{}:{}", e["kind"], e["line"], e["text"]))
                .collect();
            format!(
                "{} {} {} {} {} | {}",
                f["cause"],
                f["state"],
                f["severity"],
                f["subject"]["name"],
                f["subject"]["container"],
                evidence.join(" / ")
            )
        })
        .collect()
}

#[test]
fn every_archive_form_gives_the_directory_findings() {
    let demo = fixture("demo-bundle");
    let expected = essence(&report(Input::Path(demo.clone())));
    assert!(expected.len() >= 5);
    let dir = tempfile::tempdir().expect("tempdir");
    let tar = tar_of(&demo, "support-bundle-2025-08-10T02_08_25");
    let files: Vec<(String, Vec<u8>)> =
        files_of(&demo).into_iter().map(|(rel, b)| (format!("support-bundle-2025-08-10T02_08_25/{rel}"), b)).collect();
    let forms = [
        ("bundle.tar", tar.clone()),
        ("bundle.tar.gz", gzip(&tar)),
        ("bundle.tar.xz", xz(&tar)),
        ("bundle.zip", zip_of(&files)),
        // A bundle archive inside another archive (a ticket attachment zip).
        ("ticket.zip", zip_of(&[("attachments/bundle.tar.gz".to_string(), gzip(&tar))])),
        // The extension lies: recognised by content.
        ("bundle.json", gzip(&tar)),
    ];
    for (name, bytes) in forms {
        let path = write(dir.path(), name, &bytes);
        let r = report(Input::Path(path));
        assert_eq!(essence(&r), expected, "{name} differs from the directory");
        assert_eq!(r["inputs"][0]["container"], "archive", "{name}");
        assert_eq!(r["inputs"][0]["layout"], "support-bundle", "{name}");
    }
}

#[test]
fn a_single_gzipped_file_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pods = std::fs::read(fixture("inputs/pods-list.json")).expect("fixture");
    let path = write(dir.path(), "pods.json.gz", &gzip(&pods));
    let r = report(Input::Path(path));
    assert!(
        r["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["cause"] == "oom-killed")),
        "{:#}",
        r["findings"]
    );
}

#[test]
fn a_truncated_archive_keeps_what_was_read_and_warns() {
    let tar = tar_of(&fixture("demo-bundle"), "b");
    let gz = gzip(&tar);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "cut.tar.gz", &gz[..gz.len() / 2]);
    let r = report(Input::Path(path));
    let warnings = r["warnings"].as_array().expect("warnings");
    assert!(warnings.iter().any(|w| w["code"] == "archive"), "{warnings:#?}");
}

#[test]
fn bounds_cut_with_a_warning_that_names_the_flag() {
    let tar = tar_of(&fixture("demo-bundle"), "b");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "b.tar.gz", &gzip(&tar));
    for (limits, flag) in [
        (archive::Limits { max_entries: 5, ..archive::Limits::default() }, "--max-entries"),
        (archive::Limits { max_total_bytes: 64 * 1024, ..archive::Limits::default() }, "--max-archive-bytes"),
        (archive::Limits { max_entry_bytes: 1024, ..archive::Limits::default() }, "--max-entry-bytes"),
    ] {
        let options = Options { limits, ..Options::default() };
        let r = analyze(&[Input::Path(path.clone())], &options).expect("analysis");
        let value = serde_json::to_value(&r).expect("json");
        let warnings = value["warnings"].as_array().expect("warnings");
        assert!(
            warnings.iter().any(|w| w["code"] == "archive" && w["message"].as_str().unwrap_or("").contains(flag)),
            "{flag}: {warnings:#?}"
        );
    }
}

#[test]
fn hostile_entry_names_are_only_names() {
    // `../../etc/passwd` and absolute paths inside an archive are read as
    // names; nothing is ever written.
    let mut builder = tar::Builder::new(Vec::new());
    let pods = std::fs::read(fixture("inputs/pods-list.json")).expect("fixture");
    for name in ["../../etc/passwd-podmortem-test", "/tmp/podmortem-absolute-test.json", "ok/pods.json"] {
        let mut header = tar::Header::new_gnu();
        header.set_size(pods.len() as u64);
        header.set_mode(0o644);
        // Bypass the builder's own path checks to write the raw hostile name.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, &pods[..]).expect("append");
    }
    let tar = builder.into_inner().expect("tar");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "hostile.tar", &tar);
    let r = report(Input::Path(path));
    assert!(!Path::new("/etc/passwd-podmortem-test").exists());
    assert!(!Path::new("/tmp/podmortem-absolute-test.json").exists());
    assert!(r["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn an_archive_on_standard_input_is_read() {
    let tar = tar_of(&fixture("demo-bundle"), "b");
    let out = assert_cmd::Command::cargo_bin("podmortem")
        .expect("binary")
        .args(["analyze", "-", "--format", "json"])
        .write_stdin(gzip(&tar))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["inputs"][0]["layout"], "support-bundle");
    assert_eq!(essence(&r), essence(&report(Input::Path(fixture("demo-bundle")))));
}
