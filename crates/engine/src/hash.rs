//! The state hash: a fixed 64-bit digest of every field of the engine's state, in a fixed order.
//! Two engines with the same hash hold the same state (up to hash collisions); replaying a
//! command log must reproduce it exactly.

use cascade_model::Side;

use crate::state::{Account, MarketState, Position};
use crate::Engine;

/// A small, fixed mixing hasher (not cryptographic; for change detection and replay checks).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StateHasher(u64);

impl StateHasher {
    fn new() -> StateHasher {
        StateHasher(0xcbf2_9ce4_8422_2325)
    }

    fn u64(&mut self, x: u64) {
        let mut h = (self.0.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
        self.0 = h;
    }

    fn i64(&mut self, x: i64) {
        self.u64(x as u64);
    }

    fn i128(&mut self, x: i128) {
        self.u64(x as u64);
        self.u64((x >> 64) as u64);
    }

    fn opt(&mut self, x: Option<i64>) {
        match x {
            Some(v) => {
                self.u64(1);
                self.i64(v);
            }
            None => self.u64(0),
        }
    }

    fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

fn hash_position(h: &mut StateHasher, p: &Position) {
    h.u64(u64::from(p.market.0));
    h.i64(p.size.get());
    h.i64(p.entry_value.get());
    h.i64(p.realized_pnl.get());
    h.u64(u64::from(p.leverage));
    h.u64(u64::from(p.isolated) | u64::from(p.liquidating) << 1 | u64::from(p.bad_debt) << 2);
    h.i64(p.isolated_cash.get());
    h.i64(p.open_buy.get());
    h.i64(p.open_sell.get());
    h.i64(p.reduce_only_buy.get());
    h.i64(p.reduce_only_sell.get());
    match p.trigger {
        Some((long, t)) => {
            h.u64(1 + u64::from(long));
            h.i64(t.get());
        }
        None => h.u64(0),
    }
    h.u64(u64::from(p.holder_slot));
    h.u64(p.cooldown_until.get());
}

fn hash_account(h: &mut StateHasher, a: &Account) {
    h.u64(u64::from(a.open));
    h.i64(a.cash.get());
    h.i64(a.contributed.get());
    h.u64(u64::from(a.order_count));
    h.u64(a.state as u64);
    h.u64(a.positions.len() as u64);
    for p in &a.positions {
        hash_position(h, p);
    }
}

fn hash_market(h: &mut StateHasher, engine: &Engine, m: &MarketState) {
    h.u64(u64::from(m.halted));
    h.u64(m.breaker_until.map_or(u64::MAX, |t| t.get()));
    h.u64(m.oracle_at.get());
    h.u64(u64::from(m.stale_reported));
    h.u64(m.mark_history.len() as u64);
    for &(t, p) in &m.mark_history {
        h.u64(t.get());
        h.i64(p);
    }
    h.u64(m.spec.tiers.len() as u64);
    for t in &m.spec.tiers {
        h.i64(t.notional_floor.get());
        h.u64(u64::from(t.max_leverage));
        h.i64(t.initial_rate.get());
        h.i64(t.maintenance_rate.get());
        h.i64(t.deduction.get());
    }
    h.u64(u64::from(m.spec.default_leverage));
    h.opt(m.oracle.map(|p| p.get()));
    h.opt(m.mark.map(|p| p.get()));
    h.opt(m.external_mid.map(|p| p.get()));
    h.opt(m.external_depth.map(|q| q.get()));
    h.i128(m.basis_ema_micro.unwrap_or(i128::MIN));
    h.i128(m.book_ema_micro.unwrap_or(i128::MIN));
    h.u64(m.last_mark_update.get());
    h.u64(m.basis_samples.len() as u64);
    for &(t, b) in &m.basis_samples {
        h.u64(t.get());
        h.i64(b);
    }
    h.u64(u64::from(m.premiums.count));
    h.i128(m.premiums.sum);
    h.i128(m.premiums.weighted_sum);
    h.i64(m.last_funding_rate.get());
    h.i64(m.long_open_interest.get());
    h.i64(m.short_open_interest.get());
    h.u64(m.holders.len() as u64);
    for a in &m.holders {
        h.u64(u64::from(a.0));
    }
    for set in [&m.long_triggers, &m.short_triggers] {
        h.u64(set.len() as u64);
        for &(t, a) in set {
            h.i64(t);
            h.u64(u64::from(a));
        }
    }
    h.opt(m.book.last_trade().map(|p| p.get()));
    for side in [Side::Buy, Side::Sell] {
        for o in m.book.orders(side) {
            h.u64(o.id.0);
            h.u64(u64::from(o.owner));
            h.i64(o.price.get());
            h.i64(o.size.get());
            let meta =
                engine.orders.get(&o.id.0).expect("Invariant: every resting order has metadata");
            h.u64(
                u64::from(meta.reduce_only)
                    | u64::from(meta.post_only) << 1
                    | (meta.self_trade as u64) << 2,
            );
            h.u64(meta.placed_at.get());
        }
        h.u64(u64::MAX);
    }
}

impl Engine {
    /// A digest of the whole state. Equal states hash equal; replaying the same commands gives the
    /// same hash.
    pub fn state_hash(&self) -> u64 {
        let mut h = StateHasher::new();
        h.u64(self.now.get());
        h.i64(self.fee_pool.get());
        h.i64(self.funding_dust.get());
        h.i64(self.deposits.get());
        h.i64(self.withdrawals.get());
        h.u64(self.next_engine_order);
        h.u64(self.next_mark_at.get());
        h.u64(self.next_sample_at.get());
        h.u64(self.next_funding_at.get());
        h.u64(self.adl_passes);
        h.u64(u64::from(self.liquidation_cursor.0) << 16 | u64::from(self.liquidation_cursor.1));
        h.u64(self.orders.len() as u64);
        h.u64(self.pending.len() as u64);
        for &(a, m) in &self.pending {
            h.u64(u64::from(a) << 16 | u64::from(m));
        }
        h.u64(self.accounts.len() as u64);
        for a in &self.accounts {
            hash_account(&mut h, a);
        }
        for m in &self.markets {
            hash_market(&mut h, self, m);
        }
        h.finish()
    }
}
