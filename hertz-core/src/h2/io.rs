//! A [`Conn`] as the tokio byte stream the `h2` crate reads and writes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

use hertz_transport::Conn;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Output bytes buffered before a write waits for the connection to drain.
const MAX_PENDING_WRITE: usize = 64 * 1024;

/// A [`Conn`] as the tokio byte stream `h2` reads and writes. Bytes already buffered (e.g.
/// the preface an h2c sniff looked at) are read first.
pub(super) struct ConnIo {
    pub(super) conn: Box<dyn Conn>,
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let conn = &mut self.get_mut().conn;
        if conn.is_empty() {
            conn.release();
            if ready!(conn.poll_fill(cx))? == 0 {
                return Poll::Ready(Ok(()));
            }
        }
        let n = buf.remaining().min(conn.len());
        buf.put_slice(conn.peek(n));
        conn.skip(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let conn = &mut self.get_mut().conn;
        if conn.pending_write() >= MAX_PENDING_WRITE {
            ready!(conn.poll_flush(cx))?;
        }
        conn.write_buf().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        self.get_mut().conn.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        self.get_mut().conn.poll_shutdown(cx)
    }
}
