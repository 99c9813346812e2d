//! Parses one of [`hertz_benches::REQUEST_HEADS`] N times with `parse_request_head`, for
//! `benches/parse-instructions.sh`, which runs it under callgrind twice (N and 2N) so that the
//! difference is the cost of N parses, start-up excluded.
//!
//! ```text
//! parse_instructions HEAD-NAME N
//! ```

use std::hint::black_box;
use std::process::ExitCode;

use hertz_benches::REQUEST_HEADS;
use hertz_protocol::http1::parse_request_head;
use hertz_protocol::{Request, ServerConfig};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(Ok(n))) = (args.next(), args.next().map(|n| n.parse::<usize>())) else {
        eprintln!("usage: parse_instructions HEAD-NAME N");
        return ExitCode::from(2);
    };
    let Some((_, head)) = REQUEST_HEADS.iter().find(|(known, _)| *known == name) else {
        eprintln!("unknown head {name:?}; known: wrk, techempower, post-json");
        return ExitCode::from(2);
    };
    let config = ServerConfig::default();
    let mut req = Request::new();
    for _ in 0..n {
        let parsed = parse_request_head(black_box(head.as_bytes()), &config, &mut req);
        if parsed != Ok(Some(head.len())) {
            eprintln!("the {name} head did not parse: {parsed:?}");
            return ExitCode::FAILURE;
        }
        black_box(req.path().len());
    }
    ExitCode::SUCCESS
}
