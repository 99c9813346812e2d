//! `bench`: the benchmark run. `benches/run.sh` builds everything and calls it; run
//! `bench --help` for the flags.
//!
//! For each scenario: start every server (pinned to the server cores), check each one's
//! answers exactly, warm it up, then run wrk rounds alternating the servers, then one
//! fixed-rate latency run each; record CPU time and peak RSS from `/proc`; stop them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use bench_runner::client_scenario::{self, ClientCell};
use bench_runner::job::{Job, Outcome};
use bench_runner::report::{self, Cell, LatencyRun, Meta, Round};
use bench_runner::scenario::{self, Kind, Scenario};
use bench_runner::server::{self, Program, Running, ServerSpec};
use bench_runner::wrk::{self, WrkConfig};
use bench_runner::{charts, machine, protocols};
use std::time::Duration;

const PEERS: [&str; 5] = ["hyper", "axum", "actix", "may", "epoll"];

const HELP: &str = "\
bench: runs the hertz-rs benchmark (normally through benches/run.sh)

  --quick                 3 rounds x 1 s, latency 3 x 0.2 s, echo at 1 and 64 KiB only
                          (< 3 min)
  --transports LIST       our transports, comma-separated (default: tokio)
  --peers LIST            peers to compare with (default: hyper,axum,actix,may,epoll)
  --scenarios LIST        only these scenario ids (plaintext,pipelined,json,echo-1k,...,github,
                          client: hertz-rs's client against reqwest and hyper-util;
                          tls, h2: HTTPS and HTTP/2 against hyper)
  --cores-server LIST     taskset list for the servers (default: 0)
  --cores-load LIST       taskset list for wrk and loadgen (default: 1)
  --rounds N              wrk rounds per scenario (default: 10, quick 3; at least 3)
  --seconds N             seconds per wrk round (default: 1)
  --latency-rounds N      fixed-rate runs per server (default: 3; at least 3)
  --latency-seconds S     seconds of each fixed-rate run (default: 1, quick 0.2)
  --latency-cap R         highest fixed rate in req/s at depth 1, x4 when pipelined
                          (default: 30000, well inside loadgen's ~100k on one core)
  --connections N         wrk connections (default: 64)
  --settle S              before each run, wait up to S seconds for other work on the
                          machine to drop below 0.1 core (default: 0, do not wait)
  --base-port P           first port (default: 18100)
  --hello PATH --github PATH --peers-dir DIR --loadgen PATH --routes FILE --lua FILE
  --out DIR               report directory (default: target/bench-report)
  --command TEXT          the command line to print in the report
  --replot                only rewrite report.md and the charts from DIR/results.json
";

struct Opts {
    quick: bool,
    transports: Vec<String>,
    peers: Vec<String>,
    scenarios: Option<Vec<String>>,
    cores_server: String,
    cores_load: String,
    rounds: usize,
    seconds: u64,
    latency_rounds: usize,
    latency_seconds: f64,
    latency_cap: f64,
    connections: usize,
    settle: f64,
    base_port: u16,
    hello: PathBuf,
    github: PathBuf,
    peers_dir: PathBuf,
    loadgen: PathBuf,
    routes: PathBuf,
    lua: PathBuf,
    out: PathBuf,
    command: String,
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_opts() -> Result<Opts, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let mut o = Opts {
        quick,
        transports: vec!["tokio".into()],
        peers: PEERS.iter().map(|s| s.to_string()).collect(),
        scenarios: None,
        cores_server: "0".into(),
        cores_load: "1".into(),
        rounds: if quick { 3 } else { 10 },
        seconds: 1,
        latency_rounds: 3,
        latency_seconds: if quick { 0.2 } else { 1.0 },
        latency_cap: 30_000.0,
        connections: 64,
        settle: 0.0,
        base_port: 18100,
        hello: "target/release/examples/hello".into(),
        github: "target/release/examples/github".into(),
        peers_dir: "target/bench-harness/release".into(),
        loadgen: "target/bench-harness/release/loadgen".into(),
        routes: "../shared/data/github-api-routes.tsv".into(),
        lua: "benches/harness/lua/bench.lua".into(),
        out: "target/bench-report".into(),
        command: String::new(),
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" || flag == "--replot" {
            continue;
        }
        if flag == "--help" || flag == "-h" {
            print!("{HELP}");
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<f64>().map_err(|_| format!("bad {flag} {v}"));
        match flag.as_str() {
            "--transports" => o.transports = list(&value),
            "--peers" => o.peers = list(&value),
            "--scenarios" => o.scenarios = Some(list(&value)),
            "--cores-server" => o.cores_server = value,
            "--cores-load" => o.cores_load = value,
            "--rounds" => o.rounds = num(&value)? as usize,
            "--seconds" => o.seconds = num(&value)? as u64,
            "--latency-seconds" => o.latency_seconds = num(&value)?,
            "--latency-rounds" => o.latency_rounds = num(&value)? as usize,
            "--latency-cap" => o.latency_cap = num(&value)?,
            "--connections" => o.connections = num(&value)? as usize,
            "--settle" => o.settle = num(&value)?,
            "--base-port" => o.base_port = num(&value)? as u16,
            "--hello" => o.hello = value.into(),
            "--github" => o.github = value.into(),
            "--peers-dir" => o.peers_dir = value.into(),
            "--loadgen" => o.loadgen = value.into(),
            "--routes" => o.routes = value.into(),
            "--lua" => o.lua = value.into(),
            "--out" => o.out = value.into(),
            "--command" => o.command = value,
            _ => return Err(format!("unknown flag {flag} (see --help)")),
        }
    }
    if o.rounds < 3 || o.latency_rounds < 3 {
        return Err("--rounds and --latency-rounds must be at least 3".into());
    }
    if o.seconds == 0 {
        return Err("--seconds must be at least 1".into());
    }
    if o.transports.is_empty() {
        return Err("--transports is empty".into());
    }
    for peer in &o.peers {
        if !PEERS.contains(&peer.as_str()) {
            return Err(format!("unknown peer {peer}; known: {}", PEERS.join(",")));
        }
    }
    Ok(o)
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Runs `loadgen` pinned to the load cores.
fn run_loadgen(o: &Opts, job: &Job, job_file: &Path) -> Result<Outcome, String> {
    std::fs::write(job_file, serde_json::to_vec(job).expect("job")).map_err(|e| e.to_string())?;
    let out = Command::new("taskset")
        .arg("-c")
        .arg(&o.cores_load)
        .arg(&o.loadgen)
        .arg(job_file)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", o.loadgen.display()))?;
    if !out.status.success() {
        return Err(format!(
            "loadgen: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("loadgen output: {e}"))
}

fn describe_failure(outcome: &Outcome) -> String {
    format!(
        "{} of {} wrong or lost: {}",
        outcome.failed,
        outcome.sent,
        outcome.problems.join("; ")
    )
}

struct Live {
    spec: ServerSpec,
    running: Option<Running>,
}

fn main() -> ExitCode {
    let o = match parse_opts() {
        Ok(o) => o,
        Err(err) => {
            eprintln!("bench: {err}");
            return ExitCode::from(2);
        }
    };
    let result = if std::env::args().any(|a| a == "--replot") {
        replot(&o)
    } else {
        run(&o)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Waits (up to `--settle` seconds) for other work on the machine to calm down.
fn settle(o: &Opts) {
    if o.settle > 0.0 {
        machine::settle(Duration::from_secs_f64(o.settle), 0.1);
    }
}

fn run(o: &Opts) -> Result<(), String> {
    let started = Instant::now();
    let start_cpu = machine::snapshot();
    let nproc = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize;
    let server_cores = server::parse_cpu_list(&o.cores_server)
        .ok_or_else(|| format!("bad --cores-server {}", o.cores_server))?;
    let load_cores = server::parse_cpu_list(&o.cores_load)
        .ok_or_else(|| format!("bad --cores-load {}", o.cores_load))?;
    if !server_cores.is_disjoint(&load_cores) {
        return Err("--cores-server and --cores-load overlap".into());
    }
    if server_cores
        .iter()
        .chain(load_cores.iter())
        .any(|c| *c >= nproc)
    {
        return Err(format!(
            "a core number is beyond this machine's {nproc} cores"
        ));
    }
    let workers = server_cores.len();
    let routes = scenario::read_routes(&o.routes)?;
    let routes_abs = std::fs::canonicalize(&o.routes).map_err(|e| e.to_string())?;
    let lua = std::fs::canonicalize(&o.lua).map_err(|e| format!("{}: {e}", o.lua.display()))?;
    std::fs::create_dir_all(o.out.join("logs")).map_err(|e| e.to_string())?;

    let want_clients = o
        .scenarios
        .as_ref()
        .is_none_or(|only| only.iter().any(|s| s == client_scenario::ID));
    let mut scenarios = scenario::all(o.quick);
    let mut protocol_ids: Vec<&str> = protocols::IDS.to_vec();
    if let Some(only) = &o.scenarios {
        scenarios.retain(|s| only.contains(&s.id));
        protocol_ids.retain(|id| only.iter().any(|s| s == id));
        if scenarios.is_empty() && protocol_ids.is_empty() && !want_clients {
            return Err("--scenarios selects nothing".into());
        }
    }
    let mut specs: Vec<ServerSpec> = o
        .transports
        .iter()
        .map(|t| ServerSpec {
            id: format!("hertz-{t}"),
            ours: true,
            program: Program::Hertz {
                transport: t.clone(),
                hello: o.hello.clone(),
                github: o.github.clone(),
            },
        })
        .collect();
    for peer in &o.peers {
        specs.push(ServerSpec {
            id: peer.clone(),
            ours: false,
            program: Program::Peer(o.peers_dir.join(format!("peer-{peer}"))),
        });
    }

    let mut meta = Meta {
        date: sh("date", &["-u", "+%Y-%m-%d %H:%M"]),
        command: o.command.clone(),
        nproc,
        cpu_model: sh("lscpu", &[])
            .lines()
            .find_map(|l| l.strip_prefix("Model name:"))
            .unwrap_or("?")
            .trim()
            .to_owned(),
        kernel: sh("uname", &["-sr"]),
        load_before: load_average(),
        mode: if o.quick {
            "quick".into()
        } else {
            "full".into()
        },
        cores_server: o.cores_server.clone(),
        cores_load: o.cores_load.clone(),
        workers,
        rounds: o.rounds,
        wrk_seconds: o.seconds,
        wrk_connections: o.connections,
        latency_rounds: o.latency_rounds,
        latency_seconds: o.latency_seconds,
        latency_connections: 32,
        wrk_version: wrk::version(),
        settle_s: o.settle,
        ..Meta::default()
    };
    println!(
        "hertz-rs benchmark ({}): {} scenarios x {} servers; servers on cores {} ({} worker(s)), load on cores {}; load average {}",
        meta.mode,
        scenarios.len() + protocol_ids.len() + usize::from(want_clients),
        specs.len(),
        o.cores_server,
        workers,
        o.cores_load,
        meta.load_before
    );

    let wrk_cfg = WrkConfig {
        cores: &o.cores_load,
        threads: load_cores.len(),
        connections: o.connections,
        duration_s: o.seconds,
        script: &lua,
    };
    let job_file = o.out.join("logs").join("job.json");
    let mut cells: Vec<Cell> = Vec::new();

    for (si, sc) in scenarios.iter().enumerate() {
        println!("== {} ({})", sc.title, sc.id);
        let exchanges = sc.exchanges(&routes);
        let mut live: Vec<Live> = Vec::new();
        let mut sc_cells: Vec<Cell> = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let port = o.base_port + (si * 16 + i) as u16;
            let (program, args) =
                spec.command(sc.needs_github_example(), port, workers, &routes_abs);
            let log = o
                .out
                .join("logs")
                .join(format!("{}-{}.log", sc.id, spec.id));
            let mut cell = Cell {
                scenario: sc.id.clone(),
                server: spec.id.clone(),
                ours: spec.ours,
                ..Cell::default()
            };
            let running = match Running::start(&program, &args, &o.cores_server, port, log) {
                Ok(r) => Some(r),
                Err(err) => {
                    println!("  {:<12} FAILED to start: {err}", spec.id);
                    cell.failed = Some(format!("did not start: {err}"));
                    None
                }
            };
            live.push(Live {
                spec: spec.clone(),
                running,
            });
            sc_cells.push(cell);
        }

        // Pre-flight: every request once or more, answers compared exactly (headers too);
        // then a closed-loop warm-up.
        for (l, cell) in live.iter_mut().zip(sc_cells.iter_mut()) {
            let Some(r) = &l.running else { continue };
            let addr = format!("127.0.0.1:{}", r.port);
            let check = Job {
                addr: addr.clone(),
                connections: 1,
                depth: sc.depth,
                rate: 0.0,
                duration_ms: 5_000,
                max_requests: (exchanges.len() * 2).max(64) as u64,
                exchanges: exchanges.clone(),
                check_headers: true,
            };
            let warm = Job {
                connections: 16,
                duration_ms: if o.quick { 100 } else { 1000 },
                max_requests: 0,
                check_headers: false,
                ..check.clone()
            };
            for (what, job) in [("pre-flight check", &check), ("warm-up", &warm)] {
                match run_loadgen(o, job, &job_file) {
                    Ok(out) if out.failed == 0 && out.ok > 0 => {}
                    Ok(out) => {
                        cell.failed = Some(format!("{what}: {}", describe_failure(&out)));
                        break;
                    }
                    Err(err) => {
                        cell.failed = Some(format!("{what}: {err}"));
                        break;
                    }
                }
            }
            if cell.failed.is_none() {
                let escaped = server::escaped_threads(r.pid, &server_cores);
                if !escaped.is_empty() {
                    cell.failed = Some(format!(
                        "threads outside the server cores: {}",
                        escaped.join(", ")
                    ));
                }
            }
            if let Some(why) = &cell.failed {
                println!("  {:<12} FAILED: {why}", l.spec.id);
            }
        }

        // wrk rounds, alternating the servers.
        for round in 0..o.rounds {
            let mut line = format!("  round {}/{}:", round + 1, o.rounds);
            for (l, cell) in live.iter_mut().zip(sc_cells.iter_mut()) {
                let Some(r) = &mut l.running else { continue };
                if cell.failed.is_some() {
                    continue;
                }
                let url = format!("http://127.0.0.1:{}/", r.port);
                settle(o);
                let before = machine::snapshot();
                let cpu0 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
                let result = wrk::run(&wrk_cfg, &url, &sc.wrk_args(&routes_abs));
                let cpu1 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
                let other = before.other_cores(&machine::snapshot(), cpu1 - cpu0);
                let outcome = result.and_then(|w| match w.failure() {
                    Some(why) => Err(why),
                    None => Ok(w),
                });
                let outcome = outcome.and_then(|w| r.check_alive().map(|()| w));
                match outcome {
                    Ok(w) => {
                        line.push_str(&format!(" {} {:.1}k", l.spec.id, w.rps() / 1000.0));
                        cell.rounds.push(Round {
                            round,
                            rps: w.rps(),
                            requests: w.requests,
                            cpu_s: cpu1 - cpu0,
                            other_cores: other,
                        });
                    }
                    Err(why) => {
                        line.push_str(&format!(" {} FAILED", l.spec.id));
                        println!("  {:<12} FAILED in round {}: {why}", l.spec.id, round + 1);
                        cell.failed = Some(format!("round {}: {why}", round + 1));
                    }
                }
            }
            println!("{line}");
        }

        // Fixed-rate latency: the same rate for every server, half the slowest one's req/s.
        let slowest = sc_cells
            .iter()
            .filter(|c| c.ok())
            .map(|c| c.rps())
            .fold(f64::INFINITY, f64::min);
        if slowest.is_finite() {
            let cap = o.latency_cap * if sc.depth > 1 { 4.0 } else { 1.0 };
            let rate = (slowest * 0.5).min(cap).round().max(100.0);
            for round in 0..o.latency_rounds {
                let mut line = format!(
                    "  latency {}/{} at {rate:.0} req/s (TP99 µs):",
                    round + 1,
                    o.latency_rounds
                );
                for (l, cell) in live.iter_mut().zip(sc_cells.iter_mut()) {
                    let Some(r) = &mut l.running else { continue };
                    if cell.failed.is_some() {
                        continue;
                    }
                    let job = Job {
                        addr: format!("127.0.0.1:{}", r.port),
                        connections: meta.latency_connections,
                        depth: sc.depth,
                        rate,
                        duration_ms: (o.latency_seconds * 1000.0) as u64,
                        max_requests: 0,
                        exchanges: exchanges.clone(),
                        check_headers: false,
                    };
                    settle(o);
                    let before = machine::snapshot();
                    let cpu0 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
                    let outcome = run_loadgen(o, &job, &job_file);
                    let cpu1 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
                    let other = before.other_cores(&machine::snapshot(), cpu1 - cpu0);
                    let outcome = outcome.and_then(|out| r.check_alive().map(|()| out));
                    match outcome {
                        Ok(out) if out.failed == 0 && out.ok > 0 => {
                            line.push_str(&format!(" {} {:.0}", l.spec.id, out.latency.p99_us));
                            cell.latency_rounds.push(LatencyRun {
                                round,
                                rate,
                                achieved_rps: out.achieved_rps,
                                cpu_us_per_request: (cpu1 - cpu0) * 1e6 / out.ok as f64,
                                other_cores: other,
                                latency: out.latency,
                            });
                        }
                        Ok(out) => {
                            cell.failed =
                                Some(format!("fixed-rate run: {}", describe_failure(&out)));
                            line.push_str(&format!(" {} FAILED", l.spec.id));
                        }
                        Err(err) => {
                            cell.failed = Some(format!("fixed-rate run: {err}"));
                            line.push_str(&format!(" {} FAILED", l.spec.id));
                        }
                    }
                }
                println!("{line}");
            }
        }

        for (l, cell) in live.iter_mut().zip(sc_cells.iter_mut()) {
            if let Some(r) = &mut l.running {
                cell.peak_rss_kib = server::peak_rss_kib(r.pid);
                if cell.failed.is_none() {
                    if let Err(why) = r.check_alive() {
                        cell.failed = Some(why);
                    }
                }
                r.stop();
            }
        }
        cells.extend(sc_cells);
    }

    if !protocol_ids.is_empty() {
        let setup = protocols::Setup {
            transports: &o.transports,
            cores_server: &o.cores_server,
            workers,
            wrk: &wrk_cfg,
            rounds: o.rounds,
            base_port: o.base_port,
            hello: &o.hello,
            peers_dir: &o.peers_dir,
            out: &o.out,
        };
        cells.extend(protocols::run(&setup, &protocol_ids)?);
    }

    let clients = if want_clients {
        println!("== client: GET /plaintext, hertz-rs's client against reqwest and hyper-util");
        client_scenario::run(&client_scenario::Config {
            bin_dir: o.peers_dir.clone(),
            cores_server: o.cores_server.clone(),
            cores_load: o.cores_load.clone(),
            workers,
            rounds: o.rounds,
            warmup: Duration::from_millis(if o.quick { 300 } else { 500 }),
            duration: Duration::from_secs(o.seconds),
            tasks: 64,
            // Past the server scenarios' ports (16 per scenario).
            port: o.base_port + 256,
            logs: o.out.join("logs"),
            settle: Duration::from_secs_f64(o.settle),
        })
    } else {
        Vec::new()
    };

    meta.load_after = load_average();
    meta.other_cores = start_cpu.other_cores(&machine::snapshot(), 0.0);
    meta.elapsed_s = started.elapsed().as_secs_f64();
    let servers: Vec<(String, bool)> = specs.iter().map(|s| (s.id.clone(), s.ours)).collect();
    write_report(o, &meta, &cells, &clients, &scenarios, &servers)
}

/// `--replot`: the report and charts again, from `results.json`.
fn replot(o: &Opts) -> Result<(), String> {
    let file = o.out.join("results.json");
    let text = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    #[derive(serde::Deserialize)]
    struct Saved {
        meta: Meta,
        cells: Vec<Cell>,
        #[serde(default)]
        clients: Vec<ClientCell>,
    }
    let saved: Saved = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    let mut scenarios = scenario::all(false);
    scenarios.retain(|s| saved.cells.iter().any(|c| c.scenario == s.id));
    let mut servers: Vec<(String, bool)> = Vec::new();
    for cell in &saved.cells {
        if !servers.iter().any(|(id, _)| id == &cell.server) {
            servers.push((cell.server.clone(), cell.ours));
        }
    }
    write_report(
        o,
        &saved.meta,
        &saved.cells,
        &saved.clients,
        &scenarios,
        &servers,
    )
}

/// Writes `results.json`, the charts and `report.md`, and prints the table.
fn write_report(
    o: &Opts,
    meta: &Meta,
    cells: &[Cell],
    clients: &[ClientCell],
    scenarios: &[Scenario],
    servers: &[(String, bool)],
) -> Result<(), String> {
    let mut titles: Vec<(String, String)> = scenarios
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    titles.extend(protocols::titles().filter(|(id, _)| cells.iter().any(|c| &c.scenario == id)));

    // Charts: one per scenario, echo sizes together as lines.
    let mut chart_files = Vec::new();
    let mut chart_errors = Vec::new();
    let mut seen = BTreeSet::new();
    for sc in scenarios {
        if !seen.insert(sc.chart().to_owned()) {
            continue;
        }
        let result = if sc.kind == Kind::Echo {
            let echo: Vec<&Cell> = cells
                .iter()
                .filter(|c| c.scenario.starts_with("echo-"))
                .collect();
            let size_of = |c: &Cell| -> Option<f64> {
                scenarios
                    .iter()
                    .find(|s| s.id == c.scenario)
                    .map(|s| s.echo_size as f64 / 1024.0)
            };
            charts::echo_lines(&o.out, &echo, servers, &size_of)
        } else {
            let mine: Vec<&Cell> = cells.iter().filter(|c| c.scenario == sc.id).collect();
            charts::bars(&o.out, &sc.id, &sc.title, &mine)
        };
        match result {
            Ok(file) => chart_files.push(file),
            Err(err) => chart_errors.push(format!("{}: {err}", sc.chart())),
        }
    }
    let client_chart = if clients.is_empty() {
        None
    } else {
        match client_scenario::chart(&o.out, clients) {
            Ok(file) => Some(file),
            Err(err) => {
                chart_errors.push(format!("{}: {err}", client_scenario::ID));
                None
            }
        }
    };
    for err in &chart_errors {
        eprintln!("bench: chart {err}");
    }

    let results = serde_json::json!({ "meta": meta, "cells": cells, "clients": clients });
    std::fs::write(
        o.out.join("results.json"),
        serde_json::to_vec_pretty(&results).expect("json"),
    )
    .map_err(|e| e.to_string())?;
    let mut md = report::markdown(meta, cells, &titles, &chart_files);
    if !clients.is_empty() {
        md.push_str(&client_scenario::markdown(
            clients,
            meta.rounds,
            client_chart.as_deref(),
        ));
    }
    chart_files.extend(client_chart);
    std::fs::write(o.out.join("report.md"), &md).map_err(|e| e.to_string())?;

    println!();
    if !cells.is_empty() {
        println!("{}", report::table(cells, &titles));
    }
    if !clients.is_empty() {
        println!("{}", client_scenario::table(clients));
    }
    if let Some(warning) = report::disturbance(cells) {
        println!("{}\n", warning.replace("**", ""));
    }
    println!(
        "date {} UTC, {} cores ({}), load average before {} after {}; {:.0} s",
        meta.date, meta.nproc, meta.cpu_model, meta.load_before, meta.load_after, meta.elapsed_s
    );
    println!(
        "report: {}  (charts: {})",
        o.out.join("report.md").display(),
        chart_files.join(", ")
    );
    Ok(())
}
