//! How a response body is delimited and whether the connection survives it (RFC 9112 §6.3,
//! §9.3).

use super::{BodyDecoder, Error, ErrorKind};
use crate::header::trim_ows;
use crate::{has_token, HeaderMap, Method, StatusCode, Version};

/// The body framing of one response and the connection's fate after it.
#[derive(Debug)]
pub struct ResponseFraming {
    decoder: BodyDecoder,
    keep_alive: bool,
    upgrade: bool,
}

impl ResponseFraming {
    /// Decides the framing of a final (non-1xx, or 101) response to a `method` request.
    ///
    /// In order: HEAD answers, 1xx, 204 and 304 have no body; `101 Switching Protocols`
    /// hands the connection over; `Transfer-Encoding` ending in `chunked` is chunked (any
    /// other coding is read until close); a `Content-Length` (repeated only with one value)
    /// gives the length; otherwise the body runs until the server closes. The connection may
    /// be reused when HTTP/1.1 without `Connection: close`, or HTTP/1.0 with
    /// `Connection: keep-alive`, and the body is self-delimited.
    ///
    /// # Errors
    /// [`ErrorKind::Malformed`] for an invalid or conflicting `Content-Length`, or both
    /// `Content-Length` and `Transfer-Encoding` (a smuggling sign);
    /// [`ErrorKind::BodyTooLarge`] when the declared length exceeds `max_body`.
    pub fn new(
        method: &Method,
        status: StatusCode,
        version: Version,
        headers: &HeaderMap,
        max_body: usize,
    ) -> Result<Self, Error> {
        let mut keep_alive = connection_persists(version, headers);
        if status == StatusCode::SWITCHING_PROTOCOLS {
            return Ok(ResponseFraming {
                decoder: BodyDecoder::empty(),
                keep_alive: false,
                upgrade: true,
            });
        }
        let no_body = *method == Method::Head
            || status.forbids_body()
            || (*method == Method::Connect && (200..300).contains(&status.as_u16()));
        let length = content_length(headers)?;
        let chunked = match headers.get_all("transfer-encoding").last() {
            None => None,
            Some(last) => {
                let final_coding = last.rsplit(|&b| b == b',').next().unwrap_or_default();
                Some(trim_ows(final_coding).eq_ignore_ascii_case(b"chunked"))
            }
        };
        if chunked.is_some() && length.is_some() {
            return Err(Error::malformed(
                "both Transfer-Encoding and Content-Length in a response",
            ));
        }
        let decoder = if no_body {
            BodyDecoder::empty()
        } else {
            match (chunked, length) {
                (Some(true), _) => BodyDecoder::chunked(max_body),
                (Some(false), _) => {
                    keep_alive = false;
                    BodyDecoder::until_close(max_body)
                }
                (None, Some(len)) => {
                    if len > max_body as u64 {
                        return Err(Error::new(
                            ErrorKind::BodyTooLarge,
                            "response body too large",
                        ));
                    }
                    BodyDecoder::length(len)
                }
                (None, None) => {
                    keep_alive = false;
                    BodyDecoder::until_close(max_body)
                }
            }
        };
        Ok(ResponseFraming {
            decoder,
            keep_alive,
            upgrade: false,
        })
    }

    /// Whether the connection may carry another request once the body is read.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Whether the server switched protocols (101): the connection now belongs to the
    /// caller.
    pub fn is_upgrade(&self) -> bool {
        self.upgrade
    }

    /// The body decoder.
    pub fn into_decoder(self) -> BodyDecoder {
        self.decoder
    }
}

fn connection_persists(version: Version, headers: &HeaderMap) -> bool {
    let mut close = false;
    let mut keep = false;
    for value in headers.get_all("connection") {
        close |= has_token(value, "close");
        keep |= has_token(value, "keep-alive");
    }
    match version {
        Version::Http10 => keep && !close,
        _ => !close,
    }
}

/// The `Content-Length`: every value (fields and list elements) must be the same number.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, Error> {
    let mut found: Option<u64> = None;
    for value in headers.get_all("content-length") {
        for element in value.split(|&b| b == b',') {
            let digits = trim_ows(element);
            if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(Error::malformed("invalid Content-Length"));
            }
            let n = digits
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            match found {
                Some(prev) if prev != n => {
                    return Err(Error::malformed("conflicting Content-Length values"))
                }
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(
        method: Method,
        status: u16,
        version: Version,
        fields: &[(&'static str, &'static str)],
    ) -> Result<ResponseFraming, Error> {
        let mut headers = HeaderMap::new();
        for (n, v) in fields {
            headers.append(*n, *v);
        }
        ResponseFraming::new(
            &method,
            StatusCode::from_u16(status).unwrap(),
            version,
            &headers,
            1 << 20,
        )
    }

    /// (method, status, version, fields, keep-alive, framing)
    type Row = (
        Method,
        u16,
        Version,
        &'static [(&'static str, &'static str)],
        bool,
        &'static str,
    );

    #[test]
    fn table() {
        use Version::*;
        // (method, status, version, fields, keep_alive, describe)
        let rows: &[Row] = &[
            (
                Method::Get,
                200,
                Http11,
                &[("Content-Length", "5")],
                true,
                "length(5)",
            ),
            (
                Method::Get,
                200,
                Http11,
                &[("Content-Length", "5, 5")],
                true,
                "length(5)",
            ),
            (
                Method::Get,
                200,
                Http11,
                &[("Transfer-Encoding", "chunked")],
                true,
                "chunked",
            ),
            (
                Method::Get,
                200,
                Http11,
                &[("Transfer-Encoding", "gzip, chunked")],
                true,
                "chunked",
            ),
            (
                Method::Get,
                200,
                Http11,
                &[("Transfer-Encoding", "gzip")],
                false,
                "until close",
            ),
            (Method::Get, 200, Http11, &[], false, "until close"),
            (
                Method::Head,
                200,
                Http11,
                &[("Content-Length", "5")],
                true,
                "empty",
            ),
            (Method::Get, 204, Http11, &[], true, "empty"),
            (
                Method::Get,
                304,
                Http11,
                &[("Content-Length", "5")],
                true,
                "empty",
            ),
            (
                Method::Get,
                200,
                Http11,
                &[("Content-Length", "0"), ("Connection", "close")],
                false,
                "length(0)",
            ),
            (
                Method::Get,
                200,
                Http10,
                &[("Content-Length", "1")],
                false,
                "length(1)",
            ),
            (
                Method::Get,
                200,
                Http10,
                &[("Content-Length", "1"), ("Connection", "keep-alive")],
                true,
                "length(1)",
            ),
        ];
        for (method, status, version, fields, keep_alive, describe) in rows {
            let f = framing(method.clone(), *status, *version, fields).unwrap();
            assert_eq!(f.keep_alive(), *keep_alive, "{method} {status} {fields:?}");
            assert_eq!(
                f.into_decoder().describe(),
                *describe,
                "{method} {status} {fields:?}"
            );
        }
    }

    #[test]
    fn upgrade() {
        let f = framing(
            Method::Get,
            101,
            Version::Http11,
            &[("Upgrade", "websocket")],
        )
        .unwrap();
        assert!(f.is_upgrade());
        assert!(!f.keep_alive());
    }

    #[test]
    fn bad_framing_is_refused() {
        for fields in [
            &[("Content-Length", "abc")][..],
            &[("Content-Length", "-1")],
            &[("Content-Length", "+1")],
            &[("Content-Length", "")],
            &[("Content-Length", "1"), ("Content-Length", "2")],
            &[("Content-Length", "1, 2")],
            &[("Content-Length", "99999999999999999999")],
            &[("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
        ] {
            let err = framing(Method::Get, 200, Version::Http11, fields).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{fields:?}");
        }
        let err = framing(
            Method::Get,
            200,
            Version::Http11,
            &[("Content-Length", "2000000")],
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
    }
}
