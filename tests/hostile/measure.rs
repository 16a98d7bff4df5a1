//! Runs the podmortem binary and measures the child's peak memory.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};

/// What one run gave.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set size of the child, in bytes (`ru_maxrss`).
    pub max_rss: u64,
}

/// A safety net, not the bound the tests assert: a run-away child is
/// stopped by the kernel before it takes the machine down with it. Address
/// space counts mappings never touched (thread stacks, allocator arenas),
/// so it sits well above the asserted RSS bound.
const ADDRESS_SPACE_LIMIT: u64 = 8 << 30;

/// Spawns `command` (stdin closed, stdout and stderr captured), waits for
/// it with `wait4` to get its own resource usage, and returns what it did.
pub fn run_measured(command: &mut Command) -> Run {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Reaped by `wait4` below, which std's `Child` does not know about.
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().expect("spawn podmortem");
    let pid = child.id() as libc::pid_t;
    let limit = libc::rlimit { rlim_cur: ADDRESS_SPACE_LIMIT, rlim_max: ADDRESS_SPACE_LIMIT };
    // SAFETY: plain system call on our own child; a failure only loses the safety net.
    unsafe { libc::prlimit(pid, libc::RLIMIT_AS, &limit, std::ptr::null_mut()) };
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let mut raw_status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = loop {
        // SAFETY: `pid` is our child, not yet reaped (std's `Child` is never waited on).
        let r = unsafe { libc::wait4(pid, &mut raw_status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    use std::os::unix::process::ExitStatusExt;
    Run {
        status: ExitStatus::from_raw(raw_status),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        // Linux reports ru_maxrss in KiB.
        max_rss: usage.ru_maxrss as u64 * 1024,
    }
}
