//! What `bench` asks of `loadgen`, and what it answers (JSON files).

use serde::{Deserialize, Serialize};

/// One request and the answer it must get.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    /// The raw request bytes (ASCII; echo bodies are ASCII too).
    pub request: String,
    /// The status the answer must have.
    pub status: u16,
    /// The body the answer must have, byte for byte.
    pub body: String,
}

/// A load generator run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Open connections.
    pub connections: usize,
    /// Requests written back to back per send (pipelining depth); 1 is plain keep-alive.
    pub depth: usize,
    /// Offered load in requests per second; 0 sends as fast as answers come (closed loop,
    /// used for checks and warm-up).
    pub rate: f64,
    /// How long requests are sent, in milliseconds.
    pub duration_ms: u64,
    /// Stop after this many requests even if time remains (0: no limit).
    pub max_requests: u64,
    /// The requests, sent round-robin (each connection starts at a different one).
    pub exchanges: Vec<Exchange>,
    /// Also require `Server`, `Date` and `Content-Type` on every answer.
    pub check_headers: bool,
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Largest.
    pub max_us: f64,
    /// Mean.
    pub mean_us: f64,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Requests written.
    pub sent: u64,
    /// Answers with the right status and body (and headers, if checked).
    pub ok: u64,
    /// Answers that were wrong, requests never answered, connections lost.
    pub failed: u64,
    /// The first few failures, described.
    pub problems: Vec<String>,
    /// Seconds from the first send to the last answer.
    pub elapsed_s: f64,
    /// `ok / elapsed_s`.
    pub achieved_rps: f64,
    /// Latency from each request's *intended* send time to its answer.
    pub latency: Latency,
}
