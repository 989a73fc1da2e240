//! Writes a small synthetic run directory (both Parquet tables, `summary.json`, the scenario and
//! the seed) for trying readers on: `cargo run -p cascade-output --example sample_run -- DIR`,
//! then `python3 tests/python/check_run.py DIR`.

use std::path::PathBuf;
use std::process::ExitCode;

use cascade_output::{
    write_json_atomic, write_text_atomic, EventRow, OutputError, RunWriter, TimeseriesRow,
    WriterOptions,
};

const SEED: u64 = 42;
const SECONDS: i64 = 600;
const MARKETS: [(&str, &str, f64); 4] = [
    ("hyperliquid", "BTC-PERP", 60_000.0),
    ("hyperliquid", "ETH-PERP", 3_000.0),
    ("binance-usdm", "BTC-PERP", 60_010.0),
    ("binance-usdm", "ETH-PERP", 3_001.0),
];

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: sample_run DIR");
        return ExitCode::from(2);
    };
    match write(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(dir: &std::path::Path) -> Result<(), OutputError> {
    // A small batch size so the sample has several row groups.
    let mut run = RunWriter::create_with(dir, WriterOptions::default().with_batch_rows(500))?;
    let mut seq = 0u64;
    let mut digest = 0xcbf2_9ce4_8422_2325u64; // FNV-1a over the event texts.
    let mut liquidations = 0u64;
    for t in 0..SECONDS {
        // A one-minute crash in the middle of the run.
        let shock = if (300..360).contains(&t) { 1.0 - (t - 300) as f64 * 0.002 } else { 1.0 };
        for (m, &(venue, market, base)) in MARKETS.iter().enumerate() {
            let wobble = ((t as f64) * 0.05 + m as f64).sin() * base * 0.001;
            let mark = base * shock + wobble;
            let liquidated = if shock < 1.0 && t % 7 == m as i64 { mark * 2.5 } else { 0.0 };
            for sub in 0..3i64 {
                let side = if (t + sub) % 2 == 0 { "buy" } else { "sell" };
                let kind = if liquidated > 0.0 && sub == 0 { "Liquidated" } else { "Fill" };
                liquidations += u64::from(kind == "Liquidated");
                let detail = format!(
                    "{kind} {{ account: {}, market: {market}, side: {side}, price: {mark:.2} }}",
                    100 + sub
                );
                for byte in detail.bytes() {
                    digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
                run.push_event(&EventRow {
                    time_ns: t * 1_000_000_000 + (m as i64 * 3 + sub) * 50_000_000,
                    seq,
                    venue: venue.to_owned(),
                    kind: kind.to_owned(),
                    account: Some(100 + sub),
                    counterparty: (kind == "Fill").then_some(200 + sub),
                    market: Some(market.to_owned()),
                    order_id: Some(seq + 1),
                    side: Some(side.to_owned()),
                    price: Some(mark),
                    size: Some(0.01 * (sub + 1) as f64),
                    amount_usd: Some(mark * 0.01 * (sub + 1) as f64),
                    reason: (kind == "Liquidated").then(|| "Maintenance".to_owned()),
                    detail,
                })?;
                seq += 1;
            }
            let (bid, ask) = (mark - base * 0.0001, mark + base * 0.0001);
            run.push_timeseries(&TimeseriesRow {
                time_s: t,
                venue: venue.to_owned(),
                market: market.to_owned(),
                last: Some(mark),
                mark: Some(mark),
                oracle: Some(mark - wobble),
                reference: (venue == "hyperliquid").then_some(base * shock),
                best_bid: Some(bid),
                best_ask: Some(ask),
                spread_bps: Some((ask - bid) / mark * 10_000.0),
                depth_1pct_usd: 2e6 * shock,
                depth_5pct_usd: 9e6 * shock,
                open_interest: 1_000.0 / base * 60.0,
                open_interest_usd: 6e7 * shock,
                funding_rate: 0.0001,
                liquidated_long_usd: liquidated,
                liquidated_short_usd: 0.0,
                insurance_fund_usd: 1e6,
                vault_equity_usd: 5e6,
                adl_usd: 0.0,
            })?;
        }
    }
    let summary = run.finish()?;

    let scenario = "name = \"sample\"\nseconds = 600\n";
    write_text_atomic(&dir.join("scenario.toml"), scenario)?;
    write_text_atomic(&dir.join("seed.txt"), &format!("{SEED}\n"))?;
    write_json_atomic(
        &dir.join("summary.json"),
        &serde_json::json!({
            "scenario": "sample",
            "seed": SEED,
            "version": env!("CARGO_PKG_VERSION"),
            "digest": format!("{digest:016x}"),
            "audit": { "checked_steps": seq, "violations": 0 },
            "metrics": {
                "timeseries_rows": summary.timeseries.rows,
                "event_rows": summary.events.rows,
                "liquidations": liquidations,
            },
        }),
    )?;
    println!(
        "wrote {} ({} timeseries rows in {} row groups, {} events in {} row groups)",
        dir.display(),
        summary.timeseries.rows,
        summary.timeseries.row_groups,
        summary.events.rows,
        summary.events.row_groups
    );
    Ok(())
}
