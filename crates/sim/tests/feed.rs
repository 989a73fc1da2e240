//! The public feed: a subscriber is woken after its data latency when a message of a kind it
//! follows is published, reads exactly the messages its latency allows, and nothing else wakes it.

use std::cell::RefCell;
use std::rc::Rc;

use cascade_model::{
    AccountId, Command, MarketId, NewOrder, OrderType, SelfTradePrevention, Side, TimeInForce,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use cascade_sim::{
    Agent, AgentSpec, Ctx, MarketMessage, NullSink, Subscriptions, VenueSpec, World, WorldSpec,
};

/// Rests a bid at t = 1 s (`Trader(Side::Buy)`), or sells into it at t = 2 s.
struct Trader(Side);

impl Agent for Trader {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let at = if self.0 == Side::Buy { 1 } else { 2 };
        ctx.wake_in(at * TimeNs::SECOND);
    }
    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let tif = if self.0 == Side::Buy { TimeInForce::Gtc } else { TimeInForce::Ioc };
        let id = ctx.order_id();
        let order = NewOrder {
            id,
            account: ctx.account(),
            market: MarketId(0),
            side: self.0,
            order_type: OrderType::Limit,
            price: Ticks(1_000_000),
            size: Lots(10),
            time_in_force: tif,
            reduce_only: false,
            self_trade: SelfTradePrevention::CancelMaker,
        };
        ctx.send(0, Command::PlaceOrder(order));
    }
}

/// Records when it was woken by the feed and what it read then.
struct Listener {
    seen: Rc<RefCell<Vec<(u64, MarketMessage, u64)>>>,
    cursor: u64,
}

impl Agent for Listener {
    fn start(&mut self, _ctx: &mut Ctx<'_>) {}
    fn wake(&mut self, _ctx: &mut Ctx<'_>) {}
    fn on_feed(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now().get();
        let items: Vec<_> = ctx.feed_since(self.cursor).copied().collect();
        for item in items {
            self.cursor = item.seq;
            self.seen.borrow_mut().push((now, item.message, item.time.get()));
        }
    }
}

fn spec(agents: Vec<AgentSpec>) -> WorldSpec {
    WorldSpec {
        seed: 1,
        duration_ns: 5 * TimeNs::SECOND,
        venues: vec![VenueSpec {
            name: "v".into(),
            config: cascade_venue::preset("binance-usdm").unwrap(),
            insurance_fund: Quote::ZERO,
            vault: Quote::ZERO,
        }],
        reference: None,
        oracles: Vec::new(),
        agents,
        timeline: Vec::new(),
        snapshot_interval_ns: TimeNs::SECOND,
        primary: (0, MarketId(0)),
        scheduled: Vec::new(),
        seeds: vec![(
            0,
            Ticks(1_000_000),
            // Makes the oracle exist (the seed's price starts the market) and puts a position
            // on the books before trading starts.
            Command::SeedPosition {
                account: AccountId(AccountId::FIRST_USER),
                counterparty: AccountId(AccountId::FIRST_USER + 1),
                market: MarketId(0),
                size: Lots(1),
                price: Ticks(1_000_000),
            },
        )],
    }
}

fn agent(agent: Box<dyn Agent>, data_latency_ns: u64, subscriptions: Subscriptions) -> AgentSpec {
    AgentSpec {
        agent,
        group: "g".into(),
        order_latency_ns: 1_000,
        jitter_ns: 0,
        data_latency_ns,
        deposits: vec![(0, Quote::from_units(1_000_000))],
        commands_per_s_max: None,
        subscriptions,
    }
}

#[test]
fn subscribers_read_trades_after_their_latency() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let latency = 250_000_000;
    let trades = Subscriptions { trades: true, ..Subscriptions::default() };
    let agents = vec![
        agent(Box::new(Trader(Side::Buy)), 0, Subscriptions::default()),
        agent(Box::new(Trader(Side::Sell)), 0, Subscriptions::default()),
        agent(Box::new(Listener { seen: seen.clone(), cursor: 0 }), latency, trades),
    ];
    let result = World::new(spec(agents)).unwrap().run(&mut NullSink, &mut |_| {});
    assert!(result.events > 0);
    let seen = seen.borrow();
    let trade = seen
        .iter()
        .find(|(_, m, _)| matches!(m, MarketMessage::Trade { .. }))
        .expect("the listener saw the trade");
    let (woken_at, message, published_at) = *trade;
    assert_eq!(woken_at, published_at + latency, "woken exactly one data latency later");
    assert!(matches!(
        message,
        MarketMessage::Trade {
            taker_side: Side::Sell,
            size: Lots(10),
            price: Ticks(1_000_000),
            ..
        }
    ));
    // Nothing it read was younger than its latency.
    assert!(seen.iter().all(|(now, _, t)| now - t >= latency));
}

#[test]
fn unsubscribed_agents_are_not_woken() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let agents = vec![
        agent(Box::new(Trader(Side::Buy)), 0, Subscriptions::default()),
        agent(Box::new(Trader(Side::Sell)), 0, Subscriptions::default()),
        agent(Box::new(Listener { seen: seen.clone(), cursor: 0 }), 0, Subscriptions::default()),
    ];
    World::new(spec(agents)).unwrap().run(&mut NullSink, &mut |_| {});
    assert!(seen.borrow().is_empty());
    // Subscribed to liquidations only: a plain trade does not wake it.
    let seen = Rc::new(RefCell::new(Vec::new()));
    let liquidations = Subscriptions { liquidations: true, ..Subscriptions::default() };
    let agents = vec![
        agent(Box::new(Trader(Side::Buy)), 0, Subscriptions::default()),
        agent(Box::new(Trader(Side::Sell)), 0, Subscriptions::default()),
        agent(Box::new(Listener { seen: seen.clone(), cursor: 0 }), 0, liquidations),
    ];
    World::new(spec(agents)).unwrap().run(&mut NullSink, &mut |_| {});
    assert!(seen.borrow().is_empty());
}
