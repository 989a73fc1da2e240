//! Experiments end to end on a short default scenario: a compare with a variant that matters,
//! refusals (a variant that changes nothing, an unknown key), a sweep that resumes, and a sharded
//! sweep whose merge equals the one-machine result byte for byte.

use std::path::Path;

use cascade_experiment::{
    compare, finalize, merge, plan, product, run_sweep, Axis, Point, Shard, Variant,
};
use cascade_scenario::{load, with_overrides, Assignment, Scenario};

fn base() -> Scenario {
    let text = "include = \"builtin:thin-book-flash-crash\"\nduration_s = 700\n";
    load(text, "short.toml", &mut cascade_scenario::builtin_resolver).unwrap()
}

fn with(base: &Scenario, key: &str, value: &str) -> Result<Scenario, String> {
    let a = [Assignment { key: key.into(), value: value.into() }];
    with_overrides(base, &a, &mut cascade_scenario::builtin_resolver).map_err(|e| e.to_string())
}

#[test]
fn a_smaller_vault_changes_the_outcome_and_the_table_is_paired() {
    let base = base();
    // Half the liquidator vault's capital: more of the deficit goes to ADL.
    let small = with(&base, "venues.perp-dex.vault_usd", "\"20000\"").unwrap();
    let variants = vec![Variant {
        name: "small-vault".into(),
        assignments: vec![Assignment {
            key: "venues.perp-dex.vault_usd".into(),
            value: "\"20000\"".into(),
        }],
        scenario: small,
    }];
    let seeds = [42, 43, 44];
    let c = compare(&base, &variants, &seeds, 2, |_, _| {}).unwrap();
    assert_eq!(c.runs.len(), 6);
    assert_eq!(c.overlay.len(), 2, "baseline and variant on the first seed");
    let line = |m: &str| c.lines.iter().find(|l| l.metric == m).unwrap();
    let backstop = line("backstop_notional_usd");
    assert_eq!(backstop.n, 3);
    assert!(backstop.diff_mean.unwrap() < 0.0, "a smaller vault takes over less: {backstop:?}");
    let [lo, hi] = backstop.ci95.unwrap();
    assert!(lo <= backstop.diff_mean.unwrap() && backstop.diff_mean.unwrap() <= hi);
    // Same seeds, same baseline: the baseline runs are the seeds' own runs.
    let again = compare(&base, &variants, &seeds, 1, |_, _| {}).unwrap();
    assert_eq!(again, c, "one thread or two, the same result");
}

#[test]
fn refusals_name_the_key_and_what_is_allowed() {
    let base = base();
    let same = with(&base, "seed", "42").unwrap();
    let v = vec![Variant { name: "same".into(), assignments: vec![], scenario: same }];
    let err = compare(&base, &v, &[1], 1, |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("variant `same` changes nothing"), "{err}");
    let err = with(&base, "agents.nobody.levels", "3").unwrap_err();
    assert!(err.contains("no element `nobody`") && err.contains("mm-main"), "{err}");
    let err = with(&base, "venuez.perp-dex.vault_usd", "1").unwrap_err();
    assert!(err.contains("no key `venuez`") && err.contains("venues"), "{err}");
    let err = with(&base, "agents.mm-main.levelz", "3").unwrap_err();
    assert!(err.contains("levelz"), "{err}");
    let err = with(&base, "agents.mm-main.long_bias", "3.0").unwrap_err();
    assert!(err.contains("does not apply") || err.contains("probability"), "{err}");
    let err = with(&base, "agents.mm-main.levels", "0").unwrap_err();
    assert!(err.contains("agents[0].levels") && err.contains("out of range"), "{err}");
    let err = with(&base, "duration_s", "0").unwrap_err();
    assert!(err.contains("duration_s") && err.contains("out of range"), "{err}");
    assert!(
        Shard::parse("3/2").is_err() && Shard::parse("0/2").is_err() && Shard::parse("x").is_err()
    );
}

fn points(base: &Scenario, grid: &[Axis]) -> Vec<Point> {
    product(grid)
        .into_iter()
        .enumerate()
        .map(|(index, values)| {
            let assignments: Vec<Assignment> = grid
                .iter()
                .zip(&values)
                .map(|(a, v)| Assignment { key: a.key.clone(), value: v.clone() })
                .collect();
            let scenario =
                with_overrides(base, &assignments, &mut cascade_scenario::builtin_resolver)
                    .unwrap();
            Point { index, values, scenario }
        })
        .collect()
}

fn files(dir: &Path) -> (Vec<u8>, String) {
    (
        std::fs::read(dir.join(cascade_experiment::SWEEP_PARQUET)).unwrap(),
        std::fs::read_to_string(dir.join(cascade_experiment::SWEEP_JSON)).unwrap(),
    )
}

#[test]
fn sweeps_resume_and_shards_merge_to_the_one_machine_result() {
    let base = base();
    let grid = vec![
        Axis {
            key: "venues.perp-dex.vault_usd".into(),
            values: vec!["\"50000\"".into(), "\"150000\"".into()],
        },
        Axis { key: "agents.mm-main.levels".into(), values: vec!["6".into(), "10".into()] },
    ];
    let pts = points(&base, &grid);
    assert_eq!(pts.len(), 4);
    assert_eq!(pts[1].values, vec!["\"50000\"".to_string(), "10".to_string()], "last axis fastest");
    let seeds = [42, 43];
    let p = plan(&base, &grid, &pts, &seeds);
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let done = run_sweep(&one, &p, &pts, None, 2, |_, _| {}).unwrap();
    assert_eq!((done.planned, done.skipped, done.ran), (8, 0, 8));
    let again = run_sweep(&one, &p, &pts, None, 2, |_, _| {}).unwrap();
    assert_eq!((again.skipped, again.ran), (8, 0), "a finished run is not run again");
    let summary = finalize(&one).unwrap();
    assert_eq!(summary.runs.len(), 8);
    assert_eq!(summary.points.len(), 4);
    assert_eq!(summary.points[0].metrics[0].metric, "bad_debt_usd", "tail metrics first");
    // Two shards on "two machines", merged.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let sa = run_sweep(&a, &p, &pts, Some(Shard { k: 1, n: 2 }), 1, |_, _| {}).unwrap();
    let sb = run_sweep(&b, &p, &pts, Some(Shard { k: 2, n: 2 }), 1, |_, _| {}).unwrap();
    assert_eq!((sa.planned, sb.planned), (4, 4));
    let err = finalize(&a).unwrap_err().to_string();
    assert!(err.contains("4 run(s) missing"), "{err}");
    let merged = tmp.path().join("merged");
    merge(&merged, &[a.clone(), b.clone()]).unwrap();
    assert_eq!(files(&merged), files(&one), "merged shards = one machine, byte for byte");
    // A folder holding another sweep is refused.
    let other = plan(&base, &grid, &pts, &[7]);
    let err = run_sweep(&one, &other, &pts, None, 1, |_, _| {}).unwrap_err().to_string();
    assert!(err.contains("holds a different sweep"), "{err}");
    let err =
        merge(&tmp.path().join("m2"), &[a, tmp.path().join("nothing")]).unwrap_err().to_string();
    assert!(err.contains("plan.json"), "{err}");
}
