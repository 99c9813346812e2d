//! The `client` scenario: hertz-rs's client (twice: `do_` with reused buffers, and `get`)
//! against reqwest and hyper-util's client, all calling the same server (the raw epoll
//! responder, so that the client's cost dominates).
//!
//! One round runs each client driver (`benches/harness/clients`) once, pinned to the load
//! cores, in turn: A B C A B C … Each driver warms up, then measures its answers and its
//! own CPU time ([`ClientOutcome`]). The figures: req/s, client CPU µs per request, and
//! that CPU figure's same-round ratio to reqwest's and to hyper-util's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::charts::{bar_panel, err, Metric};
use crate::client_job::ClientOutcome;
use crate::machine;
use crate::report::{paired_median, Cell, Round};
use crate::server::Running;

/// The scenario's id in `--scenarios`, tables and file names.
pub const ID: &str = "client";

/// The clients: (driver name, display name, whether it is hertz-rs's).
pub const CLIENTS: [(&str, &str, bool); 4] = [
    ("hertz", "hertz-client", true),
    ("hertz-get", "hertz-client get", true),
    ("reqwest", "reqwest", false),
    ("hyper", "hyper-util", false),
];

/// One round of one client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRound {
    /// Round number (0-based); the same number is one pass over every client.
    pub round: usize,
    /// What the driver measured.
    pub outcome: ClientOutcome,
    /// Cores' worth of CPU used by other work on the machine meanwhile.
    pub other_cores: f64,
}

/// Everything measured for one client.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientCell {
    /// Display name: `hertz-client`, `hertz-client get`, `reqwest`, `hyper-util`.
    pub client: String,
    /// Whether this is hertz-rs's client.
    pub ours: bool,
    /// Why it failed (it then has no figures).
    pub failed: Option<String>,
    /// Its rounds.
    pub rounds: Vec<ClientRound>,
}

impl ClientCell {
    fn ok(&self) -> bool {
        self.failed.is_none() && !self.rounds.is_empty()
    }

    /// The cell as the server scenarios' [`Cell`], for the medians and the chart.
    fn as_cell(&self) -> Cell {
        Cell {
            scenario: ID.to_owned(),
            server: self.client.clone(),
            ours: self.ours,
            failed: self.failed.clone(),
            rounds: self
                .rounds
                .iter()
                .map(|r| Round {
                    round: r.round,
                    rps: r.outcome.rps(),
                    requests: r.outcome.requests,
                    cpu_s: r.outcome.cpu_s,
                    other_cores: r.other_cores,
                })
                .collect(),
            ..Cell::default()
        }
    }

    /// Median over rounds of this client's CPU µs/request ÷ `base`'s in the same round.
    fn cpu_ratio_to(&self, base: &ClientCell) -> f64 {
        if !self.ok() || !base.ok() {
            return f64::NAN;
        }
        paired_median(
            &self.rounds,
            &base.rounds,
            |r| r.round,
            |r| r.outcome.cpu_us_per_request(),
        )
    }

    /// Dials and kept sockets over the rounds, e.g. `64 / 64 of 64`: the most dials any
    /// round made, and the fewest sockets kept through a measured window of the most open.
    fn connections(&self) -> String {
        let dials = self.rounds.iter().filter_map(|r| r.outcome.dials).max();
        let kept = self.rounds.iter().map(|r| r.outcome.sockets_kept).min();
        let open = self
            .rounds
            .iter()
            .map(|r| r.outcome.sockets_start.max(r.outcome.sockets_end))
            .max();
        let dials = dials.map_or("—".to_owned(), |d| d.to_string());
        match (kept, open) {
            (Some(kept), Some(open)) => format!("{dials} / {kept} of {open}"),
            _ => format!("{dials} / —"),
        }
    }
}

/// How to run the scenario.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the `client-*` drivers and `peer-epoll` are.
    pub bin_dir: PathBuf,
    /// `taskset` list for the server.
    pub cores_server: String,
    /// `taskset` list for the clients.
    pub cores_load: String,
    /// Worker threads of the server.
    pub workers: usize,
    /// Rounds (each client once per round).
    pub rounds: usize,
    /// Warm-up of each run.
    pub warmup: Duration,
    /// Measured window of each run.
    pub duration: Duration,
    /// Tasks sharing each client.
    pub tasks: usize,
    /// The server's port.
    pub port: u16,
    /// Where the server's log goes.
    pub logs: PathBuf,
    /// Before each run, wait up to this long for a quiet machine (0: do not wait).
    pub settle: Duration,
}

/// Runs one driver pinned to the load cores and reads its outcome.
fn run_driver(cfg: &Config, driver: &str) -> Result<ClientOutcome, String> {
    let program = cfg.bin_dir.join(format!("client-{driver}"));
    let out = Command::new("taskset")
        .arg("-c")
        .arg(&cfg.cores_load)
        .arg(&program)
        .args(["--addr", &format!("127.0.0.1:{}", cfg.port)])
        .args(["--tasks", &cfg.tasks.to_string()])
        .args(["--warmup-ms", &cfg.warmup.as_millis().to_string()])
        .args(["--duration-ms", &cfg.duration.as_millis().to_string()])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let outcome: ClientOutcome =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("driver output: {e}"))?;
    if outcome.errors > 0 {
        return Err(format!(
            "{} wrong answers or failed calls: {}",
            outcome.errors,
            outcome.problems.join("; ")
        ));
    }
    if outcome.requests == 0 {
        return Err("no answers in the measured window".into());
    }
    Ok(outcome)
}

/// Runs the scenario: starts the epoll responder, alternates the clients for the rounds,
/// stops the server. A client that fails once is FAILED, with the reason.
pub fn run(cfg: &Config) -> Vec<ClientCell> {
    let mut cells: Vec<ClientCell> = CLIENTS
        .iter()
        .map(|(_, name, ours)| ClientCell {
            client: (*name).to_owned(),
            ours: *ours,
            ..ClientCell::default()
        })
        .collect();
    let server = cfg.bin_dir.join("peer-epoll");
    let args = [
        "--addr".to_owned(),
        format!("127.0.0.1:{}", cfg.port),
        "--workers".to_owned(),
        cfg.workers.to_string(),
    ];
    let log = cfg.logs.join(format!("{ID}-epoll.log"));
    let mut running = match Running::start(&server, &args, &cfg.cores_server, cfg.port, log) {
        Ok(r) => r,
        Err(why) => {
            println!("  the epoll responder did not start: {why}");
            for cell in &mut cells {
                cell.failed = Some(format!("server did not start: {why}"));
            }
            return cells;
        }
    };
    for round in 0..cfg.rounds {
        let mut line = format!("  round {}/{}:", round + 1, cfg.rounds);
        for ((driver, _, _), cell) in CLIENTS.iter().zip(cells.iter_mut()) {
            if cell.failed.is_some() {
                continue;
            }
            if !cfg.settle.is_zero() {
                machine::settle(cfg.settle, 0.1);
            }
            let before = machine::snapshot();
            let cpu0 = crate::server::cpu_seconds(running.pid).unwrap_or(f64::NAN);
            let outcome = run_driver(cfg, driver);
            let cpu1 = crate::server::cpu_seconds(running.pid).unwrap_or(f64::NAN);
            let other = before.other_cores(&machine::snapshot(), cpu1 - cpu0);
            match outcome.and_then(|o| running.check_alive().map(|()| o)) {
                Ok(outcome) => {
                    let _ = write!(
                        line,
                        " {} {:.1}k {:.1} µs",
                        cell.client,
                        outcome.rps() / 1000.0,
                        outcome.cpu_us_per_request()
                    );
                    cell.rounds.push(ClientRound {
                        round,
                        outcome,
                        other_cores: other,
                    });
                }
                Err(why) => {
                    let _ = write!(line, " {} FAILED", cell.client);
                    println!("  {:<12} FAILED in round {}: {why}", cell.client, round + 1);
                    cell.failed = Some(format!("round {}: {why}", round + 1));
                }
            }
        }
        println!("{line}");
    }
    running.stop();
    cells
}

/// The markdown table of the client scenario.
pub fn table(cells: &[ClientCell]) -> String {
    let mut out = String::new();
    out.push_str("| client | req/s | client CPU µs/req | CPU ratio to reqwest | CPU ratio to hyper-util | dials / sockets kept of open | other load |\n");
    out.push_str("|---|--:|--:|--:|--:|--:|--:|\n");
    let by_name = |name: &str| cells.iter().find(|c| c.client == name);
    for cell in cells {
        let name = if cell.ours {
            format!("**{}**", cell.client)
        } else {
            cell.client.clone()
        };
        if let Some(why) = &cell.failed {
            let why: String = why.replace(['|', '\n'], " ").chars().take(160).collect();
            let _ = writeln!(out, "| {name} | FAILED: {why} | | | | | |");
            continue;
        }
        let ratio = |base: &str| match by_name(base) {
            Some(b) if b.client == cell.client => "1.00 (base)".to_owned(),
            Some(b) => {
                let r = cell.cpu_ratio_to(b);
                if r.is_finite() {
                    format!("{r:.2}×")
                } else {
                    "—".to_owned()
                }
            }
            None => "—".to_owned(),
        };
        let c = cell.as_cell();
        let _ = writeln!(
            out,
            "| {name} | {:.1}k ±{:.0}% | {:.2} | {} | {} | {} | {:.2} |",
            c.rps() / 1000.0,
            c.rps_spread() * 100.0,
            c.cpu_us(),
            ratio("reqwest"),
            ratio("hyper-util"),
            cell.connections(),
            c.other_cores(),
        );
    }
    out
}

/// The section of `report.md`: the method, the table, the chart.
pub fn markdown(cells: &[ClientCell], rounds: usize, chart: Option<&str>) -> String {
    let tasks = cells
        .iter()
        .flat_map(|c| c.rounds.first())
        .map(|r| r.outcome.tasks)
        .next()
        .unwrap_or(0);
    let mut out = String::new();
    out.push_str("## Client: hertz-rs's client against reqwest and hyper-util\n\n");
    let _ = writeln!(
        out,
        "Each client on a current-thread tokio runtime, {tasks} tasks sharing it, each looping `GET /plaintext` (status and body checked exactly) against the raw epoll responder on the server cores; the client pinned to the load cores. `hertz-client`: `Client::do_` with each task's `Request`/`Response` reused (Hertz's caller-owned buffers); `hertz-client get`: `client.get(&ctx, url)`, a new `Response` per call; reqwest 0.12: `client.get(url).send()` + `bytes()`; hyper-util: the legacy pooled `Client`, `request()` + `collect()`. {rounds} rounds alternating the clients; per round a warm-up, then the measured window. req/s: answers ÷ window, median (± half the range). Client CPU µs/req: the client process's utime+stime (`getrusage`) in the window ÷ answers, median. Ratios: the client's CPU µs/req ÷ the other's in the same round, median (< 1: cheaper). dials: connections the client dialed per run (hertz-client's `stats().dials`, a counting connector for hyper-util; reqwest does not count); sockets kept: TCP sockets open both when the window began and when it ended (the same inodes), of the most open — equal means the pool kept its connections.\n"
    );
    out.push_str(&table(cells));
    out.push('\n');
    if let Some(chart) = chart {
        let _ = writeln!(out, "![{chart}]({chart})\n");
    }
    out
}

const CLIENT_METRICS: [Metric; 2] = [
    Metric {
        title: "throughput, 64 tasks on one client thread — higher is better",
        y_label: "requests/s",
        value: Cell::rps,
    },
    Metric {
        title: "client CPU per request — lower is better",
        y_label: "client CPU µs per request",
        value: Cell::cpu_us,
    },
];

/// `<dir>/client.svg`: req/s and client CPU µs/request as bars. Returns the file name.
pub fn chart(dir: &Path, cells: &[ClientCell]) -> Result<String, String> {
    let name = format!("{ID}.svg");
    let path = dir.join(&name);
    let as_cells: Vec<Cell> = cells.iter().map(ClientCell::as_cell).collect();
    let refs: Vec<&Cell> = as_cells.iter().collect();
    let root = SVGBackend::new(&path, (900, 400)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(
            "client: GET /plaintext against the epoll responder — hertz-rs in orange",
            ("sans-serif", 18),
        )
        .map_err(err)?;
    for (area, metric) in root.split_evenly((1, 2)).iter().zip(CLIENT_METRICS.iter()) {
        bar_panel(area, metric, &refs, "client")?;
    }
    root.present().map_err(err)?;
    Ok(name)
}
