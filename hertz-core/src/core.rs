//! The engine as the protocol layer sees it: [`hertz_protocol::Core`] — route the request,
//! run its chain, trace it.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use hertz_protocol::{Context, Core, Method};
use hertz_router::Lookup;
use tracing::Instrument;

use crate::app::App;
use crate::RequestContext;

/// The application layer's [`Core`]: what protocol servers call for every request.
pub struct EngineCore {
    pub(crate) app: Arc<App>,
}

impl std::fmt::Debug for EngineCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineCore").finish_non_exhaustive()
    }
}

impl Core for EngineCore {
    type Exchange = RequestContext;

    fn new_exchange(&self, peer: Option<SocketAddr>) -> RequestContext {
        RequestContext::new(self.app.clone(), peer)
    }

    async fn serve(&self, ctx: &Context, c: &mut RequestContext) {
        let app = &*self.app;
        if app.tracers.is_empty() && app.handler_timeout.is_none() {
            // The usual case, kept apart so it pays for no tracer loop, span or timer.
            route(app, c);
            return c.run_chain(ctx.clone()).await;
        }
        serve_traced(app, ctx, c).await;
    }

    fn trace_enabled(&self) -> bool {
        !self.app.tracers.is_empty()
    }

    fn finish(&self, ctx: &Context, c: &mut RequestContext) {
        for tracer in self.app.tracers.iter().rev() {
            tracer.finish(ctx, c);
        }
    }
}

/// [`EngineCore::serve`] with tracers (each request in its span) or a handler timeout.
async fn serve_traced(app: &App, ctx: &Context, c: &mut RequestContext) {
    for tracer in &app.tracers {
        tracer.start(ctx, c);
    }
    route(app, c);
    let span = c.span.clone();
    let chain = async {
        match app.handler_timeout {
            None => c.run_chain(ctx.clone()).await,
            Some(limit) => {
                if tokio::time::timeout(limit, c.run_chain(ctx.clone()))
                    .await
                    .is_err()
                {
                    c.response_mut().reset();
                    c.string(503, "handler timed out");
                }
            }
        }
    };
    match span {
        Some(span) => chain.instrument(span).await,
        None => chain.await,
    }
}

/// Picks the chain for the request: its route's, or a redirect, 405 or 404 answer with the
/// engine's middleware and fallback handlers.
#[inline(always)]
fn route(app: &App, c: &mut RequestContext) {
    let method = c.request.method().as_str();
    match app.router.find(method, c.request.path(), &mut c.params) {
        Lookup::Found { value, .. } => c.route = Some(value.clone()),
        Lookup::NotFound { tsr } => route_miss(app, c, tsr),
    }
}

/// [`route`] when the request's method has no route for its path: kept out of line so that
/// the found case, inlined into `serve`, stays short.
#[cold]
#[inline(never)]
fn route_miss(app: &App, c: &mut RequestContext, mut tsr: bool) {
    let method = c.request.method().as_str();
    let path = c.request.path();
    if *c.request.method() == Method::Head {
        // HEAD is answered by the GET route when there is no HEAD route; the protocol sends
        // the headers only.
        match app.router.find("GET", path, &mut c.params) {
            Lookup::Found { value, .. } => {
                c.route = Some(value.clone());
                return;
            }
            Lookup::NotFound { tsr: get_tsr } => tsr = get_tsr,
        }
    }

    let options = app.route_options;
    let is_get = *c.request.method() == Method::Get;
    let redirect_status = if is_get { 301 } else { 307 };
    if tsr && options.redirect_trailing_slash && *c.request.method() != Method::Connect {
        let fixed: Cow<'_, str> = match path.strip_suffix('/') {
            Some(without) if !without.is_empty() => Cow::Owned(without.to_owned()),
            _ => Cow::Owned(format!("{path}/")),
        };
        redirect(c, redirect_status, &fixed);
        return;
    }
    if options.redirect_fixed_path {
        let cleaned = hertz_router::clean_path(path);
        if let Some(fixed) =
            app.router
                .find_case_insensitive(method, &cleaned, options.redirect_trailing_slash)
        {
            redirect(c, redirect_status, &fixed);
            return;
        }
    }
    if options.handle_method_not_allowed {
        let allowed = app.router.allowed_methods(path, method);
        if !allowed.is_empty() {
            let allow = allowed.join(", ");
            c.route = Some(app.no_method.clone());
            c.string(405, "405 method not allowed");
            c.header("Allow", allow);
            return;
        }
    }
    c.route = Some(app.no_route.clone());
    c.string(404, "404 page not found");
}

fn redirect(c: &mut RequestContext, status: u16, path: &str) {
    let query = c.request.query();
    let location = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", String::from_utf8_lossy(query))
    };
    c.route = None;
    c.redirect(status, location);
}
