//! Venue configuration: the mark-price rule, funding, the liquidation pipeline and ADL.
//!
//! Venue presets (Hyperliquid, dYdX v4, Binance USDⓈ-M) are values of these types written in
//! TOML files; the engine has no venue-specific code paths.

use std::fmt;

use cascade_num::{Ppb, Ppm, Quote, PPM};

use crate::market::MarketSpec;

/// How the mark price (used for margin, liquidation and unrealised PnL) is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkRule {
    /// Mark equals the oracle price (dYdX v4).
    Oracle,
    /// Hyperliquid: median of (oracle + EMA of book-mid basis), median(bid, ask, last), and the
    /// external perp mid when given; with only two components, an EMA of the book median is added.
    Hyperliquid {
        /// EMA window of the book-mid − oracle basis (150 s).
        basis_ema_window_ns: u64,
        /// EMA window of the book median used as a fourth component (30 s).
        book_ema_window_ns: u64,
    },
    /// Binance: median of oracle × (1 + funding rate × time left), oracle + moving average of the
    /// mid basis, and the last trade price.
    Binance {
        /// Window of the moving average of the basis (5 min).
        basis_window_ns: u64,
    },
}

/// How premium samples are averaged over a funding interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PremiumAveraging {
    /// Plain mean (Hyperliquid, dYdX).
    Mean,
    /// Sample `i` weighs `i` (Binance).
    TimeWeighted,
}

/// How the 8-hour funding rate is formed from the average premium `P` and the interest `r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FundingFormula {
    /// `F = P + clamp(r − P, −c, +c)` (Hyperliquid, Binance).
    ClampedInterest {
        /// The clamp `c` (0.05%).
        clamp: Ppb,
    },
    /// `F = P + r` (dYdX).
    Additive,
}

/// A bound on a funding quantity, absolute or relative to the market's margin rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FundingCap {
    /// No bound.
    None,
    /// A fixed bound.
    Fixed(Ppb),
    /// `multiple × (initial − maintenance)` of the first tier (dYdX clamps).
    MarginSpreadMultiple(Ppm),
    /// `multiple × maintenance` of the first tier (Binance's commonly quoted cap).
    MaintenanceMultiple(Ppm),
}

/// Funding: premium sampling, the rate formula, clamps and the payment interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FundingRule {
    /// Time between payments (1 h on Hyperliquid and dYdX, 8 h on Binance).
    pub interval_ns: u64,
    /// Time between premium samples (5 s; dYdX 60 s).
    pub sample_interval_ns: u64,
    /// How samples are averaged.
    pub averaging: PremiumAveraging,
    /// The average pads missing samples with zeros up to this count (dYdX: 60).
    pub samples_min: u32,
    /// Interest term `r`, per 8 hours.
    pub interest_8h: Ppb,
    /// How the 8-hour rate is formed.
    pub formula: FundingFormula,
    /// Clamp on each premium sample (dYdX: 60 × (IMF − MMF)).
    pub sample_clamp: FundingCap,
    /// Clamp on the 8-hour rate (dYdX: 6 × (IMF − MMF)).
    pub rate_clamp_8h: FundingCap,
    /// Cap on the rate actually paid per interval (Hyperliquid: 4% per hour).
    pub interval_cap: FundingCap,
}

/// The price bound of the order the engine sends into the book to liquidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiquidationPriceLimit {
    /// No bound: the order may walk the whole book (Hyperliquid market liquidation).
    None,
    /// Never worse than the account's bankruptcy price (Binance IOC).
    Bankruptcy,
    /// dYdX fillable price: oracle discounted by `ABR × spread_to_maintenance × MMR`, with
    /// `ABR = clamp(bankruptcy_adjustment × (1 − TNC/TMMR), 0, 1)`.
    Fillable {
        /// `bankruptcy_adjustment_ppm` (≥ 1,000,000).
        bankruptcy_adjustment: Ppm,
        /// `spread_to_maintenance_margin_ratio_ppm`.
        spread_to_maintenance: Ppm,
    },
}

/// Partial liquidation into the book (Hyperliquid: 20% slices above $100k, 30 s cooldown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialLiquidation {
    /// Positions with notional above this are liquidated in slices.
    pub above_notional: Quote,
    /// Fraction of the position sent per slice.
    pub fraction: Ppm,
    /// After a partial slice, liquidations during this time are for the whole position.
    pub cooldown_ns: u64,
}

/// Liquidation by orders into the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BookLiquidation {
    /// Price bound of the liquidation order.
    pub price_limit: LiquidationPriceLimit,
    /// Slicing of large positions.
    pub partial: Option<PartialLiquidation>,
    /// Most of a position liquidated per liquidation step (dYdX: 10% per block).
    pub step_portion_max: Option<Ppm>,
    /// Most notional liquidated per account per step (dYdX: $100k per block).
    pub step_notional_max: Option<Quote>,
    /// Positions at or below this notional are liquidated whole (dYdX: $1,000).
    pub notional_min: Quote,
    /// Stop sending once the account is back above maintenance (Hyperliquid, Binance).
    pub stop_when_maintenance_met: bool,
}

/// The fee the insurance fund takes from a liquidated account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiquidationFee {
    /// No fee (Hyperliquid book liquidation).
    None,
    /// `rate × liquidated notional`, never more than the account's remaining positive equity
    /// (Binance insurance clearance fee).
    Notional {
        /// The rate.
        rate: Ppm,
    },
    /// dYdX: the fill's surplus over the bankruptcy value, at most `rate × |quote|`; a fill
    /// below the bankruptcy value is topped up by the insurance fund.
    Surplus {
        /// The cap (`max_liquidation_fee_ppm`).
        rate: Ppm,
    },
}

/// Who takes over what the book could not absorb.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackstopTarget {
    /// The backstop liquidator vault account (Hyperliquid HLP liquidator).
    Vault,
    /// The insurance fund account (Binance).
    InsuranceFund,
}

/// The backstop step: a takeover of positions and collateral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backstop {
    /// The receiving account.
    pub target: BackstopTarget,
    /// Takeover when equity is below this fraction of maintenance margin
    /// (Hyperliquid 2/3; 100% means whenever the book step left the account below maintenance).
    pub equity_below_maintenance: Ppm,
    /// The target's loss budget: once its equity falls this far below the equity it had when
    /// first used, its positions are auto-deleveraged (Hyperliquid after JELLY). None: no cap.
    pub loss_cap: Option<Quote>,
    /// How the target works off the positions it inherited (None: it holds them).
    pub unwind: Option<BackstopUnwind>,
}

/// The backstop selling inherited positions into the book, as a liquidation engine or a
/// liquidator vault does: every `interval_ns`, an IOC order for `portion` of each position,
/// priced at most `slippage` beyond the mark. Its fills are liquidation fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackstopUnwind {
    /// Share of each position per order.
    pub portion: Ppm,
    /// Worst price, as a fraction beyond the mark.
    pub slippage: Ppm,
    /// Time between orders.
    pub interval_ns: u64,
}

/// How ADL candidates on the opposite side are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdlRanking {
    /// `PnL% × effective leverage` for profitable positions (classic Binance/BitMEX; our reading
    /// of Hyperliquid's unpublished "PnL and leverage" ranking).
    PnlTimesLeverage,
    /// Binance's current `LeveragePnl = max(0,uPnL)/max(1,wallet) × MM/(wallet+uPnL)`.
    BinanceLeveragePnl,
    /// dYdX: no ranking; a pseudo-random starting point among opposite holders.
    RandomStart,
}

/// The price at which ADL closes counterparties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdlPrice {
    /// The bankrupt position's bankruptcy price (Binance, dYdX).
    Bankruptcy,
    /// The oracle price (Hyperliquid docs say "previous oracle price"); if the bankrupt account is
    /// insolvent the bankruptcy price is used, so no deficit is left behind.
    Oracle,
}

/// Auto-deleveraging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdlConfig {
    /// Whether ADL runs at all; without it, unabsorbed losses stay as recorded bad debt.
    pub enabled: bool,
    /// Candidate ordering.
    pub ranking: AdlRanking,
    /// Execution price.
    pub price: AdlPrice,
}

/// The liquidation pipeline: trigger → cancel orders → book → backstop → insurance fund → ADL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LiquidationConfig {
    /// Liquidation into the book; None skips straight to the backstop.
    pub book: Option<BookLiquidation>,
    /// The liquidation fee to the insurance fund.
    pub fee: LiquidationFee,
    /// Backstop takeover; None means none.
    pub backstop: Option<Backstop>,
    /// ADL.
    pub adl: AdlConfig,
    /// Most accounts processed per liquidation step; the rest wait (stated as queued).
    pub accounts_per_step_max: u32,
    /// Liquidations wait for an outside keeper's `Command::Liquidate` (MakerDAO-, Drift-style
    /// venues); the liquidation fee goes to the keeper. False: the venue liquidates by itself.
    pub keepers: bool,
}

/// Price-move circuit breaker (CME-style velocity logic): when a market's mark moves more than
/// `move_max` from its level `window_ns` earlier, trading halts for `pause_ns`, then reopens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitBreaker {
    /// Largest move within the window, as a fraction of the earlier mark.
    pub move_max: Ppm,
    /// The look-back window.
    pub window_ns: u64,
    /// How long trading stays halted.
    pub pause_ns: u64,
}

/// Insurance-fund top-up rule: when the fund's equity falls below `floor`, the operator (a
/// treasury, a foundation, Binance's SAFU) deposits enough to bring it back to `target`, from a
/// budget of `budget` for the whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InsuranceTopUp {
    /// Equity below which the fund is topped up.
    pub floor: Quote,
    /// Equity a top-up restores.
    pub target: Quote,
    /// Most the operator pays in over the run.
    pub budget: Quote,
}

/// Safeguards a venue may switch on (all off unless a preset or scenario sets them). Each one
/// that fires emits `Event::SafeguardTriggered`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Safeguards {
    /// Halt and reopen on fast moves.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Keep the mark within this fraction of the oracle (mark–oracle divergence guard).
    pub mark_oracle_band: Option<Ppm>,
    /// Clamp each oracle update to within this fraction of the previous oracle price (a TWAP-
    /// style rail against a manipulated source).
    pub oracle_step_max: Option<Ppm>,
    /// An oracle update whose confidence interval is wider than this fraction of its price is
    /// not used (a Pyth-style validity rail).
    pub oracle_confidence_max: Option<Ppm>,
    /// An oracle price older than this is stale: no liquidations start until a fresh one.
    pub oracle_stale_ns: Option<u64>,
    /// Most open interest per market, as notional at the oracle; orders that would raise open
    /// interest beyond it are refused.
    pub open_interest_max: Option<Quote>,
    /// Dynamic open-interest cap: at most this multiple of the outside markets' depth
    /// (`SetExternalDepth`), as Hyperliquid tied OI caps to outside liquidity after JELLY.
    pub open_interest_depth_multiple: Option<Ppm>,
    /// A resting order may not be cancelled or amended before it has rested this long (a
    /// minimum quote life for market makers).
    pub min_resting_ns: Option<u64>,
    /// Keep a journal of fills so that trades can be rolled back (`RollbackTrades`).
    pub trade_rollback: bool,
    /// The operator tops up the insurance fund (None: never).
    pub insurance_top_up: Option<InsuranceTopUp>,
    /// Unrealised profit counts toward what may be withdrawn (Mango Markets in 2022, Hyperliquid
    /// cross accounts): equity above initial margin leaves, even if it is a paper gain.
    pub withdraw_unrealised_profit: bool,
}

/// A whole venue: its markets and rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueConfig {
    /// Preset or venue name.
    pub name: String,
    /// The markets, indexed by `MarketId`.
    pub markets: Vec<MarketSpec>,
    /// The mark-price rule.
    pub mark: MarkRule,
    /// How often the mark price is recomputed from the book and oracle (it is also recomputed
    /// on every oracle update).
    pub mark_interval_ns: u64,
    /// Funding.
    pub funding: FundingRule,
    /// Liquidation.
    pub liquidation: LiquidationConfig,
    /// Safeguards.
    pub safeguards: Safeguards,
    /// Most resting orders per account (all markets).
    pub orders_per_account_max: u32,
    /// Most accounts the venue holds.
    pub accounts_max: u32,
}

/// A venue configuration that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueConfigError {
    message: String,
}

impl fmt::Display for VenueConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VenueConfigError {}

impl VenueConfigError {
    /// An error about venue `venue`.
    pub fn new(venue: &str, message: &str) -> VenueConfigError {
        VenueConfigError { message: format!("venue `{venue}`: {message}") }
    }
}

impl VenueConfig {
    /// Checks the whole configuration; the engine refuses one that fails.
    ///
    /// # Errors
    /// The first problem found, naming the field.
    pub fn validate(&self) -> Result<(), VenueConfigError> {
        let err = |m: String| VenueConfigError { message: format!("venue `{}`: {m}", self.name) };
        if self.markets.is_empty() {
            return Err(err("at least one market is required".into()));
        }
        if self.markets.len() > usize::from(u16::MAX) {
            return Err(err("too many markets".into()));
        }
        for m in &self.markets {
            m.validate().map_err(|e| err(e.to_string()))?;
        }
        if self.mark_interval_ns == 0 {
            return Err(err("mark_interval must be positive".into()));
        }
        let f = &self.funding;
        if f.interval_ns == 0 || f.sample_interval_ns == 0 || f.sample_interval_ns > f.interval_ns {
            return Err(err("funding: need 0 < sample_interval <= interval".into()));
        }
        let l = &self.liquidation;
        if l.accounts_per_step_max == 0 {
            return Err(err("liquidation.accounts_per_step_max must be positive".into()));
        }
        if let Some(book) = &l.book {
            if let Some(p) = book.partial {
                if p.fraction.get() <= 0 || p.fraction.get() > PPM {
                    return Err(err("liquidation.book.partial.fraction must be in (0, 1]".into()));
                }
            }
            if let Some(p) = book.step_portion_max {
                if p.get() <= 0 || p.get() > PPM {
                    return Err(err("liquidation.book.step_portion_max must be in (0, 1]".into()));
                }
            }
            if let LiquidationPriceLimit::Fillable {
                bankruptcy_adjustment,
                spread_to_maintenance,
            } = book.price_limit
            {
                if bankruptcy_adjustment.get() < PPM || spread_to_maintenance.get() < 0 {
                    return Err(err(
                        "fillable price: bankruptcy_adjustment must be >= 1 and spread >= 0".into(),
                    ));
                }
            }
        }
        if let Some(b) = &l.backstop {
            if b.equity_below_maintenance.get() <= 0 || b.equity_below_maintenance.get() > PPM {
                return Err(err(
                    "liquidation.backstop.equity_below_maintenance must be in (0, 1]".into()
                ));
            }
        }
        if l.book.is_none() && l.backstop.is_none() && !l.adl.enabled {
            return Err(err("liquidation needs at least one of book, backstop or adl".into()));
        }
        if self.orders_per_account_max == 0 || self.accounts_max <= crate::AccountId::FIRST_USER {
            return Err(err(
                "limits: orders_per_account_max and accounts_max must be positive".into()
            ));
        }
        Ok(())
    }
}
