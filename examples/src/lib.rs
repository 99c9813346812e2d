//! Examples live under `examples/<name>/main.rs`; run with `cargo run --release --example <name>`.
