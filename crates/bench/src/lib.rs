//! Shared workloads for Cascade's benchmarks: a deterministic order-book operation stream with a
//! realistic mix (about 70% limit orders near the touch, 20% cancels, 10% marketable orders) on a
//! book held near 10,000 resting orders, so every order book under test replays the same stream.

use cascade_book::{Book, OrderRequest};
use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};

/// One book operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A resting (GTC) limit order that does not cross.
    Limit {
        /// Order id.
        id: u64,
        /// Buy or sell.
        side: Side,
        /// Price in ticks.
        price: i64,
        /// Size in lots.
        size: i64,
    },
    /// Cancel a (usually live) order.
    Cancel {
        /// Order id.
        id: u64,
    },
    /// An immediate-or-cancel order priced through the touch.
    Marketable {
        /// Order id.
        id: u64,
        /// Buy or sell.
        side: Side,
        /// Worst price in ticks.
        price: i64,
        /// Size in lots.
        size: i64,
    },
}

/// SplitMix64: fixed, so the stream is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Centre price of the stream, in ticks.
pub const MID: i64 = 1_000_000;

fn request(op: &Op) -> Option<OrderRequest> {
    let (id, side, price, size, tif) = match *op {
        Op::Limit { id, side, price, size } => (id, side, price, size, TimeInForce::Gtc),
        Op::Marketable { id, side, price, size } => (id, side, price, size, TimeInForce::Ioc),
        Op::Cancel { .. } => return None,
    };
    Some(OrderRequest {
        id: OrderId(id),
        owner: (id % 64) as u32,
        side,
        price: Ticks(price),
        size: Lots(size),
        time_in_force: tif,
        self_trade: SelfTradePrevention::CancelMaker,
    })
}

/// Applies one op to a Cascade book, reusing `events`.
#[inline]
pub fn apply(book: &mut Book, op: &Op, events: &mut Vec<cascade_book::BookEvent>) {
    events.clear();
    match op {
        Op::Cancel { id } => {
            let _ = book.cancel(OrderId(*id));
        }
        _ => {
            let request = request(op).expect("not a cancel");
            let _ = book.submit(&request, events);
        }
    }
}

/// `(warm-up, measured)` operation streams: the warm-up builds a book of `resting` orders around
/// [`MID`]; the measured stream has `n` operations in the 70/20/10 mix. Generated against a
/// Cascade book so cancels name live orders and limit orders stay just behind the touch.
pub fn stream(seed: u64, resting: usize, n: usize) -> (Vec<Op>, Vec<Op>) {
    let mut rng = Rng(seed);
    let mut book = Book::with_capacity(resting * 2);
    let mut events = Vec::new();
    let mut live: Vec<u64> = Vec::with_capacity(resting * 2);
    let mut next_id = 1u64;
    let mut warmup = Vec::with_capacity(resting);
    for _ in 0..resting {
        let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
        let offset = 1 + rng.below(400) as i64;
        let price = match side {
            Side::Buy => MID - offset,
            Side::Sell => MID + offset,
        };
        let op = Op::Limit { id: next_id, side, price, size: 1 + rng.below(100) as i64 };
        next_id += 1;
        apply(&mut book, &op, &mut events);
        live.push(next_id - 1);
        warmup.push(op);
    }
    let mut ops = Vec::with_capacity(n);
    while ops.len() < n {
        let roll = rng.below(100);
        let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
        let op = if roll < 70 || live.is_empty() {
            // Near the touch, never crossing: just behind the best price on its own side.
            let best = match side {
                Side::Buy => book.best_bid().map_or(MID - 1, |(p, _)| p.get()),
                Side::Sell => book.best_ask().map_or(MID + 1, |(p, _)| p.get()),
            };
            let other = match side {
                Side::Buy => book.best_ask().map_or(i64::MAX, |(p, _)| p.get()),
                Side::Sell => book.best_bid().map_or(0, |(p, _)| p.get()),
            };
            let offset = rng.below(20) as i64 - 2;
            let mut price = match side {
                Side::Buy => best - offset,
                Side::Sell => best + offset,
            };
            price = match side {
                Side::Buy => price.min(other - 1),
                Side::Sell => price.max(other + 1),
            };
            let op = Op::Limit { id: next_id, side, price, size: 1 + rng.below(100) as i64 };
            live.push(next_id);
            next_id += 1;
            op
        } else if roll < 90 {
            let i = rng.below(live.len() as u64) as usize;
            let id = live.swap_remove(i);
            Op::Cancel { id }
        } else {
            // Through the touch, about five resting orders' worth.
            let price = match side {
                Side::Buy => book.best_ask().map_or(MID + 50, |(p, _)| p.get() + 50),
                Side::Sell => book.best_bid().map_or(MID - 50, |(p, _)| p.get() - 50),
            };
            let op = Op::Marketable { id: next_id, side, price, size: 150 + rng.below(200) as i64 };
            next_id += 1;
            op
        };
        apply(&mut book, &op, &mut events);
        ops.push(op);
        // Forget ids that filled completely, so cancels keep naming live orders.
        if ops.len() % 1024 == 0 {
            live.retain(|id| book.order(OrderId(*id)).is_some());
        }
    }
    (warmup, ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_holds_the_book_near_its_size_and_mix() {
        let (warmup, ops) = stream(7, 10_000, 200_000);
        assert_eq!(warmup.len(), 10_000);
        let mut book = Book::new();
        let mut events = Vec::new();
        for op in warmup.iter().chain(&ops) {
            apply(&mut book, op, &mut events);
            assert!(book.best_bid().zip(book.best_ask()).is_none_or(|(b, a)| b.0 < a.0));
        }
        let limits = ops.iter().filter(|o| matches!(o, Op::Limit { .. })).count();
        let cancels = ops.iter().filter(|o| matches!(o, Op::Cancel { .. })).count();
        let pct = |n: usize| n * 100 / ops.len();
        assert!(
            (68..=72).contains(&pct(limits)) && (18..=22).contains(&pct(cancels)),
            "{} {}",
            pct(limits),
            pct(cancels)
        );
        assert!(
            (5_000..30_000).contains(&book.order_count()),
            "book drifted to {}",
            book.order_count()
        );
    }
}
