//! Following redirects (RFC 9110 §15.4).

use hertz_protocol::{Method, Request, Response, StatusCode};

use crate::url;
use crate::Error;

/// How many redirects the convenience calls ([`Client::get`](crate::Client::get), …)
/// follow. [`Client::do_`](crate::Client::do_) never follows them;
/// [`Client::do_redirects`](crate::Client::do_redirects) takes its own limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedirectPolicy {
    pub(crate) max: usize,
}

impl Default for RedirectPolicy {
    /// Up to 16 redirects, as Hertz.
    fn default() -> Self {
        RedirectPolicy { max: 16 }
    }
}

impl RedirectPolicy {
    /// Never follow: a 3xx is returned as it is.
    pub fn none() -> Self {
        RedirectPolicy { max: 0 }
    }

    /// Follow up to `max` redirects, then fail with
    /// [`ErrorKind::TooManyRedirects`](crate::ErrorKind::TooManyRedirects).
    pub fn limited(max: usize) -> Self {
        RedirectPolicy { max }
    }
}

/// If `resp` redirects, rewrites `req` for the next hop and returns true.
///
/// 301, 302 and 303 turn a non-HEAD request into a body-less GET (what every client does for
/// 301/302, and what §15.4.4 says for 303); 307 and 308 repeat the method and body. A `Host`
/// set by the caller is dropped when the next hop goes elsewhere.
pub(crate) fn prepare_next(req: &mut Request, resp: &Response) -> Result<bool, Error> {
    let status = resp.status();
    let redirects = [
        StatusCode::MOVED_PERMANENTLY,
        StatusCode::FOUND,
        StatusCode::SEE_OTHER,
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ];
    if !redirects.contains(&status) {
        return Ok(false);
    }
    let Some(location) = resp.headers().get_str("location") else {
        return Ok(false);
    };
    let next = url::join(req.uri(), location.trim())?;
    let same_origin = {
        let a = url::Url::parse(req.uri())?;
        let b = url::Url::parse(&next)?;
        a.scheme == b.scheme && a.port == b.port && a.host.eq_ignore_ascii_case(b.host)
    };
    if !same_origin {
        req.headers_mut().remove("host");
        req.headers_mut().remove("authorization");
    }
    let rewrite_to_get = matches!(status.as_u16(), 301..=303) && *req.method() != Method::Head;
    if rewrite_to_get {
        req.set_method(Method::Get);
        req.set_body(bytes::Bytes::new());
        req.headers_mut().remove("content-type");
    }
    req.set_uri(next);
    Ok(true)
}
