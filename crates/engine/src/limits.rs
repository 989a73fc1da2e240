//! Named limits of the engine, in one place. Exceeding one is a rejection, never silent growth.

/// Most positions (one per market) an account holds: bounded by the venue's market count, which
/// `VenueConfig::validate` caps at `u16::MAX`.
pub const MARKETS_MAX: usize = u16::MAX as usize;

/// Most counterparties an ADL pass visits for one bankrupt position before stopping (dYdX scans
/// at most 500 per deleveraging; we allow more because the simulator has no block time budget).
pub const ADL_COUNTERPARTIES_MAX: usize = 100_000;

/// Most premium samples held for a Binance-style mark basis moving average.
pub const BASIS_SAMPLES_MAX: usize = 4_096;

/// Ids of orders the engine places itself start here (the top bit is reserved).
pub const ENGINE_ORDER_ID_FIRST: u64 = cascade_model::OrderId::ENGINE_BIT;

/// Largest price accepted, in ticks (oracle inputs and orders). With the two limits below it keeps
/// every valuation `size × price × quote_per_tick_lot` far inside `i128`.
pub const PRICE_TICKS_MAX: i64 = 1_000_000_000_000;

/// Largest order size and position size, in lots.
pub const SIZE_LOTS_MAX: i64 = 1_000_000_000_000;

/// Largest quote value of one tick on one lot, in micro-units.
pub const QUOTE_PER_TICK_LOT_MAX: i64 = 1_000_000_000;
