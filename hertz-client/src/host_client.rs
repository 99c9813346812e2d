//! `HostClient`: the pool and the exchange logic for one scheme + host + port (Hertz's
//! `HostClient`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hertz_protocol::http1::client::{HeadLimits, RequestBody, RequestHead, ResponseFraming};
use hertz_protocol::{BodyStream, Request, Response};
use hertz_transport::Conn;

use crate::connector::Connector;
use crate::exchange::{self, ReadFailure, WriteFailure};
use crate::pool::{Grant, Pool, PoolConfig, PooledConn};
use crate::stream::{EmptyBody, StreamingBody};
use crate::url::{Scheme, Url};
use crate::{Error, PoolStats, RequestOptions};

/// Client-wide settings every host client reads.
pub(crate) struct Settings {
    pub keep_alive: bool,
    pub user_agent: String,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    pub stream_response: bool,
    pub limits: HeadLimits,
    pub max_body: usize,
    pub connector: Arc<Connector>,
}

/// The connections to one `scheme://host:port`, and the requests sent on them. The
/// [`Client`](crate::Client) keeps one per host it has talked to; get it with
/// [`Client::host_client`](crate::Client::host_client) to read its pool statistics.
/// Cheap to clone.
#[derive(Clone)]
pub struct HostClient {
    inner: Arc<Inner>,
}

struct Inner {
    scheme: Scheme,
    host: Box<str>,
    port: u16,
    authority: Box<str>,
    pool: Pool,
    settings: Arc<Settings>,
}

impl fmt::Debug for HostClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostClient")
            .field("addr", &self.addr())
            .field("stats", &self.stats())
            .finish()
    }
}

/// A failed attempt, and whether it may be re-sent on a fresh connection regardless of the
/// retry policy.
pub(crate) struct AttemptError {
    pub error: Error,
    /// A kept-alive connection was found closed, and re-sending is safe: nothing was
    /// written, or the method is idempotent and no body stream was consumed.
    pub stale: bool,
}

impl From<Error> for AttemptError {
    fn from(error: Error) -> Self {
        AttemptError {
            error,
            stale: false,
        }
    }
}

/// What a successful exchange left behind.
pub(crate) enum Outcome {
    /// `resp` holds the response.
    Done,
    /// The server switched protocols; the connection is the caller's.
    Upgraded(Box<dyn Conn>),
}

impl HostClient {
    pub(crate) fn new(url: &Url<'_>, pool: PoolConfig, settings: Arc<Settings>) -> Self {
        HostClient {
            inner: Arc::new(Inner {
                scheme: url.scheme,
                host: url.host.to_ascii_lowercase().into(),
                port: url.port,
                authority: url.authority.to_ascii_lowercase().into(),
                pool: Pool::new(pool),
                settings,
            }),
        }
    }

    pub(crate) fn matches(&self, url: &Url<'_>) -> bool {
        self.inner.scheme == url.scheme
            && self.inner.port == url.port
            && self.inner.host.eq_ignore_ascii_case(url.host)
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.inner.scheme
    }

    /// The host name or address (no brackets around IPv6).
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// `scheme://authority`, e.g. `http://127.0.0.1:8080`.
    pub fn addr(&self) -> String {
        format!("{}://{}", self.inner.scheme.as_str(), self.inner.authority)
    }

    /// A snapshot of the pool.
    pub fn stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// Closes every idle connection of this host.
    pub fn close_idle_connections(&self) {
        self.inner.pool.close_idle();
    }

    pub(crate) fn close_one_idle(&self) -> bool {
        self.inner.pool.close_one_idle()
    }

    /// One attempt: a connection from the pool (or a new one), the request written, the
    /// response head read, and the body read or handed to `resp` as a stream.
    ///
    /// # Cancel safety
    /// Cancel safe as far as the pool goes: a connection in use is closed, never pooled,
    /// when the future is dropped; the response is left incomplete.
    pub(crate) async fn round_trip(
        &self,
        req: &Request,
        stream: Option<BodyStream>,
        resp: &mut Response,
        url: &Url<'_>,
        opts: &RequestOptions,
        upgrade: bool,
    ) -> Result<Outcome, AttemptError> {
        let settings = &*self.inner.settings;
        resp.reset();
        let mut pc = match self.inner.pool.acquire().await? {
            Grant::Conn(pc) => pc,
            Grant::Slot(slot) => {
                let conn = settings
                    .connector
                    .connect(url.scheme, url.host, url.port, url.authority)
                    .await?;
                PooledConn::new(conn, slot)
            }
        };
        let reused = pc.is_reused();
        let idempotent = req.method().is_idempotent();
        let has_stream = stream.is_some();
        let keep_alive = settings.keep_alive && req.keep_alive();
        let read_timeout = opts.read_timeout.or(settings.read_timeout);
        let write_timeout = opts.write_timeout.or(settings.write_timeout);

        let absolute;
        let target = if url.scheme == Scheme::Http && settings.connector.proxies_http() {
            absolute = format!("http://{}{}", url.authority, url.target);
            absolute.as_str()
        } else {
            &url.target
        };
        let head = RequestHead {
            method: req.method(),
            target,
            host: url.authority,
            headers: req.headers(),
            body: if has_stream {
                RequestBody::Chunked
            } else {
                RequestBody::Length(req.body().len())
            },
            keep_alive,
            user_agent: &settings.user_agent,
        };
        if let Err(WriteFailure { error, written }) =
            exchange::write_request(&mut *pc.conn, req, &head, stream, write_timeout).await
        {
            let broken = !error.is_timeout() && !error.is_invalid_request();
            return Err(AttemptError {
                stale: reused && broken && !has_stream && (!written || idempotent),
                error,
            });
        }
        let parsed =
            match exchange::read_head(&mut *pc.conn, resp, settings.limits, read_timeout).await {
                Ok(head) => head,
                Err(ReadFailure {
                    error,
                    nothing_received,
                }) => {
                    return Err(AttemptError {
                        stale: reused && nothing_received && idempotent && !has_stream,
                        error,
                    })
                }
            };
        let framing = ResponseFraming::new(
            req.method(),
            parsed.status,
            parsed.version,
            resp.headers(),
            settings.max_body,
        )
        .map_err(Error::protocol)?;
        if framing.is_upgrade() {
            if upgrade {
                return Ok(Outcome::Upgraded(pc.into_conn()));
            }
            // Nobody asked for the connection: it is closed with `pc`.
            return Ok(Outcome::Done);
        }
        let keep = keep_alive && framing.keep_alive();
        let mut decoder = framing.into_decoder();
        if opts.stream_response.unwrap_or(settings.stream_response) {
            if decoder.is_done() {
                // Nothing to stream (HEAD, 204, empty body): the connection is free now.
                if keep {
                    self.inner.pool.put(pc);
                }
                resp.set_body_stream(Box::pin(EmptyBody));
                return Ok(Outcome::Done);
            }
            let body = StreamingBody::new(pc, decoder, self.inner.pool.clone(), keep, read_timeout);
            resp.set_body_stream(Box::pin(body));
            return Ok(Outcome::Done);
        }
        exchange::read_body(&mut *pc.conn, &mut decoder, resp, read_timeout).await?;
        if keep {
            self.inner.pool.put(pc);
        }
        Ok(Outcome::Done)
    }
}
