//! Syntactic classification of field types. The derive cannot see through
//! type aliases: `Option<T>`, `Vec<T>` and `FilePart` are recognised by the
//! last path segment's name.

use syn::{GenericArgument, PathArguments, Type};

/// How a field's type shapes its binding.
pub(crate) struct Shape<'a> {
    /// The field is `Option<Inner>`.
    pub(crate) optional: bool,
    /// The type a lookup produces: the field type, or `T` of `Option<T>`.
    pub(crate) inner: &'a Type,
    /// `Some(E)` when `inner` is `Vec<E>`: every value of a key is collected.
    pub(crate) elem: Option<&'a Type>,
    /// The value (or element) is an uploaded `FilePart`.
    pub(crate) file: bool,
}

impl<'a> Shape<'a> {
    pub(crate) fn of(ty: &'a Type) -> Self {
        let (optional, inner) = match generic_arg(ty, "Option") {
            Some(inner) => (true, inner),
            None => (false, ty),
        };
        let elem = generic_arg(inner, "Vec");
        let file = last_ident_is(elem.unwrap_or(inner), "FilePart");
        Shape {
            optional,
            inner,
            elem,
            file,
        }
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn last_ident_is(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name)
}

/// `T` if `ty` is `Name<T>`.
fn generic_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let seg = last_segment(ty)?;
    if seg.ident != name {
        return None;
    }
    match &seg.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// For a `default = "…"` on a field whose value type is a well-known
/// primitive, checks the text the way `FromValue` will, so a typo is a
/// compile error. `Ok(())` for types it does not know (checked at run time).
pub(crate) fn check_default(inner: &Type, text: &str) -> Result<(), String> {
    let Some(seg) = last_segment(inner) else {
        return Ok(());
    };
    if !matches!(seg.arguments, PathArguments::None) {
        return Ok(());
    }
    fn parse<T: std::str::FromStr>(s: &str) -> Result<(), String>
    where
        T::Err: std::fmt::Display,
    {
        s.parse::<T>().map(|_| ()).map_err(|e| e.to_string())
    }
    let name = seg.ident.to_string();
    match name.as_str() {
        "i8" => parse::<i8>(text),
        "i16" => parse::<i16>(text),
        "i32" => parse::<i32>(text),
        "i64" => parse::<i64>(text),
        "i128" => parse::<i128>(text),
        "isize" => parse::<i64>(text),
        "u8" => parse::<u8>(text),
        "u16" => parse::<u16>(text),
        "u32" => parse::<u32>(text),
        "u64" => parse::<u64>(text),
        "u128" => parse::<u128>(text),
        "usize" => parse::<u64>(text),
        "f32" => parse::<f32>(text),
        "f64" => parse::<f64>(text),
        "bool" => match text {
            "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false"
            | "False" => Ok(()),
            _ => Err("invalid boolean (expected true/false/1/0)".to_owned()),
        },
        "char" => match text.chars().count() {
            1 => Ok(()),
            _ => Err("expected exactly one character".to_owned()),
        },
        _ => Ok(()),
    }
    .map_err(|e| format!("invalid default for `{name}`: {e}"))
}

/// Whether `ty` names any of `params` (so the impl needs a bound on it).
pub(crate) fn mentions(ty: &Type, params: &[syn::Ident]) -> bool {
    fn walk(ts: proc_macro2::TokenStream, params: &[syn::Ident]) -> bool {
        ts.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => params.contains(&i),
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(quote::quote!(#ty), params)
}
