//! What the comparison and sweep reports share: reading their JSON with errors that say what the
//! folder is and how to get a good one, the variant colours, and small display helpers.

use std::fmt::Write as _;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::payload::{metric_info, MetricInfo};
use crate::svg::escape;
use crate::ReportError;

/// Colour of the baseline in every comparison chart.
pub(crate) const BASELINE_COLOR: &str = "#333333";

/// Colours of the variants, in order (cycled beyond ten).
pub(crate) const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f",
];

/// The colour of the `k`-th variant (0 is the first variant after the baseline).
pub(crate) fn variant_color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// What a folder holds, by the files that name it, for error hints.
pub(crate) fn folder_kind(dir: &Path) -> Option<&'static str> {
    let has = |f: &str| dir.join(f).is_file();
    if has(cascade_experiment::COMPARE_JSON) {
        Some("a comparison folder (it has compare.json)")
    } else if has(cascade_experiment::SWEEP_JSON) || has(cascade_experiment::PLAN_JSON) {
        Some("a sweep folder (it has plan.json)")
    } else if has(crate::SUMMARY_FILE) {
        Some("a run folder (it has summary.json; `cascade report` renders it)")
    } else {
        None
    }
}

/// What a JSON document of Cascade's is, by its top-level fields.
fn json_kind(fields: &serde_json::Map<String, serde_json::Value>) -> Option<&'static str> {
    let has = |k: &str| fields.contains_key(k);
    if has("plan") && has("points") {
        Some("a sweep summary (sweep.json)")
    } else if has("lines") && has("overlay") {
        Some("a comparison (compare.json)")
    } else if has("grid") && has("hash") {
        Some("a sweep plan (plan.json)")
    } else if has("output_version") && has("metrics") {
        Some("a run summary (summary.json)")
    } else {
        None
    }
}

/// Reads and parses `dir/file` as a `T`, whose top-level fields are `required`. A missing file
/// is `missing()`; a file that is not the JSON of `T` is [`ReportError::Experiment`], saying
/// what the file is instead when it is another of Cascade's files.
pub(crate) fn read_json<T: DeserializeOwned>(
    dir: &Path,
    file: &str,
    what: &'static str,
    required: &[&str],
    fix: &'static str,
    missing: impl FnOnce() -> ReportError,
) -> Result<T, ReportError> {
    let path = dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(ReportError::Io { path, action: "read", source: e }),
    };
    let invalid =
        |reason: String| ReportError::Experiment { path: path.clone(), what, reason, fix };
    let parse_error = |e: serde_json::Error| {
        invalid(if e.is_eof() {
            format!("it ends early, at line {} (the file is truncated)", e.line())
        } else {
            e.to_string()
        })
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(parse_error)?;
    let Some(fields) = value.as_object() else {
        return Err(invalid("it is not a JSON object".into()));
    };
    let absent: Vec<String> =
        required.iter().filter(|k| !fields.contains_key(**k)).map(|k| format!("`{k}`")).collect();
    if !absent.is_empty() {
        let reason = format!("it has no field {}", absent.join(", "));
        return Err(invalid(match json_kind(fields) {
            Some(kind) => format!("{reason}: it is {kind}"),
            None => reason,
        }));
    }
    serde_json::from_str(&text).map_err(parse_error)
}

/// A metric's display information; a metric this version does not know is shown by its name
/// with two decimals and no explanation.
pub(crate) fn describe(name: &str) -> (String, MetricInfo) {
    match metric_info(name) {
        Some(info) => (info.label.to_string(), *info),
        None => (
            name.to_string(),
            MetricInfo { key: "", name: "", label: "", unit: "", decimals: 2, explanation: "" },
        ),
    }
}

/// A value as written in a grid or override, without the quotes of a TOML string.
pub(crate) fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.contains('"'))
        .unwrap_or(value)
}

/// Short names of grid axes: the last part of each key path, or the whole path where two axes
/// would share a short name.
pub(crate) fn short_names(keys: &[&str]) -> Vec<String> {
    let last = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    keys.iter()
        .map(|k| {
            let short = last(k);
            if keys.iter().filter(|o| last(o) == short).count() > 1 {
                (*k).to_string()
            } else {
                short
            }
        })
        .collect()
}

/// The seeds as shown: all of them when few, else the count, the first few and the last.
pub(crate) fn seeds_text(seeds: &[u64]) -> String {
    let list = |s: &[u64]| s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    match seeds.len() {
        0 => "none".to_string(),
        n if n <= 12 => format!("{} ({n})", list(seeds)),
        n => format!("{n} seeds: {}, …, {}", list(&seeds[..5]), seeds[n - 1]),
    }
}

/// A `<dl class="facts">` from (name, HTML value) pairs.
pub(crate) fn facts(out: &mut String, rows: &[(&str, String)]) {
    out.push_str("<dl class=\"facts\">\n");
    for (name, value) in rows {
        let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", escape(name));
    }
    out.push_str("</dl>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_helpers() {
        assert_eq!(unquote("\"25000\""), "25000");
        assert_eq!(unquote("10"), "10");
        assert_eq!(unquote("\"a\" \"b\""), "\"a\" \"b\"");
        assert_eq!(
            short_names(&["venues.perp-dex.vault_usd", "agents.mm-main.levels"]),
            ["vault_usd", "levels"]
        );
        assert_eq!(short_names(&["a.x", "b.x"]), ["a.x", "b.x"]);
        assert_eq!(seeds_text(&[42, 43]), "42, 43 (2)");
        let many: Vec<u64> = (1..=20).collect();
        assert_eq!(seeds_text(&many), "20 seeds: 1, 2, 3, 4, 5, …, 20");
    }
}
