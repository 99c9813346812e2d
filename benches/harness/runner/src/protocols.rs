//! The protocol scenarios, `tls` and `h2`: the plaintext answer over another wire format,
//! hertz-rs on each transport against a hyper 1.x peer.
//!
//! - `tls`: HTTP/1.1 keep-alive over TLS (rustls on both sides of the comparison, the same
//!   certificate, generated here with rcgen), load from wrk over `https` with every answer
//!   checked by `lua/bench.lua`. hertz: `examples/hello --tls-cert --tls-key`; peer:
//!   `peer-hyper-tls` (hyper `http1` + tokio-rustls).
//! - `h2`: HTTP/2 with prior knowledge over cleartext (h2c), load from h2load (`-c` connections
//!   × `-m` streams each). hertz: `examples/hello --h2c`; peer: `peer-hyper-h2` (hyper
//!   `http2`). h2load checks nothing but statuses, so a round passes only when every request
//!   succeeded, every status was 2xx, and the DATA bytes are `13` (`Hello, World!`) per
//!   response done (streams cut off by `-D`'s deadline may add their status, and at most
//!   their 13 bytes).
//!
//! Rounds alternate the servers as in the other scenarios; each round reads the server's
//! CPU time from `/proc` to give CPU µs per request. There is no fixed-rate latency run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::machine;
use crate::report::{Cell, Round};
use crate::scenario::PLAINTEXT_BODY;
use crate::server::{self, Running};
use crate::wrk::{self, WrkConfig};

/// The protocol scenarios' ids.
pub const IDS: [&str; 2] = ["tls", "h2"];

/// h2load's shape: connections, and streams in flight on each.
const H2_CONNECTIONS: usize = 16;
const H2_STREAMS: usize = 16;

/// What the protocol scenarios need from the command line.
pub struct Setup<'a> {
    /// Our transports (`--transports`).
    pub transports: &'a [String],
    /// `taskset` list of the server cores, and its size (worker threads per server).
    pub cores_server: &'a str,
    /// Worker threads per server.
    pub workers: usize,
    /// wrk's settings (load cores, threads, connections, seconds, script).
    pub wrk: &'a WrkConfig<'a>,
    /// Rounds per scenario.
    pub rounds: usize,
    /// First port to use.
    pub base_port: u16,
    /// `examples/hello`.
    pub hello: &'a Path,
    /// The peers' directory.
    pub peers_dir: &'a Path,
    /// The report directory (the certificate and the logs go there).
    pub out: &'a Path,
}

/// A server of a protocol scenario.
struct Spec {
    id: String,
    ours: bool,
    program: PathBuf,
    args: Vec<String>,
}

/// The `(id, title)` of each protocol scenario, for the report.
pub fn titles() -> impl Iterator<Item = (String, String)> {
    IDS.iter().map(|id| {
        let title = match *id {
            "tls" => "plaintext over TLS, HTTP/1.1 keep-alive (wrk)",
            _ => "plaintext over h2c (h2load -c 16 -m 16; req/s from h2load)",
        };
        (id.to_string(), title.to_owned())
    })
}

/// Runs the selected protocol scenarios; returns their cells.
pub fn run(setup: &Setup<'_>, selected: &[&str]) -> Result<Vec<Cell>, String> {
    let (cert, key) = write_certificate(setup.out)?;
    let mut cells = Vec::new();
    for (si, (id, title)) in titles().enumerate() {
        if !selected.contains(&id.as_str()) {
            continue;
        }
        println!("== {title} ({id})");
        let specs = specs(setup, &id, &cert, &key);
        cells.extend(run_scenario(setup, &id, 200 + si as u16 * 16, &specs));
    }
    Ok(cells)
}

fn specs(setup: &Setup<'_>, id: &str, cert: &Path, key: &Path) -> Vec<Spec> {
    let tls_args = vec![
        "--tls-cert".to_owned(),
        cert.display().to_string(),
        "--tls-key".to_owned(),
        key.display().to_string(),
    ];
    let mut specs: Vec<Spec> = setup
        .transports
        .iter()
        .map(|t| {
            let mut args = vec!["--transport".to_owned(), t.clone()];
            match id {
                "tls" => args.extend(tls_args.iter().cloned()),
                _ => args.push("--h2c".to_owned()),
            }
            Spec {
                id: format!("hertz-{t}"),
                ours: true,
                program: setup.hello.to_owned(),
                args,
            }
        })
        .collect();
    let (peer, args) = match id {
        "tls" => ("hyper-tls", tls_args),
        _ => ("hyper-h2", Vec::new()),
    };
    specs.push(Spec {
        id: peer.to_owned(),
        ours: false,
        program: setup.peers_dir.join(format!("peer-{peer}")),
        args,
    });
    specs
}

fn run_scenario(setup: &Setup<'_>, id: &str, port_offset: u16, specs: &[Spec]) -> Vec<Cell> {
    let mut live: Vec<(Option<Running>, Cell)> = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let port = setup.base_port + port_offset + i as u16;
        let mut args = vec![
            "--addr".to_owned(),
            format!("127.0.0.1:{port}"),
            "--workers".to_owned(),
            setup.workers.to_string(),
        ];
        args.extend(spec.args.iter().cloned());
        let log = setup.out.join("logs").join(format!("{id}-{}.log", spec.id));
        let mut cell = Cell {
            scenario: id.to_owned(),
            server: spec.id.clone(),
            ours: spec.ours,
            ..Cell::default()
        };
        let running = match Running::start(&spec.program, &args, setup.cores_server, port, log) {
            Ok(r) => Some(r),
            Err(err) => {
                println!("  {:<12} FAILED to start: {err}", spec.id);
                cell.failed = Some(format!("did not start: {err}"));
                None
            }
        };
        // Pre-flight and warm-up: a short run whose answers must all be right.
        if let (Some(r), None) = (&running, &cell.failed) {
            if let Err(why) = load(setup, id, r.port, true) {
                println!("  {:<12} FAILED: warm-up: {why}", spec.id);
                cell.failed = Some(format!("warm-up: {why}"));
            }
        }
        live.push((running, cell));
    }
    for round in 0..setup.rounds {
        let mut line = format!("  round {}/{}:", round + 1, setup.rounds);
        for (running, cell) in live.iter_mut() {
            let Some(r) = running else { continue };
            if cell.failed.is_some() {
                continue;
            }
            let before = machine::snapshot();
            let cpu0 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
            let result = load(setup, id, r.port, false);
            let cpu1 = server::cpu_seconds(r.pid).unwrap_or(f64::NAN);
            let other = before.other_cores(&machine::snapshot(), cpu1 - cpu0);
            match result.and_then(|done| r.check_alive().map(|()| done)) {
                Ok((requests, rps)) => {
                    line.push_str(&format!(" {} {:.1}k", cell.server, rps / 1000.0));
                    cell.rounds.push(Round {
                        round,
                        rps,
                        requests,
                        cpu_s: cpu1 - cpu0,
                        other_cores: other,
                    });
                }
                Err(why) => {
                    line.push_str(&format!(" {} FAILED", cell.server));
                    cell.failed = Some(format!("round {}: {why}", round + 1));
                }
            }
        }
        println!("{line}");
    }
    live.into_iter()
        .map(|(running, mut cell)| {
            if let Some(mut r) = running {
                cell.peak_rss_kib = server::peak_rss_kib(r.pid);
                r.stop();
            }
            cell
        })
        .collect()
}

/// One load run against `port`: `(responses, requests per second)`, or what was wrong.
fn load(setup: &Setup<'_>, id: &str, port: u16, warm_up: bool) -> Result<(u64, f64), String> {
    match id {
        "tls" => {
            let url = format!("https://127.0.0.1:{port}/");
            let args = ["plaintext".to_owned(), "1".to_owned()];
            let w = wrk::run(setup.wrk, &url, &args)?;
            match w.failure() {
                Some(why) => Err(why),
                None => Ok((w.requests, w.rps())),
            }
        }
        _ => h2load(setup, port, warm_up),
    }
}

/// Runs h2load pinned to the load cores and checks its summary.
fn h2load(setup: &Setup<'_>, port: u16, warm_up: bool) -> Result<(u64, f64), String> {
    let duration = if warm_up {
        1
    } else {
        setup.wrk.duration_s.max(1)
    };
    let out = Command::new("taskset")
        .arg("-c")
        .arg(setup.wrk.cores)
        .arg("h2load")
        .args(["-t", &setup.wrk.threads.to_string()])
        .args(["-c", &H2_CONNECTIONS.to_string()])
        .args(["-m", &H2_STREAMS.to_string()])
        .args(["-D", &duration.to_string()])
        .arg(format!("http://127.0.0.1:{port}/plaintext"))
        .output()
        .map_err(|err| format!("cannot run h2load (apt-get install nghttp2-client): {err}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("h2load failed ({}): {}", out.status, text.trim()));
    }
    let summary = H2Summary::parse(&text)?;
    // With `-D`, streams still open at the deadline may have their status counted but not
    // be done: up to one per stream slot. Everything done must be a 2xx with its 13 bytes.
    let in_flight = (H2_CONNECTIONS * H2_STREAMS) as u64;
    let body = PLAINTEXT_BODY.len() as u64;
    let statuses_fit = summary.status_2xx >= summary.succeeded
        && summary.status_2xx <= summary.succeeded + in_flight
        && summary.other_status == 0;
    let data_fits = summary.data_bytes >= summary.succeeded * body
        && summary.data_bytes <= summary.status_2xx * body;
    if summary.failed + summary.errored + summary.timeout > 0
        || summary.succeeded != summary.done
        || summary.done == 0
        || !statuses_fit
        || !data_fits
    {
        return Err(format!(
            "h2load: {} done, {} succeeded, {} failed, {} errored, {} timeout, {} 2xx, {} other statuses, {} data bytes (expected {} per response)",
            summary.done,
            summary.succeeded,
            summary.failed,
            summary.errored,
            summary.timeout,
            summary.status_2xx,
            summary.other_status,
            summary.data_bytes,
            body
        ));
    }
    Ok((summary.done, summary.rps))
}

/// h2load's summary lines.
#[derive(Debug, Default)]
struct H2Summary {
    rps: f64,
    done: u64,
    succeeded: u64,
    failed: u64,
    errored: u64,
    timeout: u64,
    status_2xx: u64,
    /// 3xx, 4xx and 5xx together.
    other_status: u64,
    data_bytes: u64,
}

impl H2Summary {
    fn parse(text: &str) -> Result<H2Summary, String> {
        let line = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .ok_or_else(|| format!("no {prefix:?} line in h2load's output"))
        };
        let count = |fields: &str, name: &str| -> Result<u64, String> {
            fields
                .split(',')
                .map(str::trim)
                .find_map(|f| f.strip_suffix(name))
                .and_then(|n| n.trim().parse().ok())
                .ok_or_else(|| format!("no {name:?} count in {fields:?}"))
        };
        // "finished in 1.00s, 51234.00 req/s, 1.23MB/s"
        let finished = line("finished in ")?;
        let rps = finished
            .split(',')
            .find_map(|f| f.trim().strip_suffix(" req/s"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no req/s in {finished:?}"))?;
        let requests = line("requests: ")?;
        let statuses = line("status codes: ")?;
        // "traffic: 96.68KB (99000) total, 1.12KB (1150) headers (...), 25.39KB (26000) data"
        let traffic = line("traffic: ")?;
        let data_bytes = traffic
            .split(',')
            .find(|f| f.trim_end().ends_with(" data"))
            .and_then(|f| f.split('(').nth(1))
            .and_then(|f| f.split(')').next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no data bytes in {traffic:?}"))?;
        Ok(H2Summary {
            rps,
            done: count(requests, "done")?,
            succeeded: count(requests, "succeeded")?,
            failed: count(requests, "failed")?,
            errored: count(requests, "errored")?,
            timeout: count(requests, "timeout")?,
            status_2xx: count(statuses, "2xx")?,
            other_status: count(statuses, "3xx")?
                + count(statuses, "4xx")?
                + count(statuses, "5xx")?,
            data_bytes,
        })
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, written as PEM into `out`,
/// shared by every TLS server of the run.
fn write_certificate(out: &Path) -> Result<(PathBuf, PathBuf), String> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let issued = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    let (cert, key) = (out.join("bench-cert.pem"), out.join("bench-key.pem"));
    std::fs::write(&cert, issued.cert.pem()).map_err(|e| format!("{}: {e}", cert.display()))?;
    std::fs::write(&key, issued.key_pair.serialize_pem())
        .map_err(|e| format!("{}: {e}", key.display()))?;
    Ok((cert, key))
}

#[cfg(test)]
mod tests {
    use super::H2Summary;

    #[test]
    fn parses_h2loads_summary() {
        let text = "\
finished in 1.00s, 51234.50 req/s, 1.52MB/s
requests: 51235 total, 51251 started, 51235 done, 51235 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 51235 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 1.52MB (1593000) total, 100.07KB (102470) headers (space savings 95.01%), 650.47KB (666055) data
";
        let s = H2Summary::parse(text).expect("parse");
        assert_eq!(
            (s.done, s.succeeded, s.failed, s.status_2xx),
            (51235, 51235, 0, 51235)
        );
        assert_eq!((s.data_bytes, s.other_status), (666055, 0));
        assert!((s.rps - 51234.5).abs() < 1e-9);
    }
}
