//! The `client` example, run as a process against the hello app, as the docs show it.

mod support;

use std::process::{Command, Output};

use hertz_core::Config;
use hertz_examples::hello_app;

async fn run(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(support::example_binary("client"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn client_example_prints_bodies_and_typed_errors() {
    let server = hello_app(Config::default().host_ports("127.0.0.1:0"))
        .start()
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr());

    let out = run(&[&format!("{base}/ping")]).await;
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        r#"{"message":"pong"}"#
    );

    let out = run(&["-i", &format!("{base}/plaintext")]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Content-Type: text/plain\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nHello, World!"), "{text}");

    let out = run(&["-d", "echo me", "-H", "X-A: b", &format!("{base}/echo")]).await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "echo me");

    let out = run(&[
        "--stream",
        "--timeout",
        "2s",
        "--retries",
        "2",
        &format!("{base}/json"),
    ])
    .await;
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        r#"{"message":"Hello, World!"}"#
    );

    // A refused port: non-zero exit, the typed error's message on stderr.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(&[&format!("http://127.0.0.1:{port}/")]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dial failed"), "{err}");

    let out = run(&["not-a-url"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid URL"));

    // A server that never answers: the request timeout names itself.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let out = run(&["--timeout", "200ms", &format!("http://{silent_addr}/")]).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("request timeout"), "{err}");
    holder.abort();
    server.shutdown().await.unwrap();
}
