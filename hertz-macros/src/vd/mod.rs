//! Compiling Hertz `vd` validation expressions to Rust at macro time:
//! [`lex`] → [`parse`] → [`gen`].

pub(crate) mod gen;
pub(crate) mod lex;
pub(crate) mod parse;

use proc_macro2::TokenStream;

/// A compiled rule.
pub(crate) struct Compiled {
    /// A `bool` expression over `__v` (a reference to the field's value).
    pub(crate) check: TokenStream,
    /// The inline `; msg:'…'`, if the rule had one.
    pub(crate) msg: Option<String>,
    /// The expression text without the inline message, for the default
    /// failure message.
    pub(crate) text: String,
}

/// Compiles `src`; the error string names the bad token and its column.
pub(crate) fn compile(src: &str, gen: &gen::Gen<'_>) -> Result<Compiled, String> {
    let tokens = lex::lex(src)?;
    let rule = parse::parse(&tokens)?;
    let check = gen.rule(&rule.expr)?;
    let text = match tokens.iter().find(|t| t.kind == lex::Tok::Semi) {
        Some(semi) if rule.msg.is_some() => src.chars().take(semi.col - 1).collect::<String>(),
        _ => src.to_owned(),
    };
    Ok(Compiled {
        check,
        msg: rule.msg,
        text: text.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::gen::{FieldInfo, Gen};
    use super::*;

    fn compile_err(src: &str) -> String {
        let private = quote::quote!(::x::__private);
        let fields = [
            FieldInfo {
                name: "age".into(),
                ident: syn::parse_quote!(age),
                optional: false,
            },
            FieldInfo {
                name: "nick".into(),
                ident: syn::parse_quote!(nick),
                optional: true,
            },
        ];
        let gen = Gen {
            private: &private,
            fields: &fields,
            span: proc_macro2::Span::call_site(),
        };
        match compile(src, &gen) {
            Ok(_) => panic!("`{src}` should not compile"),
            Err(e) => e,
        }
    }

    #[test]
    fn type_errors_are_explained() {
        let rows = [
            ("$ + 'a' > 1", "`+` at column 3 needs numbers, not strings"),
            (
                "1 == 'a'",
                "cannot compare a number with a string using `==` (column 3)",
            ),
            ("true < $", "booleans cannot be ordered with `<` (column 6)"),
            ("(nope)$ > 1", "unknown field `nope`"),
            (
                "(nick)$ == 'x'",
                "referring to an Option field is not supported",
            ),
            ("phone($)", "unknown function `phone` at column 1"),
            (
                "len($, 1) > 0",
                "`len` at column 1 takes 1 argument(s), got 2",
            ),
            (
                "in($)",
                "`in` at column 1 takes at least 2 argument(s), got 1",
            ),
            ("regexp($)", "needs a quoted pattern"),
            ("len(1) > 0", "needs a string or collection, not a number"),
            ("$ + 1", "must be a condition"),
            ("!'x'", "expected a condition, found a string"),
        ];
        for (src, want) in rows {
            let err = compile_err(src);
            assert!(err.contains(want), "{src}: {err}");
        }
    }

    #[test]
    fn inline_msg_is_split_off_the_text() {
        let private = quote::quote!(::x::__private);
        let gen = Gen {
            private: &private,
            fields: &[],
            span: proc_macro2::Span::call_site(),
        };
        let c = compile("$ > 0 ; msg:'positive; please'", &gen).unwrap();
        assert_eq!(c.text, "$ > 0");
        assert_eq!(c.msg.as_deref(), Some("positive; please"));
        let c = compile("regexp(';')", &gen).unwrap();
        assert_eq!((c.text.as_str(), c.msg), ("regexp(';')", None));
    }
}
