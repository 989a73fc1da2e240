//! Time-driven work: mark-price updates, funding premium samples and payments. Runs when a
//! command's timestamp passes the due time, in due-time order (at equal times: mark, then sample,
//! then payment). Every mark update is followed by a liquidation step.

use cascade_margin::funding::{
    average_premium, clamp_sample, interval_rate, payment, premium, rate_8h,
};
use cascade_model::{Event, MarkRule, MarketId, PremiumAveraging, RejectReason, Side};
use cascade_num::{div_round, mul_div, Ppb, Quote, Rounding, Ticks, TimeNs, PPM};

use crate::limits::{BASIS_SAMPLES_MAX, FUNDING_SIDE_MAX, PRICE_TICKS_MAX};
use crate::Engine;

fn median(values: &mut [i64]) -> i64 {
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        // Mean of the middle two, rounded toward zero.
        let sum = i128::from(values[n / 2 - 1]) + i128::from(values[n / 2]);
        i64::try_from(div_round(sum, 2, Rounding::TowardZero).expect("nonzero divisor"))
            .expect("mean of two i64")
    }
}

/// EMA step with `alpha = min(1, dt / window)` in ppm (a linear stand-in for `1 − e^(−dt/τ)`).
fn ema_step(previous: Option<i128>, sample_micro: i128, dt_ns: u64, window_ns: u64) -> i128 {
    match previous {
        None => sample_micro,
        Some(prev) => {
            let alpha = if window_ns == 0 {
                PPM
            } else {
                div_round(
                    i128::from(dt_ns) * i128::from(PPM),
                    i128::from(window_ns),
                    Rounding::Floor,
                )
                .expect("nonzero window")
                .min(i128::from(PPM)) as i64
            };
            prev + div_round(
                (sample_micro - prev) * i128::from(alpha),
                i128::from(PPM),
                Rounding::TowardZero,
            )
            .expect("nonzero divisor")
        }
    }
}

impl Engine {
    /// Runs everything due at or before `at`, then sets the clock to `at`.
    pub(crate) fn advance_to(&mut self, at: TimeNs, out: &mut Vec<Event>) {
        // Bounded by: each iteration moves one schedule strictly forward past `at` eventually.
        loop {
            let reopen = self.markets.iter().filter_map(|m| m.breaker_until).min();
            let next = self.next_mark_at.min(self.next_sample_at).min(self.next_funding_at);
            let next = reopen.map_or(next, |r| r.min(next));
            if next > at {
                break;
            }
            self.now = next;
            if reopen == Some(next) {
                self.reopen_after_breaker(out);
            }
            if self.next_mark_at == next {
                self.next_mark_at = TimeNs(next.get().saturating_add(self.config.mark_interval_ns));
                self.update_all_marks(out);
            }
            if self.next_sample_at == next {
                self.next_sample_at =
                    TimeNs(next.get().saturating_add(self.config.funding.sample_interval_ns));
                self.sample_premiums(out);
            }
            if self.next_funding_at == next {
                self.next_funding_at =
                    TimeNs(next.get().saturating_add(self.config.funding.interval_ns));
                self.pay_funding(out);
            }
        }
        self.now = at;
    }

    pub(crate) fn set_oracle(
        &mut self,
        market: MarketId,
        price: Ticks,
        confidence: Option<Ticks>,
        out: &mut Vec<Event>,
    ) -> Result<(), RejectReason> {
        let m = self.market_index(market)?;
        if price.get() <= 0 || price.get() > PRICE_TICKS_MAX {
            return Err(RejectReason::NonPositivePrice);
        }
        if confidence.is_some_and(|c| c.get() < 0 || c.get() > PRICE_TICKS_MAX) {
            return Err(RejectReason::NonPositivePrice);
        }
        // Oracle confidence rail: an update whose interval is wider than the limit (as a
        // fraction of its price) is not used; the last price stands and may go stale.
        if let (Some(max), Some(conf)) = (self.config.safeguards.oracle_confidence_max, confidence)
        {
            let limit = mul_div(price.get().into(), max.get().into(), PPM.into(), Rounding::Floor)
                .unwrap_or(0);
            if i128::from(conf.get()) > limit {
                out.push(Event::SafeguardTriggered {
                    market,
                    kind: cascade_model::SafeguardKind::OracleLowConfidence,
                });
                return Ok(());
            }
        }
        // Oracle rail: one update may move the price at most `oracle_step_max` from the last.
        let mut price = price;
        if let (Some(step), Some(previous)) =
            (self.config.safeguards.oracle_step_max, self.markets[m].oracle)
        {
            let p = i128::from(previous.get());
            let band = mul_div(p, step.get().into(), PPM.into(), Rounding::Floor).unwrap_or(0);
            let (lo, hi) = ((p - band).max(1), p + band);
            let clamped = i128::from(price.get()).clamp(lo, hi);
            if clamped != i128::from(price.get()) {
                price =
                    Ticks(i64::try_from(clamped).unwrap_or(PRICE_TICKS_MAX).min(PRICE_TICKS_MAX));
                out.push(Event::SafeguardTriggered {
                    market,
                    kind: cascade_model::SafeguardKind::OracleClamped,
                });
            }
        }
        self.markets[m].oracle = Some(price);
        self.markets[m].oracle_at = self.now;
        out.push(Event::OraclePrice { market, price });
        self.update_mark(m, out);
        self.liquidation_step(out);
        Ok(())
    }

    fn update_all_marks(&mut self, out: &mut Vec<Event>) {
        for m in 0..self.markets.len() {
            if self.markets[m].oracle.is_some() {
                self.update_mark(m, out);
            }
        }
        self.liquidation_step(out);
    }

    /// Recomputes one market's mark, emits it if it changed, and checks the liquidation index.
    fn update_mark(&mut self, m: usize, out: &mut Vec<Event>) {
        let Some(oracle) = self.markets[m].oracle else { return };
        let now = self.now;
        let rule = self.config.mark;
        let interval_ns = self.config.funding.interval_ns;
        let next_funding = self.next_funding_at;
        let market = &mut self.markets[m];
        let dt = now.get().saturating_sub(market.last_mark_update.get());
        market.last_mark_update = now;
        let bid = market.book.best_bid().map(|(p, _)| p.get());
        let ask = market.book.best_ask().map(|(p, _)| p.get());
        let last = market.book.last_trade().map(Ticks::get);
        let mid = match (bid, ask) {
            (Some(b), Some(a)) => Some(median(&mut [b, a])),
            _ => None,
        };
        let o = oracle.get();
        let mark = match rule {
            MarkRule::Oracle => o,
            MarkRule::Hyperliquid { basis_ema_window_ns, book_ema_window_ns } => {
                if let Some(mid) = mid {
                    let sample = i128::from(mid - o) * i128::from(PPM);
                    market.basis_ema_micro =
                        Some(ema_step(market.basis_ema_micro, sample, dt, basis_ema_window_ns));
                }
                let basis = div_round(
                    market.basis_ema_micro.unwrap_or(0),
                    PPM.into(),
                    Rounding::TowardZero,
                )
                .expect("nonzero divisor");
                let c1 = o + i64::try_from(basis).unwrap_or(0);
                let mut book_parts: Vec<i64> = [bid, ask, last].into_iter().flatten().collect();
                let c2 = if book_parts.is_empty() { o } else { median(&mut book_parts) };
                let c2_sample = i128::from(c2) * i128::from(PPM);
                market.book_ema_micro =
                    Some(ema_step(market.book_ema_micro, c2_sample, dt, book_ema_window_ns));
                let mut parts = vec![c1, c2];
                match market.external_mid {
                    Some(ext) => parts.push(ext.get()),
                    None => parts.push(
                        i64::try_from(
                            div_round(
                                market.book_ema_micro.unwrap_or(c2_sample),
                                PPM.into(),
                                Rounding::TowardZero,
                            )
                            .expect("nonzero divisor"),
                        )
                        .unwrap_or(c2),
                    ),
                }
                median(&mut parts)
            }
            MarkRule::Binance { basis_window_ns } => {
                // Price 1: oracle × (1 + last interval rate × time left / interval).
                let left = next_funding.get().saturating_sub(now.get());
                let interval_rate = market.last_funding_rate.get();
                let drift = mul_div(
                    i128::from(o) * i128::from(interval_rate),
                    left.into(),
                    i128::from(interval_ns) * 1_000_000_000,
                    Rounding::TowardZero,
                )
                .unwrap_or(0);
                let p1 = o + i64::try_from(drift).unwrap_or(0);
                // Price 2: oracle + moving average of the mid basis over the window.
                if let Some(mid) = mid {
                    market.basis_samples.push_back((now, mid - o));
                    if market.basis_samples.len() > BASIS_SAMPLES_MAX {
                        market.basis_samples.pop_front();
                    }
                }
                while market
                    .basis_samples
                    .front()
                    .is_some_and(|(t, _)| now.get().saturating_sub(t.get()) > basis_window_ns)
                {
                    market.basis_samples.pop_front();
                }
                let n = market.basis_samples.len() as i128;
                let avg = if n == 0 {
                    0
                } else {
                    div_round(
                        market.basis_samples.iter().map(|&(_, b)| i128::from(b)).sum(),
                        n,
                        Rounding::TowardZero,
                    )
                    .unwrap_or(0)
                };
                let p2 = o + i64::try_from(avg).unwrap_or(0);
                let p3 = last.or(mid).unwrap_or(o);
                median(&mut [p1, p2, p3])
            }
        };
        let mut mark = mark.clamp(1, PRICE_TICKS_MAX);
        let safeguards = self.config.safeguards;
        let mut clamped = false;
        if let Some(band) = safeguards.mark_oracle_band {
            // Mark–oracle divergence guard, bounds rounded inward.
            let width =
                mul_div(o.into(), band.get().into(), PPM.into(), Rounding::Floor).unwrap_or(0);
            let (lo, hi) = (i128::from(o) - width, i128::from(o) + width);
            let inside = i128::from(mark).clamp(lo.max(1), hi.max(1));
            clamped = inside != i128::from(mark);
            mark = i64::try_from(inside).unwrap_or(PRICE_TICKS_MAX);
        }
        let mark = Ticks(mark);
        if market.mark != Some(mark) {
            market.mark = Some(mark);
            let id = market.id;
            out.push(Event::MarkPrice { market: id, price: mark });
            if clamped {
                out.push(Event::SafeguardTriggered {
                    market: id,
                    kind: cascade_model::SafeguardKind::MarkClamped,
                });
            }
            self.check_breaker(m, out);
            self.check_triggers(m, out);
        }
    }

    /// Circuit breaker: halts a market whose mark moved more than the limit within the window.
    fn check_breaker(&mut self, m: usize, out: &mut Vec<Event>) {
        let Some(cb) = self.config.safeguards.circuit_breaker else { return };
        let now = self.now;
        let market = &mut self.markets[m];
        let Some(mark) = market.mark else { return };
        if market.halted {
            return;
        }
        market.mark_history.push_back((now, mark.get()));
        while market
            .mark_history
            .front()
            .is_some_and(|(t, _)| now.get().saturating_sub(t.get()) > cb.window_ns)
        {
            market.mark_history.pop_front();
        }
        let earliest = market.mark_history.front().map_or(mark.get(), |&(_, p)| p);
        let moved = i128::from((mark.get() - earliest).abs()) * i128::from(PPM);
        if moved > i128::from(cb.move_max.get()) * i128::from(earliest) {
            market.halted = true;
            market.breaker_until = Some(TimeNs(now.get().saturating_add(cb.pause_ns)));
            market.mark_history.clear();
            let id = market.id;
            out.push(Event::MarketHalted { market: id, halted: true });
            out.push(Event::SafeguardTriggered {
                market: id,
                kind: cascade_model::SafeguardKind::CircuitBreakerHalt,
            });
        }
    }

    /// Reopens the markets whose circuit-breaker pause ended.
    fn reopen_after_breaker(&mut self, out: &mut Vec<Event>) {
        let now = self.now;
        for market in &mut self.markets {
            if market.breaker_until.is_some_and(|t| t <= now) {
                market.breaker_until = None;
                market.halted = false;
                out.push(Event::MarketHalted { market: market.id, halted: false });
                out.push(Event::SafeguardTriggered {
                    market: market.id,
                    kind: cascade_model::SafeguardKind::CircuitBreakerReopen,
                });
            }
        }
    }

    fn sample_premiums(&mut self, out: &mut Vec<Event>) {
        let rule = self.config.funding;
        for market in &mut self.markets {
            let Some(oracle) = market.oracle else { continue };
            if market.spec.spot {
                continue;
            }
            // Impact notional in tick-lots: notional / quote per tick-lot, rounded up.
            let target = div_round(
                market.spec.impact_notional.get().into(),
                market.quote_per_tick_lot.into(),
                Rounding::Ceil,
            )
            .unwrap_or(1)
            .max(1);
            let impact_bid = market.book.impact(Side::Buy, target);
            let impact_ask = market.book.impact(Side::Sell, target);
            let raw = premium(impact_bid, impact_ask, oracle).unwrap_or(Ppb(0));
            let sample = clamp_sample(raw, &rule, &market.spec.tiers[0]);
            market.premiums.push(sample);
            out.push(Event::FundingSample { market: market.id, premium: sample });
        }
    }

    fn pay_funding(&mut self, out: &mut Vec<Event>) {
        let rule = self.config.funding;
        for m in 0..self.markets.len() {
            let market = &mut self.markets[m];
            let Some(oracle) = market.oracle.filter(|_| !market.spec.spot) else {
                market.premiums = Default::default();
                continue;
            };
            let tier0 = market.spec.tiers[0];
            let avg = average_premium(
                &market.premiums,
                rule.averaging == PremiumAveraging::TimeWeighted,
                rule.samples_min,
            );
            market.premiums = Default::default();
            let r8 = rate_8h(avg, &rule, &tier0);
            let rate = interval_rate(r8, &rule, &tier0).unwrap_or(Ppb(0));
            // Whatever the oracle did, a side's whole payment stays inside `FUNDING_SIDE_MAX`.
            let side_value = i128::from(market.long_open_interest.get())
                * i128::from(oracle.get())
                * i128::from(market.quote_per_tick_lot);
            let rate = if side_value > 0 {
                let cap = i128::from(FUNDING_SIDE_MAX) * 1_000_000_000 / side_value;
                let cap = i64::try_from(cap).unwrap_or(i64::MAX);
                Ppb(rate.get().clamp(-cap, cap))
            } else {
                rate
            };
            market.last_funding_rate = rate;
            let qptl = market.quote_per_tick_lot;
            let holders = market.holders.clone();
            let market_id = market.id;
            let (mut paid, mut received) = (0i64, 0i64);
            for &holder in &holders {
                let a = &mut self.accounts[holder.0 as usize];
                let pi = a.position_index(market_id).expect("Invariant: a holder has a position");
                let p = &mut a.positions[pi];
                let amount = payment(p.size, oracle, qptl, rate)
                    .expect("Invariant: funding on a bounded position fits");
                if amount.get() > 0 {
                    paid += amount.get();
                } else {
                    received -= amount.get();
                }
                if p.isolated {
                    p.isolated_cash -= amount;
                } else {
                    a.cash -= amount;
                }
            }
            let dust = paid - received;
            assert!(dust >= 0, "Invariant: funding payers round up, receivers down");
            if !self.faulty(crate::Fault::FundingDustLost) {
                self.funding_dust += Quote(dust);
            }
            out.push(Event::FundingPaid {
                market: market_id,
                rate,
                oracle,
                paid: Quote(paid),
                received: Quote(received),
            });
            for &holder in &holders {
                self.reindex(holder.0 as usize, out);
            }
        }
    }
}
