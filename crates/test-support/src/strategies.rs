//! Proptest strategies for random order-book command sequences, and the concrete commands they
//! resolve to.
//!
//! A generated [`BookOp`] does not name order ids directly: it says "a fresh id", "some live
//! order", "some id used before" or "an id never used" ([`IdPick`]). An [`OpResolver`] turns each
//! op into a concrete [`BookCommand`] against the live orders at that moment, so cancels and
//! reduces hit live orders often, duplicates and reuse of dead ids happen on purpose, and
//! shrinking keeps working (an op stays meaningful when earlier ops are removed).
//!
//! [`apply_to_book`] runs a command on the real `cascade_book::Book` and
//! `ReferenceBook::apply` on the reference; both report an [`Outcome`] to compare.

use cascade_book::{Book, BookEvent, BookReject, OrderRequest, OrderView, Submitted};
use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};
use proptest::collection::{vec, SizeRange};
use proptest::prelude::*;
use proptest::sample::Index;

/// Shape of the random order flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookParams {
    /// Prices cluster around this.
    pub centre: Ticks,
    /// How far behind the centre (below for bids, above for asks) a limit price may be.
    pub passive_ticks: i64,
    /// How far through the centre (above for bids, below for asks) a limit price may be.
    pub aggressive_ticks: i64,
    /// Owners are drawn from `0..owners`; few owners make self-trade prevention frequent.
    pub owners: u32,
    /// Ordinary sizes are `1..=max_size`; one order in eight is up to six times larger.
    pub max_size: i64,
}

impl Default for BookParams {
    /// A ~20-tick band around 1000, four owners, sizes up to 10 (60 for the large ones).
    fn default() -> BookParams {
        BookParams {
            centre: Ticks(1_000),
            passive_ticks: 14,
            aggressive_ticks: 6,
            owners: 4,
            max_size: 10,
        }
    }
}

/// How an op chooses an order id.
#[derive(Clone, Copy, Debug)]
pub enum IdPick {
    /// An id never used before.
    Fresh,
    /// One of the live orders (falls back to `Fresh` for submits and `Unknown` otherwise when
    /// the book is empty).
    Live(Index),
    /// Any id used before, live or not (falls back like `Live` when none has been used).
    Used(Index),
    /// An id that is never issued.
    Unknown,
}

/// One abstract book operation, resolved into a [`BookCommand`] by an [`OpResolver`].
#[derive(Clone, Copy, Debug)]
pub enum BookOp {
    /// Submit an order.
    Submit {
        /// Which id it gets.
        id: IdPick,
        /// Owner tag.
        owner: u32,
        /// Side.
        side: Side,
        /// Limit price (worst price for market-like orders).
        price: Ticks,
        /// Size, positive.
        size: Lots,
        /// Time in force.
        time_in_force: TimeInForce,
        /// Self-trade prevention mode.
        self_trade: SelfTradePrevention,
        /// `Some(n)`: submit through a sink that stops matching after `n` events.
        event_budget: Option<usize>,
    },
    /// Cancel an order.
    Cancel(IdPick),
    /// Reduce a live order to `1 + keep.index(current size)` lots.
    Reduce {
        /// Which order.
        target: IdPick,
        /// Chooses the new size.
        keep: Index,
    },
}

/// A concrete command for either book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookCommand {
    /// `Book::submit` (no budget) or `Book::submit_with` with a sink that returns `false` once it
    /// has received `event_budget` events.
    Submit {
        /// The order.
        order: OrderRequest,
        /// Events after which the sink stops matching.
        event_budget: Option<usize>,
    },
    /// `Book::cancel`.
    Cancel(OrderId),
    /// `Book::reduce` to `size`.
    Reduce {
        /// The order.
        id: OrderId,
        /// New size, in `1..=current` whenever the order is live.
        size: Lots,
    },
}

/// What a command did, in a form both books produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Result of a submit and every resting-order event, in order.
    Submitted {
        /// The book's answer.
        result: Result<Submitted, BookReject>,
        /// Events reported to the sink.
        events: Vec<BookEvent>,
    },
    /// Result of a cancel.
    Cancelled(Result<OrderView, BookReject>),
    /// Result of a reduce.
    Reduced(Result<OrderView, BookReject>),
}

/// Runs one command on the real book.
pub fn apply_to_book(book: &mut Book, command: &BookCommand) -> Outcome {
    match *command {
        BookCommand::Submit { order, event_budget: None } => {
            let mut events = Vec::new();
            let result = book.submit(&order, &mut events);
            Outcome::Submitted { result, events }
        }
        BookCommand::Submit { order, event_budget: Some(budget) } => {
            let mut events = Vec::new();
            let result = book.submit_with(&order, |event| {
                events.push(event);
                events.len() < budget
            });
            Outcome::Submitted { result, events }
        }
        BookCommand::Cancel(id) => Outcome::Cancelled(book.cancel(id)),
        BookCommand::Reduce { id, size } => Outcome::Reduced(book.reduce(id, size)),
    }
}

/// Turns [`BookOp`]s into [`BookCommand`]s, issuing fresh ids and remembering used ones.
#[derive(Clone, Debug, Default)]
pub struct OpResolver {
    issued: u64,
    used: Vec<OrderId>,
}

impl OpResolver {
    /// A resolver that has issued no ids.
    pub fn new() -> OpResolver {
        OpResolver::default()
    }

    /// A new id. Every fourth one has the engine bit set, so ids are not one dense range.
    fn fresh(&mut self) -> OrderId {
        self.issued += 1;
        let n = self.issued;
        let id = if n & 3 == 0 { OrderId(n | OrderId::ENGINE_BIT) } else { OrderId(n) };
        self.used.push(id);
        id
    }

    /// An id no call to `fresh` returns (bit 62 set, which issued ids never reach).
    fn unknown(&self) -> OrderId {
        OrderId((1 << 62) | self.issued)
    }

    /// The id `pick` names, or `None` if it falls back.
    fn existing(&self, pick: IdPick, live: &[OrderView]) -> Option<OrderId> {
        match pick {
            IdPick::Live(i) if !live.is_empty() => Some(live[i.index(live.len())].id),
            IdPick::Used(i) if !self.used.is_empty() => Some(*i.get(&self.used)),
            IdPick::Unknown => Some(self.unknown()),
            _ => None,
        }
    }

    /// Resolves `op` against `live`, the orders resting right now (in any fixed order).
    pub fn resolve(&mut self, op: &BookOp, live: &[OrderView]) -> BookCommand {
        match *op {
            BookOp::Submit {
                id,
                owner,
                side,
                price,
                size,
                time_in_force,
                self_trade,
                event_budget,
            } => {
                let id = match id {
                    IdPick::Fresh | IdPick::Unknown => self.fresh(),
                    pick => self.existing(pick, live).unwrap_or_else(|| self.fresh()),
                };
                let order =
                    OrderRequest { id, owner, side, price, size, time_in_force, self_trade };
                BookCommand::Submit { order, event_budget }
            }
            BookOp::Cancel(pick) => {
                BookCommand::Cancel(self.existing(pick, live).unwrap_or_else(|| self.unknown()))
            }
            BookOp::Reduce { target, keep } => {
                let id = self.existing(target, live).unwrap_or_else(|| self.unknown());
                let size = match live.iter().find(|o| o.id == id) {
                    Some(order) => {
                        let current = usize::try_from(order.size.get()).expect("positive size");
                        Lots(1 + i64::try_from(keep.index(current)).expect("fits"))
                    }
                    // Unknown ids are rejected before the size is looked at.
                    None => Lots(1),
                };
                BookCommand::Reduce { id, size }
            }
        }
    }
}

/// Either side, evenly.
pub fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

/// All four times in force, GTC most often so the book fills up.
pub fn time_in_force() -> impl Strategy<Value = TimeInForce> {
    prop_oneof![
        11 => Just(TimeInForce::Gtc),
        4 => Just(TimeInForce::Ioc),
        3 => Just(TimeInForce::Fok),
        3 => Just(TimeInForce::PostOnly),
    ]
}

/// All three self-trade prevention modes, evenly.
pub fn self_trade() -> impl Strategy<Value = SelfTradePrevention> {
    prop_oneof![
        Just(SelfTradePrevention::CancelMaker),
        Just(SelfTradePrevention::CancelTaker),
        Just(SelfTradePrevention::DecrementBoth),
    ]
}

/// Ids for submits: mostly fresh, sometimes a live id (a duplicate) or any used id.
pub fn submit_id() -> impl Strategy<Value = IdPick> {
    prop_oneof![
        30 => Just(IdPick::Fresh),
        2 => any::<Index>().prop_map(IdPick::Live),
        2 => any::<Index>().prop_map(IdPick::Used),
    ]
}

/// Ids for cancels and reduces: mostly live, sometimes any used id or one never issued.
pub fn target_id() -> impl Strategy<Value = IdPick> {
    prop_oneof![
        12 => any::<Index>().prop_map(IdPick::Live),
        2 => any::<Index>().prop_map(IdPick::Used),
        1 => Just(IdPick::Unknown),
    ]
}

/// A limit price for `side`: within the band around the centre, or (one in ten) far through it
/// like a market order's worst-price bound.
pub fn price(params: BookParams, side: Side) -> impl Strategy<Value = Ticks> {
    let c = params.centre.get();
    let (low, high) = match side {
        Side::Buy => (c - params.passive_ticks, c + params.aggressive_ticks),
        Side::Sell => (c - params.aggressive_ticks, c + params.passive_ticks),
    };
    let reach = 2 * (params.passive_ticks + params.aggressive_ticks);
    let far = c + side.sign() * reach;
    assert!(low > 0 && far > 0, "BookParams: prices must stay positive");
    prop_oneof![9 => (low..=high).prop_map(Ticks), 1 => Just(Ticks(far))]
}

/// An order size: mostly `1..=max_size`, sometimes up to six times that.
pub fn size(params: BookParams) -> impl Strategy<Value = Lots> {
    let m = params.max_size;
    prop_oneof![7 => (1..=m).prop_map(Lots), 1 => (1..=6 * m).prop_map(Lots)]
}

/// One random book operation.
pub fn book_op(params: BookParams) -> impl Strategy<Value = BookOp> {
    let submit = side().prop_flat_map(move |side| {
        (
            submit_id(),
            0..params.owners,
            price(params, side),
            size(params),
            time_in_force(),
            self_trade(),
            prop_oneof![9 => Just(None), 1 => (1..=3usize).prop_map(Some)],
        )
            .prop_map(
                move |(id, owner, price, size, time_in_force, self_trade, event_budget)| {
                    BookOp::Submit {
                        id,
                        owner,
                        side,
                        price,
                        size,
                        time_in_force,
                        self_trade,
                        event_budget,
                    }
                },
            )
    });
    prop_oneof![
        14 => submit,
        4 => target_id().prop_map(BookOp::Cancel),
        2 => (target_id(), any::<Index>()).prop_map(|(target, keep)| BookOp::Reduce { target, keep }),
    ]
}

/// A sequence of random book operations.
pub fn book_ops(
    params: BookParams,
    len: impl Into<SizeRange>,
) -> impl Strategy<Value = Vec<BookOp>> {
    vec(book_op(params), len)
}
