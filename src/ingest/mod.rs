//! Ingest: every input (directory, archive, file, standard input) into one
//! `Model`.
//!
//! Each file gets a role from its path alone (`layout`), then:
//! - in a directory, files are parsed in parallel (rayon), each into a
//!   partial model, merged in path order so the result does not depend on
//!   thread scheduling; logs are only located, and read later by the rules
//!   that need them;
//! - an archive is one sequential stream (`archive`): entries are handled as
//!   they pass, never extracted to disk, and logs are scanned on the way
//!   because there is no going back for them.
//!
//! Formats are recognised by content — the extension is only a hint — and
//! every file that cannot be read or parsed becomes a warning that names
//! it; the rest of the analysis goes on. Several inputs merge into one
//! model; the same object seen twice counts once (`Model::finish`).

pub mod archive;
pub mod decode;
pub mod describe;
pub mod dump;
pub mod jsonstream;
pub mod layout;
pub mod wire;
pub mod yaml;

use crate::logscan::{self, LogPatterns};
use crate::model::source::{SourceId, Sources, Warning, WarningCode};
use crate::model::{Container, ContainerKey, LogFile, LogLocation, Model, PipelineLog, Pod, UnreadEvents};
use layout::{FileRole, Layout, LogSlot};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Whether some rule watches a container that is not in trouble
/// (`rules::Catalog::watches`).
pub type Watched<'a> = dyn Fn(&Pod, &Container) -> bool + Sync + 'a;

/// How to read the inputs.
#[derive(Default)]
pub struct LoadOptions<'a> {
    /// Log patterns of every rule: archive logs are scanned as they stream.
    pub patterns: LogPatterns,
    pub limits: archive::Limits,
    /// Force a layout instead of recognising it.
    pub layout: Option<Layout>,
    /// Loose log files attributed by the user: (file, container, previous?).
    pub logs_for: Vec<(PathBuf, ContainerKey, bool)>,
    /// The rules' watch (`Catalog::watches`): with it, events of quiet pods
    /// that no rule watches are not kept (`model::UnreadEvents`).
    pub watched: Option<&'a Watched<'a>>,
}

/// Summary of one input for the report (`inputs[]` in the JSON contract).
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputSummary {
    pub path: String,
    pub layout: Layout,
    /// `directory`, `archive`, `file` or `stream`.
    pub container: &'static str,
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

/// Error that stops the run: an input that does not exist or cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
}

struct Job {
    input: String,
    /// Path shown in reports: relative to the input directory.
    rel: String,
    role: FileRole,
    full: PathBuf,
}

pub fn load(inputs: &[Input], options: &LoadOptions) -> Result<Ingested, IngestError> {
    let mut model = Model::default();
    let mut summaries = Vec::new();
    let mut partials: Vec<decode::Partial> = Vec::new();
    for input in inputs {
        let display = input.display();
        let io = |source: std::io::Error| IngestError::Io { path: display.clone(), source };
        let summary = match input {
            Input::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin().lock().read_to_end(&mut bytes).map_err(io)?;
                if let Some(kind) = archive::sniff(&bytes) {
                    let mut visitor = Visitor::new(&display, options, inputs.len() == 1, &mut model.sources);
                    let walked = archive::walk(std::io::Cursor::new(bytes), kind, &options.limits, &mut visitor);
                    visitor.finish(walked, &display, "stream", &mut partials)
                } else {
                    let source = model.sources.add(&display, &display);
                    let mut partial = decode::Partial::default();
                    decode::document(&bytes, source, &display, &display, &mut partial);
                    partials.push(partial.shrink());
                    InputSummary {
                        path: display,
                        layout: Layout::Stream,
                        container: "stream",
                        files_read: 1,
                        files_ignored: 0,
                    }
                }
            }
            Input::Path(path) => {
                let meta = std::fs::metadata(path).map_err(|source| {
                    if source.kind() == std::io::ErrorKind::NotFound {
                        IngestError::NotFound { path: display.clone() }
                    } else {
                        IngestError::Io { path: display.clone(), source }
                    }
                })?;
                if meta.is_dir() {
                    // Events are dropped while parsing only when no other
                    // input can bring another copy of a pod.
                    let events_after_pods = inputs.len() == 1;
                    directory(path, &display, options, events_after_pods, &mut model.sources, &mut partials)
                } else {
                    let mut file = std::fs::File::open(path).map_err(io)?;
                    let mut head = [0u8; 512];
                    let filled = read_head(&mut file, &mut head).map_err(io)?;
                    if let Some(kind) = archive::sniff(&head[..filled]) {
                        crate::progress::expect(meta.len());
                        let file = crate::progress::Counted(std::fs::File::open(path).map_err(io)?);
                        let mut visitor = Visitor::new(&display, options, inputs.len() == 1, &mut model.sources);
                        let walked = archive::walk_named(file, kind, &display, &options.limits, &mut visitor);
                        visitor.finish(walked, &display, "archive", &mut partials)
                    } else {
                        let (detected, role) = role_for(&display, options.layout);
                        let role = attributed(path, role, options);
                        let job = Job { input: display.clone(), rel: display.clone(), role, full: path.clone() };
                        let source = model.sources.add(&display, &display);
                        crate::progress::expect(meta.len());
                        partials.push(parse_job(&job, source, None).shrink());
                        crate::progress::advance(meta.len());
                        let layout = options.layout.or(detected).unwrap_or(Layout::Files);
                        InputSummary { path: display, layout, container: "file", files_read: 1, files_ignored: 0 }
                    }
                }
            }
        };
        summaries.push(summary);
    }
    decode::Partial::merge_all(partials, &mut model);
    model.finish();
    if let Some(watched) = options.watched {
        model.drop_unread_events(watched);
    }
    Ok(Ingested { model, inputs: summaries })
}

fn read_head(file: &mut std::fs::File, head: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn role_for(path: &str, forced: Option<Layout>) -> (Option<Layout>, FileRole) {
    let (detected, role) = layout::role_of(path);
    match (forced, detected) {
        // A forced layout keeps only that layout's patterns.
        (Some(want), Some(found)) if want != found => {
            (Some(want), layout::role_of(path.rsplit('/').next().unwrap_or(path)).1)
        }
        _ => (detected, role),
    }
}

/// Inside a recognised bundle, a file that matches none of its patterns is
/// collector output (host info, analyzer results, command output): not
/// cluster state, and parsing it would only produce noise.
fn is_bundle(votes: &BTreeMap<Layout, usize>, forced: Option<Layout>) -> bool {
    let layout = forced.unwrap_or_else(|| layout::vote(votes));
    // A cluster-info dump's own lists (`<ns>/pods.json`) match no anchor.
    !matches!(layout, Layout::Directory | Layout::Files | Layout::Stream | Layout::ClusterInfoDump)
}

/// Unanchored archive entries held until the archive's layout is known.
const PENDING_BYTES: usize = 64 << 20;

/// An archive entry's length is whatever it inflates to (up to
/// `--max-entry-bytes`, 8 GiB), so what is kept of one in memory is capped.
/// A pipeline job's log is kilobytes to a few MB (CI systems cap theirs:
/// GitLab at 100 MB on gitlab.com, 4 MB by default self-managed). The
/// delivery rules copy what they read twice (`iac_state_lock::pipeline_text`
/// reads up to 256 MiB into bytes, then into a String), so a log held in
/// memory here is capped well below that.
const MAX_PIPELINE_LOG_BYTES: u64 = 64 << 20;

/// `--logs-for` turns a loose file into a named container's log.
fn attributed(path: &Path, role: FileRole, options: &LoadOptions) -> FileRole {
    match options.logs_for.iter().find(|(file, _, _)| file == path) {
        Some((_, key, previous)) => {
            FileRole::Log { key: key.clone(), slot: if *previous { LogSlot::Previous } else { LogSlot::Current } }
        }
        None => role,
    }
}

fn directory(
    path: &Path,
    display: &str,
    options: &LoadOptions,
    events_after_pods: bool,
    sources: &mut Sources,
    partials: &mut Vec<decode::Partial>,
) -> InputSummary {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let mut folders = Vec::new();
    walk(path, path, &mut files, &mut folders, &mut unreadable);
    files.sort();
    // A folder where the layout expects a file (`.../app-previous.log/`,
    // `pods/shop.json/`): the collector failed there, or the bundle was
    // tampered with. Its files are read as any folder's; the name is worth
    // a warning, or a missing log would go unexplained.
    for folder in folders {
        let rel = slash_path(&folder);
        let (detected, role) = role_for(&rel, options.layout);
        if detected.is_some() && !matches!(role, FileRole::Ignored) {
            let message = "is a folder, where this layout has a file: not read as one (the collector may have \
                           failed to write it)";
            unreadable.push((rel, message.to_string()));
        }
    }
    let mut votes: BTreeMap<Layout, usize> = BTreeMap::new();
    let classified: Vec<(PathBuf, String, Option<Layout>, FileRole)> = files
        .into_iter()
        .map(|rel| {
            let full = path.join(&rel);
            let rel = slash_path(&rel);
            let (detected, role) = role_for(&rel, options.layout);
            if let Some(l) = detected {
                *votes.entry(l).or_default() += 1;
            }
            (full, rel, detected, role)
        })
        .collect();
    let bundle = is_bundle(&votes, options.layout);
    // A case folder often holds the bundle in a subfolder and the CI log of
    // the failed deploy beside it: a log outside every folder the bundle's
    // files sit in is the user's, not collector output, and is kept.
    let bundle_tops: std::collections::BTreeSet<&str> = classified
        .iter()
        .filter(|(_, _, detected, _)| detected.is_some())
        .filter_map(|(_, rel, _, _)| rel.split('/').next())
        .collect();
    let beside_bundle = |rel: &str, role: &FileRole| {
        *role == FileRole::PipelineLog && rel.split('/').next().is_some_and(|top| !bundle_tops.contains(top))
    };
    let kept: Vec<bool> = classified.iter().map(|(_, rel, _, role)| beside_bundle(rel, role)).collect();
    let mut jobs: Vec<Job> = classified
        .into_iter()
        .zip(kept)
        .map(|((full, rel, detected, role), kept)| {
            let role = if detected.is_none() && bundle && !kept { FileRole::Ignored } else { role };
            let role = attributed(&full, role, options);
            Job { input: display.to_string(), rel, role, full }
        })
        .collect();
    unreadable.sort();
    for (rel, message) in unreadable {
        jobs.push(Job { input: display.to_string(), rel, role: FileRole::Unreadable(message), full: PathBuf::new() });
    }
    let ids: Vec<SourceId> = jobs.iter().map(|j| sources.add(&j.input, &j.rel)).collect();
    let size = |job: &Job| match job.role {
        FileRole::Ignored | FileRole::Unreadable(_) => 0,
        _ => std::fs::metadata(&job.full).map(|m| m.len()).unwrap_or(0),
    };
    crate::progress::expect(jobs.par_iter().map(size).sum());
    let parse = |indices: &[usize], unread: Option<&Arc<UnreadEvents>>| -> Vec<decode::Partial> {
        indices
            .par_iter()
            .map(|&i| {
                let partial = parse_job(&jobs[i], ids[i], unread.cloned()).shrink();
                crate::progress::advance(size(&jobs[i]));
                partial
            })
            .collect()
    };
    // Most events of a large bundle are about healthy pods, and nothing reads
    // those: parsing the event files after the others lets them be dropped
    // as they are read instead of held until the merge.
    let watched = options.watched.filter(|_| events_after_pods);
    let (later, first): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| watched.is_some() && names_events(&jobs[i]));
    let mut parsed: Vec<Option<decode::Partial>> = (0..jobs.len()).map(|_| None).collect();
    for (i, partial) in first.iter().zip(parse(&first, None)) {
        parsed[*i] = Some(partial);
    }
    if let Some(watched) = watched.filter(|_| !later.is_empty()) {
        let pods = parsed.iter().flatten().flat_map(|p| p.pods.iter().map(|pod| &**pod));
        let unread = Arc::new(UnreadEvents::of_copies(pods, watched));
        let mut late = parse(&later, Some(&unread));
        // An event file that also held pods could change which pods are
        // quiet: read the event files again, keeping every event (the
        // merge then drops the same ones from final pods).
        let conflict = late.iter().flat_map(|p| &p.pods).any(|p| unread.has_pod(&p.namespace, &p.name));
        if conflict {
            late = parse(&later, None);
        }
        for (i, partial) in later.iter().zip(late) {
            parsed[*i] = Some(partial);
        }
    }
    partials.extend(parsed.into_iter().flatten());
    let ignored = jobs.iter().filter(|j| matches!(j.role, FileRole::Ignored)).count();
    InputSummary {
        path: display.to_string(),
        layout: options.layout.unwrap_or_else(|| layout::vote(&votes)),
        container: "directory",
        files_read: jobs.len() - ignored,
        files_ignored: ignored,
    }
}

/// Whether a file's path says it holds events (`events/`, `events.json`,
/// `events.yaml`): such files are read after the others. A wrong guess (a
/// `knative-eventing.json` of pods) costs memory, never a different model:
/// pods found among these files are checked against the events already
/// dropped (`directory`), and the merge drops the same events in any case.
fn names_events(job: &Job) -> bool {
    matches!(job.role, FileRole::Document) && job.rel.to_ascii_lowercase().contains("event")
}

/// One file of a directory (or a loose file): parsed now, except logs,
/// which are only located.
fn parse_job(job: &Job, source: SourceId, unread_events: Option<Arc<UnreadEvents>>) -> decode::Partial {
    let mut partial = decode::Partial { unread_events, ..Default::default() };
    let size = || std::fs::metadata(&job.full).map(|m| m.len()).unwrap_or(0);
    let unreadable = |partial: &mut decode::Partial, e: std::io::Error| {
        partial.warn(WarningCode::UnreadableFile, &job.input, &job.rel, format!("cannot read: {e}; file skipped"))
    };
    match &job.role {
        FileRole::Ignored => {}
        FileRole::Unreadable(message) => {
            partial.warn(WarningCode::UnreadableFile, &job.input, &job.rel, message.clone())
        }
        FileRole::Log { key, slot } => {
            let file = LogFile {
                source,
                location: LogLocation::File(job.full.clone()),
                size: size(),
                line_offset: 0,
                fetch_error: None,
            };
            partial.logs.push((key.clone(), slot.clone(), file));
        }
        FileRole::PipelineLog => {
            partial.pipeline_logs.push(PipelineLog {
                source,
                location: LogLocation::File(job.full.clone()),
                size: size(),
            });
        }
        FileRole::DumpLogs { namespace, pod } => match std::fs::read(&job.full) {
            Ok(bytes) => {
                for block in dump::split_logs(&bytes) {
                    if block.namespace != *namespace || block.pod != *pod {
                        partial.warn(
                            WarningCode::InvalidItem,
                            &job.input,
                            &job.rel,
                            format!("a log block names pod {}/{}, not this folder's {namespace}/{pod}; attributed to the block's pod", block.namespace, block.pod),
                        );
                    }
                    let location = LogLocation::FileRange {
                        path: job.full.clone(),
                        start: block.start as u64,
                        end: block.end as u64,
                    };
                    push_block(&mut partial, source, block, location);
                }
            }
            Err(e) => unreadable(&mut partial, e),
        },
        FileRole::CollectorErrors => match std::fs::read(&job.full) {
            Ok(bytes) => decode::collector_errors(&bytes, &job.input, &job.rel, &mut partial),
            Err(e) => unreadable(&mut partial, e),
        },
        FileRole::Document => {
            if let Err(e) = decode::document_file(&job.full, source, &job.input, &job.rel, &mut partial) {
                unreadable(&mut partial, e)
            }
        }
    }
    partial
}

/// One container's block of a dump's logs.txt. kubectl's dump never holds
/// previous logs: the "current" log of a crash-looping container is the
/// last terminated run, which is what the rules want.
fn push_block(partial: &mut decode::Partial, source: SourceId, block: dump::Block, location: LogLocation) {
    let key = ContainerKey { namespace: block.namespace, pod: block.pod, container: block.container };
    let file = LogFile {
        source,
        location,
        size: (block.end - block.start) as u64,
        line_offset: block.first_line.saturating_sub(1),
        fetch_error: block.fetch_error,
    };
    partial.logs.push((key, LogSlot::Current, file));
}

fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Recursive listing that does not follow symlinks: support bundles link
/// collector folders back into `cluster-resources/`, and following them
/// would read logs twice or loop; a link out of the bundle would read the
/// analyst's own files. `folders`: every folder below the root;
/// `unreadable`: (path, warning) of what cannot be listed or read.
fn walk(
    root: &Path,
    dir: &Path,
    files: &mut Vec<PathBuf>,
    folders: &mut Vec<PathBuf>,
    unreadable: &mut Vec<(String, String)>,
) {
    let relative = |path: &Path| slash_path(path.strip_prefix(root).unwrap_or(path));
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            unreadable.push((relative(dir), format!("cannot list directory: {e}; its files were skipped")));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            if let Ok(rel) = path.strip_prefix(root) {
                folders.push(rel.to_path_buf());
            }
            walk(root, &path, files, folders, unreadable);
        } else if file_type.is_file() {
            if let Ok(rel) = path.strip_prefix(root) {
                files.push(rel.to_path_buf());
            }
        } else if file_type.is_symlink() {
            // A link that resolves is a collector alias of something read
            // anyway; one that does not (a loop, a missing target) means
            // something is not there, which is worth saying.
            if let Err(e) = std::fs::metadata(&path) {
                let message =
                    format!("symbolic link that cannot be followed (a loop, or a missing target: {e}); not read");
                unreadable.push((relative(&path), message));
            }
        } else {
            let message = "not a regular file (a fifo, socket or device); not read".to_string();
            unreadable.push((relative(&path), message));
        }
    }
}

/// Handles archive entries as they stream past.
struct Visitor<'a> {
    input: &'a str,
    options: &'a LoadOptions<'a>,
    sources: &'a mut Sources,
    partial: decode::Partial,
    votes: BTreeMap<Layout, usize>,
    read: usize,
    ignored: usize,
    /// Entries that match no layout pattern, kept until the end of the
    /// stream tells whether the archive is a bundle (then they are
    /// collector output) or a plain collection of files.
    pending: Vec<(String, Vec<u8>)>,
    pending_bytes: usize,
    /// No other input can bring another copy of a pod: only then are logs
    /// passed over (below).
    only_input: bool,
    /// Namespace → pod → whether every copy read so far is quiet and
    /// unwatched: the logs of such a pod are passed over, not scanned, as
    /// no rule reads them (`model::UnreadEvents` explains why).
    pods_seen: HashMap<String, HashMap<String, bool>>,
    /// Logs passed over, with their path: a later copy of their pod that
    /// is in trouble makes them worth a warning.
    unscanned: Vec<(ContainerKey, String)>,
}

impl<'a> Visitor<'a> {
    fn new(input: &'a str, options: &'a LoadOptions, only_input: bool, sources: &'a mut Sources) -> Self {
        Visitor {
            input,
            options,
            only_input,
            sources,
            partial: decode::Partial::default(),
            votes: BTreeMap::new(),
            read: 0,
            ignored: 0,
            pending: Vec::new(),
            pending_bytes: 0,
            pods_seen: HashMap::new(),
            unscanned: Vec::new(),
        }
    }

    fn finish(
        mut self,
        walked: Result<archive::Walk, archive::ArchiveError>,
        display: &str,
        container: &'static str,
        partials: &mut Vec<decode::Partial>,
    ) -> InputSummary {
        match walked {
            Ok(walk) => {
                // Said, or an empty archive among inputs would pass unnoticed.
                if walk.files == 0 && walk.warnings.is_empty() {
                    let message = "the archive holds no files; nothing was read from it".to_string();
                    self.partial.warn(WarningCode::EmptyFile, display, display, message);
                }
                for w in walk.warnings {
                    // A problem with the archive itself (not one entry) is reported on the archive.
                    let at = if w.path.is_empty() { display } else { w.path.as_str() };
                    self.partial.warn(WarningCode::Archive, display, at, w.message);
                }
            }
            Err(e) => {
                self.partial.warn(WarningCode::Archive, display, display, format!("{e}; nothing was read from it"))
            }
        }
        let layout = self.options.layout.unwrap_or_else(|| layout::vote(&self.votes));
        let pending = std::mem::take(&mut self.pending);
        if is_bundle(&self.votes, self.options.layout) {
            self.ignored += pending.len();
        } else {
            for (path, bytes) in pending {
                let (_, role) = role_for(&path, self.options.layout);
                self.handle(&path, role, &mut &bytes[..]).unwrap_or_else(|e| {
                    self.partial.warn(WarningCode::UnreadableFile, display, &path, format!("cannot read: {e}"))
                });
            }
        }
        for (key, path) in std::mem::take(&mut self.unscanned) {
            if self.pods_seen.get(&key.namespace).and_then(|pods| pods.get(&key.pod)) == Some(&false) {
                self.partial.warn(
                    WarningCode::MissingLog,
                    display,
                    &path,
                    format!(
                        "log of pod {}/{} container {} passed over: the pod looked healthy when the log streamed past, but a later copy of it in the archive is in trouble; extract the archive and analyse the directory to read this log",
                        key.namespace, key.pod, key.container
                    ),
                );
            }
        }
        partials.push(std::mem::take(&mut self.partial).shrink());
        InputSummary {
            path: display.to_string(),
            layout,
            container,
            files_read: self.read,
            files_ignored: self.ignored,
        }
    }
}

impl archive::Visitor for Visitor<'_> {
    fn choose(&mut self, entry: &archive::EntryInfo) -> archive::Visit {
        let (detected, role) = role_for(entry.path, self.options.layout);
        if let Some(l) = detected {
            *self.votes.entry(l).or_default() += 1;
        }
        if role == FileRole::Ignored {
            self.ignored += 1;
            archive::Visit::Skip
        } else {
            archive::Visit::Read
        }
    }

    fn read(&mut self, entry: &archive::EntryInfo, reader: &mut dyn Read) -> std::io::Result<()> {
        let (detected, role) = role_for(entry.path, self.options.layout);
        if detected.is_none() && self.pending_bytes < PENDING_BYTES && !is_bundle(&self.votes, self.options.layout) {
            let mut bytes = Vec::new();
            reader.take((PENDING_BYTES - self.pending_bytes) as u64 + 1).read_to_end(&mut bytes)?;
            if self.pending_bytes + bytes.len() <= PENDING_BYTES {
                self.pending_bytes += bytes.len();
                self.pending.push((entry.path.to_string(), bytes));
                return Ok(());
            }
            // Too large to hold: decide now, as a plain file.
            let mut whole = std::io::Cursor::new(bytes).chain(reader);
            return self.handle(entry.path, role, &mut whole);
        }
        if detected.is_none() && is_bundle(&self.votes, self.options.layout) {
            self.ignored += 1;
            return Ok(());
        }
        self.handle(entry.path, role, reader)
    }
}

impl Visitor<'_> {
    fn handle(&mut self, path: &str, role: FileRole, reader: &mut dyn Read) -> std::io::Result<()> {
        let source = self.sources.add(self.input, path);
        self.read += 1;
        let input = self.input;
        let out = &mut self.partial;
        match role {
            FileRole::Ignored | FileRole::Unreadable(_) => {}
            FileRole::Log { key, slot } => {
                let quiet = self.pods_seen.get(&key.namespace).and_then(|pods| pods.get(&key.pod)) == Some(&true);
                if quiet {
                    self.unscanned.push((key, path.to_string()));
                    return Ok(());
                }
                // A log cut by damage (a truncated download) or a bound is
                // still worth its lines up to the cut; the archive reports
                // the cut on this entry.
                let mut until_error = UntilError { inner: reader, failed: false };
                let digest = logscan::scan(
                    std::io::BufReader::with_capacity(256 * 1024, &mut until_error),
                    &self.options.patterns,
                )?;
                let size = digest.bytes;
                let file = LogFile {
                    source,
                    location: LogLocation::Scanned(Arc::new(digest)),
                    size,
                    line_offset: 0,
                    fetch_error: None,
                };
                out.logs.push((key, slot, file));
            }
            FileRole::DumpLogs { .. } => {
                let (bytes, cut) = read_capped(reader, decode::MAX_TEXT_DOCUMENT_BYTES)?;
                if cut {
                    let message = format!(
                        "over {} MiB: only the log blocks in its first {0} MiB were read",
                        decode::MAX_TEXT_DOCUMENT_BYTES >> 20
                    );
                    out.warn(WarningCode::Archive, input, path, message);
                }
                for block in dump::split_logs(&bytes) {
                    let digest = logscan::scan(block.content(&bytes), &self.options.patterns)?;
                    push_block(out, source, block, LogLocation::Scanned(Arc::new(digest)));
                }
            }
            FileRole::PipelineLog => {
                let (bytes, cut) = read_capped(reader, MAX_PIPELINE_LOG_BYTES)?;
                if cut {
                    let message = format!(
                        "over {} MiB: only its first {0} MiB were kept, as much as the pipeline rules read",
                        MAX_PIPELINE_LOG_BYTES >> 20
                    );
                    out.warn(WarningCode::Archive, input, path, message);
                }
                let size = bytes.len() as u64;
                out.pipeline_logs.push(PipelineLog { source, location: LogLocation::Memory(bytes.into()), size });
            }
            FileRole::CollectorErrors => {
                let (bytes, cut) = read_capped(reader, decode::MAX_TEXT_DOCUMENT_BYTES)?;
                if cut {
                    let message = format!("over {} MiB: not read", decode::MAX_TEXT_DOCUMENT_BYTES >> 20);
                    out.warn(WarningCode::CollectorError, input, path, message);
                } else {
                    decode::collector_errors(&bytes, input, path, out);
                }
            }
            FileRole::Document => {
                let before = out.pods.len();
                decode::document_reader(reader, source, input, path, out)?;
                if let Some(watched) = self.options.watched.filter(|_| self.only_input) {
                    for pod in &out.pods[before..] {
                        let seen = self.pods_seen.entry(pod.namespace.clone()).or_default();
                        *seen.entry(pod.name.clone()).or_insert(true) &= UnreadEvents::unread(pod, watched);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads at most `cap` bytes; true when there was more (left unread).
fn read_capped(reader: &mut dyn Read, cap: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    let cut = decode::read_capped_into(reader, &mut bytes, cap as usize)?;
    Ok((bytes, cut))
}

/// Ends at the first read error instead of returning it: what came before
/// stays usable. The archive keeps the error and reports it on the entry.
struct UntilError<'a> {
    inner: &'a mut dyn Read,
    failed: bool,
}

impl Read for UntilError<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while !self.failed {
            match self.inner.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => self.failed = true,
                ok => return ok,
            }
        }
        Ok(0)
    }
}

pub(crate) fn warning(code: WarningCode, input: &str, file: &str, message: String) -> Warning {
    Warning { code, input: input.to_string(), source: file.to_string(), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, restarts: i64) -> String {
        let waiting = if restarts > 0 {
            r#"{"waiting":{"reason":"CrashLoopBackOff","message":"back-off"}}"#
        } else {
            r#"{"running":{"startedAt":"2026-01-01T10:00:00Z"}}"#
        };
        let ready = restarts == 0;
        let last = if restarts > 0 {
            r#"{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2026-01-01T11:59:00Z"}}"#
        } else {
            "{}"
        };
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"shop","uid":"uid-{name}"}},
            "spec":{{"nodeName":"n1","containers":[{{"name":"app","image":"app:1"}}]}},
            "status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"{}"}}],
            "containerStatuses":[{{"name":"app","ready":{ready},"restartCount":{restarts},"image":"app:1","state":{waiting},
            "lastState":{last}}}]}}}}"#,
            if ready { "True" } else { "False" }
        )
    }

    fn event(kind: &str, name: &str, reason: &str, at: &str) -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"Event","metadata":{{"name":"{name}.1","namespace":"shop"}},
            "involvedObject":{{"kind":"{kind}","name":"{name}","namespace":"shop"}},
            "reason":"{reason}","message":"{reason} {name}","type":"Normal","count":1,
            "firstTimestamp":"{at}","lastTimestamp":"{at}"}}"#
        )
    }

    fn list(items: &[String]) -> String {
        format!(r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#, items.join(","))
    }

    /// web-1 is quiet, api-1 crash-loops, calico-node-1 is quiet but watched,
    /// api-0 is gone; web-1's event is the latest of all.
    fn events() -> String {
        list(&[
            event("Pod", "web-1", "Started", "2026-01-01T12:00:00Z"),
            event("Pod", "api-1", "BackOff", "2026-01-01T10:05:00Z"),
            event("Pod", "calico-node-1", "Started", "2026-01-01T10:01:00Z"),
            event("Pod", "api-0", "BackOff", "2026-01-01T09:00:00Z"),
            event("Node", "n1", "NodeReady", "2026-01-01T08:00:00Z"),
        ])
    }

    fn pods() -> String {
        list(&[pod("web-1", 0), pod("api-1", 3), pod("calico-node-1", 0)])
    }

    fn watched(pod: &Pod, _: &Container) -> bool {
        pod.name.starts_with("calico-node")
    }

    fn load_paths(paths: &[PathBuf]) -> Model {
        let options = LoadOptions { watched: Some(&watched), ..Default::default() };
        let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
        load(&inputs, &options).expect("loads").model
    }

    fn kept(model: &Model) -> Vec<String> {
        model.events.iter().map(|e| format!("{}/{}", e.object_kind, e.object_name)).collect()
    }

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Sorted by namespace and object name (`Model::finish`).
    const KEPT: [&str; 4] = ["Pod/api-0", "Pod/api-1", "Pod/calico-node-1", "Node/n1"];

    #[test]
    fn events_of_quiet_unwatched_pods_are_not_kept_but_their_times_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "cluster-resources/pods/shop.json", &pods());
        write(dir.path(), "cluster-resources/events/shop.json", &events());
        let model = load_paths(&[dir.path().to_path_buf()]);
        assert_eq!(kept(&model), KEPT);
        assert_eq!(model.latest_time, crate::model::time::Time::parse("2026-01-01T12:00:00Z"));
    }

    #[test]
    fn the_same_events_are_kept_whatever_the_order_or_shape_of_the_inputs() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Events before pods, as two loose files: dropped at the merge only.
        let events = write(dir.path(), "a-events.json", &events());
        let pods = write(dir.path(), "b-pods.json", &pods());
        assert_eq!(kept(&load_paths(&[events, pods])), KEPT);
    }

    #[test]
    fn a_crashing_copy_of_a_pod_in_an_event_file_keeps_its_events() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "cluster-resources/pods/shop.json", &pods());
        // A later snapshot of web-1, restarting, in a file read with the
        // events: it wins the merge, so web-1 is a subject.
        let with_pod = list(&[event("Pod", "web-1", "BackOff", "2026-01-01T12:00:00Z"), pod("web-1", 2)]);
        write(dir.path(), "cluster-resources/events/shop.json", &with_pod);
        let model = load_paths(&[dir.path().to_path_buf()]);
        assert!(kept(&model).contains(&"Pod/web-1".to_string()), "{:?}", kept(&model));
    }

    #[test]
    fn a_malformed_event_about_a_quiet_pod_is_still_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "cluster-resources/pods/shop.json", &pods());
        let bad = event("Pod", "web-1", "Started", "2026-01-01T12:00:00Z").replace(r#""count":1"#, r#""count":"1""#);
        write(dir.path(), "cluster-resources/events/shop.json", &list(&[bad]));
        let model = load_paths(&[dir.path().to_path_buf()]);
        assert!(model.events.is_empty());
        let warning = model.warnings.iter().find(|w| w.code == WarningCode::InvalidItem).expect("a warning");
        assert!(warning.message.contains("(Event) is malformed"), "{warning:?}");
    }

    const LOG: &str = "2026-01-01T10:00:00Z starting\n";

    /// A tar of `entries` written as `bundle.tar` in `dir`.
    fn write_tar(dir: &Path, entries: &[(&str, &str)]) -> PathBuf {
        let path = dir.join("bundle.tar");
        std::fs::write(&path, tar(entries)).expect("write");
        path
    }

    fn tar(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, text) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, text.as_bytes()).expect("append");
        }
        builder.into_inner().expect("tar")
    }

    fn logs_of(model: &Model) -> Vec<String> {
        model.logs.keys().map(|k| format!("{}/{}", k.pod, k.container)).collect()
    }

    #[test]
    fn an_archive_passes_over_the_logs_of_quiet_unwatched_pods() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = write_tar(
            dir.path(),
            &[
                ("bundle/cluster-resources/pods/shop.json", &pods()),
                ("bundle/cluster-resources/pods/logs/shop/web-1/app.log", LOG),
                ("bundle/cluster-resources/pods/logs/shop/api-1/app.log", LOG),
                ("bundle/cluster-resources/pods/logs/shop/calico-node-1/app.log", LOG),
            ],
        );
        let model = load_paths(&[archive]);
        assert_eq!(logs_of(&model), ["api-1/app", "calico-node-1/app"]);
        assert!(model.warnings.is_empty(), "{:?}", model.warnings);
    }

    #[test]
    fn a_log_passed_over_before_its_pod_turned_out_in_trouble_is_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = write_tar(
            dir.path(),
            &[
                ("bundle/cluster-resources/pods/shop.json", &pods()),
                ("bundle/cluster-resources/pods/logs/shop/web-1/app.log", LOG),
                ("bundle/cluster-resources/pods/later.json", &list(&[pod("web-1", 2)])),
            ],
        );
        let model = load_paths(&[archive]);
        let warning = model.warnings.iter().find(|w| w.code == WarningCode::MissingLog).expect("a warning");
        assert!(warning.source.ends_with("web-1/app.log"), "{warning:?}");
        assert!(warning.message.contains("passed over"), "{warning:?}");
    }

    #[test]
    fn with_another_input_an_archive_scans_every_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let archive = write_tar(
            dir.path(),
            &[
                ("bundle/cluster-resources/pods/shop.json", &pods()),
                ("bundle/cluster-resources/pods/logs/shop/web-1/app.log", LOG),
            ],
        );
        // A later snapshot in which web-1 restarts: its log is needed.
        let later = write(dir.path(), "later.json", &list(&[pod("web-1", 2)]));
        let model = load_paths(&[archive, later]);
        assert!(logs_of(&model).contains(&"web-1/app".to_string()), "{:?}", logs_of(&model));
    }

    #[test]
    fn without_the_rules_watch_every_event_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "cluster-resources/pods/shop.json", &pods());
        write(dir.path(), "cluster-resources/events/shop.json", &events());
        let inputs = [Input::Path(dir.path().to_path_buf())];
        let model = load(&inputs, &LoadOptions::default()).expect("loads").model;
        assert_eq!(model.events.len(), 5);
    }
}
