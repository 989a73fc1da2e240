//! Venue administration after the fact — trade rollback, forced settlement at an administered
//! price — and withdrawals against unrealised profit, each through the audited harness.

use cascade_model::{AccountId, Command, Event, MarketId, RejectReason, Side};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use cascade_test_support::harness::{deposit, limit, market, open, oracle, Harness};

fn cash(h: &Harness, a: u32) -> i64 {
    h.engine.account(AccountId(a)).unwrap().total_cash.get()
}

fn rejected(ev: &[Event], why: RejectReason) -> bool {
    ev.iter().any(|e| matches!(e, Event::Rejected { reason, .. } if *reason == why))
}

fn venue(journal: bool) -> Harness {
    let mut config = cascade_venue::preset("dydx-v4").unwrap();
    config.safeguards.trade_rollback = journal;
    let mut h = Harness::new(config);
    for a in 2..=5 {
        h.now(open(a));
        h.now(deposit(a, 1_000_000));
    }
    h.now(oracle(0, 100_000));
    h
}

fn rollback(from_s: u64, to_s: u64, account: Option<u32>) -> Command {
    Command::RollbackTrades {
        market: MarketId(0),
        from: TimeNs(from_s * TimeNs::SECOND),
        to: TimeNs(to_s * TimeNs::SECOND),
        account: account.map(AccountId),
    }
}

/// Trade A at t=1 s (2 buys 10 from 3), trade B at t=2 s (4 buys 5 from 2); `with_a` false
/// leaves trade A out (the world the rollback should restore).
fn trades(with_a: bool) -> Harness {
    let mut h = venue(true);
    if with_a {
        h.at(1, limit(1, 3, 0, Side::Sell, 100_000, 10));
        h.now(market(2, 2, 0, Side::Buy, 110_000, 10));
    } else {
        h.at(1, Command::Tick);
    }
    h.at(1, limit(3, 2, 0, Side::Sell, 101_000, 5));
    h.now(market(4, 4, 0, Side::Buy, 110_000, 5));
    h
}

#[test]
fn rollback_restores_positions_balances_and_fees_as_if_the_trade_never_happened() {
    let control = trades(false);
    let mut h = trades(true);
    assert_eq!(h.position(2, 0), 5);
    let ev = h.at(10, rollback(0, 1, Some(2)));
    let reversed = ev.iter().filter(|e| matches!(e, Event::TradeReversed { .. })).count();
    assert_eq!(reversed, 1, "{ev:?}");
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::SafeguardTriggered { kind: cascade_model::SafeguardKind::TradeRollback, .. }
    )));
    for a in 2..=5 {
        assert_eq!(h.position(a, 0), control.position(a, 0), "position of {a}");
        assert_eq!(cash(&h, a), cash(&control, a), "balance of {a}");
    }
    assert_eq!(h.engine.fee_pool(), control.engine.fee_pool());
    let oi = |h: &Harness| h.engine.market(MarketId(0)).unwrap().long_open_interest;
    assert_eq!(oi(&h), oi(&control));
    // Rolling back the same window again finds nothing left to reverse.
    let ev = h.at(1, rollback(0, 1, None));
    assert!(!ev.iter().any(|e| matches!(e, Event::TradeReversed { .. })), "{ev:?}");
    assert_eq!(h.replay_hash(), h.engine.state_hash());
}

#[test]
fn rollback_without_a_journal_or_with_a_bad_window_is_refused_and_changes_nothing() {
    let mut h = venue(false);
    h.at(1, limit(1, 3, 0, Side::Sell, 100_000, 10));
    h.now(market(2, 2, 0, Side::Buy, 110_000, 10));
    let hash = h.engine.state_hash();
    let ev = h.now(rollback(0, 5, None));
    assert!(rejected(&ev, RejectReason::NoTradeJournal), "{ev:?}");
    assert_eq!(h.engine.state_hash(), hash);
    let mut h = trades(true);
    let hash = h.engine.state_hash();
    let ev = h.now(rollback(5, 1, None));
    assert!(rejected(&ev, RejectReason::TimeWentBackwards), "{ev:?}");
    assert_eq!(h.engine.state_hash(), hash);
}

#[test]
fn settlement_closes_every_position_at_the_administered_price_and_halts() {
    let mut h = venue(false);
    let seed = |account: u32, counterparty: u32, size: i64| Command::SeedPosition {
        account: AccountId(account),
        counterparty: AccountId(counterparty),
        market: MarketId(0),
        size: Lots(size),
        price: Ticks(100_000),
    };
    h.now(seed(2, 3, 10));
    h.now(seed(4, 5, 4));
    h.now(limit(9, 5, 0, Side::Buy, 99_000, 3));
    let before: Vec<i64> = (2..=5).map(|a| cash(&h, a)).collect();
    let price = 80_000;
    let ev = h.at(1, Command::SettleMarket { market: MarketId(0), price: Ticks(price) });
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::SafeguardTriggered { kind: cascade_model::SafeguardKind::ForcedSettlement, .. }
    )));
    assert!(ev.iter().any(|e| matches!(e, Event::OrderCancelled { .. })), "{ev:?}");
    for a in 2..=5 {
        assert_eq!(h.position(a, 0), 0, "account {a} flat");
    }
    let view = h.engine.market(MarketId(0)).unwrap();
    assert_eq!((view.long_open_interest, view.short_open_interest), (Lots(0), Lots(0)));
    // Each side traded its size at the administered price, no fee: longs received the value,
    // shorts paid it.
    let value = |lots: i64| {
        let m = h.engine.market(MarketId(0)).unwrap();
        lots * price * m.quote_per_tick_lot
    };
    assert_eq!(cash(&h, 2) - before[0], value(10));
    assert_eq!(cash(&h, 3) - before[1], -value(10));
    assert_eq!(cash(&h, 4) - before[2], value(4));
    assert_eq!(cash(&h, 5) - before[3], -value(4));
    let ev = h.now(limit(10, 2, 0, Side::Buy, 80_000, 1));
    assert!(rejected(&ev, RejectReason::MarketHalted), "{ev:?}");
    assert_eq!(h.replay_hash(), h.engine.state_hash());
}

#[test]
fn unrealised_profit_is_withdrawable_only_where_the_venue_allows_it() {
    for allowed in [false, true] {
        let mut config = cascade_venue::preset("dydx-v4").unwrap();
        config.safeguards.withdraw_unrealised_profit = allowed;
        let mut h = Harness::new(config);
        for (a, usd) in [(2, 1_000_000), (3, 10_000_000)] {
            h.now(open(a));
            h.now(deposit(a, usd));
        }
        h.now(oracle(0, 100_000));
        h.now(Command::SeedPosition {
            account: AccountId(2),
            counterparty: AccountId(3),
            market: MarketId(0),
            size: Lots(100_000),
            price: Ticks(100_000),
        });
        // The price doubles: account 2 is deep in paper profit; withdraw more than it deposited.
        h.at(1, oracle(0, 200_000));
        h.at(120, Command::Tick);
        let equity = h.engine.account(AccountId(2)).unwrap().equity.get();
        assert!(equity > 1_500_000 * cascade_num::QUOTE_UNIT, "equity {equity}");
        let ev = h.now(Command::Withdraw {
            account: AccountId(2),
            amount: Quote(1_200_000 * cascade_num::QUOTE_UNIT),
        });
        let refused = rejected(&ev, RejectReason::WithdrawalExceedsFree);
        assert_eq!(refused, !allowed, "allowed={allowed}: {ev:?}");
    }
}
