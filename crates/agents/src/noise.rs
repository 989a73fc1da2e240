//! A noise trader: at exponentially distributed intervals, a random-side order of random size,
//! as a market order or a limit order near the mid.

use cascade_model::{OrderType, Side, TimeInForce};
use cascade_num::Ticks;
use cascade_sim::{Agent, Ctx};

use crate::common::{lots_for, market_order, secs, send_order, Place};

/// Noise trader parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseParams {
    /// Where it trades.
    pub place: Place,
    /// Mean seconds between orders.
    pub mean_interval_s: f64,
    /// Order notional range, USD.
    pub size_usd: (f64, f64),
    /// Probability an order is a market order (else a limit near the mid).
    pub market_share: f64,
    /// Probability of buying.
    pub buy_share: f64,
    /// Market-order slippage bound, fraction.
    pub slippage: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct NoiseTrader {
    params: NoiseParams,
}

impl NoiseTrader {
    /// A noise trader.
    pub fn new(params: NoiseParams) -> NoiseTrader {
        NoiseTrader { params }
    }
}

impl Agent for NoiseTrader {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let wait = ctx.rng().exponential(self.params.mean_interval_s);
        ctx.wake_in(secs(wait));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        if let Some(mid) = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid()) {
            let (lo, hi) = self.params.size_usd;
            let usd = lo + ctx.rng().unit() * (hi - lo);
            let side = if ctx.rng().chance(self.params.buy_share) { Side::Buy } else { Side::Sell };
            let lots = lots_for(ctx, p, usd, mid);
            if ctx.rng().chance(self.params.market_share) {
                market_order(ctx, p, side, mid, lots, self.params.slippage, false);
            } else {
                let offset = 1.0 + ctx.rng().unit() * 0.002;
                let price = match side {
                    Side::Buy => mid.get() as f64 / offset,
                    Side::Sell => mid.get() as f64 * offset,
                };
                send_order(
                    ctx,
                    p,
                    side,
                    OrderType::Limit,
                    Ticks(price.round() as i64),
                    lots,
                    TimeInForce::Ioc,
                    false,
                );
            }
        }
        let wait = ctx.rng().exponential(self.params.mean_interval_s);
        ctx.wake_in(secs(wait));
    }

    /// `buy_share` (value: the new share, 0 to 1): the crowd's mood changes — news, a hack, an
    /// unlock — without anyone scripting a price.
    fn signal(&mut self, _ctx: &mut Ctx<'_>, signal: &cascade_sim::Signal) {
        if signal.name == "buy_share" {
            if let Some(v) = signal.value.as_deref().and_then(|v| v.parse::<f64>().ok()) {
                self.params.buy_share = v.clamp(0.0, 1.0);
            }
        }
    }
}
