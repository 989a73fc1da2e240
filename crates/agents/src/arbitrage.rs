//! A cross-venue arbitrageur: when one venue's bid is above the other's ask by more than its
//! threshold, it buys the cheap venue and sells the rich one, within an inventory limit per venue;
//! it unwinds when the gap closes. This is how a shock on one venue reaches another.
//!
//! A leg on a spot market (perp–spot arbitrage) can only sell what the arbitrageur holds: it
//! starts with seeded inventory there, measures its positions against that starting inventory,
//! and skips a trade whose spot sell it cannot cover.

use cascade_model::Side;
use cascade_sim::{Agent, Ctx};

use crate::common::{lots_for, market_order, position, secs, Place};

/// Arbitrageur parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ArbitrageParams {
    /// One leg.
    pub a: Place,
    /// The other leg (same asset on another venue).
    pub b: Place,
    /// Seconds between looks.
    pub check_s: f64,
    /// Gap between the venues that triggers a trade, fraction of price.
    pub threshold: f64,
    /// Notional per trade, USD.
    pub clip_usd: f64,
    /// Largest position per venue, USD.
    pub max_position_usd: f64,
    /// Market-order slippage bound, fraction.
    pub slippage: f64,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct Arbitrageur {
    params: ArbitrageParams,
    /// Positions at the first look (spot inventory it started with), per leg.
    baseline: Option<(i64, i64)>,
}

impl Arbitrageur {
    /// An arbitrageur.
    pub fn new(params: ArbitrageParams) -> Arbitrageur {
        Arbitrageur { params, baseline: None }
    }

    fn usd(ctx: &Ctx<'_>, place: Place, lots: i64, price: f64) -> f64 {
        lots as f64 * price * ctx.quote_per_tick_lot(place.venue, place.market) as f64 / 1e6
    }
}

impl Agent for Arbitrageur {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let first = ctx.rng().unit() * self.params.check_s;
        ctx.wake_in(secs(first));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.clone();
        let (Some(sa), Some(sb)) = (
            ctx.snapshot(p.a.venue, p.a.market).cloned(),
            ctx.snapshot(p.b.venue, p.b.market).cloned(),
        ) else {
            ctx.wake_in(secs(p.check_s));
            return;
        };
        // Compare in quote units: ticks differ between venues.
        let (ta, tb) = (ctx.tick_usd(p.a.venue, p.a.market), ctx.tick_usd(p.b.venue, p.b.market));
        let px = |t: Option<(cascade_num::Ticks, cascade_num::Lots)>, tick: f64| {
            t.map(|(p, _)| p.get() as f64 * tick)
        };
        let (bid_a, ask_a, bid_b, ask_b) =
            (px(sa.bid, ta), px(sa.ask, ta), px(sb.bid, tb), px(sb.ask, tb));
        let (held_a, held_b) = (position(ctx, p.a), position(ctx, p.b));
        let (base_a, base_b) = *self.baseline.get_or_insert((held_a, held_b));
        let pos_a = held_a - base_a;
        let pos_b = held_b - base_b;
        // What a sell may take: everything on a perp, the holdings on spot.
        let sellable = |ctx: &Ctx<'_>, place: Place, held: i64| {
            if ctx.is_spot(place.venue, place.market) {
                held.max(0)
            } else {
                i64::MAX
            }
        };
        let (sellable_a, sellable_b) = (sellable(ctx, p.a, held_a), sellable(ctx, p.b, held_b));
        let mid_a = sa.mid().map_or(0.0, |m| m.get() as f64 * ta);
        let mid_b = sb.mid().map_or(0.0, |m| m.get() as f64 * tb);
        let room = |pos: i64, place: Place, mid_ticks: f64, side: Side| -> bool {
            let usd = Self::usd(ctx, place, pos, mid_ticks).abs();
            let adding = (pos >= 0) == (side == Side::Buy) || pos == 0;
            !adding || usd < p.max_position_usd
        };
        let (ma_t, mb_t) =
            (sa.mid().map_or(0.0, |m| m.get() as f64), sb.mid().map_or(0.0, |m| m.get() as f64));
        let (sell_a, buy_a) =
            (room(pos_a, p.a, ma_t, Side::Sell), room(pos_a, p.a, ma_t, Side::Buy));
        let (sell_b, buy_b) =
            (room(pos_b, p.b, mb_t, Side::Sell), room(pos_b, p.b, mb_t, Side::Buy));
        let mut traded = false;
        // Venue A rich: sell A, buy B.
        if let (Some(bid), Some(ask), Some(ma), Some(mb)) = (bid_a, ask_b, sa.mid(), sb.mid()) {
            let la = lots_for(ctx, p.a, p.clip_usd, ma);
            if bid > ask * (1.0 + p.threshold) && sell_a && buy_b && la <= sellable_a {
                let lb = lots_for(ctx, p.b, p.clip_usd, mb);
                market_order(ctx, p.a, Side::Sell, ma, la, p.slippage, false);
                market_order(ctx, p.b, Side::Buy, mb, lb, p.slippage, false);
                traded = true;
            }
        }
        // Venue B rich: sell B, buy A.
        if let (false, Some(bid), Some(ask), Some(ma), Some(mb)) =
            (traded, bid_b, ask_a, sa.mid(), sb.mid())
        {
            let lb = lots_for(ctx, p.b, p.clip_usd, mb);
            if bid > ask * (1.0 + p.threshold) && sell_b && buy_a && lb <= sellable_b {
                let la = lots_for(ctx, p.a, p.clip_usd, ma);
                market_order(ctx, p.b, Side::Sell, mb, lb, p.slippage, false);
                market_order(ctx, p.a, Side::Buy, ma, la, p.slippage, false);
                traded = true;
            }
        }
        // Gap closed: unwind a little of each leg.
        if !traded
            && mid_a > 0.0
            && mid_b > 0.0
            && ((mid_a - mid_b) / mid_b).abs() < p.threshold / 4.0
        {
            for (place, pos, snap) in [(p.a, pos_a, &sa), (p.b, pos_b, &sb)] {
                if pos != 0 {
                    if let Some(m) = snap.mid() {
                        let lots = lots_for(ctx, place, p.clip_usd, m).min(pos.abs());
                        // Back toward the starting inventory (reduce-only when that is flat).
                        market_order(
                            ctx,
                            place,
                            Side::closing(pos.signum()),
                            m,
                            lots,
                            p.slippage,
                            !ctx.is_spot(place.venue, place.market),
                        );
                    }
                }
            }
        }
        ctx.wake_in(secs(p.check_s));
    }
}
