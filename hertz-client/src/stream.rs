//! Streamed response bodies: the body is read from the connection as the caller polls.
//!
//! The stream owns the connection. Read to its end, it hands the connection back to the
//! pool (when the response allows keep-alive) at the moment the last byte is decoded; dropped
//! before that, it drops the connection, which closes the socket and frees the pool slot.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use hertz_protocol::http1::client::{BodyDecoder, Decoded};

use crate::pool::{Pool, PooledConn};
use crate::Error;

/// Where a streamed body is.
enum Phase {
    /// Reading from the connection.
    Reading {
        conn: PooledConn,
        /// Whether the read deadline is set for the current wait.
        armed: bool,
    },
    /// Finished (to the end, or after an error).
    Finished,
}

pub(crate) struct StreamingBody {
    phase: Phase,
    decoder: BodyDecoder,
    pool: Pool,
    keep_alive: bool,
    read_timeout: Option<Duration>,
}

impl StreamingBody {
    pub fn new(
        conn: PooledConn,
        decoder: BodyDecoder,
        pool: Pool,
        keep_alive: bool,
        read_timeout: Option<Duration>,
    ) -> Self {
        StreamingBody {
            phase: Phase::Reading { conn, armed: false },
            decoder,
            pool,
            keep_alive,
            read_timeout,
        }
    }

    /// The body is complete: the connection goes back to the pool or is closed.
    fn finish(&mut self) {
        if let Phase::Reading { conn, .. } = std::mem::replace(&mut self.phase, Phase::Finished) {
            if self.keep_alive {
                self.pool.put(conn);
            }
        }
    }

    fn fail(&mut self, err: Error) -> Poll<Option<io::Result<Bytes>>> {
        // Dropping the connection closes it: after an error the stream is out of step.
        self.phase = Phase::Finished;
        Poll::Ready(Some(Err(err.into_io())))
    }
}

impl Stream for StreamingBody {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Phase::Reading { conn, armed } = &mut this.phase else {
                return Poll::Ready(None);
            };
            match this.decoder.decode(&mut *conn.conn) {
                Err(e) => return this.fail(Error::protocol(e)),
                Ok(Decoded::Data(data)) => {
                    *armed = false;
                    if this.decoder.is_done() {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(data)));
                }
                Ok(Decoded::Done) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Ok(Decoded::NeedMore) => {}
            }
            if !*armed {
                conn.conn
                    .set_read_deadline(this.read_timeout.map(|t| Instant::now() + t));
                *armed = true;
            }
            match conn.conn.poll_fill(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    return match this.decoder.eof() {
                        Ok(()) => {
                            // A read-to-close body: the connection is spent.
                            this.phase = Phase::Finished;
                            Poll::Ready(None)
                        }
                        Err(e) => this.fail(Error::protocol(e)),
                    };
                }
                Poll::Ready(Ok(_)) => *armed = false,
                Poll::Ready(Err(e)) => return this.fail(Error::read(e, this.read_timeout)),
            }
        }
    }
}

/// The stream of a response that has no body.
pub(crate) struct EmptyBody;

impl Stream for EmptyBody {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(None)
    }
}
