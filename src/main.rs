fn main() {
    std::process::exit(podmortem::cli::main());
}
