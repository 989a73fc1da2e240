//! Cascade's live page: a running simulation (or, later, a market monitor) as charts that
//! update in the browser, a list of notable events, and pause/resume/speed controls.
//!
//! - [`Frame`]: the typed stream a source produces (rows, notable events, status). The page
//!   depends only on frames, never on the simulator.
//! - [`Hub`]: folds frames into the page state, draws the charts with the report's renderer
//!   (plotters SVG) at a fixed interval, and fans frames out to clients through a bounded
//!   broadcast channel: a slow client drops frames, it never stalls the source.
//! - [`serve`]: the HTTP server (axum): the page, server-sent events, controls, and an optional
//!   token required on every request.

mod frames;
mod hub;
mod server;

pub use frames::{ChartSetSvg, Frame, NotableKind};
pub use hub::{Control, Hub, CLIENT_BUFFER_FRAMES, NOTABLE_KEPT};
pub use server::{router, serve};
