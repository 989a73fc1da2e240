//! Round trips: rows written through `RunWriter` in several row groups read back exactly with the
//! parquet crate's Arrow reader, with the declared schema and metadata.

mod common;

use cascade_output::{
    events_schema, timeseries_schema, EventRow, RunWriter, TimeseriesRow, WriterOptions,
    EVENTS_FILE, TIMESERIES_FILE,
};
use common::{event_rows, metadata, read_events, read_timeseries, timeseries_rows};
use parquet::arrow::parquet_to_arrow_schema;
use parquet::basic::Compression;

fn write_run(
    dir: &std::path::Path,
    batch_rows: usize,
    timeseries: &[TimeseriesRow],
    events: &[EventRow],
) -> cascade_output::OutputSummary {
    let options = WriterOptions::default().with_batch_rows(batch_rows);
    let mut run = RunWriter::create_with(dir, options).expect("create");
    // Interleave the two tables the way a simulation would.
    let mut events_iter = events.iter();
    for (i, row) in timeseries.iter().enumerate() {
        run.push_timeseries(row).expect("push timeseries");
        if i % 3 != 0 {
            if let Some(event) = events_iter.next() {
                run.push_event(event).expect("push event");
            }
        }
    }
    for event in events_iter {
        run.push_event(event).expect("push event");
    }
    assert_eq!(run.timeseries_rows(), timeseries.len() as u64);
    assert_eq!(run.event_rows(), events.len() as u64);
    run.finish().expect("finish")
}

#[test]
fn thousands_of_rows_in_many_row_groups_read_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path().join("nested/run");
    let timeseries = timeseries_rows(3_001);
    let events = event_rows(4_500);
    let summary = write_run(&run_dir, 256, &timeseries, &events);

    assert_eq!(summary.timeseries.path, run_dir.join(TIMESERIES_FILE));
    assert_eq!(summary.events.path, run_dir.join(EVENTS_FILE));
    assert_eq!(summary.timeseries.rows, 3_001);
    assert_eq!(summary.events.rows, 4_500);
    assert_eq!(summary.timeseries.row_groups, 12); // ceil(3001 / 256)
    assert_eq!(summary.events.row_groups, 18); // ceil(4500 / 256)
    for table in [&summary.timeseries, &summary.events] {
        let on_disk = std::fs::metadata(&table.path).expect("final file").len();
        assert_eq!(table.bytes, on_disk);
    }

    assert_eq!(read_timeseries(&summary.timeseries.path), timeseries);
    assert_eq!(read_events(&summary.events.path), events);

    let meta = metadata(&summary.timeseries.path);
    assert_eq!(meta.num_row_groups(), 12);
    let sizes: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert!(sizes[..11].iter().all(|&n| n == 256), "{sizes:?}");
    assert_eq!(sizes[11], 3_001 - 11 * 256);
    assert_eq!(metadata(&summary.events.path).num_row_groups(), 18);
}

#[test]
fn files_carry_the_declared_schema_compression_and_table_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = write_run(dir.path(), 100, &timeseries_rows(150), &event_rows(150));
    for (table, schema, name) in [
        (&summary.timeseries, timeseries_schema(), "timeseries"),
        (&summary.events, events_schema(), "events"),
    ] {
        let meta = metadata(&table.path);
        let file_meta = meta.file_metadata();
        let kv = file_meta.key_value_metadata().expect("key-value metadata");
        let get = |key: &str| kv.iter().find(|e| e.key == key).and_then(|e| e.value.clone());
        assert_eq!(get("cascade.table").as_deref(), Some(name));
        assert_eq!(get("cascade.schema_version").as_deref(), Some("1"));

        let read =
            parquet_to_arrow_schema(file_meta.schema_descr(), file_meta.key_value_metadata())
                .expect("arrow schema");
        assert_eq!(read.fields(), schema.fields(), "{name}");
        for column in meta.row_group(0).columns() {
            assert_eq!(column.compression(), Compression::SNAPPY);
        }
    }
}

#[test]
fn unusual_floats_and_extreme_integers_round_trip_bit_for_bit() {
    let specials = [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE / 2.0];
    let dir = tempfile::tempdir().expect("tempdir");
    let timeseries: Vec<TimeseriesRow> = specials
        .iter()
        .enumerate()
        .map(|(i, &x)| TimeseriesRow {
            time_s: if i == 0 { i64::MIN } else { i64::MAX },
            venue: String::new(),
            market: "m".into(),
            mark: Some(x),
            funding_rate: x,
            ..TimeseriesRow::default()
        })
        .collect();
    let events: Vec<EventRow> = specials
        .iter()
        .map(|&x| EventRow {
            seq: u64::MAX,
            account: Some(i64::MIN),
            order_id: Some(u64::MAX),
            price: Some(x),
            detail: String::new(),
            ..EventRow::default()
        })
        .collect();
    let summary = write_run(dir.path(), 2, &timeseries, &events);

    let back = read_timeseries(&summary.timeseries.path);
    assert_eq!(back.len(), specials.len());
    for ((row, written), x) in back.iter().zip(&timeseries).zip(specials) {
        assert_eq!(row.mark.map(f64::to_bits), Some(x.to_bits()));
        assert_eq!(row.funding_rate.to_bits(), x.to_bits());
        assert_eq!(row.time_s, written.time_s);
        assert_eq!(row.venue, "");
    }
    let back = read_events(&summary.events.path);
    for (row, x) in back.iter().zip(specials) {
        assert_eq!(row.price.map(f64::to_bits), Some(x.to_bits()));
        assert_eq!(
            (row.seq, row.account, row.order_id),
            (u64::MAX, Some(i64::MIN), Some(u64::MAX))
        );
    }
}

#[test]
fn an_empty_run_writes_readable_empty_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = RunWriter::create(dir.path()).expect("create").finish().expect("finish");
    assert_eq!((summary.timeseries.rows, summary.timeseries.row_groups), (0, 0));
    assert_eq!((summary.events.rows, summary.events.row_groups), (0, 0));
    assert!(read_timeseries(&summary.timeseries.path).is_empty());
    assert!(read_events(&summary.events.path).is_empty());
    assert_eq!(metadata(&summary.events.path).file_metadata().num_rows(), 0);
}

#[test]
fn long_text_cuts_a_batch_before_its_row_count_is_reached() {
    // 40 events of 2 MiB each: the 64 MiB string cap cuts the batch at 32 rows even though the
    // row limit (the default 65,536) is far away.
    let dir = tempfile::tempdir().expect("tempdir");
    let events: Vec<EventRow> = (0..40)
        .map(|i| EventRow {
            seq: i,
            kind: "Big".into(),
            detail: "y".repeat(2 << 20),
            ..EventRow::default()
        })
        .collect();
    let mut run = RunWriter::create(dir.path()).expect("create");
    for event in &events {
        run.push_event(event).expect("push");
    }
    let summary = run.finish().expect("finish");
    assert_eq!(summary.events.row_groups, 2);
    let sizes: Vec<i64> =
        metadata(&summary.events.path).row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, [32, 8]);
    assert_eq!(read_events(&summary.events.path), events);
}
