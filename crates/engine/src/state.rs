//! The engine's state: accounts with positions, and per-market state (book, prices, funding,
//! liquidation index, holders).

use std::collections::BTreeSet;

use cascade_book::Book;
use cascade_margin::funding::PremiumAccumulator;
use cascade_model::{AccountId, MarketId, MarketSpec};
use cascade_num::{Lots, Ppb, Quote, Ticks, TimeNs};

/// One side of an account's resting orders in a market, aggregated by price: a short sorted
/// `Vec` (accounts rest at few prices) with the total value `Σ price × lots` kept as it changes,
/// so margin checks never walk it to price fees.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Levels {
    entries: Vec<(i64, i64)>,
    value: i128,
}

impl Levels {
    /// Adds `lots` at `price`.
    pub(crate) fn add(&mut self, price: i64, lots: i64) {
        match self.entries.binary_search_by_key(&price, |e| e.0) {
            Ok(i) => self.entries[i].1 += lots,
            Err(i) => self.entries.insert(i, (price, lots)),
        }
        self.value += i128::from(price) * i128::from(lots);
    }

    /// Removes `lots` at `price` (which must be there).
    pub(crate) fn sub(&mut self, price: i64, lots: i64) {
        let i = self
            .entries
            .binary_search_by_key(&price, |e| e.0)
            .expect("Invariant: a resting order's level");
        self.entries[i].1 -= lots;
        assert!(self.entries[i].1 >= 0, "Invariant: level sizes stay non-negative");
        if self.entries[i].1 == 0 {
            self.entries.remove(i);
        }
        self.value -= i128::from(price) * i128::from(lots);
    }

    /// Lots resting at `price`.
    pub(crate) fn at(&self, price: i64) -> i64 {
        self.entries.binary_search_by_key(&price, |e| e.0).map_or(0, |i| self.entries[i].1)
    }

    /// Levels priced strictly above `price`.
    pub(crate) fn above(&self, price: i64) -> &[(i64, i64)] {
        let i = self.entries.partition_point(|e| e.0 <= price);
        &self.entries[i..]
    }

    /// Levels priced strictly below `price`.
    pub(crate) fn below(&self, price: i64) -> &[(i64, i64)] {
        let i = self.entries.partition_point(|e| e.0 < price);
        &self.entries[..i]
    }

    /// `Σ price × lots`.
    pub(crate) fn value(&self) -> i128 {
        self.value
    }
}

/// Marker for "not in the holders list".
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// Where an account stands in the liquidation pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiquidationState {
    /// Not being liquidated.
    Normal,
    /// Below maintenance and waiting for the next liquidation step.
    Queued,
    /// Being liquidated; the next step continues.
    Liquidating,
    /// ADL could not close everything; the rest is recorded bad debt.
    BadDebt,
}

/// One position (or a flat slot holding the account's per-market settings).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Position {
    pub(crate) market: MarketId,
    /// Signed size: long > 0.
    pub(crate) size: Lots,
    /// Cost basis of the open size (always ≥ 0): what was paid for a long, received for a short.
    pub(crate) entry_value: Quote,
    pub(crate) realized_pnl: Quote,
    pub(crate) leverage: u32,
    pub(crate) isolated: bool,
    /// Collateral assigned to an isolated position (its own quote balance).
    pub(crate) isolated_cash: Quote,
    /// Resting order sizes (all orders, including reduce-only).
    pub(crate) open_buy: Lots,
    pub(crate) open_sell: Lots,
    /// Resting reduce-only sizes (a subset of the above).
    pub(crate) reduce_only_buy: Lots,
    pub(crate) reduce_only_sell: Lots,
    /// Resting buy lots by limit price (all orders, including reduce-only): the margin check
    /// values the worst-case loss of resting orders whose limits sit beyond the mark. Derived
    /// from the book, so not part of the state hash.
    pub(crate) bid_levels: Levels,
    /// Resting sell lots by limit price.
    pub(crate) ask_levels: Levels,
    /// Current key in the market's liquidation index, if indexed: (long side?, trigger).
    pub(crate) trigger: Option<(bool, Ticks)>,
    /// An isolated position in the liquidation pipeline.
    pub(crate) liquidating: bool,
    /// An isolated position whose deficit was recorded as bad debt (not yet settled).
    pub(crate) bad_debt: bool,
    /// Index in the market's holders list, or `NO_SLOT`.
    pub(crate) holder_slot: u32,
    /// Hyperliquid partial-liquidation cooldown: until then, liquidate whole.
    pub(crate) cooldown_until: TimeNs,
}

impl Position {
    pub(crate) fn new(market: MarketId, leverage: u32) -> Position {
        Position {
            market,
            size: Lots::ZERO,
            entry_value: Quote::ZERO,
            realized_pnl: Quote::ZERO,
            leverage,
            isolated: false,
            isolated_cash: Quote::ZERO,
            open_buy: Lots::ZERO,
            open_sell: Lots::ZERO,
            reduce_only_buy: Lots::ZERO,
            reduce_only_sell: Lots::ZERO,
            bid_levels: Levels::default(),
            ask_levels: Levels::default(),
            trigger: None,
            liquidating: false,
            bad_debt: false,
            holder_slot: NO_SLOT,
            cooldown_until: TimeNs::ZERO,
        }
    }

    pub(crate) fn has_orders(&self) -> bool {
        self.open_buy.get() > 0 || self.open_sell.get() > 0
    }
}

/// An account: cross collateral and positions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Account {
    pub(crate) open: bool,
    /// Cross-margin quote balance (may be negative while a long is open: the model is
    /// balance + position value, as dYdX keeps it).
    pub(crate) cash: Quote,
    pub(crate) positions: Vec<Position>,
    pub(crate) order_count: u32,
    /// Cross-account liquidation state.
    pub(crate) state: LiquidationState,
    /// Net deposits, for system accounts' loss budgets.
    pub(crate) contributed: Quote,
}

impl Account {
    pub(crate) fn closed() -> Account {
        Account {
            open: false,
            cash: Quote::ZERO,
            positions: Vec::new(),
            order_count: 0,
            state: LiquidationState::Normal,
            contributed: Quote::ZERO,
        }
    }

    pub(crate) fn position(&self, market: MarketId) -> Option<&Position> {
        self.positions.iter().find(|p| p.market == market)
    }

    pub(crate) fn position_index(&self, market: MarketId) -> Option<usize> {
        self.positions.iter().position(|p| p.market == market)
    }
}

/// Per-market state.
#[derive(Clone, Debug)]
pub(crate) struct MarketState {
    pub(crate) id: MarketId,
    pub(crate) spec: MarketSpec,
    /// Trading halted (orders and amends refused; no liquidation orders into the book).
    pub(crate) halted: bool,
    pub(crate) quote_per_tick_lot: i64,
    pub(crate) book: Book,
    pub(crate) oracle: Option<Ticks>,
    pub(crate) mark: Option<Ticks>,
    pub(crate) external_mid: Option<Ticks>,
    /// Outside depth for the dynamic open-interest cap (`SetExternalDepth`).
    pub(crate) external_depth: Option<Quote>,
    /// Hyperliquid: EMA of (book mid − oracle), in ticks × 1e6.
    pub(crate) basis_ema_micro: Option<i128>,
    /// Hyperliquid: EMA of the book median, in ticks × 1e6.
    pub(crate) book_ema_micro: Option<i128>,
    pub(crate) last_mark_update: TimeNs,
    /// Binance: recent (time, mid − oracle) samples for the basis moving average.
    pub(crate) basis_samples: std::collections::VecDeque<(TimeNs, i64)>,
    pub(crate) premiums: PremiumAccumulator,
    /// The last interval funding rate paid.
    pub(crate) last_funding_rate: Ppb,
    pub(crate) long_open_interest: Lots,
    pub(crate) short_open_interest: Lots,
    /// Accounts with a non-zero position in this market (order changes on removal).
    pub(crate) holders: Vec<AccountId>,
    /// Liquidation index: longs by trigger (re-check when mark ≤ trigger), shorts (mark ≥ trigger).
    pub(crate) long_triggers: BTreeSet<(i64, u32)>,
    /// When the oracle price last changed (oracle validity rail).
    pub(crate) oracle_at: TimeNs,
    /// A stale oracle was already reported.
    pub(crate) stale_reported: bool,
    /// (time, mark) over the circuit breaker's window.
    pub(crate) mark_history: std::collections::VecDeque<(TimeNs, i64)>,
    /// When a circuit-breaker halt ends.
    pub(crate) breaker_until: Option<TimeNs>,
    pub(crate) short_triggers: BTreeSet<(i64, u32)>,
}
