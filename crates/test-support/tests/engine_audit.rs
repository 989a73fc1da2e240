//! The auditor over random workloads on every venue preset: thousands of liquidations, backstops,
//! insurance payments and ADL fills, conservation checked after every step; replay reproduces the
//! state hash; deliberately broken engines are caught.

use cascade_engine::Fault;
use cascade_num::TimeNs;
use cascade_test_support::auditor::Coverage;
use cascade_test_support::harness::Harness;
use cascade_test_support::workload::{run, Workload, WorkloadParams};
use proptest::prelude::*;

fn total(a: Coverage, b: Coverage) -> Coverage {
    Coverage {
        fills: a.fills + b.fills,
        liquidations: a.liquidations + b.liquidations,
        liquidation_fills: a.liquidation_fills + b.liquidation_fills,
        backstops: a.backstops + b.backstops,
        adl_fills: a.adl_fills + b.adl_fills,
        insurance_payments: a.insurance_payments + b.insurance_payments,
        funding_payments: a.funding_payments + b.funding_payments,
        bad_debts: a.bad_debts + b.bad_debts,
    }
}

fn soak(preset: &str, seeds: u64, steps: usize) -> Coverage {
    let mut coverage = Coverage::default();
    for seed in 0..seeds {
        let harness =
            run(cascade_venue::preset(preset).unwrap(), seed, steps, WorkloadParams::default());
        assert_eq!(
            harness.replay_hash(),
            harness.engine.state_hash(),
            "{preset} seed {seed}: replay differs"
        );
        coverage = total(coverage, harness.auditor.seen);
    }
    println!("{preset}: {coverage:?}");
    coverage
}

#[test]
fn hyperliquid_workload_is_audited() {
    let c = soak("hyperliquid", 40, 2_000);
    assert!(c.liquidations >= 400, "{c:?}");
    assert!(c.backstops > 0 && c.adl_fills > 0 && c.funding_payments > 0, "{c:?}");
}

#[test]
fn dydx_workload_is_audited() {
    let c = soak("dydx-v4", 40, 2_000);
    assert!(c.liquidations >= 400, "{c:?}");
    assert!(c.liquidation_fills > 0 && c.funding_payments > 0, "{c:?}");
}

#[test]
fn binance_workload_is_audited() {
    let c = soak("binance-usdm", 40, 2_000);
    assert!(c.liquidations >= 400, "{c:?}");
    assert!(c.backstops > 0 && c.funding_payments > 0, "{c:?}");
}

/// Runs a workload on a deliberately broken engine and returns the first audit failure.
fn first_failure(preset: &str, fault: Fault) -> Option<String> {
    for seed in 0..16 {
        let mut harness = Harness::new(cascade_venue::preset(preset).unwrap());
        harness.engine.inject_fault(fault);
        let mut workload = Workload::new(&harness.engine, seed, WorkloadParams::default());
        for _ in 0..1_500 {
            let (dt, command) = workload.next(&harness.engine);
            let at = TimeNs(harness.now.get() + dt * TimeNs::SECOND);
            if let Err(e) = harness.step(at, command) {
                return Some(e.to_string());
            }
        }
    }
    None
}

#[test]
fn a_fee_credited_twice_is_caught() {
    let failure =
        first_failure("hyperliquid", Fault::FeeCreditedTwice).expect("the auditor must catch it");
    assert!(failure.contains("conservation") || failure.contains("pools-match"), "{failure}");
}

#[test]
fn lost_funding_dust_is_caught() {
    let failure =
        first_failure("binance-usdm", Fault::FundingDustLost).expect("the auditor must catch it");
    assert!(failure.contains("pools-match") || failure.contains("conservation"), "{failure}");
}

#[test]
fn an_ignored_liquidation_index_is_caught() {
    let failure = first_failure("dydx-v4", Fault::LiquidationIndexIgnored)
        .expect("the auditor must catch it");
    assert!(failure.contains("maintenance-or-stated"), "{failure}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random workload shapes on random presets: more or fewer traders, milder or wilder shocks.
    #[test]
    fn random_workloads_keep_every_invariant(
        preset in 0usize..3,
        seed in any::<u64>(),
        shock_percent in 1u64..12,
        traders in 3u32..24,
        steps in 200usize..1_500,
    ) {
        let name = cascade_venue::preset_names().nth(preset).unwrap();
        let params = WorkloadParams { traders, shock_percent, ..WorkloadParams::default() };
        let harness = run(cascade_venue::preset(name).unwrap(), seed, steps, params);
        prop_assert_eq!(harness.replay_hash(), harness.engine.state_hash());
    }
}
