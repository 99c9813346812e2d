//! `Engine`: routes, middleware and options, and serving them (Hertz's `server.Hertz`).

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;

use hertz_binding::BindError;
use hertz_protocol::http1::Http1Factory;
use hertz_protocol::{Server, ServerFactory};
use hertz_router::Router;
use hertz_transport::{CancelToken, Conn, ConnHandler, TransportConfig, TransportKind};

use crate::app::{default_bind_error_handler, App, BindErrorHandler, Route, RouteOptions};
use crate::core::EngineCore;
use crate::h2c;
use crate::handler::{Handler, SharedHandler};
use crate::route::{RouteError, RouterGroup, Routes};
use crate::{Config, RequestContext, Tracer};

type Hook = Box<dyn Fn(SocketAddr) + Send + Sync>;

/// The application: routes, middleware, hooks and options; [`spin`](Engine::spin) serves it.
///
/// ```no_run
/// use hertz_core::{Config, Context, Engine, RequestContext, Routes};
///
/// #[derive(serde::Serialize)]
/// struct Pong {
///     message: &'static str,
/// }
///
/// async fn ping(_ctx: Context, c: &mut RequestContext) {
///     c.json(200, &Pong { message: "pong" });
/// }
///
/// let mut h = Engine::with_defaults(Config::default().host_ports("0.0.0.0:8888"));
/// h.get("/ping", ping);
/// h.spin();
/// ```
pub struct Engine {
    config: Config,
    router: Router<Arc<Route>>,
    middleware: Vec<SharedHandler>,
    no_route: Vec<SharedHandler>,
    no_method: Vec<SharedHandler>,
    tracers: Vec<Arc<dyn Tracer>>,
    bind_error_handler: BindErrorHandler,
    protocols: Vec<Box<dyn ServerFactory<EngineCore>>>,
    on_run: Vec<Hook>,
    on_shutdown: Vec<Hook>,
}

impl Default for Engine {
    /// Default options with the [`recovery`](crate::middleware::recovery) middleware, like
    /// Hertz's `server.Default()`.
    fn default() -> Self {
        Engine::with_defaults(Config::default())
    }
}

impl Engine {
    /// An engine with no middleware (Hertz's `server.New`).
    pub fn new(config: Config) -> Self {
        let protocol: Box<dyn ServerFactory<EngineCore>> =
            Box::new(Http1Factory::new(config.protocol.clone()));
        Engine {
            config,
            router: Router::new(),
            middleware: Vec::new(),
            no_route: Vec::new(),
            no_method: Vec::new(),
            tracers: Vec::new(),
            bind_error_handler: Arc::new(default_bind_error_handler),
            protocols: vec![protocol],
            on_run: Vec::new(),
            on_shutdown: Vec::new(),
        }
    }

    /// An engine with the [`recovery`](crate::middleware::recovery) middleware (Hertz's
    /// `server.Default`): a panicking handler answers `500` and the server keeps serving.
    pub fn with_defaults(config: Config) -> Self {
        let mut engine = Engine::new(config);
        engine.use_(crate::middleware::recovery);
        engine
    }

    /// The options this engine was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A group of routes under `prefix`, starting with the engine's middleware.
    pub fn group(&mut self, prefix: &str) -> RouterGroup<'_> {
        let middleware = self.middleware.clone();
        RouterGroup::new(self, crate::route::join_paths("", prefix), middleware)
    }

    /// Handlers for requests no route matches (after the engine's middleware); the default
    /// answer is `404` with `404 page not found`.
    pub fn no_route<H: Handler>(&mut self, handler: H) -> &mut Self {
        self.no_route.push(Arc::new(handler));
        self
    }

    /// Handlers for requests whose path exists for other methods, when
    /// [`Config::handle_method_not_allowed`] is on; default `405` with an `Allow` header.
    pub fn no_method<H: Handler>(&mut self, handler: H) -> &mut Self {
        self.no_method.push(Arc::new(handler));
        self
    }

    /// Registers a tracer, called at the start and end of every request. With none
    /// registered, no statistics are collected at all.
    pub fn tracer<T: Tracer>(&mut self, tracer: T) -> &mut Self {
        self.tracers.push(Arc::new(tracer));
        self
    }

    /// Replaces the engine-wide answer to bind and validation failures (default: `400` with
    /// a JSON body `{"error", "field", "source", "message"}`). Every `c.bind*` failure in the
    /// application goes through it; the chain is aborted afterwards.
    pub fn bind_error_handler<F>(&mut self, handler: F) -> &mut Self
    where
        F: Fn(&mut RequestContext, &BindError) + Send + Sync + 'static,
    {
        self.bind_error_handler = Arc::new(handler);
        self
    }

    /// Adds a protocol (served when negotiated by name; `http/1.1` is built in and is the
    /// fallback).
    pub fn add_protocol<F: ServerFactory<EngineCore> + 'static>(
        &mut self,
        factory: F,
    ) -> &mut Self {
        self.protocols
            .retain(|p| p.protocol() != factory.protocol());
        self.protocols.push(Box::new(factory));
        self
    }

    /// Called with the bound address once the server is listening.
    pub fn on_run(&mut self, hook: impl Fn(SocketAddr) + Send + Sync + 'static) -> &mut Self {
        self.on_run.push(Box::new(hook));
        self
    }

    /// Called when graceful shutdown begins.
    pub fn on_shutdown(&mut self, hook: impl Fn(SocketAddr) + Send + Sync + 'static) -> &mut Self {
        self.on_shutdown.push(Box::new(hook));
        self
    }

    pub(crate) fn add_route(
        &mut self,
        method: &str,
        pattern: &str,
        chain: Vec<SharedHandler>,
    ) -> Result<(), RouteError> {
        let route = Arc::new(Route {
            handlers: chain.into(),
            pattern: pattern.into(),
        });
        self.router
            .insert(method, pattern, route)
            .map_err(|source| RouteError {
                method: method.to_owned(),
                source,
            })
    }

    /// Freezes routes and options into what connections share, and builds the protocol
    /// servers.
    pub(crate) fn freeze(self) -> Frozen {
        let fallback = |extra: Vec<SharedHandler>| {
            Arc::new(Route {
                handlers: self.middleware.iter().cloned().chain(extra).collect(),
                pattern: "".into(),
            })
        };
        let app = Arc::new(App {
            no_route: fallback(self.no_route.clone()),
            no_method: fallback(self.no_method.clone()),
            router: self.router,
            route_options: RouteOptions {
                redirect_trailing_slash: self.config.redirect_trailing_slash,
                redirect_fixed_path: self.config.redirect_fixed_path,
                handle_method_not_allowed: self.config.handle_method_not_allowed,
            },
            handler_timeout: self.config.handler_timeout,
            tracers: self.tracers,
            bind_error_handler: self.bind_error_handler,
            server_config: self.config.protocol.clone(),
        });
        let core = Arc::new(EngineCore { app });
        let servers = self
            .protocols
            .iter()
            .map(|factory| (factory.protocol(), factory.new_server(core.clone())))
            .collect();
        Frozen {
            config: self.config,
            servers,
            on_run: self.on_run,
            on_shutdown: self.on_shutdown,
        }
    }

    /// Binds the listener now and serves in a background task; the returned handle knows
    /// the bound address and shuts the server down. Must be called inside a tokio runtime.
    ///
    /// This is what tests use: once it returns, the server accepts connections.
    pub async fn start(self) -> io::Result<ServerHandle> {
        let frozen = self.freeze();
        let addr = resolve(&frozen.config.addr)?;
        let mut transport_config = TransportConfig::new(addr);
        transport_config.exit_wait = frozen.config.exit_wait_time;
        transport_config.read_buffer_size = frozen.config.read_buffer_size;
        transport_config.loops = frozen.config.workers;
        transport_config.handshake_timeout = frozen.config.protocol.header_read_timeout;
        transport_config.tls = frozen.config.tls.as_ref().map(|tls| {
            let mut tls = rustls::ServerConfig::clone(tls);
            tls.alpn_protocols = alpn_protocols(&frozen.servers);
            Arc::new(tls)
        });
        let transport = hertz_transport::bind(frozen.config.transport, &transport_config)?;
        let local_addr = transport.local_addr();
        for hook in &frozen.on_run {
            hook(local_addr);
        }
        let h2c = if frozen.config.h2c {
            let Some(h2) = named_server(&frozen.servers, H2_PROTOCOL.as_bytes()) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "Config::h2c(true) needs the HTTP/2 protocol: register it with \
                     h.add_protocol(hertz_core::h2::H2Factory::default())",
                ));
            };
            Some(H2c {
                server: h2,
                preface_timeout: frozen.config.protocol.header_read_timeout,
            })
        } else {
            None
        };
        let shutdown = CancelToken::new();
        let dispatch = Arc::new(Dispatch {
            servers: frozen.servers,
            shutdown: shutdown.clone(),
            h2c,
        });
        let serving = tokio::spawn(transport.serve(dispatch, shutdown.clone()));
        Ok(ServerHandle {
            local_addr,
            shutdown,
            serving,
            on_shutdown: frozen.on_shutdown,
        })
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully: stops accepting, lets
    /// in-flight requests finish within the exit wait time (answering them with
    /// `Connection: close`), and returns.
    pub async fn run(self) -> io::Result<()> {
        let server = self.start().await?;
        tracing::info!(addr = %server.local_addr(), "hertz server listening");
        shutdown_signal().await;
        tracing::info!("shutting down");
        server.shutdown().await
    }

    /// Builds a tokio runtime and [`run`](Engine::run)s on it (Hertz's `h.Spin()`). Exits the
    /// process with status 1 if the server cannot start.
    ///
    /// With the tokio transport the runtime has [`Config::workers`] threads. With netpoll the
    /// event loops are the workers, and the runtime is a single thread that serves what
    /// handlers hand to tokio (timers, spawned tasks).
    pub fn spin(self) {
        let workers = match self.config.transport {
            TransportKind::Netpoll => 1,
            _ => self.config.workers,
        };
        let runtime = if workers <= 1 {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
        };
        let result = runtime.and_then(|rt| rt.block_on(self.run()));
        if let Err(err) = result {
            eprintln!("hertz: {err}");
            std::process::exit(1);
        }
    }
}

/// The engine after [`Engine::freeze`].
pub(crate) struct Frozen {
    pub(crate) config: Config,
    /// Protocol servers by protocol name.
    pub(crate) servers: Vec<(&'static str, Arc<dyn Server>)>,
    on_run: Vec<Hook>,
    on_shutdown: Vec<Hook>,
}

/// The protocol name connections get when nothing was negotiated.
pub(crate) const DEFAULT_PROTOCOL: &str = "http/1.1";

/// The HTTP/2 protocol's ALPN name, which h2c connections are served by.
const H2_PROTOCOL: &str = "h2";

/// Hands each connection to the protocol server it negotiated (`http/1.1` without ALPN), or,
/// with h2c on, to the one its first bytes ask for.
pub(crate) struct Dispatch {
    pub(crate) servers: Vec<(&'static str, Arc<dyn Server>)>,
    pub(crate) shutdown: CancelToken,
    /// Set when [`Config::h2c`] is on.
    h2c: Option<H2c>,
}

/// h2c with prior knowledge: where connections that start with the preface go.
struct H2c {
    server: Arc<dyn Server>,
    /// Time from the accept for the bytes to decide (the header read timeout).
    preface_timeout: std::time::Duration,
}

fn named_server(
    servers: &[(&'static str, Arc<dyn Server>)],
    wanted: &[u8],
) -> Option<Arc<dyn Server>> {
    servers
        .iter()
        .find(|(name, _)| name.as_bytes() == wanted)
        .map(|(_, server)| server.clone())
}

impl Dispatch {
    /// The server for `protocol`, falling back to `http/1.1`, then to the first registered.
    pub(crate) fn server(&self, protocol: &[u8]) -> Option<Arc<dyn Server>> {
        named_server(&self.servers, protocol)
            .or_else(|| named_server(&self.servers, DEFAULT_PROTOCOL.as_bytes()))
            .or_else(|| self.servers.first().map(|(_, server)| server.clone()))
    }
}

/// The ALPN list the engine advertises
/// ([RFC 7301 §3.1](https://www.rfc-editor.org/rfc/rfc7301#section-3.1)): its protocols in
/// registration order, `http/1.1` last as the fallback.
fn alpn_protocols(servers: &[(&'static str, Arc<dyn Server>)]) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = servers
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != DEFAULT_PROTOCOL)
        .map(|name| name.as_bytes().to_vec())
        .collect();
    names.push(DEFAULT_PROTOCOL.as_bytes().to_vec());
    names
}

impl ConnHandler for Dispatch {
    fn on_conn(&self, mut conn: Box<dyn Conn>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let negotiated = conn.alpn_protocol();
        let Some(server) = self.server(negotiated.unwrap_or(DEFAULT_PROTOCOL.as_bytes())) else {
            return Box::pin(async {});
        };
        let shutdown = self.shutdown.clone();
        match &self.h2c {
            // ALPN already chose; only connections that negotiated nothing are sniffed.
            Some(prior_knowledge) if negotiated.is_none() => {
                let h2 = prior_knowledge.server.clone();
                let deadline = std::time::Instant::now() + prior_knowledge.preface_timeout;
                Box::pin(async move {
                    let server = match h2c::sniff(conn.as_mut(), deadline, &shutdown).await {
                        h2c::Sniffed::Http2 => h2,
                        h2c::Sniffed::Http1 => server,
                        h2c::Sniffed::Undecided(why) => {
                            tracing::debug!(
                                why,
                                buffered = conn.len(),
                                "connection closed before its first bytes chose a protocol"
                            );
                            return;
                        }
                    };
                    server.serve_conn(conn, shutdown).await;
                })
            }
            _ => server.serve_conn(conn, shutdown),
        }
    }
}

/// A running server (from [`Engine::start`]).
pub struct ServerHandle {
    local_addr: SocketAddr,
    shutdown: CancelToken,
    serving: tokio::task::JoinHandle<io::Result<()>>,
    on_shutdown: Vec<Hook>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// The address the server is listening on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Shuts down gracefully and waits until the server has stopped (at most the exit wait
    /// time after in-flight requests).
    pub async fn shutdown(self) -> io::Result<()> {
        for hook in &self.on_shutdown {
            hook(self.local_addr);
        }
        self.shutdown.cancel();
        match self.serving.await {
            Ok(result) => result,
            Err(err) => Err(io::Error::other(err)),
        }
    }
}

fn resolve(addr: &str) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{addr}` resolves to no address; expected host:port"),
        )
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl Routes for Engine {
    fn try_handle_shared(
        &mut self,
        method: &str,
        path: &str,
        handler: SharedHandler,
    ) -> Result<&mut Self, RouteError> {
        let mut chain = self.middleware.clone();
        chain.push(handler);
        self.add_route(method, path, chain)?;
        Ok(self)
    }

    fn use_<H: Handler>(&mut self, middleware: H) -> &mut Self {
        self.middleware.push(Arc::new(middleware));
        self
    }
}
