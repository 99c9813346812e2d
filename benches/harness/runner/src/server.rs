//! Starting a server pinned to the server cores, reading its CPU time and peak memory from
//! `/proc`, checking that none of its threads escaped the pinning, and stopping it.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server under test, before it runs.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// Short name: `hertz-tokio`, `hyper`, …
    pub id: String,
    /// Whether this is hertz-rs (drawn distinctly, the denominator of ratios).
    pub ours: bool,
    /// What to run.
    pub program: Program,
}

/// How a server is started.
#[derive(Debug, Clone)]
pub enum Program {
    /// hertz-rs: `examples/hello`, or `examples/github` for the routed scenario.
    Hertz {
        /// `--transport` value.
        transport: String,
        /// The `hello` example binary.
        hello: PathBuf,
        /// The `github` example binary.
        github: PathBuf,
    },
    /// A peer binary of `benches/harness/peers`.
    Peer(PathBuf),
}

impl ServerSpec {
    /// The command line serving `github` (or not) on `port` with `workers` threads.
    pub fn command(
        &self,
        github: bool,
        port: u16,
        workers: usize,
        routes: &Path,
    ) -> (PathBuf, Vec<String>) {
        let mut args = vec![
            "--addr".to_owned(),
            format!("127.0.0.1:{port}"),
            "--workers".to_owned(),
            workers.to_string(),
            "--routes".to_owned(),
            routes.display().to_string(),
        ];
        match &self.program {
            Program::Hertz {
                transport,
                hello,
                github: github_bin,
            } => {
                args.push("--transport".to_owned());
                args.push(transport.clone());
                if github {
                    (github_bin.clone(), args)
                } else {
                    // `hello` has no route file.
                    args.drain(4..6);
                    (hello.clone(), args)
                }
            }
            Program::Peer(binary) => (binary.clone(), args),
        }
    }
}

/// A started server.
pub struct Running {
    child: Child,
    /// Its process id (taskset execs the server, so this is the server itself).
    pub pid: u32,
    /// Where it listens.
    pub port: u16,
    log: PathBuf,
}

/// CPU time of a process, all threads, in seconds (utime + stime).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may contain spaces: ") S ppid …".
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of `rest`.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((utime + stime) as f64 / ticks)
}

/// Peak resident set size (`VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Parses a CPU list (`0`, `0-3`, `0,2-3`).
pub fn parse_cpu_list(list: &str) -> Option<BTreeSet<usize>> {
    let mut set = BTreeSet::new();
    for part in list.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                set.extend(a..=b);
            }
            None => {
                set.insert(part.trim().parse().ok()?);
            }
        }
    }
    (!set.is_empty()).then_some(set)
}

/// Threads of `pid` allowed to run outside `cores` (by name), if any.
pub fn escaped_threads(pid: u32, cores: &BTreeSet<usize>) -> Vec<String> {
    let mut escaped = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return escaped;
    };
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        let name = status
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .unwrap_or("?")
            .trim()
            .to_owned();
        let allowed = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .and_then(parse_cpu_list);
        if let Some(allowed) = allowed {
            if !allowed.is_subset(cores) {
                escaped.push(format!("{name} on {allowed:?}"));
            }
        }
    }
    escaped
}

impl Running {
    /// Starts `program args` under `taskset -c cores` and waits (up to 10 s) until it
    /// accepts connections on `port`. The error says why it did not: its exit status and
    /// the end of its output.
    pub fn start(
        program: &Path,
        args: &[String],
        cores: &str,
        port: u16,
        log: PathBuf,
    ) -> Result<Running, String> {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(format!("port {port} is already in use"));
        }
        let out = File::create(&log).map_err(|err| format!("{}: {err}", log.display()))?;
        let err = out.try_clone().map_err(|err| err.to_string())?;
        let child = Command::new("taskset")
            .arg("-c")
            .arg(cores)
            .arg(program)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", program.display()))?;
        let pid = child.id();
        let mut running = Running {
            child,
            pid,
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = running.child.try_wait() {
                return Err(format!(
                    "exited at start ({status}): {}",
                    running.log_tail()
                ));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(running);
            }
            if Instant::now() > deadline {
                running.stop();
                return Err("did not accept connections within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running; if not, why it stopped.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("died ({status}): {}", self.log_tail())),
            Err(err) => Err(err.to_string()),
        }
    }

    /// The last lines of its output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(3).collect();
        let tail = lines.into_iter().rev().collect::<Vec<_>>().join(" | ");
        if tail.is_empty() {
            "no output".into()
        } else {
            tail
        }
    }

    /// SIGTERM, then SIGKILL after 2 s.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
