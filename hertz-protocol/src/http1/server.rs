//! The HTTP/1.1 connection loop: read a head, read its body, run the core, write the
//! response, repeat while the connection may be kept alive.
//!
//! Pipelining falls out of the buffers: responses are appended to the connection's output
//! buffer and flushed only when no further complete request is already buffered, so a batch
//! of pipelined requests is answered, in order, with one write.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use hertz_transport::{clock, CancelToken, Cancelled, Conn, ConnExt};

use super::body_stream::{BodyFeeder, Fed};
use super::chunked::ChunkedDecoder;
use super::encode::{self, Framing};
use super::parse::{self, BodyFraming, HeadInfo};
use super::Reject;
use crate::core::Interval;
use crate::response::BodyForWrite;
use crate::{Context, Core, Exchange, Method, Server, ServerConfig, ServerFactory, StatusCode};

/// Pending response bytes above which the server flushes even while more pipelined requests
/// are buffered, so a long pipeline cannot grow the output buffer without bound.
const MAX_PENDING_WRITE: usize = 64 * 1024;
/// After refusing a request, how long and how much unread input is drained before closing, so
/// the client reads the error response instead of a connection reset.
const LINGER_TIME: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 256 * 1024;
/// The most input buffer reserved for an announced body before its bytes arrive: a peer
/// that announces a large body makes the buffer grow as the body comes, not all at once.
const MAX_BODY_RESERVE: usize = 256 * 1024;

/// Builds [`Http1Server`]s: the `"http/1.1"` protocol.
#[derive(Clone, Debug, Default)]
pub struct Http1Factory {
    config: ServerConfig,
}

impl Http1Factory {
    /// A factory whose servers enforce `config`.
    pub fn new(config: ServerConfig) -> Self {
        Http1Factory { config }
    }
}

impl<C: Core> ServerFactory<C> for Http1Factory {
    fn protocol(&self) -> &'static str {
        "http/1.1"
    }

    fn new_server(&self, core: Arc<C>) -> Arc<dyn Server> {
        Arc::new(Http1Server {
            core,
            config: self.config.clone(),
        })
    }
}

/// The HTTP/1.1 protocol server.
#[derive(Debug)]
pub struct Http1Server<C> {
    core: Arc<C>,
    config: ServerConfig,
}

impl<C: Core> Server for Http1Server<C> {
    fn serve_conn(
        self: Arc<Self>,
        conn: Box<dyn Conn>,
        shutdown: CancelToken,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let accepted = clock::now();
            let mut state = ConnState::new(&self, conn, shutdown);
            if let Err(err) = state.run(accepted).await {
                tracing::debug!(error = %err, "connection ended with an I/O error");
            }
            let _ = poll_fn(|cx| state.conn.poll_shutdown(cx)).await;
        })
    }
}

/// Why the request loop stopped.
enum Stop {
    /// Closed cleanly: peer EOF, idle timeout, shutdown, or `Connection: close` answered.
    Closed,
    /// A request was refused; answer it and close.
    Reject(Reject),
}

/// One connection's state, reused across its requests.
struct ConnState<'s, C: Core> {
    server: &'s Http1Server<C>,
    conn: Box<dyn Conn>,
    exchange: C::Exchange,
    shutdown: CancelToken,
    /// Waits for `shutdown` while the connection is idle; kept across waits so that it
    /// registers once per connection, not once per request.
    shutdown_wait: Cancelled,
    /// Cancels the contexts of this connection's requests (a child of `shutdown`).
    conn_token: CancelToken,
    ctx: Context,
    /// Whether the peer was seen to close while a handler ran.
    peer_gone: bool,
    /// Feeds a streamed request body to the handler (with `stream_body`).
    feeder: Option<BodyFeeder>,
    trace: bool,
}

impl<'s, C: Core> ConnState<'s, C> {
    fn new(server: &'s Http1Server<C>, conn: Box<dyn Conn>, shutdown: CancelToken) -> Self {
        let conn_token = shutdown.child();
        ConnState {
            exchange: server.core.new_exchange(conn.peer_addr()),
            server,
            conn,
            ctx: Context::with_token(conn_token.clone()),
            conn_token,
            shutdown_wait: shutdown.cancelled_owned(),
            shutdown,
            peer_gone: false,
            feeder: None,
            trace: server.core.trace_enabled(),
        }
    }

    fn config(&self) -> &ServerConfig {
        &self.server.config
    }

    async fn run(&mut self, accepted: Instant) -> io::Result<()> {
        let mut head_deadline = Some(accepted + self.config().header_read_timeout);
        loop {
            match self.serve_one(head_deadline).await {
                Ok(true) => head_deadline = None,
                Ok(false) | Err(Stop::Closed) => return self.flush().await,
                Err(Stop::Reject(reject)) => return self.refuse(reject).await,
            }
        }
    }

    /// Serves one request. `Ok(true)`: keep the connection for another.
    async fn serve_one(&mut self, head_deadline: Option<Instant>) -> Result<bool, Stop> {
        // Clock reads cost; without a tracer nothing is timed.
        let header_started = self.trace.then(Instant::now);
        // A head already buffered (pipelined, or read while the last handler ran) is taken
        // without the waiting machinery: no deadlines to set, no future to build.
        let (head_len, info) = match self.take_head()? {
            Some(head) => head,
            None => self.read_head(head_deadline).await?,
        };
        let header_read = header_started.map(|start| Interval {
            start,
            end: Instant::now(),
        });
        if info.framing != BodyFraming::Empty {
            self.read_body(info).await?;
        }
        if let Some(header_read) = header_read {
            let body_len = self.exchange.request().body().len();
            let stats = self.exchange.stats_mut();
            stats.read_header = Some(header_read);
            stats.read_body = Some(Interval {
                start: header_read.end,
                end: Instant::now(),
            });
            stats.recv_size = head_len + body_len;
        }

        self.handle().await;
        // A streamed body the handler did not read to the end leaves the connection at an
        // unknown point of the request: it cannot carry another one.
        let body_unread = self.feeder.take().is_some_and(|feeder| !feeder.is_done());

        let keep_alive = info.keep_alive
            && !body_unread
            && self.config().keep_alive
            && !self.exchange.response().connection_close()
            && !self.shutdown.is_cancelled()
            && !self.peer_gone;
        // Awaits only where the connection may have to wait: a streamed body, and the flush,
        // which is skipped while more pipelined requests are buffered (one write answers them
        // all).
        let started = self.trace.then(Instant::now);
        let now = clock::now();
        let (stream, keep_alive, mut sent) = self.encode_response(keep_alive, now);
        let mut written = Ok(());
        if let Some((stream, framing)) = stream {
            match self.write_stream(stream, framing).await {
                Ok(n) => sent += n,
                Err(err) => written = Err(err),
            }
        }
        let pipelined = !self.conn.is_empty() && self.conn.pending_write() < MAX_PENDING_WRITE;
        if written.is_ok() && (!keep_alive || !pipelined) {
            written = self.flush_at(now).await;
        }
        if let Some(start) = started {
            let stats = self.exchange.stats_mut();
            stats.write = Some(Interval {
                start,
                end: Instant::now(),
            });
            stats.send_size = sent;
        }
        self.server.core.finish(&self.ctx, &mut self.exchange);
        written.map_err(|_| Stop::Closed)?;

        self.exchange.reset();
        self.conn.release();
        self.ctx.recycle(&self.conn_token);
        Ok(keep_alive)
    }

    /// Waits for a complete head and fills the request from it; called when
    /// [`take_head`](Self::take_head) found none buffered, so it reads before parsing again.
    ///
    /// `deadline`: when the head must be complete, for a new connection (counted from the
    /// accept); for a kept-alive one, the idle timeout runs until the first byte arrives and
    /// the header timeout from then on.
    async fn read_head(&mut self, deadline: Option<Instant>) -> Result<(usize, HeadInfo), Stop> {
        let config = self.config();
        let header_timeout = config.header_read_timeout;
        let now = clock::now();
        let mut deadline = match deadline {
            Some(d) => d,
            None if self.conn.is_empty() => now + config.idle_timeout,
            None => now + header_timeout,
        };
        let mut waiting_first_byte = self.conn.is_empty();
        self.conn.set_read_deadline(Some(deadline));
        loop {
            // Answer everything already handled before waiting for the client.
            if self.conn.pending_write() > 0 {
                self.flush().await.map_err(|_| Stop::Closed)?;
            }
            let idle = self.conn.is_empty();
            match self.fill_or_shutdown(idle).await {
                Ok(0) | Err(FillError::Shutdown) => return Err(Stop::Closed),
                Ok(_) => {}
                Err(FillError::Io(err)) if err.kind() == io::ErrorKind::TimedOut => {
                    return Err(if idle {
                        // Nothing of a request arrived: close quietly, as for an idle peer.
                        Stop::Closed
                    } else {
                        Stop::Reject(Reject::new(
                            StatusCode::REQUEST_TIMEOUT,
                            "timed out reading the request head",
                        ))
                    });
                }
                Err(FillError::Io(_)) => return Err(Stop::Closed),
            }
            if waiting_first_byte {
                waiting_first_byte = false;
                deadline = deadline.min(clock::now() + header_timeout);
                self.conn.set_read_deadline(Some(deadline));
            }
            if let Some(head) = self.take_head()? {
                return Ok(head);
            }
        }
    }

    /// Fills the request from a complete head in the buffer, if there is one: its length and
    /// what it says about the exchange.
    fn take_head(&mut self) -> Result<Option<(usize, HeadInfo)>, Stop> {
        let len = self.conn.len();
        if len == 0 {
            return Ok(None);
        }
        let config = &self.server.config;
        let buf = self.conn.peek(len);
        let parsed = parse::parse_head(buf, config, self.exchange.request_mut());
        let Some((head_len, info)) = parsed.map_err(Stop::Reject)? else {
            return Ok(None);
        };
        // The request holds its own copy of the head.
        self.conn.skip(head_len);
        Ok(Some((head_len, info)))
    }

    /// Reads more input; while `idle`, also gives up when the server shuts down.
    async fn fill_or_shutdown(&mut self, idle: bool) -> Result<usize, FillError> {
        if !idle {
            return self.conn.fill().await.map_err(FillError::Io);
        }
        let shutdown = &mut self.shutdown_wait;
        let conn = &mut self.conn;
        poll_fn(|cx| {
            if let Poll::Ready(res) = conn.poll_fill(cx) {
                return Poll::Ready(res.map_err(FillError::Io));
            }
            Pin::new(&mut *shutdown)
                .poll(cx)
                .map(|()| Err(FillError::Shutdown))
        })
        .await
    }

    /// Reads the body the head announced into the request.
    async fn read_body(&mut self, info: HeadInfo) -> Result<(), Stop> {
        if self.config().stream_body && info.framing != BodyFraming::Empty {
            self.continue_if_expected(info, 1).await?;
            let max_trailers = self.config().max_header_bytes;
            let (feeder, reader) = BodyFeeder::new(info.framing, max_trailers);
            self.exchange
                .request_mut()
                .set_body_stream(Box::pin(reader));
            self.feeder = Some(feeder);
            return Ok(());
        }
        let max = self.config().max_body_bytes;
        match info.framing {
            BodyFraming::Empty => Ok(()),
            BodyFraming::Length(len) => {
                if len > max as u64 {
                    return Err(Stop::Reject(Reject::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "request body too large",
                    )));
                }
                let len = len as usize;
                self.continue_if_expected(info, len).await?;
                if self.conn.len() < len {
                    // Room for the rest up front: fewer reads, and the body stays contiguous.
                    self.conn
                        .reserve((len - self.conn.len()).min(MAX_BODY_RESERVE));
                }
                while self.conn.len() < len {
                    self.fill_body().await?;
                }
                let body = self.conn.read_bytes(len);
                self.exchange.request_mut().set_body(body);
                Ok(())
            }
            BodyFraming::Chunked => {
                self.continue_if_expected(info, 1).await?;
                let mut decoder = ChunkedDecoder::new(max, self.config().max_header_bytes);
                let mut body = BytesMut::new();
                loop {
                    let len = self.conn.len();
                    let buf = self.conn.peek(len);
                    let used = decoder
                        .decode(buf, &mut body, self.exchange.request_mut().trailers_mut())
                        .map_err(Stop::Reject)?;
                    self.conn.skip(used);
                    if decoder.is_done() {
                        self.exchange.request_mut().set_body(body.freeze());
                        return Ok(());
                    }
                    self.fill_body().await?;
                }
            }
        }
    }

    /// Sends `100 Continue` when the client waits for it and the body is not here yet.
    async fn continue_if_expected(&mut self, info: HeadInfo, needed: usize) -> Result<(), Stop> {
        if info.expect_continue && self.conn.len() < needed {
            self.conn
                .write_buf()
                .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            self.flush().await.map_err(|_| Stop::Closed)?;
        }
        Ok(())
    }

    /// One read of body bytes, bounded by the body read timeout.
    async fn fill_body(&mut self) -> Result<(), Stop> {
        let deadline = clock::now() + self.config().body_read_timeout;
        self.conn.set_read_deadline(Some(deadline));
        match self.conn.fill().await {
            Ok(0) => Err(Stop::Closed),
            Ok(_) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::TimedOut => Err(Stop::Reject(Reject::new(
                StatusCode::REQUEST_TIMEOUT,
                "timed out reading the request body",
            ))),
            Err(_) => Err(Stop::Closed),
        }
    }

    /// Runs the core while watching the connection: if the peer closes, the request's
    /// context is cancelled so the handler can stop early. With a streamed body, the
    /// connection is read only when the handler's body stream asks for more.
    async fn handle(&mut self) {
        let started = self.trace.then(Instant::now);
        self.conn.set_read_deadline(None);
        {
            let max_buffered = self.config().max_header_bytes;
            let body_timeout = self.config().body_read_timeout;
            let core = &*self.server.core;
            let ctx = &self.ctx;
            let conn = &mut self.conn;
            let peer_gone = &mut self.peer_gone;
            let mut feeder = self.feeder.as_mut();
            let mut watching = true;
            let exchange = &mut self.exchange;
            let mut serve = pin!(core.serve(ctx, exchange));
            poll_fn(|cx| loop {
                if serve.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
                if let Some(feeder) = feeder.as_deref_mut() {
                    // The handler reads the body: that read also notices a vanished peer.
                    if feed_body(feeder, &mut **conn, body_timeout, cx) {
                        continue;
                    }
                    return Poll::Pending;
                }
                // Reading ahead also buffers pipelined requests; stop once that is a lot.
                while watching && conn.len() < max_buffered {
                    match conn.poll_fill(cx) {
                        Poll::Ready(Ok(n)) if n > 0 => continue,
                        Poll::Ready(_) => {
                            watching = false;
                            *peer_gone = true;
                            ctx.cancel();
                        }
                        Poll::Pending => break,
                    }
                }
                if *peer_gone && serve.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
                return Poll::Pending;
            })
            .await;
        }
        if let Some(start) = started {
            self.exchange.stats_mut().handle = Some(Interval {
                start,
                end: Instant::now(),
            });
        }
    }

    /// Encodes the response head, and a buffered body, into the output buffer. Returns the
    /// body stream still to write (with its framing), whether the connection stays open (a
    /// close-delimited body ends it) and the bytes encoded.
    fn encode_response(
        &mut self,
        keep_alive: bool,
        now: Instant,
    ) -> (Option<(crate::BodyStream, Framing)>, bool, usize) {
        let version = self.exchange.request().version();
        let is_head = *self.exchange.request().method() == Method::Head;
        let server_name = self.config().server_name;
        let before = self.conn.pending_write();
        let resp = self.exchange.response_mut();
        let status = resp.status();
        let stream = resp.take_body_stream();
        let framing = match (&stream, resp.body()) {
            _ if status.forbids_body() => Framing::NoBody,
            (Some(_), _) if version == crate::Version::Http10 => Framing::UntilClose,
            (Some(_), _) => Framing::Chunked,
            (None, body) => Framing::Length(body.map_or(0, <[u8]>::len)),
        };
        let keep_alive = keep_alive && framing != Framing::UntilClose;
        encode::write_head(
            self.conn.write_buf(),
            resp,
            version,
            framing,
            keep_alive,
            server_name,
            now,
        );
        let mut sent = self.conn.pending_write() - before;
        if is_head || framing == Framing::NoBody {
            return (None, keep_alive, sent);
        }
        if stream.is_some() {
            return (stream.map(|stream| (stream, framing)), keep_alive, sent);
        }
        let body = self.exchange.response().body_for_write();
        sent += body.len();
        match body {
            BodyForWrite::Buffer(bytes) => self.conn.write_buf().extend_from_slice(bytes),
            BodyForWrite::Shared(bytes) => self.conn.write_bytes(bytes),
        }
        (None, keep_alive, sent)
    }

    /// Writes a streamed body chunk by chunk, flushing each so the client sees it promptly.
    async fn write_stream(
        &mut self,
        mut stream: crate::BodyStream,
        framing: Framing,
    ) -> io::Result<usize> {
        let mut sent = 0;
        while let Some(chunk) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            let chunk = chunk?;
            if chunk.is_empty() {
                continue;
            }
            sent += chunk.len();
            if framing == Framing::Chunked {
                encode::write_chunk_size(self.conn.write_buf(), chunk.len());
                self.conn.write_bytes(chunk);
                self.conn.write_buf().extend_from_slice(encode::CHUNK_END);
            } else {
                self.conn.write_bytes(chunk);
            }
            self.flush().await?;
        }
        if framing == Framing::Chunked {
            self.conn.write_buf().extend_from_slice(encode::LAST_CHUNK);
        }
        Ok(sent)
    }

    /// Writes everything pending within the write timeout.
    async fn flush(&mut self) -> io::Result<()> {
        if self.conn.pending_write() == 0 {
            return Ok(());
        }
        self.flush_at(clock::now()).await
    }

    /// [`flush`](Self::flush) with the write timeout counted from `now`.
    async fn flush_at(&mut self, now: Instant) -> io::Result<()> {
        if self.conn.pending_write() == 0 {
            return Ok(());
        }
        let deadline = now + self.config().write_timeout;
        self.conn.set_write_deadline(Some(deadline));
        self.conn.flush().await
    }

    /// Answers a refused request, then drains a little input so the answer is not lost to a
    /// TCP reset (the client may still be sending the body we refused).
    async fn refuse(&mut self, reject: Reject) -> io::Result<()> {
        tracing::debug!(
            status = reject.status.as_u16(),
            reason = reject.reason,
            peer = ?self.conn.peer_addr(),
            "refused request"
        );
        let server_name = self.config().server_name;
        encode::write_reject(self.conn.write_buf(), &reject, server_name);
        self.flush().await?;
        poll_fn(|cx| self.conn.poll_shutdown(cx)).await?;
        self.conn
            .set_read_deadline(Some(clock::now() + LINGER_TIME));
        let mut drained = 0;
        while drained < LINGER_BYTES {
            let len = self.conn.len();
            self.conn.skip(len);
            drained += len;
            match self.conn.fill().await {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        Ok(())
    }
}

/// Feeds the handler's body stream while it wants more; returns whether anything changed
/// for it (a chunk, the end of the body, or an error), so the handler should be polled again.
fn feed_body(
    feeder: &mut BodyFeeder,
    conn: &mut dyn Conn,
    body_timeout: Duration,
    cx: &mut std::task::Context<'_>,
) -> bool {
    while feeder.wanted(cx) {
        match feeder.feed(conn) {
            Ok(Fed::Progress) => return true,
            Ok(Fed::NeedInput) => {}
            Err(reject) => {
                feeder.finish(Err((io::ErrorKind::InvalidData, reject.reason)));
                return true;
            }
        }
        conn.set_read_deadline(Some(clock::now() + body_timeout));
        match conn.poll_fill(cx) {
            Poll::Ready(Ok(n)) if n > 0 => {}
            Poll::Ready(Ok(_)) => {
                feeder.finish(Err((
                    io::ErrorKind::UnexpectedEof,
                    "the client closed the connection before the end of the body",
                )));
                return true;
            }
            Poll::Ready(Err(err)) => {
                let why = if err.kind() == io::ErrorKind::TimedOut {
                    "timed out reading the request body"
                } else {
                    "the connection failed while reading the request body"
                };
                feeder.finish(Err((err.kind(), why)));
                return true;
            }
            Poll::Pending => return false,
        }
    }
    false
}

enum FillError {
    Io(io::Error),
    Shutdown,
}
