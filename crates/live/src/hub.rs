//! The hub between a frame source and the browsers: it folds frames into the page's state
//! (charts, recent notable events, status), fans them out through a bounded broadcast channel,
//! and holds the controls (pause, speed) the source obeys.
//!
//! A slow client only ever loses frames: the broadcast channel is bounded and never blocks the
//! sender, and a client that falls behind skips to the newest frames. The source never waits
//! for a client.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use cascade_report::{ChartSet, Layout, MarkerKind};
use tokio::sync::broadcast;

use crate::frames::{ChartSetSvg, Frame, NotableKind};

/// Frames a client may fall behind by before it skips ahead.
pub const CLIENT_BUFFER_FRAMES: usize = 256;
/// Notable events replayed to a client that connects late.
pub const NOTABLE_KEPT: usize = 500;

/// Pause and speed, shared by the page (writer) and the source (reader).
#[derive(Debug)]
pub struct Control {
    paused: Mutex<bool>,
    resumed: Condvar,
    /// Simulated seconds per wall second × 1000; 0 means as fast as possible.
    speed_milli: AtomicU64,
}

impl Control {
    fn new(speed: f64) -> Control {
        Control {
            paused: Mutex::new(false),
            resumed: Condvar::new(),
            speed_milli: AtomicU64::new(speed_to_milli(speed)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        self.paused.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Pauses or resumes.
    pub fn set_paused(&self, paused: bool) {
        *self.lock() = paused;
        if !paused {
            self.resumed.notify_all();
        }
    }

    /// True while paused.
    pub fn paused(&self) -> bool {
        *self.lock()
    }

    /// Blocks the calling (source) thread while paused.
    pub fn wait_while_paused(&self) {
        let mut paused = self.lock();
        while *paused {
            paused = self.resumed.wait(paused).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Sets the speed: simulated seconds per wall second (0: as fast as possible).
    pub fn set_speed(&self, speed: f64) {
        self.speed_milli.store(speed_to_milli(speed), Ordering::Relaxed);
    }

    /// Simulated seconds per wall second (0: as fast as possible).
    pub fn speed(&self) -> f64 {
        self.speed_milli.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

fn speed_to_milli(speed: f64) -> u64 {
    if speed.is_finite() && speed > 0.0 {
        (speed.min(1e9) * 1000.0).round() as u64
    } else {
        0
    }
}

#[derive(Debug, Default)]
struct State {
    hello: Option<Arc<str>>,
    status: Option<Arc<str>>,
    charts: Option<Arc<str>>,
    notable: VecDeque<Arc<str>>,
    sets: Vec<ChartSet>,
    /// Rows folded since the last drawing.
    dirty: bool,
    last_time_s: i64,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Hub {
    tx: broadcast::Sender<Arc<str>>,
    state: Mutex<State>,
    control: Control,
}

impl Hub {
    /// A hub whose source starts at `speed` simulated seconds per wall second (0: unpaced).
    pub fn new(speed: f64) -> Arc<Hub> {
        let (tx, _) = broadcast::channel(CLIENT_BUFFER_FRAMES);
        Arc::new(Hub { tx, state: Mutex::new(State::default()), control: Control::new(speed) })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The controls.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Takes one frame from the source: folds it into the page state and, except for rows
    /// (which reach clients as drawn charts), broadcasts it.
    pub fn publish(&self, frame: &Frame) {
        let mut state = self.state();
        let json: Option<Arc<str>> = match frame {
            Frame::Row { row } => {
                let i = match state
                    .sets
                    .iter()
                    .position(|s| s.venue == row.venue && s.market == row.market)
                {
                    Some(i) => i,
                    None => {
                        let mut set = ChartSet::new(&row.venue, &row.market);
                        set.primary = state.sets.is_empty();
                        state.sets.push(set);
                        state.sets.len() - 1
                    }
                };
                state.sets[i].push_row(row);
                state.dirty = true;
                state.last_time_s = state.last_time_s.max(row.time_s);
                None
            }
            Frame::Notable { time_s, venue, market, kind, count, usd } => {
                let marker = match kind {
                    NotableKind::LiquidationBurst | NotableKind::Liquidation => {
                        Some(MarkerKind::Liquidation)
                    }
                    NotableKind::Backstop => Some(MarkerKind::Backstop),
                    NotableKind::Adl => Some(MarkerKind::Adl),
                    NotableKind::BadDebt => None,
                    NotableKind::Safeguard => Some(MarkerKind::Safeguard),
                };
                if let Some(marker) = marker {
                    for set in state.sets.iter_mut().filter(|s| {
                        &s.venue == venue && market.as_ref().is_none_or(|m| &s.market == m)
                    }) {
                        for _ in 0..(*count).min(1_000) {
                            set.push_marker(
                                *time_s,
                                marker,
                                Some(*usd / f64::from((*count).max(1))),
                                None,
                            );
                        }
                    }
                }
                let json: Arc<str> = frame.to_json().into();
                if state.notable.len() == NOTABLE_KEPT {
                    state.notable.pop_front();
                }
                state.notable.push_back(json.clone());
                state.dirty = true;
                Some(json)
            }
            Frame::Hello { .. } => {
                // A (re)started source: what was shown belongs to the previous run.
                let json: Arc<str> = frame.to_json().into();
                *state = State { hello: Some(json.clone()), ..State::default() };
                Some(json)
            }
            Frame::Status { .. } => {
                let json: Arc<str> = frame.to_json().into();
                state.status = Some(json.clone());
                Some(json)
            }
            Frame::Charts { .. } => {
                let json: Arc<str> = frame.to_json().into();
                state.charts = Some(json.clone());
                Some(json)
            }
        };
        drop(state);
        if let Some(json) = json {
            // No receivers is fine: nobody is watching yet.
            let _ = self.tx.send(json);
        }
    }

    /// Draws the charts if rows or events arrived since the last drawing, and broadcasts them.
    /// The state is copied under the lock and drawn outside it, so the source never waits for
    /// the drawing. Returns whether anything was drawn.
    pub fn redraw(&self) -> bool {
        let (sets, time_s) = {
            let mut state = self.state();
            if !state.dirty {
                return false;
            }
            state.dirty = false;
            (state.sets.clone(), state.last_time_s)
        };
        let frame = draw(&sets, time_s);
        self.publish(&frame);
        true
    }

    /// A new client: what it must see first (hello, status, recent notable events, the latest
    /// charts), and the live stream after that.
    pub fn subscribe(&self) -> (Vec<Arc<str>>, broadcast::Receiver<Arc<str>>) {
        let state = self.state();
        // Subscribe under the lock: nothing is published between the snapshot and the stream.
        let rx = self.tx.subscribe();
        let mut first: Vec<Arc<str>> = Vec::new();
        first.extend(state.hello.clone());
        first.extend(state.status.clone());
        first.extend(state.notable.iter().cloned());
        first.extend(state.charts.clone());
        (first, rx)
    }

    /// Number of connected clients.
    pub fn clients(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// Draws every chart of every set over their shared time range.
fn draw(sets: &[ChartSet], time_s: i64) -> Frame {
    let layout = Layout::default();
    let time = cascade_report::time_domain(sets);
    let sets = sets
        .iter()
        .enumerate()
        .map(|(si, set)| ChartSetSvg {
            venue: set.venue.clone(),
            market: set.market.clone(),
            svgs: (0..set.charts.len())
                .map(|ci| {
                    cascade_report::render_svg(set, ci, &layout, time, (si, ci))
                        .unwrap_or_else(|e| format!("<p class=\"error\">{e}</p>"))
                })
                .collect(),
        })
        .collect();
    Frame::Charts { time_s, sets }
}
