//! [`clean_path`]: the canonical form of a request path.

use std::borrow::Cow;

/// Returns the canonical form of `p`, as Hertz's (and httprouter's) `CleanPath` does:
///
/// 1. a missing leading `/` is added (and `""` becomes `/`);
/// 2. runs of `/` collapse into one;
/// 3. each `.` segment is dropped;
/// 4. each `..` segment is dropped with the segment before it (`..` at the root stays at `/`);
/// 5. a trailing `/` is kept, and a trailing `.` segment leaves one (`/a/.` → `/a/`), but a
///    trailing `..` does not (`/a/b/..` → `/a`).
///
/// Segments are compared as raw text: `%2e%2e` is not `..`. An already clean path is returned
/// borrowed.
///
/// ```
/// use hertz_router::clean_path;
///
/// assert_eq!(clean_path("/a/b/../c//d/./"), "/a/c/d/");
/// assert_eq!(clean_path("../../etc/passwd"), "/etc/passwd");
/// assert!(matches!(clean_path("/already/clean"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn clean_path(p: &str) -> Cow<'_, str> {
    if is_clean(p) {
        return Cow::Borrowed(p);
    }
    let mut out = String::with_capacity(p.len() + 1);
    for segment in p.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                let parent = out.rfind('/').unwrap_or(0);
                out.truncate(parent);
            }
            segment => {
                out.push('/');
                out.push_str(segment);
            }
        }
    }
    let trailing = p.ends_with('/') || p.ends_with("/.") || p == ".";
    if out.is_empty() || trailing {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Whether [`clean_path`] would return `p` unchanged.
fn is_clean(p: &str) -> bool {
    let Some(rest) = p.strip_prefix('/') else {
        return false;
    };
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match segment {
            "" if last => {}
            "" | "." | ".." => return false,
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::clean_path;
    use std::borrow::Cow;

    // The httprouter/Hertz CleanPath table.
    #[test]
    fn clean_path_table() {
        let table = [
            // already clean
            ("/", "/"),
            ("/abc", "/abc"),
            ("/a/b/c", "/a/b/c"),
            ("/abc/", "/abc/"),
            ("/a/b/c/", "/a/b/c/"),
            // missing root
            ("", "/"),
            ("a/", "/a/"),
            ("abc", "/abc"),
            ("abc/def", "/abc/def"),
            ("a/b/c", "/a/b/c"),
            // doubled slashes
            ("//", "/"),
            ("/abc//", "/abc/"),
            ("/abc/def//", "/abc/def/"),
            ("/a/b/c//", "/a/b/c/"),
            ("/abc//def//ghi", "/abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc/"),
            // `.` segments
            (".", "/"),
            ("./", "/"),
            ("/abc/./def", "/abc/def"),
            ("/./abc/def", "/abc/def"),
            ("/abc/.", "/abc/"),
            ("/Foo/Bar/./././go/src", "/Foo/Bar/go/src"),
            // `..` segments
            ("..", "/"),
            ("../", "/"),
            ("../../", "/"),
            ("../..", "/"),
            ("../../..", "/"),
            ("../../abc", "/abc"),
            ("/abc/def/ghi/../jkl", "/abc/def/jkl"),
            ("/abc/def/../ghi/../jkl", "/abc/jkl"),
            ("/abc/def/..", "/abc"),
            ("/abc/def/../..", "/"),
            ("/abc/def/../../..", "/"),
            ("/abc/def/../../../ghi/jkl/../../../mno", "/mno"),
            ("/abc/def/../", "/abc/"),
            ("/../....", "/...."),
            (
                "/Foo/Bar/../go/src/../../github.com/cloudwego/hertz",
                "/Foo/github.com/cloudwego/hertz",
            ),
            (
                "///////Foo//Bar////go//src/github.com/cloudwego/hertz//..",
                "/Foo/Bar/go/src/github.com/cloudwego",
            ),
            // combinations
            ("abc/./../def", "/def"),
            ("abc//./../def", "/def"),
            ("abc/../../././../def", "/def"),
            // not dot segments
            ("/.a/..b/...", "/.a/..b/..."),
            ("/%2e%2e/x", "/%2e%2e/x"),
            ("/é/../ü", "/ü"),
        ];
        for (input, expected) in table {
            let cleaned = clean_path(input);
            assert_eq!(cleaned, expected, "clean_path({input:?})");
            assert_eq!(clean_path(&cleaned), expected, "idempotent on {input:?}");
            assert_eq!(
                matches!(cleaned, Cow::Borrowed(_)),
                input == expected,
                "borrowed iff unchanged: {input:?}"
            );
        }
    }
}
