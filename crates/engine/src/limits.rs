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

/// Largest command timestamp accepted (2^62 ns, about 146 years); later ones are rejected with
/// `ArithmeticOverflow`. Scheduled due times saturate, so schedule arithmetic never overflows.
pub const TIME_NS_MAX: u64 = 1 << 62;

/// Longest gap between two commands (366 days): the schedule runs every interval in between,
/// so one command may not ask for more than this much catch-up work. Longer gaps are rejected
/// with `ArithmeticOverflow`; step time forward with `Tick`s instead.
pub const CATCH_UP_NS_MAX: u64 = 366 * 86_400 * 1_000_000_000;

/// How far past the highest allocated account id a new account id may be. Account slots are
/// dense (a `Vec` indexed by id), so this bounds the memory one `OpenAccount` can allocate.
pub const ACCOUNT_ID_GAP_MAX: u32 = 65_536;

/// Funding payments are capped so that a whole side's payment (open interest × oracle × rate)
/// stays within this many micro-units, whatever the oracle does.
pub const FUNDING_SIDE_MAX: i64 = i64::MAX / 4;

/// Largest balance an order may bring within reach: an order is rejected (`ArithmeticOverflow`)
/// if it, with the account's resting orders on the same side, could move the receiving balance
/// past this, which leaves half of `i64` as headroom for fees, funding and liquidation transfers.
pub const CASH_MAX: i64 = i64::MAX / 2;
