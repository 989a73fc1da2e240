//! The TOML schema of a venue file (serde structs that refuse unknown keys) and its conversion
//! into model types, with key paths in every error.

use std::fmt;

use cascade_model::{
    AdlConfig, AdlPrice, AdlRanking, Backstop, BackstopTarget, BackstopUnwind, BookLiquidation,
    CircuitBreaker, FundingCap, FundingFormula, FundingRule, LiquidationConfig, LiquidationFee,
    LiquidationPriceLimit, MarginTier, MarkRule, MarketSpec, OiScaledMargin, PartialLiquidation,
    PremiumAveraging, Safeguards, VenueConfig,
};
use cascade_num::{Decimal, Ppb, Ppm, Quote, PPM};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::VenueError;

const NS_PER_S: u64 = 1_000_000_000;

/// An exact decimal read from a TOML string or integer; floats are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Num(pub Decimal);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a decimal number written as a string, such as \"0.0005\", or an integer",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Decimal::parse(v).map(Num).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Decimal::new(v.into(), 0).expect("scale 0")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Decimal::new(v.into(), 0).expect("scale 0")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Err(E::custom(format!(
                    "write {v} as a string (\"{v}\") so it is read exactly; floats are not accepted"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVenue {
    name: String,
    #[allow(dead_code)]
    description: String,
    #[allow(dead_code)]
    sources: Vec<String>,
    mark: RawMark,
    funding: RawFunding,
    liquidation: RawLiquidation,
    #[serde(default)]
    safeguards: RawSafeguards,
    limits: RawLimits,
    markets: Vec<RawMarket>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSafeguards {
    circuit_breaker: Option<RawCircuitBreaker>,
    mark_oracle_band: Option<Num>,
    oracle_step_max: Option<Num>,
    oracle_stale_s: Option<u64>,
    oracle_confidence_max: Option<Num>,
    open_interest_max: Option<Num>,
    open_interest_depth_multiple: Option<Num>,
    min_resting_ms: Option<u64>,
    #[serde(default)]
    trade_rollback: bool,
    insurance_top_up: Option<RawTopUp>,
    #[serde(default)]
    withdraw_unrealised_profit: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopUp {
    floor: Num,
    target: Num,
    budget: Num,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCircuitBreaker {
    #[serde(rename = "move")]
    move_max: Num,
    window_s: u64,
    pause_s: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMark {
    rule: String,
    interval_s: u64,
    basis_ema_window_s: Option<u64>,
    book_ema_window_s: Option<u64>,
    basis_window_s: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunding {
    interval_s: u64,
    sample_interval_s: u64,
    averaging: String,
    #[serde(default)]
    samples_min: u32,
    interest_8h: Num,
    formula: String,
    interest_clamp: Option<Num>,
    #[serde(default)]
    sample_clamp: RawCap,
    #[serde(default)]
    rate_clamp_8h: RawCap,
    #[serde(default)]
    interval_cap: RawCap,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCap {
    fixed: Option<Num>,
    margin_spread_multiple: Option<Num>,
    maintenance_multiple: Option<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLiquidation {
    accounts_per_step_max: u32,
    #[serde(default)]
    keepers: bool,
    fee: RawFee,
    book: Option<RawBook>,
    backstop: Option<RawBackstop>,
    adl: RawAdl,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFee {
    kind: String,
    rate: Option<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    price_limit: String,
    bankruptcy_adjustment: Option<Num>,
    spread_to_maintenance: Option<Num>,
    partial_above_notional: Option<Num>,
    partial_fraction: Option<Num>,
    partial_cooldown_s: Option<u64>,
    step_portion_max: Option<Num>,
    step_notional_max: Option<Num>,
    #[serde(default)]
    notional_min: Option<Num>,
    stop_when_maintenance_met: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackstop {
    target: String,
    equity_below_maintenance: Num,
    loss_cap: Option<Num>,
    unwind: Option<RawUnwind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnwind {
    portion: Num,
    slippage: Num,
    interval_s: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdl {
    enabled: bool,
    ranking: String,
    price: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    orders_per_account_max: u32,
    accounts_max: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarket {
    symbol: String,
    tick_size: Num,
    lot_size: Num,
    min_notional: Num,
    maker_fee: Num,
    taker_fee: Num,
    impact_notional: Num,
    price_band: Option<Num>,
    default_leverage: u32,
    #[serde(default)]
    spot: bool,
    tiers: Vec<RawTier>,
    oi_scaled_margin: Option<RawOiScaling>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    floor: Num,
    max_leverage: u32,
    /// Default: half the initial rate at `max_leverage` (Hyperliquid's rule).
    maintenance_rate: Option<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOiScaling {
    lower_cap: Num,
    upper_cap: Num,
}

/// Conversion context: the file name and a key path for errors.
struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> VenueError {
        VenueError {
            source_name: self.source.to_string(),
            line: None,
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    fn quote(&self, key: &str, n: Num) -> Result<Quote, VenueError> {
        Quote::from_decimal(n.0).map_err(|e| self.err(key, e.to_string()))
    }

    fn ppm(&self, key: &str, n: Num) -> Result<Ppm, VenueError> {
        let raw = n.0.to_scaled(6).map_err(|e| self.err(key, e.to_string()))?;
        i64::try_from(raw).map(Ppm).map_err(|_| self.err(key, "out of range"))
    }

    fn ppb(&self, key: &str, n: Num) -> Result<Ppb, VenueError> {
        let raw = n.0.to_scaled(9).map_err(|e| self.err(key, e.to_string()))?;
        i64::try_from(raw).map(Ppb).map_err(|_| self.err(key, "out of range"))
    }

    fn need<T>(&self, key: &str, v: Option<T>, why: &str) -> Result<T, VenueError> {
        v.ok_or_else(|| self.err(key, format!("missing; {why}")))
    }

    fn choice<'c>(
        &self,
        key: &str,
        value: &str,
        allowed: &[&'c str],
    ) -> Result<&'c str, VenueError> {
        allowed.iter().copied().find(|a| *a == value).ok_or_else(|| {
            self.err(key, format!("`{value}` is not one of: {}", allowed.join(", ")))
        })
    }

    fn cap(&self, key: &str, raw: &RawCap) -> Result<FundingCap, VenueError> {
        let set = [
            raw.fixed.is_some(),
            raw.margin_spread_multiple.is_some(),
            raw.maintenance_multiple.is_some(),
        ];
        if set.iter().filter(|s| **s).count() > 1 {
            return Err(self.err(
                key,
                "set at most one of fixed, margin_spread_multiple, maintenance_multiple",
            ));
        }
        Ok(if let Some(v) = raw.fixed {
            FundingCap::Fixed(self.ppb(&format!("{key}.fixed"), v)?)
        } else if let Some(v) = raw.margin_spread_multiple {
            FundingCap::MarginSpreadMultiple(self.ppm(&format!("{key}.margin_spread_multiple"), v)?)
        } else if let Some(v) = raw.maintenance_multiple {
            FundingCap::MaintenanceMultiple(self.ppm(&format!("{key}.maintenance_multiple"), v)?)
        } else {
            FundingCap::None
        })
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

pub(crate) fn parse(text: &str, source: &str) -> Result<VenueConfig, VenueError> {
    let raw: RawVenue = toml::from_str(text).map_err(|e| VenueError {
        source_name: source.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        key: None,
        message: if e.message().is_empty() { e.to_string() } else { e.message().to_string() },
    })?;
    let ctx = Ctx { source };
    let config = convert(&ctx, raw)?;
    config.validate().map_err(|e| VenueError {
        source_name: source.to_string(),
        line: None,
        key: None,
        message: e.to_string(),
    })?;
    Ok(config)
}

fn convert(ctx: &Ctx<'_>, raw: RawVenue) -> Result<VenueConfig, VenueError> {
    let mark =
        match ctx.choice("mark.rule", &raw.mark.rule, &["oracle", "hyperliquid", "binance"])? {
            "oracle" => MarkRule::Oracle,
            "hyperliquid" => MarkRule::Hyperliquid {
                basis_ema_window_ns: ctx.need(
                    "mark.basis_ema_window_s",
                    raw.mark.basis_ema_window_s,
                    "the hyperliquid rule needs it (150)",
                )? * NS_PER_S,
                book_ema_window_ns: ctx.need(
                    "mark.book_ema_window_s",
                    raw.mark.book_ema_window_s,
                    "the hyperliquid rule needs it (30)",
                )? * NS_PER_S,
            },
            _ => MarkRule::Binance {
                basis_window_ns: ctx.need(
                    "mark.basis_window_s",
                    raw.mark.basis_window_s,
                    "the binance rule needs it (300)",
                )? * NS_PER_S,
            },
        };
    let f = &raw.funding;
    let formula =
        match ctx.choice("funding.formula", &f.formula, &["clamped_interest", "additive"])? {
            "clamped_interest" => FundingFormula::ClampedInterest {
                clamp: ctx.ppb(
                    "funding.interest_clamp",
                    ctx.need(
                        "funding.interest_clamp",
                        f.interest_clamp,
                        "clamped_interest needs it (\"0.0005\")",
                    )?,
                )?,
            },
            _ => FundingFormula::Additive,
        };
    let funding = FundingRule {
        interval_ns: f.interval_s * NS_PER_S,
        sample_interval_ns: f.sample_interval_s * NS_PER_S,
        averaging: match ctx.choice(
            "funding.averaging",
            &f.averaging,
            &["mean", "time_weighted"],
        )? {
            "mean" => PremiumAveraging::Mean,
            _ => PremiumAveraging::TimeWeighted,
        },
        samples_min: f.samples_min,
        interest_8h: ctx.ppb("funding.interest_8h", f.interest_8h)?,
        formula,
        sample_clamp: ctx.cap("funding.sample_clamp", &f.sample_clamp)?,
        rate_clamp_8h: ctx.cap("funding.rate_clamp_8h", &f.rate_clamp_8h)?,
        interval_cap: ctx.cap("funding.interval_cap", &f.interval_cap)?,
    };
    let l = &raw.liquidation;
    let fee =
        match ctx.choice("liquidation.fee.kind", &l.fee.kind, &["none", "notional", "surplus"])? {
            "none" => LiquidationFee::None,
            "notional" => LiquidationFee::Notional {
                rate: ctx.ppm(
                    "liquidation.fee.rate",
                    ctx.need("liquidation.fee.rate", l.fee.rate, "the notional fee needs a rate")?,
                )?,
            },
            _ => LiquidationFee::Surplus {
                rate: ctx.ppm(
                    "liquidation.fee.rate",
                    ctx.need("liquidation.fee.rate", l.fee.rate, "the surplus fee needs a rate")?,
                )?,
            },
        };
    let book = match &l.book {
        None => None,
        Some(b) => Some(convert_book(ctx, b)?),
    };
    let backstop = match &l.backstop {
        None => None,
        Some(b) => Some(Backstop {
            target: match ctx.choice(
                "liquidation.backstop.target",
                &b.target,
                &["vault", "insurance_fund"],
            )? {
                "vault" => BackstopTarget::Vault,
                _ => BackstopTarget::InsuranceFund,
            },
            equity_below_maintenance: ctx
                .ppm("liquidation.backstop.equity_below_maintenance", b.equity_below_maintenance)?,
            unwind: match &b.unwind {
                None => None,
                Some(u) => {
                    let key = "liquidation.backstop.unwind";
                    let portion = ctx.ppm(&format!("{key}.portion"), u.portion)?;
                    if portion.get() <= 0 || portion.get() > PPM {
                        return Err(ctx.err(&format!("{key}.portion"), "must be in (0, 1]"));
                    }
                    let slippage = ctx.ppm(&format!("{key}.slippage"), u.slippage)?;
                    if slippage.get() <= 0 || slippage.get() >= PPM {
                        return Err(ctx.err(&format!("{key}.slippage"), "must be in (0, 1)"));
                    }
                    if u.interval_s == 0 {
                        return Err(ctx.err(&format!("{key}.interval_s"), "must be positive"));
                    }
                    Some(BackstopUnwind { portion, slippage, interval_ns: u.interval_s * NS_PER_S })
                }
            },
            loss_cap: b
                .loss_cap
                .map(|v| ctx.quote("liquidation.backstop.loss_cap", v))
                .transpose()?,
        }),
    };
    let adl = AdlConfig {
        enabled: l.adl.enabled,
        ranking: match ctx.choice(
            "liquidation.adl.ranking",
            &l.adl.ranking,
            &["pnl_times_leverage", "binance_leverage_pnl", "random_start"],
        )? {
            "pnl_times_leverage" => AdlRanking::PnlTimesLeverage,
            "binance_leverage_pnl" => AdlRanking::BinanceLeveragePnl,
            _ => AdlRanking::RandomStart,
        },
        price: match ctx.choice("liquidation.adl.price", &l.adl.price, &["bankruptcy", "oracle"])? {
            "bankruptcy" => AdlPrice::Bankruptcy,
            _ => AdlPrice::Oracle,
        },
    };
    let mut markets = Vec::with_capacity(raw.markets.len());
    for (i, m) in raw.markets.iter().enumerate() {
        markets.push(convert_market(ctx, i, m)?);
    }
    Ok(VenueConfig {
        name: raw.name,
        markets,
        mark,
        mark_interval_ns: raw.mark.interval_s * NS_PER_S,
        funding,
        liquidation: LiquidationConfig {
            book,
            fee,
            backstop,
            adl,
            accounts_per_step_max: l.accounts_per_step_max,
            keepers: l.keepers,
        },
        safeguards: convert_safeguards(ctx, &raw.safeguards)?,
        orders_per_account_max: raw.limits.orders_per_account_max,
        accounts_max: raw.limits.accounts_max,
    })
}

fn convert_safeguards(ctx: &Ctx<'_>, s: &RawSafeguards) -> Result<Safeguards, VenueError> {
    let positive = |key: &str, v: u64| {
        if v == 0 {
            Err(ctx.err(key, "must be positive"))
        } else {
            Ok(v)
        }
    };
    let fraction = |key: &str, v: Num| -> Result<Ppm, VenueError> {
        let p = ctx.ppm(key, v)?;
        if p.get() <= 0 {
            return Err(ctx.err(key, "must be a positive fraction (0.1 = 10%)"));
        }
        Ok(p)
    };
    Ok(Safeguards {
        circuit_breaker: match &s.circuit_breaker {
            None => None,
            Some(c) => Some(CircuitBreaker {
                move_max: fraction("safeguards.circuit_breaker.move", c.move_max)?,
                window_ns: positive("safeguards.circuit_breaker.window_s", c.window_s)? * NS_PER_S,
                pause_ns: positive("safeguards.circuit_breaker.pause_s", c.pause_s)? * NS_PER_S,
            }),
        },
        mark_oracle_band: s
            .mark_oracle_band
            .map(|v| fraction("safeguards.mark_oracle_band", v))
            .transpose()?,
        oracle_step_max: s
            .oracle_step_max
            .map(|v| fraction("safeguards.oracle_step_max", v))
            .transpose()?,
        oracle_confidence_max: s
            .oracle_confidence_max
            .map(|v| fraction("safeguards.oracle_confidence_max", v))
            .transpose()?,
        oracle_stale_ns: s
            .oracle_stale_s
            .map(|v| positive("safeguards.oracle_stale_s", v).map(|v| v * NS_PER_S))
            .transpose()?,
        open_interest_max: s
            .open_interest_max
            .map(|v| ctx.quote("safeguards.open_interest_max", v))
            .transpose()?,
        open_interest_depth_multiple: match s.open_interest_depth_multiple {
            None => None,
            Some(v) => {
                let key = "safeguards.open_interest_depth_multiple";
                let m = ctx.ppm(key, v)?;
                if m.get() <= 0 {
                    return Err(ctx.err(key, "must be positive (5 = five times the depth)"));
                }
                Some(m)
            }
        },
        min_resting_ns: s
            .min_resting_ms
            .map(|v| positive("safeguards.min_resting_ms", v).map(|v| v * 1_000_000))
            .transpose()?,
        trade_rollback: s.trade_rollback,
        insurance_top_up: match &s.insurance_top_up {
            None => None,
            Some(t) => {
                let floor = ctx.quote("safeguards.insurance_top_up.floor", t.floor)?;
                let target = ctx.quote("safeguards.insurance_top_up.target", t.target)?;
                let budget = ctx.quote("safeguards.insurance_top_up.budget", t.budget)?;
                if floor.get() < 0 || target.get() <= floor.get() || budget.get() <= 0 {
                    return Err(ctx.err(
                        "safeguards.insurance_top_up",
                        "need 0 <= floor < target and a positive budget",
                    ));
                }
                Some(cascade_model::InsuranceTopUp { floor, target, budget })
            }
        },
        withdraw_unrealised_profit: s.withdraw_unrealised_profit,
    })
}

fn convert_book(ctx: &Ctx<'_>, b: &RawBook) -> Result<BookLiquidation, VenueError> {
    let price_limit = match ctx.choice(
        "liquidation.book.price_limit",
        &b.price_limit,
        &["none", "bankruptcy", "fillable"],
    )? {
        "none" => LiquidationPriceLimit::None,
        "bankruptcy" => LiquidationPriceLimit::Bankruptcy,
        _ => LiquidationPriceLimit::Fillable {
            bankruptcy_adjustment: ctx.ppm(
                "liquidation.book.bankruptcy_adjustment",
                ctx.need(
                    "liquidation.book.bankruptcy_adjustment",
                    b.bankruptcy_adjustment,
                    "the fillable price needs it (\"1\")",
                )?,
            )?,
            spread_to_maintenance: ctx.ppm(
                "liquidation.book.spread_to_maintenance",
                ctx.need(
                    "liquidation.book.spread_to_maintenance",
                    b.spread_to_maintenance,
                    "the fillable price needs it (\"1.5\")",
                )?,
            )?,
        },
    };
    let partial = match (b.partial_above_notional, b.partial_fraction, b.partial_cooldown_s) {
        (None, None, None) => None,
        (Some(above), Some(fraction), Some(cooldown)) => Some(PartialLiquidation {
            above_notional: ctx.quote("liquidation.book.partial_above_notional", above)?,
            fraction: ctx.ppm("liquidation.book.partial_fraction", fraction)?,
            cooldown_ns: cooldown * NS_PER_S,
        }),
        _ => return Err(ctx.err("liquidation.book.partial_above_notional", "partial liquidation needs all three of partial_above_notional, partial_fraction, partial_cooldown_s")),
    };
    Ok(BookLiquidation {
        price_limit,
        partial,
        step_portion_max: b
            .step_portion_max
            .map(|v| ctx.ppm("liquidation.book.step_portion_max", v))
            .transpose()?,
        step_notional_max: b
            .step_notional_max
            .map(|v| ctx.quote("liquidation.book.step_notional_max", v))
            .transpose()?,
        notional_min: b
            .notional_min
            .map(|v| ctx.quote("liquidation.book.notional_min", v))
            .transpose()?
            .unwrap_or(Quote::ZERO),
        stop_when_maintenance_met: b.stop_when_maintenance_met,
    })
}

fn convert_market(ctx: &Ctx<'_>, i: usize, m: &RawMarket) -> Result<MarketSpec, VenueError> {
    let key = |k: &str| format!("markets[{i}].{k}");
    let mut rows = Vec::with_capacity(m.tiers.len());
    for (j, t) in m.tiers.iter().enumerate() {
        let tk = |k: &str| format!("markets[{i}].tiers[{j}].{k}");
        if t.max_leverage == 0 {
            return Err(ctx.err(&tk("max_leverage"), "must be at least 1"));
        }
        let mmr = match t.maintenance_rate {
            Some(v) => ctx.ppm(&tk("maintenance_rate"), v)?,
            // Hyperliquid: half the initial margin rate at the tier's maximum leverage.
            None => Ppm((PPM / i64::from(t.max_leverage) + 1) / 2),
        };
        rows.push((ctx.quote(&tk("floor"), t.floor)?, t.max_leverage, mmr));
    }
    let tiers = MarginTier::table(&rows).map_err(|e| ctx.err(&key("tiers"), e.to_string()))?;
    Ok(MarketSpec {
        symbol: m.symbol.clone(),
        tick_size: m.tick_size.0,
        lot_size: m.lot_size.0,
        min_notional: ctx.quote(&key("min_notional"), m.min_notional)?,
        tiers,
        oi_scaled_margin: match &m.oi_scaled_margin {
            None => None,
            Some(o) => Some(OiScaledMargin {
                lower_cap: ctx.quote(&key("oi_scaled_margin.lower_cap"), o.lower_cap)?,
                upper_cap: ctx.quote(&key("oi_scaled_margin.upper_cap"), o.upper_cap)?,
            }),
        },
        maker_fee: ctx.ppm(&key("maker_fee"), m.maker_fee)?,
        taker_fee: ctx.ppm(&key("taker_fee"), m.taker_fee)?,
        impact_notional: ctx.quote(&key("impact_notional"), m.impact_notional)?,
        price_band: m.price_band.map(|v| ctx.ppm(&key("price_band"), v)).transpose()?,
        default_leverage: m.default_leverage,
        spot: m.spot,
    })
}
