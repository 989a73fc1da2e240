//! The engine's state: accounts with positions, and per-market state (book, prices, funding,
//! liquidation index, holders).

use std::collections::{BTreeMap, BTreeSet};

use cascade_book::Book;
use cascade_margin::funding::PremiumAccumulator;
use cascade_model::{AccountId, MarketId, MarketSpec};
use cascade_num::{Lots, Ppb, Quote, Ticks, TimeNs};

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
    pub(crate) bid_levels: BTreeMap<i64, i64>,
    /// Resting sell lots by limit price.
    pub(crate) ask_levels: BTreeMap<i64, i64>,
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
            bid_levels: BTreeMap::new(),
            ask_levels: BTreeMap::new(),
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
    pub(crate) quote_per_tick_lot: i64,
    pub(crate) book: Book,
    pub(crate) oracle: Option<Ticks>,
    pub(crate) mark: Option<Ticks>,
    pub(crate) external_mid: Option<Ticks>,
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
    pub(crate) short_triggers: BTreeSet<(i64, u32)>,
}
