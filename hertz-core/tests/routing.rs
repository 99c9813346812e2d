//! Hertz's router cases, served over real sockets: each handler answers with the matched
//! pattern and its parameters.

mod support;

use rstest::rstest;

use hertz_core::{Config, Context, Engine, RequestContext, Routes};
use support::{config, get, request, start, Netpoll, Tokio, TransportKind};

/// Answers `pattern` or `pattern name=value ...`.
async fn describe(_ctx: Context, c: &mut RequestContext) {
    let mut out = c.full_path().to_owned();
    let params: Vec<String> = c.params().map(|(k, v)| format!("{k}={v}")).collect();
    if !params.is_empty() {
        out.push(' ');
        out.push_str(&params.join(" "));
    }
    c.string(200, out);
}

async fn check(transport: TransportKind, routes: &[&str], cases: &[(&str, &str)]) {
    check_with(config(transport), routes, cases).await
}

async fn check_with(config: Config, routes: &[&str], cases: &[(&str, &str)]) {
    let mut h = Engine::with_defaults(config);
    for route in routes {
        h.get(route, describe);
    }
    let server = start(h).await;
    for (path, expected) in cases {
        let reply = get(&server, path).await;
        let got = if reply.status == 200 {
            reply.text()
        } else {
            reply.status.to_string()
        };
        assert_eq!(got, *expected, "routes {routes:?}, request {path}");
    }
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn static_beats_param_beats_catch_all_with_backtracking(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    check(
        transport,
        &[
            "/users",
            "/users/new",
            "/users/:id",
            "/users/dew",
            "/users/:id/files",
            "/users/newsee",
            "/users/*x",
            "/users/new/*x",
            "/*x",
        ],
        &[
            ("/users/news", "/users/:id id=news"),
            ("/users/newsee", "/users/newsee"),
            ("/users/joe/books", "/users/*x x=joe/books"),
            ("/users/dew/someone", "/users/*x x=dew/someone"),
            ("/users/new/someone", "/users/new/*x x=someone"),
            ("/nousers/new", "/*x x=nousers/new"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn backtracking_across_params(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &["/a/:b/c", "/a/c/d", "/a/c/df", "/:e/c/f", "/*x"],
        &[
            ("/a/x/c", "/a/:b/c b=x"),
            ("/a/c/f", "/:e/c/f e=a"),
            ("/a/c/cf", "/*x x=a/c/cf"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn catch_all_at_root_with_params(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &["/*x", "/:1/second", "/:1/:2", "/:1/:2/third"],
        &[
            ("/first", "/*x x=first"),
            ("/first/second-new", "/:1/:2 1=first 2=second-new"),
            ("/first/second/", "/*x x=first/second/"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn no_match_is_404(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &[
            "/:param1",
            "/:param1/foo",
            "/:param1/bar",
            "/:param1/bar/:param2",
        ],
        &[("/a/bbbbb", "404")],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn nested_catch_alls(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &["/*x", "/users/*x"],
        &[
            ("/users", "/*x x=users"),
            ("/users/", "/users/*x x="),
            ("/users_prefix/", "/*x x=users_prefix/"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn different_param_names_at_one_position(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &["/:parama/start", "/:paramb"],
        &[
            ("/x/start", "/:parama/start parama=x"),
            ("/y", "/:paramb paramb=y"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn static_and_param_siblings(#[values(Tokio, Netpoll)] transport: TransportKind) {
    check(
        transport,
        &["/a/b", "/:c/d"],
        &[("/a/b", "/a/b"), ("/a/d", "/:c/d c=a")],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn mid_segment_params_and_percent_decoding(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    check(
        transport,
        &["/id:id", "/files/:name"],
        &[
            ("/id123", "/id:id id=123"),
            ("/files/a%20b", "/files/:name name=a b"),
            ("/files/caf%C3%A9", "/files/:name name=café"),
        ],
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn trailing_slash_redirects_keep_the_query(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = support::engine(transport);
    h.get("/dir/", describe)
        .get("/file", describe)
        .post("/form", describe);
    let server = start(h).await;
    let reply = get(&server, "/dir?x=1").await;
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some("/dir/?x=1"));
    let reply = get(&server, "/file/").await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (301, Some("/file"))
    );
    let reply = request(&server, "POST", "/form/").await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (307, Some("/form"))
    );
    server.shutdown().await.unwrap();

    let mut h = Engine::with_defaults(config(transport).redirect_trailing_slash(false));
    h.get("/file", describe);
    let server = start(h).await;
    assert_eq!(get(&server, "/file/").await.status, 404);
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn fixed_path_redirect_cleans_and_fixes_case(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let mut h = Engine::with_defaults(config(transport).redirect_fixed_path(true));
    h.get("/Users/profile", describe);
    let server = start(h).await;
    for path in ["/users/profile", "/Users//profile", "/x/../Users/profile"] {
        let reply = get(&server, path).await;
        assert_eq!(reply.status, 301, "{path}");
        assert_eq!(reply.header("location"), Some("/Users/profile"), "{path}");
    }
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn method_not_allowed_is_405_with_allow_only_when_enabled(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let build = |on: bool| {
        let mut h = Engine::with_defaults(config(transport).handle_method_not_allowed(on));
        h.get("/thing", describe).put("/thing", describe);
        h
    };
    let server = start(build(true)).await;
    let reply = request(&server, "DELETE", "/thing").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, PUT"));
    server.shutdown().await.unwrap();

    let server = start(build(false)).await;
    assert_eq!(request(&server, "DELETE", "/thing").await.status, 404);
    server.shutdown().await.unwrap();
}

#[rstest]
#[tokio::test]
async fn any_groups_and_head_fallback(#[values(Tokio, Netpoll)] transport: TransportKind) {
    let mut h = support::engine(transport);
    h.any("/any", describe);
    h.group("/v1").get("/items/:id", describe);
    let server = start(h).await;
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let reply = request(&server, method, "/any").await;
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (200, "/any"),
            "{method}"
        );
    }
    assert_eq!(
        get(&server, "/v1/items/9").await.text(),
        "/v1/items/:id id=9"
    );
    let head = request(&server, "HEAD", "/v1/items/9").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("18"));
    server.shutdown().await.unwrap();
}

#[test]
fn conflicting_registration_names_both_routes() {
    let mut h = support::engine(Tokio);
    h.get("/users/:id", describe);
    let err = h
        .try_handle("GET", "/users/:id", describe)
        .err()
        .expect("duplicate route accepted");
    let message = err.to_string();
    assert!(message.contains("/users/:id"), "{message}");

    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        h.get("/users/:id", describe);
    }));
    assert!(
        caught.is_err(),
        "get() on a conflicting route must fail at registration"
    );
}

#[rstest]
#[tokio::test]
async fn every_github_api_route_matches_its_own_pattern(
    #[values(Tokio, Netpoll)] transport: TransportKind,
) {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/github-api-routes.tsv");
    let text = std::fs::read_to_string(&data)
        .unwrap_or_else(|e| panic!("{} is needed for this test: {e}", data.display()));
    let rows: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    assert!(
        rows.len() >= 100,
        "only {} routes in {}",
        rows.len(),
        data.display()
    );
    let mut h = support::engine(transport);
    for (pattern, _) in &rows {
        h.get(pattern, describe);
    }
    let server = start(h).await;
    let mut raw = support::Raw::connect(&server).await;
    for (pattern, path) in &rows {
        raw.send(format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes())
            .await;
        let reply = raw.response().await;
        let got = reply.text();
        assert_eq!(got.split(' ').next(), Some(*pattern), "request {path}");
    }
    server.shutdown().await.unwrap();
}
