//! The `cascade` binary end to end: help and listings (snapshots), validation errors, and the
//! default scenario run twice with the auditor on (same seed ⇒ same digest; another seed ⇒
//! another digest), its summary pinned by a snapshot, its Parquet files and report present
//! (`--no-report` leaves the report out; `cascade report` writes it and refuses a non-run).

use std::path::PathBuf;
use std::process::Command;

fn cascade(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cascade")).args(args).output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cascade-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn help_texts() {
    for (name, args) in [
        ("help", vec!["--help"]),
        ("run_help", vec!["run", "--help"]),
        ("report_help", vec!["report", "--help"]),
        ("serve_help", vec!["serve", "--help"]),
        ("compare_help", vec!["compare", "--help"]),
        ("sweep_help", vec!["sweep", "--help"]),
        ("validate_help", vec!["validate", "--help"]),
        ("scenarios_help", vec!["scenarios", "--help"]),
        ("presets_help", vec!["presets", "--help"]),
    ] {
        let (code, stdout, _) = cascade(&args);
        assert_eq!(code, 0, "{args:?}");
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn listings() {
    let (code, stdout, _) = cascade(&["scenarios"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("scenarios", stdout);
    let (code, stdout, _) = cascade(&["presets"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("presets", stdout);
}

#[test]
fn validate_reports_problems_and_fails() {
    let dir = temp_dir("validate");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    let text = cascade_scenario::builtin("thin-book-flash-crash")
        .unwrap()
        .replace("preset = \"hyperliquid\"", "preset = \"ftx\"");
    std::fs::write(&file, text).unwrap();
    let (code, _, stderr) = cascade(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("`venues[0].preset`: unknown venue preset; choose one of: hyperliquid, dydx-v4, binance-usdm"), "{stderr}");
    assert!(stderr.contains("1 problem(s) found"), "{stderr}");
    let (code, stdout, _) = cascade(&["validate", "thin-book-flash-crash"]);
    assert_eq!(code, 0, "{stdout}");
    let (code, _, stderr) = cascade(&["run", "no-such-scenario"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no such built-in scenario"), "{stderr}");
}

fn summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn default_run_is_audited_reproducible_and_pinned() {
    let a = temp_dir("run-a");
    let b = temp_dir("run-b");
    let c = temp_dir("run-c");
    let (code, stdout, stderr) =
        cascade(&["run", "--audit", "--no-progress", "--out", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (code, _, _) =
        cascade(&["run", "--no-progress", "--no-report", "--out", b.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, _, _) =
        cascade(&["run", "--no-progress", "--seed", "7", "--out", c.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (sa, sb, sc) = (summary(&a), summary(&b), summary(&c));
    assert_eq!(sa["audit"]["ok"], true, "{}", sa["audit"]);
    assert!(sa["audit"]["steps"].as_u64().unwrap() > 10_000);
    assert_eq!(sa["digest"], sb["digest"], "same scenario and seed must give the same digest");
    assert_ne!(sa["digest"], sc["digest"], "another seed must give another digest");
    for f in ["timeseries.parquet", "events.parquet", "scenario.toml", "seed.txt", "report.html"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    assert!(!b.join("report.html").exists(), "--no-report writes no report");
    let report = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(report.contains(sa["digest"].as_str().unwrap()), "the report names the digest");
    assert!(report.contains("<svg"), "the report has its charts");
    // `cascade report` writes it afterwards, and refuses a folder that is not a run.
    let (code, stdout, stderr) = cascade(&["report", b.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(b.join("report.html").is_file() && stdout.contains("report.html"), "{stdout}");
    let not_a_run = temp_dir("not-a-run");
    std::fs::create_dir_all(&not_a_run).unwrap();
    let (code, _, stderr) = cascade(&["report", not_a_run.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("is not a run folder: it has no summary.json"), "{stderr}");
    assert!(!not_a_run.join("report.html").exists());
    // The crash the default scenario claims: liquidations, then the backstop, then ADL.
    let m = &sa["metrics"];
    assert!(m["liquidations_count"].as_u64().unwrap() > 50, "{m}");
    assert!(m["backstop_notional_usd"].as_f64().unwrap() > 0.0, "{m}");
    assert!(m["adl_count"].as_u64().unwrap() > 0, "{m}");
    assert!(
        m["first_liquidation_s"].as_f64().unwrap() >= 600.0,
        "the crash follows the quote pull at 600 s: {m}"
    );
    assert!(
        m["first_adl_s"].as_f64().unwrap() >= m["first_liquidation_s"].as_f64().unwrap(),
        "{m}"
    );
    let mut pinned = sa.clone();
    pinned["audit"]["steps"] = serde_json::json!("<steps>");
    pinned["version"] = serde_json::json!("<version>");
    insta::assert_json_snapshot!("default_summary", pinned);
    for d in [a, b, c, not_a_run] {
        let _ = std::fs::remove_dir_all(d);
    }
}
