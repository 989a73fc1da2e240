//! The figures of the comparison and sweep reports, drawn with plotters like the run's charts:
//! forest plots (a paired difference and its 95% interval per variant), box plots (the runs of
//! each grid point) and heat maps (a quantile per cell of a two-key grid).
//!
//! Each figure is a standalone `<svg class="figure">`: the frame (axes, labels, grid) first, the
//! data in a `<g class="data">` after it, so tests can check that every figure drew something.
//! Labels of categories (variants, grid values) are `<text>` elements laid out by the browser,
//! written by plotters or, for multi-line axis labels, here.

use std::fmt::Write as _;

use cascade_experiment::stats::quantile;
use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::Layout;
use crate::svg::{axis_label, escape, rgb, svg_body};

const INK: RGBColor = RGBColor(70, 70, 70);
const MUTED: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(226, 226, 226);
const AXIS: RGBColor = RGBColor(140, 140, 140);

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn body(doc: &str) -> Result<String, String> {
    svg_body(doc).map(str::to_string)
}

/// A whole figure: the frame, the data group, then extra elements written here.
fn figure(
    id: &str,
    kind: &str,
    (w, h): (u32, u32),
    label: &str,
    frame: &str,
    data: &str,
    extra: &str,
) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="figure {kind}" id="{}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">{frame}<g class="data">{data}</g>{extra}</svg>"#,
        escape(id),
        escape(label)
    )
}

/// A `<text>` element at (x, y), `anchor` being `start`, `middle` or `end`.
fn text(out: &mut String, (x, y): (f64, f64), anchor: &str, size: f64, fill: &str, content: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-family="sans-serif" font-size="{size}" fill="{fill}">{}</text>"#,
        escape(content)
    );
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A value in at most four significant characters: `12.3k`, `1.05M`, `0.123`, `45.6`.
pub(crate) fn compact(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = scaled.abs();
    let decimals = if s == 0.0 || s >= 100.0 {
        0
    } else if s >= 10.0 {
        1
    } else if s >= 1.0 || !suffix.is_empty() {
        2
    } else {
        (2.0 - s.log10().floor()).clamp(2.0, 6.0) as usize
    };
    let t = format!("{scaled:.decimals$}");
    let t = if t.trim_start_matches(['-', '0', '.']).is_empty() { "0".to_string() } else { t };
    format!("{t}{suffix}")
}

/// Room around a plot: (top, right, bottom label area, left label area), pixels.
type Margins = (u32, u32, u32, u32);

type Chart2d<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over `x` × `y` on `root` with the given margins; the frame and the data passes of a
/// figure build the same one so their coordinates agree.
fn cartesian<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    (top, right, bottom, left): Margins,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart2d<'a, 'b>, String> {
    ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(right)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// A domain for values: their range and `include`, padded by `pad` of the span on each side
/// (and made non-empty).
fn domain(values: impl Iterator<Item = f64>, include: Option<f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .chain(include)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        let d = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        (lo, hi) = (lo - d, hi + d);
    }
    let span = hi - lo;
    (lo - span * pad, hi + span * pad)
}

/// One row of a forest plot.
#[derive(Clone, Debug)]
pub(crate) struct ForestRow<'a> {
    /// Variant name.
    pub(crate) label: &'a str,
    /// Its colour.
    pub(crate) color: &'static str,
    /// Mean difference.
    pub(crate) mean: Option<f64>,
    /// 95% interval.
    pub(crate) ci: Option<[f64; 2]>,
}

impl ForestRow<'_> {
    /// Whether the interval lies wholly on one side of zero.
    pub(crate) fn excludes_zero(&self) -> bool {
        self.ci.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0)
    }

    fn drawn(&self) -> bool {
        self.mean.is_some_and(f64::is_finite)
    }
}

const FOREST_LABELS: u32 = 170;
const FOREST_ROW: u32 = 28;

/// A forest plot: per variant its mean paired difference (a dot, filled when the 95% interval
/// excludes zero) and the interval (a bar with caps), against a dashed line at zero.
/// `None` when no row has a value (nothing to draw).
pub(crate) fn forest_svg(
    id: &str,
    label: &str,
    unit: &str,
    rows: &[ForestRow<'_>],
    width: u32,
) -> Result<Option<String>, String> {
    if !rows.iter().any(ForestRow::drawn) {
        return Ok(None);
    }
    let (top, bottom, right) = (8u32, 40u32, 26u32);
    let n = rows.len() as f64;
    let h = top + FOREST_ROW * rows.len() as u32 + bottom;
    let x = domain(
        rows.iter().flat_map(|r| r.mean.into_iter().chain(r.ci.into_iter().flatten())),
        Some(0.0),
        0.06,
    );
    let y = 0.0..n;
    let row_y = |i: usize| n - i as f64 - 0.5;
    let desc = if unit.is_empty() {
        "variant − baseline".to_string()
    } else {
        format!("variant − baseline ({unit})")
    };
    let margins = (top, right, bottom, FOREST_LABELS);
    let mut frame = String::new();
    {
        let root = SVGBackend::with_string(&mut frame, (width, h)).into_drawing_area();
        let mut chart = cartesian(&root, margins, x.0..x.1, y.clone())?;
        let span = x.1 - x.0;
        let formatter = |v: &f64| axis_label(*v, span);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(7)
            .x_label_formatter(&formatter)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(("sans-serif", 13).into_font().color(&INK))
            .x_desc(desc)
            .axis_desc_style(("sans-serif", 13).into_font().color(&MUTED))
            .draw()
            .map_err(err)?;
        let style = ("sans-serif", 16)
            .into_font()
            .color(&RGBColor(34, 34, 34))
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, r) in rows.iter().enumerate() {
            let (_, py) = chart.backend_coord(&(x.0, row_y(i)));
            root.draw(&Text::new(truncate(r.label, 24), (FOREST_LABELS as i32 - 10, py), &style))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    let mut data = String::new();
    {
        let root = SVGBackend::with_string(&mut data, (width, h)).into_drawing_area();
        let mut chart = cartesian(&root, margins, x.0..x.1, y.clone())?;
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, 0.0), (0.0, n)],
                4,
                3,
                RGBColor(90, 90, 90).stroke_width(1),
            )))
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let c = rgb(r.color);
            let yc = row_y(i);
            if let Some([lo, hi]) = r.ci.filter(|c| c.iter().all(|v| v.is_finite())) {
                let bar = c.stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(lo, yc), (hi, yc)], bar),
                        PathElement::new(vec![(lo, yc - 0.2), (lo, yc + 0.2)], bar),
                        PathElement::new(vec![(hi, yc - 0.2), (hi, yc + 0.2)], bar),
                    ])
                    .map_err(err)?;
            }
            if let Some(m) = r.mean.filter(|v| v.is_finite()) {
                let dot = if r.excludes_zero() {
                    c.filled()
                } else {
                    ShapeStyle { color: c.to_rgba(), filled: false, stroke_width: 2 }
                };
                if !r.excludes_zero() {
                    chart.draw_series([Circle::new((m, yc), 5, WHITE.filled())]).map_err(err)?;
                }
                chart.draw_series([Circle::new((m, yc), 5, dot)]).map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(Some(figure(id, "forest", (width, h), label, &body(&frame)?, &body(&data)?, "")))
}

/// The runs of one grid point.
#[derive(Clone, Debug)]
pub(crate) struct BoxGroup {
    /// One label per grid axis (its value at this point).
    pub(crate) labels: Vec<String>,
    /// The runs' values.
    pub(crate) values: Vec<f64>,
}

/// Box statistics: quartiles by the same rule as the sweep's quantiles, whiskers to the most
/// extreme values within 1.5 interquartile ranges of the box (Tukey).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BoxStats {
    pub(crate) low: f64,
    pub(crate) q1: f64,
    pub(crate) median: f64,
    pub(crate) q3: f64,
    pub(crate) high: f64,
}

pub(crate) fn box_stats(values: &[f64]) -> Option<BoxStats> {
    let q1 = quantile(values, 0.25)?;
    let median = quantile(values, 0.5)?;
    let q3 = quantile(values, 0.75)?;
    let reach = 1.5 * (q3 - q1);
    let inside = values.iter().copied().filter(|v| *v >= q1 - reach && *v <= q3 + reach);
    let (low, high) = inside.fold((q1, q3), |(lo, hi): (f64, f64), v| (lo.min(v), hi.max(v)));
    Some(BoxStats { low, q1, median, q3, high })
}

const BOX_PLOT_HEIGHT: u32 = 230;
const BOX_LINE: u32 = 14;

/// Box plots of the runs of every grid point side by side, every run drawn as a dot over its
/// box; below each box its grid values, one line per axis (`axis_names` label the lines).
pub(crate) fn box_svg(
    id: &str,
    label: &str,
    unit: &str,
    axis_names: &[String],
    groups: &[BoxGroup],
    color: &str,
    layout: &Layout,
) -> Result<Option<String>, String> {
    if groups.iter().all(|g| g.values.is_empty()) {
        return Ok(None);
    }
    let (top, right) = (10u32, 26u32);
    let bottom = 8 + BOX_LINE * axis_names.len().max(1) as u32;
    let h = top + BOX_PLOT_HEIGHT + bottom;
    let n = groups.len().max(1);
    let all = groups.iter().flat_map(|g| g.values.iter().copied());
    // Amounts that start at zero keep zero on the axis unless the runs sit far from it (a
    // drawdown of 55–60% reads better without the empty half below).
    let (min, max) = groups
        .iter()
        .flat_map(|g| &g.values)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let from_zero = min >= 0.0 && min <= 0.5 * max;
    let (mut lo, hi) = domain(all, from_zero.then_some(0.0), 0.05);
    if min >= 0.0 && lo < 0.0 {
        lo = 0.0;
    }
    let x = (-0.5, n as f64 - 0.5);
    let (width, margins) = (layout.width, (top, right, bottom, layout.y_label_area));
    let mut frame = String::new();
    let plot;
    {
        let root = SVGBackend::with_string(&mut frame, (width, h)).into_drawing_area();
        let mut chart = cartesian(&root, margins, x.0..x.1, lo..hi)?;
        let span = hi - lo;
        let formatter = |v: &f64| axis_label(*v, span);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&formatter)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .label_style(("sans-serif", 13).into_font().color(&INK))
            .y_desc(unit)
            .axis_desc_style(("sans-serif", 13).into_font().color(&MUTED))
            .draw()
            .map_err(err)?;
        plot = chart.plotting_area().get_pixel_range();
        root.present().map_err(err)?;
    }
    let (left, plot_w) = (f64::from(plot.0.start), f64::from(plot.0.end - plot.0.start));
    let bottom_px = f64::from(plot.1.end);
    let slot = plot_w / n as f64;
    // Half a box: 30% of a slot, at most 28 pixels, in data units.
    let half = (0.3f64).min(28.0 / slot);
    let c = rgb(color);
    let mut data = String::new();
    {
        let root = SVGBackend::with_string(&mut data, (width, h)).into_drawing_area();
        let mut chart = cartesian(&root, margins, x.0..x.1, lo..hi)?;
        for (i, g) in groups.iter().enumerate() {
            let Some(s) = box_stats(&g.values) else { continue };
            let xc = i as f64;
            let line = c.stroke_width(2);
            chart
                .draw_series([
                    Rectangle::new([(xc - half, s.q1), (xc + half, s.q3)], c.mix(0.18).filled()),
                    Rectangle::new([(xc - half, s.q1), (xc + half, s.q3)], c.stroke_width(1)),
                ])
                .map_err(err)?;
            chart
                .draw_series([
                    PathElement::new(vec![(xc - half, s.median), (xc + half, s.median)], line),
                    PathElement::new(vec![(xc, s.q3), (xc, s.high)], c.stroke_width(1)),
                    PathElement::new(vec![(xc, s.q1), (xc, s.low)], c.stroke_width(1)),
                    PathElement::new(
                        vec![(xc - half / 2.0, s.high), (xc + half / 2.0, s.high)],
                        c.stroke_width(1),
                    ),
                    PathElement::new(
                        vec![(xc - half / 2.0, s.low), (xc + half / 2.0, s.low)],
                        c.stroke_width(1),
                    ),
                ])
                .map_err(err)?;
            // Every run, spread sideways by a fixed sequence so equal values stay visible.
            let dots = g.values.iter().enumerate().map(|(k, &v)| {
                let jitter = ((k as f64 * 0.618_034).fract() - 0.5) * half * 1.2;
                Circle::new((xc + jitter, v), 3, RGBColor(40, 40, 40).mix(0.55).filled())
            });
            chart.draw_series(dots).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    let mut extra = String::from(r#"<g class="xlabels">"#);
    let every = (30.0 / slot).ceil().max(1.0) as usize;
    let chars = ((slot * every as f64) / 6.5).floor().max(3.0) as usize;
    for (j, name) in axis_names.iter().enumerate() {
        let y = bottom_px + f64::from(BOX_LINE * (j as u32 + 1));
        text(&mut extra, (left - 8.0, y), "end", 11.0, "#6e6e6e", &truncate(name, 11));
    }
    for (i, g) in groups.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let xc = left + (i as f64 + 0.5) * slot;
        for (j, value) in g.labels.iter().enumerate() {
            let y = bottom_px + f64::from(BOX_LINE * (j as u32 + 1));
            text(&mut extra, (xc, y), "middle", 11.0, "#464646", &truncate(value, chars));
        }
    }
    extra.push_str("</g>");
    Ok(Some(figure(id, "boxes", (width, h), label, &body(&frame)?, &body(&data)?, &extra)))
}

/// Colour stops of the heat maps, light (low) to dark red (high).
const HEAT: [(u8, u8, u8); 5] =
    [(255, 255, 204), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38)];

/// The heat-map colour at `t` in 0..=1.
pub(crate) fn heat_color(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let at = t * (HEAT.len() - 1) as f64;
    let k = (at.floor() as usize).min(HEAT.len() - 2);
    let f = at - k as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (HEAT[k], HEAT[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The heat-map colour at `t` as CSS.
pub(crate) fn heat_css(t: f64) -> String {
    let RGBColor(r, g, b) = heat_color(t);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One heat map: a quantile of a metric per cell of a two-axis grid.
#[derive(Clone, Debug)]
pub(crate) struct Heat<'a> {
    /// Title above the map (`median`, `p95`).
    pub(crate) title: &'a str,
    /// Name of the first axis (rows).
    pub(crate) row_name: &'a str,
    /// Name of the second axis (columns).
    pub(crate) col_name: &'a str,
    /// Row labels (the first axis's values), top to bottom.
    pub(crate) rows: &'a [String],
    /// Column labels (the second axis's values), left to right.
    pub(crate) cols: &'a [String],
    /// Values, row-major (the sweep's point order: last axis fastest).
    pub(crate) values: &'a [Option<f64>],
    /// The value range the colours span (shared by the maps of one metric).
    pub(crate) range: (f64, f64),
}

const HEAT_LEFT: u32 = 110;
const HEAT_CELL: u32 = 34;

/// A heat map: a coloured cell per grid point with its value written in it.
pub(crate) fn heat_svg(
    id: &str,
    label: &str,
    heat: &Heat<'_>,
    width: u32,
) -> Result<String, String> {
    let (top, right, bottom) = (24u32, 10u32, 40u32);
    let (nr, nc) = (heat.rows.len().max(1), heat.cols.len().max(1));
    let h = top + HEAT_CELL * nr as u32 + bottom;
    let plot_w = width.saturating_sub(HEAT_LEFT + right).max(1);
    let (lo, hi) = heat.range;
    let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
    // Values at 13 px, smaller in narrow cells (plotters sizes fonts at 1.24 × the pixels).
    let cell_px = f64::from(plot_w) / nc as f64;
    let font = (cell_px / 4.0).clamp(8.0, 13.0) * 1.24;
    let mut data = String::new();
    {
        let root = SVGBackend::with_string(&mut data, (width, h)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(top)
            .margin_right(right)
            .margin_left(HEAT_LEFT)
            .margin_bottom(bottom)
            .build_cartesian_2d(0.0..nc as f64, 0.0..nr as f64)
            .map_err(err)?;
        for (k, v) in heat.values.iter().enumerate() {
            let (i, j) = (k / nc, k % nc);
            let (x0, y1) = (j as f64, (nr - i) as f64);
            let (fill, ink, content) = match v.filter(|v| v.is_finite()) {
                Some(v) => {
                    let t = t(v);
                    let ink = if t > 0.55 { WHITE } else { RGBColor(34, 34, 34) };
                    (heat_color(t), ink, compact(v))
                }
                None => (RGBColor(238, 238, 238), RGBColor(110, 110, 110), "—".to_string()),
            };
            chart
                .draw_series([
                    Rectangle::new([(x0, y1 - 1.0), (x0 + 1.0, y1)], fill.filled()),
                    Rectangle::new([(x0, y1 - 1.0), (x0 + 1.0, y1)], WHITE.stroke_width(2)),
                ])
                .map_err(err)?;
            let style = ("sans-serif", font)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series([Text::new(content, (x0 + 0.5, y1 - 0.5), style)]).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    let mut frame = String::new();
    let (left, topf) = (f64::from(HEAT_LEFT), f64::from(top));
    let cell_w = f64::from(plot_w) / nc as f64;
    let cell_h = f64::from(HEAT_CELL);
    let mid = left + f64::from(plot_w) / 2.0;
    text(&mut frame, (mid, topf - 8.0), "middle", 13.0, "#222", heat.title);
    for (i, r) in heat.rows.iter().enumerate() {
        let y = topf + (i as f64 + 0.5) * cell_h + 4.0;
        text(&mut frame, (left - 8.0, y), "end", 12.0, "#464646", &truncate(r, 14));
    }
    let chars = (cell_w / 7.0).floor().max(3.0) as usize;
    let below = topf + nr as f64 * cell_h;
    for (j, c) in heat.cols.iter().enumerate() {
        let x = left + (j as f64 + 0.5) * cell_w;
        text(&mut frame, (x, below + 15.0), "middle", 12.0, "#464646", &truncate(c, chars));
    }
    text(&mut frame, (mid, below + 32.0), "middle", 12.0, "#6e6e6e", &truncate(heat.col_name, 48));
    text(
        &mut frame,
        (left - 8.0, topf - 8.0),
        "end",
        12.0,
        "#6e6e6e",
        &truncate(heat.row_name, 16),
    );
    Ok(figure(id, "heat", (width, h), label, &frame, &body(&data)?, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_values() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(1_050_000.0), "1.05M");
        assert_eq!(compact(45.64), "45.6");
        assert_eq!(compact(0.1234), "0.123");
        assert_eq!(compact(-250.0), "-250");
    }

    #[test]
    fn box_whiskers_stay_within_the_data() {
        let s = box_stats(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (2.0, 3.0, 4.0));
        assert_eq!((s.low, s.high), (1.0, 4.0), "100 is beyond 1.5 IQR: a dot, not a whisker");
        let two = box_stats(&[10.0, 20.0]).unwrap();
        assert_eq!((two.low, two.high), (10.0, 20.0));
        assert!(box_stats(&[]).is_none());
    }

    #[test]
    fn heat_colours_run_light_to_dark() {
        assert_eq!(heat_css(0.0), "#ffffcc");
        assert_eq!(heat_css(1.0), "#bd0026");
        assert_eq!(heat_css(f64::NAN), "#ffffcc");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
