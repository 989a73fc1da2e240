//! A passive account: it never sends an order. It stands for positions and supply held outside
//! the simulated flow — the outside holder of a spot market's supply (the counterparty of
//! seeded inventory), or an account loaded from a position file that only the venue's risk
//! engine will ever touch.

use cascade_sim::{Agent, Ctx};

/// See the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Holder;

impl Agent for Holder {
    fn start(&mut self, _ctx: &mut Ctx<'_>) {}

    fn wake(&mut self, _ctx: &mut Ctx<'_>) {}
}
