//! A test harness: an engine, its auditor and the command log, stepped together; plus small
//! constructors for commands so tests read like tables.

use cascade_engine::Engine;
use cascade_model::{
    AccountId, Command, Event, MarketId, NewOrder, OrderId, OrderType, SelfTradePrevention, Side,
    TimeInForce, VenueConfig,
};
use cascade_num::{Lots, Quote, Ticks, TimeNs};

use crate::auditor::{AuditError, Auditor};

/// Engine + auditor + command log.
#[derive(Clone, Debug)]
pub struct Harness {
    /// The engine under test.
    pub engine: Engine,
    /// The shadow ledger, checked after every step.
    pub auditor: Auditor,
    /// Every command applied, with its time.
    pub log: Vec<(TimeNs, Command)>,
    /// The time of the last command.
    pub now: TimeNs,
}

impl Harness {
    /// A fresh venue.
    ///
    /// # Panics
    /// If the configuration is invalid.
    pub fn new(config: VenueConfig) -> Harness {
        let auditor = Auditor::new(&config);
        Harness {
            engine: Engine::new(config).expect("valid venue"),
            auditor,
            log: Vec::new(),
            now: TimeNs::ZERO,
        }
    }

    /// Applies a command and audits the result.
    ///
    /// # Errors
    /// The first broken invariant.
    pub fn step(&mut self, at: TimeNs, command: Command) -> Result<Vec<Event>, AuditError> {
        let mut events = Vec::new();
        self.engine.apply(at, &command, &mut events);
        self.now = at.max(self.now);
        self.auditor.observe(&command, &events, &self.engine)?;
        self.log.push((at, command));
        Ok(events)
    }

    /// Applies a command at the current time plus `dt_s` seconds; panics on an audit failure.
    pub fn at(&mut self, dt_s: u64, command: Command) -> Vec<Event> {
        let at = TimeNs(self.now.get() + dt_s * TimeNs::SECOND);
        match self.step(at, command) {
            Ok(events) => events,
            Err(e) => panic!("{e}"),
        }
    }

    /// Applies a command at the current time; panics on an audit failure.
    pub fn now(&mut self, command: Command) -> Vec<Event> {
        self.at(0, command)
    }

    /// An account's signed position in a market, in lots (0 if it has none).
    ///
    /// # Panics
    /// If the account does not exist.
    pub fn position(&self, account: u32, market: u16) -> i64 {
        self.engine
            .account(cascade_model::AccountId(account))
            .expect("the account exists")
            .positions
            .iter()
            .find(|p| p.market == cascade_model::MarketId(market))
            .map_or(0, |p| p.size.get())
    }

    /// Replays the log into a fresh engine and returns its state hash.
    pub fn replay_hash(&self) -> u64 {
        let mut engine = Engine::new(self.engine.config().clone()).expect("valid venue");
        let mut events = Vec::new();
        for (at, command) in &self.log {
            events.clear();
            engine.apply(*at, command, &mut events);
        }
        engine.state_hash()
    }
}

/// `OpenAccount`.
pub fn open(account: u32) -> Command {
    Command::OpenAccount { account: AccountId(account) }
}

/// `Deposit` of whole dollars.
pub fn deposit(account: u32, dollars: i64) -> Command {
    Command::Deposit { account: AccountId(account), amount: Quote::from_units(dollars) }
}

/// `SetOracle`.
pub fn oracle(market: u16, price: i64) -> Command {
    Command::SetOracle { market: MarketId(market), price: Ticks(price), confidence: None }
}

/// A GTC limit order (self-trade: cancel maker).
pub fn limit(id: u64, account: u32, market: u16, side: Side, price: i64, size: i64) -> Command {
    order(id, account, market, side, OrderType::Limit, price, size, TimeInForce::Gtc)
}

/// A market order with a worst-price bound.
pub fn market(id: u64, account: u32, market_id: u16, side: Side, worst: i64, size: i64) -> Command {
    order(id, account, market_id, side, OrderType::Market, worst, size, TimeInForce::Ioc)
}

/// Any order.
#[allow(clippy::too_many_arguments)]
pub fn order(
    id: u64,
    account: u32,
    market: u16,
    side: Side,
    order_type: OrderType,
    price: i64,
    size: i64,
    time_in_force: TimeInForce,
) -> Command {
    Command::PlaceOrder(NewOrder {
        id: OrderId(id),
        account: AccountId(account),
        market: MarketId(market),
        side,
        order_type,
        price: Ticks(price),
        size: Lots(size),
        time_in_force,
        reduce_only: false,
        self_trade: SelfTradePrevention::CancelMaker,
    })
}

/// The same order, reduce-only.
pub fn reduce_only(command: Command) -> Command {
    match command {
        Command::PlaceOrder(mut o) => {
            o.reduce_only = true;
            Command::PlaceOrder(o)
        }
        other => other,
    }
}

/// `SetLeverage`.
pub fn leverage(account: u32, market: u16, leverage: u32) -> Command {
    Command::SetLeverage { account: AccountId(account), market: MarketId(market), leverage }
}
