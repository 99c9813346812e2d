//! The numbers: per-round measurements, their medians, ratios to hertz-rs, and the markdown
//! report.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::job::Latency;

/// One closed-loop wrk round of one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Round {
    /// Round number (0-based); the same number is one pass over every server.
    pub round: usize,
    /// Requests per second (wrk).
    pub rps: f64,
    /// Responses wrk counted.
    pub requests: u64,
    /// Server CPU seconds (utime + stime, all threads) during the round.
    pub cpu_s: f64,
    /// Cores' worth of CPU used by other work on the machine meanwhile.
    pub other_cores: f64,
}

impl Round {
    /// Server CPU microseconds per request.
    pub fn cpu_us_per_request(&self) -> f64 {
        if self.requests == 0 {
            f64::NAN
        } else {
            self.cpu_s * 1e6 / self.requests as f64
        }
    }
}

/// One fixed-rate run of one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyRun {
    /// Round number (0-based), as for [`Round`].
    pub round: usize,
    /// Offered requests per second.
    pub rate: f64,
    /// Answered correctly per second.
    pub achieved_rps: f64,
    /// Percentiles from the intended send time.
    pub latency: Latency,
    /// Server CPU µs per request at this rate.
    pub cpu_us_per_request: f64,
    /// Cores' worth of CPU used by other work on the machine meanwhile.
    pub other_cores: f64,
}

/// Everything measured for one server in one scenario.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cell {
    /// Scenario id.
    pub scenario: String,
    /// Server id.
    pub server: String,
    /// Whether the server is hertz-rs.
    pub ours: bool,
    /// Why the server failed (it then has no figures).
    pub failed: Option<String>,
    /// The wrk rounds.
    pub rounds: Vec<Round>,
    /// The fixed-rate runs, one per latency round.
    pub latency_rounds: Vec<LatencyRun>,
    /// `VmHWM` at the end of the scenario, KiB.
    pub peak_rss_kib: Option<u64>,
}

/// Median of the finite values (NaN if none).
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// The median over rounds of `value(round) / value(base's round with the same number)`
/// (rounds without a counterpart are skipped, as [`median`] skips ratios that are not finite).
pub fn paired_median<R>(
    rounds: &[R],
    base: &[R],
    number: impl Fn(&R) -> usize,
    value: impl Fn(&R) -> f64,
) -> f64 {
    median(rounds.iter().filter_map(|r| {
        let b = base.iter().find(|b| number(b) == number(r))?;
        Some(value(r) / value(b))
    }))
}

impl Cell {
    /// Whether there are figures to show.
    pub fn ok(&self) -> bool {
        self.failed.is_none() && !self.rounds.is_empty()
    }

    /// Median requests per second over the rounds.
    pub fn rps(&self) -> f64 {
        if !self.ok() {
            return f64::NAN;
        }
        median(self.rounds.iter().map(|r| r.rps))
    }

    /// Half the range of the rounds' requests per second, relative to the median: how much
    /// the machine drifted while this server ran.
    pub fn rps_spread(&self) -> f64 {
        let rps = self.rps();
        let (lo, hi) = self
            .rounds
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
                (lo.min(r.rps), hi.max(r.rps))
            });
        if rps > 0.0 && lo.is_finite() {
            (hi - lo) / 2.0 / rps
        } else {
            f64::NAN
        }
    }

    /// Median server CPU µs per request over the rounds.
    pub fn cpu_us(&self) -> f64 {
        if !self.ok() {
            return f64::NAN;
        }
        median(self.rounds.iter().map(Round::cpu_us_per_request))
    }

    /// Median over rounds of `self.rps / base.rps` in the same round (drift cancels out).
    pub fn ratio_to(&self, base: &Cell) -> f64 {
        if !self.ok() || !base.ok() {
            return f64::NAN;
        }
        paired_median(&self.rounds, &base.rounds, |r| r.round, |r| r.rps)
    }

    /// Median over rounds of this server's CPU µs/request ÷ `base`'s in the same round: on a
    /// machine whose speed drifts, the pairing cancels what a ratio of medians keeps.
    pub fn cpu_ratio_to(&self, base: &Cell) -> f64 {
        if !self.ok() || !base.ok() {
            return f64::NAN;
        }
        paired_median(
            &self.rounds,
            &base.rounds,
            |r| r.round,
            Round::cpu_us_per_request,
        )
    }

    /// Other work seen on the machine during this server's runs: the median over its wrk
    /// rounds or over its fixed-rate runs, whichever is larger.
    pub fn other_cores(&self) -> f64 {
        let rounds = median(self.rounds.iter().map(|r| r.other_cores));
        let fixed = median(self.latency_rounds.iter().map(|l| l.other_cores));
        match (rounds.is_finite(), fixed.is_finite()) {
            (true, true) => rounds.max(fixed),
            (true, false) => rounds,
            (false, _) => fixed,
        }
    }

    /// The fixed rate, and each percentile's median over the fixed-rate runs.
    pub fn latency(&self) -> Option<(f64, Latency)> {
        if !self.ok() || self.latency_rounds.is_empty() {
            return None;
        }
        let runs = &self.latency_rounds;
        let m = |f: fn(&Latency) -> f64| median(runs.iter().map(|r| f(&r.latency)));
        Some((
            runs[0].rate,
            Latency {
                p50_us: m(|l| l.p50_us),
                p90_us: m(|l| l.p90_us),
                p99_us: m(|l| l.p99_us),
                p999_us: m(|l| l.p999_us),
                max_us: m(|l| l.max_us),
                mean_us: m(|l| l.mean_us),
            },
        ))
    }
}

/// Facts about the run, printed above the table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    /// UTC date and time of the start.
    pub date: String,
    /// The command as typed.
    pub command: String,
    /// `nproc`.
    pub nproc: usize,
    /// `lscpu`'s model name.
    pub cpu_model: String,
    /// `uname -sr`.
    pub kernel: String,
    /// Load averages before the run.
    pub load_before: String,
    /// Load averages after the run.
    pub load_after: String,
    /// `quick` or `full`.
    pub mode: String,
    /// `taskset` list of the servers.
    pub cores_server: String,
    /// `taskset` list of the load generators.
    pub cores_load: String,
    /// Worker threads given to every server.
    pub workers: usize,
    /// wrk rounds per scenario.
    pub rounds: usize,
    /// Seconds per wrk round.
    pub wrk_seconds: u64,
    /// wrk connections.
    pub wrk_connections: usize,
    /// Fixed-rate runs per server and scenario.
    pub latency_rounds: usize,
    /// Seconds of each fixed-rate run.
    pub latency_seconds: f64,
    /// Connections of the fixed-rate runs.
    pub latency_connections: usize,
    /// `wrk -v`.
    pub wrk_version: String,
    /// Wall-clock seconds of the measurement (builds excluded).
    pub elapsed_s: f64,
    /// Cores' worth of CPU used by other work over the whole measurement, on average.
    pub other_cores: f64,
    /// Longest wait for a quiet machine before each run (`--settle`), seconds.
    pub settle_s: f64,
}

fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v >= 100_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The markdown table: one row per scenario and server.
pub fn table(cells: &[Cell], scenarios: &[(String, String)]) -> String {
    let mut out = String::new();
    out.push_str("| scenario | server | req/s (wrk) | ratio to hertz | TP50 µs | TP99 µs | TP999 µs | at req/s | CPU µs/req | CPU ratio | peak RSS MiB | other load |\n");
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (scenario, _title) in scenarios {
        let row_cells: Vec<&Cell> = cells.iter().filter(|c| &c.scenario == scenario).collect();
        let base = row_cells.iter().find(|c| c.ours).copied();
        for cell in &row_cells {
            let name = if cell.ours {
                format!("**{}**", cell.server)
            } else {
                cell.server.clone()
            };
            if let Some(why) = &cell.failed {
                let why = why.replace('|', "/").replace('\n', " ");
                let why: String = why.chars().take(120).collect();
                let _ = writeln!(
                    out,
                    "| {scenario} | {name} | FAILED: {why} | | | | | | | | {} | |",
                    cell.peak_rss_kib
                        .map(|k| format!("{:.1}", k as f64 / 1024.0))
                        .unwrap_or_default()
                );
                continue;
            }
            let vs_base = |ratio: fn(&Cell, &Cell) -> f64| match base {
                Some(b) if b.server == cell.server => "1.00 (base)".to_string(),
                Some(b) => {
                    let r = ratio(cell, b);
                    if r.is_finite() {
                        format!("{r:.2}×")
                    } else {
                        "—".into()
                    }
                }
                None => "—".into(),
            };
            let ratio = vs_base(Cell::ratio_to);
            let cpu_ratio = vs_base(Cell::cpu_ratio_to);
            let (p50, p99, p999, rate) = match cell.latency() {
                Some((rate, l)) => (
                    fmt_num(l.p50_us),
                    fmt_num(l.p99_us),
                    fmt_num(l.p999_us),
                    fmt_num(rate),
                ),
                None => ("—".into(), "—".into(), "—".into(), "—".into()),
            };
            let rss = cell
                .peak_rss_kib
                .map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "—".into());
            let _ = writeln!(
                out,
                "| {scenario} | {name} | {} ±{:.0}% | {ratio} | {p50} | {p99} | {p999} | {rate} | {} | {cpu_ratio} | {rss} | {:.2} |",
                fmt_num(cell.rps()),
                cell.rps_spread() * 100.0,
                fmt_num(cell.cpu_us()),
                cell.other_cores(),
            );
        }
    }
    out
}

/// Other load (cores) above which a row counts as disturbed.
pub const DISTURBED: f64 = 0.25;

/// A warning if other work disturbed some rows, else `None`.
pub fn disturbance(cells: &[Cell]) -> Option<String> {
    let measured: Vec<&Cell> = cells.iter().filter(|c| c.ok()).collect();
    let disturbed = measured
        .iter()
        .filter(|c| c.other_cores() > DISTURBED)
        .count();
    (disturbed > 0).then(|| {
        format!(
            "**Warning:** {disturbed} of {} rows ran while other work used more than {DISTURBED} cores (`other load`); their absolute req/s, latency and CPU figures were disturbed. The same-round ratios are the most robust figures; rerun on a quiet machine (or with `--settle`) for absolute ones.",
            measured.len()
        )
    })
}

/// The whole `report.md`.
pub fn markdown(
    meta: &Meta,
    cells: &[Cell],
    scenarios: &[(String, String)],
    charts: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# hertz-rs benchmark report\n");
    let _ = writeln!(
        out,
        "- date: {} (UTC); measurement took {:.0} s (builds excluded)",
        meta.date, meta.elapsed_s
    );
    let _ = writeln!(out, "- command: `{}`", meta.command);
    let _ = writeln!(
        out,
        "- machine: {} cores (`nproc`), {}, {}",
        meta.nproc, meta.cpu_model, meta.kernel
    );
    let _ = writeln!(
        out,
        "- load average before / after: {} / {}; other work on the machine used {:.2} cores on average during the measurement (the `other load` column: cores' worth of CPU used by anything but the server under test and the load generator, from `/proc/stat`, during that server's runs; figures with a high value were disturbed — take CPU and latency figures as indicative on a shared machine){}",
        meta.load_before,
        meta.load_after,
        meta.other_cores,
        if meta.settle_s > 0.0 {
            format!("; each run waited up to {:.0} s for the machine to be quiet", meta.settle_s)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "- mode: {}; servers on cores `{}` with {} worker thread(s) each, load generators on cores `{}`",
        meta.mode, meta.cores_server, meta.workers, meta.cores_load
    );
    let _ = writeln!(
        out,
        "- req/s: {} ({} connections, {} s per round, {} rounds alternating the servers A B C … A B C …; median, ± half the range of the rounds relative to it)",
        meta.wrk_version, meta.wrk_connections, meta.wrk_seconds, meta.rounds
    );
    let _ = writeln!(
        out,
        "- TP50/TP99/TP999: the harness's own load generator (`loadgen`, HdrHistogram), {} connections at a fixed rate (the `at req/s` column, the same for every server of a scenario: half the slowest server's req/s, capped), {} rounds of {:.1} s alternating the servers, median of each percentile; latency counted from each request's intended send time (coordinated-omission corrected)",
        meta.latency_connections, meta.latency_rounds, meta.latency_seconds
    );
    let _ = writeln!(
        out,
        "- CPU µs/req: server utime+stime (`/proc/PID/stat`, all threads) during the wrk rounds ÷ responses wrk counted; median of the rounds. peak RSS: `VmHWM` at the end of the scenario"
    );
    let _ = writeln!(
        out,
        "- ratio: the peer's req/s ÷ hertz-rs's req/s in the same round, median over rounds (> 1: the peer served more). CPU ratio: the peer's CPU µs/req ÷ hertz-rs's in the same round, median over rounds (> 1: the peer used more CPU per request). hertz-rs is the first `--transports` entry; paired rounds cancel the machine's drift, which a ratio of the medians keeps"
    );
    let _ = writeln!(
        out,
        "- every response is checked (status 200 and the exact body; wrk's Lua `response()` for req/s, the load generator for latency, plus an exact pre-flight check of every request incl. `Server`/`Date`/`Content-Type`); a server with any wrong answer or socket error is FAILED, never fast\n"
    );
    out.push_str("## Results\n\n");
    out.push_str(&table(cells, scenarios));
    out.push('\n');
    if let Some(warning) = disturbance(cells) {
        out.push_str(&warning);
        out.push_str("\n\n");
    }
    out.push_str("Servers: `hertz-<transport>` is this repository (`examples/hello`, `examples/github` for the routed scenario); `hyper` is hyper 1.x `http1` with `pipeline_flush(true)` and matchit; `axum` is axum 0.8; `actix` is actix-web 4; `may` is may-minihttp; `epoll` is the raw epoll responder (finds request ends, canned answers: the machine's and the load generator's speed limit, not a framework).\n\n");
    if !charts.is_empty() {
        out.push_str("## Charts\n\n");
        for chart in charts {
            let _ = writeln!(out, "![{chart}]({chart})\n");
        }
    }
    out
}
