//! One epoll instance and the eventfd that wakes it from other threads.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::event::{eventfd, EventfdFlags, Timespec};

/// Token of the eventfd in the epoll set.
pub(crate) const WAKE_TOKEN: u64 = u64::MAX;
/// Token of the listening socket.
pub(crate) const LISTENER_TOKEN: u64 = u64::MAX - 1;

/// A level-triggered epoll set plus a wake-up eventfd.
#[derive(Debug)]
pub(crate) struct Poller {
    epoll: OwnedFd,
    wake: OwnedFd,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Self> {
        let epoll = epoll::create(CreateFlags::CLOEXEC)?;
        let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        epoll::add(
            &epoll,
            &wake,
            EventData::new_u64(WAKE_TOKEN),
            EventFlags::IN,
        )?;
        Ok(Poller { epoll, wake })
    }

    pub(crate) fn add(&self, fd: impl AsFd, token: u64, interest: EventFlags) -> io::Result<()> {
        Ok(epoll::add(
            &self.epoll,
            fd,
            EventData::new_u64(token),
            interest,
        )?)
    }

    pub(crate) fn modify(&self, fd: impl AsFd, token: u64, interest: EventFlags) -> io::Result<()> {
        Ok(epoll::modify(
            &self.epoll,
            fd,
            EventData::new_u64(token),
            interest,
        )?)
    }

    pub(crate) fn delete(&self, fd: impl AsFd) -> io::Result<()> {
        Ok(epoll::delete(&self.epoll, fd)?)
    }

    /// Waits for events (`None`: until one arrives), replacing `events`' contents.
    pub(crate) fn wait(
        &self,
        events: &mut Vec<Event>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        let timeout = timeout.map(|d| Timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        match epoll::wait(&self.epoll, spare_capacity(events), timeout.as_ref()) {
            Ok(_) => Ok(()),
            Err(rustix::io::Errno::INTR) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Wakes a thread blocked in [`Poller::wait`].
    pub(crate) fn notify(&self) {
        // EAGAIN means the counter is already non-zero: the loop is being woken anyway.
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
    }

    /// Resets the wake-up counter after the loop saw it.
    pub(crate) fn drain_notify(&self) {
        let mut buf = [0u8; 8];
        let _ = rustix::io::read(&self.wake, &mut buf);
    }
}
