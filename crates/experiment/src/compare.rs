//! `compare`: a baseline and variants run on the same seeds (paired), with a table of mean
//! differences and 95% intervals per metric, and the primary market's path on the first seed
//! for overlaid charts.

use std::path::Path;

use cascade_scenario::{Assignment, Scenario};
use serde::{Deserialize, Serialize};

use crate::metrics::METRICS;
use crate::run::{parallel, run, PrimarySeries, RunOutcome};
use crate::stats::paired;
use crate::table::{self, Row};
use crate::ExperimentError;

/// A variant: a name, its overrides, and the scenario they make.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Name.
    pub name: String,
    /// What it changes.
    pub assignments: Vec<Assignment>,
    /// The changed scenario.
    pub scenario: Scenario,
}

/// One metric of one variant against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareLine {
    /// Metric.
    pub metric: String,
    /// Variant.
    pub variant: String,
    /// Pairs used (seeds where both runs have a value).
    pub n: usize,
    /// Baseline mean over those seeds.
    pub baseline_mean: Option<f64>,
    /// Variant mean.
    pub variant_mean: Option<f64>,
    /// Mean of variant − baseline.
    pub diff_mean: Option<f64>,
    /// 95% interval of the mean difference (None with fewer than two pairs).
    pub ci95: Option<[f64; 2]>,
}

/// One variant's overlay path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// `baseline` or the variant's name.
    pub variant: String,
    /// Its path on the first seed.
    pub series: PrimarySeries,
}

/// A whole comparison (what `compare.json` holds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Compare {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Seeds, shared by every variant.
    pub seeds: Vec<u64>,
    /// Variants: name and `KEY=VALUE` overrides.
    pub variants: Vec<(String, Vec<String>)>,
    /// Metric names.
    pub metrics: Vec<String>,
    /// The table: per metric, per variant.
    pub lines: Vec<CompareLine>,
    /// The primary market on the first seed, baseline first.
    pub overlay: Vec<Overlay>,
    /// Every run: (variant, outcome without its path), baseline first.
    pub runs: Vec<(String, RunOutcome)>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Runs the baseline and each variant on every seed, `threads` at a time.
///
/// # Errors
/// A variant that changes nothing, a world the engine refuses, or no seeds.
pub fn compare(
    base: &Scenario,
    variants: &[Variant],
    seeds: &[u64],
    threads: usize,
    progress: impl Fn(usize, usize) + Sync + Send,
) -> Result<Compare, ExperimentError> {
    if seeds.is_empty() {
        return Err(ExperimentError::Input("compare needs at least one seed".into()));
    }
    for v in variants {
        if v.scenario.resolved_toml() == base.resolved_toml() {
            return Err(ExperimentError::Input(format!(
                "variant `{}` changes nothing (its overrides leave the scenario as it is): {}",
                v.name,
                v.assignments
                    .iter()
                    .map(|a| format!("{}={}", a.key, a.value))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
    }
    let mut names = vec!["baseline".to_string()];
    names.extend(variants.iter().map(|v| v.name.clone()));
    let scenarios: Vec<&Scenario> =
        std::iter::once(base).chain(variants.iter().map(|v| &v.scenario)).collect();
    let jobs: Vec<(usize, u64, bool)> = (0..scenarios.len())
        .flat_map(|k| seeds.iter().enumerate().map(move |(i, &s)| (k, s, i == 0)))
        .collect();
    let outcomes =
        parallel(&jobs, threads, |&(k, seed, first)| run(scenarios[k], seed, first), progress)?;
    let outcomes: Vec<RunOutcome> = outcomes.into_iter().collect::<Result<_, _>>()?;
    let per = seeds.len();
    let by_variant: Vec<&[RunOutcome]> = outcomes.chunks(per).collect();
    let mut lines = Vec::new();
    for (m, metric) in METRICS.iter().enumerate() {
        let column = |runs: &[RunOutcome]| runs.iter().map(|r| r.metrics[m]).collect::<Vec<_>>();
        let base_values = column(by_variant[0]);
        for (k, name) in names.iter().enumerate().skip(1) {
            let p = paired(&base_values, &column(by_variant[k]));
            lines.push(CompareLine {
                metric: (*metric).to_string(),
                variant: name.clone(),
                n: p.n,
                baseline_mean: finite(p.baseline_mean),
                variant_mean: finite(p.variant_mean),
                diff_mean: finite(p.diff_mean),
                ci95: (p.lo.is_finite() && p.hi.is_finite()).then_some([p.lo, p.hi]),
            });
        }
    }
    let mut overlay = Vec::new();
    let mut runs = Vec::new();
    for (k, chunk) in by_variant.iter().enumerate() {
        for r in chunk.iter() {
            if let Some(series) = &r.primary {
                overlay.push(Overlay { variant: names[k].clone(), series: series.clone() });
            }
            runs.push((names[k].clone(), RunOutcome { primary: None, ..r.clone() }));
        }
    }
    Ok(Compare {
        scenario: base.name().to_string(),
        description: base.description().to_string(),
        seeds: seeds.to_vec(),
        variants: variants
            .iter()
            .map(|v| {
                (
                    v.name.clone(),
                    v.assignments.iter().map(|a| format!("{}={}", a.key, a.value)).collect(),
                )
            })
            .collect(),
        metrics: METRICS.iter().map(|m| (*m).to_string()).collect(),
        lines,
        overlay,
        runs,
    })
}

/// Writes `compare.json` and `compare.parquet` (one row per variant and seed) into `dir`.
///
/// # Errors
/// The folder or a file cannot be written.
pub fn write(dir: &Path, c: &Compare) -> Result<(), ExperimentError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ExperimentError::Write { path: dir.to_path_buf(), reason: e.to_string() })?;
    let json = dir.join(crate::COMPARE_JSON);
    cascade_output::write_json_atomic(&json, c)
        .map_err(|e| ExperimentError::Write { path: json.clone(), reason: e.to_string() })?;
    let rows: Vec<Row> = c
        .runs
        .iter()
        .map(|(v, r)| Row {
            text: vec![v.clone(), r.digest.clone()],
            seed: r.seed,
            metrics: r.metrics.clone(),
        })
        .collect();
    table::write(&dir.join(crate::COMPARE_PARQUET), &["variant".into(), "digest".into()], &rows)
}
