//! Equity and margin requirements of accounts and positions at the current marks.
//!
//! Valuations are `i128`: the limits in `limits.rs` keep `size × price × quote_per_tick_lot`
//! far inside it, so no valuation can overflow whatever the oracle does.

use cascade_margin::requirement::{initial_margin, maintenance_margin};
use cascade_model::{MarketId, OiScaledMargin};
use cascade_num::{Quote, Ticks};

use crate::state::{Account, Position};
use crate::Engine;

/// An `i128` amount as a `Quote`, clamped to its range (only absurd valuations clamp).
pub(crate) fn saturate(v: i128) -> Quote {
    Quote(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

impl Engine {
    /// Mark price, falling back to the oracle, or zero before any price.
    #[inline]
    pub(crate) fn mark_of(&self, market: MarketId) -> Ticks {
        let m = &self.markets[market.index()];
        m.mark.or(m.oracle).unwrap_or(Ticks(0))
    }

    #[inline]
    pub(crate) fn value_at(&self, market: MarketId, size: i64, price: Ticks) -> i128 {
        let qptl = self.markets[market.index()].quote_per_tick_lot;
        i128::from(size) * i128::from(price.get()) * i128::from(qptl)
    }

    /// Signed value of a position at mark.
    #[inline]
    pub(crate) fn position_value(&self, p: &Position) -> i128 {
        self.value_at(p.market, p.size.get(), self.mark_of(p.market))
    }

    /// Maintenance margin of a position at mark.
    #[inline]
    pub(crate) fn position_maintenance(&self, p: &Position) -> i128 {
        if p.size.get() == 0 {
            return 0;
        }
        let notional = saturate(self.position_value(p).abs());
        let tiers = &self.markets[p.market.index()].spec.tiers;
        maintenance_margin(tiers, notional).map_or(i128::from(i64::MAX), |q| i128::from(q.get()))
    }

    /// Cross equity: cash plus the value of cross positions.
    pub(crate) fn cross_equity(&self, a: &Account) -> i128 {
        let mut e = i128::from(a.cash.get());
        for p in &a.positions {
            if !p.isolated {
                e += self.position_value(p);
            }
        }
        e
    }

    /// Cross maintenance margin.
    pub(crate) fn cross_maintenance(&self, a: &Account) -> i128 {
        a.positions.iter().filter(|p| !p.isolated).map(|p| self.position_maintenance(p)).sum()
    }

    /// Isolated position equity.
    #[inline]
    pub(crate) fn isolated_equity(&self, p: &Position) -> i128 {
        i128::from(p.isolated_cash.get()) + self.position_value(p)
    }

    fn oi_scaling(&self, market: MarketId) -> Option<(OiScaledMargin, Quote)> {
        let m = &self.markets[market.index()];
        let scaling = m.spec.oi_scaled_margin?;
        let price = m.oracle.unwrap_or(Ticks(0));
        let open = self.value_at(market, m.long_open_interest.get(), price);
        Some((scaling, saturate(open)))
    }

    /// Initial margin for `lots` of exposure in a market at mark, at the position's leverage.
    pub(crate) fn initial_for_lots(&self, market: MarketId, lots: i64, leverage: u32) -> i128 {
        if lots == 0 {
            return 0;
        }
        let notional = saturate(self.value_at(market, lots.abs(), self.mark_of(market)));
        let tiers = &self.markets[market.index()].spec.tiers;
        initial_margin(tiers, notional, leverage, self.oi_scaling(market))
            .map_or(i128::from(i64::MAX), |q| i128::from(q.get()))
    }

    /// Worst-case exposure of a position if all its resting orders (plus `extra`) filled on
    /// either side: `max(|size + buys|, |size − sells|)`.
    pub(crate) fn exposure_lots(p: &Position, extra_buy: i64, extra_sell: i64) -> i64 {
        let size = p.size.get();
        let up = size + p.open_buy.get() + extra_buy;
        let down = size - p.open_sell.get() - extra_sell;
        up.abs().max(down.abs())
    }

    /// Cross initial margin: positions and resting orders. Isolated positions contribute the
    /// initial margin of their resting orders only (the cross balance funds them when they fill).
    /// `extra` adds a hypothetical order `(market, buy lots, sell lots)`.
    pub(crate) fn cross_initial(&self, a: &Account, extra: Option<(MarketId, i64, i64)>) -> i128 {
        let mut total = 0i128;
        let mut extra_used = false;
        for p in &a.positions {
            let (eb, es) = match extra {
                Some((m, b, s)) if m == p.market => {
                    extra_used = true;
                    (b, s)
                }
                _ => (0, 0),
            };
            let lots = if p.isolated {
                (p.open_buy.get() + eb).max(p.open_sell.get() + es)
            } else {
                Engine::exposure_lots(p, eb, es)
            };
            total += self.initial_for_lots(p.market, lots, p.leverage);
        }
        if let (Some((m, b, s)), false) = (extra, extra_used) {
            let leverage = self.markets[m.index()].spec.default_leverage;
            total += self.initial_for_lots(m, b.max(s), leverage);
        }
        total
    }

    /// Unrealised PnL of a position at mark: value against its cost basis.
    pub(crate) fn unrealised_pnl(&self, p: &Position) -> i128 {
        let value = self.position_value(p);
        let basis = i128::from(p.entry_value.get());
        if p.size.get() >= 0 {
            value - basis
        } else {
            basis - value.abs()
        }
    }

    /// What may leave the cross balance: equity above initial margin, excluding unrealised
    /// profit (profit is withdrawable once realised) unless the venue lets paper gains leave
    /// (`safeguards.withdraw_unrealised_profit`).
    pub(crate) fn withdrawable(&self, a: &Account) -> i128 {
        if self.config.safeguards.withdraw_unrealised_profit {
            return self.cross_equity(a) - self.cross_initial(a, None);
        }
        let profit: i128 =
            a.positions.iter().filter(|p| !p.isolated).map(|p| self.unrealised_pnl(p).max(0)).sum();
        self.cross_equity(a) - self.cross_initial(a, None) - profit
    }
}
