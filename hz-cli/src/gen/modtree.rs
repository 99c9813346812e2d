//! The `mod.rs` files that make generated files part of the crate. User-owned like
//! handlers: hz appends a `pub mod` line for each new module and removes none, so modules
//! the user added stay.

use crate::gen::{Content, ItemKey, Output, RustFile, RustItem};
use crate::layout::ModPath;

/// `mod.rs` outputs for every directory on the way to `modules`, below the crate root
/// (whose top-level modules `main.rs` declares).
pub(crate) fn mod_files(modules: &[ModPath]) -> Vec<Output> {
    let mut dirs: Vec<(ModPath, Vec<String>)> = Vec::new();
    for m in modules {
        for depth in 1..m.len() {
            let dir = m[..depth].to_vec();
            let child = m[depth].clone();
            match dirs.iter_mut().find(|(d, _)| *d == dir) {
                Some((_, children)) => {
                    if !children.contains(&child) {
                        children.push(child);
                    }
                }
                None => dirs.push((dir, vec![child])),
            }
        }
    }
    dirs.into_iter()
        .map(|(dir, children)| {
            let parent = dir.last().cloned().unwrap_or_default();
            let items = children
                .into_iter()
                .map(|c| {
                    // `model/hello/hello.rs` is Hertz's layout for namespace `hello`, file
                    // `hello.thrift`; clippy would call it module inception.
                    let allow = if c == parent {
                        "#[allow(clippy::module_inception)]\n"
                    } else {
                        ""
                    };
                    RustItem {
                        key: ItemKey::Mod(c.clone()),
                        code: format!("{allow}pub mod {c};\n"),
                    }
                })
                .collect();
            let mut path = std::path::PathBuf::from("src");
            for seg in &dir {
                path.push(seg);
            }
            path.push("mod.rs");
            Output {
                path,
                content: Content::Merged(RustFile {
                    header: "//! Modules of this directory. hz adds a line for each module it generates and\n//! removes none.\n".to_owned(),
                    items,
                }),
            }
        })
        .collect()
}
