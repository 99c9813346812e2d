//! `RequestContext`: the per-request half of Hertz's two handler contexts.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use hertz_binding::multipart::{FilePart, Multipart, MultipartError};
use hertz_binding::{Bind, BindError, RequestView, Validate};
use hertz_protocol::{BodyStream, Exchange, Method, Request, Response, Stats, StatusCode};
use hertz_router::Params;

use crate::app::App;
use crate::app::Route;
use crate::handler::{Handler, SharedHandler};
use crate::handler_future::HandlerFuture;
use crate::Context;

/// Everything about one request while it is being handled: the request, the response being
/// built, route parameters, the handler chain's position, and a typed key/value store.
///
/// One `RequestContext` serves all requests of a connection in turn (it is reset between
/// them), so its buffers are reused. It is only borrowed by handlers; values that must
/// outlive the request belong in [`Context`].
pub struct RequestContext {
    pub(crate) request: Request,
    pub(crate) response: Response,
    pub(crate) params: Params,
    /// The matched route (or fallback): its handler chain and pattern; `None` runs nothing.
    /// Always one that `app` owns too (a router value, `no_route` or `no_method`): `next`
    /// borrows the running handler on that ground.
    pub(crate) route: Option<Arc<Route>>,
    /// The next handler [`RequestContext::next`] runs.
    pub(crate) index: usize,
    aborted: bool,
    keys: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
    peer: Option<SocketAddr>,
    pub(crate) app: Arc<App>,
    stats: Stats,
    /// Whether `stats` was handed out since the last reset (only when a tracer is set).
    stats_used: bool,
    pub(crate) span: Option<tracing::Span>,
    multipart: Option<Result<Multipart, MultipartError>>,
}

impl RequestContext {
    pub(crate) fn new(app: Arc<App>, peer: Option<SocketAddr>) -> Self {
        RequestContext {
            request: Request::new(),
            response: Response::new(),
            params: Params::new(),
            route: None,
            index: 0,
            aborted: false,
            keys: Vec::new(),
            peer,
            app,
            stats: Stats::default(),
            stats_used: false,
            span: None,
            multipart: None,
        }
    }

    // ---- the chain -------------------------------------------------------------------

    /// Runs the rest of the handler chain, then returns (Hertz's `c.Next`).
    ///
    /// Code after `next().await` in a middleware runs after everything inside it: the onion.
    /// A middleware that returns without calling `next` does not stop the chain; the
    /// remaining handlers still run. Use [`abort`](Self::abort) to stop it.
    ///
    /// Like an `async fn`, the returned future does nothing until it is polled: dropped
    /// unpolled, it leaves the chain where it was.
    pub fn next(&mut self, ctx: Context) -> Next<'_> {
        Next {
            start: Some((self, ctx)),
            running: None,
        }
    }

    /// What [`Next`] runs when first polled: the one handler left, called directly (the
    /// usual case: the last middleware's `next` runs the endpoint), or the loop over the
    /// rest in a [`HandlerFuture`]; `None` if nothing is left to run.
    fn start_next(&mut self, ctx: Context) -> Option<HandlerFuture<'_>> {
        let chain = self.chain();
        let handler = chain.get(self.index)?;
        if self.aborted {
            return None;
        }
        if self.index + 1 != chain.len() {
            return Some(HandlerFuture::new(self.run_chain(ctx)));
        }
        // SAFETY: as in `run_chain`: the handler is owned by `self.app` too, which outlives
        // this borrow of `self`.
        let handler: &dyn Handler = unsafe { &*Arc::as_ptr(handler) };
        self.index += 1;
        Some(handler.call(ctx, self))
    }

    /// Runs the handlers from `index` on, each after the previous returns, until the chain
    /// ends or is aborted: the body of [`next`](Self::next), which the engine awaits directly.
    pub(crate) async fn run_chain(&mut self, ctx: Context) {
        loop {
            let chain = self.chain();
            let Some(handler) = chain.get(self.index) else {
                return;
            };
            if self.aborted {
                return;
            }
            let last = self.index + 1 == chain.len();
            // SAFETY: the handler is borrowed apart from `self` (which the call needs
            // mutably) rather than cloned, saving two atomic operations per handler. It stays
            // alive for the call: every route a context holds is also owned by its `App` — a
            // router value, `no_route` or `no_method` (see `route`) — and `self.app` is set
            // once, when the context is made, and never replaced; the `App` is immutable and
            // outlives this borrow of `self`. So even a handler that resets the context cannot
            // free the handler it runs in. `route_outlives_its_context_reset` tests that.
            let handler: &dyn Handler = unsafe { &*Arc::as_ptr(handler) };
            self.index += 1;
            if last {
                // The last handler may have the context itself: one reference count less.
                return handler.call(ctx, self).await;
            }
            handler.call(ctx.clone(), self).await;
        }
    }

    /// The handlers of the matched route (none before routing or after a redirect).
    fn chain(&self) -> &[SharedHandler] {
        self.route.as_ref().map_or(&[], |route| &route.handlers)
    }

    /// Stops the chain: handlers after the current one do not run.
    pub fn abort(&mut self) {
        self.aborted = true;
    }

    /// Sets the status and stops the chain.
    pub fn abort_with_status(&mut self, status: u16) {
        self.status(status);
        self.abort();
    }

    /// Sets the status, a JSON body and stops the chain.
    pub fn abort_with_json<T: serde::Serialize + ?Sized>(&mut self, status: u16, body: &T) {
        self.json(status, body);
        self.abort();
    }

    /// Whether the chain was stopped.
    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    // ---- the request -----------------------------------------------------------------

    /// The request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The request, mutable (e.g. for middleware that rewrites it).
    pub fn request_mut(&mut self) -> &mut Request {
        &mut self.request
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        self.request.method()
    }

    /// The request path, as received (percent-encoded).
    pub fn path(&self) -> &str {
        self.request.path()
    }

    /// The request target, path and query, as received.
    pub fn uri(&self) -> &str {
        self.request.uri()
    }

    /// The matched route's pattern, e.g. `/users/:id` (empty when no route matched).
    pub fn full_path(&self) -> &str {
        self.route.as_ref().map_or("", |route| &route.pattern)
    }

    /// A route parameter, percent-decoded: `c.param("id")` for `/users/:id`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// All route parameters as `(name, value)`.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter()
    }

    /// The first query parameter named `key`, percent-decoded.
    pub fn query(&self, key: &str) -> Option<Cow<'_, str>> {
        hertz_binding::query::get(self.request.query(), key)
    }

    /// The query parameter `key`, or `default` when it is absent.
    pub fn default_query<'a>(&'a self, key: &str, default: &'a str) -> Cow<'a, str> {
        self.query(key).unwrap_or(Cow::Borrowed(default))
    }

    /// Every value of the query parameter `key`.
    pub fn query_all(&self, key: &str) -> Vec<Cow<'_, str>> {
        hertz_binding::query::get_all(self.request.query(), key)
    }

    /// The first value of request header `name` as text.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.request.headers().get_str(name)
    }

    /// The request's `Host` header.
    pub fn host(&self) -> Option<&str> {
        self.get_header("host")
    }

    /// The value of cookie `name` from the request.
    pub fn cookie(&self, name: &str) -> Option<Cow<'_, str>> {
        self.request
            .headers()
            .get_all("cookie")
            .find_map(|h| hertz_binding::cookie::get(h, name))
            .map(Cow::Borrowed)
    }

    /// The request body.
    pub fn body(&self) -> &Bytes {
        self.request.body()
    }

    /// The request body as a stream of chunks, when the server streams bodies
    /// ([`Config::stream_request_body`](crate::Config::stream_request_body)); `None` otherwise
    /// or once taken. Each chunk is read from the socket when the stream asks for it: a
    /// handler that reads slowly slows the client down instead of buffering the upload.
    pub fn body_stream(&mut self) -> Option<BodyStream> {
        self.request.take_body_stream()
    }

    /// The value of form field `name` from a urlencoded or multipart body.
    pub fn post_form(&self, name: &str) -> Option<Cow<'_, str>> {
        hertz_binding::form::value(self, name)
    }

    /// The form field `name` from the query string, else from the body (Hertz's
    /// `FormValue`).
    pub fn form_value(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query(name).or_else(|| self.post_form(name))
    }

    /// An uploaded file of a `multipart/form-data` body.
    pub fn form_file(&mut self, name: &str) -> Option<&FilePart> {
        self.multipart_form().ok()?.file(name)
    }

    /// The parsed `multipart/form-data` body (parsed once, on first use).
    pub fn multipart_form(&mut self) -> Result<&Multipart, &MultipartError> {
        let request = &self.request;
        self.multipart
            .get_or_insert_with(|| {
                let content_type = request.headers().get("content-type").unwrap_or_default();
                hertz_binding::multipart::parse(request.body(), content_type)
            })
            .as_ref()
    }

    /// The TCP peer's address.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The client's IP: the first address in `X-Forwarded-For`, else `X-Real-IP`, else the
    /// TCP peer (Hertz's default `ClientIP`). Forwarding headers are set by proxies and can be
    /// forged by clients that reach the server directly.
    pub fn client_ip(&self) -> Option<IpAddr> {
        let forwarded = self
            .get_header("x-forwarded-for")
            .and_then(|v| v.split(',').next())
            .or_else(|| self.get_header("x-real-ip"));
        forwarded
            .and_then(|ip| ip.trim().parse().ok())
            .or_else(|| self.peer.map(|p| p.ip()))
    }

    // ---- binding -----------------------------------------------------------------------

    /// Fills a `T` from the request (path, query, headers, cookies, form, JSON body; see
    /// [`derive@crate::Bind`]).
    ///
    /// On failure the engine's bind error handler has already answered (by default `400`
    /// with a JSON body naming the field) and the chain is aborted; the handler just returns:
    ///
    /// ```
    /// use hertz_core::{Bind, Context, RequestContext};
    ///
    /// #[derive(Bind)]
    /// struct HelloReq {
    ///     #[hertz(query, required)]
    ///     name: String,
    /// }
    ///
    /// async fn hello(_ctx: Context, c: &mut RequestContext) {
    ///     let Ok(req) = c.bind::<HelloReq>() else { return };
    ///     c.string(200, format!("hello, {}", req.name));
    /// }
    /// ```
    pub fn bind<T: Bind>(&mut self) -> Result<T, BindError> {
        let bound = T::bind(&*self);
        self.reject_bind_error(bound)
    }

    /// [`bind`](Self::bind), then checks `T`'s validation rules (`vd = "…"`).
    pub fn bind_and_validate<T: Bind + Validate>(&mut self) -> Result<T, BindError> {
        let bound = hertz_binding::bind_and_validate(&*self);
        self.reject_bind_error(bound)
    }

    /// Checks `value`'s validation rules; failures go through the same error handler.
    pub fn validate<T: Validate>(&mut self, value: &T) -> Result<(), BindError> {
        let checked = value.validate();
        self.reject_bind_error(checked)
    }

    fn reject_bind_error<T>(&mut self, result: Result<T, BindError>) -> Result<T, BindError> {
        if let Err(err) = &result {
            let app = self.app.clone();
            (app.bind_error_handler)(self, err);
            self.abort();
        }
        result
    }

    // ---- the key/value store -----------------------------------------------------------

    /// Stores a value for later handlers in the chain, replacing one of the same type.
    pub fn set<T: Any + Send + Sync>(&mut self, value: T) {
        let id = TypeId::of::<T>();
        match self.keys.iter_mut().find(|(t, _)| *t == id) {
            Some((_, slot)) => *slot = Box::new(value),
            None => self.keys.push((id, Box::new(value))),
        }
    }

    /// The stored value of type `T`.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        self.keys
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, v)| v.downcast_ref())
    }

    /// The stored value of type `T`, mutable.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        let id = TypeId::of::<T>();
        self.keys
            .iter_mut()
            .find(|(t, _)| *t == id)
            .and_then(|(_, v)| v.downcast_mut())
    }

    // ---- the response ------------------------------------------------------------------

    /// The response being built.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The response being built, mutable.
    pub fn response_mut(&mut self) -> &mut Response {
        &mut self.response
    }

    /// Sets the response status. An invalid code (outside 100–999) becomes 500.
    pub fn status(&mut self, status: u16) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.response.set_status(status);
    }

    /// Sets response header `name` (replacing earlier values).
    pub fn header(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.response.headers_mut().insert(name, value);
    }

    /// Statistics of this request, filled when a tracer is registered.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// The future of [`RequestContext::next`]: the rest of the handler chain.
///
/// When one handler is left it is that handler's own future, with no loop around it.
#[must_use = "futures do nothing unless polled"]
pub struct Next<'a> {
    /// The context and `ctx`, until the first poll: nothing has run before it.
    start: Option<(&'a mut RequestContext, Context)>,
    /// What the first poll started, until it completes.
    running: Option<HandlerFuture<'a>>,
}

impl Future for Next<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = &mut *self;
        if let Some((c, ctx)) = this.start.take() {
            this.running = c.start_next(ctx);
        }
        // Polled where it is kept, so that a panic leaves it to be dropped with `self`, as an
        // `async fn`'s future would be.
        let Some(running) = &mut this.running else {
            return Poll::Ready(());
        };
        if Pin::new(running).poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.running = None;
        Poll::Ready(())
    }
}

impl fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

impl RequestView for RequestContext {
    fn path_param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    fn query_string(&self) -> &[u8] {
        self.request.query()
    }

    fn header(&self, name: &str) -> Option<&[u8]> {
        self.request.headers().get(name)
    }

    fn header_all(&self, name: &str) -> Vec<&[u8]> {
        self.request.headers().get_all(name).collect()
    }

    fn body(&self) -> &[u8] {
        self.request.body()
    }

    fn body_bytes(&self) -> Bytes {
        self.request.body().clone()
    }
}

impl Exchange for RequestContext {
    fn request(&self) -> &Request {
        &self.request
    }

    fn request_mut(&mut self) -> &mut Request {
        &mut self.request
    }

    fn response(&self) -> &Response {
        &self.response
    }

    fn response_mut(&mut self) -> &mut Response {
        &mut self.response
    }

    fn stats_mut(&mut self) -> &mut Stats {
        self.stats_used = true;
        &mut self.stats
    }

    fn reset(&mut self) {
        self.request.reset();
        self.response.reset();
        self.params.clear();
        self.route = None;
        self.index = 0;
        self.aborted = false;
        // What few requests use is cleared only when used: clearing costs a call (the drop
        // glue of the store, the parsed form) or a dozen stores (`stats`) even when empty.
        if !self.keys.is_empty() {
            self.keys.clear();
        }
        if self.multipart.is_some() {
            self.multipart = None;
        }
        if self.span.is_some() {
            self.span = None;
        }
        if self.stats_used {
            self.stats = Stats::default();
            self.stats_used = false;
        }
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("method", self.method())
            .field("uri", &self.uri())
            .field("full_path", &self.full_path())
            .field("aborted", &self.aborted)
            .field("status", &self.response.status())
            .finish_non_exhaustive()
    }
}
