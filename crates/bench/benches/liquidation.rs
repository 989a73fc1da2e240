//! Liquidation at scale: 1,000,000 accounts hold positions; a 20% oracle move must find every
//! liquidatable account (through the trigger-price index, without scanning all accounts) and
//! the pipeline must process 100,000 liquidations into the book.
//!
//! `find`: the move with at most one liquidation processed per step, so the time is the index
//! lookup plus exact re-checks of the crossed accounts. `find_and_liquidate_100k`: the same move
//! with 100,000 accounts processed through the Hyperliquid pipeline (cancel orders, market order
//! into a deep bid, fees, re-index). The mark rule is the oracle, so the move is a 20% mark move.

use std::hint::black_box;

use cascade_engine::Engine;
use cascade_model::{
    AccountId, Command, Event, MarketId, NewOrder, OrderId, OrderType, SelfTradePrevention, Side,
    TimeInForce,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const ACCOUNTS: u32 = 1_000_000;
/// Every tenth account is levered 15x and is liquidated by a 20% drop; the rest hold 2x.
const RISKY_EVERY: u32 = 10;
const PRICE: i64 = 100_000;

fn order(id: u64, account: u32, side: Side, price: i64, size: i64, tif: TimeInForce) -> Command {
    Command::PlaceOrder(NewOrder {
        id: OrderId(id),
        account: AccountId(account),
        market: MarketId(0),
        side,
        order_type: OrderType::Limit,
        price: Ticks(price),
        size: Lots(size),
        time_in_force: tif,
        reduce_only: false,
        self_trade: SelfTradePrevention::CancelMaker,
    })
}

fn setup(per_step: u32) -> Engine {
    let mut config = cascade_venue::preset("hyperliquid").expect("preset");
    config.liquidation.accounts_per_step_max = per_step;
    // Mark = oracle, so the 20% oracle move is a 20% mark move (Hyperliquid's rule would hold the
    // mark near the untouched book); the rest of the Hyperliquid pipeline is unchanged.
    config.mark = cascade_model::MarkRule::Oracle;
    let mut engine = Engine::new(config).expect("venue");
    let mut out = Vec::new();
    let at = TimeNs(1_000_000_000);
    let mut apply = |engine: &mut Engine, c: Command| {
        out.clear();
        engine.apply(at, &c, &mut out);
    };
    apply(
        &mut engine,
        Command::SetOracle { market: MarketId(0), price: Ticks(PRICE), confidence: None },
    );
    // A maker with a huge ask for the longs to buy from, and a deep bid 30% below for liquidations.
    let maker = 2;
    apply(&mut engine, Command::OpenAccount { account: AccountId(maker) });
    apply(
        &mut engine,
        Command::Deposit { account: AccountId(maker), amount: Quote::from_units(5_000_000_000) },
    );
    apply(&mut engine, order(1, maker, Side::Sell, PRICE, 4_000_000_000, TimeInForce::Gtc));
    let mut id = 10;
    for i in 0..ACCOUNTS {
        let account = 3 + i;
        apply(&mut engine, Command::OpenAccount { account: AccountId(account) });
        apply(
            &mut engine,
            Command::Deposit { account: AccountId(account), amount: Quote::from_units(1_000) },
        );
        // BTC-PERP: one lot is $1 at 100,000 ticks. Risky accounts hold $15,000, the rest $2,000.
        let size = if i % RISKY_EVERY == 0 { 15_000 } else { 2_000 };
        id += 1;
        apply(&mut engine, order(id, account, Side::Buy, PRICE, size, TimeInForce::Ioc));
    }
    apply(&mut engine, order(2, maker, Side::Buy, PRICE * 7 / 10, 2_000_000_000, TimeInForce::Gtc));
    engine
}

fn bench(c: &mut Criterion) {
    let move_20 =
        Command::SetOracle { market: MarketId(0), price: Ticks(PRICE * 8 / 10), confidence: None };
    let at = TimeNs(1_000_000_000);
    let mut group = c.benchmark_group("liquidation");
    group.sample_size(10);
    let engine = setup(1);
    group.bench_function("find_1m_accounts_20pct_move", |b| {
        b.iter_batched(
            || (engine.clone(), Vec::new()),
            |(mut engine, mut out)| {
                engine.apply(at, &move_20, &mut out);
                black_box(out.len())
            },
            BatchSize::PerIteration,
        );
    });
    drop(engine);
    let engine = setup(100_000);
    {
        // Not timed: check the step really liquidates 100,000 accounts.
        let (mut probe, mut out) = (engine.clone(), Vec::new());
        probe.apply(at, &move_20, &mut out);
        let started = out.iter().filter(|e| matches!(e, Event::LiquidationStarted { .. })).count();
        let ended = out.iter().filter(|e| matches!(e, Event::LiquidationEnded { .. })).count();
        println!(
            "one step after a 20% move: {started} liquidations started, {ended} ended, {} events",
            out.len()
        );
        assert!(started >= 100_000, "expected 100,000 liquidations, got {started}");
    }
    group.bench_function("find_and_liquidate_100k", |b| {
        b.iter_batched(
            || (engine.clone(), Vec::new()),
            |(mut engine, mut out)| {
                engine.apply(at, &move_20, &mut out);
                black_box(out.len())
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
