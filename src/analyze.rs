//! The pipeline in one place: ingest → model → rules → incidents → report.

use crate::ingest::layout::Layout;
use crate::ingest::{self, IngestError, Input, LoadOptions, archive};
use crate::model::ContainerKey;
use crate::model::TimeBasis;
use crate::model::time::Time;
use crate::report::{self, Report};
use crate::rules::{self, Catalog, Ctx};
use crate::timings::Timings;

#[derive(Default, Clone)]
pub struct Options {
    /// Only report on these namespaces (all when empty).
    pub namespaces: Vec<String>,
    /// Overrides the snapshot time (`--now`).
    pub now: Option<Time>,
    /// Forces the layout of every input (`--layout`).
    pub layout: Option<Layout>,
    /// Loose log files attributed to containers (`--logs-for`): (file, container, previous?).
    pub logs_for: Vec<(std::path::PathBuf, ContainerKey, bool)>,
    /// Bounds on what archives may expand to.
    pub limits: archive::Limits,
    /// Show secret values (`--no-redact`). Off by default, so a `Default`
    /// options value redacts: reports get pasted into tickets.
    pub no_redact: bool,
}

pub fn analyze(inputs: &[Input], options: &Options) -> Result<Report, IngestError> {
    analyze_with(inputs, options, &Catalog::builtin())
}

/// The same with a given rule catalog (built-in rules plus user packs).
pub fn analyze_with(inputs: &[Input], options: &Options, catalog: &Catalog) -> Result<Report, IngestError> {
    analyze_timed(inputs, options, catalog, &mut Timings::default())
}

/// The same, marking the end of each phase in `timings` (`--timings`).
pub fn analyze_timed(
    inputs: &[Input],
    options: &Options,
    catalog: &Catalog,
    timings: &mut Timings,
) -> Result<Report, IngestError> {
    let watched = |pod: &crate::model::Pod, c: &crate::model::Container| catalog.watches(pod, c);
    let load = LoadOptions {
        patterns: catalog.compiled_patterns(),
        limits: options.limits,
        layout: options.layout,
        logs_for: options.logs_for.clone(),
        watched: Some(&watched),
    };
    let ingested = ingest::load(inputs, &load)?;
    let model = ingested.model;
    timings.mark("ingest");
    crate::progress::phase(crate::progress::Phase::ScanningLogs);
    let (snapshot, basis) = snapshot_time(&model, options.now);
    let ctx = Ctx::build(&model, snapshot, load.patterns, &options.namespaces, &|pod, c| catalog.watches(pod, c));
    timings.mark("logs");
    crate::progress::phase(crate::progress::Phase::Rules);
    let diagnoses = rules::run(&catalog.rules, &ctx);
    timings.mark("rules");
    crate::progress::phase(crate::progress::Phase::Report);
    let mut warnings = model.warnings.clone();
    warnings.extend(ctx.log_warnings.iter().cloned());
    warnings.sort();
    warnings.dedup();
    let mut report = report::build(&ctx, diagnoses, ingested.inputs, basis, warnings);
    drop(ctx);
    // Freeing a full-size model is millions of small frees (0.3 s on a 3 GB
    // bundle); the report no longer needs it, so that runs beside rendering.
    // Nothing observable depends on when it finishes. (If no thread can be
    // started, the model is freed here, as the unstarted closure drops.)
    let _ = std::thread::Builder::new().name("drop-model".into()).spawn(move || drop(model));
    timings.mark("report");
    // On the finished report, so every format renders the same redacted strings.
    if !options.no_redact {
        report::redact::redact_report(&mut report, &mut report::redact::Redactor::default());
    }
    timings.mark("redact");
    Ok(report)
}

/// Report contract, "Time": bundle metadata, else the latest timestamp in
/// the data, else `--now`; never the clock of the machine running podmortem.
/// An explicit `--now` wins over both, as the user asked for it.
fn snapshot_time(model: &crate::model::Model, flag: Option<Time>) -> (Option<Time>, Option<TimeBasis>) {
    if let Some(now) = flag {
        return (Some(now), Some(TimeBasis::Flag));
    }
    if let Some(t) = model.metadata_time {
        return (Some(t), Some(TimeBasis::BundleMetadata));
    }
    if let Some(t) = model.latest_time {
        return (Some(t), Some(TimeBasis::LatestTimestamp));
    }
    (None, None)
}
