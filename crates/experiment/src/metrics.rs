//! The metrics an experiment compares, taken from a run's summary in a fixed order.

use cascade_sim::Summary;

/// Metric names, in the order of [`values`] (the names of `summary.json`'s `metrics`, with the
/// long/short split flattened).
pub const METRICS: &[&str] = &[
    "max_drawdown_pct",
    "time_to_trough_s",
    "recovery_pct_after_600s",
    "liquidated_long_usd",
    "liquidated_short_usd",
    "liquidations_count",
    "backstop_notional_usd",
    "bad_debt_usd",
    "insurance_fund_drawdown_usd",
    "adl_notional_usd",
    "adl_count",
    "first_liquidation_s",
    "first_adl_s",
    "depth_collapse_pct",
    "max_spread_bps",
    "oi_change_pct",
    "safeguards_triggered",
    "max_rise_pct",
    "withdrawn_usd",
    "vault_drawdown_usd",
];

/// The "how bad can it get" metrics whose quantiles a sweep summarises per grid point.
pub const TAIL_METRICS: &[&str] =
    &["bad_debt_usd", "insurance_fund_drawdown_usd", "adl_notional_usd", "max_drawdown_pct"];

/// A run's metric values in [`METRICS`] order (None where the run has no value, e.g. no ADL).
pub fn values(s: &Summary) -> Vec<Option<f64>> {
    vec![
        Some(s.max_drawdown_pct),
        Some(s.time_to_trough_s),
        s.recovery_pct_after_600s,
        Some(s.liquidated_long_usd),
        Some(s.liquidated_short_usd),
        Some(s.liquidations_count as f64),
        Some(s.backstop_notional_usd),
        Some(s.bad_debt_usd),
        Some(s.insurance_fund_drawdown_usd),
        Some(s.adl_notional_usd),
        Some(s.adl_count as f64),
        s.first_liquidation_s,
        s.first_adl_s,
        Some(s.depth_collapse_pct),
        Some(s.max_spread_bps),
        Some(s.oi_change_pct),
        Some(s.safeguards_triggered as f64),
        Some(s.max_rise_pct),
        Some(s.withdrawn_usd),
        Some(s.vault_drawdown_usd),
    ]
}

/// Index of a metric in [`METRICS`].
pub fn index(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| *m == name)
}
