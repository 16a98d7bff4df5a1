//! CI smoke for the bundle generator (`examples/gen_bundle.rs`, issue 6): at a
//! tiny size, the analysis of every format it writes reports exactly the
//! findings the generator says it must, and the output is deterministic.

#[path = "../examples/gen_bundle.rs"]
mod gen_bundle;

use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use std::path::{Path, PathBuf};

fn fingerprints(input: &Path) -> Vec<String> {
    let report = analyze(&[Input::Path(input.to_path_buf())], &Options::default()).expect("analysis runs");
    assert!(report.warnings.is_empty(), "{}: warnings {:?}", input.display(), report.warnings);
    let mut found: Vec<String> = report.findings.iter().map(|f| f.fingerprint.clone()).collect();
    found.sort();
    found.dedup();
    found
}

fn tiny(out: &Path) -> gen_bundle::Config {
    let mut cfg = gen_bundle::Config::new(out, 60, 400, 0.5);
    cfg.seed = 7;
    cfg
}

#[test]
fn analysis_of_a_generated_bundle_matches_its_expected_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = gen_bundle::generate(&tiny(dir.path())).expect("generated");
    // Every kind of fault is in even the tiniest bundle.
    for cause in [
        "oom-killed/",
        "app-error/",
        "dependency-unreachable/",
        "command-not-found/",
        "missing-env-or-config/",
        "image-pull/",
        "dns-loop/kube-system/DaemonSet/node-local-dns/node-cache",
        "cni-ip-exhaustion/kube-system/DaemonSet/aws-node/aws-node",
        "calico-failure/kube-system/DaemonSet/calico-node/calico-node",
        "dns-upstream-unreachable/kube-system/Deployment/coredns/coredns",
    ] {
        assert!(summary.expected.iter().any(|f| f.starts_with(cause)), "no {cause} in {:?}", summary.expected);
    }
    let written: Vec<String> =
        serde_json::from_slice(&std::fs::read(dir.path().join("expected.json")).expect("expected.json")).expect("json");
    assert_eq!(written, summary.expected);
    for input in ["bundle", "bundle.tar.gz", "must-gather"] {
        assert_eq!(fingerprints(&dir.path().join(input)), summary.expected, "{input}");
    }
    assert_eq!(fingerprints(&dir.path().join("pods.json")), summary.expected_pods_only, "pods.json");
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() { stack.push(p) } else { out.push(p.strip_prefix(root).expect("under root").to_path_buf()) }
        }
    }
    out.sort();
    out
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let (a, b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    gen_bundle::generate(&tiny(a.path())).expect("generated");
    gen_bundle::generate(&tiny(b.path())).expect("generated");
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa, fb);
    for f in &fa {
        assert!(
            std::fs::read(a.path().join(f)).ok() == std::fs::read(b.path().join(f)).ok(),
            "{} differs",
            f.display()
        );
    }
    let mut other = tiny(a.path());
    other.seed = 8;
    let c = tempfile::tempdir().expect("tempdir");
    other.out = c.path().to_path_buf();
    gen_bundle::generate(&other).expect("generated");
    assert_ne!(std::fs::read(a.path().join("pods.json")).ok(), std::fs::read(c.path().join("pods.json")).ok());
}
