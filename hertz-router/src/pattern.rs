//! Route patterns: the syntax check and the split into pieces the tree is built from.

/// One piece of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'p> {
    /// Text that must appear in the path byte for byte. Never empty; never holds `:` or `*`.
    Static(&'p str),
    /// `:name` — the bytes up to the next `/`.
    Param(&'p str),
    /// `*name` — the rest of the path. Always the last piece.
    CatchAll(&'p str),
}

impl Piece<'_> {
    /// How many bytes of the pattern this piece spans.
    pub(crate) fn len(&self) -> usize {
        match self {
            Piece::Static(text) => text.len(),
            Piece::Param(name) | Piece::CatchAll(name) => name.len() + 1,
        }
    }
}

/// Splits `pattern` into pieces, or says which syntax rule it breaks.
pub(crate) fn parse(pattern: &str) -> Result<Vec<Piece<'_>>, String> {
    if !pattern.starts_with('/') {
        return Err(if pattern.is_empty() {
            "the pattern is empty; it must begin with '/'".to_owned()
        } else {
            "the pattern must begin with '/'".to_owned()
        });
    }
    let bytes = pattern.as_bytes();
    let mut pieces = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut start = 0; // start of the pending static text
    let mut i = 0;
    while i < bytes.len() {
        let sigil = bytes[i];
        if sigil != b':' && sigil != b'*' {
            i += 1;
            continue;
        }
        if sigil == b'*' && bytes[i - 1] != b'/' {
            // i > 0: the pattern starts with '/'.
            return Err(format!(
                "the catch-all at byte {i} must directly follow a '/'"
            ));
        }
        if start < i {
            pieces.push(Piece::Static(&pattern[start..i]));
        }
        // ':' and '*' are ASCII, so `i + 1` and the '/' found below are char boundaries.
        let name_end = bytes[i + 1..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(bytes.len(), |n| i + 1 + n);
        let name = &pattern[i + 1..name_end];
        let what = if sigil == b':' {
            "parameter"
        } else {
            "catch-all"
        };
        if name.is_empty() {
            return Err(format!("the {what} at byte {i} has no name"));
        }
        if name.contains([':', '*']) {
            return Err(format!(
                "only one parameter or catch-all is allowed per path segment (`{}`)",
                &pattern[i..name_end]
            ));
        }
        if names.contains(&name) {
            return Err(format!("the name `{name}` is used twice"));
        }
        names.push(name);
        if sigil == b':' {
            pieces.push(Piece::Param(name));
        } else if name_end < bytes.len() {
            return Err(format!(
                "the catch-all `*{name}` must be the last segment of the pattern"
            ));
        } else {
            pieces.push(Piece::CatchAll(name));
        }
        start = name_end;
        i = name_end;
    }
    if start < bytes.len() {
        pieces.push(Piece::Static(&pattern[start..]));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::{parse, Piece::*};

    #[test]
    fn valid_patterns_split_into_pieces() {
        let table: &[(&str, &[super::Piece<'_>])] = &[
            ("/", &[Static("/")]),
            ("/users", &[Static("/users")]),
            ("/users/:id", &[Static("/users/"), Param("id")]),
            (
                "/users/:id/files",
                &[Static("/users/"), Param("id"), Static("/files")],
            ),
            ("/id:id", &[Static("/id"), Param("id")]),
            (
                "/:a/:b",
                &[Static("/"), Param("a"), Static("/"), Param("b")],
            ),
            ("/src/*filepath", &[Static("/src/"), CatchAll("filepath")]),
            ("/*x", &[Static("/"), CatchAll("x")]),
            ("/:id.json", &[Static("/"), Param("id.json")]),
            ("/é/:ü", &[Static("/é/"), Param("ü")]),
        ];
        for (pattern, expected) in table {
            assert_eq!(parse(pattern).as_deref(), Ok(*expected), "{pattern}");
        }
    }

    #[test]
    fn invalid_patterns_say_why() {
        let table = [
            ("", "empty"),
            ("users", "must begin with '/'"),
            (":id", "must begin with '/'"),
            ("/user:", "has no name"),
            ("/user:/", "has no name"),
            ("/cmd/:/", "has no name"),
            ("/src/*", "has no name"),
            ("/:foo:bar", "one parameter or catch-all"),
            ("/:foo:bar/", "one parameter or catch-all"),
            ("/:foo*bar", "one parameter or catch-all"),
            ("/src/*a*b", "one parameter or catch-all"),
            ("/src2*filepath", "directly follow a '/'"),
            ("/src/*filepath/x", "last segment"),
            ("/:id/:id", "used twice"),
            ("/:id/*id", "used twice"),
        ];
        for (pattern, reason) in table {
            let err = parse(pattern).expect_err(pattern);
            assert!(err.contains(reason), "{pattern}: {err}");
        }
    }
}
