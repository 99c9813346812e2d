//! Splitting an absolute request URL into what the client needs: scheme, host and port to
//! dial, the `Host` value, and the origin-form target.

use std::borrow::Cow;

use crate::{Error, ErrorKind};

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP/1.1 over TCP.
    Http,
    /// HTTP/1.1 over TLS.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// The parts of `scheme://authority/path?query` (a fragment is dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    pub scheme: Scheme,
    /// The host to dial and to name in SNI: no brackets around IPv6.
    pub host: &'a str,
    pub port: u16,
    /// `host[:port]` as written, for the `Host` field.
    pub authority: &'a str,
    /// `/path?query`, `/` when the URL has no path.
    pub target: Cow<'a, str>,
}

impl<'a> Url<'a> {
    pub fn parse(url: &'a str) -> Result<Url<'a>, Error> {
        let invalid = |why: &'static str| {
            Error::new(ErrorKind::InvalidUrl).with_detail(format!("{why}: {url:?}"))
        };
        let (scheme, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
            (Scheme::Http, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
            (Scheme::Https, rest)
        } else {
            return Err(invalid("expected an http:// or https:// URL"));
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        let target: Cow<'a, str> = if target.is_empty() {
            Cow::Borrowed("/")
        } else if target.starts_with('?') {
            Cow::Owned(format!("/{target}"))
        } else {
            Cow::Borrowed(target)
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(invalid("missing host or unsupported user info"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| invalid("unclosed '['"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(invalid("bad IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| invalid("bad port"))?),
            };
            (host, port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => p.parse::<u16>().map_err(|_| invalid("bad port"))?,
        };
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:".contains(&b));
        if !host_ok {
            return Err(invalid("bad host"));
        }
        if target.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid("bad path"));
        }
        Ok(Url {
            scheme,
            host,
            port,
            authority,
            target,
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes()))
    .then(|| &s[prefix.len()..])
}

/// Resolves a redirect's `Location` against the URL it answered (RFC 3986 §5.2, the cases
/// servers send).
pub(crate) fn join(base: &str, location: &str) -> Result<String, Error> {
    if Url::parse(location).is_ok() {
        return Ok(location.to_owned());
    }
    let url = Url::parse(base)?;
    let origin = format!("{}://{}", url.scheme.as_str(), url.authority);
    if let Some(rest) = location.strip_prefix("//") {
        return Ok(format!("{}://{rest}", url.scheme.as_str()));
    }
    if location.starts_with('/') {
        return Ok(format!("{origin}{location}"));
    }
    let path = url.target.split('?').next().unwrap_or("/");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    if location.starts_with('?') {
        return Ok(format!("{origin}{path}{location}"));
    }
    Ok(format!("{origin}{dir}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let rows = [
            (
                "http://a.b/c?d=1#f",
                Scheme::Http,
                "a.b",
                80,
                "a.b",
                "/c?d=1",
            ),
            (
                "HTTPS://a.b:8443",
                Scheme::Https,
                "a.b",
                8443,
                "a.b:8443",
                "/",
            ),
            (
                "http://127.0.0.1:1?x",
                Scheme::Http,
                "127.0.0.1",
                1,
                "127.0.0.1:1",
                "/?x",
            ),
            ("http://[::1]:9/p", Scheme::Http, "::1", 9, "[::1]:9", "/p"),
            ("https://[::1]/", Scheme::Https, "::1", 443, "[::1]", "/"),
        ];
        for (input, scheme, host, port, authority, target) in rows {
            let u = Url::parse(input).unwrap();
            assert_eq!(
                (u.scheme, u.host, u.port, u.authority, u.target.as_ref()),
                (scheme, host, port, authority, target),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses() {
        for input in [
            "ftp://a/",
            "/relative",
            "http://",
            "http://a:99999/",
            "http://a:x/",
            "http://u:p@a/",
            "http://a b/",
            "http://[::1/",
            "http://a/b c",
            "http://a/\r\n",
        ] {
            let err = Url::parse(input).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{input}");
        }
    }

    #[test]
    fn joins() {
        let base = "http://h:1/a/b?q";
        assert_eq!(join(base, "https://x/y").unwrap(), "https://x/y");
        assert_eq!(join(base, "//x/y").unwrap(), "http://x/y");
        assert_eq!(join(base, "/z").unwrap(), "http://h:1/z");
        assert_eq!(join(base, "c").unwrap(), "http://h:1/a/c");
        assert_eq!(join(base, "?r").unwrap(), "http://h:1/a/b?r");
    }
}
