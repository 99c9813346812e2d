//! What a client driver (`client-hertz`, `client-reqwest`, `client-hyper` of
//! `benches/harness/clients`) reports to `bench` after one round of the client scenario
//! (one JSON object on its stdout).

use serde::{Deserialize, Serialize};

/// One client round: a warm-up, then the measured window.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientOutcome {
    /// Which client: `hertz`, `reqwest` or `hyper`.
    pub client: String,
    /// Tasks sharing the one client (one request in flight each).
    pub tasks: usize,
    /// Right answers (status 200, body exactly `Hello, World!`) in the measured window.
    pub requests: u64,
    /// Seconds of the measured window.
    pub elapsed_s: f64,
    /// The process's CPU seconds (utime + stime, all threads; `getrusage(RUSAGE_SELF)`) in
    /// the measured window.
    pub cpu_s: f64,
    /// Wrong answers and failed calls over the whole run, warm-up included.
    pub errors: u64,
    /// The first few of them, described.
    pub problems: Vec<String>,
    /// Connections the client dialed over the whole run, where it counts them (hertz-rs's
    /// `stats().dials`, a counting connector around hyper-util's); `None` for reqwest.
    pub dials: Option<u64>,
    /// Sockets the client had open when the measured window began (its connections; those
    /// the process inherited are not counted).
    pub sockets_start: usize,
    /// Sockets the client had open when the window ended.
    pub sockets_end: usize,
    /// Sockets open at both instants (the same socket inodes): equal to both counts when
    /// the client kept its connections for the whole window instead of dialing new ones.
    pub sockets_kept: usize,
}

impl ClientOutcome {
    /// Right answers per second in the measured window.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed_s
    }

    /// Client CPU microseconds per answer.
    pub fn cpu_us_per_request(&self) -> f64 {
        if self.requests == 0 {
            f64::NAN
        } else {
            self.cpu_s * 1e6 / self.requests as f64
        }
    }
}
