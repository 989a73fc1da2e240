//! Test support for Cascade: the auditor (shadow ledger), an engine harness and workload, a naive
//! reference order book, and proptest strategies.
//!
//! - [`auditor::Auditor`] re-derives the ledger from events and checks the engine after every step.
//! - [`harness::Harness`] steps an engine and its auditor together and keeps the command log.
//! - [`workload`] generates seeded random order flow with price shocks for the auditor to check.
//! - [`world::audited`] runs a simulated world with an auditor on every venue.
//!
//! - [`ReferenceBook`] is a deliberately simple, obviously correct model of `cascade_book::Book`:
//!   each side is a plain `Vec` sorted by (price priority, arrival), matching scans from the front.
//!   Property tests run the same commands through both and demand identical results.
//! - [`strategies`] generates random book command sequences ([`BookOp`]) and turns them into
//!   concrete commands ([`BookCommand`]) against the current state, so cancels and reduces can
//!   target live orders and submits can reuse ids on purpose.
#![deny(clippy::float_arithmetic)]

/// The auditor lives in its own crate so the CLI can run it (`cascade run --audit`).
pub use cascade_audit as auditor;
pub mod harness;
pub mod reference_book;
pub mod strategies;
pub mod workload;
pub mod world;

pub use reference_book::ReferenceBook;
pub use strategies::{apply_to_book, BookCommand, BookOp, BookParams, IdPick, OpResolver, Outcome};
