//! The report of a real simulation: the default scenario, shortened, run through the simulator
//! and written the way `cascade run` writes it (Parquet rows for every second and every engine
//! event, summary.json, scenario.toml). Every chart of every market has drawn content, the page
//! references nothing outside itself, and the markers agree with the run's own metrics.

mod common;

use std::path::Path;

use cascade_model::{Event, VenueConfig};
use cascade_num::TimeNs;
use cascade_output::{EventRow, RunWriter, TimeseriesRow, OUTPUT_VERSION};
use cascade_report::{build, render, Layout, MarkerKind, REPORT_FILE};
use cascade_sim::{RunSink, SecondRow, World};

/// Writes rows like the CLI's sink: every second, and every event with its kind, account,
/// market and (for backstop takeovers and ADL fills) its notional in USD.
struct Sink {
    writer: RunWriter,
    venues: Vec<(String, VenueConfig)>,
}

impl RunSink for Sink {
    fn event(&mut self, time: TimeNs, seq: u64, venue: &str, event: &Event) {
        let detail = format!("{event:?}");
        let kind = detail.split([' ', '{', '(']).next().unwrap_or("").to_string();
        let config = &self.venues.iter().find(|(n, _)| n == venue).expect("known venue").1;
        let symbol = |m: cascade_model::MarketId| config.markets[m.index()].symbol.clone();
        let mut row = EventRow {
            time_ns: time.get() as i64,
            seq,
            venue: venue.to_string(),
            kind,
            detail,
            ..EventRow::default()
        };
        match event {
            Event::LiquidationStarted { account, market, .. } => {
                row.account = Some(i64::from(account.0));
                row.market = market.map(symbol);
            }
            Event::PositionTransferred { from, market, size, price, .. } => {
                let spec = &config.markets[market.index()];
                let per = spec.quote_per_tick_lot().unwrap() as f64;
                row.account = Some(i64::from(from.0));
                row.market = Some(symbol(*market));
                row.amount_usd = Some(price.get() as f64 * size.get().abs() as f64 * per / 1e6);
            }
            Event::AdlFill { market, bankrupt, quote, .. } => {
                row.account = Some(i64::from(bankrupt.0));
                row.market = Some(symbol(*market));
                row.amount_usd = Some(quote.get() as f64 / 1e6);
            }
            _ => {}
        }
        self.writer.push_event(&row).unwrap();
    }

    fn second(&mut self, r: &SecondRow) {
        let row = TimeseriesRow {
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
        };
        self.writer.push_timeseries(&row).unwrap();
    }
}

/// Runs the built-in scenario `name` for `duration_s` seconds into `dir`.
fn run(name: &str, duration_s: u64, dir: &Path) -> cascade_sim::RunResult {
    let text = cascade_scenario::builtin(name).unwrap();
    let start = text.find("\nduration_s = ").expect("the scenario sets its duration") + 1;
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}duration_s = {duration_s}{}", &text[..start], &text[end..]);
    let scenario = cascade_scenario::load(
        &text,
        &format!("builtin:{name}"),
        &mut cascade_scenario::builtin_resolver,
    )
    .unwrap();
    let seed = scenario.seed();
    let spec = cascade_scenario::build(&scenario, seed);
    let venues = spec.venues.iter().map(|v| (v.name.clone(), v.config.clone())).collect();
    let world = World::new(spec).unwrap();
    let mut sink = Sink { writer: RunWriter::create(dir).unwrap(), venues };
    let result = world.run(&mut sink, &mut |_| {});
    sink.writer.finish().unwrap();
    let s = &result.summary;
    let summary = serde_json::json!({
        "scenario": scenario.name(),
        "seed": seed,
        "version": "test",
        "output_version": OUTPUT_VERSION,
        "digest": result.digest,
        "events": result.events,
        "kernel_events": result.kernel_events,
        "duration_s": duration_s,
        "audit": { "ok": false, "enabled": false, "checks": [], "steps": 0, "first_failure": null },
        "metrics": {
            "max_drawdown_pct": s.max_drawdown_pct,
            "time_to_trough_s": s.time_to_trough_s,
            "recovery_pct_after_600s": s.recovery_pct_after_600s,
            "liquidated_notional_usd": { "long": s.liquidated_long_usd, "short": s.liquidated_short_usd },
            "liquidations_count": s.liquidations_count,
            "backstop_notional_usd": s.backstop_notional_usd,
            "bad_debt_usd": s.bad_debt_usd,
            "insurance_fund_drawdown_usd": s.insurance_fund_drawdown_usd,
            "adl_notional_usd": s.adl_notional_usd,
            "adl_count": s.adl_count,
            "first_liquidation_s": s.first_liquidation_s,
            "first_adl_s": s.first_adl_s,
            "depth_collapse_pct": s.depth_collapse_pct,
            "max_spread_bps": s.max_spread_bps,
            "oi_change_pct": s.oi_change_pct,
            "safeguards_triggered": s.safeguards_triggered,
            "max_rise_pct": s.max_rise_pct,
            "withdrawn_usd": s.withdrawn_usd,
            "vault_drawdown_usd": s.vault_drawdown_usd,
        },
    });
    cascade_output::write_json_atomic(&dir.join("summary.json"), &summary).unwrap();
    cascade_output::write_text_atomic(&dir.join("scenario.toml"), scenario.resolved_toml())
        .unwrap();
    cascade_output::write_text_atomic(&dir.join("seed.txt"), &format!("{seed}\n")).unwrap();
    result
}

#[test]
fn report_of_the_default_scenario_draws_every_chart_offline() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("run");
    let result = run(cascade_scenario::DEFAULT_SCENARIO, 800, &dir);

    let path = render(&dir).unwrap();
    assert_eq!(path, dir.join(REPORT_FILE));
    let html = std::fs::read_to_string(&path).unwrap();
    let (_, payload) = build(&dir, &Layout::default()).unwrap();
    assert_eq!(payload.run.digest, result.digest);
    assert!(payload.run.description.contains("market maker pulls its quotes"));
    assert!(html.contains(&payload.run.description), "the description is on the page");

    let svgs = common::chart_svgs(&html);
    let charts: usize = payload.sets.iter().map(|s| s.charts.len()).sum();
    assert!(charts >= 8, "{charts}");
    assert_eq!(svgs.len(), charts, "one SVG per chart");
    let layout = Layout::default();
    for (svg, chart) in svgs.iter().zip(payload.sets.iter().flat_map(|s| &s.charts)) {
        // Every chart has drawn lines over most of the time axis (the spread has gaps where the
        // book is one-sided).
        let canvas = f64::from(chart.plot.width * layout.supersample);
        let shapes = common::drawn_shapes(svg);
        let drawn: f64 = shapes.iter().filter(|&&(n, _)| n >= 2).map(|&(_, span)| span).sum();
        assert!(drawn >= 0.5 * canvas, "chart `{}` is mostly empty: {shapes:?}", chart.id);
    }
    common::assert_offline(&html);
    assert!(
        common::references(&html).len() >= charts,
        "every chart clips its data to the plot area (and the scan sees those references)"
    );

    // The markers come from events.parquet, the metrics from the simulator: they agree.
    let primary = &payload.sets[0];
    assert!(primary.primary);
    let count =
        |kind| -> u32 { primary.markers.iter().filter(|m| m.kind == kind).map(|m| m.count).sum() };
    let s = &result.summary;
    assert!(s.liquidations_count > 0, "the shortened crash still liquidates");
    assert_eq!(u64::from(count(MarkerKind::Liquidation)), s.liquidations_count);
    assert_eq!(u64::from(count(MarkerKind::Adl)), s.adl_count);
    let backstop: f64 = primary
        .markers
        .iter()
        .filter(|m| m.kind == MarkerKind::Backstop)
        .filter_map(|m| m.usd)
        .sum();
    assert!(
        (backstop - s.backstop_notional_usd).abs() <= 1e-4 * s.backstop_notional_usd.max(1.0),
        "{backstop} vs {}",
        s.backstop_notional_usd
    );
    // Liquidation markers sit in the lanes of the price chart.
    assert_eq!(
        common::chart_svgs(&html)[0].matches("<line x1=").count(),
        primary.markers.len(),
        "one tick per marker"
    );
}
