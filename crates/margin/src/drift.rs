//! Drift v2 liquidation and funding formulas in Drift's own precisions, so its public test
//! vectors (R1–R11 in `venue-mechanics.md` §8.2) port exactly. Cascade has no Drift preset yet;
//! these are the building blocks for one (oracle-priced liquidator takeover, socialised losses).
//!
//! Precisions: price and quote 1e6, base 1e9, margin ratio 1e4, liquidation fee 1e6,
//! liquidation percentage 1e4, funding rate 1e9. Source: github.com/drift-labs/protocol-v2,
//! `programs/drift/src/math/liquidation.rs`, `state/perp_market.rs` (restated, not copied).

use cascade_num::ArithmeticError;

const PRICE_PRECISION: u128 = 1_000_000;
const BASE_PRECISION: u128 = 1_000_000_000;
const LIQUIDATION_FEE_PRECISION: u128 = 1_000_000;
const MARGIN_TO_FEE_PRECISION: u128 = 100;
const PCT_PRECISION: u128 = 10_000;
const QUOTE_PRECISION: u128 = 1_000_000;
/// Slots after a user's last activity before the liquidator fee starts to rise (~10 min).
pub const FEE_GRACE_SLOTS: u64 = 1_500;
/// Liquidator fee increase per slot past the grace period, in 1e-6.
pub const FEE_INCREASE_PER_SLOT: u64 = 1;

/// Base amount (1e9) a liquidator must take to cover `margin_shortage` (1e6) when each base unit
/// freed releases `margin_ratio` (1e4) of its value minus the liquidator and insurance fees
/// (1e6). `u64::MAX` when no amount can cover it. All divisions floor, in Drift's order.
///
/// # Errors
/// Overflow, or fees larger than the margin freed.
pub fn base_to_cover_margin_shortage(
    margin_shortage: u128,
    margin_ratio: u32,
    liquidator_fee: u32,
    if_fee: u32,
    oracle_price: u64,
    quote_oracle_price: u64,
) -> Result<u64, ArithmeticError> {
    let mr = u128::from(margin_ratio) * MARGIN_TO_FEE_PRECISION;
    let fee = u128::from(liquidator_fee);
    if oracle_price == 0 || mr <= fee {
        return Ok(u64::MAX);
    }
    let px = u128::from(oracle_price) * u128::from(quote_oracle_price) / PRICE_PRECISION;
    let term_a = px * (mr - fee) / LIQUIDATION_FEE_PRECISION;
    let term_b = u128::from(oracle_price) * u128::from(if_fee) / LIQUIDATION_FEE_PRECISION;
    let denominator =
        term_a.checked_sub(term_b).filter(|d| *d > 0).ok_or(ArithmeticError::Overflow)?;
    let base =
        margin_shortage.checked_mul(BASE_PRECISION).ok_or(ArithmeticError::Overflow)? / denominator;
    u64::try_from(base).map_err(|_| ArithmeticError::Overflow)
}

/// The insurance-fund fee (1e6) charged on a perp liquidation: what the margin ratio leaves after
/// the liquidator fee and the shortage per unit of value, times 0.95, capped at `max_if_fee`.
pub fn perp_if_fee(
    margin_shortage: u128,
    base_amount: u64,
    margin_ratio: u32,
    liquidator_fee: u32,
    oracle_price: u64,
    quote_oracle_price: u64,
    max_if_fee: u32,
) -> u32 {
    if oracle_price == 0 || quote_oracle_price == 0 || base_amount == 0 {
        return 0;
    }
    let mr = u128::from(margin_ratio) * MARGIN_TO_FEE_PRECISION;
    let price = u128::from(oracle_price) * u128::from(quote_oracle_price) / PRICE_PRECISION;
    if price == 0 {
        return 0;
    }
    let per_base = margin_shortage.saturating_mul(BASE_PRECISION) / u128::from(base_amount);
    let shortage_pct =
        u32::try_from(per_base.saturating_mul(PRICE_PRECISION) / price).unwrap_or(u32::MAX);
    let implied =
        mr.saturating_sub(u128::from(liquidator_fee)).saturating_sub(u128::from(shortage_pct));
    let implied = implied * 19 / 20;
    u32::try_from(implied.min(u128::from(max_if_fee))).unwrap_or(max_if_fee)
}

/// The liquidator fee (1e6) after `current_slot − last_active_slot` slots: the base fee inside the
/// grace period, then base + elapsed × increase (over all elapsed slots), capped at `max_fee`.
///
/// # Errors
/// A current slot before the last active slot.
pub fn liquidation_fee(
    base_fee: u32,
    max_fee: u32,
    last_active_slot: u64,
    current_slot: u64,
) -> Result<u32, ArithmeticError> {
    let elapsed = current_slot.checked_sub(last_active_slot).ok_or(ArithmeticError::Overflow)?;
    if elapsed < FEE_GRACE_SLOTS {
        return Ok(base_fee);
    }
    let increase = u32::try_from(elapsed.saturating_mul(FEE_INCREASE_PER_SLOT)).unwrap_or(u32::MAX);
    Ok(base_fee.saturating_add(increase).min(max_fee))
}

/// The largest fraction (1e4) of a margin shortage that may be liquidated now: everything for a
/// shortage under $50; otherwise the initial percentage plus the elapsed share of the liquidation
/// duration, applied to the total shortage including what was already freed.
///
/// # Errors
/// Overflow, a slot before the last active slot, or a zero shortage.
pub fn max_pct_to_liquidate(
    last_active_slot: u64,
    margin_freed: u64,
    margin_shortage: u128,
    slot: u64,
    initial_pct: u128,
    duration_slots: u64,
) -> Result<u128, ArithmeticError> {
    if margin_shortage < 50 * QUOTE_PRECISION {
        return Ok(PCT_PRECISION);
    }
    let elapsed = u128::from(slot.checked_sub(last_active_slot).ok_or(ArithmeticError::Overflow)?);
    let freeable = if duration_slots == 0 {
        PCT_PRECISION
    } else {
        elapsed * PCT_PRECISION / u128::from(duration_slots)
    };
    let freeable = (freeable + initial_pct).min(PCT_PRECISION);
    let total = margin_shortage + u128::from(margin_freed);
    let max_freed = total * freeable / PCT_PRECISION;
    let left = max_freed.saturating_sub(u128::from(margin_freed));
    Ok(left * PCT_PRECISION / margin_shortage)
}

/// The cumulative funding delta (1e9 per base unit) that spreads a bankruptcy `loss` (1e6,
/// negative) over all open base (1e9): `ceil(|loss| × 1e9 / total base) × 1e3`.
///
/// # Errors
/// No open base to spread over.
pub fn socialized_funding_delta(
    loss: i128,
    base_long: i128,
    base_short: i128,
) -> Result<i128, ArithmeticError> {
    let total = base_long.unsigned_abs() + base_short.unsigned_abs();
    if total == 0 {
        return Err(ArithmeticError::DivisionByZero);
    }
    let numerator =
        loss.unsigned_abs().checked_mul(BASE_PRECISION).ok_or(ArithmeticError::Overflow)?;
    let per_base = numerator.div_ceil(total);
    i128::try_from(per_base * 1_000).map_err(|_| ArithmeticError::Overflow)
}

/// Drift contract tiers, safest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContractTier {
    /// Tier A.
    A,
    /// Tier B.
    B,
    /// Tier C.
    C,
    /// Speculative (Drift's default).
    Speculative,
    /// Highly speculative.
    HighlySpeculative,
    /// Isolated.
    Isolated,
}

/// The largest mark–oracle TWAP divergence funding may use (price precision): 1/33 of the oracle
/// TWAP for tiers A and B, 1/20 for C, 1/10 otherwise (truncated).
pub fn max_funding_divergence(tier: ContractTier, oracle_twap: i64) -> i64 {
    if tier <= ContractTier::B {
        oracle_twap / 33
    } else if tier <= ContractTier::C {
        oracle_twap / 20
    } else {
        oracle_twap / 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: u128 = 1_000_000;
    const P: u64 = 1_000_000;

    #[test]
    fn base_to_cover_r1_to_r4() {
        let f = |fee, if_fee, quote_price| {
            base_to_cover_margin_shortage(10 * Q, 1_000, fee, if_fee, 100 * P, quote_price)
        };
        assert_eq!(f(0, 0, P), Ok(1_000_000_000)); // R1
        assert_eq!(f(0, 0, 990_000), Ok(1_010_101_010)); // R2
        assert_eq!(f(0, 0, 1_010_000), Ok(990_099_009));
        assert_eq!(f(10_000, 0, P), Ok(1_111_111_111)); // R3: 10/9 base
        assert_eq!(f(10_000, 10_000, P), Ok(1_250_000_000)); // R4
        assert_eq!(base_to_cover_margin_shortage(10 * Q, 100, 10_000, 0, 100 * P, P), Ok(u64::MAX));
    }

    #[test]
    fn perp_if_fee_r5_to_r7() {
        let f = |shortage, liquidator_fee| {
            perp_if_fee(shortage, 10 * 1_000_000_000, 500, liquidator_fee, 100 * P, P, 50_000)
        };
        assert_eq!(f(20 * Q, 10_000), 19_000); // R5: 2% × 0.95
        assert_eq!(f(Q, 10_000), 37_050); // R6
        assert_eq!(f(1_000 * Q, 10_000), 0);
        assert_eq!(f(20 * Q, 100_000), 0); // R7
        assert_eq!(perp_if_fee(20 * Q, 10_000_000_000, 500, 10_000, 0, P, 50_000), 0);
        assert_eq!(perp_if_fee(20 * Q, 0, 500, 10_000, 100 * P, P, 50_000), 0);
    }

    #[test]
    fn liquidation_fee_r8() {
        assert_eq!(liquidation_fee(20_000, 50_000, 0, 100_000), Ok(50_000));
        assert_eq!(liquidation_fee(20_000, 50_000, 0, 10), Ok(20_000));
        assert_eq!(liquidation_fee(20_000, 50_000, 0, 10_000), Ok(30_000));
    }

    #[test]
    fn max_pct_r9() {
        assert_eq!(max_pct_to_liquidate(0, 0, 49 * Q, 1, 1_000, 10), Ok(10_000));
        // Without the under-$50 rule the same timing frees 20%.
        assert_eq!(max_pct_to_liquidate(0, 0, 490 * Q, 1, 1_000, 10), Ok(2_000));
    }

    #[test]
    fn socialized_loss_r10() {
        assert_eq!(
            socialized_funding_delta(-100 * 1_000_000, 7_000_000_000, -4_000_000_000),
            Ok(9_090_910_000)
        );
        assert_eq!(
            socialized_funding_delta(-1_000_000, 0, 0),
            Err(ArithmeticError::DivisionByZero)
        );
    }

    #[test]
    fn funding_divergence_r11() {
        assert_eq!(max_funding_divergence(ContractTier::Speculative, 49_000_000), 4_900_000);
        assert_eq!(max_funding_divergence(ContractTier::B, 49_000_000), 1_484_848);
        assert_eq!(max_funding_divergence(ContractTier::C, 49_000_000), 2_450_000);
    }
}
