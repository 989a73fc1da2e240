//! dYdX v4 formulas kept in dYdX's own units (quantums, price exponents) so its public test
//! vectors port exactly; the engine uses the unit-free versions in `price` and `funding`.
//!
//! Source: github.com/dydxprotocol/v4-chain, `protocol/x/perpetuals/funding/funding.go`
//! (`GetFundingIndexDelta`) and `protocol/lib/quantums.go`; restated, not copied.

use cascade_num::{div_round, ArithmeticError, Rounding};

/// Seconds in eight hours.
const EIGHT_HOURS_S: i128 = 28_800;

/// `GetFundingIndexDelta`: the change of the funding index (quote quantums × 1e6 per base
/// quantum) for `rate_8h_ppm` over `elapsed_s` at the price `price_value × 10^price_exponent`
/// USD per coin, for a market whose base quantum is `10^atomic_resolution` coins.
///
/// Two truncations toward zero, as dYdX does: after applying the price, and after dividing by
/// eight hours.
///
/// # Errors
/// Overflow.
pub fn funding_index_delta(
    rate_8h_ppm: i64,
    elapsed_s: u32,
    price_value: u64,
    price_exponent: i32,
    atomic_resolution: i32,
) -> Result<i128, ArithmeticError> {
    let x = i128::from(elapsed_s) * i128::from(rate_8h_ppm);
    let x = x.checked_mul(i128::from(price_value)).ok_or(ArithmeticError::Overflow)?;
    // Quote quantums are 1e-6 USD: exponent + atomic resolution + 6.
    let exp = price_exponent + atomic_resolution + 6;
    let x = if exp >= 0 {
        let f = 10i128.checked_pow(exp.unsigned_abs()).ok_or(ArithmeticError::Overflow)?;
        x.checked_mul(f).ok_or(ArithmeticError::Overflow)?
    } else {
        let f = 10i128.checked_pow(exp.unsigned_abs()).ok_or(ArithmeticError::Overflow)?;
        div_round(x, f, Rounding::TowardZero)?
    };
    div_round(x, EIGHT_HOURS_S, Rounding::TowardZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestGetFundingIndexDelta` (§8.1 D15–D17).
    #[test]
    fn funding_index_delta_d15_to_d17() {
        assert_eq!(funding_index_delta(1_001_999, 28_800, 1_000, 0, -12), Ok(1_001));
        assert_eq!(
            funding_index_delta(-1_001_999, 28_800, 1_000, 0, -12),
            Ok(-1_001),
            "toward zero"
        );
        assert_eq!(funding_index_delta(-1_001_999, 14_400, 1_000, 2, -4), Ok(-5_009_995_000_000));
        assert_eq!(funding_index_delta(-1_001_999, 3_600, 1_000, -6, 0), Ok(-125_249_875));
    }
}
