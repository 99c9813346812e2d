//! Just enough of an HTTP/1.1 response parser to check answers: status line, the headers the
//! benchmark requires, and a `Content-Length` or chunked body.

/// A parsed answer.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The (de-chunked) body.
    pub body: Vec<u8>,
    /// `Server`, `Date` and `Content-Type` were all there.
    pub has_required_headers: bool,
}

/// Parses one answer from the front of `buf`: `Ok(Some((answer, bytes used)))`, `Ok(None)`
/// if more bytes are needed, `Err` if it is not HTTP.
pub fn parse_answer(buf: &[u8]) -> Result<Option<(Answer, usize)>, String> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > 64 * 1024 {
            return Err("answer head larger than 64 KiB".into());
        }
        return Ok(None);
    };
    let head = &buf[..head_end];
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    if !status_line.starts_with(b"HTTP/1.") || status_line.len() < 12 {
        return Err(format!(
            "bad status line {:?}",
            String::from_utf8_lossy(&status_line[..status_line.len().min(60)])
        ));
    }
    let status = std::str::from_utf8(&status_line[9..12])
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| "bad status code".to_string())?;
    let mut content_length = None;
    let mut chunked = false;
    let (mut server, mut date, mut content_type) = (false, false, false);
    for line in lines {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return Err("header line without a colon".into());
        };
        let name = &line[..colon];
        let value = trim(&line[colon + 1..]);
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or_else(|| "bad Content-Length".to_string())?;
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case(b"server") {
            server = true;
        } else if name.eq_ignore_ascii_case(b"date") {
            date = true;
        } else if name.eq_ignore_ascii_case(b"content-type") {
            content_type = true;
        }
    }
    let has_required_headers = server && date && content_type;
    let body_start = head_end + 4;
    if chunked {
        let mut body = Vec::new();
        let mut at = body_start;
        loop {
            let Some(line_end) = find(&buf[at..], b"\r\n") else {
                return Ok(None);
            };
            let size_text = &buf[at..at + line_end];
            let size_text = size_text
                .split(|b| *b == b';')
                .next()
                .map(trim)
                .unwrap_or_default();
            let size = std::str::from_utf8(size_text)
                .ok()
                .and_then(|s| usize::from_str_radix(s, 16).ok())
                .ok_or_else(|| "bad chunk size".to_string())?;
            at += line_end + 2;
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                let Some(end) = find(&buf[at..], b"\r\n") else {
                    return Ok(None);
                };
                if end != 0 {
                    return Err("trailers are not expected".into());
                }
                return Ok(Some((
                    Answer {
                        status,
                        body,
                        has_required_headers,
                    },
                    at + 2,
                )));
            }
            if buf.len() < at + size + 2 {
                return Ok(None);
            }
            body.extend_from_slice(&buf[at..at + size]);
            at += size + 2;
        }
    }
    let len = content_length.unwrap_or(0);
    if buf.len() < body_start + len {
        return Ok(None);
    }
    Ok(Some((
        Answer {
            status,
            body: buf[body_start..body_start + len].to_vec(),
            has_required_headers,
        },
        body_start + len,
    )))
}

/// An answer compared with what was expected.
#[derive(Debug)]
pub struct Checked {
    /// `Ok` if status, body (and, if asked, headers) matched; else what differed.
    pub verdict: Result<(), String>,
    /// Bytes of the buffer the answer took.
    pub used: usize,
}

/// Parses one answer from the front of `buf` and compares it with `status` and `body`:
/// `Ok(None)` if more bytes are needed, `Err` if it is not HTTP.
pub fn check_answer(
    buf: &[u8],
    status: u16,
    body: &[u8],
    check_headers: bool,
) -> Result<Option<Checked>, String> {
    let Some((answer, used)) = parse_answer(buf)? else {
        return Ok(None);
    };
    let verdict = if answer.status != status {
        Err(format!("status {} instead of {status}", answer.status))
    } else if answer.body != body {
        Err(format!(
            "body {:?} ({} bytes) instead of {:?} ({} bytes)",
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(40)]),
            answer.body.len(),
            String::from_utf8_lossy(&body[..body.len().min(40)]),
            body.len()
        ))
    } else if check_headers && !answer.has_required_headers {
        Err("missing Server, Date or Content-Type".to_string())
    } else {
        Ok(())
    };
    Ok(Some(Checked { verdict, used }))
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_answer() {
        let buf = b"HTTP/1.1 200 OK\r\nServer: x\r\nDate: d\r\nContent-Type: t\r\nContent-Length: 5\r\n\r\nhelloHTTP";
        let (answer, used) = parse_answer(buf).unwrap().unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body, b"hello");
        assert!(answer.has_required_headers);
        assert_eq!(&buf[used..], b"HTTP");
        assert_eq!(parse_answer(&buf[..used - 1]).unwrap(), None);
    }

    #[test]
    fn chunked_answer() {
        let buf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
        let (answer, used) = parse_answer(buf).unwrap().unwrap();
        assert_eq!(answer.body, b"hello");
        assert!(!answer.has_required_headers);
        assert_eq!(used, buf.len());
        assert_eq!(parse_answer(&buf[..buf.len() - 1]).unwrap(), None);
    }

    #[test]
    fn wrong_answers_are_named() {
        let buf = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let checked = check_answer(buf, 200, b"", false).unwrap().unwrap();
        assert_eq!(checked.verdict.unwrap_err(), "status 404 instead of 200");
        assert!(parse_answer(b"SSH-2.0\r\n\r\n").is_err());
    }
}
