//! The chart model, independent of where the rows come from: a [`ChartSet`] per (venue, market)
//! holds the seconds, one [`Series`] per drawn quantity grouped into [`Chart`]s, and the
//! [`Marker`]s (liquidations, backstop takeovers, ADL fills, safeguards) aggregated per second.
//!
//! It is built from [`TimeseriesRow`]s, the rows `cascade run` writes (the simulator's
//! `SecondRow` has the same fields), either all at once ([`chart_sets`]) or one row at a time
//! ([`ChartSet::push_row`]) as a live page would. [`Layout`] fixes the pixel geometry that both
//! the SVG ([`crate::render_svg`]) and the page's script use, and [`time_ticks`] the time-axis
//! ticks (the script computes the same ticks again when zoomed).

use std::collections::BTreeMap;

use cascade_output::TimeseriesRow;
use serde::Serialize;

/// What a marker marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    /// Liquidations started on user accounts.
    Liquidation,
    /// Positions taken over by a backstop (`PositionTransferred`).
    Backstop,
    /// Auto-deleveraging fills.
    Adl,
    /// Safeguards: market halts and reopenings, margin-tier changes.
    Safeguard,
}

impl MarkerKind {
    /// Every kind, in lane order (bottom lane first).
    pub const ALL: [MarkerKind; 4] =
        [MarkerKind::Liquidation, MarkerKind::Backstop, MarkerKind::Adl, MarkerKind::Safeguard];

    /// The name used in the payload and as a CSS class (`mk-liquidation`, …).
    pub fn key(self) -> &'static str {
        match self {
            MarkerKind::Liquidation => "liquidation",
            MarkerKind::Backstop => "backstop",
            MarkerKind::Adl => "adl",
            MarkerKind::Safeguard => "safeguard",
        }
    }

    /// Legend text.
    pub fn label(self) -> &'static str {
        match self {
            MarkerKind::Liquidation => "liquidations",
            MarkerKind::Backstop => "backstop takeovers",
            MarkerKind::Adl => "ADL fills",
            MarkerKind::Safeguard => "safeguards",
        }
    }

    /// Colour (CSS hex).
    pub fn color(self) -> &'static str {
        match self {
            MarkerKind::Liquidation => "#d62728",
            MarkerKind::Backstop => "#ff7f0e",
            MarkerKind::Adl => "#9467bd",
            MarkerKind::Safeguard => "#17becf",
        }
    }

    /// The lane's index from the bottom of the plot.
    pub fn lane(self) -> u32 {
        match self {
            MarkerKind::Liquidation => 0,
            MarkerKind::Backstop => 1,
            MarkerKind::Adl => 2,
            MarkerKind::Safeguard => 3,
        }
    }
}

/// The events of one kind in one second of one market.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Marker {
    /// The second (seconds since the start).
    #[serde(rename = "t")]
    pub time_s: i64,
    /// What happened.
    pub kind: MarkerKind,
    /// How many events.
    pub count: u32,
    /// Their summed USD amount (backstop and ADL notional), if they carry one.
    pub usd: Option<f64>,
    /// Descriptions (safeguards only: which one, and what it set).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStyle {
    /// A line; gaps where values are missing.
    Line,
    /// A line filled down to zero (per-second amounts).
    Area,
}

/// A column of [`TimeseriesRow`], possibly rescaled for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// `last`.
    Last,
    /// `mark`.
    Mark,
    /// `oracle`.
    Oracle,
    /// `reference`.
    Reference,
    /// `depth_1pct_usd`.
    Depth1Pct,
    /// `depth_5pct_usd`.
    Depth5Pct,
    /// `spread_bps`.
    SpreadBps,
    /// `liquidated_long_usd`.
    LiquidatedLong,
    /// `liquidated_short_usd`.
    LiquidatedShort,
    /// `insurance_fund_usd`.
    InsuranceFund,
    /// `vault_equity_usd`.
    VaultEquity,
    /// `adl_usd`.
    Adl,
    /// `open_interest_usd`.
    OpenInterestUsd,
    /// `funding_rate` in basis points (× 10,000).
    FundingBps,
}

impl Column {
    /// The value in `row`; `None` where the row has none (or it is not a finite number).
    pub fn get(self, row: &TimeseriesRow) -> Option<f64> {
        let v = match self {
            Column::Last => row.last,
            Column::Mark => row.mark,
            Column::Oracle => row.oracle,
            Column::Reference => row.reference,
            Column::Depth1Pct => Some(row.depth_1pct_usd),
            Column::Depth5Pct => Some(row.depth_5pct_usd),
            Column::SpreadBps => row.spread_bps,
            Column::LiquidatedLong => Some(row.liquidated_long_usd),
            Column::LiquidatedShort => Some(row.liquidated_short_usd),
            Column::InsuranceFund => Some(row.insurance_fund_usd),
            Column::VaultEquity => Some(row.vault_equity_usd),
            Column::Adl => Some(row.adl_usd),
            Column::OpenInterestUsd => Some(row.open_interest_usd),
            Column::FundingBps => Some(row.funding_rate * 10_000.0),
        };
        v.filter(|v| v.is_finite())
    }
}

/// One drawn quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Where the values come from.
    pub column: Column,
    /// Legend text.
    pub label: &'static str,
    /// Colour (CSS hex).
    pub color: &'static str,
    /// Line or area.
    pub style: SeriesStyle,
    /// One value per second of the set (`None`: no value that second).
    pub values: Vec<Option<f64>>,
}

/// One chart: series sharing a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Stable identifier (also the SVG's id suffix).
    pub id: &'static str,
    /// Title above the chart.
    pub title: &'static str,
    /// Unit of the y axis.
    pub unit: &'static str,
    /// Height of the whole SVG, pixels.
    pub height: u32,
    /// Whether the y axis always includes zero.
    pub zero_based: bool,
    /// Whether the set's markers are drawn (in lanes along the bottom).
    pub markers: bool,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

struct SeriesDef(Column, &'static str, &'static str, SeriesStyle);

struct ChartDef {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    height: u32,
    zero_based: bool,
    markers: bool,
    series: &'static [SeriesDef],
}

use SeriesStyle::{Area, Line};

/// The charts of every set, in page order.
const CHARTS: &[ChartDef] = &[
    ChartDef {
        id: "price",
        title: "Price: last trade, mark, oracle, external reference",
        unit: "USD",
        height: 300,
        zero_based: false,
        markers: true,
        series: &[
            SeriesDef(Column::Reference, "external reference", "#9e9e9e", Line),
            SeriesDef(Column::Oracle, "oracle", "#2ca02c", Line),
            SeriesDef(Column::Mark, "mark", "#d62728", Line),
            SeriesDef(Column::Last, "last trade", "#1f77b4", Line),
        ],
    },
    ChartDef {
        id: "depth",
        title: "Near-mid depth (both sides, within 1% and 5% of mid)",
        unit: "USD",
        height: 190,
        zero_based: true,
        markers: false,
        series: &[
            SeriesDef(Column::Depth5Pct, "within 5%", "#9467bd", Area),
            SeriesDef(Column::Depth1Pct, "within 1%", "#1f77b4", Area),
        ],
    },
    ChartDef {
        id: "spread",
        title: "Spread",
        unit: "bps",
        height: 160,
        zero_based: true,
        markers: false,
        series: &[SeriesDef(Column::SpreadBps, "spread", "#8c564b", Line)],
    },
    ChartDef {
        id: "liquidations",
        title: "Liquidated notional per second",
        unit: "USD/s",
        height: 190,
        zero_based: true,
        markers: false,
        series: &[
            SeriesDef(Column::LiquidatedLong, "longs", "#d62728", Area),
            SeriesDef(Column::LiquidatedShort, "shorts", "#2ca02c", Area),
        ],
    },
    ChartDef {
        id: "backstops",
        title: "Insurance fund and backstop vault equity",
        unit: "USD",
        height: 190,
        zero_based: true,
        markers: false,
        series: &[
            SeriesDef(Column::InsuranceFund, "insurance fund", "#1f77b4", Line),
            SeriesDef(Column::VaultEquity, "vault equity", "#ff7f0e", Line),
        ],
    },
    ChartDef {
        id: "adl",
        title: "Auto-deleveraged notional per second",
        unit: "USD/s",
        height: 160,
        zero_based: true,
        markers: false,
        series: &[SeriesDef(Column::Adl, "ADL", "#9467bd", Area)],
    },
    ChartDef {
        id: "open_interest",
        title: "Open interest (one side, at mark)",
        unit: "USD",
        height: 160,
        zero_based: true,
        markers: false,
        series: &[SeriesDef(Column::OpenInterestUsd, "open interest", "#17becf", Line)],
    },
    ChartDef {
        id: "funding",
        title: "Funding rate of the last interval (positive: longs pay shorts)",
        unit: "bps",
        height: 160,
        zero_based: true,
        markers: false,
        series: &[SeriesDef(Column::FundingBps, "funding rate", "#bcbd22", Line)],
    },
];

/// The charts of one (venue, market).
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSet {
    /// Venue name.
    pub venue: String,
    /// Market symbol.
    pub market: String,
    /// Whether this is the scenario's primary market (drawn first).
    pub primary: bool,
    /// The seconds, one per pushed row.
    pub time_s: Vec<i64>,
    /// The charts, in page order; every series has one value per second.
    pub charts: Vec<Chart>,
    /// Markers sorted by (second, kind).
    pub markers: Vec<Marker>,
}

impl ChartSet {
    /// An empty set with every chart and no seconds.
    pub fn new(venue: &str, market: &str) -> Self {
        let charts = CHARTS
            .iter()
            .map(|d| Chart {
                id: d.id,
                title: d.title,
                unit: d.unit,
                height: d.height,
                zero_based: d.zero_based,
                markers: d.markers,
                series: d
                    .series
                    .iter()
                    .map(|&SeriesDef(column, label, color, style)| Series {
                        column,
                        label,
                        color,
                        style,
                        values: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        ChartSet {
            venue: venue.to_string(),
            market: market.to_string(),
            primary: false,
            time_s: Vec::new(),
            charts,
            markers: Vec::new(),
        }
    }

    /// Appends one second. The row's venue and market are not checked: callers route rows.
    pub fn push_row(&mut self, row: &TimeseriesRow) {
        self.time_s.push(row.time_s);
        for series in self.charts.iter_mut().flat_map(|c| c.series.iter_mut()) {
            series.values.push(series.column.get(row));
        }
    }

    /// Adds one event to the marker of its second and kind.
    pub fn push_marker(
        &mut self,
        time_s: i64,
        kind: MarkerKind,
        usd: Option<f64>,
        label: Option<&str>,
    ) {
        let at = self.markers.partition_point(|m| (m.time_s, m.kind) < (time_s, kind));
        let marker = match self.markers.get_mut(at) {
            Some(m) if m.time_s == time_s && m.kind == kind => m,
            _ => {
                self.markers
                    .insert(at, Marker { time_s, kind, count: 0, usd: None, labels: Vec::new() });
                &mut self.markers[at]
            }
        };
        marker.count += 1;
        if let Some(usd) = usd.filter(|v| v.is_finite()) {
            marker.usd = Some(marker.usd.unwrap_or(0.0) + usd.abs());
        }
        if let Some(label) = label {
            marker.labels.push(label.to_string());
        }
    }

    /// First and last second, if any.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        Some((*self.time_s.iter().min()?, *self.time_s.iter().max()?))
    }
}

/// Groups rows into one [`ChartSet`] per (venue, market), in order of first appearance with the
/// `primary` (venue, market) moved first.
pub fn chart_sets<'a>(
    rows: impl IntoIterator<Item = &'a TimeseriesRow>,
    primary: Option<(&str, &str)>,
) -> Vec<ChartSet> {
    let mut sets: Vec<ChartSet> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in rows {
        let key = (row.venue.clone(), row.market.clone());
        let i = *index.entry(key).or_insert_with(|| {
            sets.push(ChartSet::new(&row.venue, &row.market));
            sets.len() - 1
        });
        sets[i].push_row(row);
    }
    if let Some((venue, market)) = primary {
        if let Some(i) = sets.iter().position(|s| s.venue == venue && s.market == market) {
            let mut set = sets.remove(i);
            set.primary = true;
            sets.insert(0, set);
        }
    }
    sets
}

/// The pixel geometry shared by every chart: same width and same plot-area left edge, so the
/// time axes line up; heights vary per chart.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Layout {
    /// Width of every SVG, pixels.
    pub width: u32,
    /// Space left of the y axis for its labels.
    pub y_label_area: u32,
    /// Space below the plot for the time-axis labels.
    pub x_label_area: u32,
    /// Margin above the plot.
    pub margin_top: u32,
    /// Margin right of the plot.
    pub margin_right: u32,
    /// Data are drawn at this many units per pixel and scaled down, so lines keep sub-pixel
    /// precision when the time axis is zoomed.
    pub supersample: u32,
    /// Height of one marker lane, pixels.
    pub lane_height: u32,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            width: 960,
            y_label_area: 70,
            x_label_area: 24,
            margin_top: 10,
            margin_right: 26,
            supersample: 8,
            lane_height: 8,
        }
    }
}

/// The plot area of a chart inside its SVG, pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PlotRect {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Layout {
    /// The plot area of a chart `height` pixels tall.
    pub fn plot_rect(&self, height: u32) -> PlotRect {
        let left = self.y_label_area;
        let top = self.margin_top;
        PlotRect {
            left,
            top,
            width: self.width.saturating_sub(left + self.margin_right).max(1),
            height: height.saturating_sub(top + self.x_label_area).max(1),
        }
    }

    /// Pixels at the bottom of a marker chart reserved for the marker lanes.
    pub fn lanes_height(&self) -> u32 {
        self.lane_height * MarkerKind::ALL.len() as u32 + 4
    }
}

/// The time domain shared by every chart of a report: first to last second over all sets
/// (at least one second wide).
pub fn time_domain(sets: &[ChartSet]) -> (f64, f64) {
    let (lo, hi) = sets
        .iter()
        .filter_map(ChartSet::time_range)
        .fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let (lo, hi) = (lo as f64, hi as f64);
    (lo, if hi > lo { hi } else { lo + 1.0 })
}

impl Chart {
    /// The y range drawn: the values' range padded by 5% (and always including zero for
    /// zero-based charts), with room at the bottom for the marker lanes when the chart has them.
    /// The range does not change when the time axis is zoomed.
    pub fn y_domain(&self, layout: &Layout) -> (f64, f64) {
        let (mut lo, mut hi) = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        if lo > hi {
            (lo, hi) = (0.0, 1.0);
        }
        if self.zero_based {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
            let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.05 };
            (lo, hi) = (lo - pad, hi + pad);
        }
        let span = hi - lo;
        hi += span * 0.05;
        if lo < 0.0 || !self.zero_based {
            lo -= span * 0.05;
        }
        if self.markers {
            let plot = f64::from(layout.plot_rect(self.height).height);
            let lanes = f64::from(layout.lanes_height()).min(plot / 2.0);
            // Extend downwards so that the data sit above the lanes.
            lo -= (hi - lo) * lanes / (plot - lanes);
        }
        (lo, hi)
    }
}

/// Tick spacings for the time axis, seconds.
const TICK_STEPS: [i64; 18] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200,
    86_400,
];

/// At most this many time-axis ticks per chart.
pub const MAX_TIME_TICKS: i64 = 10;

/// Ticks for the time axis over `[t0, t1]` seconds: the smallest spacing from a fixed list that
/// gives at most [`MAX_TIME_TICKS`] ticks, on multiples of it. The page's script does the same.
pub fn time_ticks(t0: f64, t1: f64) -> Vec<i64> {
    let span = (t1 - t0).max(1.0);
    let step = TICK_STEPS
        .iter()
        .copied()
        .find(|&s| span / s as f64 <= MAX_TIME_TICKS as f64)
        .unwrap_or(86_400 * ((span / 86_400.0 / MAX_TIME_TICKS as f64).ceil() as i64).max(1));
    let first = (t0 / step as f64).ceil() as i64 * step;
    (0..).map(|k| first + k * step).take_while(|&t| t as f64 <= t1).collect()
}

/// A time label: `m:ss`, or `h:mm:ss` when `long` (the run lasts an hour or more).
pub fn time_label(t: i64, long: bool) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let t = t.unsigned_abs();
    if long {
        format!("{sign}{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
    } else {
        format!("{sign}{}:{:02}", t / 60, t % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: i64, venue: &str, market: &str) -> TimeseriesRow {
        TimeseriesRow {
            time_s: t,
            venue: venue.into(),
            market: market.into(),
            mark: Some(100.0 + t as f64),
            ..TimeseriesRow::default()
        }
    }

    #[test]
    fn rows_are_grouped_per_market_with_the_primary_first() {
        let rows: Vec<TimeseriesRow> = (0..3)
            .flat_map(|t| [row(t, "cex", "BTC"), row(t, "dex", "BTC"), row(t, "dex", "ETH")])
            .collect();
        let sets = chart_sets(&rows, Some(("dex", "BTC")));
        let names: Vec<(&str, &str, bool)> =
            sets.iter().map(|s| (s.venue.as_str(), s.market.as_str(), s.primary)).collect();
        assert_eq!(names, [("dex", "BTC", true), ("cex", "BTC", false), ("dex", "ETH", false)]);
        for set in &sets {
            assert_eq!(set.time_s, [0, 1, 2]);
            for s in set.charts.iter().flat_map(|c| &c.series) {
                assert_eq!(s.values.len(), 3, "{:?}", s.column);
            }
        }
        let mark = &sets[0].charts[0].series.iter().find(|s| s.column == Column::Mark).unwrap();
        assert_eq!(mark.values, [Some(100.0), Some(101.0), Some(102.0)]);
        let last = &sets[0].charts[0].series.iter().find(|s| s.column == Column::Last).unwrap();
        assert_eq!(last.values, [None, None, None]);
    }

    #[test]
    fn markers_aggregate_per_second_and_kind_in_order() {
        let mut set = ChartSet::new("v", "m");
        set.push_marker(5, MarkerKind::Adl, Some(10.0), None);
        set.push_marker(3, MarkerKind::Liquidation, None, None);
        set.push_marker(5, MarkerKind::Adl, Some(-5.0), None);
        set.push_marker(5, MarkerKind::Liquidation, None, None);
        set.push_marker(5, MarkerKind::Safeguard, None, Some("halted"));
        let got: Vec<(i64, MarkerKind, u32, Option<f64>)> =
            set.markers.iter().map(|m| (m.time_s, m.kind, m.count, m.usd)).collect();
        assert_eq!(
            got,
            [
                (3, MarkerKind::Liquidation, 1, None),
                (5, MarkerKind::Liquidation, 1, None),
                (5, MarkerKind::Adl, 2, Some(15.0)),
                (5, MarkerKind::Safeguard, 1, None),
            ]
        );
        assert_eq!(set.markers[3].labels, ["halted"]);
    }

    #[test]
    fn y_domain_pads_includes_zero_and_reserves_the_lanes() {
        let layout = Layout::default();
        let mut set = ChartSet::new("v", "m");
        for t in 0..10 {
            set.push_row(&TimeseriesRow {
                time_s: t,
                mark: Some(90.0 + t as f64),
                depth_1pct_usd: 50.0,
                ..TimeseriesRow::default()
            });
        }
        let depth = &set.charts[1];
        assert_eq!(depth.id, "depth");
        let (lo, hi) = depth.y_domain(&layout);
        assert_eq!(lo, 0.0);
        assert!((hi - 52.5).abs() < 1e-9, "{hi}");
        let price = &set.charts[0];
        let (lo, hi) = price.y_domain(&layout);
        // Data span 90..99, padded to 89.55..99.45, then the lanes below.
        assert!((hi - 99.45).abs() < 1e-9, "{hi}");
        let plot = f64::from(layout.plot_rect(price.height).height);
        let lanes = f64::from(layout.lanes_height());
        let y_of_min = (89.55 - lo) / (hi - lo) * plot;
        assert!((y_of_min - lanes).abs() < 1e-6, "the lowest value sits just above the lanes");
        // A flat series still gets a range.
        let spread = ChartSet::new("v", "m").charts[2].y_domain(&layout);
        assert!(spread.1 > spread.0);
    }

    #[test]
    fn time_ticks_are_round_and_bounded() {
        assert_eq!(time_ticks(0.0, 1800.0), [0, 300, 600, 900, 1200, 1500, 1800]);
        assert_eq!(time_ticks(601.5, 640.0), [605, 610, 615, 620, 625, 630, 635, 640]);
        assert_eq!(time_ticks(10.0, 11.0), [10, 11]);
        for (a, b) in [(0.0, 86_400.0 * 30.0), (3.0, 7.0), (0.0, 59.0)] {
            let ticks = time_ticks(a, b);
            assert!(!ticks.is_empty() && ticks.len() as i64 <= MAX_TIME_TICKS + 1, "{ticks:?}");
        }
        assert_eq!(time_label(615, false), "10:15");
        assert_eq!(time_label(3_725, true), "1:02:05");
    }
}
