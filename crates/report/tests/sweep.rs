//! The sweep report: hand-made sweeps of one, two and three axes (heat maps only for two), and
//! the report of a real 2×2 sweep on two seeds of a shortened built-in scenario: a box plot per
//! tail metric with a dot per run, quantile tables that agree with sweep.json, heat maps of the
//! median and p95 with a labelled cell per grid point, nothing referenced from outside.

mod common;

use cascade_experiment::metrics::{METRICS, TAIL_METRICS};
use cascade_experiment::{Axis, Point, SweepSummary};
use cascade_report::{build_sweep, metric_info, render_sweep, sweep_page, Layout, REPORT_FILE};
use common::experiment::{base, data, figures, hand_sweep, with};

fn axis(key: &str, values: &[&str]) -> Axis {
    Axis { key: key.into(), values: values.iter().map(|v| (*v).to_string()).collect() }
}

/// Checks every figure of a sweep page against the summary.
fn check_page(html: &str, s: &SweepSummary) {
    common::assert_offline(html);
    assert!(!html.contains("<script"), "the sweep page needs no script");
    let boxes = figures(html, "boxes");
    assert_eq!(boxes.len(), TAIL_METRICS.len());
    for (svg, metric) in boxes.iter().zip(TAIL_METRICS) {
        let m = METRICS.iter().position(|x| x == metric).unwrap();
        let runs = s.runs.iter().filter(|r| r.metrics[m].is_some()).count();
        let d = data(svg);
        assert_eq!(d.matches("<circle").count(), runs, "{metric}: a dot per run");
        assert!(d.matches("<rect").count() >= 2 * s.points.len(), "{metric}: a box per point");
        // Each point is labelled by its values.
        for p in &s.points {
            let first = p.values[0].trim_matches('"');
            assert!(svg.contains(&format!(">{first}</text>")), "{metric}: label {first}");
        }
    }
    // The tables: median, p95 and p99 per point as sweep.json has them.
    for metric in TAIL_METRICS {
        let info = metric_info(metric).unwrap();
        assert!(html.contains(&info.explanation.replace('\'', "&#39;")), "{metric}");
        for p in &s.points {
            let q = p.metrics.iter().find(|q| q.metric == *metric).unwrap();
            for v in [q.median, q.p95, q.p99] {
                let text = info.format_mean(v);
                assert!(
                    html.contains(&format!("<td class=\"num\">{text}</td>")),
                    "{metric} {text}"
                );
            }
        }
    }
    let heats = figures(html, "heat");
    if s.plan.grid.len() == 2 {
        assert_eq!(heats.len(), 2 * TAIL_METRICS.len(), "median and p95 per tail metric");
        for h in &heats {
            let d = data(h);
            assert_eq!(
                d.matches("<rect").count(),
                2 * s.points.len(),
                "a cell and its border per point"
            );
            assert_eq!(d.matches("<text").count(), s.points.len(), "a value per cell");
        }
    } else {
        assert!(heats.is_empty());
    }
}

#[test]
fn hand_made_sweeps() {
    let layout = Layout::default();
    let two = hand_sweep(
        vec![
            axis("venues.dex.vault_usd", &["\"50000\"", "\"150000\"", "\"300000\""]),
            axis("agents.mm.levels", &["6", "10"]),
        ],
        5,
    );
    let html = sweep_page(&two, &layout).unwrap();
    check_page(&html, &two);
    assert!(html.contains("A grid &lt;of&gt; keys"));
    assert!(html.contains("<th title=\"venues.dex.vault_usd\">vault_usd</th>"));
    // The median of bad debt at the last point (of five seeds, the third) is in its cell.
    let m = METRICS.iter().position(|x| *x == "bad_debt_usd").unwrap();
    let median = (m as f64 + 1.0) * 1000.0 * 6.0 + 30.0;
    let heat = figures(&html, "heat")[0];
    assert!(heat.contains(&format!("\n{:.1}k\n</text>", median / 1000.0)), "{median}");

    let one = hand_sweep(vec![axis("agents.mm.levels", &["3", "6", "10", "20"])], 3);
    check_page(&sweep_page(&one, &layout).unwrap(), &one);
    let three = hand_sweep(
        vec![axis("a.x", &["1", "2"]), axis("b.x", &["1", "2"]), axis("c.y", &["true", "false"])],
        2,
    );
    let html = sweep_page(&three, &layout).unwrap();
    check_page(&html, &three);
    assert!(
        html.contains(">a.x</text>") && html.contains(">y</text>"),
        "axis names label the lines"
    );
}

#[test]
fn sweep_of_real_runs() {
    let base = base();
    let grid = vec![
        axis("venues.perp-dex.vault_usd", &["\"50000\"", "\"150000\""]),
        axis(
            "venues.perp-dex.overrides.liquidation.backstop.loss_cap",
            &["\"10000\"", "\"100000\""],
        ),
    ];
    let points: Vec<Point> = cascade_experiment::product(&grid)
        .into_iter()
        .enumerate()
        .map(|(index, values)| {
            let pairs: Vec<(&str, &str)> =
                grid.iter().zip(&values).map(|(a, v)| (a.key.as_str(), v.as_str())).collect();
            let scenario = with(&base, &pairs);
            Point { index, values, scenario }
        })
        .collect();
    let seeds = [42, 43];
    let plan = cascade_experiment::plan(&base, &grid, &points, &seeds);
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("sweep");
    cascade_experiment::run_sweep(&dir, &plan, &points, None, 2, |_, _| {}).unwrap();
    let summary = cascade_experiment::finalize(&dir).unwrap();

    let path = render_sweep(&dir).unwrap();
    assert_eq!(path, dir.join(REPORT_FILE));
    let html = std::fs::read_to_string(&path).unwrap();
    eprintln!("sweep report of real runs: {} bytes", html.len());
    assert_eq!(build_sweep(&dir, &Layout::default()).unwrap(), html);
    check_page(&html, &summary);
    assert!(html.contains("leveraged longs are liquidated"));
    assert!(html.contains("<code>venues.perp-dex.overrides.liquidation.backstop.loss_cap</code>"));
    assert!(html.contains(&summary.plan.hash));
    assert!(!common::files(&dir).iter().any(|f| f.ends_with(".tmp")));
}
