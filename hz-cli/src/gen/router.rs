//! Router files: one per IDL file, generated (rewritten by `hz update`): the IDL's routes
//! as nested groups, one group per path segment like Hertz's, each with a middleware stub
//! in the user-owned `middleware.rs` beside it. Also `router_gen.rs`, which registers every
//! router and serves `openapi.json`.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::gen::{Content, ItemKey, Output, RustFile, RustItem};
use crate::ir::{HttpMethod, Idl, IdlFile};
use crate::layout::{crate_path, module_file, Layout, ModPath};

/// A group: one path segment, its routes, its subgroups.
#[derive(Default)]
struct Node {
    /// Path from the root, e.g. `/api/v1`.
    prefix: String,
    routes: Vec<(HttpMethod, String, String)>,
    children: Vec<(String, Node)>,
}

impl Node {
    fn insert(&mut self, segs: &[&str], method: HttpMethod, leaf: String, handler: String) {
        match segs.split_first() {
            None => self.routes.push((method, leaf, handler)),
            Some((first, rest)) => {
                let idx = match self.children.iter().position(|(s, _)| s == first) {
                    Some(i) => i,
                    None => {
                        let prefix = format!("{}/{first}", self.prefix.trim_end_matches('/'));
                        self.children.push((
                            (*first).to_owned(),
                            Node {
                                prefix,
                                ..Node::default()
                            },
                        ));
                        self.children.len() - 1
                    }
                };
                self.children[idx].1.insert(rest, method, leaf, handler);
            }
        }
    }
}

/// The middleware stub name of a group: `/api/:id` → `api_id_mw`, `/` → `root_mw`.
fn mw_name(prefix: &str) -> String {
    let words: Vec<String> = prefix
        .split('/')
        .filter(|s| !s.is_empty())
        .map(crate::names::snake)
        .collect();
    if words.is_empty() {
        "root_mw".to_owned()
    } else {
        format!("{}_mw", words.join("_"))
    }
}

/// The router file and middleware stubs of one IDL file; `None` if it has no routes.
pub(crate) fn router_files(file: &IdlFile, layout: &Layout) -> Result<Option<(Output, Output)>> {
    let mut root = Node {
        prefix: "/".to_owned(),
        ..Node::default()
    };
    let mut seen: Vec<(HttpMethod, String, String)> = Vec::new();
    let mut imports: Vec<(ModPath, String)> = Vec::new();
    for svc in &file.services {
        for m in &svc.methods {
            let module = layout.handler_module(file, svc, m);
            if !imports.iter().any(|(p, _)| *p == module) {
                let last = module[module.len() - 1].clone();
                let alias = if imports.iter().any(|(_, a)| *a == last) {
                    module[module.len().saturating_sub(2)..].join("_")
                } else {
                    last
                };
                imports.push((module.clone(), alias));
            }
            let alias = &imports
                .iter()
                .find(|(p, _)| *p == module)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
            for r in &m.routes {
                let who = format!("{}.{}", svc.name, m.name);
                if let Some((_, _, other)) = seen
                    .iter()
                    .find(|(meth, path, _)| *meth == r.method && *path == r.path)
                {
                    return Err(Error::unsupported(format!(
                        "{}: `{} {}` is the route of both `{other}` and `{who}`",
                        file.path.display(),
                        r.method.routes_fn().to_uppercase(),
                        r.path
                    )));
                }
                seen.push((r.method, r.path.clone(), who));
                let segs: Vec<&str> = r.path.split('/').filter(|s| !s.is_empty()).collect();
                let (groups, leaf) = match segs.split_last() {
                    None => (&[][..], "/".to_owned()),
                    Some((last, groups)) => {
                        let slash = if r.path.ends_with('/') { "/" } else { "" };
                        (groups, format!("/{last}{slash}"))
                    }
                };
                root.insert(groups, r.method, leaf, format!("{alias}::{}", m.handler));
            }
        }
    }
    if seen.is_empty() {
        return Ok(None);
    }
    let mut mws: Vec<(String, String)> = Vec::new();
    let mut body = String::new();
    emit(&root, "r", "root", 1, &mut body, &mut mws);
    let mut uses: Vec<String> = imports
        .iter()
        .map(|(p, a)| {
            if p.last() == Some(a) {
                format!("use {};\n", crate_path(p))
            } else {
                format!("use {} as {a};\n", crate_path(p))
            }
        })
        .collect();
    uses.sort();
    let router = format!(
        "//! Code generated by hz from {}. DO NOT EDIT: `hz update` rewrites this file.\n\
         //! Add middleware to a group in `middleware.rs` beside this file.\n\n\
         use hertz_core::{{Engine, Routes}};\n\n\
         {}\nuse super::middleware;\n\n\
         /// Registers the routes of {}.\n\
         pub fn register(r: &mut Engine) {{\n{body}}}\n",
        file.doc_path.display(),
        uses.concat(),
        file.doc_path.display(),
    );
    let mw_items = mws
        .into_iter()
        .map(|(name, prefix)| RustItem {
            key: ItemKey::Fn(name.clone()),
            code: format!(
                "/// Middleware of the routes under `{prefix}`: `g.use_(my_middleware);` (rename `_g`).\n\
                 pub fn {name}(_g: &mut RouterGroup<'_>) {{}}\n"
            ),
        })
        .collect();
    let middleware = RustFile {
        header: "//! Middleware of the route groups of the routers beside this file. `hz update` appends a\n\
                 //! stub for each new group and never changes existing code: this file is yours.\n\n\
                 use hertz_core::RouterGroup;\n"
            .to_owned(),
        items: mw_items,
    };
    Ok(Some((
        Output {
            path: module_file(&layout.router_module(file)),
            content: Content::Generated(router),
        },
        Output {
            path: module_file(&layout.middleware_module(file)),
            content: Content::Merged(middleware),
        },
    )))
}

/// Writes the group `node` (a child of the variable `parent`) and its subtree.
fn emit(
    node: &Node,
    parent: &str,
    segment: &str,
    depth: usize,
    out: &mut String,
    mws: &mut Vec<(String, String)>,
) {
    let pad = "    ".repeat(depth);
    let var = if depth == 1 {
        "root".to_owned()
    } else {
        format!("g_{}", crate::names::snake(segment))
    };
    let name = mw_name(&node.prefix);
    if !mws.iter().any(|(n, _)| *n == name) {
        mws.push((name.clone(), node.prefix.clone()));
    }
    let group_path = if depth == 1 {
        "/".to_owned()
    } else {
        format!("/{segment}")
    };
    out.push_str(&format!(
        "{pad}let mut {var} = {parent}.group({group_path:?});\n"
    ));
    out.push_str(&format!("{pad}middleware::{name}(&mut {var});\n"));
    for (method, leaf, handler) in &node.routes {
        out.push_str(&format!(
            "{pad}{var}.{}({leaf:?}, {handler});\n",
            method.routes_fn()
        ));
    }
    for (seg, child) in &node.children {
        out.push_str(&format!("{pad}{{\n"));
        emit(child, &var, seg, depth + 1, out, mws);
        out.push_str(&format!("{pad}}}\n"));
    }
}

/// `router_gen.rs`: registers every IDL file's router, and `GET /openapi.json`.
pub(crate) fn router_gen(idl: &Idl, layout: &Layout, with_routes: &HashSet<String>) -> Output {
    let mut calls = String::new();
    for file in idl.main_files() {
        let m = layout.router_module(file);
        let p = crate_path(&m);
        if with_routes.contains(&p) {
            calls.push_str(&format!("    {p}::register(r);\n"));
        }
    }
    let text = format!(
        "//! Code generated by hz. DO NOT EDIT: `hz update` rewrites this file.\n\n\
         use hertz_core::{{Context, Engine, RequestContext, Routes}};\n\n\
         /// The OpenAPI 3.1 description hz wrote beside Cargo.toml, embedded at build time.\n\
         const OPENAPI: &str = include_str!(\"../openapi.json\");\n\n\
         /// Registers the routes of every IDL, and `GET /openapi.json`.\n\
         pub fn generated_register(r: &mut Engine) {{\n{calls}    r.get(\"/openapi.json\", openapi);\n}}\n\n\
         /// Serves [`OPENAPI`].\n\
         async fn openapi(_ctx: Context, c: &mut RequestContext) {{\n    c.data(200, \"application/json\", OPENAPI.as_bytes());\n}}\n"
    );
    Output {
        path: "src/router_gen.rs".into(),
        content: Content::Generated(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middleware_names_follow_the_group_path() {
        for (prefix, want) in [
            ("/", "root_mw"),
            ("/v1", "v1_mw"),
            ("/v1/user/:id", "v1_user_id_mw"),
            ("/files/*path", "files_path_mw"),
            ("/Shop-Items", "shop_items_mw"),
        ] {
            assert_eq!(mw_name(prefix), want, "{prefix}");
        }
    }
}
