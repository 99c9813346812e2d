//! Parsing of `#[hertz(...)]` on the struct (`crate = "…"`) and on fields
//! (sources, `default`, `required`, `vd`, `msg`, `raw_body`, `none`).

use proc_macro2::Span;
use syn::{Attribute, LitStr, Token};

/// The sources a field may be bound from, named after Hertz's tags.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SourceKind {
    Path,
    Query,
    Header,
    Cookie,
    Form,
    Json,
}

impl SourceKind {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "path" => SourceKind::Path,
            "query" => SourceKind::Query,
            "header" => SourceKind::Header,
            "cookie" => SourceKind::Cookie,
            "form" => SourceKind::Form,
            "json" => SourceKind::Json,
            _ => return None,
        })
    }

    /// The `hertz_binding::Source` variant name.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            SourceKind::Path => "Path",
            SourceKind::Query => "Query",
            SourceKind::Header => "Header",
            SourceKind::Cookie => "Cookie",
            SourceKind::Form => "Form",
            SourceKind::Json => "Json",
        }
    }
}

/// One `source = "key"` entry.
#[derive(Clone, Debug)]
pub(crate) struct SourceSpec {
    pub(crate) kind: SourceKind,
    pub(crate) key: String,
    pub(crate) span: Span,
}

/// Everything `#[hertz(...)]` says about one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) sources: Vec<SourceSpec>,
    pub(crate) raw_body: Option<Span>,
    pub(crate) none: Option<Span>,
    pub(crate) required: Option<Span>,
    pub(crate) default: Option<LitStr>,
    pub(crate) vd: Option<LitStr>,
    pub(crate) msg: Option<LitStr>,
}

const FIELD_KEYS: &str =
    "path, query, header, cookie, form, json, raw_body, none, default, required, vd, msg";

impl FieldAttrs {
    /// Reads every `#[hertz(...)]` on a field; `name` is the field's name,
    /// the key for sources given without `= "…"`.
    pub(crate) fn parse(attrs: &[Attribute], name: &str) -> syn::Result<Self> {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("hertz")) {
            attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                let span = meta
                    .path
                    .get_ident()
                    .map_or_else(Span::call_site, |i| i.span());
                if let Some(kind) = SourceKind::from_name(&key) {
                    let source_key = if meta.input.peek(Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        if lit.value().is_empty() {
                            return Err(syn::Error::new(
                                lit.span(),
                                "source key must not be empty",
                            ));
                        }
                        lit.value()
                    } else {
                        name.to_owned()
                    };
                    if !out
                        .sources
                        .iter()
                        .any(|s| s.kind == kind && s.key == source_key)
                    {
                        out.sources.push(SourceSpec {
                            kind,
                            key: source_key,
                            span,
                        });
                    }
                    return Ok(());
                }
                let flag = |slot: &mut Option<Span>| -> syn::Result<()> {
                    if meta.input.peek(Token![=]) {
                        return Err(meta.error(format!("`{key}` takes no value")));
                    }
                    *slot = Some(span);
                    Ok(())
                };
                match key.as_str() {
                    "raw_body" => flag(&mut out.raw_body),
                    "none" => flag(&mut out.none),
                    "required" => flag(&mut out.required),
                    "default" | "vd" | "msg" => {
                        let lit: LitStr = meta.value()?.parse()?;
                        let slot = match key.as_str() {
                            "default" => &mut out.default,
                            "vd" => &mut out.vd,
                            _ => &mut out.msg,
                        };
                        if slot.is_some() {
                            return Err(meta.error(format!("`{key}` given twice")));
                        }
                        *slot = Some(lit);
                        Ok(())
                    }
                    _ => Err(meta.error(format!(
                        "unknown hertz attribute `{}`; expected one of: {FIELD_KEYS}",
                        path_text(&meta.path)
                    ))),
                }
            })?;
        }
        Ok(out)
    }
}

/// The struct-level `#[hertz(crate = "…")]`.
pub(crate) fn parse_crate_path(attrs: &[Attribute]) -> syn::Result<syn::Path> {
    let mut path: Option<syn::Path> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("hertz")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                path = Some(lit.parse()?);
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown struct-level hertz attribute `{}`; expected `crate = \"path\"`",
                    path_text(&meta.path)
                )))
            }
        })?;
    }
    Ok(path.unwrap_or_else(|| syn::parse_quote!(::hertz_core::binding)))
}

fn path_text(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}
