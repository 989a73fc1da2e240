//! The self-contained HTML report of a Cascade run.
//!
//! [`render`] reads a run folder written by `cascade run` (summary.json, scenario.toml,
//! timeseries.parquet, events.parquet), draws its charts and writes `report.html` beside them:
//!
//! - one chart group per (venue, market), the primary market first: prices with liquidation,
//!   backstop, ADL and safeguard markers; near-mid depth; spread; liquidated notional per
//!   second; insurance fund and vault equity; ADL notional; open interest; funding;
//! - a table of the run's metrics with a one-line explanation each, the scenario's description,
//!   seed, digest, audit status and version;
//! - hover (values at a second, on every chart at once) and zoom on the shared time axis, by a
//!   small script of our own that reads the [`Payload`] embedded as JSON.
//!
//! The page makes no network request: styles, script, data and charts (SVG drawn by plotters in
//! Rust) are inline, and a Content-Security-Policy forbids loading anything. The file is written
//! to a temporary name and renamed, so a failed render never leaves a partial report.
//!
//! The chart model ([`ChartSet`], [`render_svg`]) takes rows rather than files so a live page
//! can draw the same charts from a running simulation.
//!
//! Experiments get reports too, written the same way (offline, atomic, typed errors):
//! [`render_compare`] reads a comparison folder's `compare.json` (paired differences per metric
//! as tables and forest plots, the primary market overlaid per variant with hover and zoom), and
//! [`render_sweep`] a sweep folder's `sweep.json` (box plots and quantile tables of the tail
//! metrics per grid point, heat maps for two-key grids).

mod chart;
mod compare;
mod error;
mod experiment;
mod figures;
mod html;
mod payload;
mod read;
mod svg;
mod sweep;

use std::path::{Path, PathBuf};

pub use chart::{
    chart_sets, time_domain, time_label, time_ticks, Chart, ChartSet, Column, Layout, Marker,
    MarkerKind, PlotRect, Series, SeriesStyle, MAX_TIME_TICKS,
};
pub use compare::{
    build_compare, compare_page, compare_payload, overlay_chart_set, read_compare, render_compare,
    ComparePayload, DifferenceRow, MetricComparison, OverlayPayload, VariantInfo,
    COMPARE_PAYLOAD_FORMAT,
};
pub use error::ReportError;
pub use html::page;
pub use payload::{
    metric_info, metric_rows, payload, round_significant, ChartPayload, MetricInfo, MetricRow,
    Payload, RunInfo, SeriesPayload, SetPayload, METRIC_INFO, PAYLOAD_FORMAT,
};
pub use read::{
    read_marker_events, read_run, read_summary, read_timeseries, Audit, LongShort, MarkerEvent,
    Metrics, Run, RunSummary, SCENARIO_FILE, SUMMARY_FILE,
};
pub use svg::render_svg;
pub use sweep::{build_sweep, read_sweep, render_sweep, sweep_page};

/// File name of the report inside a run folder.
pub const REPORT_FILE: &str = "report.html";

/// The chart sets of a run: its rows grouped per market (primary first) with its marked events
/// attached. An event belongs to the second whose row reports it (a row at `t` covers the
/// second ending at `t`); an event without a market (a cross-margin liquidation, a halt) is
/// marked on every market of its venue.
pub fn run_chart_sets(run: &Run) -> Vec<ChartSet> {
    let primary = run.primary.as_ref().map(|(v, m)| (v.as_str(), m.as_str()));
    let mut sets = chart_sets(&run.timeseries, primary);
    for e in &run.events {
        let second = e.time_ns.div_euclid(1_000_000_000)
            + i64::from(e.time_ns.rem_euclid(1_000_000_000) != 0);
        for set in sets
            .iter_mut()
            .filter(|s| s.venue == e.venue && e.market.as_ref().is_none_or(|m| *m == s.market))
        {
            set.push_marker(second, e.kind, e.amount_usd, e.detail.as_deref());
        }
    }
    sets
}

/// Reads the run folder `dir` and returns the page and its payload, writing nothing.
pub fn build(dir: &Path, layout: &Layout) -> Result<(String, Payload), ReportError> {
    let run = read_run(dir)?;
    let sets = run_chart_sets(&run);
    let data = payload(&run, &sets, layout);
    let html = page(&run, &sets, &data, layout)?;
    Ok((html, data))
}

/// Reads the run folder `dir` and writes `dir/report.html` atomically; returns its path.
///
/// On any error nothing is written: no report, no temporary file.
pub fn render(dir: &Path) -> Result<PathBuf, ReportError> {
    let (html, _) = build(dir, &Layout::default())?;
    let path = dir.join(REPORT_FILE);
    cascade_output::write_text_atomic(&path, &html)?;
    Ok(path)
}
