//! Handlers and middleware: one trait for both, as in Hertz (`app.HandlerFunc`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Context, RequestContext};

use crate::handler_future::HandlerFuture;

/// Something that handles a request: an endpoint or a middleware.
///
/// Any `async fn(ctx: Context, c: &mut RequestContext)` is a `Handler`, and so is an async
/// closure that captures nothing, `async |ctx: Context, c: &mut RequestContext| { … }`.
/// A closure that captures state goes through [`handler`]. A middleware is a handler
/// that calls [`RequestContext::next`] to run the rest of the chain:
///
/// ```
/// use hertz_core::{Context, RequestContext};
///
/// async fn timing(ctx: Context, c: &mut RequestContext) {
///     let started = std::time::Instant::now();
///     c.next(ctx).await; // the rest of the chain runs here
///     let took = started.elapsed();
///     c.header("X-Took-Micros", took.as_micros().to_string());
/// }
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Runs the handler.
    fn call<'a>(&'a self, ctx: Context, c: &'a mut RequestContext) -> HandlerFuture<'a>;
}

/// The `async fn` shape of a handler, one lifetime at a time. Implemented for every
/// function or closure `Fn(Context, &mut RequestContext) -> impl Future<Output = ()>`; it
/// exists so that the future may borrow the `RequestContext`.
pub trait HandlerFn<'a>: Send + Sync + 'static {
    /// The future the function returns.
    type Future: Future<Output = ()> + Send + 'a;
    /// Calls the function.
    fn call_fn(&self, ctx: Context, c: &'a mut RequestContext) -> Self::Future;
}

impl<'a, F, Fut> HandlerFn<'a> for F
where
    F: Fn(Context, &'a mut RequestContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'a,
{
    type Future = Fut;

    fn call_fn(&self, ctx: Context, c: &'a mut RequestContext) -> Fut {
        self(ctx, c)
    }
}

impl<F> Handler for F
where
    F: for<'a> HandlerFn<'a>,
{
    fn call<'a>(&'a self, ctx: Context, c: &'a mut RequestContext) -> HandlerFuture<'a> {
        HandlerFuture::new(self.call_fn(ctx, c))
    }
}

/// Makes a handler of a closure that captures state: the closure returns a boxed future,
/// which lets the compiler see that the future borrows the `RequestContext`.
///
/// ```
/// use std::sync::Arc;
/// use hertz_core::{handler, Engine, Routes};
///
/// let greeting = Arc::new(String::from("hello"));
/// let mut h = Engine::default();
/// h.get("/greet", handler(move |_ctx, c| {
///     let greeting = greeting.clone();
///     Box::pin(async move { c.string(200, greeting.as_str()) })
/// }));
/// ```
pub fn handler<F>(f: F) -> F
where
    F: for<'a> Fn(Context, &'a mut RequestContext) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>
        + Send
        + Sync
        + 'static,
{
    f
}

/// A shared handler, as stored in chains.
pub type SharedHandler = Arc<dyn Handler>;

/// The handlers a request runs through, middleware first (Hertz's `HandlersChain`).
pub type HandlersChain = Arc<[SharedHandler]>;
