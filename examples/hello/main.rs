//! The hello server: the README's first command, and the standard benchmark target.
//!
//! ```text
//! cargo run --release --example hello -- [--addr 0.0.0.0:8888] [--transport tokio|netpoll] [--workers N]
//! curl 'http://localhost:8888/hello?name=Xiaoming'   # {"RespBody":"hello, Xiaoming"}
//! curl localhost:8888/ping                           # {"message":"pong"}
//! ```
//!
//! HTTPS (either transport): `--tls-cert cert.pem --tls-key key.pem`, then
//! `curl --cacert cert.pem https://localhost:8888/ping`; add `--h2` to offer HTTP/2 too.
//! Cleartext HTTP/2 with prior knowledge (h2c), either transport: `--h2c`, then
//! `curl --http2-prior-knowledge localhost:8888/ping` (HTTP/1.1 clients are served as before).
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
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Also serve HTTP/2, negotiated by ALPN (needs --tls-cert).
    #[arg(long, requires = "tls_cert")]
    h2: bool,
    /// Also serve HTTP/2 over cleartext to clients with prior knowledge (h2c), next to
    /// HTTP/1.1 on the same port; either transport.
    #[arg(long, conflicts_with = "tls_cert")]
    h2c: bool,
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
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        match hertz_core::tls::load_pem(cert, key) {
            Ok(tls) => config = config.tls(tls),
            Err(err) => {
                eprintln!("hello: {err}");
                std::process::exit(2);
            }
        }
    }
    config = config.h2c(args.h2c);
    let mut app = hello_app(config);
    if args.h2 || args.h2c {
        app.add_protocol(hertz_core::h2::H2Factory::default());
    }
    app.spin();
}
