//! `#[derive(Bind)]` for hertz-rs: Hertz-style request binding and `vd`
//! validation, generated at compile time.
//!
//! Where it sits in a request's path:
//!
//! ```text
//! transport → protocol → router → application: c.bind::<T>() → hertz-binding → handler
//!                                                      ↑
//!                          code generated here implements hertz_binding::{Bind, Validate}
//! ```
//!
//! Applications use it as `hertz_core::Bind`; the generated code names the
//! runtime as `::hertz_core::binding`. Outside hertz-core (as in these docs),
//! point it at the runtime crate with `#[hertz(crate = "hertz_binding")]`.
//!
//! # Field attributes: `#[hertz(...)]`
//!
//! | key | meaning |
//! |-----|---------|
//! | `path = "id"` | route parameter `:id` |
//! | `query = "k"` | query-string parameter |
//! | `header = "X-Token"` | request header (case-insensitive) |
//! | `cookie = "sid"` | cookie from the `Cookie` header |
//! | `form = "k"` | urlencoded or multipart body field (and files, see below) |
//! | `json = "k"` | member of a JSON object body |
//! | `raw_body` | the whole body, as `Bytes`, `Vec<u8>`, `String` or `Option` of those |
//! | `none` | never bound: `Default::default()` |
//! | `default = "18"` | used when the value is absent **or present but empty** |
//! | `required` | absent → `BindErrorKind::Missing` |
//! | `vd = "expr"` | validation rule (below) |
//! | `msg = "text"` | message when the `vd` rule fails |
//!
//! A source key without a value (`#[hertz(query)]`) uses the field's name.
//! Several sources on one field are tried in the order written; the first
//! that has the key wins, and if its value does not parse that is an error
//! (later sources are not tried). A field with no source, `raw_body` or
//! `none` is looked up by its name in **query, then form, then JSON** (Hertz's
//! default). Struct attribute: `#[hertz(crate = "path")]`.
//!
//! ## Types
//! - Non-JSON sources convert with `hertz_binding::FromValue` (integers,
//!   floats, `bool` as `true/false/1/0/t/f/…`, `char`, `String`, net addresses
//!   …; implement it for your own types). JSON members deserialize with
//!   `serde::Deserialize`, each on its own, so a type error names the member.
//! - `Option<T>`: `None` when absent. `Vec<T>`: every value of a repeated key
//!   (`?tag=a&tag=b`, repeated form fields, cookies, header lines); a JSON
//!   array for JSON. `Option<Vec<T>>`: `None` when there is no value.
//! - `hertz_binding::FilePart`, `Option<FilePart>`, `Vec<FilePart>`: uploaded
//!   files, `form` source only (the default for such fields).
//! - Absent, not `Option`, no `default`, not `required`: `Default::default()`.
//! - Types are recognised by name (`Option`, `Vec`, `FilePart`): a type
//!   alias hides them.
//! - `default` on a primitive (integers, floats, `bool`, `char`) is checked at
//!   compile time; on other types at bind time.
//!
//! JSON is read only when `Content-Type` is `application/json` or
//! `*/*+json` and the body is non-empty; keys are case-sensitive.
//!
//! # `vd` expressions
//!
//! Hertz's (go-tagexpr) syntax, compiled to Rust; a mistake is a compile
//! error naming the bad token and its column.
//!
//! | syntax | meaning |
//! |--------|---------|
//! | `$` | this field (for `Option` fields the rule runs only when `Some`) |
//! | `(other)$` | another (non-`Option`) field of the struct |
//! | `12`, `-1.5`, `'s'`, `"s"`, `true`, `false` | literals; in strings only `\'`/`\"` is an escape |
//! | `== != < <= > >=` | numbers, strings (byte-wise), booleans (`==`/`!=` only) |
//! | `&& \|\| !` and `( )` | logic, grouping |
//! | `+ - * / %` | arithmetic on numbers |
//! | `len($)` | **bytes** of a string (Go's `len`), elements of a collection |
//! | `mblen($)` | chars of a string, elements of a collection |
//! | `regexp('pat')`, `regexp('pat', x)` | unanchored match (pattern checked at compile time) |
//! | `in($, a, b, …)` | equal to one of the values |
//! | `mod($, n)` | remainder |
//! | `email($)` | Hertz's email pattern |
//! | `expr; msg:'text'` | inline failure message (`msg = "…"` wins over it) |
//!
//! A failure is `BindErrorKind::Validation` with source `field`, the field's
//! name, and the message `validation failed: <expr>` or the custom one.
//!
//! ```
//! use hertz_macros::Bind;
//! use hertz_binding::Validate;
//!
//! #[derive(Bind, Default)]
//! #[hertz(crate = "hertz_binding")]
//! struct User {
//!     #[hertz(json, vd = "len($) > 0 && len($) <= 32")]
//!     name: String,
//!     #[hertz(query, vd = "$ >= 18", msg = "must be an adult")]
//!     age: Option<u8>,
//!     #[hertz(form, vd = "in($, 'admin', 'user')")]
//!     role: String,
//!     #[hertz(form, vd = "regexp('^[a-z]+$') || $ == (role)$")]
//!     nick: String,
//! }
//!
//! let u = User { name: "ann".into(), age: Some(17), role: "user".into(), nick: "ann".into() };
//! assert_eq!(u.validate().unwrap_err().to_string(), "field `age`: must be an adult");
//! ```
//!
//! # Compile errors
//!
//! A malformed `vd` rule:
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad {
//!     #[hertz(query, vd = "$ > > 1")] // unexpected `>` at column 5, expected a value
//!     n: u32,
//! }
//! ```
//! A rule that does not fit the field's type (`VdNum` is not implemented for
//! `String`):
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad {
//!     #[hertz(query, vd = "$ > 1")]
//!     s: String,
//! }
//! ```
//! A bad `default` for a primitive:
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad {
//!     #[hertz(query, default = "eighteen")] // invalid default for `u8`
//!     age: u8,
//! }
//! ```
//! An unknown key, contradictory keys, an invalid regular expression, a
//! misplaced file field:
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad { #[hertz(qurey)] a: u8 }
//! ```
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad { #[hertz(query, required, default = "1")] a: u8 }
//! ```
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad { #[hertz(query, vd = "regexp('([a-z')")] a: String }
//! ```
//! ```compile_fail
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad { #[hertz(query)] f: hertz_binding::FilePart }
//! ```
//! A type without `FromValue` from a non-JSON source:
//! ```compile_fail
//! struct Custom;
//! #[derive(hertz_macros::Bind)]
//! #[hertz(crate = "hertz_binding")]
//! struct Bad { #[hertz(query)] c: Custom }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod attr;
mod expand;
mod ty;
mod vd;

use proc_macro::TokenStream;

/// Derives `Bind` and `Validate` (from `hertz-binding`) for a struct with
/// named fields; see the [crate docs](crate) for the attribute syntax.
#[proc_macro_derive(Bind, attributes(hertz))]
pub fn derive_bind(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
