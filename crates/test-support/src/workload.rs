//! A seeded random workload for the engine: market makers quoting ladders (and sometimes pulling
//! them), leveraged traders, deposits and withdrawals, isolated margin, oracle random walks with
//! shocks, and long time gaps that cross funding intervals. Drives the auditor through
//! liquidations, backstops, insurance payments and ADL.

use cascade_engine::Engine;
use cascade_model::{
    AccountId, Command, MarketId, NewOrder, OrderId, OrderType, SelfTradePrevention, Side,
    TimeInForce,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};

/// SplitMix64, a fixed small PRNG (tests only).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (hi exclusive, hi > lo).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// Shape of the workload.
#[derive(Clone, Copy, Debug)]
pub struct WorkloadParams {
    /// Market makers (accounts 2..).
    pub makers: u32,
    /// Traders (after the makers).
    pub traders: u32,
    /// Price of every market at start, in ticks.
    pub start_ticks: i64,
    /// Percent chance per step of an oracle shock of 5–45%.
    pub shock_percent: u64,
}

impl Default for WorkloadParams {
    fn default() -> WorkloadParams {
        WorkloadParams { makers: 2, traders: 12, start_ticks: 100_000, shock_percent: 4 }
    }
}

/// Generates commands one at a time, looking at the engine only to aim orders sensibly.
#[derive(Clone, Debug)]
pub struct Workload {
    rng: Rng,
    params: WorkloadParams,
    next_id: u64,
    markets: u16,
    setup: Vec<Command>,
    pulled: bool,
}

impl Workload {
    /// A workload for an engine's venue.
    pub fn new(engine: &Engine, seed: u64, params: WorkloadParams) -> Workload {
        let markets = engine.config().markets.len().min(2) as u16;
        let mut setup = vec![
            Command::Deposit {
                account: AccountId::INSURANCE_FUND,
                amount: Quote::from_units(20_000),
            },
            Command::Deposit {
                account: AccountId::BACKSTOP_VAULT,
                amount: Quote::from_units(50_000),
            },
        ];
        for m in 0..markets {
            setup.push(Command::SetOracle {
                market: MarketId(m),
                price: Ticks(params.start_ticks),
                confidence: None,
            });
        }
        let first = AccountId::FIRST_USER;
        for i in 0..params.makers + params.traders {
            let account = AccountId(first + i);
            setup.push(Command::OpenAccount { account });
            let dollars = if i < params.makers { 5_000_000 } else { 2_000 + 1_000 * i64::from(i) };
            setup.push(Command::Deposit { account, amount: Quote::from_units(dollars) });
        }
        setup.reverse();
        Workload { rng: Rng::new(seed), params, next_id: 1, markets, setup, pulled: false }
    }

    fn id(&mut self) -> OrderId {
        self.next_id += 1;
        OrderId(self.next_id)
    }

    fn lots_for(engine: &Engine, market: MarketId, dollars: i64, price: i64) -> i64 {
        let qptl = engine.market(market).expect("market").quote_per_tick_lot;
        (dollars * 1_000_000 / (price.max(1) * qptl)).max(1)
    }

    /// The next `(seconds to wait, command)`.
    pub fn next(&mut self, engine: &Engine) -> (u64, Command) {
        if let Some(c) = self.setup.pop() {
            return (0, c);
        }
        let market = MarketId((self.rng.next_u64() % u64::from(self.markets)) as u16);
        let view = engine.market(market).expect("market");
        let oracle = view.oracle.map_or(self.params.start_ticks, Ticks::get);
        let first = AccountId::FIRST_USER;
        let roll = self.rng.range(0, 100);
        let dt = if self.rng.chance(3) {
            self.rng.range(600, 4_000) as u64
        } else {
            self.rng.range(0, 4) as u64
        };
        let command = if roll < 8 || (self.rng.chance(self.params.shock_percent) && roll < 30) {
            // Oracle: a random walk, sometimes a shock.
            let shock = self.rng.chance(self.params.shock_percent * 4);
            let pct = if shock { self.rng.range(5, 45) } else { self.rng.range(0, 3) };
            let down = self.rng.chance(60);
            let p = if down { oracle * (100 - pct) / 100 } else { oracle * (100 + pct) / 100 };
            Command::SetOracle { market, price: Ticks(p.max(10)), confidence: None }
        } else if roll < 40 {
            // A maker refreshes one level of its ladder, unless liquidity was pulled.
            if self.rng.chance(5) {
                self.pulled = !self.pulled;
            }
            let maker =
                AccountId(first + (self.rng.next_u64() % u64::from(self.params.makers)) as u32);
            let side = if self.rng.chance(50) { Side::Buy } else { Side::Sell };
            let depth = if self.pulled { self.rng.range(5, 40) } else { self.rng.range(1, 8) };
            let offset = oracle * depth / 1_000;
            let price = match side {
                Side::Buy => oracle - offset.max(1),
                Side::Sell => oracle + offset.max(1),
            };
            let dollars = if self.pulled {
                self.rng.range(200, 2_000)
            } else {
                self.rng.range(2_000, 40_000)
            };
            let size = Workload::lots_for(engine, market, dollars, price);
            let id = self.id();
            Command::PlaceOrder(NewOrder {
                id,
                account: maker,
                market,
                side,
                order_type: OrderType::Limit,
                price: Ticks(price.max(1)),
                size: Lots(size),
                time_in_force: if self.rng.chance(20) {
                    TimeInForce::PostOnly
                } else {
                    TimeInForce::Gtc
                },
                reduce_only: false,
                self_trade: SelfTradePrevention::CancelMaker,
            })
        } else if roll < 50 {
            // Cancel some maker order.
            let maker =
                AccountId(first + (self.rng.next_u64() % u64::from(self.params.makers)) as u32);
            let book = engine.book(market).expect("market");
            let side = if self.rng.chance(50) { Side::Buy } else { Side::Sell };
            match book
                .orders(side)
                .filter(|o| o.owner == maker.0)
                .nth(self.rng.range(0, 5) as usize)
            {
                Some(o) => Command::CancelOrder { account: maker, order: o.id },
                None => Command::Tick,
            }
        } else if roll < 88 {
            // A trader takes liquidity at high leverage, or reduces.
            let trader = AccountId(
                first
                    + self.params.makers
                    + (self.rng.next_u64() % u64::from(self.params.traders)) as u32,
            );
            let account = engine.account(trader).expect("trader");
            let position =
                account.positions.iter().find(|p| p.market == market).map_or(0, |p| p.size.get());
            if self.rng.chance(6) {
                let max = engine.config().markets[market.index()].tiers[0].max_leverage;
                let leverage = self.rng.range(1, i64::from(max) + 1) as u32;
                return (dt, Command::SetLeverage { account: trader, market, leverage });
            }
            if position == 0 && self.rng.chance(8) {
                return (
                    dt,
                    Command::SetIsolated { account: trader, market, isolated: self.rng.chance(50) },
                );
            }
            let closing = position != 0 && self.rng.chance(25);
            let side = if closing {
                Side::closing(position.signum())
            } else if self.rng.chance(55) {
                Side::Buy
            } else {
                Side::Sell
            };
            let equity = account.equity.get().max(0) / 1_000_000;
            let dollars = if closing { 0 } else { (equity * self.rng.range(2, 30)).max(50) };
            let size = if closing {
                position.abs()
            } else {
                Workload::lots_for(engine, market, dollars, oracle)
            };
            let worst = match side {
                Side::Buy => oracle * 110 / 100,
                Side::Sell => oracle * 90 / 100,
            };
            let id = self.id();
            Command::PlaceOrder(NewOrder {
                id,
                account: trader,
                market,
                side,
                order_type: if self.rng.chance(70) { OrderType::Market } else { OrderType::Limit },
                price: Ticks(worst.max(1)),
                size: Lots(size),
                time_in_force: TimeInForce::Ioc,
                reduce_only: closing,
                self_trade: SelfTradePrevention::CancelTaker,
            })
        } else if roll < 94 {
            let trader = AccountId(
                first
                    + self.params.makers
                    + (self.rng.next_u64() % u64::from(self.params.traders)) as u32,
            );
            Command::Deposit {
                account: trader,
                amount: Quote::from_units(self.rng.range(100, 3_000)),
            }
        } else if roll < 97 {
            let trader = AccountId(
                first
                    + self.params.makers
                    + (self.rng.next_u64() % u64::from(self.params.traders)) as u32,
            );
            Command::Withdraw {
                account: trader,
                amount: Quote::from_units(self.rng.range(10, 2_000)),
            }
        } else {
            Command::Tick
        };
        (dt, command)
    }
}

/// Runs `steps` workload steps through a harness, returning it. Panics on an audit failure with
/// the seed and step.
pub fn run(
    config: cascade_model::VenueConfig,
    seed: u64,
    steps: usize,
    params: WorkloadParams,
) -> crate::harness::Harness {
    let mut harness = crate::harness::Harness::new(config);
    let mut workload = Workload::new(&harness.engine, seed, params);
    for step in 0..steps {
        let (dt, command) = workload.next(&harness.engine);
        let at = TimeNs(harness.now.get() + dt * TimeNs::SECOND);
        if let Err(e) = harness.step(at, command.clone()) {
            panic!("seed {seed} step {step} ({command:?}): {e}");
        }
    }
    harness
}
