//! The scenario schema (serde structs that refuse unknown keys), includes, and validation that
//! collects every problem with its key path, line and a hint.

use cascade_model::VenueConfig;
use cascade_venue::ExactDecimal;
use serde::Deserialize;

use crate::{Problem, Problems, Resolver, SCHEMA_VERSION};

fn default_snapshot_ms() -> u64 {
    250
}

fn default_count() -> u32 {
    1
}

/// A scenario as written (after includes are merged).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub(crate) version: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    /// Merged away before deserialising; kept so the key is known to the schema.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) include: Option<String>,
    pub(crate) seed: u64,
    pub(crate) duration_s: u64,
    #[serde(default = "default_snapshot_ms")]
    pub(crate) snapshot_interval_ms: u64,
    pub(crate) venues: Vec<RawVenue>,
    #[serde(default)]
    pub(crate) reference: Option<RawReference>,
    #[serde(default)]
    pub(crate) oracles: Vec<RawOracle>,
    pub(crate) agents: Vec<RawAgent>,
    #[serde(default)]
    pub(crate) timeline: Vec<RawTimeline>,
    #[serde(default)]
    pub(crate) initial_positions: Vec<RawInitialPositions>,
}

/// Positions that exist when the run starts, loaded from a CSV file: each row becomes a passive
/// account holding it, its counterparty the venue's `holder` agent (outside supply).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInitialPositions {
    /// CSV with a header row; resolved like an include.
    pub(crate) csv: String,
    pub(crate) venue: String,
    pub(crate) market: String,
    /// Keep only rows whose `asset` column equals this.
    #[serde(default)]
    pub(crate) asset: Option<String>,
    /// Column with LONG/SHORT (or long/short, buy/sell).
    #[serde(default = "default_side_column")]
    pub(crate) side_column: String,
    /// Column with the size in base units (unsigned; the side gives the sign).
    #[serde(default = "default_size_column")]
    pub(crate) size_column: String,
    /// Price the positions are opened at, USD (the run's starting price).
    pub(crate) price_usd: f64,
    /// Leverage drawn per row from this range: collateral = notional / leverage.
    pub(crate) leverage: [u32; 2],
    /// Multiplies every size (scale a venue's population to the simulated book).
    #[serde(default = "default_scale")]
    pub(crate) size_scale: f64,
    /// Most rows used (largest first).
    #[serde(default)]
    pub(crate) max_rows: Option<u32>,
    /// Rows with a notional below this are skipped, USD.
    #[serde(default)]
    pub(crate) min_notional_usd: f64,
    /// Filled in when loading: (side sign, size in base units) per row kept.
    #[serde(skip)]
    pub(crate) rows: Vec<(i8, f64)>,
}

fn default_side_column() -> String {
    "side".into()
}

fn default_size_column() -> String {
    "position_size".into()
}

fn default_scale() -> f64 {
    1.0
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVenue {
    pub(crate) name: String,
    pub(crate) preset: String,
    #[serde(default)]
    pub(crate) markets: Option<Vec<String>>,
    pub(crate) insurance_fund_usd: ExactDecimal,
    #[serde(default)]
    pub(crate) vault_usd: Option<ExactDecimal>,
    /// Keys merged over the preset file before it is parsed (same schema as the preset, e.g.
    /// `[venues.overrides.liquidation.backstop] loss_cap = "50000"`): safeguards and variants.
    #[serde(default)]
    pub(crate) overrides: Option<toml::Table>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShock {
    pub(crate) at_s: f64,
    pub(crate) factor: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReference {
    pub(crate) model: String,
    pub(crate) start_price: f64,
    #[serde(default)]
    pub(crate) drift_annual: f64,
    #[serde(default)]
    pub(crate) volatility_annual: f64,
    #[serde(default)]
    pub(crate) jumps_per_hour: f64,
    #[serde(default)]
    pub(crate) jump_mean: f64,
    #[serde(default)]
    pub(crate) jump_stdev: f64,
    #[serde(default)]
    pub(crate) points: Vec<[f64; 2]>,
    /// A CSV file of `seconds,price` rows (a header row is allowed) for the `series` model,
    /// resolved like an include (relative to the scenario file).
    #[serde(default)]
    pub(crate) points_csv: Option<String>,
    pub(crate) step_ms: u64,
    #[serde(default)]
    pub(crate) shocks: Vec<RawShock>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    #[serde(default)]
    pub(crate) reference: bool,
    #[serde(default)]
    pub(crate) venue: Option<String>,
    #[serde(default)]
    pub(crate) market: Option<String>,
    pub(crate) weight: u32,
    /// For a reference source: a multiplier on the reference price (default 1).
    #[serde(default)]
    pub(crate) scale: Option<f64>,
    /// For a book source: `mid` (default; the last trade when one side is empty) or `last`.
    #[serde(default)]
    pub(crate) price: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOracle {
    pub(crate) venue: String,
    pub(crate) market: String,
    pub(crate) interval_s: f64,
    pub(crate) sources: Vec<RawSource>,
}

/// One agent population. Fields that do not apply to its kind are refused by validation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgent {
    pub(crate) kind: String,
    pub(crate) group: String,
    #[serde(default = "default_count")]
    pub(crate) count: u32,
    pub(crate) venue: String,
    pub(crate) market: String,
    pub(crate) capital_usd: ExactDecimal,
    #[serde(default)]
    pub(crate) order_latency_ms: f64,
    #[serde(default)]
    pub(crate) data_latency_ms: f64,
    #[serde(default)]
    pub(crate) jitter_ms: f64,
    #[serde(default)]
    pub(crate) commands_per_s_max: Option<u32>,
    // Market maker.
    pub(crate) levels: Option<u32>,
    pub(crate) half_spread_bps: Option<f64>,
    pub(crate) level_step_bps: Option<f64>,
    pub(crate) level_usd: Option<f64>,
    pub(crate) refresh_s: Option<f64>,
    pub(crate) skew_bps_per_1k: Option<f64>,
    pub(crate) max_inventory_usd: Option<f64>,
    pub(crate) widen_per_pct: Option<f64>,
    pub(crate) withdraw_move_pct: Option<f64>,
    pub(crate) reference_weight: Option<f64>,
    pub(crate) oracle_weight: Option<f64>,
    // Leveraged trader.
    pub(crate) long_bias: Option<f64>,
    pub(crate) leverage: Option<[u32; 2]>,
    pub(crate) notional_usd: Option<[f64; 2]>,
    pub(crate) entry_window_s: Option<[f64; 2]>,
    pub(crate) stop_loss: Option<f64>,
    pub(crate) take_profit: Option<f64>,
    pub(crate) trend_lookback_s: Option<f64>,
    pub(crate) check_s: Option<f64>,
    pub(crate) reenter_after_s: Option<f64>,
    pub(crate) slippage: Option<f64>,
    // Noise trader.
    pub(crate) mean_interval_s: Option<f64>,
    pub(crate) size_usd: Option<[f64; 2]>,
    pub(crate) market_share: Option<f64>,
    pub(crate) buy_share: Option<f64>,
    // Arbitrageur (the second leg; the first is `venue`/`market`).
    pub(crate) venue_b: Option<String>,
    pub(crate) market_b: Option<String>,
    pub(crate) clip_usd: Option<f64>,
    pub(crate) max_position_usd: Option<f64>,
    // Value trader.
    pub(crate) observation_noise: Option<f64>,
    pub(crate) margin: Option<f64>,
    // Momentum bot.
    pub(crate) lookback_s: Option<f64>,
    pub(crate) threshold: Option<f64>,
    pub(crate) hold_s: Option<f64>,
    pub(crate) follow_liquidations: Option<bool>,
    // Keeper.
    pub(crate) max_per_check: Option<u32>,
    // Manipulator.
    pub(crate) target_multiple: Option<f64>,
    pub(crate) withdraw_profit: Option<bool>,
    // Loan-based market maker.
    pub(crate) strike_usd: Option<f64>,
    pub(crate) dump_fraction: Option<f64>,
    // Any kind: inventory handed over at the start by the venue's `holder` (spot tokens, or a
    // perp position), worth `inventory_usd` at `inventory_price_usd`. An arbitrageur's inventory
    // is on whichever leg is a spot market (its first leg if neither is).
    pub(crate) inventory_usd: Option<f64>,
    pub(crate) inventory_price_usd: Option<f64>,
    /// Any kind: the market on its own venue that holds the inventory, if not its own market
    /// (collateral tokens in a unified account that trades a perp).
    pub(crate) inventory_market: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimeline {
    pub(crate) at_s: f64,
    pub(crate) group: String,
    pub(crate) signal: String,
    #[serde(default)]
    pub(crate) value: Option<String>,
    /// For `venue:NAME` entries: the market a halt or a tier change applies to (all if absent).
    #[serde(default)]
    pub(crate) market: Option<String>,
    /// For `margin_tiers`: the new tiers.
    #[serde(default)]
    pub(crate) tiers: Option<Vec<RawTier>>,
    /// For `rollback`: the window of trades reversed (seconds from the start).
    #[serde(default)]
    pub(crate) from_s: Option<f64>,
    /// For `rollback`: the end of the window.
    #[serde(default)]
    pub(crate) to_s: Option<f64>,
    /// For `rollback`: only trades with an account of this agent group on either side.
    #[serde(default)]
    pub(crate) accounts: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    pub(crate) floor: ExactDecimal,
    pub(crate) max_leverage: u32,
    pub(crate) maintenance_rate: ExactDecimal,
}

/// A validated scenario, ready to build.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub(crate) raw: RawScenario,
    pub(crate) venues: Vec<VenueConfig>,
    resolved: String,
    file: String,
}

impl Scenario {
    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.raw.name
    }

    /// Its description.
    pub fn description(&self) -> &str {
        &self.raw.description
    }

    /// The seed written in the file.
    pub fn seed(&self) -> u64 {
        self.raw.seed
    }

    /// Run length in seconds.
    pub fn duration_s(&self) -> u64 {
        self.raw.duration_s
    }

    /// The file it came from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The resolved scenario (includes merged) as TOML, for the run's output folder.
    pub fn resolved_toml(&self) -> &str {
        &self.resolved
    }

    /// Total number of agents.
    pub fn agent_count(&self) -> u64 {
        self.raw.agents.iter().map(|a| u64::from(a.count)).sum()
    }
}

/// Agent kinds and the fields each one takes (beyond the common ones).
const KINDS: &[(&str, &[&str])] = &[
    (
        "market_maker",
        &[
            "levels",
            "half_spread_bps",
            "level_step_bps",
            "level_usd",
            "refresh_s",
            "skew_bps_per_1k",
            "max_inventory_usd",
            "widen_per_pct",
            "withdraw_move_pct",
            "reference_weight",
            "oracle_weight",
        ],
    ),
    (
        "leveraged_trader",
        &[
            "long_bias",
            "leverage",
            "notional_usd",
            "entry_window_s",
            "stop_loss",
            "take_profit",
            "trend_lookback_s",
            "check_s",
            "reenter_after_s",
            "slippage",
        ],
    ),
    ("noise", &["mean_interval_s", "size_usd", "market_share", "buy_share", "slippage"]),
    (
        "momentum",
        &[
            "check_s",
            "lookback_s",
            "threshold",
            "notional_usd",
            "hold_s",
            "slippage",
            "follow_liquidations",
        ],
    ),
    (
        "arbitrageur",
        &[
            "venue_b",
            "market_b",
            "check_s",
            "threshold",
            "clip_usd",
            "max_position_usd",
            "slippage",
        ],
    ),
    ("value", &["mean_interval_s", "size_usd", "observation_noise", "margin"]),
    (
        "loan_maker",
        &[
            "levels",
            "half_spread_bps",
            "level_step_bps",
            "level_usd",
            "refresh_s",
            "skew_bps_per_1k",
            "max_inventory_usd",
            "widen_per_pct",
            "withdraw_move_pct",
            "reference_weight",
            "strike_usd",
            "dump_fraction",
            "slippage",
        ],
    ),
    ("keeper", &["check_s", "max_per_check"]),
    ("holder", &[]),
    (
        "manipulator",
        &[
            "venue_b",
            "market_b",
            "check_s",
            "clip_usd",
            "target_multiple",
            "hold_s",
            "withdraw_profit",
            "slippage",
        ],
    ),
];

/// Fields every kind takes (beyond venue, market, capital and latencies).
const COMMON: &[&str] = &["inventory_usd", "inventory_price_usd", "inventory_market"];

/// Required fields per kind.
const REQUIRED: &[(&str, &[&str])] = &[
    ("market_maker", &["levels", "half_spread_bps", "level_step_bps", "level_usd", "refresh_s"]),
    ("leveraged_trader", &["leverage", "notional_usd", "entry_window_s"]),
    ("noise", &["mean_interval_s", "size_usd"]),
    ("momentum", &["lookback_s", "threshold", "notional_usd", "hold_s"]),
    ("arbitrageur", &["venue_b", "market_b", "threshold", "clip_usd", "max_position_usd"]),
    ("value", &["mean_interval_s", "size_usd"]),
    (
        "loan_maker",
        &["levels", "half_spread_bps", "level_step_bps", "level_usd", "refresh_s", "strike_usd"],
    ),
    ("keeper", &[]),
    ("manipulator", &["venue_b", "market_b", "clip_usd", "target_multiple"]),
];

fn set_fields(a: &RawAgent) -> Vec<&'static str> {
    let mut v = Vec::new();
    macro_rules! check {
        ($($f:ident),*) => {$( if a.$f.is_some() { v.push(stringify!($f)); } )*};
    }
    check!(
        levels,
        half_spread_bps,
        level_step_bps,
        level_usd,
        refresh_s,
        skew_bps_per_1k,
        max_inventory_usd,
        widen_per_pct,
        withdraw_move_pct,
        reference_weight,
        oracle_weight,
        venue_b,
        market_b,
        clip_usd,
        max_position_usd,
        observation_noise,
        margin,
        long_bias,
        leverage,
        notional_usd,
        entry_window_s,
        stop_loss,
        take_profit,
        trend_lookback_s,
        check_s,
        reenter_after_s,
        slippage,
        mean_interval_s,
        size_usd,
        market_share,
        buy_share,
        lookback_s,
        threshold,
        hold_s,
        follow_liquidations,
        max_per_check,
        target_multiple,
        withdraw_profit,
        strike_usd,
        dump_fraction,
        inventory_usd,
        inventory_price_usd,
        inventory_market
    );
    v
}

/// Finds the line of the `index`-th `[[section]]` table's `field` key (or of the table header).
fn line_of(text: &str, section: &str, index: Option<usize>, field: Option<&str>) -> Option<usize> {
    let header_array = format!("[[{section}]]");
    let header_table = format!("[{section}]");
    let mut seen = 0usize;
    let mut in_target = false;
    let mut header_line = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_target = false;
            if t == header_array {
                if Some(seen) == index {
                    in_target = true;
                    header_line = Some(n + 1);
                }
                seen += 1;
            } else if t == header_table && index.is_none() {
                in_target = true;
                header_line = Some(n + 1);
            }
            continue;
        }
        if in_target {
            if let Some(f) = field {
                let key = t.split('=').next().unwrap_or("").trim();
                if key == f {
                    return Some(n + 1);
                }
            }
        }
    }
    header_line
}

/// The message of a TOML error; some errors carry it only in their `Display`.
fn toml_message(e: &toml::de::Error) -> String {
    if e.message().is_empty() {
        e.to_string()
    } else {
        e.message().to_string()
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

const INCLUDE_DEPTH_MAX: u32 = 8;

fn problem(
    file: &str,
    line: Option<usize>,
    key: Option<String>,
    message: impl Into<String>,
    hint: Option<String>,
) -> Problem {
    Problem { file: file.to_string(), line, key, message: message.into(), hint }
}

fn merged_table(
    text: &str,
    file: &str,
    resolve: &mut Resolver<'_>,
    depth: u32,
) -> Result<toml::Table, Problems> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| {
        Problems(vec![problem(
            file,
            e.span().map(|s| text[..s.start].matches('\n').count() + 1),
            None,
            toml_message(&e),
            Some("check the TOML syntax at that line".into()),
        )])
    })?;
    if let Some(include) = table.remove("include") {
        let Some(name) = include.as_str().map(str::to_string) else {
            return Err(Problems(vec![problem(
                file,
                line_of(text, "", None, Some("include")),
                Some("include".into()),
                "must be a string",
                Some("include = \"other.toml\" or \"builtin:NAME\"".into()),
            )]));
        };
        if depth >= INCLUDE_DEPTH_MAX {
            return Err(Problems(vec![problem(
                file,
                None,
                Some("include".into()),
                format!("includes nest deeper than {INCLUDE_DEPTH_MAX}"),
                Some("an include cycle?".into()),
            )]));
        }
        let (base_text, base_file) = resolve(&name).map_err(|e| {
            Problems(vec![problem(
                file,
                None,
                Some("include".into()),
                format!("cannot include `{name}`: {e}"),
                None,
            )])
        })?;
        let mut base = merged_table(&base_text, &base_file, resolve, depth + 1)?;
        merge(&mut base, table);
        table = base;
    }
    Ok(table)
}

pub(crate) fn load(
    text: &str,
    file: &str,
    resolve: &mut Resolver<'_>,
    depth: u32,
) -> Result<Scenario, Problems> {
    let has_include =
        toml::from_str::<toml::Table>(text).ok().is_some_and(|t| t.contains_key("include"));
    let table = merged_table(text, file, resolve, depth)?;
    let raw: RawScenario = if has_include {
        table.clone().try_into().map_err(|e: toml::de::Error| {
            Problems(vec![problem(
                file,
                None,
                None,
                toml_message(&e),
                Some("see the scenario schema in docs/scenarios.md".into()),
            )])
        })?
    } else {
        toml::from_str(text).map_err(|e| {
            Problems(vec![problem(
                file,
                e.span().map(|s| text[..s.start].matches('\n').count() + 1),
                None,
                toml_message(&e),
                Some("see the scenario schema in docs/scenarios.md".into()),
            )])
        })?
    };
    let mut raw = raw;
    if let Some(r) = raw.reference.as_mut() {
        if let Some(csv) = r.points_csv.clone() {
            let (data, data_file) = resolve(&csv).map_err(|e| {
                Problems(vec![problem(
                    file,
                    None,
                    Some("reference.points_csv".into()),
                    format!("cannot read `{csv}`: {e}"),
                    None,
                )])
            })?;
            r.points = parse_points_csv(&data, &data_file)?;
        }
    }
    for (i, ip) in raw.initial_positions.iter_mut().enumerate() {
        let (data, data_file) = resolve(&ip.csv).map_err(|e| {
            Problems(vec![problem(
                file,
                None,
                Some(format!("initial_positions[{i}].csv")),
                format!("cannot read `{}`: {e}", ip.csv),
                None,
            )])
        })?;
        ip.rows = parse_positions_csv(&data, &data_file, ip)?;
    }
    let venues = validate(&raw, text, file)?;
    let resolved = toml::to_string(&table).unwrap_or_else(|_| text.to_string());
    Ok(Scenario { raw, venues, resolved, file: file.to_string() })
}

/// Reads position rows (header row required): the side and size columns, an optional `asset`
/// filter; zero sizes are skipped (closed positions); every bad row is reported with its line.
fn parse_positions_csv(
    data: &str,
    file: &str,
    ip: &RawInitialPositions,
) -> Result<Vec<(i8, f64)>, Problems> {
    let mut lines = data.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(Problems(vec![problem(
            file,
            Some(1),
            None,
            "empty file",
            Some("a header row, then one row per position".into()),
        )]));
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| *c == name);
    let mut problems = Vec::new();
    let (Some(side_col), Some(size_col)) = (find(&ip.side_column), find(&ip.size_column)) else {
        return Err(Problems(vec![problem(
            file,
            Some(1),
            None,
            format!("the header has no `{}` or no `{}` column", ip.side_column, ip.size_column),
            Some(format!("columns found: {}; set side_column / size_column", columns.join(", "))),
        )]));
    };
    let asset_col = find("asset");
    if ip.asset.is_some() && asset_col.is_none() {
        return Err(Problems(vec![problem(
            file,
            Some(1),
            None,
            "`asset` is set but the file has no `asset` column",
            None,
        )]));
    }
    let mut rows = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if let (Some(want), Some(c)) = (&ip.asset, asset_col) {
            if fields.get(c) != Some(&want.as_str()) {
                continue;
            }
        }
        let sign = match fields.get(side_col).map(|s| s.to_ascii_lowercase()) {
            Some(s) if s == "long" || s == "buy" => 1i8,
            Some(s) if s == "short" || s == "sell" => -1i8,
            _ => {
                let raw_side = fields.get(side_col).copied().unwrap_or_default();
                problems.push(problem(
                    file,
                    Some(n + 1),
                    None,
                    format!("side `{raw_side}` is not LONG or SHORT"),
                    Some("LONG/SHORT or BUY/SELL, any case".into()),
                ));
                continue;
            }
        };
        match fields.get(size_col).and_then(|v| v.parse::<f64>().ok()) {
            Some(size) if size.is_finite() && size >= 0.0 => {
                let size = size * ip.size_scale;
                if size > 0.0 && size * ip.price_usd >= ip.min_notional_usd.max(1e-9) {
                    rows.push((sign, size));
                }
            }
            _ => problems.push(problem(
                file,
                Some(n + 1),
                None,
                format!("`{}` is not a size", fields.get(size_col).copied().unwrap_or_default()),
                Some("a non-negative number".into()),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    // Largest first, then the cap; the order is the file's for equal sizes (stable sort).
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    if let Some(max) = ip.max_rows {
        rows.truncate(max as usize);
    }
    Ok(rows)
}

/// Parses `seconds,price` rows; a first row that is not numeric is a header. Times must not
/// decrease and prices must be positive; every bad row is reported with its line.
fn parse_points_csv(data: &str, file: &str) -> Result<Vec<[f64; 2]>, Problems> {
    let mut points = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in data.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed = match fields.as_slice() {
            [t, p] => t.parse::<f64>().ok().zip(p.parse::<f64>().ok()),
            _ => None,
        };
        match parsed {
            Some((t, p)) if t.is_finite() && p.is_finite() && p > 0.0 && t >= 0.0 => {
                if points.last().is_some_and(|last: &[f64; 2]| last[0] > t) {
                    problems.push(problem(
                        file,
                        Some(n + 1),
                        None,
                        format!("time {t} goes backwards"),
                        Some("rows must be in time order".into()),
                    ));
                }
                points.push([t, p]);
            }
            None if n == 0 => {}
            _ => problems.push(problem(
                file,
                Some(n + 1),
                None,
                format!("`{line}` is not `seconds,price` with a positive price"),
                Some("for example `60,1843.25`".into()),
            )),
        }
    }
    if points.is_empty() && problems.is_empty() {
        problems.push(problem(
            file,
            None,
            None,
            "no data rows",
            Some("rows of `seconds,price`".into()),
        ));
    }
    if problems.is_empty() {
        Ok(points)
    } else {
        Err(Problems(problems))
    }
}

/// The venue an agent's seeded inventory is on: an arbitrageur's spot leg (by the presets'
/// `spot` flag, checked at build), else its own venue.
pub(crate) fn inventory_venue<'a>(raw: &'a RawScenario, a: &'a RawAgent) -> &'a str {
    match (&a.venue_b, a.kind.as_str()) {
        (Some(vb), "arbitrageur") => {
            let b_is_spot = raw.venues.iter().any(|v| &v.name == vb && v.preset == "spot");
            if b_is_spot {
                vb
            } else {
                &a.venue
            }
        }
        _ => &a.venue,
    }
}

fn validate(raw: &RawScenario, text: &str, file: &str) -> Result<Vec<VenueConfig>, Problems> {
    let mut problems = Vec::new();
    let mut p = |line: Option<usize>, key: String, message: String, hint: Option<String>| {
        problems.push(problem(file, line, Some(key), message, hint))
    };
    if raw.version != SCHEMA_VERSION {
        p(
            line_of(text, "", None, Some("version")),
            "version".into(),
            format!("schema version {} is not supported", raw.version),
            Some(format!("this build reads version {SCHEMA_VERSION}")),
        );
    }
    if raw.duration_s == 0 || raw.duration_s > 7 * 24 * 3600 {
        p(
            None,
            "duration_s".into(),
            format!("{} is out of range", raw.duration_s),
            Some("1 to 604800 seconds".into()),
        );
    }
    if raw.snapshot_interval_ms == 0 {
        p(
            None,
            "snapshot_interval_ms".into(),
            "must be positive".into(),
            Some("250 is typical".into()),
        );
    }
    let mut venues = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, v) in raw.venues.iter().enumerate() {
        let line = |f: &str| line_of(text, "venues", Some(i), Some(f));
        if names.contains(&v.name.as_str()) {
            p(
                line("name"),
                format!("venues[{i}].name"),
                format!("duplicate venue name `{}`", v.name),
                None,
            );
        }
        names.push(&v.name);
        let preset = match &v.overrides {
            None => cascade_venue::preset(&v.preset),
            Some(over) => match cascade_venue::PRESETS.iter().find(|(n, _, _)| *n == v.preset) {
                None => cascade_venue::preset(&v.preset),
                Some((_, preset_file, text)) => {
                    let mut table: toml::Table =
                        toml::from_str(text).expect("built-in presets parse");
                    merge(&mut table, over.clone());
                    let merged = toml::to_string(&table).unwrap_or_default();
                    cascade_venue::parse(
                        &merged,
                        &format!("{preset_file} with venues[{i}].overrides"),
                    )
                    .map_err(|mut e| {
                        // Lines of the merged text mean nothing to the user; the key does.
                        e.line = None;
                        e
                    })
                }
            },
        };
        match preset {
            Err(e) => {
                let (key, line_no) = if v.overrides.is_some()
                    && cascade_venue::PRESETS.iter().any(|(n, _, _)| *n == v.preset)
                {
                    (format!("venues[{i}].overrides"), line("overrides"))
                } else {
                    (format!("venues[{i}].preset"), line("preset"))
                };
                p(
                    line_no,
                    key,
                    format!(
                        "{}{}",
                        e.key.map(|k| format!("`{k}`: ")).unwrap_or_default(),
                        e.message
                    ),
                    None,
                )
            }
            Ok(mut config) => {
                if let Some(markets) = &v.markets {
                    let mut kept = Vec::new();
                    for m in markets {
                        match config.markets.iter().find(|s| &s.symbol == m) {
                            Some(spec) => kept.push(spec.clone()),
                            None => p(
                                line("markets"),
                                format!("venues[{i}].markets"),
                                format!("preset `{}` has no market `{m}`", v.preset),
                                Some(format!(
                                    "choose from: {}",
                                    config
                                        .markets
                                        .iter()
                                        .map(|s| s.symbol.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            ),
                        }
                    }
                    if !kept.is_empty() {
                        config.markets = kept;
                    }
                }
                config.name = v.name.clone();
                venues.push(config);
            }
        }
        for (field, amount) in
            [("insurance_fund_usd", Some(v.insurance_fund_usd)), ("vault_usd", v.vault_usd)]
        {
            if let Some(a) = amount {
                if a.0.mantissa() < 0 || cascade_num::Quote::from_decimal(a.0).is_err() {
                    p(
                        line(field),
                        format!("venues[{i}].{field}"),
                        "must be a non-negative amount with at most 6 decimals".into(),
                        None,
                    );
                }
            }
        }
    }
    if raw.venues.is_empty() {
        p(
            None,
            "venues".into(),
            "at least one venue is required".into(),
            Some("add a [[venues]] table with name and preset".into()),
        );
    }
    let market_ok = |venue: &str, market: &str| -> Result<(), String> {
        let Some(vi) = raw.venues.iter().position(|v| v.name == venue) else {
            return Err(format!(
                "no venue named `{venue}` (venues: {})",
                raw.venues.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        };
        match venues.get(vi) {
            Some(c) if !c.markets.iter().any(|m| m.symbol == market) => {
                Err(format!("venue `{venue}` has no market `{market}`"))
            }
            _ => Ok(()),
        }
    };
    if let Some(r) = &raw.reference {
        let line = |f: &str| line_of(text, "reference", None, Some(f));
        if !["gbm", "jump", "series"].contains(&r.model.as_str()) {
            p(
                line("model"),
                "reference.model".into(),
                format!("`{}` is not a reference model", r.model),
                Some("gbm, jump or series".into()),
            );
        }
        if r.start_price <= 0.0 || !r.start_price.is_finite() {
            p(line("start_price"), "reference.start_price".into(), "must be positive".into(), None);
        }
        if r.step_ms == 0 {
            p(
                line("step_ms"),
                "reference.step_ms".into(),
                "must be positive".into(),
                Some("1000 steps once a second".into()),
            );
        }
        if r.model == "series" && r.points.is_empty() {
            p(
                line("points"),
                "reference.points".into(),
                "a series needs points".into(),
                Some("points = [[0, 100.0], [60, 95.5]]".into()),
            );
        }
    }
    for (i, o) in raw.oracles.iter().enumerate() {
        let line = |f: &str| line_of(text, "oracles", Some(i), Some(f));
        if let Err(e) = market_ok(&o.venue, &o.market) {
            p(line("venue"), format!("oracles[{i}]"), e, None);
        }
        if o.interval_s <= 0.0 {
            p(
                line("interval_s"),
                format!("oracles[{i}].interval_s"),
                "must be positive".into(),
                Some("Hyperliquid publishes every 3 s".into()),
            );
        }
        if o.sources.is_empty() {
            p(
                line("sources"),
                format!("oracles[{i}].sources"),
                "needs at least one source".into(),
                None,
            );
        }
        for (j, s) in o.sources.iter().enumerate() {
            if let Some(price) = &s.price {
                if s.reference || !matches!(price.as_str(), "mid" | "last") {
                    p(
                        line("sources"),
                        format!("oracles[{i}].sources[{j}].price"),
                        format!("`price` of a book source is `mid` or `last`, not `{price}`"),
                        Some("{ venue = \"spot\", market = \"ALTUSDT\", weight = 1, price = \"last\" }".into()),
                    );
                }
            }
            if let Some(scale) = s.scale {
                if !(s.reference && scale.is_finite() && scale > 0.0) {
                    p(
                        line("sources"),
                        format!("oracles[{i}].sources[{j}].scale"),
                        "`scale` multiplies a reference source and must be positive".into(),
                        Some("{ reference = true, weight = 1, scale = 112000 }".into()),
                    );
                }
            }
            match (s.reference, &s.venue, &s.market) {
                (true, None, None) => {
                    if raw.reference.is_none() {
                        p(
                            line("sources"),
                            format!("oracles[{i}].sources[{j}]"),
                            "uses the reference price but the scenario has no [reference]".into(),
                            None,
                        );
                    }
                }
                (false, Some(v), Some(m)) => {
                    if let Err(e) = market_ok(v, m) {
                        p(line("sources"), format!("oracles[{i}].sources[{j}]"), e, None);
                    }
                }
                _ => p(
                    line("sources"),
                    format!("oracles[{i}].sources[{j}]"),
                    "a source is either { reference = true, weight } or { venue, market, weight }"
                        .into(),
                    None,
                ),
            }
        }
    }
    for (i, a) in raw.agents.iter().enumerate() {
        let line = |f: &str| line_of(text, "agents", Some(i), Some(f));
        let Some((_, allowed)) = KINDS.iter().find(|(k, _)| *k == a.kind) else {
            p(
                line("kind"),
                format!("agents[{i}].kind"),
                format!("unknown agent kind `{}`", a.kind),
                Some(format!(
                    "one of: {}",
                    KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
                )),
            );
            continue;
        };
        for f in set_fields(a) {
            if !allowed.contains(&f) && !COMMON.contains(&f) {
                p(
                    line(f),
                    format!("agents[{i}].{f}"),
                    format!("does not apply to kind `{}`", a.kind),
                    Some(format!("{} takes: {}", a.kind, allowed.join(", "))),
                );
            }
        }
        let required = REQUIRED.iter().find(|(k, _)| *k == a.kind).map_or(&[][..], |r| r.1);
        let set = set_fields(a);
        for f in required {
            if !set.contains(f) {
                p(
                    line("kind"),
                    format!("agents[{i}].{f}"),
                    format!("missing; kind `{}` needs it", a.kind),
                    None,
                );
            }
        }
        if let Err(e) = market_ok(&a.venue, &a.market) {
            p(line("venue"), format!("agents[{i}]"), e, None);
        }
        if let (Some(vb), Some(mb)) = (&a.venue_b, &a.market_b) {
            if let Err(e) = market_ok(vb, mb) {
                p(line("venue_b"), format!("agents[{i}].venue_b"), e, None);
            }
            if vb == &a.venue {
                p(
                    line("venue_b"),
                    format!("agents[{i}].venue_b"),
                    "the second leg must be on another venue".into(),
                    None,
                );
            }
        }
        // Numeric ranges of the behaviour keys (a sweep or a variant may set any of them).
        let ranges: [(&str, Option<f64>, f64, f64); 19] = [
            ("levels", a.levels.map(f64::from), 1.0, 500.0),
            ("half_spread_bps", a.half_spread_bps, 0.0, 10_000.0),
            ("level_step_bps", a.level_step_bps, 0.0, 10_000.0),
            ("level_usd", a.level_usd, 0.01, 1e12),
            ("refresh_s", a.refresh_s, 0.001, 86_400.0),
            ("max_inventory_usd", a.max_inventory_usd, 0.0, 1e15),
            ("widen_per_pct", a.widen_per_pct, 0.0, 1_000.0),
            ("withdraw_move_pct", a.withdraw_move_pct, 0.0, 100.0),
            ("stop_loss", a.stop_loss, 0.0001, 1.0),
            ("take_profit", a.take_profit, 0.0001, 100.0),
            ("check_s", a.check_s, 0.001, 86_400.0),
            ("mean_interval_s", a.mean_interval_s, 0.001, 86_400.0),
            ("threshold", a.threshold, 0.0, 10.0),
            ("clip_usd", a.clip_usd, 0.01, 1e12),
            ("max_position_usd", a.max_position_usd, 0.0, 1e15),
            ("lookback_s", a.lookback_s, 0.001, 86_400.0),
            ("hold_s", a.hold_s, 0.0, 604_800.0),
            ("slippage", a.slippage, 0.0, 1.0),
            ("target_multiple", a.target_multiple, 1.0, 10_000.0),
        ];
        for (f, v, lo, hi) in ranges {
            if let Some(v) = v {
                if !(v.is_finite() && (lo..=hi).contains(&v)) {
                    p(
                        line(f),
                        format!("agents[{i}].{f}"),
                        format!("{v} is out of range"),
                        Some(format!("{lo} to {hi}")),
                    );
                }
            }
        }
        if a.inventory_usd.is_some() != a.inventory_price_usd.is_some() {
            p(
                line("inventory_usd"),
                format!("agents[{i}].inventory_usd"),
                "inventory_usd and inventory_price_usd go together".into(),
                Some("inventory_usd = 50000, inventory_price_usd = 1.0".into()),
            );
        }
        for (f, v) in [
            ("inventory_usd", a.inventory_usd),
            ("inventory_price_usd", a.inventory_price_usd),
            ("strike_usd", a.strike_usd),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                p(line(f), format!("agents[{i}].{f}"), "must be positive".into(), None);
            }
        }
        if let Some(d) = a.dump_fraction {
            if !(0.0..=1.0).contains(&d) {
                p(
                    line("dump_fraction"),
                    format!("agents[{i}].dump_fraction"),
                    format!("{d} is not a fraction"),
                    Some("between 0 and 1".into()),
                );
            }
        }
        if let Some(m) = &a.inventory_market {
            if let Err(e) = market_ok(&a.venue, m) {
                p(line("inventory_market"), format!("agents[{i}].inventory_market"), e, None);
            }
            if a.inventory_usd.is_none() {
                p(
                    line("inventory_market"),
                    format!("agents[{i}].inventory_market"),
                    "inventory_market needs inventory_usd and inventory_price_usd".into(),
                    None,
                );
            }
        }
        if a.inventory_usd.is_some() {
            let venue = inventory_venue(raw, a);
            if !raw.agents.iter().any(|h| h.kind == "holder" && h.venue == venue) {
                p(
                    line("inventory_usd"),
                    format!("agents[{i}].inventory_usd"),
                    format!("inventory needs a `holder` agent on venue `{venue}` to hand it over"),
                    Some(format!("add [[agents]] kind = \"holder\", venue = \"{venue}\", with capital to back the supply")),
                );
            }
        }
        if a.count == 0 || a.count > 1_000_000 {
            p(
                line("count"),
                format!("agents[{i}].count"),
                format!("{} is out of range", a.count),
                Some("1 to 1,000,000".into()),
            );
        }
        if cascade_num::Quote::from_decimal(a.capital_usd.0).map_or(true, |q| !q.is_positive()) {
            p(
                line("capital_usd"),
                format!("agents[{i}].capital_usd"),
                "must be a positive amount with at most 6 decimals".into(),
                None,
            );
        }
        for (f, v) in [
            ("order_latency_ms", a.order_latency_ms),
            ("data_latency_ms", a.data_latency_ms),
            ("jitter_ms", a.jitter_ms),
        ] {
            if !(0.0..=60_000.0).contains(&v) {
                p(
                    line(f),
                    format!("agents[{i}].{f}"),
                    format!("{v} is out of range"),
                    Some("0 to 60000 ms".into()),
                );
            }
        }
        if let Some([lo, hi]) = a.leverage {
            if lo == 0 || hi < lo {
                p(
                    line("leverage"),
                    format!("agents[{i}].leverage"),
                    "need 1 <= min <= max".into(),
                    Some("leverage = [5, 10]".into()),
                );
            }
        }
        for (f, range) in [
            ("notional_usd", a.notional_usd),
            ("size_usd", a.size_usd),
            ("entry_window_s", a.entry_window_s),
        ] {
            if let Some([lo, hi]) = range {
                if !(lo >= 0.0 && hi >= lo) {
                    p(line(f), format!("agents[{i}].{f}"), "need 0 <= min <= max".into(), None);
                }
            }
        }
        for (f, v) in [
            ("long_bias", a.long_bias),
            ("market_share", a.market_share),
            ("buy_share", a.buy_share),
            ("reference_weight", a.reference_weight),
            ("oracle_weight", a.oracle_weight),
        ] {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    p(
                        line(f),
                        format!("agents[{i}].{f}"),
                        format!("{v} is not a probability"),
                        Some("between 0 and 1".into()),
                    );
                }
            }
        }
    }
    for (i, ip) in raw.initial_positions.iter().enumerate() {
        let line = |f: &str| line_of(text, "initial_positions", Some(i), Some(f));
        let key = |f: &str| format!("initial_positions[{i}].{f}");
        if let Err(e) = market_ok(&ip.venue, &ip.market) {
            p(line("venue"), key("venue"), e, None);
        }
        if !raw.agents.iter().any(|h| h.kind == "holder" && h.venue == ip.venue) {
            p(
                line("venue"),
                key("venue"),
                format!(
                    "initial positions need a `holder` agent on venue `{}` as their counterparty",
                    ip.venue
                ),
                Some("add an [[agents]] entry with kind = \"holder\" on that venue".into()),
            );
        }
        if !(ip.price_usd.is_finite() && ip.price_usd > 0.0) {
            p(line("price_usd"), key("price_usd"), "must be positive".into(), None);
        }
        if ip.leverage[0] == 0 || ip.leverage[1] < ip.leverage[0] {
            p(
                line("leverage"),
                key("leverage"),
                "need 1 <= min <= max".into(),
                Some("leverage = [3, 20]".into()),
            );
        }
        if !(ip.size_scale.is_finite() && ip.size_scale > 0.0) {
            p(line("size_scale"), key("size_scale"), "must be positive".into(), None);
        }
        if ip.rows.is_empty() {
            p(
                line("csv"),
                key("csv"),
                format!("no rows of `{}` left after the filters", ip.csv),
                Some("check `asset`, `min_notional_usd` and the column names".into()),
            );
        }
    }
    for (i, t) in raw.timeline.iter().enumerate() {
        let line = |f: &str| line_of(text, "timeline", Some(i), Some(f));
        if t.at_s < 0.0 || t.at_s > raw.duration_s as f64 {
            p(
                line("at_s"),
                format!("timeline[{i}].at_s"),
                format!("{} is outside the run (0 to {} s)", t.at_s, raw.duration_s),
                None,
            );
        }
        let rollback_keys = t.from_s.is_some() || t.to_s.is_some() || t.accounts.is_some();
        if rollback_keys && !(t.group.starts_with("venue:") && t.signal == "rollback") {
            p(
                line("signal"),
                format!("timeline[{i}]"),
                "`from_s`, `to_s` and `accounts` belong to a venue's `rollback` signal".into(),
                Some("group = \"venue:NAME\", signal = \"rollback\"".into()),
            );
        }
        if let Some(venue) = t.group.strip_prefix("venue:") {
            let Some(vi) = raw.venues.iter().position(|v| v.name == venue) else {
                p(
                    line("group"),
                    format!("timeline[{i}].group"),
                    format!("`{}` names no venue", t.group),
                    None,
                );
                continue;
            };
            if let (Some(m), Some(config)) = (&t.market, venues.get(vi)) {
                if !config.markets.iter().any(|s| &s.symbol == m) {
                    p(
                        line("market"),
                        format!("timeline[{i}].market"),
                        format!("venue `{venue}` has no market `{m}`"),
                        None,
                    );
                }
            }
            match t.signal.as_str() {
                "halt" | "reopen" => {}
                "margin_tiers" => match &t.tiers {
                    None => p(line("signal"), format!("timeline[{i}].tiers"), "margin_tiers needs tiers".into(), Some("tiers = [{ floor = \"0\", max_leverage = 20, maintenance_rate = \"0.025\" }]".into())),
                    Some(tiers) => {
                        if let Err(e) = crate::build::tier_table(tiers) {
                            p(line("tiers"), format!("timeline[{i}].tiers"), e, None);
                        }
                    }
                },
                "rollback" => {
                    let journal =
                        venues.get(vi).is_some_and(|c| c.safeguards.trade_rollback);
                    if !journal {
                        p(line("signal"), format!("timeline[{i}].signal"), format!("venue `{venue}` keeps no trade journal, so it cannot roll trades back"), Some(format!("add `[venues.overrides.safeguards] trade_rollback = true` to venue `{venue}`")));
                    }
                    match (t.from_s, t.to_s) {
                        (Some(from), Some(to)) if from >= 0.0 && from <= to && to <= t.at_s => {}
                        (Some(_), Some(_)) => p(line("to_s"), format!("timeline[{i}].to_s"), format!("the window must satisfy 0 <= from_s <= to_s <= at_s ({})", t.at_s), None),
                        _ => p(line("signal"), format!("timeline[{i}].from_s"), "rollback needs `from_s` and `to_s` (the window of trades to reverse)".into(), Some("from_s = 600, to_s = 900".into())),
                    }
                    if let Some(g) = &t.accounts {
                        if !raw.agents.iter().any(|a| &a.group == g) {
                            p(line("accounts"), format!("timeline[{i}].accounts"), format!("no agent group `{g}`"), None);
                        }
                    }
                }
                "settle" => match t.value.as_deref().map(str::parse::<f64>) {
                    Some(Ok(v)) if v.is_finite() && v > 0.0 => {}
                    _ => p(line("value"), format!("timeline[{i}].value"), "settle needs `value`, the administered price in USD (positive)".into(), Some("value = \"0.0095\"".into())),
                },
                other => p(line("signal"), format!("timeline[{i}].signal"), format!("venues understand `halt`, `reopen`, `margin_tiers`, `rollback` and `settle`, not `{other}`"), None),
            }
            continue;
        }
        if let Some(n) = t.group.strip_prefix("oracle:") {
            if n.parse::<usize>().map_or(true, |n| n >= raw.oracles.len()) {
                p(
                    line("group"),
                    format!("timeline[{i}].group"),
                    format!("`{}` names no oracle", t.group),
                    Some(format!(
                        "oracles are numbered from 0 in file order; this scenario has {}",
                        raw.oracles.len()
                    )),
                );
            }
            if t.signal != "outage" && t.signal != "restore" {
                p(
                    line("signal"),
                    format!("timeline[{i}].signal"),
                    format!("oracles understand `outage` and `restore`, not `{}`", t.signal),
                    None,
                );
            }
            continue;
        }
        if !raw.agents.iter().any(|a| a.group == t.group) {
            p(
                line("group"),
                format!("timeline[{i}].group"),
                format!("no agent group `{}`", t.group),
                Some(format!(
                    "groups: {}",
                    raw.agents.iter().map(|a| a.group.as_str()).collect::<Vec<_>>().join(", ")
                )),
            );
        }
        const SIGNALS: &[&str] = &[
            "pull_quotes",
            "stale_quotes",
            "resume",
            "fat_finger",
            "one_sided_sell",
            "one_sided_buy",
            // Loan-based makers: the project recalls the loan.
            "recall",
            // Keepers: extra seconds on every request (`value`), 0 to clear.
            "congestion",
            // Noise traders: a new share of buys (`value`, 0 to 1).
            "buy_share",
            // Manipulators: start buying up the oracle's source; walk away.
            "pump",
            "stop",
            // Market makers: a runaway bot that chases the price up (`value`: bps per refresh).
            "runaway_buy",
        ];
        if !SIGNALS.contains(&t.signal.as_str()) {
            p(
                line("signal"),
                format!("timeline[{i}].signal"),
                format!("unknown signal `{}`", t.signal),
                Some(format!("one of: {}", SIGNALS.join(", "))),
            );
        }
    }
    if problems.is_empty() {
        Ok(venues)
    } else {
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        Err(Problems(problems))
    }
}
