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
use hertz_core::{handler, Config, Engine, Routes, TransportKind};

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

/// The patterns of a route file (its first column).
fn read_patterns(file: &PathBuf) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').next().unwrap_or(line).to_owned())
        .collect())
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let patterns = match read_patterns(&args.routes) {
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
    let mut h = Engine::with_defaults(config);
    for pattern in patterns {
        // The body lives as long as the server: leak it once at start-up.
        let body: &'static [u8] = Box::leak(pattern.clone().into_boxed_str()).as_bytes();
        h.get(
            &pattern,
            handler(move |_ctx, c| Box::pin(async move { c.data(200, "text/plain", body) })),
        );
    }
    h.spin();
}
