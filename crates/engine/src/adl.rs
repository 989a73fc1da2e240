//! Auto-deleveraging: closing a bankrupt (or over-budget) scope's positions against opposite-side
//! holders, chosen by the venue's ranking, at the bankruptcy price (or the oracle price when the
//! account is solvent and the venue says so).

use cascade_margin::adl::{binance_leverage_pnl, pnl_times_leverage};
use cascade_margin::price::bankruptcy_quote;
use cascade_model::{AccountId, AdlPrice, AdlRanking, Event, MarketId, Side};
use cascade_num::{div_round, Lots, Quote, Rounding, Ticks};

use crate::limits::ADL_COUNTERPARTIES_MAX;
use crate::risk::saturate;
use crate::Engine;

/// SplitMix64: a fixed, documented mixer for dYdX-style pseudo-random starting points.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Engine {
    /// Opposite-side holders of `market` (sign `want`), best ADL candidates first.
    fn adl_candidates(&mut self, market: MarketId, want: i64, exclude: usize) -> Vec<u32> {
        let ranking = self.config.liquidation.adl.ranking;
        let mut holders: Vec<u32> = self.markets[market.index()]
            .holders
            .iter()
            .map(|a| a.0)
            .filter(|&a| a as usize != exclude && !AccountId(a).is_system())
            .filter(|&a| {
                self.accounts[a as usize]
                    .position(market)
                    .is_some_and(|p| p.size.get().signum() == want)
            })
            .collect();
        holders.sort_unstable();
        match ranking {
            AdlRanking::RandomStart => {
                self.adl_passes += 1;
                if !holders.is_empty() {
                    let start = (splitmix64(self.adl_passes) % holders.len() as u64) as usize;
                    holders.rotate_left(start);
                }
            }
            AdlRanking::PnlTimesLeverage | AdlRanking::BinanceLeveragePnl => {
                let mut scored: Vec<(i128, u32)> = holders
                    .iter()
                    .map(|&a| {
                        let account = &self.accounts[a as usize];
                        let p = account.position(market).expect("holder has a position");
                        let value = self.position_value(p);
                        let basis = i128::from(p.entry_value.get());
                        let upnl =
                            if p.size.get() > 0 { value - basis } else { basis - value.abs() };
                        let equity = if p.isolated {
                            self.isolated_equity(p)
                        } else {
                            self.cross_equity(account)
                        };
                        let score = match ranking {
                            AdlRanking::BinanceLeveragePnl => binance_leverage_pnl(
                                saturate(upnl),
                                saturate(equity - upnl),
                                saturate(self.position_maintenance(p)),
                            ),
                            _ => pnl_times_leverage(
                                saturate(upnl),
                                saturate(basis),
                                saturate(value.abs()),
                                saturate(equity),
                            ),
                        };
                        (score, a)
                    })
                    .collect();
                scored.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                holders = scored.into_iter().map(|(_, a)| a).collect();
            }
        }
        holders.truncate(ADL_COUNTERPARTIES_MAX);
        holders
    }

    /// Deleverages every position of a scope. `bankrupt` forces bankruptcy pricing. Returns true
    /// if every position was closed.
    pub(crate) fn adl(
        &mut self,
        ai: usize,
        iso: Option<MarketId>,
        bankrupt: bool,
        out: &mut Vec<Event>,
    ) -> bool {
        let use_oracle = self.config.liquidation.adl.price == AdlPrice::Oracle && !bankrupt;
        let who = AccountId(ai as u32);
        for market in self.scope_markets(ai, iso) {
            let size = self.accounts[ai].position(market).expect("scope position").size.get();
            let bankrupt_side = Side::closing(size.signum());
            let candidates = self.adl_candidates(market, -size.signum(), ai);
            let qptl = self.markets[market.index()].quote_per_tick_lot;
            for cp in candidates {
                let remaining = self.accounts[ai].position(market).map_or(0, |p| p.size.get());
                if remaining == 0 {
                    break;
                }
                let cp_size =
                    self.accounts[cp as usize].position(market).map_or(0, |p| p.size.get());
                let take = remaining.abs().min(cp_size.abs());
                if take == 0 {
                    continue;
                }
                let mark = self.mark_of(market);
                let value = if use_oracle {
                    let oracle = self.markets[market.index()].oracle.unwrap_or(mark);
                    self.value_at(market, take, oracle)
                } else {
                    let (equity, mm) = self.scope_health(ai, iso);
                    let p = self.accounts[ai].position(market).expect("scope position").clone();
                    let position_mm = self.position_maintenance(&p);
                    let after_mm = {
                        let mut q = p.clone();
                        q.size = Lots(remaining - remaining.signum() * take);
                        self.position_maintenance(&q)
                    };
                    let chunk_value = self.value_at(market, remaining.signum() * take, mark);
                    let received = bankruptcy_quote(
                        saturate(chunk_value),
                        saturate(equity),
                        saturate(position_mm - after_mm),
                        saturate(mm),
                    )
                    .unwrap_or(saturate(chunk_value))
                    .get();
                    // The buyer never receives money for taking a position: clamp at zero; any
                    // remaining deficit is left to the insurance fund.
                    let paid_by_buyer = if bankrupt_side == Side::Sell {
                        i128::from(received)
                    } else {
                        -i128::from(received)
                    };
                    paid_by_buyer.max(0)
                };
                let price = div_round(value, i128::from(take) * i128::from(qptl), Rounding::Floor)
                    .unwrap_or(0);
                let price = Ticks(i64::try_from(price).unwrap_or(0));
                self.apply_trade(ai, market, bankrupt_side, take, price, value, 0);
                self.apply_trade(
                    cp as usize,
                    market,
                    bankrupt_side.opposite(),
                    take,
                    price,
                    value,
                    0,
                );
                self.touched.push(cp);
                out.push(Event::AdlFill {
                    market,
                    bankrupt: who,
                    counterparty: AccountId(cp),
                    bankrupt_side,
                    size: Lots(take),
                    quote: Quote(i64::try_from(value).expect("ADL value fits")),
                    price,
                });
            }
            if self.accounts[ai].position(market).is_some_and(|p| p.size.get() != 0) {
                return false;
            }
        }
        true
    }
}
