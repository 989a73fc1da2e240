//! Table tests for the order book: small command scripts with hand-worked expected transcripts,
//! all run through one `check(script, expected)` helper.
//!
//! Script commands, one per line (`//` starts a comment):
//! - `buy|sell ID OWNER PRICE SIZE [gtc|ioc|fok|post] [cm|ct|db] [stop=N]`: submit (defaults
//!   `gtc cm`; `stop=N` submits through a sink that stops matching after N events). A market
//!   order is an IOC whose price is its worst acceptable price.
//! - `cancel ID`, `reduce ID SIZE`
//! - queries: `bids`, `asks`, `orders buy|sell`, `order ID`, `depth buy|sell N`,
//!   `depth_to buy|sell LIMIT`, `impact buy|sell TARGET`, `last`
//!
//! The expected text has one line per command (blank lines and `//` comments ignored):
//! - submit: `filled F rested R cancelled C[ stp][: EVENT, EVENT...]` or `rejected REASON`, with
//!   events `fill #MAKER SIZE@PRICE (N left)`, `stp-cancel #MAKER had N`,
//!   `stp-reduce #MAKER by CUT (N left)`;
//! - cancel / reduce / order: `cancelled|reduced|live #ID SIDE SIZE@PRICE owner O`,
//!   `rejected UnknownOrder`, `none`;
//! - levels and depth: `SIZE@PRICE ...` best first, `-` when empty; orders: `#ID SIZE@PRICE, ...`;
//! - depth_to: `N lots, value V`; impact: `value V, N lots` or `none`; last: price or `none`.

use cascade_book::{Book, BookEvent, BookReject, OrderRequest, OrderView, Submitted};
use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
use cascade_num::{Lots, Ticks};

/// Lines that carry content: comments after `//` removed, trimmed, blanks skipped.
fn content_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn num<T: std::str::FromStr>(token: Option<&&str>, line: &str) -> T {
    token
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("script line `{line}`: expected a number"))
}

fn side_of(token: Option<&&str>, line: &str) -> Side {
    match token.copied() {
        Some("buy") => Side::Buy,
        Some("sell") => Side::Sell,
        _ => panic!("script line `{line}`: expected buy or sell"),
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

fn levels_text(levels: impl IntoIterator<Item = (Ticks, Lots)>) -> String {
    let parts: Vec<String> = levels.into_iter().map(|(p, s)| format!("{s}@{p}")).collect();
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(" ")
    }
}

fn view_text(verb: &str, v: &OrderView) -> String {
    format!("{verb} #{} {} {}@{} owner {}", v.id.0, side_name(v.side), v.size, v.price, v.owner)
}

fn event_text(event: &BookEvent) -> String {
    match *event {
        BookEvent::Fill { maker, price, size, maker_remaining, .. } => {
            format!("fill #{} {size}@{price} ({maker_remaining} left)", maker.0)
        }
        BookEvent::MakerCancelled { maker, remaining, .. } => {
            format!("stp-cancel #{} had {remaining}", maker.0)
        }
        BookEvent::MakerReduced { maker, cut, remaining, .. } => {
            format!("stp-reduce #{} by {cut} ({remaining} left)", maker.0)
        }
    }
}

fn submit_text(result: Result<Submitted, BookReject>, events: &[BookEvent]) -> String {
    match result {
        Err(reject) => {
            assert!(events.is_empty(), "a rejected order reported events: {events:?}");
            format!("rejected {reject:?}")
        }
        Ok(s) => {
            let mut text =
                format!("filled {} rested {} cancelled {}", s.filled, s.rested, s.cancelled);
            if s.self_trade {
                text.push_str(" stp");
            }
            if !events.is_empty() {
                let events: Vec<String> = events.iter().map(event_text).collect();
                text.push_str(": ");
                text.push_str(&events.join(", "));
            }
            text
        }
    }
}

fn submit(book: &mut Book, side: Side, words: &[&str], line: &str) -> String {
    let order_id = OrderId(num(words.get(1), line));
    let owner = num(words.get(2), line);
    let price = Ticks(num(words.get(3), line));
    let size = Lots(num(words.get(4), line));
    let mut time_in_force = TimeInForce::Gtc;
    let mut self_trade = SelfTradePrevention::CancelMaker;
    let mut stop_after = None;
    for word in &words[5..] {
        match *word {
            "gtc" => time_in_force = TimeInForce::Gtc,
            "ioc" => time_in_force = TimeInForce::Ioc,
            "fok" => time_in_force = TimeInForce::Fok,
            "post" => time_in_force = TimeInForce::PostOnly,
            "cm" => self_trade = SelfTradePrevention::CancelMaker,
            "ct" => self_trade = SelfTradePrevention::CancelTaker,
            "db" => self_trade = SelfTradePrevention::DecrementBoth,
            other => match other.strip_prefix("stop=").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => stop_after = Some(n),
                None => panic!("script line `{line}`: unknown option `{other}`"),
            },
        }
    }
    let order = OrderRequest { id: order_id, owner, side, price, size, time_in_force, self_trade };
    let mut events = Vec::new();
    let result = match stop_after {
        None => book.submit(&order, &mut events),
        Some(n) => book.submit_with(&order, |event| {
            events.push(event);
            events.len() < n
        }),
    };
    submit_text(result, &events)
}

/// Runs one script line and describes the outcome.
fn run_line(book: &mut Book, line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let id = |i: usize| OrderId(num(words.get(i), line));
    match words[0] {
        "buy" | "sell" => submit(book, side_of(words.first(), line), &words, line),
        "cancel" => match book.cancel(id(1)) {
            Ok(v) => view_text("cancelled", &v),
            Err(reject) => format!("rejected {reject:?}"),
        },
        "reduce" => match book.reduce(id(1), Lots(num(words.get(2), line))) {
            Ok(v) => view_text("reduced", &v),
            Err(reject) => format!("rejected {reject:?}"),
        },
        "order" => book.order(id(1)).map_or("none".to_string(), |v| view_text("live", &v)),
        "bids" => levels_text(book.levels(Side::Buy)),
        "asks" => levels_text(book.levels(Side::Sell)),
        "orders" => {
            let orders: Vec<String> = book
                .orders(side_of(words.get(1), line))
                .map(|o| format!("#{} {}@{}", o.id.0, o.size, o.price))
                .collect();
            if orders.is_empty() {
                "-".to_string()
            } else {
                orders.join(", ")
            }
        }
        "depth" => levels_text(book.depth(side_of(words.get(1), line), num(words.get(2), line))),
        "depth_to" => {
            let (size, value) =
                book.depth_to(side_of(words.get(1), line), Ticks(num(words.get(2), line)));
            format!("{size} lots, value {value}")
        }
        "impact" => match book.impact(side_of(words.get(1), line), num(words.get(2), line)) {
            Some((value, size)) => format!("value {value}, {size} lots"),
            None => "none".to_string(),
        },
        "last" => book.last_trade().map_or("none".to_string(), |p| p.to_string()),
        other => panic!("script line `{line}`: unknown command `{other}`"),
    }
}

/// Runs `script` on a fresh book and compares the transcript with `expected`, line by line.
/// Also demands `check_invariants()` after every command.
fn check(script: &str, expected: &str) {
    let commands = content_lines(script);
    let wanted = content_lines(expected);
    let mut book = Book::new();
    let mut actual = Vec::new();
    for line in &commands {
        actual.push(run_line(&mut book, line));
        if let Err(broken) = book.check_invariants() {
            panic!("after `{line}`: invariant broken: {broken}");
        }
    }
    if actual != wanted {
        let mut report = String::new();
        for i in 0..commands.len().max(wanted.len()) {
            let get = |v: &Vec<String>| v.get(i).cloned().unwrap_or_else(|| "<missing>".into());
            let (want, got) = (get(&wanted), get(&actual));
            let mark = if want == got { "  " } else { "!!" };
            report.push_str(&format!(
                "{mark} {}\n     expected: {want}\n     actual:   {got}\n",
                get(&commands)
            ));
        }
        panic!("book_table mismatch:\n{report}");
    }
}

#[test]
fn price_time_priority_across_levels_and_fifo_within_a_level() {
    check(
        "
        sell 1 1 101 5
        sell 2 2 102 5
        sell 3 3 101 3
        sell 4 1 100 2
        asks
        orders sell
        buy 5 9 102 12 ioc
        asks
        last
        ",
        "
        filled 0 rested 5 cancelled 0
        filled 0 rested 5 cancelled 0
        filled 0 rested 3 cancelled 0
        filled 0 rested 2 cancelled 0
        2@100 8@101 5@102
        #4 2@100, #1 5@101, #3 3@101, #2 5@102
        // best price first, then arrival order at 101; the last fill is partial
        filled 12 rested 0 cancelled 0: fill #4 2@100 (0 left), fill #1 5@101 (0 left), fill #3 3@101 (0 left), fill #2 2@102 (3 left)
        3@102
        102
        ",
    );
}

#[test]
fn partial_fills_and_resting_remainder() {
    check(
        "
        buy 1 1 100 4
        buy 2 2 100 6
        sell 3 3 99 7
        bids
        sell 4 3 100 5
        bids
        asks
        order 4
        order 2
        last
        ",
        "
        filled 0 rested 4 cancelled 0
        filled 0 rested 6 cancelled 0
        filled 7 rested 0 cancelled 0: fill #1 4@100 (0 left), fill #2 3@100 (3 left)
        3@100
        // takes the 3 left, rests 2 on the ask side at its own limit
        filled 3 rested 2 cancelled 0: fill #2 3@100 (0 left)
        -
        2@100
        live #4 sell 2@100 owner 3
        none
        100
        ",
    );
}

#[test]
fn ioc_remainder_is_cancelled() {
    check(
        "
        sell 1 1 101 3
        buy 2 2 101 5 ioc
        buy 3 2 100 4 ioc
        bids
        asks
        order 2
        ",
        "
        filled 0 rested 3 cancelled 0
        filled 3 rested 0 cancelled 2: fill #1 3@101 (0 left)
        filled 0 rested 0 cancelled 4
        -
        -
        none
        ",
    );
}

#[test]
fn fill_or_kill_fills_completely_or_not_at_all() {
    check(
        "
        sell 1 1 101 3
        sell 2 2 102 4
        buy 3 9 102 8 fok
        buy 4 9 101 4 fok
        asks
        last
        buy 5 9 102 7 fok
        asks
        last
        ",
        "
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        // 7 available at or below 102, 8 wanted
        rejected FillOrKillUnfillable
        // 3 at or below 101, 4 wanted
        rejected FillOrKillUnfillable
        3@101 4@102
        none
        filled 7 rested 0 cancelled 0: fill #1 3@101 (0 left), fill #2 4@102 (0 left)
        -
        102
        ",
    );
}

#[test]
fn fill_or_kill_against_own_orders_under_each_stp_mode() {
    check(
        "
        sell 1 1 101 2
        sell 2 2 101 5
        sell 3 2 102 5
        buy 4 1 102 6 fok cm
        asks
        sell 5 1 102 3
        buy 6 1 102 4 fok ct
        asks
        sell 7 2 103 5
        buy 8 1 103 2 fok ct
        buy 9 1 103 2 fok db
        buy 10 1 103 6 fok cm
        orders sell
        buy 11 1 103 5 fok cm
        asks
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 5 cancelled 0
        filled 0 rested 5 cancelled 0
        // cancel-maker: the own order does not count but does not block; 10 others >= 6
        filled 6 rested 0 cancelled 0: stp-cancel #1 had 2, fill #2 5@101 (0 left), fill #3 1@102 (4 left)
        4@102
        filled 0 rested 3 cancelled 0
        // cancel-taker: #3 alone fills it before the own order #5 is reached
        filled 4 rested 0 cancelled 0: fill #3 4@102 (0 left)
        3@102
        filled 0 rested 5 cancelled 0
        // own order #5 first: cancel-taker and decrement-both cannot fill
        rejected FillOrKillUnfillable
        rejected FillOrKillUnfillable
        // cancel-maker but only 5 from others: rejected, and #5 is left untouched
        rejected FillOrKillUnfillable
        #5 3@102, #7 5@103
        filled 5 rested 0 cancelled 0: stp-cancel #5 had 3, fill #7 5@103 (0 left)
        -
        ",
    );
}

#[test]
fn post_only_crossing_is_rejected() {
    check(
        "
        sell 1 1 101 5
        buy 2 2 101 3 post
        buy 3 2 100 3 post
        sell 4 1 100 1 post
        sell 5 1 101 2 post
        bids
        asks
        orders sell
        buy 6 1 101 1 post ct
        order 6
        ",
        "
        filled 0 rested 5 cancelled 0
        rejected PostOnlyWouldCross
        filled 0 rested 3 cancelled 0
        rejected PostOnlyWouldCross
        filled 0 rested 2 cancelled 0
        3@100
        7@101
        #1 5@101, #5 2@101
        // crossing only its owner's orders still counts as crossing
        rejected PostOnlyWouldCross
        none
        ",
    );
}

#[test]
fn market_order_stops_at_its_worst_price() {
    check(
        "
        sell 1 1 100 2
        sell 2 2 101 3
        sell 3 3 103 4
        buy 4 9 101 10 ioc
        asks
        buy 5 2 99 4
        buy 6 3 97 4
        sell 7 9 98 10 ioc
        bids
        last
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        filled 5 rested 0 cancelled 5: fill #1 2@100 (0 left), fill #2 3@101 (0 left)
        4@103
        filled 0 rested 4 cancelled 0
        filled 0 rested 4 cancelled 0
        filled 4 rested 0 cancelled 6: fill #5 4@99 (0 left)
        4@97
        99
        ",
    );
}

#[test]
fn reduce_keeps_priority() {
    check(
        "
        buy 1 1 100 5
        buy 2 2 100 5
        reduce 1 2
        orders buy
        bids
        sell 3 3 100 3
        reduce 2 4
        reduce 2 1
        orders buy
        reduce 9 1
        reduce 1 1
        ",
        "
        filled 0 rested 5 cancelled 0
        filled 0 rested 5 cancelled 0
        reduced #1 buy 2@100 owner 1
        #1 2@100, #2 5@100
        7@100
        // #1 is still first in the queue
        filled 3 rested 0 cancelled 0: fill #1 2@100 (0 left), fill #2 1@100 (4 left)
        // reducing to the current size is allowed
        reduced #2 buy 4@100 owner 2
        reduced #2 buy 1@100 owner 2
        #2 1@100
        rejected UnknownOrder
        rejected UnknownOrder
        ",
    );
}

#[test]
fn cancel_unknown_id_and_duplicate_id() {
    check(
        "
        buy 1 1 100 5
        buy 2 2 100 3
        cancel 1
        cancel 1
        cancel 77
        sell 2 3 100 1 ioc
        bids
        buy 1 1 100 4
        orders buy
        sell 3 4 100 1 ioc
        ",
        "
        filled 0 rested 5 cancelled 0
        filled 0 rested 3 cancelled 0
        cancelled #1 buy 5@100 owner 1
        rejected UnknownOrder
        rejected UnknownOrder
        // id 2 is live (on the other side): rejected before any matching
        rejected DuplicateId
        3@100
        // id 1 is no longer live, so it may be used again; it queues behind #2
        filled 0 rested 4 cancelled 0
        #2 3@100, #1 4@100
        filled 1 rested 0 cancelled 0: fill #2 1@100 (2 left)
        ",
    );
}

#[test]
fn self_trade_cancel_maker() {
    check(
        "
        sell 1 1 100 2
        sell 2 2 100 3
        sell 3 1 101 4
        sell 4 2 101 5
        buy 5 1 101 6 gtc cm
        orders sell
        buy 6 2 101 5 gtc cm
        bids
        asks
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        filled 0 rested 5 cancelled 0
        filled 6 rested 0 cancelled 0: stp-cancel #1 had 2, fill #2 3@100 (0 left), stp-cancel #3 had 4, fill #4 3@101 (2 left)
        #4 2@101
        // owner 2 meets its own #4: cancelled, then nothing left to match, so it rests
        filled 0 rested 5 cancelled 0: stp-cancel #4 had 2
        5@101
        -
        ",
    );
}

#[test]
fn self_trade_cancel_taker() {
    check(
        "
        sell 1 2 100 2
        sell 2 1 100 3
        sell 3 2 100 4
        buy 4 1 100 10 gtc ct
        asks
        orders sell
        bids
        buy 5 1 100 1 ioc ct
        last
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        // fills #1, meets its own #2 and stops; a GTC remainder does not rest
        filled 2 rested 0 cancelled 8 stp: fill #1 2@100 (0 left)
        7@100
        #2 3@100, #3 4@100
        -
        filled 0 rested 0 cancelled 1 stp
        100
        ",
    );
}

#[test]
fn self_trade_decrement_both() {
    check(
        "
        sell 1 1 100 3
        sell 2 2 100 4
        buy 3 1 100 5 gtc db
        sell 4 1 101 10
        buy 5 1 101 3 gtc db
        orders sell
        buy 6 1 101 9 ioc db
        asks
        sell 7 1 101 2
        buy 8 1 101 5 gtc db
        bids
        asks
        last
        ",
        "
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        // both lose 3: #1 reaches zero, the incoming 2 go on to trade with #2
        filled 2 rested 0 cancelled 3: stp-cancel #1 had 3, fill #2 2@100 (2 left)
        filled 0 rested 10 cancelled 0
        // 2 traded with #2, the last 1 decrements #4 and the incoming reaches zero
        filled 2 rested 0 cancelled 1 stp: fill #2 2@100 (0 left), stp-reduce #4 by 1 (9 left)
        #4 9@101
        // equal sizes: both reach zero
        filled 0 rested 0 cancelled 9 stp: stp-cancel #4 had 9
        -
        filled 0 rested 2 cancelled 0
        // the maker reaches zero first; the incoming's other 3 rest
        filled 0 rested 3 cancelled 2: stp-cancel #7 had 2
        3@101
        -
        100
        ",
    );
}

#[test]
fn deep_ladder_lookups_and_cancel_at_a_level_tail() {
    check(
        "
        buy 1 1 100 1
        buy 2 1 99 1
        buy 3 1 98 1
        buy 4 1 97 1
        buy 5 1 96 1
        buy 6 1 95 1
        buy 7 1 94 1
        buy 8 1 93 1
        buy 9 1 92 1
        buy 10 1 91 1
        buy 11 2 92 2
        buy 12 2 91 3
        cancel 12
        buy 13 3 91 4
        orders buy
        bids
        cancel 11
        cancel 9
        bids
        depth_to buy 91
        ",
        "
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 1 cancelled 0
        // 92 and 91 are the 9th and 10th levels from the touch: past a short scan
        filled 0 rested 2 cancelled 0
        filled 0 rested 3 cancelled 0
        // #12 is the tail of its level; #13 must queue directly behind #10
        cancelled #12 buy 3@91 owner 2
        filled 0 rested 4 cancelled 0
        #1 1@100, #2 1@99, #3 1@98, #4 1@97, #5 1@96, #6 1@95, #7 1@94, #8 1@93, #9 1@92, #11 2@92, #10 1@91, #13 4@91
        1@100 1@99 1@98 1@97 1@96 1@95 1@94 1@93 3@92 5@91
        cancelled #11 buy 2@92 owner 2
        cancelled #9 buy 1@92 owner 1
        1@100 1@99 1@98 1@97 1@96 1@95 1@94 1@93 5@91
        // 100 + 99 + ... + 93 = 772, plus 5 × 91 = 455
        13 lots, value 1227
        ",
    );
}

#[test]
fn depth_depth_to_and_impact() {
    check(
        "
        sell 1 1 100 2
        sell 2 2 100 3
        sell 3 1 102 4
        sell 4 2 105 1
        buy 5 3 98 5
        buy 6 3 97 2
        depth sell 2
        depth sell 10
        depth buy 1
        depth buy 0
        depth_to sell 102
        depth_to sell 99
        depth_to sell 105
        depth_to buy 97
        depth_to buy 98
        depth_to buy 200
        impact sell 1
        impact sell 500
        impact sell 501
        impact sell 908
        impact sell 909
        impact sell 1013
        impact sell 1014
        impact buy 300
        impact buy 491
        impact buy 685
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 3 cancelled 0
        filled 0 rested 4 cancelled 0
        filled 0 rested 1 cancelled 0
        filled 0 rested 5 cancelled 0
        filled 0 rested 2 cancelled 0
        5@100 4@102
        5@100 4@102 1@105
        5@98
        -
        // 5×100 + 4×102
        9 lots, value 908
        0 lots, value 0
        10 lots, value 1013
        // 5×98 + 2×97
        7 lots, value 684
        5 lots, value 490
        0 lots, value 0
        value 100, 1 lots
        // exactly the first level
        value 500, 5 lots
        // 1 more than the first level: a whole lot at 102
        value 602, 6 lots
        value 908, 9 lots
        value 1013, 10 lots
        value 1013, 10 lots
        // more than the whole side
        none
        // 300 / 98 = 3.06, rounded up to 4 lots
        value 392, 4 lots
        value 587, 6 lots
        none
        ",
    );
}

#[test]
fn queries_on_an_empty_book() {
    check(
        "
        bids
        asks
        depth sell 3
        depth_to buy 100
        impact buy 1
        impact sell 1
        last
        order 1
        orders buy
        ",
        "
        -
        -
        -
        0 lots, value 0
        none
        none
        none
        none
        -
        ",
    );
}

#[test]
fn last_trade_follows_fills_only() {
    check(
        "
        last
        buy 1 1 100 5
        last
        sell 2 2 100 2 ioc
        last
        buy 3 2 102 2
        sell 4 1 100 3 ioc db
        last
        sell 5 3 99 1 fok
        last
        sell 6 1 100 1 ioc ct
        cancel 1
        last
        ",
        "
        none
        filled 0 rested 5 cancelled 0
        none
        filled 2 rested 0 cancelled 0: fill #1 2@100 (3 left)
        100
        filled 0 rested 2 cancelled 0
        // trades at 102, then decrements its own #1 at 100: last stays 102
        filled 2 rested 0 cancelled 1 stp: fill #3 2@102 (0 left), stp-reduce #1 by 1 (2 left)
        102
        filled 1 rested 0 cancelled 0: fill #1 1@100 (1 left)
        100
        filled 0 rested 0 cancelled 1 stp
        cancelled #1 buy 1@100 owner 1
        100
        ",
    );
}

#[test]
fn stopping_sink_cancels_the_rest_whatever_the_time_in_force() {
    check(
        "
        sell 1 1 100 2
        sell 2 2 101 2
        buy 3 9 102 10 gtc cm stop=1
        asks
        bids
        buy 4 9 102 1 gtc cm stop=1
        asks
        ",
        "
        filled 0 rested 2 cancelled 0
        filled 0 rested 2 cancelled 0
        filled 2 rested 0 cancelled 8: fill #1 2@100 (0 left)
        2@101
        -
        filled 1 rested 0 cancelled 0: fill #2 1@101 (1 left)
        1@101
        ",
    );
}

/// Runs `check` and returns its panic message (the helper must fail on a wrong transcript).
fn check_failure(script: &'static str, expected: &'static str) -> String {
    let result = std::panic::catch_unwind(|| check(script, expected));
    let payload = result.expect_err("check must fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The helper itself must catch a wrong expectation.
#[test]
fn check_catches_a_wrong_expectation() {
    let message = check_failure("buy 1 1 100 5\nbids", "filled 0 rested 5 cancelled 0\n5@101");
    assert!(message.contains("book_table mismatch"), "{message}");
}

/// And a transcript that is too short.
#[test]
fn check_catches_a_missing_line() {
    let message = check_failure("buy 1 1 100 5\nbids", "filled 0 rested 5 cancelled 0");
    assert!(message.contains("book_table mismatch"), "{message}");
}

/// Depth within a band around the mid: mid 100, 1% = 1 tick each way.
#[test]
fn depth_within_bps_of_mid() {
    use cascade_book::{Book, OrderRequest};
    use cascade_model::{OrderId, SelfTradePrevention, Side, TimeInForce};
    use cascade_num::{Lots, Ticks};
    let mut book = Book::new();
    let mut events = Vec::new();
    for (id, side, price, size) in [
        (1, Side::Buy, 99, 5),
        (2, Side::Buy, 98, 7),
        (3, Side::Sell, 101, 3),
        (4, Side::Sell, 103, 11),
    ] {
        let order = OrderRequest {
            id: OrderId(id),
            owner: id as u32,
            side,
            price: Ticks(price),
            size: Lots(size),
            time_in_force: TimeInForce::Gtc,
            self_trade: SelfTradePrevention::CancelMaker,
        };
        book.submit(&order, &mut events).unwrap();
    }
    assert_eq!(book.depth_within_bps(100), (Lots(5), Lots(3)));
    assert_eq!(book.depth_within_bps(300), (Lots(12), Lots(14)));
    assert_eq!(book.depth_within_bps(50), (Lots(0), Lots(0)));
    assert_eq!(Book::new().depth_within_bps(100), (Lots(0), Lots(0)));
}
