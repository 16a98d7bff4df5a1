// mimalloc: on a bundle directory glibc malloc took 16 % of the samples
// (consolidation and free-list work across rayon threads); with mimalloc the
// medium benchmark bundle runs in 0.65 s instead of 0.91 s, for about a
// quarter more peak memory (BENCHMARKS.md, "Change log").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(podmortem::cli::main());
}
