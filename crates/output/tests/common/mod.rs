//! Shared test helpers: deterministic sample rows and a Parquet reader that turns the files back
//! into rows, written independently of the crate's own builders.

#![allow(dead_code, unreachable_pub)]

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayAccessor, ArrayRef, RecordBatch, StringArray};
use cascade_output::{EventRow, TimeseriesRow};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::ParquetMetaData;

/// A deterministic value stream (SplitMix64) so the data varies without a random crate.
pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float with an arbitrary bit pattern in [0, 1), exercised at full precision.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn maybe(&mut self, value: f64) -> Option<f64> {
        (!self.next().is_multiple_of(5)).then_some(value)
    }
}

const VENUES: [&str; 3] = ["hyperliquid", "dydx-v4", "binance-usdm"];
const MARKETS: [&str; 2] = ["BTC-PERP", "ETH-PERP"];
const KINDS: [&str; 5] = ["Fill", "Rejected", "Liquidated", "FundingPaid", "Adl"];

pub fn timeseries_rows(count: usize) -> Vec<TimeseriesRow> {
    let mut mix = Mix(7);
    (0..count)
        .map(|i| {
            let mark = 60_000.0 + mix.unit() * 1_000.0;
            TimeseriesRow {
                time_s: (i / 6) as i64,
                venue: VENUES[i % 3].to_owned(),
                market: MARKETS[(i / 3) % 2].to_owned(),
                last: mix.maybe(mark - 0.5),
                mark: mix.maybe(mark),
                oracle: {
                    let x = mark + mix.unit();
                    mix.maybe(x)
                },
                reference: mix.maybe(mark * 1.001),
                best_bid: mix.maybe(mark - 1.0),
                best_ask: mix.maybe(mark + 1.0),
                spread_bps: {
                    let x = mix.unit() * 10.0;
                    mix.maybe(x)
                },
                depth_1pct_usd: mix.unit() * 1e7,
                depth_5pct_usd: mix.unit() * 5e7,
                open_interest: mix.unit() * 1e4,
                open_interest_usd: mix.unit() * 6e8,
                funding_rate: (mix.unit() - 0.5) * 1e-3,
                liquidated_long_usd: if i % 17 == 0 { mix.unit() * 1e6 } else { 0.0 },
                liquidated_short_usd: if i % 19 == 0 { mix.unit() * 1e6 } else { 0.0 },
                insurance_fund_usd: 1e6 - i as f64,
                vault_equity_usd: 5e6 + mix.unit(),
                adl_usd: if i % 101 == 0 { mix.unit() * 1e5 } else { 0.0 },
            }
        })
        .collect()
}

pub fn event_rows(count: usize) -> Vec<EventRow> {
    let mut mix = Mix(11);
    (0..count)
        .map(|i| {
            let kind = KINDS[(mix.next() % 5) as usize];
            let has_order = kind == "Fill" || kind == "Rejected";
            EventRow {
                time_ns: (i as i64) * 250_000_000,
                seq: i as u64,
                venue: VENUES[i % 3].to_owned(),
                kind: kind.to_owned(),
                account: (kind != "FundingPaid" || i % 2 == 0)
                    .then_some((mix.next() % 1000) as i64),
                counterparty: (kind == "Fill" || kind == "Adl").then_some(-(i as i64) - 1),
                market: (i % 7 != 0).then(|| MARKETS[i % 2].to_owned()),
                order_id: has_order.then_some(u64::MAX - i as u64),
                side: has_order.then(|| if i % 2 == 0 { "buy" } else { "sell" }.to_owned()),
                price: has_order.then(|| 60_000.0 + mix.unit()),
                size: has_order.then(|| mix.unit() * 3.0),
                amount_usd: {
                    let x = mix.unit() * 100.0;
                    mix.maybe(x)
                },
                reason: (kind == "Rejected").then(|| "InsufficientMargin".to_owned()),
                detail: format!("{kind} #{i} ünïcödé {}", "x".repeat(i % 40)),
            }
        })
        .collect()
}

pub fn metadata(path: &Path) -> ParquetMetaData {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet footer");
    builder.metadata().as_ref().clone()
}

fn batches(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet footer")
        .build()
        .expect("reader")
        .collect::<Result<Vec<_>, _>>()
        .expect("batches")
}

fn strings(column: &ArrayRef) -> Vec<Option<String>> {
    let dict = column.as_dictionary::<Int32Type>();
    let typed = dict.downcast_dict::<StringArray>().expect("utf8 dictionary values");
    (0..column.len()).map(|i| (!column.is_null(i)).then(|| typed.value(i).to_owned())).collect()
}

fn f64s(column: &ArrayRef) -> Vec<Option<f64>> {
    column.as_primitive::<Float64Type>().iter().collect()
}

fn i64s(column: &ArrayRef) -> Vec<Option<i64>> {
    column.as_primitive::<Int64Type>().iter().collect()
}

fn u64s(column: &ArrayRef) -> Vec<Option<u64>> {
    column.as_primitive::<UInt64Type>().iter().collect()
}

fn by_name<'a>(batch: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    batch.column_by_name(name).unwrap_or_else(|| panic!("column {name} missing"))
}

pub fn read_timeseries(path: &Path) -> Vec<TimeseriesRow> {
    let mut rows = Vec::new();
    for batch in batches(path) {
        let f = |name| f64s(by_name(&batch, name));
        let time_s = i64s(by_name(&batch, "time_s"));
        let venue = strings(by_name(&batch, "venue"));
        let market = strings(by_name(&batch, "market"));
        let (last, mark, oracle, reference) = (f("last"), f("mark"), f("oracle"), f("reference"));
        let (bid, ask, spread) = (f("best_bid"), f("best_ask"), f("spread_bps"));
        let (d1, d5, oi, oi_usd) =
            (f("depth_1pct_usd"), f("depth_5pct_usd"), f("open_interest"), f("open_interest_usd"));
        let (funding, liq_l, liq_s) =
            (f("funding_rate"), f("liquidated_long_usd"), f("liquidated_short_usd"));
        let (insurance, vault, adl) =
            (f("insurance_fund_usd"), f("vault_equity_usd"), f("adl_usd"));
        for i in 0..batch.num_rows() {
            rows.push(TimeseriesRow {
                time_s: time_s[i].expect("time_s"),
                venue: venue[i].clone().expect("venue"),
                market: market[i].clone().expect("market"),
                last: last[i],
                mark: mark[i],
                oracle: oracle[i],
                reference: reference[i],
                best_bid: bid[i],
                best_ask: ask[i],
                spread_bps: spread[i],
                depth_1pct_usd: d1[i].expect("required"),
                depth_5pct_usd: d5[i].expect("required"),
                open_interest: oi[i].expect("required"),
                open_interest_usd: oi_usd[i].expect("required"),
                funding_rate: funding[i].expect("required"),
                liquidated_long_usd: liq_l[i].expect("required"),
                liquidated_short_usd: liq_s[i].expect("required"),
                insurance_fund_usd: insurance[i].expect("required"),
                vault_equity_usd: vault[i].expect("required"),
                adl_usd: adl[i].expect("required"),
            });
        }
    }
    rows
}

pub fn read_events(path: &Path) -> Vec<EventRow> {
    let mut rows = Vec::new();
    for batch in batches(path) {
        let time_ns = i64s(by_name(&batch, "time_ns"));
        let seq = u64s(by_name(&batch, "seq"));
        let venue = strings(by_name(&batch, "venue"));
        let kind = strings(by_name(&batch, "kind"));
        let account = i64s(by_name(&batch, "account"));
        let counterparty = i64s(by_name(&batch, "counterparty"));
        let market = strings(by_name(&batch, "market"));
        let order_id = u64s(by_name(&batch, "order_id"));
        let side = strings(by_name(&batch, "side"));
        let price = f64s(by_name(&batch, "price"));
        let size = f64s(by_name(&batch, "size"));
        let amount = f64s(by_name(&batch, "amount_usd"));
        let reason = strings(by_name(&batch, "reason"));
        let detail = by_name(&batch, "detail").as_string::<i32>();
        for i in 0..batch.num_rows() {
            rows.push(EventRow {
                time_ns: time_ns[i].expect("time_ns"),
                seq: seq[i].expect("seq"),
                venue: venue[i].clone().expect("venue"),
                kind: kind[i].clone().expect("kind"),
                account: account[i],
                counterparty: counterparty[i],
                market: market[i].clone(),
                order_id: order_id[i],
                side: side[i].clone(),
                price: price[i],
                size: size[i],
                amount_usd: amount[i],
                reason: reason[i].clone(),
                detail: detail.value(i).to_owned(),
            });
        }
    }
    rows
}
