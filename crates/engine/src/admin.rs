//! Venue administration after the fact: rolling trades back (`RollbackTrades`) and closing a
//! market at an administered price (`SettleMarket`).
//!
//! Both move positions with the same `apply_trade` as a fill, so balances, basis, realised PnL
//! and open interest stay consistent, and both are replayable by the auditor from their events
//! (`TradeReversed`, `SettlementFill`).

use cascade_model::{AccountId, CancelReason, Event, MarketId, RejectReason, SafeguardKind, Side};
use cascade_num::{Quote, Ticks, TimeNs};

use crate::{limits, Engine};

/// One fill as the journal keeps it for a later rollback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JournalFill {
    /// When it traded.
    pub(crate) at: TimeNs,
    /// The market.
    pub(crate) market: MarketId,
    /// Maker's account index.
    pub(crate) maker: u32,
    /// Taker's account index.
    pub(crate) taker: u32,
    /// The taker's side.
    pub(crate) taker_side: Side,
    /// Fill price.
    pub(crate) price: Ticks,
    /// Fill size in lots.
    pub(crate) size: i64,
    /// `size × price × quote_per_tick_lot`.
    pub(crate) value: i128,
    /// Maker fee charged (negative: rebate paid).
    pub(crate) maker_fee: i64,
    /// Taker fee charged.
    pub(crate) taker_fee: i64,
    /// Already rolled back.
    pub(crate) reversed: bool,
}

impl Engine {
    /// Keeps a fill for a possible rollback.
    pub(crate) fn record_fill(&mut self, fill: JournalFill) {
        self.journal.push(fill);
    }

    /// Reverses journaled fills (see `Command::RollbackTrades`).
    pub(crate) fn rollback_trades(
        &mut self,
        market: MarketId,
        from: TimeNs,
        to: TimeNs,
        account: Option<AccountId>,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        self.market_index(market)?;
        if let Some(a) = account {
            self.account_index(a)?;
        }
        if !self.config.safeguards.trade_rollback {
            return Err(RejectReason::NoTradeJournal);
        }
        if from > to {
            return Err(RejectReason::TimeWentBackwards);
        }
        // The journal is in time order: the window is a contiguous range.
        let start = self.journal.partition_point(|f| f.at < from);
        let end = self.journal.partition_point(|f| f.at <= to);
        let picked: Vec<usize> = (start..end)
            .filter(|&i| {
                let f = &self.journal[i];
                !f.reversed
                    && f.market == market
                    && account.is_none_or(|a| f.maker == a.0 || f.taker == a.0)
            })
            .collect();
        // Every check before any change: each balance moves by at most the fill's value and
        // fees, in the direction opposite to the original fill, so bound the totals first.
        let mut moved: i128 = 0;
        for &i in &picked {
            let f = &self.journal[i];
            moved = moved
                .checked_add(f.value + i128::from(f.maker_fee.abs()) + i128::from(f.taker_fee))
                .ok_or(RejectReason::ArithmeticOverflow)?;
        }
        if moved > i128::from(limits::CASH_MAX) {
            return Err(RejectReason::ArithmeticOverflow);
        }
        for &i in picked.iter().rev() {
            let f = self.journal[i];
            self.journal[i].reversed = true;
            let maker_side = f.taker_side.opposite();
            // Each side trades back what it traded, and gets its fee back (a negative fee).
            self.apply_trade(
                f.maker as usize,
                market,
                maker_side.opposite(),
                f.size,
                f.price,
                f.value,
                -f.maker_fee,
            );
            self.apply_trade(
                f.taker as usize,
                market,
                f.taker_side.opposite(),
                f.size,
                f.price,
                f.value,
                -f.taker_fee,
            );
            self.fee_pool -= Quote(f.maker_fee + f.taker_fee);
            self.touched.push(f.maker);
            self.touched.push(f.taker);
            out.push(Event::TradeReversed {
                market,
                maker: AccountId(f.maker),
                taker: AccountId(f.taker),
                taker_side: f.taker_side,
                price: f.price,
                size: cascade_num::Lots(f.size),
                maker_fee: Quote(f.maker_fee),
                taker_fee: Quote(f.taker_fee),
            });
        }
        if !picked.is_empty() {
            out.push(Event::SafeguardTriggered { market, kind: SafeguardKind::TradeRollback });
        }
        self.after_trades(out);
        Ok(())
    }

    /// Closes every position in a market at an administered price and keeps it halted (see
    /// `Command::SettleMarket`).
    pub(crate) fn settle_market(
        &mut self,
        market: MarketId,
        price: Ticks,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        if price.get() <= 0 || price.get() > limits::PRICE_TICKS_MAX {
            return Err(RejectReason::NonPositivePrice);
        }
        let open = self.markets[m].long_open_interest.get();
        if self.value_at(market, open, price) > i128::from(limits::CASH_MAX) {
            return Err(RejectReason::ArithmeticOverflow);
        }
        // Resting orders first (in owner order), then the halt: nothing trades from here on.
        let mut owners: Vec<u32> = {
            let book = &self.markets[m].book;
            book.orders(Side::Buy).chain(book.orders(Side::Sell)).map(|v| v.owner).collect()
        };
        owners.sort_unstable();
        owners.dedup();
        for owner in owners {
            self.cancel_all(owner as usize, Some(market), CancelReason::Settlement, out);
        }
        self.markets[m].halted = true;
        out.push(Event::MarketHalted { market, halted: true });
        out.push(Event::SafeguardTriggered { market, kind: SafeguardKind::ForcedSettlement });
        // Longs against shorts, each list in account order.
        let mut holders: Vec<(u32, i64)> = self.markets[m]
            .holders
            .iter()
            .map(|a| {
                let p = self.accounts[a.0 as usize]
                    .position(market)
                    .expect("Invariant: a holder has a position");
                (a.0, p.size.get())
            })
            .collect();
        holders.sort_unstable();
        let mut longs: Vec<(u32, i64)> = holders.iter().filter(|h| h.1 > 0).copied().collect();
        let mut shorts: Vec<(u32, i64)> =
            holders.iter().filter(|h| h.1 < 0).map(|&(a, s)| (a, -s)).collect();
        let (mut li, mut si) = (0, 0);
        while li < longs.len() && si < shorts.len() {
            let qty = longs[li].1.min(shorts[si].1);
            let (long, short) = (longs[li].0, shorts[si].0);
            let value = self.value_at(market, qty, price);
            self.apply_trade(long as usize, market, Side::Sell, qty, price, value, 0);
            self.apply_trade(short as usize, market, Side::Buy, qty, price, value, 0);
            self.touched.push(long);
            self.touched.push(short);
            out.push(Event::SettlementFill {
                market,
                long: AccountId(long),
                short: AccountId(short),
                size: cascade_num::Lots(qty),
                price,
            });
            longs[li].1 -= qty;
            shorts[si].1 -= qty;
            if longs[li].1 == 0 {
                li += 1;
            }
            if shorts[si].1 == 0 {
                si += 1;
            }
        }
        debug_assert!(li == longs.len() && si == shorts.len(), "long OI equals short OI");
        self.after_trades(out);
        Ok(())
    }
}
