//! Type-checks a parsed `vd` expression and emits the Rust code for it.
//!
//! Every sub-expression gets a static kind: a number (`Num` at run time), a
//! string (`&str`), a boolean, or a field reference whose type only rustc
//! knows. Field references are converted where the context needs a number,
//! string or boolean through the `Vd*` traits, so a rule that does not fit
//! the field's type fails to compile with a trait error on the field.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

use super::parse::Expr;

/// What the derive knows about the struct's fields, for `(name)$`.
pub(crate) struct FieldInfo {
    pub(crate) name: String,
    pub(crate) ident: syn::Member,
    pub(crate) optional: bool,
}

pub(crate) struct Gen<'a> {
    /// `<crate>::__private`.
    pub(crate) private: &'a TokenStream,
    pub(crate) fields: &'a [FieldInfo],
    /// The `vd = "…"` literal: type errors in the generated trait calls
    /// point here.
    pub(crate) span: proc_macro2::Span,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Num,
    Str,
    Bool,
    /// A reference to a field value (`&T`), type unknown here.
    Field,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Num => "a number",
            Kind::Str => "a string",
            Kind::Bool => "a boolean",
            Kind::Field => "a field",
        }
    }
}

struct Typed {
    code: TokenStream,
    kind: Kind,
}

impl Gen<'_> {
    /// Code for the whole rule: a `bool` expression in which `__v` is a
    /// reference to the validated field's (inner) value.
    pub(crate) fn rule(&self, e: &Expr) -> Result<TokenStream, String> {
        let t = self.expr(e)?;
        self.as_bool(t)
            .map_err(|_| "a vd expression must be a condition (true/false)".into())
    }

    fn expr(&self, e: &Expr) -> Result<Typed, String> {
        let p = self.private;
        Ok(match e {
            Expr::Int(i) => {
                let lit = Literal::i128_unsuffixed(*i);
                typed(quote!(#p::vd::Num::Int(#lit)), Kind::Num)
            }
            Expr::Float(f) => {
                let lit = Literal::f64_unsuffixed(*f);
                typed(quote!(#p::vd::Num::Float(#lit)), Kind::Num)
            }
            Expr::Str(s) => typed(quote!(#s), Kind::Str),
            Expr::Bool(b) => typed(quote!(#b), Kind::Bool),
            Expr::This => typed(quote_spanned!(self.span=> __v), Kind::Field),
            Expr::Field { name, col } => {
                let f = self
                    .fields
                    .iter()
                    .find(|f| &f.name == name)
                    .ok_or_else(|| {
                        format!("unknown field `{name}` in `({name})$` at column {col}")
                    })?;
                if f.optional {
                    return Err(format!(
                        "`({name})$` at column {col}: referring to an Option field is not supported"
                    ));
                }
                let ident = &f.ident;
                typed(quote_spanned!(self.span=> &self.#ident), Kind::Field)
            }
            Expr::Not(inner) => {
                let b = self.as_bool(self.expr(inner)?)?;
                typed(quote!((!#b)), Kind::Bool)
            }
            Expr::Neg(inner) => {
                let n = self.as_num(self.expr(inner)?)?;
                typed(quote!((-#n)), Kind::Num)
            }
            Expr::Binary(op, lhs, rhs, col) => self.binary(op, lhs, rhs, *col)?,
            Expr::Call { name, args, col } => self.call(name, args, *col)?,
        })
    }

    fn binary(&self, op: &str, lhs: &Expr, rhs: &Expr, col: usize) -> Result<Typed, String> {
        let a = self.expr(lhs)?;
        let b = self.expr(rhs)?;
        let op_ts: TokenStream = op.parse().map_err(|_| format!("bad operator `{op}`"))?;
        match op {
            "&&" | "||" => {
                let (a, b) = (self.as_bool(a)?, self.as_bool(b)?);
                Ok(typed(quote!((#a #op_ts #b)), Kind::Bool))
            }
            "+" | "-" | "*" | "/" | "%" => {
                if a.kind == Kind::Str || b.kind == Kind::Str {
                    return Err(format!("`{op}` at column {col} needs numbers, not strings"));
                }
                let (a, b) = (self.as_num(a)?, self.as_num(b)?);
                Ok(typed(quote!((#a #op_ts #b)), Kind::Num))
            }
            _ => self.compare(op, &op_ts, a, b, col),
        }
    }

    fn compare(
        &self,
        op: &str,
        op_ts: &TokenStream,
        a: Typed,
        b: Typed,
        col: usize,
    ) -> Result<Typed, String> {
        let p = self.private;
        let kinds = (a.kind, b.kind);
        let code = match kinds {
            (Kind::Field, Kind::Field) => {
                let (a, b) = (a.code, b.code);
                {
                    let cmp = quote_spanned!(self.span=> #p::vd::VdValue::vd_value(#a) #op_ts #p::vd::VdValue::vd_value(#b));
                    quote!((#cmp))
                }
            }
            (Kind::Num, Kind::Num | Kind::Field) | (Kind::Field, Kind::Num) => {
                let (a, b) = (self.as_num(a)?, self.as_num(b)?);
                quote!((#a #op_ts #b))
            }
            (Kind::Str, Kind::Str | Kind::Field) | (Kind::Field, Kind::Str) => {
                let (a, b) = (self.as_str(a)?, self.as_str(b)?);
                quote!((#a #op_ts #b))
            }
            (Kind::Bool, Kind::Bool | Kind::Field) | (Kind::Field, Kind::Bool) => {
                if op != "==" && op != "!=" {
                    return Err(format!(
                        "booleans cannot be ordered with `{op}` (column {col})"
                    ));
                }
                let (a, b) = (self.as_bool(a)?, self.as_bool(b)?);
                quote!((#a #op_ts #b))
            }
            (x, y) => {
                return Err(format!(
                    "cannot compare {} with {} using `{op}` (column {col})",
                    x.noun(),
                    y.noun()
                ))
            }
        };
        Ok(typed(code, Kind::Bool))
    }

    fn call(&self, name: &str, args: &[Expr], col: usize) -> Result<Typed, String> {
        let p = self.private;
        let arity = |min: usize, max: usize| -> Result<(), String> {
            if args.len() < min || args.len() > max {
                let want = if min == max {
                    format!("{min}")
                } else if max == usize::MAX {
                    format!("at least {min}")
                } else {
                    format!("{min} or {max}")
                };
                return Err(format!(
                    "`{name}` at column {col} takes {want} argument(s), got {}",
                    args.len()
                ));
            }
            Ok(())
        };
        match name {
            "len" | "mblen" => {
                arity(1, 1)?;
                let x = self.expr(&args[0])?;
                let code = match (x.kind, name) {
                    (Kind::Field, "len") => {
                        let c = x.code;
                        quote_spanned!(self.span=> #p::vd::Num::from_len(#p::vd::VdLen::vd_len(#c)))
                    }
                    (Kind::Field, _) => {
                        let c = x.code;
                        quote_spanned!(self.span=> #p::vd::Num::from_len(#p::vd::VdLen::vd_mblen(#c)))
                    }
                    (Kind::Str, "len") => {
                        let c = x.code;
                        quote!(#p::vd::Num::from_len(str::len(#c)))
                    }
                    (Kind::Str, _) => {
                        let c = x.code;
                        quote!(#p::vd::Num::from_len(str::chars(#c).count()))
                    }
                    (k, _) => return Err(format!("`{name}` at column {col} needs a string or collection, not {}", k.noun())),
                };
                Ok(typed(code, Kind::Num))
            }
            "regexp" => {
                arity(1, 2)?;
                let Expr::Str(pattern) = &args[0] else {
                    return Err(format!("`regexp` at column {col} needs a quoted pattern as its first argument"));
                };
                if let Err(e) = regex::Regex::new(pattern) {
                    let first = e.to_string();
                    let first = first.lines().last().unwrap_or("invalid pattern").trim();
                    let first = first.strip_prefix("error: ").unwrap_or(first);
                    return Err(format!("invalid regexp pattern '{pattern}' at column {col}: {first}"));
                }
                let subject = match args.get(1) {
                    Some(x) => self.as_str(self.expr(x)?)?,
                    None => self.as_str(typed(quote!(__v), Kind::Field))?,
                };
                let code = quote!({
                    static __HERTZ_RE: #p::LazyLock<::core::option::Option<#p::regex::Regex>> =
                        #p::LazyLock::new(|| #p::regex::Regex::new(#pattern).ok());
                    #p::vd::is_match(&__HERTZ_RE, #subject)
                });
                Ok(typed(code, Kind::Bool))
            }
            "email" => {
                arity(1, 1)?;
                let s = self.as_str(self.expr(&args[0])?)?;
                Ok(typed(quote!(#p::vd::email(#s)), Kind::Bool))
            }
            "mod" => {
                arity(2, 2)?;
                let a = self.as_num(self.expr(&args[0])?)?;
                let b = self.as_num(self.expr(&args[1])?)?;
                Ok(typed(quote!((#a % #b)), Kind::Num))
            }
            "in" => {
                arity(2, usize::MAX)?;
                let mut alternatives = Vec::new();
                for candidate in &args[1..] {
                    let eq = Expr::Binary("==", Box::new(args[0].clone()), Box::new(candidate.clone()), col);
                    alternatives.push(self.expr(&eq)?.code);
                }
                Ok(typed(quote!((#(#alternatives)||*)), Kind::Bool))
            }
            _ => Err(format!(
                "unknown function `{name}` at column {col}; supported: len, mblen, regexp, in, mod, email"
            )),
        }
    }

    fn as_num(&self, t: Typed) -> Result<TokenStream, String> {
        let p = self.private;
        let c = t.code;
        match t.kind {
            Kind::Num => Ok(c),
            Kind::Field => Ok(quote_spanned!(self.span=> #p::vd::VdNum::vd_num(#c))),
            k => Err(format!("expected a number, found {}", k.noun())),
        }
    }

    fn as_str(&self, t: Typed) -> Result<TokenStream, String> {
        let p = self.private;
        let c = t.code;
        match t.kind {
            Kind::Str => Ok(c),
            Kind::Field => Ok(quote_spanned!(self.span=> #p::vd::VdStr::vd_str(#c))),
            k => Err(format!("expected a string, found {}", k.noun())),
        }
    }

    fn as_bool(&self, t: Typed) -> Result<TokenStream, String> {
        let p = self.private;
        let c = t.code;
        match t.kind {
            Kind::Bool => Ok(c),
            Kind::Field => Ok(quote_spanned!(self.span=> #p::vd::VdBool::vd_bool(#c))),
            k => Err(format!("expected a condition, found {}", k.noun())),
        }
    }
}

fn typed(code: TokenStream, kind: Kind) -> Typed {
    Typed { code, kind }
}
