//! One headless run of a scenario for a seed (no files), and running many in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};

use cascade_scenario::Scenario;
use cascade_sim::{RunSink, SecondRow, World};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::metrics;
use crate::ExperimentError;

/// The primary market's path in one run, for overlaid charts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PrimarySeries {
    /// Seconds.
    pub time_s: Vec<i64>,
    /// Mark price per second.
    pub mark: Vec<Option<f64>>,
    /// Liquidated notional per second (long + short), USD.
    pub liquidated_usd: Vec<f64>,
}

/// What a run produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The seed.
    pub seed: u64,
    /// The event digest.
    pub digest: String,
    /// Metric values in [`metrics::METRICS`] order.
    pub metrics: Vec<Option<f64>>,
    /// The primary market's path, when asked for.
    pub primary: Option<PrimarySeries>,
}

struct Sink {
    venue: String,
    market: String,
    series: Option<PrimarySeries>,
}

impl RunSink for Sink {
    fn event(&mut self, _: cascade_num::TimeNs, _: u64, _: &str, _: &cascade_model::Event) {}

    fn second(&mut self, row: &SecondRow) {
        if let Some(s) = &mut self.series {
            if row.venue == self.venue && row.market == self.market {
                s.time_s.push(row.time_s);
                s.mark.push(row.mark);
                s.liquidated_usd.push(row.liquidated_long_usd + row.liquidated_short_usd);
            }
        }
    }
}

/// Runs `scenario` for `seed` with no outputs; `keep_series` keeps the primary market's path.
///
/// # Errors
/// A venue configuration the engine refuses.
pub fn run(
    scenario: &Scenario,
    seed: u64,
    keep_series: bool,
) -> Result<RunOutcome, ExperimentError> {
    let spec = cascade_scenario::build(scenario, seed);
    let (vi, market) = spec.primary;
    let venue = spec.venues.get(vi).map(|v| v.name.clone()).unwrap_or_default();
    let market = spec
        .venues
        .get(vi)
        .and_then(|v| v.config.markets.get(market.index()))
        .map(|m| m.symbol.clone())
        .unwrap_or_default();
    let world = World::new(spec).map_err(|e| ExperimentError::World {
        scenario: scenario.name().to_string(),
        reason: e.to_string(),
    })?;
    let mut sink = Sink { venue, market, series: keep_series.then(PrimarySeries::default) };
    let result = world.run(&mut sink, &mut |_| {});
    Ok(RunOutcome {
        seed,
        digest: result.digest,
        metrics: metrics::values(&result.summary),
        primary: sink.series,
    })
}

/// Applies `f` to every job on a pool of `threads` threads (0: one per core), calling
/// `progress(done, total)` as jobs finish. Results come back in job order whatever the threads
/// did, so a result never depends on the thread count.
///
/// # Errors
/// The pool cannot be built.
pub fn parallel<J, T, F, P>(
    jobs: &[J],
    threads: usize,
    f: F,
    progress: P,
) -> Result<Vec<T>, ExperimentError>
where
    J: Sync,
    T: Send,
    F: Fn(&J) -> T + Sync + Send,
    P: Fn(usize, usize) + Sync + Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ExperimentError::Threads(e.to_string()))?;
    let done = AtomicUsize::new(0);
    let total = jobs.len();
    Ok(pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                let out = f(job);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(n, total);
                out
            })
            .collect()
    }))
}
