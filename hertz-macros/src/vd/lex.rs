//! Tokens of Hertz's `vd` expression language (go-tagexpr syntax).

/// One token, with the 1-based column (in chars) where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) col: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Dollar,
    LParen,
    RParen,
    Comma,
    Semi,
    Colon,
    /// An operator: `== != < <= > >= && || ! + - * / %`.
    Op(&'static str),
    /// A number literal, as written.
    Num(String),
    /// A string literal's contents (quotes removed, `\'` / `\"` unescaped).
    Str(String),
    Ident(String),
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Dollar => "`$`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Semi => "`;`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Op(op) => format!("`{op}`"),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Ident(i) => format!("`{i}`"),
            Tok::Eof => "end of expression".into(),
        }
    }
}

const OPS: [&str; 14] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%",
];

/// Splits `src` into tokens, ending with [`Tok::Eof`].
///
/// Inside a string literal only a backslash before the closing quote
/// character is an escape; every other backslash is kept, so regular
/// expressions like `'^\d+$'` need no doubling.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let single = match c {
            '$' => Some(Tok::Dollar),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            ';' => Some(Tok::Semi),
            ':' => Some(Tok::Colon),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
        } else if let Some(kind) = single {
            out.push(Token { kind, col });
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(format!("unterminated string starting at column {col}")),
                    Some(&q) if q == c => break,
                    Some('\\') if chars.get(j + 1) == Some(&c) => {
                        s.push(c);
                        j += 2;
                    }
                    Some(&other) => {
                        s.push(other);
                        j += 1;
                    }
                }
            }
            out.push(Token {
                kind: Tok::Str(s),
                col,
            });
            i = j + 1;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if matches!(chars.get(j), Some('e' | 'E')) {
                let mut k = j + 1;
                if matches!(chars.get(k), Some('+' | '-')) {
                    k += 1;
                }
                if chars.get(k).is_some_and(|d| d.is_ascii_digit()) {
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            if chars
                .get(j)
                .is_some_and(|d| d.is_alphanumeric() || *d == '_')
            {
                return Err(format!(
                    "invalid number `{}` at column {col}",
                    chars[i..=j].iter().collect::<String>()
                ));
            }
            out.push(Token {
                kind: Tok::Num(chars[i..j].iter().collect()),
                col,
            });
            i = j;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            out.push(Token {
                kind: Tok::Ident(chars[i..j].iter().collect()),
                col,
            });
            i = j;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            match OPS.iter().find(|op| rest.starts_with(**op)) {
                Some(op) => {
                    out.push(Token {
                        kind: Tok::Op(op),
                        col,
                    });
                    i += op.len();
                }
                None => return Err(format!("unexpected character `{c}` at column {col}")),
            }
        }
    }
    out.push(Token {
        kind: Tok::Eof,
        col: chars.len() + 1,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            kinds("$>=1.5&&!len($)"),
            vec![
                Tok::Dollar,
                Tok::Op(">="),
                Tok::Num("1.5".into()),
                Tok::Op("&&"),
                Tok::Op("!"),
                Tok::Ident("len".into()),
                Tok::LParen,
                Tok::Dollar,
                Tok::RParen,
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds(r"'a\'b\d'"),
            vec![Tok::Str(r"a'b\d".into()), Tok::Eof]
        );
        assert_eq!(
            kinds("\"x\" 1e3"),
            vec![Tok::Str("x".into()), Tok::Num("1e3".into()), Tok::Eof]
        );
    }

    #[test]
    fn errors() {
        assert!(lex("'abc").unwrap_err().contains("unterminated string"));
        assert!(lex("$ # 1")
            .unwrap_err()
            .contains("unexpected character `#` at column 3"));
        assert!(lex("12ab").unwrap_err().contains("invalid number"));
        assert!(lex("a = 1").unwrap_err().contains("`=`"));
    }
}
