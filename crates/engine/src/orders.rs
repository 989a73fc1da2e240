//! Orders: validation and the margin pre-check, matching through the book, settlement of fills
//! (cash, fees, positions, open interest), cancels, amends, leverage and margin-mode settings.
//!
//! Pre-trade margin rule. An order's *worst immediate loss* is what it can cost at the current
//! mark: the part that crosses the book now fills at the opposite levels (the account's own orders
//! there excluded), the part that rests is valued at its limit, an IOC remainder costs nothing;
//! each lot loses its price beyond the mark plus the larger of the taker and maker fee. Resting
//! orders carry the same worst-case loss (limit beyond the mark, plus a positive maker fee), kept
//! per position by price level and summed over all of the account's resting orders. Then:
//!
//! - an order that raises the account's worst-case initial requirement (positions plus resting
//!   orders, at mark) must leave equity − resting losses − its loss at or above that requirement;
//! - any other order with a positive loss (a reducing order, reduce-only or not) must leave
//!   equity − resting losses − its loss at or above the *maintenance* margin of the worst-case
//!   exposure left once it has filled. So a position can always be closed near the mark, but never
//!   at a price that would push the account under maintenance (or into deficit).
//!
//! Isolated positions: the part of an order that opens (or flips) the position is funded from the
//! cross balance at fill time — the rise of its initial requirement at the tier rate and chosen
//! leverage, plus that part's price loss and fee — so it is checked against cross equity as above;
//! the part that closes is paid from the position's collateral, which must stay at or above the
//! maintenance margin of what is left. An amend is validated in full, as the cancel and re-place
//! it stands for, before anything changes.
//!
//! Reduce-only orders are clipped so that every order resting on the closing side (regular and
//! reduce-only) never exceeds the position; a regular order resting later on that side trims
//! reduce-only ones (newest first), so a reduce-only order can never open the other side.

use cascade_book::{BookEvent, OrderRequest};
use cascade_margin::requirement::maintenance_margin;
use cascade_model::{
    CancelReason, Event, MarketId, NewOrder, OrderId, OrderType, RejectReason, Side, TimeInForce,
};
use cascade_num::{mul_div, Lots, Ppm, Quote, Rounding, Ticks, PPM};

use crate::limits::{CASH_MAX, PRICE_TICKS_MAX, SIZE_LOTS_MAX};
use crate::risk::saturate;
use crate::state::{Position, NO_SLOT};
use crate::{Engine, LiquidationState, OrderMeta};

/// An order that passed validation, with its effective size.
struct Validated {
    account: usize,
    market: usize,
    size: i64,
}

fn fee_on(value: i128, rate: Ppm) -> i64 {
    // Signed ceiling: a fee rounds up, a rebate (negative rate) rounds toward zero.
    let fee = mul_div(value, rate.get().into(), PPM.into(), Rounding::Ceil).expect("fee fits i128");
    i64::try_from(fee).expect("Invariant: fee on an accepted trade value fits i64")
}

impl Engine {
    pub(crate) fn ensure_position(&mut self, account: usize, market: MarketId) -> usize {
        if let Some(i) = self.accounts[account].position_index(market) {
            return i;
        }
        let leverage = self.markets[market.index()].spec.default_leverage;
        self.accounts[account].positions.push(Position::new(market, leverage));
        self.accounts[account].positions.len() - 1
    }

    fn validate_order(
        &self,
        o: &NewOrder,
        replacing: Option<(i64, Ticks)>,
    ) -> Result<Validated, RejectReason> {
        let a = self.account_index(o.account)?;
        let m = self.market_index(o.market)?;
        if o.size.get() <= 0 || o.size.get() > SIZE_LOTS_MAX {
            return Err(RejectReason::NonPositiveSize);
        }
        if o.price.get() <= 0 || o.price.get() > PRICE_TICKS_MAX {
            return Err(RejectReason::NonPositivePrice);
        }
        let market = &self.markets[m];
        if market.halted {
            return Err(RejectReason::MarketHalted);
        }
        let Some(oracle) = market.oracle else { return Err(RejectReason::NoOraclePrice) };
        let account = &self.accounts[a];
        if account.state != LiquidationState::Normal
            || self.pending.contains(&(o.account.0, u16::MAX))
        {
            return Err(RejectReason::AccountInLiquidation);
        }
        if let Some(band) = market.spec.price_band {
            let gap = i128::from((o.price.get() - oracle.get()).abs()) * i128::from(PPM);
            if gap > i128::from(band.get()) * i128::from(oracle.get()) {
                return Err(RejectReason::PriceOutOfBand);
            }
        }
        let value = i128::from(o.size.get())
            * i128::from(o.price.get())
            * i128::from(market.quote_per_tick_lot);
        if value > i128::from(i64::MAX) {
            return Err(RejectReason::ArithmeticOverflow);
        }
        let position = account.position(o.market);
        // Cash headroom: what this order and the account's resting orders on the same side could
        // move must keep the receiving balance inside `CASH_MAX` (so no fill can overflow it).
        let balance = position.filter(|p| p.isolated).map_or(account.cash, |p| p.isolated_cash);
        let resting: i128 = account
            .positions
            .iter()
            .map(|p| {
                let qptl = i128::from(self.markets[p.market.index()].quote_per_tick_lot);
                let levels = match o.side {
                    Side::Buy => &p.bid_levels,
                    Side::Sell => &p.ask_levels,
                };
                levels.value() * qptl
            })
            .sum();
        if (i128::from(balance.get()) - o.side.sign() as i128 * (value + resting)).abs()
            > i128::from(CASH_MAX)
        {
            return Err(RejectReason::ArithmeticOverflow);
        }
        if position.is_some_and(|p| p.isolated && self.pending.contains(&(o.account.0, o.market.0)))
        {
            return Err(RejectReason::AccountInLiquidation);
        }
        let mut size = o.size.get();
        if o.reduce_only {
            // Room: the position less every order already resting on the closing side (regular
            // orders there may close the position first within one match).
            let pos = position.map_or(0, |p| p.size.get());
            let resting = position.map_or(0, |p| match o.side {
                Side::Buy => p.open_buy.get(),
                Side::Sell => p.open_sell.get(),
            });
            let replaced = replacing.map_or(0, |(old, _)| old);
            let room = if pos * o.side.sign() < 0 { pos.abs() - resting + replaced } else { 0 };
            if room <= 0 {
                return Err(RejectReason::ReduceOnlyWouldIncrease);
            }
            size = size.min(room);
        } else if value < i128::from(market.spec.min_notional.get()) {
            return Err(RejectReason::BelowMinimumNotional);
        }
        // The cap in force: the static one, or the dynamic one (a multiple of the outside
        // depth, rounded down), whichever is lower.
        let dynamic =
            match (self.config.safeguards.open_interest_depth_multiple, market.external_depth) {
                (Some(multiple), Some(depth)) => Some(Quote(
                    i64::try_from(
                        mul_div(
                            depth.get().into(),
                            multiple.get().into(),
                            PPM.into(),
                            Rounding::Floor,
                        )
                        .unwrap_or(i128::from(i64::MAX)),
                    )
                    .unwrap_or(i64::MAX),
                )),
                _ => None,
            };
        let cap = match (self.config.safeguards.open_interest_max, dynamic) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(cap) = cap {
            // Open-interest cap: an order that adds exposure may not take the market's open
            // interest (at the oracle) past the cap.
            let pos = position.map_or(0, |p| p.size.get());
            let adds = !o.reduce_only
                && (pos == 0 || (pos > 0) == (o.side == Side::Buy) || size > pos.abs());
            if adds {
                let open = i128::from(market.long_open_interest.get())
                    * i128::from(oracle.get())
                    * i128::from(market.quote_per_tick_lot);
                let added = i128::from(size)
                    * i128::from(oracle.get())
                    * i128::from(market.quote_per_tick_lot);
                if open + added > i128::from(cap.get()) {
                    return Err(RejectReason::OpenInterestCap);
                }
            }
        }
        if market.spec.spot && o.side == Side::Sell {
            // Spot: sell only what is held, less the sells already resting.
            let held = position.map_or(0, |p| p.size.get() - p.open_sell.get());
            let replaced = replacing.map_or(0, |(old, _)| old);
            if size > held + replaced {
                return Err(RejectReason::SpotSellExceedsHoldings);
            }
        }
        let rests = o.order_type == OrderType::Limit
            && matches!(o.time_in_force, TimeInForce::Gtc | TimeInForce::PostOnly);
        if rests && replacing.is_none() && account.order_count >= self.config.orders_per_account_max
        {
            return Err(RejectReason::TooManyOrders);
        }
        let pos_size = position.map_or(0, |p| p.size.get());
        if (pos_size + o.side.sign() * size).abs() > SIZE_LOTS_MAX {
            return Err(RejectReason::NonPositiveSize);
        }
        self.check_margin(a, o, size, rests, replacing)?;
        Ok(Validated { account: a, market: m, size })
    }

    /// Maintenance margin for `lots` of exposure in a market at mark.
    pub(crate) fn maintenance_for_lots(&self, market: MarketId, lots: i64) -> i128 {
        if lots == 0 {
            return 0;
        }
        let notional = saturate(self.value_at(market, lots.abs(), self.mark_of(market)));
        let tiers = &self.markets[market.index()].spec.tiers;
        maintenance_margin(tiers, notional).map_or(i128::from(i64::MAX), |q| i128::from(q.get()))
    }

    /// Worst-case loss, at the current mark, if every resting order of a position filled at its
    /// limit: the distance of each limit beyond the mark, plus a positive maker fee on the whole
    /// resting value. `skip` leaves out one resting order `(side, price, lots)` (an amend).
    pub(crate) fn resting_loss(&self, p: &Position, skip: Option<(Side, Ticks, i64)>) -> i128 {
        if !p.has_orders() {
            return 0;
        }
        let mk = &self.markets[p.market.index()];
        let mark = self.mark_of(p.market).get();
        let mut adverse = 0i128;
        for &(price, lots) in p.bid_levels.above(mark) {
            adverse += i128::from(price - mark) * i128::from(lots);
        }
        for &(price, lots) in p.ask_levels.below(mark) {
            adverse += i128::from(mark - price) * i128::from(lots);
        }
        let maker = i128::from(mk.spec.maker_fee.get().max(0));
        let mut value = if maker > 0 { p.bid_levels.value() + p.ask_levels.value() } else { 0 };
        if let Some((side, price, lots)) = skip {
            let gap = match side {
                Side::Buy => price.get() - mark,
                Side::Sell => mark - price.get(),
            };
            adverse -= i128::from(gap.max(0)) * i128::from(lots);
            if maker > 0 {
                value -= i128::from(price.get()) * i128::from(lots);
            }
        }
        let qptl = i128::from(mk.quote_per_tick_lot);
        let fee = mul_div(value * qptl, maker, PPM.into(), Rounding::Ceil).unwrap_or(i128::MAX / 4);
        adverse * qptl + fee
    }

    /// Worst immediate loss of an order (price beyond the mark, plus fee), split into its first
    /// `split` lots and the rest. What crosses the book now fills at the opposite levels (the
    /// account's own orders there excluded: self-trade prevention skips them); what rests is
    /// valued at its limit; an IOC remainder is cancelled and costs nothing.
    fn order_losses(
        &self,
        o: &NewOrder,
        size: i64,
        rests: bool,
        own_opposite: Option<&crate::state::Levels>,
        split: i64,
    ) -> (i128, i128) {
        let mk = &self.markets[o.market.index()];
        let mark = self.mark_of(o.market).get();
        let qptl = i128::from(mk.quote_per_tick_lot);
        let fee_rate = mk.spec.taker_fee.get().max(mk.spec.maker_fee.get()).max(0);
        let mut losses = [0i128; 2];
        let mut done = 0i64;
        let mut charge = |price: i64, mut lots: i64, losses: &mut [i128; 2]| {
            let gap = match o.side {
                Side::Buy => price - mark,
                Side::Sell => mark - price,
            };
            while lots > 0 {
                let bucket = usize::from(done >= split);
                let take = if bucket == 0 { lots.min(split - done) } else { lots };
                let value = i128::from(take) * i128::from(price) * qptl;
                let fee = mul_div(value, fee_rate.into(), PPM.into(), Rounding::Ceil)
                    .unwrap_or(i128::MAX / 4);
                losses[bucket] += i128::from(gap.max(0)) * i128::from(take) * qptl + fee;
                done += take;
                lots -= take;
            }
        };
        let mut remaining = size;
        if o.time_in_force != TimeInForce::PostOnly {
            for (price, lots) in mk.book.levels(o.side.opposite()) {
                let inside = match o.side {
                    Side::Buy => price <= o.price,
                    Side::Sell => price >= o.price,
                };
                if !inside || remaining == 0 {
                    break;
                }
                let own = own_opposite.map_or(0, |l| l.at(price.get()));
                let take = (lots.get() - own).max(0).min(remaining);
                charge(price.get(), take, &mut losses);
                remaining -= take;
            }
        }
        if rests && remaining > 0 {
            charge(o.price.get(), remaining, &mut losses);
        }
        (losses[0], losses[1])
    }

    /// Cross maintenance margin of the worst-case exposure (positions and resting orders) if
    /// `delta` lots were added to the position in `market`; isolated positions count the
    /// maintenance of their resting orders (the cross balance funds those when they fill).
    fn cross_floor_after(&self, a: &crate::state::Account, market: MarketId, delta: i64) -> i128 {
        a.positions
            .iter()
            .map(|p| {
                let lots = if p.isolated {
                    p.open_buy.get().max(p.open_sell.get())
                } else {
                    let size = p.size.get() + if p.market == market { delta } else { 0 };
                    (size + p.open_buy.get()).abs().max((size - p.open_sell.get()).abs())
                };
                self.maintenance_for_lots(p.market, lots)
            })
            .sum()
    }

    /// The pre-trade margin check; see the module documentation for the rule.
    fn check_margin(
        &self,
        a: usize,
        o: &NewOrder,
        size: i64,
        rests: bool,
        replacing: Option<(i64, Ticks)>,
    ) -> Result<(), RejectReason> {
        let account = &self.accounts[a];
        let old = replacing.map_or(0, |(s, _)| s);
        let (old_buy, old_sell) = match o.side {
            Side::Buy => (old, 0),
            Side::Sell => (0, old),
        };
        let (new_buy, new_sell) = match o.side {
            Side::Buy => (size, 0),
            Side::Sell => (0, size),
        };
        let position = account.position(o.market);
        let isolated = position.is_some_and(|p| p.isolated);
        let pos = position.map_or(0, |p| p.size.get());
        let leverage =
            position.map_or(self.markets[o.market.index()].spec.default_leverage, |p| p.leverage);
        // This market's worst-case initial requirement now, without the replaced order (as if
        // it had been cancelled), and with the new order.
        let lots = |b: i64, s: i64| match position {
            Some(p) if p.isolated => (p.open_buy.get() + b).max(p.open_sell.get() + s).max(0),
            Some(p) => Engine::exposure_lots(p, b, s),
            None => b.max(s).max(0),
        };
        let market_now = self.initial_for_lots(o.market, lots(0, 0), leverage);
        let market_before = self.initial_for_lots(o.market, lots(-old_buy, -old_sell), leverage);
        let market_after =
            self.initial_for_lots(o.market, lots(new_buy - old_buy, new_sell - old_sell), leverage);
        let grows = market_after > market_before;
        let skip = replacing.map(|(s, p)| (o.side, p, s));
        let rest_loss: i128 = account
            .positions
            .iter()
            .map(|p| self.resting_loss(p, if p.market == o.market { skip } else { None }))
            .sum();
        // The first `closing` lots reduce the position, the rest open (or flip) it.
        let closing = if pos * o.side.sign() < 0 { size.min(pos.abs()) } else { 0 };
        let own_opposite = position.map(|p| match o.side {
            Side::Buy => &p.ask_levels,
            Side::Sell => &p.bid_levels,
        });
        let (close_loss, open_loss) = self.order_losses(o, size, rests, own_opposite, closing);
        let cross_after = self.cross_initial(account, None) - market_now + market_after;
        if !isolated {
            let equity = self.cross_equity(account) - rest_loss - close_loss - open_loss;
            if grows {
                if equity < cross_after {
                    return Err(RejectReason::InsufficientMargin);
                }
            } else if close_loss + open_loss > 0
                && equity < self.cross_floor_after(account, o.market, o.side.sign() * size)
            {
                return Err(RejectReason::InsufficientMargin);
            }
            return Ok(());
        }
        // Isolated: the cross balance funds what opens (initial margin, its loss and fee) and
        // backs every resting isolated order; the closing part's loss falls on the collateral.
        if grows || open_loss > 0 {
            let equity = self.cross_equity(account) - rest_loss - open_loss;
            if equity < cross_after {
                return Err(RejectReason::InsufficientMargin);
            }
        }
        if let (Some(p), true) = (position, close_loss > 0) {
            let equity = self.isolated_equity(p) - self.resting_loss(p, skip) - close_loss;
            if equity < self.maintenance_for_lots(o.market, pos.abs() - closing) {
                return Err(RejectReason::InsufficientMargin);
            }
        }
        Ok(())
    }

    pub(crate) fn place_order(
        &mut self,
        o: &NewOrder,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        if o.id.is_engine() {
            return Err(RejectReason::OrderIdReserved);
        }
        // Duplicate ids are refused by the book before anything changes.
        let v = self.validate_order(o, None)?;
        let time_in_force = match (o.order_type, o.time_in_force) {
            (OrderType::Market, TimeInForce::Fok) => TimeInForce::Fok,
            (OrderType::Market, _) => TimeInForce::Ioc,
            (OrderType::Limit, tif) => tif,
        };
        let request = OrderRequest {
            id: o.id,
            owner: o.account.0,
            side: o.side,
            price: o.price,
            size: Lots(v.size),
            time_in_force,
            self_trade: o.self_trade,
        };
        // Book-level rejections (post-only crossing, FOK) happen before anything changes.
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        let submitted = self.markets[v.market].book.submit(&request, &mut events);
        let submitted = match submitted {
            Ok(s) => s,
            Err(reject) => {
                self.scratch = events;
                return Err(match reject {
                    cascade_book::BookReject::DuplicateId => RejectReason::DuplicateOrderId,
                    cascade_book::BookReject::PostOnlyWouldCross => {
                        RejectReason::PostOnlyWouldCross
                    }
                    cascade_book::BookReject::FillOrKillUnfillable => {
                        RejectReason::FillOrKillUnfillable
                    }
                    cascade_book::BookReject::UnknownOrder => RejectReason::UnknownOrder,
                });
            }
        };
        out.push(Event::OrderAccepted {
            order: o.id,
            account: o.account,
            market: o.market,
            side: o.side,
            price: o.price,
            size: Lots(v.size),
        });
        self.ensure_position(v.account, o.market);
        let meta = OrderMeta {
            account: o.account,
            market: o.market,
            side: o.side,
            price: o.price,
            reduce_only: o.reduce_only,
            post_only: time_in_force == TimeInForce::PostOnly,
            self_trade: o.self_trade,
            placed_at: self.now,
        };
        self.settle_book_events(meta, o.id, false, &events, out);
        self.scratch = events;
        if submitted.rested.get() > 0 {
            self.track_rest(v.account, meta, o.id, submitted.rested);
            // A regular order resting ahead of reduce-only ones may leave them too large.
            let p = self.accounts[v.account].position(o.market).expect("rested order's slot");
            let reduce_only = match o.side {
                Side::Buy => p.reduce_only_buy,
                Side::Sell => p.reduce_only_sell,
            };
            if !o.reduce_only && reduce_only.get() > 0 {
                self.touched.push(o.account.0);
            }
            out.push(Event::OrderRested { order: o.id, size: submitted.rested });
        }
        if submitted.cancelled.get() > 0 {
            let reason =
                if submitted.self_trade { CancelReason::SelfTrade } else { CancelReason::Unfilled };
            out.push(Event::OrderCancelled {
                order: o.id,
                account: o.account,
                remaining: submitted.cancelled,
                reason,
            });
        }
        self.after_trades(out);
        Ok(())
    }

    fn track_rest(&mut self, account: usize, meta: OrderMeta, id: OrderId, size: Lots) {
        self.orders.insert(id.0, meta);
        let pi = self.ensure_position(account, meta.market);
        let a = &mut self.accounts[account];
        a.order_count += 1;
        let p = &mut a.positions[pi];
        match meta.side {
            Side::Buy => p.open_buy += size,
            Side::Sell => p.open_sell += size,
        }
        let levels = match meta.side {
            Side::Buy => &mut p.bid_levels,
            Side::Sell => &mut p.ask_levels,
        };
        levels.add(meta.price.get(), size.get());
        if meta.reduce_only {
            match meta.side {
                Side::Buy => p.reduce_only_buy += size,
                Side::Sell => p.reduce_only_sell += size,
            }
        }
    }

    /// Removes `size` of a resting order from its owner's tracking; `gone` if it left the book.
    fn untrack(&mut self, meta: OrderMeta, id: OrderId, size: Lots, gone: bool) {
        let a = &mut self.accounts[meta.account.0 as usize];
        let pi =
            a.position_index(meta.market).expect("Invariant: a resting order has a position slot");
        let p = &mut a.positions[pi];
        match meta.side {
            Side::Buy => p.open_buy -= size,
            Side::Sell => p.open_sell -= size,
        }
        let levels = match meta.side {
            Side::Buy => &mut p.bid_levels,
            Side::Sell => &mut p.ask_levels,
        };
        levels.sub(meta.price.get(), size.get());
        if meta.reduce_only {
            match meta.side {
                Side::Buy => p.reduce_only_buy -= size,
                Side::Sell => p.reduce_only_sell -= size,
            }
        }
        if gone {
            a.order_count -= 1;
            self.orders.remove(&id.0);
        }
    }

    /// Settles what the book reported for an incoming order: fills, and resting orders removed or
    /// reduced by self-trade prevention. Records touched accounts for re-indexing.
    pub(crate) fn settle_book_events(
        &mut self,
        taker: OrderMeta,
        taker_id: OrderId,
        liquidation: bool,
        events: &[BookEvent],
        out: &mut Vec<Event>,
    ) {
        let market = taker.market;
        let maker_side = taker.side.opposite();
        for event in events {
            match *event {
                BookEvent::Fill { maker, maker_owner, price, size, maker_remaining } => {
                    let meta = *self
                        .orders
                        .get(&maker.0)
                        .expect("Invariant: a resting order has metadata");
                    debug_assert_eq!(meta.account.0, maker_owner);
                    self.untrack(meta, maker, size, maker_remaining.get() == 0);
                    let spec = &self.markets[market.index()].spec;
                    let (maker_rate, taker_rate) = (spec.maker_fee, spec.taker_fee);
                    let value = self.value_at(market, size.get(), price);
                    let maker_fee = fee_on(value, maker_rate);
                    let taker_fee = fee_on(value, taker_rate);
                    self.apply_trade(
                        maker_owner as usize,
                        market,
                        maker_side,
                        size.get(),
                        price,
                        value,
                        maker_fee,
                    );
                    self.apply_trade(
                        taker.account.0 as usize,
                        market,
                        taker.side,
                        size.get(),
                        price,
                        value,
                        taker_fee,
                    );
                    self.fee_pool += Quote(maker_fee + taker_fee);
                    if self.faulty(crate::Fault::FeeCreditedTwice) {
                        self.fee_pool += Quote(taker_fee);
                    }
                    self.touched.push(maker_owner);
                    if self.config.safeguards.trade_rollback {
                        self.record_fill(crate::admin::JournalFill {
                            at: self.now,
                            market,
                            maker: maker_owner,
                            taker: taker.account.0,
                            taker_side: taker.side,
                            price,
                            size: size.get(),
                            value,
                            maker_fee,
                            taker_fee,
                            reversed: false,
                        });
                    }
                    out.push(Event::Fill {
                        market,
                        maker_order: maker,
                        taker_order: taker_id,
                        maker: meta.account,
                        taker: taker.account,
                        price,
                        size,
                        taker_side: taker.side,
                        maker_fee: Quote(maker_fee),
                        taker_fee: Quote(taker_fee),
                        liquidation,
                    });
                }
                BookEvent::MakerCancelled { maker, owner: _, remaining } => {
                    let meta = *self
                        .orders
                        .get(&maker.0)
                        .expect("Invariant: a resting order has metadata");
                    let view_size = remaining;
                    self.untrack(meta, maker, view_size, true);
                    out.push(Event::OrderCancelled {
                        order: maker,
                        account: meta.account,
                        remaining: view_size,
                        reason: CancelReason::SelfTrade,
                    });
                }
                BookEvent::MakerReduced { maker, owner: _, cut, remaining } => {
                    let meta = *self
                        .orders
                        .get(&maker.0)
                        .expect("Invariant: a resting order has metadata");
                    self.untrack(meta, maker, cut, false);
                    out.push(Event::OrderReduced { order: maker, size: remaining });
                }
            }
        }
        // Only fills change the taker's balance or position; a resting order changes neither.
        if events.iter().any(|e| matches!(e, BookEvent::Fill { .. })) {
            self.touched.push(taker.account.0);
        }
    }

    /// What an isolated fill moves from the cross balance into the position's collateral: for
    /// the part that opens (or flips) the position, the rise of its initial requirement at the
    /// tier rate and chosen leverage, plus that part's price loss beyond the mark and its fee.
    /// The closing part's loss and fee fall on the collateral. Zero for cross positions.
    #[allow(clippy::too_many_arguments)]
    fn isolated_funding(
        &self,
        account: usize,
        pi: usize,
        market: MarketId,
        side: Side,
        qty: i64,
        price: Ticks,
        fee: i64,
    ) -> i64 {
        let p = &self.accounts[account].positions[pi];
        if !p.isolated || qty == 0 {
            return 0;
        }
        let old = p.size.get();
        let signed = side.sign() * qty;
        let new = old + signed;
        let closing = if old * signed < 0 { qty.min(old.abs()) } else { 0 };
        let opening = qty - closing;
        if opening <= 0 {
            return 0;
        }
        let base = if old != 0 && (old > 0) == (new > 0) { old.abs() } else { 0 };
        let im = (self.initial_for_lots(market, new.abs(), p.leverage)
            - self.initial_for_lots(market, base, p.leverage))
        .max(0);
        let mark = self.mark_of(market).get();
        let gap = match side {
            Side::Buy => price.get() - mark,
            Side::Sell => mark - price.get(),
        }
        .max(0);
        let qptl = self.markets[market.index()].quote_per_tick_lot;
        let loss = i128::from(gap) * i128::from(opening) * i128::from(qptl);
        let fee_part = if fee > 0 {
            mul_div(i128::from(fee), opening.into(), qty.into(), Rounding::Ceil).expect("fits")
        } else {
            0
        };
        i64::try_from(im + loss + fee_part).expect("Invariant: isolated funding fits i64")
    }

    /// Applies one side of a trade to an account: cash, fee, position, basis, open interest.
    #[allow(clippy::too_many_arguments)]
    /// `value` is `qty × price × quote_per_tick_lot` (or, for ADL, the agreed quote amount).
    pub(crate) fn apply_trade(
        &mut self,
        account: usize,
        market: MarketId,
        side: Side,
        qty: i64,
        price: Ticks,
        value: i128,
        fee: i64,
    ) {
        let pi = self.ensure_position(account, market);
        let qptl = self.markets[market.index()].quote_per_tick_lot;
        let value_i64 = i64::try_from(value).expect("Invariant: trade value fits i64");
        let need = self.isolated_funding(account, pi, market, side, qty, price, fee);
        let a = &mut self.accounts[account];
        let p = &mut a.positions[pi];
        let old = p.size.get();
        let signed = side.sign() * qty;
        let new = old + signed;
        let cash_delta = match side {
            Side::Buy => -value_i64,
            Side::Sell => value_i64,
        } - fee;
        if p.isolated {
            p.isolated_cash += Quote(cash_delta);
        } else {
            a.cash += Quote(cash_delta);
        }
        if old == 0 || (old > 0) == (signed > 0) {
            p.entry_value += Quote(value_i64);
        } else {
            let closed = qty.min(old.abs());
            let removed = if closed == old.abs() {
                p.entry_value.get()
            } else {
                // A long's basis is a cost: remove more (rounded up). A short's basis is proceeds:
                // remove less (rounded down). Either way realised PnL rounds against the trader.
                let rounding = if old > 0 { Rounding::Ceil } else { Rounding::Floor };
                i64::try_from(
                    mul_div(p.entry_value.get().into(), closed.into(), old.abs().into(), rounding)
                        .expect("basis fits"),
                )
                .expect("basis fits i64")
            };
            let closing_value = if closed == qty {
                value_i64
            } else {
                i64::try_from(i128::from(closed) * i128::from(price.get()) * i128::from(qptl))
                    .expect("fits")
            };
            let pnl = if old > 0 { closing_value - removed } else { removed - closing_value };
            p.realized_pnl += Quote(pnl);
            p.entry_value -= Quote(removed);
            if qty > closed {
                p.entry_value = Quote(value_i64 - closing_value);
            }
        }
        p.size = Lots(new);
        if p.isolated {
            if need > 0 {
                // Fund what the fill opened from the cross balance (see `isolated_funding`).
                p.isolated_cash += Quote(need);
                a.cash -= Quote(need);
            } else if new == 0 && p.isolated_cash.get() >= 0 {
                // Released to the cross balance. A negative balance (a deficit) stays with the
                // isolated position: the cross balance is not liable for it; the liquidation
                // pipeline settles it from the insurance fund or records it as bad debt.
                a.cash += p.isolated_cash;
                p.isolated_cash = Quote::ZERO;
            }
        }
        let mk = &mut self.markets[market.index()];
        mk.long_open_interest += Lots(new.max(0) - old.max(0));
        mk.short_open_interest += Lots((-new).max(0) - (-old).max(0));
        if old == 0 && new != 0 {
            p.holder_slot = u32::try_from(mk.holders.len()).expect("holders fit u32");
            mk.holders.push(cascade_model::AccountId(account as u32));
        } else if old != 0 && new == 0 {
            let slot = p.holder_slot as usize;
            p.holder_slot = NO_SLOT;
            mk.holders.swap_remove(slot);
            if let Some(&moved) = mk.holders.get(slot) {
                let other = &mut self.accounts[moved.0 as usize];
                let oi = other.position_index(market).expect("Invariant: a holder has a position");
                other.positions[oi].holder_slot = slot as u32;
            }
        }
    }

    /// After trades: trim reduce-only orders that no longer fit and re-index touched accounts.
    pub(crate) fn after_trades(&mut self, out: &mut Vec<Event>) {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for &account in &touched {
            self.trim_reduce_only(account as usize, out);
            self.reindex(account as usize, out);
        }
        touched.clear();
        self.touched = touched;
    }

    /// Cancels (newest first) reduce-only orders beyond what the position can absorb once the
    /// regular orders resting on the same side (which may fill first) have closed their part.
    fn trim_reduce_only(&mut self, account: usize, out: &mut Vec<Event>) {
        let room = |p: &Position| {
            let buy = ((-p.size.get()).max(0) - (p.open_buy - p.reduce_only_buy).get()).max(0);
            let sell = (p.size.get().max(0) - (p.open_sell - p.reduce_only_sell).get()).max(0);
            (buy, sell)
        };
        let excess = |p: &Position| {
            let (buy, sell) = room(p);
            p.reduce_only_buy.get() > buy || p.reduce_only_sell.get() > sell
        };
        if !self.accounts[account].positions.iter().any(excess) {
            return;
        }
        let positions: Vec<(MarketId, i64, i64, i64, i64)> = self.accounts[account]
            .positions
            .iter()
            .map(|p| {
                let (buy, sell) = room(p);
                (p.market, buy, sell, p.reduce_only_buy.get(), p.reduce_only_sell.get())
            })
            .collect();
        for (market, buy_room, sell_room, ro_buy, ro_sell) in positions {
            for (side, reserved, room) in
                [(Side::Buy, ro_buy, buy_room), (Side::Sell, ro_sell, sell_room)]
            {
                if reserved <= room {
                    continue;
                }
                let mut excess = reserved - room;
                let owner = account as u32;
                let mut mine: Vec<(OrderId, Lots)> = self.markets[market.index()]
                    .book
                    .orders(side)
                    .filter(|v| {
                        v.owner == owner && self.orders.get(&v.id.0).is_some_and(|m| m.reduce_only)
                    })
                    .map(|v| (v.id, v.size))
                    .collect();
                mine.sort_by_key(|x| std::cmp::Reverse(x.0));
                for (id, size) in mine {
                    if excess <= 0 {
                        break;
                    }
                    let meta = self.orders[&id.0];
                    if size.get() <= excess {
                        self.markets[market.index()].book.cancel(id).expect("listed order is live");
                        self.untrack(meta, id, size, true);
                        out.push(Event::OrderCancelled {
                            order: id,
                            account: meta.account,
                            remaining: size,
                            reason: CancelReason::ReduceOnly,
                        });
                        excess -= size.get();
                    } else {
                        let keep = Lots(size.get() - excess);
                        self.markets[market.index()]
                            .book
                            .reduce(id, keep)
                            .expect("listed order is live");
                        self.untrack(meta, id, Lots(excess), false);
                        out.push(Event::OrderReduced { order: id, size: keep });
                        excess = 0;
                    }
                }
            }
        }
    }

    /// The minimum quote life: a resting order may not be cancelled or amended too soon.
    fn check_min_resting(&self, meta: &OrderMeta) -> Result<(), RejectReason> {
        match self.config.safeguards.min_resting_ns {
            Some(min) if self.now.get().saturating_sub(meta.placed_at.get()) < min => {
                Err(RejectReason::OrderTooYoung)
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn cancel_order(
        &mut self,
        account: cascade_model::AccountId,
        id: OrderId,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        self.account_index(account)?;
        let meta = *self.orders.get(&id.0).ok_or(RejectReason::UnknownOrder)?;
        if meta.account != account {
            return Err(RejectReason::NotOrderOwner);
        }
        self.check_min_resting(&meta)?;
        let view = self.markets[meta.market.index()]
            .book
            .cancel(id)
            .map_err(|_| RejectReason::UnknownOrder)?;
        self.untrack(meta, id, view.size, true);
        out.push(Event::OrderCancelled {
            order: id,
            account,
            remaining: view.size,
            reason: CancelReason::Requested,
        });
        Ok(())
    }

    /// Cancels every resting order of an account (in `market` only, if given).
    pub(crate) fn cancel_all(
        &mut self,
        account: usize,
        market: Option<MarketId>,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        if self.accounts[account].order_count == 0 {
            return;
        }
        let owner = account as u32;
        let markets: Vec<MarketId> = self.accounts[account]
            .positions
            .iter()
            .filter(|p| p.has_orders() && market.is_none_or(|m| m == p.market))
            .map(|p| p.market)
            .collect();
        for m in markets {
            let book = &self.markets[m.index()].book;
            let ids: Vec<OrderId> = book
                .orders(Side::Buy)
                .chain(book.orders(Side::Sell))
                .filter(|v| v.owner == owner)
                .map(|v| v.id)
                .collect();
            for id in ids {
                let meta = self.orders[&id.0];
                let view = self.markets[m.index()].book.cancel(id).expect("listed order is live");
                self.untrack(meta, id, view.size, true);
                out.push(Event::OrderCancelled {
                    order: id,
                    account: meta.account,
                    remaining: view.size,
                    reason,
                });
            }
        }
    }

    pub(crate) fn amend_order(
        &mut self,
        account: cascade_model::AccountId,
        id: OrderId,
        size: Lots,
        price: Ticks,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        self.account_index(account)?;
        let meta = *self.orders.get(&id.0).ok_or(RejectReason::UnknownOrder)?;
        if meta.account != account {
            return Err(RejectReason::NotOrderOwner);
        }
        let view =
            self.markets[meta.market.index()].book.order(id).ok_or(RejectReason::UnknownOrder)?;
        self.check_min_resting(&meta)?;
        if size.get() <= 0 || size.get() > SIZE_LOTS_MAX {
            return Err(RejectReason::NonPositiveSize);
        }
        if price == view.price && size <= view.size {
            if size < view.size {
                self.markets[meta.market.index()].book.reduce(id, size).expect("live order");
                self.untrack(meta, id, view.size - size, false);
            }
            out.push(Event::OrderReduced { order: id, size });
            return Ok(());
        }
        // Loses priority: validate as a new order replacing the old one, then cancel and re-place.
        let order = NewOrder {
            id,
            account,
            market: meta.market,
            side: meta.side,
            order_type: OrderType::Limit,
            price,
            size,
            time_in_force: if meta.post_only { TimeInForce::PostOnly } else { TimeInForce::Gtc },
            reduce_only: meta.reduce_only,
            self_trade: meta.self_trade,
        };
        self.validate_order(&order, Some((view.size.get(), view.price)))?;
        if meta.post_only {
            let crosses = match meta.side {
                Side::Buy => self.markets[meta.market.index()]
                    .book
                    .best_ask()
                    .is_some_and(|(p, _)| price >= p),
                Side::Sell => self.markets[meta.market.index()]
                    .book
                    .best_bid()
                    .is_some_and(|(p, _)| price <= p),
            };
            if crosses {
                return Err(RejectReason::PostOnlyWouldCross);
            }
        }
        let removed = self.markets[meta.market.index()].book.cancel(id).expect("live order");
        self.untrack(meta, id, removed.size, true);
        out.push(Event::OrderCancelled {
            order: id,
            account,
            remaining: removed.size,
            reason: CancelReason::Amended,
        });
        self.place_order(&order, out)
    }

    pub(crate) fn set_leverage(
        &mut self,
        account: cascade_model::AccountId,
        market: MarketId,
        leverage: u32,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let a = self.account_index(account)?;
        let m = self.market_index(market)?;
        let max = self.markets[m].spec.tiers[0].max_leverage;
        if leverage == 0 || leverage > max {
            return Err(RejectReason::LeverageOutOfRange);
        }
        let pi = self.accounts[a].position_index(market);
        if let Some(pi) = pi {
            // Lowering leverage must leave the account above initial margin.
            let old = self.accounts[a].positions[pi].leverage;
            if leverage < old {
                let mut trial = self.accounts[a].clone();
                trial.positions[pi].leverage = leverage;
                if self.cross_equity(&trial) < self.cross_initial(&trial, None) {
                    return Err(RejectReason::InsufficientMargin);
                }
            }
        }
        let pi = self.ensure_position(a, market);
        self.accounts[a].positions[pi].leverage = leverage;
        out.push(Event::LeverageSet { account, market, leverage });
        Ok(())
    }

    pub(crate) fn set_isolated(
        &mut self,
        account: cascade_model::AccountId,
        market: MarketId,
        isolated: bool,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let a = self.account_index(account)?;
        self.market_index(market)?;
        if let Some(p) = self.accounts[a].position(market) {
            // A flat isolated position can still hold an unsettled deficit: it stays isolated.
            if p.size.get() != 0 || p.has_orders() || p.isolated_cash != Quote::ZERO {
                return Err(RejectReason::MarginModeLocked);
            }
        }
        let pi = self.ensure_position(a, market);
        let acct = &mut self.accounts[a];
        let p = &mut acct.positions[pi];
        p.isolated = isolated;
        acct.cash += p.isolated_cash;
        p.isolated_cash = Quote::ZERO;
        out.push(Event::MarginModeSet { account, market, isolated });
        Ok(())
    }

    pub(crate) fn adjust_isolated(
        &mut self,
        account: cascade_model::AccountId,
        market: MarketId,
        amount: Quote,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let a = self.account_index(account)?;
        self.market_index(market)?;
        if amount.get() == 0 {
            return Err(RejectReason::NonPositiveAmount);
        }
        let pi = self.accounts[a].position_index(market).ok_or(RejectReason::NotIsolated)?;
        let acct = &self.accounts[a];
        let p = &acct.positions[pi];
        if !p.isolated {
            return Err(RejectReason::NotIsolated);
        }
        if self.pending.contains(&(account.0, market.0)) {
            return Err(RejectReason::AccountInLiquidation);
        }
        if amount.is_positive() {
            if i128::from(amount.get()) > self.withdrawable(acct) {
                return Err(RejectReason::WithdrawalExceedsFree);
            }
        } else {
            let lots = p.size.get().abs();
            let needed = self.initial_for_lots(market, lots, p.leverage);
            if self.isolated_equity(p) + i128::from(amount.get()) < needed
                || p.isolated_cash.get() + amount.get() < 0
            {
                return Err(RejectReason::WithdrawalExceedsFree);
            }
        }
        let acct = &mut self.accounts[a];
        acct.cash -= amount;
        acct.positions[pi].isolated_cash += amount;
        out.push(Event::IsolatedMarginMoved { account, market, amount });
        self.reindex(a, out);
        Ok(())
    }
}
