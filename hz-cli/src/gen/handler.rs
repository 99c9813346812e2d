//! Handler files: one per service (per `api.handler_path`), one async handler per method
//! that binds and validates the request and answers JSON. User-owned: `hz update` appends
//! handlers for new methods and never changes existing ones.

use crate::gen::{doc_lines, module_ref, Content, ItemKey, Output, RustFile, RustItem};
use crate::ir::{Idl, Method, Route};
use crate::layout::{crate_path, module_file, Layout, ModPath};

/// The handler files of every service in the main IDL files, with their module paths.
pub(crate) fn handler_files(idl: &Idl, layout: &Layout) -> Vec<(ModPath, Output)> {
    let mut files: Vec<(ModPath, String, Vec<RustItem>)> = Vec::new();
    for file in idl.main_files() {
        for svc in &file.services {
            for m in &svc.methods {
                let module = layout.handler_module(file, svc, m);
                let item = RustItem {
                    key: ItemKey::Fn(m.handler.clone()),
                    code: handler(svc.name.as_str(), m, layout),
                };
                match files.iter_mut().find(|(p, _, _)| *p == module) {
                    Some((_, _, items)) => items.push(item),
                    None => {
                        let header = format!(
                            "//! Handlers of service `{}` ({}). `hz update` appends a handler for each new\n\
                             //! method and never changes existing code: this file is yours.\n\n\
                             use hertz_core::{{Context, RequestContext}};\n",
                            svc.name,
                            file.doc_path.display()
                        );
                        files.push((module, header, vec![item]));
                    }
                }
            }
        }
    }
    files
        .into_iter()
        .map(|(module, header, items)| {
            let out = Output {
                path: module_file(&module),
                content: Content::Merged(RustFile { header, items }),
            };
            (module, out)
        })
        .collect()
}

fn route_doc(routes: &[Route]) -> String {
    if routes.is_empty() {
        return "(no route)".to_owned();
    }
    routes
        .iter()
        .map(|r| format!("`{} {}`", r.method.routes_fn().to_uppercase(), r.path))
        .collect::<Vec<_>>()
        .join(", ")
}

fn handler(service: &str, m: &Method, layout: &Layout) -> String {
    let mut out = format!("/// {} — `{service}.{}`.\n", route_doc(&m.routes), m.name);
    if !m.doc.is_empty() {
        out.push_str("///\n");
        out.push_str(&doc_lines(&m.doc, ""));
    }
    let ty = |r: &crate::ir::TypeRef| {
        let module = layout.model_module(&r.namespace, &r.stem);
        format!("{}::{}", module_ref(&crate_path(&module)), r.name)
    };
    let mut body = String::new();
    if let Some(req) = &m.request {
        // On a bind or validation error the engine has already answered 400 with JSON
        // naming the field.
        body.push_str(&format!(
            "    let Ok(_req) = c.bind_and_validate::<{}>() else {{\n        return;\n    }};\n",
            ty(req)
        ));
    }
    match &m.response {
        Some(resp) => {
            body.push_str(&format!("    let resp = {}::default();\n", ty(resp)));
            body.push_str("    c.json(200, &resp);\n");
        }
        None => body.push_str("    c.status(200);\n"),
    }
    out.push_str(&format!(
        "pub async fn {}(_ctx: Context, c: &mut RequestContext) {{\n{body}}}\n",
        m.handler
    ));
    out
}
