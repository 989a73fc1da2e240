//! Spot venues with seeded inventory, keepers, the liquidation feed, loan-based makers, and
//! initial positions loaded from a CSV file — each run audited step by step.

use cascade_model::{AccountId, Event};
use cascade_num::TimeNs;
use cascade_scenario::{build, load, load_builtin};

use cascade_test_support::world::audited;

#[derive(Default)]
struct Facts {
    seeded: u64,
    keeper_fees: u64,
    insurance_fees: u64,
    liquidations: u64,
    first_liquidation_s: Option<u64>,
    spot_funding: u64,
    events: Vec<(u64, String)>,
}

impl cascade_sim::RunSink for Facts {
    fn event(&mut self, time: TimeNs, _: u64, venue: &str, event: &Event) {
        let t = time.get() / TimeNs::SECOND;
        match event {
            Event::PositionSeeded { .. } => self.seeded += 1,
            Event::LiquidationFee { to, .. } if *to == AccountId::INSURANCE_FUND => {
                self.insurance_fees += 1
            }
            Event::LiquidationFee { .. } => self.keeper_fees += 1,
            Event::LiquidationStarted { .. } => {
                self.liquidations += 1;
                self.first_liquidation_s.get_or_insert(t);
            }
            Event::FundingSample { .. } | Event::FundingPaid { .. } if venue == "spot" => {
                self.spot_funding += 1
            }
            _ => {}
        }
        if matches!(event, Event::LiquidationStarted { .. } | Event::PositionSeeded { .. }) {
            self.events.push((t, venue.to_string()));
        }
    }
    fn second(&mut self, _: &cascade_sim::SecondRow) {}
}

/// The built-in `spot-perp-keepers`: inventory is seeded on the spot venue; nothing is liquidated
/// before the loan is recalled; after it, liquidations come only from keepers, who receive the
/// fees; the spot market pays no funding.
#[test]
fn spot_perp_keepers_facts() {
    let s = load_builtin("spot-perp-keepers").unwrap();
    let mut facts = Facts::default();
    let result = audited(build(&s, s.seed())).run(&mut facts, &mut |_| {});
    assert_eq!(result.observer_error, None);
    // 1 loan maker + 3 small makers + 8 arbitrageurs + 80 sellers hold seeded inventory.
    assert_eq!(facts.seeded, 92);
    assert!(facts.first_liquidation_s.is_some_and(|t| t > 600), "{:?}", facts.first_liquidation_s);
    assert!(facts.liquidations > 20, "{}", facts.liquidations);
    assert!(facts.keeper_fees > 0);
    assert_eq!(facts.insurance_fees, 0, "keepers, not the insurance fund, take the fee");
    assert_eq!(facts.spot_funding, 0);
    assert!(result.summary.max_drawdown_pct > 20.0, "{}", result.summary.max_drawdown_pct);
}

/// Keepers matter: when the chain stays congested (every request 60 s late), liquidations happen
/// later and lose more than when keepers are prompt.
#[test]
fn congested_keepers_liquidate_later() {
    let run = |congestion: &str| {
        let child = format!(
            "include = \"builtin:spot-perp-keepers\"\n\n[[timeline]]\nat_s = 1\ngroup = \"keepers\"\nsignal = \"congestion\"\nvalue = \"{congestion}\"\n\n[[timeline]]\nat_s = 600\ngroup = \"loan-mm\"\nsignal = \"recall\"\n\n[[timeline]]\nat_s = 600\ngroup = \"spot-sellers\"\nsignal = \"buy_share\"\nvalue = \"0.15\"\n"
        );
        // (A child's arrays replace the parent's: the recall and the sellers' turn are restated.)
        let s = load(&child, "k.toml", &mut cascade_scenario::builtin_resolver)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut facts = Facts::default();
        let result = audited(build(&s, 5)).run(&mut facts, &mut |_| {});
        assert_eq!(result.observer_error, None);
        (facts, result)
    };
    let (prompt, _) = run("0");
    let (late, _) = run("60");
    assert!(prompt.liquidations > 0 && late.liquidations > 0);
    assert!(
        late.first_liquidation_s > prompt.first_liquidation_s,
        "congested {:?} vs prompt {:?}",
        late.first_liquidation_s,
        prompt.first_liquidation_s
    );
}

fn positions_scenario(csv_rows: &str) -> Result<cascade_scenario::Scenario, String> {
    // The default scenario's file with a holder and a position file appended.
    let base = cascade_scenario::builtin("thin-book-flash-crash").unwrap().to_string();
    let text = base.replace("duration_s = 1800", "duration_s = 700")
        + r#"
[[agents]]
kind = "holder"
group = "supply"
venue = "perp-dex"
market = "ALT-PERP"
capital_usd = "50000000"

[[initial_positions]]
csv = "positions.csv"
venue = "perp-dex"
market = "ALT-PERP"
asset = "ALT"
price_usd = 1.0
leverage = [5, 10]
size_scale = 0.5
max_rows = 40
"#;
    let data = format!("user_address,asset,side,position_size,entry_price\n{csv_rows}");
    let mut resolve = |name: &str| -> Result<(String, String), String> {
        match name {
            "positions.csv" => Ok((data.clone(), "positions.csv".into())),
            other => cascade_scenario::builtin_resolver(other),
        }
    };
    load(&text, "positions.toml", &mut resolve).map_err(|e| e.to_string())
}

/// Rows of a position file become accounts holding those positions from time zero (the
/// outside holder takes the other side); leveraged longs among them are liquidated in the crash.
#[test]
fn initial_positions_from_csv() {
    let mut rows = String::new();
    for k in 0..60 {
        let side = if k % 4 == 0 { "SHORT" } else { "LONG" };
        rows.push_str(&format!("0x{k:04x},ALT,{side},{},\n", 20_000 + 500 * k));
    }
    rows.push_str("0xbtc,BTC,LONG,5,\n0xzero,ALT,SHORT,0.0,\n");
    let s = positions_scenario(&rows).unwrap_or_else(|e| panic!("{e}"));
    let spec = build(&s, 3);
    let mut facts = Facts::default();
    let result = audited(spec).run(&mut facts, &mut |_| {});
    assert_eq!(result.observer_error, None);
    assert_eq!(facts.seeded, 40, "max_rows keeps the 40 largest ALT rows");
    assert!(facts.events.iter().any(|(t, _)| *t == 0), "seeded at time zero");
    assert!(facts.liquidations > 0);
    // Bad rows and missing columns are reported with the file's line.
    let err = positions_scenario("0x1,ALT,SIDEWAYS,5,\n0x2,ALT,LONG,abc,\n").unwrap_err();
    assert!(err.contains("positions.csv:2") && err.contains("SIDEWAYS"), "{err}");
    assert!(err.contains("positions.csv:3") && err.contains("abc"), "{err}");
    let err = positions_scenario("0x1,BTC,LONG,5,\n").unwrap_err();
    assert!(err.contains("initial_positions[0].csv") && err.contains("no rows"), "{err}");
}

/// Inventory and initial positions need a holder on their venue; the error says so.
#[test]
fn seeds_without_a_holder_are_refused() {
    let child = r#"include = "builtin:thin-book-flash-crash"

[[agents]]
kind = "noise"
group = "sellers"
venue = "perp-dex"
market = "ALT-PERP"
capital_usd = "10000"
mean_interval_s = 10
size_usd = [100, 200]
inventory_usd = 5000
"#;
    let err =
        load(child, "x.toml", &mut cascade_scenario::builtin_resolver).unwrap_err().to_string();
    assert!(err.contains("inventory_usd and inventory_price_usd go together"), "{err}");
    assert!(err.contains("needs a `holder` agent on venue `perp-dex`"), "{err}");
}

/// `single-order-wipe` (GDAX ETH 2017): the one large sell walks the book about 30%; stops and
/// liquidations then print at least 60% below the start within seconds; the price is back
/// within 5% of the start two minutes later. Checked on three seeds.
#[test]
fn single_order_wipe_facts() {
    for seed in [3, 4, 5] {
        let s = load_builtin("single-order-wipe").unwrap();
        #[derive(Default)]
        struct Prints {
            start: Option<f64>,
            after_120s: Option<f64>,
            first_minute_low: Option<i64>,
            whale_low: Option<i64>,
        }
        impl cascade_sim::RunSink for Prints {
            fn event(&mut self, time: TimeNs, _: u64, _: &str, event: &Event) {
                if let Event::Fill { price, taker, .. } = event {
                    let t = time.get();
                    if (600 * TimeNs::SECOND..660 * TimeNs::SECOND).contains(&t) {
                        let low = self.first_minute_low.map_or(price.get(), |l| l.min(price.get()));
                        self.first_minute_low = Some(low);
                        // The whale is the second agent (account 3).
                        if taker.0 == 3 {
                            let w = self.whale_low.map_or(price.get(), |l| l.min(price.get()));
                            self.whale_low = Some(w);
                        }
                    }
                }
            }
            fn second(&mut self, row: &cascade_sim::SecondRow) {
                match row.time_s {
                    599 => self.start = row.last,
                    720 => self.after_120s = row.last,
                    _ => {}
                }
            }
        }
        let mut p = Prints::default();
        let result = audited(build(&s, seed)).run(&mut p, &mut |_| {});
        assert_eq!(result.observer_error, None);
        let start = p.start.unwrap();
        // ETH-PERP ticks are $0.1.
        let whale = p.whale_low.unwrap() as f64 * 0.1;
        let low = p.first_minute_low.unwrap() as f64 * 0.1;
        let back = p.after_120s.unwrap();
        assert!(
            (0.25..0.35).contains(&(1.0 - whale / start)),
            "seed {seed}: the order walked {whale} from {start}"
        );
        assert!(low < 0.4 * start, "seed {seed}: lowest print {low} from {start}");
        assert!(
            (back / start - 1.0).abs() < 0.05,
            "seed {seed}: {back} two minutes later, from {start}"
        );
        assert!(
            result.summary.liquidations_count > 50,
            "seed {seed}: {}",
            result.summary.liquidations_count
        );
    }
}
