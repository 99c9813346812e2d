//! The hello server: the README's first command, and the standard benchmark target.
//!
//! ```text
//! cargo run --release --example hello -- [--addr 0.0.0.0:8888] [--transport tokio|netpoll] [--workers N]
//! curl 'http://localhost:8888/hello?name=Xiaoming'   # {"RespBody":"hello, Xiaoming"}
//! curl localhost:8888/ping                           # {"message":"pong"}
//! ```
//!
//! Benchmark routes (TechEmpower-style): `GET /plaintext`, `GET /json`, `POST /echo`.

use clap::Parser;
use hertz_core::{Bind, Config, Context, Engine, RequestContext, Routes, TransportKind};
use serde::Serialize;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "hertz-rs hello server")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8888")]
    addr: String,
    /// Transport: tokio or netpoll.
    #[arg(long, default_value = "tokio")]
    transport: TransportKind,
    /// Worker threads (default: number of cores).
    #[arg(long)]
    workers: Option<usize>,
}

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

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = Config::default()
        .host_ports(args.addr)
        .transport(args.transport);
    if let Some(workers) = args.workers {
        config = config.workers(workers);
    }
    let mut h = Engine::with_defaults(config);
    h.get("/hello", hello)
        .get("/ping", ping)
        .get("/plaintext", plaintext)
        .get("/json", json)
        .post("/echo", echo);
    h.spin();
}
