//! Bad input to the comparison and sweep reports: a folder without compare.json or sweep.json
//! (saying what the folder is instead: a run, the other experiment, an unfinished sweep), JSON
//! that is truncated, of another shape, or whose parts disagree. Each error names the file and
//! none leaves a report (or a temporary file) behind; an older report stays as it was.

mod common;

use std::path::Path;

use cascade_report::{render_compare, render_sweep, ReportError};
use common::experiment::{hand_compare, hand_sweep};

fn write_json(path: &Path, value: &impl serde::Serialize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn sweep() -> cascade_experiment::SweepSummary {
    hand_sweep(
        vec![cascade_experiment::Axis { key: "a.b".into(), values: vec!["1".into(), "2".into()] }],
        2,
    )
}

#[test]
fn folders_without_the_file_say_what_they_are() {
    let temp = tempfile::tempdir().unwrap();
    let empty = temp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = render_compare(&empty).unwrap_err();
    assert!(matches!(&err, ReportError::NotAComparison { dir, .. } if *dir == empty), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not a comparison folder: it has no compare.json"), "{text}");
    assert!(text.contains("`cascade compare`"), "{text}");
    assert_eq!(err.path(), Some(empty.as_path()));
    let err = render_sweep(&empty).unwrap_err();
    assert!(matches!(err, ReportError::NotASweep { .. }), "{err:?}");
    assert!(common::files(&empty).is_empty(), "nothing written");

    let missing = temp.path().join("no-such-folder");
    assert!(render_compare(&missing).unwrap_err().to_string().contains("does not exist"));
    assert!(render_sweep(&missing).unwrap_err().to_string().contains("does not exist"));
    assert!(!missing.exists());

    // A run folder, each experiment's folder given to the other report, an unfinished sweep.
    let run = common::write_run(&temp.path().join("run"));
    let text = render_compare(&run).unwrap_err().to_string();
    assert!(text.contains("it is a run folder") && text.contains("`cascade report`"), "{text}");
    let text = render_sweep(&run).unwrap_err().to_string();
    assert!(text.contains("it is a run folder"), "{text}");
    let compare = temp.path().join("compare");
    write_json(&compare.join("compare.json"), &hand_compare());
    let text = render_sweep(&compare).unwrap_err().to_string();
    assert!(text.contains("has no sweep.json") && text.contains("comparison folder"), "{text}");
    let unfinished = temp.path().join("sweep");
    write_json(&unfinished.join("plan.json"), &sweep().plan);
    let text = render_sweep(&unfinished).unwrap_err().to_string();
    assert!(text.contains("the sweep is not finished") && text.contains("cascade sweep"), "{text}");
    let text = render_compare(&unfinished).unwrap_err().to_string();
    assert!(text.contains("sweep folder"), "{text}");
    assert_eq!(common::files(&unfinished), ["plan.json"]);
}

#[test]
fn truncated_or_foreign_json_is_named() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("compare");
    let path = dir.join("compare.json");
    write_json(&path, &hand_compare());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let err = render_compare(&dir).unwrap_err();
    assert!(
        matches!(&err, ReportError::Experiment { path: p, what: "comparison", .. } if *p == path),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("compare.json is not a valid comparison") && msg.contains("truncated"),
        "{msg}"
    );
    assert!(msg.contains("run `cascade compare` again"), "{msg}");

    // A sweep summary saved as compare.json: the missing field is named.
    write_json(&path, &sweep());
    let msg = render_compare(&dir).unwrap_err().to_string();
    assert!(msg.contains("it has no field `scenario`, `description`"), "{msg}");
    assert!(msg.contains("it is a sweep summary (sweep.json)"), "{msg}");
    std::fs::write(&path, "[1, 2]").unwrap();
    assert!(render_compare(&dir).unwrap_err().to_string().contains("it is not a JSON object"));
    // The right fields with a wrong value: serde's message, with the line.
    let mut c = serde_json::to_value(hand_compare()).unwrap();
    c["seeds"] = serde_json::json!("seven");
    write_json(&path, &c);
    let msg = render_compare(&dir).unwrap_err().to_string();
    assert!(msg.contains("invalid type: string \"seven\", expected a sequence at line"), "{msg}");
    assert_eq!(common::files(&dir), ["compare.json"]);

    let dir = temp.path().join("sweep");
    let path = dir.join("sweep.json");
    write_json(&path, &hand_compare());
    let err = render_sweep(&dir).unwrap_err();
    assert!(matches!(&err, ReportError::Experiment { what: "sweep summary", .. }), "{err:?}");
    assert!(
        err.to_string().contains("it has no field `plan`, `points`: it is a comparison"),
        "{err}"
    );
    std::fs::write(&path, "{\"plan\": ").unwrap();
    assert!(render_sweep(&dir).unwrap_err().to_string().contains("truncated"));
    assert_eq!(common::files(&dir), ["sweep.json"]);
}

#[test]
fn parts_that_disagree_are_named() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("compare");
    let mut c = hand_compare();
    c.lines[0].variant = "nobody".into();
    write_json(&dir.join("compare.json"), &c);
    let msg = render_compare(&dir).unwrap_err().to_string();
    assert!(msg.contains("names variant `nobody`"), "{msg}");
    let mut c = hand_compare();
    c.overlay[1].series.mark.pop();
    write_json(&dir.join("compare.json"), &c);
    let msg = render_compare(&dir).unwrap_err().to_string();
    assert!(msg.contains("the overlay of `capped` has 4 seconds but 3 mark prices"), "{msg}");
    let mut c = hand_compare();
    c.seeds.clear();
    write_json(&dir.join("compare.json"), &c);
    assert!(render_compare(&dir).unwrap_err().to_string().contains("no seeds"));

    let dir = temp.path().join("sweep");
    let mut s = sweep();
    s.points.pop();
    write_json(&dir.join("sweep.json"), &s);
    let msg = render_sweep(&dir).unwrap_err().to_string();
    assert!(msg.contains("it has 1 grid points, but its grid makes 2"), "{msg}");
    let mut s = sweep();
    s.runs[0].metrics.pop();
    write_json(&dir.join("sweep.json"), &s);
    let msg = render_sweep(&dir).unwrap_err().to_string();
    let n = cascade_experiment::metrics::METRICS.len();
    let expected =
        format!("run (point 0, seed 1) has {} metric values, this version reads {n}", n - 1);
    assert!(msg.contains(&expected), "{msg}");
    let mut s = sweep();
    s.runs[1].point = 9;
    write_json(&dir.join("sweep.json"), &s);
    assert!(render_sweep(&dir).unwrap_err().to_string().contains("past the grid"));
    assert_eq!(common::files(&dir), ["sweep.json"]);
}

#[test]
fn a_failed_render_keeps_an_older_report_and_a_good_one_replaces_it() {
    let temp = tempfile::tempdir().unwrap();
    for (file, good) in [
        ("compare.json", serde_json::to_value(hand_compare()).unwrap()),
        ("sweep.json", serde_json::to_value(sweep()).unwrap()),
    ] {
        let dir = temp.path().join(file);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("report.html"), "old report").unwrap();
        std::fs::write(dir.join(file), "{").unwrap();
        let render = if file == "compare.json" { render_compare } else { render_sweep };
        assert!(render(&dir).is_err());
        assert_eq!(std::fs::read_to_string(dir.join("report.html")).unwrap(), "old report");
        write_json(&dir.join(file), &good);
        let path = render(&dir).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("<!DOCTYPE html>"));
        let mut expected = [file, "report.html"];
        expected.sort_unstable();
        assert_eq!(common::files(&dir), expected);
    }
}
