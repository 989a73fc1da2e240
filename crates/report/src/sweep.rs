//! The sweep report: `sweep.json` (written by `cascade sweep` once every run is done) read back
//! and drawn as `report.html` — the grid and seeds; for each tail metric (bad debt, insurance
//! fund drawdown, ADL notional, max drawdown) the distribution of its runs per grid point as box
//! plots, a table of median, p95 and p99 per grid point, and for a grid of two keys heat maps
//! of the median and the p95; the other metrics' medians in a table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cascade_experiment::metrics::{METRICS, TAIL_METRICS};
use cascade_experiment::{PointSummary, Quantiles, SweepSummary};

use crate::chart::Layout;
use crate::experiment::{
    describe, facts, folder_kind, read_json, seeds_text, short_names, unquote, variant_color,
};
use crate::figures::{box_svg, heat_css, heat_svg, BoxGroup, Heat};
use crate::html::{head, CSS, EXPERIMENT_CSS};
use crate::payload::MetricInfo;
use crate::svg::escape;
use crate::{ReportError, REPORT_FILE};

const FIX: &str = "finish the sweep again with `cascade sweep` (finished runs are skipped) to \
                   rewrite it";

/// The top-level fields of sweep.json.
const FIELDS: &[&str] = &["plan", "points", "runs"];

/// Reads `dir/sweep.json`.
///
/// # Errors
/// [`ReportError::NotASweep`] without the file (saying whether the sweep is unfinished),
/// [`ReportError::Experiment`] when it is not a sweep summary this version writes or its parts
/// disagree, [`ReportError::Io`] when unreadable.
pub fn read_sweep(dir: &Path) -> Result<SweepSummary, ReportError> {
    let missing = || ReportError::NotASweep {
        dir: dir.to_path_buf(),
        hint: if !dir.is_dir() {
            "the folder does not exist; give the folder `cascade sweep` wrote (its --out, by \
             default out/sweep-SCENARIO)"
                .to_string()
        } else if dir.join(cascade_experiment::PLAN_JSON).is_file() {
            "the sweep is not finished (sweep.json is written once every run is done): run the \
             same `cascade sweep` command again (finished runs are skipped), or merge the shard \
             folders with `cascade sweep merge`"
                .to_string()
        } else if let Some(kind) = folder_kind(dir) {
            format!("it is {kind}, not a sweep folder")
        } else {
            "it is not a sweep folder; give the folder `cascade sweep` wrote (its --out, by \
             default out/sweep-SCENARIO)"
                .to_string()
        },
    };
    let s: SweepSummary =
        read_json(dir, cascade_experiment::SWEEP_JSON, "sweep summary", FIELDS, FIX, missing)?;
    check(&s).map_err(|reason| ReportError::Experiment {
        path: dir.join(cascade_experiment::SWEEP_JSON),
        what: "sweep summary",
        reason,
        fix: FIX,
    })?;
    Ok(s)
}

/// The parts of a sweep summary agree: one point per combination of the axes' values, in
/// order; every run at a known point with one value per metric this version knows.
fn check(s: &SweepSummary) -> Result<(), String> {
    let grid = &s.plan.grid;
    if grid.is_empty() {
        return Err("its plan has no grid axes".into());
    }
    if let Some(axis) = grid.iter().find(|a| a.values.is_empty()) {
        return Err(format!("grid axis `{}` has no values", axis.key));
    }
    if s.plan.seeds.is_empty() {
        return Err("its plan has no seeds".into());
    }
    let expected: usize = grid.iter().map(|a| a.values.len()).product();
    if s.points.len() != expected {
        return Err(format!(
            "it has {} grid points, but its grid makes {expected}",
            s.points.len()
        ));
    }
    for (k, p) in s.points.iter().enumerate() {
        if p.index != k || p.values.len() != grid.len() {
            return Err(format!(
                "grid point {k} has index {} and {} values (expected index {k} and {} values)",
                p.index,
                p.values.len(),
                grid.len()
            ));
        }
    }
    for r in &s.runs {
        if r.point >= s.points.len() {
            return Err(format!(
                "run (point {}, seed {}) names a point past the grid",
                r.point, r.seed
            ));
        }
        if r.metrics.len() != METRICS.len() {
            return Err(format!(
                "run (point {}, seed {}) has {} metric values, this version reads {}",
                r.point,
                r.seed,
                r.metrics.len(),
                METRICS.len()
            ));
        }
    }
    Ok(())
}

fn quantiles<'a>(p: &'a PointSummary, metric: &str) -> Option<&'a Quantiles> {
    p.metrics.iter().find(|q| q.metric == metric)
}

/// The runs' values of metric `m` (index in [`METRICS`]) at every point.
fn groups(s: &SweepSummary, m: usize) -> Vec<BoxGroup> {
    s.points
        .iter()
        .map(|p| BoxGroup {
            labels: p.values.iter().map(|v| unquote(v).to_string()).collect(),
            values: s
                .runs
                .iter()
                .filter(|r| r.point == p.index)
                .filter_map(|r| r.metrics[m])
                .filter(|v| v.is_finite())
                .collect(),
        })
        .collect()
}

fn figure_error(figure: String) -> impl FnOnce(String) -> ReportError {
    move |reason| ReportError::Figure { figure, reason }
}

/// The table of one metric's quantiles per grid point.
fn quantile_table(
    h: &mut String,
    s: &SweepSummary,
    names: &[String],
    metric: &str,
    info: &MetricInfo,
) {
    h.push_str("<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>#</th>");
    for (name, axis) in names.iter().zip(&s.plan.grid) {
        let _ = write!(h, r#"<th title="{}">{}</th>"#, escape(&axis.key), escape(name));
    }
    h.push_str(
        "<th class=\"num\">Runs</th><th class=\"num\">Median</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">Max</th><th class=\"num\">Mean</th></tr></thead>\n<tbody>\n",
    );
    for p in &s.points {
        let _ = write!(h, "<tr><td>{}</td>", p.index);
        for v in &p.values {
            let _ = write!(h, "<td><code>{}</code></td>", escape(unquote(v)));
        }
        match quantiles(p, metric) {
            Some(q) => {
                let _ = write!(
                    h,
                    "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    q.n,
                    escape(&info.format_mean(q.median)),
                    escape(&info.format_mean(q.p95)),
                    escape(&info.format_mean(q.p99)),
                    escape(&info.format_mean(q.max)),
                    escape(&info.format_mean(q.mean)),
                );
            }
            None => h.push_str("<td class=\"num\">0</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td>"),
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}

/// Heat maps of the median and the p95 of one metric over a two-axis grid, sharing one colour
/// scale.
fn heat_maps(
    h: &mut String,
    s: &SweepSummary,
    names: &[String],
    metric: &str,
    mi: usize,
    info: &MetricInfo,
    layout: &Layout,
) -> Result<(), ReportError> {
    let rows: Vec<String> = s.plan.grid[0].values.iter().map(|v| unquote(v).to_string()).collect();
    let cols: Vec<String> = s.plan.grid[1].values.iter().map(|v| unquote(v).to_string()).collect();
    let pick = |f: fn(&Quantiles) -> Option<f64>| -> Vec<Option<f64>> {
        s.points.iter().map(|p| quantiles(p, metric).and_then(f)).collect()
    };
    let medians = pick(|q| q.median);
    let p95s = pick(|q| q.p95);
    let finite: Vec<f64> =
        medians.iter().chain(&p95s).flatten().copied().filter(|v| v.is_finite()).collect();
    let range = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let range = if range.0 > range.1 { (0.0, 0.0) } else { range };
    let width = (layout.width - 16) / 2;
    h.push_str("<div class=\"heat-pair\">\n");
    for (title, values) in [("median", &medians), ("p95", &p95s)] {
        let heat = Heat {
            title,
            row_name: &names[0],
            col_name: &names[1],
            rows: &rows,
            cols: &cols,
            values,
            range,
        };
        let id = format!("heat-{mi}-{title}");
        let label = format!("{} {title} per grid point", info.label);
        let svg = heat_svg(&id, &label, &heat, width)
            .map_err(figure_error(format!("the {title} heat map of {metric}")))?;
        h.push_str(&svg);
        h.push('\n');
    }
    let stops: Vec<String> = (0..=4).map(|k| heat_css(f64::from(k) / 4.0)).collect();
    let scale = if range.1 > range.0 {
        format!(
            "Colour from {} <span class=\"scale\" style=\"background:linear-gradient(to right, {})\"></span> to {}, shared by both maps.",
            escape(&info.format_mean(Some(range.0))),
            stops.join(", "),
            escape(&info.format_mean(Some(range.1)))
        )
    } else if finite.is_empty() {
        "No run has a value.".to_string()
    } else {
        format!("Every cell is {}.", escape(&info.format_mean(Some(range.0))))
    };
    let _ = writeln!(
        h,
        "</div>\n<p class=\"hint\">Rows: {} · columns: {}. {scale}</p>",
        escape(&s.plan.grid[0].key),
        escape(&s.plan.grid[1].key),
    );
    Ok(())
}

/// The sweep page.
///
/// # Errors
/// A figure that cannot be drawn ([`ReportError::Figure`]).
pub fn sweep_page(s: &SweepSummary, layout: &Layout) -> Result<String, ReportError> {
    let plan = &s.plan;
    let keys: Vec<&str> = plan.grid.iter().map(|a| a.key.as_str()).collect();
    let names = short_names(&keys);
    let mut h = String::with_capacity(1 << 18);
    let title = format!("{}: sweep", plan.scenario);
    h.push_str(&head(&title, &[CSS, EXPERIMENT_CSS]));
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"description\">{}</p>\n",
        escape(&title),
        escape(&plan.description)
    );
    facts(
        &mut h,
        &[
            ("Scenario", escape(&plan.scenario)),
            ("Seeds", escape(&seeds_text(&plan.seeds))),
            (
                "Grid",
                format!(
                    "{} point(s): {}",
                    s.points.len(),
                    plan.grid
                        .iter()
                        .map(|a| format!(
                            "{} value(s) of <code>{}</code>",
                            a.values.len(),
                            escape(&a.key)
                        ))
                        .collect::<Vec<_>>()
                        .join(" × ")
                ),
            ),
            ("Runs", format!("{} (every grid point on every seed)", s.runs.len())),
            ("Plan hash", format!("<code>{}</code>", escape(&plan.hash))),
        ],
    );
    h.push_str("</header>\n<main>\n<section>\n<h2>Grid</h2>\n");
    h.push_str(
        "<table class=\"data\">\n<thead><tr><th>Axis</th><th>Key path</th><th>Values</th></tr></thead>\n<tbody>\n",
    );
    for (name, axis) in names.iter().zip(&plan.grid) {
        let values: Vec<String> =
            axis.values.iter().map(|v| format!("<code>{}</code>", escape(v))).collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(name),
            escape(&axis.key),
            values.join(", ")
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str(
        "<section>\n<h2>Tail metrics</h2>\n<p class=\"hint\">How bad it can get, per grid point: \
         each box spans the middle half of the runs (quartiles), the thick line is the median, \
         whiskers reach the furthest runs within 1.5 box lengths, and every run is a dot. \
         Quantiles interpolate between runs (numpy's default), so with few seeds p95 and p99 lie \
         close to the largest run.</p>\n",
    );
    for (ti, metric) in TAIL_METRICS.iter().enumerate() {
        let Some(m) = METRICS.iter().position(|x| x == metric) else { continue };
        let (label, info) = describe(metric);
        let _ = writeln!(
            h,
            "<section class=\"metric\" id=\"m-{}\">\n<h3>{}{}</h3>\n<p class=\"explain\">{}</p>",
            escape(metric),
            escape(&label),
            if info.unit.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"unit\">({})</span>", escape(info.unit))
            },
            escape(info.explanation)
        );
        let id = format!("box-{ti}");
        let aria = format!("{label}: runs per grid point");
        match box_svg(&id, &aria, info.unit, &names, &groups(s, m), variant_color(ti), layout)
            .map_err(figure_error(format!("the box plot of {metric}")))?
        {
            Some(svg) => {
                h.push_str("<figure class=\"figure-box\">");
                h.push_str(&svg);
                h.push_str("</figure>\n");
            }
            None => h.push_str("<p class=\"hint\">No run has a value.</p>\n"),
        }
        quantile_table(&mut h, s, &names, metric, &info);
        if plan.grid.len() == 2 {
            heat_maps(&mut h, s, &names, metric, ti, &info, layout)?;
        }
        h.push_str("</section>\n");
    }
    h.push_str("</section>\n");

    // The other metrics: median (p95) per grid point.
    let others: Vec<&str> = METRICS.iter().copied().filter(|m| !TAIL_METRICS.contains(m)).collect();
    h.push_str(
        "<section>\n<h2>Other metrics</h2>\n<details>\n<summary>Median (p95) of every other metric per grid point</summary>\n<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Metric</th>",
    );
    for p in &s.points {
        let values: Vec<String> =
            names.iter().zip(&p.values).map(|(n, v)| format!("{n}={}", unquote(v))).collect();
        let _ =
            write!(h, r#"<th class="num" title="{}">#{}</th>"#, escape(&values.join(" ")), p.index);
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for metric in others {
        let (label, info) = describe(metric);
        let _ =
            write!(h, r#"<tr><td title="{}">{}</td>"#, escape(info.explanation), escape(&label));
        for p in &s.points {
            let cell = quantiles(p, metric).map_or("—".to_string(), |q| {
                format!("{} ({})", info.format_mean(q.median), info.format_mean(q.p95))
            });
            let _ = write!(h, "<td class=\"num\">{}</td>", escape(&cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n<p class=\"hint\">Grid points are numbered as in the tables above.</p>\n</details>\n</section>\n</main>\n");
    h.push_str(
        "<footer>Cascade sweep report. Self-contained: it loads nothing from the network.</footer>\n</body>\n</html>\n",
    );
    Ok(h)
}

/// Reads the sweep folder `dir` and returns the page, writing nothing.
///
/// # Errors
/// As [`read_sweep`] and [`sweep_page`].
pub fn build_sweep(dir: &Path, layout: &Layout) -> Result<String, ReportError> {
    let s = read_sweep(dir)?;
    sweep_page(&s, layout)
}

/// Reads `dir/sweep.json` and writes `dir/report.html` atomically; returns its path.
///
/// On any error nothing is written: no report, no temporary file.
///
/// # Errors
/// As [`build_sweep`], or [`ReportError::Write`].
pub fn render_sweep(dir: &Path) -> Result<PathBuf, ReportError> {
    let html = build_sweep(dir, &Layout::default())?;
    let path = dir.join(REPORT_FILE);
    cascade_output::write_text_atomic(&path, &html)?;
    Ok(path)
}
