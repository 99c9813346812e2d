//! Table-driven tests of registration: which shapes coexist, which conflict, which are
//! malformed. Rows are inserted in order into one router; each says what the insert gives.
//! Tables marked "Hertz" come from Hertz's `pkg/route/tree_test.go`.

use hertz_router::{InsertErrorKind, Lookup, Params, Router};

/// What an insert should give.
enum Want {
    Ok,
    /// Conflict naming this existing route.
    Conflict(&'static str),
    /// Malformed; the reason contains this text.
    Invalid(&'static str),
}
use Want::*;

fn check(table: &[(&str, Want)]) {
    let mut router = Router::new();
    for (pattern, want) in table {
        let got = router.insert("GET", pattern, pattern.to_string());
        match (want, got) {
            (Ok, Result::Ok(())) => {}
            (Conflict(with), Err(err)) => {
                assert_eq!(
                    err.kind(),
                    &InsertErrorKind::Conflict {
                        with: with.to_string()
                    },
                    "{pattern}"
                );
                assert!(err.is_conflict() && !err.is_invalid_pattern());
                assert_eq!(err.route(), *pattern);
                assert_eq!(
                    err.to_string(),
                    format!("route `{pattern}` conflicts with existing route `{with}`")
                );
            }
            (Invalid(reason), Err(err)) => {
                let InsertErrorKind::InvalidPattern { reason: got } = err.kind() else {
                    panic!("{pattern}: want invalid, got {err}");
                };
                assert!(got.contains(reason), "{pattern}: reason {got:?}");
                assert!(err.is_invalid_pattern() && !err.is_conflict());
                assert!(err
                    .to_string()
                    .starts_with(&format!("invalid route `{pattern}`: ")));
            }
            (Ok, Err(err)) => panic!("{pattern}: unexpected error: {err}"),
            (_, Result::Ok(())) => panic!("{pattern}: inserted, but should have failed"),
        }
    }
    // A failed insert leaves the router as it was: every accepted route still finds itself.
    let accepted: Vec<_> = table.iter().filter(|(_, w)| matches!(w, Ok)).collect();
    assert_eq!(router.routes().count(), accepted.len());
    let mut params = Params::new();
    for (method, pattern, value) in router.routes() {
        assert_eq!((method, pattern), ("GET", value.as_str()));
        if !pattern.contains([':', '*']) {
            let Lookup::Found { pattern: got, .. } = router.find("GET", pattern, &mut params)
            else {
                panic!("{pattern} no longer found");
            };
            assert_eq!(got, pattern);
        }
    }
}

#[test]
fn the_same_shape_twice_conflicts() {
    check(&[
        ("/users/:id", Ok),
        ("/users/:id", Conflict("/users/:id")),
        ("/users/:name", Conflict("/users/:id")),
        ("/src/*filepath", Ok),
        ("/src/*filepathx", Conflict("/src/*filepath")),
        ("/src/*other", Conflict("/src/*filepath")),
        ("/", Ok),
        ("/", Conflict("/")),
        ("/:a/x/:b", Ok),
        ("/:c/x/:d", Conflict("/:a/x/:b")),
        ("/:c/x/*d", Ok),
        ("/:c/x/", Ok),
    ]);
}

/// Hertz: TestTreeDuplicatePath.
#[test]
fn hertz_duplicate_paths() {
    check(&[
        ("/", Ok),
        ("/", Conflict("/")),
        ("/doc/", Ok),
        ("/doc/", Conflict("/doc/")),
        ("/src/*filepath", Ok),
        ("/src/*filepath", Conflict("/src/*filepath")),
        ("/search/:query", Ok),
        ("/search/:query", Conflict("/search/:query")),
        ("/user_:name", Ok),
        ("/user_:name", Conflict("/user_:name")),
    ]);
}

/// Hertz: TestTreeWildcardConflict, TestTreeChildConflict, TestTreeCatchAllConflict. What
/// httprouter rejects, Hertz's backtracking tree accepts.
#[test]
fn hertz_coexisting_shapes() {
    check(&[
        ("/cmd/vet", Ok),
        ("/cmd/:tool/:sub", Ok),
        ("/src/AUTHORS", Ok),
        ("/src/*filepath", Ok),
        ("/src/*filepathx", Conflict("/src/*filepath")),
        ("/src/", Ok),
        ("/src1/", Ok),
        ("/src1/*filepath", Ok),
        ("/src2*filepath", Invalid("directly follow a '/'")),
        ("/search/:query", Ok),
        ("/search/invalid", Ok),
        ("/user_x", Ok),
        ("/user_:name", Ok),
        ("/user_:name", Conflict("/user_:name")),
        ("/id:id", Ok),
        ("/id/:id", Ok),
        ("/:id", Ok),
        ("/*filepath", Ok),
        ("/src/*filepath/x", Invalid("last segment")),
        ("/src3/*filepath", Ok),
        ("/src3/*filepath/x", Invalid("last segment")),
        ("/users/:id", Ok),
        ("/users/*path", Ok),
        ("/users/new", Ok),
        ("/:parama/start", Ok),
        ("/:paramb/start", Conflict("/:parama/start")),
        ("/a/b", Ok),
        ("/:c/d", Ok),
    ]);
}

/// Hertz: TestEmptyPath, TestEmptyWildcardName, TestTreeDoubleWildcard.
#[test]
fn malformed_patterns() {
    check(&[
        ("", Invalid("empty")),
        ("user", Invalid("must begin with '/'")),
        (":user", Invalid("must begin with '/'")),
        ("*user", Invalid("must begin with '/'")),
        ("/user:", Invalid("no name")),
        ("/user:/", Invalid("no name")),
        ("/cmd/:/", Invalid("no name")),
        ("/src/*", Invalid("no name")),
        ("/:foo:bar", Invalid("one parameter or catch-all")),
        ("/:foo:bar/", Invalid("one parameter or catch-all")),
        ("/:foo*bar", Invalid("one parameter or catch-all")),
        ("/a*b", Invalid("directly follow a '/'")),
        ("/:id/x/:id", Invalid("used twice")),
        ("/ok", Ok),
    ]);
}
