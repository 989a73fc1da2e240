//! `cascade run`: build the world from a scenario, run it (optionally audited) with a progress
//! bar, stream events and per-second rows to Parquet, write summary.json, the resolved scenario
//! and the seed, and print a short summary table.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use cascade_audit::{Auditor, CHECKS};
use cascade_engine::Engine;
use cascade_model::{Command, Event, VenueConfig};
use cascade_num::{Lots, Ticks, TimeNs};
use cascade_output::{write_json_atomic, write_text_atomic, EventRow, RunWriter, TimeseriesRow};
use cascade_sim::{decimal_f64, RunSink, SecondRow, StepObserver, Summary, VenueIndex, World};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::inspect;

/// Resolved options of `cascade run`.
pub(crate) struct Settings {
    pub(crate) scenario: String,
    pub(crate) seed: Option<u64>,
    pub(crate) out: Option<PathBuf>,
    pub(crate) audit: bool,
    pub(crate) progress: bool,
    pub(crate) report: bool,
}

/// The output format version written into summary.json; `cascade report` refuses others.
pub(crate) const OUTPUT_VERSION: u32 = cascade_output::OUTPUT_VERSION;

struct AuditObserver {
    auditors: Vec<Auditor>,
}

impl StepObserver for AuditObserver {
    fn step(
        &mut self,
        venue: VenueIndex,
        command: &Command,
        events: &[Event],
        engine: &Engine,
    ) -> std::result::Result<(), String> {
        self.auditors[venue].observe(command, events, engine).map_err(|e| e.to_string())
    }
}

/// Display units of one market.
struct MarketMeta {
    symbol: String,
    tick: f64,
    lot: f64,
    quote_per_tick_lot: f64,
}

fn meta(config: &VenueConfig) -> Vec<MarketMeta> {
    config
        .markets
        .iter()
        .map(|m| MarketMeta {
            symbol: m.symbol.clone(),
            tick: decimal_f64(m.tick_size),
            lot: decimal_f64(m.lot_size),
            quote_per_tick_lot: m.quote_per_tick_lot().unwrap_or(1) as f64,
        })
        .collect()
}

/// Market, price, size and notional columns of an event row for a trade-like event.
fn trade_columns(row: &mut EventRow, mm: Option<&MarketMeta>, price: Ticks, size: Lots) {
    if let Some(mm) = mm {
        row.market = Some(mm.symbol.clone());
        row.price = Some(price.get() as f64 * mm.tick);
        row.size = Some(size.get() as f64 * mm.lot);
        row.amount_usd =
            Some(price.get() as f64 * size.get().abs() as f64 * mm.quote_per_tick_lot / 1e6);
    }
}

struct ParquetSink {
    writer: RunWriter,
    venues: Vec<(String, Vec<MarketMeta>)>,
    error: Option<cascade_output::OutputError>,
}

impl ParquetSink {
    fn event_row(&self, time: TimeNs, seq: u64, venue: &str, event: &Event) -> EventRow {
        let markets =
            self.venues.iter().find(|(n, _)| n == venue).map(|(_, m)| m.as_slice()).unwrap_or(&[]);
        let detail = format!("{event:?}");
        let kind = detail.split([' ', '{', '(']).next().unwrap_or("").to_string();
        let mut row = EventRow {
            time_ns: time.get() as i64,
            seq,
            venue: venue.to_string(),
            kind,
            detail,
            ..EventRow::default()
        };
        let usd = |q: cascade_num::Quote| q.get() as f64 / 1e6;
        let m = |id: cascade_model::MarketId| markets.get(id.index());
        let side = |s: cascade_model::Side| {
            Some(if s == cascade_model::Side::Buy { "buy".to_string() } else { "sell".to_string() })
        };
        match event {
            Event::Fill { market, maker, taker, price, size, taker_side, taker_order, .. } => {
                trade_columns(&mut row, m(*market), *price, *size);
                row.account = Some(i64::from(taker.0));
                row.counterparty = Some(i64::from(maker.0));
                row.order_id = Some(taker_order.0);
                row.side = side(*taker_side);
            }
            Event::OrderAccepted { order, account, market, side: s, price, size } => {
                if let Some(mm) = m(*market) {
                    row.market = Some(mm.symbol.clone());
                    row.price = Some(price.get() as f64 * mm.tick);
                    row.size = Some(size.get() as f64 * mm.lot);
                }
                row.account = Some(i64::from(account.0));
                row.order_id = Some(order.0);
                row.side = side(*s);
            }
            Event::OrderCancelled { order, account, reason, .. } => {
                row.account = Some(i64::from(account.0));
                row.order_id = Some(order.0);
                row.reason = Some(format!("{reason:?}"));
            }
            Event::Rejected { account, order, reason } => {
                row.account = account.map(|a| i64::from(a.0));
                row.order_id = order.map(|o| o.0);
                row.reason = Some(format!("{reason:?}"));
            }
            Event::SafeguardTriggered { market, kind } => {
                row.market = m(*market).map(|mm| mm.symbol.clone());
                row.reason = Some(format!("{kind:?}"));
            }
            Event::OraclePrice { market, price } | Event::MarkPrice { market, price } => {
                if let Some(mm) = m(*market) {
                    row.market = Some(mm.symbol.clone());
                    row.price = Some(price.get() as f64 * mm.tick);
                }
            }
            Event::LiquidationStarted { account, market, equity, .. } => {
                row.account = Some(i64::from(account.0));
                row.market = market.and_then(&m).map(|mm| mm.symbol.clone());
                row.amount_usd = Some(usd(*equity));
            }
            Event::LiquidationEnded { account, outcome, .. } => {
                row.account = Some(i64::from(account.0));
                row.reason = Some(format!("{outcome:?}"));
            }
            Event::AdlFill {
                market,
                bankrupt,
                counterparty,
                bankrupt_side,
                size,
                quote,
                price,
            } => {
                if let Some(mm) = m(*market) {
                    row.market = Some(mm.symbol.clone());
                    row.price = Some(price.get() as f64 * mm.tick);
                    row.size = Some(size.get() as f64 * mm.lot);
                }
                row.account = Some(i64::from(bankrupt.0));
                row.counterparty = Some(i64::from(counterparty.0));
                row.side = side(*bankrupt_side);
                row.amount_usd = Some(usd(*quote));
            }
            Event::PositionSeeded { account, counterparty, market, size, price } => {
                if let Some(mm) = m(*market) {
                    row.market = Some(mm.symbol.clone());
                    row.price = Some(price.get() as f64 * mm.tick);
                    row.size = Some(size.get() as f64 * mm.lot);
                }
                row.account = Some(i64::from(account.0));
                row.counterparty = Some(i64::from(counterparty.0));
            }
            Event::TradeReversed { market, maker, taker, taker_side, price, size, .. } => {
                trade_columns(&mut row, m(*market), *price, *size);
                row.account = Some(i64::from(taker.0));
                row.counterparty = Some(i64::from(maker.0));
                row.side = side(*taker_side);
            }
            Event::SettlementFill { market, long, short, size, price } => {
                trade_columns(&mut row, m(*market), *price, *size);
                row.account = Some(i64::from(long.0));
                row.counterparty = Some(i64::from(short.0));
            }
            Event::PositionTransferred { from, to, market, size, price } => {
                if let Some(mm) = m(*market) {
                    row.market = Some(mm.symbol.clone());
                    row.price = Some(price.get() as f64 * mm.tick);
                    row.size = Some(size.get() as f64 * mm.lot);
                    row.amount_usd = Some(
                        price.get() as f64 * size.get().abs() as f64 * mm.quote_per_tick_lot / 1e6,
                    );
                }
                row.account = Some(i64::from(from.0));
                row.counterparty = Some(i64::from(to.0));
            }
            Event::Deposited { account, amount }
            | Event::Withdrawn { account, amount }
            | Event::InsuranceFundPaid { account, amount }
            | Event::BadDebt { account, amount } => {
                row.account = Some(i64::from(account.0));
                row.amount_usd = Some(usd(*amount));
            }
            Event::LiquidationFee { account, to, market, amount } => {
                row.account = Some(i64::from(account.0));
                row.counterparty = Some(i64::from(to.0));
                row.market = m(*market).map(|mm| mm.symbol.clone());
                row.amount_usd = Some(usd(*amount));
            }
            Event::BackstopCollateral { account, to, amount, .. } => {
                row.account = Some(i64::from(account.0));
                row.counterparty = Some(i64::from(to.0));
                row.amount_usd = Some(usd(*amount));
            }
            Event::FundingPaid { market, rate, paid, .. } => {
                row.market = m(*market).map(|mm| mm.symbol.clone());
                row.price = Some(rate.get() as f64 / 1e9);
                row.amount_usd = Some(usd(*paid));
            }
            _ => {}
        }
        row
    }
}

impl RunSink for ParquetSink {
    fn event(&mut self, time: TimeNs, seq: u64, venue: &str, event: &Event) {
        if self.error.is_some() {
            return;
        }
        let row = self.event_row(time, seq, venue, event);
        if let Err(e) = self.writer.push_event(&row) {
            self.error = Some(e);
        }
    }

    fn second(&mut self, r: &SecondRow) {
        if self.error.is_some() {
            return;
        }
        let row = timeseries_row(r);
        if let Err(e) = self.writer.push_timeseries(&row) {
            self.error = Some(e);
        }
    }
}

/// The output row of a simulated second (also the live page's row frame).
pub(crate) fn timeseries_row(r: &SecondRow) -> TimeseriesRow {
    TimeseriesRow {
        time_s: r.time_s,
        venue: r.venue.clone(),
        market: r.market.clone(),
        last: r.last,
        mark: r.mark,
        oracle: r.oracle,
        reference: r.reference,
        best_bid: r.best_bid,
        best_ask: r.best_ask,
        spread_bps: r.spread_bps,
        depth_1pct_usd: r.depth_1pct_usd,
        depth_5pct_usd: r.depth_5pct_usd,
        open_interest: r.open_interest,
        open_interest_usd: r.open_interest_usd,
        funding_rate: r.funding_rate,
        liquidated_long_usd: r.liquidated_long_usd,
        liquidated_short_usd: r.liquidated_short_usd,
        insurance_fund_usd: r.insurance_fund_usd,
        vault_equity_usd: r.vault_equity_usd,
        adl_usd: r.adl_usd,
    }
}

/// Rounds a metric for summary.json so its text is stable (values come from integer state, but
/// pass through f64 arithmetic for display).
fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

pub(crate) fn metrics_json(s: &Summary) -> serde_json::Value {
    json!({
        "max_drawdown_pct": round(s.max_drawdown_pct, 4),
        "time_to_trough_s": round(s.time_to_trough_s, 3),
        "recovery_pct_after_600s": s.recovery_pct_after_600s.map(|v| round(v, 4)),
        "liquidated_notional_usd": {
            "long": round(s.liquidated_long_usd, 2),
            "short": round(s.liquidated_short_usd, 2),
        },
        "liquidations_count": s.liquidations_count,
        "backstop_notional_usd": round(s.backstop_notional_usd, 2),
        "bad_debt_usd": round(s.bad_debt_usd, 2),
        "insurance_fund_drawdown_usd": round(s.insurance_fund_drawdown_usd, 2),
        "adl_notional_usd": round(s.adl_notional_usd, 2),
        "adl_count": s.adl_count,
        "first_liquidation_s": s.first_liquidation_s.map(|v| round(v, 3)),
        "first_adl_s": s.first_adl_s.map(|v| round(v, 3)),
        "depth_collapse_pct": round(s.depth_collapse_pct, 4),
        "max_spread_bps": round(s.max_spread_bps, 2),
        "oi_change_pct": round(s.oi_change_pct, 4),
        "safeguards_triggered": s.safeguards_triggered,
        "max_rise_pct": round(s.max_rise_pct, 4),
        "withdrawn_usd": round(s.withdrawn_usd, 2),
        "vault_drawdown_usd": round(s.vault_drawdown_usd, 2),
    })
}

pub(crate) fn run(settings: &Settings) -> Result<ExitCode> {
    let scenario = inspect::load(&settings.scenario).map_err(|p| anyhow!("{p}"))?;
    let seed = settings.seed.unwrap_or(scenario.seed());
    let out = settings
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("{}-{seed}", scenario.name())));
    let spec = cascade_scenario::build(&scenario, seed);
    let venues: Vec<(String, Vec<MarketMeta>)> =
        spec.venues.iter().map(|v| (v.name.clone(), meta(&v.config))).collect();
    let configs: Vec<VenueConfig> = spec.venues.iter().map(|v| v.config.clone()).collect();
    let duration_s = scenario.duration_s();
    let mut world = World::new(spec).context("building the world")?;
    if settings.audit {
        world.observe(Box::new(AuditObserver {
            auditors: configs.iter().map(Auditor::new).collect(),
        }));
    }
    let writer = RunWriter::create(&out)
        .with_context(|| format!("creating the output folder {}", out.display()))?;
    let mut sink = ParquetSink { writer, venues, error: None };
    let bar = if settings.progress { ProgressBar::new(duration_s) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} simulated s, eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(scenario.name().to_string());
    let started = Instant::now();
    let result = world.run(&mut sink, &mut |t: TimeNs| bar.set_position(t.get() / TimeNs::SECOND));
    bar.finish_and_clear();
    let wall = started.elapsed();
    if let Some(e) = sink.error {
        return Err(anyhow!(e)).context("writing the run's outputs");
    }
    let counts = sink.writer.finish().context("finishing the Parquet files")?;
    let audit = json!({
        "ok": settings.audit && result.observer_error.is_none(),
        "enabled": settings.audit,
        "checks": if settings.audit { CHECKS.to_vec() } else { Vec::new() },
        "steps": result.observed_steps,
        "first_failure": result.observer_error,
    });
    let summary = json!({
        "scenario": scenario.name(),
        "seed": seed,
        "version": env!("CARGO_PKG_VERSION"),
        "output_version": OUTPUT_VERSION,
        "digest": result.digest,
        "events": result.events,
        "kernel_events": result.kernel_events,
        "duration_s": duration_s,
        "audit": audit,
        "metrics": metrics_json(&result.summary),
    });
    write_json_atomic(&out.join("summary.json"), &summary).context("writing summary.json")?;
    write_text_atomic(&out.join("scenario.toml"), scenario.resolved_toml())
        .context("writing scenario.toml")?;
    write_text_atomic(&out.join("seed.txt"), &format!("{seed}\n")).context("writing seed.txt")?;
    let report = if settings.report { Some(crate::report::write(&out)?) } else { None };
    let _ = counts;
    print_summary(&scenario, seed, &result, &out, wall.as_secs_f64());
    if let Some((path, bytes)) = report {
        println!("  report {} ({} KB)", path.display(), bytes.div_ceil(1024));
    }
    if let Some(failure) = result.observer_error {
        eprintln!("error: audit failed: {failure}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    scenario: &cascade_scenario::Scenario,
    seed: u64,
    r: &cascade_sim::RunResult,
    out: &std::path::Path,
    wall_s: f64,
) {
    let s = &r.summary;
    let opt =
        |v: Option<f64>, unit: &str| v.map_or("—".to_string(), |v| format!("{v:.0} {unit}"));
    println!("{} (seed {seed}): {}", scenario.name(), scenario.description());
    println!(
        "  max drawdown          {:>12.1} %   (trough at {:.0} s)",
        s.max_drawdown_pct, s.time_to_trough_s
    );
    println!("  max rise              {:>12.1} %", s.max_rise_pct);
    println!(
        "  recovery after 600 s  {:>12}",
        s.recovery_pct_after_600s.map_or("—".into(), |v| format!("{v:.1} %"))
    );
    println!("  liquidated (long)     {:>12.0} USD", s.liquidated_long_usd);
    println!("  liquidated (short)    {:>12.0} USD", s.liquidated_short_usd);
    println!("  liquidations          {:>12}", s.liquidations_count);
    if s.withdrawn_usd > 0.0 {
        println!("  withdrawn             {:>12.0} USD", s.withdrawn_usd);
    }
    println!("  backstop takeovers    {:>12.0} USD", s.backstop_notional_usd);
    println!("  vault drawdown        {:>12.0} USD", s.vault_drawdown_usd);
    println!("  insurance drawdown    {:>12.0} USD", s.insurance_fund_drawdown_usd);
    println!("  ADL                   {:>12.0} USD in {} fills", s.adl_notional_usd, s.adl_count);
    println!("  bad debt              {:>12.0} USD", s.bad_debt_usd);
    println!("  first liquidation     {:>12}", opt(s.first_liquidation_s, "s"));
    println!("  first ADL             {:>12}", opt(s.first_adl_s, "s"));
    println!("  near-mid depth fell   {:>12.1} %", s.depth_collapse_pct);
    println!("  widest spread         {:>12.0} bps", s.max_spread_bps);
    println!("  digest {}", r.digest);
    println!(
        "  {} engine events, {} kernel events in {wall_s:.2} s; outputs in {}",
        r.events,
        r.kernel_events,
        out.display()
    );
}
