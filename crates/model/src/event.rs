//! Events: everything the engine says happened. The event log alone re-derives the ledger.

use cascade_num::{Lots, Ppb, Quote, Ticks};

use crate::ids::{AccountId, MarketId, OrderId, Side};

/// Why a command was refused. The state is unchanged after a rejection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// Timestamps must not go backwards.
    TimeWentBackwards,
    /// No such account.
    UnknownAccount,
    /// No such market.
    UnknownMarket,
    /// The account already exists.
    AccountExists,
    /// The id is reserved for system accounts, or beyond the venue's account limit.
    AccountIdNotAllowed,
    /// Amount must be positive.
    NonPositiveAmount,
    /// Size must be positive.
    NonPositiveSize,
    /// Price must be positive.
    NonPositivePrice,
    /// Price is further from the oracle than the market's band allows.
    PriceOutOfBand,
    /// Order notional is below the market's minimum.
    BelowMinimumNotional,
    /// The account would be below initial margin.
    InsufficientMargin,
    /// The withdrawal exceeds what initial margin leaves free.
    WithdrawalExceedsFree,
    /// A reduce-only order would open or increase exposure.
    ReduceOnlyWouldIncrease,
    /// A post-only order would cross the book.
    PostOnlyWouldCross,
    /// A fill-or-kill order cannot fill completely.
    FillOrKillUnfillable,
    /// An order with this id is live.
    DuplicateOrderId,
    /// Order ids with the top bit set are the engine's.
    OrderIdReserved,
    /// No live order with this id.
    UnknownOrder,
    /// The order belongs to another account.
    NotOrderOwner,
    /// Leverage must be between 1 and the market's maximum for the position's size.
    LeverageOutOfRange,
    /// Margin mode can change only while flat with no open orders in the market.
    MarginModeLocked,
    /// The position is not isolated.
    NotIsolated,
    /// The account is being liquidated.
    AccountInLiquidation,
    /// The account has too many resting orders.
    TooManyOrders,
    /// A value would overflow the engine's integer types.
    ArithmeticOverflow,
    /// System accounts cannot trade or withdraw this way.
    SystemAccount,
    /// The market has no oracle price yet, so margin cannot be computed.
    NoOraclePrice,
    /// Trading in the market is halted.
    MarketHalted,
    /// New margin tiers fail validation (see `MarketSpec::validate`).
    InvalidMarginTiers,
    /// A spot market: a sell may not exceed what the account holds less its resting sells.
    SpotSellExceedsHoldings,
    /// The account (or isolated position) is not queued for liquidation, or the venue does not
    /// wait for keepers.
    NotLiquidatable,
    /// A seeded position needs the receiving account flat in the market, both accounts cross
    /// margined there, and two distinct non-system accounts.
    PositionNotFlat,
    /// The market's open-interest cap (a safeguard) would be exceeded.
    OpenInterestCap,
    /// The order has not rested for the venue's minimum quote life (a safeguard).
    OrderTooYoung,
    /// A withdrawal larger than everything the venue holds (deposits − withdrawals): a venue
    /// cannot pay out money it does not have.
    VenueFundsExhausted,
    /// A rollback was asked of a venue that keeps no trade journal (`safeguards.trade_rollback`).
    NoTradeJournal,
}

/// Which safeguard fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SafeguardKind {
    /// The circuit breaker halted the market.
    CircuitBreakerHalt,
    /// The circuit breaker's pause ended; trading reopened.
    CircuitBreakerReopen,
    /// The mark was held inside the band around the oracle.
    MarkClamped,
    /// An oracle update was clamped to the largest step allowed.
    OracleClamped,
    /// An oracle update's confidence interval was too wide: it was not used.
    OracleLowConfidence,
    /// The oracle is stale: liquidations wait for a fresh price.
    OracleStale,
    /// An order was refused by the open-interest cap.
    OpenInterestCap,
    /// A cancel or amend was refused by the minimum quote life.
    MinRestingTime,
    /// The venue reversed trades after the fact (`RollbackTrades`).
    TradeRollback,
    /// The venue closed every position at an administered price (`SettleMarket`).
    ForcedSettlement,
    /// The operator topped up the insurance fund (`safeguards.insurance_top_up`; reported on
    /// market 0, the rule is venue-wide).
    InsuranceTopUp,
}

/// Why a resting or incoming order was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The owner asked.
    Requested,
    /// The unfilled rest of an IOC or market order.
    Unfilled,
    /// Self-trade prevention.
    SelfTrade,
    /// Cancelled at the start of the owner's liquidation.
    Liquidation,
    /// A reduce-only order no longer matches the position.
    ReduceOnly,
    /// Replaced by an amend that lost priority.
    Amended,
    /// The market was settled and delisted (`SettleMarket`).
    Settlement,
}

/// How an account's pass through the liquidation pipeline ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiquidationOutcome {
    /// Back above maintenance margin.
    Restored,
    /// Still below maintenance; more liquidation follows at the next step.
    Continuing,
    /// Positions and collateral went to the backstop.
    BackstopTakeover,
    /// Closed out; the insurance fund covered a deficit or ADL closed the rest.
    ClosedOut,
    /// ADL was needed but could not complete; the shortfall is recorded as bad debt.
    BadDebt,
}

/// Which side of an ADL fill an account is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdlRole {
    /// The bankrupt (or over-budget) account being closed.
    Bankrupt,
    /// The profitable opposite-side account being closed against it.
    Counterparty,
}

/// Something that happened in the engine.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A command was refused; nothing changed.
    Rejected {
        /// The account the command was for, if any.
        account: Option<AccountId>,
        /// The order it named, if any.
        order: Option<OrderId>,
        /// Why.
        reason: RejectReason,
    },
    /// An account was created.
    AccountOpened {
        /// The account.
        account: AccountId,
    },
    /// Collateral came in from outside.
    Deposited {
        /// The account.
        account: AccountId,
        /// Amount.
        amount: Quote,
    },
    /// Collateral left to the outside.
    Withdrawn {
        /// The account.
        account: AccountId,
        /// Amount.
        amount: Quote,
    },
    /// Leverage chosen.
    LeverageSet {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Leverage.
        leverage: u32,
    },
    /// Margin mode chosen.
    MarginModeSet {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// True for isolated.
        isolated: bool,
    },
    /// Collateral moved between the cross balance and an isolated position (within one account).
    IsolatedMarginMoved {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Positive into the isolated position.
        amount: Quote,
    },
    /// An order passed validation and entered matching.
    OrderAccepted {
        /// The order.
        order: OrderId,
        /// The owner.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Side.
        side: Side,
        /// Limit or worst price.
        price: Ticks,
        /// Size.
        size: Lots,
    },
    /// The order's unfilled rest joined the book.
    OrderRested {
        /// The order.
        order: OrderId,
        /// Resting size.
        size: Lots,
    },
    /// A trade.
    Fill {
        /// The market.
        market: MarketId,
        /// Resting order.
        maker_order: OrderId,
        /// Incoming order.
        taker_order: OrderId,
        /// Resting order's owner.
        maker: AccountId,
        /// Incoming order's owner.
        taker: AccountId,
        /// Trade price.
        price: Ticks,
        /// Trade size.
        size: Lots,
        /// The incoming order's side.
        taker_side: Side,
        /// Fee paid by the maker (negative: rebate received).
        maker_fee: Quote,
        /// Fee paid by the taker.
        taker_fee: Quote,
        /// True when the taker is a liquidation order.
        liquidation: bool,
    },
    /// An order left the book or was cut short.
    OrderCancelled {
        /// The order.
        order: OrderId,
        /// Its owner.
        account: AccountId,
        /// Size that was still open.
        remaining: Lots,
        /// Why.
        reason: CancelReason,
    },
    /// A resting order's size was reduced in place (kept priority).
    OrderReduced {
        /// The order.
        order: OrderId,
        /// New remaining size.
        size: Lots,
    },
    /// New oracle price.
    OraclePrice {
        /// The market.
        market: MarketId,
        /// The price.
        price: Ticks,
    },
    /// Trading in a market was halted or reopened.
    MarketHalted {
        /// The market.
        market: MarketId,
        /// True when halted.
        halted: bool,
    },
    /// A market's margin tiers were replaced; existing positions are margined by them at once.
    MarginTiersChanged {
        /// The market.
        market: MarketId,
        /// Number of tiers now.
        tiers: u32,
        /// Maximum leverage of the first tier now.
        max_leverage: u32,
    },
    /// New mark price.
    MarkPrice {
        /// The market.
        market: MarketId,
        /// The price.
        price: Ticks,
    },
    /// A premium sample was taken.
    FundingSample {
        /// The market.
        market: MarketId,
        /// Premium, as a fraction of the oracle.
        premium: Ppb,
    },
    /// Funding was paid. Each position paid or received `|size| × oracle × rate`; payers round up,
    /// receivers round down, and the difference (`dust`) went to the funding dust pool.
    FundingPaid {
        /// The market.
        market: MarketId,
        /// Rate for this interval (positive: longs pay shorts).
        rate: Ppb,
        /// The oracle price used.
        oracle: Ticks,
        /// Total paid by payers.
        paid: Quote,
        /// Total received by receivers.
        received: Quote,
    },
    /// An account (or, with `market`, an isolated position) fell below maintenance margin.
    LiquidationStarted {
        /// The account.
        account: AccountId,
        /// Set for an isolated position.
        market: Option<MarketId>,
        /// Equity at mark.
        equity: Quote,
        /// Maintenance requirement.
        maintenance: Quote,
    },
    /// A liquidation fee went from the account to the insurance fund (or, on venues that wait
    /// for outside keepers, to the keeper that asked for the liquidation).
    LiquidationFee {
        /// The account.
        account: AccountId,
        /// The receiver: the insurance fund or the keeper.
        to: AccountId,
        /// The market.
        market: MarketId,
        /// Amount.
        amount: Quote,
    },
    /// The insurance fund paid an account (bad debt or a fill below bankruptcy).
    InsuranceFundPaid {
        /// The account.
        account: AccountId,
        /// Amount.
        amount: Quote,
    },
    /// Collateral moved from a liquidated account to the backstop in a takeover.
    BackstopCollateral {
        /// The liquidated account.
        account: AccountId,
        /// The receiving account (vault or insurance fund).
        to: AccountId,
        /// Set for an isolated takeover.
        market: Option<MarketId>,
        /// Collateral moved (may be negative: the backstop absorbed a deficit).
        amount: Quote,
    },
    /// A position moved from one account to another at the mark price (backstop takeover): the
    /// receiver pays the giver `|size| × price` for a long (the giver pays it for a short), as in
    /// a trade without fees.
    PositionTransferred {
        /// The giving account.
        from: AccountId,
        /// The receiving account.
        to: AccountId,
        /// The market.
        market: MarketId,
        /// Signed size moved (the giver's sign).
        size: Lots,
        /// The transfer price (mark).
        price: Ticks,
    },
    /// An ADL trade: `size` of the bankrupt account's position closed against a counterparty
    /// for `quote` (paid by the bankrupt account's buyer side; see `bankrupt_side`).
    AdlFill {
        /// The market.
        market: MarketId,
        /// The account being deleveraged.
        bankrupt: AccountId,
        /// The opposite-side account closed against it.
        counterparty: AccountId,
        /// The side the bankrupt account traded (selling closes a long).
        bankrupt_side: Side,
        /// Size.
        size: Lots,
        /// Total quote exchanged.
        quote: Quote,
        /// `quote / size` rounded to a tick, for display.
        price: Ticks,
    },
    /// A safeguard fired (see `Safeguards`).
    SafeguardTriggered {
        /// The market.
        market: MarketId,
        /// Which.
        kind: SafeguardKind,
    },
    /// A trade was reversed by `RollbackTrades`: the maker and taker trade the same size back at
    /// the same price, without fees, and both get the original fees back (a maker rebate is
    /// taken back). Economically the trade never happened.
    TradeReversed {
        /// The market.
        market: MarketId,
        /// The original maker.
        maker: AccountId,
        /// The original taker.
        taker: AccountId,
        /// The side the taker originally traded.
        taker_side: Side,
        /// Price of the original fill.
        price: Ticks,
        /// Size of the original fill.
        size: Lots,
        /// The maker fee refunded (negative: a rebate taken back).
        maker_fee: Quote,
        /// The taker fee refunded.
        taker_fee: Quote,
    },
    /// One pair of positions closed by `SettleMarket`: `long` sells `size` to `short` at the
    /// administered price, without fees.
    SettlementFill {
        /// The market.
        market: MarketId,
        /// The account whose long is (partly) closed.
        long: AccountId,
        /// The account whose short is (partly) closed.
        short: AccountId,
        /// Size closed.
        size: Lots,
        /// The administered price.
        price: Ticks,
    },
    /// A position was set up by `SeedPosition`: `account` got `size` and `counterparty` got
    /// `-size`, trading `|size| × price` without fees.
    PositionSeeded {
        /// The receiving account.
        account: AccountId,
        /// The opposite side.
        counterparty: AccountId,
        /// The market.
        market: MarketId,
        /// Signed size for `account`.
        size: Lots,
        /// The price.
        price: Ticks,
    },
    /// A pass through the liquidation pipeline ended.
    LiquidationEnded {
        /// The account.
        account: AccountId,
        /// Set for an isolated position.
        market: Option<MarketId>,
        /// How.
        outcome: LiquidationOutcome,
    },
    /// A shortfall no one absorbed (ADL disabled or without counterparties): left as bad debt.
    BadDebt {
        /// The account.
        account: AccountId,
        /// The deficit.
        amount: Quote,
    },
}
