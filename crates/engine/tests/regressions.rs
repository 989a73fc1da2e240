//! Regression tests for the engine review's confirmed bugs (one test per bug, named after it),
//! each run through the audited harness so the auditor checks every step.

use cascade_engine::LiquidationState;
use cascade_model::{
    AccountId, CancelReason, Command, Event, LiquidationPriceLimit, MarketId, OrderId,
    RejectReason, Side,
};
use cascade_num::{Lots, Quote, Ticks};
use cascade_test_support::harness::{
    deposit, leverage, limit, market, open, oracle, reduce_only, Harness,
};

fn cash(h: &Harness, a: u32) -> Quote {
    h.engine.account(AccountId(a)).unwrap().total_cash
}

fn iso(a: u32, m: u16) -> Command {
    Command::SetIsolated { account: AccountId(a), market: MarketId(m), isolated: true }
}

fn rejected(ev: &[Event], why: RejectReason) -> bool {
    ev.iter().any(|e| matches!(e, Event::Rejected { reason, .. } if *reason == why))
}

fn accepted(ev: &[Event]) -> bool {
    !ev.iter().any(|e| matches!(e, Event::Rejected { .. }))
}

/// Bug 1: an order that reduces a position was never margin-checked, so a short could buy back
/// at 10x the mark and leave silent bad debt. Now its worst loss (limit beyond the mark, plus
/// fee) must leave equity above the maintenance margin of what remains.
#[test]
fn reducing_order_beyond_mark_is_margin_checked() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        open(2),
        deposit(2, 1_000),
        open(3),
        deposit(3, 5_000),
        open(4),
        deposit(4, 1_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    h.now(limit(1, 4, 0, Side::Buy, 100_000, 100));
    h.now(market(2, 2, 0, Side::Sell, 100_000, 100));
    assert_eq!(h.position(2, 0), -100);
    let ev = h.now(limit(3, 3, 0, Side::Sell, 1_000_000, 100));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
    for order in [
        limit(4, 2, 0, Side::Buy, 1_000_000, 100),
        reduce_only(limit(5, 2, 0, Side::Buy, 1_000_000, 100)),
    ] {
        let before = h.engine.state_hash();
        let ev = h.now(order);
        assert!(rejected(&ev, RejectReason::InsufficientMargin), "{ev:?}");
        assert_eq!(before, h.engine.state_hash(), "a rejection leaves the state unchanged");
    }
    assert_eq!(h.position(2, 0), -100);
    // Closing near the mark is still allowed.
    h.now(limit(6, 4, 0, Side::Sell, 100_000, 100));
    let ev = h.now(market(7, 2, 0, Side::Buy, 100_000, 100));
    assert!(accepted(&ev), "{ev:?}");
    assert_eq!(h.position(2, 0), 0);
    assert!(cash(&h, 2).is_positive());
}

/// Bug 2: a cross account with no positions and a negative balance was never queued (its
/// maintenance is zero), so the insurance fund never paid and no bad debt was recorded. Here the
/// balance goes negative when an isolated resting bid, placed at the mark, fills after the mark
/// halved: the cross balance funds that loss.
#[test]
fn flat_account_with_negative_cash_is_settled() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        deposit(0, 100_000),
        open(2),
        deposit(2, 1_000),
        open(3),
        deposit(3, 100_000),
        oracle(0, 100_000),
        iso(2, 0),
        leverage(2, 0, 20),
    ] {
        h.now(c);
    }
    let ev = h.now(limit(1, 2, 0, Side::Buy, 100_000, 1_000));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
    h.at(1, oracle(0, 50_000));
    let ev = h.now(market(2, 3, 0, Side::Sell, 100_000, 1_000));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    let x = h.engine.account(AccountId(2)).unwrap();
    assert!(x.cash.is_negative(), "the cross balance funded the fill's loss: {}", x.cash);
    assert_ne!(h.engine.liquidation_state(AccountId(2), None), LiquidationState::Normal);
    let mut all = Vec::new();
    for _ in 0..3 {
        all.extend(h.at(1, Command::Tick));
    }
    assert!(
        all.iter().any(|e| matches!(e, Event::InsuranceFundPaid { account, .. } if account.0 == 2)),
        "{all:?}"
    );
    let x = h.engine.account(AccountId(2)).unwrap();
    assert_eq!(x.cash, Quote::ZERO);
    assert_eq!(h.engine.liquidation_state(AccountId(2), None), LiquidationState::Normal);
}

/// Bug 3: an isolated opening order's price loss was checked against the cross equity but
/// charged to the isolated collateral (funded at 1/leverage only), so the position was bankrupt
/// on arrival. Now the cross balance must afford the loss and funds it into the collateral.
#[test]
fn isolated_order_loss_checked_and_funded_by_cross() {
    for (dollars, fills) in [(1_000, false), (10_000, true)] {
        let mut h = Harness::new(cascade_venue::preset("binance-usdm").unwrap());
        for c in [
            deposit(0, 100_000),
            open(2),
            deposit(2, dollars),
            open(3),
            deposit(3, 10_000),
            open(4),
            deposit(4, 1_000_000),
            oracle(0, 1_000_000),
            iso(2, 0),
            leverage(2, 0, 20),
        ] {
            h.now(c);
        }
        h.now(limit(1, 4, 0, Side::Buy, 999_000, 1_000));
        let ev = h.now(limit(2, 3, 0, Side::Sell, 1_149_000, 100));
        assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
        let ev = h.now(limit(3, 2, 0, Side::Buy, 1_149_000, 100));
        if !fills {
            assert!(rejected(&ev, RejectReason::InsufficientMargin), "{ev:?}");
            continue;
        }
        assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
        assert!(!h.engine.below_maintenance(AccountId(2), Some(MarketId(0))));
        let mut all = Vec::new();
        for _ in 0..5 {
            all.extend(h.at(1, Command::Tick));
        }
        assert!(
            !all.iter().any(|e| matches!(e, Event::LiquidationStarted { .. })),
            "the isolated position is solvent: {all:?}"
        );
        assert_eq!(h.position(2, 0), 100);
    }
}

/// Bug 4: each resting order's adverse-price loss was checked alone, never summed, so 100 bids
/// at twice the mark could embed 9x the deposit in losses. Now resting orders' losses add up.
#[test]
fn resting_order_losses_are_summed() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        deposit(0, 100_000),
        open(2),
        deposit(2, 1_000),
        open(3),
        deposit(3, 1_000_000),
        open(4),
        deposit(4, 1_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    let mut rested = 0;
    for i in 0..100u64 {
        let ev = h.now(limit(1_000 + i, 2, 0, Side::Buy, 200_000, 10));
        if ev.iter().any(|e| matches!(e, Event::OrderRested { .. })) {
            rested += 1;
        } else {
            assert!(rejected(&ev, RejectReason::InsufficientMargin), "{ev:?}");
        }
    }
    assert!(rested < 10, "each bid embeds a $100 loss on a $1,000 deposit: {rested} rested");
    h.now(market(1, 3, 0, Side::Sell, 200_000, 1_000));
    let x = h.engine.account(AccountId(2)).unwrap();
    assert_eq!(h.position(2, 0), 10 * rested);
    assert!(x.equity >= x.maintenance, "equity {} maintenance {}", x.equity, x.maintenance);
}

/// Bug 5: an isolated position closed in full below bankruptcy (dYdX surplus fee): the insurance
/// fund's top-up went to the cross balance, then the isolated deficit was paid again.
#[test]
fn isolated_insurance_payment_not_paid_twice() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        deposit(0, 1_000),
        open(2),
        deposit(2, 1_000),
        open(4),
        deposit(4, 1_000_000),
        oracle(0, 100_000),
        iso(2, 0),
        leverage(2, 0, 50),
    ] {
        h.now(c);
    }
    h.now(limit(1, 4, 0, Side::Sell, 100_000, 90));
    let ev = h.now(market(2, 2, 0, Side::Buy, 100_000, 90));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })));
    h.now(limit(3, 4, 0, Side::Buy, 97_000, 100));
    let cross_before = h.engine.account(AccountId(2)).unwrap().cash;
    let fund_before = cash(&h, 0);
    let ev = h.at(1, oracle(0, 97_900));
    assert!(ev.iter().any(|e| matches!(e, Event::LiquidationStarted { .. })), "{ev:?}");
    assert_eq!(h.position(2, 0), 0);
    let paid: i64 = ev
        .iter()
        .filter_map(|e| match e {
            Event::InsuranceFundPaid { amount, .. } => Some(amount.get()),
            _ => None,
        })
        .sum();
    assert!(paid > 0, "{ev:?}");
    let a = h.engine.account(AccountId(2)).unwrap();
    assert_eq!(a.cash, cross_before, "the cross balance is not paid");
    assert_eq!(a.positions[0].isolated_cash, Quote::ZERO, "the deficit is covered exactly");
    assert_eq!(cash(&h, 0), fund_before - Quote(paid));
}

/// Bug 6: the liquidation queue always took the lowest ids, so accounts that stayed
/// `Continuing` starved a bankrupt account with a higher id. Now the queue is served round
/// robin.
#[test]
fn liquidation_queue_round_robin_reaches_high_ids() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    h.now(deposit(0, 1_000_000));
    h.now(open(500));
    h.now(deposit(500, 10_000_000));
    h.now(oracle(0, 100_000));
    h.now(limit(1, 500, 0, Side::Sell, 100_000, 1_000_000));
    let limit_per_step = h.engine.config().liquidation.accounts_per_step_max;
    let crowd = limit_per_step + 2;
    for a in 2..2 + crowd {
        h.now(open(a));
        h.now(deposit(a, 52));
        let ev = h.now(market(u64::from(a) * 10, a, 0, Side::Buy, 100_000, 100));
        assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    }
    let last = 50_000;
    h.now(open(last));
    h.now(deposit(last, 25));
    let ev = h.now(market(4_000, last, 0, Side::Buy, 100_000, 100));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    h.now(limit(2, 500, 0, Side::Buy, 50_000, 1_000));
    let mut all = h.at(1, oracle(0, 96_000));
    for _ in 0..10 {
        all.extend(h.at(1, Command::Tick));
    }
    assert!(
        all.iter()
            .any(|e| matches!(e, Event::LiquidationStarted { account, .. } if account.0 == last)),
        "the highest id was processed"
    );
}

/// Bug 7: isolated collateral was funded at notional / leverage, ignoring the tier's initial
/// rate, so a large isolated position was below maintenance on arrival.
#[test]
fn isolated_collateral_funded_at_tier_rate() {
    let mut h = Harness::new(cascade_venue::preset("binance-usdm").unwrap());
    for c in [
        open(2),
        deposit(2, 20_000_000),
        open(4),
        deposit(4, 100_000_000),
        oracle(0, 1_000_000),
        iso(2, 0),
        leverage(2, 0, 125),
    ] {
        h.now(c);
    }
    h.now(limit(1, 4, 0, Side::Sell, 1_000_000, 600_000));
    let ev = h.now(limit(2, 2, 0, Side::Buy, 1_000_000, 600_000));
    assert!(ev.iter().any(|e| matches!(e, Event::Fill { .. })), "{ev:?}");
    assert!(!h.engine.below_maintenance(AccountId(2), Some(MarketId(0))), "safe on arrival");
    let p = h.engine.account(AccountId(2)).unwrap().positions[0];
    // $60M at the 4x tier: at least $15M of collateral.
    assert!(p.isolated_cash.get() + 60_000_000_000_000 >= 15_000_000_000_000, "{p:?}");
}

/// Bug 8: a cross account in `BadDebt` was never re-checked once flat: the refilled insurance
/// fund never paid, and the owner's own deposit did not unfreeze it.
#[test]
fn cross_bad_debt_is_settled_when_covered() {
    for owner_pays in [true, false] {
        let mut config = cascade_venue::preset("dydx-v4").unwrap();
        config.liquidation.book.as_mut().unwrap().price_limit = LiquidationPriceLimit::None;
        let mut h = Harness::new(config);
        for c in [open(2), deposit(2, 50), open(4), deposit(4, 1_000_000), oracle(0, 100_000)] {
            h.now(c);
        }
        h.now(limit(1, 4, 0, Side::Sell, 100_000, 90));
        h.now(market(2, 2, 0, Side::Buy, 100_000, 90));
        h.now(limit(3, 4, 0, Side::Buy, 10_000, 100));
        h.at(1, oracle(0, 95_000));
        assert_eq!(h.position(2, 0), 0);
        assert_eq!(h.engine.liquidation_state(AccountId(2), None), LiquidationState::BadDebt);
        assert!(cash(&h, 2).is_negative());
        if owner_pays {
            h.now(deposit(2, 10_000));
        } else {
            h.now(deposit(0, 1_000_000));
        }
        for _ in 0..3 {
            h.at(1, Command::Tick);
        }
        assert_eq!(h.engine.liquidation_state(AccountId(2), None), LiquidationState::Normal);
        assert!(!cash(&h, 2).is_negative());
        if owner_pays {
            let ev =
                h.now(Command::Withdraw { account: AccountId(2), amount: Quote::from_units(1) });
            assert!(accepted(&ev), "{ev:?}");
        }
        let ev = h.now(limit(9, 2, 0, Side::Buy, 90_000, 1));
        assert!(!rejected(&ev, RejectReason::AccountInLiquidation), "{ev:?}");
    }
}

/// Bug 9: a reduce-only order resting behind a regular order on the same side could fill after
/// the regular one closed the position, and open the other side.
#[test]
fn reduce_only_order_never_flips_position() {
    for regular_first in [true, false] {
        let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
        for c in [
            open(2),
            deposit(2, 100_000),
            open(3),
            deposit(3, 100_000),
            open(4),
            deposit(4, 100_000),
            oracle(0, 100_000),
        ] {
            h.now(c);
        }
        h.now(limit(1, 4, 0, Side::Sell, 100_000, 1_000));
        h.now(market(2, 2, 0, Side::Buy, 100_000, 1_000));
        assert_eq!(h.position(2, 0), 1_000);
        if regular_first {
            h.now(limit(10, 2, 0, Side::Sell, 100_050, 1_000));
            let ev = h.now(reduce_only(limit(11, 2, 0, Side::Sell, 100_050, 1_000)));
            assert!(rejected(&ev, RejectReason::ReduceOnlyWouldIncrease), "{ev:?}");
        } else {
            let ev = h.now(reduce_only(limit(11, 2, 0, Side::Sell, 100_050, 1_000)));
            assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
            let ev = h.now(limit(10, 2, 0, Side::Sell, 100_040, 1_000));
            assert!(
                ev.iter().any(|e| matches!(
                    e,
                    Event::OrderCancelled {
                        order: OrderId(11),
                        reason: CancelReason::ReduceOnly,
                        ..
                    }
                )),
                "{ev:?}"
            );
        }
        h.now(market(12, 3, 0, Side::Buy, 100_050, 2_000));
        assert_eq!(h.position(2, 0), 0, "the reduce-only order never opened a short");
    }
}

/// Bug 10: an amend that failed the margin check after the original order was cancelled lost
/// the original: a rejection that changed the state.
#[test]
fn rejected_amend_keeps_original_order() {
    let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
    for c in [open(2), deposit(2, 60), open(3), deposit(3, 100_000), oracle(0, 100_000)] {
        h.now(c);
    }
    h.now(limit(1, 3, 0, Side::Sell, 102_000, 10_000));
    let ev = h.now(limit(5, 2, 0, Side::Buy, 100_000, 1_000));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
    let before = h.engine.state_hash();
    let ev = h.now(Command::AmendOrder {
        account: AccountId(2),
        order: OrderId(5),
        size: Lots(1_000),
        price: Ticks(101_500),
    });
    assert!(rejected(&ev, RejectReason::InsufficientMargin), "{ev:?}");
    assert!(!ev.iter().any(|e| matches!(e, Event::OrderCancelled { .. })), "{ev:?}");
    assert!(h.engine.book(MarketId(0)).unwrap().order(OrderId(5)).is_some());
    assert_eq!(before, h.engine.state_hash(), "a rejected amend changes nothing");
    // An affordable amend still goes through.
    let ev = h.now(Command::AmendOrder {
        account: AccountId(2),
        order: OrderId(5),
        size: Lots(1_000),
        price: Ticks(100_010),
    });
    assert!(accepted(&ev), "{ev:?}");
}

fn dep_micro(a: u32, micro: i64) -> Command {
    Command::Deposit { account: AccountId(a), amount: Quote(micro) }
}

/// Bug 11a: funding on a large position after an extreme (in-range) oracle overflowed `i64`
/// and panicked. The interval rate is now capped so a side's payment stays bounded.
#[test]
fn extreme_oracle_funding_does_not_panic() {
    let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
    for c in [
        open(2),
        deposit(2, 10_000_000),
        open(3),
        deposit(3, 10_000_000),
        open(4),
        deposit(4, 100_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    h.now(limit(1, 3, 0, Side::Sell, 100_000, 30_000_000));
    h.now(market(2, 2, 0, Side::Buy, 100_000, 30_000_000));
    h.now(limit(3, 4, 0, Side::Buy, 99_990, 1_000_000));
    h.now(limit(4, 4, 0, Side::Sell, 100_010, 1_000_000));
    h.now(oracle(0, 1_000_000_000_000));
    let ev = h.at(3_600, Command::Tick);
    assert!(ev.iter().any(|e| matches!(e, Event::FundingPaid { .. })), "funding was paid");
}

/// Bug 11b: two reducing buys at the maximum price credited one seller past `i64::MAX`. Reducing
/// orders are margin-checked now (bug 1), so those buys are rejected and nothing panics.
#[test]
fn reducing_buys_at_max_price_are_rejected_not_overflowed() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        open(2),
        deposit(2, 200_000),
        open(3),
        dep_micro(3, 10_000_000_000_000_000),
        open(5),
        deposit(5, 200_000),
        open(4),
        deposit(4, 10_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    h.now(limit(1, 4, 0, Side::Buy, 100_000, 180_000));
    h.now(market(2, 2, 0, Side::Sell, 100_000, 90_000));
    h.now(market(3, 5, 0, Side::Sell, 100_000, 90_000));
    let ev = h.now(limit(10, 3, 0, Side::Sell, 1_000_000_000_000, 40_000));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
    for (id, buyer) in [(110u64, 2u32), (111, 5)] {
        let ev = h.now(limit(id, buyer, 0, Side::Buy, 1_000_000_000_000, 40_000));
        assert!(rejected(&ev, RejectReason::InsufficientMargin), "{ev:?}");
    }
}

/// Bug 11c: a healthy short whose notional passed `i64::MAX` panicked in the trigger
/// computation. The trigger now falls back to the mark (an early, exact re-check).
#[test]
fn short_trigger_overflow_does_not_panic() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [
        open(2),
        dep_micro(2, 4_000_000_000_000_000_000),
        open(3),
        dep_micro(3, 4_000_000_000_000_000_000),
        oracle(0, 100_000),
        oracle(1, 100_000),
    ] {
        h.now(c);
    }
    h.now(limit(1, 3, 0, Side::Sell, 100_000, 1_000_000));
    h.now(market(2, 2, 0, Side::Buy, 100_000, 1_000_000));
    h.now(limit(3, 2, 1, Side::Sell, 100_000, 1_000_000));
    h.now(market(4, 3, 1, Side::Buy, 100_000, 1_000_000));
    let mut p = 100_000i64;
    while p < 1_000_000_000_000 {
        p = (p + 50_000_000_000).min(1_000_000_000_000);
        for m in [0u16, 1] {
            h.now(oracle(m, p));
        }
        h.now(dep_micro(2, 1));
        h.now(dep_micro(3, 1));
    }
}

/// Bug 11d: a command at a far-future time overflowed the schedule arithmetic (after running
/// every interval in between). Such commands are rejected; due times saturate.
#[test]
fn far_future_timestamp_is_rejected() {
    let mut config = cascade_venue::preset("dydx-v4").unwrap();
    config.mark_interval_ns = 1 << 63;
    config.funding.interval_ns = 1 << 63;
    config.funding.sample_interval_ns = 1 << 63;
    let mut h = Harness::new(config);
    let before = h.engine.state_hash();
    let ev = h.step(cascade_num::TimeNs(u64::MAX), Command::Tick).unwrap();
    assert!(rejected(&ev, RejectReason::ArithmeticOverflow), "{ev:?}");
    assert_eq!(before, h.engine.state_hash());
    let ev = h.step(cascade_num::TimeNs(cascade_engine::limits::CATCH_UP_NS_MAX), Command::Tick);
    assert!(accepted(&ev.unwrap()));
    // Presets: more than the catch-up limit in one command is refused.
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    let at = cascade_num::TimeNs(cascade_engine::limits::CATCH_UP_NS_MAX + 1);
    let ev = h.step(at, Command::Tick).unwrap();
    assert!(rejected(&ev, RejectReason::ArithmeticOverflow), "{ev:?}");
}

/// Bug 12: opening one account with a huge id allocated every slot below it (750 MB). Ids may
/// now run at most `ACCOUNT_ID_GAP_MAX` past the highest allocated slot.
#[test]
fn open_high_account_id_is_rejected() {
    let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
    let before = h.engine.state_hash();
    let ev = h.now(open(15_999_999));
    assert!(rejected(&ev, RejectReason::AccountIdNotAllowed), "{ev:?}");
    assert_eq!(before, h.engine.state_hash());
    let ev = h.now(open(60_000));
    assert!(accepted(&ev), "{ev:?}");
    let ev = h.now(open(120_000));
    assert!(accepted(&ev), "{ev:?}");
}

/// Bug 11b, in general: fills at extreme prices could credit a seller past `i64::MAX`. An order
/// (with the account's resting orders on its side) may no longer bring a balance past
/// `limits::CASH_MAX`.
#[test]
fn order_value_bounded_by_cash_headroom() {
    let mut h = Harness::new(cascade_venue::preset("dydx-v4").unwrap());
    for c in [open(3), dep_micro(3, 1_000_000_000_000_000_000), oracle(0, 1_000_000_000_000)] {
        h.now(c);
    }
    // dYdX BTC: 100 micro per tick-lot; 30,000 lots at 1e12 ticks = 3e18 micro each.
    let ev = h.now(limit(10, 3, 0, Side::Sell, 1_000_000_000_000, 30_000));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderRested { .. })), "{ev:?}");
    let before = h.engine.state_hash();
    let ev = h.now(limit(11, 3, 0, Side::Sell, 1_000_000_000_000, 30_000));
    assert!(rejected(&ev, RejectReason::ArithmeticOverflow), "{ev:?}");
    assert_eq!(before, h.engine.state_hash());
}
