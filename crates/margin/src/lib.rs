//! Cascade's pure risk math: no state, no order book, no accounts — functions of numbers.
//!
//! - [`requirement`]: notional value, initial and maintenance margin by tier, OI-scaled IMF.
//! - [`price`]: bankruptcy value of a closing trade, dYdX fillable price, insurance-fund delta,
//!   the liquidation trigger prices the engine indexes accounts by, and the displayed
//!   liquidation price.
//! - [`funding`]: premium samples, the 8-hour rate with clamps and caps, payments.
//! - [`adl`]: auto-deleveraging ranking scores.
//! - [`dydx`] and [`drift`]: ports of those venues' published integer formulas, kept to their
//!   units and rounding so their public test vectors pass exactly.
//!
//! Every division names its rounding. Margin requirements round up; amounts a trader receives
//! round down; amounts a trader pays round up.
#![deny(clippy::float_arithmetic)]

pub mod adl;
pub mod drift;
pub mod dydx;
pub mod funding;
pub mod price;
pub mod requirement;

pub use cascade_num::ArithmeticError;
