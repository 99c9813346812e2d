//! A radix-tree HTTP router with [Hertz]'s matching rules: static text before parameters
//! before catch-alls, with backtracking, trailing-slash recommendations and fixed-path
//! (case-insensitive) lookups.
//!
//! # Where it sits
//!
//! ```text
//!  transport ──bytes──▶ protocol ──request──▶ router ──(value, params)──▶ application handlers
//!  (hertz-transport)    (hertz-protocol)     (this crate)                 (hertz-core)
//!                                             ▲
//!                         method + raw path ──┘  Found / NotFound{tsr} / allowed methods
//! ```
//!
//! The application (`hertz-core`'s engine) registers its handlers here at start-up and, for each
//! parsed request, asks [`Router::find`] which one serves `(method, path)`. On a miss it uses
//! the trailing-slash hint, [`Router::find_case_insensitive`] and [`Router::allowed_methods`] to
//! answer with a redirect, a 405 or a 404. The router knows nothing of requests or handlers:
//! it maps strings to a `T` of the caller's choice.
//!
//! ```
//! use hertz_router::{Lookup, Params, Router};
//!
//! let mut router = Router::new();
//! router.insert("GET", "/users/:id", "user").unwrap();
//! router.insert("GET", "/users/new", "new user form").unwrap();
//! router.insert("GET", "/static/*filepath", "files").unwrap();
//!
//! let mut params = Params::new(); // reuse it for every request on the connection
//! match router.find("GET", "/users/42", &mut params) {
//!     Lookup::Found { value, pattern } => {
//!         assert_eq!(*value, "user");
//!         assert_eq!(pattern, "/users/:id");
//!         assert_eq!(params.get("id"), Some("42"));
//!     }
//!     Lookup::NotFound { .. } => unreachable!(),
//! }
//! assert!(matches!(
//!     router.find("GET", "/users/new", &mut params),
//!     Lookup::Found { value: &"new user form", .. }
//! ));
//! router.find("GET", "/static/css/site.css", &mut params);
//! assert_eq!(params.get("filepath"), Some("css/site.css"));
//! ```
//!
//! # Patterns
//!
//! A pattern begins with `/` and is made of three kinds of piece:
//!
//! | piece | matches | example |
//! |---|---|---|
//! | static text | itself, byte for byte (case-sensitive) | `/users/` |
//! | `:name` | the bytes up to the next `/` or the end of the path | `/users/:id`, `/id:id` |
//! | `*name` | the rest of the path, possibly empty | `/src/*filepath` |
//!
//! - A name runs to the next `/`, so it may hold any byte but `/`, `:` and `*`
//!   (`/:id.json` has one parameter, named `id.json`); it must not be empty, and no name may
//!   appear twice in a pattern.
//! - A parameter may start mid-segment (`/id:id` matches `/id123` with `id = 123`), but a
//!   segment holds at most one parameter or catch-all.
//! - A catch-all must directly follow a `/` and must be the last piece.
//! - `:` and `*` always start a parameter or catch-all; static text cannot contain them.
//!
//! # Matching
//!
//! A path matches a pattern if it splits into the pattern's pieces: static text equal byte for
//! byte, each parameter a run of bytes without `/`, and the catch-all whatever is left. A
//! parameter never matches at the very end of the path, so it is non-empty unless a `/`
//! follows it (as in Hertz, `/a//c` matches `/a/:b/c` with `b = ""`; `/a/` does not match
//! `/a/:b`). A catch-all matches empty: `/src/` matches `/src/*filepath` with `filepath = ""`.
//! Matching is on the raw, still percent-encoded path, so `%2F` never separates segments.
//!
//! When several routes of the method match, compare their patterns piece by piece (a static
//! piece counting as one piece per byte) and look at the first place they differ: **a pattern
//! that has ended beats one that goes on, static text beats a parameter, and a parameter beats
//! a catch-all.** Parameter names play no part. The router walks its tree in that order and
//! backs out of dead ends, so a static branch that fails deeper down does not hide a parameter
//! or catch-all route that fits, and insertion order never matters.
//!
//! ```
//! use hertz_router::{Lookup, Params, Router};
//!
//! let mut router = Router::new();
//! for pattern in ["/users/new", "/users/:id", "/users/:id/files", "/users/*rest", "/*any"] {
//!     router.insert("GET", pattern, pattern).unwrap();
//! }
//! let mut params = Params::new();
//! let mut winner = |path| match router.find("GET", path, &mut params) {
//!     Lookup::Found { pattern, .. } => pattern,
//!     Lookup::NotFound { .. } => "",
//! };
//! assert_eq!(winner("/users/new"), "/users/new"); // static beats parameter
//! assert_eq!(winner("/users/news"), "/users/:id"); // `/users/new` failed; backtracked
//! assert_eq!(winner("/users/new/files"), "/users/:id/files"); // ditto, one level deeper
//! assert_eq!(winner("/users/joe/books"), "/users/*rest"); // parameter branch failed
//! assert_eq!(winner("/users"), "/*any"); // `/users/*rest` needs the `/`
//! ```
//!
//! # Conflicts
//!
//! Within one method, two patterns conflict exactly when they are equal once parameter and
//! catch-all names are erased: `/users/:id` and `/users/:name`, `/src/*a` and `/src/*b`, or the
//! same pattern twice. Everything else coexists and is ordered by the rule above — `/users/new`
//! with `/users/:id`, `/:a/start` with `/:b` (each match reports its own name), `/users/:id`
//! with `/users/*path`, `/src/` with `/src/*filepath`. A conflicting or malformed insert returns
//! an [`InsertError`] naming both routes and leaves the router unchanged.
//!
//! ```
//! use hertz_router::Router;
//!
//! let mut router = Router::new();
//! router.insert("GET", "/src/*filepath", ()).unwrap();
//! router.insert("GET", "/src/", ()).unwrap();
//! router.insert("GET", "/:parama/start", ()).unwrap();
//! router.insert("GET", "/:paramb", ()).unwrap();
//! router.insert("POST", "/src/*filepath", ()).unwrap(); // another method: another tree
//!
//! let err = router.insert("GET", "/src/*path", ()).unwrap_err();
//! assert_eq!(err.to_string(), "route `/src/*path` conflicts with existing route `/src/*filepath`");
//! assert!(router.insert("GET", "/src/*filepath/x", ()).unwrap_err().is_invalid_pattern());
//! ```
//!
//! # Trailing slashes
//!
//! [`Lookup::NotFound`]'s `tsr` is `true` exactly when the path with its trailing slash
//! toggled — without it if the path ends in `/` (and is not `/` itself), with one otherwise —
//! would be found for the same method. That toggled path is where Hertz's
//! `RedirectTrailingSlash` sends the client (301 for `GET`, 307 otherwise).
//!
//! ```
//! use hertz_router::{Lookup, Params, Router};
//!
//! let mut router = Router::new();
//! router.insert("GET", "/docs/", ()).unwrap();
//! router.insert("GET", "/hi", ()).unwrap();
//! let mut params = Params::new();
//! assert!(matches!(router.find("GET", "/docs", &mut params), Lookup::NotFound { tsr: true }));
//! assert!(matches!(router.find("GET", "/hi/", &mut params), Lookup::NotFound { tsr: true }));
//! assert!(matches!(router.find("GET", "/ho", &mut params), Lookup::NotFound { tsr: false }));
//! ```
//!
//! [`Router::find_case_insensitive`] serves Hertz's `RedirectFixedPath`: it cleans the path
//! ([`clean_path`]), matches static text ASCII-case-insensitively (with the same priorities;
//! which of several spellings differing only in case wins is unspecified) and returns the
//! path as registered.
//!
//! # Parameter values
//!
//! Values are percent-decoded into [`Params`] (`a%20b` → `a b`). A malformed escape is kept
//! as it is (`100%` stays `100%`), `+` is not a space (a path is not form data), and a value
//! that would not be UTF-8 once decoded is given raw. No input makes the router panic.
//!
//! # Performance
//!
//! One radix tree per method. Insertion builds a plain tree; the first lookup after a change
//! lays it out compactly (breadth-first, 32-byte nodes with the first bytes of each prefix
//! inline, a node's static children found by scanning their first bytes eight at a time), and
//! every later lookup walks that layout. A lookup that reuses its [`Params`] does not
//! allocate, found or not: the search keeps its backtracking state in parent links and a
//! reused buffer, and values are copied into one reused `String` (decoded only when they
//! contain `%`, which the search notices while looking for the segment's end). The one
//! exception is a miss on a path of 256 bytes or more without a trailing slash, whose
//! trailing-slash check builds the longer path on the heap.
//!
//! # Not yet stable
//!
//! The case-insensitive lookup's choice between routes that differ only in case, and the
//! [`InsertErrorKind`] variants (it is `#[non_exhaustive]`).
//!
//! [Hertz]: https://github.com/cloudwego/hertz

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod matcher;
mod params;
mod path;
mod pattern;
mod router;
mod tree;

pub use error::{InsertError, InsertErrorKind};
pub use params::Params;
pub use path::clean_path;
pub use router::{Lookup, Router};
