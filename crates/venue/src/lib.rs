//! Venue presets as data: TOML files that describe a venue's mark rule, funding, liquidation
//! pipeline and markets, each value with its source; and the parser that turns them into a
//! validated [`VenueConfig`].
//!
//! The engine has no venue-specific code paths: the differences between Hyperliquid, dYdX v4 and
//! Binance USDⓈ-M are these files. Numbers are exact decimals written as strings (`"0.0005"`) or
//! integers; floats are refused so nothing is rounded on the way in. Unknown keys are errors.

mod raw;

/// An exact decimal read from TOML (a string such as `"0.0005"` or an integer; floats refused).
pub use raw::Num as ExactDecimal;

use std::fmt;

use cascade_model::VenueConfig;

/// The built-in presets: (name, file name, TOML text).
pub const PRESETS: &[(&str, &str, &str)] = &[
    ("hyperliquid", "hyperliquid.toml", include_str!("../presets/hyperliquid.toml")),
    ("dydx-v4", "dydx-v4.toml", include_str!("../presets/dydx-v4.toml")),
    ("binance-usdm", "binance-usdm.toml", include_str!("../presets/binance-usdm.toml")),
    ("spot", "spot.toml", include_str!("../presets/spot.toml")),
];

/// A preset or venue file that could not be used: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueError {
    /// The file (or preset name) it came from.
    pub source_name: String,
    /// Line (1-based), when known.
    pub line: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for VenueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source_name)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for VenueError {}

/// Names of the built-in presets.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(name, _, _)| *name)
}

/// Loads a built-in preset by name.
///
/// # Errors
/// An unknown name (the error lists the known ones), or a preset that fails to parse.
pub fn preset(name: &str) -> Result<VenueConfig, VenueError> {
    let Some((_, file, text)) = PRESETS.iter().find(|(n, _, _)| *n == name) else {
        return Err(VenueError {
            source_name: name.to_string(),
            line: None,
            key: None,
            message: format!(
                "unknown venue preset; choose one of: {}",
                preset_names().collect::<Vec<_>>().join(", ")
            ),
        });
    };
    parse(text, file)
}

/// Parses venue TOML text. `source_name` names the file in errors.
///
/// # Errors
/// Syntax errors, unknown keys, floats where exact decimals are needed, out-of-range values and
/// inconsistent configurations, each with line and key where known.
pub fn parse(text: &str, source_name: &str) -> Result<VenueConfig, VenueError> {
    raw::parse(text, source_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_model::{AdlRanking, BackstopTarget, LiquidationPriceLimit, MarkRule};
    use cascade_num::{Ppm, Quote};

    #[test]
    fn every_preset_parses_and_validates() {
        for name in preset_names() {
            let config = preset(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.name, name);
            assert!(!config.markets.is_empty());
            config.validate().unwrap();
        }
    }

    #[test]
    fn presets_differ_where_the_venues_differ() {
        let hl = preset("hyperliquid").unwrap();
        let dydx = preset("dydx-v4").unwrap();
        let binance = preset("binance-usdm").unwrap();
        assert!(matches!(hl.mark, MarkRule::Hyperliquid { .. }));
        assert_eq!(dydx.mark, MarkRule::Oracle);
        assert!(matches!(binance.mark, MarkRule::Binance { .. }));
        assert_eq!(hl.liquidation.backstop.unwrap().target, BackstopTarget::Vault);
        assert_eq!(hl.liquidation.backstop.unwrap().equity_below_maintenance, Ppm(666_667));
        assert_eq!(binance.liquidation.backstop.unwrap().target, BackstopTarget::InsuranceFund);
        assert!(dydx.liquidation.backstop.is_none());
        assert!(matches!(
            dydx.liquidation.book.unwrap().price_limit,
            LiquidationPriceLimit::Fillable { .. }
        ));
        assert_eq!(dydx.liquidation.adl.ranking, AdlRanking::RandomStart);
        assert_eq!(binance.liquidation.adl.ranking, AdlRanking::BinanceLeveragePnl);
        // Hyperliquid BTC: 40x to $150M, then 20x; maintenance is half the initial rate.
        let btc = &hl.markets[0];
        assert_eq!(btc.symbol, "BTC-PERP");
        assert_eq!(btc.tiers[0].maintenance_rate, Ppm(12_500));
        assert_eq!(btc.tiers[1].deduction, Quote::from_units(1_875_000));
    }

    /// Binance's impact notionals follow its rule, 200 USDT / IMR at max leverage (B4).
    #[test]
    fn binance_impact_notionals_follow_the_rule() {
        for m in &preset("binance-usdm").unwrap().markets {
            let expected = cascade_num::Quote::from_units(200).get() * 1_000_000
                / m.tiers[0].initial_rate.get();
            assert_eq!(m.impact_notional.get(), expected, "{}", m.symbol);
        }
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let text =
            preset_text("hyperliquid").replace("interval_s = 3600", "interval_s = 3600\nbogus = 1");
        let err = parse(&text, "my.toml").unwrap_err();
        assert_eq!(err.source_name, "my.toml");
        assert!(err.line.is_some(), "{err}");
        assert!(err.to_string().contains("bogus"), "{err}");

        let text =
            preset_text("hyperliquid").replace("interest_8h = \"0.0001\"", "interest_8h = 0.0001");
        let err = parse(&text, "my.toml").unwrap_err();
        assert!(err.to_string().contains("as a string"), "{err}");

        let err = preset("kraken").unwrap_err();
        assert!(err.to_string().contains("hyperliquid, dydx-v4, binance-usdm"), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Damaged preset files never panic the parser: every result is a config or an error
        /// that names the file.
        #[test]
        fn damaged_files_give_errors_not_panics(preset in 0usize..3, cut in 0usize..4_000, len in 0usize..40, junk in "[ -~\\n]{0,12}") {
            let text = PRESETS[preset].2;
            let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
            let end = text[at..].char_indices().map(|(i, _)| at + i).nth(len).unwrap_or(text.len());
            let damaged = format!("{}{}{}", &text[..at], junk, &text[end..]);
            if let Err(e) = parse(&damaged, "damaged.toml") {
                proptest::prop_assert_eq!(e.source_name, "damaged.toml");
                proptest::prop_assert!(!e.message.is_empty());
            }
        }
    }

    fn preset_text(name: &str) -> String {
        PRESETS.iter().find(|(n, _, _)| *n == name).unwrap().2.to_string()
    }
}
