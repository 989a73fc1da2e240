//! The agent interface: what an agent sees (delayed market snapshots, its own accounts) and what
//! it can do (send commands that arrive after its order latency, schedule its next wake-up).

use cascade_engine::{AccountView, Engine};
use cascade_model::{AccountId, Command, MarketId, OrderId};
use cascade_num::{Lots, Ticks, TimeNs};

use crate::rng::Rng;

/// Index of a venue in the world.
pub type VenueIndex = usize;

/// A market-data snapshot, published by the kernel at a fixed cadence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// When it was taken.
    pub time: TimeNs,
    /// Best bid and its size.
    pub bid: Option<(Ticks, Lots)>,
    /// Best ask and its size.
    pub ask: Option<(Ticks, Lots)>,
    /// Last trade price.
    pub last: Option<Ticks>,
    /// Mark price.
    pub mark: Option<Ticks>,
    /// Oracle price.
    pub oracle: Option<Ticks>,
    /// Top levels of the bid side, best first.
    pub bids: Vec<(Ticks, Lots)>,
    /// Top levels of the ask side, best first.
    pub asks: Vec<(Ticks, Lots)>,
    /// Signed base volume traded since the previous snapshot (buyer-initiated positive).
    pub flow: i64,
}

impl Snapshot {
    /// Mid price if both sides exist, else the last trade, else the mark.
    pub fn mid(&self) -> Option<Ticks> {
        match (self.bid, self.ask) {
            (Some((b, _)), Some((a, _))) => Some(Ticks((b.get() + a.get()) / 2)),
            _ => self.last.or(self.mark).or(self.oracle),
        }
    }
}

/// A signal from the scenario timeline to a group of agents (failure modes, withdrawals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// What to do: agents understand some names and ignore others (e.g. `pull_quotes`,
    /// `stale_quotes`, `resume`, `fat_finger`, `one_sided`).
    pub name: String,
    /// An optional numeric argument (decimal text).
    pub value: Option<String>,
}

/// A participant in the world.
pub trait Agent {
    /// Called once at the start of the run; schedule the first wake-up here.
    fn start(&mut self, ctx: &mut Ctx<'_>);
    /// Called at each scheduled wake-up.
    fn wake(&mut self, ctx: &mut Ctx<'_>);
    /// Called when the timeline sends this agent's group a signal.
    fn signal(&mut self, ctx: &mut Ctx<'_>, signal: &Signal) {
        let _ = (ctx, signal);
    }
    /// Called (after the agent's data latency) when a message of a kind it subscribed to was
    /// published; read the new messages with [`Ctx::feed_since`].
    fn on_feed(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }
}

/// What an agent asked for during a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Send { venue: VenueIndex, command: Command, extra_delay_ns: u64 },
    WakeAt(TimeNs),
}

/// A read-only view of one venue for agents.
pub(crate) struct VenueRead<'a> {
    pub(crate) engine: &'a Engine,
    /// Per market: snapshots, oldest first.
    pub(crate) snapshots: &'a [std::collections::VecDeque<Snapshot>],
}

/// The agent's window on the world during one callback.
pub struct Ctx<'a> {
    pub(crate) now: TimeNs,
    pub(crate) data_latency_ns: u64,
    pub(crate) account: AccountId,
    pub(crate) rng: &'a mut Rng,
    pub(crate) venues: &'a [VenueRead<'a>],
    pub(crate) actions: &'a mut Vec<Action>,
    pub(crate) next_order_id: &'a mut u64,
    pub(crate) reference: Option<f64>,
    pub(crate) feed: &'a crate::feed::Feed,
}

impl Ctx<'_> {
    /// Current virtual time.
    pub fn now(&self) -> TimeNs {
        self.now
    }

    /// This agent's account id (the same on every venue).
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// This agent's random stream.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// The newest snapshot of a market that is at least the agent's data latency old.
    pub fn snapshot(&self, venue: VenueIndex, market: MarketId) -> Option<&Snapshot> {
        let ring = self.venues.get(venue)?.snapshots.get(market.index())?;
        let cutoff = self.now.get().saturating_sub(self.data_latency_ns);
        ring.iter().rev().find(|s| s.time.get() <= cutoff)
    }

    /// This agent's own account on a venue (its own state is known without delay).
    pub fn my_account(&self, venue: VenueIndex) -> Option<AccountView> {
        self.venues.get(venue)?.engine.account(self.account)
    }

    /// What a venue holds in total (deposits − withdrawals): public for an on-chain venue, and
    /// the most any withdrawal can take.
    pub fn venue_funds(&self, venue: VenueIndex) -> Option<cascade_num::Quote> {
        let (deposits, withdrawals) = self.venues.get(venue)?.engine.flows();
        Some(deposits - withdrawals)
    }

    /// True if one of this agent's orders is still resting.
    pub fn order_live(&self, venue: VenueIndex, market: MarketId, order: OrderId) -> bool {
        self.venues
            .get(venue)
            .and_then(|v| v.engine.book(market))
            .is_some_and(|b| b.order(order).is_some())
    }

    /// Quote value of one tick on one lot in a market (micro-USD).
    pub fn quote_per_tick_lot(&self, venue: VenueIndex, market: MarketId) -> i64 {
        self.venues
            .get(venue)
            .and_then(|v| v.engine.market(market))
            .map_or(1, |m| m.quote_per_tick_lot)
    }

    /// The tick size of a market in quote units (for converting outside prices to ticks).
    pub fn tick_usd(&self, venue: VenueIndex, market: MarketId) -> f64 {
        self.venues
            .get(venue)
            .and_then(|v| v.engine.config().markets.get(market.index()))
            .map_or(1.0, |m| m.tick_size.mantissa() as f64 / 10f64.powi(m.tick_size.scale() as i32))
    }

    /// The exogenous reference price (labelled input), if the scenario has one, in quote units.
    pub fn reference_price(&self) -> Option<f64> {
        self.reference
    }

    /// A fresh order id, unique across the run.
    pub fn order_id(&mut self) -> OrderId {
        *self.next_order_id += 1;
        OrderId(*self.next_order_id)
    }

    /// Sends a command to a venue; it arrives after this agent's order latency.
    pub fn send(&mut self, venue: VenueIndex, command: Command) {
        self.actions.push(Action::Send { venue, command, extra_delay_ns: 0 });
    }

    /// Sends a command that arrives `extra_delay_ns` later than the order latency alone (a
    /// congested chain, a keeper waiting for gas).
    pub fn send_delayed(&mut self, venue: VenueIndex, command: Command, extra_delay_ns: u64) {
        self.actions.push(Action::Send { venue, command, extra_delay_ns });
    }

    /// Public messages after sequence number `after_seq` that this agent can have seen (published
    /// at least its data latency ago), oldest first. Keep the last `seq` read as the cursor.
    pub fn feed_since(&self, after_seq: u64) -> impl Iterator<Item = &crate::feed::FeedItem> + '_ {
        let cutoff = TimeNs(self.now.get().saturating_sub(self.data_latency_ns));
        self.feed.since(after_seq, cutoff)
    }

    /// Whether a market is a spot market (sells limited to holdings, no funding).
    pub fn is_spot(&self, venue: VenueIndex, market: MarketId) -> bool {
        self.venues
            .get(venue)
            .and_then(|v| v.engine.config().markets.get(market.index()))
            .is_some_and(|m| m.spot)
    }

    /// Accounts (with the isolated market, if any) a venue has queued as below maintenance and
    /// not yet liquidated: public on chain, what outside keepers look for.
    pub fn liquidatable(&self, venue: VenueIndex) -> Vec<(AccountId, Option<MarketId>)> {
        self.venues.get(venue).map_or_else(Vec::new, |v| v.engine.queued_liquidations())
    }

    /// Wakes this agent again after `delay_ns`.
    pub fn wake_in(&mut self, delay_ns: u64) {
        self.actions.push(Action::WakeAt(TimeNs(self.now.get() + delay_ns.max(1))));
    }
}
