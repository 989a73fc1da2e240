//! The `cascade` command: argument definitions, dispatch and exit codes. The work lives in
//! `run.rs` (simulate and write outputs) and `inspect.rs` (validate, list).

mod inspect;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Cascade: stress-test perpetual-futures venues with simulated crashes.
#[derive(Debug, Parser)]
#[command(name = "cascade", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its outputs (summary.json, timeseries.parquet, events.parquet).
    Run(RunArgs),
    /// Check a scenario file and report every problem with its line and key.
    Validate {
        /// Path to a scenario .toml file, or the name of a built-in scenario.
        scenario: String,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// List the venue presets.
    Presets,
}

/// Arguments of `cascade run`.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// A built-in scenario name or a path to a scenario .toml file.
    #[arg(default_value = cascade_scenario::DEFAULT_SCENARIO)]
    scenario: String,
    /// Seed (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario>-<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Check every engine step with the auditor; a broken invariant stops the run with an error.
    #[arg(long)]
    audit: bool,
    /// Do not draw a progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&run::Settings {
            scenario: args.scenario,
            seed: args.seed,
            out: args.out,
            audit: args.audit,
            progress: !args.no_progress,
        }),
        Command::Validate { scenario } => inspect::validate(&scenario),
        Command::Scenarios => inspect::scenarios(),
        Command::Presets => inspect::presets(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
