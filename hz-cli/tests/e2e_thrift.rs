//! `hz new` → `cargo build` → serve → curl, then `hz update` after a handler edit and an
//! IDL change, for a Thrift IDL using every annotation hz reads (`tests/idl/thrift`).

mod support;

use std::path::Path;
use std::process::Command;

use support::{
    cargo, curl, edit_fn, fixture, only_added, run_hz, shared_target, text, workspace, Server,
};

const HANDLERS: &str = "demo/src/biz/handler/hello/example/hello_service.rs";
const RAW_HANDLERS: &str = "demo/src/biz/handler/raw/hello_service.rs";

#[test]
fn thrift_project_builds_serves_and_survives_update() {
    let tmp = fixture("thrift");
    let dir = tmp.path();
    let hertz = workspace();
    let out = run_hz(
        dir,
        &[
            "new",
            "--idl",
            "idl/hello.thrift",
            "--module",
            "demo",
            "--hertz-path",
            hertz.to_str().unwrap(),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("created     demo/src/main.rs"), "{stdout}");
    assert!(stdout.contains("Next: cd demo && cargo run"), "{stdout}");
    // The unknown annotation is a warning with its location, not an error.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: idl/hello.thrift:51:148: unknown annotation `api.unknownthing`"),
        "{stderr}"
    );
    for f in [
        "demo/.hz",
        "demo/openapi.json",
        "demo/src/router.rs",
        "demo/src/router_gen.rs",
        "demo/src/biz/model/hello/example/hello.rs",
        "demo/src/biz/model/base/base.rs",
        "demo/src/biz/router/hello/example/hello.rs",
        "demo/src/biz/router/hello/example/middleware.rs",
        HANDLERS,
        RAW_HANDLERS,
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }

    // The user's edits: `user` echoes its bound request, `raw` reports the body size.
    let handlers = dir.join(HANDLERS);
    let user_fn = edit_fn(&handlers, "user", "let Ok(_req)", "let Ok(req)");
    let user_fn = {
        let edited = edit_fn(
            &handlers,
            "user",
            "    let resp = hello::UserReq::default();\n    c.json(200, &resp);",
            "    // Echo what was bound.\n    c.json(200, &req);",
        );
        assert!(edited.starts_with(&user_fn[..20]));
        edited
    };
    edit_fn(
        &dir.join(RAW_HANDLERS),
        "raw",
        "let Ok(_req)",
        "let Ok(req)",
    );
    edit_fn(
        &dir.join(RAW_HANDLERS),
        "raw",
        "let resp = hello::RawResp::default();",
        "let resp = hello::RawResp {\n        size: req.body.len() as i64,\n    };",
    );

    let project = dir.join("demo");
    cargo(&project, &["build"]);
    {
        let server = Server::start("demo");
        let b = &server.base;
        check_routes_and_binding(b);
    }

    // Change the IDL: a new method and a new field; then update.
    let idl = dir.join("idl/hello.thrift");
    let source = std::fs::read_to_string(&idl).unwrap();
    let source = source
        .replace(
            "    11: i32 score",
            "    12: optional string extra (api.query = \"extra\")\n    11: i32 score",
        )
        .replace(
            "} (api.base_domain",
            "    RawResp Bye(1: HelloReq req) (api.get = \"/bye/:who\")\n} (api.base_domain",
        );
    std::fs::write(&idl, source).unwrap();
    let before = std::fs::read_to_string(&handlers).unwrap();
    let main_before = std::fs::read_to_string(project.join("src/main.rs")).unwrap();
    let router_before = std::fs::read_to_string(project.join("src/router.rs")).unwrap();
    let out = run_hz(&project, &["update"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "appended    {}",
            HANDLERS.trim_start_matches("demo/")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("overwritten src/biz/model/hello/example/hello.rs"),
        "{stdout}"
    );
    assert!(stdout.contains("kept        src/main.rs"), "{stdout}");
    let after = std::fs::read_to_string(&handlers).unwrap();
    assert!(
        after.contains(&user_fn),
        "the edited handler changed:\n{after}"
    );
    assert!(
        only_added(&before, &after),
        "update removed or changed lines:\n{after}"
    );
    assert!(after.contains("pub async fn bye("), "{after}");
    assert_eq!(
        std::fs::read_to_string(project.join("src/main.rs")).unwrap(),
        main_before
    );
    assert_eq!(
        std::fs::read_to_string(project.join("src/router.rs")).unwrap(),
        router_before
    );
    // Running it again changes nothing.
    let again = run_hz(&project, &["update"]);
    assert!(again.status.success());
    assert!(
        !text(&again.stdout).contains("appended"),
        "{}",
        text(&again.stdout)
    );

    cargo(&project, &["build"]);
    cargo(&project, &["fmt", "--check"]);
    let server = Server::start("demo");
    let b = &server.base;
    let bye = curl(&[&format!("{b}/bye/x?name=bob")]);
    assert_eq!(
        (bye.status, bye.json()),
        (200, serde_json::json!({ "size": 0 }))
    );
    let user = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-Token: abc",
        &format!("{b}/v1/user/9?extra=more"),
    ]);
    assert_eq!(user.status, 200, "{}", user.body);
    assert_eq!(user.json()["extra"], "more");
    assert_eq!(user.json()["id"], 9);
    let raw = curl(&["--data-binary", "four", &format!("{b}/v1/raw")]);
    assert_eq!(raw.json(), serde_json::json!({ "size": 4 }));

    check_client(dir, b);
}

/// `hz client` into a crate of its own, whose program calls the running server through
/// hertz-client: the dependency lines come from what hz prints.
fn check_client(dir: &Path, base: &str) {
    let caller = dir.join("caller");
    std::fs::create_dir_all(caller.join("src")).unwrap();
    std::fs::write(
        caller.join("Cargo.toml"),
        "[package]\nname = \"caller\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n",
    )
    .unwrap();
    std::fs::copy(dir.join("demo/Cargo.lock"), caller.join("Cargo.lock")).unwrap();
    std::fs::write(caller.join("src/main.rs"), CALLER).unwrap();
    let hertz = workspace();
    let out = run_hz(
        dir,
        &[
            "client",
            "--idl",
            "idl/hello.thrift",
            "--out-dir",
            "caller",
            "--hertz-path",
            hertz.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("created     caller/src/biz/client/call.rs"),
        "{stdout}"
    );
    // No hand-written transport: the calls go through hertz-client.
    let call = std::fs::read_to_string(caller.join("src/biz/client/call.rs")).unwrap();
    assert!(call.contains("self.client.do_(ctx"), "{call}");
    assert!(!call.contains("TcpStream"), "{call}");
    assert!(!caller.join("src/biz/client/http.rs").exists());
    // The lines hz asks for (tokio aside): hertz-core for the models and hertz-client, both
    // from the same --hertz-path.
    let client_dep = format!(
        "hertz-client = {{ path = {:?} }}",
        hertz.join("hertz-client").display().to_string()
    );
    assert!(stdout.contains(&client_dep), "{stdout}");
    let deps: String = stdout
        .lines()
        .map(str::trim)
        .filter(|l| {
            ["hertz-core ", "hertz-client ", "serde ", "serde_json "]
                .iter()
                .any(|d| l.starts_with(d))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(deps.lines().count(), 4, "{stdout}");
    let manifest = caller.join("Cargo.toml");
    let mut toml = std::fs::read_to_string(&manifest).unwrap();
    toml.push_str(&deps);
    toml.push_str("\n[workspace]\n");
    std::fs::write(&manifest, toml).unwrap();
    cargo(&caller, &["build"]);
    cargo(&caller, &["clippy", "--", "-D", "warnings"]);
    let run = Command::new(shared_target().join("debug/caller"))
        .arg(base)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let user: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    for (key, want) in [
        ("id", serde_json::json!(7)),
        ("token", serde_json::json!("abc")),
        ("session", serde_json::json!("s")),
        ("nick", serde_json::json!("n")),
        ("tags", serde_json::json!(["x", "y"])),
        ("plain", serde_json::json!("p")),
        ("status", serde_json::json!(2)),
        ("code", serde_json::json!("ok")),
        ("score", serde_json::json!(14)),
        ("extra", serde_json::json!("e y")),
    ] {
        assert_eq!(user[key], want, "{key} in {user}");
    }
    assert!(
        lines[1].starts_with("status 400: ") && lines[1].contains("\"field\":\"name\""),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "8");
    // BASE_DOMAIN is the IDL's; the caller's base URL overrides it.
    assert_eq!(lines[3], "http://127.0.0.1:8888");
    // A typed hertz-client error: nothing listens on port 9 (discard).
    assert_eq!(lines[4], "connect error: true", "{stdout}");
}

const CALLER: &str = r#"mod biz;

use std::time::Duration;

use biz::client::call;
use biz::client::hello::example::hello_service::{HelloServiceClient, BASE_DOMAIN};
use biz::model::hello::example::hello::{HelloReq, RawReq, Status, UserReq};
use hertz_client::{Client, Context};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL");
    let ctx = Context::background();
    let http = Client::builder()
        .read_timeout(Duration::from_secs(5))
        .build()
        .expect("hertz-client");
    let client = HelloServiceClient::with_client(http.clone(), &base).expect("client");
    let user = UserReq {
        id: 7,
        token: "abc".into(),
        session: "s".into(),
        nick: "n".into(),
        tags: vec!["x".into(), "y".into()],
        plain: "p".into(),
        status: Status::BLOCKED,
        code: "ok".into(),
        score: 14,
        extra: Some("e y".into()),
        ..UserReq::default()
    };
    let echoed = client.user(&ctx, &user).await.expect("user");
    println!("{}", serde_json::to_string(&echoed).expect("json"));
    let err = client
        .hello(&ctx, &HelloReq::default())
        .await
        .expect_err("name is required");
    println!("{err}");
    let raw = client
        .raw(&ctx, &RawReq { body: b"12345678".to_vec() })
        .await
        .expect("raw");
    println!("{}", raw.size);
    println!("{BASE_DOMAIN}");
    let down = HelloServiceClient::with_client(http, "http://127.0.0.1:9").expect("client");
    match down.hello(&ctx, &HelloReq::default()).await {
        Err(call::Error::Client(e)) => println!("connect error: {}", e.is_connect()),
        other => println!("unexpected: {other:?}"),
    }
}
"#;

fn check_routes_and_binding(b: &str) {
    let ping = curl(&[&format!("{b}/ping")]);
    assert_eq!(
        (ping.status, ping.body.as_str()),
        (200, r#"{"message":"pong"}"#)
    );

    // Two routes, one handler; the untouched handler answers its default response as JSON.
    let default_resp = serde_json::json!({ "message": "", "meta": { "trace_id": "", "at": 0 } });
    let get = curl(&[&format!("{b}/hello?name=bob")]);
    assert_eq!((get.status, get.json()), (200, default_resp.clone()));
    let post = curl(&["-X", "POST", &format!("{b}/hello?name=bob&lang=zh&age=30")]);
    assert_eq!((post.status, post.json()), (200, default_resp));

    // Validation: required, custom message, in(), comparisons.
    let missing = curl(&[&format!("{b}/hello")]);
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["field"], "name");
    assert_eq!(missing.json()["source"], "query");
    let long = curl(&[&format!("{b}/hello?name=abcdefghijklmnopq")]);
    assert_eq!(
        (long.status, long.json()["message"].as_str()),
        (400, Some("name must be 1 to 16 bytes"))
    );
    let lang = curl(&[&format!("{b}/hello?name=bob&lang=fr")]);
    assert_eq!(
        (lang.status, lang.json()["field"].as_str()),
        (400, Some("lang"))
    );
    let age = curl(&[&format!("{b}/hello?name=bob&age=0")]);
    assert_eq!(
        (age.status, age.json()["field"].as_str()),
        (400, Some("age"))
    );

    // Every source at once (form body): path, header, cookie, form, query list, enum by
    // name, the unannotated field from the query, a default, and `api.none` never bound.
    let form = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-Token: abc123",
        "-b",
        "session=s1",
        "--data-urlencode",
        "nick=neo",
        &format!("{b}/v1/user/5?tag=a&tag=b&status=BLOCKED&plain=p&code=ok&secret=s"),
    ]);
    assert_eq!(form.status, 200, "{}", form.body);
    let v = form.json();
    assert_eq!(v["id"], 5);
    assert_eq!(v["token"], "abc123");
    assert_eq!(v["session"], "s1");
    assert_eq!(v["nick"], "neo");
    assert_eq!(v["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(v["status"], 2);
    assert_eq!(v["plain"], "p");
    assert_eq!(v["code"], "ok");
    assert_eq!(v["score"], 7);
    assert!(v.get("secret").is_none(), "{v}");
    // JSON body: api.body, and the unannotated field from JSON.
    let json = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-Token: abc",
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"email":"neo@example.com","plain":"from-json"}"#,
        &format!("{b}/v1/user/6?status=1"),
    ]);
    assert_eq!(json.status, 200, "{}", json.body);
    assert_eq!(json.json()["email"], "neo@example.com");
    assert_eq!(json.json()["plain"], "from-json");
    assert_eq!(json.json()["status"], 1);
    // Each rule fails with 400 naming its field.
    for (query, header, field) in [
        ("/v1/user/0", "X-Token: abc", "id"),
        ("/v1/user/1", "X-Token: ABC", "token"),
        ("/v1/user/1?score=8", "X-Token: abc", "score"),
        ("/v1/user/1?code=x", "X-Token: abc", "code"),
        ("/v1/user/1?code=y", "X-Token: abc", "code"),
        ("/v1/user/1?status=NOPE", "X-Token: abc", "status"),
        ("/v1/user/x", "X-Token: abc", "id"),
    ] {
        let bad = curl(&["-X", "PUT", "-H", header, &format!("{b}{query}")]);
        assert_eq!(bad.status, 400, "{query}: {}", bad.body);
        assert_eq!(bad.json()["field"], field, "{query}");
    }
    let bad_email = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-Token: abc",
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"email":"nope"}"#,
        &format!("{b}/v1/user/1"),
    ]);
    assert_eq!(
        (bad_email.status, bad_email.json()["field"].as_str()),
        (400, Some("email"))
    );

    // raw_body, api.handler_path (the handler lives in raw/), any, and the other methods.
    let raw = curl(&["--data-binary", "hello", &format!("{b}/v1/raw")]);
    assert_eq!(
        (raw.status, raw.json()),
        (200, serde_json::json!({ "size": 5 }))
    );
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        assert_eq!(
            curl(&["-X", method, &format!("{b}/any")]).status,
            200,
            "{method} /any"
        );
    }
    for method in ["DELETE", "PATCH", "OPTIONS"] {
        assert_eq!(
            curl(&["-X", method, &format!("{b}/v1/gone/1")]).status,
            200,
            "{method}"
        );
    }
    assert_eq!(curl(&["-I", &format!("{b}/v1/gone/1")]).status, 200);
    assert_eq!(curl(&["-X", "GET", &format!("{b}/v1/gone/1")]).status, 404);
    assert_eq!(curl(&[&format!("{b}/nope")]).status, 404);

    // The OpenAPI document is served, and describes the routes and their parameters.
    let doc = curl(&[&format!("{b}/openapi.json")]);
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "http://127.0.0.1:8888");
    let put = &doc["paths"]["/v1/user/{id}"]["put"];
    let params: Vec<(&str, &str)> = put["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["in"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    for want in [
        ("path", "id"),
        ("header", "X-Token"),
        ("cookie", "session"),
        ("query", "tag"),
        ("query", "plain"),
    ] {
        assert!(params.contains(&want), "{want:?} not in {params:?}");
    }
    assert!(
        put["requestBody"]["content"]["application/json"]["schema"]["properties"]["email"]
            .is_object()
    );
    assert!(
        put["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
            ["nick"]
            .is_object()
    );
    assert_eq!(
        doc["paths"]["/hello"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/HelloResp"
    );
    assert_eq!(
        doc["components"]["schemas"]["UserReq"]["properties"]["score"]["default"],
        7
    );
}
