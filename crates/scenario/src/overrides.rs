//! Key-path overrides of a scenario (`venues.perp-dex.overrides.liquidation.backstop.loss_cap=
//! "25000"`): what `cascade compare` variants and `cascade sweep` grids change. A path walks the
//! resolved scenario's tables; an array of tables is entered by an element's `name` (venues) or
//! `group` (agents) or by its index. The changed scenario is validated like any file.

use crate::{Problem, Problems, Resolver, Scenario};

/// One assignment: a key path and a TOML value written as text (`25000`, `"25000"`, `true`,
/// `[3, 5]`; anything that does not parse as TOML is taken as a string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Dotted key path.
    pub key: String,
    /// The value as written.
    pub value: String,
}

impl Assignment {
    /// Parses `KEY=VALUE`.
    ///
    /// # Errors
    /// Text without `=` or with an empty key.
    pub fn parse(text: &str) -> Result<Assignment, String> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(format!("`{text}` is not KEY=VALUE (for example agents.mm-main.levels=5)"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}` has an empty key"));
        }
        Ok(Assignment { key: key.to_string(), value: value.trim().to_string() })
    }
}

fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

fn problem(key: &str, message: String, hint: Option<String>) -> Problem {
    Problem { file: "(overrides)".into(), line: None, key: Some(key.to_string()), message, hint }
}

fn keys_hint(t: &toml::Table) -> Option<String> {
    Some(format!("keys here: {}", t.keys().map(String::as_str).collect::<Vec<_>>().join(", ")))
}

/// Sets `parts` (a path below `walked`) inside `value`. A missing last key is added (the schema
/// refuses unknown ones when the scenario is loaded again); a missing table on the way is an
/// error, except below a venue's `overrides`, whose keys the preset parser checks.
fn set(
    value: &mut toml::Value,
    parts: &[&str],
    walked: &str,
    creating: bool,
    a: &Assignment,
) -> Result<(), Problem> {
    let (part, rest) = (parts[0], &parts[1..]);
    let here = if walked.is_empty() { part.to_string() } else { format!("{walked}.{part}") };
    match value {
        toml::Value::Table(t) => {
            if rest.is_empty() {
                t.insert(part.to_string(), parse_value(&a.value));
                return Ok(());
            }
            let creating = creating || part == "overrides";
            if !t.contains_key(part) {
                if !creating {
                    return Err(problem(
                        &a.key,
                        format!("no key `{here}` in the scenario"),
                        keys_hint(t),
                    ));
                }
                t.insert(part.to_string(), toml::Value::Table(toml::Table::new()));
            }
            set(t.get_mut(part).expect("present"), rest, &here, creating, a)
        }
        toml::Value::Array(items) => {
            let names: Vec<String> =
                items.iter().enumerate().map(|(k, v)| element_name(v, k)).collect();
            let index = names
                .iter()
                .position(|n| n == part)
                .or_else(|| part.parse::<usize>().ok().filter(|&k| k < items.len()));
            let Some(index) = index else {
                return Err(problem(
                    &a.key,
                    format!("no element `{part}` in `{walked}`"),
                    Some(format!("elements: {} (by name, group or index)", names.join(", "))),
                ));
            };
            if rest.is_empty() {
                items[index] = parse_value(&a.value);
                return Ok(());
            }
            set(&mut items[index], rest, &here, creating, a)
        }
        _ => Err(problem(&a.key, format!("`{walked}` is a value, not a table"), None)),
    }
}

/// Applies one assignment to the scenario's table.
fn apply(table: &mut toml::Table, a: &Assignment) -> Result<(), Problem> {
    let parts: Vec<&str> = a.key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(problem(&a.key, "a key path has an empty part".into(), None));
    }
    let mut root = toml::Value::Table(std::mem::take(table));
    let result = set(&mut root, &parts, "", false, a);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    result
}

fn element_name(v: &toml::Value, index: usize) -> String {
    let t = v.as_table();
    t.and_then(|t| t.get("name").or_else(|| t.get("group")))
        .and_then(|n| n.as_str())
        .map_or_else(|| index.to_string(), str::to_string)
}

/// The scenario with `assignments` applied to its resolved text, loaded and validated again
/// (`resolve` serves files it names, such as CSV inputs, as for the original).
///
/// # Errors
/// A path that does not exist (with the keys or elements that do), or the changed scenario's
/// validation problems.
pub fn with_overrides(
    base: &Scenario,
    assignments: &[Assignment],
    resolve: &mut Resolver<'_>,
) -> Result<Scenario, Problems> {
    let mut table: toml::Table = toml::from_str(base.resolved_toml()).map_err(|e| {
        Problems(vec![problem("", format!("the resolved scenario does not parse: {e}"), None)])
    })?;
    let mut problems = Vec::new();
    for a in assignments {
        if let Err(p) = apply(&mut table, a) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let text = toml::to_string(&table).map_err(|e| {
        Problems(vec![problem("", format!("the changed scenario cannot be written: {e}"), None)])
    })?;
    crate::load(&text, base.file(), resolve)
}
