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
    pub label: &'static str,
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
                                    label: se.label,
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

/// The metrics of summary.json in table order, each with its unit and a one-line explanation.
pub fn metric_rows(s: &RunSummary) -> Vec<MetricRow> {
    let m = &s.metrics;
    let row = |key, label, value: Option<f64>, unit: &'static str, decimals, explanation| {
        let text = match value {
            None => "—".to_string(),
            Some(v) => {
                let number = grouped(v, decimals);
                if unit.is_empty() {
                    number
                } else {
                    format!("{number} {unit}")
                }
            }
        };
        MetricRow { key, label, value, unit, text, explanation }
    };
    let count = |v: u64| Some(v as f64);
    vec![
        row("max_drawdown_pct", "Max drawdown", Some(m.max_drawdown_pct), "%", 1,
            "Largest fall of the primary market's mark price from its running peak."),
        row("time_to_trough_s", "Time to trough", Some(m.time_to_trough_s), "s", 0,
            "Seconds from the start of the run to the lowest mark price."),
        row("recovery_pct_after_600s", "Recovery after 600 s", m.recovery_pct_after_600s, "%", 1,
            "Share of the fall the mark price had won back 600 s after the trough (— if the run ended first)."),
        row("liquidated_notional_usd.long", "Liquidated longs", Some(m.liquidated_notional_usd.long), "USD", 0,
            "Notional of long positions closed by liquidation orders in the book."),
        row("liquidated_notional_usd.short", "Liquidated shorts", Some(m.liquidated_notional_usd.short), "USD", 0,
            "Notional of short positions closed by liquidation orders in the book."),
        row("liquidations_count", "Liquidations", count(m.liquidations_count), "", 0,
            "User accounts (or isolated positions) that fell below maintenance margin."),
        row("backstop_notional_usd", "Backstop takeovers", Some(m.backstop_notional_usd), "USD", 0,
            "Notional of positions the backstop vault or insurance fund took over from liquidated users."),
        row("insurance_fund_drawdown_usd", "Insurance fund drawdown", Some(m.insurance_fund_drawdown_usd), "USD", 0,
            "Largest fall of the insurance fund's balance below its starting balance."),
        row("adl_notional_usd", "ADL notional", Some(m.adl_notional_usd), "USD", 0,
            "Notional closed against profitable traders by auto-deleveraging when backstops could not cover a deficit."),
        row("adl_count", "ADL fills", count(m.adl_count), "", 0,
            "Auto-deleveraging fills, one per counterparty position reduced."),
        row("bad_debt_usd", "Bad debt", Some(m.bad_debt_usd), "USD", 0,
            "Deficits no backstop, insurance fund or ADL covered: a loss to the venue."),
        row("first_liquidation_s", "First liquidation", m.first_liquidation_s, "s", 0,
            "When the first user liquidation started (— if none)."),
        row("first_adl_s", "First ADL", m.first_adl_s, "s", 0,
            "When the first auto-deleveraging fill happened (— if none)."),
        row("depth_collapse_pct", "Depth collapse", Some(m.depth_collapse_pct), "%", 1,
            "Largest fall of the primary market's depth within 1% of mid below its first-minute average."),
        row("max_spread_bps", "Widest spread", Some(m.max_spread_bps), "bps", 0,
            "Widest bid-ask spread of the primary market, in basis points of the mid."),
        row("oi_change_pct", "Open interest change", Some(m.oi_change_pct), "%", 1,
            "Change of the primary market's open interest from its peak to the end (negative: positions were closed)."),
        row("safeguards_triggered", "Safeguards triggered", count(m.safeguards_triggered), "", 0,
            "Safeguard activations (halts, margin-tier changes) during the run."),
    ]
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
}
