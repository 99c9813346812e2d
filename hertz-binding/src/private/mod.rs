//! Support code for `#[derive(Bind)]`'s generated code. Not a public API:
//! names and signatures here change without notice.
//!
//! The derive expands each field into a chain of [`Ctx`] lookups (one per
//! source, in the order written), a fallback (default / required / `None` /
//! `Default::default()`), and, for `vd` rules, Rust code over the
//! [`vd`] runtime types.

use std::borrow::Cow;
use std::cell::OnceCell;

use crate::form::Form;
use crate::multipart::{FilePart, MultipartError};
use crate::{
    cookie, mime, query, BindError, BindErrorKind, FromBody, FromValue, RequestView, Source,
};

pub mod vd;

pub use regex;
pub use serde;
pub use sonic_rs::LazyValue;
pub use std::sync::LazyLock;

/// Per-request lookup state: parses the query string and form body at most
/// once, on first use.
pub struct Ctx<'r, R: ?Sized> {
    req: &'r R,
    query: OnceCell<Vec<(Cow<'r, str>, Cow<'r, str>)>>,
    form: OnceCell<Result<Form<'r>, MultipartError>>,
}

impl<'r, R: RequestView + ?Sized> Ctx<'r, R> {
    /// Wraps `req`.
    pub fn new(req: &'r R) -> Self {
        Ctx {
            req,
            query: OnceCell::new(),
            form: OnceCell::new(),
        }
    }

    fn query_pairs(&self) -> &[(Cow<'r, str>, Cow<'r, str>)] {
        self.query
            .get_or_init(|| query::pairs(self.req.query_string()).collect())
    }

    fn form(&self) -> Result<&Form<'r>, BindError> {
        self.form
            .get_or_init(|| Form::parse(self.req))
            .as_ref()
            .map_err(|e| BindError::body(Source::Form, e.to_string()))
    }

    /// The first raw value of `key` in `source`.
    fn raw(&self, source: Source, key: &str) -> Result<Option<&str>, BindError> {
        Ok(match source {
            Source::Path => self.req.path_param(key),
            Source::Query => self
                .query_pairs()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_ref()),
            Source::Header => match self.req.header(key) {
                Some(v) => Some(header_str(v, key)?),
                None => None,
            },
            Source::Cookie => self
                .req
                .header_all("cookie")
                .into_iter()
                .find_map(|h| cookie::get(h, key)),
            Source::Form => self.form()?.value(key),
            Source::Json | Source::Body | Source::Field => None,
        })
    }

    /// Every raw value of `key` in `source`.
    fn raw_all(&self, source: Source, key: &str) -> Result<Vec<&str>, BindError> {
        Ok(match source {
            Source::Path => self.req.path_param(key).into_iter().collect(),
            Source::Query => self
                .query_pairs()
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_ref())
                .collect(),
            Source::Header => self
                .req
                .header_all(key)
                .into_iter()
                .map(|v| header_str(v, key))
                .collect::<Result<_, _>>()?,
            Source::Cookie => self
                .req
                .header_all("cookie")
                .into_iter()
                .flat_map(cookie::pairs)
                .filter(|(n, _)| *n == key)
                .map(|(_, v)| v)
                .collect(),
            Source::Form => self.form()?.values(key).collect(),
            Source::Json | Source::Body | Source::Field => Vec::new(),
        })
    }

    /// One value of `key` from `source`, converted. A present but empty value
    /// is replaced by `default` when there is one (as Hertz does).
    pub fn one<X: FromValue>(
        &self,
        source: Source,
        key: &str,
        default: Option<&str>,
    ) -> Result<Option<X>, BindError> {
        let Some(raw) = self.raw(source, key)? else {
            return Ok(None);
        };
        match default {
            Some(d) if raw.is_empty() => {
                X::from_value(d).map(Some).map_err(|m| bad_default(key, &m))
            }
            _ => X::from_value(raw)
                .map(Some)
                .map_err(|m| BindError::invalid(source, key, m)),
        }
    }

    /// Every value of `key` from `source`, converted; `None` if there is none.
    pub fn many<X: FromValue>(
        &self,
        source: Source,
        key: &str,
    ) -> Result<Option<Vec<X>>, BindError> {
        let raw = self.raw_all(source, key)?;
        if raw.is_empty() {
            return Ok(None);
        }
        raw.into_iter()
            .map(|s| X::from_value(s).map_err(|m| BindError::invalid(source, key, m)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The first uploaded file called `key`.
    pub fn file(&self, key: &str) -> Result<Option<FilePart>, BindError> {
        Ok(self.form()?.file(key).cloned())
    }

    /// Every uploaded file called `key`; `None` if there is none.
    pub fn files(&self, key: &str) -> Result<Option<Vec<FilePart>>, BindError> {
        let files: Vec<FilePart> = self.form()?.files(key).cloned().collect();
        Ok(if files.is_empty() { None } else { Some(files) })
    }

    /// The body for a `raw_body` field.
    pub fn raw_body<X: FromBody>(&self, field: &str, required: bool) -> Result<X, BindError> {
        let body = self.req.body_bytes();
        if required && body.is_empty() {
            return Err(BindError::missing(Source::Body, field));
        }
        X::from_body(body).map_err(|m| BindError::invalid(Source::Body, field, m))
    }

    /// Deserializes the body into the derive's hidden struct of raw JSON
    /// members, if the request carries a non-empty JSON body
    /// (`application/json` or `*/*+json`). Members are converted one by one
    /// with [`json_field`] so errors can name the member.
    pub fn json<H: serde::Deserialize<'r>>(&self) -> Result<Option<H>, BindError> {
        let is_json = self.req.header("content-type").is_some_and(mime::is_json);
        let body: &'r [u8] = self.req.body();
        if !is_json || body.is_empty() {
            return Ok(None);
        }
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(_) => return Err(BindError::body(Source::Body, "JSON body is not an object")),
            None => return Err(BindError::body(Source::Body, "JSON body is empty")),
        }
        sonic_rs::from_slice::<H>(body).map(Some).map_err(|e| {
            BindError::body(Source::Body, format!("not valid JSON: {}", first_line(&e)))
        })
    }
}

/// Converts one JSON member (raw text from the hidden struct) to `T`.
pub fn json_field<T: serde::de::DeserializeOwned>(
    raw: Option<&LazyValue<'_>>,
    key: &str,
) -> Result<Option<T>, BindError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    sonic_rs::from_str::<T>(raw.as_raw_str())
        .map(Some)
        .map_err(|e| BindError::invalid(Source::Json, key, strip_position(first_line(&e))))
}

/// A required field found in none of `sources` (non-empty); `key` is its
/// key in the first. With several sources the message lists the others.
pub fn missing(sources: &[Source], key: &str) -> BindError {
    let Some((first, rest)) = sources.split_first() else {
        return BindError::missing(Source::Field, key);
    };
    if rest.is_empty() {
        return BindError::missing(*first, key);
    }
    let others: Vec<&str> = rest.iter().map(|s| s.as_str()).collect();
    BindError::new(
        BindErrorKind::Missing,
        *first,
        Some(key.to_owned()),
        format!("missing (also looked in {})", others.join(", ")),
    )
}

/// Converts a field's `default = "…"` text.
pub fn default_value<X: FromValue>(field: &str, text: &str) -> Result<X, BindError> {
    X::from_value(text).map_err(|m| bad_default(field, &m))
}

fn bad_default(field: &str, why: &str) -> BindError {
    BindError::invalid(
        Source::Field,
        field,
        format!("invalid default value: {why}"),
    )
}

fn header_str<'a>(v: &'a [u8], key: &str) -> Result<&'a str, BindError> {
    std::str::from_utf8(v)
        .map_err(|_| BindError::invalid(Source::Header, key, "header value is not valid UTF-8"))
}

/// sonic-rs appends an excerpt of the input after a blank line; keep only
/// the first line so no body text is echoed.
fn first_line(e: &sonic_rs::Error) -> String {
    let s = e.to_string();
    s.lines().next().unwrap_or("").trim_end().to_owned()
}

/// A member is parsed on its own, so "at line 1 column 3" would point into
/// the member, not the body: drop it.
fn strip_position(mut s: String) -> String {
    if let Some(i) = s.rfind(" at line ") {
        s.truncate(i);
    }
    s
}
