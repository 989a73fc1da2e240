//! Order flow through the engine with exact numbers: settlement and fees, reduce-only clipping and
//! trimming, amend priority, withdrawals against initial margin, funding paid through the engine
//! (Hyperliquid's worked example), and an isolated position liquidated on its own.

use cascade_model::{AccountId, CancelReason, Command, Event, MarketId, OrderId, Side};
use cascade_num::{Lots, Ppb, Quote, Ticks};
use cascade_test_support::harness::{
    deposit, leverage, limit, market, open, oracle, reduce_only, Harness,
};

const TAKER: u32 = 2;
const MAKER: u32 = 3;

/// Hyperliquid BTC-PERP: one tick is $1, one lot 0.00001 BTC, so one lot is $1 at 100,000.
fn venue() -> Harness {
    let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
    for c in [
        open(TAKER),
        deposit(TAKER, 10_000),
        open(MAKER),
        deposit(MAKER, 1_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    h
}

fn cash(h: &Harness, a: u32) -> Quote {
    h.engine.account(AccountId(a)).unwrap().total_cash
}

#[test]
fn settlement_and_fees_are_exact() {
    let mut h = venue();
    h.now(limit(1, MAKER, 0, Side::Sell, 100_010, 1_000));
    let events = h.now(market(2, TAKER, 0, Side::Buy, 100_100, 1_000));
    let fill = events.iter().find(|e| matches!(e, Event::Fill { .. })).unwrap();
    // Value 1,000 × 100,010 × 10 micro = $1,000.10; taker 0.045% = 450,045; maker 0.015% = 150,015.
    assert_eq!(
        fill,
        &Event::Fill {
            market: MarketId(0),
            maker_order: OrderId(1),
            taker_order: OrderId(2),
            maker: AccountId(MAKER),
            taker: AccountId(TAKER),
            price: Ticks(100_010),
            size: Lots(1_000),
            taker_side: Side::Buy,
            maker_fee: Quote(150_015),
            taker_fee: Quote(450_045),
            liquidation: false,
        }
    );
    assert_eq!(cash(&h, TAKER), Quote(10_000_000_000 - 1_000_100_000 - 450_045));
    assert_eq!(cash(&h, MAKER), Quote(1_000_000_000_000 + 1_000_100_000 - 150_015));
    assert_eq!(h.engine.fee_pool(), Quote(600_060));
    let p = h.engine.account(AccountId(TAKER)).unwrap().positions[0];
    assert_eq!(
        (p.size, p.entry_value, p.average_entry),
        (Lots(1_000), Quote(1_000_100_000), Ticks(100_010))
    );
    // Close half at a profit: realised PnL = 500 × (100,510 − 100,010) × 10 micro = $2.50.
    h.now(limit(3, MAKER, 0, Side::Buy, 100_510, 500));
    h.now(market(4, TAKER, 0, Side::Sell, 100_000, 500));
    let p = h.engine.account(AccountId(TAKER)).unwrap().positions[0];
    assert_eq!(
        (p.size, p.entry_value, p.realized_pnl),
        (Lots(500), Quote(500_050_000), Quote(2_500_000))
    );
}

#[test]
fn reduce_only_is_clipped_then_trimmed() {
    let mut h = venue();
    h.now(limit(1, MAKER, 0, Side::Sell, 100_010, 1_000));
    h.now(market(2, TAKER, 0, Side::Buy, 100_100, 1_000));
    let events = h.now(reduce_only(limit(3, TAKER, 0, Side::Sell, 101_000, 5_000)));
    assert!(
        events.contains(&Event::OrderRested { order: OrderId(3), size: Lots(1_000) }),
        "clipped to the position: {events:?}"
    );
    h.now(limit(4, MAKER, 0, Side::Buy, 99_990, 10_000));
    let events = h.now(market(5, TAKER, 0, Side::Sell, 99_000, 600));
    assert_eq!(h.position(TAKER, 0), 400);
    assert!(
        events.contains(&Event::OrderReduced { order: OrderId(3), size: Lots(400) }),
        "trimmed: {events:?}"
    );
    // Selling the rest cancels it.
    let events = h.now(market(6, TAKER, 0, Side::Sell, 99_000, 400));
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::OrderCancelled { order: OrderId(3), reason: CancelReason::ReduceOnly, .. }
        )),
        "{events:?}"
    );
}

#[test]
fn amend_down_keeps_priority_and_a_new_price_loses_it() {
    let mut h = venue();
    h.now(limit(20, MAKER, 0, Side::Buy, 99_980, 100));
    h.now(limit(21, MAKER, 0, Side::Buy, 99_980, 100));
    h.now(Command::AmendOrder {
        account: AccountId(MAKER),
        order: OrderId(20),
        size: Lots(50),
        price: Ticks(99_980),
    });
    let events = h.now(market(30, TAKER, 0, Side::Sell, 99_000, 60));
    let makers: Vec<(OrderId, Lots)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Fill { maker_order, size, .. } => Some((*maker_order, *size)),
            _ => None,
        })
        .collect();
    assert_eq!(makers, vec![(OrderId(20), Lots(50)), (OrderId(21), Lots(10))]);
    // Re-price 21 away and back: it now queues behind a newer order at the same price.
    h.now(limit(22, MAKER, 0, Side::Buy, 99_980, 100));
    h.now(Command::AmendOrder {
        account: AccountId(MAKER),
        order: OrderId(21),
        size: Lots(90),
        price: Ticks(99_979),
    });
    h.now(Command::AmendOrder {
        account: AccountId(MAKER),
        order: OrderId(21),
        size: Lots(90),
        price: Ticks(99_980),
    });
    let book = h.engine.book(MarketId(0)).unwrap();
    let queue: Vec<OrderId> = book.orders(Side::Buy).map(|o| o.id).collect();
    assert_eq!(queue, vec![OrderId(22), OrderId(21)]);
}

#[test]
fn withdrawals_stop_at_initial_margin() {
    let mut h = venue();
    h.now(leverage(TAKER, 0, 10));
    h.now(limit(1, MAKER, 0, Side::Sell, 100_000, 50_000));
    h.now(market(2, TAKER, 0, Side::Buy, 100_000, 50_000));
    // $50,000 at 10x needs $5,000; equity is $10,000 − $22.50 fees.
    let view = h.engine.account(AccountId(TAKER)).unwrap();
    assert_eq!(view.initial, Quote::from_units(5_000));
    let free = view.equity - view.initial;
    let too_much = h.now(Command::Withdraw { account: AccountId(TAKER), amount: free + Quote(1) });
    assert!(matches!(too_much[..], [Event::Rejected { .. }]), "{too_much:?}");
    let ok = h.now(Command::Withdraw { account: AccountId(TAKER), amount: free });
    assert_eq!(ok, vec![Event::Withdrawn { account: AccountId(TAKER), amount: free }]);
}

/// Hyperliquid's funding example (§1.4, H1) through the engine: impact bid 1% over the oracle
/// for the whole hour → F = 0.95% per 8 h → 0.11875% paid per hour at the oracle price.
#[test]
fn funding_through_the_engine() {
    let mut h = venue();
    h.now(limit(1, MAKER, 0, Side::Buy, 101_000, 50_000));
    h.now(limit(2, MAKER, 0, Side::Sell, 102_000, 50_000));
    h.now(market(3, TAKER, 0, Side::Buy, 102_000, 5_000));
    let before = (cash(&h, TAKER), cash(&h, MAKER));
    let events = h.at(3_600, Command::Tick);
    let samples = events
        .iter()
        .filter(|e| matches!(e, Event::FundingSample { premium: Ppb(10_000_000), .. }))
        .count();
    assert_eq!(samples, 720, "one 1% sample every 5 s");
    let paid = events
        .iter()
        .find_map(|e| match e {
            Event::FundingPaid { rate, paid, received, .. } => Some((*rate, *paid, *received)),
            _ => None,
        })
        .unwrap();
    // 5,000 lots × 100,000 × 10 micro × 0.11875% = $5.9375.
    assert_eq!(paid, (Ppb(1_187_500), Quote(5_937_500), Quote(5_937_500)));
    assert_eq!(cash(&h, TAKER), before.0 - Quote(5_937_500));
    assert_eq!(cash(&h, MAKER), before.1 + Quote(5_937_500));
}

#[test]
fn an_isolated_position_is_liquidated_alone() {
    let mut h = venue();
    h.now(Command::SetIsolated { account: AccountId(TAKER), market: MarketId(0), isolated: true });
    h.now(leverage(TAKER, 0, 10));
    h.now(limit(1, MAKER, 0, Side::Sell, 100_000, 20_000));
    h.now(market(2, TAKER, 0, Side::Buy, 100_000, 20_000));
    let p = h.engine.account(AccountId(TAKER)).unwrap().positions[0];
    // Isolated collateral is the position's own balance plus its value: $2,000 at 10x (the
    // opening fee is funded from the cross balance with the initial margin, so the position
    // starts at exactly its initial requirement).
    let value = 20_000 * 100_000 * 10;
    assert!(p.isolated);
    assert_eq!(p.isolated_cash.get() + value, 2_000_000_000);
    let cross_before = h.engine.account(AccountId(TAKER)).unwrap().cash;
    // Book and oracle fall 12%: the isolated 10x long is below maintenance; the cross balance is not touched.
    h.now(limit(3, MAKER, 0, Side::Buy, 88_000, 40_000));
    h.now(limit(4, MAKER, 0, Side::Sell, 88_100, 100));
    h.now(open(4));
    h.now(deposit(4, 10_000));
    h.now(market(5, 4, 0, Side::Sell, 88_000, 100));
    let mut events = h.at(1, oracle(0, 88_000));
    for _ in 0..40 {
        events.extend(h.at(1, Command::Tick));
    }
    assert!(events.iter().any(|e| matches!(e, Event::LiquidationStarted { account, market: Some(MarketId(0)), .. } if account.0 == TAKER)), "{events:?}");
    assert_eq!(h.position(TAKER, 0), 0);
    let after = h.engine.account(AccountId(TAKER)).unwrap();
    assert!(after.cash >= cross_before, "cross balance {} fell below {}", after.cash, cross_before);
}

#[test]
fn halts_refuse_orders_but_allow_cancels_and_tiers_apply_to_open_positions() {
    use cascade_model::{MarginTier, RejectReason};
    let mut h = venue();
    h.now(limit(1, MAKER, 0, Side::Sell, 100_010, 5_000));
    h.now(leverage(TAKER, 0, 20));
    h.now(market(2, TAKER, 0, Side::Buy, 100_100, 150_000 / 1_000 * 1_000));
    h.now(limit(3, MAKER, 0, Side::Buy, 99_000, 1_000));
    let events = h.now(Command::SetHalted { market: MarketId(0), halted: true });
    assert_eq!(events, vec![Event::MarketHalted { market: MarketId(0), halted: true }]);
    let before = h.engine.state_hash();
    let events = h.now(limit(4, MAKER, 0, Side::Buy, 99_000, 1_000));
    assert!(
        matches!(events[..], [Event::Rejected { reason: RejectReason::MarketHalted, .. }]),
        "{events:?}"
    );
    assert_eq!(h.engine.state_hash(), before);
    let events = h.now(Command::CancelOrder { account: AccountId(MAKER), order: OrderId(3) });
    assert!(matches!(events[..], [Event::OrderCancelled { .. }]), "{events:?}");
    h.now(Command::SetHalted { market: MarketId(0), halted: false });
    // Invalid tiers are refused untouched; valid tighter tiers apply to the open position now.
    let before = h.engine.state_hash();
    let bad = MarginTier::table(&[(Quote(0), 2, cascade_num::Ppm(600_000))]).unwrap();
    let events = h.now(Command::SetMarginTiers { market: MarketId(0), tiers: bad });
    assert!(
        matches!(events[..], [Event::Rejected { reason: RejectReason::InvalidMarginTiers, .. }]),
        "{events:?}"
    );
    assert_eq!(h.engine.state_hash(), before);
    let maintenance_before = h.engine.account(AccountId(TAKER)).unwrap().maintenance;
    let tight = MarginTier::table(&[(Quote(0), 5, cascade_num::Ppm(100_000))]).unwrap();
    h.now(Command::SetMarginTiers { market: MarketId(0), tiers: tight });
    let view = h.engine.account(AccountId(TAKER)).unwrap();
    assert!(view.maintenance > maintenance_before, "{} vs {maintenance_before}", view.maintenance);
    assert!(view.positions[0].leverage <= 5, "leverage lowered to the new maximum");
}
