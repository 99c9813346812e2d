//! The syntax of a request head (RFC 9112 §2.2, §3, §5): where the method, target, version
//! and each field are, byte by byte. What they mean is `parse`'s business.
//!
//! It accepts exactly what `httparse` accepts with its default request configuration — the
//! test below runs both on random heads and compares every outcome — and exists because the
//! server's hot path needs less than `httparse` does for it: no UTF-8 check of an ASCII target
//! (about a fifth of what parsing a small head cost), no run-time choice of SIMD code (runs
//! of plain bytes in targets, names and values are found sixteen at a time with SSE2, which
//! every x86_64 has; see `swar`), and fields handed straight to the caller as ranges instead
//! of through an array of string slices. `httparse` still parses response heads (the client)
//! and trailers.
//!
//! ```text
//! head         = *( CRLF / LF ) request-line *( field-line ) ( CRLF / LF )
//! request-line = method SP request-target SP ( "HTTP/1.0" / "HTTP/1.1" ) ( CRLF / LF )
//! field-line   = token ":" *( SP / HTAB ) field-value ( CRLF / LF )
//! ```
//!
//! Field values keep obs-text (bytes from 0x80) and lose trailing SP/HTAB; no obsolete line
//! folding, no whitespace before the colon. A target may hold any visible ASCII byte and
//! UTF-8 beyond it.

use std::ops::Range;

use super::swar;

/// Why a head is malformed, named after the part that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// The method or the request target.
    Token,
    /// The HTTP version.
    Version,
    /// A line ending (CR without LF).
    NewLine,
    /// A field name, or a line that starts with whitespace (obsolete folding).
    FieldName,
    /// A field value.
    FieldValue,
    /// More fields than the caller allows.
    TooManyFields,
}

/// The request line of a complete head.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RequestLine<'b> {
    /// A token: ASCII.
    pub(crate) method: &'b [u8],
    pub(crate) target: &'b str,
    /// The minor version: 0 or 1.
    pub(crate) version: u8,
}

/// Scans a request head at the start of `buf`, calling `field(name, value)` with the byte
/// ranges of each field in order (also for a head that then proves incomplete or malformed;
/// the caller drops those).
///
/// `Ok(None)`: the head is not complete yet. `Ok(Some((line, len)))`: the head is
/// `buf[..len]`. More than `max_fields` fields is [`Malformed::TooManyFields`].
pub(crate) fn scan<'b>(
    buf: &'b [u8],
    max_fields: usize,
    mut field: impl FnMut(Range<usize>, Range<usize>),
) -> Result<Option<(RequestLine<'b>, usize)>, Malformed> {
    let mut cur = Cursor { buf, pos: 0 };
    let scanned = cur.request_line().and_then(|line| {
        let mut fields = 0;
        while let Some((name, value)) = cur.field_line()? {
            fields += 1;
            if fields > max_fields {
                return Err(Halt::Bad(Malformed::TooManyFields));
            }
            field(name, value);
        }
        Ok(line)
    });
    match scanned {
        Ok(line) => Ok(Some((line, cur.pos))),
        Err(Halt::Partial) => Ok(None),
        Err(Halt::Bad(why)) => Err(why),
    }
}

/// Why scanning stopped short of a complete head.
enum Halt {
    Partial,
    Bad(Malformed),
}

type Step<T> = Result<T, Halt>;

const fn class(pick: u8) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = match pick {
            // tchar (RFC 9110 §5.6.2)
            TOKEN => {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'!' | b'#'
                            | b'$'
                            | b'%'
                            | b'&'
                            | b'\''
                            | b'*'
                            | b'+'
                            | b'-'
                            | b'.'
                            | b'^'
                            | b'_'
                            | b'`'
                            | b'|'
                            | b'~'
                    )
            }
            // Visible ASCII, and bytes from 0x80 (checked as UTF-8 afterwards).
            TARGET => b >= b'!' && b != 0x7f,
            // field-vchar, SP and HTAB (RFC 9110 §5.5), obs-text included.
            VALUE => b == b'\t' || (b >= b' ' && b != 0x7f),
            _ => false,
        };
        i += 1;
    }
    table
}

const TOKEN: u8 = 0;
const TARGET: u8 = 1;
const VALUE: u8 = 2;
static TOKEN_BYTES: [bool; 256] = class(TOKEN);
static TARGET_BYTES: [bool; 256] = class(TARGET);
static VALUE_BYTES: [bool; 256] = class(VALUE);

struct Cursor<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Cursor<'b> {
    #[inline]
    fn next(&mut self) -> Step<u8> {
        let b = *self.buf.get(self.pos).ok_or(Halt::Partial)?;
        self.pos += 1;
        Ok(b)
    }

    /// [`skip_class`](Self::skip_class) after the run of bytes from `lowest` up, DEL aside,
    /// found many at a time: the bulk of a target (`lowest` = `!`) or a field value (SP).
    #[inline]
    fn skip_run(&mut self, lowest: u8, class: &[bool; 256]) -> Step<u8> {
        self.pos += swar::run_from(self.buf.get(self.pos..).unwrap_or_default(), lowest);
        self.skip_class(class)
    }

    /// Advances past a token's bytes: letters, digits and `-` many at a time (what field
    /// names are made of), the other token bytes one by one.
    #[inline]
    fn skip_token(&mut self) -> Step<u8> {
        self.pos += swar::name_run(self.buf.get(self.pos..).unwrap_or_default());
        self.skip_class(&TOKEN_BYTES)
    }

    /// Advances past the bytes of `class`; returns the first byte after them.
    #[inline]
    fn skip_class(&mut self, class: &[bool; 256]) -> Step<u8> {
        // A local position (written back once) and a bound the compiler can see: a few
        // instructions a byte.
        let buf = self.buf;
        let mut pos = self.pos;
        while pos < buf.len() {
            let b = buf[pos];
            pos += 1;
            if !class[usize::from(b)] {
                self.pos = pos;
                return Ok(b);
            }
        }
        self.pos = pos;
        Err(Halt::Partial)
    }

    /// CRLF or LF, whose first byte `b` has been read.
    #[inline]
    fn line_end(&mut self, b: u8, bad: Malformed) -> Step<()> {
        match b {
            b'\n' => Ok(()),
            b'\r' if self.next()? == b'\n' => Ok(()),
            _ => Err(Halt::Bad(bad)),
        }
    }

    fn request_line(&mut self) -> Step<RequestLine<'b>> {
        // Empty lines before the request line are ignored (RFC 9112 §2.2).
        let mut b = self.next()?;
        while matches!(b, b'\r' | b'\n') {
            self.line_end(b, Malformed::NewLine)?;
            b = self.next()?;
        }
        let start = self.pos - 1;
        if !TOKEN_BYTES[usize::from(b)] || self.skip_token()? != b' ' {
            return Err(Halt::Bad(Malformed::Token));
        }
        let method = &self.buf[start..self.pos - 1];

        let start = self.pos;
        let end = self.skip_run(b'!', &TARGET_BYTES)?;
        let target = &self.buf[start..self.pos - 1];
        if end != b' ' || target.is_empty() {
            return Err(Halt::Bad(Malformed::Token));
        }
        let target = ascii_or_utf8(target).ok_or(Halt::Bad(Malformed::Token))?;

        let version = self.version()?;
        let b = self.next()?;
        self.line_end(b, Malformed::NewLine)?;
        Ok(RequestLine {
            method,
            target,
            version,
        })
    }

    /// `HTTP/1.0` or `HTTP/1.1`; a wrong byte is refused as soon as it arrives.
    #[inline]
    fn version(&mut self) -> Step<u8> {
        let version = match self.buf.get(self.pos..self.pos + 8) {
            Some(b"HTTP/1.1") => 1,
            Some(b"HTTP/1.0") => 0,
            _ => return self.version_bytewise(),
        };
        self.pos += 8;
        Ok(version)
    }

    #[cold]
    fn version_bytewise(&mut self) -> Step<u8> {
        const PREFIX: &[u8] = b"HTTP/1.";
        for &want in PREFIX {
            if self.next()? != want {
                return Err(Halt::Bad(Malformed::Version));
            }
        }
        match self.next()? {
            b'0' => Ok(0),
            b'1' => Ok(1),
            _ => Err(Halt::Bad(Malformed::Version)),
        }
    }

    /// The next field line's name and value, or `None` at the empty line that ends the head.
    fn field_line(&mut self) -> Step<Option<(Range<usize>, Range<usize>)>> {
        let b = self.next()?;
        if matches!(b, b'\r' | b'\n') {
            self.line_end(b, Malformed::NewLine)?;
            return Ok(None);
        }
        let name_start = self.pos - 1;
        if !TOKEN_BYTES[usize::from(b)] || self.skip_token()? != b':' {
            return Err(Halt::Bad(Malformed::FieldName));
        }
        let name = name_start..self.pos - 1;

        let mut b = self.next()?;
        while matches!(b, b' ' | b'\t') {
            b = self.next()?;
        }
        let value_start = self.pos - 1;
        if VALUE_BYTES[usize::from(b)] {
            b = self.skip_run(b' ', &VALUE_BYTES)?;
        }
        let mut value_end = self.pos - 1;
        self.line_end(b, Malformed::FieldValue)?;
        while value_end > value_start && matches!(self.buf[value_end - 1], b' ' | b'\t') {
            value_end -= 1;
        }
        Ok(Some((name, value_start..value_end)))
    }
}

/// `bytes` as text: without a check when every byte is ASCII (the usual target), through
/// the UTF-8 check otherwise.
fn ascii_or_utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8 on their own.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use std::mem::MaybeUninit;

    use super::*;

    /// What a scanner made of an input, in a form both scanners can be put into.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Partial,
        Bad(Malformed),
        Head {
            len: usize,
            method: Vec<u8>,
            target: String,
            version: u8,
            fields: Vec<(Vec<u8>, Vec<u8>)>,
        },
    }

    fn ours(input: &[u8], max_fields: usize) -> Seen {
        let mut fields = Vec::new();
        let scanned = scan(input, max_fields, |name, value| {
            fields.push((input[name].to_vec(), input[value].to_vec()));
        });
        match scanned {
            Ok(None) => Seen::Partial,
            Err(why) => Seen::Bad(why),
            Ok(Some((line, len))) => Seen::Head {
                len,
                method: line.method.to_vec(),
                target: line.target.to_owned(),
                version: line.version,
                fields,
            },
        }
    }

    fn httparse(input: &[u8], max_fields: usize) -> Seen {
        let mut slots = vec![MaybeUninit::uninit(); max_fields];
        let mut req = httparse::Request::new(&mut []);
        match req.parse_with_uninit_headers(input, &mut slots) {
            Ok(httparse::Status::Partial) => Seen::Partial,
            Ok(httparse::Status::Complete(len)) => Seen::Head {
                len,
                method: req.method.unwrap_or_default().as_bytes().to_vec(),
                target: req.path.unwrap_or_default().to_owned(),
                version: req.version.unwrap_or_default(),
                fields: req
                    .headers
                    .iter()
                    .map(|h| (h.name.as_bytes().to_vec(), h.value.to_vec()))
                    .collect(),
            },
            Err(err) => Seen::Bad(match err {
                httparse::Error::Token => Malformed::Token,
                httparse::Error::Version => Malformed::Version,
                httparse::Error::NewLine => Malformed::NewLine,
                httparse::Error::HeaderName => Malformed::FieldName,
                httparse::Error::HeaderValue => Malformed::FieldValue,
                httparse::Error::TooManyHeaders => Malformed::TooManyFields,
                httparse::Error::Status => unreachable!("a request has no status"),
            }),
        }
    }

    #[test]
    fn table() {
        let head = |method: &str, target: &str, version, fields: &[(&str, &str)], len| Seen::Head {
            len,
            method: method.into(),
            target: target.into(),
            version,
            fields: fields
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
        };
        let rows: Vec<(&str, &[u8], Seen)> = vec![
            (
                "simple",
                b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                head("GET", "/", 1, &[("Host", "a")], 0),
            ),
            (
                "bare LF, 1.0",
                b"PUT /x HTTP/1.0\nA: 1\n\nbody",
                head("PUT", "/x", 0, &[("A", "1")], 22),
            ),
            (
                "empty lines first",
                b"\r\n\nGET / HTTP/1.1\r\n\r\n",
                head("GET", "/", 1, &[], 0),
            ),
            (
                "value whitespace trimmed, inner kept",
                b"GET / HTTP/1.1\r\nA: \t x y \t\r\nB:\r\n\r\n",
                head("GET", "/", 1, &[("A", "x y"), ("B", "")], 0),
            ),
            (
                "obs-text kept",
                b"GET /caf\xc3\xa9 HTTP/1.1\r\nA: \xc3\xa9\r\n\r\n",
                head("GET", "/caf\u{e9}", 1, &[("A", "\u{e9}")], 0),
            ),
            ("partial line", b"GET /index.ht", Seen::Partial),
            ("partial version", b"GET / HTTP/1.", Seen::Partial),
            ("partial CRLF", b"GET / HTTP/1.1\r", Seen::Partial),
            (
                "partial fields",
                b"GET / HTTP/1.1\r\nA: b\r\n",
                Seen::Partial,
            ),
            (
                "two spaces",
                b"GET  / HTTP/1.1\r\n\r\n",
                Seen::Bad(Malformed::Token),
            ),
            (
                "no target",
                b"GET HTTP/1.1\r\n\r\n",
                Seen::Bad(Malformed::Token),
            ),
            (
                "bad method",
                b"G(T / HTTP/1.1\r\n\r\n",
                Seen::Bad(Malformed::Token),
            ),
            (
                "control in target",
                b"GET /\x01 HTTP/1.1\r\n",
                Seen::Bad(Malformed::Token),
            ),
            (
                "bad UTF-8 target",
                b"GET /\xff HTTP/1.1\r\n",
                Seen::Bad(Malformed::Token),
            ),
            (
                "HTTP/2",
                b"GET / HTTP/2.0\r\n",
                Seen::Bad(Malformed::Version),
            ),
            (
                "HTTP/1.2",
                b"GET / HTTP/1.2\r\n",
                Seen::Bad(Malformed::Version),
            ),
            (
                "CR alone",
                b"GET / HTTP/1.1\rX",
                Seen::Bad(Malformed::NewLine),
            ),
            (
                "folded",
                b"GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n",
                Seen::Bad(Malformed::FieldName),
            ),
            (
                "space before colon",
                b"GET / HTTP/1.1\r\nA : 1\r\n\r\n",
                Seen::Bad(Malformed::FieldName),
            ),
            (
                "empty name",
                b"GET / HTTP/1.1\r\n: 1\r\n\r\n",
                Seen::Bad(Malformed::FieldName),
            ),
            (
                "NUL in value",
                b"GET / HTTP/1.1\r\nA: 1\x002\r\n\r\n",
                Seen::Bad(Malformed::FieldValue),
            ),
            (
                "CR in value",
                b"GET / HTTP/1.1\r\nA: 1\r2\r\n\r\n",
                Seen::Bad(Malformed::FieldValue),
            ),
            (
                "DEL in value",
                b"GET / HTTP/1.1\r\nA: \x7f\r\n\r\n",
                Seen::Bad(Malformed::FieldValue),
            ),
        ];
        for (name, input, mut want) in rows {
            // 0: the head is the whole input.
            if let Seen::Head { len, .. } = &mut want {
                if *len == 0 {
                    *len = input.len();
                }
            }
            assert_eq!(ours(input, 8), want, "{name}");
            assert_eq!(
                httparse(input, 8),
                want,
                "{name}: httparse disagrees with the table"
            );
        }
    }

    #[test]
    fn too_many_fields() {
        let head = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        for max in 0..5 {
            let got = ours(head, max);
            assert_eq!(got, httparse(head, max), "limit {max}");
            assert_eq!(matches!(got, Seen::Head { .. }), max >= 3, "limit {max}");
        }
    }

    /// Random bytes spliced with pieces of heads, so most inputs get some way in.
    #[test]
    fn agrees_with_httparse_on_random_heads() {
        const PIECES: &[&[u8]] = &[
            b"GET ",
            b"POST ",
            b"M-SEARCH ",
            b"/",
            b"/a?b=c",
            b"/0123456789/abcdef",
            b"a value that spans words",
            b"*",
            b" ",
            b"  ",
            b"\t",
            b" HTTP/1.1",
            b" HTTP/1.0",
            b"HTTP/1.",
            b"HTTP/2",
            b"\r\n",
            b"\n",
            b"\r",
            b"\r\n\r\n",
            b"Host: a\r\n",
            b"X-Y:",
            b":",
            b" v ",
            b"\xc3\xa9",
            b"\xff",
            b"\x7f",
            b"\0",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut outcomes = [0usize; 3];
        for _ in 0..200_000 {
            let mut input = Vec::new();
            if rand(2) == 0 {
                input.extend_from_slice(b"GET / HTTP/1.1\r\n");
            }
            for _ in 0..rand(16) {
                if rand(4) == 0 {
                    input.push(rand(256) as u8);
                } else {
                    input.extend_from_slice(PIECES[rand(PIECES.len())]);
                }
            }
            let max = rand(5);
            let got = ours(&input, max);
            assert_eq!(
                got,
                httparse(&input, max),
                "{:?} with at most {max} fields",
                String::from_utf8_lossy(&input)
            );
            outcomes[match got {
                Seen::Partial => 0,
                Seen::Bad(_) => 1,
                Seen::Head { .. } => 2,
            }] += 1;
        }
        // The generator must reach every outcome often, or the comparison proves little.
        assert!(outcomes.iter().all(|&n| n > 1_000), "outcomes {outcomes:?}");
    }
}
