//! Registering routes: the [`Routes`] methods shared by the engine and its groups.

use std::fmt;
use std::sync::Arc;

use hertz_router::InsertError;

use crate::handler::{Handler, SharedHandler};
use crate::Engine;

/// A route could not be registered (its pattern is invalid or conflicts with another).
#[derive(Debug)]
pub struct RouteError {
    pub(crate) method: String,
    pub(crate) source: InsertError,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot register {}: {}", self.method, self.source)
    }
}

impl std::error::Error for RouteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Methods [`Routes::any`] registers (Hertz's `Any`).
const ANY_METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "PATCH", "HEAD", "OPTIONS", "DELETE", "CONNECT", "TRACE",
];

/// Route registration, on the [`Engine`] and on every [`RouterGroup`].
///
/// A route's chain is fixed when it is registered: the middleware of its group (and of the
/// engine) registered *before* it, then its handler — Hertz's behaviour.
pub trait Routes {
    /// Registers an already shared handler; the other methods all come here.
    fn try_handle_shared(
        &mut self,
        method: &str,
        path: &str,
        handler: SharedHandler,
    ) -> Result<&mut Self, RouteError>;

    /// Registers `handler` for `method` and `path` (relative to the group), or says why not.
    fn try_handle<H: Handler>(
        &mut self,
        method: &str,
        path: &str,
        handler: H,
    ) -> Result<&mut Self, RouteError> {
        self.try_handle_shared(method, path, Arc::new(handler))
    }

    /// Adds middleware to this group (or the engine) for routes registered after it.
    fn use_<H: Handler>(&mut self, middleware: H) -> &mut Self;

    /// Registers `handler` for `method` and `path`.
    ///
    /// # Panics
    /// At registration, if the pattern is invalid or conflicts with an existing route; the
    /// message names both routes. Use [`try_handle`](Routes::try_handle) to handle it.
    fn handle<H: Handler>(&mut self, method: &str, path: &str, handler: H) -> &mut Self {
        match self.try_handle(method, path, handler) {
            Ok(this) => this,
            Err(err) => panic!("{err}"),
        }
    }

    /// `GET path`.
    fn get<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("GET", path, handler)
    }

    /// `POST path`.
    fn post<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("POST", path, handler)
    }

    /// `PUT path`.
    fn put<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("PUT", path, handler)
    }

    /// `PATCH path`.
    fn patch<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("PATCH", path, handler)
    }

    /// `DELETE path`.
    fn delete<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("DELETE", path, handler)
    }

    /// `HEAD path`.
    fn head<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("HEAD", path, handler)
    }

    /// `OPTIONS path`.
    fn options<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        self.handle("OPTIONS", path, handler)
    }

    /// Every standard method on `path`.
    fn any<H: Handler>(&mut self, path: &str, handler: H) -> &mut Self {
        let handler: SharedHandler = Arc::new(handler);
        for method in ANY_METHODS {
            if let Err(err) = self.try_handle_shared(method, path, handler.clone()) {
                panic!("{err}");
            }
        }
        self
    }
}

/// Routes under a common prefix with their own middleware (Hertz's `RouterGroup`).
///
/// ```
/// use hertz_core::{Context, Engine, RequestContext, Routes};
///
/// async fn auth(ctx: Context, c: &mut RequestContext) {
///     if c.get_header("authorization").is_none() {
///         c.abort_with_status(401);
///     }
/// }
/// async fn me(_ctx: Context, c: &mut RequestContext) {
///     c.string(200, "me");
/// }
///
/// let mut h = Engine::default();
/// let mut v1 = h.group("/v1");
/// v1.use_(auth);
/// v1.get("/me", me); // GET /v1/me runs auth, then me
/// ```
pub struct RouterGroup<'e> {
    engine: &'e mut Engine,
    prefix: String,
    middleware: Vec<SharedHandler>,
}

impl<'e> RouterGroup<'e> {
    pub(crate) fn new(
        engine: &'e mut Engine,
        prefix: String,
        middleware: Vec<SharedHandler>,
    ) -> Self {
        RouterGroup {
            engine,
            prefix,
            middleware,
        }
    }

    /// A nested group: its prefix extends this one's, and it starts with this group's
    /// middleware.
    pub fn group(&mut self, prefix: &str) -> RouterGroup<'_> {
        RouterGroup {
            prefix: join_paths(&self.prefix, prefix),
            middleware: self.middleware.clone(),
            engine: self.engine,
        }
    }

    /// The group's path prefix.
    pub fn base_path(&self) -> &str {
        &self.prefix
    }
}

impl Routes for RouterGroup<'_> {
    fn try_handle_shared(
        &mut self,
        method: &str,
        path: &str,
        handler: SharedHandler,
    ) -> Result<&mut Self, RouteError> {
        let pattern = join_paths(&self.prefix, path);
        let mut chain = self.middleware.clone();
        chain.push(handler);
        self.engine.add_route(method, &pattern, chain)?;
        Ok(self)
    }

    fn use_<H: Handler>(&mut self, middleware: H) -> &mut Self {
        self.middleware.push(Arc::new(middleware));
        self
    }
}

/// Joins a group prefix and a relative path, keeping a trailing slash of the path
/// (Hertz's `joinPaths`).
pub(crate) fn join_paths(prefix: &str, path: &str) -> String {
    if path.is_empty() {
        return prefix.to_owned();
    }
    let mut joined = String::with_capacity(prefix.len() + path.len() + 1);
    joined.push_str(prefix.trim_end_matches('/'));
    if !path.starts_with('/') {
        joined.push('/');
    }
    joined.push_str(path);
    if joined.is_empty() {
        joined.push('/');
    }
    joined
}
