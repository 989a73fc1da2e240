//! Sweep throughput on one and two threads: eight headless runs of the default scenario
//! (shortened to 700 simulated seconds) per iteration. Runs are independent, so two threads
//! should take about half the time of one on a two-core machine.

use cascade_experiment::{parallel, run};
use cascade_scenario::{load, Scenario};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn scenario() -> Scenario {
    let text = "include = \"builtin:thin-book-flash-crash\"\nduration_s = 700\n";
    load(text, "bench.toml", &mut cascade_scenario::builtin_resolver).expect("valid scenario")
}

fn sweep(c: &mut Criterion) {
    let s = scenario();
    let seeds: Vec<u64> = (1..=8).collect();
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(seeds.len() as u64));
    for threads in [1usize, 2] {
        group.bench_function(format!("8 runs, {threads} thread(s)"), |b| {
            b.iter(|| {
                let out = parallel(&seeds, threads, |&seed| run(&s, seed, false), |_, _| {})
                    .expect("pool");
                assert!(out.iter().all(Result::is_ok));
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
