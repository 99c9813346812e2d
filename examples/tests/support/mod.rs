//! Shared by the example tests: where `cargo test` put the example binaries.

use std::path::PathBuf;

/// `target/<profile>/examples/NAME`, built by `cargo test` alongside the test binaries.
pub fn example_binary(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the test binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("examples").join(name);
    assert!(
        bin.exists(),
        "{} not built (cargo test builds examples)",
        bin.display()
    );
    bin
}
