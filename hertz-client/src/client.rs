//! `Client`: the entry point (Hertz's `client.Client`). It keeps a [`HostClient`] per
//! scheme + host + port, runs the middleware chain, and retries.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hertz_protocol::http1::client::HeadLimits;
use hertz_protocol::{Context, Method, Request, Response};
use hertz_transport::Conn;
use tokio::sync::Semaphore;

use crate::connector::Connector;
use crate::host_client::{AttemptError, Outcome, Settings};
use crate::middleware::{BoxFuture, Endpoint, Next};
use crate::pool::PoolConfig;
use crate::url::{Scheme, Url};
use crate::{
    redirect, ClientBuilder, Error, ErrorKind, HostClient, Middleware, PoolStats, Proxy,
    RedirectPolicy, RequestOptions, RetryConfig, TlsConfig,
};

pub(crate) const DEFAULT_USER_AGENT: &str = "hertz-rs";

/// Stale-connection re-sends per call: each one needs a kept-alive connection that turned
/// out closed, so a few cover a pool full of them.
const MAX_STALE_RETRIES: u32 = 4;

pub(crate) struct ClientConfig {
    pub dial_timeout: Duration,
    pub max_conns_per_host: usize,
    pub max_conns_total: Option<usize>,
    pub max_idle_conn_duration: Duration,
    pub max_conn_duration: Option<Duration>,
    pub max_conn_wait_timeout: Duration,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
    pub keep_alive: bool,
    pub retry: RetryConfig,
    pub tls: Option<TlsConfig>,
    pub proxy: Option<Proxy>,
    pub redirect: RedirectPolicy,
    pub user_agent: String,
    pub stream_response: bool,
    pub max_body: usize,
    pub limits: HeadLimits,
    pub read_buffer_size: usize,
}

/// A pooled HTTP/1.1 client. Cheap to clone; clones share pools and configuration.
///
/// ```no_run
/// use hertz_client::{Client, Context, Request, Response};
///
/// # async fn run() -> Result<(), hertz_client::Error> {
/// let client = Client::builder().build()?;
/// let ctx = Context::background();
///
/// // Caller-owned buffers, reused across calls:
/// let mut req = Request::new();
/// let mut resp = Response::new();
/// req.set_uri("http://127.0.0.1:8888/ping");
/// client.do_(&ctx, &mut req, &mut resp).await?;
/// assert_eq!(resp.status().as_u16(), 200);
///
/// // Or a one-off:
/// let resp = client.get(&ctx, "http://127.0.0.1:8888/ping").await?;
/// println!("{}", String::from_utf8_lossy(resp.body().unwrap_or_default()));
/// # Ok(()) }
/// ```
///
/// Inside a handler, pass the handler's [`Context`]: when the client of *that* request
/// disconnects (or the server shuts down), the downstream call is cancelled too and fails
/// with [`ErrorKind::Canceled`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    chain: Vec<Arc<dyn Middleware>>,
    endpoint: ClientEndpoint,
}

/// What the endpoint and the host registry share.
struct Shared {
    settings: Arc<Settings>,
    pool: PoolConfig,
    retry: RetryConfig,
    redirect: RedirectPolicy,
    request_timeout: Option<Duration>,
    /// Host clients by (scheme, port), then host: lookups need no allocation.
    hosts: RwLock<HashMap<(Scheme, u16), Vec<HostClient>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("hosts", &self.host_clients().len())
            .field("middleware", &self.inner.chain.len())
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::from_builder(ClientBuilder::default())
    }
}

impl Client {
    /// A builder with Hertz's defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the default options.
    pub fn new() -> Client {
        Client::default()
    }

    pub(crate) fn from_builder(builder: ClientBuilder) -> Client {
        let c = builder.config;
        let settings = Arc::new(Settings {
            keep_alive: c.keep_alive,
            user_agent: c.user_agent,
            read_timeout: c.read_timeout,
            write_timeout: c.write_timeout,
            stream_response: c.stream_response,
            limits: c.limits,
            max_body: c.max_body,
            connector: Arc::new(Connector::new(
                c.dial_timeout,
                c.read_buffer_size,
                c.tls,
                c.proxy,
            )),
        });
        let shared = Arc::new(Shared {
            settings,
            pool: PoolConfig {
                max_conns: c.max_conns_per_host,
                max_idle_duration: c.max_idle_conn_duration,
                max_conn_duration: c.max_conn_duration,
                max_wait: c.max_conn_wait_timeout,
                total: c.max_conns_total.map(|n| Arc::new(Semaphore::new(n))),
            },
            retry: c.retry,
            redirect: c.redirect,
            request_timeout: c.request_timeout,
            hosts: RwLock::new(HashMap::new()),
        });
        Client {
            inner: Arc::new(Inner {
                endpoint: ClientEndpoint {
                    shared: shared.clone(),
                },
                shared,
                chain: builder.middleware,
            }),
        }
    }

    /// Sends `req` (its URI must be absolute: `http://host[:port]/path?query`) and fills
    /// `resp`. Does not follow redirects. Both buffers belong to the caller and keep their
    /// allocations across calls.
    ///
    /// # Errors
    /// A typed [`Error`]: [`Error::kind`] tells which timeout fired, whether the response
    /// was malformed, the dial failed, the context was cancelled, …
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future abandons the call, and the connection it was using
    /// is closed rather than returned to the pool.
    pub async fn do_(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
    ) -> Result<(), Error> {
        self.do_with(ctx, req, resp, &RequestOptions::default())
            .await
    }

    /// [`do_`](Self::do_) with per-request options.
    ///
    /// # Errors
    /// As [`do_`](Self::do_).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn do_with(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        opts: &RequestOptions,
    ) -> Result<(), Error> {
        let deadline = opts
            .timeout
            .or(self.inner.shared.request_timeout)
            .map(|t| (Instant::now() + t, t));
        self.call(ctx, req, resp, opts, deadline).await
    }

    /// [`do_`](Self::do_) bounded by `timeout` as a whole (Hertz's `DoTimeout`).
    ///
    /// # Errors
    /// [`ErrorKind::RequestTimeout`] when the time is up; otherwise as [`do_`](Self::do_).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn do_timeout(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        timeout: Duration,
    ) -> Result<(), Error> {
        let opts = RequestOptions::default();
        self.call(
            ctx,
            req,
            resp,
            &opts,
            Some((Instant::now() + timeout, timeout)),
        )
        .await
    }

    /// [`do_`](Self::do_) that must finish by `deadline` (Hertz's `DoDeadline`).
    ///
    /// # Errors
    /// [`ErrorKind::RequestTimeout`] when the deadline passes; otherwise as
    /// [`do_`](Self::do_).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn do_deadline(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        deadline: Instant,
    ) -> Result<(), Error> {
        let opts = RequestOptions::default();
        let total = deadline.saturating_duration_since(Instant::now());
        self.call(ctx, req, resp, &opts, Some((deadline, total)))
            .await
    }

    /// [`do_`](Self::do_), following up to `max_redirects` redirects (Hertz's
    /// `DoRedirects`); `req` ends up describing the last hop.
    ///
    /// # Errors
    /// [`ErrorKind::TooManyRedirects`] past the limit; otherwise as [`do_`](Self::do_).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn do_redirects(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        max_redirects: usize,
    ) -> Result<(), Error> {
        self.follow(ctx, req, resp, &RequestOptions::default(), max_redirects)
            .await
    }

    /// `GET url`, following redirects by the client's policy, into a new [`Response`].
    ///
    /// # Errors
    /// As [`do_redirects`](Self::do_redirects).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn get(&self, ctx: &Context, url: &str) -> Result<Response, Error> {
        self.send_new(ctx, Method::Get, url, Bytes::new()).await
    }

    /// `POST url` with `body`, following redirects by the client's policy.
    ///
    /// # Errors
    /// As [`do_redirects`](Self::do_redirects).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn post(
        &self,
        ctx: &Context,
        url: &str,
        body: impl Into<Bytes>,
    ) -> Result<Response, Error> {
        self.send_new(ctx, Method::Post, url, body.into()).await
    }

    async fn send_new(
        &self,
        ctx: &Context,
        method: Method,
        url: &str,
        body: Bytes,
    ) -> Result<Response, Error> {
        let mut req = Request::new();
        req.set_method(method);
        req.set_uri(url);
        req.set_body(body);
        let mut resp = Response::new();
        let max = self.inner.shared.redirect.max;
        self.follow(ctx, &mut req, &mut resp, &RequestOptions::default(), max)
            .await?;
        Ok(resp)
    }

    async fn follow(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        opts: &RequestOptions,
        max_redirects: usize,
    ) -> Result<(), Error> {
        let mut hops = 0;
        loop {
            self.do_with(ctx, req, resp, opts).await?;
            if max_redirects == 0 || !redirect::prepare_next(req, resp)? {
                return Ok(());
            }
            hops += 1;
            if hops > max_redirects {
                return Err(Error::new(ErrorKind::TooManyRedirects)
                    .with_detail(format!("more than {max_redirects}")));
            }
        }
    }

    /// Sends a request asking to switch protocols (the caller sets `Connection: Upgrade`
    /// and `Upgrade`). On `101 Switching Protocols` the connection is handed back, leaving
    /// the pool; any other answer fills `resp` and returns `None`. Middleware and retries
    /// do not apply.
    ///
    /// # Errors
    /// As [`do_`](Self::do_).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`do_`](Self::do_).
    pub async fn upgrade(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
    ) -> Result<Option<Box<dyn Conn>>, Error> {
        let stream = req.take_body_stream();
        let url = Url::parse(req.uri())?;
        let host = self.inner.shared.host_client(&url);
        let opts = RequestOptions::default();
        let call = host.round_trip(req, stream, resp, &url, &opts, true);
        let outcome = tokio::select! {
            biased;
            _ = ctx.cancelled() => return Err(Error::new(ErrorKind::Canceled)),
            outcome = call => outcome.map_err(|e| e.error)?,
        };
        Ok(match outcome {
            Outcome::Upgraded(conn) => Some(conn),
            Outcome::Done => None,
        })
    }

    async fn call(
        &self,
        ctx: &Context,
        req: &mut Request,
        resp: &mut Response,
        opts: &RequestOptions,
        deadline: Option<(Instant, Duration)>,
    ) -> Result<(), Error> {
        if ctx.is_cancelled() {
            return Err(Error::new(ErrorKind::Canceled));
        }
        let chain = Next::new(&self.inner.chain, &self.inner.endpoint, opts).run(ctx, req, resp);
        let bounded = async move {
            match deadline {
                Some((at, total)) => {
                    tokio::time::timeout_at(tokio::time::Instant::from_std(at), chain)
                        .await
                        .unwrap_or_else(|_| {
                            Err(Error::new(ErrorKind::RequestTimeout)
                                .with_detail(format!("not done within {total:?}")))
                        })
                }
                None => chain.await,
            }
        };
        tokio::select! {
            biased;
            _ = ctx.cancelled() => Err(Error::new(ErrorKind::Canceled)),
            res = bounded => res,
        }
    }

    /// The host client for `url`'s scheme, host and port (created if needed).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidUrl`].
    pub fn host_client(&self, url: &str) -> Result<HostClient, Error> {
        let url = Url::parse(url)?;
        Ok(self.inner.shared.host_client(&url))
    }

    /// Every host client so far.
    pub fn host_clients(&self) -> Vec<HostClient> {
        let hosts = self
            .inner
            .shared
            .hosts
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        hosts.values().flatten().cloned().collect()
    }

    /// Pool statistics summed over every host.
    pub fn stats(&self) -> PoolStats {
        self.host_clients()
            .iter()
            .fold(PoolStats::default(), |sum, h| sum + h.stats())
    }

    /// Closes every idle connection of every host.
    pub fn close_idle_connections(&self) {
        for host in self.host_clients() {
            host.close_idle_connections();
        }
    }
}

impl Shared {
    fn host_client(&self, url: &Url<'_>) -> HostClient {
        let key = (url.scheme, url.port);
        {
            let hosts = self.hosts.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(found) = hosts
                .get(&key)
                .and_then(|v| v.iter().find(|h| h.matches(url)))
            {
                return found.clone();
            }
        }
        let mut hosts = self.hosts.write().unwrap_or_else(PoisonError::into_inner);
        let list = hosts.entry(key).or_default();
        if let Some(found) = list.iter().find(|h| h.matches(url)) {
            return found.clone();
        }
        let host = HostClient::new(url, self.pool.clone(), self.settings.clone());
        list.push(host.clone());
        host
    }

    /// Makes room under the client-wide cap by closing one idle connection somewhere.
    fn close_one_idle(&self) {
        let hosts = self.hosts.read().unwrap_or_else(PoisonError::into_inner);
        for host in hosts.values().flatten() {
            if host.close_one_idle() {
                return;
            }
        }
    }
}

/// The end of the middleware chain: pick the host client, send, retry.
struct ClientEndpoint {
    shared: Arc<Shared>,
}

impl Endpoint for ClientEndpoint {
    fn call<'a>(
        &'a self,
        _ctx: &'a Context,
        req: &'a mut Request,
        resp: &'a mut Response,
        opts: &'a RequestOptions,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.send(req, resp, opts))
    }
}

impl ClientEndpoint {
    async fn send(
        &self,
        req: &mut Request,
        resp: &mut Response,
        opts: &RequestOptions,
    ) -> Result<(), Error> {
        let shared = &*self.shared;
        let mut stream = req.take_body_stream();
        let streamed = stream.is_some();
        let req: &Request = req;
        let url = Url::parse(req.uri())?;
        let host = shared.host_client(&url);
        if let Some(total) = &shared.pool.total {
            if total.available_permits() == 0 {
                shared.close_one_idle();
            }
        }
        let retry = &shared.retry;
        let mut attempt = 1;
        let mut stale_resends = 0;
        loop {
            let res = host
                .round_trip(req, stream.take(), resp, &url, opts, false)
                .await;
            match res {
                Ok(_) => {
                    if attempt < retry.max_attempts
                        && !streamed
                        && retry.retry_if.is_some()
                        && retry.should_retry(req, Ok(resp))
                    {
                        resp.reset();
                    } else {
                        return Ok(());
                    }
                }
                Err(AttemptError { error, stale }) => {
                    if stale && stale_resends < MAX_STALE_RETRIES {
                        stale_resends += 1;
                        tracing::debug!(%error, "kept-alive connection was closed; re-sending");
                        continue;
                    }
                    if attempt >= retry.max_attempts
                        || streamed
                        || error.is_final()
                        || !retry.should_retry(req, Err(&error))
                    {
                        return Err(error);
                    }
                    tracing::debug!(%error, attempt, "retrying");
                }
            }
            let delay = retry.delay.delay(attempt);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            attempt += 1;
        }
    }
}
