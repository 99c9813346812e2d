//! Pool statistics.

use std::ops::Add;

/// A snapshot of one host's pool, or of the sum over a client's hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Connections open or being dialed.
    pub open: usize,
    /// Open connections waiting in the pool for a request.
    pub idle: usize,
    /// Open connections carrying a request (or a streamed body, or being dialed).
    pub in_use: usize,
    /// Calls waiting for a connection to become free.
    pub waiters: usize,
    /// Connections dialed so far.
    pub dials: u64,
    /// Requests that reused a kept-alive connection so far.
    pub reused: u64,
}

impl Add for PoolStats {
    type Output = PoolStats;

    fn add(self, o: PoolStats) -> PoolStats {
        PoolStats {
            open: self.open + o.open,
            idle: self.idle + o.idle,
            in_use: self.in_use + o.in_use,
            waiters: self.waiters + o.waiters,
            dials: self.dials + o.dials,
            reused: self.reused + o.reused,
        }
    }
}
