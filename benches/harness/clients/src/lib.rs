//! The client scenario's drivers: one small binary per HTTP client (`client-hertz`,
//! `client-reqwest`, `client-hyper`), all built on [`drive`].
//!
//! Each binary makes one client on a current-thread tokio runtime and spawns `--tasks`
//! tasks that share it, each looping `GET /plaintext` against `--addr` and checking every
//! answer exactly ([`check`]). After `--warmup-ms` it measures for `--duration-ms`: answers,
//! the process's CPU time (`getrusage(RUSAGE_SELF)`) and the TCP sockets it holds; then it
//! stops the tasks and prints a [`ClientOutcome`] as JSON. `bench` runs it pinned to the
//! load cores against the raw epoll responder on the server cores, so the client's own
//! cost is what differs between the binaries.
//!
//! ```text
//! client-hertz --addr 127.0.0.1:18400 --tasks 64 --warmup-ms 300 --duration-ms 1000
//! ```

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use bench_runner::client_job::ClientOutcome;

/// The body `/plaintext` must answer.
pub const PLAINTEXT_BODY: &[u8] = b"Hello, World!";

/// How many failures are described in the outcome.
const PROBLEMS_KEPT: usize = 5;

/// The command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// `127.0.0.1:PORT` of the server.
    pub addr: String,
    /// Tasks sharing the client.
    pub tasks: usize,
    /// Warm-up before the measured window.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args {
            addr: String::new(),
            tasks: 64,
            warmup: Duration::from_millis(300),
            duration: Duration::from_millis(1000),
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let num = |v: &str| v.parse::<u64>().map_err(|_| format!("bad {flag} {v}"));
            match flag.as_str() {
                "--addr" => args.addr = value,
                "--tasks" => args.tasks = num(&value)? as usize,
                "--warmup-ms" => args.warmup = Duration::from_millis(num(&value)?),
                "--duration-ms" => args.duration = Duration::from_millis(num(&value)?),
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        if args.addr.is_empty() {
            return Err("--addr 127.0.0.1:PORT is required".into());
        }
        if args.tasks == 0 || args.duration.is_zero() {
            return Err("--tasks and --duration-ms must be above 0".into());
        }
        Ok(args)
    }

    /// The URL every task requests.
    pub fn url(&self) -> String {
        format!("http://{}/plaintext", self.addr)
    }
}

/// What the tasks share: whether to go on, and the count of right and wrong answers.
#[derive(Debug, Default)]
pub struct Tally {
    stop: AtomicBool,
    ok: AtomicU64,
    errors: AtomicU64,
    problems: Mutex<Vec<String>>,
}

impl Tally {
    /// Whether the tasks should send another request.
    pub fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    /// Counts one answer (or failed call).
    pub fn record(&self, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(why) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                let mut problems = self.problems.lock().unwrap_or_else(PoisonError::into_inner);
                if problems.len() < PROBLEMS_KEPT {
                    problems.push(why);
                }
            }
        }
    }
}

/// Checks one answer: status 200 and the body exactly `Hello, World!`.
pub fn check(status: u16, body: &[u8]) -> Result<(), String> {
    if status != 200 {
        return Err(format!("status {status}, expected 200"));
    }
    if body != PLAINTEXT_BODY {
        return Err(format!(
            "body {:?}, expected {:?}",
            String::from_utf8_lossy(body),
            String::from_utf8_lossy(PLAINTEXT_BODY)
        ));
    }
    Ok(())
}

/// The tasks a binary spawned, and how to read its client's dial count.
pub struct Driver {
    /// The spawned tasks; they end once [`Tally::running`] turns false.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Connections dialed so far, if the client counts them.
    pub dials: Box<dyn Fn() -> Option<u64>>,
}

/// CPU seconds of this process, all threads.
fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is given, which is a valid, owned,
    // zero-initialised `rusage` (all-zero is a valid value for its integer fields).
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The inodes of the sockets this process holds open (`/proc/self/fd`), but those in
/// `inherited` (opened before the client existed, e.g. a socket as stdout).
fn socket_inodes(inherited: &BTreeSet<u64>) -> BTreeSet<u64> {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return BTreeSet::new();
    };
    fds.flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            target
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .filter(|inode| !inherited.contains(inode))
        .collect()
}

/// The whole run of one client binary: parses the arguments, builds a current-thread
/// runtime, calls `setup` inside it (which makes the client and spawns the tasks), warms
/// up, measures, stops the tasks and prints the [`ClientOutcome`] as JSON.
pub fn drive(
    client: &str,
    setup: impl FnOnce(&Args, &Arc<Tally>) -> Result<Driver, String>,
) -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(err) => {
            eprintln!("{client}: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("{client}: cannot build the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let tally = Arc::new(Tally::default());
    let outcome = runtime.block_on(async {
        let inherited = socket_inodes(&BTreeSet::new());
        let driver = setup(&args, &tally)?;
        tokio::time::sleep(args.warmup).await;
        let sockets_start = socket_inodes(&inherited);
        let (ok0, cpu0, t0) = (
            tally.ok.load(Ordering::Relaxed),
            cpu_seconds(),
            Instant::now(),
        );
        tokio::time::sleep(args.duration).await;
        let (ok1, cpu1, t1) = (
            tally.ok.load(Ordering::Relaxed),
            cpu_seconds(),
            Instant::now(),
        );
        let sockets_end = socket_inodes(&inherited);
        tally.stop.store(true, Ordering::Relaxed);
        for task in driver.tasks {
            task.await
                .map_err(|err| format!("a request task failed: {err}"))?;
        }
        Ok::<_, String>(ClientOutcome {
            client: client.to_owned(),
            tasks: args.tasks,
            requests: ok1 - ok0,
            elapsed_s: (t1 - t0).as_secs_f64(),
            cpu_s: cpu1 - cpu0,
            errors: tally.errors.load(Ordering::Relaxed),
            problems: tally
                .problems
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            dials: (driver.dials)(),
            sockets_start: sockets_start.len(),
            sockets_end: sockets_end.len(),
            sockets_kept: sockets_start.intersection(&sockets_end).count(),
        })
    });
    match outcome.and_then(|o| serde_json::to_string(&o).map_err(|e| e.to_string())) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{client}: {err}");
            ExitCode::FAILURE
        }
    }
}
