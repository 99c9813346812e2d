//! pilota's Thrift items to [`crate::ir`]: names become Rust names, typedefs are resolved,
//! `include`d types become references into their file's module, annotations are read.

use std::path::Path;

use pilota_thrift_parser::{
    Annotations, ConstValue, Field as TField, Function, Item, StructLike, Ty, Type as TType,
};

use super::Parsed;
use crate::annotations::{self, Annotation, Warnings};
use crate::error::{Error, Result};
use crate::ir::{
    Enum, Field, Idl, IdlFile, Method, NamedKind, Presence, Service, Struct, Type, TypeRef,
};
use crate::location::{find_word, Location};
use crate::names;

/// Where each file's types live.
struct FileScope {
    namespace: Vec<String>,
    stem: String,
}

pub(super) fn lower(files: &[Parsed], idl: &mut Idl, warnings: &mut Warnings) -> Result<()> {
    let scopes: Vec<FileScope> = files.iter().map(scope).collect();
    for (i, a) in scopes.iter().enumerate() {
        if let Some(j) = scopes[..i]
            .iter()
            .position(|b| b.namespace == a.namespace && b.stem == a.stem)
        {
            return Err(Error::unsupported(format!(
                "{} and {} would both generate module {}; give one a different namespace",
                files[j].display,
                files[i].display,
                a.namespace
                    .iter()
                    .chain([&a.stem])
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("::")
            )));
        }
    }
    for idx in 0..files.len() {
        let cx = Cx {
            files,
            scopes: &scopes,
            idx,
        };
        idl.files.push(cx.file(warnings)?);
    }
    Ok(())
}

fn scope(file: &Parsed) -> FileScope {
    let mut chosen: Option<(u8, Vec<String>)> = None;
    for item in &file.items {
        let Item::Namespace(ns) = item else { continue };
        // `rs` wins over `go` (Hertz IDLs usually have only `go`) over `*`.
        let rank = match ns.scope.0.as_str() {
            "rs" | "rust" => 3,
            "go" => 2,
            "*" => 1,
            _ => continue,
        };
        if chosen.as_ref().is_none_or(|(r, _)| rank > *r) {
            let segs = ns.name.segments.iter().map(|s| names::module(s)).collect();
            chosen = Some((rank, segs));
        }
    }
    let stem = file
        .path
        .file_stem()
        .map(|s| names::module(&s.to_string_lossy()))
        .unwrap_or_else(|| "idl".to_owned());
    FileScope {
        namespace: chosen.map(|(_, s)| s).unwrap_or_default(),
        stem,
    }
}

struct Cx<'a> {
    files: &'a [Parsed],
    scopes: &'a [FileScope],
    idx: usize,
}

impl Cx<'_> {
    fn file_ref(&self) -> &Parsed {
        &self.files[self.idx]
    }

    /// Where `word` first stands as a whole word at or after byte `from`. The parser
    /// keeps no positions, so declarations are found again in the text, each search
    /// starting at its owner's (a field's at its struct's) to skip earlier namesakes.
    fn offset(&self, word: &str, from: usize) -> usize {
        find_word(&self.file_ref().text, word, from)
    }

    fn at(&self, offset: usize) -> Location {
        let f = self.file_ref();
        Location::at(&f.display, &f.text, offset)
    }

    fn locate(&self, needle: &str) -> Location {
        self.at(self.offset(needle, 0))
    }

    fn annotations<'k>(&self, list: &'k Annotations, from: usize) -> Vec<Annotation<'k>> {
        list.iter()
            .map(|a| Annotation {
                key: &a.key,
                value: a.value.0.clone(),
                at: self.at(self.offset(&a.key, from)),
            })
            .collect()
    }

    fn file(&self, warnings: &mut Warnings) -> Result<IdlFile> {
        let f = self.file_ref();
        let scope = &self.scopes[self.idx];
        let mut out = IdlFile {
            path: f.path.clone(),
            doc_path: f.path.clone(),
            stem: scope.stem.clone(),
            namespace: scope.namespace.clone(),
            structs: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            is_main: f.is_main,
        };
        for item in &f.items {
            match item {
                Item::Struct(s) => {
                    out.structs
                        .push(self.structure(s, &s.leading_comments, warnings)?)
                }
                Item::Union(s) => {
                    let mut st = self.structure(s, &s.leading_comments, warnings)?;
                    // A union sets one member: every member is optional.
                    for field in &mut st.fields {
                        if field.presence != Presence::Optional {
                            field.presence = Presence::Optional;
                        }
                    }
                    out.structs.push(st);
                }
                Item::Exception(s) => {
                    out.structs
                        .push(self.structure(s, &s.leading_comments, warnings)?)
                }
                Item::Enum(e) => {
                    let mut next = 0i64;
                    let mut values = Vec::new();
                    for v in &e.values {
                        let n = v.value.map_or(next, |c| c.0);
                        next = n + 1;
                        let n = i32::try_from(n).map_err(|_| {
                            Error::unsupported(format!(
                                "{}: enum value `{}.{}` = {n} does not fit in i32",
                                self.locate(&v.name),
                                e.name.as_str(),
                                v.name.as_str()
                            ))
                        })?;
                        values.push((v.name.as_str().to_owned(), n));
                    }
                    out.enums.push(Enum {
                        name: names::pascal(&e.name),
                        doc: doc(&e.leading_comments),
                        values,
                    });
                }
                Item::Service(s) => {
                    if let Some(parent) = &s.extends {
                        let parent: Vec<&str> =
                            parent.segments.iter().map(|s| s.as_str()).collect();
                        return Err(Error::unsupported(format!(
                            "{}: service `{}` extends `{}`: hz-rs does not support service inheritance yet; declare the methods in one service",
                            self.locate(&s.name),
                            s.name.as_str(),
                            parent.join(".")
                        )));
                    }
                    let from = self.offset(&s.name, 0);
                    let anns = self.annotations(&s.annotations, from);
                    let base_domain = annotations::service(&anns, &s.name, warnings);
                    let mut methods = Vec::new();
                    for func in &s.functions {
                        methods.push(self.method(&s.name, from, func, warnings)?);
                    }
                    out.services.push(Service {
                        name: s.name.as_str().to_owned(),
                        base_domain,
                        methods,
                        doc: doc(&s.leading_comments),
                    });
                }
                // Constants, typedefs (resolved where used), includes and namespaces
                // generate nothing of their own.
                _ => {}
            }
        }
        Ok(out)
    }

    fn structure(&self, s: &StructLike, comments: &str, warnings: &mut Warnings) -> Result<Struct> {
        let from = self.offset(&s.name, 0);
        let mut fields = Vec::new();
        for f in &s.fields {
            fields.push(self.field(&s.name, from, f, warnings)?);
        }
        Ok(Struct {
            name: names::pascal(&s.name),
            doc: doc(comments),
            fields,
        })
    }

    fn field(
        &self,
        owner: &str,
        from: usize,
        f: &TField,
        warnings: &mut Warnings,
    ) -> Result<Field> {
        let offset = self.offset(&f.name, from);
        let at = self.at(offset);
        let ty = self.ty(&f.ty, 0).map_err(|msg| {
            Error::unsupported(format!("{at}: field `{owner}.{}`: {msg}", f.name.as_str()))
        })?;
        let anns = self.annotations(&f.annotations, offset);
        let a = annotations::field(&anns, &f.name, warnings);
        let presence = match f.attribute {
            pilota_thrift_parser::Attribute::Required => Presence::Required,
            pilota_thrift_parser::Attribute::Optional => Presence::Optional,
            pilota_thrift_parser::Attribute::Default => Presence::Default,
        };
        let default = match &f.default {
            None => None,
            Some(value) => match const_text(value) {
                Some(text) => Some(text),
                None => {
                    warnings.push(
                        &at,
                        format_args!(
                            "default of field `{owner}.{}` is not a literal hz-rs can use; ignored",
                            f.name.as_str()
                        ),
                    );
                    None
                }
            },
        };
        Ok(Field {
            idl_name: f.name.as_str().to_owned(),
            rust_name: names::ident(&f.name),
            ty,
            presence,
            sources: a.sources,
            raw_body: a.raw_body,
            none: a.none,
            default,
            vd: a.vd,
            doc: doc(&f.leading_comments),
            at,
        })
    }

    fn method(
        &self,
        service: &str,
        from: usize,
        func: &Function,
        warnings: &mut Warnings,
    ) -> Result<Method> {
        let name = func.name.as_str();
        let offset = self.offset(name, from);
        let at = self.at(offset);
        if func.arguments.len() > 1 {
            return Err(Error::unsupported(format!(
                "{at}: method `{service}.{name}` takes {} arguments; a Hertz method takes one request struct (move the fields into it)",
                func.arguments.len()
            )));
        }
        let struct_ref = |ty: &TType, what: &str| -> Result<TypeRef> {
            match self.ty(ty, 0) {
                Ok(Type::Named(r)) if r.kind == NamedKind::Struct => Ok(r),
                Ok(_) => Err(Error::unsupported(format!(
                    "{at}: method `{service}.{name}`: the {what} must be a struct"
                ))),
                Err(msg) => Err(Error::unsupported(format!(
                    "{at}: method `{service}.{name}`: {msg}"
                ))),
            }
        };
        let request = match func.arguments.first() {
            Some(arg) => Some(struct_ref(&arg.ty, "argument")?),
            None => None,
        };
        let response = match &func.result_type.0 {
            Ty::Void => None,
            _ => Some(struct_ref(&func.result_type, "result")?),
        };
        let anns = self.annotations(&func.annotations, offset);
        let a = annotations::method(&anns, &format!("{service}.{name}"), warnings)?;
        if a.routes.is_empty() {
            warnings.push(
                &at,
                format_args!("method `{service}.{name}` has no api.get/post/… annotation: its handler gets no route"),
            );
        }
        Ok(Method {
            name: name.to_owned(),
            handler: names::ident(name),
            request,
            response,
            routes: a.routes,
            handler_path: a.handler_path,
            serializer: a.serializer,
            doc: doc(&func.leading_comments),
        })
    }

    /// Resolves a Thrift type; the error is a short reason for the caller to locate.
    fn ty(&self, ty: &TType, depth: usize) -> std::result::Result<Type, String> {
        if depth > 32 {
            return Err("typedefs nest too deep (a cycle?)".to_owned());
        }
        Ok(match &ty.0 {
            Ty::String | Ty::Uuid => Type::String,
            Ty::Binary => Type::Bytes,
            Ty::Bool => Type::Bool,
            Ty::Byte | Ty::I8 => Type::I8,
            Ty::I16 => Type::I16,
            Ty::I32 => Type::I32,
            Ty::I64 => Type::I64,
            Ty::Double => Type::F64,
            Ty::Void => return Err("`void` is only a method result".to_owned()),
            Ty::List { value, .. } | Ty::Set { value, .. } => {
                Type::List(Box::new(self.ty(value, depth + 1)?))
            }
            Ty::Map { key, value, .. } => Type::Map(
                Box::new(self.ty(key, depth + 1)?),
                Box::new(self.ty(value, depth + 1)?),
            ),
            Ty::Path(path) => {
                let segs: Vec<&str> = path.segments.iter().map(|s| s.as_str()).collect();
                let (file_idx, name) = match segs.as_slice() {
                    [name] => (self.idx, *name),
                    [alias, name] => match self.file_ref().includes.get(*alias) {
                        Some(&i) => (i, *name),
                        None => {
                            return Err(format!("`{alias}.{name}`: no include named `{alias}`"))
                        }
                    },
                    _ => return Err(format!("cannot resolve type `{}`", segs.join("."))),
                };
                let cx = Cx {
                    files: self.files,
                    scopes: self.scopes,
                    idx: file_idx,
                };
                return cx.named(name, depth);
            }
        })
    }

    fn named(&self, name: &str, depth: usize) -> std::result::Result<Type, String> {
        let scope = &self.scopes[self.idx];
        let reference = |kind| {
            Type::Named(TypeRef {
                namespace: scope.namespace.clone(),
                stem: scope.stem.clone(),
                name: names::pascal(name),
                kind,
            })
        };
        for item in &self.file_ref().items {
            match item {
                Item::Struct(s) if s.name.as_str() == name => {
                    return Ok(reference(NamedKind::Struct))
                }
                Item::Union(s) if s.name.as_str() == name => {
                    return Ok(reference(NamedKind::Struct))
                }
                Item::Exception(s) if s.name.as_str() == name => {
                    return Ok(reference(NamedKind::Struct))
                }
                Item::Enum(e) if e.name.as_str() == name => return Ok(reference(NamedKind::Enum)),
                Item::Typedef(t) if t.alias.as_str() == name => {
                    return self.ty(&t.r#type, depth + 1)
                }
                _ => {}
            }
        }
        let file = Path::new(&self.file_ref().display)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Err(format!("unknown type `{name}` (not declared in {file})"))
    }
}

/// A Thrift constant as the text `FromValue` would parse, if it is a plain literal.
fn const_text(value: &ConstValue) -> Option<String> {
    match value {
        ConstValue::Bool(b) => Some(b.to_string()),
        ConstValue::Int(i) => Some(i.0.to_string()),
        ConstValue::Double(d) => Some(d.0.to_string()),
        ConstValue::String(s) => Some(s.0.clone()),
        _ => None,
    }
}

/// IDL comments (`//`, `#`, `/* */`) as doc text, one line per line.
pub(crate) fn doc(comments: &str) -> String {
    let mut lines = Vec::new();
    for raw in comments.lines() {
        let mut line = raw.trim();
        for prefix in ["///", "//", "/**", "/*", "#", "*"] {
            if let Some(rest) = line.strip_prefix(prefix) {
                line = rest;
                break;
            }
        }
        let line = line.strip_suffix("*/").unwrap_or(line).trim();
        if !line.is_empty() {
            lines.push(line.to_owned());
        }
    }
    lines.join("\n")
}
