//! The liquidation pipeline on each venue preset, on one hand-built crash: a 19x long, a market
//! maker that pulls its quotes and leaves thin bids far below, an 8% oracle drop. Each venue's
//! configuration must produce its own sequence: Hyperliquid book → liquidator vault, Binance
//! IOC at bankruptcy → insurance-fund takeover, dYdX fillable-price IOC → deleveraging.

use cascade_engine::LiquidationState;
use cascade_model::{AccountId, Command, Event, LiquidationOutcome, MarketId, OrderId, Side};
use cascade_num::Quote;
use cascade_test_support::harness::{deposit, leverage, limit, market, open, oracle, Harness};

const MAKER: u32 = 3;
const LONG: u32 = 2;
const SHORTS: [u32; 2] = [4, 5];

/// Sets up the book and positions at an oracle of 100,000 ticks; returns the harness.
fn setup(preset: &str) -> Harness {
    let config = cascade_venue::preset(preset).unwrap();
    let max = config.markets[0].tiers[0].max_leverage;
    let qptl = config.markets[0].quote_per_tick_lot().unwrap();
    // Lots worth `d` dollars at 100,000 ticks.
    let lots = move |d: i64| d * 10 / qptl;
    let mut h = Harness::new(config);
    for c in [
        deposit(0, 200_000),
        deposit(1, 200_000),
        open(MAKER),
        deposit(MAKER, 10_000_000),
        open(LONG),
        deposit(LONG, 1_000),
        leverage(LONG, 0, max.min(20)),
        open(SHORTS[0]),
        deposit(SHORTS[0], 50_000),
        open(SHORTS[1]),
        deposit(SHORTS[1], 50_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    h.now(limit(1, MAKER, 0, Side::Sell, 100_020, lots(1_000_000)));
    h.now(limit(2, MAKER, 0, Side::Buy, 99_980, lots(1_000_000)));
    let long_size = lots(18_500);
    let events = h.now(market(10, LONG, 0, Side::Buy, 100_100, long_size));
    assert!(events.iter().any(|e| matches!(e, Event::Fill { .. })), "{events:?}");
    h.now(market(11, SHORTS[0], 0, Side::Sell, 99_000, lots(12_000)));
    h.now(market(12, SHORTS[1], 0, Side::Sell, 99_000, lots(6_500)));
    // The maker pulls its quotes and leaves thin bids far below.
    h.now(Command::CancelOrder { account: AccountId(MAKER), order: OrderId(1) });
    h.now(Command::CancelOrder { account: AccountId(MAKER), order: OrderId(2) });
    h.now(limit(3, MAKER, 0, Side::Buy, 90_000, lots(3_000)));
    h.now(limit(4, MAKER, 0, Side::Buy, 80_000, lots(3_000)));
    h.now(limit(5, MAKER, 0, Side::Sell, 100_500, lots(3_000)));
    h
}

fn crash(preset: &str) -> (Harness, Vec<Event>) {
    let mut h = setup(preset);
    let qptl = h.engine.market(MarketId(0)).unwrap().quote_per_tick_lot;
    let mut events = h.at(1, oracle(0, 92_000));
    // The book follows: the maker re-quotes its ask lower and a seller trades at 92,000, so
    // book-based mark components (Hyperliquid, Binance) move with the oracle.
    events.extend(h.now(Command::CancelOrder { account: AccountId(MAKER), order: OrderId(5) }));
    events.extend(h.now(limit(6, MAKER, 0, Side::Sell, 93_000, 3_000 * 10 / qptl)));
    events.extend(h.now(limit(7, MAKER, 0, Side::Buy, 92_000, 10 * 10 / qptl)));
    events.extend(h.now(market(13, SHORTS[0], 0, Side::Sell, 92_000, 10 * 10 / qptl)));
    // Let mark updates and liquidation steps run for a minute.
    for _ in 0..60 {
        events.extend(h.at(1, Command::Tick));
    }
    (h, events)
}

fn outcome(events: &[Event], account: u32) -> Vec<LiquidationOutcome> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::LiquidationEnded { account: a, outcome, .. } if a.0 == account => Some(*outcome),
            _ => None,
        })
        .collect()
}

fn position(h: &Harness, account: AccountId) -> i64 {
    h.engine
        .account(account)
        .unwrap()
        .positions
        .iter()
        .find(|p| p.market == MarketId(0))
        .map_or(0, |p| p.size.get())
}

#[test]
fn hyperliquid_book_then_vault() {
    let (h, events) = crash("hyperliquid");
    let started = events
        .iter()
        .position(|e| matches!(e, Event::LiquidationStarted { account, .. } if account.0 == LONG))
        .expect("liquidated");
    let takeover = events.iter().position(|e| matches!(e, Event::BackstopCollateral { to, .. } if *to == AccountId::BACKSTOP_VAULT)).expect("vault takeover");
    assert!(started < takeover);
    assert_eq!(
        outcome(&events, LONG).last(),
        Some(&LiquidationOutcome::BackstopTakeover),
        "{events:#?}"
    );
    assert_eq!(position(&h, AccountId(LONG)), 0);
    assert!(position(&h, AccountId::BACKSTOP_VAULT) > 0, "the vault holds the long now");
    assert_eq!(h.engine.account(AccountId(LONG)).unwrap().total_cash, Quote::ZERO);
}

#[test]
fn binance_ioc_then_insurance_fund() {
    let (h, events) = crash("binance-usdm");
    // The IOC is bounded by the bankruptcy price, far above the thin bids: no liquidation fills.
    assert!(
        !events.iter().any(|e| matches!(e, Event::Fill { liquidation: true, .. })),
        "{events:#?}"
    );
    assert!(events.iter().any(
        |e| matches!(e, Event::BackstopCollateral { to, .. } if *to == AccountId::INSURANCE_FUND)
    ));
    assert_eq!(outcome(&events, LONG).last(), Some(&LiquidationOutcome::BackstopTakeover));
    assert!(position(&h, AccountId::INSURANCE_FUND) > 0, "the insurance fund holds the long now");
}

#[test]
fn dydx_fillable_price_then_deleveraging() {
    let (h, events) = crash("dydx-v4");
    let adl: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::AdlFill { .. })).collect();
    assert!(!adl.is_empty(), "{events:#?}");
    for e in &adl {
        let Event::AdlFill { bankrupt, counterparty, bankrupt_side, .. } = e else {
            unreachable!()
        };
        assert_eq!(bankrupt.0, LONG);
        assert!(SHORTS.contains(&counterparty.0));
        assert_eq!(*bankrupt_side, Side::Sell);
    }
    assert_eq!(position(&h, AccountId(LONG)), 0);
    // Closed at the bankruptcy price: the long ends with nothing, the shorts shrank.
    let long = h.engine.account(AccountId(LONG)).unwrap();
    assert!(
        long.total_cash.get().abs() <= 1,
        "bankrupt account left at zero, got {}",
        long.total_cash
    );
    assert_eq!(h.engine.liquidation_state(AccountId(LONG), None), LiquidationState::Normal);
}

#[test]
fn same_commands_same_hash() {
    let (a, _) = crash("hyperliquid");
    let (b, _) = crash("hyperliquid");
    assert_eq!(a.engine.state_hash(), b.engine.state_hash());
    assert_eq!(a.replay_hash(), a.engine.state_hash());
}
