//! Ingest: every input (directory, file, standard input) into one `Model`.
//!
//! Files are discovered first, then parsed in parallel (rayon), each into a
//! partial model; partials are merged in discovery order so the result does
//! not depend on thread scheduling. Formats are recognised by content — the
//! extension is only a hint — and every file that cannot be read or parsed
//! becomes a warning that names it; the rest of the analysis goes on.

pub mod decode;
pub mod jsonstream;
pub mod layout;
pub mod wire;
pub mod yaml;

use crate::model::source::{Warning, WarningCode};
use crate::model::{LogFile, LogLocation, Model};
use layout::{FileRole, Layout};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the user asked to read: a path, or `-` for standard input.
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" { Input::Stdin } else { Input::Path(PathBuf::from(arg)) }
    }
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Summary of one input for the report (`inputs[]` in the JSON contract).
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputSummary {
    pub path: String,
    pub layout: Layout,
    /// Files parsed as Kubernetes objects or logs.
    pub files_read: usize,
    /// Files recognised as not relevant to crash analysis (collector metadata, analyzer output...).
    pub files_ignored: usize,
}

/// The whole ingest: the model plus what was read.
pub struct Ingested {
    pub model: Model,
    pub inputs: Vec<InputSummary>,
}

/// Error that stops the run: nothing at all could be read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
}

struct Job {
    input: String,
    /// Path shown in reports: relative to the bundle root for a directory.
    rel: String,
    role: FileRole,
    content: Content,
}

enum Content {
    File(PathBuf),
    Bytes(Vec<u8>),
}

pub fn load(inputs: &[Input]) -> Result<Ingested, IngestError> {
    let mut jobs = Vec::new();
    let mut summaries = Vec::new();
    for input in inputs {
        let display = input.display();
        let (layout, found) = match input {
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|source| IngestError::Io { path: display.clone(), source })?;
                let job = Job {
                    input: display.clone(),
                    rel: display.clone(),
                    role: FileRole::Document,
                    content: Content::Bytes(bytes),
                };
                (Layout::Stream, vec![job])
            }
            Input::Path(path) => discover(path, &display)?,
        };
        summaries.push(InputSummary {
            path: display,
            layout,
            files_read: found.iter().filter(|j| !matches!(j.role, FileRole::Ignored)).count(),
            files_ignored: found.iter().filter(|j| matches!(j.role, FileRole::Ignored)).count(),
        });
        jobs.extend(found);
    }

    let mut model = Model::default();
    let source_ids: Vec<_> = jobs.iter().map(|j| model.sources.add(&j.input, &j.rel)).collect();
    let partials: Vec<decode::Partial> =
        jobs.par_iter().zip(source_ids.par_iter()).map(|(job, &source)| parse_job(job, source)).collect();
    for partial in partials {
        partial.merge_into(&mut model);
    }
    model.finish();
    Ok(Ingested { model, inputs: summaries })
}

fn parse_job(job: &Job, source: crate::model::source::SourceId) -> decode::Partial {
    let mut partial = decode::Partial::default();
    let label = job.rel.clone();
    match &job.role {
        FileRole::Ignored => {}
        FileRole::Unreadable(error) => partial.warn(
            WarningCode::UnreadableFile,
            &job.input,
            &label,
            format!("cannot list directory: {error}; its files were skipped"),
        ),
        FileRole::Log { key, previous } => {
            let (location, size) = match &job.content {
                Content::File(path) => {
                    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                    (LogLocation::File(path.clone()), size)
                }
                Content::Bytes(_) => return partial,
            };
            let file = LogFile { source, location, size };
            partial.logs.push((key.clone(), *previous, file));
        }
        FileRole::CollectorErrors => match read_content(&job.content) {
            Ok(bytes) => decode::collector_errors(&bytes, &job.input, &label, &mut partial),
            Err(e) => {
                partial.warn(WarningCode::UnreadableFile, &job.input, &label, format!("cannot read: {e}; file skipped"))
            }
        },
        FileRole::Document => match &job.content {
            Content::Bytes(bytes) => decode::document(bytes, source, &job.input, &label, &mut partial),
            Content::File(path) => {
                if let Err(e) = decode::document_file(path, source, &job.input, &label, &mut partial) {
                    partial.warn(
                        WarningCode::UnreadableFile,
                        &job.input,
                        &label,
                        format!("cannot read: {e}; file skipped"),
                    )
                }
            }
        },
    }
    partial
}

fn read_content(content: &Content) -> std::io::Result<Vec<u8>> {
    match content {
        Content::Bytes(b) => Ok(b.clone()),
        Content::File(p) => std::fs::read(p),
    }
}

/// Lists the files of one input path with their roles, sorted by path so
/// the analysis is the same whatever order the filesystem returns.
fn discover(path: &Path, display: &str) -> Result<(Layout, Vec<Job>), IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            IngestError::NotFound { path: display.to_string() }
        } else {
            IngestError::Io { path: display.to_string(), source }
        }
    })?;
    if !meta.is_dir() {
        let role = layout::loose_file_role(path);
        let rel = display.to_string();
        return Ok((
            Layout::Files,
            vec![Job { input: display.to_string(), rel, role, content: Content::File(path.to_path_buf()) }],
        ));
    }
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    walk(path, path, &mut files, &mut unreadable);
    files.sort();
    let root = layout::bundle_root(path, &files);
    let detected = layout::detect(&root.1);
    let mut jobs: Vec<Job> = files
        .into_iter()
        .map(|rel| {
            let full = path.join(&rel);
            let inside = rel.strip_prefix(&root.0).unwrap_or(&rel).to_path_buf();
            let inside_text = slash_path(&inside);
            let role = layout::role(detected, &inside_text, &full);
            Job { input: display.to_string(), rel: slash_path(&rel), role, content: Content::File(full) }
        })
        .collect();
    // A directory that cannot be listed is an input problem, reported like a bad file.
    for (rel, error) in unreadable {
        jobs.push(Job {
            input: display.to_string(),
            rel,
            role: FileRole::Unreadable(error.to_string()),
            content: Content::Bytes(Vec::new()),
        });
    }
    Ok((detected, jobs))
}

fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Recursive listing that does not follow directory symlinks: support
/// bundles link collector folders back into `cluster-resources/`, and
/// following them would read logs twice or loop.
fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>, unreadable: &mut Vec<(String, std::io::Error)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            unreadable.push((slash_path(dir.strip_prefix(root).unwrap_or(dir)), e));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            walk(root, &path, files, unreadable);
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            if let Ok(rel) = path.strip_prefix(root) {
                files.push(rel.to_path_buf());
            }
        }
    }
}

pub(crate) fn warning(code: WarningCode, input: &str, file: &str, message: String) -> Warning {
    Warning { code, input: input.to_string(), source: file.to_string(), message }
}
