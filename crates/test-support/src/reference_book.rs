//! A deliberately naive reference order book, the oracle for `cascade_book::Book` property tests.
//!
//! Nothing here is fast and nothing is clever: each side is one `Vec` of orders kept sorted by
//! (price priority, arrival sequence), so the best order is always at index 0. Matching looks at
//! the front order, trades or applies self-trade prevention, and repeats. Fill-or-kill is decided
//! by running the order on a clone and checking that it filled completely, rather than by a
//! separate feasibility scan, so the two books reach that answer by different routes.
//!
//! Semantics (the same as the real book's):
//! - fills happen at the resting order's price, best price first, FIFO within a price;
//! - GTC rests its unfilled rest, IOC cancels it, FOK fills completely or is rejected untouched,
//!   post-only is rejected if anything on the other side crosses its price;
//! - self-trade prevention when the front crossing order has the incoming order's owner:
//!   `CancelMaker` cancels that resting order and keeps matching; `CancelTaker` cancels the rest
//!   of the incoming order and stops; `DecrementBoth` reduces both by the smaller size without a
//!   trade, cancels whichever reaches zero, and stops if the incoming order reached zero;
//! - an optional event budget models a sink that stops matching: once that many events have been
//!   reported, the unmatched rest is cancelled whatever the time in force;
//! - reduce keeps the order's place in the queue; cancel removes it.

use cascade_book::{BookEvent, BookReject, OrderRequest, OrderView, Submitted};
use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};

use crate::strategies::{BookCommand, Outcome};

/// A resting order with its arrival number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Resting {
    id: OrderId,
    owner: u32,
    side: Side,
    price: Ticks,
    size: Lots,
    arrival: u64,
}

impl Resting {
    fn view(&self) -> OrderView {
        OrderView {
            id: self.id,
            owner: self.owner,
            side: self.side,
            price: self.price,
            size: self.size,
        }
    }
}

/// The reference book. See the module documentation for its rules.
#[derive(Clone, Debug, Default)]
pub struct ReferenceBook {
    /// Best (highest price) first, then earliest arrival.
    bids: Vec<Resting>,
    /// Best (lowest price) first, then earliest arrival.
    asks: Vec<Resting>,
    next_arrival: u64,
    last_trade: Option<Ticks>,
}

/// True if a resting order at `resting_price` trades with an incoming `side` order limited at
/// `limit`.
fn crosses(side: Side, limit: Ticks, resting_price: Ticks) -> bool {
    match side {
        Side::Buy => resting_price <= limit,
        Side::Sell => resting_price >= limit,
    }
}

/// Sort key of a resting order: smaller is earlier in priority.
fn priority(order: &Resting) -> (i64, u64) {
    let price = order.price.get();
    match order.side {
        Side::Buy => (-price, order.arrival),
        Side::Sell => (price, order.arrival),
    }
}

impl ReferenceBook {
    /// An empty book.
    pub fn new() -> ReferenceBook {
        ReferenceBook::default()
    }

    fn side(&self, side: Side) -> &Vec<Resting> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut Vec<Resting> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Resting> {
        self.bids.iter().chain(self.asks.iter())
    }

    /// Like `Book::submit`: returns the result and the resting-order events in order.
    pub fn submit(
        &mut self,
        order: &OrderRequest,
    ) -> (Result<Submitted, BookReject>, Vec<BookEvent>) {
        self.submit_with_budget(order, None)
    }

    /// Like `Book::submit_with` with a sink that returns `false` once it has received
    /// `event_budget` events (`None`: never stops).
    ///
    /// # Panics
    /// If the order's size or price is not positive (the real book asserts the same).
    pub fn submit_with_budget(
        &mut self,
        order: &OrderRequest,
        event_budget: Option<usize>,
    ) -> (Result<Submitted, BookReject>, Vec<BookEvent>) {
        assert!(
            order.size.get() > 0 && order.price.get() > 0,
            "reference: positive size and price"
        );
        if self.order(order.id).is_some() {
            return (Err(BookReject::DuplicateId), Vec::new());
        }
        match order.time_in_force {
            TimeInForce::PostOnly => {
                let opposite = self.side(order.side.opposite());
                if opposite.iter().any(|r| crosses(order.side, order.price, r.price)) {
                    return (Err(BookReject::PostOnlyWouldCross), Vec::new());
                }
            }
            TimeInForce::Fok => {
                let mut trial = self.clone();
                let (result, _) = trial.execute(order, None);
                if result.filled != order.size {
                    return (Err(BookReject::FillOrKillUnfillable), Vec::new());
                }
            }
            TimeInForce::Gtc | TimeInForce::Ioc => {}
        }
        let (result, events) = self.execute(order, event_budget);
        (Ok(result), events)
    }

    /// Matches and then rests or cancels the rest; the order has passed all checks.
    fn execute(
        &mut self,
        order: &OrderRequest,
        budget: Option<usize>,
    ) -> (Submitted, Vec<BookEvent>) {
        let mut result = Submitted::default();
        let mut events = Vec::new();
        let mut left = order.size.get();
        let mut stopped_by_sink = false;
        let mut stopped_by_stp = false;
        let maker_side = order.side.opposite();
        while left > 0 {
            if budget.is_some_and(|n| events.len() >= n) {
                stopped_by_sink = true;
                break;
            }
            let last_trade = &mut self.last_trade;
            let book = match maker_side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            let Some(front) = book.first_mut() else { break };
            if !crosses(order.side, order.price, front.price) {
                break;
            }
            if front.owner == order.owner {
                match order.self_trade {
                    SelfTradePrevention::CancelTaker => {
                        stopped_by_stp = true;
                        break;
                    }
                    SelfTradePrevention::CancelMaker => {
                        let gone = book.remove(0);
                        events.push(BookEvent::MakerCancelled {
                            maker: gone.id,
                            owner: gone.owner,
                            remaining: gone.size,
                        });
                    }
                    SelfTradePrevention::DecrementBoth => {
                        let cut = left.min(front.size.get());
                        let before = front.size;
                        left -= cut;
                        result.cancelled = Lots(result.cancelled.get() + cut);
                        front.size = Lots(front.size.get() - cut);
                        if front.size.get() == 0 {
                            let gone = book.remove(0);
                            events.push(BookEvent::MakerCancelled {
                                maker: gone.id,
                                owner: gone.owner,
                                remaining: before,
                            });
                        } else {
                            events.push(BookEvent::MakerReduced {
                                maker: front.id,
                                owner: front.owner,
                                cut: Lots(cut),
                                remaining: front.size,
                            });
                        }
                        if left == 0 {
                            stopped_by_stp = true;
                        }
                    }
                }
                continue;
            }
            let traded = left.min(front.size.get());
            left -= traded;
            front.size = Lots(front.size.get() - traded);
            result.filled = Lots(result.filled.get() + traded);
            *last_trade = Some(front.price);
            events.push(BookEvent::Fill {
                maker: front.id,
                maker_owner: front.owner,
                price: front.price,
                size: Lots(traded),
                maker_remaining: front.size,
            });
            if front.size.get() == 0 {
                book.remove(0);
            }
        }
        result.self_trade = stopped_by_stp;
        if left > 0 {
            let may_rest = matches!(order.time_in_force, TimeInForce::Gtc | TimeInForce::PostOnly);
            if may_rest && !stopped_by_sink && !stopped_by_stp {
                self.rest(order, Lots(left));
                result.rested = Lots(left);
            } else {
                result.cancelled = Lots(result.cancelled.get() + left);
            }
        }
        (result, events)
    }

    fn rest(&mut self, order: &OrderRequest, size: Lots) {
        let arrival = self.next_arrival;
        self.next_arrival += 1;
        let resting = Resting {
            id: order.id,
            owner: order.owner,
            side: order.side,
            price: order.price,
            size,
            arrival,
        };
        let book = self.side_mut(order.side);
        book.push(resting);
        book.sort_by_key(priority);
    }

    /// Like `Book::cancel`.
    ///
    /// # Errors
    /// [`BookReject::UnknownOrder`] if no live order has the id.
    pub fn cancel(&mut self, id: OrderId) -> Result<OrderView, BookReject> {
        for side in [Side::Buy, Side::Sell] {
            let book = self.side_mut(side);
            if let Some(at) = book.iter().position(|r| r.id == id) {
                return Ok(book.remove(at).view());
            }
        }
        Err(BookReject::UnknownOrder)
    }

    /// Like `Book::reduce`: sets the remaining size, keeping the queue position.
    ///
    /// # Errors
    /// [`BookReject::UnknownOrder`] if no live order has the id.
    ///
    /// # Panics
    /// If `size` is not in `1..=current size`.
    pub fn reduce(&mut self, id: OrderId, size: Lots) -> Result<OrderView, BookReject> {
        for side in [Side::Buy, Side::Sell] {
            if let Some(order) = self.side_mut(side).iter_mut().find(|r| r.id == id) {
                assert!(size.get() > 0 && size <= order.size, "reference: reduce to 1..=current");
                order.size = size;
                return Ok(order.view());
            }
        }
        Err(BookReject::UnknownOrder)
    }

    /// Runs one concrete command, reporting its outcome in the same shape as
    /// [`crate::apply_to_book`] does for the real book.
    pub fn apply(&mut self, command: &BookCommand) -> Outcome {
        match *command {
            BookCommand::Submit { order, event_budget } => {
                let (result, events) = self.submit_with_budget(&order, event_budget);
                Outcome::Submitted { result, events }
            }
            BookCommand::Cancel(id) => Outcome::Cancelled(self.cancel(id)),
            BookCommand::Reduce { id, size } => Outcome::Reduced(self.reduce(id, size)),
        }
    }

    /// A live order, if any.
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        self.all().find(|r| r.id == id).map(Resting::view)
    }

    /// Resting orders of one side in priority order.
    pub fn orders(&self, side: Side) -> Vec<OrderView> {
        self.side(side).iter().map(Resting::view).collect()
    }

    /// All live orders: bids then asks, each in priority order.
    pub fn live_orders(&self) -> Vec<OrderView> {
        self.all().map(Resting::view).collect()
    }

    /// Number of live orders.
    pub fn order_count(&self) -> usize {
        self.bids.len() + self.asks.len()
    }

    /// Aggregated `(price, total size)` levels of one side, best first.
    pub fn levels(&self, side: Side) -> Vec<(Ticks, Lots)> {
        let mut levels: Vec<(Ticks, Lots)> = Vec::new();
        for r in self.side(side) {
            match levels.last_mut() {
                Some((price, size)) if *price == r.price => *size = Lots(size.get() + r.size.get()),
                _ => levels.push((r.price, r.size)),
            }
        }
        levels
    }

    /// Best bid level.
    pub fn best_bid(&self) -> Option<(Ticks, Lots)> {
        self.levels(Side::Buy).first().copied()
    }

    /// Best ask level.
    pub fn best_ask(&self) -> Option<(Ticks, Lots)> {
        self.levels(Side::Sell).first().copied()
    }

    /// Price of the last trade.
    pub fn last_trade(&self) -> Option<Ticks> {
        self.last_trade
    }

    /// Total resting size of one side.
    pub fn total_size(&self, side: Side) -> Lots {
        Lots(self.side(side).iter().map(|r| r.size.get()).sum())
    }

    /// Like `Book::depth_to`, summed order by order: total size and Σ price × size of the orders
    /// on `side` priced no worse than `limit`.
    pub fn depth_to(&self, side: Side, limit: Ticks) -> (Lots, i128) {
        let inside = |r: &&Resting| match side {
            Side::Buy => r.price >= limit,
            Side::Sell => r.price <= limit,
        };
        let size = self.side(side).iter().filter(inside).map(|r| r.size.get()).sum();
        let value = self
            .side(side)
            .iter()
            .filter(inside)
            .map(|r| i128::from(r.price.get()) * i128::from(r.size.get()))
            .sum();
        (Lots(size), value)
    }

    /// Like `Book::impact`, one lot at a time: takes lots from the best price outward until
    /// Σ price × size reaches `target`. `None` if the side runs out first.
    ///
    /// # Panics
    /// If `target` is not positive.
    pub fn impact(&self, side: Side, target: i128) -> Option<(i128, i64)> {
        assert!(target > 0, "reference: impact target is positive");
        let mut value = 0i128;
        let mut size = 0i64;
        for r in self.side(side) {
            for _ in 0..r.size.get() {
                value += i128::from(r.price.get());
                size += 1;
                if value >= target {
                    return Some((value, size));
                }
            }
        }
        None
    }
}
