//! Building a simulator world from a validated scenario: venues from presets, the reference
//! path, oracles, agent populations (each agent's parameters drawn from the scenario's ranges by
//! its own seeded stream), the timeline.

use cascade_agents::{
    ArbitrageParams, Arbitrageur, Holder, Keeper, KeeperParams, LeveragedTrader, LoanMaker,
    LoanParams, MakerParams, Manipulator, ManipulatorParams, MarketMaker, MomentumBot,
    MomentumParams, NoiseParams, NoiseTrader, TraderParams, ValueParams, ValueTrader,
};
use cascade_model::{AccountId, Command, MarketId};
use cascade_num::{Lots, Quote, Ticks, TimeNs};
use cascade_sim::{
    AgentSpec, OracleSource, OracleSpec, ReferenceModel, ReferencePath, Rng, Signal, Subscriptions,
    TimelineEntry, VenueSpec, WorldSpec,
};

use crate::schema::{RawAgent, RawTier};

/// A margin tier table from scenario rows (deductions derived, then validated).
pub(crate) fn tier_table(rows: &[RawTier]) -> Result<Vec<cascade_model::MarginTier>, String> {
    let mut table = Vec::with_capacity(rows.len());
    for r in rows {
        let floor = Quote::from_decimal(r.floor.0).map_err(|e| e.to_string())?;
        let mmr = r.maintenance_rate.0.to_scaled(6).map_err(|e| e.to_string())?;
        let mmr = cascade_num::Ppm(
            i64::try_from(mmr).map_err(|_| "maintenance_rate out of range".to_string())?,
        );
        table.push((floor, r.max_leverage, mmr));
    }
    let tiers = cascade_model::MarginTier::table(&table).map_err(|e| e.to_string())?;
    let probe = cascade_model::MarketSpec {
        symbol: "tiers".into(),
        tick_size: cascade_num::Decimal::new(1, 0).expect("valid"),
        lot_size: cascade_num::Decimal::new(1, 0).expect("valid"),
        min_notional: Quote::ZERO,
        tiers: tiers.clone(),
        oi_scaled_margin: None,
        maker_fee: cascade_num::Ppm(0),
        taker_fee: cascade_num::Ppm(0),
        impact_notional: Quote(1),
        price_band: None,
        default_leverage: 1,
        spot: false,
    };
    probe.validate().map_err(|e| e.to_string().replace("market `tiers`: ", ""))?;
    Ok(tiers)
}
use crate::Scenario;

fn ms(v: f64) -> u64 {
    (v.max(0.0) * 1e6) as u64
}

fn place(s: &Scenario, venue: &str, market: &str) -> cascade_agents::Place {
    let vi = s.raw.venues.iter().position(|v| v.name == venue).expect("validated venue");
    let mi =
        s.venues[vi].markets.iter().position(|m| m.symbol == market).expect("validated market");
    cascade_agents::Place { venue: vi, market: MarketId(mi as u16) }
}

fn between(rng: &mut Rng, range: [f64; 2]) -> f64 {
    range[0] + rng.unit() * (range[1] - range[0])
}

fn agent(
    s: &Scenario,
    a: &RawAgent,
    place: cascade_agents::Place,
    rng: &mut Rng,
) -> Box<dyn cascade_sim::Agent> {
    match a.kind.as_str() {
        "value" => Box::new(ValueTrader::new(ValueParams {
            place,
            mean_interval_s: a.mean_interval_s.unwrap_or(60.0),
            size_usd: {
                let [x, y] = a.size_usd.unwrap_or([100.0, 1_000.0]);
                (x, y)
            },
            observation_noise: a.observation_noise.unwrap_or(0.001),
            margin: a.margin.unwrap_or(0.0005),
        })),
        "arbitrageur" => Box::new(Arbitrageur::new(ArbitrageParams {
            a: place,
            b: self::place(
                s,
                a.venue_b.as_deref().unwrap_or_default(),
                a.market_b.as_deref().unwrap_or_default(),
            ),
            check_s: a.check_s.unwrap_or(0.5),
            threshold: a.threshold.unwrap_or(0.002),
            clip_usd: a.clip_usd.unwrap_or(10_000.0),
            max_position_usd: a.max_position_usd.unwrap_or(100_000.0),
            slippage: a.slippage.unwrap_or(0.01),
        })),
        "market_maker" => Box::new(MarketMaker::new(maker_params(a, place))),
        "manipulator" => Box::new(Manipulator::new(ManipulatorParams {
            perp: place,
            pump: self::place(
                s,
                a.venue_b.as_deref().unwrap_or_default(),
                a.market_b.as_deref().unwrap_or_default(),
            ),
            check_s: a.check_s.unwrap_or(1.0),
            clip_usd: a.clip_usd.unwrap_or(10_000.0),
            target_multiple: a.target_multiple.unwrap_or(2.0),
            hold_s: a.hold_s.unwrap_or(300.0),
            withdraw_profit: a.withdraw_profit.unwrap_or(false),
            slippage: a.slippage.unwrap_or(0.05),
        })),
        "leveraged_trader" => {
            let [lo, hi] = a.leverage.unwrap_or([1, 1]);
            let leverage = rng.range_i64(i64::from(lo), i64::from(hi)) as u32;
            Box::new(LeveragedTrader::new(TraderParams {
                place,
                long_bias: a.long_bias.unwrap_or(0.5),
                leverage,
                notional_usd: between(rng, a.notional_usd.unwrap_or([1_000.0, 1_000.0])),
                entry_window_s: {
                    let [x, y] = a.entry_window_s.unwrap_or([0.0, 60.0]);
                    (x, y)
                },
                stop_loss: a.stop_loss,
                take_profit: a.take_profit,
                trend_lookback_s: a.trend_lookback_s,
                check_s: a.check_s.unwrap_or(5.0),
                reenter_after_s: a.reenter_after_s,
                slippage: a.slippage.unwrap_or(0.02),
            }))
        }
        "noise" => Box::new(NoiseTrader::new(NoiseParams {
            place,
            mean_interval_s: a.mean_interval_s.unwrap_or(10.0),
            size_usd: {
                let [x, y] = a.size_usd.unwrap_or([100.0, 1_000.0]);
                (x, y)
            },
            market_share: a.market_share.unwrap_or(0.5),
            buy_share: a.buy_share.unwrap_or(0.5),
            slippage: a.slippage.unwrap_or(0.02),
        })),
        "holder" => Box::new(Holder),
        "keeper" => Box::new(Keeper::new(KeeperParams {
            venue: place.venue,
            check_s: a.check_s.unwrap_or(1.0),
            max_per_check: a.max_per_check.unwrap_or(10),
        })),
        "loan_maker" => Box::new(LoanMaker::new(LoanParams {
            maker: maker_params(a, place),
            strike_usd: a.strike_usd.unwrap_or(0.0),
            dump_fraction: a.dump_fraction.unwrap_or(0.0),
            slippage: a.slippage.unwrap_or(0.05),
        })),
        _ => Box::new(MomentumBot::new(MomentumParams {
            place,
            check_s: a.check_s.unwrap_or(0.25),
            lookback_s: a.lookback_s.unwrap_or(5.0),
            threshold: a.threshold.unwrap_or(0.01),
            notional_usd: a.notional_usd.map_or(1_000.0, |r| between(rng, r)),
            hold_s: a.hold_s.unwrap_or(30.0),
            slippage: a.slippage.unwrap_or(0.03),
            follow_liquidations: a.follow_liquidations.unwrap_or(false),
        })),
    }
}

fn maker_params(a: &RawAgent, place: cascade_agents::Place) -> MakerParams {
    MakerParams {
        place,
        levels: a.levels.unwrap_or(5),
        half_spread_bps: a.half_spread_bps.unwrap_or(5.0),
        level_step_bps: a.level_step_bps.unwrap_or(5.0),
        level_usd: a.level_usd.unwrap_or(1_000.0),
        refresh_s: a.refresh_s.unwrap_or(1.0),
        skew_bps_per_1k: a.skew_bps_per_1k.unwrap_or(0.0),
        max_inventory_usd: a.max_inventory_usd.unwrap_or(f64::MAX),
        widen_per_pct: a.widen_per_pct.unwrap_or(0.0),
        withdraw_move_pct: a.withdraw_move_pct,
        reference_weight: a.reference_weight.unwrap_or(0.0),
        oracle_weight: a.oracle_weight.unwrap_or(0.0),
    }
}

/// Ticks for a USD price (nearest, at least one).
fn ticks_for(s: &Scenario, pl: cascade_agents::Place, usd: f64) -> Ticks {
    let tick = cascade_sim::decimal_f64(s.venues[pl.venue].markets[pl.market.index()].tick_size);
    Ticks(((usd / tick).round() as i64).max(1))
}

/// Whole lots for a base amount (rounded down).
fn lots_for_base(s: &Scenario, pl: cascade_agents::Place, base: f64) -> i64 {
    let lot = cascade_sim::decimal_f64(s.venues[pl.venue].markets[pl.market.index()].lot_size);
    (base / lot).floor() as i64
}

/// Builds the world for a seed (the scenario's own seed unless overridden).
pub fn build(s: &Scenario, seed: u64) -> WorldSpec {
    let venues: Vec<VenueSpec> = s
        .raw
        .venues
        .iter()
        .zip(&s.venues)
        .map(|(raw, config)| VenueSpec {
            name: raw.name.clone(),
            config: config.clone(),
            insurance_fund: Quote::from_decimal(raw.insurance_fund_usd.0).unwrap_or(Quote::ZERO),
            vault: raw.vault_usd.and_then(|v| Quote::from_decimal(v.0).ok()).unwrap_or(Quote::ZERO),
        })
        .collect();
    let reference = s.raw.reference.as_ref().map(|r| {
        let model = match r.model.as_str() {
            "series" => ReferenceModel::Series(r.points.iter().map(|p| (p[0], p[1])).collect()),
            "jump" => ReferenceModel::JumpDiffusion {
                drift_annual: r.drift_annual,
                volatility_annual: r.volatility_annual,
                jumps_per_hour: r.jumps_per_hour,
                jump_mean: r.jump_mean,
                jump_stdev: r.jump_stdev,
            },
            _ => ReferenceModel::Gbm {
                drift_annual: r.drift_annual,
                volatility_annual: r.volatility_annual,
            },
        };
        let shocks = r.shocks.iter().map(|x| (x.at_s, x.factor)).collect();
        (
            ReferencePath::new(model, r.start_price, Rng::stream(seed, "reference"), shocks),
            r.step_ms * 1_000_000,
        )
    });
    let oracles = s
        .raw
        .oracles
        .iter()
        .map(|o| {
            let target = place(s, &o.venue, &o.market);
            OracleSpec {
                venue: target.venue,
                market: target.market,
                interval_ns: (o.interval_s * 1e9) as u64,
                sources: o
                    .sources
                    .iter()
                    .map(|src| {
                        let source = match (&src.venue, &src.market) {
                            (Some(v), Some(m)) => {
                                let pl = place(s, v, m);
                                OracleSource::Book {
                                    venue: pl.venue,
                                    market: pl.market,
                                    last: src.price.as_deref() == Some("last"),
                                }
                            }
                            _ => OracleSource::Reference { scale: src.scale.unwrap_or(1.0) },
                        };
                        (source, src.weight)
                    })
                    .collect(),
            }
        })
        .collect();
    let mut agents = Vec::new();
    // The outside holder of each venue: the first `holder` agent there.
    let mut holders: Vec<Option<AccountId>> = vec![None; s.raw.venues.len()];
    let mut index = 0u32;
    for a in &s.raw.agents {
        if a.kind == "holder" {
            let vi = place(s, &a.venue, &a.market).venue;
            holders[vi].get_or_insert(AccountId(AccountId::FIRST_USER + index));
        }
        index += a.count;
    }
    let mut seeds = Vec::new();
    for (gi, a) in s.raw.agents.iter().enumerate() {
        let pl = place(s, &a.venue, &a.market);
        let capital = Quote::from_decimal(a.capital_usd.0).unwrap_or(Quote::ZERO);
        // Where this group's inventory goes: an arbitrageur's spot leg, else its own market.
        let inventory_place = match (&a.venue_b, &a.market_b) {
            _ if a.inventory_market.is_some() => {
                place(s, &a.venue, a.inventory_market.as_deref().unwrap_or_default())
            }
            (Some(vb), Some(mb)) if a.kind == "arbitrageur" => {
                let b = place(s, vb, mb);
                if s.venues[b.venue].markets[b.market.index()].spot {
                    b
                } else {
                    pl
                }
            }
            _ => pl,
        };
        for k in 0..a.count {
            let mut rng = Rng::stream(seed, &format!("population/{gi}/{k}"));
            let account = AccountId(AccountId::FIRST_USER + agents.len() as u32);
            if let (Some(usd), Some(price), Some(holder)) =
                (a.inventory_usd, a.inventory_price_usd, holders[inventory_place.venue])
            {
                let lots = lots_for_base(s, inventory_place, usd / price);
                if lots > 0 && holder != account {
                    let ticks = ticks_for(s, inventory_place, price);
                    seeds.push((
                        inventory_place.venue,
                        ticks,
                        Command::SeedPosition {
                            account,
                            counterparty: holder,
                            market: inventory_place.market,
                            size: Lots(lots),
                            price: ticks,
                        },
                    ));
                }
            }
            agents.push(AgentSpec {
                agent: agent(s, a, pl, &mut rng),
                group: a.group.clone(),
                order_latency_ns: ms(a.order_latency_ms),
                jitter_ns: ms(a.jitter_ms),
                data_latency_ns: ms(a.data_latency_ms),
                commands_per_s_max: a.commands_per_s_max,
                subscriptions: Subscriptions {
                    liquidations: a.follow_liquidations.unwrap_or(false),
                    ..Subscriptions::default()
                },
                deposits: match &a.venue_b {
                    // An arbitrageur splits its capital between its two venues.
                    Some(vb) => {
                        let half = Quote(capital.get() / 2);
                        let vb = s
                            .raw
                            .venues
                            .iter()
                            .position(|v| &v.name == vb)
                            .expect("validated venue");
                        vec![(pl.venue, half), (vb, capital - half)]
                    }
                    None => vec![(pl.venue, capital)],
                },
            });
        }
    }
    // Positions loaded from files: one passive account per row, margined at a drawn leverage.
    for (i, ip) in s.raw.initial_positions.iter().enumerate() {
        let pl = place(s, &ip.venue, &ip.market);
        let Some(holder) = holders[pl.venue] else { continue };
        let ticks = ticks_for(s, pl, ip.price_usd);
        let mut rng = Rng::stream(seed, &format!("initial_positions/{i}"));
        for &(sign, base) in &ip.rows {
            let lots = lots_for_base(s, pl, base);
            if lots == 0 {
                continue;
            }
            let [lo, hi] = ip.leverage;
            let max_leverage = s.venues[pl.venue].markets[pl.market.index()].tiers[0].max_leverage;
            let leverage =
                (rng.range_i64(i64::from(lo), i64::from(hi)).max(1) as u32).min(max_leverage);
            let notional = base * ip.price_usd;
            // Collateral: notional / leverage plus 1% (fees and rounding), whole cents, ≥ $1.
            let collateral = Quote(
                ((notional / f64::from(leverage) * 1.01 * 100.0).ceil() as i64).max(100) * 10_000,
            );
            let account = AccountId(AccountId::FIRST_USER + agents.len() as u32);
            agents.push(AgentSpec {
                agent: Box::new(Holder),
                group: "initial_positions".into(),
                order_latency_ns: 0,
                jitter_ns: 0,
                data_latency_ns: 0,
                commands_per_s_max: None,
                subscriptions: Subscriptions::default(),
                deposits: vec![(pl.venue, collateral)],
            });
            seeds.push((
                pl.venue,
                ticks,
                Command::SetLeverage { account, market: pl.market, leverage },
            ));
            seeds.push((
                pl.venue,
                ticks,
                Command::SeedPosition {
                    account,
                    counterparty: holder,
                    market: pl.market,
                    size: Lots(i64::from(sign) * lots),
                    price: ticks,
                },
            ));
        }
    }
    let mut scheduled = Vec::new();
    for t in &s.raw.timeline {
        let Some(venue) = t.group.strip_prefix("venue:") else { continue };
        let vi = s.raw.venues.iter().position(|v| v.name == venue).expect("validated venue");
        let at = TimeNs((t.at_s * 1e9) as u64);
        let markets: Vec<MarketId> = match &t.market {
            Some(m) => vec![place(s, venue, m).market],
            None => (0..s.venues[vi].markets.len()).map(|m| MarketId(m as u16)).collect(),
        };
        for market in markets {
            let command = match t.signal.as_str() {
                "halt" => cascade_model::Command::SetHalted { market, halted: true },
                "reopen" => cascade_model::Command::SetHalted { market, halted: false },
                "rollback" => {
                    let from = TimeNs((t.from_s.unwrap_or(0.0) * 1e9) as u64);
                    let to = TimeNs((t.to_s.unwrap_or(t.at_s) * 1e9) as u64);
                    match &t.accounts {
                        None => Command::RollbackTrades { market, from, to, account: None },
                        Some(group) => {
                            // One command per account of the group (a trade between two of them
                            // is reversed once: the journal marks it).
                            for (i, _) in
                                agents.iter().enumerate().filter(|(_, a)| &a.group == group)
                            {
                                let account = Some(AccountId(AccountId::FIRST_USER + i as u32));
                                scheduled.push((
                                    at,
                                    vi,
                                    Command::RollbackTrades { market, from, to, account },
                                ));
                            }
                            continue;
                        }
                    }
                }
                "settle" => {
                    let usd: f64 =
                        t.value.as_deref().and_then(|v| v.parse().ok()).expect("validated price");
                    let pl = cascade_agents::Place { venue: vi, market };
                    Command::SettleMarket { market, price: ticks_for(s, pl, usd) }
                }
                _ => cascade_model::Command::SetMarginTiers {
                    market,
                    tiers: tier_table(t.tiers.as_deref().unwrap_or_default())
                        .expect("validated tiers"),
                },
            };
            scheduled.push((at, vi, command));
        }
    }
    let timeline = s
        .raw
        .timeline
        .iter()
        .filter(|t| !t.group.starts_with("venue:"))
        .map(|t| TimelineEntry {
            at: TimeNs((t.at_s * 1e9) as u64),
            group: t.group.clone(),
            signal: Signal { name: t.signal.clone(), value: t.value.clone() },
        })
        .collect();
    let primary = s.raw.agents.first().map_or((0, MarketId(0)), |a| {
        let pl = place(s, &a.venue, &a.market);
        (pl.venue, pl.market)
    });
    WorldSpec {
        seed,
        duration_ns: s.raw.duration_s * TimeNs::SECOND,
        venues,
        reference,
        oracles,
        agents,
        timeline,
        snapshot_interval_ns: s.raw.snapshot_interval_ms * 1_000_000,
        primary,
        scheduled,
        seeds,
    }
}
