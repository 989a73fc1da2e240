//! The comparison report: `compare.json` (written by `cascade compare`) read back and drawn as
//! `report.html` — the scenario, seeds and variants with their overrides; per metric a table of
//! baseline mean, variant mean and the paired difference with its 95% interval, and a forest
//! plot of the differences; the primary market on the first seed overlaid for every variant
//! (mark price, liquidated notional per second) with the run report's hover and zoom.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cascade_experiment::{Compare, CompareLine};
use serde::Serialize;

use crate::chart::{time_domain, Chart, ChartSet, Column, Layout, Marker, SeriesStyle};
use crate::experiment::{
    describe, facts, folder_kind, read_json, seeds_text, variant_color, BASELINE_COLOR,
};
use crate::figures::{forest_svg, ForestRow};
use crate::html::{head, json_for_script, CSS, EXPERIMENT_CSS, JS};
use crate::payload::{round_significant, ChartPayload, SeriesPayload};
use crate::svg::{escape, render_svg};
use crate::{ReportError, REPORT_FILE};

/// Version of the comparison payload's shape; bump it when a field changes meaning.
pub const COMPARE_PAYLOAD_FORMAT: u32 = 1;

const FIX: &str = "run `cascade compare` again to rewrite it";

/// The top-level fields of compare.json.
const FIELDS: &[&str] =
    &["scenario", "description", "seeds", "variants", "metrics", "lines", "overlay", "runs"];

/// What the comparison page's script reads, and the typed description of its tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparePayload {
    /// [`COMPARE_PAYLOAD_FORMAT`].
    pub format: u32,
    /// Scenario name.
    pub scenario: String,
    /// The scenario's description.
    pub description: String,
    /// Seeds shared by every variant.
    pub seeds: Vec<u64>,
    /// The baseline first, then the variants.
    pub variants: Vec<VariantInfo>,
    /// Per metric, the differences of every variant.
    pub metrics: Vec<MetricComparison>,
    /// The seed of the overlaid paths (the first seed), if there are any.
    pub overlay_seed: Option<u64>,
    /// The pixel geometry of the overlaid charts.
    pub layout: Layout,
    /// First and last second of the overlaid charts' time axis.
    pub time_domain: [f64; 2],
    /// The overlaid charts (none or one set), in the run report's shape so its script can
    /// hover and zoom them.
    pub sets: Vec<OverlayPayload>,
}

/// A variant (or the baseline) as shown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantInfo {
    /// `baseline` or the variant's name.
    pub name: String,
    /// Its colour in every chart.
    pub color: &'static str,
    /// Its `KEY=VALUE` overrides (none for the baseline).
    pub overrides: Vec<String>,
}

/// One metric of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricComparison {
    /// The experiment's metric name (`liquidated_long_usd`).
    pub metric: String,
    /// Short name.
    pub label: String,
    /// Unit.
    pub unit: &'static str,
    /// What it means, in one line (the run report's explanation).
    pub explanation: &'static str,
    /// One row per variant.
    pub rows: Vec<DifferenceRow>,
}

/// One variant against the baseline on one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DifferenceRow {
    /// Variant.
    pub variant: String,
    /// Seeds where both runs have a value.
    pub n: usize,
    /// Baseline mean over those seeds.
    pub baseline_mean: Option<f64>,
    /// Variant mean.
    pub variant_mean: Option<f64>,
    /// Mean of variant − baseline.
    pub diff_mean: Option<f64>,
    /// 95% interval of the mean difference.
    pub ci95: Option<[f64; 2]>,
    /// Whether the interval lies wholly above or below zero.
    pub excludes_zero: bool,
    /// The cells as shown: baseline, variant, difference, interval.
    pub text: [String; 4],
}

/// The overlaid charts: one series per variant on a shared time axis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverlayPayload {
    /// The seconds; every series has one value per entry.
    pub time_s: Vec<i64>,
    /// Always empty (the overlay marks no events); the script expects the field.
    pub markers: Vec<Marker>,
    /// Mark price, then liquidated notional per second.
    pub charts: Vec<ChartPayload>,
}

/// Reads `dir/compare.json`.
///
/// # Errors
/// [`ReportError::NotAComparison`] without the file, [`ReportError::Experiment`] when it is not
/// a comparison this version writes or its parts disagree, [`ReportError::Io`] when unreadable.
pub fn read_compare(dir: &Path) -> Result<Compare, ReportError> {
    let missing = || ReportError::NotAComparison {
        dir: dir.to_path_buf(),
        hint: if !dir.is_dir() {
            "the folder does not exist; give the folder `cascade compare` wrote (its --out, by \
             default out/compare-SCENARIO)"
                .to_string()
        } else if let Some(kind) = folder_kind(dir) {
            format!("it is {kind}")
        } else {
            "give the folder `cascade compare` wrote (its --out, by default out/compare-SCENARIO)"
                .to_string()
        },
    };
    let c: Compare =
        read_json(dir, cascade_experiment::COMPARE_JSON, "comparison", FIELDS, FIX, missing)?;
    check(&c).map_err(|reason| ReportError::Experiment {
        path: dir.join(cascade_experiment::COMPARE_JSON),
        what: "comparison",
        reason,
        fix: FIX,
    })?;
    Ok(c)
}

/// The parts of a comparison agree: every line and overlay names a known variant, every path
/// has one value per second.
fn check(c: &Compare) -> Result<(), String> {
    if c.seeds.is_empty() {
        return Err("it has no seeds".into());
    }
    let known = |name: &str| name == "baseline" || c.variants.iter().any(|(v, _)| v == name);
    if let Some(l) = c.lines.iter().find(|l| !known(&l.variant)) {
        return Err(format!(
            "a line of metric `{}` names variant `{}`, which is not among its variants",
            l.metric, l.variant
        ));
    }
    for o in &c.overlay {
        if !known(&o.variant) {
            return Err(format!(
                "the overlay names variant `{}`, which is not among its variants",
                o.variant
            ));
        }
        let s = &o.series;
        if s.mark.len() != s.time_s.len() || s.liquidated_usd.len() != s.time_s.len() {
            return Err(format!(
                "the overlay of `{}` has {} seconds but {} mark prices and {} liquidation values",
                o.variant,
                s.time_s.len(),
                s.mark.len(),
                s.liquidated_usd.len()
            ));
        }
    }
    Ok(())
}

/// The baseline and the variants with their colours.
fn variants(c: &Compare) -> Vec<VariantInfo> {
    std::iter::once(VariantInfo {
        name: "baseline".into(),
        color: BASELINE_COLOR,
        overrides: Vec::new(),
    })
    .chain(c.variants.iter().enumerate().map(|(k, (name, overrides))| VariantInfo {
        name: name.clone(),
        color: variant_color(k),
        overrides: overrides.clone(),
    }))
    .collect()
}

fn color_of(variants: &[VariantInfo], name: &str) -> &'static str {
    variants.iter().find(|v| v.name == name).map_or(BASELINE_COLOR, |v| v.color)
}

/// The overlaid charts as a chart set for [`render_svg`]: the union of the variants' seconds,
/// one series per variant (missing seconds are gaps). `None` without overlay paths.
pub fn overlay_chart_set(c: &Compare) -> Option<ChartSet> {
    if c.overlay.is_empty() {
        return None;
    }
    let variants = variants(c);
    let seconds: BTreeSet<i64> =
        c.overlay.iter().flat_map(|o| o.series.time_s.iter().copied()).collect();
    let time_s: Vec<i64> = seconds.into_iter().collect();
    let aligned = |times: &[i64], values: Vec<Option<f64>>| -> Vec<Option<f64>> {
        let mut out = vec![None; time_s.len()];
        for (t, v) in times.iter().zip(values) {
            if let Ok(i) = time_s.binary_search(t) {
                out[i] = v.filter(|v| v.is_finite());
            }
        }
        out
    };
    let series =
        |column: Column,
         values: &dyn Fn(&cascade_experiment::PrimarySeries) -> Vec<Option<f64>>| {
            c.overlay
                .iter()
                .map(|o| crate::chart::Series {
                    // Not read: the values come from the overlay, not from timeseries rows.
                    column,
                    label: "",
                    color: color_of(&variants, &o.variant),
                    style: SeriesStyle::Line,
                    values: aligned(&o.series.time_s, values(&o.series)),
                })
                .collect::<Vec<_>>()
        };
    let charts = vec![
        Chart {
            id: "overlay_mark",
            title: "Mark price",
            unit: "USD",
            height: 300,
            zero_based: false,
            markers: false,
            series: series(Column::Mark, &|s| s.mark.clone()),
        },
        Chart {
            id: "overlay_liquidations",
            title: "Liquidated notional per second (longs and shorts)",
            unit: "USD/s",
            height: 220,
            zero_based: true,
            markers: false,
            series: series(Column::LiquidatedLong, &|s| {
                s.liquidated_usd.iter().map(|v| Some(*v)).collect()
            }),
        },
    ];
    Some(ChartSet {
        venue: "overlay".into(),
        market: "primary market".into(),
        primary: true,
        time_s,
        charts,
        markers: Vec::new(),
    })
}

fn difference_row(l: &CompareLine, info: &crate::payload::MetricInfo) -> DifferenceRow {
    let excludes_zero = l.ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
    let signed = |v: Option<f64>| {
        let text = info.format_mean(v);
        match v {
            Some(v) if v > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') => {
                format!("+{text}")
            }
            _ => text,
        }
    };
    let interval = match l.ci95 {
        Some([lo, hi]) => format!("[{}, {}]", signed(Some(lo)), signed(Some(hi))),
        None if l.n < 2 && l.n > 0 => "— (one pair)".to_string(),
        None => "—".to_string(),
    };
    DifferenceRow {
        variant: l.variant.clone(),
        n: l.n,
        baseline_mean: l.baseline_mean,
        variant_mean: l.variant_mean,
        diff_mean: l.diff_mean,
        ci95: l.ci95,
        excludes_zero,
        text: [
            info.format_mean(l.baseline_mean),
            info.format_mean(l.variant_mean),
            signed(l.diff_mean),
            interval,
        ],
    }
}

/// The payload of a comparison (tables and overlaid charts), without drawing anything.
pub fn compare_payload(c: &Compare, layout: &Layout) -> ComparePayload {
    let variants = variants(c);
    let metrics = c
        .metrics
        .iter()
        .map(|m| {
            let (label, info) = describe(m);
            MetricComparison {
                metric: m.clone(),
                label,
                unit: info.unit,
                explanation: info.explanation,
                rows: c
                    .lines
                    .iter()
                    .filter(|l| l.metric == *m)
                    .map(|l| difference_row(l, &info))
                    .collect(),
            }
        })
        .collect();
    let set = overlay_chart_set(c);
    let (t0, t1) = time_domain(set.as_slice());
    let sets = set
        .iter()
        .map(|set| OverlayPayload {
            time_s: set.time_s.clone(),
            markers: Vec::new(),
            charts: set
                .charts
                .iter()
                .map(|chart| {
                    let (lo, hi) = chart.y_domain(layout);
                    ChartPayload {
                        id: chart.id,
                        title: chart.title,
                        unit: chart.unit,
                        height: chart.height,
                        plot: layout.plot_rect(chart.height),
                        y_domain: [round_significant(lo, 8), round_significant(hi, 8)],
                        markers: false,
                        series: chart
                            .series
                            .iter()
                            .zip(&c.overlay)
                            .map(|(s, o)| SeriesPayload {
                                label: o.variant.clone(),
                                color: s.color,
                                style: s.style,
                                values: s
                                    .values
                                    .iter()
                                    .map(|v| v.map(|v| round_significant(v, 6)))
                                    .collect(),
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    ComparePayload {
        format: COMPARE_PAYLOAD_FORMAT,
        scenario: c.scenario.clone(),
        description: c.description.clone(),
        seeds: c.seeds.clone(),
        variants,
        metrics,
        overlay_seed: (!c.overlay.is_empty()).then(|| c.seeds[0]),
        layout: *layout,
        time_domain: [t0, t1],
        sets,
    }
}

fn figure_error(figure: String) -> impl FnOnce(String) -> ReportError {
    move |reason| ReportError::Figure { figure, reason }
}

/// The comparison page and its payload.
///
/// # Errors
/// A chart that cannot be drawn ([`ReportError::Draw`], [`ReportError::Figure`]).
pub fn compare_page(c: &Compare, layout: &Layout) -> Result<(String, ComparePayload), ReportError> {
    let data = compare_payload(c, layout);
    let mut h = String::with_capacity(1 << 18);
    let title = format!("{}: comparison", c.scenario);
    h.push_str(&head(&title, &[CSS, EXPERIMENT_CSS]));
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"description\">{}</p>\n",
        escape(&title),
        escape(&c.description)
    );
    facts(
        &mut h,
        &[
            ("Scenario", escape(&c.scenario)),
            ("Seeds", escape(&seeds_text(&c.seeds))),
            (
                "Runs",
                format!(
                    "{} ({} variant(s) and the baseline, each on every seed, paired by seed)",
                    c.runs.len(),
                    c.variants.len()
                ),
            ),
        ],
    );
    h.push_str("</header>\n<main>\n<section>\n<h2>Variants</h2>\n");
    h.push_str(
        "<table class=\"data\">\n<thead><tr><th>Variant</th><th>Overrides of the scenario</th></tr></thead>\n<tbody>\n",
    );
    for v in &data.variants {
        let overrides = if v.overrides.is_empty() {
            "the scenario as written".to_string()
        } else {
            v.overrides
                .iter()
                .map(|o| format!("<code>{}</code>", escape(o)))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            h,
            r#"<tr><td><span class="key"><i style="background:{}"></i>{}</span></td><td>{overrides}</td></tr>"#,
            v.color,
            escape(&v.name)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    // Differences whose interval excludes zero, listed first.
    h.push_str("<section>\n<h2>Differences</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"hint\">Each difference is variant − baseline, paired by seed: the mean over \
         the seeds where both runs have a value and its 95% Student-t interval. A filled dot \
         and <span class=\"sig\">bold</span> row: the interval excludes 0.</p>"
    );
    let clear: Vec<String> = data
        .metrics
        .iter()
        .flat_map(|m| {
            m.rows.iter().filter(|r| r.excludes_zero).map(move |r| {
                format!(
                    "<li><a href=\"#m-{}\">{}</a>, {}: {} {}</li>",
                    escape(&m.metric),
                    escape(&m.label),
                    escape(&r.variant),
                    escape(&r.text[2]),
                    escape(&r.text[3])
                )
            })
        })
        .collect();
    if clear.is_empty() {
        h.push_str("<p>No difference has an interval that excludes 0 at these seeds.</p>\n");
    } else {
        let _ = writeln!(
            h,
            "<p>Intervals that exclude 0:</p>\n<ul class=\"clear\">\n{}\n</ul>",
            clear.join("\n")
        );
    }
    for (mi, m) in data.metrics.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section class=\"metric\" id=\"m-{}\">\n<h3>{}{}</h3>\n<p class=\"explain\">{}</p>",
            escape(&m.metric),
            escape(&m.label),
            if m.unit.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"unit\">({})</span>", escape(m.unit))
            },
            escape(m.explanation)
        );
        h.push_str(
            "<table class=\"data\">\n<thead><tr><th>Variant</th><th class=\"num\">Pairs</th><th class=\"num\">Baseline mean</th><th class=\"num\">Variant mean</th><th class=\"num\">Difference</th><th class=\"num\">95% interval</th></tr></thead>\n<tbody>\n",
        );
        for r in &m.rows {
            let _ = writeln!(
                h,
                r#"<tr{}><td><span class="key"><i style="background:{}"></i>{}</span></td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}{}</td></tr>"#,
                if r.excludes_zero { r#" class="sig""# } else { "" },
                color_of(&data.variants, &r.variant),
                escape(&r.variant),
                r.n,
                escape(&r.text[0]),
                escape(&r.text[1]),
                escape(&r.text[2]),
                escape(&r.text[3]),
                if r.excludes_zero { " ●" } else { "" }
            );
        }
        h.push_str("</tbody>\n</table>\n");
        let rows: Vec<ForestRow<'_>> = m
            .rows
            .iter()
            .map(|r| ForestRow {
                label: &r.variant,
                color: color_of(&data.variants, &r.variant),
                mean: r.diff_mean,
                ci: r.ci95,
            })
            .collect();
        let same = m.rows.iter().any(|r| r.diff_mean.is_some())
            && m.rows.iter().all(|r| {
                r.diff_mean.is_none_or(|d| d == 0.0) && r.ci95.is_none_or(|c| c == [0.0, 0.0])
            });
        if same {
            h.push_str(
                "<p class=\"hint\">No difference: every variant equals the baseline on every seed.</p>\n</section>\n",
            );
            continue;
        }
        let id = format!("forest-{mi}");
        let label = format!("{}: difference to the baseline with its 95% interval", m.label);
        match forest_svg(&id, &label, m.unit, &rows, layout.width)
            .map_err(figure_error(format!("the forest plot of {}", m.metric)))?
        {
            Some(svg) => {
                h.push_str("<figure class=\"figure-box\">");
                h.push_str(&svg);
                h.push_str("</figure>\n");
            }
            None => h.push_str(
                "<p class=\"hint\">No seed has a value in both runs: nothing to compare.</p>\n",
            ),
        }
        h.push_str("</section>\n");
    }
    h.push_str("</section>\n");

    if let (Some(set), Some(seed)) = (overlay_chart_set(c), data.overlay_seed) {
        let _ = writeln!(
            h,
            "<section class=\"charts\">\n<h2>Primary market on seed {seed}, every variant</h2>\n<p class=\"hint\">Hover a chart to read every variant's value at a second. Drag across a chart to zoom the time axis of both charts; double-click or press Esc to reset. <button type=\"button\" id=\"reset-zoom\" hidden>Reset zoom</button> <span id=\"zoom-range\"></span></p>"
        );
        let time = (data.time_domain[0], data.time_domain[1]);
        for (ci, chart) in set.charts.iter().enumerate() {
            let _ = write!(
                h,
                r#"<figure class="chart-box"><figcaption><span class="title">{}</span> <span class="unit">({})</span><span class="legend">"#,
                escape(chart.title),
                escape(chart.unit)
            );
            for (k, o) in c.overlay.iter().enumerate() {
                let _ = write!(
                    h,
                    r#"<span class="key"><i style="background:{}"></i>{}<b data-v="0-{ci}-{k}"></b></span>"#,
                    color_of(&data.variants, &o.variant),
                    escape(&o.variant)
                );
            }
            h.push_str("</span></figcaption>\n");
            h.push_str(&render_svg(&set, ci, layout, time, (0, ci))?);
            h.push_str("\n</figure>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n");
    let _ = write!(
        h,
        "<footer>Cascade comparison report, payload format {}. Self-contained: it loads nothing from the network.</footer>\n\
         <div id=\"tip\" class=\"tip\" hidden></div>\n\
         <script type=\"application/json\" id=\"cascade-data\">{}</script>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        data.format,
        json_for_script(&data)
    );
    Ok((h, data))
}

/// Reads the comparison folder `dir` and returns the page and its payload, writing nothing.
///
/// # Errors
/// As [`read_compare`] and [`compare_page`].
pub fn build_compare(dir: &Path, layout: &Layout) -> Result<(String, ComparePayload), ReportError> {
    let c = read_compare(dir)?;
    compare_page(&c, layout)
}

/// Reads `dir/compare.json` and writes `dir/report.html` atomically; returns its path.
///
/// On any error nothing is written: no report, no temporary file.
///
/// # Errors
/// As [`build_compare`], or [`ReportError::Write`].
pub fn render_compare(dir: &Path) -> Result<PathBuf, ReportError> {
    let (html, _) = build_compare(dir, &Layout::default())?;
    let path = dir.join(REPORT_FILE);
    cascade_output::write_text_atomic(&path, &html)?;
    Ok(path)
}
