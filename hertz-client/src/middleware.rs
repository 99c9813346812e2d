//! Client middleware (Hertz's `client.Middleware`): an onion around the [`Endpoint`] that
//! sends the request.
//!
//! Middleware registered earlier is outer: it sees the request first and the response
//! last. Each can change the request, call [`Next::run`] (or not, to short-circuit with a
//! response or an error of its own) and inspect the result.
//!
//! ```
//! use hertz_client::{middleware_fn, Client};
//!
//! let client = Client::builder()
//!     .use_(middleware_fn(|ctx, req, resp, next| {
//!         Box::pin(async move {
//!             req.headers_mut().insert("X-Trace", "1");
//!             let res = next.run(ctx, req, resp).await;
//!             tracing::debug!(status = %resp.status(), "downstream answered");
//!             res
//!         })
//!     }))
//!     .build()
//!     .unwrap();
//! # drop(client);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hertz_protocol::{Context, Request, Response};

use crate::{Error, RequestOptions};

/// A boxed, sendable future: what middleware and endpoints return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the middleware chain ends in: the client's pool, retries and protocol.
pub trait Endpoint: Send + Sync + 'static {
    /// Sends `req` and fills `resp`.
    fn call<'a>(
        &'a self,
        ctx: &'a Context,
        req: &'a mut Request,
        resp: &'a mut Response,
        opts: &'a RequestOptions,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// One layer of the onion.
pub trait Middleware: Send + Sync + 'static {
    /// Handles the call; `next.run(ctx, req, resp)` continues the chain.
    fn call<'a>(
        &'a self,
        ctx: &'a Context,
        req: &'a mut Request,
        resp: &'a mut Response,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// The rest of the chain after the current middleware.
pub struct Next<'a> {
    rest: &'a [Arc<dyn Middleware>],
    endpoint: &'a dyn Endpoint,
    opts: &'a RequestOptions,
}

impl<'a> Next<'a> {
    pub(crate) fn new(
        chain: &'a [Arc<dyn Middleware>],
        endpoint: &'a dyn Endpoint,
        opts: &'a RequestOptions,
    ) -> Self {
        Next {
            rest: chain,
            endpoint,
            opts,
        }
    }

    /// The call's options.
    pub fn options(&self) -> &'a RequestOptions {
        self.opts
    }

    /// Runs the rest of the chain with other options (a middleware that sets a per-route
    /// timeout or turns discovery on, say).
    pub fn with_options(self, opts: &'a RequestOptions) -> Self {
        Next { opts, ..self }
    }

    /// Runs the rest of the chain.
    ///
    /// # Cancel safety
    /// Dropping the future abandons the call; a connection in use is closed, never pooled.
    pub fn run<'b>(
        self,
        ctx: &'b Context,
        req: &'b mut Request,
        resp: &'b mut Response,
    ) -> BoxFuture<'b, Result<(), Error>>
    where
        'a: 'b,
    {
        match self.rest.split_first() {
            Some((first, rest)) => {
                let next = Next {
                    rest,
                    endpoint: self.endpoint,
                    opts: self.opts,
                };
                first.call(ctx, req, resp, next)
            }
            None => self.endpoint.call(ctx, req, resp, self.opts),
        }
    }
}

/// A middleware from a closure returning a boxed future.
pub fn middleware_fn<F>(f: F) -> impl Middleware
where
    F: for<'a> Fn(
            &'a Context,
            &'a mut Request,
            &'a mut Response,
            Next<'a>,
        ) -> BoxFuture<'a, Result<(), Error>>
        + Send
        + Sync
        + 'static,
{
    FnMiddleware(f)
}

struct FnMiddleware<F>(F);

impl<F> Middleware for FnMiddleware<F>
where
    F: for<'a> Fn(
            &'a Context,
            &'a mut Request,
            &'a mut Response,
            Next<'a>,
        ) -> BoxFuture<'a, Result<(), Error>>
        + Send
        + Sync
        + 'static,
{
    fn call<'a>(
        &'a self,
        ctx: &'a Context,
        req: &'a mut Request,
        resp: &'a mut Response,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<(), Error>> {
        (self.0)(ctx, req, resp, next)
    }
}
