//! Replays every input the fuzzer ever crashed, hung or blew up memory on
//! (`fuzz/regressions/<target>/`) through the same harness the fuzz target
//! runs (`podmortem::fuzzing`), so a fixed bug stays fixed without a
//! nightly toolchain or libFuzzer.

use std::path::{Path, PathBuf};

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions")
}

fn inputs_of(target: &str) -> Vec<PathBuf> {
    let dir = regressions().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; every fuzz target needs a regressions folder", dir.display()))
        .map(|entry| entry.expect("readable regressions folder").path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

#[test]
fn every_saved_input_passes_its_harness() {
    for (target, harness) in podmortem::fuzzing::TARGETS {
        // The empty input reaches every harness's early exits.
        harness(b"");
        for file in inputs_of(target) {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            eprintln!("replaying {}", file.display());
            harness(&data);
        }
    }
}

/// A target without a harness, or a harness without a target, means one of
/// the two lists was not updated.
#[test]
fn every_fuzz_target_has_a_harness_and_a_regressions_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut on_disk: Vec<String> = std::fs::read_dir(&root)
        .expect("fuzz/fuzz_targets")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().expect("file name").to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut harnesses: Vec<String> = podmortem::fuzzing::TARGETS.iter().map(|(name, _)| name.to_string()).collect();
    harnesses.sort();
    assert_eq!(on_disk, harnesses, "fuzz/fuzz_targets/*.rs and podmortem::fuzzing::TARGETS differ");
    for name in &harnesses {
        let target = std::fs::read_to_string(root.join(format!("{name}.rs"))).expect("target source");
        assert!(
            target.contains(&format!("podmortem::fuzzing::{name}(")),
            "fuzz/fuzz_targets/{name}.rs does not call podmortem::fuzzing::{name}"
        );
        assert!(regressions().join(name).is_dir(), "fuzz/regressions/{name}/ is missing");
    }
}

/// serde_yaml's document iterator repeats a syntax error forever; the rule
/// loader used to collect it until memory ran out (a NUL byte was enough).
#[test]
fn a_rule_file_with_a_syntax_error_gives_one_error() {
    let results = podmortem::rules::custom::parse_text("rules/bad.yaml", "\0", 0);
    assert_eq!(results.len(), 1, "one error for one broken file");
    let error = results.into_iter().next().and_then(Result::err).expect("an error");
    assert!(error.to_string().contains("rules/bad.yaml"), "names the file: {error}");
}

/// Found by fuzzing: serde_yaml panics deserializing a rule from an alias to
/// no anchor; the loader reports it as an error with its line instead.
#[test]
fn an_alias_to_no_anchor_is_an_error_not_a_panic() {
    let text = "id: a\n---\npanic: *3gn-condit";
    let results = podmortem::rules::custom::parse_text("rules/alias.yaml", text, 0);
    let shown: Vec<String> = results.into_iter().filter_map(Result::err).map(|e| e.to_string()).collect();
    assert!(
        shown.iter().any(|e| e.starts_with("rules/alias.yaml:3:") && e.contains("unknown anchor")),
        "names the file and line: {shown:?}"
    );
}
