//! Running wrk (closed loop, every response checked by `lua/bench.lua`) and reading the result
//! line the script prints.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// What wrk's `done()` reports.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WrkResult {
    /// Responses received.
    pub requests: u64,
    /// Run length in microseconds.
    pub duration_us: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Socket errors.
    pub connect: u64,
    /// Socket errors.
    pub read: u64,
    /// Socket errors.
    pub write: u64,
    /// Responses with a status ≥ 400 (wrk's own count).
    pub status: u64,
    /// Requests timed out.
    pub timeout: u64,
    /// Responses whose status was not 200 (script's count).
    pub bad_status: u64,
    /// Responses whose body was wrong (script's count).
    pub bad_body: u64,
}

impl WrkResult {
    /// Requests per second.
    pub fn rps(&self) -> f64 {
        if self.duration_us == 0 {
            0.0
        } else {
            self.requests as f64 / (self.duration_us as f64 / 1e6)
        }
    }

    /// `None` if every response was right and no socket failed; else what went wrong.
    pub fn failure(&self) -> Option<String> {
        let mut what = Vec::new();
        for (n, name) in [
            (self.connect, "connect errors"),
            (self.read, "read errors"),
            (self.write, "write errors"),
            (self.timeout, "timeouts"),
            (self.bad_status.max(self.status), "non-200 answers"),
            (self.bad_body, "wrong bodies"),
        ] {
            if n > 0 {
                what.push(format!("{n} {name}"));
            }
        }
        if self.requests == 0 {
            what.push("no answers".into());
        }
        (!what.is_empty()).then(|| format!("wrk: {}", what.join(", ")))
    }
}

/// How to run wrk.
pub struct WrkConfig<'a> {
    /// `taskset -c` list of the load cores.
    pub cores: &'a str,
    /// wrk threads (one per load core).
    pub threads: usize,
    /// Open connections.
    pub connections: usize,
    /// Seconds.
    pub duration_s: u64,
    /// `lua/bench.lua`.
    pub script: &'a Path,
}

/// Runs wrk against `url` with the script's `args`.
pub fn run(cfg: &WrkConfig<'_>, url: &str, args: &[String]) -> Result<WrkResult, String> {
    let output = Command::new("taskset")
        .arg("-c")
        .arg(cfg.cores)
        .arg("wrk")
        .arg("-t")
        .arg(cfg.threads.to_string())
        .arg("-c")
        .arg(cfg.connections.max(cfg.threads).to_string())
        .arg("-d")
        .arg(format!("{}s", cfg.duration_s))
        .arg("--timeout")
        .arg("2s")
        .arg("-s")
        .arg(cfg.script)
        .arg(url)
        .arg("--")
        .args(args)
        .output()
        .map_err(|err| format!("cannot run wrk: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRK_RESULT "))
        .ok_or_else(|| {
            format!(
                "wrk printed no result ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })?;
    serde_json::from_str(line).map_err(|err| format!("wrk result {line:?}: {err}"))
}

/// `wrk -v`'s first line, for the report.
pub fn version() -> String {
    Command::new("wrk")
        .arg("-v")
        .output()
        .ok()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            let first = text.lines().next().unwrap_or("");
            first
                .split(" Copyright")
                .next()
                .unwrap_or(first)
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}
