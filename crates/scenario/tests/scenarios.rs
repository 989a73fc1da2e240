//! Scenario files: every built-in loads and builds; a broken file reports every problem with its
//! line, key and a hint; unknown keys are errors; includes merge and override.

use cascade_scenario::{build, load, load_builtin, BUILTIN, DEFAULT_SCENARIO};

/// The auditor as a step observer, one shadow ledger per venue.
use cascade_test_support::world::audited;

fn no_includes(name: &str) -> Result<(String, String), String> {
    Err(format!("no include `{name}` in this test"))
}

#[test]
fn every_builtin_loads_and_builds() {
    assert!(BUILTIN.iter().any(|b| b.0 == DEFAULT_SCENARIO));
    for (name, description, _) in BUILTIN {
        assert!(!description.is_empty());
        let s = load_builtin(name).unwrap_or_else(|e| panic!("{e}"));
        let spec = build(&s, s.seed());
        assert!(!spec.agents.is_empty() && !spec.venues.is_empty(), "{name}");
    }
    let err = load_builtin("no-such").unwrap_err().to_string();
    assert!(err.contains("thin-book-flash-crash"), "{err}");
}

const BROKEN: &str = r#"version = 1
name = "broken"
description = "several mistakes"
seed = 1
duration_s = 100

[[venues]]
name = "v"
preset = "hyperliquidd"
insurance_fund_usd = "1000"

[[agents]]
kind = "market_maker"
group = "mm"
venue = "v"
market = "ALT-PERP"
capital_usd = "1000"
levels = 3
half_spread_bps = 5
level_step_bps = 5
level_usd = 100
refresh_s = 1
size_usd = [1, 2]

[[agents]]
kind = "whale"
group = "w"
venue = "nowhere"
market = "X"
capital_usd = "10"

[[timeline]]
at_s = 500
group = "ghosts"
signal = "explode"
"#;

#[test]
fn every_problem_is_reported_with_line_key_and_hint() {
    let problems = load(BROKEN, "broken.toml", &mut no_includes).unwrap_err();
    let text = problems.to_string();
    let expect = [
        ("broken.toml:9: `venues[0].preset`", "unknown venue preset"),
        ("broken.toml:23: `agents[0].size_usd`", "does not apply to kind `market_maker`"),
        ("broken.toml:26: `agents[1].kind`", "unknown agent kind `whale`"),
        ("`timeline[0].group`", "no agent group `ghosts`"),
        ("`timeline[0].at_s`", "outside the run"),
        ("`timeline[0].signal`", "unknown signal `explode`"),
    ];
    for (place, what) in expect {
        assert!(
            text.lines().any(|l| l.contains(place) && l.contains(what)),
            "missing `{place}` … `{what}` in:\n{text}"
        );
    }
    assert!(
        text.contains("hint: one of: market_maker, leveraged_trader, noise, momentum"),
        "{text}"
    );
    assert!(problems.0.len() >= 6, "{text}");
}

#[test]
fn unknown_keys_and_floats_for_money_are_refused_with_a_line() {
    let text = cascade_scenario::builtin(DEFAULT_SCENARIO)
        .unwrap()
        .replace("duration_s = 1800", "duration_s = 1800\ncolour = \"red\"");
    let problems = load(&text, "x.toml", &mut no_includes).unwrap_err();
    let p = &problems.0[0];
    assert!(p.message.contains("unknown field `colour`"), "{problems}");
    assert_eq!(
        p.line,
        Some(text.lines().position(|l| l.starts_with("colour")).unwrap() + 1),
        "{problems}"
    );
    let text = cascade_scenario::builtin(DEFAULT_SCENARIO)
        .unwrap()
        .replace("insurance_fund_usd = \"100000\"", "insurance_fund_usd = 100000.5");
    let problems = load(&text, "x.toml", &mut no_includes).unwrap_err();
    assert!(problems.to_string().contains("as a string"), "{problems}");
}

#[test]
fn includes_merge_and_override() {
    let child =
        "include = \"builtin:thin-book-flash-crash\"\nname = \"shorter\"\nduration_s = 900\n";
    let s = load(child, "child.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.name(), s.duration_s()), ("shorter", 900));
    assert_eq!(s.agent_count(), load_builtin(DEFAULT_SCENARIO).unwrap().agent_count());
    assert!(s.resolved_toml().contains("duration_s = 900"));
    let cyclic = "include = \"self.toml\"\n";
    let mut resolve = |_: &str| Ok((cyclic.to_string(), "self.toml".to_string()));
    let err = load(cyclic, "self.toml", &mut resolve).unwrap_err().to_string();
    assert!(err.contains("deeper than"), "{err}");
}

/// An oracle outage freezes the venue's oracle; rate limits drop commands and count them.
#[test]
fn oracle_outage_and_rate_limits() {
    let child = "include = \"builtin:thin-book-flash-crash\"\nduration_s = 700\n\n[[timeline]]\nat_s = 300\ngroup = \"oracle:0\"\nsignal = \"outage\"\n\n[[timeline]]\nat_s = 600\ngroup = \"mm-main\"\nsignal = \"pull_quotes\"\n";
    let s = load(child, "outage.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut spec = build(&s, 3);
    for a in &mut spec.agents {
        a.commands_per_s_max = Some(2);
    }
    struct Oracles(Vec<(u64, String)>);
    impl cascade_sim::RunSink for Oracles {
        fn event(
            &mut self,
            time: cascade_num::TimeNs,
            _: u64,
            _: &str,
            event: &cascade_model::Event,
        ) {
            if let cascade_model::Event::OraclePrice { .. } = event {
                self.0.push((time.get() / 1_000_000_000, String::new()));
            }
        }
        fn second(&mut self, _: &cascade_sim::SecondRow) {}
    }
    let mut sink = Oracles(Vec::new());
    let result = cascade_sim::World::new(spec).unwrap().run(&mut sink, &mut |_| {});
    assert!(sink.0.iter().any(|(t, _)| *t < 300));
    assert!(!sink.0.iter().any(|(t, _)| *t > 300), "no oracle update after the outage began");
    assert!(result.throttled_commands > 0, "the market makers send more than 2 commands a second");
    let bad = "include = \"builtin:thin-book-flash-crash\"\n\n[[timeline]]\nat_s = 10\ngroup = \"oracle:7\"\nsignal = \"melt\"\n";
    let err =
        load(bad, "bad.toml", &mut cascade_scenario::builtin_resolver).unwrap_err().to_string();
    assert!(err.contains("names no oracle") && err.contains("`outage` and `restore`"), "{err}");
}

/// Venue events on the timeline: a halt stops trading; tightened margin tiers applied to existing
/// positions liquidate the ones they put below maintenance (the Binance ACT mechanism).
#[test]
fn venue_halts_and_margin_tier_changes() {
    let child = r#"include = "builtin:thin-book-flash-crash"
duration_s = 580

[[timeline]]
at_s = 520
group = "venue:perp-dex"
signal = "margin_tiers"
market = "ALT-PERP"
tiers = [{ floor = "0", max_leverage = 3, maintenance_rate = "0.15" }]

[[timeline]]
at_s = 560
group = "venue:perp-dex"
signal = "halt"
"#;
    let s = load(child, "tiers.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_or_else(|e| panic!("{e}"));
    struct Seen {
        tiers_changed_s: Option<u64>,
        liquidations_after: u64,
        halted_s: Option<u64>,
        orders_after_halt: u64,
        halted_rejections: u64,
    }
    impl cascade_sim::RunSink for Seen {
        fn event(
            &mut self,
            time: cascade_num::TimeNs,
            _: u64,
            _: &str,
            event: &cascade_model::Event,
        ) {
            use cascade_model::{Event, RejectReason};
            let t = time.get() / 1_000_000_000;
            match event {
                Event::MarginTiersChanged { .. } => self.tiers_changed_s = Some(t),
                Event::LiquidationStarted { .. } if self.tiers_changed_s.is_some() => {
                    self.liquidations_after += 1
                }
                Event::MarketHalted { halted: true, .. } => self.halted_s = Some(t),
                Event::OrderAccepted { account, .. }
                    if self.halted_s.is_some() && !account.is_system() =>
                {
                    self.orders_after_halt += 1
                }
                Event::Rejected { reason: RejectReason::MarketHalted, .. } => {
                    self.halted_rejections += 1
                }
                _ => {}
            }
        }
        fn second(&mut self, _: &cascade_sim::SecondRow) {}
    }
    let mut seen = Seen {
        tiers_changed_s: None,
        liquidations_after: 0,
        halted_s: None,
        orders_after_halt: 0,
        halted_rejections: 0,
    };
    let result = audited(build(&s, 5)).run(&mut seen, &mut |_| {});
    assert_eq!(result.observer_error, None);
    assert_eq!(seen.tiers_changed_s, Some(520));
    assert!(
        seen.liquidations_after > 10,
        "3x max leverage with 15% maintenance liquidates the 5–10x longs: {}",
        seen.liquidations_after
    );
    assert_eq!(seen.halted_s, Some(560));
    assert_eq!(seen.orders_after_halt, 0, "no order is accepted while halted");
    assert!(seen.halted_rejections > 0);
    let bad = "include = \"builtin:thin-book-flash-crash\"\n\n[[timeline]]\nat_s = 10\ngroup = \"venue:perp-dex\"\nsignal = \"margin_tiers\"\ntiers = [{ floor = \"0\", max_leverage = 3, maintenance_rate = \"0.5\" }]\n";
    let err =
        load(bad, "bad.toml", &mut cascade_scenario::builtin_resolver).unwrap_err().to_string();
    assert!(err.contains("timeline[0].tiers") && err.contains("maintenance_rate"), "{err}");
}

/// The auditor checks every engine step of every built-in scenario (shortened to 15 simulated
/// minutes, past the default scenario's shock at 600 s, to keep the suite fast).
#[test]
fn every_builtin_run_passes_the_audit() {
    // The crash library's scenarios run in full, audited, in tests/library.rs (their timelines
    // reach past 15 minutes).
    const IN_LIBRARY_TESTS: &[&str] = &[
        "mm-glitch-spike",
        "margin-change-crash",
        "backstop-squeeze",
        "market-wide-cascade",
        "oracle-manipulation",
        "collateral-depeg",
        "two-leg-crash",
    ];
    for (name, _, _) in BUILTIN.iter().filter(|b| !IN_LIBRARY_TESTS.contains(&b.0)) {
        let child = format!("include = \"builtin:{name}\"\nduration_s = 900\n");
        let s = load(&child, "short.toml", &mut cascade_scenario::builtin_resolver)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let result = audited(build(&s, s.seed())).run(&mut cascade_sim::NullSink, &mut |_| {});
        assert_eq!(result.observer_error, None, "{name}");
        assert!(result.observed_steps > 1_000, "{name}: {} steps", result.observed_steps);
    }
}

/// A recorded reference path from a CSV file, resolved like an include; bad rows are reported
/// with their line.
#[test]
fn reference_series_from_csv() {
    let child = "include = \"builtin:thin-book-flash-crash\"\nduration_s = 120\ntimeline = []\n\n[reference]\nmodel = \"series\"\nstart_price = 1.0\npoints_csv = \"path.csv\"\nstep_ms = 1000\n";
    let mut resolve = |name: &str| -> Result<(String, String), String> {
        match name {
            "path.csv" => Ok(("seconds,price\n0,1.0\n30,0.9\n60,0.8\n".into(), "path.csv".into())),
            other => cascade_scenario::builtin_resolver(other),
        }
    };
    let s = load(child, "csv.toml", &mut resolve).unwrap_or_else(|e| panic!("{e}"));
    let mut spec = build(&s, 1);
    let (path, step) = spec.reference.as_mut().unwrap();
    assert_eq!(*step, 1_000_000_000);
    assert_eq!(path.step(45.0, 1.0), 0.9);
    let mut bad = |name: &str| -> Result<(String, String), String> {
        match name {
            "path.csv" => Ok(("0,1.0\n30,abc\n40,0.5\n20,0.5\n".into(), "path.csv".into())),
            other => cascade_scenario::builtin_resolver(other),
        }
    };
    let err = load(child, "csv.toml", &mut bad).unwrap_err().to_string();
    assert!(
        err.contains("path.csv:2") && err.contains("path.csv:4: time 20 goes backwards"),
        "{err}"
    );
}

/// Preset keys can be overridden per venue (safeguard variants); bad overrides are refused with
/// the venue parser's message.
#[test]
fn venue_preset_overrides() {
    let child = r#"include = "builtin:thin-book-flash-crash"

[[venues]]
name = "perp-dex"
preset = "hyperliquid"
markets = ["ALT-PERP"]
insurance_fund_usd = "100000"
vault_usd = "150000"

[venues.overrides.liquidation]
accounts_per_step_max = 7

[venues.overrides.liquidation.backstop]
target = "vault"
equity_below_maintenance = "0.666667"
loss_cap = "25000"
"#;
    let s = load(child, "variant.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = build(&s, 1);
    let config = &spec.venues[0].config;
    assert_eq!(config.liquidation.accounts_per_step_max, 7);
    assert_eq!(
        config.liquidation.backstop.unwrap().loss_cap,
        Some(cascade_num::Quote::from_units(25_000))
    );
    assert_eq!(config.markets.len(), 1, "the market subset still applies");
    let bad = child.replace("accounts_per_step_max = 7", "accounts_per_step = 7");
    let err = load(&bad, "variant.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_err()
        .to_string();
    assert!(err.contains("venues[0].overrides") && err.contains("accounts_per_step"), "{err}");
}

/// The default scenario does what its description says: after the main maker pulls its bids at
/// 600 s the price falls, longs (not shorts) are liquidated, and the pipeline runs in order —
/// liquidations, then backstop takeovers, then ADL.
#[test]
fn the_default_scenario_is_a_long_liquidation_crash() {
    let child = format!("include = \"builtin:{DEFAULT_SCENARIO}\"\nduration_s = 900\n");
    let s = load(&child, "default.toml", &mut cascade_scenario::builtin_resolver).unwrap();
    #[derive(Default)]
    struct Seen {
        mark_600: Option<f64>,
        mark_900: Option<f64>,
        first_liquidation: Option<u64>,
        first_backstop: Option<u64>,
        first_adl: Option<u64>,
        long: f64,
        short: f64,
    }
    impl cascade_sim::RunSink for Seen {
        fn event(&mut self, time: cascade_num::TimeNs, _: u64, _: &str, e: &cascade_model::Event) {
            use cascade_model::Event;
            let t = time.get();
            match e {
                Event::LiquidationStarted { .. } => {
                    self.first_liquidation.get_or_insert(t);
                }
                Event::PositionTransferred { .. } => {
                    self.first_backstop.get_or_insert(t);
                }
                Event::AdlFill { .. } => {
                    self.first_adl.get_or_insert(t);
                }
                _ => {}
            }
        }
        fn second(&mut self, row: &cascade_sim::SecondRow) {
            match row.time_s {
                600 => self.mark_600 = row.mark,
                900 => self.mark_900 = row.mark,
                _ => {}
            }
            self.long += row.liquidated_long_usd;
            self.short += row.liquidated_short_usd;
        }
    }
    let mut seen = Seen::default();
    let result = audited(build(&s, s.seed())).run(&mut seen, &mut |_| {});
    assert_eq!(result.observer_error, None);
    let (before, after) = (seen.mark_600.unwrap(), seen.mark_900.unwrap());
    assert!(after < 0.7 * before, "mark {before} at 600 s, {after} at 900 s");
    assert!(seen.long > 0.0 && seen.short == 0.0, "long {} short {}", seen.long, seen.short);
    let (l, b, a) =
        (seen.first_liquidation.unwrap(), seen.first_backstop.unwrap(), seen.first_adl.unwrap());
    assert!(600 * 1_000_000_000 < l && l <= b && b <= a, "liquidation {l}, backstop {b}, ADL {a}");
}

/// Safeguards and the backstop's unwind are preset keys a scenario switches on per venue; bad
/// values are refused with the key and what is allowed.
#[test]
fn safeguards_and_unwind_from_overrides() {
    let child = r#"include = "builtin:thin-book-flash-crash"
duration_s = 900

[[venues]]
name = "perp-dex"
preset = "hyperliquid"
markets = ["ALT-PERP"]
insurance_fund_usd = "100000"
vault_usd = "150000"

[venues.overrides.safeguards]
circuit_breaker = { move = "0.15", window_s = 60, pause_s = 120 }
mark_oracle_band = "0.2"
oracle_step_max = "0.3"
oracle_stale_s = 30
open_interest_max = "50000000"
min_resting_ms = 200

[venues.overrides.liquidation.backstop]
unwind = { portion = "0.1", slippage = "0.05", interval_s = 10 }
"#;
    let s = load(child, "guards.toml", &mut cascade_scenario::builtin_resolver)
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = build(&s, 42);
    let c = &spec.venues[0].config;
    let cb = c.safeguards.circuit_breaker.unwrap();
    assert_eq!(
        (cb.move_max.get(), cb.window_ns, cb.pause_ns),
        (150_000, 60_000_000_000, 120_000_000_000)
    );
    assert_eq!(c.safeguards.min_resting_ns, Some(200_000_000));
    let unwind = c.liquidation.backstop.unwrap().unwind.unwrap();
    assert_eq!((unwind.portion.get(), unwind.interval_ns), (100_000, 10_000_000_000));
    // The run is audited step by step and the safeguards are counted when they fire.
    let result = audited(spec).run(&mut cascade_sim::NullSink, &mut |_| {});
    assert_eq!(result.observer_error, None);
    assert!(result.summary.safeguards_triggered > 0, "the crash trips the breaker or a rail");
    for (from, to, needle) in [
        ("portion = \"0.1\"", "portion = \"0\"", "unwind.portion"),
        ("move = \"0.15\"", "move = \"0\"", "circuit_breaker.move"),
        ("min_resting_ms = 200", "min_resting_ms = 0", "min_resting_ms"),
    ] {
        let err =
            load(&child.replace(from, to), "guards.toml", &mut cascade_scenario::builtin_resolver)
                .unwrap_err()
                .to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// The crash library's new keys refuse bad input with the key and a hint: a rollback on a venue
/// without a trade journal or with a window past its time, a settlement without a price, window
/// keys on another signal, a scale on a book source, an unknown oracle price field.
#[test]
fn library_keys_refuse_bad_input() {
    let base = "include = \"builtin:thin-book-flash-crash\"\n\n";
    let cases = [
        ("[[timeline]]\nat_s = 900\ngroup = \"venue:perp-dex\"\nsignal = \"rollback\"\nfrom_s = 600\nto_s = 800\n", "trade_rollback = true"),
        ("[[timeline]]\nat_s = 700\ngroup = \"venue:perp-dex\"\nsignal = \"rollback\"\nfrom_s = 600\nto_s = 800\n", "0 <= from_s <= to_s <= at_s"),
        ("[[timeline]]\nat_s = 700\ngroup = \"venue:perp-dex\"\nsignal = \"settle\"\n", "timeline[0].value"),
        ("[[timeline]]\nat_s = 700\ngroup = \"venue:perp-dex\"\nsignal = \"halt\"\nfrom_s = 1\n", "belong to a venue's `rollback` signal"),
        ("[[oracles]]\nvenue = \"perp-dex\"\nmarket = \"ALT-PERP\"\ninterval_s = 1\nsources = [{ venue = \"perp-dex\", market = \"ALT-PERP\", weight = 1, scale = 2 }]\n", "oracles[0].sources[0].scale"),
        ("[[oracles]]\nvenue = \"perp-dex\"\nmarket = \"ALT-PERP\"\ninterval_s = 1\nsources = [{ venue = \"perp-dex\", market = \"ALT-PERP\", weight = 1, price = \"vwap\" }]\n", "`mid` or `last`"),
    ];
    for (tail, expect) in cases {
        let text = format!("{base}{tail}");
        let err = load(&text, "bad.toml", &mut cascade_scenario::builtin_resolver)
            .expect_err(tail)
            .to_string();
        assert!(err.contains(expect), "{tail}\n→ {err}");
    }
}
