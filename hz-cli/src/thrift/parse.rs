//! One Thrift file's text to pilota's items, with syntax errors located.
//!
//! We run pilota-thrift-parser's item grammar ourselves (the same one its `FileParser`
//! runs) because `FileParser` returns errors as formatted text only; here chumsky's error
//! keeps its byte span, from which we print `file:line:column` and the offending token.

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
        let expected: Vec<String> = err
            .expected()
            .map(|p| p.to_string())
            .filter(|p| !p.contains("whitespace"))
            .take(6)
            .collect();
        let hint = if expected.is_empty() {
            String::new()
        } else {
            format!(" (expected {})", expected.join(", "))
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
