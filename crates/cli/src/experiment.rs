//! `cascade compare` and `cascade sweep`: argument parsing (variants, grids, seeds, shards),
//! progress bars, the printed tables; the work is in `cascade-experiment`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use cascade_experiment::{Axis, Point, Shard, Variant};
use cascade_scenario::{Assignment, Scenario};
use indicatif::{ProgressBar, ProgressStyle};

use crate::inspect;

fn bar(total: usize, progress: bool, what: &str) -> ProgressBar {
    let bar = if progress { ProgressBar::new(total as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} runs, eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Splits on `sep` outside brackets and quotes (so `[3, 5]` and `"a,b"` stay whole).
fn split_top(text: &str, sep: char) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The resolver `inspect::load` uses, for files a changed scenario names again.
fn with(base: &Scenario, assignments: &[Assignment], scenario_arg: &str) -> Result<Scenario> {
    let dir: PathBuf = Path::new(scenario_arg).parent().map(Path::to_path_buf).unwrap_or_default();
    let mut resolve = |name: &str| -> std::result::Result<(String, String), String> {
        if name.starts_with("builtin:") {
            return cascade_scenario::builtin_resolver(name);
        }
        let p = dir.join(name);
        std::fs::read_to_string(&p)
            .map(|t| (t, p.display().to_string()))
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    cascade_scenario::with_overrides(base, assignments, &mut resolve).map_err(|p| anyhow!("{p}"))
}

fn seeds(base: &Scenario, n: u32) -> Result<Vec<u64>> {
    if n == 0 || n > 100_000 {
        bail!("--seeds {n} is out of range: 1 to 100000");
    }
    Ok((0..u64::from(n)).map(|i| base.seed().wrapping_add(i)).collect())
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 1e4 => format!("{v:.0}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// Resolved options of `cascade compare`.
pub(crate) struct CompareSettings {
    pub(crate) scenario: String,
    pub(crate) variants: Vec<String>,
    pub(crate) seeds: u32,
    pub(crate) out: Option<PathBuf>,
    pub(crate) threads: usize,
    pub(crate) progress: bool,
    pub(crate) report: bool,
}

pub(crate) fn compare(s: &CompareSettings) -> Result<ExitCode> {
    let base = inspect::load(&s.scenario).map_err(|p| anyhow!("{p}"))?;
    if s.variants.is_empty() {
        bail!("give at least one --variant NAME=KEY=VALUE (for example --variant capped=venues.perp-dex.overrides.liquidation.backstop.loss_cap=\"25000\")");
    }
    // NAME=KEY=VALUE[;KEY=VALUE…]; repeating a NAME adds assignments to it.
    let mut named: Vec<(String, Vec<Assignment>)> = Vec::new();
    for text in &s.variants {
        let Some((name, rest)) = text.split_once('=') else {
            bail!("--variant `{text}`: write NAME=KEY=VALUE[;KEY=VALUE…]");
        };
        let name = name.trim();
        if name.is_empty() || name == "baseline" {
            bail!("--variant `{text}`: the name must be non-empty and not `baseline`");
        }
        let assignments = split_top(rest, ';')
            .iter()
            .map(|a| Assignment::parse(a).map_err(|e| anyhow!("--variant {name}: {e}")))
            .collect::<Result<Vec<_>>>()?;
        match named.iter_mut().find(|(n, _)| n == name) {
            Some((_, list)) => list.extend(assignments),
            None => named.push((name.to_string(), assignments)),
        }
    }
    let variants = named
        .into_iter()
        .map(|(name, assignments)| {
            let scenario = with(&base, &assignments, &s.scenario)
                .with_context(|| format!("variant `{name}`"))?;
            Ok(Variant { name, assignments, scenario })
        })
        .collect::<Result<Vec<_>>>()?;
    let seeds = seeds(&base, s.seeds)?;
    let out = s
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("compare-{}", base.name())));
    let total = seeds.len() * (variants.len() + 1);
    let progress = bar(total, s.progress, base.name());
    let started = Instant::now();
    let result = cascade_experiment::compare(&base, &variants, &seeds, s.threads, |n, _| {
        progress.set_position(n as u64)
    })?;
    progress.finish_and_clear();
    cascade_experiment::write_compare(&out, &result)?;
    println!(
        "{} — {} variant(s) × {} seed(s), {} runs in {:.1} s",
        base.name(),
        variants.len(),
        seeds.len(),
        total,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<28} {:<14} {:>14} {:>14} {:>14}  95% interval",
        "metric", "variant", "baseline", "variant", "difference"
    );
    for l in &result.lines {
        let ci = l
            .ci95
            .map_or("—".to_string(), |[a, b]| format!("[{}, {}]", fmt(Some(a)), fmt(Some(b))));
        println!(
            "{:<28} {:<14} {:>14} {:>14} {:>14}  {ci}",
            l.metric,
            l.variant,
            fmt(l.baseline_mean),
            fmt(l.variant_mean),
            fmt(l.diff_mean)
        );
    }
    if s.report {
        let path = cascade_report::render_compare(&out).context("writing the compare report")?;
        println!("report {}", path.display());
    }
    println!("outputs in {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Resolved options of `cascade sweep`.
pub(crate) struct SweepSettings {
    pub(crate) scenario: String,
    pub(crate) grid: Vec<String>,
    pub(crate) seeds: u32,
    pub(crate) out: Option<PathBuf>,
    pub(crate) threads: usize,
    pub(crate) shard: Option<String>,
    pub(crate) progress: bool,
    pub(crate) report: bool,
}

pub(crate) fn sweep(s: &SweepSettings) -> Result<ExitCode> {
    let base = inspect::load(&s.scenario).map_err(|p| anyhow!("{p}"))?;
    if s.grid.is_empty() {
        bail!("give at least one --grid KEY=v1,v2,… (for example --grid agents.mm-main.levels=5,10,20)");
    }
    let mut grid = Vec::new();
    for text in &s.grid {
        let a = Assignment::parse(text).map_err(|e| anyhow!("--grid: {e}"))?;
        let values = split_top(&a.value, ',');
        if values.is_empty() {
            bail!("--grid {}: no values (write KEY=v1,v2,…)", a.key);
        }
        if grid.iter().any(|g: &Axis| g.key == a.key) {
            bail!("--grid {}: the key is given twice", a.key);
        }
        grid.push(Axis { key: a.key, values });
    }
    let points = cascade_experiment::product(&grid)
        .into_iter()
        .enumerate()
        .map(|(index, values)| {
            let assignments: Vec<Assignment> = grid
                .iter()
                .zip(&values)
                .map(|(axis, v)| Assignment { key: axis.key.clone(), value: v.clone() })
                .collect();
            let scenario = with(&base, &assignments, &s.scenario).with_context(|| {
                format!(
                    "grid point {}",
                    assignments
                        .iter()
                        .map(|a| format!("{}={}", a.key, a.value))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            })?;
            Ok(Point { index, values, scenario })
        })
        .collect::<Result<Vec<_>>>()?;
    for axis in &grid {
        let mut changes = false;
        for v in &axis.values {
            let one = [Assignment { key: axis.key.clone(), value: v.clone() }];
            changes |= with(&base, &one, &s.scenario)?.resolved_toml() != base.resolved_toml();
        }
        if !changes && axis.values.len() < 2 {
            bail!(
                "--grid {}: its value leaves the scenario as it is; give values that change it",
                axis.key
            );
        }
    }
    let seeds = seeds(&base, s.seeds)?;
    let shard = s.shard.as_deref().map(Shard::parse).transpose()?;
    let out = s
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(format!("sweep-{}", base.name())));
    let plan = cascade_experiment::plan(&base, &grid, &points, &seeds);
    let total = points.len() * seeds.len();
    let progress = bar(total, s.progress, base.name());
    let started = Instant::now();
    let done = cascade_experiment::run_sweep(&out, &plan, &points, shard, s.threads, |n, t| {
        progress.set_length(t as u64);
        progress.set_position(n as u64)
    })?;
    progress.finish_and_clear();
    println!(
        "{}: {} grid point(s) × {} seed(s); this {}: {} run(s), {} already done, {} run in {:.1} s",
        base.name(),
        points.len(),
        seeds.len(),
        shard.map_or("machine".to_string(), |s| format!("shard {}/{}", s.k, s.n)),
        done.planned,
        done.skipped,
        done.ran,
        started.elapsed().as_secs_f64()
    );
    if shard.is_some_and(|s| s.n > 1) {
        println!("merge the shard folders with `cascade sweep merge --out DIR SHARD_DIR…`");
        return Ok(ExitCode::SUCCESS);
    }
    finish(&out, s.report)
}

fn finish(out: &Path, report: bool) -> Result<ExitCode> {
    let summary = cascade_experiment::finalize(out)?;
    println!(
        "{:<24} {:>14} {:>14} {:>14}",
        "grid point", "bad debt p95", "IF drawdown p95", "ADL p95"
    );
    for p in &summary.points {
        let q = |m: &str| p.metrics.iter().find(|q| q.metric == m).and_then(|q| q.p95);
        println!(
            "{:<24} {:>14} {:>14} {:>14}",
            p.values.join(", "),
            fmt(q("bad_debt_usd")),
            fmt(q("insurance_fund_drawdown_usd")),
            fmt(q("adl_notional_usd"))
        );
    }
    if report {
        let path = cascade_report::render_sweep(out).context("writing the sweep report")?;
        println!("report {}", path.display());
    }
    println!("outputs in {}", out.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn merge(out: &Path, shards: &[PathBuf], report: bool) -> Result<ExitCode> {
    cascade_experiment::merge(out, shards)?;
    finish(out, report)
}
