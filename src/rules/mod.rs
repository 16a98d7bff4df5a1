//! Rules: from the model to diagnoses.
//!
//! The engine works in three steps:
//! 1. `symptoms` finds the containers with a problem (crash-looping, or
//!    blocked before they could run) and decides their `state`;
//! 2. the log of each crash-looping container's crashed instance is scanned
//!    once, in parallel, with every log pattern of every rule in one pass;
//! 3. every rule looks at every subject, in parallel (rayon), and proposes
//!    diagnoses; `rank` keeps the most specific proven cause per subject.
//!
//! Two kinds of rules share one trait: rules that reason (exit codes,
//! limits, the decisive log line) are Rust files in this folder; signature
//! rules (patterns over logs, messages and states plus conditions) are data,
//! YAML files in `rules/signatures/` embedded in the binary.

pub mod app_error;
pub mod context;
pub mod custom;
pub mod doc;
pub mod exit_zero_restart;
pub mod host_error;
pub mod iac_state_lock;
pub mod no_logs;
/// Documentation of `node-disk-pressure`; the rule is `node_memory_pressure::NodePressure::disk`.
pub mod node_disk_pressure;
pub mod node_memory_pressure;
pub mod oom_killed;
pub mod probe_misconfigured;
pub mod shell;
pub mod signature;
pub mod symptoms;
pub mod terminated_by_signal;
pub mod unknown_crash;

use crate::model::time::Time;
pub use context::{CrashLog, Ctx, LogWhich};
use rayon::prelude::*;
use serde::Serialize;
pub use symptoms::{FindingState, Subject, SubjectKind};

/// How strongly a diagnosis is proven. Ranking keeps the strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Nothing proven: the fallback that says what to collect next.
    Fallback,
    /// Inferred from generic evidence (an exit code, an error-level line).
    Generic,
    /// A specific signature or status field proves it.
    Proven,
}

/// Static description of a rule, shown by `podmortem rules` / `explain`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub cause: String,
    pub summary: String,
    /// Markdown: What it detects / Why it matters / Evidence / Fix / References.
    pub doc: String,
    pub origin: RuleOrigin,
}

impl RuleInfo {
    /// A built-in Rust rule whose cause is its id; `source` is its file,
    /// whose `//!` doc is the rule's documentation.
    pub fn builtin(id: &str, summary: &str, source: &str) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            cause: id.into(),
            summary: summary.into(),
            doc: doc::module_doc(source),
            origin: RuleOrigin::Builtin,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RuleOrigin {
    /// A Rust rule that reasons over the model.
    Builtin,
    /// A signature rule embedded as YAML.
    BuiltinSignature,
    /// A signature rule from a user's rule pack (`--rules`).
    Custom,
}

pub trait Rule: Send + Sync {
    fn info(&self) -> &RuleInfo;
    /// Diagnoses for subject `subject` (an index into `ctx.subjects`).
    /// Most rules return zero or one.
    fn diagnose(&self, subject: usize, ctx: &Ctx) -> Vec<Diagnosis>;
    /// Diagnoses about something other than a container: a pipeline log, a
    /// node. Called once per run.
    fn diagnose_other(&self, _ctx: &Ctx) -> Vec<Diagnosis> {
        Vec::new()
    }
    /// Whether the rule wants to see `container` although it is neither
    /// crash-looping nor blocked (a platform component that logs its
    /// trouble while running).
    fn watches(&self, _pod: &crate::model::Pod, _container: &crate::model::Container) -> bool {
        false
    }
    /// The YAML a signature rule was written in; `None` for Rust rules.
    fn source(&self) -> Option<&str> {
        None
    }
}

/// What a diagnosis is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectRef {
    /// An index into `Ctx::subjects`.
    Container(usize),
    /// An index into `Model::pipeline_logs`.
    Pipeline(usize),
    /// An index into `Model::nodes`.
    Node(usize),
}

/// One piece of evidence (report contract: `evidence[]`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub input: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// The part of `text` that the rule matched, for the report to highlight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    Status,
    Event,
    Log,
    Spec,
    Describe,
    Pipeline,
    Metric,
    Alert,
}

/// A next step (report contract: `remediation[]`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Remediation {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub mutates: bool,
}

/// A rule's conclusion about one subject.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub rule: String,
    pub cause: String,
    pub strength: Strength,
    pub title: String,
    /// One paragraph: what the evidence shows, in the words of the rule.
    pub explanation: String,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<Remediation>,
    pub subject: SubjectRef,
    /// Set by rules that know better than the state-derived default.
    pub severity: Option<crate::report::Severity>,
    /// Causes this diagnosis explains more specifically (dropped beside it).
    pub supersedes: Vec<String>,
}

impl Diagnosis {
    /// A diagnosis by the rule `info` about `subject`: proven, with no
    /// title, evidence or remediation yet. Rules fill in the rest with
    /// `Diagnosis { title, .., ..Diagnosis::of(info, subject) }`.
    pub fn of(info: &RuleInfo, subject: SubjectRef) -> Diagnosis {
        Diagnosis {
            rule: info.id.clone(),
            cause: info.cause.clone(),
            strength: Strength::Proven,
            title: String::new(),
            explanation: String::new(),
            evidence: Vec::new(),
            remediation: Vec::new(),
            subject,
            severity: None,
            supersedes: Vec::new(),
        }
    }
}

/// The rules of one run and the log patterns they share.
pub struct Catalog {
    pub rules: Vec<Box<dyn Rule>>,
    /// Every signature rule's log patterns, in rule order: scanned in one pass.
    pub log_patterns: Vec<String>,
}

impl Catalog {
    /// Every built-in rule, in a fixed order (the order only breaks ties).
    pub fn builtin() -> Catalog {
        let mut rules: Vec<Box<dyn Rule>> = vec![
            Box::new(oom_killed::OomKilled::new()),
            Box::new(app_error::AppError::new()),
            Box::new(unknown_crash::UnknownCrash::new()),
            Box::new(terminated_by_signal::TerminatedBySignal::new()),
            Box::new(exit_zero_restart::ExitZeroRestart::new()),
            Box::new(host_error::HostError::new()),
            Box::new(node_memory_pressure::NodePressure::memory()),
            Box::new(node_memory_pressure::NodePressure::disk()),
            Box::new(no_logs::NoLogs::new()),
            Box::new(iac_state_lock::IacStateLock::new()),
            // Its log patterns come first in the shared list (offset 0).
            Box::new(probe_misconfigured::ProbeMisconfigured::new(0)),
        ];
        let mut log_patterns = probe_misconfigured::ProbeMisconfigured::log_patterns();
        for sig in signature::builtin(log_patterns.len()) {
            log_patterns.extend(sig.log_patterns().iter().cloned());
            rules.push(Box::new(sig));
        }
        Catalog { rules, log_patterns }
    }

    /// The built-in rules plus the user's rule packs (`--rules`).
    pub fn with_packs(paths: &[std::path::PathBuf]) -> Result<Catalog, Vec<custom::PackError>> {
        let mut catalog = Catalog::builtin();
        if paths.is_empty() {
            return Ok(catalog);
        }
        let taken: Vec<String> = catalog.rules.iter().map(|r| r.info().id.clone()).collect();
        let pack = custom::load(paths, catalog.log_patterns.len(), &taken)?;
        for rule in pack.rules {
            catalog.log_patterns.extend(rule.log_patterns().iter().cloned());
            catalog.rules.push(Box::new(rule));
        }
        Ok(catalog)
    }

    /// The YAML of a signature rule (built-in or from a pack), comments included.
    pub fn source_of(&self, id: &str) -> Option<&str> {
        self.rules.iter().find(|r| r.info().id == id).and_then(|r| r.source())
    }

    pub fn compiled_patterns(&self) -> crate::logscan::LogPatterns {
        let refs: Vec<&str> = self.log_patterns.iter().map(String::as_str).collect();
        // Every pattern compiled when its rule was loaded, and `new` only
        // checks syntax again: failing here is a defect, said out loud
        // rather than scanning with no patterns.
        crate::logscan::LogPatterns::new(&refs).unwrap_or_else(|e| {
            eprintln!("podmortem: internal error: log patterns rejected ({e}); logs are scanned without them");
            crate::logscan::LogPatterns::empty()
        })
    }

    /// Whether any rule watches this healthy-looking container.
    pub fn watches(&self, pod: &crate::model::Pod, container: &crate::model::Container) -> bool {
        self.rules.iter().any(|r| r.watches(pod, container))
    }

    pub fn find(&self, id_or_cause: &str) -> Option<&dyn Rule> {
        self.rules
            .iter()
            .find(|r| r.info().id == id_or_cause)
            .or_else(|| self.rules.iter().find(|r| r.info().cause == id_or_cause))
            .map(|r| r.as_ref())
    }
}

/// Documentation of the symptom detector, which is not a cause rule.
pub fn detector_info() -> RuleInfo {
    symptoms::info()
}

/// Runs every rule over every subject and keeps, per subject, the
/// diagnoses worth reporting. Output order is fixed: subject order, then
/// strength, then rule order — whatever the thread count.
pub fn run(rules: &[Box<dyn Rule>], ctx: &Ctx) -> Vec<Diagnosis> {
    let per_subject: Vec<Vec<Diagnosis>> = (0..ctx.subjects.len())
        .into_par_iter()
        .map(|i| {
            let found: Vec<Diagnosis> = rules.iter().flat_map(|rule| rule.diagnose(i, ctx)).collect();
            rank(found)
        })
        .collect();
    let other: Vec<Vec<Diagnosis>> = rules.par_iter().map(|rule| rule.diagnose_other(ctx)).collect();
    per_subject.into_iter().flatten().chain(other.into_iter().flatten()).collect()
}

/// Keeps the strongest diagnoses of one subject. Several proven causes may
/// stand together (an OOM kill and a dependency failure in the same run);
/// a generic or fallback cause is dropped once anything stronger exists, so
/// an exit-code guess is never repeated beside the proof.
fn rank(mut found: Vec<Diagnosis>) -> Vec<Diagnosis> {
    let superseded: std::collections::BTreeSet<String> =
        found.iter().flat_map(|d| d.supersedes.iter().cloned()).collect();
    found.retain(|d| !superseded.contains(&d.cause));
    let Some(best) = found.iter().map(|d| d.strength).max() else {
        return found;
    };
    found.retain(|d| d.strength == best);
    // `app-error` says "the application failed"; a specific cause proven at
    // the same strength (a dependency, an OOM kill) already says why.
    if found.iter().any(|d| !UMBRELLA_CAUSES.contains(&d.cause.as_str())) {
        found.retain(|d| !UMBRELLA_CAUSES.contains(&d.cause.as_str()));
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|d| seen.insert(d.cause.clone()));
    found
}

/// Causes that only restate that something failed; dropped beside a specific one.
const UMBRELLA_CAUSES: &[&str] = &["app-error", "unknown-crash"];

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnosis(cause: &str, strength: Strength, supersedes: &[&str]) -> Diagnosis {
        Diagnosis {
            rule: cause.into(),
            cause: cause.into(),
            strength,
            title: String::new(),
            explanation: String::new(),
            evidence: Vec::new(),
            remediation: Vec::new(),
            subject: SubjectRef::Container(0),
            severity: None,
            supersedes: supersedes.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn causes(found: Vec<Diagnosis>) -> Vec<String> {
        rank(found).into_iter().map(|d| d.cause).collect()
    }

    #[test]
    fn the_strongest_specific_cause_leads() {
        let found = vec![
            diagnosis("app-error", Strength::Generic, &[]),
            diagnosis("dependency-unreachable", Strength::Proven, &[]),
            diagnosis("unknown-crash", Strength::Fallback, &[]),
        ];
        assert_eq!(causes(found), vec!["dependency-unreachable"]);
    }

    #[test]
    fn umbrella_causes_step_aside_at_equal_strength() {
        let found = vec![diagnosis("app-error", Strength::Proven, &[]), diagnosis("oom-killed", Strength::Proven, &[])];
        assert_eq!(causes(found), vec!["oom-killed"]);
    }

    #[test]
    fn a_specific_rule_supersedes_the_general_one() {
        let found = vec![
            diagnosis("dependency-unreachable", Strength::Proven, &[]),
            diagnosis("api-server-unreachable", Strength::Proven, &["dependency-unreachable"]),
        ];
        assert_eq!(causes(found), vec!["api-server-unreachable"]);
        // Two unrelated proven causes stand together.
        let both = vec![
            diagnosis("oom-killed", Strength::Proven, &[]),
            diagnosis("dependency-unreachable", Strength::Proven, &[]),
        ];
        assert_eq!(causes(both), vec!["oom-killed", "dependency-unreachable"]);
    }
}
