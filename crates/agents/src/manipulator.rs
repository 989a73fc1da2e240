//! A manipulator: holds a large perp position (seeded, with its offsetting side in another
//! account) and, on the `pump` signal, buys up a thin market that feeds the perp's oracle until
//! it trades at a target multiple of where it started; then it holds the price there for a
//! while, pulls out whatever the venue lets it withdraw, and walks away (Mango Markets, October
//! 2022; Hyperliquid JELLY, March 2025).

use cascade_model::{Command, Side};
use cascade_num::Quote;
use cascade_sim::{Agent, Ctx, Signal};

use crate::common::{lots_for, market_order, secs, Place};

/// Manipulator parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ManipulatorParams {
    /// The perp market where its position sits (and from which it withdraws).
    pub perp: Place,
    /// The market it buys up (the oracle's source).
    pub pump: Place,
    /// Seconds between buys.
    pub check_s: f64,
    /// Notional per buy, USD.
    pub clip_usd: f64,
    /// Stop pushing once the pumped market's mid is this multiple of where it started.
    pub target_multiple: f64,
    /// Seconds it keeps the price at the target before walking away.
    pub hold_s: f64,
    /// Withdraw everything the venue allows once the target is reached.
    pub withdraw_profit: bool,
    /// Worst price per buy, fraction above the mid.
    pub slippage: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Waiting,
    Pumping { start_mid: f64 },
    Holding { start_mid: f64, until_ns: u64 },
    Done,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct Manipulator {
    params: ManipulatorParams,
    phase: Phase,
}

impl Manipulator {
    /// A manipulator (idle until the `pump` signal).
    pub fn new(params: ManipulatorParams) -> Manipulator {
        Manipulator { params, phase: Phase::Waiting }
    }

    fn withdraw(&self, ctx: &mut Ctx<'_>) {
        let venue = self.params.perp.venue;
        let Some(view) = ctx.my_account(venue) else { return };
        // What the venue's margin check should let leave, less a small buffer for the marks
        // that move between the decision and the command's arrival.
        let free = view.equity.get() - view.initial.get();
        let held = ctx.venue_funds(venue).map_or(0, |q| q.get());
        let amount = (free - free / 50).min(held - held / 100);
        if amount > view.equity.get() / 100 && amount > 0 {
            ctx.send(venue, Command::Withdraw { account: ctx.account(), amount: Quote(amount) });
        }
    }
}

impl Agent for Manipulator {
    fn start(&mut self, _ctx: &mut Ctx<'_>) {}

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let p = self.params.pump;
        let Some(mid) = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid()) else {
            ctx.wake_in(secs(self.params.check_s));
            return;
        };
        let mid_f = mid.get() as f64;
        match self.phase {
            Phase::Waiting | Phase::Done => return,
            Phase::Pumping { start_mid } => {
                if mid_f >= start_mid * self.params.target_multiple {
                    let until_ns = ctx.now().get() + secs(self.params.hold_s);
                    self.phase = Phase::Holding { start_mid, until_ns };
                    if self.params.withdraw_profit {
                        self.withdraw(ctx);
                    }
                } else {
                    let lots = lots_for(ctx, p, self.params.clip_usd, mid);
                    market_order(ctx, p, Side::Buy, mid, lots, self.params.slippage, false);
                }
            }
            Phase::Holding { start_mid, until_ns } => {
                if ctx.now().get() >= until_ns {
                    self.phase = Phase::Done;
                    return;
                }
                if self.params.withdraw_profit {
                    self.withdraw(ctx);
                }
                // Keep the price near the target: buy again when it slips more than 10% below.
                if mid_f < start_mid * self.params.target_multiple * 0.9 {
                    let lots = lots_for(ctx, p, self.params.clip_usd, mid);
                    market_order(ctx, p, Side::Buy, mid, lots, self.params.slippage, false);
                }
            }
        }
        ctx.wake_in(secs(self.params.check_s));
    }

    /// `pump`: start buying (the start price is the mid the first buy sees); `stop`: walk away.
    fn signal(&mut self, ctx: &mut Ctx<'_>, signal: &Signal) {
        match signal.name.as_str() {
            "pump" if self.phase == Phase::Waiting => {
                let p = self.params.pump;
                if let Some(mid) = ctx.snapshot(p.venue, p.market).and_then(|s| s.mid()) {
                    self.phase = Phase::Pumping { start_mid: mid.get() as f64 };
                    ctx.wake_in(0);
                }
            }
            "stop" => self.phase = Phase::Done,
            _ => {}
        }
    }
}
