//! The routed benchmark target: the ~130 routes of the GitHub REST API
//! (`shared/data/github-api-routes.tsv`, beside the repository), each answering `GET` with a
//! small fixed body, its own pattern (`/repos/:p1/:p2/events`), so a request that reaches the
//! wrong route is seen as a wrong body by the benchmark's response check.
//!
//! ```text
//! cargo run --release --example github -- [--addr 0.0.0.0:8888] [--transport tokio|netpoll]
//!     [--workers N] [--routes FILE]
//! curl localhost:8888/repos/rust-lang/rust/events      # /repos/:p1/:p2/events
//! ```

use std::path::PathBuf;

use clap::Parser;
use hertz_core::{Config, TransportKind};
use hertz_examples::{github_app, read_route_patterns};

/// Command-line options: the same as `hello`'s, plus the route file.
#[derive(Parser, Debug)]
#[command(about = "hertz-rs GitHub API routing server")]
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
    /// Route file: `pattern<TAB>sample path` lines, `#` comments, Hertz syntax.
    #[arg(long, default_value_os_t = default_routes())]
    routes: PathBuf,
}

fn default_routes() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/github-api-routes.tsv")
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let patterns = match read_route_patterns(&args.routes) {
        Ok(patterns) => patterns,
        Err(err) => {
            eprintln!("github: {err}");
            std::process::exit(2);
        }
    };
    let mut config = Config::default()
        .host_ports(args.addr)
        .transport(args.transport);
    if let Some(workers) = args.workers {
        config = config.workers(workers);
    }
    github_app(config, &patterns).spin();
}
