//! Cascade's auditor: an independent shadow ledger built only from commands and events, checked
//! against the engine after every step.
//!
//! It re-derives every account's quote balance and positions from the event stream (fills, fees,
//! funding — recomputed here from the rate and the shadow positions —, liquidation fees,
//! insurance-fund payments, backstop takeovers, ADL), and asserts:
//! 1. conservation: Σ balances + fee pool + funding dust = deposits − withdrawals, exactly;
//! 2. the engine agrees with the shadow on every balance, position, pool and flow;
//! 3. long open interest = short open interest in every market, and the engine agrees;
//! 4. funding is zero-sum: each payment's payers pay exactly what receivers get plus the dust;
//! 5. no account is below maintenance margin unless the engine states it is queued, being
//!    liquidated or in bad debt (maintenance recomputed here by a naive tier scan).

use std::collections::BTreeMap;
use std::fmt;

use cascade_engine::{Engine, LiquidationState};
use cascade_model::{AccountId, Command, Event, MarginTier, MarketId, Side, VenueConfig};
use cascade_num::{Lots, Ticks};

/// The first invariant the auditor found broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditError {
    /// Which check.
    pub check: &'static str,
    /// The detail.
    pub detail: String,
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit check `{}` failed: {}", self.check, self.detail)
    }
}

impl std::error::Error for AuditError {}

fn fail<T>(check: &'static str, detail: String) -> Result<T, AuditError> {
    Err(AuditError { check, detail })
}

/// The names of the checks, as reported in run summaries.
pub const CHECKS: &[&str] = &[
    "conservation",
    "balances-match",
    "positions-match",
    "pools-match",
    "open-interest",
    "funding-zero-sum",
    "maintenance-or-stated",
];

/// Shadow ledger.
#[derive(Clone, Debug)]
pub struct Auditor {
    qptl: Vec<i64>,
    tiers: Vec<Vec<MarginTier>>,
    balances: BTreeMap<u32, i128>,
    positions: BTreeMap<(u32, u16), i64>,
    marks: Vec<Option<Ticks>>,
    fee_pool: i128,
    funding_dust: i128,
    deposits: i128,
    withdrawals: i128,
    steps: u64,
    /// Σ balances, kept as balances change (conservation is then O(1) per step).
    total_balances: i128,
    /// Long and short open interest per market, kept as positions change.
    long_oi: Vec<i128>,
    short_oi: Vec<i128>,
    /// Accounts named by this step's events; only they can have changed (unless prices did).
    touched: std::collections::BTreeSet<u32>,
    /// This step moved a price or paid funding: every account is re-checked.
    everyone: bool,
    /// Counts of notable events seen, for tests that want to know coverage.
    pub seen: Coverage,
}

/// How many liquidation-related events the auditor has checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Fills.
    pub fills: u64,
    /// Liquidations started.
    pub liquidations: u64,
    /// Liquidation fills into the book.
    pub liquidation_fills: u64,
    /// Backstop takeovers.
    pub backstops: u64,
    /// ADL fills.
    pub adl_fills: u64,
    /// Insurance fund payments.
    pub insurance_payments: u64,
    /// Funding payments.
    pub funding_payments: u64,
    /// Bad debt records.
    pub bad_debts: u64,
}

/// `ceil(n / d)` for d > 0, written out here so the auditor does not share the engine's helpers.
fn ceil_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d != 0 && (n > 0) {
        q + 1
    } else {
        q
    }
}

impl Auditor {
    /// An auditor for a venue.
    pub fn new(config: &VenueConfig) -> Auditor {
        Auditor {
            qptl: config
                .markets
                .iter()
                .map(|m| m.quote_per_tick_lot().expect("valid market"))
                .collect(),
            tiers: config.markets.iter().map(|m| m.tiers.clone()).collect(),
            balances: BTreeMap::new(),
            positions: BTreeMap::new(),
            marks: vec![None; config.markets.len()],
            fee_pool: 0,
            funding_dust: 0,
            deposits: 0,
            withdrawals: 0,
            steps: 0,
            total_balances: 0,
            long_oi: vec![0; config.markets.len()],
            short_oi: vec![0; config.markets.len()],
            touched: std::collections::BTreeSet::new(),
            everyone: true,
            seen: Coverage::default(),
        }
    }

    /// Number of steps audited.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn credit(&mut self, account: AccountId, amount: i128) {
        *self.balances.entry(account.0).or_insert(0) += amount;
        self.total_balances += amount;
        self.touched.insert(account.0);
    }

    fn move_position(&mut self, account: AccountId, market: MarketId, delta: i64) {
        let size = self.positions.entry((account.0, market.0)).or_insert(0);
        let old = i128::from(*size);
        *size += delta;
        let new = i128::from(*size);
        let m = market.index();
        self.long_oi[m] += new.max(0) - old.max(0);
        self.short_oi[m] += (-new).max(0) - (-old).max(0);
        self.touched.insert(account.0);
    }

    fn trade(
        &mut self,
        market: MarketId,
        buyer: AccountId,
        seller: AccountId,
        size: i64,
        quote: i128,
    ) {
        self.credit(buyer, -quote);
        self.credit(seller, quote);
        self.move_position(buyer, market, size);
        self.move_position(seller, market, -size);
    }

    fn value(&self, market: MarketId, size: i64, price: Ticks) -> i128 {
        i128::from(size) * i128::from(price.get()) * i128::from(self.qptl[market.index()])
    }

    /// Folds one step's events into the shadow ledger, then checks it against the engine.
    ///
    /// # Errors
    /// The first broken invariant.
    pub fn observe(
        &mut self,
        command: &Command,
        events: &[Event],
        engine: &Engine,
    ) -> Result<(), AuditError> {
        self.steps += 1;
        self.touched.clear();
        for event in events {
            self.fold(event)?;
            match event {
                Event::MarginTiersChanged { market, .. } => {
                    // The command carries the new table; maintenance is recomputed with it.
                    if let Command::SetMarginTiers { tiers, .. } = command {
                        self.tiers[market.index()] = tiers.clone();
                    }
                    self.everyone = true;
                }
                Event::MarkPrice { .. } | Event::OraclePrice { .. } | Event::FundingPaid { .. } => {
                    self.everyone = true
                }
                Event::LiquidationStarted { account, .. }
                | Event::LiquidationEnded { account, .. }
                | Event::BadDebt { account, .. }
                | Event::OrderAccepted { account, .. }
                | Event::OrderCancelled { account, .. } => {
                    self.touched.insert(account.0);
                }
                _ => {}
            }
        }
        let result = self.check(engine);
        self.everyone = false;
        result
    }

    fn fold(&mut self, event: &Event) -> Result<(), AuditError> {
        match *event {
            Event::Deposited { account, amount } => {
                self.credit(account, amount.get().into());
                self.deposits += i128::from(amount.get());
            }
            Event::Withdrawn { account, amount } => {
                self.credit(account, -i128::from(amount.get()));
                self.withdrawals += i128::from(amount.get());
            }
            Event::Fill {
                market,
                maker,
                taker,
                price,
                size,
                taker_side,
                maker_fee,
                taker_fee,
                liquidation,
                ..
            } => {
                self.seen.fills += 1;
                if liquidation {
                    self.seen.liquidation_fills += 1;
                }
                let quote = self.value(market, size.get(), price);
                let (buyer, seller) = match taker_side {
                    Side::Buy => (taker, maker),
                    Side::Sell => (maker, taker),
                };
                self.trade(market, buyer, seller, size.get(), quote);
                self.credit(maker, -i128::from(maker_fee.get()));
                self.credit(taker, -i128::from(taker_fee.get()));
                self.fee_pool += i128::from(maker_fee.get()) + i128::from(taker_fee.get());
            }
            Event::MarkPrice { market, price } => self.marks[market.index()] = Some(price),
            Event::FundingPaid { market, rate, oracle, paid, received } => {
                self.seen.funding_payments += 1;
                let holders: Vec<((u32, u16), i64)> = self
                    .positions
                    .range((0, market.0)..)
                    .filter(|((_, m), s)| *m == market.0 && **s != 0)
                    .map(|(k, s)| (*k, *s))
                    .collect();
                let (mut shadow_paid, mut shadow_received) = (0i128, 0i128);
                for ((account, _), size) in holders {
                    let exact = self.value(market, size, oracle) * i128::from(rate.get());
                    // Payers round up, receivers round down: the signed amount rounds toward +inf.
                    let amount = if exact >= 0 {
                        ceil_div(exact, 1_000_000_000)
                    } else {
                        -((-exact) / 1_000_000_000)
                    };
                    if amount > 0 {
                        shadow_paid += amount;
                    } else {
                        shadow_received -= amount;
                    }
                    self.credit(AccountId(account), -amount);
                }
                if shadow_paid != i128::from(paid.get())
                    || shadow_received != i128::from(received.get())
                {
                    return fail(
                        "funding-zero-sum",
                        format!("market {}: engine paid {paid}/received {received}, shadow {shadow_paid}/{shadow_received}", market.0),
                    );
                }
                if shadow_paid < shadow_received {
                    return fail(
                        "funding-zero-sum",
                        format!("receivers got more than payers paid in market {}", market.0),
                    );
                }
                self.funding_dust += shadow_paid - shadow_received;
            }
            Event::LiquidationStarted { .. } => self.seen.liquidations += 1,
            Event::LiquidationFee { account, to, amount, .. } => {
                if to != AccountId::INSURANCE_FUND && to.is_system() {
                    return fail(
                        "balances-match",
                        format!("liquidation fee of {account} paid to {to}"),
                    );
                }
                self.credit(account, -i128::from(amount.get()));
                self.credit(to, amount.get().into());
            }
            Event::PositionSeeded { account, counterparty, market, size, price } => {
                let quote = self.value(market, size.get().abs(), price);
                if size.get() > 0 {
                    self.trade(market, account, counterparty, size.get(), quote);
                } else {
                    self.trade(market, counterparty, account, -size.get(), quote);
                }
            }
            Event::InsuranceFundPaid { account, amount } => {
                self.seen.insurance_payments += 1;
                self.credit(AccountId::INSURANCE_FUND, -i128::from(amount.get()));
                self.credit(account, amount.get().into());
            }
            Event::BackstopCollateral { account, to, amount, .. } => {
                self.seen.backstops += 1;
                self.credit(account, -i128::from(amount.get()));
                self.credit(to, amount.get().into());
            }
            Event::PositionTransferred { from, to, market, size, price } => {
                let quote = self.value(market, size.get().abs(), price);
                if size.get() > 0 {
                    self.trade(market, to, from, size.get(), quote);
                } else {
                    self.trade(market, from, to, -size.get(), quote);
                }
            }
            Event::AdlFill {
                market, bankrupt, counterparty, bankrupt_side, size, quote, ..
            } => {
                self.seen.adl_fills += 1;
                let (buyer, seller) = match bankrupt_side {
                    Side::Buy => (bankrupt, counterparty),
                    Side::Sell => (counterparty, bankrupt),
                };
                self.trade(market, buyer, seller, size.get(), quote.get().into());
            }
            Event::TradeReversed {
                market,
                maker,
                taker,
                taker_side,
                price,
                size,
                maker_fee,
                taker_fee,
            } => {
                // The original buyer sells back to the original seller; both fees are refunded.
                let quote = self.value(market, size.get(), price);
                let (buyer, seller) = match taker_side {
                    Side::Buy => (maker, taker),
                    Side::Sell => (taker, maker),
                };
                self.trade(market, buyer, seller, size.get(), quote);
                self.credit(maker, maker_fee.get().into());
                self.credit(taker, taker_fee.get().into());
                self.fee_pool -= i128::from(maker_fee.get()) + i128::from(taker_fee.get());
            }
            Event::SettlementFill { market, long, short, size, price } => {
                let quote = self.value(market, size.get(), price);
                self.trade(market, short, long, size.get(), quote);
            }
            Event::BadDebt { .. } => self.seen.bad_debts += 1,
            _ => {}
        }
        Ok(())
    }

    /// Naive maintenance margin: scan the tiers for the bracket, `ceil(N × mmr) − deduction`.
    fn maintenance(&self, market: MarketId, notional: i128) -> i128 {
        let mut tier = &self.tiers[market.index()][0];
        for t in &self.tiers[market.index()] {
            if notional >= i128::from(t.notional_floor.get()) {
                tier = t;
            }
        }
        (ceil_div(notional * i128::from(tier.maintenance_rate.get()), 1_000_000)
            - i128::from(tier.deduction.get()))
        .max(0)
    }

    fn check(&self, engine: &Engine) -> Result<(), AuditError> {
        let total: i128 = self.total_balances + self.fee_pool + self.funding_dust;
        if total != self.deposits - self.withdrawals {
            return fail(
                "conservation",
                format!(
                    "Σ balances + pools = {total} but deposits − withdrawals = {}",
                    self.deposits - self.withdrawals
                ),
            );
        }
        let (deposits, withdrawals) = engine.flows();
        if i128::from(deposits.get()) != self.deposits
            || i128::from(withdrawals.get()) != self.withdrawals
        {
            return fail(
                "pools-match",
                format!(
                    "engine flows {deposits}/{withdrawals}, shadow {}/{}",
                    self.deposits, self.withdrawals
                ),
            );
        }
        if i128::from(engine.fee_pool().get()) != self.fee_pool {
            return fail(
                "pools-match",
                format!("engine fee pool {}, shadow {}", engine.fee_pool(), self.fee_pool),
            );
        }
        if i128::from(engine.funding_dust().get()) != self.funding_dust {
            return fail(
                "pools-match",
                format!(
                    "engine funding dust {}, shadow {}",
                    engine.funding_dust(),
                    self.funding_dust
                ),
            );
        }
        let (long, short) = (&self.long_oi, &self.short_oi);
        for m in 0..self.qptl.len() {
            let view = engine.market(MarketId(m as u16)).expect("market exists");
            if long[m] != short[m] {
                return fail(
                    "open-interest",
                    format!("market {m}: shadow long {} != short {}", long[m], short[m]),
                );
            }
            if i128::from(view.long_open_interest.get()) != long[m]
                || i128::from(view.short_open_interest.get()) != short[m]
            {
                return fail(
                    "open-interest",
                    format!(
                        "market {m}: engine {}/{} vs shadow {}",
                        view.long_open_interest, view.short_open_interest, long[m]
                    ),
                );
            }
        }
        let ids: Vec<AccountId> = if self.everyone {
            engine.account_ids().collect()
        } else {
            self.touched.iter().map(|&a| AccountId(a)).collect()
        };
        for id in ids {
            let Some(view) = engine.account(id) else {
                return fail(
                    "balances-match",
                    format!("{id}: in the events but not in the engine"),
                );
            };
            let shadow = self.balances.get(&id.0).copied().unwrap_or(0);
            if i128::from(view.total_cash.get()) != shadow {
                return fail(
                    "balances-match",
                    format!("{id}: engine {} shadow {shadow}", view.total_cash),
                );
            }
            let mut cross_equity = i128::from(view.cash.get());
            let mut cross_mm = 0i128;
            let mut has_isolated = false;
            for p in &view.positions {
                let shadow_size = self.positions.get(&(id.0, p.market.0)).copied().unwrap_or(0);
                if i128::from(p.size.get()) != i128::from(shadow_size) {
                    return fail(
                        "positions-match",
                        format!(
                            "{id} market {}: engine {} shadow {shadow_size}",
                            p.market.0, p.size
                        ),
                    );
                }
                if p.size == Lots::ZERO {
                    continue;
                }
                let mark = self.marks[p.market.index()]
                    .or_else(|| engine.market(p.market).and_then(|m| m.oracle))
                    .unwrap_or(Ticks(0));
                let value = self.value(p.market, p.size.get(), mark);
                if p.isolated {
                    has_isolated = true;
                    let below = i128::from(p.isolated_cash.get()) + value
                        < self.maintenance(p.market, value.abs());
                    if below
                        && engine.liquidation_state(id, Some(p.market)) == LiquidationState::Normal
                        && !id.is_system()
                        && !engine.position_liquidating(id, p.market)
                    {
                        return fail(
                            "maintenance-or-stated",
                            format!(
                                "{id} isolated market {} below maintenance and not in liquidation",
                                p.market.0
                            ),
                        );
                    }
                } else {
                    cross_equity += value;
                    cross_mm += self.maintenance(p.market, value.abs());
                }
            }
            let _ = has_isolated;
            if !id.is_system()
                && cross_mm > 0
                && cross_equity < cross_mm
                && engine.liquidation_state(id, None) == LiquidationState::Normal
            {
                return fail("maintenance-or-stated", format!("{id}: equity {cross_equity} < maintenance {cross_mm} and not in liquidation"));
            }
        }
        Ok(())
    }
}
