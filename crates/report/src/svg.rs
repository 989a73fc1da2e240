//! Draws one chart of a [`ChartSet`] as an inline SVG with plotters.
//!
//! The SVG is made of two plotters drawings and a few elements of our own:
//!
//! - the frame (y axis, its labels and grid), drawn by plotters at the chart's size;
//! - the data (lines and areas), drawn by plotters on a canvas [`Layout::supersample`] times
//!   larger than the plot area, then placed in a `<g class="data">` scaled back down and clipped
//!   to the plot area: the page's script zooms the time axis by changing only that group's
//!   `transform`, and the supersampling keeps the lines precise when zoomed;
//! - the marker lanes (one short tick per second with events), the time axis (grid, ticks,
//!   labels, which the script redraws when zoomed) and the hover overlay, written here.
//!
//! plotters is used without a font feature: it estimates label sizes itself and writes
//! `<text>` elements that the browser lays out with its own fonts.

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{
    time_label, time_ticks, Chart, ChartSet, Layout, MarkerKind, PlotRect, SeriesStyle,
};
use crate::ReportError;

/// Draws chart `chart` of `set` over the time domain `time` (seconds) as a standalone `<svg>`
/// element, ready to inline in a page. `index` numbers the SVG in its page (ids stay unique);
/// `time` is the shared time axis ([`crate::time_domain`]), with `time.0 < time.1`.
///
/// # Panics
/// If `chart` is not an index of `set.charts`.
pub fn render_svg(
    set: &ChartSet,
    chart: usize,
    layout: &Layout,
    time: (f64, f64),
    index: (usize, usize),
) -> Result<String, ReportError> {
    let c = &set.charts[chart];
    let fail = |reason: String| ReportError::Draw {
        venue: set.venue.clone(),
        market: set.market.clone(),
        chart: c.id,
        reason,
    };
    let plot = layout.plot_rect(c.height);
    let y = c.y_domain(layout);
    let frame = frame_svg(c, layout, time, y, plot).map_err(fail)?;
    let data = data_svg(set, c, layout, time, y, plot).map_err(fail)?;
    let (si, ci) = index;
    let id = format!("c{si}-{ci}");
    let mut svg = String::with_capacity(frame.len() + data.len() + 4096);
    let (w, h) = (layout.width, c.height);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" data-set="{si}" data-chart="{ci}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        escape(c.title)
    );
    let PlotRect { left, top, width, height } = plot;
    let _ = write!(
        svg,
        r#"<defs><clipPath id="{id}-clip"><rect x="{left}" y="{top}" width="{width}" height="{height}"/></clipPath></defs>"#
    );
    svg.push_str(&frame);
    svg.push_str(&x_axis(plot, time));
    let s = f64::from(layout.supersample);
    let _ = write!(
        svg,
        r#"<g clip-path="url(#{id}-clip)"><g class="data" transform="translate({left} {top}) scale({} {})">"#,
        1.0 / s,
        1.0 / s
    );
    svg.push_str(&data);
    svg.push_str("</g></g>");
    let bottom = top + height;
    let _ = write!(
        svg,
        r##"<line class="cross" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#333" visibility="hidden"/><rect class="sel" x="{left}" y="{top}" width="0" height="{height}" fill="#1f77b4" fill-opacity="0.15" visibility="hidden"/><rect class="hit" x="{left}" y="{top}" width="{width}" height="{height}" fill="#000" fill-opacity="0"/></svg>"##
    );
    Ok(svg)
}

/// Escapes text for HTML and SVG content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The body of a plotters SVG document: everything between the `<svg …>` line and `</svg>`.
pub(crate) fn svg_body(doc: &str) -> Result<&str, String> {
    let start = doc
        .find("<svg")
        .and_then(|s| doc[s..].find('>').map(|e| s + e + 1))
        .ok_or("plotters wrote no <svg> element")?;
    let end = doc.rfind("</svg>").ok_or("plotters wrote no </svg>")?;
    Ok(doc[start..end].trim())
}

/// A CSS hex colour (`#rrggbb`) as a plotters colour.
pub(crate) fn rgb(hex: &str) -> RGBColor {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// A y-axis label with as many decimals as the axis range needs, and k/M/B for large values.
pub(crate) fn axis_label(v: f64, span: f64) -> String {
    let a = v.abs();
    let (scaled, suffix, span) = if a >= 1e9 {
        (v / 1e9, "B", span / 1e9)
    } else if a >= 1e6 {
        (v / 1e6, "M", span / 1e6)
    } else if a >= 1e4 {
        (v / 1e3, "k", span / 1e3)
    } else {
        (v, "", span)
    };
    let decimals =
        if span > 0.0 { (2.0 - span.log10().floor()).clamp(0.0, 8.0) as usize } else { 2 };
    let text = format!("{scaled:.decimals$}");
    // "-0.00" reads as a value below zero.
    let text =
        if text.trim_start_matches(['-', '0', '.']).is_empty() { "0".to_string() } else { text };
    format!("{text}{suffix}")
}

fn frame_svg(
    c: &Chart,
    layout: &Layout,
    time: (f64, f64),
    y: (f64, f64),
    plot: PlotRect,
) -> Result<String, String> {
    let mut doc = String::new();
    {
        let root = SVGBackend::with_string(&mut doc, (layout.width, c.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(layout.margin_top)
            .margin_right(layout.margin_right)
            .x_label_area_size(layout.x_label_area)
            .y_label_area_size(layout.y_label_area)
            .build_cartesian_2d(time.0..time.1, y.0..y.1)
            .map_err(|e| e.to_string())?;
        let span = y.1 - y.0;
        let formatter = |v: &f64| axis_label(*v, span);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&formatter)
            .bold_line_style(RGBColor(226, 226, 226))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(140, 140, 140))
            .label_style(("sans-serif", 13).into_font().color(&RGBColor(70, 70, 70)))
            .y_desc(c.unit)
            .axis_desc_style(("sans-serif", 13).into_font().color(&RGBColor(110, 110, 110)))
            .draw()
            .map_err(|e| e.to_string())?;
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        // The page's script maps pointer positions with `Layout::plot_rect`: the two must agree.
        let expected = (plot.left as i32, (plot.left + plot.width) as i32);
        if (xs.start, xs.end) != expected
            || (ys.start, ys.end) != (plot.top as i32, (plot.top + plot.height) as i32)
        {
            return Err(format!("plot area {xs:?} × {ys:?} differs from the layout's {plot:?}"));
        }
        root.present().map_err(|e| e.to_string())?;
    }
    svg_body(&doc).map(str::to_string)
}

/// Splits a series into runs of consecutive present values, without the inner points of flat
/// stretches (they draw nothing), thinned to at most the first, the minimum, the maximum and the
/// last point per canvas column so long runs stay small.
fn runs(
    time_s: &[i64],
    values: &[Option<f64>],
    time: (f64, f64),
    columns: u32,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (t, v) in time_s.iter().zip(values) {
        match v {
            Some(v) => current.push((*t as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    let per_column = (time.1 - time.0) / f64::from(columns.max(1));
    out.into_iter()
        .map(|run| {
            let run: Vec<(f64, f64)> = run
                .iter()
                .enumerate()
                .filter(|&(i, p)| {
                    let flat =
                        |j: Option<usize>| j.and_then(|j| run.get(j)).is_some_and(|q| q.1 == p.1);
                    !(flat(i.checked_sub(1)) && flat(Some(i + 1)))
                })
                .map(|(_, p)| *p)
                .collect();
            if run.len() <= 2 * columns as usize {
                return run;
            }
            let mut thin: Vec<(f64, f64)> = Vec::new();
            let mut bucket: Vec<(f64, f64)> = Vec::new();
            let column = |t: f64| ((t - time.0) / per_column).floor() as i64;
            for p in run {
                if bucket.first().is_some_and(|b| column(b.0) != column(p.0)) {
                    flush(&mut bucket, &mut thin);
                }
                bucket.push(p);
            }
            flush(&mut bucket, &mut thin);
            thin
        })
        .collect()
}

fn flush(bucket: &mut Vec<(f64, f64)>, out: &mut Vec<(f64, f64)>) {
    let (Some(&first), Some(&last)) = (bucket.first(), bucket.last()) else { return };
    let min = bucket.iter().copied().fold(first, |a, p| if p.1 < a.1 { p } else { a });
    let max = bucket.iter().copied().fold(first, |a, p| if p.1 > a.1 { p } else { a });
    let mut keep = vec![first, min, max, last];
    keep.sort_by(|a, b| a.0.total_cmp(&b.0));
    keep.dedup();
    out.extend(keep);
    bucket.clear();
}

fn data_svg(
    set: &ChartSet,
    c: &Chart,
    layout: &Layout,
    time: (f64, f64),
    y: (f64, f64),
    plot: PlotRect,
) -> Result<String, String> {
    let s = layout.supersample;
    let (w, h) = (plot.width * s, plot.height * s);
    let mut doc = String::new();
    {
        let root = SVGBackend::with_string(&mut doc, (w, h)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .build_cartesian_2d(time.0..time.1, y.0..y.1)
            .map_err(|e| e.to_string())?;
        if c.markers {
            draw_lane_band(&root, set, layout, (w, h))?;
        }
        let stroke = s * 3 / 2;
        let base = 0f64.clamp(y.0, y.1);
        for series in &c.series {
            let color = rgb(series.color);
            for run in runs(&set.time_s, &series.values, time, plot.width) {
                match series.style {
                    SeriesStyle::Line => chart
                        .draw_series(LineSeries::new(run, color.stroke_width(stroke)))
                        .map(|_| ()),
                    SeriesStyle::Area => chart
                        .draw_series(
                            AreaSeries::new(run, base, color.mix(0.25))
                                .border_style(color.stroke_width(stroke)),
                        )
                        .map(|_| ()),
                }
                .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let body = svg_body(&doc)?.to_string();
    Ok(body + &markers_svg(set, c, layout, time, (w, h)))
}

/// A light band behind the marker lanes, so they read as separate from the data.
fn draw_lane_band(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    set: &ChartSet,
    layout: &Layout,
    (w, h): (u32, u32),
) -> Result<(), String> {
    if set.markers.is_empty() {
        return Ok(());
    }
    let lanes = (layout.lanes_height() * layout.supersample) as i32;
    let (w, h) = (w as i32, h as i32);
    root.draw(&Rectangle::new([(0, h - lanes), (w, h)], RGBColor(246, 246, 246).filled()))
        .map_err(|e| e.to_string())
}

/// One tick per marker in its kind's lane (and a full-height line for safeguards), in canvas
/// units. Written by hand rather than by plotters so the page's style sheet can address them.
fn markers_svg(
    set: &ChartSet,
    c: &Chart,
    layout: &Layout,
    time: (f64, f64),
    (w, h): (u32, u32),
) -> String {
    let mut out = String::new();
    if !c.markers {
        return out;
    }
    let s = layout.supersample;
    let lane = layout.lane_height * s;
    let x = |t: i64| (t as f64 - time.0) / (time.1 - time.0) * f64::from(w);
    for kind in MarkerKind::ALL {
        let _ = write!(
            out,
            r#"<g class="mk mk-{}" stroke="{}" stroke-width="{}">"#,
            kind.key(),
            kind.color(),
            2 * s
        );
        let y1 = h - kind.lane() * lane - s;
        let y0 = y1 + 2 * s - lane;
        for m in set.markers.iter().filter(|m| m.kind == kind) {
            let x = x(m.time_s).round();
            let _ = write!(out, r#"<line x1="{x}" x2="{x}" y1="{y0}" y2="{y1}"/>"#);
            if kind == MarkerKind::Safeguard {
                let _ = write!(out, r#"<line class="rule" x1="{x}" x2="{x}" y1="0" y2="{y0}"/>"#);
            }
        }
        out.push_str("</g>");
    }
    out
}

/// The time axis below the plot: a vertical grid line, a tick and a label per tick. The page's
/// script rewrites this group when the time axis is zoomed.
fn x_axis(plot: PlotRect, time: (f64, f64)) -> String {
    let long = time.1 >= 3_600.0;
    let mut out = String::from(r#"<g class="xaxis">"#);
    let (top, bottom) = (plot.top, plot.top + plot.height);
    for t in time_ticks(time.0, time.1) {
        let x =
            f64::from(plot.left) + (t as f64 - time.0) / (time.1 - time.0) * f64::from(plot.width);
        let x = (x * 10.0).round() / 10.0;
        let _ = write!(
            out,
            r##"<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="#e2e2e2"/><line class="tick" x1="{x}" x2="{x}" y1="{bottom}" y2="{}" stroke="#8c8c8c"/><text x="{x}" y="{}" text-anchor="middle" font-family="sans-serif" font-size="10.5" fill="#464646">{}</text>"##,
            bottom + 4,
            bottom + 17,
            time_label(t, long)
        );
    }
    out.push_str("</g>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_fit_their_range() {
        assert_eq!(axis_label(0.5, 0.6), "0.500");
        assert_eq!(axis_label(1.05, 0.6), "1.050");
        assert_eq!(axis_label(2_500_000.0, 3_000_000.0), "2.50M");
        assert_eq!(axis_label(150_000.0, 200_000.0), "150k");
        assert_eq!(axis_label(-0.0001, 2.0), "0");
        assert_eq!(axis_label(1200.0, 2000.0), "1200");
    }

    #[test]
    fn long_series_are_thinned_per_column_keeping_extremes() {
        let time_s: Vec<i64> = (0..10_000).collect();
        let values: Vec<Option<f64>> =
            time_s.iter().map(|&t| Some(if t == 5_001 { 99.0 } else { (t % 7) as f64 })).collect();
        let runs = runs(&time_s, &values, (0.0, 9_999.0), 100);
        assert_eq!(runs.len(), 1);
        assert!(runs[0].len() <= 400, "{}", runs[0].len());
        assert!(runs[0].contains(&(5_001.0, 99.0)), "the spike survives");
        assert_eq!(runs[0].first(), Some(&(0.0, 0.0)));
        assert_eq!(runs[0].last(), Some(&(9_999.0, (9_999 % 7) as f64)));
        let gaps = [Some(1.0), None, None, Some(2.0), Some(3.0)];
        assert_eq!(
            super::runs(&[0, 1, 2, 3, 4], &gaps, (0.0, 4.0), 100),
            [vec![(0.0, 1.0)], vec![(3.0, 2.0), (4.0, 3.0)]]
        );
        let flat = [Some(1.0), Some(1.0), Some(1.0), Some(2.0), Some(2.0), Some(2.0), Some(2.0)];
        assert_eq!(
            super::runs(&[0, 1, 2, 3, 4, 5, 6], &flat, (0.0, 6.0), 100),
            [vec![(0.0, 1.0), (2.0, 1.0), (3.0, 2.0), (6.0, 2.0)]]
        );
    }
}
