//! Code generation for `#[derive(Bind)]`: one `Bind` impl (a lookup chain
//! per field) and one `Validate` impl (the compiled `vd` rules).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Type};

use crate::attr::{self, FieldAttrs, SourceKind, SourceSpec};
use crate::ty::{self, Shape};
use crate::vd;

/// One field, with its attributes resolved and checked.
struct Plan<'a> {
    member: syn::Member,
    name: String,
    ty: &'a Type,
    shape: Shape<'a>,
    attrs: FieldAttrs,
    /// Lookup order (defaults filled in).
    sources: Vec<SourceSpec>,
}

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let krate = attr::parse_crate_path(&input.attrs)?;
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            Fields::Unit => &syn::punctuated::Punctuated::new(),
            Fields::Unnamed(_) => {
                return Err(syn::Error::new_spanned(
                    &input.ident,
                    "derive(Bind) needs named fields: each field is bound by name",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "derive(Bind) supports structs only",
            ))
        }
    };

    let mut plans = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for field in named {
        let Some(ident) = &field.ident else { continue };
        let name = ident.to_string().trim_start_matches("r#").to_owned();
        match plan(field, ident, name) {
            Ok(p) => plans.push(p),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }

    let bind = bind_impl(input, &krate, &plans);
    let validate = validate_impl(input, &krate, &plans)?;
    Ok(quote!(#bind #validate))
}

fn plan<'a>(field: &'a syn::Field, ident: &syn::Ident, name: String) -> syn::Result<Plan<'a>> {
    let attrs = FieldAttrs::parse(&field.attrs, &name)?;
    let shape = Shape::of(&field.ty);
    let err = |span: Span, msg: &str| Err(syn::Error::new(span, msg));

    if let Some(span) = attrs.none {
        if !attrs.sources.is_empty()
            || attrs.raw_body.is_some()
            || attrs.default.is_some()
            || attrs.required.is_some()
        {
            return err(
                span,
                "`none` cannot be combined with sources, raw_body, default or required",
            );
        }
    }
    if let Some(span) = attrs.raw_body {
        if !attrs.sources.is_empty() || attrs.default.is_some() {
            return err(
                span,
                "`raw_body` cannot be combined with other sources or default",
            );
        }
    }
    if let (Some(d), Some(_)) = (&attrs.default, attrs.required) {
        return err(d.span(), "`default` and `required` contradict each other");
    }
    if let Some(d) = &attrs.default {
        if shape.elem.is_some() || shape.file {
            return err(
                d.span(),
                "`default` is not supported on Vec or FilePart fields",
            );
        }
        if let Err(msg) = ty::check_default(shape.inner, &d.value()) {
            return err(d.span(), &msg);
        }
    }
    if let (Some(m), None) = (&attrs.msg, &attrs.vd) {
        return err(m.span(), "`msg` has no effect without `vd`");
    }

    let mut sources = attrs.sources.clone();
    if sources.is_empty() && attrs.raw_body.is_none() && attrs.none.is_none() {
        let span = ident.span();
        let kinds: &[SourceKind] = if shape.file {
            &[SourceKind::Form]
        } else {
            &[SourceKind::Query, SourceKind::Form, SourceKind::Json]
        };
        sources = kinds
            .iter()
            .map(|&kind| SourceSpec {
                kind,
                key: name.clone(),
                span,
            })
            .collect();
    }
    if shape.file {
        if let Some(s) = sources.iter().find(|s| s.kind != SourceKind::Form) {
            return err(
                s.span,
                "FilePart fields can only be bound from `form` (multipart)",
            );
        }
    }
    Ok(Plan {
        member: syn::Member::Named(ident.clone()),
        name,
        ty: &field.ty,
        shape,
        attrs,
        sources,
    })
}

fn bind_impl(input: &DeriveInput, krate: &syn::Path, plans: &[Plan<'_>]) -> TokenStream {
    let p = quote!(#krate::__private);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();

    // One hidden struct member per distinct JSON key.
    let mut json_keys: Vec<&str> = Vec::new();
    for s in plans.iter().flat_map(|pl| &pl.sources) {
        if s.kind == SourceKind::Json && !json_keys.contains(&s.key.as_str()) {
            json_keys.push(&s.key);
        }
    }
    let json_ident = |key: &str| {
        let i = json_keys.iter().position(|k| *k == key).unwrap_or(0);
        format_ident!("__hertz_k{}", i)
    };
    let json_decl = if json_keys.is_empty() {
        quote!()
    } else {
        let serde_path = format!("{}::serde", quote!(#p).to_string().replace(' ', ""));
        let members = json_keys.iter().map(|k| {
            let ident = json_ident(k);
            quote! {
                #[serde(rename = #k, borrow, default)]
                #ident: ::core::option::Option<#p::LazyValue<'__hertz>>,
            }
        });
        quote! {
            #[derive(#p::serde::Deserialize)]
            #[serde(crate = #serde_path)]
            #[allow(non_camel_case_types, dead_code)]
            struct __HertzJson<'__hertz> {
                #(#members)*
            }
            let __json: ::core::option::Option<__HertzJson<'_>> = __ctx.json()?;
        }
    };

    let mut lets = Vec::new();
    let mut inits = Vec::new();
    let mut bounds: Vec<TokenStream> = Vec::new();
    let params: Vec<syn::Ident> = input
        .generics
        .type_params()
        .map(|t| t.ident.clone())
        .collect();

    for (i, pl) in plans.iter().enumerate() {
        let var = format_ident!("__hertz_f{}", i);
        let member = &pl.member;
        let ty = pl.ty;
        let inner = pl.shape.inner;
        let fname = &pl.name;
        let generic = ty::mentions(ty, &params);
        inits.push(quote!(#member: #var));

        if pl.attrs.none.is_some() {
            lets.push(quote!(let #var: #ty = ::core::default::Default::default();));
            if generic {
                bounds.push(quote!(#ty: ::core::default::Default));
            }
            continue;
        }
        if pl.attrs.raw_body.is_some() {
            let required = pl.attrs.required.is_some();
            lets.push(quote!(let #var: #ty = __ctx.raw_body::<#ty>(#fname, #required)?;));
            if generic {
                bounds.push(quote!(#ty: #krate::FromBody));
            }
            continue;
        }

        let default_opt = match &pl.attrs.default {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        let lookups: Vec<TokenStream> = pl
            .sources
            .iter()
            .map(|s| {
                let key = &s.key;
                let variant = format_ident!("{}", s.kind.variant());
                match (s.kind, pl.shape.file, pl.shape.elem) {
                    (SourceKind::Json, _, _) => {
                        let k = json_ident(key);
                        if generic {
                            bounds.push(quote!(#inner: #p::serde::de::DeserializeOwned));
                        }
                        quote!(#p::json_field::<#inner>(__json.as_ref().and_then(|__j| __j.#k.as_ref()), #key)?)
                    }
                    (_, true, Some(_)) => quote!(__ctx.files(#key)?),
                    (_, true, None) => quote!(__ctx.file(#key)?),
                    (_, false, Some(elem)) => {
                        if generic {
                            bounds.push(quote!(#elem: #krate::FromValue));
                        }
                        quote!(__ctx.many::<#elem>(#krate::Source::#variant, #key)?)
                    }
                    (_, false, None) => {
                        if generic {
                            bounds.push(quote!(#inner: #krate::FromValue));
                        }
                        quote!(__ctx.one::<#inner>(#krate::Source::#variant, #key, #default_opt)?)
                    }
                }
            })
            .collect();

        let found = if lookups.len() == 1 {
            let only = &lookups[0];
            quote!(#only)
        } else {
            quote!('__hertz_lookup: {
                #(
                    if let ::core::option::Option::Some(__v) = #lookups {
                        break '__hertz_lookup ::core::option::Option::Some(__v);
                    }
                )*
                ::core::option::Option::None
            })
        };
        let wrap = if pl.shape.optional {
            quote!(::core::option::Option::Some(__v))
        } else {
            quote!(__v)
        };
        let absent = if let Some(d) = &pl.attrs.default {
            if generic {
                bounds.push(quote!(#inner: #krate::FromValue));
            }
            let v = quote!(#p::default_value::<#inner>(#fname, #d)?);
            if pl.shape.optional {
                quote!(::core::option::Option::Some(#v))
            } else {
                v
            }
        } else if pl.attrs.required.is_some() {
            let variants = pl
                .sources
                .iter()
                .map(|s| format_ident!("{}", s.kind.variant()));
            let key = &pl.sources[0].key;
            quote!(return ::core::result::Result::Err(#p::missing(&[#(#krate::Source::#variants),*], #key)))
        } else if pl.shape.optional {
            quote!(::core::option::Option::None)
        } else {
            if generic {
                bounds.push(quote!(#ty: ::core::default::Default));
            }
            quote!(::core::default::Default::default())
        };
        lets.push(quote! {
            let #var: #ty = {
                let __found: ::core::option::Option<#inner> = #found;
                match __found {
                    ::core::option::Option::Some(__v) => #wrap,
                    ::core::option::Option::None => #absent,
                }
            };
        });
    }

    let where_clause = if bounds.is_empty() {
        quote!(#where_clause)
    } else {
        let existing = where_clause.map(|w| {
            let preds = &w.predicates;
            quote!(#preds,)
        });
        quote!(where #existing #(#bounds),*)
    };

    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Bind for #name #ty_generics #where_clause {
            fn bind<__R: #krate::RequestView + ?::core::marker::Sized>(
                __req: &__R,
            ) -> ::core::result::Result<Self, #krate::BindError> {
                let __ctx = #p::Ctx::new(__req);
                #json_decl
                #(#lets)*
                ::core::result::Result::Ok(Self { #(#inits),* })
            }
        }
    }
}

fn validate_impl(
    input: &DeriveInput,
    krate: &syn::Path,
    plans: &[Plan<'_>],
) -> syn::Result<TokenStream> {
    let p = quote!(#krate::__private);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let infos: Vec<vd::gen::FieldInfo> = plans
        .iter()
        .map(|pl| vd::gen::FieldInfo {
            name: pl.name.clone(),
            ident: pl.member.clone(),
            optional: pl.shape.optional,
        })
        .collect();
    let mut checks = Vec::new();
    for pl in plans {
        let Some(lit) = &pl.attrs.vd else { continue };
        let gen = vd::gen::Gen {
            private: &p,
            fields: &infos,
            span: lit.span(),
        };
        let compiled = vd::compile(&lit.value(), &gen)
            .map_err(|e| syn::Error::new(lit.span(), format!("invalid vd expression: {e}")))?;
        let message = match (&pl.attrs.msg, &compiled.msg) {
            (Some(m), _) => m.value(),
            (None, Some(m)) => m.clone(),
            (None, None) => format!("validation failed: {}", compiled.text),
        };
        let fname = &pl.name;
        let member = &pl.member;
        let cond = &compiled.check;
        let fail = quote! {
            if !(#cond) {
                return ::core::result::Result::Err(#krate::BindError::validation(#fname, #message));
            }
        };
        checks.push(if pl.shape.optional {
            quote!(if let ::core::option::Option::Some(__v) = &self.#member { #fail })
        } else {
            quote!({ let __v = &self.#member; #fail })
        });
    }

    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Validate for #name #ty_generics #where_clause {
            fn validate(&self) -> ::core::result::Result<(), #krate::BindError> {
                #(#checks)*
                ::core::result::Result::Ok(())
            }
        }
    })
}
