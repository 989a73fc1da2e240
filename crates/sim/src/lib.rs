//! Cascade's market simulator: a deterministic discrete-event world of venues (each a Cascade
//! engine), oracles, an optional exogenous reference price and agents.
//!
//! Virtual time is in nanoseconds; the event queue is ordered by (time, sequence number), so
//! equal times resolve in insertion order. One root seed derives a named random stream per agent
//! and per model ([`Rng::stream`]), so adding an agent does not perturb the others. Agents act
//! through commands that reach a venue after their order latency, and see market snapshots that
//! are at least their data latency old. Nothing reads a clock, spawns a thread or iterates a
//! hash map; the same configuration and seed give a byte-identical event digest.
//!
//! The price of a venue under test comes only from its order flow: oracles are weighted medians
//! of venue books and, where configured, of the exogenous reference — a labelled input.

pub mod agent;
pub mod feed;
pub mod metrics;
pub mod reference;
pub mod rng;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use cascade_engine::Engine;
use cascade_model::{AccountId, Command, Event, MarketId, Side, VenueConfig};
use cascade_num::{Decimal, Quote, Ticks, TimeNs};
use sha2::{Digest, Sha256};

use agent::{Action, VenueRead};
pub use agent::{Agent, Ctx, Signal, Snapshot, VenueIndex};
use feed::Feed;
pub use feed::{FeedItem, MarketMessage, Subscriptions};
use metrics::{Collector, SecondAccumulator};
pub use metrics::{SecondRow, Summary};
pub use reference::{ReferenceModel, ReferencePath};
pub use rng::Rng;

/// Where an oracle takes a price from.
#[derive(Clone, Debug, PartialEq)]
pub enum OracleSource {
    /// The exogenous reference price times `scale` (one macro index can anchor markets at
    /// different price levels: BTC at 112,000 × the index, ETH at 4,300 × the index).
    Reference {
        /// Multiplier on the reference price.
        scale: f64,
    },
    /// The mid (or last trade) of a venue's market book.
    Book {
        /// Venue.
        venue: VenueIndex,
        /// Market.
        market: MarketId,
        /// Use the last trade price even when both sides are quoted (a collateral price taken
        /// from the venue's own prints, as Binance's unified account did on 10 October 2025).
        last: bool,
    },
}

/// An oracle feeding one venue market: a weighted median of its sources, at a fixed interval.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleSpec {
    /// The venue it feeds.
    pub venue: VenueIndex,
    /// The market it feeds.
    pub market: MarketId,
    /// Update interval.
    pub interval_ns: u64,
    /// `(source, weight)`.
    pub sources: Vec<(OracleSource, u32)>,
}

/// A scheduled signal to a group of agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When.
    pub at: TimeNs,
    /// Which agent group.
    pub group: String,
    /// What.
    pub signal: Signal,
}

/// An agent and how it connects.
pub struct AgentSpec {
    /// The behaviour.
    pub agent: Box<dyn Agent>,
    /// Group name (timeline signals address groups).
    pub group: String,
    /// Order entry latency.
    pub order_latency_ns: u64,
    /// Extra uniform random latency per order, up to this.
    pub jitter_ns: u64,
    /// Market-data latency.
    pub data_latency_ns: u64,
    /// Collateral deposited on each venue at the start: `(venue, amount)`.
    pub deposits: Vec<(VenueIndex, Quote)>,
    /// Most commands the agent may send per simulated second; more are dropped and counted
    /// (an exchange's rate limit). None: unlimited.
    pub commands_per_s_max: Option<u32>,
    /// Public messages that wake the agent (after its data latency) through `Agent::on_feed`.
    pub subscriptions: Subscriptions,
}

/// A venue in the world.
#[derive(Clone, Debug)]
pub struct VenueSpec {
    /// Name used in outputs.
    pub name: String,
    /// The engine configuration.
    pub config: VenueConfig,
    /// Insurance fund at the start.
    pub insurance_fund: Quote,
    /// Backstop vault at the start.
    pub vault: Quote,
}

/// Everything a run needs.
pub struct WorldSpec {
    /// Root seed.
    pub seed: u64,
    /// Run length.
    pub duration_ns: u64,
    /// Venues.
    pub venues: Vec<VenueSpec>,
    /// Reference price path and its tick interval.
    pub reference: Option<(ReferencePath, u64)>,
    /// Oracles.
    pub oracles: Vec<OracleSpec>,
    /// Agents.
    pub agents: Vec<AgentSpec>,
    /// Timeline signals.
    pub timeline: Vec<TimelineEntry>,
    /// Market snapshot cadence.
    pub snapshot_interval_ns: u64,
    /// The market whose price the summary follows: `(venue, market)`.
    pub primary: (VenueIndex, MarketId),
    /// Venue commands the scenario schedules (exchange halts, margin-tier changes): labelled
    /// exogenous events, applied at their time.
    pub scheduled: Vec<(TimeNs, VenueIndex, Command)>,
    /// Positions that exist when the run starts (seeded at time zero, after the first oracle
    /// prices): `(venue, initial price if the market has no oracle price yet, SeedPosition)`.
    /// The price is a labelled input, used only to start a market without one.
    pub seeds: Vec<(VenueIndex, Ticks, Command)>,
}

/// Receives the run's outputs as they happen.
pub trait RunSink {
    /// One engine event.
    fn event(&mut self, time: TimeNs, seq: u64, venue: &str, event: &Event);
    /// One market's row for a simulated second.
    fn second(&mut self, row: &SecondRow);
}

/// Checks every engine step (the CLI's `--audit` and the tests plug the auditor in here).
pub trait StepObserver {
    /// Called after each command a venue applied, with the events it produced.
    ///
    /// # Errors
    /// The first broken invariant; the run stops there.
    fn step(
        &mut self,
        venue: VenueIndex,
        command: &Command,
        events: &[Event],
        engine: &Engine,
    ) -> Result<(), String>;
}

/// A sink that keeps nothing (tests and benchmarks).
#[derive(Debug, Default)]
pub struct NullSink;

impl RunSink for NullSink {
    fn event(&mut self, _: TimeNs, _: u64, _: &str, _: &Event) {}
    fn second(&mut self, _: &SecondRow) {}
}

/// What a run produced besides the streamed outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// SHA-256 of the event log (time, venue and the event's canonical text, in order).
    pub digest: String,
    /// Number of engine events.
    pub events: u64,
    /// Number of kernel events processed (wake-ups, deliveries, ticks).
    pub kernel_events: u64,
    /// Headline numbers.
    pub summary: Summary,
    /// Steps checked by the observer.
    pub observed_steps: u64,
    /// The first broken invariant the observer reported (the run stopped there).
    pub observer_error: Option<String>,
    /// Commands dropped by agents' rate limits.
    pub throttled_commands: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Start(usize),
    Wake(usize),
    Deliver(VenueIndex, usize),
    Oracle(usize),
    Reference,
    Snapshot,
    Second,
    Timeline(usize),
    Scheduled(usize),
    Notify(usize),
    Seed(usize),
}

/// Why an agent is called.
enum Call<'a> {
    Start,
    Wake,
    Signal(&'a Signal),
    Feed,
}

struct AgentSlot {
    group: String,
    commands_per_s_max: Option<u32>,
    /// (second, commands sent in it) for the rate limit.
    window: (u64, u32),
    account: AccountId,
    order_latency_ns: u64,
    jitter_ns: u64,
    data_latency_ns: u64,
    rng: Rng,
    next_order_id: u64,
    /// A feed wake-up is already queued.
    notify_pending: bool,
}

struct VenueState {
    name: String,
    engine: Engine,
    snapshots: Vec<VecDeque<Snapshot>>,
    /// Tick sizes as f64 quote per tick, for display and reference conversion.
    tick_usd: Vec<f64>,
    lot_base: Vec<f64>,
    seconds: Vec<SecondAccumulator>,
    flow: Vec<i64>,
}

/// How many snapshots each market keeps (enough for the largest data latency).
const SNAPSHOTS_KEPT: usize = 64;

/// The simulated world.
pub struct World {
    seed: u64,
    duration_ns: u64,
    now: TimeNs,
    seq: u64,
    queue: BinaryHeap<Reverse<(TimeNs, u64, Item)>>,
    venues: Vec<VenueState>,
    agents: Vec<Box<dyn Agent>>,
    slots: Vec<AgentSlot>,
    pending: Vec<Option<Command>>,
    free_pending: Vec<usize>,
    reference: Option<(ReferencePath, u64)>,
    oracles: Vec<OracleSpec>,
    timeline: Vec<TimelineEntry>,
    snapshot_interval_ns: u64,
    primary: (VenueIndex, MarketId),
    collector: Collector,
    digest: Sha256,
    event_count: u64,
    kernel_events: u64,
    scratch: Vec<Event>,
    actions: Vec<Action>,
    observer: Option<Box<dyn StepObserver>>,
    observed_steps: u64,
    observer_error: Option<String>,
    /// System funding, accounts and deposits, applied at time zero when the run starts.
    setup: Vec<(VenueIndex, Command)>,
    throttled: u64,
    /// Oracles currently in an outage (no updates reach their venue).
    oracle_down: Vec<bool>,
    scheduled: Vec<(TimeNs, VenueIndex, Command)>,
    seeds: Vec<(VenueIndex, Ticks, Command)>,
    feed: Feed,
    /// Agents subscribed to some kind of message, with what they follow.
    subscribers: Vec<(usize, Subscriptions)>,
}

/// An exact decimal as an `f64`, for display and agent arithmetic (never for engine state).
pub fn decimal_f64(d: Decimal) -> f64 {
    d.mantissa() as f64 / 10f64.powi(d.scale() as i32)
}

impl World {
    /// Builds the world: engines, system funding, agent accounts and deposits (applied at time 0).
    ///
    /// # Errors
    /// A venue configuration the engine refuses.
    pub fn new(spec: WorldSpec) -> Result<World, cascade_model::VenueConfigError> {
        let mut venues = Vec::with_capacity(spec.venues.len());
        for v in &spec.venues {
            let engine = Engine::new(v.config.clone())?;
            let n = v.config.markets.len();
            venues.push(VenueState {
                name: v.name.clone(),
                engine,
                snapshots: vec![VecDeque::new(); n],
                tick_usd: v.config.markets.iter().map(|m| decimal_f64(m.tick_size)).collect(),
                lot_base: v.config.markets.iter().map(|m| decimal_f64(m.lot_size)).collect(),
                seconds: vec![SecondAccumulator::default(); n],
                flow: vec![0; n],
            });
        }
        let mut world = World {
            seed: spec.seed,
            duration_ns: spec.duration_ns,
            now: TimeNs::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            venues,
            agents: Vec::with_capacity(spec.agents.len()),
            slots: Vec::with_capacity(spec.agents.len()),
            pending: Vec::new(),
            free_pending: Vec::new(),
            reference: spec.reference,
            oracles: spec.oracles,
            timeline: spec.timeline,
            snapshot_interval_ns: spec.snapshot_interval_ns.max(1),
            primary: spec.primary,
            collector: Collector::default(),
            digest: Sha256::new(),
            event_count: 0,
            kernel_events: 0,
            scratch: Vec::new(),
            actions: Vec::new(),
            observer: None,
            observed_steps: 0,
            observer_error: None,
            setup: Vec::new(),
            throttled: 0,
            oracle_down: Vec::new(),
            scheduled: spec.scheduled,
            seeds: spec.seeds,
            feed: Feed::default(),
            subscribers: Vec::new(),
        };
        world.oracle_down = vec![false; world.oracles.len()];
        let mut setup: Vec<(VenueIndex, Command)> = Vec::new();
        for (vi, v) in spec.venues.iter().enumerate() {
            if v.insurance_fund.is_positive() {
                setup.push((
                    vi,
                    Command::Deposit {
                        account: AccountId::INSURANCE_FUND,
                        amount: v.insurance_fund,
                    },
                ));
            }
            if v.vault.is_positive() {
                setup.push((
                    vi,
                    Command::Deposit { account: AccountId::BACKSTOP_VAULT, amount: v.vault },
                ));
            }
        }
        for (i, a) in spec.agents.into_iter().enumerate() {
            let account = AccountId(AccountId::FIRST_USER + i as u32);
            if a.subscriptions.any() {
                world.subscribers.push((i, a.subscriptions));
            }
            for vi in 0..world.venues.len() {
                setup.push((vi, Command::OpenAccount { account }));
            }
            for &(vi, amount) in &a.deposits {
                setup.push((vi, Command::Deposit { account, amount }));
            }
            world.slots.push(AgentSlot {
                group: a.group,
                commands_per_s_max: a.commands_per_s_max,
                window: (0, 0),
                account,
                order_latency_ns: a.order_latency_ns,
                jitter_ns: a.jitter_ns,
                data_latency_ns: a.data_latency_ns,
                rng: Rng::stream(spec.seed, &format!("agent/{i}")),
                next_order_id: (i as u64 + 1) << 32,
                notify_pending: false,
            });
            world.agents.push(a.agent);
        }
        world.setup = setup;
        Ok(world)
    }

    /// Installs an observer that checks every engine step of the run (including the setup
    /// deposits applied when the run starts).
    pub fn observe(&mut self, observer: Box<dyn StepObserver>) {
        self.observer = Some(observer);
    }

    fn push(&mut self, at: TimeNs, item: Item) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, item)));
    }

    /// Runs to the end, streaming outputs to `sink`; `progress` is called about once per
    /// simulated second with the current time.
    pub fn run(mut self, sink: &mut dyn RunSink, progress: &mut dyn FnMut(TimeNs)) -> RunResult {
        for (vi, command) in std::mem::take(&mut self.setup) {
            self.apply(vi, &command, sink);
        }
        for i in 0..self.oracles.len() {
            self.push(TimeNs::ZERO, Item::Oracle(i));
        }
        if self.reference.is_some() {
            self.push(TimeNs::ZERO, Item::Reference);
        }
        self.push(TimeNs::ZERO, Item::Snapshot);
        self.push(TimeNs(TimeNs::SECOND), Item::Second);
        for i in 0..self.timeline.len() {
            let at = self.timeline[i].at;
            self.push(at, Item::Timeline(i));
        }
        for i in 0..self.scheduled.len() {
            let at = self.scheduled[i].0;
            self.push(at, Item::Scheduled(i));
        }
        // Seeds follow the first oracle updates (same time, later in the queue).
        for i in 0..self.seeds.len() {
            self.push(TimeNs::ZERO, Item::Seed(i));
        }
        // Agents start after the first oracle prices and snapshot exist.
        for i in 0..self.agents.len() {
            self.push(TimeNs(1), Item::Start(i));
        }
        // Bounded by: every item is at or before the end time, and time never goes back.
        while let Some(Reverse((at, _, item))) = self.queue.pop() {
            if at.get() > self.duration_ns || self.observer_error.is_some() {
                break;
            }
            self.now = at;
            self.kernel_events += 1;
            match item {
                Item::Start(i) => self.call_agent(i, Call::Start),
                Item::Wake(i) => self.call_agent(i, Call::Wake),
                Item::Deliver(vi, slot) => {
                    let command =
                        self.pending[slot].take().expect("a pending command is delivered once");
                    self.free_pending.push(slot);
                    self.apply(vi, &command, sink);
                }
                Item::Oracle(i) => self.update_oracle(i, sink),
                Item::Reference => {
                    let now = self.now;
                    if let Some((path, step)) = &mut self.reference {
                        path.step(now.get() as f64 / 1e9, *step as f64 / 1e9);
                        let step = *step;
                        self.push(TimeNs(now.get() + step), Item::Reference);
                    }
                }
                Item::Snapshot => {
                    self.publish_snapshots();
                    let next = TimeNs(self.now.get() + self.snapshot_interval_ns);
                    self.push(next, Item::Snapshot);
                }
                Item::Second => {
                    self.second(sink);
                    progress(self.now);
                    let next = TimeNs(self.now.get() + TimeNs::SECOND);
                    self.push(next, Item::Second);
                }
                Item::Scheduled(i) => {
                    let (_, vi, command) = self.scheduled[i].clone();
                    self.apply(vi, &command, sink);
                }
                Item::Seed(i) => {
                    let (vi, price, command) = self.seeds[i].clone();
                    if let Command::SeedPosition { market, .. } = command {
                        let has_oracle = self.venues[vi]
                            .engine
                            .market(market)
                            .is_some_and(|m| m.oracle.is_some());
                        if !has_oracle {
                            self.apply(
                                vi,
                                &Command::SetOracle { market, price, confidence: None },
                                sink,
                            );
                        }
                    }
                    self.apply(vi, &command, sink);
                }
                Item::Notify(i) => {
                    self.slots[i].notify_pending = false;
                    self.call_agent(i, Call::Feed);
                }
                Item::Timeline(i) => {
                    let entry = self.timeline[i].clone();
                    // `oracle:N` addresses the N-th oracle: an outage stops its updates.
                    if let Some(n) =
                        entry.group.strip_prefix("oracle:").and_then(|n| n.parse::<usize>().ok())
                    {
                        if let Some(down) = self.oracle_down.get_mut(n) {
                            *down = entry.signal.name == "outage";
                        }
                        continue;
                    }
                    for a in 0..self.agents.len() {
                        if self.slots[a].group == entry.group {
                            self.call_agent(a, Call::Signal(&entry.signal));
                        }
                    }
                }
            }
        }
        RunResult {
            digest: format!("{:x}", self.digest.finalize()),
            events: self.event_count,
            kernel_events: self.kernel_events,
            summary: self.collector.finish(),
            observed_steps: self.observed_steps,
            observer_error: self.observer_error,
            throttled_commands: self.throttled,
        }
    }

    fn call_agent(&mut self, i: usize, call: Call<'_>) {
        let reference = self.reference.as_ref().map(|(p, _)| p.price());
        let reads: Vec<VenueRead<'_>> = self
            .venues
            .iter()
            .map(|v| VenueRead { engine: &v.engine, snapshots: &v.snapshots })
            .collect();
        let feed = &self.feed;
        let slot = &mut self.slots[i];
        let mut ctx = Ctx {
            now: self.now,
            data_latency_ns: slot.data_latency_ns,
            account: slot.account,
            rng: &mut slot.rng,
            venues: &reads,
            actions: &mut self.actions,
            next_order_id: &mut slot.next_order_id,
            reference,
            feed,
        };
        let agent = &mut self.agents[i];
        match call {
            Call::Start => agent.start(&mut ctx),
            Call::Wake => agent.wake(&mut ctx),
            Call::Signal(s) => agent.signal(&mut ctx, s),
            Call::Feed => agent.on_feed(&mut ctx),
        }
        drop(reads);
        let actions = std::mem::take(&mut self.actions);
        for action in &actions {
            match action {
                Action::WakeAt(at) => self.push(*at, Item::Wake(i)),
                Action::Send { venue, command, extra_delay_ns } => {
                    let slot = &mut self.slots[i];
                    if let Some(max) = slot.commands_per_s_max {
                        let second = self.now.get() / TimeNs::SECOND;
                        if slot.window.0 != second {
                            slot.window = (second, 0);
                        }
                        if slot.window.1 >= max {
                            self.throttled += 1;
                            continue;
                        }
                        slot.window.1 += 1;
                    }
                    let jitter =
                        if slot.jitter_ns > 0 { slot.rng.below(slot.jitter_ns) } else { 0 };
                    let at =
                        TimeNs(self.now.get() + slot.order_latency_ns + jitter + extra_delay_ns);
                    let index = match self.free_pending.pop() {
                        Some(k) => {
                            self.pending[k] = Some(command.clone());
                            k
                        }
                        None => {
                            self.pending.push(Some(command.clone()));
                            self.pending.len() - 1
                        }
                    };
                    // Zero latency still delivers after this callback, in queue order.
                    self.push(at, Item::Deliver(*venue, index));
                }
            }
        }
        let mut actions = actions;
        actions.clear();
        self.actions = actions;
    }

    fn apply(&mut self, vi: VenueIndex, command: &Command, sink: &mut dyn RunSink) {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        self.venues[vi].engine.apply(self.now, command, &mut events);
        if let Some(observer) = &mut self.observer {
            self.observed_steps += 1;
            if self.observer_error.is_none() {
                if let Err(e) = observer.step(vi, command, &events, &self.venues[vi].engine) {
                    self.observer_error = Some(format!(
                        "t={} s, venue {}: {e}",
                        self.now.get() as f64 / 1e9,
                        self.venues[vi].name
                    ));
                }
            }
        }
        let time_s = self.now.get() as f64 / 1e9;
        for event in &events {
            self.event_count += 1;
            self.digest.update(self.now.get().to_le_bytes());
            self.digest.update((vi as u16).to_le_bytes());
            self.digest.update(format!("{event:?}\n").as_bytes());
            let venue = &mut self.venues[vi];
            let notional = event_notional(venue, event);
            if let Event::Fill { market, size, taker_side, .. } = event {
                venue.flow[market.index()] += size.get() * taker_side.sign();
            }
            if let Some(message) = Feed::message(event) {
                self.feed.publish(self.now, vi, message);
                for &(a, subscriptions) in &self.subscribers {
                    let slot = &mut self.slots[a];
                    if !slot.notify_pending && subscriptions.wants(&message) {
                        slot.notify_pending = true;
                        self.seq += 1;
                        let at = TimeNs(self.now.get() + slot.data_latency_ns.max(1));
                        self.queue.push(Reverse((at, self.seq, Item::Notify(a))));
                    }
                }
            }
            let acc = metrics::event_market(event).and_then(|m| venue.seconds.get_mut(m.index()));
            self.collector.event(time_s, event, notional, acc);
            sink.event(self.now, self.event_count, &venue.name, event);
        }
        self.scratch = events;
    }

    fn update_oracle(&mut self, i: usize, sink: &mut dyn RunSink) {
        let spec = self.oracles[i].clone();
        if self.oracle_down[i] {
            let next = TimeNs(self.now.get() + spec.interval_ns);
            self.push(next, Item::Oracle(i));
            return;
        }
        let tick = self.venues[spec.venue].tick_usd[spec.market.index()];
        let mut quotes: Vec<(f64, u32)> = Vec::new();
        for (source, weight) in &spec.sources {
            let price = match source {
                OracleSource::Reference { scale } => {
                    self.reference.as_ref().map(|(p, _)| p.price() * scale)
                }
                OracleSource::Book { venue, market, last } => {
                    let v = &self.venues[*venue];
                    let book = v.engine.book(*market);
                    let mid = book.and_then(|b| match (b.best_bid(), b.best_ask()) {
                        _ if *last && b.last_trade().is_some() => {
                            b.last_trade().map(|t| t.get() as f64)
                        }
                        (Some((bid, _)), Some((ask, _))) => {
                            Some((bid.get() + ask.get()) as f64 / 2.0)
                        }
                        _ => b.last_trade().map(|t| t.get() as f64),
                    });
                    mid.map(|ticks| ticks * v.tick_usd[market.index()])
                }
            };
            if let Some(p) = price {
                quotes.push((p, *weight));
            }
        }
        if let Some(price) = weighted_median(&mut quotes) {
            let ticks = (price / tick).round().max(1.0) as i64;
            // Confidence: the weighted median distance of the sources from the price (zero for
            // a single source), as a publisher aggregating several venues would report it; only
            // computed for a venue whose confidence rail reads it.
            let rail = self.venues[spec.venue].engine.config().safeguards.oracle_confidence_max;
            let confidence = rail.and_then(|_| {
                let mut spread: Vec<(f64, u32)> =
                    quotes.iter().map(|&(p, w)| ((p - price).abs(), w)).collect();
                weighted_median(&mut spread).map(|c| Ticks((c / tick).round().max(0.0) as i64))
            });
            let command =
                Command::SetOracle { market: spec.market, price: Ticks(ticks), confidence };
            self.apply(spec.venue, &command, sink);
        }
        // A venue whose open-interest cap follows outside liquidity hears the depth of the
        // oracle's other books (both sides within 2% of their mid), with each update.
        let dynamic_cap =
            self.venues[spec.venue].engine.config().safeguards.open_interest_depth_multiple;
        if dynamic_cap.is_some() {
            let mut depth: i128 = 0;
            for (source, _) in &spec.sources {
                let OracleSource::Book { venue, market, .. } = source else { continue };
                if (*venue, *market) == (spec.venue, spec.market) {
                    continue;
                }
                let v = &self.venues[*venue];
                let (Some(book), Some(view)) = (v.engine.book(*market), v.engine.market(*market))
                else {
                    continue;
                };
                if let (Some((bid, _)), Some((ask, _))) = (book.best_bid(), book.best_ask()) {
                    let mid = (bid.get() + ask.get()) / 2;
                    let band = mid / 50;
                    let (_, bids) = book.depth_to(Side::Buy, Ticks(mid - band));
                    let (_, asks) = book.depth_to(Side::Sell, Ticks(mid + band));
                    depth += (bids + asks) * i128::from(view.quote_per_tick_lot);
                }
            }
            let depth = Quote(i64::try_from(depth).unwrap_or(i64::MAX));
            self.apply(spec.venue, &Command::SetExternalDepth { market: spec.market, depth }, sink);
        }
        let next = TimeNs(self.now.get() + spec.interval_ns);
        self.push(next, Item::Oracle(i));
    }

    fn publish_snapshots(&mut self) {
        let now = self.now;
        for v in &mut self.venues {
            for m in 0..v.snapshots.len() {
                let market = MarketId(m as u16);
                let book = v.engine.book(market).expect("market exists");
                let view = v.engine.market(market).expect("market exists");
                let snap = Snapshot {
                    time: now,
                    bid: book.best_bid(),
                    ask: book.best_ask(),
                    last: book.last_trade(),
                    mark: view.mark,
                    oracle: view.oracle,
                    bids: book.depth(Side::Buy, 10),
                    asks: book.depth(Side::Sell, 10),
                    flow: std::mem::take(&mut v.flow[m]),
                };
                let ring = &mut v.snapshots[m];
                if ring.len() == SNAPSHOTS_KEPT {
                    ring.pop_front();
                }
                ring.push_back(snap);
            }
        }
    }

    fn second(&mut self, sink: &mut dyn RunSink) {
        let now = self.now;
        // Let each venue run its schedules up to now even if no one traded.
        for vi in 0..self.venues.len() {
            self.apply(vi, &Command::Tick, sink);
        }
        let reference = self.reference.as_ref().map(|(p, _)| p.price());
        let time_s = (now.get() / TimeNs::SECOND) as i64;
        for vi in 0..self.venues.len() {
            for m in 0..self.venues[vi].snapshots.len() {
                let row = self.row(vi, MarketId(m as u16), time_s, reference);
                if (vi, MarketId(m as u16)) == self.primary {
                    self.collector.primary_second(&row);
                }
                sink.second(&row);
                self.venues[vi].seconds[m] = SecondAccumulator::default();
            }
        }
    }

    fn row(
        &self,
        vi: VenueIndex,
        market: MarketId,
        time_s: i64,
        reference: Option<f64>,
    ) -> SecondRow {
        let v = &self.venues[vi];
        let m = market.index();
        let tick = v.tick_usd[m];
        let book = v.engine.book(market).expect("market exists");
        let view = v.engine.market(market).expect("market exists");
        let px = |t: Option<Ticks>| t.map(|t| t.get() as f64 * tick);
        let bid = book.best_bid().map(|b| b.0);
        let ask = book.best_ask().map(|a| a.0);
        let mid = match (bid, ask) {
            (Some(b), Some(a)) => Some((b.get() + a.get()) as f64 / 2.0),
            _ => None,
        };
        let spread_bps = match (bid, ask, mid) {
            (Some(b), Some(a), Some(mid)) if mid > 0.0 => {
                Some((a.get() - b.get()) as f64 / mid * 10_000.0)
            }
            _ => None,
        };
        let qptl = view.quote_per_tick_lot as f64 / 1e6;
        let depth = |bps: i64| -> f64 {
            let Some(mid) = mid else { return 0.0 };
            let band = mid * bps as f64 / 10_000.0;
            let (b_lots, b_value) = book.depth_to(Side::Buy, Ticks((mid - band).ceil() as i64));
            let (a_lots, a_value) = book.depth_to(Side::Sell, Ticks((mid + band).floor() as i64));
            let _ = (b_lots, a_lots);
            (b_value + a_value) as f64 * qptl
        };
        let mark = view.mark.or(view.oracle);
        let oi = view.long_open_interest.get() as f64;
        let equity =
            |a: AccountId| v.engine.account(a).map_or(0.0, |x| x.equity.get() as f64 / 1e6);
        let acc = &v.seconds[m];
        SecondRow {
            time_s,
            venue: v.name.clone(),
            market: v.engine.config().markets[m].symbol.clone(),
            last: px(book.last_trade()),
            mark: px(view.mark),
            oracle: px(view.oracle),
            reference,
            best_bid: px(bid),
            best_ask: px(ask),
            spread_bps,
            depth_1pct_usd: depth(100),
            depth_5pct_usd: depth(500),
            open_interest: oi * v.lot_base[m],
            open_interest_usd: mark.map_or(0.0, |p| oi * p.get() as f64 * qptl),
            funding_rate: view.funding_rate.get() as f64 / 1e9,
            liquidated_long_usd: acc.liquidated_long_usd,
            liquidated_short_usd: acc.liquidated_short_usd,
            insurance_fund_usd: equity(AccountId::INSURANCE_FUND),
            vault_equity_usd: equity(AccountId::BACKSTOP_VAULT),
            adl_usd: acc.adl_usd,
        }
    }

    /// The seed of this world.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// USD notional an event carries (trades, transfers, ADL, bad debt), for metrics.
fn event_notional(v: &VenueState, event: &Event) -> f64 {
    let trade = |market: MarketId, price: Ticks, size: i64| -> f64 {
        let qptl = v.engine.market(market).map_or(0, |m| m.quote_per_tick_lot) as f64;
        price.get() as f64 * size.unsigned_abs() as f64 * qptl / 1e6
    };
    match event {
        Event::Fill { market, price, size, .. } => trade(*market, *price, size.get()),
        Event::PositionTransferred { market, price, size, .. } => {
            trade(*market, *price, size.get())
        }
        Event::AdlFill { quote, .. } => quote.get() as f64 / 1e6,
        Event::BadDebt { amount, .. } | Event::Withdrawn { amount, .. } => {
            amount.get() as f64 / 1e6
        }
        _ => 0.0,
    }
}

/// Weighted median: the smallest price at which the cumulative weight reaches half the total.
fn weighted_median(quotes: &mut [(f64, u32)]) -> Option<f64> {
    if quotes.is_empty() {
        return None;
    }
    quotes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: u64 = quotes.iter().map(|q| u64::from(q.1)).sum();
    let mut acc = 0u64;
    for &(p, w) in quotes.iter() {
        acc += u64::from(w);
        if acc * 2 >= total {
            return Some(p);
        }
    }
    quotes.last().map(|q| q.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_table() {
        assert_eq!(weighted_median(&mut []), None);
        assert_eq!(weighted_median(&mut [(5.0, 1)]), Some(5.0));
        assert_eq!(weighted_median(&mut [(1.0, 3), (9.0, 1)]), Some(1.0));
        assert_eq!(weighted_median(&mut [(9.0, 1), (1.0, 1), (5.0, 1)]), Some(5.0));
        // Hyperliquid weights 3,2,2,1,1,1,1,1 over eight venues.
        let mut q = [
            (100.0, 3),
            (101.0, 2),
            (99.0, 2),
            (150.0, 1),
            (102.0, 1),
            (98.0, 1),
            (97.0, 1),
            (103.0, 1),
        ];
        assert_eq!(weighted_median(&mut q), Some(100.0));
    }
}
