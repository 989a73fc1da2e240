//! Snapshot of every built-in crash scenario's summary metrics and event digest at its own seed
//! (insta): a change to the engine, the agents or a scenario that moves an outcome shows up
//! here as a reviewed diff. The RMSC04-shaped benchmark is a performance shape, not a crash, and
//! the default scenario is pinned through the CLI's own snapshot.

use cascade_scenario::{build, load_builtin, BUILTIN};

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[test]
fn crash_scenarios_summaries() {
    for (name, _, _) in BUILTIN {
        if *name == "rmsc04-shape" || *name == cascade_scenario::DEFAULT_SCENARIO {
            continue;
        }
        let s = load_builtin(name).unwrap();
        let world = cascade_sim::World::new(build(&s, s.seed())).unwrap();
        let r = world.run(&mut cascade_sim::NullSink, &mut |_| {});
        let m = &r.summary;
        let opt = |v: Option<f64>| v.map(round);
        let pinned = serde_json::json!({
            "scenario": name,
            "seed": s.seed(),
            "digest": r.digest,
            "events": r.events,
            "max_drawdown_pct": round(m.max_drawdown_pct),
            "time_to_trough_s": round(m.time_to_trough_s),
            "liquidated_long_usd": round(m.liquidated_long_usd),
            "liquidated_short_usd": round(m.liquidated_short_usd),
            "liquidations_count": m.liquidations_count,
            "backstop_notional_usd": round(m.backstop_notional_usd),
            "insurance_fund_drawdown_usd": round(m.insurance_fund_drawdown_usd),
            "adl_notional_usd": round(m.adl_notional_usd),
            "adl_count": m.adl_count,
            "bad_debt_usd": round(m.bad_debt_usd),
            "first_liquidation_s": opt(m.first_liquidation_s),
            "first_adl_s": opt(m.first_adl_s),
            "depth_collapse_pct": round(m.depth_collapse_pct),
            "max_spread_bps": round(m.max_spread_bps),
            "oi_change_pct": round(m.oi_change_pct),
            "safeguards_triggered": m.safeguards_triggered,
            "max_rise_pct": round(m.max_rise_pct),
            "withdrawn_usd": round(m.withdrawn_usd),
            "vault_drawdown_usd": round(m.vault_drawdown_usd),
        });
        insta::assert_json_snapshot!(format!("summary_{}", name.replace('-', "_")), pinned);
    }
}
