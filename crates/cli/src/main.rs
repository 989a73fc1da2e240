//! The `cascade` command: argument definitions, dispatch and exit codes. The work lives in
//! `run.rs` (simulate and write outputs), `report.rs` (the HTML report), `serve.rs` (the live
//! page), `experiment.rs` (compare, sweep) and `inspect.rs` (validate, list).

mod experiment;
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
    /// Run a baseline and variants on the same seeds and compare every metric (paired mean
    /// differences with 95% intervals): "would this rule have helped?"
    Compare(CompareArgs),
    /// Run a grid of overrides × seeds in parallel and summarise the tails per grid point
    /// (median, p95, p99 of bad debt, insurance-fund drawdown, ADL): "how bad can it get?"
    Sweep(SweepArgs),
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

/// Arguments of `cascade compare`.
#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// A built-in scenario name or a path to a scenario .toml file.
    scenario: String,
    /// A variant: NAME=KEY=VALUE[;KEY=VALUE…], KEY a dotted path into the scenario (arrays by
    /// name, group or index), e.g. capped=venues.perp-dex.overrides.liquidation.backstop.loss_cap="25000".
    #[arg(long = "variant", value_name = "NAME=OVERRIDES", required = true)]
    variants: Vec<String>,
    /// Number of seeds (the scenario's seed and the ones after it), shared by every variant.
    #[arg(long, default_value_t = 10)]
    seeds: u32,
    /// Output folder (default: out/compare-<scenario>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Do not draw a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Do not write report.html.
    #[arg(long)]
    no_report: bool,
}

/// Arguments of `cascade sweep`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    action: Option<SweepAction>,
    /// A built-in scenario name or a path to a scenario .toml file.
    scenario: Option<String>,
    /// A grid axis: KEY=v1,v2,… (KEY as for compare's variants); several axes make a product.
    #[arg(long = "grid", value_name = "KEY=VALUES")]
    grid: Vec<String>,
    /// Seeds per grid point.
    #[arg(long, default_value_t = 10)]
    seeds: u32,
    /// Output folder (default: out/sweep-<scenario>); finished runs in it are skipped.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Run only slice K of N (1-based) of the runs; merge the slices with `sweep merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Do not draw a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Do not write report.html.
    #[arg(long)]
    no_report: bool,
}

#[derive(Debug, Subcommand)]
enum SweepAction {
    /// Merge shard folders of one sweep into a folder with the complete result.
    Merge {
        /// The merged folder.
        #[arg(long)]
        out: PathBuf,
        /// The shard folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Do not write report.html.
        #[arg(long)]
        no_report: bool,
    },
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
        Command::Compare(a) => experiment::compare(&experiment::CompareSettings {
            scenario: a.scenario,
            variants: a.variants,
            seeds: a.seeds,
            out: a.out,
            threads: a.threads,
            progress: !a.no_progress,
            report: !a.no_report,
        }),
        Command::Sweep(a) => match a.action {
            Some(SweepAction::Merge { out, shards, no_report }) => {
                experiment::merge(&out, &shards, !no_report)
            }
            None => match a.scenario {
                None => Err(anyhow::anyhow!(
                    "give a scenario: cascade sweep SCENARIO --grid KEY=v1,v2 --seeds N"
                )),
                Some(scenario) => experiment::sweep(&experiment::SweepSettings {
                    scenario,
                    grid: a.grid,
                    seeds: a.seeds,
                    out: a.out,
                    threads: a.threads,
                    shard: a.shard,
                    progress: !a.no_progress,
                    report: !a.no_report,
                }),
            },
        },
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
