//! The engine frozen for serving: routes, fallback chains and hooks, shared by every
//! connection.

use std::sync::Arc;
use std::time::Duration;

use hertz_binding::BindError;
use hertz_protocol::ServerConfig;
use hertz_router::Router;

use crate::handler::HandlersChain;
use crate::{RequestContext, Tracer};

/// One registered route: its handler chain and its pattern (for `full_path`). A request
/// holds its route through one `Arc<Route>`: one reference count for both.
pub(crate) struct Route {
    pub(crate) handlers: HandlersChain,
    pub(crate) pattern: Arc<str>,
}

/// Answers a failed bind or validation (engine-wide; see `Engine::bind_error_handler`).
pub type BindErrorHandler = Arc<dyn Fn(&mut RequestContext, &BindError) + Send + Sync>;

/// Routing behaviour switches (Hertz's `WithRedirectTrailingSlash` and friends).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteOptions {
    pub(crate) redirect_trailing_slash: bool,
    pub(crate) redirect_fixed_path: bool,
    pub(crate) handle_method_not_allowed: bool,
}

/// Everything a request needs from the engine once it is serving.
pub(crate) struct App {
    pub(crate) router: Router<Arc<Route>>,
    /// Engine middleware + no-route handlers (an empty pattern).
    pub(crate) no_route: Arc<Route>,
    /// Engine middleware + no-method handlers (an empty pattern).
    pub(crate) no_method: Arc<Route>,
    pub(crate) route_options: RouteOptions,
    pub(crate) handler_timeout: Option<Duration>,
    pub(crate) tracers: Vec<Arc<dyn Tracer>>,
    pub(crate) bind_error_handler: BindErrorHandler,
    /// The engine's protocol limits and timeouts, which protocols other than the built-in
    /// HTTP/1.1 (e.g. `h2`) read when they are built.
    pub(crate) server_config: ServerConfig,
}

/// The default bind error answer: `400` with a JSON body naming field, source and message.
pub(crate) fn default_bind_error_handler(c: &mut RequestContext, err: &BindError) {
    c.status(400);
    let resp = c.response_mut();
    resp.set_content_type("application/json; charset=utf-8");
    resp.body_mut().extend_from_slice(err.to_json().as_bytes());
}
