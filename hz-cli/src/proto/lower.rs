//! Protobuf descriptors to [`crate::ir`]: messages (nested ones flattened as
//! `OuterInner`), enums, services; `(api.*)` options read as annotations.

use std::path::{Path, PathBuf};

use prost_reflect::{
    Cardinality, DescriptorPool, DynamicMessage, EnumDescriptor, FieldDescriptor, FileDescriptor,
    Kind, MessageDescriptor, MethodDescriptor, Value,
};

use crate::annotations::{self, Annotation, Warnings};
use crate::error::{Error, Result};
use crate::ir::{
    Enum, Field, Idl, IdlFile, Method, NamedKind, Presence, Service, Struct, Type, TypeRef,
};
use crate::location::{find_word, Location};
use crate::names;

pub(super) fn lower(
    pool: &DescriptorPool,
    main_names: &[String],
    dirs: &[PathBuf],
    idl: &mut Idl,
    warnings: &mut Warnings,
) -> Result<()> {
    for file in pool.files() {
        let name = file.name();
        if name.starts_with("google/protobuf/") || name == "api.proto" {
            continue;
        }
        let path = dirs
            .iter()
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from(name));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let cx = Cx {
            display: path.display().to_string(),
            text,
        };
        let out = cx.file(&file, &path, main_names.iter().any(|m| m == name), warnings)?;
        if let Some(prev) = idl
            .files
            .iter()
            .find(|f| f.namespace == out.namespace && f.stem == out.stem)
        {
            return Err(Error::unsupported(format!(
                "{} and {} would both generate the same module; give one another package",
                prev.path.display(),
                out.path.display()
            )));
        }
        idl.files.push(out);
    }
    Ok(())
}

/// The module a file's types live in.
fn scope(file: &FileDescriptor) -> (Vec<String>, String) {
    let namespace = file
        .package_name()
        .split('.')
        .filter(|s| !s.is_empty())
        .map(names::module)
        .collect();
    let stem = Path::new(file.name())
        .file_stem()
        .map(|s| names::module(&s.to_string_lossy()))
        .unwrap_or_else(|| "idl".to_owned());
    (namespace, stem)
}

/// `pkg.Outer.Inner` → `OuterInner`.
fn rust_name(full_name: &str, package: &str) -> String {
    let local = full_name
        .strip_prefix(package)
        .map_or(full_name, |s| s.trim_start_matches('.'));
    names::pascal(&local.replace('.', "_"))
}

struct Cx {
    display: String,
    text: String,
}

impl Cx {
    /// protox keeps spans only with source info, which we do not request; declarations
    /// are found again in the text, searching from their owner's declaration.
    fn offset(&self, word: &str, from: usize) -> usize {
        find_word(&self.text, word, from)
    }

    fn at(&self, offset: usize) -> Location {
        Location::at(&self.display, &self.text, offset)
    }

    fn locate(&self, needle: &str) -> Location {
        Location::find(&self.display, &self.text, needle, 0)
    }

    fn annotations(&self, options: &DynamicMessage) -> Vec<(String, String)> {
        options
            .extensions()
            .map(|(ext, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::I32(n) => n.to_string(),
                    Value::I64(n) => n.to_string(),
                    Value::U32(n) => n.to_string(),
                    Value::U64(n) => n.to_string(),
                    other => format!("{other:?}"),
                };
                (ext.full_name().to_owned(), text)
            })
            .collect()
    }

    fn with_locations<'k>(&self, list: &'k [(String, String)]) -> Vec<Annotation<'k>> {
        list.iter()
            .map(|(k, v)| Annotation {
                key: k,
                value: v.clone(),
                at: self.locate(&format!("({k})")),
            })
            .collect()
    }

    fn file(
        &self,
        file: &FileDescriptor,
        path: &Path,
        is_main: bool,
        warnings: &mut Warnings,
    ) -> Result<IdlFile> {
        let (namespace, stem) = scope(file);
        let mut out = IdlFile {
            path: path.to_owned(),
            doc_path: path.to_owned(),
            stem,
            namespace,
            structs: Vec::new(),
            enums: Vec::new(),
            services: Vec::new(),
            is_main,
        };
        let mut stack: Vec<MessageDescriptor> = file.messages().collect();
        let mut enums: Vec<EnumDescriptor> = file.enums().collect();
        while let Some(msg) = stack.pop() {
            if msg.is_map_entry() {
                continue;
            }
            stack.extend(msg.child_messages());
            enums.extend(msg.child_enums());
            out.structs.push(self.message(&msg, warnings)?);
        }
        out.structs.reverse();
        for e in enums {
            out.enums.push(Enum {
                name: rust_name(e.full_name(), e.package_name()),
                doc: String::new(),
                values: e
                    .values()
                    .map(|v| (v.name().to_owned(), v.number()))
                    .collect(),
            });
        }
        for svc in file.services() {
            let anns = self.annotations(&svc.options());
            let base_domain =
                annotations::service(&self.with_locations(&anns), svc.name(), warnings);
            let mut methods = Vec::new();
            for m in svc.methods() {
                methods.push(self.method(svc.name(), &m, warnings)?);
            }
            out.services.push(Service {
                name: svc.name().to_owned(),
                base_domain,
                methods,
                doc: String::new(),
            });
        }
        Ok(out)
    }

    fn message(&self, msg: &MessageDescriptor, warnings: &mut Warnings) -> Result<Struct> {
        let from = self.offset(msg.name(), 0);
        let mut fields = Vec::new();
        for f in msg.fields() {
            fields.push(self.field(msg, from, &f, warnings)?);
        }
        Ok(Struct {
            name: rust_name(msg.full_name(), msg.package_name()),
            doc: String::new(),
            fields,
        })
    }

    fn field(
        &self,
        msg: &MessageDescriptor,
        from: usize,
        f: &FieldDescriptor,
        warnings: &mut Warnings,
    ) -> Result<Field> {
        let at = self.at(self.offset(f.name(), from));
        let where_ = || format!("{at}: field `{}.{}`", msg.name(), f.name());
        let ty = if f.is_map() {
            let Kind::Message(entry) = f.kind() else {
                return Err(Error::unsupported(format!("{}: malformed map", where_())));
            };
            let key = kind_type(&entry.map_entry_key_field().kind())
                .map_err(|m| Error::unsupported(format!("{}: {m}", where_())))?;
            let value = kind_type(&entry.map_entry_value_field().kind())
                .map_err(|m| Error::unsupported(format!("{}: {m}", where_())))?;
            Type::Map(Box::new(key), Box::new(value))
        } else {
            let inner = kind_type(&f.kind())
                .map_err(|m| Error::unsupported(format!("{}: {m}", where_())))?;
            if f.is_list() {
                Type::List(Box::new(inner))
            } else {
                inner
            }
        };
        let is_message = matches!(ty, Type::Named(ref r) if r.kind == NamedKind::Struct);
        let in_oneof = f.containing_oneof().is_some();
        let presence = if f.cardinality() == Cardinality::Required {
            Presence::Required
        } else if !f.is_list() && !f.is_map() && (f.supports_presence() || is_message || in_oneof) {
            Presence::Optional
        } else {
            Presence::Default
        };
        let anns = self.annotations(&f.options());
        let a = annotations::field(&self.with_locations(&anns), f.name(), warnings);
        Ok(Field {
            idl_name: f.name().to_owned(),
            rust_name: names::ident(f.name()),
            ty,
            presence,
            sources: a.sources,
            raw_body: a.raw_body,
            none: a.none,
            default: f.field_descriptor_proto().default_value.clone(),
            vd: a.vd,
            doc: String::new(),
            at,
        })
    }

    fn method(
        &self,
        service: &str,
        m: &MethodDescriptor,
        warnings: &mut Warnings,
    ) -> Result<Method> {
        let name = m.name();
        let at = self.locate(&format!("rpc {name}"));
        if m.is_client_streaming() || m.is_server_streaming() {
            return Err(Error::unsupported(format!(
                "{at}: method `{service}.{name}` streams; Hertz methods are one request, one response"
            )));
        }
        let anns = self.annotations(&m.options());
        let a = annotations::method(
            &self.with_locations(&anns),
            &format!("{service}.{name}"),
            warnings,
        )?;
        if a.routes.is_empty() {
            warnings.push(
                &at,
                format_args!("method `{service}.{name}` has no (api.get/post/…) option: its handler gets no route"),
            );
        }
        let message_ref = |d: MessageDescriptor| -> Result<Option<TypeRef>> {
            if d.full_name() == "google.protobuf.Empty" {
                return Ok(None);
            }
            match kind_type(&Kind::Message(d)) {
                Ok(Type::Named(r)) => Ok(Some(r)),
                Ok(_) => Ok(None),
                Err(msg) => Err(Error::unsupported(format!(
                    "{at}: method `{service}.{name}`: {msg}"
                ))),
            }
        };
        Ok(Method {
            name: name.to_owned(),
            handler: names::ident(name),
            request: message_ref(m.input())?,
            response: message_ref(m.output())?,
            routes: a.routes,
            handler_path: a.handler_path,
            serializer: a.serializer,
            doc: String::new(),
        })
    }
}

fn kind_type(kind: &Kind) -> std::result::Result<Type, String> {
    Ok(match kind {
        Kind::Double => Type::F64,
        Kind::Float => Type::F32,
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Type::I32,
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Type::I64,
        Kind::Uint32 | Kind::Fixed32 => Type::U32,
        Kind::Uint64 | Kind::Fixed64 => Type::U64,
        Kind::Bool => Type::Bool,
        Kind::String => Type::String,
        Kind::Bytes => Type::Bytes,
        Kind::Message(m) => {
            if m.full_name().starts_with("google.protobuf.") {
                return Err(format!(
                    "well-known type `{}` is not supported yet; use a message of your own",
                    m.full_name()
                ));
            }
            let (namespace, stem) = scope(&m.parent_file());
            Type::Named(TypeRef {
                namespace,
                stem,
                name: rust_name(m.full_name(), m.package_name()),
                kind: NamedKind::Struct,
            })
        }
        Kind::Enum(e) => {
            let (namespace, stem) = scope(&e.parent_file());
            Type::Named(TypeRef {
                namespace,
                stem,
                name: rust_name(e.full_name(), e.package_name()),
                kind: NamedKind::Enum,
            })
        }
    })
}
