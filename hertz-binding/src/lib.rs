//! Request binding and validation for hertz-rs (Hertz's `c.BindAndValidate`).
//!
//! Where it sits in a request's path:
//!
//! ```text
//! transport → protocol → router → application (hertz-core)
//!                                   c.bind::<T>() ──→ hertz-binding ──→ handler
//!                                                     reads path params, query,
//!                                                     headers, cookies, form,
//!                                                     JSON or raw body through
//!                                                     the RequestView trait
//! ```
//!
//! The application layer implements [`RequestView`] for its request context;
//! `#[derive(Bind)]` (crate `hertz-macros`, re-exported as `hertz_core::Bind`)
//! generates a [`Bind`] impl that pulls each field from the sources its
//! `#[hertz(...)]` attribute names, and a [`Validate`] impl from its `vd`
//! rules, compiled to Rust at build time. Every failure is one [`BindError`]
//! naming the field, its [`Source`] and a short message.
//!
//! ```
//! use hertz_binding::{bind_and_validate, RequestView};
//! use hertz_macros::Bind;
//!
//! #[derive(Bind, Debug)]
//! #[hertz(crate = "hertz_binding")] // omit inside a hertz-core application
//! struct Search {
//!     #[hertz(path = "id")]
//!     id: u64,
//!     #[hertz(query, default = "10", vd = "$ > 0 && $ <= 100")]
//!     limit: u32,
//!     #[hertz(query = "tag")]
//!     tags: Vec<String>,
//!     #[hertz(header = "X-Token", required)]
//!     token: String,
//! }
//!
//! # struct Req;
//! # impl RequestView for Req {
//! #     fn path_param(&self, n: &str) -> Option<&str> { (n == "id").then_some("7") }
//! #     fn query_string(&self) -> &[u8] { b"tag=a&tag=b&limit=0" }
//! #     fn header(&self, n: &str) -> Option<&[u8]> {
//! #         n.eq_ignore_ascii_case("x-token").then_some(&b"t0k"[..])
//! #     }
//! #     fn body(&self) -> &[u8] { b"" }
//! #     fn body_bytes(&self) -> bytes::Bytes { bytes::Bytes::new() }
//! # }
//! let err = bind_and_validate::<Search, _>(&Req).unwrap_err();
//! assert_eq!(err.to_string(), "field `limit`: validation failed: $ > 0 && $ <= 100");
//! ```
//!
//! # Modules
//! - [`query`], [`cookie`], [`form`], [`multipart`]: the parsers binding uses,
//!   public so the application can serve `c.query("k")`, `c.cookie("k")`,
//!   `c.post_form("k")` and `c.form_file("k")` with the same rules.
//!
//! # Not yet stable
//! Nested structs are not bound or validated recursively (bind them from JSON
//! with `#[hertz(json)]`; call `validate()` yourself); `vd` has no `phone()`,
//! `sprintf()` or `nil`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bind;
pub mod cookie;
mod error;
pub mod form;
mod mime;
pub mod multipart;
pub mod query;
mod request;
mod value;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

#[cfg(test)]
mod robustness;
#[cfg(test)]
mod test_rng;

pub use bind::{bind_and_validate, Bind, Validate};
pub use error::{BindError, BindErrorKind, Source};
pub use multipart::{FilePart, Multipart, MultipartError};
pub use request::RequestView;
pub use value::{FromBody, FromValue};
