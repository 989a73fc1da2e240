//! A leveraged trader: at a random time in its entry window it opens a position (trend rule: in
//! the direction of the recent move; otherwise by its bias), then watches a stop-loss and a
//! take-profit and may re-enter later.

use cascade_model::{Command, Side};
use cascade_sim::{Agent, Ctx};

use crate::common::{lots_for, market_order, position, secs, Place};

/// Leveraged trader parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TraderParams {
    /// Where it trades.
    pub place: Place,
    /// Probability of going long when no trend rule decides.
    pub long_bias: f64,
    /// Leverage it sets before entering.
    pub leverage: u32,
    /// Position notional, USD.
    pub notional_usd: f64,
    /// Entry time window, seconds.
    pub entry_window_s: (f64, f64),
    /// Close when the position has lost this fraction of its notional (None: never).
    pub stop_loss: Option<f64>,
    /// Close when it has gained this fraction (None: never).
    pub take_profit: Option<f64>,
    /// Follow the move of the last N seconds instead of the bias (None: bias only).
    pub trend_lookback_s: Option<f64>,
    /// Seconds between checks.
    pub check_s: f64,
    /// Re-enter after closing, after this many seconds (None: once).
    pub reenter_after_s: Option<f64>,
    /// Market-order slippage bound, fraction.
    pub slippage: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct LeveragedTrader {
    params: TraderParams,
    entered: bool,
    entry_price: f64,
    side: Side,
    history: Vec<(u64, f64)>,
}

impl LeveragedTrader {
    /// A trader.
    pub fn new(params: TraderParams) -> LeveragedTrader {
        LeveragedTrader {
            params,
            entered: false,
            entry_price: 0.0,
            side: Side::Buy,
            history: Vec::new(),
        }
    }
}

impl Agent for LeveragedTrader {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let account = ctx.account();
        ctx.send(
            p.venue,
            Command::SetLeverage { account, market: p.market, leverage: self.params.leverage },
        );
        let (a, b) = self.params.entry_window_s;
        let at = a + ctx.rng().unit() * (b - a).max(0.0);
        ctx.wake_in(secs(at));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let Some(snap) = ctx.snapshot(p.venue, p.market).cloned() else {
            ctx.wake_in(secs(self.params.check_s));
            return;
        };
        let Some(mid) = snap.mid() else {
            ctx.wake_in(secs(self.params.check_s));
            return;
        };
        let now = ctx.now().get();
        self.history.push((now, mid.get() as f64));
        if let Some(lookback) = self.params.trend_lookback_s {
            let cutoff = now.saturating_sub(secs(lookback));
            let keep_from = self.history.iter().position(|(t, _)| *t >= cutoff).unwrap_or(0);
            self.history.drain(..keep_from.saturating_sub(1));
        } else {
            self.history.clear();
        }
        let held = position(ctx, p);
        if !self.entered || held == 0 {
            if self.entered && held == 0 {
                // Closed (by us or by liquidation): maybe come back later.
                self.entered = false;
                if let Some(after) = self.params.reenter_after_s {
                    ctx.wake_in(secs(after));
                }
                return;
            }
            let side = match (self.params.trend_lookback_s, self.history.first()) {
                (Some(_), Some(&(_, then))) if (mid.get() as f64 - then).abs() > 0.0 => {
                    if mid.get() as f64 > then {
                        Side::Buy
                    } else {
                        Side::Sell
                    }
                }
                _ => {
                    if ctx.rng().chance(self.params.long_bias) {
                        Side::Buy
                    } else {
                        Side::Sell
                    }
                }
            };
            let lots = lots_for(ctx, p, self.params.notional_usd, mid);
            market_order(ctx, p, side, mid, lots, self.params.slippage, false);
            self.entered = true;
            self.side = side;
            self.entry_price = mid.get() as f64;
        } else {
            let px = mid.get() as f64;
            let change =
                (px - self.entry_price) / self.entry_price * if held > 0 { 1.0 } else { -1.0 };
            let stop = self.params.stop_loss.is_some_and(|s| change <= -s);
            let take = self.params.take_profit.is_some_and(|t| change >= t);
            if stop || take {
                market_order(
                    ctx,
                    p,
                    Side::closing(held.signum()),
                    mid,
                    held.abs(),
                    self.params.slippage * 3.0,
                    true,
                );
            }
        }
        ctx.wake_in(secs(self.params.check_s));
    }
}
