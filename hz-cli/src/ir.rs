//! What hz generates from, whichever IDL it came from: files (one Rust module each) of
//! structs, enums and services, with Hertz's annotations already interpreted. The Thrift
//! and Protobuf front ends lower into this; the generators read only this.

use std::path::PathBuf;

use crate::location::Location;

/// Every IDL file read: the ones named with `--idl` and those they include or import.
#[derive(Debug, Default)]
pub(crate) struct Idl {
    pub(crate) files: Vec<IdlFile>,
}

impl Idl {
    /// The files named on the command line (the ones whose services get routes).
    pub(crate) fn main_files(&self) -> impl Iterator<Item = &IdlFile> {
        self.files.iter().filter(|f| f.is_main)
    }

    /// Looks a named type up.
    pub(crate) fn find(&self, r: &TypeRef) -> Option<TypeDef<'_>> {
        let file = self
            .files
            .iter()
            .find(|f| f.namespace == r.namespace && f.stem == r.stem)?;
        if let Some(s) = file.structs.iter().find(|s| s.name == r.name) {
            return Some(TypeDef::Struct(s));
        }
        file.enums
            .iter()
            .find(|e| e.name == r.name)
            .map(|_| TypeDef::Enum)
    }
}

/// A struct or an enum, as found by [`Idl::find`].
pub(crate) enum TypeDef<'a> {
    Struct(&'a Struct),
    #[allow(dead_code)] // matched as `_`; named for readers
    Enum,
}

/// One IDL file: one model module `<model-dir>/<namespace…>/<stem>.rs`.
#[derive(Debug)]
pub(crate) struct IdlFile {
    /// The path as the user gave it (or as resolved from an include), for messages.
    pub(crate) path: PathBuf,
    /// The path relative to the project, for comments in generated files (so they do not
    /// change with the directory hz runs in).
    pub(crate) doc_path: PathBuf,
    /// File name without extension, as a module name.
    pub(crate) stem: String,
    /// Namespace (Thrift `namespace rs`/`go`, Protobuf `package`) as module names.
    pub(crate) namespace: Vec<String>,
    pub(crate) structs: Vec<Struct>,
    pub(crate) enums: Vec<Enum>,
    pub(crate) services: Vec<Service>,
    pub(crate) is_main: bool,
}

/// A message / struct.
#[derive(Debug)]
pub(crate) struct Struct {
    /// The Rust name (PascalCase).
    pub(crate) name: String,
    pub(crate) doc: String,
    pub(crate) fields: Vec<Field>,
}

/// One field and how it binds.
#[derive(Debug)]
pub(crate) struct Field {
    /// The name in the IDL: the default key of every source and the JSON name.
    pub(crate) idl_name: String,
    /// The Rust field name (snake case, `r#` for keywords).
    pub(crate) rust_name: String,
    pub(crate) ty: Type,
    pub(crate) presence: Presence,
    /// Sources from annotations, in the order written. Empty: query, form, JSON by name.
    pub(crate) sources: Vec<Source>,
    /// `api.raw_body`: the whole body.
    pub(crate) raw_body: bool,
    /// `api.none`: never bound, not serialized.
    pub(crate) none: bool,
    /// Default value as text, already in the form `FromValue` parses.
    pub(crate) default: Option<String>,
    /// `api.vd`, Hertz's expression syntax, passed to the derive which compiles it.
    pub(crate) vd: Option<String>,
    pub(crate) doc: String,
    /// Where the field is declared, for messages about it.
    pub(crate) at: Location,
}

impl Field {
    /// The JSON member name: `api.body`'s key, else the IDL name.
    pub(crate) fn json_name(&self) -> &str {
        self.sources
            .iter()
            .find(|s| s.kind == SourceKind::Body)
            .map_or(&self.idl_name, |s| &s.key)
    }
}

/// Thrift `required`/`optional`, Protobuf `required`/`optional`/plain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Absent → a bind error (`#[hertz(required)]`).
    Required,
    /// `Option<T>`: `None` when absent.
    Optional,
    /// `T`, its default when absent.
    Default,
}

/// Where a field's value comes from (Hertz's `api.*` field annotations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    Path,
    Query,
    Header,
    Cookie,
    Form,
    /// `api.body`: a member of the JSON body.
    Body,
}

impl SourceKind {
    /// The `#[hertz(...)]` key.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            SourceKind::Path => "path",
            SourceKind::Query => "query",
            SourceKind::Header => "header",
            SourceKind::Cookie => "cookie",
            SourceKind::Form => "form",
            SourceKind::Body => "json",
        }
    }
}

/// One source with its key.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub(crate) kind: SourceKind,
    pub(crate) key: String,
}

/// Field types.
#[derive(Clone, Debug)]
pub(crate) enum Type {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
    Bytes,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Named(TypeRef),
}

impl Type {
    /// A type one textual value converts to (`FromValue`): numbers, bool, string, enums.
    pub(crate) fn is_scalar(&self) -> bool {
        match self {
            Type::List(_) | Type::Map(..) | Type::Bytes => false,
            Type::Named(r) => r.kind == NamedKind::Enum,
            _ => true,
        }
    }

    /// Bindable from path/query/header/cookie/form: a scalar or a list of scalars.
    pub(crate) fn is_textual(&self) -> bool {
        match self {
            Type::List(inner) => inner.is_scalar(),
            other => other.is_scalar(),
        }
    }
}

/// A reference to a struct or enum of some file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TypeRef {
    pub(crate) namespace: Vec<String>,
    pub(crate) stem: String,
    /// The Rust type name.
    pub(crate) name: String,
    pub(crate) kind: NamedKind,
}

/// What a [`TypeRef`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NamedKind {
    Struct,
    Enum,
}

/// An enum: a newtype over `i32` with a constant per value (open, like Thrift's and
/// proto3's enums: an unknown number still round-trips).
#[derive(Debug)]
pub(crate) struct Enum {
    pub(crate) name: String,
    pub(crate) doc: String,
    /// (IDL name, value).
    pub(crate) values: Vec<(String, i32)>,
}

/// A service: one handler file per `api.handler_path`.
#[derive(Debug)]
pub(crate) struct Service {
    /// The IDL name (`HelloService`).
    pub(crate) name: String,
    /// `api.base_domain`, the client's default base URL.
    pub(crate) base_domain: Option<String>,
    pub(crate) methods: Vec<Method>,
    pub(crate) doc: String,
}

/// A method and its routes.
#[derive(Debug)]
pub(crate) struct Method {
    /// The IDL name (`HelloMethod`).
    pub(crate) name: String,
    /// The handler function name (`hello_method`).
    pub(crate) handler: String,
    /// The request struct; `None` for a method without arguments.
    pub(crate) request: Option<TypeRef>,
    /// The response struct; `None` for `void`.
    pub(crate) response: Option<TypeRef>,
    pub(crate) routes: Vec<Route>,
    /// `api.handler_path`: module path segments under the handler dir, instead of the
    /// namespace.
    pub(crate) handler_path: Option<Vec<String>>,
    /// `api.serializer`: how the client encodes the body (`json`, `form`).
    pub(crate) serializer: Serializer,
    pub(crate) doc: String,
}

/// One `api.<method> = "/path"`.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub(crate) method: HttpMethod,
    pub(crate) path: String,
}

/// Route methods Hertz's annotations name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Head,
    Any,
}

impl HttpMethod {
    /// From the annotation suffix (`api.get` → `get`).
    pub(crate) fn from_annotation(name: &str) -> Option<Self> {
        Some(match name {
            "get" => HttpMethod::Get,
            "post" => HttpMethod::Post,
            "put" => HttpMethod::Put,
            "delete" => HttpMethod::Delete,
            "patch" => HttpMethod::Patch,
            "options" => HttpMethod::Options,
            "head" => HttpMethod::Head,
            "any" => HttpMethod::Any,
            _ => return None,
        })
    }

    /// The `Routes` method that registers it (`get`, `any`…).
    pub(crate) fn routes_fn(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Delete => "delete",
            HttpMethod::Patch => "patch",
            HttpMethod::Options => "options",
            HttpMethod::Head => "head",
            HttpMethod::Any => "any",
        }
    }

    /// Whether requests with this method usually carry a body (for OpenAPI and the client).
    pub(crate) fn has_body(self) -> bool {
        matches!(
            self,
            HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch | HttpMethod::Any
        )
    }
}

/// `api.serializer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Serializer {
    Json,
    Form,
}
