//! `hz new` → `cargo build` + `cargo clippy -D warnings` → serve → curl, for a Protobuf
//! IDL with hz's bundled `api.proto` options and an `-I` import (`tests/idl/proto`).

mod support;

use serde_json::json;
use support::{cargo, curl, edit_fn, fixture, run_hz, text, workspace, Server};

const HANDLERS: &str = "shop/src/biz/handler/shop/v1/shop_service.rs";
const RAW_HANDLERS: &str = "shop/src/biz/handler/raw/shop_service.rs";

#[test]
fn proto_project_builds_lints_clean_and_serves() {
    let tmp = fixture("proto");
    let dir = tmp.path();
    let hertz = workspace();
    let out = run_hz(
        dir,
        &[
            "new",
            "--idl",
            "idl/shop.proto",
            "-I",
            "idl",
            "--module",
            "shop",
            "--hertz-path",
            hertz.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("shop/src/biz/model/common/common.rs").is_file());
    assert!(dir.join("shop/src/biz/model/shop/v1/shop.rs").is_file());

    // The user's edits: `put_item` and `echo` answer what they bound.
    let handlers = dir.join(HANDLERS);
    edit_fn(&handlers, "put_item", "let Ok(_req)", "let Ok(req)");
    edit_fn(
        &handlers,
        "put_item",
        "    let resp = shop::ItemReq::default();\n    c.json(200, &resp);",
        "    c.json(200, &req);",
    );
    let raw = dir.join(RAW_HANDLERS);
    edit_fn(&raw, "echo", "let Ok(_req)", "let Ok(req)");
    edit_fn(
        &raw,
        "echo",
        "    let resp = shop::RawReq::default();\n    c.json(200, &resp);",
        "    c.json(200, &req);",
    );

    let project = dir.join("shop");
    cargo(&project, &["build"]);
    // Generated code, with the user's edits, is lint-clean and formatted.
    cargo(&project, &["clippy", "--", "-D", "warnings"]);
    cargo(&project, &["fmt", "--check"]);

    let server = Server::start("shop");
    let b = &server.base;
    let get = curl(&["-H", "X-Token: t", &format!("{b}/shop/items/3")]);
    assert_eq!(
        (get.status, get.json()),
        (200, json!({ "id": 0, "title": "" }))
    );

    // Form body: path, header, cookie, form, repeated query, optional, enum by name,
    // unannotated from the query; `hidden` (api.none) is never bound nor written.
    let form = curl(&[
        "-X",
        "PUT",
        "-H",
        "X-Token: t1",
        "-b",
        "session=abc",
        "--data-urlencode",
        "note=hi there",
        &format!("{b}/shop/items/42?tag=x&tag=y&limit=10&kind=KIND_BOOK&plain=p&hidden=h"),
    ]);
    assert_eq!(form.status, 200, "{}", form.body);
    let v = form.json();
    for (key, want) in [
        ("id", json!(42)),
        ("token", json!("t1")),
        ("session", json!("abc")),
        ("note", json!("hi there")),
        ("tags", json!(["x", "y"])),
        ("limit", json!(10)),
        ("kind", json!(1)),
        ("plain", json!("p")),
    ] {
        assert_eq!(v[key], want, "{key} in {v}");
    }
    assert!(v.get("hidden").is_none() && v.get("page").is_none(), "{v}");
    // JSON body through POST (the method's second route): api.body, messages from an
    // imported file and a nested message.
    let body =
        r#"{"title":"Dune","plain":"j","page":{"number":2,"size":20},"nested":{"label":"n"}}"#;
    let posted = curl(&[
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data",
        body,
        &format!("{b}/shop/items/7"),
    ]);
    assert_eq!(posted.status, 200, "{}", posted.body);
    let v = posted.json();
    assert_eq!(v["title"], "Dune");
    assert_eq!(v["plain"], "j");
    assert_eq!(v["page"], json!({ "number": 2, "size": 20 }));
    assert_eq!(v["nested"], json!({ "label": "n" }));
    assert!(v.get("limit").is_none(), "absent optional is omitted: {v}");

    for (args, field) in [
        (vec!["-X", "PUT", "{b}/shop/items/0"], "id"),
        (
            vec!["-X", "PUT", "-H", "X-Token: bad", "{b}/shop/items/1"],
            "token",
        ),
        (vec!["-X", "PUT", "{b}/shop/items/1?limit=51"], "limit"),
        (
            vec!["-X", "PUT", "{b}/shop/items/1?tag=a&tag=b&tag=c&tag=d"],
            "tags",
        ),
        (
            vec![
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/json",
                "--data",
                r#"{"title":"x"}"#,
                "{b}/shop/items/1",
            ],
            "title",
        ),
    ] {
        let args: Vec<String> = args.iter().map(|a| a.replace("{b}", b)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let bad = curl(&args);
        assert_eq!(bad.status, 400, "{args:?}: {}", bad.body);
        assert_eq!(bad.json()["field"], field, "{args:?}");
    }
    let short = curl(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"title":"x"}"#,
        &format!("{b}/shop/items/1"),
    ]);
    assert_eq!(short.json()["message"], "title too short");

    let echo = curl(&["--data-binary", "raw text", &format!("{b}/shop/echo")]);
    assert_eq!(
        (echo.status, echo.json()),
        (200, json!({ "body": "raw text" }))
    );

    let doc = curl(&[&format!("{b}/openapi.json")]).json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/shop/items/{id}"]["put"].is_object());
    assert!(doc["paths"]["/shop/items/{id}"]["post"].is_object());
    assert_eq!(doc["components"]["schemas"]["Kind"]["enum"], json!([0, 1]));
    assert_eq!(
        doc["components"]["schemas"]["ItemReq"]["properties"]["page"]["$ref"],
        "#/components/schemas/Page"
    );
}
