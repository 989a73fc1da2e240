//! Integer fixed-point numbers for Cascade: the only place where money, prices and rates get a type.
//!
//! Every quantity in the engine is an integer newtype with its unit in the name:
//! [`Ticks`] (price in multiples of a market's tick size), [`Lots`] (size in multiples of a market's
//! lot size), [`Quote`] (quote currency in micro-units, 1e-6 USD), [`Ppm`] and [`Ppb`] (rates in
//! parts per million / billion) and [`TimeNs`] (virtual time in nanoseconds).
//!
//! Rules this crate enforces:
//! - no floating point anywhere (`clippy::float_arithmetic` is denied);
//! - arithmetic that can overflow returns [`ArithmeticError`] instead of wrapping;
//! - every division names its rounding ([`Rounding`]); callers pick the direction that does not
//!   favour the trader;
//! - decimal strings convert exactly or fail ([`Decimal`]).
#![deny(clippy::float_arithmetic)]
#![warn(missing_docs)]

mod decimal;
mod ops;
mod types;

pub use decimal::{Decimal, DecimalError};
pub use ops::{div_round, mul_div, ArithmeticError, Rounding};
pub use types::{Lots, Ppb, Ppm, Quote, Ticks, TimeNs, PPB, PPM, QUOTE_SCALE, QUOTE_UNIT};
