//! Shared code of the runnable examples. `hello_app` is the app behind `examples/hello`, kept
//! here so the integration tests serve exactly what the README's first command serves.

use hertz_core::{Bind, Config, Context, Engine, RequestContext, Routes};
use serde::Serialize;

/// `/hello`'s query, bound and validated by `#[derive(Bind)]`.
#[derive(Bind, Debug)]
struct HelloReq {
    #[hertz(
        query,
        default = "hertz",
        vd = "len($) <= 64",
        msg = "name is too long"
    )]
    name: String,
}

#[derive(Serialize)]
struct HelloResp {
    #[serde(rename = "RespBody")]
    resp_body: String,
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn hello(_ctx: Context, c: &mut RequestContext) {
    let Ok(req) = c.bind_and_validate::<HelloReq>() else {
        return;
    };
    c.json(
        200,
        &HelloResp {
            resp_body: format!("hello, {}", req.name),
        },
    );
}

async fn ping(_ctx: Context, c: &mut RequestContext) {
    c.json(200, &Message { message: "pong" });
}

async fn plaintext(_ctx: Context, c: &mut RequestContext) {
    c.data(200, "text/plain", b"Hello, World!");
}

async fn json(_ctx: Context, c: &mut RequestContext) {
    c.json(
        200,
        &Message {
            message: "Hello, World!",
        },
    );
}

async fn echo(_ctx: Context, c: &mut RequestContext) {
    let body = c.body().clone();
    c.bytes(200, "application/octet-stream", body);
}

/// The hello app: `/hello`, `/ping`, and the benchmark routes `/plaintext`, `/json`, `/echo`.
pub fn hello_app(config: Config) -> Engine {
    let mut h = Engine::with_defaults(config);
    h.get("/hello", hello)
        .get("/ping", ping)
        .get("/plaintext", plaintext)
        .get("/json", json)
        .post("/echo", echo);
    h
}

/// The patterns of a route file (`pattern<TAB>sample path` lines, `#` comments): the first
/// column.
pub fn read_route_patterns(file: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').next().unwrap_or(line).to_owned())
        .collect())
}

/// The routed benchmark app behind `examples/github`: every pattern answers `GET` with
/// `text/plain` and the pattern itself as body, so a request routed to the wrong handler is
/// seen as a wrong body.
pub fn github_app(config: Config, patterns: &[String]) -> Engine {
    let mut h = Engine::with_defaults(config);
    for pattern in patterns {
        // The body lives as long as the server: leak it once at start-up.
        let body: &'static [u8] = Box::leak(pattern.clone().into_boxed_str()).as_bytes();
        h.get(
            pattern,
            hertz_core::handler(move |_ctx, c| {
                Box::pin(async move { c.data(200, "text/plain", body) })
            }),
        );
    }
    h
}

/// The README's code compiles (checked as a doc test here, where both hertz-core and
/// hertz-client are dependencies).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
