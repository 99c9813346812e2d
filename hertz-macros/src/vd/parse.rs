//! `vd` expression grammar, loosest binding first:
//!
//! ```text
//! rule    = or [ ";" "msg" ":" string ] EOF
//! or      = and { "||" and }
//! and     = cmp { "&&" cmp }
//! cmp     = sum [ ("=="|"!="|"<"|"<="|">"|">=") sum ]
//! sum     = product { ("+"|"-") product }
//! product = unary { ("*"|"/"|"%") unary }
//! unary   = ("!"|"-") unary | primary
//! primary = number | string | "true" | "false" | "$" | "(" ident ")" "$"
//!         | "(" or ")" | ident "(" [ or { "," or } ] ")"
//! ```

use super::lex::{Tok, Token};

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    /// `$`: the field being validated.
    This,
    /// `(name)$`: another field of the struct.
    Field {
        name: String,
        col: usize,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>, usize),
    Call {
        name: String,
        args: Vec<Expr>,
        col: usize,
    },
}

/// A parsed rule: the expression and an inline `; msg:'…'`, if any.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) expr: Expr,
    pub(crate) msg: Option<String>,
}

pub(crate) fn parse(tokens: &[Token]) -> Result<Rule, String> {
    let mut p = Parser { tokens, pos: 0 };
    let expr = p.or()?;
    let mut msg = None;
    if p.peek() == &Tok::Semi {
        p.pos += 1;
        match p.next().kind.clone() {
            Tok::Ident(i) if i == "msg" => {}
            _ => return Err(p.unexpected_prev("`msg` after `;`")),
        }
        if p.next().kind != Tok::Colon {
            return Err(p.unexpected_prev("`:` after `msg`"));
        }
        match p.next().kind.clone() {
            Tok::Str(s) => msg = Some(s),
            _ => return Err(p.unexpected_prev("a quoted message after `msg:`")),
        }
    }
    if p.peek() != &Tok::Eof {
        return Err(p.unexpected("an operator or end of expression"));
    }
    Ok(Rule { expr, msg })
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].kind
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].kind
    }

    fn next(&mut self) -> &Token {
        let t = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        self.pos += 1;
        t
    }

    fn col(&self) -> usize {
        self.tokens[self.pos.min(self.tokens.len() - 1)].col
    }

    fn unexpected(&self, expected: &str) -> String {
        let t = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        format!(
            "unexpected {} at column {}, expected {expected}",
            t.kind.describe(),
            t.col
        )
    }

    fn unexpected_prev(&self, expected: &str) -> String {
        let t = &self.tokens[(self.pos - 1).min(self.tokens.len() - 1)];
        format!(
            "unexpected {} at column {}, expected {expected}",
            t.kind.describe(),
            t.col
        )
    }

    fn eat_op(&mut self, ops: &[&'static str]) -> Option<(&'static str, usize)> {
        match self.peek() {
            Tok::Op(op) if ops.contains(op) => {
                let op = *op;
                let col = self.col();
                self.pos += 1;
                Some((op, col))
            }
            _ => None,
        }
    }

    fn binary_chain(
        &mut self,
        ops: &[&'static str],
        next: fn(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        let mut lhs = next(self)?;
        while let Some((op, col)) = self.eat_op(ops) {
            let rhs = next(self)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), col);
        }
        Ok(lhs)
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.binary_chain(&["||"], Self::and)
    }

    fn and(&mut self) -> Result<Expr, String> {
        self.binary_chain(&["&&"], Self::cmp)
    }

    fn cmp(&mut self) -> Result<Expr, String> {
        const CMP: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];
        let lhs = self.sum()?;
        let Some((op, col)) = self.eat_op(&CMP) else {
            return Ok(lhs);
        };
        let rhs = self.sum()?;
        if let Tok::Op(next) = self.peek() {
            if CMP.contains(next) {
                return Err(format!(
                    "comparisons cannot be chained (second `{next}` at column {}); use `&&`",
                    self.col()
                ));
            }
        }
        Ok(Expr::Binary(op, Box::new(lhs), Box::new(rhs), col))
    }

    fn sum(&mut self) -> Result<Expr, String> {
        self.binary_chain(&["+", "-"], Self::product)
    }

    fn product(&mut self) -> Result<Expr, String> {
        self.binary_chain(&["*", "/", "%"], Self::unary)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat_op(&["!"]).is_some() {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat_op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let col = self.col();
        match self.peek().clone() {
            Tok::Num(n) => {
                self.pos += 1;
                number(&n, col)
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::Str(s))
            }
            Tok::Dollar => {
                self.pos += 1;
                Ok(Expr::This)
            }
            Tok::LParen => {
                if let (Tok::Ident(name), Tok::RParen, Tok::Dollar) =
                    (self.peek_at(1), self.peek_at(2), self.peek_at(3))
                {
                    let name = name.clone();
                    self.pos += 4;
                    return Ok(Expr::Field { name, col: col + 1 });
                }
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != &Tok::RParen {
                    return Err(self.unexpected("`)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::Ident(name) => {
                self.pos += 1;
                match name.as_str() {
                    "true" => return Ok(Expr::Bool(true)),
                    "false" => return Ok(Expr::Bool(false)),
                    "nil" => {
                        return Err(format!(
                            "`nil` (column {col}) is not supported: an Option field is validated \
                             only when present; use `required` to reject an absent value"
                        ))
                    }
                    _ => {}
                }
                if self.peek() != &Tok::LParen {
                    return Err(format!(
                        "unexpected `{name}` at column {col}: a bare name is not a value; \
                         use `$` for this field or `({name})$` for another field"
                    ));
                }
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() != &Tok::RParen {
                    loop {
                        args.push(self.or()?);
                        match self.peek() {
                            Tok::Comma => self.pos += 1,
                            Tok::RParen => break,
                            _ => return Err(self.unexpected("`,` or `)`")),
                        }
                    }
                }
                self.pos += 1;
                Ok(Expr::Call { name, args, col })
            }
            _ => Err(self.unexpected("a value")),
        }
    }
}

fn number(text: &str, col: usize) -> Result<Expr, String> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i128>() {
            return Ok(Expr::Int(i));
        }
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Expr::Float(f)),
        _ => Err(format!("number `{text}` at column {col} is out of range")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex::lex;
    use super::*;

    fn p(src: &str) -> Result<Rule, String> {
        parse(&lex(src)?)
    }

    #[test]
    fn precedence() {
        let r = p("$ > 1 && $ < 2 || !($ == 3)").unwrap();
        let Expr::Binary("||", lhs, rhs, _) = r.expr else {
            panic!("top is ||")
        };
        assert!(matches!(*lhs, Expr::Binary("&&", _, _, _)));
        assert!(matches!(*rhs, Expr::Not(_)));
        let r = p("mod($, 2) + 1 * 3 == 4").unwrap();
        let Expr::Binary("==", lhs, _, _) = r.expr else {
            panic!("top is ==")
        };
        assert!(matches!(*lhs, Expr::Binary("+", _, _, _)));
        assert_eq!(
            p("(other)$ != 'x'").unwrap().expr,
            Expr::Binary(
                "!=",
                Box::new(Expr::Field {
                    name: "other".into(),
                    col: 2
                }),
                Box::new(Expr::Str("x".into())),
                10
            )
        );
    }

    #[test]
    fn inline_msg() {
        let r = p("$>0; msg:'too small'").unwrap();
        assert_eq!(r.msg.as_deref(), Some("too small"));
    }

    #[test]
    fn errors_name_the_bad_token() {
        let rows = [
            (
                "$ >",
                "unexpected end of expression at column 4, expected a value",
            ),
            ("$ > > 1", "unexpected `>` at column 5, expected a value"),
            (
                "($ > 1",
                "unexpected end of expression at column 7, expected `)`",
            ),
            (
                "$ > 1)",
                "unexpected `)` at column 6, expected an operator or end of expression",
            ),
            ("1 < $ < 3", "comparisons cannot be chained"),
            ("$ == nil", "`nil` (column 6) is not supported"),
            ("foo > 1", "unexpected `foo` at column 1"),
            (
                "len($ 1)",
                "unexpected `1` at column 7, expected `,` or `)`",
            ),
            (
                "$>0; msg 'x'",
                "unexpected string 'x' at column 10, expected `:` after `msg`",
            ),
            ("$ > 1e999", "out of range"),
        ];
        for (src, want) in rows {
            let err = p(src).unwrap_err();
            assert!(err.contains(want), "{src}: {err}");
        }
    }
}
