//! Prices and values around liquidation: the bankruptcy value of a closing trade, dYdX's fillable
//! price and insurance-fund delta, and the trigger prices the engine indexes positions by.
//!
//! Conventions: `tnc` is the account's (or isolated position's) total net collateral — equity at
//! the pricing price; `tmm` its total maintenance margin; values of positions are signed
//! (longs positive).

use cascade_model::MarginTier;
use cascade_num::{div_round, mul_div, ArithmeticError, Lots, Ppm, Quote, Rounding, Ticks, PPM};

use crate::requirement::{notional, tier_for};

fn to_quote(v: i128) -> Result<Quote, ArithmeticError> {
    i64::try_from(v).map(Quote).map_err(|_| ArithmeticError::Overflow)
}

/// Quote the liquidated account receives (negative: pays) for closing part of a position at its
/// bankruptcy value: the account's net collateral is shared among its positions pro-rata to
/// maintenance margin, so closing a part worth `closed_value` with maintenance `closed_mm` leaves
/// the rest with its share: `R = closed_value − tnc × closed_mm / tmm` (dYdX
/// `GetBankruptcyPriceInQuoteQuantums`). The share rounds up, so `R` rounds down: against the
/// liquidated trader. With `tmm == 0` the whole `tnc` is attributed to the closed part.
///
/// # Errors
/// Overflow.
pub fn bankruptcy_quote(
    closed_value: Quote,
    tnc: Quote,
    closed_mm: Quote,
    tmm: Quote,
) -> Result<Quote, ArithmeticError> {
    let share = if tmm.get() <= 0 || closed_mm >= tmm {
        tnc.get().into()
    } else {
        mul_div(tnc.get().into(), closed_mm.get().into(), tmm.get().into(), Rounding::Ceil)?
    };
    to_quote(i128::from(closed_value.get()) - share)
}

/// dYdX's adjusted bankruptcy rating `ABR = clamp(BA × (1 − tnc/tmm), 0, 1)` in ppm, rounded up.
///
/// # Errors
/// Overflow.
pub fn bankruptcy_rating(tnc: Quote, tmm: Quote, adjustment: Ppm) -> Result<Ppm, ArithmeticError> {
    if tmm.get() <= 0 || tnc.get() <= 0 {
        return Ok(Ppm(PPM));
    }
    if tnc >= tmm {
        return Ok(Ppm(0));
    }
    let gap = i128::from(tmm.get() - tnc.get());
    let abr = mul_div(adjustment.get().into(), gap, tmm.get().into(), Rounding::Ceil)?;
    Ok(Ppm(i64::try_from(abr.min(PPM.into())).map_err(|_| ArithmeticError::Overflow)?))
}

/// dYdX fillable price `(PNNV − ABR × SMMR × PMMR) / PS` as a fraction `(numerator in quote
/// micro-units, denominator in lots)` with a positive denominator: the worst price per lot a
/// liquidation order may trade at. `position_value` and `size` are signed. The discount rounds up
/// (a worse bound for the liquidated trader); dYdX computes it as an exact rational, which agrees
/// whenever the discount is a whole micro-unit.
///
/// # Errors
/// Overflow; a zero `size` is a division by zero.
pub fn fillable_price(
    position_value: Quote,
    size: Lots,
    tnc: Quote,
    tmm: Quote,
    position_mm: Quote,
    bankruptcy_adjustment: Ppm,
    spread_to_maintenance: Ppm,
) -> Result<(i128, i128), ArithmeticError> {
    if size.get() == 0 {
        return Err(ArithmeticError::DivisionByZero);
    }
    let abr = bankruptcy_rating(tnc, tmm, bankruptcy_adjustment)?;
    let spread = mul_div(
        position_mm.get().into(),
        spread_to_maintenance.get().into(),
        PPM.into(),
        Rounding::Ceil,
    )?;
    let discount = mul_div(spread, abr.get().into(), PPM.into(), Rounding::Ceil)?;
    let numerator = i128::from(position_value.get()) - discount;
    let denominator = i128::from(size.get());
    Ok(if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) })
}

/// dYdX `GetLiquidationInsuranceFundDelta`: `d = received − bankruptcy`. If `d <= 0` the insurance
/// fund pays `|d|` (the result is `d`); otherwise the account pays `min(d, fee_cap × |received|)`
/// (fee cap rounded down).
///
/// # Errors
/// Overflow.
pub fn insurance_fund_delta(
    received: Quote,
    bankruptcy: Quote,
    fee_cap: Ppm,
) -> Result<Quote, ArithmeticError> {
    let d = i128::from(received.get()) - i128::from(bankruptcy.get());
    if d <= 0 {
        return to_quote(d);
    }
    let cap = mul_div(
        received.get().unsigned_abs().into(),
        fee_cap.get().into(),
        PPM.into(),
        Rounding::Floor,
    )?;
    to_quote(d.min(cap))
}

/// Slack, in micro-units, for the rounding of maintenance margin in trigger prices.
const TRIGGER_SLACK: i64 = 2;

/// The highest mark at which a long of `size` lots (others frozen) might have used up `buffer`
/// (= equity − maintenance margin), assuming maintenance falls with notional at no less than
/// `maintenance_rate_min` (the first tier's rate). The engine re-checks the account when the mark
/// is at or below this trigger; above it the account is certainly safe.
///
/// # Errors
/// Overflow.
pub fn long_trigger(
    mark: Ticks,
    size: Lots,
    quote_per_tick_lot: i64,
    buffer: Quote,
    maintenance_rate_min: Ppm,
) -> Result<Ticks, ArithmeticError> {
    assert!(size.get() > 0, "Invariant: a long trigger needs a long position");
    let buffer = i128::from((buffer.get() - TRIGGER_SLACK).max(0));
    let per_tick = i128::from(size.get())
        * i128::from(quote_per_tick_lot)
        * i128::from(PPM - maintenance_rate_min.get());
    let ticks = div_round(buffer * i128::from(PPM), per_tick, Rounding::Floor)?;
    let ticks = i64::try_from(ticks.min(i128::from(i64::MAX / 2)))
        .map_err(|_| ArithmeticError::Overflow)?;
    Ok(Ticks(mark.get().saturating_sub(ticks).saturating_sub(1)))
}

/// The lowest mark at which a short of `size` lots (others frozen) might have used up `buffer`,
/// using the maintenance rate of the tier reached at the trigger price itself (so the bound holds
/// across bracket changes). The engine re-checks the account when the mark is at or above this.
///
/// # Errors
/// Overflow.
pub fn short_trigger(
    mark: Ticks,
    size: Lots,
    quote_per_tick_lot: i64,
    buffer: Quote,
    tiers: &[MarginTier],
) -> Result<Ticks, ArithmeticError> {
    let q = size.abs();
    assert!(q.get() > 0, "Invariant: a short trigger needs a position");
    let buffer = i128::from((buffer.get() - TRIGGER_SLACK).max(0));
    let mut rate = tier_for(tiers, notional(q, mark, quote_per_tick_lot)?).maintenance_rate;
    // Bounded by: the number of tiers (the rate only rises).
    for _ in 0..=tiers.len() {
        let per_tick =
            i128::from(q.get()) * i128::from(quote_per_tick_lot) * i128::from(PPM + rate.get());
        let ticks = div_round(buffer * i128::from(PPM), per_tick, Rounding::Floor)?;
        let ticks = i64::try_from(ticks.min(i128::from(i64::MAX / 4)))
            .map_err(|_| ArithmeticError::Overflow)?;
        let trigger = Ticks(mark.get().saturating_add(ticks).saturating_add(1));
        let at_trigger = match notional(q, trigger, quote_per_tick_lot) {
            Ok(n) => tier_for(tiers, n).maintenance_rate,
            Err(_) => tiers[tiers.len() - 1].maintenance_rate,
        };
        if at_trigger <= rate {
            return Ok(trigger);
        }
        rate = at_trigger;
    }
    unreachable!("the maintenance rate rises at most once per tier")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirement::{maintenance_margin, value};
    use cascade_model::MarginTier;
    use proptest::prelude::*;

    // dYdX liquidation vectors (§8.1): BTC perp, IMF 20% / MMF 10%, oracle $50,000, 0.1 BTC.
    // One lot = one base quantum (1e-8 BTC); quote quantums are micro-USD (our Quote unit).
    const PNNV: i64 = 5_000_000_000; // $5,000
    const PS: i64 = 10_000_000; // 0.1 BTC in base quantums
    const PMMR: i64 = 500_000_000; // $500

    fn usd(n: i64) -> Quote {
        Quote::from_units(n)
    }

    #[test]
    fn dydx_bankruptcy_d1_to_d4() {
        // D1 long 0.1, USDC −4,501: TNC = 5,000 − 4,501 = 499.
        assert_eq!(
            bankruptcy_quote(Quote(PNNV), usd(499), Quote(PMMR), Quote(PMMR)),
            Ok(Quote(4_501_000_000))
        );
        // D2 short 0.1, USDC +5,499: TNC = 499; closing a short pays.
        assert_eq!(
            bankruptcy_quote(Quote(-PNNV), usd(499), Quote(PMMR), Quote(PMMR)),
            Ok(Quote(-5_499_000_000))
        );
        // D3 long 0.1, USDC −5,000: TNC = 0.
        assert_eq!(
            bankruptcy_quote(Quote(PNNV), usd(0), Quote(PMMR), Quote(PMMR)),
            Ok(Quote(5_000_000_000))
        );
        // D4 close half.
        assert_eq!(
            bankruptcy_quote(Quote(PNNV / 2), usd(0), Quote(PMMR / 2), Quote(PMMR)),
            Ok(Quote(2_500_000_000))
        );
    }

    /// Fillable prices in quote quantums per base quantum, as fractions (D5–D8).
    #[test]
    fn dydx_fillable_d5_to_d8() {
        let ba = Ppm(1_000_000);
        let smmr = Ppm(100_000);
        let check = |value: i64,
                     size: i64,
                     tnc: Quote,
                     ba: Ppm,
                     smmr: Ppm,
                     expected: (i128, i128)| {
            let (n, d) =
                fillable_price(Quote(value), Lots(size), tnc, Quote(PMMR), Quote(PMMR), ba, smmr)
                    .unwrap();
            assert_eq!(n * expected.1, expected.0 * d, "{n}/{d} != {}/{}", expected.0, expected.1);
        };
        check(PNNV, PS, usd(499), ba, smmr, (49_999, 100)); // D5
        check(PNNV, PS, usd(499), Ppm(2_000_000), smmr, (49_998, 100)); // D6 BA 2
        check(PNNV, PS, usd(499), ba, Ppm(200_000), (49_998, 100)); // D6 SMMR 0.2
        check(-PNNV, -PS, usd(499), ba, smmr, (50_001, 100)); // D7
        check(-PNNV, -PS, usd(499), Ppm(2_000_000), smmr, (50_002, 100));
        check(-PNNV, -PS, usd(499), ba, Ppm(200_000), (50_002, 100));
        check(PNNV, PS, usd(0), ba, smmr, (495, 1)); // D8: TNC 0 → ABR 1
        check(-PNNV, -PS, usd(0), ba, smmr, (505, 1));
        check(PNNV, PS, usd(-500), ba, smmr, (495, 1)); // below bankruptcy: ABR clamps to 1
        check(PNNV, PS, usd(499), ba, Ppm(1_000_000), (49_990, 100));
    }

    /// Insurance fund delta (D9–D10 and the extra rows of the same dYdX test).
    #[test]
    fn dydx_insurance_fund_delta_d9_d10() {
        // D9: long 0.1, USDC −5,100 → TNC −100; bankruptcy of the full close.
        let bk_long = bankruptcy_quote(Quote(PNNV), usd(-100), Quote(PMMR), Quote(PMMR)).unwrap();
        assert_eq!(bk_long, Quote(5_100_000_000));
        let q = Quote(5_610_000_000);
        assert_eq!(insurance_fund_delta(q, bk_long, Ppm(5_000)), Ok(Quote(28_050_000)));
        assert_eq!(insurance_fund_delta(q, bk_long, Ppm(25_000)), Ok(Quote(140_250_000)));
        assert_eq!(insurance_fund_delta(q, bk_long, Ppm(1_000_000)), Ok(Quote(510_000_000)));
        // D10: short 0.1, USDC +4,900 → TNC −100; buying back pays 4,410.
        let bk_short = bankruptcy_quote(Quote(-PNNV), usd(-100), Quote(PMMR), Quote(PMMR)).unwrap();
        assert_eq!(bk_short, Quote(-4_900_000_000));
        let q = Quote(-4_410_000_000);
        assert_eq!(insurance_fund_delta(q, bk_short, Ppm(5_000)), Ok(Quote(22_050_000)));
        assert_eq!(insurance_fund_delta(q, bk_short, Ppm(25_000)), Ok(Quote(110_250_000)));
        assert_eq!(insurance_fund_delta(q, bk_short, Ppm(1_000_000)), Ok(Quote(490_000_000)));
        // Extra rows: surplus below the cap, zero surplus, and a fill below bankruptcy.
        assert_eq!(
            insurance_fund_delta(Quote(5_105_100_000), bk_long, Ppm(5_000)),
            Ok(Quote(5_100_000))
        );
        assert_eq!(
            insurance_fund_delta(Quote(-4_895_100_000), bk_short, Ppm(5_000)),
            Ok(Quote(4_900_000))
        );
        assert_eq!(insurance_fund_delta(Quote(5_100_000_000), bk_long, Ppm(5_000)), Ok(Quote(0)));
        assert_eq!(
            insurance_fund_delta(Quote(5_049_000_000), bk_long, Ppm(5_000)),
            Ok(Quote(-51_000_000))
        );
    }

    fn tiers() -> Vec<MarginTier> {
        MarginTier::table(&[
            (usd(0), 50, Ppm(10_000)),
            (usd(100_000), 20, Ppm(25_000)),
            (usd(1_000_000), 5, Ppm(100_000)),
        ])
        .unwrap()
    }

    proptest! {
        /// Above its trigger, a long's equity stays at or above maintenance: the trigger is never late.
        #[test]
        fn long_trigger_is_conservative(mark in 1_000i64..100_000, size in 1i64..10_000, cash in -50_000_000_000i64..0, qptl in 1i64..200) {
            let tiers = tiers();
            let v = value(Lots(size), Ticks(mark), qptl).unwrap();
            let equity = Quote(cash) + v;
            let mm = maintenance_margin(&tiers, v).unwrap();
            prop_assume!(equity >= mm);
            let trigger = long_trigger(Ticks(mark), Lots(size), qptl, equity - mm, tiers[0].maintenance_rate).unwrap();
            prop_assert!(trigger < Ticks(mark));
            // Every price strictly above the trigger (sampled) is safe.
            for p in [trigger.get() + 1, (trigger.get() + 1 + mark) / 2, mark] {
                if p <= 0 { continue; }
                let v = value(Lots(size), Ticks(p), qptl).unwrap();
                let mm = maintenance_margin(&tiers, v).unwrap();
                prop_assert!(Quote(cash) + v >= mm, "unsafe at {} above trigger {}", p, trigger);
            }
        }

        /// Below its trigger, a short's equity stays at or above maintenance, across tier changes.
        #[test]
        fn short_trigger_is_conservative(mark in 1_000i64..100_000, size in 1i64..10_000, cash in 0i64..50_000_000_000, qptl in 1i64..200) {
            let tiers = tiers();
            let v = value(Lots(-size), Ticks(mark), qptl).unwrap();
            let equity = Quote(cash) + v;
            let mm = maintenance_margin(&tiers, -v).unwrap();
            prop_assume!(equity >= mm);
            let trigger = short_trigger(Ticks(mark), Lots(-size), qptl, equity - mm, &tiers).unwrap();
            prop_assert!(trigger > Ticks(mark));
            for p in [mark, (trigger.get() - 1 + mark) / 2, trigger.get() - 1] {
                let v = value(Lots(-size), Ticks(p), qptl).unwrap();
                let mm = maintenance_margin(&tiers, -v).unwrap();
                prop_assert!(Quote(cash) + v >= mm, "unsafe at {} below trigger {}", p, trigger);
            }
        }
    }
}
