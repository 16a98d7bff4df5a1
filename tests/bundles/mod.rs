//! Bundles built from fixtures at test time: copies and archives of a
//! fixture directory, made with the crates podmortem reads them with.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// Copies the directory `from` to `to` (created), files and folders only.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    let mut entries: Vec<_> = std::fs::read_dir(from).expect("read_dir").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_dir(&source, &target);
        } else {
            std::fs::copy(&source, &target).expect("copy a file");
        }
    }
}

/// A tar of `dir` under a top-level folder, as `tar -cf x.tar top/` makes it.
pub fn tar_of(dir: &Path, top: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    builder.append_dir_all(top, dir).expect("tar the directory");
    builder.into_inner().expect("tar")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

pub fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), 1);
    encoder.write_all(bytes).expect("xz");
    encoder.finish().expect("xz")
}
