//! Exact decimal strings: parse `"-12.0125"` into an integer mantissa and a scale, and back.
//!
//! This is the only bridge between human-written numbers (scenario files, presets, CLI flags)
//! and the integer types. It never goes through floating point, so `"0.1"` is exactly one tenth.

use std::fmt;

/// The most fractional digits a [`Decimal`] keeps.
const SCALE_MAX: u32 = 18;

/// An exact decimal number `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Why a decimal string or conversion was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecimalError {
    /// The string is empty or is not of the form `[-+]digits[.digits]`.
    Syntax {
        /// The text that was refused.
        text: String,
    },
    /// More than 18 fractional digits, or too many digits overall.
    TooLarge {
        /// The text that was refused.
        text: String,
    },
    /// The value has more fractional digits than the target scale allows.
    TooPrecise {
        /// The value as written.
        text: String,
        /// The number of fractional digits the target allows.
        scale_max: u32,
    },
    /// The value does not fit the target integer type.
    OutOfRange {
        /// The value as written.
        text: String,
    },
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecimalError::Syntax { text } => {
                write!(f, "`{text}` is not a decimal number (expected digits such as `12.5`)")
            }
            DecimalError::TooLarge { text } => {
                write!(f, "`{text}` has too many digits (at most 18 after the point)")
            }
            DecimalError::TooPrecise { text, scale_max } => write!(
                f,
                "`{text}` has more than {scale_max} digits after the point, which this value \
                 cannot represent exactly"
            ),
            DecimalError::OutOfRange { text } => write!(f, "`{text}` is out of range"),
        }
    }
}

impl std::error::Error for DecimalError {}

impl Decimal {
    /// A decimal from its parts. The scale must be at most 18.
    pub fn new(mantissa: i128, scale: u32) -> Option<Decimal> {
        (scale <= SCALE_MAX).then_some(Decimal { mantissa, scale })
    }

    /// The integer mantissa.
    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The number of fractional digits.
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// Parses `[-+]digits[.digits]` exactly. Underscores between digits are allowed (`1_000`).
    ///
    /// # Errors
    /// [`DecimalError::Syntax`] for anything else (exponents, empty parts, spaces),
    /// [`DecimalError::TooLarge`] past 18 fractional digits or `i128` range.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let syntax = || DecimalError::Syntax { text: text.to_string() };
        let too_large = || DecimalError::TooLarge { text: text.to_string() };
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
            return Err(syntax());
        }
        if frac_part.is_some_and(str::is_empty) {
            return Err(syntax());
        }
        let mut mantissa: i128 = 0;
        let mut scale: u32 = 0;
        let mut push = |c: u8, fractional: bool| -> Result<(), DecimalError> {
            let digit = i128::from(c - b'0');
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(digit))
                .ok_or_else(too_large)?;
            if fractional {
                scale += 1;
                if scale > SCALE_MAX {
                    return Err(too_large());
                }
            }
            Ok(())
        };
        for (part, fractional) in [(int_part, false), (frac_part.unwrap_or(""), true)] {
            let bytes = part.as_bytes();
            for (i, &c) in bytes.iter().enumerate() {
                match c {
                    b'0'..=b'9' => push(c, fractional)?,
                    b'_' if i > 0 && i + 1 < bytes.len() && bytes[i - 1] != b'_' => {}
                    _ => return Err(syntax()),
                }
            }
        }
        Ok(Decimal { mantissa: if negative { -mantissa } else { mantissa }, scale })
    }

    /// The value as an integer count of `10^-scale` units, exactly.
    ///
    /// # Errors
    /// [`DecimalError::TooPrecise`] if the value has more fractional digits than `scale`
    /// (after dropping trailing zeros); [`DecimalError::OutOfRange`] if it does not fit `i128`.
    pub fn to_scaled(self, scale: u32) -> Result<i128, DecimalError> {
        let normal = self.normalized();
        if normal.scale > scale {
            return Err(DecimalError::TooPrecise { text: self.to_string(), scale_max: scale });
        }
        let factor = pow10(scale - normal.scale)
            .ok_or_else(|| DecimalError::OutOfRange { text: self.to_string() })?;
        normal
            .mantissa
            .checked_mul(factor)
            .ok_or_else(|| DecimalError::OutOfRange { text: self.to_string() })
    }

    /// The same value with trailing fractional zeros removed (`1.500` → `1.5`).
    pub fn normalized(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// True if the value is strictly greater than zero.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }
}

/// `10^exp` as an `i128`, if it fits.
pub(crate) fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        // `scale` is at most 18, so the power fits in u128.
        let unit = 10u128.pow(self.scale);
        let width = self.scale as usize;
        write!(f, "{sign}{}.{:0width$}", abs / unit, abs % unit)
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        Decimal::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_table() {
        let ok: &[(&str, i128, u32)] = &[
            ("0", 0, 0),
            ("12", 12, 0),
            ("-12.5", -125, 1),
            ("+0.0125", 125, 4),
            (".5", 5, 1),
            ("1_000.25", 100_025, 2),
            ("0.000000000000000001", 1, 18),
        ];
        for &(text, mantissa, scale) in ok {
            assert_eq!(Decimal::parse(text), Ok(Decimal { mantissa, scale }), "{text}");
        }
        for bad in ["", "-", ".", "1.", "1e5", "1.2.3", " 1", "1,5", "_1", "1__0", "0x10", "1_"] {
            assert!(
                matches!(Decimal::parse(bad), Err(DecimalError::Syntax { .. })),
                "`{bad}` must be a syntax error"
            );
        }
        assert!(matches!(
            Decimal::parse("0.0000000000000000001"),
            Err(DecimalError::TooLarge { .. })
        ));
    }

    #[test]
    fn to_scaled_is_exact_or_refuses() {
        let d = Decimal::parse("0.0125").unwrap();
        assert_eq!(d.to_scaled(6), Ok(12_500));
        assert_eq!(d.to_scaled(4), Ok(125));
        assert!(matches!(d.to_scaled(3), Err(DecimalError::TooPrecise { scale_max: 3, .. })));
        // Trailing zeros do not count as precision.
        assert_eq!(Decimal::parse("1.2300").unwrap().to_scaled(2), Ok(123));
        let err = Decimal::parse("0.0000001").unwrap().to_scaled(6).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`0.0000001` has more than 6 digits after the point, which this value cannot \
             represent exactly"
        );
    }

    #[test]
    fn display_table() {
        for (text, shown) in
            [("-12.50", "-12.50"), ("0.0125", "0.0125"), ("7", "7"), ("-0.5", "-0.5")]
        {
            assert_eq!(Decimal::parse(text).unwrap().to_string(), shown);
        }
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(mantissa in -1_000_000_000_000_000i128..1_000_000_000_000_000, scale in 0u32..=18) {
            let d = Decimal { mantissa, scale };
            prop_assert_eq!(Decimal::parse(&d.to_string()), Ok(d));
        }

        #[test]
        fn scaling_preserves_value(mantissa in -1_000_000_000i128..1_000_000_000, scale in 0u32..=6, extra in 0u32..=6) {
            let d = Decimal { mantissa, scale };
            let scaled = d.to_scaled(scale + extra).unwrap();
            prop_assert_eq!(scaled, mantissa * 10i128.pow(extra));
        }
    }
}
