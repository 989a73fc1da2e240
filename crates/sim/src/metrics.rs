//! Run metrics: the per-second rows (one per market) and the summary numbers a risk committee asks
//! for, accumulated as the run goes (never from a stored event log).

use cascade_model::{Event, MarketId, SafeguardKind, Side};

/// One simulated second of one market, in display units (USD, base units, fractions).
#[derive(Clone, Debug, PartialEq)]
pub struct SecondRow {
    /// Seconds since the start.
    pub time_s: i64,
    /// Venue name.
    pub venue: String,
    /// Market symbol.
    pub market: String,
    /// Last trade price.
    pub last: Option<f64>,
    /// Mark price.
    pub mark: Option<f64>,
    /// Oracle price.
    pub oracle: Option<f64>,
    /// Exogenous reference price.
    pub reference: Option<f64>,
    /// Best bid.
    pub best_bid: Option<f64>,
    /// Best ask.
    pub best_ask: Option<f64>,
    /// Spread in basis points of the mid.
    pub spread_bps: Option<f64>,
    /// Both sides' resting notional within 1% of mid.
    pub depth_1pct_usd: f64,
    /// Both sides' resting notional within 5% of mid.
    pub depth_5pct_usd: f64,
    /// Open interest, base units (one side).
    pub open_interest: f64,
    /// Open interest notional at mark.
    pub open_interest_usd: f64,
    /// Last funding rate paid (fraction per interval).
    pub funding_rate: f64,
    /// Notional liquidated from longs this second.
    pub liquidated_long_usd: f64,
    /// Notional liquidated from shorts this second.
    pub liquidated_short_usd: f64,
    /// Insurance fund equity.
    pub insurance_fund_usd: f64,
    /// Backstop vault equity.
    pub vault_equity_usd: f64,
    /// ADL notional this second.
    pub adl_usd: f64,
}

/// The headline numbers of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Largest fall of the primary market's mark from its running peak, percent.
    pub max_drawdown_pct: f64,
    /// Largest rise of the primary market's mark above its running low, percent (a squeeze or
    /// a pump: +100 is a doubling).
    pub max_rise_pct: f64,
    /// Seconds from the start to the trough.
    pub time_to_trough_s: f64,
    /// Share of the fall recovered 600 s after the trough, percent (None if the run ended first).
    pub recovery_pct_after_600s: Option<f64>,
    /// Notional liquidated from longs.
    pub liquidated_long_usd: f64,
    /// Notional liquidated from shorts.
    pub liquidated_short_usd: f64,
    /// Liquidations started on user accounts.
    pub liquidations_count: u64,
    /// Notional taken over by backstops.
    pub backstop_notional_usd: f64,
    /// Bad debt recorded.
    pub bad_debt_usd: f64,
    /// Largest fall of the insurance fund's equity below its start.
    pub insurance_fund_drawdown_usd: f64,
    /// ADL notional.
    pub adl_notional_usd: f64,
    /// ADL fills.
    pub adl_count: u64,
    /// Time of the first liquidation, seconds.
    pub first_liquidation_s: Option<f64>,
    /// Time of the first ADL fill, seconds.
    pub first_adl_s: Option<f64>,
    /// Largest fall of near-mid (1%) depth below its level in the first minute, percent.
    pub depth_collapse_pct: f64,
    /// Widest spread seen, bps.
    pub max_spread_bps: f64,
    /// Change of open interest from its peak to the end of the run, percent (a crash that
    /// closes positions shows as a negative number).
    pub oi_change_pct: f64,
    /// Safeguard activations.
    pub safeguards_triggered: u64,
    /// Collateral withdrawn from all venues during the run (a drained venue shows here).
    pub withdrawn_usd: f64,
    /// Largest fall of the primary venue's backstop vault equity below its start.
    pub vault_drawdown_usd: f64,
}

/// Per-market accumulators for the current second.
#[derive(Clone, Debug, Default)]
pub(crate) struct SecondAccumulator {
    pub(crate) liquidated_long_usd: f64,
    pub(crate) liquidated_short_usd: f64,
    pub(crate) adl_usd: f64,
}

/// Accumulates the summary from events and per-second rows.
#[derive(Clone, Debug, Default)]
pub struct Collector {
    summary: Summary,
    peak: Option<f64>,
    low: Option<f64>,
    trough: Option<(f64, f64, f64)>,
    recovery_due: Option<(f64, f64, f64)>,
    baseline_depth: Vec<f64>,
    min_depth: Option<f64>,
    peak_oi: f64,
    last_oi: f64,
    initial_insurance: Option<f64>,
    initial_vault: Option<f64>,
}

impl Collector {
    /// Folds one engine event (at `time_s`) into the totals; `usd(market, price, size)` values a
    /// trade. Per-second liquidation and ADL notional go to `acc`.
    pub(crate) fn event(
        &mut self,
        time_s: f64,
        event: &Event,
        notional: f64,
        acc: Option<&mut SecondAccumulator>,
    ) {
        let s = &mut self.summary;
        match event {
            Event::LiquidationStarted { account, .. } if !account.is_system() => {
                s.liquidations_count += 1;
                s.first_liquidation_s.get_or_insert(time_s);
            }
            Event::Fill { liquidation: true, taker_side, .. } => {
                // The liquidated account is the taker: selling means it was long.
                if *taker_side == Side::Sell {
                    s.liquidated_long_usd += notional;
                    if let Some(acc) = acc {
                        acc.liquidated_long_usd += notional;
                    }
                } else {
                    s.liquidated_short_usd += notional;
                    if let Some(acc) = acc {
                        acc.liquidated_short_usd += notional;
                    }
                }
            }
            Event::PositionTransferred { from, .. } if !from.is_system() => {
                s.backstop_notional_usd += notional;
            }
            Event::AdlFill { .. } => {
                s.adl_count += 1;
                s.adl_notional_usd += notional;
                s.first_adl_s.get_or_insert(time_s);
                if let Some(acc) = acc {
                    acc.adl_usd += notional;
                }
            }
            Event::BadDebt { .. } => s.bad_debt_usd += notional,
            Event::Withdrawn { .. } => s.withdrawn_usd += notional,
            // Safeguards that fired: halts (a circuit breaker's halt is counted here, once),
            // margin-tier changes, and every clamp, cap or rail (a reopening is not a firing).
            Event::MarketHalted { halted: true, .. } | Event::MarginTiersChanged { .. } => {
                s.safeguards_triggered += 1
            }
            Event::SafeguardTriggered { kind, .. }
                if !matches!(
                    kind,
                    SafeguardKind::CircuitBreakerHalt | SafeguardKind::CircuitBreakerReopen
                ) =>
            {
                s.safeguards_triggered += 1
            }
            _ => {}
        }
    }

    /// Folds the primary market's row for one second.
    pub(crate) fn primary_second(&mut self, row: &SecondRow) {
        let t = row.time_s as f64;
        if let Some(mark) = row.mark.or(row.last) {
            let peak = self.peak.map_or(mark, |p: f64| p.max(mark));
            self.peak = Some(peak);
            let low = self.low.map_or(mark, |l: f64| l.min(mark));
            self.low = Some(low);
            if low > 0.0 {
                self.summary.max_rise_pct =
                    self.summary.max_rise_pct.max((mark - low) / low * 100.0);
            }
            let drawdown = if peak > 0.0 { (peak - mark) / peak * 100.0 } else { 0.0 };
            if drawdown > self.summary.max_drawdown_pct {
                self.summary.max_drawdown_pct = drawdown;
                self.summary.time_to_trough_s = t;
                self.trough = Some((t, mark, peak));
                self.recovery_due = Some((t + 600.0, mark, peak));
                self.summary.recovery_pct_after_600s = None;
            }
            if let Some((due, trough, peak)) = self.recovery_due {
                if t >= due {
                    let fall = peak - trough;
                    let pct = if fall > 0.0 { (mark - trough) / fall * 100.0 } else { 100.0 };
                    self.summary.recovery_pct_after_600s = Some(pct);
                    self.recovery_due = None;
                }
            }
        }
        if t < 60.0 {
            self.baseline_depth.push(row.depth_1pct_usd);
        } else {
            let m = self.min_depth.map_or(row.depth_1pct_usd, |d: f64| d.min(row.depth_1pct_usd));
            self.min_depth = Some(m);
        }
        if let Some(spread) = row.spread_bps {
            self.summary.max_spread_bps = self.summary.max_spread_bps.max(spread);
        }
        self.peak_oi = self.peak_oi.max(row.open_interest);
        self.last_oi = row.open_interest;
        let insurance = row.insurance_fund_usd;
        let start = *self.initial_insurance.get_or_insert(insurance);
        self.summary.insurance_fund_drawdown_usd =
            self.summary.insurance_fund_drawdown_usd.max(start - insurance);
        let vault = row.vault_equity_usd;
        let start = *self.initial_vault.get_or_insert(vault);
        self.summary.vault_drawdown_usd = self.summary.vault_drawdown_usd.max(start - vault);
    }

    /// The final summary.
    pub fn finish(mut self) -> Summary {
        let baseline = if self.baseline_depth.is_empty() {
            0.0
        } else {
            self.baseline_depth.iter().sum::<f64>() / self.baseline_depth.len() as f64
        };
        if let (Some(min), true) = (self.min_depth, baseline > 0.0) {
            self.summary.depth_collapse_pct = ((baseline - min) / baseline * 100.0).max(0.0);
        }
        if self.peak_oi > 0.0 {
            self.summary.oi_change_pct = (self.last_oi - self.peak_oi) / self.peak_oi * 100.0;
        }
        self.summary
    }
}

/// Which (venue, market) an event belongs to, if any.
pub(crate) fn event_market(event: &Event) -> Option<MarketId> {
    match event {
        Event::Fill { market, .. }
        | Event::OraclePrice { market, .. }
        | Event::MarkPrice { market, .. }
        | Event::FundingSample { market, .. }
        | Event::FundingPaid { market, .. }
        | Event::PositionTransferred { market, .. }
        | Event::AdlFill { market, .. }
        | Event::LiquidationFee { market, .. }
        | Event::OrderAccepted { market, .. } => Some(*market),
        _ => None,
    }
}
