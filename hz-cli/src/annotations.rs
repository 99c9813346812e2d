//! Hertz's `api.*` annotations, read the same way for Thrift (`(api.get = "/x")`) and
//! Protobuf (`option (api.get) = "/x"`), into the typed parts of [`crate::ir`].
//!
//! Unknown annotations are warnings with their location; annotations that other Hertz
//! tools read (`api.js_conv`, `go.tag`, …) are accepted silently.

use crate::error::{Error, Result};
use crate::ir::{HttpMethod, Route, Serializer, Source, SourceKind};
use crate::location::Location;

/// Warnings collected while reading the IDL, printed before anything is written.
#[derive(Debug, Default)]
pub(crate) struct Warnings(pub(crate) Vec<String>);

impl Warnings {
    pub(crate) fn push(&mut self, at: &Location, message: impl std::fmt::Display) {
        self.0.push(format!("{at}: {message}"));
    }
}

/// One annotation as written, with a way to find it again in the source.
pub(crate) struct Annotation<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: String,
    pub(crate) at: Location,
}

/// Hertz annotations hz-rs does not act on but that are valid in Hertz IDLs.
const ACCEPTED: &[&str] = &[
    "api.js_conv",
    "api.param",
    "api.baseurl",
    "api.api_version",
    "api.tag",
    "api.name",
    "api.api_level",
    "api.gen_path",
    "api.file_name",
    "api.http_code",
    "api.go_tag",
    "api.reserve",
];

/// Prefixes of other languages' annotations (`go.tag`, `cpp.type`…): not ours.
const FOREIGN_PREFIXES: &[&str] = &[
    "go.", "cpp.", "java.", "py.", "python.", "js.", "rust.", "rs.", "agw.", "thrift.",
];

/// `api.form_compatible` is Hertz's alias of `api.form` (and so on).
fn canonical(key: &str) -> &str {
    key.strip_suffix("_compatible").unwrap_or(key)
}

fn ignorable(key: &str) -> bool {
    ACCEPTED.contains(&key) || FOREIGN_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// What a field's annotations say.
#[derive(Default)]
pub(crate) struct FieldAnnotations {
    pub(crate) sources: Vec<Source>,
    pub(crate) raw_body: bool,
    pub(crate) none: bool,
    pub(crate) vd: Option<String>,
}

/// Reads a field's annotations. `name` is the IDL field name, the key of a source whose
/// value is empty.
pub(crate) fn field(
    annotations: &[Annotation<'_>],
    name: &str,
    warnings: &mut Warnings,
) -> FieldAnnotations {
    let mut out = FieldAnnotations::default();
    for a in annotations {
        let key = canonical(a.key);
        let kind = match key {
            "api.path" => Some(SourceKind::Path),
            "api.query" => Some(SourceKind::Query),
            "api.header" => Some(SourceKind::Header),
            "api.cookie" => Some(SourceKind::Cookie),
            "api.form" => Some(SourceKind::Form),
            "api.body" => Some(SourceKind::Body),
            _ => None,
        };
        if let Some(kind) = kind {
            let key = if a.value.is_empty() { name } else { &a.value };
            out.sources.push(Source {
                kind,
                key: key.to_owned(),
            });
            continue;
        }
        match key {
            "api.raw_body" => out.raw_body = true,
            "api.none" => out.none = !matches!(a.value.as_str(), "false" | "0"),
            "api.vd" => out.vd = Some(a.value.clone()),
            k if ignorable(k) => {}
            k if is_method_key(k) || k == "api.base_domain" => warnings.push(
                &a.at,
                format_args!(
                    "`{}` belongs on a method or service, not on field `{name}`; ignored",
                    a.key
                ),
            ),
            _ => warnings.push(
                &a.at,
                format_args!("unknown annotation `{}` on field `{name}`; ignored", a.key),
            ),
        }
    }
    out
}

fn is_method_key(key: &str) -> bool {
    key.strip_prefix("api.")
        .is_some_and(|m| HttpMethod::from_annotation(m).is_some())
        || matches!(key, "api.handler_path" | "api.serializer")
}

/// What a method's annotations say.
pub(crate) struct MethodAnnotations {
    pub(crate) routes: Vec<Route>,
    pub(crate) handler_path: Option<Vec<String>>,
    pub(crate) serializer: Serializer,
}

/// Reads a method's annotations; `method` is its IDL name, for messages.
pub(crate) fn method(
    annotations: &[Annotation<'_>],
    method: &str,
    warnings: &mut Warnings,
) -> Result<MethodAnnotations> {
    let mut out = MethodAnnotations {
        routes: Vec::new(),
        handler_path: None,
        serializer: Serializer::Json,
    };
    for a in annotations {
        let key = canonical(a.key);
        if let Some(m) = key
            .strip_prefix("api.")
            .and_then(HttpMethod::from_annotation)
        {
            if !a.value.starts_with('/') {
                return Err(Error::unsupported(format!(
                    "{}: method `{method}`: route path `{}` must start with `/`",
                    a.at, a.value
                )));
            }
            out.routes.push(Route {
                method: m,
                path: a.value.clone(),
            });
            continue;
        }
        match key {
            "api.handler_path" => {
                let segments: Vec<String> = a
                    .value
                    .split(['/', '.'])
                    .filter(|s| !s.is_empty())
                    .map(crate::names::module)
                    .collect();
                out.handler_path = Some(segments);
            }
            "api.serializer" => match a.value.to_ascii_lowercase().as_str() {
                "json" | "" => out.serializer = Serializer::Json,
                "form" => out.serializer = Serializer::Form,
                other => warnings.push(
                    &a.at,
                    format_args!(
                        "`api.serializer = \"{other}\"` on method `{method}` is not supported (json, form); using json"
                    ),
                ),
            },
            k if ignorable(k) => {}
            _ => warnings.push(
                &a.at,
                format_args!("unknown annotation `{}` on method `{method}`; ignored", a.key),
            ),
        }
    }
    Ok(out)
}

/// Reads a service's annotations: `api.base_domain`.
pub(crate) fn service(
    annotations: &[Annotation<'_>],
    service: &str,
    warnings: &mut Warnings,
) -> Option<String> {
    let mut base_domain = None;
    for a in annotations {
        match canonical(a.key) {
            "api.base_domain" => base_domain = Some(a.value.clone()),
            k if ignorable(k) => {}
            _ => warnings.push(
                &a.at,
                format_args!(
                    "unknown annotation `{}` on service `{service}`; ignored",
                    a.key
                ),
            ),
        }
    }
    base_domain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Location {
        Location::at("t.thrift", "", 0)
    }

    fn ann<'a>(key: &'a str, value: &str) -> Annotation<'a> {
        Annotation {
            key,
            value: value.to_owned(),
            at: at(),
        }
    }

    #[test]
    fn field_sources_keep_order_and_default_to_the_name() {
        let mut w = Warnings::default();
        let f = field(
            &[
                ann("api.query", ""),
                ann("api.header", "X-Id"),
                ann("api.vd", "$>0"),
                ann("go.tag", "json:\"x\""),
                ann("api.bogus", "1"),
            ],
            "id",
            &mut w,
        );
        let got: Vec<_> = f.sources.iter().map(|s| (s.kind, s.key.as_str())).collect();
        assert_eq!(
            got,
            [(SourceKind::Query, "id"), (SourceKind::Header, "X-Id")]
        );
        assert_eq!(f.vd.as_deref(), Some("$>0"));
        assert_eq!(
            w.0,
            ["t.thrift:1:1: unknown annotation `api.bogus` on field `id`; ignored"]
        );
    }

    #[test]
    fn method_routes_and_bad_paths() {
        let mut w = Warnings::default();
        let m = method(
            &[
                ann("api.get", "/a"),
                ann("api.post", "/b"),
                ann("api.handler_path", "x/y"),
            ],
            "M",
            &mut w,
        )
        .unwrap();
        assert_eq!(m.routes.len(), 2);
        assert_eq!(m.handler_path, Some(vec!["x".to_owned(), "y".to_owned()]));
        let err = method(&[ann("api.get", "a")], "M", &mut w).err().unwrap();
        assert!(err.to_string().contains("method `M`"), "{err}");
    }
}
