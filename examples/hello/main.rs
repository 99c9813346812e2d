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
use hertz_core::{Config, TransportKind};
use hertz_examples::hello_app;

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
    hello_app(config).spin();
}
