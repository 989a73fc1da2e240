//! Every invalid command is a rejection event with a reason code and leaves the state hash
//! unchanged. One table, one `check` helper.

use cascade_engine::Engine;
use cascade_model::{AccountId, Command, Event, MarketId, OrderId, RejectReason, Side};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use cascade_test_support::harness::{
    deposit, leverage, limit, market, open, oracle, reduce_only, Harness,
};

const T: TimeNs = TimeNs(10 * TimeNs::SECOND);

/// A venue with account 2 funded with $1,000 and a BTC oracle at $100,000; account 3 funded with
/// $1M resting asks and bids around it.
fn venue() -> Harness {
    let mut h = Harness::new(cascade_venue::preset("hyperliquid").unwrap());
    for c in [open(2), deposit(2, 1_000), open(3), deposit(3, 1_000_000), oracle(0, 100_000)] {
        h.now(c);
    }
    h.now(limit(1, 3, 0, Side::Sell, 100_010, 100_000));
    h.now(limit(2, 3, 0, Side::Buy, 99_990, 100_000));
    h.at(10, Command::Tick);
    assert_eq!(h.now, T);
    h
}

fn check(command: Command, expected: RejectReason) {
    let mut h = venue();
    let before = h.engine.state_hash();
    let events = h.step(T, command.clone()).expect("audit");
    assert_eq!(
        events,
        vec![Event::Rejected {
            account: command.account(),
            order: match &command {
                Command::PlaceOrder(o) => Some(o.id),
                Command::CancelOrder { order, .. } | Command::AmendOrder { order, .. } =>
                    Some(*order),
                _ => None,
            },
            reason: expected,
        }],
        "{command:?}"
    );
    assert_eq!(h.engine.state_hash(), before, "state changed on rejected {command:?}");
}

fn with_size(c: Command, size: i64) -> Command {
    match c {
        Command::PlaceOrder(mut o) => {
            o.size = Lots(size);
            Command::PlaceOrder(o)
        }
        c => c,
    }
}

#[test]
fn rejection_table() {
    use RejectReason::*;
    let rows: Vec<(Command, RejectReason)> = vec![
        (open(2), AccountExists),
        (open(0), AccountIdNotAllowed),
        (open(1), AccountIdNotAllowed),
        (deposit(9, 10), UnknownAccount),
        (Command::Deposit { account: AccountId(2), amount: Quote(0) }, NonPositiveAmount),
        (Command::Deposit { account: AccountId(2), amount: Quote(i64::MAX) }, ArithmeticOverflow),
        (Command::Withdraw { account: AccountId(2), amount: Quote(-5) }, NonPositiveAmount),
        (
            Command::Withdraw { account: AccountId(2), amount: Quote::from_units(1_001) },
            WithdrawalExceedsFree,
        ),
        (Command::Withdraw { account: AccountId::INSURANCE_FUND, amount: Quote(1) }, SystemAccount),
        (limit(10, 9, 0, Side::Buy, 99_000, 10), UnknownAccount),
        (limit(10, 2, 7, Side::Buy, 99_000, 10), UnknownMarket),
        (limit(10, 2, 1, Side::Buy, 99_000, 10), NoOraclePrice),
        (with_size(limit(10, 2, 0, Side::Buy, 99_000, 10), 0), NonPositiveSize),
        (with_size(limit(10, 2, 0, Side::Buy, 99_000, 10), -3), NonPositiveSize),
        (limit(10, 2, 0, Side::Buy, 0, 10), NonPositivePrice),
        (limit(10, 2, 0, Side::Buy, 10_000, 1_000), PriceOutOfBand),
        (limit(10, 2, 0, Side::Buy, 99_000, 5), BelowMinimumNotional),
        // $1,000 at 20x supports $20,000: 30,000 lots of $1 is too much.
        (limit(10, 2, 0, Side::Buy, 99_000, 30_000), InsufficientMargin),
        (market(10, 2, 0, Side::Buy, 101_000, 30_000), InsufficientMargin),
        (limit(1, 2, 0, Side::Buy, 99_000, 100), DuplicateOrderId),
        (limit(OrderId::ENGINE_BIT | 5, 2, 0, Side::Buy, 99_000, 100), OrderIdReserved),
        (reduce_only(limit(10, 2, 0, Side::Sell, 101_000, 100)), ReduceOnlyWouldIncrease),
        (Command::CancelOrder { account: AccountId(2), order: OrderId(77) }, UnknownOrder),
        (Command::CancelOrder { account: AccountId(2), order: OrderId(1) }, NotOrderOwner),
        (
            Command::AmendOrder {
                account: AccountId(3),
                order: OrderId(1),
                size: Lots(0),
                price: Ticks(100_010),
            },
            NonPositiveSize,
        ),
        (leverage(2, 0, 41), LeverageOutOfRange),
        (leverage(2, 0, 0), LeverageOutOfRange),
        (
            Command::SetOracle { market: MarketId(0), price: Ticks(0), confidence: None },
            NonPositivePrice,
        ),
        (
            Command::SetOracle { market: MarketId(9), price: Ticks(5), confidence: None },
            UnknownMarket,
        ),
        (
            Command::AdjustIsolatedMargin {
                account: AccountId(2),
                market: MarketId(0),
                amount: Quote(5),
            },
            NotIsolated,
        ),
    ];
    for (command, reason) in rows {
        check(command, reason);
    }
}

#[test]
fn post_only_and_fill_or_kill() {
    use cascade_model::{OrderType, TimeInForce};
    use cascade_test_support::harness::order;
    check(
        order(10, 2, 0, Side::Buy, OrderType::Limit, 100_010, 100, TimeInForce::PostOnly),
        RejectReason::PostOnlyWouldCross,
    );
    check(
        order(10, 2, 0, Side::Buy, OrderType::Limit, 100_010, 100_001, TimeInForce::Fok),
        RejectReason::InsufficientMargin,
    );
    // A FOK larger than the ask: account 3 has the margin but only 100,000 lots rest at 100,010.
    check(
        order(10, 3, 0, Side::Buy, OrderType::Limit, 100_010, 100_001, TimeInForce::Fok),
        RejectReason::FillOrKillUnfillable,
    );
}

#[test]
fn time_cannot_go_backwards() {
    let mut h = venue();
    let before = h.engine.state_hash();
    let events = h.step(TimeNs(T.get() - 1), Command::Tick).unwrap();
    assert!(matches!(
        events[..],
        [Event::Rejected { reason: RejectReason::TimeWentBackwards, .. }]
    ));
    assert_eq!(h.engine.state_hash(), before);
}

#[test]
fn orders_over_the_account_limit_are_refused() {
    let mut config = cascade_venue::preset("hyperliquid").unwrap();
    config.orders_per_account_max = 2;
    let mut engine = Engine::new(config).unwrap();
    let mut out = Vec::new();
    for c in [open(2), deposit(2, 100_000), oracle(0, 100_000)] {
        engine.apply(T, &c, &mut out);
    }
    for id in 1..=3 {
        out.clear();
        engine.apply(T, &limit(id, 2, 0, Side::Buy, 99_000 - id as i64, 100), &mut out);
    }
    assert!(
        matches!(out[..], [Event::Rejected { reason: RejectReason::TooManyOrders, .. }]),
        "{out:?}"
    );
}
