//! The hello app, served on a real socket and asked with curl, as the README shows it.

use std::process::Command;

use hertz_core::{Config, TransportKind};
use hertz_examples::hello_app;

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
