//! Reads a run folder written by `cascade run`: summary.json (checked for `output_version`
//! first), scenario.toml (the description and the primary market), timeseries.parquet back into
//! [`TimeseriesRow`]s, and from events.parquet only the events the charts mark (liquidations,
//! backstop takeovers, ADL fills, halts and margin-tier changes), filtered while decoding.
//!
//! Every column is checked for presence and type before it is read, so a file from another
//! version gives a [`ReportError`] naming the column instead of a panic.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema};
use cascade_model::AccountId;
use cascade_output::{TimeseriesRow, EVENTS_FILE, OUTPUT_VERSION, SCHEMA_VERSION, TIMESERIES_FILE};
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowFilter,
};
use parquet::arrow::ProjectionMask;
use serde::Deserialize;

use crate::chart::MarkerKind;
use crate::ReportError;

/// File name of the run summary inside a run folder.
pub const SUMMARY_FILE: &str = "summary.json";
/// File name of the resolved scenario inside a run folder.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// summary.json as `cascade run` writes it (output version 1).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// The seed the run used.
    pub seed: u64,
    /// Version of cascade that wrote the run.
    pub version: String,
    /// Version of the run folder layout.
    pub output_version: u32,
    /// SHA-256 digest of the engine event stream.
    pub digest: String,
    /// Engine events.
    pub events: u64,
    /// Kernel (scheduler) events.
    pub kernel_events: u64,
    /// Simulated duration, seconds.
    pub duration_s: u64,
    /// Whether and how the run was audited.
    pub audit: Audit,
    /// The headline metrics.
    pub metrics: Metrics,
}

/// The audit block of summary.json.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Audit {
    /// True when the run was audited and every step passed.
    pub ok: bool,
    /// True when the run was audited.
    pub enabled: bool,
    /// Names of the checks run after every step.
    pub checks: Vec<String>,
    /// Engine steps checked.
    pub steps: u64,
    /// The first broken invariant, if any.
    pub first_failure: Option<String>,
}

/// Long and short liquidated notional.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LongShort {
    /// Longs, USD.
    pub long: f64,
    /// Shorts, USD.
    pub short: f64,
}

/// The metrics block of summary.json; the field names are summary.json's keys, and their
/// meanings are defined by `cascade_sim::Summary` and explained in the report's table
/// ([`crate::metric_rows`]).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Metrics {
    /// Largest fall of the primary mark from its running peak, percent.
    pub max_drawdown_pct: f64,
    /// Seconds from the start to the trough.
    pub time_to_trough_s: f64,
    /// Share of the fall recovered 600 s after the trough, percent.
    pub recovery_pct_after_600s: Option<f64>,
    /// Notional closed by liquidation orders, longs and shorts.
    pub liquidated_notional_usd: LongShort,
    /// Liquidations started on user accounts.
    pub liquidations_count: u64,
    /// Notional taken over by backstops.
    pub backstop_notional_usd: f64,
    /// Bad debt recorded.
    pub bad_debt_usd: f64,
    /// Largest fall of the insurance fund below its start.
    pub insurance_fund_drawdown_usd: f64,
    /// Auto-deleveraged notional.
    pub adl_notional_usd: f64,
    /// Auto-deleveraging fills.
    pub adl_count: u64,
    /// Time of the first liquidation, seconds.
    pub first_liquidation_s: Option<f64>,
    /// Time of the first ADL fill, seconds.
    pub first_adl_s: Option<f64>,
    /// Largest fall of near-mid (1%) depth below its first-minute level, percent.
    pub depth_collapse_pct: f64,
    /// Widest spread, basis points.
    pub max_spread_bps: f64,
    /// Change of open interest from its peak to the end, percent.
    pub oi_change_pct: f64,
    /// Safeguard activations.
    pub safeguards_triggered: u64,
    /// Largest rise of the primary mark above its running low, percent.
    #[serde(default)]
    pub max_rise_pct: f64,
    /// Collateral withdrawn from all venues, USD.
    #[serde(default)]
    pub withdrawn_usd: f64,
    /// Largest fall of the backstop vault's equity below its start, USD.
    #[serde(default)]
    pub vault_drawdown_usd: f64,
}

/// One engine event the charts mark.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkerEvent {
    /// Simulated time, nanoseconds since the start.
    pub time_ns: i64,
    /// Venue name.
    pub venue: String,
    /// Market symbol; `None` for events about a whole account or venue (cross-margin
    /// liquidations, halts), which are marked on every market of the venue.
    pub market: Option<String>,
    /// What happened.
    pub kind: MarkerKind,
    /// The event's notional in USD (backstop takeovers and ADL fills only).
    pub amount_usd: Option<f64>,
    /// The event's text, kept for safeguards (it says halted or reopened, and the new tiers).
    pub detail: Option<String>,
}

/// Everything read from a run folder.
#[derive(Clone, Debug)]
pub struct Run {
    /// The folder.
    pub dir: PathBuf,
    /// summary.json.
    pub summary: RunSummary,
    /// The scenario's `description`.
    pub description: String,
    /// The primary market (the first agent population's venue and market), if named.
    pub primary: Option<(String, String)>,
    /// timeseries.parquet, in file order.
    pub timeseries: Vec<TimeseriesRow>,
    /// The marked events from events.parquet, in file order.
    pub events: Vec<MarkerEvent>,
}

/// Reads a run folder.
pub fn read_run(dir: &Path) -> Result<Run, ReportError> {
    let summary = read_summary(dir)?;
    let (description, primary) = read_scenario(&dir.join(SCENARIO_FILE))?;
    let timeseries_path = dir.join(TIMESERIES_FILE);
    let timeseries = read_timeseries(&timeseries_path)?;
    if timeseries.is_empty() {
        return Err(ReportError::EmptyTimeseries { path: timeseries_path });
    }
    let events = read_marker_events(&dir.join(EVENTS_FILE))?;
    Ok(Run { dir: dir.to_path_buf(), summary, description, primary, timeseries, events })
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ReportError::MissingFile { path: path.into() },
        _ => ReportError::Io { path: path.into(), action: "read", source },
    })
}

/// Reads summary.json, checking `output_version` before anything else so that a run from
/// another version is named as such rather than as a missing field.
pub fn read_summary(dir: &Path) -> Result<RunSummary, ReportError> {
    let path = dir.join(SUMMARY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ReportError::NotARun { dir: dir.into() })
        }
        Err(source) => return Err(ReportError::Io { path, action: "read", source }),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ReportError::Summary { path: path.clone(), reason: e.to_string() })?;
    let found = value.get("output_version").and_then(serde_json::Value::as_u64);
    if found != Some(u64::from(OUTPUT_VERSION)) {
        let scenario = value.get("scenario").and_then(|v| v.as_str()).unwrap_or("SCENARIO");
        let seed = value.get("seed").and_then(serde_json::Value::as_u64);
        let rerun = match seed {
            Some(seed) => format!("`cascade run {scenario} --seed {seed}`"),
            None => format!("`cascade run {scenario}`"),
        };
        return Err(ReportError::OutputVersion { path, found, expected: OUTPUT_VERSION, rerun });
    }
    serde_json::from_value(value).map_err(|e| ReportError::Summary { path, reason: e.to_string() })
}

/// The scenario's description and primary market from the resolved scenario.toml.
fn read_scenario(path: &Path) -> Result<(String, Option<(String, String)>), ReportError> {
    let text = read_text(path)?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ReportError::Scenario {
        path: path.into(),
        reason: e.to_string(),
    })?;
    let description =
        table.get("description").and_then(toml::Value::as_str).unwrap_or_default().to_string();
    // The simulator's primary market is the first agent population's (cascade-scenario `build`).
    let primary = table
        .get("agents")
        .and_then(toml::Value::as_array)
        .and_then(|agents| agents.first())
        .and_then(|first| {
            let venue = first.get("venue")?.as_str()?;
            let market = first.get("market")?.as_str()?;
            Some((venue.to_string(), market.to_string()))
        });
    Ok((description, primary))
}

fn open_parquet(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, ReportError> {
    let file = File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ReportError::MissingFile { path: path.into() },
        _ => ReportError::Io { path: path.into(), action: "open", source },
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|source| ReportError::Parquet { path: path.into(), source })?;
    let found = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == "cascade.schema_version"))
        .and_then(|k| k.value.clone());
    if found.as_deref() != Some(SCHEMA_VERSION.to_string().as_str()) {
        return Err(ReportError::SchemaVersion {
            path: path.into(),
            found: found.unwrap_or_else(|| "(none)".to_string()),
            expected: SCHEMA_VERSION,
        });
    }
    Ok(builder)
}

/// The types the reader accepts for a column.
#[derive(Clone, Copy)]
enum Kind {
    Int64,
    Float64,
    /// `Utf8`, or a dictionary of `Utf8` with `Int32` keys (what cascade writes).
    Text,
}

impl Kind {
    fn accepts(self, t: &DataType) -> bool {
        match self {
            Kind::Int64 => t == &DataType::Int64,
            Kind::Float64 => t == &DataType::Float64,
            Kind::Text => match t {
                DataType::Utf8 => true,
                DataType::Dictionary(k, v) => **k == DataType::Int32 && **v == DataType::Utf8,
                _ => false,
            },
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Int64 => "Int64",
            Kind::Float64 => "Float64",
            Kind::Text => "Utf8 or Dictionary(Int32, Utf8)",
        }
    }
}

/// Finds each named column, checks its type, and returns the root indices in the given order.
fn columns(
    path: &Path,
    schema: &Schema,
    wanted: &[(&'static str, Kind)],
) -> Result<Vec<usize>, ReportError> {
    wanted
        .iter()
        .map(|&(column, kind)| {
            let (index, field) = schema
                .column_with_name(column)
                .ok_or(ReportError::MissingColumn { path: path.into(), column })?;
            if !kind.accepts(field.data_type()) {
                return Err(ReportError::ColumnType {
                    path: path.into(),
                    column,
                    expected: kind.name(),
                    found: field.data_type().to_string(),
                });
            }
            Ok(index)
        })
        .collect()
}

/// Hands each record batch of `reader` to `each`; a batch that cannot be decoded (a truncated
/// or corrupt page) is a [`ReportError::Parquet`] naming `path`.
fn batches(
    path: &Path,
    reader: ParquetRecordBatchReader,
    mut each: impl FnMut(&RecordBatch),
) -> Result<(), ReportError> {
    for batch in reader {
        let batch = batch.map_err(|e| ReportError::Parquet {
            path: path.into(),
            source: parquet::errors::ParquetError::ArrowError(e.to_string()),
        })?;
        each(&batch);
    }
    Ok(())
}

/// Text of row `i` of a column accepted by [`Kind::Text`].
fn text_at(array: &dyn Array, i: usize) -> Option<String> {
    if array.is_null(i) {
        return None;
    }
    match array.data_type() {
        DataType::Dictionary(..) => {
            let dict = array.as_dictionary::<Int32Type>();
            let values = dict.values().as_string::<i32>();
            let key = dict.keys().value(i);
            usize::try_from(key).ok().map(|k| values.value(k).to_string())
        }
        _ => Some(array.as_string::<i32>().value(i).to_string()),
    }
}

fn f64_at(array: &dyn Array, i: usize) -> Option<f64> {
    (!array.is_null(i)).then(|| array.as_primitive::<Float64Type>().value(i))
}

const TIMESERIES_COLUMNS: [(&str, Kind); 20] = [
    ("time_s", Kind::Int64),
    ("venue", Kind::Text),
    ("market", Kind::Text),
    ("last", Kind::Float64),
    ("mark", Kind::Float64),
    ("oracle", Kind::Float64),
    ("reference", Kind::Float64),
    ("best_bid", Kind::Float64),
    ("best_ask", Kind::Float64),
    ("spread_bps", Kind::Float64),
    ("depth_1pct_usd", Kind::Float64),
    ("depth_5pct_usd", Kind::Float64),
    ("open_interest", Kind::Float64),
    ("open_interest_usd", Kind::Float64),
    ("funding_rate", Kind::Float64),
    ("liquidated_long_usd", Kind::Float64),
    ("liquidated_short_usd", Kind::Float64),
    ("insurance_fund_usd", Kind::Float64),
    ("vault_equity_usd", Kind::Float64),
    ("adl_usd", Kind::Float64),
];

/// Reads timeseries.parquet back into rows (columns found by name, so their order in the file
/// does not matter).
pub fn read_timeseries(path: &Path) -> Result<Vec<TimeseriesRow>, ReportError> {
    let builder = open_parquet(path)?;
    let indices = columns(path, builder.schema(), &TIMESERIES_COLUMNS)?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|source| ReportError::Parquet { path: path.into(), source })?;
    let mut rows = Vec::new();
    batches(path, reader, |batch| {
        // The projection keeps file order; look each column up by name again.
        let col = |name: &str| {
            batch.column(batch.schema().index_of(name).expect("projected column")).as_ref()
        };
        let time = col("time_s").as_primitive::<Int64Type>();
        let (venue, market) = (col("venue"), col("market"));
        let optional =
            ["last", "mark", "oracle", "reference", "best_bid", "best_ask", "spread_bps"].map(&col);
        let required = [
            "depth_1pct_usd",
            "depth_5pct_usd",
            "open_interest",
            "open_interest_usd",
            "funding_rate",
            "liquidated_long_usd",
            "liquidated_short_usd",
            "insurance_fund_usd",
            "vault_equity_usd",
            "adl_usd",
        ]
        .map(&col);
        for i in 0..batch.num_rows() {
            let o = |k: usize| f64_at(optional[k], i);
            let r = |k: usize| f64_at(required[k], i).unwrap_or(f64::NAN);
            rows.push(TimeseriesRow {
                time_s: time.value(i),
                venue: text_at(venue, i).unwrap_or_default(),
                market: text_at(market, i).unwrap_or_default(),
                last: o(0),
                mark: o(1),
                oracle: o(2),
                reference: o(3),
                best_bid: o(4),
                best_ask: o(5),
                spread_bps: o(6),
                depth_1pct_usd: r(0),
                depth_5pct_usd: r(1),
                open_interest: r(2),
                open_interest_usd: r(3),
                funding_rate: r(4),
                liquidated_long_usd: r(5),
                liquidated_short_usd: r(6),
                insurance_fund_usd: r(7),
                vault_equity_usd: r(8),
                adl_usd: r(9),
            });
        }
    })?;
    Ok(rows)
}

/// The event kinds the charts mark, by their `kind` text in events.parquet.
fn marker_kind(kind: &str) -> Option<MarkerKind> {
    match kind {
        "LiquidationStarted" => Some(MarkerKind::Liquidation),
        "PositionTransferred" => Some(MarkerKind::Backstop),
        "AdlFill" => Some(MarkerKind::Adl),
        "MarketHalted" | "MarginTiersChanged" => Some(MarkerKind::Safeguard),
        _ => None,
    }
}

/// True for each row whose `kind` is marked. Evaluated on the `kind` column alone, before any
/// other column (notably the long `detail` text) is decoded.
fn is_marked(batch: RecordBatch) -> Result<BooleanArray, ArrowError> {
    let kind = batch.column(0);
    if let DataType::Dictionary(..) = kind.data_type() {
        let dict = kind.as_dictionary::<Int32Type>();
        let values = dict.values().as_string::<i32>();
        let marked: Vec<bool> = values.iter().map(|v| v.and_then(marker_kind).is_some()).collect();
        Ok(dict
            .keys()
            .iter()
            .map(|k| Some(k.and_then(|k| usize::try_from(k).ok()).is_some_and(|k| marked[k])))
            .collect())
    } else {
        Ok(kind
            .as_string::<i32>()
            .iter()
            .map(|v| Some(v.and_then(marker_kind).is_some()))
            .collect())
    }
}

/// Reads from events.parquet the events the charts mark. Liquidations of and takeovers from
/// system accounts (insurance fund, backstop vault) are left out, as in the run's metrics.
pub fn read_marker_events(path: &Path) -> Result<Vec<MarkerEvent>, ReportError> {
    let builder = open_parquet(path)?;
    let wanted = [
        ("time_ns", Kind::Int64),
        ("venue", Kind::Text),
        ("kind", Kind::Text),
        ("account", Kind::Int64),
        ("market", Kind::Text),
        ("amount_usd", Kind::Float64),
        ("detail", Kind::Text),
    ];
    let indices = columns(path, builder.schema(), &wanted)?;
    let kind_mask = ProjectionMask::roots(builder.parquet_schema(), [indices[2]]);
    let filter = RowFilter::new(vec![Box::new(ArrowPredicateFn::new(kind_mask, is_marked))]);
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_row_filter(filter)
        .build()
        .map_err(|source| ReportError::Parquet { path: path.into(), source })?;
    let mut events = Vec::new();
    batches(path, reader, |batch| {
        let schema = batch.schema();
        let by_name: HashMap<&str, usize> =
            schema.fields().iter().enumerate().map(|(i, f)| (f.name().as_str(), i)).collect();
        let col = |name: &str| batch.column(by_name[name]).as_ref();
        let time = col("time_ns").as_primitive::<Int64Type>();
        let account = col("account");
        for i in 0..batch.num_rows() {
            let Some(kind) = text_at(col("kind"), i).as_deref().and_then(marker_kind) else {
                continue;
            };
            let account_id =
                (!account.is_null(i)).then(|| account.as_primitive::<Int64Type>().value(i));
            let system = account_id.is_some_and(|a| a < i64::from(AccountId::FIRST_USER));
            if system && matches!(kind, MarkerKind::Liquidation | MarkerKind::Backstop) {
                continue;
            }
            events.push(MarkerEvent {
                time_ns: time.value(i),
                venue: text_at(col("venue"), i).unwrap_or_default(),
                market: text_at(col("market"), i),
                kind,
                // A liquidation's amount is the account's equity, not a notional: not summed.
                amount_usd: matches!(kind, MarkerKind::Backstop | MarkerKind::Adl)
                    .then(|| f64_at(col("amount_usd"), i))
                    .flatten(),
                detail: (kind == MarkerKind::Safeguard)
                    .then(|| text_at(col("detail"), i))
                    .flatten(),
            });
        }
    })?;
    Ok(events)
}
