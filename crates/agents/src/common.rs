//! Helpers shared by the agents: order construction and unit conversions (agents think in
//! dollars and fractions; the engine in ticks and lots).

use cascade_model::{
    Command, MarketId, NewOrder, OrderType, SelfTradePrevention, Side, TimeInForce,
};
use cascade_num::{Lots, Ticks};
use cascade_sim::{Ctx, VenueIndex};

/// Where an agent trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// Venue index.
    pub venue: VenueIndex,
    /// Market.
    pub market: MarketId,
}

/// Lots worth `usd` at `price` ticks (at least one).
pub(crate) fn lots_for(ctx: &Ctx<'_>, place: Place, usd: f64, price: Ticks) -> i64 {
    let qptl = ctx.quote_per_tick_lot(place.venue, place.market) as f64;
    let per_lot = price.get().max(1) as f64 * qptl / 1e6;
    ((usd / per_lot).floor() as i64).max(1)
}

/// Sends an order; returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn send_order(
    ctx: &mut Ctx<'_>,
    place: Place,
    side: Side,
    order_type: OrderType,
    price: Ticks,
    lots: i64,
    time_in_force: TimeInForce,
    reduce_only: bool,
) -> cascade_model::OrderId {
    let id = ctx.order_id();
    let order = NewOrder {
        id,
        account: ctx.account(),
        market: place.market,
        side,
        order_type,
        price: Ticks(price.get().max(1)),
        size: Lots(lots.max(1)),
        time_in_force,
        reduce_only,
        self_trade: SelfTradePrevention::CancelTaker,
    };
    ctx.send(place.venue, Command::PlaceOrder(order));
    id
}

/// A market order with a worst price `slippage` (fraction) beyond `reference`.
pub(crate) fn market_order(
    ctx: &mut Ctx<'_>,
    place: Place,
    side: Side,
    reference: Ticks,
    lots: i64,
    slippage: f64,
    reduce_only: bool,
) {
    let factor = match side {
        Side::Buy => 1.0 + slippage,
        Side::Sell => (1.0 - slippage).max(0.0),
    };
    let worst = Ticks(((reference.get() as f64) * factor).round().max(1.0) as i64);
    send_order(ctx, place, side, OrderType::Market, worst, lots, TimeInForce::Ioc, reduce_only);
}

/// Signed position size in a market.
pub(crate) fn position(ctx: &Ctx<'_>, place: Place) -> i64 {
    ctx.my_account(place.venue)
        .and_then(|a| a.positions.iter().find(|p| p.market == place.market).map(|p| p.size.get()))
        .unwrap_or(0)
}

/// Seconds to nanoseconds.
pub(crate) fn secs(s: f64) -> u64 {
    (s.max(0.0) * 1e9) as u64
}
