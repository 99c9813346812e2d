//! One HTTP/2 stream as one exchange: the request in, the engine, the response out.

use std::future::poll_fn;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use hertz_protocol::{Context, Core, StatusCode};

use super::conn::H2Server;
use super::head::{self, HeadBuffer};
use crate::middleware::{panic_message, CatchUnwind};
use crate::RequestContext;

/// After a refusal, how long and how much of the rest of the body is read and discarded.
const LINGER_TIME: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 64 * 1024;

/// Per-request limits, from the engine's configuration.
#[derive(Clone, Debug)]
pub(super) struct Limits {
    pub(super) max_body_bytes: usize,
    pub(super) max_header_count: usize,
    pub(super) stream_body: bool,
    pub(super) body_read_timeout: Duration,
    pub(super) server_name: &'static str,
}

/// What a finished stream leaves for the next ones on its connection.
pub(super) struct Leftovers {
    /// Its exchange, not yet reset; `None` after a panic.
    pub(super) exchange: Option<Box<RequestContext>>,
    /// Its context, ready for reuse; `None` when a handler kept a clone, the stream was
    /// cancelled, or it panicked.
    pub(super) ctx: Option<Context>,
}

/// A request refused before the handler ran, answered like HTTP/1.1's refusals.
struct Refusal {
    status: StatusCode,
    reason: &'static str,
}

impl Refusal {
    const fn new(status: StatusCode, reason: &'static str) -> Self {
        Refusal { status, reason }
    }
}

/// How reading the request body ended when it did not end well.
enum BodyError {
    Refused(Refusal),
    /// The stream failed (reset by the client, connection gone): nothing to answer.
    Stream(h2::Error),
}

/// An accepted stream whose head is already in its exchange: what its future still needs.
/// The head's fields are not kept, so the future stays small — it is moved whole when it
/// is built, and the smaller it is, the fewer bytes move per request.
pub(super) struct Opened {
    /// The request body; `None` when the client sent none (a GET, say).
    body: Option<h2::RecvStream>,
    respond: h2::server::SendResponse<Bytes>,
    /// Whether the request is a `HEAD` (its response has no body); or why it is refused.
    head: Result<bool, Refusal>,
}

impl H2Server {
    /// Reads a stream's head into `exchange` (fresh or reset), or finds why it is refused
    /// before the handler runs: too many fields, or a body announced larger than the limit.
    /// Only our own code runs here; the handlers run in [`stream`](Self::stream).
    pub(super) fn open(
        &self,
        exchange: &mut RequestContext,
        request: http::Request<h2::RecvStream>,
        respond: h2::server::SendResponse<Bytes>,
        heads: &mut HeadBuffer,
    ) -> Opened {
        let (parts, body) = request.into_parts();
        // Asked once: it takes the connection's lock.
        let body = (!body.is_end_stream()).then_some(body);
        let head = if parts.headers.len() > self.limits.max_header_count {
            Err(Refusal::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "too many header fields",
            ))
        } else if !self.limits.stream_body
            && body.is_some()
            && announced_length(&parts.headers)
                .is_some_and(|len| len > self.limits.max_body_bytes as u64)
        {
            // Refused before reading anything.
            Err(too_large())
        } else {
            head::fill_request(exchange.request_mut(), &parts, heads);
            Ok(parts.method == http::Method::HEAD)
        };
        Opened {
            body,
            respond,
            head,
        }
    }

    /// One stream as the connection polls it: serves it with `exchange` (filled by
    /// [`open`](Self::open)) and `ctx` (fresh or reused), and gives back what the next
    /// stream can reuse. A panic ends only this stream, reset with `INTERNAL_ERROR` as Go's
    /// server does; with the [`recovery`](crate::middleware::recovery) middleware a
    /// panicking handler is a `500` before it gets here.
    pub(super) async fn stream(
        &self,
        mut exchange: Box<RequestContext>,
        mut ctx: Context,
        opened: Opened,
    ) -> Leftovers {
        let Opened {
            body,
            mut respond,
            head,
        } = opened;
        let outcome = {
            let serve = pin!(self.serve_stream(&mut exchange, &ctx, body, &mut respond, head));
            CatchUnwind(serve).await
        };
        match outcome {
            Ok(()) => Leftovers {
                exchange: Some(exchange),
                ctx: ctx.try_reuse().then_some(ctx),
            },
            Err(panic) => {
                tracing::error!(
                    panic = panic_message(&*panic),
                    "HTTP/2 stream panicked; reset with INTERNAL_ERROR"
                );
                respond.send_reset(h2::Reason::INTERNAL_ERROR);
                // What the panic interrupted is not trusted again.
                Leftovers {
                    exchange: None,
                    ctx: None,
                }
            }
        }
    }

    /// Serves one stream. Errors end only this stream and are logged at debug. `ctx` is
    /// the handler's [`Context`]: the connection cancels it when it ends or the server
    /// shuts down, and this stream when the client resets it (`RST_STREAM`), as HTTP/1.1
    /// does when the client disconnects.
    async fn serve_stream(
        &self,
        exchange: &mut RequestContext,
        ctx: &Context,
        body: Option<h2::RecvStream>,
        respond: &mut h2::server::SendResponse<Bytes>,
        head: Result<bool, Refusal>,
    ) {
        let is_head = match head {
            Ok(is_head) => is_head,
            Err(refusal) => {
                self.refuse(respond, refusal);
                return linger(body).await;
            }
        };
        match body {
            None => {}
            Some(body) if self.limits.stream_body => exchange
                .request_mut()
                .set_body_stream(Box::pin(RequestBody { recv: body })),
            Some(mut body) => match self.read_body(&mut body).await {
                Ok(received) => exchange.request_mut().set_body(received),
                Err(BodyError::Refused(refusal)) => {
                    self.refuse(respond, refusal);
                    return linger(Some(body)).await;
                }
                Err(BodyError::Stream(err)) => {
                    tracing::debug!(error = %err, "HTTP/2 request body failed");
                    return;
                }
            },
        }

        {
            let mut serve = pin!(self.core.serve(ctx, exchange));
            let reset = poll_fn(|cx| respond.poll_reset(cx));
            tokio::select! {
                biased;
                () = &mut serve => {}
                reason = reset => {
                    tracing::debug!(?reason, "HTTP/2 stream reset by the client; cancelling its context");
                    ctx.cancel();
                    serve.await;
                }
            }
        }
        if let Err(err) = self.respond(exchange, respond, is_head).await {
            tracing::debug!(error = %err, "HTTP/2 response failed");
        }
        self.core.finish(ctx, exchange);
    }

    /// Reads the whole body, up to the limit, each read within the body read timeout.
    async fn read_body(&self, body: &mut h2::RecvStream) -> Result<Bytes, BodyError> {
        let mut received = BytesMut::new();
        loop {
            let chunk = match tokio::time::timeout(self.limits.body_read_timeout, body.data()).await
            {
                Err(_) => {
                    return Err(BodyError::Refused(Refusal::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "timed out reading the request body",
                    )));
                }
                Ok(None) => return Ok(received.freeze()),
                Ok(Some(chunk)) => chunk.map_err(BodyError::Stream)?,
            };
            let _ = body.flow_control().release_capacity(chunk.len());
            if received.len() + chunk.len() > self.limits.max_body_bytes {
                return Err(BodyError::Refused(too_large()));
            }
            received.extend_from_slice(&chunk);
        }
    }

    /// Answers a refused request with its status and reason, as HTTP/1.1 does; the handler
    /// chain does not run.
    fn refuse(&self, respond: &mut h2::server::SendResponse<Bytes>, refusal: Refusal) {
        tracing::debug!(
            status = refusal.status.as_u16(),
            reason = refusal.reason,
            "refused HTTP/2 request"
        );
        let text: (&[u8], &[u8]) = (b"content-type", b"text/plain; charset=utf-8");
        let head = head::response(
            refusal.status,
            std::iter::once(text),
            Some(refusal.reason.len()),
            self.limits.server_name,
        );
        let sent = respond.send_response(head, false).and_then(|mut send| {
            send.send_data(Bytes::from_static(refusal.reason.as_bytes()), true)
        });
        if let Err(err) = sent {
            tracing::debug!(error = %err, "HTTP/2 refusal not sent");
        }
    }

    /// Sends the handler's response.
    async fn respond(
        &self,
        exchange: &mut RequestContext,
        respond: &mut h2::server::SendResponse<Bytes>,
        is_head: bool,
    ) -> Result<(), h2::Error> {
        let resp = exchange.response_mut();
        let stream = resp.take_body_stream();
        let payload = resp.body_bytes();
        // A streamed body's length is unknown: its end is the stream's end.
        let length = stream.is_none().then(|| payload.len());
        let head = head::response(
            resp.status(),
            resp.headers().iter(),
            length,
            self.limits.server_name,
        );
        let end_now = is_head || (stream.is_none() && payload.is_empty());
        let mut send = respond.send_response(head, end_now)?;
        if end_now {
            return Ok(());
        }
        let Some(mut stream) = stream else {
            return send.send_data(payload, true);
        };
        while let Some(chunk) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            match chunk {
                Ok(chunk) if chunk.is_empty() => {}
                Ok(chunk) => {
                    // Wait for flow-control credit first, so a slow client slows the
                    // producer instead of growing h2's send buffer without bound.
                    send.reserve_capacity(chunk.len());
                    while send.capacity() == 0 {
                        match poll_fn(|cx| send.poll_capacity(cx)).await {
                            Some(capacity) => {
                                capacity?;
                            }
                            None => return Ok(()),
                        }
                    }
                    send.send_data(chunk, false)?;
                }
                Err(err) => {
                    tracing::debug!(error = %err, "response body stream failed");
                    send.send_reset(h2::Reason::INTERNAL_ERROR);
                    return Ok(());
                }
            }
        }
        send.send_data(Bytes::new(), true)
    }
}

/// After a refusal, reads and discards what the client still sends, up to [`LINGER_BYTES`]
/// within [`LINGER_TIME`] (HTTP/1.1 lingers the same way): a client that was about to finish
/// ends its stream itself. Past that, dropping `body` resets the stream with `NO_ERROR`
/// (RFC 9113 §8.1), which tells the client to stop sending without failing the request —
/// though some clients (curl 7.88) report any reset as an error, hence the grace. A request
/// without a body (`None`) has nothing left to send.
async fn linger(body: Option<h2::RecvStream>) {
    let Some(mut body) = body else {
        return;
    };
    let drain = async {
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match body.data().await {
                Some(Ok(chunk)) => {
                    drained += chunk.len();
                    let _ = body.flow_control().release_capacity(chunk.len());
                }
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}

/// The body length a request announces in `content-length`, if it is a number.
fn announced_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn too_large() -> Refusal {
    Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
}

/// A streamed request body (`c.body_stream()`): DATA frames as they arrive. Flow-control
/// credit is given back only as the handler takes chunks, so the client can run at most a
/// window ahead of the handler.
struct RequestBody {
    recv: h2::RecvStream,
}

impl Stream for RequestBody {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let recv = &mut self.get_mut().recv;
        match recv.poll_data(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let _ = recv.flow_control().release_capacity(chunk.len());
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                format!("HTTP/2 request body failed: {err}"),
            )))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
