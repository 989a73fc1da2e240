//! Agent behaviours for the simulator. Each agent reads delayed market snapshots and its own
//! account, and acts only by sending commands to venues; crashes come from what they do.
//!
//! - [`MarketMaker`]: inventory-skewed multi-level quotes that widen with volatility; failure
//!   modes switched on by timeline signals (`pull_quotes`, `stale_quotes`, `fat_finger`,
//!   `one_sided`, `resume`).
//! - [`LeveragedTrader`]: opens a leveraged position by a trend or noise rule, keeps a stop-loss.
//! - [`NoiseTrader`]: random small orders at random times.
//! - [`MomentumBot`]: fast, trades in the direction of the recent move, exits after a hold.
//! - [`Arbitrageur`]: buys the cheap venue and sells the rich one, within inventory limits.
//! - [`ValueTrader`]: trades toward a noisy observation of the fundamental (the reference).
//! - [`LoanMaker`]: a maker quoting a borrowed token under a call option; withdraws (and sells)
//!   when the option is out of the money or the loan is recalled.
//! - [`Keeper`]: an outside liquidator for venues that wait for one.
//! - [`Holder`]: a passive account (outside supply, positions loaded from a file).

mod arbitrage;
mod common;
mod holder;
mod keeper;
mod loan;
mod maker;
mod manipulator;
mod momentum;
mod noise;
mod trader;
mod value;

pub use arbitrage::{ArbitrageParams, Arbitrageur};
pub use common::Place;
pub use holder::Holder;
pub use keeper::{Keeper, KeeperParams};
pub use loan::{LoanMaker, LoanParams};
pub use maker::{MakerParams, MarketMaker};
pub use manipulator::{Manipulator, ManipulatorParams};
pub use momentum::{MomentumBot, MomentumParams};
pub use noise::{NoiseParams, NoiseTrader};
pub use trader::{LeveragedTrader, TraderParams};
pub use value::{ValueParams, ValueTrader};
