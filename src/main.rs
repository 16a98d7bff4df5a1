// mimalloc: on a bundle directory glibc malloc took 16 % of the samples
// (consolidation and free-list work across rayon threads); with mimalloc the
// medium benchmark bundle runs in 0.65 s instead of 0.91 s, for about a
// quarter more peak memory (BENCHMARKS.md, "Change log").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // mimalloc asks for transparent huge pages on its arenas. A parse that
    // touches a little of many 2 MiB pages then pays for zeroing all of each
    // (17 % of the samples on the full-size benchmark bundle) and holds them
    // resident: turning THP off for this process took a full-size events
    // parse from 1.7 s to 0.4 s of system time and from 680 to 450 MiB peak
    // RSS (BENCHMARKS.md, "Change log"). It only affects this process.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes no
    // memory this program holds.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    std::process::exit(podmortem::cli::main());
}
