//! The static binary of `scripts/build-static` is one file that runs on a
//! host with no Rust and no matching glibc: it needs no program interpreter
//! and no shared library, and it analyses a bundle with an empty
//! environment in an empty directory, giving the report the normal build
//! gives (mimalloc, zlib-rs and the C liblzma all linked in).
//!
//! The binary comes from `PODMORTEM_STATIC_BIN` (scripts/test builds it
//! first); without it, this test runs scripts/build-static itself, which
//! cargo makes a no-op when the binary is fresh.
// scripts/build-static builds for x86_64 Linux (gnu) only.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

mod bundles;
mod common;

use common::{assert_valid, fixture};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn static_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("PODMORTEM_STATIC_BIN").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "PODMORTEM_STATIC_BIN={} is not a file: build it with scripts/build-static, or unset the variable",
                path.display()
            );
            return path;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-static");
        let out = Command::new("bash").arg(&script).output().expect("bash runs scripts/build-static");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
        assert!(
            out.status.success(),
            "scripts/build-static failed, so the static binary cannot be tested. It needs the \
             x86_64-unknown-linux-gnu target and glibc's static libraries (Debian: libc6-dev), and \
             a C compiler for mimalloc and liblzma. Its output ends:\n{}",
            tail.join("\n")
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

#[test]
fn the_static_binary_needs_no_interpreter_and_no_shared_library() {
    let bytes = std::fs::read(static_binary()).expect("read the binary");
    let elf = Elf::parse(&bytes).expect("an x86_64 ELF executable");
    assert!(!elf.has_interpreter, "the binary asks for a program interpreter (PT_INTERP): it is dynamically linked");
    assert!(elf.needed == 0, "the binary needs {} shared libraries (DT_NEEDED)", elf.needed);
}

/// Runs the static binary as `env -i` would: no variable at all (no PATH,
/// HOME or locale), in `cwd`.
fn run_bare(cwd: &Path, args: &[&str]) -> Output {
    Command::new(static_binary()).env_clear().current_dir(cwd).args(args).output().expect("the static binary runs")
}

#[test]
fn the_static_binary_analyses_a_bundle_with_an_empty_environment_in_an_empty_directory() {
    let temp = tempfile::tempdir().expect("tempdir");
    let bundle = temp.path().join("bundle");
    bundles::copy_dir(&fixture("demo-bundle"), &bundle);
    let cwd = temp.path().join("empty");
    std::fs::create_dir(&cwd).expect("mkdir");
    let bundle_arg = bundle.to_str().expect("utf-8 path");

    let out = run_bare(&cwd, &["analyze", bundle_arg, "--format", "json"]);
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    assert_valid(&report);
    // fixtures/README.md, demo-bundle: 6 findings, the first the OOM kill of checkout/api.
    assert_eq!(report["summary"]["findings"], 6);
    assert_eq!(report["summary"]["critical"], 3);
    let oom = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["cause"] == "oom-killed")
        .expect("an oom-killed finding");
    assert_eq!(oom["subject"]["namespace"], "checkout");
    assert_eq!(oom["subject"]["container"], "api");

    // The same bytes as the normal (debug, dynamically linked) build.
    let normal = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(["analyze", bundle_arg, "--format", "json"])
        .output()
        .expect("the normal binary runs");
    assert!(normal.status.success());
    assert!(out.stdout == normal.stdout, "the static binary's report differs from the normal build's");

    let text = run_bare(&cwd, &["analyze", bundle_arg]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("podmortem 6 finding(s): 3 critical, 2 warning, 1 info"), "{text}");

    let left: Vec<_> = std::fs::read_dir(&cwd).expect("read_dir").collect();
    assert!(left.is_empty(), "the run wrote into its working directory: {left:?}");
}

#[test]
fn the_static_binary_reads_gzip_and_xz_archives() {
    let temp = tempfile::tempdir().expect("tempdir");
    let tar = bundles::tar_of(&fixture("demo-bundle"), "demo-bundle");
    let cwd = temp.path().join("empty");
    std::fs::create_dir(&cwd).expect("mkdir");
    let mut causes = Vec::new();
    for (name, bytes) in [("bundle.tar.gz", bundles::gzip(&tar)), ("bundle.tar.xz", bundles::xz(&tar))] {
        let archive = temp.path().join(name);
        std::fs::write(&archive, bytes).expect("write the archive");
        let out = run_bare(&cwd, &["analyze", archive.to_str().expect("utf-8"), "--format", "json"]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(report["summary"]["findings"], 6, "{name}");
        causes.push(
            report["findings"].as_array().expect("findings").iter().map(|f| f["cause"].clone()).collect::<Vec<_>>(),
        );
    }
    assert_eq!(causes[0], causes[1], "the gzip and xz archives of one bundle give the same findings");
}

#[test]
fn the_static_binary_prints_completions_and_its_manual_page() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let man = run_bare(cwd.path(), &["man"]);
    assert!(man.status.success());
    assert!(String::from_utf8_lossy(&man.stdout).contains(".SH SYNOPSIS"));
    let bash = run_bare(cwd.path(), &["completions", "bash"]);
    assert!(bash.status.success());
    assert!(String::from_utf8_lossy(&bash.stdout).contains("complete -F _podmortem"));
}

/// What the ELF headers say about dynamic linking: enough of the format
/// (64-bit little-endian, program headers and the dynamic section) to read
/// PT_INTERP and DT_NEEDED, not a general ELF reader.
struct Elf {
    has_interpreter: bool,
    needed: usize,
}

impl Elf {
    fn parse(bytes: &[u8]) -> Option<Elf> {
        const PT_DYNAMIC: u32 = 2;
        const PT_INTERP: u32 = 3;
        const DT_NULL: u64 = 0;
        const DT_NEEDED: u64 = 1;
        let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
        // Magic, ELFCLASS64, ELFDATA2LSB, EM_X86_64.
        if bytes.get(..4)? != b"\x7fELF" || bytes.get(4)? != &2 || bytes.get(5)? != &1 || u16_at(18)? != 62 {
            return None;
        }
        let (phoff, phentsize, phnum) = (u64_at(32)? as usize, u16_at(54)? as usize, u16_at(56)? as usize);
        let mut elf = Elf { has_interpreter: false, needed: 0 };
        for i in 0..phnum {
            let header = phoff + i * phentsize;
            match u32_at(header)? {
                PT_INTERP => elf.has_interpreter = true,
                PT_DYNAMIC => {
                    let (offset, size) = (u64_at(header + 8)? as usize, u64_at(header + 32)? as usize);
                    // Entries of (d_tag, d_val), 16 bytes each, up to DT_NULL.
                    for entry in (offset..offset + size).step_by(16) {
                        match u64_at(entry)? {
                            DT_NULL => break,
                            DT_NEEDED => elf.needed += 1,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Some(elf)
    }
}

#[test]
fn the_elf_reader_sees_a_dynamically_linked_binary() {
    // The reader must be able to fail: the normal build of this test binary
    // is dynamically linked (an interpreter and libc at least).
    let this = std::fs::read(std::env::current_exe().expect("current exe")).expect("read");
    let elf = Elf::parse(&this).expect("an x86_64 ELF executable");
    assert!(elf.has_interpreter);
    assert!(elf.needed >= 1);
}
