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
