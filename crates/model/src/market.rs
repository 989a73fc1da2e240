//! Market specification: contract sizes, margin tiers, fees, order types; and its validation.

use std::fmt;

use cascade_num::{mul_div, Decimal, Ppm, Quote, Rounding, PPM, QUOTE_SCALE};

/// How long an order lives and whether it may rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till cancelled: the unfilled rest joins the book.
    Gtc,
    /// Immediate or cancel: the unfilled rest is cancelled.
    Ioc,
    /// Fill or kill: fills completely at once or is rejected untouched.
    Fok,
    /// Post-only (add liquidity only): rejected if it would cross the book.
    PostOnly,
}

/// Limit or market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderType {
    /// A limit order at `price`.
    Limit,
    /// A market order; `price` is its worst acceptable price. It never rests.
    Market,
}

/// What happens when an order would match a resting order of the same account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelfTradePrevention {
    /// Cancel the resting order and keep matching.
    CancelMaker,
    /// Cancel the rest of the incoming order.
    CancelTaker,
    /// Reduce both by the smaller size (no fill); whichever reaches zero is cancelled.
    DecrementBoth,
}

/// One bracket of a tiered margin table. A position whose notional is at least `notional_floor`
/// (and below the next tier's floor) uses this tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MarginTier {
    /// Lower bound of the bracket, inclusive.
    pub notional_floor: Quote,
    /// Highest leverage allowed in this bracket.
    pub max_leverage: u32,
    /// Initial margin rate at the bracket's maximum leverage.
    pub initial_rate: Ppm,
    /// Maintenance margin rate.
    pub maintenance_rate: Ppm,
    /// Maintenance deduction (Binance "maintenance amount", Hyperliquid "deduction"):
    /// `MM = notional × maintenance_rate − deduction`, keeping MM continuous across brackets.
    pub deduction: Quote,
}

impl MarginTier {
    /// Builds a tier table from `(floor, max leverage, maintenance rate)` rows, deriving the
    /// initial rate (`1 / max_leverage`, rounded up) and the deductions
    /// (`d_n = d_{n-1} + floor_n × (mmr_n − mmr_{n-1})`, rounded down so MM never drops).
    ///
    /// # Errors
    /// A zero leverage or an overflowing deduction.
    pub fn table(rows: &[(Quote, u32, Ppm)]) -> Result<Vec<MarginTier>, MarketSpecError> {
        let mut tiers: Vec<MarginTier> = Vec::with_capacity(rows.len());
        for (i, &(floor, max_leverage, maintenance_rate)) in rows.iter().enumerate() {
            if max_leverage == 0 {
                return Err(MarketSpecError::new(format!(
                    "tier {i}: max_leverage must be at least 1"
                )));
            }
            let initial_rate = Ppm(i64::try_from(
                mul_div(PPM.into(), 1, max_leverage.into(), Rounding::Ceil)
                    .map_err(|e| MarketSpecError::new(format!("tier {i}: {e}")))?,
            )
            .expect("ppm / leverage fits"));
            let deduction = match tiers.last() {
                None => Quote::ZERO,
                Some(prev) => derive_deduction(prev, floor, maintenance_rate).ok_or_else(|| {
                    MarketSpecError::new(format!("tier {i}: deduction overflows"))
                })?,
            };
            tiers.push(MarginTier {
                notional_floor: floor,
                max_leverage,
                initial_rate,
                maintenance_rate,
                deduction,
            });
        }
        Ok(tiers)
    }
}

impl MarginTier {
    /// The deduction of the tier after `prev` that starts at `floor` with `maintenance_rate`:
    /// `prev.deduction + floor × (maintenance_rate − prev.maintenance_rate)`, rounded down (so MM
    /// never drops). None on overflow. Binance's `cum` and Hyperliquid's deduction use this rule.
    pub fn deduction_after(
        prev: &MarginTier,
        floor: Quote,
        maintenance_rate: Ppm,
    ) -> Option<Quote> {
        derive_deduction(prev, floor, maintenance_rate)
    }
}

fn derive_deduction(prev: &MarginTier, floor: Quote, maintenance_rate: Ppm) -> Option<Quote> {
    let step = maintenance_rate.get().checked_sub(prev.maintenance_rate.get())?;
    let extra = mul_div(floor.get().into(), step.into(), PPM.into(), Rounding::Floor).ok()?;
    let extra = i64::try_from(extra).ok()?;
    prev.deduction.get().checked_add(extra).map(Quote)
}

/// dYdX-style open-interest scaling of the initial margin fraction: between the caps the
/// fraction rises linearly from the tier's initial rate to 100%.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OiScaledMargin {
    /// Open notional at which scaling starts.
    pub lower_cap: Quote,
    /// Open notional at which the initial margin fraction reaches 100%.
    pub upper_cap: Quote,
}

/// Everything the engine needs to know about one perpetual market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketSpec {
    /// Display name, for example `BTC-PERP`.
    pub symbol: String,
    /// Price increment in quote currency per base unit.
    pub tick_size: Decimal,
    /// Size increment in base units.
    pub lot_size: Decimal,
    /// Smallest order notional accepted (at the order's price).
    pub min_notional: Quote,
    /// Margin brackets by position notional, first floor zero, floors increasing.
    pub tiers: Vec<MarginTier>,
    /// Optional dYdX-style open-interest scaling of initial margin.
    pub oi_scaled_margin: Option<OiScaledMargin>,
    /// Maker fee rate (negative is a rebate).
    pub maker_fee: Ppm,
    /// Taker fee rate.
    pub taker_fee: Ppm,
    /// Notional used for impact bid/ask prices (funding premium).
    pub impact_notional: Quote,
    /// Orders priced further than this fraction from the oracle are rejected (None: no band).
    pub price_band: Option<Ppm>,
    /// Leverage a new position uses until the account chooses another.
    pub default_leverage: u32,
    /// A spot market: no funding, and sells may not exceed what the account holds (shorts exist
    /// only through `SeedPosition`, as the outside holder of the supply). Plain spot trades at
    /// leverage 1 (the `spot` preset); tiers above 1 make holdings margin collateral with a
    /// haircut of the maintenance rate, valued at the market's mark (a unified account that
    /// prices collateral off the venue's own spot book, as Binance did on 10 October 2025).
    pub spot: bool,
}

/// A market or venue specification that cannot be used, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketSpecError {
    message: String,
}

impl MarketSpecError {
    pub(crate) fn new(message: String) -> MarketSpecError {
        MarketSpecError { message }
    }
}

impl fmt::Display for MarketSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MarketSpecError {}

impl MarketSpec {
    /// Quote micro-units per (one tick × one lot): `tick_size × lot_size × 10^6`.
    ///
    /// The engine multiplies ticks by lots by this factor to get exact notional, so it must be a
    /// whole number of micro-units.
    ///
    /// # Errors
    /// If the product is not a positive whole number of micro-units.
    pub fn quote_per_tick_lot(&self) -> Result<i64, MarketSpecError> {
        let mantissa = self
            .tick_size
            .mantissa()
            .checked_mul(self.lot_size.mantissa())
            .ok_or_else(|| self.err("tick_size × lot_size overflows"))?;
        let scale = self.tick_size.scale() + self.lot_size.scale();
        let product = Decimal::new(mantissa, scale.min(18))
            .filter(|_| scale <= 18)
            .ok_or_else(|| self.err("tick_size × lot_size has more than 18 decimals"))?;
        let micro = product.to_scaled(QUOTE_SCALE).map_err(|_| {
            self.err(&format!(
                "tick_size ({}) × lot_size ({}) = {product} is finer than 0.000001 quote; \
                 use a larger lot_size so one tick on one lot is a whole micro-unit",
                self.tick_size, self.lot_size
            ))
        })?;
        let micro = i64::try_from(micro).map_err(|_| self.err("tick_size × lot_size too large"))?;
        if micro <= 0 {
            return Err(self.err("tick_size and lot_size must be positive"));
        }
        Ok(micro)
    }

    /// Checks the specification; the engine refuses a venue whose markets fail this.
    ///
    /// # Errors
    /// The first problem found, naming the field.
    pub fn validate(&self) -> Result<(), MarketSpecError> {
        if self.symbol.is_empty() {
            return Err(self.err("symbol must not be empty"));
        }
        if !self.tick_size.is_positive() || !self.lot_size.is_positive() {
            return Err(self.err("tick_size and lot_size must be positive"));
        }
        self.quote_per_tick_lot()?;
        if self.min_notional.is_negative() {
            return Err(self.err("min_notional must not be negative"));
        }
        if !self.impact_notional.is_positive() {
            return Err(self.err("impact_notional must be positive"));
        }
        if self.taker_fee.get() < 0 || self.maker_fee.get() + self.taker_fee.get() < 0 {
            return Err(self.err(
                "fees: taker_fee must be >= 0 and maker_fee + taker_fee >= 0 (a rebate cannot \
                 exceed the taker fee, or the fee pool would pay out more than it takes in)",
            ));
        }
        if self.taker_fee.get() >= PPM || self.maker_fee.get().abs() >= PPM {
            return Err(self.err("fees must be below 100%"));
        }
        if let Some(band) = self.price_band {
            if band.get() <= 0 {
                return Err(self.err("price_band must be positive"));
            }
        }
        self.validate_tiers()?;
        let max_leverage = self.tiers[0].max_leverage;
        if self.default_leverage == 0 || self.default_leverage > max_leverage {
            return Err(self.err(&format!(
                "default_leverage {} must be between 1 and the first tier's max_leverage {max_leverage}",
                self.default_leverage
            )));
        }
        if let Some(oi) = self.oi_scaled_margin {
            if oi.lower_cap.is_negative() || oi.upper_cap.get() <= oi.lower_cap.get() {
                return Err(self.err("oi_scaled_margin: need 0 <= lower_cap < upper_cap"));
            }
        }
        Ok(())
    }

    fn validate_tiers(&self) -> Result<(), MarketSpecError> {
        let Some(first) = self.tiers.first() else {
            return Err(self.err("at least one margin tier is required"));
        };
        if first.notional_floor != Quote::ZERO {
            return Err(self.err("the first margin tier must start at notional 0"));
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            let m = tier.maintenance_rate.get();
            if tier.max_leverage == 0 {
                return Err(self.err(&format!("tier {i}: max_leverage must be at least 1")));
            }
            if m <= 0 || m >= tier.initial_rate.get() || tier.initial_rate.get() > PPM {
                return Err(self.err(&format!(
                    "tier {i}: need 0 < maintenance_rate ({}) < initial_rate ({}) <= 1",
                    tier.maintenance_rate, tier.initial_rate
                )));
            }
            if i == 0 {
                if tier.deduction != Quote::ZERO {
                    return Err(self.err("tier 0: deduction must be 0"));
                }
                continue;
            }
            let prev = &self.tiers[i - 1];
            if tier.notional_floor <= prev.notional_floor {
                return Err(self.err(&format!("tier {i}: notional floors must increase")));
            }
            if tier.maintenance_rate < prev.maintenance_rate
                || tier.max_leverage > prev.max_leverage
            {
                return Err(self.err(&format!(
                    "tier {i}: maintenance_rate must not fall and max_leverage must not rise \
                     with notional"
                )));
            }
            let expected = derive_deduction(prev, tier.notional_floor, tier.maintenance_rate)
                .ok_or_else(|| self.err(&format!("tier {i}: deduction overflows")))?;
            if tier.deduction != expected {
                return Err(self.err(&format!(
                    "tier {i}: deduction {} breaks continuity of maintenance margin; expected {expected}",
                    tier.deduction
                )));
            }
        }
        Ok(())
    }

    /// Converts an exact decimal price to ticks.
    ///
    /// # Errors
    /// If the price is not a positive whole number of ticks (the message names the nearest ones).
    pub fn price_to_ticks(&self, price: Decimal) -> Result<cascade_num::Ticks, MarketSpecError> {
        let scale = price.scale().max(self.tick_size.scale());
        let p = price.to_scaled(scale).map_err(|e| self.err(&e.to_string()))?;
        let t = self.tick_size.to_scaled(scale).map_err(|e| self.err(&e.to_string()))?;
        if p <= 0 {
            return Err(self.err(&format!("price {price} must be positive")));
        }
        if p % t != 0 {
            let below = Decimal::new(p / t * t, scale)
                .map_or_else(String::new, |d| d.normalized().to_string());
            let above = Decimal::new((p / t + 1) * t, scale)
                .map_or_else(String::new, |d| d.normalized().to_string());
            return Err(self.err(&format!(
                "price {price} is not a multiple of the tick size {}; use {below} or {above}",
                self.tick_size
            )));
        }
        i64::try_from(p / t)
            .map(cascade_num::Ticks)
            .map_err(|_| self.err(&format!("price {price} is too large")))
    }

    /// Converts an exact decimal size to lots.
    ///
    /// # Errors
    /// If the size is not a positive whole number of lots.
    pub fn size_to_lots(&self, size: Decimal) -> Result<cascade_num::Lots, MarketSpecError> {
        let scale = size.scale().max(self.lot_size.scale());
        let q = size.to_scaled(scale).map_err(|e| self.err(&e.to_string()))?;
        let l = self.lot_size.to_scaled(scale).map_err(|e| self.err(&e.to_string()))?;
        if q <= 0 || q % l != 0 {
            return Err(self.err(&format!(
                "size {size} is not a positive multiple of the lot size {}",
                self.lot_size
            )));
        }
        i64::try_from(q / l)
            .map(cascade_num::Lots)
            .map_err(|_| self.err(&format!("size {size} is too large")))
    }

    /// The tier that applies to a position of this (non-negative) notional.
    pub fn tier_for(&self, notional: Quote) -> &MarginTier {
        // Tables are short (at most a dozen rows); a linear scan from the top is fastest.
        self.tiers.iter().rev().find(|t| notional >= t.notional_floor).unwrap_or(&self.tiers[0])
    }

    fn err(&self, what: &str) -> MarketSpecError {
        MarketSpecError::new(format!("market `{}`: {what}", self.symbol))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(units: i64) -> Quote {
        Quote::from_units(units)
    }

    /// Binance BTCUSDT brackets of 2021-03-18 (venue-mechanics.md §5.1): the derived
    /// maintenance amounts must equal the published ones.
    #[test]
    fn binance_btcusdt_2021_cum_amounts() {
        let rows = [
            (usd(0), 125, Ppm(4_000)),
            (usd(50_000), 100, Ppm(5_000)),
            (usd(250_000), 50, Ppm(10_000)),
            (usd(1_000_000), 20, Ppm(25_000)),
            (usd(10_000_000), 10, Ppm(50_000)),
            (usd(20_000_000), 5, Ppm(100_000)),
            (usd(50_000_000), 4, Ppm(125_000)),
            (usd(100_000_000), 3, Ppm(150_000)),
            (usd(200_000_000), 2, Ppm(250_000)),
            (usd(300_000_000), 1, Ppm(500_000)),
        ];
        let tiers = MarginTier::table(&rows).unwrap();
        let cum: Vec<i64> = tiers.iter().map(|t| t.deduction.get() / 1_000_000).collect();
        assert_eq!(
            cum,
            [
                0,
                50,
                1_300,
                16_300,
                266_300,
                1_266_300,
                2_516_300,
                5_016_300,
                25_016_300,
                100_016_300
            ]
        );
        assert_eq!(tiers[0].initial_rate, Ppm(8_000));
        assert_eq!(tiers[7].initial_rate, Ppm(333_334), "1/3 rounds up");
    }

    fn spec() -> MarketSpec {
        MarketSpec {
            symbol: "BTC-PERP".into(),
            tick_size: Decimal::parse("0.1").unwrap(),
            lot_size: Decimal::parse("0.001").unwrap(),
            min_notional: usd(5),
            tiers: MarginTier::table(&[
                (usd(0), 40, Ppm(12_500)),
                (usd(150_000_000), 20, Ppm(25_000)),
            ])
            .unwrap(),
            oi_scaled_margin: None,
            maker_fee: Ppm(-100),
            taker_fee: Ppm(450),
            impact_notional: usd(20_000),
            price_band: Some(Ppm(800_000)),
            default_leverage: 20,
            spot: false,
        }
    }

    #[test]
    fn quote_per_tick_lot_is_exact() {
        assert_eq!(spec().quote_per_tick_lot(), Ok(100));
        let mut s = spec();
        s.tick_size = Decimal::parse("0.0000001").unwrap();
        s.lot_size = Decimal::parse("1").unwrap();
        let err = s.quote_per_tick_lot().unwrap_err().to_string();
        assert!(err.contains("use a larger lot_size"), "{err}");
        s.lot_size = Decimal::parse("10").unwrap();
        assert_eq!(s.quote_per_tick_lot(), Ok(1));
    }

    #[test]
    fn validation_table() {
        assert_eq!(spec().validate(), Ok(()));
        type Mutation = fn(&mut MarketSpec);
        let cases: Vec<(Mutation, &str)> = vec![
            (|s| s.tiers.clear(), "at least one margin tier"),
            (|s| s.tiers[1].deduction = Quote(1), "breaks continuity"),
            (|s| s.tiers[1].notional_floor = Quote(0), "floors must increase"),
            (|s| s.tiers[0].maintenance_rate = Ppm(30_000), "maintenance_rate"),
            (|s| s.maker_fee = Ppm(-500), "rebate cannot exceed"),
            (|s| s.default_leverage = 41, "default_leverage"),
            (|s| s.impact_notional = Quote(0), "impact_notional"),
            (|s| s.symbol.clear(), "symbol"),
        ];
        for (mutate, expected) in cases {
            let mut s = spec();
            mutate(&mut s);
            let err = s.validate().expect_err(expected).to_string();
            assert!(err.contains(expected), "`{err}` should mention `{expected}`");
        }
    }

    /// Binance COIN-M BTCUSD maintenance amount, level 5 (§8.5 B1), in BTC:
    /// `50 × (5% − 2.5%) + 0.56 = 1.81`. Amounts here are micro-BTC.
    #[test]
    fn binance_coin_m_maintenance_amount_b1() {
        let level4 = MarginTier {
            notional_floor: Quote(0),
            max_leverage: 20,
            initial_rate: Ppm(50_000),
            maintenance_rate: Ppm(25_000),
            deduction: Quote(560_000),
        };
        let cum = MarginTier::deduction_after(&level4, Quote::from_units(50), Ppm(50_000));
        assert_eq!(cum, Some(Quote(1_810_000)));
    }

    #[test]
    fn decimal_prices_and_sizes_convert_exactly_or_say_why() {
        let s = spec();
        assert_eq!(
            s.price_to_ticks(Decimal::parse("65000.3").unwrap()),
            Ok(cascade_num::Ticks(650_003))
        );
        let err = s.price_to_ticks(Decimal::parse("65000.35").unwrap()).unwrap_err().to_string();
        assert!(
            err.contains("not a multiple of the tick size 0.1; use 65000.3 or 65000.4"),
            "{err}"
        );
        assert!(s.price_to_ticks(Decimal::parse("-1").unwrap()).is_err());
        assert_eq!(s.size_to_lots(Decimal::parse("1.5").unwrap()), Ok(cascade_num::Lots(1_500)));
        assert!(s
            .size_to_lots(Decimal::parse("0.0005").unwrap())
            .unwrap_err()
            .to_string()
            .contains("lot size 0.001"));
    }

    #[test]
    fn tier_lookup() {
        let s = spec();
        assert_eq!(s.tier_for(usd(0)).max_leverage, 40);
        assert_eq!(s.tier_for(usd(149_999_999)).max_leverage, 40);
        assert_eq!(s.tier_for(usd(150_000_000)).max_leverage, 20);
    }
}
