//! Cascade's order book against public Rust order books, replaying one deterministic stream.
//!
//! The stream is `cascade_bench::stream(SEED, 10_000, 1_000_000)`: a warm-up of 10,000 resting
//! limit orders (applied in untimed setup), then one million operations, about 70% resting limit
//! orders near the touch, 20% cancels of live orders and 10% marketable orders priced 50 ticks
//! through the touch. Each book replays the identical operations; criterion times the replay of
//! the measured million (setup is `iter_batched` with `BatchSize::LargeInput`, so building or
//! cloning the warmed-up book is never timed) and reports throughput in operations. After
//! criterion, a summary table gives each book's best of five full replays (std `Instant`) and
//! Cascade's throughput divided by the other book's, with each book's final resting-order count
//! as a sanity check.
//!
//! How each operation is mapped (ids are the stream's own unless said otherwise):
//!
//! - **Cascade** (`cascade_book::Book`): `cascade_bench::apply`, i.e. `submit` with GTC for a
//!   limit, `submit` with IOC at the worst price for a marketable order, `cancel` by id. Cascade
//!   always runs self-trade prevention (none of the other books does here); the stream gives
//!   every order owner `id % 64` and `CancelMaker`, so now and then a marketable order removes a
//!   resting order of its own owner that the other books fill instead, and the books end a little
//!   apart (visible in the resting counts). Cascade also collects a `BookEvent` per fill into a
//!   reused `Vec`. The summary adds a row `cascade, no STP`: the same ops with every order its
//!   own owner, so prevention never fires; it must end in exactly the state all three other books
//!   end in, which checks every mapping below (printed as "Mapping check").
//! - **lobster 0.7** (`lobster::OrderBook::new(20_000, 10, false)`: arena pre-sized like
//!   Cascade's book, stats tracking off): `OrderType::Limit` for a limit; `OrderType::Cancel` by
//!   id. Lobster has no IOC and its `OrderType::Market` has no price limit, so a marketable order
//!   is a `Limit` at the worst price followed, when the result is not `Filled` (a remainder
//!   rested), by a `Cancel` of that id: two calls for one operation. Lobster never removes a
//!   fully filled maker from its id map and never removes an emptied price level, so it carries
//!   that garbage through the run; that is its design, measured as is (so are its `Vec` of fills
//!   allocated per matching call and its SipHash `u128` id map). It has no order-count
//!   API: its resting count below comes from a separate untimed replay that tracks its
//!   `OrderEvent`s (placed, maker fully filled, cancelled).
//! - **matchcore 0.4** (`matchcore::OrderBook::new`, default level capacity): `Submit` of a
//!   `LimitOrder` with `QuantityPolicy::Standard` and `TimeInForce::Gtc` for a limit, the same
//!   with `TimeInForce::Ioc` at the worst price for a marketable order, `Cancel` with
//!   `OrderKind::Limit`. Matchcore requires consecutive sequence numbers (one per command, from 0)
//!   and assigns each order the id of its command's sequence number, so the stream's ids are not
//!   its ids. Because that assignment is deterministic, the matchcore id each cancel names is
//!   computed before timing into a side table read in step with the operations: no id map is
//!   maintained during the run (a live client would need one; that cost is left out). Timestamps
//!   are a constant 0.
//! - **orderbook-rs 0.15** (`orderbook_rs::OrderBook::<()>::with_clock` and its own
//!   deterministic `StubClock`, so no wall-clock read per order; default features, no STP, risk,
//!   fees, listeners or order-state tracking): `add_limit_order` with `TimeInForce::Gtc` for a
//!   limit, `add_limit_order` with `TimeInForce::Ioc` at the worst price for a marketable order
//!   (it returns `Err(InsufficientLiquidity)` when a remainder is dropped; ignored), and
//!   `cancel_order`, with `Id::Sequential(stream id)`. It is built for concurrent access
//!   (skip lists, `DashMap`s, a submit `RwLock`, atomics, a UUID per trade); this is one thread
//!   using it. All orders carry its default user (zero); 64 distinct users were no faster in a trial.
//!
//! One replay takes about two seconds on orderbook-rs and about one on lobster, so criterion may
//! warn that it cannot fit 10 samples in their target time: it then takes one iteration per
//! sample, which is intended (the whole bench is meant to finish in about three minutes).
//!
//! Neither `lobster` nor `orderbook-rs`' book is `Clone`, so their setup replays the warm-up
//! into a fresh book; Cascade's and matchcore's clone a warmed-up book. Setup is untimed either
//! way, and the replayed book is returned from the routine so dropping it is not timed either.
//! Prices and sizes are positive, so converting them to the libraries' unsigned types is exact.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cascade_bench::{apply, stream, Op};
use cascade_book::{Book, BookEvent};
use cascade_model::Side;
use criterion::{BatchSize, Criterion, SamplingMode, Throughput};

/// Stream seed, fixed.
const SEED: u64 = 42;
/// Resting orders the warm-up builds.
const RESTING: usize = 10_000;
/// Measured operations in a benchmark run.
const OPS: usize = 1_000_000;
/// Measured operations when the binary runs as a test (`cargo test --benches`).
const OPS_TEST: usize = 20_000;
/// Full replays per book for the summary table; the best is kept.
const SUMMARY_RUNS: usize = 5;

/// The shared workload, generated once.
struct Workload {
    warmup: Vec<Op>,
    ops: Vec<Op>,
    /// For each measured op: the matchcore order id a cancel names (0 for other ops).
    matchcore_targets: Vec<u64>,
}

impl Workload {
    fn new(n: usize) -> Workload {
        let (warmup, ops) = stream(SEED, RESTING, n);
        // Matchcore numbers commands 0, 1, 2, ... and gives each submitted order the number of
        // its command; one command per op, warm-up first.
        let mut matchcore_id = vec![0u64; ops.len() + warmup.len() + 2];
        let mut matchcore_targets = Vec::with_capacity(ops.len());
        for (seq, op) in warmup.iter().chain(&ops).enumerate() {
            let seq = seq as u64;
            match *op {
                Op::Limit { id, .. } | Op::Marketable { id, .. } => {
                    let id = usize::try_from(id).expect("id fits usize");
                    if id >= matchcore_id.len() {
                        matchcore_id.resize(id + 1, 0);
                    }
                    matchcore_id[id] = seq;
                }
                Op::Cancel { .. } => {}
            }
        }
        for op in &ops {
            matchcore_targets.push(match *op {
                Op::Cancel { id } => matchcore_id[usize::try_from(id).expect("id fits usize")],
                _ => 0,
            });
        }
        Workload { warmup, ops, matchcore_targets }
    }
}

/// One order book under test.
trait Subject {
    /// Name in reports.
    const NAME: &'static str;
    /// The book plus whatever scratch state replaying needs.
    type State;
    /// Something built once from the warm-up that `warmed` can cheaply turn into a fresh state.
    type Prepared;

    fn prepare(w: &Workload) -> Self::Prepared;
    /// A fresh book holding the warm-up's orders (untimed).
    fn warmed(prepared: &Self::Prepared, w: &Workload) -> Self::State;
    /// Replays the measured operations (timed).
    fn replay(state: &mut Self::State, w: &Workload);
    /// Resting orders, best bid and best ask at the end of a replay (untimed sanity check).
    fn report(state: &Self::State, w: &Workload) -> (usize, Option<u64>, Option<u64>);
}

/// Positive `i64` to `u64` (the stream's prices and sizes are positive).
#[inline]
fn unsigned(x: i64) -> u64 {
    debug_assert!(x > 0);
    x as u64
}

// ------------------------------------------------------------------------------------------------
// Cascade

struct Cascade;

impl Subject for Cascade {
    const NAME: &'static str = "cascade";
    type State = (Book, Vec<BookEvent>);
    type Prepared = Book;

    fn prepare(w: &Workload) -> Book {
        let mut book = Book::with_capacity(RESTING * 2);
        let mut events = Vec::new();
        for op in &w.warmup {
            apply(&mut book, op, &mut events);
        }
        book
    }

    fn warmed(prepared: &Book, _: &Workload) -> Self::State {
        (prepared.clone(), Vec::with_capacity(64))
    }

    fn replay((book, events): &mut Self::State, w: &Workload) {
        for op in &w.ops {
            apply(book, op, events);
        }
    }

    fn report((book, _): &Self::State, _: &Workload) -> (usize, Option<u64>, Option<u64>) {
        (
            book.order_count(),
            book.best_bid().map(|(p, _)| unsigned(p.get())),
            book.best_ask().map(|(p, _)| unsigned(p.get())),
        )
    }
}

/// Cascade with every order its own owner, so self-trade prevention never fires: the book then
/// follows the same price-time rules as the other books, and must end in the same state (a check
/// of the mappings), and its speed shows what the owner checks cost. Summary table only.
struct CascadeDistinctOwners;

#[inline]
fn cascade_distinct_apply(book: &mut Book, op: &Op, events: &mut Vec<BookEvent>) {
    use cascade_book::OrderRequest;
    use cascade_model::{OrderId, SelfTradePrevention, TimeInForce};
    use cascade_num::{Lots, Ticks};
    events.clear();
    let (id, side, price, size, time_in_force) = match *op {
        Op::Limit { id, side, price, size } => (id, side, price, size, TimeInForce::Gtc),
        Op::Marketable { id, side, price, size } => (id, side, price, size, TimeInForce::Ioc),
        Op::Cancel { id } => {
            let _ = book.cancel(OrderId(id));
            return;
        }
    };
    let request = OrderRequest {
        id: OrderId(id),
        owner: u32::try_from(id).expect("fewer than 2^32 orders"),
        side,
        price: Ticks(price),
        size: Lots(size),
        time_in_force,
        self_trade: SelfTradePrevention::CancelMaker,
    };
    let _ = book.submit(&request, events);
}

impl Subject for CascadeDistinctOwners {
    const NAME: &'static str = "cascade, no STP";
    type State = (Book, Vec<BookEvent>);
    type Prepared = Book;

    fn prepare(w: &Workload) -> Book {
        let mut book = Book::with_capacity(RESTING * 2);
        let mut events = Vec::new();
        for op in &w.warmup {
            cascade_distinct_apply(&mut book, op, &mut events);
        }
        book
    }

    fn warmed(prepared: &Book, _: &Workload) -> Self::State {
        (prepared.clone(), Vec::with_capacity(64))
    }

    fn replay((book, events): &mut Self::State, w: &Workload) {
        for op in &w.ops {
            cascade_distinct_apply(book, op, events);
        }
    }

    fn report(state: &Self::State, w: &Workload) -> (usize, Option<u64>, Option<u64>) {
        Cascade::report(state, w)
    }
}

// ------------------------------------------------------------------------------------------------
// lobster

struct Lobster;

fn lobster_side(side: Side) -> lobster::Side {
    match side {
        Side::Buy => lobster::Side::Bid,
        Side::Sell => lobster::Side::Ask,
    }
}

/// Applies one op to lobster, passing each resulting event to `seen` (a no-op when timed).
#[inline]
fn lobster_apply(
    book: &mut lobster::OrderBook,
    op: &Op,
    mut seen: impl FnMut(&lobster::OrderEvent),
) {
    use lobster::{OrderEvent, OrderType};
    match *op {
        Op::Limit { id, side, price, size } => {
            let event = book.execute(OrderType::Limit {
                id: u128::from(id),
                side: lobster_side(side),
                qty: unsigned(size),
                price: unsigned(price),
            });
            seen(&event);
        }
        Op::Cancel { id } => {
            let event = book.execute(OrderType::Cancel { id: u128::from(id) });
            seen(&event);
        }
        Op::Marketable { id, side, price, size } => {
            let event = book.execute(OrderType::Limit {
                id: u128::from(id),
                side: lobster_side(side),
                qty: unsigned(size),
                price: unsigned(price),
            });
            let rested = !matches!(event, OrderEvent::Filled { .. });
            seen(&event);
            if rested {
                let event = book.execute(OrderType::Cancel { id: u128::from(id) });
                seen(&event);
            }
        }
    }
}

impl Subject for Lobster {
    const NAME: &'static str = "lobster 0.7";
    type State = lobster::OrderBook;
    type Prepared = ();

    fn prepare(_: &Workload) {}

    fn warmed((): &(), w: &Workload) -> lobster::OrderBook {
        let mut book = lobster::OrderBook::new(RESTING * 2, 10, false);
        for op in &w.warmup {
            lobster_apply(&mut book, op, |_| {});
        }
        book
    }

    fn replay(book: &mut lobster::OrderBook, w: &Workload) {
        for op in &w.ops {
            lobster_apply(book, op, |_| {});
        }
    }

    fn report(book: &lobster::OrderBook, w: &Workload) -> (usize, Option<u64>, Option<u64>) {
        // Lobster cannot count its orders: replay again, following its events.
        use lobster::OrderEvent;
        use std::collections::HashSet;
        let mut live: HashSet<u128> = HashSet::new();
        let mut replica = lobster::OrderBook::new(RESTING * 2, 10, false);
        for op in w.warmup.iter().chain(&w.ops) {
            lobster_apply(&mut replica, op, |event| match event {
                OrderEvent::Placed { id } => {
                    live.insert(*id);
                }
                OrderEvent::Canceled { id } => {
                    live.remove(id);
                }
                OrderEvent::Unfilled { .. } => {}
                OrderEvent::PartiallyFilled { id, fills, .. }
                | OrderEvent::Filled { id, fills, .. } => {
                    for fill in fills.iter().filter(|f| f.total_fill) {
                        live.remove(&fill.order_2);
                    }
                    if matches!(event, OrderEvent::PartiallyFilled { .. }) {
                        live.insert(*id);
                    }
                }
            });
        }
        assert_eq!(
            (replica.max_bid(), replica.min_ask()),
            (book.max_bid(), book.min_ask()),
            "lobster replays deterministically"
        );
        (live.len(), book.max_bid(), book.min_ask())
    }
}

// ------------------------------------------------------------------------------------------------
// matchcore

struct Matchcore;

struct MatchcoreState {
    book: matchcore::OrderBook,
    /// Sequence number of the next command.
    next_seq: u64,
}

fn matchcore_side(side: Side) -> matchcore::Side {
    match side {
        Side::Buy => matchcore::Side::Buy,
        Side::Sell => matchcore::Side::Sell,
    }
}

#[inline]
fn matchcore_apply(state: &mut MatchcoreState, op: &Op, cancel_target: u64) {
    use matchcore::{
        CancelCmd, Command, CommandKind, CommandMeta, LimitOrder, NewOrder, OrderFlags, OrderId,
        OrderKind, Price, Quantity, QuantityPolicy, SequenceNumber, SubmitCmd, TimeInForce,
        Timestamp,
    };
    let limit = |side: Side, price: i64, size: i64, tif: TimeInForce| {
        CommandKind::Submit(SubmitCmd {
            order: NewOrder::Limit(LimitOrder::new(
                Price(unsigned(price)),
                QuantityPolicy::Standard { quantity: Quantity(unsigned(size)) },
                OrderFlags::new(matchcore_side(side), false, tif),
            )),
        })
    };
    let kind = match *op {
        Op::Limit { side, price, size, .. } => limit(side, price, size, TimeInForce::Gtc),
        Op::Marketable { side, price, size, .. } => limit(side, price, size, TimeInForce::Ioc),
        Op::Cancel { .. } => CommandKind::Cancel(CancelCmd {
            order_id: OrderId(cancel_target),
            order_kind: OrderKind::Limit,
        }),
    };
    let meta =
        CommandMeta { sequence_number: SequenceNumber(state.next_seq), timestamp: Timestamp(0) };
    state.next_seq += 1;
    black_box(state.book.execute(&Command { meta, kind }));
}

impl Subject for Matchcore {
    const NAME: &'static str = "matchcore 0.4";
    type State = MatchcoreState;
    type Prepared = MatchcoreState;

    fn prepare(w: &Workload) -> MatchcoreState {
        let mut state = MatchcoreState { book: matchcore::OrderBook::new("BENCH"), next_seq: 0 };
        for op in &w.warmup {
            assert!(!matches!(op, Op::Cancel { .. }), "the warm-up only adds orders");
            matchcore_apply(&mut state, op, 0);
        }
        state
    }

    fn warmed(prepared: &MatchcoreState, _: &Workload) -> MatchcoreState {
        MatchcoreState { book: prepared.book.clone(), next_seq: prepared.next_seq }
    }

    fn replay(state: &mut MatchcoreState, w: &Workload) {
        for (op, &target) in w.ops.iter().zip(&w.matchcore_targets) {
            matchcore_apply(state, op, target);
        }
    }

    fn report(state: &MatchcoreState, _: &Workload) -> (usize, Option<u64>, Option<u64>) {
        assert_eq!(
            state.book.last_sequence_number().map(|s| s.0 + 1),
            Some(state.next_seq),
            "matchcore accepted every command's sequence number"
        );
        (
            state.book.limit().orders().len(),
            state.book.best_bid().map(|(p, _)| p.0),
            state.book.best_ask().map(|(p, _)| p.0),
        )
    }
}

// ------------------------------------------------------------------------------------------------
// orderbook-rs

struct OrderbookRs;

fn orderbook_rs_side(side: Side) -> orderbook_rs::Side {
    match side {
        Side::Buy => orderbook_rs::Side::Buy,
        Side::Sell => orderbook_rs::Side::Sell,
    }
}

#[inline]
fn orderbook_rs_apply(book: &orderbook_rs::OrderBook<()>, op: &Op) {
    use orderbook_rs::{Id, TimeInForce};
    let add = |id: u64, side: Side, price: i64, size: i64, tif: TimeInForce| {
        let result = book.add_limit_order(
            Id::Sequential(id),
            u128::from(unsigned(price)),
            unsigned(size),
            orderbook_rs_side(side),
            tif,
            None,
        );
        black_box(result.is_ok());
    };
    match *op {
        Op::Limit { id, side, price, size } => add(id, side, price, size, TimeInForce::Gtc),
        Op::Marketable { id, side, price, size } => add(id, side, price, size, TimeInForce::Ioc),
        Op::Cancel { id } => {
            black_box(book.cancel_order(Id::Sequential(id)).is_ok());
        }
    }
}

impl Subject for OrderbookRs {
    const NAME: &'static str = "orderbook-rs 0.15";
    type State = orderbook_rs::OrderBook<()>;
    type Prepared = ();

    fn prepare(_: &Workload) {}

    fn warmed((): &(), w: &Workload) -> orderbook_rs::OrderBook<()> {
        let clock: Arc<dyn orderbook_rs::Clock> = Arc::new(orderbook_rs::StubClock::new());
        let book = orderbook_rs::OrderBook::<()>::with_clock("BENCH", clock);
        for op in &w.warmup {
            orderbook_rs_apply(&book, op);
        }
        book
    }

    fn replay(book: &mut orderbook_rs::OrderBook<()>, w: &Workload) {
        for op in &w.ops {
            orderbook_rs_apply(book, op);
        }
    }

    fn report(
        book: &orderbook_rs::OrderBook<()>,
        _: &Workload,
    ) -> (usize, Option<u64>, Option<u64>) {
        let price = |p: Option<u128>| p.map(|p| u64::try_from(p).expect("price fits u64"));
        (book.get_order_locations_arc().len(), price(book.best_bid()), price(book.best_ask()))
    }
}

// ------------------------------------------------------------------------------------------------
// Driver

fn bench_one<S: Subject>(c: &mut Criterion, w: &Workload, measurement: Duration) {
    let prepared = S::prepare(w);
    let mut group = c.benchmark_group("book");
    group.throughput(Throughput::Elements(w.ops.len() as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(measurement);
    group.bench_function(S::NAME, |b| {
        b.iter_batched(
            || S::warmed(&prepared, w),
            |mut state| {
                S::replay(&mut state, w);
                state
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

/// One summary row: best-of-N throughput over the full stream and the sanity numbers.
struct Row {
    name: &'static str,
    ops_per_sec: f64,
    resting: usize,
    bid: Option<u64>,
    ask: Option<u64>,
}

fn summarise<S: Subject>(w: &Workload) -> Row {
    let prepared = S::prepare(w);
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..SUMMARY_RUNS {
        let mut state = S::warmed(&prepared, w);
        let start = Instant::now();
        S::replay(&mut state, w);
        best = best.min(start.elapsed());
        last = Some(state);
    }
    let state = last.expect("at least one run");
    let (resting, bid, ask) = S::report(&state, w);
    Row { name: S::NAME, ops_per_sec: w.ops.len() as f64 / best.as_secs_f64(), resting, bid, ask }
}

fn print_summary(w: &Workload, rows: &[Row]) {
    let show = |p: Option<u64>| p.map_or_else(|| "-".to_string(), |p| p.to_string());
    let cascade = rows[0].ops_per_sec;
    println!();
    println!(
        "Order books on one stream: seed {SEED}, {RESTING} resting orders warmed up, {} measured \
         ops (best of {SUMMARY_RUNS} full replays)",
        w.ops.len()
    );
    println!(
        "{:<18} {:>13} {:>9} {:>15} {:>15} {:>19}",
        "book", "ops/s", "ns/op", "cascade/book", "resting orders", "best bid / ask"
    );
    for row in rows {
        println!(
            "{:<18} {:>13.0} {:>9.1} {:>14.2}x {:>15} {:>19}",
            row.name,
            row.ops_per_sec,
            1e9 / row.ops_per_sec,
            cascade / row.ops_per_sec,
            row.resting,
            format!("{} / {}", show(row.bid), show(row.ask)),
        );
    }
    for row in rows {
        let crossed = row.bid.zip(row.ask).is_some_and(|(b, a)| b >= a);
        let plausible = (RESTING / 4..RESTING * 4).contains(&row.resting) && !crossed;
        if !plausible {
            println!("WARNING: {} ended implausibly (count or crossed book)", row.name);
        }
    }
    // Without self-trade prevention every book follows the same rules: all end alike.
    let end = |row: &Row| (row.resting, row.bid, row.ask);
    let same = rows[1..].iter().all(|row| end(row) == end(&rows[1]));
    println!(
        "Mapping check: every book but STP-enabled cascade ends in the same state: {}",
        if same { "yes" } else { "NO (a mapping is wrong)" }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    // Like criterion: a real run only under `cargo bench` (`--bench`) and not `--test`/`--list`.
    let benchmarking = flag("--bench") && !flag("--test") && !flag("--list");
    let w = Workload::new(if benchmarking { OPS } else { OPS_TEST });

    let mut c = Criterion::default().configure_from_args();
    bench_one::<Cascade>(&mut c, &w, Duration::from_secs(2));
    bench_one::<Matchcore>(&mut c, &w, Duration::from_secs(4));
    bench_one::<OrderbookRs>(&mut c, &w, Duration::from_secs(15));
    bench_one::<Lobster>(&mut c, &w, Duration::from_secs(10));
    c.final_summary();

    if benchmarking {
        let rows = [
            summarise::<Cascade>(&w),
            summarise::<CascadeDistinctOwners>(&w),
            summarise::<Matchcore>(&w),
            summarise::<OrderbookRs>(&w),
            summarise::<Lobster>(&w),
        ];
        print_summary(&w, &rows);
    }
}
