//! From [`crate::ir`] to the files of a project, each with who owns it: hz (rewritten on
//! every run), the user (written once), or both (hz appends missing items). Nothing here
//! touches the disk; [`crate::write`] does that.

pub(crate) mod client;
mod client_call;
pub(crate) mod handler;
pub(crate) mod model;
pub(crate) mod modtree;
pub(crate) mod openapi;
pub(crate) mod project;
pub(crate) mod router;

use std::path::PathBuf;

/// One file to produce.
pub(crate) struct Output {
    /// Relative to the project directory.
    pub(crate) path: PathBuf,
    pub(crate) content: Content,
}

/// What a file holds and who owns it.
pub(crate) enum Content {
    /// hz owns it: rewritten on every run (models, generated routers, openapi.json, .hz).
    Generated(String),
    /// The user owns it: written when missing, otherwise left alone (main.rs, router.rs…).
    Scaffold(String),
    /// The user owns it but hz adds to it: handler files, middleware stubs, `mod.rs`.
    /// Items missing from the file (by name) are appended with the imports they need;
    /// nothing already there is changed.
    Merged(RustFile),
}

/// A Rust file built from named items.
pub(crate) struct RustFile {
    /// Doc comment and fixed `use` lines, written when the file is created.
    pub(crate) header: String,
    pub(crate) items: Vec<RustItem>,
}

/// One top-level item hz may append.
pub(crate) struct RustItem {
    pub(crate) key: ItemKey,
    /// The code. `⟦crate::a::b⟧` stands for module `crate::a::b`: when the item is written
    /// it becomes the name that module is imported as, and the `use` is added if missing.
    pub(crate) code: String,
}

/// How an item is recognised in an existing file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ItemKey {
    /// `fn name(`.
    Fn(String),
    /// `mod name;`.
    Mod(String),
}

/// `⟦path⟧`: a reference to a module, resolved to an import alias when written.
pub(crate) fn module_ref(path: &str) -> String {
    format!("⟦{path}⟧")
}

/// `/// text` lines for a doc comment (nothing for empty text).
pub(crate) fn doc_lines(doc: &str, indent: &str) -> String {
    doc.lines()
        .map(|l| format!("{indent}/// {l}\n").replace("///  ", "/// "))
        .collect()
}
