//! Repository maintenance checks; they live in `tests/tidy.rs` so that `cargo test --workspace`
//! runs them. This library is empty on purpose (the crate has no binary, so `cargo run` in the
//! workspace root runs the one `cascade` binary).
