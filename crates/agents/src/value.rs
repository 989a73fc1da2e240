//! A value trader (ABIDES' ValueAgent in spirit): at random times it observes the exogenous
//! reference (the fundamental) with noise, and trades toward it when the book's mid is away from
//! its estimate by more than a margin — with limit orders at its estimate, so it supplies as well
//! as takes liquidity.

use cascade_model::{OrderType, Side, TimeInForce};
use cascade_num::Ticks;
use cascade_sim::{Agent, Ctx};

use crate::common::{lots_for, secs, send_order, Place};

/// Value trader parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueParams {
    /// Where it trades.
    pub place: Place,
    /// Mean seconds between looks.
    pub mean_interval_s: f64,
    /// Order notional range, USD.
    pub size_usd: (f64, f64),
    /// Relative noise of its fundamental observation (standard deviation).
    pub observation_noise: f64,
    /// Minimum relative distance of mid from its estimate before it trades.
    pub margin: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct ValueTrader {
    params: ValueParams,
}

impl ValueTrader {
    /// A value trader.
    pub fn new(params: ValueParams) -> ValueTrader {
        ValueTrader { params }
    }
}

impl Agent for ValueTrader {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let wait = ctx.rng().exponential(self.params.mean_interval_s);
        ctx.wake_in(secs(wait));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let tick = ctx.tick_usd(p.venue, p.market);
        let mid = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid());
        if let (Some(fundamental), Some(mid)) = (ctx.reference_price(), mid) {
            let noise = 1.0 + self.params.observation_noise * ctx.rng().normal();
            let estimate = fundamental * noise / tick;
            let m = mid.get() as f64;
            let gap = (estimate - m) / m;
            if gap.abs() > self.params.margin {
                let side = if gap > 0.0 { Side::Buy } else { Side::Sell };
                let (lo, hi) = self.params.size_usd;
                let usd = lo + ctx.rng().unit() * (hi - lo);
                let price = Ticks(estimate.round().max(1.0) as i64);
                let lots = lots_for(ctx, p, usd, price);
                send_order(ctx, p, side, OrderType::Limit, price, lots, TimeInForce::Ioc, false);
            }
        }
        let wait = ctx.rng().exponential(self.params.mean_interval_s);
        ctx.wake_in(secs(wait));
    }
}
