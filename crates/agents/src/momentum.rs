//! A momentum bot (the "AI-driven" fast trader): low latency, watches the last few seconds of
//! mids, trades in the direction of a move larger than its threshold, exits after a hold time.
//! With `follow_liquidations` it also subscribes to the venue's liquidation feed and, when flat,
//! trades with the forced orders the moment it sees them (front-running the cascade).

use std::collections::VecDeque;

use cascade_model::Side;
use cascade_sim::{Agent, Ctx};

use crate::common::{lots_for, market_order, position, secs, Place};

/// Momentum bot parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumParams {
    /// Where it trades.
    pub place: Place,
    /// Seconds between looks.
    pub check_s: f64,
    /// Window of the move it measures, seconds.
    pub lookback_s: f64,
    /// Move that triggers it, fraction.
    pub threshold: f64,
    /// Position notional, USD.
    pub notional_usd: f64,
    /// Seconds it holds before exiting.
    pub hold_s: f64,
    /// Market-order slippage bound, fraction.
    pub slippage: f64,
    /// Trade with liquidations seen on the public feed.
    pub follow_liquidations: bool,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct MomentumBot {
    params: MomentumParams,
    mids: VecDeque<(u64, f64)>,
    entered_at: Option<u64>,
    /// Last feed message read.
    cursor: u64,
}

impl MomentumBot {
    /// A bot.
    pub fn new(params: MomentumParams) -> MomentumBot {
        MomentumBot { params, mids: VecDeque::new(), entered_at: None, cursor: 0 }
    }
}

impl Agent for MomentumBot {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let first = ctx.rng().unit() * self.params.check_s;
        ctx.wake_in(secs(first));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let now = ctx.now().get();
        if let Some(mid) = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid()) {
            let px = mid.get() as f64;
            self.mids.push_back((now, px));
            while self.mids.front().is_some_and(|(t, _)| now - t > secs(self.params.lookback_s)) {
                self.mids.pop_front();
            }
            let held = position(ctx, p);
            match self.entered_at {
                Some(t) if held != 0 && now - t >= secs(self.params.hold_s) => {
                    market_order(
                        ctx,
                        p,
                        Side::closing(held.signum()),
                        mid,
                        held.abs(),
                        self.params.slippage,
                        true,
                    );
                    self.entered_at = None;
                }
                Some(_) if held == 0 => self.entered_at = None,
                Some(_) => {}
                None => {
                    let then = self.mids.front().map_or(px, |m| m.1);
                    let change = if then > 0.0 { (px - then) / then } else { 0.0 };
                    if change.abs() >= self.params.threshold {
                        let side = if change > 0.0 { Side::Buy } else { Side::Sell };
                        let lots = lots_for(ctx, p, self.params.notional_usd, mid);
                        market_order(ctx, p, side, mid, lots, self.params.slippage, false);
                        self.entered_at = Some(now);
                    }
                }
            }
        }
        ctx.wake_in(secs(self.params.check_s));
    }

    fn on_feed(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let mut forced: i64 = 0;
        let mut last = self.cursor;
        for item in ctx.feed_since(self.cursor) {
            last = item.seq;
            if item.venue != p.venue {
                continue;
            }
            if let cascade_sim::MarketMessage::Liquidation { market, side, size, .. } = item.message
            {
                if market == p.market {
                    forced += side.sign() * size.get();
                }
            }
        }
        self.cursor = last;
        if forced == 0 || self.entered_at.is_some() || position(ctx, p) != 0 {
            return;
        }
        let Some(mid) = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid()) else { return };
        let side = if forced > 0 { Side::Buy } else { Side::Sell };
        let lots = lots_for(ctx, p, self.params.notional_usd, mid);
        market_order(ctx, p, side, mid, lots, self.params.slippage, false);
        self.entered_at = Some(ctx.now().get());
    }
}
