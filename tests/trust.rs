//! The trust guarantees, each with a test. Reports are shared widely, so
//! podmortem must never write or connect where it should not, never let a
//! log line run script in a reader's browser, and never leak a secret.
//!
//! 1. **No writes, no network.** A full analysis (a directory and a
//!    `.tar.gz`) runs under a seccomp filter that kills the process on any
//!    socket system call, and in stdout mode on any file-creating or
//!    -changing one: a clean exit proves none was attempted, and positive
//!    controls prove the filter kills. Under `unshare -n` the report is
//!    byte-identical. The input tree (listing, contents, mtimes), the
//!    working directory, `TMPDIR` and `HOME` are unchanged but for the `-o`
//!    file, and an strace of file-changing system calls lists only that file.
//! 2. **HTML is inert.** The Content-Security-Policy allows only the
//!    report's own style sheet and script, by hash, checked against the
//!    elements actually in the page; a hostile bundle renders as text in
//!    every format (the headless-Chromium half is in tests/browser.rs).
//! 3. **Redaction holds.** Secrets planted in every place a report quotes
//!    reach no format, not even 12 characters of one, though each is shown
//!    with `--no-redact`; the count is reported and equals the markers.
//! 4. **Determinism.** Every fixture bundle (and the shared corpus, when
//!    present) gives byte-identical JSON, Markdown and HTML with one and two
//!    threads.
//! 5. **Clear errors.** Every user-facing error says what was wrong, where,
//!    and what to do, and is never a Rust debug dump.

#[path = "common/bundles.rs"]
mod bundles;
mod common;

use bundles::SECRETS;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn podmortem() -> Command {
    Command::new(env!("CARGO_BIN_EXE_podmortem"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn succeeded(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed ({}): {}", out.status, stderr(out));
    String::from_utf8(out.stdout.clone()).unwrap_or_else(|e| panic!("{what}: the report is not UTF-8: {e}"))
}

/// The demo bundle and a `.tar.gz` of it made here: a directory walk and an
/// archive stream in one analysis.
fn demo_inputs(dir: &Path) -> Vec<PathBuf> {
    let archive = dir.join("demo-bundle.tar.gz");
    let file = std::fs::File::create(&archive).expect("create archive");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
    tar.append_dir_all("demo-bundle", common::fixture("demo-bundle")).expect("tar the demo bundle");
    tar.into_inner().expect("tar").finish().expect("gzip");
    vec![common::fixture("demo-bundle"), archive]
}

// ------------------------------------------------------- 1. no writes, no network

/// Everything under `root` that a write could change: per path (relative),
/// its kind, size, modification time and the SHA-256 of its content.
fn tree(root: &Path) -> BTreeMap<String, String> {
    use sha2::Digest;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        let what = if meta.is_dir() {
            let mut entries: Vec<PathBuf> =
                std::fs::read_dir(&path).expect("readable").map(|e| e.expect("entry").path()).collect();
            entries.sort();
            stack.extend(entries);
            "dir".to_string()
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).expect("readable");
            let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            format!("file {} {digest}", meta.len())
        } else {
            format!("other {:?}", std::fs::read_link(&path).ok())
        };
        out.insert(rel, format!("{what} mtime {mtime:?}"));
    }
    out
}

/// A scratch layout for one run: an empty working directory, `TMPDIR` and
/// `HOME`, all of which must stay as they are.
struct Scratch {
    _dir: tempfile::TempDir,
    cwd: PathBuf,
    tmp: PathBuf,
    home: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        let [cwd, tmp, home] = ["cwd", "tmp", "home"].map(|d| dir.path().join(d));
        for d in [&cwd, &tmp, &home] {
            std::fs::create_dir(d).expect("mkdir");
        }
        Scratch { _dir: dir, cwd, tmp, home }
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.cwd).env("TMPDIR", &self.tmp).env("HOME", &self.home).env("XDG_CACHE_HOME", &self.home);
        c
    }

    /// The names in the working directory; `TMPDIR` and `HOME` stay empty.
    fn created(&self) -> Vec<String> {
        for (name, d) in [("TMPDIR", &self.tmp), ("HOME", &self.home)] {
            let left: Vec<_> = std::fs::read_dir(d).expect("readable").flatten().map(|e| e.path()).collect();
            assert!(left.is_empty(), "podmortem wrote into {name}: {left:?}");
        }
        let mut names: Vec<String> = std::fs::read_dir(&self.cwd)
            .expect("readable")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

#[test]
fn writes_nothing_but_the_output_file_and_leaves_inputs_as_they_were() {
    let inputs_dir = tempfile::tempdir().expect("tempdir");
    let inputs = demo_inputs(inputs_dir.path());
    let before: Vec<_> = inputs.iter().map(|p| tree(p)).collect();
    for format in ["text", "markdown", "html", "json"] {
        let scratch = Scratch::new();
        let out = scratch
            .command(Path::new(env!("CARGO_BIN_EXE_podmortem")))
            .arg("analyze")
            .args(&inputs)
            .args(["--format", format])
            .output()
            .expect("runs");
        assert!(!succeeded(&out, format).is_empty(), "{format}: empty report");
        assert_eq!(scratch.created(), Vec::<String>::new(), "{format} to standard output created files");

        let scratch = Scratch::new();
        let out = scratch
            .command(Path::new(env!("CARGO_BIN_EXE_podmortem")))
            .arg("analyze")
            .args(&inputs)
            .args(["--format", format, "-o", "report.out"])
            .output()
            .expect("runs");
        assert!(succeeded(&out, format).is_empty(), "{format} -o printed the report too");
        assert_eq!(scratch.created(), ["report.out"], "{format} -o report.out");
    }
    let after: Vec<_> = inputs.iter().map(|p| tree(p)).collect();
    assert_eq!(before, after, "the inputs changed");
    assert!(before[0].len() > 20 && before[0].values().any(|v| v.starts_with("file")), "the tree saw the files");
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
mod sandbox {
    //! A seccomp filter that kills the process (SIGSYS) on the first
    //! system call of a kind podmortem must never make, installed in the
    //! child between fork and exec. A clean exit proves that none was made.

    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    };
    use std::collections::BTreeMap;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    /// Every use of a network, or of any socket, starts with one of these.
    const NETWORK: &[libc::c_long] = &[
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        libc::SYS_sendto,
        libc::SYS_sendmsg,
        libc::SYS_sendmmsg,
        libc::SYS_io_uring_setup,
    ];

    /// System calls that create, remove, rename or change a file.
    const FILE_CHANGES: &[libc::c_long] = &[
        libc::SYS_openat2,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_unlinkat,
        libc::SYS_mkdirat,
        libc::SYS_symlinkat,
        libc::SYS_linkat,
        libc::SYS_mknodat,
        libc::SYS_truncate,
        libc::SYS_ftruncate,
        libc::SYS_fallocate,
        libc::SYS_fchmod,
        libc::SYS_fchmodat,
        libc::SYS_fchown,
        libc::SYS_fchownat,
        libc::SYS_utimensat,
        libc::SYS_setxattr,
        libc::SYS_lsetxattr,
        libc::SYS_fsetxattr,
        libc::SYS_removexattr,
        libc::SYS_lremovexattr,
        libc::SYS_fremovexattr,
    ];

    /// The same, as x86-64 still has them without `at`.
    #[cfg(target_arch = "x86_64")]
    const LEGACY_FILE_CHANGES: &[libc::c_long] = &[
        libc::SYS_creat,
        libc::SYS_rename,
        libc::SYS_unlink,
        libc::SYS_rmdir,
        libc::SYS_mkdir,
        libc::SYS_symlink,
        libc::SYS_link,
        libc::SYS_mknod,
        libc::SYS_chmod,
        libc::SYS_chown,
        libc::SYS_lchown,
        libc::SYS_utime,
        libc::SYS_utimes,
        libc::SYS_futimesat,
    ];
    #[cfg(not(target_arch = "x86_64"))]
    const LEGACY_FILE_CHANGES: &[libc::c_long] = &[];

    /// `open`/`openat` with a flag that writes, creates or truncates.
    fn opens_for_writing(flags_arg: u8) -> Vec<SeccompRule> {
        [libc::O_WRONLY, libc::O_RDWR, libc::O_CREAT, libc::O_TRUNC]
            .into_iter()
            .map(|flag| {
                let flag = flag as u64;
                let condition =
                    SeccompCondition::new(flags_arg, SeccompCmpArgLen::Dword, SeccompCmpOp::MaskedEq(flag), flag)
                        .expect("condition");
                SeccompRule::new(vec![condition]).expect("rule")
            })
            .collect()
    }

    /// Kills on any socket system call; with `no_writes`, also on any that
    /// creates or changes a file (so not with `-o`).
    pub fn filter(no_writes: bool) -> BpfProgram {
        let mut rules: BTreeMap<i64, Vec<SeccompRule>> = NETWORK.iter().map(|&nr| (nr, Vec::new())).collect();
        if no_writes {
            rules.extend(FILE_CHANGES.iter().chain(LEGACY_FILE_CHANGES).map(|&nr| (nr, Vec::new())));
            rules.insert(libc::SYS_openat, opens_for_writing(2));
            #[cfg(target_arch = "x86_64")]
            rules.insert(libc::SYS_open, opens_for_writing(1));
        }
        let arch = std::env::consts::ARCH.try_into().expect("a seccompiler architecture");
        let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::KillProcess, arch).expect("filter");
        filter.try_into().expect("compiles to BPF")
    }

    /// Installs `program` in the child that `command` starts.
    pub fn confine(command: &mut Command, program: BpfProgram) {
        // SAFETY: the hook runs in the forked child before exec and makes
        // only the prctl(PR_SET_NO_NEW_PRIVS) and seccomp system calls: it
        // allocates nothing and takes no lock.
        unsafe {
            command.pre_exec(move || seccompiler::apply_filter(&program).map_err(|_| std::io::Error::last_os_error()));
        }
    }
}

/// A child of this test binary for the sandbox's positive controls: it
/// opens a socket or creates a file, as `PODMORTEM_SANDBOX_CHILD` says.
#[test]
#[ignore = "run by sandbox_kills_a_socket_and_a_file_write as a child process"]
fn sandbox_child() {
    match std::env::var("PODMORTEM_SANDBOX_CHILD").as_deref() {
        Ok("socket") => {
            let _ = std::net::UdpSocket::bind("127.0.0.1:0");
        }
        Ok("write") => {
            let dir = std::env::var_os("PODMORTEM_SANDBOX_DIR").expect("PODMORTEM_SANDBOX_DIR");
            let _ = std::fs::write(Path::new(&dir).join("written"), "x");
        }
        _ => {}
    }
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
#[test]
fn sandbox_kills_a_socket_and_a_file_write() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |what: &str, no_writes: bool| {
        let mut c = Command::new(std::env::current_exe().expect("test binary"));
        c.args(["--exact", "sandbox_child", "--ignored", "--test-threads=1"])
            .env("PODMORTEM_SANDBOX_CHILD", what)
            .env("PODMORTEM_SANDBOX_DIR", dir.path());
        sandbox::confine(&mut c, sandbox::filter(no_writes));
        c.output().expect("the child starts").status
    };
    assert!(run("nothing", true).success(), "the harness itself must pass the filter, or the controls prove nothing");
    assert_eq!(run("socket", false).signal(), Some(libc::SIGSYS), "a socket must kill the process");
    assert_eq!(run("write", true).signal(), Some(libc::SIGSYS), "creating a file must kill the process");
    assert!(run("write", false).success(), "without no_writes a file may be written (the -o case)");
    assert_eq!(std::fs::read_dir(dir.path()).expect("readable").count(), 1, "only the unconfined write happened");
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
#[test]
fn a_full_analysis_opens_no_socket_and_writes_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = demo_inputs(dir.path());
    for format in ["text", "markdown", "html", "json"] {
        let mut c = podmortem();
        c.arg("analyze").args(&inputs).args(["--format", format]);
        sandbox::confine(&mut c, sandbox::filter(true));
        let report = succeeded(&c.output().expect("runs"), &format!("{format} under seccomp"));
        assert!(report.contains("checkout"), "{format}: the demo bundle was analysed");
    }
    // With -o the output file is written: sockets stay forbidden.
    let mut c = podmortem();
    c.current_dir(dir.path()).arg("analyze").args(&inputs).args(["--format", "html", "-o", "report.html"]);
    sandbox::confine(&mut c, sandbox::filter(false));
    succeeded(&c.output().expect("runs"), "-o under seccomp");
    assert!(dir.path().join("report.html").is_file());
}

/// Whether `unshare -n` can make a network namespace here (root, or user
/// namespaces allowed).
fn unshare_works() -> bool {
    Command::new("unshare").args(["-n", "true"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn without_a_network_the_report_is_the_same() {
    if !unshare_works() {
        eprintln!("note: `unshare -n` is not available here (util-linux, root or user namespaces); skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = demo_inputs(dir.path());
    for format in ["json", "html"] {
        let plain = succeeded(
            &podmortem().arg("analyze").args(&inputs).args(["--format", format]).output().expect("runs"),
            format,
        );
        let offline = Command::new("unshare")
            .arg("-n")
            .arg(env!("CARGO_BIN_EXE_podmortem"))
            .arg("analyze")
            .args(&inputs)
            .args(["--format", format])
            .output()
            .expect("runs");
        assert_eq!(plain, succeeded(&offline, "under unshare -n"), "{format} differs without a network");
    }
}

/// The strace of file-changing and network system calls, or None (with a
/// note) when strace is missing and `PODMORTEM_SKIP_STRACE=1` is set.
fn strace(scratch: &Scratch, args: &[&std::ffi::OsStr]) -> Option<Vec<String>> {
    let available = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    if !available {
        if std::env::var("PODMORTEM_SKIP_STRACE").as_deref() == Ok("1") {
            eprintln!("note: strace is missing and PODMORTEM_SKIP_STRACE=1: the trace of file writes is skipped");
            return None;
        }
        panic!(
            "strace is not installed. The no-writes test traces podmortem's file system calls with it: run \
             scripts/test, which installs it, or `apt-get install -y --no-install-recommends strace`. To skip \
             that trace, set PODMORTEM_SKIP_STRACE=1."
        );
    }
    let log = scratch.tmp.parent().expect("scratch").join("strace.log");
    let mut c = scratch.command(Path::new("strace"));
    c.args(["-f", "-qq", "-e", "trace=%file,%network,ftruncate,fallocate,fchmod,fchown,fsetxattr,fremovexattr", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_podmortem"))
        .args(args);
    let out = c.output().expect("strace runs");
    succeeded(&out, "podmortem under strace");
    let text = std::fs::read_to_string(&log).expect("strace log");
    assert!(text.contains("execve("), "strace traced nothing: {text}");
    Some(text.lines().filter(|l| changes_something(l)).map(str::to_string).collect())
}

/// Whether a line of `strace -f` output is a system call that opens a
/// socket or creates, writes, removes or changes a file.
fn changes_something(line: &str) -> bool {
    // `PID name(args...) = result`; `<... name resumed>` repeats an
    // earlier line, whose arguments were shown then.
    let call = line.split_once(' ').map_or(line, |(_, rest)| rest).trim_start();
    let Some((name, args)) = call.split_once('(') else { return false };
    const WRITE_FLAGS: [&str; 4] = ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"];
    match name {
        "open" | "openat" | "openat2" => WRITE_FLAGS.iter().any(|f| args.contains(f)),
        "execve" | "access" | "faccessat" | "faccessat2" | "stat" | "lstat" | "newfstatat" | "statx" | "statfs"
        | "readlink" | "readlinkat" | "getcwd" | "chdir" | "getxattr" | "lgetxattr" | "listxattr" | "llistxattr"
        | "inotify_add_watch" => false,
        _ => !name.starts_with('<') && !name.starts_with("---") && !name.starts_with("+++"),
    }
}

#[test]
fn an_strace_of_file_and_network_calls_shows_only_the_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = demo_inputs(dir.path());
    let inputs: Vec<&std::ffi::OsStr> = inputs.iter().map(|p| p.as_os_str()).collect();
    let scratch = Scratch::new();
    let mut args: Vec<&std::ffi::OsStr> = vec!["analyze".as_ref()];
    args.extend(&inputs);
    args.extend(["--format", "html", "-o", "report.html"].map(std::ffi::OsStr::new));
    let Some(calls) = strace(&scratch, &args) else { return };
    assert_eq!(calls.len(), 1, "only the -o file may be written: {calls:#?}");
    assert!(calls[0].contains("\"report.html\"") && calls[0].contains("O_CREAT"), "{calls:#?}");
    assert_eq!(scratch.created(), ["report.html"]);

    let scratch = Scratch::new();
    let mut args: Vec<&std::ffi::OsStr> = vec!["analyze".as_ref()];
    args.extend(&inputs);
    args.extend(["--format", "json"].map(std::ffi::OsStr::new));
    let calls = strace(&scratch, &args).expect("strace ran above");
    assert!(calls.is_empty(), "printing to standard output writes no file: {calls:#?}");
}

#[test]
fn the_strace_filter_sees_writes_and_sockets() {
    for (line, changes) in [
        (r#"123 openat(AT_FDCWD, "out.html", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3"#, true),
        (r#"123 openat(AT_FDCWD, "pods.json", O_RDONLY|O_CLOEXEC) = 3"#, false),
        (r#"123 openat(AT_FDCWD, "x", O_RDWR <unfinished ...>"#, true),
        (r#"123 <... openat resumed>) = 4"#, false),
        (r#"123 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3"#, true),
        (r#"123 unlinkat(AT_FDCWD, "x", 0) = 0"#, true),
        (r#"123 rename("a", "b") = 0"#, true),
        (r#"123 statx(AT_FDCWD, "pods", AT_STATX_SYNC_AS_STAT, STATX_ALL, {}) = 0"#, false),
        (r#"123 +++ exited with 0 +++"#, false),
    ] {
        assert_eq!(changes_something(line), changes, "{line}");
    }
}

// ------------------------------------------------------------- 2. HTML is inert

fn render_dir(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out = podmortem().arg("analyze").arg(dir).args(["--format", format]).args(extra).output().expect("runs");
    succeeded(&out, &format!("{} --format {format}", dir.display()))
}

/// The text of every `<tag>` element (without attributes) of `html`.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let body = &rest[at + open.len()..];
        let end = body.find(&close).unwrap_or_else(|| panic!("<{tag}> is not closed"));
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

fn csp_directives(html: &str) -> BTreeMap<String, Vec<String>> {
    let marker = r#"<meta http-equiv="Content-Security-Policy" content=""#;
    assert_eq!(html.matches(marker).count(), 1, "one CSP meta tag");
    let start = html.find(marker).expect("CSP") + marker.len();
    let policy = &html[start..start + html[start..].find('"').expect("closing quote")];
    policy
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace().map(str::to_string);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

#[test]
fn the_csp_allows_only_the_reports_own_style_and_script_by_hash() {
    use base64::Engine;
    use sha2::Digest;
    let hash = |text: &str| {
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes())))
    };
    let html = render_dir(&common::fixture("demo-bundle"), "html", &[]);
    let csp = csp_directives(&html);
    let directive = |name: &str| csp.get(name).cloned().unwrap_or_else(|| panic!("CSP without {name}: {csp:?}"));
    for (name, value) in
        [("default-src", "'none'"), ("base-uri", "'none'"), ("form-action", "'none'"), ("object-src", "'none'")]
    {
        assert_eq!(directive(name), [value], "{name}");
    }
    assert_eq!(directive("img-src"), ["data:"]);
    for (tag, name) in [("script", "script-src"), ("style", "style-src")] {
        let allowed = directive(name);
        assert!(!allowed.iter().any(|s| s.contains("unsafe")), "{name} allows {allowed:?}");
        let bodies = elements(&html, tag);
        assert_eq!(bodies.len(), 1, "one <{tag}> element, the report's own");
        let hashes: Vec<String> = bodies.iter().map(|b| hash(b)).collect();
        assert_eq!(allowed, hashes, "{name} must name exactly the hash of each inline <{tag}>");
        assert_eq!(
            html.matches(&format!("<{tag}")).count(),
            bodies.len(),
            "a <{tag}> with attributes escaped the check"
        );
    }
    // A hash policy ignores style attributes: one would silently not apply.
    assert!(!html.contains(" style=\""), "an inline style attribute would be blocked by the CSP");
    assert!(!inline_handler(&html), "an inline event handler would be blocked by the CSP");
}

/// Whether the page has an inline event handler attribute (`onclick=`…),
/// which a hash policy blocks.
fn inline_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    })
}

#[test]
fn a_hostile_bundle_is_text_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundles::hostile_bundle(dir.path());
    let json = render_dir(&bundle, "json", &[]);
    let report: Value = serde_json::from_str(&json).expect("JSON");
    common::assert_valid(&report);
    assert!(!common::findings(&report).is_empty(), "the hostile pod must be analysed");
    let data = serde_json::to_string(&report).expect("serialises");
    for h in bundles::HOSTILE {
        let h = serde_json::to_string(h).expect("string");
        assert!(data.contains(&h[1..h.len() - 1]), "{h} is not quoted by the report: the test would prove nothing");
    }
    let bidi: Vec<char> = bundles::BIDI.chars().filter(|c| !c.is_alphanumeric() && *c != ' ' && *c != '.').collect();
    assert!(report["findings"][0]["evidence"].to_string().contains('\u{202e}'), "JSON keeps the data exact");

    let html = render_dir(&bundle, "html", &[]);
    assert_eq!(html.matches("<script").count(), 1, "the only script element is the report's own");
    for forbidden in
        ["<img", "<svg onload", "<iframe", "href=\"javascript", "src=\"javascript", "<textarea", "</noscript>"]
    {
        assert!(!html.contains(forbidden), "HTML holds {forbidden}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "log text is escaped");
    assert!(html.contains("{{ 7*7 }}"), "template syntax in the data is printed, not evaluated");

    let markdown = render_dir(&bundle, "markdown", &[]);
    let text = render_dir(&bundle, "text", &[]);
    for (format, out) in [("JSON", &json), ("HTML", &html), ("Markdown", &markdown), ("text", &text)] {
        let raw: Vec<char> =
            out.chars().filter(|c| bidi.contains(c) || c.is_control() && !matches!(c, '\n' | '\t')).collect();
        assert!(raw.is_empty(), "{format} holds raw bidi or control characters {raw:?}");
    }
    for (format, out) in [("HTML", &html), ("Markdown", &markdown), ("text", &text)] {
        for c in &bidi {
            let marker = format!("⟨U+{:04X}⟩", u32::from(*c));
            assert!(out.contains(&marker), "{format} does not show {marker}");
        }
    }
    markdown_is_inert(&markdown);
}

/// Markdown as a renderer (GitHub, GitLab) reads it: no raw HTML made of
/// the bundle's text, and no link anywhere but to the report's own anchors.
fn markdown_is_inert(markdown: &str) {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut html_nodes = Vec::new();
    for event in Parser::new_ext(markdown, pulldown_cmark::Options::all()) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => html_nodes.push(h.to_string()),
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                assert!(dest_url.starts_with('#'), "Markdown links to {dest_url}");
            }
            _ => {}
        }
    }
    // The template's own tags: anchors, <details>, <summary>, <sub>.
    let ours = |tag: &str| {
        let anchor = tag.strip_prefix("<a id=\"").and_then(|t| t.strip_suffix("\">"));
        anchor.is_some_and(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            || ["</a>", "<details>", "</details>", "<summary>", "</summary>", "<sub>", "</sub>"].contains(&tag)
    };
    let foreign: Vec<&str> = html_nodes
        .iter()
        .flat_map(|h| {
            h.match_indices('<').map(move |(at, _)| &h[at..at + h[at..].find('>').map_or(h.len() - at, |e| e + 1)])
        })
        .filter(|tag| !ours(tag))
        .collect();
    assert!(foreign.is_empty(), "Markdown holds raw HTML from the data: {foreign:?}");
}

#[test]
fn the_markdown_check_fails_on_markup_and_links() {
    markdown_is_inert("# report\n\n<a id=\"f-0001\"></a>\n\ntext \\<script> and `<b>`\n");
    for bad in
        ["text <img src=x onerror=alert(1)> more", "[open](javascript:alert(1))", "<script>\nalert(1)\n</script>"]
    {
        assert!(std::panic::catch_unwind(|| markdown_is_inert(bad)).is_err(), "{bad:?} passed the check");
    }
}

// ---------------------------------------------------------- 3. redaction holds

/// A run over the planted inputs.
fn analyse(inputs: &[PathBuf], format: &str, extra: &[&str]) -> String {
    let out = podmortem().arg("analyze").args(inputs).args(["--format", format]).args(extra).output().expect("runs");
    succeeded(&out, &format!("--format {format} {extra:?}"))
}

/// The planted secrets of which 12 characters in a row are in `report`.
fn leaks(report: &str) -> Vec<String> {
    SECRETS
        .iter()
        .filter_map(|s| {
            let chars: Vec<char> = s.value.chars().collect();
            chars
                .windows(12)
                .map(|w| w.iter().collect::<String>())
                .find(|w| report.contains(w.as_str()))
                .map(|w| format!("{} ({w}…)", s.kind))
        })
        .collect()
}

#[test]
fn planted_secrets_reach_no_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = bundles::secrets_bundle(dir.path());
    // Each planted value is quoted somewhere when redaction is off: the
    // places are real, and the redacted run below proves something.
    let shown = analyse(&inputs, "json", &["--no-redact"]);
    let not_quoted: Vec<&str> = SECRETS
        .iter()
        .filter(|s| !shown.contains(s.value))
        .filter(|s| s.kind != bundles::OLD_DB_PASSWORD.kind && s.kind != bundles::ENV_AWS_SECRET.kind)
        .map(|s| s.kind)
        .collect();
    assert!(not_quoted.is_empty(), "planted but never quoted, so nothing is proven for: {not_quoted:?}");
    for format in ["json", "markdown", "html", "text"] {
        let report = analyse(&inputs, format, &[]);
        let found = leaks(&report);
        assert!(found.is_empty(), "{format} report leaks {found:?}");
        assert!(report.contains("[REDACTED]"), "{format}");
    }
    let report: Value = serde_json::from_str(&analyse(&inputs, "json", &[])).expect("JSON");
    common::assert_valid(&report);
    let count = report["summary"]["redactions"].as_u64().expect("summary.redactions");
    let quoted = SECRETS.iter().filter(|s| shown.contains(s.value)).count() as u64;
    assert!(count >= quoted, "{count} redactions for {quoted} distinct secrets quoted");
}

/// Trigger changes that name a secret keep the name and hide the value:
/// env values by their variable, annotations by their key.
#[test]
fn secret_names_stay_and_their_values_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = bundles::secrets_bundle(dir.path());
    let report: Value = serde_json::from_str(&analyse(&inputs[..1], "json", &[])).expect("JSON");
    let ledger = common::findings(&report).iter().find(|f| f["subject"]["container"] == "ledger").expect("ledger");
    let changes = ledger["trigger"]["changes"].as_array().expect("trigger changes");
    let after = |field: &str| {
        changes.iter().find(|c| c["field"] == field).map(|c| c["after"].clone()).unwrap_or_else(|| {
            panic!("no change of {field}: {changes:#?}");
        })
    };
    assert_eq!(after("annotations.vault.example.com/agent-token"), "[REDACTED]");
    let applied = after("annotations.kubectl.kubernetes.io/last-applied-configuration");
    assert!(
        applied.as_str().is_some_and(|a| a.contains(r#""name":"STRIPE_API_KEY","value":"[REDACTED]""#)),
        "{applied}"
    );
    let args = after("args").to_string();
    assert!(args.contains("--db-password=[REDACTED]") && args.contains("--listen=:8080"), "{args}");
}

/// Where the count is well defined (no private key spread over several
/// quoted lines, which hides several lines as one value), it is the number
/// of `[REDACTED]` markers the reader sees, highlights aside (they repeat a
/// part of their evidence line).
#[test]
fn the_count_is_the_number_of_markers() {
    fn markers(v: &Value, key: &str) -> u64 {
        match v {
            Value::String(s) if key != "highlight" => s.matches("[REDACTED]").count() as u64,
            Value::Array(a) => a.iter().map(|x| markers(x, key)).sum(),
            Value::Object(o) => o.iter().map(|(k, x)| markers(x, k)).sum(),
            _ => 0,
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = bundles::secrets_bundle(dir.path());
    let without_pem = &inputs[..3];
    let report: Value = serde_json::from_str(&analyse(without_pem, "json", &[])).expect("JSON");
    let count = report["summary"]["redactions"].as_u64().expect("count");
    assert!(count > 20, "{count}");
    assert_eq!(count, markers(&report, ""), "summary.redactions and the markers in the report disagree");
    let text = analyse(without_pem, "text", &[]);
    assert!(text.contains(&format!("\n{count} value(s) redacted (--no-redact to show)\n")), "{text}");
    let html = analyse(without_pem, "html", &[]);
    assert!(html.contains(&format!("{count} values redacted")), "the HTML report says how many");
}

// ------------------------------------------------------------ 4. determinism

/// Every fixture bundle: a directory or file the tests analyse as one input.
/// A new family of fixtures must be added here (the test fails otherwise).
fn fixture_bundles() -> Vec<PathBuf> {
    let root = common::fixture("");
    let entries = |dir: &Path| -> Vec<PathBuf> {
        let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        list.sort();
        list
    };
    let mut bundles = Vec::new();
    for family in entries(&root) {
        let name = family.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match name.as_str() {
            "README.md" => {}
            "demo-bundle" => bundles.push(family),
            "custom-rules" => bundles.push(family.join("bundle")),
            "incidents" | "inputs" | "layouts" => bundles.extend(entries(&family)),
            "rules" => bundles.extend(entries(&family).iter().flat_map(|rule| entries(rule))),
            other => panic!("fixtures/{other} is not in the determinism test's list: add it to fixture_bundles"),
        }
    }
    bundles
}

/// The bundles of the shared corpus: each repository's folder, and each
/// archive in it on its own. None when the corpus is absent.
fn corpus_bundles() -> Option<Vec<PathBuf>> {
    let root = std::env::var_os("PODMORTEM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let repos = std::fs::read_dir(&root).ok()?;
    let mut bundles: Vec<PathBuf> = repos.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    let mut stack = bundles.clone();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.to_string_lossy();
            if path.is_dir() {
                stack.push(path);
            } else if [".tar.gz", ".tgz", ".tar.xz", ".zip", ".tar"].iter().any(|x| name.ends_with(x)) {
                bundles.push(path);
            }
        }
    }
    bundles.sort();
    Some(bundles)
}

/// JSON, Markdown and HTML of one analysis, on `threads` threads.
fn reports(pool: &rayon::ThreadPool, catalog: &podmortem::rules::Catalog, input: &Path) -> [String; 3] {
    use podmortem::render::{Format, render};
    pool.install(|| {
        let inputs = [podmortem::ingest::Input::Path(input.to_path_buf())];
        let options = podmortem::analyze::Options::default();
        let report = podmortem::analyze::analyze_with(&inputs, &options, catalog)
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        [Format::Json, Format::Markdown, Format::Html].map(|f| render(&report, f, false).expect("renders"))
    })
}

fn assert_same_with_one_and_two_threads(bundles: &[PathBuf]) {
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let catalog = podmortem::rules::Catalog::builtin();
    for bundle in bundles {
        let (a, b) = (reports(&one, &catalog, bundle), reports(&two, &catalog, bundle));
        for (format, (a, b)) in ["JSON", "Markdown", "HTML"].iter().zip(a.iter().zip(&b)) {
            assert!(a == b, "{}: the {format} report differs between 1 and 2 threads", bundle.display());
        }
    }
}

/// The binary, with `RAYON_NUM_THREADS`, on groups of bundles in one run:
/// the whole pipeline, merging included, in a few processes.
fn assert_binary_same_with_one_and_two_threads(group: &[PathBuf], extra: &[&str]) {
    for format in ["json", "markdown", "html"] {
        let run = |threads: &str| {
            let out = podmortem()
                .env("RAYON_NUM_THREADS", threads)
                .arg("analyze")
                .args(group)
                .args(["--format", format, "--quiet"])
                .args(extra)
                .output()
                .expect("runs");
            succeeded(&out, &format!("{format} with {threads} thread(s)"))
        };
        assert!(run("1") == run("2"), "the {format} report of {} bundles differs with 1 and 2 threads", group.len());
    }
}

#[test]
fn every_fixture_bundle_is_byte_identical_with_one_and_two_threads() {
    let mut bundles = fixture_bundles();
    assert!(bundles.len() > 80, "only {} fixture bundles found", bundles.len());
    let dir = tempfile::tempdir().expect("tempdir");
    bundles.push(bundles::hostile_bundle(dir.path()));
    bundles.extend(bundles::secrets_bundle(dir.path()));
    assert_same_with_one_and_two_threads(&bundles);
    let custom = common::fixture("custom-rules/router.yaml");
    let custom = ["--rules", custom.to_str().expect("UTF-8 path")];
    let family = |b: &PathBuf| {
        ["rules", "incidents", "layouts", "inputs"].into_iter().find(|f| b.starts_with(common::fixture(f)))
    };
    let mut groups: BTreeMap<Option<&str>, Vec<PathBuf>> = BTreeMap::new();
    for b in &bundles {
        groups.entry(family(b)).or_default().push(b.clone());
    }
    assert_eq!(groups.len(), 5, "{:?}", groups.keys());
    for group in groups.values() {
        assert!(!group.is_empty());
        assert_binary_same_with_one_and_two_threads(group, &custom);
    }
}

#[test]
fn every_corpus_bundle_is_byte_identical_with_one_and_two_threads() {
    let Some(bundles) = corpus_bundles() else {
        eprintln!(
            "note: ../shared/corpus is absent (a fresh clone): the corpus half of the determinism test is skipped"
        );
        return;
    };
    assert!(!bundles.is_empty());
    assert_same_with_one_and_two_threads(&bundles);
    // The two must-gather archives take seconds each in a debug build;
    // they were compared above, in every format.
    let small: Vec<PathBuf> =
        bundles.into_iter().filter(|b| b.is_dir() || b.metadata().is_ok_and(|m| m.len() < 1 << 20)).collect();
    assert_binary_same_with_one_and_two_threads(&small, &[]);
}

// ------------------------------------------------------------ 5. clear errors

/// Debug renderings of Rust values that must never reach a user.
const DEBUG_DUMPS: &[&str] =
    &["Os {", "kind:", "Custom {", "Error(", "{ code:", "Some(", "Err(", "panicked", "RUST_BACKTRACE"];

struct Case {
    name: &'static str,
    args: Vec<String>,
    /// What the message must name (the flag, the path…).
    names: Vec<String>,
    /// Words of the advice on what to do.
    advice: &'static [&'static str],
}

fn case(name: &'static str, args: &[&str], names: &[&str], advice: &'static [&'static str]) -> Case {
    Case {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
        names: names.iter().map(|n| n.to_string()).collect(),
        advice,
    }
}

#[test]
fn every_user_facing_error_says_what_where_and_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let demo = common::fixture("demo-bundle").to_string_lossy().into_owned();
    let broken = common::fixture("custom-rules/broken.yaml").to_string_lossy().into_owned();
    std::fs::write(d("not-a-bundle.gz"), b"\x1f\x8b\x08\x00garbage, not gzip").expect("write");
    std::fs::create_dir(d("a-directory")).expect("mkdir");
    let version = format!("{demo}/version.yaml");
    let cases = [
        case("missing input", &["analyze", &d("missing")], &[&d("missing")], &["give", "hint"]),
        case("input under a file", &["analyze", &format!("{version}/x")], &[&format!("{version}/x")], &["hint"]),
        case("no input at all", &["analyze"], &["<PATH>"], &["Usage"]),
        case("a corrupt archive", &["analyze", &d("not-a-bundle.gz")], &[&d("not-a-bundle.gz")], &["hint"]),
        case("an empty directory", &["analyze", &d("a-directory")], &[&d("a-directory")], &["hint"]),
        case(
            "-o into a missing directory",
            &["analyze", &demo, "-o", &d("missing/report.html")],
            &[&d("missing")],
            &["create", "hint"],
        ),
        case(
            "-o a directory",
            &["analyze", &demo, "-o", &d("a-directory")],
            &[&d("a-directory")],
            &["file name", "hint"],
        ),
        case("bad --format", &["analyze", &demo, "--format", "pdf"], &["--format", "pdf"], &["possible values"]),
        case("bad --now", &["analyze", &demo, "--now", "yesterday"], &["--now", "yesterday"], &["such as"]),
        case(
            "bad --layout",
            &["analyze", &demo, "--layout", "tarball"],
            &["--layout", "tarball"],
            &["possible values"],
        ),
        case("bad --fail-on", &["analyze", &demo, "--fail-on", "error"], &["--fail-on", "error"], &["possible values"]),
        case(
            "bad size",
            &["analyze", &demo, "--max-archive-bytes", "12Q"],
            &["--max-archive-bytes", "12Q"],
            &["such as"],
        ),
        case(
            "bad --logs-for",
            &["analyze", &demo, "--logs-for", "api.log"],
            &["--logs-for", "api.log"],
            &["NS/POD/CONTAINER=FILE"],
        ),
        case("--logs-for a file not given", &["analyze", &demo, "--logs-for", "a/b/c=x.log"], &["x.log"], &["hint"]),
        case("stdin twice", &["analyze", "-", "-"], &["standard input"], &["only once"]),
        case(
            "broken rule pack",
            &["analyze", &demo, "--rules", &broken],
            &[&format!("{broken}:6:8")],
            &["rules --check"],
        ),
        case("missing rule pack", &["analyze", &demo, "--rules", &d("rules.yaml")], &[&d("rules.yaml")], &["hint"]),
        case("rules --check", &["rules", "--check", &broken], &[&format!("{broken}:10:1")], &["use one of"]),
        case("unknown cause", &["explain", "oom"], &["oom"], &["podmortem rules"]),
        case("unknown rule", &["rules", "--show", "oom"], &["oom"], &["podmortem rules"]),
        case("unknown subcommand", &["analyse", &demo], &["analyse"], &["analyze"]),
        case("unknown flag", &["analyze", &demo, "--namespaces", "x"], &["--namespaces"], &["--namespace"]),
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        let out = podmortem().args(&c.args).current_dir(dir.path()).output().expect("runs");
        let err = stderr(&out);
        let mut problems = Vec::new();
        if out.status.code() != Some(2) {
            problems.push(format!("exit status {} instead of 2", out.status));
        }
        problems.extend(c.names.iter().filter(|n| !err.contains(n.as_str())).map(|n| format!("does not name {n}")));
        problems.extend(c.advice.iter().filter(|a| !err.contains(*a)).map(|a| format!("no advice ({a})")));
        problems.extend(DEBUG_DUMPS.iter().filter(|d| err.contains(*d)).map(|d| format!("a debug dump ({d})")));
        if !problems.is_empty() {
            wrong.push(format!("{}: {}\n{err}", c.name, problems.join("; ")));
        }
    }
    assert!(wrong.is_empty(), "unclear errors:\n{}", wrong.join("\n"));
}

/// Unreadable inputs. chmod 000 does not stop root, so that case runs only
/// for other users; a Unix socket cannot be opened as a file by anyone.
#[test]
fn an_unreadable_input_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("pods.json");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("a socket file");
    let locked = dir.path().join("events.json");
    std::fs::write(&locked, "{}").expect("write");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let mut cases = vec![socket];
    if std::fs::read(&locked).is_ok() {
        eprintln!("note: running as root, which reads a chmod 000 file: that case is skipped (the socket case runs)");
    } else {
        cases.push(locked);
    }
    for path in cases {
        let out = podmortem().arg("analyze").arg(&path).output().expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&*path.to_string_lossy()) && err.contains("cannot read") && err.contains("hint:"),
            "{err}"
        );
        assert!(!DEBUG_DUMPS.iter().any(|d| err.contains(d)), "{err}");
    }
}
