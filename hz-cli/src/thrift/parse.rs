//! One Thrift file's text to pilota's items, with syntax errors located.
//!
//! We run pilota-thrift-parser's item grammar ourselves (the same one its `FileParser`
//! runs) because `FileParser` returns errors as formatted text only; here chumsky's error
//! keeps its byte span, from which we print `file:line:column` and the offending token.

use chumsky::error::RichPattern;
use chumsky::prelude::*;
use pilota_thrift_parser::{Components, Item};

use crate::error::{Error, ErrorKind, Result};
use crate::location::{token_at, Location};

/// Parses `text` (read from `file`, the name used in messages).
pub(crate) fn parse(file: &str, text: &str) -> Result<Vec<Item>> {
    let grammar = Item::parse()
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(Components::comment().repeated())
        .then_ignore(Components::blank().or_not())
        .then_ignore(end());
    let (items, errors) = grammar.parse(text).into_output_errors();
    // chumsky reports the error that got furthest first among alternatives; the first
    // error in the text is the one to fix first.
    if let Some(err) = errors.iter().min_by_key(|e| e.span().start) {
        let offset = err.span().start;
        let at = Location::at(file, text, offset);
        let token = token_at(text, offset);
        // chumsky lists every character a blank or a comment could start with; only
        // named constructs and significant punctuation help the reader.
        let mut expected: Vec<String> = Vec::new();
        for p in err.expected() {
            let text = match p {
                RichPattern::Label(l) => l.to_string(),
                RichPattern::Identifier(i) => format!("`{i}`"),
                RichPattern::EndOfInput => "end of file".to_owned(),
                RichPattern::Token(t) => match **t {
                    c if c.is_whitespace() || matches!(c, '/' | '#' | '\'') => continue,
                    c => format!("`{c}`"),
                },
                _ => continue,
            };
            if !expected.contains(&text) {
                expected.push(text);
            }
        }
        let hint = if expected.is_empty() || expected.len() > 6 {
            String::new()
        } else {
            format!(" (expected {})", expected.join(" or "))
        };
        return Err(Error::new(
            ErrorKind::Syntax,
            format!("{at}: syntax error: unexpected `{token}`{hint}"),
        ));
    }
    Ok(items.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_file_parses() {
        let items = parse(
            "a.thrift",
            "namespace go a\nstruct R { 1: string n (api.query = \"n\") }\nservice S { R M(1: R r) (api.get = \"/m\") }\n",
        )
        .unwrap();
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn syntax_error_names_line_column_and_token() {
        let err = parse("a.thrift", "struct R {\n  1: string n\n  2 string m\n}\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Syntax);
        let msg = err.to_string();
        assert!(msg.starts_with("a.thrift:3:"), "{msg}");
        assert!(msg.contains("unexpected `"), "{msg}");
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    /// Every prefix of a real IDL, and every position overwritten with a troublesome
    /// character, parses or fails with a located error — never panics.
    #[test]
    fn truncated_and_mangled_input_never_panics() {
        let text = include_str!("../../tests/idl/thrift/hello.thrift");
        // Every 3rd prefix and every 11th position keep a debug run to a few seconds.
        let cuts = (0..=text.len())
            .step_by(3)
            .filter(|&i| text.is_char_boundary(i));
        for cut in cuts {
            if let Err(e) = parse("t.thrift", &text[..cut]) {
                assert!(e.to_string().starts_with("t.thrift:"), "{e}");
            }
        }
        for (i, _) in text.char_indices().step_by(11) {
            for c in ['{', '"', ')', '\u{e9}', '\0'] {
                let mut mangled = text.to_owned();
                let len = mangled[i..].chars().next().map_or(0, char::len_utf8);
                mangled.replace_range(i..i + len, &c.to_string());
                let _ = parse("t.thrift", &mangled);
            }
        }
    }
}
