//! IDL names to Rust names: `HelloMethod` → `hello_method`, `hello_req` → `HelloReq`,
//! `Male` → `MALE`, and keywords escaped, so generated code is free of naming lints.

/// Rust's strict and reserved keywords (2021 edition): a name equal to one gets `r#`.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Splits `HelloMethod`, `hello_method`, `helloHTTPMethod2` into lower-case words.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if ch.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // A new word starts at `aB` and at the last capital of `HTTPServer`.
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `snake_case`, not yet escaped (for module file names and handler names).
pub(crate) fn snake(name: &str) -> String {
    let s = words(name).join("_");
    if s.is_empty() {
        return "x".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("_{s}");
    }
    s
}

/// `PascalCase` for types.
pub(crate) fn pascal(name: &str) -> String {
    let s: String = words(name)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("T{s}");
    }
    s
}

/// `SCREAMING_SNAKE_CASE` for enum constants.
pub(crate) fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// A snake-case identifier usable as a field, function or variable name.
pub(crate) fn ident(name: &str) -> String {
    escape(snake(name))
}

/// A module name: keywords cannot be raw in `mod` file names, so they get a `_` suffix.
pub(crate) fn module(name: &str) -> String {
    let s = snake(name);
    if KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

fn escape(s: String) -> String {
    if matches!(s.as_str(), "self" | "Self" | "super" | "crate") {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The name a Rust field is known by in serde and `#[hertz]` (without `r#`).
pub(crate) fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Whether `s` is a plain identifier (the check for module directory names).
pub(crate) fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let rows = [
            ("HelloMethod", "hello_method", "HelloMethod", "HELLO_METHOD"),
            ("hello_req", "hello_req", "HelloReq", "HELLO_REQ"),
            (
                "getHTTPServer",
                "get_http_server",
                "GetHttpServer",
                "GET_HTTP_SERVER",
            ),
            ("v2Thing", "v2_thing", "V2Thing", "V2_THING"),
            ("X", "x", "X", "X"),
            ("MALE", "male", "Male", "MALE"),
        ];
        for (input, s, p, u) in rows {
            assert_eq!(snake(input), s, "{input}");
            assert_eq!(pascal(input), p, "{input}");
            assert_eq!(screaming(input), u, "{input}");
        }
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        assert_eq!(module("mod"), "mod_");
        assert_eq!(unraw("r#type"), "type");
        assert!(is_plain_ident("biz") && !is_plain_ident("9x") && !is_plain_ident("a-b"));
    }
}
