//! The hertz-rs HTTP/1.1 client (Hertz's `pkg/app/client`): a pool of keep-alive
//! connections per host, typed timeouts, retries, middleware, streamed bodies, service
//! discovery, TLS and proxies.
//!
//! Where it sits: the client runs the request path backwards, from the application down to
//! the socket, and reuses the server's layers on the way.
//!
//! ```text
//!  handler / app ──▶ [hertz-client] ─────────────▶ hertz-protocol ──────▶ hertz-transport ──▶ socket
//!  Client::do_(ctx,   middleware, retries,          http1::client:          Dialer, TokioConn
//!   req, resp)        HostClient + pool,            request encode,         (TCP; TLS via rustls
//!                     timeouts, discovery           response parse,         in this crate)
//!                                                   body framing
//! ```
//!
//! A call goes through the middleware chain ([`ClientBuilder::use_`], earlier = outer) to
//! the endpoint, which picks the [`HostClient`] for the URL's scheme + host + port, takes a
//! kept-alive connection from its pool (or dials one within the dial timeout), writes the
//! request, reads the response, and gives the connection back. Retries ([`RetryConfig`])
//! wrap each attempt.
//!
//! ```no_run
//! use std::time::Duration;
//! use hertz_client::{Client, Context, Delay, RetryConfig};
//!
//! # async fn run() -> Result<(), hertz_client::Error> {
//! let client = Client::builder()
//!     .dial_timeout(Duration::from_secs(1))
//!     .read_timeout(Duration::from_secs(2))
//!     .retry(RetryConfig::new().max_attempts(3).delay(Delay::Backoff {
//!         base: Duration::from_millis(10),
//!         max: Duration::from_millis(200),
//!     }))
//!     .build()?;
//! let resp = client.get(&Context::background(), "http://127.0.0.1:8888/ping").await?;
//! assert_eq!(resp.status().as_u16(), 200);
//! # Ok(()) }
//! ```
//!
//! Caller-owned buffers, per-request options, and the handler's [`Context`] (its
//! cancellation reaches the downstream call), as the README shows:
//!
//! ```no_run
//! use std::time::Duration;
//! use hertz_client::{Client, Context, Request, RequestOptions, Response, RetryConfig};
//!
//! async fn call(ctx: Context) -> Result<(), hertz_client::Error> {
//!     let client = Client::builder()
//!         .read_timeout(Duration::from_secs(2))
//!         .retry(RetryConfig::new().max_attempts(3))
//!         .build()?;
//!     let mut req = Request::new();
//!     let mut resp = Response::new();
//!     req.set_uri("http://127.0.0.1:8888/ping");
//!     let opts = RequestOptions::new().timeout(Duration::from_secs(5));
//!     client.do_with(&ctx, &mut req, &mut resp, &opts).await
//! }
//! ```
//!
//! # Behaviour
//! * **Errors** are one [`Error`] type; [`ErrorKind`] names which timeout fired
//!   ([`ErrorKind::DialTimeout`], [`PoolTimeout`](ErrorKind::PoolTimeout),
//!   [`WriteTimeout`](ErrorKind::WriteTimeout), [`ReadTimeout`](ErrorKind::ReadTimeout),
//!   [`RequestTimeout`](ErrorKind::RequestTimeout)) or what else went wrong.
//! * **Stale connections**: an idle connection the server closed is detected when taken
//!   from the pool and replaced. If the server closes it after the request went out, the
//!   request is re-sent on a fresh connection only when that is safe: the method is
//!   idempotent (RFC 9110 §9.2.2), or nothing was written yet. A POST already written is
//!   never re-sent; the call fails with [`ErrorKind::ConnectionClosed`].
//! * **Framing** (RFC 9112 §6.3): `Content-Length`, chunked, read-until-close, no body for
//!   HEAD/1xx/204/304; 1xx interim responses are skipped; `101` hands the connection over
//!   ([`Client::upgrade`]). A malformed response, a bad chunk, a length mismatch or an
//!   oversized head is a typed error and the connection is discarded; the pool is unharmed.
//! * **Streaming**: with [`ClientBuilder::response_body_stream`] (or per request) the body
//!   is a stream read as it arrives. Read to the end, the connection returns to the pool;
//!   dropped early, the connection is closed.
//!
//! # Not yet
//! HTTP/2, response trailers in [`Response`], cookies, compression, proxy settings from the
//! environment.
#![deny(missing_docs)]

mod builder;
mod client;
mod connector;
mod error;
mod exchange;
mod host_client;
mod middleware;
mod options;
mod pool;
mod proxy;
mod redirect;
mod retry;
mod stats;
mod stream;
mod tls;
mod url;

pub mod discovery;

pub use builder::ClientBuilder;
pub use client::Client;
pub use error::{Error, ErrorKind};
pub use host_client::HostClient;
pub use middleware::{middleware_fn, BoxFuture, Endpoint, Middleware, Next};
pub use options::RequestOptions;
pub use proxy::Proxy;
pub use redirect::RedirectPolicy;
pub use retry::{Delay, RetryConfig, RetryIf};
pub use stats::PoolStats;
pub use tls::{TlsConfig, TlsConfigBuilder};
pub use url::Scheme;

/// The message and context types the client shares with the server.
pub use hertz_protocol::{BodyStream, Context, HeaderMap, Method, Request, Response, StatusCode};
/// The transport connection handed back by [`Client::upgrade`].
pub use hertz_transport::Conn;
