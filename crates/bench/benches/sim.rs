//! The simulator end to end on built-in scenarios — the default (one venue, 623 agents, 30
//! simulated minutes), the 1,000-agent two-venue contagion, and the RMSC04-shaped day — reported
//! as kernel events per second (agent wake-ups, order deliveries, oracle updates, snapshots,
//! per-second rows) with the engine work they cause included. Outputs are discarded.

use std::hint::black_box;

use cascade_sim::{NullSink, World};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    for name in ["thin-book-flash-crash", "two-venue-contagion", "rmsc04-shape"] {
        let scenario = cascade_scenario::load_builtin(name).expect("built-in");
        // Count the kernel events once (the run is deterministic).
        let probe = World::new(cascade_scenario::build(&scenario, scenario.seed()))
            .expect("valid")
            .run(&mut NullSink, &mut |_| {});
        println!(
            "{name}: {} kernel events, {} engine events per run",
            probe.kernel_events, probe.events
        );
        group.throughput(Throughput::Elements(probe.kernel_events));
        group.bench_function(name, |b| {
            b.iter_batched(
                || World::new(cascade_scenario::build(&scenario, scenario.seed())).expect("valid"),
                |world| black_box(world.run(&mut NullSink, &mut |_| {}).digest),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
