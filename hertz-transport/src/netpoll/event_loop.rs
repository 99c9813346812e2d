//! One event loop thread: an epoll set, the connection tasks it polls, and their timers.
//!
//! Each iteration: take requests from other threads, poll the tasks that were woken, wait in
//! `epoll_wait` (no longer than the next timer), dispatch readiness to connections, fire
//! expired timers. Tasks woken on the loop's own thread go on a thread-local queue; wakers
//! on other threads (tokio timers, channels, `spawn`ed tasks finishing) use the loop's
//! remote queue and its eventfd.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::event::epoll::{Event, EventFlags};

use super::conn::NetpollConn;
use super::io::IoShared;
use super::local::{self, LoopRef};
use super::poller::{LISTENER_TOKEN, WAKE_TOKEN};
use super::task::Task;
use super::tls::TlsAcceptor;
use crate::{clock, CancelToken, ConnHandler};

/// Connections accepted per readiness report, so one busy listener cannot starve the rest.
const ACCEPT_BATCH: usize = 64;
/// Tasks polled before looking at epoll again.
const POLL_BUDGET: usize = 1024;
/// How long accepting pauses after running out of file descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

struct Slot {
    generation: u32,
    entry: Option<(Task, Arc<IoShared>)>,
}

fn token(index: usize, generation: u32) -> u64 {
    (u64::from(generation) << 32) | index as u64
}

fn untoken(token: u64) -> (usize, u32) {
    ((token & 0xffff_ffff) as usize, (token >> 32) as u32)
}

/// What the loop needs to run.
pub(crate) struct LoopSetup {
    pub(crate) shared: LoopRef,
    pub(crate) handler: Arc<dyn ConnHandler>,
    pub(crate) buffer_size: usize,
    pub(crate) nodelay: bool,
    /// Set when serving TLS: each connection's task sets TLS up before serving it.
    pub(crate) tls: Option<Arc<TlsAcceptor>>,
    pub(crate) runtime: Option<tokio::runtime::Handle>,
    /// Loops still running; the last one to stop cancels `done`.
    pub(crate) running: Arc<AtomicUsize>,
    pub(crate) done: CancelToken,
}

pub(crate) struct EventLoop {
    setup: LoopSetup,
    /// Closed (not just deregistered) when shutdown begins, so new connections are refused.
    listener: Option<TcpListener>,
    accept_paused_until: Option<Instant>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    live: usize,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    stop_at: Option<Instant>,
}

impl EventLoop {
    pub(crate) fn new(setup: LoopSetup, listener: TcpListener) -> io::Result<Self> {
        setup
            .shared
            .poller
            .add(&listener, LISTENER_TOKEN, EventFlags::IN)?;
        Ok(EventLoop {
            setup,
            listener: Some(listener),
            accept_paused_until: None,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            timers: BinaryHeap::new(),
            stop_at: None,
        })
    }

    /// Runs until shutdown has completed.
    pub(crate) fn run(mut self) {
        local::enter(self.setup.shared.id);
        // Handlers may use tokio (timers, spawn, the client): give them its context.
        let runtime = self.setup.runtime.clone();
        let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
        // Created here: epoll events hold a pointer-sized field and are not `Send`.
        let mut events: Vec<Event> = Vec::with_capacity(1024);
        clock::tick();
        loop {
            self.take_remote();
            self.poll_ready();
            if let Some(stop_at) = self.stop_at {
                if self.live == 0 || Instant::now() >= stop_at {
                    break;
                }
            }
            let timeout = if local::has_ready() {
                Some(Duration::ZERO)
            } else {
                self.next_wakeup()
                    .map(|at| at.saturating_duration_since(Instant::now()))
            };
            if let Err(err) = self.setup.shared.poller.wait(&mut events, timeout) {
                tracing::error!(error = %err, "epoll_wait failed; stopping the loop");
                break;
            }
            // One clock read per iteration serves every deadline and Date set in it.
            clock::tick();
            for event in &events {
                let flags = event.flags;
                self.dispatch(event.data.u64(), flags);
            }
            self.fire_timers();
        }
        self.close_all();
        if self.setup.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.setup.done.cancel();
        }
    }

    fn take_remote(&mut self) {
        let remote = self.setup.shared.take_remote();
        for token in remote.wakes {
            local::schedule_here(token);
        }
        self.timers.extend(remote.timers.into_iter().map(Reverse));
        if let Some(stop_at) = remote.stop_at {
            self.stop_accepting();
            self.stop_at = Some(stop_at);
        }
    }

    fn poll_ready(&mut self) {
        for _ in 0..POLL_BUDGET {
            let Some(token) = local::next_ready() else {
                break;
            };
            let (index, generation) = untoken(token);
            let Some(slot) = self.slots.get_mut(index) else {
                continue;
            };
            if slot.generation != generation {
                continue;
            }
            let finished = match &mut slot.entry {
                Some((task, _)) => task.poll(),
                None => false,
            };
            if finished {
                self.remove(index);
            }
        }
        local::compact_ready();
        local::take_new_timers(&mut self.timers_sink());
    }

    fn timers_sink(&mut self) -> TimerSink<'_> {
        TimerSink(&mut self.timers)
    }

    fn dispatch(&mut self, token: u64, flags: EventFlags) {
        match token {
            WAKE_TOKEN => self.setup.shared.poller.drain_notify(),
            LISTENER_TOKEN => self.accept(),
            _ => {
                let (index, generation) = untoken(token);
                if let Some(Slot {
                    generation: g,
                    entry: Some((_, io)),
                }) = self.slots.get(index)
                {
                    if *g == generation {
                        io.on_event(flags);
                    }
                }
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = clock::now();
        while let Some(Reverse((at, token))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let (index, generation) = untoken(token);
            if let Some(Slot {
                generation: g,
                entry: Some((_, io)),
            }) = self.slots.get(index)
            {
                if *g == generation {
                    io.on_timer();
                }
            }
        }
        if self.accept_paused_until.is_some_and(|until| until <= now) {
            self.accept_paused_until = None;
            if let Some(listener) = &self.listener {
                let poller = &self.setup.shared.poller;
                if let Err(err) = poller.add(listener, LISTENER_TOKEN, EventFlags::IN) {
                    tracing::error!(error = %err, "cannot resume accepting");
                }
            }
        }
    }

    fn next_wakeup(&self) -> Option<Instant> {
        [
            self.timers.peek().map(|Reverse((at, _))| *at),
            self.accept_paused_until,
            self.stop_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn accept(&mut self) {
        if self.accept_paused_until.is_some() {
            return;
        }
        for _ in 0..ACCEPT_BATCH {
            let Some(listener) = &self.listener else {
                return;
            };
            match listener.accept() {
                Ok((stream, _)) => {
                    if let Err(err) = self.start_conn(stream) {
                        tracing::debug!(error = %err, "cannot set up an accepted connection");
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(err) => {
                    // EMFILE and friends: the listener stays readable, so level-triggered
                    // epoll would spin. Pause accepting for a moment instead.
                    tracing::warn!(error = %err, "accept failed; pausing");
                    let _ = self.setup.shared.poller.delete(listener);
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_BACKOFF);
                    return;
                }
            }
        }
    }

    fn start_conn(&mut self, stream: std::net::TcpStream) -> io::Result<()> {
        stream.set_nonblocking(true)?;
        if self.setup.nodelay {
            // Best effort: a socket that refuses NODELAY still works.
            let _ = stream.set_nodelay(true);
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        let token = token(index, slot.generation);
        let io = match IoShared::register(stream, self.setup.shared.clone(), token) {
            Ok(io) => Arc::new(io),
            Err(err) => {
                self.free.push(index);
                return Err(err);
            }
        };
        let handler = &self.setup.handler;
        let future = match &self.setup.tls {
            None => handler.on_conn(Box::new(NetpollConn::new(
                io.clone(),
                self.setup.buffer_size,
            ))),
            Some(tls) => tls.serve(io.clone(), handler.clone()),
        };
        slot.entry = Some((Task::new(future, self.setup.shared.clone(), token), io));
        self.live += 1;
        local::schedule_here(token);
        Ok(())
    }

    fn remove(&mut self, index: usize) {
        let slot = &mut self.slots[index];
        if slot.entry.take().is_some() {
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(index);
            self.live -= 1;
        }
    }

    fn stop_accepting(&mut self) {
        if let Some(listener) = self.listener.take() {
            let _ = self.setup.shared.poller.delete(&listener);
        }
    }

    /// Drops every remaining connection (their futures and sockets).
    fn close_all(&mut self) {
        self.stop_accepting();
        for index in 0..self.slots.len() {
            self.remove(index);
        }
    }
}

/// Adapter so thread-local timers can be moved into the heap.
struct TimerSink<'a>(&'a mut BinaryHeap<Reverse<(Instant, u64)>>);

impl Extend<(Instant, u64)> for TimerSink<'_> {
    fn extend<I: IntoIterator<Item = (Instant, u64)>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(Reverse));
    }
}
