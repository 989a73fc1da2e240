//! Experiment inputs for the comparison and sweep reports: a short built-in scenario and its
//! variants for real runs, small hand-made `Compare` and `SweepSummary` values, and checks on
//! the figures of a written page.

use cascade_experiment::metrics::{METRICS, TAIL_METRICS};
use cascade_experiment::{
    Axis, Compare, CompareLine, Overlay, Plan, PointSummary, PrimarySeries, Quantiles, RunOutcome,
    RunRecord, SweepSummary,
};
use cascade_scenario::{Assignment, Scenario};

/// The built-in crash, shortened to 700 s.
pub fn base() -> Scenario {
    let text = "include = \"builtin:thin-book-flash-crash\"\nduration_s = 700\n";
    cascade_scenario::load(text, "short.toml", &mut cascade_scenario::builtin_resolver).unwrap()
}

/// `base` with `key = value`.
pub fn with(base: &Scenario, assignments: &[(&str, &str)]) -> Scenario {
    let a: Vec<Assignment> = assignments
        .iter()
        .map(|(k, v)| Assignment { key: (*k).into(), value: (*v).into() })
        .collect();
    cascade_scenario::with_overrides(base, &a, &mut cascade_scenario::builtin_resolver).unwrap()
}

fn line(metric: &str, variant: &str, b: f64, v: f64, ci: Option<[f64; 2]>) -> CompareLine {
    CompareLine {
        metric: metric.into(),
        variant: variant.into(),
        n: 2,
        baseline_mean: Some(b),
        variant_mean: Some(v),
        diff_mean: Some(v - b),
        ci95: ci,
    }
}

fn series(start: i64, marks: &[f64], liquidated: &[f64]) -> PrimarySeries {
    PrimarySeries {
        time_s: (start..start + marks.len() as i64).collect(),
        mark: marks.iter().map(|m| (*m > 0.0).then_some(*m)).collect(),
        liquidated_usd: liquidated.to_vec(),
    }
}

/// A small comparison: a baseline and two variants on two seeds, three metrics (one of them
/// unknown to this version, one without any value), overlays of different lengths.
pub fn hand_compare() -> Compare {
    let outcome = |seed| RunOutcome {
        seed,
        digest: format!("d{seed}"),
        metrics: vec![Some(1.0); METRICS.len()],
        primary: None,
    };
    Compare {
        scenario: "hand-made".into(),
        description: "A <b>crash</b> & \"quotes\" pulled".into(),
        seeds: vec![7, 8],
        variants: vec![
            (
                "capped".into(),
                vec!["venues.dex.overrides.liquidation.backstop.loss_cap=\"25000\"".into()],
            ),
            (
                "small <vault>".into(),
                vec!["venues.dex.vault_usd=\"20000\"".into(), "agents.mm.levels=3".into()],
            ),
        ],
        metrics: vec![
            "bad_debt_usd".into(),
            "adl_count".into(),
            "first_adl_s".into(),
            "mystery_metric".into(),
        ],
        lines: vec![
            line("bad_debt_usd", "capped", 1_000.0, 25_000.0, Some([4_000.0, 44_000.0])),
            line("bad_debt_usd", "small <vault>", 1_000.0, 900.0, Some([-500.0, 300.0])),
            line("adl_count", "capped", 2.0, 4.5, Some([-1.0, 6.0])),
            line("adl_count", "small <vault>", 2.0, 0.5, None),
            CompareLine {
                metric: "first_adl_s".into(),
                variant: "capped".into(),
                n: 0,
                baseline_mean: None,
                variant_mean: None,
                diff_mean: None,
                ci95: None,
            },
            CompareLine {
                metric: "first_adl_s".into(),
                variant: "small <vault>".into(),
                n: 0,
                baseline_mean: None,
                variant_mean: None,
                diff_mean: None,
                ci95: None,
            },
            line("mystery_metric", "capped", 0.5, 0.25, Some([-0.5, -0.1])),
            line("mystery_metric", "small <vault>", 0.5, 0.5, Some([0.0, 0.0])),
        ],
        overlay: vec![
            Overlay {
                variant: "baseline".into(),
                series: series(1, &[100.0, 99.0, 80.0, 85.0], &[0.0, 0.0, 5_000.0, 0.0]),
            },
            Overlay {
                variant: "capped".into(),
                series: series(1, &[100.0, 98.5, 70.0, 0.0], &[0.0, 100.0, 9_000.0, 0.0]),
            },
            Overlay {
                variant: "small <vault>".into(),
                series: series(2, &[99.5, 79.0, 84.0, 86.0, 87.0], &[0.0, 4_000.0, 10.0, 0.0, 0.0]),
            },
        ],
        runs: ["baseline", "capped", "small <vault>"]
            .iter()
            .flat_map(|v| [7, 8].map(|s| (v.to_string(), outcome(s))))
            .collect(),
    }
}

fn quantiles(metric: &str, values: &[f64]) -> Quantiles {
    let q = |p| cascade_experiment::stats::quantile(values, p);
    Quantiles {
        metric: metric.into(),
        n: values.len(),
        mean: (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64),
        median: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        max: q(1.0),
    }
}

/// A hand-made finished sweep over `grid` with `seeds` seeds: metric `m` of the run at point
/// `p` and seed `s` is `(m + 1) × 1000 × (p + 1) + s × 10` (first ADL missing on odd seeds).
pub fn hand_sweep(grid: Vec<Axis>, seeds: u64) -> SweepSummary {
    let values = cascade_experiment::product(&grid);
    let seeds: Vec<u64> = (1..=seeds).collect();
    let value = |m: usize, p: usize, s: u64| {
        (METRICS[m] != "first_adl_s" || s & 1 == 0)
            .then_some((m as f64 + 1.0) * 1000.0 * (p as f64 + 1.0) + s as f64 * 10.0)
    };
    let runs: Vec<RunRecord> = (0..values.len())
        .flat_map(|p| {
            seeds.iter().map(move |&s| RunRecord {
                point: p,
                seed: s,
                digest: format!("p{p}s{s}"),
                metrics: (0..METRICS.len()).map(|m| value(m, p, s)).collect(),
            })
        })
        .collect();
    let order: Vec<&str> = TAIL_METRICS
        .iter()
        .copied()
        .chain(METRICS.iter().copied().filter(|m| !TAIL_METRICS.contains(m)))
        .collect();
    let points = values
        .iter()
        .enumerate()
        .map(|(p, v)| PointSummary {
            index: p,
            values: v.clone(),
            metrics: order
                .iter()
                .map(|name| {
                    let m = METRICS.iter().position(|x| x == name).unwrap();
                    let xs: Vec<f64> =
                        runs.iter().filter(|r| r.point == p).filter_map(|r| r.metrics[m]).collect();
                    quantiles(name, &xs)
                })
                .collect(),
        })
        .collect();
    SweepSummary {
        plan: Plan {
            scenario: "hand-made".into(),
            description: "A grid <of> keys".into(),
            grid,
            seeds,
            hash: "ab".repeat(32),
        },
        points,
        runs,
    }
}

/// The `<svg class="figure KIND">` elements of a page.
pub fn figures<'a>(html: &'a str, kind: &str) -> Vec<&'a str> {
    let open = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure {kind}\"");
    html.match_indices(&open)
        .map(|(at, _)| {
            let end = html[at..].find("</svg>").expect("closed svg") + at + "</svg>".len();
            &html[at..end]
        })
        .collect()
}

/// The data group of a figure (what it drew, without frame and labels).
pub fn data(svg: &str) -> &str {
    let start = svg.find("<g class=\"data\">").expect("data group");
    let rest = &svg[start..];
    // The data group holds no nested group of its own making: plotters writes flat elements.
    let end = rest.find("</g>").expect("closed data group");
    &rest[..end]
}

/// The JSON embedded in a page's `#cascade-data` element.
pub fn embedded_json(html: &str) -> serde_json::Value {
    let start = html.find(r#"<script type="application/json" id="cascade-data">"#).unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    assert!(!json.contains('<'), "`<` is escaped inside the script element");
    serde_json::from_str(json).unwrap()
}
