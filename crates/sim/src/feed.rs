//! Public market data as venues publish it (trades, liquidations, ADL, mark, oracle, funding,
//! halts), kept in one bounded, time-ordered log that agents read with their data latency, and
//! the subscriptions that wake an agent when a message of a kind it follows is published.

use std::collections::VecDeque;

use cascade_model::{Event, MarketId, Side};
use cascade_num::{Lots, Ticks, TimeNs};

use crate::agent::VenueIndex;

/// One public message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketMessage {
    /// A trade (a liquidation order's fills are also published as `Liquidation`).
    Trade {
        /// Market.
        market: MarketId,
        /// Price.
        price: Ticks,
        /// Size.
        size: Lots,
        /// The aggressor's side.
        taker_side: Side,
    },
    /// A liquidation: a forced order's fill in the book, or a backstop takeover
    /// (Binance's `forceOrder` stream, Hyperliquid's liquidation fills).
    Liquidation {
        /// Market.
        market: MarketId,
        /// The side of the forced trade (selling closes a long).
        side: Side,
        /// Price.
        price: Ticks,
        /// Size.
        size: Lots,
        /// True for a backstop takeover (no book trade).
        backstop: bool,
    },
    /// An auto-deleveraging fill.
    Adl {
        /// Market.
        market: MarketId,
        /// The side the deleveraged (bankrupt) account traded.
        side: Side,
        /// Price.
        price: Ticks,
        /// Size.
        size: Lots,
    },
    /// New mark price.
    Mark {
        /// Market.
        market: MarketId,
        /// Price.
        price: Ticks,
    },
    /// New oracle price.
    Oracle {
        /// Market.
        market: MarketId,
        /// Price.
        price: Ticks,
    },
    /// A funding payment, rate in parts per billion of the oracle (positive: longs pay).
    Funding {
        /// Market.
        market: MarketId,
        /// Rate, ppb.
        rate_ppb: i64,
    },
    /// Trading halted or reopened.
    Halt {
        /// Market.
        market: MarketId,
        /// True when halted.
        halted: bool,
    },
}

/// Kinds of message an agent can subscribe to (a wake-up when one is published).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions {
    /// Trades.
    pub trades: bool,
    /// Liquidations and ADL.
    pub liquidations: bool,
    /// Mark, oracle and funding updates, halts.
    pub prices: bool,
}

impl Subscriptions {
    /// True if this message wakes a subscriber.
    pub fn wants(&self, message: &MarketMessage) -> bool {
        match message {
            MarketMessage::Trade { .. } => self.trades,
            MarketMessage::Liquidation { .. } | MarketMessage::Adl { .. } => self.liquidations,
            MarketMessage::Mark { .. }
            | MarketMessage::Oracle { .. }
            | MarketMessage::Funding { .. }
            | MarketMessage::Halt { .. } => self.prices,
        }
    }

    /// True if any kind is followed.
    pub fn any(&self) -> bool {
        self.trades || self.liquidations || self.prices
    }
}

/// One published message with its sequence number, time and venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedItem {
    /// Increasing from 1; agents keep the last one they read as their cursor.
    pub seq: u64,
    /// When the venue published it.
    pub time: TimeNs,
    /// Which venue.
    pub venue: VenueIndex,
    /// What.
    pub message: MarketMessage,
}

/// How many messages the log keeps (older ones are gone; a reader that falls this far behind
/// sees a gap in sequence numbers).
pub const FEED_KEPT: usize = 1 << 16;

/// The bounded public log.
#[derive(Clone, Debug, Default)]
pub(crate) struct Feed {
    items: VecDeque<FeedItem>,
    next_seq: u64,
}

impl Feed {
    /// The public message an engine event makes, if any.
    pub(crate) fn message(event: &Event) -> Option<MarketMessage> {
        Some(match *event {
            Event::Fill { market, price, size, taker_side, liquidation: false, .. } => {
                MarketMessage::Trade { market, price, size, taker_side }
            }
            Event::Fill { market, price, size, taker_side, liquidation: true, .. } => {
                MarketMessage::Liquidation {
                    market,
                    side: taker_side,
                    price,
                    size,
                    backstop: false,
                }
            }
            Event::PositionTransferred { market, size, price, .. } => MarketMessage::Liquidation {
                market,
                side: Side::closing(size.get().signum()),
                price,
                size: Lots(size.get().abs()),
                backstop: true,
            },
            Event::AdlFill { market, bankrupt_side, size, price, .. } => {
                MarketMessage::Adl { market, side: bankrupt_side, price, size }
            }
            Event::MarkPrice { market, price } => MarketMessage::Mark { market, price },
            Event::OraclePrice { market, price } => MarketMessage::Oracle { market, price },
            Event::FundingPaid { market, rate, .. } => {
                MarketMessage::Funding { market, rate_ppb: rate.get() }
            }
            Event::MarketHalted { market, halted } => MarketMessage::Halt { market, halted },
            _ => return None,
        })
    }

    pub(crate) fn publish(&mut self, time: TimeNs, venue: VenueIndex, message: MarketMessage) {
        if self.items.len() == FEED_KEPT {
            self.items.pop_front();
        }
        self.next_seq += 1;
        self.items.push_back(FeedItem { seq: self.next_seq, time, venue, message });
    }

    /// Items after `after_seq` published at or before `cutoff`, oldest first.
    pub(crate) fn since(
        &self,
        after_seq: u64,
        cutoff: TimeNs,
    ) -> impl Iterator<Item = &FeedItem> + '_ {
        let start = self.items.partition_point(|i| i.seq <= after_seq);
        self.items.range(start..).take_while(move |i| i.time <= cutoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_only_what_their_latency_allows_and_the_log_is_bounded() {
        let mut feed = Feed::default();
        let m = MarketId(0);
        for t in 0..10u64 {
            feed.publish(
                TimeNs(t * 100),
                0,
                MarketMessage::Mark { market: m, price: Ticks(t as i64) },
            );
        }
        let seen: Vec<u64> = feed.since(0, TimeNs(450)).map(|i| i.seq).collect();
        assert_eq!(seen, vec![1, 2, 3, 4, 5]);
        let seen: Vec<u64> = feed.since(3, TimeNs(450)).map(|i| i.seq).collect();
        assert_eq!(seen, vec![4, 5]);
        assert_eq!(feed.since(10, TimeNs(10_000)).count(), 0);
        for t in 0..FEED_KEPT as u64 {
            feed.publish(TimeNs(1_000 + t), 0, MarketMessage::Halt { market: m, halted: false });
        }
        assert_eq!(feed.items.len(), FEED_KEPT);
        assert_eq!(feed.since(0, TimeNs(u64::MAX)).next().map(|i| i.seq), Some(11));
    }

    #[test]
    fn subscriptions_table() {
        let m = MarketId(0);
        let trade = MarketMessage::Trade {
            market: m,
            price: Ticks(1),
            size: Lots(1),
            taker_side: Side::Buy,
        };
        let liq =
            MarketMessage::Adl { market: m, side: Side::Sell, price: Ticks(1), size: Lots(1) };
        let mark = MarketMessage::Mark { market: m, price: Ticks(1) };
        let s = Subscriptions { trades: false, liquidations: true, prices: false };
        assert!(!s.wants(&trade) && s.wants(&liq) && !s.wants(&mark));
        assert!(s.any() && !Subscriptions::default().any());
    }
}
