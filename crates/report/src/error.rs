//! `ReportError`: every way reading a run, comparison or sweep folder or writing its report can
//! fail, each naming the file involved, what is wrong with it and how to get a good one.

use std::io;
use std::path::{Path, PathBuf};

use cascade_output::OutputError;
use parquet::errors::ParquetError;

/// Why a report could not be made. No variant leaves a `report.html` (or its temporary file)
/// behind: the page is written only once everything has been read and drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The folder has no summary.json, so it is not a run folder.
    #[error(
        "{} is not a run folder: it has no summary.json (give the folder that `cascade run` \
         wrote, for example out/thin-book-flash-crash-42)",
        dir.display()
    )]
    NotARun {
        /// The folder given.
        dir: PathBuf,
    },
    /// A file every run folder holds is missing.
    #[error(
        "{} is missing: the run folder is incomplete (the run was interrupted or the file was \
         removed); run the scenario again with `cascade run`",
        path.display()
    )]
    MissingFile {
        /// The file that should be there.
        path: PathBuf,
    },
    /// A file could not be opened or read.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done: "read" or "open".
        action: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// summary.json is not JSON, or lacks a field of its version.
    #[error(
        "{} is not a valid run summary: {reason} (run the scenario again with `cascade run` to \
         rewrite it)",
        path.display()
    )]
    Summary {
        /// The summary file.
        path: PathBuf,
        /// What is wrong, from the JSON reader.
        reason: String,
    },
    /// The run was written by a version of cascade with another output layout.
    #[error(
        "{} has output_version {}, but this cascade reads output version {expected}: run the \
         scenario again with this version ({rerun})",
        path.display(),
        found.map_or_else(|| "(none)".to_string(), |v| v.to_string())
    )]
    OutputVersion {
        /// The summary file.
        path: PathBuf,
        /// The version found, if the field is there and a number.
        found: Option<u64>,
        /// The version this crate reads.
        expected: u32,
        /// The command that writes a current run folder.
        rerun: String,
    },
    /// A Parquet file is truncated, corrupt, or not Parquet.
    #[error(
        "cannot read {}: {source} (the file is truncated or corrupt; run the scenario again with \
         `cascade run` to rewrite it)",
        path.display()
    )]
    Parquet {
        /// The Parquet file.
        path: PathBuf,
        /// The Parquet library's error.
        source: ParquetError,
    },
    /// A table lacks a column the report draws.
    #[error(
        "{} has no column `{column}`: it was not written by this version of cascade; run the \
         scenario again with `cascade run`",
        path.display()
    )]
    MissingColumn {
        /// The Parquet file.
        path: PathBuf,
        /// The column's name.
        column: &'static str,
    },
    /// A column has another type than cascade writes.
    #[error(
        "{} column `{column}` has type {found}, expected {expected}: it was not written by this \
         version of cascade; run the scenario again with `cascade run`",
        path.display()
    )]
    ColumnType {
        /// The Parquet file.
        path: PathBuf,
        /// The column's name.
        column: &'static str,
        /// The type the report reads.
        expected: &'static str,
        /// The type in the file.
        found: String,
    },
    /// A table's `cascade.schema_version` metadata is missing or another number.
    #[error(
        "{} has table schema version {found}, expected {expected}: run the scenario again with \
         this version of cascade",
        path.display()
    )]
    SchemaVersion {
        /// The Parquet file.
        path: PathBuf,
        /// The version found (`(none)` when the metadata is missing).
        found: String,
        /// The version this crate reads.
        expected: u32,
    },
    /// The timeseries has no rows: there is nothing to draw.
    #[error(
        "{} has no rows: the run recorded no simulated second (run a scenario with a duration of \
         at least one second)",
        path.display()
    )]
    EmptyTimeseries {
        /// The timeseries file.
        path: PathBuf,
    },
    /// scenario.toml is not TOML.
    #[error(
        "{} is not valid TOML: {reason} (run the scenario again with `cascade run` to rewrite it)",
        path.display()
    )]
    Scenario {
        /// The scenario file.
        path: PathBuf,
        /// What the TOML reader said.
        reason: String,
    },
    /// plotters failed to draw a chart (a bug: the SVG backend writes to memory).
    #[error("cannot draw chart `{chart}` of {venue} {market}: {reason}")]
    Draw {
        /// The venue of the chart group.
        venue: String,
        /// The market of the chart group.
        market: String,
        /// The chart's id.
        chart: &'static str,
        /// What plotters said.
        reason: String,
    },
    /// The folder has no compare.json, so it is not a comparison folder.
    #[error("{} is not a comparison folder: it has no compare.json ({hint})", dir.display())]
    NotAComparison {
        /// The folder given.
        dir: PathBuf,
        /// What the folder is instead, if it is recognisable, and how to get a comparison.
        hint: String,
    },
    /// The folder has no sweep.json: not a sweep folder, or a sweep that is not finished.
    #[error("{} has no sweep.json: {hint}", dir.display())]
    NotASweep {
        /// The folder given.
        dir: PathBuf,
        /// What the folder is (an unfinished sweep, a comparison, a run…) and what to do.
        hint: String,
    },
    /// compare.json or sweep.json is not JSON, lacks a field, or its parts do not agree.
    #[error("{} is not a valid {what}: {reason} ({fix})", path.display())]
    Experiment {
        /// The file.
        path: PathBuf,
        /// `comparison` or `sweep summary`.
        what: &'static str,
        /// What is wrong.
        reason: String,
        /// How to get a good file.
        fix: &'static str,
    },
    /// plotters failed to draw a figure of a comparison or sweep report (a bug: the SVG
    /// backend writes to memory).
    #[error("cannot draw {figure}: {reason}")]
    Figure {
        /// Which figure.
        figure: String,
        /// What plotters said.
        reason: String,
    },
    /// The report could not be written.
    #[error("cannot write the report: {0}")]
    Write(#[from] OutputError),
}

impl ReportError {
    /// The file or folder the error is about, if it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::NotARun { dir }
            | Self::NotAComparison { dir, .. }
            | Self::NotASweep { dir, .. } => Some(dir),
            Self::MissingFile { path }
            | Self::Io { path, .. }
            | Self::Summary { path, .. }
            | Self::OutputVersion { path, .. }
            | Self::Parquet { path, .. }
            | Self::MissingColumn { path, .. }
            | Self::ColumnType { path, .. }
            | Self::SchemaVersion { path, .. }
            | Self::EmptyTimeseries { path }
            | Self::Scenario { path, .. }
            | Self::Experiment { path, .. } => Some(path),
            Self::Draw { .. } | Self::Figure { .. } => None,
            Self::Write(e) => e.path(),
        }
    }
}
