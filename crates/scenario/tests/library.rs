//! The crash library: each scenario's qualitative facts (direction, order of magnitude,
//! sequence), asserted on audited runs — every engine step of every venue is checked by the
//! shadow ledger while the facts are collected.

use std::collections::BTreeMap;

use cascade_model::{AccountId, Event};
use cascade_num::TimeNs;
use cascade_scenario::{build, load_builtin, with_overrides, Assignment, Scenario};
use cascade_sim::{RunResult, SecondRow};
use cascade_test_support::world::audited;

/// What a run printed: per venue/market, the rows of every second; the events kept by `keep`.
#[derive(Default)]
struct Trace {
    rows: BTreeMap<(String, String), Vec<SecondRow>>,
    events: Vec<(f64, String, Event)>,
    /// Accounts whose fills are kept too.
    watch: Vec<AccountId>,
}

impl cascade_sim::RunSink for Trace {
    fn event(&mut self, time: TimeNs, _: u64, venue: &str, event: &Event) {
        let keep = matches!(
            event,
            Event::Withdrawn { .. }
                | Event::LiquidationStarted { .. }
                | Event::PositionTransferred { .. }
                | Event::AdlFill { .. }
                | Event::BadDebt { .. }
                | Event::TradeReversed { .. }
                | Event::SettlementFill { .. }
                | Event::SafeguardTriggered { .. }
                | Event::MarginTiersChanged { .. }
        ) || matches!(event, Event::Fill { maker, taker, .. } if self.watch.contains(maker) || self.watch.contains(taker));
        if keep {
            self.events.push((time.get() as f64 / 1e9, venue.to_string(), event.clone()));
        }
    }
    fn second(&mut self, row: &SecondRow) {
        self.rows.entry((row.venue.clone(), row.market.clone())).or_default().push(row.clone());
    }
}

impl Trace {
    fn series(&self, venue: &str, market: &str) -> &[SecondRow] {
        &self.rows[&(venue.to_string(), market.to_string())]
    }
    /// The last trade price at second `t` (or the latest before it).
    fn last_at(&self, venue: &str, market: &str, t: i64) -> f64 {
        self.series(venue, market)
            .iter()
            .filter(|r| r.time_s <= t)
            .filter_map(|r| r.last.or(r.mark))
            .next_back()
            .expect("a price by then")
    }
    /// First second at which `f` holds for the market's row.
    fn first_when(&self, venue: &str, market: &str, f: impl Fn(&SecondRow) -> bool) -> Option<i64> {
        self.series(venue, market).iter().find(|r| f(r)).map(|r| r.time_s)
    }
    fn first_event(&self, f: impl Fn(&Event) -> bool) -> Option<f64> {
        self.events.iter().find(|(_, _, e)| f(e)).map(|(t, _, _)| *t)
    }
}

fn run(s: &Scenario, seed: u64) -> (RunResult, Trace) {
    run_watching(s, seed, &[])
}

fn run_watching(s: &Scenario, seed: u64, watch: &[AccountId]) -> (RunResult, Trace) {
    let mut trace = Trace { watch: watch.to_vec(), ..Trace::default() };
    let result = audited(build(s, seed)).run(&mut trace, &mut |_| {});
    assert_eq!(result.observer_error, None, "{}: the audit failed", s.name());
    (result, trace)
}

fn overridden(s: &Scenario, assignments: &[&str]) -> Scenario {
    let a: Vec<Assignment> = assignments.iter().map(|t| Assignment::parse(t).unwrap()).collect();
    with_overrides(s, &a, &mut cascade_scenario::builtin_resolver).unwrap()
}

/// `oracle-manipulation` (Mango 2022): the spot source is bought up at least 15x within 30
/// minutes of the pump; the attacker's short side is liquidated first; then the long's paper
/// profit drains everything the venue holds. Without withdrawals against unrealised profit,
/// nothing leaves.
#[test]
fn oracle_manipulation_facts() {
    let s = load_builtin("oracle-manipulation").unwrap();
    let (r, t) = run(&s, s.seed());
    let start = t.last_at("spot", "ALTUSDT", 599);
    let pumped = t
        .first_when("spot", "ALTUSDT", |row| row.last.is_some_and(|p| p >= 15.0 * start))
        .expect("the spot market was bought up 15x");
    assert!(pumped <= 600 + 1800, "15x only at {pumped} s");
    // Account A (the first agent, id 2) is liquidated before account B (id 3) withdraws.
    let a_liquidated = t
        .first_event(
            |e| matches!(e, Event::LiquidationStarted { account, .. } if *account == AccountId(2)),
        )
        .expect("the attacker's short is liquidated");
    let withdrawn = t
        .first_event(|e| matches!(e, Event::Withdrawn { account, .. } if *account == AccountId(3)))
        .expect("the attacker withdraws");
    assert!(a_liquidated < withdrawn, "{a_liquidated} / {withdrawn}");
    // B deposited 15M on the perp venue and took out far more: the venue's own funds.
    assert!(r.summary.withdrawn_usd > 30e6, "withdrawn {}", r.summary.withdrawn_usd);
    assert!(r.summary.max_rise_pct > 1_400.0, "rise {}", r.summary.max_rise_pct);
    // The safeguard: paper profit may not leave.
    let guarded =
        overridden(&s, &["venues.mango.overrides.safeguards.withdraw_unrealised_profit=false"]);
    let (g, _) = run(&guarded, s.seed());
    assert_eq!(g.summary.withdrawn_usd, 0.0);
}

/// Lowest vault equity before `until_s`, less its starting equity.
fn vault_trough(t: &Trace, venue: &str, market: &str, until_s: i64) -> f64 {
    let rows = t.series(venue, market);
    let start = rows.first().unwrap().vault_equity_usd;
    rows.iter()
        .filter(|r| r.time_s < until_s)
        .map(|r| r.vault_equity_usd - start)
        .fold(f64::INFINITY, f64::min)
}

/// `backstop-squeeze` (JELLY 2025): the attacker's short is liquidated and then taken over by the
/// vault; the vault's loss troughs in the event's order of magnitude (millions); the settlement
/// at 0.0095 closes every position and leaves the vault above its start. With a vault loss cap,
/// ADL fires and the trough is shallower.
#[test]
fn backstop_squeeze_facts() {
    let s = load_builtin("backstop-squeeze").unwrap();
    let (r, t) = run(&s, s.seed());
    let liquidated = t
        .first_event(
            |e| matches!(e, Event::LiquidationStarted { account, .. } if *account == AccountId(2)),
        )
        .expect("the short is liquidated");
    let taken = t
        .first_event(|e| matches!(e, Event::PositionTransferred { from, to, .. } if *from == AccountId(2) && *to == AccountId::BACKSTOP_VAULT))
        .expect("the vault inherits the short");
    assert!(liquidated <= taken);
    let trough = vault_trough(&t, "hl", "ALT-PERP", 2400);
    assert!((-40e6..-5e6).contains(&trough), "vault trough {trough}");
    assert_eq!(r.summary.adl_count, 0, "the vault has no loss cap: ADL never fires");
    let settled = t
        .first_event(|e| {
            matches!(
                e,
                Event::SafeguardTriggered {
                    kind: cascade_model::SafeguardKind::ForcedSettlement,
                    ..
                }
            )
        })
        .expect("the market is settled");
    assert!((2400.0..2401.0).contains(&settled));
    let rows = t.series("hl", "ALT-PERP");
    let last = rows.last().unwrap();
    assert!(
        last.vault_equity_usd > rows[0].vault_equity_usd,
        "the settlement returns the vault's loss"
    );
    assert_eq!(last.open_interest, 0.0);
    // The post-JELLY rule: a loss cap on the vault makes ADL fire.
    let capped = overridden(&s, &["venues.hl.overrides.liquidation.backstop.loss_cap=\"3000000\""]);
    let (c, ct) = run(&capped, s.seed());
    assert!(c.summary.adl_count > 0);
    let capped_trough = vault_trough(&ct, "hl", "ALT-PERP", 2400);
    assert!(capped_trough > trough / 2.0, "capped {capped_trough} vs {trough}");
    // The summary's vault drawdown reports the same loss (the whole run, settlement included).
    assert!(
        (-trough - r.summary.vault_drawdown_usd).abs() < 1.0,
        "{}",
        r.summary.vault_drawdown_usd
    );
    assert!(c.summary.vault_drawdown_usd < r.summary.vault_drawdown_usd / 2.0);
}

/// `mm-glitch-spike` (VOXEL 2025): the runaway bot more than doubles the price within the
/// 30-minute glitch, the liquidations are shorts; the rollback reverses exactly the bot's fills
/// in the window — same count, same sizes — and the ledger stays whole (audited).
#[test]
fn mm_glitch_spike_facts() {
    let s = load_builtin("mm-glitch-spike").unwrap();
    let bot = AccountId(2);
    let (r, t) = run_watching(&s, s.seed(), &[bot]);
    let before = t.last_at("cex", "ALTUSDT", 599);
    let peak = t
        .series("cex", "ALTUSDT")
        .iter()
        .filter(|row| (600..=2400).contains(&row.time_s))
        .filter_map(|row| row.last)
        .fold(0.0, f64::max);
    assert!(peak > 2.2 * before && peak < 5.0 * before, "{before} -> {peak}");
    assert!(r.summary.liquidated_short_usd > 10.0 * r.summary.liquidated_long_usd.max(1.0));
    // The bot's signed fills inside and outside the window, and what the rollback reversed.
    let (mut inside, mut inside_n) = (0i64, 0usize);
    let (mut reversed, mut reversed_n) = (0i64, 0usize);
    let signed = |maker: AccountId, side: cascade_model::Side, size: i64| {
        // The taker traded `side`; the maker the opposite.
        let s = if maker == bot { -side.sign() } else { side.sign() };
        s * size
    };
    for (time, _, e) in &t.events {
        match e {
            Event::Fill { maker, taker_side, size, .. } if (600.0..=2400.0).contains(time) => {
                inside += signed(*maker, *taker_side, size.get());
                inside_n += 1;
            }
            Event::TradeReversed { maker, taker, taker_side, size, .. } => {
                assert!(*maker == bot || *taker == bot, "only the bot's trades are reversed");
                assert!((2700.0..2701.0).contains(time));
                reversed -= signed(*maker, *taker_side, size.get());
                reversed_n += 1;
            }
            _ => {}
        }
    }
    assert!(inside_n > 1_000, "{inside_n} bot fills in the window");
    assert_eq!(reversed_n, inside_n);
    assert_eq!(reversed, -inside, "the reversal undoes the bot's net position from the window");
    assert!(r.summary.safeguards_triggered >= 1);
}

/// `margin-change-crash` (ACT 2025): nothing is liquidated before the tier change; then at least
/// −25% within the first minute, at least −45% by 36 minutes, no rebound above −30%, open
/// interest down by two thirds or more; the insurance fund is exhausted before ADL.
#[test]
fn margin_change_crash_facts() {
    let s = load_builtin("margin-change-crash").unwrap();
    let (r, t) = run(&s, s.seed());
    let changed =
        t.first_event(|e| matches!(e, Event::MarginTiersChanged { .. })).expect("the tiers change");
    let first_liquidation =
        t.first_event(|e| matches!(e, Event::LiquidationStarted { .. })).expect("liquidations");
    assert!(changed <= first_liquidation, "{changed} / {first_liquidation}");
    let start = t.last_at("cex", "ALTUSDT", 299);
    let drop = |at: i64| 1.0 - t.last_at("cex", "ALTUSDT", at) / start;
    assert!(drop(360) >= 0.25, "first minute {:.2}", drop(360));
    assert!(drop(300 + 36 * 60) >= 0.45, "36 minutes {:.2}", drop(2460));
    let rebound = t
        .series("cex", "ALTUSDT")
        .iter()
        .filter(|row| row.time_s >= 420)
        .filter_map(|row| row.last)
        .fold(0.0, f64::max);
    assert!(rebound < 0.7 * start, "rebound to {rebound} from {start}");
    let oi_before =
        t.series("cex", "ALTUSDT").iter().find(|row| row.time_s == 299).unwrap().open_interest_usd;
    let oi_end = t.series("cex", "ALTUSDT").last().unwrap().open_interest_usd;
    assert!(oi_end < oi_before / 3.0, "OI {oi_before} -> {oi_end}");
    let adl = t.first_event(|e| matches!(e, Event::AdlFill { .. })).expect("ADL");
    assert!(first_liquidation < adl);
    assert!(r.summary.insurance_fund_drawdown_usd > 1e6);
}

/// `two-leg-crash` (Black Thursday 2020): two price legs far apart and two waves of
/// liquidations following them; most liquidated notional finds no bid above the bankruptcy price
/// and goes to the insurance fund, which runs dry; bad debt remains in both legs.
#[test]
fn two_leg_crash_facts() {
    let s = load_builtin("two-leg-crash").unwrap();
    let (r, t) = run(&s, s.seed());
    let price = |at: i64| t.last_at("lender", "ETHUSDT", at);
    assert!(price(1200) < 0.88 * price(300), "first leg {} -> {}", price(300), price(1200));
    assert!(price(5399) < 0.85 * price(3600), "second leg {} -> {}", price(3600), price(5399));
    let liquidations: Vec<f64> = t
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, Event::LiquidationStarted { .. }))
        .map(|(time, _, _)| *time)
        .collect();
    let wave = |a: f64, b: f64| liquidations.iter().filter(|x| (a..b).contains(*x)).count();
    let (first, between, second) = (wave(0.0, 1800.0), wave(1800.0, 3900.0), wave(3900.0, 5400.0));
    assert!(first > 50 && second > 50, "waves {first} / {second}");
    assert!(between * 5 < first.min(second), "between the legs {between}");
    let bad_debt_at: Vec<f64> = t
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, Event::BadDebt { .. }))
        .map(|(time, _, _)| *time)
        .collect();
    assert!(bad_debt_at.iter().any(|x| *x < 1800.0) && bad_debt_at.iter().any(|x| *x > 3900.0));
    let booked = r.summary.liquidated_long_usd + r.summary.liquidated_short_usd;
    assert!(
        r.summary.backstop_notional_usd > 2.0 * booked,
        "{} vs {booked}",
        r.summary.backstop_notional_usd
    );
    assert!(r.summary.insurance_fund_drawdown_usd > 40_000.0);
    assert!(r.summary.bad_debt_usd > 10_000.0);
}

/// `market-wide-cascade` (10 October 2025): majors fall at least as far as the macro shock, the
/// thin alt at least twice as far; near-mid depth vanishes; liquidations are longs; on the DEX
/// the sequence is liquidation, then vault takeover, then ADL.
#[test]
fn market_wide_cascade_facts() {
    let s = load_builtin("market-wide-cascade").unwrap();
    let (r, t) = run(&s, s.seed());
    let trough = |venue: &str, market: &str| {
        let start = t.last_at(venue, market, 599);
        let low = t
            .series(venue, market)
            .iter()
            .filter(|row| row.time_s >= 600)
            .filter_map(|row| row.last)
            .fold(f64::INFINITY, f64::min);
        1.0 - low / start
    };
    for (venue, market) in
        [("cex", "BTCUSDT"), ("cex", "ETHUSDT"), ("dex", "BTC-PERP"), ("dex", "ETH-PERP")]
    {
        let d = trough(venue, market);
        assert!((0.11..0.30).contains(&d), "{venue} {market} fell {d:.3}");
    }
    for (venue, market) in [("cex", "ALTUSDT"), ("dex", "ALT-PERP")] {
        let d = trough(venue, market);
        assert!(d > 0.24, "{venue} {market} fell only {d:.3}");
    }
    for (venue, market) in [("cex", "BTCUSDT"), ("dex", "ALT-PERP")] {
        let rows = t.series(venue, market);
        let before = rows
            .iter()
            .filter(|row| (300..600).contains(&row.time_s))
            .map(|row| row.depth_1pct_usd)
            .sum::<f64>()
            / 300.0;
        let after = rows
            .iter()
            .filter(|row| row.time_s >= 600)
            .map(|row| row.depth_1pct_usd)
            .fold(f64::INFINITY, f64::min);
        assert!(after < 0.1 * before, "{venue} {market} depth {before} -> {after}");
    }
    assert!(r.summary.liquidated_long_usd > 4.0 * r.summary.liquidated_short_usd.max(1.0));
    let dex_first = |f: &dyn Fn(&Event) -> bool| {
        t.events.iter().position(|(_, v, e)| v == "dex" && f(e)).expect("a DEX event")
    };
    let liquidation = dex_first(&|e| matches!(e, Event::LiquidationStarted { .. }));
    let takeover = dex_first(&|e| matches!(e, Event::PositionTransferred { .. }));
    let adl = dex_first(&|e| matches!(e, Event::AdlFill { .. }));
    assert!(liquidation < takeover && takeover < adl, "{liquidation} / {takeover} / {adl}");
}

/// `collateral-depeg` (Binance USDe, 10 October 2025): the collateral token prints at least 35%
/// below par and stays depegged for about 40 minutes, then recovers; accounts are liquidated —
/// and none when the same token is valued at its redemption value.
#[test]
fn collateral_depeg_facts() {
    let s = load_builtin("collateral-depeg").unwrap();
    let (r, t) = run(&s, s.seed());
    let rows = t.series("binance", "ALTUSDT");
    let low = rows.iter().filter_map(|row| row.last).fold(f64::INFINITY, f64::min);
    assert!(low <= 0.65, "the token's low {low}");
    let depegged = rows.iter().filter(|row| row.oracle.is_some_and(|p| p < 0.95)).count();
    assert!((1_200..=3_000).contains(&depegged), "{depegged} s below 0.95");
    assert!(rows.last().unwrap().oracle.unwrap() > 0.97, "recovered");
    assert!(r.summary.liquidations_count > 0);
    // Binance's fix: value the collateral at redemption (the reference), not at its own prints.
    let text = cascade_scenario::builtin("collateral-depeg").unwrap().replace(
        r#"sources = [{ venue = "binance", market = "ALTUSDT", weight = 1, price = "last" }]"#,
        "sources = [{ reference = true, weight = 1 }]",
    );
    let redeemed =
        cascade_scenario::load(&text, "redeemed.toml", &mut cascade_scenario::builtin_resolver)
            .unwrap();
    let (g, _) = run(&redeemed, s.seed());
    assert_eq!(g.summary.liquidations_count, 0);
}
