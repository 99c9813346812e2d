//! The fixed-rate load generator: one thread, `mio`, `connections` keep-alive connections.
//!
//! Each connection sends a batch of `depth` requests every `connections × depth / rate`
//! seconds, staggered so the whole offers `rate` requests per second. Latency is measured
//! from the time a batch was **due**, not the time it went out: when the server falls behind
//! and a connection is still waiting at the next due time, the late batch is charged the
//! wait (wrk2's correction for coordinated omission). The next due time keeps its schedule,
//! so a stalled server faces the backlog it caused. The thread polls epoll without sleeping,
//! so sends are on time and answers are timed on arrival to a few microseconds — it owns its
//! core. Every answer is parsed and compared (status, body, and optionally the
//! `Server`/`Date`/`Content-Type` headers).
//!
//! With `rate == 0` it is closed-loop (each connection sends as soon as its answers are in)
//! and latency is counted from the actual send: used for the pre-flight check and warm-up.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::http::{check_answer, Checked};
use crate::job::{Job, Latency, Outcome};

const MAX_PROBLEMS: usize = 5;

struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet parsed.
    rbuf: Vec<u8>,
    /// Bytes to write.
    wbuf: Vec<u8>,
    wpos: usize,
    /// Exchange indexes of the requests in flight, oldest first.
    in_flight: VecDeque<usize>,
    /// When the batch in flight was due (latency origin).
    batch_due: Instant,
    /// When the next batch is due.
    next_due: Instant,
    /// Round-robin cursor into the exchanges.
    cursor: usize,
    dead: bool,
}

struct Run<'j> {
    job: &'j Job,
    hist: Histogram<u64>,
    outcome: Outcome,
    last_answer: Instant,
}

impl Run<'_> {
    fn problem(&mut self, what: String) {
        self.outcome.failed += 1;
        if self.outcome.problems.len() < MAX_PROBLEMS {
            self.outcome.problems.push(what);
        }
    }
}

/// Runs `job` to completion and says what happened. Errors are only for a job that cannot
/// start (no connection); everything that goes wrong later is counted in the [`Outcome`].
pub fn run(job: &Job) -> io::Result<Outcome> {
    if job.exchanges.is_empty() || job.connections == 0 || job.depth == 0 {
        return Err(io::Error::other("empty job"));
    }
    let addr: SocketAddr = job
        .addr
        .parse()
        .map_err(|_| io::Error::other(format!("bad address {}", job.addr)))?;
    let mut poll = Poll::new()?;
    let mut conns = Vec::with_capacity(job.connections);
    for i in 0..job.connections {
        let std_stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        std_stream.set_nodelay(true)?;
        std_stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(std_stream);
        poll.registry()
            .register(&mut stream, Token(i), Interest::READABLE)?;
        conns.push(Conn {
            stream,
            rbuf: Vec::with_capacity(16 * 1024),
            wbuf: Vec::with_capacity(4 * 1024),
            wpos: 0,
            in_flight: VecDeque::with_capacity(job.depth),
            batch_due: Instant::now(),
            next_due: Instant::now(),
            cursor: i * 7 % job.exchanges.len(),
            dead: false,
        });
    }

    let closed_loop = job.rate <= 0.0;
    // Seconds between two batches of one connection.
    let interval = if closed_loop {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(job.connections as f64 * job.depth as f64 / job.rate)
    };
    let start = Instant::now();
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.next_due = start + interval.mul_f64(i as f64 / job.connections as f64);
    }
    let send_until = start + Duration::from_millis(job.duration_ms);
    let mut run = Run {
        job,
        hist: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram"),
        outcome: Outcome::default(),
        last_answer: start,
    };
    let mut events = Events::with_capacity(1024);
    let mut sending = true;
    let mut drain_deadline = None;

    loop {
        let now = Instant::now();
        if sending
            && (now >= send_until || (job.max_requests > 0 && run.outcome.sent >= job.max_requests))
        {
            sending = false;
            drain_deadline = Some(now + Duration::from_secs(2));
        }
        // Send every batch that is due on an idle connection.
        if sending {
            for conn in conns.iter_mut().filter(|c| !c.dead) {
                if !conn.in_flight.is_empty() {
                    continue;
                }
                let due = if closed_loop { now } else { conn.next_due };
                if due > now {
                    continue;
                }
                for _ in 0..job.depth {
                    let ex = conn.cursor;
                    conn.cursor = (conn.cursor + 1) % job.exchanges.len();
                    conn.wbuf
                        .extend_from_slice(job.exchanges[ex].request.as_bytes());
                    conn.in_flight.push_back(ex);
                }
                run.outcome.sent += job.depth as u64;
                conn.batch_due = due;
                conn.next_due = due + interval;
                if let Err(err) = flush(conn) {
                    conn.dead = true;
                    let lost = conn.in_flight.len();
                    run.problem(format!("write failed ({err}); {lost} requests lost"));
                    run.outcome.failed += lost.saturating_sub(1) as u64;
                    conn.in_flight.clear();
                }
            }
        } else {
            let idle = conns.iter().all(|c| c.dead || c.in_flight.is_empty());
            if idle || drain_deadline.is_some_and(|d| now >= d) {
                break;
            }
        }
        if conns.iter().all(|c| c.dead) {
            break;
        }

        // Spin: never sleep in epoll while sending, so that sends leave on time and answers
        // are timed when they arrive, not when a halted (virtual) CPU wakes up. The load
        // generator owns its core. Draining the last answers may sleep.
        let timeout = if sending {
            Duration::ZERO
        } else {
            Duration::from_millis(1)
        };
        poll.poll(&mut events, Some(timeout))?;
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            if conn.dead {
                continue;
            }
            if event.is_writable() {
                if let Err(err) = flush(conn) {
                    conn.dead = true;
                    run.problem(format!("write failed ({err})"));
                    continue;
                }
            }
            if event.is_readable() {
                read_answers(conn, &mut run);
            }
            if conn.wpos < conn.wbuf.len() {
                let _ = poll.registry().reregister(
                    &mut conn.stream,
                    event.token(),
                    Interest::READABLE | Interest::WRITABLE,
                );
            }
        }
    }

    for conn in &conns {
        if !conn.in_flight.is_empty() {
            let lost = conn.in_flight.len();
            run.problem(format!("{lost} requests never answered"));
            run.outcome.failed += lost.saturating_sub(1) as u64;
        }
    }
    let elapsed = run
        .last_answer
        .saturating_duration_since(start)
        .as_secs_f64();
    let hist = &run.hist;
    let us = |ns: u64| ns as f64 / 1000.0;
    let mut outcome = run.outcome;
    outcome.elapsed_s = elapsed;
    outcome.achieved_rps = if elapsed > 0.0 {
        outcome.ok as f64 / elapsed
    } else {
        0.0
    };
    if !hist.is_empty() {
        outcome.latency = Latency {
            p50_us: us(hist.value_at_quantile(0.50)),
            p90_us: us(hist.value_at_quantile(0.90)),
            p99_us: us(hist.value_at_quantile(0.99)),
            p999_us: us(hist.value_at_quantile(0.999)),
            max_us: us(hist.max()),
            mean_us: hist.mean() / 1000.0,
        };
    }
    Ok(outcome)
}

fn flush(conn: &mut Conn) -> io::Result<()> {
    while conn.wpos < conn.wbuf.len() {
        match conn.stream.write(&conn.wbuf[conn.wpos..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => conn.wpos += n,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    conn.wbuf.clear();
    conn.wpos = 0;
    Ok(())
}

fn read_answers(conn: &mut Conn, run: &mut Run<'_>) {
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                let lost = conn.in_flight.len();
                conn.dead = true;
                run.problem(format!(
                    "server closed the connection; {lost} requests lost"
                ));
                run.outcome.failed += lost.saturating_sub(1) as u64;
                conn.in_flight.clear();
                return;
            }
            Ok(n) => conn.rbuf.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                conn.dead = true;
                run.problem(format!("read failed: {err}"));
                conn.in_flight.clear();
                return;
            }
        }
    }
    let now = Instant::now();
    let mut used = 0;
    while let Some(&ex) = conn.in_flight.front() {
        let expected = &run.job.exchanges[ex];
        match check_answer(
            &conn.rbuf[used..],
            expected.status,
            expected.body.as_bytes(),
            run.job.check_headers,
        ) {
            Ok(None) => break,
            Ok(Some(Checked { verdict, used: n })) => {
                used += n;
                conn.in_flight.pop_front();
                run.last_answer = now;
                match verdict {
                    Ok(()) => {
                        run.outcome.ok += 1;
                        let ns = now.saturating_duration_since(conn.batch_due).as_nanos() as u64;
                        let _ = run.hist.record(ns.max(1));
                    }
                    Err(why) => {
                        let path = request_target(&expected.request);
                        run.problem(format!("{path}: {why}"));
                    }
                }
            }
            Err(why) => {
                conn.dead = true;
                run.problem(format!("unparsable answer: {why}"));
                conn.in_flight.clear();
                return;
            }
        }
    }
    conn.rbuf.drain(..used);
    if conn.in_flight.is_empty() && !conn.rbuf.is_empty() {
        conn.dead = true;
        run.problem(format!(
            "{} unexpected bytes after the answers",
            conn.rbuf.len()
        ));
    }
}

fn request_target(request: &str) -> &str {
    request.split(' ').take(2).last().unwrap_or("?")
}
