//! Auto-deleveraging ranking scores. Higher scores are deleveraged first. Integer only: scores are
//! fixed-point with 12 fractional digits (ppm × ppm).

use cascade_num::{mul_div, Quote, Rounding, PPM};

/// Fixed-point scale of scores: 1.0 = 10^12.
pub const SCORE_ONE: i128 = 1_000_000_000_000;

fn ratio_ppm(numerator: i128, denominator: i128) -> i128 {
    if denominator == 0 {
        return 0;
    }
    mul_div(numerator, PPM.into(), denominator, Rounding::TowardZero).unwrap_or(
        if (numerator < 0) == (denominator < 0) {
            i128::MAX / PPM as i128
        } else {
            i128::MIN / PPM as i128
        },
    )
}

/// Classic ranking (Binance JEX, MEXC, BitMEX): `PnL% × effective leverage` for a profit,
/// `PnL% / effective leverage` for a loss, where `PnL% = unrealised PnL / |entry value|` and
/// `effective leverage = notional / equity` (equity ≤ 0 ranks as maximal leverage).
pub fn pnl_times_leverage(
    unrealised_pnl: Quote,
    entry_value: Quote,
    notional: Quote,
    equity: Quote,
) -> i128 {
    let pnl_pct = ratio_ppm(unrealised_pnl.get().into(), entry_value.get().unsigned_abs().into());
    let leverage = if equity.get() <= 0 {
        i128::from(i64::MAX)
    } else {
        ratio_ppm(notional.get().into(), equity.get().into())
    };
    if pnl_pct > 0 {
        pnl_pct.saturating_mul(leverage)
    } else if leverage == 0 {
        0
    } else {
        // Keep 12 fractional digits: (pnl_ppm × 1e12 / leverage_ppm) / 1e6.
        pnl_pct.saturating_mul(SCORE_ONE) / leverage / i128::from(PPM)
    }
}

/// Binance's current ranking: `LeveragePnl = PnlPct × MarginRatio` with
/// `PnlPct = max(0, uPnL) / max(1, wallet)` and `MarginRatio = MM / (wallet + uPnL)` (0 if the
/// denominator is not positive). `one_unit` is 1 in quote micro-units (the `max(1, wallet)` floor).
pub fn binance_leverage_pnl(unrealised_pnl: Quote, wallet: Quote, maintenance: Quote) -> i128 {
    let one_unit = i128::from(cascade_num::QUOTE_UNIT);
    let pnl_pct =
        ratio_ppm(i128::from(unrealised_pnl.get()).max(0), i128::from(wallet.get()).max(one_unit));
    let margin_balance = i128::from(wallet.get()) + i128::from(unrealised_pnl.get());
    let margin_ratio =
        if margin_balance > 0 { ratio_ppm(maintenance.get().into(), margin_balance) } else { 0 };
    pnl_pct.saturating_mul(margin_ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Binance's published example (§8.5 B3): uPnL 40.2, wallet 4.27, margin ratio 13.42%
    /// → PnlPct 9.41, LeveragePnl 1.26 (both shown to two decimals).
    #[test]
    fn binance_leverage_pnl_b3() {
        let upnl = Quote::parse("40.2").unwrap();
        let wallet = Quote::parse("4.27").unwrap();
        // MM chosen so MM / (wallet + uPnL) = 13.42%: 0.1342 × 44.47.
        let mm = Quote::parse("5.967874").unwrap();
        let pnl_pct = ratio_ppm(upnl.get().into(), wallet.get().into());
        assert_eq!((pnl_pct + 5_000) / 10_000, 941, "PnlPct 9.41");
        let score = binance_leverage_pnl(upnl, wallet, mm);
        assert_eq!((score + 5_000_000_000) / 10_000_000_000, 126, "LeveragePnl 1.26");
    }

    #[test]
    fn classic_ranking_orders_profit_by_leverage() {
        let low = pnl_times_leverage(Quote(100), Quote(1_000), Quote(1_100), Quote(1_100));
        let high = pnl_times_leverage(Quote(100), Quote(1_000), Quote(1_100), Quote(110));
        let loss = pnl_times_leverage(Quote(-100), Quote(1_000), Quote(900), Quote(90));
        assert!(high > low && low > 0 && loss < 0, "{high} {low} {loss}");
        assert_eq!(low, 100_000 * 1_000_000, "10% × 1x");
    }
}
