//! The hertz-rs benchmark harness.
//!
//! ```text
//! benches/run.sh ─▶ bench (this crate's main) ─┬─▶ servers, each pinned with taskset to the
//!                                              │   server cores: hertz-rs once per transport,
//!                                              │   and the peers (hyper, axum, actix-web,
//!                                              │   may-minihttp, raw epoll)
//!                                              ├─▶ wrk on the load cores: closed-loop req/s,
//!                                              │   every response checked in Lua
//!                                              ├─▶ loadgen on the load cores: fixed-rate
//!                                              │   TP50/TP99/TP999 (HdrHistogram, corrected
//!                                              │   for coordinated omission), exact checks
//!                                              └─▶ target/bench-report/: report.md,
//!                                                  results.json, one SVG per scenario
//! ```
//!
//! - [`scenario`]: what is requested and what must come back.
//! - [`job`]: the load generator's job and outcome (JSON between `bench` and `loadgen`).
//! - [`loadgen`]: the fixed-rate load generator; [`http`] its response parser.
//! - [`machine`]: how much other work ran on the machine meanwhile.
//! - [`server`]: starting, pinning, measuring (`/proc`) and stopping a server.
//! - [`wrk`]: running wrk and reading its result line.
//! - [`report`]: medians, ratios, the markdown table; [`charts`]: the SVGs.
//! - [`client_scenario`]: the `client` scenario (our client against reqwest and hyper-util,
//!   run through the drivers of `benches/harness/clients`); [`client_job`]: what a driver
//!   reports.
//! - [`protocols`]: the `tls` and `h2` scenarios (wrk over https, h2load over h2c).

pub mod charts;
pub mod client_job;
pub mod client_scenario;
pub mod http;
pub mod job;
pub mod loadgen;
pub mod machine;
pub mod protocols;
pub mod report;
pub mod scenario;
pub mod server;
pub mod wrk;
