//! `cascade validate`, `cascade scenarios`, `cascade presets`, and scenario loading shared with
//! `run` (built-in names or files, with includes resolved relative to the including file).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use cascade_scenario::{Problems, Scenario};

/// Loads a scenario by built-in name or path.
pub(crate) fn load(name_or_path: &str) -> std::result::Result<Scenario, Problems> {
    let path = Path::new(name_or_path);
    let looks_like_file = name_or_path.ends_with(".toml") || path.exists();
    if !looks_like_file {
        return cascade_scenario::load_builtin(name_or_path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problems(vec![cascade_scenario::Problem {
            file: name_or_path.to_string(),
            line: None,
            key: None,
            message: format!("cannot read the file: {e}"),
            hint: Some("check the path, or name a built-in scenario (`cascade scenarios`)".into()),
        }])
    })?;
    let base: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut resolve = |name: &str| -> std::result::Result<(String, String), String> {
        if name.starts_with("builtin:") {
            return cascade_scenario::builtin_resolver(name);
        }
        let p = base.join(name);
        std::fs::read_to_string(&p)
            .map(|t| (t, p.display().to_string()))
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    cascade_scenario::load(&text, name_or_path, &mut resolve)
}

pub(crate) fn validate(scenario: &str) -> Result<ExitCode> {
    match load(scenario) {
        Ok(s) => {
            println!(
                "{}: ok — {} ({} agents, {} s)",
                scenario,
                s.name(),
                s.agent_count(),
                s.duration_s()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("{problems}");
            eprintln!("{} problem(s) found", problems.0.len());
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) fn scenarios() -> Result<ExitCode> {
    for (name, description, _) in cascade_scenario::BUILTIN {
        println!("{name:<24} {description}");
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn presets() -> Result<ExitCode> {
    for name in cascade_venue::preset_names() {
        let config = cascade_venue::preset(name)?;
        let markets: Vec<&str> = config.markets.iter().map(|m| m.symbol.as_str()).collect();
        println!("{name:<14} {}", markets.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
