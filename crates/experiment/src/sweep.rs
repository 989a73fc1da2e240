//! `sweep`: the Cartesian product of a grid of overrides × seeds, run in parallel, resumable
//! (a run already in the folder is skipped) and shardable (`K/N` runs one deterministic slice;
//! merging the slices gives exactly the one-machine result).
//!
//! A sweep folder holds `plan.json` (what is swept; its hash guards resumes and merges),
//! `runs/` (one JSON per finished run), and, once complete, `sweep.parquet` (one row per run)
//! and `sweep.json` (quantiles per grid point).

use std::path::{Path, PathBuf};

use cascade_scenario::Scenario;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::metrics::{self, METRICS, TAIL_METRICS};
use crate::run::{parallel, run, RunOutcome};
use crate::stats::quantile;
use crate::table::{self, Row};
use crate::ExperimentError;

/// One grid axis: a key path and its values (as written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// Key path.
    pub key: String,
    /// Values.
    pub values: Vec<String>,
}

/// What is swept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// The axes; points are their Cartesian product, the last axis varying fastest.
    pub grid: Vec<Axis>,
    /// Seeds, the same for every point.
    pub seeds: Vec<u64>,
    /// SHA-256 over every point's resolved scenario and the seeds.
    pub hash: String,
}

/// A grid point: its index, values (one per axis) and scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Index in the product.
    pub index: usize,
    /// Values, one per axis.
    pub values: Vec<String>,
    /// The scenario with those values applied.
    pub scenario: Scenario,
}

/// A shard: `k` of `n` (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which (1..=n).
    pub k: usize,
    /// How many.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N`.
    ///
    /// # Errors
    /// Not `K/N` with 1 <= K <= N.
    pub fn parse(text: &str) -> Result<Shard, ExperimentError> {
        let bad = || {
            ExperimentError::Input(format!(
                "--shard `{text}`: write K/N with 1 <= K <= N, e.g. 2/4"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n) = (
            k.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// The Cartesian product of the axes' values, last axis fastest.
pub fn product(grid: &[Axis]) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for axis in grid {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

/// The plan of a sweep over `points` (built by the caller with the overrides applied).
pub fn plan(base: &Scenario, grid: &[Axis], points: &[Point], seeds: &[u64]) -> Plan {
    let mut h = Sha256::new();
    for p in points {
        h.update(p.scenario.resolved_toml().as_bytes());
        h.update([0u8]);
    }
    for s in seeds {
        h.update(s.to_le_bytes());
    }
    Plan {
        scenario: base.name().to_string(),
        description: base.description().to_string(),
        grid: grid.to_vec(),
        seeds: seeds.to_vec(),
        hash: format!("{:x}", h.finalize()),
    }
}

/// One finished run, as stored in `runs/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Grid point index.
    pub point: usize,
    /// Seed.
    pub seed: u64,
    /// Event digest.
    pub digest: String,
    /// Metrics in [`METRICS`] order.
    pub metrics: Vec<Option<f64>>,
}

fn run_file(dir: &Path, point: usize, seed: u64) -> PathBuf {
    dir.join("runs").join(format!("p{point:05}-s{seed}.json"))
}

fn io(path: &Path, e: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Write { path: path.to_path_buf(), reason: e.to_string() }
}

fn read_plan(dir: &Path) -> Result<Option<Plan>, ExperimentError> {
    let path = dir.join(crate::PLAN_JSON);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ExperimentError::Read { path, reason: format!("not a sweep plan ({e})") }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ExperimentError::Read { path, reason: e.to_string() }),
    }
}

fn read_record(path: &Path) -> Option<RunRecord> {
    std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok())
}

/// What a call to [`run_sweep`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Runs in this shard.
    pub planned: usize,
    /// Already in the folder, skipped.
    pub skipped: usize,
    /// Run now.
    pub ran: usize,
}

/// Runs this shard's missing runs into `dir` (creating it with `plan.json`), `threads` at a time.
///
/// # Errors
/// A folder holding another sweep's plan, a world the engine refuses, or a write failure.
pub fn run_sweep(
    dir: &Path,
    plan: &Plan,
    points: &[Point],
    shard: Option<Shard>,
    threads: usize,
    progress: impl Fn(usize, usize) + Sync + Send,
) -> Result<Progress, ExperimentError> {
    std::fs::create_dir_all(dir.join("runs")).map_err(|e| io(dir, e))?;
    match read_plan(dir)? {
        Some(existing) if existing.hash != plan.hash => {
            return Err(ExperimentError::Input(format!(
                "{} holds a different sweep (plan hash {} ≠ {}): use another --out folder",
                dir.display(),
                &existing.hash[..12],
                &plan.hash[..12]
            )))
        }
        Some(_) => {}
        None => cascade_output::write_json_atomic(&dir.join(crate::PLAN_JSON), plan)
            .map_err(|e| io(&dir.join(crate::PLAN_JSON), e))?,
    }
    let all: Vec<(usize, u64)> =
        points.iter().flat_map(|p| plan.seeds.iter().map(move |&s| (p.index, s))).collect();
    let mine: Vec<(usize, u64)> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| i % s.n == s.k - 1))
        .map(|(_, j)| j)
        .collect();
    let todo: Vec<(usize, u64)> = mine
        .iter()
        .copied()
        .filter(|&(p, s)| {
            read_record(&run_file(dir, p, s)).is_none_or(|r| r.point != p || r.seed != s)
        })
        .collect();
    let results = parallel(
        &todo,
        threads,
        |&(p, seed)| -> Result<(), ExperimentError> {
            let outcome: RunOutcome = run(&points[p].scenario, seed, false)?;
            let record =
                RunRecord { point: p, seed, digest: outcome.digest, metrics: outcome.metrics };
            let path = run_file(dir, p, seed);
            cascade_output::write_json_atomic(&path, &record).map_err(|e| io(&path, e))
        },
        progress,
    )?;
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(Progress { planned: mine.len(), skipped: mine.len() - todo.len(), ran: todo.len() })
}

/// Quantiles of one metric at one grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Metric.
    pub metric: String,
    /// Runs with a value.
    pub n: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
}

/// One grid point's summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// Index.
    pub index: usize,
    /// Values, one per axis.
    pub values: Vec<String>,
    /// Quantiles of every metric (the tail metrics first).
    pub metrics: Vec<Quantiles>,
}

/// The finished sweep (`sweep.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// The plan.
    pub plan: Plan,
    /// Per grid point.
    pub points: Vec<PointSummary>,
    /// Every run, ordered by point then seed.
    pub runs: Vec<RunRecord>,
}

/// Checks that every run of the plan is in `dir` and writes `sweep.parquet` and `sweep.json`.
/// The result depends only on the run records, so any sharding gives the same files.
///
/// # Errors
/// No plan, missing runs (with how many and which shard to finish), or a write failure.
pub fn finalize(dir: &Path) -> Result<SweepSummary, ExperimentError> {
    let plan = read_plan(dir)?.ok_or_else(|| ExperimentError::Read {
        path: dir.join(crate::PLAN_JSON),
        reason: "not a sweep folder (no plan.json)".into(),
    })?;
    let values = product(&plan.grid);
    let mut runs = Vec::new();
    let mut missing = Vec::new();
    for (p, _) in values.iter().enumerate() {
        for &s in &plan.seeds {
            match read_record(&run_file(dir, p, s)) {
                Some(r) if r.point == p && r.seed == s && r.metrics.len() == METRICS.len() => {
                    runs.push(r)
                }
                _ => missing.push((p, s)),
            }
        }
    }
    if !missing.is_empty() {
        return Err(ExperimentError::Incomplete {
            dir: dir.to_path_buf(),
            missing: missing.len(),
            first: format!("point {} seed {}", missing[0].0, missing[0].1),
        });
    }
    let tail: Vec<usize> = TAIL_METRICS.iter().filter_map(|m| metrics::index(m)).collect();
    let order: Vec<usize> =
        tail.iter().copied().chain((0..METRICS.len()).filter(|i| !tail.contains(i))).collect();
    let points = values
        .iter()
        .enumerate()
        .map(|(p, v)| {
            let here: Vec<&RunRecord> = runs.iter().filter(|r| r.point == p).collect();
            let metrics = order
                .iter()
                .map(|&m| {
                    let xs: Vec<f64> = here.iter().filter_map(|r| r.metrics[m]).collect();
                    Quantiles {
                        metric: METRICS[m].to_string(),
                        n: xs.len(),
                        mean: (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64),
                        median: quantile(&xs, 0.5),
                        p95: quantile(&xs, 0.95),
                        p99: quantile(&xs, 0.99),
                        max: quantile(&xs, 1.0),
                    }
                })
                .collect();
            PointSummary { index: p, values: v.clone(), metrics }
        })
        .collect();
    let summary = SweepSummary { plan, points, runs };
    let mut columns: Vec<String> = vec!["point".into()];
    columns.extend(summary.plan.grid.iter().map(|a| a.key.clone()));
    columns.push("digest".into());
    let rows: Vec<Row> = summary
        .runs
        .iter()
        .map(|r| {
            let mut text = vec![r.point.to_string()];
            text.extend(values[r.point].iter().cloned());
            text.push(r.digest.clone());
            Row { text, seed: r.seed, metrics: r.metrics.clone() }
        })
        .collect();
    table::write(&dir.join(crate::SWEEP_PARQUET), &columns, &rows)?;
    let json = dir.join(crate::SWEEP_JSON);
    cascade_output::write_json_atomic(&json, &summary).map_err(|e| io(&json, e))?;
    Ok(summary)
}

/// Merges shard folders into `out`: their plans must be the same sweep; their runs are copied;
/// then [`finalize`].
///
/// # Errors
/// Different plans, missing runs, or a read/write failure.
pub fn merge(out: &Path, shards: &[PathBuf]) -> Result<SweepSummary, ExperimentError> {
    let mut plan: Option<Plan> = None;
    for dir in shards {
        let p = read_plan(dir)?.ok_or_else(|| ExperimentError::Read {
            path: dir.join(crate::PLAN_JSON),
            reason: "not a sweep folder (no plan.json)".into(),
        })?;
        if let Some(first) = &plan {
            if first.hash != p.hash {
                return Err(ExperimentError::Input(format!(
                    "{} is a different sweep from {} (plan hashes differ)",
                    dir.display(),
                    shards[0].display()
                )));
            }
        }
        plan = Some(p);
    }
    let plan =
        plan.ok_or_else(|| ExperimentError::Input("merge needs at least one shard folder".into()))?;
    std::fs::create_dir_all(out.join("runs")).map_err(|e| io(out, e))?;
    match read_plan(out)? {
        Some(existing) if existing.hash != plan.hash => {
            return Err(ExperimentError::Input(format!(
                "{} holds a different sweep",
                out.display()
            )))
        }
        _ => cascade_output::write_json_atomic(&out.join(crate::PLAN_JSON), &plan)
            .map_err(|e| io(out, e))?,
    }
    for dir in shards {
        let runs = dir.join("runs");
        let entries = std::fs::read_dir(&runs)
            .map_err(|e| ExperimentError::Read { path: runs.clone(), reason: e.to_string() })?;
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for path in names {
            if let (Some(record), Some(name)) = (read_record(&path), path.file_name()) {
                let target = out.join("runs").join(name);
                cascade_output::write_json_atomic(&target, &record).map_err(|e| io(&target, e))?;
            }
        }
    }
    finalize(out)
}
