//! A curl-like command line over `hertz-client`: prints the response body to stdout (status
//! line and headers first with `-i`), and exits non-zero with the typed error's message.
//!
//! ```text
//! cargo run --release --example client -- URL [--stream] [--timeout 2s] [--retries N]
//!     [-X METHOD] [-d BODY] [-H 'Name: value'] [-i]
//! cargo run --release --example client -- -i http://localhost:8888/ping
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use hertz_client::{Client, Context, Delay, Method, Request, Response, RetryConfig};

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "hertz-rs HTTP client")]
struct Args {
    /// Absolute http:// or https:// URL.
    url: String,
    /// Stream the response body to stdout as it arrives.
    #[arg(long)]
    stream: bool,
    /// Whole-request timeout, e.g. 500ms, 2s, 1m.
    #[arg(long, value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Read timeout (first byte and between reads).
    #[arg(long, value_parser = parse_duration)]
    read_timeout: Option<Duration>,
    /// Dial timeout.
    #[arg(long, value_parser = parse_duration)]
    dial_timeout: Option<Duration>,
    /// Retries after the first attempt (idempotent requests only).
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// Request method.
    #[arg(short = 'X', long = "request", default_value = "GET")]
    method: String,
    /// Request body (makes the default method POST).
    #[arg(short = 'd', long = "data")]
    data: Option<String>,
    /// Extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// Trust this PEM CA bundle in addition to the system roots.
    #[arg(long)]
    cacert: Option<std::path::PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        _ => return Err(format!("bad duration unit in {s:?} (ms, s, m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut builder = Client::builder().response_body_stream(args.stream).retry(
        RetryConfig::new()
            .max_attempts(args.retries + 1)
            .delay(Delay::Backoff {
                base: Duration::from_millis(50),
                max: Duration::from_secs(1),
            }),
    );
    if let Some(t) = args.timeout {
        builder = builder.request_timeout(t);
    }
    if let Some(t) = args.read_timeout {
        builder = builder.read_timeout(t);
    }
    if let Some(t) = args.dial_timeout {
        builder = builder.dial_timeout(t);
    }
    if let Some(path) = &args.cacert {
        let pem = std::fs::read(path)?;
        let tls = hertz_client::TlsConfig::builder()
            .system_roots()
            .ca_pem(&pem)?
            .build()?;
        builder = builder.tls(tls);
    }
    let client = builder.build()?;

    let mut req = Request::new();
    let method = if args.data.is_some() && args.method == "GET" {
        Method::Post
    } else {
        Method::from_token(&args.method)
    };
    req.set_method(method);
    req.set_uri(args.url.clone());
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| format!("header {h:?} is not 'Name: value'"))?;
        req.headers_mut()
            .append(name.trim().to_owned(), value.trim().to_owned());
    }
    if let Some(data) = args.data {
        req.set_body(data);
    }
    let mut resp = Response::new();
    client
        .do_(&Context::background(), &mut req, &mut resp)
        .await?;

    let mut out = std::io::stdout().lock();
    if args.include {
        writeln!(out, "HTTP/1.1 {}\r", resp.status())?;
        for (name, value) in resp.headers().iter() {
            out.write_all(name)?;
            out.write_all(b": ")?;
            out.write_all(value)?;
            out.write_all(b"\r\n")?;
        }
        out.write_all(b"\r\n")?;
    }
    match resp.take_body_stream() {
        Some(mut stream) => {
            while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                out.write_all(&chunk?)?;
                out.flush()?;
            }
        }
        None => out.write_all(resp.body().unwrap_or_default())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
