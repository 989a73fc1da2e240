//! `RunWriter`: streams timeseries and event rows into two Parquet files, one row group per
//! batch, under temporary names that are renamed into place by `finish`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::atomic::{rename, temp_path};
use crate::rows::{EventsTable, Table, TimeseriesTable};
use crate::{EventRow, OutputError, TimeseriesRow, SCHEMA_VERSION};

/// Rows per batch (and so per Parquet row group) unless configured otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;

/// How a [`RunWriter`] batches its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriterOptions {
    /// Rows buffered per table before they are written out as one Parquet row group
    /// (1 ..= `i32::MAX`). A batch is also cut early once its strings pass 64 MiB.
    pub batch_rows: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self { batch_rows: DEFAULT_BATCH_ROWS }
    }
}

impl WriterOptions {
    /// These options with `batch_rows` rows per batch.
    #[must_use]
    pub fn with_batch_rows(mut self, batch_rows: usize) -> Self {
        self.batch_rows = batch_rows;
        self
    }

    fn validate(&self) -> Result<(), OutputError> {
        // Dictionary keys are `Int32`: a batch may not hold more distinct values than that.
        if self.batch_rows == 0 || self.batch_rows > i32::MAX as usize {
            return Err(OutputError::InvalidOptions {
                reason: format!(
                    "batch_rows is {}; it must be between 1 and {} (default {DEFAULT_BATCH_ROWS})",
                    self.batch_rows,
                    i32::MAX
                ),
            });
        }
        Ok(())
    }
}

/// What one finished Parquet file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    /// The file's final path.
    pub path: PathBuf,
    /// Rows written.
    pub rows: u64,
    /// Row groups written (one per batch).
    pub row_groups: u64,
    /// File size in bytes.
    pub bytes: u64,
}

/// What [`RunWriter::finish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSummary {
    /// `timeseries.parquet`.
    pub timeseries: TableSummary,
    /// `events.parquet`.
    pub events: TableSummary,
}

/// Streams a run's rows into `timeseries.parquet` and `events.parquet` in one directory.
///
/// Rows are buffered in Arrow column builders and written as one record batch (one Parquet row
/// group) every `batch_rows` rows, so memory is bounded by the batch size, not the run length.
/// Both files are written as `NAME.parquet.tmp` and renamed into place only by
/// [`finish`](Self::finish): a crashed run never leaves a half-written file under the final name.
/// Dropping a writer without finishing it removes its temporary files.
///
/// Rows should be pushed in time order (the run checker requires non-decreasing `time_s` and
/// `time_ns`); the writer does not reorder them. After any error, drop the writer.
pub struct RunWriter {
    dir: PathBuf,
    timeseries: Sink<TimeseriesTable>,
    events: Sink<EventsTable>,
}

impl std::fmt::Debug for RunWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunWriter")
            .field("dir", &self.dir)
            .field("timeseries_rows", &self.timeseries.rows_pushed())
            .field("event_rows", &self.events.rows_pushed())
            .finish()
    }
}

impl RunWriter {
    /// Creates `dir` (and its parents) if needed and opens both Parquet files under temporary
    /// names, with the default batch size.
    pub fn create(dir: &Path) -> Result<Self, OutputError> {
        Self::create_with(dir, WriterOptions::default())
    }

    /// [`create`](Self::create) with explicit options.
    pub fn create_with(dir: &Path, options: WriterOptions) -> Result<Self, OutputError> {
        options.validate()?;
        fs::create_dir_all(dir)
            .map_err(|source| OutputError::CreateDir { dir: dir.into(), source })?;
        Ok(Self {
            dir: dir.into(),
            timeseries: Sink::create(dir, options.batch_rows)?,
            events: Sink::create(dir, options.batch_rows)?,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Buffers one timeseries row, writing a row group when the batch is full.
    pub fn push_timeseries(&mut self, row: &TimeseriesRow) -> Result<(), OutputError> {
        self.timeseries.push(row)
    }

    /// Buffers one event row, writing a row group when the batch is full.
    pub fn push_event(&mut self, row: &EventRow) -> Result<(), OutputError> {
        self.events.push(row)
    }

    /// Timeseries rows pushed so far.
    pub fn timeseries_rows(&self) -> u64 {
        self.timeseries.rows_pushed()
    }

    /// Event rows pushed so far.
    pub fn event_rows(&self) -> u64 {
        self.events.rows_pushed()
    }

    /// Writes the last partial batches, closes both files (footer, sync) and renames them to
    /// `timeseries.parquet` and `events.parquet`.
    pub fn finish(mut self) -> Result<OutputSummary, OutputError> {
        let timeseries = self.timeseries.finish()?;
        let events = self.events.finish()?;
        Ok(OutputSummary { timeseries, events })
    }
}

/// One Parquet file being written: column builders for the current batch and the Arrow writer.
struct Sink<T: Table> {
    path: PathBuf,
    temp: PathBuf,
    /// `None` once `finish` has taken it.
    writer: Option<ArrowWriter<File>>,
    table: T,
    batch_rows: usize,
    rows_written: u64,
    row_groups: u64,
    /// Set once the file has been renamed into place; until then `Drop` removes the temp file.
    done: bool,
}

impl<T: Table> Sink<T> {
    fn create(dir: &Path, batch_rows: usize) -> Result<Self, OutputError> {
        let path = dir.join(T::FILE_NAME);
        let temp = temp_path(&path)?;
        let file = File::create(&temp).map_err(|source| OutputError::Io {
            path: temp.clone(),
            action: "create",
            source,
        })?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(batch_rows))
            .set_key_value_metadata(Some(vec![
                KeyValue::new("cascade.table".to_owned(), T::TABLE.to_owned()),
                KeyValue::new("cascade.schema_version".to_owned(), SCHEMA_VERSION.to_string()),
            ]))
            .build();
        let writer = match ArrowWriter::try_new(file, T::schema(), Some(properties)) {
            Ok(writer) => writer,
            Err(source) => {
                let _ = fs::remove_file(&temp);
                return Err(OutputError::Parquet { path: temp, source });
            }
        };
        Ok(Self {
            path,
            temp,
            writer: Some(writer),
            table: T::with_capacity(batch_rows.min(DEFAULT_BATCH_ROWS)),
            batch_rows,
            rows_written: 0,
            row_groups: 0,
            done: false,
        })
    }

    fn rows_pushed(&self) -> u64 {
        self.rows_written + self.table.len() as u64
    }

    fn push(&mut self, row: &T::Row) -> Result<(), OutputError> {
        self.table
            .append(row)
            .map_err(|source| OutputError::Arrow { path: self.temp.clone(), source })?;
        if self.table.is_full(self.batch_rows) {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Writes the buffered rows, if any, as one row group.
    fn write_batch(&mut self) -> Result<(), OutputError> {
        let rows = self.table.len();
        if rows == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(T::schema(), self.table.finish())
            .map_err(|source| OutputError::Arrow { path: self.temp.clone(), source })?;
        let parquet = |source| OutputError::Parquet { path: self.temp.clone(), source };
        let writer = self.writer.as_mut().expect("the writer stays until finish");
        writer.write(&batch).map_err(parquet)?;
        writer.flush().map_err(parquet)?;
        self.rows_written += rows as u64;
        self.row_groups += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<TableSummary, OutputError> {
        self.write_batch()?;
        let writer = self.writer.take().expect("finish runs once");
        let file = writer
            .into_inner()
            .map_err(|source| OutputError::Parquet { path: self.temp.clone(), source })?;
        let temp = &self.temp;
        let io = |action| move |source| OutputError::Io { path: temp.clone(), action, source };
        file.sync_all().map_err(io("sync"))?;
        let bytes = file.metadata().map_err(io("stat"))?.len();
        drop(file);
        rename(&self.temp, &self.path)?;
        self.done = true;
        Ok(TableSummary {
            path: self.path.clone(),
            rows: self.rows_written,
            row_groups: self.row_groups,
            bytes,
        })
    }
}

impl<T: Table> Drop for Sink<T> {
    fn drop(&mut self) {
        if !self.done {
            drop(self.writer.take());
            // Best effort: nothing useful can be done with an error while dropping.
            let _ = fs::remove_file(&self.temp);
        }
    }
}
