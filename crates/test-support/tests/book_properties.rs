//! Property tests: the real `cascade_book::Book` must behave exactly like the naive
//! `ReferenceBook` on random command sequences, and must conserve size at every step.
//!
//! After every command this checks: identical outcomes (results, rejections and every event, so
//! fills with maker id, price and size in order), identical L2 levels and per-order FIFO queues on
//! both sides, `check_invariants()`, a book never crossed at rest, and the size accounting:
//! `incoming = filled + rested + cancelled` and the total resting size changes by exactly
//! `rested − filled − (size removed from makers by self-trade prevention)`.

use std::collections::HashMap;

use cascade_book::{Book, BookEvent, BookReject, OrderView};
use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};
use cascade_test_support::strategies::book_ops;
use cascade_test_support::{
    apply_to_book, BookCommand, BookOp, BookParams, OpResolver, Outcome, ReferenceBook,
};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};

/// `Err(message)` unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// `Err` naming both values unless they are equal.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(format!("{}: {:?} != {:?}", format!($($msg)+), left, right));
        }
    }};
}

const SIDES: [Side; 2] = [Side::Buy, Side::Sell];

/// The real book's state before a command, for the accounting checks.
struct Before {
    queues: [Vec<OrderView>; 2],
    by_id: HashMap<OrderId, OrderView>,
    total: i64,
    last_trade: Option<Ticks>,
}

impl Before {
    fn of(book: &Book) -> Before {
        let queues = SIDES.map(|side| book.orders(side).collect::<Vec<_>>());
        let by_id = queues.iter().flatten().map(|o| (o.id, *o)).collect();
        Before { queues, by_id, total: total_size(book), last_trade: book.last_trade() }
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

fn total_size(book: &Book) -> i64 {
    SIDES.iter().flat_map(|&side| book.orders(side)).map(|o| o.size.get()).sum()
}

fn queues(book: &Book) -> [Vec<OrderView>; 2] {
    SIDES.map(|side| book.orders(side).collect())
}

fn crosses(side: Side, limit: Ticks, price: Ticks) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

/// Checks what a command did to the real book against its state before.
fn check_accounting(
    book: &Book,
    command: &BookCommand,
    outcome: &Outcome,
    before: &Before,
) -> Result<(), String> {
    let total = total_size(book);
    match (command, outcome) {
        (BookCommand::Submit { order, event_budget }, Outcome::Submitted { result, events }) => {
            let Ok(done) = result else {
                ensure!(events.is_empty(), "a rejected order reported events");
                ensure_eq!(queues(book), before.queues, "a rejected order changed the book");
                ensure_eq!(book.last_trade(), before.last_trade, "a rejection moved last_trade");
                ensure_eq!(
                    *result == Err(BookReject::DuplicateId),
                    before.by_id.contains_key(&order.id),
                    "DuplicateId exactly when the id is live"
                );
                return Ok(());
            };
            ensure_eq!(
                done.filled + done.rested + done.cancelled,
                order.size,
                "incoming = filled + rested + cancelled"
            );
            let mut sizes: HashMap<OrderId, Lots> =
                before.by_id.iter().map(|(&id, o)| (id, o.size)).collect();
            let mut filled = Lots::ZERO;
            let mut stp_removed = Lots::ZERO;
            let mut last_fill = None;
            for event in events {
                let (BookEvent::Fill { maker, .. }
                | BookEvent::MakerCancelled { maker, .. }
                | BookEvent::MakerReduced { maker, .. }) = *event;
                let pre = before
                    .by_id
                    .get(&maker)
                    .ok_or_else(|| format!("event on an order that was not resting: {event:?}"))?;
                // `sizes` has the same keys as `before.by_id`.
                let current = sizes[&maker];
                ensure!(current.is_positive(), "event on a maker already gone: {event:?}");
                ensure!(pre.side != order.side, "event on the incoming order's side: {event:?}");
                ensure!(
                    crosses(order.side, order.price, pre.price),
                    "event on a maker beyond the limit: {event:?}"
                );
                match *event {
                    BookEvent::Fill { maker, maker_owner, price, size, maker_remaining } => {
                        ensure_eq!(price, pre.price, "fill not at the resting price");
                        if let Some(last) = last_fill {
                            ensure!(
                                crosses(order.side, price, last),
                                "fills got better, not worse"
                            );
                        }
                        ensure_eq!(maker_owner, pre.owner, "maker owner");
                        ensure!(maker_owner != order.owner, "a self-trade was filled");
                        ensure!(size.is_positive() && size <= current, "fill size {size:?}");
                        ensure_eq!(maker_remaining, current - size, "maker_remaining");
                        sizes.insert(maker, maker_remaining);
                        filled += size;
                        last_fill = Some(price);
                    }
                    BookEvent::MakerCancelled { maker, owner, remaining } => {
                        ensure!(
                            order.self_trade != SelfTradePrevention::CancelTaker,
                            "CancelTaker touched a maker"
                        );
                        ensure_eq!(owner, order.owner, "STP-cancelled maker of another owner");
                        ensure_eq!(remaining, current, "STP-cancelled size");
                        stp_removed += remaining;
                        sizes.insert(maker, Lots::ZERO);
                    }
                    BookEvent::MakerReduced { maker, owner, cut, remaining } => {
                        ensure_eq!(
                            order.self_trade,
                            SelfTradePrevention::DecrementBoth,
                            "only DecrementBoth reduces makers"
                        );
                        ensure_eq!(owner, order.owner, "STP-reduced maker of another owner");
                        ensure!(
                            remaining.is_positive() && remaining < current,
                            "reduced to {remaining:?} from {current:?}"
                        );
                        ensure_eq!(cut, current - remaining, "MakerReduced cut");
                        stp_removed += cut;
                        sizes.insert(maker, remaining);
                    }
                }
            }
            if let Some(budget) = event_budget {
                ensure!(events.len() <= *budget, "matching went on after the sink said stop");
            }
            ensure_eq!(filled, done.filled, "filled = sum of fills");
            ensure_eq!(
                total,
                before.total + done.rested.get() - done.filled.get() - stp_removed.get(),
                "resting size changes by rested - filled - maker STP removals"
            );
            ensure_eq!(book.last_trade(), last_fill.or(before.last_trade), "last_trade");
            match order.time_in_force {
                TimeInForce::Ioc | TimeInForce::Fok => {
                    ensure!(done.rested == Lots::ZERO, "IOC/FOK rested");
                }
                TimeInForce::PostOnly => ensure!(events.is_empty(), "post-only took liquidity"),
                TimeInForce::Gtc => {}
            }
            if order.time_in_force == TimeInForce::Fok && event_budget.is_none() {
                ensure_eq!(done.filled, order.size, "an accepted FOK filled completely");
            }
            let expected_view = OrderView {
                id: order.id,
                owner: order.owner,
                side: order.side,
                price: order.price,
                size: done.rested,
            };
            let view = book.order(order.id);
            if done.rested.is_positive() {
                ensure_eq!(view, Some(expected_view), "rested order view");
                let queue = book.orders(order.side).filter(|o| o.price == order.price);
                ensure_eq!(queue.last(), Some(expected_view), "a new order joins the back");
            } else {
                ensure_eq!(view, None, "an order that did not rest is visible");
            }
        }
        (BookCommand::Cancel(id), Outcome::Cancelled(result)) => match result {
            Ok(view) => {
                ensure_eq!(Some(view), before.by_id.get(id), "cancel returns the order");
                ensure_eq!(book.order(*id), None, "a cancelled order is still live");
                let mut expected = before.queues.clone();
                expected[side_index(view.side)].retain(|o| o.id != *id);
                ensure_eq!(queues(book), expected, "cancel removes exactly that order");
            }
            Err(reject) => {
                ensure_eq!(*reject, BookReject::UnknownOrder, "cancel rejection");
                ensure!(!before.by_id.contains_key(id), "cancel of a live order rejected");
                ensure_eq!(queues(book), before.queues, "a rejected cancel changed the book");
            }
        },
        (BookCommand::Reduce { id, size }, Outcome::Reduced(result)) => match result {
            Ok(view) => {
                let pre = before.by_id.get(id).ok_or("reduce of an unknown order succeeded")?;
                ensure_eq!(*view, OrderView { size: *size, ..*pre }, "reduce result");
                let mut expected = before.queues.clone();
                for o in &mut expected[side_index(view.side)] {
                    if o.id == *id {
                        o.size = *size;
                    }
                }
                ensure_eq!(queues(book), expected, "reduce keeps the queue position");
                ensure_eq!(total, before.total - (pre.size - *size).get(), "reduce total");
            }
            Err(reject) => {
                ensure_eq!(*reject, BookReject::UnknownOrder, "reduce rejection");
                ensure!(!before.by_id.contains_key(id), "reduce of a live order rejected");
                ensure_eq!(queues(book), before.queues, "a rejected reduce changed the book");
            }
        },
        _ => return Err(format!("outcome {outcome:?} does not fit command {command:?}")),
    }
    Ok(())
}

/// Compares the whole visible state of the real book with the reference.
fn check_state(book: &Book, reference: &ReferenceBook, centre: Ticks) -> Result<(), String> {
    book.check_invariants()?;
    for side in SIDES {
        let levels: Vec<_> = book.levels(side).collect();
        ensure_eq!(levels, reference.levels(side), "{side:?} levels");
        ensure_eq!(book.level_count(side), levels.len(), "{side:?} level_count");
        ensure_eq!(book.depth(side, 3), levels[..levels.len().min(3)], "{side:?} depth(3)");
        let orders: Vec<_> = book.orders(side).collect();
        ensure_eq!(orders, reference.orders(side), "{side:?} orders (FIFO and sizes)");
        for level in &levels {
            ensure!(level.1.is_positive(), "{side:?} empty level {level:?}");
        }
        for offset in [-5, 0, 5] {
            let limit = Ticks(centre.get() + offset);
            ensure_eq!(
                book.depth_to(side, limit),
                reference.depth_to(side, limit),
                "{side:?} depth_to({limit:?})"
            );
        }
        let value: i128 =
            levels.iter().map(|(p, s)| i128::from(p.get()) * i128::from(s.get())).sum();
        let size: i64 = levels.iter().map(|(_, s)| s.get()).sum();
        if value == 0 {
            ensure_eq!(book.impact(side, 1), None, "{side:?} impact on an empty side");
        } else {
            ensure_eq!(book.impact(side, value), Some((value, size)), "{side:?} impact(all)");
            ensure_eq!(book.impact(side, value + 1), None, "{side:?} impact(all + 1)");
            for target in [1, value / 3 + 1, value / 2 + 7] {
                ensure_eq!(
                    book.impact(side, target),
                    reference.impact(side, target),
                    "{side:?} impact({target})"
                );
            }
        }
    }
    ensure_eq!(book.best_bid(), reference.best_bid(), "best bid");
    ensure_eq!(book.best_ask(), reference.best_ask(), "best ask");
    if let (Some((bid, _)), Some((ask, _))) = (book.best_bid(), book.best_ask()) {
        ensure!(bid < ask, "crossed at rest: bid {bid} >= ask {ask}");
    }
    ensure_eq!(book.order_count(), reference.order_count(), "order_count");
    for view in reference.live_orders() {
        ensure_eq!(book.order(view.id), Some(view), "order({:?})", view.id);
    }
    ensure_eq!(book.last_trade(), reference.last_trade(), "last_trade");
    Ok(())
}

/// Runs `ops` through both books, checking after every step.
fn run(params: BookParams, ops: &[BookOp]) -> Result<(), TestCaseError> {
    let mut book = Book::with_capacity(4);
    let mut reference = ReferenceBook::new();
    let mut resolver = OpResolver::new();
    for (step, op) in ops.iter().enumerate() {
        let command = resolver.resolve(op, &reference.live_orders());
        let before = Before::of(&book);
        let outcome = apply_to_book(&mut book, &command);
        let expected = reference.apply(&command);
        let checked = if outcome == expected {
            check_accounting(&book, &command, &outcome, &before)
                .and_then(|()| check_state(&book, &reference, params.centre))
        } else {
            Err(format!("real {outcome:?}\n reference {expected:?}"))
        };
        if let Err(why) = checked {
            return Err(TestCaseError::fail(format!("step {step}, {command:?}:\n {why}")));
        }
    }
    Ok(())
}

const STEPS: std::ops::RangeInclusive<usize> = 200..=400;

proptest! {
    // 256 cases × ~300 steps per property: ~1 s each at the test profile's opt-level 1.
    // Failures are saved beside this file (`book_properties.proptest-regressions`).
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// The default flow: a ~20-tick band, four owners, every time in force and STP mode.
    #[test]
    fn real_book_matches_reference(ops in book_ops(BookParams::default(), STEPS)) {
        run(BookParams::default(), &ops)?;
    }

    /// Mostly passive flow over a wide band: many levels per side, so level lookups go past
    /// the short scan from the touch into the binary search.
    #[test]
    fn deep_books_match_reference(ops in book_ops(DEEP, STEPS)) {
        run(DEEP, &ops)?;
    }

    /// Two owners in a narrow band: self-trade prevention on most matches.
    #[test]
    fn self_trade_heavy_flow_matches_reference(ops in book_ops(CROWDED, STEPS)) {
        run(CROWDED, &ops)?;
    }
}

const DEEP: BookParams = BookParams {
    centre: Ticks(500),
    passive_ticks: 40,
    aggressive_ticks: 3,
    owners: 4,
    max_size: 10,
};

const CROWDED: BookParams =
    BookParams { centre: Ticks(50), passive_ticks: 4, aggressive_ticks: 3, owners: 2, max_size: 6 };
