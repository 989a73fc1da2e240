//! The `cascade` command: argument definitions, dispatch and exit codes. The work lives in
//! `run.rs` (simulate and write outputs), `report.rs` (the HTML report), `serve.rs` (the live
//! page) and `inspect.rs` (validate, list).

mod inspect;
mod report;
mod run;
mod serve;

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
    /// Run a scenario and write its outputs (summary.json, timeseries.parquet, events.parquet,
    /// report.html).
    Run(RunArgs),
    /// Write report.html, a self-contained page of charts and metrics, into a run folder.
    Report {
        /// A run folder written by `cascade run` (for example out/thin-book-flash-crash-42).
        dir: PathBuf,
    },
    /// Run a scenario paced in wall time and show it live in the browser (charts, notable
    /// events, pause/resume/speed).
    Serve(ServeArgs),
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
    /// Do not write report.html (write it later with `cascade report DIR`).
    #[arg(long)]
    no_report: bool,
}

/// Arguments of `cascade serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// A built-in scenario name or a path to a scenario .toml file.
    #[arg(default_value = cascade_scenario::DEFAULT_SCENARIO)]
    scenario: String,
    /// Seed (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Address to listen on; any address but loopback requires --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// A secret every request must carry (`?token=` or `Authorization: Bearer`).
    #[arg(long)]
    token: Option<String>,
    /// Simulated seconds per wall second (0: as fast as possible); the page can change it.
    #[arg(long, default_value_t = 10.0)]
    speed: f64,
    /// Start the scenario again when it ends.
    #[arg(long)]
    repeat: bool,
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
            report: !args.no_report,
        }),
        Command::Report { dir } => report::report(&dir),
        Command::Serve(args) => serve::serve(&serve::Settings {
            scenario: args.scenario,
            seed: args.seed,
            addr: args.addr,
            token: args.token,
            speed: args.speed,
            repeat: args.repeat,
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
