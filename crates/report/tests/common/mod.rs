//! Shared test helpers: a small hand-made run folder (two venues, three markets, a few seconds,
//! every marked event kind and some that are not marked) written through `cascade-output`
//! exactly as `cascade run` writes one, and checks on a written report.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use cascade_output::{EventRow, RunWriter, TimeseriesRow, OUTPUT_VERSION};

pub const SECONDS: i64 = 12;

/// Description with characters that need escaping in HTML and in the JSON script element.
pub const DESCRIPTION: &str = "A <script>\"test\"</script> & a crash: the maker pulls quotes";

pub fn row(t: i64, venue: &str, market: &str, base: f64) -> TimeseriesRow {
    let crash = if t >= 6 { 0.7 } else { 1.0 };
    let mark = base * crash + t as f64 * 0.01;
    TimeseriesRow {
        time_s: t,
        venue: venue.to_string(),
        market: market.to_string(),
        last: (t != 3).then_some(mark - 0.01),
        mark: Some(mark),
        oracle: Some(mark + 0.02),
        reference: Some(base),
        best_bid: Some(mark - 0.05),
        best_ask: Some(mark + 0.05),
        spread_bps: Some(if t >= 6 { 250.0 } else { 10.0 }),
        depth_1pct_usd: if t >= 6 { 1_000.0 } else { 50_000.0 + t as f64 },
        depth_5pct_usd: if t >= 6 { 9_000.0 } else { 120_000.0 },
        open_interest: 1_000.0 - t as f64,
        open_interest_usd: (1_000.0 - t as f64) * mark,
        funding_rate: if t >= 8 { -0.000125 } else { 0.0000125 },
        liquidated_long_usd: if t == 6 || t == 7 { 12_345.678 } else { 0.0 },
        liquidated_short_usd: if t == 9 { 100.0 } else { 0.0 },
        insurance_fund_usd: 100_000.0 - if t >= 8 { 1_500.0 } else { 0.0 },
        vault_equity_usd: 150_000.0 - t as f64 * 1_000.0,
        adl_usd: if t == 10 { 4_321.0 } else { 0.0 },
    }
}

pub fn event(time_ns: i64, seq: u64, venue: &str, kind: &str) -> EventRow {
    EventRow {
        time_ns,
        seq,
        venue: venue.to_string(),
        kind: kind.to_string(),
        detail: format!("{kind} {{ .. }}"),
        ..EventRow::default()
    }
}

pub fn events() -> Vec<EventRow> {
    let s = 1_000_000_000i64;
    let mut seq = 0;
    let mut next = |time_ns: i64, venue: &str, kind: &str| {
        seq += 1;
        event(time_ns, seq, venue, kind)
    };
    let mut rows = vec![
        // A fill: not marked.
        EventRow {
            market: Some("ALT-PERP".into()),
            amount_usd: Some(5.0),
            ..next(5 * s + 10, "dex", "Fill")
        },
        // Cross-margin liquidation of a user at 6.2 s: second 7, every market of `dex`.
        EventRow {
            account: Some(7),
            amount_usd: Some(-3.0),
            ..next(6 * s + 200_000_000, "dex", "LiquidationStarted")
        },
        // The vault's own liquidation: left out like in the metrics.
        EventRow { account: Some(1), ..next(6 * s + 300_000_000, "dex", "LiquidationStarted") },
        // Exactly on a second: that second's row.
        EventRow {
            account: Some(8),
            counterparty: Some(1),
            market: Some("ALT-PERP".into()),
            amount_usd: Some(2_500.0),
            ..next(7 * s, "dex", "PositionTransferred")
        },
        EventRow {
            account: Some(9),
            market: Some("ALT-PERP".into()),
            amount_usd: Some(1_000.0),
            ..next(9 * s + 5, "dex", "AdlFill")
        },
        EventRow {
            account: Some(9),
            market: Some("ALT-PERP".into()),
            amount_usd: Some(3_321.0),
            ..next(9 * s + 6, "dex", "AdlFill")
        },
        EventRow {
            detail: "MarketHalted { market: MarketId(0), halted: true }".into(),
            ..next(8 * s + 1, "cex", "MarketHalted")
        },
        // A funding payment: not marked.
        EventRow {
            market: Some("BTC-PERP".into()),
            price: Some(0.0001),
            ..next(8 * s + 2, "cex", "FundingPaid")
        },
    ];
    rows.sort_by_key(|r| r.seq);
    rows
}

pub fn summary_json(output_version: u32) -> serde_json::Value {
    serde_json::json!({
        "scenario": "hand-made",
        "seed": 7,
        "version": "9.9.9-test",
        "output_version": output_version,
        "digest": "00ff",
        "events": 8,
        "kernel_events": 20,
        "duration_s": SECONDS,
        "audit": { "ok": true, "enabled": true, "checks": ["conservation"], "steps": 1234, "first_failure": null },
        "metrics": {
            "max_drawdown_pct": 30.0,
            "time_to_trough_s": 6.0,
            "recovery_pct_after_600s": null,
            "liquidated_notional_usd": { "long": 24691.36, "short": 100.0 },
            "liquidations_count": 1,
            "backstop_notional_usd": 2500.0,
            "bad_debt_usd": 0.0,
            "insurance_fund_drawdown_usd": 1500.0,
            "adl_notional_usd": 4321.0,
            "adl_count": 2,
            "first_liquidation_s": 6.2,
            "first_adl_s": 9.0,
            "depth_collapse_pct": 98.0,
            "max_spread_bps": 250.0,
            "oi_change_pct": -1.1,
            "safeguards_triggered": 1,
            "max_rise_pct": 5.0,
            "withdrawn_usd": 0.0,
            "vault_drawdown_usd": 0.0
        }
    })
}

pub const SCENARIO_TOML: &str = r#"description = "A <script>\"test\"</script> & a crash: the maker pulls quotes"
duration_s = 12
name = "hand-made"
seed = 7
version = 1

[[agents]]
kind = "market_maker"
market = "ALT-PERP"
venue = "dex"

[[agents]]
kind = "noise"
market = "BTC-PERP"
venue = "cex"
"#;

/// Writes the hand-made run into `dir` (created) and returns `dir`.
pub fn write_run(dir: &Path) -> PathBuf {
    let mut run = RunWriter::create(dir).expect("create run folder");
    for t in 1..=SECONDS {
        // File order: cex BTC, then dex ALT and dex ETH; the primary (dex ALT) is not first.
        run.push_timeseries(&row(t, "cex", "BTC-PERP", 60_000.0)).unwrap();
        run.push_timeseries(&row(t, "dex", "ALT-PERP", 1.0)).unwrap();
        run.push_timeseries(&row(t, "dex", "ETH-PERP", 3_000.0)).unwrap();
    }
    for e in events() {
        run.push_event(&e).unwrap();
    }
    run.finish().expect("finish");
    cascade_output::write_json_atomic(&dir.join("summary.json"), &summary_json(OUTPUT_VERSION))
        .unwrap();
    cascade_output::write_text_atomic(&dir.join("scenario.toml"), SCENARIO_TOML).unwrap();
    cascade_output::write_text_atomic(&dir.join("seed.txt"), "7\n").unwrap();
    dir.to_path_buf()
}

/// The names of the files in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The target of every `src=`, `href=` (also `xlink:href=`) attribute and `url(…)` in a page.
pub fn references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for attr in ["src=", "href="] {
        for (at, _) in lower.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
            };
            found.push(value.to_string());
        }
    }
    for (at, _) in lower.match_indices("url(") {
        let rest = &html[at + "url(".len()..];
        found.push(rest.split(')').next().unwrap_or("").trim_matches(['"', '\'']).to_string());
    }
    found
}

/// Checks that `html` loads nothing from outside: every reference is a fragment (`#id`).
pub fn assert_offline(html: &str) {
    for target in references(html) {
        assert!(
            target.starts_with('#'),
            "the report must reference only its own elements, found `{target}`"
        );
    }
    for banned in [
        "<link",
        "<iframe",
        "<img",
        "<object",
        "<embed",
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "EventSource",
        "import(",
    ] {
        assert!(!html.contains(banned), "the report must not load anything (`{banned}`)");
    }
    // The only absolute URL allowed is the SVG namespace name, which is never fetched.
    let without_ns = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_ns.contains("http://") && !without_ns.contains("https://"),
        "absolute URL in the report"
    );
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

/// The `<svg class="chart">` elements of a page.
pub fn chart_svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"")
        .map(|(at, _)| {
            let end = html[at..].find("</svg>").expect("closed svg") + at + "</svg>".len();
            &html[at..end]
        })
        .collect()
}

/// For every polyline and polygon of the data group of a chart: its number of points and the
/// horizontal extent they cover, in canvas units.
pub fn drawn_shapes(svg: &str) -> Vec<(usize, f64)> {
    let data = svg.split_once("<g class=\"data\"").expect("data group").1;
    data.match_indices(" points=\"")
        .map(|(at, m)| {
            let start = at + m.len();
            let end = data[start..].find('"').unwrap() + start;
            let xs: Vec<f64> = data[start..end]
                .split_whitespace()
                .filter_map(|p| p.split_once(',')?.0.parse().ok())
                .collect();
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (xs.len(), if xs.is_empty() { 0.0 } else { hi - lo })
        })
        .collect()
}

pub mod experiment;
