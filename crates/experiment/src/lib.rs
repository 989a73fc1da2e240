//! Cascade's experiments, the questions users ask of a scenario:
//!
//! - "would this rule have helped?" — [`compare`]: a baseline and variants (sets of key-path
//!   overrides) on the same seeds, paired, with the mean difference of every metric and its 95%
//!   interval;
//! - "how bad can it get?" — [`sweep`]: a grid of overrides × seeds, with median, p95 and p99
//!   of bad debt, insurance-fund drawdown and ADL per grid point; resumable and shardable, with
//!   a merge that gives exactly the one-machine result.
//!
//! Runs are headless and independent, so they run in parallel (rayon); results come back in a
//! fixed order and do not depend on the thread count.

mod compare;
pub mod metrics;
mod run;
pub mod stats;
mod sweep;
mod table;

use std::path::PathBuf;

pub use compare::{compare, write as write_compare, Compare, CompareLine, Overlay, Variant};
pub use run::{parallel, run, PrimarySeries, RunOutcome};
pub use sweep::{
    finalize, merge, plan, product, run_sweep, Axis, Plan, Point, PointSummary, Progress,
    Quantiles, RunRecord, Shard, SweepSummary,
};

/// `compare.json`.
pub const COMPARE_JSON: &str = "compare.json";
/// `compare.parquet`.
pub const COMPARE_PARQUET: &str = "compare.parquet";
/// A sweep's `plan.json`.
pub const PLAN_JSON: &str = "plan.json";
/// `sweep.json`.
pub const SWEEP_JSON: &str = "sweep.json";
/// `sweep.parquet`.
pub const SWEEP_PARQUET: &str = "sweep.parquet";

/// What went wrong in an experiment.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Bad input (the message says which and what is allowed).
    #[error("{0}")]
    Input(String),
    /// The engine refused a world.
    #[error("scenario `{scenario}` cannot be built: {reason}")]
    World {
        /// Scenario.
        scenario: String,
        /// Why.
        reason: String,
    },
    /// The thread pool could not start.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    /// A file could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// Path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A sweep folder lacks runs.
    #[error("{dir}: {missing} run(s) missing (first: {first}); run the remaining shards or the sweep again (finished runs are skipped)")]
    Incomplete {
        /// Folder.
        dir: PathBuf,
        /// How many.
        missing: usize,
        /// The first one.
        first: String,
    },
}
