//! Bad input: a folder that is not a run, a run from another output version, truncated or
//! corrupt Parquet files, a missing column, a missing file. Each gives its own error naming the
//! file, and none leaves a report (or its temporary file) behind.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use cascade_report::{render, ReportError};

fn assert_nothing_written(dir: &Path, before: &[String]) {
    assert_eq!(common::files(dir), before, "a failed render must leave the folder as it was");
}

fn bad_run(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = common::write_run(&temp.path().join(name));
    (temp, dir)
}

#[test]
fn a_folder_without_summary_is_not_a_run() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("notes.txt"), "hello").unwrap();
    let err = render(temp.path()).unwrap_err();
    assert!(matches!(&err, ReportError::NotARun { dir } if dir == temp.path()), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not a run folder") && text.contains("summary.json"), "{text}");
    assert_nothing_written(temp.path(), &["notes.txt".to_string()]);
    let missing = temp.path().join("no-such-folder");
    assert!(matches!(render(&missing), Err(ReportError::NotARun { .. })));
    assert!(!missing.exists());
}

#[test]
fn a_run_from_another_output_version_is_refused() {
    let (_temp, dir) = bad_run("old");
    for (version, shown) in [(serde_json::json!(0), "0"), (serde_json::json!(null), "(none)")] {
        let mut summary = common::summary_json(1);
        summary["output_version"] = version;
        std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
        let before = common::files(&dir);
        let err = render(&dir).unwrap_err();
        assert!(matches!(err, ReportError::OutputVersion { expected: 1, .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(&format!("has output_version {shown}")), "{text}");
        assert!(text.contains("summary.json"), "{text}");
        assert!(text.contains("`cascade run hand-made --seed 7`"), "{text}");
        assert_nothing_written(&dir, &before);
    }
}

#[test]
fn a_summary_that_is_not_json_or_lacks_fields_is_named() {
    let (_temp, dir) = bad_run("summary");
    std::fs::write(dir.join("summary.json"), "{\"output_version\": 1").unwrap();
    let err = render(&dir).unwrap_err();
    assert!(matches!(err, ReportError::Summary { .. }), "{err:?}");
    let mut summary = common::summary_json(1);
    summary["metrics"].as_object_mut().unwrap().remove("adl_count");
    std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    let text = render(&dir).unwrap_err().to_string();
    assert!(text.contains("summary.json") && text.contains("adl_count"), "{text}");
    assert!(!dir.join("report.html").exists());
}

#[test]
fn truncated_parquet_files_are_named_and_nothing_is_written() {
    for file in ["timeseries.parquet", "events.parquet"] {
        for keep in [0.5, 0.98] {
            let (_temp, dir) = bad_run("truncated");
            let path = dir.join(file);
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
            let before = common::files(&dir);
            let err = render(&dir).unwrap_err();
            assert!(matches!(&err, ReportError::Parquet { path: p, .. } if *p == path), "{err:?}");
            let text = err.to_string();
            assert!(text.contains(file) && text.contains("truncated or corrupt"), "{text}");
            assert_nothing_written(&dir, &before);
        }
    }
}

#[test]
fn a_file_that_is_not_parquet_is_named() {
    let (_temp, dir) = bad_run("corrupt");
    let path = dir.join("timeseries.parquet");
    std::fs::write(&path, "time_s,venue\n1,dex\n".repeat(20)).unwrap();
    let err = render(&dir).unwrap_err();
    assert!(matches!(&err, ReportError::Parquet { path: p, .. } if *p == path), "{err:?}");
    assert!(!dir.join("report.html").exists());
}

/// Writes a timeseries file with only `time_s`, `venue` (plain Utf8) and `mark`.
fn write_narrow_timeseries(path: &Path, with_version: bool) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("time_s", DataType::Int64, false),
        Field::new("venue", DataType::Utf8, false),
        Field::new("mark", DataType::Float64, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![1, 2])),
        Arc::new(StringArray::from(vec!["dex", "dex"])),
        Arc::new(Float64Array::from(vec![1.0, 2.0])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let metadata = with_version.then(|| {
        vec![parquet::file::metadata::KeyValue::new(
            "cascade.schema_version".into(),
            "1".to_string(),
        )]
    });
    let props = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(metadata)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn missing_columns_and_schema_versions_are_named() {
    let (_temp, dir) = bad_run("columns");
    let path = dir.join("timeseries.parquet");
    write_narrow_timeseries(&path, true);
    let err = render(&dir).unwrap_err();
    assert!(
        matches!(&err, ReportError::MissingColumn { path: p, column: "market" } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("has no column `market`"), "{err}");
    write_narrow_timeseries(&path, false);
    let err = render(&dir).unwrap_err();
    assert!(
        matches!(&err, ReportError::SchemaVersion { found, .. } if found == "(none)"),
        "{err:?}"
    );
    assert!(!dir.join("report.html").exists());
}

#[test]
fn missing_files_of_a_run_are_named() {
    for file in ["events.parquet", "timeseries.parquet", "scenario.toml"] {
        let (_temp, dir) = bad_run("missing");
        std::fs::remove_file(dir.join(file)).unwrap();
        let err = render(&dir).unwrap_err();
        assert!(
            matches!(&err, ReportError::MissingFile { path } if *path == dir.join(file)),
            "{file}: {err:?}"
        );
        assert!(err.to_string().contains("the run folder is incomplete"), "{err}");
        assert!(!dir.join("report.html").exists());
    }
}

#[test]
fn a_failed_render_keeps_an_older_report_and_a_good_one_replaces_it() {
    let (_temp, dir) = bad_run("rerender");
    std::fs::write(dir.join("report.html"), "old report").unwrap();
    let events = std::fs::read(dir.join("events.parquet")).unwrap();
    std::fs::write(dir.join("events.parquet"), &events[..100]).unwrap();
    assert!(render(&dir).is_err());
    assert_eq!(std::fs::read_to_string(dir.join("report.html")).unwrap(), "old report");
    std::fs::write(dir.join("events.parquet"), &events).unwrap();
    let path = render(&dir).unwrap();
    assert_eq!(path, dir.join("report.html"));
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("<!DOCTYPE html>"));
    assert!(!common::files(&dir).iter().any(|f| f.ends_with(".tmp")), "{:?}", common::files(&dir));
}
