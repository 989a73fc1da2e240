//! `cascade serve`: run a scenario paced in wall time and show it on a live page. The
//! simulation runs on its own thread and speaks to the page only through typed frames
//! (`cascade_live::Frame`); the server never touches the simulator.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use cascade_live::{Frame, Hub, NotableKind};
use cascade_model::Event;
use cascade_num::TimeNs;
use cascade_sim::{RunSink, SecondRow, World};

use crate::inspect;

/// Resolved options of `cascade serve`.
pub(crate) struct Settings {
    pub(crate) scenario: String,
    pub(crate) seed: Option<u64>,
    pub(crate) addr: SocketAddr,
    pub(crate) token: Option<String>,
    pub(crate) speed: f64,
    pub(crate) repeat: bool,
}

/// Liquidations in one second on one venue from which the page calls it a burst.
const BURST_LIQUIDATIONS: u32 = 10;
/// How often the page's charts are redrawn.
const REDRAW: Duration = Duration::from_millis(1000);
/// How often the source reports its status.
const STATUS_EVERY: Duration = Duration::from_millis(250);

/// Counts of one second's notable events on one venue.
#[derive(Default)]
struct Pending {
    liquidations: u32,
    backstops: u32,
    adl_fills: u32,
    safeguards: u32,
    bad_debt_usd: f64,
    bad_debts: u32,
}

/// Turns the run into frames: rows as they come, notable events aggregated per second.
struct LiveSink {
    hub: Arc<Hub>,
    pending: BTreeMap<String, Pending>,
    /// Engine events so far, read by the pacer for the status line.
    events: Arc<AtomicU64>,
}

impl RunSink for LiveSink {
    fn event(&mut self, _time: TimeNs, _seq: u64, venue: &str, event: &Event) {
        self.events.fetch_add(1, Ordering::Relaxed);
        let p = match event {
            Event::LiquidationStarted { .. }
            | Event::PositionTransferred { .. }
            | Event::AdlFill { .. }
            | Event::MarketHalted { .. }
            | Event::MarginTiersChanged { .. }
            | Event::SafeguardTriggered { .. }
            | Event::BadDebt { .. } => self.pending.entry(venue.to_string()).or_default(),
            _ => return,
        };
        match event {
            Event::LiquidationStarted { .. } => p.liquidations += 1,
            Event::PositionTransferred { .. } => p.backstops += 1,
            Event::AdlFill { .. } => p.adl_fills += 1,
            Event::MarketHalted { halted: true, .. }
            | Event::MarginTiersChanged { .. }
            | Event::SafeguardTriggered { .. } => p.safeguards += 1,
            Event::BadDebt { amount, .. } => {
                p.bad_debts += 1;
                p.bad_debt_usd += amount.get() as f64 / 1e6;
            }
            _ => {}
        }
    }

    fn second(&mut self, row: &SecondRow) {
        let row = crate::run::timeseries_row(row);
        // The venue's notable events of this second go out with its first market's row.
        if let Some(p) = self.pending.remove(&row.venue) {
            let notable = |kind, count: u32, usd: f64, market: Option<String>| Frame::Notable {
                time_s: row.time_s,
                venue: row.venue.clone(),
                market,
                kind,
                count,
                usd,
            };
            let liquidated = row.liquidated_long_usd + row.liquidated_short_usd;
            if p.liquidations > 0 {
                let kind = if p.liquidations >= BURST_LIQUIDATIONS {
                    NotableKind::LiquidationBurst
                } else {
                    NotableKind::Liquidation
                };
                self.hub.publish(&notable(kind, p.liquidations, liquidated, None));
            }
            if p.backstops > 0 {
                self.hub.publish(&notable(NotableKind::Backstop, p.backstops, 0.0, None));
            }
            if p.adl_fills > 0 {
                self.hub.publish(&notable(NotableKind::Adl, p.adl_fills, row.adl_usd, None));
            }
            if p.bad_debts > 0 {
                self.hub.publish(&notable(NotableKind::BadDebt, p.bad_debts, p.bad_debt_usd, None));
            }
            if p.safeguards > 0 {
                self.hub.publish(&notable(NotableKind::Safeguard, p.safeguards, 0.0, None));
            }
        }
        self.hub.publish(&Frame::Row { row });
    }
}

/// Keeps simulated time at `speed` × wall time, obeys pause, reports status.
struct Pacer {
    hub: Arc<Hub>,
    anchor: Option<(Instant, f64, f64)>,
    last_status: Option<Instant>,
    last_events: (Instant, u64),
    events_per_s: f64,
}

impl Pacer {
    fn tick(&mut self, sim_s: f64, events: u64) {
        let hub = self.hub.clone();
        let control = hub.control();
        if control.paused() {
            self.status(sim_s, events, true);
            control.wait_while_paused();
            self.anchor = None;
        }
        let speed = control.speed();
        let now = Instant::now();
        if speed > 0.0 {
            let (wall0, sim0, speed0) = *self.anchor.get_or_insert((now, sim_s, speed));
            if speed0 != speed {
                self.anchor = Some((now, sim_s, speed));
            } else {
                let due = wall0 + Duration::from_secs_f64((sim_s - sim0).max(0.0) / speed);
                if due > now {
                    std::thread::sleep(due - now);
                }
            }
        } else {
            self.anchor = None;
        }
        self.status(sim_s, events, false);
    }

    fn status(&mut self, sim_s: f64, events: u64, force: bool) {
        let now = Instant::now();
        if !force && self.last_status.is_some_and(|t| now - t < STATUS_EVERY) {
            return;
        }
        let (t0, e0) = self.last_events;
        let dt = (now - t0).as_secs_f64();
        if dt > 0.0 && events >= e0 {
            self.events_per_s = (events - e0) as f64 / dt;
        }
        self.last_events = (now, events);
        self.last_status = Some(now);
        let control = self.hub.control();
        self.hub.publish(&Frame::Status {
            time_s: sim_s as i64,
            paused: control.paused(),
            speed: control.speed(),
            done: false,
            events_per_s: self.events_per_s,
        });
    }
}

pub(crate) fn serve(s: &Settings) -> Result<ExitCode> {
    if !s.addr.ip().is_loopback() && s.token.is_none() {
        bail!(
            "binding to {} exposes the page beyond this machine: pass --token SECRET (every \
             request must then carry it, e.g. http://HOST:PORT/?token=SECRET), or bind to 127.0.0.1",
            s.addr
        );
    }
    if !(s.speed.is_finite() && s.speed >= 0.0) {
        bail!("--speed must be >= 0 (0: as fast as possible), got {}", s.speed);
    }
    let scenario = inspect::load(&s.scenario).map_err(|p| anyhow!("{p}"))?;
    let seed = s.seed.unwrap_or(scenario.seed());
    let hub = Hub::new(s.speed);
    let hello = Frame::Hello {
        title: format!("{} (seed {seed})", scenario.name()),
        description: scenario.description().to_string(),
        source: "simulation".into(),
    };
    hub.publish(&hello);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(s.addr))
        .with_context(|| format!("binding {}", s.addr))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let query = s.token.as_ref().map_or(String::new(), |t| format!("?token={t}"));
    println!("cascade serve: {} on http://{local}/{query} (Ctrl-C to stop)", scenario.name());

    let sim = {
        let hub = hub.clone();
        let hello = hello.clone();
        let repeat = s.repeat;
        std::thread::Builder::new()
            .name("simulation".into())
            .spawn(move || -> Result<()> {
                let mut pacer = Pacer {
                    hub: hub.clone(),
                    anchor: None,
                    last_status: None,
                    last_events: (Instant::now(), 0),
                    events_per_s: 0.0,
                };
                let events = Arc::new(AtomicU64::new(0));
                let mut first = true;
                loop {
                    if !first {
                        hub.publish(&hello);
                    }
                    first = false;
                    let world = World::new(cascade_scenario::build(&scenario, seed))
                        .context("building the world")?;
                    let mut sink = LiveSink {
                        hub: hub.clone(),
                        pending: BTreeMap::new(),
                        events: events.clone(),
                    };
                    let mut last_t = 0.0;
                    world.run(&mut sink, &mut |t: TimeNs| {
                        last_t = t.get() as f64 / 1e9;
                        pacer.tick(last_t, events.load(Ordering::Relaxed));
                    });
                    if !repeat {
                        let control = hub.control();
                        hub.publish(&Frame::Status {
                            time_s: last_t as i64,
                            paused: control.paused(),
                            speed: control.speed(),
                            done: true,
                            events_per_s: 0.0,
                        });
                        return Ok(());
                    }
                }
            })
            .context("starting the simulation thread")?
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    runtime
        .block_on(cascade_live::serve(listener, hub.clone(), s.token.clone(), REDRAW, shutdown))
        .context("serving the live page")?;
    // The simulation thread ends with the process (it may be paced or paused).
    drop(sim);
    Ok(ExitCode::SUCCESS)
}
