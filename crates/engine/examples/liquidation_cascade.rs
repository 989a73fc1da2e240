//! A small liquidation cascade on each venue preset, audited step by step, with a summary table.
//!
//! A market maker quotes a deep book; twelve leveraged longs and a few shorts trade; the maker
//! pulls its quotes and leaves thin bids; the oracle falls 3% a step for six steps while sellers
//! trade into the book. The same commands run on Hyperliquid, dYdX v4 and Binance USDⓈ-M presets,
//! and each venue's pipeline (book, backstop, insurance fund, ADL) handles the losses its own way.
//! The oracle path is an exogenous input; the simulator (issue 3) will replace this script with
//! agents. Run with `cargo run --release -p cascade-engine --example liquidation_cascade`.

use cascade_model::{AccountId, Command, Event, MarketId, Side};
use cascade_num::Quote;
use cascade_test_support::harness::{deposit, leverage, limit, market, open, oracle, Harness};

const MAKER: u32 = 2;
const LONGS: std::ops::Range<u32> = 10..22;
const SHORTS: std::ops::Range<u32> = 30..34;

#[derive(Default)]
struct Tally {
    liquidations: u64,
    liquidated_usd: i128,
    backstop_usd: i128,
    adl_usd: i128,
    insurance_paid_usd: i128,
    bad_debt_usd: i128,
}

fn usd(micro: i128) -> String {
    format!("{:.0}", micro / 1_000_000)
}

fn run(preset: &str) -> (Tally, Quote, Quote, u64) {
    let config = cascade_venue::preset(preset).expect("built-in preset");
    let qptl = config.markets[0].quote_per_tick_lot().expect("valid market");
    let max_leverage = config.markets[0].tiers[0].max_leverage;
    let lots = |dollars: i64| dollars * 10 / qptl;
    let mut h = Harness::new(config);
    let mut events: Vec<Event> = Vec::new();
    for c in [
        deposit(0, 250_000),
        deposit(1, 250_000),
        open(MAKER),
        deposit(MAKER, 20_000_000),
        oracle(0, 100_000),
    ] {
        h.now(c);
    }
    let mut id = 100;
    for level in 1..=10 {
        id += 2;
        h.now(limit(id, MAKER, 0, Side::Buy, 100_000 - 20 * level, lots(200_000)));
        h.now(limit(id + 1, MAKER, 0, Side::Sell, 100_000 + 20 * level, lots(200_000)));
    }
    for (i, a) in LONGS.enumerate() {
        h.now(open(a));
        h.now(deposit(a, 2_000 + 500 * i as i64));
        h.now(leverage(a, 0, max_leverage.min(10 + i as u32)));
        id += 1;
        h.now(market(id, a, 0, Side::Buy, 100_300, lots(15_000 + 4_000 * i as i64)));
    }
    for a in SHORTS {
        h.now(open(a));
        h.now(deposit(a, 40_000));
        id += 1;
        h.now(market(id, a, 0, Side::Sell, 99_700, lots(60_000)));
    }
    // The maker pulls everything and leaves thin bids 2% apart.
    let resting: Vec<_> = h
        .engine
        .book(MarketId(0))
        .unwrap()
        .orders(Side::Buy)
        .chain(h.engine.book(MarketId(0)).unwrap().orders(Side::Sell))
        .map(|o| o.id)
        .collect();
    for order in resting {
        h.now(Command::CancelOrder { account: AccountId(MAKER), order });
    }
    for step in 1..=12 {
        id += 1;
        h.now(limit(id, MAKER, 0, Side::Buy, 100_000 - 2_000 * step, lots(8_000)));
    }
    let insurance_before = h.engine.account(AccountId::INSURANCE_FUND).unwrap().equity;
    for step in 1..=6i64 {
        let price = 100_000 * (100 - 3 * step) / 100;
        events.extend(h.at(3, oracle(0, price)));
        id += 1;
        events.extend(h.now(limit(id, MAKER, 0, Side::Sell, price + 500, lots(2_000))));
        id += 1;
        events.extend(h.now(market(id, SHORTS.start, 0, Side::Sell, price - 3_000, lots(3_000))));
        for _ in 0..10 {
            events.extend(h.at(1, Command::Tick));
        }
    }
    let mut t = Tally::default();
    for e in &events {
        match *e {
            Event::LiquidationStarted { account, .. } if !account.is_system() => {
                t.liquidations += 1
            }
            Event::Fill { liquidation: true, price, size, .. } => {
                t.liquidated_usd +=
                    i128::from(price.get()) * i128::from(size.get()) * i128::from(qptl)
            }
            Event::PositionTransferred { size, price, .. } => {
                t.backstop_usd +=
                    i128::from(price.get()) * i128::from(size.get().abs()) * i128::from(qptl)
            }
            Event::AdlFill { quote, .. } => t.adl_usd += i128::from(quote.get()),
            Event::InsuranceFundPaid { amount, .. } => {
                t.insurance_paid_usd += i128::from(amount.get())
            }
            Event::BadDebt { amount, .. } => t.bad_debt_usd += i128::from(amount.get()),
            _ => {}
        }
    }
    let insurance_after = h.engine.account(AccountId::INSURANCE_FUND).unwrap().equity;
    (t, insurance_before, insurance_after, h.auditor.steps())
}

fn main() {
    println!("Liquidation cascade: 12 leveraged longs, a market maker that pulls its quotes, oracle −18% in 6 steps");
    println!("(every step audited: balances, open interest, funding, maintenance — see crates/test-support/src/auditor.rs)\n");
    println!(
        "{:<14} {:>6} {:>14} {:>13} {:>10} {:>13} {:>9} {:>16}",
        "venue",
        "liqs",
        "book liq $",
        "backstop $",
        "ADL $",
        "IF paid $",
        "bad $",
        "IF equity before→after $"
    );
    for preset in cascade_venue::preset_names() {
        let (t, before, after, steps) = run(preset);
        println!(
            "{:<14} {:>6} {:>14} {:>13} {:>10} {:>13} {:>9} {:>8}→{:<8}  ({steps} steps audited)",
            preset,
            t.liquidations,
            usd(t.liquidated_usd),
            usd(t.backstop_usd),
            usd(t.adl_usd),
            usd(t.insurance_paid_usd),
            usd(t.bad_debt_usd),
            usd(before.get().into()),
            usd(after.get().into()),
        );
    }
}
