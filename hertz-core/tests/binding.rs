//! `c.bind::<T>()` over real sockets: every source with good and bad input, validation, and
//! the one engine-wide error handler.

mod support;

use rstest::rstest;

use hertz_core::binding::FilePart;
use hertz_core::{Bind, Context, RequestContext, Routes};
use support::{engine, roundtrip, start, Netpoll, Tokio, TransportKind};

#[derive(Bind, Debug)]
struct Profile {
    #[hertz(path)]
    id: u32,
    #[hertz(query, vd = "$ > 0 && $ < 150", msg = "age must be between 1 and 149")]
    age: u8,
    #[hertz(query = "tag")]
    tags: Vec<String>,
    #[hertz(header = "X-Token", required)]
    token: String,
    #[hertz(cookie = "sid")]
    session: Option<String>,
    #[hertz(query, default = "en")]
    lang: String,
    #[hertz(json, vd = "len($) >= 2")]
    name: Option<String>,
}

async fn profile(_ctx: Context, c: &mut RequestContext) {
    let Ok(p) = c.bind_and_validate::<Profile>() else {
        return;
    };
    c.string(
        200,
        format!(
            "id={} age={} tags={:?} token={} session={:?} lang={} name={:?}",
            p.id, p.age, p.tags, p.token, p.session, p.lang, p.name
        ),
    );
}

#[derive(Bind, Debug)]
struct Upload {
    #[hertz(form)]
    title: String,
    #[hertz(form)]
    file: FilePart,
}

async fn upload(_ctx: Context, c: &mut RequestContext) {
    let Ok(u) = c.bind::<Upload>() else { return };
    c.string(
        200,
        format!(
            "{}:{}:{}",
            u.title,
            u.file.filename,
            String::from_utf8_lossy(&u.file.data)
        ),
    );
}

#[derive(Bind, Debug)]
struct Login {
    #[hertz(form, required)]
    user: String,
    #[hertz(form, vd = "len($) >= 8")]
    password: String,
}

async fn login(_ctx: Context, c: &mut RequestContext) {
    let Ok(l) = c.bind_and_validate::<Login>() else {
        return;
    };
    c.string(200, format!("welcome {}", l.user));
}

fn app(transport: TransportKind) -> hertz_core::Engine {
    let mut h = engine(transport);
    h.post("/users/:id", profile)
        .post("/upload", upload)
        .post("/login", login);
    h
}

fn post(path: &str, headers: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: a\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[rstest]
#[tokio::test]
async fn every_source_binds(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let server = start(app(transport)).await;
    let req = post(
        "/users/42?age=30&tag=a&tag=b",
        "X-Token: t0k\r\nCookie: theme=dark; sid=s1\r\nContent-Type: application/json\r\n",
        r#"{"name":"Ann"}"#,
    );
    let (reply, _) = roundtrip(&server, req.as_bytes()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.text(),
        r#"id=42 age=30 tags=["a", "b"] token=t0k session=Some("s1") lang=en name=Some("Ann")"#
    );

    let form = post(
        "/login",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "user=ann&password=s3cret-pass",
    );
    let (reply, _) = roundtrip(&server, form.as_bytes()).await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "welcome ann"));

    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.txt\"\r\nContent-Type: text/plain\r\n\r\nfile contents\r\n--XyZ--\r\n";
    let multipart = post(
        "/upload",
        "Content-Type: multipart/form-data; boundary=XyZ\r\n",
        body,
    );
    let (reply, _) = roundtrip(&server, multipart.as_bytes()).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "report:r.txt:file contents")
    );
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn bad_input_is_a_400_naming_field_and_source(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let server = start(app(transport)).await;
    let json = "Content-Type: application/json\r\n";
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "bad path",
            post("/users/x?age=3", "X-Token: t\r\n", ""),
            "id",
            "path",
        ),
        (
            "bad query",
            post("/users/1?age=old", "X-Token: t\r\n", ""),
            "age",
            "query",
        ),
        (
            "query overflow",
            post("/users/1?age=300", "X-Token: t\r\n", ""),
            "age",
            "query",
        ),
        (
            "missing header",
            post("/users/1?age=3", "", ""),
            "X-Token",
            "header",
        ),
        (
            "bad json type",
            post(
                "/users/1?age=3",
                &format!("X-Token: t\r\n{json}"),
                r#"{"name":5}"#,
            ),
            "name",
            "json",
        ),
        (
            "validation",
            post("/users/1?age=0", "X-Token: t\r\n", ""),
            "age",
            "field",
        ),
        (
            "json validation",
            post(
                "/users/1?age=3",
                &format!("X-Token: t\r\n{json}"),
                r#"{"name":"A"}"#,
            ),
            "name",
            "field",
        ),
        (
            "missing form field",
            post(
                "/login",
                "Content-Type: application/x-www-form-urlencoded\r\n",
                "password=longenough",
            ),
            "user",
            "form",
        ),
    ];
    for (name, req, field, source) in cases {
        let (reply, _) = roundtrip(&server, req.as_bytes()).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some("application/json; charset=utf-8"),
            "{name}"
        );
        let body: json_fields::Value = json_fields::parse(&reply.text());
        assert_eq!(body.get("field"), Some(field), "{name}: {}", reply.text());
        assert_eq!(body.get("source"), Some(source), "{name}: {}", reply.text());
        assert!(body.get("message").is_some_and(|m| !m.is_empty()), "{name}");
    }

    // The custom validation message reaches the client.
    let (reply, _) = roundtrip(
        &server,
        post("/users/1?age=0", "X-Token: t\r\n", "").as_bytes(),
    )
    .await;
    assert!(
        reply.text().contains("age must be between 1 and 149"),
        "{}",
        reply.text()
    );

    // Invalid JSON is a body error; the raw body is never echoed.
    let req = post(
        "/users/1?age=3",
        &format!("X-Token: t\r\n{json}"),
        r#"{"name": SECRET"#,
    );
    let (reply, _) = roundtrip(&server, req.as_bytes()).await;
    assert_eq!(reply.status, 400);
    assert!(!reply.text().contains("SECRET"), "{}", reply.text());

    // A broken multipart body names the problem.
    let multipart = post(
        "/upload",
        "Content-Type: multipart/form-data; boundary=XyZ\r\n",
        "--XyZ\r\nno headers",
    );
    let (reply, _) = roundtrip(&server, multipart.as_bytes()).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn one_engine_wide_error_handler_replaces_the_default(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = app(transport);
    h.bind_error_handler(|c, err| {
        c.string(
            422,
            format!(
                "custom: {} from {}",
                err.field().unwrap_or("-"),
                err.source()
            ),
        );
    });
    let server = start(h).await;
    let (reply, _) = roundtrip(
        &server,
        post("/users/1?age=x", "X-Token: t\r\n", "").as_bytes(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (422, "custom: age from query")
    );
    let form = post(
        "/login",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "user=a&password=short",
    );
    let (reply, _) = roundtrip(&server, form.as_bytes()).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (422, "custom: password from field")
    );
    server.shutdown().await.unwrap();
}

/// The string fields of a flat JSON object.
mod json_fields {
    pub struct Value(Vec<(String, String)>);

    impl Value {
        pub fn get(&self, key: &str) -> Option<&str> {
            self.0
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        }
    }

    pub fn parse(text: &str) -> Value {
        let parsed: std::collections::BTreeMap<String, Option<String>> =
            sonic_rs::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        Value(
            parsed
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
        )
    }
}
