//! One request/response exchange on one connection: write the request under the write
//! timeout, read the head (skipping 1xx) and the body under the read timeout.

use std::future::poll_fn;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hertz_protocol::http1::client::{
    parse_response_head, write_chunk, BodyDecoder, Decoded, HeadLimits, ParsedHead, RequestHead,
    LAST_CHUNK,
};
use hertz_protocol::{BodyStream, Request, Response, StatusCode};
use hertz_transport::{Conn, ConnExt};

use crate::{Error, ErrorKind};

/// Flush a streamed request body once this much is pending.
const STREAM_FLUSH: usize = 64 * 1024;

/// How a failed write left the connection.
pub(crate) struct WriteFailure {
    pub error: Error,
    /// Whether any byte of the request reached the socket.
    pub written: bool,
}

/// Encodes and sends the request: head, then the buffered body or the stream (chunked).
///
/// # Cancel safety
/// Not cancel safe: the connection is left mid-request; drop it.
pub(crate) async fn write_request(
    conn: &mut dyn Conn,
    req: &Request,
    head: &RequestHead<'_>,
    stream: Option<BodyStream>,
    write_timeout: Option<Duration>,
) -> Result<(), WriteFailure> {
    let not_written = |error: Error| WriteFailure {
        error,
        written: false,
    };
    head.write(conn.write_buf())
        .map_err(|e| not_written(Error::protocol(e)))?;
    let started = conn.pending_write();
    match stream {
        None => {
            let body = req.body();
            if !body.is_empty() {
                conn.write_bytes(body.clone());
            }
            let total = conn.pending_write();
            if let Err(err) = flush(conn, write_timeout).await {
                return Err(WriteFailure {
                    error: Error::write(err, write_timeout),
                    written: conn.pending_write() < total,
                });
            }
        }
        Some(mut stream) => {
            // The head goes out first so a server can answer early (e.g. 413).
            if let Err(err) = flush(conn, write_timeout).await {
                return Err(WriteFailure {
                    error: Error::write(err, write_timeout),
                    written: conn.pending_write() < started,
                });
            }
            loop {
                let next = poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
                match next {
                    Some(Ok(chunk)) => {
                        write_chunk(conn.write_buf(), &chunk);
                        if conn.pending_write() >= STREAM_FLUSH {
                            if let Err(err) = flush(conn, write_timeout).await {
                                return Err(WriteFailure {
                                    error: Error::write(err, write_timeout),
                                    written: true,
                                });
                            }
                        }
                    }
                    Some(Err(err)) => {
                        return Err(WriteFailure {
                            error: Error::new(ErrorKind::Io)
                                .with_detail("request body stream failed")
                                .with_source(err),
                            written: true,
                        })
                    }
                    None => break,
                }
            }
            conn.write_buf().extend_from_slice(LAST_CHUNK);
            if let Err(err) = flush(conn, write_timeout).await {
                return Err(WriteFailure {
                    error: Error::write(err, write_timeout),
                    written: true,
                });
            }
        }
    }
    Ok(())
}

/// Writes everything pending under the write timeout.
async fn flush(conn: &mut dyn Conn, write_timeout: Option<Duration>) -> std::io::Result<()> {
    conn.set_write_deadline(write_timeout.map(|t| Instant::now() + t));
    conn.flush().await
}

/// How a failed head read left things.
pub(crate) struct ReadFailure {
    pub error: Error,
    /// Whether the server closed before sending a single byte of response (the mark of a
    /// keep-alive connection it had already given up on).
    pub nothing_received: bool,
}

/// Reads the final response head into `resp` (status, fields), skipping 1xx interim
/// responses other than 101.
///
/// # Cancel safety
/// Not cancel safe: a partly read head is lost with the connection.
pub(crate) async fn read_head(
    conn: &mut dyn Conn,
    resp: &mut Response,
    limits: HeadLimits,
    read_timeout: Option<Duration>,
) -> Result<ParsedHead, ReadFailure> {
    let mut received = !conn.is_empty();
    loop {
        match parse_response_head(conn, resp, limits) {
            Ok(Some(head))
                if head.status.as_u16() < 200 && head.status != StatusCode::SWITCHING_PROTOCOLS =>
            {
                // 100 Continue, 103 Early Hints, …: the final answer follows.
                resp.headers_mut().clear();
                received = true;
                continue;
            }
            Ok(Some(head)) => return Ok(head),
            Ok(None) => {}
            Err(e) => {
                return Err(ReadFailure {
                    error: Error::protocol(e),
                    nothing_received: false,
                })
            }
        }
        match fill(conn, read_timeout).await {
            Ok(0) => {
                return Err(ReadFailure {
                    error: Error::new(ErrorKind::ConnectionClosed).with_detail(if received {
                        "inside the response head"
                    } else {
                        "before any response byte"
                    }),
                    nothing_received: !received,
                })
            }
            Ok(_) => received = true,
            Err(err) => {
                let reset = matches!(
                    err.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                );
                return Err(ReadFailure {
                    error: Error::read(err, read_timeout),
                    nothing_received: reset && !received,
                });
            }
        }
    }
}

/// Reads more bytes under the read timeout (time until the next byte).
pub(crate) async fn fill(
    conn: &mut dyn Conn,
    read_timeout: Option<Duration>,
) -> std::io::Result<usize> {
    conn.set_read_deadline(read_timeout.map(|t| Instant::now() + t));
    conn.fill().await
}

/// Reads the whole body into `resp`: a body already buffered in one piece is shared
/// without copying; otherwise it is gathered in the response's reusable buffer.
///
/// # Cancel safety
/// Not cancel safe: a partly read body is lost with the connection.
pub(crate) async fn read_body(
    conn: &mut dyn Conn,
    decoder: &mut BodyDecoder,
    resp: &mut Response,
    read_timeout: Option<Duration>,
) -> Result<(), Error> {
    let mut first: Option<Bytes> = None;
    loop {
        match decoder.decode(conn).map_err(Error::protocol)? {
            Decoded::Data(data) => match first.take() {
                None => first = Some(data),
                Some(head) => {
                    let hint = decoder.remaining().unwrap_or(0).min(64 << 20) as usize;
                    // The response's own buffer (cleared, capacity kept) gathers the body.
                    let mut buf = std::mem::take(resp.body_mut());
                    buf.reserve(head.len() + data.len() + hint);
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&data);
                    let res = gather(conn, decoder, &mut buf, read_timeout).await;
                    *resp.body_mut() = buf;
                    return res;
                }
            },
            Decoded::Done => break,
            Decoded::NeedMore => {
                let n = fill(conn, read_timeout)
                    .await
                    .map_err(|e| Error::read(e, read_timeout))?;
                if n == 0 {
                    decoder.eof().map_err(Error::protocol)?;
                    break;
                }
            }
        }
    }
    resp.set_body(first.unwrap_or_default());
    Ok(())
}

/// Appends the rest of the body to `buf`, which already holds its start.
async fn gather(
    conn: &mut dyn Conn,
    decoder: &mut BodyDecoder,
    buf: &mut bytes::BytesMut,
    read_timeout: Option<Duration>,
) -> Result<(), Error> {
    loop {
        match decoder.decode(conn).map_err(Error::protocol)? {
            Decoded::Data(data) => buf.extend_from_slice(&data),
            Decoded::Done => return Ok(()),
            Decoded::NeedMore => {
                let n = fill(conn, read_timeout)
                    .await
                    .map_err(|e| Error::read(e, read_timeout))?;
                if n == 0 {
                    return decoder.eof().map_err(Error::protocol);
                }
            }
        }
    }
}
