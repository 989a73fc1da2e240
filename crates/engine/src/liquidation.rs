//! The liquidation index and pipeline.
//!
//! Index: every position of a non-system account is filed in its market's index under a trigger
//! price — the mark at which its share of the account's buffer (equity − maintenance) could be
//! gone (see `cascade_margin::price::long_trigger`). A cross account's buffer is split among its
//! positions by notional, so as long as no position crosses its trigger the account is safe.
//! A mark update pops only the crossed entries (`BTreeSet::split_off`), re-checks those accounts
//! exactly, and queues the liquidatable ones; nothing scans all accounts.
//!
//! Pipeline per queued account (or isolated position), each step per the venue's configuration:
//! trigger → cancel orders → orders into the book (full, sliced, per-step limits, price bound) →
//! liquidation fee → backstop takeover → insurance fund → ADL. Every step emits events.
//!
//! Queueing: a cross scope is queued below maintenance, or when flat with a negative balance (the
//! insurance fund settles it or it is recorded as bad debt); a scope in bad debt is re-queued when
//! it is covered again (restored) and, while the insurance fund can pay, on every step. Each step
//! serves the queue round robin from a cursor (deterministic), so scopes that stay `Continuing`
//! cannot starve the rest.

use cascade_book::OrderRequest;
use cascade_margin::price::{
    bankruptcy_quote, fillable_price, insurance_fund_delta, long_trigger, short_trigger,
};
use cascade_margin::requirement::maintenance_margin;
use cascade_model::{
    AccountId, BackstopTarget, BookLiquidation, CancelReason, Event, LiquidationFee,
    LiquidationOutcome, LiquidationPriceLimit, MarketId, OrderId, RejectReason,
    SelfTradePrevention, Side, TimeInForce,
};
use cascade_num::{div_round, mul_div, Lots, Quote, Rounding, Ticks, TimeNs, PPM};

use crate::limits::PRICE_TICKS_MAX;
use crate::risk::saturate;
use crate::state::LiquidationState;
use crate::{Engine, OrderMeta};

const CROSS: u16 = u16::MAX;

impl Engine {
    /// Recomputes an account's index entries (or queues it if it is below maintenance).
    ///
    /// An entry only ever moves toward the mark (riskier) or to the other side; when the account
    /// became safer, the old entry is kept: it fires early, and the re-check then files the exact
    /// trigger. This keeps fills that reduce risk away from the index's B-trees.
    pub(crate) fn reindex(&mut self, ai: usize, _out: &mut Vec<Event>) {
        if AccountId(ai as u32).is_system() || !self.accounts[ai].open {
            return;
        }
        let (cross_bad, cross_buffer, cross_notional) = {
            let a = &self.accounts[ai];
            let equity = self.cross_equity(a);
            let mm = self.cross_maintenance(a);
            let notional: i128 = a
                .positions
                .iter()
                .filter(|p| !p.isolated)
                .map(|p| self.position_value(p).abs())
                .sum();
            // Below maintenance; or flat with a negative balance (the insurance fund settles it,
            // or it is recorded as bad debt); or in bad debt and covered again (restored).
            let bad = match a.state {
                LiquidationState::Normal => (mm > 0 && equity < mm) || (mm == 0 && equity < 0),
                LiquidationState::BadDebt => (mm > 0 && equity < mm) || equity >= mm.max(0),
                _ => mm > 0 && equity < mm,
            };
            (bad, (equity - mm).max(0), notional)
        };
        let ignore = self.faulty(crate::Fault::LiquidationIndexIgnored);
        for pi in 0..self.accounts[ai].positions.len() {
            let (new, queue) = {
                let p = &self.accounts[ai].positions[pi];
                if p.size.get() == 0 {
                    // A flat isolated position left with a deficit waits for the pipeline; once
                    // recorded as bad debt it is retried when the insurance fund can pay.
                    let deficit = p.isolated && p.isolated_cash.is_negative() && !p.bad_debt;
                    (None, deficit.then_some(p.market.0))
                } else if p.isolated {
                    let e = self.isolated_equity(p);
                    let mm = self.position_maintenance(p);
                    if e < mm {
                        (None, Some(p.market.0))
                    } else {
                        (Some(self.trigger_for(p.market, p.size, e - mm)), None)
                    }
                } else if cross_bad {
                    (None, None)
                } else {
                    let share = if cross_notional == 0 {
                        0
                    } else {
                        div_round(
                            cross_buffer * self.position_value(p).abs(),
                            cross_notional,
                            Rounding::Floor,
                        )
                        .unwrap_or(0)
                    };
                    (Some(self.trigger_for(p.market, p.size, share)), None)
                }
            };
            if let Some(m) = queue {
                if !ignore {
                    self.pending.insert((ai as u32, m));
                }
            }
            let old = self.accounts[ai].positions[pi].trigger;
            let new = if ignore { None } else { new };
            let keep_old = match (old, new) {
                // Same side and the old trigger is at least as close to the mark: still safe.
                (Some((true, o)), Some((true, n))) => o >= n,
                (Some((false, o)), Some((false, n))) => o <= n,
                _ => old == new,
            };
            if keep_old {
                continue;
            }
            let market = self.accounts[ai].positions[pi].market;
            let mk = &mut self.markets[market.index()];
            if let Some((long, t)) = old {
                let set = if long { &mut mk.long_triggers } else { &mut mk.short_triggers };
                set.remove(&(t.get(), ai as u32));
            }
            if let Some((long, t)) = new {
                let set = if long { &mut mk.long_triggers } else { &mut mk.short_triggers };
                set.insert((t.get(), ai as u32));
            }
            self.accounts[ai].positions[pi].trigger = new;
        }
        if cross_bad && !ignore {
            self.pending.insert((ai as u32, CROSS));
        }
    }

    fn trigger_for(&self, market: MarketId, size: Lots, buffer: i128) -> (bool, Ticks) {
        let mk = &self.markets[market.index()];
        let mark = self.mark_of(market);
        let buffer = saturate(buffer);
        if size.get() > 0 {
            // On overflow (extreme prices) fall back to the mark: the entry fires on the next
            // move toward it and the exact re-check decides.
            let t = long_trigger(
                mark,
                size,
                mk.quote_per_tick_lot,
                buffer,
                mk.spec.tiers[0].maintenance_rate,
            )
            .unwrap_or(mark);
            (true, t)
        } else {
            let t = short_trigger(mark, size, mk.quote_per_tick_lot, buffer, &mk.spec.tiers)
                .unwrap_or(mark);
            (false, t)
        }
    }

    /// Pops the index entries the new mark crossed and re-checks those accounts.
    pub(crate) fn check_triggers(&mut self, m: usize, out: &mut Vec<Event>) {
        let mark = self.markets[m].mark.expect("called after a mark update").get();
        let mk = &mut self.markets[m];
        let fired_long = mk.long_triggers.split_off(&(mark, 0));
        let rest = mk.short_triggers.split_off(&(mark + 1, 0));
        let fired_short = std::mem::replace(&mut mk.short_triggers, rest);
        let mut fired: Vec<u32> =
            fired_long.into_iter().chain(fired_short).map(|(_, a)| a).collect();
        fired.sort_unstable();
        fired.dedup();
        let market = MarketId(m as u16);
        for ai in fired {
            let a = &mut self.accounts[ai as usize];
            if let Some(pi) = a.position_index(market) {
                a.positions[pi].trigger = None;
            }
            self.reindex(ai as usize, out);
        }
    }

    /// Processes queued liquidations, up to the per-step limit; the rest wait for the next step.
    pub(crate) fn liquidation_step(&mut self, out: &mut Vec<Event>) {
        // Oracle validity rail: with a stale oracle price, queued liquidations wait.
        if let Some(stale_ns) = self.config.safeguards.oracle_stale_ns {
            let now = self.now;
            let mut stale = false;
            for m in &mut self.markets {
                let old =
                    m.oracle.is_some() && now.get().saturating_sub(m.oracle_at.get()) > stale_ns;
                if old && !m.stale_reported {
                    out.push(Event::SafeguardTriggered {
                        market: m.id,
                        kind: cascade_model::SafeguardKind::OracleStale,
                    });
                }
                m.stale_reported = old;
                stale |= old;
            }
            if stale {
                return;
            }
        }
        self.top_up_insurance(out);
        // Recorded bad debt is retried whenever the insurance fund can pay something.
        if !self.bad_debts.is_empty() && self.insurance_capacity() > 0 {
            let retry: Vec<(u32, u16)> = self.bad_debts.iter().copied().collect();
            self.pending.extend(retry);
        }
        // Round robin: continue after the last key processed, wrapping around, so scopes that
        // stay `Continuing` cannot starve the ones behind them. The batch is then processed in
        // key order.
        let limit = self.config.liquidation.accounts_per_step_max as usize;
        let cursor = self.liquidation_cursor;
        // A venue that waits for keepers only retries recorded bad debt by itself.
        let keepers = self.config.liquidation.keepers;
        let bad_debts = &self.bad_debts;
        let mut batch: Vec<(u32, u16)> = self
            .pending
            .range(cursor..)
            .chain(self.pending.range(..cursor))
            .filter(|key| !keepers || bad_debts.contains(key))
            .take(limit)
            .copied()
            .collect();
        if !keepers && batch.len() < self.pending.len() {
            if let Some(&(a, m)) = batch.last() {
                self.liquidation_cursor =
                    if m == u16::MAX { (a.saturating_add(1), 0) } else { (a, m + 1) };
            }
        }
        batch.sort_unstable();
        for key in &batch {
            self.pending.remove(key);
        }
        for (ai, m) in batch {
            let market = (m != CROSS).then_some(MarketId(m));
            self.liquidate(ai as usize, market, out);
        }
        self.after_trades(out);
        self.check_system_accounts(out);
        self.unwind_backstop(out);
    }

    /// The backstop works off what it inherited: every interval, an IOC order for a portion of
    /// each of its positions, no worse than the configured slippage beyond the mark.
    fn unwind_backstop(&mut self, out: &mut Vec<Event>) {
        let Some(backstop) = self.config.liquidation.backstop else { return };
        let Some(unwind) = backstop.unwind else { return };
        if self.now < self.next_unwind_at {
            return;
        }
        let target = match backstop.target {
            BackstopTarget::Vault => AccountId::BACKSTOP_VAULT,
            BackstopTarget::InsuranceFund => AccountId::INSURANCE_FUND,
        };
        let ai = target.0 as usize;
        let positions: Vec<(MarketId, i64)> = self.accounts[ai]
            .positions
            .iter()
            .filter(|p| p.size.get() != 0)
            .map(|p| (p.market, p.size.get()))
            .collect();
        if positions.is_empty() {
            return;
        }
        self.next_unwind_at = TimeNs(self.now.get().saturating_add(unwind.interval_ns));
        for (market, size) in positions {
            let m = market.index();
            if self.markets[m].halted {
                continue;
            }
            let lots =
                mul_div(size.abs().into(), unwind.portion.get().into(), PPM.into(), Rounding::Ceil)
                    .unwrap_or(1);
            let lots = i64::try_from(lots).unwrap_or(size.abs()).clamp(1, size.abs());
            let side = Side::closing(size.signum());
            let mark = i128::from(self.mark_of(market).get());
            let band = mul_div(mark, unwind.slippage.get().into(), PPM.into(), Rounding::Floor)
                .unwrap_or(0);
            let limit = match side {
                Side::Sell => (mark - band).max(1),
                Side::Buy => (mark + band).min(i128::from(PRICE_TICKS_MAX)),
            };
            let limit = Ticks(i64::try_from(limit).unwrap_or(1));
            let request = self.engine_ioc(ai, market, side, limit, lots, out);
            let id = request.id;
            let mut events = std::mem::take(&mut self.scratch);
            events.clear();
            let submitted = self.markets[m]
                .book
                .submit(&request, &mut events)
                .expect("Invariant: an engine IOC order is never rejected by the book");
            let meta = OrderMeta {
                account: target,
                market,
                side,
                price: limit,
                reduce_only: true,
                post_only: false,
                self_trade: SelfTradePrevention::CancelMaker,
                placed_at: self.now,
            };
            self.settle_book_events(meta, id, true, &events, out);
            self.scratch = events;
            if submitted.cancelled.get() > 0 {
                out.push(Event::OrderCancelled {
                    order: id,
                    account: target,
                    remaining: submitted.cancelled,
                    reason: CancelReason::Unfilled,
                });
            }
        }
        self.after_trades(out);
    }

    /// An engine-owned IOC order for an account (liquidation or backstop unwind): a fresh engine
    /// order id, the book request, and the `OrderAccepted` event.
    fn engine_ioc(
        &mut self,
        ai: usize,
        market: MarketId,
        side: Side,
        limit: Ticks,
        lots: i64,
        out: &mut Vec<Event>,
    ) -> OrderRequest {
        let id: OrderId = self.next_engine_order_id();
        out.push(Event::OrderAccepted {
            order: id,
            account: AccountId(ai as u32),
            market,
            side,
            price: limit,
            size: Lots(lots),
        });
        OrderRequest {
            id,
            owner: ai as u32,
            side,
            price: limit,
            size: Lots(lots),
            time_in_force: TimeInForce::Ioc,
            self_trade: SelfTradePrevention::CancelMaker,
        }
    }

    /// A keeper's request: liquidate a queued scope now, the fee going to the keeper.
    pub(crate) fn keeper_liquidate(
        &mut self,
        keeper: AccountId,
        account: AccountId,
        market: Option<MarketId>,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let k = self.account_index(keeper)?;
        if keeper.is_system() {
            return Err(RejectReason::SystemAccount);
        }
        let ai = self.account_index(account)?;
        if let Some(m) = market {
            self.market_index(m)?;
        }
        let key = (account.0, market.map_or(CROSS, |m| m.0));
        if !self.config.liquidation.keepers || !self.pending.contains(&key) || k == ai {
            return Err(RejectReason::NotLiquidatable);
        }
        self.pending.remove(&key);
        self.keeper = Some(keeper.0);
        self.liquidate(ai, market, out);
        self.keeper = None;
        self.after_trades(out);
        self.check_system_accounts(out);
        Ok(())
    }

    /// Equity and maintenance of a liquidation scope: the cross account or one isolated position.
    pub(crate) fn scope_health(&self, ai: usize, iso: Option<MarketId>) -> (i128, i128) {
        let a = &self.accounts[ai];
        match iso {
            None => (self.cross_equity(a), self.cross_maintenance(a)),
            Some(m) => match a.position(m) {
                Some(p) => (self.isolated_equity(p), self.position_maintenance(p)),
                None => (0, 0),
            },
        }
    }

    /// Markets with open positions in a scope, largest notional first.
    pub(crate) fn scope_markets(&self, ai: usize, iso: Option<MarketId>) -> Vec<MarketId> {
        let a = &self.accounts[ai];
        let mut v: Vec<(i128, MarketId)> = a
            .positions
            .iter()
            .filter(|p| {
                p.size.get() != 0
                    && match iso {
                        None => !p.isolated,
                        Some(m) => p.isolated && p.market == m,
                    }
            })
            .map(|p| (self.position_value(p).abs(), p.market))
            .collect();
        v.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        v.into_iter().map(|(_, m)| m).collect()
    }

    fn set_scope_state(&mut self, ai: usize, iso: Option<MarketId>, liquidating: bool) {
        let a = &mut self.accounts[ai];
        match iso {
            None => {
                a.state = if liquidating {
                    LiquidationState::Liquidating
                } else {
                    LiquidationState::Normal
                }
            }
            Some(m) => {
                if let Some(pi) = a.position_index(m) {
                    a.positions[pi].liquidating = liquidating;
                }
            }
        }
    }

    fn scope_liquidating(&self, ai: usize, iso: Option<MarketId>) -> bool {
        let a = &self.accounts[ai];
        match iso {
            None => matches!(a.state, LiquidationState::Liquidating | LiquidationState::BadDebt),
            Some(m) => a.position(m).is_some_and(|p| p.liquidating),
        }
    }

    fn in_bad_debt(&self, ai: usize, iso: Option<MarketId>) -> bool {
        let a = &self.accounts[ai];
        match iso {
            None => a.state == LiquidationState::BadDebt,
            Some(m) => a.position(m).is_some_and(|p| p.bad_debt),
        }
    }

    fn end(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        outcome: LiquidationOutcome,
        out: &mut Vec<Event>,
    ) {
        let continuing = outcome == LiquidationOutcome::Continuing;
        let bad_debt = outcome == LiquidationOutcome::BadDebt;
        // Bad debt is a stated state: the scope stays marked until the debt is settled, and a
        // retry that changes nothing says nothing.
        let repeated = bad_debt && self.in_bad_debt(ai, iso);
        self.set_scope_state(ai, iso, continuing || bad_debt);
        match iso {
            None if bad_debt => self.accounts[ai].state = LiquidationState::BadDebt,
            None => {}
            Some(m) => {
                if let Some(pi) = self.accounts[ai].position_index(m) {
                    self.accounts[ai].positions[pi].bad_debt = bad_debt;
                }
            }
        }
        if !repeated {
            out.push(Event::LiquidationEnded {
                account: AccountId(ai as u32),
                market: iso,
                outcome,
            });
        }
        let key = (ai as u32, iso.map_or(CROSS, |m| m.0));
        if continuing {
            self.pending.insert(key);
        }
        if bad_debt {
            self.bad_debts.insert(key);
        } else {
            self.bad_debts.remove(&key);
        }
        self.touched.push(ai as u32);
    }

    /// One pass of the pipeline for a cross account or an isolated position.
    fn liquidate(&mut self, ai: usize, iso: Option<MarketId>, out: &mut Vec<Event>) {
        let (equity, mm) = self.scope_health(ai, iso);
        if (mm == 0 && equity >= 0) || (mm > 0 && equity >= mm) {
            if self.scope_liquidating(ai, iso) {
                self.end(ai, iso, LiquidationOutcome::Restored, out);
            } else {
                self.touched.push(ai as u32);
            }
            return;
        }
        if !self.scope_liquidating(ai, iso) {
            out.push(Event::LiquidationStarted {
                account: AccountId(ai as u32),
                market: iso,
                equity: saturate(equity),
                maintenance: saturate(mm),
            });
            self.set_scope_state(ai, iso, true);
            self.cancel_all(ai, iso, CancelReason::Liquidation, out);
        }
        let liq = self.config.liquidation;
        if let Some(book) = liq.book {
            for market in self.scope_markets(ai, iso) {
                if self.markets[market.index()].halted {
                    continue;
                }
                let (e, m) = self.scope_health(ai, iso);
                if book.stop_when_maintenance_met && e >= m {
                    break;
                }
                self.liquidate_into_book(ai, iso, market, &book, liq.fee, out);
            }
        }
        let (equity, mm) = self.scope_health(ai, iso);
        if self.scope_markets(ai, iso).is_empty() {
            let outcome = self.settle_deficit(ai, iso, out);
            self.end(ai, iso, outcome, out);
            return;
        }
        if equity >= mm && liq.book.is_some_and(|b| b.stop_when_maintenance_met) {
            self.end(ai, iso, LiquidationOutcome::Restored, out);
            return;
        }
        if let Some(backstop) = liq.backstop {
            let threshold = mul_div(
                mm,
                backstop.equity_below_maintenance.get().into(),
                PPM.into(),
                Rounding::Ceil,
            )
            .unwrap_or(mm);
            let target = match backstop.target {
                BackstopTarget::Vault => AccountId::BACKSTOP_VAULT,
                BackstopTarget::InsuranceFund => AccountId::INSURANCE_FUND,
            };
            // The backstop absorbs a deficit only while its own equity covers it.
            let capacity = self.cross_equity(&self.accounts[target.0 as usize]).max(0);
            if equity < threshold && (equity >= 0 || capacity >= -equity) {
                self.takeover(ai, iso, target.0 as usize, out);
                self.end(ai, iso, LiquidationOutcome::BackstopTakeover, out);
                return;
            }
        }
        if equity < 0 {
            if liq.adl.enabled && self.adl(ai, iso, true, out) {
                let outcome = self.settle_deficit(ai, iso, out);
                self.end(ai, iso, outcome, out);
            } else {
                if !self.in_bad_debt(ai, iso) {
                    out.push(Event::BadDebt {
                        account: AccountId(ai as u32),
                        amount: saturate(-equity),
                    });
                }
                self.end(ai, iso, LiquidationOutcome::BadDebt, out);
            }
            return;
        }
        self.end(ai, iso, LiquidationOutcome::Continuing, out);
    }

    /// How many lots of a position the book step sends now.
    fn liquidation_lots(&mut self, ai: usize, market: MarketId, cfg: &BookLiquidation) -> i64 {
        let now = self.now;
        let mark = self.mark_of(market);
        let qptl = self.markets[market.index()].quote_per_tick_lot;
        let a = &mut self.accounts[ai];
        let pi = a.position_index(market).expect("scope market has a position");
        let p = &mut a.positions[pi];
        let size = p.size.get().abs();
        let notional = i128::from(size) * i128::from(mark.get()) * i128::from(qptl);
        let mut lots = size;
        if let Some(part) = cfg.partial {
            if notional > i128::from(part.above_notional.get()) && now >= p.cooldown_until {
                let slice =
                    mul_div(size.into(), part.fraction.get().into(), PPM.into(), Rounding::Ceil)
                        .unwrap_or(size.into());
                lots = i64::try_from(slice).unwrap_or(size).clamp(1, size);
                p.cooldown_until = TimeNs(now.get() + part.cooldown_ns);
            }
        }
        let large = notional > i128::from(cfg.notional_min.get());
        if let (Some(portion), true) = (cfg.step_portion_max, large) {
            let cap = mul_div(size.into(), portion.get().into(), PPM.into(), Rounding::Ceil)
                .unwrap_or(size.into());
            lots = lots.min(i64::try_from(cap).unwrap_or(size).max(1));
        }
        if let (Some(cap), true) = (cfg.step_notional_max, large) {
            let per_lot = i128::from(mark.get()) * i128::from(qptl);
            if per_lot > 0 {
                let cap_lots =
                    div_round(cap.get().into(), per_lot, Rounding::Floor).unwrap_or(1).max(1);
                lots = lots.min(i64::try_from(cap_lots).unwrap_or(size));
            }
        }
        lots
    }

    /// Sends one liquidation order for a position into the book and settles it.
    fn liquidate_into_book(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        market: MarketId,
        cfg: &BookLiquidation,
        fee: LiquidationFee,
        out: &mut Vec<Event>,
    ) {
        let (equity, mm) = self.scope_health(ai, iso);
        let position =
            self.accounts[ai].position(market).expect("scope market has a position").clone();
        let size = position.size.get();
        let side = Side::closing(size.signum());
        let lots = self.liquidation_lots(ai, market, cfg);
        if lots <= 0 {
            return;
        }
        let mark = self.mark_of(market);
        let qptl = self.markets[market.index()].quote_per_tick_lot;
        let closed_value = self.value_at(market, size.signum() * lots, mark);
        let position_mm = self.position_maintenance(&position);
        let closed_mm = if lots == size.abs() {
            position_mm
        } else {
            mul_div(position_mm, lots.into(), size.abs().into(), Rounding::Floor)
                .unwrap_or(position_mm)
        };
        let bankruptcy = bankruptcy_quote(
            saturate(closed_value),
            saturate(equity),
            saturate(closed_mm),
            saturate(mm),
        )
        .unwrap_or(Quote(0));
        let per_lot_ticks = |quote: i128, round_up: bool| -> Ticks {
            let d = i128::from(lots) * i128::from(qptl);
            let p = div_round(quote, d, if round_up { Rounding::Ceil } else { Rounding::Floor })
                .unwrap_or(1);
            Ticks(i64::try_from(p.clamp(1, PRICE_TICKS_MAX.into())).unwrap_or(1))
        };
        let limit = match cfg.price_limit {
            LiquidationPriceLimit::None => match side {
                Side::Sell => Ticks(1),
                Side::Buy => Ticks(PRICE_TICKS_MAX),
            },
            LiquidationPriceLimit::Bankruptcy => match side {
                Side::Sell => per_lot_ticks(bankruptcy.get().into(), true),
                Side::Buy => per_lot_ticks(-i128::from(bankruptcy.get()), false),
            },
            LiquidationPriceLimit::Fillable { bankruptcy_adjustment, spread_to_maintenance } => {
                let (num, den) = fillable_price(
                    saturate(self.position_value(&position)),
                    position.size,
                    saturate(equity),
                    saturate(mm),
                    saturate(position_mm),
                    bankruptcy_adjustment,
                    spread_to_maintenance,
                )
                .unwrap_or((i128::from(mark.get()) * i128::from(qptl), 1));
                let d = den * i128::from(qptl);
                let rounding = if side == Side::Sell { Rounding::Ceil } else { Rounding::Floor };
                let p = div_round(num, d, rounding).unwrap_or(1);
                Ticks(i64::try_from(p.clamp(1, PRICE_TICKS_MAX.into())).unwrap_or(1))
            }
        };
        let request = self.engine_ioc(ai, market, side, limit, lots, out);
        let id = request.id;
        // Stop as soon as the scope is back above maintenance, when the venue says so.
        let stop_when_met = cfg.stop_when_maintenance_met;
        let tiers = self.markets[market.index()].spec.tiers.clone();
        let taker_fee = self.markets[market.index()].spec.taker_fee;
        let mm_others = mm - position_mm;
        let mut running_equity = equity;
        let mut running_size = size;
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        let submitted = self.markets[market.index()].book.submit_with(&request, |event| {
            events.push(event);
            if let cascade_book::BookEvent::Fill { price, size: filled, .. } = event {
                let q = filled.get();
                let gap = match side {
                    Side::Sell => price.get() - mark.get(),
                    Side::Buy => mark.get() - price.get(),
                };
                let value = i128::from(q) * i128::from(price.get()) * i128::from(qptl);
                let fee_paid =
                    mul_div(value, taker_fee.get().into(), PPM.into(), Rounding::Ceil).unwrap_or(0);
                running_equity += i128::from(q) * i128::from(gap) * i128::from(qptl) - fee_paid;
                running_size -= size.signum() * q;
                let notional =
                    i128::from(running_size.abs()) * i128::from(mark.get()) * i128::from(qptl);
                let mm_now = maintenance_margin(&tiers, saturate(notional))
                    .map_or(i128::MAX, |q| i128::from(q.get()));
                if stop_when_met && running_equity >= mm_others + mm_now {
                    return false;
                }
            }
            true
        });
        let submitted =
            submitted.expect("Invariant: an engine IOC order is never rejected by the book");
        let meta = OrderMeta {
            account: AccountId(ai as u32),
            market,
            side,
            price: limit,
            reduce_only: true,
            post_only: false,
            self_trade: SelfTradePrevention::CancelMaker,
            placed_at: self.now,
        };
        let filled_value: i128 = events
            .iter()
            .map(|e| match e {
                cascade_book::BookEvent::Fill { price, size, .. } => {
                    i128::from(size.get()) * i128::from(price.get()) * i128::from(qptl)
                }
                _ => 0,
            })
            .sum();
        self.settle_book_events(meta, id, true, &events, out);
        self.scratch = events;
        if submitted.cancelled.get() > 0 {
            out.push(Event::OrderCancelled {
                order: id,
                account: AccountId(ai as u32),
                remaining: submitted.cancelled,
                reason: CancelReason::Unfilled,
            });
        }
        let filled = submitted.filled.get();
        if filled == 0 {
            return;
        }
        self.charge_liquidation_fee(
            ai,
            iso,
            market,
            fee,
            filled,
            filled_value,
            (equity, mm, closed_value, closed_mm, lots),
            side,
            out,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn charge_liquidation_fee(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        market: MarketId,
        fee: LiquidationFee,
        filled: i64,
        filled_value: i128,
        before: (i128, i128, i128, i128, i64),
        side: Side,
        out: &mut Vec<Event>,
    ) {
        let (equity_before, mm_before, closed_value, closed_mm, lots) = before;
        let amount: i128 = match fee {
            LiquidationFee::None => 0,
            LiquidationFee::Notional { rate } => {
                let (e, _) = self.scope_health(ai, iso);
                let fee = mul_div(filled_value, rate.get().into(), PPM.into(), Rounding::Ceil)
                    .unwrap_or(0);
                fee.min(e.max(0))
            }
            LiquidationFee::Surplus { rate } => {
                // dYdX: compare what the fills paid with the bankruptcy value of the filled size.
                let filled_closed_value =
                    mul_div(closed_value, filled.into(), lots.into(), Rounding::TowardZero)
                        .unwrap_or(closed_value);
                let filled_mm = mul_div(closed_mm, filled.into(), lots.into(), Rounding::Floor)
                    .unwrap_or(closed_mm);
                let bk = bankruptcy_quote(
                    saturate(filled_closed_value),
                    saturate(equity_before),
                    saturate(filled_mm),
                    saturate(mm_before),
                )
                .unwrap_or(Quote(0));
                let received = match side {
                    Side::Sell => filled_value,
                    Side::Buy => -filled_value,
                };
                let delta =
                    insurance_fund_delta(saturate(received), bk, rate).unwrap_or(Quote(0)).get();
                i128::from(delta)
            }
        };
        if amount > 0 {
            let amount = saturate(amount);
            self.move_scope_cash(ai, iso, market, -amount);
            let to = self.keeper.map_or(AccountId::INSURANCE_FUND, AccountId);
            self.accounts[to.0 as usize].cash += amount;
            self.touched.push(to.0);
            out.push(Event::LiquidationFee { account: AccountId(ai as u32), to, market, amount });
        } else if amount < 0 {
            let available = self.insurance_capacity();
            let pay = Quote(saturate(-amount).get().min(available));
            if pay.is_positive() {
                self.accounts[AccountId::INSURANCE_FUND.0 as usize].cash -= pay;
                self.move_scope_cash(ai, iso, market, pay);
                out.push(Event::InsuranceFundPaid { account: AccountId(ai as u32), amount: pay });
            }
        }
    }

    /// Adds `amount` to the scope's balance: the isolated position's collateral if it is still
    /// open; once it is flat, a payment first covers any deficit left in the collateral and the
    /// rest (or a charge) goes to the cross balance, where the collateral was released.
    fn move_scope_cash(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        market: MarketId,
        amount: Quote,
    ) {
        let a = &mut self.accounts[ai];
        if let Some(m) = iso {
            debug_assert_eq!(m, market);
            if let Some(pi) = a.position_index(m) {
                let p = &mut a.positions[pi];
                if p.size.get() != 0 {
                    p.isolated_cash += amount;
                    return;
                }
                if amount.is_positive() && p.isolated_cash.is_negative() {
                    let cover = Quote(amount.get().min(-p.isolated_cash.get()));
                    p.isolated_cash += cover;
                    a.cash += amount - cover;
                    return;
                }
            }
        }
        a.cash += amount;
    }

    /// With no positions left in the scope: the insurance fund covers a negative balance; what it
    /// cannot cover is recorded as bad debt.
    fn settle_deficit(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        out: &mut Vec<Event>,
    ) -> LiquidationOutcome {
        if let Some(m) = iso {
            // An isolated deficit stays with the position: the cross balance is not liable.
            let pi =
                self.accounts[ai].position_index(m).expect("isolated scope has a position slot");
            let deficit = -self.accounts[ai].positions[pi].isolated_cash.get();
            if deficit <= 0 {
                return LiquidationOutcome::ClosedOut;
            }
            let pay = deficit.min(self.insurance_capacity());
            if pay > 0 {
                self.accounts[AccountId::INSURANCE_FUND.0 as usize].cash -= Quote(pay);
                self.accounts[ai].positions[pi].isolated_cash += Quote(pay);
                out.push(Event::InsuranceFundPaid {
                    account: AccountId(ai as u32),
                    amount: Quote(pay),
                });
            }
            if pay < deficit {
                if !self.in_bad_debt(ai, iso) {
                    out.push(Event::BadDebt {
                        account: AccountId(ai as u32),
                        amount: Quote(deficit - pay),
                    });
                }
                return LiquidationOutcome::BadDebt;
            }
            return LiquidationOutcome::ClosedOut;
        }
        let cash = self.accounts[ai].cash.get();
        let has_cross_positions =
            self.accounts[ai].positions.iter().any(|p| !p.isolated && p.size.get() != 0);
        if cash >= 0 || has_cross_positions {
            return LiquidationOutcome::ClosedOut;
        }
        let pay = (-cash).min(self.insurance_capacity());
        if pay > 0 {
            self.accounts[AccountId::INSURANCE_FUND.0 as usize].cash -= Quote(pay);
            self.accounts[ai].cash += Quote(pay);
            out.push(Event::InsuranceFundPaid {
                account: AccountId(ai as u32),
                amount: Quote(pay),
            });
        }
        let left = self.accounts[ai].cash.get();
        if left < 0 {
            if !self.in_bad_debt(ai, iso) {
                out.push(Event::BadDebt { account: AccountId(ai as u32), amount: Quote(-left) });
            }
            return LiquidationOutcome::BadDebt;
        }
        LiquidationOutcome::ClosedOut
    }

    /// What the insurance fund can pay out: its equity (cash plus the value of any positions it
    /// took over), never below zero.
    pub(crate) fn insurance_capacity(&self) -> i64 {
        saturate(self.cross_equity(&self.accounts[AccountId::INSURANCE_FUND.0 as usize]).max(0))
            .get()
    }

    /// Moves a scope's positions (at mark) and collateral to the backstop account.
    fn takeover(&mut self, ai: usize, iso: Option<MarketId>, target: usize, out: &mut Vec<Event>) {
        let from = AccountId(ai as u32);
        let to = AccountId(target as u32);
        let iso_cash_before =
            iso.and_then(|m| self.accounts[ai].position(m)).map_or(0, |p| p.isolated_cash.get());
        let mut moved_value = 0i128;
        for market in self.scope_markets(ai, iso) {
            let size = self.accounts[ai].position(market).expect("scope position").size.get();
            let mark = self.mark_of(market);
            let value = self.value_at(market, size.abs(), mark);
            let side = Side::closing(size.signum());
            self.apply_trade(ai, market, side, size.abs(), mark, value, 0);
            self.apply_trade(target, market, side.opposite(), size.abs(), mark, value, 0);
            moved_value += if side == Side::Sell { value } else { -value };
            out.push(Event::PositionTransferred {
                from,
                to,
                market,
                size: Lots(size),
                price: mark,
            });
        }
        // The scope's equity is now cash: the cross balance, or what the isolated position returned.
        let amount = match iso {
            None => {
                let amount = self.accounts[ai].cash;
                self.accounts[ai].cash -= amount;
                amount
            }
            Some(m) => {
                let amount =
                    Quote(i64::try_from(i128::from(iso_cash_before) + moved_value).expect("fits"));
                // Still in the position if negative, already released to the cross balance otherwise.
                let pi = self.accounts[ai]
                    .position_index(m)
                    .expect("isolated scope has a position slot");
                if amount.is_negative() {
                    self.accounts[ai].positions[pi].isolated_cash -= amount;
                } else {
                    self.accounts[ai].cash -= amount;
                }
                amount
            }
        };
        self.accounts[target].cash += amount;
        out.push(Event::BackstopCollateral { account: from, to, market: iso, amount });
    }

    /// System accounts (insurance fund, vault) past their loss budget or insolvent are
    /// deleveraged: their positions are closed against opposite holders by ADL.
    /// The insurance-fund top-up rule: below the floor, the operator deposits enough to reach the
    /// target, as long as its budget lasts (an outside deposit, counted in the venue's flows).
    fn top_up_insurance(&mut self, out: &mut Vec<Event>) {
        let Some(rule) = self.config.safeguards.insurance_top_up else { return };
        let fund = AccountId::INSURANCE_FUND;
        let equity = self.cross_equity(&self.accounts[fund.0 as usize]);
        if equity >= i128::from(rule.floor.get()) {
            return;
        }
        let left = i128::from(rule.budget.get()) - i128::from(self.topped_up.get());
        let want = i128::from(rule.target.get()) - equity;
        let amount = want.min(left);
        if amount <= 0 {
            return;
        }
        let amount = Quote(i64::try_from(amount).expect("bounded by the budget, an i64"));
        if self.deposit(fund, amount, out).is_ok() {
            self.topped_up += amount;
            out.push(Event::SafeguardTriggered {
                market: MarketId(0),
                kind: cascade_model::SafeguardKind::InsuranceTopUp,
            });
        }
    }

    fn check_system_accounts(&mut self, out: &mut Vec<Event>) {
        let liq = self.config.liquidation;
        if !liq.adl.enabled {
            return;
        }
        for target in [AccountId::INSURANCE_FUND, AccountId::BACKSTOP_VAULT] {
            let ai = target.0 as usize;
            if self.scope_markets(ai, None).is_empty() {
                continue;
            }
            let equity = self.cross_equity(&self.accounts[ai]);
            let budget_floor = match (target, liq.backstop) {
                (AccountId::BACKSTOP_VAULT, Some(b)) => b.loss_cap.map(|cap| {
                    i128::from(self.accounts[ai].contributed.get()) - i128::from(cap.get())
                }),
                _ => None,
            };
            let over_budget = budget_floor.is_some_and(|floor| equity < floor);
            if equity < 0 || over_budget {
                out.push(Event::LiquidationStarted {
                    account: target,
                    market: None,
                    equity: saturate(equity),
                    maintenance: saturate(self.cross_maintenance(&self.accounts[ai])),
                });
                let complete = self.adl(ai, None, equity < 0, out);
                let outcome = if complete {
                    LiquidationOutcome::ClosedOut
                } else {
                    LiquidationOutcome::BadDebt
                };
                out.push(Event::LiquidationEnded { account: target, market: None, outcome });
            }
        }
        self.after_trades(out);
    }
}
