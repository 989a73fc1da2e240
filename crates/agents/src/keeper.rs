//! An outside liquidator (keeper) for venues that wait for one: it looks for accounts the venue
//! has queued below maintenance and asks for their liquidation, earning the liquidation fee.
//! Congestion (Black Thursday's gas spike) is a timeline signal that delays its requests.

use cascade_model::Command;
use cascade_sim::{Agent, Ctx, Signal, VenueIndex};

use crate::common::secs;

/// Keeper parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct KeeperParams {
    /// The venue it watches.
    pub venue: VenueIndex,
    /// Seconds between scans.
    pub check_s: f64,
    /// Most liquidation requests per scan.
    pub max_per_check: u32,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct Keeper {
    params: KeeperParams,
    /// Extra delay on each request, from `congestion` signals (seconds).
    congestion_s: f64,
}

impl Keeper {
    /// A keeper.
    pub fn new(params: KeeperParams) -> Keeper {
        Keeper { params, congestion_s: 0.0 }
    }
}

impl Agent for Keeper {
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let first = ctx.rng().unit() * self.params.check_s;
        ctx.wake_in(secs(first));
    }

    fn wake(&mut self, ctx: &mut Ctx<'_>) {
        let venue = self.params.venue;
        let queued = ctx.liquidatable(venue);
        // Keepers compete: start at a random place in the list so they do not all pick the same.
        if !queued.is_empty() {
            let start = ctx.rng().below(queued.len() as u64) as usize;
            let me = ctx.account();
            let delay = secs(self.congestion_s);
            for k in 0..queued.len().min(self.params.max_per_check as usize) {
                let (account, market) = queued[(start + k) % queued.len()];
                if account != me {
                    ctx.send_delayed(
                        venue,
                        Command::Liquidate { keeper: me, account, market },
                        delay,
                    );
                }
            }
        }
        ctx.wake_in(secs(self.params.check_s));
    }

    fn signal(&mut self, _ctx: &mut Ctx<'_>, signal: &Signal) {
        if signal.name == "congestion" {
            self.congestion_s = signal.value.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        }
    }
}
