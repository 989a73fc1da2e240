//! The typed frames the live page consumes. Anything that can produce them — the simulator, or
//! later a monitor reading venue feeds — can drive the page; nothing here knows the simulator.

use cascade_output::TimeseriesRow;
use serde::{Deserialize, Serialize};

/// What kind of notable event a frame reports (the page's event list and chart markers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotableKind {
    /// Many liquidations in one second.
    LiquidationBurst,
    /// A liquidation (below the burst threshold).
    Liquidation,
    /// A backstop takeover (vault or insurance fund).
    Backstop,
    /// Auto-deleveraging.
    Adl,
    /// Unabsorbed loss recorded as bad debt.
    BadDebt,
    /// A safeguard fired (halt, margin change, circuit breaker…).
    Safeguard,
}

/// One frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frame {
    /// Sent first to every client: what is being shown. A source sends it again when it
    /// restarts; the page then starts afresh.
    Hello {
        /// Title (scenario name, or feed name).
        title: String,
        /// One-line description.
        description: String,
        /// Where the frames come from (`simulation`, `recorded feed`, …).
        source: String,
    },
    /// One market's second.
    Row {
        /// The row.
        row: TimeseriesRow,
    },
    /// A notable event, aggregated per second and kind.
    Notable {
        /// Second.
        time_s: i64,
        /// Venue.
        venue: String,
        /// Market, if the event has one.
        market: Option<String>,
        /// What.
        kind: NotableKind,
        /// How many events it stands for.
        count: u32,
        /// Notional involved, USD.
        usd: f64,
    },
    /// Progress of the source.
    Status {
        /// Latest second.
        time_s: i64,
        /// Paused by a client.
        paused: bool,
        /// Simulated seconds per wall second (0: as fast as possible).
        speed: f64,
        /// The source has ended.
        done: bool,
        /// Source events per wall second over the last interval.
        events_per_s: f64,
    },
    /// The charts, redrawn from the rows and notable events so far (SVG, inline-ready).
    Charts {
        /// Latest second drawn.
        time_s: i64,
        /// One entry per (venue, market), primary first.
        sets: Vec<ChartSetSvg>,
    },
}

/// The drawn charts of one (venue, market).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartSetSvg {
    /// Venue.
    pub venue: String,
    /// Market.
    pub market: String,
    /// One SVG document per chart, in page order.
    pub svgs: Vec<String>,
}

impl Frame {
    /// The frame as one JSON line (what goes on the wire).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            // Only non-finite floats can fail, and serde_json writes those as null; keep a
            // well-formed frame whatever happens.
            format!(r#"{{"type":"error","message":"{e}"}}"#)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_as_tagged_json() {
        let frames = vec![
            Frame::Hello {
                title: "t".into(),
                description: "d".into(),
                source: "simulation".into(),
            },
            Frame::Row {
                row: TimeseriesRow { time_s: 3, venue: "v".into(), ..Default::default() },
            },
            Frame::Notable {
                time_s: 4,
                venue: "v".into(),
                market: Some("m".into()),
                kind: NotableKind::LiquidationBurst,
                count: 12,
                usd: 1.5e6,
            },
            Frame::Status { time_s: 4, paused: true, speed: 10.0, done: false, events_per_s: 1e6 },
        ];
        for f in frames {
            let text = f.to_json();
            assert!(text.starts_with(r#"{"type":""#), "{text}");
            let back: Frame = serde_json::from_str(&text).unwrap();
            assert_eq!(back, f);
        }
    }
}
