//! Table-driven tests of lookups: each table is a route set and `(path, expected)` rows.
//! Rows marked "Hertz" come from Hertz's `pkg/route/tree_test.go`.

use hertz_router::{Lookup, Params, Router};

/// What a lookup should give.
#[derive(Debug)]
enum Want {
    /// Found this pattern, with exactly these params in this order.
    Route(&'static str, &'static [(&'static str, &'static str)]),
    /// Not found, no trailing-slash recommendation.
    Miss,
    /// Not found, trailing-slash recommendation.
    Tsr,
}
use Want::*;

fn router(patterns: &[&'static str]) -> Router<&'static str> {
    let mut router = Router::new();
    for &pattern in patterns {
        if let Err(err) = router.insert("GET", pattern, pattern) {
            panic!("inserting {pattern}: {err}");
        }
    }
    router
}

fn check(patterns: &[&'static str], table: &[(&str, Want)]) {
    let router = router(patterns);
    let mut params = Params::new();
    for (path, want) in table {
        let got = router.find("GET", path, &mut params);
        match (want, got) {
            (
                Route(pattern, expected),
                Lookup::Found {
                    value,
                    pattern: got,
                },
            ) => {
                assert_eq!(got, *pattern, "path {path:?}: wrong route");
                assert_eq!(value, pattern, "path {path:?}: wrong value");
                let actual: Vec<_> = params.iter().collect();
                assert_eq!(actual, *expected, "path {path:?}: wrong params");
                assert_eq!(params.len(), expected.len());
                for (key, value) in *expected {
                    assert_eq!(params.get(key), Some(*value), "path {path:?}: {key}");
                }
            }
            (Miss, Lookup::NotFound { tsr: false }) | (Tsr, Lookup::NotFound { tsr: true }) => {
                assert!(
                    params.is_empty(),
                    "path {path:?}: params left over on a miss"
                );
            }
            (want, got) => panic!("path {path:?}: want {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn static_beats_param_beats_catch_all_with_backtracking() {
    check(
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
            ("/users/news", Route("/users/:id", &[("id", "news")])),
            ("/users/newsee", Route("/users/newsee", &[])),
            (
                "/users/joe/books",
                Route("/users/*x", &[("x", "joe/books")]),
            ),
            (
                "/users/dew/someone",
                Route("/users/*x", &[("x", "dew/someone")]),
            ),
            (
                "/users/new/someone",
                Route("/users/new/*x", &[("x", "someone")]),
            ),
            ("/nousers/new", Route("/*x", &[("x", "nousers/new")])),
            ("/users", Route("/users", &[])),
            ("/users/new", Route("/users/new", &[])),
            ("/users/dew", Route("/users/dew", &[])),
            ("/users/joe", Route("/users/:id", &[("id", "joe")])),
            (
                "/users/joe/files",
                Route("/users/:id/files", &[("id", "joe")]),
            ),
            (
                "/users/new/files",
                Route("/users/new/*x", &[("x", "files")]),
            ),
            (
                "/users/dew/files",
                Route("/users/:id/files", &[("id", "dew")]),
            ),
            ("/users/", Route("/users/*x", &[("x", "")])),
            ("/", Route("/*x", &[("x", "")])),
        ],
    );
}

#[test]
fn backtracking_across_levels() {
    check(
        &["/a/:b/c", "/a/c/d", "/a/c/df", "/:e/c/f", "/*x"],
        &[
            ("/a/x/c", Route("/a/:b/c", &[("b", "x")])),
            ("/a/c/f", Route("/:e/c/f", &[("e", "a")])),
            ("/a/c/cf", Route("/*x", &[("x", "a/c/cf")])),
            ("/a/c/d", Route("/a/c/d", &[])),
            ("/a/c/df", Route("/a/c/df", &[])),
            ("/a/c/c", Route("/a/:b/c", &[("b", "c")])),
            ("/b/c/f", Route("/:e/c/f", &[("e", "b")])),
        ],
    );
}

#[test]
fn root_catch_all_against_params() {
    check(
        &["/*x", "/:1/second", "/:1/:2", "/:1/:2/third"],
        &[
            ("/first", Route("/*x", &[("x", "first")])),
            (
                "/first/second-new",
                Route("/:1/:2", &[("1", "first"), ("2", "second-new")]),
            ),
            ("/first/second/", Route("/*x", &[("x", "first/second/")])),
            ("/first/second", Route("/:1/second", &[("1", "first")])),
            (
                "/first/x/third",
                Route("/:1/:2/third", &[("1", "first"), ("2", "x")]),
            ),
            (
                "/first/second/third",
                Route("/:1/:2/third", &[("1", "first"), ("2", "second")]),
            ),
        ],
    );
}

#[test]
fn param_dead_end_is_not_found() {
    check(
        &[
            "/:param1",
            "/:param1/foo",
            "/:param1/bar",
            "/:param1/bar/:param2",
        ],
        &[
            ("/a/bbbbb", Miss),
            ("/a", Route("/:param1", &[("param1", "a")])),
            ("/a/foo", Route("/:param1/foo", &[("param1", "a")])),
            (
                "/a/bar/b",
                Route("/:param1/bar/:param2", &[("param1", "a"), ("param2", "b")]),
            ),
            ("/a/bar/", Tsr),
            ("/a/baz/", Miss),
            ("/a/foo/", Tsr),
        ],
    );
}

#[test]
fn catch_all_needs_its_slash() {
    check(
        &["/*x", "/users/*x"],
        &[
            ("/users", Route("/*x", &[("x", "users")])),
            ("/users/", Route("/users/*x", &[("x", "")])),
            ("/users_prefix/", Route("/*x", &[("x", "users_prefix/")])),
            ("/users/a/b", Route("/users/*x", &[("x", "a/b")])),
        ],
    );
}

#[test]
fn params_at_one_position_keep_their_own_names() {
    check(
        &["/:parama/start", "/:paramb"],
        &[
            ("/x/start", Route("/:parama/start", &[("parama", "x")])),
            ("/x", Route("/:paramb", &[("paramb", "x")])),
            ("/x/stop", Miss),
            ("/x/", Tsr),
        ],
    );
}

#[test]
fn static_sibling_of_param() {
    check(
        &["/a/b", "/:c/d"],
        &[
            ("/a/b", Route("/a/b", &[])),
            ("/a/d", Route("/:c/d", &[("c", "a")])),
            ("/b/d", Route("/:c/d", &[("c", "b")])),
            ("/a/c", Miss),
        ],
    );
}

#[test]
fn mid_segment_params() {
    check(
        &[
            "/id:id",
            "/id/:id",
            "/user_:name",
            "/user_:name/about",
            "/user_x",
        ],
        &[
            ("/id123", Route("/id:id", &[("id", "123")])),
            ("/id/123", Route("/id/:id", &[("id", "123")])),
            ("/id", Miss),
            ("/user_gopher", Route("/user_:name", &[("name", "gopher")])),
            (
                "/user_gopher/about",
                Route("/user_:name/about", &[("name", "gopher")]),
            ),
            ("/user_x", Route("/user_x", &[])),
            ("/user_xy", Route("/user_:name", &[("name", "xy")])),
        ],
    );
}

#[test]
fn empty_param_values_follow_hertz() {
    check(
        &["/a/:b/c", "/x/:y"],
        &[
            ("/a//c", Route("/a/:b/c", &[("b", "")])),
            ("/x/", Miss),
            ("/x//", Miss),
        ],
    );
}

/// Hertz: TestTreeAddAndGet.
#[test]
fn hertz_static_routes() {
    check(
        &[
            "/hi",
            "/contact",
            "/co",
            "/c",
            "/a",
            "/ab",
            "/doc/",
            "/doc/go_faq.html",
            "/doc/go1.html",
            "/α",
            "/β",
        ],
        &[
            ("", Miss),
            ("a", Miss),
            ("/a", Route("/a", &[])),
            ("/", Miss),
            ("/hi", Route("/hi", &[])),
            ("/contact", Route("/contact", &[])),
            ("/co", Route("/co", &[])),
            ("/con", Miss),
            ("/cona", Miss),
            ("/no", Miss),
            ("/ab", Route("/ab", &[])),
            ("/α", Route("/α", &[])),
            ("/β", Route("/β", &[])),
            ("/γ", Miss),
        ],
    );
}

/// Hertz: TestTreeWildcard.
#[test]
fn hertz_wildcards() {
    check(
        &[
            "/",
            "/cmd/:tool/:sub",
            "/cmd/:tool/",
            "/cmd/xxx/",
            "/src/*filepath",
            "/search/",
            "/search/:query",
            "/user_:name",
            "/user_:name/about",
            "/files/:dir/*filepath",
            "/doc/",
            "/doc/go_faq.html",
            "/doc/go1.html",
            "/info/:user/public",
            "/info/:user/project/:project",
            "/a/b/:c",
            "/a/:b/c/d",
            "/a/*b",
        ],
        &[
            ("/", Route("/", &[])),
            ("/cmd/test/", Route("/cmd/:tool/", &[("tool", "test")])),
            ("/cmd/test", Tsr),
            (
                "/cmd/test/3",
                Route("/cmd/:tool/:sub", &[("tool", "test"), ("sub", "3")]),
            ),
            ("/cmd/xxx/", Route("/cmd/xxx/", &[])),
            ("/src/", Route("/src/*filepath", &[("filepath", "")])),
            (
                "/src/some/file.png",
                Route("/src/*filepath", &[("filepath", "some/file.png")]),
            ),
            (
                "/src/a/b.txt",
                Route("/src/*filepath", &[("filepath", "a/b.txt")]),
            ),
            ("/search/", Route("/search/", &[])),
            (
                "/search/someth!ng+in+ünìcodé",
                Route("/search/:query", &[("query", "someth!ng+in+ünìcodé")]),
            ),
            ("/search/someth!ng+in+ünìcodé/", Tsr),
            ("/user_gopher", Route("/user_:name", &[("name", "gopher")])),
            (
                "/user_gopher/about",
                Route("/user_:name/about", &[("name", "gopher")]),
            ),
            (
                "/files/js/inc/framework.js",
                Route(
                    "/files/:dir/*filepath",
                    &[("dir", "js"), ("filepath", "inc/framework.js")],
                ),
            ),
            (
                "/info/gordon/public",
                Route("/info/:user/public", &[("user", "gordon")]),
            ),
            (
                "/info/gordon/project/go",
                Route(
                    "/info/:user/project/:project",
                    &[("user", "gordon"), ("project", "go")],
                ),
            ),
            ("/a/b/c", Route("/a/b/:c", &[("c", "c")])),
            ("/a/b/c/d", Route("/a/:b/c/d", &[("b", "b")])),
            ("/a/b", Route("/a/*b", &[("b", "b")])),
        ],
    );
}

/// Hertz: TestUnescapeParameters, with path semantics: `+` stays `+`, and each malformed
/// escape is kept while well-formed ones are decoded.
#[test]
fn percent_decoded_values() {
    check(
        &[
            "/",
            "/cmd/:tool/:sub",
            "/cmd/:tool/",
            "/src/*filepath",
            "/search/:query",
            "/files/:dir/*filepath",
            "/info/:user/project/:project",
            "/info/:user",
            "/users/:id",
        ],
        &[
            ("/users/a%20b", Route("/users/:id", &[("id", "a b")])),
            (
                "/users/%E4%BD%A0%E5%A5%BD",
                Route("/users/:id", &[("id", "你好")]),
            ),
            ("/users/bad%zz", Route("/users/:id", &[("id", "bad%zz")])),
            ("/users/100%", Route("/users/:id", &[("id", "100%")])),
            ("/users/%FF", Route("/users/:id", &[("id", "%FF")])),
            (
                "/src/some/file+test.png",
                Route("/src/*filepath", &[("filepath", "some/file+test.png")]),
            ),
            (
                "/src/some/file++++%%%%test.png",
                Route(
                    "/src/*filepath",
                    &[("filepath", "some/file++++%%%%test.png")],
                ),
            ),
            (
                "/src/some/file%2Ftest.png",
                Route("/src/*filepath", &[("filepath", "some/file/test.png")]),
            ),
            (
                "/info/slash%2Fgordon",
                Route("/info/:user", &[("user", "slash/gordon")]),
            ),
            (
                "/info/slash%2Fgordon/project/Project%20%231",
                Route(
                    "/info/:user/project/:project",
                    &[("user", "slash/gordon"), ("project", "Project #1")],
                ),
            ),
            (
                "/info/slash%%%%",
                Route("/info/:user", &[("user", "slash%%%%")]),
            ),
            (
                "/info/slash%%%%2Fgordon/project/Project%%%%20%231",
                Route(
                    "/info/:user/project/:project",
                    &[("user", "slash%%%/gordon"), ("project", "Project%%% #1")],
                ),
            ),
        ],
    );
}

/// Hertz: TestTreeTrailingSlashRedirect. `tsr` is true exactly when the toggled path matches.
#[test]
fn trailing_slash_recommendations() {
    check(
        &[
            "/hi",
            "/b/",
            "/search/:query",
            "/cmd/:tool/",
            "/src/*filepath",
            "/x",
            "/x/y",
            "/y/",
            "/y/z",
            "/0/:id",
            "/0/:id/1",
            "/1/:id/",
            "/1/:id/2",
            "/aa",
            "/a/*b",
            "/admin",
            "/admin/:category",
            "/admin/:category/:page",
            "/doc",
            "/doc/go_faq.html",
            "/doc/go1.html",
            "/no/a",
            "/no/b",
            "/api/hello/:name",
            "/user/:name/*id",
        ],
        &[
            ("/hi/", Tsr),
            ("/b", Tsr),
            ("/search/gopher/", Tsr),
            ("/cmd/vet", Tsr),
            ("/src", Tsr),
            ("/x/", Tsr),
            ("/y", Tsr),
            ("/0/go/", Tsr),
            ("/1/go", Tsr),
            ("/a", Tsr),
            ("/admin/", Tsr),
            ("/admin/config/", Tsr),
            ("/admin/config/permissions/", Tsr),
            ("/doc/", Tsr),
            ("/user/name", Tsr),
            ("/", Miss),
            ("/no", Miss),
            ("/no/", Miss),
            ("/_", Miss),
            ("/_/", Miss),
            ("/api/world/abc", Miss),
            ("", Miss),
        ],
    );
}

/// Hertz: TestTreeTrailingSlashRedirect2 and TestTreeRootTrailingSlashRedirect.
#[test]
fn trailing_slash_recommendations_through_params() {
    check(
        &[
            "/api/:version/seller/locales/get",
            "/api/v:version/seller/permissions/get",
            "/api/v:version/seller/university/entrance_knowledge_list/get",
        ],
        &[
            ("/api/v:version/seller/permissions/get/", Tsr),
            ("/api/version/seller/permissions/get/", Tsr),
            ("/api/v:version/seller/permissions/get/a", Miss),
            (
                "/api/v2/seller/permissions/get",
                Route("/api/v:version/seller/permissions/get", &[("version", "2")]),
            ),
            (
                "/api/v2/seller/locales/get",
                Route("/api/:version/seller/locales/get", &[("version", "v2")]),
            ),
        ],
    );
    check(
        &["/:test"],
        &[("/", Miss), ("/x", Route("/:test", &[("test", "x")]))],
    );
    check(
        &["/"],
        &[
            ("", Tsr),
            ("/", Route("/", &[])),
            ("//", Tsr),
            ("///", Miss),
        ],
    );
}

#[test]
fn long_paths_get_trailing_slash_recommendations_too() {
    let long: &'static str = Box::leak(format!("/{}", "x".repeat(1000)).into_boxed_str());
    let slashed: &'static str = Box::leak(format!("{long}/").into_boxed_str());
    check(&[long], &[(slashed, Tsr), (long, Route(long, &[]))]);
    check(&[slashed], &[(long, Tsr)]);
}

#[test]
fn methods_have_separate_trees() {
    let mut router = Router::new();
    router.insert("GET", "/users/:id", "get").unwrap();
    router.insert("POST", "/users/:name", "post").unwrap(); // no conflict across methods
    router.insert("PURGE", "/users/*all", "purge").unwrap();
    router.insert("DELETE", "/other", "delete").unwrap();
    let mut params = Params::new();

    let Lookup::Found { value, .. } = router.find("POST", "/users/1", &mut params) else {
        panic!("POST not found");
    };
    assert_eq!(
        (*value, params.get("name"), params.get("id")),
        ("post", Some("1"), None)
    );
    assert!(matches!(
        router.find("get", "/users/1", &mut params),
        Lookup::NotFound { tsr: false }
    ));
    assert!(matches!(
        router.find("PUT", "/users/1", &mut params),
        Lookup::NotFound { tsr: false }
    ));

    assert_eq!(
        router.allowed_methods("/users/1", "PUT"),
        ["GET", "POST", "PURGE"]
    );
    assert_eq!(router.allowed_methods("/users/1", "GET"), ["POST", "PURGE"]);
    assert_eq!(router.allowed_methods("/users/", "GET"), ["PURGE"]);
    assert_eq!(router.allowed_methods("/other", "GET"), ["DELETE"]);
    assert!(router.allowed_methods("/nothing", "GET").is_empty());

    let routes: Vec<_> = router.routes().map(|(m, p, v)| (m, p, *v)).collect();
    assert_eq!(
        routes,
        [
            ("GET", "/users/:id", "get"),
            ("POST", "/users/:name", "post"),
            ("PURGE", "/users/*all", "purge"),
            ("DELETE", "/other", "delete"),
        ]
    );
}

#[test]
fn params_are_replaced_on_every_lookup() {
    let router = router(&["/a/:x/:y/*z", "/b/:w", "/c"]);
    let mut params = Params::new();
    router.find("GET", "/a/1/2/3/4", &mut params);
    assert_eq!(
        params.iter().collect::<Vec<_>>(),
        [("x", "1"), ("y", "2"), ("z", "3/4")]
    );
    router.find("GET", "/b/%41", &mut params);
    assert_eq!(params.iter().collect::<Vec<_>>(), [("w", "A")]);
    assert_eq!(params.get("x"), None);
    router.find("GET", "/c", &mut params);
    assert!(params.is_empty());
    router.find("GET", "/a/1/2/3", &mut params);
    router.find("GET", "/nope", &mut params);
    assert!(params.is_empty() && params.get("x").is_none());
    router.find("GET", "/a/1/2/3", &mut params);
    params.clear();
    assert_eq!((params.len(), params.iter().count()), (0, 0));
    assert_eq!(format!("{params:?}"), "{}");
}

/// Hertz: TestTreeFindCaseInsensitivePath. Rows are `(path, fixed, needs the slash fix)`.
#[test]
fn case_insensitive_fixed_paths() {
    let long = format!("/l{}ng", "o".repeat(128));
    let long_upper = format!("/l{}ng/", "O".repeat(128));
    let mut patterns: Vec<&str> = vec![
        "/hi",
        "/b/",
        "/ABC/",
        "/search/:query",
        "/cmd/:tool/",
        "/src/*filepath",
        "/x",
        "/x/y",
        "/y/",
        "/y/z",
        "/0/:id",
        "/0/:id/1",
        "/1/:id/",
        "/1/:id/2",
        "/aa",
        "/a/",
        "/doc",
        "/doc/go_faq.html",
        "/doc/go1.html",
        "/doc/go/away",
        "/no/a",
        "/no/b",
        "/z/:id/2",
        "/z/:id/:age",
        "/x/:id/3/",
        "/x/:id/3/4",
        "/x/:id/:age/5",
    ];
    patterns.push(&long);
    let mut router = Router::new();
    for &pattern in &patterns {
        router.insert("GET", pattern, ()).unwrap();
    }
    for &pattern in &patterns {
        for fix in [true, false] {
            assert_eq!(
                router.find_case_insensitive("GET", pattern, fix).as_deref(),
                Some(pattern),
                "{pattern} (fix {fix})"
            );
        }
    }
    let table: &[(&str, Option<&str>, bool)] = &[
        ("/HI", Some("/hi"), false),
        ("/HI/", Some("/hi"), true),
        ("/B", Some("/b/"), true),
        ("/B/", Some("/b/"), false),
        ("/abc", Some("/ABC/"), true),
        ("/abc/", Some("/ABC/"), false),
        ("/aBc", Some("/ABC/"), true),
        ("/aBc/", Some("/ABC/"), false),
        ("/abC", Some("/ABC/"), true),
        ("/abC/", Some("/ABC/"), false),
        ("/SEARCH/QUERY", Some("/search/QUERY"), false),
        ("/SEARCH/QUERY/", Some("/search/QUERY"), true),
        ("/CMD/TOOL/", Some("/cmd/TOOL/"), false),
        ("/CMD/TOOL", Some("/cmd/TOOL/"), true),
        ("/SRC/FILE/PATH", Some("/src/FILE/PATH"), false),
        ("/x/Y", Some("/x/y"), false),
        ("/x/Y/", Some("/x/y"), true),
        ("/X/y", Some("/x/y"), false),
        ("/X/y/", Some("/x/y"), true),
        ("/X/Y", Some("/x/y"), false),
        ("/X/Y/", Some("/x/y"), true),
        ("/Y/", Some("/y/"), false),
        ("/Y", Some("/y/"), true),
        ("/Y/z", Some("/y/z"), false),
        ("/Y/z/", Some("/y/z"), true),
        ("/Y/Z", Some("/y/z"), false),
        ("/Y/Z/", Some("/y/z"), true),
        ("/y/Z", Some("/y/z"), false),
        ("/y/Z/", Some("/y/z"), true),
        ("/Aa", Some("/aa"), false),
        ("/Aa/", Some("/aa"), true),
        ("/AA", Some("/aa"), false),
        ("/AA/", Some("/aa"), true),
        ("/aA", Some("/aa"), false),
        ("/aA/", Some("/aa"), true),
        ("/A/", Some("/a/"), false),
        ("/A", Some("/a/"), true),
        ("/DOC", Some("/doc"), false),
        ("/DOC/", Some("/doc"), true),
        ("/NO", None, true),
        ("/DOC/GO", None, true),
        ("/Z/1/2", Some("/z/1/2"), false),
        ("/Z/1/3", Some("/z/1/3"), false),
        ("/Z/1/2/", Some("/z/1/2"), true),
        ("/Z/1/3/", Some("/z/1/3"), true),
        ("/X/1/3", Some("/x/1/3/"), true),
        ("/X/1/3/5", Some("/x/1/3/5"), false),
        (&long_upper, Some(&long), true),
        // cleaned first
        ("/HI/../hi/./", Some("/hi"), true),
        ("//DOC", Some("/doc"), false),
        ("HI", Some("/hi"), false),
    ];
    for &(path, fixed, slash) in table {
        assert_eq!(
            router.find_case_insensitive("GET", path, true).as_deref(),
            fixed,
            "{path} with the slash fix"
        );
        let want = if slash { None } else { fixed };
        assert_eq!(
            router.find_case_insensitive("GET", path, false).as_deref(),
            want,
            "{path} without the slash fix"
        );
    }
    assert_eq!(router.find_case_insensitive("POST", "/hi", true), None);
}

#[test]
fn case_insensitive_lookup_backtracks() {
    let mut router = Router::new();
    for pattern in ["/Users/new/x", "/users/NEWS", "/users/:id/y", "/*rest"] {
        router.insert("GET", pattern, ()).unwrap();
    }
    let table = [
        ("/USERS/NEW/X", "/Users/new/x"),
        ("/USERS/news", "/users/NEWS"),
        ("/USERS/NeW/y", "/users/NeW/y"),
        ("/uSers/new/z", "/uSers/new/z"),
    ];
    for (path, fixed) in table {
        assert_eq!(
            router.find_case_insensitive("GET", path, false).as_deref(),
            Some(fixed),
            "{path}"
        );
    }
}
