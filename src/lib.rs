//! podmortem: an offline postmortem analyzer for exported Kubernetes
//! cluster state. See ARCHITECTURE.md for the map of the code.

pub mod analyze;
pub mod batch;
pub mod cli;
/// Fuzz harnesses shared by `fuzz/` and `tests/fuzz_regressions.rs`.
#[doc(hidden)]
pub mod fuzzing;
pub mod incidents;
pub mod ingest;
pub mod logscan;
pub mod model;
pub mod progress;
pub mod render;
pub mod report;
pub mod rules;
pub mod timings;
