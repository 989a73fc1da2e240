//! The engine's full order path — validation, margin pre-check, matching, settlement of fills
//! (cash, fees, positions, open interest), liquidation re-indexing — on 10,000 accounts, replaying
//! the book benchmark's 70/20/10 operation stream as engine commands.

use std::hint::black_box;

use cascade_bench::{stream, Op};
use cascade_engine::Engine;
use cascade_model::{
    AccountId, Command, MarketId, NewOrder, OrderId, OrderType, SelfTradePrevention, Side,
    TimeInForce,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const ACCOUNTS: u64 = 10_000;
const AT: TimeNs = TimeNs(1_000_000_000);

fn account_of(id: u64) -> AccountId {
    AccountId(2 + (id % ACCOUNTS) as u32)
}

fn command(op: &Op) -> Command {
    let order = |id: u64, side: Side, price: i64, size: i64, tif: TimeInForce| {
        Command::PlaceOrder(NewOrder {
            id: OrderId(id),
            account: account_of(id),
            market: MarketId(0),
            side,
            order_type: OrderType::Limit,
            price: Ticks(price),
            size: Lots(size),
            time_in_force: tif,
            reduce_only: false,
            self_trade: SelfTradePrevention::CancelMaker,
        })
    };
    match *op {
        Op::Limit { id, side, price, size } => order(id, side, price, size, TimeInForce::Gtc),
        Op::Marketable { id, side, price, size } => order(id, side, price, size, TimeInForce::Ioc),
        Op::Cancel { id } => Command::CancelOrder { account: account_of(id), order: OrderId(id) },
    }
}

/// A Hyperliquid-preset venue with 10,000 funded accounts, the BTC oracle at the stream's centre
/// and the warm-up orders resting; plus the measured commands.
fn setup(n: usize) -> (Engine, Vec<Command>) {
    let mut engine =
        Engine::new(cascade_venue::preset("hyperliquid").expect("preset")).expect("venue");
    let mut out = Vec::new();
    engine.apply(
        AT,
        &Command::SetOracle {
            market: MarketId(0),
            price: Ticks(cascade_bench::MID),
            confidence: None,
        },
        &mut out,
    );
    for i in 0..ACCOUNTS {
        let account = AccountId(2 + i as u32);
        engine.apply(AT, &Command::OpenAccount { account }, &mut out);
        engine.apply(
            AT,
            &Command::Deposit { account, amount: Quote::from_units(10_000_000) },
            &mut out,
        );
    }
    let (warmup, ops) = stream(42, 10_000, n);
    for op in &warmup {
        out.clear();
        engine.apply(AT, &command(op), &mut out);
    }
    (engine, ops.iter().map(command).collect())
}

fn bench(c: &mut Criterion) {
    let n = 200_000;
    let (engine, commands) = setup(n);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.bench_function("order_path_10k_accounts", |b| {
        b.iter_batched(
            || (engine.clone(), Vec::with_capacity(64)),
            |(mut engine, mut out)| {
                for c in &commands {
                    out.clear();
                    engine.apply(AT, c, &mut out);
                }
                black_box(engine.fee_pool())
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
