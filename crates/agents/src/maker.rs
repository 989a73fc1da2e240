//! A market maker: multi-level quotes around its fair value, skewed by inventory, widened by
//! recent volatility, pulled past a risk limit; failure modes switched on by timeline signals.

use std::collections::VecDeque;

use cascade_model::{Command, OrderId, OrderType, Side, TimeInForce};
use cascade_num::Ticks;
use cascade_sim::{Agent, Ctx, Signal};

use crate::common::{lots_for, position, secs, send_order, Place};

/// Market maker parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct MakerParams {
    /// Where it quotes.
    pub place: Place,
    /// Levels per side.
    pub levels: u32,
    /// Distance of the first level from fair value, bps.
    pub half_spread_bps: f64,
    /// Distance between levels, bps.
    pub level_step_bps: f64,
    /// Notional per level, USD.
    pub level_usd: f64,
    /// Seconds between refreshes.
    pub refresh_s: f64,
    /// Fair-value shift per $1,000 of inventory, bps (against the inventory).
    pub skew_bps_per_1k: f64,
    /// Inventory beyond which it stops adding to that side, USD.
    pub max_inventory_usd: f64,
    /// Spread multiplier per 1% move over the recent refreshes.
    pub widen_per_pct: f64,
    /// Pulls all quotes when the recent move exceeds this many percent (None: never).
    pub withdraw_move_pct: Option<f64>,
    /// Weight of the exogenous reference price in its fair value (0: its own book only; a maker
    /// that hedges on other venues anchors to their price).
    pub reference_weight: f64,
    /// Weight of the venue's own oracle (index) price in its fair value, 0 to 1 (a perp maker
    /// that hedges against the index quotes around it).
    pub oracle_weight: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Quoting,
    Pulled,
    Stale,
    OneSided(Side),
    /// A runaway bot (the VOXEL failure): its fair value ratchets up by this many bps per
    /// refresh from wherever the market is, its bids lose the post-only flag and cross, and its
    /// inventory and move limits are ignored.
    Runaway(f64),
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct MarketMaker {
    params: MakerParams,
    live: Vec<OrderId>,
    mode: Mode,
    mids: VecDeque<f64>,
    /// The runaway bot's ratcheting fair value (ticks).
    runaway: f64,
    /// The position it started with (seeded spot inventory): inventory skew and limits count
    /// from here, so a maker stocked with tokens does not lean on the price to sell its stock.
    baseline: Option<i64>,
    /// The lean (inventory skew, bps) of its current quotes.
    lean_bps: f64,
}

impl MarketMaker {
    /// A market maker.
    pub fn new(params: MakerParams) -> MarketMaker {
        MarketMaker {
            params,
            live: Vec::new(),
            mode: Mode::Quoting,
            mids: VecDeque::new(),
            runaway: 0.0,
            baseline: None,
            lean_bps: 0.0,
        }
    }

    fn cancel_all(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        for id in std::mem::take(&mut self.live) {
            if ctx.order_live(p.venue, p.market, id) {
                ctx.send(p.venue, Command::CancelOrder { account: ctx.account(), order: id });
            }
        }
    }

    fn fair(&self, ctx: &Ctx<'_>) -> Option<f64> {
        let p = self.params.place;
        let snap = ctx.snapshot(p.venue, p.market)?;
        // The mid, less this maker's own lean: when its own quotes make the best bid and ask, the
        // raw mid would feed the lean back into its fair value and walk the price without a
        // single trade.
        let own = match (snap.bid, snap.ask) {
            (Some((b, _)), Some((a, _))) => {
                Some((b.get() + a.get()) as f64 / 2.0 / (1.0 + self.lean_bps / 10_000.0))
            }
            _ => snap.oracle.or(snap.mark).or(snap.last).map(|t| t.get() as f64),
        };
        let reference = ctx.reference_price().map(|r| r / ctx.tick_usd(p.venue, p.market));
        let w = self.params.reference_weight.clamp(0.0, 1.0);
        let blended = match (own, reference) {
            (Some(o), Some(r)) => Some(w * r + (1.0 - w) * o),
            (Some(o), None) => Some(o),
            (None, r) => r,
        };
        let wo = self.params.oracle_weight.clamp(0.0, 1.0);
        match (blended, snap.oracle) {
            (Some(b), Some(o)) if wo > 0.0 => Some(wo * o.get() as f64 + (1.0 - wo) * b),
            (b, _) => b,
        }
    }

    fn quote(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.place;
        let Some(fair) = self.fair(ctx) else { return };
        self.mids.push_back(fair);
        if self.mids.len() > 10 {
            self.mids.pop_front();
        }
        let oldest = self.mids.front().copied().unwrap_or(fair);
        let move_pct = if oldest > 0.0 { ((fair - oldest) / oldest).abs() * 100.0 } else { 0.0 };
        let runaway = match self.mode {
            Mode::Runaway(step_bps) => {
                self.runaway = self.runaway.max(fair) * (1.0 + step_bps / 10_000.0);
                Some(self.runaway)
            }
            _ => None,
        };
        if let (Some(limit), None) = (self.params.withdraw_move_pct, runaway) {
            if move_pct > limit {
                self.cancel_all(ctx);
                return;
            }
        }
        self.cancel_all(ctx);
        let qptl = ctx.quote_per_tick_lot(p.venue, p.market) as f64;
        let held = position(ctx, p);
        let baseline = *self.baseline.get_or_insert(held);
        let inventory_usd = (held - baseline) as f64 * fair * qptl / 1e6;
        // The lean never exceeds the half-spread: the best bid stays at or below fair and the
        // best ask at or above it, so a maker short of stock cannot chase its own quotes up.
        let half = self.params.half_spread_bps;
        let skew = (-inventory_usd / 1_000.0 * self.params.skew_bps_per_1k).clamp(-half, half);
        let centre = runaway.unwrap_or(fair * (1.0 + skew / 10_000.0));
        self.lean_bps = if runaway.is_some() { 0.0 } else { skew };
        let widen =
            if runaway.is_some() { 1.0 } else { 1.0 + self.params.widen_per_pct * move_pct };
        // On a spot market the asks together may not exceed the inventory held.
        let mut sell_room =
            if ctx.is_spot(p.venue, p.market) { position(ctx, p).max(0) } else { i64::MAX };
        for level in 0..self.params.levels {
            let offset_bps = (self.params.half_spread_bps
                + self.params.level_step_bps * f64::from(level))
                * widen;
            for side in [Side::Buy, Side::Sell] {
                if let Mode::OneSided(only) = self.mode {
                    if side != only {
                        continue;
                    }
                }
                let adds = match side {
                    Side::Buy => inventory_usd >= self.params.max_inventory_usd,
                    Side::Sell => -inventory_usd >= self.params.max_inventory_usd,
                };
                if adds && runaway.is_none() {
                    continue;
                }
                let price = match side {
                    Side::Buy => (centre * (1.0 - offset_bps / 10_000.0)).floor(),
                    Side::Sell => (centre * (1.0 + offset_bps / 10_000.0)).ceil(),
                };
                let price = Ticks(price.max(1.0) as i64);
                let mut lots = lots_for(ctx, p, self.params.level_usd, price);
                if side == Side::Sell {
                    lots = lots.min(sell_room);
                    if lots == 0 {
                        continue;
                    }
                    sell_room -= lots;
                }
                let id = send_order(
                    ctx,
                    p,
                    side,
                    OrderType::Limit,
                    price,
                    lots,
                    if runaway.is_some() && side == Side::Buy {
                        TimeInForce::Gtc
                    } else {
                        TimeInForce::PostOnly
                    },
                    false,
                );
                self.live.push(id);
            }
        }
    }
}

impl Agent for MarketMaker {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let first = ctx.rng().unit() * self.params.refresh_s;
        ctx.wake_in(secs(first));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        match self.mode {
            Mode::Quoting | Mode::OneSided(_) | Mode::Runaway(_) => self.quote(ctx),
            Mode::Pulled | Mode::Stale => {}
        }
        ctx.wake_in(secs(self.params.refresh_s));
    }

    fn signal(&mut self, ctx: &mut Ctx<'_>, signal: &Signal) {
        let p = self.params.place;
        match signal.name.as_str() {
            "pull_quotes" => {
                self.cancel_all(ctx);
                self.mode = Mode::Pulled;
            }
            "stale_quotes" => self.mode = Mode::Stale,
            "resume" => self.mode = Mode::Quoting,
            "one_sided_sell" => self.mode = Mode::OneSided(Side::Sell),
            "one_sided_buy" => self.mode = Mode::OneSided(Side::Buy),
            "runaway_buy" => {
                let step: f64 =
                    signal.value.as_deref().and_then(|v| v.parse().ok()).unwrap_or(20.0);
                self.runaway = 0.0;
                self.mode = Mode::Runaway(step);
            }
            "fat_finger" => {
                // A sell far below fair (or a buy far above, for a negative value) for many levels' size.
                let Some(fair) = self.fair(ctx) else { return };
                let gap: f64 = signal.value.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.1);
                let (side, price) = if gap >= 0.0 {
                    (Side::Sell, fair * (1.0 - gap))
                } else {
                    (Side::Buy, fair * (1.0 - gap))
                };
                let price = Ticks(price.max(1.0) as i64);
                let lots =
                    lots_for(ctx, p, self.params.level_usd * f64::from(self.params.levels), price);
                let id = send_order(
                    ctx,
                    p,
                    side,
                    OrderType::Limit,
                    price,
                    lots,
                    TimeInForce::Gtc,
                    false,
                );
                self.live.push(id);
            }
            _ => {}
        }
    }
}
