//! Notional value and margin requirements: tiered maintenance margin, initial margin at a chosen
//! leverage, and dYdX-style open-interest scaling of the initial margin fraction.

use cascade_model::{MarginTier, OiScaledMargin};
use cascade_num::{mul_div, ArithmeticError, Lots, Ppm, Quote, Rounding, Ticks, PPM};

fn to_quote(v: i128) -> Result<Quote, ArithmeticError> {
    i64::try_from(v).map(Quote).map_err(|_| ArithmeticError::Overflow)
}

/// Signed value `size × price × quote_per_tick_lot` (positive for longs). Exact.
///
/// # Errors
/// Overflow of the quote type.
#[inline]
pub fn value(size: Lots, price: Ticks, quote_per_tick_lot: i64) -> Result<Quote, ArithmeticError> {
    let v = i128::from(size.get()) * i128::from(price.get()) * i128::from(quote_per_tick_lot);
    to_quote(v)
}

/// Unsigned notional `|size| × price × quote_per_tick_lot`. Exact.
///
/// # Errors
/// Overflow of the quote type.
#[inline]
pub fn notional(
    size: Lots,
    price: Ticks,
    quote_per_tick_lot: i64,
) -> Result<Quote, ArithmeticError> {
    value(size.abs(), price, quote_per_tick_lot)
}

/// `amount × rate`, rounded as asked.
///
/// # Errors
/// Overflow of the quote type.
#[inline]
pub fn apply_rate(amount: Quote, rate: Ppm, rounding: Rounding) -> Result<Quote, ArithmeticError> {
    to_quote(mul_div(amount.get().into(), rate.get().into(), PPM.into(), rounding)?)
}

/// The tier for a notional (tiers sorted by floor, first floor zero).
#[inline]
pub fn tier_for(tiers: &[MarginTier], notional: Quote) -> &MarginTier {
    tiers.iter().rev().find(|t| notional >= t.notional_floor).unwrap_or(&tiers[0])
}

/// Maintenance margin `notional × mmr − deduction` of the notional's tier, rounded up, never
/// negative.
///
/// # Errors
/// Overflow of the quote type.
#[inline]
pub fn maintenance_margin(tiers: &[MarginTier], notional: Quote) -> Result<Quote, ArithmeticError> {
    let tier = tier_for(tiers, notional);
    let gross = apply_rate(notional, tier.maintenance_rate, Rounding::Ceil)?;
    Ok(Quote((gross.get() - tier.deduction.get()).max(0)))
}

/// dYdX `GetAdjustedInitialMarginPpm`: between the caps the fraction rises linearly from
/// `base` to 100% (rounded down, as dYdX does); at or above the upper cap it is 100%.
///
/// # Errors
/// Overflow.
pub fn oi_scaled_initial_rate(
    base: Ppm,
    scaling: OiScaledMargin,
    open_notional: Quote,
) -> Result<Ppm, ArithmeticError> {
    let (lo, hi) = (scaling.lower_cap.get(), scaling.upper_cap.get());
    let oi = open_notional.get();
    if hi == 0 || oi <= lo {
        return Ok(base);
    }
    if oi >= hi {
        return Ok(Ppm(PPM));
    }
    let extra =
        mul_div((PPM - base.get()).into(), (oi - lo).into(), (hi - lo).into(), Rounding::Floor)?;
    Ok(Ppm(base.get() + i64::try_from(extra).map_err(|_| ArithmeticError::Overflow)?))
}

/// The initial margin rate for a position: the larger of `1/leverage` (rounded up), the tier's
/// rate at its maximum leverage, and (when configured) the OI-scaled fraction.
///
/// # Errors
/// Overflow; a zero leverage is treated as 1.
pub fn initial_rate(
    tiers: &[MarginTier],
    notional: Quote,
    leverage: u32,
    oi: Option<(OiScaledMargin, Quote)>,
) -> Result<Ppm, ArithmeticError> {
    let tier = tier_for(tiers, notional);
    let chosen = mul_div(PPM.into(), 1, leverage.max(1).into(), Rounding::Ceil)?;
    let mut rate =
        tier.initial_rate.get().max(i64::try_from(chosen).map_err(|_| ArithmeticError::Overflow)?);
    if let Some((scaling, open_notional)) = oi {
        rate =
            rate.max(oi_scaled_initial_rate(tiers[0].initial_rate, scaling, open_notional)?.get());
    }
    Ok(Ppm(rate.min(PPM)))
}

/// Initial margin `notional × initial_rate`, rounded up.
///
/// # Errors
/// Overflow.
pub fn initial_margin(
    tiers: &[MarginTier],
    notional: Quote,
    leverage: u32,
    oi: Option<(OiScaledMargin, Quote)>,
) -> Result<Quote, ArithmeticError> {
    apply_rate(notional, initial_rate(tiers, notional, leverage, oi)?, Rounding::Ceil)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_model::MarginTier;

    fn usd(n: i64) -> Quote {
        Quote::from_units(n)
    }

    /// Hyperliquid BTC tiers (venue-mechanics.md §1.1, vector H2): mmr is half the initial rate
    /// at the tier's max leverage; the deduction keeps MM continuous.
    #[test]
    fn hyperliquid_btc_tiers_h2() {
        let tiers =
            MarginTier::table(&[(usd(0), 40, Ppm(12_500)), (usd(150_000_000), 20, Ppm(25_000))])
                .unwrap();
        assert_eq!(tiers[1].deduction, usd(1_875_000));
        assert_eq!(maintenance_margin(&tiers, usd(200_000_000)), Ok(usd(3_125_000)));
        // Continuity at the bracket boundary: 1.875M either way.
        assert_eq!(maintenance_margin(&tiers, usd(150_000_000)), Ok(usd(1_875_000)));
        assert_eq!(
            maintenance_margin(&tiers, Quote(usd(150_000_000).get() - 1)),
            Ok(usd(1_875_000)),
            "one micro below the boundary rounds up to the same MM"
        );
    }

    /// Hyperliquid margin example (§8.4 H3): $10,000 on a 20x-max asset.
    #[test]
    fn hyperliquid_margin_h3() {
        let tiers = MarginTier::table(&[(usd(0), 20, Ppm(25_000))]).unwrap();
        assert_eq!(initial_margin(&tiers, usd(10_000), 10, None), Ok(usd(1_000)));
        assert_eq!(initial_margin(&tiers, usd(10_000), 20, None), Ok(usd(500)));
        assert_eq!(maintenance_margin(&tiers, usd(10_000)), Ok(usd(250)));
        // Leverage above the tier maximum does not lower the requirement.
        assert_eq!(initial_margin(&tiers, usd(10_000), 50, None), Ok(usd(500)));
    }

    /// Binance USDⓈ-M BTCUSDT 2021 brackets (§8.5 B2).
    #[test]
    fn binance_brackets_b2() {
        let tiers = MarginTier::table(&[
            (usd(0), 125, Ppm(4_000)),
            (usd(50_000), 100, Ppm(5_000)),
            (usd(250_000), 50, Ppm(10_000)),
            (usd(1_000_000), 20, Ppm(25_000)),
        ])
        .unwrap();
        assert_eq!(tier_for(&tiers, usd(500_000)).deduction, usd(1_300));
        assert_eq!(tier_for(&tiers, usd(264_000)).maintenance_rate, Ppm(10_000));
        assert_eq!(maintenance_margin(&tiers, usd(500_000)), Ok(usd(3_700)));
    }

    /// dYdX `GetAdjustedInitialMarginPpm` and `GetInitialMarginQuoteQuantums` (§8.1 D11–D14).
    /// Quote quantums are micro-USD, the same unit as `Quote`.
    #[test]
    fn dydx_oi_scaled_initial_margin_d11_to_d14() {
        let single = |imf: i64| {
            vec![MarginTier {
                notional_floor: Quote(0),
                max_leverage: u32::MAX,
                initial_rate: Ppm(imf),
                maintenance_rate: Ppm(1),
                deduction: Quote(0),
            }]
        };
        let caps = |lo: i64, hi: i64| OiScaledMargin { lower_cap: Quote(lo), upper_cap: Quote(hi) };
        // (imf, quote, lo, hi, oi, expected IM)
        let rows: &[(i64, i64, i64, i64, i64, i64)] = &[
            (200_000, 500_000, 0, 0, 0, 100_000),
            (500_000, 1_000_000, 0, 0, 0, 500_000),
            (100_000, 1, 0, 0, 0, 1),
            (567_243, 123_456, 0, 0, 0, 70_030), // D13: rounded up
            (200_000, 500_000, 1_000_000_000_000, 2_000_000_000_000, 1_500_000_000_000, 300_000), // D11
            (200_000, 500_000, 25_000_000_000_000, 50_000_000_000_000, 80_000_000_000_000, 500_000),
            (200_000, 500_000, 25_000_000_000_000, 50_000_000_000_000, 25_000_000_000_000, 100_000),
            (200_000, 500_000, 25_000_000_000_000, 60_000_000_000_000, 28_123_456_789_123, 135_697), // D12
        ];
        for &(imf, quote, lo, hi, oi, expected) in rows {
            let tiers = single(imf);
            let scaling = (hi > 0).then(|| (caps(lo, hi), Quote(oi)));
            assert_eq!(
                initial_margin(&tiers, Quote(quote), u32::MAX, scaling),
                Ok(Quote(expected)),
                "{imf} {quote} {oi}"
            );
        }
        // D14 and its table: adjusted IMF in ppm.
        let adjusted =
            |oi: i64| oi_scaled_initial_rate(Ppm(200_000), caps(1_000_000, 2_000_000), Quote(oi));
        for (oi, ppm) in [
            (0, 200_000),
            (1_500_000, 600_000),
            (1_234_567, 387_653),
            (1_000_000, 200_000),
            (2_000_000, 1_000_000),
            (2_500_000, 1_000_000),
        ] {
            assert_eq!(adjusted(oi), Ok(Ppm(ppm)), "oi {oi}");
        }
        assert_eq!(
            oi_scaled_initial_rate(Ppm(200_000), caps(0, 0), Quote(1_500_000)),
            Ok(Ppm(200_000))
        );
    }

    #[test]
    fn value_is_exact_and_overflow_is_an_error() {
        assert_eq!(value(Lots(-3), Ticks(1_000), 100), Ok(Quote(-300_000)));
        assert_eq!(notional(Lots(-3), Ticks(1_000), 100), Ok(Quote(300_000)));
        assert_eq!(value(Lots(i64::MAX), Ticks(i64::MAX), 1), Err(ArithmeticError::Overflow));
    }
}
