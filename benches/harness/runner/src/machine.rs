//! How busy the machine was with work that is not the benchmark: all cores' busy time
//! (`/proc/stat`, steal included) minus the CPU time of the server under test, of the
//! load generators (reaped children) and of the harness itself. On a machine shared with
//! other work this says which figures were disturbed.

use std::time::{Duration, Instant};

/// CPU counters at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    /// Busy seconds of all cores since boot.
    busy_s: f64,
    /// CPU seconds of reaped children (wrk, loadgen, stopped servers) and of the harness.
    ours_s: f64,
}

fn rusage_s(who: libc::c_int) -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn busy_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0.0;
    };
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let busy: u64 = [0, 1, 2, 5, 6, 7].iter().filter_map(|i| f.get(*i)).sum();
    busy as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Takes a snapshot.
pub fn snapshot() -> Snapshot {
    Snapshot {
        at: Instant::now(),
        busy_s: busy_s(),
        ours_s: rusage_s(libc::RUSAGE_CHILDREN) + rusage_s(libc::RUSAGE_SELF),
    }
}

impl Snapshot {
    /// Cores' worth of other work between `self` and `later`, given the CPU seconds the
    /// running server used meanwhile.
    pub fn other_cores(&self, later: &Snapshot, server_cpu_s: f64) -> f64 {
        let wall = later.at.duration_since(self.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        let server = if server_cpu_s.is_finite() {
            server_cpu_s
        } else {
            0.0
        };
        let other = (later.busy_s - self.busy_s) - (later.ours_s - self.ours_s) - server;
        (other / wall).max(0.0)
    }
}

/// Waits up to `max` until other work has used less than `threshold` cores over half a
/// second; returns the last reading.
pub fn settle(max: Duration, threshold: f64) -> f64 {
    let deadline = Instant::now() + max;
    loop {
        let a = snapshot();
        std::thread::sleep(Duration::from_millis(500));
        let other = a.other_cores(&snapshot(), 0.0);
        if other < threshold || Instant::now() >= deadline {
            return other;
        }
    }
}
