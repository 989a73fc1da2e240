//! Runs a built-in scenario headless and prints its summary (a development probe).

fn main() {
    let name =
        std::env::args().nth(1).unwrap_or_else(|| cascade_scenario::DEFAULT_SCENARIO.to_string());
    let seed: Option<u64> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let scenario = cascade_scenario::load_builtin(&name).unwrap_or_else(|e| panic!("{e}"));
    let spec = cascade_scenario::build(&scenario, seed.unwrap_or(scenario.seed()));
    let world = cascade_sim::World::new(spec).expect("valid venues");
    let mut sink = cascade_sim::NullSink;
    let result = world.run(&mut sink, &mut |_| {});
    println!("{result:#?}");
}
