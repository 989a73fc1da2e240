//! The report's data payload: a typed, serialisable description of the run and of every chart
//! (geometry, domains, series values, markers), embedded in the page as
//! `<script type="application/json" id="cascade-data">` and read by the page's script for hover
//! and zoom. Built by [`payload`], separately from the pixels, so it can be snapshot-tested.

use serde::Serialize;

use crate::chart::{time_domain, ChartSet, Layout, Marker, PlotRect, SeriesStyle};
use crate::read::{Run, RunSummary};

/// Version of the payload's shape; bump it when a field changes meaning.
pub const PAYLOAD_FORMAT: u32 = 1;

/// Significant digits kept for drawn values in the payload (the SVG uses full precision).
const DIGITS: i32 = 6;

/// Everything the page's script reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payload {
    /// [`PAYLOAD_FORMAT`].
    pub format: u32,
    /// Who, what and how the run was made.
    pub run: RunInfo,
    /// The headline metrics with their explanations.
    pub metrics: Vec<MetricRow>,
    /// The pixel geometry shared by every chart.
    pub layout: Layout,
    /// First and last second of the shared time axis.
    pub time_domain: [f64; 2],
    /// One entry per (venue, market), the primary market first.
    pub sets: Vec<SetPayload>,
}

/// The run's identity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// The scenario's own description.
    pub description: String,
    /// Seed.
    pub seed: u64,
    /// Event digest (SHA-256).
    pub digest: String,
    /// Version of cascade that made the run.
    pub version: String,
    /// Run folder layout version.
    pub output_version: u32,
    /// Simulated seconds.
    pub duration_s: u64,
    /// Engine events.
    pub events: u64,
    /// `"passed"`, `"failed"` or `"off"`.
    pub audit: &'static str,
    /// Engine steps the auditor checked.
    pub audit_steps: u64,
    /// The first broken invariant, when the audit failed.
    pub audit_failure: Option<String>,
}

/// One line of the metrics table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricRow {
    /// Key in summary.json's `metrics` (dotted for nested values).
    pub key: &'static str,
    /// Short name.
    pub label: &'static str,
    /// The value, if the run has one.
    pub value: Option<f64>,
    /// Its unit.
    pub unit: &'static str,
    /// The value as shown.
    pub text: String,
    /// What it means, in one line.
    pub explanation: &'static str,
}

/// The charts of one (venue, market).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetPayload {
    /// Venue name.
    pub venue: String,
    /// Market symbol.
    pub market: String,
    /// Whether this is the scenario's primary market.
    pub primary: bool,
    /// The seconds; every series has one value per entry.
    pub time_s: Vec<i64>,
    /// Events marked on the price chart, per second and kind.
    pub markers: Vec<Marker>,
    /// The charts, in page order.
    pub charts: Vec<ChartPayload>,
}

/// One chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChartPayload {
    /// Stable identifier.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit of the y axis.
    pub unit: &'static str,
    /// Height of the SVG.
    pub height: u32,
    /// The plot area inside the SVG.
    pub plot: PlotRect,
    /// The y range drawn (fixed when zooming).
    pub y_domain: [f64; 2],
    /// Whether the markers are drawn on this chart.
    pub markers: bool,
    /// The series.
    pub series: Vec<SeriesPayload>,
}

/// One series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesPayload {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub color: &'static str,
    /// Line or area.
    pub style: SeriesStyle,
    /// Values per second, rounded to six significant digits; `null` where missing.
    pub values: Vec<Option<f64>>,
}

/// Rounds to `digits` significant digits (for a compact, stable payload).
pub fn round_significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let magnitude = v.abs().log10().floor() as i32;
    let shift = digits - 1 - magnitude;
    if shift >= 0 {
        let f = 10f64.powi(shift.min(300));
        (v * f).round() / f
    } else {
        let f = 10f64.powi(-shift);
        (v / f).round() * f
    }
}

/// Builds the payload of a run from its chart sets.
pub fn payload(run: &Run, sets: &[ChartSet], layout: &Layout) -> Payload {
    let (t0, t1) = time_domain(sets);
    let s = &run.summary;
    Payload {
        format: PAYLOAD_FORMAT,
        run: RunInfo {
            scenario: s.scenario.clone(),
            description: run.description.clone(),
            seed: s.seed,
            digest: s.digest.clone(),
            version: s.version.clone(),
            output_version: s.output_version,
            duration_s: s.duration_s,
            events: s.events,
            audit: match (s.audit.enabled, s.audit.ok) {
                (false, _) => "off",
                (true, true) => "passed",
                (true, false) => "failed",
            },
            audit_steps: s.audit.steps,
            audit_failure: s.audit.first_failure.clone(),
        },
        metrics: metric_rows(s),
        layout: *layout,
        time_domain: [t0, t1],
        sets: sets
            .iter()
            .map(|set| SetPayload {
                venue: set.venue.clone(),
                market: set.market.clone(),
                primary: set.primary,
                time_s: set.time_s.clone(),
                markers: set
                    .markers
                    .iter()
                    .map(|m| Marker {
                        usd: m.usd.map(|v| round_significant(v, DIGITS)),
                        ..m.clone()
                    })
                    .collect(),
                charts: set
                    .charts
                    .iter()
                    .map(|c| {
                        let (lo, hi) = c.y_domain(layout);
                        ChartPayload {
                            id: c.id,
                            title: c.title,
                            unit: c.unit,
                            height: c.height,
                            plot: layout.plot_rect(c.height),
                            y_domain: [round_significant(lo, 8), round_significant(hi, 8)],
                            markers: c.markers,
                            series: c
                                .series
                                .iter()
                                .map(|se| SeriesPayload {
                                    label: se.label.to_string(),
                                    color: se.color,
                                    style: se.style,
                                    values: se
                                        .values
                                        .iter()
                                        .map(|v| v.map(|v| round_significant(v, DIGITS)))
                                        .collect(),
                                })
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Formats a number with thousands separators and `decimals` decimals.
pub(crate) fn grouped(v: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", v.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '−');
    }
    out
}

/// How a metric is shown: its names, label, unit, decimals and one-line explanation. The run
/// report's metrics table and the comparison and sweep reports share these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricInfo {
    /// Key in summary.json's `metrics` (dotted for nested values).
    pub key: &'static str,
    /// The flattened name experiments use (`cascade_experiment::metrics::METRICS`).
    pub name: &'static str,
    /// Short name.
    pub label: &'static str,
    /// Unit (empty for counts).
    pub unit: &'static str,
    /// Decimals shown for one run's value.
    pub decimals: usize,
    /// What it means, in one line.
    pub explanation: &'static str,
}

const fn info(
    key: &'static str,
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    decimals: usize,
    explanation: &'static str,
) -> MetricInfo {
    MetricInfo { key, name, label, unit, decimals, explanation }
}

/// Every metric of a run, in table order.
#[rustfmt::skip]
pub const METRIC_INFO: &[MetricInfo] = &[
    info("max_drawdown_pct", "max_drawdown_pct", "Max drawdown", "%", 1,
        "Largest fall of the primary market's mark price from its running peak."),
    info("time_to_trough_s", "time_to_trough_s", "Time to trough", "s", 0,
        "Seconds from the start of the run to the lowest mark price."),
    info("recovery_pct_after_600s", "recovery_pct_after_600s", "Recovery after 600 s", "%", 1,
        "Share of the fall the mark price had won back 600 s after the trough (— if the run ended first)."),
    info("liquidated_notional_usd.long", "liquidated_long_usd", "Liquidated longs", "USD", 0,
        "Notional of long positions closed by liquidation orders in the book."),
    info("liquidated_notional_usd.short", "liquidated_short_usd", "Liquidated shorts", "USD", 0,
        "Notional of short positions closed by liquidation orders in the book."),
    info("liquidations_count", "liquidations_count", "Liquidations", "", 0,
        "User accounts (or isolated positions) that fell below maintenance margin."),
    info("backstop_notional_usd", "backstop_notional_usd", "Backstop takeovers", "USD", 0,
        "Notional of positions the backstop vault or insurance fund took over from liquidated users."),
    info("insurance_fund_drawdown_usd", "insurance_fund_drawdown_usd", "Insurance fund drawdown", "USD", 0,
        "Largest fall of the insurance fund's balance below its starting balance."),
    info("adl_notional_usd", "adl_notional_usd", "ADL notional", "USD", 0,
        "Notional closed against profitable traders by auto-deleveraging when backstops could not cover a deficit."),
    info("adl_count", "adl_count", "ADL fills", "", 0,
        "Auto-deleveraging fills, one per counterparty position reduced."),
    info("bad_debt_usd", "bad_debt_usd", "Bad debt", "USD", 0,
        "Deficits no backstop, insurance fund or ADL covered: a loss to the venue."),
    info("first_liquidation_s", "first_liquidation_s", "First liquidation", "s", 0,
        "When the first user liquidation started (— if none)."),
    info("first_adl_s", "first_adl_s", "First ADL", "s", 0,
        "When the first auto-deleveraging fill happened (— if none)."),
    info("depth_collapse_pct", "depth_collapse_pct", "Depth collapse", "%", 1,
        "Largest fall of the primary market's depth within 1% of mid below its first-minute average."),
    info("max_spread_bps", "max_spread_bps", "Widest spread", "bps", 0,
        "Widest bid-ask spread of the primary market, in basis points of the mid."),
    info("oi_change_pct", "oi_change_pct", "Open interest change", "%", 1,
        "Change of the primary market's open interest from its peak to the end (negative: positions were closed)."),
    info("safeguards_triggered", "safeguards_triggered", "Safeguards triggered", "", 0,
        "Safeguard activations during the run: halts (circuit breaker or exchange), margin-tier changes, clamps, caps and rails that fired, rollbacks and forced settlements."),
    info("max_rise_pct", "max_rise_pct", "Max rise", "%", 1,
        "Largest rise of the primary market's mark price above its running low (a squeeze or a pump; +100% is a doubling)."),
    info("withdrawn_usd", "withdrawn_usd", "Withdrawn", "USD", 0,
        "Collateral withdrawn from all venues during the run; a venue drained against paper profit shows here."),
    info("vault_drawdown_usd", "vault_drawdown_usd", "Vault drawdown", "USD", 0,
        "Largest fall of the primary venue's backstop vault equity below its start (a liquidator vault bleeding on inherited positions)."),
];

/// The display information of a metric, by its experiment name (`liquidated_long_usd`) or its
/// summary.json key (`liquidated_notional_usd.long`).
pub fn metric_info(name: &str) -> Option<&'static MetricInfo> {
    METRIC_INFO.iter().find(|m| m.name == name || m.key == name)
}

impl MetricInfo {
    /// A value as shown: grouped digits, this metric's decimals and unit; `—` for none.
    pub fn format(&self, value: Option<f64>) -> String {
        self.format_with(value, self.decimals)
    }

    /// A mean or a difference of means: like [`MetricInfo::format`], with one decimal more for
    /// counts (a mean of counts is rarely whole).
    pub fn format_mean(&self, value: Option<f64>) -> String {
        self.format_with(
            value,
            if self.unit.is_empty() { self.decimals + 1 } else { self.decimals },
        )
    }

    fn format_with(&self, value: Option<f64>, decimals: usize) -> String {
        match value.filter(|v| v.is_finite()) {
            None => "—".to_string(),
            Some(v) => {
                let number = grouped(v, decimals);
                if self.unit.is_empty() {
                    number
                } else {
                    format!("{number} {}", self.unit)
                }
            }
        }
    }
}

/// The metrics of summary.json in table order, each with its unit and a one-line explanation.
pub fn metric_rows(s: &RunSummary) -> Vec<MetricRow> {
    let m = &s.metrics;
    let count = |v: u64| Some(v as f64);
    METRIC_INFO
        .iter()
        .map(|info| {
            let value = match info.key {
                "max_drawdown_pct" => Some(m.max_drawdown_pct),
                "time_to_trough_s" => Some(m.time_to_trough_s),
                "recovery_pct_after_600s" => m.recovery_pct_after_600s,
                "liquidated_notional_usd.long" => Some(m.liquidated_notional_usd.long),
                "liquidated_notional_usd.short" => Some(m.liquidated_notional_usd.short),
                "liquidations_count" => count(m.liquidations_count),
                "backstop_notional_usd" => Some(m.backstop_notional_usd),
                "insurance_fund_drawdown_usd" => Some(m.insurance_fund_drawdown_usd),
                "adl_notional_usd" => Some(m.adl_notional_usd),
                "adl_count" => count(m.adl_count),
                "bad_debt_usd" => Some(m.bad_debt_usd),
                "first_liquidation_s" => m.first_liquidation_s,
                "first_adl_s" => m.first_adl_s,
                "depth_collapse_pct" => Some(m.depth_collapse_pct),
                "max_spread_bps" => Some(m.max_spread_bps),
                "oi_change_pct" => Some(m.oi_change_pct),
                "safeguards_triggered" => count(m.safeguards_triggered),
                "max_rise_pct" => Some(m.max_rise_pct),
                "withdrawn_usd" => Some(m.withdrawn_usd),
                "vault_drawdown_usd" => Some(m.vault_drawdown_usd),
                other => unreachable!("metric `{other}` has no value in RunSummary"),
            };
            MetricRow {
                key: info.key,
                label: info.label,
                value,
                unit: info.unit,
                text: info.format(value),
                explanation: info.explanation,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_and_grouping() {
        assert_eq!(round_significant(1234.56789, 6), 1234.57);
        assert_eq!(round_significant(0.000123456789, 6), 0.000123457);
        assert_eq!(round_significant(-98765432.1, 6), -98765400.0);
        assert_eq!(round_significant(0.0, 6), 0.0);
        assert_eq!(grouped(5_993_319.74, 0), "5,993,320");
        assert_eq!(grouped(-76.1636, 1), "−76.2");
        assert_eq!(grouped(-0.01, 1), "0.0");
        assert_eq!(grouped(999.0, 0), "999");
    }

    #[test]
    fn every_experiment_metric_has_an_explanation() {
        for name in cascade_experiment::metrics::METRICS {
            let info = metric_info(name).unwrap_or_else(|| panic!("no MetricInfo for `{name}`"));
            assert_eq!(info.name, *name);
            assert!(!info.explanation.is_empty());
        }
        assert_eq!(METRIC_INFO.len(), cascade_experiment::metrics::METRICS.len());
        let long = metric_info("liquidated_notional_usd.long").unwrap();
        assert_eq!(long.name, "liquidated_long_usd");
        assert_eq!(long.format(Some(12_345.6)), "12,346 USD");
        let count = metric_info("adl_count").unwrap();
        assert_eq!(
            (count.format(Some(3.0)), count.format_mean(Some(2.5))),
            ("3".into(), "2.5".into())
        );
        assert_eq!(count.format(None), "—");
    }
}
