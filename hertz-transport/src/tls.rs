//! What a TLS port does before TLS is up, the same on every transport.
//!
//! Each accepted connection goes through three phases, all bounded together by
//! [`TransportConfig::handshake_timeout`] (counted from the accept):
//!
//! 1. **sniff** — look at the first byte without consuming it ([`Opening::sniff`]). A TLS
//!    connection starts with a handshake record (content type `0x16`,
//!    [RFC 8446 §5.1](https://www.rfc-editor.org/rfc/rfc8446#section-5.1)). A request
//!    line (an ASCII letter) is plain HTTP sent to the TLS port: it is answered with
//!    [`PLAIN_HTTP_ANSWER`] and closed, as Go's `net/http` (and so Hertz) does. Anything else
//!    is closed;
//! 2. **handshake** — rustls;
//! 3. **hand over** — the connection becomes a [`Conn`](crate::Conn) that reports the ALPN
//!    protocol rustls negotiated, so the protocol layer can pick HTTP/1.1 or another protocol.
//!
//! Failures and timeouts close only that connection and are logged at debug: a port scanner
//! or a client that distrusts the certificate is not a server problem.
//!
//! The transports own their bridges: `tokio/tls.rs` runs tokio-rustls on tokio streams,
//! `netpoll/tls.rs` drives `rustls::ServerConnection` from the epoll loop.
//!
//! [`TransportConfig::handshake_timeout`]: crate::TransportConfig::handshake_timeout

/// The answer to plain HTTP on a TLS port (Go's `net/http` wording).
pub(crate) const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 46\r\n\
Connection: close\r\n\
\r\n\
Client sent an HTTP request to an HTTPS server";

/// Most bytes of an unwanted plain-HTTP request read and discarded after answering it (and
/// shutting down the write side), so closing is a clean FIN rather than a reset that could
/// destroy the answer before the client has read it.
pub(crate) const PLAIN_HTTP_DRAIN: usize = 64 * 1024;

/// What the first byte on a TLS port says the client is speaking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opening {
    /// A TLS handshake record: hand the connection to rustls.
    Tls,
    /// A request line: answer [`PLAIN_HTTP_ANSWER`], drain, close.
    PlainHttp,
    /// Neither: close without an answer.
    NotTls(u8),
}

impl Opening {
    /// Classifies a connection by its first byte.
    pub(crate) fn sniff(first: u8) -> Opening {
        /// First byte of a TLS handshake record (`ContentType.handshake`).
        const HANDSHAKE_RECORD: u8 = 0x16;
        match first {
            HANDSHAKE_RECORD => Opening::Tls,
            byte if byte.is_ascii_alphabetic() => Opening::PlainHttp,
            byte => Opening::NotTls(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_answer_frames_its_body() {
        let text = std::str::from_utf8(PLAIN_HTTP_ANSWER).expect("ascii");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(body, "Client sent an HTTP request to an HTTPS server");
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }

    #[test]
    fn the_first_byte_tells_tls_from_http_from_anything_else() {
        let cases = [
            (0x16, Opening::Tls),
            (b'G', Opening::PlainHttp),
            (b'p', Opening::PlainHttp),
            (0x00, Opening::NotTls(0x00)),
            (b'1', Opening::NotTls(b'1')),
            (0x80, Opening::NotTls(0x80)),
        ];
        for (byte, expected) in cases {
            assert_eq!(Opening::sniff(byte), expected, "byte {byte:#04x}");
        }
    }
}
