//! Rendering: the `RequestContext` methods that write a response body (Hertz's `c.JSON`,
//! `c.String`, `c.Data`, `c.HTML`, `c.Redirect`, `c.File`).

use std::io;
use std::path::Path;

use bytes::{BufMut, Bytes};
use hertz_protocol::BodyStream;

use crate::RequestContext;

impl RequestContext {
    /// Writes `value` as JSON (serialized with sonic-rs into the reusable body buffer).
    ///
    /// If `value` cannot be serialized (e.g. a map with non-string keys), answers 500 and
    /// logs why.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, status: u16, value: &T) {
        self.status(status);
        let resp = self.response_mut();
        resp.set_content_type("application/json; charset=utf-8");
        if let Err(err) = sonic_rs::to_writer(resp.body_mut().writer(), value) {
            tracing::error!(error = %err, "JSON rendering failed");
            self.status(500);
            self.response_mut().body_mut();
        }
    }

    /// Writes `text` as `text/plain`.
    pub fn string(&mut self, status: u16, text: impl AsRef<str>) {
        self.data(
            status,
            "text/plain; charset=utf-8",
            text.as_ref().as_bytes(),
        );
    }

    /// Writes `html` as `text/html`.
    pub fn html(&mut self, status: u16, html: impl AsRef<str>) {
        self.data(status, "text/html; charset=utf-8", html.as_ref().as_bytes());
    }

    /// Writes `body` (copied into the reusable body buffer) with the given content type.
    #[inline]
    pub fn data(&mut self, status: u16, content_type: &'static str, body: &[u8]) {
        self.status(status);
        let resp = self.response_mut();
        resp.set_content_type(content_type);
        resp.body_mut().extend_from_slice(body);
    }

    /// Sends `body` without copying it (e.g. a request body echoed back, or static data).
    pub fn bytes(&mut self, status: u16, content_type: &'static str, body: impl Into<Bytes>) {
        self.status(status);
        let resp = self.response_mut();
        resp.set_content_type(content_type);
        resp.set_body(body);
    }

    /// Redirects to `location` with a 3xx `status` (a non-3xx status becomes 302).
    pub fn redirect(&mut self, status: u16, location: impl Into<Bytes>) {
        let status = if (300..400).contains(&status) {
            status
        } else {
            302
        };
        self.status(status);
        self.header("Location", location);
        self.response_mut().body_mut();
    }

    /// Streams the body from `stream`; HTTP/1.1 sends it chunked.
    pub fn set_body_stream(&mut self, stream: BodyStream) {
        self.response_mut().set_body_stream(stream);
    }

    /// Sends the file at `path` with a content type guessed from its extension; `404` if it
    /// does not exist, `500` if it cannot be read.
    pub async fn file(&mut self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        match tokio::fs::read(path).await {
            Ok(contents) => self.bytes(200, content_type_for(path), contents),
            Err(err) if err.kind() == io::ErrorKind::NotFound => self.string(404, "file not found"),
            Err(err) => {
                tracing::error!(path = %path.display(), error = %err, "cannot read file");
                self.string(500, "cannot read file");
            }
        }
    }

    /// Adds a `Set-Cookie` header for `name=value` with the given attributes
    /// (`max_age` in seconds; `None` for a session cookie).
    pub fn set_cookie(&mut self, name: &str, value: &str, cookie: CookieOptions<'_>) {
        let mut header = format!("{name}={value}");
        if let Some(max_age) = cookie.max_age {
            header.push_str(&format!("; Max-Age={max_age}"));
        }
        if let Some(path) = cookie.path {
            header.push_str(&format!("; Path={path}"));
        }
        if let Some(domain) = cookie.domain {
            header.push_str(&format!("; Domain={domain}"));
        }
        if cookie.secure {
            header.push_str("; Secure");
        }
        if cookie.http_only {
            header.push_str("; HttpOnly");
        }
        if let Some(same_site) = cookie.same_site {
            header.push_str(&format!("; SameSite={same_site}"));
        }
        self.response_mut()
            .headers_mut()
            .append("Set-Cookie", header);
    }
}

/// Attributes of a `Set-Cookie` header; `CookieOptions::default()` is a session cookie
/// for the whole site (`Path=/`).
#[derive(Clone, Copy, Debug)]
pub struct CookieOptions<'a> {
    /// `Max-Age` in seconds.
    pub max_age: Option<i64>,
    /// `Path`.
    pub path: Option<&'a str>,
    /// `Domain`.
    pub domain: Option<&'a str>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite` (`Strict`, `Lax` or `None`).
    pub same_site: Option<&'a str>,
}

impl Default for CookieOptions<'_> {
    fn default() -> Self {
        CookieOptions {
            max_age: None,
            path: Some("/"),
            domain: None,
            secure: false,
            http_only: false,
            same_site: None,
        }
    }
}

fn content_type_for(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}
