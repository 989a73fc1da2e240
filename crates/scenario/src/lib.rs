//! Scenario files: a versioned TOML description of a world (venues from presets, an exogenous
//! reference price, oracles, agent populations, a timeline of signals, run length), parsed with
//! errors that name the file, line and key, merged over included scenarios, validated (every
//! problem reported, not just the first) and built into a simulator world.
//!
//! This crate does not open files: callers pass the text and a resolver for `include`s. Built-in
//! scenarios are compiled in ([`BUILTIN`]).

mod build;
mod overrides;
mod schema;

use std::fmt;

pub use build::build;
pub use overrides::{with_overrides, Assignment};
pub use schema::Scenario;

/// Resolves an `include` name to `(text, file name for messages)`, or says why it cannot.
pub type Resolver<'a> = dyn FnMut(&str) -> Result<(String, String), String> + 'a;

/// The schema version this build reads.
pub const SCHEMA_VERSION: i64 = 1;

/// The default scenario `cascade run` uses without an argument.
pub const DEFAULT_SCENARIO: &str = "thin-book-flash-crash";

/// Built-in scenarios: (name, one-line description, TOML text).
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "thin-book-flash-crash",
        "a market maker pulls its quotes on a thin alt perp; leveraged longs are liquidated into the gap, the vault absorbs, ADL when it cannot",
        include_str!("../scenarios/thin-book-flash-crash.toml"),
    ),
    (
        "two-venue-contagion",
        "a market maker pulls its quotes on a CEX; the shock reaches a DEX through its oracle and arbitrageurs (1,000 agents, two venues)",
        include_str!("../scenarios/two-venue-contagion.toml"),
    ),
    (
        "spot-perp-keepers",
        "a loan-based market maker leaves a spot book that feeds a perp oracle; keeper-driven liquidations lag under congestion",
        include_str!("../scenarios/spot-perp-keepers.toml"),
    ),
    (
        "single-order-wipe",
        "GDAX ETH 2017: one large sell walks a thin book ~30%, stops and liquidations print far lower within seconds, makers bring it back within minutes",
        include_str!("../scenarios/single-order-wipe.toml"),
    ),
    (
        "mm-glitch-spike",
        "Bitget VOXEL 2025: a market maker's bot runs away on a thin, trending book; shorts are squeezed, the price triples; the venue rolls back the bot's trades",
        include_str!("../scenarios/mm-glitch-spike.toml"),
    ),
    (
        "margin-change-crash",
        "Binance ACT 2025: tighter margin tiers applied to existing positions liquidate whales into a thin book: -35% in a minute, -55% in 36, no rebound",
        include_str!("../scenarios/margin-change-crash.toml"),
    ),
    (
        "market-wide-cascade",
        "10 October 2025: a macro shock across a CEX and a Hyperliquid-style DEX (BTC, ETH, a thin alt); makers withdraw, longs are liquidated, vault then ADL; alts fall far deeper",
        include_str!("../scenarios/market-wide-cascade.toml"),
    ),
    (
        "collateral-depeg",
        "Binance USDe 10 Oct 2025: collateral valued at the venue's own thin spot prints falls 60% for 40 minutes and liquidates accounts solvent at redemption value",
        include_str!("../scenarios/collateral-depeg.toml"),
    ),
    (
        "oracle-manipulation",
        "Mango 2022: a thin spot market feeding the oracle is bought up 20x; the attacker's paper profit drains the venue",
        include_str!("../scenarios/oracle-manipulation.toml"),
    ),
    (
        "backstop-squeeze",
        "Hyperliquid JELLY 2025: a self-traded short is squeezed through the oracle's thin spot; the vault inherits it and bleeds until the venue settles at 0.0095",
        include_str!("../scenarios/backstop-squeeze.toml"),
    ),
    (
        "rmsc04-shape",
        "a benchmark shaped like ABIDES RMSC04: one exchange, 2 market makers, 102 value, 12 momentum, 1,000 noise agents, 6.5 hours",
        include_str!("../scenarios/rmsc04-shape.toml"),
    ),
    (
        "two-leg-crash",
        "Black Thursday 2020: the recorded ETH path falls in two legs hours apart; gas-congested keepers liquidate into an empty book; the insurance fund runs dry, bad debt remains",
        include_str!("../scenarios/two-leg-crash.toml"),
    ),
];

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// File (or built-in name).
    pub file: String,
    /// Line, 1-based, when known.
    pub line: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": `{key}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The text of a built-in scenario.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _, _)| *n == name).map(|(_, _, text)| *text)
}

/// Parses and validates a scenario. `resolve(name)` returns the text of an included file
/// (relative names resolve against the including file; `builtin:NAME` names a built-in).
///
/// # Errors
/// Every problem found, each with file, line and key where known, and a hint.
pub fn load(text: &str, file: &str, resolve: &mut Resolver<'_>) -> Result<Scenario, Problems> {
    schema::load(text, file, resolve, 0)
}

/// [`load`] for a built-in scenario by name.
///
/// # Errors
/// An unknown name (listing the known ones) or problems in the built-in.
pub fn load_builtin(name: &str) -> Result<Scenario, Problems> {
    let Some(text) = builtin(name) else {
        return Err(Problems(vec![Problem {
            file: name.to_string(),
            line: None,
            key: None,
            message: "no such built-in scenario".into(),
            hint: Some(format!(
                "choose one of: {} (or give a path to a .toml file)",
                BUILTIN.iter().map(|b| b.0).collect::<Vec<_>>().join(", ")
            )),
        }]));
    };
    load(text, &format!("builtin:{name}"), &mut builtin_resolver)
}

/// A resolver that knows only built-ins.
pub fn builtin_resolver(name: &str) -> Result<(String, String), String> {
    let bare = name.strip_prefix("builtin:").unwrap_or(name);
    builtin(bare)
        .map(|t| (t.to_string(), format!("builtin:{bare}")))
        .ok_or_else(|| format!("no built-in scenario `{bare}`"))
}
