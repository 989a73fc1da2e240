//! Repository maintenance entry point; the checks themselves live in `tests/tidy.rs` so that
//! `cargo test --workspace` runs them.

fn main() {
    println!("run `cargo test -p xtask` to check the repository's tidy rules");
}
