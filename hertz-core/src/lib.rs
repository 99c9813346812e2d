//! hertz-rs: a layered HTTP/1.1 framework after CloudWeGo Hertz. This crate is the
//! application layer — the one applications depend on.
//!
//! ```text
//!   hertz-transport ──▶ hertz-protocol ──▶ hertz-router ──▶ [hertz-core]
//!   accept, buffers     HTTP/1.1            route match      Engine, RequestContext,
//!                                                            middleware, binding, render
//! ```
//!
//! A handler takes Hertz's two contexts: [`Context`], long-lived, cloneable and cancelled
//! when the client goes away or the server shuts down; and [`RequestContext`], the request,
//! its response and the chain position, reused across a connection's requests.
//!
//! ```no_run
//! use hertz_core::{Bind, Context, Engine, RequestContext, Routes};
//!
//! #[derive(Bind)]
//! struct HelloReq {
//!     #[hertz(query, default = "world")]
//!     name: String,
//! }
//!
//! async fn hello(_ctx: Context, c: &mut RequestContext) {
//!     let Ok(req) = c.bind::<HelloReq>() else { return };
//!     c.string(200, format!("hello, {}", req.name));
//! }
//!
//! let mut h = Engine::default();
//! h.get("/hello", hello);
//! h.spin();
//! ```
//!
//! Middleware is onion-shaped and runs in registration order ([`RequestContext::next`],
//! [`RequestContext::abort`]); routes use Hertz's syntax (`/user/:name`, `/src/*path`)
//! with static > param > catch-all priority and backtracking ([`hertz_router`]).
//!
//! HTTPS: [`Config::tls`] takes a rustls server configuration ([`tls::load_pem`] builds one
//! from PEM files); the engine advertises its protocols with ALPN and serves each
//! connection with the one negotiated (`http/1.1` as the fallback). Tokio transport only
//! for now.
//!
//! HTTP/2: register [`h2::H2Factory`] with [`Engine::add_protocol`]; it is offered by ALPN
//! over TLS and, with [`Config::h2c`], served on cleartext connections that start with the
//! HTTP/2 preface (both transports), under the same limits and timeouts as HTTP/1.1.
#![deny(missing_docs)]

mod app;
mod config;
mod core;
mod engine;
mod h2c;
mod handler;
mod handler_future;
mod render;
mod request_context;
mod route;
mod tracer;

pub mod h2;
pub mod middleware;
pub mod testing;
pub mod tls;

pub use crate::app::BindErrorHandler;
pub use crate::config::Config;
pub use crate::core::EngineCore;
pub use crate::engine::{Engine, ServerHandle};
pub use crate::handler::{handler, Handler, HandlerFn, HandlersChain, SharedHandler};
pub use crate::handler_future::HandlerFuture;
pub use crate::render::CookieOptions;
pub use crate::request_context::{Next, RequestContext};
pub use crate::route::{RouteError, RouterGroup, Routes};
pub use crate::tracer::{LogTracer, Tracer};

/// Request binding and validation (`c.bind::<T>()`), and the form, query, cookie and
/// multipart parsers behind them.
pub use hertz_binding as binding;
pub use hertz_binding::{Bind, BindError, Validate};
/// `#[derive(Bind)]`: fill a struct from path, query, header, cookie, form and JSON.
pub use hertz_macros::Bind;
pub use hertz_protocol::{
    BodyStream, Context, HeaderMap, Method, Request, Response, ServerConfig, Stats, StatusCode,
};
pub use hertz_transport::TransportKind;

/// The names most applications need: `use hertz_core::prelude::*;`.
pub mod prelude {
    pub use crate::{Bind, Config, Context, Engine, RequestContext, Routes, Validate};
}
