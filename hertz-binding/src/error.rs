//! The crate's one error type: [`BindError`], with a [`BindErrorKind`] and the
//! [`Source`] the failing value came from.

use std::fmt;

/// Longest message kept in a [`BindError`]; longer ones are cut at a char
/// boundary and end in `…`. Messages come from value parsers (ours or a user's
/// [`FromValue`](crate::FromValue) impl) and from the JSON parser; the cap keeps
/// a hostile input from being echoed back at length.
const MAX_MESSAGE: usize = 160;

/// Where a bound value was looked for.
///
/// Named after Hertz's binding tags (`path`, `query`, `header`, `cookie`,
/// `form`, `json`, `raw_body`); [`Source::Field`] marks validation failures,
/// which are about a field of the bound struct rather than a request part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A route parameter (`/user/:id`).
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie from the `Cookie` header.
    Cookie,
    /// A field of an `application/x-www-form-urlencoded` or
    /// `multipart/form-data` body.
    Form,
    /// A member of a JSON object body.
    Json,
    /// The request body as a whole.
    Body,
    /// A field of the bound struct (validation).
    Field,
}

impl Source {
    /// The short lowercase name used in JSON error bodies: `"path"`,
    /// `"query"`, `"header"`, `"cookie"`, `"form"`, `"json"`, `"body"`,
    /// `"field"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Form => "form",
            Source::Json => "json",
            Source::Body => "body",
            Source::Field => "field",
        }
    }

    /// The phrase that introduces a field name in messages
    /// (`query parameter `age``).
    fn label(self) -> &'static str {
        match self {
            Source::Path => "path parameter",
            Source::Query => "query parameter",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Form => "form field",
            Source::Json => "json field",
            Source::Body => "request body",
            Source::Field => "field",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong while binding or validating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BindErrorKind {
    /// A `required` value was absent from every source it may come from.
    Missing,
    /// A value was present but could not be converted to the field's type.
    Invalid,
    /// A `vd` expression (or a hand-written [`Validate`](crate::Validate))
    /// rejected the bound value.
    Validation,
    /// The body as a whole could not be read: malformed JSON or multipart.
    Body,
}

/// Why a request could not be bound into a struct, or why the bound struct
/// failed validation.
///
/// Carries the field (the key as named in its source, or the struct field's
/// name for validation errors), the [`Source`], a [`BindErrorKind`] and a
/// short message. The message never contains the raw body and is capped in
/// length.
///
/// `Display` reads like `query parameter `age`: invalid digit found in string`
/// or `field `age`: validation failed: $>0 && $<150`; [`BindError::to_json`]
/// gives the same facts as a JSON object for an HTTP 400 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindError {
    kind: BindErrorKind,
    source: Source,
    field: Option<String>,
    message: String,
}

impl BindError {
    /// A required value was found in none of its sources; `source` is the
    /// first one looked in.
    pub fn missing(source: Source, field: impl Into<String>) -> Self {
        Self::new(
            BindErrorKind::Missing,
            source,
            Some(field.into()),
            "missing",
        )
    }

    /// A value was present in `source` but did not convert; `message` says why.
    pub fn invalid(source: Source, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            BindErrorKind::Invalid,
            source,
            Some(field.into()),
            message.into(),
        )
    }

    /// A field of the bound struct failed validation.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            BindErrorKind::Validation,
            Source::Field,
            Some(field.into()),
            message.into(),
        )
    }

    /// The body as a whole is malformed (`source` is [`Source::Body`] for
    /// JSON, [`Source::Form`] for multipart).
    pub fn body(source: Source, message: impl Into<String>) -> Self {
        Self::new(BindErrorKind::Body, source, None, message.into())
    }

    pub(crate) fn new(
        kind: BindErrorKind,
        source: Source,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut message = message.into();
        truncate(&mut message, MAX_MESSAGE);
        let field = field.map(|mut f| {
            truncate(&mut f, MAX_MESSAGE);
            f
        });
        BindError {
            kind,
            source,
            field,
            message,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &BindErrorKind {
        &self.kind
    }

    /// Where the value was looked for.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The field: the key in its source (`X-Token`, `age`), or the struct
    /// field for validation errors. `None` for errors about the whole body.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The short reason, without the field prefix (`missing`,
    /// `invalid digit found in string`, `validation failed: $>0`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `true` for [`BindErrorKind::Missing`].
    pub fn is_missing(&self) -> bool {
        self.kind == BindErrorKind::Missing
    }

    /// `true` for [`BindErrorKind::Invalid`].
    pub fn is_invalid(&self) -> bool {
        self.kind == BindErrorKind::Invalid
    }

    /// `true` for [`BindErrorKind::Validation`].
    pub fn is_validation(&self) -> bool {
        self.kind == BindErrorKind::Validation
    }

    /// `true` for [`BindErrorKind::Body`].
    pub fn is_body(&self) -> bool {
        self.kind == BindErrorKind::Body
    }

    /// The error as a JSON object, for a 400 response body:
    ///
    /// ```
    /// use hertz_binding::{BindError, Source};
    /// let e = BindError::invalid(Source::Query, "age", "invalid digit found in string");
    /// assert_eq!(
    ///     e.to_json(),
    ///     r#"{"error":"query parameter `age`: invalid digit found in string","field":"age","source":"query","message":"invalid digit found in string"}"#
    /// );
    /// ```
    ///
    /// `field` is `null` for errors about the whole body.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + 2 * self.message.len());
        out.push_str("{\"error\":");
        push_json_str(&mut out, &self.to_string());
        out.push_str(",\"field\":");
        match &self.field {
            Some(f) => push_json_str(&mut out, f),
            None => out.push_str("null"),
        }
        out.push_str(",\"source\":");
        push_json_str(&mut out, self.source.as_str());
        out.push_str(",\"message\":");
        push_json_str(&mut out, &self.message);
        out.push('}');
        out
    }
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} `{}`: {}", self.source.label(), field, self.message),
            None => write!(f, "{}: {}", self.source.label(), self.message),
        }
    }
}

impl std::error::Error for BindError {}

/// Cuts `s` to at most `max` bytes at a char boundary, marking the cut.
fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push('…');
}

/// Appends `s` as a JSON string literal (RFC 8259 §7).
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_per_source() {
        let rows = [
            (
                BindError::invalid(Source::Query, "age", "invalid digit found in string"),
                "query parameter `age`: invalid digit found in string",
            ),
            (
                BindError::invalid(Source::Path, "id", "bad"),
                "path parameter `id`: bad",
            ),
            (
                BindError::missing(Source::Header, "X-Token"),
                "header `X-Token`: missing",
            ),
            (
                BindError::invalid(Source::Json, "name", "expected a string"),
                "json field `name`: expected a string",
            ),
            (
                BindError::validation("age", "validation failed: $>0 && $<150"),
                "field `age`: validation failed: $>0 && $<150",
            ),
            (
                BindError::body(Source::Body, "not valid JSON"),
                "request body: not valid JSON",
            ),
            (
                BindError::invalid(Source::Cookie, "sid", "x"),
                "cookie `sid`: x",
            ),
            (
                BindError::invalid(Source::Form, "n", "x"),
                "form field `n`: x",
            ),
        ];
        for (err, want) in rows {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn kinds_and_accessors() {
        let e = BindError::missing(Source::Cookie, "sid");
        assert!(e.is_missing() && !e.is_invalid() && !e.is_validation() && !e.is_body());
        assert_eq!(e.kind(), &BindErrorKind::Missing);
        assert_eq!(e.source(), Source::Cookie);
        assert_eq!(e.field(), Some("sid"));
        assert_eq!(e.message(), "missing");
        assert!(BindError::body(Source::Body, "x").field().is_none());
    }

    #[test]
    fn json_escapes_and_null_field() {
        let e = BindError::invalid(Source::Header, "X-\"q\"", "a\\b\n\u{1}");
        assert_eq!(
            e.to_json(),
            "{\"error\":\"header `X-\\\"q\\\"`: a\\\\b\\n\\u0001\",\"field\":\"X-\\\"q\\\"\",\"source\":\"header\",\"message\":\"a\\\\b\\n\\u0001\"}"
        );
        let b = BindError::body(Source::Body, "bad");
        assert_eq!(
            b.to_json(),
            r#"{"error":"request body: bad","field":null,"source":"body","message":"bad"}"#
        );
        // The output is valid JSON.
        let v: std::collections::BTreeMap<String, Option<String>> =
            sonic_rs::from_str(&e.to_json()).unwrap();
        assert_eq!(v["field"].as_deref(), Some("X-\"q\""));
    }

    #[test]
    fn long_messages_are_capped() {
        let e = BindError::invalid(Source::Query, "q", "é".repeat(500));
        assert!(e.message().len() <= MAX_MESSAGE + '…'.len_utf8());
        assert!(e.message().ends_with('…'));
    }
}
