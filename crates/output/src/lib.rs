//! Writes a Cascade run's outputs: the per-second timeseries and the engine events as Parquet,
//! streamed in bounded batches, plus JSON and text files, every file moved into place atomically.
//!
//! A run directory holds:
//!
//! - `timeseries.parquet`: one [`TimeseriesRow`] per simulated second per market;
//! - `events.parquet`: one [`EventRow`] per engine event, in global `seq` order;
//! - whatever JSON and text the caller writes with [`write_json_atomic`] and
//!   [`write_text_atomic`] (the summary, the resolved scenario, the seed).
//!
//! ```no_run
//! use cascade_output::{RunWriter, TimeseriesRow};
//! # fn main() -> Result<(), cascade_output::OutputError> {
//! let mut run = RunWriter::create(std::path::Path::new("runs/example"))?;
//! run.push_timeseries(&TimeseriesRow { time_s: 0, venue: "hl".into(), market: "BTC".into(),
//!     ..TimeseriesRow::default() })?;
//! let summary = run.finish()?;
//! assert_eq!(summary.timeseries.rows, 1);
//! # Ok(())
//! # }
//! ```
//!
//! Files load in DuckDB (`select * from 'timeseries.parquet'`), pandas (`pd.read_parquet`) and
//! any Arrow reader; `tests/python/check_run.py` at the repository root checks a run directory.

mod atomic;
mod error;
mod rows;
mod writer;

pub use atomic::{temp_path, write_bytes_atomic, write_json_atomic, write_text_atomic};
pub use error::OutputError;
pub use rows::{events_schema, timeseries_schema, EventRow, TimeseriesRow};
pub use writer::{OutputSummary, RunWriter, TableSummary, WriterOptions, DEFAULT_BATCH_ROWS};

/// File name of the timeseries table inside a run directory.
pub const TIMESERIES_FILE: &str = "timeseries.parquet";
/// File name of the events table inside a run directory.
pub const EVENTS_FILE: &str = "events.parquet";
/// Version of the run folder's layout as a whole (file names, summary.json fields, table
/// columns), written into summary.json as `output_version`; readers such as the report refuse
/// other versions.
pub const OUTPUT_VERSION: u32 = 1;
/// Version of the two tables' column layout, stored in each file's key-value metadata as
/// `cascade.schema_version` (with `cascade.table` = `timeseries` or `events`).
pub const SCHEMA_VERSION: u32 = 1;
