//! hz CLI (see the hz issue).
fn main() {
    eprintln!("hz: not implemented yet");
    std::process::exit(2);
}
