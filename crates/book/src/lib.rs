//! Cascade's L3 limit order book: price-time priority matching over integer ticks and lots.
//!
//! The book knows orders and an opaque `owner` number per order (for self-trade prevention);
//! it does not know accounts, margin or fees. The engine validates orders first and settles the
//! fills the book reports.
//!
//! Layout (chosen for speed near the touch, see `docs/benchmarks.md`):
//! - each side is a `Vec` of price levels sorted so the best level is last; levels near the touch
//!   are found by a short scan from the end, deeper ones by binary search;
//! - orders live in a slab (`Vec` plus free list); each level is an intrusive doubly linked FIFO
//!   list through the slab, so a cancel is O(1) once the level is found;
//! - order id → slab slot is a hash map with a fixed (non-random) hasher; it is only ever looked
//!   up, never iterated, so its layout cannot leak into results.
//!
//! Invariants (checked by `Book::check_invariants` in tests): the book is never crossed at rest;
//! every level's size is the sum of its orders; every live order is in exactly one level; levels
//! are strictly ordered; FIFO within a level is arrival order (amends that lose priority re-arrive).
#![deny(clippy::float_arithmetic)]

mod book;
mod hash;

pub use book::{Book, BookEvent, BookReject, OrderRequest, OrderView, Submitted};
/// The fixed hasher the book uses for order ids, for other crates that key maps by id.
pub use hash::IdBuildHasher;
