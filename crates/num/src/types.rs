//! The integer newtypes: [`Ticks`], [`Lots`], [`Quote`], [`Ppm`], [`Ppb`], [`TimeNs`].
//!
//! Each wraps a plain integer and names its unit. `+`, `-` and unary `-` panic on overflow (a bug:
//! inputs are bounded before they reach arithmetic); the `checked_*` methods return
//! [`ArithmeticError`] for values that come from outside.

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use crate::decimal::{Decimal, DecimalError};
use crate::ops::ArithmeticError;

/// Number of fractional decimal digits in a [`Quote`]: amounts are micro-units (1e-6).
pub const QUOTE_SCALE: u32 = 6;
/// One whole unit of quote currency (one USD), in [`Quote`] micro-units.
pub const QUOTE_UNIT: i64 = 1_000_000;
/// One whole (100%) in parts per million.
pub const PPM: i64 = 1_000_000;
/// One whole (100%) in parts per billion.
pub const PPB: i64 = 1_000_000_000;

macro_rules! integer_newtype {
    ($(#[$meta:meta])* $name:ident($inner:ty)) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $inner);

        impl $name {
            /// Zero.
            pub const ZERO: $name = $name(0);

            /// The raw integer.
            #[inline]
            pub const fn get(self) -> $inner {
                self.0
            }

            /// Sum, or an error on overflow.
            #[inline]
            pub fn checked_add(self, other: $name) -> Result<$name, ArithmeticError> {
                self.0.checked_add(other.0).map($name).ok_or(ArithmeticError::Overflow)
            }

            /// Difference, or an error on overflow.
            #[inline]
            pub fn checked_sub(self, other: $name) -> Result<$name, ArithmeticError> {
                self.0.checked_sub(other.0).map($name).ok_or(ArithmeticError::Overflow)
            }

            /// True if strictly greater than zero.
            #[inline]
            pub const fn is_positive(self) -> bool {
                self.0 > 0
            }
        }

        impl Add for $name {
            type Output = $name;
            #[inline]
            fn add(self, other: $name) -> $name {
                $name(self.0.checked_add(other.0).expect(concat!(stringify!($name), " overflow")))
            }
        }

        impl Sub for $name {
            type Output = $name;
            #[inline]
            fn sub(self, other: $name) -> $name {
                $name(self.0.checked_sub(other.0).expect(concat!(stringify!($name), " overflow")))
            }
        }

        impl AddAssign for $name {
            #[inline]
            fn add_assign(&mut self, other: $name) {
                *self = *self + other;
            }
        }

        impl SubAssign for $name {
            #[inline]
            fn sub_assign(&mut self, other: $name) {
                *self = *self - other;
            }
        }
    };
}

macro_rules! signed_newtype {
    ($name:ident) => {
        impl $name {
            /// Absolute value (panics only for the minimum value, which inputs never reach).
            #[inline]
            pub fn abs(self) -> $name {
                $name(self.0.checked_abs().expect(concat!(stringify!($name), " overflow")))
            }

            /// Negation, or an error on overflow.
            #[inline]
            pub fn checked_neg(self) -> Result<$name, ArithmeticError> {
                self.0.checked_neg().map($name).ok_or(ArithmeticError::Overflow)
            }

            /// True if strictly less than zero.
            #[inline]
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// -1, 0 or 1.
            #[inline]
            pub const fn signum(self) -> i64 {
                self.0.signum()
            }
        }

        impl Neg for $name {
            type Output = $name;
            #[inline]
            fn neg(self) -> $name {
                $name(self.0.checked_neg().expect(concat!(stringify!($name), " overflow")))
            }
        }
    };
}

integer_newtype!(
    /// A price as a whole number of the market's tick size (`price = ticks × tick_size`).
    Ticks(i64)
);
signed_newtype!(Ticks);

integer_newtype!(
    /// A size as a whole number of the market's lot size; signed where it is a position
    /// (long > 0, short < 0).
    Lots(i64)
);
signed_newtype!(Lots);

integer_newtype!(
    /// An amount of quote currency in micro-units (1e-6 USD); signed (balances, PnL, transfers).
    Quote(i64)
);
signed_newtype!(Quote);

integer_newtype!(
    /// A rate in parts per million (1% = 10,000 ppm): margin ratios, fees, limits.
    Ppm(i64)
);
signed_newtype!(Ppm);

integer_newtype!(
    /// A rate in parts per billion (0.01% = 100,000 ppb): funding rates and premiums.
    Ppb(i64)
);
signed_newtype!(Ppb);

integer_newtype!(
    /// Virtual time in nanoseconds since the start of a run (or a Unix epoch for recorded data).
    TimeNs(u64)
);

impl TimeNs {
    /// Nanoseconds in one second.
    pub const SECOND: u64 = 1_000_000_000;

    /// Time from whole seconds.
    pub const fn from_secs(seconds: u64) -> TimeNs {
        TimeNs(seconds * TimeNs::SECOND)
    }
}

impl Quote {
    /// Whole units of quote currency (dollars) to micro-units.
    pub const fn from_units(units: i64) -> Quote {
        Quote(units * QUOTE_UNIT)
    }

    /// Parses a decimal amount such as `"1250.5"` exactly (at most 6 fractional digits).
    ///
    /// # Errors
    /// Syntax, precision beyond 1e-6, or out of `i64` range.
    pub fn parse(text: &str) -> Result<Quote, DecimalError> {
        let d = Decimal::parse(text)?;
        Quote::from_decimal(d)
    }

    /// Converts an exact decimal (in whole units) to micro-units.
    ///
    /// # Errors
    /// Precision beyond 1e-6 or out of `i64` range.
    pub fn from_decimal(d: Decimal) -> Result<Quote, DecimalError> {
        let raw = d.to_scaled(QUOTE_SCALE)?;
        i64::try_from(raw).map(Quote).map_err(|_| DecimalError::OutOfRange { text: d.to_string() })
    }

    /// The amount as an exact decimal in whole units.
    pub fn to_decimal(self) -> Decimal {
        // QUOTE_SCALE is 6, below the Decimal maximum of 18.
        Decimal::new(i128::from(self.0), QUOTE_SCALE).expect("quote scale is valid")
    }
}

impl fmt::Display for Quote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

impl Ppm {
    /// Parses a fraction such as `"0.0125"` (1.25%) exactly into parts per million.
    ///
    /// # Errors
    /// Syntax, precision beyond 1e-6 or out of range.
    pub fn parse_fraction(text: &str) -> Result<Ppm, DecimalError> {
        let d = Decimal::parse(text)?;
        let raw = d.to_scaled(6)?;
        i64::try_from(raw).map(Ppm).map_err(|_| DecimalError::OutOfRange { text: text.to_string() })
    }
}

impl fmt::Display for Ppm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = Decimal::new(i128::from(self.0), 6).expect("ppm scale is valid").normalized();
        write!(f, "{d}")
    }
}

impl Ppb {
    /// Parses a fraction such as `"0.0001"` (0.01%) exactly into parts per billion.
    ///
    /// # Errors
    /// Syntax, precision beyond 1e-9 or out of range.
    pub fn parse_fraction(text: &str) -> Result<Ppb, DecimalError> {
        let d = Decimal::parse(text)?;
        let raw = d.to_scaled(9)?;
        i64::try_from(raw).map(Ppb).map_err(|_| DecimalError::OutOfRange { text: text.to_string() })
    }
}

impl fmt::Display for Ppb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = Decimal::new(i128::from(self.0), 9).expect("ppb scale is valid").normalized();
        write!(f, "{d}")
    }
}

macro_rules! raw_display {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}
raw_display!(Ticks, Lots, TimeNs);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quote_parse_and_display() {
        assert_eq!(Quote::parse("1250.5"), Ok(Quote(1_250_500_000)));
        assert_eq!(Quote::parse("-0.000001"), Ok(Quote(-1)));
        assert_eq!(Quote(-1).to_string(), "-0.000001");
        assert_eq!(Quote::from_units(3).to_string(), "3.000000");
        assert!(Quote::parse("0.0000001").is_err());
        assert!(Quote::parse("10000000000000").is_err(), "beyond i64 micro-units");
    }

    #[test]
    fn rate_parsing() {
        assert_eq!(Ppm::parse_fraction("0.0125"), Ok(Ppm(12_500)));
        assert_eq!(Ppm(12_500).to_string(), "0.0125");
        assert_eq!(Ppb::parse_fraction("0.0001"), Ok(Ppb(100_000)));
        assert_eq!(Ppb::parse_fraction("-0.0005"), Ok(Ppb(-500_000)));
        assert!(Ppm::parse_fraction("0.0000001").is_err());
    }

    #[test]
    fn checked_ops_report_overflow() {
        assert_eq!(Quote(i64::MAX).checked_add(Quote(1)), Err(ArithmeticError::Overflow));
        assert_eq!(Lots(i64::MIN).checked_neg(), Err(ArithmeticError::Overflow));
        assert_eq!(Quote(5).checked_sub(Quote(7)), Ok(Quote(-2)));
    }

    #[test]
    #[allow(clippy::should_panic_without_expect)]
    fn operator_overflow_is_not_a_wrap() {
        let result = std::panic::catch_unwind(|| Quote(i64::MAX) + Quote(1));
        assert!(result.is_err(), "overflow must panic, never wrap");
    }

    proptest! {
        #[test]
        fn quote_display_parse_round_trip(raw in i64::MIN / 2..i64::MAX / 2) {
            let q = Quote(raw);
            prop_assert_eq!(Quote::parse(&q.to_string()), Ok(q));
        }

        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!((Quote(a) + Quote(b)) - Quote(b), Quote(a));
        }
    }
}
