//! h2c with prior knowledge ([RFC 9113 §3.3](https://www.rfc-editor.org/rfc/rfc9113#section-3.3)):
//! telling an HTTP/2 client from an HTTP/1.1 one on a cleartext connection by its first
//! bytes, without consuming them, so whichever protocol serves the connection reads them
//! again (Hertz's engine does the same `Peek` when `WithH2C` is on).
//!
//! The sniff decides as early as the bytes allow: the first byte that differs from the
//! preface means HTTP/1.1, so a short HTTP/1.1 request (`GET / HTTP/1.0\r\n\r\n` is 18 bytes)
//! is never held back waiting for the preface's 24.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use hertz_transport::{CancelToken, Conn};

/// The client connection preface (RFC 9113 §3.4).
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What the first bytes of a cleartext connection say.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// The whole preface arrived: an HTTP/2 client with prior knowledge.
    Http2,
    /// The bytes stopped matching the preface (or never did): HTTP/1.1.
    Http1,
    /// The peer closed, fell silent past the deadline, or the server is shutting down,
    /// before the bytes decided anything. Nothing can be answered: the connection is closed.
    Undecided(&'static str),
}

/// Reads until the buffered bytes decide between HTTP/2 and HTTP/1.1, consuming nothing.
/// Reads fail after `deadline`; the read deadline is cleared again before returning, so the
/// protocol that takes over sets its own.
pub(crate) async fn sniff(
    conn: &mut dyn Conn,
    deadline: Instant,
    shutdown: &CancelToken,
) -> Sniffed {
    conn.set_read_deadline(Some(deadline));
    let sniffed = loop {
        let seen = conn.len().min(PREFACE.len());
        if conn.peek(seen) != &PREFACE[..seen] {
            break Sniffed::Http1;
        }
        if seen == PREFACE.len() {
            break Sniffed::Http2;
        }
        let mut cancelled = pin!(shutdown.cancelled());
        let filled = poll_fn(|cx| {
            if let Poll::Ready(res) = conn.poll_fill(cx) {
                return Poll::Ready(Some(res));
            }
            cancelled.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match filled {
            Some(Ok(0)) => break Sniffed::Undecided("closed by the peer"),
            Some(Ok(_)) => {}
            Some(Err(err)) if err.kind() == std::io::ErrorKind::TimedOut => {
                break Sniffed::Undecided("timed out");
            }
            Some(Err(_)) => break Sniffed::Undecided("read failed"),
            None => break Sniffed::Undecided("server shutting down"),
        }
    };
    conn.set_read_deadline(None);
    sniffed
}
