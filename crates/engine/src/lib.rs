//! Cascade's exchange engine: a deterministic perpetual-futures venue as a pure state machine.
//!
//! One entry point, [`Engine::apply`]: a command at a timestamp in, events out. Time is an
//! argument (there is no clock); scheduled work — mark updates, funding samples and payments,
//! liquidation steps — runs when a command's timestamp passes its due time. Rejections are
//! events, never `Err`; a broken invariant is a bug and panics.
//!
//! Money model (as dYdX keeps it): each account has a quote balance (`cash`, which may be
//! negative while a long is open) and signed positions; equity = cash + Σ size × mark. A trade
//! moves exactly `size × price` of quote between the two sides, so the sum of all balances
//! (accounts, insurance fund, backstop vault, fee pool, funding dust) always equals deposits −
//! withdrawals, and long open interest always equals short.
//!
//! Modules: `orders` (validation, margin pre-check, matching, settlement), `risk` (equity and
//! requirements), `schedule` (mark, funding), `liquidation` (index and pipeline), `adl`,
//! `hash` (state hash).
#![deny(clippy::float_arithmetic)]

mod adl;
mod admin;
mod hash;
pub mod limits;
mod liquidation;
mod orders;
mod risk;
mod schedule;
mod state;

use std::collections::{BTreeSet, HashMap};

use cascade_book::{Book, BookEvent, IdBuildHasher};
use cascade_model::{
    AccountId, Command, Event, MarketId, OrderId, RejectReason, Side, VenueConfig, VenueConfigError,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};

pub use state::LiquidationState;
use state::{Account, MarketState};

/// A deliberate bug, switched on in tests to prove the auditor catches it (only with the
/// `fault-injection` feature; otherwise it can never be set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Credit every taker fee to the fee pool twice.
    FeeCreditedTwice,
    /// Forget to move funding dust to its pool.
    FundingDustLost,
    /// Skip the liquidation index, so crossed accounts are never found.
    LiquidationIndexIgnored,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct OrderMeta {
    pub(crate) account: AccountId,
    pub(crate) market: MarketId,
    pub(crate) side: Side,
    /// Limit price of a resting order.
    pub(crate) price: Ticks,
    pub(crate) reduce_only: bool,
    pub(crate) post_only: bool,
    pub(crate) self_trade: cascade_model::SelfTradePrevention,
    /// When the order was accepted (the minimum quote life counts from here).
    pub(crate) placed_at: TimeNs,
}

/// The exchange.
#[derive(Clone, Debug)]
pub struct Engine {
    config: VenueConfig,
    now: TimeNs,
    markets: Vec<MarketState>,
    accounts: Vec<Account>,
    orders: HashMap<u64, OrderMeta, IdBuildHasher>,
    fee_pool: Quote,
    funding_dust: Quote,
    deposits: Quote,
    withdrawals: Quote,
    next_engine_order: u64,
    next_mark_at: TimeNs,
    next_sample_at: TimeNs,
    next_funding_at: TimeNs,
    /// Positions waiting for a liquidation step: (account, market for isolated or `u16::MAX`).
    pending: BTreeSet<(u32, u16)>,
    /// Where the next liquidation step starts taking from `pending` (round robin).
    liquidation_cursor: (u32, u16),
    /// Scopes in recorded bad debt, retried when the insurance fund can pay. Derived from the
    /// accounts' states (so not hashed separately).
    bad_debts: BTreeSet<(u32, u16)>,
    /// Count of ADL passes, seeding dYdX-style pseudo-random starts.
    adl_passes: u64,
    scratch: Vec<BookEvent>,
    /// Accounts whose positions or balances changed during the current command.
    touched: Vec<u32>,
    /// The keeper whose `Liquidate` command is being processed (it receives the fee).
    keeper: Option<u32>,
    /// When the backstop next works off inherited positions (`BackstopUnwind`).
    next_unwind_at: TimeNs,
    /// Fills kept for `RollbackTrades` (only with `safeguards.trade_rollback`).
    journal: Vec<admin::JournalFill>,
    /// What the operator has paid into the insurance fund under `safeguards.insurance_top_up`.
    topped_up: Quote,
    fault: Option<Fault>,
}

/// A read-only view of a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionView {
    /// Market.
    pub market: MarketId,
    /// Signed size.
    pub size: Lots,
    /// Cost basis of the open size.
    pub entry_value: Quote,
    /// Average entry price (cost basis / size), rounded toward zero; zero when flat.
    pub average_entry: Ticks,
    /// Realised PnL so far.
    pub realized_pnl: Quote,
    /// Chosen leverage.
    pub leverage: u32,
    /// Isolated margin mode.
    pub isolated: bool,
    /// Isolated collateral.
    pub isolated_cash: Quote,
    /// Resting buy size.
    pub open_buy: Lots,
    /// Resting sell size.
    pub open_sell: Lots,
}

/// A read-only view of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    /// Id.
    pub id: AccountId,
    /// Cross quote balance.
    pub cash: Quote,
    /// Total quote balance: cross plus isolated.
    pub total_cash: Quote,
    /// Cross equity at mark (cash + cross positions' value).
    pub equity: Quote,
    /// Cross maintenance margin at mark.
    pub maintenance: Quote,
    /// Cross initial margin (positions and resting orders) at mark.
    pub initial: Quote,
    /// Positions, including flat slots that hold settings or orders.
    pub positions: Vec<PositionView>,
    /// Resting orders.
    pub order_count: u32,
    /// Liquidation state of the cross account.
    pub state: LiquidationState,
}

/// A read-only view of a market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketView {
    /// Id.
    pub id: MarketId,
    /// Oracle price.
    pub oracle: Option<Ticks>,
    /// Mark price.
    pub mark: Option<Ticks>,
    /// Last trade price.
    pub last_trade: Option<Ticks>,
    /// Long open interest.
    pub long_open_interest: Lots,
    /// Short open interest.
    pub short_open_interest: Lots,
    /// Quote per tick per lot.
    pub quote_per_tick_lot: i64,
    /// Accounts with a position.
    pub holder_count: usize,
    /// The last funding rate paid (per interval; positive: longs paid shorts).
    pub funding_rate: cascade_num::Ppb,
}

fn rejected(command: &Command, reason: RejectReason) -> Event {
    let order = match command {
        Command::PlaceOrder(o) => Some(o.id),
        Command::CancelOrder { order, .. } | Command::AmendOrder { order, .. } => Some(*order),
        _ => None,
    };
    Event::Rejected { account: command.account(), order, reason }
}

impl Engine {
    /// An engine for a venue, at time zero, with the insurance fund and backstop vault open.
    ///
    /// # Errors
    /// The configuration's first problem.
    pub fn new(config: VenueConfig) -> Result<Engine, VenueConfigError> {
        config.validate()?;
        let mut markets = Vec::with_capacity(config.markets.len());
        for (i, spec) in config.markets.iter().enumerate() {
            let qptl = spec
                .quote_per_tick_lot()
                .map_err(|e| VenueConfigError::new(&config.name, &e.to_string()))?;
            if qptl > limits::QUOTE_PER_TICK_LOT_MAX {
                return Err(VenueConfigError::new(
                    &config.name,
                    &format!(
                        "market `{}`: one tick on one lot is worth more than the limit",
                        spec.symbol
                    ),
                ));
            }
            markets.push(MarketState {
                id: MarketId(u16::try_from(i).expect("validated market count")),
                spec: spec.clone(),
                halted: false,
                quote_per_tick_lot: qptl,
                book: Book::new(),
                oracle: None,
                mark: None,
                external_mid: None,
                external_depth: None,
                basis_ema_micro: None,
                book_ema_micro: None,
                last_mark_update: TimeNs::ZERO,
                basis_samples: std::collections::VecDeque::new(),
                premiums: Default::default(),
                last_funding_rate: Default::default(),
                long_open_interest: Lots::ZERO,
                short_open_interest: Lots::ZERO,
                holders: Vec::new(),
                long_triggers: BTreeSet::new(),
                short_triggers: BTreeSet::new(),
                oracle_at: TimeNs::ZERO,
                stale_reported: false,
                mark_history: std::collections::VecDeque::new(),
                breaker_until: None,
            });
        }
        let mut accounts = vec![Account::closed(), Account::closed()];
        accounts[0].open = true;
        accounts[1].open = true;
        let funding = config.funding;
        Ok(Engine {
            now: TimeNs::ZERO,
            markets,
            accounts,
            orders: HashMap::with_hasher(IdBuildHasher::default()),
            fee_pool: Quote::ZERO,
            funding_dust: Quote::ZERO,
            deposits: Quote::ZERO,
            withdrawals: Quote::ZERO,
            next_engine_order: limits::ENGINE_ORDER_ID_FIRST,
            next_mark_at: TimeNs(config.mark_interval_ns),
            next_sample_at: TimeNs(funding.sample_interval_ns),
            next_funding_at: TimeNs(funding.interval_ns),
            pending: BTreeSet::new(),
            liquidation_cursor: (0, 0),
            bad_debts: BTreeSet::new(),
            adl_passes: 0,
            scratch: Vec::new(),
            touched: Vec::new(),
            keeper: None,
            next_unwind_at: TimeNs::ZERO,
            journal: Vec::new(),
            topped_up: Quote::ZERO,
            fault: None,
            config,
        })
    }

    /// Switches on a deliberate bug (tests of the auditor only).
    #[cfg(feature = "fault-injection")]
    pub fn inject_fault(&mut self, fault: Fault) {
        self.fault = Some(fault);
    }

    #[inline(always)]
    pub(crate) fn faulty(&self, fault: Fault) -> bool {
        cfg!(feature = "fault-injection") && self.fault == Some(fault)
    }

    /// Applies one command at time `at`, appending what happened to `out`. Scheduled work that
    /// falls due at or before `at` runs first. A command with an earlier timestamp than the
    /// previous one is rejected.
    pub fn apply(&mut self, at: TimeNs, command: &Command, out: &mut Vec<Event>) {
        if at < self.now {
            out.push(rejected(command, RejectReason::TimeWentBackwards));
            return;
        }
        if at.get() > limits::TIME_NS_MAX || at.get() - self.now.get() > limits::CATCH_UP_NS_MAX {
            out.push(rejected(command, RejectReason::ArithmeticOverflow));
            return;
        }
        self.advance_to(at, out);
        let result = match command {
            Command::OpenAccount { account } => self.open_account(*account, out),
            Command::Deposit { account, amount } => self.deposit(*account, *amount, out),
            Command::Withdraw { account, amount } => self.withdraw(*account, *amount, out),
            Command::SetLeverage { account, market, leverage } => {
                self.set_leverage(*account, *market, *leverage, out)
            }
            Command::SetIsolated { account, market, isolated } => {
                self.set_isolated(*account, *market, *isolated, out)
            }
            Command::AdjustIsolatedMargin { account, market, amount } => {
                self.adjust_isolated(*account, *market, *amount, out)
            }
            Command::PlaceOrder(order) => self.place_order(order, out),
            Command::CancelOrder { account, order } => self.cancel_order(*account, *order, out),
            Command::AmendOrder { account, order, size, price } => {
                self.amend_order(*account, *order, *size, *price, out)
            }
            Command::SetOracle { market, price, confidence } => {
                self.set_oracle(*market, *price, *confidence, out)
            }
            Command::SetExternalMid { market, price } => self.set_external_mid(*market, *price),
            Command::SetExternalDepth { market, depth } => self.set_external_depth(*market, *depth),
            Command::SetHalted { market, halted } => self.set_halted(*market, *halted, out),
            Command::SetMarginTiers { market, tiers } => self.set_margin_tiers(*market, tiers, out),
            Command::SeedPosition { account, counterparty, market, size, price } => {
                self.seed_position(*account, *counterparty, *market, *size, *price, out)
            }
            Command::Liquidate { keeper, account, market } => {
                self.keeper_liquidate(*keeper, *account, *market, out)
            }
            Command::RollbackTrades { market, from, to, account } => {
                self.rollback_trades(*market, *from, *to, *account, out)
            }
            Command::SettleMarket { market, price } => self.settle_market(*market, *price, out),
            Command::Tick => Ok(()),
        };
        if let Err(reason) = result {
            out.push(rejected(command, reason));
            // Refusals by a safeguard are also counted as the safeguard firing.
            let kind = match reason {
                RejectReason::OpenInterestCap => {
                    Some(cascade_model::SafeguardKind::OpenInterestCap)
                }
                RejectReason::OrderTooYoung => Some(cascade_model::SafeguardKind::MinRestingTime),
                _ => None,
            };
            if let Some(kind) = kind {
                let market = match command {
                    Command::PlaceOrder(o) => Some(o.market),
                    Command::CancelOrder { order, .. } | Command::AmendOrder { order, .. } => {
                        self.orders.get(&order.0).map(|m| m.market)
                    }
                    _ => None,
                };
                if let Some(market) = market {
                    out.push(Event::SafeguardTriggered { market, kind });
                }
            }
        }
    }

    /// Current virtual time.
    pub fn now(&self) -> TimeNs {
        self.now
    }

    /// The venue configuration.
    pub fn config(&self) -> &VenueConfig {
        &self.config
    }

    /// Total deposits and withdrawals so far.
    pub fn flows(&self) -> (Quote, Quote) {
        (self.deposits, self.withdrawals)
    }

    /// Fees collected minus rebates paid.
    pub fn fee_pool(&self) -> Quote {
        self.fee_pool
    }

    /// Funding rounding dust collected.
    pub fn funding_dust(&self) -> Quote {
        self.funding_dust
    }

    /// The order book of a market.
    pub fn book(&self, market: MarketId) -> Option<&Book> {
        self.markets.get(market.index()).map(|m| &m.book)
    }

    /// Market view.
    pub fn market(&self, market: MarketId) -> Option<MarketView> {
        self.markets.get(market.index()).map(|m| MarketView {
            id: m.id,
            oracle: m.oracle,
            mark: m.mark,
            last_trade: m.book.last_trade(),
            long_open_interest: m.long_open_interest,
            short_open_interest: m.short_open_interest,
            quote_per_tick_lot: m.quote_per_tick_lot,
            holder_count: m.holders.len(),
            funding_rate: m.last_funding_rate,
        })
    }

    /// Ids of all open accounts, ascending (including the two system accounts).
    pub fn account_ids(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts.iter().enumerate().filter(|(_, a)| a.open).map(|(i, _)| AccountId(i as u32))
    }

    /// Account view.
    pub fn account(&self, id: AccountId) -> Option<AccountView> {
        let a = self.accounts.get(id.0 as usize).filter(|a| a.open)?;
        let total_cash = a.positions.iter().fold(a.cash, |c, p| c + p.isolated_cash);
        Some(AccountView {
            id,
            cash: a.cash,
            total_cash,
            equity: risk::saturate(self.cross_equity(a)),
            maintenance: risk::saturate(self.cross_maintenance(a)),
            initial: risk::saturate(self.cross_initial(a, None)),
            positions: a
                .positions
                .iter()
                .map(|p| PositionView {
                    market: p.market,
                    size: p.size,
                    entry_value: p.entry_value,
                    average_entry: self.average_entry(p),
                    realized_pnl: p.realized_pnl,
                    leverage: p.leverage,
                    isolated: p.isolated,
                    isolated_cash: p.isolated_cash,
                    open_buy: p.open_buy,
                    open_sell: p.open_sell,
                })
                .collect(),
            order_count: a.order_count,
            state: a.state,
        })
    }

    fn average_entry(&self, p: &state::Position) -> Ticks {
        let qptl = self.markets[p.market.index()].quote_per_tick_lot;
        let lots = i128::from(p.size.get().abs()) * i128::from(qptl);
        if lots == 0 {
            return Ticks::ZERO;
        }
        let ticks = cascade_num::div_round(
            p.entry_value.get().into(),
            lots,
            cascade_num::Rounding::TowardZero,
        )
        .expect("nonzero divisor");
        Ticks(i64::try_from(ticks).unwrap_or(i64::MAX))
    }

    /// Liquidation state of an account's cross margin, or of its isolated position in `market`.
    pub fn liquidation_state(&self, id: AccountId, market: Option<MarketId>) -> LiquidationState {
        let key = (id.0, market.map_or(u16::MAX, |m| m.0));
        if self.pending.contains(&key) {
            return LiquidationState::Queued;
        }
        match self.accounts.get(id.0 as usize) {
            Some(a) if market.is_none() => a.state,
            _ => LiquidationState::Normal,
        }
    }

    /// Scopes queued for liquidation (below maintenance, not yet processed), in key order: what
    /// outside keepers look for on venues that wait for them.
    pub fn queued_liquidations(&self) -> Vec<(AccountId, Option<MarketId>)> {
        self.pending
            .iter()
            .filter(|key| !self.bad_debts.contains(key))
            .map(|&(a, m)| (AccountId(a), (m != u16::MAX).then_some(MarketId(m))))
            .collect()
    }

    /// True while an isolated position is inside the liquidation pipeline.
    pub fn position_liquidating(&self, id: AccountId, market: MarketId) -> bool {
        self.accounts
            .get(id.0 as usize)
            .and_then(|a| a.position(market))
            .is_some_and(|p| p.liquidating)
    }

    /// True if the account (cross), or its isolated position in `market`, is below maintenance
    /// margin at the current marks.
    pub fn below_maintenance(&self, id: AccountId, market: Option<MarketId>) -> bool {
        let Some(a) = self.accounts.get(id.0 as usize).filter(|a| a.open) else { return false };
        match market {
            None => {
                let mm = self.cross_maintenance(a);
                mm > 0 && self.cross_equity(a) < mm
            }
            Some(m) => a.position(m).filter(|p| p.isolated && p.size.get() != 0).is_some_and(|p| {
                let mm = self.position_maintenance(p);
                self.isolated_equity(p) < mm
            }),
        }
    }

    fn open_account(&mut self, id: AccountId, out: &mut Vec<Event>) -> Result<(), RejectReason> {
        let gap_max = (self.accounts.len() as u64) + u64::from(limits::ACCOUNT_ID_GAP_MAX);
        if id.is_system() || id.0 >= self.config.accounts_max || u64::from(id.0) >= gap_max {
            return Err(RejectReason::AccountIdNotAllowed);
        }
        let i = id.0 as usize;
        if i >= self.accounts.len() {
            self.accounts.resize_with(i + 1, Account::closed);
        }
        if self.accounts[i].open {
            return Err(RejectReason::AccountExists);
        }
        self.accounts[i].open = true;
        out.push(Event::AccountOpened { account: id });
        Ok(())
    }

    fn account_index(&self, id: AccountId) -> Result<usize, RejectReason> {
        let i = id.0 as usize;
        match self.accounts.get(i) {
            Some(a) if a.open => Ok(i),
            _ => Err(RejectReason::UnknownAccount),
        }
    }

    fn market_index(&self, id: MarketId) -> Result<usize, RejectReason> {
        if id.index() < self.markets.len() {
            Ok(id.index())
        } else {
            Err(RejectReason::UnknownMarket)
        }
    }

    pub(crate) fn deposit(
        &mut self,
        id: AccountId,
        amount: Quote,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let i = self.account_index(id)?;
        if !amount.is_positive() {
            return Err(RejectReason::NonPositiveAmount);
        }
        let cash = self.accounts[i]
            .cash
            .checked_add(amount)
            .map_err(|_| RejectReason::ArithmeticOverflow)?;
        let deposits =
            self.deposits.checked_add(amount).map_err(|_| RejectReason::ArithmeticOverflow)?;
        let contributed = self.accounts[i]
            .contributed
            .checked_add(amount)
            .map_err(|_| RejectReason::ArithmeticOverflow)?;
        self.accounts[i].cash = cash;
        self.accounts[i].contributed = contributed;
        self.deposits = deposits;
        out.push(Event::Deposited { account: id, amount });
        self.reindex(i, out);
        Ok(())
    }

    fn withdraw(
        &mut self,
        id: AccountId,
        amount: Quote,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let i = self.account_index(id)?;
        if id.is_system() {
            return Err(RejectReason::SystemAccount);
        }
        if !amount.is_positive() {
            return Err(RejectReason::NonPositiveAmount);
        }
        let a = &self.accounts[i];
        if a.state != LiquidationState::Normal || self.pending.contains(&(id.0, u16::MAX)) {
            return Err(RejectReason::AccountInLiquidation);
        }
        if i128::from(amount.get()) > self.withdrawable(a) {
            return Err(RejectReason::WithdrawalExceedsFree);
        }
        if amount.get() > self.deposits.get() - self.withdrawals.get() {
            return Err(RejectReason::VenueFundsExhausted);
        }
        // Every check before any change: a rejection leaves the state untouched.
        let withdrawals =
            self.withdrawals.checked_add(amount).map_err(|_| RejectReason::ArithmeticOverflow)?;
        self.accounts[i].cash -= amount;
        self.accounts[i].contributed -= amount;
        self.withdrawals = withdrawals;
        out.push(Event::Withdrawn { account: id, amount });
        self.reindex(i, out);
        Ok(())
    }

    fn set_external_depth(&mut self, market: MarketId, depth: Quote) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        if depth.get() < 0 {
            return Err(RejectReason::NonPositiveAmount);
        }
        self.markets[m].external_depth = Some(depth);
        Ok(())
    }

    fn set_external_mid(
        &mut self,
        market: MarketId,
        price: Option<Ticks>,
    ) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        if let Some(p) = price {
            if p.get() <= 0 || p.get() > limits::PRICE_TICKS_MAX {
                return Err(RejectReason::NonPositivePrice);
            }
        }
        self.markets[m].external_mid = price;
        Ok(())
    }

    fn set_halted(
        &mut self,
        market: MarketId,
        halted: bool,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        self.markets[m].halted = halted;
        out.push(Event::MarketHalted { market, halted });
        Ok(())
    }

    fn set_margin_tiers(
        &mut self,
        market: MarketId,
        tiers: &[cascade_model::MarginTier],
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        let mut spec = self.markets[m].spec.clone();
        spec.tiers = tiers.to_vec();
        spec.default_leverage =
            spec.default_leverage.min(tiers.first().map_or(1, |t| t.max_leverage)).max(1);
        if spec.validate().is_err() {
            return Err(RejectReason::InvalidMarginTiers);
        }
        let first = spec.tiers[0].max_leverage;
        self.markets[m].spec = spec;
        out.push(Event::MarginTiersChanged {
            market,
            tiers: tiers.len() as u32,
            max_leverage: first,
        });
        // Leverage above the new maximum is lowered; every holder is re-checked at once.
        let holders = self.markets[m].holders.clone();
        for a in 0..self.accounts.len() {
            if let Some(pi) = self.accounts[a].position_index(market) {
                let p = &mut self.accounts[a].positions[pi];
                p.leverage = p.leverage.min(first);
            }
        }
        for holder in holders {
            let ai = holder.0 as usize;
            if let Some(pi) = self.accounts[ai].position_index(market) {
                // Force a fresh trigger: the old one was computed with the old tiers.
                let old = self.accounts[ai].positions[pi].trigger.take();
                if let Some((long, t)) = old {
                    let mk = &mut self.markets[m];
                    let set = if long { &mut mk.long_triggers } else { &mut mk.short_triggers };
                    set.remove(&(t.get(), holder.0));
                }
            }
            self.reindex(ai, out);
        }
        self.liquidation_step(out);
        Ok(())
    }

    fn seed_position(
        &mut self,
        account: AccountId,
        counterparty: AccountId,
        market: MarketId,
        size: Lots,
        price: Ticks,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let a = self.account_index(account)?;
        let c = self.account_index(counterparty)?;
        let m = self.market_index(market)?;
        if account.is_system() || counterparty.is_system() {
            return Err(RejectReason::SystemAccount);
        }
        if size.get() == 0 || size.get().abs() > limits::SIZE_LOTS_MAX {
            return Err(RejectReason::NonPositiveSize);
        }
        if price.get() <= 0 || price.get() > limits::PRICE_TICKS_MAX {
            return Err(RejectReason::NonPositivePrice);
        }
        if self.markets[m].oracle.is_none() {
            return Err(RejectReason::NoOraclePrice);
        }
        // The receiver starts flat; the counterparty (an outside holder of supply) may already
        // hold the opposite side of earlier seeds. Neither may be isolated in the market.
        let flat = self.accounts[a].position(market).is_none_or(|p| {
            p.size.get() == 0 && p.open_buy.get() == 0 && p.open_sell.get() == 0 && !p.isolated
        });
        let cross = self.accounts[c].position(market).is_none_or(|p| !p.isolated);
        if a == c || !flat || !cross {
            return Err(RejectReason::PositionNotFlat);
        }
        for i in [a, c] {
            if self.accounts[i].state != LiquidationState::Normal
                || self.pending.contains(&(i as u32, u16::MAX))
            {
                return Err(RejectReason::AccountInLiquidation);
            }
        }
        // Both sides must meet initial margin once the position exists (checked before any
        // change: the requirement of a flat market with a hypothetical order of that size).
        let lots = size.get().abs();
        let value = self.value_at(market, lots, price);
        let at_mark = self.value_at(market, lots, self.mark_of(market));
        for (i, signed) in [(a, size.get()), (c, -size.get())] {
            let cash = i128::from(self.accounts[i].cash.get());
            if (cash - signed.signum() as i128 * value).abs() > i128::from(limits::CASH_MAX) {
                return Err(RejectReason::ArithmeticOverflow);
            }
            let equity =
                self.cross_equity(&self.accounts[i]) + signed.signum() as i128 * (at_mark - value);
            let (buy, sell) = if signed > 0 { (lots, 0) } else { (0, lots) };
            if equity < self.cross_initial(&self.accounts[i], Some((market, buy, sell))) {
                return Err(RejectReason::InsufficientMargin);
            }
        }
        let side = if size.get() > 0 { Side::Buy } else { Side::Sell };
        self.apply_trade(a, market, side, lots, price, value, 0);
        self.apply_trade(c, market, side.opposite(), lots, price, value, 0);
        out.push(Event::PositionSeeded { account, counterparty, market, size, price });
        self.touched.push(a as u32);
        self.touched.push(c as u32);
        self.after_trades(out);
        Ok(())
    }

    pub(crate) fn next_engine_order_id(&mut self) -> OrderId {
        let id = OrderId(self.next_engine_order);
        self.next_engine_order += 1;
        id
    }
}
