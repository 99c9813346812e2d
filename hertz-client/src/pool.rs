//! The connection pool of one host: idle keep-alive connections, a cap on open ones, and a
//! queue of callers waiting for either.
//!
//! Every open connection owns a [`Slot`]; dropping the slot (with the connection) frees it
//! for the next waiter, so a connection closed anywhere — an error, a streamed body dropped
//! early, a cancelled call — can never leak capacity. A connection that finishes its
//! exchange cleanly comes back with [`Pool::put`] and goes to a waiter or the idle list.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use hertz_transport::Conn;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::{Error, ErrorKind, PoolStats};

/// Limits of one host's pool.
#[derive(Clone, Debug)]
pub(crate) struct PoolConfig {
    pub max_conns: usize,
    pub max_idle_duration: Duration,
    pub max_conn_duration: Option<Duration>,
    pub max_wait: Duration,
    /// The client-wide cap, shared by every host's pool.
    pub total: Option<Arc<Semaphore>>,
}

/// One host's pool; cheap to clone.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    config: PoolConfig,
    state: Mutex<State>,
    dials: AtomicU64,
    reused: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Most recently returned last: reuse is LIFO so surplus connections age out.
    idle: Vec<Idle>,
    /// Slots handed out: connections open or being dialed.
    open: usize,
    waiters: VecDeque<oneshot::Sender<Grant>>,
    reaper_running: bool,
}

struct Idle {
    conn: PooledConn,
    since: Instant,
}

/// What a caller of [`Pool::acquire`] gets: a kept-alive connection, or the right to dial.
pub(crate) enum Grant {
    Conn(PooledConn),
    Slot(Slot),
}

/// The right to have one connection open. Dropping it frees the capacity.
pub(crate) struct Slot {
    shared: Weak<Shared>,
    total: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            Shared::release_slot(&shared, self.total.take());
        }
    }
}

/// A connection with its pool bookkeeping. Dropping it closes the connection.
pub(crate) struct PooledConn {
    pub conn: Box<dyn Conn>,
    created: Instant,
    /// Requests completed on this connection before the current one.
    pub uses: u64,
    _slot: Slot,
}

impl PooledConn {
    pub fn new(conn: Box<dyn Conn>, slot: Slot) -> Self {
        PooledConn {
            conn,
            created: Instant::now(),
            uses: 0,
            _slot: slot,
        }
    }

    /// Whether this connection carried an earlier request (a stale-connection failure is
    /// only possible then).
    pub fn is_reused(&self) -> bool {
        self.uses > 0
    }

    /// The transport connection, leaving the pool's books (a 101 upgrade).
    pub fn into_conn(self) -> Box<dyn Conn> {
        self.conn
    }
}

impl Pool {
    pub fn new(config: PoolConfig) -> Self {
        Pool {
            shared: Arc::new(Shared {
                config,
                state: Mutex::new(State::default()),
                dials: AtomicU64::new(0),
                reused: AtomicU64::new(0),
            }),
        }
    }

    /// An idle connection that still looks alive, or a slot to dial a new one; waits up to
    /// the pool's wait timeout when the host is at its connection cap.
    ///
    /// # Cancel safety
    /// Cancel safe: a grant that arrives after cancellation is dropped, which returns it.
    pub async fn acquire(&self) -> Result<Grant, Error> {
        loop {
            let grant = self.acquire_any().await?;
            match grant {
                Grant::Conn(mut pc) => {
                    if still_usable(&mut *pc.conn) {
                        self.shared.reused.fetch_add(1, Ordering::Relaxed);
                        return Ok(Grant::Conn(pc));
                    }
                    // Closed by the server while idle (or it sent something unasked for):
                    // drop it, which frees its slot, and look again.
                    tracing::debug!("discarding an idle connection the server closed");
                }
                Grant::Slot(mut slot) => {
                    if let Some(total) = &self.shared.config.total {
                        slot.total = Some(self.total_permit(total).await?);
                    }
                    self.shared.dials.fetch_add(1, Ordering::Relaxed);
                    return Ok(Grant::Slot(slot));
                }
            }
        }
    }

    async fn total_permit(&self, total: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, Error> {
        if let Ok(permit) = total.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let wait = self.shared.config.max_wait;
        match tokio::time::timeout(wait, total.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(pool_timeout(wait, "the client's total connection cap")),
        }
    }

    async fn acquire_any(&self) -> Result<Grant, Error> {
        let mut expired = Vec::new();
        let rx = {
            let mut st = self.shared.lock();
            let now = Instant::now();
            let mut found = None;
            while let Some(idle) = st.idle.pop() {
                if self.shared.is_expired(&idle, now) {
                    expired.push(idle);
                } else {
                    found = Some(idle.conn);
                    break;
                }
            }
            if let Some(conn) = found {
                drop(st);
                drop(expired);
                return Ok(Grant::Conn(conn));
            }
            if st.open < self.shared.config.max_conns {
                st.open += 1;
                drop(st);
                drop(expired);
                return Ok(Grant::Slot(Slot {
                    shared: Arc::downgrade(&self.shared),
                    total: None,
                }));
            }
            let (tx, rx) = oneshot::channel();
            st.waiters.push_back(tx);
            rx
        };
        drop(expired);
        let wait = self.shared.config.max_wait;
        if wait.is_zero() {
            // Hertz's default: do not wait; but take a grant that raced in.
            let mut rx = rx;
            return rx
                .try_recv()
                .map_err(|_| pool_timeout(wait, "max connections per host"));
        }
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(grant)) => Ok(grant),
            _ => {
                // Forget this (now closed) waiter and any others that gave up.
                self.shared.lock().waiters.retain(|w| !w.is_closed());
                Err(pool_timeout(wait, "max connections per host"))
            }
        }
    }

    /// Returns a connection whose exchange completed cleanly and which may be kept alive.
    pub fn put(&self, mut conn: PooledConn) {
        let now = Instant::now();
        if !conn.conn.is_empty()
            || self
                .shared
                .config
                .max_conn_duration
                .is_some_and(|max| now.duration_since(conn.created) >= max)
        {
            // Unread bytes mean the stream is out of step; an old connection is retired so
            // the host gets re-resolved on the next dial.
            return;
        }
        conn.uses += 1;
        conn.conn.release();
        loop {
            let mut st = self.shared.lock();
            let waiter = loop {
                match st.waiters.pop_front() {
                    Some(w) if w.is_closed() => continue,
                    other => break other,
                }
            };
            let Some(waiter) = waiter else {
                st.idle.push(Idle { conn, since: now });
                if !st.reaper_running {
                    st.reaper_running = spawn_reaper(&self.shared);
                }
                return;
            };
            drop(st);
            match waiter.send(Grant::Conn(conn)) {
                Ok(()) => return,
                // The waiter gave up meanwhile: offer the connection to the next one.
                Err(Grant::Conn(back)) => conn = back,
                Err(Grant::Slot(_)) => return,
            }
        }
    }

    /// Closes every idle connection.
    pub fn close_idle(&self) {
        let idle = std::mem::take(&mut self.shared.lock().idle);
        drop(idle);
    }

    /// Closes the least recently used idle connection, if any; whether one was closed.
    pub fn close_one_idle(&self) -> bool {
        let mut st = self.shared.lock();
        if st.idle.is_empty() {
            return false;
        }
        let oldest = st.idle.remove(0);
        drop(st);
        drop(oldest);
        true
    }

    pub fn stats(&self) -> PoolStats {
        let st = self.shared.lock();
        PoolStats {
            open: st.open,
            idle: st.idle.len(),
            in_use: st.open - st.idle.len(),
            waiters: st.waiters.iter().filter(|w| !w.is_closed()).count(),
            dials: self.shared.dials.load(Ordering::Relaxed),
            reused: self.shared.reused.load(Ordering::Relaxed),
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent between statements, so a panic elsewhere while holding
        // the lock leaves nothing half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_expired(&self, idle: &Idle, now: Instant) -> bool {
        now.duration_since(idle.since) >= self.config.max_idle_duration
            || self
                .config
                .max_conn_duration
                .is_some_and(|max| now.duration_since(idle.conn.created) >= max)
    }

    /// A slot was dropped: hand it to the first live waiter, or shrink the open count.
    fn release_slot(this: &Arc<Shared>, total: Option<OwnedSemaphorePermit>) {
        let waiter = {
            let mut st = this.lock();
            loop {
                match st.waiters.pop_front() {
                    Some(w) if w.is_closed() => continue,
                    Some(w) => break Some(w),
                    None => {
                        st.open -= 1;
                        break None;
                    }
                }
            }
        };
        if let Some(waiter) = waiter {
            let slot = Slot {
                shared: Arc::downgrade(this),
                total,
            };
            // If the waiter gave up meanwhile, the returned slot is dropped here, outside
            // the lock, and this runs again for the next waiter.
            let _ = waiter.send(Grant::Slot(slot));
        }
    }

    /// Closes idle connections past their idle or lifetime limit; whether any remain.
    fn reap(&self) -> bool {
        let now = Instant::now();
        let mut st = self.lock();
        let (expired, kept): (Vec<Idle>, Vec<Idle>) = std::mem::take(&mut st.idle)
            .into_iter()
            .partition(|idle| self.is_expired(idle, now));
        st.idle = kept;
        let any_left = !st.idle.is_empty();
        if !any_left {
            st.reaper_running = false;
        }
        drop(st);
        drop(expired);
        any_left
    }
}

/// Starts the idle reaper (Hertz's `connsCleaner`) if a tokio runtime is there; it stops
/// when the pool has no idle connection left or is dropped.
fn spawn_reaper(shared: &Arc<Shared>) -> bool {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    let weak = Arc::downgrade(shared);
    let period = (shared.config.max_idle_duration / 2).max(Duration::from_millis(10));
    handle.spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let Some(shared) = weak.upgrade() else { return };
            if !shared.reap() {
                return;
            }
        }
    });
    true
}

/// Whether an idle connection can carry a request: nothing unread is buffered and the
/// socket is not readable (a readable idle socket means EOF, a reset, or stray bytes).
fn still_usable(conn: &mut dyn Conn) -> bool {
    if !conn.is_empty() {
        return false;
    }
    conn.set_read_deadline(None);
    let mut cx = Context::from_waker(Waker::noop());
    matches!(conn.poll_fill(&mut cx), Poll::Pending)
}

fn pool_timeout(wait: Duration, what: &str) -> Error {
    Error::new(ErrorKind::PoolTimeout).with_detail(if wait.is_zero() {
        format!("{what} reached")
    } else {
        format!("{what} reached and none freed within {wait:?}")
    })
}
