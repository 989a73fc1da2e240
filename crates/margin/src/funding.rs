//! Funding math: premium samples from impact prices, the 8-hour rate, per-interval caps, payments.

use cascade_model::{FundingCap, FundingFormula, FundingRule, MarginTier};
use cascade_num::{
    div_round, mul_div, ArithmeticError, Lots, Ppb, Quote, Rounding, Ticks, PPB, PPM,
};

/// Eight hours in nanoseconds: funding rates are quoted per 8 h.
pub const EIGHT_HOURS_NS: u64 = 8 * 3_600 * 1_000_000_000;

/// Premium `[max(impact_bid − oracle, 0) − max(oracle − impact_ask, 0)] / oracle` in ppb,
/// each term truncated toward zero. Impact prices come as `(Σ price × size, Σ size)` from the
/// book; a missing side contributes zero.
///
/// # Errors
/// Overflow.
pub fn premium(
    impact_bid: Option<(i128, i64)>,
    impact_ask: Option<(i128, i64)>,
    oracle: Ticks,
) -> Result<Ppb, ArithmeticError> {
    let o = i128::from(oracle.get());
    if o <= 0 {
        return Ok(Ppb(0));
    }
    let term = |impact: Option<(i128, i64)>, bid: bool| -> Result<i128, ArithmeticError> {
        let Some((value, size)) = impact else { return Ok(0) };
        let size = i128::from(size);
        if size <= 0 {
            return Ok(0);
        }
        // (value/size − o)/o = (value − o·size)/(o·size)
        let gap = if bid { value - o * size } else { o * size - value };
        if gap <= 0 {
            return Ok(0);
        }
        mul_div(gap, PPB.into(), o * size, Rounding::TowardZero)
    };
    let p = term(impact_bid, true)? - term(impact_ask, false)?;
    i64::try_from(p).map(Ppb).map_err(|_| ArithmeticError::Overflow)
}

/// Binance's impact margin notional: `base / initial rate at max leverage` (base 200 USDT),
/// rounded up.
///
/// # Errors
/// Overflow, or a zero rate.
pub fn impact_margin_notional(
    base: Quote,
    initial_rate: cascade_num::Ppm,
) -> Result<Quote, ArithmeticError> {
    let v = mul_div(base.get().into(), PPM.into(), initial_rate.get().into(), Rounding::Ceil)?;
    i64::try_from(v).map(Quote).map_err(|_| ArithmeticError::Overflow)
}

/// The value of a cap for a market whose first margin tier is `tier0`.
pub fn cap_value(cap: FundingCap, tier0: &MarginTier) -> Option<Ppb> {
    // ppm × multiple(ppm) / 1e6 = ppm; ppm × 1000 = ppb.
    let scaled =
        |base_ppm: i64, multiple: i64| Ppb(base_ppm.saturating_mul(multiple) / PPM * 1_000);
    match cap {
        FundingCap::None => None,
        FundingCap::Fixed(v) => Some(v),
        FundingCap::MarginSpreadMultiple(m) => {
            Some(scaled(tier0.initial_rate.get() - tier0.maintenance_rate.get(), m.get()))
        }
        FundingCap::MaintenanceMultiple(m) => Some(scaled(tier0.maintenance_rate.get(), m.get())),
    }
}

fn clamp(value: Ppb, bound: Option<Ppb>) -> Ppb {
    match bound {
        Some(b) => Ppb(value.get().clamp(-b.get().abs(), b.get().abs())),
        None => value,
    }
}

/// Clamps one premium sample as the rule asks (dYdX's per-vote clamp).
pub fn clamp_sample(sample: Ppb, rule: &FundingRule, tier0: &MarginTier) -> Ppb {
    clamp(sample, cap_value(rule.sample_clamp, tier0))
}

/// The 8-hour funding rate from the average premium, with the rule's formula and clamp.
pub fn rate_8h(average_premium: Ppb, rule: &FundingRule, tier0: &MarginTier) -> Ppb {
    let p = average_premium.get();
    let r = rule.interest_8h.get();
    let f = match rule.formula {
        FundingFormula::ClampedInterest { clamp: c } => {
            p + (r - p).clamp(-c.get().abs(), c.get().abs())
        }
        FundingFormula::Additive => p + r,
    };
    clamp(Ppb(f), cap_value(rule.rate_clamp_8h, tier0))
}

/// The rate paid for one interval: the 8-hour rate pro-rated to `interval_ns` (toward zero), then
/// capped by the rule's per-interval cap.
///
/// # Errors
/// Overflow.
pub fn interval_rate(
    rate_8h: Ppb,
    rule: &FundingRule,
    tier0: &MarginTier,
) -> Result<Ppb, ArithmeticError> {
    let r = mul_div(
        rate_8h.get().into(),
        rule.interval_ns.into(),
        EIGHT_HOURS_NS.into(),
        Rounding::TowardZero,
    )?;
    let r = Ppb(i64::try_from(r).map_err(|_| ArithmeticError::Overflow)?);
    Ok(clamp(r, cap_value(rule.interval_cap, tier0)))
}

/// Averages premium samples: plain mean or time-weighted (sample `i` of `n` weighs `i`), padding
/// with zero samples up to `samples_min` (the padding weighs as the earliest samples). The sums
/// come from [`PremiumAccumulator`].
pub fn average_premium(acc: &PremiumAccumulator, weighted: bool, samples_min: u32) -> Ppb {
    let n = i128::from(acc.count);
    let pad = i128::from(samples_min.saturating_sub(acc.count));
    let avg = if weighted {
        // Padding zeros come first, so real sample j (1-based) weighs pad + j.
        let numerator = acc.weighted_sum + pad * acc.sum;
        let total = n + pad;
        let weights = total * (total + 1) / 2;
        if weights == 0 {
            0
        } else {
            div_round(numerator, weights, Rounding::TowardZero).unwrap_or(0)
        }
    } else {
        let total = n + pad;
        if total == 0 {
            0
        } else {
            div_round(acc.sum, total, Rounding::TowardZero).unwrap_or(0)
        }
    };
    Ppb(i64::try_from(avg).unwrap_or(0))
}

/// Running sums of the premium samples of one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PremiumAccumulator {
    /// Number of samples.
    pub count: u32,
    /// Σ sample.
    pub sum: i128,
    /// Σ i × sample_i (i from 1).
    pub weighted_sum: i128,
}

impl PremiumAccumulator {
    /// Adds the next sample.
    pub fn push(&mut self, sample: Ppb) {
        self.count += 1;
        self.sum += i128::from(sample.get());
        self.weighted_sum += i128::from(self.count) * i128::from(sample.get());
    }
}

/// What a position pays (positive) or receives (negative) at `rate`: `size × oracle × rate`.
/// Longs pay when the rate is positive. Payers round up, receivers round down, so the sum over
/// all positions is never negative; the surplus is the funding dust.
///
/// # Errors
/// Overflow.
pub fn payment(
    size: Lots,
    oracle: Ticks,
    quote_per_tick_lot: i64,
    rate: Ppb,
) -> Result<Quote, ArithmeticError> {
    let value = i128::from(size.get()) * i128::from(oracle.get()) * i128::from(quote_per_tick_lot);
    // Positive product = the account pays: round that magnitude up; negative: receives, round the
    // magnitude down. Both are "toward +infinity" on the signed amount paid.
    let amount = mul_div(value, rate.get().into(), PPB.into(), Rounding::Ceil)?;
    i64::try_from(amount).map(Quote).map_err(|_| ArithmeticError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_model::PremiumAveraging;
    use cascade_num::Ppm;
    use proptest::prelude::*;

    fn hl_rule() -> FundingRule {
        FundingRule {
            interval_ns: 3_600 * 1_000_000_000,
            sample_interval_ns: 5_000_000_000,
            averaging: PremiumAveraging::Mean,
            samples_min: 0,
            interest_8h: Ppb(100_000),
            formula: FundingFormula::ClampedInterest { clamp: Ppb(500_000) },
            sample_clamp: FundingCap::None,
            rate_clamp_8h: FundingCap::None,
            interval_cap: FundingCap::Fixed(Ppb(40_000_000)),
        }
    }

    fn tier0() -> MarginTier {
        MarginTier::table(&[(Quote(0), 40, Ppm(12_500))]).unwrap()[0]
    }

    /// Hyperliquid's worked example (§1.4, vector H1): impact bid 10,100, oracle 10,000, r 0.01%.
    #[test]
    fn hyperliquid_funding_h1() {
        // One lot at 10,100 ticks as the impact bid; no ask pressure.
        let p = premium(Some((10_100, 1)), Some((10_000, 1)), Ticks(10_000)).unwrap();
        assert_eq!(p, Ppb(10_000_000), "premium 1%");
        let f = rate_8h(p, &hl_rule(), &tier0());
        assert_eq!(f, Ppb(9_500_000), "F = 1% + clamp(0.01% − 1%, ±0.05%) = 0.95%");
        let hourly = interval_rate(f, &hl_rule(), &tier0()).unwrap();
        assert_eq!(hourly, Ppb(1_187_500), "paid hourly at F/8");
        // 10 BTC × 10,000 × 0.11875% = $118.75, with one lot = 1 BTC and one tick = $1 (qptl = 1e6 micro).
        assert_eq!(
            payment(Lots(10), Ticks(10_000), 1_000_000, hourly),
            Ok(Quote::parse("118.75").unwrap())
        );
        // The 4%/h cap.
        let capped = interval_rate(Ppb(900_000_000), &hl_rule(), &tier0()).unwrap();
        assert_eq!(capped, Ppb(40_000_000));
    }

    /// Binance impact margin notional (§8.5 B4): BNBUSDT at 20x (IMR 5%) → 4,000 USDT.
    #[test]
    fn binance_impact_margin_notional_b4() {
        assert_eq!(
            impact_margin_notional(Quote::from_units(200), Ppm(50_000)),
            Ok(Quote::from_units(4_000))
        );
        assert_eq!(
            impact_margin_notional(Quote::from_units(200), Ppm(8_000)),
            Ok(Quote::from_units(25_000))
        );
    }

    #[test]
    fn premium_sign_and_missing_sides() {
        assert_eq!(premium(None, None, Ticks(100)), Ok(Ppb(0)));
        // Ask below oracle: negative premium.
        assert_eq!(premium(None, Some((99, 1)), Ticks(100)), Ok(Ppb(-10_000_000)));
        // Inside the spread around the oracle: zero.
        assert_eq!(premium(Some((99, 1)), Some((101, 1)), Ticks(100)), Ok(Ppb(0)));
    }

    #[test]
    fn dydx_style_additive_with_clamps() {
        let mut rule = hl_rule();
        rule.formula = FundingFormula::Additive;
        rule.rate_clamp_8h = FundingCap::MarginSpreadMultiple(Ppm(6_000_000));
        // Large-Cap: IMF 2%, MMF 1.2% → ±6 × 0.8% = ±4.8% per 8 h.
        let tier = MarginTier {
            notional_floor: Quote(0),
            max_leverage: 50,
            initial_rate: Ppm(20_000),
            maintenance_rate: Ppm(12_000),
            deduction: Quote(0),
        };
        assert_eq!(rate_8h(Ppb(1_000_000_000), &rule, &tier), Ppb(48_000_000));
        assert_eq!(rate_8h(Ppb(-5_000), &rule, &tier), Ppb(95_000));
    }

    #[test]
    fn averaging_mean_weighted_and_padding() {
        let mut acc = PremiumAccumulator::default();
        for s in [10, 20, 30] {
            acc.push(Ppb(s));
        }
        assert_eq!(average_premium(&acc, false, 0), Ppb(20));
        // Weighted: (1·10 + 2·20 + 3·30)/6 = 140/6 = 23 (toward zero).
        assert_eq!(average_premium(&acc, true, 0), Ppb(23));
        // dYdX padding to 6 samples: 60/6 = 10.
        assert_eq!(average_premium(&acc, false, 6), Ppb(10));
    }

    proptest! {
        /// Funding is zero-sum up to non-negative dust: payers never pay less than receivers get.
        #[test]
        fn payments_leave_non_negative_dust(sizes in prop::collection::vec(-10_000i64..10_000, 1..20), oracle in 1i64..1_000_000, rate in -50_000_000i64..50_000_000, qptl in 1i64..1000) {
            let net: i64 = sizes.iter().sum();
            let mut sizes = sizes;
            sizes.push(-net); // open interest nets to zero
            let total: i64 = sizes.iter().map(|&s| payment(Lots(s), Ticks(oracle), qptl, Ppb(rate)).unwrap().get()).sum();
            prop_assert!(total >= 0);
            prop_assert!(total <= sizes.len() as i64, "dust is at most one micro-unit per position");
        }
    }
}
