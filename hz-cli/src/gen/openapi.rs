//! `openapi.json` (OpenAPI 3.1): every route of the main IDL files with its parameters,
//! request body and response, and a schema per struct and enum. Generated; the project's
//! `router_gen.rs` embeds it and serves it at `GET /openapi.json`.

use serde_json::{json, Map, Value};

use crate::gen::{Content, Output};
use crate::ir::{
    Field, HttpMethod, Idl, IdlFile, Method, NamedKind, Presence, SourceKind, Type, TypeRef,
};

/// Methods `api.any` stands for.
const ANY: [&str; 7] = ["get", "post", "put", "delete", "patch", "head", "options"];

/// The document for `idl`; `title` is the project's name.
pub(crate) fn openapi(idl: &Idl, title: &str) -> Output {
    let names = SchemaNames::new(idl);
    let mut paths = Map::new();
    let mut servers = Vec::new();
    for file in idl.main_files() {
        for svc in &file.services {
            if let Some(d) = &svc.base_domain {
                if !servers.iter().any(|s: &Value| s["url"] == *d) {
                    servers.push(json!({ "url": d }));
                }
            }
            for m in &svc.methods {
                for (i, r) in m.routes.iter().enumerate() {
                    let path = openapi_path(&r.path);
                    let entry = paths
                        .entry(path)
                        .or_insert_with(|| Value::Object(Map::new()));
                    let methods: Vec<&str> = match r.method {
                        HttpMethod::Any => ANY.to_vec(),
                        other => vec![other.routes_fn()],
                    };
                    for (j, verb) in methods.iter().enumerate() {
                        let mut id = format!("{}_{}", svc.name, m.name);
                        if i > 0 || j > 0 {
                            id = format!(
                                "{id}_{verb}{}",
                                if i > 0 { i.to_string() } else { String::new() }
                            );
                        }
                        let has_body =
                            HttpMethod::from_annotation(verb).is_some_and(|v| v.has_body());
                        entry[*verb] = operation(idl, &names, &svc.name, m, &id, has_body);
                    }
                }
            }
        }
    }
    let mut schemas = Map::new();
    for file in &idl.files {
        for s in &file.structs {
            let r = TypeRef {
                namespace: file.namespace.clone(),
                stem: file.stem.clone(),
                name: s.name.clone(),
                kind: NamedKind::Struct,
            };
            let mut props = Map::new();
            let mut required = Vec::new();
            for f in s.fields.iter().filter(|f| !f.none) {
                props.insert(f.json_name().to_owned(), field_schema(&names, f));
                if f.presence == Presence::Required {
                    required.push(Value::from(f.json_name()));
                }
            }
            let mut schema = json!({ "type": "object", "properties": props });
            if !required.is_empty() {
                schema["required"] = Value::Array(required);
            }
            if !s.doc.is_empty() {
                schema["description"] = Value::from(s.doc.clone());
            }
            schemas.insert(names.name(&r), schema);
        }
        for e in &file.enums {
            let r = TypeRef {
                namespace: file.namespace.clone(),
                stem: file.stem.clone(),
                name: e.name.clone(),
                kind: NamedKind::Enum,
            };
            let desc: Vec<String> = e.values.iter().map(|(n, v)| format!("{n} = {v}")).collect();
            schemas.insert(
                names.name(&r),
                json!({
                    "type": "integer",
                    "format": "int32",
                    "enum": e.values.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
                    "description": desc.join(", "),
                }),
            );
        }
    }
    schemas.insert(
        "BindError".to_owned(),
        json!({
            "type": "object",
            "description": "What hertz answers with status 400 when binding or validation fails.",
            "properties": {
                "error": { "type": "string" },
                "field": { "type": "string" },
                "source": { "type": "string" },
                "message": { "type": "string" }
            }
        }),
    );
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": "0.1.0" },
        "paths": paths,
        "components": { "schemas": schemas },
    });
    if !servers.is_empty() {
        doc["servers"] = Value::Array(servers);
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    Output {
        path: "openapi.json".into(),
        content: Content::Generated(text),
    }
}

/// Hertz's `/user/:id/*rest` → OpenAPI's `/user/{id}/{rest}`.
fn openapi_path(path: &str) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix(':').or_else(|| seg.strip_prefix('*')) {
                Some(name) => format!("{{{name}}}"),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn operation(
    idl: &Idl,
    names: &SchemaNames,
    service: &str,
    m: &Method,
    id: &str,
    has_body: bool,
) -> Value {
    let mut op = json!({
        "operationId": id,
        "tags": [service],
        "responses": {
            "200": match &m.response {
                Some(r) => json!({
                    "description": "OK",
                    "content": { "application/json": { "schema": { "$ref": names.reference(r) } } }
                }),
                None => json!({ "description": "OK" }),
            },
            "400": {
                "description": "Binding or validation failed",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BindError" } } }
            }
        }
    });
    if !m.doc.is_empty() {
        op["description"] = Value::from(m.doc.clone());
    }
    let Some(req) = m.request.as_ref() else {
        return op;
    };
    let Some(crate::ir::TypeDef::Struct(s)) = idl.find(req) else {
        return op;
    };
    let mut params = Vec::new();
    let mut json_props = Map::new();
    let mut json_required = Vec::new();
    let mut form_props = Map::new();
    let mut raw = false;
    for f in s.fields.iter().filter(|f| !f.none) {
        if f.raw_body {
            raw = true;
            continue;
        }
        let schema = field_schema(names, f);
        if f.sources.is_empty() {
            if f.ty.is_textual() {
                params.push(param(
                    "query",
                    &f.idl_name,
                    f.presence == Presence::Required,
                    schema.clone(),
                ));
            }
            if has_body {
                json_props.insert(f.idl_name.clone(), schema);
            }
            continue;
        }
        for src in &f.sources {
            let required = f.presence == Presence::Required || src.kind == SourceKind::Path;
            match src.kind {
                SourceKind::Path => params.push(param("path", &src.key, true, schema.clone())),
                SourceKind::Query => {
                    params.push(param("query", &src.key, required, schema.clone()))
                }
                SourceKind::Header => {
                    params.push(param("header", &src.key, required, schema.clone()))
                }
                SourceKind::Cookie => {
                    params.push(param("cookie", &src.key, required, schema.clone()))
                }
                SourceKind::Form => {
                    form_props.insert(src.key.clone(), schema.clone());
                }
                SourceKind::Body => {
                    json_props.insert(src.key.clone(), schema.clone());
                    if required {
                        json_required.push(Value::from(src.key.clone()));
                    }
                }
            }
        }
    }
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    let mut content = Map::new();
    if !json_props.is_empty() {
        let mut schema = json!({ "type": "object", "properties": json_props });
        if !json_required.is_empty() {
            schema["required"] = Value::Array(json_required);
        }
        content.insert("application/json".into(), json!({ "schema": schema }));
    }
    if !form_props.is_empty() {
        let schema = json!({ "type": "object", "properties": form_props });
        content.insert(
            "application/x-www-form-urlencoded".into(),
            json!({ "schema": schema.clone() }),
        );
        content.insert("multipart/form-data".into(), json!({ "schema": schema }));
    }
    if raw {
        content.insert(
            "application/octet-stream".into(),
            json!({ "schema": { "type": "string", "format": "binary" } }),
        );
    }
    if !content.is_empty() {
        op["requestBody"] = json!({ "content": content });
    }
    op
}

fn param(location: &str, name: &str, required: bool, schema: Value) -> Value {
    json!({ "name": name, "in": location, "required": required, "schema": schema })
}

fn field_schema(names: &SchemaNames, f: &Field) -> Value {
    let mut schema = type_schema(names, &f.ty);
    if let Some(vd) = &f.vd {
        schema["description"] = Value::from(format!("validated: {vd}"));
        schema["x-hertz-vd"] = Value::from(vd.clone());
    }
    if let Some(d) = &f.default {
        let value = match f.ty {
            Type::Bool => d.parse::<bool>().map(Value::from).ok(),
            Type::F32 | Type::F64 => d.parse::<f64>().ok().map(Value::from),
            Type::I8 | Type::I16 | Type::I32 | Type::I64 => d.parse::<i64>().ok().map(Value::from),
            Type::U32 | Type::U64 => d.parse::<u64>().ok().map(Value::from),
            Type::String => Some(Value::from(d.clone())),
            _ => None,
        };
        if let Some(v) = value {
            schema["default"] = v;
        }
    }
    schema
}

fn type_schema(names: &SchemaNames, ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::I8 | Type::I16 | Type::I32 => json!({ "type": "integer", "format": "int32" }),
        Type::I64 => json!({ "type": "integer", "format": "int64" }),
        Type::U32 => json!({ "type": "integer", "format": "int32", "minimum": 0 }),
        Type::U64 => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
        Type::F32 => json!({ "type": "number", "format": "float" }),
        Type::F64 => json!({ "type": "number", "format": "double" }),
        Type::String => json!({ "type": "string" }),
        // serde writes `Vec<u8>` as an array of numbers.
        Type::Bytes => {
            json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 255 } })
        }
        Type::List(t) => json!({ "type": "array", "items": type_schema(names, t) }),
        Type::Map(_, v) => {
            json!({ "type": "object", "additionalProperties": type_schema(names, v) })
        }
        Type::Named(r) => json!({ "$ref": names.reference(r) }),
    }
}

/// Schema names: the type's name, or `stem.Name` where two files declare the same name.
struct SchemaNames {
    duplicated: Vec<String>,
}

impl SchemaNames {
    fn new(idl: &Idl) -> Self {
        let mut seen: Vec<&str> = Vec::new();
        let mut duplicated = Vec::new();
        let all = |f: &'_ IdlFile| -> Vec<String> {
            f.structs
                .iter()
                .map(|s| s.name.clone())
                .chain(f.enums.iter().map(|e| e.name.clone()))
                .collect()
        };
        let names: Vec<String> = idl.files.iter().flat_map(all).collect();
        for n in &names {
            if seen.contains(&n.as_str()) {
                duplicated.push(n.clone());
            } else {
                seen.push(n);
            }
        }
        SchemaNames { duplicated }
    }

    fn name(&self, r: &TypeRef) -> String {
        if self.duplicated.contains(&r.name) {
            let mut parts = r.namespace.clone();
            parts.push(r.stem.clone());
            parts.push(r.name.clone());
            parts.join(".")
        } else {
            r.name.clone()
        }
    }

    fn reference(&self, r: &TypeRef) -> String {
        format!("#/components/schemas/{}", self.name(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hertz_paths_become_openapi_templates() {
        for (hertz, want) in [
            ("/hello", "/hello"),
            ("/user/:id", "/user/{id}"),
            ("/src/*path", "/src/{path}"),
            ("/a/:x/b/:y/", "/a/{x}/b/{y}/"),
        ] {
            assert_eq!(openapi_path(hertz), want);
        }
    }
}
