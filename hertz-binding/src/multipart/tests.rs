use super::*;

const CT: &[u8] = b"multipart/form-data; boundary=b0und";

fn parse_str(body: &str) -> Result<Multipart, MultipartError> {
    parse(&Bytes::copy_from_slice(body.as_bytes()), CT)
}

fn kind_of(body: &str) -> MultipartErrorKind {
    parse_str(body).expect_err("should fail").kind()
}

#[test]
fn two_fields_and_a_file() {
    let body = Bytes::from_static(
        b"preamble to ignore\r\n\
          --b0und\r\n\
          Content-Disposition: form-data; name=\"a\"\r\n\r\n\
          one\r\n\
          --b0und\r\n\
          content-disposition: form-data; name=b\r\n\r\n\
          two\r\nwith lines\r\n\
          --b0und  \r\n\
          Content-Disposition: form-data; name=\"up\"; filename=\"r.bin\"\r\n\
          Content-Type: application/octet-stream\r\n\r\n\
          \x00\x01--b0un\r\n--b0unde\r\n\
          --b0und--\r\nepilogue",
    );
    let m = parse(&body, CT).unwrap();
    assert_eq!(
        m.fields,
        vec![
            ("a".to_owned(), "one".to_owned()),
            ("b".to_owned(), "two\r\nwith lines".to_owned())
        ]
    );
    assert_eq!(m.files.len(), 1);
    let f = m.file("up").unwrap();
    assert_eq!(f.name, "up");
    assert_eq!(f.filename, "r.bin");
    assert_eq!(f.content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(&f.data[..], b"\x00\x01--b0un\r\n--b0unde");
    // Zero-copy: the file's bytes live inside the body buffer.
    let body_range = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
    assert!(body_range.contains(&(f.data.as_ptr() as usize)));
    assert_eq!(m.value("b"), Some("two\r\nwith lines"));
    assert_eq!(m.values("a").collect::<Vec<_>>(), ["one"]);
    assert!(m.file("a").is_none());
}

#[test]
fn edge_cases_that_parse() {
    // Empty multipart: only the close delimiter.
    assert_eq!(parse_str("--b0und--").unwrap(), Multipart::default());
    // Empty part content, with and without the delimiter's own CRLF.
    let m = parse_str(
        "--b0und\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b0und\r\n\
         Content-Disposition: form-data; name=\"f\"\r\n\r\n--b0und--",
    )
    .unwrap();
    assert_eq!(m.value("e"), Some(""));
    assert_eq!(m.value("f"), Some(""));
    // Empty filename means "no file chosen": a plain field, as in Go.
    let m = parse_str(
        "--b0und\r\nContent-Disposition: form-data; name=\"up\"; filename=\"\"\r\n\r\n\r\n--b0und--",
    )
    .unwrap();
    assert!(m.files.is_empty());
    assert_eq!(m.value("up"), Some(""));
    // filename* (RFC 8187) wins over filename.
    let m = parse_str(
        "--b0und\r\nContent-Disposition: form-data; name=\"up\"; filename=\"x\"; \
         filename*=UTF-8''na%C3%AFve.txt\r\n\r\ndata\r\n--b0und--",
    )
    .unwrap();
    assert_eq!(m.file("up").unwrap().filename, "naïve.txt");
    // Quoted boundary parameter.
    let m = parse(
        &Bytes::from_static(b"--a b\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n--a b--"),
        b"multipart/form-data; boundary=\"a b\"",
    )
    .unwrap();
    assert_eq!(m.value("k"), Some("v"));
}

#[test]
fn bad_inputs_are_typed_errors() {
    use MultipartErrorKind::*;
    let b = Bytes::from_static(b"--b0und--");
    let rows: &[(&[u8], MultipartErrorKind)] = &[
        (b"text/plain", NotMultipart),
        (b"multipart/form-data", MissingBoundary),
        (b"multipart/form-data; boundary=", InvalidBoundary),
        (b"multipart/form-data; boundary=\"\"", InvalidBoundary),
    ];
    for (ct, want) in rows {
        assert_eq!(parse(&b, ct).unwrap_err().kind(), *want);
    }
    let long = format!("multipart/form-data; boundary={}", "x".repeat(201));
    assert_eq!(
        parse(&b, long.as_bytes()).unwrap_err().kind(),
        InvalidBoundary
    );

    let cd = "Content-Disposition: form-data; name=\"a\"\r\n";
    let rows: Vec<(String, MultipartErrorKind)> = vec![
        (String::new(), MissingOpeningDelimiter),
        ("no delimiter here".into(), MissingOpeningDelimiter),
        ("--b0undX\r\n".into(), MissingOpeningDelimiter),
        ("--b0und".into(), MissingClosingDelimiter),
        ("--b0und\r\n".into(), MissingClosingDelimiter),
        (format!("--b0und\r\n{cd}"), TruncatedHeaders),
        (format!("--b0und\r\n{cd}\r\nvalue"), TruncatedPart),
        (
            format!("--b0und\r\n{cd}\r\nvalue\r\n--b0und"),
            MissingClosingDelimiter,
        ),
        (
            format!("--b0und\r\n{cd}\r\nvalue\r\n--b0und\r\n"),
            MissingClosingDelimiter,
        ),
        (
            "--b0und\r\nbroken header\r\n\r\nv\r\n--b0und--".into(),
            MalformedHeader,
        ),
        (
            "--b0und\r\nContent-Type: text/plain\r\n\r\nv\r\n--b0und--".into(),
            MissingContentDisposition,
        ),
        (
            "--b0und\r\n\r\nv\r\n--b0und--".into(),
            MissingContentDisposition,
        ),
        (
            "--b0und\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\nv\r\n--b0und--"
                .into(),
            MissingName,
        ),
    ];
    for (body, want) in rows {
        assert_eq!(kind_of(&body), want, "body {body:?}");
    }
    let e = parse_str(&format!(
        "--b0und\r\n{cd}\r\nv\r\n--b0und\r\nx: y\r\n\r\nv\r\n--b0und--"
    ))
    .unwrap_err();
    assert_eq!((e.kind(), e.part()), (MissingContentDisposition, Some(1)));
    assert_eq!(
        e.to_string(),
        "multipart part 1: part has no Content-Disposition header"
    );
}

#[test]
fn limits() {
    use MultipartErrorKind::*;
    let part = "--b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n";
    let body = Bytes::from(format!("{}--b0und--", part.repeat(3)));
    let tight = Limits {
        max_parts: 2,
        ..Limits::default()
    };
    let e = parse_with_limits(&body, CT, &tight).unwrap_err();
    assert_eq!((e.kind(), e.part()), (TooManyParts, Some(2)));
    let tight = Limits {
        max_header_bytes: 8,
        ..Limits::default()
    };
    assert_eq!(
        parse_with_limits(&body, CT, &tight).unwrap_err().kind(),
        HeaderTooLarge
    );
    let tight = Limits {
        max_field_bytes: 4,
        ..Limits::default()
    };
    assert_eq!(
        parse_with_limits(&body, CT, &tight).unwrap_err().kind(),
        FieldTooLarge
    );
    assert_eq!(parse(&body, CT).unwrap().values("a").count(), 3);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = crate::test_rng::Rng::new(0x5eed_0001);
    let pieces: &[&[u8]] = &[
        b"--b0und",
        b"\r\n",
        b"--",
        b"Content-Disposition: form-data; name=\"a\"",
        b"; filename=\"f\"",
        b"\r\n\r\n",
        b":",
        b"x",
        b" ",
        b"\"",
    ];
    for _ in 0..20_000 {
        let mut body = Vec::new();
        let n = rng.below(12);
        for _ in 0..n {
            if rng.below(3) == 0 {
                body.extend(rng.bytes(8));
            } else {
                let i = rng.below(pieces.len());
                body.extend_from_slice(pieces[i]);
            }
        }
        let _ = parse(&Bytes::from(body), CT);
        let ct = rng.bytes(40);
        let _ = parse(&Bytes::from(rng.bytes(32)), &ct);
    }
}
