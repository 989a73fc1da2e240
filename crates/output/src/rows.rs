//! The two row types, their Arrow schemas, and the column builders that batch them.
//!
//! Column order and names follow the struct fields exactly. Low-cardinality strings (venue,
//! market, kind, side, reason) are dictionary-encoded `Utf8` with `Int32` keys: DuckDB reads them
//! as `VARCHAR`, pandas as `category`. Free text (`detail`) is plain `Utf8`.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder, UInt64Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::ArrayRef;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

/// One row per simulated second per market (also the live page's row frame, hence serde).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TimeseriesRow {
    /// Simulated time in whole seconds since the run's start.
    pub time_s: i64,
    /// Venue name (for example `hyperliquid`).
    pub venue: String,
    /// Market symbol (for example `BTC-PERP`).
    pub market: String,
    /// Last trade price, if the market has traded.
    pub last: Option<f64>,
    /// Mark price, if set.
    pub mark: Option<f64>,
    /// Oracle (index) price, if set.
    pub oracle: Option<f64>,
    /// The exogenous external price, if the scenario has one.
    pub reference: Option<f64>,
    /// Best bid, if the book has bids.
    pub best_bid: Option<f64>,
    /// Best ask, if the book has asks.
    pub best_ask: Option<f64>,
    /// (ask − bid) / mid in basis points, if both sides exist.
    pub spread_bps: Option<f64>,
    /// USD resting on both book sides within 1% of mid.
    pub depth_1pct_usd: f64,
    /// USD resting on both book sides within 5% of mid.
    pub depth_5pct_usd: f64,
    /// Open interest in base units, one side.
    pub open_interest: f64,
    /// Open interest in USD, one side.
    pub open_interest_usd: f64,
    /// Last funding interval's rate as a fraction (0.0001 = 1 bp).
    pub funding_rate: f64,
    /// Notional of longs liquidated during this second, USD.
    pub liquidated_long_usd: f64,
    /// Notional of shorts liquidated during this second, USD.
    pub liquidated_short_usd: f64,
    /// Insurance fund balance, USD.
    pub insurance_fund_usd: f64,
    /// Backstop vault equity, USD.
    pub vault_equity_usd: f64,
    /// Notional auto-deleveraged during this second, USD.
    pub adl_usd: f64,
}

/// One row per engine event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventRow {
    /// Simulated time of the event in nanoseconds since the run's start.
    pub time_ns: i64,
    /// Global order of the event across all venues.
    pub seq: u64,
    /// Venue name.
    pub venue: String,
    /// The event variant's name, for example `Fill`.
    pub kind: String,
    /// The account the event is about, if any.
    pub account: Option<i64>,
    /// The other account (a fill's maker, an ADL counterparty), if any.
    pub counterparty: Option<i64>,
    /// Market symbol, if the event is about one market.
    pub market: Option<String>,
    /// Order id, if the event is about one order.
    pub order_id: Option<u64>,
    /// `"buy"` or `"sell"`, if the event has a side.
    pub side: Option<String>,
    /// Price, if the event has one.
    pub price: Option<f64>,
    /// Size in base units, if the event has one.
    pub size: Option<f64>,
    /// A USD amount (fee, payment, notional), if the event has one.
    pub amount_usd: Option<f64>,
    /// Reject, cancel or liquidation reason, if any.
    pub reason: Option<String>,
    /// The full text of the event.
    pub detail: String,
}

fn dict_utf8() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The Arrow schema of `timeseries.parquet`.
pub fn timeseries_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let f64_col =
                |name: &str, nullable: bool| Field::new(name, DataType::Float64, nullable);
            Arc::new(Schema::new(vec![
                Field::new("time_s", DataType::Int64, false),
                Field::new("venue", dict_utf8(), false),
                Field::new("market", dict_utf8(), false),
                f64_col("last", true),
                f64_col("mark", true),
                f64_col("oracle", true),
                f64_col("reference", true),
                f64_col("best_bid", true),
                f64_col("best_ask", true),
                f64_col("spread_bps", true),
                f64_col("depth_1pct_usd", false),
                f64_col("depth_5pct_usd", false),
                f64_col("open_interest", false),
                f64_col("open_interest_usd", false),
                f64_col("funding_rate", false),
                f64_col("liquidated_long_usd", false),
                f64_col("liquidated_short_usd", false),
                f64_col("insurance_fund_usd", false),
                f64_col("vault_equity_usd", false),
                f64_col("adl_usd", false),
            ]))
        })
        .clone()
}

/// The Arrow schema of `events.parquet`.
pub fn events_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("time_ns", DataType::Int64, false),
                Field::new("seq", DataType::UInt64, false),
                Field::new("venue", dict_utf8(), false),
                Field::new("kind", dict_utf8(), false),
                Field::new("account", DataType::Int64, true),
                Field::new("counterparty", DataType::Int64, true),
                Field::new("market", dict_utf8(), true),
                Field::new("order_id", DataType::UInt64, true),
                Field::new("side", dict_utf8(), true),
                Field::new("price", DataType::Float64, true),
                Field::new("size", DataType::Float64, true),
                Field::new("amount_usd", DataType::Float64, true),
                Field::new("reason", dict_utf8(), true),
                Field::new("detail", DataType::Utf8, false),
            ]))
        })
        .clone()
}

/// String bytes after which a batch is cut early, whatever its row count: keeps memory bounded
/// when rows carry long text and keeps `Utf8`'s 32-bit offsets far from overflowing.
const MAX_BATCH_STRING_BYTES: usize = 64 << 20;

/// Column builders for one table: rows go in one at a time, a batch of columns comes out.
pub(crate) trait Table: Send {
    /// The row type.
    type Row;
    /// Final file name inside the run directory.
    const FILE_NAME: &'static str;
    /// Name recorded in the file's key-value metadata (`cascade.table`).
    const TABLE: &'static str;
    /// The Arrow schema.
    fn schema() -> SchemaRef;
    /// Empty builders sized for `rows` rows.
    fn with_capacity(rows: usize) -> Self;
    /// Appends one row.
    fn append(&mut self, row: &Self::Row) -> Result<(), ArrowError>;
    /// Rows appended since the last `finish`.
    fn len(&self) -> usize;
    /// String bytes appended since the last `finish`.
    fn string_bytes(&self) -> usize;
    /// Takes the appended rows as columns in schema order and empties the builders.
    fn finish(&mut self) -> Vec<ArrayRef>;
    /// Whether the batch should be written now.
    fn is_full(&self, batch_rows: usize) -> bool {
        self.len() >= batch_rows || self.string_bytes() >= MAX_BATCH_STRING_BYTES
    }
}

type DictBuilder = StringDictionaryBuilder<Int32Type>;

/// Fails only on dictionary key overflow, which cannot happen: a batch holds at most
/// `i32::MAX` rows (checked in `WriterOptions`), so at most that many distinct values.
fn append_dict(builder: &mut DictBuilder, value: &str) -> Result<(), ArrowError> {
    builder.append(value).map(|_| ())
}

fn append_dict_opt(builder: &mut DictBuilder, value: Option<&str>) -> Result<(), ArrowError> {
    match value {
        Some(v) => append_dict(builder, v),
        None => {
            builder.append_null();
            Ok(())
        }
    }
}

pub(crate) struct TimeseriesTable {
    time_s: Int64Builder,
    venue: DictBuilder,
    market: DictBuilder,
    /// `last` … `spread_bps`, in schema order.
    optional: [Float64Builder; 7],
    /// `depth_1pct_usd` … `adl_usd`, in schema order.
    required: [Float64Builder; 10],
    rows: usize,
    string_bytes: usize,
}

impl Table for TimeseriesTable {
    type Row = TimeseriesRow;
    const FILE_NAME: &'static str = crate::TIMESERIES_FILE;
    const TABLE: &'static str = "timeseries";

    fn schema() -> SchemaRef {
        timeseries_schema()
    }

    fn with_capacity(rows: usize) -> Self {
        Self {
            time_s: Int64Builder::with_capacity(rows),
            venue: DictBuilder::new(),
            market: DictBuilder::new(),
            optional: std::array::from_fn(|_| Float64Builder::with_capacity(rows)),
            required: std::array::from_fn(|_| Float64Builder::with_capacity(rows)),
            rows: 0,
            string_bytes: 0,
        }
    }

    fn append(&mut self, row: &TimeseriesRow) -> Result<(), ArrowError> {
        append_dict(&mut self.venue, &row.venue)?;
        append_dict(&mut self.market, &row.market)?;
        self.time_s.append_value(row.time_s);
        let optional = [
            row.last,
            row.mark,
            row.oracle,
            row.reference,
            row.best_bid,
            row.best_ask,
            row.spread_bps,
        ];
        for (builder, value) in self.optional.iter_mut().zip(optional) {
            builder.append_option(value);
        }
        let required = [
            row.depth_1pct_usd,
            row.depth_5pct_usd,
            row.open_interest,
            row.open_interest_usd,
            row.funding_rate,
            row.liquidated_long_usd,
            row.liquidated_short_usd,
            row.insurance_fund_usd,
            row.vault_equity_usd,
            row.adl_usd,
        ];
        for (builder, value) in self.required.iter_mut().zip(required) {
            builder.append_value(value);
        }
        self.rows += 1;
        self.string_bytes += row.venue.len() + row.market.len();
        Ok(())
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn string_bytes(&self) -> usize {
        self.string_bytes
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        self.rows = 0;
        self.string_bytes = 0;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.time_s.finish()),
            Arc::new(self.venue.finish()),
            Arc::new(self.market.finish()),
        ];
        for builder in self.optional.iter_mut().chain(self.required.iter_mut()) {
            columns.push(Arc::new(builder.finish()));
        }
        columns
    }
}

pub(crate) struct EventsTable {
    time_ns: Int64Builder,
    seq: UInt64Builder,
    venue: DictBuilder,
    kind: DictBuilder,
    account: Int64Builder,
    counterparty: Int64Builder,
    market: DictBuilder,
    order_id: UInt64Builder,
    side: DictBuilder,
    price: Float64Builder,
    size: Float64Builder,
    amount_usd: Float64Builder,
    reason: DictBuilder,
    detail: StringBuilder,
    rows: usize,
    string_bytes: usize,
}

impl Table for EventsTable {
    type Row = EventRow;
    const FILE_NAME: &'static str = crate::EVENTS_FILE;
    const TABLE: &'static str = "events";

    fn schema() -> SchemaRef {
        events_schema()
    }

    fn with_capacity(rows: usize) -> Self {
        Self {
            time_ns: Int64Builder::with_capacity(rows),
            seq: UInt64Builder::with_capacity(rows),
            venue: DictBuilder::new(),
            kind: DictBuilder::new(),
            account: Int64Builder::with_capacity(rows),
            counterparty: Int64Builder::with_capacity(rows),
            market: DictBuilder::new(),
            order_id: UInt64Builder::with_capacity(rows),
            side: DictBuilder::new(),
            price: Float64Builder::with_capacity(rows),
            size: Float64Builder::with_capacity(rows),
            amount_usd: Float64Builder::with_capacity(rows),
            reason: DictBuilder::new(),
            detail: StringBuilder::new(),
            rows: 0,
            string_bytes: 0,
        }
    }

    fn append(&mut self, row: &EventRow) -> Result<(), ArrowError> {
        append_dict(&mut self.venue, &row.venue)?;
        append_dict(&mut self.kind, &row.kind)?;
        append_dict_opt(&mut self.market, row.market.as_deref())?;
        append_dict_opt(&mut self.side, row.side.as_deref())?;
        append_dict_opt(&mut self.reason, row.reason.as_deref())?;
        self.time_ns.append_value(row.time_ns);
        self.seq.append_value(row.seq);
        self.account.append_option(row.account);
        self.counterparty.append_option(row.counterparty);
        self.order_id.append_option(row.order_id);
        self.price.append_option(row.price);
        self.size.append_option(row.size);
        self.amount_usd.append_option(row.amount_usd);
        self.detail.append_value(&row.detail);
        self.rows += 1;
        self.string_bytes += row.venue.len()
            + row.kind.len()
            + row.market.as_ref().map_or(0, String::len)
            + row.side.as_ref().map_or(0, String::len)
            + row.reason.as_ref().map_or(0, String::len)
            + row.detail.len();
        Ok(())
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn string_bytes(&self) -> usize {
        self.string_bytes
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        self.rows = 0;
        self.string_bytes = 0;
        vec![
            Arc::new(self.time_ns.finish()),
            Arc::new(self.seq.finish()),
            Arc::new(self.venue.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.account.finish()),
            Arc::new(self.counterparty.finish()),
            Arc::new(self.market.finish()),
            Arc::new(self.order_id.finish()),
            Arc::new(self.side.finish()),
            Arc::new(self.price.finish()),
            Arc::new(self.size.finish()),
            Arc::new(self.amount_usd.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.detail.finish()),
        ]
    }
}
