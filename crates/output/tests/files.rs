//! File handling: temporary names until `finish`, cleanup of abandoned writers, atomic JSON and
//! text writes, and errors that name the path.

mod common;

use std::fs;
use std::path::Path;

use cascade_output::{
    temp_path, write_json_atomic, write_text_atomic, OutputError, RunWriter, WriterOptions,
    EVENTS_FILE, TIMESERIES_FILE,
};
use common::{event_rows, read_events, read_timeseries, timeseries_rows};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    names
}

#[test]
fn parquet_files_appear_under_their_final_names_only_on_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A previous run's file stays intact until the new one is complete.
    fs::write(dir.path().join(TIMESERIES_FILE), "old run").expect("old file");

    let mut run = RunWriter::create_with(dir.path(), WriterOptions::default().with_batch_rows(64))
        .expect("create");
    let timeseries = timeseries_rows(500);
    let events = event_rows(300);
    for row in &timeseries {
        run.push_timeseries(row).expect("push");
    }
    for row in &events {
        run.push_event(row).expect("push");
    }
    // Several row groups are already on disk, but only under the temporary names.
    assert_eq!(
        names(dir.path()),
        ["events.parquet.tmp", "timeseries.parquet", "timeseries.parquet.tmp"]
    );
    assert_eq!(fs::read_to_string(dir.path().join(TIMESERIES_FILE)).expect("old"), "old run");
    assert!(fs::metadata(dir.path().join("timeseries.parquet.tmp")).expect("temp").len() > 1000);

    let summary = run.finish().expect("finish");
    assert_eq!(names(dir.path()), [EVENTS_FILE, TIMESERIES_FILE]);
    assert_eq!(read_timeseries(&summary.timeseries.path), timeseries);
    assert_eq!(read_events(&summary.events.path), events);
}

#[test]
fn an_abandoned_writer_leaves_no_files_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path().join("run");
    {
        let mut run =
            RunWriter::create_with(&run_dir, WriterOptions::default().with_batch_rows(10))
                .expect("create");
        for row in &timeseries_rows(55) {
            run.push_timeseries(row).expect("push");
        }
        assert_eq!(names(&run_dir), ["events.parquet.tmp", "timeseries.parquet.tmp"]);
    }
    assert!(names(&run_dir).is_empty(), "{:?}", names(&run_dir));
}

#[test]
fn a_run_directory_that_is_a_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").expect("file");
    for target in [file.clone(), file.join("run")] {
        let err = RunWriter::create(&target).expect_err("a file is not a directory");
        assert!(matches!(err, OutputError::CreateDir { .. }), "{err:?}");
        assert_eq!(err.path(), Some(target.as_path()));
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("cannot create output directory {}: ", target.display())),
            "{message}"
        );
        assert!(message.contains("check that no file has that name"), "{message}");
    }
    assert_eq!(fs::read_to_string(&file).expect("untouched"), "x");
}

#[test]
fn a_parquet_name_taken_by_a_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("events.parquet.tmp")).expect("blocking dir");
    let err = RunWriter::create(dir.path()).expect_err("temp name is a directory");
    let temp = dir.path().join("events.parquet.tmp");
    assert_eq!(err.path(), Some(temp.as_path()));
    assert!(err.to_string().starts_with(&format!("cannot create {}: ", temp.display())), "{err}");
    // The timeseries writer opened first is cleaned up again.
    assert_eq!(names(dir.path()), ["events.parquet.tmp"]);
}

#[test]
fn a_zero_batch_size_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = RunWriter::create_with(dir.path(), WriterOptions::default().with_batch_rows(0))
        .expect_err("zero rows per batch");
    assert!(matches!(err, OutputError::InvalidOptions { .. }), "{err:?}");
    assert!(err.to_string().contains("batch_rows is 0"), "{err}");
    assert!(names(dir.path()).is_empty());
}

#[test]
fn json_and_text_are_written_atomically_and_pretty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("summary.json");
    fs::write(&path, "{\"old\": true}").expect("old summary");
    let value = serde_json::json!({ "seed": 42, "metrics": { "fills": 3 } });
    write_json_atomic(&path, &value).expect("json");
    let text = fs::read_to_string(&path).expect("read");
    // serde_json's `Value` map keeps keys sorted: the same value always gives the same bytes.
    assert_eq!(text, "{\n  \"metrics\": {\n    \"fills\": 3\n  },\n  \"seed\": 42\n}\n");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).expect("parse"), value);

    let seed = dir.path().join("seed.txt");
    write_text_atomic(&seed, "42\n").expect("text");
    assert_eq!(fs::read_to_string(&seed).expect("read"), "42\n");
    assert_eq!(names(dir.path()), ["seed.txt", "summary.json"]);
    assert_eq!(temp_path(&seed).expect("temp"), dir.path().join("seed.txt.tmp"));
}

#[test]
fn atomic_writes_into_a_missing_or_file_parent_name_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("plain-file");
    fs::write(&file, "x").expect("file");
    for path in [file.join("summary.json"), dir.path().join("missing/summary.json")] {
        let err = write_json_atomic(&path, &serde_json::json!({})).expect_err("no such directory");
        let temp = temp_path(&path).expect("temp");
        assert_eq!(err.path(), Some(temp.as_path()));
        assert!(err.to_string().starts_with(&format!("cannot create {}: ", temp.display())));
    }
    let err = write_text_atomic(Path::new("/"), "x").expect_err("no file name");
    assert_eq!(err.to_string(), "cannot write /: the path has no file name");
    assert_eq!(names(dir.path()), ["plain-file"]);
}

#[test]
fn renaming_onto_a_directory_is_a_clear_error_and_cleans_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("scenario.toml");
    fs::create_dir(&target).expect("dir in the way");
    fs::write(target.join("inside"), "x").expect("non-empty");
    let err = write_text_atomic(&target, "a = 1\n").expect_err("target is a directory");
    assert!(matches!(err, OutputError::Rename { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot move {} into place as {}: ",
            dir.path().join("scenario.toml.tmp").display(),
            target.display()
        )),
        "{message}"
    );
    assert_eq!(names(dir.path()), ["scenario.toml"]);
}
