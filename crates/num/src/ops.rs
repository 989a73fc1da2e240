//! Checked integer arithmetic with explicitly named rounding.
//!
//! All products are formed in `i128` and narrowed with a check, so `a * b / c` cannot silently wrap.

use std::fmt;

/// An arithmetic operation could not produce an exact, representable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArithmeticError {
    /// The result does not fit the target integer type.
    Overflow,
    /// A division by zero was attempted.
    DivisionByZero,
}

impl fmt::Display for ArithmeticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArithmeticError::Overflow => f.write_str("arithmetic overflow"),
            ArithmeticError::DivisionByZero => f.write_str("division by zero"),
        }
    }
}

impl std::error::Error for ArithmeticError {}

/// The direction in which a non-exact division rounds.
///
/// Engine code picks the direction that does not favour the trader: amounts a trader pays
/// round up ([`Rounding::Ceil`] for positive amounts), amounts a trader receives round down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceil,
    /// Toward zero (truncation).
    TowardZero,
    /// Away from zero.
    AwayFromZero,
}

/// `n / d` rounded as asked. Errors on `d == 0` and on the single overflowing case `MIN / -1`.
#[inline]
pub fn div_round(n: i128, d: i128, rounding: Rounding) -> Result<i128, ArithmeticError> {
    if d == 0 {
        return Err(ArithmeticError::DivisionByZero);
    }
    // 64-bit division is several times faster than 128-bit; use it when both operands fit.
    let (q, r) = match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n64), Ok(d64)) if !(n64 == i64::MIN && d64 == -1) => {
            (i128::from(n64 / d64), i128::from(n64 % d64))
        }
        _ => {
            let q = n.checked_div(d).ok_or(ArithmeticError::Overflow)?;
            (q, n - q * d)
        }
    };
    if r == 0 {
        return Ok(q);
    }
    // The exact quotient lies strictly between q and q + sign(n/d); q is the truncation.
    let negative = (n < 0) != (d < 0);
    let adjusted = match rounding {
        Rounding::TowardZero => q,
        Rounding::Floor => {
            if negative {
                q - 1
            } else {
                q
            }
        }
        Rounding::Ceil => {
            if negative {
                q
            } else {
                q + 1
            }
        }
        Rounding::AwayFromZero => {
            if negative {
                q - 1
            } else {
                q + 1
            }
        }
    };
    Ok(adjusted)
}

/// `a * b / d` with the product formed in `i128`, rounded as asked.
#[inline]
pub fn mul_div(a: i128, b: i128, d: i128, rounding: Rounding) -> Result<i128, ArithmeticError> {
    let p = a.checked_mul(b).ok_or(ArithmeticError::Overflow)?;
    div_round(p, d, rounding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounding_table() {
        use Rounding::*;
        // (n, d, floor, ceil, toward zero, away from zero)
        let cases: &[(i128, i128, i128, i128, i128, i128)] = &[
            (7, 2, 3, 4, 3, 4),
            (-7, 2, -4, -3, -3, -4),
            (7, -2, -4, -3, -3, -4),
            (-7, -2, 3, 4, 3, 4),
            (6, 3, 2, 2, 2, 2),
            (-6, 3, -2, -2, -2, -2),
            (0, 5, 0, 0, 0, 0),
            (1, 1_000_000, 0, 1, 0, 1),
            (-1, 1_000_000, -1, 0, 0, -1),
        ];
        for &(n, d, f, c, z, a) in cases {
            assert_eq!(div_round(n, d, Floor), Ok(f), "floor {n}/{d}");
            assert_eq!(div_round(n, d, Ceil), Ok(c), "ceil {n}/{d}");
            assert_eq!(div_round(n, d, TowardZero), Ok(z), "trunc {n}/{d}");
            assert_eq!(div_round(n, d, AwayFromZero), Ok(a), "away {n}/{d}");
        }
    }

    #[test]
    fn errors_are_reported_not_wrapped() {
        assert_eq!(div_round(1, 0, Rounding::Floor), Err(ArithmeticError::DivisionByZero));
        assert_eq!(div_round(i128::MIN, -1, Rounding::Floor), Err(ArithmeticError::Overflow));
        assert_eq!(mul_div(i128::MAX, 2, 1, Rounding::Floor), Err(ArithmeticError::Overflow));
    }

    proptest! {
        #[test]
        fn floor_and_ceil_bracket_the_exact_quotient(n in -1_000_000_000_000i128..1_000_000_000_000, d in (-1_000_000_000i128..1_000_000_000).prop_filter("nonzero", |d| *d != 0)) {
            let f = div_round(n, d, Rounding::Floor).unwrap();
            let c = div_round(n, d, Rounding::Ceil).unwrap();
            // f <= n/d <= c, and they differ by at most one.
            prop_assert!(c - f == 0 || c - f == 1);
            if d > 0 {
                prop_assert!(f * d <= n && n <= c * d);
            } else {
                prop_assert!(f * d >= n && n >= c * d);
            }
            prop_assert_eq!(c - f == 0, n % d == 0);
        }

        #[test]
        fn rounding_is_monotonic_in_numerator(n in -1_000_000i128..1_000_000, d in 1i128..10_000) {
            for r in [Rounding::Floor, Rounding::Ceil, Rounding::TowardZero, Rounding::AwayFromZero] {
                prop_assert!(div_round(n, d, r).unwrap() <= div_round(n + 1, d, r).unwrap());
            }
        }
    }
}
