//! Commands: everything that can change the engine's state. Each is applied at a timestamp.

use cascade_num::{Lots, Quote, Ticks};

use crate::ids::{AccountId, MarketId, OrderId, Side};
use crate::market::{OrderType, SelfTradePrevention, TimeInForce};

/// A new order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NewOrder {
    /// Client-chosen id, unique among live orders; top bit reserved for the engine.
    pub id: OrderId,
    /// The owner.
    pub account: AccountId,
    /// The market.
    pub market: MarketId,
    /// Buy or sell.
    pub side: Side,
    /// Limit or market.
    pub order_type: OrderType,
    /// Limit price, or a market order's worst acceptable price.
    pub price: Ticks,
    /// Size, positive.
    pub size: Lots,
    /// Time in force (market orders behave as IOC whatever this says, except FOK).
    pub time_in_force: TimeInForce,
    /// Only ever reduce the account's position in this market.
    pub reduce_only: bool,
    /// What to do on meeting the account's own resting order.
    pub self_trade: SelfTradePrevention,
}

/// An input to the engine.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Create an account (ids below `AccountId::FIRST_USER` are reserved).
    OpenAccount {
        /// The new account.
        account: AccountId,
    },
    /// Add collateral (also used to fund the insurance fund and the backstop vault).
    Deposit {
        /// Receiving account.
        account: AccountId,
        /// Amount, positive.
        amount: Quote,
    },
    /// Remove collateral; refused if it would leave the account below initial margin.
    Withdraw {
        /// Paying account.
        account: AccountId,
        /// Amount, positive.
        amount: Quote,
    },
    /// Choose the leverage for new exposure in a market.
    SetLeverage {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Leverage, from 1 to the market's maximum.
        leverage: u32,
    },
    /// Choose cross or isolated margin for a market (only while flat).
    SetIsolated {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// True for isolated, false for cross.
        isolated: bool,
    },
    /// Move collateral into (positive) or out of (negative) an isolated position's margin.
    AdjustIsolatedMargin {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Signed amount.
        amount: Quote,
    },
    /// Place an order.
    PlaceOrder(NewOrder),
    /// Cancel a resting order.
    CancelOrder {
        /// The owner.
        account: AccountId,
        /// The order.
        order: OrderId,
    },
    /// Change a resting order: a smaller size keeps queue priority; a new price or a larger
    /// size loses it (and a new price may cross and fill).
    AmendOrder {
        /// The owner.
        account: AccountId,
        /// The order.
        order: OrderId,
        /// New total remaining size, positive.
        size: Lots,
        /// New price.
        price: Ticks,
    },
    /// The oracle (index) price for a market: an exogenous input.
    SetOracle {
        /// The market.
        market: MarketId,
        /// The price.
        price: Ticks,
        /// The publisher's confidence interval (± this many ticks; Pyth-style), if it gives one.
        confidence: Option<Ticks>,
    },
    /// The mid of the same perp on other venues (Hyperliquid mark component), or None.
    SetExternalMid {
        /// The market.
        market: MarketId,
        /// The price, or None to clear it.
        price: Option<Ticks>,
    },
    /// Resting depth of the same asset on the outside markets (both sides within 2% of their
    /// mid, in quote): an exogenous input that a dynamic open-interest cap scales with.
    SetExternalDepth {
        /// The market.
        market: MarketId,
        /// The depth, non-negative.
        depth: Quote,
    },
    /// Halt or reopen trading in a market (a circuit breaker or an exchange halt): while halted,
    /// new orders and amends are refused and liquidations do not send orders into its book.
    SetHalted {
        /// The market.
        market: MarketId,
        /// True to halt, false to reopen.
        halted: bool,
    },
    /// Replace a market's margin tiers; the new requirements apply to existing positions at once
    /// (as Binance did to ACT on 2025-04-01).
    SetMarginTiers {
        /// The market.
        market: MarketId,
        /// The new tiers (validated like a market specification).
        tiers: Vec<crate::market::MarginTier>,
    },
    /// Sets up a position at a price, as a trade without fees between `account` and
    /// `counterparty` (which takes the opposite side): initial positions loaded from a file, or
    /// a spot venue's inventory handed out by an outside holder. The receiver must be flat in the
    /// market, and both must meet initial margin afterwards; the state is unchanged otherwise.
    SeedPosition {
        /// The account receiving `size`.
        account: AccountId,
        /// The account taking `-size`.
        counterparty: AccountId,
        /// The market.
        market: MarketId,
        /// Signed size for `account` (positive: long), nonzero.
        size: Lots,
        /// The price both sides trade at.
        price: Ticks,
    },
    /// An outside keeper asks the venue to liquidate an account (cross, or the isolated position
    /// in `market`) that the venue has queued as below maintenance. Only venues configured with
    /// `liquidation.keepers` wait for keepers; the liquidation fee goes to the keeper.
    Liquidate {
        /// The keeper's account (receives the fee).
        keeper: AccountId,
        /// The account to liquidate.
        account: AccountId,
        /// Set for an isolated position.
        market: Option<MarketId>,
    },
    /// The venue reverses trades after the fact (as Bitget did on VOXEL, April 2025): every
    /// journaled fill in `market` between `from` and `to` (inclusive), only those with
    /// `account` on either side if it is set, newest first. Each is traded back at its own price
    /// without fees and both sides get their fees back; positions, realised PnL and fees end as
    /// if the trade never happened. Needs `safeguards.trade_rollback` (the trade journal).
    RollbackTrades {
        /// The market.
        market: MarketId,
        /// First timestamp included.
        from: cascade_num::TimeNs,
        /// Last timestamp included.
        to: cascade_num::TimeNs,
        /// Only trades with this account on either side.
        account: Option<AccountId>,
    },
    /// The venue delists a market and closes every position at an administered price (as
    /// Hyperliquid did with JELLY in March 2025): resting orders are cancelled, longs are closed
    /// against shorts in account order at `price` without fees, and the market stays halted.
    SettleMarket {
        /// The market.
        market: MarketId,
        /// The administered price.
        price: Ticks,
    },
    /// Advance time only: runs mark updates, funding samples and payments that fall due.
    Tick,
}

impl Command {
    /// The account a command acts for, if any.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Command::OpenAccount { account }
            | Command::Deposit { account, .. }
            | Command::Withdraw { account, .. }
            | Command::SetLeverage { account, .. }
            | Command::SetIsolated { account, .. }
            | Command::AdjustIsolatedMargin { account, .. }
            | Command::CancelOrder { account, .. }
            | Command::AmendOrder { account, .. }
            | Command::SeedPosition { account, .. } => Some(*account),
            Command::Liquidate { keeper, .. } => Some(*keeper),
            Command::PlaceOrder(order) => Some(order.account),
            Command::SetOracle { .. }
            | Command::SetExternalMid { .. }
            | Command::SetExternalDepth { .. }
            | Command::SetHalted { .. }
            | Command::SetMarginTiers { .. }
            | Command::RollbackTrades { .. }
            | Command::SettleMarket { .. }
            | Command::Tick => None,
        }
    }
}
