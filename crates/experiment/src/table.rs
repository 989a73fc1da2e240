//! Writes a table of runs (text key columns, a seed, metric columns) as Parquet, atomically.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use crate::metrics::METRICS;
use crate::ExperimentError;

/// One row: text columns (variant, grid values, digest…), the seed, the metrics.
pub(crate) struct Row {
    pub(crate) text: Vec<String>,
    pub(crate) seed: u64,
    pub(crate) metrics: Vec<Option<f64>>,
}

/// Writes `rows` with `text_columns` names, then `seed`, then one column per metric.
pub(crate) fn write(
    path: &Path,
    text_columns: &[String],
    rows: &[Row],
) -> Result<(), ExperimentError> {
    let io = |e: String| ExperimentError::Write { path: path.to_path_buf(), reason: e };
    let mut fields: Vec<Field> =
        text_columns.iter().map(|c| Field::new(c.as_str(), DataType::Utf8, false)).collect();
    fields.push(Field::new("seed", DataType::UInt64, false));
    fields.extend(METRICS.iter().map(|m| Field::new(*m, DataType::Float64, true)));
    let schema = Arc::new(Schema::new(fields));
    let mut columns: Vec<ArrayRef> = Vec::new();
    for c in 0..text_columns.len() {
        columns
            .push(Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.text[c].as_str()))));
    }
    columns.push(Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.seed))));
    for m in 0..METRICS.len() {
        columns.push(Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.metrics[m]))));
    }
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| io(e.to_string()))?;
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| io(e.to_string()))?;
    let mut writer = ArrowWriter::try_new(file, schema, None).map_err(|e| io(e.to_string()))?;
    writer.write(&batch).map_err(|e| io(e.to_string()))?;
    writer.close().map_err(|e| io(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| io(e.to_string()))?;
    Ok(())
}
