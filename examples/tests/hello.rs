//! The hello app, served on a real socket and asked with curl, as the README shows it; and
//! the `hello` binary serving HTTPS (HTTP/1.1 and HTTP/2) on either transport.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use hertz_core::{Config, TransportKind};
use hertz_examples::hello_app;
use rstest::rstest;

async fn curl(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-sS", "--max-time", "10"])
            .args(&args)
            .output()
            .expect("curl must be installed (.ci/run installs it)")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "curl {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn serve_and_check(transport: TransportKind) {
    let config = Config::default()
        .host_ports("127.0.0.1:0")
        .transport(transport);
    let server = hello_app(config).start().await.unwrap();
    let base = format!("http://{}", server.local_addr());
    assert_eq!(
        curl(&[&format!("{base}/hello?name=Xiaoming")]).await,
        r#"{"RespBody":"hello, Xiaoming"}"#
    );
    assert_eq!(
        curl(&[&format!("{base}/ping")]).await,
        r#"{"message":"pong"}"#
    );
    assert_eq!(curl(&[&format!("{base}/plaintext")]).await, "Hello, World!");
    assert_eq!(
        curl(&["-i", &format!("{base}/plaintext")])
            .await
            .lines()
            .find(|l| l.starts_with("Content-Type")),
        Some("Content-Type: text/plain")
    );
    assert_eq!(
        curl(&[&format!("{base}/json")]).await,
        r#"{"message":"Hello, World!"}"#
    );
    assert_eq!(
        curl(&["--data-binary", "echo me", &format!("{base}/echo")]).await,
        "echo me"
    );
    // The name is validated: over 64 bytes is a 400 naming the field.
    let long = "x".repeat(65);
    let out = curl(&["-w", " %{http_code}", &format!("{base}/hello?name={long}")]).await;
    assert!(
        out.ends_with(" 400") && out.contains("\"field\":\"name\""),
        "{out}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn hello_app_answers_like_the_readme_says_on_tokio() {
    serve_and_check(TransportKind::Tokio).await;
}

#[tokio::test]
async fn hello_app_answers_like_the_readme_says_on_netpoll() {
    serve_and_check(TransportKind::Netpoll).await;
}

/// A running `hello` process, killed when the test ends however it ends.
struct Hello(Child);

impl Drop for Hello {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hello ARGS` on an ephemeral port and returns it with the port, read from its
/// "listening" log line (so no waiting for readiness by time).
fn spawn_hello(args: &[&str]) -> (Hello, u16) {
    let mut child = Command::new(support::example_binary("hello"))
        .args(["--addr", "127.0.0.1:0", "--workers", "1"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let hello = Hello(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some((_, addr)) = line.split_once("hertz server listening addr=") {
            let port = addr.trim().rsplit(':').next().unwrap().parse().unwrap();
            return (hello, port);
        }
    }
    panic!("hello exited without listening");
}

fn write_self_signed(dir: &Path) -> (String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let names = vec!["localhost".to_owned()];
    let issued = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, issued.cert.pem()).unwrap();
    std::fs::write(&key, issued.key_pair.serialize_pem()).unwrap();
    (cert.display().to_string(), key.display().to_string())
}

#[rstest]
#[tokio::test]
async fn hello_serves_https_and_h2_on_either_transport(
    #[values("tokio", "netpoll")] transport: &str,
) {
    let dir = std::env::temp_dir().join(format!(
        "hertz-hello-tls-{}-{transport}",
        std::process::id()
    ));
    let (cert, key) = write_self_signed(&dir);
    let (hello, port) = tokio::task::spawn_blocking({
        let (cert, key, transport) = (cert.clone(), key.clone(), transport.to_owned());
        move || {
            spawn_hello(&[
                "--transport",
                &transport,
                "--tls-cert",
                &cert,
                "--tls-key",
                &key,
                "--h2",
            ])
        }
    })
    .await
    .unwrap();
    let resolve = format!("localhost:{port}:127.0.0.1");
    let url = format!("https://localhost:{port}/plaintext");
    let tls = ["--cacert", cert.as_str(), "--resolve", resolve.as_str()];
    for (version, reported) in [("--http1.1", "1.1"), ("--http2", "2")] {
        let mut args = tls.to_vec();
        args.extend([
            version,
            "-w",
            "|%{http_version}",
            url.as_str(),
            url.as_str(),
        ]);
        assert_eq!(
            curl(&args).await,
            format!("Hello, World!|{reported}").repeat(2),
            "{version}"
        );
    }
    drop(hello);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `hello --h2c`: HTTP/2 with prior knowledge and HTTP/1.1 on one port, on both transports.
#[tokio::test]
async fn hello_with_h2c_speaks_both_protocols_on_one_port() {
    for transport in [TransportKind::Tokio, TransportKind::Netpoll] {
        let config = Config::default()
            .host_ports("127.0.0.1:0")
            .transport(transport)
            .h2c(true);
        let mut app = hello_app(config);
        app.add_protocol(hertz_core::h2::H2Factory::default());
        let server = app.start().await.unwrap();
        let ping = format!("http://{}/ping", server.local_addr());
        for (flag, version) in [("--http2-prior-knowledge", "2"), ("--http1.1", "1.1")] {
            assert_eq!(
                curl(&[flag, "-w", " %{http_version}", &ping]).await,
                format!(r#"{{"message":"pong"}} {version}"#),
                "{transport:?}"
            );
        }
        server.shutdown().await.unwrap();
    }
}
