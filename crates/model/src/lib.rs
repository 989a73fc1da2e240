//! Cascade's shared vocabulary: what the engine accepts ([`Command`]), what it says ([`Event`]),
//! and how a venue and its markets are specified ([`VenueConfig`], [`MarketSpec`]).
//!
//! This crate holds data and the validation of that data, nothing else: no matching, no margin
//! math, no I/O. Every layer above (book, margin, engine, simulator, monitor) speaks these types.
#![deny(clippy::float_arithmetic)]

mod command;
mod event;
mod ids;
mod market;
mod venue;

pub use command::{Command, NewOrder};
pub use event::{AdlRole, CancelReason, Event, LiquidationOutcome, RejectReason, SafeguardKind};
pub use ids::{AccountId, MarketId, OrderId, Side};
pub use market::{
    MarginTier, MarketSpec, MarketSpecError, OiScaledMargin, OrderType, SelfTradePrevention,
    TimeInForce,
};
pub use venue::{
    AdlConfig, AdlPrice, AdlRanking, Backstop, BackstopTarget, BackstopUnwind, BookLiquidation,
    CircuitBreaker, FundingCap, FundingFormula, FundingRule, InsuranceTopUp, LiquidationConfig,
    LiquidationFee, LiquidationPriceLimit, MarkRule, PartialLiquidation, PremiumAveraging,
    Safeguards, VenueConfig, VenueConfigError,
};
