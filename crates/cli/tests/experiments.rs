//! `cascade compare` and `cascade sweep` as commands: outputs and reports written, a sharded
//! sweep merged into the one-machine result, and bad input refused with the key and what is
//! allowed.

use std::path::Path;
use std::process::{Command, Output};

fn cascade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cascade")).args(args).output().expect("cascade runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// A short copy of the default scenario in `dir`.
fn short(dir: &Path) -> String {
    let path = dir.join("short.toml");
    std::fs::write(&path, "include = \"builtin:thin-book-flash-crash\"\nduration_s = 700\n")
        .unwrap();
    path.display().to_string()
}

#[test]
fn compare_writes_its_table_files_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = short(tmp.path());
    let out = tmp.path().join("cmp");
    let text = ok(&cascade(&[
        "compare",
        &scenario,
        "--seeds",
        "2",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
        "--variant",
        "small-vault=venues.perp-dex.vault_usd=\"50000\"",
    ]));
    assert!(text.contains("backstop_notional_usd") && text.contains("small-vault"), "{text}");
    for f in ["compare.json", "compare.parquet", "report.html"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let e = err(&cascade(&["compare", &scenario, "--variant", "x=agents.nobody.levels=3"]));
    assert!(e.contains("no element `nobody`") && e.contains("mm-main"), "{e}");
    let e = err(&cascade(&["compare", &scenario, "--variant", "x=seed=42", "--seeds", "1"]));
    assert!(e.contains("changes nothing"), "{e}");
    let e = err(&cascade(&["compare", &scenario, "--variant", "x=agents.mm-main.levels=0"]));
    assert!(e.contains("levels") && e.contains("out of range"), "{e}");
    let e = err(&cascade(&["compare", "no-such-scenario", "--variant", "x=seed=1"]));
    assert!(e.contains("no such built-in scenario") && e.contains("thin-book-flash-crash"), "{e}");
}

#[test]
fn sharded_sweep_merges_into_the_one_machine_result() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = short(tmp.path());
    let grid = "venues.perp-dex.vault_usd=\"50000\",\"150000\"";
    let dir = |name: &str| tmp.path().join(name).display().to_string();
    let one = dir("one");
    ok(&cascade(&[
        "sweep",
        &scenario,
        "--grid",
        grid,
        "--seeds",
        "2",
        "--no-progress",
        "--out",
        &one,
    ]));
    for k in ["1/2", "2/2"] {
        let out = dir(&format!("shard{}", &k[..1]));
        let text = ok(&cascade(&[
            "sweep",
            &scenario,
            "--grid",
            grid,
            "--seeds",
            "2",
            "--no-progress",
            "--shard",
            k,
            "--out",
            &out,
        ]));
        assert!(text.contains("sweep merge"), "{text}");
    }
    let merged = dir("merged");
    ok(&cascade(&["sweep", "merge", "--out", &merged, &dir("shard1"), &dir("shard2")]));
    for f in ["sweep.parquet", "sweep.json"] {
        let a = std::fs::read(Path::new(&one).join(f)).unwrap();
        let b = std::fs::read(Path::new(&merged).join(f)).unwrap();
        assert!(a == b, "{f} differs between one machine and merged shards");
    }
    assert!(Path::new(&merged).join("report.html").exists());
    let e = err(&cascade(&["sweep", &scenario, "--grid", "agents.mm-main.levelz=1,2"]));
    assert!(e.contains("levelz"), "{e}");
    let e = err(&cascade(&["sweep", &scenario, "--grid", grid, "--shard", "3/2"]));
    assert!(e.contains("--shard `3/2`"), "{e}");
}
