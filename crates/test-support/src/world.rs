//! A simulated world with one auditor per venue checking every engine step (for scenario tests).

use cascade_audit::Auditor;
use cascade_model::{Command, Event};

/// The auditors of a world's venues, as a step observer.
pub struct AuditObserver(Vec<Auditor>);

impl cascade_sim::StepObserver for AuditObserver {
    fn step(
        &mut self,
        venue: usize,
        command: &Command,
        events: &[Event],
        engine: &cascade_engine::Engine,
    ) -> Result<(), String> {
        self.0[venue].observe(command, events, engine).map_err(|e| e.to_string())
    }
}

/// A world built from `spec` with every venue audited after each step; a broken invariant ends
/// the run and shows in `RunResult::observer_error`.
///
/// # Panics
/// If the specification does not build (scenario tests build valid specifications).
pub fn audited(spec: cascade_sim::WorldSpec) -> cascade_sim::World {
    let auditors = spec.venues.iter().map(|v| Auditor::new(&v.config)).collect();
    let mut world = cascade_sim::World::new(spec).expect("a valid world specification");
    world.observe(Box::new(AuditObserver(auditors)));
    world
}
