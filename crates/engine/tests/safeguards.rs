//! Each safeguard on its own, through the audited harness: it fires when it should, says so with
//! `SafeguardTriggered`, and does what it promises (halt and reopen, clamp, refuse, wait).

use cascade_model::{
    AccountId, CircuitBreaker, Command, Event, MarketId, RejectReason, SafeguardKind, Side,
};
use cascade_num::{Lots, Ppm, Quote, Ticks};
use cascade_test_support::harness::{deposit, limit, market, open, oracle, Harness};

fn fired(ev: &[Event], kind: SafeguardKind) -> bool {
    ev.iter().any(|e| matches!(e, Event::SafeguardTriggered { kind: k, .. } if *k == kind))
}

fn rejected(ev: &[Event], why: RejectReason) -> bool {
    ev.iter().any(|e| matches!(e, Event::Rejected { reason, .. } if *reason == why))
}

/// dYdX BTC (mark = oracle, tick $1, lot 0.0001 BTC) with accounts 2 (trader), 3 (maker).
fn dydx(configure: impl FnOnce(&mut cascade_model::VenueConfig)) -> Harness {
    let mut cfg = cascade_venue::preset("dydx-v4").unwrap();
    configure(&mut cfg);
    let mut h = Harness::new(cfg);
    for (a, usd) in [(2, 100_000), (3, 10_000_000)] {
        h.now(open(a));
        h.now(deposit(a, usd));
    }
    h.now(oracle(0, 100_000));
    h
}

#[test]
fn circuit_breaker_halts_on_a_fast_move_and_reopens_after_the_pause() {
    let mut h = dydx(|c| {
        c.safeguards.circuit_breaker = Some(CircuitBreaker {
            move_max: Ppm(50_000),
            window_ns: 60_000_000_000,
            pause_ns: 300_000_000_000,
        })
    });
    // −3% in the window: nothing.
    let ev = h.at(10, oracle(0, 97_000));
    assert!(!fired(&ev, SafeguardKind::CircuitBreakerHalt));
    // −6% from the window's start: halt.
    let ev = h.at(10, oracle(0, 94_000));
    assert!(fired(&ev, SafeguardKind::CircuitBreakerHalt), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, Event::MarketHalted { halted: true, .. })));
    let ev = h.at(1, limit(1, 3, 0, Side::Buy, 93_000, 10));
    assert!(rejected(&ev, RejectReason::MarketHalted));
    // The pause ends 300 s after the halt.
    let ev = h.at(298, Command::Tick);
    assert!(!fired(&ev, SafeguardKind::CircuitBreakerReopen));
    let ev = h.at(2, Command::Tick);
    assert!(fired(&ev, SafeguardKind::CircuitBreakerReopen), "{ev:?}");
    let ev = h.now(limit(2, 3, 0, Side::Buy, 93_000, 10));
    assert!(!ev.iter().any(|e| matches!(e, Event::Rejected { .. })), "{ev:?}");
    // A slow drift of the same size over more than the window does not trip it.
    let ev: Vec<Event> =
        (0..6).flat_map(|k| h.at(61, oracle(0, 94_000 - 1_000 * (k + 1)))).collect();
    assert!(!fired(&ev, SafeguardKind::CircuitBreakerHalt), "{ev:?}");
    assert_eq!(h.replay_hash(), h.engine.state_hash());
}

#[test]
fn oracle_step_rail_clamps_a_jump() {
    let mut h = dydx(|c| c.safeguards.oracle_step_max = Some(Ppm(100_000)));
    let ev = h.at(1, oracle(0, 200_000));
    assert!(fired(&ev, SafeguardKind::OracleClamped));
    assert_eq!(h.engine.market(MarketId(0)).unwrap().oracle, Some(Ticks(110_000)));
    let ev = h.at(1, oracle(0, 115_000));
    assert!(!fired(&ev, SafeguardKind::OracleClamped), "within 10% of 110,000");
    assert_eq!(h.engine.market(MarketId(0)).unwrap().oracle, Some(Ticks(115_000)));
}

#[test]
fn open_interest_cap_refuses_orders_that_add_exposure_only() {
    // $1m cap; BTC at $100,000: 10 BTC = 100,000 lots of 0.0001.
    let mut h = dydx(|c| c.safeguards.open_interest_max = Some(Quote::from_units(1_000_000)));
    // A resting order counts as if it filled: a $2m ask is refused outright, a $900k one rests.
    assert!(rejected(
        &h.now(limit(9, 3, 0, Side::Sell, 100_000, 200_000)),
        RejectReason::OpenInterestCap
    ));
    h.now(limit(1, 3, 0, Side::Sell, 100_000, 90_000));
    let ev = h.now(market(2, 2, 0, Side::Buy, 100_000, 60_000));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    // Another 6 BTC would take open interest to $1.2m.
    let ev = h.now(market(3, 2, 0, Side::Buy, 100_000, 60_000));
    assert!(rejected(&ev, RejectReason::OpenInterestCap), "{ev:?}");
    assert!(fired(&ev, SafeguardKind::OpenInterestCap));
    // Closing is always allowed.
    h.now(limit(4, 3, 0, Side::Buy, 100_000, 30_000));
    let ev = h.now(market(5, 2, 0, Side::Sell, 100_000, 30_000));
    assert!(!rejected(&ev, RejectReason::OpenInterestCap), "{ev:?}");
}

#[test]
fn minimum_quote_life_refuses_early_cancels() {
    let mut h = dydx(|c| c.safeguards.min_resting_ns = Some(500_000_000));
    h.now(limit(1, 3, 0, Side::Sell, 101_000, 10));
    let cancel = Command::CancelOrder { account: AccountId(3), order: cascade_model::OrderId(1) };
    let ev = h.now(cancel.clone());
    assert!(rejected(&ev, RejectReason::OrderTooYoung), "{ev:?}");
    assert!(fired(&ev, SafeguardKind::MinRestingTime));
    let amend = Command::AmendOrder {
        account: AccountId(3),
        order: cascade_model::OrderId(1),
        size: Lots(5),
        price: Ticks(101_000),
    };
    assert!(rejected(&h.now(amend), RejectReason::OrderTooYoung));
    let ev = h.at(1, cancel);
    assert!(ev.iter().any(|e| matches!(e, Event::OrderCancelled { .. })), "{ev:?}");
}

#[test]
fn stale_oracle_makes_liquidations_wait_for_a_fresh_price() {
    let mut h = dydx(|c| c.safeguards.oracle_stale_ns = Some(30_000_000_000));
    h.now(limit(1, 3, 0, Side::Sell, 100_000, 100_000));
    // Account 2: 10 BTC long ($1m) on $100k: 10x.
    let ev = h.now(market(2, 2, 0, Side::Buy, 100_000, 100_000));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    h.now(limit(3, 3, 0, Side::Buy, 90_000, 200_000));
    // A minute without oracle updates, then tiers tighten: the account is below maintenance
    // but the oracle is stale, so nothing is liquidated.
    let tiers = cascade_model::MarginTier::table(&[(Quote::ZERO, 2, Ppm(200_000))]).unwrap();
    let ev = h.at(60, Command::SetMarginTiers { market: MarketId(0), tiers });
    assert!(fired(&ev, SafeguardKind::OracleStale), "{ev:?}");
    assert!(!ev.iter().any(|e| matches!(e, Event::LiquidationStarted { .. })));
    assert_ne!(
        h.engine.liquidation_state(AccountId(2), None),
        cascade_engine::LiquidationState::Normal
    );
    // A fresh oracle price: the liquidation proceeds.
    let ev = h.at(1, oracle(0, 100_000));
    assert!(ev.iter().any(|e| matches!(e, Event::LiquidationStarted { .. })), "{ev:?}");
}

#[test]
fn mark_oracle_band_holds_the_mark_near_the_oracle() {
    // Hyperliquid's mark follows the book; the band keeps it within 1% of the oracle.
    let mut cfg = cascade_venue::preset("hyperliquid").unwrap();
    cfg.safeguards.mark_oracle_band = Some(Ppm(10_000));
    let mut h = Harness::new(cfg);
    for (a, usd) in [(2, 10_000_000), (3, 10_000_000)] {
        h.now(open(a));
        h.now(deposit(a, usd));
    }
    h.now(oracle(0, 100_000));
    // A book far above the oracle, and a trade there.
    h.now(limit(1, 3, 0, Side::Sell, 120_000, 1_000));
    h.now(limit(2, 2, 0, Side::Buy, 119_000, 1_000));
    h.now(market(3, 2, 0, Side::Buy, 120_000, 100));
    let ev: Vec<Event> = (0..40).flat_map(|_| h.at(5, Command::Tick)).collect();
    assert!(
        fired(&ev, SafeguardKind::MarkClamped),
        "the book pulls the mark up, the band holds it"
    );
    let mark = h.engine.market(MarketId(0)).unwrap().mark.unwrap();
    assert!(mark <= Ticks(101_000), "{mark:?}");
}

/// The insurance-fund top-up rule: an empty fund is brought to the target at the first
/// liquidation step; a budget smaller than that pays what it has once and never again.
#[test]
fn insurance_top_up_refills_the_fund_within_its_budget() {
    let usd = |v: i64| Quote(v * cascade_num::QUOTE_UNIT);
    let funded = |h: &Harness| h.engine.account(AccountId::INSURANCE_FUND).unwrap().total_cash;
    for (budget, expect) in [(5_000, 1_000), (600, 600)] {
        let mut cfg = cascade_venue::preset("dydx-v4").unwrap();
        cfg.safeguards.insurance_top_up = Some(cascade_model::InsuranceTopUp {
            floor: usd(100),
            target: usd(1_000),
            budget: usd(budget),
        });
        let mut h = Harness::new(cfg);
        let mut events = Vec::new();
        // Every oracle update runs a mark update and a liquidation step.
        for i in 0..5 {
            events.extend(h.at(2, oracle(0, 100_000 + i)));
        }
        let top_ups = events
            .iter()
            .filter(|e| fired(std::slice::from_ref(e), SafeguardKind::InsuranceTopUp))
            .count();
        assert_eq!(top_ups, 1, "{events:?}");
        assert_eq!(funded(&h), usd(expect));
        assert!(events.iter().any(
            |e| matches!(e, Event::Deposited { account, .. } if *account == AccountId::INSURANCE_FUND)
        ));
    }
}

/// The oracle confidence rail: an update whose interval is wider than the limit is not used
/// (the last price stands), and says so; a tight one is used.
#[test]
fn oracle_confidence_rail_skips_wide_updates() {
    let mut h = dydx(|c| c.safeguards.oracle_confidence_max = Some(Ppm(20_000)));
    let set = |price: i64, conf: i64| Command::SetOracle {
        market: MarketId(0),
        price: Ticks(price),
        confidence: Some(Ticks(conf)),
    };
    let ev = h.at(1, set(90_000, 5_000));
    assert!(fired(&ev, SafeguardKind::OracleLowConfidence), "{ev:?}");
    assert_eq!(h.engine.market(MarketId(0)).unwrap().oracle, Some(Ticks(100_000)));
    let ev = h.at(1, set(99_000, 1_000));
    assert!(!fired(&ev, SafeguardKind::OracleLowConfidence), "{ev:?}");
    assert_eq!(h.engine.market(MarketId(0)).unwrap().oracle, Some(Ticks(99_000)));
}

/// The dynamic open-interest cap: a multiple of the outside depth the venue last heard of; more
/// depth, more room.
#[test]
fn open_interest_cap_follows_outside_depth() {
    // Two times the outside depth; BTC at $100,000, one lot = $10.
    let mut h = dydx(|c| c.safeguards.open_interest_depth_multiple = Some(Ppm(2_000_000)));
    let depth = |usd: i64| Command::SetExternalDepth {
        market: MarketId(0),
        depth: Quote(usd * cascade_num::QUOTE_UNIT),
    };
    h.now(depth(100_000));
    h.now(limit(1, 3, 0, Side::Sell, 100_000, 15_000));
    let ev = h.now(market(2, 2, 0, Side::Buy, 101_000, 15_000));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    // 150k of open interest; another 100k would pass the 200k cap.
    let ev = h.now(limit(3, 3, 0, Side::Sell, 100_000, 10_000));
    assert!(rejected(&ev, RejectReason::OpenInterestCap), "{ev:?}");
    assert!(fired(&ev, SafeguardKind::OpenInterestCap));
    h.now(depth(1_000_000));
    let ev = h.now(limit(4, 3, 0, Side::Sell, 100_000, 10_000));
    assert!(!rejected(&ev, RejectReason::OpenInterestCap), "{ev:?}");
}
