//! The order book data structure and its matching loop.

use std::collections::HashMap;

use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};

use crate::hash::IdBuildHasher;

const NIL: u32 = u32::MAX;

/// An order as the book sees it. The engine has already checked margin, bands and sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    /// Unique among live orders.
    pub id: OrderId,
    /// Opaque owner tag, compared for self-trade prevention only.
    pub owner: u32,
    /// Buy or sell.
    pub side: Side,
    /// Limit price (for market orders, the worst acceptable price).
    pub price: Ticks,
    /// Size, positive.
    pub size: Lots,
    /// Time in force; market orders arrive as IOC or FOK.
    pub time_in_force: TimeInForce,
    /// Self-trade prevention mode.
    pub self_trade: SelfTradePrevention,
}

/// Something that happened to a resting order while an incoming order matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookEvent {
    /// A trade against a resting order, at the resting order's price.
    Fill {
        /// The resting order.
        maker: OrderId,
        /// Its owner.
        maker_owner: u32,
        /// Trade price.
        price: Ticks,
        /// Trade size.
        size: Lots,
        /// What is left of the resting order (zero: it left the book).
        maker_remaining: Lots,
    },
    /// A resting order removed by self-trade prevention.
    MakerCancelled {
        /// The resting order.
        maker: OrderId,
        /// Its owner.
        owner: u32,
        /// Size it had left.
        remaining: Lots,
    },
    /// A resting order reduced by self-trade prevention (decrement both).
    MakerReduced {
        /// The resting order.
        maker: OrderId,
        /// Its owner.
        owner: u32,
        /// Size removed from it.
        cut: Lots,
        /// New remaining size.
        remaining: Lots,
    },
}

/// What became of an incoming order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Submitted {
    /// Size traded.
    pub filled: Lots,
    /// Size that joined the book.
    pub rested: Lots,
    /// Size cancelled without trading (IOC remainder, self-trade prevention, stop).
    pub cancelled: Lots,
    /// True if self-trade prevention cut the incoming order short.
    pub self_trade: bool,
}

/// Why the book refused an order or request. The book is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookReject {
    /// A live order has this id.
    DuplicateId,
    /// A post-only order would cross.
    PostOnlyWouldCross,
    /// A fill-or-kill order cannot fill completely.
    FillOrKillUnfillable,
    /// No live order has this id.
    UnknownOrder,
}

/// A resting order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// Id.
    pub id: OrderId,
    /// Owner tag.
    pub owner: u32,
    /// Side.
    pub side: Side,
    /// Price.
    pub price: Ticks,
    /// Remaining size.
    pub size: Lots,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    id: u64,
    size: i64,
    price: i64,
    prev: u32,
    next: u32,
    owner: u32,
    side: Side,
}

/// One price level: a FIFO list of orders through the slab.
#[derive(Clone, Copy, Debug)]
struct Level {
    /// `price` for bids, `-price` for asks: larger keys are better on both sides.
    key: i64,
    size: i64,
    head: u32,
    tail: u32,
}

/// One side of the book, levels sorted by key ascending: the best level is last.
#[derive(Clone, Debug, Default)]
struct Ladder {
    levels: Vec<Level>,
}

/// How many levels from the touch a lookup scans before switching to binary search.
const SCAN_LEVELS_MAX: usize = 8;

impl Ladder {
    /// `Ok(index)` of the level with this key, or `Err(insertion index)`.
    #[inline]
    fn find(&self, key: i64) -> Result<usize, usize> {
        let levels = &self.levels;
        let mut i = levels.len();
        let stop = i.saturating_sub(SCAN_LEVELS_MAX);
        // Bounded by: SCAN_LEVELS_MAX iterations.
        while i > stop {
            let k = levels[i - 1].key;
            if k == key {
                return Ok(i - 1);
            }
            if k < key {
                return Err(i);
            }
            i -= 1;
        }
        if i == 0 {
            return Err(0);
        }
        levels[..i].binary_search_by(|l| l.key.cmp(&key))
    }
}

#[inline]
fn key_of(side: Side, price: i64) -> i64 {
    match side {
        Side::Buy => price,
        Side::Sell => -price,
    }
}

#[inline]
fn price_of(side: Side, key: i64) -> i64 {
    match side {
        Side::Buy => key,
        Side::Sell => -key,
    }
}

/// An L3 order book for one market.
#[derive(Clone, Debug, Default)]
pub struct Book {
    bids: Ladder,
    asks: Ladder,
    nodes: Vec<Node>,
    free: Vec<u32>,
    index: HashMap<u64, u32, IdBuildHasher>,
    last_trade: Option<Ticks>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Book {
        Book::default()
    }

    /// An empty book with room for `orders` resting orders before reallocating.
    pub fn with_capacity(orders: usize) -> Book {
        let mut index = HashMap::with_hasher(IdBuildHasher::default());
        index.reserve(orders);
        Book { nodes: Vec::with_capacity(orders), index, ..Book::default() }
    }

    /// Matches an incoming order and rests what the time in force allows; every resting-order
    /// event goes to `sink`. See [`Book::submit_with`] for a sink that can stop matching.
    ///
    /// # Errors
    /// Duplicate id, post-only crossing, or fill-or-kill not fillable; the book is unchanged.
    pub fn submit(
        &mut self,
        order: &OrderRequest,
        events: &mut Vec<BookEvent>,
    ) -> Result<Submitted, BookReject> {
        self.submit_with(order, |event| {
            events.push(event);
            true
        })
    }

    /// Like [`Book::submit`], but `sink` returns `false` to stop matching after an event; the
    /// unmatched rest of the order is then cancelled, whatever its time in force.
    ///
    /// # Errors
    /// Duplicate id, post-only crossing, or fill-or-kill not fillable; the book is unchanged.
    pub fn submit_with<F: FnMut(BookEvent) -> bool>(
        &mut self,
        order: &OrderRequest,
        mut sink: F,
    ) -> Result<Submitted, BookReject> {
        assert!(order.size.get() > 0, "Invariant: the engine submits positive sizes");
        assert!(order.price.get() > 0, "Invariant: the engine submits positive prices");
        if self.index.contains_key(&order.id.0) {
            return Err(BookReject::DuplicateId);
        }
        // The opposite side crosses when its key is at least this threshold.
        let threshold = -key_of(order.side, order.price.get());
        match order.time_in_force {
            TimeInForce::PostOnly => {
                if self.opposite(order.side).levels.last().is_some_and(|l| l.key >= threshold) {
                    return Err(BookReject::PostOnlyWouldCross);
                }
            }
            TimeInForce::Fok => {
                if !self.fok_fillable(order, threshold) {
                    return Err(BookReject::FillOrKillUnfillable);
                }
            }
            TimeInForce::Gtc | TimeInForce::Ioc => {}
        }
        let mut result = Submitted::default();
        let (remaining, stopped) = self.match_incoming(order, threshold, &mut result, &mut sink);
        if remaining > 0 {
            let rests = matches!(order.time_in_force, TimeInForce::Gtc | TimeInForce::PostOnly);
            if rests && !stopped && !result.self_trade {
                self.rest(order.id.0, order.owner, order.side, order.price.get(), remaining);
                result.rested = Lots(remaining);
            } else {
                result.cancelled += Lots(remaining);
            }
        }
        Ok(result)
    }

    /// The matching loop. Returns the unmatched size and whether the sink asked to stop.
    fn match_incoming<F: FnMut(BookEvent) -> bool>(
        &mut self,
        order: &OrderRequest,
        threshold: i64,
        result: &mut Submitted,
        sink: &mut F,
    ) -> (i64, bool) {
        let maker_side = order.side.opposite();
        let mut remaining = order.size.get();
        let ladder = match order.side {
            Side::Buy => &mut self.asks,
            Side::Sell => &mut self.bids,
        };
        let nodes = &mut self.nodes;
        let free = &mut self.free;
        let index = &mut self.index;
        // Bounded by: each iteration consumes or removes at least one resting order, or exits.
        while remaining > 0 {
            let Some(level) = ladder.levels.last_mut() else { break };
            if level.key < threshold {
                break;
            }
            let price = price_of(maker_side, level.key);
            let mut slot = level.head;
            let mut stop = false;
            while remaining > 0 && slot != NIL {
                let node = &mut nodes[slot as usize];
                let next = node.next;
                if node.owner == order.owner {
                    match order.self_trade {
                        SelfTradePrevention::CancelTaker => {
                            result.self_trade = true;
                            result.cancelled += Lots(remaining);
                            remaining = 0;
                            break;
                        }
                        SelfTradePrevention::CancelMaker => {
                            let event = BookEvent::MakerCancelled {
                                maker: OrderId(node.id),
                                owner: node.owner,
                                remaining: Lots(node.size),
                            };
                            level.size -= node.size;
                            index.remove(&node.id);
                            free.push(slot);
                            level.head = next;
                            slot = next;
                            if !sink(event) {
                                stop = true;
                                break;
                            }
                            continue;
                        }
                        SelfTradePrevention::DecrementBoth => {
                            let cut = remaining.min(node.size);
                            node.size -= cut;
                            level.size -= cut;
                            remaining -= cut;
                            result.cancelled += Lots(cut);
                            let (maker, owner, left) = (OrderId(node.id), node.owner, node.size);
                            let event = if left == 0 {
                                index.remove(&maker.0);
                                free.push(slot);
                                level.head = next;
                                slot = next;
                                BookEvent::MakerCancelled { maker, owner, remaining: Lots(cut) }
                            } else {
                                BookEvent::MakerReduced {
                                    maker,
                                    owner,
                                    cut: Lots(cut),
                                    remaining: Lots(left),
                                }
                            };
                            if remaining == 0 {
                                result.self_trade = true;
                            }
                            if !sink(event) {
                                stop = true;
                                break;
                            }
                            continue;
                        }
                    }
                }
                let traded = remaining.min(node.size);
                node.size -= traded;
                level.size -= traded;
                remaining -= traded;
                result.filled += Lots(traded);
                let event = BookEvent::Fill {
                    maker: OrderId(node.id),
                    maker_owner: node.owner,
                    price: Ticks(price),
                    size: Lots(traded),
                    maker_remaining: Lots(node.size),
                };
                if node.size == 0 {
                    index.remove(&node.id);
                    free.push(slot);
                    level.head = next;
                    slot = next;
                }
                self.last_trade = Some(Ticks(price));
                if !sink(event) {
                    stop = true;
                    break;
                }
            }
            if level.head == NIL {
                ladder.levels.pop();
            } else {
                nodes[level.head as usize].prev = NIL;
            }
            if stop {
                return (remaining, true);
            }
            if result.self_trade {
                break;
            }
        }
        (remaining, false)
    }

    fn fok_fillable(&self, order: &OrderRequest, threshold: i64) -> bool {
        let mut need = order.size.get();
        for level in self.opposite(order.side).levels.iter().rev() {
            if level.key < threshold {
                return false;
            }
            let mut slot = level.head;
            // Bounded by: the number of orders on the level.
            while slot != NIL {
                let node = &self.nodes[slot as usize];
                if node.owner == order.owner {
                    if order.self_trade != SelfTradePrevention::CancelMaker {
                        return false;
                    }
                } else {
                    need -= need.min(node.size);
                    if need == 0 {
                        return true;
                    }
                }
                slot = node.next;
            }
        }
        false
    }

    fn rest(&mut self, id: u64, owner: u32, side: Side, price: i64, size: i64) {
        let key = key_of(side, price);
        let node = Node { id, size, price, prev: NIL, next: NIL, owner, side };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                let slot = u32::try_from(self.nodes.len()).expect("fewer than 2^32 resting orders");
                assert!(slot != NIL, "slab exhausted");
                self.nodes.push(node);
                slot
            }
        };
        self.index.insert(id, slot);
        let ladder = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        match ladder.find(key) {
            Ok(i) => {
                let level = &mut ladder.levels[i];
                let tail = level.tail;
                self.nodes[tail as usize].next = slot;
                self.nodes[slot as usize].prev = tail;
                level.tail = slot;
                level.size += size;
            }
            Err(i) => {
                ladder.levels.insert(i, Level { key, size, head: slot, tail: slot });
            }
        }
    }

    /// Removes a resting order.
    ///
    /// # Errors
    /// [`BookReject::UnknownOrder`] if no live order has the id.
    pub fn cancel(&mut self, id: OrderId) -> Result<OrderView, BookReject> {
        let slot = self.index.remove(&id.0).ok_or(BookReject::UnknownOrder)?;
        let node = self.nodes[slot as usize];
        let ladder = match node.side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let i = ladder
            .find(key_of(node.side, node.price))
            .expect("Invariant: a live order's level exists");
        let level = &mut ladder.levels[i];
        level.size -= node.size;
        if node.prev == NIL {
            level.head = node.next;
        } else {
            self.nodes[node.prev as usize].next = node.next;
        }
        if node.next == NIL {
            level.tail = node.prev;
        } else {
            self.nodes[node.next as usize].prev = node.prev;
        }
        if level.head == NIL {
            ladder.levels.remove(i);
        }
        self.free.push(slot);
        Ok(OrderView {
            id,
            owner: node.owner,
            side: node.side,
            price: Ticks(node.price),
            size: Lots(node.size),
        })
    }

    /// Reduces a resting order's size in place; it keeps its queue position.
    ///
    /// # Errors
    /// [`BookReject::UnknownOrder`] if no live order has the id.
    ///
    /// # Panics
    /// If `size` is not in `1..=current size` (the engine checks first).
    pub fn reduce(&mut self, id: OrderId, size: Lots) -> Result<OrderView, BookReject> {
        let &slot = self.index.get(&id.0).ok_or(BookReject::UnknownOrder)?;
        let node = &mut self.nodes[slot as usize];
        assert!(
            size.get() > 0 && size.get() <= node.size,
            "Invariant: reduce keeps 0 < size <= current"
        );
        let cut = node.size - size.get();
        node.size = size.get();
        let (side, price) = (node.side, node.price);
        let ladder = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let i = ladder.find(key_of(side, price)).expect("Invariant: a live order's level exists");
        ladder.levels[i].size -= cut;
        Ok(self.view(slot))
    }

    fn view(&self, slot: u32) -> OrderView {
        let n = &self.nodes[slot as usize];
        OrderView {
            id: OrderId(n.id),
            owner: n.owner,
            side: n.side,
            price: Ticks(n.price),
            size: Lots(n.size),
        }
    }

    fn opposite(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.asks,
            Side::Sell => &self.bids,
        }
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// A live order, if any.
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        self.index.get(&id.0).map(|&slot| self.view(slot))
    }

    /// Number of live orders.
    pub fn order_count(&self) -> usize {
        self.index.len()
    }

    /// Number of price levels on a side.
    pub fn level_count(&self, side: Side) -> usize {
        self.ladder(side).levels.len()
    }

    /// Best bid price and total size there.
    pub fn best_bid(&self) -> Option<(Ticks, Lots)> {
        self.bids.levels.last().map(|l| (Ticks(l.key), Lots(l.size)))
    }

    /// Best ask price and total size there.
    pub fn best_ask(&self) -> Option<(Ticks, Lots)> {
        self.asks.levels.last().map(|l| (Ticks(-l.key), Lots(l.size)))
    }

    /// Price of the last trade.
    pub fn last_trade(&self) -> Option<Ticks> {
        self.last_trade
    }

    /// Aggregated levels of one side from the best outward: `(price, total size)`.
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Ticks, Lots)> + '_ {
        self.ladder(side)
            .levels
            .iter()
            .rev()
            .map(move |l| (Ticks(price_of(side, l.key)), Lots(l.size)))
    }

    /// L2 depth: up to `n` levels of a side.
    pub fn depth(&self, side: Side, n: usize) -> Vec<(Ticks, Lots)> {
        self.levels(side).take(n).collect()
    }

    /// Total size and Σ price × size on one side at prices no worse than `limit`
    /// (bids at or above, asks at or below).
    pub fn depth_to(&self, side: Side, limit: Ticks) -> (Lots, i128) {
        let mut size = 0i64;
        let mut value = 0i128;
        for (price, lots) in self.levels(side) {
            let inside = match side {
                Side::Buy => price >= limit,
                Side::Sell => price <= limit,
            };
            if !inside {
                break;
            }
            size += lots.get();
            value += i128::from(price.get()) * i128::from(lots.get());
        }
        (Lots(size), value)
    }

    /// Resting size within `bps` basis points of the mid price on each side: `(bid lots, ask
    /// lots)`. The band edges round toward the mid (a level exactly on the edge counts).
    /// Zero on both sides when either side is empty (there is no mid).
    pub fn depth_within_bps(&self, bps: i64) -> (Lots, Lots) {
        let (Some((bid, _)), Some((ask, _))) = (self.best_bid(), self.best_ask()) else {
            return (Lots::ZERO, Lots::ZERO);
        };
        // mid × bps / 10,000 with mid = (bid + ask) / 2, kept exact: (bid + ask) × bps / 20,000.
        let sum = i128::from(bid.get()) + i128::from(ask.get());
        let half_width = sum * i128::from(bps) / 20_000;
        let low = (sum + 1) / 2 - half_width;
        let high = sum / 2 + half_width;
        let low = Ticks(i64::try_from(low).unwrap_or(i64::MIN));
        let high = Ticks(i64::try_from(high).unwrap_or(i64::MAX));
        (self.depth_to(Side::Buy, low).0, self.depth_to(Side::Sell, high).0)
    }

    /// What a market order taking `side`'s liquidity would pay for `target` of notional, measured
    /// in tick-lots (price ticks × lots): returns `(Σ price × size, size)` of the fills, the last
    /// level rounded up to whole lots. None if the side cannot supply the target.
    pub fn impact(&self, side: Side, target: i128) -> Option<(i128, i64)> {
        assert!(target > 0, "Invariant: impact notional is positive");
        let mut value = 0i128;
        let mut size = 0i64;
        for (price, lots) in self.levels(side) {
            let p = i128::from(price.get());
            let level_value = p * i128::from(lots.get());
            if value + level_value >= target {
                let need = target - value;
                // Round the last level's size up: the impact price must not look better.
                let take = (need + p - 1) / p;
                let take = i64::try_from(take).expect("take <= level size");
                return Some((value + p * i128::from(take), size + take));
            }
            value += level_value;
            size += lots.get();
        }
        None
    }

    /// Resting orders of one side in priority order (best level first, FIFO within it).
    pub fn orders(&self, side: Side) -> impl Iterator<Item = OrderView> + '_ {
        self.ladder(side).levels.iter().rev().flat_map(move |level| {
            let mut slot = level.head;
            std::iter::from_fn(move || {
                if slot == NIL {
                    return None;
                }
                let view = self.view(slot);
                slot = self.nodes[slot as usize].next;
                Some(view)
            })
        })
    }

    /// Verifies the structural invariants; for tests and audits (O(orders)).
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut seen = 0usize;
        for side in [Side::Buy, Side::Sell] {
            let ladder = self.ladder(side);
            for pair in ladder.levels.windows(2) {
                if pair[0].key >= pair[1].key {
                    return Err(format!("{side:?} levels not strictly ordered"));
                }
            }
            for level in &ladder.levels {
                let mut slot = level.head;
                let mut prev = NIL;
                let mut sum = 0i64;
                while slot != NIL {
                    let n = &self.nodes[slot as usize];
                    if n.prev != prev {
                        return Err(format!("order {} has a broken back link", n.id));
                    }
                    if n.size <= 0 || n.side != side || key_of(side, n.price) != level.key {
                        return Err(format!("order {} misplaced or empty", n.id));
                    }
                    if self.index.get(&n.id) != Some(&slot) {
                        return Err(format!("order {} missing from the index", n.id));
                    }
                    sum += n.size;
                    seen += 1;
                    prev = slot;
                    slot = n.next;
                }
                if prev != level.tail || level.head == NIL {
                    return Err(format!("level {} has a wrong tail or is empty", level.key));
                }
                if sum != level.size {
                    return Err(format!("level {} size {} != sum {sum}", level.key, level.size));
                }
            }
        }
        if seen != self.index.len() {
            return Err(format!("index holds {} orders, levels {seen}", self.index.len()));
        }
        if let (Some((bid, _)), Some((ask, _))) = (self.best_bid(), self.best_ask()) {
            if bid >= ask {
                return Err(format!("book crossed at rest: bid {bid} >= ask {ask}"));
            }
        }
        Ok(())
    }
}
